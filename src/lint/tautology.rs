use super::analysis::{Model, T, stopped};
use super::contradiction::{never, never_true, sites};
use super::{Context, declare_lint, sites as site};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Finds conditions that are true for every contact, including contacts with missing
    /// data.
    ///
    /// ## Why is this bad?
    /// A condition that always holds decides nothing: a row with it matches every contact
    /// that reaches it (so the rows below it are never used), and a part of an `and` that
    /// always holds can be removed. It often means a comparison was inverted or a field
    /// was compared with itself.
    ///
    /// ## Example
    /// ```text
    /// let has_email = email is present or email is missing
    /// classify stage {
    ///   lead when true
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// let has_email = email is present
    /// classify stage {
    ///   otherwise lead
    /// }
    /// ```
    pub TAUTOLOGY, Code::Tautology, "tautology", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut model = Model::new(ctx.program);
    let mut out = Vec::new();
    for node in sites(ctx) {
        if model.exhausted() {
            out.push(stopped("tautology", ctx.program.span(node)));
            break;
        }
        // a witness is a contact for which the condition is false or unknown
        if never(&mut model, node, never_true, |set| set == T) {
            out.push(
                Diagnostic::new(
                    Code::Tautology,
                    ctx.program.span(node),
                    format!("`{}` is always true", site::text(ctx, node)),
                )
                .with_label("every contact makes this true")
                .with_help("remove it, or for a row that should catch every remaining contact write `otherwise VALUE`"),
            );
        }
    }
    out
}
