//! # pokeval-report
//!
//! The last stage: it turns report sources and an analysis into the
//! evaluation report.
//!
//! **Owns:** report sources (`report.toml`, Markdown chapters and story pages
//! with shortcodes, [`sources`] and [`blocks`]), the document model
//! ([`document`]), charts ([`charts`]), Dutch formatting ([`format`]), the
//! HTML back-end ([`html`]) and the PDF back-end ([`pdf`], Typst), both
//! fed by one [`render`] call.
//!
//! **Does not:** read inputs other than the report sources, compute
//! statistics, write files or run the pipeline (that is `pokeval-app`).
//! Every number on a page comes from the [`Analysis`].
//!
//! [`Analysis`]: pokeval_analysis::Analysis

#![forbid(unsafe_code)]

pub mod blocks;
pub mod charts;
pub mod document;
pub mod error;
mod fonts;
pub mod format;
pub mod html;
pub mod map;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod sources;
pub mod table;
pub mod typst_markup;
pub mod wave_blocks;

use pokeval_analysis::Analysis;

pub use error::{Error, Result};
pub use sources::ReportSources;

/// A report rendered in memory.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The report as one HTML page.
    pub html: String,
    /// The PDF, when asked for.
    pub pdf: Option<Vec<u8>>,
}

/// Renders the report sources with an analysis: the HTML and (with
/// `with_pdf`) the PDF, both from one document. Writes nothing. With the
/// PDF, the HTML's "pagina N" references show the PDF's page numbers;
/// without it (the preview), pages are counted one per chapter divider
/// and page, which a page that runs over in print can make differ.
pub fn render(sources: &ReportSources, analysis: &Analysis, with_pdf: bool) -> Result<Rendered> {
    render_with(
        &html::Templates::load(&sources.dir)?,
        sources,
        analysis,
        with_pdf,
    )
}

/// [`render`] with templates the caller loaded (for `sources`' folder),
/// for a caller that renders many times with the same templates.
pub fn render_with(
    templates: &html::Templates,
    sources: &ReportSources,
    analysis: &Analysis,
    with_pdf: bool,
) -> Result<Rendered> {
    let mut doc = document::build_document(sources, analysis)?;
    // the PDF first: its page numbers go into the HTML's page references
    let pdf = if with_pdf {
        Some(render_pdf(sources, &mut doc)?)
    } else {
        None
    };
    let html = templates.render(&doc)?;
    Ok(Rendered { html, pdf })
}

/// Typesets the PDF and gives the HTML its page numbers.
#[cfg(feature = "pdf")]
fn render_pdf(sources: &ReportSources, doc: &mut document::Document) -> Result<Vec<u8>> {
    let d = sources.config.date.date.as_ref();
    let date = d.map_or((2024, 1, 1), |d| (i32::from(d.year), d.month, d.day));
    let pdf = pdf::render(doc, date)?;
    doc.use_pdf_pages(&pdf.pages);
    Ok(pdf.bytes)
}

/// Built without the `pdf` feature: no PDF back-end.
#[cfg(not(feature = "pdf"))]
fn render_pdf(_: &ReportSources, _: &mut document::Document) -> Result<Vec<u8>> {
    Err(Error::Pdf(
        "this build has no PDF back-end (pokeval-report's `pdf` feature is off)".into(),
    ))
}
