//! Integration tests of this crate, in one binary: every test binary links
//! the whole dependency tree (polars among it), so one per crate keeps CI's
//! disk use and link time down. Each module was once its own file of tests.

mod bad_inputs;
mod broken_inputs;
mod build_example;
mod common;
mod export;
mod ingest;
mod output_guard;
mod score;
mod stories;
mod values;
