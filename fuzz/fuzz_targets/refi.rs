#![no_main]
//! Fuzz target `refi`: see `pokeval_ingest::fuzzing::refi_any`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_ingest::fuzzing::refi_any(data));
