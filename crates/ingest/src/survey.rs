//! Survey exports: the instrument (questions with stable ids) and the
//! platform readers that turn an export into one harmonised long table.
//!
//! The instrument is a TOML file per wave (`surveys/<wave>/instrument.toml`)
//! listing the questions and, per platform, which export column holds which
//! question. Qualtrics columns are matched on the stable `ImportId` of the
//! third header row (`QID3`, `QID6_1`), not on the editable column names.
//!
//! Each accepted respondent gives one row per answered question in the long
//! table (respondent, municipality, wave, question, value, label, number,
//! missing); unanswered questions give no row. Open answers also become
//! [`Source`]s for coding. Respondents that cannot be used are rejected with
//! the line and the reason: rows read = accepted + rejected, always.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Source, SourceKind, Wave};
use crate::project::Platform;
use crate::register::Register;
use crate::table::{parse_number, LineCounter};
use crate::Reject;

/// Question types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    /// One option out of several.
    Single,
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
            let needs_options = matches!(q.kind, QuestionType::Single | QuestionType::Likert);
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
            for (column, qid) in map {
                if !ids.contains(qid.as_str()) {
                    return Err(Error::invalid(path, format!("columns.{platform}: column '{column}' maps to unknown question '{qid}'")));
                }
            }
        }
        Ok(ins)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// What one survey export gave.
#[derive(Debug, Clone)]
pub struct SurveyData {
    /// Long table: respondent, municipality, wave, question, value, label,
    /// number (parsed numeric value or option code), missing.
    pub long: DataFrame,
    /// Accepted respondents: respondent id -> CBS code.
    pub respondents: BTreeMap<String, String>,
    /// Open answers as codable sources.
    pub sources: Vec<Source>,
    pub rows_read: usize,
    pub rejects: Vec<Reject>,
}

/// Qualtrics response statuses that are not real responses.
const QUALTRICS_NON_RESPONSE: &[(&str, &str)] = &[
    ("1", "a survey preview"),
    ("2", "a survey test"),
    ("8", "marked as spam"),
    ("9", "a preview marked as spam"),
    ("12", "imported spam"),
    ("17", "an offline preview"),
];

/// Reads a survey export with its instrument.
pub fn read_survey(
    path: &Path,
    platform: Platform,
    instrument: &Instrument,
    register: &Register,
    display_path: &str,
) -> Result<SurveyData> {
    match platform {
        Platform::Qualtrics => read_qualtrics(path, instrument, register, display_path),
    }
}

#[derive(Default)]
struct LongBuilder {
    respondent: Vec<String>,
    municipality: Vec<String>,
    question: Vec<String>,
    value: Vec<String>,
    label: Vec<String>,
    number: Vec<Option<f64>>,
    missing: Vec<bool>,
}

/// One decoded answer cell.
struct Answer {
    question: String,
    value: String,
    label: String,
    number: Option<f64>,
    missing: bool,
}

fn decode_cell(q: &Question, raw: &str) -> std::result::Result<Option<Answer>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let answer = |label: &str, number, missing| Answer {
        question: q.id.clone(),
        value: value.to_string(),
        label: label.to_string(),
        number,
        missing,
    };
    match q.kind {
        QuestionType::Single | QuestionType::Likert => {
            let opt = q
                .options
                .iter()
                .find(|o| o.code == value || o.label.eq_ignore_ascii_case(value))
                .ok_or_else(|| {
                    let codes: Vec<&str> = q.options.iter().map(|o| o.code.as_str()).collect();
                    format!(
                        "'{value}' is not an option of question '{}' (options: {})",
                        q.id,
                        codes.join(", ")
                    )
                })?;
            let number = if opt.missing {
                None
            } else {
                parse_number(&opt.code)
            };
            Ok(Some(Answer {
                question: q.id.clone(),
                value: opt.code.clone(),
                label: opt.label.clone(),
                number,
                missing: opt.missing,
            }))
        }
        QuestionType::Numeric => {
            if let Some(opt) = q.options.iter().find(|o| o.code == value) {
                return Ok(Some(answer(&opt.label, None, opt.missing)));
            }
            let n = parse_number(value)
                .ok_or_else(|| format!("'{value}' is not a number (question '{}')", q.id))?;
            Ok(Some(answer(value, Some(n), false)))
        }
        QuestionType::Open | QuestionType::Municipality => Ok(Some(answer(value, None, false))),
    }
}

/// Reads a Qualtrics CSV export in the current layout: row 1 column names,
/// row 2 question texts, row 3 JSON ImportIds (`{"ImportId":"QID3"}`).
fn read_qualtrics(
    path: &Path,
    ins: &Instrument,
    register: &Register,
    display_path: &str,
) -> Result<SurveyData> {
    let text = crate::text::read_text(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines = std::cell::RefCell::new(LineCounter::new(&text));
    let line_of = |p: Option<&csv::Position>| p.map(|p| lines.borrow_mut().line_at(p.byte()));
    let csv_err = |e: csv::Error| Error::Csv {
        path: path.to_path_buf(),
        line: line_of(e.position()),
        message: e.to_string(),
    };
    let mut records = reader.records();
    let mut header = |what: &str| -> Result<csv::StringRecord> {
        match records.next() {
            Some(r) => r.map_err(csv_err),
            None => Err(Error::invalid(path, format!("the file ends before the {what}; a Qualtrics export has three header rows (names, question texts, ImportIds)"))),
        }
    };
    let names = header("first header row")?;
    let _texts = header("second header row (question texts)")?;
    let ids = header("third header row (ImportIds)")?;
    let import_ids: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            parse_import_id(cell).ok_or_else(|| Error::Csv {
                path: path.to_path_buf(),
                line: line_of(ids.position()),
                message: format!(
                    "column {} ('{}'): '{cell}' is not a Qualtrics ImportId such as {{\"ImportId\":\"QID1\"}}; export with the current CSV layout (three header rows)",
                    i + 1,
                    names.get(i).unwrap_or("")
                ),
            })
        })
        .collect::<Result<_>>()?;
    let map = ins.columns.get("qualtrics").ok_or_else(|| {
        Error::invalid(
            path,
            "the instrument has no [columns.qualtrics] table mapping ImportIds to question ids",
        )
    })?;
    let find = |id: &str| import_ids.iter().position(|c| c == id);
    let rid_col = find("_recordId").ok_or_else(|| Error::MissingColumn {
        path: path.to_path_buf(),
        column: "ResponseId (ImportId _recordId)".into(),
        hint: "every response needs its id".into(),
    })?;
    let status_col = find("status");
    let mut mapped: Vec<(usize, &Question)> = Vec::new();
    for (import_id, qid) in map {
        let q = ins
            .question(qid)
            .expect("checked when the instrument was loaded");
        let col = find(import_id).ok_or_else(|| Error::MissingColumn {
            path: path.to_path_buf(),
            column: format!("{import_id} (question '{qid}')"),
            hint: "the instrument expects this ImportId; check that the export belongs to this survey or correct [columns.qualtrics]".into(),
        })?;
        mapped.push((col, q));
    }
    mapped.sort_by_key(|(c, _)| *c);
    let muni_col = mapped
        .iter()
        .find(|(_, q)| q.kind == QuestionType::Municipality)
        .map(|(c, _)| *c)
        .ok_or_else(|| {
            Error::invalid(
                path,
                "[columns.qualtrics] maps no column to the municipality question",
            )
        })?;

    let mut long = LongBuilder::default();
    let mut respondents = BTreeMap::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut sources = Vec::new();
    let mut rejects = Vec::new();
    let mut rows_read = 0;
    for rec in records {
        let rec = rec.map_err(csv_err)?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows_read += 1;
        let line = line_of(rec.position()).unwrap_or(0);
        let mut reject = |reason: String| rejects.push(Reject::new(display_path, line, reason));
        if rec.len() != names.len() {
            reject(format!(
                "the row has {} fields where the header has {}",
                rec.len(),
                names.len()
            ));
            continue;
        }
        let rid = rec.get(rid_col).unwrap_or("").trim().to_string();
        if rid.is_empty() {
            reject("the response has no ResponseId".into());
            continue;
        }
        if let Some(first) = seen.get(&rid) {
            reject(format!(
                "duplicate ResponseId {rid} (first on line {first})"
            ));
            continue;
        }
        seen.insert(rid.clone(), line);
        if let Some(sc) = status_col {
            let status = rec.get(sc).unwrap_or("").trim();
            if let Some((_, what)) = QUALTRICS_NON_RESPONSE.iter().find(|(c, _)| *c == status) {
                reject(format!(
                    "response {rid} is {what} (Status {status}), not a real response"
                ));
                continue;
            }
        }
        let typed = rec.get(muni_col).unwrap_or("").trim();
        let Some(m) = register.resolve(typed) else {
            reject(format!(
                "response {rid}: municipality '{typed}' is not in the register; add it as an alias in the register's 'aliassen' column"
            ));
            continue;
        };
        let mut answers = Vec::new();
        let mut bad = None;
        for &(col, q) in &mapped {
            match decode_cell(q, rec.get(col).unwrap_or("")) {
                Ok(Some(a)) => answers.push(a),
                Ok(None) => {}
                Err(msg) => {
                    bad = Some(format!(
                        "response {rid}, column {}: {msg}",
                        names.get(col).unwrap_or("")
                    ));
                    break;
                }
            }
        }
        if let Some(msg) = bad {
            reject(msg);
            continue;
        }
        for a in answers {
            if let Some(q) = ins.question(&a.question) {
                if q.kind == QuestionType::Open {
                    let mut meta = BTreeMap::new();
                    meta.insert("respondent".to_string(), rid.clone());
                    meta.insert("question".to_string(), q.id.clone());
                    meta.insert("question_text".to_string(), q.text.clone());
                    sources.push(Source {
                        id: format!("survey:{rid}:{}", q.id),
                        kind: SourceKind::SurveyAnswer,
                        municipality: Some(m.code.clone()),
                        wave: ins.wave,
                        text: a.value.clone(),
                        file: display_path.to_string(),
                        meta,
                    });
                }
            }
            long.respondent.push(rid.clone());
            long.municipality.push(m.code.clone());
            long.question.push(a.question);
            long.value.push(a.value);
            long.label.push(a.label);
            long.number.push(a.number);
            long.missing.push(a.missing);
        }
        respondents.insert(rid, m.code.clone());
    }
    let n = long.respondent.len();
    let df = DataFrame::new(
        n,
        vec![
            Column::new("respondent".into(), long.respondent),
            Column::new("municipality".into(), long.municipality),
            Column::new("wave".into(), vec![i32::from(ins.wave.year()); n]),
            Column::new("question".into(), long.question),
            Column::new("value".into(), long.value),
            Column::new("label".into(), long.label),
            Column::new("number".into(), long.number),
            Column::new("missing".into(), long.missing),
        ],
    )
    .map_err(|e| Error::invalid(path, format!("cannot build the response table: {e}")))?;
    Ok(SurveyData {
        long: df,
        respondents,
        sources,
        rows_read,
        rejects,
    })
}

/// Extracts the id from a current-layout ImportId cell: `{"ImportId":"QID1"}`,
/// possibly with `"timeZone"` or `"choiceId"` keys.
fn parse_import_id(cell: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(cell).ok()?;
    v.get("ImportId")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_parse() {
        assert_eq!(
            parse_import_id(r#"{"ImportId":"QID3"}"#).as_deref(),
            Some("QID3")
        );
        assert_eq!(
            parse_import_id(r#"{"ImportId":"startDate","timeZone":"Europe/Amsterdam"}"#).as_deref(),
            Some("startDate")
        );
        assert_eq!(parse_import_id("Q3"), None);
    }
}
