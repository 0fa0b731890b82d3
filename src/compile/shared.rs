//! What two programs on one field plan compute alike: `let`s and classifications whose
//! compiled trees are the same, so that a run classifying each contact by both (`diff`)
//! computes them once. A change to one threshold leaves most of a rule set as it was.

use std::collections::HashMap;

use super::{Node, NodeId, Program};
use crate::semantics::Value;

/// The `let`s and classifications of a base program that compute the same as one of a
/// program compiled onto its plan ([`super::compile_onto`]): for every contact, the same
/// value and the same outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shared {
    /// `(base let, program let)`.
    pub lets: Vec<(usize, usize)>,
    /// `(base classification, program classification)`.
    pub classes: Vec<(usize, usize)>,
}

/// What `base` and `new` (compiled onto `base`'s plan) compute alike, matched by name.
pub fn shared(base: &Program, new: &Program) -> Shared {
    let mut same = Same {
        a: base,
        b: new,
        nodes: HashMap::new(),
        lets: HashMap::new(),
        classes: HashMap::new(),
    };
    let mut shared = Shared::default();
    for (l, name) in base.let_names.iter().enumerate() {
        if let Some(m) = new.let_names.iter().position(|n| n == name)
            && same.lets(l, m)
        {
            shared.lets.push((l, m));
        }
    }
    for (c, class) in base.classes().iter().enumerate() {
        if let Some(d) = new.classes().iter().position(|k| k.name == class.name)
            && same.classes(c, d)
        {
            shared.classes.push((c, d));
        }
    }
    shared
}

/// Compares trees of two programs on one plan, remembering what it found.
struct Same<'p> {
    a: &'p Program,
    b: &'p Program,
    nodes: HashMap<(NodeId, NodeId), bool>,
    lets: HashMap<(usize, usize), bool>,
    classes: HashMap<(usize, usize), bool>,
}

impl Same<'_> {
    fn lets(&mut self, l: usize, m: usize) -> bool {
        if let Some(&known) = self.lets.get(&(l, m)) {
            return known;
        }
        let same = self.nodes(self.a.let_root(l), self.b.let_root(m));
        self.lets.insert((l, m), same);
        same
    }

    fn classes(&mut self, c: usize, d: usize) -> bool {
        if let Some(&known) = self.classes.get(&(c, d)) {
            return known;
        }
        let (x, y) = (&self.a.classes()[c], &self.b.classes()[d]);
        let same = x.values == y.values
            && x.otherwise == y.otherwise
            && x.rows.len() == y.rows.len()
            && match (x.guard, y.guard) {
                (None, None) => true,
                (Some(g), Some(h)) => self.nodes(g, h),
                _ => false,
            }
            && (x.rows.iter().zip(&y.rows)).all(|(&(v, p), &(w, q))| v == w && self.nodes(p, q));
        self.classes.insert((c, d), same);
        same
    }

    fn nodes(&mut self, x: NodeId, y: NodeId) -> bool {
        if let Some(&known) = self.nodes.get(&(x, y)) {
            return known;
        }
        let same = self.compare(x, y);
        self.nodes.insert((x, y), same);
        same
    }

    fn compare(&mut self, x: NodeId, y: NodeId) -> bool {
        let (n, m) = (self.a.node(x), self.b.node(y));
        // the operation itself, every reference set aside
        let shape = |node: &Node| node.renumbered(|_| NodeId(0), |_| 0, |_| 0, |_| 0);
        let same_here = match (n, m) {
            (Node::Const(v), Node::Const(w)) => identical(v, w),
            (Node::Let(l), Node::Let(k)) => self.lets(*l, *k),
            (Node::Class(c), Node::Class(d)) => self.classes(*c, *d),
            (Node::Matches(_, r), Node::Matches(_, q)) => {
                self.a.regexes[*r as usize].as_str() == self.b.regexes[*q as usize].as_str()
            }
            _ => shape(n) == shape(m),
        };
        if !same_here {
            return false;
        }
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        self.a.for_each_child(x, |c| xs.push(c));
        self.b.for_each_child(y, |c| ys.push(c));
        xs.len() == ys.len() && xs.into_iter().zip(ys).all(|(c, d)| self.nodes(c, d))
    }
}

/// Whether two constants are the same value, to the bit: `0` and `-0` compare equal but
/// divide apart.
fn identical(v: &Value, w: &Value) -> bool {
    match (v, w) {
        (Value::Number(a), Value::Number(b)) => a.to_bits() == b.to_bits(),
        (Value::List(a), Value::List(b)) | (Value::Record(a), Value::Record(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| identical(x, y))
        }
        _ => v == w,
    }
}

#[cfg(test)]
mod tests;
