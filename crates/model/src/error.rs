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

    /// The file is not valid in its format (a zip archive, XML, JSON, PDF,
    /// workbook, SPSS file, front matter, GeoJSON): damaged, cut off or
    /// another kind of file. `format` names the format it was read as.
    #[error("{}: {message}", path.display())]
    Malformed {
        path: PathBuf,
        format: &'static str,
        message: String,
    },

    /// The file (or the part of it named in `what`) holds nothing to read.
    #[error("{}: {what}", path.display())]
    Empty { path: PathBuf, what: String },

    /// Something the command needs is not there: the file itself, an input
    /// it names, an entry of an archive, a worksheet.
    #[error("{}: {what}", path.display())]
    NotFound { path: PathBuf, what: String },

    /// The file is of a kind this command does not read here.
    #[error("{}: {message}", path.display())]
    Unsupported { path: PathBuf, message: String },

    /// The file asks for more than a reader allows (entry sizes, cell
    /// positions, counts), so that no input decides an allocation unchecked.
    #[error("{}: {message}", path.display())]
    TooLarge { path: PathBuf, message: String },

    /// A setting (`key`, such as `columns.qualtrics` or `notes.include`) of a
    /// project file or instrument is wrong.
    #[error("{}: {key}: {message}", path.display())]
    Setting {
        path: PathBuf,
        key: String,
        message: String,
    },

    /// A line of a line-based file (gold passages, privacy cases) is wrong.
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// Two inputs that must agree do not (a structure file and its export,
    /// an instrument and the wave, declared and actual counts).
    #[error("{}: {message}", path.display())]
    Mismatch { path: PathBuf, message: String },

    /// Every record of the file was rejected, so there is nothing to use:
    /// how many, the most common kind of reason and how often it occurs,
    /// the first rejected lines, and the fix for that kind.
    #[error("{}: all {rejected} records were rejected ({commonest} of them: {}), so there is nothing to read; {first}; {fix}", path.display(), kind.english())]
    AllRejected {
        path: PathBuf,
        rejected: usize,
        kind: crate::RejectKind,
        commonest: usize,
        first: String,
        fix: &'static str,
    },

    /// A table operation of the survey engine failed on this file's data.
    #[error("{}: {context}: {source}", path.display())]
    Table {
        path: PathBuf,
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A reader of a dependency failed on this file (caught, so that it is
    /// an error naming the file rather than a crash).
    #[error("{}: {reader} failed on this file ({why}); the file is damaged or holds values out of range: export it again, and if it persists report it with the file", path.display())]
    ReaderFailed {
        path: PathBuf,
        reader: String,
        why: String,
    },

    /// A fault of pokeval itself while reading this file (a worker thread
    /// stopped, a count that does not add up); not the input's fault.
    #[error("{}: internal error: {message}; please report it", path.display())]
    Internal { path: PathBuf, message: String },

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

    /// A file that cannot be written (or an in-memory CSV writer that
    /// failed while making its bytes).
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Write {
            path: path.into(),
            source,
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
