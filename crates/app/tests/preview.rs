//! The preview server on loopback: serves the report, rebuilds on a change,
//! shows a build error. Bounded waits; the server stops at the end.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pokeval_app::cmd::preview::Preview;

fn repo() -> PathBuf {
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
fn project_copy(dir: &Path) -> PathBuf {
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
