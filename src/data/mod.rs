//! Contact data: JSON arrays, JSON Lines and CSV, decoded against a program's field plan.
//!
//! Only the fields the program reads are extracted; every other key or column is skipped.
//! A value of the wrong type is a located [`DataError`]; it never silently becomes missing.
//! Errors are structured ([`DataProblem`]): the CLI words them, the core renders no text.
//!
//! Architecture invariant: bad data costs no more than its own record. Files arrive as
//! bytes; a record that is not UTF-8, too large, nested too deep or malformed is an error of
//! that record (file, line, column, contact id where it can be read), and reading goes on
//! with the next. Only a broken JSON array structure or a broken CSV header ends a file
//! early ([`DataError::fatal`]). A file of only whitespace holds no contacts, whatever its
//! format.

mod csv;
mod error;
mod json;
mod scan;
mod typed;

use std::path::Path;

use crate::compile::FieldPlan;
use crate::semantics::Value;

pub use error::{DataError, DataProblem, Found, JsonProblem, Kind, MAX_EXACT_ID};
pub use scan::is_blank;

/// The largest record (a JSON line or array element, a CSV row) read, in bytes: 16 MiB. A
/// larger one is an error of that record; no contact needs that much.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// How deep lists and objects may nest in a JSON record (the record itself is the first
/// level); deeper is an error of that record, before any parser recurses into it.
pub const MAX_NESTING: usize = 100;

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

/// Decodes every contact in `text` (bytes, meant to be UTF-8), in input order. `file` names
/// the source in errors.
pub fn read<'a, T: AsRef<[u8]> + ?Sized>(
    format: InputFormat,
    file: &'a str,
    text: &'a T,
    plan: &'a FieldPlan,
) -> Box<dyn Iterator<Item = Result<Contact, Box<DataError>>> + 'a> {
    let text = scan::strip_bom(text.as_ref());
    if scan::is_blank(text) {
        return Box::new(std::iter::empty());
    }
    match format {
        InputFormat::Jsonl => Box::new(json::read_lines(file, text, plan)),
        InputFormat::Json => Box::new(json::read_array(file, text, plan)),
        InputFormat::Csv => Box::new(csv::read(file, text, plan)),
    }
}

/// The records of a JSON Lines text, found without decoding them (for decoding on several
/// threads): line number and bytes of each non-blank line.
pub fn jsonl_records(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    json::lines(scan::strip_bom(text))
}

/// Decodes one record found by [`jsonl_records`].
pub fn decode_jsonl_record(
    file: &str,
    number: usize,
    line: &[u8],
    plan: &FieldPlan,
) -> Result<Contact, Box<DataError>> {
    json::decode_line(file, line, number, plan)
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
