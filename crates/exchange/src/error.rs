//! Typed errors of the exchange back-ends.

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot build the archive: {0}")]
    Archive(String),

    #[error("cannot build the spreadsheet: {0}")]
    Sheet(String),

    #[error("cannot write the codebook CSV: {0}")]
    Codebook(String),

    #[error(transparent)]
    Ingest(#[from] pokeval_model::Error),
}
