//! Progress of a long `eval` on standard error: bytes read of the total, contacts, contacts
//! per second and the time left. Shown only when standard error is a terminal and the input
//! is large (or of unknown size, like a pipe); otherwise nothing is drawn and nothing costs.

use std::cell::Cell;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs of this many bytes or more get a progress bar: smaller ones are done in about a
/// second, before a bar would tell anything.
pub const LARGE: u64 = 64 << 20;

/// How a run's progress is shown, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Not at all.
    Hidden,
    /// A bar over the total size of the inputs, in bytes.
    Bar(u64),
    /// A counter: the size of some input (standard input, a pipe) is unknown.
    Counter,
}

/// How to show the progress of reading inputs of these sizes (`None`: unknown), given
/// whether standard error is a terminal.
pub fn shown(terminal: bool, sizes: &[Option<u64>]) -> Shown {
    if !terminal {
        return Shown::Hidden;
    }
    match sizes.iter().copied().sum::<Option<u64>>() {
        None => Shown::Counter,
        Some(total) if total >= LARGE => Shown::Bar(total),
        Some(_) => Shown::Hidden,
    }
}

/// The progress of a run over several inputs.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// Bytes of the inputs before each one.
    before: Vec<u64>,
    contacts: Cell<u64>,
    started: Instant,
}

impl Progress {
    /// Progress over inputs of these sizes, drawn on standard error as `shown` says.
    pub fn new(shown: Shown, sizes: &[Option<u64>]) -> Progress {
        let bar = match shown {
            Shown::Hidden => None,
            Shown::Bar(total) => Some(ProgressBar::with_draw_target(
                Some(total),
                ProgressDrawTarget::stderr_with_hz(4),
            )),
            Shown::Counter => Some(ProgressBar::with_draw_target(
                None,
                ProgressDrawTarget::stderr_with_hz(4),
            )),
        };
        if let Some(bar) = &bar {
            let template = match shown {
                Shown::Bar(_) => {
                    "{wide_bar} {decimal_bytes}/{decimal_total_bytes} \
                     {decimal_bytes_per_sec} {msg}, {eta} left"
                }
                _ => "{spinner} {decimal_bytes} {decimal_bytes_per_sec} {msg}",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
        }
        let mut before = Vec::with_capacity(sizes.len());
        let mut sum = 0;
        for size in sizes {
            before.push(sum);
            sum += size.unwrap_or(0);
        }
        Progress {
            bar,
            before,
            contacts: Cell::new(0),
            started: Instant::now(),
        }
    }

    /// Counts a record read.
    pub fn record(&self) {
        self.contacts.set(self.contacts.get() + 1);
    }

    /// `bytes` of input `input` have been read.
    pub fn read(&self, input: usize, bytes: u64) {
        let Some(bar) = &self.bar else { return };
        let before = self.before.get(input).copied().unwrap_or(0);
        bar.set_position(before + bytes);
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let contacts = self.contacts.get();
        let rate = contacts as f64 / seconds;
        bar.set_message(format!(
            "{} contacts ({}/s)",
            group(contacts),
            group(rate as u64)
        ));
    }

    /// Runs `f` (which writes to standard error) with the bar out of the way.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A count with thousands separated: `1,204,331`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_shows_only_on_a_terminal_for_large_or_unknown_input() {
        assert_eq!(shown(false, &[Some(LARGE * 10)]), Shown::Hidden);
        assert_eq!(shown(false, &[None]), Shown::Hidden);
        assert_eq!(shown(true, &[Some(1000)]), Shown::Hidden);
        assert_eq!(
            shown(true, &[Some(LARGE / 2), Some(LARGE / 2)]),
            Shown::Bar(LARGE)
        );
        assert_eq!(shown(true, &[Some(5), None]), Shown::Counter);
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_204_331), "1,204,331");
    }
}
