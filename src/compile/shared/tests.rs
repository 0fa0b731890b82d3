//! Sharing between two programs: only what computes the same is shared, and a run that
//! shares classifies every contact as two separate evaluators do.

use super::*;
use crate::eval::Evaluator;

fn programs(old: &str, new: &str) -> (Program, Program) {
    let old = crate::compile::compile(&crate::testing::checked(old).1);
    let new = crate::testing::checked(new).1;
    let new = crate::compile::compile_onto(&new, old.plan()).expect("one plan");
    (old, new)
}

const RULES: &str = "schema contact { id: string, size: number?, title: string?, calls: number? }\n\
let big = size >= 50\n\
let senior = title matches \"(?i)vp|chief\"\n\
let busy = calls > 2\n\
classify stage {\n  customer when big and senior\n  lead when busy\n}\n\
classify reach {\n  wide when busy or senior\n  otherwise narrow\n}\n\
classify fit when stage == customer {\n  good when big\n}\n";

#[test]
fn a_changed_threshold_shares_everything_it_does_not_reach() {
    let (old, new) = programs(RULES, &RULES.replace("size >= 50", "size >= 100"));
    let names = |s: &Shared| {
        let lets: Vec<&str> = s
            .lets
            .iter()
            .map(|&(l, _)| old.let_names[l].as_str())
            .collect();
        let classes: Vec<&str> = (s.classes.iter())
            .map(|&(c, _)| old.classes()[c].name.as_str())
            .collect();
        (lets, classes)
    };
    let found = shared(&old, &new);
    assert_eq!(names(&found), (vec!["senior", "busy"], vec!["reach"]));
    // a program shares everything with itself, and another regex is another `let`
    let (old, new) = programs(RULES, RULES);
    let all = (vec!["big", "senior", "busy"], vec!["stage", "reach", "fit"]);
    assert_eq!(names(&shared(&old, &new)), all);
    let (old2, new) = programs(RULES, &RULES.replace("vp|chief", "vp|head"));
    let found = shared(&old2, &new);
    assert_eq!(found.lets, [(0, 0), (2, 2)]);
    assert!(found.classes.is_empty(), "{found:?}");
}

#[test]
fn sharing_classifies_as_two_separate_evaluators_do() {
    let (old, new) = programs(RULES, &RULES.replace("size >= 50", "size >= 100"));
    let found = shared(&old, &new);
    let now = jiff::Timestamp::UNIX_EPOCH;
    let plan = new.plan();
    let (mut main, mut base, mut alone) = (
        Evaluator::new(&new, now),
        Evaluator::new(&old, now),
        Evaluator::new(&old, now),
    );
    let sizes = [
        Value::Missing,
        Value::Number(20.0),
        Value::Number(70.0),
        Value::Number(200.0),
    ];
    let titles = [
        Value::Missing,
        Value::Str("VP Sales".into()),
        Value::Str("intern".into()),
    ];
    let calls = [Value::Missing, Value::Number(1.0), Value::Number(5.0)];
    let mut compared = 0;
    for size in &sizes {
        for title in &titles {
            for call in &calls {
                let mut slots = vec![Value::Missing; plan.root().fields.len()];
                for (name, value) in [("size", size), ("title", title), ("calls", call)] {
                    slots[plan.root().slot(name).expect("read")] = value.clone();
                }
                let (mut ours, mut shared_out, mut separate) = (Vec::new(), Vec::new(), Vec::new());
                main.classify_into(&slots, &mut ours).expect("classified");
                base.classify_sharing(&slots, &mut shared_out, &main, &found)
                    .expect("classified");
                alone
                    .classify_into(&slots, &mut separate)
                    .expect("classified");
                assert_eq!(shared_out, separate, "{slots:?}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 36);
}
