//! The PDF back-end: the document model as Typst markup, compiled in process
//! with the Typst library. Fonts are embedded (Source Sans 3 under the OFL,
//! in `fonts/`, plus the fonts of `typst-assets`); nothing is read from the
//! system. Chapters and pages are PDF bookmarks; the chapter bar and section
//! lists are internal links; the PDF is tagged. The same document gives the
//! same bytes: the creation date is the report's date and the identifier is
//! the report title.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Label, Smart};
use typst::introspection::Introspector;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::utils::PicoStr;
use typst::{Library, LibraryExt, World};

use crate::document::{Document, PageKind};
use crate::error::{Error, Result};
use crate::typst_markup::{lit, string};
use std::fmt::Write as _;

struct ReportWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> Result<FileId> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| Error::Pdf(format!("bad virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(
                id.get().vpath().get_without_slash().into(),
            ))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

/// The page frame as Typst markup: `pokeval-bar(current)`, the chapter
/// bar with `current` (a chapter id) highlighted, and a page header that
/// draws the bar on every page and, on a page that continues the logical
/// page before it, that page's header with "(vervolg)".
///
/// Each logical page starts with a `<pokeval-page>` marker holding its
/// chapter and header ([`page_marker`]). A page's header looks for a
/// marker on its own page (a page that starts there) or else takes the
/// last one before it (a continuation). The line under the bar is always
/// the same height, so the bar does not move between the two.
fn page_frame(doc: &Document) -> String {
    let items: Vec<String> = doc
        .chapters
        .iter()
        .map(|c| (c.id.clone(), format!("{}. {}", c.number, c.title)))
        .chain([("bijlage".to_string(), "Bijlage".to_string()), ("meer-weten".to_string(), "Meer weten?".to_string())])
        .map(|(id, label)| {
            format!(
                "if current == {} {{ box(fill: rgb(\"#1f3a5f\"), inset: (x: 5pt, y: 3pt), link(<{id}>, text(fill: white)[{l}])) }} else {{ box(inset: (x: 5pt, y: 3pt), link(<{id}>, text(fill: rgb(\"#1f3a5f\"))[{l}])) }}",
                string(&id),
                l = lit(&label)
            )
        })
        .collect();
    let mut t = format!(
        "#let pokeval-bar(current) = block(width: 100%, stroke: (bottom: 2pt + rgb(\"#1f3a5f\")), inset: (bottom: 3pt))[#set text(size: 8pt); #stack(dir: ltr, spacing: 4pt, text(size: 7pt, fill: rgb(\"#5b6472\"))[{}], {})]\n",
        lit("Klik op de balk om te navigeren tussen hoofdstukken"),
        items.join(", ")
    );
    t.push_str(concat!(
        "#let pokeval-header = context {\n",
        "  let marks = query(<pokeval-page>)\n",
        "  let p = here().page()\n",
        "  let on = marks.filter(m => m.location().page() == p)\n",
        "  let before = marks.filter(m => m.location().page() < p)\n",
        "  let cur = if on.len() > 0 { on.first() } else if before.len() > 0 { before.last() } else { none }\n",
        "  if cur != none {\n",
        "    pokeval-bar(cur.value.chapter)\n",
        "    v(4pt)\n",
        "    if on.len() == 0 and cur.value.header != none {\n",
        "      box(height: 14pt, text(size: 12pt, weight: \"bold\", fill: rgb(\"#5b6472\"))[#cur.value.header (vervolg)])\n",
        "    } else { box(height: 14pt) }\n",
        "  }\n",
        "}\n",
    ));
    t
}

/// A page header without its "(1/2)": a continuation says "(vervolg)".
fn without_part(header: &str) -> &str {
    match header.rsplit_once(" (") {
        Some((head, part))
            if part.ends_with(')')
                && part[..part.len() - 1]
                    .split('/')
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            head
        }
        _ => header,
    }
}

/// Starts a logical page: its chapter (for the bar) and its header (for
/// continuation pages; `None` on pages without one, such as a divider).
fn page_marker(chapter: &str, header: Option<&str>) -> String {
    format!(
        "#metadata((chapter: {}, header: {})) <pokeval-page>\n",
        string(chapter),
        header.map_or("none".to_string(), string)
    )
}

/// The whole report as Typst markup.
pub fn typst_source(doc: &Document, date: (i32, u8, u8)) -> String {
    let mut t = String::new();
    _ = writeln!(
        t,
        "#set document(title: {}, author: {}, date: datetime(year: {}, month: {}, day: {}))",
        string(&doc.title),
        string(&doc.bureau),
        date.0,
        date.1,
        date.2
    );
    t.push_str(&page_frame(doc));
    t.push_str("#set page(paper: \"a4\", flipped: true, margin: (x: 14mm, top: 24mm, bottom: 14mm), header: pokeval-header, header-ascent: 4mm, footer: context align(right, text(size: 8pt, fill: rgb(\"#5b6472\"), counter(page).display())))\n");
    t.push_str("#set text(font: \"Source Sans 3\", size: 10pt, lang: \"nl\")\n");
    t.push_str("#set par(leading: 0.6em, spacing: 0.9em)\n");
    t.push_str("#set list(marker: text(fill: rgb(\"#1d7a6f\"), size: 7pt)[▶])\n");
    t.push_str("#show heading.where(level: 1): set text(size: 24pt, fill: rgb(\"#1f3a5f\"))\n");
    t.push_str("#show heading.where(level: 2): set text(size: 12pt, fill: rgb(\"#5b6472\"))\n");
    t.push_str("#show heading.where(level: 3): set text(size: 12pt, fill: rgb(\"#1f3a5f\"))\n");
    t.push_str("#show heading.where(level: 3): set heading(bookmarked: false, outlined: false)\n");
    t.push_str("#show heading.where(level: 4): set heading(bookmarked: false, outlined: false)\n");
    t.push_str("#show link: it => it\n");
    // tables and figures are numbered in the document model, the same in
    // both back-ends; their captions carry the number
    t.push_str("#set figure(numbering: none)\n");
    // a table row is not split over two pages (its first cell would be
    // empty on the second)
    t.push_str("#set table.cell(breakable: false)\n");
    // cover
    _ = write!(t,
        "#page(fill: rgb(\"#1f3a5f\"), header: none, footer: none)[#set text(fill: white)\n#v(1fr)\n#text(size: 14pt, weight: \"bold\")[{}]\n\n#text(size: 30pt, weight: \"bold\")[{}]\n\n#text(size: 16pt, style: \"italic\")[{}]\n\n{}\n\n{}\n#v(1fr)]\n",
        lit(&doc.bureau),
        lit(&doc.title),
        lit(&doc.subtitle),
        lit(&format!("Evaluatie {} · {}", doc.wave, doc.date)),
        lit(&format!("In opdracht van {}", doc.commissioned_by))
    );
    if let Some(n) = &doc.notice {
        t.push_str(&page_marker("", Some("Over dit rapport")));
        _ = write!(t, "== {}\n\n#block(stroke: (left: 4pt + rgb(\"#b4530f\")), inset: 8pt)[{}]\n#pagebreak()\n", lit("Over dit rapport"), lit(n));
    }
    for ch in &doc.chapters {
        t.push_str(&page_marker(&ch.id, None));
        _ = write!(
            t,
            "#v(12mm)\n= {} <{}>\n\n",
            lit(&format!("{}. {}", ch.number, ch.title)),
            ch.id
        );
        for s in &ch.sections {
            _ = writeln!(t, "#block(stroke: (left: 3pt + rgb(\"#1d7a6f\")), inset: (left: 6pt, y: 3pt))[#link(<{}>)[#text(size: 13pt, fill: rgb(\"#1f3a5f\"))[{}]]]", s.page_id, lit(&s.title));
        }
        for p in &ch.pages {
            t.push_str("#pagebreak()\n");
            t.push_str(&page_marker(&ch.id, Some(without_part(&p.header))));
            match p.kind {
                PageKind::Story => {
                    let name = p
                        .municipality
                        .as_ref()
                        .map(|m| m.name.clone())
                        .unwrap_or_default();
                    _ = write!(
                        t,
                        "#text(size: 9pt, fill: rgb(\"#5b6472\"))[{}]\n\n",
                        lit(&p.header)
                    );
                    _ = write!(
                        t,
                        "== #text(size: 20pt, fill: rgb(\"#1d7a6f\"))[{}] <{}>\n\n",
                        lit(&name),
                        p.id
                    );
                    if let Some(title) = &p.title {
                        _ =
                            write!(t,
                            "#text(size: 14pt, weight: \"bold\", fill: rgb(\"#1f3a5f\"))[{}]\n\n",
                            lit(title)
                        );
                    }
                    // the meta line, as in the HTML, with the way back to the map
                    if let Some(m) = &p.municipality {
                        let mut meta = format!(
                            "#text(size: 9pt, fill: rgb(\"#5b6472\"))[{}",
                            lit(&format!(
                                "Gemeente {}, provincie {}, {}",
                                m.name,
                                m.province,
                                p.size_label.as_deref().unwrap_or("")
                            ))
                        );
                        if doc.story_map {
                            _ = write!(
                                meta,
                                " · #link(<grafiek-story_map>)[{}]",
                                lit("terug naar de kaart")
                            );
                        }
                        meta.push_str("]\n\n");
                        t.push_str(&meta);
                    }
                }
                _ => _ = write!(t, "== {} <{}>\n\n", lit(&p.header), p.id),
            }
            if p.kind == PageKind::ActionLine {
                let links: Vec<String> = doc
                    .action_line_selector
                    .iter()
                    .map(|l| match &l.page_id {
                        Some(id) if p.action_lines.contains(&l.number) => format!("box(fill: rgb(\"#1d7a6f\"), inset: 3pt, radius: 50%, link(<{id}>, text(fill: white, weight: \"bold\")[{}]))", l.number),
                        Some(id) => format!("box(fill: rgb(\"#eef2f6\"), inset: 3pt, radius: 50%, link(<{id}>, text(fill: rgb(\"#1f3a5f\"), weight: \"bold\")[{}]))", l.number),
                        None => format!("box(inset: 3pt, text(fill: rgb(\"#6b7380\"))[{}])", l.number),
                    })
                    .collect();
                _ = write!(
                    t,
                    "#stack(dir: ltr, spacing: 3pt, text(size: 8pt)[Actielijn], {})\n\n",
                    links.join(", ")
                );
            }
            t.push_str(&crate::typst_markup::body_typst(p));
            t.push('\n');
        }
        t.push_str("#pagebreak()\n");
    }
    // appendix and closing page
    t.push_str(&page_marker("bijlage", Some("Bijlage | Verantwoording")));
    _ = write!(t, "= {} <bijlage>\n\n", lit("Bijlage | Verantwoording"));
    t.push_str(&lit("Deze bijlage verantwoordt de invoer van dit rapport en de manier waarop de bronnen zijn gecodeerd."));
    t.push_str("\n\n");
    for section in &doc.appendix {
        _ = write!(
            t,
            "=== {}\n\n{}\n\n",
            lit(&section.heading),
            lit(&section.text)
        );
        for b in &section.blocks {
            t.push_str(&crate::typst_markup::block_to_typst(
                b,
                &crate::typst_markup::chart_file,
            ));
        }
    }
    for p in &doc.appendix_pages {
        t.push_str("#pagebreak()\n");
        t.push_str(&page_marker("bijlage", Some(without_part(&p.header))));
        _ = write!(t, "== {} <{}>\n\n", lit(&p.header), p.id);
        t.push_str(&crate::typst_markup::body_typst(p));
        t.push('\n');
    }
    t.push_str("#pagebreak()\n");
    t.push_str(&page_marker("meer-weten", None));
    _ = write!(t, "= {} <meer-weten>\n\n", lit("Meer weten?"));
    if !doc.team.is_empty() {
        _ = write!(
            t,
            "=== {}\n\n{}\n\n",
            lit("Onderzoeksteam"),
            lit(&doc.team.join(" | "))
        );
    }
    _ = write!(
        t,
        "=== {}\n\n{}\n\n",
        lit("In opdracht van"),
        lit(&doc.commissioned_by)
    );
    _ = write!(
        t,
        "=== {}\n\n{}\n\n",
        lit("Vragen of opmerkingen?"),
        lit(&doc.contact)
    );
    t
}

/// Renders the document to PDF bytes.
/// Frees what Typst memoised while rendering. A one-shot build calls it
/// once the PDF is made (the cache holds laid-out pages the rest of the
/// build does not need); the preview server does not, so an edit re-renders
/// from the cache.
pub fn release_caches() {
    typst::comemo::evict(0);
}

/// A typeset report: the PDF and the page each page-reference target
/// landed on.
pub struct Pdf {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Target id (see [`Document::page_numbers`]) to page number.
    pub pages: std::collections::BTreeMap<String, usize>,
}

/// Typesets the document; see [`Pdf`].
pub fn render(doc: &Document, date: (i32, u8, u8)) -> Result<Pdf> {
    let source = typst_source(doc, date);
    let main_id = file_id("/main.typ")?;
    let mut files = HashMap::new();
    for (id, svg) in &doc.charts {
        files.insert(
            file_id(&crate::typst_markup::chart_file(id))?,
            Bytes::new(svg.clone().into_bytes()),
        );
    }
    let mut fonts: Vec<Font> = Vec::new();
    for data in crate::fonts::FACES
        .iter()
        .map(|f| f.data)
        .chain(typst_assets::fonts())
    {
        let bytes = Bytes::new(data);
        for i in 0.. {
            match Font::new(bytes.clone(), i) {
                Some(f) => fonts.push(f),
                None => break,
            }
        }
    }
    let world = ReportWorld {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        main: Source::new(main_id, source),
        files,
        today: Datetime::from_ymd(date.0, date.1, date.2),
    };
    let compiled = typst::compile::<typst_layout::PagedDocument>(&world);
    let document = compiled.output.map_err(|errors| {
        let msgs: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        Error::Pdf(format!("the PDF cannot be typeset: {}", msgs.join("; ")))
    })?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(doc.title.clone()),
        creator: Smart::Custom(Some("pokeval".into())),
        timestamp: None,
        ..Default::default()
    };
    let bytes = typst_pdf::pdf(&document, &options).map_err(|errors| {
        let msgs: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        Error::Pdf(format!("the PDF cannot be written: {}", msgs.join("; ")))
    })?;
    // where Typst put each page-reference target
    let introspector = document.introspector();
    let pages = doc
        .page_numbers
        .keys()
        .filter_map(|id| {
            let label = Label::new(PicoStr::intern(id))?;
            let location = introspector.query_label(label).ok()?.location()?;
            Some((id.clone(), introspector.page(location)?.get()))
        })
        .collect();
    Ok(Pdf { bytes, pages })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_continued_header_drops_its_part_number() {
        assert_eq!(without_part("Respons | Bereik (1/2)"), "Respons | Bereik");
        assert_eq!(without_part("Respons | Bereik (12/13)"), "Respons | Bereik");
        assert_eq!(
            without_part("Respons | Bereik (Zeeland)"),
            "Respons | Bereik (Zeeland)"
        );
        assert_eq!(without_part("Respons | 1/2 (/2)"), "Respons | 1/2 (/2)");
        assert_eq!(without_part("Geen deel"), "Geen deel");
    }
}
