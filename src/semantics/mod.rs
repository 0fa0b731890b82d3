//! The language's meaning, written once: values, three-valued truth, comparison,
//! equality and order, membership, arithmetic (and what has no value), time, quantifiers,
//! aggregates and row selection.
//!
//! Architecture invariant: every other module that needs a rule of the language calls it
//! here — the evaluator, constant folding, the lint analysis, explanations — and a later
//! SQL backend documents its translation against these functions. This module depends on
//! nothing else in the crate except the AST's operator names; it does no I/O and renders
//! no messages.

pub mod ops;
pub mod rows;
pub mod time;
pub mod truth;
pub mod value;

pub use ops::{ArithOp, At, CompareOp, Fault, Func, Op, Quantify, TextOp};
pub use rows::Decision;
pub use truth::Truth;
pub use value::Value;
