//! A mapping's key paths read from a JSON record without building the record: the record is
//! checked to be what the full reader accepts (JSON, no key twice in any object; serde_json
//! into nothing), then walked once along the paths, each value's text taken where it lies.
//! Whatever is unusual — a path through a value that is not an object, a key with escapes —
//! is left to the full reader ([`super::json::strict_object`] and [`super::csv::json_row`]), which
//! words the error; where both read a record, they give the same cells.

use std::borrow::Cow;

use super::scan::Scanner;

/// The key paths of a header, as a tree of keys.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    root: Node,
    columns: usize,
}

/// The keys of one object that lead somewhere.
#[derive(Debug, Clone, Default)]
struct Node {
    keys: Vec<Step>,
}

#[derive(Debug, Clone)]
struct Step {
    key: String,
    /// The column this key's value is (as the whole path written as one key, `literal`).
    column: Option<(usize, bool)>,
    /// The keys under this one, for longer paths.
    child: Option<Node>,
}

impl Node {
    fn step(&mut self, key: &str) -> &mut Step {
        let at = match self.keys.iter().position(|s| s.key == key) {
            Some(at) => at,
            None => {
                self.keys.push(Step {
                    key: key.to_string(),
                    column: None,
                    child: None,
                });
                self.keys.len() - 1
            }
        };
        &mut self.keys[at]
    }
}

impl Paths {
    /// The tree of `paths` (each a column): a path is looked up as one key first (`a.b`
    /// written as a key), then key by key (`{"a": {"b": …}}`), as [`super::csv::json_row`]
    /// does.
    pub fn new(paths: &[String]) -> Paths {
        let mut root = Node::default();
        for (column, path) in paths.iter().enumerate() {
            root.step(path).column = Some((column, true));
            if path.contains('.') {
                let parts: Vec<&str> = path.split('.').collect();
                let (last, inner) = parts.split_last().unwrap_or((&"", &[]));
                let mut node = &mut root;
                for part in inner {
                    node = node.step(part).child.get_or_insert_with(Node::default);
                }
                let step = node.step(last);
                // a shorter path that is also a column would be read twice
                if step.column.is_none() {
                    step.column = Some((column, false));
                }
            }
        }
        Paths {
            root,
            columns: paths.len(),
        }
    }

    /// The cells of the JSON record `bytes` at the paths: a string as its text, a number as
    /// serde_json writes it, `true`/`false`, a list or object as its JSON, empty where the
    /// path leads nowhere or to `null`. `None` when the full reader must read the record.
    pub fn cells<'b>(&self, bytes: &'b [u8]) -> Option<Vec<Cow<'b, str>>> {
        self.read(bytes, false)
    }

    /// Like [`Paths::cells`], but without checking the parts of the record it skips, and
    /// `None` also where a path leads to a list or an object: for the keys of activities,
    /// read before the record is (a record found bad later is an error of its contact).
    pub fn scalars_unchecked<'b>(&self, bytes: &'b [u8]) -> Option<Vec<Cow<'b, str>>> {
        self.read(bytes, true)
    }

    fn read<'b>(&self, bytes: &'b [u8], keys: bool) -> Option<Vec<Cow<'b, str>>> {
        // only JSON without a key twice in any object is walked (what the full reader
        // accepts): the walk below need not check what it skips
        if !keys && !strict_json(bytes) {
            return None;
        }
        let scalars = keys;
        let mut cells: Vec<Option<(Cow<'b, str>, bool)>> = vec![None; self.columns];
        let mut s = Scanner { bytes, pos: 0 };
        s.ws();
        if bytes.get(s.pos) != Some(&b'{') {
            return None;
        }
        walk(&mut s, &self.root, &mut cells, scalars)?;
        Some(
            cells
                .into_iter()
                .map(|c| c.map_or(Cow::Borrowed(""), |(text, _)| text))
                .collect(),
        )
    }
}

/// Whether `bytes` are one JSON value with no key twice in any object, checked without
/// building the value.
fn strict_json(bytes: &[u8]) -> bool {
    use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};

    /// Any value, checked and dropped.
    struct Checked;
    /// A key, borrowed from the text where it has no escapes.
    struct Key<'de>(Cow<'de, str>);

    impl<'de> Deserialize<'de> for Checked {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Checked)
        }
    }
    impl<'de> Visitor<'de> for Checked {
        type Value = Checked;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_unit<E>(self) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
            while seq.next_element::<Checked>()?.is_some() {}
            Ok(Checked)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
            let mut keys: Vec<Cow<'de, str>> = Vec::new();
            while let Some(Key(key)) = map.next_key_seed(KeySeed)? {
                if keys.contains(&key) {
                    return Err(de::Error::custom("duplicate key"));
                }
                keys.push(key);
                map.next_value::<Checked>()?;
            }
            Ok(Checked)
        }
    }
    struct KeySeed;
    impl<'de> DeserializeSeed<'de> for KeySeed {
        type Value = Key<'de>;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
            d.deserialize_str(KeySeed)
        }
    }
    impl<'de> Visitor<'de> for KeySeed {
        type Value = Key<'de>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a key")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
            Ok(Key(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
            Ok(Key(Cow::Owned(v.to_string())))
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Checked::deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// Walks the object at the scanner (known to be valid JSON) along `node`.
fn walk<'b>(
    s: &mut Scanner<'b>,
    node: &Node,
    cells: &mut [Option<(Cow<'b, str>, bool)>],
    scalars: bool,
) -> Option<()> {
    s.eat(b'{')?;
    loop {
        s.ws();
        if s.bytes.get(s.pos) == Some(&b'}') {
            s.pos += 1;
            return Some(());
        }
        let (start, end) = s.string()?;
        let key = &s.bytes[start..end];
        // an escaped key may spell a path's key: the full reader decides
        if key.contains(&b'\\') {
            return None;
        }
        s.ws();
        s.eat(b':')?;
        s.ws();
        match node.keys.iter().find(|k| k.key.as_bytes() == key) {
            Some(step) => {
                let at = s.pos;
                match (step.column, &step.child) {
                    (Some((column, literal)), None) => {
                        if scalars && matches!(s.bytes.get(at), Some(b'{' | b'[')) {
                            return None;
                        }
                        let text = value(s)?;
                        // the path written as one key wins over the path key by key
                        match &cells[column] {
                            Some((_, true)) if !literal => {}
                            _ => cells[column] = text.map(|t| (t, literal)),
                        }
                    }
                    (None, Some(child)) => match s.bytes.get(at) {
                        Some(b'{') => walk(s, child, cells, scalars)?,
                        Some(b'n') => {
                            s.skip_value()?;
                        }
                        // a path through a value that is not an object is an error
                        _ => return None,
                    },
                    // a key that is both a column and the start of a longer path
                    _ => return None,
                }
            }
            None => s.skip_value()?,
        }
        s.ws();
        match s.next()? {
            b',' => continue,
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// The text of the value at the scanner, as a cell (`None` inside: no value, `null`).
fn value<'b>(s: &mut Scanner<'b>) -> Option<Option<Cow<'b, str>>> {
    let start = s.pos;
    match *s.bytes.get(start)? {
        b'"' => {
            let (from, to) = s.string()?;
            let raw = &s.bytes[from..to];
            if raw.contains(&b'\\') {
                let text: String = serde_json::from_slice(&s.bytes[start..s.pos]).ok()?;
                return Some(Some(Cow::Owned(text)));
            }
            Some(Some(Cow::Borrowed(std::str::from_utf8(raw).ok()?)))
        }
        b'n' => {
            s.skip_value()?;
            Some(None)
        }
        b't' | b'f' => {
            s.skip_value()?;
            Some(Some(Cow::Borrowed(
                std::str::from_utf8(&s.bytes[start..s.pos]).ok()?,
            )))
        }
        b'{' | b'[' => {
            s.skip_value()?;
            // a list or object as its JSON text, as written: the record was checked whole,
            // and the cell is read as JSON again (the full reader writes it compact, which
            // reads the same)
            let raw = std::str::from_utf8(&s.bytes[start..s.pos]).ok()?;
            Some(Some(Cow::Borrowed(raw)))
        }
        _ => {
            s.skip_value()?;
            let raw = std::str::from_utf8(&s.bytes[start..s.pos]).ok()?;
            // a short integer is written as it is; other numbers as serde_json writes them
            let plain = raw.len() <= 15
                && raw != "-0"
                && raw
                    .bytes()
                    .enumerate()
                    .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'));
            if plain {
                return Some(Some(Cow::Borrowed(raw)));
            }
            let n: serde_json::Number = serde_json::from_str(raw).ok()?;
            Some(Some(Cow::Owned(n.to_string())))
        }
    }
}

#[cfg(test)]
mod tests;
