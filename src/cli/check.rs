//! `qualify check`: parse, resolve, type-check and lint rule sets.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::render::{self, Color};
use super::{CliError, ExitStatus, load};
use crate::check::CheckOptions;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lint::{Level, LintConfig};
use crate::source::SourceMap;

/// Arguments of `qualify check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files or directories; all of them form one rule set
    #[arg(default_value = "rules/")]
    pub paths: Vec<PathBuf>,

    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// Print the long explanation of a diagnostic code (e.g. Q0004) or lint (e.g.
    /// unreachable-row) and exit
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,

    /// The field that names each contact
    #[arg(long, default_value = "id", value_name = "FIELD", value_parser = super::id_field)]
    pub id_field: String,

    /// Report these lints (names or codes) as warnings; repeatable, comma-separated
    #[arg(long, value_name = "LINT", value_delimiter = ',')]
    pub warn: Vec<String>,

    /// Report these lints as errors; `--deny warnings` fails on every warning
    #[arg(long, value_name = "LINT", value_delimiter = ',')]
    pub deny: Vec<String>,

    /// Do not report these lints
    #[arg(long, value_name = "LINT", value_delimiter = ',')]
    pub allow: Vec<String>,

    /// Also hold the rules against these contact files (read through the mapping in
    /// `qualify.toml` beside the rules): fields never or mostly missing, values the schema
    /// does not know, records that cannot be read, tested values, rows no contact reaches and
    /// activities that name no contact (Q1101–Q1108)
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub data: Vec<PathBuf>,

    /// With `--data`: files of activities joined to the contacts by the key their mapping
    /// source names (as `eval --activities`)
    #[arg(long, value_name = "FILE", requires = "data")]
    pub activities: Vec<PathBuf>,

    /// With `--data`: read at most this many contacts of each file
    #[arg(long, value_name = "N", requires = "data", value_parser = clap::value_parser!(u64).range(1..))]
    pub sample: Option<u64>,

    /// With `--data`: the instant `now` for the rules (as `eval --as-of`) [default: the
    /// current time]
    #[arg(long, value_name = "DATE|DATETIME", requires = "data")]
    pub as_of: Option<String>,
}

/// Output formats of `qualify check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Annotated source snippets for people
    Human,
    /// A JSON array with one object per diagnostic
    Json,
    /// GitHub Actions workflow commands, shown inline on pull requests
    Github,
    /// SARIF 2.1.0, for code scanning tools
    Sarif,
}

/// Runs `qualify check`.
pub fn run(args: &CheckArgs) -> Result<ExitStatus, CliError> {
    if let Some(code) = &args.explain {
        return explain(code);
    }
    let mut sources = load::rule_set(&args.paths)?;
    let options = CheckOptions {
        id_field: args.id_field.clone(),
    };
    let config = lint_config(&args.paths, &args.allow, &args.warn, &args.deny)?;
    let analysis = crate::analyze(&sources, &options, &config);
    let mut diagnostics = analysis.diagnostics;
    let mut mapping = crate::mapping::Mapping::default();
    // the mapping beside the rules is checked with them, so CI catches its mistakes before
    // a run over data does
    if analysis.program.is_some()
        && let Some(file) = rules_root(&args.paths).map(|r| r.join("qualify.toml"))
        && file.is_file()
    {
        let text = load::read_rule_file(&file)?;
        // parsed in a map of its own, then added to the rules' only when it has problems
        // to show, so that a clean mapping changes no count of files checked
        let mut alone = SourceMap::new();
        let id = alone.add(load::display_path(&file), text.clone());
        match crate::mapping::parse(&text, id, &analysis.rules) {
            Ok(found) => mapping = found,
            Err(_) => {
                let id = sources.add(load::display_path(&file), text.clone());
                if let Err(problems) = crate::mapping::parse(&text, id, &analysis.rules) {
                    diagnostics.extend(problems);
                }
            }
        }
    }
    if !args.data.is_empty()
        && let Some(program) = &analysis.program
        && !diagnostics.iter().any(Diagnostic::is_error)
    {
        let found = data_lint(args, program, &sources, &analysis.rules, &mapping)?;
        diagnostics.extend(config.apply(found));
    }
    // buffered: diagnostics are written one at a time, and standard output alone would
    // flush at every line
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let cannot_write = |e| CliError::io("cannot write to standard output".to_string(), e);
    let text = match args.format {
        CheckFormat::Human => {
            let color = Color::for_stream(std::io::stdout().is_terminal());
            render::write_human(&mut out, &sources, &diagnostics, color).map_err(cannot_write)?;
            render::check_summary(&sources, &diagnostics)
        }
        CheckFormat::Json => {
            let json = render::json_diagnostics(&sources, &diagnostics);
            let mut text = serde_json::to_string_pretty(&json)
                .map_err(|e| CliError::internal(format!("cannot write JSON: {e}")))?;
            text.push('\n');
            text
        }
        CheckFormat::Github => render::github(&sources, &diagnostics),
        CheckFormat::Sarif => {
            let mut text = serde_json::to_string_pretty(&render::sarif(&sources, &diagnostics))
                .map_err(|e| CliError::internal(format!("cannot write SARIF: {e}")))?;
            text.push('\n');
            text
        }
    };
    out.write_all(text.as_bytes()).map_err(cannot_write)?;
    out.flush().map_err(cannot_write)?;
    Ok(if diagnostics.iter().any(Diagnostic::is_error) {
        ExitStatus::Failed
    } else {
        ExitStatus::Success
    })
}

/// The data lint: each `--data` file run through the program into a profile, and what the
/// profiles show, located in the rules.
fn data_lint(
    args: &CheckArgs,
    program: &crate::compile::Program,
    sources: &SourceMap,
    rules: &crate::check::RuleSet,
    mapping: &crate::mapping::Mapping,
) -> Result<Vec<Diagnostic>, CliError> {
    let now = super::eval::parse_as_of(args.as_of.as_deref())?;
    if args
        .data
        .iter()
        .chain(&args.activities)
        .any(|p| p.as_os_str() == "-")
    {
        return Err(CliError::usage(
            "`check --data` reads files, not standard input: save the export and pass its path",
        ));
    }
    for (i, path) in args.data.iter().enumerate() {
        // its records would be counted twice in every finding
        if let Some(earlier) = args.data[..i].iter().find(|p| load::same_file(p, path)) {
            return Err(CliError::usage(format!(
                "`--data {}` is given twice (also as `{}`); each of its records would be counted twice",
                path.display(),
                earlier.display()
            )));
        }
    }
    let mut files = args
        .data
        .iter()
        .map(|path| load::data_file(path, None))
        .collect::<Result<Vec<_>, _>>()?;
    let word = render::data::located;
    let activities = match super::eval::read_activities(&args.activities, None, program, mapping)? {
        Ok(activities) => activities,
        Err((e, _)) => return Ok(vec![crate::lint::data::stopped(program, rules, &e, &word)]),
    };
    let mut profiles = Vec::new();
    for file in &mut files {
        let source = file.source(mapping)?;
        let sample = args
            .sample
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let mut sink = crate::lint::data::Filling {
            program,
            profile: crate::lint::data::Profile::new(program, &file.name, sample),
        };
        let options = crate::run::Options {
            now,
            on_error: crate::run::ErrorPolicy::Continue,
            reasons: false,
            jobs: std::thread::available_parallelism().map_or(1, usize::from),
            // every row's reach is counted: all classifications are evaluated
            classes: None,
            activities: &activities,
            base: None,
        };
        // a full sample ends the run early; what was counted stands
        let _ = crate::run::run(
            program,
            sources,
            vec![file.input().through(source)],
            options,
            &mut sink,
        );
        profiles.push(sink.profile);
    }
    let joins: Vec<_> = activities.iter().map(|a| a.counts()).collect();
    Ok(crate::lint::data::findings(
        program, rules, &profiles, &joins, &word,
    ))
}

/// The directory of the (first) rule path, where its `qualify.toml` is.
fn rules_root(paths: &[PathBuf]) -> Option<PathBuf> {
    paths.first().map(|p| {
        if p.is_dir() {
            p.clone()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        }
    })
}

/// Lint levels: `qualify.toml` beside the (first) rule path, then the flags.
pub fn lint_config(
    paths: &[PathBuf],
    allow: &[String],
    warn: &[String],
    deny: &[String],
) -> Result<LintConfig, CliError> {
    let mut config = LintConfig::default();
    if let Some(file) = rules_root(paths)
        .map(|r| r.join("qualify.toml"))
        .filter(|f| f.is_file())
    {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| CliError::io(format!("cannot read `{}`", file.display()), e))?;
        config = LintConfig::from_toml(&text)
            .map_err(|e| CliError::usage(format!("`{}`: {e}", load::display_path(&file))))?;
    }
    for (selectors, level) in [
        (allow, Level::Allow),
        (warn, Level::Warn),
        (deny, Level::Deny),
    ] {
        for selector in selectors {
            config
                .set(selector.trim(), level)
                .map_err(CliError::usage)?;
        }
    }
    Ok(config)
}

fn explain(code: &str) -> Result<ExitStatus, CliError> {
    // a lint by its name, as `--allow` takes it, or any code
    let by_name = crate::lint::ALL
        .iter()
        .find(|l| l.name == code.trim())
        .map(|l| l.code);
    let Some(found) = by_name.or_else(|| Code::parse(code)) else {
        return Err(CliError::usage(format!(
            "unknown diagnostic code or lint `{code}`; codes look like `Q0004`, lints like `unreachable-row` (the lists are in docs/language.md and docs/lints.md)"
        )));
    };
    let text = format!(
        "{}: {}\n\n{}\n",
        found.as_str(),
        found.title(),
        crate::lint::explanation(found)
    );
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write to standard output".to_string(), e))?;
    Ok(ExitStatus::Success)
}
