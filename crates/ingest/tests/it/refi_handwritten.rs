//! A REFI-QDA project written by hand for pokeval after the example in the
//! REFI-QDA 1.5 specification (fixtures/refi/handgeschreven): text codings
//! by two users, nested codes, a case with Text and Float variables, CRLF,
//! a BOM, `Sources/` with a capital and a stray entry, an empty `<Sets/>`,
//! and positions in UTF-16 code units as NVivo for Windows writes them. The
//! real samples lack codings on text with payloads, cases and variables.

use std::io::Write;
use std::path::{Path, PathBuf};

use pokeval_ingest::refi::read_qdpx;
use pokeval_model::Span;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/refi/handgeschreven")
}

/// Zips the fixture folder (entries as a QDA program would write them).
fn zip_fixture(dir: &Path, extra: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join("handgeschreven.qdpx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for name in [
        "Project.qde",
        "Sources/0E7C3B44-5B5E-4C1A-9D0B-7F2A1C6E9A01.txt",
        "Sources/.root",
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(&std::fs::read(fixture().join(name)).unwrap())
            .unwrap();
    }
    for (name, bytes) in extra {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

#[test]
fn hand_written_project_imports_codings_cases_and_variables() {
    let dir = tempfile::tempdir().unwrap();
    let p = read_qdpx(&zip_fixture(dir.path(), &[])).unwrap();
    assert!(p.not_carried.is_empty(), "{:?}", p.not_carried);
    assert_eq!(p.users.len(), 2);
    let flat = p.flat_codes();
    assert_eq!(flat.len(), 3);
    let sr = flat
        .iter()
        .find(|(c, _)| c.name.starts_with("AL2-SR"))
        .unwrap();
    assert_eq!(
        sr.1,
        Some("A0000000-0000-4000-8000-000000000002"),
        "nested under AL2"
    );
    assert_eq!(
        flat[0].0.description.as_deref(),
        Some("Wijkteams & toegang")
    );

    let s = &p.sources[0];
    let text = s.text.as_deref().unwrap();
    assert!(text.starts_with("Interview"), "the BOM is stripped");
    assert!(text.contains("\r\n"), "CRLF is kept");
    assert_eq!(s.codings.len(), 3);
    // UTF-16 positions (the emoji counts 2) converted to code points
    let slice = |i: usize| {
        Span::new(s.codings[i].start, s.codings[i].end)
            .slice(text)
            .unwrap()
    };
    assert_eq!(slice(0), "Het sociaal wijkteam kreeg extra uren.");
    assert_eq!(slice(2), "De raadslieden zijn beter bereikbaar.");

    let case = &p.cases[0];
    assert_eq!(case.name, "Enschede");
    assert_eq!(case.values["provincie"], "Overijssel");
    assert_eq!(case.values["aandeel_al4"], "40.5");
    assert_eq!(case.sources, vec!["0E7C3B44-5B5E-4C1A-9D0B-7F2A1C6E9A01"]);
    assert_eq!(
        p.variables
            .iter()
            .map(|v| v.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["Text", "Float"]
    );
}

#[test]
fn broken_archives_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // two project files
    let two = zip_fixture(dir.path(), &[("andere.qde", b"<Project name=\"x\"/>")]);
    let err = read_qdpx(&two).unwrap_err().to_string();
    assert!(
        err.contains("handgeschreven.qdpx") && err.contains("several .qde"),
        "{err}"
    );
    // not a zip
    let not_zip = dir.path().join("kapot.qdpx");
    std::fs::write(&not_zip, b"dit is geen zip").unwrap();
    let err = read_qdpx(&not_zip).unwrap_err().to_string();
    assert!(
        err.contains("kapot.qdpx") && err.contains("not a readable .qdpx"),
        "{err}"
    );
    // a zip bomb: a project file that decompresses past the limit
    let bomb = dir.path().join("bom.qdpx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
    zip.start_file("project.qde", zip::write::SimpleFileOptions::default())
        .unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..=(pokeval_formats::archive::MAX_ENTRY >> 20) {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap();
    assert!(
        std::fs::metadata(&bomb).unwrap().len() < 2 << 20,
        "the bomb is small on disk"
    );
    let err = read_qdpx(&bomb).unwrap_err().to_string();
    assert!(
        err.contains("bom.qdpx") && err.contains("more than the limit"),
        "{err}"
    );
}
