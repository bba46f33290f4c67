#![no_main]
//! Fuzz target `instrument`: see `pokeval_survey::fuzzing::instrument`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: pokeval_formats::fuzzing::contained_panics_are_errors(),
    |data: &[u8]| pokeval_formats::fuzzing::abort_on_escape(|| pokeval_survey::fuzzing::instrument(data))
);
