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
mod join;
mod json;
mod paths;
mod scan;
mod stream;
mod typed;

use std::io::Read;
use std::path::Path;

use crate::codes::Code;

use crate::compile::FieldPlan;
use crate::semantics::Value;

pub use error::{DataError, DataProblem, Found, JsonProblem, Kind, MAX_EXACT_ID};
pub use join::{Activities, JoinCounts};
pub use stream::{CHUNK_BYTES, Chunk, Piece, Pieces};

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

impl Contact {
    /// Hands the contact's memory (its slots, id, lists and records) back to this thread's
    /// pool, for the next contacts decoded here: a run recycles each contact once its sink
    /// has seen it, so decoding allocates nothing per contact in a steady state. Dropping a
    /// contact instead is always correct, only slower.
    pub fn recycle(self) {
        typed::recycle(self.id, self.slots);
    }
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
    Box::new(stream(format, file, text.as_ref(), plan, None))
}

/// Decodes every contact read from `reader` (through a mapping's source, if given), in
/// input order, holding only a few chunks of it at a time. `file` names the source in
/// errors.
pub fn stream<'p, R: Read>(
    format: InputFormat,
    file: &str,
    reader: R,
    plan: &'p FieldPlan,
    source: Option<&crate::mapping::Source>,
) -> Records<'p, R> {
    let (decoder, pieces) = open(format, file, reader, plan, source);
    Records {
        decoder,
        pieces,
        ready: Vec::new().into_iter(),
    }
}

/// The contacts of one input, decoded as they are read (see [`stream`]).
pub struct Records<'p, R> {
    decoder: Decoder<'p>,
    pieces: Pieces<R>,
    ready: std::vec::IntoIter<Result<Contact, Box<DataError>>>,
}

impl<R: Read> Iterator for Records<'_, R> {
    type Item = Result<Contact, Box<DataError>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.ready.next() {
                return Some(record);
            }
            let mut out = Vec::new();
            if let Some(bytes) = self.decoder.decode(self.pieces.next()?, &mut out) {
                self.pieces.recycle(bytes);
            }
            self.ready = out.into_iter();
        }
    }
}

/// Starts reading an input: the decoder of its pieces (for CSV, with the header already
/// read, through the mapping's source if given) and the pieces, to be decoded in order or
/// on several threads.
pub fn open<'p, R: Read>(
    format: InputFormat,
    file: &str,
    reader: R,
    plan: &'p FieldPlan,
    source: Option<&crate::mapping::Source>,
) -> (Decoder<'p>, Pieces<R>) {
    let mut pieces = Pieces::new(format, reader);
    let mut decoder = Decoder {
        file: file.to_string(),
        format,
        plan,
        header: None,
        joins: &[],
    };
    if let (InputFormat::Json | InputFormat::Jsonl, Some(source)) = (format, source) {
        match csv::json_header(file, plan, source, 0) {
            Ok(header) => decoder.header = Some(header),
            Err(e) => pieces.end_with(Piece::Failed(e)),
        }
    }
    if format == InputFormat::Csv {
        match pieces.first_line() {
            Ok(Some(bytes)) => match csv::header(file, &bytes, plan, source) {
                Ok(header) => decoder.header = Some(header),
                Err(e) => pieces.end_with(Piece::Failed(e)),
            },
            Ok(None) => pieces.end(),
            Err(piece) => pieces.end_with(piece),
        }
    }
    (decoder, pieces)
}

/// One JSON record read through a mapping's source: its key paths become the cells of
/// `header`, read as a CSV row is. What the plain reader refuses whatever the mapping —
/// malformed JSON, a key twice, nesting too deep, a record that is not an object — is
/// refused with the plain reader's error (`plain`), so its wording and place are the same.
fn mapped_json(
    file: &str,
    bytes: &[u8],
    (line, column): (usize, usize),
    plan: &FieldPlan,
    header: &csv::Header,
    plain: impl Fn() -> Result<Contact, Box<DataError>>,
) -> Result<Contact, Box<DataError>> {
    if bytes.len() <= MAX_RECORD_BYTES
        && let Ok(text) = std::str::from_utf8(bytes)
        && let Some(mut row) = json::mapped::row(plan, header, text)
    {
        return csv::decode_row(file, line, plan, header, &mut row);
    }
    // a record the one pass refuses: its cells as text, where it is what the full reader
    // accepts (a list's errors then come in the order of its text)
    if let Some(mut row) = csv::json_row_fast(header, bytes) {
        return csv::decode_row(file, line, plan, header, &mut row);
    }
    mapped_json_full(file, bytes, (line, column), plan, header, plain)
}

/// [`mapped_json`] by the full reader: the record parsed whole, then its cells taken.
/// The record's text starts at `line` and `column` of the file.
fn mapped_json_full(
    file: &str,
    bytes: &[u8],
    (line, column): (usize, usize),
    plan: &FieldPlan,
    header: &csv::Header,
    plain: impl Fn() -> Result<Contact, Box<DataError>>,
) -> Result<Contact, Box<DataError>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return plain();
    };
    let object = match json::strict_object(text) {
        Ok(object) => object,
        Err(json::Strictly::Duplicate(key)) => {
            let mut e = DataError::new(Code::MalformedJson, file, DataProblem::DuplicateKey);
            e.field = Some(key);
            e.line = Some(line);
            e.id = scan::recover_id(bytes, &plan.id_field);
            return Err(Box::new(e));
        }
        // the plain reader would skip a number no rule reads under its own name, and read
        // the contact without the fields the mapping's paths fill
        Err(json::Strictly::OutOfRange(l, c)) => {
            let problem = DataProblem::NumberOutOfRange { found: None };
            let mut e = DataError::new(Code::WrongType, file, problem);
            // where the number starts, in the file, and the column of the export it is in
            let ((l, c), key) = json::out_of_range_at(text, (line, column), (l, c));
            (e.line, e.column, e.field) = (Some(l), Some(c), key);
            e.id = header.recovered_id(bytes, line, plan);
            return Err(Box::new(e));
        }
        Err(json::Strictly::Other) => return plain(),
    };
    match csv::json_row(header, &object) {
        Ok(mut row) => csv::decode_row(file, line, plan, header, &mut row),
        Err(f) => {
            let mut e = DataError::new(f.code, file, f.problem);
            e.field = Some(f.field);
            e.line = Some(line);
            e.id = csv::json_row_id(header, &object, line, plan);
            Err(Box::new(e))
        }
    }
}

/// Turns the pieces of one input into contacts and errors; shared by the threads that
/// decode them.
#[derive(Debug)]
pub struct Decoder<'p> {
    file: String,
    format: InputFormat,
    plan: &'p FieldPlan,
    header: Option<csv::Header>,
    /// Files of activities whose rows each decoded contact is given.
    joins: &'p [Activities],
}

impl<'p> Decoder<'p> {
    /// The same decoder, giving each contact its activities from `joins` (in order).
    pub fn joined(self, joins: &'p [Activities]) -> Decoder<'p> {
        Decoder { joins, ..self }
    }

    /// The input's name in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Columns the mapping reads that this CSV file does not have (see
    /// `csv::Header::absent`).
    pub fn absent_columns(&self) -> &[csv::Absent] {
        self.header.as_ref().map_or(&[], |h| h.absent())
    }

    /// Decodes the records of `piece` (or the error it is) into `out`, in order; gives back
    /// the chunk's bytes, for [`Pieces::recycle`].
    pub fn decode(
        &self,
        piece: Piece,
        out: &mut Vec<Result<Contact, Box<DataError>>>,
    ) -> Option<Vec<u8>> {
        let start = out.len();
        let bytes = self.records(piece, out);
        if !self.joins.is_empty() {
            for record in &mut out[start..] {
                let contact = match record {
                    Ok(contact) => contact,
                    // a contact read but not decoded still owns its activities
                    Err(e) => {
                        if let Some(id) = &e.id {
                            self.joins.iter().for_each(|j| j.touch(id));
                        }
                        continue;
                    }
                };
                for join in self.joins {
                    if let Err(e) = join.attach(self.plan, contact) {
                        *record = Err(e);
                        break;
                    }
                }
            }
        }
        bytes
    }

    /// [`Decoder::decode`] before the activities are joined.
    fn records(
        &self,
        piece: Piece,
        out: &mut Vec<Result<Contact, Box<DataError>>>,
    ) -> Option<Vec<u8>> {
        let (file, plan) = (self.file.as_str(), self.plan);
        let located = |code, problem, line, column, fatal| {
            let mut e = DataError::new(code, file, problem);
            e.line = Some(line);
            e.column = column;
            e.fatal = fatal;
            e
        };
        match piece {
            Piece::Records(chunk) => {
                match (self.format, &self.header) {
                    (InputFormat::Jsonl, Some(header)) => {
                        out.extend(json::lines(&chunk.bytes, chunk.line).map(|(number, line)| {
                            mapped_json(file, line, (number, 1), plan, header, || {
                                json::decode_line(file, line, number, plan)
                            })
                        }))
                    }
                    (InputFormat::Json, Some(header)) => {
                        out.extend(chunk.elements.iter().map(|e| {
                            let bytes = &chunk.bytes[e.start..e.end];
                            mapped_json(file, bytes, (e.line, e.column), plan, header, || {
                                json::decode_bytes(file, bytes, e.line, e.column, plan)
                            })
                        }))
                    }
                    (InputFormat::Jsonl, None) => out.extend(
                        json::lines(&chunk.bytes, chunk.line)
                            .map(|(number, line)| json::decode_line(file, line, number, plan)),
                    ),
                    (InputFormat::Json, None) => out.extend(chunk.elements.iter().map(|e| {
                        let bytes = &chunk.bytes[e.start..e.end];
                        json::decode_bytes(file, bytes, e.line, e.column, plan)
                    })),
                    (InputFormat::Csv, Some(header)) => {
                        csv::rows(file, header, &chunk.bytes, chunk.line, plan, out)
                    }
                    // rows come only after a header was read
                    (InputFormat::Csv, None) => {}
                }
                return Some(chunk.bytes);
            }
            Piece::TooLarge {
                line,
                column,
                prefix,
            } => {
                let limit = MAX_RECORD_BYTES;
                let problem = DataProblem::RecordTooLarge { limit };
                let e = match (&self.header, self.format) {
                    (Some(header), InputFormat::Csv) => {
                        let mut e = located(Code::MalformedCsv, problem, line, None, false);
                        e.id = csv::prefix_id(header, &prefix, line, plan);
                        e
                    }
                    _ => {
                        let mut e =
                            located(Code::MalformedJson, problem, line, Some(column), false);
                        e.id = scan::recover_id(&prefix, &plan.id_field);
                        e
                    }
                };
                out.push(Err(Box::new(e)));
            }
            Piece::Broken {
                line,
                column,
                problem,
            } => {
                let problem = DataProblem::MalformedJson(problem);
                let e = located(Code::MalformedJson, problem, line, Some(column), true);
                out.push(Err(Box::new(e)));
            }
            Piece::Unreadable { line, reason } => {
                let problem = DataProblem::Unreadable { reason };
                let e = located(Code::UnreadableData, problem, line, None, true);
                out.push(Err(Box::new(e)));
            }
            Piece::Failed(e) => out.push(Err(e)),
        }
        None
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
