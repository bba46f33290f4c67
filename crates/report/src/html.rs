//! The HTML back-end: one self-contained file (inline CSS and SVG) rendered
//! with tera templates.
//!
//! The built-in templates (`report.html`, `block.html`, `report.css`) can be
//! replaced per wave: a file of the same name in `<report folder>/templates/`
//! is used instead. A template that does not parse is an error naming it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use pulldown_cmark::{html, Event};
use tera::{Context, Tera};

use crate::blocks::Block;
use crate::document::{Document, Node, Page, Part};
use crate::error::{Error, Result};

const REPORT_TEMPLATE: &str = include_str!("../templates/report.html");
const BLOCK_TEMPLATE: &str = include_str!("../templates/block.html");
const CSS: &str = include_str!("../templates/report.css");

/// The templates a report is rendered with.
pub struct Templates {
    tera: Tera,
    css: String,
}

impl Templates {
    /// The built-in templates, each replaced by `<report_dir>/templates/<name>`
    /// when that file exists.
    pub fn load(report_dir: &Path) -> Result<Templates> {
        let dir = report_dir.join("templates");
        let read = |name: &str, builtin: &str| -> Result<String> {
            let p = dir.join(name);
            if p.is_file() {
                Ok(pokeval_model::text::read_text(&p)?)
            } else {
                Ok(builtin.to_string())
            }
        };
        let report = read("report.html", REPORT_TEMPLATE)?;
        let block = read("block.html", BLOCK_TEMPLATE)?;
        let css = read("report.css", CSS)?;
        let mut tera = Tera::default();
        for (name, text) in [("report.html", &report), ("block.html", &block)] {
            tera.add_raw_template(name, text).map_err(|e| {
                Error::source(
                    &dir.join(name),
                    None,
                    format!("the template does not parse: {}", Error::from(e)),
                )
            })?;
        }
        Ok(Templates { tera, css })
    }

    /// The built-in templates only.
    pub fn builtin() -> Result<Templates> {
        Templates::load(Path::new("/nonexistent-pokeval-templates"))
    }

    /// Renders the whole report.
    pub fn render(&self, doc: &Document) -> Result<String> {
        // one HTML string per appendix section: its heading, its text and
        // its tables
        let appendix: Vec<String> = doc
            .appendix
            .iter()
            .map(|section| {
                let mut html = format!(
                    "<h3>{}</h3>\n<p>{}</p>\n",
                    tera::escape_html(&section.heading),
                    tera::escape_html(&section.text)
                );
                for b in &section.blocks {
                    html.push_str(&self.render_block(b)?);
                    html.push('\n');
                }
                Ok(html)
            })
            .collect::<Result<_>>()?;
        // the document, each page with its body as HTML (`p.html` in the
        // template)
        let mut value =
            serde_json::to_value(doc).map_err(|e| Error::Template(format!("the document: {e}")))?;
        let chapters = value
            .get_mut("chapters")
            .and_then(serde_json::Value::as_array_mut);
        for (ch, v) in doc.chapters.iter().zip(chapters.into_iter().flatten()) {
            self.insert_bodies(&ch.pages, v.get_mut("pages"), &doc.page_numbers)?;
        }
        self.insert_bodies(
            &doc.appendix_pages,
            value.get_mut("appendix_pages"),
            &doc.page_numbers,
        )?;
        let mut ctx = Context::new();
        ctx.insert("doc", &value);
        // the typeface inline, before the style sheet (also an author's own)
        ctx.insert(
            "css",
            &format!("{}{}", crate::fonts::font_faces_css(), self.css),
        );
        ctx.insert("appendix_html", &appendix);
        Ok(self.tera.render("report.html", &ctx)?)
    }
}

impl Templates {
    /// Adds to each serialised page in `values` (the JSON array of `pages`)
    /// its body as HTML, under `html`.
    fn insert_bodies(
        &self,
        pages: &[Page],
        values: Option<&mut serde_json::Value>,
        numbers: &BTreeMap<String, usize>,
    ) -> Result<()> {
        let values = values.and_then(serde_json::Value::as_array_mut);
        for (p, v) in pages.iter().zip(values.into_iter().flatten()) {
            let body = body_html(p, &|b| self.render_block(b), numbers)?;
            if let Some(v) = v.as_object_mut() {
                v.insert("html".into(), serde_json::Value::String(body));
            }
        }
        Ok(())
    }

    /// The HTML of one block (a table, chart or quotes), from `block.html`.
    pub fn render_block(&self, block: &Block) -> Result<String> {
        let mut ctx = Context::new();
        ctx.insert("block", block);
        Ok(self.tera.render("block.html", &ctx)?)
    }
}

/// The HTML of a page reference: "pagina N", linking to the page.
pub fn page_link(id: &str, number: usize) -> String {
    format!("<a class=\"page-ref\" href=\"#{id}\">pagina {number}</a>")
}

/// The HTML of a page's body: its parts in reading order, then the list of
/// its footnotes. `block` renders a data block (the `block.html`
/// template); `numbers` gives the page number of a page reference's
/// target.
pub fn body_html(
    page: &Page,
    block: &dyn Fn(&Block) -> Result<String>,
    numbers: &BTreeMap<String, usize>,
) -> Result<String> {
    let mut out = String::new();
    for part in &page.body {
        match part {
            Part::TextColumns { left, right } => {
                out.push_str("<div class=\"text-columns\">\n<div>\n");
                nodes_html(left, &mut out, block, numbers)?;
                out.push_str("</div>\n<div>\n");
                nodes_html(right, &mut out, block, numbers)?;
                out.push_str("</div>\n</div>\n");
            }
            Part::TextFlow(nodes) => {
                out.push_str("<div class=\"text-flow\">\n");
                nodes_html(nodes, &mut out, block, numbers)?;
                out.push_str("</div>\n");
            }
            Part::Pair { text, figures } => {
                out.push_str("<div class=\"pair\">\n<div class=\"pair-text\">\n");
                nodes_html(text, &mut out, block, numbers)?;
                out.push_str("</div>\n<div class=\"pair-figure\">\n");
                for b in figures {
                    out.push_str(&block(b)?);
                    out.push('\n');
                }
                out.push_str("</div>\n</div>\n");
            }
            Part::Full(nodes) => nodes_html(nodes, &mut out, block, numbers)?,
        }
    }
    if !page.notes.is_empty() {
        // each page's list is its own landmark, so its label names its
        // notes (numbered over the whole document, so the label is unique)
        let first = page.notes[0].number;
        let last = page.notes[page.notes.len() - 1].number;
        let label = match page.notes.len() {
            1 => format!("Voetnoot {first}"),
            2 => format!("Voetnoten {first} en {last}"),
            _ => format!("Voetnoten {first} tot en met {last}"),
        };
        _ = writeln!(
            out,
            "<aside class=\"footnotes\" aria-label=\"{label}\">\n<ol>"
        );
        for note in &page.notes {
            let n = note.number;
            _ = write!(out, "<li id=\"voetnoot-{n}\" value=\"{n}\">");
            let mut text = String::new();
            html::push_html(&mut text, note.text.iter().cloned());
            // the note's paragraph inline, with the way back
            let text = text
                .trim()
                .trim_start_matches("<p>")
                .trim_end_matches("</p>");
            out.push_str(text);
            _ = writeln!(
                out,
                " <a href=\"#voetnoot-ref-{n}\" aria-label=\"terug naar de tekst bij voetnoot {n}\">↩</a></li>"
            );
        }
        out.push_str("</ol>\n</aside>\n");
    }
    Ok(out)
}

/// Appends the HTML of `nodes`: text through the Markdown renderer, blocks
/// through `block`.
fn nodes_html(
    nodes: &[Node],
    out: &mut String,
    block: &dyn Fn(&Block) -> Result<String>,
    numbers: &BTreeMap<String, usize>,
) -> Result<()> {
    let mut events: Vec<Event> = Vec::new();
    for node in nodes {
        match node {
            Node::Markdown(e) => events.push(e.clone()),
            Node::Note(n) => events.push(Event::InlineHtml(
                format!(
                    "<sup class=\"footnote-ref\"><a href=\"#voetnoot-{n}\" id=\"voetnoot-ref-{n}\">{n}</a></sup>"
                )
                .into(),
            )),
            // every reference was checked against the pages when the
            // document was built
            Node::PageRef(id) => events.push(Event::InlineHtml(
                page_link(id, numbers.get(id).copied().unwrap_or_default()).into(),
            )),
            Node::Block(b) => {
                html::push_html(out, events.drain(..));
                out.push_str(&block(b)?);
                out.push('\n');
            }
        }
    }
    html::push_html(out, events.drain(..));
    Ok(())
}
