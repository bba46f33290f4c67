//! Code statistics as serialisable tables: frequencies, crosstabs by
//! municipality, size class and province, co-occurrence, the respondent x
//! code matrix and quotes.
//!
//! Counting rules (also in ARCHITECTURE.md):
//! - A segment counts as coded with a code when the rules or any coder
//!   applied it (the union), once per segment.
//! - Codes count for themselves; the action-line level counts a segment for
//!   an action line when any code of that line (including sub-codes) applies.
//! - Crosstabs by size class and province count *municipalities*: in how
//!   many municipalities of the category does the code come up in at least
//!   one source. Column percentages divide by the municipalities of that
//!   category that have any source; row percentages by the code's total.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pokeval_ingest::privacy::{Pseudonymiser, Pseudonyms};
use pokeval_model::{ActionLine, Municipality, Source, SourceKind, Span};
use serde::Serialize;

use crate::autocode::Coding;
use crate::codebook::Codebook;

/// A coded segment: its source, span and the codes applied to it.
pub struct CodedSegment<'a> {
    pub source: &'a str,
    pub span: Span,
    pub codes: BTreeSet<&'a str>,
}

/// The codes applied to each segment (union of all origins), in segment-id
/// order. Which segments count for each code and each action line is
/// worked out in one pass on first use and kept: every table asks for the
/// same categories.
pub struct CodedSegments<'a> {
    segments: Vec<(&'a str, CodedSegment<'a>)>,
    index: std::cell::OnceCell<Index<'a>>,
}

/// Segment indices (ascending) per code and per action line.
struct Index<'a> {
    by_code: HashMap<&'a str, Vec<u32>>,
    by_line: HashMap<ActionLine, Vec<u32>>,
}

impl<'a> CodedSegments<'a> {
    pub fn new(codings: &'a [Coding]) -> CodedSegments<'a> {
        let mut segments: BTreeMap<&str, CodedSegment> = BTreeMap::new();
        for c in codings {
            segments
                .entry(c.segment.as_str())
                .or_insert_with(|| CodedSegment {
                    source: c.source.as_str(),
                    span: c.span,
                    codes: BTreeSet::new(),
                })
                .codes
                .insert(c.code.as_str());
        }
        CodedSegments {
            segments: segments.into_iter().collect(),
            index: std::cell::OnceCell::new(),
        }
    }

    /// Every coded segment, in segment-id order.
    pub fn iter(&self) -> impl Iterator<Item = &CodedSegment<'a>> {
        self.segments.iter().map(|(_, s)| s)
    }

    fn index(&self, member: &Membership) -> &Index<'a> {
        self.index.get_or_init(|| {
            let mut by_code: HashMap<&'a str, Vec<u32>> = HashMap::new();
            let mut by_line: HashMap<ActionLine, Vec<u32>> = HashMap::new();
            for (i, (_, seg)) in self.segments.iter().enumerate() {
                let Ok(i) = u32::try_from(i) else { break };
                for &code in &seg.codes {
                    by_code.entry(code).or_default().push(i);
                    if let Some(line) = member.line_of(code) {
                        let list = by_line.entry(line).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
            }
            Index { by_code, by_line }
        })
    }

    /// The segments with at least one code counting for `cat`, in
    /// segment-id order. (One `Membership` per analysis: the first call's
    /// membership builds the index.)
    fn matching<'s>(
        &'s self,
        member: &Membership,
        cat: &Category,
    ) -> impl Iterator<Item = (&'a str, &'s CodedSegment<'a>)> + 's {
        let index = self.index(member);
        let list: &'s [u32] = match cat.level {
            Level::Code => index.by_code.get(cat.id.as_str()).map(Vec::as_slice),
            Level::ActionLine => cat
                .action_line
                .and_then(|l| index.by_line.get(&l))
                .map(Vec::as_slice),
        }
        .unwrap_or(&[]);
        list.iter().map(move |&k| {
            let (id, s) = &self.segments[k as usize];
            (*id, s)
        })
    }
}

/// Whether a category is one code or a whole action line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Code,
    ActionLine,
}

/// A category a count is kept for: a code or an action line.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub level: Level,
    pub id: String,
    pub label: String,
    /// Codes: the labels from the root ("Robuuste rechtsbescherming > Sociaal raadslieden").
    pub path: Vec<String>,
    pub action_line: Option<ActionLine>,
}

/// How often a code (or action line) was applied.
#[derive(Debug, Clone, Serialize)]
pub struct Frequency {
    #[serde(flatten)]
    pub category: Category,
    pub segments: usize,
    pub sources: usize,
    pub municipalities: usize,
}

/// Counts with row and column percentages.
#[derive(Debug, Clone, Serialize)]
pub struct CrossTab {
    /// What is counted in a cell.
    pub counts_what: String,
    pub rows: Vec<Category>,
    pub columns: Vec<String>,
    /// Per column, the base for column percentages.
    pub column_base: Vec<usize>,
    pub counts: Vec<Vec<usize>>,
    pub row_percent: Vec<Vec<Option<f64>>>,
    pub column_percent: Vec<Vec<Option<f64>>>,
}

/// How often categories are applied to the same segment.
#[derive(Debug, Clone, Serialize)]
pub struct Cooccurrence {
    pub categories: Vec<Category>,
    /// Segments per category (the diagonal).
    pub totals: Vec<usize>,
    /// Segments with both categories.
    pub counts: Vec<Vec<usize>>,
    /// c-coefficient n12 / (n1 + n2 - n12); `None` where both are zero.
    pub c: Vec<Vec<Option<f64>>>,
}

/// One row of the respondent x code matrix.
#[derive(Debug, Clone, Serialize)]
pub struct RespondentRow {
    /// A survey respondent id, or an interview's source id.
    pub respondent: String,
    pub kind: SourceKind,
    pub municipality: Option<String>,
    /// 1 where any of the respondent's segments has the code, per code.
    pub values: Vec<u8>,
}

/// Respondents x codes, 0/1.
#[derive(Debug, Clone, Serialize)]
pub struct RespondentMatrix {
    pub codes: Vec<String>,
    pub rows: Vec<RespondentRow>,
}

/// A quote for a code.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    pub text: String,
    pub source: String,
    pub kind: SourceKind,
    pub municipality: Option<String>,
    pub municipality_name: Option<String>,
    /// The respondent's role (interviews) or the question (survey answers).
    pub context: Option<String>,
}

/// Quotes for one code or action line.
#[derive(Debug, Clone, Serialize)]
pub struct Quotes {
    #[serde(flatten)]
    pub category: Category,
    pub quotes: Vec<Quote>,
}

/// The categories of a codebook: every code, or every action line.
pub fn code_categories(codebook: &Codebook) -> Vec<Category> {
    codebook
        .codes
        .iter()
        .map(|c| Category {
            level: Level::Code,
            id: c.id.clone(),
            label: c.label.clone(),
            path: codebook.path_labels(&c.id),
            action_line: codebook.action_line_of(&c.id),
        })
        .collect()
}

pub fn action_line_categories() -> Vec<Category> {
    ActionLine::all()
        .map(|al| Category {
            level: Level::ActionLine,
            id: format!("AL{}", al.number()),
            label: format!("{}. {}", al.number(), al.name()),
            path: vec![al.name().to_string()],
            action_line: Some(al),
        })
        .collect()
}

/// Decides whether a code belongs to a category.
pub struct Membership<'a> {
    /// Each code's action line (its own or the nearest ancestor's), looked
    /// up once instead of walking the codebook for every segment.
    line_of: HashMap<&'a str, Option<ActionLine>>,
}

impl<'a> Membership<'a> {
    pub fn new(codebook: &'a Codebook) -> Membership<'a> {
        Membership {
            line_of: codebook
                .codes
                .iter()
                .map(|c| (c.id.as_str(), codebook.action_line_of(&c.id)))
                .collect(),
        }
    }

    /// The action line a code counts for, if any.
    pub fn line_of(&self, code: &str) -> Option<ActionLine> {
        self.line_of.get(code).copied().flatten()
    }

    /// Whether `code` counts for `cat`: the code itself, or, for an
    /// action-line category, any code whose action line it is.
    pub fn counts_for(&self, cat: &Category, code: &str) -> bool {
        match cat.level {
            Level::Code => cat.id == code,
            Level::ActionLine => cat.action_line.is_some() && self.line_of(code) == cat.action_line,
        }
    }
}

/// Frequencies per category.
pub fn frequencies(
    cats: &[Category],
    coded: &CodedSegments,
    member: &Membership,
    muni_of: &HashMap<&str, Option<&str>>,
) -> Vec<Frequency> {
    cats.iter()
        .map(|cat| {
            let mut segs = 0;
            // only counted: hash sets
            let mut srcs = std::collections::HashSet::new();
            let mut munis = std::collections::HashSet::new();
            for (_, seg) in coded.matching(member, cat) {
                let src = seg.source;
                segs += 1;
                srcs.insert(src);
                if let Some(Some(m)) = muni_of.get(src) {
                    munis.insert(*m);
                }
            }
            Frequency {
                category: cat.clone(),
                segments: segs,
                sources: srcs.len(),
                municipalities: munis.len(),
            }
        })
        .collect()
}

fn percent(n: usize, base: usize) -> Option<f64> {
    (base > 0).then(|| 100.0 * n as f64 / base as f64)
}

/// Municipalities per category (size class, province...): rows are
/// categories of codes, columns the values of `group`.
pub fn crosstab_municipalities(
    cats: &[Category],
    coded: &CodedSegments,
    member: &Membership,
    sources: &[Source],
    municipalities: &[Municipality],
    columns: &[String],
    group: impl Fn(&Municipality) -> String,
) -> CrossTab {
    let by_code: HashMap<&str, &Municipality> = municipalities
        .iter()
        .map(|m| (m.code.as_str(), m))
        .collect();
    let muni_of: HashMap<&str, &Municipality> = sources
        .iter()
        .filter_map(|s| Some((s.id.as_str(), *by_code.get(s.municipality.as_deref()?)?)))
        .collect();
    let col_idx = |m: &Municipality| columns.iter().position(|c| *c == group(m));
    let mut column_base = vec![0; columns.len()];
    let with_sources: BTreeSet<&str> = muni_of.values().map(|m| m.code.as_str()).collect();
    for code in &with_sources {
        if let Some(i) = col_idx(by_code[code]) {
            column_base[i] += 1;
        }
    }
    let mut counts = Vec::new();
    for cat in cats {
        let mut munis: BTreeSet<&str> = BTreeSet::new();
        for (_, seg) in coded.matching(member, cat) {
            let src = seg.source;
            if let Some(m) = muni_of.get(src) {
                munis.insert(m.code.as_str());
            }
        }
        let mut row = vec![0; columns.len()];
        for code in munis {
            if let Some(i) = col_idx(by_code[code]) {
                row[i] += 1;
            }
        }
        counts.push(row);
    }
    let row_percent = counts
        .iter()
        .map(|row| {
            let total: usize = row.iter().sum();
            row.iter().map(|n| percent(*n, total)).collect()
        })
        .collect();
    let column_percent = counts
        .iter()
        .map(|row| {
            row.iter()
                .zip(&column_base)
                .map(|(n, b)| percent(*n, *b))
                .collect()
        })
        .collect();
    CrossTab {
        counts_what: "gemeenten".into(),
        rows: cats.to_vec(),
        columns: columns.to_vec(),
        column_base,
        counts,
        row_percent,
        column_percent,
    }
}

/// Coded segments per category and municipality.
pub fn crosstab_segments_by_municipality(
    cats: &[Category],
    coded: &CodedSegments,
    member: &Membership,
    sources: &[Source],
    municipalities: &[Municipality],
) -> CrossTab {
    let muni_of: HashMap<&str, &str> = sources
        .iter()
        .filter_map(|s| Some((s.id.as_str(), s.municipality.as_deref()?)))
        .collect();
    let present: BTreeSet<&str> = muni_of.values().copied().collect();
    let columns: Vec<&Municipality> = municipalities
        .iter()
        .filter(|m| present.contains(m.code.as_str()))
        .collect();
    // the first column of each municipality code, as a linear search gave
    let mut column_of: HashMap<&str, usize> = HashMap::new();
    for (i, c) in columns.iter().enumerate() {
        column_of.entry(c.code.as_str()).or_insert(i);
    }
    let mut counts = Vec::new();
    for cat in cats {
        let mut row = vec![0; columns.len()];
        for (_, seg) in coded.matching(member, cat) {
            let src = seg.source;
            if let Some(&i) = muni_of.get(src).and_then(|m| column_of.get(m)) {
                row[i] += 1;
            }
        }
        counts.push(row);
    }
    let column_base: Vec<usize> = (0..columns.len())
        .map(|i| counts.iter().map(|r| r[i]).sum())
        .collect();
    CrossTab {
        counts_what: "gecodeerde passages".into(),
        rows: cats.to_vec(),
        columns: columns.iter().map(|m| m.name.clone()).collect(),
        row_percent: counts
            .iter()
            .map(|row| {
                let total: usize = row.iter().sum();
                row.iter().map(|n| percent(*n, total)).collect()
            })
            .collect(),
        column_percent: counts
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&column_base)
                    .map(|(n, b)| percent(*n, *b))
                    .collect()
            })
            .collect(),
        column_base,
        counts,
    }
}

/// Co-occurrence of categories on segments.
pub fn cooccurrence(cats: &[Category], coded: &CodedSegments, member: &Membership) -> Cooccurrence {
    // one pass over the segments: each adds one to every pair of the
    // categories it counts for (n12 of i and j; the diagonal is the total)
    let mut counts = vec![vec![0; cats.len()]; cats.len()];
    let mut hit: Vec<usize> = Vec::with_capacity(cats.len());
    for seg in coded.iter() {
        hit.clear();
        hit.extend(
            cats.iter()
                .enumerate()
                .filter(|(_, cat)| seg.codes.iter().any(|code| member.counts_for(cat, code)))
                .map(|(k, _)| k),
        );
        for &i in &hit {
            for &j in &hit {
                counts[i][j] += 1;
            }
        }
    }
    let totals: Vec<usize> = (0..cats.len()).map(|i| counts[i][i]).collect();
    let mut c = vec![vec![None; cats.len()]; cats.len()];
    for i in 0..cats.len() {
        for j in 0..cats.len() {
            let n12 = counts[i][j];
            let denom = totals[i] + totals[j] - n12;
            c[i][j] = (denom > 0).then(|| n12 as f64 / denom as f64);
        }
    }
    Cooccurrence {
        categories: cats.to_vec(),
        totals,
        counts,
        c,
    }
}

/// The respondent key of a source: the survey respondent, or the source itself.
fn respondent_of(s: &Source) -> String {
    match s.kind {
        SourceKind::SurveyAnswer => s
            .meta
            .get("respondent")
            .cloned()
            .unwrap_or_else(|| s.id.clone()),
        _ => s.id.clone(),
    }
}

/// Respondents x codes, 0/1, in source order.
pub fn respondent_matrix(
    codebook: &Codebook,
    sources: &[Source],
    coded: &CodedSegments,
) -> RespondentMatrix {
    let codes: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    let mut rows: Vec<RespondentRow> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut resp_of_source: HashMap<&str, usize> = HashMap::new();
    let code_index: HashMap<&str, usize> = codes
        .iter()
        .enumerate()
        .rev()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    for s in sources {
        let key = respondent_of(s);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            rows.push(RespondentRow {
                respondent: key,
                kind: s.kind,
                municipality: s.municipality.clone(),
                values: vec![0; codes.len()],
            });
            rows.len() - 1
        });
        resp_of_source.insert(s.id.as_str(), i);
    }
    for seg in coded.iter() {
        if let Some(&i) = resp_of_source.get(seg.source) {
            for code in &seg.codes {
                if let Some(&k) = code_index.get(code) {
                    rows[i].values[k] = 1;
                }
            }
        }
    }
    RespondentMatrix { codes, rows }
}

/// Shortens a quote to about `max` characters at a word boundary, with
/// its white space made single spaces.
pub fn shorten(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{} …", cut[..at].trim_end_matches([',', ';', ':']))
}

/// Up to `per_category` quotes per category, pseudonymised, preferring
/// different municipalities, in source order.
pub fn quotes(
    cats: &[Category],
    coded: &CodedSegments,
    member: &Membership,
    sources: &[Source],
    municipalities: &[Municipality],
    per_category: usize,
) -> Vec<Quotes> {
    // lookups only: hash maps (the order comes from `order`)
    let mut by_id: HashMap<&str, &Source> = HashMap::new();
    let mut order: HashMap<&str, usize> = HashMap::new();
    for (i, s) in sources.iter().enumerate() {
        // the last source of an id wins, as collecting into a map did
        by_id.insert(s.id.as_str(), s);
        order.insert(s.id.as_str(), i);
    }
    let names: HashMap<&str, &str> = municipalities
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();
    let guard = Pseudonymiser::structured();
    let mut pseudo = Pseudonyms::default();
    cats.iter()
        .map(|cat| {
            let mut hits: Vec<(&str, &CodedSegment)> = coded.matching(member, cat).collect();
            hits.sort_by_cached_key(|(id, seg)| {
                (
                    order.get(seg.source).copied().unwrap_or(usize::MAX),
                    seg.span.start,
                    *id,
                )
            });
            let mut used_munis = BTreeSet::new();
            let mut picked: Vec<(&str, &CodedSegment)> = Vec::new();
            // first one per municipality, then fill up
            for pass in 0..2 {
                for (id, seg) in &hits {
                    if picked.len() >= per_category {
                        break;
                    }
                    if picked.iter().any(|(p, _)| p == id) {
                        continue;
                    }
                    let muni = by_id
                        .get(seg.source)
                        .and_then(|s| s.municipality.as_deref());
                    if pass == 0 && !used_munis.insert(muni) {
                        continue;
                    }
                    picked.push((*id, *seg));
                }
            }
            let quotes = picked
                .into_iter()
                .filter_map(|(_, seg)| {
                    let s = by_id.get(seg.source)?;
                    let text = seg.span.slice(&s.text)?;
                    Some(Quote {
                        text: guard.apply(&shorten(text, 320), &mut pseudo),
                        source: s.id.clone(),
                        kind: s.kind,
                        municipality: s.municipality.clone(),
                        municipality_name: s
                            .municipality
                            .as_deref()
                            .and_then(|m| names.get(m))
                            .map(|n| n.to_string()),
                        context: match s.kind {
                            SourceKind::SurveyAnswer => s.meta.get("question_text").cloned(),
                            _ => s.meta.get("rol").cloned(),
                        },
                    })
                })
                .collect();
            Quotes {
                category: cat.clone(),
                quotes,
            }
        })
        .collect()
}
