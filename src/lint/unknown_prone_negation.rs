use super::analysis::{Model, Search, TruthSet, U, stopped};
use super::sites;
use super::{Context, declare_lint};
use crate::codes::Code;
use crate::compile::{Node, NodeId, Program};
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Finds `not` applied to a condition that reads an optional field (one declared with
    /// `?`) without saying what a missing value means.
    ///
    /// ## Why is this bad?
    /// When the field is missing, the condition is *unknown*, and `not unknown` is still
    /// unknown. A row built on it then silently does not match contacts with the field
    /// missing — usually the opposite of what "not" was meant to say ("not opted out"
    /// should include people who never answered).
    ///
    /// ## Example
    /// ```text
    /// let reachable = not opted_out
    /// ```
    ///
    /// ## Use instead
    /// Decide what a missing value means:
    /// ```text
    /// let reachable = not (opted_out ?? false)
    /// let reachable = opted_out is missing or not opted_out
    /// ```
    pub UNKNOWN_PRONE_NEGATION, Code::UnknownProneNegation, "unknown-prone-negation", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let program = ctx.program;
    let mut model = Model::new(program);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut found = Found::default();
    for root in sites::roots(ctx) {
        let mut negations = Vec::new();
        sites::walk(program, root.node, &mut |n| {
            if matches!(program.node(n), Node::Not(_)) && !seen.contains(&n) {
                negations.push(n);
            }
            true
        });
        for n in negations {
            if model.exhausted() {
                out.push(stopped("unknown-prone-negation", program.span(n)));
                return out;
            }
            seen.insert(n);
            let Node::Not(operand) = program.node(n) else {
                continue;
            };
            // only a `not` that can be unknown, inside a definition that then can be
            // unknown too (`x is missing or not x` says what missing means)
            if !can_be_unknown(&mut model, n)
                || (root.condition && !can_be_unknown(&mut model, root.node))
            {
                continue;
            }
            let cause = unguarded_optional(program, *operand, &mut found);
            let name = sites::text(ctx, cause.unwrap_or(*operand));
            // a list read by `in` can be present and still hold a missing element, which a
            // presence test cannot rule out: then say so, and offer a form that is never
            // unknown
            if let Some((item, list)) = list_lookup(program, *operand, &mut found) {
                let list_text = sites::text(ctx, list);
                out.push(
                    Diagnostic::new(
                        Code::UnknownProneNegation,
                        program.span(n),
                        format!(
                            "`{}` is unknown when `{list_text}` is missing or holds a missing element, so it does not match those contacts",
                            sites::text(ctx, n)
                        ),
                    )
                    .with_label(format!("unknown when `{list_text}` is missing or holds a missing element"))
                    .with_help(format!(
                        "count the matches instead, which skips missing elements: `count(x in {list_text} ?? [] where x == {}) == 0`",
                        sites::text(ctx, item)
                    )),
                );
                continue;
            }
            let (message, label) = match cause {
                Some(_) => (
                    format!(
                        "`{}` is unknown when `{name}` is missing, so it does not match those contacts",
                        sites::text(ctx, n)
                    ),
                    format!("unknown when `{name}` is missing"),
                ),
                None => (
                    format!(
                        "`{}` is unknown when data that `{name}` reads is missing, so it does not match those contacts",
                        sites::text(ctx, n)
                    ),
                    "can be unknown".to_string(),
                ),
            };
            out.push(
                Diagnostic::new(Code::UnknownProneNegation, program.span(n), message)
                    .with_label(label)
                .with_help(format!(
                    "say what a missing value means, e.g. `{name} is missing or …`, or use `??` to give a default"
                )),
            );
        }
    }
    out
}

/// What [`list_lookup`] and [`unguarded_optional`] found behind each `let`, so that a
/// let named by many conditions (or by itself twice, `let b = a and a`) is read once.
#[derive(Default)]
struct Found {
    lists: std::collections::HashMap<usize, Option<(NodeId, NodeId)>>,
    optional: std::collections::HashMap<usize, Option<NodeId>>,
}

/// The `(item, list)` of an `in` test on a list that can hold missing elements (a list
/// from the data, not one written in the rules), found through `let`s.
fn list_lookup(program: &Program, node: NodeId, found: &mut Found) -> Option<(NodeId, NodeId)> {
    match program.node(node) {
        Node::In { item, list, .. } if !matches!(program.node(*list), Node::Const(_)) => {
            Some((*item, *list))
        }
        Node::Let(l) => {
            if let Some(known) = found.lists.get(l) {
                return *known;
            }
            let lookup = list_lookup(program, program.let_root(*l), found);
            found.lists.insert(*l, lookup);
            lookup
        }
        _ => None,
    }
}

/// Whether some contact makes the condition unknown.
fn can_be_unknown(model: &mut Model<'_>, node: NodeId) -> bool {
    let formula = model.formula(node);
    let goal = |sets: &[TruthSet]| {
        if sets[0] == U {
            Some(true)
        } else if sets[0] & U == 0 {
            Some(false)
        } else {
            None
        }
    };
    // giving up counts as "can be": the lint then speaks, as it did before the analysis
    model.search(&[formula], &goal) != Search::None
}

/// An optional field read by `node` (following `let`s) that no `??` or presence test
/// guards; fields of quantifier variables do not count (their list decides).
fn unguarded_optional(program: &Program, node: NodeId, found: &mut Found) -> Option<NodeId> {
    match &program.node(node) {
        Node::Coalesce(..) | Node::Presence(..) => None,
        Node::Let(l) => {
            if let Some(known) = found.optional.get(l) {
                return *known;
            }
            let cause = unguarded_optional(program, program.let_root(*l), found);
            found.optional.insert(*l, cause);
            cause
        }
        Node::Field { base, layout, slot } => {
            let optional = program.plan().field(*layout, *slot).optional;
            let on_local = base.is_some_and(|b| program.reads_variable(b));
            if optional && !on_local {
                return Some(node);
            }
            base.and_then(|b| unguarded_optional(program, b, found))
        }
        Node::Quantifier { list, .. } | Node::Aggregate { list, .. } => {
            unguarded_optional(program, *list, found)
        }
        _ => {
            let mut cause = None;
            program.for_each_child(node, |child| {
                if cause.is_none() {
                    cause = unguarded_optional(program, child, found);
                }
            });
            cause
        }
    }
}
