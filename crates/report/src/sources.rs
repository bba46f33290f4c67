//! Report sources: `report.toml` and the Markdown chapters and story pages it
//! names, each with TOML front matter between `+++` lines (as in zola).
//!
//! ```toml
//! # report.toml
//! title = "Evaluatie besteding POK-middelen"
//! subtitle = "Eerste van een reeks van drie evaluaties"
//! bureau = "..."                  # who wrote the report (cover)
//! commissioned_by = "..."         # opdrachtgever (closing page)
//! team = ["...", "..."]
//! contact = "..."
//! date = 2024-06-01
//! notice = "..."                  # optional: shown on its own page after the cover
//!
//! [[chapter]]
//! file = "chapters/03-besteding.md"
//! stories = [
//!   "stories/enschede.md",   # story pages shown after this chapter ...
//!   # ... or after the last page of a `## Topic` of this chapter
//!   { file = "stories/zaanstad.md", after = "Actielijn 3: Kwetsbare wijken" },
//! ]
//!
//! # optional: pages the author writes for the appendix, after the
//! # appendix "Verantwoording" that pokeval writes
//! [[appendix]]
//! file = "chapters/05-bijlage-gemeentefonds.md"
//! ```
//!
//! An appendix file has `title` in its front matter; each `## Topic` starts a
//! page with the header "Bijlage | Topic" (text before the first `##` gets
//! "Bijlage | <title>"), as AEF's "Bijlage | Toelichting gemeentefonds".
//!
//! AEF places story pages between the action-line pages they illustrate;
//! `after` does that. Stories placed after the same topic keep their order
//! in the list; an `after` that names no topic of the chapter is an error
//! listing the topics there are.
//!
//! A chapter file has `title` in its front matter. In its body, `# Section`
//! starts a section (listed on the chapter's divider page), `## Topic` starts
//! a page with the header "Section | Topic", and `###` headings are the
//! finding headlines on a page. A story file has `gemeente` and `titel`.

use std::path::{Path, PathBuf};

use pokeval_model::front_matter::split_front_matter;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The name of the report configuration file.
pub const REPORT_FILE: &str = "report.toml";

/// `report.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// The report's title.
    pub title: String,
    /// Its subtitle.
    pub subtitle: String,
    /// The bureau that wrote it.
    pub bureau: String,
    /// Who commissioned it.
    pub commissioned_by: String,
    /// The team, one name per entry.
    #[serde(default)]
    pub team: Vec<String>,
    /// How to reach the team.
    pub contact: String,
    /// The report's date.
    pub date: toml::value::Datetime,
    /// A notice printed on the cover.
    #[serde(default)]
    pub notice: Option<String>,
    /// The chapters, in order.
    #[serde(rename = "chapter")]
    pub chapters: Vec<ChapterRef>,
    /// The author's appendix pages, in order.
    #[serde(default, rename = "appendix")]
    pub appendices: Vec<AppendixRef>,
}

/// An appendix entry in `report.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppendixRef {
    /// The appendix's Markdown file, relative to the report folder.
    pub file: PathBuf,
}

/// A chapter entry in `report.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterRef {
    /// The chapter's Markdown file, relative to the report folder.
    pub file: PathBuf,
    /// The story pages placed in this chapter.
    #[serde(default)]
    pub stories: Vec<StoryRef>,
}

/// A story entry of a chapter: a path, or a path with the topic after
/// which the story is placed.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "StoryEntry")]
pub struct StoryRef {
    /// The story's Markdown file, relative to the report folder.
    pub file: PathBuf,
    /// The `## Topic` of the chapter after whose last page the story
    /// comes; `None`: after the chapter's last page.
    pub after: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged, deny_unknown_fields)]
#[serde(
    expecting = "a story file (\"stories/x.md\") or { file = \"stories/x.md\", after = \"<## topic of this chapter>\" }"
)]
enum StoryEntry {
    File(PathBuf),
    Placed { file: PathBuf, after: String },
}

impl From<StoryEntry> for StoryRef {
    fn from(e: StoryEntry) -> StoryRef {
        match e {
            StoryEntry::File(file) => StoryRef { file, after: None },
            StoryEntry::Placed { file, after } => StoryRef {
                file,
                after: Some(after),
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChapterFront {
    title: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryFront {
    gemeente: String,
    titel: String,
}

/// A Markdown file with its front matter read.
#[derive(Debug, Clone)]
pub struct MarkdownFile {
    /// The file.
    pub path: PathBuf,
    /// Path relative to the report folder, for messages.
    pub display: String,
    /// The body after the front matter.
    pub body: String,
    /// Line number (1-based) of the body's first line in the file.
    pub first_line: usize,
}

/// A chapter source.
#[derive(Debug, Clone)]
pub struct ChapterSource {
    /// The chapter's title (from its front matter).
    pub title: String,
    /// The file.
    pub file: MarkdownFile,
    /// Its story pages.
    pub stories: Vec<StorySource>,
}

/// A story page source.
#[derive(Debug, Clone)]
pub struct StorySource {
    /// The municipality as the author wrote it.
    pub gemeente: String,
    /// Its CBS code, once settled by [`ReportSources::resolve_stories`].
    pub municipality: Option<String>,
    /// The story's one-line title (front matter `titel`).
    pub titel: String,
    /// The file.
    pub file: MarkdownFile,
    /// See [`StoryRef::after`].
    pub after: Option<String>,
}

/// Everything in a report folder.
#[derive(Debug, Clone)]
pub struct ReportSources {
    /// The report folder.
    pub dir: PathBuf,
    /// Its `report.toml`.
    pub config: ReportConfig,
    /// Its chapters, in order.
    pub chapters: Vec<ChapterSource>,
    /// The author's appendix files, in order (no stories).
    pub appendices: Vec<ChapterSource>,
}

impl ReportSources {
    /// Settles every story's `gemeente` to a CBS code with `resolve`,
    /// which names the story file and field when it cannot: the app passes
    /// the project's municipality resolver, so stories follow the one rule
    /// that notes, survey answers and vouchers follow.
    pub fn resolve_stories(
        &mut self,
        resolve: impl Fn(&Path, &str) -> pokeval_model::Result<String>,
    ) -> Result<()> {
        for story in self.chapters.iter_mut().flat_map(|c| c.stories.iter_mut()) {
            story.municipality = Some(resolve(&story.file.path, &story.gemeente)?);
        }
        Ok(())
    }

    /// Reads `report.toml` in `dir` and every file it names.
    pub fn load(dir: &Path) -> Result<ReportSources> {
        let path = dir.join(REPORT_FILE);
        if !path.is_file() {
            return Err(Error::source(&path, None, "report.toml not found; the project's `report` setting must name the folder with the report sources"));
        }
        let text = pokeval_model::text::read_text(&path)?;
        let config: ReportConfig =
            toml::from_str(&text).map_err(|e| toml_error(&path, &text, 0, &e))?;
        if config.chapters.is_empty() {
            return Err(Error::source(
                &path,
                None,
                "the report has no chapters; add at least one [[chapter]] with a file",
            ));
        }
        let mut chapters = Vec::new();
        for ch in &config.chapters {
            let (front, file): (ChapterFront, _) = read_markdown(dir, &ch.file)?;
            let mut stories = Vec::new();
            for s in &ch.stories {
                let (sf, file): (StoryFront, _) = read_markdown(dir, &s.file)?;
                stories.push(StorySource {
                    gemeente: sf.gemeente,
                    municipality: None,
                    titel: sf.titel,
                    file,
                    after: s.after.clone(),
                });
            }
            chapters.push(ChapterSource {
                title: front.title,
                file,
                stories,
            });
        }
        let mut appendices = Vec::new();
        for a in &config.appendices {
            let (front, file): (ChapterFront, _) = read_markdown(dir, &a.file)?;
            appendices.push(ChapterSource {
                title: front.title,
                file,
                stories: Vec::new(),
            });
        }
        Ok(ReportSources {
            dir: dir.to_path_buf(),
            config,
            chapters,
            appendices,
        })
    }
}

fn toml_error(path: &Path, text: &str, line_offset: usize, e: &toml::de::Error) -> Error {
    let line = e
        .span()
        .map(|r| text[..r.start.min(text.len())].matches('\n').count() + 1 + line_offset);
    Error::source(path, line, format!("invalid TOML: {}", e.message()))
}

fn read_markdown<T: serde::de::DeserializeOwned>(
    dir: &Path,
    rel: &Path,
) -> Result<(T, MarkdownFile)> {
    let path = dir.join(rel);
    if !path.is_file() {
        return Err(Error::source(
            &dir.join(REPORT_FILE),
            None,
            format!(
                "'{}' is named in report.toml but does not exist",
                rel.display()
            ),
        ));
    }
    let text = pokeval_model::text::read_text(&path)?;
    let (fm, body) = split_front_matter(&path, &text)?;
    // the front matter starts on line 2
    let front: T = toml::from_str(fm).map_err(|e| toml_error(&path, fm, 1, &e))?;
    let first_line = text[..text.len() - body.len()].matches('\n').count() + 1;
    Ok((
        front,
        MarkdownFile {
            display: pokeval_model::fsio::relative_display(dir, &path),
            path,
            body: body.to_string(),
            first_line,
        },
    ))
}
