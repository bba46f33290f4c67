//! The preview server on loopback: serves the report, rebuilds on a change,
//! shows a build error. Bounded waits; the server stops at the end.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pokeval_app::cmd::preview::Preview;

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// A copy of the example project whose report sources can be edited.
pub(crate) fn project_copy(dir: &Path) -> PathBuf {
    let src = repo().join("reports/2024");
    for sub in ["chapters", "stories"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join(sub).join(e.file_name())).unwrap();
        }
    }
    std::fs::copy(src.join("report.toml"), dir.join("report.toml")).unwrap();
    let fixtures = repo().join("fixtures").canonicalize().unwrap();
    let surveys = repo().join("surveys").canonicalize().unwrap();
    let text = std::fs::read_to_string(src.join("evaluatie.toml"))
        .unwrap()
        .replace("\"../../fixtures", &format!("\"{}", fixtures.display()))
        .replace("\"../../surveys", &format!("\"{}", surveys.display()));
    std::fs::write(dir.join("evaluatie.toml"), text).unwrap();
    dir.to_path_buf()
}

fn wait_for_version(p: &Preview, after: u64) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if p.version() > after {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn preview_serves_rebuilds_and_shows_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let project = project_copy(tmp.path());
    let preview = Preview::start(&project, "127.0.0.1:0").unwrap();
    assert!(preview.addr.ip().is_loopback());

    let page = get(preview.addr, "/");
    assert!(
        page.starts_with("HTTP/1.") && page.contains("200"),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(page.contains("Evaluatie besteding POK-middelen"));
    assert!(
        page.contains("/__pokeval/version"),
        "the reload script is injected"
    );
    assert!(get(preview.addr, "/nope").contains("404"));

    // an edit to a chapter is picked up
    let v = preview.version();
    let chapter = project.join("chapters/04-conclusie.md");
    let mut text = std::fs::read_to_string(&chapter).unwrap();
    text.push_str("\nEen zin die net is toegevoegd.\n");
    std::fs::write(&chapter, &text).unwrap();
    assert!(wait_for_version(&preview, v), "no rebuild within 30 s");
    assert!(get(preview.addr, "/").contains("Een zin die net is toegevoegd."));
    let version = get(preview.addr, "/__pokeval/version");
    assert!(version.trim_end().ends_with(&preview.version().to_string()));

    // a broken source shows the error, naming the file and line
    let v = preview.version();
    text.push_str("\n{{ table(name=\"bestaat_niet\") }}\n");
    std::fs::write(&chapter, &text).unwrap();
    assert!(wait_for_version(&preview, v), "no rebuild within 30 s");
    let page = get(preview.addr, "/");
    assert!(
        page.contains("could not be built")
            && page.contains("04-conclusie.md")
            && page.contains("bestaat_niet"),
        "{page}"
    );
    assert!(
        !project.join("out").exists(),
        "the preview writes no output"
    );
    preview.stop();
}

/// [`project_copy`] with its own copy of the interview notes.
fn project_with_notes(dir: &Path) -> PathBuf {
    let project = project_copy(dir);
    let notes = repo().join("fixtures/2024/interviews");
    std::fs::create_dir_all(dir.join("interviews")).unwrap();
    for e in std::fs::read_dir(&notes).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join("interviews").join(e.file_name())).unwrap();
    }
    let file = project.join("evaluatie.toml");
    let notes = notes.canonicalize().unwrap();
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace(&format!("\"{}\"", notes.display()), "\"interviews\"");
    assert!(text.contains("path = \"interviews\""), "{text}");
    std::fs::write(&file, text).unwrap();
    project
}

/// The analysis as JSON, to compare two preparations.
fn analysis_json(p: &pokeval_analysis::Prepared) -> serde_json::Value {
    serde_json::to_value(&p.analysis).unwrap()
}

#[test]
fn a_note_change_codes_that_note_only_and_gives_the_full_result() {
    let tmp = tempfile::tempdir().unwrap();
    let project = project_with_notes(tmp.path());
    let progress = pokeval_model::NoProgress;
    let load = || pokeval_ingest::project::Project::load(&project).unwrap();
    let first = pokeval_app::prepare_project(load(), &progress).unwrap();
    let sources = first.inputs.sources.len();
    assert_eq!(
        first.coding.coded_sources, sources,
        "the first build codes all"
    );

    // nothing changed: nothing is coded again, and the result is the same
    let json = analysis_json(&first);
    let again = pokeval_app::prepare_again(load(), &progress, Some(first)).unwrap();
    assert_eq!(again.coding.coded_sources, 0);
    assert_eq!(analysis_json(&again), json);

    // one note changed: that note alone is coded, and the analysis is the
    // one a build from scratch gives
    let note = project.join("interviews/03-zaanstad.md");
    let mut text = std::fs::read_to_string(&note).unwrap();
    text.push_str("\nDe gemeente zet extra in op schuldhulpverlening en vroegsignalering.\n");
    std::fs::write(&note, text).unwrap();
    let changed = pokeval_app::prepare_again(load(), &progress, Some(again)).unwrap();
    assert_eq!(changed.coding.coded_sources, 1);
    let fresh = pokeval_app::prepare_project(load(), &progress).unwrap();
    assert_eq!(fresh.coding.coded_sources, sources);
    assert_eq!(analysis_json(&changed), analysis_json(&fresh));
    assert_ne!(analysis_json(&changed), json, "the change shows");

    // another codebook: every source is coded again
    let codebook = pokeval_analysis::codebook::DEFAULT_CODEBOOK.replacen(
        "name = \"",
        "name = \"Eigen versie van ",
        1,
    );
    std::fs::write(project.join("codeboek.toml"), codebook).unwrap();
    let file = project.join("evaluatie.toml");
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "# codebook = \"codebook.toml\"",
        "codebook = \"codeboek.toml\"",
    );
    std::fs::write(&file, text).unwrap();
    let recoded = pokeval_app::prepare_again(load(), &progress, Some(changed)).unwrap();
    assert_eq!(recoded.coding.coded_sources, sources);
    let fresh = pokeval_app::prepare_project(load(), &progress).unwrap();
    assert_eq!(analysis_json(&recoded), analysis_json(&fresh));
}
