//! Three-valued evaluation of a [`Program`] over decoded contacts.
//!
//! A condition is true, false or unknown ([`Value::Missing`]); `and`, `or` and `not`
//! follow Kleene's truth tables, as SQL does with NULL. A row matches only when its
//! condition is true. The evaluator keeps its per-contact scratch space between contacts,
//! so classifying a contact allocates only for values it computes.

pub mod value;

use std::cmp::Ordering;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use crate::ast::Aggregate;
use crate::check::ir::Func;
use crate::compile::{ArithOp, CompareOp, Node, NodeId, Program, TextOp};
pub use value::Value;
use value::date_start;

/// A value a rule could not use (only possible for rule sets without schema, whose data is
/// typed per contact).
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeError {
    /// The node that failed.
    pub node: NodeId,
    /// What went wrong, in the words of a data error.
    pub message: String,
}

type Eval = Result<Value, RuntimeError>;

/// The result of classifying one contact: for each classification (definition order), the
/// index of its value, or `None`.
pub type Classification = Vec<Option<usize>>;

/// Evaluates one program over many contacts, one at a time.
pub struct Evaluator<'p> {
    program: &'p Program,
    now: Timestamp,
    lets: Vec<Option<Value>>,
    classes: Vec<Option<Option<usize>>>,
    locals: Vec<Value>,
}

impl<'p> Evaluator<'p> {
    /// An evaluator for `program` with `now` as the evaluation instant.
    pub fn new(program: &'p Program, now: Timestamp) -> Evaluator<'p> {
        Evaluator {
            program,
            now,
            lets: vec![None; program.lets.len()],
            classes: vec![None; program.classes.len()],
            locals: Vec::new(),
        }
    }

    /// The evaluation instant.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Forgets everything computed for the previous contact.
    pub fn reset(&mut self) {
        self.lets.iter_mut().for_each(|l| *l = None);
        self.classes.iter_mut().for_each(|c| *c = None);
        self.locals.clear();
    }

    /// Classifies one contact (its decoded slots, in field-plan order).
    pub fn classify(&mut self, record: &[Value]) -> Result<Classification, RuntimeError> {
        self.reset();
        for &class in &self.program.class_order {
            self.class(class, record)?;
        }
        Ok(self.classes.iter().map(|c| c.flatten()).collect())
    }

    /// The value of one classification for the current contact.
    pub fn class(&mut self, id: usize, record: &[Value]) -> Result<Option<usize>, RuntimeError> {
        if let Some(done) = self.classes[id] {
            return Ok(done);
        }
        let class = &self.program.classes[id];
        let mut result = class.otherwise;
        let applies = match class.guard {
            Some(g) => self.condition(g, record)? == Some(true),
            None => true,
        };
        if applies {
            for &(value, cond) in &class.rows {
                if self.condition(cond, record)? == Some(true) {
                    result = Some(value);
                    break;
                }
            }
        } else {
            result = None;
        }
        self.classes[id] = Some(result);
        Ok(result)
    }

    /// The value of a `let` for the current contact, computed at most once.
    pub fn let_value(&mut self, id: usize, record: &[Value]) -> Eval {
        if let Some(v) = &self.lets[id] {
            return Ok(v.clone());
        }
        let v = self.eval(self.program.lets[id], record)?;
        self.lets[id] = Some(v.clone());
        Ok(v)
    }

    /// Binds a quantifier variable (used by explanations to evaluate inside a quantifier).
    pub fn bind_local(&mut self, level: usize, value: Value) {
        self.locals.truncate(level);
        self.locals.push(value);
    }

    /// Evaluates one node for the current contact.
    pub fn eval(&mut self, id: NodeId, record: &[Value]) -> Eval {
        let program = self.program;
        match &program.nodes[id as usize] {
            Node::Const(v) => Ok(v.clone()),
            Node::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for &item in items {
                    values.push(self.eval(item, record)?);
                }
                Ok(Value::List(values.into()))
            }
            Node::Now => Ok(Value::DateTime(self.now)),
            Node::Let(l) => self.let_value(*l, record),
            Node::Class(c) => Ok(match self.class(*c, record)? {
                Some(v) => Value::Class(v as u32),
                None => Value::Missing,
            }),
            Node::Field { base, slot, .. } => {
                let slot = *slot as usize;
                match base {
                    None => Ok(record.get(slot).cloned().unwrap_or_default()),
                    Some(b) => match self.eval(*b, record)? {
                        Value::Record(fields) => Ok(fields.get(slot).cloned().unwrap_or_default()),
                        Value::Missing => Ok(Value::Missing),
                        other => Err(self
                            .error(id, format!("expected a record, found {}", describe(&other)))),
                    },
                }
            }
            Node::Local(level) => Ok(self
                .locals
                .get(*level as usize)
                .cloned()
                .unwrap_or_default()),
            Node::Not(x) => match self.eval(*x, record)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                Value::Missing => Ok(Value::Missing),
                other => Err(self.not_a_condition(*x, &other)),
            },
            Node::Neg(x) => match self.eval(*x, record)? {
                Value::Number(n) => Ok(Value::Number(-n)),
                Value::Duration(d) => Ok(d.checked_neg().map_or(Value::Missing, Value::Duration)),
                Value::Missing => Ok(Value::Missing),
                other => Err(self.error(*x, format!("cannot negate {}", describe(&other)))),
            },
            Node::And(a, b) => {
                let left = self.condition(*a, record)?;
                if left == Some(false) {
                    return Ok(Value::Bool(false));
                }
                let right = self.condition(*b, record)?;
                Ok(match (left, right) {
                    (_, Some(false)) => Value::Bool(false),
                    (Some(true), Some(true)) => Value::Bool(true),
                    _ => Value::Missing,
                })
            }
            Node::Or(a, b) => {
                let left = self.condition(*a, record)?;
                if left == Some(true) {
                    return Ok(Value::Bool(true));
                }
                let right = self.condition(*b, record)?;
                Ok(match (left, right) {
                    (_, Some(true)) => Value::Bool(true),
                    (Some(false), Some(false)) => Value::Bool(false),
                    _ => Value::Missing,
                })
            }
            Node::Compare(op, a, b) => {
                let (l, r) = (self.eval(*a, record)?, self.eval(*b, record)?);
                if l.is_missing()
                    || r.is_missing()
                    || has_missing_element(&l)
                    || has_missing_element(&r)
                {
                    // lists that differ in length differ whatever their missing elements
                    if let (Value::List(x), Value::List(y)) = (&l, &r)
                        && x.len() != y.len()
                        && matches!(op, CompareOp::Eq | CompareOp::Ne)
                    {
                        return Ok(Value::Bool(*op == CompareOp::Ne));
                    }
                    return Ok(Value::Missing);
                }
                let ordering = match op {
                    CompareOp::Eq | CompareOp::Ne => {
                        equal(&l, &r).map(|e| if e { Ordering::Equal } else { Ordering::Less })
                    }
                    _ => order(&l, &r),
                };
                let Some(ordering) = ordering else {
                    return Err(self.error(
                        id,
                        format!("cannot compare {} with {}", describe(&l), describe(&r)),
                    ));
                };
                Ok(Value::Bool(match op {
                    CompareOp::Eq => ordering == Ordering::Equal,
                    CompareOp::Ne => ordering != Ordering::Equal,
                    CompareOp::Lt => ordering == Ordering::Less,
                    CompareOp::Le => ordering != Ordering::Greater,
                    CompareOp::Gt => ordering == Ordering::Greater,
                    CompareOp::Ge => ordering != Ordering::Less,
                }))
            }
            Node::In {
                item,
                list,
                negated,
            } => {
                let (item_value, list_value) =
                    (self.eval(*item, record)?, self.eval(*list, record)?);
                let found = match (&item_value, &list_value) {
                    (Value::Missing, _) | (_, Value::Missing) => return Ok(Value::Missing),
                    (_, Value::List(items)) => {
                        let mut unknown = false;
                        let mut found = false;
                        for element in items.iter() {
                            if element.is_missing() {
                                unknown = true;
                                continue;
                            }
                            match equal(&item_value, element) {
                                Some(true) => {
                                    found = true;
                                    break;
                                }
                                Some(false) => {}
                                None => {
                                    return Err(self.error(
                                        id,
                                        format!(
                                            "cannot look for {} in a list of {}",
                                            describe(&item_value),
                                            element.kind()
                                        ),
                                    ));
                                }
                            }
                        }
                        if !found && unknown {
                            return Ok(Value::Missing);
                        }
                        found
                    }
                    (_, other) => {
                        return Err(self
                            .error(*list, format!("expected a list, found {}", describe(other))));
                    }
                };
                Ok(Value::Bool(found != *negated))
            }
            Node::Text(op, a, b) => {
                let (l, r) = (self.eval(*a, record)?, self.eval(*b, record)?);
                match (op, &l, &r) {
                    (_, Value::Missing, _) | (_, _, Value::Missing) => Ok(Value::Missing),
                    (TextOp::Contains, Value::Str(h), Value::Str(n)) => {
                        Ok(Value::Bool(h.contains(&**n)))
                    }
                    (TextOp::StartsWith, Value::Str(h), Value::Str(n)) => {
                        Ok(Value::Bool(h.starts_with(&**n)))
                    }
                    (TextOp::EndsWith, Value::Str(h), Value::Str(n)) => {
                        Ok(Value::Bool(h.ends_with(&**n)))
                    }
                    (TextOp::Contains, Value::List(items), needle) => {
                        let mut unknown = false;
                        for element in items.iter() {
                            match equal(element, needle) {
                                Some(true) => return Ok(Value::Bool(true)),
                                Some(false) => {}
                                None if element.is_missing() => unknown = true,
                                None => {
                                    return Err(self.error(
                                        id,
                                        format!(
                                            "cannot look for {} in a list of {}",
                                            describe(needle),
                                            element.kind()
                                        ),
                                    ));
                                }
                            }
                        }
                        Ok(if unknown {
                            Value::Missing
                        } else {
                            Value::Bool(false)
                        })
                    }
                    _ => Err(self.error(
                        id,
                        format!("expected text, found {} and {}", describe(&l), describe(&r)),
                    )),
                }
            }
            Node::Matches(a, regex) => match self.eval(*a, record)? {
                Value::Str(s) => Ok(Value::Bool(program.regexes[*regex as usize].is_match(&s))),
                Value::Missing => Ok(Value::Missing),
                other => Err(self.error(*a, format!("expected text, found {}", describe(&other)))),
            },
            Node::Within(t, d) => {
                let (time, span) = (self.eval(*t, record)?, self.eval(*d, record)?);
                let (Some(time), span) = (self.time(*t, &time)?, span) else {
                    return Ok(Value::Missing);
                };
                let span = match span {
                    Value::Duration(d) => d,
                    Value::Missing => return Ok(Value::Missing),
                    other => {
                        return Err(self.error(
                            *d,
                            format!("expected a duration, found {}", describe(&other)),
                        ));
                    }
                };
                let start = self.now.checked_sub(span).ok();
                let after_start = start.is_none_or(|s| s <= time);
                Ok(Value::Bool(after_start && time <= self.now))
            }
            Node::Before(a, b) | Node::After(a, b) => {
                let (l, r) = (self.eval(*a, record)?, self.eval(*b, record)?);
                let (Some(l), Some(r)) = (self.time(*a, &l)?, self.time(*b, &r)?) else {
                    return Ok(Value::Missing);
                };
                let before = matches!(program.nodes[id as usize], Node::Before(..));
                Ok(Value::Bool(if before { l < r } else { l > r }))
            }
            Node::Coalesce(a, b) => match self.eval(*a, record)? {
                Value::Missing => self.eval(*b, record),
                v => Ok(v),
            },
            Node::Arith(op, a, b) => {
                let (l, r) = (self.eval(*a, record)?, self.eval(*b, record)?);
                self.arith(id, *op, l, r)
            }
            Node::Presence(x, present) => {
                let v = self.eval(*x, record)?;
                Ok(Value::Bool(v.is_missing() != *present))
            }
            Node::Quantifier {
                all,
                level,
                list,
                body,
            } => {
                let Some(items) = self.list(*list, record)? else {
                    return Ok(Value::Missing);
                };
                let level = *level as usize;
                let mut unknown = false;
                for item in items.iter() {
                    self.bind_local(level, item.clone());
                    match self.condition(*body, record)? {
                        Some(b) if b != *all => {
                            self.locals.truncate(level);
                            return Ok(Value::Bool(b));
                        }
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                self.locals.truncate(level);
                Ok(if unknown {
                    Value::Missing
                } else {
                    Value::Bool(*all)
                })
            }
            Node::Aggregate {
                kind,
                level,
                list,
                value,
                filter,
            } => {
                let Some(items) = self.list(*list, record)? else {
                    return Ok(Value::Missing);
                };
                let level = *level as usize;
                let mut count = 0usize;
                let mut acc: Option<Value> = None;
                for item in items.iter() {
                    self.bind_local(level, item.clone());
                    if let Some(f) = filter
                        && self.condition(*f, record)? != Some(true)
                    {
                        continue;
                    }
                    count += 1;
                    let Some(v) = value else { continue };
                    let v = self.eval(*v, record)?;
                    if v.is_missing() {
                        continue; // like SQL, aggregates skip missing values
                    }
                    acc = Some(match (acc, kind) {
                        (None, _) => v,
                        (Some(a), Aggregate::Sum) => self.arith(id, ArithOp::Add, a, v)?,
                        (Some(a), Aggregate::Min | Aggregate::Max) => match order(&v, &a) {
                            Some(Ordering::Less) if *kind == Aggregate::Min => v,
                            Some(Ordering::Greater) if *kind == Aggregate::Max => v,
                            Some(_) => a,
                            None => {
                                return Err(self.error(
                                    id,
                                    format!(
                                        "cannot compare {} with {}",
                                        describe(&v),
                                        describe(&a)
                                    ),
                                ));
                            }
                        },
                        (Some(a), Aggregate::Count) => a,
                    });
                }
                self.locals.truncate(level);
                Ok(match kind {
                    Aggregate::Count => Value::Number(count as f64),
                    _ => acc.unwrap_or(Value::Missing),
                })
            }
            Node::Call(func, arg) => {
                let v = self.eval(*arg, record)?;
                match (func, v) {
                    (_, Value::Missing) => Ok(Value::Missing),
                    (Func::Lower, Value::Str(s)) => Ok(Value::Str(Arc::from(s.to_lowercase()))),
                    (Func::Abs, Value::Number(n)) => Ok(Value::Number(n.abs())),
                    (Func::DaysSince, t) => {
                        let Some(t) = self.time(*arg, &t)? else {
                            return Ok(Value::Missing);
                        };
                        let seconds = self.now.duration_since(t).as_secs_f64();
                        Ok(Value::Number((seconds / 86_400.0).floor()))
                    }
                    (f, other) => Err(self.error(
                        *arg,
                        format!("`{}` cannot take {}", f.name(), describe(&other)),
                    )),
                }
            }
        }
    }

    /// The elements of a list a quantifier or aggregate ranges over; `None` when missing.
    fn list(&mut self, id: NodeId, record: &[Value]) -> Result<Option<Arc<[Value]>>, RuntimeError> {
        match self.eval(id, record)? {
            Value::List(items) => Ok(Some(items)),
            Value::Missing => Ok(None),
            other => Err(self.error(id, format!("expected a list, found {}", describe(&other)))),
        }
    }

    /// Evaluates a condition: `Some(true)`, `Some(false)` or `None` for unknown.
    fn condition(&mut self, id: NodeId, record: &[Value]) -> Result<Option<bool>, RuntimeError> {
        match self.eval(id, record)? {
            Value::Bool(b) => Ok(Some(b)),
            Value::Missing => Ok(None),
            other => Err(self.not_a_condition(id, &other)),
        }
    }

    /// A time for `within`/`before`/`after`/`days_since`; text is parsed only for rule
    /// sets without schema, whose values arrive untyped.
    fn time(&self, id: NodeId, v: &Value) -> Result<Option<Timestamp>, RuntimeError> {
        match v {
            Value::DateTime(t) => Ok(Some(*t)),
            Value::Date(d) => Ok(Some(date_start(*d))),
            Value::Missing => Ok(None),
            Value::Str(s) => match crate::data::parse_time(s) {
                Some(t) => Ok(Some(t)),
                None => Err(self.error(
                    id,
                    format!("expected a date or datetime, found {}", describe(v)),
                )),
            },
            other => Err(self.error(
                id,
                format!("expected a date or datetime, found {}", describe(other)),
            )),
        }
    }

    fn arith(&self, id: NodeId, op: ArithOp, l: Value, r: Value) -> Eval {
        // a result that is not a number (∞ − ∞ after an overflow) has no value, like
        // division by zero
        Ok(match self.arith_value(id, op, l, r)? {
            Value::Number(n) if n.is_nan() => Value::Missing,
            v => v,
        })
    }

    fn arith_value(&self, id: NodeId, op: ArithOp, l: Value, r: Value) -> Eval {
        use Value::*;
        let time = |v: &Value| match v {
            DateTime(t) => Some(*t),
            Date(d) => Some(date_start(*d)),
            _ => None,
        };
        Ok(match (op, &l, &r) {
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
            _ => {
                return Err(self.error(
                    id,
                    format!(
                        "cannot compute {} {} {}",
                        describe(&l),
                        match op {
                            ArithOp::Add => "+",
                            ArithOp::Sub => "-",
                            ArithOp::Mul => "*",
                            ArithOp::Div => "/",
                        },
                        describe(&r)
                    ),
                ));
            }
        })
    }

    fn not_a_condition(&self, id: NodeId, v: &Value) -> RuntimeError {
        self.error(id, format!("expected true or false, found {}", describe(v)))
    }

    fn error(&self, node: NodeId, message: String) -> RuntimeError {
        RuntimeError { node, message }
    }
}

/// Evaluates a node whose inputs are all constants, for constant folding.
pub fn fold_constant(program: &Program, id: NodeId) -> Option<Value> {
    let mut evaluator = Evaluator::new(program, Timestamp::UNIX_EPOCH);
    evaluator.eval(id, &[]).ok()
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

/// Whether two present values are equal; `None` when they cannot be compared.
pub(crate) fn equal(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
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

/// The order of two present values; `None` when they cannot be compared.
pub(crate) fn order(a: &Value, b: &Value) -> Option<Ordering> {
    let time = |v: &Value| match v {
        Value::DateTime(t) => Some(*t),
        Value::Date(d) => Some(date_start(*d)),
        Value::Str(s) => crate::data::parse_time(s),
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

/// A value in a runtime error: its kind and, for short scalars, the value itself.
fn describe(v: &Value) -> String {
    match v {
        Value::Str(s) if s.chars().count() <= 40 => format!("text {s:?}"),
        Value::Number(_) | Value::Bool(_) | Value::Date(_) | Value::DateTime(_) => {
            format!("{} {v}", v.kind())
        }
        other => other.kind().to_string(),
    }
}

#[cfg(test)]
mod tests;
