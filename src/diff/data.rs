//! What a change to a rule set does to real contacts: per classification both rule sets
//! have, how many contacts went from each old value to each new one, and for each move a
//! few contacts with what decided under the old rules and under the new.
//!
//! The contacts come from one run ([`crate::run::run`] with the old program as its
//! [`crate::run::Base`]): each is decoded once and classified by both programs, and
//! [`Comparison::add`] takes what the run gives its sink.

use jiff::Timestamp;

use crate::compile::Program;
use crate::eval::{Evaluator, Outcome};
use crate::explain::{ClassExplanation, Condition, Explainer, Reason};
use crate::run::Classified;
use crate::source::SourceMap;

/// One rule set, as a comparison reads it.
#[derive(Debug, Clone, Copy)]
pub struct Side<'p> {
    /// Its program.
    pub program: &'p Program,
    /// Its text, quoted in reasons.
    pub sources: &'p SourceMap,
}

/// A value of a classification, or no value (`None`).
pub type Value = Option<String>;

/// How the contacts of one classification moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Transitions {
    /// The classification's name.
    pub name: String,
    /// The old values in the old funnel order (least advanced first), then no value.
    pub from: Vec<Value>,
    /// The new values in the new funnel order, then no value.
    pub to: Vec<Value>,
    /// `counts[f][t]`: contacts that had `from[f]` and have `to[t]`.
    pub counts: Vec<Vec<usize>>,
    /// `examples[f][t]`: the first contacts (in input order) of each move to another
    /// value, at most [`Comparison::new`]'s `examples` per cell.
    pub examples: Vec<Vec<Vec<Example>>>,
    /// Contacts whose value changed.
    pub changed: usize,
    /// The classification's index in the old program, then in the new.
    index: (usize, usize),
}

impl Transitions {
    /// Whether a cell is a move from one value to another (not the diagonal, where the
    /// value is the same by name).
    pub fn moves(&self, f: usize, t: usize) -> bool {
        self.from[f] != self.to[t]
    }
}

/// A contact that moved, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Its id.
    pub id: String,
    /// The line of its record.
    pub line: usize,
    /// What decided its old value.
    pub old: Reason,
    /// What decided its new value.
    pub new: Reason,
    /// The row that gave the value it lost or gained, and what it lacks where it did not.
    pub lacks: Option<Lack>,
}

/// Which rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The rules before the change.
    Old,
    /// The rules after it.
    New,
}

/// A row one rule set gave a contact and the other did not, with the conditions it lacks
/// under the other: a contact that lost `prospect` lacks, under the new rules, what the new
/// `prospect` row asks and it does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct Lack {
    /// The rules under which the row is not met.
    pub under: Version,
    /// The row's value.
    pub value: String,
    /// The smallest set of its conditions that are not true there.
    pub unmet: Vec<Condition>,
}

/// The counts of a data comparison, filled contact by contact.
pub struct Comparison<'p> {
    old: Side<'p>,
    new: Side<'p>,
    /// Per classification both have, in the new rule set's order.
    classes: Vec<Transitions>,
    /// Examples kept per cell.
    examples: usize,
    /// Contacts compared.
    contacts: usize,
    /// Contacts with at least one classification changed.
    changed: usize,
    /// Evaluators to explain examples with (on the sink's thread, for the few examples).
    evaluators: (Evaluator<'p>, Evaluator<'p>),
}

impl<'p> Comparison<'p> {
    /// Empty counts for the classifications `old` and `new` both have (by name), keeping
    /// up to `examples` contacts per move; `now` is the run's.
    pub fn new(old: Side<'p>, new: Side<'p>, examples: usize, now: Timestamp) -> Self {
        let labels = |program: &Program, class: usize| -> Vec<Value> {
            let c = &program.classes()[class];
            let mut out: Vec<Value> = c
                .funnel_order()
                .into_iter()
                .map(|v| Some(c.values[v].clone()))
                .collect();
            // values no row gives (only named in rules of others) still need a line
            for v in &c.values {
                if !out.iter().any(|o| o.as_deref() == Some(v.as_str())) {
                    out.push(Some(v.clone()));
                }
            }
            out.push(None);
            out
        };
        let classes = new
            .program
            .classes()
            .iter()
            .enumerate()
            .filter_map(|(n, class)| {
                let o = old
                    .program
                    .classes()
                    .iter()
                    .position(|c| c.name == class.name)?;
                let (from, to) = (labels(old.program, o), labels(new.program, n));
                Some(Transitions {
                    name: class.name.clone(),
                    counts: vec![vec![0; to.len()]; from.len()],
                    examples: vec![vec![Vec::new(); to.len()]; from.len()],
                    from,
                    to,
                    changed: 0,
                    index: (o, n),
                })
            })
            .collect();
        Comparison {
            old,
            new,
            classes,
            examples,
            contacts: 0,
            changed: 0,
            evaluators: (
                Evaluator::new(old.program, now),
                Evaluator::new(new.program, now),
            ),
        }
    }

    /// Counts one contact the run classified by both rule sets (`record.base` holds the
    /// old outcomes).
    pub fn add(&mut self, record: &Classified<'_>) {
        self.contacts += 1;
        let mut any = false;
        for i in 0..self.classes.len() {
            let (o, n) = self.classes[i].index;
            let (Some(was), Some(is)) = (record.base.get(o), record.outcomes.get(n)) else {
                continue;
            };
            let f = cell(&self.classes[i].from, self.old.program, o, was);
            let to = cell(&self.classes[i].to, self.new.program, n, is);
            let t = &mut self.classes[i];
            t.counts[f][to] += 1;
            if !t.moves(f, to) {
                continue;
            }
            t.changed += 1;
            any = true;
            if self.classes[i].examples[f][to].len() < self.examples {
                let example = self.example(record, (o, n), (*was, *is));
                self.classes[i].examples[f][to].push(example);
            }
        }
        if any {
            self.changed += 1;
        }
    }

    /// Explains one contact's move in a classification (old index, new index).
    fn example(
        &mut self,
        record: &Classified<'_>,
        (o, n): (usize, usize),
        (was, is): (Outcome, Outcome),
    ) -> Example {
        let slots = &record.contact.slots;
        let (old_eval, new_eval) = &mut self.evaluators;
        // both programs classified this contact without error in the run, so explaining it
        // again cannot fail; if it did, the example keeps what the outcomes say
        let old = Explainer::new(self.old.program, self.old.sources, old_eval, slots)
            .class(o)
            .ok();
        let new = Explainer::new(self.new.program, self.new.sources, new_eval, slots)
            .class(n)
            .ok();
        let reason = |e: &Option<ClassExplanation>| {
            e.as_ref()
                .map_or(Reason::NoRow, ClassExplanation::short_reason)
        };
        let lost = value_name(self.old.program, o, was);
        let gained = value_name(self.new.program, n, is);
        // the value lost, where the new rules still have a row for it above the new
        // decision; else the value gained, where the old rules had a row for it above theirs
        let lacks = lacking(new.as_ref(), lost, Version::New)
            .or_else(|| lacking(old.as_ref(), gained, Version::Old));
        Example {
            id: record.contact.id.clone(),
            line: record.contact.line,
            old: reason(&old),
            new: reason(&new),
            lacks,
        }
    }

    /// The transitions of each classification both rule sets have, in the new order.
    pub fn transitions(&self) -> &[Transitions] {
        &self.classes
    }

    /// Contacts compared.
    pub fn contacts(&self) -> usize {
        self.contacts
    }

    /// Contacts with at least one classification changed.
    pub fn changed(&self) -> usize {
        self.changed
    }
}

/// The line of `labels` for an outcome of classification `class` of `program`.
fn cell(labels: &[Value], program: &Program, class: usize, o: &Outcome) -> usize {
    let name = value_name(program, class, *o);
    labels
        .iter()
        .position(|l| l.as_deref() == name)
        .unwrap_or(labels.len() - 1)
}

/// The name of an outcome's value.
fn value_name(program: &Program, class: usize, o: Outcome) -> Option<&str> {
    o.value.map(|v| program.classes()[class].values[v].as_str())
}

/// What the row for `value` lacks under one rule set, when that rule set has such a row
/// above the one that decided (an explanation lists those in `next`).
fn lacking(
    explained: Option<&ClassExplanation>,
    value: Option<&str>,
    under: Version,
) -> Option<Lack> {
    let value = value?;
    let missing = explained?.next.iter().find(|m| m.value == value)?;
    Some(Lack {
        under,
        value: value.to_string(),
        unmet: missing.unmet.clone(),
    })
}

#[cfg(test)]
mod tests;
