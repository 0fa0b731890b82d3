//! The one scanner for rule text outside the parser: which characters are code, which
//! belong to a string and which to a `#` comment.
//!
//! The parser has its own view (the grammar); this is for the places that look at raw
//! text — splitting a file into items, the nesting limit, error recovery and the
//! formatter — so that all of them agree on where strings and comments are.
//!
//! The rules, matching the grammar where the text is valid:
//! - `"` starts a string, which ends at the next unescaped `"`; a `\` escapes the next
//!   character (even a newline). An unescaped newline ends an unterminated string, so one
//!   missing `"` does not swallow the rest of the file.
//! - `#` outside a string starts a comment, which runs to the end of the line.
//! - The newline that ends a comment or an unterminated string is code.

use std::str::CharIndices;

/// What a character of rule text is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Anything outside strings and comments (including whitespace).
    Code,
    /// A string literal, its quotes and escapes included.
    String,
    /// A `#` comment, from the `#` to the end of its line (the newline excluded).
    Comment,
}

/// The characters of a text with their byte offsets and classes; see the module docs.
pub struct Scanner<'a> {
    chars: CharIndices<'a>,
    state: State,
}

#[derive(Clone, Copy)]
enum State {
    Code,
    String { escaped: bool },
    Comment,
}

/// Scans `text` from its start, which must not lie inside a string or comment.
pub fn scan(text: &str) -> Scanner<'_> {
    Scanner {
        chars: text.char_indices(),
        state: State::Code,
    }
}

impl Iterator for Scanner<'_> {
    type Item = (usize, char, Class);

    fn next(&mut self) -> Option<Self::Item> {
        let (i, c) = self.chars.next()?;
        let (class, state) = match (self.state, c) {
            (State::Code, '"') => (Class::String, State::String { escaped: false }),
            (State::Code, '#') => (Class::Comment, State::Comment),
            (State::Code, _) => (Class::Code, State::Code),
            (State::String { escaped: true }, _) => {
                (Class::String, State::String { escaped: false })
            }
            (State::String { .. }, '\\') => (Class::String, State::String { escaped: true }),
            (State::String { .. }, '"') => (Class::String, State::Code),
            (State::String { .. } | State::Comment, '\n') => (Class::Code, State::Code),
            (State::String { .. }, _) => (Class::String, State::String { escaped: false }),
            (State::Comment, _) => (Class::Comment, State::Comment),
        };
        self.state = state;
        Some((i, c, class))
    }
}

/// The characters of `text` outside strings and comments, with their byte offsets.
pub fn code(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    scan(text).filter_map(|(i, c, class)| (class == Class::Code).then_some((i, c)))
}

/// Byte ranges of the `#` comments of `text` (each up to, not including, its newline).
pub fn comment_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, _, class) in scan(text) {
        match (class, start) {
            (Class::Comment, None) => start = Some(i),
            (Class::Comment, Some(_)) => {}
            (_, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (_, None) => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Where the first `#` comment of `text` starts.
pub fn comment_start(text: &str) -> Option<usize> {
    scan(text).find_map(|(i, _, class)| (class == Class::Comment).then_some(i))
}

/// The offset of the first character that is neither whitespace nor part of a comment,
/// or the length of `text` when there is none.
pub fn skip_blank(text: &str) -> usize {
    scan(text)
        .find(|&(_, c, class)| class != Class::Comment && !c.is_whitespace())
        .map_or(text.len(), |(i, _, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str) -> String {
        scan(text)
            .map(|(_, _, class)| match class {
                Class::Code => 'c',
                Class::String => 's',
                Class::Comment => '#',
            })
            .collect()
    }

    #[test]
    fn strings_comments_and_code() {
        assert_eq!(classes(r#"a "b#" # "c"#), "ccssssc####");
        assert_eq!(classes("x # y\nz"), "cc###cc");
    }

    #[test]
    fn escapes_keep_a_string_open() {
        assert_eq!(classes(r#""a\"b" c"#), "sssssscc");
        // an escaped newline continues the string (the grammar allows it)
        assert_eq!(classes("\"a\\\nb\" c"), "sssssscc");
    }

    #[test]
    fn an_unterminated_string_ends_at_the_newline() {
        assert_eq!(classes("\"abc\n(x"), "ssssccc");
        assert_eq!(comment_start("\"abc\n# x"), Some(5));
    }

    #[test]
    fn comment_ranges_end_before_the_newline_or_at_the_end() {
        let text = "a # one\n\"#\" b # two";
        assert_eq!(comment_ranges(text), vec![(2, 7), (14, 19)]);
        assert_eq!(comment_ranges("no comments \"#\""), Vec::new());
    }

    #[test]
    fn skip_blank_passes_whitespace_and_comments() {
        assert_eq!(skip_blank("  # c\n  foo"), 8);
        assert_eq!(skip_blank("  # c\n  "), 8);
        assert_eq!(skip_blank("\"# x\""), 0);
    }
}
