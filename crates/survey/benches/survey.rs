//! Survey ingestion speed and memory, side by side in one run:
//!
//! 1. pokeval: detect the layout, read and validate the Qualtrics CSV,
//!    decode every answer against the instrument (labels, multi-select
//!    columns, missing codes), resolve the typed municipality names (aliases,
//!    fuzzy) and build the long table;
//! 2. pandas (`scripts/bench_survey.py`, pandas installed from PyPI into a
//!    scratch virtualenv by the script): `read_csv` + `melt` + label and
//!    municipality mapping, the same normalisation;
//! 3. a bare typed polars CSV read of the same file: the practical limit.
//!
//! ```sh
//! cargo bench --workspace --bench survey           # 100,000 responses x 80 columns
//! POKEVAL_BENCH_ROWS=10000 cargo bench --workspace --bench survey
//! POKEVAL_BENCH_PYTHON=0 cargo bench ...           # skip the pandas side
//! POKEVAL_BENCH_DIR=/tmp/b cargo bench ...         # keep the generated files
//! ```
//!
//! pokeval runs the way `pokeval ingest` and `build` read a CSV export
//! (`read_survey`: streamed, parsed and decoded in one pass on every core);
//! the whole-file way (`read_export` + `harmonise`, which SPSS files and
//! workbooks take) is shown beside it.
//!
//! Each measurement runs in a child process (this binary again), three
//! times; the median time and the largest peak resident memory (VmHWM) are
//! reported, with the file size for the "under 3x the file" target.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use pokeval_model::register::Register;
use pokeval_model::resolve::Resolver;
use pokeval_survey::{harmonise, read_export, read_survey, Instrument, ReadOptions};
use polars::prelude::*;
use std::fmt::Write as _;

const LIKERT: usize = 36;
const MULTI_QUESTIONS: usize = 4;
const MULTI_OPTIONS: usize = 5;
const NUMERIC: usize = 6;
const OPEN: usize = 6;

/// Words of open answers, one per line (shared with the scale benchmark).
const WORDS_TEXT: &str = include_str!("open_words.txt");

/// The register's names as respondents type them: exact, lower case,
/// "gemeente X", aliases and a few typos.
const TYPED: &[&str] = &[
    "Enschede",
    "gemeente Zwolle",
    "venlo",
    "Den Bosch",
    "Groningen",
    "Stad Groningen",
    "Ede",
    "Amersfoort",
    "Súdwest-Fryslân",
    "Sudwest Fryslan",
    "Pijnacker-Nootdorp",
    "Lingewaard",
    "Zwole",
    "Amersfort",
    "Tholen",
    "Vaals",
    "Oss",
    "Hoorn",
    "Huizen",
    "Zaanstad",
    "Soest",
    "Rheden",
    "Borne",
    "Eemnes",
    "Renswoude",
    "West Maas en Waal",
    "Ameland",
    "Eemsdelta",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn generate(dir: &Path, rows: usize) -> std::io::Result<(PathBuf, PathBuf)> {
    let meta = [
        ("StartDate", "startDate"),
        ("EndDate", "endDate"),
        ("Status", "status"),
        ("IPAddress", "ipAddress"),
        ("Progress", "progress"),
        ("Duration (in seconds)", "duration"),
        ("Finished", "finished"),
        ("RecordedDate", "recordedDate"),
        ("ResponseId", "_recordId"),
        ("DistributionChannel", "distributionChannel"),
        ("UserLanguage", "userLanguage"),
    ];
    let mut names: Vec<String> = meta.iter().map(|m| m.0.to_string()).collect();
    let mut texts: Vec<String> = meta.iter().map(|m| m.0.to_string()).collect();
    let mut ids: Vec<String> = meta.iter().map(|m| m.1.to_string()).collect();
    let mut ins = String::from("wave = 2024\ntitle = \"benchmark\"\n\n[[question]]\nid = \"gemeente\"\ntype = \"municipality\"\ntext = \"Gemeente\"\n");
    let mut map = String::from("\n[columns.qualtrics]\nQID1_TEXT = \"gemeente\"\n");
    names.push("Q1".into());
    texts.push("Voor welke gemeente vult u deze enquête in?".into());
    ids.push("QID1_TEXT".into());
    let likert_opts = "options = [\n  { code = \"1\", label = \"Helemaal oneens\" },\n  { code = \"2\", label = \"Oneens\" },\n  { code = \"3\", label = \"Neutraal\" },\n  { code = \"4\", label = \"Eens\" },\n  { code = \"5\", label = \"Helemaal eens\" },\n  { code = \"-1\", label = \"Weet niet / n.v.t.\", missing = true },\n]\n";
    for i in 1..=LIKERT {
        names.push(format!("Q2_{i}"));
        texts.push(format!("Stellingen - Stelling {i}"));
        ids.push(format!("QID2_{i}"));
        _ = write!(ins, "\n[[question]]\nid = \"stelling_{i}\"\ntype = \"likert\"\ntext = \"Stelling {i}\"\n{likert_opts}");
        _ = writeln!(map, "QID2_{i} = \"stelling_{i}\"");
    }
    for q in 1..=MULTI_QUESTIONS {
        _ = write!(ins, "\n[[question]]\nid = \"kanalen_{q}\"\ntype = \"multiple\"\ntext = \"Kanalen {q}\"\noptions = [\n");
        for o in 1..=MULTI_OPTIONS {
            names.push(format!("Q{}_{o}", q + 2));
            texts.push(format!("Kanalen {q} - Optie {o}"));
            ids.push(format!("QID{}_{o}", q + 2));
            _ = writeln!(ins, "  {{ code = \"{o}\", label = \"Optie {o}\" }},");
            _ = writeln!(map, "QID{}_{o} = \"kanalen_{q}:{o}\"", q + 2);
        }
        ins.push_str("]\n");
    }
    for i in 1..=NUMERIC {
        names.push(format!("Q10_{i}"));
        texts.push(format!("Aandeel - Actielijn {i}"));
        ids.push(format!("QID10_{i}"));
        _ =
            write!(ins,
            "\n[[question]]\nid = \"aandeel_{i}\"\ntype = \"numeric\"\ntext = \"Aandeel {i}\"\n"
        );
        _ = writeln!(map, "QID10_{i} = \"aandeel_{i}\"");
    }
    for i in 1..=OPEN {
        names.push(format!("Q{}", 10 + i));
        texts.push(format!("Open vraag {i}"));
        ids.push(format!("QID{}_TEXT", 10 + i));
        _ = write!(
            ins,
            "\n[[question]]\nid = \"open_{i}\"\ntype = \"open\"\ntext = \"Open vraag {i}\"\n"
        );
        _ = writeln!(map, "QID{}_TEXT = \"open_{i}\"", 10 + i);
    }
    assert_eq!(names.len(), 80, "the benchmark file has 80 columns");
    let ins_path = dir.join("instrument.toml");
    std::fs::write(&ins_path, format!("{ins}{map}"))?;
    let csv_path = dir.join("enquete.csv");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv_path)?);
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    writeln!(w, "{}", names.join(","))?;
    writeln!(
        w,
        "{}",
        texts.iter().map(|t| quote(t)).collect::<Vec<_>>().join(",")
    )?;
    writeln!(
        w,
        "{}",
        ids.iter()
            .map(|i| quote(&format!("{{\"ImportId\":\"{i}\"}}")))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let words: Vec<&str> = WORDS_TEXT.split_whitespace().collect();
    let mut line = String::with_capacity(4096);
    for r in 0..rows {
        line.clear();
        let day = 1 + r % 28;
        _ = write!(line,
            "2024-02-{day:02} 09:{:02}:{:02},2024-02-{day:02} 10:{:02}:{:02},0,192.0.2.{},100,{},1,2024-02-{day:02} 10:{:02}:{:02},R_{r:012x},anonymous,nl",
            r % 60, (r * 7) % 60, r % 60, (r * 11) % 60, r % 250, 300 + r % 900, r % 60, (r * 11) % 60
        );
        line.push(',');
        line.push_str(TYPED[rng.below(TYPED.len())]);
        for _ in 0..LIKERT {
            line.push(',');
            let v = rng.below(7);
            match v {
                0 => {}
                6 => line.push_str("-1"),
                v => line.push_str(&v.to_string()),
            }
        }
        for _ in 0..MULTI_QUESTIONS * MULTI_OPTIONS {
            line.push(',');
            if rng.below(3) == 0 {
                line.push('1');
            }
        }
        for _ in 0..NUMERIC {
            line.push(',');
            line.push_str(&rng.below(101).to_string());
        }
        for _ in 0..OPEN {
            line.push(',');
            let n = 18 + rng.below(18);
            let mut text = String::new();
            for k in 0..n {
                if k > 0 {
                    text.push(' ');
                }
                text.push_str(words[rng.below(words.len())]);
                if k % 9 == 8 {
                    text.push(',');
                }
            }
            text.push('.');
            line.push_str(&quote(&text));
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    Ok((csv_path, ins_path))
}

fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one measurement in this (child) process and prints `seconds peak_kb rows`.
fn child(step: &str, csv: &Path, ins: &Path, register: &Path) {
    let start = Instant::now();
    let rows = match step {
        "pokeval" | "whole" => {
            let reg = Register::load(register).expect("register");
            let resolver = Resolver::new(&reg, 2024);
            let instrument = Instrument::load(ins).expect("instrument");
            let opts = ReadOptions::default();
            let data = if step == "pokeval" {
                // What `pokeval ingest` and `build` run: the streaming reader.
                read_survey(
                    csv,
                    "enquete.csv",
                    &opts,
                    None,
                    Some(&instrument),
                    Some(&resolver),
                    instrument.wave,
                    &pokeval_model::NoProgress,
                )
                .expect("read_survey")
            } else {
                let export = read_export(csv, "enquete.csv", &opts).expect("export");
                let data = harmonise(&export, &instrument, Some(&resolver)).expect("harmonise");
                std::mem::forget(export);
                data
            };
            assert_eq!(data.rejects.len(), 0, "{:?}", data.rejects.first());
            let n = data.table().height();
            // Freeing the tables is not part of the work measured.
            std::mem::forget(data);
            n
        }
        "polars" => {
            let df = CsvReadOptions::default()
                .with_has_header(true)
                .with_skip_rows_after_header(2)
                .try_into_reader_with_file_path(Some(csv.to_path_buf()))
                .expect("reader")
                .finish()
                .expect("polars read");
            let n = df.height();
            std::mem::forget(df);
            n
        }
        other => panic!("unknown step {other}"),
    };
    let secs = start.elapsed().as_secs_f64();
    println!("{secs} {} {rows}", peak_kb());
}

fn measure(step: &str, csv: &Path, ins: &Path, register: &Path) -> (f64, u64, String) {
    let exe = std::env::current_exe().expect("this binary");
    let mut times = Vec::new();
    let mut peak = 0;
    let mut rows = String::new();
    for _ in 0..3 {
        let out = Command::new(&exe)
            .env("POKEVAL_BENCH_STEP", step)
            .env(
                "POKEVAL_BENCH_FILES",
                format!(
                    "{}\n{}\n{}",
                    csv.display(),
                    ins.display(),
                    register.display()
                ),
            )
            .output()
            .expect("run the child");
        assert!(
            out.status.success(),
            "{step}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut parts = text.split_whitespace();
        times.push(
            parts
                .next()
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(f64::NAN),
        );
        peak = peak.max(
            parts
                .next()
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0),
        );
        rows = parts.next().unwrap_or("").to_string();
    }
    times.sort_by(f64::total_cmp);
    (times[1], peak, rows)
}

fn main() {
    if let Ok(step) = std::env::var("POKEVAL_BENCH_STEP") {
        let files = std::env::var("POKEVAL_BENCH_FILES").unwrap_or_default();
        let f: Vec<&str> = files.lines().collect();
        child(&step, Path::new(f[0]), Path::new(f[1]), Path::new(f[2]));
        return;
    }
    let rows: usize = std::env::var("POKEVAL_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let register = repo.join("fixtures/gemeenten_voorbeeld.csv");
    // POKEVAL_BENCH_DIR keeps the generated files (for profiling).
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("POKEVAL_BENCH_DIR")
        .map_or_else(|| tmp.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let (csv, ins) = generate(&dir, rows).expect("generate the export");
    let size = std::fs::metadata(&csv).map_or(0, |m| m.len());
    let mb = size as f64 / 1e6;
    println!("survey ingest benchmark: {rows} responses x 80 columns, {mb:.1} MB (Qualtrics CSV, 3 header rows)");
    println!("median of 3 runs, each in a fresh process; peak = largest VmHWM\n");
    let (t_ours, p_ours, n_ours) = measure("pokeval", &csv, &ins, &register);
    println!("pokeval ingest to long table: {t_ours:7.3} s  peak {:7.1} MB ({:.2}x file)  {n_ours} answers", p_ours as f64 * 1.024e-3, p_ours as f64 * 1024.0 / size as f64);
    let (t_wh, p_wh, _) = measure("whole", &csv, &ins, &register);
    println!("  whole-file way (read_export + harmonise, as for SPSS and workbooks): {t_wh:7.3} s  peak {:7.1} MB ({:.2}x file)", p_wh as f64 * 1.024e-3, p_wh as f64 * 1024.0 / size as f64);
    let (t_pl, p_pl, n_pl) = measure("polars", &csv, &ins, &register);
    println!(
        "bare typed polars read:       {t_pl:7.3} s  peak {:7.1} MB ({:.2}x file)  {n_pl} rows",
        p_pl as f64 * 1.024e-3,
        p_pl as f64 * 1024.0 / size as f64
    );
    let run_python = std::env::var("POKEVAL_BENCH_PYTHON").map_or(true, |v| v != "0");
    let mut t_pd = None;
    if run_python {
        let out = Command::new("python3")
            .arg(repo.join("scripts/bench_survey.py"))
            .arg(&csv)
            .arg(&ins)
            .arg(&register)
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout);
                print!("{text}");
                t_pd = text
                    .lines()
                    .find_map(|l| l.strip_prefix("pandas seconds: "))
                    .and_then(|s| s.trim().parse::<f64>().ok());
            }
            Ok(o) => println!("pandas side failed: {}", String::from_utf8_lossy(&o.stderr)),
            Err(e) => println!("pandas side not run: {e}"),
        }
    }
    println!();
    println!(
        "pokeval / bare polars read: {:.2}x (target: at most 1.5x)",
        t_ours / t_pl
    );
    if let Some(t) = t_pd {
        println!(
            "pandas / pokeval:           {:.2}x (target: at least 2x)",
            t / t_ours
        );
    }
    println!(
        "pokeval peak / file size:   {:.2}x (target: under 3x)",
        p_ours as f64 * 1024.0 / size as f64
    );
}
