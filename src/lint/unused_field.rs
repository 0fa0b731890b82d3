use super::{Context, declare_lint};
use crate::check::ir::{self, RecordId, Type};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

declare_lint! {
    /// ## What it does
    /// Notes schema fields that no rule reads.
    ///
    /// ## Why is this bad?
    /// It is not wrong — an export has many columns — but a declared field suggests that
    /// some rule depends on it. If none does, either a criterion is missing or the field
    /// can go. Fields no rule reads are also not checked when data is read.
    ///
    /// ## Example
    /// ```text
    /// schema contact {
    ///   id: string
    ///   phone: string?
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove `phone`, or use it in a rule.
    pub UNUSED_FIELD, Code::UnusedField, "unused-field", check
}

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let rules = ctx.rules;
    if !rules.has_schema {
        return Vec::new();
    }
    let used: std::collections::HashSet<(RecordId, usize)> =
        rules.fields_read().into_iter().collect();
    let mut out = Vec::new();
    unused(ctx, ir::ROOT, &used, &mut out);
    out
}

/// Reports unused fields of a record; a record field counts as used when any of its own
/// fields is (those are then reported one by one).
fn unused(
    ctx: &Context<'_>,
    record: RecordId,
    used: &std::collections::HashSet<(RecordId, usize)>,
    out: &mut Vec<Diagnostic>,
) {
    let rules = ctx.rules;
    for (i, field) in rules.records[record].fields.iter().enumerate() {
        if record == ir::ROOT && field.name == rules.id_field {
            continue;
        }
        let Some(decl) = field.decl else { continue };
        if used.contains(&(record, i)) {
            let nested = match &field.ty {
                Type::Record(r) => Some(*r),
                Type::List(t) => match **t {
                    Type::Record(r) => Some(r),
                    _ => None,
                },
                _ => None,
            };
            if let Some(r) = nested {
                unused(ctx, r, used, out);
            }
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::UnusedField,
                decl,
                format!("no rule reads `{}`", rules.field_path(record, i)),
            )
            .with_label("declared here")
            .with_help("remove it from the schema or use it in a rule"),
        );
    }
}
