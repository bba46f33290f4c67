#![no_main]
//! Fuzz target `gold_files`: see `pokeval_analysis::fuzzing::gold_files`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_analysis::fuzzing::gold_files(data));
