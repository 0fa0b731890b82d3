use super::{Context, declare_lint};
use crate::ast::{Expr, ExprKind, Ident, Item};
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
        for item in &file.items {
            let exprs: Vec<&Expr> = match item {
                Item::Let(l) => vec![&l.value],
                Item::Classify(c) => c
                    .guard
                    .iter()
                    .chain(c.rows.iter().map(|r| &r.cond))
                    .collect(),
                Item::Schema(_) => Vec::new(),
            };
            for e in exprs {
                scan(ctx, e, &mut Vec::new(), &mut out);
            }
        }
    }
    out
}

fn scan<'a>(ctx: &Context<'_>, e: &'a Expr, scope: &mut Vec<&'a Ident>, out: &mut Vec<Diagnostic>) {
    let (var, inner): (&Ident, Vec<&Expr>) = match &e.node {
        ExprKind::Quantifier {
            var, list, body, ..
        } => {
            scan(ctx, list, scope, out);
            (var, vec![body])
        }
        ExprKind::Aggregate {
            var,
            list,
            value,
            filter,
            ..
        } => {
            scan(ctx, list, scope, out);
            (
                var,
                value.iter().chain(filter.iter()).map(|b| &**b).collect(),
            )
        }
        _ => {
            for c in direct_children(e) {
                scan(ctx, c, scope, out);
            }
            return;
        }
    };
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
    for i in inner {
        scan(ctx, i, scope, out);
    }
    scope.pop();
}

fn direct_children(e: &Expr) -> Vec<&Expr> {
    match &e.node {
        ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().collect(),
        ExprKind::Field(base, _) | ExprKind::Unary(_, base) | ExprKind::Presence(base, _) => {
            vec![base]
        }
        ExprKind::Binary(_, a, b) => vec![a, b],
        _ => Vec::new(),
    }
}
