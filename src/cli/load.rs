//! Reading rule sets from disk: a `.qual` file, or a directory of them.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::source::SourceMap;

/// The `.qual` files a path names: the file itself, or every `.qual` file under the
/// directory (recursively, in path order so diagnostics come out in a stable order).
pub fn rule_files(path: &Path) -> Result<Vec<PathBuf>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::io(format!("cannot read `{}`", path.display()), e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    collect(path, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(CliError::usage(format!(
            "no `.qual` files in `{}`",
            path.display()
        )));
    }
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError::io(format!("cannot read directory `{}`", dir.display()), e))?;
    for entry in entries {
        let entry = entry
            .map_err(|e| CliError::io(format!("cannot read directory `{}`", dir.display()), e))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| CliError::io(format!("cannot read `{}`", path.display()), e))?;
        if file_type.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "qual") {
            out.push(path);
        }
    }
    Ok(())
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

/// A path as shown in diagnostics: relative paths stay as given, with `/` separators.
pub fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").unwrap_or(&text).replace('\\', "/")
}
