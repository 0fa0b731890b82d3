//! Three-valued evaluation of a [`Program`] over decoded contacts.
//!
//! A condition is true, false or unknown ([`Value::Missing`]); the meaning of every
//! operator, of row selection and of quantifiers lives in [`crate::semantics`] — this
//! module only walks the program's nodes, binds quantifier variables and caches `let`s and
//! classifications per contact. The evaluator keeps its scratch space between contacts, so
//! classifying a contact allocates only for values it computes.

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

/// An error on the way up the node tree: boxed, so that every step's result stays small.
type Failed = Box<RuntimeError>;

/// What a node gave: borrowed from the contact or the program when it was only read (most
/// values: fields, list elements, constants), owned when it was computed. Reading a field
/// or a constant thus copies nothing and touches no reference count.
enum Val<'a> {
    Ref(&'a Value),
    Own(Value),
}

impl Val<'_> {
    fn get(&self) -> &Value {
        match self {
            Val::Ref(v) => v,
            Val::Own(v) => v,
        }
    }

    fn into_owned(self) -> Value {
        match self {
            Val::Ref(v) => v.clone(),
            Val::Own(v) => v,
        }
    }
}

/// The quantifier variables bound during one evaluation, innermost first, on the stack:
/// binding one allocates nothing, and a `let` (evaluated without scope) cannot disturb the
/// variables of the quantifier that first needed it.
struct Scope<'s, 'a> {
    level: usize,
    value: Val<'a>,
    outer: Option<&'s Scope<'s, 'a>>,
}

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
    /// The classifications [`Evaluator::classify`] evaluates, in dependency order.
    order: Vec<usize>,
    /// Variables bound from outside ([`Evaluator::bind_local`], for explanations).
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
            order: program.class_order().to_vec(),
            locals: Vec::new(),
        }
    }

    /// From now on [`Evaluator::classify`] evaluates only `classes` (indices in definition
    /// order) and what they use (`let`s and classifications are evaluated when first
    /// needed); every other outcome is no row. A rule set without schema is still
    /// evaluated whole: there a classification can fail a contact at run time, and which
    /// contacts fail must not depend on what is shown.
    pub fn select(&mut self, classes: &[usize]) {
        if !self.program.plan().typed {
            return;
        }
        self.order = (self.program.class_order().iter())
            .copied()
            .filter(|c| classes.contains(c))
            .collect();
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
        let mut outcomes = Vec::with_capacity(self.classes.len());
        self.classify_into(record, &mut outcomes)?;
        Ok(outcomes)
    }

    /// Classifies one contact as [`Evaluator::classify`] does, appending its outcomes (one
    /// per classification) to `out`: a run keeps the outcomes of a whole chunk of contacts
    /// in one buffer, so classifying allocates nothing per contact. On an error nothing is
    /// appended.
    pub fn classify_into(
        &mut self,
        record: &[Value],
        out: &mut Vec<Outcome>,
    ) -> Result<(), RuntimeError> {
        self.reset();
        self.classify_rest(record, out)
    }

    /// Classifies one contact as [`Evaluator::classify_into`] does, taking from `other`
    /// (which has just classified the same contact by a program compiled onto this one's
    /// plan) every value of `shared` it computed, instead of computing it again.
    pub fn classify_sharing(
        &mut self,
        record: &[Value],
        out: &mut Vec<Outcome>,
        other: &Evaluator<'_>,
        shared: &crate::compile::Shared,
    ) -> Result<(), RuntimeError> {
        self.reset();
        for &(mine, theirs) in &shared.lets {
            self.lets[mine].clone_from(&other.lets[theirs]);
        }
        for &(mine, theirs) in &shared.classes {
            self.classes[mine] = other.classes[theirs];
        }
        self.classify_rest(record, out)
    }

    /// Evaluates the classifications not yet known for the current contact and appends
    /// every outcome to `out`.
    fn classify_rest(
        &mut self,
        record: &[Value],
        out: &mut Vec<Outcome>,
    ) -> Result<(), RuntimeError> {
        for i in 0..self.order.len() {
            self.class_in(self.order[i], record).map_err(|e| *e)?;
        }
        out.extend(self.classes.iter().map(|c| {
            c.unwrap_or(Outcome {
                value: None,
                decision: Decision::NoRow,
            })
        }));
        Ok(())
    }

    /// The outcome of one classification for the current contact, computed at most once.
    pub fn class(&mut self, id: usize, record: &[Value]) -> Result<Outcome, RuntimeError> {
        self.class_in(id, record).map_err(|e| *e)
    }

    fn class_in(&mut self, id: usize, record: &[Value]) -> Result<Outcome, Failed> {
        if let Some(done) = self.classes[id] {
            return Ok(done);
        }
        let program = self.program;
        let class = &program.classes()[id];
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
                Ok::<_, Failed>(self.condition(condition, record, None)?.is_true())
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
        self.let_in(id, record).map_err(|e| *e)
    }

    fn let_in(&mut self, id: usize, record: &[Value]) -> Result<Value, Failed> {
        if let Some(v) = &self.lets[id] {
            return Ok(v.clone());
        }
        // a `let` sees no quantifier variable: it is defined outside every quantifier
        let v = self
            .node(self.program.let_root(id), record, None)?
            .into_owned();
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
        match self.node(id, record, None) {
            Ok(v) => Ok(v.into_owned()),
            Err(e) => Err(*e),
        }
    }

    /// Evaluates one node with the variables of `scope` bound.
    fn node<'a>(
        &mut self,
        id: NodeId,
        record: &'a [Value],
        scope: Option<&Scope<'_, 'a>>,
    ) -> Result<Val<'a>, Failed>
    where
        'p: 'a,
    {
        let program: &'p Program = self.program;
        Ok(match program.node(id) {
            Node::Const(v) => Val::Ref(v),
            Node::List(items) => self.computed_list(items, record, scope)?,
            Node::Now => Val::Own(Value::DateTime(self.now)),
            Node::Let(l) => Val::Own(self.let_in(*l, record)?),
            Node::Class(c) => Val::Own(match self.class_in(*c, record)?.value {
                Some(v) => Value::Class(v as u32),
                None => Value::Missing,
            }),
            Node::Field { base, slot, .. } => {
                let slot = *slot as usize;
                match base {
                    None => record.get(slot).map_or(Val::Own(Value::Missing), Val::Ref),
                    Some(b) => {
                        let base = self.operand(*b, record, scope)?;
                        self.field_of(id, base, slot)?
                    }
                }
            }
            Node::Local(level) => self.local(*level as usize, scope),
            Node::And(..) | Node::Or(..) | Node::Quantifier { .. } => {
                Val::Own(self.condition(id, record, scope)?.value())
            }
            Node::Coalesce(a, b) => match self.operand(*a, record, scope)? {
                v if v.get().is_missing() => self.operand(*b, record, scope)?,
                v => v,
            },
            Node::Aggregate {
                kind,
                level,
                list,
                value,
                filter,
            } => self.aggregate(
                id,
                *kind,
                *level as usize,
                *list,
                (*value, *filter),
                record,
                scope,
            )?,
            node => {
                let Some((op, operands)) = node.op(program.regexes()) else {
                    return Ok(Val::Own(Value::Missing));
                };
                let operands = operands.as_slice();
                let first = self.operand(operands[0], record, scope)?;
                let result = match operands.get(1) {
                    None => op.apply(&[first.get()], self.now),
                    Some(&second) => {
                        let second = self.operand(second, record, scope)?;
                        op.apply(&[first.get(), second.get()], self.now)
                    }
                };
                Val::Own(result.map_err(|(fault, at)| {
                    let node = match at {
                        At::Operand(i) => operands.get(i).copied().unwrap_or(id),
                        At::Operation => id,
                    };
                    self.error(node, fault)
                })?)
            }
        })
    }

    /// A list whose elements are computed (rare, so kept out of [`Evaluator::node`], whose
    /// frame every node pays for).
    #[inline(never)]
    fn computed_list<'a>(
        &mut self,
        items: &[NodeId],
        record: &'a [Value],
        scope: Option<&Scope<'_, 'a>>,
    ) -> Result<Val<'a>, Failed>
    where
        'p: 'a,
    {
        let mut values = Vec::with_capacity(items.len());
        for &item in items {
            values.push(self.node(item, record, scope)?.into_owned());
        }
        Ok(Val::Own(Value::List(values.into())))
    }

    /// `count`, `sum`, `min` or `max` over a list (kept out of [`Evaluator::node`] as
    /// [`Evaluator::computed_list`] is); `parts` are the aggregated value and the filter.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn aggregate<'a>(
        &mut self,
        id: NodeId,
        kind: Aggregate,
        level: usize,
        list: NodeId,
        parts: (Option<NodeId>, Option<NodeId>),
        record: &'a [Value],
        scope: Option<&Scope<'_, 'a>>,
    ) -> Result<Val<'a>, Failed>
    where
        'p: 'a,
    {
        let (value, filter) = parts;
        let Some(items) = self.list(list, record, scope)? else {
            return Ok(Val::Own(Value::Missing));
        };
        let mut count = 0usize;
        let mut acc: Option<Value> = None;
        for i in 0..list_len(&items) {
            let inner = Scope {
                level,
                value: element(&items, i),
                outer: scope,
            };
            if let Some(f) = filter
                && !self.condition(f, record, Some(&inner))?.is_true()
            {
                continue;
            }
            count += 1;
            let Some(v) = value else { continue };
            let v = self.node(v, record, Some(&inner))?.into_owned();
            acc = ops::aggregate(kind, acc, v).map_err(|f| self.error(id, f))?;
        }
        Ok(Val::Own(match kind {
            Aggregate::Count => Value::Number(count as f64),
            _ => acc.unwrap_or(Value::Missing),
        }))
    }

    /// A node's value, the leaves most conditions read (constants, fields, variables and
    /// their fields) taken here, without a call of [`Evaluator::node`]: in a quantifier's
    /// body they are most of the nodes, and the call with its dispatch was most of their cost.
    #[inline(always)]
    fn operand<'a>(
        &mut self,
        id: NodeId,
        record: &'a [Value],
        scope: Option<&Scope<'_, 'a>>,
    ) -> Result<Val<'a>, Failed>
    where
        'p: 'a,
    {
        let program: &'p Program = self.program;
        match program.node(id) {
            Node::Const(v) => Ok(Val::Ref(v)),
            Node::Field {
                base: None, slot, ..
            } => Ok(record
                .get(*slot as usize)
                .map_or(Val::Own(Value::Missing), Val::Ref)),
            Node::Local(level) => Ok(self.local(*level as usize, scope)),
            Node::Field {
                base: Some(b),
                slot,
                ..
            } => match program.node(*b) {
                Node::Local(level) => {
                    let base = self.local(*level as usize, scope);
                    self.field_of(id, base, *slot as usize)
                }
                _ => self.node(id, record, scope),
            },
            _ => self.node(id, record, scope),
        }
    }

    /// Field `slot` of a record value (for the field node `id`); missing of a missing one.
    fn field_of<'a>(&self, id: NodeId, base: Val<'a>, slot: usize) -> Result<Val<'a>, Failed> {
        Ok(match base {
            Val::Ref(Value::Record(fields)) => {
                fields.get(slot).map_or(Val::Own(Value::Missing), Val::Ref)
            }
            Val::Own(Value::Record(fields)) => {
                Val::Own(fields.get(slot).cloned().unwrap_or_default())
            }
            v if v.get().is_missing() => Val::Own(Value::Missing),
            other => return Err(self.error(id, Fault::NotARecord(other.into_owned()))),
        })
    }

    /// The value of the quantifier variable at `level`: bound in this evaluation, or from
    /// outside by [`Evaluator::bind_local`].
    fn local<'a>(&self, level: usize, scope: Option<&Scope<'_, 'a>>) -> Val<'a> {
        let mut here = scope;
        while let Some(s) = here {
            if s.level == level {
                return match &s.value {
                    Val::Ref(v) => Val::Ref(v),
                    Val::Own(v) => Val::Own(v.clone()),
                };
            }
            here = s.outer;
        }
        Val::Own(self.locals.get(level).cloned().unwrap_or_default())
    }

    /// The list a quantifier or aggregate ranges over; `None` when missing.
    fn list<'a>(
        &mut self,
        id: NodeId,
        record: &'a [Value],
        scope: Option<&Scope<'_, 'a>>,
    ) -> Result<Option<Val<'a>>, Failed>
    where
        'p: 'a,
    {
        let v = self.operand(id, record, scope)?;
        match v.get() {
            Value::List(_) => Ok(Some(v)),
            Value::Missing => Ok(None),
            _ => Err(self.error(id, Fault::NotAList(v.into_owned()))),
        }
    }

    /// Evaluates a condition. The nodes that can only be conditions (`and`, `or`,
    /// comparisons, membership, quantifiers) and `let`s give their truth here directly,
    /// without making a value of it and reading it back.
    fn condition<'a>(
        &mut self,
        id: NodeId,
        record: &'a [Value],
        scope: Option<&Scope<'_, 'a>>,
    ) -> Result<Truth, Failed>
    where
        'p: 'a,
    {
        let program: &'p Program = self.program;
        let at = |this: &Self, (fault, at): (Fault, At), operands: [NodeId; 2]| {
            let node = match at {
                At::Operand(i) => operands.get(i).copied().unwrap_or(id),
                At::Operation => id,
            };
            this.error(node, fault)
        };
        match program.node(id) {
            // `and` and `or` look at their right side only when the left does not decide,
            // so a value the right side cannot use is no error there
            Node::And(a, b) | Node::Or(a, b) => {
                let is_and = matches!(program.node(id), Node::And(..));
                let left = self.condition(*a, record, scope)?;
                if left.known() == Some(!is_and) {
                    return Ok(left);
                }
                let right = self.condition(*b, record, scope)?;
                Ok(if is_and {
                    left.and(right)
                } else {
                    left.or(right)
                })
            }
            Node::Compare(op, a, b) => {
                let left = self.operand(*a, record, scope)?;
                let right = self.operand(*b, record, scope)?;
                ops::compare(*op, left.get(), right.get())
                    .map_err(|fault| at(self, (fault, At::Operation), [*a, *b]))
            }
            Node::In {
                item,
                list,
                negated,
            } => {
                let item_value = self.operand(*item, record, scope)?;
                let list_value = self.operand(*list, record, scope)?;
                ops::membership(item_value.get(), list_value.get(), *negated)
                    .map_err(|e| at(self, e, [*item, *list]))
            }
            Node::Quantifier {
                all,
                level,
                list,
                body,
            } => {
                let Some(items) = self.list(*list, record, scope)? else {
                    return Ok(Truth::Unknown);
                };
                let mut quantified = Quantify::new(*all);
                for i in 0..list_len(&items) {
                    let inner = Scope {
                        level: *level as usize,
                        value: element(&items, i),
                        outer: scope,
                    };
                    if quantified.step(self.condition(*body, record, Some(&inner))?) {
                        break;
                    }
                }
                Ok(quantified.truth())
            }
            Node::Let(l) if self.lets[*l].is_some() => match &self.lets[*l] {
                Some(v) => ops::condition(v).map_err(|f| self.error(id, f)),
                None => Ok(Truth::Unknown),
            },
            _ => {
                let v = self.operand(id, record, scope)?;
                ops::condition(v.get()).map_err(|f| self.error(id, f))
            }
        }
    }

    fn error(&self, node: NodeId, fault: Fault) -> Failed {
        Box::new(RuntimeError { node, fault })
    }
}

/// The number of elements of a list value (found by [`Evaluator::list`]).
fn list_len(list: &Val<'_>) -> usize {
    match list.get() {
        Value::List(items) => items.len(),
        _ => 0,
    }
}

/// Element `i` of a list value: borrowed when the list is, else a copy (the list lives
/// only as long as its quantifier).
fn element<'a>(list: &Val<'a>, i: usize) -> Val<'a> {
    match list {
        Val::Ref(Value::List(items)) => items.get(i).map_or(Val::Own(Value::Missing), Val::Ref),
        other => Val::Own(match other.get() {
            Value::List(items) => items.get(i).cloned().unwrap_or_default(),
            _ => Value::Missing,
        }),
    }
}

#[cfg(test)]
mod alloc_tests;
#[cfg(test)]
mod tests;
