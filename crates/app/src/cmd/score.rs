//! `pokeval score`: how well the codebook and the pseudonymisation do on a
//! project's own gold files.
//!
//! - `--passages FILE`: gold passages labelled by action line (the format
//!   of [`pokeval_analysis::gold`]), coded with the project's codebook (or
//!   the built-in one without a project): precision, recall and F1 per
//!   action line, micro and macro, for all passages and the tuning and
//!   held-out halves, and the passages where codebook and gold differ.
//! - `--privacy FILE`: a corpus of marked personal data and look-alikes
//!   (the format of [`pokeval_ingest::privacy_corpus`]): recall per kind and
//!   the look-alikes that were changed.
//!
//! It only reads and prints; nothing is written.

use std::path::{Path, PathBuf};

use pokeval_analysis::Codebook;
use pokeval_ingest::project::Project;

use crate::error::Result;
use std::fmt::Write as _;

/// What to score.
#[derive(Debug, Clone, Default)]
pub struct ScoreArgs {
    /// A project whose codebook is scored; `None`: the built-in codebook.
    pub project: Option<PathBuf>,
    /// A gold passages file (tab-separated); the built-in one when `None`.
    pub passages: Option<PathBuf>,
    /// A privacy corpus file; the built-in one when `None`.
    pub privacy: Option<PathBuf>,
}

/// The figures as plain-text tables, one section per file.
pub fn score(args: &ScoreArgs) -> Result<String> {
    let mut out = String::new();
    if let Some(path) = &args.passages {
        let (codebook, name) = match &args.project {
            Some(p) => {
                let project = Project::load(p)?;
                match &project.config.codebook {
                    Some(cb) => (Codebook::load(cb)?, cb.display().to_string()),
                    None => (Codebook::default_codebook(), "the built-in codebook".into()),
                }
            }
            None => (Codebook::default_codebook(), "the built-in codebook".into()),
        };
        let passages = pokeval_analysis::gold::parse(path, &read(path)?)?;
        let s = pokeval_analysis::gold::score(&codebook, &passages)?;
        _ = write!(
            out,
            "gold passages {} scored with {name}\n\n{}",
            path.display(),
            pokeval_analysis::gold::report(&s)
        );
    }
    if let Some(path) = &args.privacy {
        let cases = pokeval_ingest::privacy_corpus::parse(path, &read(path)?)?;
        let outcomes = pokeval_ingest::privacy_corpus::run(&cases);
        let s = pokeval_ingest::privacy_corpus::score(&outcomes);
        if !out.is_empty() {
            out.push('\n');
        }
        _ = write!(
            out,
            "privacy corpus {}: {} cases\n\n{}",
            path.display(),
            cases.len(),
            pokeval_ingest::privacy_corpus::report(&s, &outcomes)
        );
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String> {
    Ok(pokeval_model::text::read_text(path)?)
}
