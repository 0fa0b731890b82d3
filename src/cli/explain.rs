//! `qualify explain`: why one contact got its values, as a tree of conditions.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::eval::{ReadingArgs, parse_as_of};
use super::{CliError, ExitStatus, load};
use crate::eval::Evaluator;
use crate::explain::{ClassExplanation, Condition, ContactExplanation, Explainer, Shape, Truth};
use crate::run;

/// Arguments of `qualify explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule file or directory
    pub rules: PathBuf,

    /// The contact file (`.json`, `.jsonl`, `.csv`); `-` reads standard input
    pub data: PathBuf,

    /// The id of the contact to explain
    #[arg(long)]
    pub id: String,

    /// When and how contacts are read
    #[command(flatten)]
    pub reading: ReadingArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// Output formats of `qualify explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// An indented tree for people
    Human,
    /// The tree as JSON
    Json,
}

/// Runs `qualify explain`.
pub fn run(args: &ExplainArgs) -> Result<ExitStatus, CliError> {
    let now = parse_as_of(args.reading.as_of.as_deref())?;
    let (sources, program) = match load::program(&args.rules, &args.reading.id_field)? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let file = load::data_file(&args.data, args.reading.input_format())?;
    let name = &file.name;
    let found = run::find(&program, file.input(), &args.id);
    if let Some((_, e)) = &found.error {
        super::stderr_line!("{}", super::render::data::line(e));
        return Ok(ExitStatus::DataErrors);
    }
    if let (Some(first), true) = (&found.first, found.more > 0) {
        super::stderr_line!(
            "note: {} contacts in `{name}` have {} `{}`; this explains the first (line {})",
            found.more + 1,
            args.reading.id_field,
            args.id,
            first.line
        );
    }
    let Some(contact) = found.first else {
        let note = if found.skipped > 0 {
            format!(
                " ({} records could not be read; run `qualify eval` to see why)",
                found.skipped
            )
        } else {
            String::new()
        };
        return Err(CliError::usage(format!(
            "no contact with {} `{}` in `{name}`{note}",
            args.reading.id_field, args.id
        )));
    };
    let mut evaluator = Evaluator::new(&program, now);
    let explanation = Explainer::new(&program, &sources, &mut evaluator, &contact.slots)
        .contact(&contact.id)
        .map_err(|e| run::runtime_error(&sources, &program, name, &contact, e));
    let explanation = match explanation {
        Ok(e) => e,
        Err(e) => {
            super::stderr_line!("{}", super::render::data::line(&e));
            return Ok(ExitStatus::DataErrors);
        }
    };
    let out = match args.format {
        ExplainFormat::Human => human(&explanation),
        ExplainFormat::Json => {
            let mut text = serde_json::to_string_pretty(&explanation)
                .map_err(|e| CliError::internal(format!("cannot write JSON: {e}")))?;
            text.push('\n');
            text
        }
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| CliError::io("cannot write to standard output".to_string(), e))?;
    Ok(ExitStatus::Success)
}

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
