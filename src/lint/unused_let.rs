use super::{Context, declare_lint};
use crate::check::ir::{Expr, ExprKind};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Finds `let` definitions that no classification uses, directly or through other
    /// `let`s.
    ///
    /// ## Why is this bad?
    /// An unused definition reads like part of the agreement but changes nothing. It is
    /// often a criterion someone meant to add to a row and forgot, or one left behind
    /// after a row changed.
    ///
    /// ## Example
    /// ```text
    /// let has_authority = decision_maker
    /// classify stage {
    ///   prospect when two_way_contact and fits_persona
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// classify stage {
    ///   prospect when two_way_contact and fits_persona and has_authority
    /// }
    /// ```
    pub UNUSED_LET, Code::UnusedLet, "unused-let", check
}

fn lets_in(e: &Expr, out: &mut Vec<usize>) {
    e.walk(&mut |e| {
        if let ExprKind::Let(id) = e.kind {
            out.push(id);
        }
    });
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let rules = ctx.rules;
    let mut used = vec![false; rules.lets.len()];
    let mut todo = Vec::new();
    for class in &rules.classes {
        for e in class.guard.iter().chain(class.rows.iter().map(|r| &r.cond)) {
            lets_in(e, &mut todo);
        }
    }
    while let Some(id) = todo.pop() {
        if !used[id] {
            used[id] = true;
            lets_in(&rules.lets[id].expr, &mut todo);
        }
    }
    rules
        .lets
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(l, _)| {
            Diagnostic::new(
                Code::UnusedLet,
                l.name.span,
                format!("`{}` is not used by any classification", l.name.node),
            )
            .with_label("defined here, used nowhere")
            .with_help("use it in a row or guard, or remove it")
        })
        .collect()
}
