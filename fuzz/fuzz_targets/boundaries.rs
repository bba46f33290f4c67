#![no_main]
//! Fuzz target `boundaries`: see `pokeval_ingest::fuzzing::boundaries`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: pokeval_formats::fuzzing::contained_panics_are_errors(),
    |data: &[u8]| pokeval_formats::fuzzing::abort_on_escape(|| pokeval_ingest::fuzzing::boundaries(data))
);
