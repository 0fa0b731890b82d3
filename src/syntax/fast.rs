//! The fast path of the parser: a hand-written parser for the items large rule files are
//! made of — `let NAME = EXPR` and `classify` with rows — over the common expressions
//! (names, fields, numbers, strings, `true`/`false`/`now`, brackets, lists, every operator).
//!
//! pest costs about 8 µs for a one-line `let`, most of it in work it does for every rule it
//! tries (stack and call-limit checks, the token queue, backtracking through each
//! alternative of `primary` and `infix`), so a 10 MB rule file took seconds to parse. This
//! parser reads an item in one pass and builds the same tree the pest path builds, through
//! the same [`pratt`] fold and the same literal functions.
//!
//! It never decides anything the grammar would decide differently: whenever an item holds
//! something it does not handle (a schema, a quantifier, an aggregate, a call, a date, a
//! duration, a character outside its tokens) or anything that is not valid, it gives up and
//! the item goes to pest, which parses it or words the error. So the grammar stays the one
//! definition of the language; in debug builds every item this path builds is compared
//! with what pest builds (see [`check_against_pest`]).

use super::build;
use super::keywords;
use super::pratt::{self, Piece, Postfix};
use crate::ast::{BinaryOp, Classify, Expr, ExprKind, Ident, Item, Let, Row, UnaryOp};
use crate::source::{FileId, Span, Spanned};

/// The item `chunk` (at `offset` in `file`), or `None` when pest must parse it.
pub(super) fn item(file: FileId, offset: usize, chunk: &str) -> Option<Item> {
    let mut parser = Parser {
        text: chunk,
        at: 0,
        file,
        offset,
    };
    let item = parser.item()?;
    // the item must be the whole chunk (the grammar's `item_chunk`: SOI ~ item ~ EOI)
    match parser.peek() {
        Token::End => Some(item),
        _ => None,
    }
}

/// A token: a word (keyword or name), a number, a string (with its quotes), punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Number(&'a str),
    Str(&'a str),
    Punct(&'static str),
    /// The end of the chunk.
    End,
    /// Anything else: the fast path gives up.
    Other,
}

struct Parser<'a> {
    text: &'a str,
    /// Where the next token (or the trivia before it) starts.
    at: usize,
    file: FileId,
    offset: usize,
}

/// Whether `b` can continue a word (the grammar's `ident_char`).
fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The grammar's `WHITESPACE`.
fn space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Punctuation, two-character operators first (the grammar tries `<=` before `<`).
const PUNCTUATION: &[&str] = &[
    "==", "!=", "<=", ">=", "??", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", "{", "}", ",",
    ".", "=",
];

impl<'a> Parser<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    /// Where the next token starts: after whitespace and `#` comments, which the grammar
    /// allows between any two tokens.
    fn skip_trivia(&self, mut at: usize) -> usize {
        let bytes = self.text.as_bytes();
        loop {
            match bytes.get(at) {
                Some(&b) if space_byte(b) => at += 1,
                Some(b'#') => {
                    at = self.text[at..]
                        .find('\n')
                        .map_or(self.text.len(), |n| at + n);
                }
                _ => return at,
            }
        }
    }

    /// The next token with its start and end, without taking it.
    fn token_at(&self, from: usize) -> (Token<'a>, usize, usize) {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.skip_trivia(from);
        let Some(&first) = bytes.get(start) else {
            return (Token::End, start, start);
        };
        let run = |mut i: usize, test: fn(u8) -> bool| {
            while bytes.get(i).is_some_and(|&b| test(b)) {
                i += 1;
            }
            i
        };
        if first.is_ascii_alphabetic() || first == b'_' {
            let end = run(start, word_byte);
            return (Token::Word(&text[start..end]), start, end);
        }
        if first.is_ascii_digit() {
            // ASCII_DIGIT+ ~ ("_" ~ ASCII_DIGIT+)* ~ ("." ~ ASCII_DIGIT+)? ~ !ident_char
            let digit = |b: u8| b.is_ascii_digit();
            let mut end = run(start, digit);
            while bytes.get(end) == Some(&b'_') && bytes.get(end + 1).is_some_and(|&b| digit(b)) {
                end = run(end + 1, digit);
            }
            if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(|&b| digit(b)) {
                end = run(end + 1, digit);
            }
            if bytes.get(end).is_some_and(|&b| word_byte(b)) {
                return (Token::Other, start, end);
            }
            return (Token::Number(&text[start..end]), start, end);
        }
        if first == b'"' {
            // "\"" ~ (!("\"" | "\\" | "\n") ~ ANY | "\\" ~ ANY)* ~ "\""
            let mut i = start + 1;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => return (Token::Str(&text[start..=i]), start, i + 1),
                    b'\n' => break,
                    b'\\' => match text[i + 1..].chars().next() {
                        Some(c) => i += 1 + c.len_utf8(),
                        None => break,
                    },
                    _ => i += 1,
                }
            }
            return (Token::Other, start, start);
        }
        match PUNCTUATION.iter().find(|p| text[start..].starts_with(**p)) {
            Some(p) => (Token::Punct(p), start, start + p.len()),
            None => (Token::Other, start, start),
        }
    }

    fn peek(&self) -> Token<'a> {
        self.token_at(self.at).0
    }

    /// Takes the next token; returns it with its start and end.
    fn next(&mut self) -> (Token<'a>, usize, usize) {
        let (token, start, end) = self.token_at(self.at);
        self.at = end;
        (token, start, end)
    }

    /// Takes the next token if it is `expected`; returns its start and end.
    fn take(&mut self, expected: Token<'_>) -> Option<(usize, usize)> {
        let (token, start, end) = self.token_at(self.at);
        (token == expected).then(|| {
            self.at = end;
            (start, end)
        })
    }

    /// A name: a word that is not a reserved keyword.
    fn ident(&mut self) -> Option<Ident> {
        match self.token_at(self.at) {
            (Token::Word(w), start, end) if !keywords::is_reserved(w) => {
                self.at = end;
                Some(Spanned::new(w.to_string(), self.span(start, end)))
            }
            _ => None,
        }
    }

    fn item(&mut self) -> Option<Item> {
        let (keyword, start, _) = self.next();
        match keyword {
            Token::Word("let") => {
                let name = self.ident()?;
                self.take(Token::Punct("="))?;
                let value = self.expr()?;
                let span = self.span(start, value.span.end as usize - self.offset);
                Some(Item::Let(Let { name, value, span }))
            }
            Token::Word("classify") => self.classify(start),
            _ => None,
        }
    }

    /// `classify NAME [when GUARD] { (VALUE when COND)* [otherwise VALUE] }`
    fn classify(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        let guard = match self.take(Token::Word("when")) {
            Some(_) => Some(self.expr()?),
            None => None,
        };
        self.take(Token::Punct("{"))?;
        let mut rows = Vec::new();
        while let Some(value) = self.ident() {
            self.take(Token::Word("when"))?;
            let cond = self.expr()?;
            let span = value.span.to(cond.span);
            rows.push(Row { value, cond, span });
        }
        let otherwise = match self.take(Token::Word("otherwise")) {
            Some(_) => Some(self.ident()?),
            None => None,
        };
        let (_, end) = self.take(Token::Punct("}"))?;
        Some(Item::Classify(Classify {
            name,
            guard,
            rows,
            otherwise,
            span: self.span(start, end),
        }))
    }

    /// `prefix* postfixed (infix prefix* postfixed)*`, folded by precedence.
    fn expr(&mut self) -> Option<Expr> {
        let start = self.skip_trivia(self.at);
        let mut pieces = Vec::new();
        loop {
            loop {
                let (token, start, end) = self.token_at(self.at);
                let op = match token {
                    Token::Word("not") => UnaryOp::Not,
                    Token::Punct("-") => UnaryOp::Neg,
                    _ => break,
                };
                self.at = end;
                pieces.push(Piece::Prefix(op, self.span(start, end)));
            }
            pieces.push(Piece::Operand(self.primary()?));
            while let Some(postfix) = self.postfix()? {
                pieces.push(postfix);
            }
            match self.infix()? {
                Some(op) => pieces.push(Piece::Infix(op)),
                None => break,
            }
        }
        let end = self.at;
        pratt::fold(pieces, self.span(start, end)).ok()
    }

    /// The operator after an operand, taken if there is one; `None` (give up) for a token
    /// that the grammar might read otherwise.
    fn infix(&mut self) -> Option<Option<BinaryOp>> {
        let (token, _, end) = self.token_at(self.at);
        let op = match token {
            Token::Word(w) => match w {
                "or" => BinaryOp::Or,
                "and" => BinaryOp::And,
                "in" => BinaryOp::In,
                "contains" => BinaryOp::Contains,
                "starts_with" => BinaryOp::StartsWith,
                "ends_with" => BinaryOp::EndsWith,
                "matches" => BinaryOp::Matches,
                "within" => BinaryOp::Within,
                "before" => BinaryOp::Before,
                "after" => BinaryOp::After,
                "not" => {
                    self.at = end;
                    self.take(Token::Word("in"))?;
                    return Some(Some(BinaryOp::NotIn));
                }
                // the next row, `when`, `otherwise`…: the expression ends here
                _ => return Some(None),
            },
            Token::Punct(p) => match p {
                "==" => BinaryOp::Eq,
                "!=" => BinaryOp::Ne,
                "<=" => BinaryOp::Le,
                ">=" => BinaryOp::Ge,
                "<" => BinaryOp::Lt,
                ">" => BinaryOp::Gt,
                "??" => BinaryOp::Coalesce,
                "+" => BinaryOp::Add,
                "-" => BinaryOp::Sub,
                "*" => BinaryOp::Mul,
                "/" => BinaryOp::Div,
                // `)`, `]`, `,`, `{`, `}`…: the expression ends here, and what reads it
                // checks what follows
                _ => return Some(None),
            },
            Token::End => return Some(None),
            Token::Number(_) | Token::Str(_) | Token::Other => return None,
        };
        self.at = end;
        Some(Some(op))
    }

    /// A postfix operator after an operand, taken if there is one; `None` (give up) for
    /// `.` or `is` not followed by what makes them one.
    fn postfix(&mut self) -> Option<Option<Piece>> {
        let (token, start, end) = self.token_at(self.at);
        match token {
            Token::Punct(".") => {
                self.at = end;
                let name = self.ident()?;
                let span = self.span(start, name.span.end as usize - self.offset);
                Some(Some(Piece::Postfix(Postfix::Field(name), span)))
            }
            Token::Word("is") => {
                self.at = end;
                let (word, _, end) = self.next();
                let present = match word {
                    Token::Word("missing") => false,
                    Token::Word("present") => true,
                    _ => return None,
                };
                let span = self.span(start, end);
                Some(Some(Piece::Postfix(Postfix::Presence(present), span)))
            }
            _ => Some(None),
        }
    }

    fn primary(&mut self) -> Option<Expr> {
        let (token, start, end) = self.next();
        let span = self.span(start, end);
        let kind = match token {
            Token::Word("true") => ExprKind::Bool(true),
            Token::Word("false") => ExprKind::Bool(false),
            Token::Word("now") => ExprKind::Now,
            // quantifiers and other keywords: pest's
            Token::Word(w) if keywords::is_reserved(w) => return None,
            // a call or an aggregate: pest's
            Token::Word(_) if self.peek() == Token::Punct("(") => return None,
            Token::Word(w) => ExprKind::Name(w.to_string()),
            Token::Number(n) => {
                let bytes = self.text.as_bytes();
                // `2026-11-01` is a date and `2026-11-01T…` a datetime, tried before numbers
                if n.len() == 4 && !n.contains(['_', '.']) && bytes.get(end) == Some(&b'-') {
                    return None;
                }
                // `30 days`: a duration (the grammar allows only whitespace, no comment,
                // between the number and its unit)
                let mut after = end;
                while bytes.get(after).is_some_and(|&b| space_byte(b)) {
                    after += 1;
                }
                if after > end && starts_with_unit(&self.text[after..]) {
                    return None;
                }
                ExprKind::Number(build::number(n, span).ok()?)
            }
            Token::Str(s) => ExprKind::String(build::string(s, span).ok()?),
            Token::Punct("(") => {
                let inner = self.expr()?;
                let (_, end) = self.take(Token::Punct(")"))?;
                // the parentheses' span, so diagnostics underline what was written
                return Some(Spanned::new(inner.node, self.span(start, end)));
            }
            Token::Punct("[") => {
                let mut items = Vec::new();
                let end = loop {
                    if let Some((_, end)) = self.take(Token::Punct("]")) {
                        break end;
                    }
                    items.push(self.expr()?);
                    if self.take(Token::Punct(",")).is_none() {
                        break self.take(Token::Punct("]"))?.1;
                    }
                };
                return Some(Spanned::new(ExprKind::List(items), self.span(start, end)));
            }
            _ => return None,
        };
        Some(Spanned::new(kind, span))
    }
}

/// Whether `text` starts with a word that begins like a duration unit (`day`, `weeks`…):
/// after a number, that may be a duration, which pest parses.
fn starts_with_unit(text: &str) -> bool {
    ["second", "minute", "hour", "day", "week"]
        .iter()
        .any(|unit| text.starts_with(unit))
}

/// In debug builds (and so in every test), an item the fast path built is parsed by pest
/// too, and the two trees, spans included, must be the same.
#[cfg(debug_assertions)]
pub(super) fn check_against_pest(item: &Item, by_pest: Option<&Item>, chunk: &str) {
    let shown = |item: &Item| format!("{item:?} {:?}", spans(item));
    assert_eq!(
        by_pest.map(shown),
        Some(shown(item)),
        "the fast path and pest disagree on {chunk:?}"
    );
}

/// Every span in an item, in a fixed order.
#[cfg(debug_assertions)]
fn spans(item: &Item) -> Vec<Span> {
    fn expr(e: &Expr, out: &mut Vec<Span>) {
        out.push(e.span);
        match &e.node {
            ExprKind::Field(_, name) | ExprKind::Call(name, _) => out.push(name.span),
            ExprKind::Quantifier { var, .. } | ExprKind::Aggregate { var, .. } => {
                out.push(var.span);
            }
            _ => {}
        }
        for (child, _) in e.node.children() {
            expr(child, out);
        }
    }
    let mut out = vec![item.span(), item.name().span];
    match item {
        Item::Let(l) => expr(&l.value, &mut out),
        Item::Classify(c) => {
            if let Some(g) = &c.guard {
                expr(g, &mut out);
            }
            for row in &c.rows {
                out.extend([row.span, row.value.span]);
                expr(&row.cond, &mut out);
            }
            out.extend(c.otherwise.as_ref().map(|o| o.span));
        }
        Item::Schema(_) => {}
    }
    out
}
