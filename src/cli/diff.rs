//! `qualify diff`: what a change to a rule set does — its structure, and, given contacts,
//! how many of them move from which value to which, with examples and why.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::eval::{OnError, ReadingArgs, parse_as_of};
use super::render;
use super::revision::{self, Base};
use super::{CliError, ExitStatus, load};
use crate::compile::{self, PlanConflict, Program};
use crate::data::DataError;
use crate::diff::{self, Comparison};
use crate::run;

/// Arguments of `qualify diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The rules before the change: a path, a git revision of the new rules' path
    /// (`main`), or a path at a revision (`main:rules/`; `./` starts from the current
    /// directory)
    #[arg(long, value_name = "PATH|REV|REV:PATH")]
    pub base: String,

    /// The rules after the change: a rule file or directory
    pub new: PathBuf,

    /// Contact files (`.json`, `.jsonl`, `.csv`; `-` reads standard input), each contact
    /// classified by both rule sets
    pub data: Vec<PathBuf>,

    /// When and how contacts are read (the mapping is the new rules')
    #[command(flatten)]
    pub reading: ReadingArgs,

    /// How to print the review
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,

    /// Example contacts shown per move (from one value to another)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub examples: usize,

    /// Fail (exit 1) when a contact makes this move: `FROM->TO`, optionally
    /// `CLASSIFICATION:FROM->TO`; `*` is any other value, `none` no value (`customer->*`,
    /// `*->none`, `stage:prospect->lead`); repeatable
    #[arg(long, value_name = "[CLASS:]FROM->TO")]
    pub fail_on: Vec<String>,

    /// Fail (exit 1) when more contacts than this change (in any classification): a count
    /// (`25`) or a share of the contacts compared (`5%`)
    #[arg(long, value_name = "N|P%")]
    pub max_changed: Option<String>,

    /// What to do with a record that cannot be read or classified by either rule set
    #[arg(long, value_enum, default_value_t = OnError::Continue)]
    pub on_error: OnError,

    /// Leave out the analysis of meaning (structure and contacts only): it takes a
    /// second or more on large rule sets, and a gate on contacts does not need it
    #[arg(long)]
    pub no_meaning: bool,

    /// Threads that decode and classify the input [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Text for people
    Human,
    /// One JSON document
    Json,
    /// Markdown for a pull-request comment: a table per classification, examples folded
    Markdown,
}

/// A move `--fail-on` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// As written.
    pub text: String,
    /// The classification, or any.
    pub class: Option<String>,
    /// The old value.
    pub from: Side,
    /// The new value.
    pub to: Side,
}

/// One end of a gate's move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// `*`: any value other than the other end's.
    Any,
    /// `none`: no value.
    NoValue,
    /// A value by name.
    Value(String),
}

impl Side {
    fn parse(text: &str) -> Side {
        match text.trim() {
            "*" => Side::Any,
            "none" => Side::NoValue,
            other => Side::Value(other.to_string()),
        }
    }

    fn matches(&self, value: &Option<String>) -> bool {
        match (self, value) {
            (Side::Any, _) => true,
            (Side::NoValue, None) => true,
            (Side::Value(v), Some(w)) => v == w,
            _ => false,
        }
    }
}

impl Gate {
    /// Parses `[CLASS:]FROM->TO`.
    pub fn parse(text: &str) -> Result<Gate, CliError> {
        let wrong = |why: &str| {
            CliError::usage(format!(
                "`--fail-on {text}`: {why}; write FROM->TO or CLASSIFICATION:FROM->TO, with `*` for any value and `none` for no value (`customer->*`)"
            ))
        };
        let (class, moves) = match text.split_once(':') {
            Some((class, rest)) => (Some(class.trim().to_string()), rest),
            None => (None, text),
        };
        let Some((from, to)) = moves.split_once("->") else {
            return Err(wrong("there is no `->`"));
        };
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || to.is_empty() {
            return Err(wrong("a side of `->` is empty"));
        }
        if class.as_deref() == Some("") {
            return Err(wrong("the classification before `:` is empty"));
        }
        if from == "*" && to == "*" {
            return Err(wrong(
                "`*->*` would fail on every change; use `--max-changed 0` for that",
            ));
        }
        if from == to {
            return Err(wrong("a value cannot move to itself"));
        }
        Ok(Gate {
            text: text.to_string(),
            class,
            from: Side::parse(from),
            to: Side::parse(to),
        })
    }

    /// Whether a move of classification `class` from `from` to `to` trips the gate.
    pub fn trips(&self, class: &str, from: &Option<String>, to: &Option<String>) -> bool {
        from != to
            && self.class.as_deref().is_none_or(|c| c == class)
            && self.from.matches(from)
            && self.to.matches(to)
    }

    /// Checks the names the gate uses against the classifications compared: a name no
    /// rule set has is a typo that would make the gate pass silently.
    fn check(&self, old: &Program, new: &Program) -> Result<(), CliError> {
        let classes: Vec<&str> = new
            .classes()
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| old.classes().iter().any(|c| c.name == *n))
            .collect();
        if let Some(class) = &self.class
            && !classes.contains(&class.as_str())
        {
            let hint = crate::diagnostic::did_you_mean(class, classes.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(CliError::usage(format!(
                "`--fail-on {}`: no classification `{class}` in both rule sets; {hint}both have {}",
                self.text,
                quoted(&classes)
            )));
        }
        let values = |program: &Program| -> Vec<String> {
            program
                .classes()
                .iter()
                .filter(|c| self.class.as_ref().is_none_or(|n| *n == c.name))
                .filter(|c| classes.contains(&c.name.as_str()))
                .flat_map(|c| c.values.iter().cloned())
                .collect()
        };
        for (side, program, rules) in [(&self.from, old, "old"), (&self.to, new, "new")] {
            if let Side::Value(v) = side {
                let known = values(program);
                if !known.contains(v) {
                    let hint = crate::diagnostic::did_you_mean(v, known.iter().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    return Err(CliError::usage(format!(
                        "`--fail-on {}`: the {rules} rules give no value `{v}`{}; {hint}(`none` is no value)",
                        self.text,
                        self.class
                            .as_ref()
                            .map(|c| format!(" to `{c}`"))
                            .unwrap_or_default()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// `--max-changed`: a count or a share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// At most this many contacts.
    Count(usize),
    /// At most this percentage of the contacts compared.
    Percent(f64),
}

impl Limit {
    /// Parses `25` or `5%`.
    pub fn parse(text: &str) -> Result<Limit, CliError> {
        let wrong = || {
            CliError::usage(format!(
                "`--max-changed {text}` is not a count (`25`) or a share of the contacts (`5%`, `0.5%`)"
            ))
        };
        let text = text.trim();
        if let Some(share) = text.strip_suffix('%') {
            let p: f64 = share.trim().parse().map_err(|_| wrong())?;
            if !(0.0..=100.0).contains(&p) {
                return Err(CliError::usage(format!(
                    "`--max-changed {text}`: a share is between 0% and 100%"
                )));
            }
            return Ok(Limit::Percent(p));
        }
        text.parse().map(Limit::Count).map_err(|_| wrong())
    }

    /// Whether `changed` of `total` contacts exceeds it.
    pub fn exceeded(self, changed: usize, total: usize) -> bool {
        match self {
            Limit::Count(n) => changed > n,
            // changed / total > p / 100, in integers where they are exact
            Limit::Percent(p) => (changed as f64) * 100.0 > p * (total as f64),
        }
    }
}

/// Contacts that moved: (classification, old value, new value, how many).
pub type Move = (String, Option<String>, Option<String>, usize);

/// What the gates found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// Each gate that tripped (as written), with the moves that tripped it.
    pub tripped: Vec<(String, Vec<Move>)>,
    /// `--max-changed` exceeded: how many contacts changed, of how many.
    pub too_many: Option<(usize, usize)>,
}

impl Verdict {
    /// Whether any gate failed.
    pub fn failed(&self) -> bool {
        !self.tripped.is_empty() || self.too_many.is_some()
    }
}

/// Holds the transitions against the gates.
pub fn verdict(
    transitions: &[diff::Transitions],
    (changed, contacts): (usize, usize),
    gates: &[Gate],
    limit: Option<Limit>,
) -> Verdict {
    let mut verdict = Verdict::default();
    for gate in gates {
        let mut moves = Vec::new();
        for t in transitions {
            for (f, from) in t.from.iter().enumerate() {
                for (to_i, to) in t.to.iter().enumerate() {
                    let n = t.counts[f][to_i];
                    if n > 0 && gate.trips(&t.name, from, to) {
                        moves.push((t.name.clone(), from.clone(), to.clone(), n));
                    }
                }
            }
        }
        if !moves.is_empty() {
            verdict.tripped.push((gate.text.clone(), moves));
        }
    }
    if let Some(limit) = limit
        && limit.exceeded(changed, contacts)
    {
        verdict.too_many = Some((changed, contacts));
    }
    verdict
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything a review shows.
pub struct Review<'a> {
    /// How the old rules are named (`main:rules/`, a path).
    pub base: String,
    /// How the new rules are named.
    pub new: String,
    /// The change in structure.
    pub structure: &'a diff::Structure,
    /// The classifications each rewritten `let` reaches (in either rule set).
    pub reaches: Vec<(String, Vec<String>)>,
    /// The change in meaning, or why it was not analysed.
    pub meaning: &'a Result<Vec<diff::meaning::ValueChange>, String>,
    /// Enum values only one rule set reads (the meaning is of the contacts both read).
    pub one_sided: Vec<diff::meaning::OneSided>,
    /// The contacts, when data was given.
    pub data: Option<&'a Comparison<'a>>,
    /// What the gates found.
    pub verdict: &'a Verdict,
}

/// Notes where the mapping beside the base rules reads contacts otherwise than the new
/// rules' mapping (their `[source.…]` differ): `diff` reads each contact once, through the
/// new one, so what the mapping's own change moves is not in its report. Nothing is noted
/// under `--mapping`, which names one mapping for both.
fn note_mapping_change(base: &Base, args: &DiffArgs, here: &Path) -> Result<(), CliError> {
    if args.reading.mapping.is_some() {
        return Ok(());
    }
    let old = revision::mapping_text(base, &args.new, here)?;
    let new = match load::mapping_file(&args.new, None) {
        Some(file) => Some((load::display_path(&file), load::read_rule_file(&file)?)),
        None => None,
    };
    // the sources as TOML values (comments, layout and `[lints]` read nothing); a file
    // that is not TOML as its text, which reading it will refuse
    let sources = |mapping: &Option<(String, String)>| {
        let (_, text) = mapping.as_ref()?;
        match toml::from_str::<toml::Table>(text) {
            Ok(mut table) => table.remove("source").map(Ok),
            Err(_) => Some(Err(text.clone())),
        }
    };
    if sources(&old) == sources(&new) {
        return Ok(());
    }
    let name = |m: &Option<(String, String)>| {
        m.as_ref()
            .map_or("none".to_string(), |(name, _)| format!("`{name}`"))
    };
    super::stderr_line!(
        "note: the mapping differs between the base rules ({}) and the new ones ({}): each contact is read once, through the new rules' mapping, so what the mapping's own change moves is not compared (run `qualify eval` with each to see it)",
        name(&old),
        name(&new)
    );
    Ok(())
}

/// Runs `qualify diff`.
pub fn run(args: &DiffArgs) -> Result<ExitStatus, CliError> {
    let now = parse_as_of(args.reading.as_of.as_deref())?;
    let gates = args
        .fail_on
        .iter()
        .map(|g| Gate::parse(g))
        .collect::<Result<Vec<_>, _>>()?;
    let limit = args.max_changed.as_deref().map(Limit::parse).transpose()?;
    if (!gates.is_empty() || limit.is_some()) && args.data.is_empty() {
        return Err(CliError::usage(
            "`--fail-on` and `--max-changed` hold the contacts that change: name contact files after the new rules",
        ));
    }
    let base = Base::parse(&args.base);
    let here = std::env::current_dir()
        .map_err(|e| CliError::io("cannot read the current directory".to_string(), e))?;
    let old_sources = revision::rule_set(&base, &args.new, &here)?;
    let new_sources = load::rule_set(std::slice::from_ref(&args.new))?;
    note_mapping_change(&base, args, &here)?;
    let id_field = &args.reading.id_field;
    let Ok(old_checked) = load::checked(&old_sources, id_field)? else {
        super::stderr_line!(
            "the base rules ({}) have errors; nothing was compared",
            args.base
        );
        return Ok(ExitStatus::Failed);
    };
    let Ok(new_checked) = load::checked(&new_sources, id_field)? else {
        super::stderr_line!(
            "the new rules ({}) have errors; nothing was compared",
            load::display_path(&args.new)
        );
        return Ok(ExitStatus::Failed);
    };
    let structure = diff::structure(&old_checked, &old_sources, &new_checked, &new_sources);
    let old = compile::compile(&old_checked);
    let new_alone = compile::compile(&new_checked);
    for gate in &gates {
        gate.check(&old, &new_alone)?;
    }
    let reaches = structure
        .lets
        .iter()
        .filter_map(|l| match l {
            diff::LetChange::Rewritten { name, .. } => {
                let mut classes = diff::structure::reaches(&new_checked, name);
                for c in diff::structure::reaches(&old_checked, name) {
                    if !classes.contains(&c) {
                        classes.push(c);
                    }
                }
                Some((name.clone(), classes))
            }
            _ => None,
        })
        .collect();
    let base_name = match &base {
        Base::Path(p) => load::display_path(p),
        Base::Revision(rev) => format!("{rev}:{}", load::display_path(&args.new)),
        Base::RevisionPath(rev, path) => format!("{rev}:{path}"),
    };
    let new_name = load::display_path(&args.new);
    let mut status = ExitStatus::Success;
    let comparison;
    let verdict;
    // the new rules compiled onto the old plan: one reading of a contact serves both
    let joint = compile::compile_onto(&new_checked, old.plan());
    let meaning = match &joint {
        _ if args.no_meaning => Err("left out (`--no-meaning`)".to_string()),
        Ok(new_program) => Ok(diff::meaning::meaning(
            diff::data::Side {
                program: &old,
                sources: &old_sources,
            },
            diff::data::Side {
                program: new_program,
                sources: &new_sources,
            },
            now,
        )),
        Err(c) => Err(conflict(c)),
    };
    let data = if args.data.is_empty() {
        verdict = Verdict::default();
        None
    } else {
        let new_program = joint.as_ref().map_err(|c| CliError::usage(conflict(c)))?;
        let mapping = match load::mapping(&args.new, args.reading.mapping.as_deref(), &new_checked)?
        {
            Ok(mapping) => mapping,
            Err(status) => return Ok(status),
        };
        let (compared, tally) = compare(
            args,
            now,
            &old,
            &old_sources,
            new_program,
            &new_sources,
            &mapping,
        )?;
        let Some(compared) = compared else {
            return Ok(tally_status(tally.as_ref()));
        };
        comparison = compared;
        if let Some(tally) = &tally {
            super::stderr_line!("{}", render::tally(tally));
            for join in &tally.joins {
                super::stderr_line!("{}", render::joined(join));
            }
            status = tally_status(Some(tally));
        }
        verdict = self::verdict(
            comparison.transitions(),
            (comparison.changed(), comparison.contacts()),
            &gates,
            limit,
        );
        Some(&comparison)
    };
    let review = Review {
        base: base_name,
        new: new_name,
        structure: &structure,
        reaches,
        meaning: &meaning,
        one_sided: joint
            .as_ref()
            .map_or_else(|_| Vec::new(), |new| diff::meaning::one_sided(&old, new)),
        data,
        verdict: &verdict,
    };
    let text = match args.format {
        DiffFormat::Human => render::diff::human(&review),
        DiffFormat::Markdown => render::diff::markdown(&review),
        DiffFormat::Json => {
            let mut text = serde_json::to_string_pretty(&render::diff::json(&review))
                .map_err(|e| CliError::internal(format!("cannot write JSON: {e}")))?;
            text.push('\n');
            text
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("cannot write the review".to_string(), e))?;
    if verdict.failed() {
        for line in render::diff::verdict_lines(&verdict) {
            super::stderr_line!("{line}");
        }
        return Ok(ExitStatus::Failed);
    }
    Ok(status)
}

/// The exit status of a run's tally: data errors, or success.
fn tally_status(tally: Option<&run::Tally>) -> ExitStatus {
    if tally.is_some_and(|t| t.errors > 0) {
        ExitStatus::DataErrors
    } else {
        ExitStatus::Success
    }
}

/// Why contacts cannot be compared, for people.
fn conflict(c: &PlanConflict) -> String {
    match c {
        PlanConflict::Type { path, base, new } => format!(
            "`{path}` is {base} in the base rules and {new} in the new ones, so no one reading of a contact serves both; compare without contact files to see the change in structure"
        ),
        PlanConflict::Schema(true) => "the base rules have a schema and the new ones do not, so they read contacts differently; compare without contact files to see the change in structure".to_string(),
        PlanConflict::Schema(false) => "the new rules have a schema and the base rules do not, so they read contacts differently; compare without contact files to see the change in structure".to_string(),
        PlanConflict::IdField(a, b) => format!("the base rules name contacts by `{a}` and the new ones by `{b}`"),
    }
}

/// Reads the contacts and classifies each by both programs: the comparison (`None` when
/// activities could not be read: their error is printed) and the run's tally.
#[allow(clippy::too_many_arguments)]
fn compare<'p>(
    args: &DiffArgs,
    now: jiff::Timestamp,
    old: &'p Program,
    old_sources: &'p crate::source::SourceMap,
    new: &'p Program,
    new_sources: &'p crate::source::SourceMap,
    mapping: &crate::mapping::Mapping,
) -> Result<(Option<Comparison<'p>>, Option<run::Tally>), CliError> {
    let mut files = args.reading.data_files(&args.data)?;
    let through = files
        .iter()
        .map(|f| f.source(mapping))
        .collect::<Result<Vec<_>, _>>()?;
    let activities = match args.reading.activities(new, mapping)? {
        Ok(activities) => activities,
        Err(_) => return Ok((None, None)),
    };
    let options = run::Options {
        now,
        on_error: match args.on_error {
            OnError::Fail => run::ErrorPolicy::Stop,
            OnError::Continue => run::ErrorPolicy::Continue,
        },
        reasons: false,
        jobs: match args.jobs {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        },
        classes: None,
        activities: &activities,
        base: Some(run::Base {
            program: old,
            sources: old_sources,
        }),
    };
    let mut sink = Collect {
        comparison: Comparison::new(
            diff::data::Side {
                program: old,
                sources: old_sources,
            },
            diff::data::Side {
                program: new,
                sources: new_sources,
            },
            args.examples,
            now,
        ),
    };
    let inputs: Vec<run::Input<'_>> = files
        .iter_mut()
        .zip(&through)
        .map(|(f, source)| f.input().through(*source))
        .collect();
    let Ok(tally) = run::run(new, new_sources, inputs, options, &mut sink);
    Ok((Some(sink.comparison), Some(tally)))
}

/// The sink of a comparison's run: counts contacts, reports bad records as they come.
struct Collect<'p> {
    comparison: Comparison<'p>,
}

impl run::Sink for Collect<'_> {
    type Error = std::convert::Infallible;

    fn classified(&mut self, record: run::Classified<'_>) -> Result<(), Self::Error> {
        self.comparison.add(&record);
        Ok(())
    }

    fn failed(&mut self, error: &DataError) -> Result<(), Self::Error> {
        super::stderr_line!("{}", render::data::line(error));
        Ok(())
    }

    fn empty(&mut self, input: &str) -> Result<(), Self::Error> {
        super::stderr_line!(
            "note: {} holds no contacts (it is empty)",
            load::shown(input)
        );
        Ok(())
    }
}
