//! Reading text files: byte-order marks, encodings and invalid bytes.

use std::path::Path;

use crate::error::{Error, Result};

/// Reads a text file as UTF-8, without the byte-order mark if present.
///
/// UTF-16 files with a BOM are decoded as well. Invalid bytes are never
/// replaced: the error names the byte offset so the user can find it.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(path, &bytes)
}

/// Decodes bytes read from `path` (used for messages only).
pub fn decode(path: &Path, bytes: &[u8]) -> Result<String> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        if encoding == encoding_rs::UTF_8 {
            return utf8(path, body, bom_len);
        }
        return match encoding.decode_without_bom_handling_and_without_replacement(body) {
            Some(text) => Ok(text.into_owned()),
            None => Err(Error::Malformed {
                path: path.into(),
                format: "text",
                message: format!("the file starts with a {} byte-order mark but holds invalid {} data; re-export it as UTF-8", encoding.name(), encoding.name()),
            }),
        };
    }
    utf8(path, bytes, 0)
}

fn utf8(path: &Path, bytes: &[u8], base: usize) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(Error::Encoding {
            path: path.to_path_buf(),
            offset: base + e.valid_up_to(),
        }),
    }
}

/// Removes HTML tags and entities and collapses white space.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_reports_invalid_bytes() {
        let p = Path::new("x.csv");
        assert_eq!(decode(p, b"\xEF\xBB\xBFabc").unwrap(), "abc");
        match decode(p, b"ab\xE9c") {
            Err(Error::Encoding { offset, .. }) => assert_eq!(offset, 2),
            other => panic!("expected an encoding error, got {other:?}"),
        }
    }
}

/// Folds `text` for matching: lower case, diacritics removed ("Geïnvesteerd"
/// becomes "geinvesteerd"). Each character maps to exactly one character, so
/// code-point offsets in the folded text are offsets in the original.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Folds one character (see [`fold`]).
pub fn fold_char(c: char) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    if lower.is_ascii() {
        return lower;
    }
    let mut base = None;
    unicode_normalization::char::decompose_canonical(lower, |d| {
        if base.is_none() && !unicode_normalization::char::is_combining_mark(d) {
            base = Some(d);
        }
    });
    base.unwrap_or(lower)
}

/// Folds `text` for rule matching into pure ASCII, one character for one
/// character: [`fold`], then any remaining non-ASCII letter or digit becomes
/// `_` (a word character) and any other non-ASCII character (emoji, `€`,
/// typographic quotes) becomes DEL (`\x7f`), which no rule matches and which
/// is neither a word character nor white space nor Markdown. Code-point offsets in the result are
/// offsets in the original, and ASCII-only regexes run on the fast DFA.
pub fn match_key(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            out.push(b.to_ascii_lowercase());
            i += 1;
            continue;
        }
        // `i` is at a character boundary: ASCII bytes are whole characters
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        let f = fold_char(c);
        out.push(if f.is_ascii() {
            f as u8
        } else if f.is_alphanumeric() {
            b'_'
        } else {
            0x7f
        });
    }
    // every byte pushed is ASCII
    String::from_utf8(out).unwrap_or_default()
}

/// Normalises a name for lookup: folded, "gemeente " prefix removed,
/// punctuation turned into single spaces ("'s-Hertogenbosch" -> "s hertogenbosch").
pub fn name_key(name: &str) -> String {
    let folded = fold(name.trim());
    let folded = folded.strip_prefix("gemeente ").unwrap_or(&folded);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod fold_tests {
    use super::*;

    #[test]
    fn fold_keeps_code_point_count() {
        let s = "Geïnvesteerd in Súdwest-Fryslân 🙂";
        assert_eq!(fold(s), "geinvesteerd in sudwest-fryslan 🙂");
        assert_eq!(fold(s).chars().count(), s.chars().count());
    }

    #[test]
    fn match_keys_are_ascii_with_the_same_code_points() {
        let s = "Geïnvesteerd: € 5 in Ærø 🙂 en Straße";
        let k = match_key(s);
        assert!(k.is_ascii());
        assert_eq!(k.chars().count(), s.chars().count());
        assert_eq!(k, "geinvesteerd: \x7f 5 in _r_ \x7f en stra_e");
    }

    #[test]
    fn name_keys_ignore_case_accents_and_punctuation() {
        assert_eq!(name_key("'s-Hertogenbosch"), "s hertogenbosch");
        assert_eq!(name_key("Gemeente  Súdwest-Fryslân"), "sudwest fryslan");
        assert_eq!(name_key("Hengelo (O.)"), "hengelo o");
    }
}
