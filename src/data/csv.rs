//! CSV: a header row, dotted headers for nested fields (`company.size`), list fields as
//! JSON text in a cell, values typed by the plan.

use std::cell::RefCell;
use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::json::Failure;
use super::typed::{self, FieldError, FieldPath, Segment};
use super::{Contact, DataError, DataProblem, Found};
use crate::codes::Code;
use crate::compile::{FieldPlan, LayoutId, PlanType};
use crate::semantics::Value;

/// Where a column's values go: the slots from the contact down to the field.
#[derive(Debug, Clone)]
struct Column {
    /// `(layout, slot)` for each step; all but the last are nested records.
    steps: Vec<(LayoutId, usize)>,
    /// The header as written (the field path in errors).
    header: String,
}

/// Reads contacts from CSV text.
pub fn read<'a>(
    file: &'a str,
    text: &'a str,
    plan: &'a FieldPlan,
) -> Box<dyn Iterator<Item = Result<Contact, Box<DataError>>> + 'a> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            let mut error = DataError::new(
                Code::MalformedCsv,
                file,
                DataProblem::UnreadableCsvHeader {
                    reason: e.to_string(),
                },
            );
            error.line = Some(1);
            error.fatal = true;
            return Box::new(std::iter::once(Err(Box::new(error))));
        }
    };
    let columns: Vec<Option<Column>> = headers.iter().map(|h| column(plan, h)).collect();
    // two columns for one field would leave one of the values unused
    for (i, c) in columns.iter().enumerate() {
        let Some(c) = c else { continue };
        let same = |x: &Option<Column>| x.as_ref().is_some_and(|x| x.steps == c.steps);
        if let Some(first) = columns[..i].iter().position(same) {
            let mut error = DataError::new(
                Code::MalformedCsv,
                file,
                DataProblem::RepeatedColumn {
                    header: c.header.clone(),
                    first: first + 1,
                    second: i + 1,
                },
            );
            error.line = Some(1);
            error.fatal = true;
            return Box::new(std::iter::once(Err(Box::new(error))));
        }
    }
    if headers.len() <= 1 && headers.iter().next().is_none_or(|h| h.trim().is_empty()) {
        let mut error = DataError::new(Code::MalformedCsv, file, DataProblem::EmptyCsv);
        error.line = Some(1);
        error.fatal = true;
        return Box::new(std::iter::once(Err(Box::new(error))));
    }
    if !columns
        .iter()
        .flatten()
        .any(|c| c.steps.len() == 1 && c.steps[0] == (0, plan.id_slot))
    {
        let semicolons = headers.len() == 1 && headers.iter().any(|h| h.contains(';'));
        let mut error = DataError::new(
            Code::MissingContactId,
            file,
            DataProblem::NoIdColumn {
                id_field: plan.id_field.clone(),
                semicolons,
            },
        );
        error.line = Some(1);
        error.fatal = true;
        return Box::new(std::iter::once(Err(Box::new(error))));
    }
    let width = headers.len();
    let mut records = reader.into_records();
    Box::new(std::iter::from_fn(move || {
        let record = records.next()?;
        Some(match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                if record.len() != width {
                    let mut e = DataError::new(
                        Code::MalformedCsv,
                        file,
                        DataProblem::RowWidth {
                            cells: record.len(),
                            header: width,
                            spans_lines: record.iter().any(|cell| cell.contains('\n')),
                        },
                    );
                    e.line = Some(line);
                    e.id = id_cell(&columns, &record, plan);
                    Err(Box::new(e))
                } else {
                    decode_row(file, line, plan, &columns, &record)
                }
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                let mut error = DataError::new(Code::MalformedCsv, file, csv_problem(&e));
                error.line = line;
                Err(Box::new(error))
            }
        })
    }))
}

fn csv_problem(e: &::csv::Error) -> DataProblem {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => DataProblem::CsvNotUtf8,
        _ => DataProblem::MalformedCsv {
            reason: e.to_string(),
        },
    }
}

/// Resolves a dotted header to the plan's slots; `None` for columns no rule reads.
fn column(plan: &FieldPlan, header: &str) -> Option<Column> {
    let mut layout = 0;
    let mut steps = Vec::new();
    let parts: Vec<&str> = header.trim().split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let slot = plan.records[layout].slot(part)?;
        steps.push((layout, slot));
        if i + 1 < parts.len() {
            match &plan.records[layout].fields[slot].ty {
                PlanType::Record(next) => layout = *next,
                _ => return None,
            }
        }
    }
    Some(Column {
        steps,
        header: header.trim().to_string(),
    })
}

fn id_cell(
    columns: &[Option<Column>],
    record: &::csv::StringRecord,
    plan: &FieldPlan,
) -> Option<String> {
    columns.iter().zip(record.iter()).find_map(|(c, cell)| {
        let c = c.as_ref()?;
        (c.steps.len() == 1 && c.steps[0] == (0, plan.id_slot) && !cell.trim().is_empty())
            .then(|| cell.trim().to_string())
    })
}

/// A nested record being filled from several columns.
#[derive(Default)]
struct Partial {
    slots: Vec<Value>,
    children: Vec<Option<Partial>>,
}

impl Partial {
    fn new(plan: &FieldPlan, layout: LayoutId) -> Partial {
        let n = plan.records[layout].fields.len();
        Partial {
            slots: vec![Value::Missing; n],
            children: (0..n).map(|_| None).collect(),
        }
    }

    /// Nested records with at least one value become records. A CSV row cannot tell an
    /// absent record from one whose cells are all empty, so all-empty cells mean a missing
    /// record where the schema allows that, and a record of missing fields where it does not.
    fn finish(self, plan: &FieldPlan, layout: LayoutId) -> Vec<Value> {
        let mut slots = self.slots;
        for (slot, child) in self.children.into_iter().enumerate() {
            let field = &plan.records[layout].fields[slot];
            // a record written whole as JSON in its own column is already decoded
            if !slots[slot].is_missing() {
                continue;
            }
            if let PlanType::Record(child_layout) = &field.ty {
                // a required record exists even when none of its columns are in the file
                let child = match child {
                    Some(child) => child,
                    None if !field.optional => Partial::new(plan, *child_layout),
                    None => continue,
                };
                let values = child.finish(plan, *child_layout);
                if !field.optional || values.iter().any(|v| !v.is_missing()) {
                    slots[slot] = Value::Record(Arc::from(values));
                }
            }
        }
        slots
    }
}

fn decode_row(
    file: &str,
    line: usize,
    plan: &FieldPlan,
    columns: &[Option<Column>],
    record: &::csv::StringRecord,
) -> Result<Contact, Box<DataError>> {
    let mut root = Partial::new(plan, 0);
    let id = id_cell(columns, record, plan);
    let located = |f: FieldError| {
        let mut e = DataError::new(f.code, file, f.problem);
        e.field = Some(f.field);
        e.line = Some(line);
        e.id = id.clone();
        Box::new(e)
    };
    for (column, cell) in columns.iter().zip(record.iter()) {
        let Some(column) = column else { continue };
        let Some(&(last_layout, last_slot)) = column.steps.last() else {
            continue;
        };
        let ty = &plan.records[last_layout].fields[last_slot].ty;
        let path = FieldPath {
            parent: None,
            segment: Segment::Field(&column.header),
        };
        let value = cell_value(plan, cell, ty, &path).map_err(located)?;
        let mut target = &mut root;
        for &(layout, slot) in &column.steps[..column.steps.len() - 1] {
            let next_layout = match &plan.records[layout].fields[slot].ty {
                PlanType::Record(l) => *l,
                _ => layout,
            };
            target = target.children[slot].get_or_insert_with(|| Partial::new(plan, next_layout));
        }
        target.slots[last_slot] = value;
    }
    let slots = root.finish(plan, 0);
    let Some(id) = id.clone() else {
        let mut e = DataError::new(
            Code::MissingContactId,
            file,
            DataProblem::EmptyIdCell {
                id_field: plan.id_field.clone(),
            },
        );
        e.line = Some(line);
        return Err(Box::new(e));
    };
    check_required_nested(plan, 0, &slots, None).map_err(located)?;
    Ok(Contact { id, line, slots })
}

fn check_required_nested(
    plan: &FieldPlan,
    layout: LayoutId,
    slots: &[Value],
    path: Option<&FieldPath<'_>>,
) -> Result<(), FieldError> {
    typed::check_required(plan, layout, slots, path)?;
    for (slot, field) in plan.records[layout].fields.iter().enumerate() {
        if let (PlanType::Record(child), Value::Record(values)) = (&field.ty, &slots[slot]) {
            let here = FieldPath {
                parent: path,
                segment: Segment::Field(&field.name),
            };
            check_required_nested(plan, *child, values, Some(&here))?;
        }
    }
    Ok(())
}

/// Types one cell. Empty means missing.
fn cell_value(
    plan: &FieldPlan,
    cell: &str,
    ty: &PlanType,
    path: &FieldPath<'_>,
) -> Result<Value, FieldError> {
    // only an empty cell is missing; text is taken as written, other values may carry
    // spaces around them
    if cell.is_empty() {
        return Ok(Value::Missing);
    }
    let text = cell.trim();
    match ty {
        PlanType::String | PlanType::Enum(_) => typed::text_value(cell, ty, path),
        PlanType::Number => parse_number(text)
            .map(Value::Number)
            .ok_or_else(|| FieldError::wrong_type(path, ty, Found::text(cell))),
        PlanType::Bool => parse_bool(text)
            .map(Value::Bool)
            .ok_or_else(|| FieldError::wrong_type(path, ty, Found::text(cell))),
        PlanType::List(_) | PlanType::Record(_) => json_cell(plan, text, ty, path),
        PlanType::Dynamic => Ok(dynamic_cell(plan, text, path)),
        _ => typed::text_value(text, ty, path),
    }
}

/// A list or record written as JSON inside a cell.
fn json_cell(
    plan: &FieldPlan,
    text: &str,
    ty: &PlanType,
    path: &FieldPath<'_>,
) -> Result<Value, FieldError> {
    let failure = RefCell::new(None);
    let seed = super::json::CellSeed::new(plan, ty, path, &failure);
    let mut de = serde_json::Deserializer::from_str(text);
    match seed.deserialize(&mut de).and_then(|v| de.end().map(|_| v)) {
        Ok(v) => Ok(v),
        Err(e) => Err(match failure.into_inner() {
            Some(Failure::Field(f)) => f,
            // a cell is a field, so its value is never the contact itself
            Some(Failure::NotAContact(_)) | None => FieldError {
                code: Code::MalformedCsv,
                field: path.to_string(),
                problem: DataProblem::CellNotJson {
                    expected: ty.clone(),
                    reason: super::without_position(&e.to_string()).to_string(),
                },
            },
        }),
    }
}

/// Without schema, a cell is a number, true/false, JSON list, or text — whichever it reads as.
fn dynamic_cell(plan: &FieldPlan, text: &str, path: &FieldPath<'_>) -> Value {
    if let Some(n) = parse_number(text) {
        return Value::Number(n);
    }
    match text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if text.starts_with('[')
        && let Ok(v) = json_cell(plan, text, &PlanType::Dynamic, path)
    {
        return v;
    }
    Value::Str(Arc::from(text))
}

/// A number as spreadsheets export it: `1200`, `-3.5`, `1e3`. Thousands separators are not
/// accepted: `1,200` is ambiguous across locales.
fn parse_number(text: &str) -> Option<f64> {
    let n: f64 = text.parse().ok()?;
    // `inf` and `NaN` parse as f64 but are not numbers a CRM exports
    n.is_finite().then_some(n)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}
