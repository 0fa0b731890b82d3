//! qualify: a rule engine in which sales and marketing teams write down what their words
//! mean — lead, prospect, opportunity, customer; hot, warm, cold — and run those
//! definitions over CRM exports.
//!
//! # Example
//!
//! ```
//! use qualify::{compile::compile, data, eval::Evaluator, source::SourceMap};
//!
//! let mut sources = SourceMap::new();
//! sources.add(
//!     "funnel.qual",
//!     r#"
//!     schema contact { id: string, seniority: one of "ic", "vp"?, calls: number? }
//!     classify stage {
//!       prospect when seniority == "vp" and calls >= 1
//!       lead     when calls is present
//!     }
//!     "#,
//! );
//! let (rules, diagnostics) = qualify::front_end(&sources, &Default::default());
//! assert!(diagnostics.is_empty());
//! let program = compile(&rules.expect("no errors"));
//!
//! let contacts = r#"{"id": "c1", "seniority": "vp", "calls": 2}
//! {"id": "c2", "calls": 1}"#;
//! let now = jiff::Timestamp::UNIX_EPOCH;
//! let mut evaluator = Evaluator::new(&program, now);
//! let mut stages = Vec::new();
//! for contact in data::read(data::InputFormat::Jsonl, "contacts.jsonl", contacts, program.plan()) {
//!     let contact = contact.expect("valid contact");
//!     let values = evaluator.classify(&contact.slots).expect("typed by the schema");
//!     stages.push(values[0].value.map(|v| program.classes()[0].values[v].clone()));
//! }
//! // c2's seniority is missing: `seniority == "vp"` is unknown, so it is not a prospect
//! assert_eq!(stages, [Some("prospect".to_string()), Some("lead".to_string())]);
//! ```
//!
//! The code map below is `docs/architecture.md`.
#![doc = include_str!("../docs/architecture.md")]

pub mod ast;
pub mod check;
pub mod cli;
pub mod codes;
pub mod compile;
pub mod data;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod lint;
pub mod mapping;
pub mod run;
pub mod semantics;
pub mod source;
pub mod sql;
pub mod suite;
pub mod syntax;
#[cfg(test)]
pub(crate) mod testing;

use check::{CheckOptions, CheckedRuleSet, RuleSet};
use diagnostic::{Diagnostic, sort_in_source_order};
use source::SourceMap;

/// Parses every file of `sources`, in order.
pub fn parse(sources: &SourceMap) -> (Vec<ast::File>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for (id, source) in sources.iter() {
        let (file, found) = syntax::parse_file(id, source);
        files.push(file);
        diagnostics.extend(found);
    }
    (files, diagnostics)
}

/// Everything `qualify check` learns about a rule set.
pub struct Analysis {
    /// The parsed files.
    pub files: Vec<ast::File>,
    /// The typed rule set.
    pub rules: RuleSet,
    /// The compiled program, when the rule set has no errors.
    pub program: Option<compile::Program>,
    /// Every diagnostic of every stage, levels applied, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses, checks and — when there are no errors — compiles and lints a rule set.
pub fn analyze(sources: &SourceMap, options: &CheckOptions, lints: &lint::LintConfig) -> Analysis {
    let (files, mut diagnostics) = parse(sources);
    let (rules, found) = check::check(&files, options);
    diagnostics.extend(found);
    let (rules, program) = match CheckedRuleSet::new(rules, &diagnostics) {
        Ok(checked) => {
            let program = compile::compile(&checked);
            let context = lint::Context {
                sources,
                files: &files,
                rules: checked.rules(),
                program: &program,
            };
            diagnostics.extend(lint::run(&context, lints));
            (checked.into_rules(), Some(program))
        }
        Err(rules) => (*rules, None),
    };
    let mut diagnostics = lints.apply(diagnostics);
    sort_in_source_order(&mut diagnostics);
    diagnostics.dedup();
    Analysis {
        files,
        rules,
        program,
        diagnostics,
    }
}

/// Parses and checks a rule set: the checked rule set when neither stage found an error
/// (else what was understood), and all diagnostics of both stages, in source order.
pub fn front_end(
    sources: &SourceMap,
    options: &CheckOptions,
) -> (Result<CheckedRuleSet, Box<RuleSet>>, Vec<Diagnostic>) {
    let (files, mut diagnostics) = parse(sources);
    let (rules, found) = check::check(&files, options);
    diagnostics.extend(found);
    sort_in_source_order(&mut diagnostics);
    (CheckedRuleSet::new(rules, &diagnostics), diagnostics)
}
