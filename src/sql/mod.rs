//! A [`Program`] as one SQL `SELECT`: the same classifications, contact for contact, on a
//! database where the contacts already are. Three-valued logic is SQL's own (`NULL` is
//! unknown); what a dialect cannot compute exactly as the engine does is a diagnostic,
//! never SQL that differs. `docs/sql.md` gives every construct's translation.
//!
//! The query is a chain of common table expressions, one per level of definitions: a
//! `let` or classification is a column of the first level after everything it uses.

mod expr;
pub mod lower;
pub mod mapped;
pub mod regex;

use std::collections::HashMap;

use jiff::Timestamp;

use crate::codes::Code;
use crate::compile::{Node, NodeId, PlanType, Program};
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// A database whose SQL `qualify sql` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL 12 or later; records and lists are `jsonb` columns.
    Postgres,
    /// DuckDB 1.3 or later; records are `STRUCT`s and lists `LIST`s, as `read_json` reads
    /// our JSON Lines.
    DuckDb,
    /// Spark SQL 3.4 or later (and so Databricks); records `STRUCT`, lists `ARRAY`.
    Spark,
}

impl Dialect {
    /// The database's name, as a person writes it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::DuckDb => "DuckDB",
            Dialect::Spark => "Spark SQL",
        }
    }

    /// An identifier, quoted.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// Whether lists are read with lambda functions over the array (`list_filter`,
    /// `exists`) rather than subqueries over its rows: the engine runs them on each row's
    /// array in place, where a subquery over `unnest` becomes a join over every element.
    fn lambdas(self) -> bool {
        matches!(self, Dialect::DuckDb | Dialect::Spark)
    }

    /// A lambda of one variable, as the engine writes it.
    fn lambda(self, var: &str, body: &str) -> String {
        match self {
            // DuckDB 1.3 deprecated `x -> …`; 2.0 refuses it unless a setting allows it
            Dialect::DuckDb => format!("lambda {var}: {body}"),
            _ => format!("{var} -> {body}"),
        }
    }

    /// The type of text.
    pub fn text(self) -> &'static str {
        match self {
            Dialect::Postgres => "TEXT",
            Dialect::DuckDb => "VARCHAR",
            Dialect::Spark => "STRING",
        }
    }

    /// The floating-point type the engine's numbers are (IEEE 754 binary64).
    pub fn double(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::DuckDb | Dialect::Spark => "DOUBLE",
        }
    }
}

/// What to write.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database.
    pub dialect: Dialect,
    /// The contacts table (a name, dotted for a schema).
    pub table: String,
    /// `CREATE VIEW name AS …` instead of a bare `SELECT`.
    pub view: Option<String>,
    /// `now` as a literal; without it, a bound parameter (`$1`), or in a view the time of
    /// the query.
    pub as_of: Option<Timestamp>,
    /// Add a `<name>.row` column per classification naming the deciding row.
    pub explain: bool,
    /// A list field read from a table of its own, one row per element, instead of a
    /// column.
    pub events: Option<EventsTable>,
    /// The tables hold an export's text cells, read through these mapping sources.
    pub mapped: Option<Mapped>,
}

/// Mapping sources the tables are read through (`--source`): the contacts', and the
/// events table's (the source of activities filling the events table's list).
#[derive(Debug, Clone)]
pub struct Mapped {
    /// The source of contacts.
    pub contacts: crate::mapping::Source,
    /// The source of activities read from the events table, if there is one.
    pub events: Option<crate::mapping::Source>,
}

/// Why no SQL was written.
#[derive(Debug)]
pub enum Refused {
    /// Constructs of the rules with no exact translation (`Q0401`), located.
    Rules(Vec<Diagnostic>),
    /// Columns of the mapping the SQL cannot read exactly (`Q0401`): (source, refusal).
    Mapping(Vec<(String, mapped::Refusal)>),
}

/// A table of events standing for a list field of the contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsTable {
    /// The contact's list field it holds (`events`).
    pub field: String,
    /// The table.
    pub table: String,
    /// Its column holding the contact's id.
    pub key: String,
}

/// The rule set as SQL, or why it cannot be written exactly.
pub fn to_sql(
    program: &Program,
    sources: &SourceMap,
    options: &Options,
) -> Result<String, Refused> {
    if !program.plan().typed {
        let span = program
            .node_ids()
            .next()
            .map(|n| program.span(n))
            .unwrap_or_default();
        return Err(Refused::Rules(vec![
            Diagnostic::new(
                Code::NotSql,
                span,
                "a rule set without a schema cannot be translated to SQL",
            )
            .with_help("declare the contact's fields in a `schema`: SQL columns have types"),
        ]));
    }
    let mut writer = Writer::new(program, sources, options);
    let text = writer.query();
    if !writer.tr.errors.is_empty() {
        let mut errors = std::mem::take(&mut writer.tr.errors);
        errors.sort_by_key(|d| (d.span.file.index(), d.span.start));
        errors.dedup_by(|a, b| a.span == b.span && a.message == b.message);
        return Err(Refused::Rules(errors));
    }
    if !writer.refused.is_empty() {
        return Err(Refused::Mapping(std::mem::take(&mut writer.refused)));
    }
    Ok(text)
}

/// Why an instant cannot be `now` in SQL (finer than a microsecond, before year 1), if so.
pub fn instant_problem(dialect: Dialect, t: Timestamp) -> Option<String> {
    expr::timestamp_literal(dialect, t).err()
}

/// A `let` or classification: an item of the query's levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Item {
    Let(usize),
    Class(usize),
}

/// Builds the query.
struct Writer<'a> {
    program: &'a Program,
    sources: &'a SourceMap,
    options: &'a Options,
    tr: expr::Translator<'a>,
    depth: HashMap<Item, usize>,
    /// Columns of the mapping that cannot be read: (source, refusal).
    refused: Vec<(String, mapped::Refusal)>,
}

impl<'a> Writer<'a> {
    fn new(program: &'a Program, sources: &'a SourceMap, options: &'a Options) -> Writer<'a> {
        let now = match (options.as_of, &options.view) {
            (Some(t), _) => expr::timestamp_literal(options.dialect, t),
            (None, Some(_)) => Ok("CURRENT_TIMESTAMP".to_string()),
            (None, None) => Ok(match options.dialect {
                Dialect::Spark => "CAST(:as_of AS TIMESTAMP)".to_string(),
                _ => "CAST($1 AS TIMESTAMPTZ)".to_string(),
            }),
        };
        let mut tr = expr::Translator::new(program, options.dialect, now);
        tr.from_events = options.events.as_ref().map(|e| e.field.clone());
        // records built from a mapping's cells hold durations as microseconds; a plain
        // events table's are gathered as they are, which `jsonb` cannot hold
        tr.mapped_durations = options
            .mapped
            .as_ref()
            .is_some_and(|m| options.events.is_none() || m.events.is_some());
        Writer {
            program,
            sources,
            options,
            tr,
            depth: HashMap::new(),
            refused: Vec::new(),
        }
    }

    /// The `let`s and classifications an item's definition names directly.
    fn uses(&self, item: Item) -> Vec<Item> {
        let roots: Vec<NodeId> = match item {
            Item::Let(l) => vec![self.program.let_root(l)],
            Item::Class(c) => {
                let class = &self.program.classes()[c];
                class
                    .guard
                    .into_iter()
                    .chain(class.rows.iter().map(|r| r.1))
                    .collect()
            }
        };
        let mut found = Vec::new();
        let mut stack = roots;
        let mut seen = std::collections::HashSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            match self.program.node(n) {
                Node::Let(l) => found.push(Item::Let(*l)),
                Node::Class(c) => found.push(Item::Class(*c)),
                _ => self.program.for_each_child(n, |child| stack.push(child)),
            }
        }
        found
    }

    /// The level an item is computed at: one past everything it uses (chains are at most
    /// 1,000 long, the checker makes sure, and acyclic).
    fn depth(&mut self, item: Item) -> usize {
        if let Some(&d) = self.depth.get(&item) {
            return d;
        }
        let d = self
            .uses(item)
            .into_iter()
            .map(|u| self.depth(u) + 1)
            .max()
            .unwrap_or(0);
        self.depth.insert(item, d);
        d
    }

    fn query(&mut self) -> String {
        let d = self.options.dialect;
        let program = self.program;
        let mut items: Vec<Item> = (0..program.let_count()).map(Item::Let).collect();
        items.extend(program.class_order().iter().map(|&c| Item::Class(c)));
        let mut levels: Vec<Vec<Item>> = Vec::new();
        for item in items {
            if let Item::Let(l) = item
                && self.tr.inlined(l)
            {
                continue;
            }
            let depth = self.depth(item);
            if levels.len() <= depth {
                levels.resize_with(depth + 1, Vec::new);
            }
            levels[depth].push(item);
        }
        levels.retain(|l| !l.is_empty());

        let mut out = String::new();
        out.push_str(&format!(
            "-- written by qualify sql for {}: one column per classification\n",
            d.name()
        ));
        if let Some(view) = &self.options.view {
            out.push_str(&format!("CREATE VIEW {} AS\n", qualified(d, view)));
        }
        let mut from = qualified(d, &self.options.table);
        let materialized = match d {
            // Spark has no such keyword; its optimizer keeps the projections apart
            Dialect::Spark => "",
            _ => "MATERIALIZED ",
        };
        let mapped = self.mapped_contacts();
        if let Some(select) = &mapped {
            let name = d.ident("_mapped");
            out.push_str(&format!("WITH\n{name} AS {materialized}(\n{select}\n)"));
            from = name;
        }
        let contacts = self.contacts_with_events(&from);
        if mapped.is_some() {
            if !levels.is_empty() || contacts.is_some() {
                out.push_str(",\n");
            } else {
                out.push('\n');
            }
        } else if !levels.is_empty() || contacts.is_some() {
            out.push_str("WITH\n");
        }
        if let Some(select) = contacts {
            let name = d.ident("_contacts");
            out.push_str(&format!(
                "{name} AS {materialized}(\n{select}\n){}\n",
                if levels.is_empty() { "" } else { "," }
            ));
            from = name;
        }
        for (i, level) in levels.iter().enumerate() {
            let name = d.ident(&format!("_level{}", i + 1));
            // a level is computed once: inlined, each use of a column would compute it again
            out.push_str(&format!("{name} AS {materialized}(\n  SELECT *"));
            for &item in level {
                for (sql, column) in self.item_columns(item) {
                    out.push_str(&format!(",\n    {sql} AS {column}"));
                }
            }
            out.push_str(&format!(
                "\n  FROM {from}\n){}\n",
                if i + 1 < levels.len() { "," } else { "" }
            ));
            from = name;
        }
        out.push_str(&format!("SELECT {}", d.ident(&program.plan().id_field)));
        for class in program.classes() {
            let mut value = format!("CASE {}", expr::class_column(d, &class.name));
            for (i, v) in class.values.iter().enumerate() {
                value.push_str(&format!(" WHEN {i} THEN {}", expr::string_literal(d, v)));
            }
            value.push_str(" END");
            out.push_str(&format!(",\n  {value} AS {}", d.ident(&class.name)));
            if self.options.explain {
                let row = d.ident(&format!("{}.row", class.name));
                out.push_str(&format!(",\n  {row}"));
            }
        }
        out.push_str(&format!("\nFROM {from}"));
        if self.options.view.is_none() {
            out.push_str(&format!("\nORDER BY {}", d.ident(&program.plan().id_field)));
        }
        out.push_str(";\n");
        out
    }

    /// The contacts read from the export's text cells through the mapping source, as the
    /// plain table would hold them (`sql::mapped`).
    fn mapped_contacts(&mut self) -> Option<String> {
        let d = self.options.dialect;
        let mapped = self.options.mapped.as_ref()?;
        let mut reader = mapped::Reader::new(self.program, &mapped.contacts, d);
        let skip = self.options.events.as_ref().map(|e| e.field.as_str());
        let columns = reader.record_fields(0, "", skip);
        self.refused.extend(
            reader
                .refused
                .drain(..)
                .map(|r| (mapped.contacts.name.clone(), r)),
        );
        let columns: Vec<String> = columns
            .into_iter()
            .map(|(sql, name)| format!("    {sql} AS {}", d.ident(&name)))
            .collect();
        Some(format!(
            "  SELECT\n{}\n  FROM {}",
            columns.join(",\n"),
            reader.cells(&qualified(d, &self.options.table), &d.ident("_cells"))
        ))
    }

    /// The contacts with the list an events table holds, as a column: the events of each
    /// contact gathered into the list the query reads (empty for a contact without).
    fn contacts_with_events(&mut self, base: &str) -> Option<String> {
        let d = self.options.dialect;
        let events = self.options.events.as_ref()?;
        let layout = events_layout(self.program, events)?;
        let fields = &self.program.plan().records[layout].fields;
        let list_type = column_type(
            d,
            &PlanType::List(Box::new(PlanType::Record(layout))),
            self.program,
        );
        let source = self.options.mapped.as_ref().and_then(|m| m.events.as_ref());
        if let Some(source) = source {
            let list_type = column_type_with(
                d,
                &PlanType::List(Box::new(PlanType::Record(layout))),
                self.program,
                true,
            );
            // the events table's text cells through the source of activities; the key
            // is its cell, trimmed (`data::join`)
            let mut reader = mapped::Reader::new(self.program, source, d);
            let elements = reader.record_fields(layout, "", None);
            let record = reader.record(layout, elements);
            let key = source
                .activities
                .as_ref()
                .map_or(events.key.clone(), |j| j.key.clone());
            let key = reader.key(&key);
            let from = reader.cells(&qualified(d, &events.table), &d.ident("_cells"));
            self.refused
                .extend(reader.refused.drain(..).map(|r| (source.name.clone(), r)));
            let gather = match d {
                Dialect::Postgres => format!("jsonb_agg({record})"),
                Dialect::DuckDb => format!("list({record})"),
                Dialect::Spark => format!("collect_list({record})"),
            };
            return Some(self.joined(base, &from, &key, &gather, &list_type));
        }
        let mut parts: Vec<String> = fields
            .iter()
            .map(|f| {
                let (key, column) = (expr::string_literal(d, &f.name), d.ident(&f.name));
                match d {
                    Dialect::DuckDb => format!("{column} := {column}"),
                    _ => format!("{key}, {column}"),
                }
            })
            .collect();
        if fields.is_empty() {
            parts.push(match d {
                Dialect::DuckDb => format!("{} := CAST(NULL AS BOOLEAN)", d.ident(NO_FIELD)),
                _ => format!(
                    "{}, CAST(NULL AS BOOLEAN)",
                    expr::string_literal(d, NO_FIELD)
                ),
            });
        }
        let parts = parts.join(", ");
        let gather = match d {
            Dialect::Postgres => format!("jsonb_agg(jsonb_build_object({parts}))"),
            Dialect::DuckDb => format!("list(struct_pack({parts}))"),
            Dialect::Spark => format!("collect_list(named_struct({parts}))"),
        };
        let from = qualified(d, &events.table);
        Some(self.joined(base, &from, &d.ident(&events.key), &gather, &list_type))
    }

    /// The contacts of `base` with each one's events gathered (`gather`, an aggregate
    /// over the rows of `events_from` grouped by `key`) into the list field.
    fn joined(
        &self,
        base: &str,
        events_from: &str,
        key: &str,
        gather: &str,
        list_type: &str,
    ) -> String {
        let d = self.options.dialect;
        let Some(events) = self.options.events.as_ref() else {
            return String::new();
        };
        let empty = match d {
            Dialect::Postgres => "'[]'::jsonb".to_string(),
            Dialect::DuckDb => format!("CAST([] AS {list_type})"),
            Dialect::Spark => format!("CAST(array() AS {list_type})"),
        };
        let (key_column, list) = (d.ident("_key"), d.ident("_list"));
        format!(
            "  SELECT c.*, COALESCE(e.{list}, {empty}) AS {field}\n  FROM {base} AS c\n  LEFT JOIN (SELECT {key} AS {key_column}, {gather} AS {list} FROM {events_from} GROUP BY {key}) AS e\n    ON e.{key_column} = c.{id}",
            field = d.ident(&events.field),
            id = d.ident(&self.program.plan().id_field),
        )
    }

    /// The columns an item adds to its level: `(expression, column name)`.
    fn item_columns(&mut self, item: Item) -> Vec<(String, String)> {
        let d = self.options.dialect;
        let program = self.program;
        match item {
            Item::Let(l) => {
                let sql = self.tr.materialize_let(l);
                vec![(sql, expr::let_column(d, program.let_name(l)))]
            }
            Item::Class(c) => {
                let class = &program.classes()[c];
                let guard = class.guard.map(|g| self.tr.condition(g));
                let rows: Vec<String> = class
                    .rows
                    .iter()
                    .map(|&(_, n)| self.tr.condition(n))
                    .collect();
                let mut value = String::from("CASE");
                for (&(v, _), cond) in class.rows.iter().zip(&rows) {
                    value.push_str(&format!(" WHEN {cond} THEN {v}"));
                }
                value.push_str(&match class.otherwise {
                    Some(o) => format!(" ELSE {o} END"),
                    None => " END".to_string(),
                });
                if class.rows.is_empty() {
                    value = class
                        .otherwise
                        .map_or("CAST(NULL AS INTEGER)".into(), |o| o.to_string());
                }
                if let Some(g) = &guard {
                    value = format!("CASE WHEN {g} THEN {value} END");
                }
                let mut columns = vec![(value, expr::class_column(d, &class.name))];
                if self.options.explain {
                    columns.push((
                        self.decision(c, guard.as_deref(), &rows),
                        d.ident(&format!("{}.row", class.name)),
                    ));
                }
                columns
            }
        }
    }

    /// The text naming what decided a classification, as `eval --explain` begins it.
    fn decision(&self, c: usize, guard: Option<&str>, rows: &[String]) -> String {
        let class = &self.program.classes()[c];
        let mut sql = String::from("CASE");
        if let (Some(g), Some(node)) = (guard, class.guard) {
            let text = self.sources.slice(self.program.span(node));
            sql.push_str(&format!(
                " WHEN {g} IS NULL THEN {} WHEN NOT {g} THEN {}",
                expr::string_literal(self.options.dialect, &format!("guard `{text}` is unknown")),
                expr::string_literal(self.options.dialect, &format!("guard `{text}` is false")),
            ));
        }
        for (&(v, node), cond) in class.rows.iter().zip(rows) {
            let text = self.sources.slice(self.program.span(node));
            let row = format!("{} when {text}", class.values[v]);
            sql.push_str(&format!(
                " WHEN {cond} THEN {}",
                expr::string_literal(self.options.dialect, &row)
            ));
        }
        let rest = match class.otherwise {
            Some(_) => "no row matched (otherwise)",
            None => "no row matched",
        };
        sql.push_str(&format!(
            " ELSE {} END",
            expr::string_literal(self.options.dialect, rest)
        ));
        sql
    }
}

/// The field of a struct standing for a record none of whose fields the rules read; no
/// schema field has this name (field names are identifiers).
const NO_FIELD: &str = "qualify:no field";

/// A table or view name, each dotted part quoted.
fn qualified(d: Dialect, name: &str) -> String {
    name.split('.')
        .map(|p| d.ident(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// The SQL type of a field in the contacts table: what `--ddl` declares and the query reads.
pub fn column_type(d: Dialect, ty: &PlanType, program: &Program) -> String {
    column_type_with(d, ty, program, false)
}

/// [`column_type`], with durations as `BIGINT` microseconds in Spark where `micros` (the
/// values `sql::mapped` builds from a mapping's cells).
pub fn column_type_with(d: Dialect, ty: &PlanType, program: &Program, micros: bool) -> String {
    let column_type = |d, ty: &PlanType, program| column_type_with(d, ty, program, micros);
    match (d, ty) {
        (Dialect::Spark, PlanType::Duration) if micros => "BIGINT".into(),
        (Dialect::Postgres, PlanType::List(_) | PlanType::Record(_)) => "JSONB".into(),
        (_, PlanType::Bool) => "BOOLEAN".into(),
        (_, PlanType::Number) => d.double().into(),
        (_, PlanType::String | PlanType::Enum(_)) => d.text().into(),
        (Dialect::Spark, PlanType::Dynamic) => d.text().into(),
        (Dialect::Spark, PlanType::DateTime) => "TIMESTAMP".into(),
        (Dialect::Spark, PlanType::Duration) => "INTERVAL DAY TO SECOND".into(),
        (Dialect::Spark, PlanType::List(inner)) => {
            format!("ARRAY<{}>", column_type(d, inner, program))
        }
        (_, PlanType::Date) => "DATE".into(),
        (_, PlanType::DateTime) => "TIMESTAMPTZ".into(),
        (_, PlanType::Duration) => "INTERVAL".into(),
        (Dialect::DuckDb, PlanType::List(inner)) => format!("{}[]", column_type(d, inner, program)),
        (Dialect::DuckDb | Dialect::Spark, PlanType::Record(layout)) => {
            let spark = d == Dialect::Spark;
            let mut fields: Vec<String> = program.plan().records[*layout]
                .fields
                .iter()
                .map(|f| {
                    let ty = column_type(d, &f.ty, program);
                    let name = d.ident(&f.name);
                    if spark {
                        format!("{name}: {ty}")
                    } else {
                        format!("{name} {ty}")
                    }
                })
                .collect();
            if fields.is_empty() {
                // a record none of whose fields the rules read (`count(e in events)`): a
                // struct needs a field, and one of a name no schema field has reads none
                let name = d.ident(NO_FIELD);
                fields.push(if spark {
                    format!("{name}: BOOLEAN")
                } else {
                    format!("{name} BOOLEAN")
                });
            }
            if spark {
                format!("STRUCT<{}>", fields.join(", "))
            } else {
                format!("STRUCT({})", fields.join(", "))
            }
        }
        (_, PlanType::Dynamic) => "TEXT".into(),
    }
}

/// A table the query reads: its name and its columns, `(name, type)`.
struct Table {
    name: String,
    columns: Vec<(String, PlanType)>,
}

/// The tables the query reads: the contacts (the fields the rules read, less a list taken
/// from an events table), and the events table if there is one (its key, then the
/// element's fields); read through a mapping, the headers the sources read, as text.
fn tables(program: &Program, options: &Options) -> Vec<Table> {
    let plan = program.plan();
    if let Some(mapped) = &options.mapped {
        let d = options.dialect;
        let text = |headers: Vec<String>| {
            headers
                .into_iter()
                .map(|h| (h, PlanType::String))
                .collect::<Vec<_>>()
        };
        let mut reader = mapped::Reader::new(program, &mapped.contacts, d);
        let skip = options.events.as_ref().map(|e| e.field.as_str());
        reader.record_fields(0, "", skip);
        let mut headers = reader.headers;
        if reader.line {
            headers.push(mapped::LINE_COLUMN.to_string());
        }
        let mut tables = vec![Table {
            name: options.table.clone(),
            columns: text(headers),
        }];
        if let (Some(e), Some(source)) = (&options.events, &mapped.events)
            && let Some(layout) = events_layout(program, e)
        {
            let mut reader = mapped::Reader::new(program, source, d);
            reader.record_fields(layout, "", None);
            let key = source
                .activities
                .as_ref()
                .map_or(e.key.clone(), |j| j.key.clone());
            let mut headers = vec![key.clone()];
            headers.extend(reader.headers.into_iter().filter(|h| *h != key));
            tables.push(Table {
                name: e.table.clone(),
                columns: text(headers),
            });
        }
        return tables;
    }
    let contact = &plan.records[0];
    let events = options.events.as_ref();
    let mut tables = vec![Table {
        name: options.table.clone(),
        columns: contact
            .fields
            .iter()
            .filter(|f| events.is_none_or(|e| e.field != f.name))
            .map(|f| (f.name.clone(), f.ty.clone()))
            .collect(),
    }];
    if let Some(e) = events
        && let Some(layout) = events_layout(program, e)
    {
        let id = contact
            .fields
            .get(plan.id_slot)
            .map_or(PlanType::String, |f| f.ty.clone());
        let mut columns = vec![(e.key.clone(), id)];
        columns.extend(
            plan.records[layout]
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.ty.clone())),
        );
        tables.push(Table {
            name: e.table.clone(),
            columns,
        });
    }
    tables
}

/// The record layout of the list an events table holds, if the rules read that list.
fn events_layout(program: &Program, events: &EventsTable) -> Option<usize> {
    let contact = &program.plan().records[0];
    let field = contact.fields.iter().find(|f| f.name == events.field)?;
    match &field.ty {
        PlanType::List(inner) => match **inner {
            PlanType::Record(layout) => Some(layout),
            _ => None,
        },
        _ => None,
    }
}

/// Why the events table cannot stand for its list field, if so: the rules do not read a
/// list of records of that name, or its elements hold lists or records (an events table
/// has one column per field).
pub fn events_problem(program: &Program, events: &EventsTable) -> Option<String> {
    let Some(layout) = events_layout(program, events) else {
        return Some(format!(
            "the rules read no list of records named `{}` (the field the events table holds)",
            events.field
        ));
    };
    let nested = program.plan().records[layout]
        .fields
        .iter()
        .find(|f| matches!(f.ty, PlanType::List(_) | PlanType::Record(_)))?;
    Some(format!(
        "`{}.{}` is a list or record: an events table has one column per field",
        events.field, nested.name
    ))
}

/// `CREATE TABLE` for each table the query reads: the columns the rules use, typed as the
/// query reads them.
pub fn table_ddl(program: &Program, options: &Options) -> String {
    let d = options.dialect;
    let using = if d == Dialect::Spark {
        " USING parquet"
    } else {
        ""
    };
    tables(program, options)
        .iter()
        .map(|t| {
            let columns: Vec<String> = t
                .columns
                .iter()
                .map(|(name, ty)| format!("  {} {}", d.ident(name), column_type(d, ty, program)))
                .collect();
            format!(
                "CREATE TABLE {} (\n{}\n){using};\n",
                qualified(d, &t.name),
                columns.join(",\n")
            )
        })
        .collect()
}

/// A script that creates the tables and loads JSON Lines files into them (`files`, one per
/// table of [`table_ddl`]): DuckDB's `read_json` with the table's columns; Spark's JSON
/// source with them, kept as Parquet; for PostgreSQL, a `psql` script that copies each
/// line into a `jsonb` and reads the columns from it.
pub fn load_script(program: &Program, options: &Options, files: &[&str]) -> String {
    let d = options.dialect;
    let mut out = String::new();
    if d == Dialect::DuckDb {
        out.push_str("SET TimeZone = 'UTC';\n");
    }
    if d == Dialect::Spark {
        // read in UTC (a plain date in a datetime is its start in UTC) and kept as Parquet,
        // so that the session's zone at query time changes nothing
        out.push_str("SET spark.sql.session.timeZone = UTC;\n");
    }
    for (t, file) in tables(program, options).iter().zip(files) {
        let table = qualified(d, &t.name);
        let file = expr::string_literal(d, file);
        out.push_str(&match d {
            Dialect::DuckDb => {
                let columns: Vec<String> = t
                    .columns
                    .iter()
                    .map(|(name, ty)| {
                        format!(
                            "{}: {}",
                            expr::string_literal(d, name),
                            expr::string_literal(d, &column_type(d, ty, program))
                        )
                    })
                    .collect();
                format!(
                    "CREATE TABLE {table} AS SELECT * FROM read_json({file}, format = 'newline_delimited', columns = {{{}}});\n",
                    columns.join(", ")
                )
            }
            Dialect::Spark => {
                let columns: Vec<String> = t
                    .columns
                    .iter()
                    .map(|(name, ty)| format!("{} {}", d.ident(name), column_type(d, ty, program)))
                    .collect();
                format!(
                    "CREATE TEMPORARY VIEW qualify_lines ({}) USING json OPTIONS (path {file});\nCREATE TABLE {table} USING parquet AS SELECT * FROM qualify_lines;\nDROP VIEW qualify_lines;\n",
                    columns.join(", ")
                )
            }
            Dialect::Postgres => {
                let columns: Vec<String> = t
                    .columns
                    .iter()
                    .map(|(name, ty)| {
                        let key = expr::string_literal(d, name);
                        match column_type(d, ty, program).as_str() {
                            "JSONB" => format!("NULLIF(doc -> {key}, 'null'::jsonb)"),
                            "TEXT" => format!("doc ->> {key}"),
                            // a plain date is its start in UTC, whatever the session's zone
                            "TIMESTAMPTZ" => format!(
                                "CAST(CASE WHEN length(doc ->> {key}) = 10 THEN (doc ->> {key}) || 'T00:00:00Z' ELSE doc ->> {key} END AS TIMESTAMPTZ)"
                            ),
                            ty => format!("CAST(doc ->> {key} AS {ty})"),
                        }
                    })
                    .collect();
                let ddl: Vec<String> = t
                    .columns
                    .iter()
                    .map(|(name, ty)| format!("  {} {}", d.ident(name), column_type(d, ty, program)))
                    .collect();
                format!(
                    "CREATE TEMPORARY TABLE qualify_lines (doc jsonb);\n\\copy qualify_lines (doc) FROM {file} WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')\nCREATE TABLE {table} (\n{}\n);\nINSERT INTO {table} SELECT {} FROM qualify_lines;\nDROP TABLE qualify_lines;\n",
                    ddl.join(",\n"),
                    columns.join(", ")
                )
            }
        });
    }
    out
}

/// A CSV export to load as a table of text cells (`qualify sql --source … --load`).
#[derive(Debug, Clone)]
pub struct CsvLoad {
    /// The table (a name, dotted for a schema).
    pub table: String,
    /// The file.
    pub file: String,
    /// Its headers, in order, as the file writes them (one column each).
    pub headers: Vec<String>,
    /// The byte between cells.
    pub delimiter: u8,
    /// Whether each row's line (the row's number plus one: the file holds a row a line)
    /// goes into a column of its own, [`mapped::LINE_COLUMN`].
    pub line: bool,
}

/// A script that creates each table with one text column per header of its CSV file and
/// loads the file's cells into it, as written (DuckDB's `read_csv`, PostgreSQL's `\copy`,
/// Spark's CSV source kept as Parquet).
pub fn csv_load_script(d: Dialect, loads: &[CsvLoad]) -> String {
    let mut out = String::new();
    let text = d.text();
    for load in loads {
        let table = qualified(d, &load.table);
        let file = expr::string_literal(d, &load.file);
        let delimiter = expr::string_literal(d, &char::from(load.delimiter).to_string());
        let columns = |each: &dyn Fn(&str) -> String, between: &str| {
            load.headers
                .iter()
                .map(|h| each(h))
                .collect::<Vec<_>>()
                .join(between)
        };
        let line = d.ident(mapped::LINE_COLUMN);
        let read_csv = || {
            format!(
                "read_csv({file}, header = true, auto_detect = false, delim = {delimiter}, quote = '\"', escape = '\"', columns = {{{}}})",
                columns(
                    &|h| format!("{}: '{text}'", expr::string_literal(d, h)),
                    ", "
                )
            )
        };
        out.push_str(&match (d, load.line) {
            (Dialect::DuckDb, false) => {
                format!("CREATE TABLE {table} AS SELECT * FROM {};\n", read_csv())
            }
            // rows are inserted in the file's order (`preserve_insertion_order`), so a
            // row's `rowid` is its number in the file
            (Dialect::DuckDb, true) => format!(
                "CREATE TEMPORARY TABLE qualify_cells AS SELECT * FROM {};\nCREATE TABLE {table} AS SELECT *, CAST(rowid + 2 AS {text}) AS {line} FROM qualify_cells;\nDROP TABLE qualify_cells;\n",
                read_csv()
            ),
            (Dialect::Postgres, false) => format!(
                "CREATE TABLE {table} (\n{}\n);\n\\copy {table} FROM {file} WITH (FORMAT csv, HEADER true, DELIMITER {delimiter})\n",
                columns(&|h| format!("  {} {text}", d.ident(h)), ",\n")
            ),
            // `COPY` fills the column's default row by row, in the file's order
            (Dialect::Postgres, true) => {
                let sequence = qualified(d, &format!("{}_qualify_lines", load.table));
                let named = expr::string_literal(d, &sequence);
                format!(
                    "CREATE SEQUENCE {sequence} START 2;\nCREATE TABLE {table} (\n{},\n  {line} {text} DEFAULT CAST(nextval({named}) AS {text})\n);\n\\copy {table} ({}) FROM {file} WITH (FORMAT csv, HEADER true, DELIMITER {delimiter})\nALTER TABLE {table} ALTER COLUMN {line} DROP DEFAULT;\nDROP SEQUENCE {sequence};\n",
                    columns(&|h| format!("  {} {text}", d.ident(h)), ",\n"),
                    columns(&|h| d.ident(h), ", ")
                )
            }
            (Dialect::Spark, line_too) => {
                // a file read with `multiLine` is not split: one partition, whose ids
                // count its rows from 0 in the file's order
                let numbered = if line_too {
                    format!(", CAST(monotonically_increasing_id() + 2 AS {text}) AS {line}")
                } else {
                    String::new()
                };
                format!(
                    "CREATE TEMPORARY VIEW qualify_cells ({}) USING csv OPTIONS (path {file}, header 'true', sep {delimiter}, quote '\"', escape '\"', multiLine 'true', mode 'FAILFAST');\nCREATE TABLE {table} USING parquet AS SELECT *{numbered} FROM qualify_cells;\nDROP VIEW qualify_cells;\n",
                    columns(&|h| format!("{} {text}", d.ident(h)), ", ")
                )
            }
        });
    }
    out
}

#[cfg(test)]
mod tests;
