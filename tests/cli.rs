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
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["eval", "--help"],
        &["diff", "--help"],
        &["sql", "--help"],
    ] {
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
        "id,stage,buyer_journey,funnel_position,temperature,acquisition,follow_up\nx,lead,awareness,middle,,,\n",
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
    // contact, qualification, stage, tracking and the linked temperature: each file once
    assert!(
        stdout(&check).contains("checked 5 files"),
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

/// A scratch directory for one test, emptied first.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qualify-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Rules that read a bool, a number and a text, so every kind of cell is decoded.
const BAD_DATA_RULES: &str = "schema contact { id: string, decision_maker: bool?, size: number?, note: string? }\n\
                              classify stage { lead when decision_maker or size > 10 }\n";

/// Runs `qualify eval` on generated contact files (`--format csv`).
fn eval_files(dir: &Path, files: &[(&str, &[u8])], extra: &[&str]) -> Output {
    std::fs::write(dir.join("rules.qual"), BAD_DATA_RULES).expect("rules");
    let mut args = vec![
        "eval".to_string(),
        dir.join("rules.qual").display().to_string(),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("data");
        args.push(dir.join(name).display().to_string());
    }
    args.extend(["--format", "csv"].map(String::from));
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    qualify(&args)
}

#[test]
fn invalid_utf8_is_an_error_of_its_record_in_every_format_and_the_run_goes_on() {
    let dir = scratch("utf8");
    let jsonl: &[u8] = b"{\"id\": \"a\", \"decision_maker\": true}\n{\"id\": \"b\", \"ignored\": \"\xff\xfe\", \"decision_maker\": true}\n{\"id\": \"c\", \"decision_maker\": true}\n";
    let json: &[u8] = b"[\n {\"id\": \"d\", \"decision_maker\": true},\n {\"id\": \"e\", \"note\": \"caf\xe9\"},\n {\"id\": \"f\", \"decision_maker\": true}\n]\n";
    // in CSV a cell no rule reads (`note`) fails nothing; one a rule reads (`size`) fails
    let csv: &[u8] = b"id,note,decision_maker,size\ng,fine,yes,\nh,caf\xe9,yes,\ni,,yes,1\xff\n";
    let output = eval_files(
        &dir,
        &[("a.jsonl", jsonl), ("b.json", json), ("c.csv", csv)],
        &[],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert_eq!(
        stdout(&output),
        "id,stage\na,lead\nc,lead\nd,lead\nf,lead\ng,lead\nh,lead\n"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines[0].ends_with("a.jsonl:2:25: contact `b`: the record is not UTF-8 text (a byte here is not a character); re-export the file as UTF-8"),
        "{err}"
    );
    assert!(
        lines[1].contains("b.json:3:26: contact `e`: the record is not UTF-8"),
        "{err}"
    );
    assert!(
        lines[2].contains("c.csv:4: contact `i`: field `size` (column 4): the record is not UTF-8"),
        "{err}"
    );
    assert_eq!(lines[3], "9 contacts read: 6 classified, 3 failed");
}

#[test]
fn a_record_over_16_mib_is_refused_alone_and_deep_nesting_does_not_overflow() {
    let dir = scratch("huge");
    let big = format!(
        "{{\"id\": \"big\", \"note\": \"{}\"}}\n{{\"id\": \"next\", \"decision_maker\": true}}\n",
        "x".repeat(17 << 20)
    );
    let deep = format!(
        "[{{\"id\": \"deep\", \"x\": {}{}}}, {{\"id\": \"after\", \"size\": 11}}]",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let csv = format!("id,note\nwide,{}\nok,\n", "y".repeat(17 << 20));
    let output = eval_files(
        &dir,
        &[
            ("big.jsonl", big.as_bytes()),
            ("deep.json", deep.as_bytes()),
            ("wide.csv", csv.as_bytes()),
        ],
        &[],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert_eq!(stdout(&output), "id,stage\nnext,lead\nafter,lead\nok,\n");
    assert!(
        err.contains("big.jsonl:1:1: contact `big`: the record is larger than 16 MiB, the limit for one record; it was skipped"),
        "{err}"
    );
    assert!(
        err.contains("contact `deep`: lists and objects are nested more than 100 deep"),
        "{err}"
    );
    assert!(
        err.contains("wide.csv:2: contact `wide`: the record is larger than 16 MiB"),
        "{err}"
    );
    assert!(
        err.ends_with("6 contacts read: 3 classified, 3 failed\n"),
        "{err}"
    );
}

#[test]
fn a_broken_json_array_says_the_rest_was_lost_and_the_counts_reconcile() {
    let dir = scratch("lost");
    let json: &[u8] = b"[{\"id\": \"a\", \"decision_maker\": true}, {\"id\": \"b\", \"note\": \"x]";
    let output = eval_files(&dir, &[("broken.json", json)], &["--max-errors", "5"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert_eq!(stdout(&output), "id,stage\na,lead\n");
    assert!(err.contains("the array is not closed"), "{err}");
    assert!(
        err.ends_with("1 contact read: 1 classified, 0 failed; reading stopped early in ")
            || err.contains("1 contact read: 1 classified, 0 failed; reading stopped early in"),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_ends_eval_quietly_with_exit_0_in_every_format() {
    use std::io::Read;
    let dir = scratch("pipe");
    let mut jsonl = String::new();
    for i in 0..50_000 {
        jsonl.push_str(&format!("{{\"id\": \"c{i}\", \"decision_maker\": true}}\n"));
    }
    std::fs::write(dir.join("rules.qual"), BAD_DATA_RULES).expect("rules");
    std::fs::write(dir.join("many.jsonl"), &jsonl).expect("data");
    for format in ["csv", "table", "json", "jsonl"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qualify"))
            .args(["eval", "rules.qual", "many.jsonl", "--format", format])
            .current_dir(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // read a little, then close our end, as `| head -1` does
        let mut first = [0u8; 16];
        let mut out = child.stdout.take().expect("stdout");
        out.read_exact(&mut first).expect("some output");
        drop(out);
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .expect("stderr");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "{format}: {err}");
        assert_eq!(err, "", "{format}");
    }
}

#[test]
fn eval_output_replaces_the_file_whole_and_leaves_nothing_behind_on_error() {
    let dir = scratch("output");
    let out = dir.join("results.csv");
    std::fs::write(&out, "old results\n").expect("old file");
    let output = eval_files(
        &dir,
        &[("c.jsonl", b"{\"id\": \"=1+1\", \"decision_maker\": true}\n")],
        &["--output", &out.display().to_string()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        std::fs::read_to_string(&out).expect("results"),
        "id,stage\n'=1+1,lead\n"
    );
    // a directory that does not exist: exit 2, the old file untouched, no temporary file
    let missing = dir.join("no/such/dir/results.csv");
    let failed = eval_files(
        &dir,
        &[("c.jsonl", b"{\"id\": \"a\"}\n")],
        &["--output", &missing.display().to_string()],
    );
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        stderr(&failed).contains("cannot write"),
        "{}",
        stderr(&failed)
    );
    let left: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // the output is one of the inputs: refused before anything is read or written
    let export = dir.join("c.jsonl");
    let over = eval_files(
        &dir,
        &[("c.jsonl", b"{\"id\": \"a\"}\n")],
        &["--output", &format!("{}/./c.jsonl", dir.display())],
    );
    assert_eq!(over.status.code(), Some(2), "{}", stderr(&over));
    assert!(
        stderr(&over).contains("the results would replace the export"),
        "{}",
        stderr(&over)
    );
    assert_eq!(
        std::fs::read_to_string(&export).expect("the export"),
        "{\"id\": \"a\"}\n"
    );
}

/// A data file no `files` pattern of the mapping matches is read without it, and said.
#[test]
fn a_file_no_source_reads_is_noted_with_the_patterns() {
    let dir = scratch("unmatched");
    let copy = dir.join("Leads.csv");
    std::fs::copy("examples/salesforce/leads.csv", &copy).expect("a copy");
    let output = qualify(&["eval", "examples/salesforce/", &copy.display().to_string()]);
    let err = stderr(&output);
    assert!(
        err.contains("note: no source of the mapping reads")
            && err.contains("`salesforce_leads` matches it but for letter case"),
        "{err}"
    );
}

#[test]
fn eval_command_line_mistakes_say_what_to_do() {
    let dir = scratch("usage");
    std::fs::write(dir.join("rules.qual"), BAD_DATA_RULES).expect("rules");
    std::fs::write(dir.join("c.jsonl"), "{\"id\": \"a\"}\n").expect("data");
    let rules = dir.join("rules.qual").display().to_string();
    let data = dir.join("c.jsonl").display().to_string();
    let dir_text = dir.display().to_string();
    let cases: [(&[&str], &str); 4] = [
        (
            &["eval", &rules, "-", "-", "--input-format", "jsonl"],
            "`-` (standard input) is named more than once",
        ),
        (
            &["eval", &rules, &dir_text],
            "is a directory; name the contact files in it",
        ),
        (
            &["eval", &data, &rules],
            "looks like a contact file, not rules; the rule file or directory comes first",
        ),
        (&["eval", &dir_text, &rules], "is a rule file, not contacts"),
    ];
    for (args, message) in cases {
        usage_error(args, message);
    }
    usage_error(
        &[
            "explain",
            &rules,
            "-",
            "--id",
            "nobody",
            "--input-format",
            "jsonl",
        ],
        "no contact with id `nobody` in standard input",
    );
}

/// Runs `qualify` and expects exit 2 with `message` on standard error.
fn usage_error(args: &[&str], message: &str) {
    let output = qualify(args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(message), "{args:?}: {err}");
}

/// `qualify explain DIR/rules.qual DIR/c.jsonl --id ID` with `contacts` written to `c.jsonl`.
fn explain_one(dir: &Path, contacts: &str, id: &str) -> Output {
    std::fs::write(dir.join("c.jsonl"), contacts).expect("data");
    let rules = dir.join("rules.qual").display().to_string();
    let data = dir.join("c.jsonl").display().to_string();
    qualify(&["explain", &rules, &data, "--id", id])
}

#[test]
fn ids_and_test_names_cannot_drive_the_terminal() {
    let dir = scratch("terminal");
    std::fs::write(dir.join("rules.qual"), BAD_DATA_RULES).expect("rules");
    let output = explain_one(
        &dir,
        "{\"id\": \"x\\u001b[2J\\u0007\\u202egpj.exe\", \"decision_maker\": true}\n",
        "x\u{1b}[2J\u{7}\u{202e}gpj.exe",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("contact x\\u{1b}[2J\\u{7}\\u{202e}gpj.exe\n"),
        "{text}"
    );
    std::fs::write(
        dir.join("t.yaml"),
        "as_of: 2026-11-22\ncases:\n  - name: \"evil \\e[31m\\u202e name\"\n    contact: { id: t1, decision_maker: true }\n    expect: { stage: lead }\n",
    )
    .expect("test file");
    let output = qualify(&["test", &dir.display().to_string()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(
        text.contains("PASS  evil \\u{1b}[31m\\u{202e} name"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
}

#[test]
fn a_yaml_alias_bomb_is_named_without_the_library_internals() {
    let dir = scratch("bomb");
    std::fs::write(dir.join("rules.qual"), BAD_DATA_RULES).expect("rules");
    // each level repeats the one before ten times: 10^9 values from a few hundred bytes
    let mut yaml = String::from(
        "as_of: 2026-11-22\ncases:\n  - name: bomb\n    expect: { stage: lead }\n    contact:\n      id: b\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..9 {
        let p = i - 1;
        yaml.push_str(&format!(
            "      a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    std::fs::write(dir.join("t.yaml"), yaml).expect("test file");
    let output = qualify(&["test", &dir.display().to_string()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("the file expands to too many values"), "{err}");
    assert!(!err.contains("Nodes {") && !err.contains("budget"), "{err}");
}

#[test]
fn explain_shortens_long_values_and_does_not_call_the_otherwise_value_further_along() {
    let dir = scratch("explain");
    std::fs::write(
        dir.join("rules.qual"),
        "schema contact { id: string, note: string?, urgent: bool?, heat: bool? }\n\
         classify temperature {\n  hot  when urgent\n  cold when note == \"x\"\n  warm when heat\n  otherwise cold\n}\n",
    )
    .expect("rules");
    let long = "y".repeat(100_000);
    let contact =
        format!("{{\"id\": \"c1\", \"note\": \"{long}\", \"urgent\": false, \"heat\": false}}\n");
    let output = explain_one(&dir, &contact, "c1");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(text.len() < 4000, "{} bytes", text.len());
    assert!(text.contains("… (100000 characters)"), "{text}");
    assert!(!text.contains("to get cold"), "{text}");
    assert!(text.contains("to get hot"), "{text}");
    assert!(text.contains("to get warm"), "{text}");
}

/// `--jobs`: the output and the messages are the same for any number of threads.
#[test]
fn eval_gives_the_same_results_on_any_number_of_threads() {
    let dir = scratch("jobs");
    let data = dir.join("contacts.jsonl");
    let examples = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/examples/contacts.jsonl"),
    )
    .expect("examples");
    let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut text = String::new();
    for i in 0..3_000 {
        // every 50th record is broken, so errors interleave with results
        if i % 50 == 7 {
            text.push_str("{\"id\": \"broken\", \"company\": \n");
        } else {
            text.push_str(lines[i % lines.len()]);
            text.push('\n');
        }
    }
    std::fs::write(&data, text).expect("write");
    let data = data.to_string_lossy().into_owned();
    let run = |jobs: &str| {
        qualify(&[
            "eval",
            "rules/",
            &data,
            "--as-of",
            "2026-11-22",
            "--format",
            "csv",
            "--explain",
            "--jobs",
            jobs,
        ])
    };
    let one = run("1");
    assert_eq!(one.status.code(), Some(3), "{}", stderr(&one));
    for jobs in ["2", "5"] {
        let many = run(jobs);
        assert_eq!(many.status.code(), one.status.code());
        assert_eq!(stdout(&many), stdout(&one), "--jobs {jobs}");
        assert_eq!(stderr(&many), stderr(&one), "--jobs {jobs}");
    }
    let _ = std::fs::remove_dir_all(&dir);
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

/// `--activities` refuses what cannot be a file of activities before reading anything.
#[test]
fn activities_that_cannot_be_read_are_usage_errors() {
    let base = [
        "eval",
        "examples/salesforce/",
        "examples/salesforce/leads.csv",
        "--as-of",
        "2026-11-22",
    ];
    let dir = qualify(&[&base[..], &["--activities", "examples/salesforce/"]].concat());
    assert_eq!(dir.status.code(), Some(2));
    assert!(
        stderr(&dir).contains("is a directory; name the file of activities in it"),
        "{}",
        stderr(&dir)
    );
    let twice = qualify(
        &[
            &base[..],
            &[
                "--activities",
                "examples/salesforce/tasks.csv",
                "--activities",
                "examples/salesforce/tasks.csv",
            ],
        ]
        .concat(),
    );
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("is given twice"),
        "{}",
        stderr(&twice)
    );
    assert!(stdout(&twice).is_empty());
    // one file under two spellings of its path is the same file
    let spelled = qualify(
        &[
            &base[..],
            &[
                "--activities",
                "examples/salesforce/tasks.csv",
                "--activities",
                "./examples/../examples/salesforce/tasks.csv",
            ],
        ]
        .concat(),
    );
    assert_eq!(spelled.status.code(), Some(2));
    assert!(
        stderr(&spelled).contains("are the same file"),
        "{}",
        stderr(&spelled)
    );
    assert!(stdout(&spelled).is_empty());
    // and under two names of one file (a hard link), where the system tells
    #[cfg(unix)]
    {
        let dir = scratch("activities-linked");
        let (tasks, linked) = (dir.join("tasks.csv"), dir.join("tasks-copy.csv"));
        std::fs::copy("examples/salesforce/tasks.csv", &tasks).expect("tasks");
        std::fs::hard_link(&tasks, &linked).expect("hard link");
        let (tasks, linked) = (tasks.to_string_lossy(), linked.to_string_lossy());
        let extra = ["--activities", &tasks, "--activities", &linked];
        let twice = qualify(&[&base[..], &extra[..]].concat());
        assert_eq!(twice.status.code(), Some(2), "{}", stderr(&twice));
        assert!(
            stderr(&twice).contains("are the same file"),
            "{}",
            stderr(&twice)
        );
        // a copy is another file: both are joined
        std::fs::remove_file(&*linked).expect("unlink");
        std::fs::copy(&*tasks, &*linked).expect("copy");
        let copied = qualify(&[&base[..], &extra[..]].concat());
        assert_eq!(copied.status.code(), Some(0), "{}", stderr(&copied));
        let _ = std::fs::remove_dir_all(&dir);
    }
    // standard input has no name for `files` to match: only a source without them reads it
    let stdin = qualify(&[&base[..], &["--activities", "-", "--input-format", "csv"]].concat());
    assert_eq!(stdin.status.code(), Some(2));
    assert!(
        stderr(&stdin)
            .contains("reads standard input as activities: add a `[source.NAME]` with no `files`,"),
        "{}",
        stderr(&stdin)
    );
}

/// Runs git in `dir` (as a user of its own, for commits), failing the test where it fails.
fn git_in(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// `diff` reads each contact once, through the new rules' mapping: where the base rules'
/// mapping (beside them, at a revision or in a directory) reads contacts otherwise, it says
/// so; a change of comments or lints only, or one mapping named by `--mapping`, is none.
#[test]
fn diff_notes_a_mapping_that_changed_beside_the_rules() {
    let dir = scratch("diff-mapping");
    let rules = dir.join("sf");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/salesforce"),
        &rules,
    );
    let git = |args: &[&str]| git_in(&dir, args);
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "rules"]);
    let diff = |base: &str, extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_qualify"));
        cmd.current_dir(&dir)
            .args(["diff", "--base", base, "sf", "sf/leads.csv"])
            .args(["--activities", "sf/tasks.csv", "--as-of", "2026-11-22"])
            .args(extra);
        cmd.output().expect("qualify runs")
    };
    let noted = |output: &Output| stderr(output).contains("note: the mapping differs");
    let mapping = rules.join("qualify.toml");
    let text = std::fs::read_to_string(&mapping).expect("qualify.toml");
    // unchanged, then changed in its comments and lints only: no note
    let same = diff("HEAD", &[]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(!noted(&same), "{}", stderr(&same));
    let reworded = text.replace("# the 18-character Lead id", "# the Lead's id")
        + "\n# a comment at the end\n";
    std::fs::write(&mapping, &reworded).expect("write");
    assert!(!noted(&diff("HEAD", &[])));
    // a column read otherwise: noted, naming both files, whichever way the base is named
    std::fs::write(
        &mapping,
        text.replace(
            "\"Rating\" = \"rating\"",
            "\"Rating\" = { field = \"rating\", case = \"fold\" }",
        ),
    )
    .expect("write");
    let changed = diff("HEAD", &[]);
    let said = stderr(&changed);
    assert!(
        said.contains("note: the mapping differs between the base rules (`HEAD:sf/qualify.toml`) and the new ones (`sf/qualify.toml`): each contact is read once, through the new rules' mapping"),
        "{said}"
    );
    assert!(noted(&diff("HEAD:sf/", &[])));
    assert!(noted(&diff("HEAD:./sf/lead.qual", &[])));
    let old = dir.join("old");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/salesforce"),
        &old,
    );
    let by_path = diff("old", &[]);
    assert!(
        stderr(&by_path).contains("(`old/qualify.toml`) and the new ones (`sf/qualify.toml`)"),
        "{}",
        stderr(&by_path)
    );
    // one mapping for both: nothing to note
    assert!(!noted(&diff("HEAD", &["--mapping", "sf/qualify.toml"])));
    // a base without a mapping beside it
    std::fs::remove_file(old.join("qualify.toml")).expect("remove");
    let none = diff("old", &[]);
    assert!(
        stderr(&none).contains("between the base rules (none) and the new ones"),
        "{}",
        stderr(&none)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue "change review", end to end through a real temporary git repository: raising
/// the persona threshold in a copy of `rules/` and diffing against the committed rules
/// (`--base HEAD`, read through git with no checkout) prints the change in meaning with a
/// witness, the contacts that moved and why; `--fail-on` and `--max-changed` fail it.
#[test]
fn diff_against_a_git_revision_shows_the_meaning_and_the_contacts_that_moved() {
    let dir = scratch("diff-git");
    let rules = dir.join("rules");
    copy_dir(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .as_path(),
        &rules,
    );
    let git = |args: &[&str]| git_in(&dir, args);
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "rules"]);
    let file = rules.join("qualification.qual");
    let text = std::fs::read_to_string(&file).expect("qualification.qual");
    std::fs::write(
        &file,
        text.replace(
            "let min_company_size = 50\n",
            "let min_company_size = 500\n",
        ),
    )
    .expect("write");
    let diff = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_qualify"));
        cmd.current_dir(&dir)
            .args([
                "diff",
                "--base",
                "HEAD",
                "rules",
                "rules/examples/contacts.jsonl",
            ])
            .args(["--as-of", "2026-11-22"])
            .args(extra);
        cmd.output().expect("qualify runs")
    };
    let output = diff(&[]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(
        out.contains("Comparing HEAD:rules (old) with rules (new)"),
        "{out}"
    );
    assert!(
        out.contains("let `min_company_size`: `50` → `500`"),
        "{out}"
    );
    assert!(
        out.contains("stage = prospect: smaller — some contacts that got it no longer do"),
        "{out}"
    );
    assert!(
        out.contains("this contact loses `prospect` (prospect → lead):"),
        "{out}"
    );
    assert!(out.contains("prospect → lead: 8 contacts"), "{out}");
    assert!(
        out.contains("`company.size` is 400, needs `>= min_company_size` (500)"),
        "{out}"
    );
    // the Markdown has a table per classification
    let md = stdout(&diff(&["--format", "markdown"]));
    assert!(
        md.contains("| old ↓ · new → | lead | prospect | opportunity | customer | none |"),
        "{md}"
    );
    // each run analyses the meaning again (seconds in a debug build): the gates share one
    // run. No customer moves, so that gate passes; prospects do move to lead, and 9 of 24
    // contacts changing is more than 30 %.
    let gated = diff(&[
        "--fail-on",
        "customer->*",
        "--fail-on",
        "stage:prospect->*",
        "--max-changed",
        "30%",
    ]);
    assert_eq!(gated.status.code(), Some(1));
    let said = stderr(&gated);
    assert!(!said.contains("--fail-on customer->*"), "{said}");
    assert!(
        said.contains("--fail-on stage:prospect->*: stage prospect → lead: 8"),
        "{said}"
    );
    assert!(
        said.contains("--max-changed: 9 of 24 contacts changed"),
        "{said}"
    );
    // a revision git does not know is a usage error that names it
    let unknown = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .current_dir(&dir)
        .args(["diff", "--base", "no-such-branch", "rules"])
        .output()
        .expect("qualify runs");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("no-such-branch"),
        "{}",
        stderr(&unknown)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The ways `diff` declines: a gate without contacts to hold it to, a field whose type
/// changed (contacts cannot be read once for both; without contacts the structure is still
/// shown), and `--no-meaning`, which says the analysis was left out rather than that
/// nothing changed.
#[test]
fn diff_says_what_it_cannot_compare() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/diff/threshold");
    let (old, new, data) = (
        case.join("old.qual"),
        case.join("new.qual"),
        case.join("contacts.jsonl"),
    );
    let diff = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_qualify"))
            .arg("diff")
            .args(args)
            .output()
            .expect("qualify runs")
    };
    let gate = diff(&[
        "--base".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
        "--fail-on".as_ref(),
        "*->none".as_ref(),
    ]);
    assert_eq!(gate.status.code(), Some(2), "{}", stderr(&gate));
    assert!(stderr(&gate).contains("contact"), "{}", stderr(&gate));

    let quick = diff(&[
        "--base".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
        data.as_os_str(),
        "--no-meaning".as_ref(),
    ]);
    assert_eq!(quick.status.code(), Some(0), "{}", stderr(&quick));
    let out = stdout(&quick);
    assert!(
        out.contains("Meaning: not analysed: left out (`--no-meaning`)"),
        "{out}"
    );
    assert!(out.contains("stage: "), "{out}");

    let dir = scratch("diff-retyped");
    let retyped = dir.join("new.qual");
    let text = std::fs::read_to_string(&old).expect("old.qual");
    assert!(text.contains("size: number?"), "{text}");
    std::fs::write(
        &retyped,
        text.replace("size: number?", "size: string?")
            .replace("size >= 500", "size == \"huge\"")
            .replace("size >= 50", "size == \"big\""),
    )
    .expect("write");
    let args = |with_data: bool| {
        let mut a = vec!["--base".as_ref(), old.as_os_str(), retyped.as_os_str()];
        if with_data {
            a.push(data.as_os_str());
        }
        a
    };
    let stopped = diff(&args(true));
    assert_eq!(stopped.status.code(), Some(2), "{}", stdout(&stopped));
    assert!(stderr(&stopped).contains("`size`"), "{}", stderr(&stopped));
    let shown = diff(&args(false));
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    let out = stdout(&shown);
    assert!(out.contains("field `size`"), "{out}");
    assert!(out.contains("Meaning: not analysed: "), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sql_writes_the_query_and_its_table_or_says_what_it_cannot_translate() {
    let query = qualify(&[
        "sql",
        "rules/",
        "--dialect",
        "duckdb",
        "--as-of",
        "2026-11-22",
    ]);
    assert_eq!(query.status.code(), Some(0), "{}", stderr(&query));
    let text = stdout(&query);
    assert!(
        text.starts_with("-- written by qualify sql for DuckDB"),
        "{text}"
    );
    assert!(
        text.contains("AS \"stage\"") && text.contains("FROM \"contacts\""),
        "{text}"
    );
    let ddl = qualify(&[
        "sql",
        "rules/",
        "--dialect",
        "postgres",
        "--ddl",
        "--table",
        "crm.people",
    ]);
    assert_eq!(ddl.status.code(), Some(0), "{}", stderr(&ddl));
    insta::assert_snapshot!("sql ddl postgres", stdout(&ddl));
    let view = qualify(&["sql", "rules/", "--dialect", "postgres", "--view", "stages"]);
    assert!(
        stdout(&view).contains("CREATE VIEW \"stages\" AS\n"),
        "{}",
        stdout(&view)
    );
    assert!(
        stdout(&view).contains("CURRENT_TIMESTAMP"),
        "a view reads the time of the query"
    );
    let bound = qualify(&["sql", "rules/", "--dialect", "postgres"]);
    assert!(
        stdout(&bound).contains("CAST($1 AS TIMESTAMPTZ)"),
        "now is a parameter"
    );

    let regex = qualify(&[
        "sql",
        "tests/fixtures/sql_regex.qual",
        "--dialect",
        "postgres",
    ]);
    assert_eq!(regex.status.code(), Some(1));
    assert!(
        stdout(&regex).is_empty(),
        "no SQL is written: {}",
        stdout(&regex)
    );
    insta::assert_snapshot!("sql regex refused", stderr(&regex));

    assert_eq!(
        qualify(&["sql", "rules/", "--dialect", "oracle"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        qualify(&["sql", "rules/"]).status.code(),
        Some(2),
        "a dialect is needed"
    );
    let bad_table = qualify(&["sql", "rules/", "--dialect", "duckdb", "--table", "crm."]);
    assert_eq!(bad_table.status.code(), Some(2));
    assert!(
        stderr(&bad_table).contains("`--table crm.` is not a table name"),
        "{}",
        stderr(&bad_table)
    );
    let bad_time = qualify(&[
        "sql",
        "rules/",
        "--dialect",
        "duckdb",
        "--as-of",
        "yesterday",
    ]);
    assert_eq!(bad_time.status.code(), Some(2));
    let events = qualify(&[
        "sql",
        "rules/",
        "--dialect",
        "duckdb",
        "--events-table",
        "tasks",
    ]);
    assert_eq!(events.status.code(), Some(0), "{}", stderr(&events));
    assert!(stdout(&events).contains("FROM \"tasks\" GROUP BY \"contact_id\""));
    let not_a_list = qualify(&[
        "sql",
        "rules/",
        "--dialect",
        "duckdb",
        "--events-table",
        "role=tasks",
    ]);
    assert_eq!(not_a_list.status.code(), Some(2));
    assert!(
        stderr(&not_a_list).contains("the rules read no list of records named `role`"),
        "{}",
        stderr(&not_a_list)
    );
    let alone = qualify(&[
        "sql",
        "rules/",
        "--dialect",
        "duckdb",
        "--load-events",
        "e.jsonl",
    ]);
    assert_eq!(
        alone.status.code(),
        Some(2),
        "--load-events needs --load and --events-table"
    );
    let fine = qualify(&[
        "sql",
        "rules/",
        "--dialect",
        "duckdb",
        "--as-of",
        "2026-11-22T00:00:00.0000001Z",
    ]);
    assert_eq!(fine.status.code(), Some(2));
    assert!(
        stderr(&fine).contains("finer than a microsecond"),
        "{}",
        stderr(&fine)
    );
}

#[test]
fn sql_names_leads_by_their_lines_where_the_loader_numbers_rows() {
    let base = [
        "sql",
        "examples/leadforge/",
        "--source",
        "leadforge",
        "--dialect",
    ];
    let with = |dialect: &str, more: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.push(dialect);
        args.extend_from_slice(more);
        qualify(&args)
    };
    // the query reads each lead's id from the column of lines
    let query = with("postgres", &["--as-of", "2026-11-22"]);
    assert_eq!(query.status.code(), Some(0), "{}", stderr(&query));
    assert!(
        stdout(&query).contains("ELSE \"qualify:line\" END) AS \"id\""),
        "{}",
        stdout(&query)
    );
    // --ddl declares it, --load fills it: the row's number in the file plus one
    let ddl = with("duckdb", &["--ddl"]);
    assert_eq!(ddl.status.code(), Some(0), "{}", stderr(&ddl));
    assert!(
        stdout(&ddl).contains("  \"qualify:line\" VARCHAR\n"),
        "{}",
        stdout(&ddl)
    );
    let mut loads = String::new();
    for dialect in ["duckdb", "postgres", "spark"] {
        let load = with(
            dialect,
            &[
                "--load",
                "tests/fixtures/leadforge/lead_scoring_intro_v7.csv",
            ],
        );
        assert_eq!(load.status.code(), Some(0), "{}", stderr(&load));
        loads.push_str(&format!("-- {dialect}\n{}", stdout(&load)));
    }
    insta::assert_snapshot!("sql load numbered lines", loads);
    // a file whose rows are not a line each cannot be numbered by the database
    for (file, line, what) in [
        (
            "lead_scoring_intro_two_line_cell",
            3,
            "a cell holds a line break",
        ),
        ("lead_scoring_intro_empty_line", 3, "an empty line"),
    ] {
        let path = format!("tests/fixtures/leadforge/{file}.csv");
        let refused = with("duckdb", &["--load", &path]);
        assert_eq!(refused.status.code(), Some(2), "{file}");
        assert!(stdout(&refused).is_empty());
        assert!(
            stderr(&refused).starts_with(&format!("error: `--load {path}`: line {line}: {what}")),
            "{}",
            stderr(&refused)
        );
        assert!(
            stderr(&refused).contains("names each contact by its line"),
            "{}",
            stderr(&refused)
        );
    }
    // a header that DuckDB would take for the column of lines, or for its row numbers
    for (file, what) in [
        (
            "lead_scoring_intro_line_header",
            "its header `Qualify:Line` is the name of the column",
        ),
        (
            "lead_scoring_intro_rowid_header",
            "its header `ROWID` hides DuckDB's `rowid`",
        ),
    ] {
        let path = format!("tests/fixtures/leadforge/{file}.csv");
        let refused = with("duckdb", &["--load", &path]);
        assert_eq!(refused.status.code(), Some(2), "{file}");
        assert!(stderr(&refused).contains(what), "{}", stderr(&refused));
    }
    // PostgreSQL names a quoted column in its case, and numbers rows by a sequence
    let postgres = with(
        "postgres",
        &[
            "--load",
            "tests/fixtures/leadforge/lead_scoring_intro_rowid_header.csv",
        ],
    );
    assert_eq!(postgres.status.code(), Some(0), "{}", stderr(&postgres));
}

#[test]
fn sql_reads_an_export_s_text_cells_through_a_mapping_source() {
    let rules = "tests/sql/mapped/";
    let base = ["sql", rules, "--dialect", "duckdb", "--source", "crm"];
    let with = |more: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(more);
        qualify(&args)
    };
    // the tables: one text column per header the rules read
    let ddl = with(&["--events-table", "tasks=events", "--ddl"]);
    assert_eq!(ddl.status.code(), Some(0), "{}", stderr(&ddl));
    insta::assert_snapshot!("sql mapped ddl duckdb", stdout(&ddl));
    // the query reads them through the mapping
    let query = with(&["--events-table", "tasks=events", "--as-of", "2026-11-22"]);
    assert_eq!(query.status.code(), Some(0), "{}", stderr(&query));
    assert!(stdout(&query).contains("\"_mapped\" AS MATERIALIZED"));
    // --load: the CSV's own headers, every cell as text
    let load = with(&[
        "--events-table",
        "tasks=events",
        "--load",
        "tests/fixtures/mapped-export.csv",
        "--load-events",
        "tests/fixtures/mapped-tasks.csv",
    ]);
    assert_eq!(load.status.code(), Some(0), "{}", stderr(&load));
    insta::assert_snapshot!("sql mapped load duckdb", stdout(&load));

    // a list without its events table would be a JSON cell: refused, naming the column
    let refused = with(&["--as-of", "2026-11-22"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stdout(&refused).is_empty());
    insta::assert_snapshot!("sql mapped refused", stderr(&refused));
    // PostgreSQL reads a repeated local time otherwise than qualify: an IANA zone is refused
    let ny = qualify(&[
        "sql",
        rules,
        "--dialect",
        "postgres",
        "--source",
        "crm_ny",
        "--events-table",
        "tasks=events",
    ]);
    assert_eq!(ny.status.code(), Some(1));
    assert!(
        stderr(&ny).contains("error[Q0401]: source `crm_ny`, column `Created`: a time zone of the IANA database in PostgreSQL"),
        "{}",
        stderr(&ny)
    );

    // sources that do not exist, or are of activities
    let unknown = qualify(&["sql", rules, "--dialect", "duckdb", "--source", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("has no such source of contacts; it has `crm`, `crm_ny`"),
        "{}",
        stderr(&unknown)
    );
    let activities = qualify(&["sql", rules, "--dialect", "duckdb", "--source", "tasks"]);
    assert_eq!(activities.status.code(), Some(2));
    assert!(
        stderr(&activities).contains("is a source of activities"),
        "{}",
        stderr(&activities)
    );
    // the source of activities names the key column: another `--key` is refused
    let key = with(&["--events-table", "tasks=events", "--key", "who_id", "--ddl"]);
    assert_eq!(key.status.code(), Some(2));
    assert!(
        stderr(&key)
            .contains("`--key who_id`: source `tasks` reads the events table's key from `Who`"),
        "{}",
        stderr(&key)
    );
    // a mapping needs a source to be read through
    let alone = qualify(&[
        "sql",
        rules,
        "--dialect",
        "duckdb",
        "--mapping",
        "tests/sql/mapped/qualify.toml",
    ]);
    assert_eq!(alone.status.code(), Some(2), "{}", stderr(&alone));
    // a file to load whose headers cannot be columns
    let bad = with(&[
        "--events-table",
        "tasks=events",
        "--load",
        "tests/fixtures/mapped-duplicate-headers.csv",
        "--load-events",
        "tests/fixtures/mapped-tasks.csv",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    // a file a database's CSV reader would read otherwise than qualify
    let uneven = with(&[
        "--events-table",
        "tasks=events",
        "--load",
        "tests/fixtures/mapped-space-before-quote.csv",
        "--load-events",
        "tests/fixtures/mapped-tasks.csv",
    ]);
    assert_eq!(uneven.status.code(), Some(2));
    assert!(
        stderr(&uneven).contains("mapped-space-before-quote.csv`: line 2: a quote inside a cell that does not begin with it"),
        "{}",
        stderr(&uneven)
    );
    assert!(
        stderr(&bad).contains("its header `Employees` is written twice"),
        "{}",
        stderr(&bad)
    );
}
