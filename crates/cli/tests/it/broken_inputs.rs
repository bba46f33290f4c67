//! Broken inputs give a clear error naming the file, a non-zero exit and no
//! report.

use crate::common;

use std::path::Path;

use common::*;

/// Builds `project` into a fresh output folder and returns stderr; asserts
/// failure and that no output was written.
fn build_fails(project: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let o = build_to(project, out.path());
    assert!(!o.status.success(), "build should fail");
    assert!(
        std::fs::read_dir(out.path()).unwrap().next().is_none(),
        "output written despite the error"
    );
    stderr(&o)
}

#[test]
fn missing_input_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let p = example_project_in(tmp.path(), |t| {
        t.replace("vouchers_voorbeeld.csv", "bestaat_niet.csv")
    });
    let err = build_fails(&p);
    assert!(
        err.contains("evaluatie.toml")
            && err.contains("bestaat_niet.csv")
            && err.contains("not found"),
        "{err}"
    );
}

#[test]
fn malformed_toml_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = example_project_in(tmp.path(), |t| t.replace("wave = 2024", "wave = 2024 2025"));
    let err = build_fails(&p);
    assert!(
        err.contains("evaluatie.toml") && err.contains("invalid TOML") && err.contains("line 8"),
        "{err}"
    );
}

#[test]
fn wave_outside_the_evaluation_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = example_project_in(tmp.path(), |t| t.replace("wave = 2024", "wave = 2023"));
    let err = build_fails(&p);
    assert!(err.contains("wave 2023"), "{err}");
}

#[test]
fn unreadable_csv_names_file_and_position() {
    let tmp = tempfile::tempdir().unwrap();
    let funds = tmp.path().join("middelen.csv");
    let mut bytes = std::fs::read(repo().join("fixtures/middelen_per_actielijn.csv")).unwrap();
    bytes.extend_from_slice(b"AU gemeentefonds,2,1\xff,2,3,4,5,6,7\n");
    std::fs::write(&funds, bytes).unwrap();
    let p = example_with_input(tmp.path(), "fixtures/middelen_per_actielijn.csv", &funds);
    let err = build_fails(&p);
    assert!(
        err.contains("middelen.csv") && err.contains("invalid byte at offset"),
        "{err}"
    );
}

#[test]
fn bad_value_in_csv_names_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let funds = tmp.path().join("middelen.csv");
    let mut text =
        std::fs::read_to_string(repo().join("fixtures/middelen_per_actielijn.csv")).unwrap();
    text = text.replace(
        "AU gemeentefonds,4. Versterking wijkteams,45",
        "AU gemeentefonds,4. Versterking wijkteams,veel",
    );
    std::fs::write(&funds, text).unwrap();
    let p = example_with_input(tmp.path(), "fixtures/middelen_per_actielijn.csv", &funds);
    let err = build_fails(&p);
    assert!(
        err.contains("middelen.csv, line 9, field '2021'") && err.contains("'veel'"),
        "{err}"
    );
}

#[test]
fn truncated_survey_export_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let survey = tmp.path().join("enquete.csv");
    let text =
        std::fs::read_to_string(repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"))
            .unwrap();
    let cut: String = text.lines().take(2).collect::<Vec<_>>().join("\n");
    std::fs::write(&survey, cut).unwrap();
    let p = example_with_input(
        tmp.path(),
        "fixtures/2024/enquete_qualtrics_voorbeeld.csv",
        &survey,
    );
    let err = build_fails(&p);
    assert!(
        err.contains("enquete.csv, line 3")
            && err.contains("three header rows")
            && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn note_with_unknown_municipality_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(
        notes.join("a.md"),
        "+++\ngemeente = \"Atlantis\"\ndatum = 2024-03-01\nrol = \"x\"\n+++\nTekst.\n",
    )
    .unwrap();
    let p = example_with_input(tmp.path(), "fixtures/2024/interviews", &notes);
    let err = build_fails(&p);
    assert!(
        err.contains("a.md") && err.contains("'Atlantis' is not in the register"),
        "{err}"
    );
}

#[test]
fn unknown_shortcode_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(
        tmp.path(),
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\n{{ table(name=\"onbekend\") }}\n",
    );
    let err = build_fails(&p);
    assert!(
        err.contains("1.md, line 8") && err.contains("unknown table 'onbekend'"),
        "{err}"
    );
}

#[test]
fn an_action_line_page_must_answer_the_three_questions() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(tmp.path(), "+++\ntitle = \"Een\"\n+++\n# Besteding per actielijn\n\n## Actielijn 7: Verward gedrag\n\n### Wat houdt actielijn 7 in?\n\nTekst.\n\n### Wat is de bijdrage van de POK-middelen?\n\nTekst.\n");
    let err = build_fails(&p);
    assert!(
        err.contains("1.md, line 6") && err.contains("'Actielijn 7: Verward gedrag' does not answer: Wat is in de evaluatieperiode gerealiseerd?"),
        "{err}"
    );
}

#[test]
fn an_action_line_without_a_page_is_no_link_in_the_selector() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(tmp.path(), "+++\ntitle = \"Een\"\n+++\n# Besteding per actielijn\n\n## Actielijn 7: Verward gedrag\n\n### Wat houdt actielijn 7 in?\n\nTekst.\n\n### Wat is in de evaluatieperiode gerealiseerd?\n\nTekst.\n\n### Wat is de bijdrage van de POK-middelen?\n\nTekst.\n");
    let out = tmp.path().join("uit");
    let o = build_to(&p, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    assert!(html.contains("aria-current=\"true\">7</a>"));
    assert!(
        html.contains("<span class=\"al-none\" title=\"Digitale overheid (geen pagina)\">1</span>")
    );
    assert_eq!(html.matches("class=\"al-none\"").count(), 7);
}

#[test]
fn a_page_reference_to_no_page_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(
        tmp.path(),
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\nZie {{ page(ref=\"verhaal-nergens\") }}.\n",
    );
    let err = build_fails(&p);
    assert!(
        err.contains("1.md, line 8") && err.contains("page(ref=\"verhaal-nergens\") names no page"),
        "{err}"
    );
}

#[test]
fn a_map_with_an_unknown_colour_names_file_line_and_the_choices() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(
        tmp.path(),
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\n{{ map(colour=\"inwoners\") }}\n",
    );
    let err = build_fails(&p);
    assert!(
        err.contains("1.md, line 8")
            && err.contains("map(colour=\"inwoners\"): unknown; use one of stories, participation, funds_per_1000"),
        "{err}"
    );
}

#[test]
fn an_undefined_footnote_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(
        tmp.path(),
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\nTekst met een noot.[^bron]\n",
    );
    let err = build_fails(&p);
    assert!(
        err.contains("1.md, line 8")
            && err.contains(
                "footnote [^bron] is not defined; add a line '[^bron]: text' to this file"
            ),
        "{err}"
    );
}

#[test]
fn a_footnote_defined_on_another_page_prints_its_text_with_one_number() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(
        tmp.path(),
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\nEerste noot.[^a]\n\n## C\n\nTweede noot.[^b]\n\n[^a]: Tekst van noot a.\n[^b]: Tekst van noot b.\n",
    );
    let out = tmp.path().join("uit");
    let o = build_to(&p, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    // two notes, two numbers, each id once
    for n in [1, 2] {
        assert_eq!(html.matches(&format!("id=\"voetnoot-{n}\"")).count(), 1);
    }
    assert!(html.contains("<li id=\"voetnoot-1\" value=\"1\">Tekst van noot a."));
    assert!(html.contains("<li id=\"voetnoot-2\" value=\"2\">Tekst van noot b."));
    // the PDF prints both texts, the first one on another page than its
    // definition in the source
    let bytes = std::fs::read(out.join("rapport.pdf")).unwrap();
    let pdf = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    assert!(pdf.contains("Tekst van noot a.") && pdf.contains("Tekst van noot b."));
}

#[test]
fn an_appendix_page_of_the_author_follows_the_verantwoording_and_page_refs_reach_it() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tiny_report(
        tmp.path(),
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\nZie de bijlage op {{ page(ref=\"bijlage-toelichting-gemeentefonds\") }}.\n",
    );
    let report = tmp.path().join("rapport");
    let toml = std::fs::read_to_string(report.join("report.toml")).unwrap();
    std::fs::write(
        report.join("report.toml"),
        format!("{toml}[[appendix]]\nfile = \"h/bijlage.md\"\n"),
    )
    .unwrap();
    std::fs::write(
        report.join("h/bijlage.md"),
        "+++\ntitle = \"Toelichting gemeentefonds\"\n+++\n### Uitkeringen\n\nDe algemene uitkering.[^a]\n\n## Clusters\n\nHet fonds kent clusters.\n\n[^a]: Een bron.\n",
    )
    .unwrap();
    let out = tmp.path().join("uit");
    let o = build_to(&p, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    // two pages: the text before the first ## under the file's title, then
    // one per ## topic, after the "Verantwoording" and before "Meer weten?"
    let first = html
        .find("<h2 id=\"bijlage-toelichting-gemeentefonds-kop\" class=\"page-header\">Bijlage | Toelichting gemeentefonds</h2>")
        .expect("the first appendix page");
    let second = html
        .find(">Bijlage | Clusters</h2>")
        .expect("the second appendix page");
    let verantwoording = html.find("id=\"bijlage\"").unwrap();
    let closing = html.find("id=\"meer-weten\"").unwrap();
    assert!(verantwoording < first && first < second && second < closing);
    assert!(html.contains("<li id=\"voetnoot-1\" value=\"1\">Een bron."));
    // the page reference gives the page the PDF put the appendix on
    let bytes = std::fs::read(out.join("rapport.pdf")).unwrap();
    let pdf = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let pdf = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    let in_pdf = pdf
        .split("Zie de bijlage op pagina ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap_or_else(|| panic!("the reference in the PDF: {pdf}"))
        .to_string();
    assert!(
        html.contains(&format!(
            "<a class=\"page-ref\" href=\"#bijlage-toelichting-gemeentefonds\">pagina {in_pdf}</a>"
        )),
        "PDF says pagina {in_pdf}"
    );
    assert!(pdf.contains("Bijlage | Clusters") && pdf.contains("Een bron."));
    // an appendix file that is not there is an error naming report.toml
    std::fs::remove_file(report.join("h/bijlage.md")).unwrap();
    let err = build_fails(&p);
    assert!(
        err.contains("report.toml")
            && err.contains("'h/bijlage.md' is named in report.toml but does not exist"),
        "{err}"
    );
}
