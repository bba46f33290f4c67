//! The fuzzing entry point for a codebook (TOML with rules as plain
//! words): parsed, checked and compiled as a build does. The `fuzz/`
//! target `codebook` calls it, and the app crate's `tests/it/fuzz_replay.rs` replays the
//! saved inputs through it on stable. It must return without panicking
//! whatever the bytes; an error is a fine outcome.

use std::path::Path;

/// Parses `data` as a codebook and compiles its rules.
pub fn codebook(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cb) = crate::codebook::Codebook::parse(Path::new("fuzz.toml"), text) {
        let _ = crate::autocode::Autocoder::new(&cb);
    }
}
