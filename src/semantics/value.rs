//! Values: what a field holds or a rule computes. `Missing` doubles as *unknown* in
//! conditions (three-valued logic, see [`super::truth`]).

use std::fmt;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

/// A value read from a contact or computed by a rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    /// Absent, `null`, an empty CSV cell, or an unknown condition.
    #[default]
    Missing,
    /// true / false
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Str(Arc<str>),
    /// A calendar date.
    Date(Date),
    /// An instant.
    DateTime(Timestamp),
    /// A length of time.
    Duration(SignedDuration),
    /// A list.
    List(Arc<[Value]>),
    /// A record; fields are at the positions the program's field plan assigns.
    Record(Arc<[Value]>),
    /// The value of a classification, by index into its values.
    Class(u32),
}

impl Value {
    /// Whether the value is missing (or unknown).
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// A condition's truth: `Some(b)` for true/false, `None` for unknown.
    pub fn truth(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The kind of value.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Missing => Kind::Missing,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::Str(_) => Kind::Text,
            Value::Date(_) => Kind::Date,
            Value::DateTime(_) => Kind::DateTime,
            Value::Duration(_) => Kind::Duration,
            Value::List(_) => Kind::List,
            Value::Record(_) => Kind::Record,
            Value::Class(_) => Kind::Class,
        }
    }
}

/// The kinds of value, and the one vocabulary messages use for them (the checker's types,
/// the field plan's and a runtime value's are all worded from here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No value.
    Missing,
    /// true / false
    Bool,
    /// A number.
    Number,
    /// Text.
    Text,
    /// A calendar date.
    Date,
    /// An instant.
    DateTime,
    /// A length of time.
    Duration,
    /// A list.
    List,
    /// A record.
    Record,
    /// A classification's value.
    Class,
}

impl Kind {
    /// The kind as a noun: `number`, `text`, `true/false`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Bool => "true/false",
            Kind::Number => "number",
            Kind::Text => "text",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
            Kind::Duration => "duration",
            Kind::List => "list",
            Kind::Record => "record",
            Kind::Class => "classification value",
        }
    }

    /// One value of the kind, with its article: `a number`, `text`, `a date`.
    pub fn one(self) -> String {
        match self {
            Kind::Text | Kind::Missing => self.name().to_string(),
            Kind::Bool => "a condition (true/false)".to_string(),
            other => format!("a {}", other.name()),
        }
    }

    /// Several values of the kind: `numbers`, `text values`, `conditions`.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Missing => "missing values",
            Kind::Bool => "conditions",
            Kind::Number => "numbers",
            Kind::Text => "text values",
            Kind::Date => "dates",
            Kind::DateTime => "datetimes",
            Kind::Duration => "durations",
            Kind::List => "lists",
            Kind::Record => "records",
            Kind::Class => "classification values",
        }
    }
}

/// How many texts [`shared_text`] remembers per thread (a power of two).
const SHARED_TEXTS: usize = 1 << 12;

/// Texts longer than this (in bytes) are not shared: they rarely repeat.
const SHARED_TEXT_LENGTH: usize = 64;

thread_local! {
    /// The texts made lately on this thread, in the pair of places their hash picks (a
    /// third text for a pair pushes out the older of the two).
    static TEXTS: std::cell::RefCell<Vec<Option<Arc<str>>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `text` as a shared text: the same one as the last time this thread made that text,
/// when it is still remembered, so that texts that repeat from contact to contact (job
/// titles, industries, what `lower` makes of them) cost no allocation each time. Texts
/// compare by content, so which copy a value holds is never seen.
pub fn shared_text(text: &str) -> Arc<str> {
    if text.len() > SHARED_TEXT_LENGTH {
        return Arc::from(text);
    }
    // eight bytes at a time, multiplied and rotated (as FxHash does): short texts, a table
    // of our own, so no need for a keyed hash
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut hash: u64 = text.len() as u64;
    let mut words = text.as_bytes().chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    hash = (hash.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    let at = (hash >> (64 - SHARED_TEXTS.trailing_zeros())) as usize;
    // two places a hash: two texts that share one keep both
    let set = at & !1;
    TEXTS.with_borrow_mut(|texts| {
        if texts.is_empty() {
            texts.resize(SHARED_TEXTS, None);
        }
        for known in texts[set..set + 2].iter().flatten() {
            if **known == *text {
                return known.clone();
            }
        }
        // the newer of the two is kept first, the older goes
        let made: Arc<str> = Arc::from(text);
        texts[set + 1] = texts[set].replace(made.clone());
        made
    })
}

/// Formats a number the way people write it: no `.0` on whole numbers.
pub fn format_number(n: f64) -> String {
    let mut text = String::new();
    write_number(&mut text, n);
    text
}

/// Writes a number as [`format_number`] formats it, into a text that may already have room.
pub fn write_number(out: &mut String, n: f64) {
    use std::fmt::Write;
    // writing to a `String` cannot fail
    let _ = if n.fract() == 0.0 && n.abs() < 1e15 {
        write!(out, "{}", n as i64)
    } else {
        write!(out, "{n}")
    };
}

/// Formats a duration in the largest whole unit of the language (`30 days`, `36 hours`).
pub fn format_duration(d: SignedDuration) -> String {
    let secs = d.as_secs();
    let units = [
        (604_800, "week"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    for (size, name) in units {
        if secs != 0 && secs % size == 0 && d.subsec_nanos() == 0 {
            let n = secs / size;
            return if n.abs() == 1 {
                format!("{n} {name}")
            } else {
                format!("{n} {name}s")
            };
        }
    }
    format!("{} seconds", d.as_secs_f64())
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("missing"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::DateTime(t) => write!(f, "{t}"),
            Value::Duration(d) => f.write_str(&format_duration(*d)),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Record(_) => f.write_str("{…}"),
            Value::Class(i) => write!(f, "#{i}"),
        }
    }
}
