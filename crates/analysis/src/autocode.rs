//! Autocoding: every include and exclude rule of a codebook in one
//! [`regex::RegexSet`], applied in a single pass to each segment of folded
//! ASCII text ([`pokeval_model::text::match_key`])
//! text. Each coding keeps the rule and the span that produced it.

use crate::segment::turn_segments;
use crate::segment::{paragraphs, sentences};
use pokeval_ingest::project::CodingUnit;
use pokeval_model::text::match_key;
use pokeval_model::{Segment, SegmentUnit, Source, SourceKind, Span};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::codebook::{rule_to_regex, Codebook};
use crate::error::{Error, Result};

/// Where a coding came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// Produced by a codebook rule.
    Rule {
        /// The rule that made the coding.
        rule: Arc<str>,
    },
    /// Entered by a coder.
    Manual {
        /// The coder who made it.
        coder: Arc<str>,
    },
}

/// A code applied to a segment.
///
/// The ids are shared (`Arc<str>`): a project of 100,000 respondents has
/// close to a million codings, and one allocation per id per coding was
/// most of a build's memory. All codings of a segment share its id and
/// source id; all codings of a code or rule share that name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    /// The id of the coded segment.
    pub segment: Arc<str>,
    /// The id of its source.
    pub source: Arc<str>,
    /// The coded unit, in code points of the source text.
    pub span: Span,
    /// The code applied.
    pub code: Arc<str>,
    /// Where the coding came from.
    pub origin: Origin,
    /// For rule codings: the text the rule matched, in code points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<Span>,
}

/// A compiled codebook.
pub struct Autocoder {
    includes: RegexSet,
    include_rules: Vec<(usize, Arc<str>, Regex)>,
    excludes: RegexSet,
    exclude_code: Vec<usize>,
    code_ids: Vec<Arc<str>>,
}

impl Autocoder {
    /// Compiles every rule of `codebook`.
    pub fn new(codebook: &Codebook) -> Result<Autocoder> {
        let mut include_rules = Vec::new();
        let mut exclude_patterns = Vec::new();
        let mut exclude_code = Vec::new();
        let compile_err = |code: &str, rule: &str, e: String| Error::Rule {
            path: "codebook".into(),
            code: code.to_string(),
            rule: rule.to_string(),
            message: e,
        };
        for (ci, code) in codebook.codes.iter().enumerate() {
            for rule in &code.include {
                let pattern =
                    rule_to_regex(rule).map_err(|e| compile_err(&code.id, rule, e.to_string()))?;
                let re = RegexBuilder::new(&pattern)
                    .unicode(false)
                    .build()
                    .map_err(|e| compile_err(&code.id, rule, e.to_string()))?;
                include_rules.push((ci, Arc::from(rule.as_str()), re));
            }
            for rule in &code.exclude {
                exclude_patterns.push(
                    rule_to_regex(rule).map_err(|e| compile_err(&code.id, rule, e.to_string()))?,
                );
                exclude_code.push(ci);
            }
        }
        let includes = RegexSetBuilder::new(include_rules.iter().map(|(_, _, re)| re.as_str()))
            .unicode(false)
            .build()
            .map_err(|e| compile_err("*", "*", e.to_string()))?;
        let excludes = RegexSetBuilder::new(&exclude_patterns)
            .unicode(false)
            .build()
            .map_err(|e| compile_err("*", "*", e.to_string()))?;
        Ok(Autocoder {
            includes,
            include_rules,
            excludes,
            exclude_code,
            code_ids: codebook
                .codes
                .iter()
                .map(|c| Arc::from(c.id.as_str()))
                .collect(),
        })
    }

    /// Codes one segment of `source`. `folded` is `match_key(&source.text)`:
    /// pure ASCII, so the regexes run without Unicode classes on the DFA.
    /// `source` is the segment's source id, shared by its codings.
    pub fn code_segment(
        &self,
        segment: &Segment,
        source: &Arc<str>,
        folded: &str,
        out: &mut Vec<Coding>,
    ) {
        // `folded` is ASCII: code points are bytes
        let Some(text) = folded.get(segment.span.start..segment.span.end) else {
            return;
        };
        let excluded: Vec<usize> = self
            .excludes
            .matches(text)
            .into_iter()
            .map(|i| self.exclude_code[i])
            .collect();
        let mut done: Vec<usize> = Vec::new();
        let mut segment_id: Option<Arc<str>> = None;
        for i in self.includes.matches(text) {
            let (ci, rule, re) = &self.include_rules[i];
            if excluded.contains(ci) || done.contains(ci) {
                continue;
            }
            done.push(*ci);
            let matched = re.find(text).map(|m| {
                let local = Span::from_byte_range(text, m.start(), m.end());
                Span::new(
                    segment.span.start + local.start,
                    segment.span.start + local.end,
                )
            });
            let segment_id = segment_id
                .get_or_insert_with(|| Arc::from(segment.id.as_str()))
                .clone();
            out.push(Coding {
                segment: segment_id,
                source: source.clone(),
                span: segment.span,
                code: self.code_ids[*ci].clone(),
                origin: Origin::Rule { rule: rule.clone() },
                matched,
            });
        }
    }
}

/// Splits a source into coding units. With [`CodingUnit::Paragraph`]:
/// paragraphs of notes and documents, each open answer whole; with
/// [`CodingUnit::Sentence`]: sentences of both. Markdown headings are left
/// out, and the remaining segments are numbered `<source>#1`, `#2`, ...
/// (`#s1`, `#s2`, ... for sentences): the numbers manual codings refer to.
pub fn segments(source: &Source, unit: CodingUnit) -> Vec<Segment> {
    segments_of(source, unit, &match_key(&source.text))
}

/// [`segments`] with the source's `match_key` text already made.
fn segments_of(source: &Source, unit: CodingUnit, folded: &str) -> Vec<Segment> {
    if unit == CodingUnit::Turn {
        if let Some(turns) = turn_segments(source) {
            return turns.into_iter().map(|(seg, _)| seg).collect();
        }
    }
    let segs = match (unit, source.kind) {
        (CodingUnit::Sentence, _) => sentences(&source.id, &source.text),
        (CodingUnit::Paragraph | CodingUnit::Turn, SourceKind::SurveyAnswer) => {
            let text = source.text.trim();
            if text.is_empty() {
                return Vec::new();
            }
            // where the trimmed text starts (no search for it)
            let start = source.text.len() - source.text.trim_start().len();
            vec![Segment {
                // numbered below
                id: String::new(),
                source: source.id.clone(),
                span: Span::from_byte_range(&source.text, start, start + text.len()),
                unit: SegmentUnit::Answer,
            }]
        }
        (
            CodingUnit::Paragraph | CodingUnit::Turn,
            SourceKind::Interview | SourceKind::Document,
        ) => paragraphs(&source.id, &source.text),
    };
    // number the codable segments 1, 2, ... (s1, s2, ... for sentences)
    let prefix = if unit == CodingUnit::Sentence {
        "s"
    } else {
        ""
    };
    segs.into_iter()
        .filter(|s| !folded.get(s.span.start..s.span.end).is_some_and(is_heading))
        .enumerate()
        .map(|(i, s)| Segment {
            id: format!("{}#{prefix}{}", source.id, i + 1),
            ..s
        })
        .collect()
}

/// Markdown headings are structure, not content to code: one line of one
/// to six `#` and a space ("## Knelpunten"). A line such as "#1 prioriteit"
/// or "#POK2024" is text and is coded (and counted in the numbering).
fn is_heading(text: &str) -> bool {
    let hashes = text.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes)
        && !text.contains('\n')
        && text[hashes..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
}

/// Segments and codes all sources; returns the segments and the codings.
pub fn autocode(
    codebook: &Codebook,
    sources: &[Source],
    unit: CodingUnit,
) -> Result<(Vec<Segment>, Vec<Coding>)> {
    autocode_counted(codebook, sources, unit, &pokeval_model::NoProgress)
}

/// [`autocode`], reporting `n of N` sources to `progress`.
pub fn autocode_counted(
    codebook: &Codebook,
    sources: &[Source],
    unit: CodingUnit,
    progress: &dyn pokeval_model::Progress,
) -> Result<(Vec<Segment>, Vec<Coding>)> {
    autocode_with(&Autocoder::new(codebook)?, sources, unit, progress)
}

/// [`autocode_counted`] with rules compiled once by the caller, for a
/// caller that codes many small batches with one codebook.
pub fn autocode_with(
    coder: &Autocoder,
    sources: &[Source],
    unit: CodingUnit,
    progress: &dyn pokeval_model::Progress,
) -> Result<(Vec<Segment>, Vec<Coding>)> {
    let coded = autocode_chunks(coder, sources, unit, progress, &|_| true, None)?;
    Ok((coded.segments, concat(coded.chunks, Vec::new())))
}

/// `chunks` and then `more` in one exactly sized vector; each chunk is
/// freed once moved.
pub(crate) fn concat(chunks: Vec<Vec<Coding>>, more: Vec<Coding>) -> Vec<Coding> {
    let mut all = Vec::with_capacity(chunks.iter().map(Vec::len).sum::<usize>() + more.len());
    for c in chunks {
        all.extend(c);
    }
    all.extend(more);
    all
}

/// Every coding of an analysis, in order: the rule codings source by
/// source, then the manual codings. Kept in the chunks they were made in
/// (a few thousand sources each) and serialised as one list.
///
/// Moving the chunks into one vector needed the whole vector while the
/// chunks were still held: with 100,000 respondents (845,000 codings of
/// 112 bytes) that was up to 95 MB more at the build's peak.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Codings {
    /// Never an empty chunk.
    chunks: Vec<Vec<Coding>>,
}

impl Codings {
    /// The codings of `chunks`, in order (empty chunks are dropped).
    pub fn from_chunks(chunks: impl IntoIterator<Item = Vec<Coding>>) -> Codings {
        Codings {
            chunks: chunks.into_iter().filter(|c| !c.is_empty()).collect(),
        }
    }

    /// How many codings there are.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The codings in order: the rule codings source by source, then the
    /// manual codings.
    pub fn iter(&self) -> impl Iterator<Item = &Coding> + Clone {
        self.chunks.iter().flatten()
    }
}

impl From<Vec<Coding>> for Codings {
    fn from(all: Vec<Coding>) -> Codings {
        Codings::from_chunks([all])
    }
}

impl<'a> IntoIterator for &'a Codings {
    type Item = &'a Coding;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Coding>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl Serialize for Codings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Segments and codings, as [`autocode_counted`] makes them, with the
/// codings left in chunks of sources (in source order) for the caller to
/// join with the manual codings, and the segments kept only of the sources
/// `keep` accepts (with `count`, how many there were in all): the manual
/// codings need the segments of the sources they name, and keeping those
/// of every open answer cost as much memory as the codings.
pub(crate) struct Coded {
    pub segments: Vec<Segment>,
    pub count: usize,
    pub chunks: Vec<Vec<Coding>>,
    pub run: CodingRun,
}

/// What a coding run leaves for the next one (the preview's rebuild),
/// beside the codings.
#[derive(Debug, Clone, Default)]
pub struct CodingRun {
    /// How many sources were coded with the rules; the others' codings
    /// were taken over from a [`Previous`] analysis.
    pub coded_sources: usize,
    /// The number of segments of each source, in source order.
    pub segments_per_source: Vec<u32>,
}

/// The rule codings of an earlier analysis of the same project with the
/// same codebook and coding unit, per source: a rebuild (the preview's,
/// after a note changed) takes a source's codings from here when its id,
/// kind and text are unchanged, and codes only the others.
///
/// The rules see nothing but a source's text, kind and id, so the codings
/// taken over are the ones coding would give. The caller checks that the
/// codebook and the coding unit are the same; a source id that occurs
/// more than once in the earlier analysis is always coded again.
pub struct Previous<'a> {
    by_id: std::collections::HashMap<&'a str, Option<Earlier<'a>>>,
}

/// One source of the earlier analysis: the source, its rule codings and
/// its number of segments.
#[derive(Clone, Copy)]
struct Earlier<'a> {
    source: &'a Source,
    codings: &'a [Coding],
    segments: u32,
}

impl<'a> Previous<'a> {
    /// The codings `codings` made on `sources` in the coding run `run`.
    pub fn new(sources: &'a [Source], codings: &'a Codings, run: &CodingRun) -> Previous<'a> {
        let mut by_id: std::collections::HashMap<&'a str, Option<Earlier<'a>>> =
            std::collections::HashMap::with_capacity(sources.len());
        for (i, s) in sources.iter().enumerate() {
            let earlier = run.segments_per_source.get(i).map(|&segments| Earlier {
                source: s,
                codings: &[],
                segments,
            });
            by_id
                .entry(s.id.as_str())
                .and_modify(|e| *e = None)
                .or_insert(earlier);
        }
        // a source's rule codings are adjacent, in one chunk
        for chunk in &codings.chunks {
            let mut start = 0;
            while start < chunk.len() {
                let first = &chunk[start];
                let end = start
                    + chunk[start..]
                        .iter()
                        .take_while(|c| {
                            Arc::ptr_eq(&c.source, &first.source)
                                && matches!(c.origin, Origin::Rule { .. })
                        })
                        .count()
                        .max(1);
                if matches!(first.origin, Origin::Rule { .. }) {
                    if let Some(Some(Earlier { codings: slot, .. })) = by_id.get_mut(&*first.source)
                    {
                        if slot.is_empty() {
                            *slot = &chunk[start..end];
                        } else {
                            // not adjacent after all: code it again
                            by_id.insert(&first.source, None);
                        }
                    }
                }
                start = end;
            }
        }
        Previous { by_id }
    }

    /// The earlier rule codings and segment count of `source`, when it is
    /// unchanged.
    fn of(&self, source: &Source) -> Option<(&'a [Coding], u32)> {
        let e = (*self.by_id.get(source.id.as_str())?)?;
        (e.source.kind == source.kind && e.source.text == source.text)
            .then_some((e.codings, e.segments))
    }
}

pub(crate) fn autocode_chunks(
    coder: &Autocoder,
    sources: &[Source],
    unit: CodingUnit,
    progress: &dyn pokeval_model::Progress,
    keep: &(dyn Fn(&Source) -> bool + Sync),
    previous: Option<&Previous>,
) -> Result<Coded> {
    // sources in parallel, results concatenated in source order: a chunk
    // of sources at a time into one vector each, then moved into exactly
    // sized vectors, so the codings never exist twice over
    let mut chunks: Vec<(Vec<Segment>, Vec<Coding>)> = Vec::new();
    let mut count = 0;
    let mut run = CodingRun {
        coded_sources: 0,
        segments_per_source: Vec::with_capacity(sources.len()),
    };
    pokeval_model::par_chunks_counted(
        sources,
        progress,
        |source| {
            let earlier = previous.and_then(|p| p.of(source));
            let kept = keep(source);
            // codings taken over are cloned in order below, on one thread:
            // cloning them here made both threads count up the same
            // shared code and rule names, and cost as much as coding
            if let (Some((codings, n)), false) = (earlier, kept) {
                // unchanged, and its segments are not wanted: not even
                // segmented again
                return (Vec::new(), n as usize, Err(codings));
            }
            let folded = match_key(&source.text);
            let segs = segments_of(source, unit, &folded);
            let codings = match earlier {
                Some((earlier, _)) => Err(earlier),
                None => {
                    let mut codings = Vec::new();
                    let id: Arc<str> = Arc::from(source.id.as_str());
                    for seg in &segs {
                        coder.code_segment(seg, &id, &folded, &mut codings);
                    }
                    Ok(codings)
                }
            };
            let n = segs.len();
            let segs = if kept { segs } else { Vec::new() };
            (segs, n, codings)
        },
        |part| {
            let segs = part.iter().map(|(s, _, _)| s.len()).sum();
            let cods = part
                .iter()
                .map(|(_, _, c)| c.as_ref().map_or_else(|e| e.len(), Vec::len))
                .sum();
            let mut chunk = (Vec::with_capacity(segs), Vec::with_capacity(cods));
            for (s, n, c) in part {
                count += n;
                run.segments_per_source
                    .push(u32::try_from(n).unwrap_or(u32::MAX));
                chunk.0.extend(s);
                match c {
                    Ok(coded) => {
                        run.coded_sources += 1;
                        chunk.1.extend(coded);
                    }
                    Err(earlier) => chunk.1.extend_from_slice(earlier),
                }
            }
            chunks.push(chunk);
        },
    );
    let mut segments = Vec::with_capacity(chunks.iter().map(|(s, _)| s.len()).sum());
    let mut codings = Vec::with_capacity(chunks.len());
    for (s, c) in chunks {
        segments.extend(s);
        codings.push(c);
    }
    Ok(Coded {
        segments,
        count,
        chunks: codings,
        run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pokeval_model::Wave;

    fn source(kind: SourceKind, text: &str) -> Source {
        Source {
            id: "s".into(),
            kind,
            municipality: None,
            wave: Wave::new(2024).unwrap(),
            text: text.into(),
            file: "s.md".into(),
            meta: Default::default(),
        }
    }

    fn book(toml: &str) -> Codebook {
        Codebook::parse(std::path::Path::new("t.toml"), toml).unwrap()
    }

    #[test]
    fn only_a_markdown_heading_is_left_out_of_the_numbering() {
        let text = "# Kop\n\n#1 prioriteit is schuldhulp.\n\n#POK2024 liep goed.\n\n###### Laatste kop\n\nSlot.";
        let segs = segments(&source(SourceKind::Interview, text), CodingUnit::Paragraph);
        let texts: Vec<&str> = segs.iter().map(|s| s.span.slice(text).unwrap()).collect();
        assert_eq!(
            texts,
            vec![
                "#1 prioriteit is schuldhulp.",
                "#POK2024 liep goed.",
                "Slot."
            ]
        );
        assert!(segs[2].id.ends_with("#3"));
    }

    #[test]
    fn matches_fold_case_diacritics_and_compounds() {
        let cb = book(
            "name = \"t\"\n\
             [[code]]\nid = \"W\"\nlabel = \"w\"\ninclude = [\"*wijkteam*\"]\n\
             [[code]]\nid = \"G\"\nlabel = \"g\"\ninclude = [\"geinvesteerd\"]\n\
             [[code]]\nid = \"R\"\nlabel = \"r\"\ninclude = [\"sociaal raadslieden\", \"raadslied*\"]\nexclude = [\"geen raadslieden\"]\n",
        );
        let text = "# Kop\n\nHet 🙂 Sociale Wijkteams kregen meer ruimte.\n\nEr is flink Geïnvesteerd.\n\nWe hebben geen raadslieden.";
        let (segs, codings) = autocode(
            &cb,
            &[source(SourceKind::Interview, text)],
            CodingUnit::Paragraph,
        )
        .unwrap();
        assert_eq!(segs.len(), 3, "the heading is not a segment");
        let got: Vec<(&str, &str)> = codings
            .iter()
            .map(|c| (&*c.code, c.matched.unwrap().slice(text).unwrap()))
            .collect();
        assert_eq!(got, vec![("W", "Wijkteams"), ("G", "Geïnvesteerd")]);
        assert_eq!(
            codings[0].span.slice(text),
            Some("Het 🙂 Sociale Wijkteams kregen meer ruimte.")
        );
        assert_eq!(
            codings[0].origin,
            Origin::Rule {
                rule: "*wijkteam*".into()
            }
        );
    }

    #[test]
    fn a_code_is_applied_once_per_segment() {
        let cb = book("name = \"t\"\n[[code]]\nid = \"A\"\nlabel = \"a\"\ninclude = [\"ido\", \"informatiepunt*\"]\n");
        let text = "Het IDO, een informatiepunt digitale overheid.";
        let (_, codings) = autocode(
            &cb,
            &[source(SourceKind::SurveyAnswer, text)],
            CodingUnit::Paragraph,
        )
        .unwrap();
        assert_eq!(codings.len(), 1);
        assert_eq!(codings[0].matched.unwrap().slice(text), Some("IDO"));
    }
}
