//! # pokeval-analysis
//!
//! The second stage: it codes texts and computes the numbers a report needs.
//!
//! **Owns:** the codebook format and the default codebook ([`codebook`]),
//! segmentation into coding units and rule-based autocoding ([`autocode`]),
//! and the [`Analysis`] value: every table, count and figure the report shows,
//! serialisable to JSON so it can be inspected and tested on its own; and
//! the comparison of waves and the learning matches ([`waves`]).
//!
//! **Does not:** read raw files other than a codebook (that is
//! `pokeval-ingest`), nor decide how anything looks on a page (that is
//! `pokeval-report`). Numbers here are plain numbers; Dutch formatting
//! happens in the report.

#![forbid(unsafe_code)]

pub mod agreement;
pub mod autocode;
pub mod codebook;
pub mod error;
pub mod fuzzing;
pub mod gold;
pub mod manual;
pub mod review;
pub mod segment;
pub mod stats;
pub mod tables;
pub mod waves;

pub use autocode::{Coding, Origin};
pub use codebook::Codebook;
pub use error::{Error, Result};
pub use stats::*;

use pokeval_ingest::project::Project;
use pokeval_ingest::Inputs;

/// A project read, coded and analysed: what every back-end starts from
/// (`pokeval_app::prepare` makes it).
pub struct Prepared {
    /// The project, as read.
    pub project: Project,
    /// The codebook used.
    pub codebook: Codebook,
    /// The inputs, as read and pseudonymised.
    pub inputs: Inputs,
    /// What was computed from them.
    pub analysis: Analysis,
    /// The earlier waves the project compares with (`[comparison]`),
    /// oldest first, each prepared on its own (without comparisons).
    pub earlier: Vec<Prepared>,
    /// How many sources the rules coded in this preparation (the others'
    /// codings were taken over from the previous one: the preview's
    /// rebuild after an input changed), and each source's segment count.
    pub coding: autocode::CodingRun,
}
