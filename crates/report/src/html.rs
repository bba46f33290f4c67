//! The HTML back-end: one self-contained file (inline CSS and SVG) rendered
//! with tera templates.
//!
//! The built-in templates (`report.html`, `block.html`, `report.css`) can be
//! replaced per wave: a file of the same name in `<report folder>/templates/`
//! is used instead. A template that does not parse is an error naming it.

use std::path::Path;

use tera::{Context, Tera};

use crate::blocks::Block;
use crate::document::BlockHtml;
use crate::document::Document;
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
        let mut ctx = Context::new();
        ctx.insert("doc", doc);
        // the typeface inline, before the style sheet (also an author's own)
        ctx.insert(
            "css",
            &format!("{}{}", crate::fonts::font_faces_css(), self.css),
        );
        ctx.insert("appendix_html", &appendix);
        Ok(self.tera.render("report.html", &ctx)?)
    }
}

impl crate::document::BlockHtml for Templates {
    fn render_block(&self, block: &Block) -> Result<String> {
        let mut ctx = Context::new();
        ctx.insert("block", block);
        Ok(self.tera.render("block.html", &ctx)?)
    }
}
