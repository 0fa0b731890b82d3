use super::{Context, declare_lint};
use crate::ast::{ExprKind, Item, walk_expr};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Finds a value listed twice in a list, e.g. in `x in ["vp", "director", "vp"]`.
    ///
    /// ## Why is this bad?
    /// The repeat changes nothing, which is why it is suspicious: often one of the two was
    /// meant to be a different value (`"c_level"`), so a value the team wanted is missing.
    ///
    /// ## Example
    /// ```text
    /// let senior = seniority in ["vp", "director", "vp"]
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// let senior = seniority in ["vp", "director", "c_level"]
    /// ```
    pub DUPLICATE_LIST_VALUE, Code::DuplicateListValue, "duplicate-list-value", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut visit = |e: &crate::ast::Expr| {
        if let ExprKind::List(items) = &e.node {
            for (i, item) in items.iter().enumerate() {
                if let Some(first) = items[..i].iter().find(|earlier| *earlier == item) {
                    let text = ctx.sources.slice(item.span).to_string();
                    out.push(
                        Diagnostic::new(
                            Code::DuplicateListValue,
                            item.span,
                            format!("{text} is listed twice"),
                        )
                        .with_label("listed again here")
                        .with_secondary(first.span, "first listed here")
                        .with_help("remove the repeat, or correct it if another value was meant"),
                    );
                }
            }
        }
    };
    for file in ctx.files {
        for e in file.items.iter().flat_map(Item::exprs) {
            walk_expr(e, &mut visit);
        }
    }
    out
}
