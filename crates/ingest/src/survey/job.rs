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

use super::{
    read_structure, read_survey, sibling_structure, write_table, Instrument, Layout, ReadOptions,
    SurveyData, TableFormat,
};
use crate::error::{Error, Result};
use crate::model::Wave;
use crate::register::Register;
use crate::resolve::{write_review, Resolver, ReviewItem};
use crate::Progress;

/// One export to read.
#[derive(Debug, Clone)]
pub struct SurveyJob {
    pub path: PathBuf,
    /// How the file is named in messages and output names.
    pub display: String,
    pub options: ReadOptions,
    /// Structure file and how it is named in messages; `None` uses a
    /// LimeSurvey R syntax file beside the export.
    pub structure: Option<(PathBuf, String)>,
    /// Without an instrument, the platform's own view ([`super::raw_long`]).
    pub instrument: Option<PathBuf>,
}

/// What to read and where to write.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    pub jobs: Vec<SurveyJob>,
    pub wave: Wave,
    pub register: Option<PathBuf>,
    pub mergers: Option<PathBuf>,
    pub mapping: Option<PathBuf>,
    pub out: PathBuf,
    pub formats: Vec<TableFormat>,
    /// Pseudonymise open answers (with these extra names) before writing;
    /// `None` writes them as they are.
    pub pseudonymise: Option<Vec<String>>,
}

/// What one export gave.
#[derive(Debug, Clone)]
pub struct IngestedSurvey {
    pub file: String,
    pub layout: Layout,
    pub encoding: String,
    pub rows_read: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub answers: usize,
    pub written: Vec<PathBuf>,
}

/// The outcome of [`ingest_surveys`].
#[derive(Debug, Clone)]
pub struct IngestOutcome {
    pub surveys: Vec<IngestedSurvey>,
    pub review: Vec<ReviewItem>,
    pub written: Vec<PathBuf>,
}

impl SurveyJob {
    /// The job for one `[[survey]]` of a project.
    pub fn from_input(
        project: &crate::project::Project,
        s: &crate::project::SurveyInput,
    ) -> SurveyJob {
        SurveyJob {
            path: s.path.clone(),
            display: project.display_path(&s.path),
            options: ReadOptions {
                platform: s.platform,
                encoding: s.encoding,
                sheet: s.sheet.clone(),
                include_tests: s.include_tests,
            },
            structure: s
                .structure
                .as_ref()
                .map(|p| (p.clone(), project.display_path(p))),
            instrument: Some(s.instrument.clone()),
        }
    }

    /// Reads the export with its structure (given, or the R syntax file
    /// beside it) and applies the instrument, which must be for `wave`.
    pub fn read(
        &self,
        resolver: Option<&Resolver>,
        wave: Wave,
        progress: &dyn crate::Progress,
    ) -> Result<(SurveyData, Option<Instrument>)> {
        let instrument = self
            .instrument
            .as_deref()
            .map(Instrument::load)
            .transpose()?;
        if let (Some(ins), Some(path)) = (&instrument, &self.instrument) {
            if ins.wave != wave {
                return Err(Error::invalid(
                    path,
                    format!(
                        "the instrument is for wave {} but wave {wave} is being read (the project's wave, or --wave)",
                        ins.wave
                    ),
                ));
            }
        }
        let structure = self.structure.clone().or_else(|| {
            let p = sibling_structure(&self.path)?;
            let name = p.file_name()?.to_str()?.to_string();
            let display = Path::new(&self.display).with_file_name(name);
            Some((p, display.display().to_string()))
        });
        let structure = structure
            .map(|(p, display)| read_structure(&p, &display))
            .transpose()?;
        let data = read_survey(
            &self.path,
            &self.display,
            &self.options,
            structure.as_ref(),
            instrument.as_ref(),
            resolver,
            wave,
            progress,
        )?;
        Ok((data, instrument))
    }
}

fn stem(display: &str) -> String {
    Path::new(display)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("enquete")
        .to_string()
}

/// Reads every export, then writes the tables.
pub fn ingest_surveys(req: &IngestRequest, progress: &dyn Progress) -> Result<IngestOutcome> {
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
    let mut read: Vec<(SurveyData, Option<Instrument>)> = Vec::new();
    for job in &req.jobs {
        let size = std::fs::metadata(&job.path).map(|m| m.len()).unwrap_or(0);
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
        let mut p = crate::privacy::Pseudonymiser::with_names(names);
        for (data, instrument) in &mut read {
            if let Some(ins) = instrument {
                super::map_open_text(data, ins, |t| p.apply(t))?;
            }
        }
    }
    let review = resolver.as_ref().map(|r| r.review()).unwrap_or_default();
    drop(resolver);

    progress.step("writing the tables");
    std::fs::create_dir_all(&req.out).map_err(|e| Error::Write {
        path: req.out.clone(),
        source: e,
    })?;
    let mut outcome = IngestOutcome {
        surveys: Vec::new(),
        review: review.clone(),
        written: Vec::new(),
    };
    let mut used_names = std::collections::HashSet::new();
    for (data, _) in &read {
        let mut name = stem(&data.file);
        let mut n = 2;
        while !used_names.insert(name.clone()) {
            name = format!("{}_{n}", stem(&data.file));
            n += 1;
        }
        let mut written = Vec::new();
        let mut long = data.long.clone();
        let mut wide = data.wide()?;
        for f in &req.formats {
            let ext = match f {
                TableFormat::Csv => "csv",
                TableFormat::Parquet => "parquet",
            };
            let p = req.out.join(format!("{name}_lang.{ext}"));
            write_table(&mut long, &p, *f)?;
            written.push(p);
            let p = req.out.join(format!("{name}_breed.{ext}"));
            write_table(&mut wide, &p, *f)?;
            written.push(p);
        }
        let p = req.out.join(format!("{name}_afgewezen.csv"));
        write_rejects(&p, data)?;
        written.push(p);
        outcome.written.extend(written.iter().cloned());
        outcome.surveys.push(IngestedSurvey {
            file: data.file.clone(),
            layout: data.layout,
            encoding: data.encoding.clone(),
            rows_read: data.rows_read,
            accepted: data.accepted(),
            rejected: data.rejects.len(),
            answers: data.long.height(),
            written,
        });
    }
    if !review.is_empty() {
        let p = req.out.join("gemeenten_review.csv");
        write_review(&p, &review)?;
        outcome.written.push(p);
    }
    Ok(outcome)
}

fn write_rejects(path: &Path, data: &SurveyData) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::invalid(path, e.to_string());
    w.write_record(["bestand", "regel", "reden"]).map_err(err)?;
    for r in &data.rejects {
        w.write_record([r.file.as_str(), &r.line.to_string(), &r.reason])
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::invalid(path, e.to_string()))?;
    crate::fsio::write_atomic(path, &bytes)
}

/// The request for every survey a project names.
pub fn project_request(
    project: &crate::project::Project,
    out: Option<PathBuf>,
    formats: Vec<TableFormat>,
) -> IngestRequest {
    let cfg = &project.config;
    IngestRequest {
        jobs: cfg
            .survey
            .iter()
            .map(|s| SurveyJob::from_input(project, s))
            .collect(),
        wave: cfg.wave,
        register: Some(cfg.register.path.clone()),
        mergers: cfg.register.mergers.clone(),
        mapping: cfg.register.mapping.clone(),
        out: out.unwrap_or_else(|| cfg.output.join("enquete")),
        formats,
        pseudonymise: cfg.privacy.pseudonymise.then(|| cfg.privacy.names.clone()),
    }
}
