//! One input on several threads: workers take the next piece of the input (whole records,
//! cut while the input is read), decode and classify it (each with its own evaluator; the
//! program and the decoder are shared), and the calling thread hands the results to the
//! consumer in input order. Workers stay at most [`WINDOW`] pieces per worker ahead of the
//! consumer, so memory stays bounded however large the input, and they stop as soon as the
//! consumer does.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use super::{Consumer, Done, Options, Sink, classify};
use crate::compile::Program;
use crate::data::{Decoder, Pieces};
use crate::source::SourceMap;

/// How many pieces the workers may be ahead of the consumer, per worker.
const WINDOW: usize = 4;

/// What the workers share: the input not yet taken, the number of the next piece, how far
/// the consumer has got, and whether the run is over.
struct Progress<R> {
    pieces: Pieces<R>,
    next: usize,
    consumed: usize,
    done: bool,
    /// Batches the consumer is done with, to be dropped by a worker.
    taken: Vec<Vec<Done>>,
}

/// A piece decoded and classified: its records' results and the input read through it.
type Batch = (usize, Vec<Done>, Option<u64>);

/// Runs one input on `options.jobs` threads: `(whether the run goes on, whether the input
/// was blank)`.
pub(super) fn run<S: Sink, R: Read + Send>(
    program: &Program,
    sources: &SourceMap,
    decoder: &Decoder<'_>,
    pieces: Pieces<R>,
    index: usize,
    options: Options,
    consumer: &mut Consumer<'_, S>,
) -> Result<(bool, bool), S::Error> {
    let window = WINDOW * options.jobs;
    let name = decoder.file();
    let progress = Mutex::new(Progress {
        pieces,
        next: 0,
        consumed: 0,
        done: false,
        taken: Vec::new(),
    });
    let turn = Condvar::new();
    let (send, receive) = mpsc::channel::<Batch>();
    let go_on = std::thread::scope(|scope| {
        for _ in 0..options.jobs {
            let (progress, turn) = (&progress, &turn);
            let work = || {
                let send = send.clone();
                move || {
                    let mut evaluator = options.evaluator(program);
                    let mut records = Vec::new();
                    let mut spare = None;
                    loop {
                        let (index, piece, taken) = {
                            let Ok(mut p) = progress.lock() else { return };
                            if let Some(bytes) = spare.take() {
                                p.pieces.recycle(bytes);
                            }
                            let taken = std::mem::take(&mut p.taken);
                            while !p.done && p.next >= p.consumed + window {
                                p = match turn.wait(p) {
                                    Ok(p) => p,
                                    Err(_) => return,
                                };
                            }
                            if p.done {
                                return;
                            }
                            // reading happens under the lock: the input is read in order, once
                            let Some(piece) = p.pieces.next() else {
                                p.done = true;
                                turn.notify_all();
                                return;
                            };
                            p.next += 1;
                            (p.next - 1, piece, taken)
                        };
                        drop(taken);
                        let end = piece.end();
                        spare = decoder.decode(piece, &mut records);
                        let done = records
                            .drain(..)
                            .map(|record| {
                                classify(program, sources, &mut evaluator, name, options, record)
                            })
                            .collect();
                        if send.send((index, done, end)).is_err() {
                            return;
                        }
                    }
                }
            };
            // the stack that long chains of definitions need (reserved, not used, unless a
            // rule set needs it); where it cannot be reserved, the default one
            let spawned = std::thread::Builder::new()
                .stack_size(super::STACK_SIZE)
                .spawn_scoped(scope, work());
            if spawned.is_err() {
                scope.spawn(work());
            }
        }
        drop(send);
        let finish = || {
            if let Ok(mut p) = progress.lock() {
                p.done = true;
            }
            turn.notify_all();
        };
        let mut pending: BTreeMap<usize, (Vec<Done>, Option<u64>)> = BTreeMap::new();
        let mut expected = 0;
        loop {
            let (batch, end) = match pending.remove(&expected) {
                Some(batch) => batch,
                None => match receive.recv() {
                    Ok((index, batch, end)) => {
                        pending.insert(index, (batch, end));
                        continue;
                    }
                    // every worker is gone and every piece they made was taken
                    Err(_) => break,
                },
            };
            for done in &batch {
                match consumer.take(name, done) {
                    Ok(true) => {}
                    other => {
                        finish();
                        return other;
                    }
                }
            }
            if let Some(end) = end {
                consumer.sink.read(index, end);
            }
            expected += 1;
            if let Ok(mut p) = progress.lock() {
                p.consumed = expected;
                // the records are dropped by a worker, not by the one thread that hands
                // results to the sink
                p.taken.push(batch);
            }
            turn.notify_all();
        }
        finish();
        Ok(true)
    })?;
    let blank = go_on && progress.into_inner().is_ok_and(|p| p.pieces.blank());
    Ok((go_on, blank))
}
