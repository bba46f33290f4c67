//! The HTML back-end: one self-contained file (inline CSS and SVG) rendered
//! with tera templates.

use tera::{Context, Tera};

use crate::blocks::Block;
use crate::document::Document;
use crate::error::Result;

const REPORT_TEMPLATE: &str = include_str!("../templates/report.html");
const BLOCK_TEMPLATE: &str = include_str!("../templates/block.html");
const CSS: &str = include_str!("../templates/report.css");

fn templates() -> Result<Tera> {
    let mut tera = Tera::default();
    tera.add_raw_templates(vec![
        ("report.html", REPORT_TEMPLATE),
        ("block.html", BLOCK_TEMPLATE),
    ])?;
    Ok(tera)
}

/// Renders one data block (table or chart) to HTML.
pub fn render_block(block: &Block) -> Result<String> {
    let tera = templates()?;
    let mut ctx = Context::new();
    ctx.insert("block", block);
    Ok(tera.render("block.html", &ctx)?)
}

/// Renders the whole report.
pub fn render(doc: &Document) -> Result<String> {
    let tera = templates()?;
    let appendix: Vec<String> = doc
        .appendix
        .iter()
        .map(render_block)
        .collect::<Result<_>>()?;
    let mut ctx = Context::new();
    ctx.insert("doc", doc);
    ctx.insert("css", CSS);
    ctx.insert("appendix_html", &appendix);
    Ok(tera.render("report.html", &ctx)?)
}
