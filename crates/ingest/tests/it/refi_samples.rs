//! Real REFI-QDA files written by other tools (../shared/data/refi-qda/samples),
//! found through POKEVAL_SHARED_DATA; skipped with a note when it is unset.

use std::path::PathBuf;

use pokeval_ingest::refi::read_qdpx;

fn samples() -> Option<PathBuf> {
    match std::env::var_os("POKEVAL_SHARED_DATA") {
        None => {
            eprintln!("note: POKEVAL_SHARED_DATA is not set; skipping the REFI-QDA sample imports");
            None
        }
        Some(p) => {
            let p = PathBuf::from(p).join("refi-qda/samples");
            assert!(p.is_dir(), "{} is not a folder", p.display());
            Some(p)
        }
    }
}

#[test]
fn atlas_ti_8_project_imports_with_what_it_lacks_listed() {
    let Some(dir) = samples() else { return };
    let p =
        read_qdpx(&dir.join("atlasti-8.4.0-mac_refi-standard-project_no-sources.qdpx")).unwrap();
    assert_eq!(p.name, "ATLAS.ti standard project");
    assert!(p.origin.starts_with("ATLAS.ti 8.4.0"));
    assert_eq!(p.users.len(), 3);
    assert_eq!(p.flat_codes().len(), 14);
    let coke = p
        .flat_codes()
        .into_iter()
        .find(|(c, _)| c.name == "Coke")
        .unwrap()
        .0;
    assert_eq!(
        coke.description.as_deref(),
        Some("the breakfast of champions")
    );
    assert_eq!(coke.color.as_deref(), Some("#966450"));
    assert_eq!(p.sources.len(), 6, "six text sources");
    // the payloads are missing: listed, codings kept
    assert!(p.sources.iter().all(|s| s.text.is_none()));
    let missing = p
        .not_carried
        .iter()
        .filter(|l| l.contains("missing from the archive"))
        .count();
    assert_eq!(missing, 6, "{:#?}", p.not_carried);
    let codings: usize = p.sources.iter().map(|s| s.codings.len()).sum();
    assert_eq!(codings, 7, "codings on text selections");
    for kind in ["PDFSource", "PictureSource", "AudioSource", "VideoSource"] {
        assert!(
            p.not_carried.iter().any(|l| l.starts_with(kind)),
            "{kind} not listed"
        );
    }
    assert!(p.not_carried.iter().any(|l| l.contains("× Set")));
    assert!(p.not_carried.iter().any(|l| l.contains("× Note")));
}

#[test]
fn nvivo_mac_project_imports_a_deep_codebook_and_empty_texts() {
    let Some(dir) = samples() else { return };
    let p = read_qdpx(&dir.join("nvivo-mac-15.0.0_qc-project.qdpx")).unwrap();
    assert!(p.origin.starts_with("NVivo for Mac"));
    assert_eq!(p.flat_codes().len(), 262);
    fn depth(c: &pokeval_ingest::refi::Code) -> usize {
        1 + c.children.iter().map(depth).max().unwrap_or(0)
    }
    assert_eq!(p.codes.iter().map(depth).max(), Some(7));
    assert_eq!(p.sources.len(), 2);
    assert!(
        p.sources.iter().all(|s| s.text.as_deref() == Some("\n")),
        "{:?}",
        p.sources
    );
}

#[test]
fn a_project_without_codings_is_reported_not_passed_over() {
    let Some(dir) = samples() else { return };
    let path = dir.join("nvivo-mac-15.0.0_qc-project.qdpx");
    let (records, rejects) = pokeval_ingest::manual::load(&path, "nvivo.qdpx").unwrap();
    assert!(records.is_empty());
    let r = rejects
        .iter()
        .find(|r| r.reason.contains("no coded text selections"))
        .unwrap_or_else(|| panic!("{rejects:?}"));
    assert!(
        r.reason.contains("NVivo for Mac") && r.reason.contains("262 codes"),
        "{}",
        r.reason
    );
    assert_eq!(
        r.location(),
        "nvivo.qdpx",
        "no line number for a project file"
    );
    // the ATLAS.ti project has codings; no such note there
    let (_, rejects) = pokeval_ingest::manual::load(
        &dir.join("atlasti-8.4.0-mac_refi-standard-project_no-sources.qdpx"),
        "atlas.qdpx",
    )
    .unwrap();
    assert!(!rejects
        .iter()
        .any(|r| r.reason.contains("no coded text selections")));
}
