//! Typed errors of the report stage.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Why a report cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input cannot be used.
    #[error(transparent)]
    Ingest(#[from] pokeval_model::Error),

    /// The analysis failed.
    #[error(transparent)]
    Analysis(#[from] pokeval_analysis::Error),

    /// A report source is wrong (front matter, a reference, a footnote).
    #[error("{}{}: {message}", file.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Source {
        /// The report source it concerns.
        file: PathBuf,
        /// The line, counted from 1, where known.
        line: Option<usize>,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// A shortcode in a report source that cannot be rendered, with its
    /// file and line.
    #[error("{}, line {line}: {error}", file.display())]
    Shortcode {
        /// The report source it concerns.
        file: PathBuf,
        /// The line of the shortcode, counted from 1.
        line: usize,
        /// What is wrong with it.
        error: ShortcodeError,
    },

    /// A table of the appendix "Verantwoording" cannot be made.
    #[error("the appendix: {0}")]
    Appendix(ShortcodeError),

    /// A chart could not be drawn.
    #[error("cannot draw a chart: {0}")]
    Chart(String),

    /// A template could not be rendered (the message follows its causes).
    #[error("cannot render the template: {0}")]
    Template(String),

    /// The PDF could not be typeset.
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

/// Why a shortcode cannot be rendered. The document adds the file and
/// line ([`Error::Shortcode`]); the text says what to write instead.
#[derive(Debug, thiserror::Error)]
pub enum ShortcodeError {
    /// The arguments cannot be read, or one is missing, not allowed here,
    /// or has a value the shortcode does not take.
    #[error("{0}")]
    Arguments(String),
    /// The shortcode, or the table, chart, value or level it names, does
    /// not exist.
    #[error("{0}")]
    Unknown(String),
    /// What it would show is not in the analysis: no such question, code,
    /// year or municipality, or the project lacks the input it needs.
    #[error("{0}")]
    NoData(String),
    /// The chart could not be drawn.
    #[error(transparent)]
    Chart(Box<Error>),
}
