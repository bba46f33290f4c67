#![no_main]
//! Fuzz target `project_table`: see `pokeval_ingest::fuzzing::table_any`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_ingest::fuzzing::table_any(data));
