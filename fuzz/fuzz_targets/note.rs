#![no_main]
//! Fuzz target `note`: see `pokeval_ingest::fuzzing::note_any`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_ingest::fuzzing::note_any(data));
