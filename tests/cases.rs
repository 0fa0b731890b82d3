//! Data-driven tests: every file under `tests/cases/<stage>/` is one case with one insta
//! snapshot. A new test is a new file; accept reviewed changes with `cargo insta review`.

use std::path::Path;
use std::process::Command;

use qualify::check::CheckOptions;
use qualify::cli::render::{self, Color};
use qualify::source::SourceMap;

/// Renders diagnostics without colour, as the snapshots store them.
fn rendered(sources: &SourceMap, diagnostics: &[qualify::diagnostic::Diagnostic]) -> String {
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    format!(
        "codes: {codes:?}\n\n{}",
        render::human(sources, diagnostics, Color::Never)
    )
}

/// A case file's path relative to `tests/`, as diagnostics show it.
fn relative(path: &Path) -> String {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    path.strip_prefix(&tests)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn parse() {
    insta::glob!("cases/parse/*.qual", |path| {
        let mut sources = SourceMap::new();
        sources.add(relative(path), read(path));
        let (_, diagnostics) = qualify::parse(&sources);
        insta::assert_snapshot!(rendered(&sources, &diagnostics));
    });
}

/// The rule set of a case: a `.qual` file, or every `.qual` file of a directory.
fn rule_set(path: &Path) -> SourceMap {
    let mut files: Vec<_> = if path.is_dir() {
        std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "qual"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    let mut sources = SourceMap::new();
    for file in &files {
        sources.add(relative(file), read(file));
    }
    sources
}

/// A check case is a `.qual` file, or a directory of them forming one rule set.
#[test]
fn check() {
    insta::glob!("cases/check/*", |path| {
        let sources = rule_set(path);
        let (_, diagnostics) = qualify::front_end(&sources, &CheckOptions::default());
        insta::assert_snapshot!(rendered(&sources, &diagnostics));
    });
}

/// An eval case is a directory with `rules.qual`, one `contacts.*` file and an `args` file
/// holding the rest of the command line (e.g. `--as-of 2026-11-22`). The snapshot holds the
/// real binary's exit code, standard output and standard error.
#[test]
fn eval() {
    insta::glob!("cases/eval/*/rules.qual", |path| {
        let dir = path.parent().expect("case directory");
        let data = contacts_file(dir);
        let args_file = dir.join("args");
        let extra = if args_file.exists() {
            read(&args_file)
        } else {
            String::new()
        };
        let output = run_binary(
            ["eval", &relative(path), &relative(&data), "--format", "csv"]
                .into_iter()
                .map(String::from)
                .chain(extra.split_whitespace().map(String::from)),
        );
        insta::assert_snapshot!(output);
    });
}

/// Runs the `qualify` binary from `tests/` and renders what it did.
pub fn run_binary(args: impl IntoIterator<Item = String>) -> String {
    let args: Vec<String> = args.into_iter().collect();
    let output = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .args(&args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the qualify binary runs");
    format!(
        "$ qualify {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        output
            .status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `contacts.*` file of a case directory.
fn contacts_file(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .expect("case directory")
        .map(|e| e.expect("entry").path())
        .find(|p| p.file_stem().is_some_and(|s| s == "contacts"))
        .unwrap_or_else(|| panic!("{}: no contacts.* file", dir.display()))
}

/// Extra command-line arguments of a case directory (its `args` file), if any.
fn case_args(dir: &Path) -> Vec<String> {
    let file = dir.join("args");
    if file.exists() {
        read(&file).split_whitespace().map(String::from).collect()
    } else {
        Vec::new()
    }
}

/// A `qualify test` case is a directory holding a rule set and its `*.yaml` test files,
/// plus an optional `args` file (e.g. `--coverage`, `--format junit`).
#[test]
fn test() {
    insta::glob!("cases/test/*", |path| {
        assert!(
            path.is_dir(),
            "{}: a test case is a directory",
            path.display()
        );
        let args = ["test".to_string(), relative(path)]
            .into_iter()
            .chain(case_args(path));
        insta::assert_snapshot!(run_binary(args));
    });
}

/// A `qualify explain` case is a directory with `rules.qual`, one `contacts.*` file and an
/// `args` file naming the contact (`--id c1 --as-of 2026-11-22`, maybe `--format json`).
#[test]
fn explain() {
    insta::glob!("cases/explain/*/rules.qual", |path| {
        let dir = path.parent().expect("case directory");
        let data = contacts_file(dir);
        let args = ["explain".to_string(), relative(path), relative(&data)]
            .into_iter()
            .chain(case_args(dir));
        insta::assert_snapshot!(run_binary(args));
    });
}

/// A lint case is a `.qual` file (or a directory of them) run through the whole check,
/// lints included, with default levels.
#[test]
fn lint() {
    insta::glob!("cases/lint/*", |path| {
        let sources = rule_set(path);
        let analysis = qualify::analyze(&sources, &CheckOptions::default(), &Default::default());
        insta::assert_snapshot!(rendered(&sources, &analysis.diagnostics));
    });
}
