//! Which rows the test cases reached and which conditions they made true and false.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::compile::{Node, NodeId, Program};
use crate::explain::{Condition, ContactExplanation, Shape, Truth};
use crate::semantics::Decision;
use crate::source::{SourceMap, Span};

/// Outcomes seen so far over all cases.
#[derive(Debug, Default)]
pub struct Coverage {
    /// For each leaf condition: seen true, seen false.
    outcomes: HashMap<NodeId, (bool, bool)>,
    /// `(classification, decision)` pairs seen.
    decisions: HashSet<(usize, Decision)>,
}

/// A row in the coverage report.
#[derive(Debug, Clone, Serialize)]
pub struct RowCoverage {
    /// `classification = value`.
    pub row: String,
    /// 1-based line.
    pub line: usize,
    /// Whether some case got this row's value from it.
    pub reached: bool,
}

/// A condition in the coverage report.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionCoverage {
    /// The condition as written.
    pub condition: String,
    /// 1-based line.
    pub line: usize,
    /// Whether some case made it true.
    pub made_true: bool,
    /// Whether some case made it false.
    pub made_false: bool,
}

/// Coverage of one rule file.
#[derive(Debug, Clone, Serialize)]
pub struct FileCoverage {
    /// The rule file.
    pub file: String,
    /// Its rows.
    pub rows: Vec<RowCoverage>,
    /// Its conditions (rows, guards and the `let`s they use).
    pub conditions: Vec<ConditionCoverage>,
}

impl FileCoverage {
    /// The share of covered outcomes over several files, in percent; `None` when there is
    /// nothing to cover.
    pub fn total(reports: &[FileCoverage]) -> Option<f64> {
        let (covered, all) = reports
            .iter()
            .map(FileCoverage::covered)
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        (all > 0).then(|| 100.0 * covered as f64 / all as f64)
    }

    /// Covered outcomes: a reached row counts one, a condition one for true and one for false.
    pub fn covered(&self) -> (usize, usize) {
        let rows = self.rows.iter().filter(|r| r.reached).count();
        let outcomes: usize = self
            .conditions
            .iter()
            .map(|c| usize::from(c.made_true) + usize::from(c.made_false))
            .sum();
        (rows + outcomes, self.rows.len() + 2 * self.conditions.len())
    }
}

impl Coverage {
    /// Records what one contact's explanation shows: the decision of each classification
    /// and every condition that was evaluated (rows after the deciding one are not).
    pub fn record(&mut self, explained: &ContactExplanation) {
        for (c, class) in explained.classes.iter().enumerate() {
            if let Some(guard) = &class.guard {
                self.condition(guard);
            }
            for row in class.rows.iter().take_while(|r| r.evaluated) {
                self.condition(&row.condition);
            }
            self.decisions.insert((c, class.outcome.decision));
        }
    }

    fn condition(&mut self, c: &Condition) {
        match c.shape {
            Shape::Leaf => {
                let entry = self.outcomes.entry(c.node).or_default();
                match c.truth {
                    Truth::True => entry.0 = true,
                    Truth::False => entry.1 = true,
                    Truth::Unknown => {}
                }
            }
            _ => c.parts.iter().for_each(|p| self.condition(p)),
        }
    }

    /// The report per rule file, in source order.
    pub fn report(&self, program: &Program, sources: &SourceMap) -> Vec<FileCoverage> {
        let mut files: Vec<FileCoverage> = sources
            .iter()
            .map(|(_, f)| FileCoverage {
                file: f.name.clone(),
                rows: Vec::new(),
                conditions: Vec::new(),
            })
            .collect();
        let line = |span: Span| sources.get(span.file).line_col(span.start as usize).line;
        let mut leaves = Vec::new();
        let mut seen = Seen::default();
        for (c, class) in program.classes().iter().enumerate() {
            if let Some(g) = class.guard {
                leaf_nodes(program, g, &mut seen, &mut leaves);
            }
            for (r, &(value, cond)) in class.rows.iter().enumerate() {
                let span = program.span(cond);
                files[span.file.index()].rows.push(RowCoverage {
                    row: format!("{} = {}", class.name, class.values[value]),
                    line: line(span),
                    reached: self.decisions.contains(&(c, Decision::Row(r))),
                });
                leaf_nodes(program, cond, &mut seen, &mut leaves);
            }
            if let (Some(value), Some(span)) = (class.otherwise, class.otherwise_span) {
                files[span.file.index()].rows.push(RowCoverage {
                    row: format!("{} = {} (otherwise)", class.name, class.values[value]),
                    line: line(span),
                    reached: self.decisions.contains(&(c, Decision::Otherwise)),
                });
            }
        }
        leaves.sort_by_key(|&n| program.span(n));
        for node in leaves {
            let span = program.span(node);
            let (made_true, made_false) = self.outcomes.get(&node).copied().unwrap_or_default();
            let text: Vec<&str> = sources.slice(span).split_whitespace().collect();
            files[span.file.index()].conditions.push(ConditionCoverage {
                condition: text.join(" "),
                line: line(span),
                made_true,
                made_false,
            });
        }
        files.retain(|f| !f.rows.is_empty() || !f.conditions.is_empty());
        files
    }
}

/// What [`leaf_nodes`] has seen.
#[derive(Default)]
struct Seen {
    leaves: HashSet<NodeId>,
    lets: HashSet<usize>,
}

/// The leaf conditions under a node, looking through `and`, `or`, `not` and `let`s, in the
/// same way explanations do.
/// `seen` holds the leaves found so far and the `let`s already looked through (whose leaves
/// are all in it: a let named twice, `let b = a and a`, is looked through once).
fn leaf_nodes(program: &Program, node: NodeId, seen: &mut Seen, out: &mut Vec<NodeId>) {
    match &program.node(node) {
        Node::And(a, b) | Node::Or(a, b) => {
            leaf_nodes(program, *a, seen, out);
            leaf_nodes(program, *b, seen, out);
        }
        Node::Not(x) => leaf_nodes(program, *x, seen, out),
        Node::Let(l) => {
            if seen.lets.insert(*l) {
                leaf_nodes(program, program.let_root(*l), seen, out);
            }
        }
        _ => {
            if seen.leaves.insert(node) {
                out.push(node);
            }
        }
    }
}
