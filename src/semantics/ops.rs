//! The operators of the language over values: comparison, equality and order,
//! membership, text tests, arithmetic (and what has no value), time tests and the
//! built-in functions. The evaluator and constant folding both apply operators through
//! [`Op::apply`]; the lint analysis asks [`compare`] and [`member`] what an atom means.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::time::{self, date_start};
use super::truth::Truth;
use super::value::Value;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A text test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    /// `contains` (also: list contains value)
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
}

/// Arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl ArithOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `lower(TEXT)`
    Lower,
    /// `days_since(TIME)`: whole days from the time to `now`
    DaysSince,
    /// `abs(NUMBER)`
    Abs,
}

impl Func {
    /// The function's name as written.
    pub fn name(self) -> &'static str {
        match self {
            Func::Lower => "lower",
            Func::DaysSince => "days_since",
            Func::Abs => "abs",
        }
    }
}

/// Why a rule could not use a value. Only rule sets without schema meet these at run
/// time (their data is typed per contact); the checker rules them out otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// A condition was expected.
    NotACondition(Value),
    /// A record was expected (for a field access).
    NotARecord(Value),
    /// A list was expected.
    NotAList(Value),
    /// Text was expected (`matches`).
    NotText(Value),
    /// Two texts were expected (`contains`, `starts_with`, `ends_with`).
    NotTexts(Value, Value),
    /// A date or datetime was expected.
    NotATime(Value),
    /// A duration was expected.
    NotADuration(Value),
    /// The value has no negative.
    CannotNegate(Value),
    /// The two values have no order (or equality).
    CannotCompare(Value, Value),
    /// The item cannot equal an element of the list.
    CannotLookFor {
        /// What was looked for.
        item: Value,
        /// The element it cannot be compared with.
        element: Value,
    },
    /// The operator does not apply to the two values.
    CannotCompute(ArithOp, Value, Value),
    /// The function does not take the value.
    CannotTake(Func, Value),
}

/// Which input of an operator a fault is about: the operand (by position), or the
/// operation as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The whole operation.
    Operation,
    /// Operand `i` (0-based, as written).
    Operand(usize),
}

/// An operator whose value follows from its operands' values (no contact, no variables).
#[derive(Debug, Clone, Copy)]
pub enum Op<'a> {
    /// `not`
    Not,
    /// unary `-`
    Neg,
    /// `and`
    And,
    /// `or`
    Or,
    /// `== != < <= > >=`
    Compare(CompareOp),
    /// `in`, `not in`
    In {
        /// `not in`
        negated: bool,
    },
    /// `contains`, `starts_with`, `ends_with`
    Text(TextOp),
    /// `matches`, with its compiled pattern
    Matches(&'a regex::Regex),
    /// `T within D`
    Within,
    /// `T before X`
    Before,
    /// `T after X`
    After,
    /// `A ?? B`
    Coalesce,
    /// `+ - * /`
    Arith(ArithOp),
    /// `is present` (`true`) / `is missing` (`false`)
    Presence(bool),
    /// A built-in function.
    Call(Func),
}

impl Op<'_> {
    /// Whether the operator reads `now`, so its value is known only per run (never folded).
    pub fn reads_now(&self) -> bool {
        matches!(self, Op::Within | Op::Call(Func::DaysSince))
    }

    /// The operator's value for these operands (in written order), at `now`.
    /// The operands may be values or references to them: the evaluator passes what it read
    /// from the contact without copying it.
    pub fn apply<V: Borrow<Value>>(
        &self,
        args: &[V],
        now: Timestamp,
    ) -> Result<Value, (Fault, At)> {
        let arg = |i: usize| args.get(i).map_or(&Value::Missing, Borrow::borrow);
        let operand = |i: usize| move |fault: Fault| (fault, At::Operand(i));
        let whole = |fault: Fault| (fault, At::Operation);
        match *self {
            Op::Not => Ok(condition(arg(0)).map_err(operand(0))?.not().value()),
            Op::Neg => negate(arg(0)).map_err(operand(0)),
            Op::And | Op::Or => {
                let l = condition(arg(0)).map_err(operand(0))?;
                let r = condition(arg(1)).map_err(operand(1))?;
                let both = if matches!(self, Op::And) {
                    l.and(r)
                } else {
                    l.or(r)
                };
                Ok(both.value())
            }
            Op::Compare(op) => compare(op, arg(0), arg(1)).map(Truth::value).map_err(whole),
            Op::In { negated } => membership(arg(0), arg(1), negated).map(Truth::value),
            Op::Text(op) => text(op, arg(0), arg(1)).map_err(whole),
            Op::Matches(regex) => match arg(0) {
                Value::Str(s) => Ok(Value::Bool(regex.is_match(s))),
                Value::Missing => Ok(Value::Missing),
                other => Err((Fault::NotText(other.clone()), At::Operand(0))),
            },
            Op::Within => {
                let Some(t) = time_of(arg(0)).map_err(operand(0))? else {
                    return Ok(Value::Missing);
                };
                match arg(1) {
                    Value::Duration(span) => Ok(time::within(now, t, *span).value()),
                    Value::Missing => Ok(Value::Missing),
                    other => Err((Fault::NotADuration(other.clone()), At::Operand(1))),
                }
            }
            Op::Before | Op::After => {
                let l = time_of(arg(0)).map_err(operand(0))?;
                let r = time_of(arg(1)).map_err(operand(1))?;
                let (Some(l), Some(r)) = (l, r) else {
                    return Ok(Value::Missing);
                };
                Ok(Value::Bool(if matches!(self, Op::Before) {
                    l < r
                } else {
                    l > r
                }))
            }
            Op::Coalesce => Ok(coalesce(arg(0), arg(1)).clone()),
            Op::Arith(op) => arith(op, arg(0), arg(1)).map_err(whole),
            Op::Presence(present) => Ok(Value::Bool(arg(0).is_missing() != present)),
            Op::Call(func) => call(func, arg(0), now).map_err(operand(0)),
        }
    }
}

/// `item in list` (`not in` when `negated`): unknown when either is missing.
pub fn membership(item: &Value, list: &Value, negated: bool) -> Result<Truth, (Fault, At)> {
    match (item, list) {
        (Value::Missing, _) | (_, Value::Missing) => Ok(Truth::Unknown),
        (_, Value::List(items)) => {
            let found = member(item, items).map_err(|fault| (fault, At::Operation))?;
            Ok(if negated { found.not() } else { found })
        }
        (_, other) => Err((Fault::NotAList(other.clone()), At::Operand(1))),
    }
}

/// A value used as a condition.
pub fn condition(v: &Value) -> Result<Truth, Fault> {
    Truth::of(v).ok_or_else(|| Fault::NotACondition(v.clone()))
}

/// `A ?? B`: the first value that is not missing.
pub fn coalesce<'v>(a: &'v Value, b: &'v Value) -> &'v Value {
    if a.is_missing() { b } else { a }
}

/// Unary minus; a duration too long to negate has no value.
pub fn negate(v: &Value) -> Result<Value, Fault> {
    match v {
        Value::Number(n) => Ok(Value::Number(-n)),
        Value::Duration(d) => Ok(d.checked_neg().map_or(Value::Missing, Value::Duration)),
        Value::Missing => Ok(Value::Missing),
        other => Err(Fault::CannotNegate(other.clone())),
    }
}

/// Whether a list holds a missing element (at any depth): comparing it is unknown.
fn has_missing_element(v: &Value) -> bool {
    match v {
        Value::List(items) => items
            .iter()
            .any(|i| i.is_missing() || has_missing_element(i)),
        _ => false,
    }
}

/// A comparison of two values: unknown when either is missing (or is a list holding a
/// missing element, unless the lengths already differ).
pub fn compare(op: CompareOp, l: &Value, r: &Value) -> Result<Truth, Fault> {
    if l.is_missing() || r.is_missing() || has_missing_element(l) || has_missing_element(r) {
        // lists that differ in length differ whatever their missing elements
        if let (Value::List(x), Value::List(y)) = (l, r)
            && x.len() != y.len()
            && matches!(op, CompareOp::Eq | CompareOp::Ne)
        {
            return Ok(Truth::from_bool(op == CompareOp::Ne));
        }
        return Ok(Truth::Unknown);
    }
    let ordering = match op {
        CompareOp::Eq | CompareOp::Ne => {
            equal(l, r).map(|e| if e { Ordering::Equal } else { Ordering::Less })
        }
        _ => order(l, r),
    };
    let Some(ordering) = ordering else {
        return Err(Fault::CannotCompare(l.clone(), r.clone()));
    };
    Ok(Truth::from_bool(match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
    }))
}

/// Whether `item` (present) equals an element of `items`: true when one is equal, else
/// unknown when an element is missing, else false.
pub fn member(item: &Value, items: &[Value]) -> Result<Truth, Fault> {
    let mut unknown = false;
    for element in items {
        if element.is_missing() {
            unknown = true;
            continue;
        }
        match equal(item, element) {
            Some(true) => return Ok(Truth::True),
            Some(false) => {}
            None => {
                return Err(Fault::CannotLookFor {
                    item: item.clone(),
                    element: element.clone(),
                });
            }
        }
    }
    Ok(if unknown {
        Truth::Unknown
    } else {
        Truth::False
    })
}

/// `contains`, `starts_with`, `ends_with` on text, and `contains` on a list.
fn text(op: TextOp, l: &Value, r: &Value) -> Result<Value, Fault> {
    Ok(match (op, l, r) {
        (_, Value::Missing, _) | (_, _, Value::Missing) => Value::Missing,
        (TextOp::Contains, Value::Str(h), Value::Str(n)) => Value::Bool(h.contains(&**n)),
        (TextOp::StartsWith, Value::Str(h), Value::Str(n)) => Value::Bool(h.starts_with(&**n)),
        (TextOp::EndsWith, Value::Str(h), Value::Str(n)) => Value::Bool(h.ends_with(&**n)),
        (TextOp::Contains, Value::List(items), needle) => member(needle, items)?.value(),
        _ => return Err(Fault::NotTexts(l.clone(), r.clone())),
    })
}

/// Whether two present values are equal; `None` when they cannot be compared.
pub fn equal(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        // what `order` says, without ordering: texts of different lengths differ at once
        (Value::Str(x), Value::Str(y)) => Some(x == y),
        (Value::Class(x), Value::Class(y)) => Some(x == y),
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !equal(p, q)? {
                    return Some(false);
                }
            }
            Some(true)
        }
        _ => order(a, b).map(|o| o == Ordering::Equal),
    }
}

/// The order of two present values; `None` when they cannot be compared. A date compares
/// with an instant as its start in UTC; text meets a time only in untyped data.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    let time = |v: &Value| match v {
        Value::DateTime(t) => Some(*t),
        Value::Date(d) => Some(date_start(*d)),
        Value::Str(s) => time::parse_time(s),
        _ => None,
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        (Value::DateTime(_) | Value::Date(_), _) | (_, Value::DateTime(_) | Value::Date(_)) => {
            Some(time(a)?.cmp(&time(b)?))
        }
        _ => None,
    }
}

/// The instant a value stands for in `within`, `before`, `after` and `days_since`;
/// `None` when missing. Text is parsed only for rule sets without schema, whose values
/// arrive untyped.
pub fn time_of(v: &Value) -> Result<Option<Timestamp>, Fault> {
    match v {
        Value::DateTime(t) => Ok(Some(*t)),
        Value::Date(d) => Ok(Some(date_start(*d))),
        Value::Missing => Ok(None),
        Value::Str(s) => time::parse_time(s)
            .map(Some)
            .ok_or_else(|| Fault::NotATime(v.clone())),
        other => Err(Fault::NotATime(other.clone())),
    }
}

/// Arithmetic. What has no value is missing: anything with a missing side, division by
/// zero, a result past the representable range, and not-a-number (∞ − ∞ after an
/// overflow).
pub fn arith(op: ArithOp, l: &Value, r: &Value) -> Result<Value, Fault> {
    Ok(match arith_value(op, l, r)? {
        Value::Number(n) if n.is_nan() => Value::Missing,
        v => v,
    })
}

fn arith_value(op: ArithOp, l: &Value, r: &Value) -> Result<Value, Fault> {
    use Value::*;
    let time = |v: &Value| match v {
        DateTime(t) => Some(*t),
        Date(d) => Some(date_start(*d)),
        _ => None,
    };
    Ok(match (op, l, r) {
        (_, Missing, _) | (_, _, Missing) => Missing,
        (ArithOp::Add, Number(a), Number(b)) => Number(a + b),
        (ArithOp::Sub, Number(a), Number(b)) => Number(a - b),
        (ArithOp::Mul, Number(a), Number(b)) => Number(a * b),
        // division by zero has no value: unknown, like a missing field
        (ArithOp::Div, Number(_), Number(b)) if *b == 0.0 => Missing,
        (ArithOp::Div, Number(a), Number(b)) => Number(a / b),
        (ArithOp::Add, Duration(a), Duration(b)) => a.checked_add(*b).map_or(Missing, Duration),
        (ArithOp::Sub, Duration(a), Duration(b)) => a.checked_sub(*b).map_or(Missing, Duration),
        (ArithOp::Mul, Duration(d), Number(n)) | (ArithOp::Mul, Number(n), Duration(d)) => {
            SignedDuration::try_from_secs_f64(d.as_secs_f64() * n).map_or(Missing, Duration)
        }
        (ArithOp::Div, Duration(_), Number(n)) if *n == 0.0 => Missing,
        (ArithOp::Div, Duration(d), Number(n)) => {
            SignedDuration::try_from_secs_f64(d.as_secs_f64() / n).map_or(Missing, Duration)
        }
        (ArithOp::Add | ArithOp::Sub, t, Duration(d)) if time(t).is_some() => {
            let t = time(t).unwrap_or(Timestamp::UNIX_EPOCH);
            let moved = if op == ArithOp::Add {
                t.checked_add(*d)
            } else {
                t.checked_sub(*d)
            };
            moved.map_or(Missing, DateTime)
        }
        (ArithOp::Add, Duration(d), t) if time(t).is_some() => {
            let t = time(t).unwrap_or(Timestamp::UNIX_EPOCH);
            t.checked_add(*d).map_or(Missing, DateTime)
        }
        (ArithOp::Sub, a, b) if time(a).is_some() && time(b).is_some() => {
            let (a, b) = (
                time(a).unwrap_or(Timestamp::UNIX_EPOCH),
                time(b).unwrap_or(Timestamp::UNIX_EPOCH),
            );
            Duration(a.duration_since(b))
        }
        _ => return Err(Fault::CannotCompute(op, l.clone(), r.clone())),
    })
}

/// A built-in function of a value; a missing argument has no value.
pub fn call(func: Func, v: &Value, now: Timestamp) -> Result<Value, Fault> {
    match (func, v) {
        (_, Value::Missing) => Ok(Value::Missing),
        (Func::Lower, Value::Str(s)) => Ok(Value::Str(lower(s))),
        (Func::Abs, Value::Number(n)) => Ok(Value::Number(n.abs())),
        (Func::DaysSince, t) => Ok(match time_of(t)? {
            Some(t) => Value::Number(time::days_since(now, t)),
            None => Value::Missing,
        }),
        (f, other) => Err(Fault::CannotTake(f, other.clone())),
    }
}

/// `text` in lower case, as [`str::to_lowercase`] lowers it, as a shared text: written
/// into a buffer kept per thread, so lowering the same texts contact after contact
/// allocates nothing (a text already in lower case is the same text).
fn lower(text: &Arc<str>) -> Arc<str> {
    thread_local! {
        static LOWERED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    // ASCII (most texts) is lowered byte by byte, as `to_lowercase` lowers it
    if text.is_ascii() {
        if !text.bytes().any(|b| b.is_ascii_uppercase()) {
            return text.clone();
        }
        return LOWERED.with_borrow_mut(|lowered| {
            lowered.clear();
            lowered.push_str(text);
            lowered.make_ascii_lowercase();
            super::value::shared_text(lowered)
        });
    }
    let unchanged = |c: char| {
        let mut lowered = c.to_lowercase();
        lowered.next() == Some(c) && lowered.next().is_none()
    };
    if text.chars().all(unchanged) {
        return text.clone();
    }
    // `to_lowercase` lowers a capital sigma by its place in a word: left to it
    if text.contains('\u{3a3}') {
        return Arc::from(text.to_lowercase());
    }
    LOWERED.with_borrow_mut(|lowered| {
        lowered.clear();
        lowered.extend(text.chars().flat_map(char::to_lowercase));
        super::value::shared_text(lowered)
    })
}

/// A quantifier (`any`/`all`) over a list, one element at a time: `any` is decided by the
/// first true element, `all` by the first false one; otherwise an unknown element makes
/// the whole unknown.
#[derive(Debug, Clone, Copy)]
pub struct Quantify {
    all: bool,
    unknown: usize,
    /// The element that decided, once one has.
    pub decider: Option<usize>,
    seen: usize,
}

impl Quantify {
    /// Starts `all` (`true`) or `any` (`false`).
    pub fn new(all: bool) -> Quantify {
        Quantify {
            all,
            unknown: 0,
            decider: None,
            seen: 0,
        }
    }

    /// Takes the next element's truth; returns `true` when the result is decided (no
    /// further element can change it).
    pub fn step(&mut self, truth: Truth) -> bool {
        let index = self.seen;
        self.seen += 1;
        match truth.known() {
            Some(b) if b != self.all => {
                self.decider = Some(index);
                true
            }
            Some(_) => false,
            None => {
                self.unknown += 1;
                false
            }
        }
    }

    /// How many elements so far were unknown.
    pub fn unknown(&self) -> usize {
        self.unknown
    }

    /// The quantifier's truth after the elements seen.
    pub fn truth(&self) -> Truth {
        match self.decider {
            Some(_) => Truth::from_bool(!self.all),
            None if self.unknown > 0 => Truth::Unknown,
            None => Truth::from_bool(self.all),
        }
    }
}

/// Adds one value to an aggregate (`sum`, `min`, `max`; `count` only counts): missing
/// values are skipped, like SQL's aggregates.
pub fn aggregate(
    kind: crate::ast::Aggregate,
    acc: Option<Value>,
    v: Value,
) -> Result<Option<Value>, Fault> {
    use crate::ast::Aggregate;
    if v.is_missing() {
        return Ok(acc);
    }
    Ok(Some(match (acc, kind) {
        (None, _) => v,
        (Some(a), Aggregate::Sum) => arith(ArithOp::Add, &a, &v)?,
        (Some(a), Aggregate::Min | Aggregate::Max) => match order(&v, &a) {
            Some(Ordering::Less) if kind == Aggregate::Min => v,
            Some(Ordering::Greater) if kind == Aggregate::Max => v,
            Some(_) => a,
            None => return Err(Fault::CannotCompare(v, a)),
        },
        (Some(a), Aggregate::Count) => a,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn lower_lowers_as_to_lowercase_does_and_shares_what_repeats() {
        let texts = [
            "",
            "abc",
            "VP Sales",
            "ÉTÉ",
            "Straße",
            "İstanbul",
            "ǅemal",
            "ΣΑΣ",
            "ὈΔΥΣΣΕΎΣ",
            "Ⅻ",
            "ABC\u{0}DEF",
            "ß",
            "ẞ",
            "ᾈ",
            "a\u{3a3}",
            "\u{3a3}",
            "MIXED case 123",
        ];
        for text in texts {
            let shared: Arc<str> = Arc::from(text);
            assert_eq!(&*lower(&shared), text.to_lowercase(), "{text:?}");
        }
        let first = lower(&Arc::from("Head of Sales"));
        let again = lower(&Arc::from("Head of Sales"));
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second lowering is the first's text"
        );
    }

    use super::*;

    #[test]
    fn membership_is_unknown_only_when_no_element_matches_and_one_is_missing() {
        let n = |x: f64| Value::Number(x);
        assert_eq!(member(&n(1.0), &[Value::Missing, n(1.0)]), Ok(Truth::True));
        assert_eq!(
            member(&n(2.0), &[Value::Missing, n(1.0)]),
            Ok(Truth::Unknown)
        );
        assert_eq!(member(&n(2.0), &[n(1.0)]), Ok(Truth::False));
        assert!(member(&n(2.0), &[Value::Bool(true)]).is_err());
    }

    #[test]
    fn a_quantifier_is_decided_by_its_first_deciding_element() {
        let mut any = Quantify::new(false);
        assert!(!any.step(Truth::Unknown));
        assert!(any.step(Truth::True));
        assert_eq!(
            (any.truth(), any.decider, any.unknown()),
            (Truth::True, Some(1), 1)
        );
        let mut all = Quantify::new(true);
        all.step(Truth::True);
        all.step(Truth::Unknown);
        assert_eq!(all.truth(), Truth::Unknown);
        assert_eq!(Quantify::new(true).truth(), Truth::True);
        assert_eq!(Quantify::new(false).truth(), Truth::False);
    }
}
