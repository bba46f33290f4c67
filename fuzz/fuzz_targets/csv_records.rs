#![no_main]
//! Fuzz target `csv_records`: see `pokeval_formats::fuzzing::csv_records`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pokeval_formats::fuzzing::csv_records(data));
