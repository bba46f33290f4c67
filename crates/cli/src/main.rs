//! `pokeval`: the command-line interface.
//!
//! This crate parses arguments, shows progress and prints results and
//! errors. It holds no logic: every command calls one function of the
//! application layer (`pokeval_app::cmd::{build, export, preview, ingest,
//! init}`).

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: polars, rayon's workers and
/// the main thread each allocate, and glibc keeps memory freed on one
/// thread from the others (a 100,000-respondent build peaked at 1.3x the
/// memory it had in use). Measured by the scale benchmark.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator option pokeval runs with: memory freed is given back to
/// the system at once instead of after a delay (mimalloc's default is
/// 10 ms in v2). A build frees large buffers step after step (the parsed
/// export, the coding chunks, the tables' working sets); held for the
/// delay, they added to the peak. Measured on the scale benchmark's
/// 100,000-respondent project (2 December 2026): peak 693-748 MB with the
/// default (7 builds), 615-636 MB with 0 (13 builds). It costs time where
/// much memory is freed and taken again: at 100,000 respondents a build
/// took 4.1-5.5 s against 3.7-4.0 s, at a million 40-46 s against 34 s.
/// The memory target is the harder one; see the README's scale section.
///
/// mimalloc reads its options from the environment when the process
/// starts, before `main`; setting them from Rust needs an `unsafe` call
/// into C. So `main` starts the program once more in its own place
/// (`exec`, the same process id, arguments and streams) with the option
/// set, unless the variable is set already (a user's own value is kept).
/// Where that is not possible (not Unix, or the executable cannot be
/// found) pokeval runs on with mimalloc's defaults.
const ALLOCATOR_OPTION: (&str, &str) = ("MIMALLOC_PURGE_DELAY", "0");

fn with_allocator_option() {
    #[cfg(unix)]
    if std::env::var_os(ALLOCATOR_OPTION.0).is_none() {
        use std::os::unix::process::CommandExt;
        let mut args = std::env::args_os();
        let arg0 = args.next();
        if let Ok(exe) = std::env::current_exe() {
            let mut cmd = std::process::Command::new(exe);
            if let Some(arg0) = arg0 {
                cmd.arg0(arg0);
            }
            // returns only when the program could not be started again
            let _failed = cmd
                .args(args)
                .env(ALLOCATOR_OPTION.0, ALLOCATOR_OPTION.1)
                .exec();
        }
    }
}
use indicatif::{ProgressBar, ProgressStyle};
use pokeval_app::cmd;
use pokeval_model::Progress;

/// From raw evaluation inputs to the POK-middelen evaluation report.
///
/// A project is a folder with an `evaluatie.toml` that names the wave, the
/// inputs (survey exports, interview notes, funds and vouchers tables, the
/// municipality register), the codebook and the report sources.
#[derive(Parser)]
#[command(name = "pokeval", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the report: ingest -> code -> analyse -> render.
    ///
    /// Writes rapport.html (the report, one self-contained file),
    /// rapport.pdf (the same report, typeset with embedded fonts) and
    /// analyse.json (every number behind it) into the project's output
    /// folder, and prints what was read, accepted and rejected. Nothing is
    /// written when any input is broken.
    Build {
        /// Project folder (holding evaluatie.toml) or the project file itself.
        project: PathBuf,
        /// Write the output here instead of the project's `output` folder.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Show no progress, only the summary and errors.
        #[arg(long, short)]
        quiet: bool,
        /// Print how long each step took and the peak memory (to stderr),
        /// for finding where a large build spends its time.
        #[arg(long)]
        timings: bool,
    },
    /// Export the coded project for other tools.
    ///
    /// qdpx: a REFI-QDA project (ATLAS.ti, MAXQDA, NVivo, QualCoder) with
    /// sources, codebook, codings per coder and cases per municipality;
    /// qdc: the codebook alone; taguette: the codebook as a CSV that
    /// Taguette imports (tag, description); xlsx: one workbook with the quote table,
    /// code x municipality, code x size class, respondent x code and survey
    /// frequencies; csv: the same tables as CSV files in a folder.
    Export {
        /// Project folder (holding evaluatie.toml) or the project file itself.
        project: PathBuf,
        /// qdpx, qdc, taguette, xlsx or csv.
        #[arg(long, short, value_enum)]
        format: ExportFormat,
        /// Output file (for csv: a folder); default: in the project's output folder.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Show no progress.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Score the codebook and the pseudonymisation on your own gold files.
    ///
    /// --passages: passages labelled by action line ("AL4<TAB>text", "-"
    /// for none), coded with the project's codebook (the built-in one
    /// without a project): precision, recall and F1 per action line, micro
    /// and macro, and the passages where codebook and gold differ.
    /// --privacy: a corpus with personal data marked as
    /// {{telefoon|06-12345678}} and look-alikes unmarked: recall per kind
    /// and the look-alikes that were changed. Writes nothing.
    Score {
        /// Project folder or file whose codebook to score (optional).
        project: Option<PathBuf>,
        /// Gold passages (TSV: action lines, tab, text).
        #[arg(long)]
        passages: Option<PathBuf>,
        /// Privacy corpus (group, tab, text with {{label|original}} marks).
        #[arg(long)]
        privacy: Option<PathBuf>,
    },
    /// Serve the report on localhost and rebuild it when a source changes.
    ///
    /// Open the printed address in a browser: the page reloads itself after
    /// every rebuild, and shows the error when a build fails. Writes nothing
    /// to the output folder. Stop with Ctrl-C.
    Preview {
        /// Project folder (holding evaluatie.toml) or the project file itself.
        project: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: String,
    },
    /// Review and code the sources in the browser (the coding workbench).
    ///
    /// Serves a local web app: the pseudonymised notes and documents with
    /// their rule codings (autocodes) to accept or reject, every coder's
    /// codings, codes to put on a selection, memos, the codebook, and
    /// agreement and rule quality as they change. Every change is saved at
    /// once in the project's werkbank.jsonl ([coding] workbench), which
    /// the next build reads. Open the printed address (it holds a secret
    /// token); stop with Ctrl-C.
    Code {
        /// Project folder (holding evaluatie.toml) or the project file itself.
        project: PathBuf,
        /// Your name as a coder (default: the login name).
        #[arg(long)]
        coder: Option<String>,
        /// Address to listen on (keep it on 127.0.0.1 unless you know why).
        #[arg(long, default_value = "127.0.0.1:8788")]
        addr: String,
    },
    /// Read survey exports into one harmonised response table.
    ///
    /// Give a project (every [[survey]] it names, with its instrument,
    /// register, mergers and mapping file) or one export file (.csv, .xlsx,
    /// .sav, .zsav) with optional --instrument and --register. The platform,
    /// header rows, delimiter and encoding are detected. Writes
    /// <name>_lang.csv (respondent, municipality, wave, question, value,
    /// label, number, missing), <name>_breed.csv (one row per respondent),
    /// <name>_afgewezen.csv (rejected records with line and reason) and,
    /// when municipality names needed fuzzy matching or could not be placed,
    /// gemeenten_review.csv. Prints records read = accepted + rejected.
    Ingest {
        /// A project (folder or evaluatie.toml) or a survey export file.
        input: PathBuf,
        /// Output folder; default: <output>/enquete for a project, else ./enquete.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// csv, parquet or both.
        #[arg(long, short, value_enum, default_value = "csv")]
        format: TableFormatArg,
        /// For a file: the instrument (questions and column maps).
        #[arg(long)]
        instrument: Option<PathBuf>,
        /// For a file: a survey definition (.qsf, .lss, .tsv, queXML, R syntax) that labels codes.
        #[arg(long)]
        structure: Option<PathBuf>,
        /// For a file: the municipality register (resolves the municipality question).
        #[arg(long)]
        register: Option<PathBuf>,
        /// For a file: mergers (CBS herindelingen layout).
        #[arg(long)]
        mergers: Option<PathBuf>,
        /// For a file: settled municipality texts (invoer,gemeentecode).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// For a file: the platform, when detection should not decide
        /// (qualtrics, limesurvey, surveymonkey, google-forms, microsoft-forms, spss, generic).
        #[arg(long)]
        platform: Option<pokeval_survey::Platform>,
        /// For a file: auto (UTF-8, else Windows-1252), utf-8 or windows-1252.
        #[arg(long, default_value = "auto")]
        encoding: pokeval_survey::EncodingChoice,
        /// For a file: the wave (2024, 2025, 2026).
        #[arg(long, value_parser = parse_wave, default_value = "2024")]
        wave: u16,
        /// For a file: keep Qualtrics test responses (Status 2).
        #[arg(long)]
        include_tests: bool,
        /// Show no progress.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Create a new evaluation project that builds as it is.
    ///
    /// Writes evaluatie.toml, an editable copy of the default codebook, a
    /// municipality register to fill, the planned funds table, a folder for
    /// interview notes and report sources to write. Refuses to overwrite an
    /// existing project.
    Init {
        /// The folder to create the project in (created if missing).
        dir: PathBuf,
        /// The evaluation wave: 2024, 2025 or 2026.
        #[arg(long, value_parser = parse_wave)]
        wave: u16,
        /// Scaffold the next wave from this earlier wave's project: its
        /// instruments (question ids kept) and codebook copied, its
        /// register, mergers and funds linked, the earlier waves listed in
        /// [comparison] and a comparison chapter added.
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Qdpx,
    Qdc,
    Taguette,
    Xlsx,
    Csv,
}

impl From<ExportFormat> for pokeval_exchange::Format {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Qdpx => pokeval_exchange::Format::Qdpx,
            ExportFormat::Qdc => pokeval_exchange::Format::Qdc,
            ExportFormat::Taguette => pokeval_exchange::Format::Taguette,
            ExportFormat::Xlsx => pokeval_exchange::Format::Xlsx,
            ExportFormat::Csv => pokeval_exchange::Format::Csv,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TableFormatArg {
    Csv,
    Parquet,
    Both,
}

fn parse_wave(s: &str) -> Result<u16, String> {
    let year: u16 = s.parse().map_err(|_| format!("'{s}' is not a year"))?;
    pokeval_model::Wave::new(year)
        .map(pokeval_model::Wave::year)
        .map_err(|e| e.to_string())
}

/// Shows library progress: a spinner per step, turning into a bar with
/// `n of N`, rate and time left when the step reports how far it is (bytes
/// of a survey export, or notes, texts and sources).
struct Spinner {
    bar: ProgressBar,
    mode: std::cell::Cell<Mode>,
    /// Each step's message and start, when `--timings` asks for them.
    timings: Option<std::cell::RefCell<Vec<Step>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Step,
    Bytes,
    Items,
}

impl Spinner {
    fn style(&self, mode: Mode) {
        if self.mode.get() == mode {
            return;
        }
        let template = match mode {
            Mode::Step => "{spinner} [{elapsed}] {msg}",
            Mode::Bytes => {
                "{spinner} [{elapsed}] {msg} {bytes} of {total_bytes} ({bytes_per_sec}, {eta} left)"
            }
            Mode::Items => {
                "{spinner} [{elapsed}] {msg} {human_pos} of {human_len} ({rate}, {eta} left)"
            }
        };
        self.bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_spinner())
                // whole items per second ("{per_sec}" prints four decimals)
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", state.per_sec());
                    },
                ),
        );
        self.mode.set(mode);
    }

    fn at(&self, mode: Mode, done: u64, total: u64) {
        self.style(mode);
        if self.bar.length() != Some(total) {
            self.bar.set_length(total);
            self.bar.reset_eta();
        }
        self.bar.set_position(done);
    }
}

/// A step for `--timings`: its message, when it began and the peak memory
/// (kB) by then.
type Step = (String, Instant, Option<u64>);

/// The peak resident memory of this process so far, in kB (Linux reports
/// it; elsewhere `None`).
fn peak_resident_kb() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        })
}

impl Spinner {
    /// Prints each step's duration and the peak memory to stderr.
    fn print_timings(&self) {
        let Some(steps) = &self.timings else { return };
        let steps = steps.borrow();
        let end = Instant::now();
        eprintln!("timings (seconds; the peak memory reached by the end of the step):");
        for (i, (message, start, _)) in steps.iter().enumerate() {
            let next = steps.get(i + 1).map_or(end, |s| s.1);
            let peak = steps.get(i + 1).map_or_else(peak_resident_kb, |s| s.2);
            let peak = peak.map_or(String::new(), |kb| format!(" [{} MB]", kb / 1024));
            eprintln!("{:9.3}  {message}{peak}", (next - *start).as_secs_f64());
        }
        if let Some(first) = steps.first() {
            eprintln!("{:9.3}  total", (end - first.1).as_secs_f64());
        }
        if let Some(kb) = peak_resident_kb() {
            eprintln!("peak memory: {} MB", kb / 1024);
        }
    }
}

impl Progress for Spinner {
    fn step(&self, message: &str) {
        if let Some(t) = &self.timings {
            t.borrow_mut()
                .push((message.to_string(), Instant::now(), peak_resident_kb()));
        }
        self.style(Mode::Step);
        self.bar.set_message(message.to_string());
        self.bar.set_position(0);
        self.bar.reset_eta();
    }

    fn advance(&self, done: u64, total: u64) {
        self.at(Mode::Bytes, done, total);
    }

    fn items(&self, done: u64, total: u64) {
        self.at(Mode::Items, done, total);
    }

    fn warn(&self, message: &str) {
        // above the progress line, and also with --quiet
        self.bar.suspend(|| eprintln!("warning: {message}"));
    }
}

fn spinner(quiet: bool) -> Spinner {
    timed(quiet, false)
}

fn timed(quiet: bool, timings: bool) -> Spinner {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    };
    let s = Spinner {
        bar,
        mode: std::cell::Cell::new(Mode::Items),
        timings: timings.then(Default::default),
    };
    s.style(Mode::Step);
    s
}

fn main() -> ExitCode {
    with_allocator_option();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Build {
            project,
            out,
            quiet,
            timings,
        } => {
            let progress = timed(quiet, timings);
            let options = cmd::build::BuildOptions { output: out };
            let result = cmd::build::build(&project, &options, &progress);
            progress.bar.finish_and_clear();
            progress.print_timings();
            let outcome = result.map_err(|e| e.to_string())?;
            print_summary(&outcome);
            Ok(())
        }
        Command::Export {
            project,
            format,
            out,
            quiet,
        } => {
            let progress = spinner(quiet);
            let result = cmd::export::export(&project, format.into(), out, &progress);
            progress.bar.finish_and_clear();
            for f in result.map_err(|e| e.to_string())? {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
        Command::Score {
            project,
            passages,
            privacy,
        } => {
            if passages.is_none() && privacy.is_none() {
                return Err("name a gold file to score: --passages FILE (action lines) and/or --privacy FILE (personal data); fixtures/gold/passages.tsv and fixtures/privacy/corpus.txt show the formats".into());
            }
            let args = cmd::score::ScoreArgs {
                project,
                passages,
                privacy,
            };
            print!("{}", cmd::score::score(&args).map_err(|e| e.to_string())?);
            Ok(())
        }
        Command::Code {
            project,
            coder,
            addr,
        } => {
            let coder = coder
                .or_else(|| std::env::var("USER").ok())
                .or_else(|| std::env::var("USERNAME").ok())
                .ok_or("name yourself with --coder NAME")?;
            let progress = spinner(false);
            let server = cmd::code::CodeServer::start(&project, &coder, &addr, &progress);
            progress.bar.finish_and_clear();
            let server = server.map_err(|e| e.to_string())?;
            println!(
                "coding as '{coder}'; changes are saved in {}",
                server.file()
            );
            println!("open {} (Ctrl-C to stop)", server.url());
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        Command::Preview { project, addr } => {
            let preview =
                cmd::preview::Preview::start(&project, &addr).map_err(|e| e.to_string())?;
            println!(
                "serving the report at http://{} (Ctrl-C to stop)",
                preview.addr
            );
            let mut seen = preview.version();
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let v = preview.version();
                if v != seen {
                    seen = v;
                    println!("rebuilt (version {v})");
                }
            }
        }
        Command::Ingest {
            input,
            out,
            format,
            instrument,
            structure,
            register,
            mergers,
            mapping,
            platform,
            encoding,
            wave,
            include_tests,
            quiet,
        } => {
            use pokeval_survey::TableFormat;
            let formats = match format {
                TableFormatArg::Csv => vec![TableFormat::Csv],
                TableFormatArg::Parquet => vec![TableFormat::Parquet],
                TableFormatArg::Both => vec![TableFormat::Csv, TableFormat::Parquet],
            };
            let request = if cmd::ingest::is_project(&input) {
                let project =
                    pokeval_ingest::project::Project::load(&input).map_err(|e| e.to_string())?;
                cmd::ingest::project_request(&project, out, formats)
            } else {
                let file = cmd::ingest::FileInput {
                    path: input,
                    options: pokeval_survey::ReadOptions {
                        platform,
                        encoding,
                        sheet: None,
                        include_tests,
                    },
                    structure,
                    instrument,
                    wave,
                    register,
                    mergers,
                    mapping,
                };
                cmd::ingest::file_request(file, out, formats).map_err(|e| e.to_string())?
            };
            let progress = spinner(quiet);
            let result = cmd::ingest::ingest_surveys(&request, &progress);
            progress.bar.finish_and_clear();
            let outcome = result.map_err(|e| e.to_string())?;
            for s in &outcome.surveys {
                println!("{} ({}, {})", s.file, s.layout.describe(), s.encoding);
                println!(
                    "  {} records read = {} accepted + {} rejected; {} answers in the long table",
                    s.rows_read, s.accepted, s.rejected, s.answers
                );
            }
            if !outcome.review.is_empty() {
                println!("municipality names to review ({}):", outcome.review.len());
                for r in outcome.review.iter().take(20) {
                    println!(
                        "  '{}' x{}: {} {} {} {}",
                        r.invoer, r.aantal, r.status, r.voorstel_code, r.voorstel_naam, r.score
                    );
                }
            }
            for f in &outcome.written {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
        Command::Init { dir, wave, from } => {
            let files = match &from {
                Some(prev) => cmd::init::init_from(&dir, wave, prev),
                None => cmd::init::init(&dir, wave),
            }
            .map_err(|e| e.to_string())?;
            println!(
                "Created an evaluation project for wave {wave} in {}:",
                dir.display()
            );
            for f in files {
                println!("  {}", f.display());
            }
            println!("Build it with: pokeval build {}", dir.display());
            Ok(())
        }
    }
}

fn print_summary(outcome: &cmd::build::BuildOutcome) {
    let a = &outcome.analysis;
    println!("{} (wave {})", a.project, a.wave);
    println!(
        "{:<26} {:<52} {:>6} {:>9} {:>9}",
        "input", "file", "read", "accepted", "rejected"
    );
    for i in &a.inputs {
        println!(
            "{:<26} {:<52} {:>6} {:>9} {:>9}",
            i.input, i.file, i.read, i.accepted, i.rejected
        );
    }
    if !a.rejects.is_empty() {
        println!("rejected ({}):", a.rejects.len());
        const SHOWN: usize = 20;
        for r in a.rejects.iter().take(SHOWN) {
            println!("  {}: {}", r.location(), r.reason);
        }
        if a.rejects.len() > SHOWN {
            println!(
                "  ... and {} more (all are listed in analyse.json and the report's appendix)",
                a.rejects.len() - SHOWN
            );
        }
    }
    if !a.municipality_review.is_empty() {
        println!(
            "municipality names to review ({}; settle them in the file named by register.mapping):",
            a.municipality_review.len()
        );
        for r in &a.municipality_review {
            println!(
                "  '{}' x{}: {} {} {} {} {}",
                r.invoer, r.aantal, r.status, r.voorstel_code, r.voorstel_naam, r.score, r.reden
            );
        }
    }
    println!(
        "coded {} segments from {} sources: {} codings",
        a.segments,
        a.sources.interviews + a.sources.survey_answers + a.sources.documents,
        a.codings.len()
    );
    if !a.rule_reviews.is_empty() {
        println!("rule codings reviewed in the coding workbench (rejected ones are the rules' false positives):");
        for r in &a.rule_reviews {
            println!(
                "  rule {}: {} accepted, {} rejected",
                r.rule, r.accepted, r.rejected
            );
            for f in &r.false_positives {
                let text: String = f.text.chars().take(70).collect();
                let more = if text.len() < f.text.len() { "…" } else { "" };
                println!(
                    "    {} ({}, {}): \"{text}{more}\"",
                    f.segment, f.code, f.reviewer
                );
            }
        }
    }
    if let Some((c, (now, before))) = a
        .comparison
        .as_ref()
        .and_then(|c| Some((c, c.waves.split_last()?)))
    {
        for w in before {
            println!(
                "compared with wave {} ({}): {} respondents from {} municipalities, {} interviews, {} sources",
                w.wave, w.file, w.respondents, w.municipalities, w.interviews, w.sources
            );
        }
        let several: usize = c.panel.by_waves_answered.iter().skip(1).sum();
        println!(
            "panel: {several} municipalities answered in more than one wave; {} questions compared across {} waves up to {}",
            c.questions.iter().filter(|q| q.comparable).count(),
            c.waves.len(),
            now.wave
        );
    }
    for f in &outcome.files {
        println!("wrote {}", f.display());
    }
}
