//! What every stage reports while it reads: records not accepted
//! ([`Reject`]), the read = accepted + rejected balance of each input
//! ([`InputSummary`]) and progress ([`Progress`]).

use rayon::prelude::*;
use serde::Serialize;

/// An input record that was read but not accepted, with the reason.
///
/// `reason` is the full message in English, as the CLI prints it and the
/// rejects file keeps it; `kind` says what sort of reason it is, which the
/// Dutch report prints ([`RejectKind::dutch`]), so that no table of the
/// report mixes two languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// The input file, as the user named it.
    pub file: String,
    /// The line (or case) it was read from, counted from 1.
    pub line: u64,
    /// The kind of reason, for counting and for the report's Dutch wording.
    pub kind: RejectKind,
    /// The reason in full (English, with the fix), for the rejects file.
    pub reason: String,
}

/// What sort of reason a record was not accepted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectKind {
    /// A survey response without a respondent id.
    NoRespondentId,
    /// A second response with the same respondent id.
    DuplicateRespondent,
    /// A test or preview response of the survey platform.
    TestResponse,
    /// A municipality name or code that could not be settled.
    Municipality,
    /// A value that does not fit its question, column or field.
    InvalidValue,
    /// An amount of money that is not accepted.
    InvalidAmount,
    /// A coding whose code, source or selection does not fit.
    InvalidCoding,
    /// Something in an imported project that pokeval does not carry over.
    NotCarried,
}

impl RejectKind {
    /// The reason in English, for messages on the command line.
    pub fn english(self) -> &'static str {
        match self {
            RejectKind::NoRespondentId => "a response without a respondent id",
            RejectKind::DuplicateRespondent => "a second response of the same respondent",
            RejectKind::TestResponse => "a test or preview response of the survey platform",
            RejectKind::Municipality => "a municipality not recognised or not in the register",
            RejectKind::InvalidValue => "a value that does not fit",
            RejectKind::InvalidAmount => "an amount that is not accepted",
            RejectKind::InvalidCoding => "a coding that does not fit the codebook or source",
            RejectKind::NotCarried => "not carried over from the imported project",
        }
    }

    /// The reason as the Dutch report prints it.
    pub fn dutch(self) -> &'static str {
        match self {
            RejectKind::NoRespondentId => "reactie zonder respondentnummer",
            RejectKind::DuplicateRespondent => "dubbele reactie van dezelfde respondent",
            RejectKind::TestResponse => "test- of voorbeeldreactie van het enquêteplatform",
            RejectKind::Municipality => "gemeente niet herkend of niet in het register",
            RejectKind::InvalidValue => "ongeldige waarde",
            RejectKind::InvalidAmount => "ongeldig bedrag",
            RejectKind::InvalidCoding => "codering past niet bij codeboek of bron",
            RejectKind::NotCarried => "niet overgenomen uit het geïmporteerde project",
        }
    }
}

impl Reject {
    /// A reject at `line` of `file`; line 0 where the input has no lines
    /// (a REFI-QDA project, a workbook as a whole).
    pub fn new(file: &str, line: u64, kind: RejectKind, reason: impl Into<String>) -> Reject {
        Reject {
            file: file.to_string(),
            line,
            kind,
            reason: reason.into(),
        }
    }

    /// Where it is: `file:line`, or the file alone when there is no line.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.line)
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
    /// Records read.
    pub read: usize,
    /// Records accepted.
    pub accepted: usize,
    /// Records rejected.
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

    /// How far the current step is in the items its message names
    /// ("reading interview notes": notes; "coding sources": sources):
    /// `done` of `total`. Called with `done == 0` when the step knows its
    /// total, and again as it goes.
    fn items(&self, _done: u64, _total: u64) {}

    /// Something the user must know that does not stop the run: an
    /// export with a header but no responses, rows that are exact copies
    /// of each other. The message names the file (and the lines). The CLI
    /// prints it on stderr as `warning: ...`, with `--quiet` too; a
    /// receiver that shows nothing (such as [`NoProgress`]) drops it, so a
    /// library caller that needs warnings implements this.
    fn warn(&self, _message: &str) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn step(&self, _message: &str) {}
}

/// Maps `items` with `f` on all cores and returns the results in input
/// order, reporting `n of N` items to `progress` after each chunk. The
/// progress receiver stays on the calling thread, so it needs no locking.
pub fn par_map_counted<T: Sync, R: Send>(
    items: &[T],
    progress: &dyn Progress,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let mut out = Vec::with_capacity(items.len());
    par_chunks_counted(items, progress, f, |part| out.extend(part));
    out
}

/// [`par_map_counted`] that hands the results to `sink` a chunk at a time
/// (in input order, on the calling thread) instead of keeping them all:
/// for results that are folded into something smaller, or moved into a
/// few large vectors, so that all of them never exist twice.
pub fn par_chunks_counted<T: Sync, R: Send>(
    items: &[T],
    progress: &dyn Progress,
    f: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(Vec<R>),
) {
    let total = items.len() as u64;
    progress.items(0, total);
    // about a hundred reports for a large batch, never chunks so small that
    // the cores wait on each other
    let chunk = (items.len() / 100).max(256);
    let mut done = 0;
    for part in items.chunks(chunk) {
        let mut out = Vec::with_capacity(part.len());
        out.par_extend(part.par_iter().map(&f));
        done += part.len() as u64;
        sink(out);
        progress.items(done, total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Recorder(RefCell<Vec<(u64, u64)>>);

    impl Progress for Recorder {
        fn step(&self, _message: &str) {}
        fn items(&self, done: u64, total: u64) {
            self.0.borrow_mut().push((done, total));
        }
    }

    #[test]
    fn par_map_keeps_order_and_counts_up_to_the_total() {
        let items: Vec<u64> = (0..70_000).collect();
        let r = Recorder(RefCell::new(Vec::new()));
        let out = par_map_counted(&items, &r, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        let seen = r.0.into_inner();
        assert_eq!(seen.first(), Some(&(0, 70_000)));
        assert_eq!(seen.last(), Some(&(70_000, 70_000)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0 && w[1].1 == 70_000));
        assert_eq!(seen.len(), 1 + 70_000_usize.div_ceil(700));
    }
}
