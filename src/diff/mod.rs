//! Change review (issue 12's `qualify diff`): what a change to a rule set does. So far, the
//! change in structure between two checked rule sets ([`structure()`]); the change in
//! meaning and on real contacts are to come, and no command reaches this yet.
//!
//! Like every module of the core, it does no I/O and words nothing: it gives data, which
//! `cli` renders.

pub mod structure;

pub use structure::{ClassChange, FieldChange, LetChange, RowChange, Structure, structure};
