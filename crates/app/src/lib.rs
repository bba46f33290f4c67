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
pub mod fuzzing;
pub mod output;

use std::path::Path;

use pokeval_analysis::autocode::Previous;
use pokeval_analysis::{analyse_with, waves, Codebook, Prepared};
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

/// [`prepare`] for a project already loaded. A project that names earlier
/// waves (`[comparison] earlier`) has them loaded, read, coded and
/// analysed too (each on its own: an earlier wave's own comparison is not
/// followed), checked against this wave (`waves::check_waves`) and
/// compared with it into `analysis.comparison`.
pub fn prepare_project(project: Project, progress: &dyn Progress) -> Result<Prepared> {
    prepare_again(project, progress, None)
}

/// [`prepare_project`] after an earlier preparation of the same project
/// (the preview's rebuild after an input changed): a source whose id, kind
/// and text are unchanged keeps its rule codings from `previous` instead
/// of being coded again, in this wave and in each earlier wave, provided
/// the codebook and the coding unit are the same. Everything else (inputs,
/// pseudonyms, statistics) is made again.
pub fn prepare_again(
    project: Project,
    progress: &dyn Progress,
    previous: Option<Prepared>,
) -> Result<Prepared> {
    let (previous, mut previous_earlier) = match previous {
        Some(mut p) => {
            let earlier = std::mem::take(&mut p.earlier);
            (Some(p), earlier)
        }
        None => (None, Vec::new()),
    };
    let earlier_paths = project
        .config
        .comparison
        .as_ref()
        .map(|c| c.earlier.clone())
        .unwrap_or_default();
    let mut earlier = Vec::new();
    let mut summaries = Vec::new();
    for path in &earlier_paths {
        progress.step(&format!(
            "reading the earlier wave {}",
            project.display_path(path)
        ));
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            summaries.push(waves::read_summary(path)?);
        } else {
            let mut e = Project::load(path)
                .map_err(Error::from)
                .and_then(|p| {
                    let before = previous_earlier
                        .iter()
                        .position(|e| e.project.file == p.file)
                        .map(|i| previous_earlier.swap_remove(i));
                    prepare_one(p, progress, before.as_ref())
                })
                .map_err(|e| Error::EarlierWave {
                    project: path.clone(),
                    source: Box::new(e),
                })?;
            summaries.push(e.analysis.wave_summary.take().ok_or_else(|| {
                pokeval_model::Error::Internal {
                    path: e.project.file.clone(),
                    message: "the wave has no summary".into(),
                }
            })?);
            earlier.push(e);
        }
    }
    drop(previous_earlier);
    let mut prepared = prepare_one(project, progress, previous.as_ref())?;
    // hundreds of thousands of small allocations at national scale: freed
    // beside the work that follows, not before it
    if let Some(previous) = previous {
        std::thread::spawn(move || drop(previous));
    }
    if earlier_paths.is_empty() {
        return Ok(prepared);
    }
    progress.step("comparing the waves");
    let current =
        prepared
            .analysis
            .wave_summary
            .as_ref()
            .ok_or_else(|| pokeval_model::Error::Internal {
                path: prepared.project.file.clone(),
                message: "the wave has no summary".into(),
            })?;
    waves::check_waves(current, &summaries)?;
    let resolver = pokeval_model::Resolver::with_loaded(
        &prepared.inputs.register,
        &prepared.inputs.resolver_files,
    );
    let successor = |code: &str| resolver.accept_exact(code).map(|m| m.code.clone());
    let comparison = waves::compare(current, &prepared.inputs.register, &summaries, &successor)?;
    prepared.analysis.comparison = Some(comparison);
    earlier.sort_by_key(|p| p.project.config.wave);
    prepared.earlier = earlier;
    Ok(prepared)
}

/// One wave: codebook, inputs and analysis, without comparisons; with the
/// rule codings of unchanged sources taken from `previous` when it was
/// coded with the same codebook and coding unit.
fn prepare_one(
    project: Project,
    progress: &dyn Progress,
    previous: Option<&Prepared>,
) -> Result<Prepared> {
    let codebook = codebook_of(&project)?;
    let inputs = pokeval_ingest::ingest(&project, progress)?;
    let previous = previous
        .filter(|p| p.codebook == codebook && p.inputs.coding_unit == inputs.coding_unit)
        .map(|p| Previous::new(&p.inputs.sources, &p.analysis.codings, &p.coding));
    let (analysis, coding) = analyse_with(
        &project.config.name,
        project.config.wave,
        &inputs,
        &codebook,
        progress,
        previous.as_ref(),
    )?;
    drop(previous);
    let mut prepared = Prepared {
        project,
        codebook,
        inputs,
        analysis,
        earlier: Vec::new(),
        coding,
    };
    prepared.analysis.wave_summary = Some(waves::summarise(&prepared)?);
    Ok(prepared)
}

/// The project's codebook: the file it names, or the built-in default.
pub(crate) fn codebook_of(project: &Project) -> Result<Codebook> {
    Ok(match &project.config.codebook {
        Some(p) => Codebook::load(p)?,
        None => Codebook::default_codebook(),
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
    // the earlier waves' mappings too: their pseudonyms appear in this
    // wave's comparison (the same mapping building that wave writes)
    let mut mappings = Vec::new();
    for w in p.earlier.iter().chain(std::iter::once(p)) {
        if !w.inputs.pseudonyms.is_empty() {
            let path = w.inputs.pseudonym_mapping.clone();
            let bytes = pokeval_ingest::privacy::mapping_csv(&path, &w.inputs.pseudonyms)?;
            mappings.push((path, bytes));
        }
    }
    for (path, bytes) in mappings {
        output::write_atomic(&path, &bytes)?;
    }
    Ok(staged.commit()?)
}
