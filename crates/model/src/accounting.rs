//! What every stage reports while it reads: records not accepted
//! ([`Reject`]), the read = accepted + rejected balance of each input
//! ([`InputSummary`]) and progress ([`Progress`]).

use serde::Serialize;

/// An input record that was read but not accepted, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

impl Reject {
    pub fn new(file: &str, line: u64, reason: impl Into<String>) -> Reject {
        Reject {
            file: file.to_string(),
            line,
            reason: reason.into(),
        }
    }
}

/// How many records one input gave: read = accepted + rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    /// What the input is ("enquête", "interviews", ...).
    pub input: String,
    /// The file or folder, relative to the project.
    pub file: String,
    pub read: usize,
    pub accepted: usize,
    pub rejected: usize,
}

impl InputSummary {
    /// A summary line; accepted is what was not rejected.
    pub fn new(input: &str, file: String, read: usize, rejected: usize) -> InputSummary {
        InputSummary {
            input: input.to_string(),
            file,
            read,
            accepted: read - rejected,
            rejected,
        }
    }
}

/// Receives progress from long-running stages; the CLI shows it with
/// indicatif, tests pass [`NoProgress`].
pub trait Progress {
    /// A new step starts.
    fn step(&self, message: &str);

    /// How far the current step is: `done` of `total` bytes (reading a
    /// large survey export).
    fn advance(&self, _done: u64, _total: u64) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn step(&self, _message: &str) {}
}
