//! Diagnostics → text: miette's graphical report for people, JSON for programs; data
//! errors as one line each ([`data`]).

pub mod data;
pub mod diff;

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};

/// Text safe to print on a terminal: control characters (escape sequences, line breaks
/// inside an id) and the invisible marks that reorder text (U+202E and the other
/// bidirectional controls) are shown as `\u{…}` instead of acting on the screen.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_on_screen) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_on_screen(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a character acts on a terminal instead of showing: C0/C1 controls (ESC, BEL,
/// NUL, …) and bidirectional controls, which make text read in another order than stored.
fn unsafe_on_screen(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
pub mod explain;
pub mod results;
pub mod suite;

/// Whether human output uses colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// ANSI colours.
    Always,
    /// Plain text (pipes, files, `NO_COLOR`, snapshots).
    Never,
}

impl Color {
    /// Colour only on a terminal and only without `NO_COLOR`.
    pub fn for_stream(is_terminal: bool) -> Color {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if is_terminal && !no_color {
            Color::Always
        } else {
            Color::Never
        }
    }
}

/// Renders diagnostics the way a person reads them, each followed by a blank line.
pub fn human(sources: &SourceMap, diagnostics: &[Diagnostic], color: Color) -> String {
    let mut out = String::new();
    let pushed: std::io::Result<()> = each_human(sources, diagnostics, color, |text| {
        out.push_str(text);
        Ok(())
    });
    debug_assert!(pushed.is_ok(), "pushing to a String cannot fail");
    out
}

/// Writes diagnostics as [`human`] renders them, one at a time, so that thousands of them
/// are never held as one text.
pub fn write_human(
    out: &mut dyn std::io::Write,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    color: Color,
) -> std::io::Result<()> {
    each_human(sources, diagnostics, color, |text| {
        out.write_all(text.as_bytes())
    })
}

/// Renders each diagnostic for people and hands its text to `emit`, stopping at the first
/// error `emit` returns.
fn each_human(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    color: Color,
    mut emit: impl FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let renderer = Renderer::new(color);
    let mut text = String::new();
    for diagnostic in diagnostics {
        text.clear();
        let report = Report::new(sources, diagnostic);
        if !renderer.simple(&report, &mut text) && renderer.miette(&report, &mut text).is_err() {
            // rendering into a String cannot fail for I/O reasons; fall back to one line
            text.push_str(&format!(
                "{}: {}\n",
                diagnostic.code.as_str(),
                diagnostic.message
            ));
        }
        text.push('\n');
        emit(&text)?;
    }
    Ok(())
}

/// miette's graphical handler, set up once, and the shortcuts that give its output faster.
struct Renderer {
    color: Color,
    wrapping: GraphicalReportHandler,
    /// The same handler without wrapping, for reports whose texts wrap to themselves.
    plain: GraphicalReportHandler,
    characters: miette::ThemeCharacters,
}

impl Renderer {
    fn new(color: Color) -> Renderer {
        let theme = match color {
            Color::Always => GraphicalTheme::unicode(),
            Color::Never => GraphicalTheme::unicode_nocolor(),
        };
        let characters = theme.characters.clone();
        let wrapping = GraphicalReportHandler::new_themed(theme)
            .with_width(WIDTH)
            .with_links(false);
        // Wrapping runs Unicode line breaking over every message and help, which cost most
        // of the time of rendering thousands of warnings; a text that wraps to itself is
        // written as it is (see `wraps_to_itself`)
        let plain = wrapping.clone().with_wrap_lines(false);
        Renderer {
            color,
            wrapping,
            plain,
            characters,
        }
    }

    /// Whether no text of the report needs wrapping.
    fn unwrapped(report: &Report) -> bool {
        report.related.is_empty()
            && wraps_to_itself(&report.message)
            && report.help.as_deref().is_none_or(wraps_to_itself)
    }

    /// The report as miette renders it.
    fn miette(&self, report: &Report, out: &mut String) -> fmt::Result {
        let handler = if Self::unwrapped(report) {
            &self.plain
        } else {
            &self.wrapping
        };
        handler.render_report(out, report)
    }

    /// The commonest report — one labelled span within a line, with a line of context above
    /// and below, all of it printable ASCII, without colour — written directly, byte for
    /// byte as [`Renderer::miette`] writes it (a test compares the two on generated
    /// reports): miette's layout engine took about 6 µs a report, most of the time of a
    /// check that reports thousands of warnings. Returns `false`, having written nothing,
    /// for any other report.
    fn simple(&self, report: &Report, out: &mut String) -> bool {
        if self.color != Color::Never
            || report.code.is_empty()
            || !Self::unwrapped(report)
            || !report.source.cut.is_empty()
        {
            return false;
        }
        let [label] = &report.labels[..] else {
            return false;
        };
        let Some(label_text) = label.label().filter(|l| !l.contains(['\n', '\r'])) else {
            return false;
        };
        let text = report.source.text.as_str();
        let (start, end) = (label.offset(), label.offset() + label.len());
        let printable = |t: &str| t.bytes().all(|b| (b' '..=b'~').contains(&b));
        // the label's line, the one above and the one below, each ending with a newline
        let lines = (|| {
            let line_start = text.get(..start)?.rfind('\n')? + 1;
            let line_end = start + text.get(start..)?.find('\n')?;
            let above = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
            let below_end = line_end + 1 + text[line_end + 1..].find('\n')?;
            Some((above, line_start, line_end, below_end))
        })();
        let Some((above, line_start, line_end, below_end)) = lines else {
            return false;
        };
        if end <= start || end > line_end || !printable(&text[above..line_start - 1]) {
            return false;
        }
        let (line, below) = (&text[line_start..line_end], &text[line_end + 1..below_end]);
        if !printable(line) || !printable(below) {
            return false;
        }
        let number = report.source.first_line + text[..line_start].matches('\n').count() + 1;
        let width = (number + 1).to_string().len();
        let c = &self.characters;
        let icon = match report.severity {
            miette::Severity::Error => &c.error,
            miette::Severity::Warning => &c.warning,
            miette::Severity::Advice => &c.advice,
        };
        let (column, end_column) = (start - line_start, end - line_start);
        let middle = (column + end_column) / 2;
        let repeat = |out: &mut String, c: char, n: usize| out.extend(std::iter::repeat_n(c, n));
        let numbered = |out: &mut String, n: usize, line: &str| {
            let _ = writeln!(out, " {n:>width$} {} {line}", c.vbar);
        };
        let gutter = |out: &mut String| {
            let _ = write!(out, " {:width$} {} ", "", c.vbar_break);
        };
        let _ = writeln!(out, "{}\n\n  {icon} {}", report.code, report.message);
        repeat(out, ' ', width + 2);
        let _ = writeln!(
            out,
            "{}{}[{}:{number}:{}]",
            c.ltop,
            c.hbar,
            report.source.name,
            column + 1
        );
        numbered(out, number - 1, &text[above..line_start - 1]);
        numbered(out, number, line);
        gutter(out);
        repeat(out, ' ', column);
        repeat(out, c.underline, middle - column);
        out.push(c.underbar);
        repeat(out, c.underline, end_column - middle - 1);
        out.push('\n');
        gutter(out);
        repeat(out, ' ', middle);
        let _ = writeln!(out, "{}{}{} {label_text}", c.lbot, c.hbar, c.hbar);
        numbered(out, number + 1, below);
        repeat(out, ' ', width + 2);
        out.push(c.lbot);
        repeat(out, c.hbar, 4);
        out.push('\n');
        if let Some(help) = &report.help {
            let _ = writeln!(out, "  help: {help}");
        }
        true
    }
}

/// The width human diagnostics are wrapped to.
const WIDTH: usize = 100;

/// Whether miette's wrapping leaves `text` as it is: one line of printable ASCII (one
/// column per character), without spaces at its ends, that fits on the line after the
/// widest indent miette puts before a message or help (`  help: `, 8 columns) with room to
/// spare. The wrapper only breaks lines that are too long and trims their ends, so such a
/// text comes out as written, and rendering it without wrapping gives the same bytes (a test
/// below compares the two).
fn wraps_to_itself(text: &str) -> bool {
    text.len() + 16 <= WIDTH
        && text.bytes().all(|b| (b' '..=b'~').contains(&b))
        && !text.starts_with(' ')
        && !text.ends_with(' ')
}

/// One miette diagnostic: the primary file with the labels that fall in it; labels in
/// other files become related reports so each is shown with its own source.
struct Report {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Snippet,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(sources: &SourceMap, d: &Diagnostic) -> Report {
        let file = d.span.file;
        let spans: Vec<Span> = std::iter::once(d.span)
            .chain(d.labels.iter().map(|l| l.span).filter(|s| s.file == file))
            .collect();
        let (source, mapped) = Snippet::new(sources, &spans);
        let mut mapped = mapped.into_iter();
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            d.label.clone(),
            mapped.next().unwrap_or_else(|| source_span(d.span)),
        )];
        let mut related = Vec::new();
        for label in &d.labels {
            if label.span.file == file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    mapped.next().unwrap_or_else(|| source_span(label.span)),
                ));
            } else {
                let (source, mapped) = Snippet::new(sources, &[label.span]);
                related.push(Report {
                    code: "",
                    severity: miette::Severity::Advice,
                    message: label.message.clone(),
                    help: None,
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(label.message.clone()),
                        mapped
                            .first()
                            .copied()
                            .unwrap_or_else(|| source_span(label.span)),
                    )],
                    source,
                    related: Vec::new(),
                });
            }
        }
        Report {
            code: d.code.as_str(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            message: d.message.clone(),
            help: d.help.clone(),
            source,
            labels,
            related,
        }
    }
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

/// Source lines longer than this many characters are cut around the labels in a snippet.
const LONG_LINE: usize = 160;
/// How many characters a cut line keeps on each side of a label's start or end.
const KEEP: usize = 40;

/// The lines of one file that a report can show: the lines its labels cover and two more
/// on each side (miette shows one), with long lines cut around the labels. miette reads a
/// source from its start to find a span's line, so handing it the whole file would make
/// rendering quadratic in the number of diagnostics, and a 200 KB line would be printed
/// whole.
struct Snippet {
    name: String,
    text: String,
    /// The 0-based line of the file where `text` starts.
    first_line: usize,
    /// Where each kept part of a cut line starts in `text`, its end there, and its
    /// 0-based column in the file: miette's columns would count from the cut.
    cut: Vec<(usize, usize, usize)>,
}

impl Snippet {
    /// The snippet for `spans` (all in one file) and the spans moved into it.
    fn new(sources: &SourceMap, spans: &[Span]) -> (Snippet, Vec<SourceSpan>) {
        let file = sources.get(spans[0].file);
        let text: &str = &file.text;
        let lo = spans.iter().map(|s| s.start as usize).min().unwrap_or(0);
        let hi = spans.iter().map(|s| s.end as usize).max().unwrap_or(0);
        let first_line = file.line_col(lo).line.saturating_sub(3); // 0-based, two above
        let last_line = file.line_col(hi).line + 2; // 1-based, two below
        let start = file.offset(first_line + 1, 1);
        let end = file.offset(last_line + 1, 1);
        let end = if end <= start { text.len() } else { end };
        let mut points: Vec<usize> = spans
            .iter()
            .flat_map(|s| [s.start as usize, s.end as usize])
            .collect();
        points.sort_unstable();
        // pieces of the file copied into the snippet: (file start, file end, snippet start)
        let mut pieces: Vec<(usize, usize, usize)> = Vec::new();
        let mut out = String::new();
        let mut cut = Vec::new();
        let mut line_start = start;
        for line in text[start..end].split_inclusive('\n') {
            let content = line.strip_suffix('\n').unwrap_or(line);
            let content_end = line_start + content.len();
            if content.chars().count() <= LONG_LINE {
                pieces.push((line_start, line_start + line.len(), out.len()));
                out.push_str(line);
            } else {
                let on_line: Vec<usize> = points
                    .iter()
                    .copied()
                    .filter(|&p| p >= line_start && p <= content_end)
                    .map(|p| p - line_start)
                    .collect();
                for (a, b, column) in keep_ranges(content, &on_line) {
                    if a > 0 && !out.ends_with('…') {
                        out.push('…');
                    }
                    pieces.push((line_start + a, line_start + b, out.len()));
                    cut.push((out.len(), out.len() + b - a, column));
                    out.push_str(&content[a..b]);
                }
                if !content.is_empty() && pieces.last().is_none_or(|p| p.1 != content_end) {
                    out.push('…');
                }
                if line.len() > content.len() {
                    pieces.push((content_end, content_end + 1, out.len()));
                    out.push('\n');
                }
            }
            line_start += line.len();
        }
        let map = |offset: usize| {
            pieces
                .iter()
                .find(|p| offset >= p.0 && offset <= p.1)
                .or_else(|| pieces.iter().find(|p| p.0 >= offset))
                .map_or(out.len(), |p| p.2 + (offset.min(p.1) - p.0.min(offset)))
        };
        let mapped = spans
            .iter()
            .map(|s| {
                let (a, b) = (map(s.start as usize), map(s.end as usize));
                SourceSpan::new(a.into(), b.saturating_sub(a))
            })
            .collect();
        let snippet = Snippet {
            name: file.name.clone(),
            text: out,
            first_line,
            cut,
        };
        (snippet, mapped)
    }
}

/// The byte ranges of a long line to keep, each with the column it starts at: [`KEEP`]
/// characters around each point, or the line's start when no label falls on it.
fn keep_ranges(line: &str, points: &[usize]) -> Vec<(usize, usize, usize)> {
    let bounds: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .collect();
    let char_at = |byte: usize| bounds.partition_point(|&b| b < byte);
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let centres: Vec<usize> = if points.is_empty() {
        vec![0]
    } else {
        points.iter().map(|&p| char_at(p)).collect()
    };
    for c in centres {
        let (a, b) = (c.saturating_sub(KEEP), (c + KEEP).min(bounds.len() - 1));
        match ranges.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => ranges.push((a, b)),
        }
    }
    ranges
        .into_iter()
        .map(|(a, b)| (bounds[a], bounds[b], a))
        .collect()
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // miette counts lines from the start of what it reads: shift them to the file's
        let offset = span.offset();
        let column = match self.cut.iter().find(|c| offset >= c.0 && offset <= c.1) {
            Some(&(start, _, column)) if context_lines_before == 0 => {
                column + self.text[start..offset].chars().count()
            }
            _ => inner.column(),
        };
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count() + self.first_line,
        )
        .with_language("qualify");
        Ok(Box::new(contents))
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// A place in a file as JSON output shows it (1-based line and column).
#[derive(Debug, Serialize)]
pub struct JsonPosition {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

/// A secondary label in JSON output.
#[derive(Debug, Serialize)]
pub struct JsonLabel {
    /// What the label says.
    pub message: String,
    /// File name.
    pub file: String,
    /// Start line.
    pub line: usize,
    /// Start column.
    pub column: usize,
    /// Where the labelled text ends.
    pub end: JsonPosition,
}

/// One diagnostic in JSON output.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// Stable code, e.g. `Q0004`.
    pub code: &'static str,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// The message.
    pub message: String,
    /// File name.
    pub file: String,
    /// Start line.
    pub line: usize,
    /// Start column.
    pub column: usize,
    /// Where the primary span ends.
    pub end: JsonPosition,
    /// What the primary label says.
    pub label: Option<String>,
    /// Secondary labels.
    pub labels: Vec<JsonLabel>,
    /// How to fix it.
    pub help: Option<String>,
}

/// Converts diagnostics to their JSON form.
pub fn json_diagnostics(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic> {
    diagnostics
        .iter()
        .map(|d| {
            let file = sources.get(d.span.file);
            let (start, end) = sources.line_cols(d.span);
            JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                message: d.message.clone(),
                file: file.name.clone(),
                line: start.line,
                column: start.column,
                end: JsonPosition {
                    line: end.line,
                    column: end.column,
                },
                label: d.label.clone(),
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let (s, e) = sources.line_cols(l.span);
                        JsonLabel {
                            message: l.message.clone(),
                            file: sources.get(l.span.file).name.clone(),
                            line: s.line,
                            column: s.column,
                            end: JsonPosition {
                                line: e.line,
                                column: e.column,
                            },
                        }
                    })
                    .collect(),
                help: d.help.clone(),
            }
        })
        .collect()
}

/// GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per
/// diagnostic, which GitHub shows on the pull request's diff.
pub fn github(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let file = sources.get(d.span.file);
        let (start, end) = sources.line_cols(d.span);
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&file.name),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("{} {}", d.code.as_str(), d.code.title())),
            escape_data(&message)
        ));
    }
    out
}

/// Escapes the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A SARIF 2.1.0 log with one run of qualify.
pub fn sarif(sources: &SourceMap, diagnostics: &[Diagnostic]) -> serde_json::Value {
    use serde_json::json;
    let mut codes: Vec<crate::codes::Code> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|code| {
            let name = crate::lint::by_code(*code).map_or_else(
                || code.title().replace(' ', "-").replace('`', ""),
                |l| l.name.to_string(),
            );
            json!({
                "id": code.as_str(),
                "name": name,
                "shortDescription": { "text": code.title() },
                "fullDescription": { "text": crate::lint::explanation(*code) },
                "help": { "text": format!("qualify check --explain {}", code.as_str()) },
                "defaultConfiguration": { "level": sarif_level(code.default_severity()) },
            })
        })
        .collect();
    let region = |span: crate::source::Span| {
        let (start, end) = sources.line_cols(span);
        json!({
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        })
    };
    let location = |span: crate::source::Span| {
        json!({
            "physicalLocation": {
                                "artifactLocation": { "uri": uri_reference(&sources.get(span.file).name) },
                "region": region(span),
            }
        })
    };
    let results: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let related: Vec<serde_json::Value> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut loc = location(l.span);
                    loc["id"] = json!(i);
                    loc["message"] = json!({ "text": l.message });
                    loc
                })
                .collect();
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [location(d.span)],
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "qualify",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// A relative path as a URI reference: unreserved characters and `/` as they are, every
/// other byte percent-encoded.
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// What a rule could not do with a value, in the words of a data error.
pub fn fault(fault: &crate::semantics::Fault) -> String {
    use crate::semantics::Fault::*;
    let d = describe_value;
    match fault {
        NotACondition(v) => format!("expected true or false, found {}", d(v)),
        NotARecord(v) => format!("expected a record, found {}", d(v)),
        NotAList(v) => format!("expected a list, found {}", d(v)),
        NotText(v) => format!("expected text, found {}", d(v)),
        NotTexts(l, r) => format!("expected text, found {} and {}", d(l), d(r)),
        NotATime(v) => format!("expected a date or datetime, found {}", d(v)),
        NotADuration(v) => format!("expected a duration, found {}", d(v)),
        CannotNegate(v) => format!("cannot negate {}", d(v)),
        CannotCompare(l, r) => format!("cannot compare {} with {}", d(l), d(r)),
        CannotLookFor { item, element } => format!(
            "cannot look for {} in a list of {}",
            d(item),
            element.kind().name()
        ),
        CannotCompute(op, l, r) => format!("cannot compute {} {} {}", d(l), op.symbol(), d(r)),
        CannotTake(func, v) => format!("`{}` cannot take {}", func.name(), d(v)),
    }
}

/// A value in a runtime error: its kind and, for short scalars, the value itself.
fn describe_value(v: &crate::semantics::Value) -> String {
    use crate::semantics::Value;
    match v {
        Value::Str(s) if s.chars().count() <= 40 => format!("text {s:?}"),
        Value::Number(_) | Value::Bool(_) | Value::Date(_) | Value::DateTime(_) => {
            format!("{} {v}", v.kind().name())
        }
        other => other.kind().name().to_string(),
    }
}

/// A short reason (`eval --explain`) in one line.
pub fn reason(reason: &crate::explain::Reason) -> String {
    use crate::explain::Reason;
    match reason {
        Reason::Guard { text, truth } => format!("guard `{text}` is {}", truth.word()),
        Reason::Row { value, deciding } => {
            // one buffer for the whole line: `eval --explain` renders a reason per
            // classification per contact
            let mut out = String::with_capacity(64);
            out.push_str(value);
            out.push_str(": ");
            self::deciding(&mut out, deciding);
            out
        }
        Reason::Otherwise => "no row matched (otherwise)".to_string(),
        Reason::NoRow => "no row matched".to_string(),
    }
}

fn deciding(out: &mut String, d: &crate::explain::Deciding) {
    use crate::explain::Deciding;
    match d {
        Deciding::Text(text) => out.push_str(text),
        Deciding::All(parts) => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(" and ");
                }
                out.push_str(part);
            }
        }
        Deciding::Named { name, inner } => {
            out.push_str(name);
            out.push_str(" (");
            deciding(out, inner);
            out.push(')');
        }
    }
}

/// Why a date-shaped text is not in the calendar, for people.
pub fn calendar_problem(problem: crate::semantics::time::CalendarProblem) -> String {
    use crate::mapping::read::MONTHS;
    use crate::semantics::time::CalendarProblem;
    match problem {
        CalendarProblem::Month(m) => format!("there is no month {m} (months are 01 to 12)"),
        CalendarProblem::Day {
            year,
            month,
            day,
            last,
        } => {
            let name = usize::try_from(month - 1)
                .ok()
                .and_then(|m| MONTHS.get(m))
                .copied()
                .unwrap_or("the month");
            format!("{name} {year} has {last} days, so there is no day {day}")
        }
        CalendarProblem::TimeOfDay => {
            "there is no such time of day (hours are 00 to 23, minutes and seconds 00 to 59)"
                .to_string()
        }
    }
}

/// What a file has instead of the column `wanted` it lacks (` (it has …)`), for the
/// messages that name a header a mapping reads: one equal but for letter case, or one
/// spelt nearly so.
pub fn near_header(wanted: &str, near: Option<&str>) -> String {
    match near {
        Some(near) if near.to_lowercase() == wanted.to_lowercase() => format!(
            " (it has `{}`: headers are matched exactly, case included)",
            printable(near)
        ),
        Some(near) => format!(" (it has `{}`: did you mean it?)", printable(near)),
        None => String::new(),
    }
}

/// What follows from a column `wanted` that a file lacks, for each of its records (`record`:
/// `contact` or `activity`): the field is missing, or another column of the file fills it
/// under the field's own name, read without what the mapping says of `wanted`.
pub fn absent_column(
    wanted: &str,
    near: Option<&str>,
    filled_by: Option<&str>,
    record: &str,
) -> String {
    match filled_by {
        Some(by) => format!(
            "its column `{}` fills that field instead, under the field's own name, read without what the mapping says of `{}`{}",
            printable(by),
            printable(wanted),
            near_header(wanted, near.filter(|n| *n != by)),
        ),
        None => format!(
            "that field is missing for every {record} of it{}",
            near_header(wanted, near)
        ),
    }
}

/// `n` and a noun, the noun in the plural unless `n` is 1 (`1 record`, `2 records`).
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// The closing line of a run: what was read, classified and failed, and why it stopped.
pub fn tally(tally: &crate::run::Tally) -> String {
    let mut line = format!(
        "{} {} read: {} classified, {} failed",
        tally.read,
        if tally.read == 1 {
            "contact"
        } else {
            "contacts"
        },
        tally.classified,
        tally.failed()
    );
    // errors that are no contact's, so that the line says why the run failed
    if tally.activity_errors > 0 {
        line.push_str(&format!(
            "; {} in files of activities (above)",
            count(tally.activity_errors, "error", "errors")
        ));
    }
    if !tally.lost.is_empty() {
        line.push_str(&format!(
            "; reading stopped early in {} (the rest of the file could not be read)",
            tally.lost.join(", ")
        ));
    }
    match tally.stopped_after {
        Some(n) => line.push_str(&format!(
            "; stopped after {} (--max-errors {n})",
            count(n, "bad record", "bad records")
        )),
        None if tally.stopped => {
            line.push_str("; stopped at the first bad record (--on-error fail)")
        }
        None => {}
    }
    line
}

/// What a file of activities gave the run: how many were read, joined, orphaned and
/// keyless, and how many contacts had none.
pub fn joined(join: &crate::data::JoinCounts) -> String {
    let key = printable(&join.key);
    let joined = join.links - join.orphans;
    let mut parts = vec![format!("{joined} joined into `{}`", join.list)];
    if join.links > join.read - join.keyless - join.unreadable {
        parts[0].push_str(" (an activity of several contacts counts once for each)");
    }
    if join.orphans > 0 {
        parts.push(format!(
            "{} (no contact read has {} `{key}`)",
            count(join.orphans, "orphan", "orphans"),
            if join.orphans == 1 { "its" } else { "their" }
        ));
    }
    if join.keyless > 0 {
        parts.push(format!("{} with no `{key}`", join.keyless));
    }
    if join.unreadable > 0 {
        parts.push(format!("{} unreadable", join.unreadable));
    }
    let mut line = format!(
        "{}: {} read: {}",
        super::load::shown(&join.file),
        count(join.read, "activity", "activities"),
        parts.join(", "),
    );
    if join.contacts_without > 0 {
        let without = count(join.contacts_without, "contact has", "contacts have");
        line.push_str(&format!("; {without} no activity in it"));
    }
    line
}

/// The closing line: how many files, errors and warnings.
pub fn check_summary(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let files = sources.iter().count();
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let files = plural(files, "file");
    if errors + warnings + infos == 0 {
        return format!("checked {files}: no problems\n");
    }
    let mut parts = vec![plural(errors, "error"), plural(warnings, "warning")];
    if infos > 0 {
        parts.push(plural(infos, "note"));
    }
    format!("checked {files}: {}\n", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;

    /// A text [`wraps_to_itself`] accepts renders the same with and without wrapping, for
    /// every severity, with and without colour, as message and as help.
    #[test]
    fn texts_that_wrap_to_themselves_render_the_same_unwrapped() {
        let words = [
            "`x000001_long_name_for_size`",
            "is",
            "not",
            "used",
            "by-any",
            "classification;",
            "a/b",
            "(c)",
            "\"d\"",
            "e.g.",
            "--",
            "x",
            "",
            "1,000",
            "`not (x in LIST)`",
        ];
        let mut sources = SourceMap::new();
        let file = sources.add("t.qual", "let a = 1\nlet b = 2\n");
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut below = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut compared = 0;
        for _ in 0..3000 {
            let target = 1 + below(100);
            let mut text = String::new();
            while text.len() < target {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(words[below(words.len())]);
            }
            let code = [Code::UnusedLet, Code::Syntax, Code::LintGaveUp][below(3)];
            let mut d = Diagnostic::new(code, Span::new(file, 4, 5), text.clone())
                .with_label("defined here");
            if below(2) == 0 {
                d = d.with_help(text.clone());
            }
            if !(wraps_to_itself(&d.message) && d.help.as_deref().is_none_or(wraps_to_itself)) {
                continue;
            }
            for theme in [GraphicalTheme::unicode(), GraphicalTheme::unicode_nocolor()] {
                let wrapping = GraphicalReportHandler::new_themed(theme)
                    .with_width(WIDTH)
                    .with_links(false);
                let plain = wrapping.clone().with_wrap_lines(false);
                let report = Report::new(&sources, &d);
                let (mut a, mut b) = (String::new(), String::new());
                wrapping.render_report(&mut a, &report).expect("renders");
                plain.render_report(&mut b, &report).expect("renders");
                assert_eq!(a, b, "{text:?}");
                compared += 1;
            }
        }
        assert!(compared > 1000, "only {compared} compared");
    }

    /// What [`Renderer::simple`] writes is what miette writes, for generated files and
    /// diagnostics of every shape (the shortcut must decline all but its own).
    #[test]
    fn the_simple_report_is_written_as_miette_writes_it() {
        let mut state = 0x5851_f42d_4c95_7f2d_u64;
        let mut below = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1) as u64) as usize
        };
        let renderer = Renderer::new(Color::Never);
        let (mut simple, mut cases) = (0, 0);
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..1 + below(14) {
                let line: String = match below(12) {
                    0 => String::new(),
                    1 => "\tlet a = 1".into(),
                    2 => "let é = \"ü\"".into(),
                    3 => "x".repeat(170),
                    _ => (0..below(30))
                        .map(|_| char::from(b' ' + below(95) as u8))
                        .collect(),
                };
                text.push_str(&line);
                text.push_str(if below(10) == 0 { "\r\n" } else { "\n" });
            }
            if below(4) == 0 {
                text.pop();
            }
            let mut sources = SourceMap::new();
            let name = ["t.qual", "rules/a b.qual"][below(2)];
            let file = sources.add(name, text.clone());
            let mut start = below(text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            // mostly within the line, sometimes across lines or past the end
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let end = match below(4) {
                0 => (start + below(40)).min(text.len()),
                _ => start + below(line_end - start + 1),
            };
            let end = (end..=text.len())
                .find(|&e| text.is_char_boundary(e))
                .unwrap_or(text.len());
            let code = [Code::UnusedLet, Code::Syntax, Code::LintGaveUp][below(3)];
            let mut d = Diagnostic::new(code, Span::new(file, start, end), "`x` is unused");
            if below(5) != 0 {
                d = d.with_label(["defined here", "é", ""][below(3)]);
            }
            if below(2) == 0 {
                d = d.with_help("use it, or remove it");
            }
            if below(6) == 0 {
                let at = below(text.len() + 1);
                d = d.with_secondary(Span::new(file, at, at), "also here");
            }
            let report = Report::new(&sources, &d);
            let mut fast = String::new();
            cases += 1;
            if renderer.simple(&report, &mut fast) {
                simple += 1;
                let mut slow = String::new();
                renderer.miette(&report, &mut slow).expect("renders");
                assert_eq!(fast, slow, "{text:?} {start}..{end}");
            } else {
                assert!(fast.is_empty(), "a declined report wrote {fast:?}");
            }
        }
        assert!(
            simple > cases / 20,
            "the shortcut took only {simple} of {cases}"
        );
    }
}
