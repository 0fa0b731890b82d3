//! The field plan: which fields a program reads, their types and their slots. Decoders
//! extract exactly these fields and skip the rest of each record.

use std::collections::HashMap;
use std::sync::Arc;

use crate::semantics::value::Kind;

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
