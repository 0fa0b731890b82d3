use super::*;
use crate::check::CheckOptions;
use crate::source::SourceMap;

const SCHEMA: &str = "schema contact {
  id: string
  source: one of \"google\", \"referral\", \"event\"?
  company: { size: number?, name: string? }?
  signed_up_at: datetime?
  subscribed: bool?
  time_in_lead: duration?
  tags: list of string?
  events: list of { kind: one of \"call\", \"email\", minutes: duration? }?
  joined: date?
}
classify k {
  a when company.size >= 100
  otherwise b
}
";

/// Parses `toml` against `SCHEMA`: the mapping, or the problems' messages and helps.
fn parse_with(toml: &str) -> Result<Mapping, Vec<String>> {
    let mut sources = SourceMap::new();
    sources.add("rules.qual", SCHEMA);
    let (checked, diagnostics) = crate::front_end(&sources, &CheckOptions::default());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let checked = checked.expect("the schema checks");
    let file = sources.add("qualify.toml", toml);
    parse(toml, file, checked.rules()).map_err(|problems| {
        problems
            .iter()
            .map(|d| {
                let help = d.help.clone().unwrap_or_default();
                let at = &toml[d.span.start as usize..d.span.end as usize];
                format!("{}: {} [{at}] {help}", d.code.as_str(), d.message)
            })
            .collect()
    })
}

#[test]
fn a_full_source_reads() {
    let mapping = parse_with(
        r#"
[lints]
unused-let = "allow"

[source.crm]
files = ["leads_*.csv", "export?.csv"]
delimiter = ";"
id = ["Email", "Company"]
missing = ["N/A", " Select "]
true = ["Y"]
false = ["N"]
timezone = "Europe/Berlin"

[source.crm.columns]
"Lead Source" = { field = "source", values = { "Google Ads" = "google" }, case = "fold" }
"Company Size" = { field = "company.size", range = "low", missing = ["-1"] }
"Created" = { field = "signed_up_at", format = "%m/%d/%Y %H:%M" }
"Time in lead (ms)" = { field = "time_in_lead", unit = "milliseconds" }
"Tags" = { field = "tags", split = ";" }
"Opted in" = { field = "subscribed", true = ["ja"] }
"#,
    )
    .expect("a valid mapping");
    let [source] = mapping.sources.as_slice() else {
        panic!("one source");
    };
    assert_eq!(source.name, "crm");
    assert_eq!(source.delimiter, b';');
    assert_eq!(
        source.id,
        IdRule::Cells(vec!["Email".into(), "Company".into()])
    );
    assert_eq!(source.default.missing, ["N/A", "Select"]);
    assert_eq!(source.columns.len(), 6);
    let size = &source.columns[1];
    assert_eq!(
        (size.header.as_str(), size.field.as_str()),
        ("Company Size", "company.size")
    );
    assert_eq!(size.read.range, Some(RangeEnd::Low));
    assert!(size.read.is_missing("-1") && size.read.is_missing("N/A"));
    assert!(source.columns[0].read.fold_case);
    assert_eq!(source.columns[0].read.mapped("google ads"), Some("google"));
    assert_eq!(source.columns[5].read.truth("JA"), Some(true));
    assert_eq!(source.columns[5].read.truth("y"), Some(true));
    assert_eq!(source.columns[5].read.truth("no"), Some(false));
    assert!(
        source.columns[2].read.timezone.is_some(),
        "the source's zone"
    );
    assert!(matches!(
        mapping.source_for("in/leads_2024.csv"),
        Ok(Some(_))
    ));
    assert!(matches!(mapping.source_for("export1.csv"), Ok(Some(_))));
    assert!(matches!(mapping.source_for("export12.csv"), Ok(None)));
}

#[test]
fn mistakes_are_located_with_help() {
    let problems = parse_with(
        r#"
[source.crm]
fles = ["*.csv"]
delimiter = ";;"
timezone = "Mars/Base"
id = "row"

[source.crm.columns]
"Lead Source" = { field = "sorce" }
"Company Size" = { field = "company.size", range = "lowest" }
"Company Name" = { field = "company.name", range = "low" }
"Created" = { field = "signed_up_at", format = "%Q", fromat = "x" }
"Kind" = { field = "source", values = { "Google" = "gogle" } }
"Origin" = { field = "source" }
"Pattern" = { field = "company.name", extract = "(a" }
"Groups" = { field = "company.name", extract = "a" }
"Deep" = "company.size.value"
"#,
    )
    .expect_err("a mapping with mistakes");
    let expected = [
        "Q0301: `fles` is not a key of a source (`[source.crm]`) [fles] did you mean `files`?",
        "Q0301: `delimiter = \";;\"`: a delimiter is one character (not a quote or line break) [\";;\"] for example `\";\"`, `\"\\t\"` or `\"|\"`",
        "Q0301: `id` is `\"line\"` (the contact's line in its file) or a list of headers whose cells make the id [\"row\"] ",
    ];
    assert_eq!(problems[..3], expected, "{problems:#?}");
    let rest = problems[3..].join("\n");
    for wanted in [
        "Q0302: `sorce`: the schema has no field `sorce` [\"sorce\"] did you mean `source`?",
        "Q0301: `range = \"lowest\"`",
        "Q0303: `range` reads cells of `\"Company Name\"` as a `number`, but `company.name` is a `string`",
        "Q0301: `%Q` is not a date format",
        "Q0301: `fromat` is not a key of a column (`\"Created\"`) [fromat] did you mean `format`?",
        "Q0303: `\"Google\" = \"gogle\"`: `gogle` is not one of the values of `source`",
        "did you mean `google`?",
        "Q0303: two headers are read into `source`; one of them would be lost [\"Origin\"]",
        "Q0301: `(a` is not a valid regular expression",
        "Q0301: `extract` needs exactly one group",
        "Q0302: `company.size.value`: `company.size` is not a record",
    ] {
        assert!(rest.contains(wanted), "missing {wanted:?} in\n{rest}");
    }
}

#[test]
fn the_zone_of_a_source_is_checked_before_columns() {
    // a source whose only mistake is its zone: one problem, on the zone's value
    let problems = parse_with("[source.crm]\ntimezone = \"Mars/Base\"\n").expect_err("a bad zone");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("Q0301: `Mars/Base` is not a time zone [\"Mars/Base\"]"));
}

#[test]
fn toml_syntax_and_shape_errors() {
    let problems = parse_with("[source.crm\nfiles = 1").expect_err("bad TOML");
    assert!(
        problems[0].starts_with("Q0301: the mapping is not valid TOML"),
        "{problems:?}"
    );
    let problems = parse_with("source = 3").expect_err("not a table");
    assert!(
        problems[0].contains("`source` is a table of sources"),
        "{problems:?}"
    );
    let problems = parse_with("[source.a]\n[source.b]\n").expect_err("two open sources");
    assert!(
        problems[0].contains("sources `a` and `b` both read every file"),
        "{problems:?}"
    );
    let problems = parse_with("[source.a]\nfiles = [\"*.csv\"]\n[source.b]\nfiles = [\"x*\"]\n")
        .map(|m| m.source_for("x.csv").map(|s| s.map(|s| s.name.clone())));
    assert!(
        matches!(&problems, Ok(Err(e)) if e.contains("matches the `files` of two sources, `a` and `b`")),
        "{problems:?}"
    );
}

#[test]
fn globs() {
    assert!(glob("*.csv", "a.csv"));
    assert!(glob("*", ""));
    assert!(glob("a*b*c", "aXXbYYc"));
    assert!(!glob("a*b*c", "aXXbYY"));
    assert!(glob("lead_?.csv", "lead_1.csv"));
    assert!(!glob("lead_?.csv", "lead_12.csv"));
    assert!(glob("ü*", "über.csv"));
}

#[test]
fn ids_spellings_formats_and_types_that_cannot_work_are_refused() {
    let problems = |toml: &str| parse_with(toml).expect_err("a mapping that cannot work");
    let first = |toml: &str| problems(toml)[0].clone();
    assert!(first("[source.a]\nid = []\n").contains("`id = []` names no header"));
    assert!(
        first("[source.a]\nid = \"line\"\n[source.a.columns]\n\"Record ID\" = \"id\"\n").contains(
            "a column is read into the id field `id`, and `id` also makes each id from the line"
        )
    );
    assert!(
        first("[source.a]\n[source.a.columns]\n\"id\" = \"source\"\n")
            .contains("`id` is read into `source`, and nothing is read into the id field `id`")
    );
    assert!(
        first("[source.a]\ntrue = [\"Y\"]\nfalse = [\"y\"]\n")
            .contains("`y` is a spelling of both true and false in source `a`")
    );
    assert!(
        first("[source.a.columns]\n\"S\" = { field = \"subscribed\", true = [\"no\"] }\n")
            .contains("`no` is a spelling of both true and false for `\"S\"`")
    );
    assert!(
        first("[source.a.columns]\n\"C\" = { field = \"signed_up_at\", format = \"%d.%m.%Y %H:%M\" }\n")
            .contains("no `timezone` says where its times are")
    );
    assert!(
        parse_with("[source.a]\ntimezone = \"UTC\"\n[source.a.columns]\n\"C\" = { field = \"signed_up_at\", format = \"%d.%m.%Y %H:%M\" }\n")
            .is_ok(),
        "a source's zone is enough"
    );
    assert!(
        first("[source.a.columns]\n\"C\" = { field = \"signed_up_at\", format = \"%H:%M\", timezone = \"UTC\" }\n")
            .contains("`%H:%M` is not a date format")
    );
}

#[test]
fn without_a_schema_typed_options_are_refused() {
    let mut sources = SourceMap::new();
    sources.add(
        "rules.qual",
        "classify k {\n  a when size > 1\n  otherwise b\n}\n",
    );
    let (checked, _) = crate::front_end(&sources, &CheckOptions::default());
    let checked = checked.expect("checks, with a warning");
    let toml = "[source.a.columns]\n\"Size\" = { field = \"size\", range = \"low\", values = { \"x\" = \"1\" } }\n";
    let file = sources.add("qualify.toml", toml);
    let problems = parse(toml, file, checked.rules()).expect_err("range needs a type");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .message
            .contains("the rules have no schema to give `size` one")
    );
}

#[test]
fn a_source_of_activities_reads_its_columns_into_an_element_of_the_list() {
    let mapping = parse_with(
        r#"
[source.contacts]
[source.calls]
activities = "events"
key = "WhoId"
[source.calls.columns]
"Type" = { field = "kind", case = "fold" }
"Seconds" = { field = "minutes", unit = "seconds" }
"#,
    )
    .expect("a valid mapping");
    let calls = &mapping.sources[1];
    assert_eq!(
        calls.activities,
        Some(Join {
            list: "events".into(),
            key: "WhoId".into()
        })
    );
    // each kind of source may read every file: data files and activities are matched apart
    assert_eq!(
        mapping
            .source_for("x.csv")
            .map(|s| s.map(|s| s.name.clone())),
        Ok(Some("contacts".to_string()))
    );
    assert_eq!(
        mapping
            .activities_for("x.csv")
            .map(|s| s.map(|s| s.name.clone())),
        Ok(Some("calls".to_string()))
    );
}

#[test]
fn a_data_file_named_by_a_source_of_activities_is_refused() {
    let mapping = parse_with(
        "[source.calls]\nfiles = [\"calls*\"]\nactivities = \"events\"\nkey = \"WhoId\"\n",
    )
    .expect("a valid mapping");
    let refused = mapping.source_for("in/calls.csv").expect_err("activities");
    assert!(refused.contains("--activities in/calls.csv"), "{refused}");
}

#[test]
fn mistakes_in_sources_of_activities_are_located() {
    let cases = [
        (
            "[source.a]\nactivities = \"events\"\n",
            "Q0301: source `a` reads activities into `events` but has no `key` [a]",
        ),
        (
            "[source.a]\nkey = \"WhoId\"\n",
            "Q0301: source `a` has `key = \"WhoId\"` but no `activities` [a]",
        ),
        (
            "[source.a]\nactivities = \"tags\"\nkey = \"k\"\n",
            "Q0303: `tags` is a list of a `string`, but each activity is a record [\"tags\"]",
        ),
        (
            "[source.a]\nactivities = \"company\"\nkey = \"k\"\n",
            "Q0303: `company` is a record, not a list of records that activities could fill [\"company\"]",
        ),
        (
            "[source.a]\nactivities = \"event\"\nkey = \"k\"\n",
            "Q0302: `event`: the schema has no field `event` [\"event\"] did you mean `events`?",
        ),
        (
            "[source.a]\nactivities = \"events\"\nkey = \"k\"\nid = \"line\"\n",
            "Q0303: source `a` reads activities, whose contacts are named by `key`; `id` makes the ids of contacts [\"line\"]",
        ),
        (
            "[source.a]\nactivities = \"events\"\nkey = \"k\"\n[source.a.columns]\n\"Kind\" = \"knd\"\n",
            "Q0302: `knd`: `events[]` has no field `knd` [\"knd\"] did you mean `kind`?",
        ),
    ];
    for (toml, want) in cases {
        let problems = parse_with(toml).expect_err(toml);
        assert!(
            problems.iter().any(|p| p.starts_with(want)),
            "{toml}\nwant: {want}\ngot: {problems:#?}"
        );
    }
}

#[test]
fn dates_split_over_columns_need_a_day_a_month_and_one_year() {
    let ok = parse_with(
        "[source.a.columns]\n\"d\" = { field = \"joined\", part = \"day\" }\n\"m\" = { field = \"joined\", part = \"month\", year = 2024 }\n",
    )
    .expect("a valid mapping");
    assert_eq!(ok.sources[0].columns.len(), 2);
    let cases = [
        (
            "\"d\" = { field = \"joined\", part = \"day\" }\n\"y\" = { field = \"joined\", part = \"year\" }",
            "Q0303: `joined` is read in parts, but no column holds its month",
        ),
        (
            "\"d\" = { field = \"joined\", part = \"day\" }\n\"m\" = { field = \"joined\", part = \"month\" }",
            "Q0303: `joined` is read in parts, but neither a column nor `year = …` gives its year",
        ),
        (
            "\"d\" = { field = \"joined\", part = \"day\" }\n\"e\" = { field = \"joined\", part = \"day\" }\n\"m\" = { field = \"joined\", part = \"month\", year = 2024 }",
            "Q0303: two columns hold the day of `joined`",
        ),
        (
            "\"d\" = { field = \"joined\", part = \"day\" }\n\"m\" = { field = \"joined\", part = \"month\", year = 2024 }\n\"y\" = { field = \"joined\", part = \"year\" }",
            "Q0303: `joined` has its year from more than one place",
        ),
        (
            "\"j\" = \"joined\"\n\"d\" = { field = \"joined\", part = \"day\" }\n\"m\" = { field = \"joined\", part = \"month\", year = 2024 }",
            "Q0303: `joined` is read whole from this column and in parts from others",
        ),
        (
            "\"d\" = { field = \"signed_up_at\", part = \"day\" }",
            "Q0303: `part` reads cells of `\"d\"` as parts of a `date`, but `signed_up_at` is a `datetime`",
        ),
        (
            "\"d\" = { field = \"joined\", part = \"week\" }",
            "Q0301: `part = \"week\"`: a part of a date is",
        ),
        (
            "\"d\" = { field = \"joined\", year = 2024 }",
            "Q0301: `year` gives the year of a date split over columns, but `\"d\"` has no `part`",
        ),
        (
            "\"d\" = { field = \"joined\", part = \"day\", year = \"2024\" }\n\"m\" = { field = \"joined\", part = \"month\" }",
            "Q0301: `year` is a number without quotes",
        ),
    ];
    for (columns, want) in cases {
        let toml = format!("[source.a.columns]\n{columns}\n");
        let problems = parse_with(&toml).expect_err(&toml);
        assert!(
            problems.iter().any(|p| p.starts_with(want)),
            "{toml}\nwant: {want}\ngot: {problems:#?}"
        );
    }
}

#[test]
fn a_part_of_a_date_reads_numbers_and_month_names() {
    use read::DatePart::{Day, Month, Year};
    assert_eq!(Day.value("07"), Some(7));
    assert_eq!(Day.value("32"), None);
    assert_eq!(Month.value("mar"), Some(3));
    assert_eq!(Month.value("Sept"), Some(9));
    assert_eq!(Month.value("DEC."), Some(12));
    assert_eq!(Month.value("ma"), None, "too short to tell May from March");
    assert_eq!(Month.value("13"), None);
    assert_eq!(Year.value("2024"), Some(2024));
    assert_eq!(read::date_of(29, 2, 2023), None);
    assert!(read::date_of(29, 2, 2024).is_some());
}

#[test]
fn a_file_no_source_reads_is_noted_naming_the_patterns() {
    let mapping = parse_with(
        "[source.crm]\nfiles = [\"leads*.csv\"]\n[source.touches]\nfiles = [\"touches*\"]\nactivities = \"events\"\nkey = \"Lead\"\n",
    )
    .expect("parses");
    assert_eq!(
        mapping.unread_note("in/leads_1.csv", "`in/leads_1.csv`"),
        None
    );
    let note = mapping
        .unread_note("Leads_Nov.csv", "`Leads_Nov.csv`")
        .expect("noted");
    assert!(
        note.contains("(`crm` reads `leads*.csv`; `crm` matches it but for letter case"),
        "{note}"
    );
    let note = mapping
        .unread_note("other.csv", "`other.csv`")
        .expect("noted");
    assert!(
        !note.contains("letter case") && !note.contains("touches"),
        "{note}"
    );
    // a source without patterns reads every file; no mapping of contacts, nothing to note
    let every = parse_with("[source.all]\ndelimiter = \";\"\n").expect("parses");
    assert_eq!(every.unread_note("x.csv", "`x.csv`"), None);
    let none = parse_with(
        "[source.touches]\nfiles = [\"touches*\"]\nactivities = \"events\"\nkey = \"Lead\"\n",
    )
    .expect("parses");
    assert_eq!(none.unread_note("x.csv", "`x.csv`"), None);
}
