//! From export records to the long table, one record at a time.
//!
//! A [`Plan`] says what each export column that matters holds: a question
//! coded against the instrument, text taken as typed, or (without an
//! instrument) the platform's own codes; and which columns hold the
//! respondent id, the response status, the municipality and the submission
//! time. A [`Decoder`] (one per thread, with a cache of the distinct cells
//! of every coded column) turns records into a [`Part`]: answers as
//! category ids, plus what each record says about itself. [`finish`] checks
//! the records (ids, duplicates, test responses, municipality), drops the
//! rejected ones and builds the long table.
//!
//! The same decoder serves every source: the streaming CSV reader
//! ([`crate::records::stream`]) feeds it fields straight from the file, and
//! [`frame`] feeds it the text columns of any [`Export`] (SPSS, workbooks,
//! archives, small CSV files). Both give the same table, row for row: one
//! row per answer, respondent by respondent in file order, and within a
//! respondent in column order.
//!
//! Respondent, municipality, question and label are categorical columns on
//! polars' global categories: four bytes a cell instead of a sixteen-byte
//! text view. The value is text: open answers are unique, and adding a new
//! string to polars' category mapping costs more than reading it. An open
//! answer has no label.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use polars_arrow::array::{Utf8ViewArray, View};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::ArrowDataType;
use polars_buffer::Buffer;

use crate::raw::{Export, MissingSpec, Platform};
use crate::{
    dates, decode_coded, is_na_text, plain_number, Instrument, Question, QuestionType, Refused,
    Responses, Target, QUALTRICS_NON_RESPONSE, YES,
};
use pokeval_model::error::{Error, Result};
use pokeval_model::resolve::{Resolution, Resolver};
use pokeval_model::table::parse_number;
use pokeval_model::Wave;
use pokeval_model::{Reject, RejectKind};

/// One answer as the long table stores it: question and label as category
/// ids (`NO_LABEL` for none), the value as a string view (inline up to
/// twelve bytes, else in the plan's `long_values`, buffer 1), `number` NaN
/// when there is none.
#[derive(Debug, Clone, Copy)]
struct Answer {
    question: u32,
    value: View,
    label: u32,
    number: f64,
    missing: bool,
}

const NO_LABEL: u32 = u32::MAX;

/// What an export column holds.
enum Kind<'a> {
    /// Coded against the instrument's options.
    Coded {
        q: &'a Question,
        target: Target<'a>,
        /// Indexes into the plan's question names.
        qi: u32,
        other_qi: u32,
    },
    /// Taken as typed and repeated often (the municipality, numbers
    /// without options): cached like codes, the text is its own label.
    Typed { q: &'a Question, numeric: bool },
    /// Open answers and "other" texts: unique, so not cached, kept in the
    /// part's own text and without label. `imply` is the answer of the
    /// "other" option an "other" text stands for when no column ticks it.
    Open { imply: Option<Answer> },
    /// The platform's own codes and labels (no instrument).
    Raw,
}

struct ColPlan<'a> {
    col: usize,
    /// The category id of the question of this column's answers.
    question: u32,
    kind: Kind<'a>,
    labels: Option<&'a BTreeMap<String, String>>,
    missing: Option<&'a MissingSpec>,
    /// The SPSS category set the column is a variable of: an option it
    /// holds that an earlier variable of the set held is not counted again.
    set: Option<u32>,
}

/// What to read from an export's columns.
pub(crate) struct Plan<'a> {
    cols: Vec<ColPlan<'a>>,
    id_col: Option<usize>,
    status_col: Option<usize>,
    muni_col: Option<usize>,
    submitted_col: Option<usize>,
    /// Category ids of the question names.
    qcats: Vec<u32>,
    mapping: Arc<CategoricalMapping>,
    dtype: DataType,
    qualtrics: bool,
    file: &'a str,
    /// Coded values longer than twelve bytes, one after the other (new
    /// ones are rare: only cells no decoder has seen add one).
    long_values: Mutex<Vec<u8>>,
}

impl<'a> Plan<'a> {
    fn base(export: &'a Export, id_col: Option<usize>, names: &[String]) -> Result<Plan<'a>> {
        let categories = Categories::global();
        let mapping = categories.mapping();
        let dtype = DataType::from_categories(categories);
        let mut plan = Plan {
            cols: Vec::new(),
            id_col,
            status_col: status_column(export),
            muni_col: None,
            submitted_col: export.submitted_column(),
            qcats: Vec::with_capacity(names.len()),
            mapping,
            dtype,
            qualtrics: export.layout.platform() == Platform::Qualtrics,
            file: &export.file,
            long_values: Mutex::new(Vec::new()),
        };
        for n in names {
            let c = plan.cat(n)?;
            plan.qcats.push(c);
        }
        Ok(plan)
    }

    /// The plan for applying `instrument` to `export`.
    pub(crate) fn for_instrument(
        export: &'a Export,
        instrument: &'a Instrument,
    ) -> Result<Plan<'a>> {
        let platform = export.layout.platform();
        let map = instrument.columns.get(platform.name()).ok_or_else(|| {
            Error::NotFound {
                path: export.file.clone().into(),
                what: format!(
                    "the instrument has no [columns.{}] table saying which column holds which question; the file is a {}",
                    platform.name(),
                    export.layout.describe()
                ),
            }
        })?;
        // (column, target, the multiple-response set it belongs to)
        let mut targets: Vec<(usize, Target, Option<u32>)> = Vec::new();
        let mut id_col = export.respondent_column();
        for (column, t) in map {
            let target = instrument.target(t).map_err(|m| Error::Setting {
                path: export.file.clone().into(),
                key: format!("columns.{}", platform.name()),
                message: m.to_string(),
            })?;
            // An SPSS multiple-response set (`"$kanalen" = "kanalen"`): the
            // variables of a dichotomy set are the question's options, in
            // order; each variable of a category set holds one chosen
            // option's code (a code held twice counts once).
            if let Some((set_no, set)) = export
                .mr_sets
                .iter()
                .enumerate()
                .find(|(_, s)| s.name == *column)
            {
                let bad = |m: String| Error::Setting {
                    path: export.file.clone().into(),
                    key: format!("columns.{}", platform.name()),
                    message: format!("{column}: {m}"),
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
                let fits = q.kind == QuestionType::Multiple
                    && match &set.counted {
                        Some(_) => counted_is_yes && set.columns.len() == q.options.len(),
                        None => true,
                    };
                if !fits {
                    return Err(bad(format!(
                        "the set has {} variables ({}) and question '{}' is {:?} with {} options; a dichotomy set counting 1 maps to a multiple-choice question with one option per variable, a category set to a multiple-choice question whose options are its codes; otherwise map the variables one by one",
                        set.columns.len(),
                        if set.counted.is_some() { "dichotomy" } else { "categories" },
                        q.id,
                        q.kind,
                        q.options.len()
                    )));
                }
                for (i, member) in set.columns.iter().enumerate() {
                    let col = export.find(member).ok_or_else(|| {
                        bad(format!("variable {member} of the set is not in the file"))
                    })?;
                    match set.counted {
                        Some(_) => targets.push((col, Target::Option(q, i), None)),
                        None => targets.push((col, Target::Whole(q), Some(set_no as u32))),
                    }
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
                _ => targets.push((col, target, None)),
            }
        }
        targets.sort_by_key(|(c, _, _)| *c);
        // Question ids in instrument order, then "<id>:other".
        let mut names: Vec<String> = instrument.questions.iter().map(|q| q.id.clone()).collect();
        names.extend(
            instrument
                .questions
                .iter()
                .map(|q| format!("{}:other", q.id)),
        );
        let nq = instrument.questions.len() as u32;
        let mut plan = Plan::base(export, id_col, &names)?;
        plan.muni_col = targets
            .iter()
            .find(|(_, t, _)| matches!(t, Target::Whole(q) if q.kind == QuestionType::Municipality))
            .map(|(c, _, _)| *c);
        for (col, target, set) in &targets {
            let q = match target {
                Target::Whole(q) | Target::Option(q, _) | Target::Other(q) => *q,
                Target::Respondent => continue,
            };
            let qi = instrument
                .questions
                .iter()
                .position(|x| x.id == q.id)
                .unwrap_or(0) as u32;
            let labels = export.labels.get(col);
            let missing = export.missing.get(col);
            let other = matches!(target, Target::Other(_));
            let free = other
                || matches!(q.kind, QuestionType::Open | QuestionType::Municipality)
                || (q.kind == QuestionType::Numeric
                    && q.options.is_empty()
                    && missing.is_none()
                    && labels.is_none());
            let kind = if free {
                // An "other" text means the "other" option was chosen, when
                // no column says so itself.
                let imply = match target {
                    Target::Other(q) if q.kind == QuestionType::Multiple => {
                        q.options.iter().position(|o| o.other).filter(|oi| {
                            !targets.iter().any(|(_, t2, _)| {
                                matches!(t2, Target::Option(q2, i2) if q2.id == q.id && i2 == oi)
                            })
                        })
                    }
                    _ => None,
                };
                let imply = match imply {
                    Some(oi) => {
                        let o = &q.options[oi];
                        let a = Answer {
                            question: plan.qcats[qi as usize],
                            value: plan.view(&o.code)?,
                            label: plan.cat(&o.label)?,
                            number: if o.missing {
                                f64::NAN
                            } else {
                                parse_number(&o.code).unwrap_or(f64::NAN)
                            },
                            missing: o.missing,
                        };
                        Some(a)
                    }
                    None => None,
                };
                let numeric = q.kind == QuestionType::Numeric && !other;
                if numeric || q.kind == QuestionType::Municipality {
                    Kind::Typed { q, numeric }
                } else {
                    Kind::Open { imply }
                }
            } else {
                Kind::Coded {
                    q,
                    target: *target,
                    qi,
                    other_qi: nq + qi,
                }
            };
            plan.cols.push(ColPlan {
                col: *col,
                question: plan.qcats[(if other { nq + qi } else { qi }) as usize],
                kind,
                labels,
                missing,
                set: *set,
            });
        }
        Ok(plan)
    }

    /// The plan for the platform's own view: every column but the
    /// respondent id, keyed as the export keys it.
    pub(crate) fn raw(export: &'a Export) -> Result<Plan<'a>> {
        let id_col = export.respondent_column();
        let names: Vec<String> = export.columns.iter().map(|c| c.key.clone()).collect();
        let mut plan = Plan::base(export, id_col, &names)?;
        for col in 0..export.columns.len() {
            if Some(col) == id_col {
                continue;
            }
            plan.cols.push(ColPlan {
                col,
                question: plan.qcats[col],
                kind: Kind::Raw,
                labels: export.labels.get(&col),
                missing: export.missing.get(&col),
                set: None,
            });
        }
        Ok(plan)
    }

    /// The category id of `s`.
    fn cat(&self, s: &str) -> Result<u32> {
        self.mapping
            .insert_cat(s)
            .map_err(|e| crate::table_error(self.file, format!("cannot store '{s}'"), e))
    }

    /// The value column's view of `v`.
    fn view(&self, v: &str) -> Result<View> {
        if v.len() <= View::MAX_INLINE_SIZE as usize {
            return Ok(View::new_inline(v.as_bytes()));
        }
        let mut long = self
            .long_values
            .lock()
            .map_err(|_| crate::internal(self.file, "a decoding thread stopped unexpectedly"))?;
        let Ok(offset) = u32::try_from(long.len()) else {
            return Err(Error::TooLarge {
                path: self.file.into(),
                message: "more than 4 GB of distinct answers".into(),
            });
        };
        long.extend_from_slice(v.as_bytes());
        Ok(View::new_from_bytes(v.as_bytes(), 1, offset))
    }

    /// Decodes one cell (trimmed) of a cached column: its answers, or why
    /// it is not an answer.
    fn decode(&self, c: &ColPlan, t: &str) -> Result<std::result::Result<Decoded, Refused>> {
        let (answers, as_other) = match &c.kind {
            Kind::Coded {
                q,
                target,
                qi,
                other_qi,
            } => {
                let lab = c.labels.and_then(|l| l.get(t)).map(String::as_str);
                let miss = c.missing.is_some_and(|m| m.contains(t));
                let (entries, as_other) =
                    match decode_coded(q, *qi, *other_qi, target, t, lab, miss) {
                        Ok(e) => e,
                        Err(m) => return Ok(Err(m)),
                    };
                let mut out = Vec::with_capacity(entries.len());
                for e in entries {
                    out.push(Answer {
                        question: self.qcats[e.question as usize],
                        value: self.view(&e.value)?,
                        label: self.cat(&e.label)?,
                        number: e.number.unwrap_or(f64::NAN),
                        missing: e.missing,
                    });
                }
                (out, as_other.map(String::into_boxed_str))
            }
            Kind::Raw => {
                let label = c
                    .labels
                    .and_then(|l| l.get(t))
                    .map(String::as_str)
                    .unwrap_or(t);
                let number = plain_number(t);
                let declared = c.missing.is_some_and(|m| m.contains(t));
                let negative_recode =
                    self.qualtrics && number.is_some_and(|n| n < 0.0 && n.fract() == 0.0);
                let miss = declared || negative_recode || is_na_text(label) || is_na_text(t);
                let answer = Answer {
                    question: c.question,
                    value: self.view(t)?,
                    label: self.cat(label)?,
                    number: if miss {
                        f64::NAN
                    } else {
                        number.unwrap_or(f64::NAN)
                    },
                    missing: miss,
                };
                (vec![answer], None)
            }
            Kind::Open { .. } => {
                return Ok(Err(Refused::OpenNotCached));
            }
            Kind::Typed { q, numeric } => {
                let number = if *numeric {
                    match parse_number(t) {
                        Some(n) => n,
                        None => {
                            return Ok(Err(Refused::NotANumber {
                                value: t.to_string(),
                                question: q.id.clone(),
                            }))
                        }
                    }
                } else {
                    f64::NAN
                };
                let answer = Answer {
                    question: c.question,
                    value: self.view(t)?,
                    label: self.cat(t)?,
                    number,
                    missing: false,
                };
                (vec![answer], None)
            }
        };
        Ok(Ok((answers.into_boxed_slice(), as_other)))
    }

    /// Read for an evaluation (with a register), every respondent must be
    /// placed: without a municipality column none would be, silently. An
    /// error before any record is decoded.
    pub(crate) fn check_placeable(
        &self,
        export: &Export,
        resolver: Option<&Resolver>,
    ) -> Result<()> {
        if resolver.is_some() && self.muni_col.is_none() {
            return Err(Error::NotFound {
                path: export.file.clone().into(),
                what: format!(
                    "no column of this export is mapped to the instrument's municipality question, so no respondent could be placed; map the column that holds the municipality in [columns.{}] of the instrument",
                    export.layout.platform().name()
                ),
            });
        }
        Ok(())
    }

    /// The export columns the plan reads, with or without answers.
    fn columns(&self) -> Vec<usize> {
        let mut cols: Vec<usize> = self.cols.iter().map(|c| c.col).collect();
        cols.extend(
            [
                self.id_col,
                self.status_col,
                self.muni_col,
                self.submitted_col,
            ]
            .into_iter()
            .flatten(),
        );
        cols
    }
}

/// Qualtrics' Status column; in a Qualtrics SPSS export the variable
/// `Status` whose value labels name "Survey Preview".
fn status_column(export: &Export) -> Option<usize> {
    match export.layout.platform() {
        Platform::Qualtrics => export.find("status"),
        Platform::Spss => export.find("Status").filter(|c| {
            export
                .labels
                .get(c)
                .is_some_and(|l| l.values().any(|v| v == "Survey Preview"))
        }),
        _ => None,
    }
}

/// The decoded records of one stretch of the export, answers already in
/// the long table's layout.
#[derive(Default)]
pub(crate) struct Part {
    /// Per record: the line it starts on and what it says about itself
    /// (empty vectors for columns the export does not have).
    lines: Vec<u64>,
    ids: Vec<String>,
    /// Which of `QUALTRICS_NON_RESPONSE` the status says (0: none of them).
    status: Vec<u8>,
    typed: Vec<String>,
    submitted: Vec<Option<String>>,
    /// Per answer: the record (index in this part) and the answer.
    row: Vec<u32>,
    question: Vec<u32>,
    value: Vec<View>,
    label: Vec<u32>,
    number: Vec<f64>,
    missing: Vec<bool>,
    /// Open answers, one after the other: buffer 0 of the value column.
    /// Open answers are unique; adding them to polars' category mapping
    /// would cost more than the rest of the reading (about 0.4 us per new
    /// string), so the value column is text and an open answer has no
    /// label.
    text: String,
    /// (record, plan column, message) of cells that do not decode.
    errors: Vec<(u32, usize, Refused)>,
    /// (record, plan column, text) of cells read as an "other" text.
    as_other: Vec<(u32, usize, String)>,
    /// Per record, when the export has no respondent id: a hash of every
    /// cell the plan reads, to flag rows that are exact copies.
    fingerprints: Vec<u64>,
}

impl Part {
    fn push(&mut self, row: u32, a: &Answer) {
        self.row.push(row);
        self.question.push(a.question);
        self.value.push(a.value);
        self.label.push(a.label);
        self.number.push(a.number);
        self.missing.push(a.missing);
    }

    /// Room for a little more than the last part had: blocks are the
    /// same size, and growing by doubling would leave up to half unused.
    fn sized_like(last: Sizes) -> Part {
        let more = |n: usize| n + n / 16;
        let n = more(last.answers);
        Part {
            row: Vec::with_capacity(n),
            question: Vec::with_capacity(n),
            value: Vec::with_capacity(n),
            label: Vec::with_capacity(n),
            number: Vec::with_capacity(n),
            missing: Vec::with_capacity(n),
            text: String::with_capacity(more(last.text)),
            ..Part::default()
        }
    }

    fn sizes(&self) -> Sizes {
        Sizes {
            answers: self.row.len(),
            text: self.text.len(),
        }
    }
}

/// How much a part holds.
#[derive(Debug, Clone, Copy, Default)]
struct Sizes {
    answers: usize,
    text: usize,
}

/// A cell's answers, and the text in it that matched no option and was
/// read as the question's "other" text.
type Decoded = (Box<[Answer]>, Option<Box<str>>);

/// Cells decoded so far in one column; past [`CACHE_LIMIT`] distinct
/// cells (open answers in a raw view) new ones are decoded each time.
/// Codes of up to seven bytes (`1`, `-1`, `A7`) are found by comparing
/// one integer each, longer cells through a hash map.
#[derive(Default)]
struct Cache {
    short: Vec<u64>,
    short_values: Vec<u32>,
    index: PlHashMap<Box<str>, u32>,
    values: Vec<std::result::Result<Decoded, Refused>>,
}

const CACHE_LIMIT: usize = 4096;

/// A cell of up to seven bytes as one integer (length in the top byte).
fn packed(t: &str) -> Option<u64> {
    let b = t.as_bytes();
    if b.len() > 7 {
        return None;
    }
    let mut k = (b.len() as u64) << 56;
    for (i, &c) in b.iter().enumerate() {
        k |= u64::from(c) << (8 * i);
    }
    Some(k)
}

impl Cache {
    fn find(&self, t: &str) -> Option<usize> {
        match packed(t) {
            Some(k) => self
                .short
                .iter()
                .position(|&s| s == k)
                .map(|i| self.short_values[i] as usize),
            None => self.index.get(t).map(|&i| i as usize),
        }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn insert(&mut self, t: &str, v: std::result::Result<Decoded, Refused>) -> usize {
        let i = self.values.len();
        self.values.push(v);
        match packed(t) {
            Some(k) if self.short.len() < 16 => {
                self.short.push(k);
                self.short_values.push(i as u32);
            }
            _ => {
                self.index.insert(t.into(), i as u32);
            }
        }
        i
    }
}

/// `t` without surrounding white space; most cells have none, and testing
/// the two ends is cheaper than `str::trim`'s walk.
fn trim(t: &str) -> &str {
    let plain = |b: u8| b > b' ' && b < 0x80;
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(&f), Some(&l)) if plain(f) && plain(l) => t,
        _ => t.trim(),
    }
}

/// Decodes records with a plan; one per thread.
pub(crate) struct Decoder<'p, 'a> {
    plan: &'p Plan<'a>,
    caches: Vec<Cache>,
    /// What the last part held, to size the next one.
    last: Sizes,
    /// The options this record's category-set variables chose so far.
    in_sets: Vec<(u32, u128)>,
    /// The columns a record's fingerprint covers (every column the plan
    /// reads), when the export has no respondent id; listed once here,
    /// not per record.
    fingerprinted: Option<Vec<usize>>,
}

impl<'p, 'a> Decoder<'p, 'a> {
    pub(crate) fn new(plan: &'p Plan<'a>) -> Self {
        Decoder {
            plan,
            caches: plan.cols.iter().map(|_| Cache::default()).collect(),
            last: Sizes::default(),
            in_sets: Vec::new(),
            fingerprinted: plan.id_col.is_none().then(|| plan.columns()),
        }
    }

    /// A new part, sized like the last one.
    pub(crate) fn part(&mut self) -> Part {
        Part::sized_like(self.last)
    }

    /// Decodes one record into `part`; `cell(col)` gives the text of an
    /// export column (`None` when empty).
    pub(crate) fn record<'t>(
        &mut self,
        part: &mut Part,
        line: u64,
        cell: impl Fn(usize) -> Option<Cow<'t, str>>,
    ) -> Result<()> {
        let plan = self.plan;
        let r = part.lines.len() as u32;
        part.lines.push(line);
        self.in_sets.clear();
        let meta = |c: usize| cell(c).map(|t| trim(&t).to_string()).unwrap_or_default();
        if let Some(c) = plan.id_col {
            part.ids.push(meta(c));
        }
        if let Some(cols) = &self.fingerprinted {
            use std::hash::Hasher;
            let mut h = std::hash::DefaultHasher::new();
            for &c in cols {
                h.write(cell(c).as_deref().map(trim).unwrap_or("").as_bytes());
                h.write_u8(0xff);
            }
            part.fingerprints.push(h.finish());
        }
        if let Some(c) = plan.status_col {
            let v = cell(c);
            let v = v.as_deref().map(trim).unwrap_or("");
            let k = QUALTRICS_NON_RESPONSE
                .iter()
                .position(|(code, text, _)| *code == v || text.eq_ignore_ascii_case(v));
            part.status.push(k.map_or(0, |k| k as u8 + 1));
        }
        if let Some(c) = plan.muni_col {
            part.typed.push(meta(c));
        }
        if let Some(c) = plan.submitted_col {
            part.submitted.push(cell(c).and_then(|t| dates::iso(&t)));
        }
        for (pi, c) in plan.cols.iter().enumerate() {
            let Some(text) = cell(c.col) else { continue };
            let t = trim(&text);
            if t.is_empty() {
                continue;
            }
            if let Kind::Open { imply } = &c.kind {
                if let Some(a) = imply {
                    part.push(r, a);
                }
                let Ok(start) = u32::try_from(part.text.len()) else {
                    return Err(Error::TooLarge {
                        path: plan.file.into(),
                        message: "a block of open answers over 4 GB".into(),
                    });
                };
                part.text.push_str(t);
                let a = Answer {
                    question: c.question,
                    value: View::new_from_bytes(t.as_bytes(), 0, start),
                    label: NO_LABEL,
                    number: f64::NAN,
                    missing: false,
                };
                part.push(r, &a);
                continue;
            }
            let cache = &mut self.caches[pi];
            let fresh;
            let decoded = match cache.find(t) {
                Some(k) => &cache.values[k],
                None if cache.len() < CACHE_LIMIT => {
                    let v = plan.decode(c, t)?;
                    let k = cache.insert(t, v);
                    &cache.values[k]
                }
                None => {
                    fresh = plan.decode(c, t)?;
                    &fresh
                }
            };
            match decoded {
                Ok((answers, as_other)) => {
                    if let Some(text) = as_other {
                        part.as_other.push((r, pi, text.to_string()));
                    }
                    for a in answers {
                        if let Some(set) = c.set {
                            let key = (set, a.value.as_u128());
                            if self.in_sets.contains(&key) {
                                continue;
                            }
                            self.in_sets.push(key);
                        }
                        part.push(r, a);
                    }
                }
                Err(m) => part.errors.push((r, pi, m.clone())),
            }
        }
        self.last = part.sizes();
        Ok(())
    }
}

/// Decodes the records of a streamed CSV, a [`Decoder`] per worker.
pub(crate) struct Streamed<'p, 'a>(pub(crate) &'p Plan<'a>);

impl<'p, 'a> crate::records::Records for Streamed<'p, 'a> {
    type State = Decoder<'p, 'a>;
    type Out = Part;

    fn state(&self) -> Decoder<'p, 'a> {
        Decoder::new(self.0)
    }

    fn start(&self, decoder: &mut Decoder<'p, 'a>) -> Part {
        decoder.part()
    }

    fn record(
        &self,
        decoder: &mut Decoder<'p, 'a>,
        part: &mut Part,
        line: u64,
        text: &str,
        fields: &[crate::records::Span],
    ) -> Result<()> {
        decoder.record(part, line, |c| fields.get(c).and_then(|s| s.text(text)))
    }
}

/// Decodes the text columns of an export, in stretches of rows on all cores.
pub(crate) fn frame(export: &Export, plan: &Plan) -> Result<Vec<Part>> {
    use rayon::prelude::*;
    const ROWS: usize = 8192;
    let mut cols: Vec<Option<&StringChunked>> = vec![None; export.columns.len()];
    for c in plan.columns() {
        if let Some(slot) = cols.get_mut(c) {
            *slot = Some(export.column(c)?);
        }
    }
    let n = export.height();
    let starts: Vec<usize> = (0..n).step_by(ROWS).collect();
    starts
        .par_iter()
        .map(|&s| {
            let mut decoder = Decoder::new(plan);
            let mut part = decoder.part();
            for i in s..(s + ROWS).min(n) {
                let line = export.lines.get(i).copied().unwrap_or(0);
                decoder.record(&mut part, line, |c| {
                    cols.get(c)
                        .copied()
                        .flatten()
                        .and_then(|ca| ca.get(i))
                        .map(Cow::Borrowed)
                })?;
            }
            Ok(part)
        })
        .collect()
}

/// Per record: accepted or not, the respondent id and the municipality.
struct Checked {
    ok: Vec<bool>,
    municipality: Vec<String>,
    rejects: Vec<(usize, RejectKind, String)>,
}

/// What every record says about itself, over all parts.
#[derive(Default)]
struct Meta {
    lines: Vec<u64>,
    ids: Vec<String>,
    /// Which of `QUALTRICS_NON_RESPONSE` the status says (0: none of them).
    status: Vec<u8>,
    typed: Vec<String>,
    submitted: Vec<Option<String>>,
}

/// The respondent id of every record: from the id column, or
/// `<file>#<record>`.
fn respondent_ids(export: &Export, plan: &Plan, meta: &mut Meta) -> Vec<String> {
    let stem = Path::new(&export.file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("survey");
    match plan.id_col {
        Some(_) => std::mem::take(&mut meta.ids),
        None => (0..meta.lines.len())
            .map(|i| format!("{stem}#{}", i + 1))
            .collect(),
    }
}

fn check(export: &Export, meta: &Meta, ids: &[String], resolver: Option<&Resolver>) -> Checked {
    let n = meta.lines.len();
    let mut seen: PlHashMap<&str, u64> = PlHashMap::with_capacity(n);
    let mut seen_text: PlHashMap<&str, (std::result::Result<String, Refused>, bool)> =
        PlHashMap::new();
    let mut out = Checked {
        ok: vec![true; n],
        municipality: vec![String::new(); n],
        rejects: Vec::new(),
    };
    for (i, (id, &line)) in ids.iter().zip(&meta.lines).enumerate() {
        let id = id.as_str();
        if id.is_empty() {
            out.ok[i] = false;
            out.rejects.push((
                i,
                RejectKind::NoRespondentId,
                "the response has no respondent id".into(),
            ));
            continue;
        }
        if let Some(first) = seen.get(id) {
            out.ok[i] = false;
            out.rejects.push((
                i,
                RejectKind::DuplicateRespondent,
                format!(
                    "duplicate respondent id {id} (first on {} {first})",
                    export.record_word
                ),
            ));
            continue;
        }
        seen.insert(id, line);
        if let Some(&k) = meta.status.get(i).filter(|&&k| k > 0) {
            if let Some((code, _, what)) = QUALTRICS_NON_RESPONSE
                .get(usize::from(k) - 1)
                .filter(|(c, _, _)| !(export.include_tests && *c == "2"))
            {
                out.ok[i] = false;
                out.rejects.push((
                    i,
                    RejectKind::TestResponse,
                    format!(
                        "response {id} is {what} (Status {code}), not a real response{}",
                        if code == &"2" {
                            " (to read test responses, set include_tests = true in the [[survey]] or pass --include-tests)"
                        } else {
                            ""
                        }
                    ),
                ));
                continue;
            }
        }
        if let (Some(typed), Some(r)) = (meta.typed.get(i), resolver) {
            // Each spelling is resolved once; repeats only count for the
            // review list.
            let placed = match seen_text.get(typed.as_str()) {
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
                            Err(Refused::Municipality {
                                typed: typed.trim().to_string(),
                                reason,
                                hint,
                            })
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
                    out.rejects.push((
                        i,
                        RejectKind::Municipality,
                        format!("response {id}: {msg}"),
                    ));
                }
            }
        }
    }
    drop(seen);
    drop(seen_text);
    out
}

/// (line, line of the earlier row) of accepted rows whose every cell equals
/// an earlier accepted row's, by their fingerprints (empty when the export
/// has ids, which catch copies as duplicate respondents).
fn copies(fingerprints: &[u64], lines: &[u64], ok: &[bool]) -> Vec<(u64, u64)> {
    let mut first: PlHashMap<u64, u64> = PlHashMap::with_capacity(fingerprints.len());
    let mut out = Vec::new();
    for (i, f) in fingerprints.iter().enumerate() {
        if !ok[i] {
            continue;
        }
        let earlier = *first.entry(*f).or_insert(lines[i]);
        if earlier != lines[i] {
            out.push((lines[i], earlier));
        }
    }
    out
}

/// Checks the records, drops rejected ones and builds the long table.
/// `export` gives the file, layout and columns (its body is not read).
pub(crate) fn finish(
    export: &Export,
    plan: &Plan,
    mut parts: Vec<Part>,
    resolver: Option<&Resolver>,
    wave: Wave,
) -> Result<Responses> {
    let mut meta = Meta::default();
    let mut offsets = Vec::with_capacity(parts.len());
    let mut fingerprints: Vec<u64> = Vec::new();
    for p in &mut parts {
        offsets.push(meta.lines.len());
        fingerprints.append(&mut p.fingerprints);
        meta.lines.append(&mut p.lines);
        meta.ids.append(&mut p.ids);
        meta.status.append(&mut p.status);
        meta.typed.append(&mut p.typed);
        meta.submitted.append(&mut p.submitted);
    }
    let n = meta.lines.len();
    let ids = respondent_ids(export, plan, &mut meta);
    // The respondent ids go into the categories while the records are
    // checked (rejected ones too: harmless, and no waiting for the check).
    let (mut checked, resp_cat) = std::thread::scope(|scope| {
        let cats = scope.spawn(|| {
            ids.iter()
                .map(|id| plan.cat(id))
                .collect::<Result<Vec<u32>>>()
        });
        let checked = check(export, &meta, &ids, resolver);
        (checked, cats.join())
    });
    let resp_cat = resp_cat
        .map_err(|_| crate::internal(&export.file, "a decoding thread stopped unexpectedly"))??;
    // the export column a plan column reads, as its header names it
    let column_name = |pi: usize| -> &str {
        plan.cols
            .get(pi)
            .and_then(|c| export.columns.get(c.col))
            .map_or("", |c| c.name.as_str())
    };
    let mut bad: BTreeMap<usize, String> = BTreeMap::new();
    for (p, off) in parts.iter().zip(&offsets) {
        for (r, pi, msg) in &p.errors {
            let row = off + *r as usize;
            if checked.ok[row] {
                let name = column_name(*pi);
                bad.entry(row)
                    .or_insert_with(|| format!("response {}, column {name}: {msg}", ids[row]));
            }
        }
    }
    for (row, msg) in bad {
        checked.ok[row] = false;
        checked.rejects.push((row, RejectKind::InvalidValue, msg));
    }
    // Texts read as "other" answers, of the records that stay (parts are
    // in file order, and so are the records within a part).
    let mut as_other = Vec::new();
    for (p, off) in parts.iter_mut().zip(&offsets) {
        for (r, pi, text) in std::mem::take(&mut p.as_other) {
            let row = off + r as usize;
            if checked.ok[row] {
                as_other.push(crate::AsOther {
                    line: meta.lines[row],
                    column: column_name(pi).to_string(),
                    text,
                });
            }
        }
    }
    let muni: Vec<String> = if resolver.is_some() {
        std::mem::take(&mut checked.municipality)
    } else if plan.muni_col.is_some() {
        std::mem::take(&mut meta.typed)
    } else {
        vec![String::new(); n]
    };
    let ok = &checked.ok;
    let ids = &ids;
    let submitted_meta = std::mem::take(&mut meta.submitted);
    // The respondent maps and the table are independent: built side by side.
    let ((respondents, submitted), long) = rayon::join(
        || {
            let respondents: indexmap::IndexMap<String, String> = (0..n)
                .filter(|&i| ok[i])
                .map(|i| (ids[i].clone(), muni[i].clone()))
                .collect();
            let submitted: BTreeMap<String, String> = submitted_meta
                .into_iter()
                .enumerate()
                .filter(|(i, _)| ok[*i])
                .filter_map(|(i, t)| Some((ids[i].clone(), t?)))
                .collect();
            (respondents, submitted)
        },
        || long_table(export, plan, parts, offsets, ok, &resp_cat, &muni, wave),
    );
    let long = long?;
    let mut rejects = checked.rejects;
    rejects.sort_by_key(|(r, _, _)| *r);
    let data = Responses {
        file: export.file.clone(),
        layout: export.layout,
        encoding: export.encoding.clone(),
        long,
        respondents,
        submitted,
        rows_read: n,
        as_other,
        copies: copies(&fingerprints, &meta.lines, &checked.ok),
        rejects: rejects
            .into_iter()
            .map(|(r, k, m)| Reject::new(&export.file, meta.lines[r], k, m))
            .collect(),
    };
    data.check_counts()?;
    Ok(data)
}

/// The long table of the accepted records' answers.
#[allow(clippy::too_many_arguments)]
fn long_table(
    export: &Export,
    plan: &Plan,
    parts: Vec<Part>,
    offsets: Vec<usize>,
    ok: &[bool],
    resp_cat: &[u32],
    muni: &[String],
    wave: Wave,
) -> Result<DataFrame> {
    let n = ok.len();
    // A few dozen municipalities: each looked up once.
    let mut muni_cat = vec![0u32; n];
    let mut seen: PlHashMap<&str, u32> = PlHashMap::new();
    for i in (0..n).filter(|&i| ok[i]) {
        muni_cat[i] = match seen.get(muni[i].as_str()) {
            Some(&c) => c,
            None => {
                let c = plan.cat(&muni[i])?;
                seen.insert(&muni[i], c);
                c
            }
        };
    }
    let err =
        |e: PolarsError| crate::table_error(&export.file, "cannot build the response table", e);
    let long_values = match plan.long_values.lock() {
        Ok(mut v) => Buffer::from(std::mem::take(&mut *v)),
        Err(_) => {
            return Err(crate::internal(
                &export.file,
                "a decoding thread stopped unexpectedly",
            ))
        }
    };
    let frames: Vec<PolarsResult<DataFrame>> = {
        use rayon::prelude::*;
        let cats = Cats {
            ok,
            respondent: resp_cat,
            municipality: &muni_cat,
            long_values,
            some_cat: plan.qcats.first().copied().unwrap_or(0),
            dtype: &plan.dtype,
        };
        let mut jobs: Vec<(Part, usize)> = parts.into_iter().zip(offsets).collect();
        if jobs.is_empty() {
            jobs.push((Part::default(), 0));
        }
        jobs.into_par_iter()
            .map(|(p, off)| part_frame(p, off, &cats))
            .collect()
    };
    let mut long: Option<DataFrame> = None;
    for df in frames {
        let df = df.map_err(err)?;
        match &mut long {
            Some(acc) => {
                acc.vstack_mut_owned(df).map_err(err)?;
            }
            None => long = Some(df),
        }
    }
    let Some(mut long) = long else {
        return Err(crate::internal(&export.file, "no response table"));
    };
    let height = long.height();
    long.insert_column(
        2,
        Column::new_scalar(
            "wave".into(),
            Scalar::new(DataType::Int32, AnyValue::Int32(i32::from(wave.year()))),
            height,
        ),
    )
    .map_err(err)?;
    Ok(long)
}

/// What [`part_frame`] needs besides the part.
struct Cats<'c> {
    ok: &'c [bool],
    respondent: &'c [u32],
    municipality: &'c [u32],
    /// Buffer 1 of every value column.
    long_values: Buffer<u8>,
    /// A category id that exists, for the slots under a null label.
    some_cat: u32,
    dtype: &'c DataType,
}

/// One part as long-table columns (without the wave), keeping the answers
/// of accepted records. The part's vectors become the columns as they are.
fn part_frame(mut p: Part, off: usize, c: &Cats) -> PolarsResult<DataFrame> {
    let keep: Vec<bool> = p.row.iter().map(|&r| c.ok[off + r as usize]).collect();
    if keep.iter().any(|k| !k) {
        fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = keep.iter();
            v.retain(|_| k.next().copied().unwrap_or(false));
        }
        retain(&mut p.row, &keep);
        retain(&mut p.question, &keep);
        retain(&mut p.value, &keep);
        retain(&mut p.label, &keep);
        retain(&mut p.number, &keep);
        retain(&mut p.missing, &keep);
    }
    drop(keep);
    let height = p.row.len();
    let respondent: Vec<u32> = p
        .row
        .iter()
        .map(|&r| c.respondent[off + r as usize])
        .collect();
    let municipality: Vec<u32> = p
        .row
        .iter()
        .map(|&r| c.municipality[off + r as usize])
        .collect();
    drop(std::mem::take(&mut p.row));
    let value_bytes: usize = p.value.iter().map(|v| v.length as usize).sum();
    let own: Buffer<u8> = Buffer::from(std::mem::take(&mut p.text).into_bytes());
    let buffer_len = own.len() + c.long_values.len();
    let buffers: Buffer<Buffer<u8>> = Buffer::from(vec![own, c.long_values.clone()]);
    // The safe constructor's check, in debug builds (so in every test that
    // reads a survey): each view lies inside its buffer and holds whole
    // UTF-8.
    debug_assert!(
        Utf8ViewArray::try_new(
            ArrowDataType::Utf8View,
            Buffer::from(p.value.clone()),
            buffers.clone(),
            None,
        )
        .is_ok(),
        "a value view does not point at whole UTF-8 text in its buffer"
    );
    // SAFETY: every view was made from whole UTF-8 strings: open answers at
    // their offset in buffer 0 (the part's text), longer coded values at
    // theirs in buffer 1 (the plan's long values), shorter ones inline.
    let values = unsafe {
        Utf8ViewArray::new_unchecked(
            ArrowDataType::Utf8View,
            Buffer::from(std::mem::take(&mut p.value)),
            buffers,
            None,
            Some(value_bytes),
            buffer_len,
        )
    };
    let label_valid: Option<Bitmap> = p
        .label
        .contains(&NO_LABEL)
        .then(|| p.label.iter().map(|&l| l != NO_LABEL).collect());
    let number_valid: Option<Bitmap> = p
        .number
        .iter()
        .any(|x| x.is_nan())
        .then(|| p.number.iter().map(|x| !x.is_nan()).collect());
    let cat = |phys: UInt32Chunked| -> Column {
        // SAFETY: every id came from `insert_cat` on this dtype's mapping,
        // which the dtype keeps alive (ids under a null are never read).
        let ca =
            unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(phys, c.dtype.clone()) };
        ca.into_series().into_column()
    };
    // Under a null the label id is NO_LABEL; make it one that exists.
    let mut label = std::mem::take(&mut p.label);
    if label_valid.is_some() {
        for l in label.iter_mut().filter(|l| **l == NO_LABEL) {
            *l = c.some_cat;
        }
    }
    DataFrame::new(
        height,
        vec![
            cat(UInt32Chunked::from_vec("respondent".into(), respondent)),
            cat(UInt32Chunked::from_vec("municipality".into(), municipality)),
            cat(UInt32Chunked::from_vec(
                "question".into(),
                std::mem::take(&mut p.question),
            )),
            StringChunked::with_chunk("value".into(), values).into_column(),
            cat(UInt32Chunked::from_vec_validity(
                "label".into(),
                label,
                label_valid,
            )),
            Float64Chunked::from_vec_validity(
                "number".into(),
                std::mem::take(&mut p.number),
                number_valid,
            )
            .into_column(),
            BooleanChunked::from_slice("missing".into(), &p.missing).into_column(),
        ],
    )
}
