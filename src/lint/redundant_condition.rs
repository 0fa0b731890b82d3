use super::analysis::{Formula, Model, Search, TruthSet, combine3, stopped};
use super::sites;
use super::{Context, declare_lint};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Finds a part of an `and` (or an `or`) that changes nothing: the same condition
    /// written twice, or a condition implied by the other parts
    /// (`company.size >= 50 and company.size >= 10`). Missing data is taken into account:
    /// a part is redundant only if the whole gives the same true, false or unknown for
    /// every contact without it.
    ///
    /// ## Why is this bad?
    /// Redundant parts make a rule look stricter or broader than it is, and they drift:
    /// when someone edits one copy of a threshold, the other copy silently wins.
    ///
    /// ## Example
    /// ```text
    /// let fits_persona = company.size >= 50 and senior and company.size >= 10
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// let fits_persona = company.size >= 50 and senior
    /// ```
    pub REDUNDANT_CONDITION, Code::RedundantCondition, "redundant-condition", check
}

/// Chains longer than this are not examined (the search grows with their length).
const MAX_PARTS: usize = 8;

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let program = ctx.program;
    let mut model = Model::new(program);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for root in sites::roots(ctx) {
        for (node, parent) in sites::with_parents(program, root.node) {
            let Some(and) = sites::is_chain_head(program, node, parent) else {
                continue;
            };
            if !seen.insert(node) {
                continue;
            }
            if model.exhausted() {
                out.push(stopped("redundant-condition", program.span(node)));
                return out;
            }
            let mut parts = sites::chain(program, node, and);
            if parts.len() > MAX_PARTS {
                continue;
            }
            let formulas: Vec<Formula> = parts.iter().map(|&p| model.formula(p)).collect();
            let mut kept: Vec<usize> = (0..parts.len()).collect();
            // from the last part backwards, so that of two equal parts the later is reported
            for i in (0..parts.len()).rev() {
                if kept.len() < 2 {
                    break;
                }
                let without: Vec<usize> = kept.iter().copied().filter(|&k| k != i).collect();
                let rest = combine(&formulas, &without, and);
                // the whole chain is `rest` combined with part i: evaluating the two apart
                // and combining their truth sets halves the work of every step, and stays
                // sound (the combined set can only be larger than the whole's, so "they
                // differ for every completion" and "they agree" are still never claimed
                // wrongly; at a full assignment every set is exact)
                let differ = |sets: &[TruthSet]| {
                    let (rest, whole) = (sets[0], combine3(and, sets[0], sets[1]));
                    if whole & rest == 0 {
                        Some(true)
                    } else if whole.count_ones() == 1 && whole == rest {
                        Some(false)
                    } else {
                        None
                    }
                };
                if model.search(&[rest, formulas[i].clone()], &differ) == Search::None {
                    kept = without;
                    let op = if and { "and" } else { "or" };
                    out.push(
                        Diagnostic::new(
                            Code::RedundantCondition,
                            program.span(parts[i]),
                            format!(
                                "`{}` is redundant in this `{op}`",
                                sites::text(ctx, parts[i])
                            ),
                        )
                        .with_label("removing it changes no contact's result")
                        .with_help("remove it, or fix it if it was meant to say something else"),
                    );
                }
            }
            parts.clear();
        }
    }
    out
}

fn combine(formulas: &[Formula], indices: &[usize], and: bool) -> Formula {
    let mut iter = indices.iter().map(|&i| formulas[i].clone());
    let first = iter.next().unwrap_or(Formula::Const(super::analysis::T));
    iter.fold(first, |acc, f| {
        if and {
            Formula::And(Box::new(acc), Box::new(f))
        } else {
            Formula::Or(Box::new(acc), Box::new(f))
        }
    })
}
