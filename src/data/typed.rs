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

/// The memory of decoded contacts, kept for the next ones: emptied slot vectors and id
/// texts, and unshared lists and records (all their values missing) by length. A run hands
/// each contact back ([`super::Contact::recycle`]) once its sink has seen it, on the thread
/// that decoded it, so in a steady state decoding a contact allocates nothing: the pool is
/// refilled by the contacts of the chunk before.
#[derive(Default)]
struct Pool {
    /// Emptied slot vectors of contacts.
    slots: Vec<Vec<Value>>,
    /// Emptied id texts of contacts.
    ids: Vec<String>,
    /// Unshared slices of missing values, by length: lists and nested records.
    slices: Vec<Vec<Arc<[Value]>>>,
    /// How many slices of each length the pool may keep: one more each time one was asked
    /// for and none was there. So it keeps no more than decoding has needed at once, and
    /// nothing of what no decoder takes from it (the records of CSV rows).
    room: Vec<usize>,
    /// How many slot vectors and ids it may keep, likewise.
    contact_room: usize,
    /// How many values the pool holds (slices' lengths and slot vectors' capacities),
    /// against [`POOLED_VALUES`].
    held: usize,
    /// The elements of the lists being read, innermost last (a list's elements are on top
    /// of its enclosing list's while it is read).
    stack: Vec<Value>,
}

/// At most this many values (24 bytes each) are kept per thread: the pieces a worker may
/// have in flight (up to eight chunks of 256 KiB, about 65,000 values each for the
/// reference schema); past that what is handed back is freed. The pool holds no more than
/// decoding has needed at once (see `Pool::room`), so this is only a bound.
const POOLED_VALUES: usize = 1 << 20;

/// Lists and records longer than this are not kept.
const POOLED_LENGTH: usize = 1024;

/// At most this many contacts' slot vectors and id texts are kept per thread.
const POOLED_CONTACTS: usize = 1 << 14;

thread_local! {
    /// This thread's pool.
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

impl Pool {
    /// Takes back one value's lists and records (and, inside them, theirs) where no one
    /// else holds them.
    fn reclaim(&mut self, value: Value) {
        let (Value::List(mut slice) | Value::Record(mut slice)) = value else {
            return;
        };
        let Some(items) = Arc::get_mut(&mut slice) else {
            return; // shared (a `let` or another value still holds it): dropped, not kept
        };
        for item in items.iter_mut() {
            match item {
                Value::List(_) | Value::Record(_) => self.reclaim(std::mem::take(item)),
                // texts and the rest are released here, so that what is kept holds nothing
                _ => *item = Value::Missing,
            }
        }
        let len = items.len();
        let room = self.room.get(len).copied().unwrap_or(0);
        if self.slices.get(len).map_or(0, Vec::len) >= room || self.held + len > POOLED_VALUES {
            return;
        }
        if self.slices.len() <= len {
            self.slices.resize_with(len + 1, Vec::new);
        }
        self.held += len;
        self.slices[len].push(slice);
    }

    /// An unshared slice of `len` missing values.
    fn slice(&mut self, len: usize) -> Arc<[Value]> {
        if let Some(slice) = self.slices.get_mut(len).and_then(Vec::pop) {
            self.held -= len;
            return slice;
        }
        if len <= POOLED_LENGTH {
            if self.room.len() <= len {
                self.room.resize(len + 1, 0);
            }
            self.room[len] += 1;
        }
        std::iter::repeat_n(Value::Missing, len).collect()
    }
}

/// A record of `fields` missing values to be filled, unshared: from the pool when it has
/// one of that length.
pub fn record(fields: usize) -> Arc<[Value]> {
    POOL.with_borrow_mut(|pool| pool.slice(fields))
}

/// Where the elements of a list about to be read start on the thread's list stack
/// ([`push_element`], [`list_from`]).
pub fn list_start() -> usize {
    POOL.with_borrow(|pool| pool.stack.len())
}

/// Puts the next element of the list being read on the stack.
pub fn push_element(value: Value) {
    POOL.with_borrow_mut(|pool| pool.stack.push(value));
}

/// The list of the elements pushed since `start` (taking them off the stack), in a slice
/// from the pool when it has one of that length.
pub fn list_from(start: usize) -> Value {
    POOL.with_borrow_mut(|pool| {
        let start = start.min(pool.stack.len());
        let len = pool.stack.len() - start;
        let mut slice = pool.slice(len);
        match Arc::get_mut(&mut slice) {
            Some(items) => {
                for (item, value) in items.iter_mut().zip(pool.stack.drain(start..)) {
                    *item = value;
                }
            }
            // a slice from the pool is never shared; should one be, a new list is made
            None => slice = pool.stack.drain(start..).collect(),
        }
        Value::List(slice)
    })
}

/// Drops the elements pushed since `start` (a list that could not be read whole).
pub fn abandon_list(start: usize) {
    POOL.with_borrow_mut(|pool| pool.stack.truncate(start));
}

/// A contact's slot vector of `len` missing values: an emptied one of an earlier contact
/// when the pool has one.
pub fn contact_slots(len: usize) -> Vec<Value> {
    let mut slots = POOL
        .with_borrow_mut(|pool| {
            let Some(slots) = pool.slots.pop() else {
                pool.contact_room = (pool.contact_room + 1).min(POOLED_CONTACTS);
                return None;
            };
            pool.held -= slots.capacity();
            Some(slots)
        })
        .unwrap_or_default();
    slots.resize(len, Value::Missing);
    slots
}

thread_local! {
    /// The id of the record being decoded, when no rule reads the id field (see
    /// [`hold_id`]).
    static HELD_ID: RefCell<Option<String>> = const { RefCell::new(None) };
    /// What the id field's slot holds then: one shared empty text.
    static NO_ID_VALUE: Arc<str> = Arc::from("");
}

/// Keeps the id text of the record being decoded for [`take_held_id`] and gives what its
/// slot holds instead: where no rule reads the id, building a text value for it would be
/// the one allocation left per contact.
pub fn hold_id(id: &str) -> Value {
    let text = id_text(id);
    HELD_ID.with_borrow_mut(|held| *held = Some(text));
    Value::Str(NO_ID_VALUE.with(Arc::clone))
}

/// What the id field's slot holds where no rule reads the id: one shared empty text.
pub fn unread_id() -> Value {
    Value::Str(NO_ID_VALUE.with(Arc::clone))
}

/// The id held by [`hold_id`] for the record just decoded, if any (and forgets it).
pub fn take_held_id() -> Option<String> {
    HELD_ID.with_borrow_mut(Option::take)
}

/// An id text holding `id`: an emptied one of an earlier contact when the pool has one.
pub fn id_text(id: &str) -> String {
    let mut text = POOL
        .with_borrow_mut(|pool| pool.ids.pop())
        .unwrap_or_default();
    text.push_str(id);
    text
}

/// Keeps a slot vector no contact holds (a nested record's, filled into a pooled record)
/// for the next contacts decoded on this thread.
pub fn recycle_slots(slots: Vec<Value>) {
    POOL.with_borrow_mut(|pool| {
        if pool.slots.len() < pool.contact_room && pool.held + slots.capacity() <= POOLED_VALUES {
            let mut slots = slots;
            slots.clear();
            pool.held += slots.capacity();
            pool.slots.push(slots);
        }
    });
}

/// Keeps a finished contact's memory for the next contacts decoded on this thread.
pub fn recycle(id: String, slots: Vec<Value>) {
    POOL.with_borrow_mut(|pool| {
        let mut slots = slots;
        for value in slots.drain(..) {
            // most values hold no list or record: dropped where they are
            if let Value::List(_) | Value::Record(_) = value {
                pool.reclaim(value);
            }
        }
        if pool.slots.len() < pool.contact_room && pool.held + slots.capacity() <= POOLED_VALUES {
            pool.held += slots.capacity();
            pool.slots.push(slots);
        }
        if pool.ids.len() < pool.contact_room {
            let mut id = id;
            id.clear();
            pool.ids.push(id);
        }
    });
}
