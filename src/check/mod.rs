//! Name resolution, schema, types and dependency order: AST → typed [`RuleSet`].
//!
//! The checker collects every diagnostic of every file in one run; an expression with an
//! error gets [`Type::Error`] so that one mistake is reported once, not at every use.

mod expr;
pub mod ir;
mod names;
mod schema;
mod suggest;

use std::collections::{HashMap, HashSet};

use crate::ast::{self, Item};
use crate::diagnostic::{Code, Diagnostic, sort_in_source_order};
use crate::source::Span;

pub use ir::{RuleSet, Type};
pub use names::MAX_CHAIN;

/// Options that change what a rule set must contain.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The field that names each contact.
    pub id_field: String,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            id_field: "id".to_string(),
        }
    }
}

/// What a name at the top level of the rule set refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Global {
    Let(ir::LetId),
    Class(ir::ClassId),
}

/// Checks parsed files as one rule set. The result is usable by `compile` only when no
/// diagnostic is an error.
pub fn check(files: &[ast::File], options: &CheckOptions) -> (RuleSet, Vec<Diagnostic>) {
    let mut checker = Checker {
        rules: RuleSet {
            id_field: options.id_field.clone(),
            ..RuleSet::default()
        },
        diagnostics: Vec::new(),
        globals: HashMap::new(),
        broken_names: HashSet::new(),
        let_asts: Vec::new(),
        class_asts: Vec::new(),
        checked_lets: Vec::new(),
        scope: Vec::new(),
        suggestions: None,
        regexes: Vec::new(),
        dynamic_fields_warning: false,
    };
    checker.run(files);
    let mut diagnostics = checker.diagnostics;
    sort_in_source_order(&mut diagnostics);
    diagnostics.dedup();
    (checker.rules, diagnostics)
}

/// A typed rule set without errors: the only input [`crate::compile::compile`] takes.
///
/// Architecture invariant: it can only be built by [`CheckedRuleSet::new`], which refuses a
/// rule set when any diagnostic of its front end is an error or when an expression in it
/// did not type (the checker's `Error` placeholder), so compiling never meets either.
#[derive(Debug)]
pub struct CheckedRuleSet(RuleSet);

impl CheckedRuleSet {
    /// The rule set, when `diagnostics` (everything its parse and check reported) holds no
    /// error; else the rule set back, for tools that read what was understood.
    pub fn new(rules: RuleSet, diagnostics: &[Diagnostic]) -> Result<CheckedRuleSet, Box<RuleSet>> {
        let mut typed = true;
        for root in rules.roots() {
            root.walk(&mut |e| typed &= !matches!(e.kind, ir::ExprKind::Error));
        }
        if typed && !diagnostics.iter().any(Diagnostic::is_error) {
            Ok(CheckedRuleSet(rules))
        } else {
            Err(Box::new(rules))
        }
    }

    /// The typed rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.0
    }

    /// The typed rule set, no longer marked as checked.
    pub fn into_rules(self) -> RuleSet {
        self.0
    }
}

struct Checker<'a> {
    rules: RuleSet,
    diagnostics: Vec<Diagnostic>,
    globals: HashMap<String, Global>,
    /// Names defined by items that did not parse: references to them are not reported.
    broken_names: HashSet<String>,
    let_asts: Vec<&'a ast::Let>,
    class_asts: Vec<&'a ast::Classify>,
    /// Which lets have their final typed form (others are `Type::Error` placeholders).
    checked_lets: Vec<bool>,
    /// Quantifier variables in scope, outermost first, with their types.
    scope: Vec<(String, Type, Option<expr::Origin>)>,
    /// Candidates for "did you mean" among definitions and fields, built at the first
    /// unknown name.
    suggestions: Option<suggest::Suggestions>,
    /// Patterns already compiled while checking, so each is validated once.
    regexes: Vec<String>,
    /// No schema and none that failed to parse: warn once that fields are dynamic.
    dynamic_fields_warning: bool,
}

impl<'a> Checker<'a> {
    fn run(&mut self, files: &'a [ast::File]) {
        for file in files {
            self.broken_names.extend(
                file.broken
                    .iter()
                    .filter_map(|b| b.name.as_ref().map(|n| n.node.clone())),
            );
        }
        let schemas: Vec<&ast::Schema> = files
            .iter()
            .flat_map(|f| &f.items)
            .filter_map(|i| match i {
                Item::Schema(s) => Some(s),
                _ => None,
            })
            .collect();
        let schema_broken = files
            .iter()
            .flat_map(|f| &f.broken)
            .any(|b| b.keyword == "schema");
        self.schema(&schemas, schema_broken);
        self.collect_definitions(files);
        self.check_value_names();
        if self.dynamic_fields_warning {
            let first_item = files.iter().find_map(|f| f.items.first());
            if let Some(item) = first_item {
                self.report(
                    Diagnostic::new(
                        Code::NoSchema,
                        item.name().span,
                        "the rule set has no schema, so field names and types are checked only at run time",
                    )
                    .with_label("first definition of a rule set without schema")
                    .with_help("declare the fields the rules read, e.g. `schema contact { id: string … }`"),
                );
            }
        }
        let order = self.dependency_order();
        for item in order {
            match item {
                Global::Let(id) => self.check_let(id),
                Global::Class(id) => self.check_class(id),
            }
        }
        self.rules.class_order = self.class_order();
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Registers lets and classifications, reporting duplicates with both places.
    fn collect_definitions(&mut self, files: &'a [ast::File]) {
        // sized once: growing two tables of names by doubling was a good part of checking
        // a rule set with hundreds of thousands of lets
        let items: usize = files.iter().map(|f| f.items.len()).sum();
        self.globals.reserve(items);
        self.rules.lets.reserve(items);
        let mut first_seen: HashMap<String, Span> = HashMap::with_capacity(items);
        for field in &self
            .rules
            .records
            .first()
            .map_or(&[][..], |r| &r.fields[..])
            .to_vec()
        {
            if let Some(decl) = field.decl {
                first_seen.insert(field.name.clone(), decl);
            }
        }
        for file in files {
            for item in &file.items {
                let name = item.name();
                let (kind, global) = match item {
                    Item::Schema(_) => continue,
                    Item::Let(l) => {
                        self.let_asts.push(l);
                        self.rules.lets.push(ir::LetDef {
                            name: l.name.clone(),
                            expr: ir::Expr {
                                kind: ir::ExprKind::Error,
                                ty: Type::Error,
                                span: l.value.span,
                            },
                        });
                        self.checked_lets.push(false);
                        ("let", Global::Let(self.rules.lets.len() - 1))
                    }
                    Item::Classify(c) => {
                        self.class_asts.push(c);
                        let mut values: Vec<ast::Ident> = Vec::new();
                        for value in c.rows.iter().map(|r| &r.value).chain(&c.otherwise) {
                            if !values.iter().any(|v| v.node == value.node) {
                                values.push(value.clone());
                            }
                        }
                        let index = |v: &ast::Ident| {
                            values.iter().position(|x| x.node == v.node).unwrap_or(0)
                        };
                        let rows = c
                            .rows
                            .iter()
                            .map(|r| ir::RowDef {
                                value: index(&r.value),
                                cond: ir::Expr {
                                    kind: ir::ExprKind::Error,
                                    ty: Type::Error,
                                    span: r.cond.span,
                                },
                                span: r.span,
                            })
                            .collect();
                        let otherwise = c.otherwise.as_ref().map(index);
                        self.rules.classes.push(ir::ClassDef {
                            name: c.name.clone(),
                            values,
                            guard: None,
                            rows,
                            otherwise,
                            otherwise_span: c.otherwise.as_ref().map(|o| o.span),
                            span: c.span,
                        });
                        (
                            "classification",
                            Global::Class(self.rules.classes.len() - 1),
                        )
                    }
                };
                if let Some(&first) = first_seen.get(&name.node) {
                    let what = self.what_is(&name.node);
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            name.span,
                            format!("`{}` is defined more than once", name.node),
                        )
                        .with_label(format!("{kind} `{}` defined again here", name.node))
                        .with_secondary(first, format!("first defined here as {what}"))
                        .with_help(
                            "all files of a rule set share one namespace: rename one of them or remove the duplicate",
                        ),
                    );
                    continue;
                }
                first_seen.insert(name.node.clone(), name.span);
                self.globals.insert(name.node.clone(), global);
            }
        }
    }

    /// How the first definition of `name` is described in a duplicate message.
    fn what_is(&self, name: &str) -> &'static str {
        match self.globals.get(name) {
            Some(Global::Let(_)) => "a let",
            Some(Global::Class(_)) => "a classification",
            None => "a schema field",
        }
    }

    /// A classification value must not reuse another definition's name: `stage == lead`
    /// would be ambiguous.
    fn check_value_names(&mut self) {
        let mut clashes = Vec::new();
        for class in &self.rules.classes {
            for value in &class.values {
                if value.node == "none" {
                    clashes.push(
                        Diagnostic::new(
                            Code::ValueMisused,
                            value.span,
                            format!("`{}` cannot have a value called `none`", class.name.node),
                        )
                        .with_label("reserved for contacts that get no value")
                        .with_help("`none` is what a contact gets when no row matches; choose another name"),
                    );
                    continue;
                }
                let other = match self.globals.get(&value.node) {
                    Some(Global::Let(id)) => Some(("let", self.rules.lets[*id].name.span)),
                    Some(Global::Class(id)) => {
                        Some(("classification", self.rules.classes[*id].name.span))
                    }
                    None => self.rules.records.first().and_then(|root| {
                        root.field(&value.node)
                            .and_then(|f| root.fields[f].decl)
                            .map(|d| ("schema field", d))
                    }),
                };
                if let Some((kind, place)) = other {
                    clashes.push(
                        Diagnostic::new(
                            Code::ValueMisused,
                            value.span,
                            format!(
                                "value `{}` of `{}` has the same name as a {kind}",
                                value.node, class.name.node
                            ),
                        )
                        .with_label("value defined here")
                        .with_secondary(place, format!("{kind} `{}` defined here", value.node))
                        .with_help("rename one of them so that comparisons are unambiguous"),
                    );
                }
            }
        }
        self.diagnostics.extend(clashes);
    }
}

#[cfg(test)]
mod tests;
