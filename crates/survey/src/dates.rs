//! Submission timestamps as the platforms write them, normalised to ISO 8601
//! (`2025-01-15T21:53:05`, local time as exported, no zone).
//!
//! Slash dates are read month first (`1/15/2025`), the way Google Sheets,
//! Microsoft Forms and Excel with US settings write them, unless the first
//! number cannot be a month (`15/1/2025`). Dash dates with the year last
//! (`01-01-1980`) are day first, as LimeSurvey and Dutch Excel write them.

use chrono::{Duration, NaiveDate, NaiveDateTime};

const FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%d %H:%M:%S%.f",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
];

const SLASH_FORMATS: &[&str] = &[
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y",
];

/// Parses a timestamp; `None` when it is in no known format.
pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    // "2022/06/22 11:07:29 AM AST": drop a trailing zone abbreviation.
    let t = match t.rsplit_once(' ') {
        Some((head, zone))
            if zone.len() >= 2
                && zone.len() <= 5
                && zone.chars().all(|c| c.is_ascii_uppercase())
                && !matches!(zone, "AM" | "PM") =>
        {
            head
        }
        _ => t,
    };
    for f in FORMATS {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Some(d);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    if t.contains('/') {
        let first: u32 = t.split('/').next()?.parse().ok()?;
        let swapped;
        let t = if first > 12 {
            // Day first: swap day and month.
            let mut parts = t.splitn(3, '/');
            let (d, m, rest) = (parts.next()?, parts.next()?, parts.next()?);
            swapped = format!("{m}/{d}/{rest}");
            swapped.as_str()
        } else {
            t
        };
        let year_digits = t.split(['/', ' ']).nth(2).map(str::len).unwrap_or(4);
        let formats = SLASH_FORMATS
            .iter()
            .filter(|f| (year_digits == 2) == f.contains("%y"));
        for f in formats {
            if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
                return Some(d);
            }
            if let Ok(d) = NaiveDate::parse_from_str(t, f) {
                return d.and_hms_opt(0, 0, 0);
            }
        }
    }
    None
}

/// A timestamp as ISO 8601, or `None` when it cannot be read. A bare
/// number between 20000 and 80000 (1954 to 2119) is an Excel serial date
/// whose cell lost its date style.
pub fn iso(text: &str) -> Option<String> {
    if let Some(s) = iso_already(text.trim()) {
        return Some(s);
    }
    if let Some(d) = parse_timestamp(text) {
        return Some(d.format("%Y-%m-%dT%H:%M:%S").to_string());
    }
    let serial: f64 = text.trim().parse().ok()?;
    (20_000.0..80_000.0)
        .contains(&serial)
        .then(|| excel_serial_to_iso(serial))
}

/// `2024-02-01 10:00:00` or `2024-02-01T10:00:00`, the most common form,
/// checked without format parsing (which costs more than the rest of a
/// record).
fn iso_already(t: &str) -> Option<String> {
    let b = t.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b' ' | b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |a, &c| {
            c.is_ascii_digit().then(|| a * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    let mut s = t.to_string();
    s.replace_range(10..11, "T");
    Some(s)
}

/// An Excel serial date (days since 1899-12-30, fraction = time of day) as
/// ISO 8601, rounded to the second.
pub fn excel_serial_to_iso(serial: f64) -> String {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let secs = (serial * 86_400.0).round() as i64;
    (base + Duration::seconds(secs))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_formats() {
        assert_eq!(iso("2016-06-24 14:27:08").unwrap(), "2016-06-24T14:27:08");
        assert_eq!(iso("2016-06-24T14:27:08").unwrap(), "2016-06-24T14:27:08");
        assert_eq!(iso("2016-02-30 14:27:08"), None);
        assert_eq!(iso("2016-06-24 24:27:08"), None);
        assert_eq!(iso("1/15/2025 21:53:05").unwrap(), "2025-01-15T21:53:05");
        assert_eq!(iso("1/18/2024 14:18").unwrap(), "2024-01-18T14:18:00");
        assert_eq!(iso("7/10/14 18:37").unwrap(), "2014-07-10T18:37:00");
        assert_eq!(iso("15/1/2025 9:00").unwrap(), "2025-01-15T09:00:00");
        assert_eq!(iso("01-01-1980 00:00:00").unwrap(), "1980-01-01T00:00:00");
        assert_eq!(
            iso("2022/06/22 11:07:29 AM AST").unwrap(),
            "2022-06-22T11:07:29"
        );
        assert_eq!(iso("gisteren"), None);
        assert_eq!(iso("45898.72079423611").unwrap(), "2025-08-29T17:17:57");
        assert_eq!(iso("4"), None);
        assert_eq!(
            excel_serial_to_iso(45898.72079423611),
            "2025-08-29T17:17:57"
        );
    }
}
