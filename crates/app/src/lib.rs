//! # pokeval-app
//!
//! The application layer: each user-facing operation as one call, in
//! the manner of zola's `src/cmd/`. The CLI parses arguments and calls
//! these; the stage crates below never call each other's pipelines.
//!
//! **Owns:** [`prepare`] (project file -> codebook -> inputs -> analysis),
//! [`cmd::build`] (the report, its JSON and the pseudonym mapping),
//! [`cmd::preview`] (the live report), [`cmd::init`] (a new project),
//! [`cmd::ingest`] (survey tables) and [`cmd::export`] (REFI-QDA and
//! spreadsheets), and all writing of output ([`output`]).
//!
//! **Invariant: all or nothing.** Every operation computes everything it
//! writes in memory first; only when every step succeeded are the files
//! written, each atomically. A failing build leaves the output folder and
//! the pseudonym mapping exactly as they were. An output folder that is
//! the project folder, contains it, holds a `.pokeval` folder or contains
//! the mapping is refused before any work.
//!
//! **Does not:** parse arguments or print (that is the CLI), or hold any
//! stage's logic (reading, coding, statistics, rendering).

#![forbid(unsafe_code)]

pub mod cmd;
pub mod error;
pub mod output;

use std::path::Path;

use pokeval_analysis::{analyse, Codebook, Prepared};
use pokeval_ingest::project::Project;
use pokeval_model::Progress;

pub use error::{Error, Result};

/// Loads the project file at `path` (a folder or the file), its codebook
/// (the built-in default when none is named) and inputs, and analyses
/// them. Writes nothing: the pseudonyms handed out are in
/// `inputs.pseudonyms`, for the command that writes output to store.
pub fn prepare(path: &Path, progress: &dyn Progress) -> Result<Prepared> {
    progress.step("reading the project file");
    prepare_project(Project::load(path)?, progress)
}

/// [`prepare`] for a project already loaded.
pub fn prepare_project(project: Project, progress: &dyn Progress) -> Result<Prepared> {
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
    Ok(Prepared {
        project,
        codebook,
        inputs,
        analysis,
    })
}

/// Writes the pseudonym mapping of a prepared project (when pseudonyms
/// were handed out), then renames the `staged` output into place. Callers
/// have rendered every file before, so a failing step leaves the mapping
/// and the output as they were.
pub(crate) fn write_with_mapping(
    p: &Prepared,
    staged: output::Staged,
) -> Result<Vec<std::path::PathBuf>> {
    if !p.inputs.pseudonyms.is_empty() {
        let path = p.inputs.pseudonym_mapping.clone();
        let bytes = pokeval_ingest::privacy::mapping_csv(&path, &p.inputs.pseudonyms)?;
        output::write_atomic(&path, &bytes)?;
    }
    Ok(staged.commit()?)
}
