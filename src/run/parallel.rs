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
    /// Per worker, the pieces of it the consumer is done with, for the worker to recycle:
    /// its contacts' memory goes back to the pool of the thread that took it from there.
    taken: Vec<Vec<Done>>,
}

/// A piece decoded and classified: its number, the worker's, its records' results and the
/// input read through it.
type Batch = (usize, usize, Done, Option<u64>);

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
        taken: (0..options.jobs).map(|_| Vec::new()).collect(),
    });
    let turn = Condvar::new();
    let (send, receive) = mpsc::channel::<Batch>();
    let go_on = std::thread::scope(|scope| {
        for worker in 0..options.jobs {
            let (progress, turn) = (&progress, &turn);
            let work = || {
                let send = send.clone();
                move || {
                    let mut evaluators = options.evaluators(program);
                    let mut records = Vec::new();
                    let mut spare = None;
                    // pieces back from the consumer, and emptied ones to fill again
                    let mut taken = Vec::new();
                    let mut empty: Vec<Done> = Vec::new();
                    loop {
                        let (index, piece) = {
                            let Ok(mut p) = progress.lock() else { return };
                            if let Some(bytes) = spare.take() {
                                p.pieces.recycle(bytes);
                            }
                            // swapped, so that neither list allocates again
                            std::mem::swap(&mut taken, &mut p.taken[worker]);
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
                            (p.next - 1, piece)
                        };
                        for mut done in taken.drain(..) {
                            done.recycle();
                            empty.push(done);
                        }
                        let end = piece.end();
                        spare = decoder.decode(piece, &mut records);
                        let mut done = empty.pop().unwrap_or_default();
                        classify(
                            program,
                            sources,
                            &mut evaluators,
                            name,
                            options,
                            &mut records,
                            &mut done,
                        );
                        if send.send((index, worker, done, end)).is_err() {
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
        let mut pending: BTreeMap<usize, (usize, Done, Option<u64>)> = BTreeMap::new();
        let mut expected = 0;
        loop {
            let (worker, batch, end) = match pending.remove(&expected) {
                Some(batch) => batch,
                None => match receive.recv() {
                    Ok((index, worker, batch, end)) => {
                        pending.insert(index, (worker, batch, end));
                        continue;
                    }
                    // every worker is gone and every piece they made was taken
                    Err(_) => break,
                },
            };
            match consumer.take(name, &batch) {
                Ok(true) => {}
                other => {
                    finish();
                    return other;
                }
            }
            if let Some(end) = end {
                consumer.sink.read(index, end);
            }
            expected += 1;
            if let Ok(mut p) = progress.lock() {
                p.consumed = expected;
                // the records are recycled by the worker that made them, not dropped by the
                // one thread that hands results to the sink
                p.taken[worker].push(batch);
            }
            turn.notify_all();
        }
        finish();
        Ok(true)
    })?;
    let blank = go_on && progress.into_inner().is_ok_and(|p| p.pieces.blank());
    Ok((go_on, blank))
}
