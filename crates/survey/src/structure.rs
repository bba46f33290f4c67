//! Survey definitions: what the questions are, their answer codes and labels.
//!
//! Read from the files the platforms export beside the responses:
//! Qualtrics `.qsf` (JSON), LimeSurvey `.lss` survey and `.lsg` group
//! structures (XML, LimeSurvey 2 to 6), the LimeSurvey tab-separated
//! structure (`.tsv`/`.txt`), queXML (`.xml`) and the syntax file of
//! LimeSurvey's "R (data + syntax)" export (`.R`). A [`Structure`] labels the
//! codes in a raw export ([`Structure::apply`]) and is the starting point for
//! an instrument (`pokeval instrument`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::XmlVersion;
use serde::Serialize;

use crate::raw::Export;
use pokeval_formats::xml::next_event;
use pokeval_model::error::{Error, Result};
use pokeval_model::text::plain;

/// One question of a survey definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StructQuestion {
    /// Platform id (Qualtrics `QID3`, LimeSurvey qid, queXML varName).
    pub id: String,
    /// The code in exports (Qualtrics DataExportTag, LimeSurvey title).
    pub code: String,
    /// The question as asked.
    pub text: String,
    /// The platform's question type (`MC`, `Matrix`, `L`, `M`, ...).
    pub kind: String,
    /// Several answers may be chosen.
    pub multiple: bool,
    /// Answer options: code -> label.
    pub options: Vec<(String, String)>,
    /// Statements or sub-questions: code -> text.
    pub items: Vec<(String, String)>,
}

/// A survey definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Structure {
    /// Which kind of file it came from (`qsf`, `lss`, `tsv`, `quexml`, `r-syntax`).
    pub format: String,
    /// The survey's title.
    pub title: String,
    /// Its questions, in order.
    pub questions: Vec<StructQuestion>,
    /// R syntax only: per column position, the code the column is renamed to.
    pub column_codes: Vec<String>,
}

/// Reads a structure file, choosing the reader by extension and content.
pub fn read_structure(path: &Path, display: &str) -> Result<Structure> {
    let text = pokeval_model::text::read_text(path)?;
    let ext = pokeval_model::fsio::extension(path);
    let head = text.trim_start();
    let s = if ext == "qsf" || head.starts_with("{\"SurveyEntry\"") {
        qsf(&text, display)?
    } else if ext == "r" {
        r_syntax(&text, display)?
    } else if head.starts_with("<?xml") || head.starts_with('<') {
        if text.contains("<questionnaire") {
            quexml(&text, display)?
        } else {
            lss(&text, display)?
        }
    } else if text
        .lines()
        .next()
        .is_some_and(|l| l.split('\t').any(|c| c == "class"))
    {
        tsv(&text)
    } else {
        return Err(Error::Unsupported {
            path: display.into(),
            message: "not a survey structure this version reads (.qsf, .lss, .lsg, LimeSurvey .tsv, queXML .xml or an R syntax file)".into(),
        });
    };
    if s.questions.is_empty() && s.column_codes.is_empty() {
        return Err(Error::Empty {
            path: display.into(),
            what: format!("the {} file defines no questions", s.format),
        });
    }
    Ok(s)
}

fn entries(v: &serde_json::Value) -> Vec<(String, &serde_json::Value)> {
    match v {
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_null())
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    }
}

fn sort_numeric(v: &mut [(String, String)]) {
    v.sort_by_key(|(k, _)| (k.parse::<i64>().unwrap_or(i64::MAX), k.clone()));
}

fn qsf(text: &str, display: &str) -> Result<Structure> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Malformed {
        path: display.into(),
        format: "JSON",
        message: format!("not a valid .qsf (JSON): {e}"),
    })?;
    let title = v
        .pointer("/SurveyEntry/SurveyName")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_string();
    let mut questions = Vec::new();
    for el in v
        .get("SurveyElements")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
    {
        if el.get("Element").and_then(|e| e.as_str()) != Some("SQ") {
            continue;
        }
        let Some(p) = el.get("Payload").filter(|p| p.is_object()) else {
            continue;
        };
        let s = |k: &str| p.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let kind = s("QuestionType");
        let selector = s("Selector");
        let sub = s("SubSelector");
        let recode: HashMap<String, String> = p
            .get("RecodeValues")
            .map(entries)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        let display_of =
            |v: &serde_json::Value| plain(v.get("Display").and_then(|d| d.as_str()).unwrap_or(""));
        let choices: Vec<(String, String)> = p
            .get("Choices")
            .map(entries)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, display_of(v)))
            .collect();
        let answers: Vec<(String, String)> = p
            .get("Answers")
            .map(entries)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, display_of(v)))
            .collect();
        let multiple = selector.starts_with("MA") || sub == "MultipleAnswer";
        let (mut options, mut items) = if kind == "Matrix" || kind == "SBS" {
            let opts = answers
                .into_iter()
                .map(|(k, l)| (recode.get(&k).cloned().unwrap_or(k), l))
                .collect();
            (opts, choices)
        } else if kind == "MC" && !multiple {
            let opts = choices
                .into_iter()
                .map(|(k, l)| (recode.get(&k).cloned().unwrap_or(k), l))
                .collect();
            (opts, Vec::new())
        } else {
            // Multiple answer, sliders, text entry forms: one column per choice.
            (Vec::new(), choices)
        };
        sort_numeric(&mut options);
        sort_numeric(&mut items);
        questions.push(StructQuestion {
            id: s("QuestionID"),
            code: s("DataExportTag"),
            text: plain(&s("QuestionText")),
            kind: if selector.is_empty() {
                kind
            } else {
                format!("{kind}/{selector}")
            },
            multiple,
            options,
            items,
        });
    }
    questions.sort_by_key(|q| {
        q.id.trim_start_matches("QID")
            .parse::<i64>()
            .unwrap_or(i64::MAX)
    });
    Ok(Structure {
        format: "qsf".into(),
        title,
        questions,
        column_codes: Vec::new(),
    })
}

pub(crate) type Table = Vec<BTreeMap<String, String>>;

/// Reads the `<table><rows><row><field>value</field>...` tables of an
/// .lss/.lsg document.
pub(crate) fn xml_tables(text: &str, display: &str) -> Result<HashMap<String, Table>> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut tables: HashMap<String, Table> = HashMap::new();
    let mut row: Option<BTreeMap<String, String>> = None;
    let mut value = String::new();
    loop {
        let Some(event) = next_event(&mut reader, display, &mut value)? else {
            continue;
        };
        match event {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                if name == "row" {
                    row = Some(BTreeMap::new());
                }
                value.clear();
                stack.push(name);
            }
            Event::Empty(e) => {
                if let Some(r) = row.as_mut() {
                    r.insert(e.name().as_ref().to_string(), String::new());
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                if name == "row" {
                    // <table><rows><row>: the table is two levels up.
                    let table = stack
                        .len()
                        .checked_sub(2)
                        .and_then(|i| stack.get(i))
                        .cloned()
                        .unwrap_or_default();
                    if let Some(r) = row.take() {
                        tables.entry(table).or_default().push(r);
                    }
                } else if let Some(r) = row.as_mut() {
                    if stack.last().map(String::as_str) == Some("row") {
                        r.insert(name, std::mem::take(&mut value));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(tables)
}

/// LimeSurvey question types that allow several answers.
fn ls_multiple(kind: &str) -> bool {
    matches!(kind, "M" | "P")
}

pub(crate) fn lss(text: &str, display: &str) -> Result<Structure> {
    let t = xml_tables(text, display)?;
    let get = |name: &str| t.get(name).cloned().unwrap_or_default();
    let f = |r: &BTreeMap<String, String>, k: &str| r.get(k).cloned().unwrap_or_default();
    let questions = get("questions");
    let subquestions = get("subquestions");
    let q_l10n = get("question_l10ns");
    let answers = get("answers");
    let a_l10n = get("answer_l10ns");
    // The first language a question appears in is the base language.
    let base = questions
        .iter()
        .chain(q_l10n.iter())
        .find_map(|r| r.get("language").cloned())
        .unwrap_or_default();
    let in_base = |r: &BTreeMap<String, String>| {
        r.get("language")
            .map(|l| l.is_empty() || *l == base)
            .unwrap_or(true)
    };
    let text_of: HashMap<String, String> = q_l10n
        .iter()
        .filter(|r| in_base(r))
        .map(|r| (f(r, "qid"), plain(&f(r, "question"))))
        .collect();
    let answer_text: HashMap<String, String> = a_l10n
        .iter()
        .filter(|r| in_base(r))
        .map(|r| (f(r, "aid"), plain(&f(r, "answer"))))
        .collect();
    let all: Vec<&BTreeMap<String, String>> = questions
        .iter()
        .chain(subquestions.iter())
        .filter(|r| in_base(r))
        .collect();
    let q_text = |r: &BTreeMap<String, String>| {
        r.get("question")
            .map(|q| plain(q))
            .or_else(|| text_of.get(&f(r, "qid")).cloned())
            .unwrap_or_default()
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in all
        .iter()
        .filter(|r| f(r, "parent_qid").trim_start_matches('0').is_empty())
    {
        let qid = f(r, "qid");
        if !seen.insert(qid.clone()) {
            continue;
        }
        let kind = f(r, "type");
        let mut items: Vec<(String, String)> = all
            .iter()
            .filter(|s| f(s, "parent_qid") == qid)
            .map(|s| (f(s, "title"), q_text(s)))
            .collect();
        items.dedup();
        let mut options: Vec<(String, String)> = answers
            .iter()
            .filter(|a| f(a, "qid") == qid && in_base(a))
            .map(|a| {
                let label = a
                    .get("answer")
                    .map(|x| plain(x))
                    .or_else(|| answer_text.get(&f(a, "aid")).cloned())
                    .unwrap_or_default();
                (f(a, "code"), label)
            })
            .collect();
        options.dedup();
        out.push(StructQuestion {
            id: qid,
            code: f(r, "title"),
            text: q_text(r),
            multiple: ls_multiple(&kind),
            kind,
            options,
            items,
        });
    }
    out.sort_by_key(|q| q.id.parse::<i64>().unwrap_or(i64::MAX));
    let title = get("surveys_languagesettings")
        .first()
        .map(|r| f(r, "surveyls_title"))
        .or_else(|| get("groups").first().map(|r| f(r, "group_name")))
        .or_else(|| get("group_l10ns").first().map(|r| f(r, "group_name")))
        .unwrap_or_default();
    Ok(Structure {
        format: "lss".into(),
        title,
        questions: out,
        column_codes: Vec::new(),
    })
}

fn quexml(text: &str, display: &str) -> Result<Structure> {
    // Question text, responses (varName) with categories, sub-questions.
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut out: Vec<StructQuestion> = Vec::new();
    let mut q_text = String::new();
    let mut sub_var = String::new();
    let mut cat = (String::new(), String::new());
    let mut buf = String::new();
    let mut title = String::new();
    let mut current: Option<usize> = None;
    let mut pending_items: Vec<(String, String)> = Vec::new();
    loop {
        let Some(event) = next_event(&mut reader, display, &mut buf)? else {
            continue;
        };
        match event {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .and_then(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .ok()
                                .map(std::borrow::Cow::into_owned)
                        })
                        .unwrap_or_default()
                };
                match name.as_str() {
                    "question" => {
                        q_text.clear();
                        pending_items.clear();
                        current = None;
                    }
                    "subQuestion" => sub_var = attr("varName"),
                    "response" => {
                        let var = attr("varName");
                        out.push(StructQuestion {
                            id: var.clone(),
                            code: var,
                            text: q_text.clone(),
                            kind: "quexml".into(),
                            items: pending_items.clone(),
                            ..Default::default()
                        });
                        current = Some(out.len() - 1);
                    }
                    _ => {}
                }
                buf.clear();
                stack.push(name);
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let parent = stack.last().map(String::as_str).unwrap_or("");
                match (name.as_str(), parent) {
                    ("title", "questionnaire") => title = plain(&buf),
                    ("text", "question") => {
                        if !q_text.is_empty() {
                            q_text.push(' ');
                        }
                        q_text.push_str(&plain(&buf));
                    }
                    ("text", "subQuestion") => {
                        pending_items.push((sub_var.clone(), plain(&buf)));
                        if let Some(q) = current.and_then(|i| out.get_mut(i)) {
                            q.items.push((sub_var.clone(), plain(&buf)));
                        }
                    }
                    ("label", "category") => cat.1 = plain(&buf),
                    ("value", "category") => cat.0 = buf.trim().to_string(),
                    ("category", _) => {
                        if let Some(q) = current.and_then(|i| out.get_mut(i)) {
                            q.options.push(std::mem::take(&mut cat));
                        }
                    }
                    _ => {}
                }
                buf.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Structure {
        format: "quexml".into(),
        title,
        questions: out,
        column_codes: Vec::new(),
    })
}

/// The LimeSurvey tab-separated structure (classes S, SL, G, Q, SQ, A).
fn tsv(text: &str) -> Structure {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .flexible(true)
        .quoting(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (c_class, c_type, c_name, c_text, c_lang) = (
        col("class"),
        col("type/scale"),
        col("name"),
        col("text"),
        col("language"),
    );
    let mut out: Vec<StructQuestion> = Vec::new();
    let mut base = String::new();
    let mut title = String::new();
    for rec in rdr.records().flatten() {
        let g = |c: Option<usize>| c.and_then(|i| rec.get(i)).unwrap_or("").to_string();
        let class = g(c_class);
        let lang = g(c_lang);
        if class == "S" && g(c_name) == "language" {
            base = g(c_text);
        }
        if class == "SL" && g(c_name) == "surveyls_title" && title.is_empty() {
            title = g(c_text);
        }
        if !lang.is_empty() && !base.is_empty() && lang != base {
            continue;
        }
        match class.as_str() {
            "Q" => {
                let kind = g(c_type);
                out.push(StructQuestion {
                    id: g(c_name),
                    code: g(c_name),
                    text: plain(&g(c_text)),
                    multiple: ls_multiple(&kind),
                    kind,
                    ..Default::default()
                });
            }
            "SQ" => {
                if let Some(q) = out.last_mut() {
                    q.items.push((g(c_name), plain(&g(c_text))));
                }
            }
            "A" => {
                if let Some(q) = out.last_mut() {
                    q.options.push((g(c_name), plain(&g(c_text))));
                }
            }
            _ => {}
        }
    }
    Structure {
        format: "tsv".into(),
        title,
        questions: out,
        column_codes: Vec::new(),
    }
}

/// Splits the inside of `c(...)` into its string elements.
fn r_vector(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in inner.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    cur.push(c);
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    out.push(std::mem::take(&mut cur));
                } else {
                    cur.push(c);
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                ',' | ' ' => {
                    if !cur.trim().is_empty() {
                        out.push(std::mem::take(&mut cur).trim().to_string());
                    }
                    cur.clear();
                }
                _ => cur.push(c),
            },
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The syntax file of LimeSurvey's R export: per column its code
/// (`names(data)[i] <- "code"`), its question text (`variable.labels`) and
/// the factor levels and labels of coded answers. A column number beyond
/// the most columns an export may have ([`crate::MAX_FIELDS`]) is an
/// error naming its line: the file cannot belong to an export this reads.
fn r_syntax(text: &str, display: &str) -> Result<Structure> {
    let idx = |s: &str| -> Option<usize> { s.trim().parse::<usize>().ok().filter(|&i| i > 0) };
    let mut codes: BTreeMap<usize, String> = BTreeMap::new();
    let mut labels: BTreeMap<usize, String> = BTreeMap::new();
    let mut levels: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for (line_no, line) in text.lines().enumerate() {
        let line = line.trim();
        // the column number of an assignment, refused beyond the most
        // columns an export may have
        let idx = |s: &str| -> Result<Option<usize>> {
            match idx(s) {
                Some(i) if i > crate::MAX_FIELDS => Err(Error::TooLarge {
                    path: display.into(),
                    message: format!(
                        "line {}: column {i} is beyond the {} columns an export may have; use the R syntax file LimeSurvey wrote with the export",
                        line_no + 1,
                        crate::MAX_FIELDS
                    ),
                }),
                i => Ok(i),
            }
        };
        if let Some(rest) = line.strip_prefix("names(data)[") {
            if let Some((i, v)) = rest.split_once("] <- ") {
                if let (Some(i), Some(v)) = (idx(i)?, r_vector(v).into_iter().next()) {
                    codes.insert(i, v);
                }
            }
        } else if let Some(rest) = line.strip_prefix("attributes(data)$variable.labels[") {
            if let Some((i, v)) = rest.split_once("] <- ") {
                if let (Some(i), Some(v)) = (idx(i)?, r_vector(v).into_iter().next()) {
                    labels.insert(i, v);
                }
            }
        } else if line.starts_with("data[, ") && line.contains("factor(") {
            let Some(i) = line
                .strip_prefix("data[, ")
                .and_then(|r| r.split_once(']'))
                .map(|(i, _)| idx(i))
                .transpose()?
                .flatten()
            else {
                continue;
            };
            let grab = |key: &str| -> Vec<String> {
                line.split_once(key)
                    .and_then(|(_, r)| {
                        // The vector ends at the first ")" outside quotes.
                        let mut q: Option<char> = None;
                        let mut esc = false;
                        for (p, c) in r.char_indices() {
                            match q {
                                Some(qc) => {
                                    if esc {
                                        esc = false;
                                    } else if c == '\\' {
                                        esc = true;
                                    } else if c == qc {
                                        q = None;
                                    }
                                }
                                None if c == '"' || c == '\'' => q = Some(c),
                                None if c == ')' => return Some(r_vector(&r[..p])),
                                None => {}
                            }
                        }
                        None
                    })
                    .unwrap_or_default()
            };
            let lv = grab("levels=c(");
            let lb = grab("labels=c(");
            if lv.len() == lb.len() && !lv.is_empty() {
                levels.insert(i, lv.into_iter().zip(lb).collect());
            }
        }
    }
    let n = codes
        .keys()
        .chain(labels.keys())
        .copied()
        .max()
        .unwrap_or(0);
    let column_codes: Vec<String> = (1..=n)
        .map(|i| codes.get(&i).cloned().unwrap_or_default())
        .collect();
    let questions = (1..=n)
        .filter_map(|i| {
            let code = codes.get(&i)?.clone();
            Some(StructQuestion {
                id: code.clone(),
                code,
                text: labels.get(&i).cloned().unwrap_or_default(),
                kind: "r".into(),
                options: levels.get(&i).cloned().unwrap_or_default(),
                ..Default::default()
            })
        })
        .collect();
    Ok(Structure {
        format: "r-syntax".into(),
        title: String::new(),
        questions,
        column_codes,
    })
}

impl Structure {
    /// Labels the codes of a raw export: renames columns after an R syntax
    /// file, fills question texts, choice texts and value labels where the
    /// export lacks them. Returns how many columns it matched.
    pub fn apply(&self, export: &mut Export) -> Result<usize> {
        if !self.column_codes.is_empty() {
            // LimeSurvey leaves the timing columns at the end out of the syntax.
            if self.column_codes.len() > export.columns.len() {
                return Err(Error::Mismatch {
                    path: export.file.clone().into(),
                    message: format!(
                        "the R syntax file describes {} columns but the data file has {}; use the syntax file of the same export",
                        self.column_codes.len(),
                        export.columns.len()
                    ),
                });
            }
            for (c, code) in export.columns.iter_mut().zip(&self.column_codes) {
                if !code.is_empty() {
                    c.key = code.clone();
                }
            }
            crate::raw::dedupe_keys(&mut export.columns);
        }
        let by_id: HashMap<&str, &StructQuestion> =
            self.questions.iter().map(|q| (q.id.as_str(), q)).collect();
        let by_code: HashMap<&str, &StructQuestion> = self
            .questions
            .iter()
            .map(|q| (q.code.as_str(), q))
            .collect();
        let mut matched = 0;
        for (i, c) in export.columns.iter_mut().enumerate() {
            // Whole question (QID3, Q3, code) or question + suffix (QID3_1,
            // Q3_1, code[SQ001], code_TEXT).
            let found = [c.key.as_str(), c.name.as_str()].iter().find_map(|k| {
                if let Some(q) = by_id.get(k).or_else(|| by_code.get(k)) {
                    return Some((*q, None));
                }
                let (head, tail) = match k.split_once('[') {
                    Some((h, t)) => (h, t.trim_end_matches(']')),
                    None => k.split_once('_')?,
                };
                by_id
                    .get(head)
                    .or_else(|| by_code.get(head))
                    .map(|q| (*q, Some(tail.to_string())))
            });
            let Some((q, tail)) = found else { continue };
            matched += 1;
            if c.text.is_empty() || c.text == c.name || c.text == c.key {
                c.text = q.text.clone();
            }
            let item = tail.as_deref().and_then(|t| {
                let first = t.split('_').next().unwrap_or(t);
                q.items.iter().find(|(code, _)| code == t || code == first)
            });
            if let Some((_, text)) = item {
                if c.choice.is_none() {
                    c.choice = Some(text.clone());
                }
            }
            let is_text = tail
                .as_deref()
                .is_some_and(|t| t.ends_with("TEXT") || t == "other" || t == "comment");
            if is_text {
                continue;
            }
            if q.multiple && q.options.is_empty() {
                // One column per choice: "1" (or "Y") means chosen.
                if let Some((_, text)) = item {
                    let m = export.labels.entry(i).or_default();
                    m.entry("1".into()).or_insert_with(|| text.clone());
                    m.entry("Y".into()).or_insert_with(|| text.clone());
                }
            } else if !q.options.is_empty() {
                let m = export.labels.entry(i).or_default();
                for (code, label) in &q.options {
                    m.entry(code.clone()).or_insert_with(|| label.clone());
                }
            }
        }
        Ok(matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_r_syntax_column_beyond_any_export_is_an_error_with_its_line() {
        let ok = "data <- read.csv(\"x.csv\")\nnames(data)[2] <- \"Q1\"\nattributes(data)$variable.labels[2] <- \"Vraag een\"\n";
        let s = r_syntax(ok, "syntax.R").unwrap();
        assert_eq!(s.column_codes, ["", "Q1"]);
        assert_eq!(s.questions[0].text, "Vraag een");
        // the index a fuzz input gave: not a column list of 12e18 entries
        let bad = "data <- read.csv(\"x.csv\")\nnames(data)[12297829382473034411] <- \"Q1\"\n";
        let e = r_syntax(bad, "syntax.R").unwrap_err().to_string();
        assert!(
            e.starts_with(
                "syntax.R: line 2: column 12297829382473034411 is beyond the 32768 columns"
            ),
            "{e}"
        );
        let bad = "data[, 40000] <- factor(data[, 40000], levels=c(\"1\"),labels=c(\"Ja\"))\n";
        assert!(r_syntax(bad, "s.R").is_err());
    }
}
