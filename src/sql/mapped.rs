//! Reading an export's text cells through a mapping source, in SQL (`qualify sql --source`;
//! docs/sql.md, "Through a mapping"). The table holds the export as landed: one text column
//! per header, named as the header. Each cell is read as `qualify eval` reads that CSV cell
//! through the same source (`data::csv::mapped_cell`): missing spellings, `values`, then
//! the field's type with the column's options. The SQL takes a cell only in the shapes
//! it can read exactly; a cell `eval` would refuse, or one it reads in a shape the SQL does
//! not, stops the query with an error naming the column and the cell: never another value.

use super::Dialect;
use super::expr::{error_expr, lower_text, regex_test, string_literal};
use super::lower::translation;
use crate::compile::{LayoutId, PlanType, Program};
// the English month names `%B` reads (jiff's are the same), and a split date's parts
use crate::mapping::read::{DatePart as DatePartOf, MONTHS};
use crate::mapping::{IdRule, RangeEnd, Read, Source, Unit};

/// Unicode's white space, what `str::trim` removes, as the characters of a bracket
/// expression; the ASCII controls as escapes every engine reads (a raw carriage return in
/// the SQL would not survive a tool that converts line endings).
const WHITE_SPACE: &str = "\\t\\n\\x0B\\f\\r \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// A decimal number as Rust reads an `f64` (`str::parse`), less `inf` and `NaN`.
const NUMBER: &str = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$";

/// A number of units the SQL reads exactly: at most 15 digits before the point and 9
/// after it (a `DECIMAL(24, 9)`), no exponent.
const UNITS: &str = "^[+-]?([0-9]{1,15}([.][0-9]{0,9})?|[.][0-9]{1,9})$";

/// A date as `YYYY-MM-DD`.
const DATE: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

/// The RFC 3339 instants `eval` reads (`semantics::time::is_rfc3339`) to the microsecond:
/// seconds optional, `T`, `t` or a space, `Z`, `z` or an offset.
const INSTANT: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

/// A date-time without offset the SQL reads as `eval` does (`jiff::civil::DateTime`),
/// to the microsecond.
const CIVIL: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?$";

/// Microseconds from 0001-01-01T00:00:00Z to 1970-01-01T00:00:00Z, negated.
const FIRST_MICROS: i64 = -62_135_596_800_000_000;

/// Microseconds from 1970-01-01T00:00:00Z to the last instant `eval` holds
/// (`jiff::Timestamp::MAX`, 9999-12-30T22:00:00.999999Z).
const LAST_MICROS: i64 = 253_402_207_200_999_999;

/// The column of a contacts table that holds each row's line in its file, as text, for
/// a source whose id is its line (`id = "line"`): `2` for the first row under a header of
/// one line. A CSV header cannot be it (`--load` refuses one written so).
pub const LINE_COLUMN: &str = "qualify:line";

/// What a column of a source is read into, and why the SQL cannot read it, if so.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The header, as in the export.
    pub header: String,
    /// What the SQL cannot do.
    pub why: String,
}

/// Writes the cells of one source as SQL.
pub struct Reader<'a> {
    program: &'a Program,
    source: &'a Source,
    d: Dialect,
    lower: (String, String),
    /// The headers read, in order, for the table's declaration.
    pub headers: Vec<String>,
    /// What cannot be read.
    pub refused: Vec<Refusal>,
    /// The headers whose cells are also lower-cased.
    lowers: Vec<String>,
    /// Whether the contact's id is its line (`id = "line"`): the table has a
    /// [`LINE_COLUMN`].
    pub line: bool,
    /// Whether the field being read is inside a `jsonb` record (a duration is then its
    /// microseconds).
    micros_in_json: bool,
}

impl<'a> Reader<'a> {
    /// A reader of `source`'s cells.
    pub fn new(program: &'a Program, source: &'a Source, d: Dialect) -> Reader<'a> {
        Reader {
            program,
            source,
            d,
            lower: translation(),
            headers: Vec::new(),
            refused: Vec::new(),
            micros_in_json: false,
            lowers: Vec::new(),
            line: false,
        }
    }

    /// The columns of a record layout read from the table's cells: `(expression, field
    /// name)` per field of the layout, a record built of its fields' columns; `prefix` is
    /// the layout's dotted path (empty for the contact, or for the element of a list of
    /// activities). `skip` names a field not read here (a list gathered from an events
    /// table).
    pub fn record_fields(
        &mut self,
        layout: LayoutId,
        prefix: &str,
        skip: Option<&str>,
    ) -> Vec<(String, String)> {
        let plan = self.program.plan();
        let mut out = Vec::new();
        for (slot, field) in plan.records[layout].fields.iter().enumerate() {
            if skip == Some(field.name.as_str()) {
                continue;
            }
            let path = if prefix.is_empty() {
                field.name.clone()
            } else {
                format!("{prefix}.{}", field.name)
            };
            let nested = layout != 0 || !prefix.is_empty();
            let sql = if !nested && slot == plan.id_slot {
                self.id(&path, &field.ty)
            } else {
                // `jsonb` holds no interval: in PostgreSQL a duration in a record is its
                // microseconds, which `sql::expr` reads back so
                self.micros_in_json = nested && self.d == Dialect::Postgres;
                self.field(&path, &field.ty)
            };
            out.push((sql, field.name.clone()));
        }
        out
    }

    /// The contact's id, by the source's id rule.
    fn id(&mut self, path: &str, ty: &PlanType) -> String {
        match &self.source.id {
            // the contact's id is its id cell, trimmed (`data::csv::id_of`)
            IdRule::Column => {
                if !matches!(ty, PlanType::String) {
                    self.refuse(
                        path,
                        "an id that is not text: eval writes a number id the shortest way (`007` is contact `7`), which the SQL does not",
                    );
                    return "NULL".into();
                }
                let column = self.source.columns.iter().find(|c| c.field == path);
                let header = column.map_or(path.to_string(), |c| c.header.clone());
                if column.is_some_and(|c| !c.read.values.is_empty() || c.read.extract.is_some()) {
                    self.refuse(
                        &header,
                        "`values` or `extract` on the id column: the id is the cell as written",
                    );
                }
                self.note(&header);
                let c = self.d.ident(&header);
                let trimmed = self.trimmed(&header);
                let text = super::column_type(self.d, ty, self.program);
                // a row without an id is refused, as `eval` refuses it
                let none = self.fail(&header, "a contact without an id", &c, &text);
                let id = format!(
                    "(CASE WHEN {trimmed} IS NULL OR {trimmed} = '' THEN {none} ELSE {trimmed} END)"
                );
                if !self.program.plan().id_read {
                    return id;
                }
                // a rule reads the id field, which is the cell untrimmed: one column holds
                // both where they are the same
                let fail = self.fail(&header, "an id with white space around it", &c, &text);
                format!("(CASE WHEN {c} <> {trimmed} THEN {fail} ELSE {id} END)")
            }
            IdRule::Line => {
                // a table's rows have no line: the loader writes each row's into a column
                // of its own (`--load` numbers them; `sql::csv_load_script`)
                self.line = true;
                let c = self.d.ident(LINE_COLUMN);
                let text = super::column_type(self.d, ty, self.program);
                let none = self.fail(LINE_COLUMN, "a contact without a line", &c, &text);
                format!("(CASE WHEN {c} IS NULL OR {c} = '' THEN {none} ELSE {c} END)")
            }
            IdRule::Cells(headers) => {
                // the trimmed cells joined by `|`; none but empty ones: no id
                let parts: Vec<String> = headers
                    .iter()
                    .map(|h| {
                        self.note(h);
                        format!("coalesce({}, '')", self.trimmed(h))
                    })
                    .collect();
                // several cells: a `\` or `|` within one escaped, as `data::csv::composite_id`
                // does
                let lit = |s: &str| string_literal(self.d, s);
                let escaped: Vec<String> = if parts.len() > 1 {
                    parts
                        .iter()
                        .map(|p| {
                            format!(
                                "replace(replace({p}, {}, {}), {}, {})",
                                lit("\\"),
                                lit("\\\\"),
                                lit("|"),
                                lit("\\|")
                            )
                        })
                        .collect()
                } else {
                    parts.clone()
                };
                let joined = escaped.join(" || '|' || ");
                let empty = parts
                    .iter()
                    .map(|p| format!("{p} = ''"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let text = super::column_type(self.d, ty, self.program);
                let none = self.fail(
                    &headers.join(", "),
                    "a contact without an id (every cell of it empty)",
                    "''",
                    &text,
                );
                format!("(CASE WHEN {empty} THEN {none} ELSE {joined} END)")
            }
        }
    }

    /// A field read from the table: the column mapped to it (or the header that is its
    /// path), or for a record, its fields'.
    fn field(&mut self, path: &str, ty: &PlanType) -> String {
        let column = self.source.columns.iter().find(|c| c.field == path);
        if let PlanType::Record(layout) = ty {
            if let Some(c) = column {
                let header = c.header.clone();
                self.refuse(
                    &header,
                    "a record written as JSON in one cell is not read in SQL",
                );
                return "NULL".into();
            }
            let fields = self.record_fields(*layout, path, None);
            return self.record(*layout, fields);
        }
        if column.is_some_and(|c| c.read.part.is_some()) {
            return self.date_parts(path, ty);
        }
        let (header, read) = match column {
            Some(c) => (c.header.clone(), c.read.clone()),
            None => (path.to_string(), self.source.default.clone()),
        };
        self.note(&header);
        self.cell(&header, &read, ty)
    }

    /// A record of the layout from its fields' columns.
    pub fn record(&self, layout: LayoutId, fields: Vec<(String, String)>) -> String {
        let d = self.d;
        let ty = super::column_type_with(d, &PlanType::Record(layout), self.program, true);
        let mut parts: Vec<String> = fields
            .into_iter()
            .map(|(sql, name)| match d {
                Dialect::DuckDb => format!("{} := {sql}", d.ident(&name)),
                _ => format!("{}, {sql}", string_literal(d, &name)),
            })
            .collect();
        if parts.is_empty() {
            parts.push(match d {
                Dialect::DuckDb => format!("{} := CAST(NULL AS BOOLEAN)", d.ident(super::NO_FIELD)),
                _ => format!(
                    "{}, CAST(NULL AS BOOLEAN)",
                    string_literal(d, super::NO_FIELD)
                ),
            });
        }
        match d {
            // a record none of whose cells has a value is still a record, as in eval
            Dialect::Postgres => format!("jsonb_build_object({})", parts.join(", ")),
            Dialect::DuckDb => format!("CAST(struct_pack({}) AS {ty})", parts.join(", ")),
            Dialect::Spark => format!("CAST(named_struct({}) AS {ty})", parts.join(", ")),
        }
    }

    fn note(&mut self, header: &str) {
        if !self.headers.iter().any(|h| h == header) {
            self.headers.push(header.to_string());
        }
    }

    fn refuse(&mut self, header: &str, why: &str) {
        self.refused.push(Refusal {
            header: header.to_string(),
            why: why.to_string(),
        });
    }

    /// The column of a header's cells without the white space around them: computed once
    /// per row by [`Reader::cells`] (each cell's trimmed text is read several times).
    pub fn trimmed(&mut self, header: &str) -> String {
        self.note(header);
        self.d.ident(&format!("qualify trimmed: {header}"))
    }

    /// The column of a header's trimmed cells lower-cased (as `str::to_lowercase`),
    /// computed once per row by [`Reader::cells`].
    fn lowered(&mut self, header: &str) -> String {
        if !self.lowers.iter().any(|h| h == header) {
            self.lowers.push(header.to_string());
        }
        self.d.ident(&format!("qualify lowered: {header}"))
    }

    /// The contact an activity names: its key cell, trimmed, none where it is empty or one
    /// of the source's missing spellings (`data::join`).
    pub fn key(&mut self, header: &str) -> String {
        let trimmed = self.trimmed(header);
        let d = self.d;
        let mut none = format!("{trimmed} IS NULL OR {trimmed} = ''");
        if !self.source.default.missing.is_empty() {
            let tokens: Vec<String> = self
                .source
                .default
                .missing
                .iter()
                .map(|m| string_literal(d, m))
                .collect();
            none.push_str(&format!(" OR {trimmed} IN ({})", tokens.join(", ")));
        }
        format!("(CASE WHEN {none} THEN NULL ELSE {trimmed} END)")
    }

    /// The table's rows with, for each header read, its cells trimmed ([`Reader::trimmed`])
    /// and, where needed, lower-cased ([`Reader::lowered`]): a subquery over `table` (an
    /// SQL name) called `alias`.
    pub fn cells(&self, table: &str, alias: &str) -> String {
        let d = self.d;
        let trims: Vec<String> = self
            .headers
            .iter()
            .map(|h| {
                let name = d.ident(&format!("qualify trimmed: {h}"));
                format!(", {} AS {name}", self.trim(&d.ident(h)))
            })
            .collect();
        let lowers: Vec<String> = self
            .lowers
            .iter()
            .map(|h| {
                let trimmed = d.ident(&format!("qualify trimmed: {h}"));
                let name = d.ident(&format!("qualify lowered: {h}"));
                let refusal = self.sigma_refusal(h);
                format!(
                    ", {} AS {name}",
                    lower_text(d, &trimmed, &self.lower, &refusal)
                )
            })
            .collect();
        let trimmed = format!(
            "(SELECT *{} FROM {table}) AS {}",
            trims.concat(),
            d.ident("_trimmed")
        );
        format!("(SELECT *{} FROM {trimmed}) AS {alias}", lowers.concat())
    }

    /// Text without the white space (Unicode's) around it, as `str::trim`.
    fn trim(&self, x: &str) -> String {
        let space = WHITE_SPACE;
        let (start, end) = match self.d {
            // Java's `$` also matches before a final line break
            Dialect::Spark => ("\\A", "\\z"),
            _ => ("^", "$"),
        };
        let pattern = string_literal(self.d, &format!("{start}[{space}]+|[{space}]+{end}"));
        match self.d {
            Dialect::Spark => format!("regexp_replace({x}, {pattern}, '')"),
            _ => format!("regexp_replace({x}, {pattern}, '', 'g')"),
        }
    }

    /// The error of a cell holding a capital sigma where it is compared ignoring case:
    /// `lower_text` does not lower one (its lower case depends on its place in a word).
    fn sigma_refusal(&self, header: &str) -> String {
        format!(
            "qualify: column `{header}` (source `{}`): a capital sigma, which the SQL does not lower (compared ignoring case)",
            self.source.name
        )
    }

    /// `x` cast to `ty`, `NULL` where the text is not one (a day the month has not): the
    /// error then names the column. PostgreSQL has no such cast, and stops with its own.
    fn try_cast(&self, x: &str, ty: &str) -> String {
        match self.d {
            Dialect::Postgres => format!("CAST({x} AS {ty})"),
            _ => format!("TRY_CAST({x} AS {ty})"),
        }
    }

    /// An expression that stops the query, naming the column and its cell, of a type.
    fn fail(&self, header: &str, what: &str, cell: &str, ty: &str) -> String {
        let message = format!(
            "qualify: column `{header}` (source `{}`): {what}",
            self.source.name
        );
        // a missing cell in the message would make it missing, and the error with it
        let cell = format!("coalesce({cell}, '')");
        format!("CAST({} AS {ty})", error_expr(self.d, &message, &cell))
    }

    /// Whether the cell of `header` is missing: empty, or one of the `missing` spellings
    /// (trimmed).
    fn missing(&mut self, header: &str, read: &Read) -> String {
        let d = self.d;
        let (c, t) = (d.ident(header), self.trimmed(header));
        let mut missing = format!("{c} IS NULL OR {c} = ''");
        if !read.missing.is_empty() {
            let tokens: Vec<String> = read.missing.iter().map(|m| string_literal(d, m)).collect();
            missing.push_str(&format!(" OR {t} IN ({})", tokens.join(", ")));
        }
        missing
    }

    /// A date split over columns (`part`), as `data::csv::date_of_parts` reads it: each
    /// part's trimmed cell (after `values`) a number as Rust reads an `i16` (a sign, any
    /// zeros), or a month's English name or its start of three letters or more, any case,
    /// one dot after it dropped (`mapping::read::DatePart::value`); the year may be the
    /// mapping's. No date where every part is missing; a part missing beside others, a
    /// part that is none, or a day its month has not stops the query naming the column.
    fn date_parts(&mut self, path: &str, ty: &PlanType) -> String {
        let d = self.d;
        let columns: Vec<(String, Read)> = self
            .source
            .columns
            .iter()
            .filter(|c| c.field == path && c.read.part.is_some())
            .map(|c| (c.header.clone(), c.read.clone()))
            .collect();
        let time = super::column_type(d, ty, self.program);
        let mut values: [Option<String>; 3] = [None, None, None];
        let mut missing = Vec::new();
        let mut fails = Vec::new();
        for (header, read) in &columns {
            let Some(part) = read.part else { continue };
            if read.extract.is_some() {
                self.refuse(
                    header,
                    "`extract` on a part of a date split over columns is not read in SQL",
                );
                return "NULL".into();
            }
            self.note(header);
            if let Some(year) = read.year {
                values[2] = Some(year.to_string());
            }
            let t = self.trimmed(header);
            let lowered = if read.fold_case {
                self.lowered(header)
            } else {
                String::new()
            };
            let x = self.values_of(read, &t, &lowered, &t, &|to: &str| to.to_string());
            let (low, high) = match part {
                DatePartOf::Day => (1, 31),
                DatePartOf::Month => (1, 12),
                DatePartOf::Year => (1, 9999),
            };
            // a number Rust reads as an `i16`, in the part's range
            let numeric = regex_test(d, &x, &string_literal(d, "^[+-]?[0-9]+$"));
            let short = regex_test(d, &x, &string_literal(d, "^[+-]?0*[0-9]{1,5}$"));
            let n = self.try_cast(&x, "INTEGER");
            let number =
                format!("(CASE WHEN {short} AND {n} BETWEEN {low} AND {high} THEN {n} END)");
            let value = if part == DatePartOf::Month {
                // a name: ASCII (no other letter lowers to one of a month's), 3 characters
                let ascii = regex_test(d, &x, &string_literal(d, "^[\\x01-\\x7f]*$"));
                let l = format!(
                    "(CASE WHEN substr(lower({x}), length({x}), 1) = '.' THEN substr(lower({x}), 1, length({x}) - 1) ELSE lower({x}) END)"
                );
                let mut name = format!("(CASE WHEN {l} = 'sept' THEN 9");
                for (i, month) in MONTHS.iter().enumerate() {
                    let month = string_literal(d, &month.to_lowercase());
                    name.push_str(&format!(
                        " WHEN substr({month}, 1, length({l})) = {l} THEN {}",
                        i + 1
                    ));
                }
                name.push_str(" END)");
                format!(
                    "(CASE WHEN {numeric} THEN {number} WHEN {ascii} AND length({x}) >= 3 THEN {name} END)"
                )
            } else {
                format!("(CASE WHEN {numeric} THEN {number} END)")
            };
            let is_missing = self.missing(header, read);
            let cell = format!("coalesce({t}, '')");
            let what = format!("a {} that is none", part.name());
            fails.push(format!(
                "WHEN {value} IS NULL THEN {}",
                self.fail(header, &what, &cell, &time)
            ));
            let absent = format!("a date split over columns without its {}", part.name());
            missing.push((is_missing.clone(), self.fail(header, &absent, &cell, &time)));
            values[part as usize] = Some(format!(
                "(CASE WHEN {is_missing} THEN NULL ELSE {value} END)"
            ));
        }
        let [Some(day), Some(month), Some(year)] = values else {
            // the mapping is checked for a day, a month and a year
            self.refuse(
                path,
                "a date split over columns without a day, a month and a year",
            );
            return "NULL".into();
        };
        let all_missing = missing
            .iter()
            .map(|(m, _)| format!("({m})"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let absent: String = missing
            .iter()
            .map(|(m, fail)| format!(" WHEN {m} THEN {fail}"))
            .collect();
        let date = date_text(d, &year, &month, &day);
        let first = columns.first().map_or(path, |c| c.0.as_str()).to_string();
        let cell = self.trimmed(&first);
        let calendar = self.fail(&first, "a day its month has not", &cell, &time);
        format!(
            "(CASE WHEN {all_missing} THEN NULL{absent} {} ELSE coalesce({}, {calendar}) END)",
            fails.join(" "),
            self.try_cast(&date, &time)
        )
    }

    /// One cell read as a field of type `ty` (`data::csv::mapped_cell`).
    fn cell(&mut self, header: &str, read: &Read, ty: &PlanType) -> String {
        let d = self.d;
        let c = d.ident(header);
        let t = self.trimmed(header);
        let missing = self.missing(header, read);
        // `values`: the trimmed cell (lower-cased with `case = "fold"`) looked up; what
        // they give is the cell's text from there on
        // the trimmed cell lower-cased, computed once per row where a test needs it
        let needs_lower = read.fold_case || matches!(ty, PlanType::Bool);
        let lowered = if needs_lower {
            self.lowered(header)
        } else {
            String::new()
        };
        if let Some(pattern) = &read.extract {
            if d == Dialect::Spark && read.split.is_some() {
                self.refuse(header, "`extract` with `split` is not read in Spark SQL");
                return "NULL".into();
            }
            // `extract`: what group 1 of the first match captures, trimmed, is the cell
            // from there on; a cell the pattern does not match is an error of its row
            let translated = match super::regex::translate_extract(pattern.as_str(), d) {
                Ok(p) => string_literal(d, &p),
                Err(why) => {
                    self.refuse(header, &format!("`extract` is not read in SQL: {why}"));
                    return "NULL".into();
                }
            };
            let group = self.trim(&format!("regexp_extract({t}, {translated}, 1)"));
            let lowered = lower_text(d, &group, &self.lower, &self.sigma_refusal(header));
            let value = match (&read.split, ty) {
                (Some(separator), PlanType::List(element)) => {
                    self.split(header, read, element, separator, &group, &lowered)
                }
                _ => self.convert(header, read, ty, &group, &group, &lowered),
            };
            let text = super::column_type(d, ty, self.program);
            let fail = self.fail(
                header,
                "not matched by the column's `extract` pattern",
                &t,
                &text,
            );
            let matched = regex_test(d, &t, &translated);
            return format!(
                "(CASE WHEN {missing} THEN NULL WHEN NOT {matched} THEN {fail} ELSE {value} END)"
            );
        }
        let value = match (&read.split, ty) {
            (Some(separator), PlanType::List(element)) => {
                self.split(header, read, element, separator, &t, &lowered)
            }
            _ => self.convert(header, read, ty, &c, &t, &lowered),
        };
        format!("(CASE WHEN {missing} THEN NULL ELSE {value} END)")
    }

    /// A list from one cell split at `separator` (`data::csv::mapped_cell`): the cell's
    /// text after `values`, split, each part trimmed, empty ones dropped, and each read as
    /// an element (`values` again, then the element's type). DuckDB and Spark with
    /// lambdas; PostgreSQL as a `jsonb` array gathered in the parts' order.
    fn split(
        &mut self,
        header: &str,
        read: &Read,
        element: &PlanType,
        separator: &str,
        t: &str,
        lowered: &str,
    ) -> String {
        let d = self.d;
        if !matches!(
            element,
            PlanType::String | PlanType::Enum(_) | PlanType::Number
        ) {
            self.refuse(
                header,
                "`split` into a list of other than text, `one of` or numbers is not read in SQL",
            );
            return "NULL".into();
        }
        if d == Dialect::Spark && separator.contains("\\E") {
            self.refuse(
                header,
                "a `split` separator holding `\\E` is not read in Spark SQL",
            );
            return "NULL".into();
        }
        // the whole cell through `values` first, as eval reads it
        // (blank text is an empty list, not a missing one)
        let whole = format!(
            "coalesce({}, '')",
            self.convert(header, read, &PlanType::String, t, t, lowered)
        );
        let var = "_p";
        let part_lowered = lower_text(d, var, &self.lower, &self.sigma_refusal(header));
        let each = self.convert(header, read, element, var, var, &part_lowered);
        let trimmed = self.trim(var);
        let sep = string_literal(d, separator);
        match d {
            Dialect::Postgres => format!(
                "(SELECT coalesce(jsonb_agg(to_jsonb({each}) ORDER BY _o), '[]'::jsonb) FROM unnest(string_to_array({whole}, {sep})) WITH ORDINALITY AS _s(_q, _o) CROSS JOIN LATERAL (SELECT {} AS {var}) AS _t WHERE {var} <> '')",
                self.trim("_q")
            ),
            Dialect::Spark => {
                let pattern = format!("concat('\\\\Q', {sep}, '\\\\E')");
                format!(
                    "transform(filter(transform(split({whole}, {pattern}, -1), {var} -> {trimmed}), {var} -> {var} <> ''), {var} -> {each})"
                )
            }
            _ => format!(
                "list_transform(list_filter(list_transform(string_split({whole}, {sep}), {}), {}), {})",
                d.lambda(var, &trimmed),
                d.lambda(var, &format!("{var} <> ''")),
                d.lambda(var, &each)
            ),
        }
    }

    /// The value of a cell (or of a part of one, for `split`) of type `ty`: `c` its text
    /// as written, `t` trimmed, `lowered` trimmed and lower-cased (where a test needs it).
    /// What `values` give the trimmed cell `t` (looked up lower-cased, `lowered`, with
    /// `case = "fold"`), as `to_text` writes each value; `unlisted` for a cell they do not
    /// list.
    fn values_of(
        &self,
        read: &Read,
        t: &str,
        lowered: &str,
        unlisted: &str,
        to_text: &dyn Fn(&str) -> String,
    ) -> String {
        if read.values.is_empty() {
            return unlisted.to_string();
        }
        let d = self.d;
        let key = if read.fold_case { lowered } else { t };
        let mut seen = std::collections::HashSet::new();
        let mut out = format!("CASE {key}");
        for (from, to) in &read.values {
            let from = if read.fold_case {
                from.to_lowercase()
            } else {
                from.clone()
            };
            if !seen.insert(from.clone()) {
                continue;
            }
            out.push_str(&format!(
                " WHEN {} THEN {}",
                string_literal(d, &from),
                string_literal(d, &to_text(to))
            ));
        }
        out.push_str(&format!(" ELSE {unlisted} END"));
        out
    }

    fn convert(
        &mut self,
        header: &str,
        read: &Read,
        ty: &PlanType,
        c: &str,
        t: &str,
        lowered: &str,
    ) -> String {
        let d = self.d;
        let mapped = |unlisted: &str, to_text: &dyn Fn(&str) -> String| -> String {
            self.values_of(read, t, lowered, unlisted, to_text)
        };
        let as_written = |to: &str| to.to_string();
        // what `values` give is read as written, trimmed, or lower-cased (`to_lowercase`,
        // which the SQL's lowering follows), as the step after needs it
        let raw = mapped(c, &as_written);
        let text = mapped(t, &as_written);
        let trimmed = mapped(t, &|to: &str| to.trim().to_string());
        let text_lowered = mapped(lowered, &|to: &str| to.to_lowercase());
        let text_type = super::column_type(d, &PlanType::String, self.program);
        match ty {
            PlanType::String | PlanType::Dynamic => format!("NULLIF({raw}, '')"),
            PlanType::Enum(values) if read.fold_case => {
                let mut out = format!("CASE {text_lowered}");
                let mut seen = std::collections::HashSet::new();
                for v in values.iter() {
                    if seen.insert(v.to_lowercase()) {
                        out.push_str(&format!(
                            " WHEN {} THEN {}",
                            string_literal(d, &v.to_lowercase()),
                            string_literal(d, v)
                        ));
                    }
                }
                let fail = self.fail(header, "not one of the field's values", &text, &text_type);
                out.push_str(&format!(" ELSE {fail} END"));
                out
            }
            PlanType::Enum(values) => {
                let list: Vec<String> = values.iter().map(|v| string_literal(d, v)).collect();
                let fail = self.fail(header, "not one of the field's values", &raw, &text_type);
                format!(
                    "CASE WHEN {raw} = '' THEN NULL WHEN {raw} IN ({}) THEN {raw} ELSE {fail} END",
                    list.join(", ")
                )
            }
            PlanType::Bool => {
                let lowered = &text_lowered;
                let list = |words: &[String]| {
                    words
                        .iter()
                        .map(|w| string_literal(d, w))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let fail = self.fail(header, "not a spelling of true or false", &text, "BOOLEAN");
                let mut out = format!("CASE WHEN {lowered} IN ({}) THEN TRUE", list(&read.truths));
                if !read.falses.is_empty() {
                    out.push_str(&format!(
                        " WHEN {lowered} IN ({}) THEN FALSE",
                        list(&read.falses)
                    ));
                }
                out.push_str(&format!(" ELSE {fail} END"));
                out
            }
            PlanType::Number if read.range.is_some() => {
                let end = read.range.unwrap_or(RangeEnd::Low);
                self.range(header, &trimmed, end)
            }
            PlanType::Number => {
                let double = d.double();
                let number = regex_test(d, &trimmed, &string_literal(d, NUMBER));
                let fail = self.fail(header, "not a number", &trimmed, double);
                let big = self.fail(header, "a number too large", &trimmed, double);
                format!(
                    "CASE WHEN {raw} = '' THEN NULL WHEN NOT {number} THEN {fail} WHEN abs(CAST({trimmed} AS {double})) = CAST('Infinity' AS {double}) THEN {big} ELSE CAST({trimmed} AS {double}) END"
                )
            }
            PlanType::Date | PlanType::DateTime
                if read.epoch.is_none()
                    && let Some(format) = &read.format =>
            {
                self.formatted(header, read, format, ty, &raw, &trimmed)
            }
            PlanType::Date => {
                let time = super::column_type(d, ty, self.program);
                let date = regex_test(d, &trimmed, &string_literal(d, DATE));
                let fail = self.fail(header, "not a date written YYYY-MM-DD", &trimmed, &time);
                format!(
                    "CASE WHEN {raw} = '' THEN NULL WHEN {date} AND substr({trimmed}, 1, 4) <> '0000' THEN coalesce({}, {fail}) ELSE {fail} END",
                    self.try_cast(&trimmed, &time)
                )
            }
            PlanType::DateTime => {
                let time = super::column_type(d, ty, self.program);
                if let Some(unit) = read.epoch {
                    let micros = self.micros(header, &trimmed, unit, "BIGINT");
                    let fail = self.fail(
                        header,
                        "an instant before year 1 or after 9999",
                        &trimmed,
                        &time,
                    );
                    let instant = match d {
                        Dialect::Spark => format!("timestamp_micros({micros})"),
                        Dialect::DuckDb => format!(
                            "(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds({micros}))"
                        ),
                        Dialect::Postgres => format!(
                            "(TIMESTAMPTZ '1970-01-01 00:00:00+00' + ({micros} / 1000000) * INTERVAL '1 second' + ({micros} % 1000000) * INTERVAL '1 microsecond')"
                        ),
                    };
                    format!(
                        "CASE WHEN {micros} NOT BETWEEN {FIRST_MICROS} AND {LAST_MICROS} THEN {fail} ELSE {instant} END"
                    )
                } else {
                    let instant = regex_test(d, &trimmed, &string_literal(d, INSTANT));
                    let date = regex_test(d, &trimmed, &string_literal(d, DATE));
                    let zoned = match &read.timezone {
                        Some(zone) => match self.zoned(zone) {
                            Ok(zoned) => Some(zoned),
                            Err(why) => {
                                self.refuse(header, &why);
                                return "NULL".into();
                            }
                        },
                        None => None,
                    };
                    let fail = self.fail(
                        header,
                        if zoned.is_some() {
                            "not a date-time (YYYY-MM-DD HH:MM[:SS[.ffffff]], or with an offset), to the microsecond, years 1 to 9998, or a date"
                        } else {
                            "not a date-time with an offset (RFC 3339, to the microsecond, years 1 to 9998) or a date"
                        },
                        &trimmed,
                        &time,
                    );
                    // one spelling for every database: `T`, seconds, upper-case `Z`
                    let canonical = format!(
                        "replace(upper(CASE WHEN substr({trimmed}, 17, 1) = ':' THEN {trimmed} ELSE substr({trimmed}, 1, 16) || ':00' || substr({trimmed}, 17) END), ' ', 'T')"
                    );
                    let year = format!("substr({trimmed}, 1, 4) NOT IN ('0000', '9999')");
                    // with a zone, a date-time without offset is read in it (`read::datetime`)
                    let local = match zoned {
                        Some(zoned) => {
                            let civil = regex_test(d, &trimmed, &string_literal(d, CIVIL));
                            let instant = zoned.replace("{}", &canonical);
                            format!(" WHEN {civil} AND {year} THEN coalesce({instant}, {fail})")
                        }
                        None => String::new(),
                    };
                    format!(
                        "CASE WHEN {raw} = '' THEN NULL WHEN {instant} AND {year} THEN coalesce({}, {fail}) WHEN {date} AND {year} THEN coalesce({}, {fail}){local} ELSE {fail} END",
                        self.try_cast(&canonical, &time),
                        self.try_cast(&format!("{trimmed} || 'T00:00:00Z'"), &time),
                    )
                }
            }
            PlanType::Duration => {
                match read.unit {
                    Some(unit) => {
                        let micros = self.micros(header, &trimmed, unit, "BIGINT");
                        // Spark's durations are microseconds (`sql::expr`)
                        if self.micros_in_json || d == Dialect::Spark {
                            return micros;
                        }
                        match d {
                            Dialect::DuckDb => format!("to_microseconds({micros})"),
                            _ => format!(
                                "(({micros} / 1000000) * INTERVAL '1 second' + ({micros} % 1000000) * INTERVAL '1 microsecond')"
                            ),
                        }
                    }
                    None => {
                        self.refuse(header, "a duration written as text is not read in SQL: give the column a `unit`");
                        "NULL".into()
                    }
                }
            }
            PlanType::List(_) | PlanType::Record(_) => {
                self.refuse(
                    header,
                    "a list or record written as JSON in one cell is not read in SQL",
                );
                "NULL".into()
            }
        }
    }

    /// A date or date-time cell written in `format` (`mapping::read::date`, `datetime`):
    /// its parts taken by the format's regular expression ([`strftime_pattern`]), checked
    /// as jiff checks them (a month 1–12, a day 1–31 and in its month, an hour 0–23, a
    /// minute 0–59, a second 0–60, 60 read as 59), written `YYYY-MM-DD[THH:MM:SS]` and
    /// cast; a date-time in the column's zone (a format has no offset here). A year before
    /// 1 (or after 9998 for a date-time) stops the query, as a cell that is not in the
    /// format does.
    fn formatted(
        &mut self,
        header: &str,
        read: &Read,
        format: &str,
        ty: &PlanType,
        raw: &str,
        trimmed: &str,
    ) -> String {
        let d = self.d;
        let (pattern, groups) = match strftime_pattern(format) {
            Ok(translated) => translated,
            Err(why) => {
                self.refuse(header, &format!("`format` is not read in SQL: {why}"));
                return "NULL".into();
            }
        };
        let datetime = matches!(ty, PlanType::DateTime);
        let zoned = match (&read.timezone, datetime) {
            (_, false) => None,
            (Some(zone), true) => match self.zoned(zone) {
                Ok(zoned) => Some(zoned),
                Err(why) => {
                    self.refuse(header, &why);
                    return "NULL".into();
                }
            },
            (None, true) => {
                self.refuse(header, "a date-time `format` without a `timezone`");
                return "NULL".into();
            }
        };
        let literal = string_literal(d, &pattern);
        let group = |n: usize| match d {
            Dialect::Postgres => format!("(regexp_match({trimmed}, {literal}))[{n}]"),
            // DuckDB takes group numbers up to 9 only: each group from a pattern in which
            // it is the only one (the match is the same)
            Dialect::DuckDb => format!(
                "regexp_extract({trimmed}, {}, 1)",
                string_literal(d, &only_group(&pattern, n))
            ),
            Dialect::Spark => format!("regexp_extract({trimmed}, {literal}, {n})"),
        };
        // a group of a cell the pattern does not match is empty (or NULL): no number
        let number = |n: usize| self.try_cast(&group(n), "INTEGER");
        let month_of = |g: String, names: Vec<String>| {
            let mut out = format!("(CASE lower({g})");
            for (i, name) in names.iter().enumerate() {
                out.push_str(&format!(" WHEN {} THEN {}", string_literal(d, name), i + 1));
            }
            out + " END)"
        };
        let (mut year, mut month, mut day) = (String::new(), String::new(), String::new());
        let mut clock = [None, None, None];
        let mut checks = Vec::new();
        // the year's sign: `-` in its group, or in the group before its digits
        let mut negative = None;
        for (i, g) in groups.iter().enumerate() {
            let n = i + 1;
            match *g {
                Group::Sign => negative = Some(format!("{} = '-'", group(n))),
                Group::Between { first, width, sign } => {
                    let between = group(n);
                    checks.push(format!(
                        "(length({between}) > 0 OR length({}) = {width})",
                        group(first)
                    ));
                    if sign {
                        negative = Some(format!("{between} LIKE '%-%'"));
                    }
                }
                Group::Part(DatePart::Year) => {
                    let digits = number(n);
                    let negative = negative.take().unwrap_or_else(|| "FALSE".into());
                    year = format!("(CASE WHEN {negative} THEN -{digits} ELSE {digits} END)");
                }
                Group::Part(DatePart::Year2) => {
                    let v = number(n);
                    year = format!("(CASE WHEN {v} <= 68 THEN 2000 + {v} ELSE 1900 + {v} END)");
                }
                Group::Part(DatePart::Month) => month = number(n),
                Group::Part(DatePart::MonthAbbrev) => {
                    let names = MONTHS.iter().map(|m| m[..3].to_lowercase()).collect();
                    month = month_of(group(n), names);
                }
                Group::Part(DatePart::MonthName) => {
                    let names = MONTHS.iter().map(|m| m.to_lowercase()).collect();
                    month = month_of(group(n), names);
                }
                Group::Part(DatePart::Day) => day = number(n),
                Group::Part(DatePart::Hour) => clock[0] = Some(number(n)),
                Group::Part(DatePart::Minute) => clock[1] = Some(number(n)),
                Group::Part(DatePart::Second) => clock[2] = Some(number(n)),
            }
        }
        let last_year = if datetime { 9998 } else { 9999 };
        let mut valid = checks;
        valid.extend([
            // four digits, as eval reads `%Y` (`24` is no year of an export)
            format!("{year} BETWEEN 1000 AND {last_year}"),
            format!("{month} BETWEEN 1 AND 12"),
            format!("{day} BETWEEN 1 AND 31"),
        ]);
        for (part, most) in clock.iter().zip([23, 59, 60]) {
            if let Some(part) = part {
                valid.push(format!("{part} BETWEEN 0 AND {most}"));
            }
        }
        let date = date_text(d, &year, &month, &day);
        let time = super::column_type(d, ty, self.program);
        let value = match zoned {
            Some(zoned) => {
                let [h, m, s] = clock.map(|p| p.unwrap_or_else(|| "0".into()));
                let civil = format!(
                    "{date} || 'T' || {} || ':' || {} || ':' || {}",
                    padded(d, &h, 2),
                    padded(d, &m, 2),
                    padded(d, &format!("least({s}, 59)"), 2)
                );
                zoned.replace("{}", &format!("({civil})"))
            }
            None => self.try_cast(&date, &time),
        };
        let what = if datetime {
            format!("not a date-time written `{format}` (years 1000 to 9998)")
        } else {
            format!("not a date written `{format}` (years 1000 to 9999)")
        };
        let fail = self.fail(header, &what, trimmed, &time);
        let matches = regex_test(d, trimmed, &literal);
        format!(
            "CASE WHEN {raw} = '' THEN NULL WHEN {matches} THEN (CASE WHEN {} THEN coalesce({value}, {fail}) ELSE {fail} END) ELSE {fail} END",
            valid.join(" AND ")
        )
    }

    /// The instant of a local date-time in `zone`: an expression in which `{}` stands for
    /// its text, `YYYY-MM-DDTHH:MM:SS[.ffffff]`. A fixed offset in every database; a zone
    /// of the IANA database in DuckDB and Spark, whose rules for a time the clocks skip
    /// (read later by the gap) or repeat (the earlier of the two) are jiff's; neither
    /// depends on the session's zone.
    fn zoned(&self, zone: &jiff::tz::TimeZone) -> Result<String, String> {
        let d = self.d;
        if let Ok(offset) = zone.to_fixed_offset() {
            let seconds = offset.seconds();
            if seconds % 60 != 0 {
                return Err("a time zone offset of seconds is not read in SQL".into());
            }
            let sign = if seconds < 0 { '-' } else { '+' };
            let (h, m) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
            let suffix = string_literal(d, &format!("{sign}{h:02}:{m:02}"));
            let time = super::column_type(d, &PlanType::DateTime, self.program);
            return Ok(self.try_cast(&format!("{{}} || {suffix}"), &time));
        }
        let Some(name) = zone.iana_name() else {
            return Err("a time zone that is neither a fixed offset nor named in the IANA database is not read in SQL".into());
        };
        let name = string_literal(d, name);
        match d {
            // DuckDB reads a repeated local time as the later instant: the earlier one is
            // the local time at the offset of a day and an hour before (the longest
            // repetition, Kwajalein's in 1969, is 23 hours), where that reads back
            Dialect::DuckDb => {
                let local = "TRY_CAST({} AS TIMESTAMP)";
                let later = format!("timezone({name}, {local})");
                let before = format!("({later} - INTERVAL 25 HOUR)");
                let offset = format!("(timezone({name}, {before}) - timezone('UTC', {before}))");
                let earlier = format!("timezone('UTC', {local} - {offset})");
                Ok(format!(
                    "(CASE WHEN {earlier} < {later} AND timezone({name}, {earlier}) = {local} THEN {earlier} ELSE {later} END)"
                ))
            }
            Dialect::Spark => Ok(format!(
                "make_timestamp(CAST(substr({{}}, 1, 4) AS INT), CAST(substr({{}}, 6, 2) AS INT), CAST(substr({{}}, 9, 2) AS INT), CAST(substr({{}}, 12, 2) AS INT), CAST(substr({{}}, 15, 2) AS INT), CAST(substr({{}}, 18) AS DECIMAL(8, 6)), {name})"
            )),
            Dialect::Postgres => Err(
                "a time zone of the IANA database in PostgreSQL: it reads a local time the clocks repeat (when they go back) as the later instant, qualify as the earlier; give the zone as a fixed offset, or use DuckDB or Spark".into(),
            ),
        }
    }

    /// The number a range cell stands for (`mapping::read::range`): a plain number; `N+`
    /// (no upper bound); `<N` or `<=N` (no lower one); two bounds split at the first
    /// ` to `, else `–`, else `—`, else `-`; or one bound. A bound is a number written in
    /// digits with an optional currency sign before it and `K`, `M` or `B` after it.
    fn range(&self, header: &str, x: &str, end: RangeEnd) -> String {
        let d = self.d;
        let double = d.double();
        let fail = self.fail(
            header,
            "not a range (`200-499`, `2000+`, `<10`, `$10M`)",
            x,
            double,
        );
        let infinite = |v: &str| format!("abs({v}) = CAST('Infinity' AS {double})");
        let plain = regex_test(
            d,
            x,
            &string_literal(d, "^-?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"),
        );
        let (find, len) = match d {
            Dialect::Spark => ("instr", "length"),
            _ => ("strpos", "length"),
        };
        let first = |x: &str| format!("substr({x}, 1, 1)");
        let last = |x: &str| format!("substr({x}, {len}({x}), 1)");
        let open_above = format!("substr({x}, 1, {len}({x}) - 1)");
        let after_lt = format!(
            "(CASE WHEN substr({x}, 2, 1) = '=' THEN substr({x}, 3) ELSE substr({x}, 2) END)"
        );
        let low_of_open = self.bound(&open_above);
        let high_of_open = self.bound(&after_lt);
        let pick = |low: &str, high: &str| match end {
            RangeEnd::Low => low.to_string(),
            RangeEnd::High => high.to_string(),
            RangeEnd::Middle => format!("({low} + ({high} - {low}) / CAST(2 AS {double}))"),
        };
        let mut out = format!(
            "CASE WHEN {plain} THEN (CASE WHEN {} THEN {fail} ELSE CAST({x} AS {double}) END)",
            infinite(&format!("CAST({x} AS {double})"))
        );
        // `N+`: its bound, or for the high end none
        let above = match end {
            RangeEnd::High => {
                format!("(CASE WHEN {low_of_open} IS NULL THEN {fail} ELSE NULL END)")
            }
            _ => format!("coalesce({low_of_open}, {fail})"),
        };
        out.push_str(&format!(" WHEN {} = '+' THEN {above}", last(x)));
        let below = match end {
            RangeEnd::High => format!("coalesce({high_of_open}, {fail})"),
            _ => format!("(CASE WHEN {high_of_open} IS NULL THEN {fail} ELSE NULL END)"),
        };
        out.push_str(&format!(" WHEN {} = '<' THEN {below}", first(x)));
        for sep in [" to ", "\u{2013}", "\u{2014}", "-"] {
            let at = format!("{find}({x}, {})", string_literal(d, sep));
            let width = sep.chars().count();
            let low = self.bound(&format!("substr({x}, 1, {at} - 1)"));
            let high = self.bound(&format!("substr({x}, {at} + {width})"));
            let value = pick(&low, &high);
            out.push_str(&format!(
                " WHEN {at} > 0 THEN (CASE WHEN {low} IS NULL OR {high} IS NULL OR {low} > {high} THEN {fail} ELSE {value} END)"
            ));
        }
        let one = self.bound(x);
        out.push_str(&format!(" ELSE coalesce({one}, {fail}) END"));
        out
    }

    /// One bound of a range as a double, `NULL` where the text is not one
    /// (`mapping::read::range`'s `bound`): white space around it, one currency sign, digits
    /// as Rust reads a float (or thousands grouped by commas in threes, a fraction after
    /// them), white space, a multiplier.
    fn bound(&self, x: &str) -> String {
        let d = self.d;
        let double = d.double();
        let space = WHITE_SPACE;
        let (start, end) = match d {
            Dialect::Spark => ("\\A", "\\z"),
            _ => ("^", "$"),
        };
        let pattern = string_literal(
            d,
            &format!(
                "{start}[{space}]*[$\u{20ac}\u{a3}]?[{space}]*([0-9]{{1,3}}(?:,[0-9]{{3}})+(?:[.][0-9]*)?|[0-9]+(?:[.][0-9]*)?(?:[eE][+-]?[0-9]+)?)[{space}]*([kKmMbB]?)[{space}]*{end}"
            ),
        );
        let group = |n: usize| match d {
            Dialect::Postgres => format!("(regexp_match({x}, {pattern}))[{n}]"),
            _ => format!("regexp_extract({x}, {pattern}, {n})"),
        };
        let (digits, unit) = (group(1), group(2));
        let digits = format!("replace({digits}, ',', '')");
        let value = format!(
            "(CAST({digits} AS {double}) * CAST(CASE {unit} WHEN 'k' THEN 1000 WHEN 'K' THEN 1000 WHEN 'm' THEN 1000000 WHEN 'M' THEN 1000000 WHEN 'b' THEN 1000000000 WHEN 'B' THEN 1000000000 ELSE 1 END AS {double}))"
        );
        let matched = regex_test(d, x, &pattern);
        format!(
            "(CASE WHEN {matched} AND NOT abs({value}) = CAST('Infinity' AS {double}) THEN {value} END)"
        )
    }

    /// A number of `unit`s in whole microseconds (of SQL type `ty`), or an error for a
    /// cell that is not one to the microsecond.
    fn micros(&self, header: &str, trimmed: &str, unit: Unit, ty: &str) -> String {
        let d = self.d;
        let per = unit.nanoseconds() / 1000;
        let shape = regex_test(d, trimmed, &string_literal(d, UNITS));
        let exact = format!("(CAST({trimmed} AS DECIMAL(24, 9)) * CAST({per} AS DECIMAL(12, 0)))");
        let not_number = self.fail(
            header,
            &format!("not a number of {} the SQL reads (digits, at most 15 before the point and 9 after it, no exponent)", unit.name()),
            trimmed,
            ty,
        );
        let fine = self.fail(header, "finer than a microsecond", trimmed, ty);
        let large = self.fail(
            header,
            "too large for the SQL (past 2^63 microseconds)",
            trimmed,
            ty,
        );
        format!(
            "(CASE WHEN NOT {shape} THEN {not_number} WHEN {exact} <> floor({exact}) THEN {fine} WHEN abs({exact}) > CAST(9223372036854775807 AS DECIMAL(38, 0)) THEN {large} ELSE CAST({exact} AS {ty}) END)"
        )
    }
}

/// Why a database would load a CSV file otherwise than `qualify eval` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uneven {
    /// The file is not in RFC 4180's shape: a database's CSV reader may read its cells
    /// otherwise.
    Shape(&'static str),
    /// A row's line is not its number among the rows plus one, which is all a database's
    /// loader can count (`id = "line"`).
    Lines(&'static str),
}

/// Where the CSV text `input` is written so that a database's CSV reader could read its
/// cells otherwise than `qualify eval` does: `(line, why)`. DuckDB's `read_csv`, for
/// one, drops a space before an opening quote and after a closing one, which the CSV
/// reader of `eval` keeps as text; a carriage return alone ends a line for some readers
/// and not for others. A file in RFC 4180's shape (a quoted cell quoted from its first
/// character to its last, quotes inside doubled, lines ending in LF or CRLF) is read
/// alike by all. With `one_line` each row must also be one line, none of them empty, so
/// that the `n`th row under the header is on line `n + 1`.
pub fn uneven_csv(
    input: impl std::io::BufRead,
    delimiter: u8,
    one_line: bool,
) -> std::io::Result<Option<(usize, Uneven)>> {
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
        AfterCr,
    }
    let shape = |line, what| Ok(Some((line, Uneven::Shape(what))));
    let mut input = input;
    let (mut at, mut line, mut first) = (At::Start, 1usize, true);
    // whether the line so far holds nothing (a line break or a carriage return), and the
    // first empty line: an empty line with a row after it shifts that row's line
    let (mut empty, mut blank) = (true, None);
    // the header's cells so far, and whether it has ended; how lines end (CRLF or not)
    let (mut fields, mut header_done, mut crlf) = (1usize, false, None);
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let mut bytes: &[u8] = buf;
        if first {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            first = false;
        }
        for &b in bytes {
            if b == b'\n' && at != At::Quoted {
                // DuckDB's reader takes a first empty line for the header and the header
                // for a row, and an empty line of a file of one column for a row
                if empty && !header_done {
                    return shape(line, "an empty line before the header");
                }
                if empty && fields == 1 {
                    return shape(
                        line,
                        "an empty line in a file of one column, which a database reads as a row",
                    );
                }
                let this = at == At::AfterCr;
                if *crlf.get_or_insert(this) != this {
                    return shape(line, "lines end both in LF and in CRLF");
                }
                if empty && blank.is_none() {
                    blank = Some(line);
                }
                empty = true;
                header_done = true;
            } else if b != b'\r' {
                if let (true, Some(blank)) = (one_line, blank) {
                    return Ok(Some((
                        blank,
                        Uneven::Lines("an empty line, which the database does not count as a row"),
                    )));
                }
                empty = false;
            }
            at = match (at, b) {
                (At::AfterCr, b'\n') => {
                    line += 1;
                    At::Start
                }
                (At::AfterCr, _) => return shape(line, "a line ends in a carriage return alone"),
                (At::Start | At::Unquoted | At::QuoteInQuoted, b'\r') => At::AfterCr,
                (At::Start | At::Unquoted | At::QuoteInQuoted, b'\n') => {
                    line += 1;
                    At::Start
                }
                (At::Start | At::Unquoted | At::QuoteInQuoted, b) if b == delimiter => {
                    if !header_done {
                        fields += 1;
                    }
                    At::Start
                }
                (At::Start, b'"') => At::Quoted,
                (At::Unquoted, b'"') => {
                    return shape(
                        line,
                        "a quote inside a cell that does not begin with it (a space before an opening quote?)",
                    );
                }
                (At::Start | At::Unquoted, _) => At::Unquoted,
                (At::Quoted, b'"') => At::QuoteInQuoted,
                (At::Quoted, b'\n') => {
                    if one_line {
                        return Ok(Some((line, Uneven::Lines("a cell holds a line break"))));
                    }
                    line += 1;
                    At::Quoted
                }
                (At::Quoted, _) => At::Quoted,
                (At::QuoteInQuoted, b'"') => At::Quoted,
                (At::QuoteInQuoted, _) => {
                    return shape(line, "text after the closing quote of a cell");
                }
            };
        }
        let n = buf.len();
        input.consume(n);
    }
    match at {
        At::Quoted => shape(line, "a quote that is never closed"),
        At::AfterCr => shape(line, "a line ends in a carriage return alone"),
        _ => Ok(None),
    }
}

/// A part of a date or date-time that a `strftime` directive reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatePart {
    /// `%Y`: a sign (its own group, before the digits) and up to 4 digits.
    Year,
    /// `%y`: 2 digits, 69–99 in the 1900s, 00–68 in the 2000s.
    Year2,
    Month,
    /// `%b`, `%h`: the first three letters of a month's English name, in any case.
    MonthAbbrev,
    /// `%B`: a month's English name, in any case.
    MonthName,
    Day,
    Hour,
    Minute,
    Second,
}

/// ASCII white space as jiff skips it (`u8::is_ascii_whitespace`: no vertical tab).
const JIFF_SPACE: &str = "[ \\t\\n\\f\\r]*";

/// The number `x` as text of `width` digits at least, zeros before it.
fn padded(d: Dialect, x: &str, width: usize) -> String {
    format!("lpad(CAST({x} AS {}), {width}, '0')", d.text())
}

/// The text `YYYY-MM-DD` of a year, a month and a day (numbers), to be cast to a date.
fn date_text(d: Dialect, year: &str, month: &str, day: &str) -> String {
    format!(
        "{} || '-' || {} || '-' || {}",
        padded(d, year, 4),
        padded(d, month, 2),
        padded(d, day, 2)
    )
}

/// A pattern of [`strftime_pattern`] with only its `n`th group capturing (the others
/// `(?:…)`): it matches what the whole does, and its group 1 is the whole's group `n`.
fn only_group(pattern: &str, n: usize) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let (mut groups, mut chars) = (0, pattern.chars());
    while let Some(c) = chars.next() {
        match c {
            // an escaped character is a literal one, `(` included
            '\\' => {
                out.push(c);
                out.extend(chars.next());
            }
            '(' => {
                groups += 1;
                out.push_str(if groups == n { "(" } else { "(?:" });
            }
            _ => out.push(c),
        }
    }
    out
}

/// What one group of a format's regular expression holds ([`strftime_pattern`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// The digits or name of a part.
    Part(DatePart),
    /// The sign of the year after it (`-` or `+`, or nothing).
    Sign,
    /// What lies between two numbers (white space, and the second's sign where it is a
    /// year): jiff ends the first number only where a non-digit follows it or it has all
    /// its digits, so the group after it must be empty only where group `first` (the first
    /// number) has its `width` digits.
    Between {
        first: usize,
        width: usize,
        /// Whether it holds the year's sign.
        sign: bool,
    },
}

/// A `strftime` format as `mapping::read` reads a cell with it (jiff's `strtime::parse`):
/// an anchored regular expression of the whole (trimmed) cell, and what each of its groups
/// holds, in order. jiff reads each directive greedily and never goes back; where a
/// regular expression could read a number otherwise (two numbers with only white space
/// between them), what lies between is a group of its own, checked. A format with a
/// directive this does not translate is refused (`Err` says which).
fn strftime_pattern(format: &str) -> Result<(String, Vec<Group>), String> {
    // the directives that stand for others, written out
    let mut expanded = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            expanded.push(c);
            continue;
        }
        match chars.next() {
            Some('F') => expanded.push_str("%Y-%m-%d"),
            Some('D') => expanded.push_str("%m/%d/%y"),
            Some('T') => expanded.push_str("%H:%M:%S"),
            Some('R') => expanded.push_str("%H:%M"),
            Some(other) => {
                expanded.push('%');
                expanded.push(other);
            }
            None => return Err("a format that ends in `%`".into()),
        }
    }
    let mut pattern = String::from("^");
    let mut groups: Vec<Group> = Vec::new();
    // the last number read, where only white space followed it so far: where its pattern
    // ends, its group and its width
    let mut after_number: Option<(usize, usize, usize)> = None;
    let mut chars = expanded.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            if c.is_ascii_whitespace() {
                // one white-space character of the format matches any run of it, or none
                pattern.push_str(JIFF_SPACE);
                continue;
            }
            if after_number.is_some() && c.is_ascii_digit() {
                return Err("a digit right after a number directive".into());
            }
            after_number = None;
            if c.is_ascii_alphanumeric() || !c.is_ascii() {
                pattern.push(c);
            } else {
                pattern.push('\\');
                pattern.push(c);
            }
            continue;
        }
        let Some(directive) = chars.next() else {
            return Err("a format that ends in `%`".into());
        };
        let (part, width) = match directive {
            'Y' => (DatePart::Year, 4),
            'y' => (DatePart::Year2, 2),
            'm' => (DatePart::Month, 2),
            'b' | 'h' => (DatePart::MonthAbbrev, 0),
            'B' => (DatePart::MonthName, 0),
            'd' | 'e' => (DatePart::Day, 2),
            'H' | 'k' => (DatePart::Hour, 2),
            'M' => (DatePart::Minute, 2),
            'S' => (DatePart::Second, 2),
            'n' | 't' => {
                pattern.push_str(JIFF_SPACE);
                continue;
            }
            '%' => {
                after_number = None;
                pattern.push_str("\\%");
                continue;
            }
            other => return Err(format!("the directive `%{other}`")),
        };
        let kind = |p: DatePart| match p {
            DatePart::Year | DatePart::Year2 => 0,
            DatePart::Month | DatePart::MonthAbbrev | DatePart::MonthName => 1,
            other => other as u8 + 2,
        };
        if groups
            .iter()
            .any(|g| matches!(g, Group::Part(p) if kind(*p) == kind(part)))
        {
            return Err("a part of the date written twice".into());
        }
        let letters = |word: &str| -> String {
            word.chars()
                .map(|l| format!("[{}{}]", l.to_ascii_uppercase(), l.to_ascii_lowercase()))
                .collect()
        };
        let digits = format!("([0-9]{{1,{width}}})");
        match (part, after_number.take()) {
            (DatePart::MonthAbbrev | DatePart::MonthName, _) => {
                let names: Vec<String> = MONTHS
                    .iter()
                    .map(|m| {
                        letters(if part == DatePart::MonthAbbrev {
                            &m[..3]
                        } else {
                            m
                        })
                    })
                    .collect();
                pattern.push_str(&format!("({})", names.join("|")));
            }
            (_, Some((end, first, first_width))) => {
                // the white space since the number before, and this one's own, in a group
                pattern.truncate(end);
                let sign = part == DatePart::Year;
                let between = if sign {
                    format!("({JIFF_SPACE}[+-]?{JIFF_SPACE})")
                } else {
                    format!("({JIFF_SPACE})")
                };
                pattern.push_str(&between);
                pattern.push_str(&digits);
                groups.push(Group::Between {
                    first,
                    width: first_width,
                    sign,
                });
            }
            (DatePart::Year, None) => {
                pattern.push_str(&format!("([+-]?){JIFF_SPACE}{digits}"));
                groups.push(Group::Sign);
            }
            (_, None) => pattern.push_str(&format!("{JIFF_SPACE}{digits}")),
        }
        groups.push(Group::Part(part));
        if width > 0 {
            after_number = Some((pattern.len(), groups.len(), width));
        }
    }
    pattern.push('$');
    let has = |p: DatePart| groups.contains(&Group::Part(p));
    let year = has(DatePart::Year) || has(DatePart::Year2);
    let month = has(DatePart::Month) || has(DatePart::MonthAbbrev) || has(DatePart::MonthName);
    if !(year && month && has(DatePart::Day)) {
        return Err("a format without a year, a month and a day".into());
    }
    // jiff reads a minute only after an hour, a second only after a minute
    let (h, m, s) = (
        has(DatePart::Hour),
        has(DatePart::Minute),
        has(DatePart::Second),
    );
    if (m && !h) || (s && !m) {
        return Err("a minute without an hour, or a second without a minute".into());
    }
    Ok((pattern, groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_that_databases_read_otherwise_is_found() {
        let check = |text: &str| uneven_csv(text.as_bytes(), b',', false).ok().flatten();
        let what = |p: Option<(usize, Uneven)>| match p {
            Some((_, Uneven::Shape(what))) => what,
            other => panic!("not a shape: {other:?}"),
        };
        for clean in [
            "ID,T\nx,\"a b\"\n",
            "ID,T\r\nx,\"a \"\"b\"\"\"\r\ny,\"two\nlines\"\r\n",
            "\u{feff}\"ID\",T\nx,,\n",
            "ID,T\n\nx,a\n",
        ] {
            assert_eq!(check(clean), None, "{clean:?}");
        }
        assert_eq!(check("ID,T\nx, \"a b\"\n").map(|p| p.0), Some(2));
        assert!(what(check("ID,T\nx,\"a b\" \n")).contains("after the closing quote"));
        assert!(what(check("ID,T\rx,a\r")).contains("carriage return"));
        assert!(what(check("ID,T\nx,\"a b\n")).contains("never closed"));
        assert!(what(check("ID,T\nx,a\"b\n")).contains("does not begin"));
        // DuckDB's reader: a first empty line makes the header a row; in a file of one
        // column an empty line is a row; LF and CRLF together stop it
        assert_eq!(
            check("\nID,T\nx,a\n"),
            Some((1, Uneven::Shape("an empty line before the header")))
        );
        assert_eq!(check("\u{feff}\r\nID\r\nx\r\n").map(|p| p.0), Some(1));
        for one_column in ["ID\nx\n\n", "ID\n\nx\n", "ID\r\nx\r\n\r\n"] {
            assert!(
                what(check(one_column)).contains("file of one column"),
                "{one_column:?}"
            );
        }
        assert_eq!(
            check("ID,T\nx,\"a\n\nb\"\n"),
            None,
            "an empty line inside a cell"
        );
        for mixed in ["ID,T\r\nx,a\ny,b\n", "ID,T\nx,a\r\n", "ID,T\nx,a\n\r\n"] {
            assert!(
                what(check(mixed)).contains("both in LF and in CRLF"),
                "{mixed:?}"
            );
        }
        assert_eq!(check("ID,T\nx,\"a\r\nb\"\n"), None, "a CRLF inside a cell");
        assert_eq!(
            uneven_csv("ID;T\nx;\"a;b\"\n".as_bytes(), b';', false)
                .ok()
                .flatten(),
            None
        );
    }

    #[test]
    fn rows_numbered_by_a_database_are_on_their_lines() {
        let check = |text: &str| uneven_csv(text.as_bytes(), b',', true).ok().flatten();
        for clean in [
            "ID,T\nx,\"a b\"\n",
            "ID,T\r\nx,a\r\ny,b\r\n",
            "\u{feff}ID,T\nx,a\ny,b",
            // empty lines after the last row shift no row
            "ID,T\nx,a\n\n\n",
            // a line of white space is a row to every reader
            "ID,T\n \nx,a\n",
        ] {
            assert_eq!(check(clean), None, "{clean:?}");
        }
        let lines = |p: Option<(usize, Uneven)>| match p {
            Some((line, Uneven::Lines(what))) => (line, what),
            other => panic!("not about lines: {other:?}"),
        };
        assert_eq!(lines(check("ID,T\nx,\"two\nlines\"\ny,b\n")).0, 2);
        assert_eq!(lines(check("ID,T\nx,a\n\ny,b\n")).0, 3);
        assert_eq!(lines(check("ID,T\r\nx,a\r\n\r\ny,b\r\n")).0, 3);
        assert!(lines(check("ID,\"T\nU\"\nx,a\n")).1.contains("line break"));
        // the shape is still checked first where it comes first
        assert!(matches!(
            check("ID,T\nx, \"a\"\n"),
            Some((2, Uneven::Shape(_)))
        ));
    }

    /// What the SQL of [`Reader::formatted`] reads from a trimmed cell, computed the same
    /// way with Rust's regular expressions (leftmost-first, earlier groups greedier, as
    /// RE2, Java and PostgreSQL's engine choose groups): the date and the clock, or `None`
    /// where the query stops.
    fn read_as_sql(
        pattern: &str,
        groups: &[Group],
        cell: &str,
    ) -> Option<(jiff::civil::Date, [i64; 3])> {
        let re = regex::Regex::new(pattern).expect("the pattern compiles");
        let caps = re.captures(cell)?;
        // each group as DuckDB takes it, from a pattern where it is the only one
        for n in 1..=groups.len() {
            let only = regex::Regex::new(&only_group(pattern, n)).expect("compiles");
            let one = only
                .captures(cell)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str());
            assert_eq!(
                one,
                caps.get(n).map(|m| m.as_str()),
                "{pattern} {n}: {cell:?}"
            );
        }
        let text = |n: usize| caps.get(n).map_or("", |m| m.as_str());
        let number = |n: usize| text(n).parse::<i64>().ok();
        let (mut year, mut month, mut day) = (None, None, None);
        let mut clock = [0, 0, 0];
        let mut negative = false;
        for (i, g) in groups.iter().enumerate() {
            let n = i + 1;
            match *g {
                Group::Sign => negative = text(n) == "-",
                Group::Between { first, width, sign } => {
                    if text(n).is_empty() && text(first).len() != width {
                        return None;
                    }
                    negative = sign && text(n).contains('-');
                }
                Group::Part(DatePart::Year) => {
                    year = number(n).map(|y| if negative { -y } else { y })
                }
                Group::Part(DatePart::Year2) => {
                    year = number(n).map(|y| if y <= 68 { 2000 + y } else { 1900 + y })
                }
                Group::Part(DatePart::Month) => month = number(n),
                Group::Part(DatePart::MonthAbbrev | DatePart::MonthName) => {
                    let name = text(n).to_lowercase();
                    month = MONTHS
                        .iter()
                        .position(|m| m.to_lowercase().starts_with(&name))
                        .map(|i| i as i64 + 1);
                }
                Group::Part(DatePart::Day) => day = number(n),
                Group::Part(DatePart::Hour) => clock[0] = number(n)?,
                Group::Part(DatePart::Minute) => clock[1] = number(n)?,
                Group::Part(DatePart::Second) => clock[2] = number(n)?,
            }
        }
        let (year, month, day) = (year?, month?, day?);
        if !(1000..=9999).contains(&year) || clock[0] > 23 || clock[1] > 59 || clock[2] > 60 {
            return None;
        }
        let date = jiff::civil::Date::new(year as i16, month as i8, day as i8).ok()?;
        clock[2] = clock[2].min(59);
        Some((date, clock))
    }

    #[test]
    fn formats_are_read_in_sql_as_jiff_reads_them() {
        let formats = [
            "%m/%d/%Y",
            "%d.%m.%Y %H:%M",
            "%d %b %y",
            "%B %e, %Y %T",
            "%Y%m%d",
            "%d%m%Y %H%M",
            "%Y %m %d",
            "%e-%h-%Y %k:%M",
            "%F %R",
            "%D",
            "%Y-%m-%dT%H:%M:%S",
            "%d/%m/%Y%n%H",
            "%Y%t%m%t%d",
            "%d %B %Y %H:%M:%S%%",
            "%Y%m%d%H%M%S",
            "%d %m %Y %H %M %S",
            "(%Y)[%m]%d",
        ];
        let pieces = [
            "",
            " ",
            "  ",
            "\t",
            "0",
            "1",
            "2",
            "3",
            "9",
            "12",
            "31",
            "60",
            "2024",
            "1969",
            "-",
            "+",
            "/",
            ".",
            ":",
            ",",
            "-",
            "%",
            "T",
            "jan",
            "Feb",
            "MAY",
            "june",
            "July",
            "september",
            "Sept",
            "nov",
            "Dec",
            "December",
            "024",
            "00",
            "007",
        ];
        let mut rng = crate::testing::Rng(11);
        let mut read = 0;
        for format in formats {
            let (pattern, groups) = strftime_pattern(format).expect("translated");
            for _ in 0..4000 {
                // a cell written in the format, then mutated piece by piece
                let sample = jiff::civil::date(
                    1 + rng.below(9998) as i16,
                    1 + rng.below(12) as i8,
                    1 + rng.below(28) as i8,
                )
                .at(
                    rng.below(24) as i8,
                    rng.below(60) as i8,
                    rng.below(60) as i8,
                    0,
                );
                let mut cell = jiff::fmt::strtime::format(format, sample).expect("writes");
                for _ in 0..rng.below(3) {
                    let at = rng.below(cell.len() + 1);
                    let at = (0..=at)
                        .rev()
                        .find(|&i| cell.is_char_boundary(i))
                        .unwrap_or(0);
                    let end = (at + rng.below(3)).min(cell.len());
                    let end = (end..=cell.len())
                        .find(|&i| cell.is_char_boundary(i))
                        .unwrap_or(at);
                    cell.replace_range(at..end, rng.pick(&pieces));
                }
                let cell = cell.trim();
                if cell.is_empty() {
                    continue;
                }
                let sql = read_as_sql(&pattern, &groups, cell);
                // eval's reading (`mapping::read`): the date, and the clock of a date-time
                let eval = jiff::fmt::strtime::parse(format, cell).ok().and_then(|p| {
                    let date = p.to_date().ok().filter(|d| d.year() >= 1000)?;
                    let time = p.to_time().unwrap_or(jiff::civil::Time::midnight());
                    let clock = [time.hour(), time.minute(), time.second()].map(i64::from);
                    Some((date, clock))
                });
                assert_eq!(
                    crate::mapping::read::date(cell, format),
                    eval.map(|e| e.0),
                    "{format}: {cell:?}"
                );
                match (sql, eval) {
                    (Some(sql), Some(eval)) => assert_eq!(sql, eval, "{format}: {cell:?}"),
                    // the SQL reads years to 9999 only
                    (None, Some((date, _))) => {
                        assert!(date.year() > 9999, "{format}: {cell:?} read by eval only")
                    }
                    (Some(_), None) => panic!("{format}: {cell:?} read by the SQL only"),
                    (None, None) => {}
                }
                read += usize::from(eval.is_some());
            }
        }
        // most cells are read, and many are not
        assert!(read > 10_000 && read < 40_000, "{read}");
    }

    #[test]
    fn formats_the_sql_cannot_read_as_jiff_does_are_refused() {
        for format in [
            "%Y-%m-%d %I:%M %p",
            "%Y-%m-%d %z",
            "%Y-%j",
            "%a %d %b %Y",
            "%-d/%m/%Y",
            "%d/%m/%Y %H:%M:%S%.f",
            "%d%m%Y0",
            "%d/%m/%Y %M",
            "%d/%m/%Y %H:%S",
            "%d/%d/%Y",
            "%d/%m/%Y/%y",
            "%m/%Y",
            "%d/%m/%Y %",
        ] {
            assert!(strftime_pattern(format).is_err(), "{format}");
        }
        let (pattern, groups) = strftime_pattern("%d%m%Y").expect("translated");
        assert_eq!(
            pattern,
            "^[ \\t\\n\\f\\r]*([0-9]{1,2})([ \\t\\n\\f\\r]*)([0-9]{1,2})([ \\t\\n\\f\\r]*[+-]?[ \\t\\n\\f\\r]*)([0-9]{1,4})$"
        );
        assert_eq!(groups.len(), 5);
    }

    #[test]
    fn the_instants_the_sql_reads_are_those_eval_holds() {
        assert_eq!(LAST_MICROS, jiff::Timestamp::MAX.as_microsecond());
        let first = jiff::civil::date(1, 1, 1)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_microsecond());
        assert_eq!(first.ok(), Some(FIRST_MICROS));
    }
}
