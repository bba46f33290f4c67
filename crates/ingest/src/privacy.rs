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

//!
//! # How it scales
//!
//! Everything that can be built once is built once per run: the label and
//! greeting patterns and the structured patterns are compiled once per
//! process (one multi-pattern regex for all structured kinds), and the
//! names, those listed in the project and those found in label and
//! greeting lines of any text, go into one Aho-Corasick automaton built
//! once per batch ([`Pseudonymiser::new`]). Each text is then scanned in
//! two linear passes (names, then the structured patterns) on all cores
//! ([`Pseudonymiser::apply_all`]); the pseudonym numbers are handed out
//! afterwards, text by text in input order, so the result does not depend
//! on the number of threads.
//!
//! Within one text, names are numbered longest first (ties in list order),
//! then e-mail addresses, IBANs, phone numbers, BSNs and addresses, each in
//! text order: the numbering the earlier one-regex-per-name method gave.
//! One intended difference from that method: a name found in the
//! signature of any text is replaced in every text of the batch, also in
//! the texts before it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use pokeval_model::Progress;
use rayon::prelude::*;
use regex::Regex;

/// What a pseudonym stands for; the label appears in the pseudonym.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A person's name.
    Person,
    /// An e-mail address.
    Email,
    /// A bank account number (IBAN).
    Iban,
    /// A telephone number.
    Phone,
    /// A citizen service number (BSN).
    Bsn,
    /// A street address.
    Address,
}

impl Kind {
    /// The Dutch label used in pseudonyms (`[telefoon 2]`).
    pub fn label(self) -> &'static str {
        match self {
            Kind::Person => "persoon",
            Kind::Email => "e-mail",
            Kind::Iban => "iban",
            Kind::Phone => "telefoon",
            Kind::Bsn => "bsn",
            Kind::Address => "adres",
        }
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
    if s.len() < 15 || !s.is_char_boundary(4) {
        return false;
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut rem: u32 = 0;
    for c in rearranged.chars() {
        let Some(v) = c.to_digit(36) else {
            return false;
        };
        rem = if v < 10 {
            (rem * 10 + v) % 97
        } else {
            (rem * 100 + v) % 97
        };
    }
    rem == 1
}

/// Separator between digit groups of a phone number: a hyphen, dot or slash
/// with optional blanks around it, or blanks ("06 - 12 34 56 78", "020.123.45.67").
/// Never a line break: a number does not run over two lines.
macro_rules! sep {
    () => {
        r"(?:[ \t]*[-./][ \t]*|[ \t]+)"
    };
}

/// The structured kinds in priority order: at one position the first kind
/// that matches wins, as when each pattern ran over the text in turn.
///
/// Word boundaries are ASCII (`(?-u:\b)`) and digits `[0-9]`: a Unicode
/// `\b` makes the regex engine leave its fast automaton for a slow one on
/// any non-ASCII text (roughly 100x slower on Dutch text with "ë" or "ö").
/// The difference only shows next to a non-ASCII letter ("é06-12345678"),
/// where the ASCII rule masks and the Unicode rule would not.
///
/// A match is then checked in context by [`accept`]: BSN and IBAN check
/// digits, and the look-alikes a pattern alone cannot tell apart (a date
/// and time that happen to hold ten digits, a street name followed by a
/// year, an amount in euros with BSN-like groups).
const STRUCTURED: [(Kind, &str); 5] = [
    (
        Kind::Email,
        concat!(
            r"(?i:(?-u:\b)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}(?-u:\b))",
            // written to fool harvesters: name(at)domain.nl, name [at] domain [dot] nl
            r"|(?i:(?-u:\b)[a-z0-9._%+-]+[ \t]?[\[(](?:at|apenstaartje)[\])][ \t]?[a-z0-9-]+",
            r"(?:(?:\.|[ \t]?[\[(](?:dot|punt)[\])][ \t]?)[a-z0-9-]+)*(?:\.|[ \t]?[\[(](?:dot|punt)[\])][ \t]?)[a-z]{2,}(?-u:\b))",
        ),
    ),
    (
        Kind::Iban,
        r"(?i:(?-u:\b)[A-Z]{2}[0-9]{2}(?:[ \t]?[A-Z0-9]{4}){3,7}(?:[ \t]?[A-Z0-9]{1,3})?(?-u:\b))",
    ),
    (
        Kind::Phone,
        concat!(
            // service numbers: 0800/0900/0909 with four or seven digits
            r"(?-u:\b)0[89]0[0-9]",
            sep!(),
            r"?(?:[0-9](?:",
            sep!(),
            r"?[0-9]){6}|[0-9]{4})(?-u:\b)",
            // +31 6 12345678, 0031 (0)10 123 45 67
            r"|(?:\+|(?-u:\b)00)31[ \t]*-?[ \t]*(?:\(0\)[ \t]*-?[ \t]*)?[1-9](?:",
            sep!(),
            r"?[0-9]){8}(?-u:\b)",
            // an area code in brackets: (010) 123 45 67, (0546) 12 34 56
            r"|\(0[1-9]\)[ \t]*[0-9](?:",
            sep!(),
            r"?[0-9]){7}(?-u:\b)",
            r"|\(0[1-9][0-9]\)[ \t]*[0-9](?:",
            sep!(),
            r"?[0-9]){6}(?-u:\b)",
            r"|\(0[1-9][0-9]{2}\)[ \t]*[0-9](?:",
            sep!(),
            r"?[0-9]){5}(?-u:\b)",
            // ten digits from a 0, in any grouping: 06-12345678, 010 - 123 45 67
            r"|(?-u:\b)0[1-9](?:",
            sep!(),
            r"?[0-9]){8}(?-u:\b)",
        ),
    ),
    (
        Kind::Bsn,
        concat!(
            r"(?-u:\b)[0-9]{9}(?-u:\b)",
            r"|(?-u:\b)[0-9]{4}[. ][0-9]{2}[. ][0-9]{3}(?-u:\b)",
            r"|(?-u:\b)[0-9]{3}[. ][0-9]{3}[. ][0-9]{3}(?-u:\b)",
        ),
    ),
    (
        Kind::Address,
        concat!(
            // a street and house number: Dorpsstraat 12a, Nieuwe Gracht 45
            r"(?-u:\b)(?:(?:Nieuwe|Oude|Korte|Lange|Grote|Kleine|Hoge|Lage|Burgemeester|Dokter|Koningin|Prins|Prinses|Sint)[ \t]+)?",
            r"(?:[A-Z][a-zà-ÿ'’-]*(?:straat|weg|laan|plein|kade|gracht|dijk|singel|hof|pad|steeg|dreef|markt|park|plantsoen|allee|wal|haven)",
            r"|(?:Nieuwe|Oude|Korte|Lange|Grote|Kleine|Hoge|Lage)[ \t]+(?:Straat|Weg|Laan|Plein|Kade|Gracht|Dijk|Singel|Markt|Haven|Wal|Dreef|Steeg)",
            // Laan van Meerdervoort-style names
            r"|(?:Laan|Weg|Plein|Kade|Singel|Park|Hof|Dreef)[ \t]+(?:van|der|de|den|op|ten|ter|tot)(?:[ \t]+(?:de|der|den))?[ \t]+[A-Z][a-zà-ÿ'’-]+)",
            // the number with an addition: 12a, 12 A, 12-3, 100 bis
            r"[ \t]+[0-9]{1,4}(?:-[0-9]{1,4}|[ \t]+(?:bis|hs|huis|boven|beneden)|[ \t]?-?[ \t]?[a-zA-Z])?(?-u:\b)",
            // a postcode, with the house number when one follows
            r"|(?-u:\b)[1-9][0-9]{3}[ \t]?(?:[A-RT-Z][A-Z]|S[BCE-RT-Z])(?-u:\b)(?:[ \t]+[0-9]{1,4}[a-z]?(?-u:\b))?",
        ),
    ),
];

/// Compiled once per process: the structured kinds as one regex with one
/// group per kind (group `i + 1` is kind `i`: the kind patterns use only
/// non-capturing groups, checked by a test), the pattern that finds the
/// lines where names are written, and the context checks of [`accept`].
struct Patterns {
    structured: Regex,
    name_lines: Regex,
    name: Regex,
    date_start: Regex,
}

/// Words that open a line where a name follows: a label with a colon
/// ("Behandelaar: P. van der Berg"), a closing ("Met vriendelijke groet,"
/// with the name on that line or one of the next), or a salutation
/// ("Geachte heer Jansen,").
const LABELS: &str = "behandelaar|behandeld door|contact|from|to|contactpersoon|contactpersonen|naam|van|aan|cc|bcc|geïnterviewde|geinterviewde|respondent|interviewer|gesproken met|aanwezig|deelnemers|opgesteld door|ondertekend|auteur|notulist|verslaglegging|wethouder|burgemeester|casemanager|consulent|coördinator|coordinator|projectleider|teamleider|beleidsadviseur|beleidsmedewerker|klantmanager|schuldhulpverlener";
const CLOSINGS: &str = r"met[ \t]+(?:vriendelijke|hartelijke|collegiale|beste|warme)[ \t]+groet(?:en)?|vriendelijke[ \t]+groet(?:en)?|hartelijke[ \t]+groet(?:en)?|groet(?:en|jes)?|mvg|hoogachtend|namens(?-u:\b)[^\r\n,]*";
const SALUTATIONS: &str = "beste|geachte|hoi|hallo|dag|lieve";

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let alternation: Vec<String> = STRUCTURED
        .iter()
        .enumerate()
        .map(|(i, (_, p))| format!("(?P<k{i}>{p})"))
        .collect();
    // The patterns are constants: a failure here is a bug caught by every test.
    let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern: {e}"));
    Patterns {
        structured: re(&alternation.join("|")),
        name_lines: re(&format!(
            r"(?m)^[ \t]*(?:(?P<label>(?i:{LABELS}))[ \t]*:|(?P<closing>(?i:{CLOSINGS})[ \t]*[,.!]?|--[ \t]*$)|(?P<salutation>(?i:{SALUTATIONS}))[ \t]+)(?P<rest>[^\r\n]*)"
        )),
        // (longer tussenvoegsels first: "de" must not stop "der" half-way)
        name: re(
            r"^\p{Lu}[\p{L}.'’-]*(?:[ \t]+(?:(?:van|der|den|de|ten|ter|te|het|in|op|'t)\b|\p{Lu}[\p{L}.'’-]*)){0,5}",
        ),
        // a date, with a time or the end after it; "06.12.34.56.78" is no date
        date_start: re(
            r"^[0-9]{1,2}[-./][0-9]{1,2}[-./](?:[0-9]{4}|[0-9]{2})(?:$|[^0-9./-]|[ \t./-][^0-9])",
        ),
    }
});

/// Courtesy titles written before a name; they stay in the text.
const TITLES: [&str; 14] = [
    "drs.", "drs", "dr.", "mr.", "ir.", "ing.", "prof.", "mevr.", "mw.", "dhr.", "mevrouw", "heer",
    "de heer", "meneer",
];

/// Words that make a capitalised phrase an organisation or role, not a
/// person ("Gemeente Voorbeeldstad", "Team Schuldhulp", "Namens het
/// wijkteam"); compared lowercased with each word of a candidate name.
const NOT_NAMES: [&str; 36] = [
    "gemeente",
    "team",
    "afdeling",
    "college",
    "stichting",
    "ministerie",
    "provincie",
    "wijkteam",
    "bureau",
    "dienst",
    "namens",
    "sociaal",
    "domein",
    "raad",
    "gemeenteraad",
    "directie",
    "beleidsadviseur",
    "beleidsmedewerker",
    "teamleider",
    "casemanager",
    "wethouder",
    "burgemeester",
    "secretaris",
    "gemeentesecretaris",
    "directeur",
    "coördinator",
    "consulent",
    "klantmanager",
    "projectleider",
    "afdelingshoofd",
    "schuldhulp",
    "schuldhulpverlening",
    "werk",
    "inkomen",
    "collega's",
    "allen",
];

const TUSSENVOEGSELS: [&str; 11] = [
    "van", "de", "der", "den", "ten", "ter", "te", "het", "in", "op", "'t",
];

/// `candidate` is a person's name: some word of two letters or more that is
/// capitalised, not an initial ("J.") and not a tussenvoegsel, and no word
/// that marks an organisation or role.
fn is_name(candidate: &str) -> bool {
    let mut surname = false;
    for word in candidate.split_whitespace() {
        let lower = word.to_lowercase();
        if NOT_NAMES.contains(&lower.trim_end_matches([',', '.'])) {
            return false;
        }
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let initials = word.contains('.') && letters <= 3;
        if letters >= 2
            && !initials
            && !TUSSENVOEGSELS.contains(&lower.as_str())
            && word.chars().next().is_some_and(char::is_uppercase)
        {
            surname = true;
        }
    }
    surname
}

/// The name at the start of `piece` after any courtesy title, trimmed of
/// trailing punctuation; `whole`: only when the name is all of the piece.
fn name_at(piece: &str, whole: bool) -> Option<&str> {
    let mut rest = piece.trim();
    loop {
        let title = TITLES.iter().find(|t| {
            rest.as_bytes()
                .get(..t.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(t.as_bytes()))
                && matches!(rest.as_bytes().get(t.len()), Some(b' ' | b'\t'))
        });
        match title {
            Some(t) => rest = rest[t.len()..].trim_start(),
            None => break,
        }
    }
    let m = PATTERNS.name.find(rest)?;
    let name = m
        .as_str()
        .trim_end_matches(['.', ',', '-', '\'', '’', ' ', '\t']);
    if whole
        && !rest[m.end()..]
            .trim_matches([' ', '\t', ',', '.', '!'])
            .is_empty()
    {
        return None;
    }
    is_name(name).then_some(name)
}

/// The pieces of a line that can each hold one name: split at commas,
/// semicolons, slashes, pipes and " en ", and cut at an opening bracket
/// ("Anna Fictief (beleidsadviseur)", "Anna Fictief <anna@...>").
fn pieces(line: &str) -> impl Iterator<Item = &str> {
    line.split([',', ';', '/', '|', '&'])
        .flat_map(|p| p.split(" en "))
        .map(|p| p.split(['(', '<', '[']).next().unwrap_or(""))
}

/// Names written in label lines ("Behandelaar: ..."), in salutations
/// ("Beste Piet,") and after a closing ("Met vriendelijke groet," with the
/// name on that line or on one of the next three lines, past role lines
/// such as "de burgemeester,"), in text order.
fn names_in(text: &str) -> Vec<&str> {
    let p = &*PATTERNS;
    let mut found = Vec::new();
    for c in p.name_lines.captures_iter(text) {
        let Some(rest) = c.name("rest") else { continue };
        let rest_text = rest.as_str();
        if c.name("label").is_some() {
            found.extend(pieces(rest_text).filter_map(|piece| name_at(piece, false)));
        } else if c.name("salutation").is_some() {
            // "Beste Piet," "Geachte heer Proef," "Dag Karel en Sanne,": the
            // words before the first comma are names and nothing else
            let head = rest_text.split([',', '!', ':']).next().unwrap_or("");
            let names: Vec<Option<&str>> = head
                .split(" en ")
                .flat_map(|p| p.split('&'))
                .map(|piece| name_at(piece, true))
                .collect();
            if !names.is_empty() && names.iter().all(Option::is_some) {
                found.extend(names.into_iter().flatten());
            }
        } else if let Some(name) =
            closing_name(c.name("closing").map_or("", |m| m.as_str()), rest_text)
        {
            // "Met vriendelijke groet, J. Proef", "Namens Sem Fictief,"
            found.push(name);
        } else if rest_text.trim().is_empty() || rest_text.trim_end().ends_with(',') {
            // the name on one of the next lines, past blank and role lines
            let after = &text[rest.end()..];
            let mut looked = 0;
            for line in after.lines().skip(1) {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                if let Some(name) = pieces(line).next().and_then(|piece| name_at(piece, true)) {
                    found.push(name);
                    break;
                }
                looked += 1;
                if looked == 3 {
                    break;
                }
            }
        }
    }
    found
}

/// A name on the closing line itself: after the closing ("Met vriendelijke
/// groet, J. Proef") or inside it ("Namens Sem Fictief,").
fn closing_name<'t>(closing: &'t str, rest: &'t str) -> Option<&'t str> {
    if let Some(after) = closing
        .get(..6)
        .filter(|w| w.eq_ignore_ascii_case("namens"))
        .and_then(|_| closing.get(6..))
    {
        if let Some(name) = pieces(after).next().and_then(|p| name_at(p, false)) {
            return Some(name);
        }
    }
    pieces(rest).next().and_then(|p| name_at(p, false))
}

/// Whether a structured match of `kind` at `text[s..e]` stands: the check
/// digits of a BSN or IBAN, and the context that tells a phone number from
/// a date and time, a street from a title with a year, a BSN from an amount.
fn accept(kind: Kind, text: &str, s: usize, e: usize) -> bool {
    let m = &text[s..e];
    let before = text[..s].trim_end_matches([' ', '\t']);
    match kind {
        Kind::Bsn => {
            // "EUR 303.030.306" is an amount
            let eur = before.len() >= 3
                && before.as_bytes()[before.len() - 3..].eq_ignore_ascii_case(b"EUR");
            bsn_valid(m) && !before.ends_with('€') && !eur
        }
        Kind::Iban => iban_valid(m),
        Kind::Phone => {
            let b = &text.as_bytes()[..s];
            let a = &text.as_bytes()[e..];
            // part of a longer run of digit groups: a date, a time, a kenmerk
            let continues_before = b.len() >= 2
                && matches!(b[b.len() - 1], b'-' | b'.' | b'/' | b':')
                && b[b.len() - 2].is_ascii_digit();
            let continues_after = a.len() >= 2
                && matches!(a[0], b'-' | b'.' | b'/' | b':' | b',')
                && a[1].is_ascii_digit();
            !continues_before && !continues_after && !PATTERNS.date_start.is_match(m)
        }
        Kind::Address => {
            // "Arbeidsmarkt 2024" names a year, not a house
            let starts_with_letter = m.chars().next().is_some_and(char::is_alphabetic);
            let number: String = m
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            !(starts_with_letter
                && number.len() == 4
                && (number.starts_with("19") || number.starts_with("20")))
        }
        Kind::Email | Kind::Person => true,
    }
}

/// Stands in for a replaced name while the structured patterns run: a
/// non-word character that no pattern's class contains, as the `[` and `]`
/// of the pseudonym it becomes.
const NAME_MARK: char = '\u{E000}';

/// One text's personal data, found but not yet numbered.
#[derive(Debug)]
pub struct Scan {
    /// The text with each name replaced by [`NAME_MARK`].
    text: String,
    /// What to write: kept ranges of `text` and found items.
    parts: Vec<Part>,
    /// Distinct items in numbering order.
    items: Vec<(Kind, String)>,
}

#[derive(Debug)]
enum Part {
    Keep(usize, usize),
    Item(usize),
}

/// Finds personal data; built once for a batch of texts and shared by all
/// threads.
pub struct Pseudonymiser {
    /// Names to replace: the listed ones, then those found in the texts.
    names: Vec<String>,
    /// Rank of each name for numbering: longest first, ties in list order.
    rank: Vec<u32>,
    automaton: Option<AhoCorasick>,
}

impl Pseudonymiser {
    /// A pseudonymiser for `texts`: it replaces the `listed` names and every
    /// name that any of the texts gives in a label or greeting line.
    pub fn new(listed: &[String], texts: &[&str]) -> Pseudonymiser {
        let found: Vec<Vec<&str>> = texts.par_iter().map(|t| names_in(t)).collect();
        let mut names: Vec<String> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let listed = listed.iter().map(|n| n.trim());
        for name in listed.chain(found.iter().flatten().copied()) {
            if !name.is_empty() && seen.insert(name.to_string()) {
                names.push(name.to_string());
            }
        }
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(names[i].len()), i));
        let mut rank = vec![0u32; names.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = u32::try_from(r).unwrap_or(u32::MAX);
        }
        let automaton = if names.is_empty() {
            None
        } else {
            // Overlapping matches: the selection below prefers the longer
            // name and checks word boundaries itself.
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&names)
                .ok()
        };
        Pseudonymiser {
            names,
            rank,
            automaton,
        }
    }

    /// The structured kinds only, no names: the second guard over text
    /// that was pseudonymised when it was read (quotes in the report and
    /// the analysis), with [`Pseudonymiser::apply`].
    pub fn structured() -> Pseudonymiser {
        Pseudonymiser::new(&[], &[])
    }

    /// One text, numbered on `pseudonyms`.
    pub fn apply(&self, text: &str, pseudonyms: &mut Pseudonyms) -> String {
        match self.scan(text) {
            Some(scan) => pseudonyms.write(scan),
            None => text.to_string(),
        }
    }

    /// The names this pseudonymiser replaces, listed ones first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Name occurrences to replace: `\bname\b` as the regex crate means it,
    /// longer names first, no two overlapping.
    fn name_spans(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let mut candidates: Vec<(u32, usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .filter(|m| word_bounded(text, m.start(), m.end()))
            .map(|m| {
                let id = m.pattern().as_usize();
                (self.rank[id], m.start(), m.end(), id)
            })
            .collect();
        if candidates.is_empty() {
            return candidates
                .into_iter()
                .map(|(_, s, e, id)| (s, e, id))
                .collect();
        }
        candidates.sort_unstable();
        // accepted spans by start; a candidate is taken when it overlaps none
        let mut taken: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for (_, s, e, id) in candidates {
            let before = taken.range(..e).next_back();
            if before.is_some_and(|(_, &(end, _))| end > s) {
                continue;
            }
            taken.insert(s, (e, id));
        }
        taken.into_iter().map(|(s, (e, id))| (s, e, id)).collect()
    }

    /// Finds the personal data in `text`; `None` when there is none.
    pub fn scan(&self, text: &str) -> Option<Scan> {
        let names = self.name_spans(text);
        // names first: the structured patterns run on the text with the
        // names already taken out (without names, on the text itself)
        let (inter, marks, structured) = if names.is_empty() {
            let structured = structured_matches(text);
            if structured.is_empty() {
                return None;
            }
            (text.to_string(), Vec::new(), structured)
        } else {
            let mut inter = String::with_capacity(text.len());
            let mut marks: Vec<(usize, usize)> = Vec::with_capacity(names.len());
            let mut last = 0;
            for &(s, e, id) in &names {
                inter.push_str(&text[last..s]);
                marks.push((inter.len(), id));
                inter.push(NAME_MARK);
                last = e;
            }
            inter.push_str(&text[last..]);
            let structured = structured_matches(&inter);
            (inter, marks, structured)
        };
        let mut parts = Vec::new();
        // numbering order: names by rank, then kinds in priority order,
        // each in text order
        let mut items: Vec<(Kind, String)> = Vec::new();
        let mut index: HashMap<(Kind, &str), usize> = HashMap::new();
        let mut name_ids: Vec<usize> = marks.iter().map(|&(_, id)| id).collect();
        name_ids.sort_unstable_by_key(|&id| self.rank[id]);
        name_ids.dedup();
        for id in name_ids {
            index.insert((Kind::Person, self.names[id].as_str()), items.len());
            items.push((Kind::Person, self.names[id].clone()));
        }
        let mut by_kind: Vec<&(Kind, usize, usize)> = structured.iter().collect();
        by_kind.sort_by_key(|&&(k, s, _)| (k, s));
        for &&(k, s, e) in &by_kind {
            let original = &inter[s..e];
            if let std::collections::hash_map::Entry::Vacant(e) = index.entry((k, original)) {
                e.insert(items.len());
                items.push((k, original.to_string()));
            }
        }
        // what to write, in text order
        let mut events: Vec<(usize, usize, usize)> = marks
            .iter()
            .map(|&(at, id)| {
                (
                    at,
                    at + NAME_MARK.len_utf8(),
                    index[&(Kind::Person, self.names[id].as_str())],
                )
            })
            .collect();
        events.extend(
            structured
                .iter()
                .map(|&(k, s, e)| (s, e, index[&(k, &inter[s..e])])),
        );
        events.sort_unstable();
        let mut last = 0;
        for (s, e, item) in events {
            if s > last {
                parts.push(Part::Keep(last, s));
            }
            parts.push(Part::Item(item));
            last = e;
        }
        if last < inter.len() {
            parts.push(Part::Keep(last, inter.len()));
        }
        drop(index);
        Some(Scan {
            text: inter,
            parts,
            items,
        })
    }

    /// Pseudonymises a batch: scans every text on all cores, then numbers
    /// the pseudonyms text by text in input order. `None` where a text has
    /// no personal data and stays as it is.
    pub fn apply_all(
        &self,
        texts: &[&str],
        pseudonyms: &mut Pseudonyms,
        progress: &dyn Progress,
    ) -> Vec<Option<String>> {
        let scans = pokeval_model::par_map_counted(texts, progress, |t| self.scan(t));
        scans
            .into_iter()
            .map(|scan| scan.map(|s| pseudonyms.write(s)))
            .collect()
    }
}

/// The structured matches in `text` as (kind, start, end): one pass, the
/// earliest match first, at one position the kind of highest priority;
/// a BSN or IBAN that fails its check is not a match, and the search goes
/// on from the next character.
fn structured_matches(text: &str) -> Vec<(Kind, usize, usize)> {
    let re = &PATTERNS.structured;
    let mut out = Vec::new();
    // every structured kind holds a digit or an '@', or an e-mail address
    // written as "name(at)domain" or "name [at] domain"
    let obfuscated = || {
        text.as_bytes().windows(3).any(|w| {
            w[0].eq_ignore_ascii_case(&b'a')
                && w[1].eq_ignore_ascii_case(&b't')
                && matches!(w[2], b')' | b']')
        })
    };
    if !text.bytes().any(|b| b.is_ascii_digit() || b == b'@') && !obfuscated() {
        return out;
    }
    let mut locs = re.capture_locations();
    let mut at = 0;
    while at <= text.len() {
        let Some(m) = re.captures_read_at(&mut locs, text, at) else {
            break;
        };
        let kind = (0..STRUCTURED.len())
            .find(|&i| locs.get(i + 1).is_some())
            .map(|i| STRUCTURED[i].0);
        let valid = kind.is_some_and(|k| accept(k, text, m.start(), m.end()));
        if let (true, Some(kind)) = (valid, kind) {
            out.push((kind, m.start(), m.end()));
            at = m.end().max(m.start() + 1);
        } else {
            at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// `text[s..e]` is bounded as `\b...\b` requires where the name begins or
/// ends with a word character: no word character beside it, with Unicode
/// word characters as the regex crate has them.
fn word_bounded(text: &str, s: usize, e: usize) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(regex_syntax::is_word_character);
    let first = text[s..e].chars().next();
    let last = text[s..e].chars().next_back();
    let before = text[..s].chars().next_back();
    let after = text[e..].chars().next();
    // an edge that is not a word character ("J." ending a name) needs no
    // boundary: `\b` there would demand a letter beside it
    (!is_word(first) || !is_word(before)) && (!is_word(last) || !is_word(after))
}

/// The pseudonyms handed out in a run: the same original always gets the
/// same number.
#[derive(Debug, Default)]
pub struct Pseudonyms {
    seen: HashMap<(Kind, String), usize>,
    counts: HashMap<Kind, usize>,
}

impl Pseudonyms {
    /// Numbers a scan's items and returns its text with the pseudonyms in.
    pub fn write(&mut self, scan: Scan) -> String {
        let labels: Vec<String> = scan
            .items
            .into_iter()
            .map(|(kind, original)| {
                let n = match self.seen.get(&(kind, original.clone())) {
                    Some(n) => *n,
                    None => {
                        let c = self.counts.entry(kind).or_default();
                        *c += 1;
                        self.seen.insert((kind, original), *c);
                        *c
                    }
                };
                format!("[{} {n}]", kind.label())
            })
            .collect();
        let mut out = String::with_capacity(scan.text.len() + 16 * labels.len());
        for part in scan.parts {
            match part {
                Part::Keep(s, e) => out.push_str(&scan.text[s..e]),
                Part::Item(i) => out.push_str(&labels[i]),
            }
        }
        out
    }

    /// The pseudonyms handed out: (pseudonym, original), sorted.
    pub fn mapping(&self) -> Vec<(String, String)> {
        let mut m: Vec<(String, String)> = self
            .seen
            .iter()
            .map(|((k, orig), n)| (format!("[{} {n}]", k.label()), orig.clone()))
            .collect();
        m.sort();
        m
    }
}

/// Pseudonymises `texts` in one batch with the `listed` names; returns the
/// new texts (`None`: unchanged) and the mapping.
pub fn pseudonymise(
    listed: &[String],
    texts: &[&str],
    progress: &dyn Progress,
) -> (Vec<Option<String>>, Vec<(String, String)>) {
    let p = Pseudonymiser::new(listed, texts);
    let mut pseudonyms = Pseudonyms::default();
    let out = p.apply_all(texts, &mut pseudonyms, progress);
    (out, pseudonyms.mapping())
}

/// A pseudonym mapping as CSV (pseudoniem, origineel), for the local file
/// named by `path` (the caller writes it). Keep that file out of anything
/// you share.
pub fn mapping_csv(path: &Path, mapping: &[(String, String)]) -> crate::Result<Vec<u8>> {
    let err = |e: csv::Error| crate::Error::write(path, e.into());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["pseudoniem", "origineel"]).map_err(err)?;
    for (p, o) in mapping {
        w.write_record([p, o]).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| crate::Error::write(path, e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The earlier method, kept as the oracle: one regex per name per text,
    /// then each structured pattern over the text in turn, names found in a
    /// text's label and greeting lines joining the list for that text and
    /// the texts after it.
    mod oracle {
        use super::super::{accept, names_in, STRUCTURED};
        use regex::Regex;
        use std::collections::BTreeMap;

        pub struct Old {
            names: Vec<String>,
            seen: BTreeMap<(&'static str, String), usize>,
            counts: BTreeMap<&'static str, usize>,
        }

        impl Old {
            pub fn new(names: &[String]) -> Old {
                let mut names: Vec<String> = names
                    .iter()
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .collect();
                names.sort_by_key(|n| std::cmp::Reverse(n.len()));
                Old {
                    names,
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

            pub fn apply(&mut self, text: &str) -> String {
                let found: Vec<String> = names_in(text)
                    .into_iter()
                    .map(str::to_string)
                    .filter(|n| !self.names.contains(n))
                    .collect();
                if !found.is_empty() {
                    self.names.extend(found);
                    self.names.sort_by_key(|n| std::cmp::Reverse(n.len()));
                    self.names.dedup();
                }
                let mut out = text.to_string();
                for name in self.names.clone() {
                    // (a shortcut that cannot change the result: no regex
                    // for a name that is not in the text at all)
                    if !out.contains(name.as_str()) {
                        continue;
                    }
                    let re = Regex::new(&format!(r"\b{}\b", regex::escape(&name))).unwrap();
                    if re.is_match(&out) {
                        let p = self.pseudonym("persoon", &name);
                        out = re.replace_all(&out, p.as_str()).into_owned();
                    }
                }
                for (kind_of, pattern) in STRUCTURED {
                    let re = Regex::new(pattern).unwrap();
                    let kind = kind_of.label();
                    let mut result = String::with_capacity(out.len());
                    let mut last = 0;
                    for m in re.find_iter(&out) {
                        if !accept(kind_of, &out, m.start(), m.end()) {
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
    }

    fn one(names: &[&str], texts: &[&str]) -> (Vec<String>, Vec<(String, String)>) {
        let names: Vec<String> = names.iter().map(std::string::ToString::to_string).collect();
        let (out, mapping) = pseudonymise(&names, texts, &pokeval_model::NoProgress);
        let out = out
            .into_iter()
            .zip(texts)
            .map(|(o, t)| o.unwrap_or_else(|| t.to_string()))
            .collect();
        (out, mapping)
    }

    #[test]
    fn one_group_per_kind() {
        assert_eq!(PATTERNS.structured.captures_len(), STRUCTURED.len() + 1);
    }

    #[test]
    fn replaces_emails_and_phones_stably_and_keeps_lookalikes() {
        let kept = "EUR 150.000 op 14 december 2021 (14-12-2021), artikel 12 lid 3, 2024-2027, € 5.500.000, 0,58%, nummer 123456789.";
        let (got, _) = one(
            &[],
            &[
                "Mail jan@voorbeeld.example of bel 06-12345678; ook 010 123 4567 en weer jan@voorbeeld.example.",
                kept,
                "+31 6 12345678",
            ],
        );
        assert_eq!(
            got[0],
            "Mail [e-mail 1] of bel [telefoon 1]; ook [telefoon 2] en weer [e-mail 1]."
        );
        assert_eq!(got[1], kept);
        assert_eq!(got[2], "[telefoon 3]");
    }

    #[test]
    fn bsn_iban_and_addresses() {
        let (got, _) = one(
            &[],
            &[
                "BSN 111222333, niet 123456789.",
                "Rekening NL91 ABNA 0417 1643 00 graag.",
                "NL91ABNA0417164300",
                "NL91ABNA0417164301",
                "Woont op Dorpsstraat 12a, 1234 AB Voorbeeldstad.",
                "Postcode 7511 JN 4 is het gemeentehuis",
            ],
        );
        // 111222333 passes the 11-check; 123456789 does not
        assert_eq!(got[0], "BSN [bsn 1], niet 123456789.");
        assert_eq!(got[1], "Rekening [iban 1] graag.");
        assert_eq!(got[2], "[iban 2]");
        assert_eq!(got[3], "NL91ABNA0417164301", "a failing check digit stays");
        assert_eq!(got[4], "Woont op [adres 1], [adres 2] Voorbeeldstad.");
        assert_eq!(got[5], "Postcode [adres 3] is het gemeentehuis");
    }

    #[test]
    fn names_in_signature_and_label_lines_and_from_a_list() {
        let text = "Behandelaar : Karel van Voorbeeld\nOnderwerp: POK-middelen\n\nPiet Proef belde. Karel van Voorbeeld ook.\n\nMet vriendelijke groet,\n\nAnna Fictief\nBeleidsadviseur";
        let (got, m) = one(&["Piet Proef"], &[text]);
        assert_eq!(
            got[0],
            "Behandelaar : [persoon 1]\nOnderwerp: POK-middelen\n\n[persoon 3] belde. [persoon 1] ook.\n\nMet vriendelijke groet,\n\n[persoon 2]\nBeleidsadviseur"
        );
        assert!(m.contains(&("[persoon 1]".to_string(), "Karel van Voorbeeld".to_string())));
        assert!(!got[0].contains("Anna"));
    }

    #[test]
    fn a_name_from_a_later_signature_is_replaced_in_earlier_texts_too() {
        let (got, _) = one(
            &[],
            &[
                "Anna Fictief belde over de vouchers.",
                "Met vriendelijke groet,\nAnna Fictief",
            ],
        );
        assert_eq!(got[0], "[persoon 1] belde over de vouchers.");
        assert_eq!(got[1], "Met vriendelijke groet,\n[persoon 1]");
    }

    #[test]
    fn names_need_word_boundaries_and_the_longer_name_wins() {
        let (got, _) = one(
            &["Jan", "Jan de Vries", "Vries"],
            &["Jan de Vries en Jansen, Jan en Vries.", "Oranje Jan"],
        );
        // numbered longest first: Jan de Vries, Vries, Jan
        assert_eq!(got[0], "[persoon 1] en Jansen, [persoon 3] en [persoon 2].");
        assert_eq!(got[1], "Oranje [persoon 3]");
    }

    /// Fictitious names: initials, tussenvoegsels, accents.
    fn sample_names(n: usize) -> Vec<String> {
        let first = [
            "Anna", "Karel", "Piet", "Bram", "Sanne", "Joëlle", "Daan", "Fleur", "Ruben", "Noor",
            "Teun", "Iris", "Sem", "Lotte", "Mila", "Jip", "Ilse", "Koen", "Femke", "Thijs", "Evi",
            "Lars", "Sara", "Guus", "Nina",
        ];
        let prefix = ["", "van ", "de ", "van der ", "ter "];
        let last = [
            "Fictief",
            "Voorbeeld",
            "Proef",
            "Testmans",
            "Verzon",
            "Bedacht",
            "Nepstra",
            "Schijn",
            "Denkbeeld",
            "Modelaar",
        ];
        (0..n)
            .map(|i| {
                let f = first[i % first.len()];
                let p = prefix[(i / first.len()) % prefix.len()];
                let l = last[(i / (first.len() * prefix.len())) % last.len()];
                let initial = if (i / 1250) % 2 == 1 {
                    format!("{}. ", &f[..1])
                } else {
                    String::new()
                };
                format!("{initial}{f} {p}{l}")
            })
            .collect()
    }

    #[test]
    fn a_thousand_listed_names_give_what_the_per_name_method_gave() {
        let names = sample_names(1000);
        let mut texts: Vec<String> = Vec::new();
        for i in 0..120 {
            let a = &names[(i * 37) % names.len()];
            let b = &names[(i * 101 + 7) % names.len()];
            texts.push(format!(
                "Gesprek {i} over schuldhulp. {a} vertelde dat {b} het spreekuur draait; bel 06-1234{:04} of mail {}@voorbeeld.example.\n\
                 Behandelaar: {b}\nBSN 111222333 en bedrag EUR 4.500 op 14-12-2021, postcode 7511 JN 4.\n\
                 Met vriendelijke groet,\n\nMedewerker Fictief{}\nTeamleider",
                i % 37,
                a.split_whitespace().next().unwrap_or("x").to_lowercase(),
                i % 5,
            ));
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        // The oracle learns signature names text by text; give it every
        // discovered name up front, as the batch method does.
        let mut old = {
            let mut all = names.clone();
            for t in &refs {
                all.extend(names_in(t).into_iter().map(str::to_string));
            }
            let mut dedup = Vec::new();
            for n in all {
                if !dedup.contains(&n) {
                    dedup.push(n);
                }
            }
            oracle::Old::new(&dedup)
        };
        let expected: Vec<String> = refs.iter().map(|t| old.apply(t)).collect();
        let (got, mapping) = one(&names.iter().map(String::as_str).collect::<Vec<_>>(), &refs);
        assert_eq!(got, expected);
        assert_eq!(mapping, old.mapping());
        assert!(mapping.len() > 200, "{}", mapping.len());
    }

    #[test]
    fn the_example_kind_of_text_matches_the_oracle_text_by_text() {
        // Without names found later, the per-name method and the batch agree
        // text by text, including the order of discovery.
        let texts = [
            "Van: Anna Fictief\nAan: Karel van Voorbeeld\n\nBel mij op 010-1234567 of 06-12345678.",
            "Karel van Voorbeeld en Anna Fictief spraken; anna.fictief@voorbeeldgemeente.example.",
            "Geen persoonsgegevens hier, wel EUR 150.000 en 2024-2027.",
        ];
        let mut old = oracle::Old::new(&[]);
        let expected: Vec<String> = texts.iter().map(|t| old.apply(t)).collect();
        let (got, mapping) = one(&[], &texts);
        assert_eq!(got, expected);
        assert_eq!(mapping, old.mapping());
    }

    #[test]
    fn numbering_does_not_depend_on_threads() {
        let names = sample_names(300);
        let texts: Vec<String> = (0..400)
            .map(|i| format!("{} belde 06-1{:08}.", names[(i * 7) % 300], i * 13))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let single = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| one(&names.iter().map(String::as_str).collect::<Vec<_>>(), &refs));
        let many = one(&names.iter().map(String::as_str).collect::<Vec<_>>(), &refs);
        assert_eq!(single, many);
    }
}
