//! Why a contact got its values: condition trees with the field values read, the row that
//! matched, why earlier rows did not, and what is missing for each more advanced row.
//!
//! Explanations re-evaluate single nodes with the same [`Evaluator`] that classified the
//! contact (its `let` cache makes this cheap), so the classification path pays nothing.

use serde::Serialize;

use crate::compile::{CompareOp, Node, NodeId, Program};
use crate::eval::{Evaluator, Outcome, RuntimeError};
pub use crate::semantics::Truth;
use crate::semantics::value::format_number;
use crate::semantics::{Decision, Value};
use crate::source::SourceMap;

/// A value the rules read, as shown in explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Read {
    /// The expression as written, e.g. `company.size`.
    pub expr: String,
    /// Its value, as written in data (`missing` when absent).
    pub value: String,
    /// Whether it is missing.
    pub missing: bool,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    /// What kind of condition it is.
    pub shape: Shape,
    /// The condition as written (for a `let`, its name).
    pub text: String,
    /// The node in the program.
    #[serde(skip)]
    pub node: NodeId,
    /// Its truth for this contact.
    pub truth: Truth,
    /// Values read by this condition itself (not by its parts).
    pub reads: Vec<Read>,
    /// A sentence for a person, e.g. "`company.size` is 30, needs `>= 50`".
    pub note: Option<String>,
    /// Parts: operands of `and`/`or`/`not`, or the definition of a `let`.
    pub parts: Vec<Condition>,
    /// In a list of unmet conditions: the named condition (`let`) this one belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// Whether `text` already names the `let` this condition defines.
    #[serde(skip)]
    pub named: bool,
}

/// How one row fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    /// The row's value.
    pub value: String,
    /// The smallest set of its conditions that are not true.
    pub unmet: Vec<Condition>,
}

/// Why one classification has its value for one contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassExplanation {
    /// The classification.
    pub name: String,
    /// Its value (`None` is `none`).
    pub value: Option<String>,
    /// The evaluator's outcome: the value's index and what decided it.
    #[serde(skip)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
        }
    }

    /// Explains every classification.
    pub fn contact(&mut self, id: &str) -> Result<ContactExplanation, RuntimeError> {
        let classes = (0..self.program.classes.len())
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
        let class = &program.classes[id];
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
        let next = rows[..above]
            .iter()
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
        let text = self.sources.slice(self.program.spans[node as usize]);
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
                    note: Some(format!(
                        "cannot be evaluated: {}",
                        crate::cli::render::fault(&e.fault)
                    )),
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
        match &program.nodes[node as usize] {
            Node::And(a, b) | Node::Or(a, b) => {
                // flatten chains of the same operator: `a and b and c` has three parts
                let is_and = matches!(program.nodes[node as usize], Node::And(..));
                condition.shape = if is_and { Shape::And } else { Shape::Or };
                for part in [*a, *b] {
                    let same = matches!(
                        (&program.nodes[part as usize], is_and),
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
                let root = program.lets[*l];
                condition.shape = Shape::Named;
                condition.text = program.let_names[*l].clone();
                condition.parts.push(self.condition(root)?);
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
    fn show(&self, node: NodeId, value: &Value) -> String {
        match (value, &self.program.nodes[node as usize]) {
            (Value::Class(v), Node::Class(c)) => self.program.classes[*c]
                .values
                .get(*v as usize)
                .cloned()
                .unwrap_or_default(),
            (Value::Missing, Node::Class(_)) => "none".to_string(),
            (Value::Number(n), _) => format_number(*n),
            (Value::List(items), _) => format!("a list of {}", items.len()),
            (other, _) => other.to_string(),
        }
    }

    /// The sentence for a leaf condition.
    fn note(
        &mut self,
        node: NodeId,
        value: &Value,
        reads: &[Read],
    ) -> Result<Option<String>, RuntimeError> {
        let program = self.program;
        let missing: Vec<&Read> = reads.iter().filter(|r| r.missing).collect();
        if value.is_missing() && !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|r| format!("`{}`", r.expr)).collect();
            let verb = if names.len() == 1 { "is" } else { "are" };
            return Ok(Some(format!(
                "{} {verb} missing, so `{}` is unknown",
                names.join(" and "),
                self.text(node)
            )));
        }
        Ok(match &program.nodes[node as usize] {
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
                let op_text = match (&program.nodes[node as usize], subject == a) {
                    (Node::Compare(op, ..), left) => compare_symbol(*op, left).to_string(),
                    (_, true) => self.operator_text(node, a, b),
                    (Node::Before(..), false) => "after".to_string(),
                    (Node::After(..), false) => "before".to_string(),
                    // `"chief sales officer" contains role` has no mirror word
                    (_, false) => return Ok(self.plain_reads(reads)),
                };
                let verb = if value.truth() == Some(true) {
                    "meets"
                } else {
                    "needs"
                };
                Some(format!(
                    "`{}` is {}, {verb} `{op_text} {}`{}",
                    self.text(subject),
                    self.show(subject, &subject_value),
                    self.text(other),
                    self.value_if_named(other)?
                ))
            }
            Node::In {
                item,
                list,
                negated,
            } => {
                let item_value = self.evaluator.eval(*item, self.record)?;
                let verb = match (value.truth() == Some(true), negated) {
                    (true, false) => "is in",
                    (false, false) => "is not in",
                    (true, true) => "is not in",
                    (false, true) => "is in",
                };
                Some(format!(
                    "`{}` is {}, which {verb} `{}`{}",
                    self.text(*item),
                    self.show(*item, &item_value),
                    self.text(*list),
                    self.value_if_named(*list)?
                ))
            }
            Node::Quantifier {
                all,
                level,
                list,
                body,
            } => self.quantifier_note(*all, *level, *list, *body, value)?,
            Node::Aggregate { .. } => Some(format!(
                "`{}` is {}",
                self.text(node),
                self.show(node, value)
            )),
            _ => self.plain_reads(reads),
        })
    }

    /// ` (50)` when a node is written as a name (`min_company_size`) rather than as its
    /// value, so explanations show the threshold itself.
    fn value_if_named(&mut self, node: NodeId) -> Result<String, RuntimeError> {
        let text = self.text(node);
        // only a name stands for a hidden value; a literal already shows it
        if !text.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Ok(String::new());
        }
        let value = self.evaluator.eval(node, self.record)?;
        let shown = match &value {
            // a classification value is written by its name already
            Value::Class(_) => return Ok(String::new()),
            Value::List(items) => value_list(items),
            other => self.show(node, other),
        };
        Ok(if shown == self.text(node) {
            String::new()
        } else {
            format!(" ({shown})")
        })
    }

    fn plain_reads(&self, reads: &[Read]) -> Option<String> {
        if reads.is_empty() {
            return None;
        }
        let parts: Vec<String> = reads
            .iter()
            .map(|r| format!("`{}` is {}", r.expr, r.value))
            .collect();
        Some(parts.join(", "))
    }

    /// The operator between `a` and `b` as written (`within`, `contains`, …).
    fn operator_text(&self, node: NodeId, a: NodeId, b: NodeId) -> String {
        let spans = &self.program.spans;
        let whole = spans[node as usize];
        let (first, second) = if spans[a as usize].start <= spans[b as usize].start {
            (a, b)
        } else {
            (b, a)
        };
        let from = spans[first as usize].end;
        let to = spans[second as usize].start;
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
        matches!(
            self.program.nodes[node as usize],
            Node::Const(_) | Node::Now
        )
    }

    /// For `any`/`all`: which element decided, or how many there were.
    fn quantifier_note(
        &mut self,
        all: bool,
        level: u32,
        list: NodeId,
        body: NodeId,
        value: &Value,
    ) -> Result<Option<String>, RuntimeError> {
        let items = match self.evaluator.eval(list, self.record)? {
            Value::List(items) => items,
            Value::Missing => return Ok(Some(format!("`{}` is missing", self.text(list)))),
            _ => return Ok(None),
        };
        let list_text = self.text(list);
        if items.is_empty() {
            return Ok(Some(format!("`{list_text}` is empty")));
        }
        let mut decider = None;
        let mut unknown = 0;
        for (i, item) in items.iter().enumerate() {
            self.evaluator.bind_local(level as usize, item.clone());
            match self.evaluator.eval(body, self.record)?.truth() {
                Some(b) if b != all => {
                    decider = Some(i);
                    break;
                }
                Some(_) => {}
                None => unknown += 1,
            }
        }
        let body_text = self.text(body);
        let n = items.len();
        let plural = if n == 1 { "" } else { "s" };
        Ok(Some(match (all, decider, value.truth()) {
            (false, Some(i), _) => format!("{list_text}[{i}] has `{body_text}`"),
            (true, Some(i), _) => format!("{list_text}[{i}] does not have `{body_text}`"),
            (false, None, Some(false)) => {
                format!("none of {n} element{plural} of `{list_text}` has `{body_text}`")
            }
            (true, None, Some(true)) => {
                format!("all {n} element{plural} of `{list_text}` have `{body_text}`")
            }
            _ => format!(
                "`{body_text}` is unknown for {unknown} of {n} element{plural} of `{list_text}`"
            ),
        }))
    }
}

/// A short list as written in rules: `["director", "vp"]`; long lists are cut.
fn value_list(items: &[Value]) -> String {
    let shown: Vec<String> = items.iter().take(8).map(Value::to_string).collect();
    let more = if items.len() > 8 { ", …" } else { "" };
    format!("[{}{more}]", shown.join(", "))
}

/// Collapses runs of whitespace (rules span lines) into single spaces.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
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
    match &program.nodes[node as usize] {
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
