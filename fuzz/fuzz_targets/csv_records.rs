#![no_main]
//! Fuzz target `csv_records`: see `pokeval_formats::fuzzing::csv_records`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: pokeval_formats::fuzzing::contained_panics_are_errors(),
    |data: &[u8]| pokeval_formats::fuzzing::abort_on_escape(|| pokeval_formats::fuzzing::csv_records(data))
);
