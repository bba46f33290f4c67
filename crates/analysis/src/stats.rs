//! The [`Analysis`]: tables and counts computed from the ingested inputs.

use std::collections::{BTreeMap, BTreeSet};

use pokeval_ingest::funds::FundsTable;
use pokeval_ingest::Inputs;
use pokeval_model::{ActionLine, Municipality, Route, SizeClass, SourceKind, Wave};
use pokeval_model::{InputSummary, Progress, Reject};
use pokeval_survey::QuestionType;
use serde::Serialize;

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::manual::{agreement, place_manual, rule_quality, AgreementReport, RuleQuality};
use crate::tables::*;

pub use pokeval_model::PLANNED_YEARLY_MLN;

/// Everything the report shows, computed from the inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The project's name.
    pub project: String,
    /// The wave.
    pub wave: Wave,
    /// What each input gave: read, accepted, rejected.
    pub inputs: Vec<InputSummary>,
    /// Every rejected record, with file, line and reason.
    pub rejects: Vec<Reject>,
    /// Municipality texts matched fuzzily (accepted) or not placed
    /// (rejected), for the mapping file.
    pub municipality_review: Vec<pokeval_model::resolve::ReviewItem>,
    /// The codebook used.
    pub codebook: CodebookSummary,
    /// The sources coded, by kind.
    pub sources: SourceCounts,
    /// Per municipality (CBS code, in code order) how it took part: its
    /// survey respondents and interviews. Municipalities that took no
    /// part are not listed.
    pub participation: Vec<Participation>,
    /// The segments the sources were cut into.
    pub segments: usize,
    /// Rule codings and manual codings, each with its origin.
    pub codings: crate::autocode::Codings,
    /// Frequencies per code (segments, sources, municipalities).
    pub code_frequencies: Vec<Frequency>,
    /// Frequencies per action line, sub-codes included.
    pub action_line_frequencies: Vec<Frequency>,
    /// Action lines x size class: municipalities that mention them.
    pub action_lines_by_size_class: CrossTab,
    /// Codes x size class: municipalities that mention them.
    pub codes_by_size_class: CrossTab,
    /// Codes x province: municipalities that mention them.
    pub codes_by_province: CrossTab,
    /// Codes x municipality: coded segments.
    pub codes_by_municipality: CrossTab,
    /// Co-occurrence of action lines on segments.
    pub action_line_cooccurrence: Cooccurrence,
    /// Co-occurrence of codes on segments.
    pub code_cooccurrence: Cooccurrence,
    /// Respondents (survey respondents and interviews) x codes, 0/1.
    pub respondent_matrix: RespondentMatrix,
    /// Up to three pseudonymised quotes per action line and per code.
    pub action_line_quotes: Vec<Quotes>,
    /// Up to three pseudonymised quotes per code.
    pub code_quotes: Vec<Quotes>,
    /// Agreement between manual coders (when there are two or more).
    pub agreement: Option<AgreementReport>,
    /// The rules judged against the gold coder (when one is named).
    pub rule_quality: Option<RuleQuality>,
    /// Reviews of rule codings in the coding workbench, per rule, with the
    /// rejected passages (the rules' false positives).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rule_reviews: Vec<crate::review::RuleReview>,
    /// The funds table with its totals.
    pub funds: FundsSummary,
    /// Answers per closed survey question.
    pub survey: Vec<QuestionFrequencies>,
    /// Closed questions by size class of the respondents' municipalities.
    pub survey_by_size_class: Vec<QuestionBySize>,
    /// Response compared with all municipalities, per size class.
    pub response_by_size_class: Vec<ResponseRow>,
    /// The vouchers, by size class.
    pub vouchers: VoucherSummary,
    /// Vouchers per province against the province's share of all municipalities.
    pub vouchers_by_province: Vec<ProvinceVouchers>,
    /// POK-middelen via the algemene uitkering per municipality.
    pub funds_per_municipality: Option<MunicipalFunds>,
    /// Peers each municipality can learn from (`waves::learning_matches`).
    pub learning: Vec<crate::waves::LearningMatch>,
    /// Coded passages per action line per municipality, for the wave
    /// summary (in `analyse.json` there, not here).
    #[serde(skip)]
    pub line_profiles: BTreeMap<String, [usize; 8]>,
    /// This wave against the earlier waves the project names
    /// (`[comparison]`); set by the application layer, which prepares
    /// those waves too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<crate::waves::Comparison>,
    /// What a later wave needs to compare with this one
    /// (`waves::WaveSummary`); set by the application layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wave_summary: Option<crate::waves::WaveSummary>,
    /// The municipality register, for names, provinces and size classes.
    pub municipalities: Vec<Municipality>,
    /// Municipality outlines for the maps, with their attribution (not
    /// written to analyse.json).
    #[serde(skip)]
    pub boundaries: pokeval_ingest::boundaries::Boundaries,
}

/// The codebook's name and codes (without rules).
#[derive(Debug, Clone, Serialize)]
pub struct CodebookSummary {
    /// The codebook's name.
    pub name: String,
    /// Its codes, in codebook order.
    pub codes: Vec<CodeRef>,
}

/// A code of the codebook, without its rules.
#[derive(Debug, Clone, Serialize)]
pub struct CodeRef {
    /// The code id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// The id of its parent code, if any.
    pub parent: Option<String>,
    /// The action line the code counts towards (its own or inherited).
    pub action_line: Option<ActionLine>,
    /// How many rules it has.
    pub rules: usize,
}

/// How many sources of each kind were coded, and from how many municipalities.
#[derive(Debug, Clone, Serialize)]
pub struct SourceCounts {
    /// Interview notes.
    pub interviews: usize,
    /// Open survey answers.
    pub survey_answers: usize,
    /// Documents.
    pub documents: usize,
    /// Municipalities with at least one interview.
    pub interview_municipalities: usize,
    /// Accepted survey respondents.
    pub survey_respondents: usize,
    /// Municipalities with at least one accepted respondent.
    pub survey_municipalities: usize,
}

/// How one municipality took part in the evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participation {
    /// CBS code.
    pub municipality: String,
    /// Its accepted survey respondents.
    pub respondents: usize,
    /// Its interviews.
    pub interviews: usize,
}

/// Survey respondents and interviews per municipality ([`Participation`]).
fn participation(inputs: &Inputs) -> Vec<Participation> {
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in &inputs.surveys {
        for m in s.data.respondents.values().filter(|m| !m.is_empty()) {
            per.entry(m.as_str()).or_default().0 += 1;
        }
    }
    for s in inputs
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Interview)
    {
        if let Some(m) = s.municipality.as_deref() {
            per.entry(m).or_default().1 += 1;
        }
    }
    per.into_iter()
        .map(|(m, (respondents, interviews))| Participation {
            municipality: m.to_string(),
            respondents,
            interviews,
        })
        .collect()
}

/// A row of the funds table with its action line's name.
#[derive(Debug, Clone, Serialize)]
pub struct FundsSummaryRow {
    /// The payment route.
    pub route: Route,
    /// The route's Dutch label.
    pub route_label: String,
    /// The action line.
    pub action_line: ActionLine,
    /// The action line's name.
    pub name: String,
    /// Per year of the table, the amount (EUR million), if given.
    pub amounts: Vec<Option<f64>>,
    /// Per year, the change note an amount carries (see
    /// `pokeval_ingest::funds::FundsRow::marks`); empty when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Option<u8>>,
}

/// The funds table with totals per year and route.
#[derive(Debug, Clone, Serialize)]
pub struct FundsSummary {
    /// The years of the table's columns.
    pub years: Vec<u16>,
    /// One row per route and action line.
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
    /// The question id.
    pub question: String,
    /// The question as asked.
    pub text: String,
    /// A short label for tables and charts.
    pub short: String,
    /// What kind of answer it takes.
    pub kind: QuestionType,
    /// The matrix question a statement belongs to, if any.
    pub group: Option<String>,
    /// One entry per option in instrument order, including unchosen options.
    pub options: Vec<OptionCount>,
    /// Respondents who answered (including "weet niet" and the like).
    pub answered: usize,
    /// Mean of the substantive answers, for numeric questions.
    pub mean: Option<f64>,
}

/// How often one option was chosen.
#[derive(Debug, Clone, Serialize)]
pub struct OptionCount {
    /// The option's code.
    pub code: String,
    /// Its label.
    pub label: String,
    /// Whether it means "no answer" (such as "weet niet").
    pub missing: bool,
    /// Respondents who chose it.
    pub count: usize,
}

/// Vouchers by size class.
#[derive(Debug, Clone, Serialize)]
pub struct VoucherSummary {
    /// How many vouchers there are.
    pub count: usize,
    /// Their total amount in euro.
    pub total_amount: f64,
    /// Vouchers per size class, smallest first.
    pub by_size_class: Vec<VoucherClassRow>,
}

/// Vouchers in one size class.
#[derive(Debug, Clone, Serialize)]
pub struct VoucherClassRow {
    /// The size class.
    pub size_class: SizeClass,
    /// Its label.
    pub label: String,
    /// Vouchers given to its municipalities.
    pub vouchers: usize,
    /// Its municipalities with at least one voucher.
    pub municipalities: usize,
    /// Their total amount in euro.
    pub amount: f64,
    /// Municipalities of this size class in the country (population table,
    /// else the register).
    pub population: usize,
    /// Municipalities with a voucher as a percentage of `population`.
    pub percent_with_voucher: Option<f64>,
}

/// Answers to one closed question by size class.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionBySize {
    /// The question id.
    pub question: String,
    /// The question as asked.
    pub text: String,
    /// The options' labels, in instrument order.
    pub options: Vec<String>,
    /// One row per size class.
    pub rows: Vec<SizeRow>,
}

/// One size class's answers (counts per option, in option order).
#[derive(Debug, Clone, Serialize)]
pub struct SizeRow {
    /// The size class.
    pub size_class: SizeClass,
    /// Its label.
    pub label: String,
    /// Respondents per option.
    pub counts: Vec<usize>,
    /// Respondents of this size class who answered.
    pub answered: usize,
}

/// Response per size class.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseRow {
    /// The size class.
    pub size_class: SizeClass,
    /// Its label.
    pub label: String,
    /// Municipalities in the country (population table, else the register).
    pub population: usize,
    /// Municipalities that answered the survey.
    pub survey: usize,
    /// Municipalities interviewed.
    pub interviewed: usize,
    /// Survey municipalities as a percentage of the population.
    pub survey_percent: Option<f64>,
}

/// Vouchers in one province.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceVouchers {
    /// The province.
    pub province: String,
    /// Its vouchers.
    pub vouchers: usize,
    /// Share of all vouchers, percent.
    pub voucher_percent: Option<f64>,
    /// The province's municipalities as a share of all municipalities, percent.
    pub municipality_percent: Option<f64>,
}

/// Money per municipality via the AU clusters in one year.
#[derive(Debug, Clone, Serialize)]
pub struct MunicipalFunds {
    /// The year the money is computed for.
    pub year: u16,
    /// National AU totals in the year (EUR million): Bestuur en Ondersteuning (AL 2+3)
    /// and Sociale Basisvoorzieningen (AL 4+5).
    pub cluster_bo_mln: f64,
    /// The national AU total of cluster Sociale Basisvoorzieningen in that year (EUR
    /// million).
    pub cluster_sbv_mln: f64,
    /// One row per municipality of the allocation table.
    pub rows: Vec<MunicipalFundsRow>,
}

/// Money for one municipality.
#[derive(Debug, Clone, Serialize)]
pub struct MunicipalFundsRow {
    /// Its CBS code.
    pub municipality: String,
    /// Its name.
    pub name: String,
    /// Its inhabitants.
    pub inhabitants: u64,
    /// Its POK-middelen via the AU clusters, in euro.
    pub euros: f64,
    /// The same per 1.000 inhabitants.
    pub per_1000: f64,
}

/// Runs the analysis on ingested inputs.
pub fn analyse(
    project: &str,
    wave: Wave,
    inputs: &Inputs,
    codebook: &Codebook,
    progress: &dyn Progress,
) -> Result<Analysis> {
    analyse_with(project, wave, inputs, codebook, progress, None).map(|(a, _)| a)
}

/// [`analyse`], taking the rule codings of unchanged sources from
/// `previous` (see [`crate::autocode::Previous`]); also returns what the
/// coding run leaves for the next one.
pub fn analyse_with(
    project: &str,
    wave: Wave,
    inputs: &Inputs,
    codebook: &Codebook,
    progress: &dyn Progress,
    previous: Option<&crate::autocode::Previous>,
) -> Result<(Analysis, crate::autocode::CodingRun)> {
    let unit = inputs.coding_unit;
    // The survey's tables first: polars' group-bys need memory of their
    // own, and before coding it is not added to the codings'.
    progress.step("computing survey statistics");
    let survey = survey_frequencies(inputs)?;
    let survey_by_size = survey_by_size_class(inputs)?;
    progress.step("coding sources with the codebook");
    let named = crate::manual::named_sources(&inputs.manual, &inputs.sources);
    let crate::autocode::Coded {
        segments,
        count: segment_count,
        chunks: rule_chunks,
        run: coding_run,
    } = crate::autocode::autocode_chunks(
        &crate::autocode::Autocoder::new(codebook)?,
        &inputs.sources,
        unit,
        progress,
        &|s| named.contains(s.id.as_str()),
        previous,
    )?;
    let (manual, manual_rejects, manual_summary) = place_manual(
        &inputs.manual_files,
        &inputs.manual,
        &inputs.sources,
        &segments,
        codebook,
    );
    let agreement = agreement(codebook, &segments, &manual);
    let rule_quality = match &inputs.gold {
        Some(gold) => Some(rule_quality(codebook, &inputs.sources, &segments, rule_chunks.iter().flatten(), &manual, gold).ok_or_else(|| Error::Table {
            what: "the rule quality".into(),
            message: format!("the gold coder '{gold}' has no manual codings; check [coding] gold in the project file"),
        })?),
        None => None,
    };
    // the segments themselves are not needed past this point
    drop(segments);
    // the rule codings, then the manual ones, in the chunks they were made in
    let codings = crate::autocode::Codings::from_chunks(rule_chunks.into_iter().chain([manual]));
    progress.step("computing statistics");
    let municipalities: Vec<Municipality> = inputs.register.iter().cloned().collect();
    let coded = CodedSegments::new(&codings, &inputs.sources);
    let member = Membership::new(codebook);
    let codes = code_categories(codebook);
    let lines = action_line_categories();
    let size_columns: Vec<String> = SizeClass::all().map(|c| c.label().to_string()).collect();
    let provinces: Vec<String> = municipalities
        .iter()
        .map(|m| m.province.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let by_size = |cats: &[Category]| {
        crosstab_municipalities(
            cats,
            &coded,
            &member,
            &inputs.sources,
            &municipalities,
            &size_columns,
            |m| m.size_class.label().to_string(),
        )
    };
    let mut inputs_summary = inputs.summary.clone();
    inputs_summary.extend(manual_summary);
    let mut rejects = inputs.rejects.clone();
    rejects.extend(manual_rejects);
    let passages = crate::waves::municipality_passages(&coded, &member, &inputs.sources);
    let analysis = Analysis {
        code_frequencies: frequencies(&codes, &coded, &member, &inputs.sources),
        action_line_frequencies: frequencies(&lines, &coded, &member, &inputs.sources),
        action_lines_by_size_class: by_size(&lines),
        codes_by_size_class: by_size(&codes),
        codes_by_province: crosstab_municipalities(
            &codes,
            &coded,
            &member,
            &inputs.sources,
            &municipalities,
            &provinces,
            |m| m.province.clone(),
        ),
        codes_by_municipality: crosstab_segments_by_municipality(
            &codes,
            &coded,
            &member,
            &inputs.sources,
            &municipalities,
        ),
        action_line_cooccurrence: cooccurrence(&lines, &coded, &member),
        code_cooccurrence: cooccurrence(&codes, &coded, &member),
        respondent_matrix: respondent_matrix(codebook, &inputs.sources, &coded),
        action_line_quotes: quotes(&lines, &coded, &member, &inputs.sources, &municipalities, 3),
        code_quotes: quotes(&codes, &coded, &member, &inputs.sources, &municipalities, 3),
        agreement,
        rule_quality,
        rule_reviews: crate::review::rule_reviews(&inputs.reviews),
        survey_by_size_class: survey_by_size,
        response_by_size_class: response_by_size_class(inputs),
        vouchers_by_province: vouchers_by_province(inputs),
        funds_per_municipality: funds_per_municipality(inputs),
        learning: crate::waves::learning_matches(&passages, &inputs.sources, &inputs.register),
        line_profiles: crate::waves::line_counts(&passages),
        comparison: None,
        wave_summary: None,
        project: project.to_string(),
        wave,
        inputs: inputs_summary,
        rejects,
        municipality_review: inputs.municipality_review.clone(),
        codebook: CodebookSummary {
            name: codebook.name.clone(),
            codes: codebook
                .codes
                .iter()
                .map(|c| CodeRef {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    parent: c.parent.clone(),
                    action_line: codebook.action_line_of(&c.id),
                    rules: c.include.len() + c.exclude.len(),
                })
                .collect(),
        },
        sources: source_counts(inputs),
        participation: participation(inputs),
        segments: segment_count,
        codings,
        funds: funds_summary(&inputs.funds),
        survey,
        vouchers: voucher_summary(inputs),
        municipalities,
        boundaries: inputs.boundaries.clone(),
    };
    Ok((analysis, coding_run))
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
    // only placed respondents name a municipality
    let survey_munis: BTreeSet<_> = inputs
        .surveys
        .iter()
        .flat_map(|s| s.data.respondents.values())
        .filter(|m| !m.is_empty())
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
                marks: r.marks.clone(),
            })
            .collect(),
        difference_from_planned: totals.iter().map(|t| t - PLANNED_YEARLY_MLN).collect(),
        totals,
        per_route: per_route.into_iter().collect(),
    }
}

/// Counts answers per option for closed questions.
fn survey_frequencies(inputs: &Inputs) -> Result<Vec<QuestionFrequencies>> {
    let mut out = Vec::new();
    for survey in &inputs.surveys {
        // open and municipality questions are not counted per value
        let counted =
            |kind: QuestionType| !matches!(kind, QuestionType::Open | QuestionType::Municipality);
        let by_key = survey.data.value_counts(|q| {
            survey
                .instrument
                .question(q)
                .is_some_and(|x| counted(x.kind))
        })?;
        let mean_of = survey.data.means()?;
        for q in &survey.instrument.questions {
            if !counted(q.kind) {
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
                group: q.group.clone(),
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
            let population = class_population(inputs, sc);
            VoucherClassRow {
                size_class: sc,
                label: sc.label().to_string(),
                vouchers: vs.len(),
                municipalities: munis.len(),
                amount: vs.iter().map(|v| v.amount).sum(),
                population,
                percent_with_voucher: (population > 0)
                    .then(|| 100.0 * munis.len() as f64 / population as f64),
            }
        })
        .collect();
    VoucherSummary {
        count: inputs.vouchers.len(),
        total_amount: inputs.vouchers.iter().map(|v| v.amount).sum(),
        by_size_class: by_class,
    }
}

/// Closed questions by size class: counts per (question, size class,
/// value).
fn survey_by_size_class(inputs: &Inputs) -> Result<Vec<QuestionBySize>> {
    let mut out = Vec::new();
    for survey in &inputs.surveys {
        let single_or_likert = |q: &str| {
            survey
                .instrument
                .question(q)
                .is_some_and(|x| matches!(x.kind, QuestionType::Single | QuestionType::Likert))
        };
        let cells = survey.data.value_counts_by(single_or_likert, |m| {
            inputs
                .register
                .get(m)
                .map(|m| u32::from(m.size_class.code()))
        })?;
        for question in &survey.instrument.questions {
            if !matches!(question.kind, QuestionType::Single | QuestionType::Likert) {
                continue;
            }
            let rows = SizeClass::all()
                .filter_map(|c| {
                    let counts: Vec<usize> = question
                        .options
                        .iter()
                        .map(|o| {
                            cells
                                .get(&(question.id.clone(), u32::from(c.code()), o.code.clone()))
                                .copied()
                                .unwrap_or(0)
                        })
                        .collect();
                    let answered: usize = counts.iter().sum();
                    (answered > 0).then(|| SizeRow {
                        size_class: c,
                        label: c.label().to_string(),
                        counts,
                        answered,
                    })
                })
                .collect();
            out.push(QuestionBySize {
                question: question.id.clone(),
                text: question.text.clone(),
                options: question.options.iter().map(|o| o.label.clone()).collect(),
                rows,
            });
        }
    }
    Ok(out)
}

/// Municipalities of a size class in the country: the population table when
/// the project has one, else the register.
fn class_population(inputs: &Inputs, class: SizeClass) -> usize {
    match &inputs.population {
        Some(p) => p.size_classes.get(&class.code()).copied().unwrap_or(0),
        None => inputs
            .register
            .iter()
            .filter(|m| m.size_class == class)
            .count(),
    }
}

fn response_by_size_class(inputs: &Inputs) -> Vec<ResponseRow> {
    let survey: BTreeSet<&str> = inputs
        .surveys
        .iter()
        .flat_map(|s| s.data.respondents.values())
        .map(String::as_str)
        .collect();
    let interviewed: BTreeSet<&str> = inputs
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Interview)
        .filter_map(|s| s.municipality.as_deref())
        .collect();
    let class_of = |code: &str| inputs.register.get(code).map(|m| m.size_class);
    SizeClass::all()
        .map(|c| {
            let population = class_population(inputs, c);
            let n_survey = survey.iter().filter(|m| class_of(m) == Some(c)).count();
            ResponseRow {
                size_class: c,
                label: c.label().to_string(),
                population,
                survey: n_survey,
                interviewed: interviewed
                    .iter()
                    .filter(|m| class_of(m) == Some(c))
                    .count(),
                survey_percent: (population > 0)
                    .then(|| 100.0 * n_survey as f64 / population as f64),
            }
        })
        .collect()
}

fn vouchers_by_province(inputs: &Inputs) -> Vec<ProvinceVouchers> {
    let mut provinces: BTreeMap<String, usize> = BTreeMap::new();
    for v in &inputs.vouchers {
        if let Some(m) = inputs.register.get(&v.municipality) {
            *provinces.entry(m.province.clone()).or_default() += 1;
        }
    }
    let population: BTreeMap<String, usize> = match &inputs.population {
        Some(p) if !p.provinces.is_empty() => p.provinces.clone(),
        _ => {
            let mut counts = BTreeMap::new();
            for m in inputs.register.iter() {
                *counts.entry(m.province.clone()).or_default() += 1;
            }
            counts
        }
    };
    for p in population.keys() {
        provinces.entry(p.clone()).or_default();
    }
    let total_v = inputs.vouchers.len();
    let total_m: usize = population.values().sum();
    provinces
        .into_iter()
        .map(|(province, n)| ProvinceVouchers {
            voucher_percent: (total_v > 0).then(|| 100.0 * n as f64 / total_v as f64),
            municipality_percent: population
                .get(&province)
                .filter(|_| total_m > 0)
                .map(|p| 100.0 * *p as f64 / total_m as f64),
            province,
            vouchers: n,
        })
        .collect()
}

/// AU money per municipality: share of each cluster times the cluster's
/// national AU total in the year (action lines 2+3 and 4+5 via the AU).
fn funds_per_municipality(inputs: &Inputs) -> Option<MunicipalFunds> {
    let (year, shares) = inputs.allocation.as_ref()?;
    let yi = inputs.funds.years.iter().position(|y| y == year);
    let cluster = |lines: [u8; 2]| -> f64 {
        inputs
            .funds
            .rows
            .iter()
            .filter(|r| {
                r.route == Route::AlgemeneUitkering && lines.contains(&r.action_line.number())
            })
            .filter_map(|r| yi.and_then(|i| r.amounts[i]))
            .sum()
    };
    let (bo, sbv) = (cluster([2, 3]), cluster([4, 5]));
    let rows = shares
        .iter()
        .filter_map(|s| {
            let m = inputs.register.get(&s.municipality)?;
            let euros = (s.bestuur_en_ondersteuning * bo + s.sociale_basisvoorzieningen * sbv)
                / 100.0
                * 1_000_000.0;
            Some(MunicipalFundsRow {
                municipality: m.code.clone(),
                name: m.name.clone(),
                inhabitants: m.inhabitants,
                euros,
                per_1000: if m.inhabitants > 0 {
                    euros / m.inhabitants as f64 * 1000.0
                } else {
                    0.0
                },
            })
        })
        .collect();
    Some(MunicipalFunds {
        year: *year,
        cluster_bo_mln: bo,
        cluster_sbv_mln: sbv,
        rows,
    })
}
