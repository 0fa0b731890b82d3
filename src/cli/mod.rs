//! The command line: clap definitions, one file per subcommand, exit codes.
//!
//! The library core does no I/O; this module reads files, renders diagnostics, writes
//! output and maps results to [`ExitStatus`].

/// Writes a line to standard error; a closed standard error is no reason to fail.
macro_rules! stderr_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use stderr_line;

/// Writes text to standard error, ignoring a closed stream.
macro_rules! stderr_text {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use stderr_text;

pub mod check;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod load;
pub mod progress;
pub mod render;
pub mod revision;
pub mod sql;
pub mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// How a run ended; the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything worked and nothing failed.
    Success = 0,
    /// 1: the rules have errors, or a test case failed.
    Failed = 1,
    /// 2: the command line was wrong or a file could not be read or written.
    Usage = 2,
    /// 3: some contact records could not be read or classified.
    DataErrors = 3,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// An error that stops a command before it produced its result (exit code 2).
#[derive(Debug)]
pub struct CliError {
    message: String,
    status: ExitStatus,
}

impl CliError {
    /// A wrong argument or flag.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            status: ExitStatus::Usage,
        }
    }

    /// A file that could not be read or written.
    pub fn io(context: String, error: std::io::Error) -> CliError {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            // the reader of our output stopped early (`qualify eval … | head`): not an error
            return CliError {
                message: String::new(),
                status: ExitStatus::Success,
            };
        }
        let reason = match error.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => error.to_string(),
        };
        CliError {
            message: format!("{context}: {reason}"),
            status: ExitStatus::Usage,
        }
    }

    /// A bug in qualify.
    pub fn internal(message: impl Into<String>) -> CliError {
        CliError {
            message: format!("internal error: {} (please report this)", message.into()),
            status: ExitStatus::Usage,
        }
    }

    /// The message shown to the user.
    pub fn message(&self) -> &str {
        &self.message
    }
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success (warnings alone do not fail a run)
  1  the rules have errors, a test case failed, `fmt --check` found changes, or a `diff` gate failed
  2  wrong usage, or a file could not be read or written
  3  `eval`, `diff`: some contact records could not be read or classified";

/// qualify — what your sales words mean, as rules you can test
#[derive(Debug, Parser)]
#[command(name = "qualify", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// The command to run
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and type-check rule files
    #[command(after_help = EXIT_CODES)]
    Check(check::CheckArgs),
    /// Classify contacts from JSON, JSON Lines or CSV files
    #[command(after_help = EXIT_CODES)]
    Eval(eval::EvalArgs),
    /// Review a rule change: what changed, and which contacts it moves from which value to
    /// which
    #[command(after_help = EXIT_CODES)]
    Diff(diff::DiffArgs),
    /// Explain why one contact got its values, condition by condition
    #[command(after_help = EXIT_CODES)]
    Explain(explain::ExplainArgs),
    /// Rewrite rule files in the canonical layout (`--check`: only report)
    #[command(after_help = EXIT_CODES)]
    Fmt(fmt::FmtArgs),
    /// Run the test contacts kept beside the rules (`*.yaml`)
    #[command(after_help = EXIT_CODES)]
    Test(test::TestArgs),
    /// Write the rule set as one SQL query that classifies a table of contacts
    #[command(after_help = EXIT_CODES)]
    Sql(sql::SqlArgs),
}

/// Validates `--id-field`: a top-level field name as written in a schema.
pub fn id_field(text: &str) -> Result<String, String> {
    let mut chars = text.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(text.to_string())
    } else if text.contains('.') {
        Err(format!(
            "`{text}`: the id must be a top-level field of the contact, not a nested one"
        ))
    } else {
        Err(format!(
            "`{text}` is not a field name (letters, digits and `_`)"
        ))
    }
}

/// Parses the command line and runs the command; prints usage errors itself.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let status = if e.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            };
            // clap prints help and version to stdout and errors to stderr
            let _ = e.print();
            return status.into();
        }
    };
    // rule sets can nest deeply (a thousand-way `or`, long chains of `let`s), and the
    // stages walk them recursively
    let worker = std::thread::Builder::new()
        .name("qualify".into())
        .stack_size(crate::run::STACK_SIZE)
        .spawn(move || match &cli.command {
            Command::Check(args) => check::run(args),
            Command::Eval(args) => eval::run(args),
            Command::Diff(args) => diff::run(args),
            Command::Explain(args) => explain::run(args),
            Command::Test(args) => test::run(args),
            Command::Fmt(args) => fmt::run(args),
            Command::Sql(args) => sql::run(args),
        });
    let result = match worker.map(|handle| handle.join()) {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(CliError::internal("the command stopped unexpectedly")),
        Err(e) => Err(CliError::internal(format!(
            "cannot start the worker thread: {e}"
        ))),
    };
    match result {
        Ok(status) => status.into(),
        Err(error) => {
            if !error.message.is_empty() {
                stderr_line!("error: {}", error.message);
            }
            error.status.into()
        }
    }
}
