//! The results of `qualify eval` as a table for people, CSV, JSON or JSON Lines: one row
//! per contact, or the counts per value (`--summary`).

use std::io::Write;

use clap::ValueEnum;

use crate::compile::Program;
use crate::run;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people
    Table,
    /// CSV with a header row (`none` is an empty cell)
    Csv,
    /// One JSON array (`none` is `null`)
    Json,
    /// One JSON object per line (`none` is `null`)
    Jsonl,
}

/// The header of the result rows: the id, then per shown classification its name (and
/// with `--explain` its `<name>.reason`).
pub(crate) fn result_header(
    program: &Program,
    columns: &[usize],
    id_field: &str,
    explain: bool,
) -> Vec<String> {
    let mut header = vec![id_field.to_string()];
    for &c in columns {
        header.push(program.classes()[c].name.clone());
        if explain {
            // a dot cannot occur in a classification name, so the column cannot collide
            header.push(format!("{}.reason", program.classes()[c].name));
        }
    }
    header
}

/// How CSV output writes cells.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvCells {
    /// Cells as they are (`--csv-raw`), else a cell a spreadsheet would take for a formula
    /// gets a leading `'`.
    pub raw: bool,
}

impl CsvCells {
    /// A cell as CSV output writes it: one that starts with `=`, `+`, `-`, `@`, `|`, tab
    /// or carriage return is prefixed with `'`, so a spreadsheet shows it as text instead
    /// of running it as a formula (CSV injection; OWASP's advice).
    pub fn cell<'c>(&self, cell: &'c str) -> std::borrow::Cow<'c, str> {
        if !self.raw && cell.starts_with(['=', '+', '-', '@', '|', '\t', '\r']) {
            std::borrow::Cow::Owned(format!("'{cell}"))
        } else {
            std::borrow::Cow::Borrowed(cell)
        }
    }
}

/// A CSV writer's error as the I/O error under it, so a closed pipe is still one.
fn csv_error(e: ::csv::Error) -> std::io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// One result row as a JSON object whose keys keep the columns' order (a JSON map would
/// sort them, losing `--select`'s order).
struct JsonRow<'a, 'c> {
    header: &'a [String],
    cells: &'a [Option<&'c str>],
}

impl serde::Serialize for JsonRow<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.header.len()))?;
        for (key, value) in self.header.iter().zip(self.cells) {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Writes result rows as they come: CSV, JSON and JSON Lines straight out, so memory does
/// not grow with the input; a table for people is aligned, so it is written at the end.
pub(crate) struct RowWriter<W: Write> {
    header: Vec<String>,
    csv: CsvCells,
    out: Rows<W>,
}

enum Rows<W: Write> {
    Table { out: W, body: Vec<Vec<String>> },
    // boxed: a CSV writer holds its buffer inline
    Csv(Box<::csv::Writer<W>>),
    Json { out: W, rows: usize },
    Jsonl(W),
}

impl<W: Write> RowWriter<W> {
    /// A writer of rows under `header` in `format`; CSV writes the header now.
    pub(crate) fn new(
        out: W,
        format: OutputFormat,
        csv: CsvCells,
        header: Vec<String>,
    ) -> std::io::Result<Self> {
        let out = match format {
            OutputFormat::Table => Rows::Table {
                out,
                body: Vec::new(),
            },
            OutputFormat::Csv => {
                let mut writer = ::csv::Writer::from_writer(out);
                writer.write_record(&header).map_err(csv_error)?;
                Rows::Csv(Box::new(writer))
            }
            OutputFormat::Json => Rows::Json { out, rows: 0 },
            OutputFormat::Jsonl => Rows::Jsonl(out),
        };
        Ok(RowWriter { header, csv, out })
    }

    /// Writes one row: a cell per header column (`None` is no value).
    pub(crate) fn row(&mut self, cells: &[Option<&str>]) -> std::io::Result<()> {
        let header = &self.header;
        match &mut self.out {
            Rows::Table { body, .. } => body.push(
                cells
                    .iter()
                    .map(|c| c.unwrap_or("none").to_string())
                    .collect(),
            ),
            Rows::Csv(writer) => {
                let csv = self.csv;
                let line = cells.iter().map(|c| csv.cell(c.unwrap_or("")));
                let line: Vec<std::borrow::Cow<'_, str>> = line.collect();
                writer
                    .write_record(line.iter().map(|c| c.as_bytes()))
                    .map_err(csv_error)?;
            }
            Rows::Json { out, rows } => {
                // the layout `serde_json::to_writer_pretty` gives an array of objects
                let object = serde_json::to_string_pretty(&JsonRow { header, cells })?;
                out.write_all(if *rows == 0 { b"[\n" } else { b",\n" })?;
                for (i, line) in object.lines().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(b"  ")?;
                    out.write_all(line.as_bytes())?;
                }
                *rows += 1;
            }
            Rows::Jsonl(out) => {
                serde_json::to_writer(&mut *out, &JsonRow { header, cells })?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Ends the output: the table, or the end of the JSON array; flushes.
    pub(crate) fn finish(self) -> std::io::Result<()> {
        match self.out {
            Rows::Table { mut out, body } => {
                write_table(&mut out, &self.header, &body)?;
                out.flush()
            }
            Rows::Csv(mut writer) => writer.flush(),
            Rows::Json { mut out, rows } => {
                out.write_all(if rows == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()
            }
            Rows::Jsonl(mut out) => out.flush(),
        }
    }
}

/// Objects as one pretty JSON array, or one object per line for JSON Lines.
fn write_json(
    out: &mut impl Write,
    format: OutputFormat,
    objects: &[impl serde::Serialize],
) -> std::io::Result<()> {
    if format == OutputFormat::Jsonl {
        for object in objects {
            serde_json::to_writer(&mut *out, object)?;
            out.write_all(b"\n")?;
        }
    } else {
        serde_json::to_writer_pretty(&mut *out, objects)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes rows as aligned columns under a header.
pub fn write_table(
    out: &mut impl Write,
    header: &[String],
    body: &[Vec<String>],
) -> std::io::Result<()> {
    let body: Vec<Vec<String>> = body
        .iter()
        .map(|line| {
            line.iter()
                .map(|c| super::printable(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for line in &body {
        for (i, cell) in line.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for line in std::iter::once(header).chain(body.iter().map(Vec::as_slice)) {
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            if i + 1 == line.len() {
                text.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())?;
    }
    Ok(())
}

/// Counts per value of the shown classifications in funnel order, `none` last.
pub(crate) fn summary_counts<'p>(
    program: &'p Program,
    columns: &[usize],
    funnel: &run::Funnel,
) -> Vec<(&'p str, String, usize)> {
    let mut out = Vec::new();
    for &c in columns {
        let class = &program.classes()[c];
        for (value, count) in funnel.counts(program, c) {
            let value = value.map_or_else(|| "none".to_string(), |v| class.values[v].clone());
            out.push((class.name.as_str(), value, count));
        }
    }
    out
}

/// `--summary`: a table per classification for people; one row per value otherwise.
pub(crate) fn write_summary(
    out: &mut impl Write,
    format: OutputFormat,
    csv: CsvCells,
    program: &Program,
    columns: &[usize],
    funnel: &run::Funnel,
) -> std::io::Result<()> {
    let counts = summary_counts(program, columns, funnel);
    let total = funnel.total().max(1) as f64;
    let share = |count: usize| (1000.0 * count as f64 / total).round() / 10.0;
    match format {
        OutputFormat::Table => {
            for (n, &c) in columns.iter().enumerate() {
                let name = &program.classes()[c].name;
                if n > 0 {
                    writeln!(out)?;
                }
                let body: Vec<Vec<String>> = counts
                    .iter()
                    .filter(|(class, _, _)| class == name)
                    .map(|(_, value, count)| {
                        vec![
                            value.clone(),
                            count.to_string(),
                            format!("{:.1}%", share(*count)),
                        ]
                    })
                    .collect();
                write_table(
                    out,
                    &[name.clone(), "contacts".into(), "share".into()],
                    &body,
                )?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut writer = ::csv::Writer::from_writer(out);
            writer
                .write_record(["classification", "value", "contacts", "share_percent"])
                .map_err(csv_error)?;
            for (class, value, count) in &counts {
                writer
                    .write_record([
                        class.to_string(),
                        csv.cell(value).into_owned(),
                        count.to_string(),
                        format!("{:.1}", share(*count)),
                    ])
                    .map_err(csv_error)?;
            }
            writer.flush()
        }
        OutputFormat::Json | OutputFormat::Jsonl => {
            let objects: Vec<serde_json::Value> = counts
                .iter()
                .map(|(class, value, count)| {
                    serde_json::json!({
                        "classification": class,
                        "value": value,
                        "contacts": count,
                        "share_percent": share(*count),
                    })
                })
                .collect();
            write_json(out, format, &objects)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CsvCells;

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_get_a_quote() {
        let safe = CsvCells::default();
        for cell in ["=1+1", "+1", "-2", "@SUM(A1)", "|cmd", "\tx", "\rx"] {
            assert_eq!(safe.cell(cell), format!("'{cell}"));
        }
        for cell in ["plain", "", "1", "a=b", " =x"] {
            assert_eq!(safe.cell(cell), cell);
        }
        assert_eq!(CsvCells { raw: true }.cell("=1+1"), "=1+1");
    }
}
