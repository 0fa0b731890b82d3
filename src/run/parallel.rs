//! JSON Lines on several threads: the lines are cut into batches, workers decode and
//! classify whole batches (each with its own evaluator; the program is shared), and the
//! calling thread hands the results to the consumer in input order. Workers stay at most
//! [`WINDOW`] batches ahead of the consumer, so memory stays bounded however large the
//! input, and they stop as soon as the consumer does.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use super::{Consumer, Done, Input, Options, Sink, classify};
use crate::compile::Program;
use crate::data;
use crate::eval::Evaluator;
use crate::source::SourceMap;

/// Lines per batch: large enough that handing a batch over costs little against decoding it.
const BATCH: usize = 512;

/// How many batches the workers may be ahead of the consumer, per worker.
const WINDOW: usize = 4;

/// What the workers share: the records not yet taken, the number of the next batch, how
/// far the consumer has got, and whether the run is over.
struct Progress<R> {
    records: R,
    next: usize,
    consumed: usize,
    done: bool,
}

/// Runs one JSON Lines input on `options.jobs` threads; `false` when the run stopped.
pub(super) fn jsonl<S: Sink>(
    program: &Program,
    sources: &SourceMap,
    input: &Input<'_>,
    options: Options,
    consumer: &mut Consumer<'_, S>,
) -> Result<bool, S::Error> {
    let window = WINDOW * options.jobs;
    // batches are cut from the records as workers take them, so nothing is held per line
    // beyond the window
    let progress = Mutex::new(Progress {
        records: data::jsonl_records(input.text),
        next: 0,
        consumed: 0,
        done: false,
    });
    let turn = Condvar::new();
    let (send, receive) = mpsc::channel::<(usize, Vec<Done>)>();
    std::thread::scope(|scope| {
        for _ in 0..options.jobs {
            let send = send.clone();
            let (progress, turn) = (&progress, &turn);
            scope.spawn(move || {
                let mut evaluator = Evaluator::new(program, options.now);
                loop {
                    let (index, batch) = {
                        let Ok(mut p) = progress.lock() else { return };
                        while !p.done && p.next >= p.consumed + window {
                            p = match turn.wait(p) {
                                Ok(p) => p,
                                Err(_) => return,
                            };
                        }
                        if p.done {
                            return;
                        }
                        let batch: Vec<(usize, &[u8])> = p.records.by_ref().take(BATCH).collect();
                        if batch.is_empty() {
                            p.done = true;
                            turn.notify_all();
                            return;
                        }
                        p.next += 1;
                        (p.next - 1, batch)
                    };
                    let done = batch
                        .into_iter()
                        .map(|(number, line)| {
                            let record =
                                data::decode_jsonl_record(input.name, number, line, program.plan());
                            classify(
                                program,
                                sources,
                                &mut evaluator,
                                input.name,
                                options,
                                record,
                            )
                        })
                        .collect();
                    if send.send((index, done)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        let finish = || {
            if let Ok(mut p) = progress.lock() {
                p.done = true;
            }
            turn.notify_all();
        };
        let mut pending: BTreeMap<usize, Vec<Done>> = BTreeMap::new();
        let mut expected = 0;
        loop {
            let batch = match pending.remove(&expected) {
                Some(batch) => batch,
                None => match receive.recv() {
                    Ok((index, batch)) => {
                        pending.insert(index, batch);
                        continue;
                    }
                    // every worker is gone and every batch they made was taken
                    Err(_) => break,
                },
            };
            for done in batch {
                match consumer.take(input.name, done) {
                    Ok(true) => {}
                    other => {
                        finish();
                        return other;
                    }
                }
            }
            expected += 1;
            if let Ok(mut p) = progress.lock() {
                p.consumed = expected;
            }
            turn.notify_all();
        }
        finish();
        Ok(true)
    })
}
