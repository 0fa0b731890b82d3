//! Explanations → text: the indented tree of `qualify explain` and a failed test case's
//! explanation.

use crate::explain::{ClassExplanation, Condition, ContactExplanation, Shape, Truth};
use crate::suite::Mismatch;

/// The whole explanation of a contact for people.
pub fn human(explanation: &ContactExplanation) -> String {
    let mut out = format!("contact {}\n", explanation.id);
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
        tree.push(
            &with_note(&format!("{} {}", mark(c.truth), c.text), c),
            indent,
        );
    }
    tree.out
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
        Some(note) => format!("{head}{within} — {note}"),
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
                if let Some(note) = &condition.note {
                    self.push(note, indent);
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
            (Shape::Named, Some(d)) if d.shape == Shape::Leaf => {
                self.push(&with_note(&format!("{head} = {}", d.text), d), indent);
            }
            (Shape::Named, Some(d)) => {
                if self.seen.contains(&condition.text) {
                    self.push(&format!("{head} (as above)"), indent);
                } else {
                    self.seen.push(condition.text.clone());
                    self.push(&head, indent);
                    self.below(d, indent + 2);
                }
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
