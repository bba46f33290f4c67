//! One resolution rule everywhere: a voucher, a survey answer and an
//! interview note that name a merged municipality (Appingedam, merged
//! into Eemsdelta on 1 January 2021) resolve to the same successor.

use std::path::{Path, PathBuf};

use pokeval_ingest::funds::load_vouchers;
use pokeval_ingest::notes::{read_notes, NotesOptions};
use pokeval_model::{NoProgress, Register, Resolver, Wave};
use pokeval_survey::{read_survey, Instrument, ReadOptions};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_merged_municipality_resolves_the_same_in_vouchers_surveys_and_notes() {
    let register = Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    let resolver = Resolver::new(&register, 2024)
        .with_mergers(&repo().join("fixtures/herindelingen_voorbeeld.csv"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // a voucher naming the former municipality
    let vouchers = dir.path().join("vouchers.csv");
    std::fs::write(
        &vouchers,
        "gemeentecode,gemeente,datum,bedrag,thema\n,Appingedam,2023-03-01,10000,wijkteam\n",
    )
    .unwrap();
    let (read, rejected) = load_vouchers(&vouchers, &resolver).unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    let voucher_code = read[0].municipality.clone();

    // a survey response from the former municipality
    let fixture = repo().join("fixtures/2024/enquete_qualtrics_voorbeeld.csv");
    let text = std::fs::read_to_string(&fixture)
        .unwrap()
        .replace("Gemeente Enschede", "Appingedam");
    let export = dir.path().join("enquete.csv");
    std::fs::write(&export, text).unwrap();
    let ins = Instrument::load(&repo().join("surveys/2024/instrument.toml")).unwrap();
    let data = read_survey(
        &export,
        "enquete.csv",
        &ReadOptions::default(),
        None,
        Some(&ins),
        Some(&resolver),
        Wave::new(2024).unwrap(),
        &NoProgress,
    )
    .unwrap();
    let survey_code = data.respondents["R_Vb01EnschedeXa"].clone();

    // an interview note about the former municipality
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("gesprek.md"),
        "+++\ngemeente = \"Appingedam\"\n+++\nHet wijkteam werkt samen met de sociaal raadslieden.\n",
    )
    .unwrap();
    let display = |p: &Path| p.display().to_string();
    let sources = read_notes(
        &notes,
        Wave::new(2024).unwrap(),
        &resolver,
        &display,
        &NotesOptions::default(),
        &pokeval_model::NoProgress,
    )
    .unwrap();
    let note_code = sources[0].municipality.clone().unwrap();

    assert_eq!(voucher_code, "GM1979");
    assert_eq!(survey_code, "GM1979");
    assert_eq!(&*note_code, "GM1979");
}
