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

    /// The expressions written in the item: a `let`'s value, a classification's guard and
    /// row conditions (none for a schema).
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        let (value, class) = match self {
            Item::Let(l) => (Some(&l.value), None),
            Item::Classify(c) => (None, Some(c)),
            Item::Schema(_) => (None, None),
        };
        value
            .into_iter()
            .chain(class.into_iter().flat_map(Classify::conditions))
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

impl Classify {
    /// The guard, then the row conditions, in order.
    pub fn conditions(&self) -> impl Iterator<Item = &Expr> {
        self.guard.iter().chain(self.rows.iter().map(|r| &r.cond))
    }
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

impl ExprKind {
    /// The variable a quantifier or aggregate binds.
    pub fn bound_var(&self) -> Option<&Ident> {
        match self {
            ExprKind::Quantifier { var, .. } | ExprKind::Aggregate { var, .. } => Some(var),
            _ => None,
        }
    }

    /// The direct sub-expressions, each with the variable of this node in scope there
    /// ([`ExprKind::bound_var`]), if any. The list a variable ranges over comes first
    /// (outside the scope), then the expressions inside it: `value`, then `filter`.
    ///
    /// This is *the* AST walker: every traversal of expressions goes through it, so a
    /// new form of expression is taught to all of them here.
    pub fn children(&self) -> impl Iterator<Item = (&Expr, Option<&Ident>)> {
        let none: [Option<&Expr>; 2] = [None, None];
        let (items, outside, inside): (&[Expr], _, _) = match self {
            ExprKind::List(items) | ExprKind::Call(_, items) => (items, none, none),
            ExprKind::Field(x, _) | ExprKind::Unary(_, x) | ExprKind::Presence(x, _) => {
                (&[], [Some(&**x), None], none)
            }
            ExprKind::Binary(_, a, b) => (&[], [Some(&**a), Some(&**b)], none),
            ExprKind::Quantifier { list, body, .. } => {
                (&[], [Some(&**list), None], [Some(&**body), None])
            }
            ExprKind::Aggregate {
                value,
                list,
                filter,
                ..
            } => (
                &[],
                [Some(&**list), None],
                [value.as_deref(), filter.as_deref()],
            ),
            ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Date(_)
            | ExprKind::DateTime(_)
            | ExprKind::Duration(_)
            | ExprKind::Now
            | ExprKind::Name(_) => (&[], none, none),
        };
        let var = self.bound_var();
        items
            .iter()
            .chain(outside.into_iter().flatten())
            .map(|e| (e, None))
            .chain(inside.into_iter().flatten().map(move |e| (e, var)))
    }
}

/// Calls `f` on `expr` and every expression inside it, outermost first.
pub fn walk_expr<'a>(expr: &'a Expr, f: &mut impl FnMut(&'a Expr)) {
    f(expr);
    for (child, _) in expr.node.children() {
        walk_expr(child, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn let_value(text: &str) -> Expr {
        let mut sources = crate::source::SourceMap::new();
        let id = sources.add("t.qual", text);
        let (file, diagnostics) = crate::syntax::parse_file(id, sources.get(id));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        match file.items.into_iter().next() {
            Some(Item::Let(l)) => l.value,
            other => panic!("not a let: {other:?}"),
        }
    }

    #[test]
    fn children_put_the_list_outside_the_variables_scope() {
        let e = let_value("let x = sum(e.a for e in events where e.b)");
        let children: Vec<(String, Option<&str>)> = e
            .node
            .children()
            .map(|(c, var)| (format!("{:?}", c.node), var.map(|v| v.node.as_str())))
            .collect();
        assert_eq!(children.len(), 3);
        assert!(children[0].0.contains("events") && children[0].1.is_none());
        assert!(children[1].0.contains("\"a\"") && children[1].1 == Some("e"));
        assert!(children[2].0.contains("\"b\"") && children[2].1 == Some("e"));
    }

    #[test]
    fn walk_expr_visits_outermost_first() {
        let e = let_value("let x = not (a and [b, c] contains d)");
        let mut names = Vec::new();
        walk_expr(&e, &mut |e| {
            if let ExprKind::Name(n) = &e.node {
                names.push(n.as_str());
            }
        });
        assert_eq!(names, ["a", "b", "c", "d"]);
    }
}
