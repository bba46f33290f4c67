//! Typed errors of the report stage.

use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Ingest(#[from] pokeval_model::Error),

    #[error(transparent)]
    Analysis(#[from] pokeval_analysis::Error),

    #[error("{}{}: {message}", file.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Source {
        file: PathBuf,
        line: Option<usize>,
        message: String,
    },

    /// A shortcode in a report source that cannot be rendered, with its
    /// file and line.
    #[error("{}, line {line}: {error}", file.display())]
    Shortcode {
        file: PathBuf,
        line: usize,
        error: crate::blocks::ShortcodeError,
    },

    /// A table of the appendix "Verantwoording" cannot be made.
    #[error("the appendix: {0}")]
    Appendix(crate::blocks::ShortcodeError),

    #[error("cannot draw a chart: {0}")]
    Chart(String),

    #[error("cannot render the template: {0}")]
    Template(String),

    #[error("{0}")]
    Pdf(String),
}

impl Error {
    pub(crate) fn source(
        file: &std::path::Path,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Error {
        Error::Source {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl From<tera::Error> for Error {
    fn from(e: tera::Error) -> Error {
        // tera nests the useful message in its source chain
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        Error::Template(msg)
    }
}
