use super::analysis::{F, Model, Search, T, TruthSet, U, stopped};
use super::sites::{self, Root};
use super::{Context, declare_lint};
use crate::codes::Code;
use crate::compile::{Node, NodeId};
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Finds conditions that can never be true, whatever the contact: two comparisons of
    /// one field that exclude each other, two different values required of one field,
    /// membership in an empty list.
    ///
    /// ## Why is this bad?
    /// A row whose condition can never be true is never assigned, and a `let` that is
    /// never true silently turns off every rule that uses it. It is almost always a typo
    /// (`<` for `>`), or `and` written where `or` was meant.
    ///
    /// ## Example
    /// ```text
    /// let mid_market = company.size > 100 and company.size < 50
    /// let talked = any e in events: e.kind == "call" and e.kind == "meeting"
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// let mid_market = company.size >= 50 and company.size <= 100
    /// let talked = any e in events: e.kind == "call" or e.kind == "meeting"
    /// ```
    pub CONTRADICTION, Code::Contradiction, "contradiction", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut model = Model::new(ctx.program);
    let mut out = Vec::new();
    for site in sites(ctx) {
        if model.exhausted() {
            out.push(stopped("contradiction", ctx.program.span(site)));
            break;
        }
        if never(&mut model, site, |set| set == T, |set| set & T == 0) {
            out.push(
                Diagnostic::new(
                    Code::Contradiction,
                    ctx.program.span(site),
                    format!("`{}` can never be true", sites::text(ctx, site)),
                )
                .with_label("no contact makes this true")
                .with_help("check the comparison operators and whether `and` should be `or`"),
            );
        }
    }
    out
}

/// The places a constant truth is looked for: each written condition, each `and`/`or`
/// chain and `not` in it, and the conditions of quantifiers. Outer places come first, and
/// a place inside one already reported is skipped by the caller's `never` check order.
pub(super) fn sites(ctx: &Context<'_>) -> Vec<NodeId> {
    let program = ctx.program;
    let mut out = Vec::new();
    // a set beside the list, so that a rule set with many conditions stays linear
    let mut seen = std::collections::HashSet::new();
    for Root {
        node,
        row,
        condition,
    } in sites::roots(ctx)
    {
        // a row that only names a `let` is checked at the `let`
        if row && matches!(program.node(node), Node::Let(_)) {
            continue;
        }
        for (n, parent) in sites::with_parents(program, node) {
            let in_parent = |p: NodeId| match &program.node(p) {
                Node::Quantifier { body, .. } => *body == n,
                Node::Aggregate { filter, .. } => *filter == Some(n),
                _ => false,
            };
            let is_site = (parent.is_none() && condition)
                || sites::is_chain_head(program, n, parent).is_some()
                || matches!(program.node(n), Node::Not(_))
                || parent.is_some_and(in_parent);
            // a literal `true`/`false` is only worth a word as a whole row condition
            let literal = matches!(program.node(n), Node::Const(_));
            if is_site && (!literal || (row && parent.is_none())) && seen.insert(n) {
                out.push(n);
            }
        }
    }
    out
}

/// Whether no contact gives `node` a truth accepted by `witness`. `done` says that a
/// partial assignment already decides (`witness(set)` for all completions); `impossible`
/// that no completion can be a witness.
pub(super) fn never(
    model: &mut Model<'_>,
    node: NodeId,
    done: impl Fn(TruthSet) -> bool,
    impossible: impl Fn(TruthSet) -> bool,
) -> bool {
    let formula = model.formula(node);
    let goal = |sets: &[TruthSet]| {
        if done(sets[0]) {
            Some(true)
        } else if impossible(sets[0]) {
            Some(false)
        } else {
            None
        }
    };
    model.search(&[formula], &goal) == Search::None
}

/// A set that holds only false or unknown values.
pub(super) fn never_true(set: TruthSet) -> bool {
    set & T == 0 && set & (F | U) != 0
}
