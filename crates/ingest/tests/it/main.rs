//! Integration tests of this crate, in one binary: every test binary links
//! the whole dependency tree (polars among it), so one per crate keeps CI's
//! disk use and link time down. Each module was once its own file of tests.

mod funds;
mod notes_formats;
mod refi_handwritten;
mod refi_samples;
mod resolution;
