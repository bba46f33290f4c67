//! # pokeval-report
//!
//! The last stage: it turns report sources and an analysis into the
//! evaluation report, and runs the whole pipeline for the CLI.
//!
//! **Owns:** report sources (`report.toml`, Markdown chapters and story pages
//! with shortcodes, [`sources`] and [`blocks`]), the document model
//! ([`document`]), charts ([`charts`]), Dutch formatting ([`format`]), the
//! HTML back-end ([`html`]), atomic output ([`output`]), the one-call
//! pipeline [`build`], the live [`preview`] server and project scaffolding
//! ([`scaffold`]).
//!
//! **Does not:** read survey exports or notes, or compute statistics: it
//! calls `pokeval-ingest` and `pokeval-analysis` for that and only shows
//! their results. Every number on a page comes from the [`Analysis`].
//!
//! [`Analysis`]: pokeval_analysis::Analysis

pub mod blocks;
pub mod charts;
pub mod document;
pub mod error;
pub mod format;
pub mod html;
pub mod output;
pub mod pdf;
pub mod preview;
pub mod scaffold;
pub mod sources;
pub mod typst_markup;

use std::path::{Path, PathBuf};

use pokeval_analysis::{prepare, Analysis, Prepared};
use pokeval_ingest::project::Project;
use pokeval_ingest::Progress;

pub use error::{Error, Result};

/// The report file name in the output folder.
pub const HTML_FILE: &str = "rapport.html";
/// The analysis file name in the output folder.
pub const JSON_FILE: &str = "analyse.json";
/// Municipality names to review; written only when there are any.
pub const REVIEW_FILE: &str = "gemeenten_review.csv";
/// The PDF file name in the output folder.
pub const PDF_FILE: &str = "rapport.pdf";

/// Options for [`build`].
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Write here instead of the project's `output` folder.
    pub output: Option<PathBuf>,
}

/// What a build produced.
#[derive(Debug)]
pub struct BuildOutcome {
    pub project: Project,
    pub analysis: Analysis,
    pub output_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Runs the pipeline: load the project, ingest, code and analyse, render, and
/// write the HTML report and the analysis JSON. Nothing is written unless
/// every step succeeded.
pub fn build(
    project_path: &Path,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildOutcome> {
    let Rendered {
        project,
        analysis,
        html,
        json,
        pdf,
    } = render(project_path, progress, true)?;
    let output_dir = options
        .output
        .clone()
        .unwrap_or_else(|| project.config.output.clone());
    progress.step("writing the output");
    let pdf = pdf.unwrap_or_default();
    let mut files: Vec<(&str, &[u8])> = vec![
        (HTML_FILE, html.as_bytes()),
        (PDF_FILE, &pdf),
        (JSON_FILE, json.as_bytes()),
    ];
    // Municipality names that were matched fuzzily or could not be placed,
    // for the user to settle in the mapping file.
    let review = pokeval_ingest::resolve::review_csv(&analysis.municipality_review)
        .map_err(|e| Error::Template(format!("cannot write the review list: {e}")))?;
    if !analysis.municipality_review.is_empty() {
        files.push((REVIEW_FILE, &review));
    }
    output::write_all(&output_dir, &files)?;
    let stale = output_dir.join(REVIEW_FILE);
    if analysis.municipality_review.is_empty() && stale.is_file() {
        std::fs::remove_file(&stale).map_err(|e| pokeval_ingest::Error::Write {
            path: stale.clone(),
            source: e,
        })?;
    }
    Ok(BuildOutcome {
        files: files
            .iter()
            .map(|(name, _)| output_dir.join(name))
            .collect(),
        project,
        analysis,
        output_dir,
    })
}

/// A report rendered in memory.
pub struct Rendered {
    pub project: Project,
    pub analysis: Analysis,
    pub html: String,
    pub json: String,
    /// The PDF, when asked for.
    pub pdf: Option<Vec<u8>>,
}

/// Runs the pipeline up to the rendered HTML, analysis JSON and (with
/// `with_pdf`) PDF, writing nothing but the pseudonym mapping (see
/// `pokeval_analysis::prepare`).
pub fn render(project_path: &Path, progress: &dyn Progress, with_pdf: bool) -> Result<Rendered> {
    let Prepared {
        project, analysis, ..
    } = prepare(project_path, progress)?;
    progress.step("reading report sources");
    let sources = sources::ReportSources::load(&project.config.report)?;
    progress.step("rendering the report");
    let templates = html::Templates::load(&project.config.report)?;
    let doc = document::build_document(&sources, &analysis, &templates)?;
    let html = templates.render(&doc)?;
    let json = serde_json::to_string_pretty(&analysis)
        .map_err(|e| Error::Template(format!("cannot serialise the analysis: {e}")))?;
    let pdf = if with_pdf {
        progress.step("typesetting the PDF");
        let d = sources.config.date.date.as_ref();
        let date = d.map_or((2024, 1, 1), |d| (i32::from(d.year), d.month, d.day));
        Some(pdf::render(&doc, date)?)
    } else {
        None
    };
    Ok(Rendered {
        project,
        analysis,
        html,
        json,
        pdf,
    })
}
