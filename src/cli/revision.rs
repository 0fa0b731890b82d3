//! Rule sets as they were at a git revision, read through `git` with no checkout: the base
//! of a change review (`qualify diff --base main`), so that a pull request's rules can be
//! compared with the branch they change.
//!
//! A base is written `REV` (the same path as the new rules, at `REV`) or `REV:PATH` (any
//! path, as git reads it: from the repository's root, or from the current directory where
//! it starts with `./`).

use std::path::Path;
use std::process::Command;

use super::CliError;
use super::load::display_path;
use crate::source::SourceMap;

/// A rule set to compare with: a path on disk, or a path at a git revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// Rules on disk.
    Path(std::path::PathBuf),
    /// The new rules' own path at this revision.
    Revision(String),
    /// This path (as git reads it) at this revision.
    RevisionPath(String, String),
}

impl Base {
    /// What `--base SPEC` names: an existing path is a path; else `REV:PATH`, or `REV`.
    pub fn parse(spec: &str) -> Base {
        if Path::new(spec).exists() {
            return Base::Path(spec.into());
        }
        match spec.split_once(':') {
            Some((rev, path)) if !rev.is_empty() => {
                Base::RevisionPath(rev.to_string(), path.to_string())
            }
            _ => Base::Revision(spec.to_string()),
        }
    }
}

/// Reads the rule set `base` names into one source map; `new` is the path of the rules it
/// is compared with (whose path a bare revision reads), `here` the directory a `./` path
/// at a revision starts from (the current one, for a command). Files are named as git
/// names them, `REV:PATH` (`main:rules/stage.qual`).
pub fn rule_set(base: &Base, new: &Path, here: &Path) -> Result<SourceMap, CliError> {
    match base {
        Base::Path(path) => super::load::rule_set(std::slice::from_ref(path)),
        Base::Revision(rev) => {
            // git reads `./NAME` from the directory it runs in: the new rules' own
            let (dir, name) = match (new.parent(), new.file_name()) {
                (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => {
                    (parent.to_path_buf(), name.to_string_lossy().into_owned())
                }
                (_, Some(name)) => (here.to_path_buf(), name.to_string_lossy().into_owned()),
                _ => (new.to_path_buf(), String::new()),
            };
            let path = format!("./{name}");
            let shown = format!("{rev}:{}", display_path(new));
            at_revision(&dir, rev, &path, &shown)
        }
        Base::RevisionPath(rev, path) => at_revision(here, rev, path, &format!("{rev}:{path}")),
    }
}

/// The mapping beside the rule set `base` names (`qualify.toml` in its directory, or beside
/// its file), found as [`rule_set`] finds the rules: its name as messages give it and its
/// text; `None` where there is none.
pub fn mapping_text(
    base: &Base,
    new: &Path,
    here: &Path,
) -> Result<Option<(String, String)>, CliError> {
    const FILE: &str = "qualify.toml";
    let (dir, spec, shown) = match base {
        Base::Path(path) => {
            let Some(file) = super::load::mapping_file(path, None) else {
                return Ok(None);
            };
            let text = super::load::read_rule_file(&file)?;
            return Ok(Some((display_path(&file), text)));
        }
        Base::Revision(rev) => {
            let (dir, path) = match (new.parent(), new.file_name()) {
                (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => (
                    parent.to_path_buf(),
                    format!("./{}", name.to_string_lossy()),
                ),
                (_, Some(name)) => (here.to_path_buf(), format!("./{}", name.to_string_lossy())),
                _ => (new.to_path_buf(), ".".to_string()),
            };
            // beside a rule file, in a directory of rules
            let beside = if new.is_dir() {
                format!("{path}/{FILE}")
            } else {
                format!("./{FILE}")
            };
            let shown = match (new.is_dir(), new.parent()) {
                (true, _) => format!("{rev}:{}/{FILE}", display_path(new).trim_end_matches('/')),
                (false, Some(parent)) if !parent.as_os_str().is_empty() => {
                    format!("{rev}:{}/{FILE}", display_path(parent))
                }
                _ => format!("{rev}:{FILE}"),
            };
            (dir, format!("{rev}:{beside}"), shown)
        }
        Base::RevisionPath(rev, path) => {
            let at = format!("{rev}:{}", path.trim_end_matches('/'));
            let tree = git(here, &["cat-file", "-t", &at], &at).is_ok_and(|k| k.trim() == "tree");
            let beside = if tree {
                format!("{}/{FILE}", path.trim_end_matches('/'))
            } else {
                match path.trim_end_matches('/').rsplit_once('/') {
                    Some((parent, _)) => format!("{parent}/{FILE}"),
                    None => format!("./{FILE}"),
                }
            };
            let spec = format!("{rev}:{beside}");
            (here.to_path_buf(), spec.clone(), spec)
        }
    };
    // none at the revision: the base was read without a mapping
    if git(&dir, &["cat-file", "-e", &spec], &shown).is_err() {
        return Ok(None);
    }
    Ok(Some((shown.clone(), git_text(&dir, &spec, &shown)?)))
}

/// The `.qual` files of `path` at `rev`, with git run in `dir`; `shown` names the base in
/// errors and its files in diagnostics.
fn at_revision(dir: &Path, rev: &str, path: &str, shown: &str) -> Result<SourceMap, CliError> {
    // a revision that begins with `-` would be read by git as an option
    if rev.starts_with('-') {
        return Err(CliError::usage(format!(
            "`{rev}` is not a git revision (it starts with `-`)"
        )));
    }
    let spec = format!("{rev}:{}", path.trim_end_matches('/'));
    let kind = git(dir, &["cat-file", "-t", &spec], shown)?;
    let prefix = shown.trim_end_matches('/');
    let mut sources = SourceMap::new();
    match kind.trim() {
        "blob" => {
            let text = git_text(dir, &spec, shown)?;
            sources.add(prefix.to_string(), text);
        }
        "tree" => {
            // (`--full-tree`: run in a subdirectory, ls-tree would list only what lies
            // under it)
            let args = ["ls-tree", "-r", "-z", "--full-tree", "--name-only", &spec];
            let listing = git(dir, &args, shown)?;
            let mut files: Vec<&str> = listing
                .split('\0')
                .filter(|f| f.ends_with(".qual"))
                .collect();
            files.sort_unstable();
            if files.is_empty() {
                return Err(CliError::usage(format!("no `.qual` files in `{shown}`")));
            }
            for file in files {
                let text = git_text(dir, &format!("{spec}/{file}"), shown)?;
                sources.add(format!("{prefix}/{file}"), text);
            }
        }
        other => {
            return Err(CliError::usage(format!(
                "`{shown}` is a git {other}, not a rule file or a directory of them"
            )));
        }
    }
    Ok(sources)
}

/// The text of the file `spec` (`REV:PATH`) as a rule file's: UTF-8, a byte-order mark
/// dropped.
fn git_text(dir: &Path, spec: &str, shown: &str) -> Result<String, CliError> {
    let bytes = git_bytes(dir, &["cat-file", "blob", spec], shown)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "`{spec}` is not UTF-8 text (first bad byte at offset {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// What `git ARGS` writes, as text.
fn git(dir: &Path, args: &[&str], shown: &str) -> Result<String, CliError> {
    let bytes = git_bytes(dir, args, shown)?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::usage(format!(
            "git listed `{shown}` with names that are not UTF-8"
        ))
    })
}

/// What `git ARGS` writes, run in `dir`; its own message where it fails.
fn git_bytes(dir: &Path, args: &[&str], shown: &str) -> Result<Vec<u8>, CliError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| {
            CliError::io(
                format!("cannot run `git` to read `{shown}` (give the base as a path instead)"),
                e,
            )
        })?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let said = said.trim().trim_start_matches("fatal: ");
        return Err(CliError::usage(format!(
            "git cannot read `{shown}`: {said}"
        )));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests;
