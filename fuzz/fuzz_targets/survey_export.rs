#![no_main]
//! Fuzz target `survey_export`: see `pokeval_survey::fuzzing::export_any`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_survey::fuzzing::export_any(data));
