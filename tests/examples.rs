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
    for (example, data) in [
        ("hubspot", "examples/hubspot/contacts.csv"),
        ("salesforce", "examples/salesforce/leads.csv"),
        (
            "leadforge",
            "tests/fixtures/leadforge/lead_scoring_intro_v7.csv",
        ),
    ] {
        let dir = format!("examples/{example}/");
        let check = qualify(&["check", "--deny", "warnings", &dir]);
        assert_eq!(check.status.code(), Some(0), "{}", text(&check));
        let tests = qualify(&["test", &dir, "--min-coverage", "100"]);
        assert_eq!(tests.status.code(), Some(0), "{}", text(&tests));
        let as_of = ["--as-of", "2026-11-22"];
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
                "$ qualify eval {dir} {data} --format csv --as-of 2026-11-22\n{}\n",
                text(&rows)
            );
        } else {
            assert_eq!(rows.status.code(), Some(0), "{}", text(&rows));
        }
        let _ = write!(
            out,
            "$ qualify eval {dir} {data} --summary\n{}",
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
}
