//! The change in structure between two small rule sets.

use super::*;
use crate::check::CheckOptions;

fn checked(text: &str) -> (CheckedRuleSet, SourceMap) {
    let mut sources = SourceMap::new();
    sources.add("rules.qual", text);
    let (checked, diagnostics) = crate::front_end(&sources, &CheckOptions::default());
    assert!(!diagnostics.iter().any(|d| d.is_error()), "{diagnostics:?}");
    (checked.expect("the rules check"), sources)
}

fn diff(old: &str, new: &str) -> Structure {
    let (old, old_sources) = checked(old);
    let (new, new_sources) = checked(new);
    structure(&old, &old_sources, &new, &new_sources)
}

const OLD: &str = "schema contact {
  id: string
  size: number
  stage_hint: one of \"a\", \"b\", \"c\"
  events: list of { kind: one of \"call\", \"email\" }?
}
let big = size >= 50
let busy = any e in events ?? []: e.kind == \"call\"
classify stage {
  customer when stage_hint == \"a\"
  prospect when big
  lead when busy
  otherwise unqualified
}
classify temperature {
  hot when busy
  otherwise cold
}
";

#[test]
fn the_same_rules_have_no_change_whatever_their_spacing() {
    assert!(diff(OLD, OLD).is_empty());
    let spaced = OLD.replace("size >= 50", "size  >=\n   50  # enough");
    assert!(diff(OLD, &spaced).is_empty(), "{:?}", diff(OLD, &spaced));
}

#[test]
fn spacing_inside_a_string_literal_is_a_change() {
    let rules = |name: &str| {
        format!(
            "schema contact {{\n  id: string\n  name: string?\n}}\nlet n = name contains \"{name}\"\nclassify c {{\n  x when name == \"{name}\"\n}}\n"
        )
    };
    let got = diff(&rules("a  b"), &rules("a b"));
    assert_eq!(
        got.lets,
        [LetChange::Rewritten {
            name: "n".into(),
            old: "name contains \"a  b\"".into(),
            new: "name contains \"a b\"".into(),
        }]
    );
    assert!(
        matches!(&got.classifications[..], [ClassChange::Changed { rows, .. }]
        if rows == &[RowChange::Rewritten {
            old: ("x".into(), "name == \"a  b\"".into()),
            new: ("x".into(), "name == \"a b\"".into()),
            from: 1,
            to: 1,
        }]),
        "{got:?}"
    );
}

#[test]
fn fields_and_their_values_added_removed_and_retyped() {
    let new = OLD
        .replace("  size: number\n", "  size: string\n  region: string?\n")
        .replace("\"a\", \"b\", \"c\"", "\"a\", \"c\", \"d\"")
        .replace("\"call\", \"email\"", "\"call\", \"email\", \"meeting\"")
        .replace("size >= 50", "size == \"big\"");
    let got = diff(OLD, &new).fields;
    assert_eq!(
        got,
        [
            FieldChange::Retyped {
                path: "size".into(),
                old: "a number".into(),
                new: "text".into()
            },
            FieldChange::Added {
                path: "region".into(),
                ty: "text".into()
            },
            FieldChange::Values {
                path: "stage_hint".into(),
                added: vec!["d".into()],
                removed: vec!["b".into()]
            },
            FieldChange::Values {
                path: "events[].kind".into(),
                added: vec!["meeting".into()],
                removed: vec![]
            },
        ]
    );
    let fewer = OLD.replace("  stage_hint: one of \"a\", \"b\", \"c\"\n", "");
    let fewer = fewer.replace(
        "customer when stage_hint == \"a\"",
        "customer when size >= 500",
    );
    assert!(diff(OLD, &fewer).fields.contains(&FieldChange::Removed {
        path: "stage_hint".into(),
        ty: "text from `one of \"a\", \"b\", \"c\"`".into()
    }));
}

#[test]
fn rows_added_removed_and_moved_lets_rewritten() {
    // prospect and lead swap; a row is added, one removed; a let is rewritten and one added
    let new = OLD
        .replace(
            "  prospect when big\n  lead when busy\n",
            "  lead when busy\n  prospect when big\n  prospect when size >= 1000\n",
        )
        .replace("  hot when busy\n", "  hot when big\n")
        .replace("size >= 50", "size >= 100")
        .replace("let busy", "let huge = size >= 5000\nlet busy");
    let got = diff(OLD, &new);
    assert_eq!(
        got.lets,
        [
            LetChange::Rewritten {
                name: "big".into(),
                old: "size >= 50".into(),
                new: "size >= 100".into()
            },
            LetChange::Added {
                name: "huge".into()
            },
        ]
    );
    let rows = |name: &str| match got.classifications.iter().find(|c| match c {
        ClassChange::Changed { name: n, .. } => n == name,
        _ => false,
    }) {
        Some(ClassChange::Changed { rows, .. }) => rows.clone(),
        other => panic!("{name}: {other:?}"),
    };
    // of two rows that swap places, one moved (either says it; this one is the later)
    assert_eq!(
        rows("stage"),
        [
            RowChange::Moved {
                value: "prospect".into(),
                condition: "big".into(),
                from: 2,
                to: 3
            },
            RowChange::Added {
                value: "prospect".into(),
                condition: "size >= 1000".into(),
                at: 4
            },
        ]
    );
    // a row whose condition changed in its place is that row rewritten
    assert_eq!(
        rows("temperature"),
        [RowChange::Rewritten {
            old: ("hot".into(), "busy".into()),
            new: ("hot".into(), "big".into()),
            from: 1,
            to: 1
        }]
    );
}

#[test]
fn classifications_and_their_values_added_and_removed() {
    let new = OLD
        .replace(
            "classify temperature {\n  hot when busy\n  otherwise cold\n}\n",
            "",
        )
        .replace("  otherwise unqualified\n", "  otherwise unknown\n")
        + "classify fit {\n  good when big\n}\n";
    let got = diff(OLD, &new).classifications;
    assert_eq!(
        got,
        [
            ClassChange::Changed {
                name: "stage".into(),
                values_added: vec!["unknown".into()],
                values_removed: vec!["unqualified".into()],
                guard: None,
                otherwise: Some((Some("unqualified".into()), Some("unknown".into()))),
                rows: vec![],
            },
            ClassChange::Added {
                name: "fit".into(),
                values: vec!["good".into()]
            },
            ClassChange::Removed {
                name: "temperature".into(),
                values: vec!["hot".into(), "cold".into()]
            },
        ]
    );
}

#[test]
fn row_changes_account_for_every_row_of_both_sides() {
    let mut rng = crate::testing::Rng(5);
    for _ in 0..2_000 {
        let side = |rng: &mut crate::testing::Rng| -> Vec<(String, String)> {
            (0..rng.below(7))
                .map(|_| (format!("v{}", rng.below(2)), format!("c{}", rng.below(5))))
                .collect()
        };
        let (old, new) = (side(&mut rng), side(&mut rng));
        let changes = rows(&old, &new);
        let count = |f: fn(&RowChange) -> bool| changes.iter().filter(|c| f(c)).count();
        let added = count(|c| matches!(c, RowChange::Added { .. }));
        let removed = count(|c| matches!(c, RowChange::Removed { .. }));
        let moved = count(|c| matches!(c, RowChange::Moved { .. }));
        let rewritten = count(|c| matches!(c, RowChange::Rewritten { .. }));
        // what is neither added, removed, moved nor rewritten is kept in order, on both
        // sides alike
        assert_eq!(
            old.len() - removed - moved - rewritten,
            new.len() - added - moved - rewritten,
            "{old:?} {new:?}"
        );
        for c in &changes {
            match c {
                RowChange::Added { condition, at, .. } => {
                    assert_eq!(&new[at - 1].1, condition)
                }
                RowChange::Removed { condition, at, .. } => {
                    assert_eq!(&old[at - 1].1, condition)
                }
                RowChange::Moved {
                    condition,
                    from,
                    to,
                    ..
                } => {
                    assert_eq!(&old[from - 1].1, condition);
                    assert_eq!(&new[to - 1].1, condition);
                }
                RowChange::Rewritten {
                    old: was,
                    new: now,
                    from,
                    to,
                } => {
                    assert_eq!(&old[from - 1], was);
                    assert_eq!(&new[to - 1], now);
                    assert!(was != now && (was.0 == now.0 || was.1 == now.1));
                }
            }
        }
        // a rewritten row has as many rows kept in place before it on both sides: the
        // same place among them
        let (mut changed_old, mut changed_new) = (vec![false; old.len()], vec![false; new.len()]);
        for c in &changes {
            match c {
                RowChange::Added { at, .. } => changed_new[at - 1] = true,
                RowChange::Removed { at, .. } => changed_old[at - 1] = true,
                RowChange::Moved { from, to, .. } | RowChange::Rewritten { from, to, .. } => {
                    changed_old[from - 1] = true;
                    changed_new[to - 1] = true;
                }
            }
        }
        let kept_before =
            |changed: &[bool], at: usize| changed[..at - 1].iter().filter(|c| !**c).count();
        for c in &changes {
            if let RowChange::Rewritten { from, to, .. } = c {
                assert_eq!(
                    kept_before(&changed_old, *from),
                    kept_before(&changed_new, *to),
                    "{old:?} {new:?}"
                );
            }
        }
        // the same rows in the same order change nothing
        assert!(rows(&old, &old).is_empty());
        // a row both added and removed would be a move
        let added_rows: Vec<_> = changes
            .iter()
            .filter_map(|c| match c {
                RowChange::Added {
                    value, condition, ..
                } => Some((value, condition)),
                _ => None,
            })
            .collect();
        assert!(!changes.iter().any(|c| matches!(c,
            RowChange::Removed { value, condition, .. }
                if added_rows.contains(&(value, condition)))));
    }
}

#[test]
fn a_let_reaches_the_classifications_that_read_it_through_lets_and_classifications() {
    let text = "schema contact { id: string, size: number? }\n\
                let big = size >= 50\nlet bigger = big and size >= 80\nlet other = size < 3\n\
                classify s { hi when bigger }\nclassify t { up when s == hi }\n\
                classify u { x when other }";
    let mut sources = SourceMap::new();
    sources.add("r.qual", text.to_string());
    let (checked, d) = crate::front_end(&sources, &crate::check::CheckOptions::default());
    let checked = checked.unwrap_or_else(|_| panic!("{d:?}"));
    assert_eq!(reaches(&checked, "big"), ["s", "t"]);
    assert_eq!(reaches(&checked, "other"), ["u"]);
    assert!(reaches(&checked, "no_such_let").is_empty());
}
