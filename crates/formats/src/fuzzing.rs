//! The fuzzing entry point of the CSV record scanner (the `fuzz/` target
//! `csv_records` calls it, and the app crate's `tests/it/fuzz_replay.rs`
//! replays the saved inputs through it on stable). It must return without
//! panicking whatever the bytes, and agree with the csv crate.

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
    // the field count of every record, empty ones too: a record of quoted
    // empty fields (`,"",`) is a record to the scanner
    let mut counts: Vec<usize> = Vec::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                counts.push(rec.len());
                if rec.iter().any(|f| !f.is_empty()) {
                    // the physical line the record's text starts on: the csv
                    // crate's own line count leaves out blank lines before
                    // it, which editors (and our messages) count
                    let mut at = rec.position().map_or(0, |p| p.byte() as usize);
                    while matches!(b.get(at), Some(b'\n' | b'\r')) {
                        at += 1;
                    }
                    let line = 1 + memchr::memchr_iter(b'\n', &b[..at.min(b.len())]).count() as u64;
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
            .map(|s| {
                s.text(text)
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default()
            })
            .collect();
        if fields.iter().any(|f| !f.is_empty()) {
            ours.push((line, fields));
        }
        Ok(())
    });
    match scanned {
        Ok(()) => assert_eq!(ours, oracle, "scanner and csv crate differ"),
        Err(crate::records::ScanError::Fields { .. }) => assert!(
            counts.iter().any(|&n| n != width),
            "a field count error where every csv record has {width} fields"
        ),
        Err(_) => {}
    }
}

/// Lets a panic that a reader contains be what the reader makes of it, an
/// error, and keeps every other panic a crash. Some dependencies panic on
/// broken files (pdf-extract on a missing object, the SPSS and workbook
/// readers); pokeval's readers catch those panics and report the file as
/// unreadable (`Error::ReaderFailed`), which is the designed outcome, not a
/// bug. libfuzzer-sys aborts on every panic, caught or not, so each fuzz
/// target calls this once at start (it restores the default panic hook)
/// and runs each input through [`abort_on_escape`], which aborts when a
/// panic leaves pokeval's entry point: that panic nothing caught.
pub fn contained_panics_are_errors() {
    drop(std::panic::take_hook());
}

/// Runs `f`, aborting (a crash, for libFuzzer) when a panic escapes it.
pub fn abort_on_escape(f: impl FnOnce() + std::panic::UnwindSafe) {
    if std::panic::catch_unwind(f).is_err() {
        std::process::abort();
    }
}
