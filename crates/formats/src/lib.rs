//! # pokeval-formats
//!
//! File-format plumbing that several readers share: a bounded zip reader
//! ([`archive`]: docx, odt, qdpx, LimeSurvey archives) and XML event
//! helpers ([`xml`]: REFI-QDA, LimeSurvey structures, queXML, office
//! documents).
//!
//! **Does not:** know what a survey, a note or a code is; it hands bytes
//! and XML events to the readers in `pokeval-survey` and `pokeval-ingest`.

#![forbid(unsafe_code)]

pub mod archive;
pub mod xml;
