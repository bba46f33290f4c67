//! Segmentation of source texts into coding units: paragraphs, sentences
//! and speaker turns, each with its span in code points.
//!
//! Sentences end at `.`, `!` or `?` followed by white space and a capital,
//! digit, quote or bracket, except after a Dutch abbreviation (o.a., bijv.,
//! t/m, d.m.v., i.r.t., m.b.t., e.d., nr., ca. and the others in
//! [`ABBREVIATIONS`]) or a single-letter initial ("J. de Vries"). Sentences
//! never cross a paragraph boundary.

use pokeval_model::{Segment, SegmentUnit, Source, Span};

/// Splits `text` into paragraphs (blocks separated by one or more blank lines),
/// trimmed, with their code-point spans.
pub fn paragraphs(source_id: &str, text: &str) -> Vec<Segment> {
    paragraph_ranges(text)
        .into_iter()
        .enumerate()
        .map(|(i, r)| Segment {
            id: format!("{source_id}#{}", i + 1),
            source: source_id.to_string(),
            span: Span::new(r.cp.0, r.cp.1),
            unit: SegmentUnit::Paragraph,
        })
        .collect()
}

/// A paragraph's byte range and code-point range.
struct Range {
    bytes: (usize, usize),
    cp: (usize, usize),
}

/// Paragraph ranges in one pass over the text.
fn paragraph_ranges(text: &str) -> Vec<Range> {
    let mut out = Vec::new();
    let mut block: Option<Range> = None;
    let (mut byte, mut cp) = (0usize, 0usize);
    for line in text.split_inclusive('\n') {
        let line_cps = line.chars().count();
        if line.trim().is_empty() {
            out.extend(block.take());
        } else {
            let lead = &line[..line.len() - line.trim_start().len()];
            let kept = line.trim_end();
            let (b0, c0) = (byte + lead.len(), cp + lead.chars().count());
            let (b1, c1) = (byte + kept.len(), cp + kept.chars().count());
            block = Some(match block {
                Some(r) => Range {
                    bytes: (r.bytes.0, b1),
                    cp: (r.cp.0, c1),
                },
                None => Range {
                    bytes: (b0, b1),
                    cp: (c0, c1),
                },
            });
        }
        byte += line.len();
        cp += line_cps;
    }
    out.extend(block);
    out
}

/// Dutch abbreviations that end in a dot but do not end a sentence (folded
/// to lower case, with their dots).
pub const ABBREVIATIONS: &[&str] = &[
    "o.a.", "bijv.", "bv.", "b.v.", "d.m.v.", "i.r.t.", "m.b.t.", "e.d.", "nr.", "ca.", "enz.",
    "etc.", "z.g.", "zgn.", "incl.", "excl.", "i.p.v.", "m.n.", "o.b.v.", "t.a.v.", "t.o.v.",
    "t.b.v.", "z.s.m.", "resp.", "mr.", "dr.", "drs.", "ir.", "ing.", "prof.", "mw.", "dhr.",
    "jl.", "jr.", "sr.", "vs.", "a.s.", "p.", "blz.", "art.", "lid.", "e.a.", "c.q.", "d.w.z.",
    "i.c.m.", "mln.", "mld.", "min.", "max.", "gem.", "tel.",
];

fn is_abbreviation(word: &str) -> bool {
    let w = pokeval_model::text::fold(word.trim_start_matches(|c: char| !c.is_alphanumeric()));
    if ABBREVIATIONS.contains(&w.as_str()) {
        return true;
    }
    // a single-letter initial such as "J."
    let mut chars = w.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), Some('.'), None) if c.is_alphabetic())
}

/// Splits `text` into sentences, within paragraphs.
pub fn sentences(source_id: &str, text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for para in paragraph_ranges(text) {
        let p = &text[para.bytes.0..para.bytes.1];
        let mut start = 0usize;
        let chars: Vec<(usize, char)> = p.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            if !matches!(c, '.' | '!' | '?') {
                continue;
            }
            // the end of a run of closing punctuation: `?!`, `."`, `.)`
            let mut end = i + c.len_utf8();
            let mut n = k + 1;
            while let Some(&(j, d)) = chars.get(n) {
                if matches!(
                    d,
                    '.' | '!' | '?' | '"' | '\'' | ')' | '\u{201d}' | '\u{2019}'
                ) {
                    end = j + d.len_utf8();
                    n += 1;
                } else {
                    break;
                }
            }
            let Some(&(_, next_ws)) = chars.get(n) else {
                continue;
            };
            if !next_ws.is_whitespace() {
                continue;
            }
            let next = chars[n..]
                .iter()
                .map(|&(_, d)| d)
                .find(|d| !d.is_whitespace());
            let starts_sentence = next.is_some_and(|d| {
                d.is_uppercase()
                    || d.is_ascii_digit()
                    || matches!(
                        d,
                        '"' | '\'' | '(' | '\u{201c}' | '\u{2018}' | '-' | '\u{2022}'
                    )
            });
            if !starts_sentence {
                continue;
            }
            if c == '.' {
                let word_start = p[..i].rfind(char::is_whitespace).map_or(0, |w| w + 1);
                if is_abbreviation(&p[word_start..=i]) {
                    continue;
                }
            }
            push_sentence(&mut out, source_id, para.cp.0, p, start, end);
            start = end;
        }
        push_sentence(&mut out, source_id, para.cp.0, p, start, p.len());
    }
    out
}

/// Adds the sentence `p[start..end]` (trimmed); `cp_base` is the code
/// point where the paragraph `p` starts.
fn push_sentence(
    out: &mut Vec<Segment>,
    source_id: &str,
    cp_base: usize,
    p: &str,
    start: usize,
    end: usize,
) {
    let piece = &p[start..end];
    let trimmed = piece.trim();
    if trimmed.is_empty() {
        return;
    }
    let lead = piece.len() - piece.trim_start().len();
    let local = Span::from_byte_range(p, start + lead, start + lead + trimmed.len());
    out.push(Segment {
        id: format!("{source_id}#s{}", out.len() + 1),
        source: source_id.to_string(),
        span: Span::new(cp_base + local.start, cp_base + local.end),
        unit: SegmentUnit::Sentence,
    });
}

/// The turns of a source as segments (`<id>#t1`, ...), with the speaker's
/// role; `None` when the source is not a transcript.
pub fn turn_segments(source: &Source) -> Option<Vec<(Segment, &'static str)>> {
    let turns = pokeval_ingest::notes::speaker_turns(&source.text, source.meta.get("interviewer"))?;
    Some(
        turns
            .into_iter()
            .filter(|t| !t.span.is_empty())
            .enumerate()
            .map(|(i, t)| {
                (
                    Segment {
                        id: format!("{}#t{}", source.id, i + 1),
                        source: source.id.clone(),
                        span: t.span,
                        unit: SegmentUnit::Turn,
                    },
                    t.role,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_have_code_point_spans() {
        let text = "Eerste alinea\nloopt door.\n\n  Tweede ✓ alinea  \n\n\nDerde";
        let segs = paragraphs("s", text);
        let got: Vec<&str> = segs.iter().map(|s| s.span.slice(text).unwrap()).collect();
        assert_eq!(
            got,
            vec!["Eerste alinea\nloopt door.", "Tweede ✓ alinea", "Derde"]
        );
        assert_eq!(segs[2].id, "s#3");
    }

    #[test]
    fn dutch_abbreviations_do_not_end_sentences() {
        let text = "Het geld ging o.a. naar de wijkteams, bijv. in Noord. Dat liep t/m 2027! \
                    Volgens mr. J. de Vries is dat nr. 3 op de lijst. Werkt het? Ja.\n\nNieuwe alinea 🙂 met geïnvesteerd geld.";
        let segs = sentences("s", text);
        let got: Vec<&str> = segs.iter().map(|s| s.span.slice(text).unwrap()).collect();
        assert_eq!(
            got,
            vec![
                "Het geld ging o.a. naar de wijkteams, bijv. in Noord.",
                "Dat liep t/m 2027!",
                "Volgens mr. J. de Vries is dat nr. 3 op de lijst.",
                "Werkt het?",
                "Ja.",
                "Nieuwe alinea 🙂 met geïnvesteerd geld.",
            ]
        );
        assert_eq!(segs[5].id, "s#s6");
        assert!(segs.iter().all(|s| s.unit == SegmentUnit::Sentence));
    }

    #[test]
    fn sentence_spans_round_trip_with_emoji_and_diacritics() {
        let text = "Eén 🙂 zin. Tweeë zinnen d.m.v. één punt.";
        for s in sentences("x", text) {
            let slice = s.span.slice(text).unwrap();
            assert_eq!(slice, slice.trim());
            assert!(text.contains(slice));
        }
        assert_eq!(sentences("x", text).len(), 2);
    }
}
