//! Activities joined to their contacts (`--activities FILE`, docs/mappings.md): a second
//! file whose rows (a Salesforce Task, a HubSpot call, a touch) each name their contact in
//! a key column (`WhoId`) and become elements of the contact's list field (`events`).
//!
//! The activities are read first, once, into a store grouped by key: each record is kept
//! as a frame (its key, its place in the file, its cells or its JSON text), frames are
//! sorted by the key's hash and then the key, and an index holds one entry per key (24
//! bytes). Up to [`MEMORY_BUDGET`] of frames stay in memory; a larger file is sorted in
//! runs of that size written to temporary files and merged into one, so memory stays
//! bounded however large the file and in whatever order it is. Contacts are then read as
//! streams as always, on any number of threads: each one's activities are found through the
//! index (a positioned read of one group, so contacts sorted by id read the store forward)
//! and decoded only then, as elements of the list. A bad activity is an error of its
//! contact, located in the activities file; a record whose key cannot be read at all is an
//! error of its own.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{Contact, DataError, DataProblem, InputFormat, MAX_RECORD_BYTES, Piece, Pieces};
use super::{csv, json, scan};
use crate::codes::Code;
use crate::compile::{FieldPlan, LayoutId, PlanType};
use crate::mapping::{Join, Source};
use crate::semantics::Value;

/// Bytes of frames sorted in memory before they are written to a temporary file: 32 MiB
/// (a store kept in memory is a sorted copy of them, so the peak is twice this).
pub const MEMORY_BUDGET: usize = 32 << 20;

/// The frame header: key length, payload length, line, column, flags (little-endian).
const FRAME_HEAD: usize = 4 + 4 + 8 + 4 + 4;

/// A frame's flag: the record was larger than [`MAX_RECORD_BYTES`]; only its key was kept.
const TOO_LARGE: u32 = 1;

/// The activities of one file, grouped by the contact they name.
pub struct Activities {
    /// The file, as errors name it.
    file: String,
    format: InputFormat,
    /// The source that reads it (its list and key).
    join: Join,
    /// Where the elements go: the contact's slot of the list and the element's layout;
    /// `None` when no rule reads the list (activities are then only counted).
    target: Option<(usize, LayoutId)>,
    /// How its cells become an element's fields.
    header: Option<csv::Header>,
    /// Whether contact ids are numbers (keys are then written as numeric ids are).
    numeric: bool,
    /// Key cells that mean "no contact" (the source's `missing`).
    missing: Vec<String>,
    /// The key path, to read a JSON record's key without building the record.
    key_path: super::paths::Paths,
    store: Store,
    /// One entry per key, by hash and key.
    index: Vec<Entry>,
    /// Where the entries of each range of hashes start (by their top `bits`), so that a
    /// lookup touches a few entries, not a binary search's many cache lines.
    directory: Vec<u32>,
    bits: u32,
    /// Per entry: whether a contact took its activities.
    matched: Vec<AtomicBool>,
    /// Records read.
    read: usize,
    /// Records with an empty key: activities of no contact (a Task of an account).
    keyless: usize,
    /// (record, contact) pairs kept: a record that names several contacts counts for each.
    links: usize,
    /// Records that could not be read and whose key is unknown: errors of their own.
    problems: Vec<DataError>,
    /// Contacts given to [`Activities::attach`] that have no activity here.
    without: AtomicUsize,
}

impl std::fmt::Debug for Activities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Activities")
            .field("file", &self.file)
            .field("keys", &self.index.len())
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

/// One key's group of frames in the store.
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    offset: u64,
    len: u64,
    rows: u32,
}

/// Where the sorted frames are.
enum Store {
    Memory(Vec<u8>),
    File(std::fs::File),
}

/// The counts of one activities file after a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinCounts {
    /// The file.
    pub file: String,
    /// The list the activities fill.
    pub list: String,
    /// The key column.
    pub key: String,
    /// Activity records read.
    pub read: usize,
    /// Pairs of an activity and a contact it names (more than the activities with a key
    /// where one names several contacts).
    pub links: usize,
    /// Pairs whose contact is none of the run's.
    pub orphans: usize,
    /// Activities with an empty key.
    pub keyless: usize,
    /// Activities that could not be read and name no known contact (errors of the run).
    pub unreadable: usize,
    /// Contacts that have no activity in the file.
    pub contacts_without: usize,
}

/// The hash that groups keys (SipHash with fixed keys: the same in every run).
fn hash_of(key: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl Activities {
    /// Reads a file of activities through its source, whose `activities` say which list
    /// they fill and by which key; an error that ends the file (its header, its reading)
    /// is returned, and no contact can then be classified with it.
    pub fn read<R: Read>(
        file: &str,
        format: InputFormat,
        reader: R,
        plan: &FieldPlan,
        source: &Source,
        join: &Join,
    ) -> Result<Activities, Box<DataError>> {
        Activities::read_within(file, format, reader, plan, source, join, MEMORY_BUDGET)
    }

    /// [`Activities::read`], sorting at most `budget` bytes of frames in memory.
    pub(crate) fn read_within<R: Read>(
        file: &str,
        format: InputFormat,
        reader: R,
        plan: &FieldPlan,
        source: &Source,
        join: &Join,
        budget: usize,
    ) -> Result<Activities, Box<DataError>> {
        let join = join.clone();
        let key_path = super::paths::Paths::new(std::slice::from_ref(&join.key));
        let target =
            plan.root()
                .slot(&join.list)
                .and_then(|slot| match &plan.root().fields[slot].ty {
                    PlanType::List(element) => match element.as_ref() {
                        PlanType::Record(layout) => Some((slot, *layout)),
                        _ => None,
                    },
                    _ => None,
                });
        let numeric = plan.root().fields[plan.id_slot].ty == PlanType::Number;
        let mut pieces = Pieces::new(format, reader);
        let mut header = None;
        let mut key_at = None;
        match format {
            InputFormat::Csv => match pieces.first_line() {
                Ok(Some(bytes)) => {
                    let (h, at) =
                        csv::activity_header(file, &bytes, plan, target.map(|t| t.1), source)?;
                    header = Some(h);
                    key_at = Some(at);
                }
                Ok(None) => {}
                Err(piece) => return Err(fatal(file, piece)),
            },
            InputFormat::Json | InputFormat::Jsonl => {
                if let Some((_, element)) = target {
                    header = Some(csv::json_header(file, plan, source, element)?);
                }
            }
        }
        let mut activities = Activities {
            file: file.to_string(),
            format,
            join,
            target,
            header,
            numeric,
            missing: source.default.missing.clone(),
            key_path,
            store: Store::Memory(Vec::new()),
            index: Vec::new(),
            directory: Vec::new(),
            bits: 0,
            matched: Vec::new(),
            read: 0,
            keyless: 0,
            links: 0,
            problems: Vec::new(),
            without: AtomicUsize::new(0),
        };
        let mut frames = Frames::new(budget);
        let delimiter = source.delimiter;
        while let Some(piece) = pieces.next() {
            match piece {
                Piece::Records(chunk) => {
                    match format {
                        InputFormat::Csv => {
                            let at = key_at.unwrap_or(0);
                            let problem = csv::each_record(
                                file,
                                delimiter,
                                &chunk.bytes,
                                chunk.line,
                                |line, record| {
                                    let cell = record.get(at).unwrap_or_default();
                                    let Ok(key) = std::str::from_utf8(cell) else {
                                        // a key that is not text names no contact for sure
                                        activities.read += 1;
                                        let mut e = DataError::new(
                                            Code::MalformedCsv,
                                            file,
                                            DataProblem::NotUtf8,
                                        );
                                        e.line = Some(line);
                                        e.field = Some(activities.join.key.clone());
                                        e.cell = Some(at + 1);
                                        activities.problems.push(e);
                                        return Ok(());
                                    };
                                    // a CSV id is trimmed, so is its key
                                    let key = key.trim();
                                    let payload = encode_cells(record);
                                    activities.take(&mut frames, &[key], line, 1, 0, &payload)
                                },
                            )?;
                            if let Some(problem) = problem {
                                activities.read += 1;
                                activities.problems.push(*problem);
                            }
                        }
                        InputFormat::Jsonl => {
                            for (line, bytes) in json::lines(&chunk.bytes, chunk.line) {
                                activities.json_record(&mut frames, bytes, line, 1)?;
                            }
                        }
                        InputFormat::Json => {
                            for e in &chunk.elements {
                                let bytes = &chunk.bytes[e.start..e.end];
                                activities.json_record(&mut frames, bytes, e.line, e.column)?;
                            }
                        }
                    }
                    pieces.recycle(chunk.bytes);
                }
                Piece::TooLarge {
                    line,
                    column,
                    prefix,
                } => {
                    let key = match (format, key_at) {
                        (InputFormat::Csv, Some(at)) => csv::prefix_cell(delimiter, &prefix, at),
                        _ => scan::recover_id(&prefix, &activities.join.key)
                            .filter(|k| !k.is_empty()),
                    };
                    match key {
                        Some(key) => {
                            activities.take(&mut frames, &[key], line, column, TOO_LARGE, &[])?
                        }
                        None => {
                            activities.read += 1;
                            let code = if format == InputFormat::Csv {
                                Code::MalformedCsv
                            } else {
                                Code::MalformedJson
                            };
                            let limit = MAX_RECORD_BYTES;
                            let mut e =
                                DataError::new(code, file, DataProblem::RecordTooLarge { limit });
                            e.line = Some(line);
                            e.column = (format != InputFormat::Csv).then_some(column);
                            activities.problems.push(e);
                        }
                    }
                }
                other => return Err(fatal(file, other)),
            }
        }
        let (store, index) = frames.finish().map_err(|e| Box::new(temporary(file, &e)))?;
        activities.matched = index.iter().map(|_| AtomicBool::new(false)).collect();
        // about one entry per range of hashes
        let bits = (usize::BITS - index.len().leading_zeros()).clamp(1, 32);
        let mut directory = vec![0u32; (1usize << bits) + 1];
        for entry in &index {
            directory[(entry.hash >> (64 - bits)) as usize + 1] += 1;
        }
        for i in 1..directory.len() {
            directory[i] += directory[i - 1];
        }
        activities.directory = directory;
        activities.bits = bits;
        activities.store = store;
        activities.index = index;
        Ok(activities)
    }

    /// Reads one JSON record of activities into a frame, or counts it as keyless, or
    /// keeps its error when it cannot be read and its key is unknown.
    fn json_record(
        &mut self,
        frames: &mut Frames,
        bytes: &[u8],
        line: usize,
        column: usize,
    ) -> Result<(), Box<DataError>> {
        match self.json_keys(bytes, line, column) {
            Ok(keys) => self.take(frames, &keys, line, column, 0, bytes),
            Err(e) => {
                self.read += 1;
                self.problems.push(*e);
                Ok(())
            }
        }
    }

    /// The keys of a JSON record of activities: the text at the key path (a string as it
    /// is, a number as its shortest text), or each one, once, where a step ending in `[]`
    /// goes through a list (`associations.contacts.results[].id`: an activity of several
    /// contacts); none where the path leads nowhere or to `null`. A record that is not a
    /// JSON object, or whose key path runs into a value it cannot go through, is an error.
    fn json_keys(
        &self,
        bytes: &[u8],
        line: usize,
        column: usize,
    ) -> Result<Vec<String>, Box<DataError>> {
        let path = self.join.key.as_str();
        if !path.contains("[]")
            && let Some(cells) = self.key_path.scalars_unchecked(bytes)
        {
            let keys = cells.into_iter().filter(|c| !c.is_empty());
            return Ok(keys.map(|c| c.into_owned()).collect());
        }
        let object = json_object(&self.file, bytes, line, column)?;
        let located = |problem| {
            let mut e = DataError::new(Code::MalformedJson, &self.file, problem);
            e.line = Some(line);
            e.column = Some(column);
            Box::new(e)
        };
        let mut at: Vec<&serde_json::Value> = Vec::new();
        // the path written as one key wins, as for a mapping's columns
        if let Some(whole) = object.get(path) {
            at.push(whole);
        } else {
            let mut walked = String::new();
            for (i, part) in path.split('.').enumerate() {
                let (name, each) = match part.strip_suffix("[]") {
                    Some(name) => (name, true),
                    None => (part, false),
                };
                let here = if walked.is_empty() {
                    name.to_string()
                } else {
                    format!("{walked}.{name}")
                };
                let blocked = |list| {
                    located(DataProblem::KeyPathBlocked {
                        path: path.to_string(),
                        at: here.clone(),
                        list,
                    })
                };
                let mut next = Vec::new();
                let values: Vec<Option<&serde_json::Value>> = if i == 0 {
                    vec![object.get(name)]
                } else {
                    let mut inner = Vec::new();
                    for v in &at {
                        match v {
                            serde_json::Value::Object(o) => inner.push(o.get(name)),
                            _ => return Err(blocked(false)),
                        }
                    }
                    inner
                };
                for value in values {
                    match value {
                        None | Some(serde_json::Value::Null) => {}
                        Some(serde_json::Value::Array(items)) if each => {
                            next.extend(items.iter().filter(|v| !v.is_null()));
                        }
                        Some(_) if each => return Err(blocked(true)),
                        Some(found) => next.push(found),
                    }
                }
                walked = if walked.is_empty() {
                    part.to_string()
                } else {
                    format!("{walked}.{part}")
                };
                at = next;
            }
        }
        let mut keys: Vec<String> = Vec::new();
        for value in at {
            let key = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Null => continue,
                other => {
                    return Err(located(DataProblem::KeyNotAnId {
                        path: path.to_string(),
                        found: json::found_of(other),
                    }));
                }
            };
            if !key.is_empty() && !keys.contains(&key) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// Keeps one record under each of its `keys` (an activity of several contacts is an
    /// activity of each), counting it as keyless when none is given.
    fn take<K: AsRef<str>>(
        &mut self,
        frames: &mut Frames,
        keys: &[K],
        line: usize,
        column: usize,
        flags: u32,
        payload: &[u8],
    ) -> Result<(), Box<DataError>> {
        self.read += 1;
        let mut linked = false;
        for key in keys {
            let key = key.as_ref();
            if key.is_empty() || self.missing.iter().any(|m| m == key.trim()) {
                continue;
            }
            // a numeric id is written the shortest way (`007` is contact `7`), as contacts' are
            let key = match key.parse::<f64>() {
                Ok(n) if self.numeric && n.is_finite() && n.fract() == 0.0 => {
                    crate::semantics::value::format_number(n)
                }
                _ => key.to_string(),
            };
            linked = true;
            self.links += 1;
            frames
                .push(key.as_bytes(), line, column, flags, payload)
                .map_err(|e| Box::new(temporary(&self.file, &e)))?;
        }
        if !linked {
            self.keyless += 1;
        }
        Ok(())
    }

    /// The plan by which contacts are decoded when `joins` give them activities: the lists
    /// the activities fill may be absent from the contacts' own records (a contact's list is
    /// the joined one, empty when it has none), so they are not required there.
    pub fn relaxed<'p>(
        plan: &'p FieldPlan,
        joins: &[Activities],
    ) -> std::borrow::Cow<'p, FieldPlan> {
        let slots: Vec<usize> = joins
            .iter()
            .filter_map(|j| j.target)
            .map(|(slot, _)| slot)
            .collect();
        if slots.is_empty() {
            return std::borrow::Cow::Borrowed(plan);
        }
        let mut plan = plan.clone();
        for slot in slots {
            plan.records[0].fields[slot].optional = true;
        }
        std::borrow::Cow::Owned(plan)
    }

    /// Records that could not be read and whose contact is unknown, in file order: each
    /// is an error of the run.
    pub fn problems(&self) -> &[DataError] {
        &self.problems
    }

    /// Columns the source reads that a CSV file of activities does not have (see
    /// [`csv::Header::absent`]).
    pub fn absent_columns(&self) -> &[(String, String, Option<String>)] {
        self.header.as_ref().map_or(&[], |h| h.absent())
    }

    /// The file, as errors name it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The counts so far (orphans are the activities no contact given to
    /// [`Activities::attach`] took).
    pub fn counts(&self) -> JoinCounts {
        let orphans = self
            .index
            .iter()
            .zip(&self.matched)
            .filter(|(_, m)| !m.load(Ordering::Relaxed))
            .map(|(e, _)| e.rows as usize)
            .sum();
        JoinCounts {
            file: self.file.clone(),
            list: self.join.list.clone(),
            key: self.join.key.clone(),
            read: self.read,
            links: self.links,
            orphans,
            keyless: self.keyless,
            unreadable: self.problems.len(),
            contacts_without: self.without.load(Ordering::Relaxed),
        }
    }

    /// Gives `contact` its activities: decoded as elements of the list, after any the
    /// contact's own record holds; an empty list when it has none (the file is the whole
    /// record of its activities). A bad activity makes the contact an error, located in
    /// this file.
    pub fn attach(&self, plan: &FieldPlan, contact: &mut Contact) -> Result<(), Box<DataError>> {
        let key = contact.id.as_bytes();
        let hash = hash_of(key);
        let first = self.first_of(hash);
        let mut group = None;
        let failed = |e: io::Error| Box::new(temporary(&self.file, &e));
        for (at, entry) in self.index[first..].iter().enumerate() {
            if entry.hash != hash {
                break;
            }
            // a contact's activities are held together, so they are bounded as a record is;
            // a group within the bound is read once, its key being its first frame's
            if entry.len <= MAX_RECORD_BYTES as u64 {
                let bytes = self.group(entry).map_err(failed)?;
                if frame_key(&bytes) != Some(key) {
                    continue;
                }
                self.matched[first + at].store(true, Ordering::Relaxed);
                group = Some(bytes);
                break;
            }
            if !self.is_key(entry, key)? {
                continue;
            }
            self.matched[first + at].store(true, Ordering::Relaxed);
            let code = if self.format == InputFormat::Csv {
                Code::MalformedCsv
            } else {
                Code::MalformedJson
            };
            let problem = DataProblem::TooManyActivities {
                count: entry.rows as usize,
                limit: MAX_RECORD_BYTES,
            };
            let mut e = DataError::new(code, &self.file, problem);
            e.id = Some(contact.id.clone());
            return Err(Box::new(e));
        }
        if group.is_none() {
            self.without.fetch_add(1, Ordering::Relaxed);
        }
        let Some((slot, element)) = self.target else {
            return Ok(());
        };
        let mut items: Vec<Value> = match &contact.slots[slot] {
            Value::List(own) => own.to_vec(),
            _ => Vec::new(),
        };
        if let Some(bytes) = &group {
            let mut rest = &bytes[..];
            while let Some((frame, after)) = Frame::parse(rest) {
                rest = after;
                let item = self.element(plan, frame, element).map_err(|mut e| {
                    e.id = Some(contact.id.clone());
                    e
                })?;
                items.push(item);
            }
        }
        contact.slots[slot] = Value::List(Arc::from(items));
        Ok(())
    }

    /// Notes that a contact with this id was read, though it could not be decoded: its
    /// activities are not orphans.
    pub fn touch(&self, id: &str) {
        let hash = hash_of(id.as_bytes());
        let first = self.first_of(hash);
        for (at, entry) in self.index[first..].iter().enumerate() {
            if entry.hash != hash {
                break;
            }
            // a temporary file that cannot be read here fails the contacts that need it;
            // this only spares the count of orphans
            if self.is_key(entry, id.as_bytes()).unwrap_or(false) {
                self.matched[first + at].store(true, Ordering::Relaxed);
                return;
            }
        }
    }

    /// The first entry whose hash is `hash` or more.
    fn first_of(&self, hash: u64) -> usize {
        if self.index.is_empty() {
            return 0;
        }
        let range = (hash >> (64 - self.bits)) as usize;
        let (start, end) = (
            self.directory[range] as usize,
            self.directory[range + 1] as usize,
        );
        start + self.index[start..end].partition_point(|e| e.hash < hash)
    }

    /// Whether an entry's key is `key` (read into `buf`: the head of its first frame).
    fn is_key(&self, entry: &Entry, key: &[u8]) -> Result<bool, Box<DataError>> {
        let head = Entry {
            len: entry.len.min((FRAME_HEAD + key.len()) as u64),
            ..*entry
        };
        let buf = self
            .group(&head)
            .map_err(|e| Box::new(temporary(&self.file, &e)))?;
        let key_len = u32_at(&buf, 0) as usize;
        Ok(key_len == key.len() && buf.get(FRAME_HEAD..FRAME_HEAD + key_len) == Some(key))
    }

    /// An entry's group of frames: where it lies in memory, or read from the file.
    fn group(&self, entry: &Entry) -> io::Result<std::borrow::Cow<'_, [u8]>> {
        let (offset, len) = (entry.offset as usize, entry.len as usize);
        match &self.store {
            Store::Memory(bytes) => Ok(std::borrow::Cow::Borrowed(&bytes[offset..offset + len])),
            Store::File(file) => {
                let mut out = vec![0; len];
                read_at(file, &mut out, entry.offset)?;
                Ok(std::borrow::Cow::Owned(out))
            }
        }
    }

    /// Decodes one frame as an element of layout `element`.
    fn element(
        &self,
        plan: &FieldPlan,
        frame: Frame<'_>,
        element: LayoutId,
    ) -> Result<Value, Box<DataError>> {
        let (file, line) = (self.file.as_str(), frame.line);
        let Some(header) = &self.header else {
            return Ok(Value::Missing);
        };
        if frame.flags & TOO_LARGE != 0 {
            let code = if self.format == InputFormat::Csv {
                Code::MalformedCsv
            } else {
                Code::MalformedJson
            };
            let mut e = DataError::new(
                code,
                file,
                DataProblem::RecordTooLarge {
                    limit: MAX_RECORD_BYTES,
                },
            );
            e.line = Some(line);
            e.column = (self.format != InputFormat::Csv).then_some(frame.column);
            return Err(Box::new(e));
        }
        let record = match self.format {
            InputFormat::Csv => decode_cells(frame.payload),
            InputFormat::Json | InputFormat::Jsonl => {
                // read in one pass where the fast reader takes the record
                if let Ok(text) = std::str::from_utf8(frame.payload)
                    && let Some(mut row) = json::mapped::row(plan, header, text)
                {
                    return csv::decode_element_row(file, line, plan, element, header, &mut row);
                }
                json_cells(file, frame.payload, line, frame.column, header)?
            }
        };
        csv::decode_element(file, line, plan, element, header, record)
    }
}

/// The cells of a JSON record of activities under the element's [`csv::json_header`], as a
/// CSV row; what the JSON reader refuses (malformed text, a key twice, a path through a
/// value that is not an object) is an error of the record.
fn json_cells(
    file: &str,
    bytes: &[u8],
    line: usize,
    column: usize,
    header: &csv::Header,
) -> Result<::csv::ByteRecord, Box<DataError>> {
    let object = json_object(file, bytes, line, column)?;
    match csv::json_row(header, &object) {
        Ok(row) => Ok(row.into_byte_record()),
        Err(f) => {
            let mut e = DataError::new(f.code, file, f.problem);
            e.line = Some(line);
            e.column = Some(column);
            e.field = Some(f.field);
            Err(Box::new(e))
        }
    }
}

/// A JSON record of activities parsed whole, as the full reader of mapped records does; an
/// error located where the text goes wrong (`line` and `column` are the record's start).
fn json_object(
    file: &str,
    bytes: &[u8],
    line: usize,
    column: usize,
) -> Result<serde_json::Map<String, serde_json::Value>, Box<DataError>> {
    let located = |problem, at: (usize, usize)| {
        let mut e = DataError::new(Code::MalformedJson, file, problem);
        e.line = Some(at.0);
        e.column = Some(at.1);
        Box::new(e)
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        let valid = bytes.utf8_chunks().next().map_or(0, |c| c.valid().len());
        let at = scan::place(bytes, line, column, valid);
        return Err(located(DataProblem::NotUtf8, at));
    };
    match json::strict_object(text) {
        Ok(object) => Ok(object),
        Err(json::Strictly::Duplicate(key)) => {
            let mut e = located(DataProblem::DuplicateKey, (line, column));
            e.field = Some(key);
            Err(e)
        }
        Err(json::Strictly::Other) => Err(match serde_json::from_str::<serde_json::Value>(text) {
            Ok(other) => located(
                DataProblem::ActivityNotObject {
                    found: json::found_of(&other),
                },
                (line, column),
            ),
            Err(e) => {
                // the parser's place within the record, as a place in the file
                let at = if e.line() <= 1 {
                    (line, column + e.column().saturating_sub(1))
                } else {
                    (line + e.line() - 1, e.column())
                };
                let reason = super::without_position(&e.to_string()).to_string();
                located(DataProblem::MalformedActivity { reason }, at)
            }
        }),
    }
}

/// An error that ends the activities file.
fn fatal(file: &str, piece: Piece) -> Box<DataError> {
    let mut e = match piece {
        Piece::Failed(e) => *e,
        Piece::Broken {
            line,
            column,
            problem,
        } => {
            let mut e = DataError::new(
                Code::MalformedJson,
                file,
                DataProblem::MalformedJson(problem),
            );
            e.line = Some(line);
            e.column = Some(column);
            e
        }
        Piece::Unreadable { line, reason } => {
            let mut e = DataError::new(
                Code::UnreadableData,
                file,
                DataProblem::Unreadable { reason },
            );
            e.line = Some(line);
            e
        }
        Piece::Records(_) | Piece::TooLarge { .. } => DataError::new(
            Code::UnreadableData,
            file,
            DataProblem::Unreadable {
                reason: "unexpected records".to_string(),
            },
        ),
    };
    e.fatal = true;
    Box::new(e)
}

/// A temporary file that could not be written or read, as an error of the activities file.
fn temporary(file: &str, error: &io::Error) -> DataError {
    let mut e = DataError::new(
        Code::UnreadableData,
        file,
        DataProblem::Unreadable {
            reason: format!(
                "cannot sort its activities in a temporary file in {} (set TMPDIR to a writable directory with room): {error}",
                std::env::temp_dir().display()
            ),
        },
    );
    e.fatal = true;
    e
}

/// A CSV record's cells as a frame's payload: the count, each cell's end, the bytes.
fn encode_cells(record: &::csv::ByteRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 4 * record.len() + record.as_slice().len());
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    let mut end = 0u32;
    for cell in record {
        end += cell.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    out.extend_from_slice(record.as_slice());
    out
}

/// The cells [`encode_cells`] wrote.
fn decode_cells(payload: &[u8]) -> ::csv::ByteRecord {
    let mut record = ::csv::ByteRecord::new();
    let n = u32_at(payload, 0) as usize;
    let bytes = &payload[(4 + 4 * n).min(payload.len())..];
    let mut start = 0;
    for i in 0..n {
        let end = (u32_at(payload, 4 + 4 * i) as usize).min(bytes.len());
        record.push_field(&bytes[start.min(end)..end]);
        start = end;
    }
    record
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// One record in the store.
#[derive(Debug, Clone, Copy)]
struct Frame<'a> {
    key: &'a [u8],
    line: usize,
    column: usize,
    flags: u32,
    payload: &'a [u8],
}

impl<'a> Frame<'a> {
    /// The frame at the start of `bytes` and the bytes after it.
    fn parse(bytes: &'a [u8]) -> Option<(Frame<'a>, &'a [u8])> {
        let head = bytes.get(..FRAME_HEAD)?;
        let key_len = u32_at(head, 0) as usize;
        let payload_len = u32_at(head, 4) as usize;
        let line = u64::from_le_bytes(head[8..16].try_into().ok()?) as usize;
        let column = u32_at(head, 16) as usize;
        let flags = u32_at(head, 20);
        let body = bytes.get(FRAME_HEAD..FRAME_HEAD + key_len + payload_len)?;
        let frame = Frame {
            key: &body[..key_len],
            line,
            column,
            flags,
            payload: &body[key_len..],
        };
        Some((frame, &bytes[FRAME_HEAD + key_len + payload_len..]))
    }

    fn len(&self) -> usize {
        FRAME_HEAD + self.key.len() + self.payload.len()
    }
}

/// The key of the first frame in `bytes`.
fn frame_key(bytes: &[u8]) -> Option<&[u8]> {
    Frame::parse(bytes).map(|(f, _)| f.key)
}

fn write_frame(
    out: &mut Vec<u8>,
    key: &[u8],
    line: usize,
    column: usize,
    flags: u32,
    payload: &[u8],
) {
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&(line as u64).to_le_bytes());
    out.extend_from_slice(&(column as u32).to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(payload);
}

/// Frames being gathered: sorted in memory up to a budget, in sorted runs on disk beyond.
struct Frames {
    budget: usize,
    buf: Vec<u8>,
    /// (hash, offset in `buf`) per frame, in input order.
    at: Vec<(u64, usize)>,
    runs: Vec<std::fs::File>,
}

impl Frames {
    fn new(budget: usize) -> Frames {
        Frames {
            budget,
            buf: Vec::new(),
            at: Vec::new(),
            runs: Vec::new(),
        }
    }

    fn push(
        &mut self,
        key: &[u8],
        line: usize,
        column: usize,
        flags: u32,
        payload: &[u8],
    ) -> io::Result<()> {
        let len = FRAME_HEAD + key.len() + payload.len();
        // the buffer holds at most a budget (or one frame): it never doubles past it
        if !self.buf.is_empty() && self.buf.len() + len > self.budget {
            self.spill()?;
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.budget.min(1 << 20).max(len));
        } else if self.buf.len() + len > self.buf.capacity() {
            let want = (self.buf.capacity() * 2)
                .min(self.budget)
                .max(self.buf.len() + len);
            self.buf.reserve_exact(want - self.buf.len());
        }
        self.at.push((hash_of(key), self.buf.len()));
        write_frame(&mut self.buf, key, line, column, flags, payload);
        Ok(())
    }

    /// The frames in `buf` in key order (hash, then key, then input order), with each
    /// one's hash.
    fn sorted(&mut self) -> Vec<(u64, usize)> {
        let buf = &self.buf;
        let key = |offset: usize| frame_key(&buf[offset..]).unwrap_or_default();
        let mut at = std::mem::take(&mut self.at);
        // (hash, offset) pairs are distinct, so an unstable sort keeps input order per
        // hash; only two keys of one hash (rare) need the keys compared
        at.sort_unstable();
        if at
            .windows(2)
            .any(|w| w[0].0 == w[1].0 && key(w[0].1) != key(w[1].1))
        {
            at.sort_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| key(a.1).cmp(key(b.1)))
                    .then(a.1.cmp(&b.1))
            });
        }
        at
    }

    /// Writes the frames gathered so far, sorted, to a new temporary file.
    fn spill(&mut self) -> io::Result<()> {
        let order = self.sorted();
        let mut file = temporary_file()?;
        {
            let mut out = BufWriter::with_capacity(1 << 16, &mut file);
            for (_, offset) in order {
                if let Some((frame, _)) = Frame::parse(&self.buf[offset..]) {
                    out.write_all(&self.buf[offset..offset + frame.len()])?;
                }
            }
            out.flush()?;
        }
        self.runs.push(file);
        self.buf.clear();
        Ok(())
    }

    /// The store of every frame, sorted, and its index.
    fn finish(mut self) -> io::Result<(Store, Vec<Entry>)> {
        let mut index = Vec::new();
        if self.runs.is_empty() {
            let order = self.sorted();
            let mut out = Vec::with_capacity(self.buf.len());
            for (hash, offset) in order {
                if let Some((frame, _)) = Frame::parse(&self.buf[offset..]) {
                    note(&mut index, &out, hash, frame);
                    out.extend_from_slice(&self.buf[offset..offset + frame.len()]);
                }
            }
            return Ok((Store::Memory(out), index));
        }
        if !self.at.is_empty() {
            self.spill()?;
        }
        // the merge needs only its readers
        self.buf = Vec::new();
        self.at = Vec::new();
        // a k-way merge of the sorted runs: equal keys come out in run order, and each
        // run keeps input order, so a contact's activities stay in file order
        let mut readers = Vec::new();
        for run in &mut self.runs {
            run.rewind()?;
            readers.push(BufReader::with_capacity(1 << 16, &*run));
        }
        let mut heads: Vec<Option<Vec<u8>>> = Vec::new();
        let mut heap = BinaryHeap::new();
        for (i, reader) in readers.iter_mut().enumerate() {
            let head = next_frame(reader)?;
            if let Some(bytes) = &head {
                let key = frame_key(bytes).unwrap_or_default();
                heap.push(Reverse((hash_of(key), key.to_vec(), i)));
            }
            heads.push(head);
        }
        let mut file = temporary_file()?;
        let mut written = 0u64;
        let mut last: Option<(u64, Vec<u8>)> = None;
        {
            let mut out = BufWriter::with_capacity(1 << 16, &mut file);
            while let Some(Reverse((hash, key, i))) = heap.pop() {
                let Some(bytes) = heads[i].take() else {
                    continue;
                };
                let fresh = last.as_ref().is_none_or(|(h, k)| *h != hash || *k != key);
                if fresh {
                    index.push(Entry {
                        hash,
                        offset: written,
                        len: 0,
                        rows: 0,
                    });
                    last = Some((hash, key));
                }
                if let Some(entry) = index.last_mut() {
                    entry.len += bytes.len() as u64;
                    entry.rows += 1;
                }
                out.write_all(&bytes)?;
                written += bytes.len() as u64;
                let head = next_frame(&mut readers[i])?;
                if let Some(bytes) = &head {
                    let key = frame_key(bytes).unwrap_or_default();
                    heap.push(Reverse((hash_of(key), key.to_vec(), i)));
                }
                heads[i] = head;
            }
            out.flush()?;
        }
        Ok((Store::File(file), index))
    }
}

/// Adds a frame about to be written at the end of `out` to the index.
fn note(index: &mut Vec<Entry>, out: &[u8], hash: u64, frame: Frame<'_>) {
    let same = index
        .last()
        .is_some_and(|e| e.hash == hash && frame_key(&out[e.offset as usize..]) == Some(frame.key));
    if !same {
        index.push(Entry {
            hash,
            offset: out.len() as u64,
            len: 0,
            rows: 0,
        });
    }
    if let Some(entry) = index.last_mut() {
        entry.len += frame.len() as u64;
        entry.rows += 1;
    }
}

/// The next whole frame of a run.
fn next_frame(reader: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut head = [0u8; FRAME_HEAD];
    match reader.read_exact(&mut head) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let body = u32_at(&head, 0) as usize + u32_at(&head, 4) as usize;
    let mut bytes = Vec::with_capacity(FRAME_HEAD + body);
    bytes.extend_from_slice(&head);
    bytes.resize(FRAME_HEAD + body, 0);
    reader.read_exact(&mut bytes[FRAME_HEAD..])?;
    Ok(Some(bytes))
}

/// A new temporary file, already unlinked where the system allows it, so that nothing is
/// left behind however the run ends.
fn temporary_file() -> io::Result<std::fs::File> {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir();
    loop {
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("qualify-activities-{}-{n}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        // the activities are the CRM's data: no other user may open the file before it is
        // unlinked
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => {
                // on Unix the open file outlives its name; elsewhere it stays until removed
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Fills `out` from `file` at `offset`, from any thread.
#[cfg(unix)]
fn read_at(file: &std::fs::File, out: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset)
}

/// Fills `out` from `file` at `offset`, from any thread.
#[cfg(not(unix))]
fn read_at(file: &std::fs::File, out: &mut [u8], offset: u64) -> io::Result<()> {
    let mut done = 0;
    while done < out.len() {
        let n =
            std::os::windows::fs::FileExt::seek_read(file, &mut out[done..], offset + done as u64)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
