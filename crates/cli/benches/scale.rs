//! Whole-country scale benchmark: how long `pokeval build` takes, step by
//! step, and how much memory it needs, on a generated evaluation project
//! the size of a national wave, at three sizes; beside it the survey step
//! done in pandas (`scripts/bench_survey.py`) on the same export.
//!
//! ```sh
//! POKEVAL_SHARED_DATA=../shared/data cargo bench -p pokeval --bench scale
//! POKEVAL_SCALE=S,M cargo bench -p pokeval --bench scale   # skip the largest size
//! POKEVAL_BENCH_PYTHON=0 ...                               # skip the pandas side
//! POKEVAL_BENCH_DIR=/tmp/scale ...                         # keep the projects
//! POKEVAL_BENCH_WAVES=1 ...                                # also three waves
//! ```
//!
//! With `POKEVAL_BENCH_WAVES=1` each size is also built as wave 2026 of a
//! three-wave evaluation: the same generated inputs, compared with the
//! size's project as wave 2024 and a copy of it as wave 2025, once from the
//! earlier waves' inputs and once from their `analyse.json`; beside it
//! `scripts/check_waves.py` recomputes the per-wave frequencies and the
//! panel with pandas and checks them against the comparison.
//!
//! Sizes (respondents + interview notes): S = 10,000 + 100, M = 100,000 +
//! 1,000, L = 1,000,000 + 10,000. Each project has:
//!
//! - the CBS 2024 register of all 342 municipalities
//!   (`$POKEVAL_SHARED_DATA/gemeenten/gemeenten_2024.csv`; without it, the
//!   example's 24-municipality register, and the benchmark says so);
//! - a Qualtrics CSV export in the layout and with the instrument of the
//!   example survey (`surveys/2024/instrument.toml`): respondents spread
//!   over every municipality, named as people type them, with two open
//!   answers each, some holding an e-mail address or a phone number;
//! - interview notes of 2 to 4 pages (about 450 words a page) with front
//!   matter, headings, paragraphs about the action lines, and a signature
//!   with a fictitious name and phone number, plus the example's 13 notes
//!   (so its manual codings and gold coder apply);
//! - the example's report sources, funds, vouchers, population and
//!   cluster-share tables.
//!
//! Each size is built once by the release `pokeval` binary in a child
//! process with `--timings` (time per step and peak resident memory); the
//! growth ratio between sizes is printed per step. All text is generated
//! and fictitious.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Size {
    name: &'static str,
    respondents: usize,
    notes: usize,
}

const SIZES: [Size; 3] = [
    Size {
        name: "S",
        respondents: 10_000,
        notes: 100,
    },
    Size {
        name: "M",
        respondents: 100_000,
        notes: 1_000,
    },
    Size {
        name: "L",
        respondents: 1_000_000,
        notes: 10_000,
    },
];

/// xorshift: the same project on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Sentences in the style of interview notes, touching every action line.
const SENTENCES: &[&str] = &[
    "De gemeente heeft de middelen vooral ingezet voor de versterking van de wijkteams.",
    "Met de extra capaciteit kunnen de sociaal raadslieden vaker spreekuur houden in de wijk.",
    "Vroegsignalering van schulden loopt via de afspraken met woningcorporaties en energieleveranciers.",
    "Inwoners met vragen over toeslagen kunnen terecht bij een vast loket in het gemeentehuis.",
    "Het juridisch loket en de sociaal advocatuur werken samen om escalatie te voorkomen.",
    "De respondent noemt de administratieve last van de verantwoording beperkt.",
    "Integraal werken in het sociaal domein vraagt volgens de geïnterviewde om een gezamenlijke agenda.",
    "Voor de aanpak van kwetsbare wijken is een wijkgerichte werkwijze opgezet met partners.",
    "De digitale toegang tot de overheid is verbeterd met hulp bij het invullen van formulieren.",
    "Er is een bestedingsplan opgesteld en de middelen staan in een bestemmingsreserve.",
    "Klachtbehandeling en de ombudsfunctie zijn beter vindbaar gemaakt voor inwoners.",
    "Professionals volgen trainingen in stress-sensitief werken om inwoners beter te helpen.",
    "Het is lastig om effecten op inwoners te meten, omdat de activiteiten pas kort lopen.",
    "De samenwerking tussen het klantcontactcentrum en de wijkteams is versterkt.",
    "Met een POK-voucher is advies ingekocht over de inrichting van de brede toegang.",
    "Ervaringsdeskundigen denken mee over hoe brieven van de gemeente begrijpelijker worden.",
    "De respondent wijst op de krappe arbeidsmarkt: vacatures in het wijkteam blijven lang open.",
    "Over de besteding wordt gerapporteerd in de planning- en controlcyclus.",
];

const FIRST: &[&str] = &[
    "Anna", "Karel", "Piet", "Bram", "Sanne", "Joëlle", "Daan", "Fleur", "Ruben", "Noor", "Teun",
    "Iris", "Sem", "Lotte", "Mila", "Jip", "Ilse", "Koen", "Femke", "Thijs",
];
const LAST: &[&str] = &[
    "Fictief",
    "van Voorbeeld",
    "Proef",
    "de Testmans",
    "Verzon",
    "ter Bedacht",
    "Nepstra",
    "van der Schijn",
    "Denkbeeld",
    "Modelaar",
];

/// Words of open answers, the survey benchmark's list.
const OPEN_WORDS: &str = include_str!("../../survey/benches/open_words.txt");

fn register(repo: &Path) -> (PathBuf, Vec<String>, bool) {
    let shared = std::env::var_os("POKEVAL_SHARED_DATA")
        .map(|d| PathBuf::from(d).join("gemeenten/gemeenten_2024.csv"));
    let (path, national) = match shared {
        Some(p) if p.is_file() => (p, true),
        _ => (repo.join("fixtures/gemeenten_voorbeeld.csv"), false),
    };
    let mut reader = csv::Reader::from_path(&path).expect("read the register");
    let col = reader
        .headers()
        .expect("register header")
        .iter()
        .position(|h| h == "gemeentenaam")
        .expect("gemeentenaam column");
    let names = reader
        .records()
        .filter_map(|r| r.ok()?.get(col).map(str::to_string))
        .collect();
    (path, names, national)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The example export's three header rows, then `rows` respondents.
/// Writes the export; returns its path and the bytes of open-answer text.
fn survey(
    repo: &Path,
    dir: &Path,
    rows: usize,
    names: &[String],
) -> std::io::Result<(PathBuf, u64)> {
    let mut text_bytes = 0u64;
    let example =
        std::fs::read_to_string(repo.join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"))?;
    let path = dir.join("enquete.csv");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    // The header rows are the first three records; the third ends the
    // ImportId row.
    let header_end = example
        .match_indices('\n')
        .nth(2)
        .map_or(example.len(), |(i, _)| i + 1);
    w.write_all(&example.as_bytes()[..header_end])?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let words: Vec<&str> = OPEN_WORDS.split_whitespace().collect();
    let mut line = String::with_capacity(1024);
    for r in 0..rows {
        line.clear();
        let day = 1 + r % 28;
        let name = &names[r % names.len()];
        let typed = match rng.below(4) {
            0 => format!("Gemeente {name}"),
            1 => name.to_lowercase(),
            _ => name.clone(),
        };
        let _ = write!(
            line,
            "2024-02-{day:02} 09:{:02}:00,2024-02-{day:02} 09:{:02}:59,0,,100,{},1,2024-02-{day:02} 09:{:02}:59,R_{r:012x},,,,,,,anonymous,NL,{},{},{},{}",
            r % 60,
            (r + 7) % 60,
            300 + r % 900,
            (r + 7) % 60,
            quote(&typed),
            1 + rng.below(4),
            1 + rng.below(3),
            1 + rng.below(3),
        );
        // shares per action line that add up to 100
        let a = rng.below(60);
        let b = rng.below(100 - a);
        let c = rng.below(100 - a - b + 1);
        let d = rng.below(100 - a - b - c + 1);
        let _ = write!(line, ",{a},{b},{c},{d},{}", 100 - a - b - c - d);
        for _ in 0..3 {
            let _ = write!(line, ",{}", 1 + rng.below(6));
        }
        for _ in 0..2 {
            let n = 12 + rng.below(30);
            let mut text = String::new();
            for k in 0..n {
                if k > 0 {
                    text.push(' ');
                }
                text.push_str(rng.pick(&words));
            }
            match rng.below(60) {
                0 => {
                    let _ = write!(
                        text,
                        ", mail {}@voorbeeld.example",
                        rng.pick(FIRST).to_lowercase()
                    );
                }
                1 => {
                    let _ = write!(text, ", bel 06-{:08}", rng.below(100_000_000));
                }
                _ => {}
            }
            text.push('.');
            text_bytes += text.len() as u64;
            line.push(',');
            line.push_str(&quote(&text));
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    Ok((path, text_bytes))
}

/// One interview note of 2 to 4 pages with a signature.
fn note(rng: &mut Rng, i: usize, municipality: &str) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let interviewer = format!("Interviewer {}", rng.pick(LAST));
    let _ = write!(
        out,
        "+++\ngemeente = {}\ndatum = 2024-03-{:02}\nrol = \"beleidsadviseur sociaal domein\"\ninterviewer = {}\n+++\n",
        quote(municipality),
        1 + i % 28,
        quote(&interviewer),
    );
    let pages = 2 + rng.below(3);
    for heading in ["Besteding", "Samenwerking", "Monitoring", "Knelpunten"]
        .iter()
        .cycle()
        .take(pages * 2)
    {
        let _ = write!(out, "# {heading}\n\n");
        // about 225 words under each heading: two headings a page
        for _ in 0..3 {
            for _ in 0..5 {
                out.push_str(rng.pick(SENTENCES));
                out.push(' ');
            }
            out.pop();
            out.push_str("\n\n");
        }
    }
    let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
    let _ = write!(
        out,
        "Met vriendelijke groet,\n\n{name}\nBeleidsadviseur\nTel. 06-{:08}\n",
        rng.below(100_000_000)
    );
    out
}

fn notes(repo: &Path, dir: &Path, count: usize, names: &[String]) -> std::io::Result<PathBuf> {
    let folder = dir.join("interviews");
    std::fs::create_dir_all(&folder)?;
    // the example's notes, which the manual codings refer to
    for entry in std::fs::read_dir(repo.join("fixtures/2024/interviews"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), folder.join(entry.file_name()))?;
    }
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for i in 0..count {
        let text = note(&mut rng, i, &names[(i * 7) % names.len()]);
        std::fs::write(folder.join(format!("gen-{i:05}.md")), text)?;
    }
    Ok(folder)
}

/// The example's report sources: report.toml, chapters and stories.
fn copy_report(repo: &Path, dir: &Path) -> std::io::Result<()> {
    let src = repo.join("reports/2024");
    for sub in ["chapters", "stories"] {
        std::fs::create_dir_all(dir.join(sub))?;
        for e in std::fs::read_dir(src.join(sub))? {
            let e = e?;
            std::fs::copy(e.path(), dir.join(sub).join(e.file_name()))?;
        }
    }
    std::fs::copy(src.join("report.toml"), dir.join("report.toml")).map(drop)
}

/// A copy of the example project whose chapters and notes can be edited
/// (the other inputs stay where they are).
fn example_copy(repo: &Path, dir: &Path) -> std::io::Result<()> {
    copy_report(repo, dir)?;
    notes(repo, dir, 0, &[])?;
    let src = repo.join("reports/2024");
    let text = std::fs::read_to_string(src.join("evaluatie.toml"))?
        .replace("\"../../fixtures/2024/interviews\"", "\"interviews\"")
        .replace("\"../../", &format!("\"{}/", repo.display()));
    std::fs::write(dir.join("evaluatie.toml"), text)
}

fn project(
    repo: &Path,
    dir: &Path,
    size: &Size,
    register: &Path,
    names: &[String],
) -> std::io::Result<(PathBuf, u64, u64)> {
    std::fs::create_dir_all(dir)?;
    let (csv, open_text) = survey(repo, dir, size.respondents, names)?;
    let notes = notes(repo, dir, size.notes, names)?; // "interviews" in the project file
    copy_report(repo, dir)?;
    let f = |p: &str| repo.join(p).display().to_string();
    let toml = format!(
        r#"name = "Schaaltest {name}"
wave = 2024
output = "out"
report = "."

[register]
path = {register:?}
mergers = {mergers:?}
mapping = "gemeenten_mapping.csv"
{boundaries}

[[survey]]
path = {csv:?}
platform = "qualtrics"
instrument = {instrument:?}

[notes]
path = {notes:?}

[funds]
path = {funds:?}

[vouchers]
path = {vouchers:?}

[coding]
unit = "paragraph"
manual = [{manual:?}]
gold = "Codeur A"

[population]
path = {population:?}

[allocation]
path = {allocation:?}
year = 2023
"#,
        name = size.name,
        register = register.display().to_string(),
        // the CBS register has no coordinates: the map takes the outlines
        boundaries = register
            .parent()
            .map(|d| d.join("gemeenten_2024_pdok.geojson"))
            .filter(|b| b.is_file())
            .map(|b| {
                format!(
                    "boundaries = {:?}\nboundaries_source = \"Bron: CBS / Kadaster, via PDOK\"",
                    b.display().to_string()
                )
            })
            .unwrap_or_default(),
        mergers = f("fixtures/herindelingen_voorbeeld.csv"),
        csv = "enquete.csv",
        instrument = f("surveys/2024/instrument.toml"),
        notes = "interviews",
        funds = f("fixtures/middelen_per_actielijn.csv"),
        vouchers = f("fixtures/2024/vouchers_voorbeeld.csv"),
        manual = f("fixtures/2024/handmatige_coderingen_voorbeeld.csv"),
        population = f("fixtures/cbs_aantal_gemeenten_2024.csv"),
        allocation = f("fixtures/aandelen_clusters_voorbeeld.csv"),
    );
    std::fs::write(dir.join("evaluatie.toml"), toml)?;
    // the example register's aliases ("Den Bosch"), which the CBS register
    // does not carry, as settled names
    let example = std::fs::read_to_string(repo.join("fixtures/gemeenten_voorbeeld.csv"))?;
    let mut mapping = String::from("invoer,gemeentecode\n");
    for line in example.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if let (Some(code), Some(aliases)) = (cells.first(), cells.get(4)) {
            for alias in aliases.split(';').filter(|a| !a.trim().is_empty()) {
                let _ = writeln!(mapping, "{},{code}", quote(alias.trim()));
            }
        }
    }
    std::fs::write(dir.join("gemeenten_mapping.csv"), mapping)?;
    let csv_bytes = std::fs::metadata(&csv)?.len();
    let mut note_bytes = 0;
    for entry in std::fs::read_dir(&notes)? {
        note_bytes += entry?.metadata()?.len();
    }
    // input size, and the text that is pseudonymised: notes and open answers
    Ok((csv, csv_bytes + note_bytes, note_bytes + open_text))
}

/// A build's steps (seconds, message), its peak memory in MB and its wall time.
struct Run {
    steps: Vec<(f64, String)>,
    peak_mb: f64,
    /// The step during which the peak memory was reached.
    peak_step: String,
    wall: f64,
}

fn build(dir: &Path) -> Run {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pokeval"))
        .arg("build")
        .arg(dir)
        .arg("--quiet")
        .arg("--timings")
        .output()
        .expect("run pokeval");
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pokeval build failed:\n{stderr}");
    let mut steps = Vec::new();
    let mut peak_mb = 0.0;
    // the first step by whose end the peak was reached
    let mut peak_step: (f64, String) = (0.0, String::new());
    for line in stderr.lines() {
        if let Some(mb) = line.strip_prefix("peak memory: ") {
            peak_mb = mb.trim_end_matches(" MB").parse().unwrap_or(0.0);
        } else if let Some((secs, msg)) = line.trim_start().split_once("  ") {
            if let Ok(s) = secs.parse::<f64>() {
                // "<message> [<peak so far> MB]"
                let (msg, peak) = match msg.trim().rsplit_once(" [") {
                    Some((m, p)) => (m, p.trim_end_matches(" MB]").parse().ok()),
                    None => (msg.trim(), None),
                };
                if let Some(p) = peak {
                    if p > peak_step.0 {
                        peak_step = (p, msg.to_string());
                    }
                }
                steps.push((s, msg.to_string()));
            }
        }
    }
    Run {
        steps,
        peak_mb,
        peak_step: peak_step.1,
        wall,
    }
}

/// Groups steps that name a file ("reading survey export x") under one label.
fn label(step: &str) -> String {
    for prefix in ["reading survey export", "reading manual codings"] {
        if step.starts_with(prefix) {
            return prefix.to_string();
        }
    }
    step.to_string()
}

/// One HTTP GET on loopback; the body.
fn get(addr: &str, path: &str, timeout: Duration) -> Option<String> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

/// Seconds from a preview's edit to the new version offered (what the
/// open page waits for before it reloads).
struct Latency {
    chapter: f64,
    /// An edit to an interview note (the project is prepared again, and
    /// that note alone coded).
    note: f64,
    first_build: f64,
}

/// Appends `sentence` to `file` and returns the seconds until the preview
/// at `addr` offers a version past `v`, and that version.
fn edit_latency(addr: &str, v: &str, file: &Path, sentence: &str) -> Option<(f64, String)> {
    let mut text = std::fs::read_to_string(file).ok()?;
    text.push_str(sentence);
    let edit = Instant::now();
    std::fs::write(file, text).ok()?;
    let after = get(
        addr,
        &format!("/__pokeval/version?after={v}"),
        Duration::from_secs(120),
    )?;
    let after = after.trim().to_string();
    (after != v).then(|| (edit.elapsed().as_secs_f64(), after))
}

/// Starts `pokeval preview` on the project, waits for its first build,
/// appends a sentence to a chapter and then to an interview note, and
/// returns how soon each was served.
fn preview_latency(dir: &Path) -> Option<Latency> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokeval"))
        .arg("preview")
        .arg(dir)
        .arg("--addr")
        .arg(&addr)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut first = None;
    while started.elapsed() < Duration::from_secs(600) {
        if let Some(v) = get(&addr, "/__pokeval/version", Duration::from_secs(5)) {
            first = Some(v.trim().to_string());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result = first.and_then(|v| {
        let first_build = started.elapsed().as_secs_f64();
        let (chapter, v) = edit_latency(
            &addr,
            &v,
            &dir.join("chapters/04-conclusie.md"),
            "\nEen zin die de schaaltest net heeft toegevoegd.\n",
        )?;
        let (note, _) = edit_latency(
            &addr,
            &v,
            &dir.join("interviews/03-zaanstad.md"),
            "\nDe gemeente zet extra in op schuldhulpverlening en vroegsignalering.\n",
        )?;
        Some(Latency {
            chapter,
            note,
            first_build,
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Writes wave `year` of the size's project into `dir`: the project file
/// of `base` with absolute input paths, the instrument copied with the new
/// wave, and `earlier` as the earlier waves.
fn wave_project(
    repo: &Path,
    base: &Path,
    dir: &Path,
    year: u16,
    earlier: &[String],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    copy_report(repo, dir)?;
    let instrument = std::fs::read_to_string(repo.join("surveys/2024/instrument.toml"))?.replacen(
        "wave = 2024",
        &format!("wave = {year}"),
        1,
    );
    std::fs::write(dir.join("instrument.toml"), instrument)?;
    let abs = |name: &str| format!("{:?}", base.join(name).display().to_string());
    let mut text = std::fs::read_to_string(base.join("evaluatie.toml"))?
        .replacen("wave = 2024", &format!("wave = {year}"), 1)
        .replace("\"enquete.csv\"", &abs("enquete.csv"))
        .replace("\"interviews\"", &abs("interviews"))
        .replace("\"gemeenten_mapping.csv\"", &abs("gemeenten_mapping.csv"))
        .replace(
            &format!(
                "{:?}",
                repo.join("surveys/2024/instrument.toml")
                    .display()
                    .to_string()
            ),
            "\"instrument.toml\"",
        );
    if !earlier.is_empty() {
        let list: Vec<String> = earlier.iter().map(|e| format!("{e:?}")).collect();
        let _ = write!(text, "\n[comparison]\nearlier = [{}]\n", list.join(", "));
    }
    std::fs::write(dir.join("evaluatie.toml"), text)
}

/// The three-wave builds of one size (see the module docs).
fn waves(repo: &Path, base: &Path, root: &Path, size: &Size, single: &Run) {
    let w25 = root.join(format!("scale-{}-2025", size.name));
    let w26 = root.join(format!("scale-{}-2026", size.name));
    let _ = std::fs::remove_dir_all(&w25);
    let _ = std::fs::remove_dir_all(&w26);
    let show = |p: &Path| p.display().to_string();
    wave_project(repo, base, &w25, 2025, &[]).expect("write wave 2025");
    wave_project(repo, base, &w26, 2026, &[show(base), show(&w25)]).expect("write wave 2026");
    let run = build(&w26);
    let comparing = run
        .steps
        .iter()
        .filter(|(_, s)| s.starts_with("comparing"))
        .map(|(t, _)| t)
        .sum::<f64>();
    println!(
        "  three waves from their inputs: wall {:.2} s ({:.2}x the one-wave build), of which comparing {:.3} s; peak memory {:.0} MB",
        run.wall,
        run.wall / single.wall.max(1e-9),
        comparing,
        run.peak_mb
    );
    // the earlier waves from their analyse.json
    build(&w25);
    let json = |d: &Path| show(&d.join("out/analyse.json"));
    wave_project(repo, base, &w26, 2026, &[json(base), json(&w25)]).expect("write wave 2026");
    let run = build(&w26);
    println!(
        "  three waves from the earlier analyse.json: wall {:.2} s ({:.2}x the one-wave build); peak memory {:.0} MB",
        run.wall,
        run.wall / single.wall.max(1e-9),
        run.peak_mb
    );
    let venv_py = std::env::var("POKEVAL_BENCH_VENV")
        .map_or_else(
            |_| {
                PathBuf::from(std::env::var("HOME").unwrap_or_default())
                    .join(".cache/pokeval-bench-venv")
            },
            PathBuf::from,
        )
        .join("bin/python");
    if !venv_py.is_file() {
        println!("  pandas recomputation of the comparison: skipped (no benchmark virtualenv)");
        return;
    }
    // the peer reads the raw exports of every wave, as from the inputs
    wave_project(repo, base, &w26, 2026, &[show(base), show(&w25)]).expect("write wave 2026");
    let out = Command::new(venv_py)
        .arg(repo.join("scripts/check_waves.py"))
        .arg(&w26)
        .arg(w26.join("out/analyse.json"))
        .output();
    match out {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout);
            let secs: f64 = text
                .lines()
                .find_map(|l| l.strip_prefix("pandas seconds: "))
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(f64::NAN);
            let first = text.lines().next().unwrap_or("").trim();
            println!(
                "  pandas recomputation of the per-wave frequencies and the panel: {secs:.2} s, pokeval's comparing step {comparing:.3} s ({:.0}x): {first}",
                secs / comparing.max(1e-9)
            );
        }
        Err(e) => println!("  pandas recomputation could not run: {e}"),
    }
}

fn pandas(repo: &Path, csv: &Path, register: &Path) -> Option<(f64, String)> {
    let run = std::env::var("POKEVAL_BENCH_PYTHON").map_or(true, |v| v != "0");
    if !run {
        return None;
    }
    let out = Command::new("python3")
        .arg(repo.join("scripts/bench_survey.py"))
        .arg(csv)
        .arg(repo.join("surveys/2024/instrument.toml"))
        .arg(register)
        .output()
        .ok()?;
    if !out.status.success() {
        println!(
            "  pandas side failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let secs = text
        .lines()
        .find_map(|l| l.strip_prefix("pandas seconds: "))
        .and_then(|s| s.trim().parse().ok())?;
    let line = text.lines().next().unwrap_or("").trim().to_string();
    Some((secs, line))
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let chosen = std::env::var("POKEVAL_SCALE").unwrap_or_else(|_| "S,M,L".into());
    let sizes: Vec<&Size> = SIZES
        .iter()
        .filter(|s| chosen.split(',').any(|c| c.trim() == s.name))
        .collect();
    let (register, names, national) = register(&repo);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = std::env::var_os("POKEVAL_BENCH_DIR")
        .map_or_else(|| tmp.path().to_path_buf(), PathBuf::from);
    println!(
        "scale benchmark: pokeval build (release) on generated projects; register {} ({} municipalities{})",
        register.display(),
        names.len(),
        if national { "" } else { "; set POKEVAL_SHARED_DATA for the CBS 2024 register of 342" }
    );
    println!(
        "machine: {} cores; each size built once in a child process with --timings\n",
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
    let example = root.join("example");
    let _ = std::fs::remove_dir_all(&example);
    example_copy(&repo, &example).expect("copy the example");
    let run = build(&example);
    match preview_latency(&example) {
        Some(l) => println!(
            "example: build {:.2} s; preview: a chapter edit served {:.0} ms later (target under 300 ms), a note edit {:.0} ms later\n",
            run.wall,
            l.chapter * 1000.0,
            l.note * 1000.0
        ),
        None => println!("example: build {:.2} s; preview could not be measured\n", run.wall),
    }
    let mut runs: Vec<(&Size, Run, u64)> = Vec::new();
    for size in sizes {
        let dir = root.join(format!("scale-{}", size.name));
        let _ = std::fs::remove_dir_all(&dir);
        let started = Instant::now();
        let (csv, bytes, text_bytes) =
            project(&repo, &dir, size, &register, &names).expect("generate the project");
        println!(
            "size {}: {} respondents + {} notes (+13 example notes), {:.1} MB of input, generated in {:.1} s",
            size.name,
            size.respondents,
            size.notes,
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
        let run = build(&dir);
        let input_mb = bytes as f64 / 1e6;
        for (secs, step) in &run.steps {
            println!("  {secs:9.3} s  {step}");
        }
        println!(
            "  wall {:.2} s; peak memory {:.0} MB = {:.2}x input + {:.0} MB (target: under 3x input + 500 MB), reached in '{}'",
            run.wall,
            run.peak_mb,
            run.peak_mb / input_mb,
            run.peak_mb - 3.0 * input_mb,
            run.peak_step
        );
        let survey_step = run
            .steps
            .iter()
            .filter(|(_, s)| s.starts_with("reading survey export"))
            .map(|(t, _)| t)
            .sum::<f64>();
        if let Some((secs, line)) = pandas(&repo, &csv, &register) {
            println!("  {line}");
            println!(
                "  survey step: pokeval {survey_step:.3} s, pandas {secs:.3} s ({:.1}x)",
                secs / survey_step.max(1e-9)
            );
        }
        let pseudo = run
            .steps
            .iter()
            .find(|(_, s)| s.starts_with("pseudonymising"))
            .map_or(0.0, |(t, _)| *t);
        if pseudo > 0.0 {
            println!(
                "  pseudonymisation: {:.0} MB/s of text ({:.1} MB of notes and open answers; target at least 50)",
                text_bytes as f64 / 1e6 / pseudo,
                text_bytes as f64 / 1e6
            );
        }
        // the preview target is set for the example and size M
        let latency = if size.respondents <= 100_000 {
            preview_latency(&dir)
        } else {
            None
        };
        match latency {
            Some(l) => println!(
                "  preview: first build {:.2} s; a chapter edit served {:.0} ms later (target under 1 s; a full build: {:.2} s); a note edit {:.2} s later",
                l.first_build,
                l.chapter * 1000.0,
                run.wall,
                l.note
            ),
            None => println!("  preview: not measured at this size"),
        }
        if std::env::var("POKEVAL_BENCH_WAVES").is_ok_and(|v| v == "1") {
            waves(&repo, &dir, &root, size, &run);
        }
        println!();
        runs.push((size, run, bytes));
    }
    // growth per step between consecutive sizes (10x the data each)
    for pair in runs.windows(2) {
        let (a, ra, _) = &pair[0];
        let (b, rb, _) = &pair[1];
        println!(
            "growth {} -> {} (10x respondents and notes):",
            a.name, b.name
        );
        print_growth(ra, rb);
    }
    if runs.len() == 3 {
        println!("growth S -> L (100x; target at most 110x, no step superlinear):");
        print_growth(&runs[0].1, &runs[2].1);
    }
}

fn print_growth(a: &Run, b: &Run) {
    let mut totals: Vec<(String, f64, f64)> = Vec::new();
    for (runs, slot) in [(a, 0), (b, 1)] {
        for (secs, step) in &runs.steps {
            let l = label(step);
            let entry = match totals.iter_mut().find(|(s, _, _)| *s == l) {
                Some(e) => e,
                None => {
                    totals.push((l, 0.0, 0.0));
                    totals.last_mut().expect("just pushed")
                }
            };
            if slot == 0 {
                entry.1 += secs;
            } else {
                entry.2 += secs;
            }
        }
    }
    for (step, ta, tb) in totals {
        if ta >= 0.05 || tb >= 0.5 {
            println!(
                "  {:7.1}x  {step} ({ta:.3} s -> {tb:.3} s)",
                tb / ta.max(1e-3)
            );
        }
    }
    println!(
        "  {:7.1}x  wall time ({:.2} s -> {:.2} s)",
        b.wall / a.wall,
        a.wall,
        b.wall
    );
}
