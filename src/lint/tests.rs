//! Soundness of the analysis lints, checked against brute force: for generated rule sets
//! over a few enum, number and bool fields, every contact in a domain that covers every
//! constant is classified by the real evaluator, and no row reported unreachable may be
//! matched by any of them (nor a contradiction be true, nor a tautology be anything else).

use crate::codes::Code;
use crate::eval::{Evaluator, Value};
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
        let class = &program.classes[0];
        let row_of = |span| {
            class
                .rows
                .iter()
                .position(|&(_, c)| program.spans[c as usize] == span)
        };
        let node_at = |span| {
            (0..program.nodes.len())
                .rev()
                .find(|&n| program.spans[n] == span)
        };
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
                crate::data::read(crate::data::InputFormat::Jsonl, "t", json, &program.plan)
                    .next()
                    .expect("one contact")
                    .expect("decodes");
            let mut evaluator = Evaluator::new(&program, now);
            let values = evaluator.classify(&contact.slots).expect("evaluates");
            if let Some(v) = values[0] {
                let matched = class.rows.iter().position(|&(value, _)| value == v);
                assert!(
                    matched.is_none_or(|r| !unreachable.contains(&r)),
                    "case {case}: row r{} was reported unreachable but {json} reaches it:\n{text}",
                    matched.unwrap_or(0)
                );
            }
            for &n in &never_true {
                let v = evaluator.eval(n as u32, &contact.slots).expect("evaluates");
                assert_ne!(
                    v,
                    Value::Bool(true),
                    "case {case}: contradiction is true for {json}:\n{text}"
                );
            }
            for &n in &always_true {
                let v = evaluator.eval(n as u32, &contact.slots).expect("evaluates");
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
