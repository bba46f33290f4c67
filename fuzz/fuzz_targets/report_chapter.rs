#![no_main]
//! Fuzz target `report_chapter`: see `pokeval_app::fuzzing::report_chapter`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: pokeval_formats::fuzzing::contained_panics_are_errors(),
    |data: &[u8]| pokeval_formats::fuzzing::abort_on_escape(|| pokeval_app::fuzzing::report_chapter(data))
);
