//! Integration tests of this crate, in one binary: every test binary links
//! the whole dependency tree (polars among it), so one per crate keeps CI's
//! disk use and link time down. Each module was once its own file of tests.

mod code;
mod exchange;
mod fuzz_replay;
mod preview;
mod progress;
mod waves;
