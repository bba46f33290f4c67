//! Reading one survey export as it is, before any instrument is applied.
//!
//! [`read_export`] detects the encoding, the delimiter and the layout (which
//! platform wrote the file and how many header rows it has), and returns an
//! [`Export`]: one [`ExportColumn`] per column with a stable `key`, the
//! question text and the choice or statement a sub-column stands for, and the
//! answers as a polars [`DataFrame`] of text columns (`c0`, `c1`, ...), one
//! row per respondent record, with the line each record starts on.
//!
//! Keys are what column maps refer to, and are chosen to survive re-exports:
//!
//! | layout | key |
//! |---|---|
//! | Qualtrics current (3 header rows) | the `ImportId` of row 3 (`QID3`, `QID6_1`, `_recordId`) |
//! | Qualtrics Insights 2016-17 | the `ImportId`, with `-` read as `_` (`QID2-1` is `QID2_1`) |
//! | Qualtrics legacy (`V1..V10`) | the column name (`Q2_1`); metadata as current ImportIds (`ResponseID` is `_recordId`) |
//! | SurveyMonkey (2 header rows) | `Q<n>` per question in order, `Q<n>_<k>` per sub-column |
//! | LimeSurvey codes | the code heading (`Geslacht[other]`) |
//! | LimeSurvey full question texts ("R data", or a CSV export with English or Dutch column names) | the code from the R syntax file beside it, else the heading text |
//! | LimeSurvey "code. text" headings (`id. Response ID`) | the code before `. `, as with question codes |
//! | LimeSurvey rewritten by pandas | the code before `. ` in `code. text` |
//! | LimeSurvey archive (.lsa) | `code`, `code[SQ001]`, `code[other]` from the SGQA name and the .lss |
//! | Google Forms, Microsoft Forms, generic | the heading |
//! | SPSS | the variable name |
//!
//! LimeSurvey answers exported as full answers instead of codes read as
//! codes do: an option is found by its code, an alias or its label.
//!
//! Nothing is decoded or dropped here; [`crate::harmonise`] applies an
//! instrument, and [`crate::raw_long`] gives the platform's own view.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;

use pokeval_model::error::{Error, Result};

pub use crate::raw::{
    format_number, EncodingChoice, Export, ExportColumn, Layout, MissingSpec, MrSet, Platform,
    ReadOptions,
};

/// Reads an export: `.csv`/`.txt`/`.tsv`, `.xlsx`/`.xls`/`.ods`,
/// `.sav`/`.zsav` or a LimeSurvey `.lsa` archive. `display` is how the file is named in messages.
pub fn read_export(path: &Path, display: &str, opts: &ReadOptions) -> Result<Export> {
    let ext = pokeval_model::fsio::extension(path);
    match ext.as_str() {
        "sav" | "zsav" => crate::spss::read_sav(path, display, opts),
        "lsa" => read_lsa(path, display, opts),
        "qsf" | "lss" | "lsg" | "r" => Err(Error::Unsupported {
            path: display.into(),
            message: "this is a survey definition, not responses; give it as the structure (--structure, or structure = in [[survey]]) beside the export".into(),
        }),
        "xlsx" | "xlsm" | "xls" | "ods" => read_sheet(path, display, opts),
        _ => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            read_csv_bytes(bytes, display, opts)
        }
    }
}

/// Decodes export bytes to UTF-8. Returns the text bytes (BOM removed) and
/// the encoding's name.
pub fn decode_export(
    mut bytes: Vec<u8>,
    display: &str,
    choice: EncodingChoice,
) -> Result<(Vec<u8>, String)> {
    if choice == EncodingChoice::Windows1252 {
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
        return Ok((text.into_owned().into_bytes(), "windows-1252".into()));
    }
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        if enc != encoding_rs::UTF_8 {
            // UTF-16 with a byte-order mark, as every other text file.
            let text = pokeval_model::text::decode(Path::new(display), &bytes)?;
            return Ok((text.into_bytes(), enc.name().to_string()));
        }
        bytes.drain(..bom);
        if let Err(e) = std::str::from_utf8(&bytes) {
            return Err(invalid_utf8(display, &bytes, e.valid_up_to(), bom));
        }
        return Ok((bytes, "UTF-8 (with BOM)".into()));
    }
    match std::str::from_utf8(&bytes) {
        Ok(_) => Ok((bytes, "UTF-8".into())),
        Err(e) if choice == EncodingChoice::Utf8 => {
            Err(invalid_utf8(display, &bytes, e.valid_up_to(), 0))
        }
        Err(e) => {
            // UTF-8 characters beside bytes that are not UTF-8: a mixed
            // file (a row pasted from a Windows-1252 source). Reading all
            // of it as Windows-1252 would garble every UTF-8 row, so stop.
            if let Some(good) = first_utf8_multibyte(&bytes) {
                return Err(mixed_encoding(display, &bytes, e.valid_up_to(), good));
            }
            // Windows-1252 leaves five bytes undefined; a file with those is
            // neither encoding, and guessing further would corrupt text.
            if let Some(pos) = bytes
                .iter()
                .position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
            {
                return Err(invalid_utf8(display, &bytes, pos, 0));
            }
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
            Ok((text.into_owned().into_bytes(), "windows-1252".into()))
        }
    }
}

/// The line (1-based) that byte offset `pos` of `bytes` is on.
fn line_at(bytes: &[u8], pos: usize) -> u64 {
    bytes[..pos].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// How to name the encoding: the project key and the ingest flag.
const ENCODING_FIX: &str =
    "set encoding = \"windows-1252\" in its [[survey]] (pokeval ingest: --encoding windows-1252)";

fn invalid_utf8(display: &str, bytes: &[u8], pos: usize, base: usize) -> Error {
    Error::Csv {
        path: display.into(),
        line: Some(line_at(bytes, pos)),
        message: format!(
            "byte 0x{:02X} at offset {} is not valid UTF-8 (nor Windows-1252); re-export the file as UTF-8, or {ENCODING_FIX} if that is what it is",
            bytes[pos],
            pos + base
        ),
    }
}

/// The offset of the first character of `bytes` that is valid UTF-8 and
/// not ASCII, if any (one linear pass).
fn first_utf8_multibyte(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        if let Some(i) = valid.find(|c: char| !c.is_ascii()) {
            return Some(at + i);
        }
        at += valid.len() + chunk.invalid().len();
    }
    None
}

/// A file that is UTF-8 but for some bytes: names the first bad line with
/// its bytes and a line that is UTF-8, and says what to do.
fn mixed_encoding(display: &str, bytes: &[u8], bad: usize, good: usize) -> Error {
    let char_at = |pos: usize| {
        std::str::from_utf8(&bytes[pos..(pos + 4).min(bytes.len())])
            .or_else(|e| std::str::from_utf8(&bytes[pos..pos + e.valid_up_to()]))
            .ok()
            .and_then(|t| t.chars().next())
            .unwrap_or('?')
    };
    // the bad bytes themselves (the first chunk from `bad` has no valid
    // part), not the text after them
    let run = bytes[bad..]
        .utf8_chunks()
        .next()
        .map_or(&bytes[bad..=bad], |c| c.invalid());
    Error::Csv {
        path: display.into(),
        line: Some(line_at(bytes, bad)),
        message: format!(
            "the file mixes encodings: it is UTF-8 (line {} has '{}'), but byte{} {} at offset {bad} {} not UTF-8, as text pasted from a Windows-1252 source would be. Reading it all as Windows-1252 would garble the UTF-8 rows, so nothing was read: re-save this line as UTF-8, or, if the whole file is Windows-1252 after all, {ENCODING_FIX}",
            line_at(bytes, good),
            char_at(good),
            if run.len() > 1 { "s" } else { "" },
            run.iter().map(|b| format!("0x{b:02X}")).collect::<Vec<_>>().join(" "),
            if run.len() > 1 { "are" } else { "is" },
        ),
    }
}

/// The header of a CSV export: layout, columns and where the body starts.
struct Head {
    layout: Layout,
    columns: Vec<ExportColumn>,
    delim: u8,
    /// Byte offset of the first body record in `text`.
    body_start: usize,
    /// The line the body starts on.
    first_line: u64,
}

pub use crate::MAX_FIELDS;

/// Reads the header rows of decoded export text (all of it, or its start).
fn read_head(text: &[u8], display: &str, opts: &ReadOptions) -> Result<Head> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty {
            path: display.into(),
            what: "the file is empty; export the responses again".into(),
        });
    }
    let delim = pokeval_model::table::sniff_delimiter_bytes(text);
    // The header rows, read with the csv crate (at most three records).
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text);
    let mut heads: Vec<(Vec<String>, u64)> = Vec::new();
    let mut rec = csv::StringRecord::new();
    // Up to three header rows, and the start of the record after them.
    while heads.len() < 4 {
        let pos = rdr.position().byte();
        match rdr.read_record(&mut rec) {
            Ok(true) if rec.len() > MAX_FIELDS => {
                return Err(Error::Csv {
                    path: display.into(),
                    line: Some(rec.position().map_or(1, csv::Position::line)),
                    message: format!(
                        "this row has {} fields, more than the {MAX_FIELDS} a survey export has; is the file an export with line breaks between its rows? Export it again",
                        rec.len()
                    ),
                });
            }
            Ok(true) => heads.push((rec.iter().map(str::to_string).collect(), pos)),
            Ok(false) => break,
            Err(e) => {
                return Err(Error::Csv {
                    path: display.into(),
                    line: e.position().map(csv::Position::line),
                    message: e.to_string(),
                })
            }
        }
    }
    let layout = detect(&heads, opts.platform, display)?;
    let n_head = layout.header_rows();
    if heads.len() < n_head {
        return Err(Error::Csv {
            path: display.into(),
            line: Some(heads.len() as u64 + 1),
            message: format!(
                "the file ends inside the header: {} needs {n_head} header rows; the export looks truncated",
                layout.describe()
            ),
        });
    }
    // A file that ends in its last header row, which is shorter than the
    // first: cut off while it was written or copied. (With records after
    // it, a short row is the platform's layout, not a cut.)
    if heads.len() == n_head {
        let (first, (last, pos)) = (&heads[0].0, &heads[n_head - 1]);
        if last.len() < first.len() {
            let start = record_start(text, *pos as usize);
            let line = text[..start].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            return Err(Error::Csv {
                path: display.into(),
                line: Some(line),
                message: format!(
                    "header row {n_head} has {} fields where row 1 has {} and no response follows; the export looks truncated: export it again",
                    last.len(),
                    first.len()
                ),
            });
        }
    }
    let body_start = heads
        .get(n_head)
        .map_or(text.len(), |(_, pos)| record_start(text, *pos as usize));
    let rows: Vec<&Vec<String>> = heads.iter().take(n_head).map(|(r, _)| r).collect();
    let columns = header_columns(layout, &rows);
    let first_line = text[..body_start].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    Ok(Head {
        layout,
        columns,
        delim,
        body_start,
        first_line,
    })
}

/// Where the record at the csv crate's position `pos` starts: after a
/// header (CRLF or LF) the position can sit on the line end before it.
fn record_start(text: &[u8], mut pos: usize) -> usize {
    while pos < text.len() && matches!(text[pos], b'\r' | b'\n') {
        pos += 1;
    }
    pos
}

/// The header of a UTF-8 CSV export read from the start of the file, for
/// the streaming reader: an [`Export`] without body and where the body
/// starts. `None` when the file needs the whole-file reader (another
/// encoding, or a header longer than the first megabyte).
pub(crate) fn open_csv(
    path: &Path,
    display: &str,
    opts: &ReadOptions,
) -> Result<Option<(Export, crate::records::Body)>> {
    const HEAD: u64 = 1 << 20;
    if opts.encoding == EncodingChoice::Windows1252 {
        return Ok(None);
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, HEAD), &mut buf)
        .map_err(|e| Error::io(path, e))?;
    let whole = (buf.len() as u64) < HEAD;
    let mut bom = 0;
    if let Some((enc, len)) = encoding_rs::Encoding::for_bom(&buf) {
        if enc != encoding_rs::UTF_8 {
            return Ok(None);
        }
        bom = len;
    }
    let text = &buf[bom..];
    let valid = match std::str::from_utf8(text) {
        Ok(_) => true,
        // A character cut by the end of the buffer is fine.
        Err(e) => e.error_len().is_none() && !whole,
    };
    if !valid {
        return Ok(None);
    }
    let head = read_head(text, display, opts)?;
    // The header and the first record's start must lie inside the buffer.
    if !whole && text[head.body_start..].iter().all(|&b| b != b'\n') {
        return Ok(None);
    }
    let body = crate::records::Body {
        offset: (bom + head.body_start) as u64,
        delim: head.delim,
        width: head.columns.len(),
        first_line: head.first_line,
    };
    let encoding = if bom > 0 { "UTF-8 (with BOM)" } else { "UTF-8" };
    let export = Export::new(
        display,
        opts,
        head.layout,
        encoding.into(),
        head.columns,
        empty_body(0),
        Vec::new(),
        "line",
    );
    Ok(Some((export, body)))
}

/// Reads a CSV export from its bytes.
pub fn read_csv_bytes(bytes: Vec<u8>, display: &str, opts: &ReadOptions) -> Result<Export> {
    let (text, encoding) = decode_export(bytes, display, opts.encoding)?;
    let Head {
        layout,
        mut columns,
        delim,
        body_start,
        first_line,
    } = read_head(&text, display, opts)?;
    let width = columns.len();
    let body_bytes = &text[body_start..];
    let body_text = std::str::from_utf8(body_bytes)
        .map_err(|e| invalid_utf8(display, &text, body_start + e.valid_up_to(), 0))?;
    // One text column per export column, filled by the same scanner the
    // streaming reader uses (see `records`), so both read a file alike.
    let mut builders: Vec<StringChunkedBuilder> = (0..width)
        .map(|i| StringChunkedBuilder::new(format!("c{i}").into(), 0))
        .collect();
    let mut lines = Vec::new();
    crate::records::scan_records(body_bytes, delim, width, first_line, |line, spans| {
        lines.push(line);
        for (b, s) in builders.iter_mut().zip(spans) {
            match s.text(body_text) {
                Some(t) => b.append_value(t),
                None => b.append_null(),
            }
        }
        Ok(())
    })
    .map_err(|e| e.into_error(display, width))?;
    let body = DataFrame::new(
        lines.len(),
        builders
            .into_iter()
            .map(|b| b.finish().into_column())
            .collect(),
    )
    .map_err(|e| crate::table_error(display, "cannot build the table of the export", e))?;
    // A trailing comma on every line gives an unnamed last column; keep it
    // only when something is in it.
    let mut body = body;
    while let Some(last) = columns.last() {
        let idx = columns.len() - 1;
        if !last.name.is_empty() || !last.key.is_empty() {
            break;
        }
        let col = body
            .column(&format!("c{idx}"))
            .map_err(|e| crate::table_error(display, "cannot read the last column", e))?;
        if col.null_count() != col.len() {
            break;
        }
        body = body
            .drop(&format!("c{idx}"))
            .map_err(|e| crate::table_error(display, "cannot drop the empty last column", e))?;
        columns.pop();
    }
    Ok(Export::new(
        display, opts, layout, encoding, columns, body, lines, "line",
    ))
}

fn empty_body(width: usize) -> DataFrame {
    let cols: Vec<Column> = (0..width)
        .map(|i| Column::new(format!("c{i}").into(), Vec::<Option<String>>::new()))
        .collect();
    DataFrame::new(0, cols).unwrap_or_default()
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

/// Decides the layout from the first (up to) three records.
fn detect(
    heads: &[(Vec<String>, u64)],
    declared: Option<Platform>,
    display: &str,
) -> Result<Layout> {
    let row = |i: usize| heads.get(i).map(|(r, _)| r.as_slice()).unwrap_or(&[]);
    let (r1, r2, r3) = (row(0), row(1), row(2));
    let share = |r: &[String], pred: &dyn Fn(&str) -> bool| {
        let non_empty: Vec<&String> = r.iter().filter(|c| !c.is_empty()).collect();
        !non_empty.is_empty() && non_empty.iter().filter(|c| pred(c)).count() * 2 > non_empty.len()
    };
    let has = |r: &[String], name: &str| r.iter().any(|c| c.trim().eq_ignore_ascii_case(name));
    let detected = if share(r3, &|c| c.starts_with("{\"ImportId\"")) {
        Some(Layout::QualtricsCurrent)
    } else if share(r3, &|c| c.starts_with("{'ImportId'")) {
        Some(Layout::QualtricsInsights)
    } else if cell(r1, 0).trim_start_matches('\u{feff}') == "V1"
        && cell(r1, 1) == "V2"
        && has(r2, "ResponseID")
    {
        Some(Layout::QualtricsLegacy)
    } else if r2.iter().any(|c| is_sm_sub(c))
        && (r1.iter().skip(1).any(std::string::String::is_empty) || share(r2, &is_sm_sub))
    {
        Some(Layout::SurveymonkeyTwoRow)
    } else if (has(r1, "Response ID") && (has(r1, "Date submitted") || has(r1, "Last page")))
        || (has(r1, "Antwoord ID") && (has(r1, "Datum verstuurd") || has(r1, "Laatste pagina")))
    {
        // full question texts, with LimeSurvey's English or Dutch names
        // for its own columns
        Some(Layout::LimesurveyText)
    } else if pandas_code(cell(r1, 0)).is_some_and(|(c, _)| c == "id")
        && r1
            .iter()
            .any(|h| pandas_code(h).is_some_and(|(c, _)| c == "submitdate"))
    {
        Some(Layout::LimesurveyCodeText)
    } else if has(r1, "id")
        && has(r1, "submitdate")
        && (has(r1, "lastpage") || has(r1, "startlanguage"))
    {
        Some(Layout::LimesurveyCodes)
    } else if cell(r1, 0).is_empty()
        && r1.len() > 1
        && share(&r1[1..], &|c| pandas_code(c).is_some())
    {
        Some(Layout::LimesurveyPandas)
    } else if (has(r1, "Id") || has(r1, "ID"))
        && (has(r1, "Start time") || has(r1, "Begintijd"))
        && (has(r1, "Completion time") || has(r1, "Tijd van voltooien"))
    {
        Some(Layout::MicrosoftForms)
    } else if matches!(cell(r1, 0), "Timestamp" | "Tijdstempel") {
        Some(Layout::GoogleForms)
    } else {
        None
    };
    match (detected, declared) {
        (Some(l), None) => Ok(l),
        (Some(l), Some(p)) if l.platform() == p => Ok(l),
        (_, Some(Platform::Generic)) => Ok(Layout::Generic),
        (Some(l), Some(p)) => Err(Error::Csv {
            path: display.into(),
            line: Some(1),
            message: format!(
                "the project says platform = \"{}\" but the header is a {}; correct the platform or the file",
                p.name(),
                l.describe()
            ),
        }),
        (None, Some(Platform::Qualtrics)) if heads.len() < 3 => Err(Error::Csv {
            path: display.into(),
            line: Some(heads.len() as u64 + 1),
            message: "the file ends inside the header: a Qualtrics export has three header rows (column names, question texts, ImportIds); the export looks truncated, export it again".into(),
        }),
        (None, _) => Err(Error::Csv {
            path: display.into(),
            line: Some(1),
            message: "the header matches no known survey layout (Qualtrics, LimeSurvey, SurveyMonkey, Google Forms, Microsoft Forms); for another source set platform = \"generic\" (pokeval ingest --platform generic) and map its columns in the instrument's [columns.generic] table".into(),
        }),
    }
}

/// SurveyMonkey's second header row: what each sub-column holds.
fn is_sm_sub(c: &str) -> bool {
    matches!(
        c,
        "Response" | "Open-Ended Response" | "Other (please specify)"
    )
}

/// `rse3[SQ001]. Who uses ...` -> (`rse3[SQ001]`, `Who uses ...`).
fn pandas_code(heading: &str) -> Option<(&str, &str)> {
    let (code, text) = heading.split_once(". ")?;
    let ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '[' | ']'));
    ok.then_some((code, text))
}

/// The ImportId inside a current (`{"ImportId":"QID1"}`) or Insights
/// (`{'ImportId': 'QID2-1'}`) cell.
pub fn import_id(cell: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(cell) {
        return v.get("ImportId")?.as_str().map(str::to_string);
    }
    let rest = cell.split_once("'ImportId':")?.1.trim_start();
    let rest = rest.strip_prefix('\'')?;
    let id = &rest[..rest.find('\'')?];
    Some(if id.starts_with("QID") {
        id.replace('-', "_")
    } else if id == "responseId" {
        "_recordId".to_string()
    } else {
        id.to_string()
    })
}

/// Legacy Qualtrics metadata names as current ImportIds.
fn legacy_meta_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "ResponseID" => "_recordId",
        "ResponseSet" => "responseSetId",
        "Name" => "name",
        "ExternalDataReference" => "externalDataReference",
        "EmailAddress" => "recipientEmail",
        "IPAddress" => "ipAddress",
        "Status" => "status",
        "StartDate" => "startDate",
        "EndDate" => "endDate",
        "Finished" => "finished",
        _ => return None,
    })
}

fn split_choice(text: &str, sep: &str) -> Option<String> {
    text.rsplit_once(sep)
        .map(|(_, c)| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

fn header_columns(layout: Layout, rows: &[&Vec<String>]) -> Vec<ExportColumn> {
    let empty = Vec::new();
    let r1 = rows.first().copied().unwrap_or(&empty);
    let r2 = rows.get(1).copied().unwrap_or(&empty);
    let r3 = rows.get(2).copied().unwrap_or(&empty);
    let mut out: Vec<ExportColumn> = Vec::with_capacity(r1.len());
    let mut sm_question = 0usize;
    let mut sm_text = String::new();
    let mut sm_sub = 0usize;
    let mut sm_first = 0usize;
    for (i, raw_name) in r1.iter().enumerate() {
        let name = raw_name.trim_start_matches('\u{feff}').trim().to_string();
        let col = match layout {
            Layout::QualtricsCurrent | Layout::QualtricsInsights => {
                let key = import_id(cell(r3, i)).unwrap_or_else(|| name.clone());
                let text = cell(r2, i).to_string();
                let sep = if layout == Layout::QualtricsCurrent {
                    " - "
                } else {
                    "-"
                };
                let choice = (key.starts_with("QID") && key.contains('_'))
                    .then(|| split_choice(&text, sep))
                    .flatten();
                ExportColumn {
                    key,
                    name,
                    text,
                    choice,
                }
            }
            Layout::QualtricsLegacy => {
                let text = cell(r2, i).to_string();
                if name.starts_with('V')
                    && name[1..].chars().all(|c| c.is_ascii_digit())
                    && !name[1..].is_empty()
                {
                    let key = legacy_meta_key(&text)
                        .map(str::to_string)
                        .unwrap_or_else(|| text.clone());
                    ExportColumn {
                        key,
                        name: text.clone(),
                        text,
                        choice: None,
                    }
                } else {
                    let choice = name
                        .contains('_')
                        .then(|| split_choice(&text, "-"))
                        .flatten();
                    ExportColumn {
                        key: name.clone(),
                        name,
                        text,
                        choice,
                    }
                }
            }
            Layout::SurveymonkeyTwoRow => {
                let sub = cell(r2, i).trim().to_string();
                if name.is_empty() {
                    sm_sub += 1;
                    if sm_sub == 2 {
                        // The question has sub-columns: number the first one too.
                        if let Some(first) = out.get_mut(sm_first) {
                            first.key = format!("Q{sm_question}_1");
                        }
                    }
                } else {
                    let meta = sub.is_empty();
                    if meta {
                        out.push(ExportColumn {
                            key: name.clone(),
                            name: name.clone(),
                            text: name,
                            choice: None,
                        });
                        continue;
                    }
                    sm_question += 1;
                    // Question texts may carry HTML (`<br>`).
                    sm_text = pokeval_model::text::plain(&name);
                    sm_sub = 1;
                    sm_first = out.len();
                }
                let key = if sm_sub == 1 {
                    format!("Q{sm_question}")
                } else {
                    format!("Q{sm_question}_{sm_sub}")
                };
                let choice = (!matches!(sub.as_str(), "Response" | "Open-Ended Response" | ""))
                    .then_some(sub);
                ExportColumn {
                    key,
                    name: sm_text.clone(),
                    text: sm_text.clone(),
                    choice,
                }
            }
            Layout::LimesurveyPandas | Layout::LimesurveyCodeText => match pandas_code(&name) {
                Some((code, text)) => {
                    let choice = code
                        .contains('[')
                        .then(|| {
                            text.rsplit_once('[')
                                .map(|(_, c)| c.trim_end_matches(']').to_string())
                        })
                        .flatten()
                        .filter(|c| !c.is_empty());
                    ExportColumn {
                        key: code.to_string(),
                        name: name.clone(),
                        text: text.to_string(),
                        choice,
                    }
                }
                None if i == 0 && name.is_empty() => ExportColumn {
                    key: "_index".into(),
                    name,
                    text: String::new(),
                    choice: None,
                },
                None => ExportColumn {
                    key: name.clone(),
                    name: name.clone(),
                    text: name,
                    choice: None,
                },
            },
            Layout::LimesurveyText => {
                let choice = name
                    .rsplit_once('[')
                    .map(|(_, c)| c.trim_end_matches(']').trim().to_string())
                    .filter(|c| !c.is_empty() && name.ends_with(']'));
                ExportColumn {
                    key: name.clone(),
                    name: name.clone(),
                    text: name,
                    choice,
                }
            }
            _ => ExportColumn {
                key: name.clone(),
                name: name.clone(),
                text: name,
                choice: None,
            },
        };
        out.push(col);
    }
    out
}

/// Excel's own limits: 1,048,576 rows and 16,384 columns (XFD).
const SHEET_ROWS: u32 = 1_048_576;
const SHEET_COLUMNS: u32 = 16_384;

/// One worksheet row: its number (1-based, as Excel shows it) and its
/// cells as (column, text), in column order. Rows are kept sparse so that
/// a lone cell far out (XFD1048576) costs one cell, not a dense grid.
type SheetRow = (u64, Vec<(usize, String)>);

/// A cell as the text an export would hold.
fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format_number(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => {
            if *b {
                "TRUE".into()
            } else {
                "FALSE".into()
            }
        }
        Data::DateTime(dt) => crate::dates::excel_serial_to_iso(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The non-empty rows of the first (or the named) worksheet. An `.xlsx`
/// is streamed cell by cell and an `.ods` is read by [`crate::ods`]
/// (repeat counts bounded), so memory follows the cells the file holds.
/// An `.xls` goes through calamine's dense range, which the format bounds
/// (65,536 rows of 256 columns). A cell beyond Excel's limits is an error
/// naming it.
fn sheet_rows(path: &Path, display: &str, opts: &ReadOptions) -> Result<(String, Vec<SheetRow>)> {
    use calamine::{open_workbook_auto, Reader, Sheets};
    let mut rows = Cells::default();
    let is_ods = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ods"));
    if is_ods {
        // never through calamine, which expands repeats at opening
        let sheet = crate::ods::for_each_cell(
            path,
            display,
            opts.sheet.as_deref(),
            |sheet, (row, col), d| {
                let row = u32::try_from(row).unwrap_or(u32::MAX);
                let col = u32::try_from(col).unwrap_or(u32::MAX);
                rows.place(display, sheet, (row, col), cell_text(d))
            },
        )?;
        return Ok((sheet, rows.finish()));
    }
    let mut wb = open_workbook_auto(path)
        .map_err(|e| workbook(display, format!("cannot open the workbook: {e}")))?;
    let names = wb.sheet_names().clone();
    let sheet = match &opts.sheet {
        Some(s) => names
            .iter()
            .find(|n| *n == s)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                path: display.into(),
                what: format!("no worksheet '{s}'; the workbook has: {}", names.join(", ")),
            })?,
        None => names.first().cloned().ok_or_else(|| Error::Empty {
            path: display.into(),
            what: "the workbook has no worksheets".into(),
        })?,
    };
    let unreadable = |e: &dyn std::fmt::Display| {
        workbook(display, format!("cannot read worksheet '{sheet}': {e}"))
    };
    match &mut wb {
        Sheets::Xlsx(x) => {
            let mut cells = x
                .worksheet_cells_reader(&sheet)
                .map_err(|e| unreadable(&e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
                let text = cell_text(&calamine::Data::from(cell.get_value().clone()));
                rows.place(display, &sheet, cell.get_position(), text)?;
            }
        }
        other => {
            let range = other.worksheet_range(&sheet).map_err(|e| unreadable(&e))?;
            for (row, col, d) in range.used_cells() {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                rows.place(
                    display,
                    &sheet,
                    (r0 + row as u32, c0 + col as u32),
                    cell_text(d),
                )?;
            }
        }
    }
    Ok((sheet, rows.finish()))
}

/// The non-empty cells of a worksheet by row, as they are read.
#[derive(Default)]
struct Cells(std::collections::BTreeMap<u32, Vec<(usize, String)>>);

impl Cells {
    /// Keeps a cell's text (an empty one is left out); a cell beyond
    /// Excel's limits is an error naming it.
    fn place(
        &mut self,
        display: &str,
        sheet: &str,
        (row, col): (u32, u32),
        text: String,
    ) -> Result<()> {
        if row >= SHEET_ROWS || col >= SHEET_COLUMNS {
            return Err(Error::TooLarge {
                path: display.into(),
                message: format!(
                    "worksheet '{sheet}' has a cell at row {}, column {}, beyond what Excel allows ({SHEET_ROWS} rows, {SHEET_COLUMNS} columns); the workbook is damaged: save it again from Excel",
                    u64::from(row) + 1,
                    u64::from(col) + 1
                ),
            });
        }
        if !text.is_empty() {
            self.0.entry(row).or_default().push((col as usize, text));
        }
        Ok(())
    }

    /// The rows in order, each with its cells in column order.
    fn finish(self) -> Vec<SheetRow> {
        self.0
            .into_iter()
            .map(|(r, mut cells)| {
                cells.sort_by_key(|(c, _)| *c);
                (u64::from(r) + 1, cells)
            })
            .collect()
    }
}

/// Reads the first (or the named) worksheet of a spreadsheet export.
fn read_sheet(path: &Path, display: &str, opts: &ReadOptions) -> Result<Export> {
    // calamine is a dependency: a workbook it cannot take must become an
    // error that names the file, never a crash
    let (sheet, rows) = crate::contained(display, "the workbook reader", || {
        sheet_rows(path, display, opts)
    })?;
    if rows.is_empty() {
        return Err(Error::Empty {
            path: display.into(),
            what: format!("worksheet '{sheet}' is empty"),
        });
    }
    // header rows are dense: the first four rows, up to their last cell
    let dense = |cells: &[(usize, String)]| -> Vec<String> {
        let mut out = vec![String::new(); cells.last().map_or(0, |(c, _)| c + 1)];
        for (c, t) in cells {
            out[*c] = t.clone();
        }
        out
    };
    let all: Vec<Vec<String>> = rows.iter().take(4).map(|(_, cells)| dense(cells)).collect();
    // The same header detection as for CSV: Qualtrics and SurveyMonkey
    // workbooks have three and two header rows.
    let heads: Vec<(Vec<String>, u64)> = all.iter().take(4).map(|r| (r.clone(), 0)).collect();
    // the same findings, but in a workbook's own terms (rows, not CSV lines)
    let layout = detect(&heads, opts.platform, display).map_err(|e| match e {
        Error::Csv { message, .. } => workbook(display, message),
        e => e,
    })?;
    let n_head = layout.header_rows().min(all.len());
    let head_rows: Vec<&Vec<String>> = all.iter().take(n_head).collect();
    let columns = header_columns(layout, &head_rows);
    let width = columns.len();
    let mut data: Vec<Vec<Option<String>>> = vec![Vec::new(); width];
    let mut lines = Vec::new();
    for (row, cells) in rows.iter().skip(n_head) {
        if cells.iter().all(|(_, c)| c.trim().is_empty()) {
            continue;
        }
        if let Some((col, _)) = cells
            .iter()
            .find(|(c, t)| *c >= width && !t.trim().is_empty())
        {
            return Err(workbook(
                display,
                format!(
                    "row {row} has a value in column {} beyond the {width} columns the header names; give that column a heading",
                    col + 1
                ),
            ));
        }
        lines.push(*row);
        let mut next = cells.iter().peekable();
        for (j, col) in data.iter_mut().enumerate() {
            let v = match next.peek() {
                Some((c, _)) if *c == j => next.next().map(|(_, t)| t.clone()),
                _ => None,
            };
            col.push(v);
        }
    }
    let body = text_frame(data, lines.len(), display)?;
    Ok(Export::new(
        display,
        opts,
        layout,
        path.extension()
            .and_then(|e| e.to_str())
            .unwrap_or("xlsx")
            .to_ascii_lowercase(),
        columns,
        body,
        lines,
        "row",
    ))
}

/// Text columns `c0`, `c1`, ... of `n` rows (empty cells as null).
fn text_frame(data: Vec<Vec<Option<String>>>, n: usize, display: &str) -> Result<DataFrame> {
    let cols: Vec<Column> = data
        .into_iter()
        .enumerate()
        .map(|(i, v)| Column::new(format!("c{i}").into(), v))
        .collect();
    DataFrame::new(n, cols)
        .map_err(|e| crate::table_error(display, "cannot build the table of the worksheet", e))
}

/// Reads a LimeSurvey survey archive: the responses (`.lsr`, one element
/// per SGQA field such as `_981966X1X22`) with the survey structure
/// (`.lss`) from the same archive. Columns are keyed by question code as
/// LimeSurvey's CSV export keys them (`code`, `code[SQ001]`,
/// `code[other]`), falling back to the SGQA name, and the structure labels
/// the answer codes.
fn read_lsa(path: &Path, display: &str, opts: &ReadOptions) -> Result<Export> {
    let mut zip =
        pokeval_formats::archive::Archive::open(path, "LimeSurvey survey archive (.lsa, zip)")?;
    let find = |ext: &str| {
        zip.entries
            .iter()
            .find(|e| e.to_ascii_lowercase().ends_with(ext))
            .cloned()
    };
    let (Some(lsr), lss) = (find(".lsr"), find(".lss")) else {
        return Err(Error::NotFound {
            path: display.into(),
            what: "the archive holds no responses (.lsr); export the survey archive of an activated survey".into(),
        });
    };
    let text = |zip: &mut pokeval_formats::archive::Archive, name: &str| -> Result<String> {
        let bytes = zip.read(name)?.unwrap_or_default();
        pokeval_model::text::decode(Path::new(&format!("{display}/{name}")), &bytes)
    };
    let responses = text(&mut zip, &lsr)?;
    let tables = crate::structure::xml_tables(&responses, &format!("{display}/{lsr}"))?;
    let rows = tables.get("responses").cloned().unwrap_or_default();
    // Field order from <fields><fieldname>; rows may leave empty fields out.
    let mut fields: Vec<String> = Vec::new();
    let mut reader = quick_xml::Reader::from_str(&responses);
    let lsr_display = format!("{display}/{lsr}");
    let mut buf = String::new();
    let mut in_fieldname = false;
    loop {
        let Some(event) = pokeval_formats::xml::next_event(&mut reader, &lsr_display, &mut buf)?
        else {
            continue;
        };
        match event {
            quick_xml::events::Event::Start(e) => {
                in_fieldname = e.name().as_ref() == "fieldname";
                buf.clear();
            }
            quick_xml::events::Event::End(_) => {
                if in_fieldname {
                    fields.push(buf.trim().to_string());
                }
                in_fieldname = false;
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let strip = |f: &str| -> String {
        match f.strip_prefix('_') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_string(),
            _ => f.to_string(),
        }
    };
    if fields.is_empty() {
        // No field list: the union of the rows' fields, in first-seen order.
        for r in &rows {
            for k in r.keys() {
                if !fields.contains(k) {
                    fields.push(k.clone());
                }
            }
        }
    }
    let structure = match &lss {
        Some(name) => {
            let t = text(&mut zip, name)?;
            Some(crate::structure::lss(&t, &format!("{display}/{name}"))?)
        }
        None => None,
    };
    let by_qid: HashMap<&str, &crate::structure::StructQuestion> = structure
        .iter()
        .flat_map(|s| s.questions.iter())
        .map(|q| (q.id.as_str(), q))
        .collect();
    let mut columns = Vec::new();
    for f in &fields {
        let name = strip(f);
        // SGQA: survey X group X question, then a sub-question or "other".
        let parts: Vec<&str> = name.splitn(3, 'X').collect();
        let mapped = (parts.len() == 3 && parts[0].chars().all(|c| c.is_ascii_digit()))
            .then(|| {
                let rest = parts[2];
                let digits = rest.chars().take_while(char::is_ascii_digit).count();
                let (qid, tail) = rest.split_at(digits);
                by_qid.get(qid).map(|q| (*q, tail))
            })
            .flatten();
        let col = match mapped {
            Some((q, "")) => ExportColumn {
                key: q.code.clone(),
                name,
                text: q.text.clone(),
                choice: None,
            },
            Some((q, tail)) => {
                let choice = q
                    .items
                    .iter()
                    .find(|(c, _)| c == tail)
                    .map(|(_, t)| t.clone());
                ExportColumn {
                    key: format!("{}[{tail}]", q.code),
                    name,
                    text: q.text.clone(),
                    choice,
                }
            }
            None => ExportColumn {
                key: name.clone(),
                name: name.clone(),
                text: name,
                choice: None,
            },
        };
        columns.push(col);
    }
    let mut data: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(rows.len()); fields.len()];
    for r in &rows {
        for (j, f) in fields.iter().enumerate() {
            let v = r
                .get(f)
                .or_else(|| r.get(&format!("_{f}")))
                .cloned()
                .unwrap_or_default();
            data[j].push((!v.is_empty()).then_some(v));
        }
    }
    let n = rows.len();
    let body = text_frame(data, n, display)?;
    let mut export = Export::new(
        display,
        opts,
        Layout::LimesurveyArchive,
        "UTF-8 (XML)".into(),
        columns,
        body,
        (1..=n as u64).collect(),
        "response",
    );
    if let Some(s) = &structure {
        s.apply(&mut export)?;
    }
    Ok(export)
}

/// A workbook (or worksheet) that cannot be read as one.
fn workbook(display: &str, message: String) -> Error {
    Error::Malformed {
        path: display.into(),
        format: "workbook",
        message,
    }
}
