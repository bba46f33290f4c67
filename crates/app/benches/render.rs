//! Rendering speed of the example report from parsed inputs, side by side
//! with pandoc rendering the same Markdown and SVG charts to standalone HTML.
//!
//! ```sh
//! cargo bench --workspace --bench render     # needs pandoc for the comparison (Debian: pandoc)
//! ```
//!
//! Targets: HTML under 0.5 s and PDF under 3 s on the 2-core machine.

use std::path::Path;
use std::time::Instant;

use pokeval_app::prepare;
use pokeval_model::NoProgress;
use pokeval_report::{document, html::Templates, pdf};
use std::fmt::Write as _;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/2024");
    let prepared = prepare(&project, &NoProgress).expect("the example prepares");
    let sources = pokeval_app::cmd::build::report_sources(&prepared).expect("report sources");
    let runs = 5;

    let mut html_times = Vec::new();
    let mut doc = None;
    for _ in 0..runs {
        let t = Instant::now();
        let templates = Templates::load(&prepared.project.config.report).expect("templates");
        let d = document::build_document(&sources, &prepared.analysis).expect("document");
        let html = templates.render(&d).expect("html");
        html_times.push(t.elapsed().as_secs_f64());
        assert!(html.len() > 10_000);
        doc = Some(d);
    }
    let doc = doc.expect("a document");
    let mut pdf_times = Vec::new();
    let mut pdf_pages = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let bytes = pdf::render(&doc, (2024, 6, 3)).expect("pdf").bytes;
        pdf_times.push(t.elapsed().as_secs_f64());
        pdf_pages = String::from_utf8_lossy(&bytes)
            .matches("/Type /Page\n")
            .count()
            .max(pdf_pages);
    }
    println!(
        "pokeval HTML (document + charts + tera): first run {:.3} s, median {:.3} s over {runs} runs (target < 0.5 s)",
        html_times[0],
        median(html_times.clone())
    );
    // Typst memoises between runs in one process: the first run is the honest one
    println!(
        "pokeval PDF (Typst, in process):         first run {:.3} s, median {:.3} s over {runs} runs (target < 3 s)",
        pdf_times[0],
        median(pdf_times.clone())
    );
    let _ = pdf_pages;

    // pandoc on the same Markdown (shortcodes replaced by the charts as SVG files)
    if std::process::Command::new("pandoc")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "pandoc is not installed (Debian: apt-get install pandoc); skipping the comparison"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut md = String::new();
    let re = regex::Regex::new(r"\{\{\s*([a-z_]+)\s*\(([^)]*)\)\s*\}\}").expect("regex");
    let mut n = 0;
    for ch in &sources.chapters {
        let body = re.replace_all(&ch.file.body, |_c: &regex::Captures| {
            n += 1;
            let svg = doc
                .charts
                .values()
                .nth(n % doc.charts.len().max(1))
                .cloned()
                .unwrap_or_default();
            let name = format!("chart{n}.svg");
            std::fs::write(dir.path().join(&name), svg).expect("write svg");
            format!("![grafiek]({name})")
        });
        _ = write!(md, "# {}\n\n{}\n\n", ch.title, body);
    }
    std::fs::write(dir.path().join("rapport.md"), md).expect("write md");
    // pandoc 3 has --embed-resources, older versions --self-contained
    let help = std::process::Command::new("pandoc")
        .arg("--help")
        .output()
        .expect("pandoc --help");
    let embed = if String::from_utf8_lossy(&help.stdout).contains("--embed-resources") {
        "--embed-resources"
    } else {
        "--self-contained"
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = std::process::Command::new("pandoc")
            .current_dir(dir.path())
            .args([
                "rapport.md",
                "--standalone",
                embed,
                "--metadata",
                "title=Evaluatie",
                "-o",
                "rapport.html",
            ])
            .output()
            .expect("run pandoc");
        times.push(t.elapsed().as_secs_f64());
        if !out.status.success() {
            println!("pandoc failed: {}", String::from_utf8_lossy(&out.stderr));
            return;
        }
    }
    println!(
        "pandoc standalone HTML (same Markdown + SVG): median {:.3} s over {runs} runs",
        median(times)
    );
}
