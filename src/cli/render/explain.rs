//! Explanations → text: the sentences for [`Note`] and [`Shown`], the indented tree of
//! `qualify explain`, a failed test case's explanation, and the JSON of both commands.
//!
//! The JSON is built here from views of the core types rather than derived on them, so the
//! documented output (notes and values as sentences) is written down in one place and the
//! core stays free of English.

use serde::Serialize;

use crate::explain::{
    ClassExplanation, Condition, ContactExplanation, Missing, Note, Origin, Quantified, Read,
    RowExplanation, Shape, Shown, Truth,
};
use crate::semantics::Value;
use crate::suite::Mismatch;

/// A value as a person reads it: `30`, `"vp"`, `none`, `a list of 3`.
pub fn shown(value: &Shown) -> String {
    match value {
        Shown::NoValue => "none".to_string(),
        Shown::Class(name) => name.clone(),
        Shown::ListOf(n) => format!("a list of {n}"),
        Shown::Items(items) => value_list(items),
        Shown::Value(v) => v.to_string(),
        Shown::LongText { start, chars } => {
            format!(
                "{}… ({chars} characters)",
                Value::Str(start.as_str().into())
            )
        }
    }
}

/// A short list as written in rules: `["director", "vp"]`; long lists are cut.
fn value_list(items: &[Value]) -> String {
    let shown: Vec<String> = items.iter().take(8).map(Value::to_string).collect();
    let more = if items.len() > 8 { ", …" } else { "" };
    format!("[{}{more}]", shown.join(", "))
}

/// ` (50)` after a constant written as a name, unless its value reads as the name does
/// (a literal `50` or `true` passes the core's name test too).
fn named_value(written: &str, named: &Option<Shown>) -> String {
    match named.as_ref().map(shown) {
        Some(value) if value != written => format!(" ({value})"),
        _ => String::new(),
    }
}

/// The sentence for a note, e.g. "`company.size` is 30, needs `>= 50`".
pub fn note(note: &Note) -> String {
    match note {
        Note::Unknown { missing, condition } => {
            let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            let verb = if names.len() == 1 { "is" } else { "are" };
            format!(
                "{} {verb} missing, so `{condition}` is unknown",
                names.join(" and ")
            )
        }
        Note::Compare {
            subject,
            value,
            op,
            other,
            named,
            met,
        } => {
            let verb = if *met { "meets" } else { "needs" };
            format!(
                "`{subject}` is {}, {verb} `{op} {other}`{}",
                shown(value),
                named_value(other, named)
            )
        }
        Note::Membership {
            item,
            value,
            list,
            named,
            met,
            negated,
        } => {
            // `not in` holding means the item is not in the list
            let verb = if met != negated { "is in" } else { "is not in" };
            format!(
                "`{item}` is {}, which {verb} `{list}`{}",
                shown(value),
                named_value(list, named)
            )
        }
        Note::Quantifier {
            list,
            body,
            outcome,
            origin,
        } => quantified(list, body, *outcome, origin.as_ref()),
        Note::Aggregate { aggregate, value } => format!("`{aggregate}` is {}", shown(value)),
        Note::Reads(reads) => {
            let parts: Vec<String> = reads
                .iter()
                .map(|r| format!("`{}` is {}", r.expr, shown(&r.value)))
                .collect();
            parts.join(", ")
        }
        Note::CannotEvaluate { fault } => format!("cannot be evaluated: {}", super::fault(fault)),
    }
}

/// Whether `text` is one expression in parentheses, `(a ?? b)` (not `(a) ?? (b)`): it is
/// indexed as it is. Parentheses in string literals do not count.
fn in_parentheses(text: &str) -> bool {
    let mut depth = 0usize;
    let mut code = crate::syntax::scan::scan(text)
        .filter(|(_, _, class)| *class == crate::syntax::scan::Class::Code)
        .peekable();
    if code.peek().map(|(_, c, _)| *c) != Some('(') || !text.ends_with(')') {
        return false;
    }
    for (at, c, _) in code {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                // the first parenthesis closes before the end: more follows it
                if depth == 0 && at + 1 < text.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn quantified(list: &str, body: &str, outcome: Quantified, origin: Option<&Origin>) -> String {
    let elements = |n: usize| {
        let plural = if n == 1 { "" } else { "s" };
        format!("{n} element{plural} of `{list}`")
    };
    // an element of a list written as an expression (`events ?? []`) is named in
    // parentheses, so that `[0]` indexes the list, not the `[]`
    let element = |index: usize| {
        if list
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            || in_parentheses(list)
        {
            format!("{list}[{index}]")
        } else {
            format!("({list})[{index}]")
        }
    };
    // an activity joined from a file of its own is named by its row there, which a person
    // can open; the index alone counts the contact's own elements too
    let element = |index: usize| match origin {
        Some(o) => format!(
            "{}, the activity on line {} of {},",
            element(index),
            o.line,
            o.file
        ),
        None => element(index),
    };
    match outcome {
        Quantified::AnyFound { index } => format!("{} has `{body}`", element(index)),
        Quantified::AllFailed { index } => {
            format!("{} does not have `{body}`", element(index))
        }
        Quantified::None { n } => format!("none of {} has `{body}`", elements(n)),
        Quantified::All { n } => format!("all {} have `{body}`", elements(n)),
        Quantified::Unknown { unknown, n } => {
            format!("`{body}` is unknown for {unknown} of {}", elements(n))
        }
        Quantified::Missing => format!("`{list}` is missing"),
        Quantified::Empty => format!("`{list}` is empty"),
    }
}

/// The whole explanation of a contact for people.
pub fn human(explanation: &ContactExplanation) -> String {
    let mut out = format!("contact {}\n", super::printable(&explanation.id));
    for class in &explanation.classes {
        out.push('\n');
        out.push_str(&class_tree(class));
    }
    out
}

fn mark(truth: Truth) -> &'static str {
    match truth {
        Truth::True => "✓",
        Truth::False => "✗",
        Truth::Unknown => "?",
    }
}

fn value_word(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("none")
}

/// One classification: its value, the guard, every row and what the rows above still lack.
/// A named condition is expanded the first time it appears and referred to after that.
pub fn class_tree(class: &ClassExplanation) -> String {
    let mut tree = Tree::default();
    tree.push(&format!("{} = {}", class.name, value_word(&class.value)), 0);
    if let Some(guard) = &class.guard {
        let applies = guard.truth == Truth::True;
        let tail = if applies {
            ""
        } else {
            " — not true, so the value is none"
        };
        tree.push(
            &format!("{} guard: {}{tail}", mark(guard.truth), guard.text),
            2,
        );
        tree.below(guard, 4);
        if !applies {
            return tree.out;
        }
    }
    for row in &class.rows {
        if !row.evaluated {
            tree.push(
                &format!("· {} — not reached: an earlier row matched", row.value),
                2,
            );
            continue;
        }
        let verdict = if row.matched {
            "matched"
        } else {
            "not matched"
        };
        tree.push(
            &format!("{} {} — {verdict}", mark(row.condition.truth), row.value),
            2,
        );
        if row.condition.shape == Shape::Named {
            // a row that names a `let`: show the name, then its definition
            tree.line(&row.condition, 4);
        } else {
            tree.below(&row.condition, 4);
        }
    }
    if class.by_otherwise {
        tree.push(
            &format!("otherwise {} — no row matched", value_word(&class.value)),
            2,
        );
    }
    for next in class.next.iter().rev() {
        tree.push(&format!("to get {}, it would also need:", next.value), 2);
        for c in &next.unmet {
            tree.push(&with_note(&format!("{} {}", mark(c.truth), c.text), c), 4);
        }
    }
    tree.out
}

/// The unmet conditions of a failed expectation, one per line.
pub fn unmet_lines(unmet: &[Condition], indent: usize) -> String {
    let mut tree = Tree::default();
    for c in unmet {
        tree.push(&unmet_line(c), indent);
    }
    tree.out
}

/// One unmet condition in a line: its truth, its text and what it was told.
pub fn unmet_line(c: &Condition) -> String {
    with_note(&format!("{} {}", mark(c.truth), c.text), c)
}

/// The lines that explain one condition, starting with its own.
pub fn condition_tree(condition: &Condition, indent: usize) -> String {
    let mut tree = Tree::default();
    tree.line(condition, indent);
    tree.out
}

fn with_note(head: &str, c: &Condition) -> String {
    let within = c
        .within
        .as_ref()
        .map(|w| format!(" (part of `{w}`)"))
        .unwrap_or_default();
    match &c.note {
        Some(n) => format!("{head}{within} — {}", note(n)),
        None => format!("{head}{within}"),
    }
}

#[derive(Default)]
struct Tree {
    out: String,
    /// Named conditions already expanded.
    seen: Vec<String>,
}

impl Tree {
    fn push(&mut self, text: &str, indent: usize) {
        self.out.push_str(&format!("{:indent$}{text}\n", ""));
    }

    /// The parts below a condition whose own line is already written.
    fn below(&mut self, condition: &Condition, indent: usize) {
        match condition.shape {
            Shape::Leaf => {
                if let Some(n) = &condition.note {
                    self.push(&note(n), indent);
                } else if condition.truth != Truth::True {
                    self.push(
                        &format!("{} is {}", condition.text, condition.truth.word()),
                        indent,
                    );
                }
            }
            Shape::Named => {
                if let Some(definition) = condition.parts.first() {
                    self.line(definition, indent);
                }
            }
            Shape::And | Shape::Or | Shape::Not => {
                for part in &condition.parts {
                    self.line(part, indent);
                }
            }
        }
    }

    fn line(&mut self, condition: &Condition, indent: usize) {
        let head = format!("{} {}", mark(condition.truth), condition.text);
        match (condition.shape, condition.parts.first()) {
            // a large `let` named again comes with its definition's text alone (see
            // `explain::REPEAT_LIMIT`): refer to it as to any other shown above
            (Shape::Named, Some(_)) if self.seen.contains(&condition.text) => {
                self.push(&format!("{head} (as above)"), indent);
            }
            (Shape::Named, Some(d)) if d.shape == Shape::Leaf => {
                self.push(&with_note(&format!("{head} = {}", d.text), d), indent);
            }
            (Shape::Named, Some(d)) => {
                self.seen.push(condition.text.clone());
                self.push(&head, indent);
                self.below(d, indent + 2);
            }
            (Shape::Leaf, _) => self.push(&with_note(&head, condition), indent),
            _ => {
                self.push(&head, indent);
                self.below(condition, indent + 2);
            }
        }
    }
}

/// A failure's explanation for people: expected vs actual, the matched row's reasons and
/// what the expected value's row lacks.
pub fn mismatch_text(m: &Mismatch, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!(
        "{pad}{}: expected {}, got {}\n",
        m.classification, m.expected, m.actual
    );
    let explanation = &m.explanation;
    if let Some(guard) = &explanation.guard
        && guard.truth != Truth::True
    {
        out.push_str(&format!(
            "{pad}  `{}` does not apply: its guard is not true\n",
            m.classification
        ));
        out.push_str(&condition_tree(guard, indent + 4));
        return out;
    }
    match explanation.rows.iter().find(|r| r.matched) {
        Some(row) => {
            out.push_str(&format!("{pad}  {} matched because:\n", row.value));
            out.push_str(&condition_tree(&row.condition, indent + 4));
        }
        None if explanation.by_otherwise => {
            out.push_str(&format!(
                "{pad}  no row matched, so `otherwise {}` applied\n",
                m.actual
            ));
        }
        None => out.push_str(&format!("{pad}  no row matched\n")),
    }
    if m.expected != "none" && !m.expected_row_unmet.is_empty() {
        out.push_str(&format!("{pad}  {} did not match because:\n", m.expected));
        out.push_str(&unmet_lines(&m.expected_row_unmet, indent + 4));
    }
    out
}

// The JSON views below list the fields of the core types in their order; serde writes them
// as they are declared, so this order is the order of the keys in the output.

/// A contact's explanation as `qualify explain --format json` writes it.
#[derive(Serialize)]
pub struct ContactJson<'a> {
    id: &'a str,
    classes: Vec<ClassJson<'a>>,
}

/// [`ContactExplanation`] with notes and values as sentences.
pub fn contact_json(e: &ContactExplanation) -> ContactJson<'_> {
    ContactJson {
        id: &e.id,
        classes: e.classes.iter().map(class_json).collect(),
    }
}

/// A failed expectation as `qualify test --format json` writes it.
#[derive(Serialize)]
pub struct MismatchJson<'a> {
    classification: &'a str,
    expected: &'a str,
    actual: &'a str,
    explanation: ClassJson<'a>,
    expected_row_unmet: Vec<ConditionJson<'a>>,
}

/// [`Mismatch`]es with notes and values as sentences.
pub fn mismatches_json(mismatches: &[Mismatch]) -> Vec<MismatchJson<'_>> {
    mismatches
        .iter()
        .map(|m| MismatchJson {
            classification: &m.classification,
            expected: &m.expected,
            actual: &m.actual,
            explanation: class_json(&m.explanation),
            expected_row_unmet: m.expected_row_unmet.iter().map(condition_json).collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct ClassJson<'a> {
    name: &'a str,
    value: Option<&'a str>,
    guard: Option<ConditionJson<'a>>,
    rows: Vec<RowJson<'a>>,
    by_otherwise: bool,
    next: Vec<MissingJson<'a>>,
}

fn class_json(c: &ClassExplanation) -> ClassJson<'_> {
    ClassJson {
        name: &c.name,
        value: c.value.as_deref(),
        guard: c.guard.as_ref().map(condition_json),
        rows: c.rows.iter().map(row_json).collect(),
        by_otherwise: c.by_otherwise,
        next: c.next.iter().map(missing_json).collect(),
    }
}

#[derive(Serialize)]
struct RowJson<'a> {
    value: &'a str,
    matched: bool,
    evaluated: bool,
    condition: ConditionJson<'a>,
}

fn row_json(r: &RowExplanation) -> RowJson<'_> {
    RowJson {
        value: &r.value,
        matched: r.matched,
        evaluated: r.evaluated,
        condition: condition_json(&r.condition),
    }
}

#[derive(Serialize)]
struct MissingJson<'a> {
    value: &'a str,
    unmet: Vec<ConditionJson<'a>>,
}

fn missing_json(m: &Missing) -> MissingJson<'_> {
    MissingJson {
        value: &m.value,
        unmet: m.unmet.iter().map(condition_json).collect(),
    }
}

#[derive(Serialize)]
struct ConditionJson<'a> {
    shape: Shape,
    text: &'a str,
    truth: Truth,
    reads: Vec<ReadJson<'a>>,
    note: Option<String>,
    parts: Vec<ConditionJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    within: Option<&'a str>,
}

fn condition_json(c: &Condition) -> ConditionJson<'_> {
    ConditionJson {
        shape: c.shape,
        text: &c.text,
        truth: c.truth,
        reads: c.reads.iter().map(read_json).collect(),
        note: c.note.as_ref().map(note),
        parts: c.parts.iter().map(condition_json).collect(),
        within: c.within.as_deref(),
    }
}

#[derive(Serialize)]
struct ReadJson<'a> {
    expr: &'a str,
    value: String,
    missing: bool,
}

fn read_json(r: &Read) -> ReadJson<'_> {
    ReadJson {
        expr: &r.expr,
        value: shown(&r.value),
        missing: r.missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Shown {
        Shown::Value(Value::Str(s.into()))
    }

    fn quantifier(list: &str, body: &str, outcome: Quantified) -> Note {
        Note::Quantifier {
            list: list.to_string(),
            body: body.to_string(),
            outcome,
            origin: None,
        }
    }

    // sentences the CLI snapshots do not reach, as the explainer wrote them before notes
    // became data
    #[test]
    fn explain_notes_read_as_before() {
        let eu: Vec<Value> = ["DE", "FR", "IT", "ES", "NL", "BE", "AT", "PL", "SE"]
            .map(|c| Value::Str(c.into()))
            .into();
        let cases = [
            (
                Note::Unknown {
                    missing: vec!["size".into(), "revenue".into()],
                    condition: "size + revenue > 10".into(),
                },
                "`size` and `revenue` are missing, so `size + revenue > 10` is unknown",
            ),
            (
                Note::Compare {
                    subject: "size".into(),
                    value: Shown::Value(Value::Number(50.0)),
                    op: ">=".into(),
                    other: "big_size".into(),
                    named: Some(Shown::Value(Value::Number(1000.0))),
                    met: false,
                },
                "`size` is 50, needs `>= big_size` (1000)",
            ),
            (
                // a literal passes the name test; its value is not repeated
                Note::Compare {
                    subject: "size".into(),
                    value: Shown::Value(Value::Number(50.0)),
                    op: ">=".into(),
                    other: "50".into(),
                    named: Some(Shown::Value(Value::Number(50.0))),
                    met: true,
                },
                "`size` is 50, meets `>= 50`",
            ),
            (
                Note::Membership {
                    item: "country".into(),
                    value: text("DE"),
                    list: "eu".into(),
                    named: Some(Shown::Items(eu.into())),
                    met: true,
                    negated: false,
                },
                "`country` is \"DE\", which is in `eu` ([\"DE\", \"FR\", \"IT\", \"ES\", \"NL\", \"BE\", \"AT\", \"PL\", …])",
            ),
            (
                Note::Membership {
                    item: "stage".into(),
                    value: Shown::NoValue,
                    list: "[lead]".into(),
                    named: None,
                    met: true,
                    negated: true,
                },
                "`stage` is none, which is not in `[lead]`",
            ),
            (
                quantifier("events", "e.ok", Quantified::AllFailed { index: 1 }),
                "events[1] does not have `e.ok`",
            ),
            (
                quantifier("(events)", "e.ok", Quantified::AnyFound { index: 2 }),
                "(events)[2] has `e.ok`",
            ),
            (
                quantifier("(a) ?? (b)", "e.ok", Quantified::AnyFound { index: 2 }),
                "((a) ?? (b))[2] has `e.ok`",
            ),
            (
                quantifier("(a ?? [\")\"])", "e.ok", Quantified::AnyFound { index: 2 }),
                "(a ?? [\")\"])[2] has `e.ok`",
            ),
            (
                quantifier("events ?? []", "e.ok", Quantified::AnyFound { index: 0 }),
                "(events ?? [])[0] has `e.ok`",
            ),
            (
                quantifier("company.events", "e.ok", Quantified::AnyFound { index: 2 }),
                "company.events[2] has `e.ok`",
            ),
            (
                quantifier("events", "e.ok", Quantified::All { n: 2 }),
                "all 2 elements of `events` have `e.ok`",
            ),
            (
                quantifier("events", "e.ok", Quantified::None { n: 1 }),
                "none of 1 element of `events` has `e.ok`",
            ),
            (
                quantifier("events", "e.ok", Quantified::Unknown { unknown: 1, n: 2 }),
                "`e.ok` is unknown for 1 of 2 elements of `events`",
            ),
            (
                quantifier("maybe", "m.ok", Quantified::Missing),
                "`maybe` is missing",
            ),
            (
                Note::Aggregate {
                    aggregate: "max(e.ok for e in events)".into(),
                    value: Shown::Value(Value::Bool(false)),
                },
                "`max(e.ok for e in events)` is false",
            ),
            (
                Note::Reads(vec![
                    Read {
                        expr: "tags".into(),
                        value: Shown::ListOf(3),
                        missing: false,
                    },
                    Read {
                        expr: "stage".into(),
                        value: Shown::Class("lead".into()),
                        missing: false,
                    },
                ]),
                "`tags` is a list of 3, `stage` is lead",
            ),
            (
                Note::CannotEvaluate {
                    fault: crate::semantics::Fault::CannotCompare(
                        crate::semantics::Value::Str("a".into()),
                        crate::semantics::Value::Number(3.0),
                    ),
                },
                "cannot be evaluated: cannot compare text \"a\" with number 3",
            ),
        ];
        for (n, expected) in cases {
            assert_eq!(note(&n), expected);
        }
    }
}
