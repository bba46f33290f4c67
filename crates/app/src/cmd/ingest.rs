//! `pokeval ingest`: read survey exports and write the harmonised tables.
//!
//! For each export: `<name>_lang.csv|parquet` (the long table),
//! `<name>_breed.csv|parquet` (one row per respondent) and
//! `<name>_afgewezen.csv` (every record not accepted, with its line and
//! reason; only the header when there are none). With municipality
//! resolution, `gemeenten_review.csv` lists the texts that were matched
//! fuzzily or could not be placed. Everything is read and checked before
//! the first file is written, and each file is written atomically.

use std::path::{Path, PathBuf};

use pokeval_ingest::project::Project;
use pokeval_model::resolve::review_csv;
use pokeval_model::{Error, Progress, Register, Resolver, Result, ReviewItem, Wave};
use pokeval_survey::job::SurveyJob;
use pokeval_survey::{table_bytes, Instrument, Layout, Responses, TableFormat};

use crate::output::write_all;

/// What to read and where to write.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// The exports to read.
    pub jobs: Vec<SurveyJob>,
    /// The wave they belong to.
    pub wave: Wave,
    /// The register CSV; the built-in register of the wave's year when `None`.
    pub register: Option<PathBuf>,
    /// A mergers CSV that follows former municipalities to their successors.
    pub mergers: Option<PathBuf>,
    /// A mapping CSV that settles names the register does not know.
    pub mapping: Option<PathBuf>,
    /// The folder to write the tables to.
    pub out: PathBuf,
    /// The table formats to write.
    pub formats: Vec<TableFormat>,
    /// Pseudonymise open answers (with these extra names) before writing;
    /// `None` writes them as they are.
    pub pseudonymise: Option<Vec<String>>,
}

/// What one export gave.
#[derive(Debug, Clone)]
pub struct IngestedSurvey {
    /// The export, as named in messages.
    pub file: String,
    /// The layout it was detected as.
    pub layout: Layout,
    /// The encoding it was decoded from.
    pub encoding: String,
    /// Records read.
    pub rows_read: usize,
    /// Records accepted.
    pub accepted: usize,
    /// Records rejected.
    pub rejected: usize,
    /// Answers in the long table.
    pub answers: usize,
    /// The files written for it.
    pub written: Vec<PathBuf>,
}

/// The outcome of [`ingest_surveys`].
#[derive(Debug, Clone)]
pub struct IngestOutcome {
    /// Each export read.
    pub surveys: Vec<IngestedSurvey>,
    /// Municipality names matched fuzzily or not placed, for the review list.
    pub review: Vec<ReviewItem>,
    /// Every file written.
    pub written: Vec<PathBuf>,
}

fn stem(display: &str) -> String {
    Path::new(display)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("enquete")
        .to_string()
}

/// The name each export's tables start with: its file stem, with `_2`,
/// `_3`, ... for a stem met before.
fn table_stems<'a>(files: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut used = std::collections::HashSet::new();
    files
        .map(|file| {
            let mut name = stem(file);
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{}_{n}", stem(file));
                n += 1;
            }
            name
        })
        .collect()
}

/// Reads every export, then writes the tables. Nothing is written unless
/// every export was read; a failure names the tables of an earlier run
/// that stay in the output folder.
pub fn ingest_surveys(
    req: &IngestRequest,
    progress: &dyn Progress,
) -> crate::error::Result<IngestOutcome> {
    let mut outputs = Vec::new();
    for name in table_stems(req.jobs.iter().map(|j| j.display.as_str())) {
        for f in &req.formats {
            let ext = match f {
                TableFormat::Csv => "csv",
                TableFormat::Parquet => "parquet",
            };
            outputs.push(req.out.join(format!("{name}_lang.{ext}")));
            outputs.push(req.out.join(format!("{name}_breed.{ext}")));
        }
        outputs.push(req.out.join(format!("{name}_afgewezen.csv")));
    }
    outputs.push(req.out.join("gemeenten_review.csv"));
    ingest_into(req, progress)
        .map_err(|e| crate::output::with_stale_note(e.into(), &req.out, &outputs))
}

fn ingest_into(req: &IngestRequest, progress: &dyn Progress) -> Result<IngestOutcome> {
    let register = match &req.register {
        Some(p) => {
            progress.step("reading the municipality register");
            Some(Register::load(p)?)
        }
        None => None,
    };
    let resolver = register
        .as_ref()
        .map(|r| {
            Resolver::with_files(
                r,
                req.wave.year(),
                req.mergers.as_deref(),
                req.mapping.as_deref(),
            )
        })
        .transpose()?;
    let mut read: Vec<(Responses, Option<Instrument>)> = Vec::new();
    for job in &req.jobs {
        let size = std::fs::metadata(&job.path).map_or(0, |m| m.len());
        progress.step(&format!(
            "reading {} ({:.1} MB)",
            job.display,
            size as f64 / 1_000_000.0
        ));
        let (data, instrument) = job.read(resolver.as_ref(), req.wave, progress)?;
        progress.step(&format!(
            "{}: {} records read = {} accepted + {} rejected",
            job.display,
            data.rows_read,
            data.accepted(),
            data.rejects.len()
        ));
        read.push((data, instrument));
    }
    if let Some(names) = &req.pseudonymise {
        progress.step("pseudonymising open answers");
        let (out, _) = {
            let mut texts: Vec<&str> = Vec::new();
            for (data, instrument) in &read {
                if let Some(ins) = instrument {
                    texts.extend(data.open_texts(ins)?);
                }
            }
            pokeval_ingest::privacy::pseudonymise(names, &texts, progress)
        };
        // hand each export its own texts back, in the same order
        let mut rest = out.into_iter();
        for (data, instrument) in &mut read {
            if let Some(ins) = instrument {
                let n = data.open_texts(ins)?.len();
                let own: Vec<Option<String>> = rest.by_ref().take(n).collect();
                data.set_open_texts(ins, own)?;
            }
        }
    }
    let review = resolver
        .as_ref()
        .map(pokeval_model::Resolver::review)
        .unwrap_or_default();
    drop(resolver);

    // Every table is built in memory before the first file is written.
    progress.step("writing the tables");
    let mut outcome = IngestOutcome {
        surveys: Vec::new(),
        review: review.clone(),
        written: Vec::new(),
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let names = table_stems(read.iter().map(|(data, _)| data.file.as_str()));
    for ((data, _), name) in read.iter().zip(names) {
        let mut written = Vec::new();
        let wide = data.wide()?;
        for f in &req.formats {
            let ext = match f {
                TableFormat::Csv => "csv",
                TableFormat::Parquet => "parquet",
            };
            let p = req.out.join(format!("{name}_lang.{ext}"));
            files.push((p.clone(), table_bytes(data.table(), *f, &p)?));
            written.push(p);
            let p = req.out.join(format!("{name}_breed.{ext}"));
            files.push((p.clone(), table_bytes(&wide, *f, &p)?));
            written.push(p);
        }
        let p = req.out.join(format!("{name}_afgewezen.csv"));
        files.push((p.clone(), rejects_csv(&p, data)?));
        written.push(p);
        outcome.written.extend(written.iter().cloned());
        outcome.surveys.push(IngestedSurvey {
            file: data.file.clone(),
            layout: data.layout,
            encoding: data.encoding.clone(),
            rows_read: data.rows_read,
            accepted: data.accepted(),
            rejected: data.rejects.len(),
            answers: data.answers(),
            written,
        });
    }
    if !review.is_empty() {
        let p = req.out.join("gemeenten_review.csv");
        files.push((p.clone(), review_csv(&review, &p)?));
        outcome.written.push(p);
    }
    write_all(&files)?;
    Ok(outcome)
}

fn rejects_csv(path: &Path, data: &Responses) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::write(path, e.into());
    w.write_record(["bestand", "regel", "reden"]).map_err(err)?;
    for r in &data.rejects {
        w.write_record([r.file.as_str(), &r.line.to_string(), &r.reason])
            .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::write(path, e.into_error()))
}

/// The request for every survey a project names.
pub fn project_request(
    project: &Project,
    out: Option<PathBuf>,
    formats: Vec<TableFormat>,
) -> IngestRequest {
    let cfg = &project.config;
    IngestRequest {
        jobs: cfg.survey.iter().map(|s| project.survey_job(s)).collect(),
        wave: cfg.wave,
        register: Some(cfg.register.path.clone()),
        mergers: cfg.register.mergers.clone(),
        mapping: cfg.register.mapping.clone(),
        out: out.unwrap_or_else(|| cfg.output.join("enquete")),
        formats,
        pseudonymise: cfg.privacy.pseudonymise.then(|| cfg.privacy.names.clone()),
    }
}

/// Whether `input` names a project (a folder or its `evaluatie.toml`)
/// rather than one export file.
pub fn is_project(input: &Path) -> bool {
    input.is_dir()
        || input.file_name().and_then(|n| n.to_str()) == Some(pokeval_ingest::project::PROJECT_FILE)
}

/// One export file read on its own, with what the command line gave.
#[derive(Debug, Clone)]
pub struct FileInput {
    /// The export file.
    pub path: PathBuf,
    /// How to read it.
    pub options: pokeval_survey::ReadOptions,
    /// A structure file that labels codes (`.qsf`, `.lss`, ...).
    pub structure: Option<PathBuf>,
    /// The instrument; without one, the platform's own view.
    pub instrument: Option<PathBuf>,
    /// The wave it belongs to.
    pub wave: u16,
    /// The register CSV, if not the built-in one.
    pub register: Option<PathBuf>,
    /// A mergers CSV.
    pub mergers: Option<PathBuf>,
    /// A mapping CSV.
    pub mapping: Option<PathBuf>,
}

/// The request for one export file (default output folder `enquete`).
/// Open answers are written as they are: pseudonymisation needs a
/// project's `[privacy]` settings.
pub fn file_request(
    input: FileInput,
    out: Option<PathBuf>,
    formats: Vec<TableFormat>,
) -> Result<IngestRequest> {
    let wave = Wave::new(input.wave).map_err(|message| Error::Field {
        file: input.path.clone(),
        line: None,
        field: "--wave".to_string(),
        message: message.to_string(),
    })?;
    Ok(IngestRequest {
        jobs: vec![SurveyJob {
            display: input.path.display().to_string(),
            path: input.path,
            options: input.options,
            structure: input.structure.map(|p| {
                let display = p.display().to_string();
                (p, display)
            }),
            instrument: input.instrument,
        }],
        wave,
        register: input.register,
        mergers: input.mergers,
        mapping: input.mapping,
        out: out.unwrap_or_else(|| PathBuf::from("enquete")),
        formats,
        pseudonymise: None,
    })
}
