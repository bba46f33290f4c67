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

use std::collections::HashMap;

use pokeval_ingest::privacy::{Pseudonymiser, Pseudonyms};
use pokeval_model::{ActionLine, Municipality, Source, SourceKind, Span};
use serde::Serialize;

use crate::autocode::{Codings, Origin};
use crate::codebook::Codebook;

/// A coded segment: its source, span and the codes applied to it.
pub struct CodedSegment<'a> {
    /// The id of the source.
    pub source: &'a str,
    /// Where the source is in the analysis's sources (the last source of
    /// that id); `None` for a coding of a source that is not there.
    pub source_index: Option<u32>,
    /// Its span in the source text.
    pub span: Span,
    /// The codes, sorted, each once.
    pub codes: Vec<&'a str>,
}

/// The codes applied to each segment (union of all origins), in the order
/// the codings first mention them. (They were sorted by id string once:
/// with 2.2 million segments that sort was a tenth of the statistics step
/// and grew faster than the data. Every table that shows passages in an
/// order states its own: quotes by source position, learning passages by
/// segment id.) Which segments count for each code and each action line is
/// worked out in one pass on first use and kept: every table asks for the
/// same categories.
///
/// Every table works on indices: a segment knows its source's position,
/// so no table looks a source up by its id string (with 100,000
/// respondents that was most of the statistics step).
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
    /// Groups `codings` by segment; `sources` are the sources they were
    /// made on.
    ///
    /// The rule codings are taken as [`crate::autocode`] makes them: source
    /// by source in the order of `sources`, and the codings of a segment
    /// adjacent. So no map of all segment or source ids is needed (with a
    /// million respondents those maps were a third of the statistics step
    /// and grew faster than the data): a rule coding's source is found by
    /// walking `sources` forward, and a new run of codings is a new
    /// segment. Manual codings (in any order) are placed through maps of
    /// the few segments and sources they name. Once a rule coding's source
    /// is not found ahead, the walk stops and every later rule coding's
    /// source is looked up in a map of all sources, made only then (so
    /// codings out of order cost a map, never a walk per coding). A
    /// segment points at the source of that id (the last one, for an id
    /// given twice, where the walk does not find it first).
    pub fn new(codings: &'a Codings, sources: &[Source]) -> CodedSegments<'a> {
        use std::collections::HashSet;
        use std::sync::Arc;
        let manual = || {
            codings
                .iter()
                .filter(|c| matches!(c.origin, Origin::Manual { .. }))
        };
        // the segments and sources the manual codings name
        let named_segments: HashSet<&str> = manual().map(|c| &*c.segment).collect();
        let named_sources: HashSet<&str> = manual().map(|c| &*c.source).collect();
        let mut named_position: HashMap<&str, u32> = HashMap::new();
        if !named_sources.is_empty() {
            for (i, s) in sources.iter().enumerate() {
                if let (true, Ok(i)) = (named_sources.contains(s.id.as_str()), u32::try_from(i)) {
                    named_position.insert(s.id.as_str(), i);
                }
            }
        }
        // every source by id: only for a rule coding out of source order
        let mut all_positions: Option<HashMap<&str, u32>> = None;
        let mut position_of_all = |id: &str| {
            all_positions
                .get_or_insert_with(|| {
                    sources
                        .iter()
                        .enumerate()
                        .filter_map(|(i, s)| Some((s.id.as_str(), u32::try_from(i).ok()?)))
                        .collect()
                })
                .get(id)
                .copied()
        };
        let runs = 1 + codings
            .iter()
            .zip(codings.iter().skip(1))
            .filter(|(a, b)| !Arc::ptr_eq(&a.segment, &b.segment))
            .count();
        // the segments manual codings name, once made
        let mut slot: HashMap<&str, usize> = HashMap::new();
        // at most one segment per run of codings: no doubling of a large vector
        let mut segments: Vec<(&str, CodedSegment)> = Vec::with_capacity(runs);
        // where the walk is in `sources`; `None` once it has missed
        let mut cursor = Some(0);
        let mut last_source: Option<(&Arc<str>, Option<u32>)> = None;
        let mut last: Option<(&Arc<str>, usize)> = None;
        for c in codings {
            let k = match last {
                Some((l, k)) if Arc::ptr_eq(l, &c.segment) || **l == *c.segment => k,
                _ => {
                    let rule = matches!(c.origin, Origin::Rule { .. });
                    let id: &str = &c.segment;
                    let named = named_segments.contains(id);
                    match named.then(|| slot.get(id).copied()).flatten() {
                        Some(k) => k,
                        None => {
                            let source_index = match last_source {
                                Some((s, i)) if Arc::ptr_eq(s, &c.source) => i,
                                _ if !rule => named_position.get(&*c.source).copied(),
                                _ => {
                                    let ahead = cursor.and_then(|at: usize| {
                                        let j =
                                            sources[at..].iter().position(|s| s.id == *c.source)?;
                                        Some(at + j)
                                    });
                                    cursor = ahead;
                                    match ahead {
                                        Some(at) => u32::try_from(at).ok(),
                                        None => position_of_all(&c.source),
                                    }
                                }
                            };
                            last_source = Some((&c.source, source_index));
                            segments.push((
                                id,
                                CodedSegment {
                                    source: &c.source,
                                    source_index,
                                    span: c.span,
                                    codes: Vec::new(),
                                },
                            ));
                            let k = segments.len() - 1;
                            if named {
                                slot.insert(id, k);
                            }
                            k
                        }
                    }
                }
            };
            last = Some((&c.segment, k));
            segments[k].1.codes.push(&c.code);
        }
        for (_, seg) in &mut segments {
            seg.codes.sort_unstable();
            seg.codes.dedup();
            seg.codes.shrink_to_fit();
        }
        CodedSegments {
            segments,
            index: std::cell::OnceCell::new(),
        }
    }

    /// Every coded segment with its id, in the order of the codings'
    /// first mention of it (for the rule codings: source order, then
    /// reading order).
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &CodedSegment<'a>)> {
        self.segments.iter().map(|(id, s)| (*id, s))
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

    /// The indices of the segments with at least one code counting for
    /// `cat`, ascending. (One `Membership` per analysis: the first call's
    /// membership builds the index.)
    fn indices(&self, member: &Membership, cat: &Category) -> &[u32] {
        let index = self.index(member);
        match cat.level {
            Level::Code => index.by_code.get(cat.id.as_str()).map(Vec::as_slice),
            Level::ActionLine => cat
                .action_line
                .and_then(|l| index.by_line.get(&l))
                .map(Vec::as_slice),
        }
        .unwrap_or(&[])
    }

    /// The segments with at least one code counting for `cat`, in the
    /// order of [`CodedSegments::iter`].
    fn matching<'s>(
        &'s self,
        member: &Membership,
        cat: &Category,
    ) -> impl Iterator<Item = (&'a str, &'s CodedSegment<'a>)> + 's {
        self.indices(member, cat).iter().map(move |&k| {
            let (id, s) = &self.segments[k as usize];
            (*id, s)
        })
    }
}

/// Per source (by position), the position of its municipality in
/// `municipalities`, if it has one that is there.
fn municipality_positions(sources: &[Source], municipalities: &[Municipality]) -> Vec<Option<u32>> {
    let by_code: HashMap<&str, u32> = municipalities
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((m.code.as_str(), u32::try_from(i).ok()?)))
        .collect();
    sources
        .iter()
        .map(|s| by_code.get(s.municipality.as_deref()?).copied())
        .collect()
}

/// Whether a category is one code or a whole action line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A code of the codebook.
    Code,
    /// An action line, with every code under it.
    ActionLine,
}

/// A category a count is kept for: a code or an action line.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    /// Whether it is a code or an action line.
    pub level: Level,
    /// Its id (a code id, or `AL1` to `AL8`).
    pub id: String,
    /// Its label.
    pub label: String,
    /// Codes: the labels from the root ("Robuuste rechtsbescherming > Sociaal raadslieden").
    pub path: Vec<String>,
    /// The action line it counts towards, if any.
    pub action_line: Option<ActionLine>,
}

/// How often a code (or action line) was applied.
#[derive(Debug, Clone, Serialize)]
pub struct Frequency {
    /// The code or action line.
    #[serde(flatten)]
    pub category: Category,
    /// Segments it was applied to.
    pub segments: usize,
    /// Sources with at least one such segment.
    pub sources: usize,
    /// Municipalities with at least one such segment.
    pub municipalities: usize,
}

/// Counts with row and column percentages.
#[derive(Debug, Clone, Serialize)]
pub struct CrossTab {
    /// What is counted in a cell.
    pub counts_what: String,
    /// The row categories.
    pub rows: Vec<Category>,
    /// The column labels.
    pub columns: Vec<String>,
    /// Per column, the base for column percentages.
    pub column_base: Vec<usize>,
    /// Counts per row and column.
    pub counts: Vec<Vec<usize>>,
    /// Percentages of the row's total, per cell (`None` for an empty row).
    pub row_percent: Vec<Vec<Option<f64>>>,
    /// Percentages of the column's base, per cell (`None` for an empty column).
    pub column_percent: Vec<Vec<Option<f64>>>,
}

/// How often categories are applied to the same segment.
#[derive(Debug, Clone, Serialize)]
pub struct Cooccurrence {
    /// The categories, in the order of the rows and columns.
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
    /// What kind of source the respondent is.
    pub kind: SourceKind,
    /// The respondent's municipality (CBS code), if known.
    pub municipality: Option<String>,
    /// 1 where any of the respondent's segments has the code, per code.
    pub values: Vec<u8>,
}

/// Respondents x codes, 0/1.
#[derive(Debug, Clone, Serialize)]
pub struct RespondentMatrix {
    /// The code ids, in the order of the values.
    pub codes: Vec<String>,
    /// One row per respondent.
    pub rows: Vec<RespondentRow>,
}

/// A quote for a code.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// The quote (pseudonymised).
    pub text: String,
    /// The id of its source.
    pub source: String,
    /// What kind of source it is.
    pub kind: SourceKind,
    /// The source's municipality (CBS code), if known.
    pub municipality: Option<String>,
    /// That municipality's name.
    pub municipality_name: Option<String>,
    /// The respondent's role (interviews) or the question (survey answers).
    pub context: Option<String>,
}

/// Quotes for one code or action line.
#[derive(Debug, Clone, Serialize)]
pub struct Quotes {
    /// The code or action line.
    #[serde(flatten)]
    pub category: Category,
    /// Its quotes.
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

/// The eight action lines as categories, in order.
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
    /// Looks up the action line of every code of `codebook` once.
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
}

/// Frequencies per category.
pub fn frequencies(
    cats: &[Category],
    coded: &CodedSegments,
    member: &Membership,
    sources: &[Source],
) -> Vec<Frequency> {
    // per source, the last category it was counted for: counts distinct
    // sources in one pass without a set per category
    let mut counted_for = vec![usize::MAX; sources.len()];
    cats.iter()
        .enumerate()
        .map(|(k, cat)| {
            let mut segs = 0;
            let mut srcs = 0;
            // only counted: hash sets
            let mut elsewhere = std::collections::HashSet::new();
            let mut munis = std::collections::HashSet::new();
            for (_, seg) in coded.matching(member, cat) {
                segs += 1;
                let Some(i) = seg.source_index.map(|i| i as usize) else {
                    elsewhere.insert(seg.source);
                    continue;
                };
                if counted_for[i] != k {
                    counted_for[i] = k;
                    srcs += 1;
                    if let Some(m) = sources[i].municipality.as_deref() {
                        munis.insert(m);
                    }
                }
            }
            Frequency {
                category: cat.clone(),
                segments: segs,
                sources: srcs + elsewhere.len(),
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
    let muni_of = municipality_positions(sources, municipalities);
    let column_of: Vec<Option<usize>> = municipalities
        .iter()
        .map(|m| {
            let g = group(m);
            columns.iter().position(|c| *c == g)
        })
        .collect();
    let mut column_base = vec![0; columns.len()];
    let mut with_sources = vec![false; municipalities.len()];
    for m in muni_of.iter().flatten() {
        with_sources[*m as usize] = true;
    }
    for (m, has) in with_sources.iter().enumerate() {
        if let (true, Some(i)) = (*has, column_of[m]) {
            column_base[i] += 1;
        }
    }
    // per municipality, the last category it was counted for
    let mut counted_for = vec![usize::MAX; municipalities.len()];
    let mut counts = Vec::new();
    for (k, cat) in cats.iter().enumerate() {
        let mut row = vec![0; columns.len()];
        for (_, seg) in coded.matching(member, cat) {
            let Some(m) = seg.source_index.and_then(|i| muni_of[i as usize]) else {
                continue;
            };
            let m = m as usize;
            if counted_for[m] != k {
                counted_for[m] = k;
                if let Some(i) = column_of[m] {
                    row[i] += 1;
                }
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
    let muni_of = municipality_positions(sources, municipalities);
    // a column per municipality with a source, in register order
    let mut column_of: Vec<Option<usize>> = vec![None; municipalities.len()];
    for m in muni_of.iter().flatten() {
        column_of[*m as usize] = Some(0);
    }
    let mut columns: Vec<&Municipality> = Vec::new();
    for (m, col) in column_of.iter_mut().enumerate() {
        if col.is_some() {
            *col = Some(columns.len());
            columns.push(&municipalities[m]);
        }
    }
    let mut counts = Vec::new();
    for cat in cats {
        let mut row = vec![0; columns.len()];
        for (_, seg) in coded.matching(member, cat) {
            let muni = seg.source_index.and_then(|i| muni_of[i as usize]);
            if let Some(i) = muni.and_then(|m| column_of[m as usize]) {
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
    // (segment, category) for every category a segment counts for, from
    // the index, grouped by segment: each segment then adds one to every
    // pair of its categories (n12 of i and j; the diagonal is the total)
    let mut hits: Vec<(u32, u32)> = Vec::new();
    for (k, cat) in cats.iter().enumerate() {
        let Ok(k) = u32::try_from(k) else { break };
        hits.extend(coded.indices(member, cat).iter().map(|&seg| (seg, k)));
    }
    hits.sort_unstable();
    let mut counts = vec![vec![0; cats.len()]; cats.len()];
    for group in hits.chunk_by(|a, b| a.0 == b.0) {
        for &(_, i) in group {
            for &(_, j) in group {
                counts[i as usize][j as usize] += 1;
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
fn respondent_of(s: &Source) -> &str {
    match s.kind {
        SourceKind::SurveyAnswer => s.meta.get("respondent").unwrap_or(&s.id),
        _ => &s.id,
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
    let mut index: HashMap<&str, usize> = HashMap::new();
    let code_index: HashMap<&str, usize> = codes
        .iter()
        .enumerate()
        .rev()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    // per source (by position), its row
    // a respondent's open answers are adjacent: the map is asked once per
    // run of sources of one respondent
    let mut last: Option<(&str, usize)> = None;
    let row_of: Vec<usize> = sources
        .iter()
        .map(|s| {
            let key = respondent_of(s);
            if let Some((k, row)) = last {
                if k == key {
                    return row;
                }
            }
            let row = *index.entry(key).or_insert_with(|| {
                rows.push(RespondentRow {
                    respondent: key.to_string(),
                    kind: s.kind,
                    municipality: s.municipality.as_deref().map(str::to_string),
                    values: vec![0; codes.len()],
                });
                rows.len() - 1
            });
            last = Some((key, row));
            row
        })
        .collect();
    for (_, seg) in coded.iter() {
        if let Some(i) = seg.source_index {
            let row = &mut rows[row_of[i as usize]];
            for code in &seg.codes {
                if let Some(&k) = code_index.get(code) {
                    row.values[k] = 1;
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

/// The order quotes are chosen in: source position (sources not there
/// last), then position in the source, then segment id.
fn quote_order<'s>(hit: &(&'s str, &CodedSegment)) -> (u32, usize, &'s str) {
    (
        hit.1.source_index.unwrap_or(u32::MAX),
        hit.1.span.start,
        hit.0,
    )
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
    let names: HashMap<&str, &str> = municipalities
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();
    let guard = Pseudonymiser::structured();
    let mut pseudo = Pseudonyms::default();
    cats.iter()
        .map(|cat| {
            let hits: Vec<(&str, &CodedSegment)> = coded.matching(member, cat).collect();
            let source_of = |seg: &CodedSegment| seg.source_index.map(|i| &sources[i as usize]);
            // In source order (then position, then id): first the earliest
            // passage of each municipality, earliest first, then the
            // earliest others. Found without sorting every passage (a
            // category has up to a million; `per_category` are wanted).
            let mut first: HashMap<Option<&str>, usize> = HashMap::new();
            for (i, h) in hits.iter().enumerate() {
                let muni = source_of(h.1).and_then(|s| s.municipality.as_deref());
                let j = first.entry(muni).or_insert(i);
                if quote_order(h) < quote_order(&hits[*j]) {
                    *j = i;
                }
            }
            let mut firsts: Vec<usize> = first.into_values().collect();
            firsts.sort_unstable_by_key(|&i| quote_order(&hits[i]));
            let mut picked: Vec<usize> = firsts.into_iter().take(per_category).collect();
            if picked.len() < per_category {
                let mut earliest: Vec<usize> = (0..hits.len()).collect();
                let wanted = per_category + picked.len();
                if wanted < earliest.len() {
                    earliest.select_nth_unstable_by_key(wanted, |&i| quote_order(&hits[i]));
                    earliest.truncate(wanted);
                }
                earliest.sort_unstable_by_key(|&i| quote_order(&hits[i]));
                for i in earliest {
                    if picked.len() >= per_category {
                        break;
                    }
                    if !picked.contains(&i) {
                        picked.push(i);
                    }
                }
            }
            let picked: Vec<&CodedSegment> = picked.into_iter().map(|i| hits[i].1).collect();
            let quotes = picked
                .into_iter()
                .filter_map(|seg| {
                    let s = source_of(seg)?;
                    let text = seg.span.slice(&s.text)?;
                    Some(Quote {
                        text: guard.apply(&shorten(text, 320), &mut pseudo),
                        source: s.id.clone(),
                        kind: s.kind,
                        municipality: s.municipality.as_deref().map(str::to_string),
                        municipality_name: s
                            .municipality
                            .as_deref()
                            .and_then(|m| names.get(m))
                            .map(std::string::ToString::to_string),
                        context: s.context().map(str::to_string),
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
