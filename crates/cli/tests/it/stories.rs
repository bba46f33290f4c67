//! Story pages follow the project's one municipality rule: a story about a
//! merged municipality (Appingedam, in Eemsdelta since 2021) is the
//! successor's story; a name that places nowhere stops the build naming
//! the story file and its field.

use crate::common;

use std::path::Path;

use common::*;

/// A one-chapter report with one story page whose `gemeente` is `gemeente`.
fn report_with_story(dir: &Path, gemeente: &str) -> std::path::PathBuf {
    let project = tiny_report(dir, "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\nTekst.\n");
    let report = dir.join("rapport");
    let toml = std::fs::read_to_string(report.join("report.toml")).unwrap();
    std::fs::write(
        report.join("report.toml"),
        format!("{toml}stories = [\"s.md\"]\n"),
    )
    .unwrap();
    std::fs::write(
        report.join("s.md"),
        format!("+++\ngemeente = \"{gemeente}\"\ntitel = \"Een verhaal\"\n+++\nHet verhaal.\n"),
    )
    .unwrap();
    project
}

#[test]
fn a_story_about_a_merged_municipality_is_its_successors() {
    let tmp = tempfile::tempdir().unwrap();
    let project = report_with_story(tmp.path(), "Appingedam");
    let out = tmp.path().join("uit");
    let o = build_to(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    assert!(html.contains("Verhalen van gemeenten | Eemsdelta"));
}

#[test]
fn a_story_about_an_unknown_municipality_names_the_file_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let project = report_with_story(tmp.path(), "Atlantis");
    let out = tmp.path().join("uit");
    let o = build_to(&project, &out);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("s.md")
            && err.contains("field 'gemeente'")
            && err.contains("'Atlantis' is not in the register"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
}
