//! `qualify explain`: why one contact got its values, as a tree of conditions.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::eval::{ReadingArgs, parse_as_of};
use super::render::explain::{contact_json, human};
use super::{CliError, ExitStatus, load};
use crate::eval::Evaluator;
use crate::explain::{Explainer, Origin, Origins};
use crate::run;
use crate::semantics::Value;

/// Arguments of `qualify explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule file or directory
    pub rules: PathBuf,

    /// The contact file (`.json`, `.jsonl`, `.csv`); `-` reads standard input
    pub data: PathBuf,

    /// The id of the contact to explain
    #[arg(long)]
    pub id: String,

    /// When and how contacts are read
    #[command(flatten)]
    pub reading: ReadingArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// Output formats of `qualify explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// An indented tree for people
    Human,
    /// The tree as JSON
    Json,
}

/// Runs `qualify explain`.
pub fn run(args: &ExplainArgs) -> Result<ExitStatus, CliError> {
    let now = parse_as_of(args.reading.as_of.as_deref())?;
    let (sources, program, mapping) = match args.reading.program(&args.rules)? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let mut file = load::data_file(&args.data, args.reading.input_format())?;
    let through = file.source(&mapping)?;
    if args.data.as_os_str() == "-" && args.reading.activities.iter().any(|p| p.as_os_str() == "-")
    {
        return Err(CliError::usage(
            "`-` (standard input) is named more than once; it can be read only once",
        ));
    }
    let activities = match args.reading.activities(&program, &mapping)? {
        Ok(activities) => activities,
        Err(status) => return Ok(status),
    };
    let shown = file.shown();
    let id = super::render::printable(&args.id);
    let found = run::find(
        &program,
        file.input().through(through),
        &args.id,
        &activities,
    );
    let name = &file.name;
    if let Some((_, e)) = &found.error {
        super::stderr_line!("{}", super::render::data::line(e));
        return Ok(ExitStatus::DataErrors);
    }
    if let (Some(first), true) = (&found.first, found.more > 0) {
        super::stderr_line!(
            "note: {} contacts in {shown} have {} `{id}`; this explains the first (line {})",
            found.more + 1,
            args.reading.id_field,
            first.line
        );
    }
    let Some(mut contact) = found.first else {
        let note = if found.skipped > 0 {
            format!(
                " ({} could not be read; run `qualify eval` to see why)",
                super::render::count(found.skipped, "record", "records")
            )
        } else {
            String::new()
        };
        return Err(CliError::usage(format!(
            "no contact with {} `{id}` in {shown}{note}",
            args.reading.id_field
        )));
    };
    // each activity's row, so that one that decides is named where a person can find it
    let mut origins = Origins::new();
    for join in &activities {
        let joined = join.lines_of(&contact.id).and_then(|lines| {
            if let Some((slot, lines)) = lines {
                // the contact's own elements come first, then each file's in turn
                let own = match &contact.slots[slot] {
                    Value::List(own) => own.len(),
                    _ => 0,
                };
                let list = origins.entry(slot).or_insert_with(|| vec![None; own]);
                list.extend(lines.into_iter().map(|line| {
                    Some(Origin {
                        file: join.file().to_string(),
                        line,
                    })
                }));
            }
            join.attach(program.plan(), &mut contact)
        });
        if let Err(e) = joined {
            super::stderr_line!("{}", super::render::data::line(&e));
            return Ok(ExitStatus::DataErrors);
        }
    }
    let mut evaluator = Evaluator::new(&program, now);
    let explanation = Explainer::new(&program, &sources, &mut evaluator, &contact.slots)
        .with_origins(origins)
        .contact(&contact.id)
        .map_err(|e| run::runtime_error(&sources, &program, name, &contact, e));
    let explanation = match explanation {
        Ok(e) => e,
        Err(e) => {
            super::stderr_line!("{}", super::render::data::line(&e));
            return Ok(ExitStatus::DataErrors);
        }
    };
    let out = match args.format {
        ExplainFormat::Human => human(&explanation),
        ExplainFormat::Json => {
            let mut text = serde_json::to_string_pretty(&contact_json(&explanation))
                .map_err(|e| CliError::internal(format!("cannot write JSON: {e}")))?;
            text.push('\n');
            text
        }
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| CliError::io("cannot write to standard output".to_string(), e))?;
    // activities whose contact could not be read may be this contact's: said, as eval does
    let unread: Vec<_> = activities
        .iter()
        .flat_map(|a| a.problems().iter().cloned().chain(a.changed()))
        .collect();
    for e in &unread {
        super::stderr_line!("{}", super::render::data::line(e));
    }
    if !unread.is_empty() {
        let errors = match unread.len() {
            1 => "error".to_string(),
            n => format!("{n} errors"),
        };
        super::stderr_line!(
            "the explanation may be incomplete: the {errors} above, in files of activities, may concern this contact"
        );
        return Ok(ExitStatus::DataErrors);
    }
    Ok(ExitStatus::Success)
}
