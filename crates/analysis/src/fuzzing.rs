//! The fuzzing entry points for a codebook (TOML with rules as plain
//! words: parsed, checked and compiled as a build does) and for the gold
//! files `pokeval score` reads. The `fuzz/` targets `codebook` and
//! `gold_files` call them, and the app crate's `tests/it/fuzz_replay.rs` replays the
//! saved inputs through it on stable. It must return without panicking
//! whatever the bytes; an error is a fine outcome.

use std::path::Path;
use std::sync::LazyLock;

use crate::autocode::Autocoder;
use crate::codebook::Codebook;

/// The first byte picks the kind: even a gold passages file (parsed and
/// scored with the built-in codebook), odd a privacy corpus (parsed and
/// every case pseudonymised), the rest is the file.
pub fn gold_files(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if kind % 2 == 0 {
        if let Ok(passages) = crate::gold::parse(Path::new("fuzz.tsv"), text) {
            // the default codebook's rules compiled once, not per input:
            // compiled per input the target ran 28 inputs a second, once
            // per process 1,032 (measured)
            static DEFAULT: LazyLock<Option<(Codebook, Autocoder)>> = LazyLock::new(|| {
                let codebook = Codebook::default_codebook();
                let coder = Autocoder::new(&codebook).ok()?;
                Some((codebook, coder))
            });
            let Some((codebook, coder)) = &*DEFAULT else {
                return;
            };
            if let Ok(s) = crate::gold::score_with(coder, codebook, &passages) {
                let _ = crate::gold::report(&s);
            }
        }
    } else if let Ok(cases) = pokeval_ingest::privacy_corpus::parse(Path::new("fuzz.txt"), text) {
        let outcomes = pokeval_ingest::privacy_corpus::run(&cases);
        let s = pokeval_ingest::privacy_corpus::score(&outcomes);
        let _ = pokeval_ingest::privacy_corpus::report(&s, &outcomes);
    }
}

/// Parses `data` as a codebook and compiles its rules.
pub fn codebook(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cb) = crate::codebook::Codebook::parse(Path::new("fuzz.toml"), text) {
        let _ = crate::autocode::Autocoder::new(&cb);
    }
}
