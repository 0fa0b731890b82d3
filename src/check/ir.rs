//! The typed rule set the checker produces: every name resolved, every expression typed.
//! Lints read it; `compile` flattens it into a `Program`.

use crate::ast::{Aggregate, BinaryOp, Ident, Quantifier};
use crate::source::Span;

/// Index of a `let` in [`RuleSet::lets`].
pub type LetId = usize;
/// Index of a classification in [`RuleSet::classes`].
pub type ClassId = usize;
/// Index of a record type in [`RuleSet::records`]; `0` is the contact itself.
pub type RecordId = usize;
/// Index of an enumeration in [`RuleSet::enums`].
pub type EnumId = usize;

/// The record type of a contact.
pub const ROOT: RecordId = 0;

/// The type of a value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Type {
    /// true or false (or unknown)
    Bool,
    /// a number
    Number,
    /// text
    String,
    /// text restricted to a `one of` list
    Enum(EnumId),
    /// a calendar date
    Date,
    /// an instant
    DateTime,
    /// a length of time
    Duration,
    /// a list of values of one type
    List(Box<Type>),
    /// a nested record
    Record(RecordId),
    /// the value of a classification
    Class(ClassId),
    /// no schema: known only per contact at run time
    Dynamic,
    /// an empty list literal, whose element type is open
    EmptyList,
    /// the type of an expression that already has an error (suppresses follow-on errors)
    #[default]
    Error,
}

impl Type {
    /// Whether this is an instant or a date.
    pub fn is_time(&self) -> bool {
        matches!(self, Type::Date | Type::DateTime)
    }

    /// Whether this is text or an enumeration of text.
    pub fn is_text(&self) -> bool {
        matches!(self, Type::String | Type::Enum(_))
    }

    /// Whether checks should accept this type without complaint.
    pub fn is_open(&self) -> bool {
        matches!(self, Type::Dynamic | Type::Error)
    }
}

/// A field of a record type.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether the schema marks it optional.
    pub optional: bool,
    /// Where it is declared (`None` for fields of a rule set without schema).
    pub decl: Option<Span>,
}

/// A record type: the contact, or a nested record of it.
#[derive(Debug, Clone)]
pub struct Record {
    /// Dotted path from the contact, e.g. `events[]` or `company` (`""` for the contact).
    pub path: String,
    /// Declared (or, without schema, used) fields.
    pub fields: Vec<Field>,
    /// Without schema, fields are added as rules use them.
    pub dynamic: bool,
}

impl Record {
    /// The index of the field called `name`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// A checked `let`.
#[derive(Debug, Clone)]
pub struct LetDef {
    /// Its name.
    pub name: Ident,
    /// Its typed definition.
    pub expr: Expr,
}

/// A checked classification.
#[derive(Debug, Clone)]
pub struct ClassDef {
    /// Its name.
    pub name: Ident,
    /// Every value it can take, in order of first appearance (rows, then `otherwise`).
    pub values: Vec<Ident>,
    /// Where it applies at all.
    pub guard: Option<Expr>,
    /// Rows, top to bottom.
    pub rows: Vec<RowDef>,
    /// The index of the `otherwise` value.
    pub otherwise: Option<usize>,
    /// Where `otherwise` names its value.
    pub otherwise_span: Option<Span>,
    /// The whole item.
    pub span: Span,
}

/// A checked row.
#[derive(Debug, Clone)]
pub struct RowDef {
    /// Index into the classification's values.
    pub value: usize,
    /// Its condition.
    pub cond: Expr,
    /// The whole row.
    pub span: Span,
}

/// A typed expression.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Type,
    /// Where it is written.
    pub span: Span,
}

impl Expr {
    /// The direct sub-expressions, in written order. This is the one walker over the
    /// typed rule set; everything that visits it goes through here or [`Expr::walk`].
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Now
            | ExprKind::Let(_)
            | ExprKind::Class(_)
            | ExprKind::ClassValue(..)
            | ExprKind::Local(_)
            | ExprKind::Error => Vec::new(),
            ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().collect(),
            ExprKind::Field { base, .. } => base.iter().map(|b| &**b).collect(),
            ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::Presence(x, _) => vec![x],
            ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::Quantifier { list, body, .. } => vec![list, body],
            ExprKind::Aggregate {
                list,
                value,
                filter,
                ..
            } => {
                let mut v: Vec<&Expr> = vec![list];
                v.extend(value.iter().map(|x| &**x));
                v.extend(filter.iter().map(|x| &**x));
                v
            }
        }
    }

    /// Calls `f` on this expression and every expression below it, parents first (not
    /// following `let` and classification references).
    pub fn walk(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        for child in self.children() {
            child.walk(f);
        }
    }
}

/// A constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// `true`/`false`
    Bool(bool),
    /// a number
    Number(f64),
    /// text
    String(String),
    /// a date
    Date(jiff::civil::Date),
    /// an instant
    DateTime(jiff::Timestamp),
    /// a length of time
    Duration(jiff::SignedDuration),
}

pub use crate::semantics::Func;
use crate::semantics::value::Kind;

/// The forms a typed expression takes.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A literal.
    Const(Const),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `now`
    Now,
    /// A reference to a `let`.
    Let(LetId),
    /// A reference to a classification's result.
    Class(ClassId),
    /// A value of a classification, e.g. `prospect`.
    ClassValue(ClassId, usize),
    /// A field of the contact (`base` is `None`) or of a nested record.
    Field {
        /// The record the field is read from; `None` for the contact.
        base: Option<Box<Expr>>,
        /// The record type.
        record: RecordId,
        /// The field's index in the record type.
        field: usize,
    },
    /// A quantifier or aggregate variable, by nesting level (0 = outermost).
    Local(usize),
    /// `not X`
    Not(Box<Expr>),
    /// `-X`
    Neg(Box<Expr>),
    /// `A op B`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `X is present` (`true`) / `X is missing` (`false`)
    Presence(Box<Expr>, bool),
    /// `any`/`all`
    Quantifier {
        /// Which quantifier.
        kind: Quantifier,
        /// The variable's level.
        level: usize,
        /// Its name.
        var: Ident,
        /// The list.
        list: Box<Expr>,
        /// The condition.
        body: Box<Expr>,
    },
    /// `count`/`sum`/`min`/`max`
    Aggregate {
        /// Which aggregate.
        kind: Aggregate,
        /// The variable's level.
        level: usize,
        /// Its name.
        var: Ident,
        /// The list.
        list: Box<Expr>,
        /// The value aggregated (not for `count`).
        value: Option<Box<Expr>>,
        /// The filter.
        filter: Option<Box<Expr>>,
    },
    /// A built-in function call.
    Call(Func, Vec<Expr>),
    /// An expression that had an error; never reaches `compile`.
    Error,
}

/// A checked rule set.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Record types; [`ROOT`] is the contact.
    pub records: Vec<Record>,
    /// The values of each `one of` type.
    pub enums: Vec<Vec<String>>,
    /// `let`s in definition order.
    pub lets: Vec<LetDef>,
    /// Classifications in definition order.
    pub classes: Vec<ClassDef>,
    /// Classifications in an order where each comes after those it uses.
    pub class_order: Vec<ClassId>,
    /// Whether the rule set has a schema.
    pub has_schema: bool,
    /// The field that names each contact.
    pub id_field: String,
}

impl RuleSet {
    /// The root of every expression the rules evaluate: each `let`, then each
    /// classification's guard and rows, in definition order.
    pub fn roots(&self) -> impl Iterator<Item = &Expr> {
        let lets = self.lets.iter().map(|l| &l.expr);
        let classes = self
            .classes
            .iter()
            .flat_map(|c| c.guard.iter().chain(c.rows.iter().map(|r| &r.cond)));
        lets.chain(classes)
    }

    /// Every field the rules read, as `(record, field)`, in the order first read.
    pub fn fields_read(&self) -> Vec<(RecordId, usize)> {
        let mut out = Vec::new();
        for root in self.roots() {
            root.walk(&mut |e| {
                if let ExprKind::Field { record, field, .. } = &e.kind {
                    out.push((*record, *field));
                }
            });
        }
        out
    }

    /// Describes a type in the words used in messages, with its article: `a number`,
    /// `text`, `a list of dates`.
    pub fn describe(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => Kind::Bool.one(),
            Type::Number => Kind::Number.one(),
            Type::String => Kind::Text.one(),
            Type::Enum(e) => format!("text from {}", self.enum_values(*e)),
            Type::Date => Kind::Date.one(),
            Type::DateTime => Kind::DateTime.one(),
            Type::Duration => Kind::Duration.one(),
            Type::List(t) => format!("a list of {}", self.describe_plural(t)),
            Type::Record(r) => match self.records[*r].path.as_str() {
                "" => "the contact record".into(),
                path => format!("the record `{path}`"),
            },
            Type::Class(c) => format!("a value of `{}`", self.classes[*c].name.node),
            Type::Dynamic => "a value of unknown type".into(),
            Type::EmptyList => "an empty list".into(),
            Type::Error => "(error)".into(),
        }
    }

    /// The elements of a list in messages: `numbers`, `records`.
    fn describe_plural(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => Kind::Bool.plural().into(),
            Type::Number => Kind::Number.plural().into(),
            Type::String => Kind::Text.plural().into(),
            Type::Enum(e) => format!("text values from {}", self.enum_values(*e)),
            Type::Date => Kind::Date.plural().into(),
            Type::DateTime => Kind::DateTime.plural().into(),
            Type::Duration => Kind::Duration.plural().into(),
            Type::List(t) => format!("lists of {}", self.describe_plural(t)),
            Type::Record(_) => Kind::Record.plural().into(),
            Type::Class(c) => format!("values of `{}`", self.classes[*c].name.node),
            Type::Dynamic | Type::EmptyList | Type::Error => "values".into(),
        }
    }

    /// `` `one of "a", "b", …` `` for messages.
    fn enum_values(&self, e: EnumId) -> String {
        let values = &self.enums[e];
        let shown: Vec<String> = values.iter().take(4).map(|v| format!("\"{v}\"")).collect();
        let more = if values.len() > 4 { ", …" } else { "" };
        format!("`one of {}{more}`", shown.join(", "))
    }

    /// The dotted path of a field of a record type, e.g. `company.size`.
    pub fn field_path(&self, record: RecordId, field: usize) -> String {
        let base = &self.records[record].path;
        let name = &self.records[record].fields[field].name;
        if base.is_empty() {
            name.clone()
        } else {
            format!("{base}.{name}")
        }
    }
}
