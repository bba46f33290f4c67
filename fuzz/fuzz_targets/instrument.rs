#![no_main]
//! Fuzz target `instrument`: see `pokeval_survey::fuzzing::instrument`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_survey::fuzzing::instrument(data));
