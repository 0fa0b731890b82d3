//! Lints: checks of rule sets that are valid but probably wrong — a row no contact can
//! reach, a condition that can never be true, a `not` that silently drops contacts with
//! missing data. One file per lint; the doc comment on its declaration is its
//! documentation (`qualify check --explain CODE` prints it, `docs/lints.md` lists it).
//!
//! Lints run only on rule sets without errors, over the typed rule set and the compiled
//! program; levels come from `qualify.toml` and the command line.

pub mod analysis;
mod contradiction;
pub mod data;
mod duplicate_list_value;
mod missing_otherwise;
mod naming;
mod no_classification;
mod redundant_condition;
mod shadowed_variable;
mod sites;
mod tautology;
mod unknown_prone_negation;
mod unreachable_row;
mod unused_field;
mod unused_let;

use std::collections::HashMap;

use crate::ast;
use crate::check::RuleSet;
use crate::codes::Code;
use crate::compile::Program;
use crate::diagnostic::{Diagnostic, Severity, did_you_mean};
use crate::source::SourceMap;

/// What a lint sees.
pub struct Context<'a> {
    /// The source files, to quote rules in messages.
    pub sources: &'a SourceMap,
    /// The parsed files.
    pub files: &'a [ast::File],
    /// The typed rule set.
    pub rules: &'a RuleSet,
    /// The compiled program.
    pub program: &'a Program,
}

/// A lint: its code, its name, its documentation and its check.
#[derive(Clone, Copy)]
pub struct Lint {
    /// The code in the code table.
    pub code: Code,
    /// The kebab-case name used in `qualify.toml` and flags.
    pub name: &'static str,
    /// The documentation, as written in the lint's doc comment.
    pub doc: &'static str,
    /// Finds every occurrence.
    pub check: fn(&Context<'_>) -> Vec<Diagnostic>,
}

impl Lint {
    /// The documentation without the doc comment's leading spaces.
    pub fn documentation(&self) -> String {
        let lines: Vec<&str> = self
            .doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        lines.join("\n").trim().to_string()
    }
}

/// Declares a lint; its doc comment becomes its documentation.
macro_rules! declare_lint {
    ($(#[doc = $doc:literal])* pub $name:ident, $code:expr, $slug:literal, $check:path) => {
        $(#[doc = $doc])*
        pub const $name: crate::lint::Lint = crate::lint::Lint {
            code: $code,
            name: $slug,
            doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}
pub(crate) use declare_lint;

/// Every lint, in code order.
pub const ALL: &[Lint] = &[
    unreachable_row::UNREACHABLE_ROW,
    contradiction::CONTRADICTION,
    tautology::TAUTOLOGY,
    redundant_condition::REDUNDANT_CONDITION,
    unused_let::UNUSED_LET,
    unused_field::UNUSED_FIELD,
    unknown_prone_negation::UNKNOWN_PRONE_NEGATION,
    duplicate_list_value::DUPLICATE_LIST_VALUE,
    shadowed_variable::SHADOWED_VARIABLE,
    missing_otherwise::MISSING_OTHERWISE,
    naming::NON_SNAKE_CASE,
    no_classification::NO_CLASSIFICATION,
];

/// The lint with this code, if it is one.
pub fn by_code(code: Code) -> Option<&'static Lint> {
    ALL.iter().find(|l| l.code == code)
}

/// The long explanation of a code with an example: for a lint its documentation, else the
/// code table's text (`qualify check --explain CODE`).
pub fn explanation(code: Code) -> String {
    match by_code(code) {
        Some(lint) => lint.documentation(),
        None => code.table_explanation().to_string(),
    }
}

/// How a finding is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported as a warning.
    Warn,
    /// Reported as an error (fails `check`).
    Deny,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// Lint levels from `qualify.toml` and the command line.
#[derive(Debug, Clone, Default)]
pub struct LintConfig {
    levels: HashMap<Code, Level>,
    /// `--deny warnings`: every warning fails the run.
    pub deny_warnings: bool,
}

impl LintConfig {
    /// Sets the level of a lint or code named by `selector` (`unreachable-row`, `Q1001`,
    /// or `warnings` with `deny`).
    pub fn set(&mut self, selector: &str, level: Level) -> Result<(), String> {
        if selector == "warnings" {
            return match level {
                Level::Deny => {
                    self.deny_warnings = true;
                    Ok(())
                }
                Level::Warn => {
                    self.deny_warnings = false;
                    Ok(())
                }
                Level::Allow => Err("`warnings` can only be denied or warned".to_string()),
            };
        }
        let code = ALL
            .iter()
            .find(|l| l.name == selector)
            .map(|l| l.code)
            .or_else(|| Code::parse(selector).filter(|c| by_code(*c).is_some()));
        match code {
            Some(code) => {
                self.levels.insert(code, level);
                Ok(())
            }
            None => {
                let names = ALL.iter().map(|l| l.name);
                let hint = did_you_mean(selector, names)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| "; `qualify check --explain CODE` describes each lint, `docs/lints.md` lists them".to_string());
                Err(format!("no lint called `{selector}`{hint}"))
            }
        }
    }

    /// Reads the `[lints]` table of a `qualify.toml` text.
    pub fn from_toml(text: &str) -> Result<LintConfig, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            lints: HashMap<String, String>,
            /// the mapping's sources, read by `mapping::parse`
            #[serde(default, rename = "source")]
            _source: Option<toml::Table>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
        let mut config = LintConfig::default();
        let mut entries: Vec<_> = file.lints.into_iter().collect();
        entries.sort();
        for (name, level) in entries {
            let level = Level::parse(&level).ok_or_else(|| {
                format!("`{name} = \"{level}\"`: a level is \"allow\", \"warn\" or \"deny\"")
            })?;
            config.set(&name, level)?;
        }
        Ok(config)
    }

    /// Applies levels to findings: allowed ones are dropped, denied ones become errors.
    pub fn apply(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter_map(|mut d| {
                match self.levels.get(&d.code) {
                    Some(Level::Allow) => return None,
                    Some(Level::Deny) => d.severity = Severity::Error,
                    Some(Level::Warn) => d.severity = Severity::Warning,
                    None => {}
                }
                if self.deny_warnings && d.severity == Severity::Warning {
                    d.severity = Severity::Error;
                }
                Some(d)
            })
            .collect()
    }
}

/// Runs every lint whose level is not `allow`.
pub fn run(context: &Context<'_>, config: &LintConfig) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for lint in ALL {
        if config.levels.get(&lint.code) == Some(&Level::Allow) {
            continue;
        }
        found.extend((lint.check)(context));
    }
    found
}

#[cfg(test)]
mod tests;

/// The lint reference (`docs/lints.md`), generated from the lints' own documentation.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Lints\n\n\
         <!-- Generated from the lint documentation in src/lint/; do not edit by hand. \
         `UPDATE_DOCS=1 cargo test --test docs` regenerates it. -->\n\n\
         `qualify check` runs these lints on every rule set that has no errors. Each can be set \
         to `allow`, `warn` or `deny` in `qualify.toml` beside the rules:\n\n\
         ```toml\n[lints]\nmissing-otherwise = \"allow\"\nunreachable-row = \"deny\"\n```\n\n\
         or on the command line with `--allow`, `--warn` and `--deny` (names or codes; \
         `--deny warnings` fails on any warning). `qualify check --explain CODE` prints one \
         lint's text.\n\n\
         The lints that reason about conditions (Q1001–Q1004, Q1007, Q1010) share one sound \
         analysis with two bounds, so that no rule set can keep a check waiting: a `let` \
         whose condition, with the `let`s it names written out, exceeds 1,024 parts is \
         treated as one independent condition (which makes the lints claim less, never \
         wrongly), and each lint may spend a fixed amount of work per rule set (about a \
         second on a laptop); where it runs out, the lint stops with a note (Q1000) at the \
         place it stopped, and the note never fails a run.\n\n| code | name | default | what it finds |\n| --- | --- | --- | --- |\n",
    );
    for lint in ALL {
        out.push_str(&format!(
            "| [{code}](#{anchor}) | `{name}` | {level} | {title} |\n",
            code = lint.code.as_str(),
            anchor = lint.code.as_str().to_lowercase(),
            name = lint.name,
            level = lint.code.default_severity().as_str(),
            title = lint.code.title(),
        ));
    }
    for lint in ALL {
        out.push_str(&format!(
            "\n## {}\n\n`{}` · default level: {} · {}\n\n",
            lint.code.as_str(),
            lint.name,
            lint.code.default_severity().as_str(),
            lint.code.title()
        ));
        // the lint's own headings become sub-headings here
        for line in lint.documentation().lines() {
            if let Some(rest) = line.strip_prefix("## ") {
                out.push_str(&format!("### {rest}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}
