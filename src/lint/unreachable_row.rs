use super::analysis::{Formula, Model, Search, T, TruthSet, possible};
use super::contradiction::never;
use super::{Context, declare_lint};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::semantics::rows::{self, Decision};

declare_lint! {
    /// ## What it does
    /// Finds rows of a `classify` that can never decide a value: every contact whose
    /// condition is true for the row is already matched by a row above it (rows are tried
    /// top to bottom and the first true one wins). This includes every row after a row
    /// that is always true. The message names the rows that match first.
    ///
    /// ## Why is this bad?
    /// The row looks like a definition the team agreed on, but no contact will ever get
    /// its value from it: reports will show zero, and nobody will notice why. Usually the
    /// rows are in the wrong order (a broad row above a narrow one) or a condition is
    /// missing a part.
    ///
    /// ## Example
    /// ```text
    /// classify stage {
    ///   prospect    when two_way_contact and fits_persona
    ///   opportunity when two_way_contact and fits_persona and committed
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Put the most advanced, narrowest row first:
    /// ```text
    /// classify stage {
    ///   opportunity when two_way_contact and fits_persona and committed
    ///   prospect    when two_way_contact and fits_persona
    /// }
    /// ```
    ///
    /// The analysis is sound: it never reports a row that some contact can reach. It
    /// understands `and`, `or`, `not`, `let`s, comparisons of one field with constants
    /// (numbers, dates, text, `one of` values, `in` lists, `is missing`) and missing data.
    /// Conditions it cannot see into (text operations, arithmetic, `within`, quantifiers
    /// other than repeated identical ones) are treated as independent, so it may miss a
    /// shadowed row, but never invents one.
    pub UNREACHABLE_ROW, Code::UnreachableRow, "unreachable-row", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let program = ctx.program;
    let mut model = Model::new(program);
    let mut out = Vec::new();
    for class in program.classes() {
        let formulas: Vec<Formula> = class.rows.iter().map(|&(_, c)| model.formula(c)).collect();
        let mut unreachable: Vec<usize> = Vec::new();
        for r in 1..class.rows.len() {
            let (value, cond) = class.rows[r];
            // a row that can never be true on its own is a contradiction, reported there
            if never(&mut model, cond, |s| s == T, |s| s & T == 0) {
                continue;
            }
            let mut query = vec![formulas[r].clone()];
            query.extend(formulas[..r].iter().cloned());
            // the row decides for some contact: it is true and every row above is not
            let reachable = |sets: &[TruthSet]| {
                // the query holds row r first, then the rows above it
                let row = |i: usize| possible(if i < r { sets[1 + i] } else { sets[0] });
                rows::decides_with(None, r + 1, row, Decision::Row(r))
            };
            if model.search(&query, &reachable) != Search::None {
                continue;
            }
            unreachable.push(r);
            // rows that are themselves never used shadow nothing
            let shadows: Vec<usize> = (0..r)
                .filter(|a| !unreachable.contains(a))
                .filter(|&a| {
                    let pair = [formulas[r].clone(), formulas[a].clone()];
                    let both = |sets: &[TruthSet]| {
                        if sets[0] == T && sets[1] == T {
                            Some(true)
                        } else if sets[0] & T == 0 || sets[1] & T == 0 {
                            Some(false)
                        } else {
                            None
                        }
                    };
                    model.search(&pair, &both) != Search::None
                })
                .collect();
            let names: Vec<String> = shadows
                .iter()
                .map(|&a| format!("`{}`", class.values[class.rows[a].0]))
                .collect();
            let mut d = Diagnostic::new(
                Code::UnreachableRow,
                program.span(cond),
                format!(
                    "row `{}` of `{}` is never used: {} above {} every contact it matches",
                    class.values[value],
                    class.name,
                    join(&names),
                    if names.len() == 1 { "matches" } else { "match" }
                ),
            )
            .with_label("no contact gets its value from this row")
            .with_help("rows are tried top to bottom and the first true one wins: put narrower rows above broader ones");
            for &a in &shadows {
                d = d.with_secondary(
                    program.span(class.rows[a].1),
                    format!("`{}` matches first", class.values[class.rows[a].0]),
                );
            }
            out.push(d);
        }
    }
    out
}

fn join(names: &[String]) -> String {
    match names {
        [] => "the rows".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
