//! The batch run, shared by every command that reads contacts: records in, one outcome
//! per classification out, with a [`Tally`] that reconciles (read = classified + failed),
//! under an error policy, into a [`Sink`].
//!
//! Architecture invariant: commands (`eval` today; `diff` and `report` next) do not count,
//! decide what a bad record costs, look for repeated ids or turn a runtime error into a
//! data error themselves — they call [`run`] and render what their sink received. The
//! module opens nothing: inputs arrive as readers (a file, standard input, bytes in
//! memory) and are read as streams, a few chunks at a time; results leave through the sink.

mod find;
mod ids;
mod parallel;

use std::io::Read;

use jiff::Timestamp;

use crate::codes::Code;
use crate::compile::{Node, Program, Stray};
use crate::data::{self, Contact, DataError, DataProblem, Decoder, InputFormat, Pieces};
use crate::eval::{Evaluator, Outcome, RuntimeError};
use crate::explain::{self, Reason};
use crate::source::SourceMap;

pub use find::{Found, find};

/// Stack of every thread that evaluates or walks a rule set: definitions chain up to
/// [`crate::check::MAX_CHAIN`] deep, each with expressions up to
/// [`crate::syntax::MAX_NESTING`] deep, and the stages follow them recursively. The memory
/// is reserved, not used, unless a rule set needs it.
pub const STACK_SIZE: usize = 512 << 20;

/// What a record that cannot be read or classified costs the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPolicy {
    /// Report it and go on with the next record.
    Continue,
    /// Stop the run at the first one.
    Stop,
    /// Go on until this many (at least one) could not be read or classified, then stop.
    StopAfter(usize),
}

impl ErrorPolicy {
    /// Whether a run that has seen `errors` bad records stops now.
    fn stops_at(self, errors: usize) -> bool {
        match self {
            ErrorPolicy::Continue => false,
            ErrorPolicy::Stop => true,
            ErrorPolicy::StopAfter(limit) => errors >= limit,
        }
    }
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct Options<'o> {
    /// The evaluation instant `now`.
    pub now: Timestamp,
    /// What a bad record costs.
    pub on_error: ErrorPolicy,
    /// Whether to give the sink a short reason per classification.
    pub reasons: bool,
    /// How many threads decode and classify (1: the calling thread alone).
    pub jobs: usize,
    /// `Some`: the classifications the sink reads (indices in definition order); only they
    /// and what they use are evaluated, the other outcomes are no row (see
    /// [`Evaluator::select`]). `None`: all.
    pub classes: Option<&'o [usize]>,
    /// Files of activities joined to every contact (see [`data::Activities`]).
    pub activities: &'o [data::Activities],
    /// A second rule set every contact is also classified by, with all its
    /// classifications: what `diff` compares the program with.
    pub base: Option<Base<'o>>,
}

/// The rule set a run compares with ([`Options::base`]). Its field plan must be the start
/// of the program's (the program compiled with [`crate::compile::compile_onto`] it), so
/// that one decoded contact serves both.
#[derive(Debug, Clone, Copy)]
pub struct Base<'o> {
    /// Its program.
    pub program: &'o Program,
    /// Its sources, to quote in its runtime errors.
    pub sources: &'o SourceMap,
}

impl<'o> Options<'o> {
    /// The evaluators of a run under these options.
    fn evaluators<'p>(&self, program: &'p Program) -> Evaluators<'p>
    where
        'o: 'p,
    {
        let mut main = Evaluator::new(program, self.now);
        if let Some(classes) = self.classes {
            main.select(classes);
        }
        Evaluators {
            main,
            base: self.base.map(|b| (b, Evaluator::new(b.program, self.now))),
            base_narrowed: self
                .base
                .map_or_else(Vec::new, |b| b.program.plan().narrowings(program.plan())),
            shared: self.base.map_or_else(Default::default, |b| {
                crate::compile::shared(b.program, program)
            }),
        }
    }
}

/// One thread's evaluators: the program's, and the base's when the run compares.
struct Evaluators<'p> {
    main: Evaluator<'p>,
    base: Option<(Base<'p>, Evaluator<'p>)>,
    /// The fields the base reads as a narrower enum than the program's plan decodes.
    base_narrowed: Vec<crate::compile::Narrowing>,
    /// What the base computes as the program does, taken from the program's evaluator.
    shared: crate::compile::Shared,
}

/// One input: a named stream of bytes in a known format.
pub struct Input<'t> {
    /// The name used in errors (a path, or `<stdin>`).
    pub name: &'t str,
    /// Its format.
    pub format: InputFormat,
    /// Its bytes, meant to be UTF-8 text: a record that is not is an error of that record.
    pub reader: Box<dyn Read + Send + 't>,
    /// The mapping's source that reads it, if any.
    pub source: Option<&'t crate::mapping::Source>,
}

impl<'t> Input<'t> {
    /// An input read from `reader`.
    pub fn reader(name: &'t str, format: InputFormat, reader: impl Read + Send + 't) -> Self {
        Input {
            name,
            format,
            reader: Box::new(reader),
            source: None,
        }
    }

    /// The same input, read through a mapping's source.
    pub fn through(self, source: Option<&'t crate::mapping::Source>) -> Self {
        Input { source, ..self }
    }

    /// An input held in memory.
    pub fn bytes(name: &'t str, format: InputFormat, text: &'t [u8]) -> Self {
        Input::reader(name, format, text)
    }
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// One classified contact, as the sink receives it.
#[derive(Debug, Clone, Copy)]
pub struct Classified<'r> {
    /// The decoded contact.
    pub contact: &'r Contact,
    /// One outcome per classification, in definition order.
    pub outcomes: &'r [Outcome],
    /// With [`Options::reasons`]: the short reason per classification (else empty).
    pub reasons: &'r [Reason],
    /// With [`Options::base`]: the base's outcome per classification of the base, in its
    /// definition order (else empty).
    pub base: &'r [Outcome],
}

/// Where a run's results go, in input order.
pub trait Sink {
    /// Why the sink cannot take more (a closed output).
    type Error;
    /// A contact was classified.
    fn classified(&mut self, record: Classified<'_>) -> Result<(), Self::Error>;
    /// A record could not be read or classified.
    fn failed(&mut self, error: &DataError) -> Result<(), Self::Error>;
    /// An input held nothing but whitespace: no records at all.
    fn empty(&mut self, _input: &str) -> Result<(), Self::Error> {
        Ok(())
    }
    /// A CSV input lacks a column its mapping reads (also in [`Tally::absent_columns`]),
    /// before any of its records.
    fn absent_column(&mut self, _column: &AbsentColumn) {}
    /// `bytes` of input number `input` (in the order given to [`run`]) have been read and
    /// their records given to the sink (for progress).
    fn read(&mut self, _input: usize, _bytes: u64) {}
}

/// The counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records read (a record whose file could not be read further is not counted).
    pub read: usize,
    /// Contacts classified.
    pub classified: usize,
    /// Errors reported, including those that stopped reading a file.
    pub errors: usize,
    /// Of those, the errors of files of activities that fail no one contact: records whose
    /// contact is unknown, a file that changed while it was read.
    pub activity_errors: usize,
    /// Contacts whose id was seen before in the run.
    pub repeated_ids: usize,
    /// The first repeated id.
    pub first_repeat: Option<String>,
    /// Inputs whose rest could not be read after an error.
    pub lost: Vec<String>,
    /// Whether the run stopped at a bad record (`ErrorPolicy::Stop` or `StopAfter`).
    pub stopped: bool,
    /// With `ErrorPolicy::StopAfter(n)`, `n` when the run stopped there.
    pub stopped_after: Option<usize>,
    /// Columns a mapping reads that a CSV file does not have.
    pub absent_columns: Vec<AbsentColumn>,
    /// Per file of activities, what was joined (empty when the run stopped early: the
    /// contacts it did not read could have taken the activities counted as orphans).
    pub joins: Vec<data::JoinCounts>,
}

/// A column a mapping reads that a CSV file does not have (its values are all missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsentColumn {
    /// The file.
    pub file: String,
    /// The header the mapping names.
    pub header: String,
    /// The field it would fill.
    pub field: String,
    /// A header of the file equal to it but for letter case, or spelt nearly as it is.
    pub near: Option<String>,
    /// A header of the file that fills the field under the field's own name instead.
    pub filled_by: Option<String>,
}

impl Tally {
    /// Records read but not classified.
    pub fn failed(&self) -> usize {
        self.read - self.classified
    }

    /// Notes that the run stops at a bad record under `policy`.
    fn stop(&mut self, policy: ErrorPolicy) {
        self.stopped = true;
        if let ErrorPolicy::StopAfter(n) = policy {
            self.stopped_after = Some(n);
        }
    }
}

/// The records of one piece after decoding and classifying, in input order: each the
/// contact classified, or why it could not be read or classified. The outcomes of the
/// classified contacts (and, when asked, their short reasons) are in one buffer each, one
/// per classification for each classified contact in turn. A run reuses it from piece to
/// piece and recycles its contacts once the sink has seen them, so that the steady state of
/// a run allocates nothing per contact.
#[derive(Default)]
struct Done {
    records: Vec<Result<Contact, Box<DataError>>>,
    /// Outcomes per classified contact: the program's classifications.
    classes: usize,
    outcomes: Vec<Outcome>,
    /// Reasons per classified contact: `classes`, or none when not asked for.
    reasons_each: usize,
    reasons: Vec<Reason>,
    /// The reasons of the contact being worded (see [`explain::short_reasons`]).
    scratch: Vec<Reason>,
    /// Outcomes of the base per classified contact (see [`Options::base`]): the base's
    /// classifications, or none.
    base_each: usize,
    base: Vec<Outcome>,
}

impl Done {
    /// Empties it for the next piece, handing its contacts' memory back to this thread.
    fn recycle(&mut self) {
        // a record that failed has no contact left to give back
        for contact in self.records.drain(..).flatten() {
            contact.recycle();
        }
        self.outcomes.clear();
        self.reasons.clear();
        self.base.clear();
    }
}

/// Decodes and classifies every record of `inputs` in order, giving each result to `sink`.
/// Inputs are read as streams: memory holds a few chunks of records, whatever their size.
/// With `options.jobs` above 1, chunks are decoded and classified on that many threads; the
/// sink still sees them in input order, with the same results and messages.
pub fn run<S: Sink>(
    program: &Program,
    sources: &SourceMap,
    inputs: Vec<Input<'_>>,
    options: Options<'_>,
    sink: &mut S,
) -> Result<Tally, S::Error> {
    let mut consumer = Consumer {
        on_error: options.on_error,
        tally: Tally::default(),
        seen: ids::SeenIds::new(),
        sink,
    };
    // activity records that could not be read and name no known contact are errors of
    // the run, reported before any contact
    for problem in options.activities.iter().flat_map(|a| a.problems()) {
        consumer.tally.errors += 1;
        consumer.tally.activity_errors += 1;
        consumer.sink.failed(problem)?;
        // a bad activity is a bad record: `--on-error fail` stops before any contact
        if consumer.on_error.stops_at(consumer.tally.errors) {
            consumer.tally.stop(consumer.on_error);
            return Ok(consumer.tally);
        }
    }
    // a file of activities that changed since it was read classifies no contact
    let changed: Vec<data::DataError> = options
        .activities
        .iter()
        .filter_map(|a| a.changed())
        .collect();
    for e in &changed {
        consumer.tally.errors += 1;
        consumer.tally.activity_errors += 1;
        consumer.sink.failed(e)?;
    }
    if !changed.is_empty() {
        return Ok(consumer.tally);
    }
    let mut finished = true;
    let plan = data::Activities::relaxed(program.plan(), options.activities);
    for (index, input) in inputs.into_iter().enumerate() {
        let name = input.name;
        let (decoder, pieces) = data::open(input.format, name, input.reader, &plan, input.source);
        let decoder = decoder.joined(options.activities);
        for a in decoder.absent_columns() {
            let absent = AbsentColumn {
                file: name.to_string(),
                header: a.header.clone(),
                field: a.field.clone(),
                near: a.near.clone(),
                filled_by: a.filled_by.clone(),
            };
            consumer.sink.absent_column(&absent);
            consumer.tally.absent_columns.push(absent);
        }
        let (go_on, blank) = if options.jobs > 1 {
            parallel::run(
                program,
                sources,
                &decoder,
                pieces,
                index,
                options,
                &mut consumer,
            )?
        } else {
            sequential(
                program,
                sources,
                &decoder,
                pieces,
                index,
                options,
                &mut consumer,
            )?
        };
        if blank {
            consumer.sink.empty(name)?;
        }
        if !go_on {
            finished = false;
            break;
        }
    }
    // or changed while contacts were joined to it: their results may be wrong
    for e in options.activities.iter().filter_map(|a| a.changed()) {
        consumer.tally.errors += 1;
        consumer.tally.activity_errors += 1;
        consumer.sink.failed(&e)?;
    }
    if finished {
        consumer.tally.joins = options.activities.iter().map(|a| a.counts()).collect();
    }
    Ok(consumer.tally)
}

/// Runs one input on the calling thread: `(whether the run goes on, whether the input was
/// blank)`.
fn sequential<S: Sink, R: Read>(
    program: &Program,
    sources: &SourceMap,
    decoder: &Decoder<'_>,
    mut pieces: Pieces<R>,
    index: usize,
    options: Options<'_>,
    consumer: &mut Consumer<'_, S>,
) -> Result<(bool, bool), S::Error> {
    let mut evaluators = options.evaluators(program);
    let mut records = Vec::new();
    let mut done = Done::default();
    let name = decoder.file();
    while let Some(piece) = pieces.next() {
        let end = piece.end();
        if let Some(bytes) = decoder.decode(piece, &mut records) {
            pieces.recycle(bytes);
        }
        classify(
            program,
            sources,
            &mut evaluators,
            name,
            options,
            &mut records,
            &mut done,
        );
        let go_on = consumer.take(name, &done)?;
        done.recycle();
        if !go_on {
            return Ok((false, false));
        }
        if let Some(end) = end {
            consumer.sink.read(index, end);
        }
    }
    Ok((true, pieces.blank()))
}

/// Classifies the decoded records of one piece (and gives their short reasons when asked)
/// into `done` (empty), taking them out of `records`.
fn classify<'p>(
    program: &'p Program,
    sources: &SourceMap,
    evaluators: &mut Evaluators<'p>,
    name: &str,
    options: Options<'_>,
    records: &mut Vec<Result<Contact, Box<DataError>>>,
    done: &mut Done,
) {
    done.classes = program.classes().len();
    done.reasons_each = if options.reasons { done.classes } else { 0 };
    done.base_each = evaluators
        .base
        .as_ref()
        .map_or(0, |(b, _)| b.program.classes().len());
    for record in records.drain(..) {
        let classified = record.and_then(|contact| {
            // sharing a plan, each rule set refuses the enum values only the other knows
            let plan = program.plan();
            for (narrowed, base) in [
                (program.narrowed(), false),
                (&evaluators.base_narrowed[..], true),
            ] {
                if let Some(stray) = plan.stray(narrowed, &contact.slots) {
                    return Err(Box::new(stray_error(name, &contact, stray, base)));
                }
            }
            let (start, reasons_start) = (done.outcomes.len(), done.reasons.len());
            let evaluator = &mut evaluators.main;
            match evaluator.classify_into(&contact.slots, &mut done.outcomes) {
                Ok(()) => {
                    if options.reasons {
                        explain::short_reasons(
                            program,
                            sources,
                            evaluator,
                            &contact.slots,
                            &done.outcomes[start..],
                            &mut done.scratch,
                        );
                        done.reasons.append(&mut done.scratch);
                    }
                }
                Err(e) => {
                    let mut error = runtime_error(sources, program, name, &contact, e);
                    if evaluators.base.is_some() {
                        error.problem = DataProblem::Under {
                            base: false,
                            problem: Box::new(error.problem),
                        };
                    }
                    return Err(Box::new(error));
                }
            }
            if let Some((base, evaluator)) = &mut evaluators.base
                && let Err(e) = evaluator.classify_sharing(
                    &contact.slots,
                    &mut done.base,
                    &evaluators.main,
                    &evaluators.shared,
                )
            {
                // a contact one rule set cannot classify keeps no outcome of the other
                done.outcomes.truncate(start);
                done.reasons.truncate(reasons_start);
                let mut error = runtime_error(base.sources, base.program, name, &contact, e);
                error.problem = DataProblem::Under {
                    base: true,
                    problem: Box::new(error.problem),
                };
                return Err(Box::new(error));
            }
            Ok(contact)
        });
        done.records.push(classified);
    }
}

/// Takes records in input order: counts them, notes repeated ids, applies the error
/// policy and passes each on to the sink.
struct Consumer<'s, S> {
    on_error: ErrorPolicy,
    tally: Tally,
    seen: ids::SeenIds,
    sink: &'s mut S,
}

impl<S: Sink> Consumer<'_, S> {
    /// Takes the records of the next piece of input `name`, in order; `false` when the run
    /// stops at one of them (the rest are not taken).
    fn take(&mut self, name: &str, done: &Done) -> Result<bool, S::Error> {
        let (classes, reasons_each) = (done.classes, done.reasons_each);
        let (mut outcomes, mut reasons) = (done.outcomes.as_slice(), done.reasons.as_slice());
        let mut base = done.base.as_slice();
        let tally = &mut self.tally;
        for record in &done.records {
            match record {
                Ok(contact) => {
                    let (these, rest) = outcomes.split_at(classes.min(outcomes.len()));
                    outcomes = rest;
                    let (why, rest) = reasons.split_at(reasons_each.min(reasons.len()));
                    reasons = rest;
                    let (was, rest) = base.split_at(done.base_each.min(base.len()));
                    base = rest;
                    tally.read += 1;
                    tally.classified += 1;
                    if !self.seen.insert(&contact.id) {
                        tally.repeated_ids += 1;
                        tally.first_repeat.get_or_insert_with(|| contact.id.clone());
                    }
                    self.sink.classified(Classified {
                        contact,
                        outcomes: these,
                        reasons: why,
                        base: was,
                    })?;
                }
                Err(error) => {
                    if error.fatal {
                        tally.lost.push(name.to_string());
                    } else {
                        tally.read += 1;
                    }
                    tally.errors += 1;
                    self.sink.failed(error)?;
                    if self.on_error.stops_at(tally.errors) {
                        tally.stop(self.on_error);
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }
}

/// A runtime error of a rule set without schema, as a located data error of its contact.
/// The error of a contact with an enum value one of two compared rule sets does not know.
fn stray_error(file: &str, contact: &Contact, stray: Stray, base: bool) -> DataError {
    DataError {
        code: Code::BadEnumValue,
        file: file.to_string(),
        line: Some(contact.line),
        column: None,
        id: Some(contact.id.clone()),
        field: Some(stray.path),
        cell: None,
        problem: DataProblem::Under {
            base,
            problem: Box::new(DataProblem::NotInEnum {
                found: data::Found::text(&stray.found),
                allowed: stray.allowed,
                near: None,
            }),
        },
        fatal: false,
    }
}

pub fn runtime_error(
    sources: &SourceMap,
    program: &Program,
    file: &str,
    contact: &Contact,
    error: RuntimeError,
) -> DataError {
    let node = error.node;
    let field = match program.node(node) {
        Node::Field { layout, slot, .. } => {
            Some(program.plan().records[*layout].field_path(*slot as usize))
        }
        _ => None,
    };
    let rule_text = sources.slice(program.span(node));
    DataError {
        code: Code::RuntimeType,
        file: file.to_string(),
        line: Some(contact.line),
        column: None,
        id: Some(contact.id.clone()),
        field,
        cell: None,
        problem: DataProblem::Runtime {
            rule: rule_text.to_string(),
            fault: error.fault,
        },
        fatal: false,
    }
}

/// Counts per value of each classification: what `eval --summary` shows.
#[derive(Debug, Clone)]
pub struct Funnel {
    /// Per classification: a count per value index, then the count of no value.
    counts: Vec<Vec<usize>>,
    total: usize,
}

impl Funnel {
    /// Empty counts for a program's classifications.
    pub fn new(program: &Program) -> Funnel {
        Funnel {
            counts: program
                .classes
                .iter()
                .map(|c| vec![0; c.values.len() + 1])
                .collect(),
            total: 0,
        }
    }

    /// Counts one contact's outcomes.
    pub fn add(&mut self, outcomes: &[Outcome]) {
        self.total += 1;
        for (counts, outcome) in self.counts.iter_mut().zip(outcomes) {
            let none = counts.len() - 1;
            counts[outcome.value.unwrap_or(none)] += 1;
        }
    }

    /// How many contacts were counted.
    pub fn total(&self) -> usize {
        self.total
    }

    /// One classification's counts in funnel order (least advanced first), no value
    /// (`None`) last.
    pub fn counts(&self, program: &Program, class: usize) -> Vec<(Option<usize>, usize)> {
        let counts = &self.counts[class];
        let mut out: Vec<(Option<usize>, usize)> = program.classes()[class]
            .funnel_order()
            .into_iter()
            .map(|v| (Some(v), counts[v]))
            .collect();
        out.push((None, counts[counts.len() - 1]));
        out
    }
}

#[cfg(test)]
mod tests;
