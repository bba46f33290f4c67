//! Survey exports: reading them as they are ([`export`], [`spss`]),
//! survey definitions ([`structure`]), and the instrument that turns any
//! platform's export into one harmonised response table ([`harmonise`]).
//!
//! The instrument is a TOML file per wave (`surveys/<wave>/instrument.toml`)
//! listing the questions with stable ids and, per platform, which export
//! column holds which question (`[columns.qualtrics]`, `[columns.limesurvey]`,
//! ...). A column is named by its key (the Qualtrics ImportId, the
//! LimeSurvey code, the SPSS variable; see [`export`]) or by its heading.
//! The target is a question id, `question:code` for a column that holds one
//! option of a multiple-choice question (`1`/empty, `Y`/empty, `1`/`0`,
//! `Yes`/`No` or the option text), `question:other` for the "other, namely"
//! text, or `@respondent` for the column with respondent ids. An SPSS
//! dichotomy set (`"$kanalen" = "kanalen"`) maps its variables, in order,
//! to the options of a multiple-choice question.
//!
//! Each accepted respondent gives one row per answer in the long table
//! (respondent, municipality, wave, question, value, label, number,
//! missing); a multiple-choice question gives one row per chosen option, and
//! unanswered questions give no row. "Weet niet", N/A codes, negative
//! recodes and SPSS user-missing values are rows with `missing = true` and
//! no number, so they never enter a sum. Respondents that cannot be used are
//! rejected with the line and the reason: rows read = accepted + rejected.

pub mod dates;
pub mod export;
pub mod job;
pub mod spss;
pub mod structure;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Source, SourceKind, Wave};
use crate::resolve::{Resolution, Resolver};
use crate::table::parse_number;
use crate::Reject;
pub use export::{read_export, EncodingChoice, Export, Layout, Platform, ReadOptions};
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
    pub code: String,
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
    pub id: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub text: String,
    /// Short label for tables and charts; the text when absent.
    #[serde(default)]
    pub short: Option<String>,
    #[serde(default)]
    pub options: Vec<AnswerOption>,
    /// Groups statements of one matrix question (for Likert charts).
    #[serde(default)]
    pub group: Option<String>,
}

impl Question {
    pub fn short_label(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.text)
    }
}

/// A survey instrument for one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub wave: Wave,
    pub title: String,
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
        let text = crate::text::read_text(path)?;
        let ins: Instrument = toml::from_str(&text).map_err(|e| Error::toml(path, &text, &e))?;
        let mut ids = HashSet::new();
        for q in &ins.questions {
            if !ids.insert(q.id.as_str()) {
                return Err(Error::invalid(
                    path,
                    format!("question id '{}' appears twice", q.id),
                ));
            }
            let needs_options = matches!(
                q.kind,
                QuestionType::Single | QuestionType::Likert | QuestionType::Multiple
            );
            if needs_options && q.options.is_empty() {
                return Err(Error::invalid(
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
            return Err(Error::invalid(path, format!("the instrument needs exactly one question of type \"municipality\", found {n_muni}")));
        }
        for (platform, map) in &ins.columns {
            for (column, target) in map {
                ins.target(target).map_err(|m| {
                    Error::invalid(path, format!("columns.{platform}: column '{column}': {m}"))
                })?;
            }
        }
        Ok(ins)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Parses a column-map target (`question`, `question:code`,
    /// `question:other`, `@respondent`).
    pub fn target<'a>(&'a self, target: &str) -> std::result::Result<Target<'a>, String> {
        if target == "@respondent" {
            return Ok(Target::Respondent);
        }
        let (qid, part) = match target.split_once(':') {
            Some((q, p)) => (q, Some(p)),
            None => (target, None),
        };
        let q = self
            .question(qid)
            .ok_or_else(|| format!("maps to unknown question '{qid}'"))?;
        match part {
            None => Ok(Target::Whole(q)),
            Some("other") => Ok(Target::Other(q)),
            Some(code) => {
                if q.kind != QuestionType::Multiple {
                    return Err(format!("'{target}': only a question of type \"multiple\" has one column per option"));
                }
                let i = q
                    .options
                    .iter()
                    .position(|o| o.code == code)
                    .ok_or_else(|| format!("'{code}' is not an option of question '{qid}'"))?;
                Ok(Target::Option(q, i))
            }
        }
    }
}

/// What one export column holds.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Respondent,
    Whole(&'a Question),
    /// Yes/no for option `usize` of a multiple-choice question.
    Option(&'a Question, usize),
    /// The "other, namely" text of a question.
    Other(&'a Question),
}

/// What one survey export gave.
#[derive(Debug, Clone)]
pub struct SurveyData {
    /// The file as shown in messages.
    pub file: String,
    pub layout: Layout,
    pub encoding: String,
    /// Long table: respondent, municipality, wave, question, value, label,
    /// number (parsed numeric value or option code), missing.
    pub long: DataFrame,
    /// Accepted respondents: respondent id -> CBS code (empty when the
    /// export is read without municipality resolution).
    pub respondents: BTreeMap<String, String>,
    /// When each accepted respondent submitted, as ISO 8601 (from the
    /// platform's submission column, whatever its date format).
    pub submitted: BTreeMap<String, String>,
    pub rows_read: usize,
    pub rejects: Vec<Reject>,
}

impl SurveyData {
    pub fn accepted(&self) -> usize {
        self.respondents.len()
    }

    /// Checks rows read = accepted + rejected (every reject is one record).
    pub fn check_counts(&self) -> Result<()> {
        if self.rows_read != self.accepted() + self.rejects.len() {
            return Err(Error::invalid(
                &self.file,
                format!(
                    "internal count mismatch: {} records read but {} accepted and {} rejected",
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

/// Per record: the respondent id, or why the record is not a response.
struct RowCheck {
    ids: Vec<String>,
    municipality: Vec<String>,
    ok: Vec<bool>,
    rejects: Vec<(usize, String)>,
}

fn check_rows(
    export: &Export,
    id_col: Option<usize>,
    muni_col: Option<usize>,
    resolver: Option<&Resolver>,
) -> Result<RowCheck> {
    let n = export.height();
    let stem = Path::new(&export.file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("survey")
        .to_string();
    let ids_ca = id_col.map(|c| export.column(c)).transpose()?;
    // Qualtrics' Status column; in a Qualtrics SPSS export it is the
    // variable `Status` whose value labels name "Survey Preview".
    let status_col = match export.layout.platform() {
        Platform::Qualtrics => export.find("status"),
        Platform::Spss => export.find("Status").filter(|c| {
            export
                .labels
                .get(c)
                .is_some_and(|l| l.values().any(|v| v == "Survey Preview"))
        }),
        _ => None,
    };
    let status = status_col.map(|c| export.column(c)).transpose()?;
    let muni = muni_col.map(|c| export.column(c)).transpose()?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut seen_text: PlHashMap<&str, (std::result::Result<String, String>, bool)> =
        PlHashMap::new();
    let mut out = RowCheck {
        ids: Vec::with_capacity(n),
        municipality: Vec::with_capacity(n),
        ok: vec![true; n],
        rejects: Vec::new(),
    };
    for i in 0..n {
        let id = match &ids_ca {
            Some(ca) => ca.get(i).unwrap_or("").trim().to_string(),
            None => format!("{stem}#{}", i + 1),
        };
        out.ids.push(id.clone());
        out.municipality.push(String::new());
        let line = export.lines[i];
        if id.is_empty() {
            out.ok[i] = false;
            out.rejects
                .push((i, "the response has no respondent id".into()));
            continue;
        }
        if let Some(first) = seen.get(&id) {
            out.ok[i] = false;
            out.rejects.push((
                i,
                format!(
                    "duplicate respondent id {id} (first on {} {first})",
                    export.record_word
                ),
            ));
            continue;
        }
        seen.insert(id.clone(), line);
        if let Some(st) = &status {
            let v = st.get(i).unwrap_or("").trim();
            if let Some((code, _, what)) = QUALTRICS_NON_RESPONSE
                .iter()
                .filter(|(c, _, _)| !(export.include_tests && *c == "2"))
                .find(|(c, t, _)| *c == v || t.eq_ignore_ascii_case(v))
            {
                out.ok[i] = false;
                out.rejects.push((
                    i,
                    format!(
                        "response {id} is {what} (Status {code}), not a real response{}",
                        if code == &"2" {
                            " (read them with include_tests)"
                        } else {
                            ""
                        }
                    ),
                ));
                continue;
            }
        }
        if let (Some(m), Some(r)) = (&muni, resolver) {
            let typed = m.get(i).unwrap_or("");
            // Each spelling is resolved once; repeats only count for the
            // review list.
            let placed = match seen_text.get(typed) {
                Some(hit) => {
                    if hit.1 {
                        r.recount(typed);
                    }
                    hit.0.clone()
                }
                None => {
                    let res = r.resolve(typed);
                    let counted =
                        matches!(res, Resolution::Fuzzy { .. } | Resolution::Uncertain { .. });
                    let placed = match res {
                        Resolution::Uncertain { suggestion, reason } => {
                            let hint = match suggestion {
                                Some((code, score)) => format!(
                                    " (best match {} {code}, score {score:.2})",
                                    r.municipality(&code).map(|m| m.name.as_str()).unwrap_or("")
                                ),
                                None => String::new(),
                            };
                            Err(format!(
                                "municipality '{}': {reason}{hint}; settle it in the mapping file (see the review list)",
                                typed.trim()
                            ))
                        }
                        res => Ok(res.code().unwrap_or("").to_string()),
                    };
                    seen_text.insert(typed, (placed.clone(), counted));
                    placed
                }
            };
            match placed {
                Ok(code) => out.municipality[i] = code,
                Err(msg) => {
                    out.ok[i] = false;
                    out.rejects.push((i, format!("response {id}: {msg}")));
                }
            }
        }
    }
    Ok(out)
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

/// The answers of one column: coded (row, entry) pairs and cells taken as
/// they are (row, number).
#[derive(Default)]
struct Chunk {
    entries: Vec<Entry>,
    coded_rows: Vec<IdxSize>,
    coded_entry: Vec<IdxSize>,
    cell_rows: Vec<IdxSize>,
    cell_number: Vec<Option<f64>>,
    /// The question of the cell rows.
    cell_question: u32,
    col: usize,
    errors: Vec<(usize, String)>,
}

/// Whether a cell looks like an answer code (`A4`, `12`, `-oth-`, `SQ001`)
/// rather than text a respondent typed: codes never fall back to "other".
fn looks_like_code(v: &str) -> bool {
    let t = v.trim();
    if t.len() > 2 && t.starts_with('-') && t.ends_with('-') {
        return true;
    }
    let letters = t.chars().take_while(|c| c.is_ascii_alphabetic()).count();
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

/// How one coded cell decodes: entries it yields, or an error message.
fn decode_coded(
    q: &Question,
    qi: u32,
    other_qi: u32,
    target: &Target,
    raw: &str,
    export_label: Option<&str>,
    declared_missing: bool,
) -> std::result::Result<Vec<Entry>, String> {
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
        return Ok(vec![Entry {
            question: qi,
            value: v.to_string(),
            label: export_label.unwrap_or(v).to_string(),
            number: None,
            missing: true,
        }]);
    }
    match target {
        Target::Option(_, i) => {
            let l = v.to_lowercase();
            let o = &q.options[*i];
            if YES.contains(&l.as_str()) || same_code(v, &o.code) || o.label.eq_ignore_ascii_case(v)
            {
                Ok(vec![opt_entry(*i)])
            } else if NO.contains(&l.as_str()) {
                Ok(Vec::new())
            } else if export_label.is_some_and(|lab| lab.eq_ignore_ascii_case(&o.label)) {
                Ok(vec![opt_entry(*i)])
            } else {
                Err(format!(
                    "'{v}' is not a yes/no value for option '{}' of question '{}'",
                    o.label, q.id
                ))
            }
        }
        Target::Whole(_) if q.kind == QuestionType::Multiple => {
            if let Some(i) = find(v).or_else(|| export_label.and_then(find)) {
                return Ok(vec![opt_entry(i)]);
            }
            let sep = if v.contains(';') { ';' } else { ',' };
            let parts: Vec<&str> = v
                .split(sep)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            let mut out = Vec::new();
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
                        if let Some(oi) = other {
                            out.push(opt_entry(oi));
                            out.push(Entry {
                                question: other_qi,
                                value: parts[k].to_string(),
                                label: parts[k].to_string(),
                                number: None,
                                missing: false,
                            });
                            k += 1;
                        } else {
                            return Err(format!(
                                "'{}' is not an option of question '{}'",
                                parts[k], q.id
                            ));
                        }
                    }
                }
            }
            Ok(out)
        }
        _ => {
            if let Some(i) = find(v).or_else(|| export_label.and_then(find)) {
                return Ok(vec![opt_entry(i)]);
            }
            let other = q
                .options
                .iter()
                .position(|o| o.other)
                .filter(|_| !looks_like_code(v));
            if let Some(oi) = other {
                return Ok(vec![
                    opt_entry(oi),
                    Entry {
                        question: other_qi,
                        value: v.to_string(),
                        label: v.to_string(),
                        number: None,
                        missing: false,
                    },
                ]);
            }
            if q.kind == QuestionType::Numeric {
                let n = parse_number(v)
                    .ok_or_else(|| format!("'{v}' is not a number (question '{}')", q.id))?;
                return Ok(vec![Entry {
                    question: qi,
                    value: v.to_string(),
                    label: v.to_string(),
                    number: Some(n),
                    missing: false,
                }]);
            }
            let codes: Vec<&str> = q.options.iter().map(|o| o.code.as_str()).collect();
            Err(format!(
                "'{v}' is not an option of question '{}' (options: {})",
                q.id,
                codes.join(", ")
            ))
        }
    }
}

/// Decodes one mapped column over all accepted rows.
#[allow(clippy::too_many_arguments)]
fn decode_column(
    export: &Export,
    col: usize,
    q: &Question,
    qi: u32,
    other_qi: u32,
    target: Target,
    ok: &[bool],
    imply_other: Option<usize>,
) -> Result<Chunk> {
    let ca = export.column(col)?;
    let labels = export.labels.get(&col);
    let missing = export.missing.get(&col);
    let mut chunk = Chunk {
        col,
        cell_question: qi,
        ..Default::default()
    };
    let free = matches!(target, Target::Other(_))
        || matches!(q.kind, QuestionType::Open | QuestionType::Municipality)
        || (q.kind == QuestionType::Numeric
            && q.options.is_empty()
            && missing.is_none()
            && labels.is_none());
    if matches!(target, Target::Other(_)) {
        chunk.cell_question = other_qi;
    }
    if free {
        let numeric = q.kind == QuestionType::Numeric && !matches!(target, Target::Other(_));
        // An "other" text means the "other" option was chosen, when no
        // column says so itself.
        if let Some(oi) = imply_other {
            let o = &q.options[oi];
            chunk.entries.push(Entry {
                question: qi,
                value: o.code.clone(),
                label: o.label.clone(),
                number: if o.missing {
                    None
                } else {
                    parse_number(&o.code)
                },
                missing: o.missing,
            });
        }
        for (i, v) in ca.iter().enumerate() {
            let Some(v) = v else { continue };
            if !ok[i] || v.trim().is_empty() {
                continue;
            }
            let number = if numeric {
                match parse_number(v.trim()) {
                    Some(n) => Some(n),
                    None => {
                        chunk.errors.push((
                            i,
                            format!("'{}' is not a number (question '{}')", v.trim(), q.id),
                        ));
                        continue;
                    }
                }
            } else {
                None
            };
            chunk.cell_rows.push(i as IdxSize);
            chunk.cell_number.push(number);
            if imply_other.is_some() {
                chunk.coded_rows.push(i as IdxSize);
                chunk.coded_entry.push(0);
            }
        }
        return Ok(chunk);
    }
    // Coded: decode each distinct value once.
    let mut cache: PlHashMap<&str, std::result::Result<Vec<IdxSize>, String>> = PlHashMap::new();
    for (i, v) in ca.iter().enumerate() {
        let Some(v) = v else { continue };
        if !ok[i] || v.trim().is_empty() {
            continue;
        }
        let decoded = cache.entry(v).or_insert_with(|| {
            let t = v.trim();
            let lab = labels.and_then(|l| l.get(t)).map(String::as_str);
            let miss = missing.is_some_and(|m| m.contains(t));
            decode_coded(q, qi, other_qi, &target, t, lab, miss).map(|es| {
                es.into_iter()
                    .map(|e| {
                        chunk.entries.push(e);
                        (chunk.entries.len() - 1) as IdxSize
                    })
                    .collect()
            })
        });
        match decoded {
            Ok(es) => {
                for &e in es.iter() {
                    chunk.coded_rows.push(i as IdxSize);
                    chunk.coded_entry.push(e);
                }
            }
            Err(m) => chunk.errors.push((i, m.clone())),
        }
    }
    Ok(chunk)
}

/// Applies an instrument to an export: the harmonised long table.
///
/// `resolver` turns the municipality question into CBS codes; without one
/// (reading a file on its own) the municipality column holds what was typed.
pub fn harmonise(
    export: &Export,
    instrument: &Instrument,
    resolver: Option<&Resolver>,
) -> Result<SurveyData> {
    let platform = export.layout.platform();
    let map = instrument.columns.get(platform.name()).ok_or_else(|| {
        Error::invalid(
            &export.file,
            format!(
                "the instrument has no [columns.{}] table saying which column holds which question; the file is a {}",
                platform.name(),
                export.layout.describe()
            ),
        )
    })?;
    let mut targets: Vec<(usize, Target)> = Vec::new();
    let mut id_col = export.respondent_column();
    for (column, t) in map {
        let target = instrument.target(t).map_err(|m| {
            Error::invalid(&export.file, format!("columns.{}: {m}", platform.name()))
        })?;
        // An SPSS dichotomy set (`"$kanalen" = "kanalen"`): its variables
        // are the question's options, in order.
        if let Some(set) = export.mr_sets.iter().find(|s| s.name == *column) {
            let bad = |m: String| {
                Error::invalid(
                    &export.file,
                    format!("columns.{}: {column}: {m}", platform.name()),
                )
            };
            let Target::Whole(q) = target else {
                return Err(bad(format!(
                    "a multiple-response set maps to a whole question, not '{t}'"
                )));
            };
            let counted_is_yes = set
                .counted
                .as_deref()
                .is_some_and(|c| YES.contains(&c.to_lowercase().as_str()));
            if q.kind != QuestionType::Multiple
                || !counted_is_yes
                || set.columns.len() != q.options.len()
            {
                return Err(bad(format!(
                    "the set has {} variables ({}) and question '{}' has {} options; a dichotomy set counting 1 maps to a multiple-choice question with one option per variable, otherwise map the variables one by one",
                    set.columns.len(),
                    if set.counted.is_some() { "dichotomy" } else { "categories" },
                    q.id,
                    q.options.len()
                )));
            }
            for (i, member) in set.columns.iter().enumerate() {
                let col = export.find(member).ok_or_else(|| {
                    bad(format!("variable {member} of the set is not in the file"))
                })?;
                targets.push((col, Target::Option(q, i)));
            }
            continue;
        }
        let col = export.find(column).ok_or_else(|| Error::MissingColumn {
            path: export.file.clone().into(),
            column: format!("{column} (mapped to '{t}')"),
            hint: format!(
                "the instrument expects this column; check that the export belongs to this survey or correct [columns.{}]",
                platform.name()
            ),
        })?;
        match target {
            Target::Respondent => id_col = Some(col),
            _ => targets.push((col, target)),
        }
    }
    targets.sort_by_key(|(c, _)| *c);
    let muni_col = targets
        .iter()
        .find(|(_, t)| matches!(t, Target::Whole(q) if q.kind == QuestionType::Municipality))
        .map(|(c, _)| *c);
    let check = check_rows(export, id_col, muni_col, resolver)?;
    // Question ids in instrument order, then "<id>:other".
    let mut qnames: Vec<String> = instrument.questions.iter().map(|q| q.id.clone()).collect();
    qnames.extend(
        instrument
            .questions
            .iter()
            .map(|q| format!("{}:other", q.id)),
    );
    let nq = instrument.questions.len() as u32;
    let qindex = |q: &Question| {
        instrument
            .questions
            .iter()
            .position(|x| x.id == q.id)
            .unwrap_or(0) as u32
    };
    let chunks: Vec<Result<Chunk>> = {
        use rayon::prelude::*;
        targets
            .par_iter()
            .map(|(col, t)| {
                let q = match t {
                    Target::Whole(q) | Target::Option(q, _) | Target::Other(q) => *q,
                    Target::Respondent => unreachable!("respondent targets are taken out above"),
                };
                let qi = qindex(q);
                // For a multiple-choice "other" text without its own tick column.
                let imply = match t {
                    Target::Other(q) if q.kind == QuestionType::Multiple => {
                        q.options.iter().position(|o| o.other).filter(|oi| {
                            !targets.iter().any(|(_, t2)| matches!(t2, Target::Option(q2, i2) if q2.id == q.id && i2 == oi))
                        })
                    }
                    _ => None,
                };
                decode_column(export, *col, q, qi, nq + qi, *t, &check.ok, imply)
            })
            .collect()
    };
    let chunks: Vec<Chunk> = chunks.into_iter().collect::<Result<_>>()?;
    let mut ok = check.ok.clone();
    let mut rejects: Vec<(usize, String)> = check.rejects;
    let mut bad: BTreeMap<usize, String> = BTreeMap::new();
    for c in &chunks {
        for (row, msg) in &c.errors {
            bad.entry(*row).or_insert_with(|| {
                format!(
                    "response {}, column {}: {msg}",
                    check.ids[*row], export.columns[c.col].name
                )
            });
        }
    }
    for (row, msg) in bad {
        ok[row] = false;
        rejects.push((row, msg));
    }
    let muni_values = if resolver.is_some() {
        check.municipality.clone()
    } else {
        match muni_col {
            Some(c) => {
                let ca = export.column(c)?;
                (0..export.height())
                    .map(|i| ca.get(i).unwrap_or("").trim().to_string())
                    .collect()
            }
            None => vec![String::new(); export.height()],
        }
    };
    let long = assemble(
        export,
        &chunks,
        &ok,
        &check.ids,
        &muni_values,
        &qnames,
        instrument.wave,
    )?;
    finish(export, long, &ok, &check.ids, &muni_values, rejects)
}

fn finish(
    export: &Export,
    long: DataFrame,
    ok: &[bool],
    ids: &[String],
    muni: &[String],
    mut rejects: Vec<(usize, String)>,
) -> Result<SurveyData> {
    rejects.sort_by_key(|(r, _)| *r);
    let respondents = (0..export.height())
        .filter(|&i| ok[i])
        .map(|i| (ids[i].clone(), muni[i].clone()))
        .collect();
    let mut submitted = BTreeMap::new();
    if let Some(c) = export.submitted_column() {
        let ca = export.column(c)?;
        for i in (0..export.height()).filter(|&i| ok[i]) {
            if let Some(t) = ca.get(i).and_then(dates::iso) {
                submitted.insert(ids[i].clone(), t);
            }
        }
    }
    let data = SurveyData {
        file: export.file.clone(),
        layout: export.layout,
        encoding: export.encoding.clone(),
        long,
        respondents,
        submitted,
        rows_read: export.height(),
        rejects: rejects
            .into_iter()
            .map(|(r, m)| Reject::new(&export.file, export.lines[r], m))
            .collect(),
    };
    data.check_counts()?;
    Ok(data)
}

/// Builds the long DataFrame from decoded chunks, keeping accepted rows.
fn assemble(
    export: &Export,
    chunks: &[Chunk],
    ok: &[bool],
    ids: &[String],
    muni: &[String],
    qnames: &[String],
    wave: Wave,
) -> Result<DataFrame> {
    let err = |e: PolarsError| {
        Error::invalid(
            &export.file,
            format!("cannot build the response table: {e}"),
        )
    };
    let ids_ca =
        StringChunked::from_iter_values("respondent".into(), ids.iter().map(String::as_str));
    let muni_ca =
        StringChunked::from_iter_values("municipality".into(), muni.iter().map(String::as_str));
    // One part of the long table: the rows' respondent and municipality,
    // then question, value, label, number and missing.
    let part = |rows: &IdxCa, rest: [Column; 5]| -> Result<DataFrame> {
        let mut cols = vec![
            ids_ca.take(rows).map_err(err)?.into_column(),
            muni_ca.take(rows).map_err(err)?.into_column(),
        ];
        cols.extend(rest);
        DataFrame::new(rows.len(), cols).map_err(err)
    };
    let named = |s: Series, name: &str| s.with_name(name.into()).into_column();
    let build = |c: &Chunk| -> Result<Vec<DataFrame>> {
        let mut parts = Vec::with_capacity(2);
        // Coded rows: gathered from the column's small answer table.
        let keep: Vec<usize> = (0..c.coded_rows.len())
            .filter(|&k| ok[c.coded_rows[k] as usize])
            .collect();
        if !keep.is_empty() {
            let rows = IdxCa::from_vec("r".into(), keep.iter().map(|&k| c.coded_rows[k]).collect());
            let ent = IdxCa::from_vec("e".into(), keep.iter().map(|&k| c.coded_entry[k]).collect());
            let text = |values: Vec<&str>| -> Result<Series> {
                let ca = StringChunked::from_iter_values("t".into(), values.into_iter());
                Ok(ca.take(&ent).map_err(err)?.into_series())
            };
            let pick = |f: fn(&Entry) -> &str| c.entries.iter().map(f).collect::<Vec<&str>>();
            let e_n: Float64Chunked = c.entries.iter().map(|e| e.number).collect();
            let e_m: BooleanChunked = c.entries.iter().map(|e| Some(e.missing)).collect();
            parts.push(part(
                &rows,
                [
                    named(
                        text(
                            c.entries
                                .iter()
                                .map(|e| qnames[e.question as usize].as_str())
                                .collect(),
                        )?,
                        "question",
                    ),
                    named(text(pick(|e| e.value.as_str()))?, "value"),
                    named(text(pick(|e| e.label.as_str()))?, "label"),
                    named(e_n.take(&ent).map_err(err)?.into_series(), "number"),
                    named(e_m.take(&ent).map_err(err)?.into_series(), "missing"),
                ],
            )?);
        }
        // Cells taken as they are (open answers, numbers).
        let keep: Vec<usize> = (0..c.cell_rows.len())
            .filter(|&k| ok[c.cell_rows[k] as usize])
            .collect();
        if !keep.is_empty() {
            let rows = IdxCa::from_vec("r".into(), keep.iter().map(|&k| c.cell_rows[k]).collect());
            let n = rows.len();
            let values = export.column(c.col)?.take(&rows).map_err(err)?;
            // Trimming copies the strings; most columns need none.
            let needs_trim = values.iter().flatten().any(|v| v.len() != v.trim().len());
            let values = if needs_trim {
                values.apply_values(|v| std::borrow::Cow::Owned(v.trim().to_string()))
            } else {
                values
            };
            let number: Float64Chunked = keep.iter().map(|&k| c.cell_number[k]).collect();
            let q = qnames[c.cell_question as usize].as_str();
            let scalar = |name: &str, v: AnyValue<'static>, dt: DataType| {
                Column::new_scalar(name.into(), Scalar::new(dt, v), n)
            };
            parts.push(part(
                &rows,
                [
                    scalar(
                        "question",
                        AnyValue::StringOwned(q.into()),
                        DataType::String,
                    ),
                    named(values.clone().into_series(), "value"),
                    named(values.into_series(), "label"),
                    named(number.into_series(), "number"),
                    scalar("missing", AnyValue::Boolean(false), DataType::Boolean),
                ],
            )?);
        }
        Ok(parts)
    };
    let parts: Vec<DataFrame> = {
        use rayon::prelude::*;
        let built: Vec<Result<Vec<DataFrame>>> = chunks.par_iter().map(build).collect();
        let mut parts = Vec::new();
        for b in built {
            parts.extend(b?);
        }
        parts
    };
    let mut long = if parts.is_empty() {
        DataFrame::new(
            0,
            vec![
                Column::new("respondent".into(), Vec::<String>::new()),
                Column::new("municipality".into(), Vec::<String>::new()),
                Column::new("question".into(), Vec::<String>::new()),
                Column::new("value".into(), Vec::<String>::new()),
                Column::new("label".into(), Vec::<String>::new()),
                Column::new("number".into(), Vec::<Option<f64>>::new()),
                Column::new("missing".into(), Vec::<bool>::new()),
            ],
        )
        .map_err(err)?
    } else {
        let mut it = parts.into_iter();
        let mut acc = it.next().unwrap_or_default();
        for p in it {
            acc.vstack_mut_owned(p).map_err(err)?;
        }
        acc
    };
    let n = long.height();
    long.insert_column(
        2,
        Column::new_scalar(
            "wave".into(),
            Scalar::new(DataType::Int32, AnyValue::Int32(i32::from(wave.year()))),
            n,
        ),
    )
    .map_err(err)?;
    let long = long
        .select([
            "respondent",
            "municipality",
            "wave",
            "question",
            "value",
            "label",
            "number",
            "missing",
        ])
        .map_err(err)?;
    Ok(long)
}

/// The platform's own view of an export, without an instrument: one row
/// per non-empty cell, the column key as question, value labels from the
/// export or a structure file, and missing flags from SPSS declarations,
/// negative Qualtrics recodes and N/A texts. The municipality column is
/// empty and the wave is the one given.
pub fn raw_long(export: &Export, wave: Wave) -> Result<SurveyData> {
    let id_col = export.respondent_column();
    let check = check_rows(export, id_col, None, None)?;
    let qualtrics = export.layout.platform() == Platform::Qualtrics;
    let mut qnames: Vec<String> = Vec::new();
    let mut chunks = Vec::new();
    for (col, c) in export.columns.iter().enumerate() {
        if Some(col) == id_col {
            continue;
        }
        let qi = qnames.len() as u32;
        qnames.push(c.key.clone());
        let ca = export.column(col)?;
        let labels = export.labels.get(&col);
        let missing = export.missing.get(&col);
        let mut chunk = Chunk {
            col,
            cell_question: qi,
            ..Default::default()
        };
        let mut cache: PlHashMap<&str, IdxSize> = PlHashMap::new();
        for (i, v) in ca.iter().enumerate() {
            let Some(v) = v else { continue };
            let t = v.trim();
            if !check.ok[i] || t.is_empty() {
                continue;
            }
            let e = *cache.entry(v).or_insert_with(|| {
                let label = labels
                    .and_then(|l| l.get(t))
                    .cloned()
                    .unwrap_or_else(|| t.to_string());
                let number = plain_number(t);
                let declared = missing.is_some_and(|m| m.contains(t));
                let negative_recode =
                    qualtrics && number.is_some_and(|n| n < 0.0 && n.fract() == 0.0);
                let miss = declared || negative_recode || is_na_text(&label) || is_na_text(t);
                chunk.entries.push(Entry {
                    question: qi,
                    value: t.to_string(),
                    label,
                    number: if miss { None } else { number },
                    missing: miss,
                });
                (chunk.entries.len() - 1) as IdxSize
            });
            chunk.coded_rows.push(i as IdxSize);
            chunk.coded_entry.push(e);
        }
        chunks.push(chunk);
    }
    let muni = vec![String::new(); export.height()];
    let long = assemble(export, &chunks, &check.ok, &check.ids, &muni, &qnames, wave)?;
    finish(export, long, &check.ok, &check.ids, &muni, check.rejects)
}

fn wide(data: &SurveyData) -> Result<DataFrame> {
    let err =
        |e: PolarsError| Error::invalid(&data.file, format!("cannot build the wide table: {e}"));
    let index: HashMap<&str, usize> = data
        .respondents
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (r.as_str(), i))
        .collect();
    let n = data.respondents.len();
    let l = &data.long;
    let resp = l.column("respondent").and_then(|c| c.str()).map_err(err)?;
    let q = l.column("question").and_then(|c| c.str()).map_err(err)?;
    let v = l.column("value").and_then(|c| c.str()).map_err(err)?;
    let mut order: Vec<String> = Vec::new();
    let mut cols: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for ((r, q), v) in resp.iter().zip(q.iter()).zip(v.iter()) {
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
                .map(|r| r.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "municipality".into(),
            data.respondents
                .values()
                .map(|m| m.as_str())
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

/// Open answers (questions of type `open` and `:other` texts) as codable
/// sources.
pub fn open_sources(data: &SurveyData, instrument: &Instrument) -> Result<Vec<Source>> {
    let err =
        |e: PolarsError| Error::invalid(&data.file, format!("cannot read the response table: {e}"));
    let l = &data.long;
    let resp = l.column("respondent").and_then(|c| c.str()).map_err(err)?;
    let muni = l
        .column("municipality")
        .and_then(|c| c.str())
        .map_err(err)?;
    let q = l.column("question").and_then(|c| c.str()).map_err(err)?;
    let v = l.column("value").and_then(|c| c.str()).map_err(err)?;
    let mut out = Vec::new();
    for i in 0..l.height() {
        let (Some(r), Some(qid), Some(text)) = (resp.get(i), q.get(i), v.get(i)) else {
            continue;
        };
        let base = qid.strip_suffix(":other").unwrap_or(qid);
        let Some(question) = instrument.question(base) else {
            continue;
        };
        if question.kind != QuestionType::Open && !qid.ends_with(":other") {
            continue;
        }
        let mut meta = BTreeMap::new();
        meta.insert("respondent".to_string(), r.to_string());
        meta.insert("question".to_string(), qid.to_string());
        meta.insert("question_text".to_string(), question.text.clone());
        out.push(Source {
            id: format!("survey:{r}:{qid}"),
            kind: SourceKind::SurveyAnswer,
            municipality: muni.get(i).filter(|m| !m.is_empty()).map(str::to_string),
            wave: instrument.wave,
            text: text.to_string(),
            file: data.file.clone(),
            meta,
        });
    }
    Ok(out)
}

/// Output formats for [`write_tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Parquet,
}

/// Writes a DataFrame as CSV or Parquet, atomically.
pub fn write_table(df: &mut DataFrame, path: &Path, format: TableFormat) -> Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let res = match format {
        TableFormat::Csv => CsvWriter::new(&mut buf).include_header(true).finish(df),
        TableFormat::Parquet => ParquetWriter::new(&mut buf).finish(df).map(|_| ()),
    };
    res.map_err(|e| Error::invalid(path, format!("cannot write the table: {e}")))?;
    crate::fsio::write_atomic(path, &buf)
}

/// Reads an export, applies a structure file if given, and harmonises it
/// with the instrument (or gives the raw view without one).
pub fn read_survey(
    path: &Path,
    display: &str,
    opts: &ReadOptions,
    structure: Option<&Structure>,
    instrument: Option<&Instrument>,
    resolver: Option<&Resolver>,
    wave: Wave,
) -> Result<SurveyData> {
    let mut export = read_export(path, display, opts)?;
    if let Some(s) = structure {
        s.apply(&mut export)?;
    }
    match instrument {
        Some(ins) => harmonise(&export, ins, resolver),
        None => raw_long(&export, wave),
    }
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

/// Rewrites the open answers (type `open` and `:other` texts) in the long
/// table, for pseudonymisation.
pub fn map_open_text(
    data: &mut SurveyData,
    instrument: &Instrument,
    mut f: impl FnMut(&str) -> String,
) -> Result<()> {
    let err = |e: PolarsError| {
        Error::invalid(&data.file, format!("cannot update the response table: {e}"))
    };
    let l = &data.long;
    let q = l.column("question").and_then(|c| c.str()).map_err(err)?;
    let v = l.column("value").and_then(|c| c.str()).map_err(err)?;
    let is_open = |qid: &str| {
        qid.ends_with(":other")
            || instrument
                .question(qid)
                .is_some_and(|q| q.kind == QuestionType::Open)
    };
    let label = l.column("label").and_then(|c| c.str()).map_err(err)?;
    // Open answers: the rewritten text is both value and label; coded
    // answers keep theirs.
    let mut values: Vec<Option<String>> = Vec::with_capacity(l.height());
    let mut labels: Vec<Option<String>> = Vec::with_capacity(l.height());
    for ((q, v), lab) in q.iter().zip(v.iter()).zip(label.iter()) {
        match (q, v) {
            (Some(q), Some(v)) if is_open(q) => {
                let t = f(v);
                values.push(Some(t.clone()));
                labels.push(Some(t));
            }
            (_, v) => {
                values.push(v.map(str::to_string));
                labels.push(lab.map(str::to_string));
            }
        }
    }
    let mut long = data.long.clone();
    long.with_column(Column::new("value".into(), values))
        .map_err(err)?;
    long.with_column(Column::new("label".into(), labels))
        .map_err(err)?;
    data.long = long;
    Ok(())
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
