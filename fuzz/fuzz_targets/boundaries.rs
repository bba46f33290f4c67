#![no_main]
//! Fuzz target `boundaries`: see `pokeval_ingest::fuzzing::boundaries`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_ingest::fuzzing::boundaries(data));
