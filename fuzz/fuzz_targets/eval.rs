//! Any contact data against fixed programs: decoding and classifying (with the short
//! reasons, which run the explainer) never panic, and every record either classifies or
//! is a data error.
//!
//! The first byte picks the input: bits 0–1 the format (JSONL, JSON array, CSV; 3 is
//! JSONL again), bit 2 the program — the reference rule set in `rules/` (typed by its
//! schema) or a rule set without schema (data typed per contact, so rules can fail at run
//! time). The rest of the input is the contact data.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use qualify::compile::{Program, compile};
use qualify::data::InputFormat;
use qualify::run::{self, ErrorPolicy, Input, Options};
use qualify::source::SourceMap;

/// The reference rules, as `qualify eval rules/` loads them.
const REFERENCE: [(&str, &str); 4] = [
    (
        "rules/contact.qual",
        include_str!("../../rules/contact.qual"),
    ),
    (
        "rules/qualification.qual",
        include_str!("../../rules/qualification.qual"),
    ),
    ("rules/stage.qual", include_str!("../../rules/stage.qual")),
    (
        "rules/temperature.qual",
        include_str!("../../rules/temperature.qual"),
    ),
];

/// A rule set without schema: every operator family on dynamically typed data.
const DYNAMIC: &str = r#"
let big = company.size >= 50 and company.size + 1 > 2 * 3
let called = any e in events: e.kind == "call" and e.at within 30 days
let spent = sum(e.amount for e in events where e.kind == "purchase") ?? 0
let calls = count(e in events where e.kind in ["call", "meeting"])
let recent = days_since(last_seen) < 14 or last_seen after 2026-01-01
let titled = lower(role) contains "vp" or role matches "(?i)head of"
classify stage {
  customer when spent > 100
  prospect when called and big
  lead     when called or calls >= 1 or recent or titled
  otherwise cold
}
"#;

struct Fixture {
    sources: SourceMap,
    program: Program,
}

fn fixture(files: &[(&str, &str)]) -> Fixture {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    let (rules, _) = qualify::front_end(&sources, &Default::default());
    let program = compile(&rules.expect("the fixed rule sets have no errors"));
    Fixture { sources, program }
}

fn reference() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture(&REFERENCE))
}

fn dynamic() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture(&[("dynamic.qual", DYNAMIC)]))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = match selector & 3 {
        1 => InputFormat::Json,
        2 => InputFormat::Csv,
        _ => InputFormat::Jsonl,
    };
    let fixture = if selector & 4 == 0 {
        reference()
    } else {
        dynamic()
    };
    let now = "2026-11-22T12:00:00Z"
        .parse::<jiff::Timestamp>()
        .expect("a valid instant");
    let options = Options {
        now,
        on_error: ErrorPolicy::Continue,
        reasons: true,
        // one thread, or several: a bit of the selector decides
        jobs: if selector & 8 == 0 { 1 } else { 2 },
        classes: None,
        activities: &[],
        base: None,
    };
    let input = Input::bytes("fuzz", format, text.as_bytes());
    let mut sink = common::Count::default();
    let Ok(tally) = run::run(
        &fixture.program,
        &fixture.sources,
        vec![input],
        options,
        &mut sink,
    );
    assert_eq!(tally.classified, sink.classified);
    assert_eq!(tally.errors, sink.failed);
    assert!(tally.read >= tally.classified);
});
