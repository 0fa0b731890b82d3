//! Typing of expressions, rows and guards.

use super::ir::{self, Const, Expr, ExprKind, Func, ROOT, Record, RecordId, Type};
use super::{Checker, Global, suggest};
use crate::ast::{self, Aggregate, BinaryOp, UnaryOp};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;

/// Where a quantifier variable's values come from, so that a rule set without schema can
/// learn that the list holds records.
#[derive(Debug, Clone, Copy)]
pub(super) struct Origin {
    record: RecordId,
    field: usize,
}

fn error(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        ty: Type::Error,
        span,
    }
}

fn typed(kind: ExprKind, ty: Type, span: Span) -> Expr {
    Expr { kind, ty, span }
}

impl Checker<'_> {
    pub(super) fn check_let(&mut self, id: ir::LetId) {
        let ast = self.let_asts[id];
        let expr = self.expr(&ast.value, None);
        self.rules.lets[id].expr = expr;
        self.checked_lets[id] = true;
    }

    pub(super) fn check_class(&mut self, id: ir::ClassId) {
        let ast = self.class_asts[id];
        if let Some(guard) = &ast.guard {
            let guard = self.condition(guard, "a guard");
            self.rules.classes[id].guard = Some(guard);
        }
        for (i, row) in ast.rows.iter().enumerate() {
            let cond = self.condition(&row.cond, "a row");
            self.rules.classes[id].rows[i].cond = cond;
        }
    }

    /// Checks an expression that must be true, false or unknown.
    fn condition(&mut self, ast: &ast::Expr, what: &str) -> Expr {
        let expr = self.expr(ast, None);
        if !matches!(expr.ty, Type::Bool) && !expr.ty.is_open() {
            let described = self.rules.describe(&expr.ty);
            let help = match &expr.ty {
                Type::Class(c) => {
                    let class = &self.rules.classes[*c];
                    let value = class.values.first().map_or("…", |v| v.node.as_str());
                    format!("compare it with a value: `{} == {value}`", class.name.node)
                }
                Type::Number => "compare it with a number, e.g. `… > 0`".to_string(),
                Type::List(_) => "use `any x in …: CONDITION` or `count(…) > 0`".to_string(),
                _ => "write a comparison or another condition".to_string(),
            };
            self.report(
                Diagnostic::new(
                    Code::NotACondition,
                    expr.span,
                    format!("{what} must be a condition, but this is {described}"),
                )
                .with_label(format!("this is {described}"))
                .with_help(help),
            );
        }
        expr
    }

    /// Types `ast`. `expect` is the type the context would like, used to resolve
    /// classification values (`prospect` in `stage == prospect`) and to check literals.
    pub(super) fn expr(&mut self, ast: &ast::Expr, expect: Option<&Type>) -> Expr {
        let span = ast.span;
        match &ast.node {
            ast::ExprKind::Bool(b) => typed(ExprKind::Const(Const::Bool(*b)), Type::Bool, span),
            ast::ExprKind::Number(n) => {
                typed(ExprKind::Const(Const::Number(*n)), Type::Number, span)
            }
            ast::ExprKind::String(s) => typed(
                ExprKind::Const(Const::String(s.clone())),
                Type::String,
                span,
            ),
            ast::ExprKind::Date(d) => typed(ExprKind::Const(Const::Date(*d)), Type::Date, span),
            ast::ExprKind::DateTime(t) => {
                typed(ExprKind::Const(Const::DateTime(*t)), Type::DateTime, span)
            }
            ast::ExprKind::Duration(d) => {
                typed(ExprKind::Const(Const::Duration(*d)), Type::Duration, span)
            }
            ast::ExprKind::Now => typed(ExprKind::Now, Type::DateTime, span),
            ast::ExprKind::List(items) => self.list(items, expect, span),
            ast::ExprKind::Name(name) => self.name(name, span, expect),
            ast::ExprKind::Field(base, name) => self.field(base, name, span),
            ast::ExprKind::Unary(op, operand) => self.unary(*op, operand, span),
            ast::ExprKind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs, span),
            ast::ExprKind::Presence(operand, present) => {
                let operand = self.expr(operand, None);
                typed(
                    ExprKind::Presence(Box::new(operand), *present),
                    Type::Bool,
                    span,
                )
            }
            ast::ExprKind::Quantifier {
                kind,
                var,
                list,
                body,
            } => {
                let list = self.expr(list, None);
                let (element, origin) = self.element_type(&list);
                self.scope.push((var.node.clone(), element, origin));
                let level = self.scope.len() - 1;
                let body = self.condition(body, "the condition of a quantifier");
                self.scope.pop();
                typed(
                    ExprKind::Quantifier {
                        kind: *kind,
                        level,
                        var: var.clone(),
                        list: Box::new(list),
                        body: Box::new(body),
                    },
                    Type::Bool,
                    span,
                )
            }
            ast::ExprKind::Aggregate {
                kind,
                value,
                var,
                list,
                filter,
            } => self.aggregate(*kind, value.as_deref(), var, list, filter.as_deref(), span),
            ast::ExprKind::Call(name, args) => self.call(name, args, span),
        }
    }

    fn list(&mut self, items: &[ast::Expr], expect: Option<&Type>, span: Span) -> Expr {
        let element_expect = match expect {
            Some(Type::List(t)) => Some((**t).clone()),
            _ => None,
        };
        let mut element: Option<Type> = None;
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let want = element_expect.clone().or_else(|| element.clone());
            let e = self.expr(item, want.as_ref());
            match &element {
                None if !e.ty.is_open() => element = Some(e.ty.clone()),
                Some(t) if !e.ty.is_open() && !comparable(t, &e.ty) => {
                    let (have, want) = (self.rules.describe(&e.ty), self.rules.describe(t));
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            e.span,
                            format!("a list mixes {want} and {have}"),
                        )
                        .with_label(format!("this is {have}"))
                        .with_help("all values of a list have one type"),
                    );
                }
                _ => {}
            }
            checked.push(e);
        }
        let ty = match element {
            Some(Type::Enum(_)) => Type::List(Box::new(Type::String)),
            Some(t) => Type::List(Box::new(t)),
            None if items.is_empty() => Type::EmptyList,
            None => Type::List(Box::new(Type::Error)),
        };
        typed(ExprKind::List(checked), ty, span)
    }

    fn name(&mut self, name: &str, span: Span, expect: Option<&Type>) -> Expr {
        if let Some(level) = self.scope.iter().rposition(|(n, _, _)| n == name) {
            let ty = self.scope[level].1.clone();
            return typed(ExprKind::Local(level), ty, span);
        }
        match self.globals.get(name) {
            Some(&Global::Let(id)) => {
                let ty = if self.checked_lets[id] {
                    self.rules.lets[id].expr.ty.clone()
                } else {
                    Type::Error // part of a cycle, already reported
                };
                return typed(ExprKind::Let(id), ty, span);
            }
            Some(&Global::Class(id)) => return typed(ExprKind::Class(id), Type::Class(id), span),
            None => {}
        }
        if let Some(Type::Class(c)) = expect
            && let Some(value) = self.rules.classes[*c]
                .values
                .iter()
                .position(|v| v.node == name)
        {
            return typed(ExprKind::ClassValue(*c, value), Type::Class(*c), span);
        }
        if let Some(field) = self.rules.records[ROOT].field(name) {
            let ty = self.rules.records[ROOT].fields[field].ty.clone();
            return typed(
                ExprKind::Field {
                    base: None,
                    record: ROOT,
                    field,
                },
                ty,
                span,
            );
        }
        if self.broken_names.contains(name) {
            return error(span);
        }
        // compared with something that already has an error (e.g. a classification whose
        // definition did not parse): the name is probably one of its values
        if matches!(expect, Some(Type::Error))
            || matches!(expect, Some(Type::List(t)) if **t == Type::Error)
        {
            return error(span);
        }
        if let Some(Type::Class(c)) = expect {
            let class = &self.rules.classes[*c];
            let values: Vec<&str> = class.values.iter().map(|v| v.node.as_str()).collect();
            let help = match did_you_mean(name, values.iter().copied()) {
                _ if name == "none" => format!(
                    "a contact that gets no value has `{} is missing`; `none` is not a value",
                    class.name.node
                ),
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("`{}` can be {}", class.name.node, list_words(&values)),
            };
            let message = format!("`{}` has no value `{name}`", class.name.node);
            self.report(
                Diagnostic::new(Code::UnknownEnumValue, span, message)
                    .with_label("not a value of this classification")
                    .with_secondary(
                        class.name.span,
                        format!("`{}` is defined here", class.name.node),
                    )
                    .with_help(help),
            );
            return error(span);
        }
        if let Some(class) = self
            .rules
            .classes
            .iter()
            .find(|c| c.values.iter().any(|v| v.node == name))
        {
            let message = format!(
                "`{name}` is a value of `{}`, not a condition or a value on its own",
                class.name.node
            );
            let help = format!(
                "compare the classification with it: `{} == {name}`",
                class.name.node
            );
            self.report(
                Diagnostic::new(Code::ValueMisused, span, message)
                    .with_label("a classification value")
                    .with_help(help),
            );
            return error(span);
        }
        if self.rules.records[ROOT].dynamic {
            return self.dynamic_field(ROOT, None, name, span);
        }
        // other languages' words for "no value": the language tests missing-ness instead
        if matches!(
            name,
            "null" | "nil" | "none" | "undefined" | "None" | "NULL"
        ) {
            self.report(
                Diagnostic::new(
                    Code::UnknownName,
                    span,
                    format!("there is no `{name}` value"),
                )
                .with_label("not a value")
                .with_help("test for a value with `is present` or `is missing` (`budget_eur is missing`, `stage is present`), or give a default with `??`"),
            );
            return error(span);
        }
        let help = self
            .closest_name(name)
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| {
                "define it with `let`, declare it as a schema field, or check the spelling"
                    .to_string()
            });
        self.report(
            Diagnostic::new(Code::UnknownName, span, format!("unknown name `{name}`"))
                .with_label("not defined")
                .with_help(help),
        );
        error(span)
    }

    /// The quantifier variable, definition or top-level field `name` most likely
    /// misspells, as `did_you_mean` over all of them chooses (see [`super::suggest`]).
    fn closest_name(&mut self, name: &str) -> Option<String> {
        let in_scope = suggest::closest_of(name, self.scope.iter().map(|(n, _, _)| n.as_str()))
            .map(|(d, c)| (d, c.to_string()));
        let (globals, fields) = (&self.globals, &self.rules.records[ROOT].fields);
        let defined = self
            .suggestions
            .get_or_insert_with(|| {
                suggest::Suggestions::new(
                    globals
                        .keys()
                        .map(String::as_str)
                        .chain(fields.iter().map(|f| f.name.as_str())),
                )
            })
            .closest(name);
        in_scope.into_iter().chain(defined).min().map(|(_, c)| c)
    }

    /// Whether `name` is defined nowhere: not a variable, definition, field or value.
    fn is_undefined(&self, name: &str) -> bool {
        !self.scope.iter().any(|(n, _, _)| n == name)
            && !self.globals.contains_key(name)
            && self.rules.records[ROOT].field(name).is_none()
            && !self.broken_names.contains(name)
            && !self
                .rules
                .classes
                .iter()
                .any(|c| c.values.iter().any(|v| v.node == name))
    }

    fn unknown_top_field(&mut self, name: &str, span: Span) -> Expr {
        let root = &self.rules.records[ROOT];
        let names: Vec<&str> = root.fields.iter().map(|f| f.name.as_str()).collect();
        let help = match did_you_mean(name, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the contact's fields are {}", list_words(&names)),
        };
        self.report(
            Diagnostic::new(Code::UnknownField, span, format!("unknown field `{name}`"))
                .with_label("the schema declares no such field")
                .with_help(help),
        );
        error(span)
    }

    /// A field that a rule set without schema reads: added to its record on first use.
    fn dynamic_field(
        &mut self,
        record: RecordId,
        base: Option<Expr>,
        name: &str,
        span: Span,
    ) -> Expr {
        let field = match self.rules.records[record].field(name) {
            Some(f) => f,
            None => {
                self.rules.records[record].fields.push(ir::Field {
                    name: name.to_string(),
                    ty: Type::Dynamic,
                    optional: true,
                    decl: None,
                });
                self.rules.records[record].fields.len() - 1
            }
        };
        let ty = self.rules.records[record].fields[field].ty.clone();
        typed(
            ExprKind::Field {
                base: base.map(Box::new),
                record,
                field,
            },
            ty,
            span,
        )
    }

    fn new_dynamic_record(&mut self, path: String) -> RecordId {
        self.rules.records.push(Record {
            path,
            fields: Vec::new(),
            dynamic: true,
        });
        self.rules.records.len() - 1
    }

    fn field(&mut self, base: &ast::Expr, name: &ast::Ident, span: Span) -> Expr {
        if let ast::ExprKind::Name(head) = &base.node
            && self.is_undefined(head)
            && !self.rules.records[ROOT].dynamic
        {
            // `compnay.size`: the head of a field path is a field, so say so
            return self.unknown_top_field(head, base.span);
        }
        let mut base = self.expr(base, None);
        if base.ty == Type::Dynamic {
            // Without schema, `x.name` tells us that `x` holds a record.
            let record = match base.kind {
                ExprKind::Field { record, field, .. } => {
                    let path = self.rules.field_path(record, field);
                    let new = self.new_dynamic_record(path);
                    self.rules.records[record].fields[field].ty = Type::Record(new);
                    Some(new)
                }
                ExprKind::Local(level) => match self.scope[level].2 {
                    Some(origin) => {
                        let path =
                            format!("{}[]", self.rules.field_path(origin.record, origin.field));
                        let new = self.new_dynamic_record(path);
                        self.rules.records[origin.record].fields[origin.field].ty =
                            Type::List(Box::new(Type::Record(new)));
                        self.scope[level].1 = Type::Record(new);
                        Some(new)
                    }
                    None => None,
                },
                _ => None,
            };
            match record {
                Some(r) => base.ty = Type::Record(r),
                None => {
                    // a computed value has no record layout to decode into
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            base.span,
                            format!(
                                "cannot read field `{}` of a computed value in a rule set without schema",
                                name.node
                            ),
                        )
                        .with_label("not a field of the contact or of a list element")
                        .with_help(format!(
                            "read the field from each source (`a.{0} ?? b.{0}`), or declare a schema",
                            name.node
                        )),
                    );
                    return error(span);
                }
            }
        }
        match base.ty.clone() {
            Type::Record(record) => {
                if let Some(field) = self.rules.records[record].field(&name.node) {
                    let ty = self.rules.records[record].fields[field].ty.clone();
                    return typed(
                        ExprKind::Field {
                            base: Some(Box::new(base)),
                            record,
                            field,
                        },
                        ty,
                        span,
                    );
                }
                if self.rules.records[record].dynamic {
                    return self.dynamic_field(record, Some(base), &name.node, span);
                }
                let rec = &self.rules.records[record];
                let path = if rec.path.is_empty() {
                    name.node.clone()
                } else {
                    format!("{}.{}", rec.path, name.node)
                };
                let names: Vec<&str> = rec.fields.iter().map(|f| f.name.as_str()).collect();
                let help = match did_you_mean(&name.node, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => "this record declares no fields".to_string(),
                    None => format!("the fields here are {}", list_words(&names)),
                };
                let owner = if rec.path.is_empty() {
                    "the contact".to_string()
                } else {
                    format!("`{}`", rec.path)
                };
                self.report(
                    Diagnostic::new(
                        Code::UnknownField,
                        name.span,
                        format!("unknown field `{path}`"),
                    )
                    .with_label(format!("{owner} has no field `{}`", name.node))
                    .with_help(help),
                );
                error(span)
            }
            Type::Error => error(span),
            other => {
                let described = self.rules.describe(&other);
                let mut d = Diagnostic::new(
                    Code::TypeMismatch,
                    name.span,
                    format!("{described} has no field `{}`", name.node),
                )
                .with_label("no such field")
                .with_secondary(base.span, format!("this is {described}"));
                if matches!(other, Type::List(_)) {
                    // `events.kind == "call"`: the elements have the field, the list does not
                    d = d.with_help(format!(
                        "ask about the elements with a quantifier, e.g. `any e in LIST: e.{} == …`",
                        name.node
                    ));
                }
                self.report(d);
                error(span)
            }
        }
    }

    /// The element type of a list being ranged over, reporting a value that is not a list.
    fn element_type(&mut self, list: &Expr) -> (Type, Option<Origin>) {
        match &list.ty {
            Type::List(t) => {
                let origin = match list.kind {
                    ExprKind::Field { record, field, .. } => Some(Origin { record, field }),
                    _ => None,
                };
                ((**t).clone(), origin)
            }
            Type::Dynamic => match list.kind {
                ExprKind::Field { record, field, .. } => {
                    self.rules.records[record].fields[field].ty =
                        Type::List(Box::new(Type::Dynamic));
                    (Type::Dynamic, Some(Origin { record, field }))
                }
                _ => (Type::Dynamic, None),
            },
            Type::Error | Type::EmptyList => (Type::Error, None),
            other => {
                let described = self.rules.describe(other);
                self.report(
                    Diagnostic::new(
                        Code::NotAList,
                        list.span,
                        format!("expected a list to range over, found {described}"),
                    )
                    .with_label(format!("this is {described}"))
                    .with_help("`any`, `all`, `count`, `sum`, `min` and `max` range over a list field such as `events`"),
                );
                (Type::Error, None)
            }
        }
    }

    fn aggregate(
        &mut self,
        kind: Aggregate,
        value: Option<&ast::Expr>,
        var: &ast::Ident,
        list: &ast::Expr,
        filter: Option<&ast::Expr>,
        span: Span,
    ) -> Expr {
        let list = self.expr(list, None);
        let (element, origin) = self.element_type(&list);
        self.scope.push((var.node.clone(), element, origin));
        let level = self.scope.len() - 1;
        let filter = filter.map(|f| Box::new(self.condition(f, "a `where` filter")));
        let value = value.map(|v| Box::new(self.expr(v, None)));
        self.scope.pop();
        let ty = match (kind, &value) {
            (Aggregate::Count, None) => Type::Number,
            (Aggregate::Count, Some(v)) => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        v.span,
                        "`count` counts elements; it takes no value",
                    )
                    .with_label("remove this value and `for`")
                    .with_help("write `count(e in events where CONDITION)`"),
                );
                Type::Number
            }
            (_, None) => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        span,
                        format!("`{}` needs a value to aggregate", kind.keyword()),
                    )
                    .with_label("no value given")
                    .with_help(format!(
                        "write `{}(e.amount for e in LIST where CONDITION)`",
                        kind.keyword()
                    )),
                );
                Type::Error
            }
            (Aggregate::Sum, Some(v)) => match &v.ty {
                Type::Number | Type::Duration => v.ty.clone(),
                t if t.is_open() => t.clone(),
                other => {
                    self.type_error(v.span, "`sum` adds numbers or durations", other);
                    Type::Error
                }
            },
            (_, Some(v)) => match &v.ty {
                Type::Number | Type::Duration | Type::Date | Type::DateTime | Type::String => {
                    v.ty.clone()
                }
                Type::Enum(_) => Type::String,
                t if t.is_open() => t.clone(),
                other => {
                    let message = format!("`{}` needs values that can be ordered", kind.keyword());
                    self.type_error(v.span, &message, other);
                    Type::Error
                }
            },
        };
        typed(
            ExprKind::Aggregate {
                kind,
                level,
                var: var.clone(),
                list: Box::new(list),
                value,
                filter,
            },
            ty,
            span,
        )
    }

    fn type_error(&mut self, span: Span, message: &str, found: &Type) {
        let described = self.rules.describe(found);
        self.report(
            Diagnostic::new(Code::TypeMismatch, span, message.to_string())
                .with_label(format!("this is {described}")),
        );
    }

    fn unary(&mut self, op: UnaryOp, operand: &ast::Expr, span: Span) -> Expr {
        match op {
            UnaryOp::Not => {
                let operand = self.expr(operand, None);
                self.expect_condition(&operand, "`not`");
                typed(ExprKind::Not(Box::new(operand)), Type::Bool, span)
            }
            UnaryOp::Neg => {
                let operand = self.expr(operand, None);
                let ty = match &operand.ty {
                    Type::Number | Type::Duration => operand.ty.clone(),
                    t if t.is_open() => t.clone(),
                    other => {
                        self.type_error(operand.span, "`-` negates numbers and durations", other);
                        Type::Error
                    }
                };
                typed(ExprKind::Neg(Box::new(operand)), ty, span)
            }
        }
    }

    fn expect_condition(&mut self, operand: &Expr, op: &str) {
        if operand.ty != Type::Bool && !operand.ty.is_open() {
            let described = self.rules.describe(&operand.ty);
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    operand.span,
                    format!("{op} needs a condition, but this is {described}"),
                )
                .with_label(format!("this is {described}"))
                .with_help("write a comparison, e.g. `budget_eur >= 1000`"),
            );
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &ast::Expr, rhs: &ast::Expr, span: Span) -> Expr {
        use BinaryOp::*;
        let l = self.expr(lhs, None);
        let rhs_expect = match op {
            Eq | Ne | Coalesce => Some(l.ty.clone()),
            In | NotIn => Some(Type::List(Box::new(l.ty.clone()))),
            _ => None,
        };
        let r = self.expr(rhs, rhs_expect.as_ref());
        let ty = match op {
            And | Or => {
                self.expect_condition(&l, &format!("`{}`", op.symbol()));
                self.expect_condition(&r, &format!("`{}`", op.symbol()));
                Type::Bool
            }
            Eq | Ne => {
                if !comparable(&l.ty, &r.ty) {
                    self.mismatch(op, &l, &r, "can only compare values of the same type");
                } else {
                    self.check_enum_literal(&l.ty, &r);
                    self.check_enum_literal(&r.ty, &l);
                }
                Type::Bool
            }
            Lt | Le | Gt | Ge => {
                if !comparable(&l.ty, &r.ty) || !orderable(&l.ty) || !orderable(&r.ty) {
                    self.mismatch(
                        op,
                        &l,
                        &r,
                        "orders numbers, dates, datetimes, durations or text",
                    );
                }
                Type::Bool
            }
            In | NotIn => {
                match &r.ty {
                    Type::List(element) => {
                        if !comparable(&l.ty, element) {
                            self.mismatch(
                                op,
                                &l,
                                &r,
                                "tests whether a value is one of a list of values of its type",
                            );
                        } else {
                            self.check_enum_list(&l.ty, &r);
                        }
                    }
                    Type::EmptyList => {}
                    t if t.is_open() => {}
                    _ => self.mismatch(
                        op,
                        &l,
                        &r,
                        "needs a list on its right, e.g. `x in [\"a\", \"b\"]`",
                    ),
                }
                Type::Bool
            }
            Contains => {
                let ok = match (&l.ty, &r.ty) {
                    (Type::List(e), t) => comparable(e, t),
                    (a, b) => text_or_open(a) && text_or_open(b),
                };
                if !ok {
                    self.mismatch(
                        op,
                        &l,
                        &r,
                        "looks for text in text, or for a value in a list",
                    );
                }
                Type::Bool
            }
            StartsWith | EndsWith => {
                if !text_or_open(&l.ty) || !text_or_open(&r.ty) {
                    self.mismatch(op, &l, &r, "works on text");
                }
                Type::Bool
            }
            Matches => {
                if !text_or_open(&l.ty) {
                    self.mismatch(op, &l, &r, "works on text");
                }
                self.check_regex(&r);
                Type::Bool
            }
            Within => {
                if !time_or_open(&l.ty) || !(r.ty == Type::Duration || r.ty.is_open()) {
                    self.mismatch(op, &l, &r, "takes a date or datetime on the left and a duration on the right, e.g. `e.at within 30 days`");
                }
                Type::Bool
            }
            Before | After => {
                if !time_or_open(&l.ty) || !time_or_open(&r.ty) {
                    self.mismatch(op, &l, &r, "compares dates or datetimes");
                }
                Type::Bool
            }
            Coalesce => {
                if !comparable(&l.ty, &r.ty) {
                    self.mismatch(op, &l, &r, "needs a default of the same type as the value");
                }
                if l.ty == Type::Error || r.ty == Type::Error {
                    // a side that did not type says nothing about the whole: taking the
                    // other side's type would report the same mistake again further on
                    Type::Error
                } else if l.ty.is_open() {
                    r.ty.clone()
                } else {
                    l.ty.clone()
                }
            }
            Add | Sub => match (&l.ty, &r.ty) {
                (Type::Number, Type::Number) => Type::Number,
                (Type::Duration, Type::Duration) => Type::Duration,
                (t, Type::Duration) if t.is_time() => Type::DateTime,
                (Type::Duration, t) if t.is_time() && op == Add => Type::DateTime,
                (a, b) if a.is_time() && b.is_time() && op == Sub => Type::Duration,
                (a, b) if a.is_open() || b.is_open() => open_result(a, b),
                _ => {
                    self.mismatch(
                        op,
                        &l,
                        &r,
                        "adds or subtracts numbers, or durations to and from times",
                    );
                    Type::Error
                }
            },
            Mul | Div => match (&l.ty, &r.ty) {
                (Type::Number, Type::Number) => Type::Number,
                (Type::Duration, Type::Number) => Type::Duration,
                (Type::Number, Type::Duration) if op == Mul => Type::Duration,
                (a, b) if a.is_open() || b.is_open() => open_result(a, b),
                _ => {
                    self.mismatch(op, &l, &r, "works on numbers");
                    Type::Error
                }
            },
        };
        typed(ExprKind::Binary(op, Box::new(l), Box::new(r)), ty, span)
    }

    fn mismatch(&mut self, op: BinaryOp, l: &Expr, r: &Expr, what: &str) {
        if l.ty == Type::Error || r.ty == Type::Error {
            return;
        }
        let (lt, rt) = (self.rules.describe(&l.ty), self.rules.describe(&r.ty));
        let help = match (&l.ty, &r.ty) {
            (Type::Number, Type::String) | (Type::String, Type::Number) => {
                let text = if l.ty == Type::String { l } else { r };
                match &text.kind {
                    // a quoted number in the rules
                    ExprKind::Const(Const::String(_)) => {
                        Some("write numbers without quotes: `50`, not `\"50\"`".to_string())
                    }
                    // a field the schema declares as text: the schema is where to change it
                    ExprKind::Field { record, field, .. } => Some(format!(
                        "`{}` is text in the schema; if it holds numbers, declare it as `number`",
                        self.rules.field_path(*record, *field)
                    )),
                    _ => None,
                }
            }
            (Type::Class(c), Type::String) | (Type::String, Type::Class(c)) => Some(format!(
                "classification values are names, not text: write `{} == {}` without quotes",
                self.rules.classes[*c].name.node,
                self.rules.classes[*c]
                    .values
                    .first()
                    .map_or("…", |v| v.node.as_str())
            )),
            (t, Type::Number) if t.is_time() => {
                Some("write a duration with its unit, e.g. `30 days`".to_string())
            }
            _ => None,
        };
        // the right operand is where the mismatch shows; the left one explains it
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                r.span,
                format!("`{}` {what}, but got {lt} and {rt}", op.symbol()),
            )
            .with_label(format!("this is {rt}"))
            .with_secondary(l.span, format!("this is {lt}"))
            .with_help_opt(help),
        );
    }

    /// `seniority == "directr"`: the literal must be one of the enumeration's values.
    fn check_enum_literal(&mut self, ty: &Type, literal: &Expr) {
        let (Type::Enum(e), ExprKind::Const(Const::String(s))) = (ty, &literal.kind) else {
            return;
        };
        let values = &self.rules.enums[*e];
        if values.contains(s) {
            return;
        }
        let help = match did_you_mean(s, values.iter().map(String::as_str)) {
            Some(v) => format!("did you mean `\"{v}\"`?"),
            None => {
                let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
                format!("the values are {}", list_words(&quoted))
            }
        };
        self.report(
            Diagnostic::new(
                Code::UnknownEnumValue,
                literal.span,
                format!("`\"{s}\"` is not a value this field can have"),
            )
            .with_label("not in the schema's `one of` list")
            .with_help(help),
        );
    }

    /// Each literal of a list compared with an enumeration, looking through `let`s.
    fn check_enum_list(&mut self, ty: &Type, list: &Expr) {
        match &list.kind {
            ExprKind::List(items) => {
                for item in items.clone() {
                    self.check_enum_literal(ty, &item);
                }
            }
            ExprKind::Let(id) => {
                let target = self.rules.lets[*id].expr.clone();
                self.check_enum_list(ty, &target);
            }
            _ => {}
        }
    }

    fn check_regex(&mut self, pattern: &Expr) {
        match &pattern.kind {
            ExprKind::Const(Const::String(p)) => {
                if self.regexes.contains(p) {
                    return;
                }
                self.regexes.push(p.clone());
                if let Err(e) = regex::Regex::new(p) {
                    let reason = regex_reason(&e);
                    self.report(
                        Diagnostic::new(
                            Code::InvalidRegex,
                            pattern.span,
                            format!("invalid regular expression `{p}`"),
                        )
                        .with_label(reason)
                        .with_help(
                            "patterns use Rust `regex` syntax: no backreferences or look-around",
                        ),
                    );
                }
            }
            ExprKind::Error => {}
            _ => self.report(
                Diagnostic::new(
                    Code::InvalidRegex,
                    pattern.span,
                    "the pattern after `matches` must be a string literal",
                )
                .with_label("not a literal")
                .with_help(
                    "write the pattern in the rule, e.g. `email matches \"@example\\\\.com$\"`",
                ),
            ),
        }
    }

    fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let func = match name.node.as_str() {
            "lower" => Func::Lower,
            "days_since" => Func::DaysSince,
            "abs" => Func::Abs,
            "count" | "sum" | "min" | "max" => {
                // an aggregate written like a function: say how it is written, and do not
                // check its argument, whose variable is then unknown (one mistake, one message)
                let form = if name.node == "count" {
                    "`count(e in LIST)` or `count(e in LIST where CONDITION)`".to_string()
                } else {
                    format!(
                        "`{0}(e.FIELD for e in LIST)`, e.g. `{0}(e.amount_eur for e in events)`",
                        name.node
                    )
                };
                self.report(
                    Diagnostic::new(
                        Code::BadCall,
                        span,
                        format!("`{}` is an aggregate, not a function", name.node),
                    )
                    .with_label("an aggregate names the variable it ranges over")
                    .with_help(format!("write {form}")),
                );
                return error(span);
            }
            other => {
                let help = if crate::syntax::keywords::is_word_operator(other) {
                    format!("`{other}` goes between its operands: `A {other} B`")
                } else {
                    match did_you_mean(other, ["lower", "days_since", "abs"]) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "the functions are `lower`, `days_since` and `abs`".to_string(),
                    }
                };
                self.report(
                    Diagnostic::new(
                        Code::BadCall,
                        name.span,
                        format!("unknown function `{other}`"),
                    )
                    .with_label("not a function")
                    .with_help(help),
                );
                for a in args {
                    self.expr(a, None);
                }
                return error(span);
            }
        };
        let checked: Vec<Expr> = args.iter().map(|a| self.expr(a, None)).collect();
        if checked.len() != 1 {
            self.report(
                Diagnostic::new(
                    Code::BadCall,
                    span,
                    format!("`{}` takes 1 argument, got {}", func.name(), checked.len()),
                )
                .with_label("wrong number of arguments"),
            );
            return error(span);
        }
        let arg = &checked[0];
        let (ok, ty, wants) = match func {
            Func::Lower => (text_or_open(&arg.ty), Type::String, "text"),
            Func::DaysSince => (time_or_open(&arg.ty), Type::Number, "a date or datetime"),
            Func::Abs => (
                arg.ty == Type::Number || arg.ty.is_open(),
                Type::Number,
                "a number",
            ),
        };
        if !ok {
            let message = format!("`{}` takes {wants}", func.name());
            self.type_error(arg.span, &message, &arg.ty.clone());
            return error(span);
        }
        typed(ExprKind::Call(func, checked), ty, span)
    }
}

/// The type of arithmetic on an operand of open type: an error stays an error (so it is
/// reported once); otherwise the result is known only at run time.
fn open_result(a: &Type, b: &Type) -> Type {
    if *a == Type::Error || *b == Type::Error {
        Type::Error
    } else {
        Type::Dynamic
    }
}

/// Whether values of the two types can be tested for equality.
pub(super) fn comparable(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (a, b) if a.is_open() || b.is_open() => true,
        (a, b) if a.is_text() && b.is_text() => true,
        (a, b) if a.is_time() && b.is_time() => true,
        (Type::List(a), Type::List(b)) => comparable(a, b),
        (Type::EmptyList, Type::List(_)) | (Type::List(_), Type::EmptyList) => true,
        (a, b) => a == b,
    }
}

fn orderable(t: &Type) -> bool {
    matches!(
        t,
        Type::Number | Type::String | Type::Date | Type::DateTime | Type::Duration
    ) || t.is_open()
        || t.is_text()
}

fn text_or_open(t: &Type) -> bool {
    t.is_text() || t.is_open()
}

fn time_or_open(t: &Type) -> bool {
    t.is_time() || t.is_open()
}

/// `` `a` ``, `` `a` or `b` ``, `` `a`, `b` or `c` ``.
fn list_words(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The last line of a `regex` error, which states the problem without the pattern echo.
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_start_matches("error: ").to_string())
        .unwrap_or(text)
}
