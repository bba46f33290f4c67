#![no_main]
//! Fuzz target `gold_files`: see `pokeval_analysis::fuzzing::gold_files`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: pokeval_formats::fuzzing::contained_panics_are_errors(),
    |data: &[u8]| pokeval_formats::fuzzing::abort_on_escape(|| pokeval_analysis::fuzzing::gold_files(data))
);
