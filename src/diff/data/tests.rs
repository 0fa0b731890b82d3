use super::*;
use crate::check::CheckOptions;
use crate::data::InputFormat;
use crate::run;

fn program(text: &str, base: Option<&Program>) -> (SourceMap, Program) {
    let mut sources = SourceMap::new();
    sources.add("rules.qual", text.to_string());
    let (checked, diagnostics) = crate::front_end(&sources, &CheckOptions::default());
    let checked = checked.unwrap_or_else(|_| panic!("{diagnostics:?}"));
    let program = match base {
        Some(base) => crate::compile::compile_onto(&checked, base.plan()).expect("one plan"),
        None => crate::compile::compile(&checked),
    };
    (sources, program)
}

const OLD: &str = "schema contact { id: string, size: number?, replied: bool? }\n\
                   classify stage { prospect when replied and size >= 50\n lead when replied }";
const NEW: &str = "schema contact { id: string, size: number?, replied: bool?, extra: number? }\n\
                   classify stage { prospect when replied and size >= 100 and (extra ?? 0) >= 0\n lead when replied }";

/// Counts the moves of contacts, with `jobs` threads.
fn compare(contacts: &str, jobs: usize, examples: usize) -> (usize, usize, Vec<Transitions>) {
    let (old_sources, old) = program(OLD, None);
    let (new_sources, new) = program(NEW, Some(&old));
    let mut sink = Collect(Comparison::new(
        Side {
            program: &old,
            sources: &old_sources,
        },
        Side {
            program: &new,
            sources: &new_sources,
        },
        examples,
        Timestamp::UNIX_EPOCH,
    ));
    let options = run::Options {
        now: Timestamp::UNIX_EPOCH,
        on_error: run::ErrorPolicy::Continue,
        reasons: false,
        jobs,
        classes: None,
        activities: &[],
        base: Some(run::Base {
            program: &old,
            sources: &old_sources,
        }),
    };
    let input = run::Input::bytes("c", InputFormat::Jsonl, contacts.as_bytes());
    let Ok(tally) = run::run(&new, &new_sources, vec![input], options, &mut sink);
    assert_eq!(tally.classified, sink.0.contacts());
    (
        sink.0.contacts(),
        sink.0.changed(),
        sink.0.transitions().to_vec(),
    )
}

struct Collect<'p>(Comparison<'p>);

impl run::Sink for Collect<'_> {
    type Error = std::convert::Infallible;
    fn classified(&mut self, record: run::Classified<'_>) -> Result<(), Self::Error> {
        self.0.add(&record);
        Ok(())
    }
    fn failed(&mut self, _: &crate::data::DataError) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[test]
fn moves_are_counted_from_old_to_new_with_the_row_each_lost() {
    let contacts = "{\"id\": \"a\", \"size\": 80, \"replied\": true}\n\
                    {\"id\": \"b\", \"size\": 120, \"replied\": true}\n\
                    {\"id\": \"c\", \"size\": 70, \"replied\": true}\n\
                    {\"id\": \"d\"}\n";
    let (contacts_seen, changed, transitions) = compare(contacts, 1, 1);
    assert_eq!((contacts_seen, changed), (4, 2));
    let t = &transitions[0];
    // funnel order, no value last, the same on both sides here
    let names: Vec<Option<&str>> = t.from.iter().map(|v| v.as_deref()).collect();
    assert_eq!(names, [Some("lead"), Some("prospect"), None]);
    assert_eq!(t.counts, vec![vec![0, 0, 0], vec![2, 1, 0], vec![0, 0, 1]]);
    assert_eq!(t.changed, 2);
    // one example kept of the two, the first in input order, with what it lacks now
    let examples = &t.examples[1][0];
    assert_eq!(examples.len(), 1);
    assert_eq!(examples[0].id, "a");
    let lack = examples[0].lacks.as_ref().expect("the prospect row's lack");
    assert_eq!(
        (lack.under, lack.value.as_str()),
        (Version::New, "prospect")
    );
    assert!(
        lack.unmet.iter().any(|c| c.text == "size >= 100"),
        "{lack:?}"
    );
}

#[test]
fn one_job_and_many_count_the_same() {
    let mut contacts = String::new();
    for i in 0..5_000 {
        let replied = if i % 3 == 0 { "true" } else { "false" };
        contacts.push_str(&format!(
            "{{\"id\": \"c{i}\", \"size\": {}, \"replied\": {replied}}}\n",
            i % 150
        ));
    }
    assert_eq!(compare(&contacts, 1, 3), compare(&contacts, 2, 3));
}
