//! A rule change's review (`qualify diff`) as text for people, as Markdown for a
//! pull-request comment, and as JSON. Moves are always written `from → to`, old value
//! first.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::explain::unmet_line;
use super::{count, printable, reason};
use crate::cli::diff::{Review, Verdict};
use crate::diff::data::{Example, Lack, Version};
use crate::diff::meaning::{Effect, Finding, ValueChange, Witness};
use crate::diff::{ClassChange, FieldChange, LetChange, RowChange, Structure, Transitions};

/// A value, or `none`.
fn word(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("none")
}

fn version(v: Version) -> &'static str {
    match v {
        Version::Old => "old",
        Version::New => "new",
    }
}

/// The change in structure, one line each (empty when nothing changed); `reaches` names
/// the classifications each rewritten `let` reaches.
pub fn structure_lines(s: &Structure, reaches: &[(String, Vec<String>)]) -> Vec<String> {
    let mut out = Vec::new();
    for f in &s.fields {
        out.push(match f {
            FieldChange::Added { path, ty } => format!("field `{path}` added ({ty})"),
            FieldChange::Removed { path, ty } => format!("field `{path}` removed (was {ty})"),
            FieldChange::Retyped { path, old, new } => {
                format!("field `{path}`: {old} → {new}")
            }
            FieldChange::Values {
                path,
                added,
                removed,
            } => {
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("values added {}", quoted_list(added)));
                }
                if !removed.is_empty() {
                    parts.push(format!("values removed {}", quoted_list(removed)));
                }
                format!("field `{path}`: {}", parts.join("; "))
            }
        });
    }
    for c in &s.classifications {
        match c {
            ClassChange::Added { name, values } => out.push(format!(
                "classification `{name}` added (values {})",
                values.join(", ")
            )),
            ClassChange::Removed { name, values } => out.push(format!(
                "classification `{name}` removed (had values {})",
                values.join(", ")
            )),
            ClassChange::Changed {
                name,
                values_added,
                values_removed,
                guard,
                otherwise,
                rows,
            } => {
                if !values_added.is_empty() {
                    out.push(format!(
                        "classification `{name}`: values added {}",
                        values_added.join(", ")
                    ));
                }
                if !values_removed.is_empty() {
                    out.push(format!(
                        "classification `{name}`: values removed {}",
                        values_removed.join(", ")
                    ));
                }
                if let Some((old, new)) = guard {
                    out.push(format!(
                        "classification `{name}`: guard {} → {}",
                        code_or(old, "none"),
                        code_or(new, "none")
                    ));
                }
                if let Some((old, new)) = otherwise {
                    out.push(format!(
                        "classification `{name}`: otherwise {} → {}",
                        old.as_deref().unwrap_or("(none)"),
                        new.as_deref().unwrap_or("(none)")
                    ));
                }
                for r in rows {
                    out.push(match r {
                        RowChange::Added {
                            value,
                            condition,
                            at,
                        } => format!(
                            "classification `{name}`: row {at} `{value} when {condition}` added"
                        ),
                        RowChange::Removed {
                            value,
                            condition,
                            at,
                        } => format!(
                            "classification `{name}`: row {at} `{value} when {condition}` removed"
                        ),
                        RowChange::Moved {
                            value,
                            condition,
                            from,
                            to,
                        } => format!(
                            "classification `{name}`: row `{value} when {condition}` moved from {from} to {to}"
                        ),
                        RowChange::Rewritten {
                            old,
                            new,
                            from,
                            to,
                        } => {
                            let row = if from == to {
                                format!("row {to}")
                            } else {
                                format!("row {to} (row {from} before)")
                            };
                            // a rewrite keeps its value or its condition (`diff::structure`)
                            if old.0 == new.0 {
                                format!(
                                    "classification `{name}`: {row} `{}`: `{}` → `{}`",
                                    new.0, old.1, new.1
                                )
                            } else {
                                format!(
                                    "classification `{name}`: {row} when `{}`: `{}` → `{}`",
                                    new.1, old.0, new.0
                                )
                            }
                        }
                    });
                }
            }
        }
    }
    for l in &s.lets {
        out.push(match l {
            LetChange::Added { name } => format!("let `{name}` added"),
            LetChange::Removed { name } => format!("let `{name}` removed"),
            LetChange::Rewritten { name, old, new } => {
                let reached = reaches
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, classes)| classes.as_slice())
                    .unwrap_or_default();
                let tail = if reached.is_empty() {
                    String::from(" (no classification reads it)")
                } else {
                    let names: Vec<String> = reached.iter().map(|c| format!("`{c}`")).collect();
                    format!(" (reaches {})", names.join(", "))
                };
                format!("let `{name}`: `{old}` → `{new}`{tail}")
            }
        });
    }
    out
}

fn code_or(text: &Option<String>, none: &str) -> String {
    text.as_ref()
        .map_or_else(|| none.to_string(), |t| format!("`{t}`"))
}

fn quoted_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The moves of a classification with contacts, most first (ties in funnel order).
fn moves(t: &Transitions) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for f in 0..t.from.len() {
        for to in 0..t.to.len() {
            let n = t.counts[f][to];
            if n > 0 && t.moves(f, to) {
                out.push((f, to, n));
            }
        }
    }
    out.sort_by_key(|m| std::cmp::Reverse(m.2));
    out
}

/// The lines that tell why one example moved.
fn example_lines(e: &Example) -> Vec<String> {
    let mut out = vec![
        format!("old: {}", reason(&e.old)),
        format!("new: {}", reason(&e.new)),
    ];
    if let Some(lack) = &e.lacks {
        out.push(lack_head(lack));
        out.extend(lack.unmet.iter().map(|c| format!("  {}", unmet_line(c))));
    }
    out
}

fn lack_head(lack: &Lack) -> String {
    match lack.under {
        Version::New => format!("under the new rules, the `{}` row lacks:", lack.value),
        Version::Old => format!("under the old rules, the `{}` row lacked:", lack.value),
    }
}

fn effect_word(e: Effect) -> &'static str {
    match e {
        Effect::Unchanged => "unchanged",
        Effect::Larger => "larger",
        Effect::Smaller => "smaller",
        Effect::Both => "larger and smaller",
        Effect::Undecided => "undecided",
    }
}

/// One value's change in meaning, in a line: `stage = prospect: smaller (…)`.
fn meaning_head(v: &ValueChange) -> String {
    let tail = match v.effect() {
        Effect::Unchanged => " — the same contacts get it",
        Effect::Larger => " — some contacts get it that did not",
        Effect::Smaller => " — some contacts that got it no longer do",
        Effect::Both => " — some contacts gain it, others lose it",
        Effect::Undecided => {
            " — the analysis could not decide within its budget, or found no contact it could build; nothing is claimed"
        }
    };
    format!(
        "{} = {}: {}{tail}",
        v.class,
        v.value,
        effect_word(v.effect())
    )
}

/// The witnesses of a value's change: (`gains`/`loses`, witness).
fn witnesses(v: &ValueChange) -> Vec<(&'static str, &Witness)> {
    let mut out = Vec::new();
    if let Finding::Witness(w) = &v.gains {
        out.push(("gains", w.as_ref()));
    }
    if let Finding::Witness(w) = &v.loses {
        out.push(("loses", w.as_ref()));
    }
    out
}

fn witness_head(v: &ValueChange, verb: &str, w: &Witness) -> String {
    format!(
        "this contact {verb} `{}` ({} → {}):",
        v.value,
        word(&w.old),
        word(&w.new)
    )
}

/// What the meaning is compared over, when some enum values only one rule set reads.
fn one_sided_line(review: &Review<'_>) -> Option<String> {
    if review.one_sided.is_empty() {
        return None;
    }
    let parts: Vec<String> = review
        .one_sided
        .iter()
        .map(|o| {
            let values: Vec<String> = o.values.iter().map(|v| format!("\"{v}\"")).collect();
            format!(
                "only the {} rules read `{}` {}",
                if o.base { "base" } else { "new" },
                o.path,
                values.join(", ")
            )
        })
        .collect();
    Some(format!(
        "compared over the contacts both rule sets read ({})",
        parts.join("; ")
    ))
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The review for people.
pub fn human(review: &Review<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Comparing {} (old) with {} (new)",
        review.base, review.new
    );
    out.push('\n');
    let lines = structure_lines(review.structure, &review.reaches);
    if lines.is_empty() {
        out.push_str("Structure: no change\n");
    } else {
        out.push_str("Structure\n");
        for l in lines {
            let _ = writeln!(out, "  {l}");
        }
    }
    out.push('\n');
    match review.meaning {
        Err(why) => {
            let _ = writeln!(out, "Meaning: not analysed: {why}");
        }
        Ok(values) => {
            let changed: Vec<&ValueChange> = values
                .iter()
                .filter(|v| v.effect() != Effect::Unchanged)
                .collect();
            if changed.is_empty() {
                out.push_str("Meaning: no change (every value goes to the same contacts)\n");
            } else {
                out.push_str("Meaning\n");
            }
            if let Some(line) = one_sided_line(review) {
                let _ = writeln!(out, "  {line}");
            }
            if !changed.is_empty() {
                for v in &changed {
                    let _ = writeln!(out, "  {}", meaning_head(v));
                    for (verb, w) in witnesses(v) {
                        let _ = writeln!(out, "    {}", witness_head(v, verb, w));
                        let _ = writeln!(out, "      {}", w.contact);
                        for l in example_lines(&w.example) {
                            let _ = writeln!(out, "      {l}");
                        }
                    }
                }
                let same = values.len() - changed.len();
                if same > 0 {
                    let _ = writeln!(
                        out,
                        "  {} unchanged",
                        count(same, "other value", "other values")
                    );
                }
            }
        }
    }
    let Some(data) = review.data else {
        return out;
    };
    out.push('\n');
    let _ = writeln!(
        out,
        "Contacts: {} compared, {} changed",
        data.contacts(),
        data.changed()
    );
    for t in data.transitions() {
        out.push('\n');
        let _ = writeln!(
            out,
            "{}: {}",
            t.name,
            count(t.changed, "contact changed", "contacts changed")
        );
        matrix_text(&mut out, t);
        for (f, to, n) in moves(t) {
            let _ = writeln!(
                out,
                "  {} → {}: {}",
                word(&t.from[f]),
                word(&t.to[to]),
                count(n, "contact", "contacts")
            );
            for e in &t.examples[f][to] {
                let _ = writeln!(out, "    {} (line {})", printable(&e.id), e.line);
                for l in example_lines(e) {
                    let _ = writeln!(out, "      {l}");
                }
            }
            let more = n.saturating_sub(t.examples[f][to].len());
            if more > 0 {
                let _ = writeln!(out, "    … and {more} more");
            }
        }
    }
    out
}

/// The transition matrix as aligned text: old values down, new values across.
fn matrix_text(out: &mut String, t: &Transitions) {
    let corner = "old ↓ new →";
    let mut widths: Vec<usize> = t.to.iter().map(|v| word(v).chars().count()).collect();
    for row in &t.counts {
        for (w, n) in widths.iter_mut().zip(row) {
            *w = (*w).max(n.to_string().len());
        }
    }
    let first = t
        .from
        .iter()
        .map(|v| word(v).chars().count())
        .chain([corner.chars().count()])
        .max()
        .unwrap_or(0);
    let pad = |text: &str, width: usize| {
        format!(
            "{text}{}",
            " ".repeat(width.saturating_sub(text.chars().count()))
        )
    };
    let _ = write!(out, "  {}", pad(corner, first));
    for (v, w) in t.to.iter().zip(&widths) {
        let _ = write!(out, "  {:>w$}", word(v), w = *w);
    }
    out.push('\n');
    for (f, from) in t.from.iter().enumerate() {
        let _ = write!(out, "  {}", pad(word(from), first));
        for (to, w) in widths.iter().enumerate() {
            let _ = write!(out, "  {:>w$}", t.counts[f][to], w = *w);
        }
        out.push('\n');
    }
}

/// Text in a Markdown table cell or list: `|`, backticks and HTML would break the layout.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Code in Markdown: in a span with enough backticks that none inside ends it.
fn md_code(text: &str) -> String {
    let text = printable(text)
        .replace(['\n', '\r'], " ")
        .replace('|', "\\|");
    let mut ticks = 1;
    while text.contains(&"`".repeat(ticks)) {
        ticks += 1;
    }
    let fence = "`".repeat(ticks);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The review as Markdown, for a pull-request comment.
pub fn markdown(review: &Review<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Rule change review: {} → {}\n",
        md_code(&review.base),
        md_code(&review.new)
    );
    if let Some(data) = review.data {
        let _ = writeln!(
            out,
            "**{} of {} contacts change** at least one value.\n",
            data.changed(),
            data.contacts()
        );
    }
    if review.verdict.failed() {
        out.push_str("**Gates failed:**\n\n");
        for line in verdict_lines(review.verdict) {
            let _ = writeln!(out, "- {}", md(&line));
        }
        out.push('\n');
    }
    let lines = structure_lines(review.structure, &review.reaches);
    out.push_str("### Structure\n\n");
    if lines.is_empty() {
        out.push_str("No change.\n");
    } else {
        for l in lines {
            let _ = writeln!(out, "- {}", md_structure(&l));
        }
    }
    out.push_str("\n### Meaning\n\n");
    match review.meaning {
        Err(why) => {
            let _ = writeln!(out, "Not analysed: {}", md(why));
        }
        Ok(values) => {
            let changed: Vec<&ValueChange> = values
                .iter()
                .filter(|v| v.effect() != Effect::Unchanged)
                .collect();
            if let Some(line) = one_sided_line(review) {
                let _ = writeln!(out, "{}.\n", md_structure(&upper_first(&line)));
            }
            if changed.is_empty() {
                out.push_str("No change: every value goes to the same contacts.\n");
            }
            for v in &changed {
                let _ = writeln!(out, "- {}", md_structure(&meaning_head(v)));
                for (verb, w) in witnesses(v) {
                    let _ = writeln!(
                        out,
                        "\n  <details><summary>{}</summary>\n",
                        html(&witness_head(v, verb, w))
                    );
                    let _ = writeln!(out, "  ```json\n  {}\n  ```\n", w.contact);
                    let _ = writeln!(out, "  - old: {}", md_structure(&reason(&w.example.old)));
                    let _ = writeln!(out, "  - new: {}", md_structure(&reason(&w.example.new)));
                    if let Some(lack) = &w.example.lacks {
                        let _ = writeln!(out, "  - {}", md_structure(&lack_head(lack)));
                        for c in &lack.unmet {
                            let _ = writeln!(out, "    - {}", md_structure(&unmet_line(c)));
                        }
                    }
                    out.push_str("\n  </details>\n");
                }
            }
            let same = values.len() - changed.len();
            if same > 0 && !changed.is_empty() {
                let _ = writeln!(
                    out,
                    "\n{} unchanged.",
                    count(same, "other value", "other values")
                );
            }
        }
    }
    let Some(data) = review.data else {
        return out;
    };
    for t in data.transitions() {
        let _ = writeln!(
            out,
            "\n### {} — {}\n",
            md_code(&t.name),
            count(t.changed, "contact changes", "contacts change")
        );
        if t.changed == 0 && t.counts.iter().flatten().all(|&n| n == 0) {
            out.push_str("No contacts.\n");
            continue;
        }
        out.push_str("| old ↓ · new → |");
        for v in &t.to {
            let _ = write!(out, " {} |", md(word(v)));
        }
        out.push_str("\n|:---|");
        for _ in &t.to {
            out.push_str("---:|");
        }
        out.push('\n');
        for (f, from) in t.from.iter().enumerate() {
            let _ = write!(out, "| **{}** |", md(word(from)));
            for to in 0..t.to.len() {
                let n = t.counts[f][to];
                if n > 0 && t.moves(f, to) {
                    let _ = write!(out, " **{n}** |");
                } else {
                    let _ = write!(out, " {n} |");
                }
            }
            out.push('\n');
        }
        for (f, to, n) in moves(t) {
            let _ = writeln!(
                out,
                "\n<details><summary>{} → {}: {}</summary>\n",
                html(word(&t.from[f])),
                html(word(&t.to[to])),
                count(n, "contact", "contacts")
            );
            for e in &t.examples[f][to] {
                let _ = writeln!(out, "- {} (line {})", md_code(&e.id), e.line);
                let _ = writeln!(out, "  - old: {}", md_structure(&reason(&e.old)));
                let _ = writeln!(out, "  - new: {}", md_structure(&reason(&e.new)));
                if let Some(lack) = &e.lacks {
                    let _ = writeln!(out, "  - {}", md_structure(&lack_head(lack)));
                    for c in &lack.unmet {
                        let _ = writeln!(out, "    - {}", md_structure(&unmet_line(c)));
                    }
                }
            }
            let more = n.saturating_sub(t.examples[f][to].len());
            if more > 0 {
                let _ = writeln!(out, "- … and {more} more");
            }
            out.push_str("\n</details>\n");
        }
    }
    out
}

/// A structure line in Markdown: its backticked parts stay code, the rest is escaped.
fn md_structure(line: &str) -> String {
    line.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { md_code(part) } else { md(part) })
        .collect()
}

/// Text inside HTML (a `<summary>`).
fn html(text: &str) -> String {
    printable(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What failed, one line per gate.
pub fn verdict_lines(verdict: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    for (gate, moves) in &verdict.tripped {
        let shown: Vec<String> = moves
            .iter()
            .map(|(class, from, to, n)| format!("{class} {} → {}: {n}", word(from), word(to)))
            .collect();
        out.push(format!("--fail-on {gate}: {}", shown.join("; ")));
    }
    if let Some((changed, total)) = verdict.too_many {
        out.push(format!(
            "--max-changed: {changed} of {total} contacts changed, more than allowed"
        ));
    }
    out
}

/// The review as one JSON document.
pub fn json(review: &Review<'_>) -> Json {
    let data = review.data.map(|data| {
        json!({
            "contacts": data.contacts(),
            "changed": data.changed(),
            "classifications": data.transitions().iter().map(transitions_json).collect::<Vec<_>>(),
        })
    });
    json!({
        "base": review.base,
        "new": review.new,
        "structure": structure_lines(review.structure, &review.reaches),
        "meaning": match review.meaning {
            Ok(values) => json!(values.iter().map(meaning_json).collect::<Vec<_>>()),
            Err(why) => json!({ "not_analysed": why }),
        },
        "read_by_one": review.one_sided.iter().map(|o| json!({
            "field": o.path,
            "values": o.values,
            "read_by": if o.base { "base" } else { "new" },
        })).collect::<Vec<_>>(),
        "data": data,
        "failed": review.verdict.failed(),
        "gates": verdict_lines(review.verdict),
    })
}

fn transitions_json(t: &Transitions) -> Json {
    let mut moves_out = Vec::new();
    for (f, to, n) in moves(t) {
        moves_out.push(json!({
            "from": t.from[f],
            "to": t.to[to],
            "contacts": n,
            "examples": t.examples[f][to].iter().map(example_json).collect::<Vec<_>>(),
        }));
    }
    json!({
        "name": t.name,
        "changed": t.changed,
        "from": t.from,
        "to": t.to,
        "counts": t.counts,
        "moves": moves_out,
    })
}

fn example_json(e: &Example) -> Json {
    json!({
        "id": e.id,
        "line": e.line,
        "old": reason(&e.old),
        "new": reason(&e.new),
        "lacks": e.lacks.as_ref().map(|l| json!({
            "under": version(l.under),
            "value": l.value,
            "unmet": l.unmet.iter().map(unmet_line).collect::<Vec<_>>(),
        })),
    })
}

fn meaning_json(v: &ValueChange) -> Json {
    let finding = |f: &Finding| match f {
        Finding::NoContact => json!("none"),
        Finding::Undecided => json!("undecided"),
        Finding::Witness(w) => json!({
            "contact": w.contact,
            "old": w.old,
            "new": w.new,
            "why": example_json(&w.example),
        }),
    };
    json!({
        "classification": v.class,
        "value": v.value,
        "effect": effect_word(v.effect()),
        "gains": finding(&v.gains),
        "loses": finding(&v.loses),
    })
}
