//! `qualify test`: run the test contacts kept beside the rules.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::render::suite::{Problem, human, json, junit};
use super::render::{self, Color};
use super::{CliError, ExitStatus, load};
use crate::data::{DataError, InputFormat};
use crate::diagnostic::Diagnostic;
use crate::suite::{self, ContactFiles, Coverage, FileCoverage};

/// Arguments of `qualify test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule set directories; each one's test files are the `*.yaml` and `*.yml` files
    /// below it
    #[arg(default_value = "rules/")]
    pub paths: Vec<PathBuf>,

    /// Run only the cases whose name contains this text
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,

    /// Report which rows and conditions the cases reach, per rule file
    #[arg(long)]
    pub coverage: bool,

    /// Fail (exit 1) when coverage is below this percentage; implies --coverage
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub min_coverage: Option<f64>,

    /// The field that names each contact
    #[arg(long, default_value = "id", value_name = "FIELD", value_parser = super::id_field)]
    pub id_field: String,
}

fn percent(text: &str) -> Result<f64, String> {
    let n: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage"))?;
    if (0.0..=100.0).contains(&n) {
        Ok(n)
    } else {
        Err(format!("`{text}` is not between 0 and 100"))
    }
}

/// Output formats of `qualify test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// A line per case, explanations for failures
    Human,
    /// One JSON document with every case
    Json,
    /// JUnit XML, as CI systems read it
    Junit,
}

/// Reads `from:` files relative to the test file, through the mapping beside the rules.
struct DiskFiles<'m> {
    mapping: &'m crate::mapping::Mapping,
}

impl ContactFiles for DiskFiles<'_> {
    fn read(
        &mut self,
        test_file: &str,
        path: &str,
    ) -> Result<(String, String, InputFormat), String> {
        let full = Path::new(test_file)
            .parent()
            .unwrap_or(Path::new(""))
            .join(path);
        let format = InputFormat::from_path(&full)
            .ok_or_else(|| "the extension is not .json, .jsonl or .csv".to_string())?;
        let text = std::fs::read_to_string(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
            _ => e.to_string(),
        })?;
        Ok((load::display_path(&full), text, format))
    }

    fn describe(&self, error: &DataError) -> String {
        render::data::field_problem(error)
    }

    fn source(&self, name: &str) -> Result<Option<&crate::mapping::Source>, String> {
        self.mapping.source_for(name)
    }
}

/// Runs `qualify test`.
pub fn run(args: &TestArgs) -> Result<ExitStatus, CliError> {
    let mut results = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut coverage_reports = Vec::new();
    let mut diagnostics_seen = false;
    for path in &args.paths {
        if !path.is_dir() {
            return Err(CliError::usage(format!(
                "`{}` is not a directory: `qualify test` takes rule set directories, whose `*.yaml` and `*.yml` files hold the test cases",
                path.display()
            )));
        }
        let (mut sources, program, mapping) =
            match load::program_and_mapping(path, &args.id_field, None)? {
                Ok(loaded) => loaded,
                Err(_) => {
                    // the diagnostics are on standard error; reports for CI still say so
                    problems.push(Problem {
                        file: load::display_path(path),
                        line: 0,
                        message:
                            "the rules have errors, so no case ran (`qualify check` lists them)"
                                .to_string(),
                    });
                    continue;
                }
            };
        let rule_files = sources.iter().count();
        let files = load::walk(path, &["yaml", "yml"])?;
        if files.is_empty() {
            return Err(CliError::usage(format!(
                "no test files (`*.yaml`, `*.yml`) under `{}`; see docs/testing.md",
                path.display()
            )));
        }
        let mut coverage = Coverage::default();
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::io(format!("cannot read `{}`", file.display()), e))?;
            let id = sources.add(load::display_path(file), text);
            let mut files = DiskFiles { mapping: &mapping };
            let (cases, found) = suite::load(&sources, id, &program, &mut files);
            diagnostics.extend(found);
            for case in cases {
                if args
                    .filter
                    .as_ref()
                    .is_some_and(|f| !case.name.contains(f.as_str()))
                {
                    continue;
                }
                results.push((
                    sources.get(id).name.clone(),
                    suite::run(&program, &sources, &case, &mut coverage),
                    sources.get(id).line_col(case.span.start as usize).line,
                ));
            }
        }
        for d in diagnostics.iter().filter(|d| d.is_error()) {
            let file = sources.get(d.span.file);
            problems.push(Problem {
                file: file.name.clone(),
                line: file.line_col(d.span.start as usize).line,
                message: format!("{}: {}", d.code.as_str(), d.message),
            });
        }
        if !diagnostics.is_empty() {
            diagnostics_seen = true;
            let color = Color::for_stream(std::io::stderr().is_terminal());
            super::stderr_text!("{}", render::human(&sources, &diagnostics, color));
        }
        if args.coverage || args.min_coverage.is_some() {
            let mut report = coverage.report(&program, &sources);
            report.retain(|f| {
                sources
                    .iter()
                    .take(rule_files)
                    .any(|(_, s)| s.name == f.file)
            });
            coverage_reports.extend(report);
        }
    }
    if let Some(filter) = &args.filter
        && results.is_empty()
        && !diagnostics_seen
    {
        return Err(CliError::usage(format!(
            "no test case name contains `{filter}`"
        )));
    }
    let passed = results.iter().filter(|(_, r, _)| r.passed()).count();
    let failed = results.len() - passed;
    let total_coverage = FileCoverage::total(&coverage_reports);
    let below = match (args.min_coverage, total_coverage) {
        (Some(min), Some(got)) => got + 1e-9 < min,
        _ => false,
    };
    let text = match args.format {
        TestFormat::Human => human(
            &results,
            &coverage_reports,
            args.min_coverage,
            (passed, failed),
            diagnostics_seen,
        ),
        TestFormat::Json => json(&results, &problems, &coverage_reports, passed, failed)?,
        TestFormat::Junit => junit(&results, &problems, passed, failed),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write to standard output".to_string(), e))?;
    Ok(if failed > 0 || diagnostics_seen || below {
        ExitStatus::Failed
    } else {
        ExitStatus::Success
    })
}
