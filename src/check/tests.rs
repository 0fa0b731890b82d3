//! Checker behaviour that snapshots do not pin down precisely: cycles, order, resolution.

use crate::check::{CheckOptions, check};
use crate::codes::Code;
use crate::source::SourceMap;

fn diagnostics(files: &[&str]) -> Vec<(Code, String)> {
    let mut sources = SourceMap::new();
    for (i, text) in files.iter().enumerate() {
        sources.add(format!("f{i}.qual"), *text);
    }
    let (parsed, parse_errors) = crate::parse(&sources);
    assert!(parse_errors.is_empty(), "{parse_errors:#?}");
    let (_, found) = check(&parsed, &CheckOptions::default());
    found.into_iter().map(|d| (d.code, d.message)).collect()
}

const SCHEMA: &str = "schema contact { id: string, n: number? }\n";

#[test]
fn a_let_cycle_is_reported_once_naming_every_member_in_definition_order() {
    let found = diagnostics(&[SCHEMA, "let b = c and true\nlet a = b\nlet c = a\n"]);
    assert_eq!(
        found,
        [(
            Code::Cycle,
            "definitions depend on each other in a cycle: `b` → `c` → `a` → `b`".to_string()
        )]
    );
}

#[test]
fn a_self_reference_and_a_classification_cycle() {
    let found = diagnostics(&[
        SCHEMA,
        "let x = x or true\nclassify s { a when t == b }\nclassify t { b when s == a }\n",
    ]);
    let codes: Vec<Code> = found.iter().map(|f| f.0).collect();
    assert_eq!(codes, [Code::Cycle, Code::Cycle], "{found:#?}");
    assert_eq!(found[0].1, "`x` is defined in terms of itself");
    assert!(found[1].1.contains("`s` → `t` → `s`"), "{found:#?}");
}

#[test]
fn definitions_are_order_independent_and_classifications_are_ordered_by_use() {
    let mut sources = SourceMap::new();
    sources.add(
        "f.qual",
        format!("{SCHEMA}classify t when s == a {{ hot when big }}\nlet big = n > 5\nclassify s {{ a when big }}\n"),
    );
    let (parsed, _) = crate::parse(&sources);
    let (rules, found) = check(&parsed, &CheckOptions::default());
    assert!(found.is_empty(), "{found:#?}");
    let order: Vec<&str> = rules
        .class_order
        .iter()
        .map(|&c| rules.classes[c].name.node.as_str())
        .collect();
    assert_eq!(order, ["s", "t"]);
}

#[test]
fn duplicates_across_files_name_both_places() {
    let mut sources = SourceMap::new();
    sources.add("a.qual", format!("{SCHEMA}let x = true\n"));
    sources.add("b.qual", "let x = false\n");
    let (parsed, _) = crate::parse(&sources);
    let (_, found) = check(&parsed, &CheckOptions::default());
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!(d.code, Code::DuplicateDefinition);
    assert_eq!(sources.get(d.span.file).name, "b.qual");
    assert_eq!(sources.get(d.labels[0].span.file).name, "a.qual");
}

#[test]
fn errors_of_all_files_are_reported_in_source_order() {
    let found = diagnostics(&[
        "schema contact { id: string, n: number? }\nlet a = nn > 1\n",
        "let b = n > \"x\"\nlet c = undefined_thing\n",
    ]);
    let codes: Vec<Code> = found.iter().map(|f| f.0).collect();
    assert_eq!(
        codes,
        [Code::UnknownName, Code::TypeMismatch, Code::UnknownName]
    );
}

#[test]
fn without_schema_fields_are_dynamic_with_one_warning() {
    let found = diagnostics(&[
        "let big = company.size > 50\nlet any_call = any e in events: e.kind == \"call\"\n",
    ]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Code::NoSchema);
}
