//! CSV: a header row, dotted headers for nested fields (`company.size`), list fields as
//! JSON text in a cell, values typed by the plan.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::json::Failure;
use super::scan::Lines;
use super::typed::{self, FieldError, FieldPath, Segment};
use super::{Contact, DataError, DataProblem, Found, MAX_EXACT_ID, MAX_RECORD_BYTES};
use crate::codes::Code;
use crate::compile::{FieldPlan, LayoutId, PlanType};
use crate::mapping::{IdRule, Read, Source, read};
use crate::semantics::Value;

/// Where a column's values go: the slots from the contact down to the field.
#[derive(Debug, Clone)]
struct Column {
    /// `(layout, slot)` for each step; all but the last are nested records.
    steps: Vec<(LayoutId, usize)>,
    /// The header as written (the field path in errors, whatever a mapping renamed).
    header: String,
    /// How a mapping reads its cells.
    read: Option<Box<Read>>,
    /// Whether a list or record given as JSON is read as the plain reader reads it: no
    /// option of the column looks at its text.
    whole: bool,
    /// Whether a JSON scalar of the field's own type (text for text, a number for a number)
    /// is read as the plain reader reads it, but for the missing spellings: no option
    /// rereads it.
    plain: bool,
    /// Whether a missing spelling could be a number's text (`-1`): numbers are then read
    /// as text.
    missing_numbers: bool,
}

/// How a JSON scalar of a column may be typed where it lies ([`Header::scalar_in_place`]).
pub(crate) struct InPlace<'h> {
    /// The field's type.
    pub ty: &'h PlanType,
    /// Texts that mean no value (compared trimmed).
    pub missing: &'h [String],
    /// Whether a number is typed where it lies too.
    pub numbers: bool,
}

/// The cells of one row under a [`Header`]: a CSV record's, or a JSON record's at the
/// header's key paths.
pub trait Row {
    /// Cell `at` as text (empty where there is none).
    fn cell(&self, at: usize) -> &str;
    /// The value of cell `at` where it was decoded in place (a JSON record's list or
    /// record), taken out of the row.
    fn take_value(&mut self, _at: usize) -> Option<Value> {
        None
    }
}

impl Row for ::csv::StringRecord {
    fn cell(&self, at: usize) -> &str {
        self.get(at).unwrap_or_default()
    }
}

/// A CSV header as the plan (and a mapping) reads it: where each column's values go.
#[derive(Debug)]
pub struct Header {
    headers: Vec<String>,
    columns: Vec<Option<Column>>,
    /// The byte between cells.
    delimiter: u8,
    /// Where each row's id comes from.
    id: RowId,
    /// Whether the "columns" are key paths of JSON records (their errors name no column).
    json: bool,
    /// Columns the mapping reads that the file does not have.
    absent: Vec<Absent>,
    /// For JSON records: the key paths, to read cells without building the record.
    paths: Option<super::paths::Paths>,
    /// For JSON records of activities: whether the header only renames the element's
    /// fields (each column one key, into one field, with no option that rereads a value),
    /// so that a record can be decoded straight into the element.
    direct: bool,
}

impl Header {
    /// Columns the mapping reads that this CSV file does not have: (header, field, a
    /// header of the file equal to it but for letter case).
    pub fn absent(&self) -> &[Absent] {
        &self.absent
    }

    /// For JSON records: the key paths of the cells.
    pub(crate) fn paths(&self) -> Option<&super::paths::Paths> {
        self.paths.as_ref()
    }

    /// Whether records under this header may be decoded straight into their element
    /// ([`super::json::mapped::element`]).
    pub(crate) fn direct(&self) -> bool {
        self.direct
    }

    /// In a [`Header::direct`] header, the element's slot that column `at` fills (none
    /// for a column no rule reads).
    pub(crate) fn direct_slot(&self, at: usize) -> Option<usize> {
        let column = self.columns.get(at)?.as_ref()?;
        column.steps.last().map(|&(_, slot)| slot)
    }

    /// The number of cells of a row.
    pub(crate) fn width(&self) -> usize {
        self.headers.len()
    }

    /// For a column whose list or record a JSON record may hold as a value, decoded in
    /// place as the plain reader decodes it: the field's type and the column's header.
    pub(crate) fn in_place<'h>(
        &'h self,
        plan: &'h FieldPlan,
        at: usize,
    ) -> Option<(&'h PlanType, &'h str)> {
        let column = self.columns.get(at)?.as_ref().filter(|c| c.whole)?;
        let &(layout, slot) = column.steps.last()?;
        let ty = &plan.records[layout].fields[slot].ty;
        matches!(
            ty,
            PlanType::List(_) | PlanType::Record(_) | PlanType::Dynamic
        )
        .then_some((ty, column.header.as_str()))
    }

    /// For a column whose JSON scalars of the field's own type are read as they lie (its
    /// options do not reread them): how. Not for the contact's id or a cell of it, which
    /// are read as text.
    pub(crate) fn scalar_in_place<'h>(
        &'h self,
        plan: &'h FieldPlan,
        at: usize,
    ) -> Option<InPlace<'h>> {
        let column = self.columns.get(at)?.as_ref().filter(|c| c.plain)?;
        let &(layout, slot) = column.steps.last()?;
        let id_cell = matches!(&self.id, RowId::Cells(at_) if at_.contains(&at));
        if id_cell || (column.steps.len() == 1 && layout == 0 && slot == plan.id_slot) {
            return None;
        }
        Some(InPlace {
            ty: &plan.records[layout].fields[slot].ty,
            missing: column.read.as_ref().map_or(&[], |r| &r.missing),
            numbers: !column.missing_numbers,
        })
    }
}

/// Where a row's id comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RowId {
    /// The column of the id field.
    Column,
    /// The row's line in the file (a mapping's `id = "line"`).
    Line,
    /// These columns' cells joined by `|` (a mapping's `id = [...]`).
    Cells(Vec<usize>),
}

impl Header {
    /// Whether column `at` is read: it fills a field, or is part of the row's id.
    fn reads(&self, at: usize) -> bool {
        self.columns.get(at).is_some_and(Option::is_some)
            || matches!(&self.id, RowId::Cells(cells) if cells.contains(&at))
    }

    /// A row that is not all UTF-8 as text, where only cells no rule reads are not (their
    /// bad bytes read as U+FFFD: a name in Latin-1 fails no contact whose name no rule
    /// reads); or the first cell that is read and is not UTF-8.
    fn text_row(&self, bad: &::csv::ByteRecord) -> Result<::csv::StringRecord, usize> {
        let mut row = ::csv::StringRecord::with_capacity(bad.as_slice().len(), bad.len());
        for (at, cell) in bad.iter().enumerate() {
            match std::str::from_utf8(cell) {
                Ok(text) => row.push_field(text),
                Err(_) if !self.reads(at) => row.push_field(&String::from_utf8_lossy(cell)),
                Err(_) => return Err(at),
            }
        }
        Ok(row)
    }

    /// The id of a JSON record on `line` that could not be read whole, from its top-level
    /// members as far as they can be found in its text (for its error).
    pub fn recovered_id(&self, bytes: &[u8], line: usize, plan: &FieldPlan) -> Option<String> {
        let cells = self
            .headers
            .iter()
            .map(|path| Cow::Owned(super::scan::recover_id(bytes, path).unwrap_or_default()));
        self.row_id(cells, line, plan)
    }

    /// The id of a row whose cells are `cells`, on `line`, unless it has none.
    fn row_id<'c>(
        &self,
        cells: impl Iterator<Item = Cow<'c, str>>,
        line: usize,
        plan: &FieldPlan,
    ) -> Option<String> {
        match &self.id {
            RowId::Column => id_of(&self.columns, cells, plan),
            RowId::Line => Some(line.to_string()),
            RowId::Cells(at) => {
                let cells: Vec<_> = cells.collect();
                let parts: Vec<&str> = at
                    .iter()
                    .map(|&i| cells.get(i).map_or("", |c| c.trim()))
                    .collect();
                parts
                    .iter()
                    .any(|p| !p.is_empty())
                    .then(|| composite_id(&parts))
            }
        }
    }
}

/// The id a mapping's `id = [...]` makes of its cells (trimmed): one cell as it is; several
/// joined by `|`, a `\` or `|` within a cell written `\\` or `\|`, so that two rows make
/// one id only where their cells are the same (`a|b` and `c` is not `a` and `b|c`).
pub fn composite_id(parts: &[&str]) -> String {
    if let [one] = parts {
        return one.to_string();
    }
    let mut id = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            id.push('|');
        }
        for c in part.chars() {
            if matches!(c, '\\' | '|') {
                id.push('\\');
            }
            id.push(c);
        }
    }
    id
}

/// Reads the header row from the first bytes of a CSV file (up to the end of the header
/// line), through the mapping's source if there is one; an error here ends the file.
pub fn header(
    file: &str,
    bytes: &[u8],
    plan: &FieldPlan,
    source: Option<&Source>,
) -> Result<Header, Box<DataError>> {
    let delimiter = source.map_or(b',', |s| s.delimiter);
    let (headers, line) = header_texts(file, bytes, delimiter)?;
    header_of(file, line, headers, plan, source, delimiter, 0)
}

/// The header texts of a CSV file from its first bytes, and the header's line (after any
/// blank lines).
fn header_texts(
    file: &str,
    bytes: &[u8],
    delimiter: u8,
) -> Result<(Vec<String>, Option<usize>), Box<DataError>> {
    // the header is the first line that is not blank
    let blank = bytes
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .filter(|&&b| b == b'\n')
        .count();
    let line = Some(1 + blank);
    // lines ended by a carriage return alone (old Mac files) would be one line here, the
    // header, and the file would read as no contacts at all
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    if first_line
        .windows(2)
        .any(|w| w[0] == b'\r' && w[1] != b'\n')
    {
        let problem = DataProblem::UnreadableCsvHeader {
            reason: "its lines end in a carriage return alone (an old Mac file); save it with LF or CRLF line ends".into(),
        };
        return header_error(file, line, problem, Code::MalformedCsv).map(|h| (h.headers, line));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    // a header that is not UTF-8 cannot name a field the program reads (those are UTF-8),
    // so it is read as far as it is text; such columns are skipped like any unknown one
    match reader.byte_headers() {
        Ok(h) => Ok((
            h.iter()
                .map(|h| String::from_utf8_lossy(h).into_owned())
                .collect(),
            line,
        )),
        Err(e) => {
            let reason = e.to_string();
            let problem = DataProblem::UnreadableCsvHeader { reason };
            header_error(file, line, problem, Code::MalformedCsv).map(|h| (h.headers, line))
        }
    }
}

/// The header of a CSV file of activities, read through its source: where each column's
/// cells go in an element of layout `element` (nowhere when no rule reads the list), and
/// the index of the key column that names each row's contact.
pub fn activity_header(
    file: &str,
    bytes: &[u8],
    plan: &FieldPlan,
    element: Option<LayoutId>,
    source: &Source,
) -> Result<(Header, usize), Box<DataError>> {
    let delimiter = source.delimiter;
    let (headers, line) = header_texts(file, bytes, delimiter)?;
    let key = source.activities.as_ref().map_or("", |j| j.key.as_str());
    let keys: Vec<usize> = (0..headers.len())
        .filter(|&i| headers[i].trim() == key)
        .collect();
    if let [first, second, ..] = keys[..] {
        let problem = DataProblem::RepeatedColumn {
            header: key.to_string(),
            first: first + 1,
            second: second + 1,
        };
        return header_error(file, line, problem, Code::MalformedCsv).map(|h| (h, 0));
    }
    let Some(at) = keys.first().copied() else {
        let problem = DataProblem::NoKeyColumn {
            key: key.to_string(),
            source: source.name.clone(),
            near: crate::diagnostic::did_you_mean(key, headers.iter().map(|h| h.trim()))
                .map(str::to_string),
        };
        return header_error(file, line, problem, Code::NoActivityKey).map(|h| (h, 0));
    };
    let header = match element {
        Some(element) => header_of(file, line, headers, plan, Some(source), delimiter, element)?,
        None => Header {
            columns: headers.iter().map(|_| None).collect(),
            headers,
            delimiter,
            id: RowId::Line,
            json: false,
            absent: Vec::new(),
            paths: None,
            direct: false,
        },
    };
    Ok((header, at))
}

/// The trimmed cell `at` of the first record of `prefix` (the start of a row too large
/// to read), if the prefix holds it whole.
pub fn prefix_cell(delimiter: u8, prefix: &[u8], at: usize) -> Option<String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(prefix);
    let record = reader.byte_records().next()?.ok()?;
    // the last cell of a prefix may be cut short
    (at + 1 < record.len()).then(|| String::from_utf8_lossy(&record[at]).trim().to_string())
}

/// The header of a JSON file read through a mapping's source: one "column" per key path
/// the source names (`properties.email`), and one per field of the contact the program
/// reads that no listed path fills, under its own name. Each record then becomes a row of
/// these cells ([`json_row`]), read as a CSV row is.
pub fn json_header(
    file: &str,
    plan: &FieldPlan,
    source: &Source,
    root: LayoutId,
) -> Result<Header, Box<DataError>> {
    let mut headers: Vec<String> = source.columns.iter().map(|c| c.header.clone()).collect();
    for field in &plan.records[root].fields {
        let name = field.name.as_str();
        // the id comes from where the source says, not from a key of its name
        if root == 0 && name == plan.id_field && source.id != IdRule::Column {
            continue;
        }
        let filled = source.columns.iter().any(|c| {
            c.header == name
                || c.field == name
                || c.field
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('.'))
        });
        if !filled {
            headers.push(name.to_string());
        }
    }
    let mut header = header_of(file, None, headers, plan, Some(source), b',', root)?;
    header.json = true;
    header.paths = Some(super::paths::Paths::new(&header.headers));
    header.direct = root != 0
        && header.headers.iter().all(|h| !h.contains('.'))
        && header
            .columns
            .iter()
            .flatten()
            .all(|c| c.steps.len() == 1 && c.plain);
    // a key path a record lacks is a missing value, not a missing column
    header.absent.clear();
    Ok(header)
}

/// The cells of a JSON object under a [`json_header`]: each key path's value as text (a
/// string as it is, numbers and `true`/`false` as written, lists and objects as JSON), an
/// empty cell where the path leads nowhere or to `null`. A path that runs into a value
/// that is not an object (`properties` is text) is an error of the record, naming the
/// part of the path that is not a record.
pub fn json_row(
    header: &Header,
    object: &serde_json::Map<String, serde_json::Value>,
) -> Result<::csv::StringRecord, FieldError> {
    let mut row = ::csv::StringRecord::new();
    for path in &header.headers {
        let mut at = object.get(path.as_str());
        if at.is_none() && path.contains('.') {
            let mut walked = 0;
            let mut parts = path.split('.');
            at = parts.next().and_then(|first| {
                walked = first.len();
                object.get(first)
            });
            for part in parts {
                at = match at {
                    Some(serde_json::Value::Object(inner)) => inner.get(part),
                    None | Some(serde_json::Value::Null) => None,
                    Some(other) => {
                        let here = FieldPath {
                            parent: None,
                            segment: Segment::Field(&path[..walked]),
                        };
                        return Err(FieldError::wrong_type(
                            &here,
                            &PlanType::Record(0),
                            super::json::found_of(other),
                        ));
                    }
                };
                walked += 1 + part.len();
            }
        }
        match at {
            None | Some(serde_json::Value::Null) => row.push_field(""),
            Some(serde_json::Value::String(s)) => row.push_field(s),
            Some(other) => row.push_field(&other.to_string()),
        }
    }
    Ok(row)
}

/// The cells of the JSON record `bytes` under a [`json_header`], as [`json_row`] gives
/// them (a list or record as its JSON text as written, so its errors come in the text's
/// order), read without building the record; `None` where the full reader must read it.
pub fn json_row_fast(header: &Header, bytes: &[u8]) -> Option<::csv::StringRecord> {
    let text = std::str::from_utf8(bytes).ok()?;
    if !super::json::strictly_valid(text) {
        return None;
    }
    let cells = header.paths.as_ref()?.cells(bytes)?;
    let mut row = ::csv::StringRecord::with_capacity(bytes.len(), cells.len());
    for cell in &cells {
        row.push_field(cell);
    }
    Some(row)
}

/// The id of a JSON object under a [`json_header`] whose cells could not all be read.
pub fn json_row_id(
    header: &Header,
    object: &serde_json::Map<String, serde_json::Value>,
    line: usize,
    plan: &FieldPlan,
) -> Option<String> {
    let cells = header
        .headers
        .iter()
        .map(|path| match object.get(path.as_str()) {
            Some(serde_json::Value::String(s)) => Cow::Borrowed(s.as_str()),
            Some(serde_json::Value::Number(n)) => Cow::Owned(n.to_string()),
            _ => Cow::Borrowed(""),
        });
    header.row_id(cells, line, plan)
}

/// An error of the header row (on `line`; `None` for the key paths of JSON), which ends the
/// file.
fn header_error(
    file: &str,
    line: Option<usize>,
    problem: DataProblem,
    code: Code,
) -> Result<Header, Box<DataError>> {
    let mut error = DataError::new(code, file, problem);
    error.line = line;
    error.fatal = true;
    Err(Box::new(error))
}

/// A header's columns from its header texts, through the mapping's source if any; field
/// paths start at layout `root` (the contact, or the element of a list for activities,
/// whose rows have no id of their own).
fn header_of(
    file: &str,
    line: Option<usize>,
    headers: Vec<String>,
    plan: &FieldPlan,
    source: Option<&Source>,
    delimiter: u8,
    root: LayoutId,
) -> Result<Header, Box<DataError>> {
    let header_error = |problem, code| header_error(file, line, problem, code);
    let columns: Vec<Option<Column>> = headers
        .iter()
        .map(|h| {
            let header = h.trim();
            let Some(source) = source else {
                return column(plan, root, header, header);
            };
            let mapped = source.columns.iter().find(|c| c.header == header);
            let path = mapped.map_or(header, |c| c.field.as_str());
            let mut column = column(plan, root, path, header)?;
            let read = mapped.map_or(&source.default, |c| &c.read);
            column.whole = read.extract.is_none()
                && read.values.is_empty()
                && read.split.is_none()
                && read.part.is_none()
                && !read.missing.iter().any(|m| m.starts_with(['[', '{']));
            column.plain = column.whole
                && read.range.is_none()
                && read.format.is_none()
                && read.timezone.is_none()
                && read.epoch.is_none()
                && read.unit.is_none()
                && !read.fold_case;
            column.missing_numbers = read.missing.iter().any(|m| m.parse::<f64>().is_ok());
            column.read = Some(Box::new(read.clone()));
            Some(column)
        })
        .collect();
    // two columns for one field would leave one of the values unused
    let part = |c: &Column| c.read.as_ref().and_then(|r| r.part);
    for (i, c) in columns.iter().enumerate() {
        let Some(c) = c else { continue };
        // the parts of a date split over columns fill one field together
        let same = |x: &Option<Column>| {
            x.as_ref()
                .is_some_and(|x| x.steps == c.steps && (part(x).is_none() || part(x) == part(c)))
        };
        if let Some(first) = columns[..i].iter().position(same) {
            let problem = DataProblem::RepeatedColumn {
                header: c.header.clone(),
                first: first + 1,
                second: i + 1,
            };
            return header_error(problem, Code::MalformedCsv);
        }
        // so would a record's JSON cell beside a dotted column for one of its fields
        let inside = |x: &&Column| x.steps.len() > c.steps.len() && x.steps.starts_with(&c.steps);
        if let Some(dotted) = columns.iter().flatten().find(inside) {
            let problem = DataProblem::RecordCellAndColumn {
                record: c.header.clone(),
                column: dotted.header.clone(),
            };
            return header_error(problem, Code::MalformedCsv);
        }
    }
    if headers.len() <= 1 && headers.first().is_none_or(|h| h.trim().is_empty()) {
        return header_error(DataProblem::EmptyCsv, Code::MalformedCsv);
    }
    // one column no rule reads, whose text another delimiter would split: the wrong
    // delimiter, which would otherwise leave every field missing without an error
    if let ([only], [None]) = (headers.as_slice(), columns.as_slice())
        && let Some(looks) = looks_separated(only, delimiter)
    {
        let problem = DataProblem::OtherDelimiter {
            looks: looks as char,
            delimiter: delimiter as char,
            source: source.map(|s| s.name.clone()),
        };
        return header_error(problem, Code::MalformedCsv);
    }
    let mut absent = absent_columns(&headers, source);
    // a field another header of the file fills (its own name) is not missing, but read
    // without what the mapping says of the column it lacks
    for a in &mut absent {
        let Some(wanted) = column(plan, root, &a.field, "") else {
            continue;
        };
        a.filled_by = columns
            .iter()
            .zip(&headers)
            .find(|(c, _)| c.as_ref().is_some_and(|c| c.steps == wanted.steps))
            .map(|(_, h)| h.trim().to_string());
    }
    if root != 0 {
        return Ok(Header {
            headers,
            columns,
            delimiter,
            // an activity is named by its key, not by an id
            id: RowId::Line,
            json: false,
            absent,
            paths: None,
            direct: false,
        });
    }
    let id = match source.map(|s| &s.id) {
        None | Some(IdRule::Column) => RowId::Column,
        Some(IdRule::Line) => RowId::Line,
        Some(IdRule::Cells(names)) => {
            let mut at = Vec::new();
            for name in names {
                match headers.iter().position(|h| h.trim() == name) {
                    Some(i) => at.push(i),
                    None => {
                        let problem = DataProblem::NoIdCellColumn {
                            header: name.clone(),
                            source: source.map(|s| s.name.clone()).unwrap_or_default(),
                        };
                        return header_error(problem, Code::MissingContactId);
                    }
                }
            }
            RowId::Cells(at)
        }
    };
    // a file with an id column whose mapping makes ids otherwise would lose that column
    if id != RowId::Column
        && let Some(c) = columns
            .iter()
            .flatten()
            .find(|c| c.steps.len() == 1 && c.steps[0] == (0, plan.id_slot))
    {
        let problem = DataProblem::IdColumnBesideRule {
            header: c.header.clone(),
            source: source.map(|s| s.name.clone()).unwrap_or_default(),
        };
        return header_error(problem, Code::MalformedCsv);
    }
    if id == RowId::Column
        && !columns
            .iter()
            .flatten()
            .any(|c| c.steps.len() == 1 && c.steps[0] == (0, plan.id_slot))
    {
        // (a header of one column that another delimiter would split is refused above)
        let problem = DataProblem::NoIdColumn {
            id_field: plan.id_field.clone(),
        };
        return header_error(problem, Code::MissingContactId);
    }
    Ok(Header {
        headers,
        columns,
        delimiter,
        id,
        json: false,
        absent,
        paths: None,
        direct: false,
    })
}

/// The delimiter a one-column header looks separated by, other than the file's own: the
/// first of `,` `;` tab `|` that splits it into two names or more.
fn looks_separated(header: &str, delimiter: u8) -> Option<u8> {
    [b',', b';', b'\t', b'|'].into_iter().find(|&d| {
        d != delimiter
            && header
                .split(d as char)
                .filter(|name| !name.trim().is_empty())
                .count()
                >= 2
    })
}

/// A column a source reads that a file lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absent {
    /// The header the mapping names.
    pub header: String,
    /// The field it would fill.
    pub field: String,
    /// A header of the file equal to it but for letter case, or spelt nearly as it is.
    pub near: Option<String>,
    /// A header of the file that fills the field under the field's own name instead.
    pub filled_by: Option<String>,
}

/// Columns a source reads that `headers` lack. A header spelt otherwise in the file (`Lead
/// status`) would be dropped without a word.
fn absent_columns(headers: &[String], source: Option<&Source>) -> Vec<Absent> {
    source.map_or_else(Vec::new, |source| {
        source
            .columns
            .iter()
            .filter(|c| !headers.iter().any(|h| h.trim() == c.header))
            .map(|c| {
                let headers = headers.iter().map(|h| h.trim());
                let near = crate::diagnostic::did_you_mean(&c.header, headers).map(str::to_string);
                Absent {
                    header: c.header.clone(),
                    field: c.field.clone(),
                    near,
                    filled_by: None,
                }
            })
            .collect()
    })
}

/// Reads the CSV records in `bytes` (whole rows; the first on `first_line` of the file),
/// giving each with its line to `each` (which may take the record's buffers and give them
/// back); a row that cannot be read at all ends the bytes, and is returned as an error.
pub fn each_record<E>(
    file: &str,
    delimiter: u8,
    bytes: &[u8],
    first_line: usize,
    each: impl FnMut(usize, usize, &mut ::csv::ByteRecord) -> Result<(), E>,
) -> Result<Option<Box<DataError>>, E> {
    // a reader is built once per thread and delimiter, and reset for each call: building
    // one (its parser's tables) cost more than reading a contact's few activities
    let mut reader = READERS
        .with_borrow_mut(|readers| {
            let at = readers.iter().position(|(d, _)| *d == delimiter)?;
            Some(readers.swap_remove(at).1)
        })
        .unwrap_or_else(|| {
            ::csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .delimiter(delimiter)
                .from_reader(Feed::default())
        });
    reader.get_mut().bytes.clear();
    reader.get_mut().bytes.extend_from_slice(bytes);
    let result = match reader.seek(::csv::Position::new()) {
        Ok(()) => read_records(file, &mut reader, bytes, first_line, each),
        // a reader of bytes in memory cannot fail to go back to its start
        Err(_) => Ok(None),
    };
    // a large chunk's copy is not kept
    if reader.get_ref().bytes.capacity() > 1 << 20 {
        reader.get_mut().bytes = Vec::new();
    }
    READERS.with_borrow_mut(|readers| readers.push((delimiter, reader)));
    result
}

/// Bytes in memory as a reader the csv crate can go back to the start of.
#[derive(Default)]
struct Feed {
    bytes: Vec<u8>,
    pos: usize,
}

impl std::io::Read for Feed {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl std::io::Seek for Feed {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let std::io::SeekFrom::Start(at) = to else {
            return Err(std::io::ErrorKind::Unsupported.into());
        };
        self.pos = usize::try_from(at).unwrap_or(usize::MAX);
        Ok(at)
    }
}

thread_local! {
    /// Per delimiter, this thread's reader of CSV records in memory.
    static READERS: RefCell<Vec<(u8, ::csv::Reader<Feed>)>> = const { RefCell::new(Vec::new()) };
}

/// [`each_record`] with the reader at the start of `bytes`.
fn read_records<E>(
    file: &str,
    reader: &mut ::csv::Reader<Feed>,
    bytes: &[u8],
    first_line: usize,
    mut each: impl FnMut(usize, usize, &mut ::csv::ByteRecord) -> Result<(), E>,
) -> Result<Option<Box<DataError>>, E> {
    let mut record = ::csv::ByteRecord::new();
    // lines are counted here: the reader's own line numbers are one short per CRLF and do
    // not count blank lines (rust-csv #395, #208), and its byte offset of a record is where
    // the record before it ended, before the line breaks that follow it
    let mut lines = Lines::at(first_line);
    let mut line_of = |p: Option<&::csv::Position>| {
        let offset = usize::try_from(p?.byte()).ok()?;
        let breaks = bytes.get(offset..)?;
        let start = offset
            + breaks
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
        Some((lines.advance(bytes, start), start))
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(None),
            Ok(true) => {
                let (line, start) = line_of(record.position()).unwrap_or((first_line, 0));
                each(line, start, &mut record)?;
            }
            Err(e) => {
                let mut error = DataError::new(
                    Code::MalformedCsv,
                    file,
                    DataProblem::MalformedCsv {
                        reason: e.to_string(),
                    },
                );
                error.line = line_of(e.position()).map(|(line, _)| line);
                // only reading can fail here, and the bytes are in memory: nothing follows
                return Ok(Some(Box::new(error)));
            }
        }
    }
}

/// Decodes the CSV rows in `bytes` (whole rows after the header; the first on `first_line`
/// of the file) into `out`.
pub fn rows(
    file: &str,
    header: &Header,
    bytes: &[u8],
    first_line: usize,
    plan: &FieldPlan,
    out: &mut Vec<Result<Contact, Box<DataError>>>,
) {
    let width = header.headers.len();
    let headers = &header.headers;
    let mut spare: Option<::csv::ByteRecord> = None;
    let each = |line: usize, _: usize, record: &mut ::csv::ByteRecord| {
        let refuse = |problem: DataProblem, field: Option<String>, id: Option<String>| {
            let mut e = DataError::new(Code::MalformedCsv, file, problem);
            e.line = Some(line);
            e.field = field;
            e.id = id;
            Err(Box::new(e))
        };
        if record.as_slice().len() > MAX_RECORD_BYTES {
            let id = header.row_id(record.iter().map(String::from_utf8_lossy), line, plan);
            let limit = MAX_RECORD_BYTES;
            out.push(refuse(DataProblem::RecordTooLarge { limit }, None, id));
            return Ok::<(), ()>(());
        }
        // the row is read as text from the record's buffers, which go back to `record` for
        // the next row; `record` meanwhile holds those of the row before (an empty record
        // would be one allocation a row)
        let bytes = std::mem::replace(record, spare.take().unwrap_or_default());
        let mut row = match ::csv::StringRecord::from_byte_record(bytes) {
            Ok(row) => row,
            Err(e) => {
                let bad = e.into_byte_record();
                match header.text_row(&bad) {
                    Ok(row) => row,
                    Err(field) => {
                        let column = headers.get(field).map(|h| h.trim().to_string());
                        let cells = bad.iter().map(String::from_utf8_lossy);
                        let id = header.row_id(cells, line, plan);
                        spare = Some(bad);
                        out.push(refuse(DataProblem::NotUtf8, column, id).map_err(|mut e| {
                            e.cell = Some(field + 1);
                            e
                        }));
                        return Ok(());
                    }
                }
            }
        };
        out.push(if row.len() != width {
            let problem = DataProblem::RowWidth {
                cells: row.len(),
                header: width,
                spans_lines: row.iter().any(|cell| cell.contains('\n')),
            };
            let id = header.row_id(row.iter().map(Cow::Borrowed), line, plan);
            refuse(problem, None, id)
        } else {
            decode_row(file, line, plan, header, &mut row)
        });
        spare = Some(row.into_byte_record());
        Ok(())
    };
    if let Ok(Some(error)) = each_record(file, header.delimiter, bytes, first_line, each) {
        out.push(Err(error));
    }
}

/// The id of a CSV row too large to read, found in its first bytes.
pub fn prefix_id(header: &Header, prefix: &[u8], line: usize, plan: &FieldPlan) -> Option<String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(header.delimiter)
        .from_reader(prefix);
    let record = reader.byte_records().next()?.ok()?;
    // the last cell of a prefix may be cut short: only whole cells name the contact
    let whole = record.len().saturating_sub(1);
    let cells = record.iter().take(whole).map(String::from_utf8_lossy);
    header.row_id(cells, line, plan)
}

/// The trimmed id cell among `cells`, unless it is empty.
fn id_of<'c>(
    columns: &[Option<Column>],
    cells: impl Iterator<Item = Cow<'c, str>>,
    plan: &FieldPlan,
) -> Option<String> {
    columns.iter().zip(cells).find_map(|(c, cell)| {
        let c = c.as_ref()?;
        (c.steps.len() == 1 && c.steps[0] == (0, plan.id_slot) && !cell.trim().is_empty())
            .then(|| typed::id_text(cell.trim()))
    })
}

/// Resolves a column's dotted field path (its header, or the one a mapping gives it) to
/// the plan's slots; `None` for columns no rule reads.
fn column(plan: &FieldPlan, root: LayoutId, path: &str, header: &str) -> Option<Column> {
    let mut layout = root;
    let mut steps = Vec::new();
    let parts: Vec<&str> = path.trim().split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let slot = plan.records[layout].slot(part)?;
        steps.push((layout, slot));
        if i + 1 < parts.len() {
            match &plan.records[layout].fields[slot].ty {
                PlanType::Record(next) => layout = *next,
                _ => return None,
            }
        }
    }
    Some(Column {
        steps,
        header: header.trim().to_string(),
        read: None,
        whole: true,
        plain: true,
        missing_numbers: false,
    })
}

thread_local! {
    /// Emptied children vectors of finished rows, for the next rows on this thread.
    static CHILDREN: RefCell<Vec<Vec<Option<Partial>>>> = const { RefCell::new(Vec::new()) };
}

/// A nested record being filled from several columns.
#[derive(Default)]
struct Partial {
    slots: Vec<Value>,
    children: Vec<Option<Partial>>,
}

impl Partial {
    /// Puts a value at the end of `steps`, creating the nested records on the way.
    fn put(&mut self, plan: &FieldPlan, steps: &[(LayoutId, usize)], value: Value) {
        let Some(&(_, last_slot)) = steps.last() else {
            return;
        };
        let mut target = self;
        for &(layout, slot) in &steps[..steps.len() - 1] {
            let next_layout = match &plan.records[layout].fields[slot].ty {
                PlanType::Record(l) => *l,
                _ => layout,
            };
            if target.children.len() <= slot {
                if target.children.capacity() == 0 {
                    target.children = CHILDREN.with_borrow_mut(Vec::pop).unwrap_or_default();
                }
                target.children.resize_with(slot + 1, || None);
            }
            target = target.children[slot].get_or_insert_with(|| Partial::new(plan, next_layout));
        }
        target.slots[last_slot] = value;
    }

    /// A record of the layout with every field missing, in memory of earlier rows (the
    /// children only where a nested record gets a column).
    fn new(plan: &FieldPlan, layout: LayoutId) -> Partial {
        let n = plan.records[layout].fields.len();
        Partial {
            slots: typed::contact_slots(n),
            children: Vec::new(),
        }
    }

    /// Nested records with at least one value become records. A CSV row cannot tell an
    /// absent record from one whose cells are all empty, so all-empty cells mean a missing
    /// record where the schema allows that, and a record of missing fields where it does not.
    fn finish(self, plan: &FieldPlan, layout: LayoutId) -> Vec<Value> {
        let mut slots = self.slots;
        let mut children = self.children;
        for (slot, field) in plan.records[layout].fields.iter().enumerate() {
            // a record written whole as JSON in its own column is already decoded
            if !slots[slot].is_missing() {
                continue;
            }
            if let PlanType::Record(child_layout) = &field.ty {
                // a required record exists even when none of its columns are in the file
                let child = match children.get_mut(slot).and_then(Option::take) {
                    Some(child) => child,
                    None if !field.optional => Partial::new(plan, *child_layout),
                    None => continue,
                };
                let mut values = child.finish(plan, *child_layout);
                if !field.optional || values.iter().any(|v| !v.is_missing()) {
                    // the record in pooled memory, its slot vector back to the pool
                    let mut record = typed::record(values.len());
                    match Arc::get_mut(&mut record) {
                        Some(fields) => {
                            for (to, value) in fields.iter_mut().zip(values.drain(..)) {
                                *to = value;
                            }
                        }
                        None => record = values.drain(..).collect(),
                    }
                    slots[slot] = Value::Record(record);
                }
                typed::recycle_slots(values);
            }
        }
        if children.capacity() > 0 {
            children.clear();
            CHILDREN.with_borrow_mut(|pool| {
                if pool.len() < 64 {
                    pool.push(children);
                }
            });
        }
        slots
    }
}

/// The cells of one row under `header` as the slots of layout `root` (nested records not
/// yet finished), or the first cell that cannot be read: its error and index.
fn fill(
    plan: &FieldPlan,
    root: LayoutId,
    header: &Header,
    record: &mut impl Row,
) -> Result<Partial, (FieldError, usize)> {
    let mut partial = Partial::new(plan, root);
    // cells of dates split over columns, combined once the row is read
    let mut parts: Vec<(usize, &Column, &Read)> = Vec::new();
    for (at, column) in header.columns.iter().enumerate() {
        let Some(column) = column else { continue };
        if let Some(value) = record.take_value(at) {
            partial.put(plan, &column.steps, value);
            continue;
        }
        let cell = record.cell(at);
        let Some(&(last_layout, last_slot)) = column.steps.last() else {
            continue;
        };
        if let Some(read) = column.read.as_deref()
            && read.part.is_some()
        {
            parts.push((at, column, read));
            continue;
        }
        let ty = &plan.records[last_layout].fields[last_slot].ty;
        // an id no rule reads is only the contact's id (read from the row apart): no value
        // is built for it
        if root == 0
            && !plan.id_read
            && column.steps.len() == 1
            && column.steps[0] == (0, plan.id_slot)
            && matches!(ty, PlanType::String | PlanType::Dynamic)
        {
            if !cell.trim().is_empty() {
                partial.put(plan, &column.steps, typed::unread_id());
            }
            continue;
        }
        let path = FieldPath {
            parent: None,
            segment: Segment::Field(&column.header),
        };
        let value = match &column.read {
            Some(read) => mapped_cell(plan, cell, ty, &path, read),
            None => cell_value(plan, cell, ty, &path),
        }
        .map_err(|f| (f, at))?;
        partial.put(plan, &column.steps, value);
    }
    while let Some(&(_, first, _)) = parts.first() {
        let (same, rest): (Vec<_>, Vec<_>) =
            parts.into_iter().partition(|p| p.1.steps == first.steps);
        parts = rest;
        let value = date_of_parts(&same, &*record)?;
        partial.put(plan, &first.steps, value);
    }
    Ok(partial)
}

/// The date whose day, month and year are the cells of `parts` (a year may come from the
/// mapping instead): missing when every part is, an error of the first column that is
/// missing or wrong otherwise.
fn date_of_parts(
    parts: &[(usize, &Column, &Read)],
    record: &impl Row,
) -> Result<Value, (FieldError, usize)> {
    let mut found = [None::<i16>; 3];
    let mut absent = None;
    let mut given = false;
    for &(at, column, read) in parts {
        let Some(part) = read.part else { continue };
        let path = FieldPath {
            parent: None,
            segment: Segment::Field(&column.header),
        };
        let cell = record.cell(at).trim();
        let slot = part as usize;
        if let Some(year) = read.year {
            found[2] = Some(year);
        }
        if cell.is_empty() || read.is_missing(cell) {
            absent.get_or_insert((at, part, column));
            continue;
        }
        given = true;
        // `extract`, then `values`, as for any cell
        let cell = extracted(read, record.cell(at), cell, &path).map_err(|e| (e, at))?;
        match part.value(read.mapped(cell).unwrap_or(cell)) {
            Some(n) => found[slot] = Some(n),
            None => {
                let problem = DataProblem::NotADatePart {
                    part: part.name(),
                    found: Found::text(cell),
                };
                return Err((FieldError::new(Code::WrongType, &path, problem), at));
            }
        }
    }
    if !given {
        return Ok(Value::Missing);
    }
    if let Some((at, part, column)) = absent {
        let path = FieldPath {
            parent: None,
            segment: Segment::Field(&column.header),
        };
        let problem = DataProblem::DatePartMissing { part: part.name() };
        return Err((FieldError::new(Code::WrongType, &path, problem), at));
    }
    let [Some(day), Some(month), Some(year)] = found else {
        return Ok(Value::Missing);
    };
    match read::date_of(day, month, year) {
        Some(date) => Ok(Value::Date(date)),
        None => {
            let (at, column, _) = parts[0];
            let path = FieldPath {
                parent: None,
                segment: Segment::Field(&column.header),
            };
            let problem = DataProblem::NoSuchDate { year, month, day };
            Err((FieldError::new(Code::WrongType, &path, problem), at))
        }
    }
}

/// Decodes one row of activities (a CSV row's cells, or a JSON record's under a
/// [`json_header`] of the element) as a record of layout `element`: the same checks and
/// errors as a row of contacts, without an id (the caller names the contact).
pub fn decode_element(
    file: &str,
    line: usize,
    plan: &FieldPlan,
    element: LayoutId,
    header: &Header,
    record: ::csv::ByteRecord,
) -> Result<Value, Box<DataError>> {
    let refuse = |code, problem, field: Option<String>, cell: Option<usize>| {
        let mut e = DataError::new(code, file, problem);
        e.line = Some(line);
        e.field = field;
        e.cell = cell;
        Box::new(e)
    };
    let mut row = match ::csv::StringRecord::from_byte_record(record) {
        Ok(row) => row,
        Err(e) => match header.text_row(&e.into_byte_record()) {
            Ok(row) => row,
            Err(at) => {
                let column = header.headers.get(at).map(|h| h.trim().to_string());
                return Err(refuse(
                    Code::MalformedCsv,
                    DataProblem::NotUtf8,
                    column,
                    Some(at + 1),
                ));
            }
        },
    };
    if !header.json && row.len() != header.headers.len() {
        let problem = DataProblem::RowWidth {
            cells: row.len(),
            header: header.headers.len(),
            spans_lines: row.iter().any(|cell| cell.contains('\n')),
        };
        return Err(refuse(Code::MalformedCsv, problem, None, None));
    }
    decode_element_row(file, line, plan, element, header, &mut row)
}

/// [`decode_element`] of a row whose cells are known to be text and as many as the
/// header's.
pub fn decode_element_row(
    file: &str,
    line: usize,
    plan: &FieldPlan,
    element: LayoutId,
    header: &Header,
    row: &mut impl Row,
) -> Result<Value, Box<DataError>> {
    let refuse = |f: FieldError, cell: Option<usize>| {
        let mut e = DataError::new(f.code, file, f.problem);
        e.line = Some(line);
        e.field = Some(f.field);
        e.cell = cell;
        Box::new(e)
    };
    let partial = fill(plan, element, header, row)
        .map_err(|(f, at)| refuse(f, (!header.json).then_some(at + 1)))?;
    let mut slots = partial.finish(plan, element);
    let checked = check_required_nested(plan, element, &slots, None);
    // the element in pooled memory, its slot vector back to the pool
    let mut record = typed::record(slots.len());
    match Arc::get_mut(&mut record) {
        Some(fields) => {
            for (to, value) in fields.iter_mut().zip(slots.drain(..)) {
                *to = value;
            }
        }
        None => record = slots.drain(..).collect(),
    }
    typed::recycle_slots(slots);
    checked.map_err(|f| refuse(f, None))?;
    Ok(Value::Record(record))
}

/// Decodes one row of cells under `header` (a CSV row, or a JSON record's cells).
pub fn decode_row(
    file: &str,
    line: usize,
    plan: &FieldPlan,
    header: &Header,
    record: &mut impl Row,
) -> Result<Contact, Box<DataError>> {
    let id = header.row_id(
        (0..header.width()).map(|at| Cow::Borrowed(record.cell(at))),
        line,
        plan,
    );
    let located = |f: FieldError| {
        let mut e = DataError::new(f.code, file, f.problem);
        e.field = Some(f.field);
        e.line = Some(line);
        e.id = id.clone();
        Box::new(e)
    };
    let mut root = fill(plan, 0, header, record).map_err(|(f, at)| {
        let mut e = located(f);
        e.cell = (!header.json).then_some(at + 1);
        e
    })?;
    // an id the mapping makes (a line, cells joined) is the id field's value too
    if header.id != RowId::Column
        && let Some(id) = &id
    {
        root.slots[plan.id_slot] = match &plan.records[0].fields[plan.id_slot].ty {
            PlanType::String | PlanType::Dynamic if !plan.id_read => typed::unread_id(),
            PlanType::Number => id
                .parse::<f64>()
                .map_or_else(|_| Value::Str(Arc::from(id.as_str())), Value::Number),
            _ => Value::Str(Arc::from(id.as_str())),
        };
    }
    let slots = root.finish(plan, 0);
    let Some(id) = id else {
        let mut e = DataError::new(
            Code::MissingContactId,
            file,
            DataProblem::EmptyIdCell {
                id_field: plan.id_field.clone(),
            },
        );
        e.line = Some(line);
        return Err(Box::new(e));
    };
    // one id rule for every format: a numeric id (the schema says `number`) is the number,
    // written the shortest way (`007` and `7.0` are `7`), as a JSON number is; a text id is
    // the cell as written
    let id = match (
        &plan.records[0].fields[plan.id_slot].ty,
        &slots[plan.id_slot],
    ) {
        (PlanType::Number, Value::Number(n)) => {
            if n.fract() != 0.0 || n.abs() >= MAX_EXACT_ID as f64 {
                let mut e = DataError::new(Code::WrongType, file, DataProblem::InexactNumericId);
                e.line = Some(line);
                e.field = Some(plan.id_field.clone());
                return Err(Box::new(e));
            }
            crate::semantics::value::format_number(*n)
        }
        _ => id,
    };
    if let Err(f) = check_required_nested(plan, 0, &slots, None) {
        let mut e = DataError::new(f.code, file, f.problem);
        e.field = Some(f.field);
        e.line = Some(line);
        e.id = Some(id);
        return Err(Box::new(e));
    }
    Ok(Contact { id, line, slots })
}

fn check_required_nested(
    plan: &FieldPlan,
    layout: LayoutId,
    slots: &[Value],
    path: Option<&FieldPath<'_>>,
) -> Result<(), FieldError> {
    typed::check_required(plan, layout, slots, path)?;
    for (slot, field) in plan.records[layout].fields.iter().enumerate() {
        if let (PlanType::Record(child), Value::Record(values)) = (&field.ty, &slots[slot]) {
            let here = FieldPath {
                parent: path,
                segment: Segment::Field(&field.name),
            };
            check_required_nested(plan, *child, values, Some(&here))?;
        }
    }
    Ok(())
}

/// Types one cell. Empty means missing.
fn cell_value(
    plan: &FieldPlan,
    cell: &str,
    ty: &PlanType,
    path: &FieldPath<'_>,
) -> Result<Value, FieldError> {
    // only an empty cell is missing; text is taken as written, other values may carry
    // spaces around them
    if cell.is_empty() {
        return Ok(Value::Missing);
    }
    let text = cell.trim();
    match ty {
        PlanType::String | PlanType::Enum(_) => typed::text_value(cell, ty, path),
        PlanType::Number => parse_number(text).map(Value::Number).ok_or_else(|| {
            if is_out_of_range(text) {
                let found = Some(Found::text(cell));
                FieldError::new(
                    Code::WrongType,
                    path,
                    DataProblem::NumberOutOfRange { found },
                )
            } else {
                FieldError::wrong_type(path, ty, Found::text(cell))
            }
        }),
        PlanType::Bool => parse_bool(text).map(Value::Bool).ok_or_else(|| {
            let found = Found::text(cell);
            FieldError::new(Code::WrongType, path, DataProblem::NotABoolCell { found })
        }),
        PlanType::List(_) | PlanType::Record(_) => json_cell(plan, text, ty, path),
        PlanType::Dynamic => Ok(dynamic_cell(plan, text, path)),
        _ => typed::text_value(text, ty, path),
    }
}

/// What a column's `extract` keeps of a cell (`text`, trimmed, of `cell` as written):
/// group 1 of the first match, trimmed; the cell itself without `extract`; an error
/// where it does not match.
fn extracted<'t>(
    read: &Read,
    cell: &str,
    text: &'t str,
    path: &FieldPath<'_>,
) -> Result<&'t str, FieldError> {
    let Some(pattern) = &read.extract else {
        return Ok(text);
    };
    match pattern.captures(text).and_then(|c| c.get(1)) {
        Some(group) => Ok(group.as_str().trim()),
        None => {
            let problem = DataProblem::NoMatch {
                found: Found::text(cell),
                pattern: pattern.as_str().to_string(),
            };
            Err(FieldError::new(Code::WrongType, path, problem))
        }
    }
}

/// Types one cell the way a mapping reads its column (`docs/mappings.md`): missing
/// spellings, `extract`, `values`, then the field's type with the column's options.
fn mapped_cell(
    plan: &FieldPlan,
    cell: &str,
    ty: &PlanType,
    path: &FieldPath<'_>,
    read: &Read,
) -> Result<Value, FieldError> {
    // as without a mapping, only an empty cell is missing and text is taken as written
    // (`Banking ` keeps its space) unless the mapping says otherwise
    let text = cell.trim();
    if cell.is_empty() || read.is_missing(text) {
        return Ok(Value::Missing);
    }
    let mut raw = cell;
    let text = match read.extract {
        Some(_) => {
            raw = extracted(read, cell, text, path)?;
            raw
        }
        None => text,
    };
    let text = match read.mapped(text) {
        Some(to) => {
            raw = to;
            to
        }
        None => text,
    };
    match (ty, &read.split) {
        (PlanType::List(element), Some(separator)) => {
            let mut items = Vec::new();
            for (i, part) in text.split(separator.as_str()).enumerate() {
                let part = part.trim();
                if part.is_empty() {
                    continue;
                }
                let here = FieldPath {
                    parent: Some(path),
                    segment: Segment::Index(i),
                };
                let part = read.mapped(part).unwrap_or(part);
                items.push(mapped_scalar(plan, part, part, element, &here, read)?);
            }
            Ok(Value::List(Arc::from(items)))
        }
        _ => mapped_scalar(plan, text, raw, ty, path, read),
    }
}

/// One value of a mapped cell (after `extract` and `values`, trimmed: `text`; as written
/// where neither changed it: `raw`), typed with the column's options.
fn mapped_scalar(
    plan: &FieldPlan,
    text: &str,
    raw: &str,
    ty: &PlanType,
    path: &FieldPath<'_>,
    read: &Read,
) -> Result<Value, FieldError> {
    let found = || Found::text(text);
    let fail = |problem| Err(FieldError::new(Code::WrongType, path, problem));
    match ty {
        PlanType::Number if read.range.is_some() => {
            let end = read.range.unwrap_or(read::RangeEnd::Low);
            match read::range(text, end) {
                Some(Some(n)) => Ok(Value::Number(n)),
                Some(None) => Ok(Value::Missing),
                None => fail(DataProblem::NotARange { found: found() }),
            }
        }
        PlanType::Bool => match read.truth(text) {
            Some(b) => Ok(Value::Bool(b)),
            None => fail(DataProblem::NotASpelledBool {
                found: found(),
                spellings: Box::new((read.truths.clone(), read.falses.clone())),
            }),
        },
        PlanType::Enum(values) if read.fold_case => {
            match values
                .iter()
                .find(|v| v.to_lowercase() == text.to_lowercase())
            {
                Some(value) => typed::text_value(value, ty, path),
                None => typed::text_value(text, ty, path),
            }
        }
        PlanType::Date if read.format.is_some() => {
            let format = read.format.as_deref().unwrap_or_default();
            match read::date(text, format) {
                Some(d) => Ok(Value::Date(d)),
                None => fail(DataProblem::NotInFormat {
                    found: found(),
                    format: read.format.clone(),
                    zoned: read.timezone.is_some(),
                }),
            }
        }
        PlanType::DateTime if read.epoch.is_some() => {
            let unit = read.epoch.unwrap_or(read::Unit::Seconds);
            match read::epoch(text, unit) {
                Some(t) => Ok(Value::DateTime(t)),
                // a number, but of an instant beyond year 9999 or before year -9999
                None if text.parse::<f64>().is_ok_and(f64::is_finite) => {
                    fail(DataProblem::DateTimeOutOfRange { found: found() })
                }
                None => fail(DataProblem::NotANumberOfUnits {
                    found: found(),
                    unit: unit.name(),
                }),
            }
        }
        PlanType::DateTime if read.format.is_some() || read.timezone.is_some() => {
            match read::datetime(text, read.format.as_deref(), read.timezone.as_ref()) {
                Some(t) => Ok(Value::DateTime(t)),
                None => fail(DataProblem::NotInFormat {
                    found: found(),
                    format: read.format.clone(),
                    zoned: read.timezone.is_some(),
                }),
            }
        }
        PlanType::Duration if read.unit.is_some() => {
            let unit = read.unit.unwrap_or(read::Unit::Seconds);
            match read::duration(text, unit) {
                Some(d) => Ok(Value::Duration(d)),
                None => fail(DataProblem::NotANumberOfUnits {
                    found: found(),
                    unit: unit.name(),
                }),
            }
        }
        _ => cell_value(plan, raw, ty, path),
    }
}

/// A list or record written as JSON inside a cell.
fn json_cell(
    plan: &FieldPlan,
    text: &str,
    ty: &PlanType,
    path: &FieldPath<'_>,
) -> Result<Value, FieldError> {
    let refused = RefCell::new(None);
    let fast = super::json::CellSeed::new(plan, ty, path, &refused);
    if let Some(v) = super::json::decode_cell_fast(text, fast) {
        return Ok(v);
    }
    let failure = RefCell::new(None);
    let seed = super::json::CellSeed::new(plan, ty, path, &failure);
    let mut de = serde_json::Deserializer::from_str(text);
    match seed.deserialize(&mut de).and_then(|v| de.end().map(|_| v)) {
        Ok(v) => Ok(v),
        Err(e) => Err(match failure.into_inner() {
            Some(Failure::Field(f)) => f,
            // a cell is a field, so its value is never the contact itself
            Some(Failure::NotAContact(_)) | None => FieldError {
                code: Code::MalformedCsv,
                field: path.to_string(),
                problem: DataProblem::CellNotJson {
                    expected: ty.clone(),
                    reason: super::without_position(&e.to_string()).to_string(),
                },
            },
        }),
    }
}

/// Without schema, a cell is a number, true/false, JSON list, or text — whichever it reads as.
fn dynamic_cell(plan: &FieldPlan, text: &str, path: &FieldPath<'_>) -> Value {
    if let Some(n) = parse_number(text) {
        return Value::Number(n);
    }
    match text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if text.starts_with('[')
        && let Ok(v) = json_cell(plan, text, &PlanType::Dynamic, path)
    {
        return v;
    }
    Value::Str(Arc::from(text))
}

/// A number as spreadsheets export it: `1200`, `-3.5`, `1e3`. Thousands separators are not
/// accepted: `1,200` is ambiguous across locales.
fn parse_number(text: &str) -> Option<f64> {
    let n: f64 = text.parse().ok()?;
    // `inf` and `NaN` parse as f64 but are not numbers a CRM exports
    n.is_finite().then_some(n)
}

/// A number written in digits that is too large for an `f64` (`1e400`), as opposed to a
/// word (`inf`) that is no number at all.
fn is_out_of_range(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
        && !text
            .trim_start_matches(['+', '-'])
            .starts_with(['i', 'I', 'n', 'N'])
        && text.parse::<f64>().is_ok_and(f64::is_infinite)
}

fn parse_bool(text: &str) -> Option<bool> {
    // compared ignoring case without making a lower-case copy: one per cell adds up
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || text == "1" {
        Some(true)
    } else if is("false") || is("no") || text == "0" {
        Some(false)
    } else {
        None
    }
}
