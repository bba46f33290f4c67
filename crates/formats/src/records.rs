//! CSV records of a survey export body: one scanner and a streaming,
//! parallel reader built on it.
//!
//! [`scan_records`] walks the body record by record. It follows the CSV
//! rules the csv crate and polars follow (a quote opens a quoted field only
//! at its start, `""` inside is a quote, text after the closing quote is
//! kept), jumps between quotes, delimiters and line feeds with `memchr`,
//! tracks the line each record starts on (line feeds inside quoted answers
//! count), checks that every record has as many fields as the header and
//! reports a file that ends inside a quoted field. Blank lines and records
//! with nothing between the delimiters are skipped, as polars skips them.
//!
//! [`stream`] reads a large export without holding it: one thread reads
//! blocks of [`BLOCK`] bytes and cuts them after the last line feed outside
//! quotes; workers (one per core) scan the blocks and hand every record to
//! a [`Records`] handler. Results come back in file order. Cutting tracks
//! quote parity, which a stray quote inside an unquoted field would fool;
//! the worker then finds its block ending inside a quoted field and asks
//! for the file again in one block ([`Stop::Uncut`]). A block that is not
//! UTF-8 stops the stream ([`Stop::Fallback`]): the caller reads the file
//! the whole-file way, which knows other encodings.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use pokeval_model::error::Error;

/// Bytes per block of the streaming reader.
pub const BLOCK: usize = 4 << 20;

/// Where one field's text is in the scanned bytes.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    start: usize,
    end: usize,
    kind: SpanKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpanKind {
    /// Nothing between the delimiters: a missing value.
    Empty,
    /// Unquoted text, or the inside of a quoted field without escapes.
    Text,
    /// A quoted field with `""` escapes or text after the closing quote:
    /// `start..end` runs from the opening quote.
    Escaped,
}

impl Span {
    /// The field's text (`None` for an empty unquoted field).
    pub fn text<'a>(&self, body: &'a str) -> Option<Cow<'a, str>> {
        let raw = body.get(self.start..self.end)?;
        match self.kind {
            SpanKind::Empty => None,
            SpanKind::Text => Some(Cow::Borrowed(raw)),
            SpanKind::Escaped => Some(Cow::Owned(unescape(raw))),
        }
    }
}

/// The text of a quoted field given from its opening quote: `""` inside
/// the quotes is a quote, text after the closing quote is kept as it is.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quoted = true;
    let mut chars = raw.chars().skip(1).peekable();
    while let Some(c) = chars.next() {
        if c == '"' && quoted {
            if chars.peek() == Some(&'"') {
                out.push('"');
                chars.next();
            } else {
                quoted = false;
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Why a scan stopped.
#[derive(Debug)]
pub enum ScanError {
    /// The text ends inside a quoted field of the record starting on this line.
    Unclosed(u64),
    /// A record with another number of fields than the header.
    Fields {
        /// The line the record starts on, counted from 1.
        line: u64,
        /// How many fields it has.
        fields: usize,
        /// Whether it is the last record of the file (a cut-off export).
        at_end: bool,
    },
    /// A NUL byte (0x00), which no survey text holds: the file is damaged,
    /// binary or UTF-16 without a byte order mark. On this line.
    Nul(u64),
    /// Lines end in a carriage return alone (classic Mac OS), so the body
    /// reads as one record; the line the body starts on.
    CrOnly(u64),
    /// A record longer than [`MAX_RECORD`] bytes, starting on this line.
    TooLong(u64),
    /// The caller's record handler failed.
    Stop(Error),
}

/// The longest record read: 16 MiB. No survey platform stores an answer
/// near that size (Qualtrics caps a text entry at 20,000 characters), so
/// a longer record is a file without line breaks or a damaged one, and
/// stopping keeps memory bounded by the input.
pub const MAX_RECORD: usize = 16 << 20;

impl ScanError {
    /// The error as users see it.
    pub fn into_error(self, display: &str, width: usize) -> Error {
        match self {
            ScanError::Unclosed(line) => Error::Csv {
                path: display.into(),
                line: Some(line),
                message: "the file ends inside a quoted field: it looks truncated; export it again"
                    .into(),
            },
            ScanError::Fields {
                line,
                fields,
                at_end,
            } => {
                let hint = if at_end && fields < width {
                    "the last record is short: the file looks truncated; export it again"
                } else {
                    "check for an unquoted delimiter or a stray quote in this record"
                };
                Error::Csv {
                    path: display.into(),
                    line: Some(line),
                    message: format!(
                        "the record has {fields} fields where the header has {width}; {hint}"
                    ),
                }
            }
            ScanError::Nul(line) => Error::Csv {
                path: display.into(),
                line: Some(line),
                message: "this line holds a NUL byte (0x00), which no survey text has: the file is damaged, or not a text export (UTF-16 without a byte order mark reads so); export it again as UTF-8 CSV".into(),
            },
            ScanError::CrOnly(line) => Error::Csv {
                path: display.into(),
                line: Some(line),
                message: "the lines end in a carriage return alone (classic Mac OS line endings), so the records cannot be told apart; save the file again with Windows (CRLF) or Unix (LF) line endings".into(),
            },
            ScanError::TooLong(line) => Error::Csv {
                path: display.into(),
                line: Some(line),
                message: format!(
                    "the record starting on this line is longer than {} MB, more than any survey answer: the file lacks line breaks or is damaged; export it again",
                    MAX_RECORD >> 20
                ),
            },
            ScanError::Stop(e) => e,
        }
    }
}

/// Scans `body` record by record, calling `on(line, fields)` for each
/// record with content. `first_line` is the line `body` starts on.
pub fn scan_records(
    body: &[u8],
    delim: u8,
    width: usize,
    first_line: u64,
    mut on: impl FnMut(u64, &[Span]) -> Result<(), Error>,
) -> Result<(), ScanError> {
    let n = body.len();
    let count_lf = |a: usize, b: usize| memchr::memchr_iter(b'\n', &body[a..b]).count() as u64;
    // one pass each, before any record is handed on
    if let Some(at) = memchr::memchr(0, body) {
        return Err(ScanError::Nul(first_line + count_lf(0, at)));
    }
    if memchr::memchr(b'\n', body).is_none() && memchr::memchr_iter(b'\r', body).nth(1).is_some() {
        return Err(ScanError::CrOnly(first_line));
    }
    let mut spans: Vec<Span> = Vec::with_capacity(width + 1);
    let (mut pos, mut line) = (0usize, first_line);
    loop {
        while pos < n && matches!(body[pos], b'\n' | b'\r') {
            if body[pos] == b'\n' {
                line += 1;
            }
            pos += 1;
        }
        if pos >= n {
            break;
        }
        let start_line = line;
        let record_start = pos;
        spans.clear();
        let (mut content, mut quoted) = (false, false);
        loop {
            let start = pos;
            let span = if pos < n && body[pos] == b'"' {
                content = true;
                quoted = true;
                pos += 1;
                let mut escaped = false;
                loop {
                    let Some(k) = memchr::memchr(b'"', &body[pos..]) else {
                        return Err(ScanError::Unclosed(start_line));
                    };
                    pos += k + 1;
                    if pos < n && body[pos] == b'"' {
                        pos += 1;
                        escaped = true;
                    } else {
                        break;
                    }
                }
                let closing = pos - 1;
                let k = field_end(&body[pos..], delim);
                let mut end = pos + k;
                while end > pos && body[end - 1] == b'\r' {
                    end -= 1;
                }
                let after = end > pos;
                pos += k;
                if escaped || after {
                    Span {
                        start,
                        end,
                        kind: SpanKind::Escaped,
                    }
                } else {
                    Span {
                        start: start + 1,
                        end: closing,
                        kind: SpanKind::Text,
                    }
                }
            } else {
                let k = field_end(&body[pos..], delim);
                let mut end = pos + k;
                while end > pos && body[end - 1] == b'\r' {
                    end -= 1;
                }
                pos += k;
                if end > start {
                    content = true;
                    Span {
                        start,
                        end,
                        kind: SpanKind::Text,
                    }
                } else {
                    Span {
                        start,
                        end,
                        kind: SpanKind::Empty,
                    }
                }
            };
            spans.push(span);
            if pos < n && body[pos] == delim {
                pos += 1;
                continue;
            }
            // Line feeds inside quoted answers, counted once per record.
            if quoted {
                line += count_lf(record_start, pos);
            }
            if pos < n {
                line += 1;
                pos += 1;
            }
            break;
        }
        if pos - record_start > MAX_RECORD {
            return Err(ScanError::TooLong(start_line));
        }
        if !content {
            // Only delimiters (",,,,"): no response.
            continue;
        }
        if spans.len() != width {
            return Err(ScanError::Fields {
                line: start_line,
                fields: spans.len(),
                at_end: pos >= n,
            });
        }
        on(start_line, &spans).map_err(ScanError::Stop)?;
    }
    Ok(())
}

/// The length of the field at the start of `rest`: up to the delimiter, the
/// line feed or the end. Most survey cells are a few bytes, so the first
/// sixteen are looked at one by one before `memchr` takes over.
#[inline]
fn field_end(rest: &[u8], delim: u8) -> usize {
    for (i, &b) in rest.iter().take(16).enumerate() {
        if b == delim || b == b'\n' {
            return i;
        }
    }
    if rest.len() <= 16 {
        return rest.len();
    }
    16 + memchr::memchr2(delim, b'\n', &rest[16..]).unwrap_or(rest.len() - 16)
}

/// Why [`stream`] did not finish.
#[derive(Debug)]
pub enum Stop {
    /// The file is not UTF-8 after all: read it the whole-file way.
    Fallback,
    /// A stray quote fooled the block cutting: read again in one block.
    Uncut,
    /// The file cannot be read: an error to report.
    Error(Error),
}

/// Where the body of an export starts and how its records look.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    /// Byte offset of the first body record in the file.
    pub offset: u64,
    /// The field delimiter (`,`, `;` or tab).
    pub delim: u8,
    /// The number of fields of the header, which every record must have.
    pub width: usize,
    /// The line the first body record starts on, counted from 1.
    pub first_line: u64,
}

/// A scanned block: its place in the file and its output.
type Block<T> = (usize, Result<T, Stop>);

/// What [`stream`] hands the records to: each worker thread makes a
/// [`Records::State`] once, then a fresh [`Records::Out`] per block, and
/// passes every record of the block to [`Records::record`].
pub trait Records: Sync {
    /// What a worker thread keeps across blocks (buffers, caches).
    type State;
    /// What a block of records gives.
    type Out: Send;
    /// A worker thread's state, made once per thread.
    fn state(&self) -> Self::State;
    /// A fresh output for the next block.
    fn start(&self, state: &mut Self::State) -> Self::Out;
    /// Takes one record: its line, its text and the spans of its fields in that text.
    fn record(
        &self,
        state: &mut Self::State,
        out: &mut Self::Out,
        line: u64,
        text: &str,
        fields: &[Span],
    ) -> Result<(), Error>;
}

/// Reads the body of `path` in blocks (one block when `cut` is false),
/// scanning them on one worker per core; the blocks' outputs come back in
/// file order. `progress(done, total)` hears the bytes read.
pub fn stream<H: Records>(
    path: &Path,
    display: &str,
    body: Body,
    cut: bool,
    progress: &dyn Fn(u64, u64),
    handler: &H,
) -> Result<Vec<H::Out>, Stop> {
    use std::io::Seek;
    let io = |e: std::io::Error| Stop::Error(Error::io(Path::new(display), e));
    let mut file = std::fs::File::open(path).map_err(io)?;
    let total = file
        .metadata()
        .map_err(io)?
        .len()
        .saturating_sub(body.offset);
    file.seek(std::io::SeekFrom::Start(body.offset))
        .map_err(io)?;
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8);
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<u8>, u64, bool)>(1);
    let rx = Mutex::new(rx);
    // Scanned blocks go back to the reader to be filled again: fresh
    // memory would cost a page fault every 4 KB.
    let (back, spare) = mpsc::channel::<Vec<u8>>();
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Block<H::Out>>> = Mutex::new(Vec::new());
    let read_result = std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut state = handler.state();
                loop {
                    let msg = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok((idx, bytes, line, last)) = msg else {
                        return;
                    };
                    let res = scan_block(&bytes, body, line, last, display, &mut state, handler);
                    let _ = back.send(bytes);
                    if res.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if let Ok(mut r) = results.lock() {
                        r.push((idx, res));
                    }
                }
            });
        }
        let mut done = 0u64;
        let res = read_blocks(
            &mut file,
            body.first_line,
            cut,
            &stop,
            || spare.try_recv().ok(),
            |idx, bytes, line, last| {
                done += bytes.len() as u64;
                progress(done, total);
                tx.send((idx, bytes, line, last)).is_ok()
            },
        );
        drop(tx);
        res
    });
    read_result.map_err(io)?;
    let mut results = results.into_inner().map_err(|_| {
        Stop::Error(Error::Internal {
            path: display.into(),
            message: "a reading thread stopped unexpectedly".into(),
        })
    })?;
    results.sort_by_key(|(i, _)| *i);
    // The first failure in file order wins, so the error names the first
    // bad line.
    let mut out = Vec::with_capacity(results.len());
    for (i, (idx, r)) in results.into_iter().enumerate() {
        if idx != i {
            return Err(Stop::Error(Error::Internal {
                path: display.into(),
                message: "a reading thread stopped unexpectedly".into(),
            }));
        }
        out.push(r?);
    }
    Ok(out)
}

/// Scans one block into a fresh output.
fn scan_block<H: Records>(
    bytes: &[u8],
    body: Body,
    line: u64,
    last: bool,
    display: &str,
    state: &mut H::State,
    handler: &H,
) -> Result<H::Out, Stop> {
    let text = simdutf8::basic::from_utf8(bytes).map_err(|_| Stop::Fallback)?;
    let mut out = handler.start(state);
    match scan_records(bytes, body.delim, body.width, line, |l, spans| {
        handler.record(state, &mut out, l, text, spans)
    }) {
        Ok(()) => Ok(out),
        Err(ScanError::Unclosed(_)) if !last => Err(Stop::Uncut),
        Err(e) => Err(Stop::Error(e.into_error(display, body.width))),
    }
}

/// Reads `file` to its end in blocks cut after a line feed outside quotes
/// (or in one block when `cut` is false), handing each block, its first
/// line and whether it is the last to `send` (which returns false when
/// nobody listens any more).
fn read_blocks(
    file: &mut impl Read,
    first_line: u64,
    cut: bool,
    stop: &AtomicBool,
    mut spare: impl FnMut() -> Option<Vec<u8>>,
    mut send: impl FnMut(usize, Vec<u8>, u64, bool) -> bool,
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    let mut line = first_line;
    let mut idx = 0;
    let mut eof = false;
    while !eof {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut buf = match spare() {
            Some(mut b) => {
                b.clear();
                b.extend_from_slice(&carry);
                b
            }
            None => std::mem::take(&mut carry),
        };
        let want = buf.len() + BLOCK;
        buf.reserve(BLOCK);
        while buf.len() < want {
            let got = file
                .by_ref()
                .take((want - buf.len()) as u64)
                .read_to_end(&mut buf)?;
            if got == 0 {
                eof = true;
                break;
            }
        }
        let (end, lines) = if eof {
            (buf.len(), memchr::memchr_iter(b'\n', &buf).count() as u64)
        } else {
            // Uncut, the whole file is one block: no need to look for an end.
            let end = if cut { last_record_end(&buf) } else { None };
            match end {
                Some(end) => end,
                // One record longer than the block (or no cutting): read on.
                None => {
                    carry = buf;
                    continue;
                }
            }
        };
        carry = buf[end..].to_vec();
        buf.truncate(end);
        if !buf.is_empty() && !send(idx, buf, line, eof) {
            return Ok(());
        }
        idx += 1;
        line += lines;
    }
    Ok(())
}

/// The end of the last line feed outside quotes in `buf` (which starts at
/// a record start) and the number of line feeds up to it.
fn last_record_end(buf: &[u8]) -> Option<(usize, u64)> {
    let mut quoted = false;
    let mut lines = 0u64;
    let mut found = None;
    for i in memchr::memchr2_iter(b'"', b'\n', buf) {
        if buf[i] == b'"' {
            quoted = !quoted;
        } else {
            lines += 1;
            if !quoted {
                found = Some((i + 1, lines));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<Option<String>>> {
        let mut out = Vec::new();
        scan_records(text.as_bytes(), b',', 3, 1, |_, spans| {
            out.push(
                spans
                    .iter()
                    .map(|s| s.text(text).map(std::borrow::Cow::into_owned))
                    .collect(),
            );
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn quoted_escaped_and_empty_fields() {
        let rows = fields("a,\"b, c\",\r\n\"x \"\"y\"\"\",,\"\"\n,,\n\"q\"z,1,2");
        assert_eq!(
            rows,
            vec![
                vec![Some("a".into()), Some("b, c".into()), None],
                vec![Some("x \"y\"".into()), None, Some(String::new())],
                vec![Some("qz".into()), Some("1".into()), Some("2".into())],
            ]
        );
    }

    #[test]
    fn blocks_are_cut_outside_quotes() {
        assert_eq!(last_record_end(b"a,\"x\ny\"\nb,c"), Some((8, 2)));
        assert_eq!(last_record_end(b"a,\"x\ny"), None);
    }
}
