//! Mappings (`docs/mappings.md`): how a CRM export's headers and cells become the schema's
//! fields, per source. A mapping is read from TOML and checked against the rule set before
//! any data is read; every mistake in it is a diagnostic located in the mapping file.

pub mod read;

use std::borrow::Cow;
use std::ops::Range;

use regex::Regex;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::check::{RuleSet, Type, ir};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::source::{FileId, Span};
pub use read::{DatePart, RangeEnd, Unit};

/// Every source of a mapping file.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// The sources, in the order written.
    pub sources: Vec<Source>,
}

/// How to read one kind of data file.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its name (`[source.NAME]`), for messages.
    pub name: String,
    /// File-name patterns it reads; empty: every file.
    files: Vec<String>,
    /// CSV: the byte between cells.
    pub delimiter: u8,
    /// Where each contact's id comes from.
    pub id: IdRule,
    /// How cells of columns the mapping does not list are read.
    pub default: Read,
    /// The columns it lists.
    pub columns: Vec<Column>,
    /// For a file of activities: the list of the contact they fill and the key that names
    /// each one's contact (`None`: a file of contacts).
    pub activities: Option<Join>,
}

/// How a file of activities joins its contacts: each row is an element of the contact's
/// list field `list`, the contact named by the row's `key` cell (docs/mappings.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// The list field of the contact (a list of records) the rows become elements of.
    pub list: String,
    /// The header (or JSON key path) whose cell is the contact's id.
    pub key: String,
}

/// Where a contact's id comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdRule {
    /// The column read as the id field.
    Column,
    /// The contact's line in its file.
    Line,
    /// These headers' cells, joined by `|`.
    Cells(Vec<String>),
}

/// One column of a source: its header as written, the field it fills and how its cells
/// are read.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header, exactly as in the file (trimmed).
    pub header: String,
    /// The dotted field path.
    pub field: String,
    /// How its cells are read.
    pub read: Read,
}

/// How the cells of one column are read; the source's defaults are merged in.
#[derive(Debug, Clone, Default)]
pub struct Read {
    /// Cells (trimmed) that mean no value.
    pub missing: Vec<String>,
    /// Spellings of true, lower case.
    pub truths: Vec<String>,
    /// Spellings of false, lower case.
    pub falses: Vec<String>,
    /// Cell as written → value.
    pub values: Vec<(String, String)>,
    /// Whether `values` and `one of` values match ignoring case.
    pub fold_case: bool,
    /// `values` by the cell they replace ([`Read::index_values`]).
    lookup: std::collections::HashMap<String, usize>,
    /// A pattern whose one group is the cell's value.
    pub extract: Option<Regex>,
    /// Which number a range stands for.
    pub range: Option<RangeEnd>,
    /// The date or date-time format (`strftime`).
    pub format: Option<String>,
    /// The zone of times without offset.
    pub timezone: Option<jiff::tz::TimeZone>,
    /// Numbers are times since the epoch in this unit.
    pub epoch: Option<Unit>,
    /// Numbers are durations in this unit.
    pub unit: Option<Unit>,
    /// The text between list elements.
    pub split: Option<String>,
    /// The part of a date this column holds, for a date split over columns.
    pub part: Option<DatePart>,
    /// The year of a date split over columns that has no year column.
    pub year: Option<i16>,
}

impl Read {
    /// Whether the trimmed cell means no value.
    pub fn is_missing(&self, trimmed: &str) -> bool {
        self.missing.iter().any(|m| m == trimmed)
    }

    /// The value `values` gives a cell, if it lists it.
    pub fn mapped<'a>(&'a self, cell: &str) -> Option<&'a str> {
        if self.values.is_empty() {
            return None;
        }
        let at = if self.fold_case {
            self.lookup.get(cell.to_lowercase().as_str())
        } else {
            self.lookup.get(cell)
        };
        at.map(|&i| self.values[i].1.as_str())
    }

    /// Indexes `values` by the cell they replace (lower case when folding case): a cell
    /// is looked up once, not compared with every entry.
    fn index_values(&mut self) {
        self.lookup.clear();
        for (i, (from, _)) in self.values.iter().enumerate() {
            let key = if self.fold_case {
                from.to_lowercase()
            } else {
                from.clone()
            };
            // the first entry for a cell wins, as a scan from the top would
            self.lookup.entry(key).or_insert(i);
        }
    }

    /// A truth spelt as this column allows (`None` when it is not one).
    pub fn truth(&self, trimmed: &str) -> Option<bool> {
        let lower = trimmed.to_lowercase();
        if self.truths.contains(&lower) {
            Some(true)
        } else if self.falses.contains(&lower) {
            Some(false)
        } else {
            None
        }
    }
}

impl Mapping {
    /// The source of contacts that reads a file, by the file's name (`Ok(None)`: no
    /// source does); an error when two do, or when the file is named by a source of
    /// activities (it would be read as contacts).
    pub fn source_for(&self, file: &str) -> Result<Option<&Source>, String> {
        if let Ok(Some(activities)) = self.matching(file, true)
            && activities.files.iter().any(|p| glob(p, &file_name(file)))
        {
            return Err(format!(
                "`{file}` is a file of activities (source `{}` reads it, into `{}`), not of contacts; give it with `--activities {file}` (to `eval`, `explain` or `check --data`)",
                activities.name,
                activities
                    .activities
                    .as_ref()
                    .map_or("", |j| j.list.as_str())
            ));
        }
        self.matching(file, false)
    }

    /// Why a file of contacts that no source reads is read as it is, where the mapping has
    /// sources of contacts (a name the patterns miss, often by letter case, would otherwise
    /// be read silently without the mapping, every mapped column missing).
    pub fn unread_note(&self, file: &str, shown: &str) -> Option<String> {
        if !matches!(self.matching(file, false), Ok(None)) {
            return None;
        }
        let name = file_name(file);
        let sources: Vec<&Source> = self
            .sources
            .iter()
            .filter(|s| s.activities.is_none())
            .collect();
        let patterns = |s: &Source| {
            s.files
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let read_by = sources
            .iter()
            .map(|s| format!("`{}` reads {}", s.name, patterns(s)))
            .collect::<Vec<_>>()
            .join("; ");
        let near = sources.iter().find(|s| {
            s.files
                .iter()
                .any(|p| glob(&p.to_lowercase(), &name.to_lowercase()))
        });
        let near = near.map_or(String::new(), |s| {
            format!(
                "; `{}` matches it but for letter case, and patterns match names exactly",
                s.name
            )
        });
        (!sources.is_empty()).then(|| {
            format!("no source of the mapping reads {shown} ({read_by}{near}), so it is read as it is, its headers taken as the schema's field names")
        })
    }

    /// The source of activities that reads a file (`Ok(None)`: no source does); an error
    /// when two do.
    pub fn activities_for(&self, file: &str) -> Result<Option<&Source>, String> {
        self.matching(file, true)
    }

    /// The source of one kind (of activities, or of contacts) that reads a file.
    fn matching(&self, file: &str, activities: bool) -> Result<Option<&Source>, String> {
        let name = file_name(file);
        let kind = || {
            self.sources
                .iter()
                .filter(move |s| s.activities.is_some() == activities)
        };
        let named: Vec<&Source> = kind()
            .filter(|s| !s.files.is_empty() && s.files.iter().any(|p| glob(p, &name)))
            .collect();
        match named.as_slice() {
            [one] => Ok(Some(one)),
            [first, second, ..] => Err(format!(
                "`{file}` matches the `files` of two sources, `{}` and `{}`; make their patterns exclusive",
                first.name, second.name
            )),
            [] => Ok(kind().find(|s| s.files.is_empty())),
        }
    }
}

/// The last part of a path, which `files` patterns match.
fn file_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
}

/// Whether `name` matches a pattern of `*` (any text) and `?` (one character).
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // the classic two-pointer match: on a mismatch, let the last `*` take one more character
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// The keys of a source table.
const SOURCE_KEYS: &[&str] = &[
    "files",
    "delimiter",
    "id",
    "missing",
    "true",
    "false",
    "timezone",
    "columns",
    "activities",
    "key",
];

/// The keys of a column's table.
const COLUMN_KEYS: &[&str] = &[
    "field", "missing", "true", "false", "values", "case", "extract", "range", "format",
    "timezone", "epoch", "unit", "split", "part", "year",
];

/// Reads the mapping in a TOML text (`file` in the source map) and checks it against the
/// rule set: the mapping, or every problem found in it. Keys other than `source` (such as
/// `lints`) belong to other readers and are left alone.
pub fn parse(text: &str, file: FileId, rules: &RuleSet) -> Result<Mapping, Vec<Diagnostic>> {
    let mut parser = Parser {
        file,
        rules,
        root: ir::ROOT,
        problems: Vec::new(),
    };
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().to_string();
            return Err(vec![parser.diagnostic(
                Code::BadMapping,
                span,
                format!("the mapping is not valid TOML: {message}"),
                "",
            )]);
        }
    };
    let mut mapping = Mapping::default();
    for (key, value) in root.get_ref() {
        if key.get_ref() != "source" {
            continue;
        }
        let Some(sources) = parser.table(value, "`source` is a table of sources: `[source.NAME]`")
        else {
            continue;
        };
        for (name, source) in in_order(sources) {
            if let Some(source) = parser.source(name, source) {
                mapping.sources.push(source);
            }
        }
    }
    for activities in [false, true] {
        let open: Vec<&Source> = mapping
            .sources
            .iter()
            .filter(|s| s.files.is_empty() && s.activities.is_some() == activities)
            .collect();
        let [_, second, ..] = open.as_slice() else {
            continue;
        };
        let span = parser.span_of_source(text, &second.name);
        let problem = parser.diagnostic(
            Code::BadMapping,
            span,
            format!(
                "sources `{}` and `{}` both read every file (neither has `files`)",
                open[0].name, second.name
            ),
            "give each source `files = [\"pattern\", …]`, so that each data file is read one way",
        );
        parser.problems.push(problem);
    }
    if parser.problems.is_empty() {
        Ok(mapping)
    } else {
        Err(parser.problems)
    }
}

/// A column that holds a part of a date: its field, part, `year` and where it is written.
type Parted = (String, Option<DatePart>, Option<i16>, Range<usize>);

/// What reading a mapping file needs along the way.
struct Parser<'r> {
    file: FileId,
    rules: &'r RuleSet,
    /// The record the field paths of the source being read start from: the contact, or
    /// for activities the element of their list.
    root: ir::RecordId,
    problems: Vec<Diagnostic>,
}

type Value<'i> = Spanned<DeValue<'i>>;

impl Parser<'_> {
    fn diagnostic(
        &self,
        code: Code,
        span: Range<usize>,
        message: String,
        help: &str,
    ) -> Diagnostic {
        let d = Diagnostic::new(code, Span::new(self.file, span.start, span.end), message)
            .with_label("here");
        if help.is_empty() {
            d
        } else {
            d.with_help(help)
        }
    }

    fn problem(&mut self, code: Code, span: Range<usize>, message: String, help: &str) {
        let d = self.diagnostic(code, span, message, help);
        self.problems.push(d);
    }

    /// Where `[source.NAME]` is written, for a problem of the whole source.
    fn span_of_source(&self, text: &str, name: &str) -> Range<usize> {
        let header = format!("[source.{name}]");
        match text.find(&header) {
            Some(at) => at..at + header.len(),
            None => 0..0,
        }
    }

    fn table<'v, 'i>(&mut self, value: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.problem(Code::BadMapping, value.span(), what.to_string(), "");
                None
            }
        }
    }

    fn text<'v>(&mut self, value: &'v Value<'_>, key: &str) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => {
                self.problem(
                    Code::BadMapping,
                    value.span(),
                    format!("`{key}` is a text in quotes"),
                    "",
                );
                None
            }
        }
    }

    /// A list of texts (a single text counts as a list of one).
    fn texts(&mut self, value: &Value<'_>, key: &str) -> Option<Vec<String>> {
        match value.get_ref() {
            DeValue::String(s) => Some(vec![s.to_string()]),
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    out.push(self.text(item, key)?.to_string());
                }
                Some(out)
            }
            _ => {
                self.problem(
                    Code::BadMapping,
                    value.span(),
                    format!("`{key}` is a list of texts: `[\"…\", \"…\"]`"),
                    "",
                );
                None
            }
        }
    }

    fn unknown_key(&mut self, key: &Spanned<Cow<'_, str>>, known: &[&str], what: &str) {
        let name = key.get_ref().as_ref();
        let help = match did_you_mean(name, known.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("the keys of {what} are {}", quoted(known)),
        };
        self.problem(
            Code::BadMapping,
            key.span(),
            format!("`{name}` is not a key of {what}"),
            &help,
        );
    }

    fn source(&mut self, name: &Spanned<Cow<'_, str>>, value: &Value<'_>) -> Option<Source> {
        let source_name = name.get_ref().to_string();
        let table = self.table(
            value,
            &format!("`source.{source_name}` is a table: `[source.{source_name}]`"),
        )?;
        let mut source = Source {
            name: source_name.clone(),
            files: Vec::new(),
            delimiter: b',',
            id: IdRule::Column,
            default: Read::default(),
            columns: Vec::new(),
            activities: None,
        };
        let what = format!("a source (`[source.{source_name}]`)");
        let mut columns = None;
        let mut timezone = None;
        let mut spelt = None;
        let (mut list, mut join_key, mut id_span) = (None, None, None);
        for (key, value) in in_order(table) {
            match key.get_ref().as_ref() {
                "files" => source.files = self.texts(value, "files").unwrap_or_default(),
                "delimiter" => {
                    if let Some(d) = self.text(value, "delimiter") {
                        match d {
                            "\t" | "tab" => source.delimiter = b'\t',
                            d if d.len() == 1 && d != "\"" && d != "\n" => {
                                source.delimiter = d.as_bytes()[0];
                            }
                            _ => self.problem(
                                Code::BadMapping,
                                value.span(),
                                format!("`delimiter = \"{d}\"`: a delimiter is one character (not a quote or line break)"),
                                "for example `\";\"`, `\"\\t\"` or `\"|\"`",
                            ),
                        }
                    }
                }
                "id" => {
                    source.id = self.id_rule(value).unwrap_or(IdRule::Column);
                    id_span = Some(value.span());
                }
                "activities" => {
                    list = self
                        .text(value, "activities")
                        .map(|t| (t.to_string(), value.span()))
                }
                "key" => join_key = self.text(value, "key").map(|t| t.trim().to_string()),
                "missing" => {
                    source.default.missing = self.texts(value, "missing").unwrap_or_default();
                }
                "true" => {
                    source.default.truths = lower(self.texts(value, "true").unwrap_or_default());
                    spelt = Some(value.span());
                }
                "false" => {
                    source.default.falses = lower(self.texts(value, "false").unwrap_or_default());
                    spelt = Some(value.span());
                }
                "timezone" => timezone = Some(value),
                "columns" => columns = Some(value),
                _ => self.unknown_key(key, SOURCE_KEYS, &what),
            }
        }
        if let Some(value) = timezone {
            source.default.timezone = self.zone(value);
        }
        self.root = ir::ROOT;
        let whole = name.span();
        match (list, join_key) {
            (Some((list, span)), Some(key)) => {
                if let Some(element) = self.activity_list(&list, span) {
                    self.root = element;
                }
                if let Some(span) = id_span {
                    self.problem(
                        Code::MappingMisfit,
                        span,
                        format!("source `{source_name}` reads activities, whose contacts are named by `key`; `id` makes the ids of contacts"),
                        "drop `id`: an activity's contact is the one whose id is in its `key` column",
                    );
                }
                source.activities = Some(Join { list, key });
            }
            (Some((list, _)), None) => self.problem(
                Code::BadMapping,
                whole,
                format!("source `{source_name}` reads activities into `{list}` but has no `key`"),
                "name the header whose cell is each activity's contact id, e.g. `key = \"WhoId\"`",
            ),
            (None, Some(key)) => self.problem(
                Code::BadMapping,
                whole,
                format!("source `{source_name}` has `key = \"{key}\"` but no `activities`"),
                "a key joins a file of activities to its contacts: add `activities = \"events\"` (the list field they fill), or drop `key`",
            ),
            (None, None) => {}
        }
        source.default.missing = trimmed(source.default.missing);
        source
            .default
            .truths
            .extend(["true", "yes", "1"].map(String::from));
        source
            .default
            .falses
            .extend(["false", "no", "0"].map(String::from));
        let defaults = &source.default;
        if let Some(span) = spelt
            && let Some(both) = defaults.truths.iter().find(|t| defaults.falses.contains(t))
        {
            let both = both.clone();
            self.problem(
                Code::BadMapping,
                span,
                format!("`{both}` is a spelling of both true and false in source `{source_name}` (spellings compare ignoring case)"),
                "keep it in one of the two lists",
            );
            // the columns inherit the spellings: one message is enough
            source.default.falses.retain(|f| *f != both);
        }
        if let Some(value) = columns {
            let table = self.table(
                value,
                &format!("`columns` is a table: `[source.{source_name}.columns]`"),
            )?;
            let mut seen: Vec<(String, Range<usize>)> = Vec::new();
            let mut parted = Vec::new();
            for (header, entry) in in_order(table) {
                let Some(column) = self.column(header, entry, &source.default) else {
                    continue;
                };
                if column.read.part.is_some() {
                    parted.push((
                        column.field.clone(),
                        column.read.part,
                        column.read.year,
                        header.span(),
                    ));
                    source.columns.push(column);
                    continue;
                }
                if let Some((_, first)) = seen.iter().find(|(f, _)| *f == column.field) {
                    let first = first.clone();
                    let message = format!(
                        "two headers are read into `{}`; one of them would be lost",
                        column.field
                    );
                    let d = self
                        .diagnostic(
                            Code::MappingMisfit,
                            header.span(),
                            message,
                            "map each field from one header",
                        )
                        .with_secondary(Span::new(self.file, first.start, first.end), "the first");
                    self.problems.push(d);
                    continue;
                }
                seen.push((column.field.clone(), header.span()));
                source.columns.push(column);
            }
            self.check_parts(&parted, &seen);
            let id_field = self.rules.id_field.as_str();
            if source.activities.is_some() {
                self.root = ir::ROOT;
                return Some(source);
            }
            let to_id = seen
                .iter()
                .find(|(f, _)| f == id_field)
                .map(|(_, s)| s.clone());
            if let (Some(span), IdRule::Line | IdRule::Cells(_)) = (&to_id, &source.id) {
                self.problem(
                    Code::MappingMisfit,
                    span.clone(),
                    format!("a column is read into the id field `{id_field}`, and `id` also makes each id from {}", if source.id == IdRule::Line { "the line" } else { "cells" }),
                    "keep one way to the id: the column, or `id = …`",
                );
            }
            let renamed = source
                .columns
                .iter()
                .find(|c| c.header == id_field && c.field != id_field);
            if let (Some(renamed), None, IdRule::Column) = (renamed, &to_id, &source.id) {
                let span = seen
                    .iter()
                    .find(|(f, _)| *f == renamed.field)
                    .map_or(0..0, |(_, s)| s.clone());
                self.problem(
                    Code::MappingMisfit,
                    span,
                    format!("`{id_field}` is read into `{}`, and nothing is read into the id field `{id_field}`", renamed.field),
                    "map another column to the id field, or make ids with `id = \"line\"` or `id = [\"header\", …]`",
                );
            }
        }
        self.root = ir::ROOT;
        Some(source)
    }

    /// The record of the elements of `list`, the list field a source of activities fills,
    /// or a problem saying why it cannot be filled.
    fn activity_list(&mut self, list: &str, span: Range<usize>) -> Option<ir::RecordId> {
        if !self.rules.has_schema {
            self.problem(
                Code::MappingMisfit,
                span,
                format!("activities are read into `{list}`, but the rules have no schema to say what an activity holds"),
                "declare the list in a `schema contact { … }`, e.g. `events: list of { kind: string, at: datetime }`",
            );
            return None;
        }
        if list.contains('.') {
            self.problem(
                Code::MappingMisfit,
                span,
                format!("`activities = \"{list}\"`: activities fill a list field of the contact itself, not of a nested record"),
                "",
            );
            return None;
        }
        match self.field_type(list, span.clone())? {
            Type::List(element) => match *element {
                Type::Record(record) => Some(record),
                other => {
                    let described = self.describe(&other);
                    self.problem(
                        Code::MappingMisfit,
                        span,
                        format!("`{list}` is a list of {described}, but each activity is a record"),
                        "read activities into a `list of { … }` field",
                    );
                    None
                }
            },
            other => {
                let described = self.describe(&other);
                self.problem(
                    Code::MappingMisfit,
                    span,
                    format!(
                        "`{list}` is {described}, not a list of records that activities could fill"
                    ),
                    "read activities into a `list of { … }` field",
                );
                None
            }
        }
    }

    /// Checks the dates split over columns: each field's parts come from one column each,
    /// a day and a month at least, and a year from a column or `year = …`; no column reads
    /// the field whole beside them.
    fn check_parts(&mut self, parted: &[Parted], whole: &[(String, Range<usize>)]) {
        let mut fields: Vec<&str> = parted.iter().map(|p| p.0.as_str()).collect();
        fields.sort_unstable();
        fields.dedup();
        for field in fields {
            let parts: Vec<_> = parted.iter().filter(|p| p.0 == field).collect();
            let span = parts[0].3.clone();
            if let Some((_, at)) = whole.iter().find(|(f, _)| f == field) {
                self.problem(
                    Code::MappingMisfit,
                    at.clone(),
                    format!("`{field}` is read whole from this column and in parts from others; one of them would be lost"),
                    "read the field from one column, or from its parts only",
                );
                continue;
            }
            for (i, p) in parts.iter().enumerate() {
                if let Some(first) = parts[..i].iter().find(|q| q.1 == p.1) {
                    let d = self
                        .diagnostic(
                            Code::MappingMisfit,
                            p.3.clone(),
                            format!(
                                "two columns hold the {} of `{field}`",
                                p.1.map_or("", DatePart::name)
                            ),
                            "each part of a date comes from one column",
                        )
                        .with_secondary(
                            Span::new(self.file, first.3.start, first.3.end),
                            "the first",
                        );
                    self.problems.push(d);
                }
            }
            let has = |part| parts.iter().any(|p| p.1 == Some(part));
            let years = parts.iter().filter(|p| p.2.is_some()).count();
            let missing: Vec<&str> = [DatePart::Day, DatePart::Month]
                .into_iter()
                .filter(|&p| !has(p))
                .map(DatePart::name)
                .collect();
            if !missing.is_empty() {
                self.problem(
                    Code::MappingMisfit,
                    span.clone(),
                    format!("`{field}` is read in parts, but no column holds its {}", missing.join(" or its ")),
                    "give each of day, month and year a column (`part = \"day\"`), or the year as `year = 2024`",
                );
            } else if !has(DatePart::Year) && years == 0 {
                self.problem(
                    Code::MappingMisfit,
                    span,
                    format!("`{field}` is read in parts, but neither a column nor `year = …` gives its year"),
                    "add the year column (`part = \"year\"`), or the year all its rows are in, e.g. `year = 2024`",
                );
            } else if has(DatePart::Year) && years > 0 || years > 1 {
                self.problem(
                    Code::MappingMisfit,
                    span,
                    format!("`{field}` has its year from more than one place (a year column, or `year = …` on several columns)"),
                    "keep one",
                );
            }
        }
    }

    fn id_rule(&mut self, value: &Value<'_>) -> Option<IdRule> {
        match value.get_ref() {
            DeValue::String(s) if s.as_ref() == "line" => Some(IdRule::Line),
            DeValue::Array(items) if items.is_empty() => {
                self.problem(
                    Code::BadMapping,
                    value.span(),
                    "`id = []` names no header: list the headers whose cells make the id"
                        .to_string(),
                    "",
                );
                None
            }
            DeValue::Array(_) => Some(IdRule::Cells(self.texts(value, "id")?)),
            _ => {
                self.problem(
                    Code::BadMapping,
                    value.span(),
                    "`id` is `\"line\"` (the contact's line in its file) or a list of headers whose cells make the id".to_string(),
                    "",
                );
                None
            }
        }
    }

    fn zone(&mut self, value: &Value<'_>) -> Option<jiff::tz::TimeZone> {
        let name = self.text(value, "timezone")?;
        let zone = read::time_zone(name);
        if zone.is_none() {
            self.problem(
                Code::BadMapping,
                value.span(),
                format!("`{name}` is not a time zone"),
                "an IANA name such as `Europe/Berlin` or `America/New_York`, `UTC`, or an offset such as `+01:00`",
            );
        }
        zone
    }

    fn column(
        &mut self,
        header: &Spanned<Cow<'_, str>>,
        entry: &Value<'_>,
        defaults: &Read,
    ) -> Option<Column> {
        let header_text = header.get_ref().trim().to_string();
        let mut read = defaults.clone();
        let mut field = (header_text.clone(), header.span());
        let mut options: Vec<(&str, Range<usize>)> = Vec::new();
        let table = match entry.get_ref() {
            DeValue::String(path) => {
                field = (path.to_string(), entry.span());
                None
            }
            DeValue::Table(t) => Some(t),
            _ => {
                self.problem(
                    Code::BadMapping,
                    entry.span(),
                    format!("`\"{header_text}\"` maps to a field path in quotes, or to a table of options"),
                    "for example `\"Lead Source\" = \"source\"` or `\"Company Size\" = { field = \"company.size\", range = \"low\" }`",
                );
                return None;
            }
        };
        let what = format!("a column (`\"{header_text}\"`)");
        let mut timezone = None;
        for (key, value) in table.map(in_order).into_iter().flatten() {
            let name = key.get_ref().as_ref();
            match name {
                "field" => field = (self.text(value, "field")?.to_string(), value.span()),
                "missing" => {
                    let more = trimmed(self.texts(value, "missing")?);
                    read.missing.extend(more);
                }
                "true" => {
                    let mut more = lower(self.texts(value, "true")?);
                    more.append(&mut read.truths);
                    read.truths = more;
                    options.push(("true", value.span()));
                }
                "false" => {
                    let mut more = lower(self.texts(value, "false")?);
                    more.append(&mut read.falses);
                    read.falses = more;
                    options.push(("false", value.span()));
                }
                "values" => {
                    let Some(values) = self.table(value, "`values` is a table: `{ \"Label\" = \"value\", … }`") else {
                        continue;
                    };
                    for (from, to) in in_order(values) {
                        if let Some(to) = self.text(to, "values") {
                            read.values.push((from.get_ref().to_string(), to.to_string()));
                        }
                    }
                    options.push(("values", value.span()));
                }
                "case" => match self.text(value, "case")? {
                    "fold" => read.fold_case = true,
                    "exact" => read.fold_case = false,
                    other => self.problem(
                        Code::BadMapping,
                        value.span(),
                        format!("`case = \"{other}\"`: case is `\"fold\"` (ignore letter case) or `\"exact\"`"),
                        "",
                    ),
                },
                "extract" => {
                    let pattern = self.text(value, "extract")?;
                    match Regex::new(pattern) {
                        Ok(re) if re.captures_len() == 2 => read.extract = Some(re),
                        Ok(_) => self.problem(
                            Code::BadMapping,
                            value.span(),
                            format!("`extract` needs exactly one group `( … )` in its pattern: `{pattern}`"),
                            "the group is the part of the cell that is kept, e.g. `'^\\d+\\.(.*)$'` keeps `High` of `01.High`",
                        ),
                        Err(e) => self.problem(
                            Code::BadMapping,
                            value.span(),
                            format!("`{pattern}` is not a valid regular expression: {}", first_line(&e.to_string())),
                            "",
                        ),
                    }
                }
                "range" => {
                    read.range = match self.text(value, "range")? {
                        "low" => Some(RangeEnd::Low),
                        "high" => Some(RangeEnd::High),
                        "middle" => Some(RangeEnd::Middle),
                        other => {
                            self.problem(
                                Code::BadMapping,
                                value.span(),
                                format!("`range = \"{other}\"`: a range is read as its `\"low\"`, `\"high\"` or `\"middle\"` number"),
                                "",
                            );
                            None
                        }
                    };
                    options.push(("range", value.span()));
                }
                "format" => {
                    let format = self.text(value, "format")?;
                    if read::valid_format(format) {
                        read.format = Some(format.to_string());
                    } else {
                        self.problem(
                            Code::BadMapping,
                            value.span(),
                            format!("`{format}` is not a date format (it must name a year, a month and a day)"),
                            "formats use `strftime` directives: `%Y` year, `%m` month, `%d` day, `%H:%M` hours and minutes, e.g. `\"%m/%d/%Y\"`",
                        );
                    }
                    options.push(("format", value.span()));
                }
                "timezone" => {
                    timezone = Some(value);
                    options.push(("timezone", value.span()));
                }
                "epoch" => {
                    read.epoch = match self.text(value, "epoch")? {
                        "seconds" => Some(Unit::Seconds),
                        "milliseconds" => Some(Unit::Milliseconds),
                        other => {
                            self.problem(
                                Code::BadMapping,
                                value.span(),
                                format!("`epoch = \"{other}\"`: times since 1970 are counted in `\"seconds\"` or `\"milliseconds\"`"),
                                "",
                            );
                            None
                        }
                    };
                    options.push(("epoch", value.span()));
                }
                "unit" => {
                    let unit = self.text(value, "unit")?;
                    read.unit = Unit::parse(unit);
                    if read.unit.is_none() {
                        self.problem(
                            Code::BadMapping,
                            value.span(),
                            format!("`unit = \"{unit}\"`: a unit is `\"milliseconds\"`, `\"seconds\"`, `\"minutes\"`, `\"hours\"` or `\"days\"`"),
                            "",
                        );
                    }
                    options.push(("unit", value.span()));
                }
                "split" => {
                    let split = self.text(value, "split")?;
                    if split.is_empty() {
                        self.problem(
                            Code::BadMapping,
                            value.span(),
                            "`split` is the text between list elements, and cannot be empty".to_string(),
                            "",
                        );
                    } else {
                        read.split = Some(split.to_string());
                    }
                    options.push(("split", value.span()));
                }
                "part" => {
                    let part = self.text(value, "part")?;
                    read.part = DatePart::parse(part);
                    if read.part.is_none() {
                        self.problem(
                            Code::BadMapping,
                            value.span(),
                            format!("`part = \"{part}\"`: a part of a date is `\"day\"`, `\"month\"` or `\"year\"`"),
                            "",
                        );
                    }
                    options.push(("part", value.span()));
                }
                "year" => {
                    match value.get_ref() {
                        DeValue::Integer(i) => match i.as_str().parse::<i16>() {
                            Ok(y) if (1..=9999).contains(&y) => read.year = Some(y),
                            _ => self.problem(
                                Code::BadMapping,
                                value.span(),
                                "`year` is a year from 1 to 9999".to_string(),
                                "",
                            ),
                        },
                        _ => self.problem(
                            Code::BadMapping,
                            value.span(),
                            "`year` is a number without quotes, e.g. `year = 2024`".to_string(),
                            "",
                        ),
                    }
                    options.push(("year", value.span()));
                }
                _ => self.unknown_key(key, COLUMN_KEYS, &what),
            }
        }
        if let Some(value) = timezone {
            read.timezone = self.zone(value);
        }
        if read.part.is_none()
            && let Some((_, span)) = options.iter().find(|(o, _)| *o == "year")
        {
            self.problem(
                Code::BadMapping,
                span.clone(),
                format!("`year` gives the year of a date split over columns, but `\"{header_text}\"` has no `part`"),
                "add `part = \"day\"` or `part = \"month\"` to the column whose date has no year column",
            );
        }
        read.index_values();
        let ty = self.field_type(&field.0, field.1.clone())?;
        self.check_fit(&header_text, &field.0, &ty, &read, &options);
        let spelt = options
            .iter()
            .find(|(o, _)| *o == "true" || *o == "false")
            .map(|(_, s)| s.clone());
        if let Some(span) = spelt
            && let Some(both) = read.truths.iter().find(|t| read.falses.contains(t))
        {
            self.problem(
                Code::BadMapping,
                span,
                format!("`{both}` is a spelling of both true and false for `\"{header_text}\"` (spellings compare ignoring case)"),
                "keep it in one of the two lists",
            );
        }
        let element = match &ty {
            Type::List(e) => e.as_ref(),
            other => other,
        };
        if *element == Type::DateTime
            && read.timezone.is_none()
            && let Some((_, span)) = options.iter().find(|(o, _)| *o == "format")
            && read.format.as_deref().is_some_and(|f| {
                !f.contains("%z") && !f.contains("%:z") && !f.contains("%Z") && !f.contains("%s")
            })
        {
            self.problem(
                Code::MappingMisfit,
                span.clone(),
                format!("`\"{header_text}\"` is read as a `datetime` with a format that has no offset, and no `timezone` says where its times are"),
                "add `timezone = \"…\"` to the column or the source (an IANA name such as `Europe/Berlin`, or `UTC`)",
            );
        }
        Some(Column {
            header: header_text,
            field: field.0,
            read,
        })
    }

    /// The schema type of a dotted field path (`Dynamic` without a schema), or a problem
    /// naming the nearest field.
    fn field_type(&mut self, path: &str, span: Range<usize>) -> Option<Type> {
        let rules = self.rules;
        if !rules.has_schema {
            return Some(Type::Dynamic);
        }
        let mut record = &rules.records[self.root];
        let mut ty = Type::Error;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let Some(at) = record.field(part) else {
                let names = record.fields.iter().map(|f| f.name.as_str());
                let help = match did_you_mean(part, names) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => {
                        let all: Vec<&str> =
                            record.fields.iter().map(|f| f.name.as_str()).collect();
                        format!("the fields here are {}", quoted(&all))
                    }
                };
                let within = if record.path.is_empty() {
                    "the schema".to_string()
                } else {
                    format!("`{}`", record.path)
                };
                self.problem(
                    Code::MappingUnknownField,
                    span,
                    format!("`{path}`: {within} has no field `{part}`"),
                    &help,
                );
                return None;
            };
            ty = record.fields[at].ty.clone();
            if i + 1 < parts.len() {
                match &ty {
                    Type::Record(next) => record = &rules.records[*next],
                    _ => {
                        self.problem(
                            Code::MappingUnknownField,
                            span,
                            format!(
                                "`{path}`: `{}` is not a record, so it has no field `{}`",
                                parts[..=i].join("."),
                                parts[i + 1]
                            ),
                            "",
                        );
                        return None;
                    }
                }
            }
        }
        Some(ty)
    }

    /// Reports options that cannot apply to a field of type `ty`.
    fn check_fit(
        &mut self,
        header: &str,
        field: &str,
        ty: &Type,
        read: &Read,
        options: &[(&str, Range<usize>)],
    ) {
        if ty.is_open() {
            // without a schema a field has no type to read a cell as: say so rather than
            // drop the option (`extract` and `values` work on any text)
            for (option, span) in options {
                if !matches!(*option, "values") {
                    self.problem(
                        Code::MappingMisfit,
                        span.clone(),
                        format!("`{option}` reads cells of `\"{header}\"` as a type, but the rules have no schema to give `{field}` one"),
                        "declare the field in a `schema contact { … }`, so the mapping knows what to read the cells as",
                    );
                }
            }
            return;
        }
        let element = match ty {
            Type::List(e) => e.as_ref(),
            other => other,
        };
        let is_list = matches!(ty, Type::List(_));
        let described = self.describe(ty);
        for (option, span) in options {
            let fits = match *option {
                "range" => *element == Type::Number,
                "unit" => *element == Type::Duration,
                "epoch" | "timezone" => *element == Type::DateTime,
                "format" => element.is_time(),
                "true" | "false" => *element == Type::Bool,
                "split" => is_list && !matches!(element, Type::Record(_) | Type::List(_)),
                "part" | "year" => *ty == Type::Date,
                // `values` and `extract` work on the text of any cell
                _ => true,
            };
            if !fits {
                let needs = match *option {
                    "range" => "a `number`",
                    "unit" => "a `duration`",
                    "epoch" | "timezone" => "a `datetime`",
                    "format" => "a `date` or `datetime`",
                    "true" | "false" => "a `bool`",
                    "part" | "year" => "parts of a `date`",
                    _ => "a `list of` text, `one of` values or numbers",
                };
                self.problem(
                    Code::MappingMisfit,
                    span.clone(),
                    format!("`{option}` reads cells of `\"{header}\"` as {needs}, but `{field}` is {described}"),
                    "map the column to a field of that type, or drop the option",
                );
            }
        }
        if let Type::Enum(id) = element {
            let allowed = &self.rules.enums[*id];
            for (from, to) in &read.values {
                let known = allowed
                    .iter()
                    .any(|v| v == to || (read.fold_case && v.to_lowercase() == to.to_lowercase()));
                if !known {
                    let span = options
                        .iter()
                        .find(|(o, _)| *o == "values")
                        .map(|(_, s)| s.clone())
                        .unwrap_or(0..0);
                    let help = match did_you_mean(to, allowed.iter().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("the values of `{field}` are {}", quoted_strings(allowed)),
                    };
                    self.problem(
                        Code::MappingMisfit,
                        span,
                        format!(
                            "`\"{from}\" = \"{to}\"`: `{to}` is not one of the values of `{field}`"
                        ),
                        &help,
                    );
                }
            }
        }
    }

    fn describe(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "a `bool`".into(),
            Type::Number => "a `number`".into(),
            Type::String => "a `string`".into(),
            Type::Enum(_) => "`one of` values".into(),
            Type::Date => "a `date`".into(),
            Type::DateTime => "a `datetime`".into(),
            Type::Duration => "a `duration`".into(),
            Type::List(e) => format!("a list of {}", self.describe(e)),
            Type::Record(_) => "a record".into(),
            _ => "of an open type".into(),
        }
    }
}

/// A table's entries in the order they are written (the parser keeps them sorted by key),
/// so that messages and the first of two columns follow the file.
fn in_order<'t, 'i>(table: &'t DeTable<'i>) -> Vec<(&'t Spanned<Cow<'i, str>>, &'t Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn lower(texts: Vec<String>) -> Vec<String> {
    texts.into_iter().map(|t| t.trim().to_lowercase()).collect()
}

fn trimmed(texts: Vec<String>) -> Vec<String> {
    texts.into_iter().map(|t| t.trim().to_string()).collect()
}

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted_strings(names: &[String]) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    quoted(&names)
}

#[cfg(test)]
mod tests;
