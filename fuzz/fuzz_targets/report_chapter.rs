#![no_main]
//! Fuzz target `report_chapter`: see `pokeval_app::fuzzing::report_chapter`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_app::fuzzing::report_chapter(data));
