//! Markdown (pulldown-cmark events) and data blocks as Typst markup, for the
//! PDF back-end. Text always goes into Typst string literals (`#"..."`), so
//! nothing an author writes is read as Typst syntax.

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

use crate::blocks::{Block, Table};
use crate::document::{Node, Page, Part};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A Typst string literal holding `text`.
pub fn lit(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 4);
    s.push_str("#\"");
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push(' '),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// A Typst string (for arguments), quoted.
pub fn string(text: &str) -> String {
    lit(text)[1..].to_string()
}

/// Converts events; `heading_offset` is added to Markdown heading
/// levels. Footnote references print the definitions found among `events`.
pub fn events_to_typst(events: &[Event], heading_offset: usize) -> String {
    convert(
        events.iter().map(Item::Event),
        heading_offset,
        &footnote_texts(events),
    )
}

/// A page's body as Typst markup: its parts as the landscape page sets
/// them (two text columns, a finding beside its figures, full width), its
/// footnotes at their references.
pub fn body_typst(page: &Page) -> String {
    let nodes = |nodes: &[Node]| {
        let items = nodes.iter().map(|n| match n {
            Node::Markdown(e) => Item::Event(e),
            Node::Block(b) => Item::Block(b),
            Node::PageRef(id) => Item::PageRef(id),
            Node::Note(k) => Item::Note(
                page.notes
                    .iter()
                    .find(|f| f.number == *k)
                    .map(|f| footnote_text(&f.text))
                    .unwrap_or_default(),
            ),
        });
        convert(items, page.heading_offset, &BTreeMap::new())
    };
    let mut out = String::new();
    for part in &page.body {
        match part {
            Part::TextColumns { left, right } => {
                out.push_str("#grid(columns: (1fr, 1fr), column-gutter: 10mm, [\n");
                out.push_str(&nodes(left));
                out.push_str("], [\n");
                out.push_str(&nodes(right));
                out.push_str("])\n");
            }
            Part::TextFlow(n) => {
                out.push_str("#columns(2, gutter: 10mm)[\n");
                out.push_str(&nodes(n));
                out.push_str("\n]\n");
            }
            Part::Pair { text, figures } => {
                out.push_str("#grid(columns: (1fr, 1.25fr), column-gutter: 9mm, [\n");
                out.push_str(&nodes(text));
                out.push_str("], [\n");
                // the figure column's blocks, charts as wide as the column
                for b in figures {
                    out.push_str(&block_to_typst_at(b, &chart_file, "100%"));
                    out.push('\n');
                }
                out.push_str("])\n\n");
            }
            Part::Full(n) => out.push_str(&nodes(n)),
        }
    }
    out
}

/// The texts of the footnote definitions among `events`, by name.
pub fn footnote_texts(events: &[Event]) -> BTreeMap<String, String> {
    let mut notes = BTreeMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::FootnoteDefinition(name)) = &events[i] {
            let start = i + 1;
            let mut depth = 1;
            let mut j = start;
            while j < events.len() && depth > 0 {
                match &events[j] {
                    Event::Start(Tag::FootnoteDefinition(_)) => depth += 1,
                    Event::End(TagEnd::FootnoteDefinition) => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            notes.insert(
                name.to_string(),
                footnote_text(&events[start..j.saturating_sub(1)]),
            );
            i = j;
        } else {
            i += 1;
        }
    }
    notes
}

/// The text of one footnote, from the events inside its definition.
pub fn footnote_text(inner: &[Event]) -> String {
    inline(inner).trim().to_string()
}

/// One thing to convert: a Markdown event or one of the document's nodes.
enum Item<'a> {
    Event(&'a Event<'a>),
    Block(&'a Block),
    PageRef(&'a str),
    /// A footnote, with its text as Typst markup.
    Note(String),
}

/// Converts items; `notes` gives the text of a Markdown footnote
/// reference by name.
fn convert<'a>(
    items: impl Iterator<Item = Item<'a>>,
    heading_offset: usize,
    notes: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    let mut list_depth = 0usize;
    // per open list, the number of its next item when it is numbered
    let mut numbers: Vec<Option<u64>> = Vec::new();
    let mut in_item = 0usize;
    let mut skip_footnote = 0usize;
    for item in items {
        let e = match item {
            Item::Event(e) => e,
            Item::Block(b) => {
                // where its marker paragraph stood
                out.push_str(&block_to_typst(b, &chart_file));
                out.push('\n');
                out.push_str(if in_item > 0 { " " } else { "\n\n" });
                continue;
            }
            Item::PageRef(id) => {
                _ = write!(
                    out,
                    "#link(<{id}>)[pagina #context counter(page).at(<{id}>).first()]"
                );
                continue;
            }
            Item::Note(text) => {
                _ = write!(out, "#footnote[{text}]");
                continue;
            }
        };
        if skip_footnote > 0 {
            match e {
                Event::Start(Tag::FootnoteDefinition(_)) => skip_footnote += 1,
                Event::End(TagEnd::FootnoteDefinition) => skip_footnote -= 1,
                _ => {}
            }
            continue;
        }
        match e {
            Event::Start(Tag::FootnoteDefinition(_)) => skip_footnote = 1,
            Event::Start(Tag::Paragraph) => {}
            Event::End(TagEnd::Paragraph) => out.push_str(if in_item > 0 { " " } else { "\n\n" }),
            Event::Start(Tag::Heading { level, .. }) => {
                let n = heading_level(*level) + heading_offset;
                out.push_str(&"=".repeat(n.min(6)));
                out.push(' ');
            }
            Event::End(TagEnd::Heading(_)) => out.push_str("\n\n"),
            Event::Start(Tag::List(start)) => {
                if list_depth > 0 {
                    out.push('\n');
                }
                list_depth += 1;
                numbers.push(*start);
            }
            Event::End(TagEnd::List(_)) => {
                list_depth -= 1;
                numbers.pop();
                if list_depth == 0 {
                    out.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                in_item += 1;
                out.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                // a numbered list keeps its numbers ("2." stays 2, as note
                // numbers must), a bulleted one its bullets
                match numbers.last_mut() {
                    Some(Some(n)) => {
                        _ = write!(out, "{n}. ");
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::End(TagEnd::Item) => {
                in_item -= 1;
                out.push('\n');
            }
            Event::Start(Tag::Emphasis) => out.push_str("#emph["),
            Event::Start(Tag::Strong) => out.push_str("#strong["),
            Event::Start(Tag::Strikethrough) => out.push_str("#strike["),
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => out.push(']'),
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some(id) = dest_url.strip_prefix('#').filter(|id| {
                    !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                }) {
                    _ = write!(out, "#link(<{id}>)[");
                } else if dest_url.starts_with('#') {
                    out.push('[');
                } else {
                    _ = write!(out, "#link({})[", string(dest_url));
                }
            }
            Event::End(TagEnd::Link) => out.push(']'),
            Event::Start(Tag::BlockQuote(_)) => out.push_str("#quote(block: true)["),
            Event::End(TagEnd::BlockQuote(_)) => out.push_str("]\n\n"),
            Event::Start(Tag::Table(aligns)) => {
                _ = writeln!(
                    out,
                    "#table(columns: {}, inset: 4pt, stroke: 0.4pt + luma(200),",
                    aligns.len().max(1)
                );
            }
            Event::End(TagEnd::Table) => out.push_str(")\n\n"),
            Event::Start(Tag::TableCell) => out.push('['),
            Event::End(TagEnd::TableCell) => out.push_str("],"),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            Event::Text(t) => out.push_str(&lit(t)),
            Event::Code(t) => _ = write!(out, "#raw({})", string(t)),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push_str("#linebreak()"),
            Event::FootnoteReference(name) => {
                let text = notes.get(name.as_ref()).cloned().unwrap_or_default();
                _ = write!(out, "#footnote[{text}]");
            }
            Event::Rule => out.push_str("#line(length: 100%)\n\n"),
            _ => {}
        }
    }
    out
}

fn heading_level(l: HeadingLevel) -> usize {
    l as usize
}

/// Inline content of a few events (footnote texts).
fn inline(events: &[Event]) -> String {
    events_to_typst(events, 0).replace("\n\n", " ")
}

/// The virtual file of a chart's SVG in the PDF back-end.
pub fn chart_file(id: &str) -> String {
    format!("/charts/{id}.svg")
}

/// A data block as Typst markup; `chart_path` gives the virtual file of a
/// chart's SVG.
pub fn block_to_typst(block: &Block, chart_path: &dyn Fn(&str) -> String) -> String {
    block_to_typst_at(block, chart_path, "62%")
}

/// [`block_to_typst`] with wide charts `width` wide (`"100%"` in the
/// figure column of a page that pairs text with a figure).
pub fn block_to_typst_at(
    block: &Block,
    chart_path: &dyn Fn(&str) -> String,
    width: &str,
) -> String {
    match block {
        Block::Table(t) => table(t),
        Block::Chart(c) => {
            // wide charts take most of the width; square and portrait ones
            // (heat map, map) a fixed height, so they stay on their page
            let size = match viewbox(&c.svg) {
                Some((w, h)) if h >= w * 0.8 => "height: 11cm".to_string(),
                _ => format!("width: {width}"),
            };
            let image = format!(
                "image({}, {size}, alt: {})",
                string(&chart_path(&c.id)),
                string(&c.alt)
            );
            let body = match viewbox(&c.svg) {
                // links over the chart (a map's story pins): the image in a
                // box of known size, each link placed over its pin
                Some((w, h)) if !c.links.is_empty() => {
                    let height_cm = 11.0;
                    let scale = height_cm / h;
                    let width_cm = w * scale;
                    let mut b = format!(
                        "box(width: {width_cm:.2}cm, height: {height_cm:.2}cm)[#image({}, width: 100%, height: 100%, alt: {})",
                        string(&chart_path(&c.id)),
                        string(&c.alt)
                    );
                    for l in &c.links {
                        _ = write!(b,
                            "#place(top + left, dx: {:.2}cm, dy: {:.2}cm, link(<{}>, box(width: {:.2}cm, height: {:.2}cm)))",
                            l.x * scale,
                            l.y * scale,
                            l.target,
                            l.w * scale,
                            l.h * scale
                        );
                    }
                    b.push(']');
                    b
                }
                _ => image,
            };
            // the story map is a link target (story pages link back to it)
            let label = if c.id == "story_map" {
                " <grafiek-story_map>"
            } else {
                ""
            };
            let mut out = format!("#figure({body}, caption: [{}]){label}\n", lit(&c.title));
            if let Some(source) = &c.source {
                _ = writeln!(
                    out,
                    "#align(center, text(size: 8pt, fill: rgb(\"#5b6770\"))[{}])",
                    lit(source)
                );
            }
            out
        }
        Block::Quotes(q) => {
            let mut s = format!(
                "#text(weight: \"bold\", fill: rgb(\"#1f3a5f\"))[{}]\n\n",
                lit(&format!("Citaten: {}", q.category.label))
            );
            if q.quotes.is_empty() {
                s.push_str(&lit(
                    "Geen citaten: het codeboek vond dit onderwerp in geen enkele bron.",
                ));
                s.push_str("\n\n");
            }
            for quote in &q.quotes {
                let mut who = quote
                    .municipality_name
                    .as_ref()
                    .map(|m| format!("Gemeente {m}"))
                    .unwrap_or_default();
                if let Some(c) = &quote.context {
                    _ = write!(who, ", {c}");
                }
                _ = writeln!(
                    s,
                    "#quote(block: true, attribution: [{}])[#emph[{}]]",
                    lit(&who),
                    lit(&quote.text)
                );
            }
            s
        }
    }
}

/// The width and height in an SVG's viewBox.
fn viewbox(svg: &str) -> Option<(f64, f64)> {
    let i = svg.find("viewBox=\"")? + 9;
    let rest = &svg[i..];
    let nums: Vec<f64> = rest[..rest.find('"')?]
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    Some((*nums.get(2)?, *nums.get(3)?))
}

/// The width and height of a page's body in the PDF (A4 landscape less
/// the margins that `pdf::typst_source` sets).
pub(crate) const BODY_WIDTH: &str = "269mm";
pub(crate) const BODY_HEIGHT: &str = "172mm";

fn table(t: &Table) -> String {
    let n = t.headers.len().max(1);
    let align: Vec<&str> = (0..n)
        .map(|i| {
            if t.numeric.contains(&i) {
                "right"
            } else {
                "left"
            }
        })
        .collect();
    // A table that fits on a page never breaks: caption, rows, total and
    // note stay together, so no page holds a lone total row or note. Only
    // a table taller than a page's body breaks, with its header row
    // repeated on every page and its total in a footer (which Typst does
    // not place alone).
    let mut s = format!(
        "#context {{ let t = [#block(sticky: true, text(weight: \"bold\", fill: rgb(\"#1f3a5f\"))[{}])\n#table(columns: {n}, align: ({},), inset: 3pt, stroke: (x, y) => if y == 0 {{ none }} else {{ (bottom: 0.3pt + luma(200)) }}, fill: (x, y) => if y == 0 {{ rgb(\"#1f3a5f\") }},\n",
        lit(&t.caption),
        align.join(", ")
    );
    s.push_str("table.header(");
    for h in &t.headers {
        _ = write!(s, "text(fill: white, weight: \"bold\")[{}],", lit(h));
    }
    s.push_str("),\n");
    for (i, row) in t.rows.iter().enumerate() {
        for g in t.groups.iter().filter(|g| g.before == i) {
            _ = writeln!(
                s,
                "table.cell(colspan: {n}, fill: rgb(\"#eef2f6\"))[#strong[{}]],",
                lit(&g.label)
            );
        }
        for cell in row {
            _ = write!(s, "[{}],", lit(cell));
        }
        s.push('\n');
    }
    if !t.footer.is_empty() {
        s.push_str("table.footer(repeat: false, ");
        for row in &t.footer {
            for cell in row {
                _ = write!(s, "strong[{}],", lit(cell));
            }
            s.push('\n');
        }
        s.push_str("),\n");
    }
    s.push_str(")\n");
    if let Some(note) = &t.note {
        _ = writeln!(s, "#text(size: 8pt, fill: rgb(\"#5b6472\"))[{}]", lit(note));
    }
    _ = writeln!(
        s,
        "]; block(breakable: measure(t, width: {BODY_WIDTH}).height > {BODY_HEIGHT}, t) }}"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_numbered_list_keeps_its_numbers() {
        let events: Vec<Event> =
            pulldown_cmark::Parser::new("3. drie\n4. vier\n\n- punt\n").collect();
        let t = events_to_typst(&events, 0);
        assert!(
            t.contains("3. ") && t.contains("4. ") && t.contains("- "),
            "{t}"
        );
        assert!(t.find("3. ").unwrap() < t.find("4. ").unwrap());
    }

    #[test]
    fn text_cannot_inject_typst() {
        assert_eq!(lit("a \"b\" #c \\ d"), "#\"a \\\"b\\\" #c \\\\ d\"");
        let events: Vec<Event> = pulldown_cmark::Parser::new(
            "# Kop\n\nTekst met *nadruk* en [link](https://x.example).\n\n- een\n- twee\n",
        )
        .collect();
        let t = events_to_typst(&events, 2);
        assert!(t.starts_with("=== #\"Kop\""), "{t}");
        assert!(t.contains("#emph[#\"nadruk\"]"));
        assert!(t.contains("#link(\"https://x.example\")[#\"link\"]"));
        assert!(t.contains("- #\"een\""));
    }
}
