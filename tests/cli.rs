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

/// The one directory walk: a linked directory is read (once), and a link loop ends.
#[cfg(unix)]
#[test]
fn rule_and_test_directories_follow_links_once_and_survive_loops() {
    use std::os::unix::fs::symlink;
    let root = std::env::temp_dir().join(format!("qualify-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let rules = root.join("rules");
    let shared = root.join("shared");
    copy_dir(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .as_path(),
        &rules,
    );
    // the temperature rules and their tests live in a directory the rule set links to
    std::fs::create_dir_all(shared.join("tests")).expect("create");
    std::fs::rename(
        rules.join("temperature.qual"),
        shared.join("temperature.qual"),
    )
    .expect("move");
    std::fs::rename(
        rules.join("tests/temperature.yaml"),
        shared.join("tests/temperature.yaml"),
    )
    .expect("move");
    // its `from:` paths are relative to the test file, so the examples go along
    symlink(rules.join("examples"), shared.join("examples")).expect("link");
    symlink(&shared, rules.join("linked")).expect("link");
    symlink(&shared, rules.join("linked_again")).expect("link");
    symlink(".", rules.join("self")).expect("link");
    let rules_arg = rules.to_string_lossy().into_owned();

    let check = qualify(&["check", &rules_arg]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    // contact, qualification, stage and the linked temperature: each file once
    assert!(
        stdout(&check).contains("checked 4 files"),
        "{}",
        stdout(&check)
    );

    let test = qualify(&["test", &rules_arg]);
    let out = stdout(&test);
    assert_eq!(test.status.code(), Some(0), "{out}");
    let reference = stdout(&qualify(&["test", "rules/"]));
    let summary = |text: &str| text.lines().last().unwrap_or("").to_string();
    assert_eq!(summary(&out), summary(&reference), "{out}");
    let _ = std::fs::remove_dir_all(&root);
}

/// With `--id-field` given, the missing-id help does not send the user back to the flag.
#[test]
fn missing_id_field_help_follows_the_flag() {
    let output = qualify(&["check", "rules/", "--id-field", "key"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output));
}
