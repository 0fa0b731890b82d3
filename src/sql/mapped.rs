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
use crate::mapping::{IdRule, RangeEnd, Read, Source, Unit};

/// Unicode's white space, what `str::trim` removes, as the characters of a bracket
/// expression.
const WHITE_SPACE: &str = "\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

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
                self.refuse(
                    "(id = \"line\")",
                    "a table's rows have no line: give the source an id column, or `id = [HEADER, …]`",
                );
                "NULL".into()
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
                let joined = parts.join(" || '|' || ");
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

    /// One cell read as a field of type `ty` (`data::csv::mapped_cell`).
    fn cell(&mut self, header: &str, read: &Read, ty: &PlanType) -> String {
        let d = self.d;
        for (set, option) in [
            (read.format.is_some(), "format"),
            (read.part.is_some(), "part"),
        ] {
            if set {
                self.refuse(header, &format!("`{option}` is not read in SQL"));
                return "NULL".into();
            }
        }
        let c = d.ident(header);
        let t = self.trimmed(header);
        let mut missing = format!("{c} IS NULL OR {c} = ''");
        if !read.missing.is_empty() {
            let tokens: Vec<String> = read.missing.iter().map(|m| string_literal(d, m)).collect();
            missing.push_str(&format!(" OR {t} IN ({})", tokens.join(", ")));
        }
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
        let key = if read.fold_case { lowered } else { t };
        let mapped = |unlisted: &str, to_text: &dyn Fn(&str) -> String| -> String {
            if read.values.is_empty() {
                return unlisted.to_string();
            }
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
    /// as Rust reads a float, white space, a multiplier.
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
                "{start}[{space}]*[$\u{20ac}\u{a3}]?[{space}]*([0-9]+(?:[.][0-9]*)?(?:[eE][+-]?[0-9]+)?)[{space}]*([kKmMbB]?)[{space}]*{end}"
            ),
        );
        let group = |n: usize| match d {
            Dialect::Postgres => format!("(regexp_match({x}, {pattern}))[{n}]"),
            _ => format!("regexp_extract({x}, {pattern}, {n})"),
        };
        let (digits, unit) = (group(1), group(2));
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

/// Where the CSV text `input` is written so that a database's CSV reader could read its
/// cells otherwise than `qualify eval` does: `(line, what)`. DuckDB's `read_csv`, for
/// one, drops a space before an opening quote and after a closing one, which the CSV
/// reader of `eval` keeps as text; a carriage return alone ends a line for some readers
/// and not for others. A file in RFC 4180's shape (a quoted cell quoted from its first
/// character to its last, quotes inside doubled, lines ending in LF or CRLF) is read
/// alike by all.
pub fn uneven_csv(
    input: impl std::io::BufRead,
    delimiter: u8,
) -> std::io::Result<Option<(usize, &'static str)>> {
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
        AfterCr,
    }
    let mut input = input;
    let (mut at, mut line, mut first) = (At::Start, 1usize, true);
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
            at = match (at, b) {
                (At::AfterCr, b'\n') => {
                    line += 1;
                    At::Start
                }
                (At::AfterCr, _) => {
                    return Ok(Some((line, "a line ends in a carriage return alone")));
                }
                (At::Start | At::Unquoted | At::QuoteInQuoted, b'\r') => At::AfterCr,
                (At::Start | At::Unquoted | At::QuoteInQuoted, b'\n') => {
                    line += 1;
                    At::Start
                }
                (At::Start | At::Unquoted | At::QuoteInQuoted, b) if b == delimiter => At::Start,
                (At::Start, b'"') => At::Quoted,
                (At::Unquoted, b'"') => {
                    return Ok(Some((
                        line,
                        "a quote inside a cell that does not begin with it (a space before an opening quote?)",
                    )));
                }
                (At::Start | At::Unquoted, _) => At::Unquoted,
                (At::Quoted, b'"') => At::QuoteInQuoted,
                (At::Quoted, b'\n') => {
                    line += 1;
                    At::Quoted
                }
                (At::Quoted, _) => At::Quoted,
                (At::QuoteInQuoted, b'"') => At::Quoted,
                (At::QuoteInQuoted, _) => {
                    return Ok(Some((line, "text after the closing quote of a cell")));
                }
            };
        }
        let n = buf.len();
        input.consume(n);
    }
    Ok(match at {
        At::Quoted => Some((line, "a quote that is never closed")),
        At::AfterCr => Some((line, "a line ends in a carriage return alone")),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_that_databases_read_otherwise_is_found() {
        let check = |text: &str| uneven_csv(text.as_bytes(), b',').ok().flatten();
        for clean in [
            "ID,T\nx,\"a b\"\n",
            "ID,T\r\nx,\"a \"\"b\"\"\"\r\ny,\"two\nlines\"\r\n",
            "\u{feff}\"ID\",T\nx,,\n",
        ] {
            assert_eq!(check(clean), None, "{clean:?}");
        }
        assert_eq!(check("ID,T\nx, \"a b\"\n").map(|p| p.0), Some(2));
        assert!(
            check("ID,T\nx,\"a b\" \n").is_some_and(|p| p.1.contains("after the closing quote"))
        );
        assert!(check("ID,T\rx,a\r").is_some_and(|p| p.1.contains("carriage return")));
        assert!(check("ID,T\nx,\"a b\n").is_some_and(|p| p.1.contains("never closed")));
        assert!(check("ID,T\nx,a\"b\n").is_some_and(|p| p.1.contains("does not begin")));
        assert_eq!(
            uneven_csv("ID;T\nx;\"a;b\"\n".as_bytes(), b';')
                .ok()
                .flatten(),
            None
        );
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
