//! pest errors → diagnostics that say what was expected in the language's own words.

use std::collections::BTreeSet;

use pest::error::{Error, ErrorVariant, InputLocation};

use super::{Rule, keywords};
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
    // (a number can start only an expression, so its presence tells an expression apart
    // from a place where only a name fits)
    if expected.contains("a number") || expected.contains("an expression") {
        expected.retain(|w| !EXPRESSION_STARTS.contains(&w.as_str()));
        expected.insert("an expression".to_string());
    }
    // An operator may always continue an expression; listing them all helps no one.
    if expected.iter().any(|w| OPERATORS.contains(&w.as_str())) {
        expected.retain(|w| !OPERATORS.contains(&w.as_str()));
        expected.insert("an operator".to_string());
        // after a complete operand, only an operator (or the end) can follow; `(` (of a
        // call) and `not` (of `not in`) are beginnings people need not be told about
        expected.remove("an expression");
        expected.remove("`(`");
        expected.remove("`not`");
    }
    let (skipped, found) = found_at(&chunk[position.min(chunk.len())..]);
    // at the end of the item, point just after its last token rather than at the next item
    let start = offset
        + if found.is_some() {
            position + skipped
        } else {
            // point just after the item's last token, not at the blank lines after it
            super::build::content_len(&chunk[..position.min(chunk.len())])
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
    let mut diagnostic = Diagnostic::new(Code::Syntax, span, message).with_label(label);
    // at the end of an item, an unclosed bracket is the likely cause
    let open = found
        .is_none()
        .then(|| unclosed_bracket(&chunk[..position.min(chunk.len())]))
        .flatten();
    if let Some(open) = open {
        let at = offset + open;
        let bracket = &chunk[open..open + 1];
        diagnostic = diagnostic.with_secondary(
            Span::new(file, at, at + 1),
            format!("this `{bracket}` is not closed"),
        );
    }
    let before = &chunk[..position.min(chunk.len())];
    match hint(&expected, found.as_deref(), before) {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// The offset of the innermost bracket still open at the end of `text`, skipping strings
/// and comments.
fn unclosed_bracket(text: &str) -> Option<usize> {
    let mut stack = Vec::new();
    for (i, c) in super::scan::code(text) {
        match c {
            '(' | '[' | '{' => stack.push(i),
            ')' | ']' | '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.last().copied()
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
    "`is`",
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
        Rule::record_type | Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::assign => "`=`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
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
    // comments are not what the reader should be told about
    let skipped = super::scan::skip_blank(text);
    let rest = &text[skipped..];
    let Some(first) = rest.chars().next() else {
        return (skipped, None);
    };
    let found = if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    } else if first == '"' {
        // the string as shown ends at the first `"` on the line, even an escaped one
        // (which is what messages have always quoted), not where the scanner ends it
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

/// Help for numbers and durations written as other tools write them: `1e3`, `30d`,
/// `1 month`.
fn number_hint(word: &str, before: &str) -> Option<String> {
    let digits = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let leading = word.len() - digits.len();
    if leading > 0
        && digits.starts_with(['e', 'E'])
        && digits[1..].chars().all(|c| c.is_ascii_digit())
    {
        let shown = word
            .parse::<f64>()
            .ok()
            .filter(|n| *n < 1e15)
            .map(|n| format!(": `{word}` is `{n}`"))
            .unwrap_or_default();
        return Some(format!(
            "there is no exponent notation, write the number out{shown}"
        ));
    }
    if leading > 0 && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(format!(
            "a duration is a number, a space and a unit: `{} days` (units: seconds, minutes, hours, days, weeks)",
            &word[..leading]
        ));
    }
    let after_number = before.trim_end().ends_with(|c: char| c.is_ascii_digit());
    if after_number && matches!(word, "month" | "months" | "year" | "years") {
        return Some(
            "months and years have no fixed length: write days or weeks, e.g. `90 days`"
                .to_string(),
        );
    }
    None
}

/// `any events` just before the error: the quantifier and the list, when the variable is
/// left out.
fn quantifier_without_variable(before: &str) -> Option<(&str, &str)> {
    let mut words = before.split_whitespace().rev();
    let list = words.next()?;
    let quantifier = words.next()?;
    (matches!(quantifier, "any" | "all")
        && list
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.'))
    .then_some((quantifier, list))
}

/// Help for mistakes people make often.
fn hint(expected: &BTreeSet<String>, found: Option<&str>, before: &str) -> Option<String> {
    let wants_name = expected.contains("a name") || expected.contains("an expression");
    if let Some(word) = found {
        if word.starts_with('"') && !word[1..].contains('"') {
            return Some(
                "this string is not closed: add a `\"` before the end of the line".to_string(),
            );
        }
        if keywords::is_word_operator(word) && wants_name {
            return Some(format!(
                "`{word}` goes between its operands, e.g. `role {word} \"sales\"`"
            ));
        }
        if word.starts_with(|c: char| !c.is_ascii() && c.is_alphabetic()) {
            return Some(
                "names are written with ASCII letters, digits and `_` (e.g. `groesse`)".to_string(),
            );
        }
        if keywords::is_reserved(word) && expected.contains("a name") {
            return Some(format!(
                "`{word}` is a reserved word of the language and cannot be used as a name"
            ));
        }
        if let Some(hint) = number_hint(word, before) {
            return Some(hint);
        }
        if before.contains("otherwise") && expected.contains("`}`") {
            return Some("`otherwise` must be the last line of a `classify`".to_string());
        }
    }
    match found {
        Some("=") if expected.contains("an operator") => {
            Some("compare with `==`; a single `=` only appears in `let NAME = …`".to_string())
        }
        Some("&&" | "&") => Some("write `and` instead of `&&`".to_string()),
        Some("||" | "|") => Some("write `or` instead of `||`".to_string()),
        Some("!") => Some("write `not` instead of `!`".to_string()),
        Some("'") => Some("strings are written in double quotes: `\"text\"`".to_string()),
        Some(":") if quantifier_without_variable(before).is_some() => {
            let (quantifier, list) = quantifier_without_variable(before)?;
            Some(format!(
                "a quantifier names its variable: `{quantifier} e in {list}: …`, then `e.FIELD` in the condition"
            ))
        }
        Some(",") if before.trim_end().ends_with(|c: char| c.is_ascii_digit()) => Some(
            "digits are grouped with `_`, not `,`: `1_000`".to_string(),
        ),
        _ if expected.contains("`when`") && expected.len() <= 3 => Some(
            "each row of a `classify` reads `VALUE when CONDITION`, e.g. `prospect when two_way_contact`"
                .to_string(),
        ),
        _ => None,
    }
}
