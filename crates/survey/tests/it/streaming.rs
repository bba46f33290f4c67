//! The two ways a CSV export is read agree: the streaming reader
//! (`read_survey` on a UTF-8 CSV with an instrument: blocks parsed and
//! decoded on every core) and the whole-file reader (`read_export` +
//! `harmonise`, which SPSS files, workbooks and other encodings take).
//! Same long table row for row, same respondents, submission times and
//! rejects with their lines, same errors for broken files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pokeval_model::register::Register;
use pokeval_model::resolve::Resolver;
use pokeval_model::Wave;
use pokeval_survey::{
    harmonise, read_export, read_survey, text_column, Instrument, ReadOptions, Responses,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every long-table row as one line of text, in table order.
fn rows(d: &Responses) -> Vec<String> {
    let l = d.table();
    let t = |n: &str| text_column(l, n).unwrap();
    let (r, m, q, v, lab) = (
        t("respondent"),
        t("municipality"),
        t("question"),
        t("value"),
        t("label"),
    );
    let wave = l.column("wave").unwrap().i32().unwrap().clone();
    let num = l.column("number").unwrap().f64().unwrap().clone();
    let mis = l.column("missing").unwrap().bool().unwrap().clone();
    (0..l.height())
        .map(|i| {
            format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                r.get(i),
                m.get(i),
                wave.get(i),
                q.get(i),
                v.get(i),
                lab.get(i),
                num.get(i),
                mis.get(i)
            )
        })
        .collect()
}

/// The byte counts a read reports.
#[derive(Default)]
struct Seen(std::sync::Mutex<Vec<(u64, u64)>>);

impl pokeval_model::Progress for Seen {
    fn step(&self, _message: &str) {}
    fn advance(&self, done: u64, total: u64) {
        self.0.lock().unwrap().push((done, total));
    }
}

fn resolver(reg: &Register) -> Resolver<'_> {
    Resolver::new(reg, 2024)
        .with_mergers(&repo().join("fixtures/herindelingen_voorbeeld.csv"))
        .unwrap()
}

/// Reads `path` both ways and checks they agree; returns the streamed read.
fn both(path: &Path, ins: &Instrument) -> Responses {
    let reg = Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    let (r1, r2) = (resolver(&reg), resolver(&reg));
    let opts = ReadOptions::default();
    let name = path.file_name().unwrap().to_str().unwrap();
    let seen = Seen::default();
    let streamed = read_survey(
        path,
        name,
        &opts,
        None,
        Some(ins),
        Some(&r1),
        ins.wave,
        &seen,
    )
    .unwrap();
    // A streamed file reports its reading up to the last byte.
    let seen = seen.0.into_inner().unwrap();
    if streamed.encoding.starts_with("UTF-8") && streamed.rows_read > 0 {
        let last = seen.last().copied().unwrap();
        assert_eq!(last.0, last.1, "{name}: {seen:?}");
    }
    let export = read_export(path, name, &opts).unwrap();
    let whole = harmonise(&export, ins, Some(&r2)).unwrap();
    assert_eq!(rows(&streamed), rows(&whole), "{name}: long tables differ");
    assert_eq!(streamed.respondents, whole.respondents, "{name}");
    assert_eq!(streamed.submitted, whole.submitted, "{name}");
    assert_eq!(streamed.rows_read, whole.rows_read, "{name}");
    assert_eq!(streamed.encoding, whole.encoding, "{name}");
    let rej = |d: &Responses| {
        d.rejects
            .iter()
            .map(|r| (r.line, r.reason.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(rej(&streamed), rej(&whole), "{name}");
    assert_eq!(r1.review(), r2.review(), "{name}");
    streamed
}

#[test]
fn the_examples_read_the_same_both_ways() {
    for (file, ins) in [
        (
            "fixtures/2024/enquete_qualtrics_voorbeeld.csv",
            "surveys/2024/instrument.toml",
        ),
        (
            "fixtures/2025/enquete_limesurvey_voorbeeld.csv",
            "surveys/2025/instrument.toml",
        ),
    ] {
        let mut ins = Instrument::load(&repo().join(ins)).unwrap();
        // The 2025 instrument is read for wave 2024's register here; the
        // wave only labels the rows.
        ins.wave = Wave::new(2024).unwrap();
        let d = both(&repo().join(file), &ins);
        assert!(d.table().height() > 50, "{file}");
    }
}

const INSTRUMENT: &str = r#"
wave = 2024
title = "stroomtest"

[[question]]
id = "gemeente"
type = "municipality"
text = "Gemeente"

[[question]]
id = "stelling"
type = "likert"
text = "Stelling"
options = [
  { code = "1", label = "Oneens" },
  { code = "2", label = "Neutraal" },
  { code = "3", label = "Eens" },
  { code = "-1", label = "Weet niet", missing = true },
]

[[question]]
id = "kanalen"
type = "multiple"
text = "Kanalen"
options = [
  { code = "1", label = "Loket" },
  { code = "2", label = "Telefoon" },
]

[[question]]
id = "toelichting"
type = "open"
text = "Toelichting"

[[question]]
id = "aandeel"
type = "numeric"
text = "Aandeel"

[columns.qualtrics]
QID1_TEXT = "gemeente"
QID2 = "stelling"
QID3_1 = "kanalen:1"
QID3_2 = "kanalen:2"
QID4_TEXT = "toelichting"
QID5 = "aandeel"
"#;

const PLACES: &[&str] = &["Enschede", "gemeente Zwolle", "venlo", "Den Bosch", "Zwole"];

/// A Qualtrics export of `n` responses, about 430 bytes each, with CRLF
/// records, a BOM, answers over several lines with `""` quotes, and four
/// bad records: a duplicate id, a code that is no option, a number that is
/// not one and a test response. `extra` is put in the open answer of
/// record `at`.
fn export(n: usize, at: usize, extra: &str) -> String {
    let mut s = String::from("\u{feff}");
    s.push_str("StartDate,EndDate,Status,RecordedDate,ResponseId,Q1,Q2,Q3_1,Q3_2,Q4,Q5\r\n");
    s.push_str("Start Date,End Date,Response Type,Recorded Date,Response ID,Gemeente,Stelling,Kanalen - Loket,Kanalen - Telefoon,Toelichting,Aandeel\r\n");
    let ids = [
        "startDate",
        "endDate",
        "status",
        "recordedDate",
        "_recordId",
        "QID1_TEXT",
        "QID2",
        "QID3_1",
        "QID3_2",
        "QID4_TEXT",
        "QID5",
    ];
    let row3: Vec<String> = ids
        .iter()
        .map(|i| format!("\"{{\"\"ImportId\"\":\"\"{i}\"\"}}\""))
        .collect();
    s.push_str(&row3.join(","));
    s.push_str("\r\n");
    for r in 0..n {
        let id = if r == 7 {
            "R_000000000003".to_string()
        } else {
            format!("R_{r:012}")
        };
        let status = if r == 11 { "2" } else { "0" };
        let likert = if r == 13 {
            "A7"
        } else {
            ["", "1", "2", "3", "1", "-1"][r % 6]
        };
        let share = if r == 17 {
            "veel".to_string()
        } else {
            (r % 101).to_string()
        };
        let mut open = format!(
            "Regel een van antwoord {r}, met \"\"citaat\"\" en komma's.\nRegel twee: extra uitleg over de aanpak in de wijk, de inzet van schuldhulp en het spreekuur."
        );
        if r == at {
            open.push_str(extra);
        }
        let _ = write!(
            s,
            "2024-02-01 09:00:00,2024-02-01 10:00:00,{status},2024-02-{:02} 10:{:02}:00,{id},{},{likert},{},{},\"{open}\",{share}\r\n",
            1 + r % 28,
            r % 60,
            PLACES[r % PLACES.len()],
            if r % 3 == 0 { "1" } else { "" },
            if r % 4 == 0 { "1" } else { "" },
        );
    }
    s
}

fn instrument() -> Instrument {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("instrument.toml");
    std::fs::write(&p, INSTRUMENT).unwrap();
    Instrument::load(&p).unwrap()
}

#[test]
fn a_file_of_several_blocks_reads_the_same_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("groot.csv");
    // About 10 MB: three blocks, with answers over block boundaries.
    let text = export(40_000, 0, "");
    assert!(text.len() > 2 * pokeval_ingest_block(), "{}", text.len());
    std::fs::write(&p, &text).unwrap();
    let d = both(&p, &instrument());
    assert_eq!(d.rows_read, 40_000);
    let reasons: Vec<(u64, &str)> = d
        .rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    // Each record takes two lines after the three header lines.
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert_eq!(reasons[0].0, 4 + 2 * 7);
    assert!(
        reasons[0]
            .1
            .contains("duplicate respondent id R_000000000003 (first on line 10)"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].1.contains("is a survey test (Status 2)")
            && reasons[1].1.contains("--include-tests"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].1.contains("'A7' is not an option"),
        "{reasons:?}"
    );
    assert_eq!(reasons[3].0, 4 + 2 * 17);
    assert!(
        reasons[3].1.contains("'veel' is not a number"),
        "{reasons:?}"
    );
    assert_eq!(d.encoding, "UTF-8 (with BOM)");
    // The quotes and the second line of an open answer survive.
    let l = d.table();
    let q = text_column(l, "question").unwrap();
    let v = text_column(l, "value").unwrap();
    let open = (0..l.height())
        .find(|&i| q.get(i) == Some("toelichting"))
        .and_then(|i| v.get(i))
        .unwrap();
    assert!(
        open.starts_with("Regel een van antwoord 0, met \"citaat\""),
        "{open}"
    );
    assert!(open.contains("\nRegel twee"), "{open}");
}

/// The block size of the streaming reader, as the tests assume it.
fn pokeval_ingest_block() -> usize {
    4 << 20
}

#[test]
fn a_stray_quote_or_another_encoding_late_in_the_file_still_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let ins = instrument();
    // A quote inside an unquoted share ("5"") in the first record fools the
    // block cutting; the reader notices and reads the whole file.
    let p = dir.path().join("quote.csv");
    let text = export(40_000, 0, "").replacen(",0\r\n", ",5\"\r\n", 1);
    std::fs::write(&p, &text).unwrap();
    let d = both(&p, &ins);
    assert!(
        d.rejects
            .iter()
            .any(|r| r.reason.contains("'5\"' is not a number")),
        "{:?}",
        d.rejects.first()
    );
    // A Windows-1252 byte in the last block of a file without BOM: the
    // file is Windows-1252.
    let p = dir.path().join("cp1252.csv");
    let mut bytes = export(40_000, 39_990, " Caf")
        .trim_start_matches('\u{feff}')
        .as_bytes()
        .to_vec();
    let at = bytes.windows(4).rposition(|w| w == b" Caf").unwrap() + 4;
    bytes.insert(at, 0xE9);
    std::fs::write(&p, &bytes).unwrap();
    let d = both(&p, &ins);
    assert_eq!(d.encoding, "windows-1252");
    let v = text_column(d.table(), "value").unwrap();
    assert!(v.iter().flatten().any(|t| t.ends_with("Café")));
}

#[test]
fn broken_files_fail_the_same_way_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let ins = instrument();
    let good = export(30, usize::MAX, "");
    let cases = [
        // Cut inside the open answer of the last record.
        ("afgebroken.csv", good[..good.len() - 60].to_string()),
        // The last record lost its last field (",29\r\n").
        ("kort.csv", good[..good.len() - 5].to_string()),
        // One field too many on line 8.
        (
            "kolom.csv",
            good.replacen(",Enschede,", ",Enschede,extra,", 1),
        ),
    ];
    for (name, text) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let opts = ReadOptions::default();
        let streamed = read_survey(
            &p,
            name,
            &opts,
            None,
            Some(&ins),
            None,
            ins.wave,
            &pokeval_model::NoProgress,
        )
        .unwrap_err()
        .to_string();
        let whole = read_export(&p, name, &opts)
            .and_then(|e| harmonise(&e, &ins, None))
            .unwrap_err()
            .to_string();
        assert_eq!(streamed, whole, "{name}");
        if name == "kort.csv" {
            assert!(streamed.contains("the last record is short"), "{streamed}");
        }
        assert!(
            streamed.contains(name) && streamed.contains("line "),
            "{streamed}"
        );
    }
}

#[test]
fn a_file_without_responses_reads_the_same_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("leeg.csv");
    std::fs::write(&p, export(0, 0, "")).unwrap();
    let d = both(&p, &instrument());
    assert_eq!((d.rows_read, d.table().height()), (0, 0));
    assert_eq!(d.table().width(), 8);
}
