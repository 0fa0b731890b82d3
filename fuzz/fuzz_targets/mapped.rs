//! Any export read through a mapping, with any file of activities joined to it: decoding
//! through the mapping's columns, joining and classifying never panic; every record
//! classifies or is a data error, and the join's counts add up.
//!
//! The input is a selector byte, then the contacts' text, then (after the first `\u{1}`)
//! the activities' text. Selector bits 0–1 pick the fixture: 0 and 3 the export of
//! `tests/sql/mapped/` (CSV contacts through `crm`, every column option, and its CSV tasks),
//! 1 the same through `crm_ny` (another zone, `extract`), 2 HubSpot's API records
//! (`tests/cases/mapping/hubspot_api/`, JSON Lines through key paths) with the calls of
//! `examples/hubspot/` (JSON Lines whose key is a list). Bit 2: the activities are read
//! from a file (in place where grouped) rather than from a stream (sorted frames); bit 3:
//! two threads; bit 4: no activities at all.
#![no_main]

#[path = "common.rs"]
mod common;

use std::io::Write;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use qualify::compile::{Program, compile};
use qualify::data::{Activities, InputFormat};
use qualify::mapping::Mapping;
use qualify::run::{self, ErrorPolicy, Input, Options};
use qualify::source::SourceMap;

struct Fixture {
    sources: SourceMap,
    program: Program,
    mapping: Mapping,
    /// The file names the contacts and the activities are read as (the sources' `files`).
    contacts: &'static str,
    activities: &'static str,
    format: InputFormat,
    activities_format: InputFormat,
}

fn fixture(
    rules: &[(&str, &str)],
    toml: &str,
    names: (&'static str, &'static str),
    formats: (InputFormat, InputFormat),
) -> Fixture {
    let mut sources = SourceMap::new();
    for (name, text) in rules {
        sources.add(*name, *text);
    }
    let (checked, _) = qualify::front_end(&sources, &Default::default());
    let checked = checked.expect("the fixed rule sets have no errors");
    let file = sources.add("qualify.toml", toml);
    let mapping = match qualify::mapping::parse(toml, file, checked.rules()) {
        Ok(mapping) => mapping,
        Err(_) => panic!("the fixed mapping reads"),
    };
    Fixture {
        program: compile(&checked),
        sources,
        mapping,
        contacts: names.0,
        activities: names.1,
        format: formats.0,
        activities_format: formats.1,
    }
}

const MAPPED_RULES: [(&str, &str); 1] = [(
    "tests/sql/mapped/contact.qual",
    include_str!("../../tests/sql/mapped/contact.qual"),
)];
const MAPPED_TOML: &str = include_str!("../../tests/sql/mapped/qualify.toml");

/// The export of tests/sql/mapped read through `crm` (`ny` false) or `crm_ny`: the file
/// name picks the source.
fn export(ny: bool) -> &'static Fixture {
    static F: OnceLock<[Fixture; 2]> = OnceLock::new();
    let both = F.get_or_init(|| {
        ["export-fuzz.csv", "ny-export-fuzz.csv"].map(|contacts| {
            fixture(
                &MAPPED_RULES,
                MAPPED_TOML,
                (contacts, "tasks-fuzz.csv"),
                (InputFormat::Csv, InputFormat::Csv),
            )
        })
    });
    &both[usize::from(ny)]
}

/// HubSpot's API contacts (`tests/cases/mapping/hubspot_api/`: key paths under
/// `properties`, milliseconds, a split list) with calls whose key is a list of associated
/// contacts (`examples/hubspot/`'s source of calls), and a rule that reads the calls.
const HUBSPOT_RULES: &str = r#"
schema contact {
  id: string
  lifecycle: one of "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"?
  deals: number?
  opted_out: bool?
  last_open: datetime?
  created: datetime?
  tags: list of string?
  calls: list of {
    hs_call_status: one of "COMPLETED", "BUSY", "NO_ANSWER", "FAILED", "CANCELED"?
    hs_call_duration: duration?
  }?
}
let spoke = any c in calls ?? []: c.hs_call_status == "COMPLETED" and c.hs_call_duration >= 2 minutes
classify stage {
  customer    when lifecycle == "customer" or deals >= 2
  prospect    when spoke or lifecycle in ["marketingqualifiedlead", "salesqualifiedlead"]
  lead        when lifecycle in ["subscriber", "lead"] or "webinar" in tags
  otherwise   other
}
"#;

fn hubspot() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let calls = include_str!("../../examples/hubspot/qualify.toml");
        let calls = &calls[calls.find("[source.hubspot_calls]").unwrap_or(0)..];
        let toml = format!(
            "{}\n{calls}",
            include_str!("../../tests/cases/mapping/hubspot_api/qualify.toml")
        );
        fixture(
            &[("rules.qual", HUBSPOT_RULES)],
            &toml,
            ("contacts-fuzz.jsonl", "calls-fuzz.jsonl"),
            (InputFormat::Jsonl, InputFormat::Jsonl),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (contacts, activities) = text.split_once('\u{1}').unwrap_or((text, ""));
    let fixture = match selector & 3 {
        1 => export(true),
        2 => hubspot(),
        _ => export(false),
    };
    let plan = fixture.program.plan();
    let joined = if selector & 16 == 0 {
        let source = match fixture.mapping.activities_for(fixture.activities) {
            Ok(Some(source)) => source,
            _ => panic!("the fixture has a source of activities"),
        };
        let join = source
            .activities
            .as_ref()
            .expect("a source of activities joins");
        let original = (selector & 4 != 0).then(|| {
            let mut file = tempfile();
            file.write_all(activities.as_bytes()).expect("writes");
            file
        });
        let read = match &original {
            Some(file) => {
                let mut reader = file.try_clone().expect("a second handle");
                std::io::Seek::rewind(&mut reader).expect("rewinds");
                Activities::read(
                    fixture.activities,
                    fixture.activities_format,
                    reader,
                    plan,
                    source,
                    join,
                    original
                        .as_ref()
                        .map(|f| f.try_clone().expect("a third handle")),
                )
            }
            None => Activities::read(
                fixture.activities,
                fixture.activities_format,
                activities.as_bytes(),
                plan,
                source,
                join,
                None,
            ),
        };
        match read {
            Ok(activities) => vec![activities],
            Err(e) => {
                // an error that ends the file: it renders, and no contact is classified
                let _ = qualify::cli::render::data::line(&e);
                return;
            }
        }
    } else {
        Vec::new()
    };
    let source = match fixture.mapping.source_for(fixture.contacts) {
        Ok(source) => source,
        Err(_) => panic!("the fixture's contacts have a source"),
    };
    let now = "2026-11-22T12:00:00Z"
        .parse::<jiff::Timestamp>()
        .expect("a valid instant");
    let options = Options {
        now,
        on_error: ErrorPolicy::Continue,
        reasons: true,
        jobs: if selector & 8 == 0 { 1 } else { 2 },
        classes: None,
        activities: &joined,
        base: None,
    };
    let input = Input::bytes(fixture.contacts, fixture.format, contacts.as_bytes()).through(source);
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
    for counts in &tally.joins {
        // every contact read is one with activities or one without
        assert!(counts.contacts_without <= tally.read, "{counts:?}");
        // a pair is of a contact read or an orphan; an activity with no key is in none
        assert!(counts.orphans <= counts.links, "{counts:?}");
        assert!(
            counts.keyless + counts.unreadable <= counts.read,
            "{counts:?}"
        );
    }
});

/// A new file, already unlinked, for activities read in place.
fn tempfile() -> std::fs::File {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("qualify-fuzz-{}-{n}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .expect("a temporary file");
    let _ = std::fs::remove_file(&path);
    file
}
