//! Test contacts: YAML files of example contacts with the values each must get, run
//! against a compiled program, with explanations for failures and coverage of rows and
//! conditions.
//!
//! Loading needs the test files' text (the CLI reads them); nothing here touches the disk
//! except through the [`ContactFiles`] callback for `from:` cases, and data errors are
//! worded by that callback too (the core keeps them structured).

mod coverage;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::codes::Code;
use crate::compile::Program;
use crate::data::{self, InputFormat};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::eval::{Evaluator, RuntimeError};
use crate::explain::{ClassExplanation, Condition, Explainer, unmet};
use crate::source::{FileId, SourceMap, Span};

pub use coverage::{Coverage, FileCoverage};

/// One test case, ready to run.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// Its name.
    pub name: String,
    /// Where its name is written.
    pub span: Span,
    /// The evaluation instant.
    pub as_of: Timestamp,
    /// The decoded contact.
    pub contact: data::Contact,
    /// `(classification index, expected value index or None)` in the order written.
    pub expect: Vec<(usize, Option<usize>)>,
}

/// What loading contacts needs from the caller: the data files named by `from:` cases, and
/// the words for a contact that cannot be decoded.
pub trait ContactFiles {
    /// The text and format of `path` (as written) relative to the test file `test_file`,
    /// or why it cannot be read.
    fn read(
        &mut self,
        test_file: &str,
        path: &str,
    ) -> Result<(String, String, InputFormat), String>;

    /// The message of a diagnostic about a contact that cannot be decoded: its field and
    /// what is wrong, without the place (the diagnostic points at the test file).
    fn describe(&self, error: &data::DataError) -> String;

    /// The mapping's source that reads the file `name` (as [`ContactFiles::read`] gave
    /// it), as `eval` would read it; or why none can.
    fn source(&self, name: &str) -> Result<Option<&crate::mapping::Source>, String>;
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    as_of: Option<Spanned<String>>,
    cases: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: Spanned<String>,
    #[serde(default)]
    as_of: Option<Spanned<String>>,
    #[serde(default)]
    contact: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    from: Option<Spanned<String>>,
    #[serde(default)]
    id: Option<Spanned<serde_json::Value>>,
    expect: Spanned<BTreeMap<String, Spanned<serde_json::Value>>>,
}

/// Parses one test file against the program it tests. Every problem is a diagnostic; the
/// cases that are sound are returned.
pub fn load(
    sources: &SourceMap,
    file: FileId,
    program: &Program,
    files: &mut dyn ContactFiles,
) -> (Vec<TestCase>, Vec<Diagnostic>) {
    let source = sources.get(file);
    let mut diagnostics = Vec::new();
    let raw: RawFile = match serde_saphyr::from_str(&source.text) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, column) = e
                .location()
                .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
            let start = source.offset(line, column);
            let message = yaml_message(&e);
            diagnostics.push(
                Diagnostic::new(Code::MalformedTestFile, Span::new(file, start, token_end(&source.text, start)), message)
                    .with_label("here")
                    .with_help("a test file has `as_of:` and a list of `cases:`, each with `name`, `contact` (or `from` and `id`) and `expect`"),
            );
            return (Vec::new(), diagnostics);
        }
    };
    let span_of = |line: u64, column: u64| {
        let start = source.offset(line as usize, column as usize);
        Span::new(file, start, token_end(&source.text, start))
    };
    // where `key:` is written after a place (the YAML library locates values, not keys)
    let key_span = |after: Span, key: &str| {
        let from = after.start as usize;
        let window = &source.text[from..(from + 4000).min(source.text.len())];
        let at = find_key(window, key)?;
        Some(Span::new(file, from + at, from + at + key.len()))
    };
    let span_of = Locate {
        at: &span_of,
        key: &key_span,
    };
    let default_as_of = raw.as_of.as_ref().and_then(|a| {
        crate::semantics::time::parse_as_of(&a.value).or_else(|| {
            diagnostics.push(bad_as_of(
                span_of.at(a.referenced.line(), a.referenced.column()),
                &a.value,
            ));
            None
        })
    });
    let mut cases = Vec::new();
    let mut names: Vec<(String, Span)> = Vec::new();
    for raw_case in raw.cases {
        let name_span = span_of.at(
            raw_case.name.referenced.line(),
            raw_case.name.referenced.column(),
        );
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == raw_case.name.value) {
            diagnostics.push(
                Diagnostic::new(
                    Code::MalformedTestFile,
                    name_span,
                    format!("two cases are named `{}`", raw_case.name.value),
                )
                .with_label("second case with this name")
                .with_secondary(*first, "first case with this name")
                .with_help("give each case its own name so failures can be told apart"),
            );
        }
        names.push((raw_case.name.value.clone(), name_span));
        match case(
            program,
            &raw_case,
            name_span,
            default_as_of,
            &span_of,
            source.name.as_str(),
            files,
        ) {
            Ok(c) => cases.push(c),
            Err(mut found) => diagnostics.append(&mut found),
        }
    }
    (cases, diagnostics)
}

fn case(
    program: &Program,
    raw: &RawCase,
    name_span: Span,
    default_as_of: Option<Timestamp>,
    span_of: &Locate<'_>,
    test_file: &str,
    files: &mut dyn ContactFiles,
) -> Result<TestCase, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let as_of = match &raw.as_of {
        Some(a) => crate::semantics::time::parse_as_of(&a.value).or_else(|| {
            problems.push(bad_as_of(
                span_of.at(a.referenced.line(), a.referenced.column()),
                &a.value,
            ));
            None
        }),
        None => default_as_of.or_else(|| {
            problems.push(
                Diagnostic::new(
                    Code::MissingAsOf,
                    name_span,
                    format!("case `{}` has no `as_of`", raw.name.value),
                )
                .with_label("this case would depend on today's date")
                .with_help("add `as_of: 2026-11-22` at the top of the file or to the case"),
            );
            None
        }),
    };
    let expect = expectations(program, raw, span_of, &mut problems);
    let contact = contact(
        program,
        raw,
        name_span,
        span_of,
        test_file,
        files,
        &mut problems,
    );
    match (as_of, contact) {
        (Some(as_of), Some(contact)) if problems.is_empty() => Ok(TestCase {
            name: raw.name.value.clone(),
            span: name_span,
            as_of,
            contact,
            expect,
        }),
        _ => Err(problems),
    }
}

fn expectations(
    program: &Program,
    raw: &RawCase,
    span_of: &Locate<'_>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<(usize, Option<usize>)> {
    let mut expect = Vec::new();
    let expect_span = span_of.at(raw.expect.referenced.line(), raw.expect.referenced.column());
    if raw.expect.value.is_empty() {
        problems.push(
            Diagnostic::new(
                Code::MalformedTestFile,
                expect_span,
                "`expect` names no classification",
            )
            .with_label("nothing is asserted")
            .with_help("write e.g. `expect: {stage: prospect}`"),
        );
    }
    for (name, value) in &raw.expect.value {
        let value_span = span_of.at(value.referenced.line(), value.referenced.column());
        let Some(class) = program.classes().iter().position(|c| &c.name == name) else {
            let names: Vec<&str> = program.classes().iter().map(|c| c.name.as_str()).collect();
            let help = did_you_mean(name, names.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("the rules classify {}", quote_all(&names)));
            problems.push(
                Diagnostic::new(
                    Code::UnknownExpectation,
                    (span_of.key)(expect_span, name).unwrap_or(expect_span),
                    format!("the rules define no classification `{name}`"),
                )
                .with_label("in this `expect`")
                .with_help(help),
            );
            continue;
        };
        let class_def = &program.classes()[class];
        let text = match &value.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "none".to_string(),
            other => other.to_string(),
        };
        if text == "none" {
            expect.push((class, None));
            continue;
        }
        match class_def.values.iter().position(|v| *v == text) {
            Some(v) => expect.push((class, Some(v))),
            None => {
                let mut names: Vec<&str> = class_def.values.iter().map(String::as_str).collect();
                names.push("none");
                let help = did_you_mean(&text, names.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("`{name}` can be {}", quote_all(&names)));
                problems.push(
                    Diagnostic::new(
                        Code::UnknownExpectation,
                        value_span,
                        format!("`{name}` has no value `{text}`"),
                    )
                    .with_label("not a value of this classification")
                    .with_help(help),
                );
            }
        }
    }
    expect
}

#[allow(clippy::too_many_arguments)]
fn contact(
    program: &Program,
    raw: &RawCase,
    name_span: Span,
    span_of: &Locate<'_>,
    test_file: &str,
    files: &mut dyn ContactFiles,
    problems: &mut Vec<Diagnostic>,
) -> Option<data::Contact> {
    match (&raw.contact, &raw.from) {
        (Some(contact), None) => {
            let span = span_of.at(contact.referenced.line(), contact.referenced.column());
            let json = contact.value.to_string();
            let first = data::read(InputFormat::Jsonl, test_file, &json, program.plan()).next();
            match first {
                Some(Ok(c)) => Some(c),
                Some(Err(e)) => {
                    // point at the bad field when it is written in the contact
                    let at = e
                        .field
                        .as_deref()
                        .filter(|_| matches!(e.code, Code::WrongType | Code::BadEnumValue))
                        .and_then(|path| path.rsplit('.').next())
                        .map(|last| last.split('[').next().unwrap_or(last))
                        .and_then(|key| (span_of.key)(span, key));
                    problems.push(contact_problem(at.unwrap_or(span), at.is_some(), &e, files));
                    None
                }
                None => {
                    problems.push(
                        Diagnostic::new(Code::BadTestContact, span, "the contact is empty")
                            .with_label("no contact here"),
                    );
                    None
                }
            }
        }
        (None, Some(from)) => {
            let span = span_of.at(from.referenced.line(), from.referenced.column());
            let Some(id) = &raw.id else {
                problems.push(
                    Diagnostic::new(
                        Code::MalformedTestFile,
                        span,
                        "a case with `from:` needs the contact's `id:`",
                    )
                    .with_label("which contact of this file?")
                    .with_help("add `id: …` to the case"),
                );
                return None;
            };
            let id_text = match &id.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let (name, text, format) = match files.read(test_file, &from.value) {
                Ok(found) => found,
                Err(reason) => {
                    problems.push(
                        Diagnostic::new(
                            Code::TestContactNotFound,
                            span,
                            format!("cannot read `{}`: {reason}", from.value),
                        )
                        .with_label("named here")
                        .with_help("the path is relative to the test file"),
                    );
                    return None;
                }
            };
            // read as `eval` reads it: through the mapping's source for the file
            let source = match files.source(&name) {
                Ok(source) => source,
                Err(reason) => {
                    problems.push(
                        Diagnostic::new(Code::TestContactNotFound, span, reason)
                            .with_label("named here")
                            .with_help("a `from:` file is read through the mapping beside the rules, as `qualify eval` reads it"),
                    );
                    return None;
                }
            };
            let input = crate::run::Input::bytes(&name, format, text.as_bytes()).through(source);
            let found = crate::run::find(program, input, &id_text, &[]);
            match (
                found.first_problem(),
                &found.first,
                found.second,
                &found.error,
            ) {
                (Some(true), Some(first), Some((line, _)), _) => {
                    let id_span = span_of.at(id.referenced.line(), id.referenced.column());
                    problems.push(
                        Diagnostic::new(
                            Code::TestContactNotFound,
                            id_span,
                            format!(
                                "`{}` has more than one contact `{id_text}` (lines {} and {line})",
                                from.value, first.line
                            ),
                        )
                        .with_label("this id is not unique")
                        .with_help("a test case must name exactly one contact"),
                    );
                    return None;
                }
                (Some(false), _, _, Some((_, e))) => {
                    problems.push(contact_problem(span, false, e, files));
                    return None;
                }
                _ => {}
            }
            if found.first.is_some() {
                return found.first;
            }
            let id_span = span_of.at(id.referenced.line(), id.referenced.column());
            problems.push(
                Diagnostic::new(
                    Code::TestContactNotFound,
                    id_span,
                    format!("`{}` has no contact `{id_text}`", from.value),
                )
                .with_label("no such id")
                .with_secondary(span, "in this file"),
            );
            None
        }
        (Some(contact), Some(_)) => {
            let span = span_of.at(contact.referenced.line(), contact.referenced.column());
            problems.push(
                Diagnostic::new(
                    Code::MalformedTestFile,
                    span,
                    "a case has both `contact:` and `from:`",
                )
                .with_label("inline contact")
                .with_help("keep one of them"),
            );
            None
        }
        (None, None) => {
            problems.push(
                Diagnostic::new(
                    Code::MalformedTestFile,
                    name_span,
                    format!("case `{}` has no contact", raw.name.value),
                )
                .with_label("this case")
                .with_help("add `contact: {id: …, …}` or `from: FILE` with `id: …`"),
            );
            None
        }
    }
}

/// A diagnostic for a test contact that cannot be decoded, in the caller's words.
fn contact_problem(
    span: Span,
    at_field: bool,
    e: &data::DataError,
    words: &dyn ContactFiles,
) -> Diagnostic {
    Diagnostic::new(Code::BadTestContact, span, words.describe(e))
        .with_label(format!(
            "{} ({})",
            if at_field {
                "this field"
            } else {
                "this contact"
            },
            e.code.as_str()
        ))
        .with_help(format!(
            "`qualify check --explain {}` describes this data error",
            e.code.as_str()
        ))
}

fn quote_all(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bad_as_of(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MalformedTestFile,
        span,
        format!("`{text}` is not a date or datetime"),
    )
    .with_label("invalid `as_of`")
    .with_help("write a date like `2026-11-22` or a datetime like `2026-11-22T09:30:00Z`")
}

/// Finds places in a test file.
struct Locate<'a> {
    /// The place of a value from the YAML library's line and column.
    at: &'a dyn Fn(u64, u64) -> Span,
    /// Where `key:` is written after a place.
    key: &'a dyn Fn(Span, &str) -> Option<Span>,
}

impl Locate<'_> {
    fn at(&self, line: u64, column: u64) -> Span {
        (self.at)(line, column)
    }
}

/// The offset of `key` written as a mapping key (`key:`) in `text`.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(key) {
        let at = from + i;
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after = text[at + key.len()..].trim_start_matches([' ', '\t']);
        if before_ok && after.starts_with(':') {
            return Some(at);
        }
        from = at + key.len();
    }
    None
}

/// The end of the scalar at `start`: up to a `,`, `}`, `]` or comment of a flow mapping,
/// or the end of the line, without trailing spaces.
fn token_end(text: &str, start: usize) -> usize {
    let rest = &text[start.min(text.len())..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let quoted = line.starts_with('"') || line.starts_with('\'');
    let end = if quoted {
        // a quoted scalar runs to its closing quote
        line[1..].find(&line[..1]).map_or(line.len(), |i| i + 2)
    } else {
        line.find([',', '}', ']', '#']).unwrap_or(line.len())
    };
    start + line[..end].trim_end().len()
}

/// The YAML error's message without its location and snippet (the diagnostic has them).
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    // the library's limit on how far aliases may expand the file (an "alias bomb") is
    // worded with its internals (`Nodes { nodes: 250001 }`); say what it means
    if text.contains("budget breached") {
        return "malformed test file: the file expands to too many values (YAML aliases `*name` repeat parts of it); write the contacts out instead".to_string();
    }
    let first = data::without_position(text.lines().next().unwrap_or("").trim());
    // the library's advice to programmers (`set DuplicateKeyPolicy…`) means nothing to a
    // rule author: keep the finding, say the rest in our words
    let finding = [", set ", "; use "]
        .iter()
        .filter_map(|advice| first.find(advice))
        .min()
        .map_or(first, |i| &first[..i])
        .trim();
    let advice = if first.contains("multiple YAML documents") {
        ": a test file holds one document (no `---` between parts)"
    } else if first.contains("duplicate") {
        ": each key may appear once in a mapping"
    } else {
        ""
    };
    format!("malformed test file: {finding}{advice}")
}

/// One expectation that did not hold, with its explanation (the CLI renders its JSON).
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// The classification.
    pub classification: String,
    /// The expected value (`none` for no value).
    pub expected: String,
    /// The value the rules gave.
    pub actual: String,
    /// Why the rules gave it.
    pub explanation: ClassExplanation,
    /// The conditions of the expected value's row that are not true.
    pub expected_row_unmet: Vec<Condition>,
}

/// What happened to one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: TestCase,
    /// Failed expectations (empty when the case passed).
    pub mismatches: Vec<Mismatch>,
    /// A value a rule could not use (only without schema).
    pub runtime_error: Option<RuntimeError>,
}

impl CaseResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.runtime_error.is_none()
    }
}

/// Runs one case, recording coverage.
pub fn run(
    program: &Program,
    sources: &SourceMap,
    case: &TestCase,
    coverage: &mut Coverage,
) -> CaseResult {
    let mut evaluator = Evaluator::new(program, case.as_of);
    let mut explainer = Explainer::new(program, sources, &mut evaluator, &case.contact.slots);
    let explained = match explainer.contact(&case.contact.id) {
        Ok(e) => e,
        Err(e) => {
            return CaseResult {
                case: case.clone(),
                mismatches: Vec::new(),
                runtime_error: Some(e),
            };
        }
    };
    coverage.record(&explained);
    let mut mismatches = Vec::new();
    for &(class, expected) in &case.expect {
        let explanation = &explained.classes[class];
        let def = &program.classes()[class];
        let actual = explanation.outcome.value;
        if actual == expected {
            continue;
        }
        let expected_name = expected.map_or("none".to_string(), |v| def.values[v].clone());
        let expected_row_unmet = match expected {
            Some(v) => explanation
                .rows
                .iter()
                .zip(&def.rows)
                .filter(|(_, (value, _))| *value == v)
                .map(|(row, _)| unmet(&row.condition))
                .min_by_key(Vec::len)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        mismatches.push(Mismatch {
            classification: def.name.clone(),
            expected: expected_name,
            actual: explanation
                .value
                .clone()
                .unwrap_or_else(|| "none".to_string()),
            explanation: explanation.clone(),
            expected_row_unmet,
        });
    }
    CaseResult {
        case: case.clone(),
        mismatches,
        runtime_error: None,
    }
}

#[cfg(test)]
mod tests;
