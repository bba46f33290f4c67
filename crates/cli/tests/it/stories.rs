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

/// A report of one chapter with two topics and two stories, placed by
/// `stories` (the TOML value after `stories = `).
fn report_with_placed_stories(dir: &Path, stories: &str) -> std::path::PathBuf {
    let project = tiny_report(
        dir,
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## Eerste onderwerp\n\nEerste tekst.\n\n## Tweede onderwerp\n\nTweede tekst.\n",
    );
    let report = dir.join("rapport");
    let toml = std::fs::read_to_string(report.join("report.toml")).unwrap();
    std::fs::write(
        report.join("report.toml"),
        format!("{toml}stories = {stories}\n"),
    )
    .unwrap();
    for (file, gemeente) in [("e.md", "Enschede"), ("z.md", "Zaanstad")] {
        std::fs::write(
            report.join(file),
            format!("+++\ngemeente = \"{gemeente}\"\ntitel = \"Verhaal {gemeente}\"\n+++\nOver {gemeente}.\n"),
        )
        .unwrap();
    }
    project
}

/// Where `needles` occur in `text`, in order; panics when one is missing.
fn positions(text: &str, needles: &[&str]) -> Vec<usize> {
    needles
        .iter()
        .map(|n| text.find(n).unwrap_or_else(|| panic!("'{n}' not found")))
        .collect()
}

#[test]
fn a_story_placed_after_a_topic_comes_between_the_pages_in_both_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let project = report_with_placed_stories(
        tmp.path(),
        r#"[{ file = "z.md", after = "Eerste onderwerp" }, "e.md"]"#,
    );
    let out = tmp.path().join("uit");
    let o = build_to(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    // the placed story (Zaanstad) between the two topics, the unplaced one
    // (Enschede) after the chapter's last page
    let order = [
        "Eerste tekst",
        "Over Zaanstad",
        "Tweede tekst",
        "Over Enschede",
    ];
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    let p = positions(&html, &order);
    assert!(p.windows(2).all(|w| w[0] < w[1]), "HTML order {p:?}");
    let bytes = std::fs::read(out.join("rapport.pdf")).unwrap();
    let pdf = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let p = positions(&pdf, &order);
    assert!(p.windows(2).all(|w| w[0] < w[1]), "PDF order {p:?}");
}

#[test]
fn a_story_placed_after_an_unknown_topic_lists_the_topics() {
    let tmp = tempfile::tempdir().unwrap();
    let project = report_with_placed_stories(
        tmp.path(),
        r#"[{ file = "z.md", after = "Derde onderwerp" }]"#,
    );
    let out = tmp.path().join("uit");
    let o = build_to(&project, &out);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("report.toml")
            && err.contains("z.md")
            && err.contains("'Derde onderwerp'")
            && err.contains("'Eerste onderwerp', 'Tweede onderwerp'"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_story_entry_of_the_wrong_shape_says_what_is_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let project = report_with_placed_stories(
        tmp.path(),
        r#"[{ file = "z.md", na = "Eerste onderwerp" }]"#,
    );
    let o = build_to(&project, &tmp.path().join("uit"));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("report.toml") && err.contains("after = "),
        "{err}"
    );
}
