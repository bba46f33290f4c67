//! The document model: the report as pages, independent of the back-end.
//!
//! [`build_document`] turns report sources and an [`Analysis`] into a
//! [`Document`]. A page's body is typed: [`Part`]s (two text columns, a
//! finding beside its figures, full width) of [`Node`]s (the Markdown
//! parser's events for headings, paragraphs, emphasis, links, lists and
//! quotes; data blocks; page references; footnote references). Numbering
//! (tables, figures, footnotes) and cross-references are settled here, once;
//! the HTML back-end ([`crate::html`], tera) and the PDF back-end
//! ([`crate::pdf`], Typst) are two renderers of the same value, and
//! building it needs neither.

use pokeval_analysis::Analysis;
use pokeval_model::Municipality;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::blocks::{self, parse_args, shortcode_regex, Block, Shortcode};
use crate::error::ShortcodeError;
use crate::error::{Error, Result};
use crate::format::format_date;
use crate::sources::{MarkdownFile, ReportSources};
use std::fmt::Write as _;

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
    /// The author's appendix pages ("Bijlage | Toelichting gemeentefonds"),
    /// after the "Verantwoording".
    pub appendix_pages: Vec<Page>,
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
    /// Sets the page numbers to the pages the PDF put each target on
    /// (`pages`: target id to page, from [`crate::pdf::render`]), so that
    /// the HTML's page references and page feet print the PDF's numbers. A
    /// target the PDF does not have keeps its counted number.
    pub fn use_pdf_pages(&mut self, pages: &std::collections::BTreeMap<String, usize>) {
        for (id, counted) in &mut self.page_numbers {
            if let Some(&real) = pages.get(id) {
                *counted = real;
            }
        }
    }
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
    /// For action-line pages: the action lines it is about.
    pub action_lines: Vec<u8>,
    /// The page's body, in reading order.
    #[serde(skip)]
    pub body: Vec<Part>,
    /// The footnotes referenced on the page, in the order of their
    /// numbers.
    #[serde(skip)]
    pub notes: Vec<Footnote>,
    /// What the PDF adds to the level of the Markdown headings in the body
    /// (2 on story pages, whose headings sit below the story's title).
    #[serde(skip)]
    pub heading_offset: usize,
}

/// A part of a page's body, as AEF composes a landscape page.
#[derive(Debug, Clone)]
pub enum Part {
    /// Text only, short enough for one page: two balanced columns, the
    /// left one read first.
    TextColumns {
        /// The left column.
        left: Vec<Node>,
        /// The right column.
        right: Vec<Node>,
    },
    /// Text only, longer than a page: down the left column, then the
    /// right, then on to the next page.
    TextFlow(Vec<Node>),
    /// A finding beside its tables and figures: the text column, then the
    /// figure column.
    Pair {
        /// The finding's heading and text.
        text: Vec<Node>,
        /// Its one or two blocks, each fitting the figure column.
        figures: Vec<Block>,
    },
    /// Full width: a finding with no block, or with blocks too wide or too
    /// many for the figure column.
    Full(Vec<Node>),
}

/// One element of a page's content.
#[derive(Debug, Clone)]
pub enum Node {
    /// Text and its structure, as the Markdown parser gives it: headings,
    /// paragraphs, emphasis, links, lists, block quotes, Markdown tables.
    Markdown(Event<'static>),
    /// A data block (table, chart, quotes) where its shortcode stood.
    Block(Block),
    /// A reference to a page by its id ("pagina N"); each back-end prints
    /// the number: the HTML from [`Document::page_numbers`], the PDF the
    /// page Typst lays the target out on.
    PageRef(String),
    /// A footnote reference, by its number (see [`Footnote`]).
    Note(usize),
}

/// A footnote: its number, counted in document order over the whole
/// report (the same in both outputs), and its text. A note may be defined
/// anywhere in the file that references it.
#[derive(Debug, Clone)]
pub struct Footnote {
    /// Its number.
    pub number: usize,
    /// Its text, as parsed Markdown.
    pub text: Vec<Event<'static>>,
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
    let analysis = env.analysis;
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
    let (mut body, mut notes) = (Vec::new(), Vec::new());
    for p in render_markdown(&story.file, analysis, 0, charts, ctx)? {
        body.extend(p.body);
        notes.extend(p.notes);
    }
    Ok(Page {
        id: unique_id(used_ids, &format!("verhaal-{}", slug(&m.name))),
        kind: PageKind::Story,
        header: format!("Verhalen van gemeenten | {}", m.name),
        title: Some(story.titel.clone()),
        size_label: Some(m.size_class.label().to_string()),
        municipality: Some(m),
        action_lines: Vec::new(),
        body,
        notes,
        heading_offset: 2,
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
pub fn build_document(src: &ReportSources, analysis: &Analysis) -> Result<Document> {
    let by_code: std::collections::BTreeMap<&str, &Municipality> = analysis
        .municipalities
        .iter()
        .map(|m| (m.code.as_str(), m))
        .collect();
    let env = StoryEnv {
        analysis,
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
        let mut raw_pages = render_markdown(&ch.file, analysis, 1, &mut charts, &mut ctx)?;
        check_story_places(ch, &raw_pages, &src.dir)?;
        let mut sections: Vec<SectionRef> = Vec::new();
        let mut pages = Vec::new();
        for pi in 0..raw_pages.len() {
            // the body moves into the page; the rest stays for the pages after
            let body = std::mem::take(&mut raw_pages[pi].body);
            let notes = std::mem::take(&mut raw_pages[pi].notes);
            let p = &raw_pages[pi];
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
                action_lines: lines,
                body,
                notes,
                heading_offset: 0,
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
    let mut appendix_pages = Vec::new();
    for a in &src.appendices {
        let raw = render_markdown(&a.file, analysis, 1, &mut charts, &mut ctx)?;
        let topics: Vec<String> = raw
            .iter()
            .map(|p| p.topic.clone().unwrap_or_else(|| a.title.clone()))
            .collect();
        for (i, p) in raw.into_iter().enumerate() {
            let topic = &topics[i];
            let same = topics.iter().filter(|t| *t == topic).count();
            let mut header = format!("Bijlage | {topic}");
            if same > 1 {
                let k = topics[..=i].iter().filter(|t| *t == topic).count();
                header = format!("{header} ({k}/{same})");
            }
            appendix_pages.push(Page {
                id: unique_id(&mut used_ids, &format!("bijlage-{}", slug(topic))),
                kind: PageKind::Content,
                header,
                municipality: None,
                size_label: None,
                title: None,
                action_lines: Vec::new(),
                body: p.body,
                notes: p.notes,
                heading_offset: 0,
            });
        }
    }
    let page_numbers = resolve_page_refs(
        &chapters,
        &appendix_pages,
        src.config.notice.is_some(),
        &ctx.refs,
    )?;
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
        appendix_pages,
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
/// chapter its divider and pages, the appendix "Verantwoording", the
/// author's appendix pages and the closing page), and checks that every
/// page reference names a page.
fn resolve_page_refs(
    chapters: &[Chapter],
    appendix_pages: &[Page],
    notice: bool,
    refs: &[PageRef],
) -> Result<std::collections::BTreeMap<String, usize>> {
    let mut numbers: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut n = if notice { 3 } else { 2 };
    for ch in chapters {
        numbers.insert(ch.id.clone(), n);
        n += 1;
        for p in &ch.pages {
            numbers.insert(p.id.clone(), n);
            n += 1;
        }
    }
    numbers.insert("bijlage".into(), n);
    for p in appendix_pages {
        n += 1;
        numbers.insert(p.id.clone(), n);
    }
    numbers.insert("meer-weten".into(), n + 1);
    for r in refs {
        if !numbers.contains_key(&r.id) {
            let known: Vec<&str> = numbers
                .keys()
                .filter(|k| {
                    k.starts_with("verhaal-")
                        || k.starts_with("bijlage")
                        || k.starts_with('h') && k.matches('-').count() < 3
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
    Ok(numbers)
}

/// A page before numbering.
struct RawPage {
    section: Option<String>,
    topic: Option<String>,
    body: Vec<Part>,
    notes: Vec<Footnote>,
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

/// Whether a block fits the figure column beside a text column: any
/// chart; a table of at most four columns whose cells are short, or of at
/// most six whose columns are narrow (the widest cell of each column, a
/// header by its longest word as headers wrap, at most
/// [`NARROW_TABLE`] characters together). Quotes and wide tables stay in
/// the full width.
fn fits_column(b: &Block) -> bool {
    match b {
        Block::Chart(_) => true,
        Block::Table(t) => {
            let rows = || t.rows.iter().chain(&t.footer);
            let short = rows().flatten().all(|c| c.chars().count() <= 40);
            let widths: usize = (0..t.headers.len())
                .map(|i| {
                    let header = t.headers[i]
                        .split_whitespace()
                        .map(|w| w.chars().count())
                        .max()
                        .unwrap_or(0);
                    rows()
                        .filter_map(|r| r.get(i))
                        .map(|c| c.chars().count())
                        .max()
                        .unwrap_or(0)
                        .max(header)
                })
                .sum();
            short && (t.headers.len() <= 4 || t.headers.len() <= 6 && widths <= NARROW_TABLE)
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

/// The most characters the widest cells of a table's columns may take
/// together for a table of five or six columns to sit in the figure column
/// (about 145 mm at the table's size).
const NARROW_TABLE: usize = 72;

/// The block a paragraph stands for, when it is only a block marker.
fn marker(events: &[Event]) -> Option<usize> {
    match events {
        [Event::Start(Tag::Paragraph), Event::Text(t), Event::End(TagEnd::Paragraph)] => {
            t.trim().strip_prefix("POKEVALBLOCK")?.parse().ok()
        }
        _ => None,
    }
}

/// The block a marker paragraph stands for (any depth).
fn marker_block<'b>(events: &[Event], blocks: &'b [Block]) -> Option<&'b Block> {
    blocks.get(marker(events)?)
}

/// The text before a page reference's marker, the page id and the text
/// after it, when `text` holds one.
fn split_page_ref(text: &str) -> Option<(&str, &str, &str)> {
    let at = text.find("POKEVALPAGE-")?;
    let rest = &text[at + "POKEVALPAGE-".len()..];
    let end = rest.find("-POKEVALEND")?;
    Some((
        &text[..at],
        &rest[..end],
        &rest[end + "-POKEVALEND".len()..],
    ))
}

/// Turns events into the document's nodes: block markers into their
/// blocks, page-reference markers into [`Node::PageRef`], footnote
/// references into numbered [`Node::Note`]s (their texts collected in
/// `page_notes`, numbered on from `footnotes`).
fn to_nodes(
    events: &[Event],
    blocks: &[Block],
    notes: &Notes,
    footnotes: &mut usize,
    page_notes: &mut Vec<Footnote>,
) -> Vec<Node> {
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        if let Some(b) = events.get(i..i + 3).and_then(|w| marker_block(w, blocks)) {
            out.push(Node::Block(b.clone()));
            i += 3;
            continue;
        }
        match &events[i] {
            Event::FootnoteReference(name) => {
                *footnotes += 1;
                page_notes.push(Footnote {
                    number: *footnotes,
                    text: notes
                        .by_name
                        .get(name.as_ref())
                        .map(|t| t.iter().cloned().map(Event::into_static).collect())
                        .unwrap_or_default(),
                });
                out.push(Node::Note(*footnotes));
            }
            Event::Text(t) if t.contains("POKEVALPAGE-") => {
                let mut rest: &str = t;
                while let Some((before, id, after)) = split_page_ref(rest) {
                    if !before.is_empty() {
                        out.push(Node::Markdown(Event::Text(before.to_string().into())));
                    }
                    out.push(Node::PageRef(id.to_string()));
                    rest = after;
                }
                if !rest.is_empty() {
                    out.push(Node::Markdown(Event::Text(rest.to_string().into())));
                }
            }
            e => out.push(Node::Markdown(e.clone().into_static())),
        }
        i += 1;
    }
    out
}

/// Lays out one page's events as AEF does: each finding (a heading with
/// what follows it up to the next heading) with one or two blocks that all
/// fit a column becomes a [`Part::Pair`], its text on the left and its
/// tables and figures on the right; other findings keep the full width. A
/// page of text only is set in two columns. Reading order is kept: the
/// text of a finding comes before its figures in both outputs.
///
/// Footnotes: `notes` holds the definitions of the whole file, so a
/// reference prints its note wherever the note is defined. References are
/// numbered in document order from `footnotes` on; the page's notes are
/// returned beside its parts.
fn compose(
    events: &[Event],
    blocks: &[Block],
    notes: &Notes,
    footnotes: &mut usize,
) -> (Vec<Part>, Vec<Footnote>) {
    let mut page_notes: Vec<Footnote> = Vec::new();
    let mut nodes = |evs: &[Event]| to_nodes(evs, blocks, notes, footnotes, &mut page_notes);
    let mut parts = Vec::new();
    // a page of text only reads in two columns, as AEF sets its
    // conclusions and stories, instead of lines of ~190 characters
    let text_only = !events.windows(3).any(|w| marker(w).is_some());
    if text_only {
        let units = text_units(events);
        let lens: Vec<usize> = units.iter().map(|r| text_len(&events[r.clone()])).collect();
        let total: usize = lens.iter().sum();
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
            let (l, r) = events.split_at(units[split.1].start);
            let left = nodes(l);
            let right = nodes(r);
            parts.push(Part::TextColumns { left, right });
        } else {
            parts.push(Part::TextFlow(nodes(events)));
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
                parts.push(Part::Pair {
                    text: nodes(&text),
                    figures: found
                        .iter()
                        .filter_map(|&n| blocks.get(n).cloned())
                        .collect(),
                });
            } else {
                parts.push(Part::Full(nodes(group)));
            }
        }
    }
    (parts, page_notes)
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
    // a paragraph that announces a list ("... is concreet:") stays with it,
    // so that the columns never part the two
    let mut joined: Vec<std::ops::Range<usize>> = Vec::with_capacity(units.len());
    for u in units {
        if let Some(last) = joined.last_mut() {
            let announces = events[last.clone()]
                .iter()
                .rev()
                .find_map(|e| match e {
                    Event::Text(t) => Some(t.trim_end().ends_with(':')),
                    _ => None,
                })
                .unwrap_or(false);
            if announces && matches!(events[u.start], Event::Start(Tag::List(_))) {
                last.end = u.end;
                continue;
            }
        }
        joined.push(u);
    }
    joined
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

/// A Markdown file's footnote definitions, by name.
#[derive(Default)]
struct Notes<'a> {
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
        let (body, page_notes) = compose(current, &blocks, &notes, footnotes);
        current.clear();
        pages.push(RawPage {
            section: section.clone(),
            topic: topic.clone(),
            body,
            notes: page_notes,
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
            body: Vec::new(),
            notes: Vec::new(),
        });
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

    /// A content page with `body` and `notes`.
    fn content_page(body: Vec<Part>, notes: Vec<Footnote>) -> Page {
        Page {
            id: "p".into(),
            kind: PageKind::Content,
            header: String::new(),
            municipality: None,
            size_label: None,
            title: None,
            action_lines: Vec::new(),
            body,
            notes,
            heading_offset: 0,
        }
    }

    /// Composes a page from `events` and renders it with both back-ends:
    /// (Typst, HTML); a block's HTML is `<figure id="<chart id>">`.
    fn compose_both(
        events: &[Event],
        blocks: &[Block],
        notes: &Notes,
        footnotes: &mut usize,
    ) -> (String, String) {
        let (body, notes) = compose(events, blocks, notes, footnotes);
        let page = content_page(body, notes);
        let block = |b: &Block| match b {
            Block::Chart(c) => Ok(format!("<figure id=\"{}\"></figure>", c.id)),
            _ => Ok("<div></div>".to_string()),
        };
        let html = crate::html::body_html(&page, &block, &Default::default())
            .unwrap_or_else(|e| panic!("{e}"));
        (crate::typst_markup::body_typst(&page), html)
    }

    #[test]
    fn a_finding_with_its_figure_is_a_pair_and_keeps_its_footnote() {
        let md = "### Eerste bevinding\n\nTekst met een noot.[^1]\n\nPOKEVALBLOCK0\n\n### Tweede bevinding\n\nAlleen tekst.\n\n[^1]: De noot staat onderaan.\n";
        let (events, notes) = take_notes(Parser::new_ext(md, Options::ENABLE_FOOTNOTES).collect());
        let blocks = vec![chart("c")];
        let mut n = 4;
        let (typst, html) = compose_both(&events, &blocks, &notes, &mut n);
        // numbered on from the notes before this page, linked both ways
        assert_eq!(n, 5);
        assert!(html.contains("<a href=\"#voetnoot-5\" id=\"voetnoot-ref-5\">5</a>"));
        assert!(html.contains("<li id=\"voetnoot-5\" value=\"5\">De noot staat onderaan."));
        // the first finding: text left, its figure right, in reading order
        let pair = &html[html.find("<div class=\"pair\">").expect("a pair")..];
        let text_at = pair.find("Tekst met een noot").unwrap();
        let figure_at = pair.find("pair-figure").unwrap();
        assert!(text_at < figure_at && pair[figure_at..].contains("<figure id=\"c\">"));
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
        let (typst, html) = compose_both(&events, &[], &notes, &mut 0);
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
        let (typst, html) = compose_both(&events, &[], &Notes::default(), &mut 0);
        assert!(typst.starts_with("#columns(2, gutter: 10mm)["), "{typst}");
        assert!(html.starts_with("<div class=\"text-flow\">"));
        // with a block the page keeps its pairs and full-width findings
        let md = "### Bevinding\n\nTekst.\n\nPOKEVALBLOCK0\n";
        let events: Vec<Event> = Parser::new(md).collect();
        let (typst, html) = compose_both(&events, &[chart("a")], &Notes::default(), &mut 0);
        assert!(!typst.contains("#columns(") && !html.contains("text-columns"));
    }

    #[test]
    fn page_references_and_notes_are_nodes_both_back_ends_resolve() {
        // the markers expand_shortcodes leaves become typed nodes
        let md = "### Kop\n\nZie POKEVALPAGE-verhaal-zwolle-POKEVALEND en POKEVALPAGE-h2-x-POKEVALEND.[^n]\n\n[^n]: Noot.\n";
        let (events, notes) = take_notes(Parser::new_ext(md, Options::ENABLE_FOOTNOTES).collect());
        let mut n = 0;
        let mut page_notes = Vec::new();
        let nodes = to_nodes(&events, &[], &notes, &mut n, &mut page_notes);
        let refs: Vec<&str> = nodes
            .iter()
            .filter_map(|x| match x {
                Node::PageRef(id) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(refs, ["verhaal-zwolle", "h2-x"]);
        assert!(nodes.iter().any(|x| matches!(x, Node::Note(1))));
        assert_eq!(page_notes.len(), 1);
        // HTML: the number the document holds, linking to the target;
        // PDF: a link to the same target, numbered where Typst puts it
        let (body, notes) = compose(&events, &[], &notes, &mut 0);
        let page = content_page(body, notes);
        let numbers: std::collections::BTreeMap<String, usize> =
            [("verhaal-zwolle".to_string(), 7), ("h2-x".to_string(), 3)].into();
        let html = crate::html::body_html(&page, &|_| Ok(String::new()), &numbers).unwrap();
        assert!(
            html.contains("Zie <a class=\"page-ref\" href=\"#verhaal-zwolle\">pagina 7</a> en <a class=\"page-ref\" href=\"#h2-x\">pagina 3</a>.<sup"),
            "{html}"
        );
        let typst = crate::typst_markup::body_typst(&page);
        assert!(
            typst.contains("#\"Zie \"#link(<verhaal-zwolle>)[pagina #context counter(page).at(<verhaal-zwolle>).first()]#\" en \"#link(<h2-x>)"),
            "{typst}"
        );
        assert!(typst.contains("#footnote[#\"Noot.\"]"), "{typst}");
        assert!(!html.contains("POKEVALPAGE") && !typst.contains("POKEVALPAGE"));
    }

    #[test]
    fn each_pages_footnote_list_is_labelled_by_its_numbers() {
        // two pages with notes are two landmarks: their labels must differ
        let label = |md: &str, before: usize| {
            let (events, notes) =
                take_notes(Parser::new_ext(md, Options::ENABLE_FOOTNOTES).collect());
            let (body, notes) = compose(&events, &[], &notes, &mut { before });
            let page = content_page(body, notes);
            let html =
                crate::html::body_html(&page, &|_| Ok(String::new()), &Default::default()).unwrap();
            let open = "<aside class=\"footnotes\" aria-label=\"";
            let start = html.find(open).unwrap() + open.len();
            html[start..start + html[start..].find('"').unwrap()].to_string()
        };
        assert_eq!(label("Een.[^a]\n\n[^a]: A.\n", 0), "Voetnoot 1");
        assert_eq!(
            label("Een.[^a] Twee.[^b]\n\n[^a]: A.\n[^b]: B.\n", 2),
            "Voetnoten 3 en 4"
        );
        assert_eq!(
            label(
                "Een.[^a] Twee.[^b] Drie.[^c]\n\n[^a]: A.\n[^b]: B.\n[^c]: C.\n",
                4
            ),
            "Voetnoten 5 tot en met 7"
        );
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
        // a paragraph announcing a list is one unit with it
        let md = "Een.\n\nWat zij meenemen is concreet:\n\n- a\n- b\n\nTwee.\n";
        let events: Vec<Event> = Parser::new(md).collect();
        let units = text_units(&events);
        assert_eq!(units.len(), 3);
        assert!(matches!(
            events[units[1].start],
            Event::Start(Tag::Paragraph)
        ));
        assert!(matches!(
            events[units[1].end - 1],
            Event::End(TagEnd::List(_))
        ));
    }

    #[test]
    fn more_than_two_blocks_keep_the_full_width() {
        let md = "### Drie figuren\n\nTekst.\n\nPOKEVALBLOCK0\n\nPOKEVALBLOCK1\n\nPOKEVALBLOCK2\n";
        let events: Vec<Event> = Parser::new(md).collect();
        let blocks = vec![chart("a"), chart("b"), chart("c")];
        let (typst, html) = compose_both(&events, &blocks, &Notes::default(), &mut 0);
        assert!(!html.contains("class=\"pair\"") && !typst.contains("#grid("));
        // each block where its shortcode stood, in both outputs
        for id in ["a", "b", "c"] {
            assert!(html.contains(&format!("<figure id=\"{id}\">")), "{html}");
            assert!(typst.contains(&format!("/charts/{id}.svg")), "{typst}");
        }
        assert!(!html.contains("POKEVALBLOCK") && !typst.contains("POKEVALBLOCK"));
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
