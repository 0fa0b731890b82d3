//! Contact data: JSON arrays, JSON Lines and CSV, decoded against a program's field plan.
//!
//! Only the fields the program reads are extracted; every other key or column is skipped.
//! A value of the wrong type is a located [`DataError`]; it never silently becomes missing.

mod csv;
mod json;
mod typed;

use std::fmt;
use std::path::Path;

use crate::codes::Code;
use crate::compile::FieldPlan;
use crate::semantics::Value;

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

/// A record that could not be read or decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    /// Stable code.
    pub code: Code,
    /// The data file.
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// The contact's id, where it could be read.
    pub id: Option<String>,
    /// The dotted field path, e.g. `events[2].at`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Whether reading cannot continue after this error (the rest of the file is lost).
    pub fatal: bool,
}

impl DataError {
    fn new(code: Code, file: &str, message: impl Into<String>) -> DataError {
        DataError {
            code,
            file: file.to_string(),
            line: None,
            column: None,
            id: None,
            field: None,
            message: message.into(),
            fatal: false,
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code.as_str(), self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(id) = &self.id {
            write!(f, "contact `{}`: ", printable(id))?;
        }
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Text safe to print on a terminal: control characters (escape sequences, line breaks
/// inside an id) are shown as `\u{…}` instead of acting on the screen.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
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
mod tests;
