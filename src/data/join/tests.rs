//! Joining activities: grouping in any order, in memory and through temporary files, and
//! the same elements as a contact that holds its events itself.

use super::*;
use crate::check::CheckOptions;
use crate::source::SourceMap;
use crate::testing::Rng;

const RULES: &str = "schema contact {
  id: string
  events: list of { kind: one of \"call\", \"email\", \"meeting\", at: datetime, minutes: duration? }?
}
let calls = count(e in events ?? [] where e.kind == \"call\")
let long = any e in events ?? []: e.minutes >= 10 minutes
let recent = any e in events ?? []: e.at within 30 days
classify k {
  a when calls >= 2 or long or recent
  otherwise b
}
";

const MAPPING: &str = "
[source.touches]
files = [\"touches*\"]
activities = \"events\"
key = \"Contact\"
[source.touches.columns]
\"Kind\" = { field = \"kind\", case = \"fold\" }
\"When\" = \"at\"
\"Length\" = { field = \"minutes\", unit = \"minutes\" }
";

fn setup(rules: &str, toml: &str) -> (crate::compile::Program, crate::mapping::Mapping) {
    let mut sources = SourceMap::new();
    sources.add("rules.qual", rules);
    let (checked, diagnostics) = crate::front_end(&sources, &CheckOptions::default());
    assert!(!diagnostics.iter().any(|d| d.is_error()), "{diagnostics:?}");
    let checked = checked.expect("the rules check");
    let file = sources.add("qualify.toml", toml);
    let mapping = crate::mapping::parse(toml, file, checked.rules()).expect("the mapping reads");
    (crate::compile::compile(&checked), mapping)
}

/// The activities of `text`, read as from a file of that name: in place where they are
/// grouped by key, into sorted frames where not.
fn activities(
    program: &crate::compile::Program,
    mapping: &crate::mapping::Mapping,
    name: &str,
    format: InputFormat,
    text: &str,
    budget: usize,
) -> Result<Activities, Box<DataError>> {
    read(program, mapping, name, format, text, budget, true)
}

/// The activities of `text`: from a temporary file where `from_file` (read in place where
/// grouped), else from memory as from a stream (always into sorted frames).
fn read(
    program: &crate::compile::Program,
    mapping: &crate::mapping::Mapping,
    name: &str,
    format: InputFormat,
    text: &str,
    budget: usize,
    from_file: bool,
) -> Result<Activities, Box<DataError>> {
    let source = mapping
        .activities_for(name)
        .expect("one source")
        .expect("a source of activities");
    let join = source.activities.as_ref().expect("activities");
    let original = from_file.then(|| {
        static FILES: AtomicUsize = AtomicUsize::new(0);
        let n = FILES.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("qualify-join-test-{}-{n}", std::process::id()));
        std::fs::write(&path, text).expect("a temporary file");
        let file = std::fs::File::open(&path).expect("opens");
        let _ = std::fs::remove_file(&path);
        file
    });
    let reader = match &original {
        Some(file) => Box::new(file.try_clone().expect("a second handle")) as Box<dyn Read>,
        None => Box::new(text.as_bytes()),
    };
    Activities::read_within(
        name,
        format,
        reader,
        program.plan(),
        source,
        join,
        budget,
        original,
    )
}

/// A mapping of JSON Lines calls by `contact`, `type` and `time` read as `kind` and `at`,
/// with `options` for the source.
fn calls(options: &str) -> String {
    format!(
        "[source.calls]\nfiles = [\"calls*\"]\nactivities = \"events\"\nkey = \"contact\"\n{options}\
         [source.calls.columns]\n\"type\" = \"kind\"\n\"time\" = \"at\"\n"
    )
}

/// The JSON Lines activities `jsonl` of `calls.jsonl`, read from a file and from a stream.
fn both_ways(
    program: &crate::compile::Program,
    mapping: &crate::mapping::Mapping,
    jsonl: &str,
) -> [(bool, Activities); 2] {
    [true, false].map(|from_file| {
        let read = read(
            program,
            mapping,
            "calls.jsonl",
            InputFormat::Jsonl,
            jsonl,
            MEMORY_BUDGET,
            from_file,
        );
        (from_file, read.expect("reads"))
    })
}

/// A contact with no list of its own, decoded from JSON Lines.
fn bare(program: &crate::compile::Program, id: &str) -> Contact {
    let line = format!("{{\"id\":\"{id}\"}}");
    super::super::read(InputFormat::Jsonl, "c.jsonl", &line, program.plan())
        .next()
        .expect("one record")
        .expect("decodes")
}

/// The same contact with `events` written in its record, as JSON.
fn inline(
    program: &crate::compile::Program,
    id: &str,
    events: &[(String, String, u32)],
) -> Contact {
    let events: Vec<String> = events
        .iter()
        .map(|(kind, at, minutes)| {
            format!("{{\"kind\":\"{kind}\",\"at\":\"{at}\",\"minutes\":\"{minutes} minutes\"}}")
        })
        .collect();
    let line = format!("{{\"id\":\"{id}\",\"events\":[{}]}}", events.join(","));
    super::super::read(InputFormat::Jsonl, "c.jsonl", &line, program.plan())
        .next()
        .expect("one record")
        .expect("decodes")
}

#[test]
fn activities_in_any_order_join_in_file_order_in_memory_and_through_temporary_files() {
    let (program, mapping) = setup(RULES, MAPPING);
    let kinds = ["call", "Email", "MEETING"];
    for seed in 0..8u64 {
        let mut random = Rng(seed);
        // ids of different lengths, and ids longer than the part of a key sorting reads
        // without reading the key
        let prefix = if seed < 4 {
            "c"
        } else {
            "contact-of-one-long-prefix-"
        };
        let contacts = 40 + random.below(40);
        let mut csv = String::from("Id,Contact,Kind,When,Length\n");
        // per contact: its activities in file order, as the contact's own JSON would hold
        let mut expected: Vec<Vec<(String, String, u32)>> = vec![Vec::new(); contacts];
        let (mut orphans, mut keyless) = (0, 0);
        let rows = random.below(400);
        let mut lines: Vec<(String, String)> = Vec::new();
        for row in 0..rows {
            let kind = random.pick(&kinds);
            let at = format!("2026-11-{:02}T10:00:00Z", 1 + random.below(28));
            let minutes = random.below(30) as u32;
            let contact = match random.below(10) {
                0 => {
                    keyless += 1;
                    String::new()
                }
                1 => {
                    orphans += 1;
                    format!("x{}", random.below(5))
                }
                _ => {
                    let c = random.below(contacts);
                    expected[c].push((kind.to_lowercase(), at.clone(), minutes));
                    format!("{prefix}{c}")
                }
            };
            lines.push((
                contact.clone(),
                format!("a{row},{contact},{kind},{at},{minutes}\n"),
            ));
        }
        // the same rows grouped by contact (each contact's in file order), read in place
        let grouped = seed % 2 == 1;
        if grouped {
            lines.sort_by(|a, b| a.0.cmp(&b.0));
        }
        for (_, line) in &lines {
            csv.push_str(line);
        }
        for (budget, from_file) in [(MEMORY_BUDGET, true), (256, true), (1, false), (256, false)] {
            let joined = read(
                &program,
                &mapping,
                "touches.csv",
                InputFormat::Csv,
                &csv,
                budget,
                from_file,
            )
            .expect("reads");
            // in place where no key comes again after another row
            let mut ended = std::collections::HashSet::new();
            let mut runs_hold = true;
            for (i, (key, _)) in lines.iter().enumerate() {
                let continues = i > 0 && lines[i - 1].0 == *key;
                if !key.is_empty() && !continues && !ended.insert(key) {
                    runs_hold = false;
                }
            }
            assert!(
                !grouped || runs_hold,
                "seed {seed}: sorted rows are grouped"
            );
            assert_eq!(
                joined.in_place,
                from_file && runs_hold,
                "seed {seed}, budget {budget}"
            );
            for (c, events) in expected.iter().enumerate() {
                let id = format!("{prefix}{c}");
                let mut contact = bare(&program, &id);
                joined.attach(program.plan(), &mut contact).expect("joins");
                let want = inline(&program, &id, events);
                assert_eq!(
                    contact.slots, want.slots,
                    "seed {seed}, budget {budget}, {id}"
                );
                // where each joined activity lies: its row's line (the header is line 1)
                let rows: Vec<usize> = (0..lines.len())
                    .filter(|&i| lines[i].0 == id)
                    .map(|i| i + 2)
                    .collect();
                let located = joined.lines_of(&id).expect("reads");
                assert_eq!(
                    located.map(|(_, l)| l).unwrap_or_default(),
                    rows,
                    "seed {seed}, budget {budget}, {id}"
                );
            }
            let counts = joined.counts();
            assert_eq!(counts.read, rows, "seed {seed}, budget {budget}");
            assert_eq!(counts.orphans, orphans, "seed {seed}, budget {budget}");
            assert_eq!(counts.keyless, keyless, "seed {seed}, budget {budget}");
            let without = expected.iter().filter(|e| e.is_empty()).count();
            assert_eq!(
                counts.contacts_without, without,
                "seed {seed}, budget {budget}"
            );
        }
    }
}

#[test]
fn a_contact_keeps_its_own_events_before_the_joined_ones() {
    let (program, mapping) = setup(RULES, MAPPING);
    let csv = "Contact,Kind,When,Length\nc1,call,2026-11-02T00:00:00Z,5\n";
    let joined = activities(
        &program,
        &mapping,
        "touches.csv",
        InputFormat::Csv,
        csv,
        MEMORY_BUDGET,
    )
    .expect("reads");
    let own = ("email".to_string(), "2026-11-01T00:00:00Z".to_string(), 1);
    let mut contact = inline(&program, "c1", std::slice::from_ref(&own));
    joined.attach(program.plan(), &mut contact).expect("joins");
    let both = [own, ("call".into(), "2026-11-02T00:00:00Z".into(), 5)];
    assert_eq!(contact.slots, inline(&program, "c1", &both).slots);
}

#[test]
fn json_lines_of_activities_join_by_a_key_path() {
    let toml = "
[source.calls]
files = [\"calls*\"]
activities = \"events\"
key = \"associations.contact\"
[source.calls.columns]
\"properties.type\" = \"kind\"
\"properties.timestamp\" = \"at\"
";
    let (program, mapping) = setup(RULES, toml);
    let jsonl = "{\"associations\":{\"contact\":\"c1\"},\"properties\":{\"type\":\"call\",\"timestamp\":\"2026-11-03T00:00:00Z\"}}\n\
                 {\"associations\":{},\"properties\":{\"type\":\"call\",\"timestamp\":\"2026-11-04T00:00:00Z\"}}\n\
                 {\"associations\":{\"contact\":\"c1\"},\"properties\":{\"type\":\"email\",\"timestamp\":\"2026-11-05T00:00:00Z\"}}\n";
    let joined = activities(
        &program,
        &mapping,
        "calls.jsonl",
        InputFormat::Jsonl,
        jsonl,
        MEMORY_BUDGET,
    )
    .expect("reads");
    let mut contact = bare(&program, "c1");
    joined.attach(program.plan(), &mut contact).expect("joins");
    let Value::List(items) = &contact.slots[program.plan().root().slot("events").expect("read")]
    else {
        panic!("a list: {:?}", contact.slots);
    };
    assert_eq!(items.len(), 2);
    let counts = joined.counts();
    assert_eq!((counts.read, counts.keyless, counts.orphans), (3, 1, 0));
}

#[test]
fn numeric_ids_match_keys_written_another_way() {
    let rules = RULES.replace("id: string", "id: number");
    let (program, mapping) = setup(&rules, MAPPING);
    let csv = "Contact,Kind,When,Length\n007,call,2026-11-02T00:00:00Z,5\n7.0,call,2026-11-03T00:00:00Z,5\n";
    let joined = activities(
        &program,
        &mapping,
        "touches.csv",
        InputFormat::Csv,
        csv,
        MEMORY_BUDGET,
    )
    .expect("reads");
    let line = "{\"id\":7}";
    let mut contact = super::super::read(InputFormat::Jsonl, "c.jsonl", line, program.plan())
        .next()
        .expect("one")
        .expect("decodes");
    joined.attach(program.plan(), &mut contact).expect("joins");
    assert_eq!(joined.counts().orphans, 0);
    assert_eq!(joined.counts().contacts_without, 0);
}

#[test]
fn a_bad_activity_is_an_error_of_its_contact_located_in_the_activities_file() {
    let (program, mapping) = setup(RULES, MAPPING);
    let csv = "Contact,Kind,When,Length\nc1,call,2026-11-02T00:00:00Z,5\n\nc1,call,yesterday,5\n";
    let joined =
        activities(&program, &mapping, "touches.csv", InputFormat::Csv, csv, 1).expect("reads");
    let mut contact = bare(&program, "c1");
    let e = joined
        .attach(program.plan(), &mut contact)
        .expect_err("the second row is bad");
    assert_eq!(e.file, "touches.csv");
    assert_eq!(e.line, Some(4), "after the blank line");
    assert_eq!(e.cell, Some(3));
    assert_eq!(e.field.as_deref(), Some("When"));
    assert_eq!(e.id.as_deref(), Some("c1"));
    // another contact's activities are not touched by it
    let mut other = bare(&program, "c2");
    joined
        .attach(program.plan(), &mut other)
        .expect("c2 has none");
}

#[test]
fn a_file_without_the_key_column_ends_the_run_before_any_contact() {
    let (program, mapping) = setup(RULES, MAPPING);
    // the header nearest the key is named: one equal but for case, or spelt nearly so
    for near in ["contact", "Con tact"] {
        let csv = format!("{near},Kind,When\nc1,call,2026-11-02T00:00:00Z\n");
        let e = activities(
            &program,
            &mapping,
            "touches.csv",
            InputFormat::Csv,
            &csv,
            MEMORY_BUDGET,
        )
        .expect_err("no key column");
        assert_eq!(e.code, Code::NoActivityKey);
        assert!(e.fatal);
        assert!(
            matches!(&e.problem, DataProblem::NoKeyColumn { near: Some(n), .. } if n == near),
            "{:?}",
            e.problem
        );
    }
}

#[test]
fn unreadable_records_with_no_key_are_errors_of_their_own() {
    let (program, mapping) = setup(RULES, &MAPPING.replace("touches*", "touches*.jsonl"));
    let jsonl =
        "{\"Contact\":\"c1\",\"Kind\":\"call\",\"When\":\"2026-11-02T00:00:00Z\"}\n{not json\n";
    let joined = activities(
        &program,
        &mapping,
        "touches.jsonl",
        InputFormat::Jsonl,
        jsonl,
        MEMORY_BUDGET,
    )
    .expect("reads");
    assert_eq!(joined.problems().len(), 1);
    assert_eq!(joined.problems()[0].line, Some(2));
    assert_eq!(joined.counts().unreadable, 1);
}

#[test]
fn keys_read_the_same_way_at_any_depth_and_bad_records_are_errors() {
    let rules = RULES.replace("id: string", "id: number");
    let toml = |key: &str| MAPPING.replace("\"Contact\"", &format!("\"{key}\""));
    let lines = [
        "{\"c\": 7.0, \"lead\": {\"c\": 7.0}, \"Kind\": \"call\", \"When\": \"2026-11-02T00:00:00Z\"}",
        "{\"c\": \"007\", \"lead\": {\"c\": \"007\"}, \"Kind\": \"call\", \"When\": \"2026-11-02T00:00:00Z\"}",
        "{\"c\": \"N/A\", \"lead\": {\"c\": \"N/A\"}, \"Kind\": \"call\", \"When\": \"2026-11-02T00:00:00Z\"}",
        "42",
        "{\"c\": {\"x\": 1}, \"lead\": \"7\", \"Kind\": \"call\", \"When\": \"2026-11-02T00:00:00Z\"}",
    ];
    let jsonl = lines.join("\n") + "\n";
    for key in ["c", "lead.c"] {
        let toml = toml(key).replace("touches*", "touches*.jsonl") + "";
        let toml = toml.replace("activities = ", "missing = [\"N/A\"]\nactivities = ");
        let (program, mapping) = setup(&rules, &toml);
        let joined = activities(
            &program,
            &mapping,
            "touches.jsonl",
            InputFormat::Jsonl,
            &jsonl,
            MEMORY_BUDGET,
        )
        .expect("reads");
        let line = "{\"id\":7}";
        let mut contact = super::super::read(InputFormat::Jsonl, "c.jsonl", line, program.plan())
            .next()
            .expect("one")
            .expect("decodes");
        joined.attach(program.plan(), &mut contact).expect("joins");
        let counts = joined.counts();
        assert_eq!(
            (
                counts.read,
                counts.links,
                counts.orphans,
                counts.keyless,
                counts.unreadable
            ),
            (5, 2, 0, 1, 2),
            "{key}: {counts:?}"
        );
        let problems: Vec<String> = joined
            .problems()
            .iter()
            .map(|e| format!("{}:{:?}", e.line.unwrap_or(0), e.problem))
            .collect();
        assert!(
            problems[0].starts_with("4:ActivityNotObject"),
            "{problems:?}"
        );
        let fifth = if key == "c" {
            "5:KeyNotAnId"
        } else {
            "5:KeyPathBlocked"
        };
        assert!(problems[1].starts_with(fifth), "{key}: {problems:?}");
    }
}

#[test]
fn json_keys_are_not_trimmed_and_csv_keys_are() {
    let (program, mapping) = setup(RULES, &MAPPING.replace("touches*", "touches*.jsonl"));
    let jsonl = "{\"Contact\": \" A \", \"Kind\": \"call\", \"When\": \"2026-11-02T00:00:00Z\"}\n";
    let joined = activities(
        &program,
        &mapping,
        "touches.jsonl",
        InputFormat::Jsonl,
        jsonl,
        MEMORY_BUDGET,
    )
    .expect("reads");
    let mut contact = bare(&program, " A ");
    joined.attach(program.plan(), &mut contact).expect("joins");
    assert_eq!(
        joined.counts().orphans,
        0,
        "the JSON id ` A ` is the key ` A `"
    );
    let (program, mapping) = setup(RULES, MAPPING);
    let csv = "Contact,Kind,When\n A ,call,2026-11-02T00:00:00Z\n";
    let joined = activities(
        &program,
        &mapping,
        "touches.csv",
        InputFormat::Csv,
        csv,
        MEMORY_BUDGET,
    )
    .expect("reads");
    let mut contact = bare(&program, "A");
    joined.attach(program.plan(), &mut contact).expect("joins");
    assert_eq!(
        joined.counts().orphans,
        0,
        "a CSV key is trimmed, as a CSV id is"
    );
}

#[test]
fn csv_keys_must_be_text_and_the_key_column_must_be_one() {
    let (program, mapping) = setup(RULES, MAPPING);
    let csv = b"Contact,Kind\nA,call\nM\xfcller,call\n";
    let source = mapping
        .activities_for("touches.csv")
        .expect("one")
        .expect("a source");
    let join = source.activities.as_ref().expect("activities");
    let joined = Activities::read(
        "touches.csv",
        InputFormat::Csv,
        &csv[..],
        program.plan(),
        source,
        join,
        None,
    )
    .expect("reads");
    let [problem] = joined.problems() else {
        panic!("one problem: {:?}", joined.problems());
    };
    assert_eq!((problem.line, problem.cell), (Some(3), Some(1)));
    assert!(matches!(problem.problem, DataProblem::NotUtf8));
    let twice = "Contact,Kind,Contact\nA,call,B\n";
    let e = activities(
        &program,
        &mapping,
        "touches.csv",
        InputFormat::Csv,
        twice,
        MEMORY_BUDGET,
    )
    .expect_err("two key columns");
    assert!(
        matches!(
            e.problem,
            DataProblem::RepeatedColumn {
                first: 1,
                second: 3,
                ..
            }
        ),
        "{:?}",
        e.problem
    );
}

#[test]
fn a_contact_read_but_not_decoded_leaves_no_orphans() {
    let (program, mapping) = setup(RULES, MAPPING);
    let csv = "Contact,Kind\nA,call\nB,call\n";
    let joined = activities(
        &program,
        &mapping,
        "touches.csv",
        InputFormat::Csv,
        csv,
        MEMORY_BUDGET,
    )
    .expect("reads");
    joined.touch("A");
    assert_eq!(joined.counts().orphans, 1);
    // and where the rows are in no order: sorted into frames, in memory and on disk
    let csv = "Contact,Kind\nA,call\nB,call\nA,call\n";
    for budget in [MEMORY_BUDGET, 1] {
        let joined = activities(
            &program,
            &mapping,
            "touches.csv",
            InputFormat::Csv,
            csv,
            budget,
        )
        .expect("reads");
        joined.touch("A");
        assert_eq!(joined.counts().orphans, 1, "budget {budget}");
    }
}

#[test]
fn one_contacts_activities_are_bounded_as_a_record_is() {
    let (program, mapping) = setup(RULES, MAPPING);
    let row = "HOT,call,2026-11-02T00:00:00Z,5\n";
    // past the bound as rows in the file, and as frames
    let rows = MAX_RECORD_BYTES / row.len() + 10;
    let csv = format!(
        "Contact,Kind,When,Length\n{}A,call,2026-11-02T00:00:00Z,5\n",
        row.repeat(rows)
    );
    let joined = activities(
        &program,
        &mapping,
        "touches.csv",
        InputFormat::Csv,
        &csv,
        MEMORY_BUDGET,
    )
    .expect("reads");
    let mut hot = bare(&program, "HOT");
    let e = joined
        .attach(program.plan(), &mut hot)
        .expect_err("too many");
    assert!(
        matches!(e.problem, DataProblem::TooManyActivities { .. }),
        "{:?}",
        e.problem
    );
    assert_eq!(e.id.as_deref(), Some("HOT"));
    let mut other = bare(&program, "A");
    joined
        .attach(program.plan(), &mut other)
        .expect("A is fine");
}

#[cfg(unix)]
#[test]
fn temporary_files_are_private_and_unlinked() {
    use std::os::unix::fs::PermissionsExt;
    let file = temporary_file().expect("a temporary file");
    let meta = file.metadata().expect("metadata");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(std::os::unix::fs::MetadataExt::nlink(&meta), 0, "unlinked");
}

#[test]
fn grouped_json_lines_are_read_in_place_with_their_lines_and_errors() {
    let (program, mapping) = setup(RULES, &calls(""));
    let line = |c: &str, kind: &str, at: &str| {
        format!("{{\"contact\":\"{c}\",\"type\":\"{kind}\",\"time\":\"{at}\"}}\n")
    };
    let jsonl = [
        line("c1", "call", "2026-11-03T00:00:00Z"),
        "\n".to_string(),
        line("c1", "email", "2026-11-04T00:00:00Z"),
        line("c2", "call", "2026-11-05T00:00:00Z"),
        line("c2", "call", "yesterday"),
        "{\"type\":\"call\"}\n".to_string(),
        line("c3", "meeting", "2026-11-06T00:00:00Z"),
    ]
    .concat();
    for (budget, from_file) in [(MEMORY_BUDGET, true), (16, true), (MEMORY_BUDGET, false)] {
        let joined = read(
            &program,
            &mapping,
            "calls.jsonl",
            InputFormat::Jsonl,
            &jsonl,
            budget,
            from_file,
        )
        .expect("reads");
        assert_eq!(joined.in_place, from_file, "budget {budget}");
        let mut c1 = bare(&program, "c1");
        joined.attach(program.plan(), &mut c1).expect("joins");
        let want = inline(
            &program,
            "c1",
            &[
                ("call".into(), "2026-11-03T00:00:00Z".into(), 0),
                ("email".into(), "2026-11-04T00:00:00Z".into(), 0),
            ],
        );
        let events = program.plan().root().slot("events").expect("read");
        let kinds = |c: &Contact| match &c.slots[events] {
            Value::List(items) => items.len(),
            _ => 0,
        };
        assert_eq!(kinds(&c1), kinds(&want));
        let mut c2 = bare(&program, "c2");
        let e = joined
            .attach(program.plan(), &mut c2)
            .expect_err("c2's second call is bad");
        assert_eq!((e.line, e.id.as_deref()), (Some(5), Some("c2")));
        assert_eq!(e.field.as_deref(), Some("time"));
        let mut c3 = bare(&program, "c3");
        joined.attach(program.plan(), &mut c3).expect("joins");
        assert_eq!(kinds(&c3), 1);
        let counts = joined.counts();
        assert_eq!((counts.read, counts.keyless, counts.orphans), (6, 1, 0));
    }
}

#[test]
fn a_run_of_one_key_read_in_place_counts_and_joins_as_each_record_read_alone() {
    let (program, mapping) = setup(RULES, &calls("missing = [\"N/A\"]\n"));
    let at = "\"time\":\"2026-11-03T00:00:00Z\"";
    // keys that a comparison of their text could take for the one before: a number that
    // goes on (`7`, `70`), the same key spaced otherwise, keys that name no contact
    let keys = [
        "7", "7", "70", "70", "\"c1\"", "\"c1\"", " \"c1\"", "\"c1\"", "\"\"", "\"\"", "\"N/A\"",
        "\"N/A\"", "null", "null", "\"c2\"", "\"c2\"",
    ];
    let mut jsonl: String = keys
        .iter()
        .map(|k| format!("{{\"contact\":{k},\"type\":\"call\",{at}}}\n"))
        .collect();
    // the run goes on in records that do not start with the key as written above
    jsonl.push_str(&format!("{{ \"contact\":\"c2\",\"type\":\"call\",{at}}}\n"));
    jsonl.push_str(&format!(
        "{{\"contact\" : \"c2\",\"type\":\"call\",{at}}}\n"
    ));
    jsonl.push_str(&format!("{{\"contact\":\"c2\" ,\"type\":\"call\",{at}}}\n"));
    let events = program.plan().root().slot("events").expect("read");
    let mut seen = Vec::new();
    for (from_file, joined) in both_ways(&program, &mapping, &jsonl) {
        assert_eq!(joined.in_place, from_file);
        let mut lists = Vec::new();
        for id in ["7", "70", "c1", "c2"] {
            let mut contact = bare(&program, id);
            joined.attach(program.plan(), &mut contact).expect("joins");
            lists.push(match &contact.slots[events] {
                Value::List(items) => items.len(),
                _ => 0,
            });
        }
        let c = joined.counts();
        seen.push((lists, c.read, c.links, c.keyless, c.orphans));
    }
    assert_eq!(seen[0], (vec![2, 2, 4, 5], 19, 13, 6, 0));
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn a_file_in_no_order_is_given_up_early_and_read_again_into_the_same_groups() {
    let (program, mapping) = setup(RULES, &calls(""));
    // 5,000 contacts' activities, in runs of a record or two, the runs shuffled: keys come
    // again after others from early on
    let mut random = Rng(3);
    let mut lines = Vec::new();
    for c in 0..5_000 {
        for _ in 0..3 {
            let day = 1 + random.below(28);
            let run = format!(
                "{{\"contact\":\"c{c}\",\"type\":\"call\",\"time\":\"2026-11-{day:02}T00:00:00Z\"}}\n"
            );
            lines.push(run.repeat(1 + random.below(2)));
        }
    }
    for i in (1..lines.len()).rev() {
        lines.swap(i, random.below(i + 1));
    }
    let jsonl = lines.concat();
    let events = program.plan().root().slot("events").expect("read");
    let mut seen = Vec::new();
    for (_, joined) in both_ways(&program, &mapping, &jsonl) {
        assert!(!joined.in_place);
        let mut lists = Vec::new();
        for c in 0..5_000 {
            let mut contact = bare(&program, &format!("c{c}"));
            joined.attach(program.plan(), &mut contact).expect("joins");
            lists.push(contact.slots[events].clone());
        }
        let counts = joined.counts();
        seen.push((lists, counts.read, counts.links, counts.orphans));
    }
    assert_eq!(seen[0].1, jsonl.lines().count());
    assert!(
        seen[0] == seen[1],
        "read from a file and from a stream differ"
    );
}

#[test]
fn a_file_read_in_place_that_changes_after_its_first_reading_is_an_error() {
    let (program, mapping) = setup(RULES, &calls(""));
    let jsonl = "{\"contact\":\"c1\",\"type\":\"call\",\"time\":\"2026-11-03T00:00:00Z\"}\n\
                 {\"contact\":\"c2\",\"type\":\"call\",\"time\":\"2026-11-04T00:00:00Z\"}\n";
    let shuffled = format!("{jsonl}{}", jsonl.lines().next().unwrap_or_default());
    let source = mapping
        .activities_for("calls.jsonl")
        .expect("one source")
        .expect("a source of activities");
    let join = source.activities.as_ref().expect("activities");
    let path = std::env::temp_dir().join(format!("qualify-join-changed-{}", std::process::id()));
    // kept in memory, read from the file, and sorted into frames (read once: not watched)
    for (text, budget, watched) in [(jsonl, MEMORY_BUDGET, true), (jsonl, 8, true)]
        .into_iter()
        .chain([(shuffled.as_str(), MEMORY_BUDGET, false)])
    {
        for change in ["append", "touch"] {
            std::fs::write(&path, text).expect("a temporary file");
            let original = std::fs::File::open(&path).expect("opens");
            let reader = original.try_clone().expect("a second handle");
            let plan = program.plan();
            let joined = Activities::read_within(
                "calls.jsonl",
                InputFormat::Jsonl,
                reader,
                plan,
                source,
                join,
                budget,
                Some(original),
            )
            .expect("reads");
            assert_eq!(joined.in_place, watched);
            assert!(joined.changed().is_none(), "unchanged");
            let file = std::fs::OpenOptions::new().append(true).open(&path);
            let mut file = file.expect("opens to write");
            match change {
                "append" => file.write_all(b"\n").expect("writes"),
                // the same length, written again: only its time of change tells
                _ => file
                    .set_modified(std::time::SystemTime::UNIX_EPOCH)
                    .expect("sets the time"),
            }
            let e = joined.changed();
            assert_eq!(e.is_some(), watched, "{change}, budget {budget}");
            if let Some(e) = e {
                assert!(matches!(e.problem, DataProblem::ChangedWhileRead));
                assert!(e.fatal);
            }
        }
    }
    let _ = std::fs::remove_file(&path);
}
