//! Where lints look: the conditions of rows, guards and boolean `let`s, and the nodes of
//! each definition (without following references into other definitions).

use super::Context;
use crate::check::Type;
use crate::compile::{Node, NodeId, Program};

/// A definition written in the rules: a row's or a guard's condition, or a `let`'s value.
#[derive(Debug, Clone, Copy)]
pub struct Root {
    /// Its node.
    pub node: NodeId,
    /// Whether it is a row condition or guard (rows that only name a `let` are checked
    /// there).
    pub row: bool,
    /// Whether the definition itself is a condition (a `let` may define a number).
    pub condition: bool,
}

/// Every definition: rows, guards, lets.
pub fn roots(ctx: &Context<'_>) -> Vec<Root> {
    let program = ctx.program;
    let mut out = Vec::new();
    for (id, l) in ctx.rules.lets.iter().enumerate() {
        out.push(Root {
            node: program.let_root(id),
            row: false,
            condition: l.expr.ty == Type::Bool,
        });
    }
    for class in program.classes() {
        for node in class.guard.iter().chain(class.rows.iter().map(|(_, c)| c)) {
            out.push(Root {
                node: *node,
                row: true,
                condition: true,
            });
        }
    }
    out
}

/// Calls `f` on `node` and every node of the same definition below it, outermost first;
/// `let` references are not followed. `f` returns whether to descend.
pub fn walk(program: &Program, node: NodeId, f: &mut dyn FnMut(NodeId) -> bool) {
    if f(node) {
        program.for_each_child(node, |child| walk(program, child, f));
    }
}

/// The operands of a chain of `and` (or of `or`), left to right, not following `let`s.
pub fn chain(program: &Program, node: NodeId, and: bool) -> Vec<NodeId> {
    match (&program.node(node), and) {
        (Node::And(a, b), true) | (Node::Or(a, b), false) => {
            let mut parts = chain(program, *a, and);
            parts.extend(chain(program, *b, and));
            parts
        }
        _ => vec![node],
    }
}

/// Whether a node is an `and` or `or` that starts a chain (its parent is not the same
/// operator); `parents` maps each node to its parent within the definition.
pub fn is_chain_head(program: &Program, node: NodeId, parent: Option<NodeId>) -> Option<bool> {
    let and = match program.node(node) {
        Node::And(..) => true,
        Node::Or(..) => false,
        _ => return None,
    };
    let same_parent = parent.is_some_and(|p| {
        matches!(
            (&program.node(p), and),
            (Node::And(..), true) | (Node::Or(..), false)
        )
    });
    (!same_parent).then_some(and)
}

/// Each node of a definition with its parent.
pub fn with_parents(program: &Program, root: NodeId) -> Vec<(NodeId, Option<NodeId>)> {
    let mut out = vec![(root, None)];
    let mut i = 0;
    while i < out.len() {
        let (node, _) = out[i];
        program.for_each_child(node, |child| out.push((child, Some(node))));
        i += 1;
    }
    out
}

/// The source text of a node, on one line.
pub fn text(ctx: &Context<'_>, node: NodeId) -> String {
    let raw = ctx.sources.slice(ctx.program.span(node));
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}
