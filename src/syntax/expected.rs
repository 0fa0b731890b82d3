//! pest errors → diagnostics that say what was expected in the language's own words.

use std::collections::BTreeSet;

use pest::error::{Error, ErrorVariant, InputLocation};

use super::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// A located "expected …" diagnostic for a failed parse of the chunk at `offset`.
pub(super) fn syntax_diagnostic(
    file: FileId,
    text: &str,
    offset: usize,
    chunk: &str,
    error: &Error<Rule>,
) -> Diagnostic {
    let position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(word) = describe(*rule) {
                expected.insert(word.to_string());
            }
        }
    }
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            // the token type is not exported; its display form is the literal text
            if let Some(word) = describe_literal(&token.to_string()) {
                expected.insert(word);
            }
        }
    }
    // Expression starts are reported as one phrase rather than a dozen token kinds.
    if expected
        .iter()
        .any(|w| EXPRESSION_STARTS.contains(&w.as_str()))
    {
        expected.retain(|w| !EXPRESSION_STARTS.contains(&w.as_str()));
        expected.insert("an expression".to_string());
    }
    // An operator may always continue an expression; listing them all helps no one.
    if expected.iter().any(|w| OPERATORS.contains(&w.as_str())) {
        expected.retain(|w| !OPERATORS.contains(&w.as_str()));
        expected.insert("an operator".to_string());
    }
    let (skipped, found) = found_at(&chunk[position.min(chunk.len())..]);
    // at the end of the item, point just after its last token rather than at the next item
    let start = offset
        + if found.is_some() {
            position + skipped
        } else {
            position
        };
    let end = start + found.as_ref().map_or(0, |f| f.len());
    let span = Span::new(file, start, end.min(text.len()));
    let list = join_alternatives(&expected);
    let message = match (&found, list.is_empty()) {
        (Some(found), false) => format!("expected {list}, found `{found}`"),
        (None, false) => format!("expected {list}, found the end of the item"),
        (Some(found), true) => format!("unexpected `{found}`"),
        (None, true) => "unexpected end of the item".to_string(),
    };
    let label = if list.is_empty() {
        "not expected here".to_string()
    } else {
        format!("expected {list}")
    };
    let diagnostic = Diagnostic::new(Code::Syntax, span, message).with_label(label);
    match hint(&expected, found.as_deref()) {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

const EXPRESSION_STARTS: &[&str] = &[
    "a name",
    "a number",
    "a string",
    "a date",
    "a datetime",
    "a duration",
    "`true`",
    "`false`",
    "`now`",
    "`not`",
    "`-`",
    "`(`",
    "`[`",
    "`any`",
    "`all`",
    "`count`",
    "`sum`",
    "`min`",
    "`max`",
];

const OPERATORS: &[&str] = &[
    "`and`",
    "`or`",
    "`==`",
    "`!=`",
    "`<`",
    "`<=`",
    "`>`",
    "`>=`",
    "`in`",
    "`not in`",
    "`contains`",
    "`starts_with`",
    "`ends_with`",
    "`matches`",
    "`within`",
    "`before`",
    "`after`",
    "`??`",
    "`+`",
    "`-`",
    "`*`",
    "`/`",
    "`.`",
    "`is missing`",
    "`is present`",
];

/// How a grammar rule is named in a message; `None` for rules that never are.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident => "a name",
        Rule::number => "a number",
        Rule::string | Rule::string_inner => "a string",
        Rule::date_lit => "a date",
        Rule::datetime_lit => "a datetime",
        Rule::duration_lit => "a duration",
        Rule::duration_unit => "a time unit (`days`, `weeks`, `hours`, …)",
        Rule::expr | Rule::aggregate_value | Rule::paren | Rule::list_lit => "an expression",
        Rule::quantifier | Rule::aggregate | Rule::call => "an expression",
        Rule::schema_item
        | Rule::let_item
        | Rule::classify_item
        | Rule::kw_schema
        | Rule::kw_let
        | Rule::kw_classify => "`schema`, `let` or `classify`",
        Rule::record_type => "`{`",
        Rule::field_decl => "a field",
        Rule::one_of_type | Rule::list_type | Rule::named_type => "a type",
        Rule::optional_mark => "`?`",
        Rule::guard | Rule::kw_when => "`when`",
        Rule::classify_row => "a row (`VALUE when CONDITION`)",
        Rule::otherwise_row | Rule::kw_otherwise => "`otherwise`",
        Rule::kw_one => "`one of`",
        Rule::kw_of => "`of`",
        Rule::kw_list => "`list of`",
        Rule::kw_in => "`in`",
        Rule::kw_for => "`for`",
        Rule::kw_where => "`where`",
        Rule::kw_is => "`is`",
        Rule::kw_missing => "`missing`",
        Rule::kw_present => "`present`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::kw_now => "`now`",
        Rule::kw_any => "`any`",
        Rule::kw_all => "`all`",
        Rule::kw_count | Rule::aggregate_fn => "`count`",
        Rule::kw_sum => "`sum`",
        Rule::kw_min => "`min`",
        Rule::kw_max => "`max`",
        Rule::op_not | Rule::kw_not => "`not`",
        Rule::op_neg => "`-`",
        Rule::op_or | Rule::kw_or => "`or`",
        Rule::op_and | Rule::kw_and => "`and`",
        Rule::op_eq => "`==`",
        Rule::op_ne => "`!=`",
        Rule::op_lt => "`<`",
        Rule::op_le => "`<=`",
        Rule::op_gt => "`>`",
        Rule::op_ge => "`>=`",
        Rule::op_in => "`in`",
        Rule::op_not_in => "`not in`",
        Rule::op_contains | Rule::kw_contains => "`contains`",
        Rule::op_starts_with | Rule::kw_starts_with => "`starts_with`",
        Rule::op_ends_with | Rule::kw_ends_with => "`ends_with`",
        Rule::op_matches | Rule::kw_matches => "`matches`",
        Rule::op_within | Rule::kw_within => "`within`",
        Rule::op_before | Rule::kw_before => "`before`",
        Rule::op_after | Rule::kw_after => "`after`",
        Rule::op_coalesce => "`??`",
        Rule::op_add => "`+`",
        Rule::op_sub => "`-`",
        Rule::op_mul => "`*`",
        Rule::op_div => "`/`",
        Rule::field_access => "`.`",
        Rule::is_missing => "`is missing`",
        Rule::is_present => "`is present`",
        Rule::EOI => return None,
        _ => return None,
    })
}

/// How a literal token of the grammar is named, or `None` for tokens that are only parts
/// of a longer word (`"seconds"` inside a duration, for example).
fn describe_literal(token: &str) -> Option<String> {
    match token {
        "{" | "}" | "(" | ")" | "[" | "]" | ":" | "," | "=" | "?" | "." => {
            Some(format!("`{token}`"))
        }
        "==" | "!=" | "<" | "<=" | ">" | ">=" | "??" | "+" | "-" | "*" | "/" => {
            Some(format!("`{token}`"))
        }
        "\"" => Some("a string".to_string()),
        _ => None,
    }
}

/// What stands at the error position: a word or a token; `None` at the end of the item.
/// Also returns how many bytes of whitespace and comments stand before it.
fn found_at(text: &str) -> (usize, Option<String>) {
    let mut rest = text.trim_start();
    // comments are not what the reader should be told about
    while rest.starts_with('#') {
        rest = rest.find('\n').map_or("", |i| rest[i..].trim_start());
    }
    let skipped = text.len() - rest.len();
    let Some(first) = rest.chars().next() else {
        return (skipped, None);
    };
    let found = if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    } else if first == '"' {
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let end = line[1..].find('"').map_or(line.len(), |i| i + 2);
        line[..end].trim_end().to_string()
    } else {
        let two: String = rest.chars().take(2).collect();
        if ["==", "!=", "<=", ">=", "??", "&&", "||"].contains(&two.as_str()) {
            two
        } else {
            first.to_string()
        }
    };
    (skipped, Some(found))
}

fn join_alternatives(words: &BTreeSet<String>) -> String {
    // "an expression" and "an operator" read best last
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    words.sort_by_key(|w| (w.starts_with("an "), *w));
    match words.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Help for mistakes people make often.
fn hint(expected: &BTreeSet<String>, found: Option<&str>) -> Option<String> {
    match found {
        Some("=") if expected.contains("an operator") => {
            Some("compare with `==`; a single `=` only appears in `let NAME = …`".to_string())
        }
        Some("&&" | "&") => Some("write `and` instead of `&&`".to_string()),
        Some("||" | "|") => Some("write `or` instead of `||`".to_string()),
        Some("!") => Some("write `not` instead of `!`".to_string()),
        Some("'") => Some("strings are written in double quotes: `\"text\"`".to_string()),
        _ if expected.contains("`when`") && expected.len() <= 3 => Some(
            "each row of a `classify` reads `VALUE when CONDITION`, e.g. `prospect when two_way_contact`"
                .to_string(),
        ),
        _ => None,
    }
}
