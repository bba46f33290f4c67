//! Typed errors of the analysis stage.

use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Ingest(#[from] pokeval_model::Error),

    #[error("{}: invalid codebook: {message}", path.display())]
    Toml { path: PathBuf, message: String },

    #[error("{}: code '{code}'{}: {message}", path.display(), if rule.is_empty() { String::new() } else { format!(", rule '{rule}'") })]
    Rule {
        path: PathBuf,
        code: String,
        rule: String,
        message: String,
    },

    #[error("cannot compute {what}: {message}")]
    Table { what: String, message: String },

    /// Waves that cannot be compared: an earlier wave of the same or a
    /// later year, or instruments whose question ids or types disagree.
    #[error("{}, {field}: {message}", path.display())]
    Comparison {
        path: PathBuf,
        field: String,
        message: String,
    },
}

impl Error {
    pub(crate) fn rule(path: &std::path::Path, code: &str, rule: &str, message: &str) -> Error {
        Error::Rule {
            path: path.to_path_buf(),
            code: code.to_string(),
            rule: rule.to_string(),
            message: message.to_string(),
        }
    }
}
