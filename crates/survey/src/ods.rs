//! A streamed reader of OpenDocument spreadsheets (`.ods`).
//!
//! calamine builds a dense range of a worksheet and expands the format's
//! repeat counts (`table:number-rows-repeated`, `...-columns-repeated`)
//! into it, so a file of a few kilobytes can declare billions of cells.
//! This reader walks `content.xml` once (read through the bounded zip
//! reader) and hands over only the cells that hold something: empty
//! repeats cost nothing, and repeats of a cell that holds something may
//! add at most [`MAX_REPEATED`] cells in all. Each cell's text is what
//! calamine would give for it ([`super::export`]'s `cell_text` of the same
//! `Data`), which a test checks.

use std::path::Path;

use calamine::Data;
use quick_xml::events::{BytesStart, Event};

use pokeval_formats::archive::Archive;
use pokeval_formats::xml::{attributes, next_event};
use pokeval_model::error::{Error, Result};

/// The most cells that repeat counts may add to what the file itself
/// holds (a whole row of one survey answer copied down a million rows is
/// not an export).
pub(crate) const MAX_REPEATED: u64 = 1_000_000;

/// One cell that holds something, within the row being read.
struct Cell {
    col: u64,
    repeat: u64,
    value: Data,
}

/// The cell being read: its repeat count and typed value from the
/// attributes, and the text of its paragraphs.
struct Open {
    repeat: u64,
    typed: Option<Data>,
    text: String,
    paragraphs: usize,
    /// Inside a paragraph: only paragraph text is the cell's text (the
    /// whitespace an indented file puts between elements is not).
    in_p: bool,
}

/// Calls `place(sheet, (row, column), value)` for every cell that holds
/// something of worksheet `wanted` (the first when `None`), rows and
/// columns counted from 0; returns the worksheet's name.
pub(crate) fn for_each_cell(
    path: &Path,
    display: &str,
    wanted: Option<&str>,
    mut place: impl FnMut(&str, (u64, u64), &Data) -> Result<()>,
) -> Result<String> {
    let mut zip = Archive::open(path, "an OpenDocument spreadsheet (.ods)")?;
    let xml = zip.read("content.xml")?.ok_or_else(|| Error::NotFound {
        path: display.into(),
        what: "content.xml is missing: the file is not a complete OpenDocument spreadsheet".into(),
    })?;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut text = String::new();
    let mut in_sheet = false;
    let mut names: Vec<String> = Vec::new();
    let mut sheet = String::new();
    let (mut row, mut col) = (0u64, 0u64);
    let mut row_repeat = 1u64;
    let mut cells: Vec<Cell> = Vec::new();
    let mut open: Option<Open> = None;
    let mut added = 0u64;
    loop {
        text.clear();
        let Some(ev) = next_event(&mut reader, display, &mut text)? else {
            if let Some(c) = open.as_mut().filter(|c| c.in_p) {
                c.text.push_str(&text);
            }
            continue;
        };
        match ev {
            Event::Eof => {
                return Err(match wanted {
                    Some(s) => Error::NotFound {
                        path: display.into(),
                        what: format!("no worksheet '{s}'; the workbook has: {}", names.join(", ")),
                    },
                    None => Error::Empty {
                        path: display.into(),
                        what: "the workbook has no worksheets".into(),
                    },
                })
            }
            Event::Start(e) if !in_sheet && e.local_name().as_ref() == "table" => {
                let name = attributes(&e).get("name").cloned().unwrap_or_default();
                if wanted.is_none_or(|w| w == name) {
                    in_sheet = true;
                    sheet = name;
                } else {
                    names.push(name);
                }
            }
            // a sheet written as `<table:table/>` holds no cells
            Event::Empty(e) if !in_sheet && e.local_name().as_ref() == "table" => {
                let name = attributes(&e).get("name").cloned().unwrap_or_default();
                if wanted.is_none_or(|w| w == name) {
                    return Ok(name);
                }
                names.push(name);
            }
            _ if !in_sheet => {}
            Event::Start(e) => match e.local_name().as_ref() {
                "table-row" => {
                    row_repeat = repeat(&e, "number-rows-repeated");
                    col = 0;
                    cells.clear();
                }
                "table-cell" | "covered-table-cell" => open = Some(start_cell(&e)),
                "p" | "h" => {
                    if let Some(c) = open.as_mut() {
                        if c.paragraphs > 0 {
                            c.text.push('\n');
                        }
                        c.paragraphs += 1;
                        c.in_p = true;
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "table-row" => row += repeat(&e, "number-rows-repeated"),
                "table-cell" | "covered-table-cell" => {
                    let c = start_cell(&e);
                    col = finish_cell(c, col, &mut cells);
                }
                "s" => {
                    if let Some(c) = open.as_mut().filter(|c| c.in_p) {
                        let n = attributes(&e)
                            .get("c")
                            .and_then(|n| n.parse::<usize>().ok())
                            .unwrap_or(1)
                            .min(1024);
                        c.text.extend(std::iter::repeat_n(' ', n));
                    }
                }
                "tab" => {
                    if let Some(c) = open.as_mut().filter(|c| c.in_p) {
                        c.text.push('\t');
                    }
                }
                "line-break" => {
                    if let Some(c) = open.as_mut().filter(|c| c.in_p) {
                        c.text.push('\n');
                    }
                }
                _ => {}
            },
            Event::End(e) if in_sheet => match e.local_name().as_ref() {
                "p" | "h" => {
                    if let Some(c) = open.as_mut() {
                        c.in_p = false;
                    }
                }
                "table-cell" | "covered-table-cell" => {
                    if let Some(c) = open.take() {
                        col = finish_cell(c, col, &mut cells);
                    }
                }
                "table-row" => {
                    if !cells.is_empty() {
                        let per_row: u64 = cells.iter().map(|c| c.repeat).sum();
                        let written = per_row.saturating_mul(row_repeat);
                        added = added.saturating_add(written - cells.len() as u64);
                        if added > MAX_REPEATED {
                            return Err(too_many(
                                display,
                                &sheet,
                                format!(
                                "repeats row {} {row_repeat} times and its cells up to {} times",
                                row + 1,
                                cells.iter().map(|c| c.repeat).max().unwrap_or(1)
                            ),
                            ));
                        }
                        for r in 0..row_repeat {
                            for c in &cells {
                                for k in 0..c.repeat {
                                    place(&sheet, (row + r, c.col + k), &c.value)?;
                                }
                            }
                        }
                    }
                    row = row.saturating_add(row_repeat);
                    row_repeat = 1;
                }
                "table" => return Ok(sheet),
                _ => {}
            },
            _ => {}
        }
    }
}

/// Repeats that would add more than [`MAX_REPEATED`] cells.
fn too_many(display: &str, sheet: &str, what: String) -> Error {
    Error::TooLarge {
        path: display.into(),
        message: format!(
            "worksheet '{sheet}' {what}, more than the {MAX_REPEATED} cells repeats may add; this is not a survey export: save it again, or export the responses as CSV"
        ),
    }
}

/// A repeat count attribute; 1 when absent or unreadable, never 0.
fn repeat(e: &BytesStart, name: &str) -> u64 {
    attributes(e)
        .get(name)
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

/// The attributes of a cell: its repeat count and, for typed cells, the
/// value calamine would give.
fn start_cell(e: &BytesStart) -> Open {
    let a = attributes(e);
    let get = |k: &str| a.get(k).map(String::as_str);
    let float = |k: &str| get(k).and_then(|v| v.trim().parse::<f64>().ok());
    let typed = match get("value-type") {
        Some("float" | "percentage" | "currency") => float("value").map(Data::Float),
        Some("boolean") => get("boolean-value").map(|v| Data::Bool(v == "true")),
        Some("date") => get("date-value").map(|v| Data::DateTimeIso(v.to_string())),
        Some("time") => get("time-value").map(|v| Data::DurationIso(v.to_string())),
        _ => None,
    };
    Open {
        repeat: repeat(e, "number-columns-repeated"),
        typed,
        text: String::new(),
        paragraphs: 0,
        in_p: false,
    }
}

/// Keeps a finished cell if it holds something; returns the next column.
fn finish_cell(c: Open, col: u64, cells: &mut Vec<Cell>) -> u64 {
    let value = match c.typed {
        Some(v) => Some(v),
        None if !c.text.is_empty() => Some(Data::String(c.text)),
        None => None,
    };
    if let Some(value) = value {
        cells.push(Cell {
            col,
            repeat: c.repeat,
            value,
        });
    }
    col.saturating_add(c.repeat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// An .ods of one sheet whose `table:table` holds `rows`.
    fn ods(dir: &Path, rows: &str) -> std::path::PathBuf {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Andere"><table:table-row><table:table-cell office:value-type="string"><text:p>niet dit blad</text:p></table:table-cell></table:table-row></table:table><table:table table:name="Blad1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
        let path = dir.join("blad.ods");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        z.start_file("META-INF/manifest.xml", stored).unwrap();
        z.write_all(manifest.as_bytes()).unwrap();
        z.start_file("content.xml", stored).unwrap();
        z.write_all(content.as_bytes()).unwrap();
        z.finish().unwrap();
        path
    }

    fn ours(path: &Path) -> Result<Vec<((u64, u64), Data)>> {
        let mut out = Vec::new();
        for_each_cell(path, "blad.ods", Some("Blad1"), |_, at, d| {
            out.push((at, d.clone()));
            Ok(())
        })?;
        out.sort_by_key(|(at, _)| *at);
        Ok(out)
    }

    /// Every kind of cell, repeats, covered cells, spaces, tabs and line
    /// breaks give the cells calamine gives for the same sheet.
    #[test]
    fn the_cells_are_calamines() {
        use calamine::{open_workbook, Ods, Reader};
        let dir = tempfile::tempdir().unwrap();
        let rows = concat!(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Tijdstempel</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string"><text:p>Vraag</text:p><text:p>tweede regel</text:p></table:table-cell></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="date" office:date-value="2024-03-01T10:00:00"><text:p>01-03-24</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="4"><text:p>4,0</text:p></table:table-cell><table:covered-table-cell/><table:table-cell office:value-type="string" table:number-columns-repeated="2"><text:p>a<text:s text:c="3"/>b<text:tab/>c<text:line-break/>d</text:p></table:table-cell></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="5"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
            r#"<table:table-row><table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>WAAR</text:p></table:table-cell><table:table-cell office:value-type="percentage" office:value="0.25"><text:p>25%</text:p></table:table-cell><table:table-cell office:value-type="time" office:time-value="PT01H30M00S"><text:p>01:30</text:p></table:table-cell><table:table-cell office:value-type="currency" office:value="12.5"><text:p>€ 12,50</text:p></table:table-cell></table:table-row>"#,
        );
        let path = ods(dir.path(), rows);
        let mine = ours(&path).unwrap();
        let mut wb: Ods<_> = open_workbook(&path).unwrap();
        let range = wb.worksheet_range("Blad1").unwrap();
        let (r0, c0) = range.start().unwrap();
        let mut theirs: Vec<((u64, u64), Data)> = range
            .used_cells()
            .map(|(r, c, d)| {
                (
                    ((r0 as usize + r) as u64, (c0 as usize + c) as u64),
                    d.clone(),
                )
            })
            .collect();
        theirs.sort_by_key(|(at, _)| *at);
        assert_eq!(mine, theirs);
        assert_eq!(mine.len(), 2 + 2 * 4 + 4);
    }

    /// An indented file (which calamine refuses): the whitespace between
    /// elements is not a cell's text, so an empty cell stays empty.
    #[test]
    fn indentation_between_elements_is_not_text() {
        let dir = tempfile::tempdir().unwrap();
        let rows = "<table:table-row>\n  <table:table-cell>\n    <text:p>ingesprongen</text:p>\n  </table:table-cell>\n  <table:table-cell>\n  </table:table-cell>\n</table:table-row>";
        assert_eq!(
            ours(&ods(dir.path(), rows)).unwrap(),
            vec![((0, 0), Data::String("ingesprongen".into()))]
        );
    }

    #[test]
    fn repeats_of_a_value_are_bounded_and_empty_repeats_free() {
        let dir = tempfile::tempdir().unwrap();
        let big = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
        let e = ours(&ods(dir.path(), big)).unwrap_err().to_string();
        assert!(
            e.contains("repeats row 1 1048576 times and its cells up to 16384 times"),
            "{e}"
        );
        let empty = r#"<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#;
        assert_eq!(ours(&ods(dir.path(), empty)).unwrap().len(), 1);
        // a repeat that stays within the bound is expanded
        let fits = r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="3" office:value-type="string"><text:p>Ja</text:p></table:table-cell></table:table-row>"#;
        assert_eq!(ours(&ods(dir.path(), fits)).unwrap().len(), 3000);
    }
}
