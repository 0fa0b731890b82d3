//! The formatter: one canonical layout for rule files, comments kept in place.
//!
//! Layout: one item per line group, two-space indentation, `when` aligned in a `classify`,
//! single spaces around operators, long conditions broken before `and`/`or`, long lists
//! wrapped. Parentheses are kept exactly where they were written, and literals are
//! printed as written (`1_000` stays `1_000`), so the formatted file parses to the same
//! tree. Blank lines between items and rows are kept, at most one in a row.
//!
//! Comments on their own line stay before the element that follows them; comments at the
//! end of a line stay at the end of that element's line. An item with a comment inside an
//! expression (where no line of the canonical layout could carry it) is left as written.

use crate::ast::{
    self, BinaryOp, Classify, Expr, ExprKind, FieldDecl, Item, Schema, TypeExpr, UnaryOp,
};
use crate::source::SourceFile;
use crate::syntax::scan::{self, comment_ranges};

/// Whether `formatted` parses to the same items as `original` (spans aside) and keeps
/// every comment: the formatter's promise, checked before anything is written.
pub fn keeps_meaning(original: &ast::File, original_text: &str, formatted: &str) -> bool {
    let mut sources = crate::source::SourceMap::new();
    let id = sources.add("formatted", formatted);
    let (reparsed, diagnostics) = crate::syntax::parse_file(id, sources.get(id));
    diagnostics.is_empty()
        && without_spans(&original.items) == without_spans(&reparsed.items)
        && comment_ranges(original_text).len() == comment_ranges(formatted).len()
}

/// The debug form of items with every span blanked, for comparing trees.
pub(crate) fn without_spans(items: &[Item]) -> String {
    static SPAN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // spans print as `file:start..end`; a string literal of that shape is blanked on both
    // sides of a comparison alike
    let span =
        SPAN.get_or_init(|| regex::Regex::new(r"\b\d+:\d+\.\.\d+\b").expect("valid pattern"));
    span.replace_all(&format!("{items:?}"), "_").into_owned()
}

/// Lines longer than this are broken where the layout allows.
pub const WIDTH: usize = 100;

/// Formats a parsed file; the file must have parsed without errors.
pub fn format(source: &SourceFile, file: &ast::File) -> String {
    let mut f = Formatter {
        text: &source.text,
        comments: comment_ranges(&source.text),
        out: String::new(),
        trailing_column: None,
        buffer_column: 0,
    };
    f.file(file);
    f.out
}

struct Formatter<'a> {
    text: &'a str,
    comments: Vec<(usize, usize)>,
    out: String,
    /// The column of the last end-of-line comment written, for the lines continuing it.
    trailing_column: Option<usize>,
    /// The column at which `out` starts (not 0 while a nested record is written).
    buffer_column: usize,
}

/// What lies between two elements.
struct Gap {
    /// A comment at the end of the previous element's line.
    trailing: Option<String>,
    /// Lines between: `None` is a blank line, `Some((column, comment))` a comment line.
    lines: Vec<Option<(usize, String)>>,
}

impl<'a> Formatter<'a> {
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    fn has_comment_in(&self, start: usize, end: usize) -> bool {
        self.comments.iter().any(|&(s, _)| s >= start && s < end)
    }

    fn gap(&self, from: usize, to: usize) -> Gap {
        let text = self.slice(from, to);
        let mut trailing = None;
        let mut lines = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            let trimmed = line.trim();
            if i == 0 {
                if trimmed.starts_with('#') {
                    trailing = Some(trimmed.to_string());
                }
                continue;
            }
            let is_last = i == text.split('\n').count() - 1;
            if trimmed.is_empty() {
                // the last piece is the indentation before the next element, not a line
                if !is_last {
                    lines.push(None);
                }
            } else if trimmed.starts_with('#') {
                let column = line.len() - line.trim_start().len();
                lines.push(Some((column, trimmed.to_string())));
            }
        }
        Gap { trailing, lines }
    }

    /// Writes the comment and blank lines of a gap at `indent`; comment lines indented
    /// deeper than the block (continuations of an end-of-line comment) keep their column.
    fn gap_lines(&mut self, lines: &[Option<(usize, String)>], indent: usize) {
        for line in lines {
            match line {
                Some((column, comment)) => {
                    // a comment indented deeper than the block continues the end-of-line
                    // comment above it: keep it under that comment
                    let at = match self.trailing_column {
                        Some(t) if *column > indent => t,
                        _ => (*column).max(indent),
                    };
                    self.out.push_str(&" ".repeat(at));
                    self.out.push_str(comment);
                }
                None => self.trailing_column = None,
            }
            self.out.push('\n');
        }
    }

    fn end_line(&mut self, trailing: Option<&String>) {
        self.trailing_column = None;
        if let Some(c) = trailing {
            self.out.push_str("  ");
            self.trailing_column = Some(self.current_column());
            self.out.push_str(c);
        }
        self.out.push('\n');
    }

    fn current_column(&self) -> usize {
        match self.out.rfind('\n') {
            Some(i) => self.out[i + 1..].chars().count(),
            // a nested record is written into a buffer of its own, which starts mid-line
            None => self.buffer_column + self.out.chars().count(),
        }
    }

    fn file(&mut self, file: &ast::File) {
        let mut previous_end = 0;
        for (i, item) in file.items.iter().enumerate() {
            let span = item.span();
            let gap = self.gap(previous_end, span.start as usize);
            if i == 0 {
                // the file's opening comments: `gap` treats a comment on the very first line
                // as trailing, so put it back in front
                let mut lines = Vec::new();
                if let Some(t) = gap.trailing {
                    lines.push(Some((0, t)));
                }
                lines.extend(gap.lines);
                dedup_blank(&mut lines);
                while lines.first().is_some_and(Option::is_none) {
                    lines.remove(0);
                }
                self.gap_lines(&lines, 0);
            } else {
                self.end_line(gap.trailing.as_ref());
                let mut lines = gap.lines;
                // one blank line at most between items, none required
                dedup_blank(&mut lines);
                self.gap_lines(&lines, 0);
            }
            self.item(item);
            previous_end = span.end as usize;
        }
        let gap = self.gap(previous_end, self.text.len());
        let mut lines = gap.lines;
        if !file.items.is_empty() {
            self.end_line(gap.trailing.as_ref());
        } else if let Some(first) = gap.trailing {
            // a file of comments only: its first line is a comment too
            lines.insert(0, Some((0, first)));
        }
        dedup_blank(&mut lines);
        trim_blank_end(&mut lines);
        if file.items.is_empty() {
            while lines.first().is_some_and(Option::is_none) {
                lines.remove(0);
            }
        }
        self.gap_lines(&lines, 0);
    }

    /// Writes an item without its final newline.
    fn item(&mut self, item: &Item) {
        let span = item.span();
        let verbatim = match item {
            Item::Let(l) => {
                self.has_comment_in(l.value.span.start as usize, l.value.span.end as usize)
            }
            Item::Classify(c) => {
                c.guard.as_ref().is_some_and(|g| {
                    self.has_comment_in(g.span.start as usize, g.span.end as usize)
                }) || c
                    .rows
                    .iter()
                    .any(|r| self.has_comment_in(r.span.start as usize, r.span.end as usize))
            }
            Item::Schema(s) => self.schema_has_inner_comment(&s.fields),
        };
        let original = self.slice(span.start as usize, span.end as usize);
        if !verbatim {
            let before = self.out.len();
            match item {
                Item::Let(l) => {
                    let head = format!("let {} = ", l.name.node);
                    let body = self.expr_at(&l.value, head.len());
                    self.out.push_str(&head);
                    self.out.push_str(&body);
                }
                Item::Classify(c) => self.classify(c),
                Item::Schema(s) => self.schema(s),
            }
            // a comment the layout had no place for (say, between `let x =` and its value)
            // must not vanish: keep such an item as written
            if comment_ranges(&self.out[before..]).len() == comment_ranges(original).len() {
                return;
            }
            self.out.truncate(before);
        }
        let lines: Vec<&str> = original.lines().map(str::trim_end).collect();
        self.out.push_str(&lines.join("\n"));
    }

    fn schema_has_inner_comment(&self, fields: &[FieldDecl]) -> bool {
        fields.iter().any(|f| match record_of(&f.ty) {
            Some((fields, _)) => self.schema_has_inner_comment(fields),
            None => self.has_comment_in(f.span.start as usize, f.span.end as usize),
        })
    }

    fn schema(&mut self, schema: &Schema) {
        self.out.push_str(&format!("schema {} ", schema.name.node));
        let open = self.find_after(schema.name.span.end as usize, '{');
        let close = schema.span.end as usize - 1;
        self.record(&schema.fields, open, close, 0);
    }

    /// Position of the first `c` at or after `from`, outside comments.
    fn find_after(&self, from: usize, c: char) -> usize {
        let mut at = from;
        while at < self.text.len() {
            if let Some(&(_, end)) = self.comments.iter().find(|&&(s, _)| s == at) {
                at = end;
                continue;
            }
            if self.text[at..].starts_with(c) {
                return at;
            }
            at += self.text[at..].chars().next().map_or(1, char::len_utf8);
        }
        from
    }

    /// Writes `{`, the fields at `indent + 2`, and `}` at `indent`.
    fn record(&mut self, fields: &[FieldDecl], open: usize, close: usize, indent: usize) {
        if fields.is_empty() && !self.has_comment_in(open, close) {
            self.out.push_str("{}");
            return;
        }
        self.out.push('{');
        let inner = indent + 2;
        // trailing comments of the fields are aligned within the block
        let mut rendered: Vec<(String, usize, usize)> = Vec::new();
        for f in fields {
            let (text, end) = self.field(f, inner);
            rendered.push((text, f.span.start as usize, end));
        }
        // comments are aligned within groups of fields not separated by other lines
        let mut group = vec![0usize; rendered.len()];
        let mut previous = open + 1;
        for (i, (_, start, end)) in rendered.iter().enumerate() {
            // a blank line or a comment line of the block's own indentation separates
            // groups; comment lines continuing an end-of-line comment do not
            let separated = i == 0
                || self
                    .gap(previous, *start)
                    .lines
                    .iter()
                    .any(|l| l.as_ref().is_none_or(|(column, _)| *column <= inner));
            group[i] = if separated { i } else { group[i - 1] };
            previous = *end;
        }
        // only the lines that carry a comment take part in its alignment
        let has_comment: Vec<bool> = (0..rendered.len())
            .map(|i| {
                let next = rendered.get(i + 1).map_or(close, |r| r.1);
                self.gap(rendered[i].2, next).trailing.is_some()
            })
            .collect();
        let width_of = |g: usize| {
            rendered
                .iter()
                .zip(&group)
                .zip(&has_comment)
                .filter(|(((t, _, _), gi), c)| **gi == g && **c && !t.contains('\n'))
                .map(|(((t, _, _), _), _)| t.chars().count())
                .max()
                .unwrap_or(0)
        };
        let mut previous = open + 1;
        for (i, (text, start, end)) in rendered.iter().enumerate() {
            let gap = self.gap(previous, *start);
            if i == 0 {
                self.end_line(gap.trailing.as_ref());
            } else {
                let width = width_of(group[i - 1]);
                self.trailing_aligned(gap.trailing.as_ref(), &rendered[i - 1].0, width);
            }
            let mut lines = gap.lines;
            dedup_blank(&mut lines);
            if i == 0 {
                while lines.first().is_some_and(Option::is_none) {
                    lines.remove(0);
                }
            }
            self.gap_lines(&lines, inner);
            self.out.push_str(&" ".repeat(inner));
            self.out.push_str(text);
            previous = *end;
        }
        let gap = self.gap(previous, close);
        match rendered.last() {
            Some((last, _, _)) => {
                let width = width_of(group[rendered.len() - 1]);
                self.trailing_aligned(gap.trailing.as_ref(), last, width)
            }
            None => self.end_line(gap.trailing.as_ref()),
        }
        let mut lines = gap.lines;
        dedup_blank(&mut lines);
        trim_blank_end(&mut lines);
        self.gap_lines(&lines, inner);
        self.out.push_str(&" ".repeat(indent));
        self.out.push('}');
    }

    /// Ends a field line, with its comment aligned to the widest one-line field.
    fn trailing_aligned(&mut self, trailing: Option<&String>, line: &str, width: usize) {
        match trailing {
            Some(c) if !line.contains('\n') => {
                let pad = width.saturating_sub(line.chars().count()) + 2;
                self.out.push_str(&" ".repeat(pad));
                self.trailing_column = Some(self.current_column());
                self.out.push_str(c);
                self.out.push('\n');
            }
            other => self.end_line(other),
        }
    }

    /// A field as text (without indentation of its first line) and where it ends.
    fn field(&mut self, f: &FieldDecl, indent: usize) -> (String, usize) {
        let mark = if f.optional { "?" } else { "" };
        let head = format!("{}: ", f.name.node);
        let ty = self.type_text(&f.ty, indent, indent + head.len());
        (format!("{head}{ty}{mark}"), f.span.end as usize)
    }

    fn type_text(&mut self, ty: &TypeExpr, indent: usize, column: usize) -> String {
        match ty {
            TypeExpr::Named(n) => n.node.clone(),
            TypeExpr::ListOf(inner, _) => {
                format!("list of {}", self.type_text(inner, indent, column + 8))
            }
            TypeExpr::OneOf(values, _) => {
                let items: Vec<String> = values
                    .iter()
                    .map(|v| {
                        self.slice(v.span.start as usize, v.span.end as usize)
                            .to_string()
                    })
                    .collect();
                format!("one of {}", wrap(&items, column + 7, "", ""))
            }
            TypeExpr::Record(fields, span) => {
                let saved = std::mem::take(&mut self.out);
                let saved_column = std::mem::replace(&mut self.buffer_column, column);
                self.record(fields, span.start as usize, span.end as usize - 1, indent);
                self.buffer_column = saved_column;
                std::mem::replace(&mut self.out, saved)
            }
        }
    }

    fn classify(&mut self, c: &Classify) {
        let mut head = format!("classify {}", c.name.node);
        if let Some(g) = &c.guard {
            head.push_str(" when ");
            let guard = self.expr_at(g, head.len());
            head.push_str(&guard);
        }
        self.out.push_str(&head);
        self.out.push_str(" {");
        let after_head = c.guard.as_ref().map_or(c.name.span.end, |g| g.span.end) as usize;
        let open = self.find_after(after_head, '{');
        let close = c.span.end as usize - 1;
        let width = c
            .rows
            .iter()
            .map(|r| r.value.node.chars().count())
            .max()
            .unwrap_or(0);
        let mut previous = open + 1;
        let mut first = true;
        for row in &c.rows {
            let gap = self.gap(previous, row.span.start as usize);
            self.element_gap(gap, first);
            first = false;
            let lead = format!("  {:<width$} when ", row.value.node);
            let cond = self.expr_at(&row.cond, lead.chars().count());
            self.out.push_str(lead.trim_end_matches(' '));
            self.out.push(' ');
            self.out.push_str(&cond);
            previous = row.span.end as usize;
        }
        if let Some(value) = &c.otherwise {
            let keyword = self.text[..value.span.start as usize]
                .rfind("otherwise")
                .unwrap_or(value.span.start as usize);
            let gap = self.gap(previous, keyword);
            self.element_gap(gap, first);
            first = false;
            self.out.push_str(&format!("  otherwise {}", value.node));
            previous = value.span.end as usize;
        }
        let gap = self.gap(previous, close);
        self.end_line(gap.trailing.as_ref());
        let mut lines = gap.lines;
        dedup_blank(&mut lines);
        trim_blank_end(&mut lines);
        if first {
            while lines.first().is_some_and(Option::is_none) {
                lines.remove(0);
            }
        }
        self.gap_lines(&lines, 2);
        self.out.push('}');
    }

    /// Ends the previous element's line and writes the lines before the next one.
    fn element_gap(&mut self, gap: Gap, first: bool) {
        self.end_line(gap.trailing.as_ref());
        let mut lines = gap.lines;
        dedup_blank(&mut lines);
        if first {
            while lines.first().is_some_and(Option::is_none) {
                lines.remove(0);
            }
        }
        self.gap_lines(&lines, 2);
    }

    /// An expression that starts at `column`, broken over lines when too long.
    fn expr_at(&self, e: &Expr, column: usize) -> String {
        let flat = self.expr(e);
        if column + flat.chars().count() <= WIDTH || flat.contains('\n') {
            return flat;
        }
        self.broken(e, column).unwrap_or(flat)
    }

    /// A long expression broken before each top-level `and`/`or`, inside a quantifier's
    /// condition, or as a wrapped list.
    fn broken(&self, e: &Expr, column: usize) -> Option<String> {
        if self.parenthesized(e) {
            return None;
        }
        match &e.node {
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), ..) => {
                let mut parts = Vec::new();
                self.chain(e, *op, &mut parts);
                let pad = " ".repeat(column);
                let mut out = self.expr_at(parts[0], column);
                for p in &parts[1..] {
                    out.push('\n');
                    out.push_str(&pad);
                    out.push_str(op.symbol());
                    out.push(' ');
                    out.push_str(&self.expr_at(p, column + op.symbol().len() + 1));
                }
                Some(out)
            }
            ExprKind::Quantifier {
                kind,
                var,
                list,
                body,
            } => {
                let head = format!("{} {} in {}: ", kind.keyword(), var.node, self.expr(list));
                let body = self.broken(body, column + head.chars().count())?;
                Some(format!("{head}{body}"))
            }
            ExprKind::List(items) => {
                let items: Vec<String> = items.iter().map(|i| self.expr(i)).collect();
                Some(wrap(&items, column + 1, "[", "]"))
            }
            _ => None,
        }
    }

    fn chain<'e>(&self, e: &'e Expr, op: BinaryOp, out: &mut Vec<&'e Expr>) {
        match &e.node {
            ExprKind::Binary(o, a, b) if *o == op && !self.parenthesized(e) => {
                self.chain(a, op, out);
                self.chain(b, op, out);
            }
            _ => out.push(e),
        }
    }

    /// Whether the expression was written inside its own parentheses.
    fn parenthesized(&self, e: &Expr) -> bool {
        let text = self.slice(e.span.start as usize, e.span.end as usize);
        wrapped_in_parens(text)
    }

    /// An expression on one line.
    fn expr(&self, e: &Expr) -> String {
        let inner = self.expr_inner(e);
        // `((x))` keeps both pairs: the tree records only the outer one's place
        let depth = paren_depth(self.slice(e.span.start as usize, e.span.end as usize));
        format!("{}{inner}{}", "(".repeat(depth), ")".repeat(depth))
    }

    /// The literal as written, inside any parentheses around it.
    fn raw(&self, e: &Expr) -> &'a str {
        let mut text = self.slice(e.span.start as usize, e.span.end as usize);
        while wrapped_in_parens(text) {
            text = strip_parens(text).trim();
        }
        text
    }

    /// The literal as written, with runs of spaces (`30   days`) made single.
    fn source(&self, e: &Expr) -> String {
        self.raw(e).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn expr_inner(&self, e: &Expr) -> String {
        match &e.node {
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Number(_) => self.source(e).replace(' ', ""),
            // a string's spaces are part of its value
            ExprKind::String(_) => self.raw(e).to_string(),
            ExprKind::Date(_) | ExprKind::DateTime(_) | ExprKind::Duration(_) => self.source(e),
            ExprKind::Now => "now".into(),
            ExprKind::Name(n) => n.clone(),
            ExprKind::List(items) => {
                let items: Vec<String> = items.iter().map(|i| self.expr(i)).collect();
                format!("[{}]", items.join(", "))
            }
            ExprKind::Field(base, name) => format!("{}.{}", self.expr(base), name.node),
            ExprKind::Unary(UnaryOp::Not, x) => format!("not {}", self.expr(x)),
            ExprKind::Unary(UnaryOp::Neg, x) => format!("-{}", self.expr(x)),
            ExprKind::Binary(op, a, b) => {
                format!("{} {} {}", self.expr(a), op.symbol(), self.expr(b))
            }
            ExprKind::Presence(x, present) => {
                format!(
                    "{} is {}",
                    self.expr(x),
                    if *present { "present" } else { "missing" }
                )
            }
            ExprKind::Quantifier {
                kind,
                var,
                list,
                body,
            } => {
                format!(
                    "{} {} in {}: {}",
                    kind.keyword(),
                    var.node,
                    self.expr(list),
                    self.expr(body)
                )
            }
            ExprKind::Aggregate {
                kind,
                value,
                var,
                list,
                filter,
            } => {
                let mut text = format!("{}(", kind.keyword());
                if let Some(v) = value {
                    text.push_str(&format!("{} for ", self.expr(v)));
                }
                text.push_str(&format!("{} in {}", var.node, self.expr(list)));
                if let Some(f) = filter {
                    text.push_str(&format!(" where {}", self.expr(f)));
                }
                text.push(')');
                text
            }
            ExprKind::Call(name, args) => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                format!("{}({})", name.node, args.join(", "))
            }
        }
    }
}

/// The nested record of a field's type (directly or as the element of a list).
fn record_of(ty: &TypeExpr) -> Option<(&[FieldDecl], crate::source::Span)> {
    match ty {
        TypeExpr::Record(fields, span) => Some((fields, *span)),
        TypeExpr::ListOf(inner, _) => record_of(inner),
        _ => None,
    }
}

/// At most one blank line in a row.
fn dedup_blank(lines: &mut Vec<Option<(usize, String)>>) {
    lines.dedup_by(|a, b| a.is_none() && b.is_none());
}

/// No blank lines at the end (before a closing `}` or the end of the file).
fn trim_blank_end(lines: &mut Vec<Option<(usize, String)>>) {
    while lines.last().is_some_and(Option::is_none) {
        lines.pop();
    }
}

/// Items separated by `, `, filled up to the width; continuation lines start at `column`.
fn wrap(items: &[String], column: usize, open: &str, close: &str) -> String {
    let mut out = String::from(open);
    let mut line_len = column;
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 == items.len() {
            format!("{item}{close}")
        } else {
            format!("{item},")
        };
        if i > 0 {
            if line_len + 1 + piece.chars().count() > WIDTH {
                out.push('\n');
                out.push_str(&" ".repeat(column));
                line_len = column;
            } else {
                out.push(' ');
                line_len += 1;
            }
        }
        out.push_str(&piece);
        line_len += piece.chars().count();
    }
    if items.is_empty() {
        out.push_str(close);
    }
    out
}

/// Whether `text` is `( … )` with the first parenthesis closed by the last character.
fn wrapped_in_parens(text: &str) -> bool {
    if !text.starts_with('(') || !text.ends_with(')') {
        return false;
    }
    // `text` is an expression of a parsed file without comments inside (those items are
    // kept as written), so the scanner's comment and newline rules never come into play
    let mut depth = 0usize;
    for (i, c) in scan::code(text) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == text.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// How many pairs of parentheses wrap the whole of `text`.
fn paren_depth(text: &str) -> usize {
    let mut depth = 0;
    let mut text = text;
    while wrapped_in_parens(text) {
        depth += 1;
        text = strip_parens(text).trim();
    }
    depth
}

fn strip_parens(text: &str) -> &str {
    &text[1..text.len() - 1]
}

#[cfg(test)]
mod tests;
