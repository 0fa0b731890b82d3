//! From `.qual` text to the AST: the only module that knows pest.
//!
//! A file is split into its top-level items (a line starting with `schema`, `let` or
//! `classify` starts one) and each item is parsed on its own, so a syntax error in one item
//! does not hide the errors in the others.
//!
//! The grammar (`grammar/qualify.pest`) defines the language. `let`s and classifications
//! over the common expressions are read by a hand-written fast path (`fast`) that builds
//! the same tree and hands every item it does not fully understand, valid or not, to pest;
//! precedence is folded once, in `pratt`, for both.

mod build;
mod expected;
mod fast;
pub mod keywords;
mod pratt;
pub mod scan;

use pest::Parser as _;

use crate::ast::{BrokenItem, File, Item};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, SourceFile, Span, Spanned};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/qualify.pest"]
struct QualParser;

/// Parses one rule file; returns every item that parsed and a diagnostic for each that did
/// not.
pub fn parse_file(id: FileId, source: &SourceFile) -> (File, Vec<Diagnostic>) {
    let text: &str = &source.text;
    let mut file = File {
        file: id,
        items: Vec::new(),
        broken: Vec::new(),
    };
    let mut diagnostics = Vec::new();
    for (start, end) in item_chunks(text) {
        let chunk = &text[start..end];
        let first_word = chunk
            .trim_start()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next();
        if let Some(reserved) = first_word.filter(|w| keywords::is_planned_item(w)) {
            let at = start + (chunk.len() - chunk.trim_start().len());
            diagnostics.push(reserved_item(
                Span::new(id, at, at + reserved.len()),
                reserved,
            ));
            file.broken.push(broken_item(id, chunk, start, end));
            continue;
        }
        if let Some(deep) = too_deep(chunk) {
            diagnostics.push(deep.diagnostic(id, start));
            file.broken.push(broken_item(id, chunk, start, end));
            continue;
        }
        let parsed = match fast::item(id, start, chunk) {
            Some(item) => {
                #[cfg(debug_assertions)]
                fast::check_against_pest(
                    &item,
                    by_pest(id, text, start, chunk).ok().flatten().as_ref(),
                    chunk,
                );
                Ok(Some(item))
            }
            None => by_pest(id, text, start, chunk),
        };
        match parsed {
            Ok(Some(item)) => file.items.push(item),
            Ok(None) => {}
            Err(d) => {
                diagnostics.push(d);
                file.broken.push(broken_item(id, chunk, start, end));
            }
        }
    }
    (file, diagnostics)
}

/// Parses the item `chunk`, at `start` in the file's `text`, with pest: the item, or the
/// diagnostic of its syntax error or invalid literal.
fn by_pest(id: FileId, text: &str, start: usize, chunk: &str) -> Result<Option<Item>, Diagnostic> {
    match parse_chunk(chunk) {
        Ok(mut pairs) => {
            let builder = build::Builder::new(id, start, chunk);
            let item_pair = pairs.next().and_then(|p| p.into_inner().next());
            item_pair.map(|p| builder.item(p)).transpose()
        }
        Err(error) => Err(expected::syntax_diagnostic(id, text, start, chunk, &error)),
    }
}

/// Parses one item. pest's detailed errors (what was expected where) cost more than the
/// parse itself, so an item is parsed without them and parsed again with them only if it
/// has an error. The setting is global to pest: the lock keeps parses on other threads from
/// seeing it switched under them.
fn parse_chunk(chunk: &str) -> Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>> {
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _only_us = DETAIL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(false);
    QualParser::parse(Rule::item_chunk, chunk).or_else(|_| {
        pest::set_error_detail(true);
        let detailed = QualParser::parse(Rule::item_chunk, chunk);
        pest::set_error_detail(false);
        detailed
    })
}

/// Deeper bracket nesting than this is refused before parsing: no rule needs it, and
/// parsing and every later stage recurse on it. `list of` in a schema type counts as a
/// level, like a bracket.
pub const MAX_NESTING: usize = 200;

/// Quantifiers and aggregates (`any`, `all`, `count`, `sum`, `min`, `max`) nested deeper
/// than this are refused: each level multiplies the work of evaluating a contact by the
/// length of its list, so 24 levels over two-element lists already take seconds.
pub const MAX_LOOP_NESTING: usize = 8;

/// Where and how an item nests too deeply.
struct TooDeep {
    /// Offset in the item of the bracket, word or operator that opens the level too many.
    at: usize,
    /// Its length in bytes.
    len: usize,
    /// Which kind of nesting.
    kind: Nesting,
}

enum Nesting {
    /// Brackets and `not` / `-` runs in an expression.
    Expression,
    /// `list of` and records in a schema type.
    Type,
    /// Quantifiers and aggregates.
    Loops,
}

impl TooDeep {
    fn diagnostic(&self, file: FileId, item_start: usize) -> Diagnostic {
        let span = Span::new(file, item_start + self.at, item_start + self.at + self.len);
        let (message, help) = match self.kind {
            Nesting::Expression => (
                format!(
                    "the expression nests more than {MAX_NESTING} levels deep (brackets, `not` or `-`)"
                ),
                "split the expression into named parts with `let`",
            ),
            Nesting::Type => (
                format!(
                    "the type nests more than {MAX_NESTING} levels deep (`list of` and records)"
                ),
                "no contact export nests this deep: declare the field with fewer levels",
            ),
            Nesting::Loops => (
                format!("quantifiers and aggregates nest more than {MAX_LOOP_NESTING} levels deep"),
                "each level multiplies the work per contact by the length of its list: write the condition with fewer nested `any`, `all`, `count`, `sum`, `min` or `max`",
            ),
        };
        Diagnostic::new(Code::Syntax, span, message)
            .with_label("too deep")
            .with_help(help)
    }
}

/// What one open bracket (or the item itself) holds.
#[derive(Default)]
struct Level {
    /// Quantifiers whose condition runs on inside this bracket, plus one if the bracket is
    /// an aggregate's.
    loops: usize,
    /// `list of` words in a row at this level (the type they make has not ended yet).
    lists: usize,
    /// Whether the bracket is an aggregate's (`count(…)`), which counts as one loop.
    aggregate: bool,
}

impl Level {
    /// Ends the quantifiers written at this level (a new row, element or argument
    /// starts); returns how many loops that closes.
    fn end_quantifiers(&mut self) -> usize {
        let own = usize::from(self.aggregate);
        let ended = self.loops - own;
        self.loops = own;
        ended
    }
}

/// The first place where `chunk` nests too deeply, skipping strings and comments: brackets
/// and `list of` beyond [`MAX_NESTING`], runs of prefix `not` and `-` beyond it, and
/// quantifiers and aggregates beyond [`MAX_LOOP_NESTING`].
///
/// A quantifier's condition runs to the end of the bracket, row or list element it is
/// written in, so a quantifier counts until then; an aggregate counts inside its brackets.
fn too_deep(chunk: &str) -> Option<TooDeep> {
    let mut levels = vec![Level::default()];
    let (mut loops, mut lists) = (0usize, 0usize); // sums over `levels`
    let mut prefix_run = 0usize;
    let mut word = String::new();
    let mut word_start = 0usize;
    let mut after_list = false; // the last word was `list`
    let mut after_aggregate = false; // the last word was an aggregate's, not yet followed by `(`
    let found = |at: usize, len: usize, kind: Nesting| Some(TooDeep { at, len, kind });
    for (i, c, class) in scan::scan(chunk) {
        let code = class == scan::Class::Code;
        if code && (c.is_ascii_alphanumeric() || c == '_') {
            if word.is_empty() {
                word_start = i;
            }
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            prefix_run = if word == "not" { prefix_run + 1 } else { 0 };
            let level = levels.last_mut().expect("the item's level is never closed");
            match word.as_str() {
                "any" | "all" => {
                    level.loops += 1;
                    loops += 1;
                    if loops > MAX_LOOP_NESTING {
                        return found(word_start, word.len(), Nesting::Loops);
                    }
                }
                // a new row or guard: the quantifiers of the one before have ended
                "when" => loops -= level.end_quantifiers(),
                "of" if after_list => {
                    level.lists += 1;
                    lists += 1;
                    if levels.len() - 1 + lists > MAX_NESTING {
                        return found(word_start.saturating_sub(5), 4, Nesting::Type);
                    }
                }
                "of" | "one" | "list" => {}
                _ => {
                    // a named type ends the `list of` run it completes
                    lists -= level.lists;
                    level.lists = 0;
                }
            }
            after_list = word == "list";
            after_aggregate = matches!(word.as_str(), "count" | "sum" | "min" | "max");
            word.clear();
        }
        if !code {
            // strings and comments end a word but, like whitespace, not a prefix run
            continue;
        }
        match c {
            '(' | '[' | '{' => {
                let aggregate = c == '(' && after_aggregate;
                levels.push(Level {
                    loops: usize::from(aggregate),
                    lists: 0,
                    aggregate,
                });
                loops += usize::from(aggregate);
                if levels.len() - 1 + lists > MAX_NESTING {
                    let kind = if lists > 0 {
                        Nesting::Type
                    } else {
                        Nesting::Expression
                    };
                    return found(i, 1, kind);
                }
                if loops > MAX_LOOP_NESTING {
                    return found(i, 1, Nesting::Loops);
                }
            }
            ')' | ']' | '}' => {
                if levels.len() > 1
                    && let Some(closed) = levels.pop()
                {
                    loops -= closed.loops;
                    lists -= closed.lists;
                }
                // a closed record ends the type around it
                let level = levels.last_mut().expect("the item's level is never closed");
                if c == '}' {
                    lists -= level.lists;
                    level.lists = 0;
                }
            }
            ',' => {
                // the next list element, argument or field: earlier quantifiers have ended
                let level = levels.last_mut().expect("the item's level is never closed");
                loops -= level.end_quantifiers();
                lists -= level.lists;
                level.lists = 0;
            }
            '-' => prefix_run += 1,
            c if c.is_whitespace() => {}
            _ => prefix_run = 0,
        }
        if !c.is_whitespace() {
            after_list = false;
            after_aggregate = false;
        }
        if prefix_run > MAX_NESTING {
            return found(i, 1, Nesting::Expression);
        }
    }
    None
}

/// Byte ranges of the top-level items of `text`. Text before the first item keyword (only
/// comments, if the file is valid) joins the first chunk so that stray text is reported.
fn item_chunks(text: &str) -> Vec<(usize, usize)> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if keywords::item_keywords().any(|kw| starts_with_word(trimmed, kw)) {
            starts.push(offset + indent);
        }
        offset += line.len();
    }
    if starts.is_empty() {
        return if text.trim().is_empty() || only_comments(text) {
            Vec::new()
        } else {
            vec![(0, text.len())]
        };
    }
    if !only_comments(&text[..starts[0]]) {
        starts[0] = 0;
    }
    let mut chunks = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        chunks.push((start, end));
    }
    chunks
}

fn only_comments(text: &str) -> bool {
    scan::skip_blank(text) == text.len()
}

fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word).is_some_and(|rest| {
        !rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// What we can tell about an item that did not parse: its name if the second word is one.
fn broken_item(file: FileId, chunk: &str, start: usize, end: usize) -> BrokenItem {
    let trimmed = chunk.trim_start();
    let lead = chunk.len() - trimmed.len();
    let mut words = trimmed.splitn(3, |c: char| c.is_whitespace());
    let keyword = words.next().unwrap_or("");
    let name = if keywords::is_item_keyword(keyword) {
        words.next().and_then(|w| {
            let len = w
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(w.len());
            let name = &w[..len];
            let name_start = start
                + lead
                + keyword.len()
                + (trimmed[keyword.len()..].len() - trimmed[keyword.len()..].trim_start().len());
            (!name.is_empty()).then(|| {
                Spanned::new(
                    name.to_string(),
                    Span::new(file, name_start, name_start + name.len()),
                )
            })
        })
    } else {
        None
    };
    BrokenItem {
        keyword: if keywords::is_item_keyword(keyword) {
            keyword.to_string()
        } else {
            String::new()
        },
        name,
        span: Span::new(file, start, end),
    }
}

/// A diagnostic for a top-level item the language reserves for later.
fn reserved_item(span: Span, keyword: &str) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        span,
        format!("`{keyword}` is reserved for a planned feature and cannot be used yet"),
    )
    .with_label("reserved word")
    .with_help("write the definition with `let` and `classify` for now")
}

#[cfg(test)]
mod tests;

/// Conveniences on a parsed file.
impl File {
    /// Names of the items in order.
    pub fn item_names(&self) -> Vec<&str> {
        self.items
            .iter()
            .map(|i: &Item| i.name().as_str())
            .collect()
    }
}
