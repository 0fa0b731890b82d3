use super::*;
use crate::ast::{BinaryOp, ExprKind};
use crate::source::SourceMap;

/// Parses `text` as one file; returns the file and the diagnostics' messages.
fn parse(text: &str) -> (File, Vec<String>) {
    let mut sources = SourceMap::new();
    let id = sources.add("test.qual", text);
    let (file, diagnostics) = parse_file(id, sources.get(id));
    (file, diagnostics.into_iter().map(|d| d.message).collect())
}

fn let_expr(text: &str) -> ExprKind {
    let (file, errors) = parse(&format!("let x = {text}"));
    assert!(errors.is_empty(), "{errors:?}");
    match &file.items[0] {
        Item::Let(l) => l.value.node.clone(),
        other => panic!("not a let: {other:?}"),
    }
}

#[test]
fn precedence_and_binds_tighter_than_or_and_not_looser_than_comparison() {
    let ExprKind::Binary(BinaryOp::Or, _, rhs) = let_expr("a or b and c") else {
        panic!("`or` is not at the top")
    };
    assert!(matches!(rhs.node, ExprKind::Binary(BinaryOp::And, _, _)));
    let ExprKind::Unary(_, inner) = let_expr("not a == b") else {
        panic!("`not` is not at the top")
    };
    assert!(matches!(inner.node, ExprKind::Binary(BinaryOp::Eq, _, _)));
}

#[test]
fn coalesce_binds_tighter_than_comparison() {
    let ExprKind::Binary(BinaryOp::Ge, lhs, _) = let_expr("budget ?? 0 >= 1000") else {
        panic!("comparison is not at the top")
    };
    assert!(matches!(
        lhs.node,
        ExprKind::Binary(BinaryOp::Coalesce, _, _)
    ));
}

#[test]
fn quantifier_body_extends_to_the_right() {
    let ExprKind::Quantifier { body, .. } =
        let_expr("any e in events: e.kind == \"call\" and e.at within 30 days")
    else {
        panic!("not a quantifier")
    };
    assert!(matches!(body.node, ExprKind::Binary(BinaryOp::And, _, _)));
}

#[test]
fn literals() {
    assert_eq!(let_expr("1_000.5"), ExprKind::Number(1000.5));
    assert_eq!(let_expr("-3"), ExprKind::Number(-3.0));
    assert_eq!(let_expr("\"a\\\"b\""), ExprKind::String("a\"b".into()));
    assert!(matches!(let_expr("2026-11-01"), ExprKind::Date(_)));
    assert!(matches!(
        let_expr("2026-11-01T09:30:00Z"),
        ExprKind::DateTime(_)
    ));
    assert_eq!(
        let_expr("2 weeks"),
        ExprKind::Duration(jiff::SignedDuration::from_hours(24 * 14))
    );
    assert!(matches!(let_expr("[1, 2,]"), ExprKind::List(v) if v.len() == 2));
}

#[test]
fn a_syntax_error_does_not_hide_later_items() {
    let (file, errors) = parse("let a = (1\nlet b = 2\nclassify s {\n  x when\n}\nlet c = 3\n");
    assert_eq!(file.item_names(), ["b", "c"]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    let broken: Vec<_> = file
        .broken
        .iter()
        .filter_map(|b| b.name.as_ref())
        .map(|n| n.node.as_str())
        .collect();
    assert_eq!(broken, ["a", "s"]);
}

#[test]
fn missing_when_says_so() {
    let (_, errors) = parse("classify stage {\n  prospect two_way\n}\n");
    assert_eq!(errors, ["expected `when`, found `two_way`"]);
}

#[test]
fn item_chunks_start_at_keywords_only() {
    let text = "# c\nlet a = 1\n  # let not\nclassify s {\n lead when a\n}\n";
    let chunks = item_chunks(text);
    assert_eq!(chunks.len(), 2);
    assert!(text[chunks[0].0..].starts_with("let a"));
}

/// Parses `text` as one file in which every item must be taken by the fast path; in debug
/// builds `parse_file` compares each such item with what pest builds.
fn fast_parse(text: &str) -> File {
    for (start, end) in item_chunks(text) {
        assert!(
            fast::item(FileId(0), start, &text[start..end]).is_some(),
            "the fast path leaves {:?} to pest",
            &text[start..end]
        );
    }
    let (file, errors) = parse(text);
    assert!(errors.is_empty(), "{errors:?}");
    file
}

#[test]
fn the_fast_path_takes_the_common_items_and_builds_what_pest_builds() {
    fast_parse("let x000001_long_name_for_size = n > 1\n");
    fast_parse("let a = not (b or c) and d.e.f is missing ?? 3 * -4 / 2 - -x\n");
    fast_parse("let a = x not in [1, 2,] or y in [] and z contains \"a\\\"b\"\n");
    fast_parse("let a = s starts_with \"é\" or s ends_with \"x\" or s matches \"^a\"\n");
    fast_parse("let a = t within d or t before now or t after t2 # trailing\n");
    fast_parse("let a = - 5.5 + 1_000 == 1000 != true <= false >= (1) < 2 > 3\n");
    fast_parse("let a = x . y is present # the dot may be spaced\n\n");
    fast_parse("let count = missing or present or one or list # not reserved\n");
    fast_parse(
        "# leading comment\nclassify stage when a and b {\n  hot when x > 1 # c\n  warm when (y)\n  otherwise cold\n}\n",
    );
    fast_parse("classify k {\n}\nclassify j { a when b c when d }\n");
}

#[test]
fn the_fast_path_leaves_to_pest_what_it_does_not_handle() {
    for text in [
        "schema contact { id: string }",
        "let a = 2026-11-01",
        "let a = 2026-11-01T09:30:00Z",
        "let a = 30 days",
        "let a = 30\n days",
        "let a = count(e in events)",
        "let a = lower (s)",
        "let a = any e in xs: e > 1",
        "let a = 99999999999999999999999",
        "let a = \"\\q\"",
        "let a = 1e3",
        "let a = b not c",
        "let a = b is c",
        "let a = b =",
        "let a = é",
        "let a = (b",
        "let a = [b c]",
        "classify k { a b }",
        "classify k { otherwise }",
        "x let a = b",
    ] {
        assert!(
            fast::item(FileId(0), 0, text).is_none(),
            "the fast path takes {text:?}"
        );
    }
}

/// Random expressions, valid and then mutated, in item positions: whatever the fast path
/// takes, pest must build the same tree for (`parse_file` compares the two in debug builds,
/// and tests build in debug); and the fast path must take a fair share, or this test would
/// check nothing.
#[test]
fn the_fast_path_agrees_with_pest_on_random_and_mutated_expressions() {
    const TOKENS: &[&str] = &[
        "a",
        "x_1",
        "_y",
        "count",
        "missing",
        "present",
        "not",
        "and",
        "or",
        "in",
        "is",
        "==",
        "<",
        "<=",
        "??",
        "-",
        "*",
        "(",
        ")",
        "[",
        "]",
        ",",
        ".",
        "1",
        "2.5",
        "1_000",
        "007",
        "2026",
        "01",
        "days",
        "\"s\"",
        "\"a\\\"b\"",
        "\"\\q\"",
        "\"é\"",
        "true",
        "now",
        "any",
        "when",
        "otherwise",
        "{",
        "}",
        "=",
        "!",
        "?",
        ":",
        "é",
        "#c\n",
        "1.",
        "5x",
        "\n",
    ];
    const OPERATORS: &[&str] = &[
        "or",
        "and",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "not in",
        "contains",
        "starts_with",
        "ends_with",
        "matches",
        "within",
        "before",
        "after",
        "??",
        "+",
        "-",
        "*",
        "/",
    ];
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
        fn space(&mut self) -> &'static str {
            ["", " ", " ", "\n  ", " # c\n "][self.below(5)]
        }
    }
    fn expression(rng: &mut Rng, depth: usize) -> Vec<String> {
        let mut out = Vec::new();
        for _ in 0..rng.below(3) {
            out.push(["not", "-"][rng.below(2)].to_string());
        }
        match rng.below(if depth > 2 { 6 } else { 8 }) {
            0 => out.push(["a", "b", "x_1", "count", "missing"][rng.below(5)].into()),
            1 => out
                .push(["0", "7", "2.5", "1_000", "007", "123456789012345678"][rng.below(6)].into()),
            2 => out.push(["\"s\"", "\"a\\\"b\"", "\"é\"", "\"\""][rng.below(4)].into()),
            3 => out.push(["true", "false", "now"][rng.below(3)].into()),
            4 | 5 => {
                out.push("e".into());
                out.push(".".into());
                out.push("f".into());
            }
            6 => {
                out.push("(".into());
                out.extend(expression(rng, depth + 1));
                out.push(")".into());
            }
            _ => {
                out.push("[".into());
                for i in 0..rng.below(3) {
                    if i > 0 {
                        out.push(",".into());
                    }
                    out.extend(expression(rng, depth + 1));
                }
                if rng.below(3) == 0 {
                    out.push(",".into());
                }
                out.push("]".into());
            }
        }
        if rng.below(5) == 0 {
            out.push(["is missing", "is present", ". g"][rng.below(3)].into());
        }
        if depth < 3 && rng.below(2) == 0 {
            out.push(OPERATORS[rng.below(OPERATORS.len())].into());
            out.extend(expression(rng, depth + 1));
        }
        out
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut taken, cases) = (0, 20_000);
    for _ in 0..cases {
        let mut tokens = expression(&mut rng, 0);
        // a third are mutated: a token replaced, inserted or removed
        if rng.below(3) == 0 {
            let at = rng.below(tokens.len() + 1);
            let token = TOKENS[rng.below(TOKENS.len())].to_string();
            match rng.below(3) {
                0 if at < tokens.len() => tokens[at] = token,
                1 if at < tokens.len() => {
                    tokens.remove(at);
                }
                _ => tokens.insert(at, token),
            }
        }
        let mut soup = String::new();
        for token in &tokens {
            soup.push_str(rng.space());
            soup.push_str(token);
        }
        let text = match rng.below(4) {
            0 | 1 => format!("let v = {soup}\n"),
            2 => format!("classify k {{\n  v when {soup}\n  otherwise o\n}}\n"),
            _ => format!("classify k when {soup} {{\n  v when a\n}}\n"),
        };
        if fast::item(FileId(0), 0, &text).is_some() {
            taken += 1;
        }
        let _ = parse(&text);
    }
    assert!(
        taken > cases / 3,
        "the fast path took only {taken} of {cases}"
    );
}
