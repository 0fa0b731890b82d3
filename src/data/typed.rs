//! Typing of single values against the plan, shared by the JSON and CSV readers.

use std::fmt;
use std::sync::Arc;

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
    pub message: String,
}

impl FieldError {
    /// "expected TYPE, found …" for the field at `path`.
    pub fn wrong_type(path: &FieldPath<'_>, ty: &PlanType, found: &str) -> FieldError {
        FieldError {
            code: Code::WrongType,
            field: path.to_string(),
            message: format!("expected {}, found {found}", ty.describe()),
        }
    }
}

/// Describes a found text value for an error, shortened.
pub fn found_text(s: &str) -> String {
    let shown: String = s.chars().take(40).collect();
    if shown.len() < s.len() {
        format!("text {shown:?}…")
    } else {
        format!("text {shown:?}")
    }
}

/// Types a text value (a JSON string, or a CSV cell for a text-like type).
pub fn text_value(s: &str, ty: &PlanType, path: &FieldPath<'_>) -> Result<Value, FieldError> {
    match ty {
        PlanType::String | PlanType::Dynamic => Ok(Value::Str(Arc::from(s))),
        PlanType::Enum(values) => {
            if values.iter().any(|v| v == s) {
                Ok(Value::Str(Arc::from(s)))
            } else {
                let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                let near = values.iter().find(|v| v.eq_ignore_ascii_case(s));
                let hint = match near {
                    Some(v) => format!(" (values are case-sensitive: did you mean \"{v}\"?)"),
                    None => String::new(),
                };
                Err(FieldError {
                    code: Code::BadEnumValue,
                    field: path.to_string(),
                    message: format!(
                        "{} is not one of {}{hint}",
                        found_text(s),
                        quoted.join(", ")
                    ),
                })
            }
        }
        PlanType::Date => s
            .trim()
            .parse::<jiff::civil::Date>()
            .map(Value::Date)
            .map_err(|_| FieldError::wrong_type(path, ty, &found_text(s))),
        PlanType::DateTime => crate::semantics::time::parse_time(s).map(Value::DateTime).ok_or_else(|| {
                                    let has_offset = s.trim().ends_with(['Z', 'z'])
                || s.trim().rsplit_once('T').is_some_and(|(_, time)| time.contains(['+', '-']));
            if has_offset && crate::syntax::civil_part_is_valid(s) {
                FieldError {
                    code: Code::WrongType,
                    field: path.to_string(),
                    message: format!(
                        "{} lies outside the datetimes qualify can represent (years -9999 to 9999, up to 9999-12-30)",
                        found_text(s)
                    ),
                }
            } else if s.trim().parse::<jiff::civil::DateTime>().is_ok() {
                FieldError {
                    code: Code::WrongType,
                    field: path.to_string(),
                    message: format!(
                        "{} has no UTC offset: add `Z` for UTC or an offset such as `+02:00`",
                        found_text(s)
                    ),
                }
            } else {
                FieldError::wrong_type(path, ty, &found_text(s))
            }
        }),
        PlanType::Duration => parse_duration(s)
            .map(Value::Duration)
            .ok_or_else(|| FieldError::wrong_type(path, ty, &found_text(s))),
        PlanType::Number | PlanType::Bool | PlanType::List(_) | PlanType::Record(_) => {
            Err(FieldError::wrong_type(path, ty, &found_text(s)))
        }
    }
}

/// A duration written as ISO 8601 (`P30D`, `PT12H`) or in words (`30 days`, `2 weeks`).
pub fn parse_duration(s: &str) -> Option<jiff::SignedDuration> {
    let s = s.trim();
    if let Ok(d) = s.parse::<jiff::SignedDuration>() {
        return Some(d);
    }
    let span: jiff::Span = s.parse().ok()?;
    // Calendar units (months, years) have no fixed length; only exact units are accepted.
    span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .ok()
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
            return Err(FieldError {
                code: Code::MissingRequired,
                field: here.to_string(),
                message: "required field is missing (the schema has no `?` after its type)"
                    .to_string(),
            });
        }
    }
    Ok(())
}
