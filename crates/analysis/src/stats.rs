//! The [`Analysis`]: tables and counts computed from the ingested inputs.

use std::collections::{BTreeMap, BTreeSet};

use pokeval_ingest::funds::FundsTable;
use pokeval_ingest::model::{ActionLine, Municipality, Route, SizeClass, Source, SourceKind, Wave};
use pokeval_ingest::survey::QuestionType;
use pokeval_ingest::{InputSummary, Inputs, Progress, Reject};
use polars::prelude::*;
use serde::Serialize;

use crate::autocode::{autocode, Coding};
use crate::codebook::Codebook;
use crate::error::{Error, Result};

/// The planned yearly amount the funds are measured against (EUR million).
pub const PLANNED_YEARLY_MLN: f64 = 150.0;

/// Everything the report shows, computed from the inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub project: String,
    pub wave: Wave,
    pub inputs: Vec<InputSummary>,
    pub rejects: Vec<Reject>,
    pub codebook: CodebookSummary,
    pub sources: SourceCounts,
    pub segments: usize,
    pub codings: Vec<Coding>,
    pub codings_per_action_line: Vec<ActionLineCount>,
    pub funds: FundsSummary,
    pub survey: Vec<QuestionFrequencies>,
    pub vouchers: VoucherSummary,
    /// The municipality register, for names, provinces and size classes.
    pub municipalities: Vec<Municipality>,
}

/// The codebook's name and codes (without rules).
#[derive(Debug, Clone, Serialize)]
pub struct CodebookSummary {
    pub name: String,
    pub codes: Vec<CodeRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeRef {
    pub id: String,
    pub label: String,
    pub action_line: Option<ActionLine>,
    pub rules: usize,
}

/// How many sources of each kind were coded, and from how many municipalities.
#[derive(Debug, Clone, Serialize)]
pub struct SourceCounts {
    pub interviews: usize,
    pub survey_answers: usize,
    pub documents: usize,
    pub interview_municipalities: usize,
    pub survey_respondents: usize,
    pub survey_municipalities: usize,
}

/// Codings for one action line (all codes tied to it).
#[derive(Debug, Clone, Serialize)]
pub struct ActionLineCount {
    pub action_line: ActionLine,
    pub name: String,
    /// Coded segments.
    pub segments: usize,
    /// Distinct sources with at least one coded segment.
    pub sources: usize,
    /// Distinct municipalities with at least one coded segment.
    pub municipalities: usize,
}

/// A row of the funds table with its action line's name.
#[derive(Debug, Clone, Serialize)]
pub struct FundsSummaryRow {
    pub route: Route,
    pub route_label: String,
    pub action_line: ActionLine,
    pub name: String,
    pub amounts: Vec<Option<f64>>,
}

/// The funds table with totals per year and route.
#[derive(Debug, Clone, Serialize)]
pub struct FundsSummary {
    pub years: Vec<u16>,
    pub rows: Vec<FundsSummaryRow>,
    /// Per year, the sum over all rows (EUR million).
    pub totals: Vec<f64>,
    /// Per year, total minus the planned EUR 150 million.
    pub difference_from_planned: Vec<f64>,
    /// Per route, per year.
    pub per_route: Vec<(Route, Vec<f64>)>,
}

/// Answers to one closed question.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionFrequencies {
    pub question: String,
    pub text: String,
    pub short: String,
    pub kind: QuestionType,
    /// One entry per option in instrument order, including unchosen options.
    pub options: Vec<OptionCount>,
    /// Respondents who answered (including "weet niet" and the like).
    pub answered: usize,
    /// Mean of the substantive answers, for numeric questions.
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionCount {
    pub code: String,
    pub label: String,
    pub missing: bool,
    pub count: usize,
}

/// Vouchers by size class.
#[derive(Debug, Clone, Serialize)]
pub struct VoucherSummary {
    pub count: usize,
    pub total_amount: f64,
    pub by_size_class: Vec<VoucherClassRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VoucherClassRow {
    pub size_class: SizeClass,
    pub label: String,
    pub vouchers: usize,
    pub municipalities: usize,
    pub amount: f64,
}

/// Runs the analysis on ingested inputs.
pub fn analyse(
    project: &str,
    wave: Wave,
    inputs: &Inputs,
    codebook: &Codebook,
    progress: &dyn Progress,
) -> Result<Analysis> {
    progress.step("coding sources with the codebook");
    let (segments, codings) = autocode(codebook, &inputs.sources)?;
    progress.step("computing statistics");
    let codings_per_action_line = per_action_line(codebook, &inputs.sources, &codings);
    let survey = survey_frequencies(inputs)?;
    Ok(Analysis {
        project: project.to_string(),
        wave,
        inputs: inputs.summary.clone(),
        rejects: inputs.rejects.clone(),
        codebook: CodebookSummary {
            name: codebook.name.clone(),
            codes: codebook
                .codes
                .iter()
                .map(|c| CodeRef {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    action_line: c.action_line,
                    rules: c.include.len() + c.exclude.len(),
                })
                .collect(),
        },
        sources: source_counts(inputs),
        segments: segments.len(),
        codings,
        codings_per_action_line,
        funds: funds_summary(&inputs.funds),
        survey,
        vouchers: voucher_summary(inputs),
        municipalities: inputs.register.iter().cloned().collect(),
    })
}

fn source_counts(inputs: &Inputs) -> SourceCounts {
    let count = |k: SourceKind| inputs.sources.iter().filter(|s| s.kind == k).count();
    let interview_munis: BTreeSet<_> = inputs
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Interview)
        .filter_map(|s| s.municipality.as_deref())
        .collect();
    let respondents: usize = inputs
        .surveys
        .iter()
        .map(|s| s.data.respondents.len())
        .sum();
    let survey_munis: BTreeSet<_> = inputs
        .surveys
        .iter()
        .flat_map(|s| s.data.respondents.values())
        .collect();
    SourceCounts {
        interviews: count(SourceKind::Interview),
        survey_answers: count(SourceKind::SurveyAnswer),
        documents: count(SourceKind::Document),
        interview_municipalities: interview_munis.len(),
        survey_respondents: respondents,
        survey_municipalities: survey_munis.len(),
    }
}

fn per_action_line(
    codebook: &Codebook,
    sources: &[Source],
    codings: &[Coding],
) -> Vec<ActionLineCount> {
    let code_al: BTreeMap<&str, ActionLine> = codebook
        .codes
        .iter()
        .filter_map(|c| c.action_line.map(|al| (c.id.as_str(), al)))
        .collect();
    let muni: BTreeMap<&str, Option<&str>> = sources
        .iter()
        .map(|s| (s.id.as_str(), s.municipality.as_deref()))
        .collect();
    ActionLine::all()
        .map(|al| {
            let mut segs = BTreeSet::new();
            let mut srcs = BTreeSet::new();
            let mut munis = BTreeSet::new();
            for c in codings
                .iter()
                .filter(|c| code_al.get(c.code.as_str()) == Some(&al))
            {
                segs.insert(c.segment.as_str());
                srcs.insert(c.source.as_str());
                if let Some(Some(m)) = muni.get(c.source.as_str()) {
                    munis.insert(*m);
                }
            }
            ActionLineCount {
                action_line: al,
                name: al.name().to_string(),
                segments: segs.len(),
                sources: srcs.len(),
                municipalities: munis.len(),
            }
        })
        .collect()
}

/// Sums the funds table per year and per route.
pub fn funds_summary(funds: &FundsTable) -> FundsSummary {
    let n = funds.years.len();
    let mut totals = vec![0.0; n];
    let mut per_route: BTreeMap<Route, Vec<f64>> = BTreeMap::new();
    for row in &funds.rows {
        let route_sum = per_route.entry(row.route).or_insert_with(|| vec![0.0; n]);
        for (i, a) in row.amounts.iter().enumerate() {
            let v = a.unwrap_or(0.0);
            totals[i] += v;
            route_sum[i] += v;
        }
    }
    FundsSummary {
        years: funds.years.clone(),
        rows: funds
            .rows
            .iter()
            .map(|r| FundsSummaryRow {
                route: r.route,
                route_label: r.route.label().to_string(),
                action_line: r.action_line,
                name: r.action_line.name().to_string(),
                amounts: r.amounts.clone(),
            })
            .collect(),
        difference_from_planned: totals.iter().map(|t| t - PLANNED_YEARLY_MLN).collect(),
        totals,
        per_route: per_route.into_iter().collect(),
    }
}

/// Counts answers per option for closed questions, with polars.
fn survey_frequencies(inputs: &Inputs) -> Result<Vec<QuestionFrequencies>> {
    let mut out = Vec::new();
    for survey in &inputs.surveys {
        let err = |e: PolarsError| Error::Table {
            what: "survey frequencies".into(),
            message: e.to_string(),
        };
        let counts = survey
            .data
            .long
            .clone()
            .lazy()
            .group_by([col("question"), col("value")])
            .agg([len().alias("n")])
            .collect()
            .map_err(err)?;
        let q_col = counts
            .column("question")
            .and_then(|c| c.str().cloned())
            .map_err(err)?;
        let v_col = counts
            .column("value")
            .and_then(|c| c.str().cloned())
            .map_err(err)?;
        let n_col = counts
            .column("n")
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(err)?;
        let n_col = n_col.u64().map_err(err)?;
        let mut by_key: BTreeMap<(String, String), usize> = BTreeMap::new();
        for i in 0..counts.height() {
            if let (Some(q), Some(v), Some(n)) = (q_col.get(i), v_col.get(i), n_col.get(i)) {
                by_key.insert((q.to_string(), v.to_string()), n as usize);
            }
        }
        let means = survey
            .data
            .long
            .clone()
            .lazy()
            .filter(col("missing").not())
            .group_by([col("question")])
            .agg([col("number").mean().alias("mean")])
            .collect()
            .map_err(err)?;
        let mq = means
            .column("question")
            .and_then(|c| c.str().cloned())
            .map_err(err)?;
        let mm = means
            .column("mean")
            .and_then(|c| c.f64().cloned())
            .map_err(err)?;
        let mean_of: BTreeMap<String, f64> = (0..means.height())
            .filter_map(|i| Some((mq.get(i)?.to_string(), mm.get(i)?)))
            .collect();
        for q in &survey.instrument.questions {
            if matches!(q.kind, QuestionType::Open | QuestionType::Municipality) {
                continue;
            }
            let options: Vec<OptionCount> = q
                .options
                .iter()
                .map(|o| OptionCount {
                    code: o.code.clone(),
                    label: o.label.clone(),
                    missing: o.missing,
                    count: by_key
                        .get(&(q.id.clone(), o.code.clone()))
                        .copied()
                        .unwrap_or(0),
                })
                .collect();
            let answered = by_key
                .iter()
                .filter(|((qid, _), _)| qid == &q.id)
                .map(|(_, n)| n)
                .sum();
            out.push(QuestionFrequencies {
                question: q.id.clone(),
                text: q.text.clone(),
                short: q.short_label().to_string(),
                kind: q.kind,
                options,
                answered,
                mean: if q.kind == QuestionType::Numeric {
                    mean_of.get(&q.id).copied()
                } else {
                    None
                },
            });
        }
    }
    Ok(out)
}

fn voucher_summary(inputs: &Inputs) -> VoucherSummary {
    let by_class = SizeClass::all()
        .map(|sc| {
            let vs: Vec<_> = inputs
                .vouchers
                .iter()
                .filter(|v| inputs.register.get(&v.municipality).map(|m| m.size_class) == Some(sc))
                .collect();
            let munis: BTreeSet<_> = vs.iter().map(|v| v.municipality.as_str()).collect();
            VoucherClassRow {
                size_class: sc,
                label: sc.label().to_string(),
                vouchers: vs.len(),
                municipalities: munis.len(),
                amount: vs.iter().map(|v| v.amount).sum(),
            }
        })
        .collect();
    VoucherSummary {
        count: inputs.vouchers.len(),
        total_amount: inputs.vouchers.iter().map(|v| v.amount).sum(),
        by_size_class: by_class,
    }
}
