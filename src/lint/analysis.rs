//! Three-valued reasoning over conditions, for the lints that must be sound: a condition
//! is modelled as `and`/`or`/`not` over atoms; atoms that compare the same value (a field,
//! a classification) with constants share one variable whose domain covers every region
//! those constants cut out, plus *missing*. Any other atom is an independent variable that
//! may be true, false or unknown. A search over these variables looks for a witness
//! contact; it reports "no witness" only after trying every case, and gives up (claiming
//! nothing) past a fixed budget.
//!
//! What the analysis cannot see: relations between different fields, anything inside a
//! quantifier other than its own condition, text operations (`contains`, `matches`),
//! arithmetic, and time relative to `now` (`within`). Those atoms are independent unknowns,
//! which can only make the lints report less, never wrongly.

use std::collections::HashMap;
use std::sync::Arc;

use crate::compile::{CompareOp, Node, NodeId, PlanType, Program};
use crate::semantics::ops::{compare, member};
use crate::semantics::time::date_start;
use crate::semantics::{Truth, Value};

/// How many formula nodes one search may evaluate before it gives up (claiming nothing).
const SEARCH_WORK: usize = 20_000_000;

/// How many formula nodes all the searches of one model may evaluate; past it every search
/// gives up at once, so a rule set of thousands of entangled conditions cannot keep a
/// check waiting (each search alone is bounded by [`SEARCH_WORK`], their number is not).
const MODEL_WORK: usize = 200_000_000;

/// A `let` whose condition, with the `let`s it names written out, has more formula nodes
/// than this is modelled as an independent atom: `let x1 = x0 and x0`, … doubles per line,
/// so writing lets out in full could cost more than any machine has.
const LET_LIMIT: usize = 1_024;

/// How many formula nodes one model may build by writing out `let`s, over all formulas:
/// a long chain of lets named by thousands of conditions stays linear past it.
const EXPANSION_BUDGET: usize = 8_000_000;

fn formula_size(f: &Formula) -> usize {
    match f {
        Formula::And(a, b) | Formula::Or(a, b) => 1 + formula_size(a) + formula_size(b),
        Formula::Not(x) => 1 + formula_size(x),
        Formula::Atom { .. } | Formula::Const(_) => 1,
    }
}

/// Values with more regions than this are not modelled (see `Model::atom`).
const MAX_DOMAIN: usize = 256;

/// A set of truth values: bit 0 true, bit 1 false, bit 2 unknown.
pub type TruthSet = u8;
/// True.
pub const T: TruthSet = 1;
/// False.
pub const F: TruthSet = 2;
/// Unknown.
pub const U: TruthSet = 4;

/// The set holding one truth value.
pub const fn set_of(t: Truth) -> TruthSet {
    match t {
        Truth::True => T,
        Truth::False => F,
        Truth::Unknown => U,
    }
}

/// What a set of truths allows, for row selection ([`crate::semantics::rows::decides_with`]).
pub fn possible(set: TruthSet) -> crate::semantics::rows::Possible {
    crate::semantics::rows::Possible {
        can_hold: set & T != 0,
        can_fail: set & (F | U) != 0,
    }
}

/// Kleene's tables lifted to sets of truths, computed once from [`Truth`]'s own tables:
/// `AND3[a][b]` holds every outcome of `x and y` for `x` in `a` and `y` in `b`.
const AND3: [[TruthSet; 8]; 8] = lift(true);
/// The same for `or`.
const OR3: [[TruthSet; 8]; 8] = lift(false);

const fn lift(and: bool) -> [[TruthSet; 8]; 8] {
    let mut table = [[0; 8]; 8];
    let mut a = 0;
    while a < 8 {
        let mut b = 0;
        while b < 8 {
            let mut i = 0;
            while i < 3 {
                let mut j = 0;
                while j < 3 {
                    let (x, y) = (Truth::ALL[i], Truth::ALL[j]);
                    if a & set_of(x) != 0 && b & set_of(y) != 0 {
                        table[a as usize][b as usize] |=
                            set_of(if and { x.and(y) } else { x.or(y) });
                    }
                    j += 1;
                }
                i += 1;
            }
            b += 1;
        }
        a += 1;
    }
    table
}

/// The truths `a and b` (or `a or b`) can have when `a` and `b` can have these: exact for
/// independent operands, a superset when they share variables.
pub fn combine3(and: bool, a: TruthSet, b: TruthSet) -> TruthSet {
    if and { and3(a, b) } else { or3(a, b) }
}

fn and3(a: TruthSet, b: TruthSet) -> TruthSet {
    AND3[a as usize & 7][b as usize & 7]
}

fn or3(a: TruthSet, b: TruthSet) -> TruthSet {
    OR3[a as usize & 7][b as usize & 7]
}

fn not3(a: TruthSet) -> TruthSet {
    Truth::ALL
        .into_iter()
        .filter(|&t| a & set_of(t) != 0)
        .fold(0, |acc, t| acc | set_of(t.not()))
}

/// A condition in the analysis.
#[derive(Debug, Clone)]
pub enum Formula {
    /// both
    And(Box<Formula>, Box<Formula>),
    /// either
    Or(Box<Formula>, Box<Formula>),
    /// negation
    Not(Box<Formula>),
    /// the truth of an atom for each value of its variable's domain
    Atom { var: usize, table: Arc<[TruthSet]> },
    /// a constant truth
    Const(TruthSet),
}

/// The variables and how to build formulas over them, for one program.
pub struct Model<'p> {
    program: &'p Program,
    /// Structural identities of the program's nodes, which key the variables.
    shapes: Shapes<'p>,
    /// Domain size of each variable.
    sizes: Vec<usize>,
    /// Domain values of each variable (empty for opaque atoms, whose domain is T/F/U).
    domains: Vec<Vec<Value>>,
    /// What each variable stands for.
    keys: Vec<Key>,
    /// The variable of each key.
    by_key: HashMap<Key, usize>,
    /// Formula nodes evaluated by all searches so far, for lints with an overall budget.
    work: std::cell::Cell<usize>,
    /// The assignment searches fill in, kept between searches: allocating one as long as
    /// the number of variables per search made many small searches quadratic.
    assignment: std::cell::RefCell<Vec<Option<usize>>>,
    /// Which variables a search has collected so far, by variable; all `false` between
    /// searches (kept for the same reason as `assignment`).
    seen: std::cell::RefCell<Vec<bool>>,
    /// The truth tables of opaque atoms, shared: a rule set with many atoms would
    /// otherwise allocate one per atom.
    opaque_tables: [Arc<[TruthSet]>; 2],
    /// [`may_be_unknown`] of every node, computed once: along `let`s it would otherwise
    /// be asked again at every use.
    unknown: Vec<bool>,
    /// For each `let` node, the first node behind it that is not a `let` (`let b = a`
    /// names `a`'s condition), so a chain of such lets is followed once.
    let_target: Vec<NodeId>,
    /// The size of each node's formula with every `let` written out, at most
    /// `LET_LIMIT + 1`.
    expanded: Vec<usize>,
    /// Formula nodes that writing out lets may still build ([`EXPANSION_BUDGET`]).
    expansion_left: usize,
    /// Whether `formula` is inside a `let` it is writing out (whose size, counted at
    /// the outermost one, covers the lets inside).
    in_let: bool,
}

/// The outcome of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// A witness exists.
    Found,
    /// No witness exists (every case was tried).
    None,
    /// The budget ran out; nothing is claimed.
    GaveUp,
}

impl<'p> Model<'p> {
    /// A model for a program; domains are built from every constant the program
    /// compares each value with.
    pub fn new(program: &'p Program) -> Model<'p> {
        let mut model = Model {
            program,
            shapes: Shapes::new(program),
            sizes: Vec::new(),
            domains: Vec::new(),
            keys: Vec::new(),
            by_key: HashMap::new(),
            work: std::cell::Cell::new(0),
            assignment: Default::default(),
            seen: Default::default(),
            opaque_tables: [Arc::from([T, F]), Arc::from([T, F, U])],
            unknown: unknown_table(program),
            let_target: Vec::new(),
            expanded: Vec::new(),
            expansion_left: EXPANSION_BUDGET,
            in_let: false,
        };
        (model.let_target, model.expanded) = let_tables(program);
        // terms in the order the program first compares them, so variables are numbered
        // the same way on every run (a search visits them in the order its formulas name
        // them, so the numbering changes no result)
        let mut terms: Vec<(Key, TermInfo)> = Vec::new();
        let mut index: HashMap<Key, usize> = HashMap::new();
        for id in program.node_ids() {
            model.collect_constants(id, &mut terms, &mut index);
        }
        for (key, info) in terms {
            let domain = info.domain(program);
            model.add_var(key, domain);
        }
        model
    }

    fn add_var(&mut self, key: Key, domain: Vec<Value>) -> usize {
        let id = self.sizes.len();
        self.sizes
            .push(if domain.is_empty() { 3 } else { domain.len() });
        self.domains.push(domain);
        self.keys.push(key);
        self.by_key.insert(key, id);
        id
    }

    /// The variable of a term (a field, a classification, a `let`'s value), made when no
    /// formula has named it yet; `None` for a node that is not a term.
    pub fn term_var(&mut self, term: NodeId) -> Option<usize> {
        let key = self.term_key(term)?;
        Some(match self.by_key.get(&key) {
            Some(&v) => v,
            None => {
                let domain = self.term_info(term).domain(self.program);
                self.add_var(key, domain)
            }
        })
    }

    /// The values a variable ranges over, in order (a search's assignment indexes them);
    /// empty for an opaque atom, whose values are true, false and unknown in that order.
    pub fn domain(&self, var: usize) -> &[Value] {
        &self.domains[var]
    }

    /// What a variable stands for: `(true, node)` for a term, `(false, node)` for an atom
    /// the analysis does not see into, each by the first node written so.
    pub fn stands_for(&self, var: usize) -> (bool, NodeId) {
        match self.keys[var] {
            Key::Term(n) => (true, n),
            Key::Atom(n) => (false, n),
        }
    }

    /// How many variables the model has.
    pub fn var_count(&self) -> usize {
        self.sizes.len()
    }

    /// The variable of an opaque atom whose truth table has `outcomes` entries.
    fn opaque(&mut self, key: Key, outcomes: usize) -> usize {
        match self.by_key.get(&key) {
            Some(&v) => v,
            None => {
                let id = self.add_var(key, Vec::new());
                self.sizes[id] = outcomes;
                id
            }
        }
    }

    fn collect_constants(
        &mut self,
        id: NodeId,
        out: &mut Vec<(Key, TermInfo)>,
        index: &mut HashMap<Key, usize>,
    ) {
        let program = self.program;
        let nodes = |id: NodeId| program.node(id);
        let mut add = |term: NodeId, value: Option<&Value>| {
            if let Some(key) = self.term_key(term) {
                let at = *index.entry(key).or_insert_with(|| {
                    out.push((key, self.term_info(term)));
                    out.len() - 1
                });
                if let Some(v) = value {
                    out[at].1.constants.push(v.clone());
                }
            }
        };
        match nodes(id) {
            Node::Compare(_, a, b) => match (nodes(*a), nodes(*b)) {
                (_, Node::Const(c)) => add(*a, Some(c)),
                (Node::Const(c), _) => add(*b, Some(c)),
                _ => {}
            },
            Node::In { item, list, .. } => {
                if let Node::Const(Value::List(items)) = nodes(*list) {
                    add(*item, None);
                    for v in items.iter() {
                        add(*item, Some(v));
                    }
                }
            }
            Node::Presence(x, _) => add(*x, None),
            Node::Coalesce(_, d) => {
                if let Node::Const(c) = nodes(*d) {
                    add(id, Some(c));
                }
            }
            _ => {}
        }
    }

    /// What is known of a term's values from the schema: its type and whether it can be
    /// missing.
    fn term_info(&self, term: NodeId) -> TermInfo {
        let program = self.program;
        let (ty, required) = match &program.node(term) {
            Node::Field { layout, slot, .. } => {
                let field = program.plan().field(*layout, *slot);
                (
                    Some(field.ty.clone()),
                    !field.optional && self.present(term),
                )
            }
            // `x ?? constant` always has a value
            Node::Coalesce(..) => (None, true),
            _ => (None, false),
        };
        let class = match program.node(term) {
            Node::Class(c) => Some(*c),
            _ => None,
        };
        TermInfo {
            constants: Vec::new(),
            ty,
            required,
            class,
        }
    }

    /// Whether a field's record is always there: the contact, or a record that cannot be
    /// missing ([`may_be_unknown`] says when a value can be).
    fn present(&self, node: NodeId) -> bool {
        match self.program.node(node) {
            Node::Field { base: None, .. } => true,
            Node::Field { base: Some(b), .. } => !self.unknown[b.index()],
            _ => false,
        }
    }

    /// The key of a value-producing node that can be a shared variable: a field (of the
    /// contact or of a quantifier variable), a classification, or a non-condition `let`.
    fn term_key(&mut self, id: NodeId) -> Option<Key> {
        is_term(self.program, id).then(|| Key::Term(self.shapes.representative(id)))
    }

    /// Builds the formula of a condition node, writing out `let`s within the limits
    /// (`LET_LIMIT`, `EXPANSION_BUDGET`); a let past them is an opaque atom.
    pub fn formula(&mut self, id: NodeId) -> Formula {
        let program = self.program;
        match &program.node(id) {
            Node::And(a, b) => Formula::And(Box::new(self.formula(*a)), Box::new(self.formula(*b))),
            Node::Or(a, b) => Formula::Or(Box::new(self.formula(*a)), Box::new(self.formula(*b))),
            Node::Not(x) => Formula::Not(Box::new(self.formula(*x))),
            Node::Let(_) => {
                let target = self.let_target[id.index()];
                if self.in_let {
                    return self.formula(target);
                }
                let size = self.expanded[target.index()];
                if size > LET_LIMIT || size > self.expansion_left {
                    return self.opaque_atom(id);
                }
                self.expansion_left -= size;
                self.in_let = true;
                let formula = self.formula(target);
                self.in_let = false;
                formula
            }
            Node::Const(Value::Bool(true)) => Formula::Const(T),
            Node::Const(Value::Bool(false)) => Formula::Const(F),
            Node::Const(Value::Missing) => Formula::Const(U),
            Node::Compare(op, a, b) => {
                let (term, constant, flipped) = match (&program.node(*a), &program.node(*b)) {
                    (_, Node::Const(c)) => (*a, c.clone(), false),
                    (Node::Const(c), _) => (*b, c.clone(), true),
                    _ => return self.opaque_atom(id),
                };
                let op = *op;
                self.atom(id, term, move |v| compare_truth(op, v, &constant, flipped))
            }
            Node::In {
                item,
                list,
                negated,
            } => {
                let Node::Const(Value::List(items)) = &program.node(*list) else {
                    return self.opaque_atom(id);
                };
                let (items, negated) = (items.clone(), *negated);
                self.atom(id, *item, move |v| {
                    let t = in_truth(v, &items);
                    if negated { not3(t) } else { t }
                })
            }
            Node::Presence(x, present) => {
                let present = *present;
                self.atom(
                    id,
                    *x,
                    move |v| if v.is_missing() != present { T } else { F },
                )
            }
            Node::Field { .. } | Node::Class(_) | Node::Coalesce(..) => {
                self.atom(id, id, |v| match v {
                    Value::Bool(true) => T,
                    Value::Bool(false) => F,
                    _ => U,
                })
            }
            _ => self.opaque_atom(id),
        }
    }

    fn atom(&mut self, id: NodeId, term: NodeId, truth: impl Fn(&Value) -> TruthSet) -> Formula {
        let Some(key) = self.term_key(term) else {
            return self.opaque_atom(id);
        };
        let var = match self.by_key.get(&key) {
            Some(&v) => v,
            // a value used only as a condition (`decision_maker`): true or false, and
            // missing unless the schema requires it
            None => {
                let domain = self.term_info(term).domain(self.program);
                self.add_var(key, domain)
            }
        };
        // a value compared with thousands of constants (`id == "c0" or … or id == "c999"`)
        // would need a table per comparison as long as its domain: treat such comparisons
        // as independent instead, which claims less but stays sound and fast
        if self.domains[var].is_empty() || self.domains[var].len() > MAX_DOMAIN {
            return self.opaque_atom(id);
        }
        let table: Vec<TruthSet> = self.domains[var].iter().map(truth).collect();
        Formula::Atom {
            var,
            table: table.into(),
        }
    }

    fn opaque_atom(&mut self, id: NodeId) -> Formula {
        let key = Key::Atom(self.shapes.representative(id));
        // an atom that reads no value that can be missing is never unknown
        let table = self.opaque_tables[usize::from(self.unknown[id.index()])].clone();
        // the same text always has the same table, so a shared variable fits every use
        let var = self.opaque(key, table.len());
        Formula::Atom { var, table }
    }

    /// Looks for an assignment under which `goal` holds for the truth sets of `formulas`.
    /// `goal` answers `Some(true)` when every completion of a partial assignment is a
    /// witness, `Some(false)` when none is, `None` when it cannot tell yet.
    pub fn search(
        &self,
        formulas: &[Formula],
        goal: &dyn Fn(&[TruthSet]) -> Option<bool>,
    ) -> Search {
        self.witness(formulas, goal).0
    }

    /// Like [`Model::search`], with the witness found: the value index of each variable it
    /// fixes (by variable; `None` where any value will do).
    pub fn witness(
        &self,
        formulas: &[Formula],
        goal: &dyn Fn(&[TruthSet]) -> Option<bool>,
    ) -> (Search, Option<Vec<Option<usize>>>) {
        if self.exhausted() {
            return (Search::GaveUp, None);
        }
        let mut vars: Vec<usize> = Vec::new();
        let mut seen = self.seen.take();
        seen.resize(self.sizes.len(), false);
        for f in formulas {
            collect_vars(f, &mut vars, &mut |var| {
                !std::mem::replace(&mut seen[var], true)
            });
        }
        for &var in &vars {
            seen[var] = false;
        }
        self.seen.replace(seen);
        // every search leaves the assignment empty again (`dfs` unassigns what it assigned)
        let mut assignment = self.assignment.take();
        assignment.resize(self.sizes.len(), None);
        // the budget counts work: every step evaluates every formula once
        let size: usize = formulas.iter().map(formula_size).sum();
        let steps = (SEARCH_WORK / size.max(1)).max(1);
        let mut walk = Walk {
            assignment,
            sets: Vec::with_capacity(formulas.len()),
            budget: steps,
            found: None,
        };
        let found = self.dfs(formulas, goal, &vars, 0, &mut walk);
        self.assignment.replace(walk.assignment);
        self.work
            .set(self.work.get() + (steps - walk.budget) * size.max(1));
        (found, walk.found)
    }

    /// How many formula nodes the searches of this model have evaluated.
    pub fn work(&self) -> usize {
        self.work.get()
    }

    /// Whether the searches of this model have used up its budget (`MODEL_WORK`): every
    /// search from now on gives up, and a lint that still had places to look says so.
    pub fn exhausted(&self) -> bool {
        self.work.get() > MODEL_WORK
    }

    /// The variables a formula reads, each once.
    pub fn vars(f: &Formula) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        collect_vars(f, &mut out, &mut |var| seen.insert(var));
        out
    }

    fn dfs(
        &self,
        formulas: &[Formula],
        goal: &dyn Fn(&[TruthSet]) -> Option<bool>,
        vars: &[usize],
        next: usize,
        walk: &mut Walk,
    ) -> Search {
        if walk.budget == 0 {
            return Search::GaveUp;
        }
        walk.budget -= 1;
        walk.sets.clear();
        let assignment = &walk.assignment;
        walk.sets
            .extend(formulas.iter().map(|f| eval(f, assignment)));
        match goal(&walk.sets) {
            Some(true) => {
                // once per search: the one witness it reports
                walk.found = Some(walk.assignment.clone());
                return Search::Found;
            }
            Some(false) => return Search::None,
            None => {}
        }
        let Some(&var) = vars.get(next) else {
            // every variable is assigned, yet the goal is undecided (a comparison the model
            // cannot decide, such as values of different kinds): claim nothing
            return Search::GaveUp;
        };
        let mut gave_up = false;
        for value in 0..self.sizes[var] {
            walk.assignment[var] = Some(value);
            match self.dfs(formulas, goal, vars, next + 1, walk) {
                Search::Found => {
                    walk.assignment[var] = None;
                    return Search::Found;
                }
                Search::GaveUp => gave_up = true,
                Search::None => {}
            }
            if walk.budget == 0 {
                gave_up = true;
                break;
            }
        }
        walk.assignment[var] = None;
        if gave_up {
            Search::GaveUp
        } else {
            Search::None
        }
    }
}

/// What a search carries from step to step.
struct Walk {
    /// The value index of each variable assigned so far.
    assignment: Vec<Option<usize>>,
    /// The truth sets of the formulas at the current step: one buffer for the whole search,
    /// since the goal reads it before the next step overwrites it.
    sets: Vec<TruthSet>,
    /// Steps left.
    budget: usize,
    /// The assignment that was found to be a witness.
    found: Option<Vec<Option<usize>>>,
}

/// Appends the variables of `f` for which `first` says they are seen for the first time
/// to `out`, in the order they occur.
fn collect_vars(f: &Formula, out: &mut Vec<usize>, first: &mut dyn FnMut(usize) -> bool) {
    match f {
        Formula::And(a, b) | Formula::Or(a, b) => {
            collect_vars(a, out, first);
            collect_vars(b, out, first);
        }
        Formula::Not(x) => collect_vars(x, out, first),
        Formula::Atom { var, .. } => {
            if first(*var) {
                out.push(*var);
            }
        }
        Formula::Const(_) => {}
    }
}

/// The possible truth values of a formula under a partial assignment.
pub fn eval(f: &Formula, assignment: &[Option<usize>]) -> TruthSet {
    match f {
        Formula::And(a, b) => and3(eval(a, assignment), eval(b, assignment)),
        Formula::Or(a, b) => or3(eval(a, assignment), eval(b, assignment)),
        Formula::Not(x) => not3(eval(x, assignment)),
        Formula::Const(t) => *t,
        Formula::Atom { var, table } => match assignment[*var] {
            Some(i) => table.get(i).copied().unwrap_or(T | F | U),
            None => table.iter().fold(0, |acc, t| acc | t),
        },
    }
}

fn compare_truth(op: CompareOp, v: &Value, c: &Value, flipped: bool) -> TruthSet {
    let (a, b) = if flipped { (c, v) } else { (v, c) };
    // values the evaluator would reject at run time: anything may happen
    compare(op, a, b).map_or(T | F | U, set_of)
}

fn in_truth(v: &Value, items: &[Value]) -> TruthSet {
    if v.is_missing() {
        return U;
    }
    member(v, items).map_or(T | F | U, set_of)
}

/// What the analysis knows of one term.
struct TermInfo {
    /// Constants it is compared with.
    constants: Vec<Value>,
    /// Its type in the field plan, for fields.
    ty: Option<PlanType>,
    /// Whether it always has a value.
    required: bool,
    /// The classification, for classification results.
    class: Option<usize>,
}

impl TermInfo {
    /// One value from every region of the term's range that makes a difference to the
    /// atoms on it, plus missing where it can be missing.
    fn domain(&self, program: &Program) -> Vec<Value> {
        let mut domain = Vec::new();
        if !self.required {
            domain.push(Value::Missing);
        }
        if let Some(c) = self.class {
            // every value may occur, not only the ones the rules mention
            domain.extend((0..program.classes()[c].values.len() as u32).map(Value::Class));
            return domain;
        }
        match &self.ty {
            Some(PlanType::Enum(values)) => {
                domain.extend(values.iter().map(|v| Value::Str(Arc::from(v.as_str()))));
                return domain;
            }
            Some(PlanType::Bool) => {
                domain.extend([Value::Bool(true), Value::Bool(false)]);
                return domain;
            }
            Some(PlanType::Date) => {
                domain.extend(date_regions(&self.constants));
                return domain;
            }
            _ => {}
        }
        domain.extend(regions(&self.constants));
        if domain.iter().all(Value::is_missing) {
            // used only as a condition or in a presence test
            domain.extend([Value::Bool(true), Value::Bool(false)]);
        }
        domain
    }
}

/// A date field takes whole days only: the days around each constant, and one between.
fn date_regions(constants: &[Value]) -> Vec<Value> {
    let mut days: Vec<jiff::civil::Date> = constants
        .iter()
        .filter_map(|c| match c {
            Value::Date(d) => Some(*d),
            Value::DateTime(t) => Some(t.to_zoned(jiff::tz::TimeZone::UTC).date()),
            _ => None,
        })
        .collect();
    days.sort();
    days.dedup();
    let mut out = Vec::new();
    for (i, d) in days.iter().enumerate() {
        out.extend(d.yesterday().ok().map(Value::Date));
        out.push(Value::Date(*d));
        out.extend(d.tomorrow().ok().map(Value::Date));
        if let Some(next) = days.get(i + 1) {
            let gap = (*next - *d).get_days();
            if gap > 2 {
                out.extend(
                    d.checked_add(jiff::Span::new().days(gap / 2))
                        .ok()
                        .map(Value::Date),
                );
            }
        }
    }
    if out.is_empty() {
        out.push(Value::Date(jiff::civil::date(2000, 1, 1)));
    }
    out
}

/// A value in every region the constants cut out of each kind of value they belong to.
fn regions(constants: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut numbers: Vec<f64> = Vec::new();
    let mut times: Vec<jiff::Timestamp> = Vec::new();
    let mut durations: Vec<jiff::SignedDuration> = Vec::new();
    let mut texts: Vec<Arc<str>> = Vec::new();
    let mut bools = false;
    for c in constants {
        match c {
            Value::Number(n) => numbers.push(*n),
            Value::DateTime(t) => times.push(*t),
            Value::Date(d) => times.push(date_start(*d)),
            Value::Duration(d) => durations.push(*d),
            Value::Str(s) => texts.push(s.clone()),
            Value::Bool(_) => bools = true,
            _ => {}
        }
    }
    numbers.sort_by(|a, b| a.total_cmp(b));
    numbers.dedup();
    if let (Some(first), Some(last)) = (numbers.first(), numbers.last()) {
        out.push(Value::Number(first.next_down()));
        for w in numbers.windows(2) {
            let middle = w[0] + (w[1] - w[0]) / 2.0;
            if middle > w[0] && middle < w[1] {
                out.push(Value::Number(middle));
            }
        }
        out.extend(numbers.iter().map(|n| Value::Number(*n)));
        out.push(Value::Number(last.next_up()));
    }
    let nano = jiff::SignedDuration::from_nanos(1);
    times.sort();
    times.dedup();
    for (i, t) in times.iter().enumerate() {
        out.push(Value::DateTime(*t));
        if let Ok(before) = t.checked_sub(nano) {
            out.push(Value::DateTime(before));
        }
        if let Ok(after) = t.checked_add(nano) {
            out.push(Value::DateTime(after));
        }
        if let Some(next) = times.get(i + 1)
            && let Ok(middle) = t.checked_add(next.duration_since(*t) / 2)
        {
            out.push(Value::DateTime(middle));
        }
    }
    durations.sort();
    durations.dedup();
    for (i, d) in durations.iter().enumerate() {
        out.push(Value::Duration(*d));
        if let Some(before) = d.checked_sub(nano) {
            out.push(Value::Duration(before));
        }
        if let Some(after) = d.checked_add(nano) {
            out.push(Value::Duration(after));
        }
        if let Some(next) = durations.get(i + 1)
            && let Some(middle) = d.checked_add((*next - *d) / 2)
        {
            out.push(Value::Duration(middle));
        }
    }
    texts.sort();
    texts.dedup();
    if !texts.is_empty() {
        // the empty text comes before every other; `c` followed by U+0000 comes right
        // after `c` and before every other text greater than `c`
        out.push(Value::Str(Arc::from("")));
        for t in &texts {
            out.push(Value::Str(t.clone()));
            out.push(Value::Str(Arc::from(format!("{t}\u{0}"))));
        }
    }
    if bools {
        out.push(Value::Bool(true));
        out.push(Value::Bool(false));
    }
    out
}

/// Whether a node can have no value (or be unknown) for some contact: it reads an optional
/// field, a classification, or something else that can be missing. Conservative: `true`
/// whenever unsure.
/// `known` holds the answer for every node before `id` (children and `let` roots come
/// before the nodes that use them).
fn may_be_unknown(program: &Program, id: NodeId, known: &[bool]) -> bool {
    let go = |n: &NodeId| known[n.index()];
    match &program.node(id) {
        Node::Const(v) => v.is_missing(),
        Node::Now | Node::Presence(..) => false,
        // a list may hold `null` elements
        Node::Local(_) => true,
        Node::Field { base, layout, slot } => {
            program.plan().field(*layout, *slot).optional || base.as_ref().is_some_and(go)
        }
        Node::Let(l) => go(&program.let_root(*l)),
        Node::Class(_) => true,
        Node::List(items) => items.iter().any(go),
        Node::Not(x) | Node::Neg(x) | Node::Matches(x, _) | Node::Call(_, x) => go(x),
        Node::Coalesce(_, b) => go(b),
        // division by zero has no value, nor ∞ − ∞ after an overflow
        Node::Arith(..) => true,
        // a list may hold `null` elements: looking for a value in it can be unknown
        Node::In { item, list, .. } => go(item) || !constant_list(program, *list),
        Node::Text(_, a, b) => go(a) || go(b) || !is_text(program, *a),
        // comparing lists compares their elements, which may be missing
        Node::Compare(_, a, b) => {
            go(a) || go(b) || holds_list(program, *a) || holds_list(program, *b)
        }
        Node::And(a, b)
        | Node::Or(a, b)
        | Node::Within(a, b)
        | Node::Before(a, b)
        | Node::After(a, b) => go(a) || go(b),
        Node::Quantifier { list, body, .. } => go(list) || go(body),
        Node::Aggregate { kind, list, .. } => {
            // `count` skips elements whose filter is unknown; `sum`, `min` and `max` of
            // nothing have no value
            *kind != crate::ast::Aggregate::Count || go(list)
        }
    }
}

/// [`may_be_unknown`] of every node, in one pass over the nodes in order.
fn unknown_table(program: &Program) -> Vec<bool> {
    let mut known = Vec::with_capacity(program.node_ids().len());
    for id in program.node_ids() {
        let unknown = may_be_unknown(program, id, &known);
        known.push(unknown);
    }
    known
}

/// For every node, the node a `let` stands for (itself for any other node), and the size
/// of its formula with lets written out (capped past [`LET_LIMIT`]), in one pass over the
/// nodes in order: a let's root always comes before the nodes that name it.
fn let_tables(program: &Program) -> (Vec<NodeId>, Vec<usize>) {
    let count = program.node_ids().len();
    let (mut target, mut size) = (
        Vec::with_capacity(count),
        Vec::<usize>::with_capacity(count),
    );
    for id in program.node_ids() {
        let (t, n) = match program.node(id) {
            Node::Let(l) => {
                let root = program.let_root(*l);
                debug_assert!(root < id, "a let's root comes before its uses");
                (target[root.index()], size[root.index()])
            }
            Node::And(a, b) | Node::Or(a, b) => (id, 1 + size[a.index()] + size[b.index()]),
            Node::Not(x) => (id, 1 + size[x.index()]),
            _ => (id, 1),
        };
        target.push(t);
        size.push(n.min(LET_LIMIT + 1));
    }
    (target, size)
}

/// The note a lint leaves where its model's budget ran out ([`Model::exhausted`]): nothing
/// is claimed about the places from `span` on, so no lint level may turn it into an error.
pub fn stopped(lint: &str, span: crate::source::Span) -> crate::diagnostic::Diagnostic {
    crate::diagnostic::Diagnostic::new(
        crate::codes::Code::LintGaveUp,
        span,
        format!("`{lint}` stopped here: the conditions from here on were not checked"),
    )
    .with_label("not checked from here")
    .with_help("the conditions are too many or too entangled to check within the lint's budget; split them, or move shared criteria into `let`s")
}

/// Whether a node is a list written in the rules with no missing element.
fn constant_list(program: &Program, id: NodeId) -> bool {
    matches!(&program.node(id), Node::Const(Value::List(items)) if !items.iter().any(Value::is_missing))
}

/// Whether a node may hold a list (conservatively: anything not known to be a scalar).
fn holds_list(program: &Program, id: NodeId) -> bool {
    match &program.node(id) {
        Node::Const(v) => matches!(v, Value::List(_)),
        Node::List(_) | Node::Let(_) | Node::Local(_) => true,
        Node::Field { layout, slot, .. } => matches!(
            program.plan().field(*layout, *slot).ty,
            PlanType::List(_) | PlanType::Dynamic
        ),
        _ => false,
    }
}

/// Whether a node is text (so `contains` on it is a text search, not a list search).
fn is_text(program: &Program, id: NodeId) -> bool {
    match &program.node(id) {
        Node::Const(v) => matches!(v, Value::Str(_)),
        Node::Call(crate::check::ir::Func::Lower, _) => true,
        Node::Field { layout, slot, .. } => matches!(
            program.plan().field(*layout, *slot).ty,
            PlanType::String | PlanType::Enum(_)
        ),
        _ => false,
    }
}

/// Whether a node is a term that can be a shared variable: a field of the contact or of
/// another term, a quantifier variable, a classification, a `let`, or a term `?? constant`.
fn is_term(program: &Program, id: NodeId) -> bool {
    match program.node(id) {
        Node::Field { base: None, .. } | Node::Local(_) | Node::Class(_) | Node::Let(_) => true,
        Node::Field { base: Some(b), .. } => is_term(program, *b),
        Node::Coalesce(a, d) => matches!(program.node(*d), Node::Const(_)) && is_term(program, *a),
        _ => false,
    }
}

/// What a variable stands for: a term ([`is_term`]) or an atom the analysis cannot see
/// into, each by the first node of the program with its structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Term(NodeId),
    Atom(NodeId),
}

/// Structural identity of nodes (their computation, not their place), for keying the
/// variables: two atoms written alike share one variable. Keying them by a text of their
/// structure cost a string per atom as long as its expression, and interning every node
/// cost a table entry per node; instead each node gets a fingerprint (a keyed hash of its
/// own data and its children's fingerprints, computed once), and only the nodes asked for
/// go into a table, where a fingerprint that matches is confirmed by comparing structures
/// (so a collision can cost time, never a wrong answer).
struct Shapes<'p> {
    program: &'p Program,
    hasher: std::hash::RandomState,
    /// Each node's fingerprint once computed.
    fingerprints: Vec<Option<u64>>,
    /// The first node asked for with each fingerprint.
    first: HashMap<u64, NodeId>,
    /// Later nodes with a fingerprint already taken by another structure.
    more: HashMap<u64, Vec<NodeId>>,
}

/// A node's own data, apart from its children: its kind, the numbers it carries (an
/// operator, a level, an index, a flag) and its constant.
#[derive(PartialEq, Eq, Hash)]
struct Own<'a> {
    kind: std::mem::Discriminant<Node>,
    numbers: [u64; 2],
    constant: Option<ConstRef<'a>>,
}

/// A constant compared bit for bit (`0` and `-0` differ, as their texts do), so that it
/// can be hashed.
struct ConstRef<'a>(&'a Value);

impl PartialEq for ConstRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        fn same(a: &Value, b: &Value) -> bool {
            let all = |x: &[Value], y: &[Value]| {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
            };
            match (a, b) {
                (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
                (Value::List(x), Value::List(y)) | (Value::Record(x), Value::Record(y)) => {
                    all(x, y)
                }
                (Value::List(_) | Value::Record(_), _) => false,
                _ => a == b,
            }
        }
        same(self.0, other.0)
    }
}

impl Eq for ConstRef<'_> {}

impl std::hash::Hash for ConstRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        fn go<H: std::hash::Hasher>(v: &Value, state: &mut H) {
            std::mem::discriminant(v).hash(state);
            match v {
                Value::Missing => {}
                Value::Bool(b) => b.hash(state),
                Value::Number(n) => n.to_bits().hash(state),
                Value::Str(s) => s.hash(state),
                Value::Date(d) => d.hash(state),
                Value::DateTime(t) => t.hash(state),
                Value::Duration(d) => d.hash(state),
                Value::List(items) | Value::Record(items) => {
                    items.len().hash(state);
                    items.iter().for_each(|i| go(i, state));
                }
                Value::Class(c) => c.hash(state),
            }
        }
        go(self.0, state);
    }
}

impl Own<'_> {
    fn of(node: &Node) -> Own<'_> {
        let flag = u64::from;
        let (numbers, constant) = match node {
            Node::Const(v) => ([0, 0], Some(ConstRef(v))),
            Node::List(items) => ([items.len() as u64, 0], None),
            Node::Let(n) | Node::Class(n) => ([*n as u64, 0], None),
            Node::Field { base, layout, slot } => (
                [*layout as u64, u64::from(*slot) << 1 | flag(base.is_some())],
                None,
            ),
            Node::Local(level) => ([u64::from(*level), 0], None),
            Node::Compare(op, ..) => ([*op as u64, 0], None),
            Node::Text(op, ..) => ([*op as u64, 0], None),
            Node::Arith(op, ..) => ([*op as u64, 0], None),
            Node::Call(f, _) => ([*f as u64, 0], None),
            Node::In { negated, .. } => ([flag(*negated), 0], None),
            Node::Matches(_, regex) => ([u64::from(*regex), 0], None),
            Node::Presence(_, present) => ([flag(*present), 0], None),
            Node::Quantifier { all, level, .. } => ([u64::from(*level), flag(*all)], None),
            Node::Aggregate {
                kind,
                level,
                value,
                filter,
                ..
            } => (
                [
                    u64::from(*level),
                    (*kind as u64) << 2 | flag(value.is_some()) << 1 | flag(filter.is_some()),
                ],
                None,
            ),
            Node::Now
            | Node::Not(_)
            | Node::Neg(_)
            | Node::And(..)
            | Node::Or(..)
            | Node::Within(..)
            | Node::Before(..)
            | Node::After(..)
            | Node::Coalesce(..) => ([0, 0], None),
        };
        Own {
            kind: std::mem::discriminant(node),
            numbers,
            constant,
        }
    }
}

impl<'p> Shapes<'p> {
    fn new(program: &'p Program) -> Shapes<'p> {
        Shapes {
            program,
            hasher: std::hash::RandomState::new(),
            fingerprints: vec![None; program.node_ids().len()],
            first: HashMap::new(),
            more: HashMap::new(),
        }
    }

    /// The first node asked for that has the structure of `id`.
    fn representative(&mut self, id: NodeId) -> NodeId {
        let fingerprint = self.fingerprint(id);
        let first = *self.first.entry(fingerprint).or_insert(id);
        if first == id || self.same(first, id) {
            return first;
        }
        let others = self.more.entry(fingerprint).or_default();
        let program = self.program;
        let fingerprints = &self.fingerprints;
        let same = |a, b| same_shape(program, fingerprints, a, b);
        match others.iter().find(|&&o| o == id || same(o, id)) {
            Some(&o) => o,
            None => {
                others.push(id);
                id
            }
        }
    }

    fn same(&self, a: NodeId, b: NodeId) -> bool {
        same_shape(self.program, &self.fingerprints, a, b)
    }

    /// The fingerprint of a node; its children's are computed first.
    fn fingerprint(&mut self, id: NodeId) -> u64 {
        if let Some(known) = self.fingerprints[id.index()] {
            return known;
        }
        use std::hash::{BuildHasher as _, Hash as _, Hasher as _};
        let program = self.program;
        let mut children = Vec::new();
        program.for_each_child(id, |c| children.push(c));
        let mut state = self.hasher.build_hasher();
        Own::of(program.node(id)).hash(&mut state);
        for child in children {
            state.write_u64(self.fingerprint(child));
        }
        let fingerprint = state.finish();
        self.fingerprints[id.index()] = Some(fingerprint);
        fingerprint
    }
}

/// Whether two nodes compute the same thing, written alike; their fingerprints are known.
fn same_shape(program: &Program, fingerprints: &[Option<u64>], a: NodeId, b: NodeId) -> bool {
    if a == b {
        return true;
    }
    if fingerprints[a.index()] != fingerprints[b.index()]
        || Own::of(program.node(a)) != Own::of(program.node(b))
    {
        return false;
    }
    let (mut left, mut right) = (Vec::new(), Vec::new());
    program.for_each_child(a, |c| left.push(c));
    program.for_each_child(b, |c| right.push(c));
    left.len() == right.len()
        && left
            .into_iter()
            .zip(right)
            .all(|(x, y)| same_shape(program, fingerprints, x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_tables_on_sets() {
        assert_eq!(and3(T, U), U);
        assert_eq!(and3(F, U), F);
        assert_eq!(or3(T, U), T);
        assert_eq!(or3(F, U), U);
        assert_eq!(not3(U), U);
        assert_eq!(not3(T | F), T | F);
        assert_eq!(and3(T | F, T), T | F);
    }
}
