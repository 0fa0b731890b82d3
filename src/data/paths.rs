//! A mapping's key paths, as a tree of keys: how a JSON record is walked along them (by
//! [`super::json::mapped`], which reads records through a mapping) and how the keys of
//! activities are read from a record before it is decoded ([`Paths::scalars_unchecked`]).

use std::borrow::Cow;

use super::scan::Scanner;

/// The key paths of a header, as a tree of keys.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    root: Node,
    columns: usize,
    /// `{"key":`, where there is one path of one key that needs no escape: a record that
    /// starts so has the path's value right after (see [`Paths::scalar_unchecked`]).
    lead: Option<Vec<u8>>,
}

/// The keys of one object that lead somewhere.
#[derive(Debug, Clone, Default)]
pub struct Node {
    keys: Vec<Step>,
}

/// One key of an object on the way to a column.
#[derive(Debug, Clone)]
pub struct Step {
    key: String,
    /// The column this key's value is (as the whole path written as one key, `literal`).
    pub column: Option<(usize, bool)>,
    /// The keys under this one, for longer paths.
    pub child: Option<Node>,
}

impl Node {
    /// The step of `key`, if it leads somewhere.
    pub fn find(&self, key: &str) -> Option<&Step> {
        // keys are short: compared byte by byte, not by a call to compare memory
        let key = key.as_bytes();
        self.keys.iter().find(|s| {
            let step = s.key.as_bytes();
            step.len() == key.len() && step.iter().zip(key).all(|(a, b)| a == b)
        })
    }

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
        let lead = match paths {
            [path]
                if !path.contains('.')
                    && !path.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') =>
            {
                Some(format!("{{\"{path}\":").into_bytes())
            }
            _ => None,
        };
        Paths {
            root,
            columns: paths.len(),
            lead,
        }
    }

    /// The root object's keys.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The text at each path of the JSON record `bytes` (a string as its text, a number as
    /// serde_json writes it, `true`/`false`, empty where the path leads nowhere or to
    /// `null`), read without checking the parts of the record it skips; `None` where a
    /// path leads to a list or an object, or the record is unusual (the full reader then
    /// decides): for the keys of activities, read before the record is (a record found bad
    /// later is an error of its contact).
    // the walk of several paths, held to the full reader by the tests; a run reads keys
    // by one path ([`Paths::scalar_unchecked`])
    #[cfg(test)]
    pub fn scalars_unchecked<'b>(&self, bytes: &'b [u8]) -> Option<Vec<Cow<'b, str>>> {
        let mut cells: Vec<Option<(Cow<'b, str>, bool)>> = vec![None; self.columns];
        walk_record(bytes, &self.root, &mut cells, false)?;
        Some(
            cells
                .into_iter()
                .map(|c| c.map_or(Cow::Borrowed(""), |(text, _)| text))
                .collect(),
        )
    }

    /// The cells of the JSON record `bytes` at the paths, as the full reader of mapped
    /// records gives them: a string as its text, a number as serde_json writes it,
    /// `true`/`false`, a list or object as its JSON text as written, empty where the path
    /// leads nowhere or to `null`. The record must be one the full reader accepts
    /// ([`super::json::strictly_valid`]): the parts it skips are not checked. `None` where
    /// the full reader must read it (a path through a value that is not an object, a key
    /// with escapes).
    pub fn cells<'b>(&self, bytes: &'b [u8]) -> Option<Vec<Cow<'b, str>>> {
        let mut cells: Vec<Option<(Cow<'b, str>, bool)>> = vec![None; self.columns];
        walk_record(bytes, &self.root, &mut cells, true)?;
        Some(
            cells
                .into_iter()
                .map(|c| c.map_or(Cow::Borrowed(""), |(text, _)| text))
                .collect(),
        )
    }

    /// Where a record starts with its one-key path (`{"key":`) and a scalar after it: the
    /// scalar's text as [`Paths::scalar_unchecked`] gives it (empty for `null`), and the
    /// bytes of the value (with the whitespace before). A record whose text goes on with
    /// the same bytes, then a byte that ends a value, has the same key
    /// ([`Paths::same_lead`]).
    pub fn lead<'b>(&self, bytes: &'b [u8]) -> Option<(Cow<'b, str>, &'b [u8])> {
        let lead = self.lead.as_ref()?;
        let rest = bytes.strip_prefix(lead.as_slice())?;
        let mut s = Scanner {
            bytes: rest,
            pos: 0,
        };
        s.ws();
        let text = value(&mut s)?;
        Some((text.unwrap_or(Cow::Borrowed("")), &rest[..s.pos]))
    }

    /// Whether the record `bytes` starts with its one-key path and the value `span` (of
    /// [`Paths::lead`]), whole: its key is then the key of the record `span` is from.
    pub fn same_lead(&self, bytes: &[u8], span: &[u8]) -> bool {
        self.lead.as_ref().is_some_and(|lead| {
            bytes
                .strip_prefix(lead.as_slice())
                .and_then(|rest| rest.strip_prefix(span))
                // the value ends there (`12` is not `123`)
                .is_some_and(|after| {
                    matches!(
                        after.first(),
                        Some(b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
                    )
                })
        })
    }

    /// [`Paths::scalars_unchecked`] of the one path of these paths, without a list of them.
    pub fn scalar_unchecked<'b>(&self, bytes: &'b [u8]) -> Option<Cow<'b, str>> {
        // the key first in its record, as activities are mostly written: what the walk
        // would find first and keep, without the walk (a third of reading a file's keys)
        if let Some((text, _)) = self.lead(bytes) {
            return Some(text);
        }
        let mut cells = [None];
        if self.columns != 1 {
            return None;
        }
        walk_record(bytes, &self.root, &mut cells, false)?;
        let [cell] = cells;
        Some(cell.map_or(Cow::Borrowed(""), |(text, _)| text))
    }
}

/// Walks the record `bytes` (an object) along `node`; a list or object at a path is its
/// JSON text where `whole`, else the walk gives up (a key is never one).
fn walk_record<'b>(
    bytes: &'b [u8],
    node: &Node,
    cells: &mut [Option<(Cow<'b, str>, bool)>],
    whole: bool,
) -> Option<bool> {
    let mut s = Scanner { bytes, pos: 0 };
    s.ws();
    if bytes.get(s.pos) != Some(&b'{') {
        return None;
    }
    walk(&mut s, node, cells, whole)
}

/// Walks the object at the scanner along `node`; `Some(true)` as soon as every cell has
/// its value from the path written as one key, which nothing after can change (the rest
/// of the record is not read: it is not checked here).
fn walk<'b>(
    s: &mut Scanner<'b>,
    node: &Node,
    cells: &mut [Option<(Cow<'b, str>, bool)>],
    whole: bool,
) -> Option<bool> {
    s.eat(b'{')?;
    loop {
        s.ws();
        if s.bytes.get(s.pos) == Some(&b'}') {
            s.pos += 1;
            return Some(false);
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
                        let text = match s.bytes.get(at) {
                            Some(b'{' | b'[') if !whole => return None,
                            // a list or object as its JSON text, as written (read again as
                            // JSON: the full reader writes it compact, which reads the same)
                            Some(b'{' | b'[') => {
                                s.skip_value()?;
                                Cow::Borrowed(std::str::from_utf8(&s.bytes[at..s.pos]).ok()?)
                            }
                            _ => value(s)?.unwrap_or(Cow::Borrowed("")),
                        };
                        // the path written as one key wins over the path key by key, even
                        // when it is `null`
                        match &cells[column] {
                            Some((_, true)) if !literal => {}
                            _ => cells[column] = Some((text, literal)),
                        }
                        if cells.iter().all(|c| matches!(c, Some((_, true)))) {
                            return Some(true);
                        }
                    }
                    (None, Some(child)) => match s.bytes.get(at) {
                        Some(b'{') => {
                            if walk(s, child, cells, whole)? {
                                return Some(true);
                            }
                        }
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
            b'}' => return Some(false),
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
        // a list or object is not a scalar
        b'{' | b'[' => None,
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
