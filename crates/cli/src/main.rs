//! `pokeval`: the command-line interface.
//!
//! This crate parses arguments, shows progress and prints results and
//! errors. It holds no logic: every command calls one function of the
//! library crates (`pokeval_report::build`, `pokeval_analysis::prepare` with
//! `pokeval_exchange::export`, `pokeval_report::preview::Preview`,
//! `pokeval_report::scaffold::init`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pokeval_ingest::Progress;

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
    },
    /// Export the coded project for other tools.
    ///
    /// qdpx: a REFI-QDA project (ATLAS.ti, MAXQDA, NVivo, QualCoder) with
    /// sources, codebook, codings per coder and cases per municipality;
    /// qdc: the codebook alone; xlsx: one workbook with the quote table,
    /// code x municipality, code x size class, respondent x code and survey
    /// frequencies; csv: the same tables as CSV files in a folder.
    Export {
        /// Project folder (holding evaluatie.toml) or the project file itself.
        project: PathBuf,
        /// qdpx, qdc, xlsx or csv.
        #[arg(long, short, value_enum)]
        format: ExportFormat,
        /// Output file (for csv: a folder); default: in the project's output folder.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Show no progress.
        #[arg(long, short)]
        quiet: bool,
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
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Qdpx,
    Qdc,
    Xlsx,
    Csv,
}

impl From<ExportFormat> for pokeval_exchange::Format {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Qdpx => pokeval_exchange::Format::Qdpx,
            ExportFormat::Qdc => pokeval_exchange::Format::Qdc,
            ExportFormat::Xlsx => pokeval_exchange::Format::Xlsx,
            ExportFormat::Csv => pokeval_exchange::Format::Csv,
        }
    }
}

fn parse_wave(s: &str) -> Result<u16, String> {
    let year: u16 = s.parse().map_err(|_| format!("'{s}' is not a year"))?;
    pokeval_ingest::model::Wave::new(year).map(|w| w.year())
}

/// Shows library progress steps on a spinner.
struct Spinner(ProgressBar);

impl Progress for Spinner {
    fn step(&self, message: &str) {
        self.0.set_message(message.to_string());
        self.0.inc(1);
    }
}

fn spinner(quiet: bool) -> Spinner {
    if quiet {
        return Spinner(ProgressBar::hidden());
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    Spinner(bar)
}

fn main() -> ExitCode {
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
        } => {
            let progress = spinner(quiet);
            let options = pokeval_report::BuildOptions { output: out };
            let result = pokeval_report::build(&project, &options, &progress);
            progress.0.finish_and_clear();
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
            let prepared = pokeval_analysis::prepare(&project, &progress);
            progress.0.finish_and_clear();
            let prepared = prepared.map_err(|e| e.to_string())?;
            let format = pokeval_exchange::Format::from(format);
            let out =
                out.unwrap_or_else(|| prepared.project.config.output.join(format.default_name()));
            let files =
                pokeval_exchange::export(&prepared, format, &out).map_err(|e| e.to_string())?;
            for f in files {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
        Command::Preview { project, addr } => {
            let preview = pokeval_report::preview::Preview::start(&project, &addr)
                .map_err(|e| e.to_string())?;
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
        Command::Init { dir, wave } => {
            let files = pokeval_report::scaffold::init(&dir, wave).map_err(|e| e.to_string())?;
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

fn print_summary(outcome: &pokeval_report::BuildOutcome) {
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
            println!("  {}:{}: {}", r.file, r.line, r.reason);
        }
        if a.rejects.len() > SHOWN {
            println!(
                "  ... and {} more (all are listed in analyse.json and the report's appendix)",
                a.rejects.len() - SHOWN
            );
        }
    }
    println!(
        "coded {} segments from {} sources: {} codings",
        a.segments,
        a.sources.interviews + a.sources.survey_answers + a.sources.documents,
        a.codings.len()
    );
    for f in &outcome.files {
        println!("wrote {}", f.display());
    }
}
