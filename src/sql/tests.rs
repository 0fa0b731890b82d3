use super::*;
use crate::testing::checked;

const SCHEMA: &str = r#"
schema contact {
  id: string
  size: number?
  industry: string?
  signed_up_at: datetime?
  trial_ends: date?
  company: { country: string? }
  events: list of { kind: one of "call", "email"  at: datetime  amount: number? }
}
"#;

fn sql(rules: &str, dialect: Dialect, explain: bool) -> Result<String, Vec<Diagnostic>> {
    translate(rules, dialect, explain, None)
}

/// The rules after [`SCHEMA`] as SQL over `crm.contacts` at 2026-11-22.
fn translate(
    rules: &str,
    dialect: Dialect,
    explain: bool,
    events: Option<EventsTable>,
) -> Result<String, Vec<Diagnostic>> {
    let (sources, checked) = checked(&format!("{SCHEMA}{rules}"));
    let program = crate::compile::compile(&checked);
    if let Some(why) = events.as_ref().and_then(|e| events_problem(&program, e)) {
        panic!("{why}");
    }
    let options = Options {
        dialect,
        table: "crm.contacts".into(),
        view: None,
        as_of: crate::semantics::time::parse_as_of("2026-11-22"),
        explain,
        events,
        mapped: None,
    };
    to_sql(&program, &sources, &options).map_err(|refused| match refused {
        Refused::Rules(errors) => errors,
        Refused::Mapping(refused) => panic!("no mapping, yet refused: {refused:?}"),
    })
}

fn errors(rules: &str, dialect: Dialect) -> Vec<String> {
    match sql(rules, dialect, false) {
        Ok(text) => panic!("translated:\n{text}"),
        Err(errors) => errors
            .iter()
            .map(|d| {
                format!(
                    "{}: {} ({})",
                    d.code.as_str(),
                    d.message,
                    d.label.clone().unwrap_or_default()
                )
            })
            .collect(),
    }
}

const FUNNEL: &str = r#"
let big = size >= 50.5 and company.country in ["DE", "AT"]
let called = any e in events: e.kind == "call" and e.at within 30 days
let spent = sum(e.amount for e in events where e.kind == "email")
classify stage {
  customer when spent > 100 or signed_up_at before 2026-01-01T00:00:00Z
  prospect when big and called
  lead     when count(e in events) > 0 or trial_ends after 2026-11-01
}
classify heat when stage == prospect {
  hot when called
  otherwise cold
}
"#;

#[test]
fn a_rule_set_becomes_one_query_of_levels_in_each_dialect() {
    for (dialect, name) in [
        (Dialect::Postgres, "postgres"),
        (Dialect::DuckDb, "duckdb"),
        (Dialect::Spark, "spark"),
    ] {
        let text = sql(FUNNEL, dialect, true).expect("translates");
        insta::assert_snapshot!(format!("funnel_{name}"), text);
    }
}

#[test]
fn what_no_dialect_computes_exactly_is_an_error_naming_it() {
    for dialect in [Dialect::Postgres, Dialect::DuckDb, Dialect::Spark] {
        assert_eq!(
            errors(
                "let x = industry matches \"x\\\\bins\"\nclassify c { a when x }",
                dialect
            ),
            [format!(
                "Q0401: this `matches` cannot be translated to {} exactly (word boundaries (`\\b`) follow each engine's own idea of a word character)",
                dialect.name()
            )]
        );
        let got = errors(
            "let x = any e in events: e.at + 2 days * size > now\nclassify c { a when x }",
            dialect,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("rounds differently"), "{got:?}");
    }
}

#[test]
fn numbers_are_written_so_that_every_database_reads_the_same_double() {
    for n in [
        0.1,
        50.5,
        1e-300,
        999.999_999_999_999_9,
        2.0_f64.powi(60),
        -3.0,
        1e21,
    ] {
        let text =
            expr::constant(Dialect::DuckDb, &crate::semantics::Value::Number(n)).expect("a number");
        let inner = text
            .trim_start_matches("CAST(")
            .split(" AS ")
            .next()
            .expect("a cast");
        let parsed: f64 = inner.trim_matches('\'').parse().expect("a number literal");
        assert_eq!(parsed.to_bits(), n.to_bits(), "{n} as {text}");
    }
}

#[test]
fn a_rule_set_without_schema_is_refused() {
    let (sources, checked) = {
        let mut sources = crate::source::SourceMap::new();
        sources.add("t.qual", "classify c { a when size > 1 }".to_string());
        let (checked, _) = crate::front_end(&sources, &Default::default());
        (sources, checked.expect("checks, with a warning"))
    };
    let program = crate::compile::compile(&checked);
    let options = Options {
        dialect: Dialect::Postgres,
        table: "contacts".into(),
        view: Some("v".into()),
        as_of: None,
        explain: false,
        events: None,
        mapped: None,
    };
    let Err(Refused::Rules(errors)) = to_sql(&program, &sources, &options) else {
        panic!("a rule set without a schema was translated");
    };
    assert_eq!(errors[0].code, Code::NotSql);
}

#[test]
fn spark_literals_escape_backslashes_and_quotes() {
    assert_eq!(
        expr::string_literal(Dialect::Spark, r"O'Brien \ Sales"),
        r"'O\'Brien \\ Sales'"
    );
    assert_eq!(
        expr::string_literal(Dialect::Postgres, r"O'Brien \ Sales"),
        r"'O''Brien \ Sales'"
    );
}

fn with_events(rules: &str, dialect: Dialect) -> Result<String, Vec<Diagnostic>> {
    let events = EventsTable {
        field: "events".into(),
        table: "crm.activities".into(),
        key: "contact_id".into(),
    };
    translate(rules, dialect, false, Some(events))
}

#[test]
fn an_events_table_is_gathered_into_the_list_each_contact_reads() {
    let rules = "let calls = count(e in events where e.kind == \"call\")\nclassify c {\n  busy when calls >= 2\n  otherwise quiet\n}\n";
    for (dialect, name) in [
        (Dialect::Postgres, "postgres"),
        (Dialect::DuckDb, "duckdb"),
        (Dialect::Spark, "spark"),
    ] {
        let text = with_events(rules, dialect).expect("translates");
        insta::assert_snapshot!(format!("events_table_{name}"), text);
    }
}

#[test]
fn a_sum_over_an_events_table_is_refused_its_rows_have_no_order() {
    let errors = with_events(FUNNEL, Dialect::DuckDb).expect_err("a sum of doubles");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .message
            .contains("`sum` over a list from an events table")
    );
}

#[test]
fn an_events_table_needs_a_list_of_records_the_rules_read() {
    let (_, checked) = checked(&format!("{SCHEMA}classify c {{ a when size > 1 }}"));
    let program = crate::compile::compile(&checked);
    let events = EventsTable {
        field: "events".into(),
        table: "t".into(),
        key: "k".into(),
    };
    let why = events_problem(&program, &events).expect("no list read");
    assert!(why.contains("no list of records named `events`"), "{why}");
}

/// The rules after [`SCHEMA`] as SQL over a table of an export's text cells, read through
/// source `crm` of `mapping` (and, with `events`, the events table through `tasks`).
fn through_mapping(
    rules: &str,
    mapping: &str,
    dialect: Dialect,
    events: bool,
) -> Result<String, Refused> {
    let (sources, checked) = checked(&format!("{SCHEMA}{rules}"));
    let mut files = crate::source::SourceMap::new();
    let file = files.add("qualify.toml", mapping.to_string());
    let parsed = crate::mapping::parse(mapping, file, checked.rules()).expect("a valid mapping");
    let find = |name: &str| parsed.sources.iter().find(|s| s.name == name).cloned();
    let program = crate::compile::compile(&checked);
    let options = Options {
        dialect,
        table: "crm.export".into(),
        view: None,
        as_of: crate::semantics::time::parse_as_of("2026-11-22"),
        explain: false,
        events: events.then(|| EventsTable {
            field: "events".into(),
            table: "crm.tasks".into(),
            key: "contact_id".into(),
        }),
        mapped: Some(Mapped {
            contacts: find("crm").expect("source crm"),
            events: if events { find("tasks") } else { None },
        }),
    };
    to_sql(&program, &sources, &options)
}

const MAPPING: &str = r#"
[source.crm]
missing = ["Select"]
[source.crm.columns]
"Record ID" = "id"
"Employees" = { field = "size", missing = ["-1"] }
"Industry" = { field = "industry", values = { "Fin. Services" = "Finance" }, case = "fold" }
"Signed up" = { field = "signed_up_at", epoch = "milliseconds" }
"Country" = "company.country"

[source.tasks]
activities = "events"
key = "Who"
[source.tasks.columns]
"Type" = { field = "kind", values = { "Call" = "call", "Email" = "email" } }
"When" = "at"
"#;

#[test]
fn a_table_of_an_export_s_cells_is_read_through_the_mapping() {
    let rules = r#"
classify stage {
  customer when size >= 100 and lower(industry) == "finance"
  lead when any e in events: e.kind == "call" and e.at within 30 days
  prospect when signed_up_at within 7 days or company.country == "DE"
}
"#;
    for d in [Dialect::Postgres, Dialect::DuckDb, Dialect::Spark] {
        let text = match through_mapping(rules, MAPPING, d, true) {
            Ok(text) => text,
            Err(e) => panic!("{}: {e:?}", d.name()),
        };
        // the headers are the columns; the fields are read from them in one first step
        for column in [
            "Record ID",
            "Employees",
            "Industry",
            "Signed up",
            "Country",
            "Who",
        ] {
            assert!(
                text.contains(&d.ident(column)),
                "{}: no column {column}",
                d.name()
            );
        }
        assert!(text.contains(&d.ident("_mapped")), "{}", d.name());
        assert!(
            text.contains("'fin. services'"),
            "folded lookup: {}",
            d.name()
        );
        // missing spellings, the column's and the source's
        assert!(text.contains("IN ('Select', '-1')"), "{}", d.name());
        // milliseconds read as decimals, to the microsecond
        assert!(
            text.contains("CAST(1000 AS DECIMAL(12, 0))"),
            "{}",
            d.name()
        );
        // a cell the SQL cannot read stops the query, naming its column
        assert!(
            text.contains("qualify: column `Type` (source `tasks`): not one of the field"),
            "{}",
            d.name()
        );
        // the events' key, trimmed, joins them
        assert!(
            text.contains(&d.ident("qualify trimmed: Who")),
            "{}",
            d.name()
        );
    }
}

#[test]
fn options_the_sql_cannot_read_are_refused_naming_source_and_column() {
    let mapping = r#"
[source.crm]
timezone = "Europe/Berlin"
[source.crm.columns]
"Employees" = { field = "size", range = "low" }
"Industry" = { field = "industry", extract = '^\d+\.(.*)$' }
"Trial" = { field = "trial_ends", format = "%m/%d/%Y %I %p" }
"Signed up" = "signed_up_at"
"#;
    let rules = "classify c { a when size > 1 and industry == \"x\" and trial_ends after 2026-01-01 and signed_up_at is present }\n";
    let refusals = |d: Dialect| match through_mapping(rules, mapping, d, false) {
        Err(Refused::Mapping(r)) => r
            .into_iter()
            .map(|(source, r)| format!("{source} / {}: {}", r.header, r.why))
            .collect::<Vec<_>>(),
        other => panic!("not refused: {other:?}"),
    };
    let duckdb = refusals(Dialect::DuckDb);
    let want = "crm / Trial: `format` is not read in SQL: the directive `%I`";
    assert!(
        duckdb.iter().any(|r| r.starts_with(want)),
        "{want}: {duckdb:?}"
    );
    // a zone of the IANA database: DuckDB reads it as eval does, PostgreSQL does not
    assert!(
        !duckdb.iter().any(|r| r.contains("Signed up")),
        "{duckdb:?}"
    );
    let postgres = refusals(Dialect::Postgres);
    assert!(
        postgres
            .iter()
            .any(|r| r
                .starts_with("crm / Signed up: a time zone of the IANA database in PostgreSQL")),
        "{postgres:?}"
    );
}

#[test]
fn an_instant_before_1970_keeps_its_fraction() {
    let t: Timestamp = "1969-12-31T23:59:59.5Z".parse().expect("an instant");
    assert_eq!(
        expr::timestamp_literal(Dialect::DuckDb, t).as_deref(),
        Ok("TIMESTAMPTZ '1969-12-31 23:59:59.500000+00'")
    );
    let t: Timestamp = "1960-01-01T00:00:00.25Z".parse().expect("an instant");
    assert_eq!(
        expr::timestamp_literal(Dialect::Spark, t).as_deref(),
        Ok("TIMESTAMP '1960-01-01 00:00:00.250000Z'")
    );
}
