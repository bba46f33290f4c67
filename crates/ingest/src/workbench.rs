//! The coding workbench's file (`werkbank.jsonl`): what researchers did in
//! `pokeval code`, read by every build as manual codings.
//!
//! **Format** (JSON Lines, UTF-8, one object per line, so that a line
//! number names an item and a version-control diff shows one change per
//! line). The first line is the header:
//!
//! ```text
//! {"format":"pokeval-werkbank","version":1,"revision":12,"next_id":5}
//! {"kind":"coding","id":3,"source":"interview:01-enschede.md","start":120,"end":188,"text":"Het klantcontactcentrum ...","code":"AL2","coder":"Codeur A","memo":""}
//! {"kind":"review","source":"interview:01-enschede.md","segment":"interview:01-enschede.md#3","start":120,"end":410,"text":"Het klantcontactcentrum ...","code":"AL4","rule":"AL4","reviewer":"Codeur A","decision":"accepted"}
//! {"kind":"memo","source":"interview:01-enschede.md","coder":"Codeur A","memo":"Vraag na bij de wijkteams."}
//! ```
//!
//! - a **coding** is a code a coder put on a span (code points of the
//!   pseudonymised source text, end exclusive) with the coded `text`, so
//!   that a later change to the note is caught instead of moving the coding
//!   to other words (as for the CSV's `text` column); `memo` is the coder's
//!   note on it;
//! - a **review** is a coder's decision on a rule coding (an autocode) of
//!   one segment: `accepted` counts as the reviewer's own coding of that
//!   segment; `rejected` is listed per rule as a false positive for the
//!   codebook's author;
//! - a **memo** is a coder's note on a whole source.
//!
//! `revision` increases with every change: the workbench refuses a change
//! made against an older revision (two tabs, or two workbenches on one
//! file), so no change overwrites another. `next_id` numbers codings.
//!
//! This module reads and writes the file's bytes; it does not decide what
//! a change may do (that is the workbench, `pokeval_app::cmd::code`) nor
//! place codings on segments (the analysis does, as for every manual file).

use std::path::Path;

use serde::{Deserialize, Serialize};

use pokeval_model::error::{Error, Result};
use pokeval_model::field_error;

use crate::manual::{Anchor, ManualRecord};

/// The header's `format`.
pub const FORMAT: &str = "pokeval-werkbank";
/// The format version this build reads and writes.
pub const VERSION: u32 = 1;
/// The file name `pokeval code` uses beside the project file unless
/// `[coding] workbench` names another.
pub const DEFAULT_FILE: &str = "werkbank.jsonl";

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Workbench {
    /// Increases with every change (see the module docs).
    pub revision: u64,
    /// The id the next coding gets.
    pub next_id: u64,
    /// The codings made in the workbench.
    pub codings: Vec<WbCoding>,
    /// The decisions on rule codings.
    pub reviews: Vec<Review>,
    /// One memo per source and coder.
    pub memos: Vec<SourceMemo>,
    /// The line of each item in the file as read (codings, reviews, memos
    /// in that order), for messages; empty for a workbench made in memory.
    lines: Vec<u64>,
}

/// A code a coder put on a span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WbCoding {
    /// The coding's number in this file (never reused).
    pub id: u64,
    /// The id of the coded source.
    pub source: String,
    /// The first code point of the selection.
    pub start: usize,
    /// The code point after the last one.
    pub end: usize,
    /// The coded text (the span's text when it was coded).
    pub text: String,
    /// The code applied.
    pub code: String,
    /// Who coded it.
    pub coder: String,
    /// The coder's memo on this coding (may be empty).
    #[serde(default)]
    pub memo: String,
}

/// What a reviewer decided about a rule coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The code is right: it counts as the reviewer's coding.
    Accepted,
    /// The rule fired where it should not have.
    Rejected,
}

/// A coder's decision on a rule coding of one segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The id of the source of the reviewed rule coding.
    pub source: String,
    /// The segment's id (`<source>#<n>`).
    pub segment: String,
    /// The segment's span and text when it was reviewed.
    pub start: usize,
    /// The code point after the last one.
    pub end: usize,
    /// The segment's text.
    pub text: String,
    /// The code the rule gave.
    pub code: String,
    /// The rule that coded it.
    pub rule: String,
    /// Who decided.
    pub reviewer: String,
    /// What was decided.
    pub decision: Decision,
}

/// A coder's note on a whole source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMemo {
    /// The id of the source.
    pub source: String,
    /// The coder whose memo it is.
    pub coder: String,
    /// The memo.
    pub memo: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    revision: u64,
    next_id: u64,
}

/// One item line.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Item {
    Coding(WbCoding),
    Review(Review),
    Memo(SourceMemo),
}

/// Borrowed [`Item`] for writing without copying.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum ItemRef<'a> {
    Coding(&'a WbCoding),
    Review(&'a Review),
    Memo(&'a SourceMemo),
}

impl Workbench {
    /// Reads the file at `path`; a file that does not exist is an empty
    /// workbench at revision 0.
    pub fn load(path: &Path) -> Result<Workbench> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Workbench::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::Malformed {
                path: path.into(),
                format: "werkbank",
                message: format!(
                    "the file is not UTF-8 (byte {}); it is written by pokeval code: restore it from a copy",
                    e.utf8_error().valid_up_to()
                ),
            }
        })?;
        Workbench::parse(path, &text)
    }

    /// Parses the file's text (see the module docs).
    pub fn parse(path: &Path, text: &str) -> Result<Workbench> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty());
        let Some((n, first)) = lines.next() else {
            return Ok(Workbench::default());
        };
        let header: Header = serde_json::from_str(first).map_err(|e| {
            field_error(
                path,
                Some(n),
                "header",
                format!("the first line must be the workbench header {{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"revision\":..,\"next_id\":..}}: {e}"),
            )
        })?;
        if header.format != FORMAT {
            return Err(field_error(
                path,
                Some(n),
                "format",
                format!("'{}' is not a workbench file ('{FORMAT}')", header.format),
            ));
        }
        if header.version != VERSION {
            return Err(field_error(
                path,
                Some(n),
                "version",
                format!(
                    "version {} is not the version this pokeval reads ({VERSION}); use the pokeval that wrote it",
                    header.version
                ),
            ));
        }
        let mut wb = Workbench {
            revision: header.revision,
            next_id: header.next_id,
            ..Workbench::default()
        };
        let (mut coding_lines, mut review_lines, mut memo_lines) =
            (Vec::new(), Vec::new(), Vec::new());
        for (n, line) in lines {
            let item: Item = serde_json::from_str(line).map_err(|e| {
                field_error(
                    path,
                    Some(n),
                    "kind",
                    format!("not a workbench item (a coding, review or memo): {e}"),
                )
            })?;
            let span_error = |start: usize, end: usize| {
                field_error(
                    path,
                    Some(n),
                    "end",
                    format!(
                        "the span {start}-{end} holds no text (its end must lie past its start)"
                    ),
                )
            };
            match item {
                Item::Coding(c) => {
                    if c.end <= c.start {
                        return Err(span_error(c.start, c.end));
                    }
                    if c.id >= wb.next_id {
                        return Err(field_error(
                            path,
                            Some(n),
                            "id",
                            format!(
                                "coding {} is not below the header's next_id {}",
                                c.id, wb.next_id
                            ),
                        ));
                    }
                    if wb.codings.iter().any(|o| o.id == c.id) {
                        return Err(field_error(
                            path,
                            Some(n),
                            "id",
                            format!("coding {} appears twice", c.id),
                        ));
                    }
                    wb.codings.push(c);
                    coding_lines.push(n);
                }
                Item::Review(r) => {
                    if r.end <= r.start {
                        return Err(span_error(r.start, r.end));
                    }
                    wb.reviews.push(r);
                    review_lines.push(n);
                }
                Item::Memo(m) => {
                    wb.memos.push(m);
                    memo_lines.push(n);
                }
            }
        }
        wb.lines = coding_lines
            .into_iter()
            .chain(review_lines)
            .chain(memo_lines)
            .collect();
        Ok(wb)
    }

    /// The file's bytes: the header, then codings, reviews and memos, one
    /// per line, in the order they are held (deterministic).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let header = Header {
            format: FORMAT.to_string(),
            version: VERSION,
            revision: self.revision,
            next_id: self.next_id,
        };
        let items = self
            .codings
            .iter()
            .map(ItemRef::Coding)
            .chain(self.reviews.iter().map(ItemRef::Review))
            .chain(self.memos.iter().map(ItemRef::Memo));
        // serialising plain structs of strings and numbers cannot fail
        if serde_json::to_writer(&mut out, &header).is_ok() {
            out.push(b'\n');
        }
        for item in items {
            if serde_json::to_writer(&mut out, &item).is_ok() {
                out.push(b'\n');
            }
        }
        out
    }

    /// The line an item was read from: `i` counts codings, then reviews,
    /// then memos (as [`Workbench::to_bytes`] writes them).
    fn line(&self, i: usize) -> u64 {
        self.lines.get(i).copied().unwrap_or(i as u64 + 2)
    }

    /// The codings and accepted reviews as manual codings of `file` (the
    /// name messages show), each anchored to its span and checked against
    /// its text: an accepted rule coding is the reviewer's coding of that
    /// segment.
    pub fn records(&self, file: &str) -> Vec<ManualRecord> {
        let codings = self.codings.iter().enumerate().map(|(i, c)| ManualRecord {
            file: file.to_string(),
            line: self.line(i),
            source: c.source.clone(),
            anchor: Anchor::Span {
                start: c.start,
                end: c.end,
            },
            code: c.code.clone(),
            coder: c.coder.clone(),
            expected_text: Some(c.text.clone()),
            confirms: false,
        });
        let accepted = self
            .reviews
            .iter()
            .enumerate()
            .filter(|(_, r)| r.decision == Decision::Accepted)
            .map(|(i, r)| ManualRecord {
                file: file.to_string(),
                line: self.line(self.codings.len() + i),
                source: r.source.clone(),
                anchor: Anchor::Span {
                    start: r.start,
                    end: r.end,
                },
                code: r.code.clone(),
                coder: r.reviewer.clone(),
                expected_text: Some(r.text.clone()),
                confirms: true,
            });
        codings.chain(accepted).collect()
    }

    /// Adds a coding with the next id.
    pub fn push_coding(
        &mut self,
        source: String,
        span: (usize, usize),
        text: String,
        code: String,
        coder: String,
    ) {
        self.codings.push(WbCoding {
            id: self.next_id,
            source,
            start: span.0,
            end: span.1,
            text,
            code,
            coder,
            memo: String::new(),
        });
        self.next_id += 1;
    }

    /// Whether `other` holds the same codings, reviews and memos at the
    /// same revision (the lines they were read from aside).
    pub fn same_items(&self, other: &Workbench) -> bool {
        self.revision == other.revision
            && self.next_id == other.next_id
            && self.codings == other.codings
            && self.reviews == other.reviews
            && self.memos == other.memos
    }

    /// Forgets the lines of the file as read (after a change in memory the
    /// items are numbered as they will be written).
    pub fn renumber(&mut self) {
        self.lines.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Workbench {
        Workbench {
            revision: 3,
            next_id: 2,
            codings: vec![WbCoding {
                id: 1,
                source: "interview:a.md".into(),
                start: 4,
                end: 9,
                text: "groen \"gras\"\nja".into(),
                code: "AL2".into(),
                coder: "Codeur A".into(),
                memo: "eerste\nregel".into(),
            }],
            reviews: vec![Review {
                source: "interview:a.md".into(),
                segment: "interview:a.md#1".into(),
                start: 0,
                end: 20,
                text: "Het gras is groen".into(),
                code: "AL4".into(),
                rule: "AL4".into(),
                reviewer: "Codeur B".into(),
                decision: Decision::Accepted,
            }],
            memos: vec![SourceMemo {
                source: "interview:a.md".into(),
                coder: "Codeur A".into(),
                memo: "Nalopen.".into(),
            }],
            lines: Vec::new(),
        }
    }

    #[test]
    fn a_workbench_reads_back_what_it_wrote_and_names_lines() {
        let wb = sample();
        let bytes = wb.to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        let back = Workbench::parse(Path::new("w.jsonl"), &text).unwrap();
        assert_eq!(back.codings, wb.codings);
        assert_eq!(back.reviews, wb.reviews);
        assert_eq!(back.memos, wb.memos);
        assert_eq!(back.revision, 3);
        let records = back.records("w.jsonl");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].line, 2);
        assert_eq!(records[1].line, 3);
        assert_eq!(records[1].coder, "Codeur B");
        assert_eq!(records[1].anchor, Anchor::Span { start: 0, end: 20 });
    }

    #[test]
    fn a_rejected_review_is_not_a_coding() {
        let mut wb = sample();
        wb.reviews[0].decision = Decision::Rejected;
        assert_eq!(wb.records("w").len(), 1);
    }

    #[test]
    fn broken_files_name_line_and_field() {
        let p = Path::new("werkbank.jsonl");
        let err = |t: &str| Workbench::parse(p, t).unwrap_err().to_string();
        let e = err("{\"format\":\"x\",\"version\":1,\"revision\":0,\"next_id\":0}\n");
        assert!(e.contains("werkbank.jsonl") && e.contains("format"), "{e}");
        let e =
            err("{\"format\":\"pokeval-werkbank\",\"version\":9,\"revision\":0,\"next_id\":0}\n");
        assert!(e.contains("version 9"), "{e}");
        let head = "{\"format\":\"pokeval-werkbank\",\"version\":1,\"revision\":0,\"next_id\":5}\n";
        let e = err(&format!("{head}{{\"kind\":\"coding\",\"id\":1,\"source\":\"s\",\"start\":5,\"end\":5,\"text\":\"\",\"code\":\"AL1\",\"coder\":\"A\"}}\n"));
        assert!(e.contains("line 2") && e.contains("'end'"), "{e}");
        let e = err(&format!("{head}\n{{\"kind\":\"stamp\"}}\n"));
        assert!(e.contains("line 3"), "{e}");
        let e = err(&format!("{head}{{\"kind\":\"coding\",\"id\":7,\"source\":\"s\",\"start\":1,\"end\":5,\"text\":\"\",\"code\":\"AL1\",\"coder\":\"A\"}}\n"));
        assert!(e.contains("next_id"), "{e}");
        assert_eq!(Workbench::parse(p, "").unwrap(), Workbench::default());
    }
}
