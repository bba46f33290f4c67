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

pub(crate) fn read_sav(path: &Path, display: &str, opts: &ReadOptions) -> Result<Export> {
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        Error::invalid(
            display,
            format!("{what}: {e}; is this a complete SPSS .sav/.zsav file? Export it again if it was cut off"),
        )
    };
    let reader = SpssReader::open(path).map_err(|e| bad("cannot open the SPSS file", &e))?;
    let meta_json = spss_metadata_json_from_meta(reader.metadata(), reader.header())
        .map_err(|e| bad("cannot read the SPSS dictionary", &e))?;
    let meta: serde_json::Value =
        serde_json::from_str(&meta_json).map_err(|e| bad("cannot read the SPSS dictionary", &e))?;
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
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        let is_range = var
            .get("missing_range")
            .and_then(|v| v.as_bool())
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
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
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
        _ => s.cast(&DataType::String)?,
    };
    Ok(out.with_name(name.into()).into_column())
}

/// Multiple-response sets from record type 7, subtype 7 (and 19).
fn mr_sets(bytes: &[u8], columns: &[ExportColumn]) -> Vec<MrSet> {
    // Sets list short (8-character) names; subtype 13 maps them to long ones.
    let long: HashMap<String, String> = subtype_records(bytes, &[13])
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
    for text in subtype_records(bytes, &[7, 19]) {
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

/// The raw text of every record type 7 with one of `subtypes`.
fn subtype_records(bytes: &[u8], subtypes: &[i32]) -> Vec<String> {
    let mut out = Vec::new();
    if bytes.len() < 176 {
        return out;
    }
    let le = i32::from_le_bytes([bytes[64], bytes[65], bytes[66], bytes[67]]);
    let little = matches!(le, 2 | 3);
    let rd = |pos: usize| -> Option<i32> {
        let b: [u8; 4] = bytes.get(pos..pos + 4)?.try_into().ok()?;
        Some(if little {
            i32::from_le_bytes(b)
        } else {
            i32::from_be_bytes(b)
        })
    };
    let mut pos = 176usize;
    let pad4 = |n: usize| n.div_ceil(4) * 4;
    while let Some(rec) = rd(pos) {
        match rec {
            2 => {
                let has_label = rd(pos + 8).unwrap_or(0);
                let n_missing = rd(pos + 12).unwrap_or(0).unsigned_abs() as usize;
                pos += 32;
                if has_label != 0 {
                    let len = rd(pos).unwrap_or(0).max(0) as usize;
                    pos += 4 + pad4(len);
                }
                pos += n_missing * 8;
            }
            3 => {
                let count = rd(pos + 4).unwrap_or(0).max(0) as usize;
                pos += 8;
                for _ in 0..count {
                    let len = *bytes.get(pos + 8).unwrap_or(&0) as usize;
                    pos += 8 + (1 + len).div_ceil(8) * 8;
                }
            }
            4 => {
                let count = rd(pos + 4).unwrap_or(0).max(0) as usize;
                pos += 8 + 4 * count;
            }
            6 => {
                let lines = rd(pos + 4).unwrap_or(0).max(0) as usize;
                pos += 8 + 80 * lines;
            }
            7 => {
                let sub = rd(pos + 4).unwrap_or(0);
                let size = rd(pos + 8).unwrap_or(0).max(0) as usize;
                let count = rd(pos + 12).unwrap_or(0).max(0) as usize;
                let start = pos + 16;
                let end = start + size * count;
                if subtypes.contains(&sub) {
                    if let Some(data) = bytes.get(start..end) {
                        out.push(String::from_utf8_lossy(data).into_owned());
                    }
                }
                pos = end;
            }
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_readstat_rs::{SpssValueLabelKey, SpssValueLabels, SpssWriter};
    use std::collections::HashMap;

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
