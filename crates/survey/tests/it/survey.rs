//! The Qualtrics reader on the example export and on broken variants of it.

use std::path::{Path, PathBuf};

use pokeval_model::register::Register;
use pokeval_model::resolve::Resolver;
use pokeval_model::Wave;
use pokeval_survey::{read_survey, Instrument, ReadOptions, Responses};
use polars::prelude::*;
use std::fmt::Write as _;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(csv_text: Option<String>) -> Responses {
    let ins = Instrument::load(&repo().join("surveys/2024/instrument.toml")).unwrap();
    let reg = Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    let fixture = repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv");
    let dir = tempfile::tempdir().unwrap();
    let path = match csv_text {
        Some(t) => {
            let p = dir.path().join("enquete.csv");
            std::fs::write(&p, t).unwrap();
            p
        }
        None => fixture,
    };
    let resolver = Resolver::new(&reg, 2024);
    read_survey(
        &path,
        "enquete.csv",
        &ReadOptions::default(),
        None,
        Some(&ins),
        Some(&resolver),
        Wave::new(2024).unwrap(),
        &pokeval_model::NoProgress,
    )
    .unwrap()
}

fn answer(
    data: &Responses,
    respondent: &str,
    question: &str,
) -> Option<(String, Option<f64>, bool)> {
    let df = data
        .table()
        .clone()
        .lazy()
        .filter(
            col("respondent")
                .eq(lit(respondent))
                .and(col("question").eq(lit(question))),
        )
        .collect()
        .unwrap();
    if df.height() == 0 {
        return None;
    }
    let label = pokeval_survey::text_column(&df, "label")
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    let number = df.column("number").unwrap().f64().unwrap().get(0);
    let missing = df
        .column("missing")
        .unwrap()
        .bool()
        .unwrap()
        .get(0)
        .unwrap();
    Some((label, number, missing))
}

#[test]
fn text_values_read_categorical_and_text_columns_as_text_column_does() {
    let data = read(None);
    let df = data.table();
    for name in ["respondent", "municipality", "question", "value", "label"] {
        let cast: Vec<Option<String>> = pokeval_survey::text_column(df, name)
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        let read: Vec<Option<String>> = pokeval_survey::text_values(df, name)
            .unwrap()
            .map(|v| v.map(str::to_string))
            .collect();
        assert_eq!(read, cast, "column {name}");
        assert!(!read.is_empty());
    }
    assert!(pokeval_survey::text_values(df, "number").is_err());
}

#[test]
fn example_export_gives_a_long_table_with_labels() {
    let data = read(None);
    assert_eq!(data.rows_read, 12);
    assert_eq!(data.respondents.len(), 11);
    assert_eq!(data.rejects.len(), 1);
    assert_eq!(data.rejects[0].line, 4);
    assert_eq!(
        data.respondents["R_Vb01EnschedeXa"], "GM0153",
        "'Gemeente Enschede' resolves"
    );
    assert_eq!(
        data.respondents["R_Vb02VenloQb"], "GM0983",
        "'venlo' resolves"
    );
    assert_eq!(
        answer(&data, "R_Vb01EnschedeXa", "bestedingsplan"),
        Some(("Ja".into(), Some(1.0), false))
    );
    assert_eq!(
        answer(&data, "R_Vb05ZwolleQe", "aandeel_al4"),
        Some(("45".into(), Some(45.0), false))
    );
    // "Weet niet / n.v.t." is an explicit value without a number
    assert_eq!(
        answer(&data, "R_Vb10TholenQj", "stelling_administratieve_last"),
        Some(("Weet niet / n.v.t.".into(), None, true))
    );
    // unanswered: no row
    assert_eq!(answer(&data, "R_Vb06EdeQf", "aandeel_al2"), None);
    // open answers keep their line breaks and become sources
    let ins = Instrument::load(&repo().join("surveys/2024/instrument.toml")).unwrap();
    let sources: Vec<_> = data
        .open_answers(&ins)
        .unwrap()
        .map(pokeval_survey::OpenAnswer::into_source)
        .collect();
    let zwolle = sources
        .iter()
        .find(|s| s.id == "survey:R_Vb05ZwolleQe:besteding_open")
        .unwrap();
    assert!(
        zwolle.text.contains("doorbreekt,\nen extra"),
        "{:?}",
        zwolle.text
    );
    assert_eq!(sources.len(), 22);
}

#[test]
fn bad_rows_are_rejected_with_line_and_reason() {
    let text =
        std::fs::read_to_string(repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"))
            .unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    let mut out: Vec<String> = lines.iter().map(std::string::ToString::to_string).collect();
    // line 7: Lingewaard answers '9' on the spending-plan question (Q3)
    out[6] = out[6].replacen(",Lingewaard,2,2,2,", ",Lingewaard,2,9,2,", 1);
    // a duplicate of Enschede's response at the end (line 17: Zwolle's answer spans two lines)
    out.insert(out.len() - 1, lines[4].to_string());
    // Groningen typed as an unknown place
    out[7] = out[7].replacen(",Groningen,", ",Atlantis,", 1);
    let data = read(Some(out.join("\r\n")));
    assert_eq!(data.rows_read, 13);
    assert_eq!(data.respondents.len(), 9);
    let reasons: Vec<(u64, &str)> = data
        .rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(
        reasons.iter().any(|(l, r)| *l == 7
            && r.contains("'9' is not an option of question 'bestedingsplan'")
            && r.contains("column Q3")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(l, r)| *l == 8
            && r.contains("municipality 'Atlantis'")
            && r.contains("mapping file")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(l, r)| *l == 17
            && r.contains("duplicate respondent id R_Vb01EnschedeXa (first on line 5)")),
        "{reasons:?}"
    );
}

/// The wide table keeps the file's order of respondents: ids made from the
/// row number (`#1` ... `#12`) must not sort as text (`#1`, `#10`, `#11`).
#[test]
fn the_wide_table_keeps_file_order() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("formulier.csv");
    let mut text = String::from("Tijdstempel,Hoe tevreden bent u?\n");
    for i in 1..=12 {
        _ = writeln!(text, "2024/03/01 10:{i:02}:00,Antwoord {i}");
    }
    std::fs::write(&path, text).unwrap();
    let export =
        pokeval_survey::read_export(&path, "formulier.csv", &ReadOptions::default()).unwrap();
    let data = pokeval_survey::raw_long(&export, Wave::new(2024).unwrap()).unwrap();
    let wide = data.wide().unwrap();
    let ids: Vec<String> = pokeval_survey::text_column(&wide, "respondent")
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    let expected: Vec<String> = (1..=12).map(|i| format!("formulier#{i}")).collect();
    assert_eq!(ids, expected);
}
