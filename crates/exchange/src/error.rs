//! Typed errors of the exchange back-ends. They build bytes in memory, so
//! each error is a fault of the library that writes the format, kept as
//! its source.

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Why an exchange file could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The zip writer of a `.qdpx` archive failed.
    #[error("cannot build the archive: {0}")]
    Archive(#[from] zip::result::ZipError),

    /// The xlsx writer failed.
    #[error("cannot build the spreadsheet: {0}")]
    Sheet(#[from] rust_xlsxwriter::XlsxError),

    /// A CSV writer (a sheet as CSV, the codebook CSV) failed; `what` says
    /// which file it was making.
    #[error("cannot write the {what}: {source}")]
    Csv {
        /// The file being made ("codebook CSV", "table CSV").
        what: &'static str,
        /// The writer's error.
        #[source]
        source: std::io::Error,
    },

    /// An input could not be read.
    #[error(transparent)]
    Ingest(#[from] pokeval_model::Error),
}

impl Error {
    /// A failed CSV writer while making `what`.
    pub(crate) fn csv(what: &'static str, source: impl Into<std::io::Error>) -> Error {
        Error::Csv {
            what,
            source: source.into(),
        }
    }
}
