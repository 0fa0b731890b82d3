//! Contact data: JSON arrays, JSON Lines and CSV, decoded against a program's field plan.
//!
//! Only the fields the program reads are extracted; every other key or column is skipped.
//! A value of the wrong type is a located [`DataError`]; it never silently becomes missing.
//! Errors are structured ([`DataProblem`]): the CLI words them, the core renders no text.

mod csv;
mod error;
mod json;
mod typed;

use std::path::Path;

use crate::compile::FieldPlan;
use crate::semantics::Value;

pub use error::{DataError, DataProblem, Found, JsonProblem, Kind, MAX_EXACT_ID};

/// A decoded contact: its id and the values of the fields the program reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// The contact's id, as text.
    pub id: String,
    /// The line the record starts on (1-based).
    pub line: usize,
    /// Field values by slot of the plan's contact layout.
    pub slots: Vec<Value>,
}

/// The layout of a contact file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

impl InputFormat {
    /// The format a file name implies (`.json`, `.jsonl`/`.ndjson`, `.csv`).
    pub fn from_path(path: &Path) -> Option<InputFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(InputFormat::Json),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            "csv" => Some(InputFormat::Csv),
            _ => None,
        }
    }
}

/// Decodes every contact in `text`, in input order. `file` names the source in errors.
pub fn read<'a>(
    format: InputFormat,
    file: &'a str,
    text: &'a str,
    plan: &'a FieldPlan,
) -> Box<dyn Iterator<Item = Result<Contact, Box<DataError>>> + 'a> {
    match format {
        InputFormat::Jsonl => Box::new(json::read_lines(file, text, plan)),
        InputFormat::Json => Box::new(json::read_array(file, text, plan)),
        InputFormat::Csv => Box::new(csv::read(file, text, plan)),
    }
}

/// An error message without the " at line L column C" a parser appended (ours names the
/// place itself).
pub(crate) fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

#[cfg(test)]
pub(crate) mod tests;
