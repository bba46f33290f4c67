//! Entry points for fuzzing the readers of outside input this crate owns
//! (the `fuzz/` targets call them, and the app crate's `tests/it/fuzz_replay.rs` replays
//! the saved inputs through them on stable): interview notes in every
//! format, documents, REFI-QDA projects and codebooks, the GeoJSON
//! boundaries and the CSV tables of a project. Each takes raw bytes and
//! must return without panicking; an error is a fine outcome.

use std::path::Path;
use std::sync::OnceLock;

use pokeval_model::{NoProgress, Register, Resolver, Wave};
use pokeval_survey::fuzzing::temp_file;

/// The example register (fixtures/gemeenten_voorbeeld.csv), read once.
fn register() -> &'static Register {
    static REGISTER: OnceLock<Register> = OnceLock::new();
    REGISTER.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gemeenten_voorbeeld.csv");
        Register::load(&path).expect("the example register reads")
    })
}

/// One interview note (`ext`: md, txt, docx, odt, pdf) in a folder of its
/// own, read as `pokeval build` reads a notes folder.
pub fn note(data: &[u8], ext: &str) {
    let file = temp_file(data, ext);
    let Some(dir) = file.parent() else { return };
    let folder = dir.join(format!(
        "notes-{}",
        file.file_stem().and_then(|s| s.to_str()).unwrap_or("x")
    ));
    let _ = std::fs::remove_dir_all(&folder);
    if std::fs::create_dir_all(&folder).is_err() {
        return;
    }
    let _ = std::fs::write(folder.join(format!("gesprek.{ext}")), data);
    let resolver = Resolver::new(register(), 2024);
    let wave = Wave::new(2024).expect("2024 is a wave");
    let display = |p: &Path| p.display().to_string();
    let _ = crate::notes::read_notes(
        &folder,
        wave,
        &resolver,
        &display,
        &crate::notes::NotesOptions::default(),
        &NoProgress,
    );
}

/// A document's text (`ext`: docx, odt, pdf).
pub fn document(data: &[u8], ext: &str) {
    let path = temp_file(data, ext);
    let _ = match ext {
        "docx" => crate::documents::read_docx(&path).map(drop),
        "odt" => crate::documents::read_odt(&path).map(drop),
        _ => crate::documents::read_pdf(&path).map(drop),
    };
}

/// A REFI-QDA project (`qdpx`) or codebook (`qdc`).
pub fn refi(data: &[u8], ext: &str) {
    let path = temp_file(data, ext);
    let _ = if ext == "qdc" {
        crate::refi::read_qdc(&path)
    } else {
        crate::refi::read_qdpx(&path)
    };
}

/// Municipality boundaries (GeoJSON).
pub fn boundaries(data: &[u8]) {
    let path = temp_file(data, "geojson");
    let _ = crate::boundaries::load(&path, None);
}

/// The CSV tables of a project: `which` is funds, vouchers, population,
/// manual (codings) or register.
pub fn table(data: &[u8], which: &str) {
    let path = temp_file(data, "csv");
    let _ = match which {
        "funds" => crate::funds::FundsTable::load(&path).map(drop),
        "vouchers" => {
            let resolver = Resolver::new(register(), 2024);
            crate::funds::load_vouchers(&path, &resolver).map(drop)
        }
        "population" => crate::funds::load_population(&path).map(drop),
        "manual" => crate::manual::load(&path, "fuzz.csv").map(drop),
        _ => Register::load(&path).map(drop),
    };
}

/// The note formats [`note_any`] chooses from.
pub const NOTE_KINDS: [&str; 5] = ["md", "txt", "docx", "odt", "pdf"];
/// The REFI-QDA files [`refi_any`] chooses from.
pub const REFI_KINDS: [&str; 2] = ["qdpx", "qdc"];
/// The project tables [`table_any`] chooses from.
pub const TABLE_KINDS: [&str; 5] = ["funds", "vouchers", "population", "manual", "register"];

/// The kind named by the first byte (an index into `kinds`), and the rest.
fn pick<'a>(data: &'a [u8], kinds: &[&'static str]) -> Option<(&'static str, &'a [u8])> {
    let (&k, rest) = data.split_first()?;
    Some((kinds[usize::from(k) % kinds.len()], rest))
}

/// [`note`] with the format chosen by the first byte ([`NOTE_KINDS`]).
pub fn note_any(data: &[u8]) {
    if let Some((kind, rest)) = pick(data, &NOTE_KINDS) {
        note(rest, kind);
    }
}

/// [`refi`] with the file chosen by the first byte ([`REFI_KINDS`]).
pub fn refi_any(data: &[u8]) {
    if let Some((kind, rest)) = pick(data, &REFI_KINDS) {
        refi(rest, kind);
    }
}

/// [`table`] with the table chosen by the first byte ([`TABLE_KINDS`]).
pub fn table_any(data: &[u8]) {
    if let Some((kind, rest)) = pick(data, &TABLE_KINDS) {
        table(rest, kind);
    }
}
