//! The errors of a whole operation: those of each stage, carried as they
//! are (each names its file, line and field), and the app layer's own.

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Why an operation failed: a stage's error as it is, or the app layer's own.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input cannot be used.
    #[error(transparent)]
    Input(#[from] pokeval_model::Error),

    /// The analysis failed.
    #[error(transparent)]
    Analysis(#[from] pokeval_analysis::Error),

    /// The report cannot be rendered.
    #[error(transparent)]
    Report(#[from] pokeval_report::Error),

    /// An exchange file cannot be built.
    #[error(transparent)]
    Exchange(#[from] pokeval_exchange::Error),

    /// `pokeval init` in a folder that already holds a project, or with a
    /// wave outside the evaluation.
    #[error("{}: {message}", path.display())]
    Init {
        /// The folder.
        path: std::path::PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// An earlier wave named in `[comparison] earlier` could not be read,
    /// coded or analysed: the error says which wave, then what failed.
    #[error("earlier wave {} (comparison.earlier): {source}", project.display())]
    EarlierWave {
        /// The earlier wave's project folder or file.
        project: std::path::PathBuf,
        /// What failed.
        source: Box<Error>,
    },

    /// A run failed after its output folder was known, and that folder
    /// still holds files of an earlier run which this one would have
    /// replaced. A failed run writes nothing, so they stay, but they no
    /// longer match the inputs: the note says so.
    #[error("{source}\nnote: {} still holds {} from an earlier run; they were not replaced and do not reflect the current inputs", dir.display(), files.join(", "))]
    Stale {
        /// The error of the run.
        source: Box<Error>,
        /// The output folder.
        dir: std::path::PathBuf,
        /// The files of the earlier run it holds.
        files: Vec<String>,
    },

    /// The coding workbench could not start serving.
    #[error("cannot serve the coding workbench on {addr}: {message}")]
    Workbench {
        /// The address it tried to listen on.
        addr: String,
        /// Why it could not.
        message: String,
    },

    /// The preview server could not start.
    #[error("cannot serve the preview on {addr}: {message}")]
    Serve {
        /// The address it tried to listen on.
        addr: String,
        /// Why it could not.
        message: String,
    },
}
