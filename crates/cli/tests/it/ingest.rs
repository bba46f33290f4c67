//! `pokeval ingest` as a user runs it: on a project and on one export.

use crate::common;

use common::{example_project_in, pokeval, stderr, stdout};

/// `pokeval ingest` on the 2025 example export with its instrument,
/// register and mergers, plus `extra` arguments.
fn ingest_2025(out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "ingest",
        "fixtures/2025/enquete_limesurvey_voorbeeld.csv",
        "--wave",
        "2025",
        "--instrument",
        "surveys/2025/instrument.toml",
        "--register",
        "fixtures/gemeenten_voorbeeld.csv",
        "--mergers",
        "fixtures/herindelingen_voorbeeld.csv",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    pokeval(&args)
}

/// `pokeval ingest <input> --quiet --out <out>`: a project, or a file
/// without further options.
fn ingest_quiet(input: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    pokeval(&[
        "ingest",
        input.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn ingest_one_export_with_instrument_register_and_mergers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("enquete");
    let o = ingest_2025(&out, &["--format", "both"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("LimeSurvey CSV with question codes"),
        "{text}"
    );
    assert!(
        text.contains("7 records read = 5 accepted + 2 rejected"),
        "{text}"
    );
    assert!(
        text.contains("'Groningn' x1: automatisch GM0014 Groningen"),
        "{text}"
    );
    let long = std::fs::read_to_string(out.join("enquete_limesurvey_voorbeeld_lang.csv")).unwrap();
    assert!(long.starts_with("respondent,municipality,wave,question,value,label,number,missing\n"));
    assert!(
        long.contains("2,GM1979,2025,bestedingsplan,1,Ja,1.0,false"),
        "{long}"
    );
    let rejects =
        std::fs::read_to_string(out.join("enquete_limesurvey_voorbeeld_afgewezen.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 3, "{rejects}");
    let review = std::fs::read_to_string(out.join("gemeenten_review.csv")).unwrap();
    assert!(review.contains("Haaren,1,te beoordelen"), "{review}");
    for f in [
        "enquete_limesurvey_voorbeeld_lang.parquet",
        "enquete_limesurvey_voorbeeld_breed.parquet",
    ] {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert!(
            bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
            "{f} is Parquet"
        );
    }

    // The instrument must be for the wave being read.
    let o = pokeval(&[
        "ingest",
        "fixtures/2025/enquete_limesurvey_voorbeeld.csv",
        "--instrument",
        "surveys/2025/instrument.toml",
        "--quiet",
        "--out",
        tmp.path().join("fout").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("instrument.toml")
            && err.contains("for wave 2025 but wave 2024 is being read"),
        "{err}"
    );
    assert!(!tmp.path().join("fout").exists());

    // Settling Haaren in a mapping file accepts the respondent.
    let mapping = tmp.path().join("mapping.csv");
    std::fs::write(&mapping, "invoer,gemeentecode\nHaaren,GM0828\n").unwrap();
    // The example register lacks Haaren's successors; any code settles it.
    let o = ingest_2025(&out, &["--mapping", mapping.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("7 records read = 6 accepted + 1 rejected"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn ingest_a_project_and_a_broken_file() {
    let tmp = tempfile::tempdir().unwrap();
    let project = example_project_in(tmp.path(), |t| t);
    let out = tmp.path().join("uit");
    let o = ingest_quiet(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("12 records read = 11 accepted + 1 rejected"),
        "{}",
        stdout(&o)
    );
    let wide = std::fs::read_to_string(out.join("enquete_qualtrics_voorbeeld_breed.csv")).unwrap();
    assert_eq!(
        wide.lines()
            .next()
            .unwrap()
            .split(',')
            .take(4)
            .collect::<Vec<_>>(),
        ["respondent", "municipality", "submitted", "gemeente"]
    );

    // Open answers are pseudonymised as in a build.
    let text = std::fs::read_to_string(
        common::repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"),
    )
    .unwrap();
    let marked = text.replacen(
        "Versterking van bestaande",
        "Mail j.jansen@voorbeeld.invalid over bestaande",
        1,
    );
    assert_ne!(marked, text);
    let survey = tmp.path().join("enquete.csv");
    std::fs::write(&survey, marked).unwrap();
    let dir = tmp.path().join("met_mail");
    std::fs::create_dir(&dir).unwrap();
    let project = common::example_with_input(
        &dir,
        "fixtures/2024/enquete_qualtrics_voorbeeld.csv",
        &survey,
    );
    let o = ingest_quiet(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let long = std::fs::read_to_string(out.join("enquete_lang.csv")).unwrap();
    assert!(
        long.contains("Mail [e-mail 1] over bestaande") && !long.contains("voorbeeld.invalid"),
        "{long}"
    );

    // A file without a known layout: an error naming file and line, no output.
    let bad = tmp.path().join("export.csv");
    std::fs::write(&bad, "foo;bar\n1;2\n").unwrap();
    let out2 = tmp.path().join("niets");
    let o = ingest_quiet(&bad, &out2);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("export.csv, line 1") && err.contains("no known survey layout"),
        "{err}"
    );
    assert!(!out2.exists(), "nothing is written for a broken export");
}

#[test]
fn build_writes_the_review_list_when_names_need_review() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        common::repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"),
    )
    .unwrap();
    assert!(text.contains(",Groningen,"));
    let survey = tmp.path().join("enquete.csv");
    std::fs::write(&survey, text.replacen(",Groningen,", ",Groningn,", 1)).unwrap();
    let project = common::example_with_input(
        tmp.path(),
        "fixtures/2024/enquete_qualtrics_voorbeeld.csv",
        &survey,
    );
    let out = tmp.path().join("uit");
    let o = common::build_to(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("municipality names to review (1"),
        "{}",
        stdout(&o)
    );
    let review = std::fs::read_to_string(out.join("gemeenten_review.csv")).unwrap();
    assert!(
        review.contains("Groningn,1,automatisch,GM0014,Groningen"),
        "{review}"
    );
    // A build without names to review removes a stale list.
    let o = common::build_to(common::repo().join("reports/2024"), &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("gemeenten_review.csv").exists());
}

#[test]
fn an_export_of_only_test_responses_is_an_error_that_says_how_to_keep_them() {
    let tmp = tempfile::tempdir().unwrap();
    // the example's three header rows and its preview response made into
    // two test responses (Status 2, "Survey Test")
    let example = std::fs::read_to_string(
        common::repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"),
    )
    .unwrap();
    let lines: Vec<&str> = example.lines().collect();
    let preview = lines
        .iter()
        .find(|l| l.contains("R_Vb00PreviewQz"))
        .unwrap();
    let test = |id: &str| {
        let mut fields: Vec<String> = preview.split(',').map(str::to_string).collect();
        fields[2] = "2".into();
        fields.join(",").replace("R_Vb00PreviewQz", id)
    };
    let only_tests = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        lines[0],
        lines[1],
        lines[2],
        test("R_Vb00TestQa"),
        test("R_Vb00TestQb")
    );
    let file = tmp.path().join("alleen_test.csv");
    std::fs::write(&file, only_tests).unwrap();
    let out = tmp.path().join("uit");
    let o = ingest_quiet(&file, &out);
    assert!(!o.status.success(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("alleen_test.csv")
            && err.contains("all 2 records were rejected")
            && err.contains("line 4:")
            && err.contains("--include-tests"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
    // with the flag they are read
    let o = pokeval(&[
        "ingest",
        file.to_str().unwrap(),
        "--include-tests",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}
