//! Comparing waves: the current wave's prepared project against the
//! earlier waves' ([`compare`]), and the learning matches of the current
//! wave ([`learning_matches`]).
//!
//! # What is compared, and by which rule
//!
//! - **Survey questions** are matched by their stable id. A question with
//!   the same id in two waves must have the same type (otherwise the
//!   instruments are in error). Its text and options may differ only when
//!   the current instrument says `comparable = true` or `false`; left out,
//!   a changed question is an error, never a guess. A question that is not
//!   comparable, or asked in one wave only, is shown per wave but gets no
//!   change.
//! - **Counts per wave** are respondents: for a single or Likert question
//!   the respondents per option, for a multiple-choice question the
//!   respondents who chose each option; `n` is the respondents who
//!   answered the question at all.
//! - **The change test** (single and Likert questions, each earlier wave
//!   against the current one) is Pearson's chi-square test of homogeneity
//!   on the 2 x k table of substantive answers (options marked `missing`
//!   left out, options chosen in neither wave dropped), without continuity
//!   correction, df = k - 1. It is marked significant only when p < 0.05
//!   **and** both waves have n >= 30, every expected count is at least 1
//!   and at most a fifth of them below 5 (Cochran); otherwise the result
//!   says why no star is given. Multiple-choice and numeric questions get
//!   no test (their options are not exclusive; means are shown as they
//!   are).
//! - **The panel** follows municipalities across waves by CBS code. An
//!   earlier wave's code that no longer exists in the current register is
//!   followed to its successor through the current project's mergers file
//!   (`successor`); a code that cannot be followed is listed, not dropped.
//!   A municipality's answer in a wave is that of its first accepted
//!   respondent in file order (others are counted in
//!   `extra_respondents`).
//! - **Codes per wave**: coded passages (segments with the code, any
//!   origin) per code and action line, per wave and per source of that
//!   wave; a code is *new* when it has passages now and none in any
//!   earlier wave, *vanished* when it had passages in an earlier wave and
//!   has none now.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use pokeval_model::resolve::Unresolved;
use pokeval_model::{ActionLine, SizeClass, Span, Wave};
use pokeval_survey::{Question, QuestionType};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tables::{shorten, CodedSegments, Membership};
use crate::Prepared;

/// Significance level of the change test.
pub const ALPHA: f64 = 0.05;
/// Fewest respondents per wave for a change to be marked significant.
pub const MIN_N: usize = 30;
/// Most peers listed per municipality.
pub const MAX_PEERS: usize = 3;
/// Fewest passages a peer needs on an action line to be strong on it.
pub const MIN_PEER_PASSAGES: usize = 2;
/// Least cosine similarity of two action-line profiles for a peer to
/// count as having a similar approach.
pub const MIN_SIMILARITY: f64 = 0.25;
/// Most passages quoted per strength.
const MAX_PASSAGES: usize = 2;
/// Longest excerpt of a backing passage, in characters.
const EXCERPT_CHARS: usize = 240;

/// Everything compared across waves (in `analyse.json` as `comparison`).
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The waves, oldest first; the current wave is the last.
    pub waves: Vec<WaveInfo>,
    /// Every survey question of any wave, with its answers per wave.
    pub questions: Vec<QuestionTrend>,
    /// The municipalities across the waves.
    pub panel: Panel,
    /// Responding municipalities per wave, by size class and by province
    /// (each wave with its own register).
    pub response_by_size_class: Vec<WaveCountRow>,
    /// The same, by province.
    pub response_by_province: Vec<WaveCountRow>,
    /// Action lines first (1-8), then every code in codebook order.
    pub codes: Vec<CodeTrend>,
    /// Per wave, the year money per municipality was computed for (`None`
    /// for a wave without an `[allocation]` table).
    pub funds_years: Vec<Option<u16>>,
    /// Money per 1.000 inhabitants per municipality (current codes, former
    /// municipalities added to their successor) per wave.
    pub funds: Vec<FundsTrend>,
}

/// One municipality's POK-middelen via the algemene uitkering per wave.
#[derive(Debug, Clone, Serialize)]
pub struct FundsTrend {
    /// The municipality's CBS code in the current register.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Euros per 1.000 inhabitants per wave (oldest first).
    pub per_1000: Vec<Option<f64>>,
}

/// One wave in a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct WaveInfo {
    /// The wave.
    pub wave: Wave,
    /// The project's name.
    pub project: String,
    /// The project file, as given in `comparison.earlier` (the current
    /// wave: its own file name).
    pub file: String,
    /// Accepted respondents.
    pub respondents: usize,
    /// Municipalities with at least one accepted respondent.
    pub municipalities: usize,
    /// Interviews.
    pub interviews: usize,
    /// Every coded text (interviews, open answers, documents).
    pub sources: usize,
}

/// One survey question across the waves.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionTrend {
    /// The question id.
    pub question: String,
    /// A short label for tables and charts.
    pub short: String,
    /// The question as asked (the current wave's wording).
    pub text: String,
    /// What kind of answer it takes.
    pub kind: QuestionType,
    /// The Likert group it belongs to, if any.
    pub group: Option<String>,
    /// Answers may be compared (and changes computed).
    pub comparable: bool,
    /// Why not, when not (asked in one wave, declared not comparable).
    pub note: Option<String>,
    /// The options in the current wave's order, then options only earlier
    /// waves had.
    pub options: Vec<TrendOption>,
    /// Per wave (oldest first): `None` where the question was not asked.
    pub waves: Vec<Option<QuestionWave>>,
    /// Each earlier wave against the current one (single and Likert).
    pub changes: Vec<ChangeTest>,
}

/// An answer option of a question across the waves.
#[derive(Debug, Clone, Serialize)]
pub struct TrendOption {
    /// The option's code.
    pub code: String,
    /// Its label.
    pub label: String,
    /// Whether it means "no answer" (such as "weet niet"), left out of substantive
    /// counts.
    pub missing: bool,
}

/// A question's answers in one wave.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionWave {
    /// The wave.
    pub wave: Wave,
    /// Respondents who answered.
    pub n: usize,
    /// Respondents per option, in [`QuestionTrend::options`] order.
    pub counts: Vec<usize>,
    /// Respondents with a substantive answer (no `missing` option).
    pub substantive: usize,
    /// The mean of a numeric question over non-missing answers.
    pub mean: Option<f64>,
}

/// The chi-square test of one change.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeTest {
    /// The earlier wave.
    pub from: Wave,
    /// The current wave.
    pub to: Wave,
    /// The chi-square statistic, when the test can be computed.
    pub chi_square: Option<f64>,
    /// Its degrees of freedom.
    pub df: usize,
    /// Its p-value, when the test can be computed.
    pub p_value: Option<f64>,
    /// p < [`ALPHA`] and the rule for a meaningful test holds.
    pub significant: bool,
    /// Why no star can be given (n < 30, small expected counts, one option).
    pub caveat: Option<String>,
}

/// Municipalities across waves.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    /// One row per municipality that took part in any wave.
    pub rows: Vec<PanelRow>,
    /// Municipalities (current codes) per number of waves answered: index
    /// 0 is one wave, the last is every wave.
    pub by_waves_answered: Vec<usize>,
    /// Per earlier wave and comparable single or Likert question: how each
    /// municipality answering in both moved.
    pub transitions: Vec<Transition>,
    /// Earlier codes that could not be followed to a current municipality.
    pub unfollowed: Vec<Unfollowed>,
}

/// One municipality of the panel (current register).
#[derive(Debug, Clone, Serialize)]
pub struct PanelRow {
    /// The municipality's CBS code in the current register.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Waves with at least one accepted respondent.
    pub answered: Vec<Wave>,
    /// Waves with at least one interview.
    pub interviewed: Vec<Wave>,
    /// Earlier codes merged into this one (`GM0003 (2024)`).
    pub former: Vec<String>,
    /// Respondents beyond the first, per wave (their answers are not in
    /// the transitions).
    pub extra_respondents: usize,
    /// Per wave (oldest first): the first respondent's option code per
    /// single-choice or Likert question.
    pub answers: Vec<BTreeMap<String, String>>,
    /// Per wave: coded passages per action line (index 0 is action line 1).
    pub passages: Vec<[usize; 8]>,
}

/// A code of an earlier wave that names no current municipality.
#[derive(Debug, Clone, Serialize)]
pub struct Unfollowed {
    /// The wave the code is from.
    pub wave: Wave,
    /// The CBS code in that wave.
    pub code: String,
    /// Why it cannot be followed.
    pub reason: String,
}

/// How municipalities answering in two waves moved on one question.
#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    /// The question id.
    pub question: String,
    /// A short label for tables and charts.
    pub short: String,
    /// The earlier wave.
    pub from: Wave,
    /// The current wave.
    pub to: Wave,
    /// The question's options, in the order of the counts.
    pub options: Vec<TrendOption>,
    /// `counts[i][j]`: municipalities with option i then and option j now.
    pub counts: Vec<Vec<usize>>,
    /// Municipalities answering in both waves.
    pub municipalities: usize,
    /// Of those, the ones that gave the same answer.
    pub unchanged: usize,
    /// The municipalities whose answer changed: (code, from code, to code).
    pub changed: Vec<(String, String, String)>,
}

/// A row of per-wave counts (a size class or a province).
#[derive(Debug, Clone, Serialize)]
pub struct WaveCountRow {
    /// The size class or province, as the table shows it.
    pub label: String,
    /// The size class, for a size-class row.
    pub size_class: Option<SizeClass>,
    /// Responding municipalities per wave, oldest first.
    pub counts: Vec<usize>,
}

/// Passages of one code or action line per wave.
#[derive(Debug, Clone, Serialize)]
pub struct CodeTrend {
    /// The code id (or `AL1` to `AL8` for an action line).
    pub id: String,
    /// Its label.
    pub label: String,
    /// The action line it belongs to, if any.
    pub action_line: Option<ActionLine>,
    /// Whether this row is a whole action line rather than a code.
    pub is_action_line: bool,
    /// Its passages per wave, oldest first.
    pub waves: Vec<CodeWave>,
    /// How its presence changed.
    pub status: CodeStatus,
}

/// Passages of one code or action line in one wave.
#[derive(Debug, Clone, Serialize)]
pub struct CodeWave {
    /// The wave.
    pub wave: Wave,
    /// Coded passages.
    pub passages: usize,
    /// Sources with at least one passage.
    pub sources: usize,
    /// Municipalities with at least one passage.
    pub municipalities: usize,
    /// Passages per coded text of the wave (`None` without sources).
    pub per_source: Option<f64>,
}

/// How a code's presence changed from the earlier waves to the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeStatus {
    /// Passages now, none in any earlier wave.
    New,
    /// Passages in an earlier wave, none now.
    Vanished,
    /// Passages now and before.
    Continued,
    /// No passages in any wave.
    Absent,
}

/// The version of the wave summary in `analyse.json`; a summary of
/// another version is refused rather than misread.
pub const SUMMARY_FORMAT: &str = "pokeval-wave-summary/1";

/// What a wave contributes to a comparison: its questions, its answers
/// counted per respondent and per municipality, its passages per code,
/// action line and municipality, and the register entries of the
/// municipalities that took part. Every build stores it in `analyse.json`
/// (`wave_summary`), so a later wave can compare with this one from that
/// file alone when its inputs are not at hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaveSummary {
    /// The file format's name and version (`pokeval-wave-summary/1`).
    pub format: String,
    /// The wave.
    pub wave: Wave,
    /// The project's name.
    pub project: String,
    /// Where the wave came from (its project file or analyse.json), for
    /// messages; not stored.
    #[serde(skip)]
    pub file: PathBuf,
    /// Closed and open questions of every survey of the wave, each with the
    /// instrument file it is from (relative to the wave's project).
    pub questions: Vec<SummaryQuestion>,
    /// Survey answers counted per respondent.
    pub answers: WaveAnswers,
    /// Interviews.
    pub interviews: usize,
    /// Every coded text (interviews, open answers, documents).
    pub sources: usize,
    /// Municipalities with at least one interview.
    pub interviewed: BTreeSet<String>,
    /// The wave's register entries of every municipality that took part.
    pub municipalities: Vec<pokeval_model::Municipality>,
    /// Passages per action line and per code (codebook order).
    pub codes: Vec<SummaryCode>,
    /// Passages per action line (index 0 is action line 1) per municipality.
    pub profiles: BTreeMap<String, [usize; 8]>,
    /// POK-middelen via the algemene uitkering per municipality, when the
    /// wave's project has an `[allocation]` table.
    #[serde(default)]
    pub funds: Option<SummaryFunds>,
}

/// Money per municipality in one wave: the year and, per CBS code of that
/// wave's register, inhabitants and euros.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryFunds {
    /// The year the money is computed for.
    pub year: u16,
    /// Per municipality: CBS code, inhabitants, euros.
    pub rows: Vec<(String, u64, f64)>,
}

/// A question of a wave and the instrument that defines it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryQuestion {
    /// The question as the instrument defines it.
    pub question: Question,
    /// The instrument file, relative to the wave's project.
    pub instrument: String,
}

/// Passages of a code or an action line in one wave.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryCode {
    /// The code id (or `AL1` to `AL8`).
    pub id: String,
    /// Its label.
    pub label: String,
    /// The action line it belongs to, if any.
    pub action_line: Option<ActionLine>,
    /// Whether this is a whole action line rather than a code.
    pub is_action_line: bool,
    /// Coded passages.
    pub passages: usize,
    /// Sources with at least one passage.
    pub sources: usize,
    /// Municipalities with at least one passage.
    pub municipalities: usize,
}

/// One wave's survey answers, counted per respondent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WaveAnswers {
    /// question -> value -> respondents.
    pub counts: BTreeMap<String, BTreeMap<String, usize>>,
    /// question -> respondents who answered it.
    pub n: BTreeMap<String, usize>,
    /// question -> (sum, count) of non-missing numbers.
    pub sums: BTreeMap<String, (f64, usize)>,
    /// municipality -> question -> values of its first respondent.
    pub first: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// municipality -> respondents.
    pub respondents: BTreeMap<String, usize>,
    /// Accepted respondents.
    pub total: usize,
}

impl WaveAnswers {
    fn get(&self, q: &str, value: &str) -> usize {
        self.counts
            .get(q)
            .and_then(|m| m.get(value))
            .copied()
            .unwrap_or(0)
    }
}

/// Adds one to `map[key]`, allocating the key only the first time.
fn bump(map: &mut HashMap<String, usize>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

fn wave_answers(p: &Prepared) -> Result<WaveAnswers> {
    let mut w = WaveAnswers::default();
    for survey in &p.inputs.surveys {
        let ins = &survey.instrument;
        let index: HashMap<&str, usize> = ins
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.as_str(), i))
            .collect();
        let mut per_q: Vec<HashMap<String, usize>> = vec![HashMap::new(); ins.questions.len()];
        let mut n_q = vec![0usize; ins.questions.len()];
        let mut sum_q = vec![(0.0f64, 0usize); ins.questions.len()];
        let mut seen = vec![false; ins.questions.len()];
        let mut last_resp = String::new();
        let mut first_of_muni = false;
        survey.data.for_each_answer(|a| {
            if a.respondent != last_resp {
                last_resp.clear();
                last_resp.push_str(a.respondent);
                seen.fill(false);
                w.total += 1;
                first_of_muni = false;
                if let Some(m) = a.municipality {
                    let n = match w.respondents.get_mut(m) {
                        Some(n) => n,
                        None => w.respondents.entry(m.to_string()).or_default(),
                    };
                    *n += 1;
                    first_of_muni = *n == 1;
                }
            }
            let Some(&qi) = index.get(a.question) else {
                return;
            };
            let q = &ins.questions[qi];
            if matches!(q.kind, QuestionType::Open | QuestionType::Municipality) {
                return;
            }
            if !seen[qi] {
                seen[qi] = true;
                n_q[qi] += 1;
            }
            bump(&mut per_q[qi], a.value);
            if q.kind == QuestionType::Numeric && !a.missing {
                if let Some(x) = a.number {
                    sum_q[qi].0 += x;
                    sum_q[qi].1 += 1;
                }
            }
            if first_of_muni {
                if let Some(m) = a.municipality {
                    w.first
                        .entry(m.to_string())
                        .or_default()
                        .entry(q.id.clone())
                        .or_default()
                        .push(a.value.to_string());
                }
            }
        })?;
        for (((q, counts), n), (sum, k)) in ins.questions.iter().zip(per_q).zip(n_q).zip(sum_q) {
            if n == 0 {
                continue;
            }
            *w.n.entry(q.id.clone()).or_default() += n;
            if k > 0 {
                let e = w.sums.entry(q.id.clone()).or_default();
                e.0 += sum;
                e.1 += k;
            }
            let into = w.counts.entry(q.id.clone()).or_default();
            for (v, k) in counts {
                *into.entry(v).or_default() += k;
            }
        }
    }
    Ok(w)
}

/// The summary of a prepared wave (see [`WaveSummary`]).
pub fn summarise(p: &Prepared) -> Result<WaveSummary> {
    let answers = wave_answers(p)?;
    let mut questions = Vec::new();
    for (s, cfg) in p.inputs.surveys.iter().zip(&p.project.config.survey) {
        let instrument = p.project.display_path(&cfg.instrument);
        for q in &s.instrument.questions {
            questions.push(SummaryQuestion {
                question: q.clone(),
                instrument: instrument.clone(),
            });
        }
    }
    let interviewed: BTreeSet<String> = p
        .inputs
        .sources
        .iter()
        .filter(|s| s.kind == pokeval_model::SourceKind::Interview)
        .filter_map(|s| s.municipality.as_deref().map(str::to_string))
        .collect();
    let profiles = p.analysis.line_profiles.clone();
    let taking_part: BTreeSet<&str> = answers
        .respondents
        .keys()
        .chain(&interviewed)
        .chain(profiles.keys())
        .map(String::as_str)
        .collect();
    let municipalities = taking_part
        .into_iter()
        .filter_map(|c| p.inputs.register.get(c).cloned())
        .collect();
    let a = &p.analysis;
    let mut codes: Vec<SummaryCode> = a
        .action_line_frequencies
        .iter()
        .map(|f| SummaryCode {
            id: format!(
                "AL{}",
                f.category
                    .action_line
                    .map_or(0, pokeval_model::ActionLine::number)
            ),
            label: f.category.label.clone(),
            action_line: f.category.action_line,
            is_action_line: true,
            passages: f.segments,
            sources: f.sources,
            municipalities: f.municipalities,
        })
        .collect();
    codes.extend(a.code_frequencies.iter().map(|f| SummaryCode {
        id: f.category.id.clone(),
        label: f.category.label.clone(),
        action_line: f.category.action_line,
        is_action_line: false,
        passages: f.segments,
        sources: f.sources,
        municipalities: f.municipalities,
    }));
    Ok(WaveSummary {
        format: SUMMARY_FORMAT.to_string(),
        wave: p.project.config.wave,
        project: p.project.config.name.clone(),
        file: p.project.file.clone(),
        questions,
        answers,
        interviews: a.sources.interviews,
        sources: p.inputs.sources.len(),
        interviewed,
        municipalities,
        codes,
        profiles,
        funds: a.funds_per_municipality.as_ref().map(|f| SummaryFunds {
            year: f.year,
            rows: f
                .rows
                .iter()
                .map(|r| (r.municipality.clone(), r.inhabitants, r.euros))
                .collect(),
        }),
    })
}

/// Reads the wave summary of an earlier wave's `analyse.json`, refusing a
/// file without one or of another format version.
pub fn read_summary(path: &std::path::Path) -> Result<WaveSummary> {
    #[derive(Deserialize)]
    struct Head {
        wave_summary: Option<serde_json::Value>,
    }
    let bad = |message: String| Error::Comparison {
        path: path.to_path_buf(),
        field: "wave_summary".into(),
        message,
    };
    let text = pokeval_model::text::read_text(path)?;
    let head: Head = serde_json::from_str(&text)
        .map_err(|e| bad(format!("not an analyse.json of pokeval: {e}")))?;
    let value = head.wave_summary.ok_or_else(|| {
        bad("no wave summary: rebuild that wave with this version of pokeval".into())
    })?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != SUMMARY_FORMAT {
        return Err(bad(format!(
            "the summary is of format '{format}', this pokeval reads '{SUMMARY_FORMAT}'; rebuild that wave with this version"
        )));
    }
    let mut summary: WaveSummary = serde_json::from_value(value)
        .map_err(|e| bad(format!("cannot read the wave summary: {e}")))?;
    summary.file = path.to_path_buf();
    Ok(summary)
}

/// The questions of a wave by id (first survey first).
fn questions_of(w: &WaveSummary) -> BTreeMap<&str, &SummaryQuestion> {
    let mut out = BTreeMap::new();
    for q in &w.questions {
        out.entry(q.question.id.as_str()).or_insert(q);
    }
    out
}

/// The instrument file of a question, for messages: relative to the
/// wave's project file.
fn instrument_path(w: &WaveSummary, q: &SummaryQuestion) -> PathBuf {
    match w.file.parent() {
        Some(dir) if w.file.extension().is_none_or(|e| e != "json") => dir.join(&q.instrument),
        _ => PathBuf::from(format!("{} (from {})", q.instrument, w.file.display())),
    }
}

fn same_question(a: &Question, b: &Question) -> bool {
    let opts = |q: &Question| {
        q.options
            .iter()
            .map(|o| (o.code.clone(), o.label.clone(), o.missing))
            .collect::<Vec<_>>()
    };
    a.text.trim() == b.text.trim() && opts(a) == opts(b)
}

/// Checks that the waves can be compared: every earlier wave is of an
/// earlier year than the current one and of a year of its own, the
/// instruments share question ids, a shared id has one type, and a
/// question that changed says whether it is comparable.
pub fn check_waves(current: &WaveSummary, earlier: &[WaveSummary]) -> Result<()> {
    let cur_file = &current.file;
    let cur_wave = current.wave;
    let mut years = BTreeSet::new();
    for e in earlier {
        let w = e.wave;
        if w >= cur_wave {
            return Err(Error::Comparison {
                path: e.file.clone(),
                field: "wave".into(),
                message: format!(
                    "wave {w} is not earlier than the wave it is compared with ({cur_wave}, {}); list only earlier waves in comparison.earlier",
                    cur_file.display()
                ),
            });
        }
        if !years.insert(w) {
            return Err(Error::Comparison {
                path: cur_file.clone(),
                field: "comparison.earlier".into(),
                message: format!(
                    "two earlier projects are both wave {w} (the second is {}); list each wave once",
                    e.file.display()
                ),
            });
        }
    }
    let cur_q = questions_of(current);
    for e in earlier {
        let e_q = questions_of(e);
        let (Some((_, e_first)), Some((_, c_first))) = (e_q.iter().next(), cur_q.iter().next())
        else {
            continue;
        };
        let closed = |q: &Question| !matches!(q.kind, QuestionType::Municipality);
        let shared = e_q
            .iter()
            .filter(|(id, q)| closed(&q.question) && cur_q.contains_key(*id))
            .count();
        if shared == 0 {
            return Err(Error::Comparison {
                path: instrument_path(current, c_first),
                field: "question ids".into(),
                message: format!(
                    "no question id of the wave-{} instrument {} occurs in this instrument: the waves cannot be compared; give the same question the same id in every wave",
                    e.wave,
                    instrument_path(e, e_first).display()
                ),
            });
        }
        for (id, q) in &cur_q {
            let Some(eq) = e_q.get(id) else {
                continue;
            };
            let c_path = instrument_path(current, q);
            let e_path = instrument_path(e, eq);
            if q.question.kind != eq.question.kind {
                return Err(Error::Comparison {
                    path: c_path,
                    field: format!("question '{id}'"),
                    message: format!(
                        "is {:?} here but {:?} in wave {} ({}); a question that changed type needs a new id",
                        q.question.kind,
                        eq.question.kind,
                        e.wave,
                        e_path.display()
                    ),
                });
            }
            if q.question.comparable.is_none() && !same_question(&q.question, &eq.question) {
                return Err(Error::Comparison {
                    path: c_path,
                    field: format!("question '{id}'"),
                    message: format!(
                        "its text or options differ from wave {} ({}); say `comparable = true` or `comparable = false` for it in this instrument",
                        e.wave,
                        e_path.display()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Compares the current wave with the earlier ones (any order).
/// `register` is the current wave's register; `successor` follows an
/// earlier wave's municipality code to it (mergers): `Err(reason)` when it
/// cannot. Call [`check_waves`] first.
pub fn compare(
    current: &WaveSummary,
    register: &pokeval_model::Register,
    earlier: &[WaveSummary],
    successor: &dyn Fn(&str) -> std::result::Result<String, Unresolved>,
) -> Result<Comparison> {
    let mut all: Vec<&WaveSummary> = earlier.iter().collect();
    all.sort_by_key(|w| w.wave);
    all.push(current);
    let root = current.file.parent().unwrap_or(std::path::Path::new("."));
    let waves: Vec<WaveInfo> = all
        .iter()
        .map(|w| WaveInfo {
            wave: w.wave,
            project: w.project.clone(),
            file: pokeval_model::fsio::relative_display(root, &w.file),
            respondents: w.answers.total,
            municipalities: w.answers.respondents.len(),
            interviews: w.interviews,
            sources: w.sources,
        })
        .collect();
    let questions = question_trends(&all);
    let panel = panel(&all, register, &questions, successor);
    let (response_by_size_class, response_by_province) = response_rows(&all);
    let codes = code_trends(&all);
    let (funds_years, funds, unfollowed) = funds_trends(&all, register, successor);
    let mut panel = panel;
    panel.unfollowed.extend(unfollowed);
    Ok(Comparison {
        waves,
        questions,
        panel,
        response_by_size_class,
        response_by_province,
        codes,
        funds_years,
        funds,
    })
}

fn question_trends(all: &[&WaveSummary]) -> Vec<QuestionTrend> {
    let per_wave: Vec<BTreeMap<&str, &SummaryQuestion>> =
        all.iter().map(|w| questions_of(w)).collect();
    // the current questions in instrument order, then ids only earlier
    // waves had (latest first)
    let mut order: Vec<&Question> = Vec::new();
    let mut ids = BTreeSet::new();
    for w in all.iter().rev() {
        for q in &w.questions {
            if ids.insert(q.question.id.as_str()) {
                order.push(&q.question);
            }
        }
    }
    let n = all.len();
    let mut out = Vec::new();
    for q in order {
        if matches!(q.kind, QuestionType::Open | QuestionType::Municipality) {
            continue;
        }
        let asked: Vec<Option<&Question>> = per_wave
            .iter()
            .map(|m| m.get(q.id.as_str()).map(|s| &s.question))
            .collect();
        let in_waves = asked.iter().filter(|a| a.is_some()).count();
        let declared = asked[n - 1].and_then(|c| c.comparable);
        let (comparable, note) = if in_waves < 2 {
            let only: Vec<String> = all
                .iter()
                .zip(&asked)
                .filter(|(_, a)| a.is_some())
                .map(|(w, _)| w.wave.to_string())
                .collect();
            (
                false,
                Some(format!("alleen gevraagd in {}", only.join(", "))),
            )
        } else if asked[n - 1].is_none() {
            (false, Some("niet meer gevraagd".to_string()))
        } else if declared == Some(false) {
            (
                false,
                Some("tekst of antwoordopties gewijzigd; niet vergelijkbaar".to_string()),
            )
        } else {
            (true, None)
        };
        let mut options: Vec<TrendOption> = Vec::new();
        for a in asked.iter().rev().flatten() {
            for o in &a.options {
                if !options.iter().any(|t| t.code == o.code) {
                    options.push(TrendOption {
                        code: o.code.clone(),
                        label: o.label.clone(),
                        missing: o.missing,
                    });
                }
            }
        }
        let waves: Vec<Option<QuestionWave>> = all
            .iter()
            .zip(&asked)
            .map(|(w, asked)| {
                let a = &w.answers;
                asked.map(|_| {
                    let counts: Vec<usize> =
                        options.iter().map(|o| a.get(&q.id, &o.code)).collect();
                    let substantive = match q.kind {
                        QuestionType::Single | QuestionType::Likert => options
                            .iter()
                            .zip(&counts)
                            .filter(|(o, _)| !o.missing)
                            .map(|(_, c)| c)
                            .sum(),
                        _ => a.n.get(&q.id).copied().unwrap_or(0),
                    };
                    QuestionWave {
                        wave: w.wave,
                        n: a.n.get(&q.id).copied().unwrap_or(0),
                        counts,
                        substantive,
                        mean: a
                            .sums
                            .get(&q.id)
                            .filter(|(_, k)| *k > 0)
                            .map(|(s, k)| s / *k as f64),
                    }
                })
            })
            .collect();
        let mut changes = Vec::new();
        if comparable && matches!(q.kind, QuestionType::Single | QuestionType::Likert) {
            if let Some(now) = &waves[n - 1] {
                for then in waves[..n - 1].iter().flatten() {
                    changes.push(chi_square_change(&options, then, now));
                }
            }
        }
        out.push(QuestionTrend {
            question: q.id.clone(),
            short: q.short_label().to_string(),
            text: asked[n - 1].unwrap_or(q).text.clone(),
            kind: q.kind,
            group: q.group.clone(),
            comparable,
            note,
            options,
            waves,
            changes,
        });
    }
    out
}

/// Pearson's chi-square test of homogeneity of two waves' substantive
/// answers, with the rule for when a star may be shown (module docs).
pub fn chi_square_change(
    options: &[TrendOption],
    then: &QuestionWave,
    now: &QuestionWave,
) -> ChangeTest {
    let cols: Vec<(usize, usize)> = options
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.missing)
        .map(|(i, _)| (then.counts[i], now.counts[i]))
        .filter(|(a, b)| a + b > 0)
        .collect();
    let (n1, n2): (usize, usize) = cols.iter().fold((0, 0), |(x, y), (a, b)| (x + a, y + b));
    let mut test = ChangeTest {
        from: then.wave,
        to: now.wave,
        chi_square: None,
        df: cols.len().saturating_sub(1),
        p_value: None,
        significant: false,
        caveat: None,
    };
    if cols.len() < 2 || n1 == 0 || n2 == 0 {
        test.caveat =
            Some("geen toets: minder dan twee antwoordcategorieën of een lege meting".into());
        return test;
    }
    let total = (n1 + n2) as f64;
    let mut chi = 0.0;
    let mut small = 0;
    let mut below_one = false;
    for &(a, b) in &cols {
        let col = (a + b) as f64;
        for (obs, row) in [(a, n1), (b, n2)] {
            let exp = row as f64 * col / total;
            if exp < 1.0 {
                below_one = true;
            }
            if exp < 5.0 {
                small += 1;
            }
            chi += (obs as f64 - exp).powi(2) / exp;
        }
    }
    let df = cols.len() - 1;
    let p = puruspe::gammq(df as f64 / 2.0, chi / 2.0);
    test.chi_square = Some(chi);
    test.p_value = Some(p);
    let cells = cols.len() * 2;
    test.caveat = if n1 < MIN_N || n2 < MIN_N {
        Some(format!("n < {MIN_N} in een meting"))
    } else if below_one || small * 5 > cells {
        Some("te kleine verwachte aantallen".into())
    } else {
        None
    };
    test.significant = test.caveat.is_none() && p < ALPHA;
    test
}

fn panel(
    all: &[&WaveSummary],
    register: &pokeval_model::Register,
    questions: &[QuestionTrend],
    successor: &dyn Fn(&str) -> std::result::Result<String, Unresolved>,
) -> Panel {
    let n = all.len();
    let mut unfollowed = Vec::new();
    // per wave: the wave's code -> current code
    let mut maps: Vec<BTreeMap<String, String>> = Vec::new();
    let mut rows: BTreeMap<String, PanelRow> = BTreeMap::new();
    // the questions whose first answer a panel row keeps
    let single: BTreeSet<&str> = questions
        .iter()
        .filter(|t| matches!(t.kind, QuestionType::Single | QuestionType::Likert))
        .map(|t| t.question.as_str())
        .collect();
    for (i, w) in all.iter().enumerate() {
        let a = &w.answers;
        let wave = w.wave;
        let mut codes: BTreeSet<&str> = a.respondents.keys().map(String::as_str).collect();
        codes.extend(w.interviewed.iter().map(String::as_str));
        let mut map = BTreeMap::new();
        for code in codes {
            let now = if i == n - 1 || register.get(code).is_some() {
                Ok(code.to_string())
            } else {
                successor(code).map_err(|e| e.to_string())
            };
            let now = match now {
                Ok(c) if register.get(&c).is_some() => c,
                Ok(c) => {
                    unfollowed.push(Unfollowed {
                        wave,
                        code: code.to_string(),
                        reason: format!("{c} is not in the current register"),
                    });
                    continue;
                }
                Err(reason) => {
                    unfollowed.push(Unfollowed {
                        wave,
                        code: code.to_string(),
                        reason,
                    });
                    continue;
                }
            };
            let row = rows.entry(now.clone()).or_insert_with(|| PanelRow {
                code: now.clone(),
                name: register
                    .get(&now)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
                answered: Vec::new(),
                interviewed: Vec::new(),
                former: Vec::new(),
                extra_respondents: 0,
                answers: vec![BTreeMap::new(); n],
                passages: vec![[0; 8]; n],
            });
            if now != code {
                row.former.push(format!("{code} ({wave})"));
            }
            if let Some(k) = a.respondents.get(code) {
                if !row.answered.contains(&wave) {
                    row.answered.push(wave);
                }
                row.extra_respondents += k - 1;
            }
            if w.interviewed.contains(code) && !row.interviewed.contains(&wave) {
                row.interviewed.push(wave);
            }
            if let Some(qs) = a.first.get(code) {
                for (q, values) in qs {
                    if let (true, Some(v)) = (single.contains(q.as_str()), values.first()) {
                        row.answers[i].entry(q.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
            if let Some(lines) = w.profiles.get(code) {
                for (sum, x) in row.passages[i].iter_mut().zip(lines) {
                    *sum += x;
                }
            }
            map.insert(code.to_string(), now);
        }
        maps.push(map);
    }
    let mut by_waves_answered = vec![0; n];
    for r in rows.values() {
        if !r.answered.is_empty() {
            by_waves_answered[r.answered.len() - 1] += 1;
        }
    }
    // transitions: first answers, keyed by current code
    let firsts: Vec<BTreeMap<&str, &BTreeMap<String, Vec<String>>>> = all
        .iter()
        .zip(&maps)
        .map(|(w, map)| {
            let mut m = BTreeMap::new();
            for (code, qs) in &w.answers.first {
                if let Some(now) = map.get(code) {
                    // two former municipalities merged into one: the first
                    // in code order stands for the successor
                    m.entry(now.as_str()).or_insert(qs);
                }
            }
            m
        })
        .collect();
    let mut transitions = Vec::new();
    for q in questions {
        if !q.comparable || !matches!(q.kind, QuestionType::Single | QuestionType::Likert) {
            continue;
        }
        let idx = |v: &str| q.options.iter().position(|o| o.code == v);
        for (w, first) in firsts[..n - 1].iter().enumerate() {
            if q.waves[w].is_none() {
                continue;
            }
            let k = q.options.len();
            let mut t = Transition {
                question: q.question.clone(),
                short: q.short.clone(),
                from: all[w].wave,
                to: all[n - 1].wave,
                options: q.options.clone(),
                counts: vec![vec![0; k]; k],
                municipalities: 0,
                unchanged: 0,
                changed: Vec::new(),
            };
            for (code, qs) in first {
                let then = qs.get(&q.question).and_then(|v| v.first());
                let now = firsts[n - 1]
                    .get(code)
                    .and_then(|qs| qs.get(&q.question))
                    .and_then(|v| v.first());
                let (Some(then), Some(now)) = (then, now) else {
                    continue;
                };
                let (Some(i), Some(j)) = (idx(then), idx(now)) else {
                    continue;
                };
                t.counts[i][j] += 1;
                t.municipalities += 1;
                if i == j {
                    t.unchanged += 1;
                } else {
                    t.changed
                        .push((code.to_string(), then.clone(), now.clone()));
                }
            }
            transitions.push(t);
        }
    }
    Panel {
        rows: rows.into_values().collect(),
        by_waves_answered,
        transitions,
        unfollowed,
    }
}

fn response_rows(all: &[&WaveSummary]) -> (Vec<WaveCountRow>, Vec<WaveCountRow>) {
    let n = all.len();
    let mut by_size: BTreeMap<SizeClass, Vec<usize>> = BTreeMap::new();
    let mut by_prov: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, w) in all.iter().enumerate() {
        let reg: HashMap<&str, &pokeval_model::Municipality> = w
            .municipalities
            .iter()
            .map(|m| (m.code.as_str(), m))
            .collect();
        for code in w.answers.respondents.keys() {
            let Some(m) = reg.get(code.as_str()) else {
                continue;
            };
            by_size.entry(m.size_class).or_insert_with(|| vec![0; n])[i] += 1;
            by_prov
                .entry(m.province.clone())
                .or_insert_with(|| vec![0; n])[i] += 1;
        }
    }
    let sizes = SizeClass::all()
        .filter_map(|c| {
            by_size.get(&c).map(|counts| WaveCountRow {
                label: c.label().to_string(),
                size_class: Some(c),
                counts: counts.clone(),
            })
        })
        .collect();
    let provs = by_prov
        .into_iter()
        .map(|(label, counts)| WaveCountRow {
            label,
            size_class: None,
            counts,
        })
        .collect();
    (sizes, provs)
}

/// Money per 1.000 inhabitants per municipality and wave, each wave with
/// its own register's inhabitants; a former municipality's euros and
/// inhabitants are added to its successor's; a code that cannot be
/// followed is returned as unfollowed, not dropped.
fn funds_trends(
    all: &[&WaveSummary],
    register: &pokeval_model::Register,
    successor: &dyn Fn(&str) -> std::result::Result<String, Unresolved>,
) -> (Vec<Option<u16>>, Vec<FundsTrend>, Vec<Unfollowed>) {
    let mut unfollowed = Vec::new();
    let n = all.len();
    let years = all
        .iter()
        .map(|w| w.funds.as_ref().map(|f| f.year))
        .collect();
    // current code -> per wave (inhabitants, euros)
    let mut sums: BTreeMap<String, Vec<Option<(u64, f64)>>> = BTreeMap::new();
    for (i, w) in all.iter().enumerate() {
        let Some(f) = &w.funds else { continue };
        for (code, inhabitants, euros) in &f.rows {
            let now = if register.get(code).is_some() {
                code.clone()
            } else {
                match successor(code).map_err(|e| e.to_string()).and_then(|c| {
                    register
                        .get(&c)
                        .map(|_| c.clone())
                        .ok_or_else(|| format!("{c} is not in the current register"))
                }) {
                    Ok(c) => c,
                    Err(reason) => {
                        unfollowed.push(Unfollowed {
                            wave: w.wave,
                            code: code.clone(),
                            reason: format!("money per municipality: {reason}"),
                        });
                        continue;
                    }
                }
            };
            let slot = &mut sums.entry(now).or_insert_with(|| vec![None; n])[i];
            let (h, e) = slot.get_or_insert((0, 0.0));
            *h += inhabitants;
            *e += euros;
        }
    }
    let rows = sums
        .into_iter()
        .map(|(code, per)| FundsTrend {
            name: register
                .get(&code)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            code,
            per_1000: per
                .into_iter()
                .map(|x| {
                    x.filter(|(h, _)| *h > 0)
                        .map(|(h, e)| e * 1000.0 / h as f64)
                })
                .collect(),
        })
        .collect();
    (years, rows, unfollowed)
}

fn code_trends(all: &[&WaveSummary]) -> Vec<CodeTrend> {
    // action lines 1-8 first, then codes: the current codebook's order,
    // then codes only earlier codebooks had
    let mut rows: Vec<CodeTrend> = ActionLine::all()
        .map(|l| CodeTrend {
            id: format!("AL{}", l.number()),
            label: l.name().to_string(),
            action_line: Some(l),
            is_action_line: true,
            waves: Vec::new(),
            status: CodeStatus::Absent,
        })
        .collect();
    let mut seen = BTreeSet::new();
    for w in all.iter().rev() {
        for c in w.codes.iter().filter(|c| !c.is_action_line) {
            if seen.insert(c.id.clone()) {
                rows.push(CodeTrend {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    action_line: c.action_line,
                    is_action_line: false,
                    waves: Vec::new(),
                    status: CodeStatus::Absent,
                });
            }
        }
    }
    for w in all {
        let per = |x: usize| (w.sources > 0).then(|| x as f64 / w.sources as f64);
        let of: HashMap<(&str, bool), &SummaryCode> = w
            .codes
            .iter()
            .map(|c| ((c.id.as_str(), c.is_action_line), c))
            .collect();
        for row in &mut rows {
            let f = of.get(&(row.id.as_str(), row.is_action_line));
            let (passages, s, m) =
                f.map_or((0, 0, 0), |f| (f.passages, f.sources, f.municipalities));
            row.waves.push(CodeWave {
                wave: w.wave,
                passages,
                sources: s,
                municipalities: m,
                per_source: per(passages),
            });
        }
    }
    for row in &mut rows {
        let Some((now, before)) = row.waves.split_last() else {
            continue;
        };
        let before = before.iter().any(|w| w.passages > 0);
        row.status = match (now.passages > 0, before) {
            (true, false) => CodeStatus::New,
            (false, true) => CodeStatus::Vanished,
            (true, true) => CodeStatus::Continued,
            (false, false) => CodeStatus::Absent,
        };
    }
    rows
}

/// One coded passage of a municipality: its segment id, the position of
/// its source in the analysis's sources, and its span.
#[derive(Debug, Clone, Copy)]
pub struct PassageRef<'a> {
    /// The segment id.
    pub segment: &'a str,
    /// The position of its source in the analysis's sources.
    pub source: u32,
    /// Its span in the source text.
    pub span: Span,
}

/// Per municipality, the coded passages on each action line (index 0 is
/// action line 1), in the order of [`CodedSegments::iter`]; only
/// municipalities with at least one passage on an action line.
pub type MunicipalityPassages<'a> = BTreeMap<&'a str, [Vec<PassageRef<'a>>; 8]>;

/// The passages per action line of every municipality: a segment counts
/// once for each action line any of its codes belongs to.
pub fn municipality_passages<'a>(
    coded: &CodedSegments<'a>,
    member: &Membership,
    sources: &'a [pokeval_model::Source],
) -> MunicipalityPassages<'a> {
    let mut out: MunicipalityPassages<'a> = BTreeMap::new();
    for (id, seg) in coded.iter() {
        let Some(i) = seg.source_index else { continue };
        let Some(m) = sources[i as usize].municipality.as_deref() else {
            continue;
        };
        // the action lines of the segment's codes, each once, in order
        let mut lines = [false; 8];
        for c in &seg.codes {
            if let Some(l) = member.line_of(c) {
                lines[usize::from(l.number() - 1)] = true;
            }
        }
        if !lines.contains(&true) {
            continue;
        }
        let entry = out.entry(m).or_default();
        for (l, _) in lines.iter().enumerate().filter(|(_, on)| **on) {
            entry[l].push(PassageRef {
                segment: id,
                source: i,
                span: seg.span,
            });
        }
    }
    out
}

/// The `n` passages of `all` with the lowest segment ids, in id order,
/// found without sorting them all.
fn first_by_id<'a>(all: &[PassageRef<'a>], n: usize) -> Vec<PassageRef<'a>> {
    let mut first = all.to_vec();
    if n < first.len() {
        first.select_nth_unstable_by(n, |a, b| a.segment.cmp(b.segment));
        first.truncate(n);
    }
    first.sort_unstable_by(|a, b| a.segment.cmp(b.segment));
    first
}

/// The number of passages per action line of every municipality.
pub fn line_counts(passages: &MunicipalityPassages) -> BTreeMap<String, [usize; 8]> {
    passages
        .iter()
        .map(|(m, lines)| (m.to_string(), std::array::from_fn(|i| lines[i].len())))
        .collect()
}

/// A peer a municipality can learn from.
#[derive(Debug, Clone, Serialize)]
pub struct LearningMatch {
    /// The municipality's CBS code.
    pub municipality: String,
    /// Its name.
    pub municipality_name: String,
    /// The peer's CBS code.
    pub peer: String,
    /// The peer's name.
    pub peer_name: String,
    /// Cosine similarity of the two action-line profiles (0 to 1).
    pub similarity: f64,
    /// Whether both are in the same size class.
    pub same_size_class: bool,
    /// Action lines the peer works on (>= [`MIN_PEER_PASSAGES`] passages)
    /// and the municipality has no passage on.
    pub strengths: Vec<Strength>,
    /// The reason in words (Dutch, for the report and the export).
    pub reason: String,
}

/// An action line a peer is strong on, with the passages that show it.
#[derive(Debug, Clone, Serialize)]
pub struct Strength {
    /// The action line.
    pub action_line: ActionLine,
    /// The peer's passages on it.
    pub peer_passages: usize,
    /// Some of those passages, to read.
    pub passages: Vec<Passage>,
}

/// A backing passage: its source and (pseudonymised) text.
#[derive(Debug, Clone, Serialize)]
pub struct Passage {
    /// The source id.
    pub source: String,
    /// The passage's span in the source text.
    pub span: Span,
    /// The passage (pseudonymised).
    pub text: String,
}

/// Learning matches of the current wave: for each municipality with coded
/// passages, up to [`MAX_PEERS`] peers of the same or a neighbouring size
/// class, ranked by the cosine similarity of their action-line profiles
/// (passages per action line; at least [`MIN_SIMILARITY`]), that have at least [`MIN_PEER_PASSAGES`]
/// passages on an action line where the municipality has none. Ties go to
/// the peer with the lower CBS code, so the result is deterministic.
pub fn learning_matches(
    profiles: &MunicipalityPassages,
    sources: &[pokeval_model::Source],
    register: &pokeval_model::Register,
) -> Vec<LearningMatch> {
    let vec_of =
        |prof: &[Vec<PassageRef>; 8]| -> [f64; 8] { std::array::from_fn(|i| prof[i].len() as f64) };
    let cosine = |a: &[f64; 8], b: &[f64; 8]| {
        let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
        let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
        if na == 0.0 || nb == 0.0 {
            0.0
        } else {
            dot / (na * nb)
        }
    };
    // the passages of a peer's action line, cut out once
    let mut passages: HashMap<(&str, usize), Vec<Passage>> = HashMap::new();
    let mut out = Vec::new();
    for (&m, prof) in profiles {
        let Some(mm) = register.get(m) else { continue };
        let mv = vec_of(prof);
        // rank on counts alone; passages are cut out for the chosen peers
        let mut cands: Vec<(f64, &str, Vec<ActionLine>)> = Vec::new();
        for (&peer, pprof) in profiles {
            if peer == m {
                continue;
            }
            let Some(pm) = register.get(peer) else {
                continue;
            };
            if mm.size_class.code().abs_diff(pm.size_class.code()) > 1 {
                continue;
            }
            let gaps: Vec<ActionLine> = ActionLine::all()
                .filter(|l| {
                    let i = usize::from(l.number() - 1);
                    prof[i].is_empty() && pprof[i].len() >= MIN_PEER_PASSAGES
                })
                .collect();
            if gaps.is_empty() {
                continue;
            }
            let sim = cosine(&mv, &vec_of(pprof));
            if sim < MIN_SIMILARITY {
                continue;
            }
            cands.push((sim, peer, gaps));
        }
        cands.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        for (sim, peer, gaps) in cands.into_iter().take(MAX_PEERS) {
            let (Some(pm), Some(pprof)) = (register.get(peer), profiles.get(peer)) else {
                continue;
            };
            let strengths: Vec<Strength> = gaps
                .into_iter()
                .map(|l| {
                    let i = usize::from(l.number() - 1);
                    let passages = passages
                        .entry((peer, i))
                        .or_insert_with(|| {
                            first_by_id(&pprof[i], MAX_PASSAGES)
                                .into_iter()
                                .map(|p| {
                                    let s = &sources[p.source as usize];
                                    Passage {
                                        source: s.id.clone(),
                                        span: p.span,
                                        text: p
                                            .span
                                            .slice(&s.text)
                                            .map(|t| shorten(t, EXCERPT_CHARS))
                                            .unwrap_or_default(),
                                    }
                                })
                                .collect()
                        })
                        .clone();
                    Strength {
                        action_line: l,
                        peer_passages: pprof[i].len(),
                        passages,
                    }
                })
                .collect();
            let same = pm.size_class == mm.size_class;
            let lines: Vec<String> = strengths
                .iter()
                .map(|s| {
                    format!(
                        "actielijn {} ({})",
                        s.action_line.number(),
                        s.action_line.name().to_lowercase()
                    )
                })
                .collect();
            let reason = format!(
                "{} is {} en heeft een {} aanpak; {} werkt aan {}, waarover uit {} nog geen passages zijn.",
                pm.name,
                if same {
                    "even groot".to_string()
                } else {
                    "van een naburige grootteklasse".to_string()
                },
                if sim >= 0.5 { "vergelijkbare" } else { "deels vergelijkbare" },
                pm.name,
                join_dutch(&lines),
                mm.name
            );
            out.push(LearningMatch {
                municipality: m.to_string(),
                municipality_name: mm.name.clone(),
                peer: peer.to_string(),
                peer_name: pm.name.clone(),
                similarity: sim,
                same_size_class: same,
                strengths,
                reason,
            });
        }
    }
    out
}

fn join_dutch(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} en {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(codes: &[(&str, bool)]) -> Vec<TrendOption> {
        codes
            .iter()
            .map(|(c, m)| TrendOption {
                code: c.to_string(),
                label: c.to_string(),
                missing: *m,
            })
            .collect()
    }

    fn wave(year: u16, counts: &[usize]) -> QuestionWave {
        QuestionWave {
            wave: Wave::new(year).unwrap(),
            n: counts.iter().sum(),
            counts: counts.to_vec(),
            substantive: 0,
            mean: None,
        }
    }

    #[test]
    fn chi_square_matches_a_hand_computation() {
        // 2x2: then 30 ja / 20 nee, now 45 ja / 5 nee. Expected 37.5/12.5
        // per row; chi2 = 2 * (7.5^2/37.5 + 7.5^2/12.5) = 12.0; df 1;
        // p = 0.000532 (scipy.stats.chi2.sf(12, 1)).
        let o = opts(&[("1", false), ("2", false), ("3", true)]);
        let t = chi_square_change(&o, &wave(2024, &[30, 20, 7]), &wave(2026, &[45, 5, 1]));
        assert!((t.chi_square.unwrap() - 12.0).abs() < 1e-9);
        assert_eq!(t.df, 1);
        assert!((t.p_value.unwrap() - 0.000532).abs() < 1e-5, "{t:?}");
        assert!(t.significant);
        assert!(t.caveat.is_none());
    }

    #[test]
    fn no_star_below_thirty_respondents() {
        let o = opts(&[("1", false), ("2", false)]);
        let t = chi_square_change(&o, &wave(2024, &[20, 0]), &wave(2025, &[0, 20]));
        assert!(t.p_value.unwrap() < 0.001);
        assert!(!t.significant);
        assert_eq!(t.caveat.as_deref(), Some("n < 30 in een meting"));
        // one category left: no test at all
        let t = chi_square_change(&o, &wave(2024, &[20, 0]), &wave(2025, &[9, 0]));
        assert!(t.p_value.is_none() && !t.significant);
    }

    #[test]
    fn dutch_lists() {
        let l = |v: &[&str]| {
            join_dutch(
                &v.iter()
                    .map(std::string::ToString::to_string)
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(l(&["a"]), "a");
        assert_eq!(l(&["a", "b", "c"]), "a, b en c");
    }
}
