//! What a change to a rule set means, without data: for each value of each classification
//! both rule sets have, whether some contact gains it, loses it, both or neither — decided
//! by the lints' sound three-valued analysis ([`crate::lint::analysis`]) over one program
//! holding both rule sets ([`crate::compile::join`]), so that a field both read is one
//! variable.
//!
//! A search that finds a witness gives an assignment of the analysis's variables; it is
//! made into a contact (fields set to the values found, lists given the elements their
//! quantifiers need) and classified by both rule sets for real. Only a contact that really
//! gets the values claimed is reported: the analysis sees some conditions as independent
//! when they are not (two quantifiers over one list), so an assignment is a lead, the
//! contact the proof. "No contact" is claimed only when the search tried every case;
//! otherwise the answer is *undecided*, never *unchanged*.

use jiff::Timestamp;
use serde_json::{Map, Value as Json};

use super::data::{Comparison, Example, Side};
use crate::compile::{self, FieldPlan, LayoutId, Node, NodeId, PlanType, Program};
use crate::data::InputFormat;
use crate::eval::Outcome;
use crate::lint::analysis::{F, Formula, Model, Search, T, TruthSet, possible};
use crate::run;
use crate::semantics::Value;
use crate::semantics::rows::{self, Decision};

/// What the analysis found for one direction (gaining or losing a value).
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// No contact does: every case was tried.
    NoContact,
    /// This contact does.
    Witness(Box<Witness>),
    /// The analysis could not decide within its budget, or found only contacts it could
    /// not build: nothing is claimed.
    Undecided,
}

impl Finding {
    /// The witness, if one was found.
    pub fn witness(&self) -> Option<&Witness> {
        match self {
            Finding::Witness(w) => Some(w),
            _ => None,
        }
    }
}

/// A contact whose value changes, checked by classifying it with both rule sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Witness {
    /// The contact, as one JSON object in the data's shape (ready for a test file).
    pub contact: Json,
    /// Its value under the old rules.
    pub old: Option<String>,
    /// Its value under the new rules.
    pub new: Option<String>,
    /// What decided each, and what the row it lost or gained lacks.
    pub example: Example,
}

/// How the set of contacts that get one value changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueChange {
    /// The classification.
    pub class: String,
    /// The value.
    pub value: String,
    /// Contacts the new rules give it and the old did not.
    pub gains: Finding,
    /// Contacts the old rules gave it and the new do not.
    pub loses: Finding,
}

/// In a word, what happened to a value's set of contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The same contacts get it.
    Unchanged,
    /// More contacts get it (and none lose it).
    Larger,
    /// Fewer contacts get it (and none gain it).
    Smaller,
    /// Some gain it and some lose it.
    Both,
    /// Not decided (in at least one direction, with no witness in either).
    Undecided,
}

impl ValueChange {
    /// The effect the findings establish; a direction left undecided only ever weakens it.
    pub fn effect(&self) -> Effect {
        use Finding::{NoContact, Undecided, Witness};
        match (&self.gains, &self.loses) {
            (NoContact, NoContact) => Effect::Unchanged,
            (Witness(_), Witness(_)) => Effect::Both,
            (Witness(_), _) => Effect::Larger,
            (_, Witness(_)) => Effect::Smaller,
            (Undecided, _) | (_, Undecided) => Effect::Undecided,
        }
    }
}

/// Enum values of a field that only one of two compared rule sets reads: a contact with
/// one is read by that rule set alone, so the meaning is compared over the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneSided {
    /// The field's dotted path.
    pub path: String,
    /// `true`: the base alone reads them; `false`: the new rules alone.
    pub base: bool,
    /// The values.
    pub values: Vec<String>,
}

/// The enum values only one of `old` and `new` reads (`new` compiled onto `old`'s plan),
/// per field, the base's first.
pub fn one_sided(old: &Program, new: &Program) -> Vec<OneSided> {
    let plan = new.plan();
    let mut found = Vec::new();
    for (narrowed, base) in [
        (new.narrowed().to_vec(), true),
        (old.plan().narrowings(plan), false),
    ] {
        for n in narrowed {
            let (Some(all), Some(own)) = (
                plan.field(n.layout, n.slot as u32).ty.enum_values(),
                n.ty.enum_values(),
            ) else {
                continue;
            };
            let values: Vec<String> = all.iter().filter(|v| !own.contains(v)).cloned().collect();
            if !values.is_empty() {
                found.push(OneSided {
                    path: plan.records[n.layout].field_path(n.slot),
                    base,
                    values,
                });
            }
        }
    }
    found
}

/// The change in meaning of every value of every classification both rule sets have, in
/// the new rule set's order; `new` must be compiled onto `old`'s plan
/// ([`compile::compile_onto`]). Witnesses are classified at `now`.
pub fn meaning(old: Side<'_>, new: Side<'_>, now: Timestamp) -> Vec<ValueChange> {
    let joined = compile::join(old.program, new.program);
    let offset = old.program.classes().len();
    let mut analysis = Analysis {
        program: &joined,
        model: Model::new(&joined),
        now,
    };
    let mut out = Vec::new();
    for (n, class) in new.program.classes().iter().enumerate() {
        let Some(o) = old
            .program
            .classes()
            .iter()
            .position(|c| c.name == class.name)
        else {
            continue;
        };
        let parts = analysis.parts(&[o, offset + n]);
        let old_class = &old.program.classes()[o];
        // every value either gives, in the new order, then those only the old gives
        let mut values: Vec<&String> = class.values.iter().collect();
        values.extend(
            old_class
                .values
                .iter()
                .filter(|v| !class.values.contains(v)),
        );
        for value in values {
            let in_old = old_class.values.iter().position(|v| v == value);
            let in_new = class.values.iter().position(|v| v == value);
            let mut find = |gain: bool| {
                // gaining: the new rules give it, the old do not (and the other way round)
                let (has, lacks) = if gain {
                    ((offset + n, in_new), (o, in_old))
                } else {
                    ((o, in_old), (offset + n, in_new))
                };
                let Some(has_value) = has.1 else {
                    return Finding::NoContact;
                };
                analysis.find(
                    &parts,
                    (has.0, has_value),
                    (lacks.0, lacks.1),
                    old,
                    new,
                    (o, n),
                )
            };
            let gains = find(true);
            let loses = find(false);
            out.push(ValueChange {
                class: class.name.clone(),
                value: value.clone(),
                gains,
                loses,
            });
        }
    }
    out
}

/// The formulas of the classifications one search needs, and where each is in the list
/// given to the search.
struct Parts {
    formulas: Vec<Formula>,
    classes: Vec<ClassParts>,
}

/// One classification's place in [`Parts`].
struct ClassParts {
    /// Its index in the joined program.
    class: usize,
    guard: Option<usize>,
    rows: Vec<usize>,
    /// When another classification reads it: the formula of "it has value `j`" for each
    /// value `j` of its variable's domain (missing is no value).
    read_as: Vec<(Option<usize>, usize)>,
}

struct Analysis<'p> {
    program: &'p Program,
    model: Model<'p>,
    now: Timestamp,
}

impl<'p> Analysis<'p> {
    /// The formulas of `targets` and of every classification they read (through `let`s
    /// too), so that a classification one reads has the value its rows give it.
    fn parts(&mut self, targets: &[usize]) -> Parts {
        let program = self.program;
        let mut classes: Vec<usize> = targets.to_vec();
        let mut i = 0;
        while i < classes.len() {
            let c = &program.classes()[classes[i]];
            let mut roots: Vec<NodeId> = c.guard.iter().copied().collect();
            roots.extend(c.rows.iter().map(|r| r.1));
            for read in classes_read(program, &roots) {
                if !classes.contains(&read) {
                    classes.push(read);
                }
            }
            i += 1;
        }
        let mut parts = Parts {
            formulas: Vec::new(),
            classes: Vec::new(),
        };
        for &k in &classes {
            let c = &program.classes()[k];
            let guard = c.guard.map(|g| {
                parts.formulas.push(self.model.formula(g));
                parts.formulas.len() - 1
            });
            let rows = c
                .rows
                .iter()
                .map(|&(_, cond)| {
                    parts.formulas.push(self.model.formula(cond));
                    parts.formulas.len() - 1
                })
                .collect();
            let mut read_as = Vec::new();
            let reference = program
                .node_ids()
                .find(|&id| matches!(program.node(id), Node::Class(x) if *x == k));
            if let Some(var) = reference.and_then(|r| self.model.term_var(r)) {
                let domain = self.model.domain(var).to_vec();
                for (j, d) in domain.iter().enumerate() {
                    let table: Vec<TruthSet> = (0..domain.len())
                        .map(|x| if x == j { T } else { F })
                        .collect();
                    parts.formulas.push(Formula::Atom {
                        var,
                        table: table.into(),
                    });
                    let value = match d {
                        Value::Class(v) => Some(*v as usize),
                        _ => None,
                    };
                    read_as.push((value, parts.formulas.len() - 1));
                }
            }
            parts.classes.push(ClassParts {
                class: k,
                guard,
                rows,
                read_as,
            });
        }
        parts
    }

    /// Looks for a contact that classification `has.0` gives value `has.1` and
    /// classification `lacks.0` does not give value `lacks.1` (`None`: a value it does not
    /// have, so any), and checks it by classifying it.
    fn find(
        &mut self,
        parts: &Parts,
        has: (usize, usize),
        lacks: (usize, Option<usize>),
        old: Side<'_>,
        new: Side<'_>,
        (o, n): (usize, usize),
    ) -> Finding {
        let program = self.program;
        let goal = |sets: &[TruthSet]| -> Option<bool> {
            let mut verdict = Some(true);
            let mut all = |v: Option<bool>| match (verdict, v) {
                (Some(false), _) | (_, Some(false)) => verdict = Some(false),
                (_, None) => verdict = None,
                _ => {}
            };
            all(yields(program, parts, sets, has.0, Some(has.1)));
            if let Some(lacked) = lacks.1 {
                all(yields(program, parts, sets, lacks.0, Some(lacked)).map(|b| !b));
            }
            for c in &parts.classes {
                if !c.read_as.is_empty() {
                    all(consistent(program, parts, c, sets));
                }
            }
            verdict
        };
        let (search, assignment) = self.model.witness(&parts.formulas, &goal);
        match (search, assignment) {
            (Search::None, _) => Finding::NoContact,
            (Search::Found, Some(assignment)) => {
                let contact = self.contact(&assignment);
                match check(old, new, (o, n), &contact, self.now) {
                    Some((witness, old_value, new_value))
                        if claimed(has, lacks, old_value, new_value, o) =>
                    {
                        Finding::Witness(Box::new(witness))
                    }
                    _ => Finding::Undecided,
                }
            }
            _ => Finding::Undecided,
        }
    }

    /// The contact an assignment describes: the fields it fixes, lists with the elements
    /// their quantifiers need, and a value of its type for every other required field.
    fn contact(&mut self, assignment: &[Option<usize>]) -> Json {
        let mut contact = Map::new();
        self.fill(assignment, None, &mut contact);
        let plan = self.program.plan();
        contact
            .entry(plan.id_field.clone())
            .or_insert_with(|| Json::String("witness".into()));
        let mut contact = Json::Object(contact);
        required(plan, 0, &mut contact, self.now);
        contact
    }

    /// Sets in `out` what the assignment says of the contact (`level` `None`) or of the
    /// element of the quantifier variable at `level`.
    fn fill(
        &mut self,
        assignment: &[Option<usize>],
        level: Option<u32>,
        out: &mut Map<String, Json>,
    ) {
        let program = self.program;
        let vars = assignment.len().min(self.model.var_count());
        for (var, &chosen) in assignment.iter().enumerate().take(vars) {
            let (term, node) = self.model.stands_for(var);
            if term {
                let Some(i) = chosen else { continue };
                let Some(value) = self.model.domain(var).get(i).cloned() else {
                    continue;
                };
                let node = match program.node(node) {
                    Node::Coalesce(a, _) => *a,
                    _ => node,
                };
                if let Some((at, path)) = field_path(program, node)
                    && at == level
                    && let Some(json) = to_json(&value)
                {
                    set(out, &path, json);
                }
                continue;
            }
            // an atom the analysis does not see into: true (0), false (1) or unknown (2)
            let Some(truth) = chosen else { continue };
            match program.node(node).clone() {
                Node::Quantifier {
                    all,
                    level: inner,
                    list,
                    body,
                } => {
                    let Some((at, path)) = field_path(program, list) else {
                        continue;
                    };
                    if at != level {
                        continue;
                    }
                    // `any` true and `all` false need an element with the body true
                    // (false); the others hold on an empty list; unknown on a missing one
                    let wanted = match (all, truth) {
                        (false, 0) => Some(T),
                        (true, 1) => Some(F),
                        (_, 2) => continue,
                        _ => None,
                    };
                    let element = wanted.and_then(|want| self.element(body, inner, want));
                    let entry = entry(out, &path);
                    if !entry.is_array() {
                        *entry = Json::Array(Vec::new());
                    }
                    if let (Some(element), Json::Array(items)) = (element, entry) {
                        items.push(element);
                    }
                }
                Node::In {
                    item,
                    list,
                    negated,
                } => {
                    // `lower(x) in [...]`, which the analysis sees as one atom: in the list
                    // with its first text, out of it with a text it does not hold
                    let item = match program.node(item) {
                        Node::Call(crate::check::ir::Func::Lower, x) => *x,
                        _ => item,
                    };
                    let (Some((at, path)), Node::Const(Value::List(items))) =
                        (field_path(program, item), program.node(list))
                    else {
                        continue;
                    };
                    if at != level || truth == 2 {
                        continue;
                    }
                    let inside = (truth == 0) != negated;
                    let text = match items.first() {
                        Some(Value::Str(first)) if inside => first.to_string(),
                        _ if inside => continue,
                        _ => "-".to_string(),
                    };
                    set(out, &path, Json::String(text));
                }
                Node::Text(_, a, b) => {
                    // `x contains "s"` (also `starts_with`, `ends_with`, on `lower(x)`):
                    // true with `s` in the text, false with a text of none of it
                    let a = match program.node(a) {
                        Node::Call(crate::check::ir::Func::Lower, x) => *x,
                        _ => a,
                    };
                    let (Some((at, path)), Node::Const(Value::Str(text))) =
                        (field_path(program, a), program.node(b))
                    else {
                        continue;
                    };
                    if at != level {
                        continue;
                    }
                    let slot = entry(out, &path);
                    match (truth, &*slot) {
                        (0, Json::String(known)) if !known.is_empty() && known != "-" => {
                            *slot = Json::String(format!("{known} {text}"));
                        }
                        (0, _) => *slot = Json::String(text.to_string()),
                        (1, Json::Null) => *slot = Json::String("-".into()),
                        _ => {}
                    }
                }
                Node::Within(a, b) => {
                    let (Some((at, path)), Node::Const(Value::Duration(d))) =
                        (field_path(program, a), program.node(b))
                    else {
                        continue;
                    };
                    if at != level {
                        continue;
                    }
                    // `T within D`: now - D <= T <= now
                    let back = match truth {
                        0 => d.checked_div(2),
                        1 => d
                            .checked_mul(2)
                            .and_then(|x| x.checked_add(jiff::SignedDuration::from_hours(24))),
                        _ => continue,
                    };
                    if let Some(at) = back.and_then(|b| self.now.checked_sub(b).ok()) {
                        set(out, &path, Json::String(at.to_string()));
                    }
                }
                _ => {}
            }
        }
    }

    /// An element of a list for which the quantifier body (variable at `level`) has the
    /// truth `want`, from a search of its own.
    fn element(&mut self, body: NodeId, level: u32, want: TruthSet) -> Option<Json> {
        let formula = self.model.formula(body);
        let goal = |sets: &[TruthSet]| -> Option<bool> {
            match sets.first() {
                Some(&s) if s == want => Some(true),
                Some(&s) if s & want == 0 => Some(false),
                _ => None,
            }
        };
        let (_, assignment) = self.model.witness(std::slice::from_ref(&formula), &goal);
        let assignment = assignment?;
        let mut element = Map::new();
        self.fill(&assignment, Some(level), &mut element);
        Some(Json::Object(element))
    }
}

/// The classifications read by the nodes below `roots`, following `let`s.
fn classes_read(program: &Program, roots: &[NodeId]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut seen = vec![false; program.node_ids().len()];
    let mut stack: Vec<NodeId> = roots.to_vec();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        match program.node(id) {
            Node::Class(c) => out.push(*c),
            Node::Let(l) => stack.push(program.let_root(*l)),
            _ => program.for_each_child(id, |child| stack.push(child)),
        }
    }
    out
}

/// Whether classification `class` surely (`Some(true)`), surely not (`Some(false)`) or
/// maybe gives `value` (`None`: no value), for the truths its conditions may have.
fn yields(
    program: &Program,
    parts: &Parts,
    sets: &[TruthSet],
    class: usize,
    value: Option<usize>,
) -> Option<bool> {
    let p = parts.classes.iter().find(|c| c.class == class)?;
    let c = &program.classes()[class];
    let guard = p.guard.map(|g| possible(sets[g]));
    let row = |i: usize| possible(sets[p.rows[i]]);
    let mut decisions: Vec<Decision> = c
        .rows
        .iter()
        .enumerate()
        .filter(|(_, (v, _))| Some(*v) == value)
        .map(|(i, _)| Decision::Row(i))
        .collect();
    match value {
        None => {
            decisions.push(Decision::NoRow);
            if c.guard.is_some() {
                decisions.push(Decision::Guard);
            }
        }
        Some(_) if c.otherwise == value => decisions.push(Decision::Otherwise),
        Some(_) => {}
    }
    let outcomes = decisions.into_iter().map(|d| {
        // `NoRow` stands for "no row and no otherwise": with an otherwise it never happens
        if d == Decision::NoRow && c.otherwise.is_some() {
            return Some(false);
        }
        rows::decides_with(guard, c.rows.len(), row, d)
    });
    let mut any_maybe = false;
    for o in outcomes {
        match o {
            Some(true) => return Some(true),
            None => any_maybe = true,
            Some(false) => {}
        }
    }
    if any_maybe { None } else { Some(false) }
}

/// Whether the value another classification reads of `c` is the one its rows give.
fn consistent(program: &Program, parts: &Parts, c: &ClassParts, sets: &[TruthSet]) -> Option<bool> {
    let mut sure = false;
    for &(value, formula) in &c.read_as {
        let read = sets[formula];
        let gives = yields(program, parts, sets, c.class, value);
        match (read, gives) {
            // read as this value, and the rows surely do not give it (or the other way)
            (T, Some(false)) => return Some(false),
            (r, Some(true)) if r & T == 0 => return Some(false),
            (T, Some(true)) => sure = true,
            _ => {}
        }
    }
    if sure { Some(true) } else { None }
}

/// Whether the values a witness got are the ones the search claimed.
fn claimed(
    has: (usize, usize),
    lacks: (usize, Option<usize>),
    old: Option<usize>,
    new: Option<usize>,
    o: usize,
) -> bool {
    let value_of = |class: usize| if class == o { old } else { new };
    value_of(has.0) == Some(has.1) && (lacks.1.is_none() || value_of(lacks.0) != lacks.1)
}

/// Classifies a contact with both rule sets: the witness, and its old and new value
/// indices in classification (`o`, `n`). `None` when either cannot read or classify it.
fn check(
    old: Side<'_>,
    new: Side<'_>,
    (o, n): (usize, usize),
    contact: &Json,
    now: Timestamp,
) -> Option<(Witness, Option<usize>, Option<usize>)> {
    let text = serde_json::to_string(contact).ok()?;
    let mut sink = One {
        comparison: Comparison::new(old, new, 1, now),
        outcomes: None,
    };
    let options = run::Options {
        now,
        on_error: run::ErrorPolicy::Stop,
        reasons: false,
        jobs: 1,
        classes: None,
        activities: &[],
        base: Some(run::Base {
            program: old.program,
            sources: old.sources,
        }),
    };
    let input = run::Input::bytes("witness", InputFormat::Jsonl, text.as_bytes());
    let Ok(tally) = run::run(new.program, new.sources, vec![input], options, &mut sink);
    if tally.classified != 1 {
        return None;
    }
    let (was, is) = sink.outcomes?;
    let (was, is) = (was.get(o)?.value, is.get(n)?.value);
    // a contact that did not move has no example; it is no witness either
    let example = sink
        .comparison
        .transitions()
        .iter()
        .find(|t| t.name == new.program.classes()[n].name)
        .and_then(|t| t.examples.iter().flatten().flatten().next().cloned())?;
    let name =
        |p: &Program, c: usize, v: Option<usize>| v.map(|v| p.classes()[c].values[v].clone());
    Some((
        Witness {
            contact: contact.clone(),
            old: name(old.program, o, was),
            new: name(new.program, n, is),
            example,
        },
        was,
        is,
    ))
}

/// The sink of a witness's run.
struct One<'p> {
    comparison: Comparison<'p>,
    outcomes: Option<(Vec<Outcome>, Vec<Outcome>)>,
}

impl run::Sink for One<'_> {
    type Error = std::convert::Infallible;

    fn classified(&mut self, record: run::Classified<'_>) -> Result<(), Self::Error> {
        self.comparison.add(&record);
        self.outcomes = Some((record.base.to_vec(), record.outcomes.to_vec()));
        Ok(())
    }

    fn failed(&mut self, _: &crate::data::DataError) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// The path of a field from the contact (`level` `None`) or from the element of the
/// quantifier variable at `level`.
fn field_path(program: &Program, node: NodeId) -> Option<(Option<u32>, Vec<String>)> {
    match program.node(node) {
        Node::Field { base, layout, slot } => {
            let name = program.plan().field(*layout, *slot).name.clone();
            let (at, mut path) = match base {
                None => (None, Vec::new()),
                Some(b) => match program.node(*b) {
                    Node::Local(level) => (Some(*level), Vec::new()),
                    _ => field_path(program, *b)?,
                },
            };
            path.push(name);
            Some((at, path))
        }
        _ => None,
    }
}

/// A value as the data writes it; `None` for missing (the field is left out) and values
/// that have no one spelling here.
fn to_json(value: &Value) -> Option<Json> {
    Some(match value {
        Value::Missing | Value::Class(_) | Value::List(_) | Value::Record(_) => return None,
        Value::Bool(b) => Json::Bool(*b),
        // a whole number as the data writes it (`275`, not `275.0`)
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Json::from(*n as i64),
        Value::Number(n) => serde_json::Number::from_f64(*n).map(Json::Number)?,
        Value::Str(s) => Json::String(s.to_string()),
        Value::Date(d) => Json::String(d.to_string()),
        Value::DateTime(t) => Json::String(t.to_string()),
        Value::Duration(_) => return None,
    })
}

/// The entry at a path of nested objects, made where missing.
fn entry<'m>(out: &'m mut Map<String, Json>, path: &[String]) -> &'m mut Json {
    let (last, init) = path.split_last().expect("a field path has a name");
    let mut map = out;
    for name in init {
        let next = map
            .entry(name.clone())
            .or_insert_with(|| Json::Object(Map::new()));
        if !next.is_object() {
            *next = Json::Object(Map::new());
        }
        map = match next {
            Json::Object(m) => m,
            _ => unreachable!("made an object above"),
        };
    }
    map.entry(last.clone()).or_insert(Json::Null)
}

/// Sets a value at a path of nested objects.
fn set(out: &mut Map<String, Json>, path: &[String], value: Json) {
    *entry(out, path) = value;
}

/// Gives every required field of a record (layout `layout`) that has no value one of its
/// type, so that the contact can be read.
fn required(plan: &FieldPlan, layout: LayoutId, record: &mut Json, now: Timestamp) {
    let Json::Object(map) = record else { return };
    for field in &plan.records[layout].fields {
        let present = map.get(&field.name).is_some_and(|v| !v.is_null());
        if let PlanType::Record(inner) = field.ty
            && (present || !field.optional)
        {
            let value = map
                .entry(field.name.clone())
                .or_insert_with(|| Json::Object(Map::new()));
            required(plan, inner, value, now);
            continue;
        }
        if let (PlanType::List(item), Some(Json::Array(items))) =
            (&field.ty, map.get_mut(&field.name))
            && let PlanType::Record(inner) = **item
        {
            for element in items {
                required(plan, inner, element, now);
            }
            continue;
        }
        if present || field.optional {
            continue;
        }
        let value = match &field.ty {
            PlanType::Bool => Json::Bool(false),
            PlanType::Number => Json::from(0),
            PlanType::String | PlanType::Dynamic => Json::String(String::new()),
            PlanType::Enum(values) => Json::String(values.first().cloned().unwrap_or_default()),
            PlanType::Date => {
                Json::String(now.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
            }
            PlanType::DateTime => Json::String(now.to_string()),
            PlanType::Duration => Json::String("1 day".into()),
            PlanType::List(_) => Json::Array(Vec::new()),
            PlanType::Record(_) => Json::Object(Map::new()),
        };
        map.insert(field.name.clone(), value);
    }
}

#[cfg(test)]
mod tests;
