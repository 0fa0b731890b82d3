//! Row selection, the rule that gives a classification its value: when the guard is true
//! (or there is none), the first row whose condition is *true* decides; when no row does,
//! `otherwise` does (or there is no value). An unknown condition does not match, as in
//! SQL's `WHERE`.
//!
//! The rule is stated twice here and nowhere else: [`select`] for known truths (the
//! evaluator), and [`decides_with`] for sets of possible truths (the lint analysis and `diff`),
//! which a test checks against `select` on every combination.

/// What gave a classification its value for one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The guard was not true: the classification does not apply (no value).
    Guard,
    /// The row at this position (0-based, top to bottom) was the first true one.
    Row(usize),
    /// No row was true and `otherwise` gave the value.
    Otherwise,
    /// No row was true and there is no `otherwise` (no value).
    NoRow,
}

/// A condition of a classification: its guard or one of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The guard (`classify NAME for CONDITION`).
    Guard,
    /// The row at this position.
    Row(usize),
}

/// Selects the deciding row. `holds(part)` tells whether a condition is true: the guard
/// is asked first (when there is one), then rows top to bottom until one is true, so rows
/// below the decision are never evaluated. It may fail (a value a rule cannot use); the
/// first failure is returned.
pub fn select<E>(
    has_guard: bool,
    rows: usize,
    has_otherwise: bool,
    mut holds: impl FnMut(Part) -> Result<bool, E>,
) -> Result<Decision, E> {
    if has_guard && !holds(Part::Guard)? {
        return Ok(Decision::Guard);
    }
    for i in 0..rows {
        if holds(Part::Row(i))? {
            return Ok(Decision::Row(i));
        }
    }
    Ok(if has_otherwise {
        Decision::Otherwise
    } else {
        Decision::NoRow
    })
}

/// What may be so of a condition whose truth is not known exactly: whether it can be
/// true, and whether it can be not true (false or unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Possible {
    /// It can be true.
    pub can_hold: bool,
    /// It can be false or unknown.
    pub can_fail: bool,
}

impl Possible {
    /// A condition known to hold or known not to.
    pub fn exactly(holds: bool) -> Possible {
        Possible {
            can_hold: holds,
            can_fail: !holds,
        }
    }
}

/// Whether `target` is the decision for conditions that may each be true or not, the rows
/// given by position (`row(i)` for `i < rows`): `Some(true)` when it surely is,
/// `Some(false)` when it surely is not, `None` when it depends. Rows are independent here; a
/// caller that knows how they relate (the lint analysis) searches assignments and asks again.
pub fn decides_with(
    guard: Option<Possible>,
    rows: usize,
    row: impl Fn(usize) -> Possible,
    target: Decision,
) -> Option<bool> {
    // each decision is a conjunction of requirements on the guard and the rows: `(p, true)`
    // asks that `p` hold, `(p, false)` that it not hold
    let applies = guard.unwrap_or(Possible::exactly(true));
    let (must_hold, must_fail) = match target {
        Decision::Guard if guard.is_none() => return Some(false),
        Decision::Guard => return both([(applies, false)].into_iter()),
        Decision::Row(r) if r >= rows => return Some(false),
        Decision::Row(r) => (Some(row(r)), r),
        Decision::Otherwise | Decision::NoRow => (None, rows),
    };
    let requirements = std::iter::once((applies, true))
        .chain((0..must_fail).map(|i| (row(i), false)))
        .chain(must_hold.map(|p| (p, true)));
    both(requirements)
}

/// Whether requirements on possible truths surely hold together, surely not, or maybe.
fn both(mut requirements: impl Iterator<Item = (Possible, bool)> + Clone) -> Option<bool> {
    let must = requirements
        .clone()
        .all(|(p, hold)| if hold { !p.can_fail } else { !p.can_hold });
    let may = requirements.all(|(p, hold)| if hold { p.can_hold } else { p.can_fail });
    if must {
        Some(true)
    } else if !may {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concrete(guard: Option<bool>, rows: &[bool], otherwise: bool) -> Decision {
        let result: Result<Decision, ()> =
            select(guard.is_some(), rows.len(), otherwise, |part| match part {
                Part::Guard => Ok(guard.unwrap_or(true)),
                Part::Row(i) => Ok(rows[i]),
            });
        result.unwrap_or(Decision::NoRow)
    }

    #[test]
    fn select_takes_the_first_true_row_after_the_guard() {
        assert_eq!(
            concrete(None, &[false, true, true], false),
            Decision::Row(1)
        );
        assert_eq!(concrete(Some(false), &[true], true), Decision::Guard);
        assert_eq!(concrete(Some(true), &[false], true), Decision::Otherwise);
        assert_eq!(concrete(None, &[false], false), Decision::NoRow);
    }

    #[test]
    fn rows_below_the_decision_are_not_evaluated() {
        let mut asked = Vec::new();
        let decision: Result<Decision, ()> = select(false, 3, false, |part| {
            asked.push(part);
            Ok(part == Part::Row(1))
        });
        assert_eq!(decision, Ok(Decision::Row(1)));
        assert_eq!(asked, [Part::Row(0), Part::Row(1)]);
    }

    /// `decides_with` on exact truths agrees with `select`, and on sets of truths it says
    /// "surely" or "surely not" only when every concrete choice agrees.
    #[test]
    fn decides_agrees_with_select_on_every_combination() {
        let sets = [
            Possible::exactly(true),
            Possible::exactly(false),
            Possible {
                can_hold: true,
                can_fail: true,
            },
        ];
        let choices = |p: Possible| {
            let mut c = Vec::new();
            if p.can_hold {
                c.push(true);
            }
            if p.can_fail {
                c.push(false);
            }
            c
        };
        for n in 0..3usize {
            for has_guard in [false, true] {
                let slots = n + usize::from(has_guard);
                for code in 0..3usize.pow(slots as u32) {
                    let picks: Vec<Possible> = (0..slots)
                        .map(|i| sets[code / 3usize.pow(i as u32) % 3])
                        .collect();
                    let (guard, rows) = if has_guard {
                        (Some(picks[0]), &picks[1..])
                    } else {
                        (None, &picks[..])
                    };
                    // every concrete assignment of the sets
                    let mut outcomes = Vec::new();
                    let mut stack = vec![Vec::new()];
                    while let Some(prefix) = stack.pop() {
                        if prefix.len() == slots {
                            outcomes.push(prefix);
                            continue;
                        }
                        for b in choices(picks[prefix.len()]) {
                            let mut next = prefix.clone();
                            next.push(b);
                            stack.push(next);
                        }
                    }
                    for otherwise in [false, true] {
                        let targets = (0..n).map(Decision::Row).chain([
                            Decision::Guard,
                            Decision::NoRow,
                            Decision::Otherwise,
                        ]);
                        for target in targets {
                            let results: Vec<bool> = outcomes
                                .iter()
                                .map(|o| {
                                    let (g, r) = if has_guard {
                                        (Some(o[0]), &o[1..])
                                    } else {
                                        (None, &o[..])
                                    };
                                    concrete(g, r, otherwise) == target
                                })
                                .collect();
                            let expected = if results.iter().all(|&b| b) {
                                Some(true)
                            } else if results.iter().all(|&b| !b) {
                                Some(false)
                            } else {
                                None
                            };
                            // `decides_with` treats otherwise and no-row alike: which of them
                            // applies is fixed by the rule set, not by the contact
                            let fixed = match target {
                                Decision::Otherwise if !otherwise => continue,
                                Decision::NoRow if otherwise => continue,
                                t => t,
                            };
                            assert_eq!(
                                decides_with(guard, rows.len(), |i| rows[i], fixed),
                                expected,
                                "{guard:?} {rows:?} {target:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
