//! SPSS `.sav` and `.zsav` files, read with `polars-readstat-rs`.
//!
//! Values come out as text (`1`, `-1`, `2.5`, `Z`); value labels, declared
//! user-missing values (discrete codes and ranges, on numbers and strings)
//! and variable labels come from the dictionary. User-missing values are
//! kept as values and flagged missing later, never read as numbers.
//! Multiple-response sets (`$name`, record type 7 subtype 7) are not exposed
//! by the reader, so they are read from the dictionary here.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use polars_readstat_rs::{
    spss_metadata_json_from_meta, InformativeNullColumns, InformativeNullMode, InformativeNullOpts,
    SpssReader,
};

use crate::raw::{format_number, Export, ExportColumn, Layout, MissingSpec, MrSet, ReadOptions};
use pokeval_model::error::{Error, Result};
use std::fmt::Write as _;

pub(crate) fn read_sav(path: &Path, display: &str, opts: &ReadOptions) -> Result<Export> {
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        Error::Malformed {
            path: display.into(),
            format: "SPSS",
            message: format!("{what}: {e}; is this a complete SPSS .sav/.zsav file? Export it again if it was cut off"),
        }
    };
    let mut bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    settle_case_count(&mut bytes, display)?;
    let bytes: std::sync::Arc<[u8]> = bytes.into();
    // The reader is a dependency: a file it cannot take must become an
    // error that names the file, never a crash (see `contained`).
    let (meta, df) = crate::contained(display, "the SPSS reader", || {
        let reader = SpssReader::open_bytes(bytes.clone())
            .map_err(|e| bad("cannot open the SPSS file", &e))?;
        let meta_json = spss_metadata_json_from_meta(reader.metadata(), reader.header())
            .map_err(|e| bad("cannot read the SPSS dictionary", &e))?;
        let meta: serde_json::Value = serde_json::from_str(&meta_json)
            .map_err(|e| bad("cannot read the SPSS dictionary", &e))?;
        let null_opts = InformativeNullOpts {
            columns: InformativeNullColumns::All,
            mode: InformativeNullMode::MergedString,
            use_value_labels: false,
        };
        let df = reader
            .read()
            .sequential()
            .value_labels_as_strings(false)
            .missing_string_as_null(true)
            .informative_nulls(Some(null_opts))
            .finish()
            .map_err(|e| bad("cannot read the SPSS data", &e))?;
        Ok((meta, df))
    })?;
    let vars = meta
        .get("variables")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    let mut columns = Vec::new();
    let mut body_cols = Vec::new();
    let mut labels = BTreeMap::new();
    let mut missing = BTreeMap::new();
    for (i, var) in vars.iter().enumerate() {
        let name = var
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let label = var
            .get("label")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let col = df
            .column(&name)
            .map_err(|e| bad(&format!("variable {name}"), &e))?;
        let numeric = var.get("type").and_then(|v| v.as_str()) == Some("Numeric");
        if let Some((case, seconds)) = date_out_of_range(col.as_materialized_series()) {
            return Err(Error::Field {
                file: display.into(),
                line: None,
                field: name,
                message: format!(
                    "case {} holds the date {seconds:.0} seconds after 14 October 1582, outside the years 1 to 9999; correct the value in SPSS or give the variable a number format",
                    case + 1
                ),
            });
        }
        body_cols.push(
            text_column(col, &format!("c{i}"), numeric)
                .map_err(|e| bad(&format!("variable {name}"), &e))?,
        );
        if let Some(map) = var.get("value_labels").and_then(|v| v.as_object()) {
            let m: BTreeMap<String, String> = map
                .iter()
                .map(|(k, v)| (normalise_number(k), v.as_str().unwrap_or("").to_string()))
                .collect();
            labels.insert(i, m);
        }
        let mut spec = MissingSpec::default();
        let doubles: Vec<f64> = var
            .get("missing_doubles")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default();
        let is_range = var
            .get("missing_range")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        if is_range && doubles.len() >= 2 {
            spec.range = Some((doubles[0], doubles[1]));
            spec.values = doubles[2..].iter().map(|d| format_number(*d)).collect();
        } else {
            spec.values = doubles.iter().map(|d| format_number(*d)).collect();
        }
        if let Some(strs) = var.get("missing_strings").and_then(|v| v.as_array()) {
            spec.values.extend(
                strs.iter()
                    .filter_map(|s| s.as_str())
                    .map(|s| s.trim_end().to_string()),
            );
        }
        if !spec.is_empty() {
            missing.insert(i, spec);
        }
        columns.push(ExportColumn {
            key: name.clone(),
            name,
            text: label,
            choice: None,
        });
    }
    let n = df.height();
    let body = DataFrame::new(n, body_cols).map_err(|e| bad("cannot build the table", &e))?;
    let mr_sets = mr_sets(&bytes, &columns);
    // Dichotomy members whose label names the choice ("Response #1"):
    // the variable label is the choice, the set label the question.
    for set in &mr_sets {
        for member in &set.columns {
            if let Some(c) = columns.iter_mut().find(|c| &c.key == member) {
                if set.counted.is_some() {
                    c.choice = Some(c.text.clone());
                    c.text = set.label.clone();
                }
            }
        }
    }
    let encoding = meta
        .get("encoding")
        .and_then(|v| v.as_str())
        .unwrap_or("SPSS")
        .to_string();
    let lines = (1..=n as u64).collect();
    let mut export = Export::new(
        display,
        opts,
        Layout::Spss,
        encoding,
        columns,
        body,
        lines,
        "case",
    );
    export.labels = labels;
    export.missing = missing;
    export.mr_sets = mr_sets;
    Ok(export)
}

/// `1.0` -> `1`, `-1.0` -> `-1`, other text unchanged.
fn normalise_number(s: &str) -> String {
    match s.parse::<f64>() {
        Ok(f) if s.contains('.') || s.contains('e') => format_number(f),
        _ => s.to_string(),
    }
}

/// Seconds from SPSS's epoch (14 October 1582) to 1970-01-01.
const SPSS_TO_UNIX: i128 = 12_219_379_200;

/// The first case whose date or date-time lies outside the years 1 to
/// 9999 (which text cannot show and polars would panic on), with its value
/// in SPSS's own terms: seconds since 14 October 1582.
fn date_out_of_range(s: &Series) -> Option<(usize, f64)> {
    // 0001-01-01 and 9999-12-31T23:59:59 in seconds since 1970
    const FIRST: i128 = -62_135_596_800;
    const LAST: i128 = 253_402_300_799;
    let seconds: Vec<Option<i128>> = match s.dtype() {
        DataType::Date => s
            .to_physical_repr()
            .i32()
            .ok()?
            .iter()
            .map(|d| d.map(|d| i128::from(d) * 86_400))
            .collect(),
        DataType::Datetime(unit, _) => {
            let per_second: i128 = match unit {
                TimeUnit::Milliseconds => 1_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Nanoseconds => 1_000_000_000,
            };
            s.to_physical_repr()
                .i64()
                .ok()?
                .iter()
                .map(|v| v.map(|v| i128::from(v).div_euclid(per_second)))
                .collect()
        }
        _ => return None,
    };
    seconds.iter().enumerate().find_map(|(i, v)| match v {
        Some(v) if !(FIRST..=LAST).contains(v) => Some((i, (v + SPSS_TO_UNIX) as f64)),
        _ => None,
    })
}

/// One variable as a text column; numbers without a trailing `.0`.
fn text_column(col: &Column, name: &str, numeric: bool) -> PolarsResult<Column> {
    let s = col.as_materialized_series();
    let out: Series = match s.dtype() {
        DataType::String => {
            let ca = s.str()?;
            if numeric {
                ca.apply_values(|v| std::borrow::Cow::Owned(normalise_number(v.trim())))
                    .into_series()
            } else {
                ca.apply_values(|v| std::borrow::Cow::Borrowed(v.trim_end()))
                    .into_series()
            }
        }
        dt if dt.is_primitive_numeric() => {
            let f = s.cast(&DataType::Float64)?;
            let ca = f.f64()?;
            let v: StringChunked = ca.iter().map(|x| x.map(format_number)).collect();
            v.into_series()
        }
        DataType::Time => {
            // SPSS TIME and DTIME values are durations and may pass 24
            // hours, which polars' time of day cannot show
            let ca = s.to_physical_repr().i64()?.clone();
            let v: StringChunked = ca.iter().map(|x| x.map(duration_text)).collect();
            v.into_series()
        }
        _ => s.cast(&DataType::String)?,
    };
    Ok(out.with_name(name.into()).into_column())
}

/// A duration in nanoseconds as `HH:MM:SS` (hours past 24 as they are,
/// a fraction of a second where there is one), as chrono shows a time.
fn duration_text(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let ns = ns.unsigned_abs();
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let mut out = format!(
        "{sign}{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    // as chrono shows a fraction: 3, 6 or 9 digits
    if frac % 1_000_000 == 0 && frac > 0 {
        _ = write!(out, ".{:03}", frac / 1_000_000);
    } else if frac % 1_000 == 0 && frac > 0 {
        _ = write!(out, ".{:06}", frac / 1_000);
    } else if frac > 0 {
        _ = write!(out, ".{frac:09}");
    }
    out
}

/// Multiple-response sets from record type 7, subtype 7 (and 19).
fn mr_sets(bytes: &[u8], columns: &[ExportColumn]) -> Vec<MrSet> {
    // Sets list short (8-character) names; subtype 13 maps them to long ones.
    let Some(dict) = Dictionary::read(bytes) else {
        return Vec::new();
    };
    let long: HashMap<String, String> = dict
        .texts(bytes, &[13])
        .iter()
        .flat_map(|t| t.split('\t').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|pair| {
            let (short, long) = pair.split_once('=')?;
            Some((short.trim().to_lowercase(), long.trim().to_string()))
        })
        .collect();
    // Lower-case name -> variable: short names first, so a variable's own
    // name wins.
    let mut by_lower: HashMap<String, String> = long;
    for c in columns {
        by_lower.insert(c.key.to_lowercase(), c.key.clone());
    }
    let mut out = Vec::new();
    for text in dict.texts(bytes, &[7, 19]) {
        for line in text.split('\n') {
            if let Some(set) = parse_mr_line(line, &by_lower) {
                out.push(set);
            }
        }
    }
    out
}

fn parse_mr_line(line: &str, by_lower: &HashMap<String, String>) -> Option<MrSet> {
    let line = line.trim_end_matches(['\r', '\0']);
    let (name, rest) = line.strip_prefix('$')?.split_once('=')?;
    let mut rest = rest;
    let kind = rest.chars().next()?;
    rest = &rest[1..];
    // Reads "<len> <text>" where len counts bytes.
    fn counted(s: &str) -> Option<(&str, &str)> {
        let s = s.trim_start_matches(' ');
        let sp = s.find(' ')?;
        let n: usize = s[..sp].parse().ok()?;
        let body = s.get(sp + 1..sp + 1 + n)?;
        Some((body, &s[sp + 1 + n..]))
    }
    let counted_value = match kind {
        'D' => {
            let sp = rest.find(' ')?;
            let n: usize = rest[..sp].parse().ok()?;
            let v = rest.get(sp + 1..sp + 1 + n)?.to_string();
            rest = &rest[sp + 1 + n..];
            Some(v)
        }
        'E' => {
            // "E 1 <flag> <len> <counted> ..." (extended dichotomy).
            let r = rest.trim_start();
            let (_, r) = r.split_once(' ')?;
            let (v, r) = counted(r)?;
            rest = r;
            Some(v.to_string())
        }
        'C' => None,
        _ => return None,
    };
    let (label, vars) = counted(rest)?;
    let members: Vec<String> = vars
        .split_whitespace()
        .map(|v| {
            by_lower
                .get(&v.to_lowercase())
                .cloned()
                .unwrap_or_else(|| v.to_string())
        })
        .collect();
    Some(MrSet {
        name: format!("${name}"),
        label: label.to_string(),
        counted: counted_value.map(|v| normalise_number(&v)),
        columns: members,
    })
}

/// What the dictionary says about the data that follows it: enough to
/// check the header's case count against the file before the reader
/// allocates for it.
struct Dictionary {
    little: bool,
    /// 8-byte segments per case, counted from the variable records (the
    /// header's own figure may be -1, "unknown").
    segments: usize,
    /// 0 none, 1 bytecode, 2 zlib (`.zsav`).
    compression: i32,
    /// The header's case count; -1 means unknown.
    cases: i32,
    /// The header's nominal case size (8-byte segments per case, one
    /// variable record each); -1 means unknown. The reader reserves room
    /// for that many variables before it reads any.
    nominal: i32,
    /// Where the data (or the `.zsav` zlib header) starts.
    data_start: Option<usize>,
    /// Subtype and byte range of every record type 7.
    extensions: Vec<(i32, std::ops::Range<usize>)>,
    /// The first dictionary record whose declared length runs past the end
    /// of the file: its offset and what it is. The reader takes such a
    /// length (an unsigned 32-bit count, or two multiplied) as the size of
    /// a buffer before it reads into it.
    overrun: Option<(usize, &'static str)>,
}

impl Dictionary {
    /// Walks the dictionary records; `None` when the file is too short to
    /// have a header (the reader then reports what is wrong).
    fn read(bytes: &[u8]) -> Option<Dictionary> {
        if bytes.len() < 176 {
            return None;
        }
        let layout = i32::from_le_bytes(bytes[64..68].try_into().ok()?);
        let little = matches!(layout, 2 | 3);
        let rd = |pos: usize| -> Option<i32> {
            let b: [u8; 4] = bytes.get(pos..pos.checked_add(4)?)?.try_into().ok()?;
            Some(if little {
                i32::from_le_bytes(b)
            } else {
                i32::from_be_bytes(b)
            })
        };
        let mut d = Dictionary {
            little,
            segments: 0,
            compression: rd(72)?,
            cases: rd(80)?,
            nominal: rd(68)?,
            data_start: None,
            extensions: Vec::new(),
            overrun: None,
        };
        // a length as the reader takes it: unsigned
        let rdu = |pos: usize| -> usize { rd(pos).map_or(0, |v| v as u32 as usize) };
        let pad4 = |n: usize| n.div_ceil(4) * 4;
        let mut pos = 176usize;
        // Every step moves `pos` forward; a count read from the file never
        // drives a loop past the end of the file.
        while pos < bytes.len() {
            let Some(rec) = rd(pos) else { break };
            match rec {
                2 => {
                    d.segments += 1;
                    // a string's continuation record (type < 0) is 32 bytes
                    // whatever its other fields say: the reader reads no
                    // label or missing values after it, and neither may this
                    // walk, or it would step past a record the reader reads
                    let continuation = rd(pos + 4).unwrap_or(0) < 0;
                    let has_label = rd(pos + 8).unwrap_or(0);
                    let n_missing = rd(pos + 12).unwrap_or(0).unsigned_abs() as usize;
                    pos += 32;
                    if continuation {
                        continue;
                    }
                    if has_label != 0 {
                        let len = rdu(pos);
                        if pos.saturating_add(4 + pad4(len)) > bytes.len() {
                            d.overrun = Some((pos, "a variable label"));
                            break;
                        }
                        pos += 4 + pad4(len);
                    }
                    pos = pos.saturating_add(n_missing.saturating_mul(8));
                }
                3 => {
                    // each label takes at least 16 bytes (value, length, text)
                    let count = rdu(pos + 4);
                    if pos
                        .saturating_add(8)
                        .saturating_add(count.saturating_mul(16))
                        > bytes.len()
                    {
                        d.overrun = Some((pos, "a value label record (type 3)"));
                        break;
                    }
                    pos += 8;
                    for _ in 0..count {
                        if pos >= bytes.len() {
                            break;
                        }
                        let len = *bytes.get(pos + 8).unwrap_or(&0) as usize;
                        pos += 8 + (1 + len).div_ceil(8) * 8;
                    }
                }
                4 => {
                    let count = rdu(pos + 4);
                    let end = pos
                        .saturating_add(8)
                        .saturating_add(count.saturating_mul(4));
                    if end > bytes.len() {
                        d.overrun = Some((pos, "a value label variables record (type 4)"));
                        break;
                    }
                    pos = end;
                }
                6 => {
                    let lines = rd(pos + 4).unwrap_or(0).max(0) as usize;
                    pos = pos.saturating_add(8 + 80 * lines);
                }
                7 => {
                    let sub = rd(pos + 4).unwrap_or(0);
                    let size = rdu(pos + 8);
                    let count = rdu(pos + 12);
                    let start = pos + 16;
                    let end = start.saturating_add(size.saturating_mul(count));
                    if end > bytes.len() {
                        d.overrun = Some((pos, "an extension record (type 7)"));
                        break;
                    }
                    d.extensions.push((sub, start..end));
                    pos = end;
                }
                999 => {
                    d.data_start = Some(pos + 8);
                    break;
                }
                _ => break,
            }
        }
        Some(d)
    }

    /// The raw text of every record type 7 with one of `subtypes`.
    fn texts(&self, bytes: &[u8], subtypes: &[i32]) -> Vec<String> {
        self.extensions
            .iter()
            .filter(|(sub, _)| subtypes.contains(sub))
            .filter_map(|(_, range)| bytes.get(range.clone()))
            .map(|data| String::from_utf8_lossy(data).into_owned())
            .collect()
    }

    /// How many cases the data holds: exactly for uncompressed and
    /// bytecode files, by decompressing for `.zsav` when `exact`,
    /// otherwise the most its zlib blocks can hold. `None` when the data
    /// cannot be walked (the reader then says what is wrong).
    fn cases_in_data(&self, bytes: &[u8], exact: bool) -> Option<u64> {
        let start = self.data_start?;
        let data = bytes.get(start..)?;
        let per_case = self.segments as u64;
        if per_case == 0 {
            return None;
        }
        match self.compression {
            0 => Some(data.len() as u64 / (per_case * 8)),
            1 => Some(bytecode_segments(data).0 / per_case),
            2 => {
                let (stream, declared) = zsav_stream(data, start, self.little, exact)?;
                Some(match stream {
                    Some(s) => bytecode_segments(&s).0 / per_case,
                    // each segment takes at least one code byte
                    None => declared / per_case,
                })
            }
            _ => None,
        }
    }
}

/// Segments in a bytecode-compressed data stream, up to its end code (252)
/// or the end of the stream, and whether the end code was seen.
fn bytecode_segments(data: &[u8]) -> (u64, bool) {
    let mut segments = 0u64;
    let mut pos = 0usize;
    while pos + 8 <= data.len() {
        let block = &data[pos..pos + 8];
        pos += 8;
        for &code in block {
            match code {
                0 => {}
                252 => return (segments, true),
                253 => {
                    // the raw value follows this block of codes
                    pos += 8;
                    if pos > data.len() {
                        return (segments, false);
                    }
                    segments += 1;
                }
                _ => segments += 1,
            }
        }
    }
    (segments, false)
}

/// The bytecode stream of a `.zsav` file's zlib blocks (when `exact`) and
/// the uncompressed size its block table declares. `data` starts at the
/// zlib header, which lies at file offset `base`.
fn zsav_stream(
    data: &[u8],
    base: usize,
    little: bool,
    exact: bool,
) -> Option<(Option<Vec<u8>>, u64)> {
    let i64_at = |b: &[u8], pos: usize| -> Option<i64> {
        let a: [u8; 8] = b.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
        Some(if little {
            i64::from_le_bytes(a)
        } else {
            i64::from_be_bytes(a)
        })
    };
    let i32_at = |b: &[u8], pos: usize| -> Option<i32> {
        let a: [u8; 4] = b.get(pos..pos.checked_add(4)?)?.try_into().ok()?;
        Some(if little {
            i32::from_le_bytes(a)
        } else {
            i32::from_be_bytes(a)
        })
    };
    let trailer = usize::try_from(i64_at(data, 8)?).ok()?.checked_sub(base)?;
    let n_blocks = usize::try_from(i32_at(data, trailer + 20)?).ok()?;
    // the table cannot list more blocks than the file has bytes for
    if n_blocks > data.len() / 24 {
        return None;
    }
    let mut declared = 0u64;
    let mut stream = exact.then(Vec::new);
    for b in 0..n_blocks {
        let entry = trailer + 24 + b * 24;
        let compressed_at = usize::try_from(i64_at(data, entry + 8)?)
            .ok()?
            .checked_sub(base)?;
        let size = u64::try_from(i32_at(data, entry + 16)?).ok()?;
        let compressed = usize::try_from(i32_at(data, entry + 20)?).ok()?;
        declared += size;
        if let Some(out) = stream.as_mut() {
            use std::io::Read;
            let input = data.get(compressed_at..compressed_at.checked_add(compressed)?)?;
            flate2::read::ZlibDecoder::new(input)
                .take(size)
                .read_to_end(out)
                .ok()?;
        }
    }
    Some((stream, declared))
}

/// Checks the header's nominal case size against the file and its case
/// count against the data before the reader allocates for them, and fills
/// in an "unknown" (-1) case count, which the format allows and the
/// reader would take as zero.
fn settle_case_count(bytes: &mut [u8], display: &str) -> Result<()> {
    let Some(dict) = Dictionary::read(bytes) else {
        return Ok(());
    };
    if let Some((at, what)) = dict.overrun {
        return Err(Error::Mismatch {
            path: display.into(),
            message: format!(
                "{what} at byte {at} declares a length that runs past the end of the file ({} bytes): the file is cut off or damaged; export it again",
                bytes.len()
            ),
        });
    }
    // the reader sizes its columns by the case count before it finds that
    // it cannot read a compression it does not know
    if !(0..=2).contains(&dict.compression) {
        return Err(Error::Malformed {
            path: display.into(),
            format: "SPSS",
            message: format!(
                "the header names compression {}, which SPSS does not write (0 none, 1 bytecode, 2 zlib): the header is damaged; export the file again",
                dict.compression
            ),
        });
    }
    // without a variable the reader would step through every declared case
    // reading nothing (a fuzzed file declared 1.5 billion)
    if dict.segments == 0 {
        return Err(Error::Malformed {
            path: display.into(),
            format: "SPSS",
            message: "the dictionary declares no variables: the file is cut off or damaged; export it again".into(),
        });
    }
    // every variable record takes at least 32 bytes of the file
    let most = bytes.len() / 32;
    if usize::try_from(dict.nominal).is_ok_and(|n| n > most) {
        return Err(Error::Mismatch {
            path: display.into(),
            message: format!(
                "the header declares {} variables (its nominal case size) but a file of {} bytes holds at most {most}: the header is damaged; export the file again",
                dict.nominal,
                bytes.len()
            ),
        });
    }
    let unknown = dict.cases < 0;
    let Some(in_data) = dict.cases_in_data(bytes, unknown) else {
        return Ok(());
    };
    if unknown {
        let count = i32::try_from(in_data).map_err(|_| Error::TooLarge {
            path: display.into(),
            message: format!("the data holds {in_data} cases, more than an SPSS file can declare"),
        })?;
        let field = if dict.little {
            count.to_le_bytes()
        } else {
            count.to_be_bytes()
        };
        bytes[80..84].copy_from_slice(&field);
        return Ok(());
    }
    if dict.cases as u64 > in_data {
        let most = if dict.compression == 2 {
            "at most "
        } else {
            ""
        };
        return Err(Error::Mismatch {
            path: display.into(),
            message: format!(
                "the header declares {} cases but the data holds {most}{in_data}: is this a complete SPSS .sav/.zsav file? Export it again if it was cut off or its header damaged",
                dict.cases
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_readstat_rs::{SpssValueLabelKey, SpssValueLabels, SpssWriter};
    use std::collections::HashMap;

    #[test]
    fn durations_past_a_day_keep_their_hours() {
        assert_eq!(duration_text(0), "00:00:00");
        assert_eq!(
            duration_text(30 * 3_600_000_000_000 + 5_000_000_000),
            "30:00:05"
        );
        assert_eq!(duration_text(-90_000_000_000), "-00:01:30");
        assert_eq!(duration_text(1_500_000_000), "00:00:01.500");
        assert_eq!(duration_text(1_000_001_000), "00:00:01.000001");
    }

    #[test]
    fn bytecode_counts_segments_up_to_the_end_code() {
        // 1 compressed number, 1 raw value (its 8 bytes follow the
        // block), spaces, system-missing, padding, then the end code
        let mut data = vec![101u8, 253, 254, 255, 0, 252, 0, 0];
        data.extend_from_slice(&[0u8; 8]);
        assert_eq!(bytecode_segments(&data), (4, true));
        // a raw value announced but cut off
        assert_eq!(bytecode_segments(&[253, 0, 0, 0, 0, 0, 0, 0]), (0, false));
    }

    /// A 176-byte little-endian `.sav` header with `fields` (byte offset,
    /// value) written into it.
    fn header(fields: &[(usize, i32)]) -> Vec<u8> {
        let mut b = vec![0u8; 176];
        b[..4].copy_from_slice(b"$FL2");
        b[64..68].copy_from_slice(&2i32.to_le_bytes());
        for &(at, v) in fields {
            b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// A real one-variable `.sav` written in `dir`: its path and bytes.
    fn small_sav(dir: &std::path::Path) -> (std::path::PathBuf, Vec<u8>) {
        let p = dir.join("klein.sav");
        let df = DataFrame::new(1, vec![Column::new("Q1".into(), [1i32])]).unwrap();
        SpssWriter::new(&p).write_df(&df).unwrap();
        let b = std::fs::read(&p).unwrap();
        (p, b)
    }

    /// A record count taken from the file never drives the walk past the
    /// end of the file: 2^31 value labels in a 200-byte file end at once.
    #[test]
    fn hostile_record_counts_end_at_the_end_of_the_file() {
        let mut b = header(&[(80, -1)]);
        b.extend_from_slice(&3i32.to_le_bytes());
        b.extend_from_slice(&i32::MAX.to_le_bytes());
        b.extend_from_slice(&[0u8; 16]);
        let d = Dictionary::read(&b).unwrap();
        assert_eq!((d.cases, d.data_start, d.segments), (-1, None, 0));
        // and the file is refused before the reader reserves room for the
        // labels (it would ask for 2^31 of them)
        let e = settle_case_count(&mut b, "x.sav").unwrap_err().to_string();
        assert!(
            e.contains("a value label record (type 3) at byte 176 declares a length that runs past the end"),
            "{e}"
        );
    }

    /// A string continuation record (type < 0) is 32 bytes, whatever its
    /// label flag says, as the reader takes it: the walk then finds the
    /// extension record after it and its length of 181 GB (a fuzzed file
    /// once made the reader ask for that much).
    #[test]
    fn a_continuation_record_has_no_label_and_the_record_after_it_is_checked() {
        let mut b = header(&[]);
        let var = |typ: i32, has_label: i32| {
            let mut r = Vec::new();
            for v in [2i32, typ, has_label, 0, 0, 0] {
                r.extend_from_slice(&v.to_le_bytes());
            }
            r.extend_from_slice(b"q       ");
            r
        };
        b.extend(var(8, 0));
        b.extend(var(-1, 4));
        for v in [7i32, 20, 337, 538_969_344] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&[0u8; 64]);
        let d = Dictionary::read(&b).unwrap();
        assert_eq!(d.segments, 2);
        assert_eq!(d.overrun, Some((240, "an extension record (type 7)")));
        let e = settle_case_count(&mut b, "x.sav").unwrap_err().to_string();
        assert!(
            e.contains("an extension record (type 7) at byte 240"),
            "{e}"
        );
    }

    /// A header whose nominal case size claims more variables than the file
    /// can hold is an error before the reader reserves room for them (a
    /// fuzzed file once made it ask for 94 GB); a real file passes.
    #[test]
    fn a_nominal_case_size_beyond_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (p, mut b) = small_sav(dir.path());
        settle_case_count(&mut b.clone(), "klein.sav").unwrap();
        b[68..72].copy_from_slice(&(i32::MAX / 8).to_le_bytes());
        std::fs::write(&p, &b).unwrap();
        let e = read_sav(&p, "klein.sav", &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("the header declares 268435455 variables"), "{e}");
    }

    /// A dictionary without variables is an error: the reader would step
    /// through every declared case reading nothing (a fuzzed file declared
    /// 1.5 billion and ran for minutes).
    #[test]
    fn a_dictionary_without_variables_is_an_error() {
        let mut b = header(&[(72, 1), (80, 1_543_503_871)]);
        b.extend_from_slice(&999i32.to_le_bytes());
        b.extend_from_slice(&[0u8; 4 + 64]);
        let e = settle_case_count(&mut b, "x.sav").unwrap_err().to_string();
        assert!(
            e.starts_with("x.sav") && e.contains("the dictionary declares no variables"),
            "{e}"
        );
    }

    /// A compression code SPSS does not write is an error before the reader
    /// sizes its columns by the case count (a fuzzed file with 1.7 billion
    /// cases and compression 544699680 made it ask for 27 GB).
    #[test]
    fn an_unknown_compression_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (p, mut b) = small_sav(dir.path());
        b[72..76].copy_from_slice(&544_699_680i32.to_le_bytes());
        b[80..84].copy_from_slice(&1_702_129_253i32.to_le_bytes());
        std::fs::write(&p, &b).unwrap();
        let e = read_sav(&p, "klein.sav", &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("klein.sav")
                && e.contains("compression 544699680, which SPSS does not write"),
            "{e}"
        );
    }

    /// A Qualtrics-style SPSS export: previews are rejected as in the CSV.
    #[test]
    fn qualtrics_spss_export_rejects_previews() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("qualtrics.sav");
        let df = DataFrame::new(
            3,
            vec![
                Column::new("ResponseId".into(), ["R_a", "R_b", "R_c"]),
                Column::new("Status".into(), [0i32, 1, 0]),
                Column::new("Q1".into(), [2i32, 1, 1]),
            ],
        )
        .unwrap();
        let mut status = HashMap::new();
        status.insert(SpssValueLabelKey::from_f64(0.0), "IP Address".to_string());
        status.insert(
            SpssValueLabelKey::from_f64(1.0),
            "Survey Preview".to_string(),
        );
        let labels: SpssValueLabels = HashMap::from([("Status".to_string(), status)]);
        SpssWriter::new(&p)
            .with_value_labels(labels)
            .write_df(&df)
            .unwrap();
        let e = read_sav(&p, "qualtrics.sav", &ReadOptions::default()).unwrap();
        let data = crate::raw_long(&e, pokeval_model::Wave::new(2024).unwrap()).unwrap();
        assert_eq!((data.accepted(), data.rejects.len()), (2, 1));
        assert_eq!(data.rejects[0].line, 2);
        assert!(
            data.rejects[0].reason.contains("R_b is a survey preview"),
            "{}",
            data.rejects[0].reason
        );
    }
}
