//! Every real export under ../shared/data/surveys, read as a user would:
//! layout detected, respondents counted, keys, decoded values and labels.
//! Found through POKEVAL_SHARED_DATA: unset, the tests print a note and
//! pass; set to a missing folder, they fail.

use std::path::PathBuf;

use pokeval_model::Wave;
use pokeval_survey::{
    raw_long, read_export, read_structure, sibling_structure, Export, Layout, ReadOptions,
    Responses,
};

fn surveys() -> Option<PathBuf> {
    match std::env::var_os("POKEVAL_SHARED_DATA") {
        None => {
            eprintln!("note: POKEVAL_SHARED_DATA is not set; skipping the real survey exports");
            None
        }
        Some(p) => {
            let p = PathBuf::from(p).join("surveys");
            assert!(p.is_dir(), "{} is not a folder", p.display());
            Some(p)
        }
    }
}

fn opts(include_tests: bool) -> ReadOptions {
    ReadOptions {
        include_tests,
        ..Default::default()
    }
}

fn read(dir: &std::path::Path, rel: &str, include_tests: bool) -> (Export, Responses) {
    let path = dir.join(rel);
    let mut export =
        read_export(&path, rel, &opts(include_tests)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    if let Some(s) = sibling_structure(&path) {
        let st = read_structure(&s, "syntax").unwrap();
        st.apply(&mut export).unwrap();
    }
    let data = raw_long(&export, Wave::new(2024).unwrap()).unwrap();
    assert_eq!(
        data.rows_read,
        data.accepted() + data.rejects.len(),
        "{rel}"
    );
    (export, data)
}

/// (value, label, number, missing) of one answer.
fn answer(
    data: &Responses,
    respondent: &str,
    question: &str,
) -> (String, String, Option<f64>, bool) {
    let l = data.table();
    let s = |n: &str| pokeval_survey::text_column(l, n).unwrap();
    let (r, q, v, lab) = (s("respondent"), s("question"), s("value"), s("label"));
    let num = l.column("number").unwrap().f64().unwrap().clone();
    let mis = l.column("missing").unwrap().bool().unwrap().clone();
    for i in 0..l.height() {
        if r.get(i) == Some(respondent) && q.get(i) == Some(question) {
            return (
                v.get(i).unwrap().to_string(),
                lab.get(i).unwrap().to_string(),
                num.get(i),
                mis.get(i).unwrap(),
            );
        }
    }
    panic!("no answer of {respondent} to {question} in {}", data.file);
}

fn keys(e: &Export) -> Vec<&str> {
    e.columns.iter().map(|c| c.key.as_str()).collect()
}

#[test]
fn qualtrics_current_layout() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(&d, "qualtrics/qualtRics_sample.csv", false);
    assert_eq!(e.layout, Layout::QualtricsCurrent);
    assert_eq!(data.accepted(), 1);
    assert!(keys(&e).contains(&"QID1") && keys(&e).contains(&"QID2_TEXT"));
    // Row 2 is in German; the key comes from row 3.
    assert_eq!(e.columns[0].text, "Anfangsdatum");
    assert_eq!(answer(&data, "R_2YPOQ602ER1jkf1", "QID1").0, "2");
    assert_eq!(
        answer(&data, "R_2YPOQ602ER1jkf1", "QID2_TEXT").0,
        "Hello World!"
    );
}

#[test]
fn qualtrics_legacy_layout_with_bom_and_trailing_comma() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(&d, "qualtrics/qualtRics_sample_legacy.csv", false);
    assert_eq!(e.layout, Layout::QualtricsLegacy);
    assert_eq!(e.encoding, "UTF-8 (with BOM)");
    // The empty column the trailing commas make is gone.
    assert_eq!(e.columns.len(), 15);
    assert!(e.columns.iter().all(|c| !c.key.is_empty()));
    assert_eq!(e.columns[0].key, "_recordId");
    assert_eq!(answer(&data, "R_2YPOQ602ER1jkf1", "Q2").0, "Hello World!");
    // LocationAccuracy -1 is a negative recode: kept, flagged, no number.
    let (v, _, n, missing) = answer(&data, "R_2YPOQ602ER1jkf1", "LocationAccuracy");
    assert_eq!((v.as_str(), n, missing), ("-1", None, true));
}

#[test]
fn qualtrics_test_responses_are_rejected_unless_asked_for() {
    let Some(d) = surveys() else { return };
    let (_, data) = read(&d, "qualtrics/QualtricsTools_NoBasis_legacy.csv", false);
    assert_eq!(
        (data.rows_read, data.accepted(), data.rejects.len()),
        (15, 0, 15)
    );
    assert_eq!(data.rejects[0].line, 3);
    assert!(
        data.rejects[0].reason.contains("survey test (Status 2)"),
        "{}",
        data.rejects[0].reason
    );
    let (_, data) = read(&d, "qualtrics/QualtricsTools_NoBasis_legacy.csv", true);
    assert_eq!(data.accepted(), 15);
}

#[test]
fn qualtrics_insights_and_legacy_of_the_same_survey_agree() {
    let Some(d) = surveys() else { return };
    let (ei, ins) = read(
        &d,
        "qualtrics/QualtricsTools_NoBasis_insights2016.csv",
        true,
    );
    let (el, leg) = read(&d, "qualtrics/QualtricsTools_NoBasis_legacy.csv", true);
    assert_eq!(ei.layout, Layout::QualtricsInsights);
    assert_eq!(el.layout, Layout::QualtricsLegacy);
    assert_eq!(ins.accepted(), 15);
    assert_eq!(leg.accepted(), 15);
    // Insights ImportIds use '-'; they read as '_' so one column map fits.
    assert!(keys(&ei).contains(&"QID2_4") && keys(&ei).contains(&"QID1"));
    assert_eq!(ei.columns[ei.find("QID2_4").unwrap()].name, "Q2_-1");
    let r = "R_ebopwASnJ6p0KSp";
    assert_eq!(answer(&ins, r, "QID1").0, "3");
    assert_eq!(answer(&leg, r, "Q1").0, "3");
    // "No basis for evaluation" recodes are negative: explicit, not a number.
    let (v, _, n, missing) = answer(&ins, r, "QID3_1");
    assert_eq!((v.as_str(), n, missing), ("-1", None, true));
    // The two generations write different clocks for the same response.
    assert_eq!(answer(&ins, r, "startDate").0, "2016-06-24 14:27:08");
    assert_eq!(answer(&leg, r, "startDate").0, "2016-06-24 12:27:08");
}

#[test]
fn qualtrics_qsf_labels_codes_in_both_generations() {
    let Some(d) = surveys() else { return };
    let qsf = read_structure(&d.join("qualtrics/QualtricsTools_Sample_Survey.qsf"), "qsf").unwrap();
    assert_eq!(qsf.title, "Sample Survey");
    let fruits = qsf.questions.iter().find(|q| q.id == "QID1").unwrap();
    assert_eq!(fruits.code, "fruits");
    assert_eq!(
        fruits.options[1],
        ("2".to_string(), "Blueberries".to_string())
    );
    for (rel, layout, key) in [
        (
            "qualtrics/QualtricsTools_Sample_Survey_legacy.csv",
            Layout::QualtricsLegacy,
            "fruits",
        ),
        (
            "qualtrics/QualtricsTools_Sample_Survey_insights2016.csv",
            Layout::QualtricsInsights,
            "QID1",
        ),
    ] {
        let mut e = read_export(&d.join(rel), rel, &opts(true)).unwrap();
        assert_eq!(e.layout, layout);
        assert!(qsf.apply(&mut e).unwrap() > 20, "{rel}");
        let data = raw_long(&e, Wave::new(2024).unwrap()).unwrap();
        assert_eq!(data.accepted(), 5);
        let (v, label, n, _) = answer(&data, "R_e8z6glNpLL4PkcR", key);
        assert_eq!(
            (v.as_str(), label.as_str(), n),
            ("2", "Blueberries", Some(2.0)),
            "{rel}"
        );
    }
    let mc = read_structure(
        &d.join("qualtrics/QualtricsTools_MultiAnswer_MC.qsf"),
        "qsf",
    )
    .unwrap();
    assert_eq!(mc.questions.len(), 5);
    assert!(mc.questions.iter().all(|q| q.multiple));
    let rel = "qualtrics/QualtricsTools_MultiAnswer_MC_insights2016.csv";
    let mut e = read_export(&d.join(rel), rel, &opts(true)).unwrap();
    mc.apply(&mut e).unwrap();
    let c = &e.columns[e.find("QID2_1").unwrap()];
    assert_eq!(c.choice.as_deref(), Some("Click to write Statement 1"));
    // One column per choice holding 1 or empty: "1" reads as the choice.
    let data = raw_long(&e, Wave::new(2024).unwrap()).unwrap();
    let l = data.table();
    let q = pokeval_survey::text_column(l, "question").unwrap();
    let lab = pokeval_survey::text_column(l, "label").unwrap();
    assert!((0..l.height())
        .any(|i| q.get(i) == Some("QID2_1") && lab.get(i) == Some("Click to write Statement 1")));
    // The legacy export of the same survey: columns by name (Q2_1).
    let rel = "qualtrics/QualtricsTools_MultiAnswer_MC_legacy.csv";
    let mut e = read_export(&d.join(rel), rel, &opts(true)).unwrap();
    mc.apply(&mut e).unwrap();
    let data = raw_long(&e, Wave::new(2024).unwrap()).unwrap();
    assert_eq!(data.accepted(), 5);
    assert_eq!(
        answer(&data, "R_9TRMTVrcxToobFX", "Q2_1").1,
        "Click to write Statement 1"
    );
    assert_eq!(
        answer(&data, "R_bIVJQDOvulWU4BL", "Q2_2").1,
        "Click to write Statement 2"
    );
    let (_, mat) = read(
        &d,
        "qualtrics/QualtricsTools_MultiAnswer_Matrix_insights2016.csv",
        true,
    );
    assert_eq!(mat.accepted(), 5);
    assert!(mat.table().height() > 50);
}

#[test]
fn qualtrics_text_entry_on_choices() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(
        &d,
        "qualtrics/QualtricsTools_TextEntry_insights2017.csv",
        true,
    );
    assert_eq!(e.layout, Layout::QualtricsInsights);
    assert_eq!(data.accepted(), 15);
    assert_eq!(
        e.columns[e.find("QID1_TEXT").unwrap()].name,
        "MCSA_single_text_TEXT"
    );
    let r = &e.column(0).unwrap().get(1).unwrap().to_string();
    assert!(answer(&data, r, "QID2_TEXT")
        .0
        .starts_with("Elementum posuere!"));
}

#[test]
fn surveymonkey_two_header_rows_and_mojibake() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(&d, "surveymonkey/fivethirtyeight_StarWars.csv", false);
    assert_eq!(e.layout, Layout::SurveymonkeyTwoRow);
    // Not valid UTF-8: read as Windows-1252, and said so.
    assert_eq!(e.encoding, "windows-1252");
    assert_eq!(data.accepted(), 1186);
    assert_eq!(&keys(&e)[..4], &["RespondentID", "Q1", "Q2", "Q3_1"]);
    let c = &e.columns[e.find("Q3_1").unwrap()];
    assert_eq!(
        c.choice.as_deref(),
        Some("Star Wars: Episode I  The Phantom Menace")
    );
    // Multi-select: the choice text when chosen.
    let (v, _, _, _) = answer(&data, "3292879998", "Q3_1");
    assert_eq!(v, "Star Wars: Episode I  The Phantom Menace");
    assert_eq!(answer(&data, "3292879998", "Q4_1").2, Some(3.0));
    // "Unfamiliar (N/A)" is an explicit missing value.
    let l = data.table();
    let lab = pokeval_survey::text_column(l, "label").unwrap();
    let mis = l.column("missing").unwrap().bool().unwrap();
    assert!(
        (0..l.height()).any(|i| lab.get(i) == Some("Unfamiliar (N/A)") && mis.get(i) == Some(true))
    );

    let (e, data) = read(
        &d,
        "surveymonkey/fivethirtyeight_sleeping-alone-data.csv",
        false,
    );
    assert_eq!(e.layout, Layout::SurveymonkeyTwoRow);
    assert_eq!(data.accepted(), 1093);
    assert_eq!(e.columns.len(), 31);
    // No respondent id column: ids from the file name and record number.
    let r = "fivethirtyeight_sleeping-alone-data#1";
    assert_eq!(answer(&data, r, "StartDate").0, "7/10/14 18:37");
    assert_eq!(
        answer(&data, r, "Q1").0,
        "Single, but cohabiting with a significant other"
    );
    assert_eq!(
        e.columns[e.find("Q4_2").unwrap()].choice.as_deref(),
        Some("Other (please specify)")
    );
}

#[test]
fn google_and_microsoft_forms() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(
        &d,
        "google_forms/uva_hotdog_spring25_Form_Responses_1.csv",
        false,
    );
    assert_eq!(e.layout, Layout::GoogleForms);
    // CRLF records with LF inside quoted answers, no final newline, last field empty.
    assert_eq!(data.accepted(), 64);
    let r = "uva_hotdog_spring25_Form_Responses_1#10";
    assert_eq!(answer(&data, r, "Timestamp").0, "1/15/2025 22:00:33");
    assert_eq!(
        data.submitted[r], "2025-01-15T22:00:33",
        "US timestamp read month first"
    );
    let q = "What is the rationale behind your opinion?";
    assert!(
        answer(&data, r, q).0.contains("seems right\nalso, 2 bread"),
        "{:?}",
        answer(&data, r, q)
    );
    assert_eq!(
        e.lines[10], 13,
        "record 11 starts on line 13 after a two-line answer"
    );

    let (e, data) = read(&d, "google_forms/uva_hotdog_sp24_excel_resaved.csv", false);
    assert_eq!(e.layout, Layout::GoogleForms);
    assert_eq!(data.accepted(), 91);
    let r = "uva_hotdog_sp24_excel_resaved#1";
    assert_eq!(answer(&data, r, "Timestamp").0, "1/18/2024 14:18");
    assert!(
        answer(&data, r, "What is the rationale behind your opinion?")
            .0
            .contains("you’d be confused")
    );

    let (e, data) = read(
        &d,
        "microsoft_forms/uva_hotdog_fa24_msforms_excel_resaved.csv",
        false,
    );
    assert_eq!(e.layout, Layout::MicrosoftForms);
    assert_eq!(e.encoding, "windows-1252");
    assert_eq!(data.accepted(), 187);
    // 0x92 decodes to a right single quote.
    assert_eq!(
        answer(&data, "58", "What is your major?").0,
        "Computer Science’s"
    );
    assert_eq!(answer(&data, "1", "Is a hotdog a sandwich").0, "No");
    assert_eq!(data.submitted["1"], "2024-09-01T11:27:00");
    let wide = data.wide().unwrap();
    assert_eq!(wide.height(), 187);
    assert_eq!(
        wide.get_column_names()[..3],
        ["respondent", "municipality", "submitted"]
    );
}

#[test]
fn limesurvey_r_export_with_its_syntax_file() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(
        &d,
        "limesurvey/limonaid_survey_998192_R_data_file.csv",
        false,
    );
    assert_eq!(e.layout, Layout::LimesurveyText);
    assert_eq!(data.accepted(), 7);
    // The syntax file renames the question-text headings to codes.
    assert_eq!(
        &keys(&e)[..4],
        &["id", "submitdate", "lastpage", "startlanguage"]
    );
    assert!(keys(&e).contains(&"gender_other"));
    let (v, label, _, _) = answer(&data, "4", "informedConsent");
    assert_eq!((v.as_str(), label.as_str()), ("yes", "Yes please"));
    assert_eq!(answer(&data, "9", "gender").1, "Woman");
    assert_eq!(data.submitted["1"], "2021-09-24T11:39:34");
    // Timing columns after the coded ones keep their headings.
    assert!(keys(&e).contains(&"Total time"));
    let langs: Vec<String> = ["1", "4", "5", "7", "8", "9"]
        .iter()
        .map(|r| answer(&data, r, "startlanguage").0)
        .collect();
    assert!(langs.iter().any(|l| l == "nl-informal"), "{langs:?}");

    let (e, data) = read(
        &d,
        "limesurvey/limonaid_survey_100001_R_data_file.csv",
        false,
    );
    assert_eq!(e.columns.len(), 646);
    assert_eq!(data.accepted(), 3);
    let (v, label, _, _) = answer(&data, "3", "country");
    assert_eq!((v.as_str(), label.as_str()), ("nl00", "Netherlands"));
    assert_eq!(answer(&data, "1", "visitTime").1, "In the next thirty days");
}

#[test]
fn limesurvey_rewritten_by_pandas() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(&d, "dutch/ssi_rse_survey_2017_nl_public_data.csv", false);
    assert_eq!(e.layout, Layout::LimesurveyPandas);
    assert_eq!(data.accepted(), 77);
    assert!(keys(&e).contains(&"rse3[SQ001]") && keys(&e).contains(&"likert0[time1can]"));
    assert_eq!(
        e.columns[e.find("socio1").unwrap()].text,
        "In which country do you work?"
    );
    assert_eq!(answer(&data, "1", "socio1").0, "Netherlands");
    assert_eq!(answer(&data, "1", "edu1").0, "PhD");
}

#[test]
fn limesurvey_structure_files() {
    let Some(d) = surveys() else { return };
    let lss = read_structure(
        &d.join("limesurvey/mayeulk_limesurvey_survey_981966.lss"),
        "lss",
    )
    .unwrap();
    assert_eq!(lss.title, "RGI 2015 Test Survey");
    let q = lss
        .questions
        .iter()
        .find(|q| q.code == "q1statusreviewer")
        .unwrap();
    assert_eq!(q.kind, "L");
    assert_eq!(
        q.options[3],
        ("4".to_string(), "accepted by reviewer".to_string())
    );
    let tsv = read_structure(
        &d.join("limesurvey/mayeulk_limesurvey_survey_981966_structure.tsv.txt"),
        "tsv",
    )
    .unwrap();
    let q2 = tsv
        .questions
        .iter()
        .find(|q| q.code == "q1statusreviewer")
        .unwrap();
    assert_eq!(
        q2.options, q.options,
        "the .lss and the old .tsv layout agree"
    );
    let quexml = read_structure(
        &d.join("limesurvey/mayeulk_survey_981966_en_queXML.xml"),
        "xml",
    )
    .unwrap();
    assert_eq!(quexml.title, "RGI 2015 Test Survey");
    assert_eq!(
        quexml
            .questions
            .iter()
            .find(|q| q.code == "q1statusreviewer")
            .unwrap()
            .options,
        q.options
    );
    let lsg = read_structure(
        &d.join("limesurvey/limonaid_limesurvey_group_1370.lsg"),
        "lsg",
    )
    .unwrap();
    let array = lsg
        .questions
        .iter()
        .find(|q| q.code == "questionCode2")
        .unwrap();
    assert_eq!(array.kind, "F");
    assert_eq!(
        array.items[0],
        ("subQuestion1".to_string(), "Sub question 1".to_string())
    );
    assert_eq!(array.options.len(), 3);
    let bilingual = read_structure(
        &d.join("limesurvey/limonaid_survey_structure_en_nl.tsv.txt"),
        "tsv",
    )
    .unwrap();
    assert_eq!(
        bilingual.questions.len(),
        1,
        "the nl rows are the same question"
    );
    assert_eq!(
        bilingual.questions[0].options[1].1,
        "This is the second answer option"
    );
    let multi = read_structure(
        &d.join("limesurvey/limonaid_survey_structure_multichoice.tsv.txt"),
        "tsv",
    )
    .unwrap();
    assert!(multi.questions[0].multiple);
    assert_eq!(
        multi.questions[0].items[1],
        ("opt1".to_string(), "Option 2".to_string())
    );
    for syntax in [
        "limonaid_survey_998192_R_syntax_file.R",
        "limonaid_survey_100001_R_syntax_file.R",
    ] {
        let s = read_structure(&d.join("limesurvey").join(syntax), syntax).unwrap();
        assert_eq!(s.format, "r-syntax");
        assert_eq!(s.column_codes[0], "id");
    }
}

#[test]
fn spss_files() {
    let Some(d) = surveys() else { return };
    let (e, data) = read(&d, "spss_sav/pyreadstat_simple_alltypes_mrsets.sav", false);
    assert_eq!(e.layout, Layout::Spss);
    assert_eq!(data.accepted(), 6);
    let r = |n: usize| format!("pyreadstat_simple_alltypes_mrsets#{n}");
    assert_eq!(answer(&data, &r(2), "x").1, "green");
    // User-missing: discrete 8, and 999 labelled 'skipped' plus the range -999..0.
    assert_eq!(
        answer(&data, &r(5), "x"),
        ("8".to_string(), "8".to_string(), None, true)
    );
    assert_eq!(
        answer(&data, &r(4), "z"),
        ("999".to_string(), "skipped".to_string(), None, true)
    );
    assert_eq!(
        answer(&data, &r(1), "z"),
        ("-9".to_string(), "-9".to_string(), None, true)
    );
    // Multiple-response sets, with long variable names.
    let set = e.mr_sets.iter().find(|s| s.name == "$mymrset").unwrap();
    assert_eq!(set.counted.as_deref(), Some("1"));
    assert_eq!(set.columns, ["bool1", "bool2", "bool3"]);
    let cat = e
        .mr_sets
        .iter()
        .find(|s| s.name == "$categorical_array")
        .unwrap();
    assert_eq!((cat.counted.as_deref(), cat.columns.len()), (None, 3));
    assert_eq!(cat.columns[0], "ca_subvar_1");
    assert_eq!(
        e.columns[e.find("bool1").unwrap()].text,
        "My multiple response set"
    );

    let (e, data) = read(&d, "spss_sav/pyreadstat_sample_compressed.zsav", false);
    assert_eq!(data.accepted(), 5);
    assert_eq!(e.columns[e.find("mylabl").unwrap()].text, "labeled");
    assert_eq!(
        answer(&data, "pyreadstat_sample_compressed#2", "mylabl").1,
        "Female"
    );
    assert_eq!(
        answer(&data, "pyreadstat_sample_compressed#3", "myord").1,
        "high"
    );

    let (_, data) = read(&d, "spss_sav/pyreadstat_missing_char.sav", false);
    assert_eq!(
        answer(&data, "pyreadstat_missing_char#1", "mychar"),
        ("Z".to_string(), "Z".to_string(), None, true)
    );
    assert_eq!(
        answer(&data, "pyreadstat_missing_char#2", "mychar").1,
        "labeled"
    );

    // A truncated file is an error naming it, not a shorter table.
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(d.join("spss_sav/pyreadstat_simple_alltypes_mrsets.sav")).unwrap();
    let cut = tmp.path().join("afgebroken.sav");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let err = read_export(&cut, "afgebroken.sav", &opts(false))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("afgebroken.sav") && err.contains("complete SPSS"),
        "{err}"
    );

    let (e, data) = read(&d, "spss_sav/pyreadstat_tegulu_utf8.sav", false);
    assert_eq!(e.encoding, "UTF-8");
    assert!(
        answer(&data, "pyreadstat_tegulu_utf8#1", "Q16br9oe_Q24br9oe")
            .0
            .starts_with("నేను")
    );
}

/// The header's case count: -1 ("unknown", which the format allows) reads
/// every case, as pyreadstat does; a count the data cannot hold is an error
/// before anything is allocated for it. Uncompressed, bytecode and zlib.
#[test]
fn spss_case_counts_are_checked_against_the_data() {
    let Some(d) = surveys() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for rel in [
        "spss_sav/pyreadstat_missing_char.sav",
        "spss_sav/pyreadstat_simple_alltypes_mrsets.sav",
        "spss_sav/pyreadstat_sample_compressed.zsav",
    ] {
        let (_, data) = read(&d, rel, false);
        let bytes = std::fs::read(d.join(rel)).unwrap();
        let patched = |count: i32, name: &str| {
            let mut b = bytes.clone();
            b[80..84].copy_from_slice(&count.to_le_bytes());
            let p = tmp.path().join(name);
            std::fs::write(&p, b).unwrap();
            p
        };
        let unknown = patched(-1, "onbekend.sav");
        let e = read_export(&unknown, "onbekend.sav", &opts(false))
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        let again = raw_long(&e, Wave::new(2024).unwrap()).unwrap();
        assert_eq!(again.accepted(), data.accepted(), "{rel}");
        assert_eq!(
            again.wide().unwrap().height(),
            data.wide().unwrap().height(),
            "{rel}"
        );
        let huge = patched(2_000_000_000, "te_veel.sav");
        let err = read_export(&huge, "te_veel.sav", &opts(false))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("te_veel.sav") && err.contains("declares 2000000000 cases"),
            "{rel}: {err}"
        );
    }
}

#[test]
fn every_file_in_the_folder_is_covered() {
    let Some(d) = surveys() else { return };
    let this = include_str!("survey_platforms.rs");
    let mut missed = Vec::new();
    for entry in walkdir::WalkDir::new(&d).into_iter().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.file_type().is_file()
            && name != "README.md"
            && name != "SOURCE.txt"
            && !this.contains(&name)
        {
            missed.push(name);
        }
    }
    assert!(missed.is_empty(), "no test reads {missed:?}");
}

#[test]
fn spss_through_an_instrument_keeps_user_missing_explicit() {
    let Some(d) = surveys() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("instrument.toml");
    std::fs::write(
        &p,
        r#"
wave = 2024
title = "SPSS"

[[question]]
id = "gemeente"
type = "municipality"
text = "Gemeente"

[[question]]
id = "kleur"
type = "single"
text = "Kleur"
options = [
  { code = "1", label = "rood" },
  { code = "2", label = "groen" },
  { code = "3", label = "blauw" },
]

[[question]]
id = "set"
type = "multiple"
text = "My multiple response set"
options = [
  { code = "1", label = "Response #1" },
  { code = "2", label = "Response #2" },
  { code = "3", label = "Response #3" },
]

[columns.spss]
str = "gemeente"
x = "kleur"
"$mymrset" = "set"
"#,
    )
    .unwrap();
    let ins = pokeval_survey::Instrument::load(&p).unwrap();
    let rel = "spss_sav/pyreadstat_simple_alltypes_mrsets.sav";
    let e = read_export(&d.join(rel), rel, &opts(false)).unwrap();
    let data = pokeval_survey::harmonise(&e, &ins, None).unwrap();
    // Cases 4 and 6 hold 4 and 9, which are neither labelled in the file nor
    // options of the instrument: rejected with the case and the column.
    assert_eq!(data.accepted(), 4, "{:?}", data.rejects);
    assert_eq!(data.rejects[0].line, 4);
    assert!(
        data.rejects[0]
            .reason
            .contains("column x: '4' is not an option of question 'kleur'"),
        "{:?}",
        data.rejects
    );
    let r = |n: usize| format!("pyreadstat_simple_alltypes_mrsets#{n}");
    assert_eq!(
        answer(&data, &r(2), "kleur"),
        ("2".to_string(), "groen".to_string(), Some(2.0), false)
    );
    // 8 is user-missing in the file: an explicit value, never a number.
    assert_eq!(
        answer(&data, &r(5), "kleur"),
        ("8".to_string(), "8".to_string(), None, true)
    );
    let l = data.table();
    let q = pokeval_survey::text_column(l, "question").unwrap();
    let resp = pokeval_survey::text_column(l, "respondent").unwrap();
    let set_rows = (0..l.height()).filter(|&i| q.get(i) == Some("set")).count();
    // The set's three variables are the options: one row per variable
    // holding the counted value 1, among the accepted cases.
    let mut ones = 0;
    for var in ["bool1", "bool2", "bool3"] {
        let c = e.column(e.find(var).unwrap()).unwrap();
        ones += [0usize, 1, 2, 4]
            .iter()
            .filter(|&&i| c.get(i) == Some("1"))
            .count();
    }
    assert_eq!(set_rows, ones);
    assert!(set_rows > 0);
    // A category set maps to a multiple-choice question whose options are
    // its codes: each variable holds one chosen option, and a code held by
    // two variables counts once (case 1 holds a, a, b).
    let text = std::fs::read_to_string(&p).unwrap().replace(
        "\"$mymrset\" = \"set\"",
        "\"$categorical_array\" = \"letters\"",
    ) + r#"
[[question]]
id = "letters"
type = "multiple"
text = "Letters"
options = [
  { code = "a", label = "A" },
  { code = "b", label = "B" },
  { code = "c", label = "C" },
  { code = "d", label = "D" },
]
"#;
    // The [[question]] must come before the [columns] table.
    let (head, cols) = text.split_once("[columns.spss]").unwrap();
    let (cols, question) = cols.split_once("[[question]]").unwrap();
    let text = format!("{head}[[question]]{question}\n[columns.spss]{cols}");
    std::fs::write(&p, &text).unwrap();
    let ins = pokeval_survey::Instrument::load(&p).unwrap();
    let cat = pokeval_survey::harmonise(&e, &ins, None).unwrap();
    let r_id = |n: usize| format!("pyreadstat_simple_alltypes_mrsets#{n}");
    let chosen = |n: usize| {
        let l = cat.table();
        let q = pokeval_survey::text_column(l, "question").unwrap();
        let r = pokeval_survey::text_column(l, "respondent").unwrap();
        let v = pokeval_survey::text_column(l, "value").unwrap();
        (0..l.height())
            .filter(|&i| q.get(i) == Some("letters") && r.get(i) == Some(r_id(n).as_str()))
            .map(|i| v.get(i).unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(chosen(1), ["a", "b"]);
    assert_eq!(chosen(3), ["b", "c", "d"]);
    assert_eq!(chosen(5), ["a", "b", "d"]);
    // A set cannot map to a question that takes one answer.
    std::fs::write(
        &p,
        text.replace(
            "\"$categorical_array\" = \"letters\"",
            "\"$categorical_array\" = \"kleur\"",
        ),
    )
    .unwrap();
    let ins = pokeval_survey::Instrument::load(&p).unwrap();
    let err = pokeval_survey::harmonise(&e, &ins, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("$categorical_array")
            && err.contains("categories")
            && err.contains("one by one"),
        "{err}"
    );
    assert!((0..l.height()).all(|i| q.get(i) != Some("set") || resp.get(i).is_some()));
}

/// Every answer as (respondent, question, value, label), in table order.
fn answers(data: &Responses) -> Vec<(String, String, String, Option<String>)> {
    let mut out = Vec::new();
    data.for_each_answer(|a| {
        out.push((
            a.respondent.to_string(),
            a.question.to_string(),
            a.value.to_string(),
            a.label.map(str::to_string),
        ));
    })
    .unwrap();
    out
}

/// SurveyMonkey exports "actual answer text" or "numerical value": the
/// second writes each chosen option as its position (1, 2, ...) in the
/// question. The StarWars export rewritten that way is still detected as
/// SurveyMonkey, with the same respondents and columns, and each number
/// stands where the text stood.
#[test]
fn surveymonkey_numerical_values_are_surveymonkey() {
    let Some(d) = surveys() else { return };
    let rel = "surveymonkey/fivethirtyeight_StarWars.csv";
    let (e, data) = read(&d, rel, false);
    let bytes = std::fs::read(d.join(rel)).unwrap();
    let text: String = bytes.iter().map(|&b| b as char).collect(); // Latin-1 view keeps every byte
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    // the closed columns: the matrix of favourability (Q9_*) and yes/no
    // questions, whose options are the column's distinct texts in order
    // of first appearance (SurveyMonkey numbers them as it lists them)
    let closed: Vec<usize> = (1..rows[0].len())
        .filter(|&c| {
            let mut seen = std::collections::BTreeSet::new();
            rows.iter().skip(2).for_each(|r| {
                if let Some(v) = r.get(c).filter(|v| !v.is_empty()) {
                    seen.insert(v.clone());
                }
            });
            (2..=7).contains(&seen.len()) && seen.iter().all(|v| v.parse::<f64>().is_err())
        })
        .collect();
    assert!(closed.len() > 10, "only {} closed columns", closed.len());
    let mut codes: Vec<Vec<String>> = vec![Vec::new(); rows[0].len()];
    for row in rows.iter_mut().skip(2) {
        for &c in &closed {
            let Some(v) = row.get_mut(c).filter(|v| !v.is_empty()) else {
                continue;
            };
            let list = &mut codes[c];
            let n = match list.iter().position(|x| x == v) {
                Some(i) => i + 1,
                None => {
                    list.push(v.clone());
                    list.len()
                }
            };
            *v = n.to_string();
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.write_record(r).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = String::from_utf8(w.into_inner().unwrap())
        .unwrap()
        .chars()
        .map(|c| c as u8)
        .collect();
    let name = "fivethirtyeight_StarWars.csv";
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let (n, numeric) = read(dir.path(), name, false);
    assert_eq!(n.layout, Layout::SurveymonkeyTwoRow);
    assert_eq!(keys(&n), keys(&e));
    assert_eq!(numeric.accepted(), data.accepted());
    let (a, b) = (answers(&data), answers(&numeric));
    assert_eq!(a.len(), b.len());
    let col = |q: &str| e.find(q).unwrap();
    let mut rewritten = 0;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.0, &x.1), (&y.0, &y.1));
        let c = col(&x.1);
        if closed.contains(&c) {
            let i: usize = y.2.parse().unwrap();
            assert_eq!(codes[c][i - 1], x.2, "{} {}", x.0, x.1);
            rewritten += 1;
        } else {
            assert_eq!(x.2, y.2);
        }
    }
    assert!(rewritten > 1000, "{rewritten}");
}

/// Google Forms' responses come as the Sheets "Download as CSV" or as a
/// Sheets workbook (.xlsx, sheet "Form Responses 1", the timestamp a date
/// cell, numbers as numbers; this form has no numeric question). The spring 2025 CSV written as such a
/// workbook is detected as Google Forms and gives the same answers and
/// submission times.
#[test]
fn google_forms_as_a_sheets_workbook_is_google_forms() {
    let Some(d) = surveys() else { return };
    let rel = "google_forms/uva_hotdog_spring25_Form_Responses_1.csv";
    let (e, data) = read(&d, rel, false);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(d.join(rel))
        .unwrap();
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Form Responses 1").unwrap();
    let stamp = rust_xlsxwriter::Format::new().set_num_format("m/d/yyyy h:mm:ss");
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if v.is_empty() {
                continue;
            }
            if r > 0 && c == 0 {
                // 1/15/2025 21:53:05 as a date-time cell
                let (date, time) = v.split_once(' ').unwrap();
                let md: Vec<u16> = date.split('/').map(|x| x.parse().unwrap()).collect();
                let hms: Vec<u16> = time.split(':').map(|x| x.parse().unwrap()).collect();
                let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(md[2], md[0] as u8, md[1] as u8)
                    .unwrap()
                    .and_hms(hms[0], hms[1] as u8, hms[2])
                    .unwrap();
                sheet.write_datetime_with_format(r, c, &dt, &stamp).unwrap();
            } else if let (true, Ok(n)) = (r > 0, v.parse::<f64>()) {
                sheet.write_number(r, c, n).unwrap();
            } else {
                sheet.write_string(r, c, v).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let name = "uva_hotdog_spring25_Form_Responses_1.xlsx";
    book.save(dir.path().join(name)).unwrap();
    let (x, book_data) = read(dir.path(), name, false);
    assert_eq!(x.layout, Layout::GoogleForms);
    assert_eq!(keys(&x), keys(&e));
    assert_eq!(book_data.accepted(), data.accepted());
    assert_eq!(book_data.submitted, data.submitted);
    let strip = |v: Vec<(String, String, String, Option<String>)>| -> Vec<_> {
        v.into_iter().filter(|a| a.1 != "Timestamp").collect()
    };
    assert_eq!(strip(answers(&book_data)), strip(answers(&data)));
}
