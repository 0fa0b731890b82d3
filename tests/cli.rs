//! The real binary: help texts, exit codes, output shapes, and the README's main command.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::qualify;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_texts() {
    for args in [&["--help"][..], &["check", "--help"], &["eval", "--help"]] {
        let output = qualify(args);
        assert_eq!(output.status.code(), Some(0));
        insta::assert_snapshot!(format!("help {}", args.join(" ")), stdout(&output));
    }
}

#[test]
fn check_exit_codes() {
    assert_eq!(qualify(&["check", "rules/"]).status.code(), Some(0));
    let broken = qualify(&["check", "tests/fixtures/typo_in_field.qual"]);
    assert_eq!(broken.status.code(), Some(1), "{}", stdout(&broken));
    let missing = qualify(&["check", "no/such/dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no/such/dir"),
        "{}",
        stderr(&missing)
    );
    assert_eq!(
        qualify(&["check", "--format", "yaml"]).status.code(),
        Some(2)
    );
    assert_eq!(qualify(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn check_explain_prints_the_long_text() {
    let output = qualify(&["check", "--explain", "q0007"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("Q0007: unknown field"), "{text}");
    assert!(text.contains("Example"), "{text}");
    assert_eq!(
        qualify(&["check", "--explain", "Q9999"]).status.code(),
        Some(2)
    );
}

#[test]
fn check_json_has_one_object_per_diagnostic() {
    let output = qualify(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/typo_in_field.qual",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let items = value.as_array().expect("an array");
    assert_eq!(items.len(), 2);
    for item in items {
        for key in [
            "code", "severity", "message", "file", "line", "column", "end", "labels", "help",
        ] {
            assert!(item.get(key).is_some(), "missing `{key}` in {item}");
        }
    }
    assert_eq!(items[0]["code"], "Q0007");
    assert_eq!(items[0]["file"], "tests/fixtures/typo_in_field.qual");
    assert_eq!(items[0]["line"], 7);
    assert_eq!(items[0]["column"], 12);
    assert_eq!(items[0]["help"], "did you mean `company`?");
    let clean = qualify(&["check", "--format", "json", "rules/"]);
    assert_eq!(stdout(&clean).trim(), "[]");
}

/// Each example contact carries the stage and temperature the seeds' definitions give it
/// (`expect` in the JSONL, `expect.*` columns in the CSV twin); the README's main command
/// must produce exactly those.
#[test]
fn readme_example_gives_every_contact_its_expected_stage_and_temperature() {
    let expected: Vec<(String, String, String)> = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/examples/contacts.jsonl"),
    )
    .expect("example contacts")
    .lines()
    .filter(|l| !l.trim().is_empty())
    .map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON line");
        let get = |k: &str| v["expect"][k].as_str().expect("expectation").to_string();
        (
            v["id"].as_str().expect("id").to_string(),
            get("stage"),
            get("temperature"),
        )
    })
    .collect();
    assert!(expected.len() >= 16);
    for data in [
        "rules/examples/contacts.jsonl",
        "rules/examples/contacts.csv",
    ] {
        let output = qualify(&[
            "eval",
            "rules/",
            data,
            "--as-of",
            "2026-11-22",
            "--format",
            "jsonl",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let got: Vec<(String, String, String)> = stdout(&output)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("JSONL row");
                let get = |k: &str| v[k].as_str().unwrap_or("none").to_string();
                (get("id"), get("stage"), get("temperature"))
            })
            .collect();
        assert_eq!(got, expected, "{data}");
        assert!(stderr(&output).contains(&format!(
            "{n} contacts read: {n} classified, 0 failed",
            n = expected.len()
        )));
    }
    // every stage and temperature is reached by some example
    for value in ["none", "lead", "prospect", "opportunity", "customer"] {
        assert!(
            expected.iter().any(|(_, s, _)| s == value),
            "no example reaches stage {value}"
        );
    }
    for value in ["none", "new", "hot", "warm", "cold", "closed"] {
        assert!(
            expected.iter().any(|(_, _, t)| t == value),
            "no example reaches temperature {value}"
        );
    }
}

#[test]
fn eval_output_formats() {
    let base = [
        "eval",
        "rules/",
        "rules/examples/contacts.jsonl",
        "--as-of",
        "2026-11-22",
        "--select",
        "stage",
    ];
    let table = qualify(&[&base[..], &["--format", "table"]].concat());
    insta::assert_snapshot!("eval table", stdout(&table));
    let csv = qualify(&[&base[..], &["--format", "csv"]].concat());
    assert!(
        stdout(&csv).starts_with("id,stage\nc01,\nc02,lead\n"),
        "{}",
        stdout(&csv)
    );
    let json = qualify(&[&base[..], &["--format", "json"]].concat());
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value[0], serde_json::json!({"id": "c01", "stage": null}));
    let summary = qualify(&[
        "eval",
        "rules/",
        "rules/examples/contacts.jsonl",
        "--as-of",
        "2026-11-22",
        "--summary",
        "--format",
        "table",
    ]);
    insta::assert_snapshot!("eval summary", stdout(&summary));
    let json = qualify(&[
        "eval",
        "rules/",
        "rules/examples/contacts.jsonl",
        "--as-of",
        "2026-11-22",
        "--summary",
        "--format",
        "json",
    ]);
    let counts: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON summary");
    assert_eq!(
        counts[0],
        serde_json::json!({"classification": "stage", "value": "lead", "contacts": 9, "share_percent": 37.5})
    );
    let total: u64 = counts
        .as_array()
        .expect("array")
        .iter()
        .filter(|c| c["classification"] == "stage")
        .map(|c| c["contacts"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 24, "every contact counted once per classification");
}

#[test]
fn eval_usage_errors_exit_2() {
    for args in [
        &[
            "eval",
            "rules/",
            "rules/examples/contacts.jsonl",
            "--as-of",
            "soon",
        ][..],
        &[
            "eval",
            "rules/",
            "rules/examples/contacts.jsonl",
            "--select",
            "stag",
        ],
        &["eval", "rules/", "no-such-file.jsonl"],
        &["eval", "rules/", "README.md"],
        &["eval", "rules/", "-"],
    ] {
        let output = qualify(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).starts_with("error: "),
            "{}",
            stderr(&output)
        );
    }
    let output = qualify(&[
        "eval",
        "rules/",
        "rules/examples/contacts.jsonl",
        "--select",
        "stag",
    ]);
    assert!(stderr(&output).contains("did you mean `stage`?"));
}

#[test]
fn eval_with_rule_errors_exits_1_and_shows_them() {
    let output = qualify(&[
        "eval",
        "tests/fixtures/typo_in_field.qual",
        "rules/examples/contacts.jsonl",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unknown field `compnay`"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn eval_reads_standard_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .args([
            "eval",
            "rules/",
            "-",
            "--input-format",
            "jsonl",
            "--as-of",
            "2026-11-22",
            "--format",
            "csv",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"{\"id\": \"x\", \"company\": {}, \"events\": [{\"kind\": \"email_open\", \"at\": \"2026-11-20T10:00:00Z\"}]}\n")
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(
        stdout(&output),
        "id,stage,temperature\nx,lead,\n",
        "{}",
        stderr(&output)
    );
}

#[test]
fn reference_test_contacts_pass() {
    let output = qualify(&["test", "rules/"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    let last = out.lines().last().unwrap_or_default();
    let passed: usize = last
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        passed >= 40 && last.ends_with(" passed, 0 failed"),
        "{last}"
    );
}

/// Issue "test contacts": raising the persona's size threshold must make the reference
/// tests fail with an explanation naming the threshold and the contact's value.
#[test]
fn changing_the_persona_threshold_fails_the_reference_tests_with_reasons() {
    let dir = std::env::temp_dir().join(format!("qualify-threshold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .as_path(),
        &dir,
    );
    let file = dir.join("qualification.qual");
    let text = std::fs::read_to_string(&file).expect("qualification.qual");
    assert!(text.contains("let min_company_size = 50\n"));
    std::fs::write(
        &file,
        text.replace(
            "let min_company_size = 50\n",
            "let min_company_size = 5000\n",
        ),
    )
    .expect("write");
    let output = qualify(&["test", &dir.to_string_lossy()]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("needs `>= min_company_size` (5000)"), "{out}");
    assert!(out.contains("`company.size` is 50,"), "{out}");
    assert!(out.contains("(part of `fits_persona`)"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

#[test]
fn explain_on_an_example_lead_names_what_it_lacks_to_be_a_prospect() {
    let output = qualify(&[
        "explain",
        "rules/",
        "rules/examples/contacts.jsonl",
        "--id",
        "c02",
        "--as-of",
        "2026-11-22",
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0));
    let lacks = out
        .split("to get prospect, it would also need:")
        .nth(1)
        .expect("a section for prospect");
    let first = lacks.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains("two_way_contact") && first.contains("none of"),
        "{out}"
    );
    let json = qualify(&[
        "explain",
        "rules/",
        "rules/examples/contacts.jsonl",
        "--id",
        "c02",
        "--as-of",
        "2026-11-22",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["classes"][0]["value"], "lead");
    assert_eq!(value["classes"][0]["next"][2]["value"], "prospect");
}

/// The exit code table of a help text: `(code, meaning)` per line after `Exit codes:`.
fn help_exit_codes(help: &str) -> Vec<(String, String)> {
    help.split("Exit codes:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| {
            let (code, meaning) = line.trim_start().split_once("  ")?;
            Some((code.to_string(), meaning.trim().to_string()))
        })
        .collect()
}

/// The exit code table of the README: `(code, meaning)` per row under `## Exit codes`.
fn readme_exit_codes() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("## Exit codes\n")
        .nth(1)
        .expect("an exit code section");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // the header and its underline
        .filter_map(|row| {
            let mut cells = row.trim_matches('|').split('|').map(str::trim);
            Some((cells.next()?.to_string(), cells.next()?.to_string()))
        })
        .collect()
}

/// One table of exit codes: every help text that shows it and the README say the same.
#[test]
fn readme_and_help_show_the_same_exit_codes() {
    let readme = readme_exit_codes();
    assert_eq!(
        readme
            .iter()
            .map(|(code, _)| code.as_str())
            .collect::<Vec<_>>(),
        ["0", "1", "2", "3"],
        "{readme:?}"
    );
    for command in ["", "check", "eval", "explain", "fmt", "test"] {
        let args: Vec<&str> = [command, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let help = stdout(&qualify(&args));
        assert_eq!(
            help_exit_codes(&help),
            readme,
            "`qualify {command} --help`:\n{help}"
        );
    }
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qualify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Each row of the exit code table, reached through the real binary.
#[test]
fn every_exit_code_of_the_table() {
    let code = |args: &[&str]| qualify(args).status.code();
    let dir = scratch("exit-codes");
    let unformatted = dir.join("unformatted.qual");
    std::fs::write(&unformatted, "let   x =   1\n").expect("write");
    let unformatted = unformatted.to_string_lossy().into_owned();
    let warned = "tests/cases/eval/no_schema_dynamic/rules.qual";

    // 0: success, and warnings alone do not fail a run
    assert_eq!(code(&["check", "rules/"]), Some(0));
    assert_eq!(code(&["test", "rules/"]), Some(0));
    assert_eq!(code(&["fmt", "--check", "rules/"]), Some(0));
    let warnings = qualify(&["check", warned]);
    assert!(
        stdout(&warnings).contains("1 warning"),
        "{}",
        stdout(&warnings)
    );
    assert_eq!(warnings.status.code(), Some(0));
    let args = [
        "eval",
        "rules/",
        "rules/examples/contacts.jsonl",
        "--as-of",
        "2026-11-22",
    ];
    assert_eq!(code(&args), Some(0));

    // 1: the rules have errors (warnings too, when denied), a test case failed (see
    // `changing_the_persona_threshold_fails_the_reference_tests_with_reasons`), or
    // `fmt --check` found unformatted files
    assert_eq!(
        code(&["check", "tests/fixtures/typo_in_field.qual"]),
        Some(1)
    );
    assert_eq!(code(&["check", "--deny", "warnings", warned]), Some(1));
    assert_eq!(code(&["fmt", "--check", &unformatted]), Some(1));

    // 2: wrong usage, or a file that cannot be read
    assert_eq!(code(&["check", "--no-such-flag"]), Some(2));
    assert_eq!(code(&["check", "no/such/dir"]), Some(2));
    assert_eq!(code(&["eval", "rules/", "no-such-file.jsonl"]), Some(2));

    // 3: some contact records could not be read or classified
    let dir_of = |case: &str| format!("tests/cases/eval/{case}");
    let wrong_type = dir_of("data_wrong_type");
    let bad = qualify(&[
        "eval",
        &format!("{wrong_type}/rules.qual"),
        &format!("{wrong_type}/contacts.jsonl"),
        "--as-of",
        "2026-11-22",
    ]);
    assert_eq!(bad.status.code(), Some(3), "{}", stderr(&bad));
    let dynamic = dir_of("no_schema_dynamic");
    let failed_rule = qualify(&[
        "eval",
        &format!("{dynamic}/rules.qual"),
        &format!("{dynamic}/contacts.jsonl"),
    ]);
    assert_eq!(
        failed_rule.status.code(),
        Some(3),
        "{}",
        stderr(&failed_rule)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
