//! Manual codings: placing coders' rows on the segments of the current
//! coding unit, and judging agreement between coders and between the rules
//! and a gold coder.
//!
//! A coder *covers* a source when they coded at least one segment in it; on
//! the other segments of that source their value for a code is 0 ("looked,
//! did not apply"). In sources a coder did not cover, their value is
//! missing. Agreement is computed per code on binary values (coded or not)
//! at segment level, and overall on all (segment, code) decisions pooled.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use pokeval_ingest::manual::{Anchor, ManualFile, ManualRecord};
use pokeval_model::{InputSummary, Reject};
use pokeval_model::{Segment, Source, SourceKind, Span};
use serde::Serialize;

use crate::agreement::{cohen_kappa, krippendorff_alpha_nominal, percent_agreement, Quality};
use crate::autocode::{Coding, Origin};
use crate::codebook::Codebook;

/// The ids of the sources manual records may refer to: by source id, or
/// (for notes) by file name, as [`place_manual`] looks them up. Only these
/// sources' segments are needed to place the records.
pub fn named_sources<'a>(records: &[ManualRecord], sources: &'a [Source]) -> HashSet<&'a str> {
    let wanted: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
    let names: HashSet<&str> = records
        .iter()
        .map(|r| r.source.rsplit('/').next().unwrap_or(&r.source))
        .collect();
    sources
        .iter()
        .filter(|s| {
            wanted.contains(s.id.as_str())
                || (s.kind != pokeval_model::SourceKind::SurveyAnswer
                    && names.contains(s.file.rsplit('/').next().unwrap_or(&s.file)))
        })
        .map(|s| s.id.as_str())
        .collect()
}

/// Places manual records on segments. Returns the codings, the rejected
/// rows with their reasons, and a summary line per file of `files` (also
/// for a file that gave no records), whose counts include the items that
/// were not carried from it.
pub fn place_manual(
    files: &[ManualFile],
    records: &[ManualRecord],
    sources: &[Source],
    segments: &[Segment],
    codebook: &Codebook,
) -> (Vec<Coding>, Vec<Reject>, Vec<InputSummary>) {
    let by_id: HashMap<&str, &Source> = sources.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut by_name: HashMap<&str, Vec<&Source>> = HashMap::new();
    for s in sources {
        let name = s.file.rsplit('/').next().unwrap_or(&s.file);
        if s.kind != pokeval_model::SourceKind::SurveyAnswer {
            by_name.entry(name).or_default().push(s);
        }
    }
    // the segments of the sources a record may name, not of every source:
    // a survey has hundreds of thousands
    let named = named_sources(records, sources);
    let mut segs_of: HashMap<&str, Vec<&Segment>> = HashMap::new();
    for seg in segments
        .iter()
        .filter(|s| named.contains(s.source.as_str()))
    {
        segs_of.entry(seg.source.as_str()).or_default().push(seg);
    }
    let mut codings = Vec::new();
    let mut rejects = Vec::new();
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    // in the project's order, then any file a record names that the list
    // does not (records made by hand in a test)
    let mut per_file: indexmap::IndexMap<String, (usize, usize)> = files
        .iter()
        .map(|f| (f.file.clone(), (f.not_carried, f.not_carried)))
        .collect();
    for r in records {
        let entry = per_file.entry(r.file.clone()).or_default();
        entry.0 += 1;
        let mut reject = |reason: String| {
            entry.1 += 1;
            rejects.push(Reject::new(
                &r.file,
                r.line,
                pokeval_model::RejectKind::InvalidCoding,
                reason,
            ));
        };
        if codebook.code(&r.code).is_none() {
            reject(format!("code '{}' is not in the codebook", r.code));
            continue;
        }
        let source = match by_id.get(r.source.as_str()) {
            Some(s) => *s,
            // a note's file name, also when the reference is a source id from
            // a project that lives elsewhere ("interview:../notes/a.md")
            None => match by_name
                .get(r.source.rsplit('/').next().unwrap_or(&r.source))
                .map(Vec::as_slice)
            {
                Some([s]) => *s,
                Some(_) => {
                    reject(format!("source '{}' is ambiguous: several notes have this file name; use the source id", r.source));
                    continue;
                }
                None => {
                    reject(format!(
                        "source '{}' is not among the project's sources",
                        r.source
                    ));
                    continue;
                }
            },
        };
        let segs = segs_of
            .get(source.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let (targets, matched): (Vec<&Segment>, Option<Span>) = match &r.anchor {
            Anchor::Segment(n) => {
                let id = format!("{}#{n}", source.id);
                match segs.iter().find(|s| s.id == id) {
                    Some(s) => {
                        if let Some(expected) = &r.expected_text {
                            let actual = s.span.slice(&source.text).unwrap_or("");
                            if !holds(actual, expected) {
                                reject(format!(
                                    "segment {n} of {} now reads '{}', not the coded text '{}'; the note or the coding unit changed since coding: place the coding again",
                                    r.source,
                                    shorten(actual),
                                    shorten(expected)
                                ));
                                continue;
                            }
                        }
                        (vec![*s], None)
                    }
                    None => {
                        reject(format!(
                            "segment {n} does not exist in {} with the project's coding unit",
                            r.source
                        ));
                        continue;
                    }
                }
            }
            Anchor::Span { start, end } => {
                let len = source.text.chars().count();
                if *end > len {
                    reject(format!(
                        "span {start}-{end} lies beyond the end of {} ({len} code points)",
                        r.source
                    ));
                    continue;
                }
                if let Some(expected) = &r.expected_text {
                    let actual = Span::new(*start, *end).slice(&source.text).unwrap_or("");
                    if !holds(actual, expected) {
                        reject(format!(
                            "the text at {start}-{end} of {} differs from the text the coding was made on ('{}' here, '{}' in the file); the source was changed after coding",
                            r.source,
                            shorten(actual),
                            shorten(expected)
                        ));
                        continue;
                    }
                }
                let hit: Vec<&Segment> = segs
                    .iter()
                    .filter(|s| s.span.start < *end && *start < s.span.end)
                    .copied()
                    .collect();
                if hit.is_empty() {
                    reject(format!("span {start}-{end} of {} covers no codable segment (only headings or white space)", r.source));
                    continue;
                }
                (hit, Some(Span::new(*start, *end)))
            }
        };
        let mut fresh = Vec::new();
        for seg in targets {
            let key = (r.coder.clone(), r.code.clone(), seg.id.clone());
            if !seen.insert(key) {
                continue;
            }
            fresh.push(Coding {
                segment: Arc::from(seg.id.as_str()),
                source: Arc::from(seg.source.as_str()),
                span: seg.span,
                code: Arc::from(r.code.as_str()),
                origin: Origin::Manual {
                    coder: Arc::from(r.coder.as_str()),
                },
                matched,
            });
        }
        if fresh.is_empty() {
            if r.confirms {
                // an accepted rule coding the coder had already made
                continue;
            }
            reject(format!(
                "{} already applied {} to this segment",
                r.coder, r.code
            ));
            continue;
        }
        codings.extend(fresh);
    }
    let summary = per_file
        .into_iter()
        .map(|(file, (read, rejected))| InputSummary {
            input: "handmatige coderingen".into(),
            file,
            read,
            accepted: read - rejected,
            rejected,
        })
        .collect();
    (codings, rejects, summary)
}

/// `actual` holds the coded text `expected`: it begins with it, blanks and
/// line breaks counted as one space, a trailing ellipsis ("…", "...") of a
/// shortened quote ignored.
fn holds(actual: &str, expected: &str) -> bool {
    let expected = expected.trim_end_matches(['…', '.', ' ']);
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let (actual, expected) = (words(actual), words(expected));
    !expected.is_empty() && actual.starts_with(&expected)
}

fn shorten(text: &str) -> String {
    let t: String = text.chars().take(40).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Agreement between two coders.
#[derive(Debug, Clone, Serialize)]
pub struct PairAgreement {
    /// The first coder.
    pub coder_a: String,
    /// The second coder.
    pub coder_b: String,
    /// Units both coders covered.
    pub units: usize,
    /// Units on which both agree, as a share (0 to 1).
    pub percent_agreement: Option<f64>,
    /// Cohen's kappa.
    pub kappa: Option<f64>,
}

/// Agreement on one code (or, for `code = "*"`, on all codes pooled).
#[derive(Debug, Clone, Serialize)]
pub struct CodeAgreement {
    /// The code id (`alle` for the pooled row).
    pub code: String,
    /// Its label.
    pub label: String,
    /// Every pair of coders, in coder order (A-B, A-C, B-C).
    pub pairs: Vec<PairAgreement>,
    /// Krippendorff's alpha over all coders.
    pub alpha: Option<f64>,
}

impl CodeAgreement {
    /// The pair that agrees least: the lowest kappa, or where no pair has
    /// a kappa, the lowest percentage of agreement. With three or more
    /// coders this is the pair to show beside alpha, so that a coder who
    /// never uses a code the others use shows up.
    pub fn weakest_pair(&self) -> Option<&PairAgreement> {
        let by = |f: fn(&PairAgreement) -> Option<f64>| {
            self.pairs
                .iter()
                .filter(|p| f(p).is_some())
                .min_by(|a, b| f(a).partial_cmp(&f(b)).unwrap_or(std::cmp::Ordering::Equal))
        };
        by(|p| p.kappa).or_else(|| by(|p| p.percent_agreement))
    }
}

/// Agreement between the manual coders.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementReport {
    /// The coders, in name order.
    pub coders: Vec<String>,
    /// Segments covered by at least two coders.
    pub units: usize,
    /// All codes pooled, over the codes at least one coder applied: a code
    /// nobody used would count as agreement on every passage and lift the
    /// figure without anyone having judged it.
    pub overall: CodeAgreement,
    /// The codes pooled in `overall`, in codebook order.
    pub pooled_codes: Vec<String>,
    /// Per code that somebody used, in codebook order.
    pub per_code: Vec<CodeAgreement>,
}

/// Who applied which code to which segment.
struct Coverage<'a> {
    coders: Vec<&'a str>,
    covered: BTreeMap<&'a str, BTreeSet<&'a str>>,
    applied: BTreeSet<(&'a str, &'a str, &'a str)>,
}

impl<'a> Coverage<'a> {
    fn new(manual: &'a [Coding]) -> Coverage<'a> {
        let mut covered: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut applied = BTreeSet::new();
        for c in manual {
            if let Origin::Manual { coder } = &c.origin {
                covered.entry(&**coder).or_default().insert(&*c.source);
                applied.insert((&**coder, &*c.code, &*c.segment));
            }
        }
        Coverage {
            coders: covered.keys().copied().collect(),
            covered,
            applied,
        }
    }

    /// The value coder `k` gives `code` on `seg`: 1, 0 or missing.
    fn value(&self, k: &str, code: &str, seg: &Segment) -> Option<u32> {
        let covers = self
            .covered
            .get(k)
            .is_some_and(|s| s.contains(seg.source.as_str()));
        covers.then(|| u32::from(self.applied.contains(&(k, code, seg.id.as_str()))))
    }
}

fn agreement_on(
    cov: &Coverage,
    units: &[(&Segment, &str)],
    code: &str,
    label: &str,
) -> CodeAgreement {
    let rows: Vec<Vec<Option<u32>>> = cov
        .coders
        .iter()
        .map(|k| units.iter().map(|(seg, c)| cov.value(k, c, seg)).collect())
        .collect();
    let mut pairs = Vec::new();
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            let both = rows[i]
                .iter()
                .zip(&rows[j])
                .filter(|(a, b)| a.is_some() && b.is_some())
                .count();
            pairs.push(PairAgreement {
                coder_a: cov.coders[i].to_string(),
                coder_b: cov.coders[j].to_string(),
                units: both,
                percent_agreement: percent_agreement(&rows[i], &rows[j]),
                kappa: cohen_kappa(&rows[i], &rows[j]),
            });
        }
    }
    CodeAgreement {
        code: code.to_string(),
        label: label.to_string(),
        pairs,
        alpha: krippendorff_alpha_nominal(&rows),
    }
}

/// Agreement between manual coders; `None` with fewer than two coders.
pub fn agreement(
    codebook: &Codebook,
    segments: &[Segment],
    manual: &[Coding],
) -> Option<AgreementReport> {
    let cov = Coverage::new(manual);
    if cov.coders.len() < 2 {
        return None;
    }
    let shared: Vec<&Segment> = segments
        .iter()
        .filter(|s| {
            cov.covered
                .values()
                .filter(|srcs| srcs.contains(s.source.as_str()))
                .count()
                >= 2
        })
        .collect();
    let per_code: Vec<CodeAgreement> = codebook
        .codes
        .iter()
        .map(|c| {
            let units: Vec<(&Segment, &str)> = shared.iter().map(|s| (*s, c.id.as_str())).collect();
            agreement_on(&cov, &units, &c.id, &c.label)
        })
        .collect();
    let used: BTreeSet<&str> = cov.applied.iter().map(|&(_, code, _)| code).collect();
    let pooled_codes: Vec<&str> = codebook
        .codes
        .iter()
        .map(|c| c.id.as_str())
        .filter(|c| used.contains(c))
        .collect();
    let pooled: Vec<(&Segment, &str)> = pooled_codes
        .iter()
        .flat_map(|c| shared.iter().map(move |s| (*s, *c)))
        .collect();
    Some(AgreementReport {
        coders: cov
            .coders
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        units: shared.len(),
        overall: agreement_on(&cov, &pooled, "*", "Alle codes"),
        pooled_codes: pooled_codes
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        per_code,
    })
}

/// A segment on which the rules and the gold coder disagree.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// The segment's id.
    pub segment: String,
    /// Where the passage comes from, for people: the source's kind,
    /// municipality (CBS code), the respondent's role or the question, and
    /// the interview's date (ISO), as far as the source has them.
    pub kind: SourceKind,
    /// The source's municipality (CBS code), if known.
    pub municipality: Option<String>,
    /// The respondent's role or the question, if known.
    pub context: Option<String>,
    /// The interview's date (ISO), if known.
    pub date: Option<String>,
    /// The code they disagree on.
    pub code: String,
    /// `true`: the rules applied the code and the gold coder did not.
    pub rules_only: bool,
    /// The segment's text, pseudonymised.
    pub text: String,
}

/// Precision, recall and F1 of one code's rules.
#[derive(Debug, Clone, Serialize)]
pub struct CodeQuality {
    /// The code id.
    pub code: String,
    /// Its label.
    pub label: String,
    /// Its rules' precision, recall and F1.
    #[serde(flatten)]
    pub quality: Quality,
}

/// The rules judged against a gold coder.
#[derive(Debug, Clone, Serialize)]
pub struct RuleQuality {
    /// The gold coder.
    pub gold: String,
    /// Segments in the sources the gold coder covered.
    pub units: usize,
    /// Micro-averaged over all codes.
    pub overall: Quality,
    /// Per code, in codebook order.
    pub per_code: Vec<CodeQuality>,
    /// Segments on which the rules and the gold coder differ.
    pub disagreements: Vec<Disagreement>,
}

/// Judges the rule codings against the manual codings of `gold`.
pub fn rule_quality<'a>(
    codebook: &Codebook,
    sources: &[Source],
    segments: &[Segment],
    rules: impl Iterator<Item = &'a Coding>,
    manual: &[Coding],
    gold: &str,
) -> Option<RuleQuality> {
    let cov = Coverage::new(manual);
    let covered = cov.covered.get(gold)?;
    // only the sources the gold coder covered are judged
    let source_of: HashMap<&str, &Source> = sources
        .iter()
        .filter(|s| covered.contains(s.id.as_str()))
        .map(|s| (s.id.as_str(), s))
        .collect();
    let ruled: BTreeSet<(&str, &str)> = rules
        .filter(|c| covered.contains(&*c.source))
        .map(|c| (&*c.code, &*c.segment))
        .collect();
    let units: Vec<&Segment> = segments
        .iter()
        .filter(|s| covered.contains(s.source.as_str()))
        .collect();
    let mut per_code = Vec::new();
    let mut disagreements = Vec::new();
    let guard = pokeval_ingest::privacy::Pseudonymiser::structured();
    let mut pseudo = pokeval_ingest::privacy::Pseudonyms::default();
    let (mut tp_all, mut fp_all, mut fn_all) = (0, 0, 0);
    for code in &codebook.codes {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for seg in &units {
            let r = ruled.contains(&(code.id.as_str(), seg.id.as_str()));
            let g = cov
                .applied
                .contains(&(gold, code.id.as_str(), seg.id.as_str()));
            match (r, g) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                (false, false) => {}
            }
            if r != g {
                let source = source_of.get(seg.source.as_str()).copied();
                let text = source.and_then(|s| seg.span.slice(&s.text)).unwrap_or("");
                let kind = source.map_or(SourceKind::Interview, |s| s.kind);
                disagreements.push(Disagreement {
                    segment: seg.id.clone(),
                    kind,
                    municipality: source
                        .and_then(|s| s.municipality.as_deref().map(str::to_string)),
                    context: source.and_then(|s| s.context()).map(str::to_string),
                    date: source.and_then(|s| s.meta.get("datum").map(str::to_string)),
                    code: code.id.clone(),
                    rules_only: r,
                    text: guard.apply(text, &mut pseudo),
                });
            }
        }
        tp_all += tp;
        fp_all += fp;
        fn_all += fn_;
        per_code.push(CodeQuality {
            code: code.id.clone(),
            label: code.label.clone(),
            quality: Quality::new(tp, fp, fn_),
        });
    }
    Some(RuleQuality {
        gold: gold.to_string(),
        units: units.len(),
        overall: Quality::new(tp_all, fp_all, fn_all),
        per_code,
        disagreements,
    })
}
