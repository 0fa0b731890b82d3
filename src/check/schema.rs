//! The schema: record types, enumerations, the id field.

use std::collections::HashSet;

use super::ir::{Field, ROOT, Record, RecordId, Type};
use super::{CheckOptions, Checker};
use crate::ast::{self, TypeExpr};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};

const TYPE_NAMES: [&str; 6] = ["string", "number", "bool", "date", "datetime", "duration"];

impl Checker<'_> {
    /// Builds the record types from the schema; without one, the contact is a dynamic
    /// record whose fields appear as rules use them.
    pub(super) fn schema(&mut self, schemas: &[&ast::Schema], schema_broken: bool) {
        let Some(first) = schemas.first() else {
            self.rules.records.push(Record {
                path: String::new(),
                fields: Vec::new(),
                dynamic: true,
            });
            self.dynamic_fields_warning = !schema_broken;
            return;
        };
        for extra in &schemas[1..] {
            self.report(
                Diagnostic::new(
                    Code::MultipleSchemas,
                    extra.name.span,
                    format!("a second schema `{}`", extra.name.node),
                )
                .with_label("second schema")
                .with_secondary(first.name.span, "first schema defined here")
                .with_help("a rule set has one schema: merge the fields into the first one"),
            );
        }
        self.rules.has_schema = true;
        self.rules.records.push(Record {
            path: String::new(),
            fields: Vec::new(),
            dynamic: false,
        });
        self.record_fields(ROOT, &first.fields);
        let id_field = self.rules.id_field.clone();
        let root = &self.rules.records[ROOT];
        match root.field(&id_field).map(|i| &root.fields[i]) {
            None => {
                // with `--id-field` given, pointing at the flag again would not help
                let help = if id_field == CheckOptions::default().id_field {
                    format!(
                        "add `{id_field}: string` to the schema, or name the id field with `--id-field`"
                    )
                } else {
                    format!(
                        "add `{id_field}: string` to the schema: `--id-field {id_field}` names the schema field that holds each contact's id"
                    )
                };
                self.report(
                    Diagnostic::new(
                        Code::MissingId,
                        first.name.span,
                        format!("schema `{}` has no `{id_field}` field", first.name.node),
                    )
                    .with_label("every contact needs an id")
                    .with_help(help),
                );
            }
            Some(field) if field.optional || !matches!(field.ty, Type::String | Type::Number) => {
                let decl = field.decl.unwrap_or(first.name.span);
                self.report(
                    Diagnostic::new(
                        Code::MissingId,
                        decl,
                        format!("the id field `{id_field}` must be a required string or number"),
                    )
                    .with_label("declared here")
                    .with_help(format!("declare it as `{id_field}: string`")),
                );
            }
            Some(_) => {}
        }
    }

    fn record_fields(&mut self, record: RecordId, decls: &[ast::FieldDecl]) {
        for decl in decls {
            if let Some(existing) = self.rules.records[record].field(&decl.name.node) {
                let first = self.rules.records[record].fields[existing].decl;
                let mut d = Diagnostic::new(
                    Code::DuplicateDefinition,
                    decl.name.span,
                    format!("field `{}` is declared more than once", decl.name.node),
                )
                .with_label("declared again here");
                if let Some(first) = first {
                    d = d.with_secondary(first, "first declared here");
                }
                self.report(d);
                continue;
            }
            let path = self.child_path(record, &decl.name.node);
            let ty = self.type_expr(&decl.ty, &path);
            self.rules.records[record].fields.push(Field {
                name: decl.name.node.clone(),
                ty,
                optional: decl.optional,
                decl: Some(decl.name.span),
            });
        }
    }

    fn child_path(&self, record: RecordId, name: &str) -> String {
        let base = &self.rules.records[record].path;
        if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}.{name}")
        }
    }

    fn type_expr(&mut self, ty: &TypeExpr, path: &str) -> Type {
        match ty {
            TypeExpr::Named(name) => match name.node.as_str() {
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "date" => Type::Date,
                "datetime" => Type::DateTime,
                "duration" => Type::Duration,
                other => {
                    let help = match other {
                        "int" | "integer" | "float" | "decimal" => Some("use `number`".to_string()),
                        "text" | "str" => Some("use `string`".to_string()),
                        "boolean" => Some("use `bool`".to_string()),
                        "timestamp" => Some("use `datetime`".to_string()),
                        _ => {
                            did_you_mean(other, TYPE_NAMES).map(|s| format!("did you mean `{s}`?"))
                        }
                    };
                    self.report(
                        Diagnostic::new(Code::UnknownType, name.span, format!("unknown type `{other}`"))
                            .with_label("not a type")
                            .with_help(help.unwrap_or_else(|| {
                                "the types are `string`, `number`, `bool`, `date`, `datetime`, `duration`, `one of …`, `list of …` and `{ … }`".to_string()
                            })),
                    );
                    Type::Error
                }
            },
            TypeExpr::OneOf(values, _) => {
                let mut seen: HashSet<&str> = HashSet::new();
                for v in values {
                    if !seen.insert(v.node.as_str()) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateDefinition,
                                v.span,
                                format!("`\"{}\"` is listed twice", v.node),
                            )
                            .with_label("listed again here")
                            .with_help("remove the repeated value"),
                        );
                    }
                }
                let mut list: Vec<String> = Vec::new();
                let mut listed: HashSet<&str> = HashSet::new();
                for v in values {
                    if listed.insert(v.node.as_str()) {
                        list.push(v.node.clone());
                    }
                }
                self.rules.enums.push(list);
                Type::Enum(self.rules.enums.len() - 1)
            }
            TypeExpr::ListOf(inner, _) => {
                Type::List(Box::new(self.type_expr(inner, &format!("{path}[]"))))
            }
            TypeExpr::Record(fields, _) => {
                self.rules.records.push(Record {
                    path: path.to_string(),
                    fields: Vec::new(),
                    dynamic: false,
                });
                let id = self.rules.records.len() - 1;
                self.record_fields(id, fields);
                Type::Record(id)
            }
        }
    }
}
