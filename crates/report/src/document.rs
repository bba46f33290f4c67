//! The document model: the report as pages, independent of the back-end.
//!
//! [`build_document`] turns report sources and an [`Analysis`] into a
//! [`Document`]; the HTML back-end renders it with tera templates.

use pokeval_analysis::Analysis;
use pokeval_model::Municipality;
use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::blocks::{self, parse_args, shortcode_regex, Block, Shortcode};
use crate::error::ShortcodeError;
use crate::error::{Error, Result};
use crate::format::format_date;
use crate::sources::{MarkdownFile, ReportSources};
use std::fmt::Write as _;

/// Renders one block as HTML for a page; the HTML back-end's templates
/// do this (`html::Templates`), so the document does not depend on them.
pub trait BlockHtml {
    /// The HTML of one block (a table, chart or quotes).
    fn render_block(&self, block: &Block) -> Result<String>;
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// The report's title.
    pub title: String,
    /// Its subtitle.
    pub subtitle: String,
    /// The bureau that wrote it.
    pub bureau: String,
    /// Who commissioned it.
    pub commissioned_by: String,
    /// The team, one name per entry.
    pub team: Vec<String>,
    /// How to reach the team.
    pub contact: String,
    /// The report date in Dutch ("14 december 2021").
    pub date: String,
    /// The wave's year.
    pub wave: u16,
    /// The wave's ordinal (1 for 2024).
    pub wave_ordinal: u16,
    /// A notice printed on the cover (the example's "illustratief").
    pub notice: Option<String>,
    /// The chapters, in order.
    pub chapters: Vec<Chapter>,
    /// The appendix "Verantwoording": what was read and rejected, and how
    /// the sources were coded (method material, kept out of the chapters).
    pub appendix: Vec<AppendixSection>,
    /// Whether the report has exactly one story map (`{{ map() }}`), so
    /// that story pages can link back to it (`#grafiek-story_map`).
    pub story_map: bool,
    /// The 1-8 selector shown on action-line pages.
    pub action_line_selector: Vec<SelectorLink>,
    /// Every chart's SVG by chart id (the PDF back-end embeds them as files).
    #[serde(skip)]
    pub charts: std::collections::BTreeMap<String, String>,
    /// The page number of every chapter divider and page (and `bijlage`,
    /// `meer-weten`), by id: what the HTML prints at the foot of a page and
    /// in a `{{ page(ref=...) }}`. First counted as one page per divider
    /// and page, then, when the PDF is made, replaced by the page the PDF
    /// puts it on ([`Document::use_pdf_pages`]), so both outputs number
    /// alike.
    pub page_numbers: std::collections::BTreeMap<String, usize>,
}

impl Document {
    /// Sets the HTML's page references to the PDF's page numbers
    /// (`pages`: target id to page, from [`crate::pdf::render`]). A
    /// target the PDF does not have keeps its counted number.
    pub fn use_pdf_pages(&mut self, pages: &std::collections::BTreeMap<String, usize>) {
        let mut changes: Vec<(String, String)> = Vec::new();
        for (id, counted) in &mut self.page_numbers {
            if let Some(&real) = pages.get(id) {
                if real != *counted {
                    changes.push((page_link(id, *counted), page_link(id, real)));
                    *counted = real;
                }
            }
        }
        if changes.is_empty() {
            return;
        }
        for p in self.chapters.iter_mut().flat_map(|c| c.pages.iter_mut()) {
            if !p.html.contains("class=\"page-ref\"") {
                continue;
            }
            // one pass per page over the links, so that "pagina 3" becoming
            // "pagina 4" is not then taken for another link's "pagina 4"
            let mut out = String::with_capacity(p.html.len());
            let mut rest = p.html.as_str();
            while let Some(at) = rest.find("<a class=\"page-ref\"") {
                out.push_str(&rest[..at]);
                let link_end = rest[at..].find("</a>").map_or(rest.len(), |e| at + e + 4);
                let link = &rest[at..link_end];
                match changes.iter().find(|(old, _)| old == link) {
                    Some((_, new)) => out.push_str(new),
                    None => out.push_str(link),
                }
                rest = &rest[link_end..];
            }
            out.push_str(rest);
            p.html = out;
        }
    }
}

/// The HTML of a page reference.
fn page_link(id: &str, number: usize) -> String {
    format!("<a class=\"page-ref\" href=\"#{id}\">pagina {number}</a>")
}

/// The action lines a page title names: "Actielijn 2: ..." gives [2],
/// "Actielijn 4 & 5: ..." and "Actielijnen 4 en 5" give [4, 5].
pub fn action_lines_in_title(title: &str) -> Vec<u8> {
    static TITLE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(?i)actielijn(?:en)?\s+([1-8])(?:\s*(?:&|en|,)\s*([1-8]))*")
            .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
    });
    let Some(m) = TITLE.find(title.trim()) else {
        return Vec::new();
    };
    m.as_str()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .filter_map(|d| u8::try_from(d).ok())
        .collect()
}

/// Checks that the pages about an action line answer the three questions.
fn check_questions(
    file: &MarkdownFile,
    topic: &str,
    lines: &[u8],
    headlines: &[String],
) -> Result<()> {
    let has = |pred: &dyn Fn(&str) -> bool| headlines.iter().any(|h| pred(&h.to_lowercase()));
    let mut missing = Vec::new();
    for n in lines {
        let what = has(&|h: &str| {
            h.starts_with("wat houdt")
                && h.ends_with("in?")
                && (h.contains(&format!("actielijn {n}"))
                    || lines.len() == 1
                    || !h.contains("actielijn"))
        });
        if !what {
            missing.push(format!("Wat houdt actielijn {n} in?"));
        }
    }
    if !has(&|h: &str| h.starts_with("wat is in de evaluatieperiode gerealiseerd")) {
        missing.push("Wat is in de evaluatieperiode gerealiseerd?".into());
    }
    if !has(&|h: &str| h.starts_with("wat is de bijdrage van de pok-middelen")) {
        missing.push("Wat is de bijdrage van de POK-middelen?".into());
    }
    if missing.is_empty() {
        return Ok(());
    }
    let line = file
        .body
        .lines()
        .position(|l| l.trim_start().starts_with("##") && l.contains(topic))
        .map(|i| file.first_line + i);
    Err(Error::source(
        &file.path,
        line,
        format!(
            "the action-line page '{topic}' does not answer: {} (give each as a ### heading)",
            missing.join(", ")
        ),
    ))
}

/// A chapter: a divider page listing its sections, then its pages.
#[derive(Debug, Clone, Serialize)]
pub struct Chapter {
    /// The chapter's anchor id.
    pub id: String,
    /// Its number, from 1.
    pub number: usize,
    /// Its title.
    pub title: String,
    /// Its sections, as the divider page lists them.
    pub sections: Vec<SectionRef>,
    /// Its pages.
    pub pages: Vec<Page>,
}

/// A section of the appendix: a heading, a paragraph, and its tables.
#[derive(Debug, Clone, Serialize)]
pub struct AppendixSection {
    /// The section's heading.
    pub heading: String,
    /// Its paragraph.
    pub text: String,
    /// Its tables.
    pub blocks: Vec<Block>,
}

/// The appendix: the inputs and rejects always; the agreement between
/// coders, the quality of the coding rules and the passages on which rules
/// and gold coder differ when the project has manual codings.
fn appendix(analysis: &Analysis, ctx: &mut Ctx) -> Result<Vec<AppendixSection>> {
    let mut table = |name: &str| -> Result<Block> {
        let sc = Shortcode {
            kind: "table".into(),
            args: [("name".to_string(), name.to_string())].into(),
        };
        let mut b = blocks::block(&sc, analysis).map_err(Error::Appendix)?;
        ctx.number(&mut b);
        Ok(b)
    };
    let mut out = vec![AppendixSection {
        heading: "Gelezen en gebruikte invoer".into(),
        text: "Welke invoer voor dit rapport is gelezen, hoeveel daarvan is gebruikt en wat is afgewezen, met de reden. Alle getallen, tabellen en grafieken in dit rapport zijn uit deze invoer berekend.".into(),
        blocks: vec![table("inputs")?, table("rejects")?],
    }];
    if analysis.agreement.is_some() {
        out.push(AppendixSection {
            heading: "Overeenstemming tussen codeurs".into(),
            text: "Twee of meer onderzoekers codeerden een deel van de bronnen onafhankelijk van elkaar met hetzelfde codeboek. Een kappa of alfa boven 0,8 geldt als goed, tussen 0,67 en 0,8 als voldoende voor voorzichtige conclusies.".into(),
            blocks: vec![table("agreement")?],
        });
    }
    if let Some(q) = &analysis.rule_quality {
        out.push(AppendixSection {
            heading: "Kwaliteit van de codeerregels".into(),
            text: format!("De automatische codeerregels zijn vergeleken met de codering van {}. Een lage precisie betekent dat de regels een onderwerp toekennen dat de codeur niet zag; een lage recall dat de regels een onderwerp missen. De tweede tabel noemt de passages waarop regels en codeur verschillen: zo is te zien welke regels het codeboek kan aanscherpen.", q.gold),
            blocks: vec![table("rule_quality")?, table("rule_disagreements")?],
        });
    }
    Ok(out)
}

/// A section as listed on the divider page, linking to its first page.
#[derive(Debug, Clone, Serialize)]
pub struct SectionRef {
    /// The section's title.
    pub title: String,
    /// The id of its first page.
    pub page_id: String,
}

/// What kind of page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// A page of findings.
    Content,
    /// A page about one or more action lines ("## Actielijn 4 & 5: ...").
    ActionLine,
    /// A municipality's story.
    Story,
}

/// One landscape page.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// The page's anchor id.
    pub id: String,
    /// What kind of page it is.
    pub kind: PageKind,
    /// "Section | Topic (1/2)".
    pub header: String,
    /// For story pages: the municipality.
    pub municipality: Option<Municipality>,
    /// For story pages: the municipality's size class in words.
    pub size_label: Option<String>,
    /// For story pages: the one-line title.
    pub title: Option<String>,
    /// The page body as HTML (blocks included).
    pub html: String,
    /// For action-line pages: the action lines it is about.
    pub action_lines: Vec<u8>,
    /// The page body as Typst markup (for the PDF back-end).
    #[serde(skip)]
    pub typst: String,
}

/// A link in the 1-8 action-line selector.
#[derive(Debug, Clone, Serialize)]
pub struct SelectorLink {
    /// The action line's number.
    pub number: u8,
    /// Its name.
    pub name: String,
    /// The first page about this action line, if the report has one.
    pub page_id: Option<String>,
}

/// What every story page is rendered with.
struct StoryEnv<'a> {
    analysis: &'a Analysis,
    templates: &'a dyn BlockHtml,
    by_code: &'a std::collections::BTreeMap<&'a str, &'a Municipality>,
}

/// A story page: the story's Markdown rendered under the header
/// "Verhalen van gemeenten | <municipality>".
fn story_page(
    story: &crate::sources::StorySource,
    env: &StoryEnv,
    charts: &mut std::collections::BTreeMap<String, String>,
    ctx: &mut Ctx,
    used_ids: &mut std::collections::BTreeSet<String>,
) -> Result<Page> {
    let (analysis, templates) = (env.analysis, env.templates);
    // the story's municipality, as settled by `ReportSources::resolve_stories`
    let m = story
        .municipality
        .as_deref()
        .and_then(|c| env.by_code.get(c).copied())
        .ok_or_else(|| {
            Error::source(
                &story.file.path,
                Some(2),
                format!(
                    "gemeente '{}' is not in the municipality register",
                    story.gemeente
                ),
            )
        })?
        .clone();
    let body_pages = render_markdown(&story.file, analysis, 0, templates, charts, ctx)?;
    let typst = body_pages
        .iter()
        .map(|p| p.typst.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let body = body_pages
        .into_iter()
        .map(|p| p.html)
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Page {
        id: unique_id(used_ids, &format!("verhaal-{}", slug(&m.name))),
        kind: PageKind::Story,
        header: format!("Verhalen van gemeenten | {}", m.name),
        title: Some(story.titel.clone()),
        size_label: Some(m.size_class.label().to_string()),
        municipality: Some(m),
        html: body,
        action_lines: Vec::new(),
        typst,
    })
}

/// Checks that every story placed `after` a topic names a `## Topic` of
/// its chapter (as rendered, so that a story is never silently left out).
fn check_story_places(
    ch: &crate::sources::ChapterSource,
    pages: &[RawPage],
    dir: &std::path::Path,
) -> Result<()> {
    if pages.is_empty() && !ch.stories.is_empty() {
        return Err(Error::source(
            &ch.file.path,
            None,
            "the chapter has no pages for its stories to follow; give it at least one ## topic",
        ));
    }
    let mut topics: Vec<&str> = Vec::new();
    for t in pages.iter().filter_map(|p| p.topic.as_deref()) {
        if !topics.contains(&t) {
            topics.push(t);
        }
    }
    for story in &ch.stories {
        let Some(after) = &story.after else { continue };
        if !topics.contains(&after.as_str()) {
            return Err(Error::source(
                &dir.join(crate::sources::REPORT_FILE),
                None,
                format!(
                    "story '{}' is placed after '{after}', which is not a ## topic of {}; use one of: {}",
                    story.file.display,
                    ch.file.display,
                    topics
                        .iter()
                        .map(|t| format!("'{t}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Builds the document.
pub fn build_document(
    src: &ReportSources,
    analysis: &Analysis,
    templates: &dyn BlockHtml,
) -> Result<Document> {
    let by_code: std::collections::BTreeMap<&str, &Municipality> = analysis
        .municipalities
        .iter()
        .map(|m| (m.code.as_str(), m))
        .collect();
    let env = StoryEnv {
        analysis,
        templates,
        by_code: &by_code,
    };
    let mut chapters = Vec::new();
    let mut charts = std::collections::BTreeMap::new();
    let mut ctx = Ctx::default();
    for ch in &src.chapters {
        for story in &ch.stories {
            // a story's municipality, as settled by `ReportSources::resolve_stories`
            let m = story.municipality.as_deref().and_then(|c| by_code.get(c));
            if let Some(m) = m {
                ctx.stories.push((
                    m.code.clone(),
                    m.name.clone(),
                    format!("verhaal-{}", slug(&m.name)),
                ));
            }
        }
    }
    let mut used_ids = std::collections::BTreeSet::new();
    for (ci, ch) in src.chapters.iter().enumerate() {
        let number = ci + 1;
        let chapter_id = unique_id(&mut used_ids, &format!("h{number}-{}", slug(&ch.title)));
        let raw_pages = split_pages(&ch.file, analysis, templates, &mut charts, &mut ctx)?;
        check_story_places(ch, &raw_pages, &src.dir)?;
        let mut sections: Vec<SectionRef> = Vec::new();
        let mut pages = Vec::new();
        for (pi, p) in raw_pages.iter().enumerate() {
            let id = unique_id(
                &mut used_ids,
                &format!("{chapter_id}-{}", slug(&p.header_base())),
            );
            if p.section
                .as_ref()
                .is_some_and(|s| sections.last().map(|l| &l.title) != Some(s))
            {
                sections.push(SectionRef {
                    title: p.section.clone().unwrap_or_default(),
                    page_id: id.clone(),
                });
            }
            let same: Vec<usize> = raw_pages
                .iter()
                .enumerate()
                .filter(|(_, q)| q.section == p.section && q.topic == p.topic)
                .map(|(i, _)| i)
                .collect();
            let mut header = p.header_base();
            if same.len() > 1 {
                let k = same.iter().position(|&i| i == pi).unwrap_or(0) + 1;
                header = format!("{header} ({k}/{})", same.len());
            }
            let lines = p
                .topic
                .as_deref()
                .map(action_lines_in_title)
                .unwrap_or_default();
            if !lines.is_empty() && same.first() == Some(&pi) {
                let topic = p.topic.clone().unwrap_or_default();
                let headlines: Vec<String> = same
                    .iter()
                    .flat_map(|&k| raw_pages[k].headlines.clone())
                    .collect();
                check_questions(&ch.file, &topic, &lines, &headlines)?;
            }
            pages.push(Page {
                id,
                kind: if lines.is_empty() {
                    PageKind::Content
                } else {
                    PageKind::ActionLine
                },
                header,
                municipality: None,
                size_label: None,
                title: None,
                html: p.html.clone(),
                action_lines: lines,
                typst: p.typst.clone(),
            });
            // the stories due here: those placed after this page's topic
            // (on its last page), and after the chapter's last page those
            // placed nowhere in particular, in the order of the list
            let last = pi + 1 == raw_pages.len();
            let due = ch.stories.iter().filter(|s| match &s.after {
                Some(topic) => same.last() == Some(&pi) && p.topic.as_ref() == Some(topic),
                None => last,
            });
            for story in due {
                pages.push(story_page(
                    story,
                    &env,
                    &mut charts,
                    &mut ctx,
                    &mut used_ids,
                )?);
            }
        }
        chapters.push(Chapter {
            id: chapter_id,
            number,
            title: ch.title.clone(),
            sections,
            pages,
        });
    }
    let appendix = appendix(analysis, &mut ctx)?;
    let page_numbers = resolve_page_refs(&mut chapters, src.config.notice.is_some(), &ctx.refs)?;
    let action_line_selector = pokeval_model::ActionLine::all()
        .map(|al| SelectorLink {
            number: al.number(),
            name: al.name().to_string(),
            page_id: chapters
                .iter()
                .flat_map(|c| &c.pages)
                .find(|p| p.action_lines.contains(&al.number()))
                .map(|p| p.id.clone()),
        })
        .collect();
    let c = &src.config;
    Ok(Document {
        action_line_selector,
        charts,
        title: c.title.clone(),
        subtitle: c.subtitle.clone(),
        bureau: c.bureau.clone(),
        commissioned_by: c.commissioned_by.clone(),
        team: c.team.clone(),
        contact: c.contact.clone(),
        date: format_date(&c.date.to_string()),
        wave: analysis.wave.year(),
        wave_ordinal: analysis.wave.ordinal(),
        notice: c.notice.clone(),
        chapters,
        appendix,
        story_map: ctx.story_maps == 1,
        page_numbers,
    })
}

/// What Markdown rendering collects and needs across the whole report.
#[derive(Default)]
pub struct Ctx {
    refs: Vec<PageRef>,
    /// Story pages: (CBS code, municipality name, page id).
    stories: Vec<(String, String, String)>,
    /// Tables and figures numbered so far.
    tables: usize,
    figures: usize,
    /// Story maps placed so far.
    story_maps: usize,
    /// Footnote references numbered so far (document order).
    footnotes: usize,
}

impl Ctx {
    /// Numbers a table or figure in document order, once for both
    /// back-ends: the number is part of its caption ("Tabel 3: ...",
    /// "Figuur 2: ..."), so the HTML and the PDF print the same one (the
    /// PDF turns Typst's own figure numbering off).
    fn number(&mut self, b: &mut Block) {
        match b {
            Block::Table(t) => {
                self.tables += 1;
                t.caption = format!("Tabel {}: {}", self.tables, t.caption);
            }
            Block::Chart(c) => {
                self.figures += 1;
                c.title = format!("Figuur {}: {}", self.figures, c.title);
            }
            Block::Quotes(_) => {}
        }
    }
}

/// A `page(ref="...")` shortcode: where it stands and what it points at.
pub struct PageRef {
    id: String,
    file: std::path::PathBuf,
    line: usize,
}

/// Numbers the HTML pages as the template does (cover 1, the notice, then per
/// chapter its divider and pages, the appendix and the closing page) and
/// replaces page references: in HTML by "pagina N" linking to the page, in
/// Typst by a link with the page number Typst lays out.
fn resolve_page_refs(
    chapters: &mut [Chapter],
    notice: bool,
    refs: &[PageRef],
) -> Result<std::collections::BTreeMap<String, usize>> {
    let mut numbers: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut n = if notice { 3 } else { 2 };
    for ch in chapters.iter() {
        numbers.insert(ch.id.clone(), n);
        n += 1;
        for p in &ch.pages {
            numbers.insert(p.id.clone(), n);
            n += 1;
        }
    }
    numbers.insert("bijlage".into(), n);
    numbers.insert("meer-weten".into(), n + 1);
    for r in refs {
        if !numbers.contains_key(&r.id) {
            let known: Vec<&str> = numbers
                .keys()
                .filter(|k| {
                    k.starts_with("verhaal-") || k.starts_with('h') && k.matches('-').count() < 3
                })
                .map(String::as_str)
                .collect();
            return Err(Error::source(
                &r.file,
                Some(r.line),
                format!(
                    "page(ref=\"{}\") names no page; page ids include {}",
                    r.id,
                    known.join(", ")
                ),
            ));
        }
    }
    for ch in chapters.iter_mut() {
        for p in &mut ch.pages {
            if !p.html.contains("POKEVALPAGE-") {
                continue;
            }
            for (id, num) in &numbers {
                let marker = format!("POKEVALPAGE-{id}-POKEVALEND");
                if p.html.contains(&marker) {
                    p.html = p.html.replace(&marker, &page_link(id, *num));
                    p.typst = p.typst.replace(
                        &marker,
                        &format!(
                            "\"#link(<{id}>)[pagina #context counter(page).at(<{id}>).first()]#\""
                        ),
                    );
                }
            }
        }
    }
    Ok(numbers)
}

/// A page before numbering.
struct RawPage {
    section: Option<String>,
    topic: Option<String>,
    html: String,
    typst: String,
    /// The texts of the finding headlines (`###`) on the page.
    headlines: Vec<String>,
}

impl RawPage {
    fn header_base(&self) -> String {
        match (&self.section, &self.topic) {
            (Some(s), Some(t)) => format!("{s} | {t}"),
            (Some(s), None) => s.clone(),
            (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        }
    }
}

fn split_pages(
    file: &MarkdownFile,
    analysis: &Analysis,
    templates: &dyn BlockHtml,
    charts: &mut std::collections::BTreeMap<String, String>,
    ctx: &mut Ctx,
) -> Result<Vec<RawPage>> {
    render_markdown(file, analysis, 1, templates, charts, ctx)
}

/// Whether a block fits the figure column beside a text column: any
/// chart, a table of at most four columns whose cells are short. Quotes
/// and wide tables stay in the full width.
fn fits_column(b: &Block) -> bool {
    match b {
        Block::Chart(_) => true,
        Block::Table(t) => {
            t.headers.len() <= 4
                && t.rows
                    .iter()
                    .chain(&t.footer)
                    .flatten()
                    .all(|c| c.chars().count() <= 40)
        }
        // quotes beside the finding they support, as AEF sets its
        // callouts, unless they are too long for a third of the page
        Block::Quotes(q) => {
            q.quotes
                .iter()
                .map(|x| x.text.chars().count())
                .sum::<usize>()
                <= 900
        }
    }
}

/// The block a paragraph stands for, when it is only a block marker.
fn marker(events: &[Event]) -> Option<usize> {
    match events {
        [Event::Start(Tag::Paragraph), Event::Text(t), Event::End(TagEnd::Paragraph)] => {
            t.trim().strip_prefix("POKEVALBLOCK")?.parse().ok()
        }
        _ => None,
    }
}

/// Lays out one page's events as AEF does: each finding (a heading with
/// what follows it up to the next heading) with one or two blocks that all
/// fit a column becomes a pair, its text on the left and its tables and figures on the
/// right; other findings keep the full width. Reading order is kept: the
/// text of a finding comes before its figures in both outputs. Returns
/// the page as (Typst, HTML); the HTML still holds the block markers.
///
/// Footnotes: `notes` holds the definitions of the whole file, so a
/// reference prints its note wherever the note is defined. In the PDF each
/// reference becomes a Typst footnote; in the HTML a numbered link to a
/// list of the page's notes under it. Both count in document order from
/// `footnotes` on, so a note has the same number in both.
fn compose(
    events: &[Event],
    blocks: &[Block],
    typst_blocks: &[String],
    heading_offset: usize,
    notes: &Notes,
    footnotes: &mut usize,
) -> (String, String) {
    let mut page_notes: Vec<(usize, String)> = Vec::new();
    // the HTML of some events, footnote references numbered
    let mut html_of = |events: &[Event], out: &mut String| {
        let mapped = events.iter().map(|e| match e {
            Event::FootnoteReference(name) => {
                *footnotes += 1;
                let n = *footnotes;
                page_notes.push((n, name.to_string()));
                Event::InlineHtml(
                    format!(
                        "<sup class=\"footnote-ref\"><a href=\"#voetnoot-{n}\" id=\"voetnoot-ref-{n}\">{n}</a></sup>"
                    )
                    .into(),
                )
            }
            other => other.clone(),
        });
        html::push_html(out, mapped);
    };
    let mut typst = String::new();
    let mut out = String::new();
    // a page of text only reads in two columns, as AEF sets its
    // conclusions and stories, instead of lines of ~190 characters
    let text_only = !events.windows(3).any(|w| marker(w).is_some());
    if text_only {
        let units = text_units(events);
        let lens: Vec<usize> = units.iter().map(|r| text_len(&events[r.clone()])).collect();
        let total: usize = lens.iter().sum();
        let to_typst = |evs: &[Event]| {
            crate::typst_markup::events_with_notes(evs, typst_blocks, heading_offset, &notes.typst)
        };
        if units.len() >= 2 && total <= BALANCED_TEXT {
            // two columns of about equal length, split between elements:
            // the left column is read first
            let mut split = (usize::MAX, 1);
            let mut left = 0;
            for (k, len) in lens.iter().enumerate().take(units.len() - 1) {
                left += len;
                let d = left.abs_diff(total - left);
                if d < split.0 {
                    split = (d, k + 1);
                }
            }
            let at = units[split.1].start;
            let (l, r) = events.split_at(at);
            out.push_str("<div class=\"text-columns\">\n<div>\n");
            html_of(l, &mut out);
            out.push_str("</div>\n<div>\n");
            html_of(r, &mut out);
            out.push_str("</div>\n</div>\n");
            typst.push_str("#grid(columns: (1fr, 1fr), column-gutter: 10mm, [\n");
            typst.push_str(&to_typst(l));
            typst.push_str("], [\n");
            typst.push_str(&to_typst(r));
            typst.push_str("])\n");
        } else {
            // more than a page: the text flows down the left column, then
            // the right, then on to the next page
            out.push_str("<div class=\"text-flow\">\n");
            html_of(events, &mut out);
            out.push_str("</div>\n");
            typst.push_str("#columns(2, gutter: 10mm)[\n");
            typst.push_str(&to_typst(events));
            typst.push_str("\n]\n");
        }
    } else {
        // findings: split before every heading
        let mut starts: Vec<usize> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, Event::Start(Tag::Heading { .. })))
            .map(|(i, _)| i)
            .collect();
        if starts.first() != Some(&0) {
            starts.insert(0, 0);
        }
        starts.push(events.len());
        for w in starts.windows(2) {
            let group = &events[w[0]..w[1]];
            // the group's top-level paragraphs that are block markers
            let mut text: Vec<Event> = Vec::with_capacity(group.len());
            let mut found: Vec<usize> = Vec::new();
            let mut i = 0;
            let mut nesting = 0usize;
            while i < group.len() {
                if nesting == 0 && i + 3 <= group.len() {
                    if let Some(n) = marker(&group[i..i + 3]) {
                        found.push(n);
                        i += 3;
                        continue;
                    }
                }
                match &group[i] {
                    Event::Start(_) => nesting += 1,
                    Event::End(_) => nesting = nesting.saturating_sub(1),
                    _ => {}
                }
                text.push(group[i].clone());
                i += 1;
            }
            let has_text = text.iter().any(|e| {
                matches!(
                    e,
                    Event::Start(Tag::Paragraph | Tag::List(_) | Tag::BlockQuote(_))
                )
            });
            // one or two blocks: more would make the figure column run on
            // over pages beside a short text
            let pair = has_text
                && (1..=2).contains(&found.len())
                && found
                    .iter()
                    .all(|&n| blocks.get(n).is_some_and(fits_column));
            if pair {
                out.push_str("<div class=\"pair\">\n<div class=\"pair-text\">\n");
                html_of(&text, &mut out);
                out.push_str("</div>\n<div class=\"pair-figure\">\n");
                for n in &found {
                    _ = writeln!(out, "<p>POKEVALBLOCK{n}</p>");
                }
                out.push_str("</div>\n</div>\n");
                typst.push_str("#grid(columns: (1fr, 1.25fr), column-gutter: 9mm, [\n");
                typst.push_str(&crate::typst_markup::events_with_notes(
                    &text,
                    typst_blocks,
                    heading_offset,
                    &notes.typst,
                ));
                typst.push_str("], [\n");
                // the figure column's blocks, charts as wide as the column
                for b in found.iter().filter_map(|&n| blocks.get(n)) {
                    typst.push_str(&crate::typst_markup::block_to_typst_at(
                        b,
                        &crate::typst_markup::chart_file,
                        "100%",
                    ));
                    typst.push('\n');
                }
                typst.push_str("])\n\n");
            } else {
                html_of(group, &mut out);
                typst.push_str(&crate::typst_markup::events_with_notes(
                    group,
                    typst_blocks,
                    heading_offset,
                    &notes.typst,
                ));
            }
        }
    }
    if !page_notes.is_empty() {
        out.push_str("<aside class=\"footnotes\" aria-label=\"Voetnoten\">\n<ol>\n");
        for (n, name) in &page_notes {
            _ = write!(out, "<li id=\"voetnoot-{n}\" value=\"{n}\">");
            if let Some(def) = notes.by_name.get(name) {
                let mut text = String::new();
                html::push_html(&mut text, def.iter().cloned());
                // the note's paragraph inline, with the way back
                let text = text
                    .trim()
                    .trim_start_matches("<p>")
                    .trim_end_matches("</p>");
                out.push_str(text);
            }
            _ = writeln!(out,
                " <a href=\"#voetnoot-ref-{n}\" aria-label=\"terug naar de tekst bij voetnoot {n}\">↩</a></li>"
            );
        }
        out.push_str("</ol>\n</aside>\n");
    }
    (typst, out)
}

/// The most text (in bytes) a page of text only may hold to be set as two
/// balanced columns on one page; longer text flows over the columns and
/// pages. Two columns of the landscape page hold about 6,000 characters.
const BALANCED_TEXT: usize = 5_000;

/// The top-level elements of a page as index ranges into `events`, a
/// heading kept with the element after it.
fn text_units(events: &[Event]) -> Vec<std::ops::Range<usize>> {
    let mut units = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut heading_open = false;
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::Start(Tag::Heading { .. }) => {
                depth += 1;
                heading_open = true;
            }
            Event::Start(_) => depth += 1,
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if matches!(end, TagEnd::Heading(_)) {
                        continue; // the heading stays with what follows
                    }
                    heading_open = false;
                    units.push(start..i + 1);
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    if start < events.len() || heading_open {
        units.push(start..events.len());
    }
    units.retain(|r| !r.is_empty());
    units
}

/// The length of the text in `events`.
fn text_len(events: &[Event]) -> usize {
    events
        .iter()
        .map(|e| match e {
            Event::Text(t) | Event::Code(t) => t.len(),
            _ => 0,
        })
        .sum()
}

/// A Markdown file's footnote definitions, by name: their text as Typst
/// markup (converted once per file) and their events (for the HTML).
#[derive(Default)]
struct Notes<'a> {
    typst: std::collections::BTreeMap<String, String>,
    by_name: std::collections::HashMap<String, Vec<Event<'a>>>,
}

/// Takes the footnote definitions out of `events`.
fn take_notes(events: Vec<Event<'_>>) -> (Vec<Event<'_>>, Notes<'_>) {
    let mut rest = Vec::with_capacity(events.len());
    let mut notes = Notes::default();
    let mut current: Option<(String, Vec<Event>)> = None;
    let mut depth = 0usize;
    for e in events {
        match &e {
            Event::Start(Tag::FootnoteDefinition(name)) => {
                if depth == 0 {
                    current = Some((name.to_string(), Vec::new()));
                }
                depth += 1;
                continue;
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some((name, inner)) = current.take() {
                        notes.by_name.insert(name, inner);
                    }
                }
                continue;
            }
            _ => {}
        }
        if depth > 0 {
            if let Some((_, inner)) = current.as_mut() {
                inner.push(e);
            }
        } else {
            rest.push(e);
        }
    }
    notes.typst = notes
        .by_name
        .iter()
        .map(|(name, inner)| (name.clone(), crate::typst_markup::footnote_text(inner)))
        .collect();
    (rest, notes)
}

/// Checks that every footnote reference (`[^name]`) in `file` has a
/// definition (`[^name]: text` at the start of a line): Markdown would
/// print an undefined one as text and the note would be lost unseen.
fn check_footnotes(file: &MarkdownFile) -> Result<()> {
    static NOTE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\[\^([^\]\s]+)\](:?)").expect("a valid pattern")
    });
    let mut defined = std::collections::HashSet::new();
    let mut used = Vec::new();
    for (i, line) in file.body.lines().enumerate() {
        for c in NOTE.captures_iter(line) {
            let whole = c.get(0).map_or(0, |m| m.start());
            if &c[2] == ":" && line[..whole].trim().is_empty() {
                defined.insert(c[1].to_string());
            } else {
                used.push((c[1].to_string(), file.first_line + i));
            }
        }
    }
    for (name, line) in used {
        if !defined.contains(&name) {
            return Err(Error::source(
                &file.path,
                Some(line),
                format!(
                    "footnote [^{name}] is not defined; add a line '[^{name}]: text' to this file"
                ),
            ));
        }
    }
    Ok(())
}

/// Renders Markdown with shortcodes. With `split_depth` 1, `#` starts a new
/// section and `##` a new page; with 0 the whole file is one page and its
/// headings are shifted down to stay below the page header.
fn render_markdown(
    file: &MarkdownFile,
    analysis: &Analysis,
    split_depth: u8,
    templates: &dyn BlockHtml,
    charts: &mut std::collections::BTreeMap<String, String>,
    ctx: &mut Ctx,
) -> Result<Vec<RawPage>> {
    let (markdown, blocks) = expand_shortcodes(file, analysis, ctx)?;
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_FOOTNOTES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    check_footnotes(file)?;
    let (events, notes) = take_notes(Parser::new_ext(&markdown, opts).collect());
    let typst_blocks: Vec<String> = blocks
        .iter()
        .map(|b| crate::typst_markup::block_to_typst(b, &crate::typst_markup::chart_file))
        .collect();
    for b in &blocks {
        if let Block::Chart(c) = b {
            charts.insert(c.id.clone(), c.svg.clone());
        }
    }

    let mut pages = Vec::new();
    let mut section: Option<String> = None;
    let mut topic: Option<String> = None;
    let mut current: Vec<Event> = Vec::new();
    let mut i = 0;
    let mut headlines: Vec<String> = Vec::new();
    let mut in_heading: Option<String> = None;
    let flush = |section: &Option<String>,
                 topic: &Option<String>,
                 current: &mut Vec<Event>,
                 headlines: &mut Vec<String>,
                 pages: &mut Vec<RawPage>,
                 footnotes: &mut usize| {
        if current.is_empty() && topic.is_none() {
            return;
        }
        let (typst, out) = compose(
            current,
            &blocks,
            &typst_blocks,
            if split_depth > 0 { 0 } else { 2 },
            &notes,
            footnotes,
        );
        current.clear();
        pages.push(RawPage {
            section: section.clone(),
            topic: topic.clone(),
            html: out,
            typst,
            headlines: std::mem::take(headlines),
        });
    };
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Heading { level, .. })
                if split_depth > 0 && matches!(level, HeadingLevel::H1 | HeadingLevel::H2) =>
            {
                let level = *level;
                let mut text = String::new();
                i += 1;
                while i < events.len() && !matches!(events[i], Event::End(TagEnd::Heading(_))) {
                    if let Event::Text(t) | Event::Code(t) = &events[i] {
                        text.push_str(t);
                    }
                    i += 1;
                }
                flush(
                    &section,
                    &topic,
                    &mut current,
                    &mut headlines,
                    &mut pages,
                    &mut ctx.footnotes,
                );
                if level == HeadingLevel::H1 {
                    section = Some(text);
                    topic = None;
                } else {
                    topic = Some(text);
                }
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                in_heading = Some(String::new());
                current.push(Event::Start(Tag::Heading {
                    level: shift(*level, split_depth),
                    id: id.clone(),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                headlines.extend(in_heading.take());
                current.push(Event::End(TagEnd::Heading(shift(*level, split_depth))));
            }
            e => {
                if let (Some(h), Event::Text(t) | Event::Code(t)) = (in_heading.as_mut(), e) {
                    h.push_str(t);
                }
                current.push(e.clone());
            }
        }
        i += 1;
    }
    flush(
        &section,
        &topic,
        &mut current,
        &mut headlines,
        &mut pages,
        &mut ctx.footnotes,
    );
    if pages.is_empty() {
        pages.push(RawPage {
            headlines: Vec::new(),
            section,
            topic,
            html: String::new(),
            typst: String::new(),
        });
    }
    for p in &mut pages {
        for (n, b) in blocks.iter().enumerate() {
            let marker = format!("<p>POKEVALBLOCK{n}</p>");
            if p.html.contains(&marker) {
                p.html = p.html.replace(&marker, &templates.render_block(b)?);
            }
        }
    }
    Ok(pages)
}

/// Page headers are h2, so headings on a page start at h3 ("###" stays h3 in
/// chapters; in stories "#" becomes h3).
fn shift(level: HeadingLevel, split_depth: u8) -> HeadingLevel {
    let n = level as usize + if split_depth > 0 { 0 } else { 2 };
    match n.max(3) {
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Replaces shortcodes: values by their text, blocks by a marker paragraph.
fn expand_shortcodes(
    file: &MarkdownFile,
    analysis: &Analysis,
    ctx: &mut Ctx,
) -> Result<(String, Vec<Block>)> {
    let re = shortcode_regex();
    let mut out = String::with_capacity(file.body.len());
    let mut blocks = Vec::new();
    for (i, line) in file.body.split_inclusive('\n').enumerate() {
        let line_no = file.first_line + i;
        let err = |error: ShortcodeError| Error::Shortcode {
            file: file.path.clone(),
            line: line_no,
            error,
        };
        if !line.contains("{{") {
            out.push_str(line);
            continue;
        }
        let trimmed = line.trim();
        if let Some(c) = re
            .captures(trimmed)
            .filter(|c| c[0].len() == trimmed.len() && !matches!(&c[1], "value" | "page"))
        {
            let sc = Shortcode {
                kind: c[1].to_string(),
                args: parse_args(&c[2]).map_err(err)?,
            };
            if sc.kind == "map" {
                let colour = match (sc.args.get("colour"), sc.args.len()) {
                    (None, 0) => crate::map::MapColour::Stories,
                    (Some(c), 1) => crate::map::MapColour::parse(c).ok_or_else(|| {
                        err(ShortcodeError::Unknown(format!(
                            "map(colour=\"{c}\"): unknown; use one of {}",
                            crate::map::MapColour::NAMES.join(", ")
                        )))
                    })?,
                    _ => {
                        return Err(err(ShortcodeError::Arguments(format!(
                            "map() takes one argument, colour (one of {})",
                            crate::map::MapColour::NAMES.join(", ")
                        ))))
                    }
                };
                let pins: Vec<crate::map::Pin> = ctx
                    .stories
                    .iter()
                    .map(|(code, name, id)| crate::map::Pin {
                        code,
                        name,
                        target: id,
                    })
                    .collect();
                let chart = crate::map::map(analysis, colour, &pins)
                    .map_err(|e| err(ShortcodeError::Chart(Box::new(e))))?;
                if colour == crate::map::MapColour::Stories {
                    ctx.story_maps += 1;
                }
                _ = write!(out, "\nPOKEVALBLOCK{}\n\n", blocks.len());
                let mut b = Block::Chart(chart);
                ctx.number(&mut b);
                blocks.push(b);
                // the links, as text that assistive technology and the PDF can follow
                let links: Vec<String> = ctx
                    .stories
                    .iter()
                    .map(|(_, name, id)| format!("[{name}](#{id})"))
                    .collect();
                if !links.is_empty() {
                    _ = write!(out, "Verhalen van gemeenten: {}.\n\n", links.join(", "));
                }
                continue;
            }
            let mut b = blocks::block(&sc, analysis).map_err(err)?;
            ctx.number(&mut b);
            _ = write!(out, "\nPOKEVALBLOCK{}\n\n", blocks.len());
            blocks.push(b);
            continue;
        }
        let mut last = 0;
        for c in re.captures_iter(line) {
            let m = c.get(0).expect("whole match");
            let sc = Shortcode {
                kind: c[1].to_string(),
                args: parse_args(&c[2]).map_err(err)?,
            };
            out.push_str(&line[last..m.start()]);
            if sc.kind == "page" {
                let id = sc
                    .args
                    .get("ref")
                    .filter(|_| sc.args.len() == 1)
                    .ok_or_else(|| {
                        err(ShortcodeError::Arguments(
                            "write a page reference as page(ref=\"<page id>\")".into(),
                        ))
                    })?;
                ctx.refs.push(PageRef {
                    id: id.clone(),
                    file: file.path.clone(),
                    line: line_no,
                });
                _ = write!(out, "POKEVALPAGE-{id}-POKEVALEND");
            } else {
                out.push_str(&blocks::value(&sc, analysis).map_err(err)?);
            }
            last = m.end();
        }
        let rest = &line[last..];
        if rest.contains("{{") {
            return Err(err(ShortcodeError::Unknown(format!(
                "'{}' is not a shortcode; write {{{{ kind(name=\"...\") }}}}",
                rest.trim()
            ))));
        }
        out.push_str(rest);
    }
    Ok((out, blocks))
}

/// A lower-case ASCII id from a title: "Besteding per actielijn" -> "besteding-per-actielijn".
pub fn slug(text: &str) -> String {
    let folded = pokeval_model::text::fold(text);
    let mut s = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

fn unique_id(used: &mut std::collections::BTreeSet<String>, base: &str) -> String {
    let mut id = base.to_string();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(id: &str) -> Block {
        Block::Chart(crate::charts::Chart {
            id: id.into(),
            title: "Figuur".into(),
            alt: "alt".into(),
            svg: "<svg viewBox=\"0 0 640 360\"></svg>".into(),
            ..Default::default()
        })
    }

    #[test]
    fn a_finding_with_its_figure_is_a_pair_and_keeps_its_footnote() {
        let md = "### Eerste bevinding\n\nTekst met een noot.[^1]\n\nPOKEVALBLOCK0\n\n### Tweede bevinding\n\nAlleen tekst.\n\n[^1]: De noot staat onderaan.\n";
        let (events, notes) = take_notes(Parser::new_ext(md, Options::ENABLE_FOOTNOTES).collect());
        let blocks = vec![chart("c")];
        let typst_blocks = vec!["#figure-c".to_string()];
        let mut n = 4;
        let (typst, html) = compose(&events, &blocks, &typst_blocks, 0, &notes, &mut n);
        // numbered on from the notes before this page, linked both ways
        assert_eq!(n, 5);
        assert!(html.contains("<a href=\"#voetnoot-5\" id=\"voetnoot-ref-5\">5</a>"));
        assert!(html.contains("<li id=\"voetnoot-5\" value=\"5\">De noot staat onderaan."));
        // the first finding: text left, its figure right, in reading order
        let pair = &html[html.find("<div class=\"pair\">").expect("a pair")..];
        let text_at = pair.find("Tekst met een noot").unwrap();
        let figure_at = pair.find("pair-figure").unwrap();
        assert!(text_at < figure_at && pair[figure_at..].contains("POKEVALBLOCK0"));
        assert_eq!(
            html.matches("<div class=\"pair\">").count(),
            1,
            "the second finding has no figure"
        );
        // the note is defined after the second finding, and still printed
        // with the reference in the first
        assert!(typst.starts_with("#grid("), "{typst}");
        let grid = &typst[..typst.find("])").unwrap()];
        assert!(
            grid.contains("#footnote[#\"De noot staat onderaan.\"]"),
            "{typst}"
        );
        // the chart in the figure column, as wide as the column
        assert!(
            grid.contains("image(\"/charts/c.svg\", width: 100%"),
            "{grid}"
        );
    }

    #[test]
    fn a_page_of_text_only_is_set_in_two_columns() {
        let md = "### Bevinding\n\nTekst.[^1]\n\n### Nog een\n\nMeer tekst.\n\n[^1]: Een noot.\n";
        let (events, notes) = take_notes(Parser::new_ext(md, Options::ENABLE_FOOTNOTES).collect());
        let (typst, html) = compose(&events, &[], &[], 0, &notes, &mut 0);
        // two balanced halves, one finding each, the first on the left
        assert!(typst.starts_with("#grid(columns: (1fr, 1fr)"), "{typst}");
        let (left, right) = typst.split_once("], [").unwrap();
        assert!(
            left.contains("Bevinding") && right.contains("Nog een"),
            "{typst}"
        );
        assert!(html.starts_with("<div class=\"text-columns\">\n<div>\n<h3>Bevinding"));
        // the footnotes follow the columns, not inside them
        let columns = &html[..html.find("<aside").unwrap()];
        assert!(columns.contains("Meer tekst") && !columns.contains("Een noot"));
        // more text than a page holds flows over the columns
        let long = format!("### Lang\n\n{}\n", "Een zin van tekst. ".repeat(400));
        let events: Vec<Event> = Parser::new(&long).collect();
        let (typst, html) = compose(&events, &[], &[], 0, &Notes::default(), &mut 0);
        assert!(typst.starts_with("#columns(2, gutter: 10mm)["), "{typst}");
        assert!(html.starts_with("<div class=\"text-flow\">"));
        // with a block the page keeps its pairs and full-width findings
        let md = "### Bevinding\n\nTekst.\n\nPOKEVALBLOCK0\n";
        let events: Vec<Event> = Parser::new(md).collect();
        let (typst, html) = compose(
            &events,
            &[chart("a")],
            &["#a".into()],
            0,
            &Notes::default(),
            &mut 0,
        );
        assert!(!typst.contains("#columns(") && !html.contains("text-columns"));
    }

    #[test]
    fn text_units_keep_a_heading_with_what_follows() {
        let md = "### Kop\n\nEen.\n\n- a\n- b\n\nTwee.\n";
        let events: Vec<Event> = Parser::new(md).collect();
        let units = text_units(&events);
        assert_eq!(units.len(), 3);
        assert!(matches!(
            events[units[0].start],
            Event::Start(Tag::Heading { .. })
        ));
        assert!(matches!(
            events[units[0].end - 1],
            Event::End(TagEnd::Paragraph)
        ));
        assert!(matches!(events[units[1].start], Event::Start(Tag::List(_))));
        assert_eq!(units[2].end, events.len());
    }

    #[test]
    fn more_than_two_blocks_keep_the_full_width() {
        let md = "### Drie figuren\n\nTekst.\n\nPOKEVALBLOCK0\n\nPOKEVALBLOCK1\n\nPOKEVALBLOCK2\n";
        let events: Vec<Event> = Parser::new(md).collect();
        let blocks = vec![chart("a"), chart("b"), chart("c")];
        let t: Vec<String> = ["#a", "#b", "#c"].map(String::from).to_vec();
        let (typst, html) = compose(&events, &blocks, &t, 0, &Notes::default(), &mut 0);
        assert!(!html.contains("class=\"pair\"") && !typst.contains("#grid("));
    }

    #[test]
    fn action_line_titles() {
        assert_eq!(
            action_lines_in_title("Actielijn 2: Robuuste rechtsbescherming"),
            vec![2]
        );
        assert_eq!(
            action_lines_in_title("Actielijn 4 & 5: Wijkteams en integraal werken"),
            vec![4, 5]
        );
        assert_eq!(action_lines_in_title("Actielijnen 4 en 5"), vec![4, 5]);
        assert!(action_lines_in_title("Besteding per actielijn").is_empty());
        assert!(action_lines_in_title("Actielijn 9").is_empty());
    }

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slug("'s-Hertogenbosch"), "s-hertogenbosch");
        assert_eq!(
            slug("Besteding per actielijn (1/2)"),
            "besteding-per-actielijn-1-2"
        );
    }
}
