//! "Did you mean" for unknown names, in time that does not grow with the square of the rule
//! set: comparing every unknown name with every definition cost 10 s for 5,000 `let`s that
//! misspell one field, and hours for a 10 MB rule file.
//!
//! The answer is the one [`did_you_mean`](crate::diagnostic::did_you_mean) gives over the
//! quantifier variables in scope, the definitions and the contact's fields; the part over
//! definitions and fields (which do not change while expressions are checked) is computed
//! once per name, only over candidates whose length can be close enough, and within a
//! budget past which no more suggestions are made.

use std::collections::HashMap;

use crate::diagnostic::edit_distance;

/// How many cells of edit-distance tables the suggestions of one check may fill: a few
/// tenths of a second. Only rule sets with thousands of different unknown names among
/// thousands of definitions of similar length reach it; their later unknown names get the
/// general help instead of a suggestion.
const BUDGET: usize = 100_000_000;

/// The definitions and fields a name can be a misspelling of, and the answers so far.
pub(super) struct Suggestions {
    /// Candidates by the length in characters of their lowercase form: the lowercase form
    /// and the name as written.
    by_length: Vec<Vec<(String, String)>>,
    /// Answers already given, by name: the distance and the candidate.
    known: HashMap<String, Option<(usize, String)>>,
    /// Table cells left to fill.
    budget: usize,
}

/// The most edits a candidate may be from `name` to be suggested, as in `did_you_mean`.
fn limit(name: &str) -> usize {
    (name.chars().count() / 3).max(1)
}

impl Suggestions {
    /// Suggestions among `candidates`.
    pub(super) fn new<'a>(candidates: impl IntoIterator<Item = &'a str>) -> Suggestions {
        let mut by_length: Vec<Vec<(String, String)>> = Vec::new();
        for name in candidates {
            let lower = name.to_lowercase();
            let length = lower.chars().count();
            if by_length.len() <= length {
                by_length.resize_with(length + 1, Vec::new);
            }
            by_length[length].push((lower, name.to_string()));
        }
        Suggestions {
            by_length,
            known: HashMap::new(),
            budget: BUDGET,
        }
    }

    /// The closest candidate to `name` and its distance, if one is close enough.
    pub(super) fn closest(&mut self, name: &str) -> Option<(usize, String)> {
        if let Some(known) = self.known.get(name) {
            return known.clone();
        }
        let limit = limit(name);
        let lower = name.to_lowercase();
        let length = lower.chars().count();
        let mut best: Option<(usize, String)> = None;
        // an edit changes the length by at most one
        'lengths: for candidates in self
            .by_length
            .iter()
            .take(length + limit + 1)
            .skip(length.saturating_sub(limit))
        {
            for (candidate_lower, candidate) in candidates {
                if candidate == name {
                    continue;
                }
                let cells = (length + 1) * (candidate_lower.chars().count() + 1);
                if cells > self.budget {
                    self.budget = 0;
                    best = None;
                    break 'lengths;
                }
                self.budget -= cells;
                let distance = edit_distance(&lower, candidate_lower);
                if distance <= limit
                    && best
                        .as_ref()
                        .is_none_or(|b| (distance, candidate.as_str()) < (b.0, b.1.as_str()))
                {
                    best = Some((distance, candidate.clone()));
                }
            }
        }
        self.known.insert(name.to_string(), best.clone());
        best
    }
}

/// The closest of a few `candidates` to `name` and its distance, as `did_you_mean` chooses.
pub(super) fn closest_of<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<(usize, &'a str)> {
    let limit = limit(name);
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::did_you_mean;

    /// The same answer as `did_you_mean` over the same candidates.
    #[test]
    fn suggestions_are_did_you_mean() {
        let candidates = [
            "company",
            "compnay",
            "size",
            "sizes",
            "Size",
            "stage",
            "budget_eur",
            "x",
            "xy",
            "İx",
            "employees",
            "employee_count",
            "a",
            "ab",
            "abc",
        ];
        let mut suggestions = Suggestions::new(candidates);
        for name in [
            "comapny", "company", "siz", "SIZE", "stgae", "budget", "x", "y", "ix", "İ",
            "employes", "abd", "", "zzzzzz", "a",
        ] {
            let expected = did_you_mean(name, candidates);
            for _ in 0..2 {
                let got = suggestions.closest(name);
                assert_eq!(got.as_ref().map(|(_, c)| c.as_str()), expected, "{name}");
                assert_eq!(
                    closest_of(name, candidates).map(|(_, c)| c),
                    expected,
                    "{name}"
                );
            }
        }
    }
}
