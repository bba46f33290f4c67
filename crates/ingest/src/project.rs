//! The evaluation project: one TOML file (`evaluatie.toml`) that says which
//! wave is evaluated, where the inputs are and where the report goes.
//!
//! Paths in the file are relative to the file's folder. [`Project::load`]
//! resolves them to absolute paths, and checks that every named input exists,
//! so a typo fails before any work is done.

use pokeval_survey::job::SurveyJob;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use pokeval_model::error::{Error, Result};
use pokeval_model::fsio::{normalise, relative_display};
use pokeval_model::Wave;

/// The name of the project file in a project folder.
pub const PROJECT_FILE: &str = "evaluatie.toml";

/// The project file as written by the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// A name for the project, shown in messages.
    pub name: String,
    /// The wave the project evaluates.
    pub wave: Wave,
    /// Output folder for the report and the analysis JSON.
    #[serde(default = "default_output")]
    pub output: PathBuf,
    /// Codebook TOML; the built-in default codebook when absent.
    #[serde(default)]
    pub codebook: Option<PathBuf>,
    /// Folder with `report.toml`, chapters and story pages.
    #[serde(default = "default_report")]
    pub report: PathBuf,
    /// The municipality register and the files that settle names.
    pub register: RegisterInput,
    /// The survey exports, each with its instrument.
    #[serde(default)]
    pub survey: Vec<SurveyInput>,
    /// The folder of interview notes and documents.
    #[serde(default)]
    pub notes: Option<NotesInput>,
    /// The funds table.
    pub funds: TableInput,
    /// The voucher list, if the project has one.
    #[serde(default)]
    pub vouchers: Option<TableInput>,
    /// How texts are coded.
    #[serde(default)]
    pub coding: CodingConfig,
    /// Pseudonymisation of the texts.
    #[serde(default)]
    pub privacy: PrivacyConfig,
    /// Number of municipalities per size class and province in the country,
    /// to compare the response and the vouchers with.
    #[serde(default)]
    pub population: Option<TableInput>,
    /// Each municipality's share of the AU clusters, for money per municipality.
    #[serde(default)]
    pub allocation: Option<AllocationInput>,
    /// The earlier waves this wave is compared with (`[comparison]`, or
    /// `[vergelijking]` as the issue of the evaluation calls it).
    #[serde(default, alias = "vergelijking")]
    pub comparison: Option<ComparisonInput>,
}

/// The earlier waves of a multi-wave evaluation: their project folders
/// (or project files), in any order. Building this wave reads and codes
/// their inputs too and compares them with this wave. Where an earlier
/// wave's inputs are not at hand, name the `analyse.json` its build wrote
/// instead: its wave summary is read (with a format check).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonInput {
    /// The project folders (or files) of the earlier waves to compare with.
    #[serde(alias = "eerdere")]
    pub earlier: Vec<PathBuf>,
}

/// The cluster-share table and the year to compute money per municipality for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    /// The table of cluster shares per municipality.
    pub path: PathBuf,
    /// The year the shares apply to.
    pub year: u16,
}

/// The unit texts are coded in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodingUnit {
    /// Paragraphs of notes and documents; each open answer whole.
    #[default]
    Paragraph,
    /// Speaker turns of transcripts; paragraphs of other notes; answers whole.
    Turn,
    /// Sentences of notes, documents and open answers.
    Sentence,
}

/// How texts are coded: the unit, manual codings and the gold standard.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodingConfig {
    /// The unit a coding applies to.
    #[serde(default)]
    pub unit: CodingUnit,
    /// CSV files with manual codings (source, start, end or segment, code, coder).
    #[serde(default)]
    pub manual: Vec<PathBuf>,
    /// The coder whose manual codings are the gold standard the rules are
    /// judged against.
    #[serde(default)]
    pub gold: Option<String>,
    /// The coding workbench's file (`pokeval code`), read by every build
    /// as manual codings when it exists; `werkbank.jsonl` beside the
    /// project file unless named (see [`crate::workbench`]).
    #[serde(default = "default_workbench")]
    pub workbench: PathBuf,
}

fn default_workbench() -> PathBuf {
    PathBuf::from(crate::workbench::DEFAULT_FILE)
}

fn default_output() -> PathBuf {
    PathBuf::from("out")
}

fn default_report() -> PathBuf {
    PathBuf::from(".")
}

/// The municipality register and, optionally, a boundaries file for maps.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    /// The register CSV (CBS codes, names, aliases, inhabitants); the built-in register
    /// of the wave's year when empty.
    pub path: PathBuf,
    /// Municipality outlines for the maps (GeoJSON, WGS84). Absent: the
    /// CBS boundaries embedded in pokeval, of the wave's year
    /// ([`crate::boundaries::embedded`]).
    #[serde(default)]
    pub boundaries: Option<PathBuf>,
    /// Where a project's own boundaries come from, printed under each map
    /// (for example "Bron: CBS / Kadaster, via PDOK"). Absent, the map
    /// names the file (its name, not its path) as the source.
    #[serde(default)]
    pub boundaries_source: Option<String>,
    /// Mergers (CBS herindelingen layout): former municipalities resolve to
    /// their successor.
    #[serde(default)]
    pub mergers: Option<PathBuf>,
    /// Settled municipality texts (`invoer,gemeentecode`), from the review
    /// list `gemeenten_review.csv` that a build writes.
    #[serde(default)]
    pub mapping: Option<PathBuf>,
}

pub use pokeval_survey::{EncodingChoice, Platform};

/// One survey export and the instrument that describes its questions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    /// The export file.
    pub path: PathBuf,
    /// Detected from the file when left out; `generic` for other sources.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// The instrument TOML: its questions and which export column holds which.
    pub instrument: PathBuf,
    /// A survey definition (.qsf, .lss, LimeSurvey .tsv, queXML, R syntax)
    /// that labels coded answers.
    #[serde(default)]
    pub structure: Option<PathBuf>,
    /// How to decode a text export.
    #[serde(default)]
    pub encoding: EncodingChoice,
    /// Worksheet of an .xlsx export (default: the first).
    #[serde(default)]
    pub sheet: Option<String>,
    /// Keep Qualtrics test responses (Status 2); off by default.
    #[serde(default)]
    pub include_tests: bool,
}

/// A folder of interview notes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotesInput {
    /// The folder of notes.
    pub path: PathBuf,
    /// Glob patterns (relative to the folder) of files to read; default:
    /// every .md, .txt, .docx, .odt and .pdf file.
    #[serde(default)]
    pub include: Vec<String>,
    /// Glob patterns of files to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Pseudonymisation of notes and open answers before anything else sees them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// On by default; switch off only for texts without personal data.
    #[serde(default = "yes")]
    pub pseudonymise: bool,
    /// Person names to replace wherever they occur.
    #[serde(default)]
    pub names: Vec<String>,
    /// Where the pseudonym mapping is written (never into the output folder).
    #[serde(default = "default_mapping")]
    pub mapping: PathBuf,
}

fn yes() -> bool {
    true
}

fn default_mapping() -> PathBuf {
    PathBuf::from(".pokeval/pseudoniemen.csv")
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            pseudonymise: true,
            names: Vec::new(),
            mapping: default_mapping(),
        }
    }
}

/// A single table file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableInput {
    /// The CSV file.
    pub path: PathBuf,
}

/// A loaded project: the file's content with every path made absolute.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project file itself.
    pub file: PathBuf,
    /// The folder that holds the project file; paths are relative to it.
    pub root: PathBuf,
    /// The project file as read, with paths made absolute.
    pub config: ProjectFile,
}

impl Project {
    /// Loads a project from a project file or from a folder holding
    /// `evaluatie.toml`, and checks that every input it names exists.
    pub fn load(path: &Path) -> Result<Project> {
        let file = if path.is_dir() {
            path.join(PROJECT_FILE)
        } else {
            path.to_path_buf()
        };
        if !file.exists() {
            return Err(Error::NotFound {
                path: file,
                what: format!(
                    "project file not found; pass a folder holding {PROJECT_FILE} or the file itself, or create one with `pokeval init`"
                ),
            });
        }
        let text = pokeval_model::text::read_text(&file)?;
        let mut config: ProjectFile =
            toml::from_str(&text).map_err(|e| Error::toml(&file, &text, &e))?;
        let root = file
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        let abs = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                // leave out "." components: "reports/2024/chapters", not "reports/2024/./chapters"
                let rel: PathBuf = p
                    .components()
                    .filter(|c| !matches!(c, std::path::Component::CurDir))
                    .collect();
                root.join(rel)
            }
        };
        let mut missing = Vec::new();
        let mut check = |field: &str, p: &Path, want_dir: bool| {
            let ok = if want_dir { p.is_dir() } else { p.is_file() };
            if !ok {
                let what = if want_dir { "folder" } else { "file" };
                missing.push(format!("{field} = {} ({what} not found)", p.display()));
            }
        };
        config.output = abs(&config.output);
        config.report = abs(&config.report);
        check("report", &config.report, true);
        if let Some(cb) = &config.codebook {
            let cb = abs(cb);
            check("codebook", &cb, false);
            config.codebook = Some(cb);
        }
        config.register.path = abs(&config.register.path);
        check("register.path", &config.register.path, false);
        if let Some(b) = &config.register.boundaries {
            let b = abs(b);
            check("register.boundaries", &b, false);
            config.register.boundaries = Some(b);
        }
        if let Some(b) = &config.register.mergers {
            let b = abs(b);
            check("register.mergers", &b, false);
            config.register.mergers = Some(b);
        }
        if let Some(b) = &config.register.mapping {
            let b = abs(b);
            check("register.mapping", &b, false);
            config.register.mapping = Some(b);
        }
        for (i, s) in config.survey.iter_mut().enumerate() {
            s.path = abs(&s.path);
            s.instrument = abs(&s.instrument);
            check(&format!("survey[{i}].path"), &s.path, false);
            check(&format!("survey[{i}].instrument"), &s.instrument, false);
            if let Some(st) = &s.structure {
                let st = abs(st);
                check(&format!("survey[{i}].structure"), &st, false);
                s.structure = Some(st);
            }
        }
        if let Some(n) = &mut config.notes {
            n.path = abs(&n.path);
            check("notes.path", &n.path, true);
        }
        config.funds.path = abs(&config.funds.path);
        check("funds.path", &config.funds.path, false);
        config.coding.workbench = abs(&config.coding.workbench);
        for (i, m) in config.coding.manual.iter_mut().enumerate() {
            *m = abs(m);
            check(&format!("coding.manual[{i}]"), m, false);
        }
        if let Some(p) = &mut config.population {
            p.path = abs(&p.path);
            check("population.path", &p.path, false);
        }
        if let Some(a) = &mut config.allocation {
            a.path = abs(&a.path);
            check("allocation.path", &a.path, false);
        }
        if let Some(v) = &mut config.vouchers {
            v.path = abs(&v.path);
            check("vouchers.path", &v.path, false);
        }
        if let Some(c) = &mut config.comparison {
            for (i, p) in c.earlier.iter_mut().enumerate() {
                *p = abs(p);
                let file = if p.is_dir() {
                    p.join(PROJECT_FILE)
                } else {
                    p.clone()
                };
                check(&format!("comparison.earlier[{i}]"), &file, false);
            }
        }
        if !missing.is_empty() {
            return Err(Error::NotFound {
                path: file,
                what: format!(
                    "inputs not found (paths are relative to the project file):\n  {}",
                    missing.join("\n  ")
                ),
            });
        }
        config.privacy.mapping = abs(&config.privacy.mapping);
        let project = Project { file, root, config };
        project
            .check_output(&project.config.output)
            .map_err(|e| match e {
                Error::OutputFolder { reason, .. } => Error::Setting {
                    path: project.file.clone(),
                    key: format!("output = {}", project.config.output.display()),
                    message: reason,
                },
                other => other,
            })?;
        Ok(project)
    }

    /// Checks that `out` can take this project's output: it must not be
    /// the project folder or one that contains it, must not hold a
    /// `.pokeval` folder, and must not contain the pseudonym mapping, so
    /// that nothing shared ever sits beside the mapping or the inputs.
    pub fn check_output(&self, out: &Path) -> Result<()> {
        let out_n = normalise(out);
        let refuse = |reason: String| {
            Err(Error::OutputFolder {
                path: out.to_path_buf(),
                reason,
            })
        };
        if normalise(&self.root).starts_with(&out_n) {
            return refuse(format!(
                "is the project folder {} or contains it; write the report to a folder of its own, such as out",
                self.root.display()
            ));
        }
        if out_n.join(".pokeval").exists() {
            return refuse(
                "holds a .pokeval folder (pseudonym mappings); write the report to a folder of its own"
                    .to_string(),
            );
        }
        if normalise(&self.config.privacy.mapping).starts_with(&out_n) {
            return refuse(format!(
                "contains the pseudonym mapping {} (privacy.mapping); keep the mapping out of anything shared",
                self.config.privacy.mapping.display()
            ));
        }
        Ok(())
    }

    /// The read job for one `[[survey]]` of this project.
    pub fn survey_job(&self, s: &SurveyInput) -> SurveyJob {
        SurveyJob {
            path: s.path.clone(),
            display: self.display_path(&s.path),
            options: pokeval_survey::ReadOptions {
                platform: s.platform,
                encoding: s.encoding,
                sheet: s.sheet.clone(),
                include_tests: s.include_tests,
            },
            structure: s
                .structure
                .as_ref()
                .map(|p| (p.clone(), self.display_path(p))),
            instrument: Some(s.instrument.clone()),
        }
    }

    /// A path shown relative to the project folder where possible, for
    /// messages and metadata that must not depend on where the project lives.
    pub fn display_path(&self, p: &Path) -> String {
        relative_display(&self.root, p)
    }
}
