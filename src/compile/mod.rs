//! Typed rule set → [`Program`]: a flat, index-addressed table of nodes with fields
//! resolved to slots, constants folded and regexes compiled once.

pub mod plan;
pub mod shared;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{Aggregate, BinaryOp, Quantifier};
use crate::check::CheckedRuleSet;
use crate::check::ir::{self, Const, ExprKind, Func, RecordId, RuleSet, Type};
use crate::semantics::Value;
use crate::semantics::ops::Op;
pub use crate::semantics::{ArithOp, CompareOp, TextOp};
use crate::source::Span;
pub use plan::{FieldPlan, Layout, LayoutId, Narrowing, PlanField, PlanType, Stray};
pub use shared::{Shared, shared};

/// A node of a [`Program`]; only the compiler makes them, so every one is in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The node's position in its program (children come before parents).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One operation of a program; children are earlier nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A constant (literals and folded sub-expressions).
    Const(Value),
    /// A list whose elements are computed per contact.
    List(Vec<NodeId>),
    /// The evaluation instant.
    Now,
    /// A `let`, evaluated at most once per contact.
    Let(usize),
    /// A classification's result for this contact.
    Class(usize),
    /// A field of the contact (`base` is `None`) or of a record value.
    Field {
        /// The record value; `None` for the contact.
        base: Option<NodeId>,
        /// The record's layout (for messages).
        layout: LayoutId,
        /// The field's slot.
        slot: u32,
    },
    /// A quantifier or aggregate variable.
    Local(u32),
    /// `not`
    Not(NodeId),
    /// unary `-`
    Neg(NodeId),
    /// `and`
    And(NodeId, NodeId),
    /// `or`
    Or(NodeId, NodeId),
    /// `== != < <= > >=`
    Compare(CompareOp, NodeId, NodeId),
    /// `in`, `not in`
    In {
        /// The value looked for.
        item: NodeId,
        /// The list.
        list: NodeId,
        /// `not in`
        negated: bool,
    },
    /// `contains`, `starts_with`, `ends_with`
    Text(TextOp, NodeId, NodeId),
    /// `matches`, with the index of the compiled regex.
    Matches(NodeId, u32),
    /// `T within D`
    Within(NodeId, NodeId),
    /// `T before X`
    Before(NodeId, NodeId),
    /// `T after X`
    After(NodeId, NodeId),
    /// `A ?? B`
    Coalesce(NodeId, NodeId),
    /// `+ - * /`
    Arith(ArithOp, NodeId, NodeId),
    /// `is present` (`true`) / `is missing` (`false`)
    Presence(NodeId, bool),
    /// `any` / `all`
    Quantifier {
        /// `all` rather than `any`.
        all: bool,
        /// The variable's level.
        level: u32,
        /// The list.
        list: NodeId,
        /// The condition.
        body: NodeId,
    },
    /// `count` / `sum` / `min` / `max`
    Aggregate {
        /// Which aggregate.
        kind: Aggregate,
        /// The variable's level.
        level: u32,
        /// The list.
        list: NodeId,
        /// The aggregated value.
        value: Option<NodeId>,
        /// The filter.
        filter: Option<NodeId>,
    },
    /// A built-in function.
    Call(Func, NodeId),
}

/// The operands of a node whose value follows from them alone, in written order.
#[derive(Debug, Clone, Copy)]
pub struct Operands {
    ids: [NodeId; 2],
    len: usize,
}

impl Operands {
    fn one(a: NodeId) -> Operands {
        Operands {
            ids: [a, a],
            len: 1,
        }
    }

    fn two(a: NodeId, b: NodeId) -> Operands {
        Operands {
            ids: [a, b],
            len: 2,
        }
    }

    /// The operand nodes.
    pub fn as_slice(&self) -> &[NodeId] {
        &self.ids[..self.len]
    }
}

impl Node {
    /// The operator of a node whose value follows from its operands' values alone, with
    /// its operands; `None` for constants, fields, variables, `let`s, classifications,
    /// lists, quantifiers and aggregates. The evaluator and constant folding both apply
    /// operators through this, so a node means the same in both.
    pub fn op<'p>(&self, regexes: &'p [regex::Regex]) -> Option<(Op<'p>, Operands)> {
        Some(match *self {
            Node::Not(x) => (Op::Not, Operands::one(x)),
            Node::Neg(x) => (Op::Neg, Operands::one(x)),
            Node::Presence(x, present) => (Op::Presence(present), Operands::one(x)),
            Node::Call(func, x) => (Op::Call(func), Operands::one(x)),
            Node::Matches(x, regex) => {
                (Op::Matches(regexes.get(regex as usize)?), Operands::one(x))
            }
            Node::And(a, b) => (Op::And, Operands::two(a, b)),
            Node::Or(a, b) => (Op::Or, Operands::two(a, b)),
            Node::Compare(op, a, b) => (Op::Compare(op), Operands::two(a, b)),
            Node::In {
                item,
                list,
                negated,
            } => (Op::In { negated }, Operands::two(item, list)),
            Node::Text(op, a, b) => (Op::Text(op), Operands::two(a, b)),
            Node::Within(a, b) => (Op::Within, Operands::two(a, b)),
            Node::Before(a, b) => (Op::Before, Operands::two(a, b)),
            Node::After(a, b) => (Op::After, Operands::two(a, b)),
            Node::Coalesce(a, b) => (Op::Coalesce, Operands::two(a, b)),
            Node::Arith(op, a, b) => (Op::Arith(op), Operands::two(a, b)),
            Node::Const(_)
            | Node::List(_)
            | Node::Now
            | Node::Let(_)
            | Node::Class(_)
            | Node::Field { .. }
            | Node::Local(_)
            | Node::Quantifier { .. }
            | Node::Aggregate { .. } => return None,
        })
    }
}

/// A compiled classification.
#[derive(Debug, Clone)]
pub struct ClassProgram {
    /// Its name.
    pub name: String,
    /// Its values, in order of first appearance.
    pub values: Vec<String>,
    /// Where it applies.
    pub guard: Option<NodeId>,
    /// `(value index, condition)` top to bottom.
    pub rows: Vec<(usize, NodeId)>,
    /// The `otherwise` value.
    pub otherwise: Option<usize>,
    /// Where `otherwise` is written.
    pub otherwise_span: Option<Span>,
}

impl ClassProgram {
    /// Value indices in funnel order: the reverse of the rows (lead → customer), with the
    /// `otherwise` value first as the least advanced.
    pub fn funnel_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = Vec::new();
        if let Some(o) = self.otherwise {
            order.push(o);
        }
        for &(value, _) in self.rows.iter().rev() {
            if !order.contains(&value) {
                order.push(value);
            }
        }
        order
    }
}

impl Node {
    /// The same operation with its references renumbered: children by `id`, `let`s,
    /// classifications and regular expressions by theirs.
    pub(crate) fn renumbered(
        &self,
        id: impl Fn(NodeId) -> NodeId,
        lets: impl Fn(usize) -> usize,
        classes: impl Fn(usize) -> usize,
        regexes: impl Fn(u32) -> u32,
    ) -> Node {
        let ids = |v: &Option<NodeId>| v.map(&id);
        match self {
            Node::Const(v) => Node::Const(v.clone()),
            Node::List(items) => Node::List(items.iter().map(|&i| id(i)).collect()),
            Node::Now => Node::Now,
            Node::Let(l) => Node::Let(lets(*l)),
            Node::Class(c) => Node::Class(classes(*c)),
            Node::Field { base, layout, slot } => Node::Field {
                base: ids(base),
                layout: *layout,
                slot: *slot,
            },
            Node::Local(level) => Node::Local(*level),
            Node::Not(x) => Node::Not(id(*x)),
            Node::Neg(x) => Node::Neg(id(*x)),
            Node::And(a, b) => Node::And(id(*a), id(*b)),
            Node::Or(a, b) => Node::Or(id(*a), id(*b)),
            Node::Compare(op, a, b) => Node::Compare(*op, id(*a), id(*b)),
            Node::In {
                item,
                list,
                negated,
            } => Node::In {
                item: id(*item),
                list: id(*list),
                negated: *negated,
            },
            Node::Text(op, a, b) => Node::Text(*op, id(*a), id(*b)),
            Node::Matches(x, r) => Node::Matches(id(*x), regexes(*r)),
            Node::Within(a, b) => Node::Within(id(*a), id(*b)),
            Node::Before(a, b) => Node::Before(id(*a), id(*b)),
            Node::After(a, b) => Node::After(id(*a), id(*b)),
            Node::Coalesce(a, b) => Node::Coalesce(id(*a), id(*b)),
            Node::Arith(op, a, b) => Node::Arith(*op, id(*a), id(*b)),
            Node::Presence(x, present) => Node::Presence(id(*x), *present),
            Node::Quantifier {
                all,
                level,
                list,
                body,
            } => Node::Quantifier {
                all: *all,
                level: *level,
                list: id(*list),
                body: id(*body),
            },
            Node::Aggregate {
                kind,
                level,
                list,
                value,
                filter,
            } => Node::Aggregate {
                kind: *kind,
                level: *level,
                list: id(*list),
                value: ids(value),
                filter: ids(filter),
            },
            Node::Call(f, x) => Node::Call(*f, id(*x)),
        }
    }
}

/// An immutable compiled rule set, shareable across threads.
#[derive(Debug, Clone)]
pub struct Program {
    /// All nodes; children precede parents.
    pub(crate) nodes: Vec<Node>,
    /// Where each node was written.
    pub(crate) spans: Vec<Span>,
    /// Root node of each `let`.
    pub(crate) lets: Vec<NodeId>,
    /// Names of the `let`s.
    pub(crate) let_names: Vec<String>,
    /// Classifications in definition order.
    pub(crate) classes: Vec<ClassProgram>,
    /// Classifications in evaluation (dependency) order.
    pub(crate) class_order: Vec<usize>,
    /// Compiled regular expressions.
    pub(crate) regexes: Vec<regex::Regex>,
    /// What decoders must extract.
    pub(crate) plan: FieldPlan,
    /// Fields of the plan this program reads as a narrower enum than the plan decodes
    /// (compiled onto a base that knows more values: see [`compile_onto`]).
    pub(crate) narrowed: Vec<Narrowing>,
}

impl Program {
    /// A node.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Where a node is written.
    pub fn span(&self, id: NodeId) -> Span {
        self.spans[id.index()]
    }

    /// Every node, children before parents.
    pub fn node_ids(&self) -> impl DoubleEndedIterator<Item = NodeId> + ExactSizeIterator + use<> {
        (0..self.nodes.len() as u32).map(NodeId)
    }

    /// The root node of a `let`.
    pub fn let_root(&self, id: usize) -> NodeId {
        self.lets[id]
    }

    /// The name of a `let`.
    pub fn let_name(&self, id: usize) -> &str {
        &self.let_names[id]
    }

    /// How many `let`s there are.
    pub fn let_count(&self) -> usize {
        self.lets.len()
    }

    /// The classifications, in definition order.
    pub fn classes(&self) -> &[ClassProgram] {
        &self.classes
    }

    /// The classifications in an order where each comes after those it uses.
    pub fn class_order(&self) -> &[usize] {
        &self.class_order
    }

    /// The compiled regular expressions (`Node::Matches` holds an index into them).
    pub fn regexes(&self) -> &[regex::Regex] {
        &self.regexes
    }

    /// What decoders must extract.
    pub fn plan(&self) -> &FieldPlan {
        &self.plan
    }

    /// Fields this program reads as a narrower enum than its plan decodes them.
    pub fn narrowed(&self) -> &[Narrowing] {
        &self.narrowed
    }

    /// Calls `f` with each direct child of a node, in written order (not following `let`
    /// and classification references).
    pub fn for_each_child(&self, node: NodeId, mut f: impl FnMut(NodeId)) {
        match self.node(node) {
            Node::List(items) => items.iter().for_each(|&i| f(i)),
            Node::Not(x)
            | Node::Neg(x)
            | Node::Presence(x, _)
            | Node::Matches(x, _)
            | Node::Call(_, x)
            | Node::Field { base: Some(x), .. } => f(*x),
            Node::And(a, b)
            | Node::Or(a, b)
            | Node::Compare(_, a, b)
            | Node::Text(_, a, b)
            | Node::Within(a, b)
            | Node::Before(a, b)
            | Node::After(a, b)
            | Node::Coalesce(a, b)
            | Node::Arith(_, a, b)
            | Node::In {
                item: a, list: b, ..
            }
            | Node::Quantifier {
                list: a, body: b, ..
            } => {
                f(*a);
                f(*b);
            }
            Node::Aggregate {
                list,
                value,
                filter,
                ..
            } => {
                f(*list);
                value.iter().chain(filter.iter()).for_each(|&c| f(c));
            }
            Node::Const(_)
            | Node::Now
            | Node::Let(_)
            | Node::Class(_)
            | Node::Field { base: None, .. }
            | Node::Local(_) => {}
        }
    }

    /// Whether a node is a quantifier variable or a field of one (a value that exists only
    /// inside its quantifier or aggregate).
    pub fn reads_variable(&self, node: NodeId) -> bool {
        match self.node(node) {
            Node::Local(_) => true,
            Node::Field { base: Some(b), .. } => self.reads_variable(*b),
            _ => false,
        }
    }
}

/// Compiles a checked rule set (which has no errors, so every expression typed).
pub fn compile(checked: &CheckedRuleSet) -> Program {
    match compile_with(checked, None) {
        Ok(program) => program,
        // without a base plan there is nothing to conflict with
        Err(conflict) => unreachable!("a plan conflicts with no base: {conflict:?}"),
    }
}

/// Compiles a checked rule set onto another program's field plan: every field both read
/// keeps the base's slot, and the fields only this rule set reads come after the base's.
/// A contact decoded with the result's plan is then a contact of both programs, so a run
/// can classify it by both (what `diff` does). A field is required when either rule set
/// requires it.
pub fn compile_onto(checked: &CheckedRuleSet, base: &FieldPlan) -> Result<Program, PlanConflict> {
    compile_with(checked, Some(base))
}

/// One program holding `old` and `new` (compiled onto `old`'s plan with
/// [`compile_onto`]): `old`'s nodes, `let`s, classifications and regexes first, then
/// `new`'s, renumbered. What the analysis of a change reasons over: a field both read is
/// one node shape in it, so one variable of the analysis.
pub fn join(old: &Program, new: &Program) -> Program {
    let (nodes, lets, classes, regexes) = (
        old.nodes.len() as u32,
        old.lets.len(),
        old.classes.len(),
        old.regexes.len() as u32,
    );
    let id = |n: NodeId| NodeId(n.0 + nodes);
    let ids = |v: &Option<NodeId>| v.map(id);
    let node = |n: &Node| n.renumbered(id, |l| l + lets, |c| c + classes, |r| r + regexes);
    let mut joined = old.clone();
    joined.nodes.extend(new.nodes.iter().map(node));
    joined.spans.extend_from_slice(&new.spans);
    joined.lets.extend(new.lets.iter().map(|&l| id(l)));
    joined.let_names.extend(new.let_names.iter().cloned());
    joined
        .classes
        .extend(new.classes.iter().map(|c| ClassProgram {
            guard: ids(&c.guard),
            rows: c.rows.iter().map(|&(v, cond)| (v, id(cond))).collect(),
            ..c.clone()
        }));
    joined
        .class_order
        .extend(new.class_order.iter().map(|c| c + classes));
    joined.regexes.extend(new.regexes.iter().cloned());
    joined.plan = new.plan.clone();
    // the analysis reasons about contacts both can read: an enum value only one rule set
    // knows makes a contact the other refuses, so it is no value of the joined variable
    for n in new.narrowed.iter().chain(&old.plan.narrowings(&new.plan)) {
        let field = &mut joined.plan.records[n.layout].fields[n.slot];
        if let Some(both) = field.ty.meet(&n.ty) {
            field.ty = both;
        }
    }
    joined
}

/// Why two rule sets cannot share one field plan: one decoded contact cannot serve both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanConflict {
    /// A field both read, of another type in each (in words, the base's first).
    Type {
        /// Its dotted path.
        path: String,
        /// Its type in the base.
        base: String,
        /// Its type in the rule set compiled onto it.
        new: String,
    },
    /// One has a schema and the other does not (`true`: the base has one).
    Schema(bool),
    /// They name contacts by different id fields (the base's first).
    IdField(String, String),
}

fn compile_with(
    checked: &CheckedRuleSet,
    base: Option<&FieldPlan>,
) -> Result<Program, PlanConflict> {
    let rules = checked.rules();
    let plan_builder = PlanBuilder::new(rules, base)?;
    let mut compiler = Compiler {
        rules,
        layouts: plan_builder.layouts,
        slots: plan_builder.slots,
        program: Program {
            nodes: Vec::new(),
            spans: Vec::new(),
            lets: vec![NodeId(0); rules.lets.len()],
            let_names: rules.lets.iter().map(|l| l.name.node.clone()).collect(),
            classes: Vec::new(),
            class_order: rules.class_order.clone(),
            regexes: Vec::new(),
            plan: plan_builder.plan,
            narrowed: plan_builder.narrowed,
        },
        compiled_lets: vec![None; rules.lets.len()],
        regex_ids: HashMap::new(),
    };
    for id in 0..rules.lets.len() {
        compiler.compile_let(id);
    }
    for class in &rules.classes {
        let guard = class.guard.as_ref().map(|g| compiler.expr(g));
        let rows = class
            .rows
            .iter()
            .map(|r| (r.value, compiler.expr(&r.cond)))
            .collect();
        compiler.program.classes.push(ClassProgram {
            name: class.name.node.clone(),
            values: class.values.iter().map(|v| v.node.clone()).collect(),
            guard,
            rows,
            otherwise: class.otherwise,
            otherwise_span: class.otherwise_span,
        });
    }
    Ok(compiler.program)
}

/// Assigns a slot to every field the rules read.
struct PlanBuilder {
    plan: FieldPlan,
    /// Layout of each ir record that is read.
    layouts: HashMap<RecordId, LayoutId>,
    /// Slot of each `(record, field)` that is read.
    slots: HashMap<(RecordId, usize), u32>,
    /// Fields of the base plan this rule set reads as a narrower enum.
    narrowed: Vec<Narrowing>,
}

impl PlanBuilder {
    /// Slots for the fields of `rules`, after those of `base` when there is one.
    fn new(rules: &RuleSet, base: Option<&FieldPlan>) -> Result<PlanBuilder, PlanConflict> {
        if let Some(base) = base {
            if base.typed != rules.has_schema {
                return Err(PlanConflict::Schema(base.typed));
            }
            if base.id_field != rules.id_field {
                return Err(PlanConflict::IdField(
                    base.id_field.clone(),
                    rules.id_field.clone(),
                ));
            }
        }
        let mut used: Vec<(RecordId, usize)> = Vec::new();
        let id = rules.records[ir::ROOT].field(&rules.id_field);
        if let Some(id) = id {
            used.push((ir::ROOT, id));
        }
        let read = rules.fields_read();
        let id_read = id.is_some_and(|id| read.contains(&(ir::ROOT, id)));
        used.extend(read);
        let mut builder = PlanBuilder {
            plan: match base {
                Some(base) => base.clone(),
                None => FieldPlan {
                    records: Vec::new(),
                    id_slot: 0,
                    id_field: rules.id_field.clone(),
                    typed: rules.has_schema,
                    id_read: false,
                },
            },
            layouts: HashMap::new(),
            slots: HashMap::new(),
            narrowed: Vec::new(),
        };
        builder.layout(rules, ir::ROOT);
        for (record, field) in used {
            builder.add(rules, record, field)?;
        }
        let root = &builder.plan.records[0];
        if rules.records[ir::ROOT].field(&rules.id_field).is_none()
            && root.slot(&rules.id_field).is_none()
        {
            // Without schema the id is still read, whatever its type.
            builder.plan.records[0].fields.push(PlanField {
                name: rules.id_field.clone(),
                ty: PlanType::Dynamic,
                optional: true,
            });
            let slot = builder.plan.records[0].fields.len() - 1;
            builder.plan.records[0]
                .by_name
                .insert(rules.id_field.clone(), slot);
        }
        builder.plan.id_slot = builder.plan.records[0].slot(&rules.id_field).unwrap_or(0);
        builder.plan.id_read |= id_read;
        Ok(builder)
    }

    /// The layout of a record: the one of the same path when the plan has it (a base's),
    /// else a new one.
    fn layout(&mut self, rules: &RuleSet, record: RecordId) -> LayoutId {
        if let Some(&l) = self.layouts.get(&record) {
            return l;
        }
        let path = &rules.records[record].path;
        if let Some(l) = self.plan.records.iter().position(|l| &l.path == path) {
            self.layouts.insert(record, l);
            return l;
        }
        self.plan.records.push(Layout {
            path: rules.records[record].path.clone(),
            ..Layout::default()
        });
        let id = self.plan.records.len() - 1;
        self.layouts.insert(record, id);
        id
    }

    /// The slot of a field: the plan's own when it has the field (a base's, which must be
    /// of the same type), else a new one.
    fn add(
        &mut self,
        rules: &RuleSet,
        record: RecordId,
        field: usize,
    ) -> Result<u32, PlanConflict> {
        if let Some(&slot) = self.slots.get(&(record, field)) {
            return Ok(slot);
        }
        let layout = self.layout(rules, record);
        let decl = &rules.records[record].fields[field];
        let ty = self.plan_type(rules, &decl.ty);
        if let Some(slot) = self.plan.records[layout].slot(&decl.name) {
            let path = self.plan.records[layout].field_path(slot);
            let known = &mut self.plan.records[layout].fields[slot];
            if known.ty != ty {
                // an enum that gained or lost values is still read as text: decode the
                // values of both, and let each program refuse the ones it does not know
                let Some(wider) = known.ty.widen(&ty) else {
                    return Err(PlanConflict::Type {
                        path,
                        base: known.ty.describe(),
                        new: ty.describe(),
                    });
                };
                if !ty.reads_all(&wider) {
                    self.narrowed.push(Narrowing { layout, slot, ty });
                }
                known.ty = wider;
            }
            known.optional &= decl.optional;
            self.slots.insert((record, field), slot as u32);
            return Ok(slot as u32);
        }
        let fields = &mut self.plan.records[layout].fields;
        fields.push(PlanField {
            name: decl.name.clone(),
            ty,
            optional: decl.optional,
        });
        let slot = fields.len() - 1;
        self.plan.records[layout]
            .by_name
            .insert(decl.name.clone(), slot);
        self.slots.insert((record, field), slot as u32);
        Ok(slot as u32)
    }

    fn plan_type(&mut self, rules: &RuleSet, ty: &Type) -> PlanType {
        match ty {
            Type::Bool => PlanType::Bool,
            Type::Number => PlanType::Number,
            Type::String => PlanType::String,
            Type::Enum(e) => PlanType::Enum(rules.enums[*e].clone().into()),
            Type::Date => PlanType::Date,
            Type::DateTime => PlanType::DateTime,
            Type::Duration => PlanType::Duration,
            Type::List(t) => PlanType::List(Box::new(self.plan_type(rules, t))),
            Type::Record(r) => PlanType::Record(self.layout(rules, *r)),
            _ => PlanType::Dynamic,
        }
    }
}

struct Compiler<'r> {
    rules: &'r RuleSet,
    layouts: HashMap<RecordId, LayoutId>,
    slots: HashMap<(RecordId, usize), u32>,
    program: Program,
    compiled_lets: Vec<Option<NodeId>>,
    regex_ids: HashMap<String, u32>,
}

impl Compiler<'_> {
    fn compile_let(&mut self, id: usize) -> NodeId {
        if let Some(n) = self.compiled_lets[id] {
            return n;
        }
        let root = self.expr(&self.rules.lets[id].expr);
        self.compiled_lets[id] = Some(root);
        self.program.lets[id] = root;
        root
    }

    fn push(&mut self, node: Node, span: Span) -> NodeId {
        self.program.nodes.push(node);
        self.program.spans.push(span);
        NodeId((self.program.nodes.len() - 1) as u32)
    }

    fn is_const(&self, id: NodeId) -> bool {
        matches!(self.program.nodes[id.index()], Node::Const(_))
    }

    /// Pushes `node`; when all its inputs are constants, replaces it by its value — unless
    /// it depends on `now` (`within`, `days_since`), which is known only per run.
    fn push_folded(&mut self, node: Node, span: Span) -> NodeId {
        let folded = node.op(&self.program.regexes).and_then(|(op, operands)| {
            let mut args = Vec::with_capacity(2);
            for &i in operands.as_slice() {
                match &self.program.nodes[i.index()] {
                    Node::Const(v) => args.push(v.clone()),
                    _ => return None,
                }
            }
            if op.reads_now() {
                return None;
            }
            // `now` is never read here, so any instant will do
            op.apply(&args, jiff::Timestamp::UNIX_EPOCH).ok()
        });
        self.push(folded.map_or(node, Node::Const), span)
    }

    fn expr(&mut self, e: &ir::Expr) -> NodeId {
        let span = e.span;
        match &e.kind {
            ExprKind::Const(c) => self.push(Node::Const(const_value(c)), span),
            ExprKind::List(items) => {
                let ids: Vec<NodeId> = items.iter().map(|i| self.expr(i)).collect();
                if ids.iter().all(|&i| self.is_const(i)) {
                    let values: Vec<Value> = ids
                        .iter()
                        .map(|&i| match &self.program.nodes[i.index()] {
                            Node::Const(v) => v.clone(),
                            _ => Value::Missing,
                        })
                        .collect();
                    self.push(Node::Const(Value::List(values.into())), span)
                } else {
                    self.push(Node::List(ids), span)
                }
            }
            ExprKind::Now => self.push(Node::Now, span),
            ExprKind::Let(id) => {
                let root = self.compile_let(*id);
                match &self.program.nodes[root.index()] {
                    Node::Const(v) => {
                        let v = v.clone();
                        self.push(Node::Const(v), span)
                    }
                    _ => self.push(Node::Let(*id), span),
                }
            }
            ExprKind::Class(id) => self.push(Node::Class(*id), span),
            ExprKind::ClassValue(_, value) => {
                self.push(Node::Const(Value::Class(*value as u32)), span)
            }
            ExprKind::Field {
                base,
                record,
                field,
            } => {
                let base = base.as_ref().map(|b| self.expr(b));
                let layout = self.layouts.get(record).copied().unwrap_or(0);
                let slot = self.slots.get(&(*record, *field)).copied().unwrap_or(0);
                self.push(Node::Field { base, layout, slot }, span)
            }
            ExprKind::Local(level) => self.push(Node::Local(*level as u32), span),
            ExprKind::Not(x) => {
                let x = self.expr(x);
                self.push_folded(Node::Not(x), span)
            }
            ExprKind::Neg(x) => {
                let x = self.expr(x);
                self.push_folded(Node::Neg(x), span)
            }
            ExprKind::Presence(x, present) => {
                let x = self.expr(x);
                self.push_folded(Node::Presence(x, *present), span)
            }
            ExprKind::Binary(op, a, b) => {
                let (l, r) = (self.expr(a), self.expr(b));
                let node = match op {
                    BinaryOp::And => Node::And(l, r),
                    BinaryOp::Or => Node::Or(l, r),
                    BinaryOp::Eq => Node::Compare(CompareOp::Eq, l, r),
                    BinaryOp::Ne => Node::Compare(CompareOp::Ne, l, r),
                    BinaryOp::Lt => Node::Compare(CompareOp::Lt, l, r),
                    BinaryOp::Le => Node::Compare(CompareOp::Le, l, r),
                    BinaryOp::Gt => Node::Compare(CompareOp::Gt, l, r),
                    BinaryOp::Ge => Node::Compare(CompareOp::Ge, l, r),
                    BinaryOp::In => Node::In {
                        item: l,
                        list: r,
                        negated: false,
                    },
                    BinaryOp::NotIn => Node::In {
                        item: l,
                        list: r,
                        negated: true,
                    },
                    BinaryOp::Contains => Node::Text(TextOp::Contains, l, r),
                    BinaryOp::StartsWith => Node::Text(TextOp::StartsWith, l, r),
                    BinaryOp::EndsWith => Node::Text(TextOp::EndsWith, l, r),
                    BinaryOp::Matches => {
                        let pattern = match &b.kind {
                            ExprKind::Const(Const::String(p)) => p.clone(),
                            _ => String::new(),
                        };
                        let index = self.regex(&pattern);
                        return self.push_folded(Node::Matches(l, index), span);
                    }
                    BinaryOp::Within => Node::Within(l, r),
                    BinaryOp::Before => Node::Before(l, r),
                    BinaryOp::After => Node::After(l, r),
                    BinaryOp::Coalesce => Node::Coalesce(l, r),
                    BinaryOp::Add => Node::Arith(ArithOp::Add, l, r),
                    BinaryOp::Sub => Node::Arith(ArithOp::Sub, l, r),
                    BinaryOp::Mul => Node::Arith(ArithOp::Mul, l, r),
                    BinaryOp::Div => Node::Arith(ArithOp::Div, l, r),
                };
                self.push_folded(node, span)
            }
            ExprKind::Quantifier {
                kind,
                level,
                list,
                body,
                ..
            } => {
                let list = self.expr(list);
                let body = self.expr(body);
                self.push(
                    Node::Quantifier {
                        all: *kind == Quantifier::All,
                        level: *level as u32,
                        list,
                        body,
                    },
                    span,
                )
            }
            ExprKind::Aggregate {
                kind,
                level,
                list,
                value,
                filter,
                ..
            } => {
                let list = self.expr(list);
                let value = value.as_ref().map(|v| self.expr(v));
                let filter = filter.as_ref().map(|f| self.expr(f));
                self.push(
                    Node::Aggregate {
                        kind: *kind,
                        level: *level as u32,
                        list,
                        value,
                        filter,
                    },
                    span,
                )
            }
            ExprKind::Call(func, args) => {
                let arg = match args.first() {
                    Some(a) => self.expr(a),
                    None => self.push(Node::Const(Value::Missing), span),
                };
                self.push_folded(Node::Call(*func, arg), span)
            }
            ExprKind::Error => unreachable!("a checked rule set has no untyped expression"),
        }
    }

    fn regex(&mut self, pattern: &str) -> u32 {
        if let Some(&i) = self.regex_ids.get(pattern) {
            return i;
        }
        // The checker validated every pattern; an invalid one cannot reach here, but fall
        // back to a pattern that never matches rather than panic.
        let compiled = regex::Regex::new(pattern)
            .or_else(|_| regex::Regex::new(r"[^\s\S]"))
            .expect("the never-matching fallback pattern is valid");
        self.program.regexes.push(compiled);
        let index = (self.program.regexes.len() - 1) as u32;
        self.regex_ids.insert(pattern.to_string(), index);
        index
    }
}

fn const_value(c: &Const) -> Value {
    match c {
        Const::Bool(b) => Value::Bool(*b),
        Const::Number(n) => Value::Number(*n),
        Const::String(s) => Value::Str(Arc::from(s.as_str())),
        Const::Date(d) => Value::Date(*d),
        Const::DateTime(t) => Value::DateTime(*t),
        Const::Duration(d) => Value::Duration(*d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Program>();
    }
}
