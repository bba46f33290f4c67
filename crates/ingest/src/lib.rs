//! # pokeval-ingest
//!
//! The first stage of the pipeline: it reads raw evaluation inputs and turns
//! them into normalised records that the later stages use.
//!
//! **Owns:** the shared domain model ([`model`]: municipality, wave, action
//! line, route, source, span, segment), the project file ([`project`]), the
//! municipality register ([`register`]) and the resolution of typed names
//! to CBS codes with aliases, mergers and fuzzy matching ([`resolve`]),
//! survey exports of every platform, survey definitions and instruments
//! ([`survey`], and `pokeval ingest` in [`survey::job`]), interview notes
//! ([`notes`]) and the funds and vouchers tables ([`funds`]). Everything a reader does not accept is either an
//! [`Error`] naming the file, line and field, or a [`Reject`] with a reason:
//! nothing is dropped silently.
//!
//! **Does not:** know about codes, codings, statistics or pages. Those belong
//! to `pokeval-analysis` and `pokeval-report`, which depend on this crate,
//! never the reverse.
//!
//! ```no_run
//! let project = pokeval_ingest::project::Project::load("reports/2024".as_ref())?;
//! let inputs = pokeval_ingest::ingest(&project, &pokeval_model::NoProgress)?;
//! println!("{} sources", inputs.sources.len());
//! # Ok::<(), pokeval_model::Error>(())
//! ```

#![forbid(unsafe_code)]

pub mod boundaries;
pub mod documents;
pub mod funds;
pub mod fuzzing;
pub mod manual;
pub mod notes;
pub mod privacy;
pub mod privacy_corpus;
pub mod project;
pub mod refi;
pub mod workbench;

use funds::{ClusterShare, FundsTable, Population, Voucher};
pub use pokeval_model::{Error, Result};
use pokeval_model::{InputSummary, Progress, Register, Reject, Source};
use pokeval_survey::{Instrument, Responses};
use project::Project;

/// One survey export as read, with its instrument. Its open answers are
/// pseudonymised in the table and are also codable sources in
/// [`Inputs::sources`].
#[derive(Debug, Clone)]
pub struct Survey {
    /// Its instrument.
    pub instrument: Instrument,
    /// Its accepted responses and rejects.
    pub data: Responses,
}

/// Everything a project's inputs gave.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The municipality register of the wave.
    pub register: Register,
    /// Municipality outlines for the map, when the project names a file.
    pub boundaries: boundaries::Boundaries,
    /// Every survey export, read.
    pub surveys: Vec<Survey>,
    /// All codable sources: interview notes first, then open survey answers.
    pub sources: Vec<Source>,
    /// The funds table.
    pub funds: FundsTable,
    /// The vouchers, with their municipalities settled.
    pub vouchers: Vec<Voucher>,
    /// Manual codings as read; the analysis checks codes and sources.
    pub manual: Vec<manual::ManualRecord>,
    /// Every manual codings file, in the project's order, with the number
    /// of its items that were not carried (already in `rejects`).
    pub manual_files: Vec<manual::ManualFile>,
    /// Decisions on rule codings from the coding workbench (accepted
    /// ones are also in `manual`, as the reviewer's codings).
    pub reviews: Vec<workbench::Review>,
    /// The country's municipalities per size class and province, for response rates.
    pub population: Option<Population>,
    /// The pseudonyms handed out (pseudonym, original) and where the mapping
    /// goes; empty when pseudonymisation is off or found nothing.
    pub pseudonyms: Vec<(String, String)>,
    /// Where the pseudonym mapping is written.
    pub pseudonym_mapping: std::path::PathBuf,
    /// The coding unit and the gold coder from the project's `[coding]`.
    pub coding_unit: project::CodingUnit,
    /// The coder whose codings are the standard for rule quality, if any.
    pub gold: Option<String>,
    /// Cluster shares per municipality and the year they apply to.
    pub allocation: Option<(u16, Vec<ClusterShare>)>,
    /// What each input gave: read, accepted, rejected.
    pub summary: Vec<InputSummary>,
    /// Every rejected record, with file, line and reason.
    pub rejects: Vec<Reject>,
    /// Municipality texts that were fuzzy-matched or could not be placed.
    pub municipality_review: Vec<pokeval_model::ReviewItem>,
    /// The project's mergers and mapping files as read for the inputs, for
    /// every later resolver of the build (`Resolver::with_loaded`).
    pub resolver_files: pokeval_model::ResolverFiles,
}

/// Reads every input a project names.
pub fn ingest(project: &Project, progress: &dyn Progress) -> Result<Inputs> {
    let cfg = &project.config;
    let disp = |p: &std::path::Path| project.display_path(p);
    let mut summary = Vec::new();
    let mut rejects = Vec::new();

    progress.step("reading the municipality register");
    let register = Register::load(&cfg.register.path)?;
    summary.push(InputSummary::new(
        "gemeenten (register)",
        disp(&cfg.register.path),
        register.len(),
        0,
    ));

    progress.step("reading municipality boundaries");
    let boundaries = match &cfg.register.boundaries {
        Some(b) => boundaries::load(b, cfg.register.boundaries_source.as_deref())?,
        None => boundaries::embedded(cfg.wave.year()),
    };

    // One resolver for every municipality name the inputs give (notes,
    // survey answers, vouchers): one rule, one review list.
    let resolver = pokeval_model::Resolver::with_files(
        &register,
        cfg.wave.year(),
        cfg.register.mergers.as_deref(),
        cfg.register.mapping.as_deref(),
    )?;
    let mut sources = Vec::new();
    if let Some(notes) = &cfg.notes {
        progress.step("reading interview notes");
        let options = notes::NotesOptions {
            include: notes.include.clone(),
            exclude: notes.exclude.clone(),
        };
        let read = notes::read_notes(&notes.path, cfg.wave, &resolver, &disp, &options, progress)?;
        summary.push(InputSummary::new(
            "interviews",
            disp(&notes.path),
            read.len(),
            0,
        ));
        sources.extend(read);
    }

    let mut surveys = Vec::new();
    for s in &cfg.survey {
        progress.step(&format!("reading survey export {}", disp(&s.path)));
        let job = project.survey_job(s);
        let (data, instrument) = job.read(Some(&resolver), cfg.wave, progress)?;
        let instrument = instrument.ok_or_else(|| Error::NotFound {
            path: s.path.clone(),
            what: "a project's survey needs an instrument".into(),
        })?;
        summary.push(InputSummary::new(
            "enquête (respondenten)",
            disp(&s.path),
            data.rows_read,
            data.rejects.len(),
        ));
        rejects.extend(data.rejects.iter().cloned());
        surveys.push(Survey { instrument, data });
    }

    progress.step("reading the funds table");
    let funds = FundsTable::load(&cfg.funds.path)?;
    summary.push(InputSummary::new(
        "middelen per actielijn",
        disp(&cfg.funds.path),
        funds.rows.len(),
        0,
    ));

    let mut vouchers = Vec::new();
    if let Some(v) = &cfg.vouchers {
        progress.step("reading the vouchers list");
        let (read, rej) = funds::load_vouchers(&v.path, &resolver)?;
        let rej: Vec<Reject> = rej
            .into_iter()
            .map(|r| Reject {
                file: disp(&v.path),
                ..r
            })
            .collect();
        summary.push(InputSummary::new(
            "POK-vouchers",
            disp(&v.path),
            read.len() + rej.len(),
            rej.len(),
        ));
        rejects.extend(rej);
        vouchers = read;
    }

    let municipality_review = resolver.review();
    let resolver_files = resolver.files();
    drop(resolver);

    // Pseudonymise every text before anything else sees it (on by
    // default): each note and each open answer once. Open answers are
    // rewritten in the response table and then become sources, so the
    // table, the sources and every output carry the same pseudonyms.
    let mut pseudonyms = Vec::new();
    if cfg.privacy.pseudonymise {
        progress.step("pseudonymising notes and open answers");
        let (notes, answers) = {
            let mut texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
            let mut per_survey = Vec::with_capacity(surveys.len());
            for survey in &surveys {
                let open = survey.data.open_texts(&survey.instrument)?;
                per_survey.push(open.len());
                texts.extend(open);
            }
            let (mut out, mapping) = privacy::pseudonymise(&cfg.privacy.names, &texts, progress);
            pseudonyms = mapping;
            let answers: Vec<Vec<Option<String>>> = per_survey
                .iter()
                .rev()
                .map(|&n| out.split_off(out.len() - n))
                .collect();
            (out, answers)
        };
        for (s, new) in sources.iter_mut().zip(notes) {
            if let Some(t) = new {
                s.text = t;
            }
        }
        for (survey, new) in surveys.iter_mut().zip(answers.into_iter().rev()) {
            survey.data.set_open_texts(&survey.instrument, new)?;
        }
    }
    if !surveys.is_empty() {
        progress.step("taking the open answers as sources");
    }
    for survey in &surveys {
        survey
            .data
            .push_open_sources(&survey.instrument, &mut sources)?;
    }

    let population = match &cfg.population {
        Some(p) => {
            progress.step("reading the population table");
            Some(funds::load_population(&p.path)?)
        }
        None => None,
    };
    let allocation = match &cfg.allocation {
        Some(a) => {
            progress.step("reading the cluster shares");
            let (shares, rej) = funds::load_allocation(&a.path, &register)?;
            let rej: Vec<Reject> = rej
                .into_iter()
                .map(|r| Reject {
                    file: disp(&a.path),
                    ..r
                })
                .collect();
            summary.push(InputSummary::new(
                "aandelen clusters",
                disp(&a.path),
                shares.len() + rej.len(),
                rej.len(),
            ));
            rejects.extend(rej);
            Some((a.year, shares))
        }
        None => None,
    };

    let mut manual = Vec::new();
    let mut manual_files = Vec::new();
    for path in &cfg.coding.manual {
        progress.step(&format!("reading manual codings {}", disp(path)));
        let (records, rej) = manual::load(path, &disp(path))?;
        let unchecked = records
            .iter()
            .filter(|r| r.expected_text.is_none() && matches!(r.anchor, manual::Anchor::Segment(_)))
            .count();
        if unchecked > 0 {
            progress.warn(&format!(
                "{}: {unchecked} codings name a segment number without the coded text; if a note is edited or the coding unit changes, the number points at other text and the coding cannot be checked. Add a text column with the coded text (or its first words)",
                disp(path)
            ));
        }
        manual.extend(records);
        manual_files.push(manual::ManualFile {
            file: disp(path),
            not_carried: rej.len(),
        });
        rejects.extend(rej);
    }

    let reviews = if cfg.coding.workbench.is_file() {
        let path = &cfg.coding.workbench;
        progress.step(&format!("reading the coding workbench {}", disp(path)));
        let wb = workbench::Workbench::load(path)?;
        manual.extend(wb.records(&disp(path)));
        manual_files.push(manual::ManualFile {
            file: disp(path),
            not_carried: 0,
        });
        wb.reviews
    } else {
        Vec::new()
    };

    Ok(Inputs {
        register,
        boundaries,
        surveys,
        sources,
        funds,
        vouchers,
        manual,
        manual_files,
        reviews,
        population,
        allocation,
        pseudonyms,
        pseudonym_mapping: cfg.privacy.mapping.clone(),
        coding_unit: cfg.coding.unit,
        gold: cfg.coding.gold.clone(),
        summary,
        rejects,
        municipality_review,
        resolver_files,
    })
}
