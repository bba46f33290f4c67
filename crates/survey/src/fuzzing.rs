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

/// The CSV record scanner against the csv crate as an oracle: on UTF-8
/// input without lone carriage returns (which the csv crate takes as line
/// ends and exports never hold outside quotes), every record the scanner
/// accepts has the csv crate's fields and starting line.
pub fn csv_records(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let b = text.as_bytes();
    if b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'\r' && b.get(i + 1) != Some(&b'\n'))
    {
        return;
    }
    let delim = b',';
    let mut oracle: Vec<(u64, Vec<String>)> = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(b);
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                if rec.iter().any(|f| !f.is_empty()) {
                    let line = rec.position().map_or(0, |p| p.line());
                    oracle.push((line, rec.iter().map(str::to_string).collect()));
                }
            }
            Ok(false) => break,
            Err(_) => return,
        }
    }
    let width = oracle.first().map_or(1, |r| r.1.len());
    let mut ours: Vec<(u64, Vec<String>)> = Vec::new();
    let scanned = crate::records::scan_records(b, delim, width, 1, |line, spans| {
        let fields: Vec<String> = spans
            .iter()
            .map(|s| s.text(text).map(|t| t.into_owned()).unwrap_or_default())
            .collect();
        if fields.iter().any(|f| !f.is_empty()) {
            ours.push((line, fields));
        }
        Ok(())
    });
    match scanned {
        Ok(()) => assert_eq!(ours, oracle, "scanner and csv crate differ"),
        Err(crate::records::ScanError::Fields { .. }) => assert!(
            oracle.iter().any(|(_, f)| f.len() != width),
            "a field count error where every csv record has {width} fields"
        ),
        Err(_) => {}
    }
}

/// A survey export (`ext`: csv, xlsx, sav, zsav, lsa) read as it is and
/// turned into the raw long table.
pub fn export(data: &[u8], ext: &str) {
    let path = temp_file(data, ext);
    let name = format!("fuzz.{ext}");
    if let Ok(e) = read_export(&path, &name, &ReadOptions::default()) {
        let wave = pokeval_model::Wave::new(2024).expect("2024 is a wave");
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
pub const EXPORT_KINDS: [&str; 4] = ["csv", "xlsx", "sav", "lsa"];
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
