//! A JSON record read through a mapping in one pass: the fast reader walks the record
//! along the header's key paths, each scalar's text taken where it lies (for the column's
//! options to read as a CSV cell's) or typed there where the column's options cannot
//! change it, each list or record a column reads whole decoded in place by the plan's
//! seeds, as the plain reader decodes it ([`row`]). An activity whose mapping only renames
//! its fields is decoded straight into its element, with no cells at all ([`element`]).
//!
//! It reads strictly what the full reader of mapped records accepts (valid JSON, no key
//! twice in any object, paths only through objects, no number out of range), and gives the
//! cells that reader gives; anything else — a list where a column wants text, a value of
//! the wrong type, nesting past the fast reader's limit — is refused, and the record is read as cells of
//! text ([`crate::data::csv::json_row_fast`]) or by the full reader
//! ([`super::strict_object`], then [`crate::data::csv::json_row`]), which word any error.
//! Tests hold the paths to the same contacts and elements.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::fast::{self, Refused, Scalar};
use super::{Failure, RecordOrNull, RecordSeed, ValueSeed};
use crate::compile::{FieldPlan, LayoutId, PlanType};
use crate::data::csv::{Header, InPlace, Row};
use crate::data::paths::{Node, Step};
use crate::data::typed::{self, FieldPath, Segment};
use crate::semantics::Value;

/// One cell of a mapped record.
enum Cell {
    /// Nothing at the path, or `null`.
    Empty,
    /// Text of the record without escapes: its byte range.
    Span(usize, usize),
    /// Text in the row's own buffer (a string with escapes, a number as serde_json writes
    /// it): its byte range there.
    Own(usize, usize),
    Bool(bool),
    /// A list or record decoded in place.
    Value(Value),
}

/// The cells of one JSON record under a mapping's header.
pub struct MappedRow<'b> {
    text: &'b str,
    /// Each cell, and whether the path written as one key (`"a.b"`) gave it: that one wins
    /// over the path key by key, as in the full reader.
    cells: Vec<(Cell, bool)>,
    own: String,
}

/// A row's cells and its own text.
type Buffers = (Vec<(Cell, bool)>, String);

thread_local! {
    /// Emptied buffers of rows read on this thread, for the next rows.
    static POOL: RefCell<Vec<Buffers>> = const { RefCell::new(Vec::new()) };
}

impl Drop for MappedRow<'_> {
    fn drop(&mut self) {
        let mut cells = std::mem::take(&mut self.cells);
        let mut own = std::mem::take(&mut self.own);
        cells.clear();
        own.clear();
        POOL.with_borrow_mut(|pool| {
            if pool.len() < 8 {
                pool.push((cells, own));
            }
        });
    }
}

impl Row for MappedRow<'_> {
    fn cell(&self, at: usize) -> &str {
        match self.cells.get(at) {
            Some((Cell::Span(a, b), _)) => self.text.get(*a..*b).unwrap_or_default(),
            Some((Cell::Own(a, b), _)) => self.own.get(*a..*b).unwrap_or_default(),
            Some((Cell::Bool(true), _)) => "true",
            Some((Cell::Bool(false), _)) => "false",
            // a value decoded in place is taken before any text of its cell is asked for
            Some((Cell::Empty | Cell::Value(_), _)) | None => "",
        }
    }

    fn take_value(&mut self, at: usize) -> Option<Value> {
        let cell = self.cells.get_mut(at)?;
        match std::mem::replace(&mut cell.0, Cell::Empty) {
            Cell::Value(v) => Some(v),
            other => {
                cell.0 = other;
                None
            }
        }
    }
}

/// The cells of the JSON record `text` under `header` (a header of key paths), or `None`
/// where the full reader must read it.
pub fn row<'b>(plan: &FieldPlan, header: &Header, text: &'b str) -> Option<MappedRow<'b>> {
    let paths = header.paths()?;
    let (cells, own) = POOL.with_borrow_mut(Vec::pop).unwrap_or_default();
    let mut row = MappedRow { text, cells, own };
    row.cells
        .resize_with(header.width(), || (Cell::Empty, false));
    // the failure a seed records is not needed: a refused record is read again
    let failure = RefCell::new(None);
    let walk = Walk {
        plan,
        header,
        base: text.as_ptr() as usize,
        failure: &failure,
    };
    let seed = NodeSeed {
        walk: &walk,
        node: paths.root(),
        root: true,
        row: &mut row,
    };
    fast::decode_strict(text, seed).ok()?;
    Some(row)
}

/// The element of layout `layout` that the JSON record `text` of activities is, under
/// `header` (a header of key paths into the element), decoded straight into the element
/// where the header only renames its fields ([`Header::direct`]) and every value is typed
/// where it lies; `None` where the record must be read as a row of cells (or by the full
/// reader), which then gives the same element or words the error.
pub fn element(plan: &FieldPlan, header: &Header, layout: LayoutId, text: &str) -> Option<Value> {
    if !header.direct() {
        return None;
    }
    let paths = header.paths()?;
    let fields = &plan.records[layout].fields;
    let mut record = typed::record(fields.len());
    let slots = Arc::get_mut(&mut record)?;
    let failure = RefCell::new(None);
    let walk = Walk {
        plan,
        header,
        base: text.as_ptr() as usize,
        failure: &failure,
    };
    let root = paths.root();
    // each key's value typed into its field's slot, as a row's cell would be
    fast::object_strict(text, |key, value| {
        let at = root.find(key).and_then(|s| s.column).map(|(at, _)| at);
        let Some((at, slot)) = at.and_then(|at| Some((at, walk.header.direct_slot(at)?))) else {
            return Ok(());
        };
        let leaf = LeafSeed {
            walk: &walk,
            at,
            row: None,
        };
        slots[slot] = match value.scalar()? {
            Scalar::Null => Value::Missing,
            Scalar::Bool(b) => leaf.bool(b).ok_or(Refused)?,
            Scalar::Number(n) => match leaf.number(n) {
                Some(Cell::Value(v)) => v,
                _ => return Err(Refused),
            },
            Scalar::Text(s) => match leaf.text(s) {
                Some(Some(Cell::Value(v))) => v,
                _ => return Err(Refused),
            },
            Scalar::Nested => match value.decode(leaf)? {
                Cell::Value(v) => v,
                _ => return Err(Refused),
            },
        };
        Ok(())
    })
    .ok()?;
    // a required record with no value would be one of missing fields, as a row of cells
    // makes it; and a required field missing is an error the row of cells words
    let incomplete = fields
        .iter()
        .zip(slots.iter())
        .any(|(f, v)| !f.optional && v.is_missing());
    (!incomplete).then_some(Value::Record(record))
}

/// What every seed of one record shares.
struct Walk<'a> {
    plan: &'a FieldPlan,
    header: &'a Header,
    /// Where the record's text starts in memory: a borrowed string's place in it.
    base: usize,
    failure: &'a RefCell<Option<Failure>>,
}

/// Refuses the record (the fast reader's error says only that).
fn refuse<E: de::Error>() -> E {
    E::custom("left to the full reader")
}

/// An object whose keys lead along `node` (the record itself where `root`).
struct NodeSeed<'a, 'r, 'b> {
    walk: &'a Walk<'a>,
    node: &'a Node,
    root: bool,
    row: &'r mut MappedRow<'b>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(step) = map.next_key_seed(StepSeed(self.node))? {
            let Some(step) = step else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match (step.column, &step.child) {
                (Some((at, literal)), None) => {
                    // the path written as one key wins over the path key by key
                    if !literal && self.row.cells[at].1 {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let cell = map.next_value_seed(LeafSeed {
                        walk: self.walk,
                        at,
                        row: Some(&mut *self.row),
                    })?;
                    self.row.cells[at] = (cell, literal);
                }
                (None, Some(child)) => map.next_value_seed(NodeSeed {
                    walk: self.walk,
                    node: child,
                    root: false,
                    row: &mut *self.row,
                })?,
                // a key that is both a column and the start of a longer path
                _ => return Err(refuse()),
            }
        }
        Ok(())
    }

    // a path through `null` leads nowhere; the record itself must be an object
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.root { Err(refuse()) } else { Ok(()) }
    }
}

/// A key, as the step of `node` it is (if any).
struct StepSeed<'a>(&'a Node);

impl<'de, 'a> DeserializeSeed<'de> for StepSeed<'a> {
    type Value = Option<&'a Step>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<&'a Step>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'a> Visitor<'de> for StepSeed<'a> {
    type Value = Option<&'a Step>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<&'a Step>, E> {
        Ok(self.0.find(key))
    }
}

/// The value of column `at`: into a row's cells, or (without a row) typed where it lies
/// or refused.
struct LeafSeed<'a, 'r, 'b> {
    walk: &'a Walk<'a>,
    at: usize,
    row: Option<&'r mut MappedRow<'b>>,
}

impl LeafSeed<'_, '_, '_> {
    /// A cell of text written into the row's own buffer (none without a row).
    fn own(self, write: impl FnOnce(&mut String)) -> Option<Cell> {
        let row = self.row?;
        let start = row.own.len();
        write(&mut row.own);
        Some(Cell::Own(start, row.own.len()))
    }

    /// How the column's scalars are typed where they lie, if they are.
    fn scalar(&self) -> Option<InPlace<'_>> {
        self.walk.header.scalar_in_place(self.walk.plan, self.at)
    }

    /// A number typed where it lies, as its text would be (where the column lets it).
    fn number(&self, n: f64) -> Option<Cell> {
        let scalar = self.scalar()?;
        (scalar.numbers && *scalar.ty == PlanType::Number).then_some(Cell::Value(Value::Number(n)))
    }

    /// A boolean typed where it lies (where the column is one).
    fn bool(&self, b: bool) -> Option<Value> {
        match self.scalar() {
            Some(InPlace {
                ty: PlanType::Bool, ..
            }) => Some(Value::Bool(b)),
            _ => None,
        }
    }

    /// A whole number: typed where it lies, else its digits as the cell's text.
    fn whole<E: de::Error>(self, value: f64, digits: impl fmt::Display) -> Result<Cell, E> {
        if let Some(cell) = self.number(value) {
            return Ok(cell);
        }
        self.own(|out| {
            let _ = write!(out, "{digits}");
        })
        .ok_or_else(refuse)
    }

    /// A text typed where it lies, as a cell of it would be (where the column lets it):
    /// missing when empty or a missing spelling; `Some(None)` for a text its type refuses
    /// (the full reader words why).
    fn text(&self, s: &str) -> Option<Option<Cell>> {
        let scalar = self.scalar()?;
        // text is taken as written, other values trimmed, as in a cell
        let text = match scalar.ty {
            PlanType::String | PlanType::Enum(_) => s,
            PlanType::Date | PlanType::DateTime | PlanType::Duration => s.trim(),
            _ => return None,
        };
        // (trimmed only where there are missing spellings: most columns have none)
        if s.is_empty() || scalar.missing.iter().any(|m| m == s.trim()) {
            return Some(Some(Cell::Value(Value::Missing)));
        }
        let path = FieldPath {
            parent: None,
            segment: Segment::Field(""),
        };
        Some(
            crate::data::typed::text_value(text, scalar.ty, &path)
                .ok()
                .map(Cell::Value),
        )
    }

    /// The seed that decodes the column's list or record in place, if it reads one whole.
    fn in_place<R>(&self, decode: impl FnOnce(ValueSeed<'_>) -> R) -> Option<R> {
        let (ty, header) = self.walk.header.in_place(self.walk.plan, self.at)?;
        let path = FieldPath {
            parent: None,
            segment: Segment::Field(header),
        };
        Some(decode(ValueSeed {
            plan: self.walk.plan,
            ty,
            path: &path,
            failure: self.walk.failure,
            id: false,
        }))
    }
}

impl<'de> DeserializeSeed<'de> for LeafSeed<'_, '_, '_> {
    type Value = Cell;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LeafSeed<'_, '_, '_> {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Empty)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Cell, E> {
        // `true` and `false` are spellings of every column
        match self.bool(b) {
            Some(v) => Ok(Cell::Value(v)),
            None if self.row.is_none() => Err(refuse()),
            None => Ok(Cell::Bool(b)),
        }
    }

    // numbers as the full reader writes them: whole ones in digits, others as serde_json
    // writes an `f64`
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Cell, E> {
        self.whole(n as f64, n)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Cell, E> {
        self.whole(n as f64, n)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Cell, E> {
        if let Some(cell) = self.number(n) {
            return Ok(cell);
        }
        let number = serde_json::Number::from_f64(n).ok_or_else(refuse)?;
        self.own(|out| {
            let _ = write!(out, "{number}");
        })
        .ok_or_else(refuse)
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Cell, E> {
        if let Some(typed) = self.text(s) {
            return typed.ok_or_else(refuse);
        }
        if self.row.is_none() {
            return Err(refuse());
        }
        let start = (s.as_ptr() as usize).wrapping_sub(self.walk.base);
        Ok(Cell::Span(start, start + s.len()))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Cell, E> {
        if let Some(typed) = self.text(s) {
            return typed.ok_or_else(refuse);
        }
        self.own(|out| out.push_str(s)).ok_or_else(refuse)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Cell, A::Error> {
        let decoded = self.in_place(|seed| match seed.ty {
            PlanType::List(_) | PlanType::Dynamic => seed.visit_seq(seq).map(Cell::Value),
            _ => Err(refuse()),
        });
        decoded.unwrap_or_else(|| Err(refuse()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell, A::Error> {
        let decoded = self.in_place(|seed| match seed.ty {
            PlanType::Record(layout) => RecordOrNull(RecordSeed {
                plan: seed.plan,
                layout: *layout,
                path: Some(seed.path),
                failure: seed.failure,
            })
            .visit_map(map)
            .map(Cell::Value),
            _ => Err(refuse()),
        });
        decoded.unwrap_or_else(|| Err(refuse()))
    }
}

#[cfg(test)]
mod tests;
