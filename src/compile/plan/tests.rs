//! Two rule sets on one plan: enums widen to the values of both, and each program then
//! refuses, wherever the value sits, what only the other knows.

use std::sync::Arc;

use super::*;
use crate::compile::Program;

fn enumeration(values: &[&str]) -> PlanType {
    PlanType::Enum(values.iter().map(|v| v.to_string()).collect())
}

#[test]
fn enums_widen_to_the_values_of_both_and_meet_at_the_common_ones() {
    let (a, b) = (enumeration(&["x", "y"]), enumeration(&["y", "z"]));
    assert_eq!(a.widen(&b), Some(enumeration(&["x", "y", "z"])));
    assert_eq!(a.meet(&b), Some(enumeration(&["y"])));
    let list = |t: &PlanType| PlanType::List(Box::new(t.clone()));
    assert_eq!(
        list(&a).widen(&list(&b)),
        Some(list(&enumeration(&["x", "y", "z"])))
    );
    // another type altogether is no widening: contacts cannot be read once for both
    assert_eq!(a.widen(&PlanType::Number), None);
    assert_eq!(PlanType::Number.widen(&PlanType::String), None);
    assert_eq!(
        PlanType::Number.widen(&PlanType::Number),
        Some(PlanType::Number)
    );
    // order is no difference in what is read
    assert!(enumeration(&["y", "x"]).reads_all(&a));
    assert!(!a.reads_all(&b));
}

/// `new` compiled onto `old`'s plan.
fn programs(old: &str, new: &str) -> (Program, Program) {
    let compile = |text: &str| crate::testing::checked(text).1;
    let old = crate::compile::compile(&compile(old));
    let new = crate::compile::compile_onto(&compile(new), old.plan()).expect("one plan");
    (old, new)
}

const OLD: &str = "schema contact {\n  id: string\n  kind: one of \"a\", \"b\"?\n  \
events: list of { tag: one of \"p\", \"q\" }?\n}\n\
classify stage {\n  lead when kind == \"a\" and any e in events: e.tag == \"p\"\n}\n";

const NEW: &str = "schema contact {\n  id: string\n  kind: one of \"a\", \"c\"?\n  \
events: list of { tag: one of \"p\", \"q\", \"r\" }?\n}\n\
classify stage {\n  lead when kind == \"a\" and any e in events: e.tag == \"r\"\n}\n";

#[test]
fn each_program_refuses_the_values_only_the_other_knows() {
    let (old, new) = programs(OLD, NEW);
    let plan = new.plan();
    let kind = plan.root().slot("kind").expect("kind is read");
    assert_eq!(plan.root().fields[kind].ty, enumeration(&["a", "b", "c"]));
    // the new rules lack "b"; the base lacks "c" and the tag "r"
    assert_eq!(
        new.narrowed(),
        [Narrowing {
            layout: 0,
            slot: kind,
            ty: enumeration(&["a", "c"])
        }]
    );
    let base = old.plan().narrowings(plan);
    assert_eq!(base.len(), 2, "{base:#?}");

    let text = |s: &str| Value::Str(Arc::from(s));
    let events = plan.root().slot("events").expect("events are read");
    let contact = |k: &str, tags: &[&str]| {
        let mut slots = vec![Value::Missing; plan.root().fields.len()];
        slots[kind] = text(k);
        slots[events] = Value::List(
            tags.iter()
                .map(|t| Value::Record(Arc::from([text(t)])))
                .collect(),
        );
        slots
    };
    let both = contact("a", &["p", "q"]);
    assert_eq!(plan.stray(new.narrowed(), &both), None);
    assert_eq!(plan.stray(&base, &both), None);

    let stray = plan.stray(&base, &contact("a", &["p", "r"])).expect("an r");
    assert_eq!(stray.path, "events[1].tag");
    assert_eq!(stray.found, "r");
    assert_eq!(&stray.allowed[..], ["p", "q"]);
    assert_eq!(plan.stray(new.narrowed(), &contact("a", &["r"])), None);

    let stray = plan.stray(new.narrowed(), &contact("b", &[])).expect("a b");
    assert_eq!((stray.path.as_str(), stray.found.as_str()), ("kind", "b"));
    assert_eq!(plan.stray(&base, &contact("b", &[])), None);
}

#[test]
fn a_field_of_another_type_is_a_conflict() {
    let new = OLD
        .replace("kind: one of \"a\", \"b\"?", "kind: number?")
        .replace("kind == \"a\"", "kind > 1");
    let (old, _) = programs(OLD, OLD);
    let conflict = crate::compile::compile_onto(&crate::testing::checked(&new).1, old.plan());
    assert!(
        matches!(&conflict, Err(crate::compile::PlanConflict::Type { path, .. }) if path == "kind"),
        "{conflict:?}"
    );
}
