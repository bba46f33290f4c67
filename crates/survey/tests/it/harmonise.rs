//! Instruments applied to exports: the same question on two platforms,
//! every multiple-choice encoding, "other" texts, missing codes, a workbook,
//! and broken files that must fail with file and line.

use std::path::{Path, PathBuf};

use pokeval_model::register::Register;
use pokeval_model::resolve::Resolver;
use pokeval_model::Wave;
use pokeval_survey::{
    harmonise, read_export, read_survey, EncodingChoice, Instrument, Platform, ReadOptions,
    Responses,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// All (value, label, missing) answers of one respondent to one question.
fn answers(data: &Responses, respondent: &str, question: &str) -> Vec<(String, String, bool)> {
    let l = data.table();
    let s = |n: &str| pokeval_survey::text_column(l, n).unwrap();
    let (r, q, v, lab) = (s("respondent"), s("question"), s("value"), s("label"));
    let mis = l.column("missing").unwrap().bool().unwrap().clone();
    (0..l.height())
        .filter(|&i| r.get(i) == Some(respondent) && q.get(i) == Some(question))
        .map(|i| {
            (
                v.get(i).unwrap().to_string(),
                lab.get(i).unwrap_or("").to_string(),
                mis.get(i).unwrap(),
            )
        })
        .collect()
}

fn one(data: &Responses, respondent: &str, question: &str) -> (String, String, bool) {
    let a = answers(data, respondent, question);
    assert_eq!(a.len(), 1, "{respondent} {question}: {a:?}");
    a[0].clone()
}

fn example(wave: u16) -> Responses {
    let file = match wave {
        2024 => "fixtures/2024/enquete_qualtrics_voorbeeld.csv",
        _ => "fixtures/2025/enquete_limesurvey_voorbeeld.csv",
    };
    read_as_example(&repo().join(file), file, wave)
}

/// Reads the export at `path` (named `name`) as the example of `wave`
/// is read: its instrument, the example register and mergers.
fn read_as_example(path: &Path, name: &str, wave: u16) -> Responses {
    let ins = Instrument::load(&repo().join(format!("surveys/{wave}/instrument.toml"))).unwrap();
    let reg = Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    let resolver = Resolver::new(&reg, wave)
        .with_mergers(&repo().join("fixtures/herindelingen_voorbeeld.csv"))
        .unwrap();
    read_survey(
        path,
        name,
        &ReadOptions::default(),
        None,
        Some(&ins),
        Some(&resolver),
        Wave::new(wave).unwrap(),
        &pokeval_model::NoProgress,
    )
    .unwrap()
}

#[test]
fn the_same_question_lands_on_the_same_id_in_2024_qualtrics_and_2025_limesurvey() {
    let a = example(2024);
    let b = example(2025);
    let questions = |d: &Responses| {
        let q = pokeval_survey::text_column(d.table(), "question").unwrap();
        let mut v: Vec<String> = q.iter().flatten().map(str::to_string).collect();
        v.sort();
        v.dedup();
        v
    };
    let (qa, qb) = (questions(&a), questions(&b));
    for q in [
        "gemeente",
        "functie",
        "bestedingsplan",
        "aandeel_al4",
        "stelling_vrijheid",
        "besteding_open",
    ] {
        assert!(
            qa.contains(&q.to_string()) && qb.contains(&q.to_string()),
            "{q}: {qa:?} / {qb:?}"
        );
    }
    // "Ja" is code 1 in both waves, whatever the platform wrote (1 or Y).
    assert_eq!(
        one(&a, "R_Vb01EnschedeXa", "bestedingsplan"),
        ("1".into(), "Ja".into(), false)
    );
    assert_eq!(
        one(&b, "1", "bestedingsplan"),
        ("1".into(), "Ja".into(), false)
    );
    // LimeSurvey's A6 is "Weet niet / n.v.t.": code 6, missing, as in 2024.
    assert_eq!(
        one(&b, "5", "stelling_vrijheid"),
        ("6".into(), "Weet niet / n.v.t.".into(), true)
    );
    // "U" (unknown) on a yes/no question: explicit and missing.
    assert_eq!(
        one(&b, "6", "bestedingsplan"),
        ("3".into(), "Weet ik niet".into(), true)
    );
    // Municipalities: alias, merger, fuzzy; the split one is rejected.
    assert_eq!(b.respondents["1"], "GM0796", "Den Bosch is an alias");
    assert_eq!(
        b.respondents["2"], "GM1979",
        "Appingedam merged into Eemsdelta"
    );
    assert_eq!(
        b.respondents["3"], "GM0014",
        "Groningn is a clear fuzzy match"
    );
    assert_eq!((b.rows_read, b.accepted(), b.rejects.len()), (7, 5, 2));
    assert!(
        b.rejects
            .iter()
            .any(|r| r.line == 5 && r.reason.contains("Haaren was split")),
        "{:?}",
        b.rejects
    );
    assert!(
        b.rejects
            .iter()
            .any(|r| r.line == 9 && r.reason.contains("duplicate respondent id 5")),
        "{:?}",
        b.rejects
    );
    // Multiple choice from Y/empty columns, with an "other" text.
    let kanalen: Vec<String> = answers(&b, "5", "kanalen")
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(kanalen, ["1", "2", "3", "4"]);
    assert_eq!(one(&b, "5", "kanalen:other").0, "Via de voedselbank");
    assert_eq!(
        one(&b, "5", "functie"),
        ("4".into(), "Anders".into(), false)
    );
    assert_eq!(one(&b, "5", "functie:other").0, "Wijkcoördinator");
    // A multi-line open answer survives.
    assert!(one(&b, "5", "besteding_open")
        .0
        .contains("vroegsignalering,\nmet huisbezoeken"));
    let wide = b.wide().unwrap();
    assert_eq!(wide.height(), 5);
    let k = wide.column("kanalen").unwrap().str().unwrap();
    let r = pokeval_survey::text_column(&wide, "respondent").unwrap();
    let i = (0..wide.height()).find(|&i| r.get(i) == Some("5")).unwrap();
    assert_eq!(k.get(i), Some("1;2;3;4"));
}

const INSTRUMENT: &str = r#"
wave = 2024
title = "test"

[[question]]
id = "gemeente"
type = "municipality"
text = "Gemeente"

[[question]]
id = "kanalen"
type = "multiple"
text = "Kanalen"
options = [
  { code = "1", label = "Wijkteam" },
  { code = "2", label = "Loket, balie of KCC" },
  { code = "3", label = "Bibliotheek" },
  { code = "9", label = "Anders", other = true },
]

[[question]]
id = "oordeel"
type = "likert"
text = "Oordeel"
options = [
  { code = "1", label = "Slecht" },
  { code = "2", label = "Goed" },
  { code = "-1", label = "Geen oordeel", missing = true },
]

[[question]]
id = "aantal"
type = "numeric"
text = "Aantal"

[columns.generic]
id = "@respondent"
gemeente = "gemeente"
k_een = "kanalen:1"
k_twee = "kanalen:2"
k_drie = "kanalen:3"
oordeel = "oordeel"
aantal = "aantal"

[columns.microsoft-forms]
Gemeente = "gemeente"
Kanalen = "kanalen"
Oordeel = "oordeel"
"#;

fn instrument(dir: &Path) -> Instrument {
    let p = dir.join("instrument.toml");
    std::fs::write(&p, INSTRUMENT).unwrap();
    Instrument::load(&p).unwrap()
}

fn generic(dir: &Path, name: &str, text: &[u8]) -> Responses {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    let opts = ReadOptions {
        platform: Some(Platform::Generic),
        ..Default::default()
    };
    let e = read_export(&p, name, &opts).unwrap();
    harmonise(&e, &instrument(dir), None).unwrap()
}

#[test]
fn multiple_choice_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    // One column per option: 1/empty, Y/empty, 1/0, Yes/No, the option text.
    let text = "id;gemeente;k_een;k_twee;k_drie;oordeel;aantal\n\
                a;Ede;1;;0;2;3\n\
                b;Ede;Y;Y;;-1;4,5\n\
                c;Ede;Yes;No;Yes;Goed;\n\
                d;Ede;Wijkteam;;Bibliotheek;1;0\n\
                e;Ede;;Loket, balie of KCC;nee;1;12\n";
    let d = generic(dir.path(), "kolommen.csv", text.as_bytes());
    assert_eq!(d.accepted(), 5, "{:?}", d.rejects);
    let codes =
        |r: &str| -> Vec<String> { answers(&d, r, "kanalen").into_iter().map(|a| a.0).collect() };
    assert_eq!(codes("a"), ["1"]);
    assert_eq!(codes("b"), ["1", "2"]);
    assert_eq!(codes("c"), ["1", "3"]);
    assert_eq!(codes("d"), ["1", "3"]);
    assert_eq!(codes("e"), ["2"]);
    // A negative N/A code is explicit and missing, never a number.
    assert_eq!(
        one(&d, "b", "oordeel"),
        ("-1".into(), "Geen oordeel".into(), true)
    );
    let num = d.table().column("number").unwrap().f64().unwrap();
    let q = pokeval_survey::text_column(d.table(), "question").unwrap();
    let sum: f64 = (0..d.table().height())
        .filter(|&i| q.get(i) == Some("oordeel"))
        .filter_map(|i| num.get(i))
        .sum();
    assert_eq!(sum, 2.0 + 2.0 + 1.0 + 1.0, "the -1 is not in the sum");
    assert_eq!(one(&d, "b", "aantal").0, "4,5");
    assert_eq!(
        one(&d, "c", "oordeel").0,
        "2",
        "a label is read as its code"
    );

    // One joined cell: "," or ", " (Google Sheets), ";" with a trailing ";"
    // (Microsoft Forms); a label with a comma in it; an "other" text.
    let text = "Id,Start time,Completion time,Email,Name,Gemeente,Kanalen,Oordeel\n\
                1,9/1/2024 11:27,9/1/2024 11:29,anonymous,,Ede,\"Wijkteam,Bibliotheek\",Goed\n\
                2,9/1/2024 11:28,9/1/2024 11:30,anonymous,,Ede,\"Wijkteam, Loket, balie of KCC\",Goed\n\
                3,9/1/2024 11:29,9/1/2024 11:31,anonymous,,Ede,Loket, balie of KCC;Bibliotheek;,Slecht\n\
                4,9/1/2024 11:30,9/1/2024 11:32,anonymous,,Ede,Bibliotheek;via de huisarts;,Goed\n\
                5,9/1/2024 11:31,9/1/2024 11:33,anonymous,,Ede,A7,Goed\n";
    // Row 3 has an unquoted comma: the record is one field too long.
    let p = dir.path().join("forms.csv");
    std::fs::write(&p, text).unwrap();
    let err = read_export(&p, "forms.csv", &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("forms.csv, line 4") && err.contains("9 fields where the header has 8"),
        "{err}"
    );
    let text = text.replace(
        "Ede,Loket, balie of KCC;Bibliotheek;,",
        "Ede,\"Loket, balie of KCC;Bibliotheek;\",",
    );
    std::fs::write(&p, text).unwrap();
    let e = read_export(&p, "forms.csv", &ReadOptions::default()).unwrap();
    assert_eq!(e.layout.platform(), Platform::MicrosoftForms);
    let d = harmonise(&e, &instrument(dir.path()), None).unwrap();
    let codes =
        |r: &str| -> Vec<String> { answers(&d, r, "kanalen").into_iter().map(|a| a.0).collect() };
    assert_eq!(codes("1"), ["1", "3"]);
    assert_eq!(codes("2"), ["1", "2"]);
    assert_eq!(codes("3"), ["2", "3"]);
    assert_eq!(codes("4"), ["3", "9"]);
    assert_eq!(one(&d, "4", "kanalen:other").0, "via de huisarts");
    // ... and listed with its line, as a misspelt option would be
    assert_eq!(
        d.as_other,
        [pokeval_survey::AsOther {
            line: 5,
            column: "Kanalen".into(),
            text: "via de huisarts".into()
        }]
    );
    assert_eq!(d.submitted["1"], "2024-09-01T11:29:00");
    // A code that is no option is rejected, not taken as an "other" text.
    assert_eq!(d.rejects.len(), 1);
    assert_eq!(d.rejects[0].line, 6);
    assert!(
        d.rejects[0]
            .reason
            .contains("'A7' is not an option of question 'kanalen'"),
        "{}",
        d.rejects[0].reason
    );
}

#[test]
fn a_workbook_with_serial_dates() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("antwoorden.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Form Responses 1").unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("m/d/yyyy h:mm:ss");
    for (c, h) in ["Timestamp", "Gemeente", "Kanalen", "Oordeel"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number_with_format(1, 0, 45898.72079423611, &fmt)
        .unwrap();
    ws.write_string(1, 1, "Ede").unwrap();
    ws.write_string(1, 2, "Wijkteam, Bibliotheek").unwrap();
    ws.write_number(1, 3, 2.0).unwrap();
    wb.save(&p).unwrap();
    let e = read_export(&p, "antwoorden.xlsx", &ReadOptions::default()).unwrap();
    assert_eq!(e.layout.platform(), Platform::GoogleForms);
    assert_eq!(e.column(0).unwrap().get(0), Some("2025-08-29T17:17:57"));
    // The number 2.0 reads as "2", so it matches option code 2.
    assert_eq!(e.column(3).unwrap().get(0), Some("2"));
    let mut ins = instrument(dir.path());
    ins.columns.insert(
        "google-forms".into(),
        [
            ("Gemeente", "gemeente"),
            ("Kanalen", "kanalen"),
            ("Oordeel", "oordeel"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
    );
    let d = harmonise(&e, &ins, None).unwrap();
    let r = "antwoorden#1";
    assert_eq!(answers(&d, r, "kanalen").len(), 2);
    assert_eq!(one(&d, r, "oordeel").1, "Goed");
    assert_eq!(d.submitted[r], "2025-08-29T17:17:57");
}

fn read_err(name: &str, bytes: &[u8], opts: ReadOptions) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    read_export(&p, name, &opts).unwrap_err().to_string()
}

#[test]
fn broken_files_name_file_and_line() {
    let forms = "Id,Start time,Completion time,Email,Name,Gemeente\n1,9/1/2024 11:27,9/1/2024 11:29,anonymous,,Ede\n";
    // Wrong encoding: UTF-8 declared, Windows-1252 bytes on line 3.
    let mut bytes = forms.as_bytes().to_vec();
    bytes.extend_from_slice(b"2,9/1/2024 11:28,9/1/2024 11:30,anonymous,,Ede \x92t\n");
    let err = read_err(
        "ms.csv",
        &bytes,
        ReadOptions {
            encoding: EncodingChoice::Utf8,
            ..Default::default()
        },
    );
    assert!(
        err.contains("ms.csv, line 3") && err.contains("0x92") && err.contains("windows-1252"),
        "{err}"
    );
    // Auto reads it as Windows-1252.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ms.csv");
    std::fs::write(&p, &bytes).unwrap();
    let e = read_export(&p, "ms.csv", &ReadOptions::default()).unwrap();
    assert_eq!(e.encoding, "windows-1252");
    assert_eq!(e.column(5).unwrap().get(1), Some("Ede ’t"));
    // A UTF-8 file with one row pasted from a Windows-1252 source: read as
    // Windows-1252 every UTF-8 row would be garbled ("SÃºdwest-FryslÃ¢n"),
    // so it stops, naming the pasted row, its bytes and a UTF-8 row.
    let mut mixed = forms
        .replace(
            ",Ede
",
            ",Súdwest-Fryslân
",
        )
        .into_bytes();
    mixed.extend_from_slice(
        b"2,9/1/2024 11:28,9/1/2024 11:30,anonymous,,Ede \x92t
",
    );
    mixed.extend_from_slice(
        "3,9/1/2024 11:29,9/1/2024 11:31,anonymous,,Súdwest-Fryslân
"
        .as_bytes(),
    );
    let err = read_err("mixed.csv", &mixed, ReadOptions::default());
    assert!(
        err.contains("mixed.csv, line 3")
            && err.contains("mixes encodings")
            && err.contains("line 2 has 'ú'")
            && err.contains("byte 0x92 at offset")
            && err.contains("encoding = \"windows-1252\"")
            && err.contains("--encoding windows-1252"),
        "{err}"
    );
    // told that it is Windows-1252, it is read as such
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mixed.csv");
    std::fs::write(&p, &mixed).unwrap();
    let e = read_export(
        &p,
        "mixed.csv",
        &ReadOptions {
            encoding: EncodingChoice::Windows1252,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.encoding, "windows-1252");
    // A byte that is neither UTF-8 nor Windows-1252.
    let mut bad = forms.as_bytes().to_vec();
    bad.extend_from_slice(b"2,x,y,z,,\x81\n");
    let err = read_err("ms.csv", &bad, ReadOptions::default());
    assert!(err.contains("line 3") && err.contains("0x81"), "{err}");
    // Truncated inside a quoted answer, and truncated mid-record.
    let cut = format!("{forms}2,9/1/2024 11:28,9/1/2024 11:30,anonymous,,\"Ede en");
    let err = read_err("ms.csv", cut.as_bytes(), ReadOptions::default());
    assert!(
        err.contains("ms.csv, line 3") && err.contains("truncated"),
        "{err}"
    );
    let cut = format!("{forms}2,9/1/2024 11:28,9/1/20");
    let err = read_err("ms.csv", cut.as_bytes(), ReadOptions::default());
    assert!(
        err.contains("ms.csv, line 3") && err.contains("truncated"),
        "{err}"
    );
    // A header that matches no layout.
    let err = read_err("x.csv", b"foo,bar\n1,2\n", ReadOptions::default());
    assert!(
        err.contains("x.csv, line 1") && err.contains("matches no known survey layout"),
        "{err}"
    );
    // A declared platform that is not what the file is.
    let err = read_err(
        "ms.csv",
        forms.as_bytes(),
        ReadOptions {
            platform: Some(Platform::Qualtrics),
            ..Default::default()
        },
    );
    assert!(
        err.contains("platform = \"qualtrics\"") && err.contains("Microsoft Forms"),
        "{err}"
    );
    // A survey definition given as the export.
    let err = read_err(
        "enquete.qsf",
        b"{\"SurveyEntry\":{}}",
        ReadOptions::default(),
    );
    assert!(
        err.contains("enquete.qsf") && err.contains("survey definition, not responses"),
        "{err}"
    );
    // An empty file.
    let err = read_err("leeg.csv", b"", ReadOptions::default());
    assert!(err.contains("leeg.csv") && err.contains("empty"), "{err}");
}

#[test]
fn a_column_map_that_names_a_missing_column_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("k.csv");
    std::fs::write(
        &p,
        "id;gemeente;k_een;k_twee;oordeel;aantal\na;Ede;1;;2;3\n",
    )
    .unwrap();
    let opts = ReadOptions {
        platform: Some(Platform::Generic),
        ..Default::default()
    };
    let e = read_export(&p, "k.csv", &opts).unwrap();
    let err = harmonise(&e, &instrument(dir.path()), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("k.csv") && err.contains("k_drie (mapped to 'kanalen:3')"),
        "{err}"
    );
    // A target that is not an option is refused when the instrument loads.
    let bad = INSTRUMENT.replace("k_drie = \"kanalen:3\"", "k_drie = \"kanalen:7\"");
    let ip = dir.path().join("bad.toml");
    std::fs::write(&ip, bad).unwrap();
    let err = Instrument::load(&ip).unwrap_err().to_string();
    assert!(
        err.contains("'7' is not an option of question 'kanalen'"),
        "{err}"
    );
}

#[test]
fn repeated_spellings_are_resolved_once_and_counted_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.csv");
    std::fs::write(
        &p,
        "id;gemeente;k_een;k_twee;k_drie;oordeel;aantal\n\
         a;Zwole;1;;;1;1\nb;Zwole;1;;;1;1\nc;zwolle;1;;;1;1\nd;Atlantis;1;;;1;1\ne;Atlantis;1;;;1;1\n",
    )
    .unwrap();
    let reg = Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    let resolver = Resolver::new(&reg, 2024);
    let opts = ReadOptions {
        platform: Some(Platform::Generic),
        ..Default::default()
    };
    let e = read_export(&p, "r.csv", &opts).unwrap();
    let d = harmonise(&e, &instrument(dir.path()), Some(&resolver)).unwrap();
    assert_eq!(d.accepted(), 3);
    assert_eq!(d.respondents["a"], "GM0193");
    assert_eq!(d.rejects.iter().map(|r| r.line).collect::<Vec<_>>(), [5, 6]);
    let review = resolver.review();
    let zwole = review.iter().find(|r| r.invoer == "Zwole").unwrap();
    assert_eq!((zwole.aantal, zwole.status.as_str()), (2, "automatisch"));
    let atlantis = review.iter().find(|r| r.invoer == "Atlantis").unwrap();
    assert_eq!(
        (atlantis.aantal, atlantis.status.as_str()),
        (2, "te beoordelen")
    );
}

#[test]
fn a_qualtrics_workbook_has_the_same_three_header_rows() {
    // The example export, saved as a workbook (Qualtrics' "Excel" download).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("enquete.xlsx");
    let text =
        std::fs::read_to_string(repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"))
            .unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    for (r, rec) in rdr.records().enumerate() {
        for (c, cell) in rec.unwrap().iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    wb.save(&p).unwrap();
    let e = read_export(&p, "enquete.xlsx", &ReadOptions::default()).unwrap();
    assert_eq!(e.layout, pokeval_survey::Layout::QualtricsCurrent);
    let ins = Instrument::load(&repo().join("surveys/2024/instrument.toml")).unwrap();
    let reg = Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    let resolver = Resolver::new(&reg, 2024);
    let d = harmonise(&e, &ins, Some(&resolver)).unwrap();
    let csv_data = example(2024);
    assert_eq!(
        (d.accepted(), d.rejects.len()),
        (csv_data.accepted(), csv_data.rejects.len())
    );
    assert_eq!(d.table().height(), csv_data.table().height());
    assert_eq!(
        one(&d, "R_Vb01EnschedeXa", "bestedingsplan"),
        ("1".into(), "Ja".into(), false)
    );
    // Rows are numbered as the sheet numbers them; the preview is on row 4.
    assert_eq!(d.rejects[0].line, 4);
}

#[test]
fn surveymonkey_with_one_column_per_question_and_limesurvey_codes_without_lastpage() {
    let dir = tempfile::tempdir().unwrap();
    // Every question one column, every sub-header "Response", HTML in a
    // question (as in FiveThirtyEight's steak survey).
    let p = dir.path().join("sm.csv");
    std::fs::write(
        &p,
        "RespondentID,Do you eat steak?,\"How do you like<br>your steak?\",Gender\n\
         ,Response,Response,Response\n\
         3237565956,Yes,Medium rare,Male\n\
         3234982343,No,,Female\n",
    )
    .unwrap();
    let e = read_export(&p, "sm.csv", &ReadOptions::default()).unwrap();
    assert_eq!(e.layout, pokeval_survey::Layout::SurveymonkeyTwoRow);
    assert_eq!(e.columns[2].key, "Q2");
    assert_eq!(e.columns[2].text, "How do you like your steak?");
    assert_eq!(e.height(), 2);
    // A LimeSurvey code export without lastpage; an "" escaped JSON cell.
    let p = dir.path().join("ls.csv");
    std::fs::write(
        &p,
        "\"id\",\"submitdate\",\"startlanguage\",\"intro\",\"Geslacht\",\"Geslacht[other]\"\n\
         \"1\",\"1980-01-01 00:00:00\",\"nl\",\"{\"\"a\"\":1}\",\"-oth-\",\"anders\"\n",
    )
    .unwrap();
    let e = read_export(&p, "ls.csv", &ReadOptions::default()).unwrap();
    assert_eq!(e.layout, pokeval_survey::Layout::LimesurveyCodes);
    assert_eq!(e.column(3).unwrap().get(0), Some("{\"a\":1}"));
    assert_eq!(e.find("Geslacht[other]"), Some(5));
}

/// A LimeSurvey survey archive written by hand after LimeSurvey's layout:
/// the structure (.lss) and the responses (.lsr) with SGQA element names.
#[test]
fn a_limesurvey_archive_is_read_with_its_structure() {
    use std::io::Write;
    let lss = r#"<?xml version="1.0" encoding="UTF-8"?>
<document>
 <LimeSurveyDocType>Survey</LimeSurveyDocType>
 <DBVersion>366</DBVersion>
 <languages><language>nl</language></languages>
 <answers>
  <fields><fieldname>qid</fieldname><fieldname>code</fieldname><fieldname>answer</fieldname><fieldname>language</fieldname></fields>
  <rows>
   <row><qid><![CDATA[11]]></qid><code><![CDATA[A1]]></code><answer><![CDATA[Ja]]></answer><language><![CDATA[nl]]></language></row>
   <row><qid><![CDATA[11]]></qid><code><![CDATA[A2]]></code><answer><![CDATA[Nee]]></answer><language><![CDATA[nl]]></language></row>
  </rows>
 </answers>
 <questions>
  <fields><fieldname>qid</fieldname><fieldname>parent_qid</fieldname><fieldname>type</fieldname><fieldname>title</fieldname><fieldname>question</fieldname><fieldname>language</fieldname></fields>
  <rows>
   <row><qid><![CDATA[10]]></qid><parent_qid><![CDATA[0]]></parent_qid><type><![CDATA[S]]></type><title><![CDATA[gemeente]]></title><question><![CDATA[Voor welke gemeente?]]></question><language><![CDATA[nl]]></language></row>
   <row><qid><![CDATA[11]]></qid><parent_qid><![CDATA[0]]></parent_qid><type><![CDATA[L]]></type><title><![CDATA[plan]]></title><question><![CDATA[<p>Is er een bestedingsplan?</p>]]></question><language><![CDATA[nl]]></language></row>
   <row><qid><![CDATA[12]]></qid><parent_qid><![CDATA[0]]></parent_qid><type><![CDATA[M]]></type><title><![CDATA[kanalen]]></title><question><![CDATA[Kanalen]]></question><language><![CDATA[nl]]></language></row>
  </rows>
 </questions>
 <subquestions>
  <rows>
   <row><qid><![CDATA[13]]></qid><parent_qid><![CDATA[12]]></parent_qid><type><![CDATA[T]]></type><title><![CDATA[SQ001]]></title><question><![CDATA[Wijkteam]]></question><language><![CDATA[nl]]></language></row>
   <row><qid><![CDATA[14]]></qid><parent_qid><![CDATA[12]]></parent_qid><type><![CDATA[T]]></type><title><![CDATA[SQ002]]></title><question><![CDATA[Loket]]></question><language><![CDATA[nl]]></language></row>
  </rows>
 </subquestions>
</document>"#;
    let lsr = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<document>\n <LimeSurveyDocType>Responses</LimeSurveyDocType>\n <responses>\n  <fields><fieldname>id</fieldname><fieldname>submitdate</fieldname><fieldname>123456X1X10</fieldname><fieldname>123456X1X11</fieldname><fieldname>123456X1X12SQ001</fieldname><fieldname>123456X1X12SQ002</fieldname><fieldname>123456X1X12other</fieldname></fields>\n  <rows>\n   <row><id><![CDATA[1]]></id><submitdate><![CDATA[2025-03-01 10:00:00]]></submitdate><_123456X1X10><![CDATA[Ede]]></_123456X1X10><_123456X1X11><![CDATA[A1]]></_123456X1X11><_123456X1X12SQ001><![CDATA[Y]]></_123456X1X12SQ001><_123456X1X12SQ002/><_123456X1X12other><![CDATA[via de\nbibliotheek]]></_123456X1X12other></row>\n   <row><id><![CDATA[2]]></id><submitdate/><_123456X1X10><![CDATA[Soest]]></_123456X1X10><_123456X1X11><![CDATA[A2]]></_123456X1X11><_123456X1X12SQ002><![CDATA[Y]]></_123456X1X12SQ002></row>\n  </rows>\n </responses>\n</document>\n";
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("survey_archive_123456.lsa");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    zip.start_file("survey_123456.lss", o).unwrap();
    zip.write_all(lss.as_bytes()).unwrap();
    zip.start_file("survey_123456_responses.lsr", o).unwrap();
    zip.write_all(lsr.as_bytes()).unwrap();
    zip.finish().unwrap();
    let e = read_export(&p, "survey_archive_123456.lsa", &ReadOptions::default()).unwrap();
    assert_eq!(e.layout.platform(), Platform::Limesurvey);
    let keys: Vec<&str> = e.columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "id",
            "submitdate",
            "gemeente",
            "plan",
            "kanalen[SQ001]",
            "kanalen[SQ002]",
            "kanalen[other]"
        ]
    );
    assert_eq!(e.columns[3].text, "Is er een bestedingsplan?");
    assert_eq!(e.columns[4].choice.as_deref(), Some("Wijkteam"));
    let raw = pokeval_survey::raw_long(&e, Wave::new(2025).unwrap()).unwrap();
    assert_eq!(raw.accepted(), 2);
    assert_eq!(one(&raw, "1", "plan"), ("A1".into(), "Ja".into(), false));
    assert_eq!(one(&raw, "1", "kanalen[SQ001]").1, "Wijkteam");
    assert_eq!(one(&raw, "1", "kanalen[other]").0, "via de\nbibliotheek");
    assert_eq!(raw.submitted["1"], "2025-03-01T10:00:00");
    // The 2025 instrument's LimeSurvey map fits the archive's keys too.
    let mut ins = Instrument::load(&repo().join("surveys/2025/instrument.toml")).unwrap();
    let map = ins.columns.get_mut("limesurvey").unwrap();
    map.retain(|k, _| {
        [
            "gemeente",
            "plan",
            "kanalen[SQ001]",
            "kanalen[SQ002]",
            "kanalen[other]",
        ]
        .contains(&k.as_str())
    });
    let d = harmonise(&e, &ins, None).unwrap();
    assert_eq!(
        one(&d, "1", "bestedingsplan"),
        ("1".into(), "Ja".into(), false)
    );
    let kanalen: Vec<String> = answers(&d, "2", "kanalen")
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(kanalen, ["2"]);
    // An archive without responses is an error naming the file.
    let q = dir.path().join("leeg.lsa");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&q).unwrap());
    zip.start_file("survey_123456.lss", o).unwrap();
    zip.write_all(lss.as_bytes()).unwrap();
    zip.finish().unwrap();
    let err = read_export(&q, "leeg.lsa", &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("leeg.lsa") && err.contains("no responses (.lsr)"),
        "{err}"
    );
}

/// An export cut off inside its last header row is an error naming the
/// file and the row, not an empty table.
#[test]
fn an_export_cut_off_in_its_header_is_an_error() {
    let text =
        std::fs::read_to_string(repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"))
            .unwrap();
    // the end of the second header row, then half of the third
    let second_end = text.match_indices('\n').nth(1).unwrap().0 + 1;
    let third_end = text[second_end..].find('\n').unwrap() + second_end;
    let cut = &text[..second_end + (third_end - second_end) / 2];
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("afgebroken.csv");
    std::fs::write(&p, cut).unwrap();
    let err = pokeval_survey::read_export(&p, "afgebroken.csv", &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("afgebroken.csv, line 3") && err.contains("truncated"),
        "{err}"
    );
}

/// "Other" as the platform writes the option itself (answers exported as
/// text) chooses the option; it is not an "other" text to code, and it is
/// not listed as one. Any other unmatched text still is.
#[test]
fn the_literal_other_marker_is_the_option_not_a_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Id,Start time,Completion time,Email,Name,Gemeente,Kanalen,Oordeel\n\
                1,9/1/2024 11:27,9/1/2024 11:29,anonymous,,Ede,Wijkteam;Other;,Goed\n\
                2,9/1/2024 11:28,9/1/2024 11:30,anonymous,,Ede,Anders,Goed\n\
                3,9/1/2024 11:29,9/1/2024 11:31,anonymous,,Ede,via de huisarts,Goed\n";
    let p = dir.path().join("forms.csv");
    std::fs::write(&p, text).unwrap();
    let e = read_export(&p, "forms.csv", &ReadOptions::default()).unwrap();
    let d = harmonise(&e, &instrument(dir.path()), None).unwrap();
    let codes =
        |r: &str| -> Vec<String> { answers(&d, r, "kanalen").into_iter().map(|a| a.0).collect() };
    assert_eq!(codes("1"), ["1", "9"]);
    assert_eq!(codes("2"), ["9"]);
    assert_eq!(codes("3"), ["9"]);
    assert!(answers(&d, "1", "kanalen:other").is_empty());
    assert!(answers(&d, "2", "kanalen:other").is_empty());
    assert_eq!(one(&d, "3", "kanalen:other").0, "via de huisarts");
    assert_eq!(d.as_other.len(), 1);
    assert_eq!(d.as_other[0].line, 4);
}

/// Reads `text` as the 2025 example export under the name `name`.
fn example_2025_as(dir: &Path, name: &str, text: &str) -> Responses {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    read_as_example(&path, name, 2025)
}

/// The 2025 example export (question codes, answer codes) as rows of cells.
fn example_2025_rows() -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(repo().join("fixtures/2025/enquete_limesurvey_voorbeeld.csv"))
        .unwrap();
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// LimeSurvey's export dialog offers question codes, full question texts
/// or "code. text" headings, and answer codes or full answers. The example
/// export rewritten with "code. text" headings, and with full answers,
/// gives the same long table as the export as it is.
#[test]
fn limesurvey_heading_and_answer_styles_give_the_same_table() {
    let dir = tempfile::tempdir().unwrap();
    let base = example(2025);
    let rows = example_2025_rows();

    // "Question code & question text" headings
    let mut coded = rows.clone();
    coded[0] = rows[0]
        .iter()
        .map(|c| match c.as_str() {
            "id" => "id. Response ID".to_string(),
            "submitdate" => "submitdate. Date submitted".to_string(),
            c => format!("{c}. Tekst van de vraag {c}"),
        })
        .collect();
    let d = example_2025_as(dir.path(), "code_tekst.csv", &csv_text(&coded));
    assert_eq!(d.layout, pokeval_survey::Layout::LimesurveyCodeText);
    assert_eq!(d.table(), base.table(), "code. text headings");
    assert_eq!(d.rejects.len(), base.rejects.len());

    // full answers: every answer code as its option's label
    let ins = Instrument::load(&repo().join("surveys/2025/instrument.toml")).unwrap();
    let map = &ins.columns["limesurvey"];
    let mut full = rows.clone();
    for row in full.iter_mut().skip(1) {
        for (i, cell) in row.iter_mut().enumerate() {
            let Some(target) = map.get(&rows[0][i]) else {
                continue;
            };
            let (qid, option) = match target.split_once(':') {
                Some((q, o)) => (q, Some(o)),
                None => (target.as_str(), None),
            };
            let Some(q) = ins.question(qid) else { continue };
            if option == Some("other") || cell.is_empty() {
                continue;
            }
            if option.is_some() {
                // a multiple-choice option column: Y as LimeSurvey writes it in full
                if cell == "Y" {
                    *cell = "Ja".into();
                }
                continue;
            }
            if let Some(o) = q
                .options
                .iter()
                .find(|o| o.code == *cell || o.aliases.iter().any(|a| a == cell))
            {
                *cell = o.label.clone();
            }
        }
    }
    let d = example_2025_as(dir.path(), "volledig.csv", &csv_text(&full));
    assert_eq!(d.table(), base.table(), "full answers");
    assert!(d.as_other.is_empty(), "{:?}", d.as_other);
}

/// Full question texts in a Dutch LimeSurvey: its own columns carry Dutch
/// names, and the export is still LimeSurvey's, with its ids and times.
#[test]
fn limesurvey_full_text_headings_in_dutch_are_limesurvey() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nl.csv");
    std::fs::write(
        &p,
        "\"Antwoord ID\",\"Datum verstuurd\",\"Laatste pagina\",\"Starttaal\",\"Voor welke gemeente vult u deze enquête in?\"\n\
         \"7\",\"2025-02-03 10:15:22\",\"4\",\"nl\",\"Ede\"\n",
    )
    .unwrap();
    let e = read_export(&p, "nl.csv", &ReadOptions::default()).unwrap();
    assert_eq!(e.layout, pokeval_survey::Layout::LimesurveyText);
    assert_eq!(e.respondent_column(), Some(0));
    assert_eq!(e.submitted_column(), Some(1));
}

/// Qualtrics offers numeric values or choice text: the 2024 example export
/// (numeric values) rewritten with every choice as its text gives the same
/// long table.
#[test]
fn qualtrics_choice_text_gives_the_same_table_as_numeric_values() {
    let dir = tempfile::tempdir().unwrap();
    let base = example(2024);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv"))
        .unwrap();
    let mut rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let ins = Instrument::load(&repo().join("surveys/2024/instrument.toml")).unwrap();
    let map = &ins.columns["qualtrics"];
    let keys: Vec<Option<String>> = rows[2]
        .iter()
        .map(|c| pokeval_survey::export::import_id(c))
        .collect();
    let mut changed = 0;
    for row in rows.iter_mut().skip(3) {
        for (i, cell) in row.iter_mut().enumerate() {
            let Some(target) = keys[i].as_ref().and_then(|k| map.get(k)) else {
                continue;
            };
            let Some(q) = ins.question(target) else {
                continue;
            };
            if let Some(o) = q.options.iter().find(|o| o.code == *cell) {
                *cell = o.label.clone();
                changed += 1;
            }
        }
    }
    assert!(changed > 20, "only {changed} cells rewritten");
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.write_record(r).unwrap();
    }
    let path = dir.path().join("keuzetekst.csv");
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
    let d = read_as_example(&path, "keuzetekst.csv", 2024);
    assert_eq!(d.layout, pokeval_survey::Layout::QualtricsCurrent);
    assert_eq!(d.table(), base.table());
    assert!(d.as_other.is_empty(), "{:?}", d.as_other);
}
