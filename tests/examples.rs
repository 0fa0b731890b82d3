//! The example directories (`examples/*/`): each classifies its sample export through its
//! mapping with no other flag, its tests pass with full coverage, and — for leadforge — the
//! mapping reads the CSV exactly as an independent conversion to JSON Lines does.

use std::fmt::Write as _;
use std::process::Output;

mod common;
use common::qualify;

fn text(o: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        o.status.code().map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Each example's sample, classified contact by contact and summarised: the READMEs quote
/// these results, and a change to the rules, the mapping or the reader shows here.
#[test]
fn each_example_classifies_its_sample() {
    for (example, data, activities) in [
        (
            "hubspot",
            "examples/hubspot/contacts.csv",
            Some("examples/hubspot/calls.jsonl"),
        ),
        (
            "salesforce",
            "examples/salesforce/leads.csv",
            Some("examples/salesforce/tasks.csv"),
        ),
        (
            "leadforge",
            "tests/fixtures/leadforge/lead_scoring_intro_v7.csv",
            None,
        ),
    ] {
        let dir = format!("examples/{example}/");
        let check = qualify(&["check", "--deny", "warnings", &dir]);
        assert_eq!(check.status.code(), Some(0), "{}", text(&check));
        let tests = qualify(&["test", &dir, "--min-coverage", "100"]);
        assert_eq!(tests.status.code(), Some(0), "{}", text(&tests));
        let joined = activities.map(|a| ["--activities", a]);
        let as_of = [
            &["--as-of", "2026-11-22"][..],
            joined.as_ref().map_or(&[][..], |j| &j[..]),
        ]
        .concat();
        let shown = as_of.join(" ");
        let rows = qualify(&[&["eval", &dir, data, "--format", "csv"][..], &as_of].concat());
        let summary = qualify(
            &[
                &["eval", &dir, data, "--summary", "--format", "csv"][..],
                &as_of,
            ]
            .concat(),
        );
        let mut out = String::new();
        if example != "leadforge" {
            let _ = write!(
                out,
                "$ qualify eval {dir} {data} --format csv {shown}\n{}\n",
                text(&rows)
            );
        } else {
            assert_eq!(rows.status.code(), Some(0), "{}", text(&rows));
        }
        let _ = write!(
            out,
            "$ qualify eval {dir} {data} --summary {shown}\n{}",
            text(&summary)
        );
        insta::assert_snapshot!(example, out);
    }
}

/// The lower bound of a leadforge band, written here without the mapping's code: `200-499`
/// is 200, `2000+` is 2000, `$10M-$50M` is 10,000,000.
fn band_low(cell: &str) -> f64 {
    let low = cell
        .split(['-', '+'])
        .next()
        .unwrap_or(cell)
        .trim_start_matches('$');
    let (digits, factor) = match low.strip_suffix('M') {
        Some(d) => (d, 1e6),
        None => (low, 1.0),
    };
    digits.parse::<f64>().expect("a band of digits") * factor
}

/// The leadforge CSV converted to JSON Lines by hand, as `examples/leadforge/qualify.toml`
/// says to read it: the id is the line, bands are their lower bounds, `0`/`1` are false and
/// true, numbers are numbers, empty cells are absent. Evaluating that must give exactly what
/// evaluating the CSV through the mapping gives.
#[test]
fn the_leadforge_mapping_reads_as_a_hand_conversion_does() {
    let csv_path = "tests/fixtures/leadforge/lead_scoring_intro_v7.csv";
    let root = env!("CARGO_MANIFEST_DIR");
    let mut reader = csv::Reader::from_path(format!("{root}/{csv_path}")).expect("the CSV");
    let headers: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let numbers = [
        "inbound_touches",
        "outbound_touches",
        "sales_activities",
        "touches_last_7_days",
        "days_since_last_touch",
        "expected_acv",
        "touches_week_1",
        "days_since_first_touch",
        "web_sessions",
    ];
    let bools = ["opportunity_created", "demo_completed", "converted"];
    let mut jsonl = String::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.expect("a row");
        let mut record = serde_json::Map::new();
        // the header is line 1 and no cell spans lines
        record.insert("id".into(), (i + 2).to_string().into());
        for (header, cell) in headers.iter().zip(row.iter()) {
            if cell.is_empty() {
                continue;
            }
            let (key, value) = match header.as_str() {
                "company_size" => (header.as_str(), band_low(cell).into()),
                "company_revenue" => ("company_revenue_usd", band_low(cell).into()),
                h if numbers.contains(&h) => (h, cell.parse::<f64>().expect("a number").into()),
                h if bools.contains(&h) => (h, (cell == "1").into()),
                h => (h, cell.into()),
            };
            record.insert(key.to_string(), value);
        }
        jsonl.push_str(&serde_json::Value::Object(record).to_string());
        jsonl.push('\n');
    }
    let converted = format!("{}/leadforge.jsonl", env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(&converted, jsonl).expect("the converted file is written");
    let eval = |data: &str| {
        let out = qualify(&[
            "eval",
            "examples/leadforge/",
            data,
            "--as-of",
            "2026-11-22",
            "--format",
            "csv",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let through_mapping = eval(csv_path);
    let by_hand = eval(&converted);
    assert_eq!(
        through_mapping.lines().count(),
        1001,
        "a header and 1,000 leads"
    );
    assert!(through_mapping == by_hand, "the two readings differ");
    for stage in ["lead", "prospect", "opportunity", "customer"] {
        assert!(
            through_mapping.contains(&format!(",{stage},")),
            "no {stage}"
        );
    }
}

/// `qualify check --data` on the leadforge export: what a sales-ops person should know
/// before trusting a run (the gaps in `seniority` and `days_since_last_touch`), over the
/// whole file and over a sample of its first 100 leads.
#[test]
fn the_leadforge_export_is_checked_against_its_rules() {
    let data = "tests/fixtures/leadforge/lead_scoring_intro_v7.csv";
    let whole = qualify(&["check", "examples/leadforge/", "--data", data]);
    let sample = qualify(&[
        "check",
        "examples/leadforge/",
        "--data",
        data,
        "--sample",
        "100",
    ]);
    insta::assert_snapshot!(format!(
        "$ qualify check examples/leadforge/ --data {data}\n{}\n$ … --sample 100\n{}",
        text(&whole),
        text(&sample)
    ));
    // the same export twice, however spelt, would count each lead twice
    let twice = qualify(&[
        "check",
        "examples/leadforge/",
        "--data",
        data,
        &format!("./{data}"),
    ]);
    assert_eq!(twice.status.code(), Some(2), "{}", text(&twice));
    assert!(text(&twice).contains("is given twice"), "{}", text(&twice));
}

/// The reference examples read three ways give the same classifications: as they are
/// (dotted CSV headers, JSON Lines in the schema's shape), as a CSV whose headers are
/// labels (`Company Size`) read through a mapping, and as API-shaped JSON Lines
/// (`{"id": …, "properties": {…}}`) read through a mapping of key paths.
#[test]
fn a_mapping_that_only_renames_changes_no_result() {
    let root = env!("CARGO_MANIFEST_DIR");
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("renamed");
    let rules = tmp.join("rules");
    std::fs::create_dir_all(&rules).expect("a directory");
    for entry in std::fs::read_dir(format!("{root}/rules")).expect("rules/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "qual") {
            std::fs::copy(&path, rules.join(path.file_name().expect("a name"))).expect("copied");
        }
    }
    let label = |h: &str| {
        h.split(['.', '_'])
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let csv = std::fs::read_to_string(format!("{root}/rules/examples/contacts.csv")).expect("csv");
    let (head, body) = csv.split_once('\n').expect("a header");
    let headers: Vec<&str> = head.trim_end().split(',').collect();
    let labels: Vec<String> = headers.iter().map(|h| label(h)).collect();
    std::fs::write(
        tmp.join("labelled.csv"),
        format!("{}\n{body}", labels.join(",")),
    )
    .expect("csv");
    let jsonl =
        std::fs::read_to_string(format!("{root}/rules/examples/contacts.jsonl")).expect("jsonl");
    let mut api = String::new();
    let mut keys = std::collections::BTreeSet::new();
    for line in jsonl.lines() {
        let serde_json::Value::Object(mut record) = serde_json::from_str(line).expect("a record")
        else {
            panic!("a record is an object");
        };
        let id = record.remove("id").expect("an id");
        keys.extend(record.keys().cloned());
        let wrapped = serde_json::json!({ "id": id, "properties": record });
        api.push_str(&wrapped.to_string());
        api.push('\n');
    }
    std::fs::write(tmp.join("api.jsonl"), api).expect("jsonl");
    let mut toml = String::from(
        "[source.labelled]\nfiles = [\"labelled.csv\"]\n\n[source.labelled.columns]\n",
    );
    // the examples' expected results are columns of their own, not fields of the schema
    for (h, l) in headers
        .iter()
        .zip(&labels)
        .filter(|(h, _)| !h.starts_with("expect"))
    {
        toml.push_str(&format!("\"{l}\" = \"{h}\"\n"));
    }
    toml.push_str("\n[source.api]\nfiles = [\"api.jsonl\"]\n\n[source.api.columns]\n");
    // keys the schema does not declare (`note`) are read by neither, and a mapping may not
    // name them: map the fields the CSV has columns for
    let fields: std::collections::BTreeSet<&str> = headers
        .iter()
        .filter_map(|h| h.split('.').next())
        .filter(|h| !h.starts_with("expect"))
        .collect();
    for k in keys.iter().filter(|k| fields.contains(k.as_str())) {
        toml.push_str(&format!("\"properties.{k}\" = \"{k}\"\n"));
    }
    std::fs::write(rules.join("qualify.toml"), toml).expect("toml");
    let eval = |data: &str| {
        let out = qualify(&[
            "eval",
            rules.to_str().expect("a path"),
            data,
            "--as-of",
            "2026-11-22",
            "--format",
            "csv",
        ]);
        assert_eq!(out.status.code(), Some(0), "{data}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = eval("rules/examples/contacts.csv");
    assert_eq!(plain, eval("rules/examples/contacts.jsonl"));
    assert_eq!(
        plain,
        eval(tmp.join("labelled.csv").to_str().expect("a path"))
    );
    assert_eq!(plain, eval(tmp.join("api.jsonl").to_str().expect("a path")));
    assert_eq!(plain.lines().count(), 25, "a header and 24 contacts");
}

/// The data lint's findings obey the lint levels: warnings by default (exit 0), errors
/// with `--deny warnings` (exit 1), so CI can refuse an export that does not fit.
#[test]
fn data_lint_findings_fail_the_check_with_deny_warnings() {
    let dir = "tests/cases/datalint/crm_export";
    let data = "tests/cases/datalint/crm_export/contacts.csv";
    let warned = qualify(&["check", dir, "--data", data]);
    assert_eq!(warned.status.code(), Some(0), "{}", text(&warned));
    let denied = qualify(&["check", dir, "--data", data, "--deny", "warnings"]);
    assert_eq!(denied.status.code(), Some(1), "{}", text(&denied));
    assert!(
        String::from_utf8_lossy(&denied.stdout).contains("× the rules read `budget`"),
        "{}",
        text(&denied)
    );
}
