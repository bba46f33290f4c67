//! The bad-input corpus in `fixtures/bad/` (each file made by the script
//! beside it), read by `pokeval ingest` as a user would: a clear error that
//! names the file and the line or field, a non-zero exit and nothing
//! written; or, where the input is valid but unusual, the right result.

use crate::common;

use std::path::Path;

use common::{pokeval, stderr, stdout};

/// `pokeval ingest fixtures/bad/<name> --wave 2025 --quiet --out <out>`
/// with `extra` arguments.
fn ingest(name: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let file = format!("fixtures/bad/{name}");
    let mut args = vec![
        "ingest",
        file.as_str(),
        "--wave",
        "2025",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    pokeval(&args)
}

/// With the 2025 example's instrument, register and mergers, as the CSV
/// cases are copies of that export.
const LIMESURVEY_2025: &[&str] = &[
    "--instrument",
    "surveys/2025/instrument.toml",
    "--register",
    "fixtures/gemeenten_voorbeeld.csv",
    "--mergers",
    "fixtures/herindelingen_voorbeeld.csv",
];

/// Ingests a corpus file that must fail: non-zero exit (1, not a crash),
/// no output folder, and stderr naming the file and every `needles`.
fn fails(name: &str, extra: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("uit");
    let o = ingest(name, &out, extra);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{name}: {err}");
    assert!(
        err.contains(&format!("fixtures/bad/{name}")),
        "{name}: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "{name}: no '{n}' in: {err}");
    }
    assert!(!err.contains("panicked"), "{name}: {err}");
    assert!(!out.exists(), "{name}: output written despite the error");
}

#[test]
fn sav_date_out_of_range_names_the_variable_and_case() {
    fails(
        "sav_datum_buiten_bereik.sav",
        &[],
        &["field 'Q1'", "case 2", "outside the years 1 to 9999"],
    );
}

#[test]
fn sav_case_count_beyond_the_data_is_an_error_before_allocating() {
    fails(
        "sav_te_veel_cases.sav",
        &[],
        &["declares 2000000000 cases but the data holds 2"],
    );
}

#[test]
fn sav_unknown_case_count_reads_every_case() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("uit");
    let o = ingest("sav_aantal_onbekend.sav", &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 records read = 2 accepted + 0 rejected"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn xlsx_far_cell_is_named_without_a_dense_grid() {
    // a dense read of this workbook once took 18 GB and a minute
    fails(
        "xlsx_verre_cel.xlsx",
        &[],
        &["row 1048576 has a value in column 16384 beyond the 3 columns"],
    );
}

#[test]
fn xlsx_cell_reference_out_of_range_is_an_error_not_a_crash() {
    fails(
        "xlsx_cel_buiten_bereik.xlsx",
        &[],
        &["the workbook reader failed on this file", "overflow"],
    );
}

#[test]
fn ods_repeats_of_an_answer_are_bounded() {
    // the workbook library would expand this 2 KB sheet into 17 billion cells
    fails(
        "ods_herhaalde_rijen.ods",
        &[],
        &[
            "worksheet 'Formulierreacties 1' repeats row 3 1048575 times",
            "more than the 1000000 cells repeats may add",
        ],
    );
}

#[test]
fn ods_empty_repeats_cost_nothing() {
    // LibreOffice writes the rest of a sheet as one empty repeated row
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("uit");
    let o = ingest("ods_lege_herhaling.ods", &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let long = std::fs::read_to_string(out.join("ods_lege_herhaling_lang.csv")).unwrap();
    assert!(
        long.contains("Utrecht") && long.contains("Tevreden"),
        "{long}"
    );
}

#[test]
fn csv_nul_byte_names_the_line() {
    fails("csv_nul.csv", LIMESURVEY_2025, &["line 4", "NUL byte"]);
}

#[test]
fn csv_carriage_return_line_endings_are_named_as_such() {
    fails(
        "csv_alleen_cr.csv",
        LIMESURVEY_2025,
        &["carriage return alone", "(CRLF) or Unix (LF)"],
    );
}

#[test]
fn csv_header_only_warns_and_writes_empty_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("uit");
    let o = ingest("csv_alleen_kop.csv", &out, LIMESURVEY_2025);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "warning: fixtures/bad/csv_alleen_kop.csv: the export holds a header but no responses"
        ),
        "{err}"
    );
    assert!(stdout(&o).contains("0 records read"), "{}", stdout(&o));
}

/// Writes `bytes` as `name` in a fresh folder and ingests it: must fail
/// naming the file and `needles`, with no output.
fn generated_fails(name: &str, bytes: &[u8], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let out = tmp.path().join("uit");
    let o = pokeval(&[
        "ingest",
        file.to_str().unwrap(),
        "--wave",
        "2024",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(name), "{err}");
    for n in needles {
        assert!(err.contains(n), "no '{n}' in: {err}");
    }
    assert!(!out.exists(), "output written despite the error");
}

/// A file without line breaks (generated: 1.2 MB here, once 200 MB that
/// took 72 s and 9.2 GB) stops at the header's field count.
#[test]
fn a_header_of_too_many_fields_is_named() {
    let header: Vec<String> = (0..40_000).map(|i| format!("veld{i}")).collect();
    generated_fails(
        "een_regel.csv",
        header.join(",").as_bytes(),
        &["line 1", "40000 fields, more than the 32768"],
    );
}

/// One record longer than 16 MiB (17 MiB generated) stops at that record.
#[test]
fn a_record_longer_than_any_answer_is_named() {
    let mut text = b"Tijdstempel,Hoe tevreden bent u?\n2024/03/01 10:00:00,".to_vec();
    text.resize(text.len() + (17 << 20), b'x');
    text.push(b'\n');
    generated_fails("lang_antwoord.csv", &text, &["line 2", "longer than 16 MB"]);
}

/// An instrument that maps no column to the municipality question would
/// leave every respondent unplaced (and the report counting "1 gemeente",
/// the empty one): with a register, that is an error naming the fix.
#[test]
fn a_survey_without_a_municipality_column_is_refused_with_a_register() {
    let tmp = tempfile::tempdir().unwrap();
    let instrument = std::fs::read_to_string(common::repo().join("surveys/2025/instrument.toml"))
        .unwrap()
        .replace("\ngemeente = \"gemeente\"\n", "\n");
    let ins = tmp.path().join("instrument.toml");
    std::fs::write(&ins, instrument).unwrap();
    let out = tmp.path().join("uit");
    let o = pokeval(&[
        "ingest",
        "fixtures/2025/enquete_limesurvey_voorbeeld.csv",
        "--wave",
        "2025",
        "--instrument",
        ins.to_str().unwrap(),
        "--register",
        "fixtures/gemeenten_voorbeeld.csv",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("enquete_limesurvey_voorbeeld.csv")
            && err.contains("municipality question")
            && err.contains("[columns.limesurvey]"),
        "{err}"
    );
    assert!(!out.exists());
}

/// A LimeSurvey R syntax file found beside an "R data" export decides its
/// codes and labels, so the run says it used it (a real export from
/// `../shared/data`).
#[test]
fn an_r_syntax_file_beside_the_export_is_named() {
    let Some(shared) = std::env::var_os("POKEVAL_SHARED_DATA") else {
        eprintln!("note: POKEVAL_SHARED_DATA is not set; skipping the LimeSurvey R export");
        return;
    };
    let dir = Path::new(&shared).join("surveys/limesurvey");
    assert!(dir.is_dir(), "{} is not a folder", dir.display());
    let data = dir.join("limonaid_survey_998192_R_data_file.csv");
    let tmp = tempfile::tempdir().unwrap();
    let o = pokeval(&[
        "ingest",
        data.to_str().unwrap(),
        "--wave",
        "2024",
        "--quiet",
        "--out",
        tmp.path().join("uit").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("are read from")
            && stderr(&o).contains(
                "limonaid_survey_998192_R_syntax_file.R, the LimeSurvey R syntax file beside it"
            ),
        "{}",
        stderr(&o)
    );
}

/// Rows that are exact copies in an export without respondent ids are
/// kept but listed with their lines.
#[test]
fn csv_copied_rows_without_ids_are_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("uit");
    let o = ingest("csv_dubbele_rij.csv", &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "warning: fixtures/bad/csv_dubbele_rij.csv: 1 row is an exact copy of an earlier row (line 4 = line 2)"
        ),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("3 records read = 3 accepted"),
        "{}",
        stdout(&o)
    );
}

/// A failed ingest writes nothing, so the tables of an earlier run stay:
/// unchanged, and named as earlier in the error.
#[test]
fn a_failed_ingest_names_the_earlier_tables_it_left() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("enquete.csv");
    let out = tmp.path().join("uit");
    let run = || {
        let mut args = vec![
            "ingest",
            export.to_str().unwrap(),
            "--wave",
            "2025",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(LIMESURVEY_2025);
        pokeval(&args)
    };
    std::fs::copy(
        common::repo().join("fixtures/2025/enquete_limesurvey_voorbeeld.csv"),
        &export,
    )
    .unwrap();
    let o = run();
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(out.join("enquete_lang.csv")).unwrap();
    std::fs::copy(common::repo().join("fixtures/bad/csv_nul.csv"), &export).unwrap();
    let o = run();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("NUL byte")
            && err.contains(&format!(
                "note: {} still holds enquete_lang.csv, enquete_breed.csv, enquete_afgewezen.csv, gemeenten_review.csv from an earlier run",
                out.display()
            )),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("enquete_lang.csv")).unwrap(), before);
}

/// A UTF-8 export with one row pasted from a Windows-1252 source stops at
/// that line with the real flag, instead of being read whole as
/// Windows-1252 with every other row garbled.
#[test]
fn csv_mixed_encodings_name_the_line_and_the_flag() {
    fails(
        "csv_gemengde_codering.csv",
        &[],
        &[
            "line 3",
            "mixes encodings",
            "byte 0xFA",
            "--encoding windows-1252",
        ],
    );
}
