use super::{Context, declare_lint};
use crate::ast::{ExprKind, Item, walk_expr};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

declare_lint! {
    /// ## What it does
    /// Finds names of `let`s, classifications, classification values and quantifier
    /// variables that are not snake_case (lowercase words joined by `_`).
    ///
    /// ## Why is this bad?
    /// One spelling convention makes names predictable: nobody has to remember whether it
    /// was `fitsPersona`, `FitsPersona` or `fits_persona`. Schema fields are exempt: they
    /// follow the CRM's export.
    ///
    /// ## Example
    /// ```text
    /// let fitsPersona = company.size >= 50
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// let fits_persona = company.size >= 50
    /// ```
    pub NON_SNAKE_CASE, Code::NonSnakeCase, "non-snake-case", check
}

fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `fitsPersona` → `fits_persona`, `Hot-Lead` → `hot_lead`.
fn to_snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else {
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(if c.is_ascii_alphanumeric() { c } else { '_' });
        }
    }
    out
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut names: Vec<(&str, &str, Span)> = Vec::new();
    for file in ctx.files {
        for item in &file.items {
            match item {
                Item::Let(l) => names.push(("let", &l.name.node, l.name.span)),
                Item::Classify(c) => {
                    names.push(("classification", &c.name.node, c.name.span));
                    for value in c.rows.iter().map(|r| &r.value).chain(&c.otherwise) {
                        names.push(("value", &value.node, value.span));
                    }
                }
                Item::Schema(_) => {}
            }
            for e in item.exprs() {
                walk_expr(e, &mut |e| variable(e, &mut names));
            }
        }
    }
    let mut out = Vec::new();
    let mut reported: std::collections::HashSet<Span> = std::collections::HashSet::new();
    for (kind, name, span) in names {
        if is_snake_case(name) || !reported.insert(span) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::NonSnakeCase,
                span,
                format!("{kind} `{name}` is not snake_case"),
            )
            .with_label("not snake_case")
            .with_help(format!("rename it to `{}`", to_snake_case(name))),
        );
    }
    out
}

fn variable<'a>(e: &'a crate::ast::Expr, names: &mut Vec<(&'static str, &'a str, Span)>) {
    match &e.node {
        ExprKind::Quantifier { var, .. } | ExprKind::Aggregate { var, .. } => {
            names.push(("variable", &var.node, var.span));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case() {
        assert!(is_snake_case("fits_persona2"));
        assert!(!is_snake_case("fitsPersona"));
        assert_eq!(to_snake_case("fitsPersona"), "fits_persona");
        assert_eq!(to_snake_case("HotLead"), "hot_lead");
    }
}
