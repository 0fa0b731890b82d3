//! Dependencies between definitions: the order to check them in, and cycles.

use std::collections::HashSet;

use super::{Checker, Global};
use crate::ast::{self, ExprKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// The definitions being visited, outermost first, each with where it was reached from;
/// indexed so that a long chain of `let`s is not searched once per step.
struct Path {
    steps: Vec<(Global, Span)>,
    /// The step of each definition on the path, by [`Checker::slot`].
    positions: Vec<Option<usize>>,
}

/// What the dependency search knows of each global, by [`Checker::slot`].
struct Visited {
    /// Placed in the order.
    done: Vec<bool>,
    /// Reported as part of a cycle.
    reported: Vec<bool>,
    /// The length of the longest chain of definitions from each one placed (itself
    /// included), with the definition it continues through.
    depth: Vec<(usize, Option<Global>)>,
    /// Whether a chain longer than [`MAX_CHAIN`] was reported (once: every definition
    /// built on it is as long again).
    too_deep: bool,
}

/// How many definitions may chain, each using the next: evaluation, explanation and the
/// lints follow a chain one step at a time, as they do brackets ([`crate::syntax::MAX_NESTING`]).
pub const MAX_CHAIN: usize = 1_000;

impl Checker<'_> {
    /// Names of globals an expression refers to, with where, in source order. Quantifier
    /// variables shadow globals inside their scope.
    fn references(
        &self,
        expr: &ast::Expr,
        locals: &mut Vec<String>,
        out: &mut Vec<(Global, Span)>,
    ) {
        if let ExprKind::Name(name) = &expr.node
            && !locals.contains(name)
            && let Some(&g) = self.globals.get(name)
        {
            out.push((g, expr.span));
        }
        for (child, bound) in expr.node.children() {
            if let Some(var) = bound {
                locals.push(var.node.clone());
            }
            self.references(child, locals, out);
            if bound.is_some() {
                locals.pop();
            }
        }
    }

    /// Direct dependencies of a global.
    fn dependencies(&self, global: Global) -> Vec<(Global, Span)> {
        let mut out = Vec::new();
        let mut locals = Vec::new();
        match global {
            Global::Let(id) => self.references(&self.let_asts[id].value, &mut locals, &mut out),
            Global::Class(id) => {
                let class = self.class_asts[id];
                for e in class.conditions() {
                    self.references(e, &mut locals, &mut out);
                }
            }
        }
        out
    }

    fn name_of(&self, global: Global) -> &ast::Ident {
        match global {
            Global::Let(id) => &self.let_asts[id].name,
            Global::Class(id) => &self.class_asts[id].name,
        }
    }

    /// A global's index among all lets and classifications, for tables indexed by global.
    fn slot(&self, global: Global) -> usize {
        match global {
            Global::Let(id) => id,
            Global::Class(id) => self.let_asts.len() + id,
        }
    }

    /// All globals in an order where each comes after what it uses; reports each cycle
    /// once, naming all of its members.
    pub(super) fn dependency_order(&mut self) -> Vec<Global> {
        let slots = self.let_asts.len() + self.class_asts.len();
        // a definition whose name was taken first by another is not checked
        let mut registered = vec![false; slots];
        for &g in self.globals.values() {
            registered[self.slot(g)] = true;
        }
        let all: Vec<Global> = (0..self.let_asts.len())
            .map(Global::Let)
            .chain((0..self.class_asts.len()).map(Global::Class))
            .filter(|&g| registered[self.slot(g)])
            .collect();
        let mut order = Vec::with_capacity(all.len());
        // tables by slot rather than sets of globals: hashing dominated rule sets with
        // hundreds of thousands of lets
        let mut visited = Visited {
            done: vec![false; slots],
            reported: vec![false; slots],
            depth: vec![(0, None); slots],
            too_deep: false,
        };
        // each visit leaves the path empty
        let mut path = Path {
            steps: Vec::new(),
            positions: vec![None; slots],
        };
        for &start in &all {
            self.visit(
                start,
                start_span(self.name_of(start)),
                &mut path,
                &mut visited,
                &mut order,
            );
        }
        order
    }

    fn visit(
        &mut self,
        node: Global,
        via: Span,
        path: &mut Path,
        visited: &mut Visited,
        order: &mut Vec<Global>,
    ) {
        let slot = self.slot(node);
        if visited.done[slot] {
            return;
        }
        if let Some(pos) = path.positions[slot] {
            let cycle: Vec<(Global, Span)> = path.steps[pos..].to_vec();
            if cycle.iter().all(|(g, _)| !visited.reported[self.slot(*g)]) {
                for (g, _) in &cycle {
                    visited.reported[self.slot(*g)] = true;
                }
                self.report_cycle(&cycle, via);
            }
            return;
        }
        path.positions[slot] = Some(path.steps.len());
        path.steps.push((node, via));
        let mut deepest = (0, None);
        for (dep, span) in self.dependencies(node) {
            self.visit(dep, span, path, visited, order);
            let below = visited.depth[self.slot(dep)].0;
            if below > deepest.0 {
                deepest = (below, Some(dep));
            }
        }
        path.steps.pop();
        path.positions[slot] = None;
        visited.done[slot] = true;
        visited.depth[slot] = (deepest.0 + 1, deepest.1);
        if deepest.0 + 1 > MAX_CHAIN && !visited.too_deep {
            visited.too_deep = true;
            self.report_chain(node, &visited.depth);
        }
        order.push(node);
    }

    /// Reports the chain of definitions under `top`, longer than [`MAX_CHAIN`].
    fn report_chain(&mut self, top: Global, depth: &[(usize, Option<Global>)]) {
        let mut chain = vec![top];
        while let Some(next) = depth[self.slot(chain[chain.len() - 1])].1 {
            chain.push(next);
        }
        let name = |g: &Global| format!("`{}`", self.name_of(*g).node);
        let shown: Vec<String> = chain.iter().take(3).map(name).collect();
        let last = chain.last().map(name).unwrap_or_default();
        let first = self.name_of(top).clone();
        let diagnostic = Diagnostic::new(
            Code::ChainTooDeep,
            first.span,
            format!(
                "`{}` is defined through a chain of {} definitions, each using the next: {} → … → {last}; at most {MAX_CHAIN} may chain",
                first.node,
                chain.len(),
                shown.join(" → "),
            ),
        )
        .with_label(format!("`{}` is defined here", first.node))
        .with_help("define it from the contact's data directly, or combine steps of the chain into fewer definitions");
        self.report(diagnostic);
    }

    /// `cycle[i]` refers to `cycle[i+1]` at the span stored with `cycle[i+1]`; the last
    /// refers back to the first at `closing`.
    fn report_cycle(&mut self, cycle: &[(Global, Span)], closing: Span) {
        // Start the story at the member defined first, so the message is stable.
        let start = (0..cycle.len())
            .min_by_key(|&i| self.name_of(cycle[i].0).span)
            .unwrap_or(0);
        let members: Vec<Global> = (0..cycle.len())
            .map(|i| cycle[(i + start) % cycle.len()].0)
            .collect();
        let refs: Vec<Span> = (0..cycle.len())
            .map(|i| {
                let next = (i + start + 1) % cycle.len();
                if next == 0 { closing } else { cycle[next].1 }
            })
            .collect();
        let names: Vec<String> = members
            .iter()
            .map(|g| format!("`{}`", self.name_of(*g).node))
            .collect();
        let first = self.name_of(members[0]).clone();
        let chain = format!("{} → {}", names.join(" → "), names[0]);
        let message = if members.len() == 1 {
            format!("`{}` is defined in terms of itself", first.node)
        } else {
            format!("definitions depend on each other in a cycle: {chain}")
        };
        let mut diagnostic = Diagnostic::new(Code::Cycle, first.span, message)
            .with_label(format!("`{}` is defined here", first.node))
            .with_help("define one of them from the contact's data instead of from the others");
        for (i, member) in members.iter().enumerate() {
            let next = &members[(i + 1) % members.len()];
            diagnostic = diagnostic.with_secondary(
                refs[i],
                format!(
                    "`{}` uses `{}` here",
                    self.name_of(*member).node,
                    self.name_of(*next).node
                ),
            );
        }
        self.report(diagnostic);
    }

    /// Classifications in dependency order (used by the evaluator).
    pub(super) fn class_order(&self) -> Vec<usize> {
        let mut order = Vec::new();
        let mut state = vec![0u8; self.class_asts.len()];
        for id in 0..self.class_asts.len() {
            self.class_visit(id, &mut state, &mut order);
        }
        order
    }

    fn class_visit(&self, id: usize, state: &mut [u8], order: &mut Vec<usize>) {
        if state[id] != 0 {
            return;
        }
        state[id] = 1;
        // A classification depends on the classifications it uses directly or via lets.
        let mut stack = vec![Global::Class(id)];
        let mut seen = HashSet::new();
        while let Some(g) = stack.pop() {
            for (dep, _) in self.dependencies(g) {
                if seen.insert(dep) {
                    match dep {
                        Global::Class(c) => self.class_visit(c, state, order),
                        Global::Let(_) => stack.push(dep),
                    }
                }
            }
        }
        state[id] = 2;
        order.push(id);
    }
}

fn start_span(name: &ast::Ident) -> Span {
    name.span
}
