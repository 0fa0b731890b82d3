//! `qualify sql`: the rule set as one SQL query, for a database where the contacts are.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::render::{self, Color};
use super::{CliError, ExitStatus, load};
use crate::sql::{Dialect, EventsTable, Mapped, Options};

/// Arguments of `qualify sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// Rule file or directory
    pub rules: PathBuf,

    /// The database whose SQL to write
    #[arg(long, value_enum)]
    pub dialect: SqlDialect,

    /// The contacts table (`schema.table` for one in a schema)
    #[arg(long, default_value = "contacts", value_name = "NAME")]
    pub table: String,

    /// Write `CREATE VIEW NAME AS …` instead of a query
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,

    /// The evaluation instant `now`, written into the query (default: a bound parameter,
    /// `$1` or in Spark `:as_of`; in a view, the time of the query)
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,

    /// Add a `<name>.row` column per classification: the row that decided it
    #[arg(long)]
    pub explain: bool,

    /// Write the `CREATE TABLE` the query reads (the columns the rules use) instead
    #[arg(long)]
    pub ddl: bool,

    /// Write a script that creates the table and loads this JSON Lines file into it
    /// instead (DuckDB and Spark SQL; for PostgreSQL, a `psql` script)
    #[arg(long, value_name = "FILE", conflicts_with = "ddl")]
    pub load: Option<PathBuf>,

    /// Read a list field from a table of its own, one row per element, instead of a column:
    /// `TABLE` for the rules' list of records `events`, or `FIELD=TABLE`
    #[arg(long, value_name = "[FIELD=]TABLE")]
    pub events_table: Option<String>,

    /// The events table's column holding the contact's id
    #[arg(
        long,
        value_name = "COLUMN",
        default_value = "contact_id",
        requires = "events_table"
    )]
    pub key: String,

    /// With `--load`: also load this JSON Lines file of events into the events table
    #[arg(long, value_name = "FILE", requires_all = ["load", "events_table"])]
    pub load_events: Option<PathBuf>,

    /// The contact's id field (a top-level field of the schema)
    #[arg(long, default_value = "id", value_name = "FIELD", value_parser = super::id_field)]
    pub id_field: String,

    /// The tables hold an export as landed, one text column per header: read them through
    /// this source of the mapping, as `qualify eval` reads the export's CSV
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,

    /// The mapping file of `--source` [default: qualify.toml beside the rules]
    #[arg(long, value_name = "FILE", requires = "source")]
    pub mapping: Option<PathBuf>,
}

/// The databases `qualify sql` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlDialect {
    /// PostgreSQL 12 or later (records and lists in `jsonb` columns)
    Postgres,
    /// DuckDB (records as `STRUCT`, lists as `LIST`, as `read_json` reads JSON Lines)
    Duckdb,
    /// Spark SQL 3.4 or later, and so Databricks (records as `STRUCT`, lists as `ARRAY`)
    Spark,
}

/// Runs `qualify sql`.
pub fn run(args: &SqlArgs) -> Result<ExitStatus, CliError> {
    let as_of = match &args.as_of {
        Some(text) => Some(super::eval::parse_as_of(Some(text))?),
        None => None,
    };
    for (flag, name) in [
        ("--table", Some(&args.table)),
        ("--view", args.view.as_ref()),
    ] {
        if let Some(name) = name
            && name
                .split('.')
                .any(|part| part.is_empty() || part.contains('\0'))
        {
            return Err(CliError::usage(format!(
                "`{flag} {}` is not a table name: dotted parts must not be empty",
                render::printable(name)
            )));
        }
    }
    let (sources, program, mapping) = if args.source.is_some() {
        match load::program_and_mapping(&args.rules, &args.id_field, args.mapping.as_deref())? {
            Ok(loaded) => loaded,
            Err(status) => return Ok(status),
        }
    } else {
        match load::program(&args.rules, &args.id_field)? {
            Ok((sources, program)) => (sources, program, crate::mapping::Mapping::default()),
            Err(status) => return Ok(status),
        }
    };
    let dialect = match args.dialect {
        SqlDialect::Postgres => Dialect::Postgres,
        SqlDialect::Duckdb => Dialect::DuckDb,
        SqlDialect::Spark => Dialect::Spark,
    };
    if let Some(why) = as_of.and_then(|t| crate::sql::instant_problem(dialect, t)) {
        return Err(CliError::usage(format!(
            "`--as-of` cannot be written in {}: {why}",
            dialect.name()
        )));
    }
    let options = Options {
        dialect,
        table: args.table.clone(),
        view: args.view.clone(),
        as_of,
        explain: args.explain,
        events: args.events_table.as_ref().map(|spec| {
            let (field, table) = spec.split_once('=').unwrap_or(("events", spec));
            EventsTable {
                field: field.to_string(),
                table: table.to_string(),
                key: args.key.clone(),
            }
        }),
        mapped: None,
    };
    let mut options = options;
    if let Some(name) = &args.source {
        options.mapped = Some(mapped_sources(&mapping, name, options.events.as_ref())?);
    }
    let options = options;
    if let Some(events) = &options.events {
        if events.table.split('.').any(str::is_empty) || events.field.is_empty() {
            return Err(CliError::usage(format!(
                "`--events-table {}` is not `TABLE` or `FIELD=TABLE`",
                render::printable(args.events_table.as_deref().unwrap_or_default())
            )));
        }
        if let Some(why) = crate::sql::events_problem(&program, events) {
            return Err(CliError::usage(format!(
                "`--events-table {}`: {why}",
                render::printable(args.events_table.as_deref().unwrap_or_default())
            )));
        }
    }
    let text = if args.ddl || args.load.is_some() {
        if !program.plan().typed {
            return Err(CliError::usage(
                "a rule set without a schema has no table to declare: add a `schema`",
            ));
        }
        match &args.load {
            Some(file) => {
                let mut files = Vec::new();
                for (flag, file) in [
                    ("--load", Some(file)),
                    ("--load-events", args.load_events.as_ref()),
                ] {
                    let Some(file) = file else { continue };
                    let Some(name) = file.to_str().filter(|f| !f.contains(['\n', '\0'])) else {
                        return Err(CliError::usage(format!(
                            "`{flag} {}`: the file's name must be UTF-8 text on one line",
                            file.display()
                        )));
                    };
                    files.push(name);
                }
                match &options.mapped {
                    Some(mapped) => {
                        if let Err(crate::sql::Refused::Mapping(refused)) =
                            crate::sql::to_sql(&program, &sources, &options)
                        {
                            return Ok(mapping_refused(&refused, dialect));
                        }
                        crate::sql::csv_load_script(dialect, &csv_loads(&options, mapped, &files)?)
                    }
                    None => crate::sql::load_script(&program, &options, &files),
                }
            }
            None => {
                if options.mapped.is_some()
                    && let Err(crate::sql::Refused::Mapping(refused)) =
                        crate::sql::to_sql(&program, &sources, &options)
                {
                    return Ok(mapping_refused(&refused, dialect));
                }
                crate::sql::table_ddl(&program, &options)
            }
        }
    } else {
        match crate::sql::to_sql(&program, &sources, &options) {
            Ok(text) => text,
            Err(crate::sql::Refused::Rules(diagnostics)) => {
                let color = Color::for_stream(std::io::stderr().is_terminal());
                super::stderr_text!("{}", render::human(&sources, &diagnostics, color));
                super::stderr_text!("{}", render::check_summary(&sources, &diagnostics));
                return Ok(ExitStatus::Failed);
            }
            Err(crate::sql::Refused::Mapping(refused)) => {
                return Ok(mapping_refused(&refused, dialect));
            }
        }
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write to standard output".to_string(), e))?;
    Ok(ExitStatus::Success)
}

/// The sources of the mapping `--source NAME` names: the source of contacts, and the source
/// of activities that fills the events table's list, if there is an events table.
fn mapped_sources(
    mapping: &crate::mapping::Mapping,
    name: &str,
    events: Option<&EventsTable>,
) -> Result<Mapped, CliError> {
    let of_contacts: Vec<&str> = mapping
        .sources
        .iter()
        .filter(|s| s.activities.is_none())
        .map(|s| s.name.as_str())
        .collect();
    let Some(contacts) = mapping
        .sources
        .iter()
        .find(|s| s.name == name && s.activities.is_none())
    else {
        let activities = mapping.sources.iter().any(|s| s.name == name);
        return Err(CliError::usage(if activities {
            format!(
                "`--source {}` is a source of activities: name the source of contacts, and give the activities' table with `--events-table`",
                render::printable(name)
            )
        } else if of_contacts.is_empty() {
            format!(
                "`--source {}`: the mapping has no source of contacts (`[source.NAME]` in qualify.toml beside the rules, or `--mapping FILE`)",
                render::printable(name)
            )
        } else {
            format!(
                "`--source {}`: the mapping has no such source of contacts; it has {}",
                render::printable(name),
                of_contacts
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }));
    };
    let events = match events {
        None => None,
        Some(e) => {
            let filling: Vec<&crate::mapping::Source> = mapping
                .sources
                .iter()
                .filter(|s| s.activities.as_ref().is_some_and(|j| j.list == e.field))
                .collect();
            match filling.as_slice() {
                [] => None,
                [one] => {
                    let key = one.activities.as_ref().map_or("", |j| j.key.as_str());
                    if key.contains("[]") {
                        return Err(CliError::usage(format!(
                            "source `{}` names each activity's contacts by a list in JSON (`key = \"{key}\"`): an events table names one contact per row",
                            one.name
                        )));
                    }
                    // the source names the key column: a different `--key` would be lost
                    if e.key != "contact_id" && e.key != key {
                        return Err(CliError::usage(format!(
                            "`--key {}`: source `{}` reads the events table's key from `{key}` (its `key`); drop `--key` or change the mapping",
                            render::printable(&e.key),
                            one.name
                        )));
                    }
                    Some((*one).clone())
                }
                many => {
                    return Err(CliError::usage(format!(
                        "sources {} all fill `{}`: the events table is read through one of them",
                        many.iter()
                            .map(|s| format!("`{}`", s.name))
                            .collect::<Vec<_>>()
                            .join(", "),
                        e.field
                    )));
                }
            }
        }
    };
    Ok(Mapped {
        contacts: contacts.clone(),
        events,
    })
}

/// Prints the columns of the mapping the SQL cannot read, and the status to exit with.
fn mapping_refused(refused: &[(String, crate::sql::mapped::Refusal)], d: Dialect) -> ExitStatus {
    for (source, r) in refused {
        super::stderr_text!(
            "error[Q0401]: source `{source}`, column `{}`: {}\n",
            render::printable(&r.header),
            r.why
        );
    }
    super::stderr_text!(
        "qualify sql: {} of the mapping cannot be read exactly in {}; no SQL written\n",
        if refused.len() == 1 {
            "1 column".to_string()
        } else {
            format!("{} columns", refused.len())
        },
        d.name()
    );
    ExitStatus::Failed
}

/// The CSV files `--load` and `--load-events` name, with their headers as the files write
/// them, for tables of text cells.
fn csv_loads(
    options: &Options,
    mapped: &Mapped,
    files: &[&str],
) -> Result<Vec<crate::sql::CsvLoad>, CliError> {
    let mut tables = vec![(options.table.clone(), mapped.contacts.delimiter)];
    if let (Some(e), Some(source)) = (&options.events, &mapped.events) {
        tables.push((e.table.clone(), source.delimiter));
    }
    let mut loads = Vec::new();
    for (i, ((table, delimiter), file)) in tables.into_iter().zip(files).enumerate() {
        let flag = if i == 0 { "--load" } else { "--load-events" };
        // the database reads the file with its own CSV reader: only a file that every
        // reader reads alike is loaded
        let opened = std::fs::File::open(file)
            .map_err(|e| CliError::io(format!("cannot read `{file}`"), e))?;
        // the contacts' lines, where they are their ids, are numbered by the database
        let line = i == 0 && mapped.contacts.id == crate::mapping::IdRule::Line;
        let uneven =
            crate::sql::mapped::uneven_csv(std::io::BufReader::new(opened), delimiter, line)
                .map_err(|e| CliError::io(format!("cannot read `{file}`"), e))?;
        match uneven {
            None => {}
            Some((line, crate::sql::mapped::Uneven::Shape(what))) => {
                return Err(CliError::usage(format!(
                    "`{flag} {file}`: line {line}: {what}. A database's CSV reader reads such a file otherwise than qualify does; write it as RFC 4180 CSV (a quoted cell quoted from its first character to its last, every line ending alike, in LF or in CRLF), or load it your own way"
                )));
            }
            Some((line, crate::sql::mapped::Uneven::Lines(what))) => {
                return Err(CliError::usage(format!(
                    "`{flag} {file}`: line {line}: {what}. Source `{}` names each contact by its line (`id = \"line\"`), and a database numbers rows, not lines: the file must hold one row per line, with no empty line before the last row; or load it your own way, with each row's line in column `{}`",
                    mapped.contacts.name,
                    crate::sql::mapped::LINE_COLUMN
                )));
            }
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .from_path(file)
            .map_err(|e| CliError::usage(format!("`{flag} {file}`: cannot read it as CSV: {e}")))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| CliError::usage(format!("`{flag} {file}`: cannot read its header: {e}")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(CliError::usage(format!(
                "`{flag} {file}`: it has no header row (an empty file?): a table needs its columns"
            )));
        }
        // an empty header (a trailing comma) names no field: its column gets a name of its
        // own; two equal headers would be one column
        let headers: Vec<String> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| match h.trim() {
                "" => format!("qualify:column {}", i + 1),
                h => h.to_string(),
            })
            .collect();
        // DuckDB and Spark compare names ignoring case: `Name` and `NAME` are one column
        let folds = options.dialect != crate::sql::Dialect::Postgres;
        let name = |h: &str| {
            if folds {
                h.to_lowercase()
            } else {
                h.to_string()
            }
        };
        let line_column = name(crate::sql::mapped::LINE_COLUMN);
        if let Some(h) = headers.iter().find(|h| line && name(h) == line_column) {
            return Err(CliError::usage(format!(
                "`{flag} {file}`: its header `{}` is the name of the column that holds each row's line (`id = \"line\"`)",
                render::printable(h)
            )));
        }
        // the rows are numbered by DuckDB's `rowid`, which a column of that name hides
        if let Some(h) = headers.iter().find(|h| {
            line && options.dialect == crate::sql::Dialect::DuckDb
                && h.eq_ignore_ascii_case("rowid")
        }) {
            return Err(CliError::usage(format!(
                "`{flag} {file}`: its header `{}` hides DuckDB's `rowid`, by which the rows' lines are numbered (`id = \"line\"`); rename the column, or load the file your own way",
                render::printable(h)
            )));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(h) = headers.iter().find(|h| !seen.insert(name(h))) {
            let exactly = headers.iter().filter(|o| o.as_str() == h.as_str()).count();
            let case = if exactly < 2 {
                format!(
                    " (in other case: {} reads names ignoring case)",
                    options.dialect.name()
                )
            } else {
                String::new()
            };
            return Err(CliError::usage(format!(
                "`{flag} {file}`: its header `{}` is written twice{case}; a table's columns need distinct names",
                render::printable(h)
            )));
        }
        loads.push(crate::sql::CsvLoad {
            table,
            file: file.to_string(),
            headers,
            delimiter,
            line,
        });
    }
    Ok(loads)
}
