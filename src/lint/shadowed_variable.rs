use super::{Context, declare_lint};
use crate::ast::{Expr, Ident, Item};
use crate::check::ir::ROOT;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Finds a quantifier or aggregate variable (`e` in `any e in events: …`) whose name is
    /// already taken: by an enclosing quantifier's variable, a `let`, a classification or a
    /// field of the contact.
    ///
    /// ## Why is this bad?
    /// Inside the quantifier, the name means the variable, so the outer meaning is hidden.
    /// A reader (or the author, a month later) easily reads the wrong one.
    ///
    /// ## Example
    /// ```text
    /// let engaged = any e in events: e.kind == "call" and any e in events: e.kind == "meeting"
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// let engaged = any c in events: c.kind == "call" and any m in events: m.kind == "meeting"
    /// ```
    pub SHADOWED_VARIABLE, Code::ShadowedVariable, "shadowed-variable", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for file in ctx.files {
        for e in file.items.iter().flat_map(Item::exprs) {
            scan(ctx, e, &mut Vec::new(), &mut out);
        }
    }
    out
}

fn scan<'a>(ctx: &Context<'_>, e: &'a Expr, scope: &mut Vec<&'a Ident>, out: &mut Vec<Diagnostic>) {
    let Some(var) = e.node.bound_var() else {
        for (child, _) in e.node.children() {
            scan(ctx, child, scope, out);
        }
        return;
    };
    // the list is read outside the variable's scope, before the variable is bound
    for (child, _) in e.node.children().filter(|(_, bound)| bound.is_none()) {
        scan(ctx, child, scope, out);
    }
    let rules = ctx.rules;
    let outer = scope.iter().rev().find(|v| v.node == var.node).copied();
    let what = if let Some(o) = outer {
        Some((
            format!("the variable `{}` of an enclosing quantifier", o.node),
            Some(o.span),
        ))
    } else if let Some(l) = rules.lets.iter().find(|l| l.name.node == var.node) {
        Some((format!("the let `{}`", var.node), Some(l.name.span)))
    } else if let Some(c) = rules.classes.iter().find(|c| c.name.node == var.node) {
        Some((
            format!("the classification `{}`", var.node),
            Some(c.name.span),
        ))
    } else {
        rules.records[ROOT].field(&var.node).map(|f| {
            (
                format!("the field `{}`", var.node),
                rules.records[ROOT].fields[f].decl,
            )
        })
    };
    if let Some((what, place)) = what {
        let mut d = Diagnostic::new(
            Code::ShadowedVariable,
            var.span,
            format!("`{}` hides {what}", var.node),
        )
        .with_label("from here on, the name means this variable")
        .with_help("give the variable another name");
        if let Some(place) = place {
            d = d.with_secondary(place, "hidden name defined here");
        }
        out.push(d);
    }
    scope.push(var);
    for (child, _) in e.node.children().filter(|(_, bound)| bound.is_some()) {
        scan(ctx, child, scope, out);
    }
    scope.pop();
}
