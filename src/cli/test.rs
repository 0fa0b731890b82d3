//! `qualify test`: run the test contacts kept beside the rules.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::render::explain::{mismatch_text, mismatches_json};
use super::render::{self, Color};
use super::{CliError, ExitStatus, load};
use crate::data::{DataError, InputFormat};
use crate::diagnostic::Diagnostic;
use crate::suite::{self, CaseResult, ContactFiles, Coverage, FileCoverage};

/// Arguments of `qualify test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule set directories; each one's test files are the `*.yaml` files below it
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

/// Reads `from:` files relative to the test file.
struct DiskFiles;

impl ContactFiles for DiskFiles {
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
                "`{}` is not a directory: `qualify test` takes rule set directories, whose `*.yaml` files hold the test cases",
                path.display()
            )));
        }
        let (mut sources, program) = match load::program(path, &args.id_field)? {
            Ok(loaded) => loaded,
            Err(_) => {
                // the diagnostics are on standard error; reports for CI still say so
                problems.push(Problem {
                    file: load::display_path(path),
                    line: 0,
                    message: "the rules have errors, so no case ran (`qualify check` lists them)"
                        .to_string(),
                });
                continue;
            }
        };
        let rule_files = sources.iter().count();
        let files = load::walk(path, &["yaml", "yml"])?;
        if files.is_empty() {
            return Err(CliError::usage(format!(
                "no test files (`*.yaml`) under `{}`; see docs/testing.md",
                path.display()
            )));
        }
        let mut coverage = Coverage::default();
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::io(format!("cannot read `{}`", file.display()), e))?;
            let id = sources.add(load::display_path(file), text);
            let (cases, found) = suite::load(&sources, id, &program, &mut DiskFiles);
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
    let total_coverage = total(&coverage_reports);
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

type Results = [(String, CaseResult, usize)];

/// The value a rule could not use in a case, in words.
fn runtime_error(result: &CaseResult) -> Option<String> {
    result
        .runtime_error
        .as_ref()
        .map(|e| render::fault(&e.fault))
}

/// A problem that kept cases from running: rules with errors, a malformed test file.
#[derive(Debug, serde::Serialize)]
struct Problem {
    file: String,
    line: usize,
    message: String,
}

fn total(reports: &[FileCoverage]) -> Option<f64> {
    let (covered, all) = reports
        .iter()
        .map(FileCoverage::covered)
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    (all > 0).then(|| 100.0 * covered as f64 / all as f64)
}

fn human(
    results: &Results,
    coverage: &[FileCoverage],
    min: Option<f64>,
    (passed, failed): (usize, usize),
    file_errors: bool,
) -> String {
    let mut out = String::new();
    let mut current = "";
    for (file, result, line) in results {
        if file != current {
            if !current.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("{file}\n"));
            current = file;
        }
        let status = if result.passed() { "PASS" } else { "FAIL" };
        out.push_str(&format!(
            "  {status}  {} ({file}:{line})\n",
            result.case.name
        ));
        if let Some(e) = runtime_error(result) {
            out.push_str(&format!(
                "        a rule could not use a value of the contact: {e}\n"
            ));
        }
        for m in &result.mismatches {
            out.push_str(&mismatch_text(m, 8));
        }
    }
    if !coverage.is_empty() {
        out.push('\n');
        out.push_str(&coverage_text(coverage, min));
    }
    if file_errors {
        out.push_str(
            "\nsome test files have errors (shown above); the cases they affect did not run\n",
        );
    }
    out.push_str(&format!("\n{passed} passed, {failed} failed\n"));
    out
}

fn coverage_text(reports: &[FileCoverage], min: Option<f64>) -> String {
    let mut out = String::from(
        "coverage: rows that decided a value, and conditions made both true and false\n",
    );
    let width = reports
        .iter()
        .map(|f| f.file.chars().count())
        .max()
        .unwrap_or(0);
    for f in reports {
        let (covered, all) = f.covered();
        let mut parts = Vec::new();
        if !f.rows.is_empty() {
            let rows = f.rows.iter().filter(|r| r.reached).count();
            parts.push(format!("rows {rows}/{}", f.rows.len()));
        }
        if !f.conditions.is_empty() {
            let both = f
                .conditions
                .iter()
                .filter(|c| c.made_true && c.made_false)
                .count();
            parts.push(format!("conditions {both}/{}", f.conditions.len()));
        }
        out.push_str(&format!(
            "  {:<width$}  {:>5.1}%  {}\n",
            f.file,
            100.0 * covered as f64 / all.max(1) as f64,
            parts.join(", ")
        ));
    }
    out.push_str("rows:\n");
    for f in reports {
        for r in &f.rows {
            let mark = if r.reached {
                "✓ matched      "
            } else {
                "✗ never matched"
            };
            out.push_str(&format!("  {mark}  {}  ({}:{})\n", r.row, f.file, r.line));
        }
    }
    let uncovered = reports
        .iter()
        .flat_map(|f| &f.conditions)
        .any(|c| !(c.made_true && c.made_false));
    if uncovered {
        out.push_str("conditions not made both true and false:\n");
    }
    for f in reports {
        for c in &f.conditions {
            let missing = match (c.made_true, c.made_false) {
                (true, true) => continue,
                (false, false) => "never true or false",
                (false, true) => "never true",
                (true, false) => "never false",
            };
            out.push_str(&format!(
                "  condition {missing}: {}:{}  {}\n",
                f.file, c.line, c.condition
            ));
        }
    }
    if let Some(t) = total(reports) {
        match min {
            Some(m) if t + 1e-9 < m => {
                out.push_str(&format!("total {t:.1}%, below the minimum of {m}%\n"))
            }
            Some(m) => out.push_str(&format!("total {t:.1}% (minimum {m}%)\n")),
            None => out.push_str(&format!("total {t:.1}%\n")),
        }
    }
    out
}

fn json(
    results: &Results,
    problems: &[Problem],
    coverage: &[FileCoverage],
    passed: usize,
    failed: usize,
) -> Result<String, CliError> {
    let cases: Vec<serde_json::Value> = results
        .iter()
        .map(|(file, r, line)| {
            serde_json::json!({
                "file": file,
                "line": line,
                "name": r.case.name,
                "status": if r.passed() { "pass" } else { "fail" },
                "runtime_error": runtime_error(r),
                "mismatches": mismatches_json(&r.mismatches),
            })
        })
        .collect();
    let mut document = serde_json::json!({
        "cases": cases,
        "problems": problems,
        "passed": passed,
        "failed": failed,
    });
    if !coverage.is_empty() {
        document["coverage"] =
            serde_json::json!({ "files": coverage, "total_percent": total(coverage) });
    }
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|e| CliError::internal(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // characters XML 1.0 cannot carry at all
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML. A problem that kept cases from running (rules with errors, a malformed test
/// file) is an `<error>` test case, so CI shows it rather than a clean run.
fn junit(results: &Results, problems: &[Problem], passed: usize, failed: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"qualify\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\">\n",
        passed + failed + problems.len(),
        problems.len()
    ));
    let mut files: Vec<&str> = Vec::new();
    for file in results
        .iter()
        .map(|(f, _, _)| f)
        .chain(problems.iter().map(|p| &p.file))
    {
        if !files.contains(&file.as_str()) {
            files.push(file);
        }
    }
    for file in files {
        let cases: Vec<_> = results.iter().filter(|(f, _, _)| f == file).collect();
        let failures = cases.iter().filter(|(_, r, _)| !r.passed()).count();
        let errors: Vec<&Problem> = problems.iter().filter(|p| p.file == file).collect();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\">\n",
            xml_escape(file),
            cases.len() + errors.len(),
            errors.len()
        ));
        for problem in errors {
            out.push_str(&format!(
                "    <testcase name=\"{} (line {})\" classname=\"{}\" file=\"{}\" line=\"{}\">\n      <error message=\"{}\"/>\n    </testcase>\n",
                xml_escape("cases that did not run"),
                problem.line,
                xml_escape(file),
                xml_escape(file),
                problem.line,
                xml_escape(&problem.message)
            ));
        }
        for (_, r, line) in cases {
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\"",
                xml_escape(&r.case.name),
                xml_escape(file),
                xml_escape(file)
            ));
            if r.passed() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let summary: Vec<String> = r
                .mismatches
                .iter()
                .map(|m| {
                    format!(
                        "{}: expected {}, got {}",
                        m.classification, m.expected, m.actual
                    )
                })
                .chain(runtime_error(r))
                .collect();
            let body: String = r
                .mismatches
                .iter()
                .map(|m| mismatch_text(m, 0))
                .collect::<String>()
                + runtime_error(r).as_deref().unwrap_or("");
            out.push_str(&format!(
                "      <failure message=\"{}\">{}</failure>\n",
                xml_escape(&summary.join("; ")),
                xml_escape(&body)
            ));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
