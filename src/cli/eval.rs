//! `qualify eval`: classify contacts from data files.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::render;
pub use super::render::results::OutputFormat;
use super::render::results::{RowWriter, result_header, write_summary};
use super::{CliError, ExitStatus, load, progress};
use crate::compile::Program;
use crate::data::{DataError, InputFormat};
use crate::mapping::Mapping;
use crate::run;

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

    /// Stop after this many records could not be read or classified (exit 3)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_errors: Option<u64>,

    /// Write the results to this file instead of standard output (replaced whole, or not
    /// at all if writing fails)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// CSV output: write cells as they are, without the `'` that keeps spreadsheets from
    /// reading a cell that starts with `=`, `+`, `-`, `@`, `|`, tab or CR as a formula
    #[arg(long)]
    pub csv_raw: bool,

    /// Threads that decode and classify the input (results keep the input order)
    /// [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
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

    /// How to read the data files' columns and cells (see docs/mappings.md) [default:
    /// `qualify.toml` beside the rules, if it has a `[source.…]`]
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// A file of activities (tasks, calls, touches) to join to the contacts by the key its
    /// mapping source names (`activities = "LIST"`, `key = "HEADER"`; see
    /// docs/mappings.md); may be given more than once
    #[arg(long, value_name = "FILE")]
    pub activities: Vec<PathBuf>,
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

/// What to do with a bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Report it on standard error, skip it and exit 3 at the end
    Continue,
    /// Stop at the first bad record (exit 3)
    Fail,
}

/// Parses `--as-of`: a date means its start in UTC; a datetime without offset is UTC.
pub fn parse_as_of(text: Option<&str>) -> Result<jiff::Timestamp, CliError> {
    let Some(text) = text else {
        return Ok(jiff::Timestamp::now());
    };
    crate::semantics::time::parse_as_of(text).ok_or_else(|| {
        let why = match crate::semantics::time::calendar_problem(text) {
            Some(problem) => format!(": {}", render::calendar_problem(problem)),
            None => String::new(),
        };
        CliError::usage(format!(
            "`--as-of {text}` is not a date (2026-11-22) or datetime (2026-11-22T09:30:00Z){why}"
        ))
    })
}

impl ReadingArgs {
    /// The rule set's program and the mapping these options name, both checked.
    #[allow(clippy::type_complexity)]
    pub fn program(
        &self,
        rules: &std::path::Path,
    ) -> Result<Result<(crate::source::SourceMap, Program, Mapping), ExitStatus>, CliError> {
        load::program_and_mapping(rules, &self.id_field, self.mapping.as_deref())
    }

    /// Reads every `--activities` file through its mapping source, before any contact: the
    /// activities, or the exit status after their file's error was printed.
    pub fn activities(
        &self,
        program: &Program,
        mapping: &Mapping,
    ) -> Result<Result<Vec<crate::data::Activities>, ExitStatus>, CliError> {
        Ok(
            read_activities(&self.activities, self.input_format(), program, mapping)?.map_err(
                |(e, shown)| {
                    super::stderr_line!("{}", render::data::line(&e));
                    super::stderr_line!(
                        "no contact was classified: {shown} could not be read, and every contact's activities are in it"
                    );
                    ExitStatus::DataErrors
                },
            ),
        )
    }

    /// Opens the contact files `data` (standard input at most once among them and the
    /// `--activities` files), before anything is read or written.
    pub fn data_files(&self, data: &[PathBuf]) -> Result<Vec<load::DataFile>, CliError> {
        let stdin = data.iter().chain(&self.activities);
        if stdin.filter(|p| p.as_os_str() == "-").count() > 1 {
            return Err(CliError::usage(
                "`-` (standard input) is named more than once; it can be read only once",
            ));
        }
        data.iter()
            .map(|path| load::data_file(path, self.input_format()))
            .collect()
    }

    /// The `--input-format` flag as a data format.
    pub fn input_format(&self) -> Option<InputFormat> {
        self.input_format.map(|f| match f {
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
            InputFormatArg::Csv => InputFormat::Csv,
        })
    }
}

/// Reads files of activities (`--activities`) through their mapping sources, before any
/// contact: the activities, or the error that ends the first file that cannot be read
/// (with the file as messages show it).
pub fn read_activities(
    paths: &[PathBuf],
    format: Option<InputFormat>,
    program: &Program,
    mapping: &Mapping,
) -> Result<Result<Vec<crate::data::Activities>, (crate::data::DataError, String)>, CliError> {
    let mut out: Vec<crate::data::Activities> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        // one file under two spellings (`tasks.csv`, `./tasks.csv`) would be joined twice
        if let Some(earlier) = paths[..i].iter().find(|p| load::same_file(p, path)) {
            if earlier != path {
                return Err(CliError::usage(format!(
                    "`--activities {}` and `--activities {}` are the same file; each of its activities would be joined twice",
                    earlier.display(),
                    path.display()
                )));
            }
            return Err(CliError::usage(format!(
                "`--activities {}` is given twice; each of its activities would be joined twice",
                path.display()
            )));
        }
        if path.is_dir() {
            return Err(CliError::usage(format!(
                "`--activities {}` is a directory; name the file of activities in it",
                path.display()
            )));
        }
        let mut file = load::data_file(path, format)?;
        let Some(source) = mapping
            .activities_for(&file.name)
            .map_err(CliError::usage)?
        else {
            // standard input has no name: only a source without `files` reads it
            let files = if path.as_os_str() == "-" {
                "no `files`".to_string()
            } else {
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                format!("`files = [\"{name}\"]`")
            };
            return Err(CliError::usage(format!(
                "no source of the mapping reads {} as activities: add a `[source.NAME]` with {files}, `activities = \"LIST\"` (the list field its rows fill) and `key = \"HEADER\"` (the column naming each row's contact); see docs/mappings.md",
                file.shown(),
            )));
        };
        let Some(join) = &source.activities else {
            continue;
        };
        let shown = file.shown();
        // a regular file can be read again: activities grouped by key are read in place
        let original = (path.as_os_str() != "-" && path.metadata().is_ok_and(|m| m.is_file()))
            .then(|| std::fs::File::open(path).ok())
            .flatten();
        let input = file.input();
        match crate::data::Activities::read(
            input.name,
            input.format,
            input.reader,
            program.plan(),
            source,
            join,
            original,
        ) {
            Ok(activities) => {
                for a in activities.absent_columns() {
                    let what = render::absent_column(
                        &a.header,
                        a.near.as_deref(),
                        a.filled_by.as_deref(),
                        "activity",
                    );
                    super::stderr_line!(
                        "note: {shown} has no column `{}`, which the mapping reads into `{}`; {what}",
                        render::printable(&a.header),
                        a.field
                    );
                }
                out.push(activities)
            }
            Err(e) => return Ok(Err((*e, shown))),
        }
    }
    Ok(Ok(out))
}

/// Runs `qualify eval`.
pub fn run(args: &EvalArgs) -> Result<ExitStatus, CliError> {
    let now = parse_as_of(args.reading.as_of.as_deref())?;
    let (sources, program, mapping) = match args.reading.program(&args.rules)? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let columns = selected_columns(&program, &args.select)?;
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Csv
    });
    // the results would replace an export before it is read
    if let Some(output) = &args.output
        && let Some(input) = args
            .data
            .iter()
            .chain(&args.reading.activities)
            .find(|p| load::same_file(p, output))
    {
        return Err(CliError::usage(format!(
            "`--output {}` is the input `{}`: the results would replace the export; write them to another file",
            output.display(),
            input.display()
        )));
    }
    // Open every input before writing anything, so a missing file fails the run cleanly.
    let mut files = args.reading.data_files(&args.data)?;
    let through = files
        .iter()
        .map(|f| f.source(&mapping))
        .collect::<Result<Vec<_>, _>>()?;
    let activities = match args.reading.activities(&program, &mapping)? {
        Ok(activities) => activities,
        Err(status) => return Ok(status),
    };
    let options = run::Options {
        now,
        on_error: match (args.on_error, args.max_errors) {
            (OnError::Fail, _) => run::ErrorPolicy::Stop,
            (OnError::Continue, Some(n)) => {
                run::ErrorPolicy::StopAfter(usize::try_from(n).unwrap_or(usize::MAX))
            }
            (OnError::Continue, None) => run::ErrorPolicy::Continue,
        },
        reasons: args.explain,
        jobs: match args.jobs {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        },
        // only what is shown is evaluated (and what it uses)
        classes: Some(&columns),
        activities: &activities,
        base: None,
    };
    let csv = render::results::CsvCells { raw: args.csv_raw };
    let sizes: Vec<Option<u64>> = files.iter().map(|f| f.size).collect();
    let shown = progress::shown(std::io::stderr().is_terminal(), &sizes);
    let progress = progress::Progress::new(shown, &sizes);
    let mut tally = None;
    // results are written as they come, so memory does not grow with the input
    let mut write = |out: &mut dyn Write| {
        let out = BufWriter::with_capacity(1 << 16, out);
        let inputs: Vec<run::Input<'_>> = files
            .iter_mut()
            .zip(&through)
            .map(|(f, source)| f.input().through(*source))
            .collect();
        let mut sink = Emit {
            program: &program,
            columns: &columns,
            explain: args.explain,
            progress: &progress,
            output: if args.summary {
                Output::Summary {
                    out,
                    funnel: run::Funnel::new(&program),
                }
            } else {
                let header =
                    result_header(&program, &columns, &args.reading.id_field, args.explain);
                Output::Rows(Box::new(RowWriter::new(out, format, csv, header)?))
            },
        };
        let run = run::run(&program, &sources, inputs, options, &mut sink);
        sink.progress.finish();
        tally = Some(run?);
        match sink.output {
            Output::Summary { mut out, funnel } => {
                write_summary(&mut out, format, csv, &program, &columns, &funnel)?;
                out.flush()
            }
            Output::Rows(rows) => rows.finish(),
        }
    };
    match &args.output {
        Some(path) => load::write_atomically(path, write)?,
        None => write(&mut std::io::stdout().lock())
            .map_err(|e| CliError::io("cannot write the results".to_string(), e))?,
    }
    let tally = tally.unwrap_or_default();
    for absent in &tally.absent_columns {
        let what = render::absent_column(
            &absent.header,
            absent.near.as_deref(),
            absent.filled_by.as_deref(),
            "contact",
        );
        super::stderr_line!(
            "note: {} has no column `{}`, which the mapping reads into `{}`; {what}",
            load::shown(&absent.file),
            render::printable(&absent.header),
            absent.field
        );
    }

    if let Some(id) = &tally.first_repeat {
        // not an error (exports do repeat contacts), but results keyed by id would collide
        super::stderr_line!(
            "note: {} an id seen before (the first is `{}`)",
            render::count(tally.repeated_ids, "contact repeats", "contacts repeat"),
            render::printable(id)
        );
    }
    super::stderr_line!("{}", render::tally(&tally));
    for join in &tally.joins {
        super::stderr_line!("{}", render::joined(join));
    }
    Ok(if tally.errors > 0 {
        ExitStatus::DataErrors
    } else {
        ExitStatus::Success
    })
}

/// Where the results go.
enum Output<W: Write> {
    /// `--summary`: counts, written at the end.
    Summary { out: W, funnel: run::Funnel },
    /// A row per contact, written as it comes.
    Rows(Box<RowWriter<W>>),
}

/// Writes results as the run gives them; reports bad records on standard error as they
/// come.
struct Emit<'a, W: Write> {
    program: &'a Program,
    columns: &'a [usize],
    explain: bool,
    progress: &'a progress::Progress,
    output: Output<W>,
}

impl<W: Write> run::Sink for Emit<'_, W> {
    type Error = std::io::Error;

    fn classified(&mut self, record: run::Classified<'_>) -> Result<(), Self::Error> {
        self.progress.record();
        match &mut self.output {
            Output::Summary { funnel, .. } => funnel.add(record.outcomes),
            Output::Rows(rows) => {
                let classes = self.program.classes();
                let reasons: Vec<String> = record.reasons.iter().map(render::reason).collect();
                let mut cells = Vec::with_capacity(1 + 2 * self.columns.len());
                cells.push(Some(record.contact.id.as_str()));
                for &c in self.columns {
                    let value = record.outcomes[c].value;
                    cells.push(value.map(|v| classes[c].values[v].as_str()));
                    if self.explain {
                        cells.push(reasons.get(c).map(String::as_str));
                    }
                }
                rows.row(&cells)?;
            }
        }
        Ok(())
    }

    fn failed(&mut self, error: &DataError) -> Result<(), Self::Error> {
        self.progress.record();
        let line = render::data::line(error);
        self.progress.suspend(|| super::stderr_line!("{line}"));
        Ok(())
    }

    fn empty(&mut self, input: &str) -> Result<(), Self::Error> {
        let note = format!(
            "note: {} holds no contacts (it is empty)",
            load::shown(input)
        );
        self.progress.suspend(|| super::stderr_line!("{note}"));
        Ok(())
    }

    fn read(&mut self, input: usize, bytes: u64) {
        self.progress.read(input, bytes);
    }
}

/// Indices of the classifications to show: all, or those named with `--select`.
fn selected_columns(program: &Program, select: &[String]) -> Result<Vec<usize>, CliError> {
    if select.is_empty() {
        return Ok((0..program.classes().len()).collect());
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
                    let names: Vec<&str> = program.classes().iter().map(|c| c.name.as_str()).collect();
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
