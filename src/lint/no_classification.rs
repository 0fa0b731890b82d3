use super::{Context, declare_lint};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

declare_lint! {
    /// ## What it does
    /// Warns about a rule set that has no `classify` at all.
    ///
    /// ## Why is this bad?
    /// Such a rule set checks clean and runs, but `qualify eval` gives every contact only
    /// its id: no stage, no temperature. Usually a file is missing from the rule set (a
    /// wrong path, or a directory that holds only the schema and the `let`s).
    ///
    /// ## Example
    /// ```text
    /// schema contact { id: string, calls: number? }
    /// let engaged = calls >= 1
    /// ```
    ///
    /// ## Use instead
    /// Add the classification the definitions are for:
    /// ```text
    /// schema contact { id: string, calls: number? }
    /// let engaged = calls >= 1
    /// classify stage {
    ///   lead when engaged
    /// }
    /// ```
    pub NO_CLASSIFICATION, Code::NoClassification, "no-classification", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    if !ctx.program.classes().is_empty() {
        return Vec::new();
    }
    // at the first definition, or at the start of the first file of an empty rule set
    let at = ctx.files.iter().find_map(|f| f.items.first()).map_or_else(
        || Span::new(ctx.files.first().map_or(FileId(0), |f| f.file), 0, 0),
        |item| item.name().span,
    );
    vec![
        Diagnostic::new(Code::NoClassification, at, "the rule set classifies nothing")
            .with_label("no `classify` in any file of the rule set")
            .with_help(
                "add a `classify NAME { VALUE when CONDITION … }`, or check that every rule file is in the rule set",
            ),
    ]
}
