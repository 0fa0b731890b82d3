//! Throughput of decoding and classifying contacts with the reference rules.
//!
//! Run with `cargo bench --bench eval` (release build). It generates contacts in memory
//! from the bundled examples (ids made unique), so it needs no data files, and prints
//! contacts per second for JSON Lines and CSV, decode and classify together.

use std::time::Instant;

use qualify::compile::compile;
use qualify::data::{self, InputFormat};
use qualify::eval::Evaluator;
use qualify::source::SourceMap;

const CONTACTS: usize = 200_000;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = SourceMap::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("rules"))
        .expect("rules/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "qual"))
        .collect();
    files.sort();
    for f in files {
        sources.add(
            f.display().to_string(),
            std::fs::read_to_string(&f).expect("rule file"),
        );
    }
    let (rules, diagnostics) = qualify::front_end(&sources, &Default::default());
    assert!(!diagnostics.iter().any(|d| d.is_error()));
    let program = compile(&rules.expect("no errors"));
    let now = qualify::semantics::time::parse_as_of("2026-11-22").expect("as-of");

    let examples =
        std::fs::read_to_string(root.join("rules/examples/contacts.jsonl")).expect("examples");
    let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut jsonl = String::new();
    for i in 0..CONTACTS {
        let line = lines[i % lines.len()];
        // make every id unique: `"id": "c05"` → `"id": "c05-123"`
        let id_end = line.find("\",").expect("an id first");
        jsonl.push_str(&line[..id_end]);
        jsonl.push_str(&format!("-{i}"));
        jsonl.push_str(&line[id_end..]);
        jsonl.push('\n');
    }
    let csv_examples =
        std::fs::read_to_string(root.join("rules/examples/contacts.csv")).expect("csv examples");
    let mut csv_lines = csv_examples.lines();
    let header = csv_lines.next().expect("header");
    let rows: Vec<&str> = csv_lines.collect();
    let mut csv = format!("{header}\n");
    for i in 0..CONTACTS {
        let row = rows[i % rows.len()];
        let comma = row.find(',').expect("id first");
        csv.push_str(&format!("{}-{i}{}\n", &row[..comma], &row[comma..]));
    }

    for (name, format, text) in [
        ("jsonl", InputFormat::Jsonl, &jsonl),
        ("csv", InputFormat::Csv, &csv),
    ] {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let mut evaluator = Evaluator::new(&program, now);
            let mut classified = 0usize;
            for record in data::read(format, name, text, program.plan()) {
                let contact = record.expect("valid contact");
                let values = evaluator.classify(&contact.slots).expect("classifies");
                classified += usize::from(values[0].value.is_some());
            }
            assert!(classified > CONTACTS / 2);
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{name}: {CONTACTS} contacts in {:.3} s (best of 3) = {:.0} contacts/s, {:.1} MB/s",
            best,
            CONTACTS as f64 / best,
            text.len() as f64 / best / 1e6
        );
    }
}
