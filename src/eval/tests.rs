//! Truth tables and semantics of the evaluator, through the whole pipeline.

use super::*;
use crate::compile::Program;
use crate::source::SourceMap;

/// Compiles `rules`, which must have no errors.
fn program_of(rules: &str) -> Program {
    let mut sources = SourceMap::new();
    sources.add("test.qual", rules);
    let (checked, diagnostics) = crate::front_end(&sources, &Default::default());
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    crate::compile::compile(&checked.expect("no errors"))
}

/// Decodes one JSON contact for `program`.
fn contact_of(program: &Program, json: &str) -> crate::data::Contact {
    crate::data::read(crate::data::InputFormat::Jsonl, "t", json, program.plan())
        .next()
        .expect("one contact")
        .expect("the contact decodes")
}

/// Compiles `rules` (which must check clean), decodes one JSON contact and returns the
/// value of the `let` called `name` at `as_of`.
fn value_of(rules: &str, name: &str, contact: &str, as_of: &str) -> Value {
    let program = program_of(rules);
    let contact = contact_of(&program, contact);
    let now = crate::semantics::time::parse_time(as_of).expect("as_of");
    let mut evaluator = Evaluator::new(&program, now);
    let id = (0..program.let_count())
        .find(|&l| program.let_name(l) == name)
        .expect("let exists");
    evaluator.let_value(id, &contact.slots).expect("evaluates")
}

const BOOLS: &str = "schema contact { id: string, a: bool?, b: bool? }\n";

fn truth(v: &Value) -> &'static str {
    match v {
        Value::Bool(true) => "T",
        Value::Bool(false) => "F",
        Value::Missing => "U",
        _ => "?",
    }
}

/// `a op b` over every pair of true/false/unknown.
fn table(expr: &str) -> Vec<String> {
    let rules = format!("{BOOLS}let x = {expr}\n");
    let mut out = Vec::new();
    for a in ["true", "false", "null"] {
        for b in ["true", "false", "null"] {
            let contact = format!(r#"{{"id": "c", "a": {a}, "b": {b}}}"#);
            let v = value_of(&rules, "x", &contact, "2026-11-22");
            out.push(truth(&v).to_string());
        }
    }
    out
}

#[test]
fn and_follows_kleene() {
    //            a = T          a = F          a = U
    //            b = T  F  U    b = T  F  U    b = T  F  U
    assert_eq!(
        table("a and b"),
        ["T", "F", "U", "F", "F", "F", "U", "F", "U"]
    );
}

#[test]
fn or_follows_kleene() {
    assert_eq!(
        table("a or b"),
        ["T", "T", "T", "T", "F", "U", "T", "U", "U"]
    );
}

#[test]
fn not_follows_kleene() {
    let rows = table("not a");
    assert_eq!([&rows[0], &rows[3], &rows[6]], ["F", "T", "U"]);
}

#[test]
fn every_comparison_with_a_missing_side_is_unknown() {
    let rules = "schema contact { id: string, n: number?, s: string?, d: datetime? }\n";
    for op in ["==", "!=", "<", "<=", ">", ">="] {
        for (lhs, rhs) in [("n", "1"), ("1", "n"), ("s", "\"x\""), ("d", "now")] {
            let text = format!("{rules}let x = {lhs} {op} {rhs}\n");
            let v = value_of(&text, "x", r#"{"id": "c"}"#, "2026-11-22");
            assert_eq!(v, Value::Missing, "{lhs} {op} {rhs}");
        }
    }
}

#[test]
fn comparisons_with_both_sides_present() {
    let rules = "schema contact { id: string, n: number? }\n\
                 let lt = n < 5\nlet le = n <= 5\nlet gt = n > 5\nlet ge = n >= 5\nlet eq = n == 5\nlet ne = n != 5\n";
    let got: Vec<&str> = ["lt", "le", "gt", "ge", "eq", "ne"]
        .iter()
        .map(|name| {
            truth(&value_of(
                rules,
                name,
                r#"{"id": "c", "n": 5}"#,
                "2026-11-22",
            ))
        })
        .collect();
    assert_eq!(got, ["F", "T", "F", "T", "T", "F"]);
}

#[test]
fn coalesce_and_presence_handle_absence() {
    let rules = "schema contact { id: string, n: number? }\n\
                 let d = n ?? 7\nlet m = n is missing\nlet p = n is present\n";
    let absent = r#"{"id": "c"}"#;
    let null = r#"{"id": "c", "n": null}"#;
    let given = r#"{"id": "c", "n": 3}"#;
    for contact in [absent, null] {
        assert_eq!(
            value_of(rules, "d", contact, "2026-11-22"),
            Value::Number(7.0)
        );
        assert_eq!(
            value_of(rules, "m", contact, "2026-11-22"),
            Value::Bool(true)
        );
        assert_eq!(
            value_of(rules, "p", contact, "2026-11-22"),
            Value::Bool(false)
        );
    }
    assert_eq!(
        value_of(rules, "d", given, "2026-11-22"),
        Value::Number(3.0)
    );
    assert_eq!(
        value_of(rules, "m", given, "2026-11-22"),
        Value::Bool(false)
    );
}

#[test]
fn quantifiers_over_empty_missing_and_partly_unknown_lists() {
    let rules = "schema contact { id: string, xs: list of number? }\n\
                 let any_big = any x in xs: x > 10\nlet all_big = all x in xs: x > 10\n";
    let cases = [
        (r#"{"id": "c", "xs": []}"#, "F", "T"),
        (r#"{"id": "c"}"#, "U", "U"),
        (r#"{"id": "c", "xs": [20, null]}"#, "T", "U"),
        (r#"{"id": "c", "xs": [1, null]}"#, "U", "F"),
        (r#"{"id": "c", "xs": [20, 30]}"#, "T", "T"),
    ];
    for (contact, any, all) in cases {
        assert_eq!(
            truth(&value_of(rules, "any_big", contact, "2026-11-22")),
            any,
            "any {contact}"
        );
        assert_eq!(
            truth(&value_of(rules, "all_big", contact, "2026-11-22")),
            all,
            "all {contact}"
        );
    }
}

#[test]
fn within_is_inclusive_at_both_ends() {
    let rules = "schema contact { id: string, t: datetime? }\nlet recent = t within 30 days\n";
    let now = "2026-11-22T00:00:00Z";
    let at = |t: &str| {
        value_of(
            rules,
            "recent",
            &format!(r#"{{"id": "c", "t": "{t}"}}"#),
            now,
        )
    };
    assert_eq!(at("2026-10-23T00:00:00Z"), Value::Bool(true)); // exactly 30 days before
    assert_eq!(at("2026-10-22T23:59:59Z"), Value::Bool(false)); // one second more
    assert_eq!(at("2026-11-22T00:00:00Z"), Value::Bool(true)); // exactly now
    assert_eq!(at("2026-11-22T00:00:01Z"), Value::Bool(false)); // the future
}

#[test]
fn days_since_counts_whole_days() {
    let rules = "schema contact { id: string, t: datetime? }\nlet d = days_since(t)\n";
    let now = "2026-11-22T12:00:00Z";
    let at = |t: &str| value_of(rules, "d", &format!(r#"{{"id": "c", "t": "{t}"}}"#), now);
    assert_eq!(at("2026-11-21T12:00:00Z"), Value::Number(1.0));
    assert_eq!(at("2026-11-21T12:00:01Z"), Value::Number(0.0));
    assert_eq!(at("2026-11-23T12:00:00Z"), Value::Number(-1.0));
}

#[test]
fn aggregates_skip_missing_values_like_sql() {
    let rules = "schema contact { id: string, xs: list of { k: string, v: number? }? }\n\
                 let s = sum(x.v for x in xs where x.k == \"a\")\n\
                 let c = count(x in xs where x.k == \"a\")\n\
                 let lo = min(x.v for x in xs)\nlet hi = max(x.v for x in xs)\n";
    let contact = r#"{"id": "c", "xs": [{"k": "a", "v": 2}, {"k": "a"}, {"k": "b", "v": 10}, {"k": "a", "v": 3}]}"#;
    assert_eq!(
        value_of(rules, "s", contact, "2026-11-22"),
        Value::Number(5.0)
    );
    assert_eq!(
        value_of(rules, "c", contact, "2026-11-22"),
        Value::Number(3.0)
    );
    assert_eq!(
        value_of(rules, "lo", contact, "2026-11-22"),
        Value::Number(2.0)
    );
    assert_eq!(
        value_of(rules, "hi", contact, "2026-11-22"),
        Value::Number(10.0)
    );
    let empty = r#"{"id": "c", "xs": []}"#;
    assert_eq!(value_of(rules, "s", empty, "2026-11-22"), Value::Missing);
    assert_eq!(
        value_of(rules, "c", empty, "2026-11-22"),
        Value::Number(0.0)
    );
}

#[test]
fn in_with_missing_item_is_unknown_and_division_by_zero_is_unknown() {
    let rules = "schema contact { id: string, s: string?, n: number? }\n\
                 let member = s in [\"a\", \"b\"]\nlet outside = s not in [\"a\"]\nlet ratio = 10 / n\n";
    assert_eq!(
        value_of(rules, "member", r#"{"id": "c"}"#, "2026-11-22"),
        Value::Missing
    );
    assert_eq!(
        value_of(rules, "outside", r#"{"id": "c"}"#, "2026-11-22"),
        Value::Missing
    );
    assert_eq!(
        value_of(rules, "member", r#"{"id": "c", "s": "b"}"#, "2026-11-22"),
        Value::Bool(true)
    );
    assert_eq!(
        value_of(rules, "outside", r#"{"id": "c", "s": "b"}"#, "2026-11-22"),
        Value::Bool(true)
    );
    assert_eq!(
        value_of(rules, "ratio", r#"{"id": "c", "n": 0}"#, "2026-11-22"),
        Value::Missing
    );
    assert_eq!(
        value_of(rules, "ratio", r#"{"id": "c", "n": 4}"#, "2026-11-22"),
        Value::Number(2.5)
    );
}

#[test]
fn constant_sub_expressions_are_folded() {
    let program = program_of(
        "schema contact { id: string, n: number? }\nlet limit = 10 * 5 + 1\nlet big = n > limit\n",
    );
    let root = program.let_root(0);
    assert!(matches!(program.node(root), Node::Const(Value::Number(n)) if *n == 51.0));
}

#[test]
fn dates_at_the_end_of_the_calendar_compare_as_the_last_instant() {
    let rules = "schema contact { id: string, end: date? }\nlet active = end after now\n";
    let at = |d: &str| {
        value_of(
            rules,
            "active",
            &format!(r#"{{"id": "c", "end": "{d}"}}"#),
            "2026-11-22",
        )
    };
    assert_eq!(at("9999-12-31"), Value::Bool(true));
    assert_eq!(at("2026-01-01"), Value::Bool(false));
}

#[test]
fn a_row_on_a_value_that_is_not_a_condition_is_an_error_not_a_miss() {
    // without a schema (the only way a value can surprise a rule)
    let program = program_of("classify s {\n  yes when flag\n  otherwise no\n}\n");
    let contact = contact_of(&program, r#"{"id": "c", "flag": "true"}"#);
    let mut evaluator = Evaluator::new(&program, jiff::Timestamp::UNIX_EPOCH);
    assert!(evaluator.classify(&contact.slots).is_err());
}

#[test]
fn time_relative_to_now_is_never_folded_at_compile_time() {
    let rules = "schema contact { id: string }\nlet recent = 2026-01-01 within 30 days\nlet days = days_since(2026-01-01)\n";
    assert_eq!(
        value_of(rules, "recent", r#"{"id": "c"}"#, "2026-01-02"),
        Value::Bool(true)
    );
    assert_eq!(
        value_of(rules, "days", r#"{"id": "c"}"#, "2026-01-11"),
        Value::Number(10.0)
    );
}

#[test]
fn comparing_lists_with_missing_elements_is_unknown() {
    let rules =
        "schema contact { id: string, tags: list of string }\nlet vip = tags == [\"vip\"]\n";
    assert_eq!(
        value_of(rules, "vip", r#"{"id": "c", "tags": [null]}"#, "2026-01-02"),
        Value::Missing
    );
    assert_eq!(
        value_of(
            rules,
            "vip",
            r#"{"id": "c", "tags": [null, "x"]}"#,
            "2026-01-02"
        ),
        Value::Bool(false)
    );
    assert_eq!(
        value_of(
            rules,
            "vip",
            r#"{"id": "c", "tags": ["vip"]}"#,
            "2026-01-02"
        ),
        Value::Bool(true)
    );
}

#[test]
fn a_let_first_computed_inside_a_quantifier_leaves_its_variable_alone() {
    // `any_b` has a quantifier of its own at the same level as the outer `e`: computing it
    // for the first time inside the outer body must not unbind `e`
    let rules = "schema contact { id: string, xs: list of { k: string, b: bool } }\n\
                 let any_b = any x in xs: x.b\n\
                 let y = any e in xs: any_b and e.k == \"a\"\n";
    let contact = r#"{"id": "c", "xs": [{"k": "a", "b": true}]}"#;
    assert_eq!(
        value_of(rules, "y", contact, "2026-11-22"),
        Value::Bool(true)
    );
}
