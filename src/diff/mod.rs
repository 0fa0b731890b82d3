//! Change review (`qualify diff`): what a change to a rule set does — to its structure
//! ([`structure()`]), to its meaning ([`meaning`]: per value, with witnesses checked by
//! classifying them) and to real contacts ([`data`]: each decoded once, classified by both
//! rule sets in one run).
//!
//! Like every module of the core, it does no I/O and words nothing: it gives data, which
//! `cli` renders.

pub mod data;
pub mod meaning;
pub mod structure;

pub use data::{Comparison, Transitions};
pub use structure::{ClassChange, FieldChange, LetChange, RowChange, Structure, structure};
