#![no_main]
//! Fuzz target `codebook`: see `pokeval_analysis::fuzzing::codebook`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_analysis::fuzzing::codebook(data));
