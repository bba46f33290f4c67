//! What the coding workbench's reviews say about the rules, and the
//! figures the workbench shows while coders work.
//!
//! - [`rule_reviews`]: per rule, how many of its codings reviewers accepted
//!   and rejected, with each rejected passage: the rule's false positives,
//!   for the codebook's author (`pokeval build` prints them, `analyse.json`
//!   holds them).
//! - [`manual_figures`]: manual codings placed, and agreement and rule
//!   quality computed, exactly as a build does ([`crate::analyse`] calls the
//!   same functions on the same segments), for any set of manual records:
//!   the workbench recomputes them after every change.

use std::collections::BTreeMap;

use serde::Serialize;

use pokeval_ingest::manual::ManualRecord;
use pokeval_ingest::workbench::{Decision, Review};
use pokeval_ingest::Inputs;
use pokeval_model::{Reject, Segment};

use crate::autocode::{segments, Coding};
use crate::manual::{
    agreement, named_sources, place_manual, rule_quality, AgreementReport, RuleQuality,
};
use crate::Codebook;

/// Reviews of one rule's codings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleReview {
    /// The rule, as `code: rule`.
    pub rule: String,
    /// Its codings that reviewers accepted.
    pub accepted: usize,
    /// Its codings that reviewers rejected.
    pub rejected: usize,
    /// The passages reviewers rejected, in the order reviewed.
    pub false_positives: Vec<FalsePositive>,
}

/// A rule coding a reviewer rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FalsePositive {
    /// The segment's id.
    pub segment: String,
    /// The code the rule gave.
    pub code: String,
    /// Who rejected it.
    pub reviewer: String,
    /// The segment's (pseudonymised) text when it was reviewed.
    pub text: String,
}

/// The reviews per rule, in rule order.
pub fn rule_reviews(reviews: &[Review]) -> Vec<RuleReview> {
    let mut by_rule: BTreeMap<&str, RuleReview> = BTreeMap::new();
    for r in reviews {
        let entry = by_rule.entry(&r.rule).or_insert_with(|| RuleReview {
            rule: r.rule.clone(),
            accepted: 0,
            rejected: 0,
            false_positives: Vec::new(),
        });
        match r.decision {
            Decision::Accepted => entry.accepted += 1,
            Decision::Rejected => {
                entry.rejected += 1;
                entry.false_positives.push(FalsePositive {
                    segment: r.segment.clone(),
                    code: r.code.clone(),
                    reviewer: r.reviewer.clone(),
                    text: r.text.clone(),
                });
            }
        }
    }
    by_rule.into_values().collect()
}

/// Manual codings as a build places them, and the figures made of them.
#[derive(Debug, Clone)]
pub struct ManualFigures {
    /// The manual codings placed on segments.
    pub codings: Vec<Coding>,
    /// Records that could not be placed, with the reason.
    pub rejects: Vec<Reject>,
    /// Agreement between the coders, when there are two or more.
    pub agreement: Option<AgreementReport>,
    /// `None` without a gold coder, or when the gold coder has no codings
    /// yet (a build stops with an error then; the workbench shows none).
    pub rule_quality: Option<RuleQuality>,
}

/// Places `records` on the segments of the sources they name (cut with
/// the project's coding unit) and computes agreement and, when the project
/// names a gold coder, the quality of the `rules` codings.
pub fn manual_figures<'a>(
    inputs: &Inputs,
    records: &[ManualRecord],
    codebook: &Codebook,
    rules: impl Iterator<Item = &'a Coding>,
) -> ManualFigures {
    let named = named_sources(records, &inputs.sources);
    let segs: Vec<Segment> = inputs
        .sources
        .iter()
        .filter(|s| named.contains(s.id.as_str()))
        .flat_map(|s| segments(s, inputs.coding_unit))
        .collect();
    let (codings, rejects, _) = place_manual(
        &inputs.manual_files,
        records,
        &inputs.sources,
        &segs,
        codebook,
    );
    let agreement = agreement(codebook, &segs, &codings);
    let rule_quality = inputs
        .gold
        .as_deref()
        .and_then(|gold| rule_quality(codebook, &inputs.sources, &segs, rules, &codings, gold));
    ManualFigures {
        codings,
        rejects,
        agreement,
        rule_quality,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(rule: &str, decision: Decision) -> Review {
        Review {
            source: "interview:a.md".into(),
            segment: "interview:a.md#1".into(),
            start: 0,
            end: 4,
            text: "Tekst".into(),
            code: "AL2".into(),
            rule: rule.into(),
            reviewer: "Codeur A".into(),
            decision,
        }
    }

    #[test]
    fn reviews_are_counted_per_rule_with_the_rejected_passages() {
        let out = rule_reviews(&[
            review("AL2", Decision::Rejected),
            review("AL1", Decision::Accepted),
            review("AL2", Decision::Accepted),
            review("AL2", Decision::Rejected),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].rule, "AL1");
        assert_eq!((out[0].accepted, out[0].rejected), (1, 0));
        assert_eq!((out[1].accepted, out[1].rejected), (1, 2));
        assert_eq!(out[1].false_positives.len(), 2);
    }
}
