//! The report of `qualify test`: a line per case with explanations of failures, coverage,
//! one JSON document, or JUnit XML for CI.

use super::explain::{mismatch_text, mismatches_json};
use crate::cli::CliError;
use crate::suite::{CaseResult, FileCoverage};

pub(crate) type Results = [(String, CaseResult, usize)];

/// The value a rule could not use in a case, in words.
pub(crate) fn runtime_error(result: &CaseResult) -> Option<String> {
    result
        .runtime_error
        .as_ref()
        .map(|e| super::fault(&e.fault))
}

/// A problem that kept cases from running: rules with errors, a malformed test file.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Problem {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) message: String,
}

pub(crate) fn human(
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
            super::printable(&result.case.name)
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

pub(crate) fn coverage_text(reports: &[FileCoverage], min: Option<f64>) -> String {
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
    if let Some(t) = FileCoverage::total(reports) {
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

pub(crate) fn json(
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
        document["coverage"] = serde_json::json!({ "files": coverage, "total_percent": FileCoverage::total(coverage) });
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
pub(crate) fn junit(
    results: &Results,
    problems: &[Problem],
    passed: usize,
    failed: usize,
) -> String {
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
