//! The one table of diagnostic codes: stable code, default severity, title and the long
//! explanation that `qualify check --explain CODE` prints.
//!
//! Codes are never reused or renumbered; a retired code keeps its row.
//! `Q00xx`: rule text (syntax, names, types). `Q01xx`: contact data. `Q02xx`: test
//! files. `Q1xxx`: lints, whose explanation is the lint's own documentation.
//!
//! Architecture invariant: this module depends on nothing else in the crate.

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Probably a mistake; fails only under `--deny warnings`.
    Warning,
    /// The rule set or record cannot be used as written.
    Error,
}

impl Severity {
    /// The lowercase word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($(
        $variant:ident = $code:literal, $severity:ident, $title:literal, $explanation:literal;
    )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as printed, e.g. `Q0004`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity a finding with this code has unless configured otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// A short title.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// The long explanation written in this table; empty for lints, whose
            /// documentation lives with the lint (`lint::explanation` gives either).
            pub fn table_explanation(self) -> &'static str {
                match self { $(Code::$variant => $explanation,)* }
            }
        }
    };
}

impl Code {
    /// Looks a code up by its printed form (case-insensitive, e.g. `q0004`).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

codes! {
    Syntax = "Q0001", Error, "syntax error",
r#"The rule text does not follow the grammar of the language. The message says what was
expected at the marked place, in the language's own words.

Example:

    classify stage {
      prospect two_way_contact      # `when` is missing
    }

Use instead:

    classify stage {
      prospect when two_way_contact
    }

A syntax error in one item (a `schema`, `let` or `classify`) does not hide the errors in
the other items: each top-level item is read on its own."#;

    InvalidLiteral = "Q0002", Error, "invalid literal",
r#"A literal has the right shape but not a valid value: a date that does not exist, a
number too large to represent, or an unknown escape in a string.

Example:

    let end_of_quarter = 2026-02-30

Use instead:

    let end_of_quarter = 2026-02-28

Strings know the escapes `\"`, `\\`, `\n` and `\t`."#;

    DuplicateDefinition = "Q0003", Error, "duplicate definition",
r#"Two definitions use the same name. All `.qual` files of a rule set share one namespace,
so a name may be defined only once across all of them; schema fields share it too, and
so do the values of a classification.

Example:

    # funnel.qual
    let fits_persona = company.size >= 50
    # persona.qual
    let fits_persona = seniority in ["vp", "c_level"]

Use instead: keep one definition, or give the second its own name:

    let fits_persona = company.size >= 50 and senior_buyer
    let senior_buyer = seniority in ["vp", "c_level"]"#;

    UnknownName = "Q0004", Error, "unknown name",
r#"A name is used that no `let`, `classify`, schema field or quantifier variable defines.
When a defined name is close, the help suggests it.

Example:

    let ready = fits_persna and able_to_buy

Use instead:

    let ready = fits_persona and able_to_buy"#;

    Cycle = "Q0005", Error, "definitions depend on each other in a cycle",
r#"A `let` or `classify` depends, directly or through others, on itself. Every definition
must be computable from the contact's data, so the dependencies must form no cycle. The
message names the whole cycle.

Example:

    let engaged = warm_lead or clicked
    let warm_lead = engaged and fits_persona

Use instead: define one in terms of the data, not of the other:

    let engaged = clicked or replied
    let warm_lead = engaged and fits_persona"#;

    TypeMismatch = "Q0006", Error, "type mismatch",
r#"An operator or function gets a value of a type it does not work on, such as a number
compared with a string, or arithmetic on a date.

Example:

    let big_company = company.size >= "50"

Use instead:

    let big_company = company.size >= 50"#;

    UnknownField = "Q0007", Error, "unknown field",
r#"A field path is not declared in the schema. Fields are checked against the schema
before anything runs, so a typo cannot silently make a condition unknown on every
contact. When a declared field is close, the help suggests it.

Example:

    let big_company = compnay.size >= 50

Use instead:

    let big_company = company.size >= 50

If the field really exists in your data, declare it in the schema."#;

    UnknownEnumValue = "Q0008", Error, "unknown enumeration value",
r#"A string is compared with a field declared as `one of …`, or a name is compared with
a classification, but the value is not one it can have. Such a comparison could never
be true.

Example:

    schema contact { id: string, seniority: one of "ic", "manager", "director" }
    let senior = seniority == "directr"

Use instead:

    let senior = seniority == "director""#;

    InvalidRegex = "Q0009", Error, "invalid regular expression",
r#"The pattern after `matches` is not a valid regular expression. Patterns use the
syntax of Rust's `regex` crate, which runs in time linear in the text (no backreferences
or look-around).

Example:

    let work_email = email matches "@(gmail|yahoo"

Use instead:

    let work_email = email matches "@(gmail|yahoo)""#;

    NotACondition = "Q0010", Error, "condition is not true or false",
r#"A `classify` row or guard must be a condition (true, false or unknown), but the
expression has another type.

Example:

    classify stage {
      customer when purchase_count
    }

Use instead:

    classify stage {
      customer when purchase_count > 0
    }"#;

    UnknownType = "Q0011", Error, "unknown type",
r#"A schema field has a type the language does not know. The types are `string`,
`number`, `bool`, `date`, `datetime`, `duration`, `one of "a", "b"`, `list of TYPE` and
nested records `{ … }`.

Example:

    schema contact { id: string, size: integer }

Use instead:

    schema contact { id: string, size: number }"#;

    NoSchema = "Q0012", Warning, "no schema: fields are checked only at run time",
r#"The rule set has no `schema`, so field names and types cannot be checked before a
run: a typo in a field name makes its conditions unknown on every contact instead of
failing the check. Values are still type-checked per contact at run time.

Example:

    let fits_persona = company.size >= 50

Use instead: declare the fields the rules read:

    schema contact {
      id: string
      company: { size: number? }
    }
    let fits_persona = company.size >= 50"#;

    MultipleSchemas = "Q0013", Error, "more than one schema",
r#"A rule set describes one kind of record, so it has at most one `schema`.

Example:

    schema contact { id: string }
    schema lead { id: string }

Use instead: merge the fields into one schema."#;

    BadCall = "Q0014", Error, "unknown function or wrong arguments",
r#"A function is called that does not exist, or with the wrong number of arguments.
The functions are `lower(TEXT)`, `days_since(DATE_OR_DATETIME)` and `abs(NUMBER)`;
`contains`, `starts_with`, `ends_with`, `matches`, `within`, `before` and `after` are
written between their operands.

Example:

    let recent = days_since(last_touch, now) < 30

Use instead:

    let recent = days_since(last_touch) < 30"#;

    ValueMisused = "Q0015", Error, "classification value used in a way that cannot work",
r#"The values a classification assigns are names, not conditions; they can be compared
with the classification (`stage == prospect`) but not used on their own, and a value
must not reuse the name of a `let`, a classification or a schema field.

Example:

    let ready = prospect and hot_lead

Use instead:

    let ready = stage == prospect and temperature == hot"#;

    NotAList = "Q0016", Error, "not a list",
r#"`any`, `all`, `count`, `sum`, `min`, `max` and `in` range over a list, but the
expression is not one.

Example:

    let engaged = any e in company: e.kind == "call"

Use instead:

    let engaged = any e in events: e.kind == "call""#;

    MissingId = "Q0017", Error, "schema lacks the id field",
r#"Every contact is named by its id in every output and error, so a schema declares the
id field (`id` unless `--id-field` names another) as a required `string` or `number`.

Example:

    schema contact { email: string }

Use instead:

    schema contact {
      id: string
      email: string
    }"#;

    ChainTooDeep = "Q0018", Error, "definitions chain too deep",
r#"A `let` or `classify` is defined through a chain of more than 1,000 other definitions,
each using the next (`x1000` uses `x999`, which uses `x998`, …). Every stage of qualify
follows such chains one step at a time, so their length is bounded like the nesting of
brackets; the message names the chain. Rule sets written by hand stay far below it; a
generated one can combine the steps into fewer definitions.

Example:

    let x0 = score > 0
    let x1 = x0 and score > 1
    let x2 = x1 and score > 2
    # … and so on, to
    let x1001 = x1000 and score > 1001

Use instead:

    let x1001 = score > 1001"#;

    MalformedJson = "Q0101", Error, "malformed JSON",
r#"A contact file in JSON or JSON Lines could not be parsed. The message names the file,
line and column. With JSON Lines, the other lines are still classified. In a JSON array,
the other elements are still classified when the array's structure (brackets, braces and
quotes) is intact; when it is not, reading stops there and the summary says so.

Example (JSON Lines):

    {"id": "c1", "seniority": "vp"}
    {"id": "c2", "seniority": "vp"

Use instead: close every object and string; one contact per line."#;

    MalformedCsv = "Q0102", Error, "malformed CSV",
r#"A CSV contact file could not be read: a row has a different number of cells from the
header, a quote is not closed, or a list cell does not hold valid JSON.

Example:

    id,company.size,events
    c1,120,"[{""kind"": ""call"""

Use instead: quote cells that contain commas or quotes, double the quotes inside, and
write list cells as JSON arrays."#;

    WrongType = "Q0103", Error, "value of the wrong type",
r#"A contact's value does not have the type the schema declares, e.g. text where a
number is expected. The record is reported with its file, line, id and field path and is
not classified: a wrong value never silently becomes missing.

Example (schema says `company: { size: number? }`):

    {"id": "c1", "company": {"size": "about fifty"}}

Use instead:

    {"id": "c1", "company": {"size": 50}}

To say that a value is not known, leave the key out, write `null`, or leave the CSV cell
empty."#;

    BadEnumValue = "Q0104", Error, "value not allowed by the schema",
r#"A contact's value is not one of the values the schema lists for the field.

Example (schema says `seniority: one of "ic", "manager", "director", "vp", "c_level"?`):

    {"id": "c1", "seniority": "VP"}

Use instead:

    {"id": "c1", "seniority": "vp"}

If the value is legitimate, add it to the schema's `one of` list."#;

    MissingContactId = "Q0105", Error, "contact has no id",
r#"A contact has no value for the id field (`id` unless `--id-field` names another), so
its results could not be told apart from others. The record is reported by file and line
and not classified.

Example:

    {"name": "Ada", "seniority": "vp"}

Use instead:

    {"id": "c17", "name": "Ada", "seniority": "vp"}"#;

    RuntimeType = "Q0106", Error, "value cannot be used by a rule",
r#"Without a schema, fields are typed per contact at run time. A rule used a value in a
way its type does not allow, e.g. compared text with a number. The record is reported
and not classified.

Example (no schema):

    let big_company = company.size >= 50
    {"id": "c1", "company": {"size": "large"}}

Use instead: fix the value, or declare a schema so such data is rejected with a clear
error when it is read."#;

    MissingRequired = "Q0107", Error, "required field is missing",
r#"A field the schema declares without `?` is absent, `null` or empty in a contact. The
record is reported and not classified. Only fields that some rule reads are checked.

Example (schema says `events: list of { kind: …, at: datetime }`):

    {"id": "c1", "events": [{"kind": "call"}]}

Use instead: give the value, or mark the field optional in the schema when contacts may
lack it:

    events: list of { kind: …, at: datetime? }"#;

    UnreadableData = "Q0108", Error, "data file cannot be read further",
r#"Reading a contact file or standard input failed part way (a disk or network error, a
file that changed or vanished while it was read). The contacts before that point were
classified; the rest of the file was not read, and the summary says so.

Example:

    error[Q0108]: contacts.jsonl:48211: the file could not be read further: Input/output error

Use instead: read the file again once it is whole (copy it locally first when it comes
from a network drive)."#;

    NoActivityKey = "Q0109", Error, "activities file has no key column",
r#"A file of activities (`--activities FILE`) is read through a mapping source with
`activities = "LIST"` and `key = "HEADER"`: each row becomes an element of the contact's
list, and the row's `HEADER` cell says which contact it belongs to. This file has no such
column, so no activity could be given to its contact, and no contact is classified.

Example (`qualify.toml`):

    [source.salesforce_tasks]
    files = ["tasks*.csv"]
    activities = "events"
    key = "WhoId"

and a `tasks.csv` whose header is `Id,Who Id,Subject,ActivityDate`.

Use instead: `key = "Who Id"`, the header exactly as the file writes it (case included),
or re-export the file with the column the mapping names."#;

    MalformedTestFile = "Q0201", Error, "malformed test file",
r#"A test file (`*.yaml` under the rule set's directory) is not valid YAML or does not
have the expected shape. A test file holds an optional default `as_of` and a list of
`cases`; each case has a `name`, an optional `as_of`, the `contact` inline (or `from: FILE`
with `id:`), and `expect:` naming the classifications it asserts.

Example:

    cases:
      - name: conference meeting makes a prospect
        contact: {id: t1}
        expekt: {stage: prospect}

Use instead:

    as_of: 2026-11-22
    cases:
      - name: conference meeting makes a prospect
        contact: {id: t1}
        expect: {stage: prospect}"#;

    MissingAsOf = "Q0202", Error, "test case without `as_of`",
r#"A test case must pin the evaluation instant, so that it gives the same result today
and next year: rules such as `e.at within 30 days` depend on `now`. Set `as_of` once at the
top of the file, or on the case.

Example:

    cases:
      - name: recent call is hot
        contact: {id: t1, urgency: now}
        expect: {temperature: hot}

Use instead:

    as_of: 2026-11-22
    cases:
      - name: recent call is hot
        contact: {id: t1, urgency: now}
        expect: {temperature: hot}"#;

    UnknownExpectation = "Q0203", Error, "expectation names no classification or value",
r#"`expect:` names a classification the rules do not define, or a value the
classification cannot take. `none` means that no row matched.

Example:

    expect: {stage: prospekt}

Use instead:

    expect: {stage: prospect}"#;

    TestContactNotFound = "Q0204", Error, "test contact not found",
r#"A case reads its contact `from:` a data file, but the file cannot be read or has no
contact with the given `id`. The path is relative to the test file.

Example:

    - name: example lead
      from: ../examples/contacts.jsonl
      id: c99

Use instead: name an id that exists in the file, or write the contact inline."#;

    BadTestContact = "Q0205", Error, "test contact does not fit the schema",
r#"A case's contact has a value the schema does not allow (wrong type, unknown enum value,
missing required field, no id). The message names the field.

Example (schema says `company: { size: number? }`):

    contact: {id: t1, company: {size: fifty}}

Use instead:

    contact: {id: t1, company: {size: 50}}"#;

    BadMapping = "Q0301", Error, "mapping file is not valid",
r#"A mapping (`[source.NAME]` in `qualify.toml`, or the file given with `--mapping`) says how
to read a CRM export's headers and cells. It is checked before any data is read; this code
is a mistake in its form: TOML that does not parse, a key the mapping does not have, a
value of the wrong kind, or an invalid pattern, date format, time zone or delimiter. The
message points at the place in the mapping file. `docs/mappings.md` lists every key.

Example:

    [source.crm.columns]
    "Created" = { field = "created_at", fromat = "%m/%d/%Y" }

Use instead:

    [source.crm.columns]
    "Created" = { field = "created_at", format = "%m/%d/%Y" }"#;

    MappingUnknownField = "Q0302", Error, "mapping names a field the schema lacks",
r#"A mapping reads a column into a field path that the schema does not declare. The help
names the nearest field.

Example:

    schema contact { id: string, source: string? }
    # qualify.toml
    [source.crm.columns]
    "Lead Source" = "lead_source"

Use instead:

    [source.crm.columns]
    "Lead Source" = "source""#;

    MappingMisfit = "Q0303", Error, "mapping does not fit the field",
r#"A mapping reads a column in a way its field's type cannot take: `range` into a field that
is not a number, `unit` into one that is not a duration, `format` into one that is not a
date or datetime, `split` into one that is not a list, a `values` target that is not one
of the field's `one of` values, or two headers into one field.

Example:

    schema contact { id: string, company_size: string? }
    # qualify.toml
    [source.crm.columns]
    "Company Size" = { field = "company_size", range = "low" }

Use instead: declare `company_size: number?` in the schema, so that `200-499` is read as 200."#;

    NotSql = "Q0401", Error, "cannot be translated to SQL exactly",
r#"`qualify sql` writes the rule set as one SQL query that must classify every contact
exactly as `qualify eval` does. Where a construct has no exact equivalent in the chosen
database, it stops with this error, naming the construct, rather than write SQL whose
results could differ: word boundaries (`\b`) and line anchors (`(?m)`) in a `matches`
pattern, whose meaning differs between engines; a duration multiplied or divided by a
number, which databases round differently; a `sum` over a list read from an events table,
whose rows have no order; durations stored inside JSON (PostgreSQL) or read from a table
(Spark); instants finer than a microsecond; and rule sets without a schema, whose columns
would have no types.

Example:

    let sales_title = role matches "\\bsales\\b"

Use instead: a pattern without word boundaries, which every database reads alike:

    let sales_title = role matches "(^|[^a-z])sales([^a-z]|$)""#;

    LintGaveUp = "Q1000", Info, "a lint stopped at its work budget",
r#"A lint that must try many cases (today `unreachable-row`) stops when a rule set would take
it too long, and says where: the rows from there on were not checked. Nothing is claimed
about them, so this note never fails a run, whatever the lint's level.

Example:

    classify stage {
      v1 when a and n == 1
      v2 when a and n == 2
      # … thousands of rows that share `a`
    }

Use instead: split the classification, or move the criteria the rows share into `let`s."#;

    UnreachableRow = "Q1001", Warning, "row can never decide a value", "";
    Contradiction = "Q1002", Warning, "condition can never be true", "";
    Tautology = "Q1003", Warning, "condition is always true", "";
    RedundantCondition = "Q1004", Warning, "redundant condition", "";
    UnusedLet = "Q1005", Warning, "unused `let`", "";
    UnusedField = "Q1006", Info, "schema field no rule reads", "";
    UnknownProneNegation = "Q1007", Warning, "`not` over a condition on an optional field", "";
    DuplicateListValue = "Q1008", Warning, "value listed twice", "";
    ShadowedVariable = "Q1009", Warning, "variable hides another name", "";
    MissingOtherwise = "Q1010", Info, "rows do not cover every contact", "";
    NonSnakeCase = "Q1011", Warning, "name is not snake_case", "";
    NoClassification = "Q1012", Warning, "the rule set classifies nothing", "";

    DataFieldAbsent = "Q1101", Warning, "a field the rules read is never in the data",
r#"`qualify check --data FILE` found no record with this field, so every condition on it is
unknown for every contact. Usually the export names the column otherwise: map it in
`qualify.toml` (`docs/mappings.md`).

Example: the rules read `company.size`, the export's column is `Company Size`.

Use instead:

    [source.crm.columns]
    "Company Size" = "company.size""#;

    DataFieldMissing = "Q1102", Info, "a field the rules read is missing in part of the data",
r#"`qualify check --data FILE` found the field missing in some of the records that could
hold it; conditions on it are unknown for those contacts, so they may get a lower stage
than they deserve. A note when some records lack it; a warning when more than half do.

Example: `seniority` is empty in 28 of 1,000 rows, so `fits_persona` is unknown for them.

Use instead: fill the field in the CRM, or give a default where one is right:
`budget_eur ?? 0 >= 10_000`."#;

    DataUnknownValue = "Q1103", Warning, "the data holds a value the schema does not know",
r#"`qualify check --data FILE` found a value of a `one of` field that the schema does not
list; each such record is an error of `eval`. The message counts them and names the first
line; the help names the nearest allowed value.

Example: `source: one of "google", "referral"?` and the export writes `Google`.

Use instead: `case = "fold"` or `values = { "Google Ads" = "google" }` in the mapping, or
add the value to the schema."#;

    DataValueNeverOccurs = "Q1104", Warning, "a value the rules test never occurs in the data",
r#"`qualify check --data FILE` found no record holding a value that a rule compares a `one
of` field with: the condition is never true on this data. The export may spell it
otherwise, or the sample may have none.

Example: `when stage == "mql"` and the export's values are `marketingqualifiedlead`.

Use instead: map the export's value with `values` in `qualify.toml`."#;

    DataRowNeverDecides = "Q1105", Warning, "a row decides no contact of the data",
r#"`qualify check --data FILE` classified the data and no contact got its value from this
row: its condition is never the first true one. It may test fields or values the data lacks
(see the other findings), or the rows above take every contact it would match.

Example: `customer when bought_premium`, and no record has `purchases`.

Use instead: fix what the other findings name, then check again."#;

    DataNotContacts = "Q1106", Warning, "a data file does not look like contacts",
r#"`qualify check --data FILE` read a file that holds no records, or in which no record has
any field the rules read besides the id: it is probably another export, or its columns are
named otherwise.

Example: an activities export passed as contacts.

Use instead: pass the contacts export, or map its columns in `qualify.toml`."#;

    DataUnreadable = "Q1107", Warning, "records of the data cannot be read",
r#"`qualify check --data FILE` found records that `qualify eval` cannot read or classify: a
cell that is not of its field's type, a date in another format than the mapping's, a
malformed line. One finding per reason and column, with the count and the first record's
file, line and column; the other findings count only the records that could be read.

Example: the mapping reads `Create Date` with `format = "%m/%d/%Y"`, and a row holds
`2026-11-20 7:45pm`.

Use instead: fix the export, or the mapping's options for that column (`docs/mappings.md`)."#;

    DataActivitiesOrphaned = "Q1108", Warning, "most activities join no contact of the data",
r#"`qualify check --data FILE --activities FILE` joined the activities to the contacts and
more than half of them named no contact read, or had no key at all: the mapping's `key`
is probably another column (the account, the activity's own id), a key path spelt
otherwise than the file's, or the activities export is of other contacts. Orphans are
not counted under `--sample` when the sample left contacts unread.

Example: `key = "AccountId"` where each Task names its lead in `WhoId`.

Use instead:

    [source.tasks]
    activities = "tasks"
    key = "WhoId""#;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} used twice");
            assert!(text.len() == 5 && text.starts_with('Q'), "{text}");
            assert!(
                !code.title().ends_with('.'),
                "{text} title ends with a period"
            );
        }
    }

    #[test]
    fn parse_accepts_any_case() {
        assert_eq!(Code::parse("q0004"), Some(Code::UnknownName));
        assert_eq!(Code::parse("Q9999"), None);
    }
}
