//! The batch run over small inputs: the tally reconciles, the policy decides what a bad
//! record costs, and sinks see every record in input order.

use super::*;
use crate::data::InputFormat;

const RULES: &str = "schema contact { id: string, calls: number? }\n\
classify stage {\n  prospect when calls >= 2\n  lead when calls >= 1\n  otherwise stranger\n}\n";

fn program() -> (SourceMap, Program) {
    let mut sources = SourceMap::new();
    sources.add("t.qual", RULES);
    let (checked, diagnostics) = crate::front_end(&sources, &Default::default());
    assert!(
        !diagnostics.iter().any(|d| d.is_error()),
        "{diagnostics:#?}"
    );
    let program = crate::compile::compile(&checked.expect("no errors"));
    (sources, program)
}

/// Keeps what the run gave it.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    ids: Vec<String>,
    values: Vec<Option<usize>>,
    reasons: usize,
    errors: Vec<Code>,
    /// Every error whole, to compare runs on different numbers of threads.
    error_details: Vec<DataError>,
}

impl Sink for Seen {
    type Error = std::convert::Infallible;
    fn classified(&mut self, record: Classified<'_>) -> Result<(), Self::Error> {
        self.ids.push(record.contact.id.clone());
        self.values.push(record.outcomes[0].value);
        self.reasons += record.reasons.len();
        Ok(())
    }
    fn failed(&mut self, error: &DataError) -> Result<(), Self::Error> {
        self.errors.push(error.code);
        self.error_details.push(error.clone());
        Ok(())
    }
}

fn run_over(
    text: &(impl AsRef<[u8]> + ?Sized),
    on_error: ErrorPolicy,
    reasons: bool,
) -> (Tally, Seen) {
    run_on(text, on_error, reasons, 1)
}

fn run_on(
    text: &(impl AsRef<[u8]> + ?Sized),
    on_error: ErrorPolicy,
    reasons: bool,
    jobs: usize,
) -> (Tally, Seen) {
    let (sources, program) = program();
    let inputs = [Input {
        name: "c.jsonl",
        format: InputFormat::Jsonl,
        text: text.as_ref(),
    }];
    let options = Options {
        now: jiff::Timestamp::UNIX_EPOCH,
        on_error,
        reasons,
        jobs,
    };
    let mut seen = Seen::default();
    let Ok(tally) = run(&program, &sources, &inputs, options, &mut seen);
    (tally, seen)
}

const DATA: &str = r#"{"id": "a", "calls": 3}
{"id": "b", "calls": "many"}
{"id": "c"}
{"id": "a", "calls": 1}
"#;

#[test]
fn the_tally_reconciles_and_counts_repeated_ids() {
    let (tally, seen) = run_over(DATA, ErrorPolicy::Continue, false);
    assert_eq!((tally.read, tally.classified, tally.failed()), (4, 3, 1));
    assert_eq!(tally.read, tally.classified + tally.failed());
    assert_eq!(
        (tally.repeated_ids, tally.first_repeat.as_deref()),
        (1, Some("a"))
    );
    assert_eq!(seen.ids, ["a", "c", "a"]);
    // prospect, stranger (otherwise), lead — in the order of the classification's values
    assert_eq!(seen.values, [Some(0), Some(2), Some(1)]);
    assert_eq!(seen.errors, [Code::WrongType]);
    assert_eq!(seen.reasons, 0);
}

#[test]
fn stopping_at_the_first_bad_record_says_so() {
    let (tally, seen) = run_over(DATA, ErrorPolicy::Stop, false);
    assert!(tally.stopped);
    assert_eq!((tally.read, tally.classified, tally.errors), (2, 1, 1));
    assert_eq!(seen.ids, ["a"]);
}

#[test]
fn stopping_after_n_bad_records_says_after_how_many_and_still_reconciles() {
    // a wrong id type, a line that is not UTF-8, a record without id: three bad records
    let data =
        b"{\"id\": \"a\"}\n{\"id\": 1}\n\xff\n{\"id\": \"b\"}\n{\"calls\": 1}\n{\"id\": \"c\"}\n";
    let (tally, seen) = run_over(data, ErrorPolicy::StopAfter(3), false);
    assert!(tally.stopped);
    assert_eq!(tally.stopped_after, Some(3));
    assert_eq!((tally.read, tally.classified, tally.errors), (5, 2, 3));
    assert_eq!(tally.read, tally.classified + tally.failed());
    assert_eq!(seen.ids, ["a", "b"]);
    let (tally, _) = run_over(data, ErrorPolicy::StopAfter(4), false);
    assert!(!tally.stopped && tally.stopped_after.is_none());
    assert_eq!((tally.read, tally.classified, tally.failed()), (6, 3, 3));
}

#[test]
fn reasons_are_given_per_classification_when_asked() {
    let (_, seen) = run_over(DATA, ErrorPolicy::Continue, true);
    assert_eq!(seen.reasons, 3);
}

#[test]
fn the_funnel_counts_each_value_in_funnel_order_and_none_last() {
    let (_, program) = program();
    let mut funnel = Funnel::new(&program);
    let outcome = |value| Outcome {
        value,
        decision: crate::semantics::Decision::Otherwise,
    };
    for v in [Some(0), Some(2), Some(2), None] {
        funnel.add(&[outcome(v)]);
    }
    assert_eq!(funnel.total(), 4);
    // stranger (otherwise) first, then lead, then prospect
    assert_eq!(
        funnel.counts(&program, 0),
        [(Some(2), 2), (Some(1), 0), (Some(0), 1), (None, 1)]
    );
}

#[test]
fn find_keeps_the_first_contact_and_notes_repeats_and_errors_in_order() {
    let (_, program) = program();
    let input = |text: &'static str| Input {
        name: "c.jsonl",
        format: InputFormat::Jsonl,
        text: text.as_bytes(),
    };
    let found = find(&program, input(DATA), "a");
    assert_eq!(found.first.as_ref().map(|c| c.line), Some(1));
    assert_eq!((found.more, found.second), (1, Some((4, 3))));
    assert_eq!(found.first_problem(), Some(true));
    let found = find(&program, input(DATA), "b");
    assert!(found.first.is_none());
    assert_eq!(found.first_problem(), Some(false));
    let found = find(&program, input(DATA), "zz");
    assert_eq!((found.first_problem(), found.skipped), (None, 1));
}

/// Many threads give the sink what one thread gives it, in the same order, with the same
/// counts and the same errors — whatever the error policy, and across batch boundaries.
#[test]
fn any_number_of_jobs_gives_the_same_run() {
    let mut text = String::new();
    for i in 0..5_000 {
        let line = match i % 97 {
            0 => format!("{{\"id\": \"x{i}\", \"calls\": \"many\"}}"),
            1 => "{\"id\": broken".to_string(),
            2 => format!("{{\"id\": \"x{}\", \"calls\": 1}}", i / 2),
            3 => String::new(),
            _ => format!("{{\"id\": \"x{i}\", \"calls\": {}}}", i % 4),
        };
        text.push_str(&line);
        text.push('\n');
    }
    for policy in [
        ErrorPolicy::Continue,
        ErrorPolicy::Stop,
        ErrorPolicy::StopAfter(40),
    ] {
        for reasons in [false, true] {
            let one = run_on(&text, policy, reasons, 1);
            assert_eq!(one.0.read, one.0.classified + one.0.failed());
            for jobs in 2..=4 {
                assert_eq!(
                    run_on(&text, policy, reasons, jobs),
                    one,
                    "{policy:?} {jobs} jobs"
                );
            }
        }
    }
}
