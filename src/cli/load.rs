//! Loading from disk, for every command: rule sets (a `.qual` file or a directory of
//! them), compiled programs, data files and standard input, and the one directory walk.
//!
//! The walk follows symbolic links to directories and files, visits each directory and
//! file once (by its canonical path), so a link loop (`self -> .`) ends and a file reached
//! twice is read once, and returns paths in order so output is stable.

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use super::render::{self, Color};
use super::{CliError, ExitStatus};
use crate::check::{CheckOptions, CheckedRuleSet};
use crate::compile::Program;
use crate::data::InputFormat;
use crate::diagnostic::Diagnostic;
use crate::mapping::Mapping;
use crate::source::SourceMap;

/// The files with one of `extensions` below `dir` (following links, each once), in path
/// order.
pub fn walk(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, CliError> {
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    collect(dir, extensions, &mut seen, &mut files)?;
    files.sort();
    Ok(files)
}

fn collect(
    dir: &Path,
    extensions: &[&str],
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<PathBuf>,
) -> Result<(), CliError> {
    let unreadable = |e| CliError::io(format!("cannot read directory `{}`", dir.display()), e);
    if !seen.insert(std::fs::canonicalize(dir).map_err(unreadable)?) {
        return Ok(()); // already walked: a link back up the tree, or a second link
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        entries.push(entry.map_err(unreadable)?.path());
    }
    entries.sort();
    for path in entries {
        // `metadata` follows links; a dangling link is skipped like any other non-file
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            collect(&path, extensions, seen, out)?;
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            let canonical = std::fs::canonicalize(&path)
                .map_err(|e| CliError::io(format!("cannot read `{}`", path.display()), e))?;
            if seen.insert(canonical) {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// The `.qual` files a path names: the file itself, or every `.qual` file under the
/// directory.
pub fn rule_files(path: &Path) -> Result<Vec<PathBuf>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::io(format!("cannot read `{}`", path.display()), e))?;
    if meta.is_file() {
        if InputFormat::from_path(path).is_some() {
            return Err(CliError::usage(format!(
                "`{}` looks like a contact file, not rules; the rule file or directory comes first (`qualify eval RULES DATA…`)",
                path.display()
            )));
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let files = walk(path, &["qual"])?;
    if files.is_empty() {
        return Err(CliError::usage(format!(
            "no `.qual` files in `{}`",
            path.display()
        )));
    }
    Ok(files)
}

/// Reads every rule file of every path into one source map (one rule set).
pub fn rule_set(paths: &[PathBuf]) -> Result<SourceMap, CliError> {
    let mut sources = SourceMap::new();
    for path in paths {
        for file in rule_files(path)? {
            sources.add(display_path(&file), read_rule_file(&file)?);
        }
    }
    Ok(sources)
}

/// Reads, checks and compiles a rule set; on errors prints them (on standard error) and
/// returns the exit status instead.
pub fn program(
    rules: &Path,
    id_field: &str,
) -> Result<Result<(SourceMap, Program), ExitStatus>, CliError> {
    Ok(load(rules, id_field, None)?.map(|(s, p, _)| (s, p)))
}

/// The mapping file of a run: the one named by `--mapping`, or `qualify.toml` beside the
/// rules if it exists.
pub fn mapping_file(rules: &Path, flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(flag) = flag {
        return Some(flag.to_path_buf());
    }
    let root = if rules.is_dir() {
        rules.to_path_buf()
    } else {
        rules.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    Some(root.join("qualify.toml")).filter(|f| f.is_file())
}

/// Like [`program`], and the mapping (`--mapping FILE`, or `qualify.toml` beside the
/// rules), checked against the rule set before any data is read: its problems are printed
/// and the run does not start.
pub fn program_and_mapping(
    rules: &Path,
    id_field: &str,
    mapping_flag: Option<&Path>,
) -> Result<Result<(SourceMap, Program, Mapping), ExitStatus>, CliError> {
    load(rules, id_field, Some(mapping_file(rules, mapping_flag)))
}

/// The rule set's program, and the mapping in `mapping` (`None`: none is wanted).
#[allow(clippy::type_complexity)]
fn load(
    rules: &Path,
    id_field: &str,
    mapping: Option<Option<PathBuf>>,
) -> Result<Result<(SourceMap, Program, Mapping), ExitStatus>, CliError> {
    let sources = rule_set(&[rules.to_path_buf()])?;
    let checked = match checked(&sources, id_field)? {
        Ok(checked) => checked,
        Err(status) => return Ok(Err(status)),
    };
    let found_mapping = match mapping.flatten() {
        Some(file) => match read_mapping(&file, &checked)? {
            Ok(found) => found,
            Err(status) => return Ok(Err(status)),
        },
        None => Mapping::default(),
    };
    let program = crate::compile::compile(&checked);
    Ok(Ok((sources, program, found_mapping)))
}

/// Checks a rule set; on errors prints them (on standard error) and returns the exit
/// status instead. Warnings are printed too.
pub fn checked(
    sources: &SourceMap,
    id_field: &str,
) -> Result<Result<CheckedRuleSet, ExitStatus>, CliError> {
    let options = CheckOptions {
        id_field: id_field.to_string(),
    };
    let (checked, diagnostics) = crate::front_end(sources, &options);
    if !diagnostics.is_empty() {
        let color = Color::for_stream(std::io::stderr().is_terminal());
        super::stderr_text!("{}", render::human(sources, &diagnostics, color));
    }
    match checked {
        Ok(checked) => Ok(Ok(checked)),
        Err(_) if diagnostics.iter().any(Diagnostic::is_error) => {
            super::stderr_text!("{}", render::check_summary(sources, &diagnostics));
            Ok(Err(ExitStatus::Failed))
        }
        Err(_) => Err(CliError::internal(
            "the rule set has an expression without a type but no error",
        )),
    }
}

/// The mapping of a run over `rules` (`--mapping FILE`, or `qualify.toml` beside the
/// rules, or none), checked against the rule set; its problems are printed and the exit
/// status returned instead.
pub fn mapping(
    rules: &Path,
    flag: Option<&Path>,
    checked: &CheckedRuleSet,
) -> Result<Result<Mapping, ExitStatus>, CliError> {
    match mapping_file(rules, flag) {
        Some(file) => read_mapping(&file, checked),
        None => Ok(Ok(Mapping::default())),
    }
}

/// Reads and checks a mapping file against a rule set.
fn read_mapping(
    file: &Path,
    checked: &CheckedRuleSet,
) -> Result<Result<Mapping, ExitStatus>, CliError> {
    let text = read_rule_file(file)?;
    let mut map_sources = SourceMap::new();
    let id = map_sources.add(display_path(file), text.clone());
    match crate::mapping::parse(&text, id, checked.rules()) {
        Ok(found) => Ok(Ok(found)),
        Err(problems) => {
            let color = Color::for_stream(std::io::stderr().is_terminal());
            super::stderr_text!("{}", render::human(&map_sources, &problems, color));
            super::stderr_text!("{}", render::check_summary(&map_sources, &problems));
            Ok(Err(ExitStatus::Failed))
        }
    }
}

/// The text of a rule file: UTF-8 (a leading byte-order mark is dropped), or an error that
/// says where the first invalid byte is.
pub fn read_rule_file(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::io(format!("cannot read `{}`", path.display()), e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "`{}` is not UTF-8 text (first bad byte at offset {}); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// A contact file opened for reading: its name in messages, its format and its bytes to
/// come (read as a stream by the run).
pub struct DataFile {
    /// The name used in errors (`<stdin>` for standard input).
    pub name: String,
    /// Its format.
    pub format: InputFormat,
    /// Its size in bytes, where known (not for standard input or a pipe).
    pub size: Option<u64>,
    /// Its bytes (a record that is not UTF-8 is an error of that record, not of the file);
    /// `None` once taken by [`DataFile::input`].
    reader: Option<Box<dyn Read + Send>>,
}

impl DataFile {
    /// The file as messages name it: `` `path` ``, or standard input.
    pub fn shown(&self) -> String {
        shown(&self.name)
    }

    /// The mapping's source that reads this file, if any (noted on standard error where
    /// none does though the mapping has sources of contacts); an error when two match it.
    pub fn source<'m>(
        &self,
        mapping: &'m Mapping,
    ) -> Result<Option<&'m crate::mapping::Source>, CliError> {
        let source = mapping.source_for(&self.name).map_err(CliError::usage)?;
        // a file the patterns miss is read without the mapping: said, never silent
        if let Some(note) = mapping.unread_note(&self.name, &self.shown()) {
            super::stderr_line!("note: {note}");
        }
        Ok(source)
    }

    /// The file as a run input (its bytes can be taken once; a second input reads nothing).
    pub fn input(&mut self) -> crate::run::Input<'_> {
        let reader = self
            .reader
            .take()
            .unwrap_or_else(|| Box::new(std::io::empty()));
        crate::run::Input {
            name: &self.name,
            format: self.format,
            reader,
            source: None,
        }
    }
}

/// Whether two paths name one file, however each is spelt (`tasks.csv`, `./tasks.csv`), and
/// where the system tells, under two names (a hard link).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    // one file is one device and inode, whatever links name it
    #[cfg(unix)]
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return x.dev() == y.dev() && x.ino() == y.ino();
    }
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// An input as messages name it: `` `path` ``, or standard input.
pub fn shown(name: &str) -> String {
    if name == STDIN {
        "standard input".to_string()
    } else {
        format!("`{name}`")
    }
}

/// Opens a contact file (or standard input for `-`) in the given format, else the one its
/// extension names.
pub fn data_file(path: &Path, format: Option<InputFormat>) -> Result<DataFile, CliError> {
    let stdin = path.as_os_str() == "-";
    if !stdin && path.is_dir() {
        return Err(CliError::usage(format!(
            "`{}` is a directory; name the contact files in it (e.g. `{}/*.csv`)",
            path.display(),
            display_path(path).trim_end_matches('/')
        )));
    }
    if !stdin && path.extension().is_some_and(|e| e == "qual") {
        return Err(CliError::usage(format!(
            "`{}` is a rule file, not contacts; the rule file or directory comes first (`qualify eval RULES DATA…`)",
            path.display()
        )));
    }
    let format = input_format(path, format)?;
    if stdin {
        return Ok(DataFile {
            name: STDIN.to_string(),
            format,
            size: None,
            reader: Some(Box::new(std::io::stdin())),
        });
    }
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::io(format!("cannot read `{}`", path.display()), e))?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    Ok(DataFile {
        name: display_path(path),
        format,
        size,
        reader: Some(Box::new(file)),
    })
}

/// The name of standard input in data errors.
const STDIN: &str = "<stdin>";

/// Writes `path` whole or not at all: into a new file beside it, renamed over `path` when
/// everything was written and synced; on any error the temporary file is removed.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let cannot = |e| CliError::io(format!("cannot write `{}`", path.display()), e);
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "`--output {}` is a directory; name a file",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    // the same directory, so the rename stays on one file system and is atomic
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        write(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(cannot(e));
    }
    Ok(())
}

/// The format of a data file: the flag, else its extension.
fn input_format(path: &Path, flag: Option<InputFormat>) -> Result<InputFormat, CliError> {
    if let Some(f) = flag {
        return Ok(f);
    }
    if path.as_os_str() == "-" {
        return Err(CliError::usage(
            "reading standard input needs `--input-format json|jsonl|csv`",
        ));
    }
    InputFormat::from_path(path).ok_or_else(|| {
        CliError::usage(format!(
            "cannot tell the format of `{}` from its extension; use `--input-format json|jsonl|csv`",
            path.display()
        ))
    })
}

/// A path as shown in diagnostics: relative paths stay as given, with `/` separators.
pub fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").unwrap_or(&text).replace('\\', "/")
}
