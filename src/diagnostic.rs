//! Diagnostics: what every stage reports, the one table of codes, and did-you-mean.
//!
//! Stages collect [`Diagnostic`]s and never stop at the first; rendering (human or JSON)
//! lives in `cli::render`, so the core stays free of output concerns.

use crate::source::Span;

pub use crate::codes::{Code, Severity};

/// A secondary place that explains the primary one (e.g. "first defined here").
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub message: String,
}

/// One finding, located in the rule sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Stable code from the code table.
    pub code: Code,
    /// How serious it is.
    pub severity: Severity,
    /// One lowercase line without a final period; user text in backticks.
    pub message: String,
    /// The place the diagnostic is about.
    pub span: Span,
    /// What to say at the primary place.
    pub label: Option<String>,
    /// Other places that explain it.
    pub labels: Vec<Label>,
    /// How to fix it, where that is knowable.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span,
            label: None,
            labels: Vec::new(),
            help: None,
        }
    }

    /// Sets what to say at the primary place.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a secondary place.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the help text when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into source order (file, then position), keeping equal ones stable.
pub fn sort_in_source_order(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely
/// typo; used for "did you mean" help.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbouring characters each cost one (`compnay` → `company` is one edit).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("compnay", "company"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("größe", "grösse"), 2);
    }

    #[test]
    fn did_you_mean_picks_the_closest_plausible_name() {
        let names = ["company", "budget_eur", "seniority", "events"];
        assert_eq!(did_you_mean("compnay", names), Some("company"));
        assert_eq!(did_you_mean("senority", names), Some("seniority"));
        assert_eq!(did_you_mean("Events", names), Some("events"));
        assert_eq!(did_you_mean("revenue", names), None);
        assert_eq!(did_you_mean("x", names), None);
    }

    #[test]
    fn did_you_mean_is_deterministic_on_ties() {
        assert_eq!(did_you_mean("cat", ["cab", "car"]), Some("cab"));
        assert_eq!(did_you_mean("cat", ["car", "cab"]), Some("cab"));
    }
}
