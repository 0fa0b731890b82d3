//! Byte-level scanning of record text that the parsers cannot or should not see: places
//! (line and column of a byte), the first bad UTF-8 byte, nesting depth, and the id of a
//! record that failed to decode. Every scan is linear and iterative: no input can make it
//! recurse or allocate by a length it claims.

use super::MAX_NESTING;

/// The offset of the first `\n` in `bytes`, looked for eight bytes at a time (a zero byte in
/// `word ^ 0x0a0a…` marks it; the usual bit trick finds one without a branch per byte).
pub fn find_newline(bytes: &[u8]) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (LOW * u64::from(b'\n'));
        let found = x.wrapping_sub(LOW) & !x & HIGH;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&b| b == b'\n').map(|i| offset + i)
}

/// Where CSV records end in `bytes`, which starts inside a quoted cell when `quoted`: the
/// end of the last record (just after its `\n` outside quotes), if any, and whether the
/// bytes end inside quotes. A quote inside a quoted cell is doubled, so the parity of the
/// quotes before a byte tells whether it is quoted. Whole blocks of 64 bytes are read as
/// two bit masks (quotes, newlines) and the parity of every prefix at once (a prefix XOR),
/// with no branch per byte: cells that quote JSON hold a quote every few bytes.
pub fn csv_cut(bytes: &[u8], mut quoted: bool) -> (Option<usize>, bool) {
    let mut cut = None;
    let mut blocks = bytes.chunks_exact(64);
    let mut offset = 0;
    for block in &mut blocks {
        let (mut quotes, mut newlines) = (0u64, 0u64);
        for (k, word) in block.chunks_exact(8).enumerate() {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(word);
            let word = u64::from_le_bytes(bytes);
            quotes |= byte_mask(word, b'"') << (8 * k);
            newlines |= byte_mask(word, b'\n') << (8 * k);
        }
        // bit k: an odd number of quotes at or before k (a newline is no quote, so for it
        // this is the parity of the quotes before it)
        let mut inside = quotes;
        for shift in [1, 2, 4, 8, 16, 32] {
            inside ^= inside << shift;
        }
        if quoted {
            inside = !inside;
        }
        let ends = newlines & !inside;
        if ends != 0 {
            cut = Some(offset + 64 - ends.leading_zeros() as usize);
        }
        quoted ^= quotes.count_ones() % 2 == 1;
        offset += 64;
    }
    for (i, &b) in blocks.remainder().iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => cut = Some(offset + i + 1),
            _ => {}
        }
    }
    (cut, quoted)
}

/// One bit per byte of `word` (little-endian), set where the byte is `byte`: a byte of
/// `word ^ byte…` is zero exactly there, and adding 0x7f to its low seven bits sets its top
/// bit unless it is zero (no carry crosses bytes); a multiplication gathers the eight top
/// bits into one byte.
fn byte_mask(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    let zero = !(((x & LOW7) + LOW7) | x | LOW7);
    zero.wrapping_mul(0x0002_0408_1020_4081) >> 56
}

/// A place in a text, advanced byte by byte so that walking a whole file stays linear.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    /// Byte offset.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Cursor {
    /// The start of a text whose first byte is at `line`, `column`.
    pub fn at(line: usize, column: usize) -> Cursor {
        Cursor {
            offset: 0,
            line,
            column,
        }
    }

    /// Moves forward to `offset` of `bytes` (the text the cursor walks); never backwards.
    pub fn advance(&mut self, bytes: &[u8], offset: usize) -> (usize, usize) {
        let end = offset.min(bytes.len());
        if end > self.offset {
            for &b in &bytes[self.offset..end] {
                if b == b'\n' {
                    self.line += 1;
                    self.column = 1;
                } else if b & 0xC0 != 0x80 {
                    // one character per byte that does not continue a UTF-8 sequence
                    self.column += 1;
                }
            }
            self.offset = end;
        }
        (self.line, self.column)
    }
}

/// A line number moved forward through a text, for callers that need no column: it counts
/// newlines (a loop the compiler vectorizes) instead of stepping through characters as
/// [`Cursor`] does.
#[derive(Debug, Clone, Copy)]
pub struct Lines {
    offset: usize,
    line: usize,
}

impl Lines {
    /// The start of a text whose first byte is on `line`.
    pub fn at(line: usize) -> Lines {
        Lines { offset: 0, line }
    }

    /// Moves forward to `offset` of `bytes` (the text it walks; never backwards): the line
    /// of that byte.
    pub fn advance(&mut self, bytes: &[u8], offset: usize) -> usize {
        let end = offset.min(bytes.len());
        if end > self.offset {
            self.line += bytes[self.offset..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.offset = end;
        }
        self.line
    }
}

/// The line and column of `offset` in a record that starts at `line`, `column`.
pub fn place(bytes: &[u8], line: usize, column: usize, offset: usize) -> (usize, usize) {
    Cursor::at(line, column).advance(bytes, offset)
}

/// The offset of the first bracket nested deeper than [`MAX_NESTING`], outside strings.
pub fn too_deep(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The id of a record that could not be decoded, read from its text as far as the text
/// allows: the value of the first top-level key `id_field`, if it comes before whatever is
/// wrong. A numeric id is written as a contact's id would be.
pub fn recover_id(bytes: &[u8], id_field: &str) -> Option<String> {
    let mut s = Scanner { bytes, pos: 0 };
    s.ws();
    s.eat(b'{')?;
    loop {
        s.ws();
        let key = s.string()?;
        s.ws();
        s.eat(b':')?;
        s.ws();
        if key_is(&bytes[key.0..key.1], id_field) {
            return s.id_value();
        }
        s.skip_value()?;
        s.ws();
        match s.next()? {
            b',' => continue,
            _ => return None,
        }
    }
}

/// Whether the raw text of a JSON key (between its quotes) spells `name`.
fn key_is(raw: &[u8], name: &str) -> bool {
    if !raw.contains(&b'\\') {
        return raw == name.as_bytes();
    }
    let quoted = [b"\"", raw, b"\""].concat();
    serde_json::from_slice::<String>(&quoted).is_ok_and(|k| k == name)
}

/// A cursor over JSON text that reads only as far as it must.
pub(crate) struct Scanner<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
}

impl Scanner<'_> {
    pub(crate) fn ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    pub(crate) fn next(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub(crate) fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// A string's raw content as a byte range (without the quotes).
    pub(crate) fn string(&mut self) -> Option<(usize, usize)> {
        self.eat(b'"')?;
        let start = self.pos;
        // memchr's search a word at a time: byte by byte, this was most of finding a key
        loop {
            let at = memchr::memchr2(b'"', b'\\', self.bytes.get(self.pos..)?)?;
            self.pos += at + 1;
            if self.bytes[self.pos - 1] == b'"' {
                return Some((start, self.pos - 1));
            }
            self.next()?;
        }
    }

    /// Skips one value of any depth without recursing.
    pub(crate) fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        let start = self.pos;
        loop {
            self.ws();
            match *self.bytes.get(self.pos)? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    self.pos += 1;
                }
                b',' | b':' if depth > 0 => self.pos += 1,
                // a value ends here only if there was one
                b',' | b'}' | b']' => return (self.pos > start).then_some(()),
                _ => {
                    // a number, `true`, `false` or `null`
                    let start = self.pos;
                    while self
                        .bytes
                        .get(self.pos)
                        .is_some_and(|b| !b",:{}[]\" \t\r\n".contains(b))
                    {
                        self.pos += 1;
                    }
                    if self.pos == start {
                        return None;
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// The id's value: a string (decoded; bad UTF-8 shown replaced) or a number.
    fn id_value(&mut self) -> Option<String> {
        if self.bytes.get(self.pos) == Some(&b'"') {
            let (start, end) = self.string()?;
            let raw = &self.bytes[start..end];
            let text = String::from_utf8_lossy(raw);
            if !raw.contains(&b'\\') {
                return Some(text.into_owned());
            }
            return serde_json::from_str::<String>(&format!("\"{text}\"")).ok();
        }
        let start = self.pos;
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(b))
        {
            self.pos += 1;
        }
        let literal = std::str::from_utf8(&self.bytes[start..self.pos]).ok()?;
        if literal.is_empty() {
            return None;
        }
        // a number that is no valid id names no contact
        match literal.parse::<f64>() {
            Ok(n) if n.fract() == 0.0 && n.abs() < super::MAX_EXACT_ID as f64 => {
                Some(crate::semantics::value::format_number(n))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_found_before_whatever_breaks_the_record() {
        let id = |text: &str| recover_id(text.as_bytes(), "id");
        assert_eq!(id(r#"{"id": "c1", "x": }"#), Some("c1".into()));
        assert_eq!(
            id(r#"{"a": {"b": [1, {"c": 2}]}, "id": 7, "x"#),
            Some("7".into())
        );
        assert_eq!(id(r#"{"a": 1, "x": , "id": "c2"}"#), None);
        assert_eq!(id(r#"{"i\u0064": "c3"}"#), Some("c3".into()));
        assert_eq!(
            id("{\"id\": \"c\u{e9}\", \"x\": \"\\u00\"}"),
            Some("c\u{e9}".into())
        );
        let deep = format!(
            "{{\"x\": {}1{}, \"id\": \"d\"}}",
            "[".repeat(500),
            "]".repeat(500)
        );
        assert_eq!(id(&deep), Some("d".into()));
        assert_eq!(
            recover_id(b"{\"n\": \"\xff\", \"id\": \"u\"}", "id"),
            Some("u".into())
        );
    }

    #[test]
    fn newlines_are_found_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                let mut bytes = vec![b'x'; len];
                if at < len {
                    bytes[at] = b'\n';
                }
                // bytes just above and below `\n` must not look like one
                if at + 1 < len {
                    bytes[at + 1] = b'\x0b';
                }
                if at > 0 {
                    bytes[at - 1] = 0x8a;
                }
                let want = bytes.iter().position(|&b| b == b'\n');
                assert_eq!(find_newline(&bytes), want, "{bytes:?}");
            }
        }
    }

    #[test]
    fn csv_records_end_where_a_byte_by_byte_scan_says() {
        // the byte-by-byte scan that `csv_cut` does 64 bytes at a time
        fn slow(bytes: &[u8], mut quoted: bool) -> (Option<usize>, bool) {
            let mut cut = None;
            for (i, &b) in bytes.iter().enumerate() {
                match b {
                    b'"' => quoted = !quoted,
                    b'\n' if !quoted => cut = Some(i + 1),
                    _ => {}
                }
            }
            (cut, quoted)
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for len in (0..200).chain([511, 512, 513, 1000]) {
            for density in [2, 5, 30] {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        match x % density {
                            0 => b'"',
                            1 => b'\n',
                            _ => [b'a', b',', b'\r', 0xe9][(x >> 8) as usize % 4],
                        }
                    })
                    .collect();
                for from in [0, 1, 63].into_iter().filter(|&from| from <= len) {
                    for quoted in [false, true] {
                        let bytes = &bytes[from..];
                        assert_eq!(csv_cut(bytes, quoted), slow(bytes, quoted), "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn lines_are_the_lines_a_cursor_counts() {
        let text = "a\u{e9}\n\nbc\r\nd\n".as_bytes();
        let (mut cursor, mut lines) = (Cursor::at(3, 1), Lines::at(3));
        for offset in [0, 1, 3, 4, 4, 5, 9, 20, 2] {
            assert_eq!(lines.advance(text, offset), cursor.advance(text, offset).0);
        }
    }

    #[test]
    fn places_count_characters_and_lines() {
        let text = "ab\u{e9}\ncd".as_bytes();
        assert_eq!(place(text, 1, 1, 4), (1, 4));
        assert_eq!(place(text, 1, 1, 6), (2, 2));
        assert_eq!(place(text, 3, 5, 1), (3, 6));
    }

    #[test]
    fn nesting_is_counted_outside_strings() {
        let ok = format!("{}{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert_eq!(too_deep(ok.as_bytes()), None);
        let deep = "[".repeat(MAX_NESTING + 1);
        assert_eq!(too_deep(deep.as_bytes()), Some(MAX_NESTING));
        assert_eq!(too_deep(format!("\"{deep}\"").as_bytes()), None);
    }
}
