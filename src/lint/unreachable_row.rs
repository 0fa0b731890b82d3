use super::analysis::{Formula, Model, Search, T, TruthSet, possible};
use super::contradiction::never;
use super::{Context, declare_lint};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::semantics::rows::{self, Decision};

declare_lint! {
    /// ## What it does
    /// Finds rows of a `classify` that can never decide a value: every contact whose
    /// condition is true for the row is already matched by a row above it (rows are tried
    /// top to bottom and the first true one wins). This includes every row after a row
    /// that is always true. The message names the rows that match first.
    ///
    /// ## Why is this bad?
    /// The row looks like a definition the team agreed on, but no contact will ever get
    /// its value from it: reports will show zero, and nobody will notice why. Usually the
    /// rows are in the wrong order (a broad row above a narrow one) or a condition is
    /// missing a part.
    ///
    /// ## Example
    /// ```text
    /// classify stage {
    ///   prospect    when two_way_contact and fits_persona
    ///   opportunity when two_way_contact and fits_persona and committed
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Put the most advanced, narrowest row first:
    /// ```text
    /// classify stage {
    ///   opportunity when two_way_contact and fits_persona and committed
    ///   prospect    when two_way_contact and fits_persona
    /// }
    /// ```
    ///
    /// The analysis is sound: it never reports a row that some contact can reach. It
    /// understands `and`, `or`, `not`, `let`s, comparisons of one field with constants
    /// (numbers, dates, text, `one of` values, `in` lists, `is missing`) and missing data.
    /// Conditions it cannot see into (text operations, arithmetic, `within`, quantifiers
    /// other than repeated identical ones) are treated as independent, so it may miss a
    /// shadowed row, but never invents one. On rule sets that would take it too long (thousands
    /// of rows that share variables) it stops at a work budget with a note (Q1000) naming the
    /// row it stopped at; the note never fails a run.
    pub UNREACHABLE_ROW, Code::UnreachableRow, "unreachable-row", check
}

/// How many formula nodes the searches of this lint may evaluate in one rule set before it
/// stops (with a note naming the row it stopped at) rather than keep the check waiting.
const LINT_WORK: usize = 200_000_000;

/// How many of the rows that match first a finding names.
const MAX_NAMED: usize = 10;

fn check(ctx: &Context<'_>) -> Vec<Diagnostic> {
    let program = ctx.program;
    let mut model = Model::new(program);
    let mut out = Vec::new();
    for class in program.classes() {
        let formulas: Vec<Formula> = class.rows.iter().map(|&(_, c)| model.formula(c)).collect();
        let mut rows = Rows::new(&formulas);
        let mut unreachable: Vec<bool> = vec![false; formulas.len()];
        // rows whose conditions can be true (`Some(true)`), or not (`Some(false)`)
        let mut can_hold: Vec<Option<bool>> = vec![None; formulas.len()];
        for r in 0..class.rows.len() {
            rows.add(r);
            if r == 0 {
                continue;
            }
            let (value, cond) = class.rows[r];
            if model.work() > LINT_WORK {
                // a note of its own code, not a finding: nothing is claimed about the rows
                // left, so no lint level may turn it into an error
                let note = Diagnostic::new(
                        Code::LintGaveUp,
                        program.span(cond),
                        format!(
                            "`unreachable-row` stopped at row `{}` of `{}`: the rows from here on were not checked",
                            class.values[value], class.name
                        ),
                    )
                    .with_label("not checked from here")
                    .with_help("the rows are too many or too entangled to check within the lint's budget; split the classification, or move shared criteria into `let`s");
                out.push(note);
                return out;
            }
            // a row that can never be true on its own is a contradiction, reported there
            if never(&mut model, cond, |s| s == T, |s| s & T == 0) {
                continue;
            }
            // rows above that share no variable with this one (even through other rows)
            // are independent of it: they only need to be able to fail all together, which
            // is settled per group of rows
            let (group, others) = rows.split(r);
            let mut independent = Search::Found;
            for &g in &others {
                match rows.can_all_fail(&model, &formulas, g) {
                    // rows that cannot all fail make this row unreachable, whatever it is
                    Search::None => {
                        independent = Search::None;
                        break;
                    }
                    Search::GaveUp => independent = Search::GaveUp,
                    Search::Found => {}
                }
            }
            if independent == Search::GaveUp {
                continue; // claim nothing
            }
            if independent == Search::Found {
                let mut query = vec![formulas[r].clone()];
                query.extend(group.iter().map(|&a| formulas[a].clone()));
                let above = group.len();
                // the row decides for some contact: it is true and every row above is not
                let reachable = |sets: &[TruthSet]| {
                    // the query holds row r first, then the rows above it in its group
                    let row = |i: usize| possible(if i < above { sets[1 + i] } else { sets[0] });
                    rows::decides_with(None, above + 1, row, Decision::Row(above))
                };
                if model.search(&query, &reachable) != Search::None {
                    continue;
                }
            }
            unreachable[r] = true;
            let in_group: std::collections::HashSet<usize> = group.iter().copied().collect();
            // rows that are themselves never used shadow nothing
            let shadows: Vec<usize> = (0..r)
                .filter(|&a| !unreachable[a])
                .filter(|&a| {
                    if !in_group.contains(&a) {
                        // independent of this row, which can be true: both can be true at
                        // once when that row can be true on its own
                        return *can_hold[a].get_or_insert_with(|| {
                            !never(&mut model, class.rows[a].1, |s| s & T != 0, |s| s & T == 0)
                        });
                    }
                    let pair = [formulas[r].clone(), formulas[a].clone()];
                    let both = |sets: &[TruthSet]| {
                        if sets[0] == T && sets[1] == T {
                            Some(true)
                        } else if sets[0] & T == 0 || sets[1] & T == 0 {
                            Some(false)
                        } else {
                            None
                        }
                    };
                    model.search(&pair, &both) != Search::None
                })
                .collect();
            // name a few: a message listing thousands of rows helps no one
            let mut names: Vec<String> = shadows
                .iter()
                .take(MAX_NAMED)
                .map(|&a| format!("`{}`", class.values[class.rows[a].0]))
                .collect();
            if shadows.len() > MAX_NAMED {
                names.push(format!("{} more rows", shadows.len() - MAX_NAMED));
            }
            let mut d = Diagnostic::new(
                Code::UnreachableRow,
                program.span(cond),
                format!(
                    "row `{}` of `{}` is never used: {} above {} every contact it matches",
                    class.values[value],
                    class.name,
                    join(&names),
                    if names.len() == 1 { "matches" } else { "match" }
                ),
            )
            .with_label("no contact gets its value from this row")
            .with_help("rows are tried top to bottom and the first true one wins: put narrower rows above broader ones");
            for &a in shadows.iter().take(MAX_NAMED) {
                d = d.with_secondary(
                    program.span(class.rows[a].1),
                    format!("`{}` matches first", class.values[class.rows[a].0]),
                );
            }
            out.push(d);
        }
    }
    out
}

/// The union of two lists in increasing order, in increasing order.
fn merge(a: Vec<usize>, b: Vec<usize>) -> Vec<usize> {
    if a.last() < b.first() {
        let mut a = a;
        a.extend(b);
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The rows of one classification seen so far, grouped by shared variables (a union-find
/// over rows, joined through the variables they read), with what is known of each group.
struct Rows {
    /// Each row's variables.
    vars: Vec<Vec<usize>>,
    parent: Vec<usize>,
    /// The rows of each group, at its root.
    members: Vec<Vec<usize>>,
    /// The first row that read each variable.
    owner: std::collections::HashMap<usize, usize>,
    /// Whether the rows of a group can all fail at once, by root and group size (a group
    /// only grows, so the pair names one set of rows).
    fail: std::cell::RefCell<std::collections::HashMap<(usize, usize), Search>>,
}

impl Rows {
    fn new(formulas: &[Formula]) -> Rows {
        Rows {
            vars: formulas.iter().map(Model::vars).collect(),
            parent: (0..formulas.len()).collect(),
            members: (0..formulas.len()).map(|r| vec![r]).collect(),
            owner: std::collections::HashMap::new(),
            fail: Default::default(),
        }
    }

    fn root(&self, mut r: usize) -> usize {
        while self.parent[r] != r {
            r = self.parent[r];
        }
        r
    }

    /// Adds row `r`, joining the groups of the rows it shares a variable with.
    fn add(&mut self, r: usize) {
        for i in 0..self.vars[r].len() {
            let var = self.vars[r][i];
            match self.owner.get(&var) {
                Some(&other) => self.join(r, other),
                None => {
                    self.owner.insert(var, r);
                }
            }
        }
    }

    fn join(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.root(a), self.root(b));
        if a == b {
            return;
        }
        if self.members[a].len() < self.members[b].len() {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        // both lists are in row order; keep the union so (usually `b` is the new row)
        let moved = std::mem::take(&mut self.members[b]);
        let kept = std::mem::take(&mut self.members[a]);
        self.members[a] = merge(kept, moved);
    }

    /// The rows above `r` in its group (in order), and the roots of the other groups.
    fn split(&self, r: usize) -> (Vec<usize>, Vec<usize>) {
        let own = self.root(r);
        let group = self.members[own]
            .iter()
            .copied()
            .filter(|&a| a < r)
            .collect();
        let others = (0..r)
            .filter(|&a| self.parent[a] == a && a != own)
            .collect();
        (group, others)
    }

    /// Whether some contact makes every row of the group rooted at `root` not true.
    fn can_all_fail(&self, model: &Model<'_>, formulas: &[Formula], root: usize) -> Search {
        let key = (root, self.members[root].len());
        if let Some(&known) = self.fail.borrow().get(&key) {
            return known;
        }
        let query: Vec<Formula> = self.members[root]
            .iter()
            .map(|&a| formulas[a].clone())
            .collect();
        let all_fail = |sets: &[TruthSet]| {
            if sets.iter().all(|&s| s & T == 0) {
                Some(true)
            } else if sets.contains(&T) {
                Some(false)
            } else {
                None
            }
        };
        let found = model.search(&query, &all_fail);
        self.fail.borrow_mut().insert(key, found);
        found
    }
}

fn join(names: &[String]) -> String {
    match names {
        [] => "the rows".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
