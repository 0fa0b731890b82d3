//! The batch run over small inputs: the tally reconciles, the policy decides what a bad
//! record costs, and sinks see every record in input order.

use super::*;
use crate::data::InputFormat;

const RULES: &str = "schema contact { id: string, calls: number? }\n\
classify stage {\n  prospect when calls >= 2\n  lead when calls >= 1\n  otherwise stranger\n}\n";

fn program() -> (SourceMap, Program) {
    let (sources, checked) = crate::testing::checked(RULES);
    (sources, crate::compile::compile(&checked))
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
    let inputs = vec![Input::bytes("c.jsonl", InputFormat::Jsonl, text.as_ref())];
    let options = Options {
        now: jiff::Timestamp::UNIX_EPOCH,
        on_error,
        reasons,
        jobs,
        classes: None,
        activities: &[],
        base: None,
    };
    let mut seen = Seen::default();
    let Ok(tally) = run(&program, &sources, inputs, options, &mut seen);
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
    let input = |text: &'static str| Input::bytes("c.jsonl", InputFormat::Jsonl, text.as_bytes());
    let found = find(&program, input(DATA), "a", &[]);
    assert_eq!(found.first.as_ref().map(|c| c.line), Some(1));
    assert_eq!((found.more, found.second), (1, Some((4, 3))));
    assert_eq!(found.first_problem(), Some(true));
    let found = find(&program, input(DATA), "b", &[]);
    assert!(found.first.is_none());
    assert_eq!(found.first_problem(), Some(false));
    let found = find(&program, input(DATA), "zz", &[]);
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

/// A reader that hands out a few bytes at a time (a pipe, a slow disk), so records are
/// cut at every kind of place.
struct Ragged<'a> {
    bytes: &'a [u8],
    steps: [usize; 3],
    turn: usize,
}

impl Read for Ragged<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.turn += 1;
        let step = self.steps[self.turn % self.steps.len()];
        let n = step.min(out.len()).min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Runs one input from `reader` with the given number of threads.
fn run_reader(
    format: InputFormat,
    reader: impl Read + Send,
    on_error: ErrorPolicy,
    jobs: usize,
) -> (Tally, Seen) {
    let (sources, program) = program();
    let options = Options {
        now: jiff::Timestamp::UNIX_EPOCH,
        on_error,
        reasons: false,
        jobs,
        classes: None,
        activities: &[],
        base: None,
    };
    let mut seen = Seen::default();
    let inputs = vec![Input::reader("c", format, reader)];
    let Ok(tally) = run(&program, &sources, inputs, options, &mut seen);
    (tally, seen)
}

const NOTE: &str = "met at the fair, wants a call back in spring";

/// The same contacts in each format, several chunks long, with bad records among them:
/// `(format, text)`. Good record `i` has id `x{i}` and `i % 4` calls.
fn inputs_in_every_format(records: usize) -> Vec<(InputFormat, Vec<u8>)> {
    let (mut jsonl, mut array, mut csv) =
        (Vec::new(), b"[\n".to_vec(), b"id,calls,note\n".to_vec());
    for i in 0..records {
        let (line, element, row): (Vec<u8>, Vec<u8>, Vec<u8>) = match i % 101 {
            0 => (
                format!("{{\"id\": \"x{i}\", \"calls\": \"many\"}}").into(),
                format!("{{\"id\": \"x{i}\", \"calls\": \"many\"}}").into(),
                format!("x{i},many,").into(),
            ),
            1 => (
                b"{\"id\": \"bad\xff\", \"calls\": 1}".to_vec(),
                b"{\"id\": \"bad\xff\", \"calls\": 1}".to_vec(),
                b"bad\xff,1,".to_vec(),
            ),
            2 => (
                format!("{{\"id\": \"x{i}\", \"calls\": 1, \"calls\": 2}}").into(),
                format!("{{\"id\": \"x{i}\",\n \"calls\": [1,\n 2]}}").into(),
                format!("x{i},\"1\n2\",").into(),
            ),
            // a note no rule reads, skipped unseen
            _ => (
                format!(
                    "{{\"id\": \"x{i}\", \"calls\": {}, \"note\": \"{NOTE}\"}}",
                    i % 4
                )
                .into(),
                format!(
                    "{{\"note\": [\"{NOTE}\"], \"id\": \"x{i}\", \"calls\": {}}}",
                    i % 4
                )
                .into(),
                format!("x{i},{},\"{NOTE}, \"\"quoted\"\"\"", i % 4).into(),
            ),
        };
        jsonl.extend_from_slice(&line);
        jsonl.push(b'\n');
        if i > 0 {
            array.extend_from_slice(b",\n  ");
        }
        array.extend_from_slice(&element);
        csv.extend_from_slice(&row);
        csv.extend_from_slice(b"\r\n");
    }
    array.extend_from_slice(b"\n]\n");
    vec![
        (InputFormat::Jsonl, jsonl),
        (InputFormat::Json, array),
        (InputFormat::Csv, csv),
    ]
}

/// Reading whole, in ragged reads, on one thread or several gives the sink the same
/// records and the same errors, in the same order, across many chunks; and the three
/// formats classify the same contacts alike.
#[test]
fn every_way_of_reading_gives_the_same_run() {
    let records = 20_000;
    let mut classified_alike = None;
    for (format, text) in inputs_in_every_format(records) {
        assert!(text.len() > 2 * crate::data::CHUNK_BYTES, "several chunks");
        for policy in [ErrorPolicy::Continue, ErrorPolicy::StopAfter(150)] {
            let whole = run_reader(format, text.as_slice(), policy, 1);
            assert_eq!(whole.0.read, whole.0.classified + whole.0.failed());
            for jobs in [1, 2, 3] {
                let ragged = Ragged {
                    bytes: &text,
                    steps: [1, 4093, 70_001],
                    turn: 0,
                };
                assert_eq!(
                    run_reader(format, ragged, policy, jobs),
                    whole,
                    "{format:?} {policy:?} {jobs} jobs"
                );
            }
            if policy == ErrorPolicy::Continue {
                assert_eq!(whole.0.read, records, "{format:?}");
                let bad = (0..records).filter(|i| i % 101 < 3).count();
                assert_eq!(whole.0.failed(), bad, "{format:?}");
                let classified = (whole.1.ids.clone(), whole.1.values.clone());
                match &classified_alike {
                    None => classified_alike = Some(classified),
                    Some(first) => assert_eq!(&classified, first, "{format:?}"),
                }
            }
        }
    }
}

/// A run stops reading at a broken array or a failed read, keeps what came before, and
/// says the rest of the input was lost.
#[test]
fn an_input_that_breaks_off_keeps_what_came_before() {
    let (tally, seen) = run_reader(
        InputFormat::Json,
        &br#"[{"id": "a", "calls": 1}, , {"id": "c"}]"#[..],
        ErrorPolicy::Continue,
        2,
    );
    assert_eq!(seen.ids, ["a"]);
    assert_eq!((tally.read, tally.errors, tally.lost.len()), (1, 1, 1));

    /// Gives its bytes, then fails.
    struct Failing(&'static [u8]);
    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("the disk went away"));
            }
            let n = self.0.len().min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    for jobs in [1, 2] {
        let (tally, seen) = run_reader(
            InputFormat::Jsonl,
            Failing(b"{\"id\": \"a\"}\n{\"id\": \"b\"}\n{\"id\": \"c"),
            ErrorPolicy::Continue,
            jobs,
        );
        assert_eq!(seen.ids, ["a", "b"]);
        assert_eq!(seen.errors, [Code::UnreadableData]);
        let e = &seen.error_details[0];
        assert_eq!((e.line, e.fatal), (Some(3), true));
        assert_eq!((tally.read, tally.lost.len()), (2, 1));
    }
}

#[test]
fn find_looks_for_a_numeric_id_written_any_way() {
    let program =
        crate::data::tests::plan("schema contact { id: number, n: number? }\nlet x = n > 1\n");
    let text = "{\"id\": 7, \"n\": 2}\n{\"id\": 8}\n";
    for asked in ["7", "007", "7.0", " 7 "] {
        let input = Input::bytes("c.jsonl", InputFormat::Jsonl, text.as_bytes());
        let found = find(&program, input, asked, &[]);
        assert_eq!(found.first.map(|c| c.id), Some("7".to_string()), "{asked}");
    }
}
