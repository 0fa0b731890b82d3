//! The short reasons of `eval --explain`, worded from the outcomes ([`short_reasons`], as
//! the batch run gives them), against the short reason of the full explanation tree
//! ([`ClassExplanation::short_reason`]), on every contact of the repository's fixtures, of
//! contacts generated for the reference rules, and of generated rule sets.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use super::*;
use crate::data::{DataError, InputFormat};
use crate::run::{self, Classified, ErrorPolicy, Input, Options, Sink};
use crate::testing::Rng;

/// How many reasons of each kind were compared, so a test can tell that it exercised them.
#[derive(Debug, Default)]
struct Seen {
    contacts: usize,
    guard: usize,
    text: usize,
    all: usize,
    named: usize,
    otherwise: usize,
    no_row: usize,
}

impl Seen {
    fn add(&mut self, other: &Seen) {
        self.contacts += other.contacts;
        self.guard += other.guard;
        self.text += other.text;
        self.all += other.all;
        self.named += other.named;
        self.otherwise += other.otherwise;
        self.no_row += other.no_row;
    }

    fn count(&mut self, reason: &Reason) {
        match reason {
            Reason::Guard { .. } => self.guard += 1,
            Reason::Row { deciding, .. } => match deciding {
                Deciding::Text(_) => self.text += 1,
                Deciding::All(_) => self.all += 1,
                Deciding::Named { .. } => self.named += 1,
            },
            Reason::Otherwise => self.otherwise += 1,
            Reason::NoRow => self.no_row += 1,
        }
    }
}

/// A sink that explains every classified contact in full with an evaluator of its own and
/// checks the run's reasons against the tree's.
struct Compare<'p> {
    label: &'p str,
    program: &'p Program,
    sources: &'p SourceMap,
    evaluator: Evaluator<'p>,
    seen: Seen,
}

impl Sink for Compare<'_> {
    type Error = Infallible;

    fn classified(&mut self, record: Classified<'_>) -> Result<(), Infallible> {
        let slots = &record.contact.slots;
        let mut explainer = Explainer::new(self.program, self.sources, &mut self.evaluator, slots);
        let full: Vec<Reason> = (0..self.program.classes().len())
            .map(|c| match explainer.class(c) {
                Ok(explanation) => explanation.short_reason(),
                Err(e) => panic!(
                    "{}: {}: the explanation failed: {e:?}",
                    self.label, record.contact.id
                ),
            })
            .collect();
        assert_eq!(
            record.reasons, full,
            "{}: contact {}",
            self.label, record.contact.id
        );
        self.seen.contacts += 1;
        full.iter().for_each(|r| self.seen.count(r));
        Ok(())
    }

    fn failed(&mut self, _: &DataError) -> Result<(), Infallible> {
        Ok(())
    }
}

/// The program of a rule set, or its errors (a fixture may be about them).
fn compile(sources: &SourceMap) -> Result<Program, Vec<crate::diagnostic::Diagnostic>> {
    let (checked, diagnostics) = crate::front_end(sources, &Default::default());
    match checked {
        Ok(checked) => Ok(crate::compile::compile(&checked)),
        Err(_) => Err(diagnostics),
    }
}

/// Runs `inputs` with reasons on each number of threads in `jobs`, comparing every
/// contact's reasons; counts those of the first run.
/// An input held in memory, to be run more than once.
struct Text<'a> {
    name: &'a str,
    format: InputFormat,
    text: &'a [u8],
}

fn compare(
    label: &str,
    sources: &SourceMap,
    inputs: &[Text<'_>],
    now: jiff::Timestamp,
    jobs: &[usize],
) -> Seen {
    let program =
        compile(sources).unwrap_or_else(|e| panic!("{label}: the rules have errors: {e:#?}"));
    let mut seen: Option<Seen> = None;
    for &jobs in jobs {
        let options = Options {
            now,
            on_error: ErrorPolicy::Continue,
            reasons: true,
            jobs,
            classes: None,
            activities: &[],
            base: None,
        };
        let mut sink = Compare {
            label,
            program: &program,
            sources,
            evaluator: Evaluator::new(&program, now),
            seen: Seen::default(),
        };
        let inputs = inputs
            .iter()
            .map(|t| Input::bytes(t.name, t.format, t.text))
            .collect();
        let Ok(_) = run::run(&program, sources, inputs, options, &mut sink);
        seen.get_or_insert(sink.seen);
    }
    seen.unwrap_or_default()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `.qual` files of `dir` (or the one file), in name order, as a rule set.
fn rule_set(path: &Path) -> SourceMap {
    let mut files: Vec<PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "qual"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    let mut sources = SourceMap::new();
    for file in files {
        let text = String::from_utf8(read(&file)).expect("rule files are UTF-8");
        sources.add(file.to_string_lossy(), text);
    }
    sources
}

/// The reference rules' `--as-of`, and the default of fixtures that name none.
fn as_of() -> jiff::Timestamp {
    crate::semantics::time::parse_as_of("2026-11-22").expect("a date")
}

/// Contacts of the reference schema (`rules/contact.qual`) as JSON Lines: every field
/// sometimes absent or `null`, values on both sides of the rules' thresholds, and up to a
/// dozen events at times around the `--as-of` (some exactly 30 days before it).
fn reference_contacts(n: usize, rng: &mut Rng) -> String {
    const ROLES: &[&str] = &["\"VP Sales\"", "\"Marketing lead\"", "\"CTO\"", "\"\""];
    const SENIORITY: &[&str] = &[
        "\"ic\"",
        "\"manager\"",
        "\"director\"",
        "\"vp\"",
        "\"c_level\"",
    ];
    const SIZES: &[&str] = &["1", "49", "50", "500"];
    const INDUSTRIES: &[&str] = &["\"Insurance\"", "\"banking\"", "\"Retail\""];
    const BUDGETS: &[&str] = &["0", "999", "1000", "5000"];
    const BOOLS: &[&str] = &["true", "false"];
    const URGENCY: &[&str] = &["\"now\"", "\"quarter\"", "\"later\""];
    const BLOCKERS: &[&str] = &["\"budget\"", "\"competitor_contract\"", "\"other\""];
    const KINDS: &[&str] = &[
        "whitepaper_download",
        "social_like",
        "email_open",
        "email_click",
        "form_submit",
        "email_reply",
        "call",
        "meeting",
        "commitment",
        "purchase",
        "purchase",
    ];
    const AT: &[&str] = &[
        "2026-11-21T10:00:00Z",
        "2026-10-23T00:00:00Z",
        "2026-10-22T23:59:59Z",
        "2026-11-01T09:00:00+02:00",
        "2026-03-01T08:00:00Z",
        "2027-01-05T00:00:00Z",
    ];
    const PRODUCTS: &[&str] = &["\"ebook\"", "\"course\"", "\"consulting\""];
    const AMOUNTS: &[&str] = &["20", "249", "250", "1000"];
    let mut out = String::new();
    for i in 0..n {
        let mut fields = vec![format!("\"id\":\"g{i}\"")];
        let mut field = |rng: &mut Rng, key: &str, values: &[&str]| match rng.below(10) {
            0 => {}
            1 => fields.push(format!("\"{key}\":null")),
            _ => fields.push(format!("\"{key}\":{}", rng.pick(values))),
        };
        field(rng, "role", ROLES);
        field(rng, "seniority", SENIORITY);
        field(rng, "budget_eur", BUDGETS);
        field(rng, "decision_maker", BOOLS);
        field(rng, "knows_needs", BOOLS);
        field(rng, "has_crm", BOOLS);
        field(rng, "opted_out", BOOLS);
        field(rng, "urgency", URGENCY);
        if rng.below(3) == 0 {
            field(rng, "blocker", BLOCKERS);
        }
        let company = format!(
            "\"company\":{{\"size\":{},\"industry\":{}}}",
            if rng.below(10) == 0 {
                "null"
            } else {
                rng.pick(SIZES)
            },
            if rng.below(10) == 0 {
                "null"
            } else {
                rng.pick(INDUSTRIES)
            },
        );
        fields.push(company);
        let events: Vec<String> = (0..rng.below(13))
            .map(|_| {
                let kind = rng.pick(KINDS);
                let mut event = format!("{{\"kind\":\"{kind}\",\"at\":\"{}\"", rng.pick(AT));
                if kind == "purchase" || kind == "email_click" {
                    event.push_str(&format!(",\"product\":{}", rng.pick(PRODUCTS)));
                }
                if kind == "purchase" && rng.below(8) != 0 {
                    event.push_str(&format!(",\"amount_eur\":{}", rng.pick(AMOUNTS)));
                }
                event.push('}');
                event
            })
            .collect();
        fields.push(format!("\"events\":[{}]", events.join(",")));
        out.push('{');
        out.push_str(&fields.join(","));
        out.push_str("}\n");
    }
    out
}

#[test]
fn reference_rules_over_the_examples_and_generated_contacts() {
    let sources = rule_set(&root().join("rules"));
    let examples = root().join("rules/examples");
    let jsonl = read(&examples.join("contacts.jsonl"));
    let csv = read(&examples.join("contacts.csv"));
    let generated = reference_contacts(3_000, &mut Rng(0x2026_1122));
    let inputs = [
        Text {
            name: "contacts.jsonl",
            format: InputFormat::Jsonl,
            text: &jsonl,
        },
        Text {
            name: "contacts.csv",
            format: InputFormat::Csv,
            text: &csv,
        },
        Text {
            name: "generated.jsonl",
            format: InputFormat::Jsonl,
            text: generated.as_bytes(),
        },
    ];
    let seen = compare("rules/", &sources, &inputs, as_of(), &[1, 2]);
    assert!(seen.contacts > 3_000, "{seen:?}");
    // the reference rules give reasons of every kind: a guard, an `and`, a named condition
    // whose `or` is decided by one part, a single test, `otherwise` and no row
    for n in [
        seen.guard,
        seen.all,
        seen.named,
        seen.text,
        seen.otherwise,
        seen.no_row,
    ] {
        assert!(n > 0, "{seen:?}");
    }
}

/// Every fixture with a rule set and contacts: `tests/cases/{eval,explain,baddata}/*/`.
#[test]
fn every_fixture_with_contacts() {
    let mut seen = Seen::default();
    let mut cases = 0;
    for stage in ["eval", "explain", "baddata"] {
        let dir = root().join("tests/cases").join(stage);
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for case in entries {
            let rules = case.join("rules.qual");
            if !rules.is_file() {
                continue;
            }
            let sources = rule_set(&rules);
            if compile(&sources).is_err() {
                continue;
            }
            let args = std::fs::read_to_string(case.join("args")).unwrap_or_default();
            let words: Vec<&str> = args.split_whitespace().collect();
            let now = words
                .windows(2)
                .find(|w| w[0] == "--as-of")
                .and_then(|w| crate::semantics::time::parse_as_of(w[1]))
                .unwrap_or_else(as_of);
            let files: Vec<(PathBuf, InputFormat)> = std::fs::read_dir(&case)
                .unwrap_or_else(|e| panic!("{}: {e}", case.display()))
                .map(|e| e.expect("directory entry").path())
                .filter(|p| p.file_stem().is_some_and(|s| s == "contacts"))
                .filter_map(|p| InputFormat::from_path(&p).map(|f| (p, f)))
                .collect();
            let texts: Vec<(String, InputFormat, Vec<u8>)> = files
                .iter()
                .map(|(p, f)| (p.to_string_lossy().into_owned(), *f, read(p)))
                .collect();
            let inputs: Vec<Text<'_>> = texts
                .iter()
                .map(|(name, format, text)| Text {
                    name,
                    format: *format,
                    text,
                })
                .collect();
            let label = case.to_string_lossy();
            seen.add(&compare(&label, &sources, &inputs, now, &[1, 2]));
            cases += 1;
        }
    }
    assert!(cases > 40 && seen.contacts > 100, "{cases} cases, {seen:?}");
}

/// The fields of generated rule sets, with a schema or without one (then `b` is sometimes a
/// text and `tags` sometimes not a list, so some conditions cannot be evaluated).
const SCHEMA: &str = "schema contact {\n  id: string\n  a: one of \"x\", \"y\", \"z\"?\n  \
b: number?\n  c: bool?\n  d: bool?\n  tags: list of string?\n}\n";

/// One test of a field, a constant on either side.
fn atom(rng: &mut Rng) -> String {
    let ops = ["==", "!=", "<", "<=", ">", ">="];
    match rng.below(10) {
        0 => format!("a == \"{}\"", rng.pick(&["x", "y"])),
        1 => format!("a {} [\"x\", \"z\"]", rng.pick(&["in", "not in"])),
        2 => format!("b {} {}", rng.pick(&ops), rng.below(3)),
        3 => format!("{} {} b", rng.below(3), rng.pick(&ops)),
        4 => "c".to_string(),
        5 => "d".to_string(),
        6 => format!("b is {}", rng.pick(&["missing", "present"])),
        7 => format!("any t in tags: t == \"{}\"", rng.pick(&["p", "q"])),
        8 => "b >= threshold".to_string(),
        _ => "c == d".to_string(),
    }
}

/// A condition over atoms and the `let`s `l0` … `l{lets - 1}`, as a person might write it:
/// `and`/`or` chains with and without brackets (so some chains flatten), `not`, and now and
/// then a line break inside (reasons squeeze it).
fn condition(rng: &mut Rng, depth: usize, lets: usize) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return if lets > 0 && rng.below(3) == 0 {
            format!("l{}", rng.below(lets))
        } else {
            atom(rng)
        };
    }
    let (x, y) = (
        condition(rng, depth - 1, lets),
        condition(rng, depth - 1, lets),
    );
    let gap = if rng.below(6) == 0 { "\n    " } else { " " };
    match rng.below(5) {
        0 => format!("{x}{gap}and {y}"),
        1 => format!("{x}{gap}or {y}"),
        2 => format!("({x}{gap}and {y})"),
        3 => format!("({x}{gap}or {y})"),
        _ => format!("not ({x})"),
    }
}

/// A rule set: a few `let`s (each may use the earlier ones), a classification `k0` with an
/// optional guard, and `k1`, which reads `k0`.
fn generated_rule_set(rng: &mut Rng, schema: bool) -> String {
    let mut text = String::new();
    if schema {
        text.push_str(SCHEMA);
    }
    text.push_str("let threshold = 1\n");
    let lets = rng.below(5);
    for l in 0..lets {
        text.push_str(&format!("let l{l} = {}\n", condition(rng, 2, l)));
    }
    // `k1` names only values `k0` has: `v0` … `v{values - 1}`
    let mut values = 0;
    for (k, prefix) in ["v", "w"].iter().enumerate() {
        text.push_str(&format!("classify k{k}"));
        match (k, rng.below(3)) {
            (0, 0) => text.push_str(&format!(" when {}", condition(rng, 1, lets))),
            (1, 0) => text.push_str(&format!(" when k0 in [v0, v{}]", values - 1)),
            _ => {}
        }
        text.push_str(" {\n");
        let rows = 1 + rng.below(4);
        for r in 0..rows {
            let when = if k == 1 && rng.below(3) == 0 {
                let v = rng.below(values);
                format!("k0 == v{v} or {}", condition(rng, 1, lets))
            } else {
                condition(rng, 3, lets)
            };
            text.push_str(&format!("  {prefix}{r} when {when}\n"));
        }
        values = rows;
        if rng.below(2) == 0 {
            text.push_str(&format!("  otherwise {prefix}{rows}\n"));
            values += 1;
        }
        text.push_str("}\n");
    }
    text
}

/// Every combination of a few values per field; without a schema also values of the wrong
/// type.
fn generated_contacts(schema: bool) -> String {
    let mut b = vec!["", ",\"b\":0", ",\"b\":2", ",\"b\":null"];
    let mut tags = vec![
        "",
        ",\"tags\":[]",
        ",\"tags\":[\"p\"]",
        ",\"tags\":[\"q\",\"p\"]",
    ];
    if !schema {
        b.push(",\"b\":\"many\"");
        tags.push(",\"tags\":\"p\"");
    }
    let mut out = String::new();
    let mut id = 0;
    for a in ["", ",\"a\":\"x\"", ",\"a\":\"y\""] {
        for b in &b {
            for c in ["", ",\"c\":true", ",\"c\":false"] {
                for d in [",\"d\":null", ",\"d\":true", ",\"d\":false"] {
                    for t in &tags {
                        out.push_str(&format!("{{\"id\":\"{id}\"{a}{b}{c}{d}{t}}}\n"));
                        id += 1;
                    }
                }
            }
        }
    }
    out
}

#[test]
fn generated_rule_sets_over_every_combination_of_values() {
    let mut rng = Rng(0x5EED_0E0A);
    let mut seen = Seen::default();
    for schema in [true, false] {
        let contacts = generated_contacts(schema);
        let inputs = [Text {
            name: "generated.jsonl",
            format: InputFormat::Jsonl,
            text: contacts.as_bytes(),
        }];
        for case in 0..if schema { 60 } else { 20 } {
            let text = generated_rule_set(&mut rng, schema);
            let mut sources = SourceMap::new();
            sources.add(format!("generated-{case}.qual"), text.clone());
            let label = format!("generated rule set {case}:\n{text}");
            seen.add(&compare(&label, &sources, &inputs, as_of(), &[1]));
        }
    }
    for n in [
        seen.guard,
        seen.all,
        seen.named,
        seen.text,
        seen.otherwise,
        seen.no_row,
    ] {
        assert!(n > 100, "{seen:?}");
    }
}

#[test]
fn rule_text_is_quoted_on_one_line_without_comments_and_with_strings_as_written() {
    assert_eq!(squeeze("a  >  1\n   and b"), "a > 1 and b");
    assert_eq!(
        squeeze("(n > 100  # large enough\n  or city == \"New  York\")"),
        "(n > 100 or city == \"New  York\")"
    );
    // a `#` or an escaped quote inside a string is part of it
    assert_eq!(
        squeeze("t == \"a \\\" # b\"  and u"),
        "t == \"a \\\" # b\" and u"
    );
    assert_eq!(squeeze("x # only a comment\n"), "x");
}

/// The fast path of `squeeze` (text already on one line) agrees with the full scan.
#[test]
fn squeeze_is_the_same_with_and_without_its_fast_path() {
    let pieces = [
        "a", " ", "  ", "\t", "\n", "\u{0B}", "\u{A0}", "#c\n", "\"s  t\"", "\"#\"", "é",
    ];
    let mut rng = Rng(7);
    for _ in 0..5_000 {
        let text: String = (0..rng.below(8)).map(|_| rng.pick(&pieces)).collect();
        assert_eq!(squeeze(&text), squeeze_scanned(&text), "{text:?}");
    }
}
