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
        insta::assert_snapshot!(analyzed(rule_set(path)));
    });
}

/// The diagnostics of the whole check of a rule set, lints included, with default levels.
fn analyzed(sources: SourceMap) -> String {
    let analysis = qualify::analyze(&sources, &CheckOptions::default(), &Default::default());
    rendered(&sources, &analysis.diagnostics)
}

/// A hostile case is a `.qual` file (or a directory of them) run through the whole check,
/// lints included: rule sets that once misled, hung or crashed `qualify check`.
#[test]
fn hostile() {
    insta::glob!("cases/hostile/*", |path| {
        insta::assert_snapshot!(analyzed(rule_set(path)));
    });
}

/// Hostile rule sets too large to keep as files: each is generated here and checked whole,
/// lints included. Only the diagnostics are asserted; how long they take is measured by
/// hand on a release build (a timing in a test would be flaky).
#[test]
fn hostile_generated() {
    let schema = "schema contact { id: string, n: number, xs: list of number }\n";
    let cases: Vec<(&str, String)> = vec![
        // `vN when n == N`: once cubic in the rows; `dup` repeats `v5`
        ("rows_4000", {
            let rows = lines(4000, |i| format!("  v{i} when n == {i}\n"));
            format!("{schema}classify k {{\n{rows}  dup when n == 5\n  otherwise other\n}}\n")
        }),
        // rows that all share `b` form one group the search must take whole: it stops at its
        // budget with a note rather than keep the check waiting
        ("rows_entangled", {
            let rows = lines(3000, |i| format!("  v{i} when n == {i} and b\n"));
            format!(
                "schema contact {{ id: string, n: number, b: bool }}\nclassify k {{\n{rows}  otherwise other\n}}\n"
            )
        }),
        // a 100,000-value list on one line, with one repeat at its end: Q1008 once, and the
        // snippet shows the line cut around the two values
        ("list_100k", {
            let values: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
            format!(
                "{schema}classify k {{\n  a when n in [{}, 7]\n  otherwise b\n}}\n",
                values.join(", ")
            )
        }),
        // long chains of `+`, `*` and `??` check (they once took seconds per thousand terms)
        ("chains_100k", {
            let chain = |op: &str| vec!["n"; 100_000].join(op);
            format!(
                "{schema}let s = {}\nlet p = {}\nlet c = {}\nclassify k {{\n  a when s > 1 and p > 1 and c > 1\n  otherwise b\n}}\n",
                chain(" + "),
                chain(" * "),
                chain(" ?? ")
            )
        }),
        // quantifiers nested 5,000 deep: refused at the ninth level
        ("quantifiers_5000", {
            let nest = lines(5000, |i| format!("any y{i} in xs: "));
            format!("{schema}classify k {{\n  a when {nest}y0 > 1\n  otherwise b\n}}\n")
        }),
        // `list of` nested 100,000 deep in the schema: refused at level 201
        ("list_of_100k", {
            format!(
                "schema contact {{ id: string, xs: {}number }}\nclassify k {{\n  a when xs is present\n  otherwise b\n}}\n",
                "list of ".repeat(100_000)
            )
        }),
        // 50,000 `let`s, one with a type error: one diagnostic, in linear time
        ("lets_50k", {
            let lets = lines(50_000, |i| format!("let x{i} = n > {i}\n"));
            format!(
                "{schema}{lets}let bad = n + \"1\"\nclassify k {{\n  a when x0 and x49999\n  otherwise b\n}}\n"
            )
        }),
    ];
    for (name, text) in cases {
        // on a thread with a stack as large as the command line's (long chains recurse)
        let output = std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(move || {
                let mut sources = SourceMap::new();
                sources.add(format!("{name}.qual"), text);
                analyzed(sources)
            })
            .expect("a thread")
            .join()
            .expect("the check does not panic");
        insta::assert_snapshot!(name, output);
    }
}

/// The texts `line(0)`, `line(1)`, … `line(n - 1)` one after the other.
fn lines(n: usize, line: impl Fn(usize) -> String) -> String {
    (0..n).map(line).collect()
}

/// `--explain` takes a lint's name as `--allow` does, not only its code.
#[test]
fn explain_takes_lint_names() {
    let by_name = run_binary(["check", "--explain", "unreachable-row"].map(String::from));
    let by_code = run_binary(["check", "--explain", "Q1001"].map(String::from));
    assert!(
        by_name.contains("exit: 0\n--- stdout\nQ1001: "),
        "{by_name}"
    );
    assert_eq!(
        by_name.split_once("--- stdout").map(|(_, out)| out),
        by_code.split_once("--- stdout").map(|(_, out)| out)
    );
}

/// The README tells CI to run `qualify fmt --check`: the tour it points to must pass it.
#[test]
fn the_tour_is_formatted() {
    let output = run_binary(["fmt", "--check", "../docs/tour"].map(String::from));
    assert!(output.contains("exit: 0\n"), "{output}");
}
