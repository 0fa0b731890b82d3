//! The field plan: which fields a program reads, their types and their slots. Decoders
//! extract exactly these fields and skip the rest of each record.

use std::collections::HashMap;
use std::sync::Arc;

use crate::semantics::value::{Kind, Value};

/// Index of a record layout in [`FieldPlan::records`]; `0` is the contact.
pub type LayoutId = usize;

/// The type a decoder must produce for a field.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanType {
    /// true/false
    Bool,
    /// a number
    Number,
    /// text
    String,
    /// text from a fixed list
    Enum(Arc<[String]>),
    /// a calendar date
    Date,
    /// an instant (RFC 3339, or a plain date meaning its start in UTC)
    DateTime,
    /// a length of time
    Duration,
    /// a list of values
    List(Box<PlanType>),
    /// a nested record
    Record(LayoutId),
    /// no schema: whatever the data holds
    Dynamic,
}

impl PlanType {
    /// The type in the words used in data errors.
    pub fn describe(&self) -> String {
        match self {
            PlanType::Bool => "true or false".into(),
            PlanType::Number => Kind::Number.one(),
            PlanType::String => Kind::Text.one(),
            PlanType::Enum(values) => {
                let shown: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                format!("one of {}", shown.join(", "))
            }
            PlanType::Date => format!("{} (YYYY-MM-DD)", Kind::Date.one()),
            PlanType::DateTime => format!(
                "{} (RFC 3339, e.g. 2026-11-01T09:30:00Z)",
                Kind::DateTime.one()
            ),
            PlanType::Duration => Kind::Duration.one(),
            PlanType::List(_) => Kind::List.one(),
            PlanType::Record(_) => Kind::Record.one(),
            PlanType::Dynamic => "any value".into(),
        }
    }
}

/// One field a program reads.
#[derive(Debug, Clone)]
pub struct PlanField {
    /// Its name in the data.
    pub name: String,
    /// What to decode it as.
    pub ty: PlanType,
    /// Whether it may be missing.
    pub optional: bool,
}

/// The fields read from one record type, in slot order.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Dotted path from the contact (`""` for the contact itself).
    pub path: String,
    /// Fields by slot.
    pub fields: Vec<PlanField>,
    /// Slot by field name, for decoders.
    pub by_name: HashMap<String, usize>,
}

impl Layout {
    /// The slot of a field, if the program reads it.
    pub fn slot(&self, name: &str) -> Option<usize> {
        // Decoders ask this for every key of every record. A layout holds the few fields
        // rules read, and names of other lengths are told apart by their length alone, so a
        // scan beats hashing the key (SipHash was 5 % of a run); large layouts still hash.
        if self.fields.len() <= 16 {
            let first = name.as_bytes().first();
            self.fields.iter().position(|f| {
                f.name.len() == name.len() && f.name.as_bytes().first() == first && f.name == name
            })
        } else {
            self.by_name.get(name).copied()
        }
    }

    /// The dotted path of a slot's field.
    pub fn field_path(&self, slot: usize) -> String {
        if self.path.is_empty() {
            self.fields[slot].name.clone()
        } else {
            format!("{}.{}", self.path, self.fields[slot].name)
        }
    }
}

/// Every field a program reads, per record type.
#[derive(Debug, Clone, Default)]
pub struct FieldPlan {
    /// Record layouts; `0` is the contact.
    pub records: Vec<Layout>,
    /// The slot of the id field in the contact.
    pub id_slot: usize,
    /// The id field's name.
    pub id_field: String,
    /// Whether the rule set has a schema (if not, values are typed at run time).
    pub typed: bool,
    /// Whether a rule reads the id field (if not, a decoder need not build its value: the
    /// contact's id is all that is needed of it).
    pub id_read: bool,
}

impl FieldPlan {
    /// The field at `slot` of a layout.
    pub fn field(&self, layout: LayoutId, slot: u32) -> &PlanField {
        &self.records[layout].fields[slot as usize]
    }

    /// The contact's layout.
    pub fn root(&self) -> &Layout {
        &self.records[0]
    }
}

impl PlanType {
    /// The type that reads every value `self` or `other` reads: the same type, or (for
    /// enums, and lists of them) an enum of the values of both, `self`'s first. `None`
    /// when they are of different types.
    pub fn widen(&self, other: &PlanType) -> Option<PlanType> {
        match (self, other) {
            (PlanType::Enum(a), PlanType::Enum(b)) => {
                let mut values = a.to_vec();
                values.extend(b.iter().filter(|v| !a.contains(v)).cloned());
                Some(PlanType::Enum(values.into()))
            }
            (PlanType::List(a), PlanType::List(b)) => Some(PlanType::List(Box::new(a.widen(b)?))),
            _ => (self == other).then(|| self.clone()),
        }
    }

    /// The type that reads only the values both `self` and `other` read (an enum of
    /// their common values, `self`'s order); `None` when they are of different types.
    pub fn meet(&self, other: &PlanType) -> Option<PlanType> {
        match (self, other) {
            (PlanType::Enum(a), PlanType::Enum(b)) => Some(PlanType::Enum(
                a.iter().filter(|v| b.contains(v)).cloned().collect(),
            )),
            (PlanType::List(a), PlanType::List(b)) => Some(PlanType::List(Box::new(a.meet(b)?))),
            _ => (self == other).then(|| self.clone()),
        }
    }

    /// Whether this type reads every value `other` reads.
    pub fn reads_all(&self, other: &PlanType) -> bool {
        self.widen(other).as_ref() == Some(self)
    }

    /// The enum values this type reads, for an enum or a list of them.
    pub fn enum_values(&self) -> Option<&Arc<[String]>> {
        match self {
            PlanType::Enum(values) => Some(values),
            PlanType::List(item) => item.enum_values(),
            _ => None,
        }
    }
}

/// A field a program reads as a narrower type than its plan decodes: an enum with fewer
/// values, when two rule sets share one plan and only one of them knows a value (see
/// [`crate::compile::compile_onto`]). The program must not see a contact with another
/// value: for it, that contact is as unreadable as for a plan of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Narrowing {
    /// The record layout of the field.
    pub layout: LayoutId,
    /// Its slot.
    pub slot: usize,
    /// The type the program reads it as.
    pub ty: PlanType,
}

/// A decoded value that a program's [`Narrowing`] does not admit.
#[derive(Debug, Clone, PartialEq)]
pub struct Stray {
    /// Dotted path of the field, e.g. `events[2].kind`.
    pub path: String,
    /// The value found.
    pub found: String,
    /// The values the program knows.
    pub allowed: Arc<[String]>,
}

impl FieldPlan {
    /// Where this plan (a start of `decoded`: the same layouts and slots, fewer fields)
    /// reads a field as a narrower type than `decoded` does.
    pub fn narrowings(&self, decoded: &FieldPlan) -> Vec<Narrowing> {
        let mut narrowed = Vec::new();
        for (layout, own) in self.records.iter().enumerate() {
            for (slot, field) in own.fields.iter().enumerate() {
                let wider = decoded.records.get(layout).and_then(|l| l.fields.get(slot));
                if wider.is_some_and(|w| !field.ty.reads_all(&w.ty)) {
                    narrowed.push(Narrowing {
                        layout,
                        slot,
                        ty: field.ty.clone(),
                    });
                }
            }
        }
        narrowed
    }

    /// The first value of a contact decoded with this plan (its slots) that `narrowed`
    /// does not admit, in slot order, nested records and lists included.
    pub fn stray(&self, narrowed: &[Narrowing], slots: &[Value]) -> Option<Stray> {
        if narrowed.is_empty() {
            return None;
        }
        self.stray_in(narrowed, 0, slots, "")
    }

    fn stray_in(
        &self,
        narrowed: &[Narrowing],
        layout: LayoutId,
        values: &[Value],
        prefix: &str,
    ) -> Option<Stray> {
        for (slot, field) in self.records.get(layout)?.fields.iter().enumerate() {
            let value = values.get(slot)?;
            let path = if prefix.is_empty() {
                field.name.clone()
            } else {
                format!("{prefix}.{}", field.name)
            };
            let own = narrowed
                .iter()
                .find(|n| n.layout == layout && n.slot == slot)
                .and_then(|n| n.ty.enum_values());
            if let Some(allowed) = own {
                let stray = |text: &str, path: String| {
                    (!allowed.iter().any(|v| v == text)).then(|| Stray {
                        path,
                        found: text.to_string(),
                        allowed: allowed.clone(),
                    })
                };
                let found = match value {
                    Value::Str(s) => stray(s, path.clone()),
                    Value::List(items) => items.iter().enumerate().find_map(|(i, v)| match v {
                        Value::Str(s) => stray(s, format!("{path}[{i}]")),
                        _ => None,
                    }),
                    _ => None,
                };
                if found.is_some() {
                    return found;
                }
            }
            let inner = match (&field.ty, value) {
                (PlanType::Record(l), Value::Record(fields)) => {
                    self.stray_in(narrowed, *l, fields, &path)
                }
                (PlanType::List(item), Value::List(items)) => match **item {
                    PlanType::Record(l) => items.iter().enumerate().find_map(|(i, v)| match v {
                        Value::Record(fields) => {
                            self.stray_in(narrowed, l, fields, &format!("{path}[{i}]"))
                        }
                        _ => None,
                    }),
                    _ => None,
                },
                _ => None,
            };
            if inner.is_some() {
                return inner;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
