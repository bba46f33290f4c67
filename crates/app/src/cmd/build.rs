//! `pokeval build`: the whole pipeline, from the project file to
//! `rapport.html`, `rapport.pdf` and `analyse.json`, with the pseudonym
//! mapping beside the project and the municipality review list beside the
//! report. Nothing is written unless every step succeeded.

use std::path::{Path, PathBuf};

use pokeval_analysis::{Analysis, Prepared};
use pokeval_ingest::project::Project;
use pokeval_model::resolve::review_csv;
use pokeval_model::{Progress, Resolver};
use pokeval_report::ReportSources;

use crate::error::Result;
use crate::output::{remove_stale, with_stale_note, Staged};

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
    /// The project built.
    pub project: Project,
    /// What was computed.
    pub analysis: Analysis,
    /// The folder written to.
    pub output_dir: PathBuf,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// A report rendered in memory, with what it was made from. The analysis
/// JSON is not in memory: [`build`] streams it to its file.
pub struct Rendered {
    /// The project, codebook, inputs and analysis it was rendered from.
    pub prepared: Prepared,
    /// The report as one HTML page.
    pub html: String,
    /// The PDF, when asked for.
    pub pdf: Option<Vec<u8>>,
}

/// Runs the pipeline up to the rendered HTML and (with `with_pdf`) PDF.
/// Writes nothing.
pub fn render(project: Project, progress: &dyn Progress, with_pdf: bool) -> Result<Rendered> {
    let prepared = crate::prepare_project(project, progress)?;
    let (html, pdf) = render_prepared(&prepared, progress, with_pdf)?;
    Ok(Rendered {
        prepared,
        html,
        pdf,
    })
}

/// The report of a prepared project: reads the report sources again and
/// renders the HTML and (with `with_pdf`) the PDF. The preview calls this
/// alone after an edit to a chapter.
pub fn render_prepared(
    prepared: &Prepared,
    progress: &dyn Progress,
    with_pdf: bool,
) -> Result<(String, Option<Vec<u8>>)> {
    progress.step("reading report sources");
    let sources = report_sources(prepared)?;
    progress.step(if with_pdf {
        "rendering the report (HTML and PDF)"
    } else {
        "rendering the report"
    });
    let rendered = pokeval_report::render(&sources, &prepared.analysis, with_pdf)?;
    Ok((rendered.html, rendered.pdf))
}

/// The project's report sources, with each story page's `gemeente`
/// settled by the project's municipality resolver (register, aliases,
/// mapping file, mergers; not a fuzzy match, since the review list is
/// already made).
pub fn report_sources(prepared: &Prepared) -> Result<ReportSources> {
    let cfg = &prepared.project.config;
    let mut sources = ReportSources::load(&cfg.report)?;
    let resolver =
        Resolver::with_loaded(&prepared.inputs.register, &prepared.inputs.resolver_files);
    sources.resolve_stories(|file, gemeente| {
        resolver
            .require_exact(file, None, "gemeente", gemeente)
            .map(|m| m.code.clone())
    })?;
    Ok(sources)
}

/// Builds the report of the project at `project_path` (a folder or its
/// `evaluatie.toml`). The output folder is checked before any work; the
/// pseudonym mapping, the report, the PDF, the JSON and the review list
/// are written only after everything rendered.
pub fn build(
    project_path: &Path,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildOutcome> {
    progress.step("reading the project file");
    let project = Project::load(project_path)?;
    let output_dir = options
        .output
        .clone()
        .unwrap_or_else(|| project.config.output.clone());
    project.check_output(&output_dir)?;
    let outputs: Vec<PathBuf> = [HTML_FILE, PDF_FILE, JSON_FILE, REVIEW_FILE]
        .iter()
        .map(|f| output_dir.join(f))
        .collect();
    build_into(project, output_dir.clone(), progress)
        .map_err(|e| with_stale_note(e, &output_dir, &outputs))
}

/// [`build`] once the output folder is settled.
fn build_into(
    project: Project,
    output_dir: PathBuf,
    progress: &dyn Progress,
) -> Result<BuildOutcome> {
    let Rendered {
        prepared,
        html,
        pdf,
    } = render(project, progress, true)?;
    #[cfg(feature = "pdf")]
    pokeval_report::pdf::release_caches();
    let analysis = &prepared.analysis;
    progress.step("writing the output");
    let mut staged = Staged::default();
    staged.bytes(&output_dir.join(HTML_FILE), html.as_bytes())?;
    staged.bytes(&output_dir.join(PDF_FILE), &pdf.unwrap_or_default())?;
    // Compact, not indented: with 100,000 respondents the file holds close
    // to a million codings, and indentation made it 1.7 times as large
    // and slower to write. `python -m json.tool` or `jq .` indent it.
    staged.with_writer(&output_dir.join(JSON_FILE), |w| {
        serde_json::to_writer(w, analysis).map_err(std::io::Error::other)
    })?;
    // Municipality names that were matched fuzzily or could not be placed,
    // for the user to settle in the mapping file.
    let review_path = output_dir.join(REVIEW_FILE);
    if !analysis.municipality_review.is_empty() {
        let review = review_csv(&analysis.municipality_review, &review_path)?;
        staged.bytes(&review_path, &review)?;
    }
    let files = crate::write_with_mapping(&prepared, staged)?;
    if prepared.analysis.municipality_review.is_empty() {
        remove_stale(&review_path)?;
    }
    let Prepared {
        project, analysis, ..
    } = prepared;
    Ok(BuildOutcome {
        project,
        analysis,
        output_dir,
        files,
    })
}
