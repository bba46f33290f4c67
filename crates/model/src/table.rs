//! Small CSV tables with a header row (register, funds, vouchers), read with
//! the `csv` crate after decoding, keeping each record's line number for errors.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A CSV file with a header row, fully read and decoded.
#[derive(Debug, Clone)]
pub struct CsvTable {
    /// The file it was read from.
    pub path: PathBuf,
    /// The header row's names.
    pub headers: Vec<String>,
    records: Vec<(u64, csv::StringRecord)>,
}

/// One record and the line it starts on (1-based, header is line 1).
pub struct Row<'a> {
    /// The line the record starts on, counted from 1.
    pub line: u64,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The field in column `idx`, or "" when the record is short.
    pub fn get(&self, idx: usize) -> &str {
        self.record.get(idx).unwrap_or("")
    }

    /// How many fields the record has.
    pub fn len(&self) -> usize {
        self.record.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.record.iter().all(|f| f.trim().is_empty())
    }
}

/// Guesses the delimiter from the first record: `;` (Dutch Excel), tab or
/// `,`, counting only outside quotes.
pub fn sniff_delimiter(text: &str) -> u8 {
    sniff_delimiter_bytes(text.as_bytes())
}

/// [`sniff_delimiter`] on bytes (looks at the first 64 KiB at most).
pub fn sniff_delimiter_bytes(bytes: &[u8]) -> u8 {
    let (mut semi, mut tab, mut comma, mut quoted) = (0, 0, 0, false);
    for &b in bytes.iter().take(1 << 16) {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b';' if !quoted => semi += 1,
            b'\t' if !quoted => tab += 1,
            b',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma {
        b'\t'
    } else {
        b','
    }
}

impl CsvTable {
    /// Reads `path`: UTF-8 with or without BOM, delimiter sniffed.
    pub fn read(path: &Path) -> Result<CsvTable> {
        let text = crate::text::read_text(path)?;
        Self::parse(path, &text)
    }

    /// Parses already decoded text that came from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<CsvTable> {
        if text.trim().is_empty() {
            return Err(Error::Empty {
                path: path.into(),
                what: "the file is empty; it needs at least a header row".into(),
            });
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(sniff_delimiter(text))
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut lines = LineCounter::new(text);
        let csv_err = |e: csv::Error, lines: &mut LineCounter| Error::Csv {
            path: path.to_path_buf(),
            line: e.position().map(|p| lines.line_at(p.byte())),
            message: e.to_string(),
        };
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_err(e, &mut lines))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut records = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| csv_err(e, &mut lines))?;
            let line = rec.position().map_or(0, |p| lines.line_at(p.byte()));
            records.push((line, rec));
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            headers,
            records,
        })
    }

    /// The index of a column by (case-insensitive) name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The index of a column that must be present.
    pub fn require(&self, name: &str, hint: &str) -> Result<usize> {
        self.column(name).ok_or_else(|| Error::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
            hint: format!("{hint} (columns found: {})", self.headers.join(", ")),
        })
    }

    /// The data rows, skipping rows whose fields are all empty.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records
            .iter()
            .map(|(line, record)| Row {
                line: *line,
                record,
            })
            .filter(|r| !r.is_empty())
    }
}

/// Parses a number as written in Dutch or English tables: "2,5", "2.5",
/// "1.234,5", "EUR 10.000", "€ 9.500". Returns `None` for anything else.
pub fn parse_number(text: &str) -> Option<f64> {
    let t: String = text
        .trim()
        .trim_start_matches("EUR")
        .trim_start_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return None;
    }
    let normalised = match (t.rfind(','), t.rfind('.')) {
        // both: the last one is the decimal separator
        (Some(c), Some(d)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        (Some(_), None) => t.replace(',', "."),
        // only dots: "10.000" is ten thousand when every group has three digits
        (None, Some(_)) => {
            let parts: Vec<&str> = t.split('.').collect();
            if parts.len() > 2
                || (parts.len() == 2
                    && parts[1].len() == 3
                    && !parts[0].is_empty()
                    && parts[0] != "0")
            {
                t.replace('.', "")
            } else {
                t
            }
        }
        (None, None) => t,
    };
    normalised.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Turns byte offsets into 1-based line numbers, counting `\n` only once
/// over a text read front to back (the csv crate's own line count is off by
/// one on CRLF files).
pub struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter over `text`, starting at its first line.
    pub fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    /// The line of byte offset `byte`; offsets must not decrease between calls.
    pub fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.text.len());
        // on CRLF files the csv crate reports a record as starting at the
        // '\n' that ends the previous one
        while byte < self.text.len() && matches!(self.text[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.text[self.pos..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.pos = byte;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_dutch_and_english() {
        assert_eq!(parse_number("2,5"), Some(2.5));
        assert_eq!(parse_number("2.5"), Some(2.5));
        assert_eq!(parse_number("EUR 10.000"), Some(10000.0));
        assert_eq!(parse_number("€ 9.500,50"), Some(9500.5));
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number("0.125"), Some(0.125));
        assert_eq!(parse_number("veel"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn semicolon_tables_and_line_numbers() {
        let t = CsvTable::parse(
            Path::new("t.csv"),
            "a;b\r\n1;\"twee\r\nregels\"\r\n\r\n3;4\r\n",
        )
        .unwrap();
        assert_eq!(t.headers, vec!["a", "b"]);
        let rows: Vec<(u64, String)> = t.rows().map(|r| (r.line, r.get(1).to_string())).collect();
        assert_eq!(
            rows,
            vec![(2, "twee\r\nregels".to_string()), (5, "4".to_string())]
        );
    }
}
