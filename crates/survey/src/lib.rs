//! # pokeval-survey
//!
//! The survey engine: every platform's export in, one harmonised response
//! table out, behind a typed API ([`Responses`]).
//!
//! **Owns:** reading exports as they are ([`export`], [`spss`], LimeSurvey
//! archives), survey definitions ([`structure`]), instruments, the
//! streamed block-parallel decode, the long and wide tables, and the
//! aggregates the analysis needs (frequencies, means, counts by size
//! class). It is the one crate that holds polars column names and the one
//! place with `unsafe` (zero-copy string views and categorical columns in
//! `decode`; in debug builds the views pass the safe constructor's check
//! first).
//!
//! **Does not:** know about projects, pseudonymisation, codes or pages;
//! it does not write files (tables come back as bytes, [`table_bytes`]).
//!
//! [`harmonise`] applies an instrument to an export read as it is. The
//! instrument is a TOML file per wave (`surveys/<wave>/instrument.toml`)
//! listing the questions with stable ids and, per platform, which export
//! column holds which question (`[columns.qualtrics]`, `[columns.limesurvey]`,
//! ...). A column is named by its key (the Qualtrics ImportId, the
//! LimeSurvey code, the SPSS variable; see [`export`]) or by its heading.
//! The target is a question id, `question:code` for a column that holds one
//! option of a multiple-choice question (`1`/empty, `Y`/empty, `1`/`0`,
//! `Yes`/`No` or the option text), `question:other` for the "other, namely"
//! text, or `@respondent` for the column with respondent ids. An SPSS
//! multiple-response set (`"$kanalen" = "kanalen"`) maps to a
//! multiple-choice question as a whole: a dichotomy set's variables are its
//! options in order, a category set's variables each hold one chosen
//! option's code (counted once however many variables hold it).
//!
//! Each accepted respondent gives one row per answer in the long table
//! (respondent, municipality, wave, question, value, label, number,
//! missing), respondent by respondent in file order; a multiple-choice
//! question gives one row per chosen option, and unanswered questions give
//! no row. Respondent, municipality, question and label are categorical
//! columns ([`text_column`] gives them as text); an open answer's text is
//! its value and it has no label. "Weet niet", N/A codes, negative
//! recodes and SPSS user-missing values are rows with `missing = true` and
//! no number, so they never enter a sum. Respondents that cannot be used are
//! rejected with the line and the reason: rows read = accepted + rejected.

#![deny(unsafe_code)]

mod access;
/// The most columns an export may have: 32,768, twice what a spreadsheet
/// can hold (16,384) and more than SPSS's practical limit. A header row
/// with more is a file without line breaks, and each column would cost a
/// column of the response table. A structure file that numbers a column
/// beyond it cannot belong to an export either.
pub const MAX_FIELDS: usize = 32_768;

pub mod dates;
#[allow(unsafe_code)] // zero-copy views and categoricals; see the module docs
mod decode;
pub mod export;
pub mod fuzzing;
pub mod job;
mod ods;
mod raw;
pub use pokeval_formats::records;
pub mod spss;
pub mod structure;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub use access::Answer;
pub use export::{read_export, EncodingChoice, Export, Layout, Platform, ReadOptions};
use pokeval_model::error::{Error, Result};
use pokeval_model::resolve::Resolver;
use pokeval_model::table::parse_number;
use pokeval_model::Reject;
use pokeval_model::{Source, SourceKind, Wave};
pub use structure::{read_structure, Structure};

/// Question types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    /// One option out of several.
    Single,
    /// Any number of options.
    Multiple,
    /// A Likert statement (ordered options).
    Likert,
    /// A number (for example a percentage).
    Numeric,
    /// Free text.
    Open,
    /// The municipality the respondent answers for (free text or a list).
    Municipality,
}

/// An answer option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// The code the export writes for the option.
    pub code: String,
    /// The label the report shows.
    pub label: String,
    /// "Weet niet", "n.v.t." and the like: kept as an explicit value but
    /// excluded from sums and percentages of substantive answers.
    #[serde(default)]
    pub missing: bool,
    /// "Anders, namelijk": answers that match no option land here, with
    /// the text as a `<question>:other` row.
    #[serde(default)]
    pub other: bool,
    /// Other codes that mean this option on some platform (LimeSurvey
    /// `Y`, `A1`, `-oth-`), so the same answer gets the same code in every
    /// wave.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A question with a stable id that stays the same across waves and platforms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The question's id, as the instrument's column map names it.
    pub id: String,
    /// What kind of answer it takes.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question as asked.
    pub text: String,
    /// Short label for tables and charts; the text when absent.
    #[serde(default)]
    pub short: Option<String>,
    /// Its options (closed questions), in order.
    #[serde(default)]
    pub options: Vec<AnswerOption>,
    /// Groups statements of one matrix question (for Likert charts).
    #[serde(default)]
    pub group: Option<String>,
    /// Whether answers can be compared with earlier waves' answers to the
    /// question with the same id. Left out, a question whose text and
    /// options are the same as in the earlier wave is comparable, and one
    /// that changed is an error until the instrument says `true` or
    /// `false`: a change of wording is never guessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparable: Option<bool>,
}

impl Question {
    /// A short label for tables and charts: the text before the first colon or question
    /// mark, or the id.
    pub fn short_label(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.text)
    }
}

/// A survey instrument for one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// The wave it was written for.
    pub wave: Wave,
    /// The survey's title.
    pub title: String,
    /// Its questions, in order.
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
    /// Per platform: export column (Qualtrics ImportId) -> question id.
    #[serde(default)]
    pub columns: BTreeMap<String, BTreeMap<String, String>>,
}

impl Instrument {
    /// Reads and checks an instrument: unique question ids, options where
    /// the type needs them, exactly one municipality question, and column
    /// maps that point at existing questions.
    pub fn load(path: &Path) -> Result<Instrument> {
        let text = pokeval_model::text::read_text(path)?;
        let ins: Instrument = toml::from_str(&text).map_err(|e| Error::toml(path, &text, &e))?;
        let mut ids = HashSet::new();
        for q in &ins.questions {
            if !ids.insert(q.id.as_str()) {
                return Err(questions(
                    path,
                    format!("question id '{}' appears twice", q.id),
                ));
            }
            let needs_options = matches!(
                q.kind,
                QuestionType::Single | QuestionType::Likert | QuestionType::Multiple
            );
            if needs_options && q.options.is_empty() {
                return Err(questions(
                    path,
                    format!("question '{}' is {:?} but has no options", q.id, q.kind),
                ));
            }
        }
        let n_muni = ins
            .questions
            .iter()
            .filter(|q| q.kind == QuestionType::Municipality)
            .count();
        if n_muni != 1 {
            return Err(questions(path, format!("the instrument needs exactly one question of type \"municipality\", found {n_muni}")));
        }
        for (platform, map) in &ins.columns {
            for (column, target) in map {
                ins.target(target).map_err(|m| Error::Setting {
                    path: path.into(),
                    key: format!("columns.{platform}"),
                    message: format!("column '{column}': {m}"),
                })?;
            }
        }
        Ok(ins)
    }

    /// The question with id `id`.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The question whose free text a long-table row with question id
    /// `qid` holds: an `open` question, or the question of an "other,
    /// namely" text (`<id>:other`); `None` for a coded answer. Open
    /// answers are these rows, for sources and for pseudonymisation alike.
    pub fn open_question(&self, qid: &str) -> Option<&Question> {
        let (base, other) = match qid.strip_suffix(":other") {
            Some(base) => (base, true),
            None => (qid, false),
        };
        self.question(base)
            .filter(|q| other || q.kind == QuestionType::Open)
    }

    /// Parses a column-map target (`question`, `question:code`,
    /// `question:other`, `@respondent`).
    pub fn target<'a>(&'a self, target: &str) -> std::result::Result<Target<'a>, BadTarget> {
        if target == "@respondent" {
            return Ok(Target::Respondent);
        }
        let (qid, part) = match target.split_once(':') {
            Some((q, p)) => (q, Some(p)),
            None => (target, None),
        };
        let q = self
            .question(qid)
            .ok_or_else(|| BadTarget::UnknownQuestion(qid.to_string()))?;
        match part {
            None => Ok(Target::Whole(q)),
            Some("other") => Ok(Target::Other(q)),
            Some(code) => {
                if q.kind != QuestionType::Multiple {
                    return Err(BadTarget::NotMultiple(target.to_string()));
                }
                let i = q
                    .options
                    .iter()
                    .position(|o| o.code == code)
                    .ok_or_else(|| BadTarget::UnknownOption {
                        code: code.to_string(),
                        question: qid.to_string(),
                    })?;
                Ok(Target::Option(q, i))
            }
        }
    }
}

/// Why a column-map target of an instrument names nothing; the caller adds
/// the file and the `[columns.<platform>]` key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadTarget {
    /// The question id is not in the instrument.
    #[error("maps to unknown question '{0}'")]
    UnknownQuestion(String),
    /// `question:code` for a question that does not have a column per option.
    #[error("'{0}': only a question of type \"multiple\" has one column per option")]
    NotMultiple(String),
    /// `question:code` with a code the question does not have.
    #[error("'{code}' is not an option of question '{question}'")]
    UnknownOption {
        /// The option code as written.
        code: String,
        /// The question id.
        question: String,
    },
}

/// Why a cell is not an answer: the reason of its reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    /// A yes/no column of a multiple-choice option holds something else.
    #[error("'{value}' is not a yes/no value for option '{option}' of question '{question}'")]
    NotYesNo {
        value: String,
        option: String,
        question: String,
    },
    /// A value that matches no option, on a question without "other".
    #[error("'{value}' is not an option of question '{question}'")]
    NoOption { value: String, question: String },
    /// A single-choice or Likert value that matches no option code or label.
    #[error("'{value}' is not an option of question '{question}' (options: {options})")]
    NotAnOption {
        value: String,
        question: String,
        options: String,
    },
    /// A numeric question's cell that is not a number.
    #[error("'{value}' is not a number (question '{question}')")]
    NotANumber { value: String, question: String },
    /// A municipality name that the one rule leaves uncertain: the
    /// resolver's reason and, when there is one, the best match.
    #[error("municipality '{typed}': {reason}{hint}; settle it in the mapping file (see the review list)")]
    Municipality {
        typed: String,
        reason: String,
        hint: String,
    },
    /// Open texts are not decoded through the value cache (a fault of
    /// pokeval's, kept as a reject rather than a crash).
    #[error("internal: open texts are not cached")]
    OpenNotCached,
}

/// What one export column holds.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The column holds the respondent id.
    Respondent,
    /// The column holds the whole answer to a question.
    Whole(&'a Question),
    /// Yes/no for option `usize` of a multiple-choice question.
    Option(&'a Question, usize),
    /// The "other, namely" text of a question.
    Other(&'a Question),
}

/// What one survey export gave.
#[derive(Debug, Clone)]
pub struct Responses {
    /// The file as shown in messages.
    pub file: String,
    /// The layout the export was detected as.
    pub layout: Layout,
    /// The encoding the text was decoded from.
    pub encoding: String,
    /// Long table: respondent, municipality, wave, question, value, label,
    /// number (parsed numeric value or option code), missing. Read it
    /// through the typed accessors, or [`Responses::table`] for exports.
    pub(crate) long: DataFrame,
    /// Accepted respondents in file order: respondent id -> CBS code
    /// (empty when the export is read without municipality resolution).
    /// File order, not sorted: ids such as `#1`, `#2`, `#10` would sort as
    /// text, and the wide table and every export follow this order.
    pub respondents: indexmap::IndexMap<String, String>,
    /// When each accepted respondent submitted, as ISO 8601 (from the
    /// platform's submission column, whatever its date format).
    pub submitted: BTreeMap<String, String>,
    /// How many records the export holds.
    pub rows_read: usize,
    /// The records not used, with line and reason.
    pub rejects: Vec<Reject>,
    /// Answers of accepted respondents that matched no option of their
    /// question and were read as its "other" text, in file order.
    pub as_other: Vec<AsOther>,
    /// Accepted rows that are exact copies of an earlier accepted row, as
    /// (line, line of the earlier row), in an export without respondent
    /// ids. Kept (two people may answer alike), but listed.
    pub copies: Vec<(u64, u64)>,
}

/// An answer that matched no option and was read as the question's "other"
/// text: what Google Forms writes for "Anders: ...", but also what a
/// spelling the instrument lacks looks like. Listed so the user can tell.
#[derive(Debug, Clone, PartialEq)]
pub struct AsOther {
    /// The line the record starts on.
    pub line: u64,
    /// The export column, as its header names it.
    pub column: String,
    /// The text read as the "other" answer.
    pub text: String,
}

impl Responses {
    /// How many records were accepted.
    pub fn accepted(&self) -> usize {
        self.respondents.len()
    }

    /// Checks rows read = accepted + rejected (every reject is one record).
    pub fn check_counts(&self) -> Result<()> {
        if self.rows_read != self.accepted() + self.rejects.len() {
            return Err(internal(
                &self.file,
                &format!(
                    "count mismatch: {} records read but {} accepted and {} rejected",
                    self.rows_read,
                    self.accepted(),
                    self.rejects.len()
                ),
            ));
        }
        Ok(())
    }

    /// The wide table: one row per accepted respondent, one column per
    /// question (multiple-choice codes joined with `;`), in instrument or
    /// export order.
    pub fn wide(&self) -> Result<DataFrame> {
        wide(self)
    }
}

/// Qualtrics response statuses that are not real responses (code or the
/// text a "choice text" export writes).
const QUALTRICS_NON_RESPONSE: &[(&str, &str, &str)] = &[
    ("1", "Survey Preview", "a survey preview"),
    ("2", "Survey Test", "a survey test"),
    ("8", "Spam", "marked as spam"),
    ("9", "Preview Spam", "a preview marked as spam"),
    ("12", "Imported Spam", "imported spam"),
    ("16", "Offline", "an offline response"),
    ("17", "Offline Survey Preview", "an offline preview"),
];

/// Cell texts that mean "not applicable" or "don't know" in any export.
fn is_na_text(v: &str) -> bool {
    let l = v.trim().to_lowercase();
    matches!(
        l.as_str(),
        "n/a"
            | "na"
            | "n.v.t."
            | "nvt"
            | "weet niet"
            | "weet ik niet"
            | "not applicable"
            | "don't know"
    ) || l.ends_with("(n/a)")
}

/// A number as exports write it: `12`, `-1`, `2.5`, `8.0`, `2,5`; not
/// `130.92.34.66` or `1.234.567`.
fn plain_number(t: &str) -> Option<f64> {
    if let Ok(n) = t.parse::<f64>() {
        return n.is_finite().then_some(n);
    }
    if t.matches(',').count() == 1 && !t.contains('.') {
        return t
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite());
    }
    None
}

/// One entry of a column's answer table: what a coded cell becomes.
#[derive(Debug, Clone)]
struct Entry {
    question: u32,
    value: String,
    label: String,
    number: Option<f64>,
    missing: bool,
}

/// Whether a cell looks like an answer code (`A4`, `12`, `-oth-`, `SQ001`)
/// rather than text a respondent typed: codes never fall back to "other".
fn looks_like_code(v: &str) -> bool {
    let t = v.trim();
    if t.len() > 2 && t.starts_with('-') && t.ends_with('-') {
        return true;
    }
    let letters = t.chars().take_while(char::is_ascii_alphabetic).count();
    let rest = &t[letters..];
    letters <= 4
        && !rest.is_empty()
        && rest
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
        && !rest.trim_start_matches('-').is_empty()
}

fn same_code(a: &str, b: &str) -> bool {
    a == b
        || match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
}

const YES: &[&str] = &[
    "1", "y", "yes", "ja", "true", "waar", "selected", "gekozen", "x",
];
const NO: &[&str] = &[
    "0",
    "n",
    "no",
    "nee",
    "false",
    "onwaar",
    "not selected",
    "niet gekozen",
];

/// What platforms write for the "other" option itself when answers are
/// exported as text (LimeSurvey's "Other", SurveyMonkey's "Other (please
/// specify)", Dutch labels), lower case: the choice of the option, not an
/// "other" text; the text is in its own column.
const OTHER_MARKERS: &[&str] = &[
    "other",
    "-oth-",
    "other (please specify)",
    "other, please specify",
    "anders",
    "anders, namelijk",
    "anders, namelijk:",
    "anders namelijk",
    "anders, nl.",
    "overig",
    "overige",
];

fn is_other_marker(t: &str) -> bool {
    let t = t.trim().to_lowercase();
    OTHER_MARKERS.contains(&t.as_str())
}

/// How one coded cell decodes: the entries it yields and the text that
/// matched no option and was read as the question's "other" answer, if any
/// (which the reader lists, so an option the instrument misses is never
/// moved into "Anders" unseen), or an error message.
fn decode_coded(
    q: &Question,
    qi: u32,
    other_qi: u32,
    target: &Target,
    raw: &str,
    export_label: Option<&str>,
    declared_missing: bool,
) -> std::result::Result<(Vec<Entry>, Option<String>), Refused> {
    let v = raw.trim();
    let opt_entry = |i: usize| {
        let o = &q.options[i];
        Entry {
            question: qi,
            value: o.code.clone(),
            label: o.label.clone(),
            number: if o.missing {
                None
            } else {
                parse_number(&o.code)
            },
            missing: o.missing,
        }
    };
    let find = |t: &str| {
        q.options
            .iter()
            .position(|o| same_code(&o.code, t))
            .or_else(|| {
                q.options
                    .iter()
                    .position(|o| o.aliases.iter().any(|a| a == t))
            })
            .or_else(|| {
                q.options
                    .iter()
                    .position(|o| o.label.eq_ignore_ascii_case(t))
            })
    };
    if declared_missing {
        return Ok((
            vec![Entry {
                question: qi,
                value: v.to_string(),
                label: export_label.unwrap_or(v).to_string(),
                number: None,
                missing: true,
            }],
            None,
        ));
    }
    match target {
        Target::Option(_, i) => {
            let l = v.to_lowercase();
            let o = &q.options[*i];
            if YES.contains(&l.as_str()) || same_code(v, &o.code) || o.label.eq_ignore_ascii_case(v)
            {
                Ok((vec![opt_entry(*i)], None))
            } else if NO.contains(&l.as_str()) {
                Ok((Vec::new(), None))
            } else if export_label.is_some_and(|lab| lab.eq_ignore_ascii_case(&o.label)) {
                Ok((vec![opt_entry(*i)], None))
            } else {
                Err(Refused::NotYesNo {
                    value: v.to_string(),
                    option: o.label.clone(),
                    question: q.id.clone(),
                })
            }
        }
        Target::Whole(_) if q.kind == QuestionType::Multiple => {
            if let Some(i) = find(v).or_else(|| export_label.and_then(find)) {
                return Ok((vec![opt_entry(i)], None));
            }
            let sep = if v.contains(';') { ';' } else { ',' };
            let parts: Vec<&str> = v
                .split(sep)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            let mut out = Vec::new();
            let mut as_other: Vec<&str> = Vec::new();
            let mut k = 0;
            while k < parts.len() {
                // Longest run of parts that joins to an option label (labels may contain the separator).
                let mut matched = None;
                for end in (k + 1..=parts.len()).rev() {
                    let joined = parts[k..end].join(&format!("{sep} "));
                    let joined_tight = parts[k..end].join(&sep.to_string());
                    if let Some(i) = find(&joined).or_else(|| find(&joined_tight)) {
                        matched = Some((i, end));
                        break;
                    }
                }
                match matched {
                    Some((i, end)) => {
                        out.push(opt_entry(i));
                        k = end;
                    }
                    None => {
                        let other = q
                            .options
                            .iter()
                            .position(|o| o.other)
                            .filter(|_| !looks_like_code(parts[k]));
                        if let Some(oi) = other.filter(|_| is_other_marker(parts[k])) {
                            // the marker of the option itself, not a text
                            out.push(opt_entry(oi));
                            k += 1;
                        } else if let Some(oi) = other {
                            out.push(opt_entry(oi));
                            out.push(Entry {
                                question: other_qi,
                                value: parts[k].to_string(),
                                label: parts[k].to_string(),
                                number: None,
                                missing: false,
                            });
                            as_other.push(parts[k]);
                            k += 1;
                        } else {
                            return Err(Refused::NoOption {
                                value: parts[k].to_string(),
                                question: q.id.clone(),
                            });
                        }
                    }
                }
            }
            Ok((out, (!as_other.is_empty()).then(|| as_other.join("; "))))
        }
        _ => {
            if let Some(i) = find(v).or_else(|| export_label.and_then(find)) {
                return Ok((vec![opt_entry(i)], None));
            }
            let other = q
                .options
                .iter()
                .position(|o| o.other)
                .filter(|_| !looks_like_code(v));
            if let Some(oi) = other.filter(|_| is_other_marker(v)) {
                // the marker of the option itself (LimeSurvey's "Other"),
                // whose text is in the question's own "other" column
                return Ok((vec![opt_entry(oi)], None));
            }
            if let Some(oi) = other {
                return Ok((
                    vec![
                        opt_entry(oi),
                        Entry {
                            question: other_qi,
                            value: v.to_string(),
                            label: v.to_string(),
                            number: None,
                            missing: false,
                        },
                    ],
                    Some(v.to_string()),
                ));
            }
            if q.kind == QuestionType::Numeric {
                let n = parse_number(v).ok_or_else(|| Refused::NotANumber {
                    value: v.to_string(),
                    question: q.id.clone(),
                })?;
                return Ok((
                    vec![Entry {
                        question: qi,
                        value: v.to_string(),
                        label: v.to_string(),
                        number: Some(n),
                        missing: false,
                    }],
                    None,
                ));
            }
            let codes: Vec<&str> = q.options.iter().map(|o| o.code.as_str()).collect();
            Err(Refused::NotAnOption {
                value: v.to_string(),
                question: q.id.clone(),
                options: codes.join(", "),
            })
        }
    }
}

/// Applies an instrument to an export: the harmonised long table.
///
/// `resolver` turns the municipality question into CBS codes; without one
/// (reading a file on its own) the municipality column holds what was typed.
pub fn harmonise(
    export: &Export,
    instrument: &Instrument,
    resolver: Option<&Resolver>,
) -> Result<Responses> {
    let plan = decode::Plan::for_instrument(export, instrument)?;
    plan.check_placeable(export, resolver)?;
    let parts = decode::frame(export, &plan)?;
    decode::finish(export, &plan, parts, resolver, instrument.wave)
}

/// The platform's own view of an export, without an instrument: one row
/// per non-empty cell, the column key as question, value labels from the
/// export or a structure file, and missing flags from SPSS declarations,
/// negative Qualtrics recodes and N/A texts. The municipality column is
/// empty and the wave is the one given.
pub fn raw_long(export: &Export, wave: Wave) -> Result<Responses> {
    let plan = decode::Plan::raw(export)?;
    let parts = decode::frame(export, &plan)?;
    decode::finish(export, &plan, parts, None, wave)
}

fn wide(data: &Responses) -> Result<DataFrame> {
    let err = |e: PolarsError| table_error(&data.file, "cannot build the wide table", e);
    let index: HashMap<&str, usize> = data
        .respondents
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (r.as_str(), i))
        .collect();
    let n = data.respondents.len();
    let l = &data.long;
    let resp = text_values(l, "respondent").map_err(err)?;
    let q = text_values(l, "question").map_err(err)?;
    let v = text_values(l, "value").map_err(err)?;
    let mut order: Vec<String> = Vec::new();
    let mut cols: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for ((r, q), v) in resp.zip(q).zip(v) {
        let (Some(r), Some(q), Some(v)) = (r, q, v) else {
            continue;
        };
        let Some(&i) = index.get(r) else { continue };
        let col = cols.entry(q.to_string()).or_insert_with(|| {
            order.push(q.to_string());
            vec![None; n]
        });
        match &mut col[i] {
            Some(existing) => {
                existing.push(';');
                existing.push_str(v);
            }
            slot => *slot = Some(v.to_string()),
        }
    }
    let mut columns = vec![
        Column::new(
            "respondent".into(),
            data.respondents
                .keys()
                .map(std::string::String::as_str)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "municipality".into(),
            data.respondents
                .values()
                .map(std::string::String::as_str)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "submitted".into(),
            data.respondents
                .keys()
                .map(|r| data.submitted.get(r).map(String::as_str))
                .collect::<Vec<_>>(),
        ),
    ];
    for q in order {
        if let Some(values) = cols.remove(&q) {
            columns.push(Column::new(q.into(), values));
        }
    }
    DataFrame::new(n, columns).map_err(err)
}

/// One open answer: the text of an `open` question or of an "other,
/// namely" option (`question` ends in `:other`), with who gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAnswer {
    /// The respondent (shared by their answers).
    pub respondent: std::sync::Arc<str>,
    /// CBS code of the respondent's municipality, when resolved (shared
    /// by all answers from that municipality).
    pub municipality: Option<std::sync::Arc<str>>,
    /// The question id (`kanalen:other` for an "other" text; shared by
    /// all answers to it).
    pub question: std::sync::Arc<str>,
    /// The question as asked (shared by all answers to it).
    pub question_text: std::sync::Arc<str>,
    /// The answer as written (pseudonymised before it leaves ingest).
    pub text: String,
    /// The wave of the survey.
    pub wave: Wave,
    /// The export as shown in messages (shared by all its answers).
    pub file: std::sync::Arc<str>,
}

impl OpenAnswer {
    /// The answer as a codable source (`survey:<respondent>:<question>`).
    pub fn into_source(self) -> Source {
        // one allocation each for the id and the three fields
        let mut id = String::with_capacity(8 + self.respondent.len() + self.question.len());
        id.push_str("survey:");
        id.push_str(&self.respondent);
        id.push(':');
        id.push_str(&self.question);
        let mut meta = pokeval_model::Meta::with_capacity(3);
        meta.insert("respondent", self.respondent);
        meta.insert("question", self.question);
        meta.insert("question_text", self.question_text);
        Source {
            id,
            kind: SourceKind::SurveyAnswer,
            municipality: self.municipality,
            wave: self.wave,
            text: self.text,
            file: self.file,
            meta,
        }
    }
}

/// The values of a text or categorical column, in row order, without
/// making a string column of a categorical one ([`text_column`] casts,
/// which for the long table of 100,000 respondents means millions of
/// strings per column).
pub fn text_values<'a>(
    df: &'a DataFrame,
    name: &str,
) -> PolarsResult<Box<dyn Iterator<Item = Option<&'a str>> + 'a>> {
    let c = df.column(name)?;
    match c.dtype() {
        DataType::Categorical(..) => Ok(Box::new(c.as_materialized_series().cat32()?.iter_str())),
        DataType::String => Ok(Box::new(c.str()?.iter())),
        other => Err(PolarsError::SchemaMismatch(
            format!("column '{name}' holds {other}, not text").into(),
        )),
    }
}

/// A row mask of a text or categorical column: true where the value is
/// there and `keep` accepts it. For a categorical column `keep` is asked
/// once per category, not once per row (the question column of the long
/// table has a few dozen categories and millions of rows).
pub fn text_mask(
    df: &DataFrame,
    name: &str,
    keep: &impl Fn(&str) -> bool,
) -> PolarsResult<BooleanChunked> {
    let c = df.column(name)?;
    if let DataType::Categorical(..) = c.dtype() {
        let cats = c.as_materialized_series().cat32()?;
        let mapping = cats.get_mapping();
        // per category: 0 not asked yet, 1 kept, 2 not kept
        let mut decided = vec![0u8; mapping.num_cats_upper_bound()];
        let mut kept = |cat: u32| match decided.get_mut(cat as usize) {
            Some(d) => {
                if *d == 0 {
                    *d = if mapping.cat_to_str(cat).is_some_and(keep) {
                        1
                    } else {
                        2
                    };
                }
                *d == 1
            }
            None => mapping.cat_to_str(cat).is_some_and(keep),
        };
        return Ok(cats
            .physical()
            .iter()
            .map(|cat| Some(cat.is_some_and(&mut kept)))
            .collect());
    }
    Ok(text_values(df, name)?
        .map(|v| Some(v.is_some_and(keep)))
        .collect())
}

/// A text column of a table as plain strings. pokeval's long tables keep
/// respondent, municipality, question, value and label as categoricals
/// (see [`decode`]); this gives any of them, or a column that is already
/// text, as a string column.
pub fn text_column(df: &DataFrame, name: &str) -> PolarsResult<StringChunked> {
    let c = df.column(name)?;
    if c.dtype() == &DataType::String {
        return Ok(c.str()?.clone());
    }
    Ok(c.cast(&DataType::String)?.str()?.clone())
}

/// Output formats for [`table_bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated text, UTF-8.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// A DataFrame as CSV or Parquet bytes (the caller writes them).
///
/// Categorical columns are written as text: in Parquet a categorical
/// column would carry its category ids, which depend on the order strings
/// were first seen in the process, and the same inputs must give the same
/// bytes.
pub fn table_bytes(df: &DataFrame, format: TableFormat, path: &Path) -> Result<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::new();
    let res = as_text(df).and_then(|mut df| match format {
        TableFormat::Csv => CsvWriter::new(&mut buf)
            .include_header(true)
            .finish(&mut df),
        TableFormat::Parquet => ParquetWriter::new(&mut buf).finish(&mut df).map(|_| ()),
    });
    res.map_err(|e| Error::Table {
        path: path.into(),
        context: "cannot write the table".into(),
        source: Box::new(e),
    })?;
    Ok(buf)
}

/// The table with its categorical columns cast to text.
fn as_text(df: &DataFrame) -> PolarsResult<DataFrame> {
    let cols = df
        .columns()
        .iter()
        .map(|c| match c.dtype() {
            DataType::Categorical(..) | DataType::Enum(..) => c.cast(&DataType::String),
            _ => Ok(c.clone()),
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(df.height(), cols)
}

/// Reads an export, applies a structure file if given, and harmonises it
/// with the instrument (or gives the raw view without one).
///
/// A UTF-8 CSV export read with an instrument is streamed: blocks of the
/// file are parsed and decoded on every core without holding the file or a
/// text copy of it, which keeps a 165 MB export to about twice its size in
/// memory. Other files, other encodings and the raw view go through
/// [`read_export`]; both ways give the same table. `progress` hears how
/// many bytes of a streamed file are read.
#[allow(clippy::too_many_arguments)]
pub fn read_survey(
    path: &Path,
    display: &str,
    opts: &ReadOptions,
    structure: Option<&Structure>,
    instrument: Option<&Instrument>,
    resolver: Option<&Resolver>,
    wave: Wave,
    progress: &dyn pokeval_model::Progress,
) -> Result<Responses> {
    let csv = matches!(
        pokeval_model::fsio::extension(path).as_str(),
        "csv" | "txt" | "tsv"
    );
    if let (true, Some(ins)) = (csv, instrument) {
        if let Some(data) = stream_survey(path, display, opts, structure, ins, resolver, progress)?
        {
            return Ok(data);
        }
    }
    let mut export = read_export(path, display, opts)?;
    if let Some(s) = structure {
        s.apply(&mut export)?;
    }
    match instrument {
        Some(ins) => harmonise(&export, ins, resolver),
        None => raw_long(&export, wave),
    }
}

/// The streaming way of [`read_survey`]; `None` when the file needs the
/// whole-file reader after all (not UTF-8, or a stray quote).
fn stream_survey(
    path: &Path,
    display: &str,
    opts: &ReadOptions,
    structure: Option<&Structure>,
    instrument: &Instrument,
    resolver: Option<&Resolver>,
    progress: &dyn pokeval_model::Progress,
) -> Result<Option<Responses>> {
    let Some((mut export, body)) = export::open_csv(path, display, opts)? else {
        return Ok(None);
    };
    if let Some(s) = structure {
        s.apply(&mut export)?;
    }
    let plan = decode::Plan::for_instrument(&export, instrument)?;
    plan.check_placeable(&export, resolver)?;
    let read = |cut: bool| {
        records::stream(
            path,
            display,
            body,
            cut,
            &|done, total| progress.advance(done, total),
            &decode::Streamed(&plan),
        )
    };
    let parts = match read(true) {
        Err(records::Stop::Uncut) => read(false),
        other => other,
    };
    match parts {
        Ok(parts) => decode::finish(&export, &plan, parts, resolver, instrument.wave).map(Some),
        Err(records::Stop::Fallback) => Ok(None),
        Err(records::Stop::Uncut) => Err(internal(
            display,
            "a record was cut while reading in one block",
        )),
        Err(records::Stop::Error(e)) => Err(e),
    }
}

/// An instrument whose question list is wrong.
fn questions(path: &Path, message: String) -> Error {
    Error::Setting {
        path: path.into(),
        key: "questions".into(),
        message,
    }
}

/// A failed table operation on the data of `path`, with what was being
/// done; the polars error stays the source.
pub(crate) fn table_error(path: &str, context: impl Into<String>, e: PolarsError) -> Error {
    Error::Table {
        path: path.into(),
        context: context.into(),
        source: Box::new(e),
    }
}

/// A fault of pokeval's own while reading `path`.
pub(crate) fn internal(path: &str, message: &str) -> Error {
    Error::Internal {
        path: path.into(),
        message: message.into(),
    }
}

/// Runs a dependency's reader (`who`, such as "the SPSS reader") so that a
/// panic inside it becomes an error that names the file instead of a crash.
/// Release builds check integer overflow in these readers (see the
/// workspace `Cargo.toml`), so an overflow is caught here in every build.
/// The default panic message is held back while `f` runs; panics are
/// serialised through one lock so the hook is always restored.
pub(crate) fn contained<T>(display: &str, who: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = HOOK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    outcome.unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(std::string::ToString::to_string)
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unknown fault".into());
        Err(Error::ReaderFailed {
            path: display.into(),
            reader: who.into(),
            why,
        })
    })
}

/// The R syntax file LimeSurvey writes beside an "R data" export
/// (`survey_1_R_data_file.csv` -> `survey_1_R_syntax_file.R`), if present.
pub fn sibling_structure(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.to_str()?;
    let syntax = name.replace("_R_data_file.csv", "_R_syntax_file.R");
    if syntax == name {
        return None;
    }
    let p = path.with_file_name(syntax);
    p.is_file().then_some(p)
}

impl Responses {
    /// The open answers (type `open` and `:other` texts) of the long table
    /// in table order: the texts [`Responses::set_open_texts`] replaces, for
    /// pseudonymisation.
    pub fn open_texts(&self, instrument: &Instrument) -> Result<Vec<&str>> {
        let err = |e: PolarsError| table_error(&self.file, "cannot read the response table", e);
        let open = self.open_mask(instrument).map_err(err)?;
        // the value column is a string column: borrowed, not copied
        let v = self
            .long
            .column("value")
            .and_then(|c| c.str())
            .map_err(err)?;
        Ok(open
            .iter()
            .zip(v.iter())
            .filter_map(|(open, v)| v.filter(|_| open == Some(true)))
            .collect())
    }

    /// Which rows of the long table hold an open answer (an open
    /// question's or an "other" text), decided once per question.
    fn open_mask(&self, instrument: &Instrument) -> PolarsResult<BooleanChunked> {
        text_mask(&self.long, "question", &|q| {
            instrument.open_question(q).is_some()
        })
    }

    /// Replaces the texts [`Responses::open_texts`] gave, in the same order
    /// (`None` keeps a text). Coded answers keep their values and labels.
    pub fn set_open_texts(
        &mut self,
        instrument: &Instrument,
        texts: Vec<Option<String>>,
    ) -> Result<()> {
        if texts.iter().all(Option::is_none) {
            return Ok(());
        }
        let err = |e: PolarsError| table_error(&self.file, "cannot update the response table", e);
        let l = &self.long;
        let open = self.open_mask(instrument).map_err(err)?;
        let v = text_values(l, "value").map_err(err)?;
        let mut new = texts.into_iter();
        let mut values = StringChunkedBuilder::new("value".into(), l.height());
        for (open, v) in open.iter().zip(v) {
            match (open, v) {
                (Some(true), Some(v)) => match new.next().flatten() {
                    Some(t) => values.append_value(t),
                    None => values.append_value(v),
                },
                (_, Some(v)) => values.append_value(v),
                (_, None) => values.append_null(),
            }
        }
        let mut long = self.long.clone();
        long.with_column(values.finish().into_column())
            .map_err(err)?;
        self.long = long;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_parse() {
        assert_eq!(
            export::import_id(r#"{"ImportId":"QID3"}"#).as_deref(),
            Some("QID3")
        );
        assert_eq!(
            export::import_id(r#"{"ImportId":"startDate","timeZone":"Europe/Amsterdam"}"#)
                .as_deref(),
            Some("startDate")
        );
        assert_eq!(
            export::import_id("{'ImportId': 'QID2-1'}").as_deref(),
            Some("QID2_1")
        );
        assert_eq!(export::import_id("Q3"), None);
    }
}
