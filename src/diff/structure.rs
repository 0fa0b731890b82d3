//! The change in structure between two rule sets: fields added, removed or of another
//! type, enum values added or removed, classifications and their values and rows added,
//! removed, moved or rewritten, `let`s added, removed or written otherwise.
//!
//! Rows and `let`s are compared by their text with its spacing made one and comments left
//! out, string literals as written (a row is its value and its condition): text written
//! otherwise is a change here, whether or not it changes what the rules mean, which is the
//! analysis of meaning's to say.

use crate::check::CheckedRuleSet;
use crate::check::ir::{RuleSet, Type};
use crate::source::SourceMap;

/// What changed in a rule set's structure, each list in the new rule set's order (then
/// the old one's, for what it no longer has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Structure {
    /// Fields of the contact and its records.
    pub fields: Vec<FieldChange>,
    /// Classifications.
    pub classifications: Vec<ClassChange>,
    /// `let`s.
    pub lets: Vec<LetChange>,
}

impl Structure {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.classifications.is_empty() && self.lets.is_empty()
    }
}

/// A field (by its dotted path, `company.size`, `events[].kind`) that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldChange {
    /// A field the new rules have and the old did not, with its type in words.
    Added { path: String, ty: String },
    /// A field the old rules had and the new do not.
    Removed { path: String, ty: String },
    /// A field of another type (in words, old then new).
    Retyped {
        path: String,
        old: String,
        new: String,
    },
    /// A field of enum values (or a list of them) that gained or lost values.
    Values {
        path: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

/// A classification that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassChange {
    /// New, with its values.
    Added { name: String, values: Vec<String> },
    /// Gone, with its values.
    Removed { name: String, values: Vec<String> },
    /// In both, changed.
    Changed {
        name: String,
        /// Values it can take now and could not before.
        values_added: Vec<String>,
        /// Values it could take before and cannot now.
        values_removed: Vec<String>,
        /// The guard's text, old then new, where it changed (`None`: no guard).
        guard: Option<(Option<String>, Option<String>)>,
        /// The `otherwise` value, old then new, where it changed.
        otherwise: Option<(Option<String>, Option<String>)>,
        /// Rows added, removed or moved.
        rows: Vec<RowChange>,
    },
}

/// A row (its value, and its condition's text) that changed; positions count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowChange {
    /// Only in the new rules, at this position.
    Added {
        value: String,
        condition: String,
        at: usize,
    },
    /// Only in the old rules, at this position there.
    Removed {
        value: String,
        condition: String,
        at: usize,
    },
    /// In both, in another order relative to the others (`from` in the old rules, `to` in
    /// the new).
    Moved {
        value: String,
        condition: String,
        from: usize,
        to: usize,
    },
    /// Written otherwise in the same place among the rows both keep: its value or its
    /// condition changed, the other did not (`from` in the old rules, `to` in the new).
    Rewritten {
        old: (String, String),
        new: (String, String),
        from: usize,
        to: usize,
    },
}

/// A `let` that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetChange {
    Added {
        name: String,
    },
    Removed {
        name: String,
    },
    /// Written otherwise: its text, old then new.
    Rewritten {
        name: String,
        old: String,
        new: String,
    },
}

/// The change in structure from the rule set `old` (its text in `old_sources`) to `new`.
pub fn structure(
    old: &CheckedRuleSet,
    old_sources: &SourceMap,
    new: &CheckedRuleSet,
    new_sources: &SourceMap,
) -> Structure {
    let (old, new) = (
        Side {
            rules: old.rules(),
            sources: old_sources,
        },
        Side {
            rules: new.rules(),
            sources: new_sources,
        },
    );
    Structure {
        fields: fields(&old, &new),
        classifications: classifications(&old, &new),
        lets: lets(&old, &new),
    }
}

/// One rule set and its text.
struct Side<'a> {
    rules: &'a RuleSet,
    sources: &'a SourceMap,
}

impl Side<'_> {
    /// Every field as (dotted path, type), in declaration order.
    fn fields(&self) -> Vec<(String, &Type)> {
        let mut out = Vec::new();
        for record in &self.rules.records {
            for field in &record.fields {
                let path = match record.path.as_str() {
                    "" => field.name.clone(),
                    parent => format!("{parent}.{}", field.name),
                };
                out.push((path, &field.ty));
            }
        }
        out
    }

    /// A type's shape: what it is, whatever its enum's values and the ids the checker gave.
    fn shape(&self, ty: &Type) -> String {
        match ty {
            Type::Enum(_) => "enum".into(),
            Type::List(item) => format!("list of {}", self.shape(item)),
            Type::Record(r) => format!("record {}", self.rules.records[*r].path),
            Type::Class(c) => format!("class {}", self.rules.classes[*c].name.node),
            other => self.rules.describe(other),
        }
    }

    /// The values of an enum type, or of a list of one.
    fn enum_values(&self, ty: &Type) -> Option<&[String]> {
        match ty {
            Type::Enum(e) => Some(&self.rules.enums[*e]),
            Type::List(item) => self.enum_values(item),
            _ => None,
        }
    }

    /// The text at `span` on one line, as `explain` quotes it: a string literal as
    /// written (`"a  b"` is not `"a b"`), comments left out.
    fn text(&self, span: crate::source::Span) -> String {
        crate::explain::squeeze(self.sources.slice(span))
    }
}

fn fields(old: &Side<'_>, new: &Side<'_>) -> Vec<FieldChange> {
    let (old_fields, new_fields) = (old.fields(), new.fields());
    let mut out = Vec::new();
    for (path, ty) in &new_fields {
        let Some((_, was)) = old_fields.iter().find(|(p, _)| p == path) else {
            out.push(FieldChange::Added {
                path: path.clone(),
                ty: new.rules.describe(ty),
            });
            continue;
        };
        if old.shape(was) != new.shape(ty) {
            out.push(FieldChange::Retyped {
                path: path.clone(),
                old: old.rules.describe(was),
                new: new.rules.describe(ty),
            });
        } else if let (Some(before), Some(now)) = (old.enum_values(was), new.enum_values(ty)) {
            let added = missing_from(now, before);
            let removed = missing_from(before, now);
            if !added.is_empty() || !removed.is_empty() {
                out.push(FieldChange::Values {
                    path: path.clone(),
                    added,
                    removed,
                });
            }
        }
    }
    for (path, ty) in &old_fields {
        if !new_fields.iter().any(|(p, _)| p == path) {
            out.push(FieldChange::Removed {
                path: path.clone(),
                ty: old.rules.describe(ty),
            });
        }
    }
    out
}

/// The items of `these` that `those` lacks, in their order.
fn missing_from(these: &[String], those: &[String]) -> Vec<String> {
    these
        .iter()
        .filter(|v| !those.contains(v))
        .cloned()
        .collect()
}

fn classifications(old: &Side<'_>, new: &Side<'_>) -> Vec<ClassChange> {
    let names = |values: &[crate::ast::Ident]| -> Vec<String> {
        values.iter().map(|v| v.node.clone()).collect()
    };
    let mut out = Vec::new();
    for class in &new.rules.classes {
        let name = class.name.node.clone();
        let Some(was) = old.rules.classes.iter().find(|c| c.name.node == name) else {
            out.push(ClassChange::Added {
                name,
                values: names(&class.values),
            });
            continue;
        };
        let (before, now) = (names(&was.values), names(&class.values));
        let guard_of = |side: &Side<'_>, c: &crate::check::ir::ClassDef| {
            c.guard.as_ref().map(|g| side.text(g.span))
        };
        let guard = Some((guard_of(old, was), guard_of(new, class))).filter(|(a, b)| a != b);
        let otherwise = Some((
            was.otherwise.map(|i| before[i].clone()),
            class.otherwise.map(|i| now[i].clone()),
        ))
        .filter(|(a, b)| a != b);
        let row_texts = |side: &Side<'_>, c: &crate::check::ir::ClassDef, values: &[String]| {
            c.rows
                .iter()
                .map(|r| (values[r.value].clone(), side.text(r.cond.span)))
                .collect::<Vec<_>>()
        };
        let rows = rows(&row_texts(old, was, &before), &row_texts(new, class, &now));
        let (values_added, values_removed) =
            (missing_from(&now, &before), missing_from(&before, &now));
        if values_added.is_empty()
            && values_removed.is_empty()
            && guard.is_none()
            && otherwise.is_none()
            && rows.is_empty()
        {
            continue;
        }
        out.push(ClassChange::Changed {
            name,
            values_added,
            values_removed,
            guard,
            otherwise,
            rows,
        });
    }
    for class in &old.rules.classes {
        if !new
            .rules
            .classes
            .iter()
            .any(|c| c.name.node == class.name.node)
        {
            out.push(ClassChange::Removed {
                name: class.name.node.clone(),
                values: names(&class.values),
            });
        }
    }
    out
}

/// The rows added, removed, moved and rewritten from `old` to `new` (each a value and a
/// condition): a row in both that is not in their longest common order moved; a row added
/// where one was removed, between the same rows both keep and with the same value or the
/// same condition, is that row rewritten (`hot when busy` → `hot when big`), as a reviewer
/// reads it.
fn rows(old: &[(String, String)], new: &[(String, String)]) -> Vec<RowChange> {
    let (kept_old, kept_new) = kept_rows(old, new);
    let changes = placed_rows(old, new, &kept_old, &kept_new);
    // the rows a side keeps before a position: equal counts on both sides, the same gap
    let gap = |kept: &[bool], at: usize| kept[..at - 1].iter().filter(|&&k| k).count();
    // per change, the rewrite an added row is part of; a removed row paired is left out
    let mut rewrites: Vec<Option<RowChange>> = vec![None; changes.len()];
    let mut paired = vec![false; changes.len()];
    for (i, change) in changes.iter().enumerate() {
        let RowChange::Added {
            value,
            condition,
            at: to,
        } = change
        else {
            continue;
        };
        // the first removed row of the same gap with the same value, else condition
        let removed = |same: &dyn Fn(&String, &String) -> bool| {
            changes.iter().enumerate().find_map(|(k, c)| match c {
                RowChange::Removed {
                    value: v,
                    condition: w,
                    at: from,
                } if !paired[k] && gap(&kept_old, *from) == gap(&kept_new, *to) && same(v, w) => {
                    Some((k, v, w, *from))
                }
                _ => None,
            })
        };
        let found = removed(&|v, _| v == value).or_else(|| removed(&|_, w| w == condition));
        if let Some((k, v, w, from)) = found {
            paired[k] = true;
            rewrites[i] = Some(RowChange::Rewritten {
                old: (v.clone(), w.clone()),
                new: (value.clone(), condition.clone()),
                from,
                to: *to,
            });
        }
    }
    changes
        .into_iter()
        .zip(rewrites)
        .zip(paired)
        .filter_map(|((change, rewrite), paired)| match rewrite {
            Some(rewrite) => Some(rewrite),
            None => (!paired).then_some(change),
        })
        .collect()
}

/// Which rows of `old` and of `new` are in their longest common order (kept in place).
fn kept_rows(old: &[(String, String)], new: &[(String, String)]) -> (Vec<bool>, Vec<bool>) {
    // the longest common subsequence, by the usual table
    let (n, m) = (old.len(), new.len());
    let mut table = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if old[i] == new[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut kept_old, mut kept_new) = (vec![false; n], vec![false; m]);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old[i] == new[j] {
            kept_old[i] = true;
            kept_new[j] = true;
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (kept_old, kept_new)
}

/// The rows added, removed and moved from `old` to `new`, by their longest common order
/// (the rows kept in it: `kept_old`, `kept_new`).
fn placed_rows(
    old: &[(String, String)],
    new: &[(String, String)],
    kept_old: &[bool],
    kept_new: &[bool],
) -> Vec<RowChange> {
    let n = old.len();
    let mut out = Vec::new();
    let mut taken = vec![false; n];
    for (to, row) in new.iter().enumerate() {
        if kept_new[to] {
            continue;
        }
        // a row out of the common order that the old rules have is one that moved
        let from = (0..n).find(|&k| !kept_old[k] && !taken[k] && old[k] == *row);
        let (value, condition) = row.clone();
        out.push(match from {
            Some(from) => {
                taken[from] = true;
                RowChange::Moved {
                    value,
                    condition,
                    from: from + 1,
                    to: to + 1,
                }
            }
            None => RowChange::Added {
                value,
                condition,
                at: to + 1,
            },
        });
    }
    for (at, row) in old.iter().enumerate() {
        if !kept_old[at] && !taken[at] {
            let (value, condition) = row.clone();
            out.push(RowChange::Removed {
                value,
                condition,
                at: at + 1,
            });
        }
    }
    out
}

fn lets(old: &Side<'_>, new: &Side<'_>) -> Vec<LetChange> {
    let mut out = Vec::new();
    for l in &new.rules.lets {
        let name = l.name.node.clone();
        match old.rules.lets.iter().find(|o| o.name.node == name) {
            None => out.push(LetChange::Added { name }),
            Some(was) => {
                let (before, now) = (old.text(was.expr.span), new.text(l.expr.span));
                if before != now {
                    out.push(LetChange::Rewritten {
                        name,
                        old: before,
                        new: now,
                    });
                }
            }
        }
    }
    for l in &old.rules.lets {
        if !new.rules.lets.iter().any(|n| n.name.node == l.name.node) {
            out.push(LetChange::Removed {
                name: l.name.node.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;

/// The classifications of a rule set that read the `let` named `name` — in a guard or a
/// row, through other `let`s and classifications too — in definition order: what a change
/// to it can reach.
pub fn reaches(checked: &CheckedRuleSet, name: &str) -> Vec<String> {
    use crate::check::ir::{Expr, ExprKind};
    let rules = checked.rules();
    let Some(target) = rules.lets.iter().position(|l| l.name.node == name) else {
        return Vec::new();
    };
    let reads = |start: usize| {
        let mut lets_seen = vec![false; rules.lets.len()];
        let mut classes_seen = vec![false; rules.classes.len()];
        let (mut classes, mut lets): (Vec<usize>, Vec<usize>) = (vec![start], Vec::new());
        let mut exprs: Vec<&Expr> = Vec::new();
        loop {
            for c in classes.drain(..) {
                if !std::mem::replace(&mut classes_seen[c], true) {
                    exprs.extend(rules.classes[c].guard.iter());
                    exprs.extend(rules.classes[c].rows.iter().map(|r| &r.cond));
                }
            }
            for l in lets.drain(..) {
                if !std::mem::replace(&mut lets_seen[l], true) {
                    exprs.push(&rules.lets[l].expr);
                }
            }
            let Some(expr) = exprs.pop() else {
                return false;
            };
            let mut found = false;
            expr.walk(&mut |e: &Expr| match &e.kind {
                ExprKind::Let(l) if *l == target => found = true,
                ExprKind::Let(l) => lets.push(*l),
                ExprKind::Class(c) | ExprKind::ClassValue(c, _) => classes.push(*c),
                _ => {}
            });
            if found {
                return true;
            }
        }
    };
    (0..rules.classes.len())
        .filter(|&c| reads(c))
        .map(|c| rules.classes[c].name.node.clone())
        .collect()
}
