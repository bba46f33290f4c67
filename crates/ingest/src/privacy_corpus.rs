//! Scoring the pseudonymisation on a corpus of marked cases.
//!
//! A corpus is a text file with one case per line: a group name, a tab and
//! the text. `{{label|original}}` in the text marks personal data that must
//! become a pseudonym `[label n]` (labels as in [`Kind::label`]); `\n`
//! writes a line break. A case without marks is a look-alike that must come
//! out unchanged. Lines that are empty or start with `#` are comments.
//!
//! ```text
//! telefoon<TAB>Bel mij op {{telefoon|06 - 12 34 56 78}} na vijven.
//! persoon<TAB>Met vriendelijke groet, {{persoon|J. Proef}}
//! datum<TAB>Gesprek op 01-02-2023 10:00 in het stadhuis.
//! ```
//!
//! Each case is pseudonymised on its own, without a name list, so a name
//! counts only where the text itself shows it is one. [`score`] gives the
//! recall per kind (marks replaced by a pseudonym of the right kind, with
//! the text around them unchanged) and the look-alikes that were changed.
//! The project's own corpus is in `fixtures/privacy/corpus.txt`; the
//! figures are in the README.

use std::path::Path;

use crate::privacy::{pseudonymise, Kind};
use pokeval_model::{Error, Result};
use std::fmt::Write as _;

/// One corpus line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// 1-based line number in the corpus file.
    pub line: usize,
    /// The group the case belongs to (for the score per group).
    pub group: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Plain(String),
    Mark(Kind, String),
}

const KINDS: [Kind; 6] = [
    Kind::Person,
    Kind::Email,
    Kind::Phone,
    Kind::Bsn,
    Kind::Iban,
    Kind::Address,
];

impl Case {
    /// The text as it goes in, marks removed.
    pub fn input(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Plain(s) | Part::Mark(_, s) => s.as_str(),
            })
            .collect()
    }
}

/// Reads a corpus; `path` names the file in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let err = |what: String| {
            Error::Line {
                path: path.into(),
                line: line as u64,
                message: format!("{what}; a case is a group name, a tab and a text with {{{{label|original}}}} marks"),
            }
        };
        let Some((group, body)) = raw.split_once('\t') else {
            return Err(err("no tab between the group name and the text".into()));
        };
        let body = body.replace("\\n", "\n");
        let mut parts = Vec::new();
        let mut rest = body.as_str();
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Plain(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(err("a mark opened with {{ is not closed with }}".into()));
            };
            let inner = &after[..close];
            let Some((label, original)) = inner.split_once('|') else {
                return Err(err(format!(
                    "the mark {{{{{inner}}}}} has no '|' between label and original"
                )));
            };
            let kind = KINDS
                .iter()
                .copied()
                .find(|k| k.label() == label)
                .ok_or_else(|| {
                    err(format!(
                        "unknown label '{label}' (use one of {})",
                        KINDS.map(Kind::label).join(", ")
                    ))
                })?;
            if original.is_empty() {
                return Err(err(format!("the mark {{{{{label}|}}}} is empty")));
            }
            parts.push(Part::Mark(kind, original.to_string()));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Plain(rest.to_string()));
        }
        cases.push(Case {
            line,
            group: group.trim().to_string(),
            parts,
        });
    }
    Ok(cases)
}

/// What became of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The line of the case in the corpus file.
    pub line: usize,
    /// The case's group.
    pub group: String,
    /// The text before pseudonymisation.
    pub input: String,
    /// The text after it.
    pub output: String,
    /// Per mark: its kind and whether it was replaced by a pseudonym of
    /// that kind.
    pub marks: Vec<(Kind, bool)>,
    /// The text outside the marks came out unchanged.
    pub intact: bool,
}

impl Outcome {
    /// Every mark replaced and nothing else changed.
    pub fn passed(&self) -> bool {
        self.intact && self.marks.iter().all(|&(_, ok)| ok)
    }
}

/// Pseudonymises each case on its own and compares.
pub fn run(cases: &[Case]) -> Vec<Outcome> {
    cases
        .iter()
        .map(|case| {
            let input = case.input();
            let (out, _) = pseudonymise(&[], &[input.as_str()], &pokeval_model::NoProgress);
            let output = out
                .into_iter()
                .next()
                .flatten()
                .unwrap_or_else(|| input.clone());
            let (marks, intact) = compare(&case.parts, &output);
            Outcome {
                line: case.line,
                group: case.group.clone(),
                input,
                output,
                marks,
                intact,
            }
        })
        .collect()
}

/// Walks the expected parts along `output`: plain text must come out as it
/// went in; a mark must have become `[label n]`, or counts as missed when
/// it came out unchanged. Anything else (a partial mask, a mask of the
/// wrong kind, a masked look-alike) makes the case not intact, and its
/// remaining marks count as missed.
fn compare(parts: &[Part], output: &str) -> (Vec<(Kind, bool)>, bool) {
    let mut marks = Vec::new();
    let mut at = 0;
    let mut intact = true;
    for part in parts {
        let rest = &output[at.min(output.len())..];
        match part {
            Part::Plain(s) => {
                if intact && rest.starts_with(s.as_str()) {
                    at += s.len();
                } else {
                    intact = false;
                }
            }
            Part::Mark(kind, original) => {
                if !intact {
                    marks.push((*kind, false));
                } else if let Some(n) = pseudonym_len(rest, *kind) {
                    marks.push((*kind, true));
                    at += n;
                } else if rest.starts_with(original.as_str()) {
                    marks.push((*kind, false));
                    at += original.len();
                } else {
                    marks.push((*kind, false));
                    intact = false;
                }
            }
        }
    }
    if at != output.len() {
        intact = false;
    }
    (marks, intact)
}

/// The length of a `[label n]` of `kind` at the start of `s`.
fn pseudonym_len(s: &str, kind: Kind) -> Option<usize> {
    let head = format!("[{} ", kind.label());
    let rest = s.strip_prefix(head.as_str())?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && rest[digits..].starts_with(']')).then_some(head.len() + digits + 1)
}

/// Recall per kind and the look-alikes kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Per kind that occurs in the corpus: (kind, marks replaced, marks).
    pub recall: Vec<(Kind, usize, usize)>,
    /// Look-alike cases, and how many came out changed.
    pub lookalikes: usize,
    /// How many look-alike cases came out changed (each is a false alarm).
    pub lookalikes_changed: usize,
    /// Cases with marks whose surrounding text was changed (something
    /// beside the personal data was masked too).
    pub overmasked: usize,
}

impl Score {
    /// Recall over the structured kinds (e-mail, phone, BSN, IBAN, address).
    pub fn structured_recall(&self) -> f64 {
        let (hit, all) = self
            .recall
            .iter()
            .filter(|(k, _, _)| *k != Kind::Person)
            .fold((0, 0), |(h, a), (_, hit, all)| (h + hit, a + all));
        ratio(hit, all)
    }

    /// Recall for names.
    pub fn name_recall(&self) -> f64 {
        self.recall
            .iter()
            .find(|(k, _, _)| *k == Kind::Person)
            .map_or(1.0, |&(_, hit, all)| ratio(hit, all))
    }
}

fn ratio(hit: usize, all: usize) -> f64 {
    if all == 0 {
        1.0
    } else {
        hit as f64 / all as f64
    }
}

/// Sums the outcomes.
pub fn score(outcomes: &[Outcome]) -> Score {
    let recall = KINDS
        .iter()
        .filter_map(|&kind| {
            let marks = outcomes
                .iter()
                .flat_map(|o| &o.marks)
                .filter(|(k, _)| *k == kind);
            let (hit, all) = marks.fold((0, 0), |(h, a), (_, ok)| (h + usize::from(*ok), a + 1));
            (all > 0).then_some((kind, hit, all))
        })
        .collect();
    let look: Vec<&Outcome> = outcomes.iter().filter(|o| o.marks.is_empty()).collect();
    Score {
        recall,
        lookalikes: look.len(),
        lookalikes_changed: look.iter().filter(|o| !o.intact).count(),
        overmasked: outcomes
            .iter()
            .filter(|o| !o.marks.is_empty() && !o.intact)
            .count(),
    }
}

/// The score as a small plain-text table, with the failed cases below it.
pub fn report(score: &Score, outcomes: &[Outcome]) -> String {
    let mut out = String::from("kind        found / marks  recall\n");
    for (kind, hit, all) in &score.recall {
        _ = writeln!(
            out,
            "{:<11} {hit:>5} / {all:<5}  {:.3}",
            kind.label(),
            ratio(*hit, *all)
        );
    }
    _ = write!(out,
        "structured recall {:.3}, name recall {:.3}\nlook-alikes changed: {} of {}; cases whose text beside the marks changed: {}\n",
        score.structured_recall(),
        score.name_recall(),
        score.lookalikes_changed,
        score.lookalikes,
        score.overmasked
    );
    for o in outcomes.iter().filter(|o| !o.passed()) {
        _ = writeln!(
            out,
            "line {} ({}): {:?} -> {:?}",
            o.line, o.group, o.input, o.output
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<Case> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/privacy/corpus.txt");
        let text = std::fs::read_to_string(&path).expect("the corpus is part of the repository");
        parse(&path, &text).expect("the corpus parses")
    }

    #[test]
    fn the_corpus_meets_the_targets() {
        let cases = corpus();
        let outcomes = run(&cases);
        let s = score(&outcomes);
        let table = report(&s, &outcomes);
        println!("{table}");
        let marks: usize = s.recall.iter().map(|(_, _, all)| all).sum();
        assert!(
            cases.len() >= 200 && marks >= 100,
            "{} cases, {marks} marks",
            cases.len()
        );
        assert!(s.lookalikes >= 80, "{} look-alikes", s.lookalikes);
        assert!(s.structured_recall() >= 0.99, "{table}");
        assert!(s.name_recall() >= 0.95, "{table}");
        assert_eq!(s.lookalikes_changed, 0, "{table}");
        assert_eq!(s.overmasked, 0, "{table}");
    }

    #[test]
    fn the_comparison_can_fail() {
        let cases = parse(
            Path::new("t.txt"),
            "a\tBel {{telefoon|06-12345678}} nu.\nb\tEUR {{bsn|150.000}} en 2024.\nc\tArtikel 12.\n",
        )
        .unwrap();
        let outcomes = run(&cases);
        assert!(outcomes[0].passed());
        assert_eq!(outcomes[1].marks, vec![(Kind::Bsn, false)]);
        assert!(outcomes[1].intact);
        assert!(outcomes[2].passed() && outcomes[2].marks.is_empty());
        // a masked look-alike and a mask of the wrong kind are failures
        let (marks, intact) = compare(&[Part::Plain("Bel 06-12345678".into())], "Bel [telefoon 1]");
        assert!(!intact && marks.is_empty());
        let (marks, _) = compare(&[Part::Mark(Kind::Bsn, "111222333".into())], "[telefoon 1]");
        assert_eq!(marks, vec![(Kind::Bsn, false)]);
    }

    #[test]
    fn a_broken_corpus_line_names_the_line() {
        for (text, want) in [
            ("a b c", "line 1: no tab"),
            ("# c\nx\tBel {{telefoon|06", "line 2: a mark opened"),
            ("x\t{{naam|Piet}}", "unknown label 'naam'"),
            ("x\t{{persoon}}", "has no '|'"),
        ] {
            let e = parse(Path::new("corpus.txt"), text)
                .unwrap_err()
                .to_string();
            assert!(e.contains("corpus.txt") && e.contains(want), "{e}");
        }
    }
}
