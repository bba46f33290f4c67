#![no_main]
//! Fuzz target `project_table`: see `pokeval_ingest::fuzzing::table_any`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: pokeval_formats::fuzzing::contained_panics_are_errors(),
    |data: &[u8]| pokeval_formats::fuzzing::abort_on_escape(|| pokeval_ingest::fuzzing::table_any(data))
);
