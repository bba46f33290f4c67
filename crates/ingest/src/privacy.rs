//! Pseudonymisation (AVG/GDPR) of text that reaches a report or export.
//!
//! Replaced by numbered pseudonyms, the same value always by the same one:
//! e-mail addresses (`[e-mail 1]`), Dutch phone numbers (`[telefoon 1]`),
//! BSN numbers that pass the 11-check (`[bsn 1]`), IBANs that pass the
//! mod-97 check (`[iban 1]`), postcodes with a house number and street
//! addresses (`[adres 1]`), and person names (`[persoon 1]`): names after
//! "Behandelaar:", "Contactpersoon:", "Naam:" and the like, the line after
//! "Met vriendelijke groet", and every name in a user list.
//!
//! Look-alikes stay: amounts (EUR 150.000), dates (14-12-2021), years and
//! ranges (2024-2027), article numbers, nine-digit numbers that fail the
//! 11-check. The mapping from pseudonym to original is kept in memory and
//! written only to a separate local file ([`mapping_csv`]),
//! never into a report or export.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;

/// Replaces personal data by numbered pseudonyms, consistently.
pub struct Pseudonymiser {
    patterns: Vec<(&'static str, Regex)>,
    names: Vec<String>,
    label_line: Regex,
    greeting: Regex,
    seen: BTreeMap<(&'static str, String), usize>,
    counts: BTreeMap<&'static str, usize>,
}

impl Default for Pseudonymiser {
    fn default() -> Self {
        Self::new()
    }
}

fn bsn_valid(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 9 {
        return false;
    }
    let sum: i64 = d
        .iter()
        .take(8)
        .enumerate()
        .map(|(i, x)| (9 - i as i64) * i64::from(*x))
        .sum::<i64>()
        - i64::from(d[8]);
    sum % 11 == 0 && sum != 0
}

fn iban_valid(iban: &str) -> bool {
    let s: String = iban
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if s.len() < 15 {
        return false;
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut rem: u32 = 0;
    for c in rearranged.chars() {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        for digit in v.to_string().chars() {
            rem = (rem * 10 + digit.to_digit(10).unwrap_or(0)) % 97;
        }
    }
    rem == 1
}

impl Pseudonymiser {
    pub fn new() -> Pseudonymiser {
        Self::with_names(&[])
    }

    /// A pseudonymiser that also replaces the given person names.
    pub fn with_names(names: &[String]) -> Pseudonymiser {
        let re = |p: &str| Regex::new(p).expect("valid built-in regex");
        let mut names: Vec<String> = names
            .iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        // longest first, so "Jan de Vries" wins over "Jan"
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Pseudonymiser {
            patterns: vec![
                (
                    "e-mail",
                    re(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b"),
                ),
                (
                    "iban",
                    re(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b"),
                ),
                (
                    "telefoon",
                    re(r"(?:\+31|\b0031|\b0)[\s-]?(?:\(0\))?[\s-]?[1-9](?:[\s-]?\d){8}\b"),
                ),
                (
                    "bsn",
                    re(r"\b\d{9}\b|\b\d{4}\.\d{2}\.\d{3}\b|\b\d{3}\.\d{3}\.\d{3}\b"),
                ),
                (
                    "adres",
                    re(
                        r"\b[A-Z][a-zà-ÿ'’-]+(?:straat|weg|laan|plein|kade|gracht|dijk|singel|hof|pad|steeg|dreef|markt|park)\s+\d{1,4}(?:\s?[a-zA-Z])?\b|\b[1-9]\d{3}\s?(?:[A-RT-Z][A-Z]|S[BCE-RT-Z])\b(?:\s+\d{1,4}[a-z]?\b)?",
                    ),
                ),
            ],
            names,
            label_line: re(
                r"(?im)^[ \t]*(?:behandelaar|contactpersoon|naam|van|aan|geïnterviewde|respondent|opgesteld door|ondertekend)[ \t]*:[ \t]*([A-Z][\p{L}.'’-]*(?:[ \t]+(?:van|de|der|den|ter|te|het|\p{Lu}[\p{L}.'’-]*)){0,4})",
            ),
            greeting: re(
                r"(?im)^[ \t]*met (?:vriendelijke|hartelijke) groet(?:en)?,?[ \t]*\r?\n(?:[ \t]*\r?\n)*[ \t]*([A-Z][\p{L}.'’-]*(?:[ \t]+(?:van|de|der|den|ter|te|het|\p{Lu}[\p{L}.'’-]*)){0,4})",
            ),
            seen: BTreeMap::new(),
            counts: BTreeMap::new(),
        }
    }

    fn pseudonym(&mut self, kind: &'static str, original: &str) -> String {
        let key = (kind, original.to_string());
        let n = match self.seen.get(&key) {
            Some(n) => *n,
            None => {
                let c = self.counts.entry(kind).or_default();
                *c += 1;
                self.seen.insert(key, *c);
                *c
            }
        };
        format!("[{kind} {n}]")
    }

    /// Returns `text` with personal data replaced.
    pub fn apply(&mut self, text: &str) -> String {
        // names found in label and greeting lines join the list for this text and after
        let mut found: Vec<String> = Vec::new();
        for re in [&self.label_line, &self.greeting] {
            for c in re.captures_iter(text) {
                if let Some(m) = c.get(1) {
                    let name = m.as_str().trim().to_string();
                    if name.chars().any(char::is_alphabetic) && !self.names.contains(&name) {
                        found.push(name);
                    }
                }
            }
        }
        if !found.is_empty() {
            self.names.extend(found);
            self.names.sort_by_key(|n| std::cmp::Reverse(n.len()));
            self.names.dedup();
        }
        let mut out = text.to_string();
        for name in self.names.clone() {
            let re = Regex::new(&format!(r"\b{}\b", regex::escape(&name))).expect("escaped name");
            if re.is_match(&out) {
                let p = self.pseudonym("persoon", &name);
                out = re.replace_all(&out, p.as_str()).into_owned();
            }
        }
        let patterns = self.patterns.clone();
        for (kind, re) in &patterns {
            let mut result = String::with_capacity(out.len());
            let mut last = 0;
            for m in re.find_iter(&out) {
                let valid = match *kind {
                    "bsn" => bsn_valid(m.as_str()),
                    "iban" => iban_valid(m.as_str()),
                    _ => true,
                };
                if !valid {
                    continue;
                }
                result.push_str(&out[last..m.start()]);
                result.push_str(&self.pseudonym(kind, m.as_str()));
                last = m.end();
            }
            result.push_str(&out[last..]);
            out = result;
        }
        out
    }

    /// The pseudonyms handed out: (pseudonym, original), sorted.
    pub fn mapping(&self) -> Vec<(String, String)> {
        let mut m: Vec<(String, String)> = self
            .seen
            .iter()
            .map(|((k, orig), n)| (format!("[{k} {n}]"), orig.clone()))
            .collect();
        m.sort();
        m
    }
}

/// A pseudonym mapping as CSV (pseudoniem, origineel), for the local file
/// named by `path` (the caller writes it). Keep that file out of anything
/// you share.
pub fn mapping_csv(path: &Path, mapping: &[(String, String)]) -> crate::Result<Vec<u8>> {
    let err = |e: csv::Error| {
        crate::Error::invalid(path, format!("cannot write the pseudonym mapping: {e}"))
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["pseudoniem", "origineel"]).map_err(err)?;
    for (p, o) in mapping {
        w.write_record([p, o]).map_err(err)?;
    }
    w.into_inner().map_err(|e| {
        crate::Error::invalid(path, format!("cannot write the pseudonym mapping: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_emails_and_phones_stably_and_keeps_lookalikes() {
        let mut p = Pseudonymiser::new();
        let got = p.apply("Mail jan@voorbeeld.example of bel 06-12345678; ook 010 123 4567 en weer jan@voorbeeld.example.");
        assert_eq!(
            got,
            "Mail [e-mail 1] of bel [telefoon 1]; ook [telefoon 2] en weer [e-mail 1]."
        );
        let kept = "EUR 150.000 op 14 december 2021 (14-12-2021), artikel 12 lid 3, 2024-2027, € 5.500.000, 0,58%, nummer 123456789.";
        assert_eq!(p.apply(kept), kept);
        assert_eq!(p.apply("+31 6 12345678"), "[telefoon 3]");
    }

    #[test]
    fn bsn_iban_and_addresses() {
        let mut p = Pseudonymiser::new();
        // 111222333 passes the 11-check; 123456789 does not
        assert_eq!(
            p.apply("BSN 111222333, niet 123456789."),
            "BSN [bsn 1], niet 123456789."
        );
        assert_eq!(
            p.apply("Rekening NL91 ABNA 0417 1643 00 graag."),
            "Rekening [iban 1] graag."
        );
        assert_eq!(p.apply("NL91ABNA0417164300"), "[iban 2]");
        assert_eq!(
            p.apply("NL91ABNA0417164301"),
            "NL91ABNA0417164301",
            "a failing check digit stays"
        );
        assert_eq!(
            p.apply("Woont op Dorpsstraat 12a, 1234 AB Voorbeeldstad."),
            "Woont op [adres 1], [adres 2] Voorbeeldstad."
        );
        assert_eq!(
            p.apply("Postcode 7511 JN 4 is het gemeentehuis"),
            "Postcode [adres 3] is het gemeentehuis"
        );
    }

    #[test]
    fn names_in_signature_and_label_lines_and_from_a_list() {
        let mut p = Pseudonymiser::with_names(&["Piet Proef".to_string()]);
        let text = "Behandelaar : Karel van Voorbeeld\nOnderwerp: POK-middelen\n\nPiet Proef belde. Karel van Voorbeeld ook.\n\nMet vriendelijke groet,\n\nAnna Fictief\nBeleidsadviseur";
        let got = p.apply(text);
        assert_eq!(
            got,
            "Behandelaar : [persoon 1]\nOnderwerp: POK-middelen\n\n[persoon 3] belde. [persoon 1] ook.\n\nMet vriendelijke groet,\n\n[persoon 2]\nBeleidsadviseur"
        );
        let m = p.mapping();
        assert!(m.contains(&("[persoon 1]".to_string(), "Karel van Voorbeeld".to_string())));
        assert!(!got.contains("Anna"));
    }
}
