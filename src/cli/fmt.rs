//! `qualify fmt`: rewrite rule files in the canonical layout, or check that they are.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::render::{self, Color};
use super::{CliError, ExitStatus, load};
use crate::source::SourceMap;

/// Arguments of `qualify fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Rule files or directories
    #[arg(default_value = "rules/")]
    pub paths: Vec<PathBuf>,

    /// Change nothing; print a diff of what would change and exit 1 if anything would
    #[arg(long)]
    pub check: bool,
}

/// Runs `qualify fmt`.
pub fn run(args: &FmtArgs) -> Result<ExitStatus, CliError> {
    let mut files = Vec::new();
    for path in &args.paths {
        files.extend(load::rule_files(path)?);
    }
    let mut sources = SourceMap::new();
    let mut unparsable = Vec::new();
    let mut changed = Vec::new();
    let mut out = std::io::stdout().lock();
    for path in &files {
        let text = load::read_rule_file(path)?;
        let id = sources.add(load::display_path(path), text);
        let (file, diagnostics) = crate::syntax::parse_file(id, sources.get(id));
        if !diagnostics.is_empty() {
            unparsable.extend(diagnostics);
            continue;
        }
        let source = sources.get(id);
        let formatted = crate::fmt::format(source, &file);
        if formatted == *source.text {
            continue;
        }
        if !crate::fmt::keeps_meaning(&file, &source.text, &formatted) {
            return Err(CliError::internal(format!(
                "formatting `{}` would change its meaning; the file was left as it is",
                source.name
            )));
        }
        changed.push(source.name.clone());
        if args.check {
            let diff = similar::TextDiff::from_lines(&*source.text, &formatted)
                .unified_diff()
                .context_radius(3)
                .header(&source.name, &format!("{} (formatted)", source.name))
                .to_string();
            out.write_all(diff.as_bytes())
                .map_err(|e| CliError::io("cannot write to standard output".to_string(), e))?;
        } else {
            std::fs::write(path, &formatted)
                .map_err(|e| CliError::io(format!("cannot write `{}`", path.display()), e))?;
        }
    }
    if !unparsable.is_empty() {
        let color = Color::for_stream(std::io::stderr().is_terminal());
        super::stderr_text!("{}", render::human(&sources, &unparsable, color));
        super::stderr_line!("files with syntax errors were not formatted");
    }
    let verb = if args.check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    let count = changed.len();
    let total = files.len();
    super::stderr_line!(
        "{count} of {total} file{} {verb}",
        if total == 1 { "" } else { "s" }
    );
    Ok(if !unparsable.is_empty() || (args.check && count > 0) {
        ExitStatus::Failed
    } else {
        ExitStatus::Success
    })
}
