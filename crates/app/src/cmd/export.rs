//! `pokeval export`: the coded project for other tools (REFI-QDA project
//! or codebook, xlsx workbook, CSV tables), with the pseudonym mapping
//! beside the project. Everything is built before anything is written.

use std::path::{Path, PathBuf};

use pokeval_analysis::Prepared;
use pokeval_exchange::Format;
use pokeval_model::Progress;

use crate::error::Result;

/// Exports the project at `project` in `format` to `out` (default: the
/// format's name in the project's output folder) and returns the files
/// written.
pub fn export(
    project: &Path,
    format: Format,
    out: Option<PathBuf>,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>> {
    let prepared = crate::prepare(project, progress)?;
    let out = out.unwrap_or_else(|| prepared.project.config.output.join(format.default_name()));
    progress.step("building and writing the export");
    write_export(&prepared, format, &out)
}

/// Builds the export of a prepared project in memory, then writes the
/// pseudonym mapping and the export files; returns the export files.
pub fn write_export(prepared: &Prepared, format: Format, out: &Path) -> Result<Vec<PathBuf>> {
    let mut staged = crate::output::Staged::default();
    for (path, bytes) in pokeval_exchange::export(prepared, format, out)? {
        staged.bytes(&path, &bytes)?;
    }
    crate::write_with_mapping(prepared, staged)
}
