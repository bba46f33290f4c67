//! Typed errors of the exchange back-ends.

use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot build the archive: {0}")]
    Archive(String),

    #[error("cannot build the spreadsheet: {0}")]
    Sheet(String),

    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
