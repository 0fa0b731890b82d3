//! Contacts as a stream: whole records are cut from any [`Read`] into [`Piece`]s without
//! being decoded, so a piece can be decoded anywhere (on another thread) and memory stays
//! bounded by a few pieces whatever the size of the input.
//!
//! Cutting needs to know only where records end: a newline for JSON Lines, a newline outside
//! quotes for CSV (a quote inside a quoted cell is doubled, so quote parity is enough), the
//! end of an element for a JSON array (a small state machine over brackets and strings). A
//! record larger than [`MAX_RECORD_BYTES`] is never held: its first bytes are kept to name
//! the contact, the rest is skipped as it arrives. Places (line, column) are counted as the
//! bytes go by, once.

use std::collections::VecDeque;
use std::io::{self, Read};

use super::{InputFormat, JsonProblem, MAX_RECORD_BYTES};

/// Bytes of whole records per chunk: large enough that handing a chunk to another thread
/// costs little against decoding it, small enough that a window of them is a few MiB.
pub const CHUNK_BYTES: usize = 256 << 10;

/// Bytes asked of the reader at a time.
const READ_BYTES: usize = 64 << 10;

/// How much of a record too large to read is kept, to find its id in.
const ID_PREFIX: usize = 64 << 10;

/// A part of an input in input order: whole records, or what went wrong between them.
#[derive(Debug)]
pub enum Piece {
    /// Whole records, not yet decoded.
    Records(Chunk),
    /// A record larger than [`MAX_RECORD_BYTES`], skipped; its first bytes name it.
    TooLarge {
        /// Where the record starts.
        line: usize,
        /// Its column (1 but for JSON array elements).
        column: usize,
        /// Its first bytes.
        prefix: Vec<u8>,
    },
    /// The structure of a JSON array is broken here: nothing after it can be read.
    Broken {
        /// The place of the problem.
        line: usize,
        /// Its column.
        column: usize,
        /// What is wrong.
        problem: JsonProblem,
    },
    /// An error already made (a CSV header that cannot be read): nothing after it is read.
    Failed(Box<super::DataError>),
    /// Reading the input failed: nothing after it can be read.
    Unreadable {
        /// The line reached.
        line: usize,
        /// The system's reason.
        reason: String,
    },
}

impl Piece {
    /// For whole records: how many bytes of the input have been read through them.
    pub fn end(&self) -> Option<u64> {
        match self {
            Piece::Records(chunk) => Some(chunk.end),
            _ => None,
        }
    }
}

/// Whole records cut from an input.
#[derive(Debug)]
pub struct Chunk {
    /// The records' bytes.
    pub(crate) bytes: Vec<u8>,
    /// The line of the first byte.
    pub(crate) line: usize,
    /// For a JSON array: each element's bytes (a range of `bytes`) and its line and column.
    pub(crate) elements: Vec<Element>,
    /// How many bytes of the input have been read through the end of this chunk.
    pub end: u64,
}

/// One element of a JSON array within a chunk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Where the cutter of a JSON array is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Array {
    /// Before the `[`.
    Start,
    /// After the `[`, before the first element (a `]` here closes an empty array).
    Open,
    /// After a `,`: an element must follow.
    Comma,
    /// Inside an element that starts at `start` of the buffer.
    In {
        start: usize,
        line: usize,
        column: usize,
        depth: usize,
        string: bool,
        escaped: bool,
    },
    /// After the closing `]`: only whitespace may follow.
    Closed,
}

/// Cuts an input into pieces of whole records (an iterator of [`Piece`]s in input order).
pub struct Pieces<R> {
    reader: R,
    format: InputFormat,
    /// Bytes read and not yet handed out; `buf[0]` is on line `line`.
    buf: Vec<u8>,
    /// How much of `buf` has been looked at.
    scanned: usize,
    /// The end of the last whole record in `buf[..scanned]` (0: none yet).
    cut: usize,
    line: usize,
    /// For JSON arrays: the line and column at `buf[scanned]`.
    place: (usize, usize),
    /// Bytes of the input handed out or skipped so far.
    consumed: u64,
    /// CSV: whether `buf[scanned]` is inside a quoted cell.
    quoted: bool,
    array: Array,
    /// JSON arrays: the whole elements in `buf[..cut]`.
    elements: Vec<Element>,
    /// Whether the bytes of the current record are being dropped (it is too large).
    skipping: bool,
    /// Whether the byte-order mark was looked for.
    started: bool,
    /// Whether every byte so far is whitespace.
    blank: bool,
    eof: bool,
    /// Whether nothing more is to be read (the end, or an error that ends the input).
    done: bool,
    queue: VecDeque<Piece>,
    /// Buffers of decoded chunks, given back for reuse.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Pieces<R> {
    /// Pieces of `reader`, an input in `format`.
    pub fn new(format: InputFormat, reader: R) -> Pieces<R> {
        Pieces {
            reader,
            format,
            buf: Vec::new(),
            scanned: 0,
            cut: 0,
            line: 1,
            place: (1, 1),
            consumed: 0,
            quoted: false,
            array: Array::Start,
            elements: Vec::new(),
            skipping: false,
            started: false,
            blank: true,
            eof: false,
            done: false,
            queue: VecDeque::new(),
            spare: Vec::new(),
        }
    }

    /// Whether the input held nothing but whitespace (known at its end).
    pub fn blank(&self) -> bool {
        self.blank && self.done
    }

    /// Ends the input with `piece` (an error that stops reading it).
    pub fn end_with(&mut self, piece: Piece) {
        self.queue.push_back(piece);
        self.done = true;
    }

    /// Ends an input that holds no records.
    pub fn end(&mut self) {
        self.done = true;
    }

    /// The bytes up to and including the first line that holds more than whitespace (a CSV
    /// header, with any lines before it), or `None` when the input ends before one. Call
    /// before the first piece.
    pub fn first_line(&mut self) -> Result<Option<Vec<u8>>, Piece> {
        loop {
            let mut from = 0;
            while let Some(end) = self.boundary(from) {
                // the header reader sees any lines before it, as it would the whole file
                if self.buf[..end].iter().any(|b| !b.is_ascii_whitespace()) {
                    self.blank = false;
                    return Ok(Some(self.take(end)));
                }
                from = end;
            }
            if self.eof {
                let all = self.buf.len();
                self.blank = self.buf.iter().all(u8::is_ascii_whitespace);
                return Ok((!self.blank).then(|| self.take(all)));
            }
            if self.buf.len() > MAX_RECORD_BYTES {
                // a header that large names no field
                self.blank = false;
                return Ok(Some(self.take(self.buf.len())));
            }
            self.read_more()?;
        }
    }

    /// The end of the first CSV or JSON Lines record boundary at or after `from` in the
    /// bytes read (without moving the scan).
    fn boundary(&self, from: usize) -> Option<usize> {
        let mut quoted = false;
        for (i, &b) in self.buf.iter().enumerate().skip(from) {
            match b {
                b'"' if self.format == InputFormat::Csv => quoted = !quoted,
                b'\n' if !quoted => return Some(i + 1),
                _ => {}
            }
        }
        None
    }

    /// Hands out `buf[..end]` and counts its lines.
    fn take(&mut self, end: usize) -> Vec<u8> {
        let taken = self.split(end);
        self.line += newlines(&taken);
        self.consumed += taken.len() as u64;
        self.scanned = self.scanned.saturating_sub(end);
        self.cut = self.cut.saturating_sub(end);
        taken
    }

    /// Splits `buf[..end]` off, moving what follows into a buffer given back before (so a
    /// run reuses a few large buffers instead of allocating one per chunk).
    fn split(&mut self, end: usize) -> Vec<u8> {
        let mut rest = self.spare.pop().unwrap_or_default();
        rest.clear();
        rest.reserve(CHUNK_BYTES + READ_BYTES);
        rest.extend_from_slice(&self.buf[end..]);
        self.buf.truncate(end);
        std::mem::replace(&mut self.buf, rest)
    }

    /// Gives back the bytes of a chunk that was decoded, for the chunks to come.
    pub fn recycle(&mut self, mut bytes: Vec<u8>) {
        // a few are enough: one per chunk in flight comes back before the next is cut
        if self.spare.len() < 16 && bytes.capacity() <= 2 * (CHUNK_BYTES + READ_BYTES) {
            bytes.clear();
            self.spare.push(bytes);
        }
    }

    /// Reads the next bytes and scans them; an error ends the input.
    fn read_more(&mut self) -> Result<(), Piece> {
        let old = self.buf.len();
        self.buf.resize(old + READ_BYTES, 0);
        let result = loop {
            match self.reader.read(&mut self.buf[old..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match result {
            Ok(n) => {
                self.buf.truncate(old + n);
                self.eof = n == 0;
            }
            Err(e) => {
                self.buf.truncate(old);
                self.done = true;
                let line = match self.format {
                    InputFormat::Json => self.place.0,
                    _ => self.line + newlines(&self.buf),
                };
                return Err(Piece::Unreadable {
                    line,
                    reason: e.to_string(),
                });
            }
        }
        // a byte-order mark is dropped once the first bytes show whether they are one
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        if !self.started && (self.buf.len() >= 3 || self.eof || !BOM.starts_with(&self.buf)) {
            self.started = true;
            if self.buf.starts_with(BOM) {
                self.buf.drain(..3);
                self.consumed += 3;
            }
        }
        Ok(())
    }

    /// Scans the bytes not looked at yet, finding where records end.
    fn scan(&mut self) {
        if !self.started {
            return;
        }
        if self.blank {
            self.blank = self.buf[self.scanned..].iter().all(u8::is_ascii_whitespace);
        }
        match self.format {
            InputFormat::Jsonl => self.scan_lines(),
            InputFormat::Csv => self.scan_csv(),
            InputFormat::Json => self.scan_array(),
        }
    }

    fn scan_lines(&mut self) {
        if self.skipping {
            match memchr::memchr(b'\n', &self.buf[self.scanned..]) {
                Some(i) => self.stop_skipping(self.scanned + i + 1),
                None => {
                    let all = self.buf.len();
                    self.take(all);
                    return;
                }
            }
        }
        if let Some(i) = memchr::memrchr(b'\n', &self.buf[self.scanned..]) {
            self.cut = self.scanned + i + 1;
        }
        self.scanned = self.buf.len();
    }

    fn scan_csv(&mut self) {
        let mut i = self.scanned;
        if !self.skipping {
            let (cut, quoted) = super::scan::csv_cut(&self.buf[i..], self.quoted);
            if let Some(cut) = cut {
                self.cut = i + cut;
            }
            self.quoted = quoted;
            i = self.buf.len();
        }
        while i < self.buf.len() {
            match self.buf[i] {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => {
                    if self.skipping {
                        self.stop_skipping(i + 1);
                        i = 0;
                        continue;
                    }
                    self.cut = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        self.scanned = self.buf.len();
        if self.skipping {
            let all = self.buf.len();
            self.take(all);
        }
    }

    /// Drops `buf[..end]`, the end of a record being skipped (counting its lines), and goes
    /// on with the next record.
    fn stop_skipping(&mut self, end: usize) {
        self.take(end);
        self.skipping = false;
    }

    fn scan_array(&mut self) {
        let (mut line, mut column) = self.place;
        let mut i = self.scanned;
        while i < self.buf.len() {
            let b = self.buf[i];
            match &mut self.array {
                Array::Start | Array::Closed if b.is_ascii_whitespace() => {}
                Array::Start if b == b'[' => self.array = Array::Open,
                Array::Start => return self.broken(line, column, JsonProblem::NotAnArray),
                Array::Closed => return self.broken(line, column, JsonProblem::TextAfterArray),
                Array::Open | Array::Comma if b.is_ascii_whitespace() => {}
                Array::Open if b == b']' => self.array = Array::Closed,
                Array::Open | Array::Comma => {
                    self.array = Array::In {
                        start: i,
                        line,
                        column,
                        depth: 0,
                        string: false,
                        escaped: false,
                    };
                    // the element's first byte may already end it (`[,` or `[1,]`)
                    continue;
                }
                Array::In {
                    start,
                    line: at_line,
                    column: at_column,
                    depth,
                    string,
                    escaped,
                } => {
                    if *string {
                        match b {
                            _ if *escaped => *escaped = false,
                            b'\\' => *escaped = true,
                            b'"' => *string = false,
                            _ => {}
                        }
                    } else {
                        match b {
                            b'"' => *string = true,
                            b'{' | b'[' => *depth += 1,
                            b'}' | b']' if *depth > 0 => *depth -= 1,
                            b']' | b',' if *depth == 0 => {
                                let (start, at) = (*start, (*at_line, *at_column));
                                self.array = if b == b',' {
                                    Array::Comma
                                } else {
                                    Array::Closed
                                };
                                if self.skipping {
                                    self.skipping = false;
                                } else {
                                    let end = start + self.buf[start..i].trim_ascii_end().len();
                                    if end == start {
                                        return self.broken(
                                            line,
                                            column,
                                            JsonProblem::MissingElement,
                                        );
                                    }
                                    self.elements.push(Element {
                                        start,
                                        end,
                                        line: at.0,
                                        column: at.1,
                                    });
                                    self.cut = end;
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            if b == b'\n' {
                line += 1;
                column = 1;
            } else if b & 0xC0 != 0x80 {
                column += 1;
            }
            i += 1;
        }
        self.scanned = self.buf.len();
        self.place = (line, column);
        // what lies between elements, and an element being skipped, is not kept
        let needed = matches!(self.array, Array::In { .. }) && !self.skipping;
        if !needed && self.elements.is_empty() {
            self.consumed += self.buf.len() as u64;
            self.buf.clear();
            self.scanned = 0;
        }
    }

    /// Ends the input at a broken array structure, after the elements before it.
    fn broken(&mut self, line: usize, column: usize, problem: JsonProblem) {
        self.scanned = self.buf.len();
        self.finish_chunk();
        self.queue.push_back(Piece::Broken {
            line,
            column,
            problem,
        });
        self.done = true;
    }

    /// Queues the whole records found so far as a chunk.
    fn finish_chunk(&mut self) {
        if self.cut == 0 {
            return;
        }
        let end = self.cut;
        let line = self.line;
        let elements = std::mem::take(&mut self.elements);
        if let Array::In { start, .. } = &mut self.array {
            *start -= end;
        }
        let bytes = if self.format == InputFormat::Json {
            // lines of an array are counted by the scan, not per chunk
            let taken = self.split(end);
            self.consumed += end as u64;
            self.scanned -= end;
            self.cut = 0;
            taken
        } else {
            self.take(end)
        };
        self.queue.push_back(Piece::Records(Chunk {
            bytes,
            line,
            elements,
            end: self.consumed,
        }));
    }

    /// The record being read is too large: queues what came before it and a note naming
    /// it, and drops its bytes from here on.
    fn too_large(&mut self) {
        self.finish_chunk();
        let (start, line, column) = match self.array {
            Array::In {
                ref mut start,
                line,
                column,
                ..
            } => {
                let s = *start;
                *start = 0;
                (s, line, column)
            }
            _ => (0, self.line, 1),
        };
        let prefix = self.buf[start..(start + ID_PREFIX).min(self.buf.len())].to_vec();
        self.queue.push_back(Piece::TooLarge {
            line,
            column,
            prefix,
        });
        self.skipping = true;
        if self.format == InputFormat::Json {
            self.consumed += self.buf.len() as u64;
            self.buf.clear();
            self.scanned = 0;
        } else {
            let all = self.buf.len();
            self.take(all);
        }
    }

    /// How many bytes the record being read holds so far.
    fn partial(&self) -> usize {
        match self.array {
            Array::In { start, .. } => self.buf.len() - start,
            _ if self.format == InputFormat::Json => 0,
            _ => self.buf.len() - self.cut,
        }
    }

    /// The end of the input: what is left is the last record, or a broken array.
    fn finish(&mut self) {
        self.done = true;
        if self.skipping {
            return;
        }
        match self.format {
            InputFormat::Json => {
                self.finish_chunk();
                let (line, column) = match self.array {
                    Array::Start | Array::Closed => return,
                    Array::In { line, column, .. } => (line, column),
                    Array::Open | Array::Comma => self.place,
                };
                self.queue.push_back(Piece::Broken {
                    line,
                    column,
                    problem: JsonProblem::ArrayNotClosed,
                });
            }
            _ => {
                self.cut = self.buf.len();
                if self.cut > 0 {
                    self.finish_chunk();
                }
            }
        }
    }
}

impl<R: Read> Iterator for Pieces<R> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        loop {
            if let Some(piece) = self.queue.pop_front() {
                return Some(piece);
            }
            if self.done {
                return None;
            }
            if self.cut > 0 && self.buf.len() >= CHUNK_BYTES {
                self.finish_chunk();
                continue;
            }
            if self.eof {
                self.finish();
                continue;
            }
            if !self.skipping && self.partial() > MAX_RECORD_BYTES + 1 {
                self.too_large();
                continue;
            }
            match self.read_more() {
                Ok(()) => self.scan(),
                Err(piece) => {
                    // the whole records before the failure are still read
                    self.finish_chunk();
                    self.queue.push_back(piece);
                }
            }
        }
    }
}

/// How many line breaks `bytes` holds.
fn newlines(bytes: &[u8]) -> usize {
    // memchr's search a word at a time: a byte-by-byte count was 8 instructions a byte
    memchr::memchr_iter(b'\n', bytes).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per read, to cut records at every place.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The records of each piece as text, with their places.
    fn pieces(format: InputFormat, text: &[u8], step: usize) -> Vec<String> {
        let mut out = Vec::new();
        for piece in Pieces::new(format, Trickle { bytes: text, step }) {
            match piece {
                Piece::Records(chunk) if format == InputFormat::Json => {
                    for e in &chunk.elements {
                        let text = String::from_utf8_lossy(&chunk.bytes[e.start..e.end]);
                        out.push(format!("{}:{} {text}", e.line, e.column));
                    }
                }
                Piece::Records(chunk) => {
                    let text = String::from_utf8_lossy(&chunk.bytes);
                    out.push(format!("{} {text:?}", chunk.line));
                }
                Piece::TooLarge {
                    line,
                    column,
                    prefix,
                } => out.push(format!("{line}:{column} too large ({} kept)", prefix.len())),
                Piece::Broken {
                    line,
                    column,
                    problem,
                } => out.push(format!("{line}:{column} broken {problem:?}")),
                Piece::Unreadable { line, reason } => out.push(format!("{line} {reason}")),
                Piece::Failed(e) => out.push(format!("{e:?}")),
            }
        }
        out
    }

    #[test]
    fn array_elements_are_found_wherever_the_reads_end() {
        let text = "\u{feff} [ {\"id\": \"a,]\"},\n  {\"x\": [1, {\"y\": 2}]} ,\"é\", 3 ]  \n";
        let whole = pieces(InputFormat::Json, text.as_bytes(), usize::MAX);
        assert_eq!(
            whole,
            [
                "1:4 {\"id\": \"a,]\"}",
                "2:3 {\"x\": [1, {\"y\": 2}]}",
                "2:25 \"é\"",
                "2:30 3"
            ]
        );
        for step in 1..8 {
            let mut joined = Vec::new();
            for p in pieces(InputFormat::Json, text.as_bytes(), step) {
                joined.push(p);
            }
            assert_eq!(joined, whole, "reads of {step} bytes");
        }
    }

    #[test]
    fn a_broken_array_ends_after_the_elements_before_it() {
        let cases: [(&str, &[&str]); 7] = [
            ("[1, 2", &["1:2 1", "1:5 broken ArrayNotClosed"]),
            ("[1,", &["1:2 1", "1:4 broken ArrayNotClosed"]),
            ("[1, ,2]", &["1:2 1", "1:5 broken MissingElement"]),
            ("[1, ]", &["1:2 1", "1:5 broken MissingElement"]),
            ("[1] x", &["1:2 1", "1:5 broken TextAfterArray"]),
            (" {}", &["1:2 broken NotAnArray"]),
            ("[ ]", &[]),
        ];
        for (text, want) in cases {
            for step in [1, 2, usize::MAX] {
                assert_eq!(
                    pieces(InputFormat::Json, text.as_bytes(), step),
                    want,
                    "{text}"
                );
            }
        }
        assert!(pieces(InputFormat::Json, b"  \n ", 1).is_empty());
    }

    #[test]
    fn csv_rows_end_at_newlines_outside_quotes() {
        let text = b"id,note\n1,\"a\nb\"\"\n\"\n2,c";
        for step in [1, 3, usize::MAX] {
            let all: String = Pieces::new(InputFormat::Csv, Trickle { bytes: text, step })
                .map(|p| match p {
                    Piece::Records(c) => String::from_utf8_lossy(&c.bytes).into_owned(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(all.as_bytes(), text);
        }
    }

    #[test]
    fn a_record_too_large_is_skipped_and_named_by_its_start() {
        // larger than the limit by more than one read, so it is skipped, never held whole
        let big = "x".repeat(MAX_RECORD_BYTES + (1 << 20));
        let text = format!(
            "{{\"id\": \"a\"}}\n{{\"id\": \"big\", \"n\": \"{big}\"}}\n{{\"id\": \"c\"}}\n"
        );
        let got = pieces(InputFormat::Jsonl, text.as_bytes(), usize::MAX);
        assert_eq!(
            got,
            [
                "1 \"{\\\"id\\\": \\\"a\\\"}\\n\"".to_string(),
                format!("2:1 too large ({ID_PREFIX} kept)"),
                "3 \"{\\\"id\\\": \\\"c\\\"}\\n\"".to_string(),
            ]
        );
        let array = format!("[{{\"id\": \"a\"}},\n {{\"n\": \"{big}\"}}, 7]");
        let got = pieces(InputFormat::Json, array.as_bytes(), usize::MAX);
        assert_eq!(
            got,
            [
                "1:2 {\"id\": \"a\"}".to_string(),
                format!("2:2 too large ({ID_PREFIX} kept)"),
                format!("2:{} 7", 13 + big.len()),
            ]
        );
        let csv = format!("id,note\na,\"{big}\n\"\nb,c\n");
        let mut pieces = Pieces::new(InputFormat::Csv, csv.as_bytes());
        assert_eq!(
            pieces.first_line().ok().flatten().as_deref(),
            Some(&b"id,note\n"[..])
        );
        let got: Vec<String> = pieces
            .map(|p| match p {
                Piece::Records(c) => format!("{} {}", c.line, String::from_utf8_lossy(&c.bytes)),
                Piece::TooLarge { line, .. } => format!("{line} too large"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(got, ["2 too large", "4 b,c\n"]);
    }

    #[test]
    fn chunks_hold_whole_lines_and_count_them() {
        let line = "{\"id\": \"0123456789\"}\n";
        let text = line.repeat(3 * CHUNK_BYTES / line.len());
        let mut next_line = 1;
        let mut total = 0;
        for piece in Pieces::new(InputFormat::Jsonl, text.as_bytes()) {
            let Piece::Records(chunk) = piece else {
                panic!("{piece:?}")
            };
            assert_eq!(chunk.line, next_line);
            assert!(chunk.bytes.ends_with(b"\n"));
            next_line += newlines(&chunk.bytes);
            total += chunk.bytes.len();
            assert_eq!(chunk.end, total as u64);
        }
        assert_eq!(total, text.len());
    }
}
