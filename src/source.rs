//! Source files and byte-range spans.
//!
//! Every diagnostic points into a [`SourceMap`] with a [`Span`]; line and column are
//! computed only when something is rendered, so the front end stays cheap. Rendering
//! (`cli::render`) hands the text to miette.

use std::fmt;
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

impl FileId {
    /// The file's position in its source map.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A byte range in one source file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// The file the range belongs to.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// The smallest span covering both (assumed to be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}..{}", self.file.0, self.start, self.end)
    }
}

/// A value with the place in the source it came from; the span is ignored by equality so
/// trees can be compared regardless of layout.
#[derive(Clone, Copy)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.node
    }
}

/// One source text with the name it is shown under.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path or name shown in diagnostics.
    pub name: String,
    /// The full text.
    pub text: Arc<str>,
    /// Byte offset of the start of every line.
    line_starts: Arc<[u32]>,
}

/// A 1-based line and column (column counted in characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

impl SourceFile {
    /// A source file named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        );
        SourceFile {
            name: name.into(),
            text,
            line_starts: line_starts.into(),
        }
    }

    /// Line and column of a byte offset; a `\r` before `\n` belongs to the line it ends.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let mut boundary = offset;
        while !self.text.is_char_boundary(boundary) {
            boundary -= 1;
        }
        let column = self.text[start..boundary].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// The byte offset of a 1-based line and column (in characters); clamped to the text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let start = start as usize;
        let rest = &self.text[start..];
        let line_text = &rest[..rest.find('\n').unwrap_or(rest.len())];
        start
            + line_text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i)
    }

    /// The text of a span.
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// All source files of one run; [`FileId`]s index into it.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    /// All files with their ids, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).slice(span)
    }

    /// Where a span starts and ends, as lines and columns.
    pub fn line_cols(&self, span: Span) -> (LineCol, LineCol) {
        let file = self.get(span.file);
        (
            file.line_col(span.start as usize),
            file.line_col(span.end as usize),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_characters() {
        let file = SourceFile::new("t", "ab\ncd\n\nef");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(2), LineCol { line: 1, column: 3 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        assert_eq!(file.line_col(6), LineCol { line: 3, column: 1 });
        assert_eq!(file.line_col(8), LineCol { line: 4, column: 2 });
    }

    #[test]
    fn line_col_with_crlf() {
        let file = SourceFile::new("t", "ab\r\ncd\r\n");
        assert_eq!(file.line_col(4), LineCol { line: 2, column: 1 });
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 2 });
        // the `\r` is the last column of its own line
        assert_eq!(file.line_col(2), LineCol { line: 1, column: 3 });
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let file = SourceFile::new("t", "let café = größe\nx");
        let offset = "let café = gr".len();
        assert_eq!(
            file.line_col(offset),
            LineCol {
                line: 1,
                column: 14
            }
        );
        // an offset inside a multi-byte character rounds down to its start
        let inside = "let caf".len() + 1;
        assert_eq!(file.line_col(inside), LineCol { line: 1, column: 8 });
    }

    #[test]
    fn spans_join_and_spanned_ignores_location_in_equality() {
        let a = Span::new(FileId(0), 2, 4);
        let b = Span::new(FileId(0), 6, 9);
        assert_eq!(a.to(b), Span::new(FileId(0), 2, 9));
        assert_eq!(Spanned::new(1, a), Spanned::new(1, b));
    }
}
