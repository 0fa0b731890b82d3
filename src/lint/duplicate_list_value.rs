use std::collections::HashMap;

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
            // items that may be equal share a bucket, so a long list costs linear time
            let mut buckets: HashMap<Bucket<'_>, Vec<usize>> = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                let earlier = buckets.entry(bucket(&item.node)).or_default();
                let first = earlier.iter().map(|&j| &items[j]).find(|e| *e == item);
                earlier.push(i);
                if let Some(first) = first {
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

/// A key that equal expressions share: literals and names by value, anything else by its
/// kind only (such items are then compared one by one).
#[derive(PartialEq, Eq, Hash)]
enum Bucket<'a> {
    Bool(bool),
    /// The bits of the number, with `-0` as `0` (they are equal).
    Number(u64),
    Text(&'a str),
    Date(jiff::civil::Date),
    DateTime(jiff::Timestamp),
    Duration(jiff::SignedDuration),
    Name(&'a str),
    Other(std::mem::Discriminant<ExprKind>),
}

fn bucket(e: &ExprKind) -> Bucket<'_> {
    match e {
        ExprKind::Bool(b) => Bucket::Bool(*b),
        ExprKind::Number(n) => Bucket::Number(if *n == 0.0 { 0 } else { n.to_bits() }),
        ExprKind::String(s) => Bucket::Text(s),
        ExprKind::Date(d) => Bucket::Date(*d),
        ExprKind::DateTime(t) => Bucket::DateTime(*t),
        ExprKind::Duration(d) => Bucket::Duration(*d),
        ExprKind::Name(n) => Bucket::Name(n),
        other => Bucket::Other(std::mem::discriminant(other)),
    }
}
