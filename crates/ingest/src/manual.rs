//! Manual codings from a CSV, as coders or other tools write them.
//!
//! Columns: `source` (a source id, or the file name of a note such as
//! `01-enschede.md`), either `segment` (the segment number within the
//! source: `2` for the second paragraph or answer, `s3` for the third
//! sentence) or `start` and `end` (code points, end exclusive), `code` and
//! `coder`, and optionally `text`: the coded text or its beginning. With
//! `text`, the analysis checks that the segment or span still holds that
//! text and rejects the coding with both texts when it does not (the note
//! was edited, or the coding unit changed), instead of moving it silently
//! to whatever now has that number. This module only reads the rows;
//! whether the code and source exist is checked by the analysis, which
//! rejects what it cannot use.

use std::path::Path;

use serde::Serialize;

use pokeval_model::error::{Error, Result};
use pokeval_model::field_error;
use pokeval_model::table::CsvTable;

/// Where in a source a manual coding sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Anchor {
    /// A segment number within the source ("2", "s3").
    Segment(String),
    /// A code-point range in the source text.
    Span {
        /// The first code point.
        start: usize,
        /// The code point after the last one.
        end: usize,
    },
}

/// One row of a manual codings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualRecord {
    /// The file it was read from, as shown in messages.
    pub file: String,
    /// The line (or item number) it was read from.
    pub line: u64,
    /// The id of the coded source.
    pub source: String,
    /// Where in the source it applies.
    pub anchor: Anchor,
    /// The code.
    pub code: String,
    /// Who coded it.
    pub coder: String,
    /// The coded text as the coder saw it, or its beginning (the CSV's
    /// `text` column, the selection of a REFI-QDA import), to check that the
    /// anchor points at the same text in the project.
    pub expected_text: Option<String>,
    /// An accepted rule coding from the coding workbench: where the coder
    /// already has this code on the segment (from another file), it
    /// confirms that coding instead of being rejected as a second one.
    pub confirms: bool,
}

/// One manual codings file as read: its name as shown, and how many of
/// its items were not carried (listed as rejects with the reason), so that
/// the summary counts every item it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualFile {
    /// The file, as shown in messages.
    pub file: String,
    /// How many of its items were not carried.
    pub not_carried: usize,
}

/// Reads manual codings from a CSV or a REFI-QDA project (`.qdpx`, see
/// [`load_qdpx`]). Returns the records and, for `.qdpx`, what could not be
/// carried as rejects.
pub fn load(path: &Path, display: &str) -> Result<(Vec<ManualRecord>, Vec<pokeval_model::Reject>)> {
    if pokeval_model::fsio::extension(path) == "qdpx" {
        load_qdpx(path, display)
    } else {
        Ok((load_manual(path, display)?, Vec::new()))
    }
}

/// The code id in a REFI-QDA code name: the first word when it looks like
/// an id ("AL2-SR Sociaal raadslieden" -> "AL2-SR", as pokeval exports
/// them), else the whole name.
pub fn code_id_from_name(name: &str) -> String {
    match name.split_once(' ') {
        Some((id, _))
            if !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-') =>
        {
            id.to_string()
        }
        _ => name.to_string(),
    }
}

/// Codings from a REFI-QDA project come in as manual codings of their coder
/// (the creating user, `onbekend` when none is given), placed by span on the
/// source with the same name. What the file holds but pokeval cannot carry
/// is returned as rejects with the reason.
pub fn load_qdpx(
    path: &Path,
    display: &str,
) -> Result<(Vec<ManualRecord>, Vec<pokeval_model::Reject>)> {
    let project = crate::refi::read_qdpx(path)?;
    let codes: std::collections::BTreeMap<&str, String> = project
        .flat_codes()
        .into_iter()
        .map(|(c, _)| (c.guid.as_str(), code_id_from_name(&c.name)))
        .collect();
    let users: std::collections::BTreeMap<&str, &str> = project
        .users
        .iter()
        .map(|u| (u.guid.as_str(), u.name.as_str()))
        .collect();
    let mut records = Vec::new();
    let mut rejects: Vec<pokeval_model::Reject> = project
        .not_carried
        .iter()
        .map(|n| {
            pokeval_model::Reject::new(
                display,
                0,
                pokeval_model::RejectKind::NotCarried,
                format!("not carried: {n}"),
            )
        })
        .collect();
    let codings: usize = project.sources.iter().map(|s| s.codings.len()).sum();
    if codings == 0 {
        rejects.push(pokeval_model::Reject::new(
            display,
            0,
            pokeval_model::RejectKind::NotCarried,
            format!(
                "the project ({}) holds {} text sources and {} codes but no coded text selections, so it adds no codings; export it again with its codings, or leave it out of [coding] manual",
                if project.origin.is_empty() { "origin not given" } else { project.origin.as_str() },
                project.sources.len(),
                project.flat_codes().len()
            ),
        ));
    }
    for s in &project.sources {
        for c in &s.codings {
            let Some(code) = codes.get(c.code_guid.as_str()) else {
                rejects.push(pokeval_model::Reject::new(
                    display,
                    0,
                    pokeval_model::RejectKind::InvalidCoding,
                    format!(
                        "a coding in '{}' refers to unknown code {}",
                        s.name, c.code_guid
                    ),
                ));
                continue;
            };
            if c.end <= c.start {
                rejects.push(pokeval_model::Reject::new(
                    display,
                    0,
                    pokeval_model::RejectKind::InvalidCoding,
                    format!("an empty selection {}-{} in '{}'", c.start, c.end, s.name),
                ));
                continue;
            }
            records.push(ManualRecord {
                file: display.to_string(),
                line: 0,
                source: s.pokeval_id().to_string(),
                anchor: Anchor::Span {
                    start: c.start,
                    end: c.end,
                },
                code: code.clone(),
                coder: c
                    .user_guid
                    .as_deref()
                    .and_then(|g| users.get(g))
                    .map_or("onbekend".to_string(), std::string::ToString::to_string),
                expected_text: s
                    .text
                    .as_deref()
                    .and_then(|t| pokeval_model::Span::new(c.start, c.end).slice(t))
                    .map(str::to_string),
                confirms: false,
            });
        }
    }
    Ok((records, rejects))
}

/// Reads a manual codings CSV. Structural problems (a missing column, a
/// position that is not a number, a row with neither segment nor span) are
/// errors naming the line and field.
pub fn load_manual(path: &Path, display: &str) -> Result<Vec<ManualRecord>> {
    let table = CsvTable::read(path)?;
    let source = table.require(
        "source",
        "name the source of each coding (a note's file name or a source id)",
    )?;
    let code = table.require("code", "give the code id of each coding")?;
    let coder = table.require("coder", "give the coder of each coding")?;
    let segment = table.column("segment");
    let quote = table.column("text");
    let (start, end) = (table.column("start"), table.column("end"));
    if segment.is_none() && (start.is_none() || end.is_none()) {
        return Err(Error::MissingColumn {
            path: path.to_path_buf(),
            column: "segment (or start and end)".into(),
            hint: "place each coding by segment number or by start and end in code points".into(),
        });
    }
    let mut out = Vec::new();
    for row in table.rows() {
        let text = |c: Option<usize>| c.map_or("", |c| row.get(c).trim());
        let pos = |c: Option<usize>, field: &str| -> Result<usize> {
            text(c).parse().map_err(|_| {
                field_error(
                    path,
                    Some(row.line),
                    field,
                    format!(
                        "'{}' is not a position (a whole number of code points)",
                        text(c)
                    ),
                )
            })
        };
        let anchor = if !text(segment).is_empty() {
            Anchor::Segment(text(segment).to_string())
        } else if !text(start).is_empty() || !text(end).is_empty() {
            let (s, e) = (pos(start, "start")?, pos(end, "end")?);
            if e <= s {
                return Err(field_error(
                    path,
                    Some(row.line),
                    "end",
                    format!("end {e} is not after start {s}"),
                ));
            }
            Anchor::Span { start: s, end: e }
        } else {
            return Err(field_error(
                path,
                Some(row.line),
                "segment",
                "give a segment number or start and end",
            ));
        };
        for (c, name) in [
            (Some(source), "source"),
            (Some(code), "code"),
            (Some(coder), "coder"),
        ] {
            if text(c).is_empty() {
                return Err(field_error(path, Some(row.line), name, "empty"));
            }
        }
        out.push(ManualRecord {
            file: display.to_string(),
            line: row.line,
            source: text(Some(source)).to_string(),
            anchor,
            code: text(Some(code)).to_string(),
            coder: text(Some(coder)).to_string(),
            expected_text: Some(text(quote))
                .filter(|q| !q.is_empty())
                .map(str::to_string),
            confirms: false,
        });
    }
    Ok(out)
}
