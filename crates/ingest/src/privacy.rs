//! Pseudonymisation of text that reaches a report or export (AVG/GDPR).
//!
//! This first version replaces e-mail addresses and Dutch phone numbers by
//! stable pseudonyms (`[e-mail 1]`, `[telefoon 1]`): the same value gets the
//! same pseudonym everywhere in one [`Pseudonymiser`]. The mapping stays in
//! memory; nothing of it is written into a report.

use std::collections::BTreeMap;

use regex::Regex;

/// Replaces personal data by numbered pseudonyms, consistently.
pub struct Pseudonymiser {
    patterns: Vec<(&'static str, Regex)>,
    seen: BTreeMap<(&'static str, String), usize>,
    counts: BTreeMap<&'static str, usize>,
}

impl Default for Pseudonymiser {
    fn default() -> Self {
        Self::new()
    }
}

impl Pseudonymiser {
    pub fn new() -> Pseudonymiser {
        let email =
            Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b").expect("valid regex");
        // 06-12345678, 06 1234 5678, 010-1234567, +31 6 12345678, 0031 20 123 4567
        let phone = Regex::new(r"(?:\+31|\b0031|\b0)[\s-]?(?:\(0\))?[\s-]?[1-9](?:[\s-]?\d){8}\b")
            .expect("valid regex");
        Pseudonymiser {
            patterns: vec![("e-mail", email), ("telefoon", phone)],
            seen: BTreeMap::new(),
            counts: BTreeMap::new(),
        }
    }

    /// Returns `text` with personal data replaced.
    pub fn apply(&mut self, text: &str) -> String {
        let mut out = text.to_string();
        for (kind, re) in &self.patterns {
            let mut result = String::with_capacity(out.len());
            let mut last = 0;
            for m in re.find_iter(&out) {
                let key = (*kind, m.as_str().to_string());
                let n = match self.seen.get(&key) {
                    Some(n) => *n,
                    None => {
                        let c = self.counts.entry(kind).or_default();
                        *c += 1;
                        self.seen.insert(key, *c);
                        *c
                    }
                };
                result.push_str(&out[last..m.start()]);
                result.push_str(&format!("[{kind} {n}]"));
                last = m.end();
            }
            result.push_str(&out[last..]);
            out = result;
        }
        out
    }
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
        let kept = "EUR 150.000 op 14 december 2021, artikel 12, 2024-2027, postcode 1234 AB";
        assert_eq!(p.apply(kept), kept);
        assert_eq!(p.apply("+31 6 12345678"), "[telefoon 3]");
    }
}
