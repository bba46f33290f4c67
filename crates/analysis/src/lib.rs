//! # pokeval-analysis
//!
//! The second stage: it codes texts and computes the numbers a report needs.
//!
//! **Owns:** the codebook format and the default codebook ([`codebook`]),
//! segmentation into coding units and rule-based autocoding ([`autocode`]),
//! and the [`Analysis`] value: every table, count and figure the report shows,
//! serialisable to JSON so it can be inspected and tested on its own.
//!
//! **Does not:** read raw files other than a codebook (that is
//! `pokeval-ingest`), nor decide how anything looks on a page (that is
//! `pokeval-report`). Numbers here are plain numbers; Dutch formatting
//! happens in the report.

pub mod agreement;
pub mod autocode;
pub mod codebook;
pub mod error;
pub mod manual;
pub mod stats;
pub mod tables;

pub use autocode::{Coding, Origin};
pub use codebook::Codebook;
pub use error::{Error, Result};
pub use stats::*;

use pokeval_ingest::project::Project;
use pokeval_ingest::{Inputs, Progress};

/// A project read, coded and analysed: what every back-end starts from.
pub struct Prepared {
    pub project: Project,
    pub codebook: Codebook,
    pub inputs: Inputs,
    pub analysis: Analysis,
}

/// Loads the project file at `path` (a folder or the file), its codebook
/// (the built-in default when none is named) and inputs, and analyses them.
/// Writes the pseudonym mapping to the project's `[privacy] mapping` file
/// (by default `.pokeval/pseudoniemen.csv` beside the project file), which
/// never lies in the output folder.
pub fn prepare(path: &std::path::Path, progress: &dyn Progress) -> Result<Prepared> {
    progress.step("reading the project file");
    let project = Project::load(path)?;
    let codebook = match &project.config.codebook {
        Some(p) => Codebook::load(p)?,
        None => Codebook::default_codebook(),
    };
    let inputs = pokeval_ingest::ingest(&project, progress)?;
    let analysis = analyse(
        &project.config.name,
        project.config.wave,
        &inputs,
        &codebook,
        progress,
    )?;
    if !inputs.pseudonyms.is_empty() {
        progress.step("writing the pseudonym mapping (kept out of the output)");
        pokeval_ingest::privacy::write_mapping(&inputs.pseudonym_mapping, &inputs.pseudonyms)?;
    }
    Ok(Prepared {
        project,
        codebook,
        inputs,
        analysis,
    })
}
