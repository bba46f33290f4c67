//! Scoring a codebook on gold passages: how well its rules find the action
//! lines a person assigned.
//!
//! A gold file has one passage per line: its labels, a tab and the passage.
//! Labels are the action lines it is about (`AL1` ... `AL8`) and themes
//! (the id of a theme code: a top-level code without an action line, such
//! as `TH-TOEGANG`), separated by spaces; `-` for none. Lines starting with
//! `#` and empty lines are comments.
//!
//! ```text
//! AL4<TAB>Het sociaal wijkteam is uitgebreid met twee generalisten.
//! AL4 AL5<TAB>Het wijkteam en de schuldhulpverlening hebben een gezamenlijke intake.
//! -<TAB>De middelen zijn toegevoegd aan de algemene reserve.
//! ```
//!
//! Each passage is coded on its own as one segment; a code counts for the
//! action line it belongs to (a sub-code for its parent's). [`score`] gives
//! per action line the true and false positives and the misses, precision,
//! recall and F1, and the micro and macro averages, for all passages and
//! for the two halves (and the same per theme, for all passages, where a
//! theme counts as found when it or one of its sub-codes fires): odd passages (the 1st, 3rd, ...) to tune rules on,
//! even ones held out, so that a codebook tuned on the first half can be
//! judged on the second. The default codebook's own gold file is
//! `fixtures/gold/passages.tsv`; `pokeval score` prints the figures for a
//! project's file.

use std::collections::BTreeSet;
use std::path::Path;

use pokeval_model::{ActionLine, Source, SourceKind, Wave};

use crate::autocode::{autocode_with, Autocoder, Origin};
use crate::codebook::Codebook;
use crate::error::Result;
use pokeval_ingest::project::CodingUnit;
use std::fmt::Write as _;

/// One gold passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// 1-based line in the gold file.
    pub line: usize,
    /// The action lines (1-8) a person assigned; empty for none.
    pub lines: BTreeSet<u8>,
    /// The themes (theme code ids) a person assigned.
    pub themes: BTreeSet<String>,
    /// The passage's text.
    pub text: String,
}

/// Reads a gold file; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> pokeval_model::Result<Vec<Passage>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let err = |what: String| {
            pokeval_model::Error::Line {
                path: path.into(),
                line: line as u64,
                message: format!("{what}; a gold passage is its action lines (AL1 ... AL8, or - for none), a tab and the text"),
            }
        };
        let Some((labels, passage)) = raw.split_once('\t') else {
            return Err(err("no tab between the action lines and the text".into()));
        };
        if passage.trim().is_empty() {
            return Err(err("the passage is empty".into()));
        }
        let mut lines = BTreeSet::new();
        let mut themes = BTreeSet::new();
        for label in labels.split_whitespace() {
            if label == "-" {
                continue;
            }
            let is_line =
                label.len() == 3 && label.starts_with("AL") && label.as_bytes()[2].is_ascii_digit();
            if !is_line {
                if !label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(err(format!(
                        "'{label}' is neither an action line nor a code id"
                    )));
                }
                themes.insert(label.to_string());
                continue;
            }
            let n = label
                .strip_prefix("AL")
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=8).contains(n))
                .ok_or_else(|| err(format!("'{label}' is not an action line")))?;
            lines.insert(n);
        }
        out.push(Passage {
            line,
            lines,
            themes,
            text: passage.trim().to_string(),
        });
    }
    Ok(out)
}

/// Counts for one action line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Action lines found that the gold set also has.
    pub true_positives: usize,
    /// Action lines found that the gold set does not have.
    pub false_positives: usize,
    /// Action lines of the gold set not found.
    pub misses: usize,
}

impl Counts {
    /// True positives over everything found (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }
    /// True positives over everything in the gold set (1 when it is empty).
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.misses)
    }
    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    /// One table row: the label padded to `width`, the counts and ratios.
    fn row(&self, label: &str, width: usize) -> String {
        format!(
            "{label:<width$} {:>4} {:>3} {:>4}  {:>9.3}  {:>6.3}  {:>5.3}\n",
            self.true_positives,
            self.false_positives,
            self.misses,
            self.precision(),
            self.recall(),
            self.f1()
        )
    }
    fn add(&mut self, o: &Counts) {
        self.true_positives += o.true_positives;
        self.false_positives += o.false_positives;
        self.misses += o.misses;
    }
}

/// Precision of a line that was never predicted, and recall of a line that
/// never occurs, count as 1: nothing was claimed or nothing was missed.
fn ratio(hit: usize, all: usize) -> f64 {
    if all == 0 {
        1.0
    } else {
        hit as f64 / all as f64
    }
}

/// The scores of one set of passages.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// How many passages the set has.
    pub passages: usize,
    /// Per action line 1-8.
    pub per_line: Vec<(u8, Counts)>,
}

impl Scores {
    /// Counts summed over the action lines.
    pub fn micro(&self) -> Counts {
        let mut all = Counts::default();
        for (_, c) in &self.per_line {
            all.add(c);
        }
        all
    }

    /// The mean of the per-line F1 scores.
    pub fn macro_f1(&self) -> f64 {
        let n = self.per_line.len().max(1) as f64;
        self.per_line.iter().map(|(_, c)| c.f1()).sum::<f64>() / n
    }
}

/// The scores per theme, over all passages.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeScores {
    /// Per theme: its code id and counts.
    pub per_theme: Vec<(String, Counts)>,
}

/// What the codebook found in one passage.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The passage as the gold file gives it.
    pub passage: Passage,
    /// The action lines the codebook found.
    pub found: BTreeSet<u8>,
    /// The themes the codebook found.
    pub found_themes: BTreeSet<String>,
    /// The rules that fired, as `code: rule`.
    pub rules: Vec<String>,
}

/// The whole score: every passage, the tuning half and the held-out half.
#[derive(Debug, Clone)]
pub struct GoldScore {
    /// Scores over every passage.
    pub all: Scores,
    /// Scores over the odd passages, on which the rules were tuned.
    pub tuning: Scores,
    /// Scores over the even passages, held out.
    pub held_out: Scores,
    /// Every theme of the codebook that the gold file or the rules use.
    pub themes: ThemeScores,
    /// Per passage, what was found.
    pub outcomes: Vec<Outcome>,
}

/// The top-level code of `id` (itself when it has no parent).
fn root<'c>(codebook: &'c Codebook, id: &'c str) -> &'c str {
    codebook.ancestors(id).last().map_or(id, |c| c.id.as_str())
}

/// Codes every passage with `codebook` and compares.
pub fn score(codebook: &Codebook, passages: &[Passage]) -> Result<GoldScore> {
    score_with(&Autocoder::new(codebook)?, codebook, passages)
}

/// [`score`] with `codebook`'s rules compiled once by the caller
/// (`coder` must be compiled from `codebook`).
pub fn score_with(
    coder: &Autocoder,
    codebook: &Codebook,
    passages: &[Passage],
) -> Result<GoldScore> {
    for p in passages {
        for t in &p.themes {
            let known = codebook
                .code(t)
                .is_some_and(|c| c.parent.is_none() && codebook.action_line_of(t).is_none());
            if !known {
                return Err(pokeval_model::Error::Line {
                    path: "gold".into(),
                    line: p.line as u64,
                    message: format!("'{t}' is not a theme of the codebook (a top-level code without an action line)"),
                }
                .into());
            }
        }
    }
    let wave = Wave::FIRST;
    let sources: Vec<Source> = passages
        .iter()
        .map(|p| Source {
            id: format!("gold:{}", p.line),
            kind: SourceKind::SurveyAnswer,
            municipality: None,
            wave,
            text: p.text.clone(),
            file: "gold".into(),
            meta: Default::default(),
        })
        .collect();
    let (_, codings) = autocode_with(
        coder,
        &sources,
        CodingUnit::Paragraph,
        &pokeval_model::NoProgress,
    )?;
    let mut found: Vec<BTreeSet<u8>> = vec![BTreeSet::new(); passages.len()];
    let mut found_themes: Vec<BTreeSet<String>> = vec![BTreeSet::new(); passages.len()];
    let mut rules: Vec<Vec<String>> = vec![Vec::new(); passages.len()];
    let index: std::collections::HashMap<&str, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for c in &codings {
        let Some(&i) = index.get(&*c.source) else {
            continue;
        };
        match codebook.action_line_of(&c.code) {
            Some(al) => {
                found[i].insert(al.number());
            }
            None => {
                found_themes[i].insert(root(codebook, &c.code).to_string());
            }
        }
        if let Origin::Rule { rule } = &c.origin {
            rules[i].push(format!("{}: {rule}", c.code));
        }
    }
    let outcomes: Vec<Outcome> = passages
        .iter()
        .zip(found)
        .zip(found_themes)
        .zip(rules)
        .map(|(((p, found), found_themes), rules)| Outcome {
            passage: p.clone(),
            found,
            found_themes,
            rules,
        })
        .collect();
    let theme_ids: BTreeSet<&str> = outcomes
        .iter()
        .flat_map(|o| o.passage.themes.iter().chain(&o.found_themes))
        .map(String::as_str)
        .collect();
    let per_theme = theme_ids
        .into_iter()
        .map(|t| {
            let mut c = Counts::default();
            for o in &outcomes {
                match (o.passage.themes.contains(t), o.found_themes.contains(t)) {
                    (true, true) => c.true_positives += 1,
                    (false, true) => c.false_positives += 1,
                    (true, false) => c.misses += 1,
                    (false, false) => {}
                }
            }
            (t.to_string(), c)
        })
        .collect();
    let tally = |keep: &dyn Fn(usize) -> bool| {
        let mut per_line: Vec<(u8, Counts)> = ActionLine::all()
            .map(|a| (a.number(), Counts::default()))
            .collect();
        let mut n = 0;
        for (i, o) in outcomes.iter().enumerate() {
            if !keep(i) {
                continue;
            }
            n += 1;
            for (line, c) in &mut per_line {
                match (o.passage.lines.contains(line), o.found.contains(line)) {
                    (true, true) => c.true_positives += 1,
                    (false, true) => c.false_positives += 1,
                    (true, false) => c.misses += 1,
                    (false, false) => {}
                }
            }
        }
        Scores {
            passages: n,
            per_line,
        }
    };
    Ok(GoldScore {
        all: tally(&|_| true),
        tuning: tally(&|i| i % 2 == 0),
        held_out: tally(&|i| i % 2 == 1),
        themes: ThemeScores { per_theme },
        outcomes,
    })
}

/// The score as plain-text tables, with the passages where the codebook
/// and the gold differ below them.
pub fn report(s: &GoldScore) -> String {
    let mut out = String::new();
    for (name, sc) in [
        ("all passages", &s.all),
        ("tuning half (odd passages)", &s.tuning),
        ("held-out half (even passages)", &s.held_out),
    ] {
        _ = write!(
            out,
            "{name}: {} passages\nline   tp  fp miss  precision  recall     F1\n",
            sc.passages
        );
        for (line, c) in &sc.per_line {
            out.push_str(&c.row(&format!("AL{line} "), 5));
        }
        out.push_str(&sc.micro().row("micro", 5));
        _ = write!(out, "macro F1 {:.3}\n\n", sc.macro_f1());
    }
    out.push_str("themes (all passages; no target: a theme is labelled only where it is a main point)\ntheme                 tp  fp miss  precision  recall     F1\n");
    for (t, c) in &s.themes.per_theme {
        out.push_str(&c.row(t, 20));
    }
    out.push('\n');
    let show = |set: &BTreeSet<u8>| {
        if set.is_empty() {
            "-".to_string()
        } else {
            set.iter()
                .map(|l| format!("AL{l}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    for o in s.outcomes.iter().filter(|o| o.found != o.passage.lines) {
        _ = writeln!(
            out,
            "line {}: gold {}, found {}{}: {}",
            o.passage.line,
            show(&o.passage.lines),
            show(&o.found),
            if o.rules.is_empty() {
                String::new()
            } else {
                format!(" ({})", o.rules.join("; "))
            },
            o.passage.text
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passages() -> Vec<Passage> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gold/passages.tsv");
        let text = std::fs::read_to_string(&path).expect("the gold passages are in the repository");
        parse(&path, &text).expect("the gold passages parse")
    }

    #[test]
    fn the_gold_passages_meet_the_targets() {
        let p = passages();
        assert!(p.len() >= 200, "{}", p.len());
        for line in 1..=8 {
            let n = p.iter().filter(|x| x.lines.contains(&line)).count();
            assert!(n >= 20, "AL{line}: {n} passages");
        }
        assert!(p.iter().filter(|x| x.lines.is_empty()).count() >= 20);
        let s = score(&Codebook::default_codebook(), &p).unwrap();
        let table = report(&s);
        println!("{table}");
        for (line, c) in &s.all.per_line {
            assert!(
                c.recall() >= 0.85,
                "AL{line} recall {:.3}\n{table}",
                c.recall()
            );
            assert!(
                c.precision() >= 0.90,
                "AL{line} precision {:.3}\n{table}",
                c.precision()
            );
        }
        assert!(s.all.micro().f1() >= 0.90, "{table}");
        // themes are labelled and scored (no target)
        let labelled: usize = p.iter().map(|x| x.themes.len()).sum();
        assert!(labelled >= 80, "{labelled} theme labels");
        assert!(s
            .themes
            .per_theme
            .iter()
            .any(|(t, c)| t == "TH-TOEGANG" && c.true_positives > 0));
    }

    #[test]
    fn the_score_counts_hits_false_alarms_and_misses() {
        let cb = Codebook::default_codebook();
        let p = parse(
            Path::new("g.tsv"),
            "AL4\tHet wijkteam is uitgebreid.\nAL2\tHet wijkteam is uitgebreid.\n-\tDe begroting is sluitend.\n",
        )
        .unwrap();
        let s = score(&cb, &p).unwrap();
        let al4 = s.all.per_line[3].1;
        assert_eq!(
            (al4.true_positives, al4.false_positives, al4.misses),
            (1, 1, 0)
        );
        let al2 = s.all.per_line[1].1;
        assert_eq!(
            (al2.true_positives, al2.false_positives, al2.misses),
            (0, 0, 1)
        );
        assert_eq!(s.tuning.passages, 2);
        assert_eq!(s.held_out.passages, 1);
        assert!(
            s.outcomes[0].rules.iter().any(|r| r.starts_with("AL4: ")),
            "{:?}",
            s.outcomes[0].rules
        );
    }

    #[test]
    fn a_broken_gold_line_names_the_line() {
        for (text, want) in [
            ("AL4 het wijkteam", "line 1: no tab"),
            ("# c\nAL9\ttekst", "line 2: 'AL9' is not an action line"),
            ("AL1\t  ", "the passage is empty"),
            ("AL1 th/x\ttekst", "neither an action line nor a code id"),
        ] {
            let e = parse(Path::new("gold.tsv"), text).unwrap_err().to_string();
            assert!(e.contains("gold.tsv") && e.contains(want), "{e}");
        }
    }
}
