//! From `.qual` text to the AST: the only module that knows pest.
//!
//! A file is split into its top-level items (a line starting with `schema`, `let` or
//! `classify` starts one) and each item is parsed on its own, so a syntax error in one item
//! does not hide the errors in the others.

mod build;

mod expected;
pub mod keywords;
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
    pest::set_error_detail(true);
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
        if let Some(at) = too_deep(chunk) {
            diagnostics.push(
                Diagnostic::new(
                    Code::Syntax,
                    Span::new(id, start + at, start + at + 1),
                    format!("the expression nests more than {MAX_NESTING} levels deep (brackets, `not` or `-`)"),
                )
                .with_label("too deep")
                .with_help("split the expression into named parts with `let`"),
            );
            file.broken.push(broken_item(id, chunk, start, end));
            continue;
        }
        match QualParser::parse(Rule::item_chunk, chunk) {
            Ok(mut pairs) => {
                let builder = build::Builder {
                    file: id,
                    offset: start,
                };
                let item_pair = pairs.next().and_then(|p| p.into_inner().next());
                match item_pair.map(|p| builder.item(p)) {
                    Some(Ok(item)) => file.items.push(item),
                    Some(Err(d)) => {
                        file.broken.push(broken_item(id, chunk, start, end));
                        diagnostics.push(d);
                    }
                    None => {}
                }
            }
            Err(error) => {
                diagnostics.push(expected::syntax_diagnostic(id, text, start, chunk, &error));
                file.broken.push(broken_item(id, chunk, start, end));
            }
        }
    }
    (file, diagnostics)
}

/// Deeper bracket nesting than this is refused before parsing: no rule needs it, and
/// parsing and every later stage recurse on it.
pub const MAX_NESTING: usize = 200;

/// The offset of the first bracket that opens level `MAX_NESTING + 1`, skipping strings
/// and comments; also counts prefix `not` and `-` runs, which nest the same way.
fn too_deep(chunk: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    let mut word = String::new();
    for (i, c, class) in scan::scan(chunk) {
        let code = class == scan::Class::Code;
        if code && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            prefix_run = if word == "not" { prefix_run + 1 } else { 0 };
            word.clear();
        }
        // strings and comments end a word but, like whitespace, not a prefix run
        if code {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                '-' => prefix_run += 1,
                c if c.is_whitespace() => {}
                _ => prefix_run = 0,
            }
        }
        if depth > MAX_NESTING || prefix_run > MAX_NESTING {
            return Some(i);
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
