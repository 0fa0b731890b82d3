//! JSON Lines and JSON arrays, decoded with serde seeds driven by the field plan: keys the
//! program does not read are skipped without building values. The seeds run over our own
//! reader first ([`fast`]); a record it refuses is decoded again with serde_json, whose
//! errors (and their places) are the ones reported.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

mod fast;
pub mod mapped;

use super::scan;
use super::typed::{self, FieldError, FieldPath, Segment};
use super::{
    Contact, DataError, DataProblem, Found, JsonProblem, Kind, MAX_EXACT_ID, MAX_NESTING,
    MAX_RECORD_BYTES,
};
use crate::codes::Code;
use crate::compile::{FieldPlan, LayoutId, PlanType};
use crate::semantics::Value;

/// The non-blank lines of JSON Lines text whose first line is number `first`, with their
/// numbers (a trailing `\r` dropped): the records, found without decoding them.
pub fn lines(bytes: &[u8], first: usize) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = Some(bytes);
    let mut number = first;
    std::iter::from_fn(move || {
        loop {
            let text = rest?;
            let line = match scan::find_newline(text) {
                Some(end) => {
                    rest = Some(&text[end + 1..]);
                    &text[..end]
                }
                None => {
                    rest = None;
                    text
                }
            };
            number += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !line.trim_ascii().is_empty() {
                return Some((number - 1, line));
            }
        }
    })
}

/// Decodes one line of a JSON Lines text (its number for messages).
pub fn decode_line(
    file: &str,
    line: &[u8],
    number: usize,
    plan: &FieldPlan,
) -> Result<Contact, Box<DataError>> {
    decode_bytes(file, line, number, 1, plan)
}

/// Decodes one JSON object whose text starts at `line`/`column` of the file: with the fast
/// reader ([`fast`]), and when it refuses the record, with serde_json, which then words the
/// error as it always has.
pub fn decode_bytes(
    file: &str,
    bytes: &[u8],
    line: usize,
    column: usize,
    plan: &FieldPlan,
) -> Result<Contact, Box<DataError>> {
    if bytes.len() <= MAX_RECORD_BYTES
        && let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(slots) = decode_fast(text, plan)
    {
        return contact(file, line, column, plan, slots);
    }
    decode_general(file, bytes, line, column, plan)
}

/// Whether `text` is one JSON value the full reader of mapped records accepts (no key twice
/// in any object, no number out of range), checked without building it; `false` also for
/// what it leaves to that reader (nesting past [`MAX_NESTING`]).
pub fn strictly_valid(text: &str) -> bool {
    fast::decode_strict(text, std::marker::PhantomData::<IgnoredAny>).is_ok()
}

/// The slots of a record as the fast reader reads them, or its refusal.
fn decode_fast(text: &str, plan: &FieldPlan) -> Result<Vec<Value>, fast::Refused> {
    // an id held for a record that then failed is not this record's
    drop(typed::take_held_id());
    // the failure a seed records is not needed: a refused record is decoded again
    let failure = RefCell::new(None);
    let seed = RecordSeed {
        plan,
        layout: 0,
        path: None,
        failure: &failure,
    };
    fast::decode(text, seed)
}

/// Checks what the parser must not see (too large, not UTF-8, too deep), then decodes one
/// JSON object whose text starts at `line`/`column` of the file with serde_json.
fn decode_general(
    file: &str,
    bytes: &[u8],
    line: usize,
    column: usize,
    plan: &FieldPlan,
) -> Result<Contact, Box<DataError>> {
    drop(typed::take_held_id());
    let refuse = |problem: DataProblem, offset: usize| {
        let mut e = DataError::new(Code::MalformedJson, file, problem);
        let (l, c) = scan::place(bytes, line, column, offset);
        e.line = Some(l);
        e.column = Some(c);
        e.id = scan::recover_id(bytes, &plan.id_field);
        Err(Box::new(e))
    };
    if bytes.len() > MAX_RECORD_BYTES {
        let limit = MAX_RECORD_BYTES;
        return refuse(DataProblem::RecordTooLarge { limit }, 0);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return refuse(DataProblem::NotUtf8, e.valid_up_to()),
    };
    if let Some(offset) = scan::too_deep(bytes) {
        let limit = MAX_NESTING;
        return refuse(DataProblem::TooDeep { limit }, offset);
    }
    decode_record(file, text, line, column, plan)
}

/// Decodes one JSON object whose text starts at `line`/`column` of the file.
fn decode_record(
    file: &str,
    json: &str,
    line: usize,
    column: usize,
    plan: &FieldPlan,
) -> Result<Contact, Box<DataError>> {
    let failure = RefCell::new(None);
    let seed = RecordSeed {
        plan,
        layout: 0,
        path: None,
        failure: &failure,
    };
    let mut de = serde_json::Deserializer::from_str(json);
    let result = seed
        .deserialize(&mut de)
        .and_then(|slots| de.end().map(|_| slots));
    let locate = |at: (usize, usize), error: &mut DataError| {
        let (l, c) = in_file((line, column), at);
        (error.line, error.column) = (Some(l), Some(c));
    };
    match result {
        Ok(slots) => contact(file, line, column, plan, slots),
        Err(e) => {
            let (mut error, at) = match failure.into_inner() {
                Some(Failure::Field(FieldError {
                    code,
                    field,
                    problem,
                })) => {
                    let mut error = DataError::new(code, file, problem);
                    error.field = Some(field);
                    // serde_json stops after the value; point at its start instead
                    (error, value_start(json, e.line(), e.column()))
                }
                Some(Failure::NotAContact(found)) => (
                    DataError::new(
                        Code::MalformedJson,
                        file,
                        malformed(JsonProblem::NotAContact(found)),
                    ),
                    char_position(json, e.line(), e.column()),
                ),
                // serde_json words this one only in text; it is a value, not a syntax error
                None if e.to_string().starts_with("number out of range") => (
                    DataError::new(
                        Code::WrongType,
                        file,
                        DataProblem::NumberOutOfRange { found: None },
                    ),
                    value_start(json, e.line(), e.column()),
                ),
                None => (
                    DataError::new(Code::MalformedJson, file, malformed(syntax(&e))),
                    char_position(json, e.line(), e.column()),
                ),
            };
            locate(at, &mut error);
            error.id = scan::recover_id(json.as_bytes(), &plan.id_field);
            Err(Box::new(error))
        }
    }
}

/// serde_json's line and byte column as a line and a column in characters.
fn char_position(json: &str, line: usize, byte_column: usize) -> (usize, usize) {
    let line_start: usize = json
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &json[line_start.min(json.len())..];
    let mut end = byte_column.saturating_sub(1).min(rest.len());
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    (line, rest[..end].chars().count() + 1)
}

/// The line and column where the value that ends at (`line`, `column`) of `json` starts:
/// the opening quote of a string, the `{` or `[` of an object or list, the first letter of
/// `null`, `true` or `false`.
pub(super) fn value_start(json: &str, line: usize, column: usize) -> (usize, usize) {
    let start = value_offset(json, line, column);
    let before = &json[..start];
    let line_of_start = before.matches('\n').count() + 1;
    let column_of_start = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line_of_start, column_of_start)
}

/// The byte offset in `json` where the value that ends at (`line`, `column`) starts (see
/// [`value_start`]).
fn value_offset(json: &str, line: usize, column: usize) -> usize {
    let line_start: usize = json
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    // serde_json counts columns in bytes
    let mut last = (line_start + column.saturating_sub(1)).min(json.len().saturating_sub(1));
    while !json.is_char_boundary(last) {
        last -= 1;
    }
    let Some(last_char) = json[last..].chars().next() else {
        return last;
    };
    // scan from the start, remembering where each open value began
    let mut stack: Vec<usize> = Vec::new();
    let mut string_start = None;
    let mut escaped = false;
    let mut start = last;
    for (i, c) in json.char_indices() {
        if i > last {
            break;
        }
        if let Some(open) = string_start {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    string_start = None;
                    if i == last {
                        start = open;
                    }
                }
                _ => {}
            }
            continue;
        }
        match c {
            '"' => string_start = Some(i),
            '{' | '[' => stack.push(i),
            '}' | ']' => {
                let open = stack.pop();
                if i == last {
                    start = open.unwrap_or(last);
                }
            }
            _ => {}
        }
    }
    if last_char.is_ascii_digit() || last_char == '.' {
        // a number: back to its first character
        let bytes = json.as_bytes();
        start = last;
        while start > 0
            && matches!(
                bytes[start - 1],
                b'0'..=b'9' | b'+' | b'-' | b'.' | b'e' | b'E'
            )
        {
            start -= 1;
        }
    }
    for word in ["null", "true", "false"] {
        if last_char == word.as_bytes()[word.len() - 1] as char && json[..=last].ends_with(word) {
            start = last + 1 - word.len();
        }
    }
    start
}

/// The path of the member whose value starts at byte `start` of the object `json`, in the
/// export's own keys (as they spell them, escapes read): `Employees`, `notes.deep`,
/// `events[2].amount`; `None` where `start` is no member's value.
pub(super) fn member_key(json: &str, start: usize) -> Option<String> {
    /// An object or array open at `start`: an object's key being read (and whether its
    /// `:` came), an array's index.
    struct Open {
        object: bool,
        key: Option<std::ops::Range<usize>>,
        keyed: bool,
        index: usize,
    }
    let bytes = json.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let (mut string_start, mut escaped) = (None, false);
    for (i, &b) in bytes.iter().enumerate().take(start) {
        if let Some(from) = string_start {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    string_start = None;
                    // a string in an object before its `:` is the member's key
                    if let Some(top) = open.last_mut().filter(|t| t.object && !t.keyed) {
                        top.key = Some(from..i + 1);
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => string_start = Some(i),
            b'{' | b'[' => open.push(Open {
                object: b == b'{',
                key: None,
                keyed: false,
                index: 0,
            }),
            b'}' | b']' => {
                open.pop();
            }
            b':' => {
                if let Some(top) = open.last_mut().filter(|t| t.object) {
                    top.keyed = top.key.is_some();
                }
            }
            b',' => {
                if let Some(top) = open.last_mut() {
                    top.index += 1;
                    top.key = None;
                    top.keyed = false;
                }
            }
            _ => {}
        }
    }
    if open.is_empty() || string_start.is_some() {
        return None;
    }
    let mut path = String::new();
    for (depth, o) in open.iter().enumerate() {
        if o.object {
            if !o.keyed {
                return None;
            }
            let key: String = serde_json::from_str(json.get(o.key.clone()?)?).ok()?;
            if depth > 0 {
                path.push('.');
            }
            path.push_str(&key);
        } else if depth == 0 {
            // the record itself is an array: no member
            return None;
        } else {
            path.push_str(&format!("[{}]", o.index));
        }
    }
    Some(path)
}

/// A place in a record's text that starts at `start` (line and column) of its file, as
/// serde_json counts it (from the start of the text), as a place in the file.
pub(super) fn in_file(start: (usize, usize), (l, c): (usize, usize)) -> (usize, usize) {
    if l <= 1 {
        (start.0, start.1 + c.saturating_sub(1))
    } else {
        (start.0 + l - 1, c)
    }
}

/// Where in its file the number too large for an `f64` that serde_json stopped after, at
/// (`line`, `column`) of the JSON object `json` (which starts at `start` of the file),
/// starts, and the path of the member it is the value of ([`member_key`]).
pub(super) fn out_of_range_at(
    json: &str,
    start: (usize, usize),
    (line, column): (usize, usize),
) -> ((usize, usize), Option<String>) {
    let key = member_key(json, value_offset(json, line, column));
    (in_file(start, value_start(json, line, column)), key)
}

/// Builds the contact from decoded slots: the id, then required fields.
fn contact(
    file: &str,
    line: usize,
    column: usize,
    plan: &FieldPlan,
    slots: Vec<Value>,
) -> Result<Contact, Box<DataError>> {
    let held = typed::take_held_id();
    let empty = match (&held, slots.get(plan.id_slot)) {
        (Some(id), _) => id.trim().is_empty(),
        (None, Some(Value::Str(s))) => s.trim().is_empty(),
        _ => false,
    };
    if empty {
        let mut e = DataError::new(
            Code::MissingContactId,
            file,
            DataProblem::EmptyId {
                id_field: plan.id_field.clone(),
            },
        );
        e.line = Some(line);
        e.column = Some(column);
        return Err(Box::new(e));
    }
    let id = match (held, slots.get(plan.id_slot)) {
        (Some(id), _) => id,
        (None, slot) => match slot {
            Some(Value::Str(s)) => typed::id_text(s),
            Some(Value::Number(n)) if n.fract() == 0.0 && n.abs() < MAX_EXACT_ID as f64 => {
                let mut id = typed::id_text("");
                crate::semantics::value::write_number(&mut id, *n);
                id
            }
            Some(Value::Number(_)) => {
                let mut e = DataError::new(Code::WrongType, file, DataProblem::InexactNumericId);
                e.field = Some(plan.id_field.clone());
                e.line = Some(line);
                e.column = Some(column);
                return Err(Box::new(e));
            }
            Some(Value::Missing) | None => {
                let mut e = DataError::new(
                    Code::MissingContactId,
                    file,
                    DataProblem::MissingId {
                        id_field: plan.id_field.clone(),
                    },
                );
                e.line = Some(line);
                e.column = Some(column);
                return Err(Box::new(e));
            }
            Some(other) => {
                let mut e = DataError::new(
                    Code::WrongType,
                    file,
                    DataProblem::IdWrongType {
                        found: other.clone(),
                    },
                );
                e.field = Some(plan.id_field.clone());
                e.line = Some(line);
                e.column = Some(column);
                return Err(Box::new(e));
            }
        },
    };
    if let Err(f) = typed::check_required(plan, 0, &slots, None) {
        let mut e = DataError::new(f.code, file, f.problem);
        e.field = Some(f.field);
        e.line = Some(line);
        e.column = Some(column);
        e.id = Some(id);
        return Err(Box::new(e));
    }
    Ok(Contact { id, line, slots })
}

/// serde_json's reason without its trailing position (the error is located on its own).
fn syntax(e: &serde_json::Error) -> JsonProblem {
    JsonProblem::Syntax(super::without_position(&e.to_string()).to_string())
}

fn malformed(problem: JsonProblem) -> DataProblem {
    DataProblem::MalformedJson(problem)
}

/// Decodes a JSON object into the slots of a layout.
#[derive(Clone, Copy)]
struct RecordSeed<'a> {
    plan: &'a FieldPlan,
    layout: LayoutId,
    path: Option<&'a FieldPath<'a>>,
    failure: &'a RefCell<Option<Failure>>,
}

/// What stopped the decoding of a record, kept beside the serde error that unwinds the
/// parse (serde errors carry only text).
pub enum Failure {
    /// A field's value does not fit the plan.
    Field(FieldError),
    /// The record itself is not an object.
    NotAContact(Found),
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Vec<Value>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Vec<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<Value>, A::Error> {
        // the one record read with this seed is the contact itself
        let mut slots = typed::contact_slots(self.plan.records[self.layout].fields.len());
        self.fill(map, &mut slots)?;
        Ok(slots)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<Value>, E> {
        Err(self.not_an_object(Found::Kind(Kind::Null)))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Vec<Value>, E> {
        Err(self.not_an_object(Found::Kind(Kind::Bool)))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<Value>, E> {
        Err(self.not_an_object(Found::Kind(Kind::Number)))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<Value>, E> {
        Err(self.not_an_object(Found::Kind(Kind::Number)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<Value>, E> {
        Err(self.not_an_object(Found::Kind(Kind::Number)))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Vec<Value>, E> {
        Err(self.not_an_object(Found::Kind(Kind::Text)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Vec<Value>, A::Error> {
        Err(self.not_an_object(Found::Kind(Kind::List)))
    }
}

impl RecordSeed<'_> {
    /// Reads an object's entries into `slots` (all missing, one per field of the layout).
    fn fill<'de, A: MapAccess<'de>>(
        &self,
        mut map: A,
        slots: &mut [Value],
    ) -> Result<(), A::Error> {
        let layout = &self.plan.records[self.layout];
        // a key read twice would let the last one win silently; keys no rule reads are
        // skipped unseen, so only the fields the program reads are checked
        let mut seen = Seen::new(layout.fields.len());
        while let Some(slot) = map.next_key_seed(KeySeed { layout })? {
            match slot {
                Some(slot) => {
                    let field = &layout.fields[slot];
                    let path = FieldPath {
                        parent: self.path,
                        segment: Segment::Field(&field.name),
                    };
                    if seen.again(slot) {
                        let e =
                            FieldError::new(Code::MalformedJson, &path, DataProblem::DuplicateKey);
                        return Err(fail(self.failure, e));
                    }
                    slots[slot] = map.next_value_seed(ValueSeed {
                        plan: self.plan,
                        ty: &field.ty,
                        path: &path,
                        failure: self.failure,
                        id: self.layout == 0 && slot == self.plan.id_slot,
                    })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if self.layout != 0
            && let Err(e) = typed::check_required(self.plan, self.layout, slots, self.path)
        {
            return Err(fail(self.failure, e));
        }
        Ok(())
    }

    fn not_an_object<E: de::Error>(&self, found: Found) -> E {
        let failure = match self.path {
            Some(path) => Failure::Field(FieldError::wrong_type(
                path,
                &PlanType::Record(self.layout),
                found,
            )),
            None => Failure::NotAContact(found),
        };
        fail(self.failure, failure)
    }
}

/// Records a structured failure and returns the serde error that unwinds the parse.
fn fail<E: de::Error>(slot: &RefCell<Option<Failure>>, failure: impl Into<Failure>) -> E {
    slot.borrow_mut().get_or_insert(failure.into());
    // only its position is used: the failure recorded above says what is wrong
    E::custom("the record does not fit the plan")
}

impl From<FieldError> for Failure {
    fn from(error: FieldError) -> Failure {
        Failure::Field(error)
    }
}

/// The slots of a record that have had their key, without allocating for the usual few.
enum Seen {
    Few(u64),
    Many(Vec<bool>),
}

impl Seen {
    fn new(slots: usize) -> Seen {
        if slots <= 64 {
            Seen::Few(0)
        } else {
            Seen::Many(vec![false; slots])
        }
    }

    /// Notes `slot`'s key; whether it had been seen before.
    fn again(&mut self, slot: usize) -> bool {
        match self {
            Seen::Few(bits) => {
                let bit = 1u64 << slot;
                let before = *bits & bit != 0;
                *bits |= bit;
                before
            }
            Seen::Many(seen) => std::mem::replace(&mut seen[slot], true),
        }
    }
}

/// Maps a key to the slot of a field the program reads, without allocating.
struct KeySeed<'a> {
    layout: &'a crate::compile::Layout,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.layout.slot(key))
    }
}

/// Decodes one field value as the plan's type says.
#[derive(Clone, Copy)]
struct ValueSeed<'a> {
    plan: &'a FieldPlan,
    ty: &'a PlanType,
    path: &'a FieldPath<'a>,
    failure: &'a RefCell<Option<Failure>>,
    /// Whether this is the contact's id: a number must then be exact (before it becomes
    /// an `f64`, where 2^53 + 1 and 2^53 are one number).
    id: bool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.ty {
            PlanType::Record(layout) => {
                let seed = RecordSeed {
                    plan: self.plan,
                    layout: *layout,
                    path: Some(self.path),
                    failure: self.failure,
                };
                d.deserialize_any(RecordOrNull(seed))
            }
            _ => d.deserialize_any(self),
        }
    }
}

impl ValueSeed<'_> {
    fn wrong<E: de::Error>(&self, found: Found) -> E {
        fail(
            self.failure,
            FieldError::wrong_type(self.path, self.ty, found),
        )
    }

    fn inexact_id<E: de::Error>(&self) -> E {
        let e = FieldError::new(Code::WrongType, self.path, DataProblem::InexactNumericId);
        fail(self.failure, e)
    }

    fn number<E: de::Error>(&self, n: f64) -> Result<Value, E> {
        match self.ty {
            PlanType::Number | PlanType::Dynamic => Ok(Value::Number(n)),
            _ => Err(self.wrong(Found::Number(n))),
        }
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ty.describe())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Missing)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Missing)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        match self.ty {
            PlanType::Bool | PlanType::Dynamic => Ok(Value::Bool(b)),
            _ => Err(self.wrong(Found::Bool(b))),
        }
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        if self.id && n.unsigned_abs() >= MAX_EXACT_ID {
            return Err(self.inexact_id());
        }
        self.number(n as f64)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        if self.id && n >= MAX_EXACT_ID {
            return Err(self.inexact_id());
        }
        self.number(n as f64)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        // written with a fraction or exponent: 2^53 itself may be a rounded 2^53 + 1
        if self.id && !(n.fract() == 0.0 && n.abs() < MAX_EXACT_ID as f64) {
            return Err(self.inexact_id());
        }
        self.number(n)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        if self.id && matches!(self.ty, PlanType::String | PlanType::Dynamic) {
            // where no rule reads it, an id is only the contact's id: no value is built
            if !self.plan.id_read {
                return Ok(typed::hold_id(s));
            }
            // an id does not repeat: it would only push texts that do out of the table of
            // shared texts
            return Ok(Value::Str(Arc::from(s)));
        }
        typed::text_value(s, self.ty, self.path).map_err(|e| fail(self.failure, e))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let element = match self.ty {
            PlanType::List(element) => &**element,
            PlanType::Dynamic => &PlanType::Dynamic,
            _ => return Err(self.wrong(Found::Kind(Kind::List))),
        };
        // the elements wait on the thread's list stack until their number is known, and
        // the list is then a slice of that length from the pool: no allocation per list in
        // a steady state
        let start = typed::list_start();
        let mut len = 0;
        loop {
            let path = FieldPath {
                parent: Some(self.path),
                segment: Segment::Index(len),
            };
            let seed = ValueSeed {
                plan: self.plan,
                ty: element,
                path: &path,
                failure: self.failure,
                id: false,
            };
            match seq.next_element_seed(seed) {
                Ok(Some(v)) => typed::push_element(v),
                Ok(None) => break,
                Err(e) => {
                    typed::abandon_list(start);
                    return Err(e);
                }
            }
            len += 1;
        }
        Ok(typed::list_from(start))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        match self.ty {
            // Without schema, an object whose fields no rule reads is kept as an opaque
            // record: present, but with nothing to compare.
            PlanType::Dynamic => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Value::Record(typed::record(0)))
            }
            _ => Err(self.wrong(Found::Kind(Kind::Object))),
        }
    }
}

/// A nested record, or `null` for a missing one.
struct RecordOrNull<'a>(RecordSeed<'a>);

impl<'de> Visitor<'de> for RecordOrNull<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        // `null` is a missing record; but a list element has no field of its own to be
        // required, so a `null` where elements have required fields would slip through
        let seed = &self.0;
        let element = seed
            .path
            .is_some_and(|p| matches!(p.segment, Segment::Index(_)));
        let required = seed.plan.records[seed.layout]
            .fields
            .iter()
            .any(|f| !f.optional);
        if element && required {
            return Err(seed.not_an_object(Found::Kind(Kind::Null)));
        }
        Ok(Value::Missing)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let fields = self.0.plan.records[self.0.layout].fields.len();
        // a record from the pool (or just made) has no other owner, so it is filled in place
        let mut record = typed::record(fields);
        let Some(slots) = Arc::get_mut(&mut record) else {
            return Err(de::Error::custom("a new record is shared"));
        };
        self.0.fill(map, slots)?;
        Ok(Value::Record(record))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
        Err(self.0.not_an_object(Found::Kind(Kind::Bool)))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value, E> {
        Err(self.0.not_an_object(Found::Kind(Kind::Number)))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Value, E> {
        Err(self.0.not_an_object(Found::Kind(Kind::Number)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(self.0.not_an_object(Found::Kind(Kind::Number)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Err(self.0.not_an_object(Found::text(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Value, A::Error> {
        Err(self.0.not_an_object(Found::Kind(Kind::List)))
    }
}

/// Decodes a CSV cell that holds JSON (a list or record) as the plan's type says.
#[derive(Clone, Copy)]
pub struct CellSeed<'a>(ValueSeed<'a>);

/// A CSV cell's JSON decoded by the fast reader; `None` when it refuses the text (then the
/// cell is decoded with serde_json, which words the error). The seed's failure cell must
/// not be the one the serde_json attempt records into: a refusal may leave a failure there.
pub fn decode_cell_fast(text: &str, seed: CellSeed<'_>) -> Option<Value> {
    fast::decode(text, seed).ok()
}

impl<'a> CellSeed<'a> {
    /// A seed for one cell of type `ty` at `path`.
    pub fn new(
        plan: &'a FieldPlan,
        ty: &'a PlanType,
        path: &'a FieldPath<'a>,
        failure: &'a RefCell<Option<Failure>>,
    ) -> CellSeed<'a> {
        CellSeed(ValueSeed {
            plan,
            ty,
            path,
            failure,
            id: false,
        })
    }
}

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.0.deserialize(d)
    }
}

/// The kind and value of a JSON value, as data errors show it.
pub fn found_of(value: &serde_json::Value) -> Found {
    match value {
        serde_json::Value::Null => Found::Kind(Kind::Null),
        serde_json::Value::Bool(b) => Found::Bool(*b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Found::Kind(Kind::Number), Found::Number),
        serde_json::Value::String(s) => Found::text(s),
        serde_json::Value::Array(_) => Found::Kind(Kind::List),
        serde_json::Value::Object(_) => Found::Kind(Kind::Object),
    }
}

/// Why [`strict_object`] refused a text.
#[derive(Debug)]
pub enum Strictly {
    /// An object has this key twice.
    Duplicate(String),
    /// A number too large for an `f64` ends here (line and byte column of the text), in a
    /// record the plain reader may read (it skips what no rule reads).
    OutOfRange(usize, usize),
    /// Not JSON, or not an object (the plain reader words it).
    Other,
}

/// A JSON text parsed whole as an object, refusing a key that appears twice in any object
/// of it: serde_json's `Value` keeps the last silently, and under a mapping every key may
/// matter.
pub fn strict_object(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, Strictly> {
    use serde::de::{self, Deserialize, MapAccess, SeqAccess, Visitor};
    use std::cell::RefCell;
    thread_local! {
        static DUPLICATE: RefCell<Option<String>> = const { RefCell::new(None) };
    }
    struct Strict(serde_json::Value);
    struct Any;
    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Any).map(Strict)
        }
    }
    impl<'de> Visitor<'de> for Any {
        type Value = serde_json::Value;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(serde_json::Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(Strict(item)) = seq.next_element()? {
                items.push(item);
            }
            Ok(items.into())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let Strict(value) = map.next_value()?;
                if out.contains_key(&key) {
                    DUPLICATE.with_borrow_mut(|d| *d = Some(key.clone()));
                    return Err(de::Error::custom("duplicate key"));
                }
                out.insert(key, value);
            }
            Ok(out.into())
        }
    }
    DUPLICATE.with_borrow_mut(|d| *d = None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Strict::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(Strict(serde_json::Value::Object(map))) => Ok(map),
        Ok(_) => Err(Strictly::Other),
        Err(e) => Err(match DUPLICATE.with_borrow_mut(Option::take) {
            Some(key) => Strictly::Duplicate(key),
            // serde_json words this one only in text
            None if e.to_string().starts_with("number out of range") => {
                Strictly::OutOfRange(e.line(), e.column())
            }
            None => Strictly::Other,
        }),
    }
}
