//! Throughput of decoding and classifying contacts with the reference rules, on one thread.
//!
//! Run with `cargo bench --bench eval` (release build). By default it generates contacts in
//! memory from the bundled examples (ids made unique), so it needs no data files, and prints
//! contacts per second for JSON Lines and CSV, decode and classify together, beside the
//! parse-only floor (serde_json into `IgnoredAny`, the same lines, the same thread).
//!
//! Options (after `--`): `--file PATH` (a `.jsonl` or `.csv` file, e.g. from
//! `benches/gen_contacts.rs`; may be given twice) instead of the examples, `--only jsonl|csv`,
//! `--runs N` (default 3; the best run is shown), `--decode-only` (no classifying),
//! `--classify-only` (the contacts are decoded before the clock starts). Each figure is given by wall time and by
//! the thread's CPU time: the cores of a shared machine are often busy with other work, and
//! CPU time is the steadier of the two.

use std::time::Instant;

use serde::de::IgnoredAny;

use qualify::compile::compile;
use qualify::data::{self, InputFormat};
use qualify::eval::Evaluator;
use qualify::source::SourceMap;

const CONTACTS: usize = 200_000;

/// The CPU time this thread has used so far, in seconds.
fn thread_cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the clock id is a constant libc defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Runs `f` `runs` times; the best wall time and the best CPU time, in seconds.
fn best(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
    for _ in 0..runs {
        let (start, start_cpu) = (Instant::now(), thread_cpu());
        f();
        cpu = cpu.min(thread_cpu() - start_cpu);
        wall = wall.min(start.elapsed().as_secs_f64());
    }
    (wall, cpu)
}

fn main() {
    let mut files = Vec::new();
    let mut only = None;
    let mut runs = 3;
    let mut decode_only = false;
    let mut classify_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--file" => files.push(args.next().expect("--file PATH")),
            "--only" => only = Some(args.next().expect("--only jsonl|csv")),
            "--decode-only" => decode_only = true,
            "--classify-only" => classify_only = true,
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            _ => {} // `cargo bench` passes `--bench`
        }
    }

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = SourceMap::new();
    let mut rule_files: Vec<_> = std::fs::read_dir(root.join("rules"))
        .expect("rules/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "qual"))
        .collect();
    rule_files.sort();
    for f in rule_files {
        sources.add(
            f.display().to_string(),
            std::fs::read_to_string(&f).expect("rule file"),
        );
    }
    let (rules, diagnostics) = qualify::front_end(&sources, &Default::default());
    assert!(!diagnostics.iter().any(|d| d.is_error()));
    let program = compile(&rules.expect("no errors"));
    let now = qualify::semantics::time::parse_as_of("2026-11-22").expect("as-of");

    let inputs: Vec<(String, InputFormat, String)> = if files.is_empty() {
        examples(root)
    } else {
        files
            .iter()
            .map(|f| {
                let format = InputFormat::from_path(f.as_ref()).expect(".jsonl or .csv");
                let text = std::fs::read_to_string(f).expect("a readable UTF-8 file");
                (f.clone(), format, text)
            })
            .collect()
    };

    for (name, format, text) in &inputs {
        let label = match format {
            InputFormat::Jsonl => "jsonl",
            InputFormat::Csv => "csv",
            InputFormat::Json => "json",
        };
        if only.as_ref().is_some_and(|o| o != label) {
            continue;
        }
        let mut contacts = 0usize;
        let (wall, cpu) = if classify_only {
            let decoded: Vec<_> = data::read(*format, name, text, program.plan())
                .map(|r| r.expect("valid contact"))
                .collect();
            contacts = decoded.len();
            best(runs, || {
                let mut evaluator = Evaluator::new(&program, now);
                let mut classified = 0usize;
                for contact in &decoded {
                    let values = evaluator.classify(&contact.slots).expect("classifies");
                    classified += usize::from(values[0].value.is_some());
                }
                assert!(classified > contacts / 2);
            })
        } else {
            best(runs, || {
                let mut evaluator = Evaluator::new(&program, now);
                let mut classified = 0usize;
                contacts = 0;
                for record in data::read(*format, name, text, program.plan()) {
                    let contact = record.expect("valid contact");
                    contacts += 1;
                    if decode_only {
                        continue;
                    }
                    let values = evaluator.classify(&contact.slots).expect("classifies");
                    classified += usize::from(values[0].value.is_some());
                }
                assert!(decode_only || classified > contacts / 2);
            })
        };
        println!(
            "{label}: {contacts} contacts, best of {runs}: {:.3} s wall = {:.0} contacts/s, \
             {:.1} MB/s; {:.3} s CPU = {:.0} contacts/s",
            wall,
            contacts as f64 / wall,
            text.len() as f64 / wall / 1e6,
            cpu,
            contacts as f64 / cpu,
        );
        if *format == InputFormat::Jsonl && !classify_only {
            let (floor_wall, floor_cpu) = best(runs, || {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    serde_json::from_str::<IgnoredAny>(line).expect("valid JSON");
                }
            });
            println!(
                "  parse-only floor (serde_json into IgnoredAny): {:.3} s wall = {:.0} \
                 contacts/s; {:.3} s CPU = {:.0} contacts/s; eval/floor {:.2}x (CPU)",
                floor_wall,
                contacts as f64 / floor_wall,
                floor_cpu,
                contacts as f64 / floor_cpu,
                cpu / floor_cpu,
            );
        }
    }
}

/// The bundled examples, each repeated with a unique id, as JSON Lines and as CSV.
fn examples(root: &std::path::Path) -> Vec<(String, InputFormat, String)> {
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
    vec![
        ("jsonl".into(), InputFormat::Jsonl, jsonl),
        ("csv".into(), InputFormat::Csv, csv),
    ]
}
