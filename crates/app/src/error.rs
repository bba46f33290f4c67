//! The errors of a whole operation: those of each stage, carried as they
//! are (each names its file, line and field), and the app layer's own.

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] pokeval_model::Error),

    #[error(transparent)]
    Analysis(#[from] pokeval_analysis::Error),

    #[error(transparent)]
    Report(#[from] pokeval_report::Error),

    #[error(transparent)]
    Exchange(#[from] pokeval_exchange::Error),

    /// `pokeval init` in a folder that already holds a project, or with a
    /// wave outside the evaluation.
    #[error("{}: {message}", path.display())]
    Init {
        path: std::path::PathBuf,
        message: String,
    },

    /// An earlier wave named in `[comparison] earlier` could not be read,
    /// coded or analysed: the error says which wave, then what failed.
    #[error("earlier wave {} (comparison.earlier): {source}", project.display())]
    EarlierWave {
        project: std::path::PathBuf,
        source: Box<Error>,
    },

    /// The preview server could not start.
    #[error("cannot serve the preview on {addr}: {message}")]
    Serve { addr: String, message: String },
}
