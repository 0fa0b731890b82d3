//! `qualify eval`: classify contacts from data files.

use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::render::{self, Color};
use super::{CliError, ExitStatus, load};
use crate::check::CheckOptions;
use crate::codes::Code;
use crate::compile::{Node, Program};
use crate::data::{self, Contact, DataError, InputFormat};
use crate::diagnostic::Diagnostic;
use crate::eval::{Evaluator, RuntimeError};
use crate::explain::{ClassExplanation, Condition, Explainer, Shape, Truth};
use crate::source::SourceMap;

/// Arguments of `qualify eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Rule file or directory
    pub rules: PathBuf,

    /// Contact files (`.json`, `.jsonl`, `.csv`); `-` reads standard input
    #[arg(required = true)]
    pub data: Vec<PathBuf>,

    /// When and how contacts are read
    #[command(flatten)]
    pub reading: ReadingArgs,

    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,

    /// Only these classifications, in this order (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "NAME,…")]
    pub select: Vec<String>,

    /// Print counts per value of each classification (funnel order) instead of one row
    /// per contact
    #[arg(long)]
    pub summary: bool,

    /// Add a `<name>.reason` column per classification: the matched row and the
    /// conditions that decided it
    #[arg(long)]
    pub explain: bool,

    /// What to do with a record that cannot be read: report it and go on, or stop
    #[arg(long, value_enum, default_value_t = OnError::Continue)]
    pub on_error: OnError,
}

/// The options every command that reads contacts shares (`eval`, `explain`).
#[derive(Debug, Args)]
pub struct ReadingArgs {
    /// The evaluation instant `now`: a date (its start, UTC) or a datetime (RFC 3339; UTC
    /// when it has no offset) [default: the current time]
    #[arg(long, value_name = "DATE|DATETIME")]
    pub as_of: Option<String>,

    /// The format of the data files [default: from each file's extension]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormatArg>,

    /// The field that names each contact
    #[arg(long, default_value = "id", value_name = "FIELD", value_parser = super::id_field)]
    pub id_field: String,
}

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// A JSON array of objects
    Json,
    /// One JSON object per line
    Jsonl,
    /// CSV with a header row; dotted headers for nested fields
    Csv,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people
    Table,
    /// CSV with a header row (`none` is an empty cell)
    Csv,
    /// One JSON array (`none` is `null`)
    Json,
    /// One JSON object per line (`none` is `null`)
    Jsonl,
}

/// What to do with a bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Report it on standard error, skip it and exit 3 at the end
    Continue,
    /// Stop at the first bad record (exit 3)
    Fail,
}

/// Reads, checks and compiles a rule set; on errors prints them and returns `None`.
pub fn load_program(
    rules: &PathBuf,
    id_field: &str,
) -> Result<Result<(SourceMap, Program), ExitStatus>, CliError> {
    let sources = load::rule_set(std::slice::from_ref(rules))?;
    let options = CheckOptions {
        id_field: id_field.to_string(),
    };
    let (checked, diagnostics) = crate::front_end(&sources, &options);
    if !diagnostics.is_empty() {
        let color = Color::for_stream(std::io::stderr().is_terminal());
        super::stderr_text!("{}", render::human(&sources, &diagnostics, color));
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        super::stderr_text!("{}", super::check::summary(&sources, &diagnostics));
        return Ok(Err(ExitStatus::Failed));
    }
    let program = crate::compile::compile(&checked);
    Ok(Ok((sources, program)))
}

/// Parses `--as-of`: a date means its start in UTC; a datetime without offset is UTC.
pub fn parse_as_of(text: Option<&str>) -> Result<jiff::Timestamp, CliError> {
    let Some(text) = text else {
        return Ok(jiff::Timestamp::now());
    };
    data::parse_as_of(text).ok_or_else(|| {
        CliError::usage(format!(
            "`--as-of {text}` is not a date (2026-11-22) or datetime (2026-11-22T09:30:00Z)"
        ))
    })
}

/// Reads a data file (or standard input for `-`).
pub fn read_data(path: &PathBuf) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::io("cannot read standard input".to_string(), e))?;
        return Ok(text);
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::io(format!("cannot read `{}`", path.display()), e))?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "`{}` is not UTF-8 text (first bad byte at offset {}); re-export it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The format of a data file: the flag, else its extension.
pub fn input_format(
    path: &std::path::Path,
    flag: Option<InputFormatArg>,
) -> Result<InputFormat, CliError> {
    if let Some(f) = flag {
        return Ok(match f {
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
            InputFormatArg::Csv => InputFormat::Csv,
        });
    }
    if path.as_os_str() == "-" {
        return Err(CliError::usage(
            "reading standard input needs `--input-format json|jsonl|csv`",
        ));
    }
    InputFormat::from_path(path).ok_or_else(|| {
        CliError::usage(format!(
            "cannot tell the format of `{}` from its extension; use `--input-format json|jsonl|csv`",
            path.display()
        ))
    })
}

/// A runtime error of a rule set without schema, as a located data error.
pub fn runtime_error(
    sources: &SourceMap,
    program: &Program,
    file: &str,
    contact: &Contact,
    error: RuntimeError,
) -> DataError {
    let node = error.node as usize;
    let field = match &program.nodes[node] {
        Node::Field { layout, slot, .. } => {
            Some(program.plan.records[*layout].field_path(*slot as usize))
        }
        _ => None,
    };
    let rule_text = sources.slice(program.spans[node]);
    DataError {
        code: Code::RuntimeType,
        file: file.to_string(),
        line: Some(contact.line),
        column: None,
        id: Some(contact.id.clone()),
        field,
        problem: data::DataProblem::Runtime {
            rule: rule_text.to_string(),
            detail: error.message,
        },
        fatal: false,
    }
}

/// Runs `qualify eval`.
pub fn run(args: &EvalArgs) -> Result<ExitStatus, CliError> {
    let now = parse_as_of(args.reading.as_of.as_deref())?;
    let (sources, program) = match load_program(&args.rules, &args.reading.id_field)? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let columns = selected_columns(&program, &args.select)?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Csv
    });
    // Read every input before writing anything, so a missing file fails the run cleanly.
    let mut inputs = Vec::with_capacity(args.data.len());
    for path in &args.data {
        let format = input_format(path, args.reading.input_format)?;
        let text = read_data(path)?;
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            load::display_path(path)
        };
        inputs.push((name, format, text));
    }

    let mut evaluator = Evaluator::new(&program, now);
    let mut rows: Vec<Row> = Vec::new();
    let mut seen_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut repeated_ids = 0usize;
    let mut first_repeat: Option<String> = None;
    let mut read = 0usize;
    let mut failed = 0usize;
    let mut stopped = false;
    let mut lost_rest = Vec::new();
    'files: for (name, format, text) in &inputs {
        for record in data::read(*format, name, text, &program.plan) {
            let result = record.and_then(|contact| {
                let located = |e| Box::new(runtime_error(&sources, &program, name, &contact, e));
                let values = evaluator.classify(&contact.slots).map_err(located)?;
                let mut reasons = Vec::new();
                if args.explain {
                    let mut explainer =
                        Explainer::new(&program, &sources, &mut evaluator, &contact.slots);
                    for c in 0..program.classes.len() {
                        reasons.push(short_reason(&explainer.class(c).map_err(located)?));
                    }
                }
                Ok(Row {
                    id: contact.id.clone(),
                    values,
                    reasons,
                })
            });
            match result {
                Ok(row) => {
                    read += 1;
                    if !seen_ids.insert(row.id.clone()) {
                        repeated_ids += 1;
                        first_repeat.get_or_insert_with(|| row.id.clone());
                    }
                    rows.push(row);
                }
                Err(error) => {
                    if error.fatal {
                        lost_rest.push(name.clone());
                    } else {
                        read += 1;
                    }
                    failed += 1;
                    super::stderr_line!("{}", render::data::line(&error));
                    if args.on_error == OnError::Fail {
                        stopped = true;
                        break 'files;
                    }
                }
            }
        }
    }

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = if args.summary {
        write_summary(&mut out, format, &program, &columns, &rows)
    } else {
        write_rows(
            &mut out,
            format,
            result_table(
                &program,
                &columns,
                &rows,
                &args.reading.id_field,
                args.explain,
            ),
        )
    };
    written
        .and_then(|_| out.flush())
        .map_err(|e| CliError::io("cannot write the results".to_string(), e))?;

    let classified = rows.len();
    let records_failed = read - classified;
    let mut summary = format!(
        "{read} {} read: {classified} classified, {records_failed} failed",
        if read == 1 { "contact" } else { "contacts" }
    );
    if !lost_rest.is_empty() {
        summary.push_str(&format!(
            "; reading stopped early in {} (the rest of the file could not be read)",
            lost_rest.join(", ")
        ));
    }
    if stopped {
        summary.push_str("; stopped at the first bad record (--on-error fail)");
    }
    if let Some(id) = first_repeat {
        // not an error (exports do repeat contacts), but results keyed by id would collide
        super::stderr_line!(
            "note: {repeated_ids} contact{} repeat an id seen before (the first is `{id}`)",
            if repeated_ids == 1 { "" } else { "s" }
        );
    }
    super::stderr_line!("{summary}");
    Ok(if failed > 0 {
        ExitStatus::DataErrors
    } else {
        ExitStatus::Success
    })
}

/// Indices of the classifications to show: all, or those named with `--select`.
fn selected_columns(program: &Program, select: &[String]) -> Result<Vec<usize>, CliError> {
    if select.is_empty() {
        return Ok((0..program.classes.len()).collect());
    }
    for (i, name) in select.iter().enumerate() {
        if select[..i].contains(name) {
            return Err(CliError::usage(format!("`--select` names `{name}` twice")));
        }
    }
    select
        .iter()
        .map(|name| {
            program
                .classes
                .iter()
                .position(|c| c.name == name.trim())
                .ok_or_else(|| {
                    let names: Vec<&str> = program.classes.iter().map(|c| c.name.as_str()).collect();
                    let hint = crate::diagnostic::did_you_mean(name, names.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    CliError::usage(format!(
                        "`--select {name}`: no classification of that name; {hint}the rules classify {}",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ))
                })
        })
        .collect()
}

/// One classified contact.
struct Row {
    id: String,
    /// Value index per classification (definition order).
    values: Vec<Option<usize>>,
    /// With `--explain`: the short reason per classification.
    reasons: Vec<String>,
}

/// The results as a header and cells (`None` is no value), whatever the output format.
fn result_table(
    program: &Program,
    columns: &[usize],
    rows: &[Row],
    id_field: &str,
    explain: bool,
) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let mut header = vec![id_field.to_string()];
    for &c in columns {
        header.push(program.classes[c].name.clone());
        if explain {
            // a dot cannot occur in a classification name, so the column cannot collide
            header.push(format!("{}.reason", program.classes[c].name));
        }
    }
    let cells = rows
        .iter()
        .map(|row| {
            let mut line = vec![Some(row.id.clone())];
            for &c in columns {
                line.push(row.values[c].map(|v| program.classes[c].values[v].clone()));
                if explain {
                    line.push(row.reasons.get(c).cloned());
                }
            }
            line
        })
        .collect();
    (header, cells)
}

fn write_rows(
    out: &mut impl Write,
    format: OutputFormat,
    (header, cells): (Vec<String>, Vec<Vec<Option<String>>>),
) -> std::io::Result<()> {
    match format {
        OutputFormat::Table => {
            let body: Vec<Vec<String>> = cells
                .into_iter()
                .map(|line| {
                    line.into_iter()
                        .map(|c| c.unwrap_or_else(|| "none".into()))
                        .collect()
                })
                .collect();
            write_table(out, &header, &body)
        }
        OutputFormat::Csv => {
            let mut writer = ::csv::Writer::from_writer(out);
            writer
                .write_record(&header)
                .map_err(std::io::Error::other)?;
            for line in cells {
                let line: Vec<String> = line.into_iter().map(Option::unwrap_or_default).collect();
                writer.write_record(&line).map_err(std::io::Error::other)?;
            }
            writer.flush()
        }
        OutputFormat::Json | OutputFormat::Jsonl => {
            let objects = cells.into_iter().map(|line| {
                let object: serde_json::Map<String, serde_json::Value> = header
                    .iter()
                    .cloned()
                    .zip(
                        line.into_iter()
                            .map(|c| c.map_or(serde_json::Value::Null, serde_json::Value::String)),
                    )
                    .collect();
                serde_json::Value::Object(object)
            });
            if format == OutputFormat::Jsonl {
                for object in objects {
                    serde_json::to_writer(&mut *out, &object)?;
                    out.write_all(b"\n")?;
                }
            } else {
                let all: Vec<serde_json::Value> = objects.collect();
                serde_json::to_writer_pretty(&mut *out, &all)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
    }
}

/// The matched row and the conditions that decided it, in one line.
fn short_reason(class: &ClassExplanation) -> String {
    if let Some(guard) = &class.guard
        && guard.truth != Truth::True
    {
        return format!("guard `{}` is {}", guard.text, guard.truth.word());
    }
    match class.rows.iter().find(|r| r.matched) {
        Some(row) => format!("{}: {}", row.value, deciding(&row.condition)),
        None if class.by_otherwise => "no row matched (otherwise)".to_string(),
        None => "no row matched".to_string(),
    }
}

/// The parts of a true condition that made it true.
fn deciding(c: &Condition) -> String {
    match c.shape {
        Shape::And => c
            .parts
            .iter()
            .map(|p| p.text.clone())
            .collect::<Vec<_>>()
            .join(" and "),
        Shape::Or => c
            .parts
            .iter()
            .find(|p| p.truth == Truth::True)
            .map_or_else(|| c.text.clone(), deciding),
        Shape::Named => match c.parts.first() {
            Some(d) if d.shape != Shape::Leaf => format!("{} ({})", c.text, deciding(d)),
            _ => c.text.clone(),
        },
        Shape::Not | Shape::Leaf => c.text.clone(),
    }
}

/// Writes rows as aligned columns under a header.
pub fn write_table(
    out: &mut impl Write,
    header: &[String],
    body: &[Vec<String>],
) -> std::io::Result<()> {
    let body: Vec<Vec<String>> = body
        .iter()
        .map(|line| {
            line.iter()
                .map(|c| render::printable(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for line in &body {
        for (i, cell) in line.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for line in std::iter::once(header).chain(body.iter().map(Vec::as_slice)) {
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            if i + 1 == line.len() {
                text.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())?;
    }
    Ok(())
}

/// Counts per value of each classification in funnel order, `none` last.
fn summary_counts<'p>(
    program: &'p Program,
    columns: &[usize],
    rows: &[Row],
) -> Vec<(&'p str, String, usize)> {
    let mut out = Vec::new();
    for &c in columns {
        let class = &program.classes[c];
        for v in class.funnel_order() {
            let count = rows.iter().filter(|row| row.values[c] == Some(v)).count();
            out.push((class.name.as_str(), class.values[v].clone(), count));
        }
        let none = rows.iter().filter(|row| row.values[c].is_none()).count();
        out.push((class.name.as_str(), "none".to_string(), none));
    }
    out
}

/// `--summary`: a table per classification for people; one row per value otherwise.
fn write_summary(
    out: &mut impl Write,
    format: OutputFormat,
    program: &Program,
    columns: &[usize],
    rows: &[Row],
) -> std::io::Result<()> {
    let counts = summary_counts(program, columns, rows);
    let total = rows.len().max(1) as f64;
    let share = |count: usize| (1000.0 * count as f64 / total).round() / 10.0;
    match format {
        OutputFormat::Table => {
            for (n, &c) in columns.iter().enumerate() {
                let name = &program.classes[c].name;
                if n > 0 {
                    writeln!(out)?;
                }
                let body: Vec<Vec<String>> = counts
                    .iter()
                    .filter(|(class, _, _)| class == name)
                    .map(|(_, value, count)| {
                        vec![
                            value.clone(),
                            count.to_string(),
                            format!("{:.1}%", share(*count)),
                        ]
                    })
                    .collect();
                write_table(
                    out,
                    &[name.clone(), "contacts".into(), "share".into()],
                    &body,
                )?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut writer = ::csv::Writer::from_writer(out);
            writer
                .write_record(["classification", "value", "contacts", "share_percent"])
                .map_err(std::io::Error::other)?;
            for (class, value, count) in &counts {
                writer
                    .write_record([
                        class.to_string(),
                        value.clone(),
                        count.to_string(),
                        format!("{:.1}", share(*count)),
                    ])
                    .map_err(std::io::Error::other)?;
            }
            writer.flush()
        }
        OutputFormat::Json | OutputFormat::Jsonl => {
            let objects: Vec<serde_json::Value> = counts
                .iter()
                .map(|(class, value, count)| {
                    serde_json::json!({
                        "classification": class,
                        "value": value,
                        "contacts": count,
                        "share_percent": share(*count),
                    })
                })
                .collect();
            if format == OutputFormat::Jsonl {
                for object in &objects {
                    serde_json::to_writer(&mut *out, object)?;
                    out.write_all(b"\n")?;
                }
            } else {
                serde_json::to_writer_pretty(&mut *out, &objects)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
    }
}
