//! The documentation cannot rot: every ```qual block in `docs/` must check without errors,
//! and every ```qual-error block must produce at least one error.

use std::path::Path;

use qualify::check::CheckOptions;
use qualify::source::SourceMap;

/// `(language tag, first line number, text)` of every fenced block in a markdown text.
fn fenced_blocks(markdown: &str) -> Vec<(String, usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(tag) = trimmed.strip_prefix("```") {
                    current = Some((tag.trim().to_string(), i + 2, String::new()));
                }
            }
            Some((_, _, text)) => {
                if trimmed.starts_with("```") {
                    blocks.push(current.take().expect("inside a block"));
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "a fenced block is not closed");
    blocks
}

fn check_docs(file: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    let markdown = std::fs::read_to_string(&path).expect("the docs file exists");
    let mut checked = 0;
    for (tag, line, text) in fenced_blocks(&markdown) {
        let expect_error = match tag.as_str() {
            "qual" => false,
            "qual-error" => true,
            _ => continue,
        };
        let mut sources = SourceMap::new();
        sources.add(format!("docs/{file}:{line}"), text.clone());
        let (_, diagnostics) = qualify::front_end(&sources, &CheckOptions::default());
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.code.as_str(), d.message))
            .collect();
        if expect_error {
            assert!(
                !errors.is_empty(),
                "docs/{file}:{line}: a `qual-error` block checks clean:\n{text}"
            );
        } else {
            assert!(
                errors.is_empty(),
                "docs/{file}:{line}: the example has errors {errors:#?}:\n{text}"
            );
        }
        checked += 1;
    }
    checked
}

#[test]
fn every_language_reference_example_checks() {
    let checked = check_docs("language.md");
    assert!(checked >= 20, "only {checked} examples in docs/language.md");
}

/// The rule examples of `docs/mappings.md` check too.
#[test]
fn every_mapping_reference_example_checks() {
    assert!(
        check_docs("mappings.md") >= 1,
        "no example in docs/mappings.md"
    );
}

/// `docs/lints.md` is generated from the lints' documentation; this fails when it is stale.
/// Regenerate with `UPDATE_DOCS=1 cargo test --test docs`.
#[test]
fn lint_reference_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lints.md");
    let generated = qualify::lint::reference_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("docs/lints.md is writable");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/lints.md is stale: run `UPDATE_DOCS=1 cargo test --test docs` and commit the result"
    );
}
