//! The formatter's laws — `fmt(fmt(x)) == fmt(x)` and `parse(fmt(x)) == parse(x)` ignoring
//! spans — on every rule file in the repository and on generated rule sets, plus layout.

use super::*;
use crate::source::SourceMap;

/// Formats `text`; `None` when it does not parse cleanly.
fn try_fmt(text: &str) -> Option<String> {
    let mut sources = SourceMap::new();
    let id = sources.add("t.qual", text);
    let (file, diagnostics) = crate::syntax::parse_file(id, sources.get(id));
    diagnostics
        .is_empty()
        .then(|| format(sources.get(id), &file))
}

fn fmt(text: &str) -> String {
    try_fmt(text).unwrap_or_else(|| panic!("does not parse:\n{text}"))
}

/// The parsed items with every span blanked, for comparing trees.
fn tree(text: &str) -> String {
    let mut sources = SourceMap::new();
    let id = sources.add("t.qual", text);
    let (file, _) = crate::syntax::parse_file(id, sources.get(id));
    without_spans(&file.items)
}

/// Checks both laws for one text that parses.
fn laws(name: &str, text: &str) {
    let once = fmt(text);
    let twice = fmt(&once);
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    assert_eq!(
        tree(text),
        tree(&once),
        "{name}: formatting changed the tree:\n{once}"
    );
}

fn qual_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            qual_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "qual") {
            out.push(path);
        }
    }
}

#[test]
fn laws_hold_for_every_rule_file_in_the_repository() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    qual_files(&root.join("rules"), &mut files);
    qual_files(&root.join("tests"), &mut files);
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        if try_fmt(&text).is_some() {
            laws(&path.display().to_string(), &text);
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} files formatted");
}

#[test]
fn spans_are_blanked_but_nothing_else() {
    assert_eq!(without_spans(&[]), "[]");
    let text = "let a = \"1..2\" == b\n";
    let mut sources = SourceMap::new();
    let id = sources.add("t.qual", text);
    let (file, _) = crate::syntax::parse_file(id, sources.get(id));
    let blanked = without_spans(&file.items);
    assert!(
        blanked.contains("\"1..2\"") && !blanked.contains("0:8.."),
        "{blanked}"
    );
}

#[test]
fn strings_nested_parentheses_and_comments_in_odd_places_survive() {
    assert_eq!(fmt("let s = \"VP  Sales\"\n"), "let s = \"VP  Sales\"\n");
    assert_eq!(fmt("let x = ((a))  and b\n"), "let x = ((a)) and b\n");
    assert_eq!(fmt("# one\n\n\n# two\n"), "# one\n\n# two\n");
    let head = "let x = # why\n  a\nclassify t # about t\n  when x {\n  a when x\n  otherwise # fallback\n    b\n}\n";
    let out = fmt(head);
    assert_eq!(out.matches('#').count(), 3, "{out}");
}

#[test]
fn classify_rows_align_when_and_keep_comments() {
    let text = "classify stage   {\n  # most advanced first\n  customer when bought # paid\n\n  lead when x\n  otherwise   none_yet\n}\n";
    assert_eq!(
        fmt(text),
        "classify stage {\n  # most advanced first\n  customer when bought  # paid\n\n  lead     when x\n  otherwise none_yet\n}\n"
    );
}

#[test]
fn long_conditions_break_before_and_aligned_with_the_expression() {
    let names: Vec<String> = (0..8).map(|i| format!("criterion_number_{i}")).collect();
    let text = format!("let qualified = {}\n", names.join(" and "));
    let out = fmt(&text);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 1, "{out}");
    assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{out}");
    assert!(
        lines[1].starts_with("                and criterion_number_"),
        "{out}"
    );
}

#[test]
fn parentheses_and_literals_are_kept_as_written() {
    assert_eq!(
        fmt("let x = (a  and b) or   c\n"),
        "let x = (a and b) or c\n"
    );
    assert_eq!(fmt("let n = 1_000 + 2.50\n"), "let n = 1_000 + 2.50\n");
    assert_eq!(
        fmt("let s = \"a\\\"b\"  ==  t\n"),
        "let s = \"a\\\"b\" == t\n"
    );
    assert_eq!(
        fmt("let r = e.at within 30   days\n"),
        "let r = e.at within 30 days\n"
    );
}

#[test]
fn a_comment_inside_an_expression_leaves_the_item_as_written() {
    let text = "let x = a and   # why a\n        b\nlet y =  c\n";
    assert_eq!(fmt(text), "let x = a and   # why a\n        b\nlet y = c\n");
}

#[test]
fn schema_comments_align_per_group() {
    let text = "schema contact {\n  id: string # the id\n  size: number? # employees\n\n  role: string?   # title\n}\n";
    assert_eq!(
        fmt(text),
        "schema contact {\n  id: string     # the id\n  size: number?  # employees\n\n  role: string?  # title\n}\n"
    );
}

/// A small deterministic random generator (xorshift), so generated cases are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn space(&mut self) -> &'static str {
        [" ", "  ", "\n    ", " "][self.below(4)]
    }
}

/// A random expression; compound operands are parenthesized so the text always parses.
fn expression(rng: &mut Rng, depth: usize) -> String {
    let atom = |rng: &mut Rng| -> String {
        match rng.below(10) {
            0 => rng.pick(&["size", "budget", "points"]).to_string(),
            1 => format!("company.{}", rng.pick(&["size", "industry"])),
            2 => rng.pick(&["1_000", "50", "2.5", "-3"]).to_string(),
            3 => rng.pick(&["\"vp\"", "\"a b\"", "\"x\\\"y\""]).to_string(),
            4 => rng.pick(&["true", "false", "now"]).to_string(),
            5 => rng
                .pick(&["2026-11-01", "2026-11-01T09:30:00Z", "30 days", "2   weeks"])
                .to_string(),
            6 => format!(
                "[{}]",
                (0..rng.below(4))
                    .map(|i| format!("\"v{i}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            7 => format!("lower({})", rng.pick(&["role", "company.industry"])),
            8 => format!(
                "{} is {}",
                rng.pick(&["size", "role"]),
                rng.pick(&["missing", "present"])
            ),
            _ => rng.pick(&["fits", "engaged", "senior"]).to_string(),
        }
    };
    if depth == 0 {
        return atom(rng);
    }
    let sub = |rng: &mut Rng| {
        let inner = expression(rng, depth - 1);
        if inner.contains(' ') {
            format!("({inner})")
        } else {
            inner
        }
    };
    match rng.below(9) {
        0 | 1 => {
            let op = rng.pick(&["and", "or"]);
            let n = 2 + rng.below(3);
            let parts: Vec<String> = (0..n).map(|_| sub(rng)).collect();
            let sep = format!("{}{op} ", rng.space());
            parts.join(&sep)
        }
        2 => format!("not {}", sub(rng)),
        3 => {
            let op = rng.pick(&["==", "!=", "<", ">=", "in", "contains", "??", "+", "*"]);
            format!("{}{}{op} {}", sub(rng), rng.space(), sub(rng))
        }
        4 => format!("any e in events: {}", sub(rng)),
        5 => format!("count(e in events where {})", sub(rng)),
        6 => format!("sum(e.amount for e in events where {})", sub(rng)),
        7 => format!("({})", expression(rng, depth - 1)),
        _ => atom(rng),
    }
}

fn rule_set(rng: &mut Rng) -> String {
    let mut text = String::new();
    if rng.below(2) == 0 {
        text.push_str("# header comment\n\n");
    }
    text.push_str("schema contact {\n  id: string  # the id\n");
    for name in ["size", "role", "budget"] {
        if rng.below(2) == 0 {
            text.push_str(&format!("  # about {name}\n"));
        }
        text.push_str(&format!(
            "  {name}: {}?\n",
            rng.pick(&["number", "string", "one of \"a\", \"b\""])
        ));
    }
    text.push_str("  company: { size: number?, industry: string? }\n");
    text.push_str("  events: list of { kind: string, at: datetime, amount: number? }\n}\n");
    for i in 0..1 + rng.below(4) {
        if rng.below(3) == 0 {
            text.push('\n');
        }
        if rng.below(3) == 0 {
            text.push_str("# a let\n");
        }
        text.push_str(&format!("let l{i} ={}{}", rng.space(), expression(rng, 3)));
        text.push_str(if rng.below(4) == 0 {
            "  # trailing\n"
        } else {
            "\n"
        });
    }
    text.push_str(&format!("classify c{} {{\n", rng.below(9)));
    for value in ["high", "mid", "low"].iter().take(1 + rng.below(3)) {
        if rng.below(3) == 0 {
            text.push_str("  # why\n");
        }
        text.push_str(&format!(
            "  {value}{}when {}\n",
            " ".repeat(1 + rng.below(3)),
            expression(rng, 2)
        ));
    }
    if rng.below(2) == 0 {
        text.push_str("  otherwise other\n");
    }
    text.push_str("}\n");
    text
}

#[test]
fn laws_hold_for_generated_rule_sets() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    for case in 0..400 {
        let text = rule_set(&mut rng);
        if try_fmt(&text).is_some() {
            laws(&format!("generated case {case}:\n{text}"), &text);
            parsed += 1;
        }
    }
    // the generator writes valid rule sets; a drop here means it (or the parser) broke
    assert!(
        parsed >= 390,
        "only {parsed} of 400 generated rule sets parsed"
    );
}
