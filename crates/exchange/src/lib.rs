//! # pokeval-exchange
//!
//! A back-end beside the report: it writes what other tools read.
//!
//! **Owns:** REFI-QDA export of a project (`.qdpx`) and its codebook
//! (`.qdc`) ([`qdpx`]), and spreadsheet exports in xlsx and CSV ([`sheets`]):
//! quotes, code x municipality, code x size class, the respondent x code
//! matrix and survey frequencies, with cells that spreadsheets would run as
//! formulas neutralised.
//!
//! **Does not:** read these formats (the REFI-QDA reader is
//! `pokeval_ingest::refi`, since reading raw files is ingest's job) or
//! compute anything: it writes what `pokeval-analysis` prepared.

#![forbid(unsafe_code)]

pub mod error;
pub mod qdpx;
pub mod sheets;

pub use error::{Error, Result};

use std::path::{Path, PathBuf};

use pokeval_analysis::Prepared;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// REFI-QDA project archive.
    Qdpx,
    /// REFI-QDA codebook.
    Qdc,
    /// The codebook as a CSV in Taguette's import form (`tag`, `description`).
    Taguette,
    /// One xlsx workbook with every table.
    Xlsx,
    /// A folder with one CSV file per table.
    Csv,
}

impl Format {
    /// The default output name in the project's output folder.
    pub fn default_name(self) -> &'static str {
        match self {
            Format::Qdpx => "project.qdpx",
            Format::Qdc => "codeboek.qdc",
            Format::Taguette => "codeboek_taguette.csv",
            Format::Xlsx => "tabellen.xlsx",
            Format::Csv => "tabellen",
        }
    }
}

/// An export built in memory: the files to write under `out` (for CSV a
/// folder) with their contents. The caller writes them.
pub fn export(p: &Prepared, format: Format, out: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    Ok(match format {
        Format::Qdpx => vec![(out.to_path_buf(), qdpx::project_qdpx(p)?)],
        Format::Qdc => vec![(out.to_path_buf(), qdpx::codebook_qdc(p).into_bytes())],
        Format::Taguette => vec![(out.to_path_buf(), qdpx::codebook_taguette(p)?)],
        Format::Xlsx => vec![(out.to_path_buf(), sheets::xlsx(p)?)],
        Format::Csv => sheets::csv_files(p)?
            .into_iter()
            .map(|(name, bytes)| (out.join(name), bytes))
            .collect(),
    })
}
