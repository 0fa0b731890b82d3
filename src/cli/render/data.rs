//! Data errors → text. The data readers return structured [`DataError`]s; this is the one
//! place that words them, for `eval` and `explain` (a line each on standard error) and for
//! `test` (the message of a diagnostic about a test contact).

use std::fmt;

use crate::data::{DataError, DataProblem, Found, JsonProblem, Kind, MAX_EXACT_ID};

use super::printable;

/// A data error as one line:
/// ``error[Q0102]: file:line:col: contact `x`: field `y`: what is wrong``.
pub fn line(error: &DataError) -> String {
    Line(error).to_string()
}

/// A data error without its place: ``field `y`: what is wrong`` (or only what is wrong).
pub fn field_problem(error: &DataError) -> String {
    FieldProblem(error).to_string()
}

/// A data error without its code: ``file:line:col: contact `x`: field `y`: what is wrong``
/// (the message of a diagnostic that carries the code).
pub fn located(error: &DataError) -> String {
    Located(error).to_string()
}

/// A delimiter as a mapping writes it (a tab as `\t`).
struct Delimiter(char);

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            '\t' => f.write_str("\\t"),
            c => write!(f, "{c}"),
        }
    }
}

struct Line<'a>(&'a DataError);

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.0.code.as_str(), Located(self.0))
    }
}

struct Located<'a>(&'a DataError);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        f.write_str(&e.file)?;
        if let Some(line) = e.line {
            write!(f, ":{line}")?;
            if let Some(column) = e.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(id) = &e.id {
            write!(f, "contact `{}`: ", printable(id))?;
        }
        write!(f, "{}", FieldProblem(e))
    }
}

struct FieldProblem<'a>(&'a DataError);

impl fmt::Display for FieldProblem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.0.field {
            write!(f, "field `{field}`")?;
            if let Some(cell) = self.0.cell {
                write!(f, " (column {cell})")?;
            }
            f.write_str(": ")?;
        }
        write!(f, "{}", Problem(&self.0.problem))
    }
}

struct Problem<'a>(&'a DataProblem);

impl fmt::Display for Problem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            DataProblem::WrongType { expected, found } => {
                write!(
                    f,
                    "expected {}, found {}",
                    expected.describe(),
                    Shown(found)
                )
            }
            DataProblem::NotInEnum {
                found,
                allowed,
                near,
            } => {
                write!(f, "{} is not one of ", Shown(found))?;
                for (i, value) in allowed.iter().enumerate() {
                    let comma = if i == 0 { "" } else { ", " };
                    write!(f, "{comma}\"{value}\"")?;
                }
                match near {
                    Some(v) => write!(f, " (values are case-sensitive: did you mean \"{v}\"?)"),
                    None => Ok(()),
                }
            }
            DataProblem::DateTimeOutOfRange { found } => write!(
                f,
                "{} lies outside the datetimes qualify can represent (years -9999 to 9999, up to 9999-12-30)",
                Shown(found)
            ),
            DataProblem::DateTimeNotRfc3339 { found } => write!(
                f,
                "{} is not an RFC 3339 datetime such as 2026-11-17T10:00:00Z or 2026-11-17T11:00:00+01:00 (no compact form, zone name, offset past ±23:59 or leap second)",
                Shown(found)
            ),
            DataProblem::DateTimeWithoutOffset { found } => write!(
                f,
                "{} has no UTC offset: add `Z` for UTC or an offset such as `+02:00`",
                Shown(found)
            ),
            DataProblem::Under { base, problem } => {
                let rules = if *base { "base" } else { "new" };
                write!(f, "under the {rules} rules: {}", Problem(problem))
            }
            DataProblem::MissingRequired => {
                f.write_str("required field is missing (the schema has no `?` after its type)")
            }
            DataProblem::MalformedJson(problem) => {
                f.write_str("malformed JSON: ")?;
                json_problem(f, problem)
            }
            DataProblem::MissingId { id_field } => write!(f, "the contact has no `{id_field}`"),
            DataProblem::EmptyId { id_field } => write!(f, "the contact's `{id_field}` is empty"),
            DataProblem::EmptyIdCell { id_field } => write!(f, "the `{id_field}` cell is empty"),
            DataProblem::InexactNumericId => write!(
                f,
                "a numeric id must be a whole number below {MAX_EXACT_ID} (2^53): a fraction, or a number that large, cannot name a contact exactly; keep such ids as text (\"12345678901234567890\") and declare the id field `string`"
            ),
            DataProblem::IdWrongType { found } => write!(
                f,
                "expected text or a number as the id, found {}",
                found.kind().name()
            ),
            DataProblem::UnreadableCsvHeader { reason } => {
                write!(f, "malformed CSV header: {reason}")
            }
            DataProblem::RepeatedColumn {
                header,
                first,
                second,
            } => write!(
                f,
                "the header has two columns for `{header}` (columns {first} and {second}); keep one"
            ),
            DataProblem::EmptyCsv => {
                f.write_str("the file is empty: a CSV file starts with a header row")
            }
            DataProblem::NoIdColumn { id_field } => write!(
                f,
                "the header has no `{id_field}` column, so contacts cannot be told apart"
            ),
            DataProblem::OtherDelimiter {
                looks,
                delimiter,
                source,
            } => {
                let (looks, delimiter) = (Delimiter(*looks), Delimiter(*delimiter));
                write!(
                    f,
                    "the header is one column that no rule reads, and it looks separated by `{looks}`, but the file is read as separated by `{delimiter}`"
                )?;
                match source {
                    Some(source) => write!(f, " (the `delimiter` of source `{source}`): set `delimiter = \"{looks}\"` there, or check the export"),
                    None => write!(f, ": a mapping source's `delimiter = \"{looks}\"` reads such files"),
                }
            }
            DataProblem::RowWidth {
                cells,
                header,
                spans_lines,
            } => {
                write!(f, "the row has {cells} cells but the header has {header}")?;
                if *spans_lines {
                    f.write_str(" (a cell spans several lines: a quote that is not closed may have joined this row with the rows after it)")?;
                }
                Ok(())
            }
            DataProblem::NotUtf8 => f.write_str(
                "the record is not UTF-8 text (a byte here is not a character); re-export the file as UTF-8",
            ),
            DataProblem::RecordTooLarge { limit } => write!(
                f,
                "the record is larger than {} MiB, the limit for one record; it was skipped",
                limit >> 20
            ),
            DataProblem::TooDeep { limit } => write!(
                f,
                "lists and objects are nested more than {limit} deep; a contact record is never that deep"
            ),
            DataProblem::DuplicateKey => f.write_str(
                "the key appears twice in one object; keep one (tools differ in which one they read)",
            ),
            DataProblem::NumberOutOfRange { found } => {
                match found {
                    Some(found) => write!(f, "{} is", Shown(found))?,
                    None => f.write_str("the number is")?,
                }
                f.write_str(" too large: numbers reach up to about 1.8e308")
            }
            DataProblem::NotABoolCell { found } => write!(
                f,
                "expected true/false, yes/no or 1/0, found {}",
                Shown(found)
            ),
            DataProblem::RecordCellAndColumn { record, column } => write!(
                f,
                "the header has a `{record}` column (the record as JSON) and a `{column}` column; keep one or the other"
            ),
            DataProblem::NotASpelledBool { found, spellings } => write!(
                f,
                "expected {} for true or {} for false, found {}",
                spellings.0.join("/"),
                spellings.1.join("/"),
                Shown(found)
            ),
            DataProblem::NoIdCellColumn { header, source } => write!(
                f,
                "the mapping's source `{source}` makes each id from the column `{header}`, which this file does not have"
            ),
            DataProblem::IdColumnBesideRule { header, source } => write!(
                f,
                "the file has an id column, `{header}`, but the mapping's source `{source}` makes each id from the line or from other cells; remove `id = …` from the source to use the column"
            ),
            DataProblem::NoKeyColumn { key, source, near } => {
                write!(
                    f,
                    "the mapping's source `{source}` names each activity's contact by the column `{key}`, which this file does not have"
                )?;
                f.write_str(&super::near_header(key, near.as_deref()))
            }
            DataProblem::MalformedActivity { reason } => write!(f, "malformed JSON: {reason}"),
            DataProblem::NotADatePart { part, found } => {
                let expected = match *part {
                    "day" => "a day of the month (1 to 31)",
                    "month" => "a month (1 to 12, or a name such as `Mar` or `March`)",
                    _ => "a year (1 to 9999)",
                };
                write!(f, "expected {expected}, found {}", Shown(found))
            }
            DataProblem::DatePartMissing { part } => write!(
                f,
                "the date's {part} is missing, though its other parts are given"
            ),
            DataProblem::NoSuchDate { year, month, day } => write!(
                f,
                "day {day}, month {month}, year {year} is no date"
            ),
            DataProblem::TooManyActivities { count, limit } => write!(
                f,
                "its {count} activities are larger than {} MiB together, the limit for one contact; it was skipped",
                limit >> 20
            ),
            DataProblem::ActivityNotObject { found } => write!(
                f,
                "an activity is a JSON object `{{…}}`, found {}",
                Shown(found)
            ),
            DataProblem::KeyPathBlocked { path, at, list } => write!(
                f,
                "the key path `{path}` cannot go through `{at}`: it is not {}",
                if *list { "a list" } else { "an object" }
            ),
            DataProblem::KeyNotAnId { path, found } => write!(
                f,
                "the key `{path}` holds {}, not a contact's id (text or a number)",
                Shown(found)
            ),
            DataProblem::NotARange { found } => write!(
                f,
                "expected a number or a range such as `200-499`, `2000+` or `$10M-$50M`, found {}",
                Shown(found)
            ),
            DataProblem::NoMatch { found, pattern } => write!(
                f,
                "the mapping's pattern `{pattern}` does not match {}",
                Shown(found)
            ),
            DataProblem::NotInFormat {
                found,
                format,
                zoned,
            } => match format {
                Some(format) => write!(
                    f,
                    "expected a date written as `{format}`, found {}",
                    Shown(found)
                ),
                None if *zoned => write!(
                    f,
                    "expected a date-time such as 2024-03-12T09:14:00Z or 2024-03-12 09:14, found {}",
                    Shown(found)
                ),
                None => write!(
                    f,
                    "expected a date-time with an offset such as 2024-03-12T09:14:00Z, found {}; a mapping's `timezone` reads times without one",
                    Shown(found)
                ),
            },
            DataProblem::NotANumberOfUnits { found, unit } => {
                write!(f, "expected a number of {unit}, found {}", Shown(found))
            }
            DataProblem::MalformedCsv { reason } => write!(f, "malformed CSV: {reason}"),
            DataProblem::CellNotJson { expected, reason } => write!(
                f,
                "the cell must hold {} written as JSON: {reason}",
                expected.describe()
            ),
            DataProblem::Unreadable { reason } => {
                write!(f, "the file could not be read further: {reason}")
            }
            DataProblem::ChangedWhileRead => f.write_str(
                "the file changed while it was read: its activities are read again where its first reading found them, so those joined to contacts may be wrong; run again once nothing writes to it",
            ),
            DataProblem::Runtime { rule, fault } => {
                write!(f, "in `{rule}`: {}", super::fault(fault))
            }
        }
    }
}

fn json_problem(f: &mut fmt::Formatter<'_>, problem: &JsonProblem) -> fmt::Result {
    match problem {
        JsonProblem::NotAnArray => f.write_str(
            "a `.json` file of contacts or activities holds an array `[…]` of objects (for one object per line, use a `.jsonl` file)",
        ),
        JsonProblem::MissingElement => f.write_str("expected a contact object before `,` or `]`"),
        JsonProblem::ArrayNotClosed => {
            f.write_str("the array is not closed: an object, string or `]` is missing")
        }
        JsonProblem::TextAfterArray => f.write_str("text after the end of the array"),
        JsonProblem::NotAContact(found) => {
            write!(f, "expected a contact object, found {}", Shown(found))
        }
        JsonProblem::Syntax(reason) => f.write_str(reason),
    }
}

/// What was found, as an error names it.
struct Shown<'a>(&'a Found);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Found::Kind(kind) => f.write_str(match kind {
                Kind::Null => "null",
                Kind::Bool => "true/false",
                Kind::Number => "a number",
                Kind::Text => "text",
                Kind::List => "a list",
                Kind::Object => "an object",
            }),
            Found::Text { shown, truncated } => {
                write!(f, "text {shown:?}")?;
                if *truncated {
                    f.write_str("…")?;
                }
                Ok(())
            }
            Found::Bool(b) => write!(f, "{b}"),
            Found::Number(n) => write!(
                f,
                "the number {}",
                crate::semantics::value::format_number(*n)
            ),
        }
    }
}

#[cfg(test)]
mod tests;
