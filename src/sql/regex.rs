//! A pattern of `matches` in each database's regular-expression syntax, exactly: read by
//! the parser the engine's `regex` crate uses, whose high-level form has the flags compiled
//! away (`(?i)a` is `[Aa]`) and every class (`.`, `\d`, `\w`) as explicit ranges of
//! characters. Written back with nothing but literals, explicit ranges, groups,
//! alternation, repetition and the two anchors, it means the same in PostgreSQL (ARE),
//! DuckDB (RE2) and Spark (`java.util.regex`), whatever their own Unicode tables.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::Dialect;

/// The pattern for `dialect`, or why it has no exact equivalent there.
pub fn translate(pattern: &str, dialect: Dialect) -> Result<String, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("the pattern does not parse: {e}"))?;
    let mut out = String::new();
    write(&hir, dialect, &mut out)?;
    Ok(out)
}

fn write(hir: &Hir, d: Dialect, out: &mut String) -> Result<(), String> {
    match hir.kind() {
        HirKind::Empty => out.push_str("(?:)"),
        HirKind::Literal(literal) => {
            let text = std::str::from_utf8(&literal.0)
                .map_err(|_| "it matches bytes that are not text".to_string())?;
            for c in text.chars() {
                char_entry(c, d, out);
            }
        }
        HirKind::Class(Class::Unicode(class)) => {
            let ranges = class.ranges();
            if ranges.is_empty() {
                return Err("it has a class that matches nothing".into());
            }
            out.push('[');
            for r in ranges {
                let (mut start, end) = (r.start(), r.end());
                if d == Dialect::Postgres && start == '\0' {
                    // PostgreSQL text holds no NUL, and its patterns cannot name it
                    if end == '\0' {
                        continue;
                    }
                    start = '\u{1}';
                }
                char_entry(start, d, out);
                if end != start {
                    out.push('-');
                    char_entry(end, d, out);
                }
            }
            out.push(']');
        }
        HirKind::Class(Class::Bytes(_)) => {
            return Err("it matches bytes (`(?-u)`), not characters".into());
        }
        HirKind::Look(look) => match look {
            Look::Start => out.push_str("\\A"),
            Look::End => out.push_str(match d {
                // PostgreSQL's `\Z` is the end of the text; Java's and RE2's `\z`
                Dialect::Postgres => "\\Z",
                _ => "\\z",
            }),
            Look::StartLF | Look::EndLF | Look::StartCRLF | Look::EndCRLF => {
                return Err("line anchors (`(?m)`) differ between engines".into());
            }
            _ => {
                return Err(
                    "word boundaries (`\\b`) follow each engine's own idea of a word character"
                        .into(),
                );
            }
        },
        HirKind::Repetition(rep) => {
            // what a repetition may repeat must be one unit
            out.push_str("(?:");
            write(&rep.sub, d, out)?;
            out.push(')');
            let limit = match d {
                Dialect::Postgres => 255,
                _ => 1000,
            };
            if rep.min > limit || rep.max.is_some_and(|m| m > limit) {
                return Err(format!(
                    "it repeats more than {limit} times, the most {} allows",
                    d.name()
                ));
            }
            // greedy or lazy matches the same texts: `matches` asks only whether one does
            match (rep.min, rep.max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (min, None) => out.push_str(&format!("{{{min},}}")),
                (min, Some(max)) if min == max => out.push_str(&format!("{{{min}}}")),
                (min, Some(max)) => out.push_str(&format!("{{{min},{max}}}")),
            }
        }
        HirKind::Capture(capture) => {
            out.push_str("(?:");
            write(&capture.sub, d, out)?;
            out.push(')');
        }
        HirKind::Concat(parts) => {
            for part in parts {
                write(part, d, out)?;
            }
        }
        HirKind::Alternation(parts) => {
            out.push_str("(?:");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write(part, d, out)?;
            }
            out.push(')');
        }
    }
    Ok(())
}

/// One character as each syntax reads it: letters and digits as themselves, everything
/// else by its code point, so that no character is an operator anywhere.
fn char_entry(c: char, d: Dialect, out: &mut String) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
        return;
    }
    let code = c as u32;
    match d {
        Dialect::Postgres if code <= 0xFFFF => out.push_str(&format!("\\u{code:04X}")),
        Dialect::Postgres => out.push_str(&format!("\\U{code:08X}")),
        _ => out.push_str(&format!("\\x{{{code:X}}}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_classes_are_written_out_as_ranges() {
        assert_eq!(
            translate("^(?i)ab$", Dialect::DuckDb).as_deref(),
            Ok("\\A[Aa][Bb]\\z")
        );
        assert_eq!(
            translate("@(acme|globex)\\.com", Dialect::Postgres).as_deref(),
            Ok("\\u0040(?:(?:acme|globex))\\u002Ecom")
        );
        let dot = translate("a.c", Dialect::Spark).expect("translates");
        assert_eq!(
            dot, "a[\\x{0}-\\x{9}\\x{B}-\\x{10FFFF}]c",
            "`.` is all but a newline"
        );
        assert_eq!(
            translate("x{2,5}y*", Dialect::DuckDb).as_deref(),
            Ok("(?:x){2,5}(?:y)*")
        );
    }

    #[test]
    fn what_engines_read_differently_is_refused() {
        for pattern in ["\\bsales\\b", "(?m)^vp", "(?-u:\\xFF)", "a{300}"] {
            assert!(translate(pattern, Dialect::Postgres).is_err(), "{pattern}");
        }
        assert!(translate("a{300}", Dialect::DuckDb).is_ok());
    }
}
