//! Typed errors of the analysis stage.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Why the analysis stage cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input cannot be used.
    #[error(transparent)]
    Ingest(#[from] pokeval_model::Error),

    /// The codebook is not valid TOML, or not a codebook.
    #[error("{}: invalid codebook: {message}", path.display())]
    Toml {
        /// The file it concerns.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// A code or one of its rules is wrong.
    #[error("{}: code '{code}'{}: {message}", path.display(), if rule.is_empty() { String::new() } else { format!(", rule '{rule}'") })]
    Rule {
        /// The file it concerns.
        path: PathBuf,
        /// The code's id.
        code: String,
        /// The rule (empty when the code itself is wrong).
        rule: String,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// A table cannot be computed from the inputs.
    #[error("cannot compute {what}: {message}")]
    Table {
        /// What was being computed.
        what: String,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// Waves that cannot be compared: an earlier wave of the same or a
    /// later year, or instruments whose question ids or types disagree.
    #[error("{}, {field}: {message}", path.display())]
    Comparison {
        /// The file it concerns.
        path: PathBuf,
        /// The setting or question at fault.
        field: String,
        /// What is wrong, and what to do about it.
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
