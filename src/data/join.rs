//! Activities joined to their contacts (`--activities FILE`, docs/mappings.md): a second
//! file whose rows (a Salesforce Task, a HubSpot call, a touch) each name their contact in
//! a key column (`WhoId`) and become elements of the contact's list field (`events`).
//!
//! The activities are read first, whole, into an index of groups by key (about 55 bytes
//! per key: the group's place, and a table by hash to look it up). Where the file's rows
//! come grouped by key (each key's rows in one run) and the file can be read again, the
//! groups are the runs in the file itself: the first reading only finds keys, nothing is
//! copied or sorted ([`Activities::read_in_place`]). Otherwise each record is kept as a
//! frame (its key, its place in the file, its cells or its JSON text), frames are sorted
//! by key ([`key_order`]: contacts sorted by id then read the store forward); up to
//! [`MEMORY_BUDGET`] of frames stay in memory, a larger file is sorted in runs of that size
//! written to temporary files and merged into one, so memory stays bounded however large
//! the file and in whatever order it is. Contacts are then read as streams as always, on
//! any number of threads: each one's activities are found through the index (its group
//! read where it lies, through a window of the store each thread keeps, read ahead where
//! groups are taken in order) and decoded only then, as elements of the list. A bad
//! activity is an error of its contact, located in the activities file; a record whose key
//! cannot be read at all is an error of its own.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{Contact, DataError, DataProblem, InputFormat, MAX_RECORD_BYTES, Piece, Pieces};
use super::{csv, json, scan, typed};
use crate::codes::Code;
use crate::compile::{FieldPlan, LayoutId, PlanType};
use crate::mapping::{Join, Source};
use crate::semantics::Value;

/// Bytes of frames sorted in memory before they are written to a temporary file: 32 MiB
/// (a store kept in memory is a sorted copy of them, so the peak is twice this).
pub const MEMORY_BUDGET: usize = 32 << 20;

/// A frame's head, in one of two forms told apart by its first byte (its flags): short, 8
/// bytes (key length `u8`, payload length `u16`, line `u32`; the column is 1), for most
/// records of a file of lines; long, [`FRAME_HEAD`] bytes (key and payload length `u32`,
/// line `u64`, column `u32`), for the rest. A head of 24 bytes for every frame was a fifth
/// of what a shuffled file's frames wrote to temporary files and read back.
const FRAME_SHORT: usize = 1 + 1 + 2 + 4;
/// The long form of a frame's head (see [`FRAME_SHORT`]), the longest.
const FRAME_HEAD: usize = 1 + 4 + 4 + 8 + 4;
/// A frame's flag: the head is in its short form.
const SHORT: u8 = 2;

/// A frame's flag: the record was larger than [`MAX_RECORD_BYTES`]; only its key was kept.
const TOO_LARGE: u8 = 1;

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
    /// The key path, to read a JSON record's key without building the record (`None`
    /// where it goes through a list: the record is then read whole).
    key_path: Option<super::paths::Paths>,
    store: Store,
    /// One entry per key, in the store's order (the file's, in place; by key, sorted).
    index: Vec<Entry>,
    /// Each entry's hash and place in the index, by hash: where a key is looked up.
    by_hash: Vec<(u64, usize)>,
    /// Whether the store is the file itself (its records grouped by key, each group in
    /// place), not sorted frames.
    in_place: bool,
    /// The store's length in bytes.
    store_len: u64,
    /// In place: the file, and its length and time of change when it was first read
    /// (groups are read again where that reading found them: see [`Activities::changed`]).
    watched: Option<(std::fs::File, u64, Option<std::time::SystemTime>)>,
    /// Which store this is, for the windows of it the threads keep.
    id: usize,
    /// For CSV: the key column, and the byte between cells.
    key_at: Option<usize>,
    delimiter: u8,
    /// Where the hashes of each range start in `by_hash` (by their top `bits`), so that a
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
    /// Set by a reader of [`Activities::each_keyed`] that needs no more records.
    enough: bool,
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

/// One key's group of frames in the store (or of records, in place).
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    offset: u64,
    len: u64,
    rows: u32,
    /// In place: the line of the group's first record.
    line: u32,
}

/// A record of activities as it is read, with its keys.
struct Keyed<'a> {
    keys: Keys<'a>,
    line: usize,
    column: usize,
    /// Where the record starts in the file (not known for a JSON array's elements).
    offset: Option<u64>,
    body: Body<'a>,
    /// Whether the record's key is written as the record's before it, whose keys it has
    /// (`keys` is then empty): given only to a reading of runs.
    again: bool,
}

impl<'a> Keyed<'a> {
    fn new(
        keys: Keys<'a>,
        line: usize,
        column: usize,
        offset: Option<u64>,
        body: Body<'a>,
    ) -> Keyed<'a> {
        Keyed {
            keys,
            line,
            column,
            offset,
            body,
            again: false,
        }
    }
}

/// A record's keys: one, mostly, held without a list.
#[derive(Default)]
struct Keys<'a> {
    first: Option<Cow<'a, str>>,
    more: Vec<Cow<'a, str>>,
}

impl<'a> Keys<'a> {
    /// The keys of a record whose one key path reads `key`: none where it is empty.
    fn one(key: Cow<'a, str>) -> Keys<'a> {
        let mut keys = Keys::default();
        if !key.is_empty() {
            keys.push(key);
        }
        keys
    }

    fn push(&mut self, key: Cow<'a, str>) {
        match self.first {
            None => self.first = Some(key),
            Some(_) => self.more.push(key),
        }
    }

    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.more.len()
    }

    fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    fn iter(&self) -> impl Iterator<Item = &Cow<'a, str>> {
        self.first.iter().chain(&self.more)
    }
}

impl<'a> IntoIterator for Keys<'a> {
    type Item = Cow<'a, str>;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<Cow<'a, str>>, std::vec::IntoIter<Cow<'a, str>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.more)
    }
}

/// What a record of activities holds.
enum Body<'a> {
    /// A CSV record's cells.
    Csv(&'a ::csv::ByteRecord),
    /// A JSON record's text.
    Json(&'a [u8]),
    /// Nothing: the record is larger than [`MAX_RECORD_BYTES`].
    TooLarge,
    /// Nothing: its keys could not be read (the error is kept).
    Unreadable,
}

/// A sketch of the hashes seen while reading in place: `1 << SKETCH_SHIFT` bits, of one
/// key in `SKETCH_SAMPLE` (by hash). Small enough to stay in a core's cache: a larger one,
/// of every key, cost a cache miss per key.
const SKETCH_SHIFT: u32 = 21;
const SKETCH_BITS: usize = 1 << SKETCH_SHIFT;
const SKETCH_SAMPLE: u64 = 8;

/// How much of a store on disk is read ahead when contacts take its groups in order.
const READ_AHEAD: usize = 256 << 10;

/// Part of a store on disk, read for one thread: the groups of contacts that come in the
/// store's order are found in it without a read each.
#[derive(Default)]
struct Window {
    store: usize,
    offset: u64,
    bytes: Vec<u8>,
}

thread_local! {
    static WINDOW: std::cell::RefCell<Window> = std::cell::RefCell::new(Window::default());
    /// Per store (by its id, a few at once), the index entry after the group this thread
    /// took last: contacts in the activities' order find theirs there, with no lookup (a
    /// lookup by hash is a cache miss or two).
    static NEXT: std::cell::Cell<[(usize, usize); NEXT_STORES]> =
        const { std::cell::Cell::new([(0, 0); NEXT_STORES]) };
}

/// How many stores' predictions ([`NEXT`]) a thread keeps: one per `--activities` file.
const NEXT_STORES: usize = 4;

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

/// Each entry's hash and place, sorted by hash (and place).
fn by_hash(index: &[Entry]) -> Vec<(u64, usize)> {
    let mut by_hash: Vec<(u64, usize)> = index.iter().map(|e| e.hash).zip(0..).collect();
    by_hash.sort_unstable();
    by_hash
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
    /// is returned, and no contact can then be classified with it. `original` is the file
    /// itself where it is a regular file that can be read again: activities grouped by key
    /// are then read in place, not copied and sorted.
    pub fn read<R: Read>(
        file: &str,
        format: InputFormat,
        reader: R,
        plan: &FieldPlan,
        source: &Source,
        join: &Join,
        original: Option<std::fs::File>,
    ) -> Result<Activities, Box<DataError>> {
        Activities::read_within(
            file,
            format,
            reader,
            plan,
            source,
            join,
            MEMORY_BUDGET,
            original,
        )
    }

    /// [`Activities::read`], sorting at most `budget` bytes of frames in memory (and
    /// keeping a file in place in memory up to that size).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn read_within<R: Read>(
        file: &str,
        format: InputFormat,
        reader: R,
        plan: &FieldPlan,
        source: &Source,
        join: &Join,
        budget: usize,
        original: Option<std::fs::File>,
    ) -> Result<Activities, Box<DataError>> {
        static STORES: AtomicUsize = AtomicUsize::new(1);
        let join = join.clone();
        let key_path = (!join.key.contains("[]"))
            .then(|| super::paths::Paths::new(std::slice::from_ref(&join.key)));
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
            by_hash: Vec::new(),
            in_place: false,
            store_len: 0,
            watched: None,
            id: STORES.fetch_add(1, Ordering::Relaxed),
            key_at,
            delimiter: source.delimiter,
            directory: Vec::new(),
            bits: 0,
            matched: Vec::new(),
            read: 0,
            keyless: 0,
            links: 0,
            problems: Vec::new(),
            without: AtomicUsize::new(0),
            enough: false,
        };
        let delimiter = source.delimiter;
        // grouped activities are read in place where the file can be read again
        if let Some(original) = original.filter(|_| format != InputFormat::Json) {
            let grouped = activities
                .read_in_place(&mut pieces, key_at, delimiter, budget, original)
                .map_err(|e| Box::new(temporary(file, &e)))??;
            let Some(mut original) = grouped else {
                activities.indexed();
                return Ok(activities);
            };
            // not grouped: read again from the start, into sorted frames
            activities.forget();
            original
                .rewind()
                .map_err(|e| Box::new(temporary(file, &e)))?;
            let mut again = Pieces::new(format, original);
            if format == InputFormat::Csv
                && let Err(piece) = again.first_line()
            {
                return Err(fatal(file, piece));
            }
            activities.read_frames(&mut again, key_at, delimiter, budget)?;
            activities.indexed();
            return Ok(activities);
        }
        activities.read_frames(&mut pieces, key_at, delimiter, budget)?;
        activities.indexed();
        Ok(activities)
    }

    /// Calls `each` with every record of `pieces` and its keys (none where it has none;
    /// a record whose keys cannot be read is kept as a problem, and given without keys):
    /// its line and column, where it starts in the file (not for a JSON array's
    /// elements), and its body. With `runs`, a JSON Lines record whose key is written as
    /// the record's before it is given `again`, its keys not read (most records of a
    /// grouped file: reading their keys was most of the first reading).
    fn each_keyed<Q: Read>(
        &mut self,
        pieces: &mut Pieces<Q>,
        key_at: Option<usize>,
        delimiter: u8,
        runs: bool,
        mut each: impl FnMut(&mut Activities, Keyed<'_>) -> Result<(), Box<DataError>>,
    ) -> Result<(), Box<DataError>> {
        let file = self.file.clone();
        let format = self.format;
        self.enough = false;
        while !self.enough
            && let Some(piece) = pieces.next()
        {
            match piece {
                Piece::Records(chunk) => {
                    let base = chunk.end - chunk.bytes.len() as u64;
                    match format {
                        InputFormat::Csv => {
                            let at = key_at.unwrap_or(0);
                            let problem = csv::each_record(
                                &file,
                                delimiter,
                                &chunk.bytes,
                                chunk.line,
                                |line, start, record| {
                                    let offset = Some(base + start as u64);
                                    let cell = record.get(at).unwrap_or_default();
                                    let Ok(key) = std::str::from_utf8(cell) else {
                                        // a key that is not text names no contact for sure
                                        let mut e = DataError::new(
                                            Code::MalformedCsv,
                                            &file,
                                            DataProblem::NotUtf8,
                                        );
                                        e.line = Some(line);
                                        e.field = Some(self.join.key.clone());
                                        e.cell = Some(at + 1);
                                        return self.unreadable(e, line, offset, &mut each);
                                    };
                                    // a CSV id is trimmed, so is its key
                                    let keys = self.keys_of([Cow::Borrowed(key.trim())]);
                                    let body = Body::Csv(record);
                                    each(self, Keyed::new(keys, line, 1, offset, body))
                                },
                            )?;
                            if let Some(problem) = problem {
                                let line = problem.line.unwrap_or(chunk.line);
                                self.unreadable(*problem, line, None, &mut each)?;
                            }
                        }
                        InputFormat::Jsonl => {
                            // the key's text in the record before, where it led its record
                            let (mut last, mut led) = (Vec::new(), false);
                            let paths = self.key_path.clone().filter(|_| runs);
                            for (line, bytes) in json::lines(&chunk.bytes, chunk.line) {
                                if self.enough {
                                    break;
                                }
                                let start = bytes.as_ptr() as usize - chunk.bytes.as_ptr() as usize;
                                let offset = Some(base + start as u64);
                                if let Some(paths) = &paths {
                                    if led && paths.same_lead(bytes, &last) {
                                        let mut keyed = Keyed::new(
                                            Keys::default(),
                                            line,
                                            1,
                                            offset,
                                            Body::Json(bytes),
                                        );
                                        keyed.again = true;
                                        each(self, keyed)?;
                                        continue;
                                    }
                                    last.clear();
                                    led = false;
                                    // a key at the record's head is read once, here
                                    if let Some((key, span)) = paths.lead(bytes) {
                                        last.extend_from_slice(span);
                                        led = true;
                                        let keys = self.keys_of(Keys::one(key));
                                        let body = Body::Json(bytes);
                                        each(self, Keyed::new(keys, line, 1, offset, body))?;
                                        continue;
                                    }
                                }
                                self.json_keyed(bytes, line, 1, offset, &mut each)?;
                            }
                        }
                        InputFormat::Json => {
                            for e in &chunk.elements {
                                let bytes = &chunk.bytes[e.start..e.end];
                                self.json_keyed(bytes, e.line, e.column, None, &mut each)?;
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
                        _ => scan::recover_id(&prefix, &self.join.key).filter(|k| !k.is_empty()),
                    };
                    match key {
                        Some(key) => {
                            let keys = self.keys_of([Cow::Owned(key)]);
                            each(self, Keyed::new(keys, line, column, None, Body::TooLarge))?;
                        }
                        None => {
                            let code = if format == InputFormat::Csv {
                                Code::MalformedCsv
                            } else {
                                Code::MalformedJson
                            };
                            let limit = MAX_RECORD_BYTES;
                            let mut e =
                                DataError::new(code, &file, DataProblem::RecordTooLarge { limit });
                            e.line = Some(line);
                            e.column = (format != InputFormat::Csv).then_some(column);
                            self.unreadable(e, line, None, &mut each)?;
                        }
                    }
                }
                other => return Err(fatal(&file, other)),
            }
        }
        Ok(())
    }

    /// Keeps the error of a record whose key is unknown, and gives the record on without
    /// keys.
    fn unreadable(
        &mut self,
        error: DataError,
        line: usize,
        offset: Option<u64>,
        each: &mut impl FnMut(&mut Activities, Keyed<'_>) -> Result<(), Box<DataError>>,
    ) -> Result<(), Box<DataError>> {
        self.read += 1;
        self.problems.push(error);
        each(
            self,
            Keyed::new(Keys::default(), line, 1, offset, Body::Unreadable),
        )
    }

    /// Gives one JSON record of activities on with its keys, or keeps its error when they
    /// cannot be read.
    fn json_keyed(
        &mut self,
        bytes: &[u8],
        line: usize,
        column: usize,
        offset: Option<u64>,
        each: &mut impl FnMut(&mut Activities, Keyed<'_>) -> Result<(), Box<DataError>>,
    ) -> Result<(), Box<DataError>> {
        match self.json_keys(bytes, line, column) {
            Ok(keys) => {
                let keys = self.keys_of(keys);
                each(
                    self,
                    Keyed::new(keys, line, column, offset, Body::Json(bytes)),
                )
            }
            Err(e) => self.unreadable(*e, line, offset, each),
        }
    }

    /// The keys of a record as contacts' ids are written: without empty ones and the
    /// source's missing spellings, a numeric id the shortest way (`007` is contact `7`).
    fn keys_of<'k>(&self, keys: impl IntoIterator<Item = Cow<'k, str>>) -> Keys<'k> {
        let mut out = Keys::default();
        for key in keys {
            if key.is_empty() || self.missing.iter().any(|m| m == key.trim()) {
                continue;
            }
            let number = if self.numeric {
                key.parse::<f64>().ok()
            } else {
                None
            };
            out.push(match number {
                Some(n) if n.is_finite() && n.fract() == 0.0 => {
                    Cow::Owned(crate::semantics::value::format_number(n))
                }
                _ => key,
            });
        }
        out
    }

    /// Counts a record read with `keys`.
    fn count(&mut self, keys: &Keys<'_>) {
        self.read += 1;
        self.links += keys.len();
        if keys.is_empty() {
            self.keyless += 1;
        }
    }

    /// Reads every record into frames under each of its keys, sorted by key in memory
    /// within `budget` and in runs on disk beyond: any order of records, any number of
    /// keys per record.
    fn read_frames<Q: Read>(
        &mut self,
        pieces: &mut Pieces<Q>,
        key_at: Option<usize>,
        delimiter: u8,
        budget: usize,
    ) -> Result<(), Box<DataError>> {
        let mut frames = Frames::new(budget);
        let file = self.file.clone();
        self.each_keyed(pieces, key_at, delimiter, false, |this, keyed| {
            // a JSON record is its own payload, not a copy of it
            let cells;
            let (flags, payload): (u8, &[u8]) = match keyed.body {
                Body::Unreadable => return Ok(()),
                Body::TooLarge => (TOO_LARGE, &[]),
                Body::Csv(record) => {
                    cells = encode_cells(record);
                    (0, &cells)
                }
                Body::Json(bytes) => (0, bytes),
            };
            this.count(&keyed.keys);
            for key in keyed.keys.iter() {
                frames
                    .push(key.as_bytes(), keyed.line, keyed.column, flags, payload)
                    .map_err(|e| Box::new(temporary(&file, &e)))?;
            }
            Ok(())
        })?;
        let failed = |e: io::Error| Box::new(temporary(&file, &e));
        let (store, index) = frames.finish().map_err(failed)?;
        self.store_len = match &store {
            Store::Memory(bytes) => bytes.len() as u64,
            Store::File(f) => f.metadata().map_err(failed)?.len(),
        };
        self.store = store;
        self.by_hash = by_hash(&index);
        self.index = index;
        Ok(())
    }

    /// Reads the records' keys only, as long as each key's records come together (one
    /// key per record, each key in one run of records): the index then points at the runs
    /// in the file itself (or in memory, where the file is within `budget`), and nothing is
    /// sorted or copied. `Ok(Ok(None))` when it did; the file back, to be read otherwise,
    /// where a key came again after others or a record holds several keys or is too large.
    fn read_in_place<Q: Read>(
        &mut self,
        pieces: &mut Pieces<Q>,
        key_at: Option<usize>,
        delimiter: u8,
        budget: usize,
        original: std::fs::File,
    ) -> io::Result<Result<Option<std::fs::File>, Box<DataError>>> {
        let metadata = original.metadata()?;
        let (size, modified) = (metadata.len(), metadata.modified().ok());
        // a file within the budget is kept in memory as it is read
        let mut kept: Option<Vec<u8>> = (size <= budget as u64).then(Vec::new);
        let mut index: Vec<Entry> = Vec::new();
        // the run of records being read: its key, and its entry
        let mut open: Option<(String, Entry)> = None;
        let mut grouped = true;
        // a key seen before is found for sure only once the hashes are sorted (`by_hash`);
        // this sketch of the hashes seen gives up early on a file in no order
        let mut seen = vec![0u64; SKETCH_BITS / 64];
        let (mut again, mut sampled) = (0usize, 0usize);
        let close = |open: &mut Option<(String, Entry)>, index: &mut Vec<Entry>, end: u64| {
            if let Some((_, mut entry)) = open.take() {
                entry.len = end - entry.offset;
                index.push(entry);
            }
        };
        let result = self.each_keyed(pieces, key_at, delimiter, true, |this, keyed| {
            // (a CSV chunk still gives the rest of its records)
            if !grouped {
                return Ok(());
            }
            // a record of the run being read, counted as the one before it
            if keyed.again && u32::try_from(keyed.line).is_ok() {
                this.read += 1;
                match &mut open {
                    Some((_, entry)) => {
                        this.links += 1;
                        entry.rows += 1;
                    }
                    None => this.keyless += 1,
                }
                return Ok(());
            }
            let Some(offset) = keyed.offset.filter(|_| {
                !matches!(keyed.body, Body::TooLarge)
                    && keyed.keys.len() <= 1
                    && u32::try_from(keyed.line).is_ok()
            }) else {
                grouped = false;
                this.enough = true;
                return Ok(());
            };
            // an unreadable record was counted, and its error kept
            if !matches!(keyed.body, Body::Unreadable) {
                this.count(&keyed.keys);
            }
            let key = keyed.keys.into_iter().next();
            if let (Some(key), Some((open_key, entry))) = (&key, &mut open)
                && **key == **open_key
            {
                entry.rows += 1;
                return Ok(());
            }
            close(&mut open, &mut index, offset);
            let Some(key) = key else { return Ok(()) };
            let key = key.into_owned();
            let hash = hash_of(key.as_bytes());
            let bit = (hash >> (64 - SKETCH_SHIFT)) as usize;
            if hash.is_multiple_of(SKETCH_SAMPLE) {
                if seen[bit / 64] & (1 << (bit % 64)) != 0 {
                    again += 1;
                    // about `n * n / 2 / SKETCH_BITS` of `n` distinct keys collide by chance
                    // (and as early as before sampling, 1,000 keys again in all)
                    let n = sampled as f64;
                    let margin = 1000.0 / SKETCH_SAMPLE as f64;
                    if again as f64 > margin + n * n / SKETCH_BITS as f64 {
                        grouped = false;
                        this.enough = true;
                        return Ok(());
                    }
                }
                seen[bit / 64] |= 1 << (bit % 64);
                sampled += 1;
            }
            let line = keyed.line as u32;
            open = Some((
                key,
                Entry {
                    hash,
                    offset,
                    len: 0,
                    rows: 1,
                    line,
                },
            ));
            Ok(())
        });
        if let Err(e) = result {
            return Ok(Err(e));
        }
        close(&mut open, &mut index, size);
        let by_hash = by_hash(&index);
        // a hash twice is a key twice (or two keys of one hash, rare): not grouped
        if !grouped || by_hash.windows(2).any(|w| w[0].0 == w[1].0) {
            return Ok(Ok(Some(original)));
        }
        // a file kept in memory is read whole again: it is within the budget, and in the
        // system's cache from the reading just done
        if let Some(bytes) = &mut kept {
            let mut reader = &original;
            reader.rewind()?;
            reader.read_to_end(bytes)?;
        }
        self.watched = Some((original.try_clone()?, size, modified));
        self.store = match kept {
            Some(bytes) if bytes.len() as u64 == size => Store::Memory(bytes),
            _ => Store::File(original),
        };
        self.store_len = size;
        self.index = index;
        self.by_hash = by_hash;
        self.in_place = true;
        Ok(Ok(None))
    }

    /// Forgets what a first reading found, before the file is read again.
    fn forget(&mut self) {
        self.read = 0;
        self.keyless = 0;
        self.links = 0;
        self.problems.clear();
        self.index.clear();
        self.by_hash.clear();
        self.in_place = false;
    }

    /// Builds the directory of the index, and the marks of the keys contacts take.
    fn indexed(&mut self) {
        self.matched = self.index.iter().map(|_| AtomicBool::new(false)).collect();
        // about one entry per range of hashes
        let bits = (usize::BITS - self.index.len().leading_zeros()).clamp(1, 32);
        let mut directory = vec![0u32; (1usize << bits) + 1];
        for &(hash, _) in &self.by_hash {
            directory[(hash >> (64 - bits)) as usize + 1] += 1;
        }
        for i in 1..directory.len() {
            directory[i] += directory[i - 1];
        }
        self.directory = directory;
        self.bits = bits;
    }

    /// The keys of a JSON record of activities: the text at the key path (a string as it
    /// is, a number as its shortest text), or each one, once, where a step ending in `[]`
    /// goes through a list (`associations.contacts.results[].id`: an activity of several
    /// contacts); none where the path leads nowhere or to `null`. A record that is not a
    /// JSON object, or whose key path runs into a value it cannot go through, is an error.
    fn json_keys<'b>(
        &self,
        bytes: &'b [u8],
        line: usize,
        column: usize,
    ) -> Result<Keys<'b>, Box<DataError>> {
        let path = self.join.key.as_str();
        if let Some(paths) = &self.key_path
            && let Some(key) = paths.scalar_unchecked(bytes)
        {
            return Ok(Keys::one(key));
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
        let mut keys = Keys::default();
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
            if !key.is_empty() && !keys.iter().any(|k| **k == key) {
                keys.push(Cow::Owned(key));
            }
        }
        Ok(keys)
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

    /// An error where the file, read in place, has changed since its first reading began
    /// (its length or its time of change): its groups were read again where that reading
    /// found them, so what was joined from it may be wrong. A file sorted into frames is
    /// read once for good and is not watched.
    pub fn changed(&self) -> Option<DataError> {
        let (file, size, modified) = self.watched.as_ref()?;
        let now = file.metadata().ok();
        let same = now
            .as_ref()
            .is_some_and(|m| m.len() == *size && m.modified().ok() == *modified);
        if same {
            return None;
        }
        let problem = DataProblem::ChangedWhileRead;
        let mut e = DataError::new(Code::UnreadableData, &self.file, problem);
        e.fatal = true;
        Some(e)
    }

    /// Records that could not be read and whose contact is unknown, in file order: each
    /// is an error of the run.
    pub fn problems(&self) -> &[DataError] {
        &self.problems
    }

    /// Columns the source reads that a CSV file of activities does not have (see
    /// `csv::Header::absent`).
    pub fn absent_columns(&self) -> &[csv::Absent] {
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
        let failed = |e: io::Error| Box::new(temporary(&self.file, &e));
        let mut found = None;
        // the entry after this thread's last one first, where its hash is the key's
        let (store, next) = NEXT.get()[self.id % NEXT_STORES];
        let predicted = (store == self.id)
            .then_some(next)
            .filter(|&at| self.index.get(at).is_some_and(|e| e.hash == hash));
        // (looked up only where the prediction fails: the lookup is the cost)
        let looked_up = std::iter::once(())
            .flat_map(|()| self.entries_of(hash))
            .filter(|&at| Some(at) != predicted);
        for at in predicted.into_iter().chain(looked_up) {
            let entry = &self.index[at];
            // a contact's activities are held together, so they are bounded as a record is
            if entry.len > MAX_RECORD_BYTES as u64 {
                if !self.is_key(entry, key)? {
                    continue;
                }
                self.matched[at].store(true, Ordering::Relaxed);
                let problem = DataProblem::TooManyActivities {
                    count: entry.rows as usize,
                    limit: MAX_RECORD_BYTES,
                };
                let mut e = DataError::new(self.code(), &self.file, problem);
                e.id = Some(contact.id.clone());
                return Err(Box::new(e));
            }
            // a group within the bound is read once, its key checked from its first record
            let list = self
                .with_group(entry, |bytes| {
                    if !self.starts_with_key(bytes, entry, key) {
                        return None;
                    }
                    Some(self.target.map(|(slot, element)| {
                        self.decode_group(plan, bytes, entry, element, &contact.slots[slot])
                    }))
                })
                .map_err(failed)?;
            if let Some(list) = list {
                self.matched[at].store(true, Ordering::Relaxed);
                let mut next = NEXT.get();
                next[self.id % NEXT_STORES] = (self.id, at + 1);
                NEXT.set(next);
                found = Some(list);
                break;
            }
        }
        let Some((slot, _)) = self.target else {
            if found.is_none() {
                self.without.fetch_add(1, Ordering::Relaxed);
            }
            return Ok(());
        };
        let list = match found {
            Some(Some(list)) => list.map_err(|mut e| {
                e.id = Some(contact.id.clone());
                e
            })?,
            _ => {
                self.without.fetch_add(1, Ordering::Relaxed);
                match &contact.slots[slot] {
                    // the contact's own list, and none from here
                    Value::List(own) => Value::List(own.clone()),
                    _ => typed::list_from(typed::list_start()),
                }
            }
        };
        contact.slots[slot] = list;
        Ok(())
    }

    /// Where the activities [`Activities::attach`] gives the contact `id` come from (for
    /// `explain`): the list's slot and each activity's line in this file, in the order
    /// they join the list; `None` where no rule reads the list or the contact has none here.
    pub fn lines_of(&self, id: &str) -> Result<Option<(usize, Vec<usize>)>, Box<DataError>> {
        let Some((slot, _)) = self.target else {
            return Ok(None);
        };
        let key = id.as_bytes();
        for at in self.entries_of(hash_of(key)) {
            let entry = &self.index[at];
            let lines = self
                .with_group(entry, |bytes| {
                    if !self.starts_with_key(bytes, entry, key) {
                        return None;
                    }
                    let mut lines = Vec::with_capacity(entry.rows as usize);
                    if self.in_place {
                        self.each_in_place(bytes, entry, |line, _| {
                            lines.push(line);
                            true
                        });
                    } else {
                        let mut rest = bytes;
                        while let Some((frame, after)) = Frame::parse(rest) {
                            lines.push(frame.line);
                            rest = after;
                        }
                    }
                    Some(lines)
                })
                .map_err(|e| Box::new(temporary(&self.file, &e)))?;
            if let Some(lines) = lines {
                return Ok(Some((slot, lines)));
            }
        }
        Ok(None)
    }

    /// The code of this file's errors.
    fn code(&self) -> Code {
        if self.format == InputFormat::Csv {
            Code::MalformedCsv
        } else {
            Code::MalformedJson
        }
    }

    /// Whether the group `bytes` (of `entry`) is the group of `key`: its first frame's key,
    /// or in place, its first record's.
    fn starts_with_key(&self, bytes: &[u8], entry: &Entry, key: &[u8]) -> bool {
        if !self.in_place {
            return frame_key(bytes) == Some(key);
        }
        let mut same = false;
        self.each_in_place(bytes, entry, |line, record| {
            let keys = match record {
                InPlace::Json(bytes) => self
                    .json_keys(bytes, line, 1)
                    .ok()
                    .map(|keys| self.keys_of(keys)),
                InPlace::Csv(record) => {
                    let cell = record.get(self.key_at.unwrap_or(0)).unwrap_or_default();
                    std::str::from_utf8(cell)
                        .ok()
                        .map(|k| self.keys_of([Cow::Borrowed(k.trim())]))
                }
            };
            same = matches!(keys, Some(keys) if keys.len() == 1
                && keys.iter().next().is_some_and(|k| k.as_bytes() == key));
            false
        });
        same
    }

    /// Calls `each` with the line and body of each record of a group in place, while it
    /// says to go on.
    fn each_in_place(
        &self,
        bytes: &[u8],
        entry: &Entry,
        mut each: impl FnMut(usize, InPlace<'_>) -> bool,
    ) {
        let line = entry.line as usize;
        match self.format {
            InputFormat::Csv => {
                let mut go_on = true;
                let _ = csv::each_record(&self.file, self.delimiter, bytes, line, |l, _, r| {
                    if go_on {
                        go_on = each(l, InPlace::Csv(r));
                    }
                    Ok::<(), ()>(())
                });
            }
            _ => {
                for (l, record) in json::lines(bytes, line) {
                    if !each(l, InPlace::Json(record)) {
                        return;
                    }
                }
            }
        }
    }

    /// The list of a group's activities as elements of layout `element`, after the
    /// contact's own (`own`); the first bad one's error.
    fn decode_group(
        &self,
        plan: &FieldPlan,
        bytes: &[u8],
        entry: &Entry,
        element: LayoutId,
        own: &Value,
    ) -> Result<Value, Box<DataError>> {
        // the elements wait on the thread's list stack, and the list is then pooled memory
        let start = typed::list_start();
        if let Value::List(own) = own {
            own.iter().cloned().for_each(typed::push_element);
        }
        let mut failure = None;
        if self.in_place {
            // a group of JSON records checked as text once, not record by record
            let text = (self.format != InputFormat::Csv)
                .then(|| std::str::from_utf8(bytes).ok())
                .flatten();
            let base = bytes.as_ptr() as usize;
            self.each_in_place(bytes, entry, |line, record| {
                let item = match record {
                    InPlace::Json(bytes) => {
                        let start = bytes.as_ptr() as usize - base;
                        let text = text.and_then(|t| t.get(start..start + bytes.len()));
                        self.json_element(plan, bytes, text, line, 1, element)
                    }
                    InPlace::Csv(record) => self.csv_element(plan, record, line, element),
                };
                match item {
                    Ok(item) => typed::push_element(item),
                    Err(e) => failure = Some(e),
                }
                failure.is_none()
            });
        } else {
            let mut rest = bytes;
            while let Some((frame, after)) = Frame::parse(rest) {
                rest = after;
                match self.element(plan, frame, element) {
                    Ok(item) => typed::push_element(item),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
        }
        match failure {
            Some(e) => {
                typed::abandon_list(start);
                Err(e)
            }
            None => Ok(typed::list_from(start)),
        }
    }

    /// Notes that a contact with this id was read, though it could not be decoded: its
    /// activities are not orphans.
    pub fn touch(&self, id: &str) {
        let hash = hash_of(id.as_bytes());
        for at in self.entries_of(hash) {
            // a temporary file that cannot be read here fails the contacts that need it;
            // this only spares the count of orphans
            if self.is_key(&self.index[at], id.as_bytes()).unwrap_or(false) {
                self.matched[at].store(true, Ordering::Relaxed);
                return;
            }
        }
    }

    /// The places in the index of the entries whose hash is `hash`.
    fn entries_of(&self, hash: u64) -> impl Iterator<Item = usize> + '_ {
        let first = if self.by_hash.is_empty() {
            0
        } else {
            let range = (hash >> (64 - self.bits)) as usize;
            let (start, end) = (
                self.directory[range] as usize,
                self.directory[range + 1] as usize,
            );
            start + self.by_hash[start..end].partition_point(|&(h, _)| h < hash)
        };
        self.by_hash[first..]
            .iter()
            .take_while(move |&&(h, _)| h == hash)
            .map(|&(_, at)| at)
    }

    /// Whether an entry's key is `key`, read from the head of its group.
    fn is_key(&self, entry: &Entry, key: &[u8]) -> Result<bool, Box<DataError>> {
        // a frame's key is at its head; a record in place is whole within the bound
        let head = if self.in_place {
            MAX_RECORD_BYTES as u64
        } else {
            (FRAME_HEAD + key.len()) as u64
        };
        let head = Entry {
            len: entry.len.min(head),
            ..*entry
        };
        self.with_group(&head, |bytes| self.starts_with_key(bytes, entry, key))
            .map_err(|e| Box::new(temporary(&self.file, &e)))
    }

    /// Calls `f` with an entry's group: where it lies in memory, or read from the file into
    /// this thread's window of it (read ahead where the groups are taken in order).
    fn with_group<T>(&self, entry: &Entry, f: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
        let (offset, len) = (entry.offset, entry.len as usize);
        let file = match &self.store {
            Store::Memory(bytes) => {
                let start = offset as usize;
                return Ok(f(bytes.get(start..start + len).unwrap_or_default()));
            }
            Store::File(file) => file,
        };
        WINDOW.with_borrow_mut(|window| {
            let end = window.offset + window.bytes.len() as u64;
            let mine = window.store == self.id;
            if !(mine && offset >= window.offset && offset + len as u64 <= end) {
                // the next groups in the store's order are read with this one
                let ahead = mine && offset >= end && offset - end < READ_AHEAD as u64;
                let want = if ahead { len.max(READ_AHEAD) } else { len };
                let want = want.min((self.store_len.saturating_sub(offset)) as usize);
                window.store = 0;
                window.bytes.resize(want.max(len), 0);
                read_at(file, &mut window.bytes, offset)?;
                window.store = self.id;
                window.offset = offset;
            }
            let at = (offset - window.offset) as usize;
            Ok(f(&window.bytes[at..at + len]))
        })
    }

    /// Decodes one frame as an element of layout `element`.
    fn element(
        &self,
        plan: &FieldPlan,
        frame: Frame<'_>,
        element: LayoutId,
    ) -> Result<Value, Box<DataError>> {
        if frame.flags & TOO_LARGE != 0 {
            let mut e = DataError::new(
                self.code(),
                &self.file,
                DataProblem::RecordTooLarge {
                    limit: MAX_RECORD_BYTES,
                },
            );
            e.line = Some(frame.line);
            e.column = (self.format != InputFormat::Csv).then_some(frame.column);
            return Err(Box::new(e));
        }
        match self.format {
            InputFormat::Csv => {
                self.csv_element(plan, &mut decode_cells(frame.payload), frame.line, element)
            }
            InputFormat::Json | InputFormat::Jsonl => {
                let payload = frame.payload;
                self.json_element(plan, payload, None, frame.line, frame.column, element)
            }
        }
    }

    /// Decodes a CSV record of activities as an element of layout `element`.
    fn csv_element(
        &self,
        plan: &FieldPlan,
        record: &mut ::csv::ByteRecord,
        line: usize,
        element: LayoutId,
    ) -> Result<Value, Box<DataError>> {
        let Some(header) = &self.header else {
            return Ok(Value::Missing);
        };
        let record = std::mem::take(record);
        csv::decode_element(&self.file, line, plan, element, header, record)
    }

    /// Decodes a JSON record of activities as an element of layout `element`: in one pass
    /// where the fast reader takes it, else parsed whole. `text` is `bytes` where they are
    /// known to be text.
    fn json_element(
        &self,
        plan: &FieldPlan,
        bytes: &[u8],
        text: Option<&str>,
        line: usize,
        column: usize,
        element: LayoutId,
    ) -> Result<Value, Box<DataError>> {
        let file = self.file.as_str();
        let Some(header) = &self.header else {
            return Ok(Value::Missing);
        };
        if let Some(text) = text.or_else(|| std::str::from_utf8(bytes).ok()) {
            if let Some(item) = json::mapped::element(plan, header, element, text) {
                return Ok(item);
            }
            if let Some(mut row) = json::mapped::row(plan, header, text) {
                return csv::decode_element_row(file, line, plan, element, header, &mut row);
            }
        }
        let record = json_cells(file, bytes, line, column, header)?;
        csv::decode_element(file, line, plan, element, header, record)
    }
}

/// A record of a group in place.
enum InPlace<'a> {
    Json(&'a [u8]),
    Csv(&'a mut ::csv::ByteRecord),
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
    if let Some(row) = csv::json_row_fast(header, bytes) {
        return Ok(row.into_byte_record());
    }
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
        Err(json::Strictly::OutOfRange(l, c)) => {
            // where the number starts, and the member it is the value of
            let (at, key) = json::out_of_range_at(text, (line, column), (l, c));
            let problem = DataProblem::NumberOutOfRange { found: None };
            let mut e = DataError::new(Code::WrongType, file, problem);
            (e.line, e.column, e.field) = (Some(at.0), Some(at.1), key);
            Err(Box::new(e))
        }
        Err(json::Strictly::Other) => {
            Err(match serde_json::from_str::<serde_json::Value>(text) {
                Ok(other) => located(
                    DataProblem::ActivityNotObject {
                        found: json::found_of(&other),
                    },
                    (line, column),
                ),
                Err(e) => {
                    // the parser's place within the record, as a place in the file
                    let at = json::in_file((line, column), (e.line(), e.column()));
                    let reason = super::without_position(&e.to_string()).to_string();
                    located(DataProblem::MalformedActivity { reason }, at)
                }
            })
        }
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
    head_len: usize,
    key: &'a [u8],
    line: usize,
    column: usize,
    flags: u8,
    payload: &'a [u8],
}

impl<'a> Frame<'a> {
    /// The frame at the start of `bytes` and the bytes after it.
    fn parse(bytes: &'a [u8]) -> Option<(Frame<'a>, &'a [u8])> {
        let head = FrameHead::parse(bytes)?;
        let body = bytes.get(head.len..head.frame_len())?;
        let frame = Frame {
            head_len: head.len,
            key: &body[..head.key_len],
            line: head.line,
            column: head.column,
            flags: head.flags,
            payload: &body[head.key_len..],
        };
        Some((frame, &bytes[head.frame_len()..]))
    }

    /// The frame's length in the store (its head written as [`write_frame`] writes it).
    fn len(&self) -> usize {
        self.head_len + self.key.len() + self.payload.len()
    }
}

/// What a frame's head says.
struct FrameHead {
    key_len: usize,
    payload_len: usize,
    line: usize,
    column: usize,
    flags: u8,
    /// The head's own length.
    len: usize,
}

impl FrameHead {
    /// The head at the start of `bytes`; `None` where it is not whole there.
    #[inline]
    fn parse(bytes: &[u8]) -> Option<FrameHead> {
        let flags = *bytes.first()?;
        if flags & SHORT != 0 {
            let head = bytes.first_chunk::<FRAME_SHORT>()?;
            return Some(FrameHead {
                key_len: usize::from(head[1]),
                payload_len: usize::from(u16::from_le_bytes([head[2], head[3]])),
                line: u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize,
                column: 1,
                flags,
                len: FRAME_SHORT,
            });
        }
        let head = bytes.first_chunk::<FRAME_HEAD>()?;
        let u32_at = |at: usize| u32_at(head, at) as usize;
        let line = u64::from_le_bytes(head[9..17].try_into().ok()?);
        Some(FrameHead {
            key_len: u32_at(1),
            payload_len: u32_at(5),
            line: usize::try_from(line).ok()?,
            column: u32_at(17),
            flags,
            len: FRAME_HEAD,
        })
    }

    /// The whole frame's length.
    fn frame_len(&self) -> usize {
        self.len + self.key_len + self.payload_len
    }
}

/// The key of the first frame in `bytes`, which may end after the key (its head read
/// alone, as [`Activities::is_key`] does).
fn frame_key(bytes: &[u8]) -> Option<&[u8]> {
    let head = FrameHead::parse(bytes)?;
    bytes.get(head.len..head.len + head.key_len)
}

/// The length of the first frame in `bytes` (whole there).
fn frame_len(bytes: &[u8]) -> Option<usize> {
    FrameHead::parse(bytes)
        .map(|head| head.frame_len())
        .filter(|&len| len <= bytes.len())
}

fn write_frame(
    out: &mut Vec<u8>,
    key: &[u8],
    line: usize,
    column: usize,
    flags: u8,
    payload: &[u8],
) {
    let short = (
        u8::try_from(key.len()),
        u16::try_from(payload.len()),
        u32::try_from(line),
    );
    if let (Ok(key_len), Ok(payload_len), Ok(line)) = short
        && column == 1
    {
        out.push(flags | SHORT);
        out.push(key_len);
        out.extend_from_slice(&payload_len.to_le_bytes());
        out.extend_from_slice(&line.to_le_bytes());
    } else {
        out.push(flags & !SHORT);
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(&(line as u64).to_le_bytes());
        out.extend_from_slice(&(column as u32).to_le_bytes());
    }
    out.extend_from_slice(key);
    out.extend_from_slice(payload);
}

/// Frames being gathered: sorted in memory up to a budget, in sorted runs on disk beyond.
struct Frames {
    budget: usize,
    buf: Vec<u8>,
    /// ([`rank`] of the key, offset in `buf`) per frame, in input order.
    at: Vec<(u128, usize)>,
    /// The offsets of the frames in `buf` in key order, once [`Frames::sort`] has run; and
    /// the numbers it sorts where keys are short. Both kept from run to run: made anew for
    /// each, they were grown and faulted in again each time.
    order: Vec<usize>,
    packed: Vec<u128>,
    runs: Vec<std::fs::File>,
}

impl Frames {
    fn new(budget: usize) -> Frames {
        Frames {
            budget,
            buf: Vec::new(),
            at: Vec::new(),
            order: Vec::new(),
            packed: Vec::new(),
            runs: Vec::new(),
        }
    }

    fn push(
        &mut self,
        key: &[u8],
        line: usize,
        column: usize,
        flags: u8,
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
        self.at.push((rank(key), self.buf.len()));
        write_frame(&mut self.buf, key, line, column, flags, payload);
        Ok(())
    }

    /// Puts the offsets of the frames gathered in `buf` in key order into `order` ([`rank`],
    /// then [`key_order`], then input order).
    fn sort(&mut self) {
        let buf = &self.buf;
        let key = |offset: usize| frame_key(&buf[offset..]).unwrap_or_default();
        self.order.clear();
        // where every key is whole in its rank with room to spare (ids of up to 10 bytes),
        // the offset fills the rank's last bytes: the sort is then of plain numbers, with
        // no order to call (it was a tenth of reading a shuffled file)
        let room = (RANKED - 4) as u128;
        if buf.len() <= u32::MAX as usize && self.at.iter().all(|&(r, _)| r >> 112 <= room) {
            self.packed.clear();
            self.packed
                .extend(self.at.iter().map(|&(r, o)| r | o as u128));
            self.packed.sort_unstable();
            self.order
                .extend(self.packed.iter().map(|&p| p as u32 as usize));
        } else {
            // ranks tell keys apart without reading them (but long ones of one rank);
            // offsets are distinct, so an unstable sort keeps input order per key
            self.at.sort_unstable_by(|a, b| {
                ranked_order(a.0, b.0, || (key(a.1), key(b.1))).then(a.1.cmp(&b.1))
            });
            self.order.extend(self.at.iter().map(|&(_, offset)| offset));
        }
        self.at.clear();
    }

    /// Writes the frames gathered so far, sorted, to a new temporary file.
    fn spill(&mut self) -> io::Result<()> {
        self.sort();
        let mut file = temporary_file()?;
        {
            let mut out = BufWriter::with_capacity(1 << 16, &mut file);
            for &offset in &self.order {
                if let Some(len) = frame_len(&self.buf[offset..]) {
                    out.write_all(&self.buf[offset..offset + len])?;
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
            self.sort();
            let mut out = Vec::with_capacity(self.buf.len());
            for &offset in &self.order {
                if let Some((frame, _)) = Frame::parse(&self.buf[offset..]) {
                    let len = frame.len();
                    note(&mut index, &out, frame.key, len);
                    out.extend_from_slice(&self.buf[offset..offset + len]);
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
        self.order = Vec::new();
        self.packed = Vec::new();
        // a k-way merge of the sorted runs: equal keys come out in run order, and each
        // run keeps input order, so a contact's activities stay in file order
        let mut runs = Vec::with_capacity(self.runs.len());
        for run in &mut self.runs {
            run.rewind()?;
            // 64 KiB a run: more bought no time, only memory (about 15 runs a million contacts)
            runs.push(Run::new(&*run, 64 << 10));
        }
        // the runs' ranks at their heads; a heap of the runs that have one, least first
        let mut ranks = Vec::with_capacity(runs.len());
        for run in &mut runs {
            ranks.push(run.head()?.unwrap_or(0));
        }
        let mut heap: Vec<usize> = (0..runs.len()).filter(|&i| runs[i].has_head()).collect();
        for at in (0..heap.len() / 2).rev() {
            sift_down(&mut heap, at, |a, b| first_run(&ranks, &runs, a, b));
        }
        let mut file = temporary_file()?;
        let mut written = 0u64;
        let mut last: Vec<u8> = Vec::new();
        {
            let mut out = BufWriter::with_capacity(1 << 20, &mut file);
            while let Some(&i) = heap.first() {
                let bytes = runs[i].frame();
                let key = frame_key(bytes).unwrap_or_default();
                if index.is_empty() || last != key {
                    index.push(Entry {
                        hash: hash_of(key),
                        offset: written,
                        len: 0,
                        rows: 0,
                        line: 0,
                    });
                    last.clear();
                    last.extend_from_slice(key);
                }
                if let Some(entry) = index.last_mut() {
                    entry.len += bytes.len() as u64;
                    entry.rows += 1;
                }
                out.write_all(bytes)?;
                written += bytes.len() as u64;
                runs[i].advance();
                match runs[i].head()? {
                    Some(rank) => ranks[i] = rank,
                    None => {
                        let end = heap.len() - 1;
                        heap.swap(0, end);
                        heap.pop();
                    }
                }
                sift_down(&mut heap, 0, |a, b| first_run(&ranks, &runs, a, b));
            }
            out.flush()?;
        }
        Ok((Store::File(file), index))
    }
}

/// Adds a frame of `key`, `len` bytes, about to be written at the end of `out` to the index.
fn note(index: &mut Vec<Entry>, out: &[u8], key: &[u8], len: usize) {
    let same = index
        .last()
        .is_some_and(|e| frame_key(&out[e.offset as usize..]) == Some(key));
    if !same {
        index.push(Entry {
            hash: hash_of(key),
            offset: out.len() as u64,
            len: 0,
            rows: 0,
            line: 0,
        });
    }
    if let Some(entry) = index.last_mut() {
        entry.len += len as u64;
        entry.rows += 1;
    }
}

/// The order of keys in sorted frames (after their [`rank`], which agrees with it for keys
/// under 64 KiB): shorter first, then by their bytes. Numeric ids (written the shortest
/// way) then come in numeric order, and ids of one width (most CRMs') in the order of
/// their text: contacts sorted by id read the store forward.
fn key_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The bytes of a key a [`rank`] holds.
const RANKED: usize = 14;

/// A number whose order is [`key_order`]'s as far as it goes: the length (up to 65,535),
/// then the first [`RANKED`] bytes; so keys of one rank are one key where they are no
/// longer than that ([`whole_in_rank`]).
fn rank(key: &[u8]) -> u128 {
    let mut word = [0u8; 16];
    word[..2].copy_from_slice(&(key.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
    let n = key.len().min(RANKED);
    word[2..2 + n].copy_from_slice(&key[..n]);
    u128::from_be_bytes(word)
}

/// The order of two keys of ranks `a` and `b`, read (`keys`) only where the ranks do not
/// decide it: the one order of sorting and merging.
fn ranked_order<'k>(
    a: u128,
    b: u128,
    keys: impl FnOnce() -> (&'k [u8], &'k [u8]),
) -> std::cmp::Ordering {
    a.cmp(&b).then_with(|| {
        if whole_in_rank(a) {
            std::cmp::Ordering::Equal
        } else {
            let (x, y) = keys();
            key_order(x, y)
        }
    })
}

/// Whether a key of this rank is all in it.
fn whole_in_rank(rank: u128) -> bool {
    (rank >> 112) as usize <= RANKED
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn frames_sort_and_merge_in_one_order_shorter_keys_first_then_by_bytes() {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for len in [1, 7, 13, 14, 15, 16, 40] {
            for last in [b'x', b'a', b'y'] {
                // one prefix for every key of a length: only its last byte tells them apart
                let mut key = vec![b'k'; len - 1];
                key.push(last);
                keys.push(key);
            }
        }
        keys.extend([
            vec![b'z'; 65_535],
            vec![b'z'; 65_534],
            b"9".to_vec(),
            b"10".to_vec(),
        ]);
        let mut by_rank = keys.clone();
        by_rank.sort_by(|a, b| ranked_order(rank(a), rank(b), || (a, b)));
        let mut by_key = keys.clone();
        by_key.sort_by(|a, b| key_order(a, b));
        assert_eq!(by_rank, by_key);
        // keys of one rank that differ past it are not taken for one key
        for (a, b) in by_key.iter().zip(&by_key[1..]) {
            assert_eq!(
                ranked_order(rank(a), rank(b), || (a, b)),
                std::cmp::Ordering::Less
            );
        }
        // numeric ids in numeric order
        assert_eq!(key_order(b"9", b"10"), std::cmp::Ordering::Less);
    }

    #[test]
    fn a_frame_reads_back_as_written_in_either_form_of_its_head() {
        let long_key = vec![b'k'; 300];
        let long_payload = vec![b'p'; 70_000];
        // (key, line, column, flags, payload)
        type Case<'a> = (&'a [u8], usize, usize, u8, &'a [u8]);
        let cases: [Case<'_>; 7] = [
            (b"c0751408", 12, 1, 0, b"{\"kind\":\"call\"}"),
            (b"7", 1, 1, TOO_LARGE, b""),
            // each in the long form: a column (a JSON array's element), a line past `u32`,
            // a key past 255 bytes, a payload past 64 KiB
            (b"7", 3, 40, 0, b"{}"),
            (b"7", u32::MAX as usize + 1, 1, 0, b"{}"),
            (&long_key, 2, 1, 0, b"{}"),
            (b"7", 2, 1, TOO_LARGE, &long_payload),
            (b"", 0, 0, 0, b""),
        ];
        let mut out = Vec::new();
        for (key, line, column, flags, payload) in cases {
            let start = out.len();
            write_frame(&mut out, key, line, column, flags, payload);
            let short = line <= u32::MAX as usize
                && column == 1
                && key.len() < 256
                && payload.len() < 65_536;
            let head = if short { FRAME_SHORT } else { FRAME_HEAD };
            assert_eq!(out.len() - start, head + key.len() + payload.len());
            assert_eq!(frame_key(&out[start..]), Some(key));
            assert_eq!(frame_len(&out[start..]), Some(out.len() - start));
        }
        let mut rest = &out[..];
        for (key, line, column, flags, payload) in cases {
            let (frame, after) = Frame::parse(rest).expect("a whole frame");
            assert_eq!(
                (
                    frame.key,
                    frame.line,
                    frame.column,
                    frame.flags & TOO_LARGE,
                    frame.payload
                ),
                (key, line, column, flags, payload)
            );
            rest = after;
        }
        assert!(rest.is_empty());
        // a head cut short is no frame
        for cut in [0, 1, FRAME_SHORT - 1] {
            assert!(Frame::parse(&out[..cut]).is_none());
        }
    }

    #[test]
    fn frames_of_short_keys_sort_as_frames_of_any_keys_do() {
        let mut random = crate::testing::Rng(11);
        for round in 0..40 {
            // a key of 11 bytes or more in the last rounds: the general sort
            let longest = if round < 30 { 10 } else { 12 };
            let mut frames = Frames::new(usize::MAX);
            let mut keys = Vec::new();
            for _ in 0..random.below(300) {
                let len = 1 + random.below(longest);
                // few letters: many keys come more than once
                let key: Vec<u8> = (0..len).map(|_| b"ab9"[random.below(3)]).collect();
                let payload = vec![b'x'; random.below(5)];
                frames.push(&key, 1, 1, 0, &payload).expect("in memory");
                keys.push(key);
            }
            let offsets: Vec<usize> = frames.at.iter().map(|&(_, o)| o).collect();
            let mut want: Vec<usize> = (0..keys.len()).collect();
            want.sort_by(|&a, &b| key_order(&keys[a], &keys[b]).then(a.cmp(&b)));
            let want: Vec<usize> = want.into_iter().map(|i| offsets[i]).collect();
            frames.sort();
            assert_eq!(frames.order, want, "round {round}");
        }
    }
}

/// One sorted run being merged: its frames read a buffer at a time and taken where they
/// lie, with no copy of each (a merge of millions of frames allocated twice a frame).
struct Run<'f> {
    file: &'f std::fs::File,
    buf: Vec<u8>,
    /// The unread bytes of `buf`, the head frame first.
    start: usize,
    end: usize,
    /// The length of the head frame, once it is whole in `buf`.
    head: Option<usize>,
}

impl<'f> Run<'f> {
    fn new(file: &'f std::fs::File, capacity: usize) -> Run<'f> {
        Run {
            file,
            buf: vec![0; capacity],
            start: 0,
            end: 0,
            head: None,
        }
    }

    /// Reads the frame at the head of the run whole into the buffer: the [`rank`] of its
    /// key; `None` at the run's end.
    fn head(&mut self) -> io::Result<Option<u128>> {
        loop {
            if let Some((frame, _)) = Frame::parse(&self.buf[self.start..self.end]) {
                let (len, rank) = (frame.len(), rank(frame.key));
                self.head = Some(len);
                return Ok(Some(rank));
            }
            // the head frame is not whole: the rest of the buffer to its start, then more
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            let need =
                FrameHead::parse(&self.buf[..self.end]).map_or(FRAME_HEAD, |head| head.frame_len());
            if need > self.buf.len() {
                self.buf.resize(need, 0);
            }
            let n = self.file.read(&mut self.buf[self.end..])?;
            if n == 0 {
                self.head = None;
                return if self.end == 0 {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
            self.end += n;
        }
    }

    fn has_head(&self) -> bool {
        self.head.is_some()
    }

    /// The head frame's bytes (after [`Run::head`] found one).
    fn frame(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.head.unwrap_or(0)]
    }

    /// The head frame's key.
    fn key(&self) -> &[u8] {
        frame_key(self.frame()).unwrap_or_default()
    }

    /// Past the head frame.
    fn advance(&mut self) {
        self.start += self.head.take().unwrap_or(0);
    }
}

/// Whether run `a`'s head frame comes before run `b`'s: by key ([`ranked_order`]), then
/// the earlier run first, so that equal keys keep input order.
fn first_run(ranks: &[u128], runs: &[Run<'_>], a: usize, b: usize) -> bool {
    ranked_order(ranks[a], ranks[b], || (runs[a].key(), runs[b].key()))
        .then(a.cmp(&b))
        .is_lt()
}

/// Moves the run at `at` of a binary heap down to its place (`before`: which of two runs
/// comes first).
fn sift_down(heap: &mut [usize], mut at: usize, before: impl Fn(usize, usize) -> bool) {
    loop {
        let (left, right) = (2 * at + 1, 2 * at + 2);
        let mut least = at;
        if left < heap.len() && before(heap[left], heap[least]) {
            least = left;
        }
        if right < heap.len() && before(heap[right], heap[least]) {
            least = right;
        }
        if least == at {
            return;
        }
        heap.swap(at, least);
        at = least;
    }
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
