#![no_main]
//! Fuzz target `survey_structure`: see `pokeval_survey::fuzzing::structure_any`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_survey::fuzzing::structure_any(data));
