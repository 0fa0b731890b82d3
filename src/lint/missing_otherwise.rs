use super::analysis::{Model, Search, TruthSet, possible, stopped};
use super::{Context, declare_lint};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::semantics::rows::{self, Decision};

declare_lint! {
    /// ## What it does
    /// Notes a `classify` without `otherwise` whose rows do not cover every contact it
    /// applies to, so some contacts get the value `none`.
    ///
    /// ## Why is this bad?
    /// It may be exactly what the team wants ("no interaction yet: no stage"). But `none`
    /// is easy to forget in reports and filters, and missing data can also lead to it. This
    /// is a note, not a warning: it asks you to confirm the intent.
    ///
    /// ## Example
    /// ```text
    /// classify temperature {
    ///   hot  when urgency == "now"
    ///   cold when urgency == "later"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// classify temperature {
    ///   hot  when urgency == "now"
    ///   cold when urgency == "later"
    ///   otherwise new
    /// }
    /// ```
    pub MISSING_OTHERWISE, Code::MissingOtherwise, "missing-otherwise", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let program = ctx.program;
    let mut model = Model::new(program);
    let mut out = Vec::new();
    for (c, class) in program.classes().iter().enumerate() {
        if class.otherwise.is_some() {
            continue;
        }
        if model.exhausted() {
            out.push(stopped("missing-otherwise", ctx.rules.classes[c].name.span));
            break;
        }
        let mut formulas = Vec::new();
        if let Some(g) = class.guard {
            formulas.push(model.formula(g));
        }
        let has_guard = class.guard.is_some();
        formulas.extend(class.rows.iter().map(|&(_, cond)| model.formula(cond)));
        // a contact the classification applies to and no row matches
        let uncovered = |sets: &[TruthSet]| {
            let first = usize::from(has_guard);
            let guard = has_guard.then(|| possible(sets[0]));
            let row = |i: usize| possible(sets[first + i]);
            rows::decides_with(guard, sets.len() - first, row, Decision::NoRow)
        };
        if model.search(&formulas, &uncovered) == Search::Found {
            let name = &ctx.rules.classes[c].name;
            out.push(
                Diagnostic::new(
                    Code::MissingOtherwise,
                    name.span,
                    format!("`{}` has no `otherwise`, and its rows may leave some contacts without a value", class.name),
                )
                .with_label("no `otherwise` here")
                .with_help("if that is intended, allow this lint in qualify.toml; otherwise add `otherwise VALUE` as the last line"),
            );
        }
    }
    out
}
