//! # pokeval-formats
//!
//! File-format plumbing that several readers share: a bounded zip reader
//! ([`archive`]: docx, odt, qdpx, LimeSurvey archives), XML event
//! helpers ([`xml`]: REFI-QDA, LimeSurvey structures, queXML, office
//! documents) and the CSV record scanner and streaming reader of survey
//! exports ([`records`]). No polars here, so the fuzz target of the
//! scanner ([`fuzzing`]) builds in minutes.
//!
//! **Does not:** know what a survey, a note or a code is; it hands bytes
//! and XML events to the readers in `pokeval-survey` and `pokeval-ingest`.

#![forbid(unsafe_code)]

pub mod archive;
pub mod fuzzing;
pub mod records;
pub mod xml;
