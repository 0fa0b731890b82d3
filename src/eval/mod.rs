//! Three-valued evaluation of a [`Program`] over decoded contacts.
//!
//! A condition is true, false or unknown ([`Value::Missing`]); the meaning of every
//! operator, of row selection and of quantifiers lives in [`crate::semantics`] — this
//! module only walks the program's nodes, binds quantifier variables and caches `let`s and
//! classifications per contact. The evaluator keeps its scratch space between contacts, so
//! classifying a contact allocates only for values it computes.

use std::sync::Arc;

use jiff::Timestamp;

use crate::ast::Aggregate;
use crate::compile::{Node, NodeId, Program};
use crate::semantics::ops::{self, At, Fault, Quantify};
use crate::semantics::rows::{self, Decision, Part};
use crate::semantics::{Truth, Value};

/// A value a rule could not use (only possible for rule sets without schema, whose data is
/// typed per contact).
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeError {
    /// The node that failed.
    pub node: NodeId,
    /// What went wrong.
    pub fault: Fault,
}

type Eval = Result<Value, RuntimeError>;

/// What one classification gave one contact: its value (an index into the
/// classification's values, `None` for no value) and what decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The value's index, or `None`.
    pub value: Option<usize>,
    /// The guard, the row, `otherwise`, or no row.
    pub decision: Decision,
}

/// The result of classifying one contact: one outcome per classification, in definition
/// order.
pub type Classification = Vec<Outcome>;

/// Evaluates one program over many contacts, one at a time.
pub struct Evaluator<'p> {
    program: &'p Program,
    now: Timestamp,
    lets: Vec<Option<Value>>,
    classes: Vec<Option<Outcome>>,
    locals: Vec<Value>,
}

impl<'p> Evaluator<'p> {
    /// An evaluator for `program` with `now` as the evaluation instant.
    pub fn new(program: &'p Program, now: Timestamp) -> Evaluator<'p> {
        Evaluator {
            program,
            now,
            lets: vec![None; program.let_count()],
            classes: vec![None; program.classes().len()],
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
        for &class in self.program.class_order() {
            self.class(class, record)?;
        }
        Ok(self
            .classes
            .iter()
            .map(|c| {
                c.unwrap_or(Outcome {
                    value: None,
                    decision: Decision::NoRow,
                })
            })
            .collect())
    }

    /// The outcome of one classification for the current contact, computed at most once.
    pub fn class(&mut self, id: usize, record: &[Value]) -> Result<Outcome, RuntimeError> {
        if let Some(done) = self.classes[id] {
            return Ok(done);
        }
        let class = &self.program.classes()[id];
        let decision = rows::select(
            class.guard.is_some(),
            class.rows.len(),
            class.otherwise.is_some(),
            |part| {
                let condition = match part {
                    Part::Guard => match class.guard {
                        Some(guard) => guard,
                        None => return Ok(true),
                    },
                    Part::Row(i) => class.rows[i].1,
                };
                Ok(self.condition(condition, record)?.is_true())
            },
        )?;
        let value = match decision {
            Decision::Row(i) => Some(class.rows[i].0),
            Decision::Otherwise => class.otherwise,
            Decision::Guard | Decision::NoRow => None,
        };
        let outcome = Outcome { value, decision };
        self.classes[id] = Some(outcome);
        Ok(outcome)
    }

    /// The value of a `let` for the current contact, computed at most once.
    pub fn let_value(&mut self, id: usize, record: &[Value]) -> Eval {
        if let Some(v) = &self.lets[id] {
            return Ok(v.clone());
        }
        let v = self.eval(self.program.let_root(id), record)?;
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
        match &program.node(id) {
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
            Node::Class(c) => Ok(match self.class(*c, record)?.value {
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
                        other => Err(self.error(id, Fault::NotARecord(other))),
                    },
                }
            }
            Node::Local(level) => Ok(self
                .locals
                .get(*level as usize)
                .cloned()
                .unwrap_or_default()),
            // `and`, `or` and `??` look at their right side only when the left does not
            // decide, so a value the right side cannot use is no error there
            Node::And(a, b) | Node::Or(a, b) => {
                let is_and = matches!(program.node(id), Node::And(..));
                let left = self.condition(*a, record)?;
                if left.known() == Some(!is_and) {
                    return Ok(left.value());
                }
                let right = self.condition(*b, record)?;
                Ok(if is_and {
                    left.and(right)
                } else {
                    left.or(right)
                }
                .value())
            }
            Node::Coalesce(a, b) => match self.eval(*a, record)? {
                Value::Missing => self.eval(*b, record),
                v => Ok(v),
            },
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
                let mut quantified = Quantify::new(*all);
                for item in items.iter() {
                    self.bind_local(level, item.clone());
                    if quantified.step(self.condition(*body, record)?) {
                        break;
                    }
                }
                self.locals.truncate(level);
                Ok(quantified.truth().value())
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
                        && !self.condition(*f, record)?.is_true()
                    {
                        continue;
                    }
                    count += 1;
                    let Some(v) = value else { continue };
                    let v = self.eval(*v, record)?;
                    acc = ops::aggregate(*kind, acc, v).map_err(|f| self.error(id, f))?;
                }
                self.locals.truncate(level);
                Ok(match kind {
                    Aggregate::Count => Value::Number(count as f64),
                    _ => acc.unwrap_or(Value::Missing),
                })
            }
            node => {
                let Some((op, operands)) = node.op(program.regexes()) else {
                    return Ok(Value::Missing);
                };
                let operands = operands.as_slice();
                let mut args = [Value::Missing, Value::Missing];
                for (arg, &operand) in args.iter_mut().zip(operands) {
                    *arg = self.eval(operand, record)?;
                }
                op.apply(&args[..operands.len()], self.now)
                    .map_err(|(fault, at)| {
                        let node = match at {
                            At::Operand(i) => operands.get(i).copied().unwrap_or(id),
                            At::Operation => id,
                        };
                        self.error(node, fault)
                    })
            }
        }
    }

    /// The elements of a list a quantifier or aggregate ranges over; `None` when missing.
    fn list(&mut self, id: NodeId, record: &[Value]) -> Result<Option<Arc<[Value]>>, RuntimeError> {
        match self.eval(id, record)? {
            Value::List(items) => Ok(Some(items)),
            Value::Missing => Ok(None),
            other => Err(self.error(id, Fault::NotAList(other))),
        }
    }

    /// Evaluates a condition.
    fn condition(&mut self, id: NodeId, record: &[Value]) -> Result<Truth, RuntimeError> {
        let v = self.eval(id, record)?;
        ops::condition(&v).map_err(|f| self.error(id, f))
    }

    fn error(&self, node: NodeId, fault: Fault) -> RuntimeError {
        RuntimeError { node, fault }
    }
}

#[cfg(test)]
mod tests;
