//! Dutch number, money, percentage and date formatting for the report:
//! `4.500`, `€ 4.500`, `1,02%`, `€ 150 miljoen`, `14 december 2021`.

/// Formats `value` with `decimals` decimals, a comma as decimal separator and
/// dots between thousands: `format_number(4500.0, 0)` is `"4.500"`, and a
/// negative value with a real minus sign: `"−20"`.
pub fn format_number(value: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, value.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let negative = value < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        // a real minus sign (U+2212), as Dutch typesetting wants, not a hyphen
        out.push('\u{2212}');
    }
    out.push_str(&grouped);
    if let Some(f) = frac {
        out.push(',');
        out.push_str(&f);
    }
    out
}

/// A count: `4.500`.
pub fn format_count(value: usize) -> String {
    format_number(value as f64, 0)
}

/// A whole or fractional number without needless decimals: `150`, `2,5`.
pub fn format_compact(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format_number(value, 0)
    } else if (value * 10.0 - (value * 10.0).round()).abs() < 1e-9 {
        format_number(value, 1)
    } else {
        format_number(value, 2)
    }
}

/// Euros: `€ 4.500`.
pub fn format_eur(value: f64) -> String {
    format!("€ {}", format_number(value, 0))
}

/// The years a table covers, first to last: `2021–2027` (one year alone:
/// `2021`; none: empty).
pub fn format_years(years: &[u16]) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

/// A percentage with `decimals` decimals: `1,02%`.
pub fn format_percent(value: f64, decimals: usize) -> String {
    format!("{}%", format_number(value, decimals))
}

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// An ISO date (`2021-12-14`, optionally with a time) as `14 december 2021`;
/// anything else is returned unchanged.
pub fn format_date(iso: &str) -> String {
    let date = iso.get(..10).unwrap_or(iso);
    let parts: Vec<&str> = date.split('-').collect();
    if let [y, m, d] = parts[..] {
        if let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<usize>(), d.parse::<u32>()) {
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                return format!("{d} {} {y}", MONTHS[m - 1]);
            }
        }
    }
    iso.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_formats() {
        assert_eq!(format_number(4500.0, 0), "4.500");
        assert_eq!(format_number(5_500_000.0, 0), "5.500.000");
        assert_eq!(format_number(-2.0, 0), "\u{2212}2");
        assert_eq!(format_eur(-20_000.0), "€ \u{2212}20.000");
        assert_eq!(format_number(-0.001, 0), "0");
        assert_eq!(format_eur(8500.0), "€ 8.500");
        assert_eq!(format_percent(1.02, 2), "1,02%");
        assert_eq!(format_compact(150.0), "150");
        assert_eq!(format_compact(2.5), "2,5");
        assert_eq!(format_date("2021-12-14"), "14 december 2021");
        assert_eq!(format_date("2024-03-05T10:00:00"), "5 maart 2024");
        assert_eq!(format_date("voorjaar 2024"), "voorjaar 2024");
    }
}
