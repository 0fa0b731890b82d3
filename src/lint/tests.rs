//! Soundness of the analysis lints, checked against brute force: for generated rule sets
//! over a few enum, number and bool fields, every contact in a domain that covers every
//! constant is classified by the real evaluator, and no row reported unreachable may be
//! matched by any of them (nor a contradiction be true, nor a tautology be anything else).

use crate::codes::Code;
use crate::compile::NodeId;
use crate::eval::Evaluator;
use crate::semantics::{Decision, Value};
use crate::source::SourceMap;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const SCHEMA: &str = "schema contact {\n  id: string\n  a: one of \"x\", \"y\", \"z\"?\n  b: number?\n  c: bool?\n  d: one of \"p\", \"q\"\n  t: string?\n}\n";

fn atom(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => format!("a == \"{}\"", ["x", "y", "z"][rng.below(3)]),
        1 => format!(
            "a in [\"{}\", \"{}\"]",
            ["x", "y"][rng.below(2)],
            ["y", "z"][rng.below(2)]
        ),
        2 => format!(
            "b {} {}",
            [">", ">=", "<", "<=", "==", "!="][rng.below(6)],
            rng.below(4)
        ),
        3 => format!("b is {}", ["missing", "present"][rng.below(2)]),
        4 => "c".to_string(),
        5 => format!("a is {}", ["missing", "present"][rng.below(2)]),
        6 => format!("d == \"{}\"", ["p", "q"][rng.below(2)]),
        7 => format!("(b ?? 0) > {}", rng.below(3)),
        8 => ["true", "d matches \"p\"", "t contains \"a\""][rng.below(3)].to_string(),
        _ => format!("c == {}", ["true", "false"][rng.below(2)]),
    }
}

fn condition(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return atom(rng);
    }
    match rng.below(3) {
        0 => format!(
            "({} and {})",
            condition(rng, depth - 1),
            condition(rng, depth - 1)
        ),
        1 => format!(
            "({} or {})",
            condition(rng, depth - 1),
            condition(rng, depth - 1)
        ),
        _ => format!("not ({})", condition(rng, depth - 1)),
    }
}

/// Every contact over the fields' relevant values (`b` around the constants 0..=3).
fn contacts() -> Vec<String> {
    let mut out = Vec::new();
    for a in ["null", "\"x\"", "\"y\"", "\"z\""] {
        for b in ["null", "-1", "0", "0.5", "1", "1.5", "2", "2.5", "3", "4"] {
            for c in ["null", "true", "false"] {
                for d in ["\"p\"", "\"q\""] {
                    for t in ["null", "\"a\"", "\"b\""] {
                        out.push(format!(
                            r#"{{"id": "k", "a": {a}, "b": {b}, "c": {c}, "d": {d}, "t": {t}}}"#
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn reported_findings_hold_for_every_contact() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let contacts = contacts();
    let (mut unreachable_seen, mut contradictions_seen, mut tautologies_seen) = (0, 0, 0);
    for case in 0..250 {
        let rows = 2 + rng.below(4);
        let mut text = String::from(SCHEMA);
        text.push_str("classify k {\n");
        for r in 0..rows {
            text.push_str(&format!("  r{r} when {}\n", condition(&mut rng, 2)));
        }
        text.push_str("  otherwise rest\n}\n");
        let mut sources = SourceMap::new();
        sources.add("t.qual", text.clone());
        let analysis = crate::analyze(&sources, &Default::default(), &Default::default());
        assert!(
            !analysis.diagnostics.iter().any(|d| d.is_error()),
            "case {case}:\n{text}\n{:#?}",
            analysis.diagnostics
        );
        let program = analysis.program.expect("compiles");
        let class = &program.classes()[0];
        let row_of = |span| {
            class
                .rows
                .iter()
                .position(|&(_, c)| program.span(c) == span)
        };
        let node_at = |span| program.node_ids().rev().find(|&n| program.span(n) == span);
        let mut unreachable = Vec::new();
        let mut never_true = Vec::new();
        let mut always_true = Vec::new();
        for d in &analysis.diagnostics {
            match d.code {
                Code::UnreachableRow => unreachable.push(row_of(d.span).expect("a row")),
                Code::Contradiction => never_true.extend(node_at(d.span)),
                Code::Tautology => always_true.extend(node_at(d.span)),
                _ => {}
            }
        }
        unreachable_seen += unreachable.len();
        contradictions_seen += never_true.len();
        tautologies_seen += always_true.len();
        let now = jiff::Timestamp::UNIX_EPOCH;
        for json in &contacts {
            let contact =
                crate::data::read(crate::data::InputFormat::Jsonl, "t", json, program.plan())
                    .next()
                    .expect("one contact")
                    .expect("decodes");
            let mut evaluator = Evaluator::new(&program, now);
            let values = evaluator.classify(&contact.slots).expect("evaluates");
            if let Decision::Row(r) = values[0].decision {
                assert!(
                    !unreachable.contains(&r),
                    "case {case}: row r{r} was reported unreachable but {json} reaches it:\n{text}",
                );
            }
            for &n in &never_true {
                let v = evaluator.eval(n, &contact.slots).expect("evaluates");
                assert_ne!(
                    v,
                    Value::Bool(true),
                    "case {case}: contradiction is true for {json}:\n{text}"
                );
            }
            for &n in &always_true {
                let v = evaluator.eval(n, &contact.slots).expect("evaluates");
                assert_eq!(
                    v,
                    Value::Bool(true),
                    "case {case}: tautology is not true for {json}:\n{text}"
                );
            }
        }
    }
    // the generator must exercise the lints, or this test proves nothing
    assert!(
        unreachable_seen >= 20,
        "only {unreachable_seen} unreachable rows reported"
    );
    assert!(
        contradictions_seen >= 5 && tautologies_seen >= 5,
        "{contradictions_seen} contradictions, {tautologies_seen} tautologies"
    );
}

// ---------------------------------------------------------------------------------------
// A richer generator: every kind of value the analysis models (enums required and optional,
// numbers, bools used bare, ordered text, dates, datetimes, durations, `??`, `in`/`not in`,
// presence tests), `let`s shared by several rows, guards, a second classification reading
// the first, and a list of records and a list of texts under `any`/`all`/`count`/`sum` with
// empty, missing and `null`-holding lists. All four sound lints are checked against brute
// force: every contact over domains that include each constant, the values just around it
// and missing.
// ---------------------------------------------------------------------------------------

const RICH_SCHEMA: &str = "schema contact {
  id: string
  s: one of \"lo\", \"mid\", \"hi\"?
  r: one of \"p\", \"q\"
  n: number?
  m: number
  f: bool?
  g: bool
  role: string?
  d: date?
  at: datetime?
  rt: duration?
  tags: list of string
  events: list of { kind: one of \"call\", \"mail\"?, amount: number? }?
  co: { size: number }?
}
";

/// The fields a case may read, each with the values every contact draws from (JSON).
const GROUPS: &[(&str, &[&str])] = &[
    ("s", &["null", "\"lo\"", "\"mid\"", "\"hi\""]),
    ("r", &["\"p\"", "\"q\""]),
    (
        "n",
        &[
            "null", "-4", "-1", "0", "0.5", "1", "1.5", "2", "2.5", "3", "4", "1e300",
        ],
    ),
    (
        "m",
        &[
            "-1e300", "-4", "-1", "0", "0.5", "1", "1.5", "2", "3", "4", "1e300",
        ],
    ),
    ("f", &["null", "true", "false"]),
    ("g", &["true", "false"]),
    (
        "role",
        &[
            "null",
            "\"\"",
            "\"B\"",
            "\"a\"",
            "\"b\"",
            "\"b\\u0000\"",
            "\"ba\"",
            "\"c\"",
            "\"m\"",
            "\"ma\"",
            "\"n\"",
            "\"t\"",
            "\"tz\"",
            "\"z\"",
        ],
    ),
    (
        "d",
        &[
            "null",
            "\"2025-12-31\"",
            "\"2026-01-01\"",
            "\"2026-01-02\"",
            "\"2026-01-14\"",
            "\"2026-01-15\"",
            "\"2026-01-16\"",
            "\"2026-01-17\"",
            "\"2026-01-31\"",
            "\"2026-02-01\"",
            "\"2026-02-02\"",
            "\"9999-12-31\"",
        ],
    ),
    (
        "at",
        &[
            "null",
            "\"2025-12-31T12:00:00Z\"",
            "\"2025-12-31T23:59:59.999999999Z\"",
            "\"2026-01-01T00:00:00Z\"",
            "\"2026-01-01T00:00:00.000000001Z\"",
            "\"2026-01-01T06:00:00Z\"",
            "\"2026-01-01T11:59:59.999999999Z\"",
            "\"2026-01-01T13:00:00+01:00\"",
            "\"2026-01-01T12:00:00.000000001Z\"",
            "\"2026-01-02T00:00:00Z\"",
            "\"2026-01-03T00:00:00Z\"",
        ],
    ),
    (
        "rt",
        &[
            "null",
            "\"PT0S\"",
            "\"PT29M59.999999999S\"",
            "\"PT30M\"",
            "\"PT30M0.000000001S\"",
            "\"PT1H\"",
            "\"PT4H\"",
            "\"PT4H0.000000001S\"",
            "\"PT24H\"",
            "\"PT24H0.000000001S\"",
            "\"PT72H\"",
            "\"PT2000000000000000H\"",
        ],
    ),
    (
        "tags",
        &[
            "[]",
            "[\"vip\"]",
            "[\"x\"]",
            "[null]",
            "[\"vip\", null]",
            "[null, \"x\"]",
            "[\"a\"]",
            "[\"x\", \"vip\"]",
        ],
    ),
    (
        "events",
        &[
            "null",
            "[]",
            "[null]",
            "[{}]",
            "[{\"kind\": \"call\"}]",
            "[{\"kind\": \"mail\", \"amount\": 5}]",
            "[{\"kind\": \"call\", \"amount\": 0}]",
            "[{\"kind\": \"call\", \"amount\": 3}, {\"kind\": \"mail\"}]",
            "[null, {\"kind\": \"call\", \"amount\": 2}]",
            "[{\"amount\": 1}]",
            "[{\"kind\": \"mail\", \"amount\": 1}, {\"kind\": \"mail\", \"amount\": 4}]",
            "[{\"kind\": \"call\", \"amount\": null}]",
        ],
    ),
    (
        "co",
        &[
            "null",
            "{}",
            "{\"size\": -1}",
            "{\"size\": 0}",
            "{\"size\": 0.5}",
            "{\"size\": 1}",
            "{\"size\": 2}",
            "{\"size\": 3}",
        ],
    ),
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

const OPS: &[&str] = &["==", "!=", "<", "<=", ">", ">="];

/// A condition on one element `e` of `events` (a body of `any`/`all` or a `where`).
fn event_condition(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.below(2) == 0 {
        return match rng.below(7) {
            0 => format!("e.kind == \"{}\"", pick(rng, &["call", "mail"])),
            1 => format!("e.kind != \"{}\"", pick(rng, &["call", "mail"])),
            2 => format!("e.amount {} {}", pick(rng, OPS), rng.below(5)),
            3 => format!("e.amount is {}", pick(rng, &["missing", "present"])),
            4 => format!("e is {}", pick(rng, &["missing", "present"])),
            5 => format!("e.kind in [\"call\"{}]", pick(rng, &["", ", \"mail\""])),
            _ => format!("(e.amount ?? 0) > {}", rng.below(4)),
        };
    }
    match rng.below(3) {
        0 => format!(
            "({} and {})",
            event_condition(rng, depth - 1),
            event_condition(rng, depth - 1)
        ),
        1 => format!(
            "({} or {})",
            event_condition(rng, depth - 1),
            event_condition(rng, depth - 1)
        ),
        _ => format!("not ({})", event_condition(rng, depth - 1)),
    }
}

/// A condition on one element `t` of `tags`.
fn tag_condition(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("t == \"{}\"", pick(rng, &["vip", "x"])),
        1 => format!("t != \"{}\"", pick(rng, &["vip", "x"])),
        2 => format!("t is {}", pick(rng, &["missing", "present"])),
        3 => format!("t < \"{}\"", pick(rng, &["vip", "x"])),
        _ => "(t == \"vip\" or t == \"x\")".to_string(),
    }
}

/// One comparison of a field of group `g`.
fn rich_atom(rng: &mut Rng, g: usize) -> String {
    let n = |rng: &mut Rng, k: usize| rng.below(k).to_string();
    match GROUPS[g].0 {
        "s" => match rng.below(8) {
            0 | 1 => format!("s == \"{}\"", pick(rng, &["lo", "mid", "hi"])),
            2 => format!("s != \"{}\"", pick(rng, &["lo", "mid", "hi"])),
            3 => format!(
                "s in [\"{}\", \"{}\"]",
                pick(rng, &["lo", "mid"]),
                pick(rng, &["mid", "hi"])
            ),
            4 => format!("s not in [\"{}\"]", pick(rng, &["lo", "mid", "hi"])),
            5 => format!("s is {}", pick(rng, &["missing", "present"])),
            6 => format!(
                "s {} \"{}\"",
                pick(rng, OPS),
                pick(rng, &["lo", "mid", "hi"])
            ),
            _ => format!("(s ?? \"lo\") == \"{}\"", pick(rng, &["lo", "hi"])),
        },
        "r" => match rng.below(5) {
            0 | 1 => format!("r == \"{}\"", pick(rng, &["p", "q"])),
            2 => format!("r != \"{}\"", pick(rng, &["p", "q"])),
            3 => format!("r {} [\"p\"]", pick(rng, &["in", "not in"])),
            _ => format!("r is {}", pick(rng, &["missing", "present"])),
        },
        "n" => match rng.below(8) {
            0..=2 => format!("n {} {}", pick(rng, OPS), n(rng, 4)),
            3 => format!("n in [{}, {}]", n(rng, 2), 1 + rng.below(3)),
            4 => format!("n not in [{}]", n(rng, 4)),
            5 => format!("n is {}", pick(rng, &["missing", "present"])),
            6 => format!("(n ?? {}) {} {}", n(rng, 3), pick(rng, OPS), n(rng, 4)),
            _ => format!("n * n * 0 {} 0", pick(rng, &["==", ">=", "<="])),
        },
        "m" => match rng.below(7) {
            0..=2 => format!("m {} {}", pick(rng, OPS), n(rng, 3)),
            3 => format!("m in [0, {}]", 1 + rng.below(2)),
            4 => format!("m is {}", pick(rng, &["missing", "present"])),
            5 => format!("m * m * 0 {} 0", pick(rng, &["==", ">=", "<="])),
            _ => format!("m - m {} 0", pick(rng, &["==", "<", ">"])),
        },
        "f" => match rng.below(6) {
            0 | 1 => "f".to_string(),
            2 => format!("f == {}", pick(rng, &["true", "false"])),
            3 => format!("f != {}", pick(rng, &["true", "false"])),
            4 => format!("f is {}", pick(rng, &["missing", "present"])),
            _ => format!("(f ?? {})", pick(rng, &["true", "false"])),
        },
        "g" => match rng.below(4) {
            0 | 1 => "g".to_string(),
            2 => format!("g == {}", pick(rng, &["true", "false"])),
            _ => format!("g is {}", pick(rng, &["missing", "present"])),
        },
        "role" => match rng.below(9) {
            0..=2 => format!(
                "role {} \"{}\"",
                pick(rng, OPS),
                pick(rng, &["b", "m", "t"])
            ),
            3 => format!("role in [\"b\", \"{}\"]", pick(rng, &["m", "t"])),
            4 => format!("role not in [\"{}\"]", pick(rng, &["b", "m"])),
            5 => format!("role is {}", pick(rng, &["missing", "present"])),
            6 => format!(
                "(role ?? \"\") {} \"{}\"",
                pick(rng, OPS),
                pick(rng, &["", "b", "m"])
            ),
            7 => format!("role contains \"{}\"", pick(rng, &["a", "b"])),
            _ => format!("lower(role) == \"{}\"", pick(rng, &["b", "m"])),
        },
        "d" => {
            let day = pick(rng, &["2026-01-01", "2026-02-01", "2026-01-15"]);
            match rng.below(8) {
                0..=2 => format!("d {} {day}", pick(rng, OPS)),
                3 => format!(
                    "d {} {}",
                    pick(rng, &["<", ">", "<=", ">=", "=="]),
                    pick(
                        rng,
                        &[
                            "2026-01-15T12:00",
                            "2026-01-16T23:30-05:00",
                            "2026-01-16T00:30+01:00"
                        ]
                    )
                ),
                4 => format!("d {} {day}", pick(rng, &["before", "after"])),
                5 => format!("d in [2026-01-01, {day}]"),
                6 => format!("d is {}", pick(rng, &["missing", "present"])),
                _ => format!("(d ?? 2026-01-01) {} {day}", pick(rng, OPS)),
            }
        }
        "at" => {
            let t = pick(
                rng,
                &[
                    "2026-01-01",
                    "2026-01-01T12:00Z",
                    "2026-01-01T00:00",
                    "2026-01-01T13:00+01:00",
                ],
            );
            match rng.below(7) {
                0..=2 => format!("at {} {t}", pick(rng, OPS)),
                3 => format!("at {} {t}", pick(rng, &["before", "after"])),
                4 => format!("at within {}", pick(rng, &["1 day", "12 hours"])),
                5 => format!("at is {}", pick(rng, &["missing", "present"])),
                _ => format!("at in [2026-01-01T12:00:00+00:00, {t}]"),
            }
        }
        "rt" => {
            let t = pick(rng, &["30 minutes", "4 hours", "1 day"]);
            match rng.below(7) {
                0..=2 => format!("rt {} {t}", pick(rng, OPS)),
                3 => format!("rt in [30 minutes, {t}]"),
                4 => format!("rt is {}", pick(rng, &["missing", "present"])),
                5 => format!("(rt ?? 0 seconds) {} {t}", pick(rng, OPS)),
                _ => format!("rt + rt {} {t}", pick(rng, &["<", ">=", "=="])),
            }
        }
        "tags" => match rng.below(8) {
            0 => format!("\"{}\" in tags", pick(rng, &["vip", "x"])),
            1 => format!("\"{}\" not in tags", pick(rng, &["vip", "x"])),
            2 => format!("tags contains \"{}\"", pick(rng, &["vip", "x"])),
            3 => format!("(any t in tags: {})", tag_condition(rng)),
            4 => format!("(all t in tags: {})", tag_condition(rng)),
            5 => format!("count(t in tags) {} {}", pick(rng, OPS), rng.below(3)),
            6 => format!(
                "count(t in tags where {}) {} {}",
                tag_condition(rng),
                pick(rng, &[">", ">=", "=="]),
                rng.below(2)
            ),
            _ => format!("tags is {}", pick(rng, &["missing", "present"])),
        },
        "events" => match rng.below(9) {
            8 => format!(
                "(any e in events: e.kind == \"{}\" and (all u in events: u.kind {} e.kind or {}))",
                pick(rng, &["call", "mail"]),
                pick(rng, &["==", "!="]),
                pick(
                    rng,
                    &[
                        "u.amount > 2",
                        "u.amount <= e.amount",
                        "u is missing",
                        "u.kind == \"call\" and u.kind == \"mail\"",
                        "u.amount > 1 or u.amount <= 1"
                    ]
                )
            ),
            0 | 1 => format!("(any e in events: {})", event_condition(rng, 2)),
            2 => format!("(all e in events: {})", event_condition(rng, 2)),
            3 => format!("count(e in events) {} {}", pick(rng, OPS), rng.below(3)),
            4 => format!(
                "count(e in events where {}) {} {}",
                event_condition(rng, 1),
                pick(rng, &[">", ">=", "=="]),
                rng.below(2)
            ),
            5 => format!("(any e in events ?? []: {})", event_condition(rng, 1)),
            6 => format!("events is {}", pick(rng, &["missing", "present"])),
            _ => format!(
                "sum(e.amount for e in events where {}) {} {}",
                event_condition(rng, 1),
                pick(rng, &[">", "<="]),
                rng.below(5)
            ),
        },
        "co" => match rng.below(4) {
            0 | 1 => format!("co.size {} {}", pick(rng, OPS), rng.below(3)),
            2 => format!("co.size is {}", pick(rng, &["missing", "present"])),
            _ => format!("co is {}", pick(rng, &["missing", "present"])),
        },
        other => unreachable!("{other}"),
    }
}

/// What one generated case may mention.
struct Vocabulary {
    groups: Vec<usize>,
    /// Atoms written more than once, so that rows and parts can repeat or imply each other.
    pool: Vec<String>,
    /// Boolean `let`s defined so far.
    lets: usize,
    /// Values of the first classification, for a second one reading it.
    class_values: Vec<String>,
}

fn rich_leaf(rng: &mut Rng, v: &Vocabulary) -> String {
    match rng.below(10) {
        0..=3 if !v.pool.is_empty() => v.pool[rng.below(v.pool.len())].clone(),
        4 if v.lets > 0 => format!("l{}", rng.below(v.lets)),
        5 if !v.class_values.is_empty() => match rng.below(4) {
            0 => format!("k == {}", v.class_values[rng.below(v.class_values.len())]),
            1 => format!("k != {}", v.class_values[rng.below(v.class_values.len())]),
            2 => format!(
                "k in [{}, {}]",
                v.class_values[rng.below(v.class_values.len())],
                v.class_values[rng.below(v.class_values.len())]
            ),
            _ => format!("k is {}", pick(rng, &["missing", "present"])),
        },
        6 if rng.below(4) == 0 => pick(rng, &["true", "false"]).to_string(),
        _ => {
            let g = v.groups[rng.below(v.groups.len())];
            rich_atom(rng, g)
        }
    }
}

fn rich_condition(rng: &mut Rng, v: &Vocabulary, depth: usize) -> String {
    if depth == 0 || rng.below(4) == 0 {
        return rich_leaf(rng, v);
    }
    match rng.below(8) {
        // a condition with its own negation: decided, but only if it cannot be unknown
        7 => {
            let a = rich_leaf(rng, v);
            format!("({a} {} not {a})", pick(rng, &["or", "and"]))
        }
        0 | 1 => format!(
            "({} and {})",
            rich_condition(rng, v, depth - 1),
            rich_condition(rng, v, depth - 1)
        ),
        2 => format!(
            "{} and {} and {}",
            rich_leaf(rng, v),
            rich_leaf(rng, v),
            rich_leaf(rng, v)
        ),
        3 | 4 => format!(
            "({} or {})",
            rich_condition(rng, v, depth - 1),
            rich_condition(rng, v, depth - 1)
        ),
        5 => format!("(not {})", rich_condition(rng, v, depth - 1)),
        _ => format!(
            "({} or {} or {})",
            rich_leaf(rng, v),
            rich_leaf(rng, v),
            rich_leaf(rng, v)
        ),
    }
}

/// A `let` holding a value of a field of `group` (or a constant), and comparisons of it.
fn value_let(rng: &mut Rng, group: &str) -> Option<(String, Vec<String>)> {
    let mut atoms = Vec::new();
    let definition = match group {
        "n" | "m" => {
            for _ in 0..3 {
                atoms.push(match rng.below(4) {
                    0 => format!("v is {}", pick(rng, &["missing", "present"])),
                    1 => format!("v in [1, {}]", rng.below(3)),
                    2 => format!("{group} {} lim", pick(rng, OPS)),
                    _ => format!("v {} {}", pick(rng, OPS), rng.below(4)),
                });
            }
            format!(
                "let v = {}\nlet lim = {}\n",
                pick(
                    rng,
                    &[&format!("{group} ?? 1"), group, &format!("-{group}")]
                ),
                rng.below(3)
            )
        }
        "s" => {
            for _ in 0..3 {
                atoms.push(match rng.below(3) {
                    0 => format!("s {} names", pick(rng, &["in", "not in"])),
                    1 => format!("v == \"{}\"", pick(rng, &["lo", "mid", "hi"])),
                    _ => format!("v is {}", pick(rng, &["missing", "present"])),
                });
            }
            "let names = [\"lo\", \"hi\"]\nlet v = s\n".to_string()
        }
        "role" => {
            for _ in 0..3 {
                atoms.push(format!(
                    "v {} \"{}\"",
                    pick(rng, OPS),
                    pick(rng, &["", "b", "m"])
                ));
            }
            format!("let v = {}\n", pick(rng, &["role", "role ?? \"m\""]))
        }
        "d" => {
            for _ in 0..3 {
                atoms.push(format!(
                    "v {} {}",
                    pick(rng, OPS),
                    pick(rng, &["2026-01-01", "2026-01-15", "2026-01-15T12:00"])
                ));
            }
            format!("let v = {}\n", pick(rng, &["d", "d ?? 2026-01-15"]))
        }
        "rt" => {
            for _ in 0..3 {
                atoms.push(format!(
                    "v {} {}",
                    pick(rng, OPS),
                    pick(rng, &["30 minutes", "4 hours"])
                ));
            }
            format!("let v = {}\n", pick(rng, &["rt", "rt ?? 4 hours"]))
        }
        _ => return None,
    };
    Some((definition, atoms))
}

/// A rule set and the fields it reads (indices into `GROUPS`).
fn rich_rule_set(rng: &mut Rng) -> (String, Vec<usize>) {
    // few fields per case, so that every combination of their values can be tried
    let mut groups: Vec<usize> = Vec::new();
    let want = 1 + rng.below(3);
    let mut product = 1;
    while groups.len() < want {
        let g = rng.below(GROUPS.len());
        if !groups.contains(&g) && product * GROUPS[g].1.len() <= 1500 {
            product *= GROUPS[g].1.len();
            groups.push(g);
        } else if rng.below(4) == 0 {
            break;
        }
    }
    let mut v = Vocabulary {
        groups: groups.clone(),
        pool: Vec::new(),
        lets: 0,
        class_values: Vec::new(),
    };
    for _ in 0..2 + rng.below(4) {
        let g = groups[rng.below(groups.len())];
        v.pool.push(rich_atom(rng, g));
    }
    let mut text = String::from(RICH_SCHEMA);
    // a `let` holding a value (not a condition), compared like a field
    let g = groups[rng.below(groups.len())];
    if rng.below(2) == 0
        && let Some((definition, atoms)) = value_let(rng, GROUPS[g].0)
    {
        text.push_str(&definition);
        v.pool.extend(atoms);
    }
    for i in 0..rng.below(4) {
        text.push_str(&format!("let l{i} = {}\n", rich_condition(rng, &v, 2)));
        v.lets += 1;
    }
    let guard = if rng.below(4) == 0 {
        format!(" when {}", rich_condition(rng, &v, 1))
    } else {
        String::new()
    };
    text.push_str(&format!("classify k{guard} {{\n"));
    let rows = 2 + rng.below(4);
    for r in 0..rows {
        text.push_str(&format!("  r{r} when {}\n", rich_condition(rng, &v, 3)));
    }
    if rng.below(2) == 0 {
        text.push_str("  otherwise rest\n");
        v.class_values.push("rest".to_string());
    }
    text.push_str("}\n");
    v.class_values.extend((0..rows).map(|r| format!("r{r}")));
    if rng.below(4) == 0 {
        let guard = if rng.below(3) == 0 {
            format!(" when {}", rich_condition(rng, &v, 1))
        } else {
            String::new()
        };
        text.push_str(&format!("classify k2{guard} {{\n"));
        for r in 0..2 + rng.below(3) {
            text.push_str(&format!("  u{r} when {}\n", rich_condition(rng, &v, 2)));
        }
        if rng.below(2) == 0 {
            text.push_str("  otherwise other\n");
        }
        text.push_str("}\n");
    }
    (text, groups)
}

/// Every combination of the values of `groups`, as JSON Lines records.
fn rich_contacts(groups: &[usize]) -> Vec<String> {
    let mut out = vec![String::from("\"id\": \"c\"")];
    for &g in groups {
        let (name, values) = GROUPS[g];
        out = out
            .iter()
            .flat_map(|c| values.iter().map(move |v| format!("{c}, \"{name}\": {v}")))
            .collect();
    }
    out.into_iter().map(|c| format!("{{{c}}}")).collect()
}

/// The quantifiers and aggregates whose variable `node` can see, outermost first, as
/// `(level, list)`.
fn binders(
    program: &crate::compile::Program,
    parents: &[Option<NodeId>],
    node: NodeId,
) -> Vec<(u32, NodeId)> {
    use crate::compile::Node;
    let mut out = Vec::new();
    let mut child = node;
    while let Some(parent) = parents[child.index()] {
        match program.node(parent) {
            Node::Quantifier {
                level, list, body, ..
            } if *body == child => out.push((*level, *list)),
            Node::Aggregate { level, list, .. } if *list != child => out.push((*level, *list)),
            _ => {}
        }
        child = parent;
    }
    out.reverse();
    out
}

/// Calls `f` once for every binding of the variables of `binders` a contact gives.
fn each_binding(
    evaluator: &mut Evaluator<'_>,
    binders: &[(u32, NodeId)],
    slots: &[Value],
    f: &mut dyn FnMut(&mut Evaluator<'_>),
) {
    let Some(&(level, list)) = binders.first() else {
        return f(evaluator);
    };
    if let Value::List(items) = evaluator.eval(list, slots).expect("evaluates") {
        for item in items.iter() {
            evaluator.bind_local(level as usize, item.clone());
            each_binding(evaluator, &binders[1..], slots, f);
        }
    }
}

fn kleene(values: &[Value], and: bool) -> Value {
    let (absorbing, neutral) = (Value::Bool(!and), Value::Bool(and));
    if values.contains(&absorbing) {
        absorbing
    } else if values.iter().all(|v| *v == neutral) {
        neutral
    } else {
        Value::Missing
    }
}

/// A part reported redundant: its chain's parts and its place among them.
struct Redundant {
    parts: Vec<NodeId>,
    and: bool,
    index: usize,
    binders: Vec<(u32, NodeId)>,
}

/// How often each lint fired, and the first finding that does not hold.
#[derive(Default)]
struct Tally {
    cases: usize,
    contacts: usize,
    rejected: usize,
    unreachable: usize,
    contradictions: usize,
    tautologies: usize,
    redundant: usize,
    in_quantifiers: usize,
    missing_otherwise: usize,
    missing_otherwise_witnessed: usize,
    /// `(case, message)`, at most one per case.
    failures: Vec<(String, String)>,
}

/// Checks every sound finding on `text` against every contact over the values of `groups`.
fn check_findings(name: &str, text: &str, groups: &[usize], tally: &mut Tally) {
    use crate::compile::Node;
    let now: jiff::Timestamp = "2026-01-02T00:00:00Z".parse().expect("a time");
    tally.cases += 1;
    // the first failure of each lint (messages start with the kind of finding)
    let mut failure: Vec<String> = Vec::new();
    let mut fail = |message: String| {
        let kind = |m: &str| m.split(' ').next().unwrap_or("").to_string();
        if !failure.iter().any(|f| kind(f) == kind(&message)) {
            failure.push(message);
        }
    };
    let mut sources = SourceMap::new();
    sources.add("t.qual", text.to_string());
    let analysis = crate::analyze(&sources, &Default::default(), &Default::default());
    assert!(
        !analysis.diagnostics.iter().any(|d| d.is_error()),
        "{name}:\n{text}\n{:#?}",
        analysis.diagnostics
    );
    let program = analysis.program.expect("compiles");
    let mut parents: Vec<Option<NodeId>> = vec![None; program.node_ids().len()];
    for n in program.node_ids() {
        program.for_each_child(n, |c| parents[c.index()] = Some(n));
    }
    let node_at = |span| program.node_ids().rev().find(|&n| program.span(n) == span);
    let chain = |node: NodeId, and: bool| {
        let mut parts = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match (program.node(n), and) {
                (Node::And(a, b), true) | (Node::Or(a, b), false) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                _ => parts.push(n),
            }
        }
        parts
    };
    let quote = |n: NodeId| sources.slice(program.span(n)).to_string();
    let mut unreachable: Vec<(usize, usize)> = Vec::new();
    let mut never_true: Vec<(NodeId, Vec<(u32, NodeId)>)> = Vec::new();
    let mut always_true: Vec<(NodeId, Vec<(u32, NodeId)>)> = Vec::new();
    let mut redundant: Vec<Redundant> = Vec::new();
    let mut without_value: Vec<(usize, bool)> = Vec::new();
    for d in &analysis.diagnostics {
        match d.code {
            Code::UnreachableRow => {
                let found = program.classes().iter().enumerate().find_map(|(c, class)| {
                    let r = class
                        .rows
                        .iter()
                        .position(|&(_, cond)| program.span(cond) == d.span)?;
                    Some((c, r))
                });
                unreachable.push(found.expect("a row"));
            }
            Code::Contradiction | Code::Tautology => {
                let n = node_at(d.span).expect("a node");
                let b = binders(&program, &parents, n);
                tally.in_quantifiers += usize::from(!b.is_empty());
                if d.code == Code::Contradiction {
                    never_true.push((n, b));
                } else {
                    always_true.push((n, b));
                }
            }
            Code::RedundantCondition => {
                // the chain (an `and` or `or` whose parent is not the same operator) that
                // has a part written at the reported place
                let mut found = Vec::new();
                for head in program.node_ids() {
                    let and = match program.node(head) {
                        Node::And(..) => true,
                        Node::Or(..) => false,
                        _ => continue,
                    };
                    let same = parents[head.index()].is_some_and(|p| {
                        matches!(
                            (&program.node(p), and),
                            (Node::And(..), true) | (Node::Or(..), false)
                        )
                    });
                    if same {
                        continue;
                    }
                    let parts = chain(head, and);
                    if let Some(index) = parts.iter().position(|&p| program.span(p) == d.span) {
                        found.push(Redundant {
                            binders: binders(&program, &parents, head),
                            parts,
                            and,
                            index,
                        });
                    }
                }
                assert_eq!(found.len(), 1, "{name}: {}\n{text}", d.message);
                let r = found.pop().expect("one");
                tally.in_quantifiers += usize::from(!r.binders.is_empty());
                redundant.push(r);
            }
            Code::MissingOtherwise => {
                let c = program
                    .classes
                    .iter()
                    .position(|c| text[d.span.start as usize..d.span.end as usize] == *c.name)
                    .expect("a classification");
                without_value.push((c, false));
            }
            _ => {}
        }
    }
    tally.unreachable += unreachable.len();
    tally.contradictions += never_true.len();
    tally.tautologies += always_true.len();
    tally.redundant += redundant.len();
    tally.missing_otherwise += without_value.len();
    for json in rich_contacts(groups) {
        tally.contacts += 1;
        let Ok(contact) =
            crate::data::read(crate::data::InputFormat::Jsonl, "t", &json, program.plan())
                .next()
                .expect("one contact")
        else {
            tally.rejected += 1; // a required field missing: not a contact the rules see
            continue;
        };
        let slots = &contact.slots;
        let mut evaluator = Evaluator::new(&program, now);
        let values = evaluator.classify(slots).expect("evaluates");
        for &(c, r) in &unreachable {
            let class = &program.classes()[c];
            let applies = class
                .guard
                .is_none_or(|g| evaluator.eval(g, slots).expect("evaluates") == Value::Bool(true));
            let first = class.rows.iter().position(|&(_, cond)| {
                evaluator.eval(cond, slots).expect("evaluates") == Value::Bool(true)
            });
            // an independent oracle for row selection: first true row after the guard
            assert_eq!(
                values[c].value,
                if applies {
                    first.map(|r| class.rows[r].0).or(class.otherwise)
                } else {
                    None
                }
            );
            if applies && first == Some(r) {
                fail(format!(
                    "row `{}` of `{}` was reported unreachable, but {json} reaches it",
                    class.values[class.rows[r].0], class.name
                ));
            }
        }
        for (n, b) in &never_true {
            each_binding(&mut evaluator, b, slots, &mut |ev| {
                if ev.eval(*n, slots).expect("evaluates") == Value::Bool(true) {
                    fail(format!("contradiction `{}` is true for {json}", quote(*n)));
                }
            });
        }
        for (n, b) in &always_true {
            each_binding(&mut evaluator, b, slots, &mut |ev| {
                let v = ev.eval(*n, slots).expect("evaluates");
                if v != Value::Bool(true) {
                    fail(format!("tautology `{}` is {v:?} for {json}", quote(*n)));
                }
            });
        }
        for r in &redundant {
            // the reported parts of one chain, each alone and all together
            let reported: Vec<usize> = redundant
                .iter()
                .filter(|o| o.parts == r.parts)
                .map(|o| o.index)
                .collect();
            each_binding(&mut evaluator, &r.binders, slots, &mut |ev| {
                let values: Vec<Value> = r
                    .parts
                    .iter()
                    .map(|&p| ev.eval(p, slots).expect("evaluates"))
                    .collect();
                let whole = kleene(&values, r.and);
                let mut rest = values.clone();
                rest.remove(r.index);
                let kept: Vec<Value> = (0..values.len())
                    .filter(|i| !reported.contains(i))
                    .map(|i| values[i].clone())
                    .collect();
                if whole != kleene(&rest, r.and) || whole != kleene(&kept, r.and) {
                    fail(format!(
                        "removing redundant `{}` from `{}` changes the result for {json} \
                         (parts {values:?})",
                        quote(r.parts[r.index]),
                        r.parts
                            .iter()
                            .map(|&p| quote(p))
                            .collect::<Vec<_>>()
                            .join(if r.and { " and " } else { " or " })
                    ));
                }
            });
        }
        for (c, witnessed) in &mut without_value {
            *witnessed |= values[*c].value.is_none();
        }
    }
    tally.missing_otherwise_witnessed += without_value.iter().filter(|(_, w)| *w).count();
    if !failure.is_empty() {
        tally.failures.push((
            name.to_string(),
            format!("{name}: {}\n{text}", failure.join(";\n")),
        ));
    }
}

fn assert_no_failures(tally: &Tally) {
    assert!(
        tally.failures.is_empty(),
        "{} of {} rule sets have findings that do not hold; the first ones:\n\n{}",
        tally.failures.len(),
        tally.cases,
        tally
            .failures
            .iter()
            .take(4)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

fn rich_soundness() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tally = Tally::default();
    for case in 0..1200 {
        let (text, groups) = rich_rule_set(&mut rng);
        check_findings(&format!("case {case}"), &text, &groups, &mut tally);
    }
    eprintln!(
        "rich lint soundness: {} rule sets, {} contacts ({} rejected as data errors), \
         {} unreachable rows, {} contradictions, {} tautologies, {} redundant parts \
         ({} findings inside quantifiers), {} missing-otherwise ({} with a contact left \
         without value)",
        tally.cases,
        tally.contacts,
        tally.rejected,
        tally.unreachable,
        tally.contradictions,
        tally.tautologies,
        tally.redundant,
        tally.in_quantifiers,
        tally.missing_otherwise,
        tally.missing_otherwise_witnessed
    );
    for (case, message) in &tally.failures {
        let found: Vec<&str> = message
            .lines()
            .take_while(|l| !l.starts_with("schema"))
            .collect();
        eprintln!("FAILED {case}: {}", found.join(" | "));
    }
    assert_no_failures(&tally);
    // the generator must exercise the lints, or this test proves nothing
    assert!(
        tally.unreachable >= 200
            && tally.contradictions >= 200
            && tally.tautologies >= 200
            && tally.redundant >= 500
            && tally.in_quantifiers >= 50
            && tally.missing_otherwise >= 100,
        "the generator no longer exercises the lints"
    );
}

#[test]
fn reported_findings_hold_for_every_contact_over_rich_rule_sets() {
    rich_soundness();
}

/// Rule sets on which the analysis once claimed what some contact refutes (a `null` in a
/// required list, `m * m * 0` overflowing to no value): no such finding may be reported.
#[test]
fn former_false_findings_are_not_reported() {
    let g = |name: &str| {
        GROUPS
            .iter()
            .position(|(n, _)| *n == name)
            .expect("a group")
    };
    let list = "schema contact { id: string, n: number?, tags: list of string }\n";
    let number = "schema contact { id: string, m: number }\n";
    let cases = [
        // once reported unreachable; {"tags": [null]} gets `c`
        (
            format!(
                "{list}classify k {{\n  a when \"x\" in tags\n  b when not (\"x\" in tags)\n  c when true\n}}\n"
            ),
            vec![g("tags")],
        ),
        // once reported always true; unknown for {"tags": [null]}
        (
            format!("{list}let t = tags contains \"x\" or not (tags contains \"x\")\n"),
            vec![g("tags")],
        ),
        // `... or not ...` once reported redundant in the `and`; {"tags": [null], "n": 2} is
        // unknown with it and true without
        (
            format!("{list}let u = n > 1 and (\"x\" in tags or not (\"x\" in tags))\n"),
            vec![g("tags"), g("n")],
        ),
        // once reported always true; unknown for {"m": 1e300} (1e300 * 1e300 * 0 is NaN, which the
        // evaluator turns into missing)
        (
            format!("{number}let t = m * m * 0 == 0 or not (m * m * 0 == 0)\n"),
            vec![g("m")],
        ),
        // once reported unreachable; {"m": 1e300} gets `c`
        (
            format!(
                "{number}classify k {{\n  a when m * m * 0 == 0\n  b when not (m * m * 0 == 0)\n  c when true\n}}\n"
            ),
            vec![g("m")],
        ),
    ];
    let mut tally = Tally::default();
    for (i, (text, groups)) in cases.iter().enumerate() {
        check_findings(&format!("former bug {i}"), text, groups, &mut tally);
    }
    // the only findings left are the two `c when true` rows, which are always true
    assert_eq!(
        (tally.unreachable, tally.tautologies, tally.redundant),
        (0, 2, 0)
    );
    assert_no_failures(&tally);
}

#[test]
fn every_code_is_explained_with_an_example() {
    for &code in Code::ALL {
        assert!(
            super::explanation(code).contains("Example"),
            "{} has no example",
            code.as_str()
        );
    }
}

/// A lint that stops at its budget claims nothing, so no level makes its note fail a run.
#[test]
fn a_budget_note_stays_a_note_whatever_the_levels() {
    use crate::diagnostic::Severity;
    let mut config = super::LintConfig::default();
    config
        .set("unreachable-row", super::Level::Deny)
        .expect("a lint");
    config
        .set("warnings", super::Level::Deny)
        .expect("warnings");
    assert!(config.set("Q1000", super::Level::Deny).is_err());
    let note = crate::diagnostic::Diagnostic::new(
        Code::LintGaveUp,
        crate::source::Span::default(),
        "stopped",
    );
    let applied = config.apply(vec![note]);
    assert_eq!(applied[0].severity, Severity::Info);
}
