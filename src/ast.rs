//! The spanned syntax tree of a rule set, as written.
//!
//! Produced by `syntax`, consumed by `check` and the formatter. Spans are ignored by
//! equality (see [`Spanned`]), so two trees that differ only in layout compare equal.

use crate::source::{FileId, Span, Spanned};

/// A name as written, with its place.
pub type Ident = Spanned<String>;

/// One parsed `.qual` file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The file in the source map.
    pub file: FileId,
    /// Its items in source order.
    pub items: Vec<Item>,
    /// Items that did not parse, so later stages neither report their names as unknown nor
    /// run a rule set with holes in it.
    pub broken: Vec<BrokenItem>,
}

/// A top-level item that had a syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenItem {
    /// The word it started with (`schema`, `let`, `classify`, …), or `""`.
    pub keyword: String,
    /// The name it would have defined, when that much could be read.
    pub name: Option<Ident>,
    /// Where the item was.
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `schema NAME { … }`
    Schema(Schema),
    /// `let NAME = EXPR`
    Let(Let),
    /// `classify NAME [when GUARD] { … }`
    Classify(Classify),
}

impl Item {
    /// The name the item defines.
    pub fn name(&self) -> &Ident {
        match self {
            Item::Schema(s) => &s.name,
            Item::Let(l) => &l.name,
            Item::Classify(c) => &c.name,
        }
    }

    /// The whole item.
    pub fn span(&self) -> Span {
        match self {
            Item::Schema(s) => s.span,
            Item::Let(l) => l.span,
            Item::Classify(c) => c.span,
        }
    }
}

/// The shape of a contact record.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Name after `schema`.
    pub name: Ident,
    /// Top-level fields.
    pub fields: Vec<FieldDecl>,
    /// The whole item.
    pub span: Span,
}

/// `name: TYPE[?]`
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The field's name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// Whether it is marked optional with `?`.
    pub optional: bool,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written in a schema.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    /// `string`, `number`, … (checked by name in `check`).
    Named(Ident),
    /// `one of "a", "b"`
    OneOf(Vec<Spanned<String>>, Span),
    /// `list of TYPE`
    ListOf(Box<TypeExpr>, Span),
    /// `{ field: TYPE … }`
    Record(Vec<FieldDecl>, Span),
}

impl TypeExpr {
    /// Where the type was written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(n) => n.span,
            TypeExpr::OneOf(_, s) | TypeExpr::ListOf(_, s) | TypeExpr::Record(_, s) => *s,
        }
    }
}

/// `let NAME = EXPR`
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    /// The defined name.
    pub name: Ident,
    /// Its definition.
    pub value: Expr,
    /// The whole item.
    pub span: Span,
}

/// `classify NAME [when GUARD] { VALUE when COND … [otherwise VALUE] }`
#[derive(Debug, Clone, PartialEq)]
pub struct Classify {
    /// The classification's name.
    pub name: Ident,
    /// Where the classification applies at all.
    pub guard: Option<Expr>,
    /// Rows, most advanced first.
    pub rows: Vec<Row>,
    /// The value when no row holds.
    pub otherwise: Option<Ident>,
    /// The whole item.
    pub span: Span,
}

/// `VALUE when COND`
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The value assigned.
    pub value: Ident,
    /// When it is assigned.
    pub cond: Expr,
    /// The whole row.
    pub span: Span,
}

/// An expression with its span.
pub type Expr = Spanned<ExprKind>;

/// The forms an expression takes.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `true`, `false`
    Bool(bool),
    /// `42`, `2.5`
    Number(f64),
    /// `"text"` (escapes resolved)
    String(String),
    /// `2026-11-01`
    Date(jiff::civil::Date),
    /// `2026-11-01T09:30:00Z`
    DateTime(jiff::Timestamp),
    /// `30 days`
    Duration(jiff::SignedDuration),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `now`
    Now,
    /// A bare name: a `let`, a classification, a field, a quantifier variable or a
    /// classification value, told apart by `check`.
    Name(String),
    /// `BASE.field`
    Field(Box<Expr>, Ident),
    /// `not X`, `-X`
    Unary(UnaryOp, Box<Expr>),
    /// `A op B`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `X is missing` (`false`) or `X is present` (`true`)
    Presence(Box<Expr>, bool),
    /// `any x in LIST: COND`, `all x in LIST: COND`
    Quantifier {
        /// `any` or `all`.
        kind: Quantifier,
        /// The bound variable.
        var: Ident,
        /// What it ranges over.
        list: Box<Expr>,
        /// The condition.
        body: Box<Expr>,
    },
    /// `count(x in LIST where COND)`, `sum(VALUE for x in LIST where COND)`
    Aggregate {
        /// Which aggregate.
        kind: Aggregate,
        /// The value aggregated (absent for `count`).
        value: Option<Box<Expr>>,
        /// The bound variable.
        var: Ident,
        /// What it ranges over.
        list: Box<Expr>,
        /// The filter.
        filter: Option<Box<Expr>>,
    },
    /// `name(args…)`
    Call(Ident, Vec<Expr>),
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// An infix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
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
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `contains`
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
    /// `matches`
    Matches,
    /// `within`
    Within,
    /// `before`
    Before,
    /// `after`
    After,
    /// `??`
    Coalesce,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Contains => "contains",
            BinaryOp::StartsWith => "starts_with",
            BinaryOp::EndsWith => "ends_with",
            BinaryOp::Matches => "matches",
            BinaryOp::Within => "within",
            BinaryOp::Before => "before",
            BinaryOp::After => "after",
            BinaryOp::Coalesce => "??",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

/// `any` or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// true when some element satisfies the condition
    Any,
    /// true when every element does (true on an empty list)
    All,
}

impl Quantifier {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Quantifier::Any => "any",
            Quantifier::All => "all",
        }
    }
}

/// An aggregate over a filtered list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// number of elements that pass the filter
    Count,
    /// sum of a value
    Sum,
    /// smallest value
    Min,
    /// largest value
    Max,
}

impl Aggregate {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
        }
    }
}

/// Calls `f` on `expr` and every expression inside it, outermost first.
pub fn walk_expr<'a>(expr: &'a Expr, f: &mut impl FnMut(&'a Expr)) {
    f(expr);
    match &expr.node {
        ExprKind::List(items) | ExprKind::Call(_, items) => {
            items.iter().for_each(|e| walk_expr(e, f))
        }
        ExprKind::Field(base, _) | ExprKind::Unary(_, base) | ExprKind::Presence(base, _) => {
            walk_expr(base, f)
        }
        ExprKind::Binary(_, a, b) => {
            walk_expr(a, f);
            walk_expr(b, f);
        }
        ExprKind::Quantifier { list, body, .. } => {
            walk_expr(list, f);
            walk_expr(body, f);
        }
        ExprKind::Aggregate {
            value,
            list,
            filter,
            ..
        } => {
            walk_expr(list, f);
            if let Some(v) = value {
                walk_expr(v, f);
            }
            if let Some(c) = filter {
                walk_expr(c, f);
            }
        }
        ExprKind::Bool(_)
        | ExprKind::Number(_)
        | ExprKind::String(_)
        | ExprKind::Date(_)
        | ExprKind::DateTime(_)
        | ExprKind::Duration(_)
        | ExprKind::Now
        | ExprKind::Name(_) => {}
    }
}
