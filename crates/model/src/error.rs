//! Typed errors for everything ingest reads. Each variant names the file and,
//! where it can, the line and field, so the CLI can say what to fix.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// An input that cannot be used, with the file and, where known, the line and field.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be read (missing, no permission, a read error).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file it concerns.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The file is not valid TOML; the message carries its line and column.
    #[error("{}: invalid TOML: {message}", path.display())]
    Toml {
        /// The file it concerns.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// The file is not valid CSV.
    #[error("{}{}: invalid CSV: {message}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Csv {
        /// The file it concerns.
        path: PathBuf,
        /// The line, counted from 1, where known.
        line: Option<u64>,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// The file is neither UTF-8 nor Windows-1252 text.
    #[error("{}: the file is not valid UTF-8 or Windows-1252 text: invalid byte at offset {offset}; re-export it as UTF-8", path.display())]
    Encoding {
        /// The file it concerns.
        path: PathBuf,
        /// The byte offset of the first invalid byte.
        offset: usize,
    },

    /// A column the file must have is not in its header.
    #[error("{}: missing column '{column}'; {hint}", path.display())]
    MissingColumn {
        /// The file it concerns.
        path: PathBuf,
        /// The column that is missing.
        column: String,
        /// What to do about it.
        hint: String,
    },

    /// A value of a record or setting is wrong.
    #[error("{}{}, field '{field}': {message}", file.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Field {
        /// The file it concerns.
        file: PathBuf,
        /// The line, counted from 1, where known.
        line: Option<u64>,
        /// The field (column or key) at fault.
        field: String,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// The file is not valid in its format (a zip archive, XML, JSON, PDF,
    /// workbook, SPSS file, front matter, GeoJSON): damaged, cut off or
    /// another kind of file. `format` names the format it was read as.
    #[error("{}: {message}", path.display())]
    Malformed {
        /// The file it concerns.
        path: PathBuf,
        /// The format the file was read as.
        format: &'static str,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// The file (or the part of it named in `what`) holds nothing to read.
    #[error("{}: {what}", path.display())]
    Empty {
        /// The file it concerns.
        path: PathBuf,
        /// What is empty or missing, in words.
        what: String,
    },

    /// Something the command needs is not there: the file itself, an input
    /// it names, an entry of an archive, a worksheet.
    #[error("{}: {what}", path.display())]
    NotFound {
        /// The file it concerns.
        path: PathBuf,
        /// What is empty or missing, in words.
        what: String,
    },

    /// The file is of a kind this command does not read here.
    #[error("{}: {message}", path.display())]
    Unsupported {
        /// The file it concerns.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// The file asks for more than a reader allows (entry sizes, cell
    /// positions, counts), so that no input decides an allocation unchecked.
    #[error("{}: {message}", path.display())]
    TooLarge {
        /// The file it concerns.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// A setting (`key`, such as `columns.qualtrics` or `notes.include`) of a
    /// project file or instrument is wrong.
    #[error("{}: {key}: {message}", path.display())]
    Setting {
        /// The file it concerns.
        path: PathBuf,
        /// The setting, as written in the file.
        key: String,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// A line of a line-based file (gold passages, privacy cases) is wrong.
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        /// The file it concerns.
        path: PathBuf,
        /// The line, counted from 1.
        line: u64,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// Two inputs that must agree do not (a structure file and its export,
    /// an instrument and the wave, declared and actual counts).
    #[error("{}: {message}", path.display())]
    Mismatch {
        /// The file it concerns.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// Every record of the file was rejected, so there is nothing to use:
    /// how many, the most common kind of reason and how often it occurs,
    /// the first rejected lines, and the fix for that kind.
    #[error("{}: all {rejected} records were rejected ({commonest} of them: {}), so there is nothing to read; {first}; {fix}", path.display(), kind.english())]
    AllRejected {
        /// The file it concerns.
        path: PathBuf,
        /// How many records were rejected (all of them).
        rejected: usize,
        /// The most common kind of reason.
        kind: crate::RejectKind,
        /// How many records were rejected for that kind of reason.
        commonest: usize,
        /// The first rejected lines, with their reasons.
        first: String,
        /// What to do about that kind of reason.
        fix: &'static str,
    },

    /// A table operation of the survey engine failed on this file's data.
    #[error("{}: {context}: {source}", path.display())]
    Table {
        /// The file it concerns.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A reader of a dependency failed on this file (caught, so that it is
    /// an error naming the file rather than a crash).
    #[error("{}: {reader} failed on this file ({why}); the file is damaged or holds values out of range: export it again, and if it persists report it with the file", path.display())]
    ReaderFailed {
        /// The file it concerns.
        path: PathBuf,
        /// The reader that failed (a dependency of pokeval).
        reader: String,
        /// The fault it reported.
        why: String,
    },

    /// A fault of pokeval itself while reading this file (a worker thread
    /// stopped, a count that does not add up); not the input's fault.
    #[error("{}: internal error: {message}; please report it", path.display())]
    Internal {
        /// The file it concerns.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },

    /// The output folder cannot take the output (it is, or holds, the project or its
    /// pseudonym mapping).
    #[error("output folder {}: {reason}", path.display())]
    OutputFolder {
        /// The file it concerns.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// The file cannot be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file it concerns.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A file that cannot be read.
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
