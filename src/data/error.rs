//! Data errors as structured results: what is wrong, with the values involved and no
//! wording. The CLI renders them (`cli::render::data`); the core never turns them into text.

use std::sync::Arc;

use crate::codes::Code;
use crate::compile::PlanType;
use crate::semantics::Value;

/// 2^53, from where whole numbers are no longer all exact in a float: a numeric id must be
/// below it (2^53 + 1 reads as 2^53 in a CSV cell or a JSON fraction, and would collide).
pub const MAX_EXACT_ID: u64 = 9_007_199_254_740_992;

/// How many characters of a found text an error keeps.
const SHOWN_CHARS: usize = 40;

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
    /// The dotted field path, e.g. `events[2].at` (for a CSV cell, its header as written).
    pub field: Option<String>,
    /// For a CSV cell: its 1-based column (cell number) in the row.
    pub cell: Option<usize>,
    /// What is wrong.
    pub problem: DataProblem,
    /// Whether reading cannot continue after this error (the rest of the file is lost).
    pub fatal: bool,
}

impl DataError {
    /// An error in `file` that is not yet located.
    pub(super) fn new(code: Code, file: &str, problem: DataProblem) -> DataError {
        DataError {
            code,
            file: file.to_string(),
            line: None,
            column: None,
            id: None,
            field: None,
            cell: None,
            problem,
            fatal: false,
        }
    }
}

/// What is wrong with a record or a file, one variant per kind of problem.
#[derive(Debug, Clone, PartialEq)]
pub enum DataProblem {
    /// A value of another type than the plan's.
    WrongType {
        /// The type the plan reads.
        expected: PlanType,
        /// What the data holds.
        found: Found,
    },
    /// A text that is none of an enum's values.
    NotInEnum {
        /// The text found.
        found: Found,
        /// The enum's values.
        allowed: Arc<[String]>,
        /// A value equal to the text but for letter case.
        near: Option<String>,
    },
    /// A datetime with an offset, valid in the calendar, but beyond what can be represented.
    DateTimeOutOfRange {
        /// The text found.
        found: Found,
    },
    /// A text that is not an RFC 3339 datetime (the compact form, a zone name, an offset
    /// past ±23:59, a leap second), though a parser could guess one from it.
    DateTimeNotRfc3339 {
        /// The text found.
        found: Found,
    },
    /// A datetime without `Z` or an offset.
    DateTimeWithoutOffset {
        /// The text found.
        found: Found,
    },
    /// A problem only one of two compared rule sets has with the contact (`diff`): the
    /// other reads and classifies it.
    Under {
        /// `true`: the base rules have it; `false`: the new ones.
        base: bool,
        /// The problem.
        problem: Box<DataProblem>,
    },
    /// A field the schema requires is missing.
    MissingRequired,
    /// The JSON text cannot be parsed.
    MalformedJson(JsonProblem),
    /// A record without the id field.
    MissingId {
        /// The id field's name.
        id_field: String,
    },
    /// A JSON record whose id is empty text.
    EmptyId {
        /// The id field's name.
        id_field: String,
    },
    /// A CSV row whose id cell is empty.
    EmptyIdCell {
        /// The id field's name.
        id_field: String,
    },
    /// A numeric id that is not a whole number below [`MAX_EXACT_ID`].
    InexactNumericId,
    /// An id that is neither text nor a number.
    IdWrongType {
        /// The id's value.
        found: Value,
    },
    /// The CSV header row cannot be read.
    UnreadableCsvHeader {
        /// The CSV reader's reason.
        reason: String,
    },
    /// Two header columns name the same field.
    RepeatedColumn {
        /// The header as written.
        header: String,
        /// 1-based column of the first.
        first: usize,
        /// 1-based column of the second.
        second: usize,
    },
    /// A mapping builds the id from a header this CSV file does not have.
    NoIdCellColumn {
        /// The header.
        header: String,
        /// The mapping's source.
        source: String,
    },
    /// A file with a column for the id field, read through a source that makes ids from
    /// the line or from other cells.
    IdColumnBesideRule {
        /// The id column's header.
        header: String,
        /// The mapping's source.
        source: String,
    },
    /// A CSV file of activities without the key column that names each row's contact.
    NoKeyColumn {
        /// The key's header.
        key: String,
        /// The mapping's source.
        source: String,
        /// A header of the file equal to it but for letter case, or spelt nearly as it is.
        near: Option<String>,
    },
    /// A cell that is not the part of a date its column holds.
    NotADatePart {
        /// `day`, `month` or `year`.
        part: &'static str,
        /// The cell.
        found: Found,
    },
    /// A part of a date split over columns is missing while others are given.
    DatePartMissing {
        /// `day`, `month` or `year`.
        part: &'static str,
    },
    /// Day, month and year that make no date (30 February).
    NoSuchDate {
        /// The year.
        year: i16,
        /// The month, 1–12.
        month: i16,
        /// The day, 1–31.
        day: i16,
    },
    /// A contact's activities together are larger than a record may be.
    TooManyActivities {
        /// How many there are.
        count: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A JSON record of activities that is not JSON.
    MalformedActivity {
        /// The parser's reason.
        reason: String,
    },
    /// A JSON record of activities that is not an object.
    ActivityNotObject {
        /// What it is.
        found: Found,
    },
    /// The key path of activities runs into a value that is not an object (or, for a step
    /// with `[]`, not a list).
    KeyPathBlocked {
        /// The key path.
        path: String,
        /// The part of it that cannot be gone through.
        at: String,
        /// Whether a list was expected there.
        list: bool,
    },
    /// The key of an activity is neither text nor a number.
    KeyNotAnId {
        /// The key path.
        path: String,
        /// What it holds.
        found: Found,
    },
    /// A CSV file without even a header row.
    EmptyCsv,
    /// A CSV header without the id column.
    NoIdColumn {
        /// The id field's name.
        id_field: String,
    },
    /// A CSV header of one column that no rule reads and another delimiter would split.
    OtherDelimiter {
        /// The delimiter it looks separated by.
        looks: char,
        /// The delimiter the file is read with.
        delimiter: char,
        /// The mapping's source that sets it, if any.
        source: Option<String>,
    },
    /// A CSV row with another number of cells than the header.
    RowWidth {
        /// Cells in the row.
        cells: usize,
        /// Cells in the header.
        header: usize,
        /// Whether a cell spans lines (an unclosed quote may have joined rows).
        spans_lines: bool,
    },
    /// A record (a JSON line or element, a CSV row) that is not UTF-8 text; the error's
    /// place is the first bad byte (for CSV, its cell).
    NotUtf8,
    /// A record longer than [`MAX_RECORD_BYTES`](super::MAX_RECORD_BYTES).
    RecordTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// JSON nested deeper than [`MAX_NESTING`](super::MAX_NESTING) lists and objects.
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A JSON object with the same key twice (which one a tool reads varies).
    DuplicateKey,
    /// A number beyond the largest one representable (about 1.8e308).
    NumberOutOfRange {
        /// The text found, where known (a CSV cell).
        found: Option<Found>,
    },
    /// A CSV cell for a `bool` that is none of the accepted spellings.
    NotABoolCell {
        /// The text found.
        found: Found,
    },
    /// A CSV header with a column for a whole record (JSON in the cell) and a dotted
    /// column for one of its fields: which one holds the value would be a guess.
    RecordCellAndColumn {
        /// The record's column, as written.
        record: String,
        /// The dotted column, as written.
        column: String,
    },
    /// A cell for a `bool` that is none of the spellings its mapping accepts.
    NotASpelledBool {
        /// The text found.
        found: Found,
        /// The spellings of true, then of false.
        spellings: Box<(Vec<String>, Vec<String>)>,
    },
    /// A cell a mapping reads as a range (`200-499`) that is not one.
    NotARange {
        /// The text found.
        found: Found,
    },
    /// A cell that a mapping's `extract` pattern does not match.
    NoMatch {
        /// The text found.
        found: Found,
        /// The pattern.
        pattern: String,
    },
    /// A cell not written in the date format its mapping gives (or, for a time without
    /// offset, without a zone to read it in).
    NotInFormat {
        /// The text found.
        found: Found,
        /// The format, or `None` for the default forms.
        format: Option<String>,
        /// Whether a zone was given for times without offset.
        zoned: bool,
    },
    /// A cell a mapping reads as a number of some unit that is not a number (or too large).
    NotANumberOfUnits {
        /// The text found.
        found: Found,
        /// The unit, as the mapping names it.
        unit: &'static str,
    },
    /// A CSV record the reader rejects.
    MalformedCsv {
        /// The CSV reader's reason.
        reason: String,
    },
    /// A CSV cell for a list or record that is not JSON of that type.
    CellNotJson {
        /// The type the plan reads.
        expected: PlanType,
        /// The JSON parser's reason, without its position.
        reason: String,
    },
    /// Reading the input failed part way; the rest of it is not read.
    Unreadable {
        /// The system's reason.
        reason: String,
    },
    /// A file read twice (activities in place) changed between the readings.
    ChangedWhileRead,
    /// A rule failed on this contact at run time (rule sets without schema).
    Runtime {
        /// The text of the failing expression.
        rule: String,
        /// What it could not do with which value.
        fault: crate::semantics::Fault,
    },
}

/// Why JSON text cannot be parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonProblem {
    /// A `.json` contact file that is not an array.
    NotAnArray,
    /// `,` or `]` where an element should be.
    MissingElement,
    /// The array has no closing `]`.
    ArrayNotClosed,
    /// Text after the closing `]`.
    TextAfterArray,
    /// A record that is not an object.
    NotAContact(Found),
    /// The JSON parser's reason, without its position.
    Syntax(String),
}

/// What the data holds where something else was expected.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A value of this kind (its value is not shown).
    Kind(Kind),
    /// A text, shortened.
    Text {
        /// Its first characters.
        shown: String,
        /// Whether characters were left off.
        truncated: bool,
    },
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
}

impl Found {
    /// A found text, keeping its first characters only.
    pub fn text(s: &str) -> Found {
        let shown: String = s.chars().take(SHOWN_CHARS).collect();
        Found::Text {
            truncated: shown.len() < s.len(),
            shown,
        }
    }
}

/// The kind of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// a number
    Number,
    /// a string
    Text,
    /// an array
    List,
    /// an object
    Object,
}
