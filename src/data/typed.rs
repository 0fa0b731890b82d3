//! Typing of single values against the plan, shared by the JSON and CSV readers.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use super::{DataProblem, Found};
use crate::codes::Code;
use crate::compile::{FieldPlan, LayoutId, PlanType};
use crate::semantics::Value;

/// One step of a field path.
#[derive(Debug, Clone, Copy)]
pub enum Segment<'a> {
    /// A named field.
    Field(&'a str),
    /// A list element.
    Index(usize),
}

/// A field path as a linked list on the stack, rendered only when an error needs it.
#[derive(Debug, Clone, Copy)]
pub struct FieldPath<'a> {
    /// The path up to here.
    pub parent: Option<&'a FieldPath<'a>>,
    /// The last step.
    pub segment: Segment<'a>,
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}")?;
        }
        match self.segment {
            Segment::Field(name) if self.parent.is_some() => write!(f, ".{name}"),
            Segment::Field(name) => f.write_str(name),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A value that does not fit the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Stable code.
    pub code: Code,
    /// Dotted field path.
    pub field: String,
    /// What is wrong.
    pub problem: DataProblem,
}

impl FieldError {
    /// A value of another type than `ty` for the field at `path`.
    pub fn wrong_type(path: &FieldPath<'_>, ty: &PlanType, found: Found) -> FieldError {
        FieldError::new(
            Code::WrongType,
            path,
            DataProblem::WrongType {
                expected: ty.clone(),
                found,
            },
        )
    }

    /// A problem of the field at `path`.
    pub fn new(code: Code, path: &FieldPath<'_>, problem: DataProblem) -> FieldError {
        FieldError {
            code,
            field: path.to_string(),
            problem,
        }
    }
}

/// An enum's values (the plan's list, kept alive by the entry so that its address, the key,
/// is not reused) and one shared text per value.
type Interned = (Arc<[String]>, Vec<Arc<str>>);

thread_local! {
    /// The values of the enums decoded on this thread.
    static INTERNED: RefCell<Vec<Interned>> = const { RefCell::new(Vec::new()) };
}

/// How many enums [`INTERNED`] remembers per thread; past that the oldest is forgotten.
const INTERNED_ENUMS: usize = 64;

/// Value `index` of an enum as a shared text: decoding an enum value then allocates nothing.
/// The table is per thread, so the reference counts of the texts are touched by the thread
/// that decodes (and usually drops) the contact, not by every thread at once.
fn interned(values: &Arc<[String]>, index: usize) -> Arc<str> {
    INTERNED.with_borrow_mut(|cache| {
        let at = match cache.iter().position(|(list, _)| Arc::ptr_eq(list, values)) {
            Some(at) => at,
            None => {
                if cache.len() >= INTERNED_ENUMS {
                    cache.remove(0);
                }
                let texts = values.iter().map(|v| Arc::from(v.as_str())).collect();
                cache.push((values.clone(), texts));
                cache.len() - 1
            }
        };
        cache[at].1[index].clone()
    })
}

/// Types a text value (a JSON string, or a CSV cell for a text-like type).
pub fn text_value(s: &str, ty: &PlanType, path: &FieldPath<'_>) -> Result<Value, FieldError> {
    let wrong = || FieldError::wrong_type(path, ty, Found::text(s));
    match ty {
        PlanType::String | PlanType::Dynamic => {
            Ok(Value::Str(crate::semantics::value::shared_text(s)))
        }
        PlanType::Enum(values) => {
            // lengths and first letters tell most values apart before a comparison
            let first = s.as_bytes().first();
            let found = values
                .iter()
                .position(|v| v.len() == s.len() && v.as_bytes().first() == first && v == s);
            if let Some(index) = found {
                Ok(Value::Str(interned(values, index)))
            } else {
                let near = values.iter().find(|v| v.eq_ignore_ascii_case(s)).cloned();
                Err(FieldError::new(
                    Code::BadEnumValue,
                    path,
                    DataProblem::NotInEnum {
                        found: Found::text(s),
                        allowed: values.clone(),
                        near,
                    },
                ))
            }
        }
        PlanType::Date => s
            .trim()
            .parse::<jiff::civil::Date>()
            .map(Value::Date)
            .map_err(|_| wrong()),
        PlanType::DateTime => crate::semantics::time::parse_time(s)
            .map(Value::DateTime)
            .ok_or_else(|| {
                let has_offset = s.trim().ends_with(['Z', 'z'])
                    || s.trim()
                        .rsplit_once('T')
                        .is_some_and(|(_, time)| time.contains(['+', '-']));
                let found = Found::text(s);
                let rfc3339 = crate::semantics::time::is_rfc3339(s.trim());
                let problem = if rfc3339 && crate::semantics::time::civil_part_is_valid(s) {
                    DataProblem::DateTimeOutOfRange { found }
                } else if !has_offset && s.trim().parse::<jiff::civil::DateTime>().is_ok() {
                    DataProblem::DateTimeWithoutOffset { found }
                } else if s.trim().parse::<jiff::Timestamp>().is_ok() {
                    // a parser would take it, but not as RFC 3339 says it
                    DataProblem::DateTimeNotRfc3339 { found }
                } else {
                    return wrong();
                };
                FieldError::new(Code::WrongType, path, problem)
            }),
        PlanType::Duration => crate::semantics::time::parse_duration(s)
            .map(Value::Duration)
            .ok_or_else(wrong),
        PlanType::Number | PlanType::Bool | PlanType::List(_) | PlanType::Record(_) => Err(wrong()),
    }
}

/// Checks that every required field of a decoded record is present.
pub fn check_required(
    plan: &FieldPlan,
    layout: LayoutId,
    slots: &[Value],
    path: Option<&FieldPath<'_>>,
) -> Result<(), FieldError> {
    for (slot, field) in plan.records[layout].fields.iter().enumerate() {
        if !field.optional && slots.get(slot).is_none_or(Value::is_missing) {
            let here = FieldPath {
                parent: path,
                segment: super::typed::Segment::Field(&field.name),
            };
            return Err(FieldError::new(
                Code::MissingRequired,
                &here,
                DataProblem::MissingRequired,
            ));
        }
    }
    Ok(())
}
