//! Entry points for fuzzing the readers of outside input (the `fuzz/`
//! targets call them, and the app crate's `tests/it/fuzz_replay.rs` replays the saved
//! corpus and crash inputs through them on stable). Each takes raw bytes
//! and must return without panicking, whatever the bytes; an error is a
//! fine outcome. Readers that take a path get the bytes in a temporary
//! file with the right extension (one per thread, overwritten each call).

use std::path::PathBuf;

use crate::{raw_long, read_export, read_structure, Instrument, ReadOptions};

/// A temporary file for this process and thread with extension `ext`,
/// holding `data`.
pub fn temp_file(data: &[u8], ext: &str) -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let dir = std::env::temp_dir().join(format!("pokeval-fuzz-{}", std::process::id()));
    // a failure to write shows as the reader's own "cannot read" error
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("input-{thread}.{ext}"));
    let _ = std::fs::write(&path, data);
    path
}

/// A survey export (`ext`: csv, xlsx, sav, zsav, lsa) read as it is and
/// turned into the raw long table.
pub fn export(data: &[u8], ext: &str) {
    let path = temp_file(data, ext);
    let name = format!("fuzz.{ext}");
    if let Ok(e) = read_export(&path, &name, &ReadOptions::default()) {
        let wave = pokeval_model::Wave::FIRST;
        if let Ok(r) = raw_long(&e, wave) {
            let _ = r.wide();
        }
    }
}

/// A survey structure file (`ext`: lss, qsf, xml for queXML, tsv, R, sps).
pub fn structure(data: &[u8], ext: &str) {
    let path = temp_file(data, ext);
    let _ = read_structure(&path, &format!("fuzz.{ext}"));
}

/// An instrument (TOML).
pub fn instrument(data: &[u8]) {
    let path = temp_file(data, "toml");
    let _ = Instrument::load(&path);
}

/// The export extensions [`export_any`] chooses from.
pub const EXPORT_KINDS: [&str; 5] = ["csv", "xlsx", "sav", "lsa", "ods"];
/// The structure extensions [`structure_any`] chooses from.
pub const STRUCTURE_KINDS: [&str; 6] = ["lss", "qsf", "xml", "tsv", "R", "sps"];

/// [`export`] with the kind chosen by the first byte (an index into
/// [`EXPORT_KINDS`]) and the rest as the file.
pub fn export_any(data: &[u8]) {
    if let Some((&k, rest)) = data.split_first() {
        export(rest, EXPORT_KINDS[usize::from(k) % EXPORT_KINDS.len()]);
    }
}

/// [`structure`] with the kind chosen by the first byte (an index into
/// [`STRUCTURE_KINDS`]) and the rest as the file.
pub fn structure_any(data: &[u8]) {
    if let Some((&k, rest)) = data.split_first() {
        structure(
            rest,
            STRUCTURE_KINDS[usize::from(k) % STRUCTURE_KINDS.len()],
        );
    }
}
