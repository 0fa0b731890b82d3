//! One node of a program as a SQL expression, with its type. Each construct's translation
//! sits beside the semantics it implements (`semantics::ops`), named in its comment.

use jiff::{SignedDuration, Timestamp};

use super::Dialect;
use super::lower::{DOTTED_I, SIGMA, non_ascii_capitals, translation};
use crate::ast::Aggregate;
use crate::check::ir::Func;
use crate::codes::Code;
use crate::compile::{ArithOp, CompareOp, LayoutId, Node, NodeId, PlanType, Program, TextOp};
use crate::diagnostic::Diagnostic;
use crate::semantics::Value;

/// The variable level of the element a membership test looks at (no quantifier's).
const MEMBER: u32 = u32::MAX;

/// How a list or record value is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr {
    /// The dialect's own list or struct (DuckDB; PostgreSQL arrays of constants).
    Native,
    /// PostgreSQL `jsonb`.
    Json,
}

/// The type of a translated expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `NULL` of no particular type (a missing constant).
    Null,
    /// `BOOLEAN`
    Bool,
    /// a double
    Number,
    /// text (and enum values)
    Text,
    /// `DATE`
    Date,
    /// `TIMESTAMPTZ`
    Time,
    /// `INTERVAL`
    Duration,
    /// A classification's value, as the index of the value.
    Class,
    /// A list of elements of a type.
    List(Box<Ty>, Repr),
    /// A record of a layout of the field plan.
    Record(LayoutId, Repr),
}

/// A translated expression.
#[derive(Debug, Clone)]
pub struct Ex {
    /// The SQL text.
    pub sql: String,
    /// Its type.
    pub ty: Ty,
}

impl Ex {
    fn new(sql: impl Into<String>, ty: Ty) -> Ex {
        Ex {
            sql: sql.into(),
            ty,
        }
    }

    fn null() -> Ex {
        Ex::new("NULL", Ty::Null)
    }
}

/// A quantifier or aggregate variable in scope: its level, the SQL naming its element and
/// the element's type (`json`: a `jsonb` value still to be read as that type).
struct Local {
    level: u32,
    sql: String,
    ty: Ty,
    json: bool,
}

/// Translates nodes, collecting what cannot be translated.
pub struct Translator<'a> {
    program: &'a Program,
    d: Dialect,
    now: String,
    locals: Vec<Local>,
    /// The type of each materialized `let`, once translated.
    let_types: Vec<Option<Ty>>,
    /// What could not be translated.
    pub errors: Vec<Diagnostic>,
    lower: Option<(String, String)>,
    /// The list field read from an events table, whose rows have no order.
    pub from_events: Option<String>,
    /// Whether durations read from the table are numbers of microseconds: the contacts
    /// were built from a mapping's cells by `sql::mapped` (inside PostgreSQL's `jsonb`,
    /// which holds no interval; everywhere in Spark, whose intervals follow the session's
    /// calendar).
    pub mapped_durations: bool,
}

impl<'a> Translator<'a> {
    /// A translator of `program`'s nodes; `now` is the SQL of the evaluation instant.
    pub fn new(program: &'a Program, d: Dialect, now: Result<String, String>) -> Translator<'a> {
        let mut errors = Vec::new();
        let now = now.unwrap_or_else(|why| {
            errors.push(Diagnostic::new(
                Code::NotSql,
                crate::source::Span::default(),
                format!("`--as-of` cannot be written in {}: {why}", d.name()),
            ));
            "NULL".into()
        });
        Translator {
            program,
            d,
            now,
            locals: Vec::new(),
            let_types: vec![None; program.let_count()],
            errors,
            lower: None,
            from_events: None,
            mapped_durations: false,
        }
    }

    fn fail(&mut self, node: NodeId, what: &str, why: &str) -> Ex {
        self.errors.push(
            Diagnostic::new(
                Code::NotSql,
                self.program.span(node),
                format!("{what} cannot be translated to {} exactly", self.d.name()),
            )
            .with_label(why.to_string()),
        );
        Ex::null()
    }

    /// Whether a `let` is written out where it is used rather than made a column: lists
    /// and records, which have no portable column type.
    pub fn inlined(&self, l: usize) -> bool {
        let root = self.program.let_root(l);
        match self.program.node(root) {
            Node::Const(Value::List(_) | Value::Record(_)) | Node::List(_) => true,
            Node::Field { layout, slot, .. } => matches!(
                self.program.plan().field(*layout, *slot).ty,
                PlanType::List(_) | PlanType::Record(_)
            ),
            Node::Let(m) => self.inlined(*m),
            _ => false,
        }
    }

    /// A materialized `let`'s definition (its column's expression).
    pub fn materialize_let(&mut self, l: usize) -> String {
        let ex = self.expr(self.program.let_root(l));
        self.let_types[l] = Some(ex.ty.clone());
        ex.sql
    }

    /// A condition: a truth, `NULL` when unknown.
    pub fn condition(&mut self, id: NodeId) -> String {
        let ex = self.expr(id);
        match ex.ty {
            Ty::Bool | Ty::Null => ex.sql,
            _ => {
                self.fail(id, "this condition", "it is not true or false")
                    .sql
            }
        }
    }

    /// The expression of a node.
    pub fn expr(&mut self, id: NodeId) -> Ex {
        let program = self.program;
        let d = self.d;
        match program.node(id) {
            Node::Const(v) => match constant(d, v) {
                Ok(sql) => Ex::new(sql, const_type(v)),
                Err(why) => self.fail(id, "this value", &why),
            },
            Node::List(items) => {
                let items: Vec<Ex> = items.iter().map(|&i| self.expr(i)).collect();
                let ty = items
                    .iter()
                    .map(|e| e.ty.clone())
                    .find(|t| *t != Ty::Null)
                    .unwrap_or(Ty::Null);
                let sql = items
                    .iter()
                    .map(|e| e.sql.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                Ex::new(list_literal(d, &sql), Ty::List(Box::new(ty), Repr::Native))
            }
            Node::Now => Ex::new(self.now.clone(), Ty::Time),
            Node::Let(l) => {
                if self.inlined(*l) {
                    return self.expr(program.let_root(*l));
                }
                // levels are written in order of depth, and a `let` is one level above
                // everything that reads it (`Writer::depth`), so its type is known here
                let Some(ty) = self.let_types[*l].clone() else {
                    unreachable!(
                        "let `{}` read before its level was written",
                        program.let_name(*l)
                    )
                };
                Ex::new(let_column(d, program.let_name(*l)), ty)
            }
            Node::Class(c) => Ex::new(class_column(d, &program.classes()[*c].name), Ty::Class),
            Node::Field { base, layout, slot } => {
                let field = program.plan().field(*layout, *slot);
                let (name, ty) = (field.name.clone(), field.ty.clone());
                if d == Dialect::Spark && ty == PlanType::Duration && !self.mapped_durations {
                    return self.fail(
                        id,
                        "a duration field",
                        "Spark's intervals follow the session's calendar; durations are not read from its tables",
                    );
                }
                match base {
                    None => {
                        let column = d.ident(&name);
                        match (d, &ty) {
                            (Dialect::Postgres, PlanType::List(_) | PlanType::Record(_)) => {
                                Ex::new(
                                    format!("NULLIF({column}, 'null'::jsonb)"),
                                    plan_type(&ty, Repr::Json),
                                )
                            }
                            _ => Ex::new(column, plan_type(&ty, Repr::Native)),
                        }
                    }
                    Some(b) => {
                        let base = self.expr(*b);
                        self.field(id, base, &name, &ty)
                    }
                }
            }
            Node::Local(level) => self.local(id, *level),
            // `not`: Kleene, as SQL's `NOT`
            Node::Not(a) => {
                let a = self.condition(*a);
                Ex::new(format!("(NOT {a})"), Ty::Bool)
            }
            Node::Neg(a) => {
                let a = self.expr(*a);
                match a.ty {
                    Ty::Number | Ty::Duration | Ty::Null => Ex::new(format!("(- {})", a.sql), a.ty),
                    _ => self.fail(id, "this negation", "only numbers and durations have one"),
                }
            }
            // `and`, `or`: Kleene, as SQL's
            Node::And(a, b) | Node::Or(a, b) => {
                let op = if matches!(program.node(id), Node::And(..)) {
                    "AND"
                } else {
                    "OR"
                };
                let (a, b) = (self.condition(*a), self.condition(*b));
                Ex::new(format!("({a} {op} {b})"), Ty::Bool)
            }
            Node::Compare(op, a, b) => {
                let (a, b) = (self.expr(*a), self.expr(*b));
                self.compare(id, *op, a, b)
            }
            Node::In {
                item,
                list,
                negated,
            } => self.membership(id, *item, *list, *negated),
            Node::Text(op, a, b) => {
                let (a, b) = (self.expr(*a), self.expr(*b));
                self.text(id, *op, a, b)
            }
            // `matches`: the pattern as each engine's syntax reads it (`sql::regex`), tested
            // anywhere in the text as `Regex::is_match` does
            Node::Matches(x, r) => {
                let x = self.expr(*x);
                let pattern = program.regexes()[*r as usize].as_str();
                match super::regex::translate(pattern, d) {
                    Ok(p) => {
                        let p = string_literal(d, &p);
                        Ex::new(regex_test(d, &x.sql, &p), Ty::Bool)
                    }
                    Err(why) => self.fail(id, "this `matches`", &why),
                }
            }
            // `T within D`: now - D <= T <= now
            Node::Within(t, span) => {
                let t = self.expr(*t);
                let span = self.expr(*span);
                let t = self.time(id, t);
                let now = Ex::new(self.now.clone(), Ty::Time);
                let start = self.shift(now.clone(), "-", &span);
                Ex::new(
                    format!("({} >= {start} AND {} <= {})", t.sql, t.sql, now.sql),
                    Ty::Bool,
                )
            }
            Node::Before(a, b) | Node::After(a, b) => {
                let op = if matches!(program.node(id), Node::Before(..)) {
                    "<"
                } else {
                    ">"
                };
                let (a, b) = (self.expr(*a), self.expr(*b));
                let (a, b) = (self.time(id, a), self.time(id, b));
                Ex::new(format!("({} {op} {})", a.sql, b.sql), Ty::Bool)
            }
            // `A ?? B`: the first that is not missing
            Node::Coalesce(a, b) => {
                let b_node = *b;
                let (mut a, mut b) = (self.expr(*a), self.expr(*b));
                if a.ty == Ty::Time || b.ty == Ty::Time {
                    a = self.time(id, a);
                    b = self.time(id, b);
                }
                let ty = if a.ty == Ty::Null {
                    b.ty.clone()
                } else {
                    a.ty.clone()
                };
                if matches!(ty, Ty::List(..) | Ty::Record(..)) {
                    // `list ?? []`: the list, or an empty one of its type
                    let empty = match program.node(b_node) {
                        Node::Const(Value::List(items)) => items.is_empty(),
                        Node::List(items) => items.is_empty(),
                        _ => false,
                    };
                    let typed = match &a.ty {
                        Ty::List(_, Repr::Json) => Some("'[]'::jsonb".to_string()),
                        Ty::List(..) => self.sql_type(&a.ty).map(|t| match d {
                            Dialect::Spark => format!("CAST(array() AS {t})"),
                            _ => format!("CAST([] AS {t})"),
                        }),
                        _ => None,
                    };
                    if let (true, Some(empty)) = (empty, typed) {
                        return Ex::new(format!("COALESCE({}, {empty})", a.sql), a.ty);
                    }
                    return self.fail(
                        id,
                        "`??` of lists or records",
                        "only single values, and a list `?? []`, are translated",
                    );
                }
                Ex::new(format!("COALESCE({}, {})", a.sql, b.sql), ty)
            }
            Node::Arith(op, a, b) => {
                let (a, b) = (self.expr(*a), self.expr(*b));
                self.arith(id, *op, a, b)
            }
            // `is present` / `is missing`: never unknown
            Node::Presence(x, present) => {
                let x = self.expr(*x);
                let test = if *present { "IS NOT NULL" } else { "IS NULL" };
                Ex::new(format!("({} {test})", x.sql), Ty::Bool)
            }
            Node::Quantifier {
                all,
                level,
                list,
                body,
            } => {
                let list = self.expr(*list);
                self.quantifier(id, *all, *level, list, *body)
            }
            Node::Aggregate {
                kind,
                level,
                list,
                value,
                filter,
            } => {
                if *kind == Aggregate::Sum && self.is_from_events(*list) {
                    return self.fail(
                        id,
                        "a `sum` over a list from an events table",
                        "the table's rows have no order, and a sum of doubles depends on it",
                    );
                }
                let list = self.expr(*list);
                self.aggregate(id, *kind, *level, list, *value, *filter)
            }
            Node::Call(f, x) => {
                let x = self.expr(*x);
                self.call(id, *f, x)
            }
        }
    }

    /// The SQL type of a native value of type `ty` (DuckDB, Spark), if it has one.
    fn sql_type(&self, ty: &Ty) -> Option<String> {
        let d = self.d;
        Some(match ty {
            Ty::Bool => "BOOLEAN".into(),
            Ty::Number => d.double().into(),
            Ty::Text => d.text().into(),
            Ty::Date => "DATE".into(),
            Ty::Time if d == Dialect::Spark => "TIMESTAMP".into(),
            Ty::Time => "TIMESTAMPTZ".into(),
            Ty::Duration if d == Dialect::DuckDb => "INTERVAL".into(),
            Ty::Duration if d == Dialect::Spark && self.mapped_durations => "BIGINT".into(),
            Ty::Record(layout, Repr::Native) => super::column_type_with(
                d,
                &PlanType::Record(*layout),
                self.program,
                self.mapped_durations,
            ),
            Ty::List(inner, Repr::Native) => {
                let inner = self.sql_type(inner)?;
                match d {
                    Dialect::Spark => format!("ARRAY<{inner}>"),
                    _ => format!("{inner}[]"),
                }
            }
            _ => return None,
        })
    }

    /// Whether a list node is the field an events table holds (through `let`s).
    fn is_from_events(&self, list: NodeId) -> bool {
        let Some(events) = &self.from_events else {
            return false;
        };
        match self.program.node(list) {
            Node::Field {
                base: None,
                layout,
                slot,
            } => self.program.plan().field(*layout, *slot).name == *events,
            Node::Let(l) => self.is_from_events(self.program.let_root(*l)),
            _ => false,
        }
    }

    /// Field `name` of a record value.
    fn field(&mut self, id: NodeId, base: Ex, name: &str, ty: &PlanType) -> Ex {
        let key = string_literal(self.d, name);
        match base.ty {
            Ty::Record(_, Repr::Json) => match ty {
                PlanType::List(_) | PlanType::Record(_) => Ex::new(
                    format!("NULLIF({} -> {key}, 'null'::jsonb)", base.sql),
                    plan_type(ty, Repr::Json),
                ),
                _ => {
                    let scalar = plan_type(ty, Repr::Json);
                    self.read_json_text(id, &format!("({} ->> {key})", base.sql), scalar)
                }
            },
            Ty::Record(_, Repr::Native) => Ex::new(
                match self.d {
                    Dialect::Spark => format!("{}.{}", base.sql, self.d.ident(name)),
                    _ => format!("struct_extract({}, {key})", base.sql),
                },
                plan_type(ty, Repr::Native),
            ),
            Ty::Null => Ex::null(),
            _ => self.fail(id, "this field", "its base is not a record"),
        }
    }

    /// A `jsonb` scalar, as text, read as the type the schema gives it.
    fn read_json_text(&mut self, id: NodeId, text: &str, ty: Ty) -> Ex {
        let sql = match ty {
            Ty::Text => text.to_string(),
            Ty::Number => format!("CAST({text} AS DOUBLE PRECISION)"),
            Ty::Bool => format!("CAST({text} AS BOOLEAN)"),
            Ty::Date => format!("CAST({text} AS DATE)"),
            // a plain date in a datetime field is its start in UTC (`time::parse_time`),
            // not in the session's time zone
            Ty::Time => format!(
                "CAST(CASE WHEN length({text}) = 10 THEN {text} || 'T00:00:00Z' ELSE {text} END AS TIMESTAMPTZ)"
            ),
            Ty::Duration if self.mapped_durations => format!(
                "((CAST({text} AS BIGINT) / 1000000) * INTERVAL '1 second' + (CAST({text} AS BIGINT) % 1000000) * INTERVAL '1 microsecond')"
            ),
            _ => {
                return self.fail(id, "this field", "durations inside JSON are not translated");
            }
        };
        Ex::new(sql, ty)
    }

    /// A date as the instant it starts in UTC (`semantics::time::date_start`); times as
    /// they are.
    fn time(&mut self, id: NodeId, ex: Ex) -> Ex {
        match ex.ty {
            Ty::Time | Ty::Null => ex,
            Ty::Date => Ex::new(
                match self.d {
                    Dialect::Postgres => {
                        format!("(CAST({} AS TIMESTAMP) AT TIME ZONE 'UTC')", ex.sql)
                    }
                    Dialect::DuckDb => {
                        format!(
                            "CAST(CAST({} AS VARCHAR) || ' 00:00:00+00' AS TIMESTAMPTZ)",
                            ex.sql
                        )
                    }
                    // the seconds as BIGINT: an INT of them overflows past 2038 and before 1902
                    Dialect::Spark => format!(
                        "timestamp_seconds(CAST(unix_date({}) AS BIGINT) * 86400)",
                        ex.sql
                    ),
                },
                Ty::Time,
            ),
            _ => self.fail(id, "this time", "it is not a date or datetime"),
        }
    }

    /// `== != < <= > >=` (`ops::compare`): unknown when either side is missing, as SQL's.
    fn compare(&mut self, id: NodeId, op: CompareOp, a: Ex, b: Ex) -> Ex {
        let sym = match op {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        };
        let (a, b) = if matches!(a.ty, Ty::Time | Ty::Date)
            && matches!(b.ty, Ty::Time | Ty::Date)
            && a.ty != b.ty
        {
            (self.time(id, a), self.time(id, b))
        } else {
            (a, b)
        };
        match (&a.ty, &b.ty) {
            (Ty::List(..) | Ty::Record(..), _) | (_, Ty::List(..) | Ty::Record(..)) => self.fail(
                id,
                "comparing lists or records",
                "only single values are compared in SQL",
            ),
            // text orders by code point (`str::cmp`): PostgreSQL's "C" collation; DuckDB's
            // default collation is binary
            (Ty::Text, _) | (_, Ty::Text)
                if self.d == Dialect::Postgres && !matches!(op, CompareOp::Eq | CompareOp::Ne) =>
            {
                Ex::new(
                    format!("({} COLLATE \"C\" {sym} {})", a.sql, b.sql),
                    Ty::Bool,
                )
            }
            _ => Ex::new(format!("({} {sym} {})", a.sql, b.sql), Ty::Bool),
        }
    }

    /// `item in list` (`ops::membership`): SQL's `IN` is the same three-valued test.
    fn membership(&mut self, id: NodeId, item: NodeId, list: NodeId, negated: bool) -> Ex {
        let item = self.expr(item);
        let elements: Option<Vec<Ex>> = match self.program.node(list) {
            Node::Const(Value::List(values)) => Some(
                values
                    .iter()
                    .map(|v| match constant(self.d, v) {
                        Ok(sql) => Ex::new(sql, const_type(v)),
                        Err(_) => Ex::null(),
                    })
                    .collect(),
            ),
            Node::List(items) => Some(items.iter().map(|&i| self.expr(i)).collect()),
            _ => None,
        };
        let not = if negated { "NOT " } else { "" };
        match elements {
            Some(elements) => {
                if elements.is_empty() {
                    return Ex::new(
                        format!(
                            "(CASE WHEN {} IS NULL THEN NULL ELSE {} END)",
                            item.sql,
                            if negated { "TRUE" } else { "FALSE" }
                        ),
                        Ty::Bool,
                    );
                }
                let times = item.ty == Ty::Time || elements.iter().any(|e| e.ty == Ty::Time);
                let (item, elements) = if times {
                    let item = self.time(id, item);
                    let elements: Vec<Ex> =
                        elements.into_iter().map(|e| self.time(id, e)).collect();
                    (item, elements)
                } else {
                    (item, elements)
                };
                let list = elements
                    .iter()
                    .map(|e| e.sql.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                Ex::new(format!("({not}{} IN ({list}))", item.sql), Ty::Bool)
            }
            None => {
                let list = self.expr(list);
                let found = self.member(id, &item, list.clone());
                Ex::new(
                    format!(
                        "(CASE WHEN {} IS NULL OR {} IS NULL THEN NULL ELSE {not}{found} END)",
                        item.sql, list.sql
                    ),
                    Ty::Bool,
                )
            }
        }
    }

    /// Whether a present item equals an element of a list (`ops::member`): true when one
    /// is equal, else unknown when one is missing, else false.
    fn member(&mut self, id: NodeId, item: &Ex, list: Ex) -> String {
        let Some((from, eq)) = self.with_local(id, MEMBER, &list, |t| {
            let element = t.local(id, MEMBER);
            t.compare(id, CompareOp::Eq, element, item.clone()).sql
        }) else {
            return "NULL".into();
        };
        if self.d.lambdas() {
            return self.exists(&from, "_m", &eq);
        }
        format!(
            "(CASE WHEN EXISTS (SELECT 1 FROM {from} WHERE {eq}) THEN TRUE WHEN EXISTS (SELECT 1 FROM {from} WHERE {eq} IS NULL) THEN NULL ELSE FALSE END)"
        )
    }

    /// Over an array, three-valued "some element's `body` is true": true when one is,
    /// else unknown when one is unknown, else false (over a missing array, unknown).
    fn exists(&self, list: &str, var: &str, body: &str) -> String {
        if self.d == Dialect::Spark {
            // Spark's `exists` is this test
            return format!("exists({list}, {var} -> {body})");
        }
        // DuckDB has no three-valued `exists`: each element scores 2 (true), 1 (unknown)
        // or 0 (false), and the largest score decides; no score is an empty or missing list
        let score = self
            .d
            .lambda(var, &format!("coalesce(CAST({body} AS INTEGER) * 2, 1)"));
        format!(
            "(CASE list_max(list_transform({list}, {score})) WHEN 2 THEN TRUE WHEN 1 THEN NULL WHEN 0 THEN FALSE ELSE (CASE WHEN {list} IS NULL THEN NULL ELSE FALSE END) END)"
        )
    }

    /// The element a variable in scope names.
    fn local(&mut self, id: NodeId, level: u32) -> Ex {
        match self.locals.iter().rev().find(|l| l.level == level) {
            Some(local) if local.json => {
                let (sql, ty) = (local.sql.clone(), local.ty.clone());
                match ty {
                    Ty::List(..) | Ty::Record(..) => Ex::new(sql, ty),
                    scalar => self.read_json_text(id, &format!("({sql} #>> '{{}}')"), scalar),
                }
            }
            Some(local) => Ex::new(local.sql.clone(), local.ty.clone()),
            None => self.fail(id, "this variable", "it is used outside its quantifier"),
        }
    }

    /// Binds a variable to a list's elements while `f` translates what uses it.
    fn with_local<T>(
        &mut self,
        id: NodeId,
        level: u32,
        list: &Ex,
        f: impl FnOnce(&mut Self) -> T,
    ) -> Option<(String, T)> {
        let alias = if level == MEMBER {
            "_m".to_string()
        } else {
            format!("_e{level}")
        };
        let Ty::List(element, repr) = &list.ty else {
            if list.ty != Ty::Null {
                self.fail(id, "this list", "it is not a list");
            }
            return None;
        };
        let json = self.d == Dialect::Postgres && *repr == Repr::Json;
        // with lambdas: the list itself, whose elements a lambda's `alias` names
        let from = if self.d.lambdas() {
            list.sql.clone()
        } else if json {
            format!("jsonb_array_elements({}) AS {alias}(v)", list.sql)
        } else {
            format!("unnest({}) AS {alias}(v)", list.sql)
        };
        let sql = if self.d.lambdas() {
            alias
        } else if json && matches!(**element, Ty::List(..) | Ty::Record(..)) {
            format!("NULLIF({alias}.v, 'null'::jsonb)")
        } else {
            format!("{alias}.v")
        };
        self.locals.push(Local {
            level,
            sql,
            ty: (**element).clone(),
            json,
        });
        let out = f(self);
        self.locals.pop();
        Some((from, out))
    }

    /// `any` / `all` (`ops::Quantify`): decided by a true (any) or false (all) element,
    /// else unknown when an element is unknown; over a missing list, unknown.
    fn quantifier(&mut self, id: NodeId, all: bool, level: u32, list: Ex, body: NodeId) -> Ex {
        let Some((from, body)) = self.with_local(id, level, &list, |t| t.condition(body)) else {
            return Ex::new("CAST(NULL AS BOOLEAN)", Ty::Bool);
        };
        if self.d.lambdas() {
            // `all` is "no element is false"
            let var = format!("_e{level}");
            let sql = if all {
                format!("(NOT {})", self.exists(&from, &var, &format!("NOT {body}")))
            } else {
                self.exists(&from, &var, &body)
            };
            return Ex::new(sql, Ty::Bool);
        }
        let (decides, then, otherwise) = if all {
            (format!("NOT {body}"), "FALSE", "TRUE")
        } else {
            (body.clone(), "TRUE", "FALSE")
        };
        Ex::new(
            format!(
                "(CASE WHEN {l} IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM {from} WHERE {decides}) THEN {then} WHEN EXISTS (SELECT 1 FROM {from} WHERE {body} IS NULL) THEN NULL ELSE {otherwise} END)",
                l = list.sql
            ),
            Ty::Bool,
        )
    }

    /// `count`, `sum`, `min`, `max` (`ops::aggregate`): over the elements whose filter is
    /// true, skipping missing values, as SQL's aggregates do; over a missing list, missing.
    fn aggregate(
        &mut self,
        id: NodeId,
        kind: Aggregate,
        level: u32,
        list: Ex,
        value: Option<NodeId>,
        filter: Option<NodeId>,
    ) -> Ex {
        let d = self.d;
        let Some((from, (value, filter))) = self.with_local(id, level, &list, |t| {
            (value.map(|v| t.expr(v)), filter.map(|f| t.condition(f)))
        }) else {
            return Ex::null();
        };
        if d.lambdas() {
            return self.lambda_aggregate(id, kind, level, &list, from, value, filter);
        }
        let filter = filter.map_or(String::new(), |f| format!(" WHERE {f}"));
        let (agg, ty, value) = match (kind, value) {
            (Aggregate::Count, _) => (
                format!("CAST(count(*) AS {})", d.double()),
                Ty::Number,
                None,
            ),
            (_, None) => return self.fail(id, "this aggregate", "it has no value"),
            (kind, Some(v)) => {
                let name = match kind {
                    Aggregate::Sum => "sum",
                    Aggregate::Min => "min",
                    _ => "max",
                };
                // the value is a column `_x` of the elements' rows: an aggregate of an
                // expression of outer columns only would belong to the outer query
                let agg = match (&v.ty, kind) {
                    (Ty::Number, _) | (Ty::Date | Ty::Time, Aggregate::Min | Aggregate::Max) => {
                        format!("{name}(_a._x)")
                    }
                    (Ty::Text, Aggregate::Min | Aggregate::Max) if d == Dialect::Postgres => {
                        format!("{name}(_a._x COLLATE \"C\")")
                    }
                    (Ty::Text, Aggregate::Min | Aggregate::Max) => format!("{name}(_a._x)"),
                    _ => {
                        return self.fail(
                            id,
                            "this aggregate",
                            "only numbers, and the smallest or largest text or time, are translated",
                        );
                    }
                };
                (agg, v.ty.clone(), Some(v.sql))
            }
        };
        let rows = match value {
            Some(v) => format!("(SELECT {v} AS _x FROM {from}{filter}) AS _a"),
            None => format!("{from}{filter}"),
        };
        Ex::new(
            format!(
                "(CASE WHEN {l} IS NULL THEN NULL ELSE (SELECT {agg} FROM {rows}) END)",
                l = list.sql
            ),
            ty,
        )
    }

    /// An aggregate with lambdas over the array: the kept elements' values, summed (or
    /// compared) element by element in order — Spark's `aggregate`, DuckDB's `list_sum`
    /// (the `sum` aggregate run over the list, in its order).
    #[allow(clippy::too_many_arguments)]
    fn lambda_aggregate(
        &mut self,
        id: NodeId,
        kind: Aggregate,
        level: u32,
        list: &Ex,
        from: String,
        value: Option<Ex>,
        filter: Option<String>,
    ) -> Ex {
        let d = self.d;
        let var = format!("_e{level}");
        let (keep, size) = match d {
            Dialect::Spark => ("filter", "size"),
            _ => ("list_filter", "len"),
        };
        let kept = match filter {
            Some(f) => format!("{keep}({from}, {})", d.lambda(&var, &f)),
            None => from,
        };
        let (sql, ty) = match (kind, value) {
            (Aggregate::Count, _) => (
                format!("CAST({size}({kept}) AS {})", d.double()),
                Ty::Number,
            ),
            (_, None) => return self.fail(id, "this aggregate", "it has no value"),
            (kind, Some(v)) => {
                let zero = match v.ty {
                    Ty::Number => "DOUBLE",
                    Ty::Text if kind != Aggregate::Sum => "STRING",
                    Ty::Date if kind != Aggregate::Sum => "DATE",
                    Ty::Time if kind != Aggregate::Sum => "TIMESTAMP",
                    _ => {
                        return self.fail(
                            id,
                            "this aggregate",
                            "only numbers, and the smallest or largest text or time, are translated",
                        );
                    }
                };
                let sql = if d == Dialect::Spark {
                    let step = match kind {
                        Aggregate::Sum => "_acc + _v",
                        Aggregate::Min => "CASE WHEN _v < _acc THEN _v ELSE _acc END",
                        _ => "CASE WHEN _v > _acc THEN _v ELSE _acc END",
                    };
                    format!(
                        "aggregate(transform({kept}, {var} -> {}), CAST(NULL AS {zero}), (_acc, _v) -> CASE WHEN _v IS NULL THEN _acc WHEN _acc IS NULL THEN _v ELSE {step} END)",
                        v.sql
                    )
                } else {
                    // the aggregates skip missing values; none left is missing
                    let name = match kind {
                        Aggregate::Sum => "list_sum",
                        Aggregate::Min => "list_min",
                        _ => "list_max",
                    };
                    format!("{name}(list_transform({kept}, {}))", d.lambda(&var, &v.sql))
                };
                (sql, v.ty.clone())
            }
        };
        Ex::new(
            format!(
                "(CASE WHEN {l} IS NULL THEN NULL ELSE {sql} END)",
                l = list.sql
            ),
            ty,
        )
    }

    /// `contains`, `starts_with`, `ends_with` (`ops::text`); `contains` of a list is
    /// membership.
    fn text(&mut self, id: NodeId, op: TextOp, a: Ex, b: Ex) -> Ex {
        if let Ty::List(..) = a.ty {
            if op != TextOp::Contains {
                return self.fail(id, "this text test", "it takes text");
            }
            let found = self.member(id, &b, a.clone());
            return Ex::new(
                format!(
                    "(CASE WHEN {} IS NULL OR {} IS NULL THEN NULL ELSE {found} END)",
                    a.sql, b.sql
                ),
                Ty::Bool,
            );
        }
        let (h, n) = (&a.sql, &b.sql);
        let sql = match (self.d, op) {
            (Dialect::Postgres, TextOp::Contains) => format!("(strpos({h}, {n}) > 0)"),
            (Dialect::DuckDb, TextOp::Contains) => format!("contains({h}, {n})"),
            (Dialect::Spark, TextOp::Contains) => format!("(instr({h}, {n}) > 0)"),
            (Dialect::Spark, TextOp::StartsWith) => format!("(left({h}, length({n})) = {n})"),
            (_, TextOp::StartsWith) => format!("starts_with({h}, {n})"),
            (Dialect::Postgres | Dialect::Spark, TextOp::EndsWith) => {
                format!("(right({h}, length({n})) = {n})")
            }
            (Dialect::DuckDb, TextOp::EndsWith) => format!("suffix({h}, {n})"),
        };
        Ex::new(sql, Ty::Bool)
    }

    /// `+ - * /` (`ops::arith`): missing on a missing side and on division by zero.
    fn arith(&mut self, id: NodeId, op: ArithOp, a: Ex, b: Ex) -> Ex {
        let sym = op.symbol();
        match (&a.ty, op, &b.ty) {
            (Ty::Null, ..) | (.., Ty::Null) => Ex::null(),
            (Ty::Number, ArithOp::Div, Ty::Number) => {
                Ex::new(format!("({} / NULLIF({}, 0))", a.sql, b.sql), Ty::Number)
            }
            (Ty::Number, _, Ty::Number) => {
                Ex::new(format!("({} {sym} {})", a.sql, b.sql), Ty::Number)
            }
            (Ty::Duration, ArithOp::Add | ArithOp::Sub, Ty::Duration) => {
                Ex::new(format!("({} {sym} {})", a.sql, b.sql), Ty::Duration)
            }
            (Ty::Date | Ty::Time, ArithOp::Add | ArithOp::Sub, Ty::Duration) => {
                let t = self.time(id, a);
                Ex::new(self.shift(t, sym, &b), Ty::Time)
            }
            (Ty::Duration, ArithOp::Add, Ty::Date | Ty::Time) => {
                let t = self.time(id, b);
                Ex::new(self.shift(t, "+", &a), Ty::Time)
            }
            (Ty::Date | Ty::Time, ArithOp::Sub, Ty::Date | Ty::Time) => {
                let (a, b) = (self.time(id, a), self.time(id, b));
                // the difference in microseconds: PostgreSQL and DuckDB would make days of it,
                // which a later `T - D` takes back by the session's calendar
                let sql = match self.d {
                    Dialect::Spark => format!("(unix_micros({}) - unix_micros({}))", a.sql, b.sql),
                    Dialect::DuckDb => {
                        format!("to_microseconds(epoch_us({}) - epoch_us({}))", a.sql, b.sql)
                    }
                    Dialect::Postgres => format!(
                        "(CAST(EXTRACT(EPOCH FROM ({} - {})) * 1000000 AS BIGINT) * INTERVAL '1 microsecond')",
                        a.sql, b.sql
                    ),
                };
                Ex::new(sql, Ty::Duration)
            }
            _ => self.fail(
                id,
                "this arithmetic",
                "a duration times or divided by a number rounds differently in SQL",
            ),
        }
    }

    /// An instant moved by a duration (`sign` `+` or `-`). Spark adds a day-time interval
    /// by the calendar of the session's zone (a day across a change to summer time is 23
    /// hours), so there durations are microseconds and the sum is taken on them.
    fn shift(&self, t: Ex, sign: &str, span: &Ex) -> String {
        match self.d {
            Dialect::Spark => format!(
                "timestamp_micros(unix_micros({}) {sign} {})",
                t.sql, span.sql
            ),
            _ => format!("({} {sign} {})", t.sql, span.sql),
        }
    }

    /// `lower`, `abs`, `days_since` (`ops::call`).
    fn call(&mut self, id: NodeId, f: Func, x: Ex) -> Ex {
        match f {
            Func::Abs => Ex::new(format!("abs({})", x.sql), Ty::Number),
            // whole days from the time to `now`, rounded down (`time::days_since`)
            Func::DaysSince => {
                let t = self.time(id, x);
                let now = &self.now;
                let sql = match self.d {
                    Dialect::Postgres => format!(
                        "CAST(floor(EXTRACT(EPOCH FROM ({now} - {})) / 86400) AS DOUBLE PRECISION)",
                        t.sql
                    ),
                    Dialect::DuckDb => format!(
                        "floor(CAST(epoch_us({now}) - epoch_us({}) AS DOUBLE) / 86400000000.0)",
                        t.sql
                    ),
                    Dialect::Spark => format!(
                        "CAST(floor((unix_micros({now}) - unix_micros({})) / 86400000000.0) AS DOUBLE)",
                        t.sql
                    ),
                };
                Ex::new(sql, Ty::Number)
            }
            Func::Lower => {
                let table = self.lower.get_or_insert_with(translation).clone();
                let refusal =
                    "qualify: lower() of text with a capital sigma is not translated to SQL";
                Ex::new(lower_text(self.d, &x.sql, &table, refusal), Ty::Text)
            }
        }
    }
}

/// `lower(x)` exactly as `str::to_lowercase`, with the translation table of
/// [`translation`] (`(from, to)`); text it cannot lower stops the query with `refusal`.
pub fn lower_text(d: Dialect, x: &str, (from, to): &(String, String), refusal: &str) -> String {
    // a capital sigma lowers by its neighbours: such text stops the query
    let refuse = error_expr(d, refusal, x);
    // text whose capitals are ASCII (most) is lowered by lowering A to Z: PostgreSQL's
    // `lower` under the "C" collation lowers nothing else; other databases' `lower`
    // follows their own Unicode tables, so a translate of the 26 letters (cheap: the cost
    // is the table's length) where the text is not all ASCII
    let (ascii, bytes) = match d {
        Dialect::Postgres => (format!("lower({x} COLLATE \"C\")"), "octet_length"),
        Dialect::DuckDb => (format!("lower({x})"), "strlen"),
        Dialect::Spark => (format!("lower({x})"), "octet_length"),
    };
    let ascii_letters = match d {
        Dialect::Postgres => ascii.clone(),
        _ => format!("translate({x}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"),
    };
    let capitals = string_literal(d, &non_ascii_capitals(from));
    let has_capital = regex_test(d, x, &capitals);
    let sigma = string_literal(d, &SIGMA.to_string());
    let has_sigma = match d {
        Dialect::Spark => format!("instr({x}, {sigma}) > 0"),
        _ => format!("strpos({x}, {sigma}) > 0"),
    };
    format!(
        "(CASE WHEN {bytes}({x}) = length({x}) THEN {ascii} WHEN NOT {has_capital} THEN {ascii_letters} WHEN {has_sigma} THEN {refuse} ELSE translate(replace({x}, {dotted}, {dotted_lower}), {from}, {to}) END)",
        dotted = string_literal(d, &DOTTED_I.to_string()),
        dotted_lower = string_literal(d, &DOTTED_I.to_lowercase().collect::<String>()),
        from = string_literal(d, from),
        to = string_literal(d, to),
    )
}

/// Whether text `x` holds a match of the pattern `pattern` (an SQL string literal).
pub fn regex_test(d: Dialect, x: &str, pattern: &str) -> String {
    match d {
        Dialect::Postgres => format!("({x} ~ {pattern})"),
        Dialect::DuckDb => format!("regexp_matches({x}, {pattern})"),
        Dialect::Spark => format!("({x} RLIKE {pattern})"),
    }
}

/// An expression that stops the query with `message` and the text `about` when evaluated
/// (text-typed), and only then: it reads a volatile function, so that no database folds
/// it into a constant while planning (PostgreSQL did, for a constant `about`, and failed
/// every query whatever its rows).
pub fn error_expr(d: Dialect, message: &str, about: &str) -> String {
    // `random()` is at least 0: this is `''`, known only when the row is read (Spark's
    // `raise_error` is never folded)
    let unplanned = "(CASE WHEN random() >= 0 THEN '' END)";
    match d {
        Dialect::DuckDb => format!(
            "CAST(error({} || {about} || {unplanned}) AS VARCHAR)",
            string_literal(d, &format!("{message}: "))
        ),
        Dialect::Spark => format!(
            "CAST(raise_error(concat({}, {about})) AS STRING)",
            string_literal(d, &format!("{message}: "))
        ),
        // PostgreSQL has no error function in plain SQL: a cast that cannot succeed
        Dialect::Postgres => format!(
            "CAST(CAST({} || {about} || {unplanned} AS INTEGER) AS TEXT)",
            string_literal(d, &format!("{message}: "))
        ),
    }
}

/// A list of the items' SQL (comma-separated).
fn list_literal(d: Dialect, items: &str) -> String {
    match d {
        Dialect::Postgres => format!("ARRAY[{items}]"),
        Dialect::DuckDb => format!("[{items}]"),
        Dialect::Spark => format!("array({items})"),
    }
}

/// The type of a schema field's values.
fn plan_type(ty: &PlanType, repr: Repr) -> Ty {
    match ty {
        PlanType::Bool => Ty::Bool,
        PlanType::Number => Ty::Number,
        PlanType::String | PlanType::Enum(_) | PlanType::Dynamic => Ty::Text,
        PlanType::Date => Ty::Date,
        PlanType::DateTime => Ty::Time,
        PlanType::Duration => Ty::Duration,
        PlanType::List(inner) => Ty::List(Box::new(plan_type(inner, repr)), repr),
        PlanType::Record(layout) => Ty::Record(*layout, repr),
    }
}

/// The type of a constant.
fn const_type(v: &Value) -> Ty {
    match v {
        Value::Missing => Ty::Null,
        Value::Bool(_) => Ty::Bool,
        Value::Number(_) => Ty::Number,
        Value::Str(_) => Ty::Text,
        Value::Date(_) => Ty::Date,
        Value::DateTime(_) => Ty::Time,
        Value::Duration(_) => Ty::Duration,
        Value::Class(_) => Ty::Class,
        Value::List(items) => Ty::List(
            Box::new(
                items
                    .iter()
                    .map(const_type)
                    .find(|t| *t != Ty::Null)
                    .unwrap_or(Ty::Null),
            ),
            Repr::Native,
        ),
        Value::Record(_) => Ty::Record(0, Repr::Native),
    }
}

/// A text literal: SQL doubles a quote and takes every other character as written
/// (PostgreSQL with `standard_conforming_strings`, on since 9.1); Spark escapes.
pub fn string_literal(d: Dialect, s: &str) -> String {
    match d {
        // Spark reads a backslash in a literal as an escape
        Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        _ => format!("'{}'", s.replace('\'', "''")),
    }
}

/// The column holding a `let`'s value.
pub fn let_column(d: Dialect, name: &str) -> String {
    d.ident(&format!("_let_{name}"))
}

/// The column holding a classification's value, as the index of the value.
pub fn class_column(d: Dialect, name: &str) -> String {
    d.ident(&format!("_class_{name}"))
}

/// An instant as a `TIMESTAMPTZ` literal, to the microsecond.
pub fn timestamp_literal(d: Dialect, t: Timestamp) -> Result<String, String> {
    if t.subsec_nanosecond() % 1000 != 0 {
        return Err(format!(
            "{t} is finer than a microsecond, the finest SQL time"
        ));
    }
    let utc = t.to_zoned(jiff::tz::TimeZone::UTC);
    if utc.year() < 1 {
        return Err(format!("{t} is before year 1"));
    }
    // the fraction of the civil time (before 1970 the instant's own is negative)
    let text = format!(
        "{}.{:06}",
        utc.strftime("%Y-%m-%d %H:%M:%S"),
        utc.subsec_nanosecond() / 1000
    );
    Ok(match d {
        // Spark's TIMESTAMP is an instant (TIMESTAMP_LTZ)
        Dialect::Spark => format!("TIMESTAMP '{text}Z'"),
        _ => format!("TIMESTAMPTZ '{text}+00'"),
    })
}

/// A duration as an `INTERVAL` of seconds (never days, which a time zone can stretch).
fn duration_literal(d: Dialect, span: SignedDuration) -> Result<String, String> {
    if span.subsec_nanos() % 1000 != 0 {
        return Err("a duration finer than a microsecond has no SQL value".into());
    }
    let micros = span.as_micros();
    Ok(match d {
        Dialect::Spark => format!("CAST({micros} AS BIGINT)"),
        Dialect::Postgres => {
            let (sign, abs) = if micros < 0 {
                ("-", -micros)
            } else {
                ("", micros)
            };
            let seconds = format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000);
            format!("INTERVAL '{seconds} seconds'")
        }
        Dialect::DuckDb => format!("to_microseconds(CAST({micros} AS BIGINT))"),
    })
}

/// A number as a double, exactly: integers as themselves, others from their shortest
/// text, which every database reads back as the same double.
fn number_literal(d: Dialect, n: f64) -> String {
    if n.is_infinite() {
        let sign = if n < 0.0 { "-" } else { "" };
        return format!("CAST('{sign}Infinity' AS {})", d.double());
    }
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        // -0.0 prints as 0: equal to 0 in both, as in the engine
        return format!("CAST({} AS {})", n as i64, d.double());
    }
    format!("CAST('{n:e}' AS {})", d.double())
}

/// A constant's SQL, or why it has none.
pub fn constant(d: Dialect, v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::Missing => "NULL".into(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Number(n) => number_literal(d, *n),
        Value::Str(s) if s.contains('\0') => return Err("text with a NUL character".into()),
        Value::Str(s) => string_literal(d, s),
        Value::Date(date) if date.year() < 1 => return Err(format!("{date} is before year 1")),
        Value::Date(date) => format!("DATE '{date}'"),
        Value::DateTime(t) => timestamp_literal(d, *t)?,
        Value::Duration(span) => duration_literal(d, *span)?,
        Value::Class(i) => i.to_string(),
        Value::List(items) => {
            let items = items
                .iter()
                .map(|i| constant(d, i))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ");
            list_literal(d, &items)
        }
        Value::Record(_) => return Err("a record value".into()),
    })
}
