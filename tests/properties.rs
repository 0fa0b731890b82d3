//! Properties of the whole pipeline on generated inputs, through the public library API.
//! Every generator is seeded, so a failure names a case that reproduces; each test runs in
//! a few seconds.
//!
//! - generated rule sets (well typed, ill typed and mangled) and contacts never panic
//!   through parse, check, compile, lint, decode, classify and explain;
//! - the laws of Kleene's three-valued logic hold through the evaluator, for generated
//!   conditions over contacts with missing data;
//! - a contact classifies the same from JSON and from its CSV flattening.

use qualify::compile::{Program, compile};
use qualify::data::{self, InputFormat};
use qualify::eval::Evaluator;
use qualify::explain::Explainer;
use qualify::semantics::Value;
use qualify::source::SourceMap;

/// A small deterministic random generator (xorshift), so generated cases are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True once in `n` times.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The evaluation instant of every test.
fn now() -> jiff::Timestamp {
    "2026-11-22T12:00:00Z".parse().expect("a valid instant")
}

/// The program of `sources`, when they check without errors.
fn program_of(sources: &SourceMap) -> Option<Program> {
    let (rules, _) = qualify::front_end(sources, &Default::default());
    rules.ok().map(|rules| compile(&rules))
}

fn one_file(name: &str, text: &str) -> SourceMap {
    let mut sources = SourceMap::new();
    sources.add(name, text);
    sources
}

/// Prints the case being run when the test panics, so the failure names its input.
struct Case<'a>(&'a str);

impl Drop for Case<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- while running this case:\n{}", self.0);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Nothing panics
// ---------------------------------------------------------------------------------------

/// The schema the typed generator writes rules for; `?`s are added at random.
const FIELDS: &[(&str, &str)] = &[
    ("n", "number"),
    ("m", "number"),
    ("s", "string"),
    ("flag", "bool"),
    ("kind", "one of \"x\", \"y\", \"z\""),
    ("day", "date"),
    ("seen", "datetime"),
    ("wait", "duration"),
    ("tags", "list of string"),
    ("company", "{ size: number?, name: string? }"),
    (
        "events",
        "list of { kind: string, at: datetime?, amount: number? }",
    ),
];

/// A boolean expression over [`FIELDS`], `lets` (boolean lets defined before) and
/// `classes` (classifications with values `a`, `b`); `ev` is bound inside quantifiers.
fn boolean(rng: &mut Rng, depth: usize, lets: usize, classes: usize, ev: bool) -> String {
    if depth == 0 || rng.one_in(3) {
        return match rng.below(24) {
            0 => "flag".to_string(),
            1 => format!(
                "n {} {}",
                rng.pick(&[">", ">=", "<", "<=", "==", "!="]),
                number(rng, 0, ev)
            ),
            2 => format!(
                "s {} \"{}\"",
                rng.pick(&["==", "!=", "contains", "starts_with", "ends_with"]),
                rng.pick(&["a", "", "VP"])
            ),
            3 => format!("s matches \"{}\"", rng.pick(&["^a", "(?i)vp", "[0-9]+$"])),
            4 => format!(
                "kind {} {}",
                rng.pick(&["==", "!="]),
                rng.pick(&["\"x\"", "\"z\""])
            ),
            5 => format!("kind {} [\"x\", \"y\"]", rng.pick(&["in", "not in"])),
            6 => format!(
                "seen within {}",
                rng.pick(&["30 days", "1 hour", "2 weeks", "0 seconds"])
            ),
            7 => format!(
                "seen {} {}",
                rng.pick(&["before", "after"]),
                rng.pick(&["2026-01-01T00:00:00Z", "now", "2026-11-22T12:00:00+01:00"])
            ),
            8 => format!(
                "day {} {}",
                rng.pick(&["before", "after"]),
                rng.pick(&["2026-01-01", "1970-01-01"])
            ),
            9 => format!(
                "{} is {}",
                rng.pick(&[
                    "n",
                    "s",
                    "flag",
                    "kind",
                    "day",
                    "seen",
                    "wait",
                    "tags",
                    "company.size",
                    "events"
                ]),
                rng.pick(&["missing", "present"])
            ),
            10 => rng.pick(&["true", "false"]).to_string(),
            11 => format!("\"{}\" in tags", rng.pick(&["a", "b"])),
            12 => format!("tags contains \"{}\"", rng.pick(&["a", "b"])),
            13 => format!("(flag ?? {})", rng.pick(&["true", "false"])),
            14 => format!(
                "wait {} {}",
                rng.pick(&[">", "<", "=="]),
                rng.pick(&["1 day", "30 minutes"])
            ),
            15 if lets > 0 => format!("l{}", rng.below(lets)),
            16 if classes > 0 => {
                format!("c{} == \"{}\"", rng.below(classes), rng.pick(&["a", "b"]))
            }
            17 if ev => format!("ev.kind == \"{}\"", rng.pick(&["call", "buy"])),
            18 if ev => format!("ev.at within {}", rng.pick(&["7 days", "1 day"])),
            19 if ev => format!(
                "ev.amount {} {}",
                rng.pick(&[">", "<="]),
                number(rng, 0, false)
            ),
            20 => format!("company.name {} \"acme\"", rng.pick(&["==", "contains"])),
            21 => format!("lower(s) == \"{}\"", rng.pick(&["vp", "a"])),
            _ => format!("company.size > {}", number(rng, 0, ev)),
        };
    }
    let sub = |rng: &mut Rng| boolean(rng, depth - 1, lets, classes, ev);
    match rng.below(7) {
        0 | 1 => format!("({} and {})", sub(rng), sub(rng)),
        2 | 3 => format!("({} or {})", sub(rng), sub(rng)),
        4 => format!("not ({})", sub(rng)),
        5 => format!(
            "{} ev in events: {}",
            rng.pick(&["any", "all"]),
            boolean(rng, depth - 1, lets, classes, true)
        ),
        _ => format!(
            "{} {} {}",
            number(rng, depth - 1, ev),
            rng.pick(&[">", "==", "<="]),
            number(rng, depth - 1, ev)
        ),
    }
}

/// A number expression, with the same names in scope as [`boolean`].
fn number(rng: &mut Rng, depth: usize, ev: bool) -> String {
    if depth == 0 || rng.one_in(2) {
        return match rng.below(12) {
            0 => "n".to_string(),
            1 => "m".to_string(),
            2 => "company.size".to_string(),
            3 if ev => "ev.amount".to_string(),
            4 => rng
                .pick(&["0", "1", "2.5", "1_000", "99999999999999999999"])
                .to_string(),
            5 => "days_since(seen)".to_string(),
            6 => "abs(n)".to_string(),
            7 => "(n ?? 0)".to_string(),
            _ => rng.pick(&["0", "3", "-1"]).to_string(),
        };
    }
    let sub = |rng: &mut Rng| number(rng, depth - 1, ev);
    match rng.below(6) {
        0 => format!(
            "({} {} {})",
            sub(rng),
            rng.pick(&["+", "-", "*", "/"]),
            sub(rng)
        ),
        1 => format!("-{}", sub(rng)),
        2 => format!(
            "count(e in events where {})",
            boolean(rng, depth - 1, 0, 0, false).replace("ev", "e")
        ),
        3 => format!(
            "{}(e.amount for e in events)",
            rng.pick(&["sum", "min", "max"])
        ),
        4 => format!("({} ?? {})", sub(rng), sub(rng)),
        _ => sub(rng),
    }
}

/// A rule set: a schema (sometimes none), lets, and classifications that may read each
/// other and have a guard.
fn rule_set(rng: &mut Rng) -> String {
    let mut text = String::new();
    if !rng.one_in(8) {
        text.push_str("schema contact {\n  id: string\n");
        for (name, ty) in FIELDS {
            let optional = if rng.one_in(5) { "" } else { "?" };
            text.push_str(&format!("  {name}: {ty}{optional}\n"));
        }
        text.push_str("}\n");
    }
    let lets = rng.below(4);
    for i in 0..lets {
        text.push_str(&format!("let l{i} = {}\n", boolean(rng, 3, i, 0, false)));
    }
    let classes = 1 + rng.below(3);
    for c in 0..classes {
        text.push_str(&format!("classify c{c}"));
        if rng.one_in(4) {
            text.push_str(&format!(" when {}", boolean(rng, 1, lets, c, false)));
        }
        text.push_str(" {\n");
        for value in ["a", "b"].iter().take(1 + rng.below(2)) {
            text.push_str(&format!(
                "  {value} when {}\n",
                boolean(rng, 3, lets, c, false)
            ));
        }
        if rng.one_in(2) {
            text.push_str("  otherwise other\n");
        }
        text.push_str("}\n");
    }
    text
}

/// A JSON value for a field of type `ty`: usually fitting, sometimes null, absent (None),
/// extreme or of the wrong type.
fn json_value(rng: &mut Rng, ty: &str) -> Option<String> {
    if rng.one_in(6) {
        return None;
    }
    if rng.one_in(8) {
        return Some("null".to_string());
    }
    if rng.one_in(25) {
        return Some(
            rng.pick(&["\"oops\"", "12", "true", "[]", "{}", "[1, \"a\"]"])
                .to_string(),
        );
    }
    let event = |rng: &mut Rng| {
        format!(
            "{{\"kind\": \"{}\", \"at\": {}, \"amount\": {}}}",
            rng.pick(&["call", "buy", ""]),
            rng.pick(&[
                "\"2026-11-20T10:00:00Z\"",
                "\"2026-01-01T00:00:00+05:00\"",
                "null",
                "\"9999-12-31T23:59:59Z\""
            ]),
            rng.pick(&["null", "0", "-5", "1e308", "250.5"])
        )
    };
    Some(match ty {
        "number" => rng
            .pick(&[
                "0",
                "-0",
                "1",
                "2.5",
                "1e308",
                "-1e308",
                "50",
                "123456789012345678901234567890",
            ])
            .to_string(),
        "string" => rng
            .pick(&[
                "\"a\"",
                "\"\"",
                "\"VP Sales\"",
                "\"\\u00e9t\\u00e9\"",
                "\"12\"",
            ])
            .to_string(),
        "bool" => rng.pick(&["true", "false"]).to_string(),
        "date" => rng
            .pick(&[
                "\"2026-11-01\"",
                "\"0001-01-01\"",
                "\"9999-12-31\"",
                "\"2026-02-30\"",
            ])
            .to_string(),
        "datetime" => rng
            .pick(&[
                "\"2026-11-21T09:00:00Z\"",
                "\"2026-11-22T12:00:00+14:00\"",
                "\"1970-01-01T00:00:00Z\"",
                "\"2026-11-22\"",
                "\"-009999-01-01T00:00:00Z\"",
            ])
            .to_string(),
        "duration" => rng
            .pick(&[
                "\"1 day\"",
                "\"30 minutes\"",
                "\"PT2H\"",
                "\"0 seconds\"",
                "\"99999999999 weeks\"",
            ])
            .to_string(),
        "list of string" => rng
            .pick(&["[]", "[\"a\"]", "[\"a\", \"b\", null]"])
            .to_string(),
        _ if ty.starts_with("one of") => rng.pick(&["\"x\"", "\"y\"", "\"w\""]).to_string(),
        _ if ty.starts_with("{") => format!(
            "{{\"size\": {}, \"name\": {}}}",
            rng.pick(&["null", "10", "1000"]),
            rng.pick(&["null", "\"acme\"", "\"Acme Inc\""])
        ),
        _ => {
            let events: Vec<String> = (0..rng.below(4)).map(|_| event(rng)).collect();
            format!("[{}]", events.join(", "))
        }
    })
}

/// A JSON Lines file of generated contacts for [`FIELDS`].
fn contacts(rng: &mut Rng, count: usize) -> String {
    let mut out = String::new();
    for i in 0..count {
        let mut fields = vec![format!("\"id\": \"c{i}\"")];
        for (name, ty) in FIELDS {
            if let Some(value) = json_value(rng, ty) {
                fields.push(format!("\"{name}\": {value}"));
            }
        }
        out.push_str(&format!("{{{}}}\n", fields.join(", ")));
    }
    out
}

/// `text` with a few characters deleted, repeated or replaced by punctuation.
fn mangle(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        if chars.is_empty() {
            break;
        }
        let at = rng.below(chars.len());
        match rng.below(3) {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, chars[at]),
            _ => chars[at] = ['(', ')', '"', '{', '}', '.', '?', '#', '\n', '-'][rng.below(10)],
        }
    }
    chars.into_iter().collect()
}

/// Classifies and explains every contact of `jsonl`; only panics can fail this.
fn run_contacts(sources: &SourceMap, program: &Program, jsonl: &str) -> (usize, usize) {
    let mut evaluator = Evaluator::new(program, now());
    let (mut classified, mut failed) = (0, 0);
    for contact in data::read(InputFormat::Jsonl, "t.jsonl", jsonl, program.plan()) {
        let Ok(contact) = contact else {
            failed += 1;
            continue;
        };
        match evaluator.classify(&contact.slots) {
            Ok(outcomes) => {
                assert_eq!(outcomes.len(), program.classes().len());
                classified += 1;
            }
            Err(_) => failed += 1,
        }
        let mut explainer = Explainer::new(program, sources, &mut evaluator, &contact.slots);
        let _ = explainer.contact(&contact.id);
    }
    (classified, failed)
}

#[test]
fn generated_rule_sets_and_contacts_never_panic() {
    let mut rng = Rng(0x51f1_5eed_0ddb_a11c);
    let (mut compiled, mut classified) = (0, 0);
    const CASES: usize = 150;
    for _ in 0..CASES {
        let text = rule_set(&mut rng);
        let _case = Case(&text);
        let sources = one_file("t.qual", &text);
        // what `qualify check` runs: parse, check, compile and every lint
        let analysis = qualify::analyze(&sources, &Default::default(), &Default::default());
        let Some(program) = analysis.program else {
            continue;
        };
        compiled += 1;
        let jsonl = contacts(&mut rng, 20);
        let _contacts = Case(&jsonl);
        classified += run_contacts(&sources, &program, &jsonl).0;
    }
    // the generator writes mostly well-typed rule sets; a drop here means it (or the
    // checker) changed and this test no longer reaches the evaluator
    assert!(
        compiled >= CASES / 2,
        "only {compiled} of {CASES} rule sets compiled"
    );
    assert!(
        classified >= compiled * 5,
        "only {classified} contacts classified"
    );
}

#[test]
fn mangled_rule_sets_never_panic() {
    let mut rng = Rng(0x0bad_c0de_dead_beef);
    for _ in 0..300 {
        let original = rule_set(&mut rng);
        let text = mangle(&mut rng, &original);
        let _case = Case(&text);
        let sources = one_file("t.qual", &text);
        let analysis = qualify::analyze(&sources, &Default::default(), &Default::default());
        if let Some(program) = analysis.program {
            let jsonl = contacts(&mut rng, 5);
            run_contacts(&sources, &program, &jsonl);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Kleene's laws through the evaluator
// ---------------------------------------------------------------------------------------

const KLEENE_SCHEMA: &str = "schema contact {\n  id: string\n  a: bool?\n  b: bool?\n  n: number?\n  s: one of \"x\", \"y\"?\n  events: list of { k: one of \"x\", \"y\" }?\n}\n";

/// A condition over [`KLEENE_SCHEMA`] that is unknown whenever the data it needs is missing.
fn condition(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.one_in(3) {
        return match rng.below(12) {
            0 => "a".to_string(),
            1 => "b".to_string(),
            2 => format!(
                "n {} {}",
                rng.pick(&[">", ">=", "<", "==", "!="]),
                rng.below(3)
            ),
            3 => format!("s == \"{}\"", rng.pick(&["x", "y"])),
            4 => "s in [\"x\"]".to_string(),
            5 => format!(
                "{} is {}",
                rng.pick(&["a", "n", "s"]),
                rng.pick(&["missing", "present"])
            ),
            6 => rng.pick(&["true", "false"]).to_string(),
            7 => format!("(a ?? {})", rng.pick(&["true", "false", "b"])),
            8 => format!("{} e in events: e.k == \"x\"", rng.pick(&["any", "all"])),
            9 => format!("n + 1 > {}", rng.below(4)),
            _ => "(a == b)".to_string(),
        };
    }
    let sub = |rng: &mut Rng| condition(rng, depth - 1);
    match rng.below(3) {
        0 => format!("({} and {})", sub(rng), sub(rng)),
        1 => format!("({} or {})", sub(rng), sub(rng)),
        _ => format!("not ({})", sub(rng)),
    }
}

/// Every contact over the schema's relevant values, missing ones included.
fn kleene_contacts() -> String {
    let mut out = String::new();
    for a in ["null", "true", "false"] {
        for b in ["null", "true", "false"] {
            for n in ["null", "0", "1", "2"] {
                for s in ["null", "\"x\"", "\"y\""] {
                    for events in [
                        "null",
                        "[]",
                        "[{\"k\": \"x\"}]",
                        "[{\"k\": \"x\"}, {\"k\": \"y\"}]",
                    ] {
                        out.push_str(&format!(
                            "{{\"id\": \"k\", \"a\": {a}, \"b\": {b}, \"n\": {n}, \"s\": {s}, \"events\": {events}}}\n"
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Kleene's strong conjunction (or disjunction) of two truth values.
fn kleene(p: &Value, q: &Value, and: bool) -> Value {
    match (p, q) {
        (Value::Bool(x), Value::Bool(y)) => Value::Bool(if and { *x && *y } else { *x || *y }),
        (Value::Bool(x), _) | (_, Value::Bool(x)) if *x != and => Value::Bool(!and),
        _ => Value::Missing,
    }
}

/// Equivalences that hold in Kleene's three-valued logic (and those of Boolean logic
/// that do not, such as the excluded middle, are checked separately).
fn laws(p: &str, q: &str, r: &str) -> Vec<(String, String, String)> {
    let (p, q, r) = (format!("({p})"), format!("({q})"), format!("({r})"));
    let law = |name: &str, left: String, right: String| (name.to_string(), left, right);
    vec![
        law(
            "de Morgan (and)",
            format!("not ({p} and {q})"),
            format!("(not {p}) or (not {q})"),
        ),
        law(
            "de Morgan (or)",
            format!("not ({p} or {q})"),
            format!("(not {p}) and (not {q})"),
        ),
        law("double negation", format!("not (not {p})"), p.clone()),
        law(
            "and commutes",
            format!("{p} and {q}"),
            format!("{q} and {p}"),
        ),
        law("or commutes", format!("{p} or {q}"), format!("{q} or {p}")),
        law(
            "and associates",
            format!("({p} and {q}) and {r}"),
            format!("{p} and ({q} and {r})"),
        ),
        law(
            "or associates",
            format!("({p} or {q}) or {r}"),
            format!("{p} or ({q} or {r})"),
        ),
        law(
            "and distributes",
            format!("{p} and ({q} or {r})"),
            format!("({p} and {q}) or ({p} and {r})"),
        ),
        law(
            "or distributes",
            format!("{p} or ({q} and {r})"),
            format!("({p} or {q}) and ({p} or {r})"),
        ),
        law(
            "absorption (and)",
            format!("{p} and ({p} or {q})"),
            p.clone(),
        ),
        law(
            "absorption (or)",
            format!("{p} or ({p} and {q})"),
            p.clone(),
        ),
        law("and is idempotent", format!("{p} and {p}"), p.clone()),
        law("or is idempotent", format!("{p} or {p}"), p.clone()),
        law("true is and's identity", format!("{p} and true"), p.clone()),
        law("false is or's identity", format!("{p} or false"), p.clone()),
        law(
            "false annihilates and",
            format!("{p} and false"),
            "false".to_string(),
        ),
        law(
            "true annihilates or",
            format!("{p} or true"),
            "true".to_string(),
        ),
    ]
}

#[test]
fn kleene_laws_hold_through_the_evaluator() {
    let mut rng = Rng(0x6b1e_e4e0_1a35_0001);
    let contacts = kleene_contacts();
    let mut unknown_seen = 0;
    for case in 0..20 {
        let (p, q, r) = (
            condition(&mut rng, 2),
            condition(&mut rng, 2),
            condition(&mut rng, 2),
        );
        let laws = laws(&p, &q, &r);
        let mut text = String::from(KLEENE_SCHEMA);
        for (name, value) in [("p", &p), ("q", &q), ("r", &r)] {
            text.push_str(&format!("let {name} = {value}\n"));
        }
        text.push_str(&format!(
            "let p_and_q = ({p}) and ({q})\nlet p_or_q = ({p}) or ({q})\n"
        ));
        text.push_str(&format!(
            "let middle = ({p}) or not ({p})\nlet contradiction = ({p}) and not ({p})\n"
        ));
        for (i, (_, left, right)) in laws.iter().enumerate() {
            text.push_str(&format!("let left_{i} = {left}\nlet right_{i} = {right}\n"));
        }
        // the rows see p's three values: true, false, and unknown (which no row takes)
        text.push_str(&format!(
            "classify k {{\n  yes when {p}\n  no when not ({p})\n}}\n"
        ));
        let _case = Case(&text);
        let sources = one_file("t.qual", &text);
        let program = program_of(&sources).unwrap_or_else(|| panic!("case {case} does not check"));
        let id = |name: &str| {
            (0..program.let_count())
                .find(|&i| program.let_name(i) == name)
                .unwrap_or_else(|| panic!("no let `{name}`"))
        };
        let mut evaluator = Evaluator::new(&program, now());
        for contact in data::read(InputFormat::Jsonl, "k.jsonl", &contacts, program.plan()) {
            let contact = contact.expect("the contacts fit the schema");
            let slots = &contact.slots;
            evaluator.reset();
            let mut value = |name: &str| {
                evaluator
                    .let_value(id(name), slots)
                    .expect("typed by the schema")
            };
            let (pv, qv) = (value("p"), value("q"));
            let at = format!("case {case}, contact line {}", contact.line);
            for v in [&pv, &qv] {
                assert!(
                    matches!(v, Value::Bool(_) | Value::Missing),
                    "{at}: a condition gave {v:?}"
                );
            }
            unknown_seen += usize::from(pv == Value::Missing);
            assert_eq!(
                value("p_and_q"),
                kleene(&pv, &qv, true),
                "{at}: p and q with p = {pv:?}, q = {qv:?}"
            );
            assert_eq!(
                value("p_or_q"),
                kleene(&pv, &qv, false),
                "{at}: p or q with p = {pv:?}, q = {qv:?}"
            );
            // Kleene, not Boolean: `p or not p` is never false and `p and not p` never
            // true, but both are unknown when p is
            let middle = if pv == Value::Missing {
                Value::Missing
            } else {
                Value::Bool(true)
            };
            assert_eq!(value("middle"), middle, "{at}: p or not p with p = {pv:?}");
            let contradiction = if pv == Value::Missing {
                Value::Missing
            } else {
                Value::Bool(false)
            };
            assert_eq!(
                value("contradiction"),
                contradiction,
                "{at}: p and not p with p = {pv:?}"
            );
            for (i, (name, _, _)) in laws.iter().enumerate() {
                let (left, right) = (value(&format!("left_{i}")), value(&format!("right_{i}")));
                assert_eq!(left, right, "{at}: {name} with p = {pv:?}");
            }
            let outcome = evaluator.classify(slots).expect("typed by the schema")[0];
            let expected = match pv {
                Value::Bool(true) => Some(0),
                Value::Bool(false) => Some(1),
                _ => None,
            };
            assert_eq!(outcome.value, expected, "{at}: classified with p = {pv:?}");
        }
    }
    assert!(
        unknown_seen > 500,
        "only {unknown_seen} unknown conditions: the generator lost its missing data"
    );
}

// ---------------------------------------------------------------------------------------
// JSON and CSV agree
// ---------------------------------------------------------------------------------------

/// The reference rule set in `rules/`.
fn reference_rules() -> SourceMap {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut sources = SourceMap::new();
    for name in [
        "contact",
        "qualification",
        "stage",
        "temperature",
        "tracking",
    ] {
        let path = dir.join(format!("{name}.qual"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        sources.add(format!("rules/{name}.qual"), text);
    }
    sources
}

/// One generated field value: its JSON text and its CSV cell (`None` for missing: absent
/// or `null` in JSON, an empty cell in CSV).
type Field = (&'static str, Option<(String, String)>);

/// A text value as JSON and as a CSV cell (quoted when it holds a comma or a quote).
fn text(value: &str) -> Option<(String, String)> {
    let json = serde_json::to_string(value).expect("a string serializes");
    let csv = if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    };
    Some((json, csv))
}

/// A number or bool value, written the same in JSON and CSV.
fn bare(value: &str) -> Option<(String, String)> {
    Some((value.to_string(), value.to_string()))
}

/// A contact for the reference schema, field by field (dotted names for nested fields).
/// One in three is drawn from values that qualify it (see `rules/qualification.qual`), so
/// that every stage and temperature is reached, not only `lead` and `none`.
fn reference_contact(rng: &mut Rng, id: usize) -> Vec<Field> {
    let fit = rng.one_in(3);
    let missing_one_in = if fit { 15 } else { 4 };
    // a value from `good` for a fitting contact, else from `good` and `other`, else missing
    let value = |rng: &mut Rng, good: &[&str], other: &[&str]| -> Option<String> {
        if rng.one_in(missing_one_in) {
            return None;
        }
        let all: Vec<&str> = good.iter().chain(other).copied().collect();
        Some(rng.pick(if fit { good } else { &all }).to_string())
    };
    let event = |rng: &mut Rng| {
        let kinds = [
            "whitepaper_download",
            "email_open",
            "email_click",
            "email_reply",
            "call",
            "meeting",
            "form_submit",
            "commitment",
            "purchase",
            "website_questionnaire",
        ];
        let at = [
            "2026-11-20T10:00:00Z",
            "2026-11-01T09:00:00Z",
            "2026-06-01T00:00:00+02:00",
            "2026-11-22T11:59:59Z",
        ];
        let mut parts = vec![
            format!("\"kind\": \"{}\"", rng.pick(&kinds)),
            format!("\"at\": \"{}\"", rng.pick(&at)),
        ];
        if rng.one_in(2) {
            let product = rng.pick(&["ebook", "course", "consulting"]);
            parts.push(format!("\"product\": \"{product}\""));
        }
        if rng.one_in(2) {
            let amount = rng.pick(&["20", "250", "1000", "0", "2500.5"]);
            parts.push(format!("\"amount_eur\": {amount}"));
        }
        format!("{{{}}}", parts.join(", "))
    };
    let mut events: Vec<String> = (0..rng.below(5)).map(|_| event(rng)).collect();
    if fit {
        events.push(r#"{"kind": "call", "at": "2026-11-20T10:00:00Z"}"#.to_string());
    }
    let events = format!("[{}]", events.join(", "));
    let (yes, no) = (&["true"][..], &["false"][..]);
    let role = value(
        rng,
        &["VP Sales", "Head of Marketing"],
        &["analyst", "CEO, founder", "says \"hi\"", "12"],
    );
    let seniority = value(rng, &["director", "vp", "c_level"], &["ic", "manager"]);
    let size = value(rng, &["50", "800", "100000"], &["5", "49", "12.5"]);
    let industry = value(rng, &["Insurance", "banking"], &["Retail", "SaaS"]);
    let budget = value(rng, &["20000", "1000"], &["0", "500", "999.99"]);
    // a fitting contact is sometimes blocked or opted out, for the temperatures
    let opted_out = value(rng, &["false", "false", "true"], &[]);
    let blockers = ["budget", "competitor_contract", "other"];
    let blocker = value(rng, &blockers, &[]).filter(|_| rng.one_in(2));
    let mut fields: Vec<Field> = vec![
        ("id", text(&format!("c{id}"))),
        ("role", role.as_deref().and_then(text)),
        ("seniority", seniority.as_deref().and_then(text)),
        ("company.size", size.as_deref().and_then(bare)),
        ("company.industry", industry.as_deref().and_then(text)),
        ("budget_eur", budget.as_deref().and_then(bare)),
        (
            "decision_maker",
            value(rng, yes, no).as_deref().and_then(bare),
        ),
        ("knows_needs", value(rng, yes, no).as_deref().and_then(bare)),
        ("has_crm", value(rng, yes, no).as_deref().and_then(bare)),
        ("opted_out", opted_out.as_deref().and_then(bare)),
        (
            "urgency",
            value(rng, &["now", "quarter", "later"], &[])
                .as_deref()
                .and_then(text),
        ),
        ("blocker", blocker.as_deref().and_then(text)),
        // required by the schema, so never missing
        (
            "events",
            Some((
                events.clone(),
                format!("\"{}\"", events.replace('"', "\"\"")),
            )),
        ),
    ];
    // now and then a value of the wrong type (text is right for `role` and
    // `company.industry`), which both formats must reject (not `yes`: CSV reads it as a
    // bool, see docs/language.md)
    if rng.one_in(8) {
        let at = 2 + rng.below(fields.len() - 2);
        fields[at].1 = text(rng.pick(&["lots", "2026-13-01"]));
    }
    fields
}

/// The contact as one JSON object: nested fields as nested objects; a missing field is
/// absent or `null`.
fn as_json(rng: &mut Rng, contact: &[Field]) -> String {
    let mut top: Vec<String> = Vec::new();
    let mut company: Vec<String> = Vec::new();
    for (name, value) in contact {
        let value = match value {
            Some((json, _)) => json.clone(),
            None if rng.one_in(2) => continue,
            None => "null".to_string(),
        };
        match name.strip_prefix("company.") {
            Some(inner) => company.push(format!("\"{inner}\": {value}")),
            None => top.push(format!("\"{name}\": {value}")),
        }
    }
    // `company` is a required record: a CSV row always has one (its cells may all be
    // empty, see tests/cases/eval/data_csv_required_record), a JSON object needs the key
    top.push(format!("\"company\": {{{}}}", company.join(", ")));
    format!("{{{}}}", top.join(", "))
}

#[test]
fn a_contact_classifies_the_same_from_json_and_from_csv() {
    let sources = reference_rules();
    let program = program_of(&sources).expect("the reference rules check");
    let mut rng = Rng(0xc5f0_4a11_d1ff_0042);
    let mut evaluator = Evaluator::new(&program, now());
    let mut classify = |format, text: &str| -> Vec<Result<(Vec<_>, String), String>> {
        data::read(format, "t", text, program.plan())
            .map(|c| match c {
                Ok(c) => evaluator
                    .classify(&c.slots)
                    .map(|outcomes| (outcomes, format!("{:?}", c.slots)))
                    .map_err(|e| format!("{e:?}")),
                Err(e) => Err(format!("{:?}", e.code)),
            })
            .collect()
    };
    let (mut compared, mut rejected) = (0, 0);
    let mut seen = std::collections::HashSet::new();
    for file in 0..200 {
        let contacts: Vec<Vec<Field>> = (0..1 + rng.below(12))
            .map(|i| reference_contact(&mut rng, i))
            .collect();
        // the columns in a random order: CSV is read by header, not by position
        let mut columns: Vec<usize> = (0..contacts[0].len()).collect();
        for i in (1..columns.len()).rev() {
            columns.swap(i, rng.below(i + 1));
        }
        let mut csv = columns
            .iter()
            .map(|&c| contacts[0][c].0)
            .collect::<Vec<_>>()
            .join(",");
        csv.push('\n');
        let mut jsonl = String::new();
        for contact in &contacts {
            let cells: Vec<&str> = columns
                .iter()
                .map(|&c| contact[c].1.as_ref().map_or("", |(_, cell)| cell.as_str()))
                .collect();
            csv.push_str(&cells.join(","));
            csv.push('\n');
            jsonl.push_str(&as_json(&mut rng, contact));
            jsonl.push('\n');
        }
        let json_array = format!("[{}]", jsonl.lines().collect::<Vec<_>>().join(",\n"));
        let _case = Case(&csv);
        let _json = Case(&jsonl);
        let from_jsonl = classify(InputFormat::Jsonl, &jsonl);
        let from_array = classify(InputFormat::Json, &json_array);
        let from_csv = classify(InputFormat::Csv, &csv);
        assert_eq!(from_jsonl.len(), contacts.len(), "file {file}");
        for result in &from_jsonl {
            match result {
                Ok((outcomes, _)) => {
                    seen.insert(format!("{outcomes:?}"));
                }
                Err(_) => rejected += 1,
            }
        }
        assert_eq!(
            from_jsonl, from_array,
            "file {file}: JSON Lines and a JSON array differ"
        );
        for (i, (json, csv)) in from_jsonl.iter().zip(&from_csv).enumerate() {
            match (json, csv) {
                (Ok(json), Ok(csv)) => {
                    assert_eq!(json, csv, "file {file}, contact c{i}: JSON and CSV differ")
                }
                // the codes may differ: a list cell that is not JSON is malformed CSV,
                // where a list given as text in JSON has the wrong type
                (Err(_), Err(_)) => {}
                _ => panic!("file {file}, contact c{i}: JSON gave {json:?}, CSV {csv:?}"),
            }
        }
        assert_eq!(from_jsonl.len(), from_csv.len(), "file {file}");
        compared += contacts.len();
    }
    // the generator reaches many outcomes and some errors, not one outcome every time
    assert!(compared > 1000, "only {compared} contacts compared");
    assert!(
        seen.len() >= 10,
        "only {} distinct outcomes: {seen:?}",
        seen.len()
    );
    assert!(
        rejected > 10 && rejected < compared / 4,
        "{rejected} of {compared} rejected"
    );
}

// ---------------------------------------------------------------------------------------
// Evaluating a selection
// ---------------------------------------------------------------------------------------

/// Every subset of `0..n` (for the few classifications of a generated rule set), or for a
/// larger `n` each classification alone, each pair, and all of them.
fn selections(n: usize) -> Vec<Vec<usize>> {
    if n <= 4 {
        return (1..1u32 << n)
            .map(|mask| (0..n).filter(|&c| mask & (1 << c) != 0).collect())
            .collect();
    }
    let mut out: Vec<Vec<usize>> = (0..n).map(|c| vec![c]).collect();
    out.extend((0..n).flat_map(|a| (a + 1..n).map(move |b| vec![a, b])));
    out.push((0..n).collect());
    out
}

/// Classifies `jsonl` whole and then under each selection: the selected outcomes, and
/// whether a contact is classified at all, are the same. Returns how many comparisons.
fn compare_selections(program: &Program, jsonl: &str) -> usize {
    let contacts: Vec<_> = data::read(InputFormat::Jsonl, "t.jsonl", jsonl, program.plan())
        .filter_map(Result::ok)
        .collect();
    let mut whole = Evaluator::new(program, now());
    let expected: Vec<_> = contacts.iter().map(|c| whole.classify(&c.slots)).collect();
    let mut compared = 0;
    for selection in selections(program.classes().len()) {
        let mut evaluator = Evaluator::new(program, now());
        evaluator.select(&selection);
        for (contact, expected) in contacts.iter().zip(&expected) {
            let got = evaluator.classify(&contact.slots);
            match (expected, &got) {
                (Ok(expected), Ok(got)) => {
                    for &c in &selection {
                        assert_eq!(got[c], expected[c], "classification {c} of {selection:?}");
                    }
                }
                (expected, got) => assert_eq!(
                    expected.is_ok(),
                    got.is_ok(),
                    "{selection:?}: {expected:?} against {got:?}"
                ),
            }
            compared += 1;
        }
    }
    compared
}

#[test]
fn a_selection_classifies_as_the_whole_rule_set_does() {
    let mut rng = Rng(0x5e1e_c7ed_c1a5_5e55);
    let mut compared = 0;
    for _ in 0..150 {
        let text = rule_set(&mut rng);
        let _case = Case(&text);
        let sources = one_file("t.qual", &text);
        let Some(program) = program_of(&sources) else {
            continue;
        };
        let jsonl = contacts(&mut rng, 20);
        let _contacts = Case(&jsonl);
        compared += compare_selections(&program, &jsonl);
    }
    assert!(compared > 2_000, "only {compared} contacts compared");

    // the reference rules, whose classifications use each other
    let sources = reference_rules();
    let program = program_of(&sources).expect("the reference rules check");
    let jsonl: String = (0..300)
        .map(|i| {
            let contact = reference_contact(&mut rng, i);
            as_json(&mut rng, &contact) + "\n"
        })
        .collect();
    assert!(compare_selections(&program, &jsonl) > 300);
}

/// A schema and a mapping that uses every option, for the mapping properties below.
const MAPPED_SCHEMA: &str = "schema contact {
  id: string
  source: one of \"google\", \"referral\"?
  size: number?
  created: datetime?
  born: date?
  waited: duration?
  opted: bool?
  tags: list of string?
  rank: one of \"High\", \"Low\"?
}
classify k {
  a when size >= 100 or source == \"google\" or created within 30 days or opted
  b when born is present or waited > 1 day or \"x\" in tags or rank == \"High\"
  otherwise c
}
";

const MAPPING: &str = r#"[source.crm]
files = ["*.csv"]
delimiter = ";"
id = ["Email", "Company"]
missing = ["N/A", "Select"]
true = ["Y"]
false = ["N"]
timezone = "Europe/Berlin"

[source.crm.columns]
"Lead Source" = { field = "source", values = { "Google Ads" = "google" }, case = "fold" }
"Size" = { field = "size", range = "low", missing = ["-1"] }
"Created" = { field = "created", format = "%m/%d/%Y %H:%M" }
"Born" = { field = "born", format = "%d.%m.%Y" }
"Waited" = { field = "waited", unit = "minutes" }
"Opted" = "opted"
"Tags" = { field = "tags", split = "|" }
"Rank" = { field = "rank", extract = '^\d+\.(.*)$' }
"#;

/// A cell for one of the mapping's columns, often well formed, sometimes not.
fn mapped_cell(rng: &mut Rng, column: usize) -> String {
    let good: &[&str] = match column {
        0 | 1 => &["ana@x.example", "Acme", "", "N/A"],
        2 => &["Google Ads", "GOOGLE", "referral", "Select", "Paid"],
        3 => &["200-499", "2000+", "$10M-$50M", "<10", "-1", "lots", "5-2"],
        4 => &[
            "11/20/2026 09:14",
            "3/15/2024 10:00",
            "2026-11-20",
            "13/40/2026 99:99",
        ],
        5 => &["15.03.2024", "32.01.2024", "2024-03-15"],
        6 => &["90", "1e300", "an hour", "-5"],
        7 => &["Y", "N", "yes", "0", "maybe"],
        8 => &["a|x|b", "x", "||", ""],
        _ => &["01.High", "02.Low", "High", "03.Medium"],
    };
    let cell = rng.pick(good).to_string();
    if rng.one_in(6) {
        mangle(rng, &cell)
    } else {
        cell
    }
}

/// Mappings mangled a character at a time never panic the parser, every problem points
/// into the mapping's text, and CSV rows of mangled cells read through a valid mapping never
/// panic and are each classified or reported.
#[test]
fn mangled_mappings_and_mapped_cells_never_panic() {
    let mut sources = SourceMap::new();
    sources.add("rules.qual", MAPPED_SCHEMA);
    let (checked, diagnostics) = qualify::front_end(&sources, &Default::default());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let checked = checked.expect("the schema checks");
    let program = compile(&checked);
    let mut rng = Rng(0x5eed_0011);
    let mut valid = 0;
    for case in 0..3000 {
        let text = if case == 0 {
            MAPPING.to_string()
        } else {
            mangle(&mut rng, MAPPING)
        };
        let file = sources.add(format!("mapping-{case}.toml"), text.clone());
        match qualify::mapping::parse(&text, file, checked.rules()) {
            Ok(_) => valid += 1,
            Err(problems) => {
                assert!(
                    !problems.is_empty(),
                    "case {case}: an error without a problem"
                );
                for p in &problems {
                    assert!(
                        p.span.file == file && p.span.end as usize <= text.len(),
                        "case {case}: {p:?} points outside the mapping"
                    );
                }
            }
        }
    }
    assert!(
        valid > 100,
        "only {valid} mangled mappings parsed; the mangling is too rough"
    );
    let file = sources.add("mapping.toml", MAPPING);
    let mapping = qualify::mapping::parse(MAPPING, file, checked.rules()).expect("valid");
    let source = mapping
        .source_for("contacts.csv")
        .expect("one source")
        .expect("a match");
    let header = "Email;Company;Lead Source;Size;Created;Born;Waited;Opted;Tags;Rank";
    for case in 0..200 {
        let mut csv = format!("{header}\n");
        let rows = 1 + rng.below(20);
        for _ in 0..rows {
            let cells: Vec<String> = (0..10).map(|c| mapped_cell(&mut rng, c)).collect();
            csv.push_str(&cells.join(";"));
            csv.push('\n');
        }
        let records = data::stream(
            InputFormat::Csv,
            "contacts.csv",
            csv.as_bytes(),
            program.plan(),
            Some(source),
        );
        let mut evaluator = Evaluator::new(&program, now());
        let (mut ok, mut failed) = (0, 0);
        for record in records {
            match record {
                Ok(contact) => {
                    evaluator
                        .classify(&contact.slots)
                        .expect("a typed rule set classifies");
                    ok += 1;
                }
                Err(_) => failed += 1,
            }
        }
        assert!(ok + failed >= 1, "case {case}: no record from {rows} rows");
    }
}
