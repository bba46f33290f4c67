//! One module per command.

pub mod build;
pub mod code;
pub mod export;
pub mod ingest;
pub mod init;
pub mod preview;
pub mod score;
