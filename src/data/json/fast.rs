//! The fast reader of JSON records: a serde `Deserializer` over the record's bytes that the
//! plan's seeds drive, as they drive serde_json's, in one pass.
//!
//! It checks what serde_json and the checks before it check (nesting past [`MAX_NESTING`],
//! the JSON grammar, text after the record; the caller has checked UTF-8), but words nothing: on
//! any doubt it refuses the record, and the caller decodes it again with serde_json, whose
//! message and position are then reported exactly as before. So it only has to be right
//! about the records it accepts (it gives the slots serde_json gives; a test compares the
//! two on generated and mangled records) and to accept no record serde_json would refuse.
//!
//! Where the time went otherwise: the nesting check was a pass of its own, keys were
//! hashed, and skipping a value no rule reads went through serde's visitors byte by byte.
//! Here nesting is counted on the way, strings are skipped a word at a time, and values no
//! rule reads are skipped without visitors. A string's text is a slice of the record's
//! (checked as UTF-8 once, as a whole), so reading it costs no second check.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::data::MAX_NESTING;

/// The record needs the general reader: it is malformed, or a value does not fit the plan,
/// or it holds something this reader leaves to serde_json (a number out of range).
#[derive(Debug, PartialEq, Eq)]
pub struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the record is left to the general reader")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Refused {
        Refused
    }
}

type Result<T> = std::result::Result<T, Refused>;

/// Decodes one whole JSON text with `seed`: the value, then nothing but whitespace.
pub fn decode<'de, S: DeserializeSeed<'de>>(text: &'de str, seed: S) -> Result<S::Value> {
    read::<S, false>(text, seed)
}

/// [`decode`], refusing also a key that appears twice in any object of the text, read or
/// skipped (a key with escapes compared as what it spells), and a number out of range
/// anywhere: what the full reader of mapped records refuses, where every key may matter.
pub fn decode_strict<'de, S: DeserializeSeed<'de>>(text: &'de str, seed: S) -> Result<S::Value> {
    read::<S, true>(text, seed)
}

thread_local! {
    /// The emptied key lists of the last strict reading on this thread, for the next.
    static KEYS: std::cell::Cell<Option<Keys>> = const { std::cell::Cell::new(None) };
}

/// Reads with a reader strict or not, as `STRICT` says: a constant, so that the plain
/// reader pays nothing for the strict one's checks.
fn read<'de, S: DeserializeSeed<'de>, const STRICT: bool>(
    text: &'de str,
    seed: S,
) -> Result<S::Value> {
    with_reader::<STRICT, _>(text, |reader| seed.deserialize(reader))
}

/// Reads the whole of `text` with `read`, by a reader strict or not: then nothing but
/// whitespace.
fn with_reader<'de, const STRICT: bool, T>(
    text: &'de str,
    read: impl FnOnce(&mut Reader<'de, STRICT>) -> Result<T>,
) -> Result<T> {
    let bytes = text.as_bytes();
    let mut reader = Reader::<STRICT> {
        text,
        bytes,
        pos: 0,
        depth: 0,
        scratch: String::new(),
        strict: STRICT.then(|| KEYS.take().unwrap_or_default()),
        escaped: false,
    };
    let value = read(&mut reader);
    reader.ws();
    if let Some(mut keys) = reader.strict.take() {
        keys.spans.clear();
        keys.marks.clear();
        keys.spelt.clear();
        KEYS.set(Some(keys));
    }
    let value = value?;
    if reader.pos != bytes.len() {
        return Err(Refused);
    }
    Ok(value)
}

/// Bytes that end the plain run of a string: the quote, a backslash, and control characters
/// (which JSON refuses unescaped).
const fn special() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize;
        b += 1;
    }
    table
}

static SPECIAL: [bool; 256] = special();

/// Whether any byte of the 8 in `word` is special, found with bit tricks: a quote, a
/// backslash or a control character.
fn has_special(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    // a byte below 0x20 (exact for whether there is one, whatever the other bytes)
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    (quote | backslash | control) != 0
}

/// A key's first 8 bytes as a word (zeros past its end).
fn key_head(key: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = key.len().min(8);
    word[..n].copy_from_slice(&key[..n]);
    u64::from_le_bytes(word)
}

/// [`key_head`] of the `len` bytes at `at` in `text`, read as one word where the text goes
/// on past them (as it does after a key): copying a few bytes was a call per key.
fn key_head_at(text: &[u8], at: usize, len: usize) -> u64 {
    match text.get(at..at + 8) {
        Some(word) => {
            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            if len >= 8 {
                word
            } else {
                word & ((1u64 << (8 * len)) - 1)
            }
        }
        None => key_head(text.get(at..at + len).unwrap_or_default()),
    }
}

struct Reader<'de, const STRICT: bool> {
    text: &'de str,
    bytes: &'de [u8],
    pos: usize,
    /// Lists and objects open around `pos` (the record itself is the first).
    depth: usize,
    /// A string with escapes, decoded.
    scratch: String,
    /// In strict mode, the keys of the objects open around `pos`.
    strict: Option<Keys>,
    /// Whether a string read since this was last cleared had an escape.
    escaped: bool,
}

/// The keys met so far in each open object, as spans of the text: a key twice is found by
/// comparing it with its object's earlier keys (objects have few).
#[derive(Default)]
struct Keys {
    /// Each key's first 8 bytes ([`key_head`]) and its range; a key written with escapes
    /// is compared as what it spells, held in `spelt` (its range is then `ESCAPED` and its
    /// place there).
    spans: Vec<(u64, usize, usize)>,
    /// Where each open object's keys start in `spans`.
    marks: Vec<usize>,
    spelt: Vec<String>,
}

/// The start of a key's range that stands for a key held in [`Keys::spelt`].
const ESCAPED: usize = usize::MAX;

/// A scalar as the reader reads it.
enum Token<'de> {
    Null,
    Bool(bool),
    Number(Number),
    Text(Text<'de>),
}

/// A number as serde_json gives it to a visitor.
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Number {
    fn as_f64(&self) -> f64 {
        match *self {
            Number::U64(n) => n as f64,
            Number::I64(n) => n as f64,
            Number::F64(n) => n,
        }
    }
}

/// A string's text: borrowed from the record, or decoded into the scratch buffer.
enum Text<'de> {
    Borrowed(&'de str),
    Scratch,
}

impl<'de, const STRICT: bool> Reader<'de, STRICT> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// JSON's whitespace (as serde_json skips it: space, tab, line feed, carriage return).
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, want: u8) -> Result<()> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Refused)
        }
    }

    fn open(&mut self) -> Result<()> {
        self.depth += 1;
        self.pos += 1;
        if self.depth > MAX_NESTING {
            return Err(Refused);
        }
        Ok(())
    }

    /// Notes that an object opens (strict mode keeps its keys apart).
    fn object_opens(&mut self) {
        if STRICT && let Some(keys) = &mut self.strict {
            keys.marks.push(keys.spans.len());
        }
    }

    /// Notes that the innermost open object closes.
    fn object_closes(&mut self) {
        if STRICT
            && let Some(keys) = &mut self.strict
            && let Some(mark) = keys.marks.pop()
        {
            keys.spans.truncate(mark);
        }
    }

    /// In strict mode, checks the key just read (its quotes at `start` and `self.pos - 1`,
    /// read since [`Reader::key_starts`]): refused when its object had it before, as what
    /// it spells (`"i\u0064"` is `"id"`).
    fn key_read(&mut self, start: usize) -> Result<()> {
        if !STRICT {
            return Ok(());
        }
        let Some(keys) = &mut self.strict else {
            return Ok(());
        };
        let raw = self.bytes.get(start..self.pos).ok_or(Refused)?;
        // a key with escapes is spelt out (rare: serde_json decodes it)
        let spelt = if self.escaped {
            Some(serde_json::from_slice::<String>(raw).map_err(|_| Refused)?)
        } else {
            None
        };
        let key = match &spelt {
            Some(text) => text.as_bytes(),
            None => raw.get(1..raw.len() - 1).ok_or(Refused)?,
        };
        let from = keys.marks.last().copied().unwrap_or(0);
        // most keys differ in length or in their first bytes, compared as one word
        let head = match &spelt {
            Some(_) => key_head(key),
            None => key_head_at(self.bytes, start + 1, key.len()),
        };
        let (bytes, held) = (self.bytes, &keys.spelt);
        let text = |a: usize, b: usize| match a {
            ESCAPED => held[b].as_bytes(),
            _ => &bytes[a..b],
        };
        if keys.spans[from..].iter().any(|&(h, a, b)| {
            h == head && (key.len() <= 8 && a != ESCAPED && b - a == key.len() || text(a, b) == key)
        }) {
            return Err(Refused);
        }
        match spelt {
            Some(text) => {
                keys.spans.push((head, ESCAPED, keys.spelt.len()));
                keys.spelt.push(text);
            }
            None => keys.spans.push((head, start + 1, self.pos - 1)),
        }
        Ok(())
    }

    /// Notes that a key is about to be read (for [`Reader::key_read`]).
    fn key_starts(&mut self) {
        if STRICT {
            self.escaped = false;
        }
    }

    /// Moves past plain string bytes: a word at a time while no byte of it is special.
    fn plain_run(&mut self) {
        let bytes = self.bytes;
        while let Some(chunk) = bytes.get(self.pos..self.pos + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            if has_special(word) {
                break;
            }
            self.pos += 8;
        }
        while self.pos < bytes.len() && !SPECIAL[bytes[self.pos] as usize] {
            self.pos += 1;
        }
    }

    /// Reads a string (at its opening quote). Text without escapes is borrowed.
    fn string(&mut self) -> Result<Text<'de>> {
        self.pos += 1;
        let start = self.pos;
        self.plain_run();
        match self.peek().ok_or(Refused)? {
            b'"' => {
                let text = self.slice(start)?;
                self.pos += 1;
                Ok(Text::Borrowed(text))
            }
            b'\\' => {
                self.scratch.clear();
                self.scratch.push_str(self.slice(start)?);
                self.escaped()
            }
            _ => Err(Refused), // a control character
        }
    }

    /// The text from `start` to here; both are next to quotes or backslashes, so on
    /// character boundaries.
    fn slice(&self, start: usize) -> Result<&'de str> {
        self.text.get(start..self.pos).ok_or(Refused)
    }

    /// The rest of a string that has escapes, decoded into the scratch buffer.
    fn escaped(&mut self) -> Result<Text<'de>> {
        loop {
            let start = self.pos;
            self.plain_run();
            let run = self.slice(start)?;
            self.scratch.push_str(run);
            match self.peek().ok_or(Refused)? {
                b'"' => {
                    self.pos += 1;
                    return Ok(Text::Scratch);
                }
                b'\\' => {
                    let c = self.escape()?;
                    self.scratch.push(c);
                }
                _ => return Err(Refused),
            }
        }
    }

    /// One escape (at its backslash) as the character it stands for.
    fn escape(&mut self) -> Result<char> {
        self.escaped = true;
        self.pos += 1;
        let b = self.peek().ok_or(Refused)?;
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = match first {
                    0xD800..=0xDBFF => {
                        // a leading surrogate must be followed by a trailing one
                        self.eat(b'\\')?;
                        self.eat(b'u')?;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(Refused);
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(Refused),
                    _ => first,
                };
                char::from_u32(code).ok_or(Refused)?
            }
            _ => return Err(Refused),
        })
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4).ok_or(Refused)?;
        let mut n = 0;
        for &d in digits {
            n = n * 16 + char::from(d).to_digit(16).ok_or(Refused)?;
        }
        self.pos += 4;
        Ok(n)
    }

    /// Skips a string (at its opening quote), checking it as [`Reader::string`] does.
    fn skip_string(&mut self) -> Result<()> {
        self.pos += 1;
        loop {
            self.plain_run();
            match self.peek().ok_or(Refused)? {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.escape()?;
                }
                _ => return Err(Refused),
            }
        }
    }

    /// Reads `true`, `false` or `null` (at its first letter).
    #[inline(always)]
    fn word(&mut self, word: &[u8]) -> Result<()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Refused)
        }
    }

    /// Checks a number's grammar (at its first character); whether it is a whole number
    /// (no fraction or exponent), and its digits' value if that fits a `u64`.
    fn number(&mut self) -> Result<(bool, Option<u64>)> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let mut value = Some(0u64);
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(d @ b'0'..=b'9') = self.peek() {
                    value = value
                        .and_then(|v| v.checked_mul(10))
                        .and_then(|v| v.checked_add(u64::from(d - b'0')));
                    self.pos += 1;
                }
            }
            _ => return Err(Refused),
        }
        let mut whole = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits()?;
            whole = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits()?;
            whole = false;
        }
        Ok((whole, value))
    }

    /// The scalar at `pos` (not a list or object), read.
    // inlined, as it was written in the plain reader's visitor before it was shared
    #[inline(always)]
    fn token(&mut self) -> Result<Token<'de>> {
        Ok(match self.peek().ok_or(Refused)? {
            b'"' => Token::Text(self.string()?),
            b't' => {
                self.word(b"true")?;
                Token::Bool(true)
            }
            b'f' => {
                self.word(b"false")?;
                Token::Bool(false)
            }
            b'n' => {
                self.word(b"null")?;
                Token::Null
            }
            b'-' | b'0'..=b'9' => Token::Number(self.number_value()?),
            _ => return Err(Refused),
        })
    }

    /// A number (at its first character) as serde_json reads it.
    // inlined, as it was written in the plain reader's visitor before it was shared
    #[inline(always)]
    fn number_value(&mut self) -> Result<Number> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        Ok(match self.number()? {
            // what serde_json makes of whole numbers: u64, i64, and -0 or a negative past
            // i64 as f64
            (true, Some(n)) if !negative => Number::U64(n),
            (true, Some(n)) => {
                let negated = (n as i64).wrapping_neg();
                if negated >= 0 {
                    Number::F64(-(n as f64))
                } else {
                    Number::I64(negated)
                }
            }
            // fractions, exponents and whole numbers past u64: serde_json's own reading of
            // the digits (so every rounding is its), or its refusal
            _ => {
                let digits = &self.bytes[start..self.pos];
                Number::F64(serde_json::from_slice(digits).map_err(|_| Refused)?)
            }
        })
    }

    /// One or more digits.
    fn digits(&mut self) -> Result<()> {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(Refused);
        }
        Ok(())
    }

    /// Skips one value of any depth without recursing, checking its grammar.
    fn skip_value(&mut self) -> Result<()> {
        // one bit per open level below `base`: set for an object, clear for a list
        let base = self.depth;
        let mut objects: u128 = 0;
        'value: loop {
            self.ws();
            let mut closed = false;
            match self.peek().ok_or(Refused)? {
                b'"' => self.skip_string()?,
                b'{' | b'[' => {
                    let object = self.peek() == Some(b'{');
                    self.open()?;
                    let level = self.depth - base - 1;
                    if level >= 128 {
                        return Err(Refused);
                    }
                    if object {
                        objects |= 1 << level;
                        self.object_opens();
                    } else {
                        objects &= !(1 << level);
                    }
                    self.ws();
                    match self.peek().ok_or(Refused)? {
                        b'}' if object => closed = true,
                        b']' if !object => closed = true,
                        b'"' if object => {
                            let start = self.pos;
                            self.key_starts();
                            self.skip_string()?;
                            self.key_read(start)?;
                            self.ws();
                            self.eat(b':')?;
                            continue 'value;
                        }
                        _ if object => return Err(Refused),
                        _ => continue 'value,
                    }
                }
                b't' => self.word(b"true")?,
                b'f' => self.word(b"false")?,
                b'n' => self.word(b"null")?,
                b'-' | b'0'..=b'9' => {
                    let start = self.pos;
                    let (whole, digits) = self.number()?;
                    // the full reader builds every value, and refuses a number out of range
                    // (`1e400`) wherever it is
                    if STRICT && !(whole && digits.is_some()) {
                        serde_json::from_slice::<f64>(&self.bytes[start..self.pos])
                            .map_err(|_| Refused)?;
                    }
                }
                _ => return Err(Refused),
            }
            // after a value (or at the close of an empty list or object)
            loop {
                if std::mem::take(&mut closed) {
                    if objects & (1 << (self.depth - base - 1)) != 0 {
                        self.object_closes();
                    }
                    self.pos += 1;
                    self.depth -= 1;
                }
                if self.depth == base {
                    return Ok(());
                }
                let object = objects & (1 << (self.depth - base - 1)) != 0;
                self.ws();
                match self.peek().ok_or(Refused)? {
                    b',' => {
                        self.pos += 1;
                        if object {
                            self.ws();
                            if self.peek() != Some(b'"') {
                                return Err(Refused);
                            }
                            let start = self.pos;
                            self.key_starts();
                            self.skip_string()?;
                            self.key_read(start)?;
                            self.ws();
                            self.eat(b':')?;
                        }
                        continue 'value;
                    }
                    b'}' if object => closed = true,
                    b']' if !object => closed = true,
                    _ => return Err(Refused),
                }
            }
        }
    }
}

impl<'de, const STRICT: bool> de::Deserializer<'de> for &mut Reader<'de, STRICT> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.ws();
        match self.peek().ok_or(Refused)? {
            b'{' => {
                self.open()?;
                self.object_opens();
                let mut entries = Entries {
                    reader: &mut *self,
                    first: true,
                    done: false,
                };
                let value = visitor.visit_map(&mut entries)?;
                // the visitor must have read every entry
                if !entries.done {
                    return Err(Refused);
                }
                self.object_closes();
                self.depth -= 1;
                Ok(value)
            }
            b'[' => {
                self.open()?;
                let mut elements = Elements {
                    reader: &mut *self,
                    first: true,
                    done: false,
                };
                let value = visitor.visit_seq(&mut elements)?;
                if !elements.done {
                    return Err(Refused);
                }
                self.depth -= 1;
                Ok(value)
            }
            _ => match self.token()? {
                Token::Text(Text::Borrowed(s)) => visitor.visit_borrowed_str(s),
                Token::Text(Text::Scratch) => visitor.visit_str(&self.scratch),
                Token::Bool(b) => visitor.visit_bool(b),
                Token::Null => visitor.visit_unit(),
                Token::Number(Number::U64(n)) => visitor.visit_u64(n),
                Token::Number(Number::I64(n)) => visitor.visit_i64(n),
                Token::Number(Number::F64(n)) => visitor.visit_f64(n),
            },
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

/// Reads the JSON text `text`, an object, strictly (as [`decode_strict`]), giving `each`
/// every key (as what it spells) with its value to take; a value not taken is skipped.
/// For a flat record read key by key, without a visitor per key and value.
pub fn object_strict<'de>(
    text: &'de str,
    mut each: impl FnMut(&str, &mut Slot<'_, 'de>) -> Result<()>,
) -> Result<()> {
    with_reader::<true, _>(text, |r| {
        r.ws();
        if r.peek() != Some(b'{') {
            return Err(Refused);
        }
        r.open()?;
        r.object_opens();
        // the entries as a visitor of the object would read them
        let mut entries = Entries {
            reader: &mut *r,
            first: true,
            done: false,
        };
        while let Some(key) = (&mut entries).next_key_seed(KeyText)? {
            let mut slot = Slot {
                reader: &mut *entries.reader,
                taken: false,
            };
            each(&key, &mut slot)?;
            if !slot.taken {
                entries.reader.skip_value()?;
            }
        }
        r.object_closes();
        r.depth -= 1;
        Ok(())
    })
}

/// A key's text, borrowed where it has no escapes.
struct KeyText;

impl<'de> DeserializeSeed<'de> for KeyText {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyText {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(
        self,
        key: &'de str,
    ) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(key.to_string()))
    }
}

/// The value of one entry of [`object_strict`], to take once.
pub struct Slot<'r, 'de> {
    reader: &'r mut Reader<'de, true>,
    taken: bool,
}

/// A scalar value as [`Slot::scalar`] reads it.
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    /// A number as serde_json reads it into an `f64`.
    Number(f64),
    Text(&'a str),
    /// A list or an object, not read.
    Nested,
}

impl<'de> Slot<'_, 'de> {
    /// Reads the value where it is a scalar; a list or object is left to
    /// [`Slot::decode`] (or skipped).
    pub fn scalar(&mut self) -> Result<Scalar<'_>> {
        let r = &mut *self.reader;
        r.ws();
        if let Some(b'{' | b'[') = r.peek() {
            return Ok(Scalar::Nested);
        }
        self.taken = true;
        Ok(match r.token()? {
            Token::Null => Scalar::Null,
            Token::Bool(b) => Scalar::Bool(b),
            Token::Number(n) => Scalar::Number(n.as_f64()),
            Token::Text(Text::Borrowed(s)) => Scalar::Text(s),
            Token::Text(Text::Scratch) => Scalar::Text(&r.scratch),
        })
    }

    /// Decodes the value with `seed`.
    pub fn decode<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        self.taken = true;
        seed.deserialize(&mut *self.reader)
    }
}

/// The entries of an object, read in order.
struct Entries<'r, 'de, const STRICT: bool> {
    reader: &'r mut Reader<'de, STRICT>,
    first: bool,
    done: bool,
}

impl<'de, const STRICT: bool> MapAccess<'de> for &mut Entries<'_, 'de, STRICT> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let r = &mut *self.reader;
        r.ws();
        match r.peek().ok_or(Refused)? {
            b'}' if !self.done => {
                r.pos += 1;
                self.done = true;
                return Ok(None);
            }
            b',' if !self.first => {
                r.pos += 1;
                r.ws();
            }
            _ if self.first => {}
            _ => return Err(Refused),
        }
        self.first = false;
        if r.peek() != Some(b'"') {
            return Err(Refused);
        }
        let start = r.pos;
        r.key_starts();
        let key = seed.deserialize(&mut *r)?;
        r.key_read(start)?;
        r.ws();
        r.eat(b':')?;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.reader)
    }
}

/// The elements of a list, read in order.
struct Elements<'r, 'de, const STRICT: bool> {
    reader: &'r mut Reader<'de, STRICT>,
    first: bool,
    done: bool,
}

impl<'de, const STRICT: bool> SeqAccess<'de> for &mut Elements<'_, 'de, STRICT> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let r = &mut *self.reader;
        r.ws();
        match r.peek().ok_or(Refused)? {
            b']' if !self.done => {
                r.pos += 1;
                self.done = true;
                return Ok(None);
            }
            b',' if !self.first => {
                r.pos += 1;
            }
            _ if self.first => {}
            _ => return Err(Refused),
        }
        self.first = false;
        seed.deserialize(&mut *r).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode_bytes, decode_fast, decode_general};
    use crate::compile::Program;
    use crate::source::SourceMap;

    fn program(files: &[(&str, &str)]) -> Program {
        let mut sources = SourceMap::new();
        for (name, text) in files {
            sources.add(*name, *text);
        }
        let (checked, diagnostics) = crate::front_end(&sources, &Default::default());
        assert!(
            !diagnostics.iter().any(|d| d.is_error()),
            "{diagnostics:#?}"
        );
        crate::compile::compile(&checked.expect("no errors"))
    }

    /// The reference rules, typed by their schema.
    fn reference() -> Program {
        program(&[
            ("contact.qual", include_str!("../../../rules/contact.qual")),
            (
                "qualification.qual",
                include_str!("../../../rules/qualification.qual"),
            ),
            ("stage.qual", include_str!("../../../rules/stage.qual")),
            (
                "temperature.qual",
                include_str!("../../../rules/temperature.qual"),
            ),
        ])
    }

    /// Every kind of plan type, a numeric id, nested records and lists of lists.
    fn typed() -> Program {
        program(&[(
            "t.qual",
            "schema contact {\n  id: number\n  n: number?\n  b: bool?\n  s: string?\n  \
             d: date?\n  t: datetime?\n  span: duration?\n  e: one of \"x\", \"y\"?\n  \
             r: { a: number, q: { z: string? }? }?\n  m: list of list of number?\n  \
             xs: list of { k: string, w: number? }?\n}\n\
             let a = n > 1 and b and s == \"s\" and d before 2026-01-01 and t within 1 day\n\
             let c = span > 1 hour and e == \"x\" and r.a > 0 and r.q.z == \"z\"\n\
             let f = any l in m: any v in l: v > 0\n\
             let g = any x in xs: x.k == \"k\" and x.w > 1\n",
        )])
    }

    /// No schema: every value typed as the data has it.
    fn dynamic() -> Program {
        program(&[(
            "d.qual",
            "let a = n > 1 and (s ?? \"\") == \"s\" and any x in xs: x.k == \"k\"\n\
             let b = r.a == 1 and l is present\n",
        )])
    }

    /// A small deterministic generator.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n as u64) as usize
        }

        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
    }

    const KEYS: &[&str] = &[
        "id",
        "n",
        "b",
        "s",
        "d",
        "t",
        "span",
        "e",
        "r",
        "a",
        "q",
        "z",
        "m",
        "xs",
        "k",
        "w",
        "l",
        "role",
        "seniority",
        "company",
        "size",
        "industry",
        "budget_eur",
        "events",
        "kind",
        "at",
        "product",
        "amount_eur",
        "urgency",
        "blocker",
        "opted_out",
        "note",
        "i\\u0064",
        "\\u006e",
        "",
    ];

    const SCALARS: &[&str] = &[
        "0",
        "-0",
        "1",
        "-1",
        "7",
        "12.5",
        "-3.25",
        "1e3",
        "1E-2",
        "2.5e+10",
        "1e400",
        "-1e400",
        "9007199254740993",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "0.1",
        "123456789.123456789",
        "01",
        "1.",
        ".5",
        "-",
        "+1",
        "1e",
        "NaN",
        "true",
        "false",
        "null",
        "tru",
        "nul",
        "\"\"",
        "\"s\"",
        "\"x\"",
        "\"y\"",
        "\"X\"",
        "\"k\"",
        "\"z\"",
        "\"2026-11-17\"",
        "\"2026-11-17T10:00:00Z\"",
        "\"2026-11-17T10:00:00+01:00\"",
        "\"2026-11-17T10:00:00\"",
        "\"2026-02-30T10:00:00Z\"",
        "\"P1D\"",
        "\"36 hours\"",
        "\"email_open\"",
        "\"purchase\"",
        "\"vp\"",
        "\"VP Sales\"",
        "\"Caf\u{e9}\"",
        "\"a\\\"b\"",
        "\"\\u00e9t\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\ude00x\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"tab\\tnew\\nline\\\\\"",
        "\"\u{1F600}\"",
        "\"raw\ttab\"",
        "\"\\/\"",
        "\" padded \"",
        "\"now\"",
        "\"1000\"",
    ];

    /// A JSON-ish value: mostly valid, sometimes not.
    fn value(rng: &mut Rng, depth: usize, out: &mut String) {
        match rng.below(if depth > 3 { 2 } else { 6 }) {
            0 | 1 => out.push_str(rng.pick(SCALARS)),
            2 | 3 => object(rng, depth + 1, out),
            _ => {
                out.push('[');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push_str(rng.pick(&[",", ", ", " ,"]));
                    }
                    value(rng, depth + 1, out);
                }
                out.push(']');
            }
        }
    }

    fn object(rng: &mut Rng, depth: usize, out: &mut String) {
        out.push('{');
        for i in 0..rng.below(7) {
            if i > 0 {
                out.push_str(rng.pick(&[",", ", ", ",\n", " , "]));
            }
            out.push('"');
            out.push_str(rng.pick(KEYS));
            out.push('"');
            out.push_str(rng.pick(&[":", ": ", " : "]));
            value(rng, depth, out);
        }
        out.push('}');
    }

    /// A record: an object with an id, then perhaps mangled.
    fn record(rng: &mut Rng) -> Vec<u8> {
        let mut text = String::from(rng.pick(&["", " ", "\t"]));
        text.push_str(rng.pick(&[
            "{\"id\": \"c1\", ",
            "{\"id\": 7, ",
            "{\"id\": 2.5, ",
            "{\"id\": \"c2\", \"events\": [], ",
            "{",
        ]));
        let mut rest = String::new();
        object(rng, 0, &mut rest);
        text.push_str(&rest[1..]);
        text.push_str(rng.pick(&["", " ", "\r", " x", "}", ","]));
        let mut bytes = text.into_bytes();
        if rng.below(3) == 0 {
            let alphabet: &[u8] = b"{}[],:\"\\ 0-.eEtfnu\x01\x7f\xc3\xa9\xff\xed\xa0\x80";
            for _ in 0..=rng.below(3) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[at] = alphabet[rng.below(alphabet.len())],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, alphabet[rng.below(alphabet.len())]),
                }
            }
        }
        bytes
    }

    /// The fast reader accepts a record only where serde_json decodes it to the same slots,
    /// and the two together report what serde_json reports alone; whether it accepted.
    fn agree(program: &Program, bytes: &[u8]) -> bool {
        let plan = program.plan();
        let general = decode_general("f", bytes, 3, 1, plan);
        let both = decode_bytes("f", bytes, 3, 1, plan);
        assert_eq!(
            format!("{both:?}"),
            format!("{general:?}"),
            "{}",
            String::from_utf8_lossy(bytes)
        );
        // the contacts go back to the pool, so that the next records are decoded into
        // recycled memory, as in a run: what it held must not show in them
        for contact in [general, both].into_iter().flatten() {
            contact.recycle();
        }
        let general = decode_general("f", bytes, 3, 1, plan);
        let fast = std::str::from_utf8(bytes).map(|text| decode_fast(text, plan));
        match fast {
            Ok(Ok(slots)) => {
                // what the fast reader gives becomes the same contact, or the same error of
                // the whole contact (a missing id or required field); Debug tells -0 from
                // 0, which `==` on numbers does not
                let contact = super::super::contact("f", 3, 1, plan, slots);
                assert_eq!(
                    format!("{contact:?}"),
                    format!("{general:?}"),
                    "{}",
                    String::from_utf8_lossy(bytes)
                );
                true
            }
            _ => false,
        }
    }

    #[test]
    fn the_fast_reader_agrees_with_serde_json_on_generated_and_mangled_records() {
        for (program, seed) in [(reference(), 1), (typed(), 2), (dynamic(), 3)] {
            let mut rng = Rng(seed);
            let (mut accepted, mut valid) = (0, 0);
            for _ in 0..20_000 {
                let bytes = record(&mut rng);
                let fast = agree(&program, &bytes);
                accepted += usize::from(fast);
                let ok = decode_general("f", &bytes, 1, 1, program.plan()).is_ok();
                valid += usize::from(ok || fast);
            }
            // the fast reader is worth its place only if it takes most records that decode
            assert!(
                accepted * 10 >= valid * 9 && valid > 300,
                "accepted {accepted} of {valid} records that decode"
            );
        }
    }

    #[test]
    fn the_fast_reader_agrees_on_the_examples_and_on_hostile_records() {
        let program = reference();
        for line in include_str!("../../../rules/examples/contacts.jsonl").lines() {
            if !line.trim().is_empty() {
                assert!(agree(&program, line.as_bytes()), "{line}");
            }
        }
        let deep = |n: usize| {
            format!(
                "{{\"id\": \"c\", \"note\": {}1{}}}",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        let hostile = [
            deep(crate::data::MAX_NESTING - 1),
            deep(crate::data::MAX_NESTING),
            deep(500),
            format!("{{\"id\": \"c\", \"note\": \"{}\"}}", "a\\\"".repeat(10_000)),
            "{\"id\": \"c\", \"id\": \"d\"}".to_string(),
            "{\"id\": \"c\", \"role\": \"a\", \"role\": \"b\"}".to_string(),
            "{\"id\": \"c\", \"note\": 1, \"note\": 2}".to_string(),
            "{\"id\": \"c\"}{".to_string(),
            "{\"id\": \"c\"} ".to_string(),
            "[{\"id\": \"c\"}]".to_string(),
            "\"c\"".to_string(),
            "{\"id\": \"\"}".to_string(),
            "{\"id\": \"c\", \"events\": [null]}".to_string(),
            "{\"id\": \"c\", \"company\": null}".to_string(),
            "{\"id\": \"c\", \"company\": {}}".to_string(),
            "{\"id\": \"c\", \"budget_eur\": 1e400}".to_string(),
            "{\"id\": \"c\", \"seniority\": \"VP\"}".to_string(),
            "{\"id\": \"c\u{0}\"}".to_string(),
            "{\"id\": \"c\"\u{a0}}".to_string(),
            "\u{feff}{\"id\": \"c\"}".to_string(),
            "{\"id\": \"c\", \"events\": [{\"kind\": \"call\", \"at\": \"2026-11-17T10:00:00Z\"},]}"
                .to_string(),
        ];
        for text in &hostile {
            agree(&program, text.as_bytes());
        }
        agree(&program, b"{\"id\": \"c\xff\"}");
        agree(&program, b"{\"id\": \"c\", \"note\": \"\xed\xa0\x80\"}");
    }
}
