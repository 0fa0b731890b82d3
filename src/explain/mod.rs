//! Why a contact got its values: condition trees with the field values read, the row that
//! matched, why earlier rows did not, and what is missing for each more advanced row.
//!
//! Explanations re-evaluate single nodes with the same [`Evaluator`] that classified the
//! contact (its `let` cache makes this cheap), so the classification path pays nothing.
//!
//! Architecture invariant: explanations are data. What a person reads about a condition is
//! a [`Note`] carrying values, and a value read is a [`Shown`]; the CLI renders both into
//! sentences and JSON (`cli::render::explain`). Text quoted here is the user's: rules and
//! expressions as written.

use std::sync::Arc;

use serde::Serialize;

use crate::compile::{CompareOp, Node, NodeId, Program};
use crate::eval::{Evaluator, Outcome, RuntimeError};
use crate::semantics::Fault;
pub use crate::semantics::Truth;
use crate::semantics::ops::Quantify;
use crate::semantics::{Decision, Value};
use crate::source::SourceMap;
use crate::syntax::scan::{self, Class};

/// A value the rules read, as shown in explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// The expression as written, e.g. `company.size`.
    pub expr: String,
    /// Its value.
    pub value: Shown,
    /// Whether it is missing.
    pub missing: bool,
}

/// A value as explanations show it: classification values by name, lists by length.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// A classification that has no value.
    NoValue,
    /// A classification's value, by name.
    Class(String),
    /// A list, by how many items it has.
    ListOf(usize),
    /// A list, item by item (a named list the rules compare with).
    Items(Arc<[Value]>),
    /// Any other value, as the language writes it (`missing`, `30`, `"vp"`).
    Value(Value),
    /// A text longer than [`SHOWN_CHARS`], by its first characters: an explanation quotes
    /// a value to identify it, and a long one would swamp the tree (a 100 MB cell once
    /// printed twice).
    LongText {
        /// The first [`SHOWN_CHARS`] characters.
        start: String,
        /// How many characters the whole text has.
        chars: usize,
    },
}

/// How many characters of a text value an explanation shows.
pub const SHOWN_CHARS: usize = 80;

/// What a person is told about a leaf condition, as values; the CLI words it.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Values the condition reads are missing, so it is unknown.
    Unknown {
        /// The missing expressions as written.
        missing: Vec<String>,
        /// The condition as written.
        condition: String,
    },
    /// A value tested against a constant (`company.size >= 50`), read from the value's side.
    Compare {
        /// The tested expression as written.
        subject: String,
        /// Its value.
        value: Shown,
        /// The operator as it reads with the subject first (`>=`, `within`, `after`).
        op: String,
        /// The constant side as written.
        other: String,
        /// The constant's value when it is written as a name (`min_company_size`).
        named: Option<Shown>,
        /// Whether the test holds.
        met: bool,
    },
    /// `item in list` or `item not in list`.
    Membership {
        /// The item as written.
        item: String,
        /// Its value.
        value: Shown,
        /// The list as written.
        list: String,
        /// The list's value when it is written as a name.
        named: Option<Shown>,
        /// Whether the test holds.
        met: bool,
        /// Whether it is written `not in`.
        negated: bool,
    },
    /// `any`/`all` over a list.
    Quantifier {
        /// The list as written.
        list: String,
        /// The condition on each element as written.
        body: String,
        /// Which element decided, or how many there were.
        outcome: Quantified,
        /// Where the element that decided came from, when it is an activity joined from
        /// a file of its own.
        origin: Option<Origin>,
    },
    /// `count(…)`, `sum(…)` and the like, with the value they came to.
    Aggregate {
        /// The aggregate as written.
        aggregate: String,
        /// Its value.
        value: Shown,
    },
    /// The values the condition reads, for tests with nothing more particular to say.
    Reads(Vec<Read>),
    /// Evaluating the condition failed.
    CannotEvaluate {
        /// What the rule could not do with which value.
        fault: Fault,
    },
}

/// Where an element of a contact's list came from: a row of a file of activities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, as messages name it.
    pub file: String,
    /// The row's line in it.
    pub line: usize,
}

/// Per list field of the contact (by slot), where each element came from: `None` for the
/// contact's own, an [`Origin`] for an activity joined from its file.
pub type Origins = std::collections::HashMap<usize, Vec<Option<Origin>>>;

/// How an `any`/`all` came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantified {
    /// `any`: the element at `index` has the condition.
    AnyFound {
        /// Its position in the list.
        index: usize,
    },
    /// `all`: the element at `index` does not have the condition.
    AllFailed {
        /// Its position in the list.
        index: usize,
    },
    /// `any`: none of the `n` elements has it.
    None {
        /// How many elements there are.
        n: usize,
    },
    /// `all`: all `n` elements have it.
    All {
        /// How many elements there are.
        n: usize,
    },
    /// The condition is unknown for `unknown` of the `n` elements.
    Unknown {
        /// How many elements it is unknown for.
        unknown: usize,
        /// How many elements there are.
        n: usize,
    },
    /// The list is missing.
    Missing,
    /// The list is empty.
    Empty,
}

/// The shape of a condition in an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// `a and b and …`
    And,
    /// `a or b or …`
    Or,
    /// `not a`
    Not,
    /// a `let` name, with its definition as the one part
    Named,
    /// a comparison, quantifier or other test
    Leaf,
}

/// One condition and, for `and`/`or`/`not` and named conditions, its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// What kind of condition it is.
    pub shape: Shape,
    /// The condition as written (for a `let`, its name).
    pub text: String,
    /// The node in the program.
    pub node: NodeId,
    /// Its truth for this contact.
    pub truth: Truth,
    /// Values read by this condition itself (not by its parts).
    pub reads: Vec<Read>,
    /// What a person is told about it, e.g. that `company.size` is 30 and needs `>= 50`.
    pub note: Option<Note>,
    /// Parts: operands of `and`/`or`/`not`, or the definition of a `let`.
    pub parts: Vec<Condition>,
    /// In a list of unmet conditions: the named condition (`let`) this one belongs to.
    pub within: Option<String>,
    /// Whether `text` already names the `let` this condition defines.
    pub named: bool,
}

/// How one row fared.
#[derive(Debug, Clone, PartialEq)]
pub struct RowExplanation {
    /// The value the row assigns.
    pub value: String,
    /// Whether this row decided the result.
    pub matched: bool,
    /// Whether the row was evaluated (rows after the matched one are not).
    pub evaluated: bool,
    /// Its condition.
    pub condition: Condition,
}

/// What a more advanced row still lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    /// The row's value.
    pub value: String,
    /// The smallest set of its conditions that are not true.
    pub unmet: Vec<Condition>,
}

/// Why one classification has its value for one contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassExplanation {
    /// The classification.
    pub name: String,
    /// Its value (`None` is `none`).
    pub value: Option<String>,
    /// The evaluator's outcome: the value's index and what decided it.
    pub outcome: Outcome,
    /// The guard, when there is one.
    pub guard: Option<Condition>,
    /// Every row, top to bottom.
    pub rows: Vec<RowExplanation>,
    /// Whether `otherwise` decided.
    pub by_otherwise: bool,
    /// For each row above the matched one: what it still lacks.
    pub next: Vec<Missing>,
}

/// Why a contact got each of its values.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactExplanation {
    /// The contact's id.
    pub id: String,
    /// One entry per classification, in definition order.
    pub classes: Vec<ClassExplanation>,
}

/// Builds explanations; borrows the sources to quote the rules as written.
pub struct Explainer<'a, 'p> {
    program: &'p Program,
    sources: &'a SourceMap,
    evaluator: &'a mut Evaluator<'p>,
    record: &'a [Value],
    /// The condition tree of each `let` explained so far, kept when it is small (see
    /// [`REPEAT_LIMIT`]).
    lets: std::collections::HashMap<usize, Option<Condition>>,
    /// Where the elements of the contact's lists came from, where they were joined.
    origins: Origins,
}

/// A `let` named again in the same explanation is shown again in full when its tree has
/// at most this many conditions, and by its definition's text alone when larger: `let x1 =
/// x0 and x0`, `let x2 = x1 and x1`, … would otherwise double the tree at every line.
pub const REPEAT_LIMIT: usize = 256;

/// How many conditions a tree holds.
fn tree_size(condition: &Condition) -> usize {
    1 + condition.parts.iter().map(tree_size).sum::<usize>()
}

impl<'a, 'p> Explainer<'a, 'p> {
    /// An explainer for one decoded contact; the evaluator's `now` applies.
    pub fn new(
        program: &'p Program,
        sources: &'a SourceMap,
        evaluator: &'a mut Evaluator<'p>,
        record: &'a [Value],
    ) -> Self {
        evaluator.reset();
        Explainer {
            program,
            sources,
            evaluator,
            record,
            lets: std::collections::HashMap::new(),
            origins: Origins::new(),
        }
    }

    /// Names where the elements of the contact's lists came from (activities joined from
    /// files of their own), so that an element that decides is located.
    pub fn with_origins(mut self, origins: Origins) -> Self {
        self.origins = origins;
        self
    }

    /// Explains every classification.
    pub fn contact(&mut self, id: &str) -> Result<ContactExplanation, RuntimeError> {
        let classes = (0..self.program.classes().len())
            .map(|c| self.class(c))
            .collect::<Result<_, _>>()?;
        Ok(ContactExplanation {
            id: id.to_string(),
            classes,
        })
    }

    /// Explains one classification: the evaluator's outcome, with the condition tree of
    /// the guard and of every row.
    pub fn class(&mut self, id: usize) -> Result<ClassExplanation, RuntimeError> {
        let program = self.program;
        let class = &program.classes()[id];
        let outcome = self.evaluator.class(id, self.record)?;
        let guard = class.guard.map(|g| self.condition(g)).transpose()?;
        // rows up to the deciding one were evaluated; those above it did not match
        let (evaluated, above) = match outcome.decision {
            Decision::Guard => (0, 0),
            Decision::Row(i) => (i + 1, i),
            Decision::Otherwise | Decision::NoRow => (class.rows.len(), class.rows.len()),
        };
        let mut rows = Vec::with_capacity(class.rows.len());
        for (i, &(row_value, cond)) in class.rows.iter().enumerate() {
            rows.push(RowExplanation {
                value: class.values[row_value].clone(),
                matched: outcome.decision == Decision::Row(i),
                evaluated: i < evaluated,
                condition: self.condition(cond)?,
            });
        }
        // a row giving the value the contact already has is no step further along (a value
        // can be both a row and the `otherwise`)
        let value = outcome.value.map(|v| class.values[v].as_str());
        let next = rows[..above]
            .iter()
            .filter(|r| Some(r.value.as_str()) != value)
            .map(|r| Missing {
                value: r.value.clone(),
                unmet: unmet(&r.condition),
            })
            .collect();
        Ok(ClassExplanation {
            name: class.name.clone(),
            value: outcome.value.map(|v| class.values[v].clone()),
            outcome,
            guard,
            by_otherwise: outcome.decision == Decision::Otherwise,
            rows,
            next,
        })
    }

    fn text(&self, node: NodeId) -> String {
        let text = self.sources.slice(self.program.span(node));
        squeeze(text)
    }

    /// The condition tree of a node.
    pub fn condition(&mut self, node: NodeId) -> Result<Condition, RuntimeError> {
        // Explanations look at parts the evaluator may have skipped (rows after the matched
        // one, the right side of a decided `and`); a value a rule cannot use there is
        // reported in the tree instead of failing the explanation.
        let value = match self.evaluator.eval(node, self.record) {
            Ok(v) => v,
            Err(e) => {
                return Ok(Condition {
                    shape: Shape::Leaf,
                    text: self.text(node),
                    node,
                    truth: Truth::Unknown,
                    reads: Vec::new(),
                    note: Some(Note::CannotEvaluate { fault: e.fault }),
                    parts: Vec::new(),
                    within: None,
                    named: false,
                });
            }
        };
        // a value that is not a condition (a number in a comparison's place) reads as unknown
        let truth = Truth::of(&value).unwrap_or(Truth::Unknown);
        let program = self.program;
        let mut condition = Condition {
            shape: Shape::Leaf,
            text: self.text(node),
            node,
            truth,
            reads: Vec::new(),
            note: None,
            parts: Vec::new(),
            within: None,
            named: false,
        };
        match &program.node(node) {
            Node::And(a, b) | Node::Or(a, b) => {
                // flatten chains of the same operator: `a and b and c` has three parts
                let is_and = matches!(program.node(node), Node::And(..));
                condition.shape = if is_and { Shape::And } else { Shape::Or };
                for part in [*a, *b] {
                    let same = matches!(
                        (&program.node(part), is_and),
                        (Node::And(..), true) | (Node::Or(..), false)
                    );
                    let child = self.condition(part)?;
                    if same {
                        condition.parts.extend(child.parts);
                    } else {
                        condition.parts.push(child);
                    }
                }
            }
            Node::Not(x) => {
                condition.shape = Shape::Not;
                condition.parts.push(self.condition(*x)?);
            }
            Node::Let(l) => {
                let root = program.let_root(*l);
                condition.shape = Shape::Named;
                condition.text = program.let_name(*l).to_string();
                let definition = match self.lets.get(l) {
                    Some(Some(small)) => small.clone(),
                    Some(None) => Condition {
                        shape: Shape::Leaf,
                        text: self.text(root),
                        node: root,
                        parts: Vec::new(),
                        ..condition.clone()
                    },
                    None => {
                        let definition = self.condition(root)?;
                        let small = tree_size(&definition) <= REPEAT_LIMIT;
                        self.lets.insert(*l, small.then(|| definition.clone()));
                        definition
                    }
                };
                condition.parts.push(definition);
            }
            _ => {
                condition.reads = self.reads(node).unwrap_or_default();
                condition.note = self.note(node, &value, &condition.reads).unwrap_or(None);
            }
        }
        Ok(condition)
    }

    /// Values a leaf condition reads: fields, `let`s and classifications outside any
    /// quantifier in it.
    fn reads(&mut self, node: NodeId) -> Result<Vec<Read>, RuntimeError> {
        let mut nodes = Vec::new();
        collect_reads(self.program, node, &mut nodes);
        let mut reads: Vec<Read> = Vec::new();
        for n in nodes {
            let value = self.evaluator.eval(n, self.record)?;
            let expr = self.text(n);
            if reads.iter().any(|r| r.expr == expr) {
                continue;
            }
            reads.push(Read {
                expr,
                missing: value.is_missing(),
                value: self.show(n, &value),
            });
        }
        Ok(reads)
    }

    /// A value as a person reads it; classification values by name.
    fn show(&self, node: NodeId, value: &Value) -> Shown {
        match (value, &self.program.node(node)) {
            (Value::Class(v), Node::Class(c)) => Shown::Class(
                self.program.classes()[*c]
                    .values
                    .get(*v as usize)
                    .cloned()
                    .unwrap_or_default(),
            ),
            (Value::Missing, Node::Class(_)) => Shown::NoValue,
            (Value::List(items), _) => Shown::ListOf(items.len()),
            (Value::Str(text), _) if text.len() > SHOWN_CHARS => {
                let chars = text.chars().count();
                if chars > SHOWN_CHARS {
                    let start = text.chars().take(SHOWN_CHARS).collect();
                    Shown::LongText { start, chars }
                } else {
                    Shown::Value(Value::Str(text.clone()))
                }
            }
            (other, _) => Shown::Value(other.clone()),
        }
    }

    /// What to tell about a leaf condition.
    fn note(
        &mut self,
        node: NodeId,
        value: &Value,
        reads: &[Read],
    ) -> Result<Option<Note>, RuntimeError> {
        let program = self.program;
        let missing: Vec<String> = reads
            .iter()
            .filter(|r| r.missing)
            .map(|r| r.expr.clone())
            .collect();
        if value.is_missing() && !missing.is_empty() {
            return Ok(Some(Note::Unknown {
                missing,
                condition: self.text(node),
            }));
        }
        Ok(match &program.node(node) {
            Node::Compare(_, a, b)
            | Node::Text(_, a, b)
            | Node::Before(a, b)
            | Node::After(a, b)
            | Node::Within(a, b) => {
                let (a, b) = (*a, *b);
                let (subject, other) = if self.is_constant(b) {
                    (a, b)
                } else if self.is_constant(a) {
                    (b, a)
                } else {
                    return Ok(self.plain_reads(reads));
                };
                let subject_value = self.evaluator.eval(subject, self.record)?;
                // with the value on the right, the operator reads the other way round
                let op_text = match (&program.node(node), subject == a) {
                    (Node::Compare(op, ..), left) => compare_symbol(*op, left).to_string(),
                    (_, true) => self.operator_text(node, a, b),
                    (Node::Before(..), false) => "after".to_string(),
                    (Node::After(..), false) => "before".to_string(),
                    // `"chief sales officer" contains role` has no mirror word
                    (_, false) => return Ok(self.plain_reads(reads)),
                };
                Some(Note::Compare {
                    subject: self.text(subject),
                    value: self.show(subject, &subject_value),
                    op: op_text,
                    other: self.text(other),
                    named: self.value_if_named(other)?,
                    met: value.truth() == Some(true),
                })
            }
            Node::In {
                item,
                list,
                negated,
            } => {
                let item_value = self.evaluator.eval(*item, self.record)?;
                Some(Note::Membership {
                    item: self.text(*item),
                    value: self.show(*item, &item_value),
                    list: self.text(*list),
                    named: self.value_if_named(*list)?,
                    met: value.truth() == Some(true),
                    negated: *negated,
                })
            }
            Node::Quantifier {
                all,
                level,
                list,
                body,
            } => self.quantifier_note(*all, *level, *list, *body, value)?,
            Node::Aggregate { .. } => Some(Note::Aggregate {
                aggregate: self.text(node),
                value: self.show(node, value),
            }),
            _ => self.plain_reads(reads),
        })
    }

    /// The value of a node written as a name (`min_company_size`) rather than as its value,
    /// so explanations show the threshold itself. (A word-like literal such as `50` passes
    /// too; the renderer leaves out a value that reads as the text already does.)
    fn value_if_named(&mut self, node: NodeId) -> Result<Option<Shown>, RuntimeError> {
        let text = self.text(node);
        // only a name stands for a hidden value; a literal already shows it
        if !text.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Ok(None);
        }
        Ok(match self.evaluator.eval(node, self.record)? {
            // a classification value is written by its name already
            Value::Class(_) => None,
            Value::List(items) => Some(Shown::Items(items)),
            other => Some(self.show(node, &other)),
        })
    }

    fn plain_reads(&self, reads: &[Read]) -> Option<Note> {
        (!reads.is_empty()).then(|| Note::Reads(reads.to_vec()))
    }

    /// The operator between `a` and `b` as written (`within`, `contains`, …).
    fn operator_text(&self, node: NodeId, a: NodeId, b: NodeId) -> String {
        let span = |n: NodeId| self.program.span(n);
        let whole = span(node);
        let (first, second) = if span(a).start <= span(b).start {
            (a, b)
        } else {
            (b, a)
        };
        let from = span(first).end;
        let to = span(second).start;
        if from >= whole.start && to <= whole.end && from <= to {
            let mut span = whole;
            span.start = from;
            span.end = to;
            squeeze(self.sources.slice(span))
        } else {
            String::new()
        }
    }

    fn is_constant(&self, node: NodeId) -> bool {
        matches!(self.program.node(node), Node::Const(_) | Node::Now)
    }

    /// Where the elements of the list `node` came from, where it is a list field of the
    /// contact (or one with a default: `tasks ?? []` is `tasks` where that is present, or a
    /// `let` that is either).
    fn origins_of(&self, node: NodeId) -> Option<&Vec<Option<Origin>>> {
        // through `let`s that name the list (`let ts = tasks ?? []`), as far as they go: a
        // `let` cannot name itself, so the chain ends
        let mut node = node;
        loop {
            match self.program.node(node) {
                Node::Coalesce(list, _) => node = *list,
                Node::Let(l) => node = self.program.let_root(*l),
                Node::Field {
                    base: None, slot, ..
                } => return self.origins.get(&(*slot as usize)),
                _ => return None,
            }
        }
    }

    /// For `any`/`all`: which element decided, or how many there were.
    fn quantifier_note(
        &mut self,
        all: bool,
        level: u32,
        list: NodeId,
        body: NodeId,
        value: &Value,
    ) -> Result<Option<Note>, RuntimeError> {
        let (list_text, body_text) = (self.text(list), self.text(body));
        // (one contact's lists, explained once: cloned rather than borrowed from `self`)
        let origins = self.origins_of(list).cloned();
        let quantifier = |outcome| {
            let origin = match outcome {
                Quantified::AnyFound { index } | Quantified::AllFailed { index } => origins
                    .as_ref()
                    .and_then(|o| o.get(index).cloned().flatten()),
                _ => None,
            };
            Note::Quantifier {
                list: list_text,
                body: body_text,
                outcome,
                origin,
            }
        };
        let items = match self.evaluator.eval(list, self.record)? {
            Value::List(items) => items,
            Value::Missing => return Ok(Some(quantifier(Quantified::Missing))),
            _ => return Ok(None),
        };
        if items.is_empty() {
            return Ok(Some(quantifier(Quantified::Empty)));
        }
        let mut quantify = Quantify::new(all);
        for item in items.iter() {
            self.evaluator.bind_local(level as usize, item.clone());
            let truth = Truth::of(&self.evaluator.eval(body, self.record)?);
            if quantify.step(truth.unwrap_or(Truth::Unknown)) {
                break;
            }
        }
        let (decider, unknown) = (quantify.decider, quantify.unknown());
        let n = items.len();
        Ok(Some(quantifier(match (all, decider, value.truth()) {
            (false, Some(index), _) => Quantified::AnyFound { index },
            (true, Some(index), _) => Quantified::AllFailed { index },
            (false, None, Some(false)) => Quantified::None { n },
            (true, None, Some(true)) => Quantified::All { n },
            _ => Quantified::Unknown { unknown, n },
        })))
    }
}

/// A rule's text on one line: runs of whitespace (rules span lines) become single spaces
/// and `#` comments are left out, or a comment inside a condition would read as the rest
/// of it; a string literal is quoted as written, since `"New  York"` is not `"New York"`.
pub fn squeeze(text: &str) -> String {
    // most conditions are written on one line with single spaces and no comment: then the
    // text is already as shown, and a scan over its bytes is all it costs
    let bytes = text.as_bytes();
    let plain = bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !bytes.windows(2).any(|w| w == b"  ")
        // `#`, the other ASCII whitespace (tab to carriage return) and anything non-ASCII,
        // which may be whitespace too, take the full scan
        && !bytes
            .iter()
            .any(|&b| b == b'#' || (b'\t'..=b'\r').contains(&b) || !b.is_ascii());
    if plain {
        text.to_string()
    } else {
        squeeze_scanned(text)
    }
}

/// [`squeeze`] the long way, character by character.
fn squeeze_scanned(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for (_, c, class) in scan::scan(text) {
        match class {
            Class::Comment => {}
            Class::Code if c.is_whitespace() => gap = !out.is_empty(),
            Class::Code | Class::String => {
                if gap {
                    out.push(' ');
                    gap = false;
                }
                out.push(c);
            }
        }
    }
    out
}

fn compare_symbol(op: CompareOp, subject_left: bool) -> &'static str {
    // `50 <= company.size` reads as `company.size >= 50`
    match (op, subject_left) {
        (CompareOp::Eq, _) => "==",
        (CompareOp::Ne, _) => "!=",
        (CompareOp::Lt, true) | (CompareOp::Gt, false) => "<",
        (CompareOp::Le, true) | (CompareOp::Ge, false) => "<=",
        (CompareOp::Gt, true) | (CompareOp::Lt, false) => ">",
        (CompareOp::Ge, true) | (CompareOp::Le, false) => ">=",
    }
}

/// Nodes whose values a leaf reads: fields, lets and classifications, not looking inside
/// quantifiers and aggregates (their variables have no value outside them).
fn collect_reads(program: &Program, node: NodeId, out: &mut Vec<NodeId>) {
    match &program.node(node) {
        Node::Field { base, .. } => {
            // a field of a local variable only has a value inside its quantifier
            if base.is_none_or(|b| !program.reads_variable(b)) {
                out.push(node);
            }
        }
        Node::Let(_) | Node::Class(_) => out.push(node),
        Node::Quantifier { list, .. } | Node::Aggregate { list, .. } => {
            collect_reads(program, *list, out)
        }
        _ => program.for_each_child(node, |child| collect_reads(program, child, out)),
    }
}

/// The smallest set of leaf conditions that would have to become true for `condition` to
/// hold: all unmet parts of an `and`, the cheapest alternative of an `or`. A named
/// condition that is a single test keeps its name: `two_way_contact (any e in …)`.
pub fn unmet(condition: &Condition) -> Vec<Condition> {
    if condition.truth == Truth::True {
        return Vec::new();
    }
    match condition.shape {
        Shape::And => condition.parts.iter().flat_map(unmet).collect(),
        Shape::Or => condition
            .parts
            .iter()
            .map(unmet)
            .min_by_key(Vec::len)
            .unwrap_or_default(),
        Shape::Named => match condition.parts.first() {
            Some(definition) if definition.shape == Shape::Leaf => {
                let mut named = definition.clone();
                named.text = format!("{} ({})", condition.text, definition.text);
                named.named = true;
                vec![named]
            }
            Some(definition) => {
                let mut inner = unmet(definition);
                for c in inner.iter_mut().filter(|c| !c.named) {
                    c.within.get_or_insert_with(|| condition.text.clone());
                }
                inner
            }
            None => vec![condition.clone()],
        },
        Shape::Not | Shape::Leaf => vec![Condition {
            parts: Vec::new(),
            ..condition.clone()
        }],
    }
}

/// A classification's value in one line: what `eval --explain` writes in its reason
/// columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The guard was not true.
    Guard {
        /// The guard as written.
        text: String,
        /// Its truth.
        truth: Truth,
    },
    /// A row matched.
    Row {
        /// The row's value.
        value: String,
        /// What made its condition true.
        deciding: Deciding,
    },
    /// No row matched; `otherwise` gave the value.
    Otherwise,
    /// No row matched and there is no `otherwise`.
    NoRow,
}

/// The parts of a true condition that made it true.
#[derive(Debug, Clone, PartialEq)]
pub enum Deciding {
    /// A condition as written.
    Text(String),
    /// Every part of an `and`, as written.
    All(Vec<String>),
    /// A named condition (`let`) and what made its definition true.
    Named {
        /// The `let`'s name.
        name: String,
        /// Its definition's deciding parts.
        inner: Box<Deciding>,
    },
}

impl Deciding {
    fn of(c: &Condition) -> Deciding {
        match c.shape {
            Shape::And => Deciding::All(c.parts.iter().map(|p| p.text.clone()).collect()),
            Shape::Or => c
                .parts
                .iter()
                .find(|p| p.truth == Truth::True)
                .map_or_else(|| Deciding::Text(c.text.clone()), Deciding::of),
            Shape::Named => match c.parts.first() {
                Some(d) if d.shape != Shape::Leaf => Deciding::Named {
                    name: c.text.clone(),
                    inner: Box::new(Deciding::of(d)),
                },
                _ => Deciding::Text(c.text.clone()),
            },
            Shape::Not | Shape::Leaf => Deciding::Text(c.text.clone()),
        }
    }
}

impl ClassExplanation {
    /// The deciding row and the conditions that made it true.
    pub fn short_reason(&self) -> Reason {
        match self.outcome.decision {
            Decision::Guard => match &self.guard {
                Some(guard) => Reason::Guard {
                    text: guard.text.clone(),
                    truth: guard.truth,
                },
                None => Reason::NoRow,
            },
            Decision::Row(i) => match self.rows.get(i) {
                Some(row) => Reason::Row {
                    value: row.value.clone(),
                    deciding: Deciding::of(&row.condition),
                },
                None => Reason::NoRow,
            },
            Decision::Otherwise => Reason::Otherwise,
            Decision::NoRow => Reason::NoRow,
        }
    }
}

/// The short reason of every classification of one contact, straight from the outcomes the
/// evaluator gave it: what `eval --explain` writes, without building explanation trees.
/// `out` is cleared, then holds one reason per classification, in definition order.
///
/// `evaluator` must be the one that has just classified `record` into `outcomes` (its `let`
/// cache is reused, and it must not have been reset since). Gives the same reasons as
/// [`Explainer::class`] followed by [`ClassExplanation::short_reason`], a test checks.
pub fn short_reasons<'p>(
    program: &'p Program,
    sources: &SourceMap,
    evaluator: &mut Evaluator<'p>,
    record: &[Value],
    outcomes: &[Outcome],
    out: &mut Vec<Reason>,
) {
    out.clear();
    out.reserve(program.classes().len());
    let mut words = Words {
        program,
        sources,
        evaluator,
        record,
    };
    for (class, outcome) in program.classes().iter().zip(outcomes) {
        out.push(words.reason(class, outcome.decision));
    }
}

/// What [`short_reasons`] needs to word one contact's reasons.
///
/// Why this is cheap: the outcome already names the deciding row, and a matched row's
/// condition is true, so every part of it the reason quotes is true too — an `and` is
/// quoted whole and a named condition by its name, from the program alone. Only an `or`
/// needs evaluation (which of its parts is the first true one), and so does a guard (false
/// or unknown); both are single nodes, and `let`s come from the evaluator's cache.
struct Words<'w, 'p> {
    program: &'p Program,
    sources: &'w SourceMap,
    evaluator: &'w mut Evaluator<'p>,
    record: &'w [Value],
}

impl Words<'_, '_> {
    /// The reason of one classification whose outcome was `decision`.
    fn reason(&mut self, class: &crate::compile::ClassProgram, decision: Decision) -> Reason {
        match decision {
            Decision::Guard => match class.guard {
                // the guard was evaluated without error, or classifying would have failed;
                // an error here still reads as the full explanation has it: unknown
                Some(guard) => match self.evaluator.eval(guard, self.record) {
                    Ok(value) => Reason::Guard {
                        text: self.condition_text(guard),
                        truth: Truth::of(&value).unwrap_or(Truth::Unknown),
                    },
                    Err(_) => Reason::Guard {
                        text: self.text(guard),
                        truth: Truth::Unknown,
                    },
                },
                None => Reason::NoRow,
            },
            Decision::Row(i) => match class.rows.get(i) {
                Some(&(value, condition)) => Reason::Row {
                    value: class.values.get(value).cloned().unwrap_or_default(),
                    deciding: self.deciding(condition),
                },
                None => Reason::NoRow,
            },
            Decision::Otherwise => Reason::Otherwise,
            Decision::NoRow => Reason::NoRow,
        }
    }

    /// What made the true condition `node` true; the same as [`Deciding::of`] on its tree.
    fn deciding(&mut self, node: NodeId) -> Deciding {
        let program = self.program;
        match program.node(node) {
            Node::And(..) => {
                let mut parts = Vec::new();
                self.and_parts(node, &mut parts);
                Deciding::All(parts)
            }
            Node::Or(..) => match self.first_true(node) {
                Some(part) => self.deciding(part),
                None => Deciding::Text(self.text(node)),
            },
            Node::Let(l) => {
                let root = program.let_root(*l);
                // a definition that is a single test is quoted by the name alone
                if matches!(
                    program.node(root),
                    Node::And(..) | Node::Or(..) | Node::Not(..) | Node::Let(..)
                ) {
                    Deciding::Named {
                        name: program.let_name(*l).to_string(),
                        inner: Box::new(self.deciding(root)),
                    }
                } else {
                    Deciding::Text(program.let_name(*l).to_string())
                }
            }
            _ => Deciding::Text(self.text(node)),
        }
    }

    /// The texts of the parts of an `and` chain, flattened as the explanation tree does.
    fn and_parts(&self, node: NodeId, out: &mut Vec<String>) {
        if let Node::And(a, b) = self.program.node(node) {
            for part in [*a, *b] {
                if matches!(self.program.node(part), Node::And(..)) {
                    self.and_parts(part, out);
                } else {
                    out.push(self.condition_text(part));
                }
            }
        }
    }

    /// The first part of an `or` chain (flattened, left to right) that is true. Parts after
    /// it are not evaluated; one that cannot be evaluated is not true, as in the tree.
    fn first_true(&mut self, node: NodeId) -> Option<NodeId> {
        let Node::Or(a, b) = *self.program.node(node) else {
            return None;
        };
        for part in [a, b] {
            let found = if matches!(self.program.node(part), Node::Or(..)) {
                self.first_true(part)
            } else {
                let value = self.evaluator.eval(part, self.record);
                matches!(value, Ok(Value::Bool(true))).then_some(part)
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// A condition's text in an explanation tree: a `let` by its name, else as written.
    fn condition_text(&self, node: NodeId) -> String {
        match self.program.node(node) {
            Node::Let(l) => self.program.let_name(*l).to_string(),
            _ => self.text(node),
        }
    }

    /// A node as written, whitespace squeezed.
    fn text(&self, node: NodeId) -> String {
        squeeze(self.sources.slice(self.program.span(node)))
    }
}

#[cfg(test)]
mod tests;
