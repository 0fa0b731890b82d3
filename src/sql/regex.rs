//! A pattern of `matches` in each database's regular-expression syntax, exactly: read by
//! the parser the engine's `regex` crate uses, whose high-level form has the flags compiled
//! away (`(?i)a` is `[Aa]`) and every class (`.`, `\d`, `\w`) as explicit ranges of
//! characters. Written back with nothing but literals, explicit ranges, groups,
//! alternation, repetition and the two anchors, it means the same in PostgreSQL (ARE),
//! DuckDB (RE2) and Spark (`java.util.regex`), whatever their own Unicode tables.

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look};

use super::Dialect;

/// The pattern for `dialect`, or why it has no exact equivalent there.
pub fn translate(pattern: &str, dialect: Dialect) -> Result<String, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("the pattern does not parse: {e}"))?;
    let mut out = String::new();
    top(&hir, dialect, &mut out)?;
    Ok(out)
}

/// The pattern of a mapping's `extract` for `dialect`, its group 1 capturing (and
/// greediness kept), or why it has no exact equivalent: PostgreSQL's captures follow
/// other rules than the leftmost-first ones of the `regex` crate, RE2 and Java; a group 1
/// that a match can skip (in an alternation's branch, or an optional or repeated part)
/// is an error in `eval` where the databases give empty text.
pub fn translate_extract(pattern: &str, dialect: Dialect) -> Result<String, String> {
    if dialect == Dialect::Postgres {
        return Err("PostgreSQL's regular expressions capture by other rules".into());
    }
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("the pattern does not parse: {e}"))?;
    match group_one(&hir, true) {
        Some(true) => {}
        Some(false) => {
            return Err("its group 1 is in an alternation or an optional or repeated part".into());
        }
        None => return Err("it has no group 1".into()),
    }
    let mut out = String::new();
    write_as(&hir, dialect, true, &mut out)?;
    Ok(out)
}

/// Whether group 1 of `hir` takes part in every match (`Some(true)`: it is reached by
/// concatenation and groups only), or may not (`Some(false)`), if it is there at all.
fn group_one(hir: &Hir, always: bool) -> Option<bool> {
    match hir.kind() {
        HirKind::Capture(capture) if capture.index == 1 => Some(always),
        HirKind::Capture(capture) => group_one(&capture.sub, always),
        HirKind::Concat(parts) => parts.iter().find_map(|p| group_one(p, always)),
        HirKind::Alternation(parts) => parts.iter().find_map(|p| group_one(p, false)),
        HirKind::Repetition(rep) => group_one(&rep.sub, false),
        _ => None,
    }
}

/// The pattern as a whole: `matches` asks only whether it matches somewhere, so a word
/// boundary at an edge of the pattern (or of a branch of a top-level alternation) can be
/// written as the character, or text edge, it asks for beside a word character:
/// `\bvp\b` as `(?:\A|[^\w])vp(?:[^\w]|\z)`, `\w` the engine's own class written out.
/// That needs the characters the rest of the pattern can begin (or end) with to be all
/// word characters, or all not: else, and for a boundary anywhere else, it is refused.
fn top(hir: &Hir, d: Dialect, out: &mut String) -> Result<(), String> {
    match hir.kind() {
        HirKind::Alternation(branches) => {
            out.push_str("(?:");
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                top(branch, d, out)?;
            }
            out.push(')');
            Ok(())
        }
        HirKind::Capture(capture) => top(&capture.sub, d, out),
        HirKind::Concat(parts) if parts.len() >= 2 => {
            let (first, last) = (&parts[0], &parts[parts.len() - 1]);
            let start = edge(first);
            let end = edge(last);
            if start.is_none() && end.is_none() {
                return write(hir, d, out);
            }
            let inner =
                &parts[usize::from(start.is_some())..parts.len() - usize::from(end.is_some())];
            let body = Hir::concat(inner.to_vec());
            if let Some(look) = start {
                let word = word_class(look);
                let side = ends(&body, &word, true).ok_or_else(boundary_refused)?;
                out.push_str(&beside(look, side, &word, d, true)?);
            }
            write(&body, d, out)?;
            if let Some(look) = end {
                let word = word_class(look);
                let side = ends(&body, &word, false).ok_or_else(boundary_refused)?;
                out.push_str(&beside(look, side, &word, d, false)?);
            }
            Ok(())
        }
        _ => write(hir, d, out),
    }
}

fn boundary_refused() -> String {
    "word boundaries (`\\b`) follow each engine's own idea of a word character: one at an edge of the pattern is translated where what it borders begins (or ends) with word characters only, or with others only".into()
}

/// The word boundary an edge of the pattern is, if it is one.
fn edge(hir: &Hir) -> Option<Look> {
    match hir.kind() {
        HirKind::Look(
            look @ (Look::WordUnicode
            | Look::WordUnicodeNegate
            | Look::WordAscii
            | Look::WordAsciiNegate
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartAscii
            | Look::WordEndAscii),
        ) => Some(*look),
        _ => None,
    }
}

/// The word characters of a boundary: Unicode's `\w` (the regex crate's), or ASCII's.
fn word_class(look: Look) -> ClassUnicode {
    let ascii = matches!(
        look,
        Look::WordAscii | Look::WordAsciiNegate | Look::WordStartAscii | Look::WordEndAscii
    );
    if ascii {
        return ClassUnicode::new(
            [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]
                .map(|(a, b)| ClassUnicodeRange::new(a, b)),
        );
    }
    match regex_syntax::Parser::new()
        .parse("\\w")
        .map(|h| h.into_kind())
    {
        Ok(HirKind::Class(Class::Unicode(class))) => class,
        // `\w` parses as a class of the Unicode tables this crate is built with
        _ => ClassUnicode::empty(),
    }
}

/// Whether every character `hir` can begin (`first`) or end with is a word character
/// (`Some(true)`), none is (`Some(false)`), or neither, or it can match no character at
/// all (`None`).
fn ends(hir: &Hir, word: &ClassUnicode, first: bool) -> Option<bool> {
    let of_class = |class: &ClassUnicode| {
        let mut within = class.clone();
        within.intersect(word);
        if within == *class {
            Some(true)
        } else if within.ranges().is_empty() {
            Some(false)
        } else {
            None
        }
    };
    match hir.kind() {
        HirKind::Literal(literal) => {
            let text = std::str::from_utf8(&literal.0).ok()?;
            let c = if first {
                text.chars().next()?
            } else {
                text.chars().next_back()?
            };
            of_class(&ClassUnicode::new([ClassUnicodeRange::new(c, c)]))
        }
        HirKind::Class(Class::Unicode(class)) => of_class(class),
        HirKind::Capture(capture) => ends(&capture.sub, word, first),
        HirKind::Repetition(rep) if rep.min >= 1 => ends(&rep.sub, word, first),
        HirKind::Concat(parts) => {
            let part = if first { parts.first()? } else { parts.last()? };
            // a part that can match nothing would let the next one border the boundary
            if part.properties().minimum_len() == Some(0) {
                return None;
            }
            ends(part, word, first)
        }
        HirKind::Alternation(branches) => {
            let mut sides = branches.iter().map(|b| ends(b, word, first));
            let side = sides.next()??;
            sides.all(|s| s == Some(side)).then_some(side)
        }
        _ => None,
    }
}

/// What a boundary asks of the character beside the text it borders (`before` it, or
/// after), when that text's edge is a word character (`word_side`) or not.
fn beside(
    look: Look,
    word_side: bool,
    word: &ClassUnicode,
    d: Dialect,
    before: bool,
) -> Result<String, String> {
    let mut other = word.clone();
    other.negate();
    let class = |c: &ClassUnicode| -> Result<String, String> {
        let mut out = String::new();
        write(&Hir::class(Class::Unicode(c.clone())), d, &mut out)?;
        Ok(out)
    };
    let edge = if before {
        "\\A".to_string()
    } else {
        match d {
            Dialect::Postgres => "\\Z".to_string(),
            _ => "\\z".to_string(),
        }
    };
    // the neighbour must be a non-word character or the text's edge (`not_word`), or a
    // word character
    let not_word = || -> Result<String, String> {
        let c = class(&other)?;
        Ok(if before {
            format!("(?:{edge}|{c})")
        } else {
            format!("(?:{c}|{edge})")
        })
    };
    let is_word = || class(word);
    let never = || {
        Err("a word boundary that can never hold there (`\\<` before a character that is not a word character)".to_string())
    };
    match look {
        Look::WordUnicode | Look::WordAscii => {
            if word_side {
                not_word()
            } else {
                is_word()
            }
        }
        Look::WordUnicodeNegate | Look::WordAsciiNegate => {
            if word_side {
                is_word()
            } else {
                not_word()
            }
        }
        // `\<` begins a word, `\>` ends one: at the wrong edge, or beside a non-word
        // character, they never hold
        Look::WordStartUnicode | Look::WordStartAscii if before && word_side => not_word(),
        Look::WordEndUnicode | Look::WordEndAscii if !before && word_side => not_word(),
        _ => never(),
    }
}

fn write(hir: &Hir, d: Dialect, out: &mut String) -> Result<(), String> {
    write_as(hir, d, false, out)
}

/// [`write`], keeping group 1 as a capturing group and each repetition's greediness where
/// `extract` (what a group captures depends on both).
fn write_as(hir: &Hir, d: Dialect, extract: bool, out: &mut String) -> Result<(), String> {
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
            write_as(&rep.sub, d, extract, out)?;
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
            if extract && !rep.greedy {
                out.push('?');
            }
        }
        HirKind::Capture(capture) => {
            out.push_str(if extract && capture.index == 1 {
                "("
            } else {
                "(?:"
            });
            write_as(&capture.sub, d, extract, out)?;
            out.push(')');
        }
        HirKind::Concat(parts) => {
            for part in parts {
                write_as(part, d, extract, out)?;
            }
        }
        HirKind::Alternation(parts) => {
            out.push_str("(?:");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write_as(part, d, extract, out)?;
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
    fn word_boundaries_at_the_edges_are_the_characters_beside() {
        let t = |p: &str| translate(p, Dialect::DuckDb).expect("translates");
        let words = t("(?i)\\b(vp|chief)\\b");
        assert!(words.starts_with("(?:\\A|["), "{words}");
        assert!(words.ends_with("|\\z)"), "{words}");
        assert!(words.contains("[Vv][Pp]"), "{words}");
        // a branch of a top-level alternation is a whole pattern too
        let either = t("\\bvp\\b|^ceo$");
        assert!(
            either.starts_with("(?:(?:\\A|[") && either.ends_with("|\\z)|\\Aceo\\z)"),
            "{either}"
        );
        // a boundary before a non-word character asks for a word character before it
        let dash = t("\\b-x");
        assert!(
            dash.starts_with('[') && dash.ends_with("\\x{2D}x"),
            "{dash}"
        );
        // ASCII boundaries use ASCII's word characters
        assert_eq!(
            t("(?-u:\\b)ab"),
            "(?:\\A|[\\x{0}-\\x{2F}\\x{3A}-\\x{40}\\x{5B}-\\x{5E}\\x{60}\\x{7B}-\\x{10FFFF}])ab"
        );
    }

    #[test]
    fn an_extract_keeps_group_one_and_greediness() {
        assert_eq!(
            translate_extract("^[0-9]+\\.(.*?)$", Dialect::DuckDb).as_deref(),
            Ok("\\A(?:[0-9])+\\x{2E}((?:[\\x{0}-\\x{9}\\x{B}-\\x{10FFFF}])*?)\\z")
        );
        for (pattern, why) in [
            ("a|(b)", "alternation"),
            ("(a)?", "optional"),
            ("(a)+", "repeated"),
            ("abc", "no group 1"),
        ] {
            let refused = translate_extract(pattern, Dialect::Spark).expect_err(pattern);
            assert!(refused.contains(why), "{pattern}: {refused}");
        }
        assert!(translate_extract("(a)", Dialect::Postgres).is_err());
        assert!(
            translate_extract("(?:x)(a)(b)", Dialect::Spark).is_ok_and(|p| p.contains("(a)(?:b)"))
        );
    }

    #[test]
    fn what_engines_read_differently_is_refused() {
        for pattern in [
            "a\\bsales",
            "\\b(a|-)",
            "\\ba?b",
            "(?m)^vp",
            "(?-u:\\xFF)",
            "a{300}",
        ] {
            assert!(translate(pattern, Dialect::Postgres).is_err(), "{pattern}");
        }
        assert!(translate("a{300}", Dialect::DuckDb).is_ok());
    }
}
