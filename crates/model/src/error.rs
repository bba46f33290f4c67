//! Typed errors for everything ingest reads. Each variant names the file and,
//! where it can, the line and field, so the CLI can say what to fix.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: invalid TOML: {message}", path.display())]
    Toml { path: PathBuf, message: String },

    #[error("{}{}: invalid CSV: {message}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Csv {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },

    #[error("{}: the file is not valid UTF-8 or Windows-1252 text: invalid byte at offset {offset}; re-export it as UTF-8", path.display())]
    Encoding { path: PathBuf, offset: usize },

    #[error("{}: missing column '{column}'; {hint}", path.display())]
    MissingColumn {
        path: PathBuf,
        column: String,
        hint: String,
    },

    #[error("{}{}, field '{field}': {message}", file.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Field {
        file: PathBuf,
        line: Option<u64>,
        field: String,
        message: String,
    },

    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },

    #[error("output folder {}: {reason}", path.display())]
    OutputFolder { path: PathBuf, reason: String },

    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A file whose content cannot be used, with what is wrong.
    pub fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Error {
        Error::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Builds a TOML error that includes the line and column toml reports.
    pub fn toml(path: impl Into<PathBuf>, text: &str, err: &toml::de::Error) -> Error {
        let location = err
            .span()
            .map(|r| {
                let before = &text[..r.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("line {line}, column {col}: ")
            })
            .unwrap_or_default();
        Error::Toml {
            path: path.into(),
            message: format!("{location}{}", err.message()),
        }
    }
}
