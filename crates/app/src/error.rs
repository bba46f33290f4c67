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

    /// A run failed after its output folder was known, and that folder
    /// still holds files of an earlier run which this one would have
    /// replaced. A failed run writes nothing, so they stay, but they no
    /// longer match the inputs: the note says so.
    #[error("{source}\nnote: {} still holds {} from an earlier run; they were not replaced and do not reflect the current inputs", dir.display(), files.join(", "))]
    Stale {
        source: Box<Error>,
        dir: std::path::PathBuf,
        files: Vec<String>,
    },

    /// The coding workbench could not start serving.
    #[error("cannot serve the coding workbench on {addr}: {message}")]
    Workbench { addr: String, message: String },

    /// The preview server could not start.
    #[error("cannot serve the preview on {addr}: {message}")]
    Serve { addr: String, message: String },
}
