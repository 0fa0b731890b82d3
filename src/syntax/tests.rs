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
