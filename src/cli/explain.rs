//! `qualify explain`: why one contact got its values, as a tree of conditions.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::eval::{ReadingArgs, input_format, load_program, parse_as_of, read_data, runtime_error};
use super::render::explain::{contact_json, human};
use super::{CliError, ExitStatus, load};
use crate::data;
use crate::eval::Evaluator;
use crate::explain::Explainer;

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
    let (sources, program) = match load_program(&args.rules, &args.reading.id_field)? {
        Ok(loaded) => loaded,
        Err(status) => return Ok(status),
    };
    let format = input_format(&args.data, args.reading.input_format)?;
    let text = read_data(&args.data)?;
    let name = load::display_path(&args.data);
    let mut found = None;
    let mut skipped = 0usize;
    let mut more = 0usize;
    for record in data::read(format, &name, &text, &program.plan) {
        match record {
            Ok(contact) if contact.id == args.id => {
                if found.is_none() {
                    found = Some(contact);
                } else {
                    more += 1;
                }
            }
            Ok(_) => {}
            Err(e) if e.id.as_deref() == Some(args.id.as_str()) => {
                super::stderr_line!("{e}");
                return Ok(ExitStatus::DataErrors);
            }
            Err(_) => skipped += 1,
        }
    }
    if let (Some(first), true) = (&found, more > 0) {
        super::stderr_line!(
            "note: {} contacts in `{name}` have {} `{}`; this explains the first (line {})",
            more + 1,
            args.reading.id_field,
            args.id,
            first.line
        );
    }
    let Some(contact) = found else {
        let note = if skipped > 0 {
            format!(" ({skipped} records could not be read; run `qualify eval` to see why)")
        } else {
            String::new()
        };
        return Err(CliError::usage(format!(
            "no contact with {} `{}` in `{name}`{note}",
            args.reading.id_field, args.id
        )));
    };
    let mut evaluator = Evaluator::new(&program, now);
    let explanation = Explainer::new(&program, &sources, &mut evaluator, &contact.slots)
        .contact(&contact.id)
        .map_err(|e| runtime_error(&sources, &program, &name, &contact, e));
    let explanation = match explanation {
        Ok(e) => e,
        Err(e) => {
            super::stderr_line!("{e}");
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
    Ok(ExitStatus::Success)
}
