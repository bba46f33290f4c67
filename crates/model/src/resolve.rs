//! From what respondents type to a CBS municipality code.
//!
//! In order, the first that applies wins:
//! 1. the project's mapping file (`invoer,gemeentecode`): what the user
//!    settled before, always trusted;
//! 2. the register: CBS code, name or alias (`Den Bosch`), ignoring case,
//!    accents, punctuation and a leading "gemeente";
//! 3. a merger (herindeling): a former municipality such as `Weesp` or
//!    `Appingedam` resolves to its successor, when the merger took effect on
//!    or before 1 January of the wave's year. A municipality split over
//!    several successors (Haaren) cannot be placed and goes to review;
//! 4. fuzzy matching (Jaro-Winkler on the folded name): a clear best match
//!    at or above [`AUTO_SCORE`] that beats the runner-up by [`MARGIN`] is
//!    accepted and listed for review as `automatisch`; anything weaker is
//!    not accepted and listed as `te beoordelen` with the best suggestion.
//!
//! The review list ([`Resolver::review`]) has one line per distinct typed
//! text with its count, so a user settles "Groningn" once, by copying the
//! line into the mapping file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::domain::{field_error, Municipality};
use crate::error::{Error, Result};
use crate::register::Register;
use crate::table::CsvTable;
use crate::text::name_key;

/// Minimum Jaro-Winkler score for an automatic fuzzy match.
pub const AUTO_SCORE: f64 = 0.93;
/// How far the best fuzzy match must beat the next municipality.
pub const MARGIN: f64 = 0.03;
/// Below this score no suggestion is offered.
pub const SUGGEST_SCORE: f64 = 0.75;

/// Why a text names no municipality under the one rule; the caller adds
/// the file, line and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unresolved {
    /// Neither the mapping file, the register, a merger nor a fuzzy match
    /// knows it.
    #[error("municipality '{typed}' is not in the register")]
    NotInRegister {
        /// The text as typed, trimmed.
        typed: String,
    },
    /// Close to a municipality, but not close enough to take without a
    /// person deciding: `reason` says why, with the suggestion.
    #[error("municipality '{typed}' is not in the register ({reason}; perhaps {name} {code}, score {score:.2}); settle it in the mapping file (register.mapping)")]
    Uncertain {
        /// The text as typed, trimmed.
        typed: String,
        /// Why it was not taken.
        reason: String,
        /// The suggested municipality's CBS code.
        code: String,
        /// The suggested municipality's name.
        name: String,
        /// The similarity score of the suggestion (0 to 1).
        score: f64,
    },
    /// A clear fuzzy match, which a reference table (not listed for
    /// review) may not take.
    #[error("municipality '{typed}' is not in the register (closest: {name} {code}, score {score:.2}); correct it or settle it in the mapping file (register.mapping)")]
    Fuzzy {
        /// The text as typed, trimmed.
        typed: String,
        /// The closest municipality's CBS code.
        code: String,
        /// The closest municipality's name.
        name: String,
        /// The similarity score (0 to 1).
        score: f64,
    },
}

/// How a text was resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "how")]
pub enum Resolution {
    /// Settled by the project's mapping file.
    Mapped {
        /// The CBS code it maps to.
        code: String,
    },
    /// A name, alias or code in the register.
    Register {
        /// The CBS code.
        code: String,
    },
    /// A former municipality, followed to its successor through the mergers file.
    Merger {
        /// The successor's CBS code.
        code: String,
        /// The former municipality's CBS code.
        former: String,
        /// The date of the merger (yyyy-mm-dd).
        date: String,
    },
    /// A clear fuzzy match, accepted and listed for review.
    Fuzzy {
        /// The CBS code of the match.
        code: String,
        /// The similarity score (0 to 1).
        score: f64,
    },
    /// No clear match: a person must decide (rejected and listed for review).
    Uncertain {
        /// The best match and its score, when there is one.
        suggestion: Option<(String, f64)>,
        /// Why it was not accepted.
        reason: String,
    },
}

impl Resolution {
    /// The accepted code, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Resolution::Mapped { code }
            | Resolution::Register { code }
            | Resolution::Merger { code, .. }
            | Resolution::Fuzzy { code, .. } => Some(code),
            Resolution::Uncertain { .. } => None,
        }
    }
}

/// One merger row: a former municipality and a successor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Merger {
    /// The date the merger took effect (yyyy-mm-dd).
    pub date: String,
    /// The CBS code of the municipality that ceased to exist.
    pub old_code: String,
    /// Its name.
    pub old_name: String,
    /// The CBS code of the municipality it became part of.
    pub new_code: String,
    /// That municipality's name.
    pub new_name: String,
}

/// One line of the review list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    /// What respondents typed.
    pub invoer: String,
    /// How often the text occurred.
    pub aantal: usize,
    /// `automatisch` (accepted fuzzy match) or `te beoordelen` (not accepted).
    pub status: String,
    /// The CBS code of the suggested municipality, if any.
    pub voorstel_code: String,
    /// Its name.
    pub voorstel_naam: String,
    /// The similarity score of the suggestion, as text.
    pub score: String,
    /// Why the text was not settled.
    pub reden: String,
}

/// The mergers and mapping files of a project as read by a [`Resolver`]:
/// a build resolves names while reading its inputs, again when it compares
/// waves and again for the story pages, and reads the files once
/// ([`Resolver::files`], [`Resolver::with_loaded`]).
#[derive(Debug, Clone, Default)]
pub struct ResolverFiles {
    year: u16,
    mapping: HashMap<String, String>,
    mergers: HashMap<String, Vec<Merger>>,
}

/// Resolves typed municipality names for one wave.
#[derive(Debug, Clone)]
pub struct Resolver<'r> {
    register: &'r Register,
    year: u16,
    mapping: HashMap<String, String>,
    mergers: HashMap<String, Vec<Merger>>,
    names: Vec<(String, String)>,
    cache: std::cell::RefCell<HashMap<String, Resolution>>,
    counts: std::cell::RefCell<BTreeMap<String, (String, usize)>>,
}

impl<'r> Resolver<'r> {
    /// A resolver for `register` in the wave's `year`, with no mapping or mergers.
    pub fn new(register: &'r Register, year: u16) -> Resolver<'r> {
        let mut names = Vec::new();
        for m in register.iter() {
            names.push((name_key(&m.name), m.code.clone()));
            for a in &m.aliases {
                names.push((name_key(a), m.code.clone()));
            }
        }
        Resolver {
            register,
            year,
            mapping: HashMap::new(),
            mergers: HashMap::new(),
            names,
            cache: Default::default(),
            counts: Default::default(),
        }
    }

    /// A resolver with the optional mergers and mapping files a project or
    /// `pokeval ingest` names.
    pub fn with_files(
        register: &'r Register,
        year: u16,
        mergers: Option<&Path>,
        mapping: Option<&Path>,
    ) -> Result<Resolver<'r>> {
        let mut r = Resolver::new(register, year);
        if let Some(m) = mergers {
            r = r.with_mergers(m)?;
        }
        if let Some(m) = mapping {
            r = r.with_mapping(m)?;
        }
        Ok(r)
    }

    /// A resolver for `register` with the files another resolver read for
    /// it (the same register and wave), without reading them again.
    pub fn with_loaded(register: &'r Register, files: &ResolverFiles) -> Resolver<'r> {
        let mut r = Resolver::new(register, files.year);
        r.mapping = files.mapping.clone();
        r.mergers = files.mergers.clone();
        r
    }

    /// The mergers and mapping this resolver was given, for
    /// [`Resolver::with_loaded`].
    pub fn files(&self) -> ResolverFiles {
        ResolverFiles {
            year: self.year,
            mapping: self.mapping.clone(),
            mergers: self.mergers.clone(),
        }
    }

    /// Adds the mapping file (`invoer,gemeentecode`); every code must be in
    /// the register.
    pub fn with_mapping(mut self, path: &Path) -> Result<Self> {
        let t = CsvTable::read(path)?;
        let c_in = t.require("invoer", "the mapping file lists what was typed (invoer) and the CBS code it means (gemeentecode)")?;
        let c_code = t.require("gemeentecode", "the mapping file lists what was typed (invoer) and the CBS code it means (gemeentecode)")?;
        for row in t.rows() {
            let typed = row.get(c_in).trim();
            let code = row.get(c_code).trim().to_uppercase();
            if typed.is_empty() && code.is_empty() {
                continue;
            }
            if self.register.get(&code).is_none() {
                return Err(field_error(
                    path,
                    Some(row.line),
                    "gemeentecode",
                    format!("'{code}' is not in the register; use a CBS code such as GM0363"),
                ));
            }
            self.mapping.insert(name_key(typed), code);
        }
        Ok(self)
    }

    /// Adds the mergers file (CBS herindelingen layout: `ingangsdatum`,
    /// `oude_gemeentecode`, `oude_gemeentenaam`, `opvolger_gemeentecode`,
    /// `opvolger_gemeentenaam`).
    pub fn with_mergers(mut self, path: &Path) -> Result<Self> {
        let t = CsvTable::read(path)?;
        let hint = "a mergers file has the columns of the CBS herindelingen table";
        let c = |n: &str| t.require(n, hint);
        let (cd, co, cn, cs, csn) = (
            c("ingangsdatum")?,
            c("oude_gemeentecode")?,
            c("oude_gemeentenaam")?,
            c("opvolger_gemeentecode")?,
            c("opvolger_gemeentenaam")?,
        );
        for row in t.rows() {
            let m = Merger {
                date: row.get(cd).trim().to_string(),
                old_code: row.get(co).trim().to_string(),
                old_name: row.get(cn).trim().to_string(),
                new_code: row.get(cs).trim().to_string(),
                new_name: row.get(csn).trim().to_string(),
            };
            let year: u16 = m
                .date
                .get(..4)
                .and_then(|y| y.parse().ok())
                .ok_or_else(|| {
                    field_error(
                        path,
                        Some(row.line),
                        "ingangsdatum",
                        format!("'{}' is not a date (YYYY-MM-DD)", m.date),
                    )
                })?;
            // In effect for the wave when it started on or before 1 January.
            let in_effect = year < self.year || (year == self.year && m.date.ends_with("-01-01"));
            if in_effect {
                self.mergers
                    .entry(name_key(&m.old_name))
                    .or_default()
                    .push(m.clone());
                self.mergers.entry(m.old_code.clone()).or_default().push(m);
            }
        }
        Ok(self)
    }

    /// Resolves one typed text and counts it for the review list.
    pub fn resolve(&self, typed: &str) -> Resolution {
        let typed = typed.trim();
        let key = name_key(typed);
        let r = self.cached(typed, &key);
        if matches!(r, Resolution::Fuzzy { .. } | Resolution::Uncertain { .. }) {
            let mut counts = self.counts.borrow_mut();
            let e = counts.entry(key).or_insert_with(|| (typed.to_string(), 0));
            e.1 += 1;
        }
        r
    }

    /// The resolution of `typed` (trimmed, with its name key), computed
    /// once per key.
    fn cached(&self, typed: &str, key: &str) -> Resolution {
        if let Some(r) = self.cache.borrow().get(key) {
            return r.clone();
        }
        let r = self.resolve_uncached(typed, key);
        self.cache.borrow_mut().insert(key.to_string(), r.clone());
        r
    }

    /// Counts another occurrence of a text [`Resolver::resolve`] listed
    /// for review (a caller that resolves each spelling once calls this
    /// for the repeats).
    pub fn recount(&self, typed: &str) {
        if let Some(e) = self.counts.borrow_mut().get_mut(&name_key(typed.trim())) {
            e.1 += 1;
        }
    }

    fn resolve_uncached(&self, typed: &str, key: &str) -> Resolution {
        if typed.is_empty() {
            return Resolution::Uncertain {
                suggestion: None,
                reason: "no municipality given".into(),
            };
        }
        if let Some(code) = self.mapping.get(key) {
            return Resolution::Mapped { code: code.clone() };
        }
        if let Some(m) = self.register.resolve(typed) {
            return Resolution::Register {
                code: m.code.clone(),
            };
        }
        let merged = self
            .mergers
            .get(key)
            .or_else(|| self.mergers.get(&typed.to_uppercase()));
        if let Some(ms) = merged {
            let mut successors: Vec<&Merger> = ms.iter().collect();
            successors.dedup_by(|a, b| a.new_code == b.new_code);
            if successors.len() == 1 {
                let m = successors[0];
                if self.register.get(&m.new_code).is_some() {
                    return Resolution::Merger {
                        code: m.new_code.clone(),
                        former: m.old_name.clone(),
                        date: m.date.clone(),
                    };
                }
            } else {
                let names: Vec<String> = successors
                    .iter()
                    .map(|m| format!("{} ({})", m.new_name, m.new_code))
                    .collect();
                return Resolution::Uncertain {
                    suggestion: None,
                    reason: format!(
                        "{} was split over {} on {}; say which part is meant",
                        successors[0].old_name,
                        names.join(", "),
                        successors[0].date
                    ),
                };
            }
        }
        // Fuzzy: best score per municipality.
        let mut best: HashMap<&str, f64> = HashMap::new();
        for (name, code) in &self.names {
            let s = strsim::jaro_winkler(key, name);
            let e = best.entry(code.as_str()).or_insert(0.0);
            if s > *e {
                *e = s;
            }
        }
        let mut ranked: Vec<(&str, f64)> = best.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let first = ranked.first().copied();
        let second = ranked.get(1).map_or(0.0, |r| r.1);
        match first {
            Some((code, score)) if score >= AUTO_SCORE && score - second >= MARGIN => {
                Resolution::Fuzzy {
                    code: code.to_string(),
                    score,
                }
            }
            Some((code, score)) if score >= SUGGEST_SCORE => Resolution::Uncertain {
                suggestion: Some((code.to_string(), score)),
                reason: "no exact match; the suggestion is not certain enough to accept".into(),
            },
            _ => Resolution::Uncertain {
                suggestion: None,
                reason: "no municipality in the register resembles it".into(),
            },
        }
    }

    /// Resolves `typed` like [`Resolver::resolve`] without counting it
    /// for the review list (for comparing two spellings of one field).
    pub fn lookup(&self, typed: &str) -> Resolution {
        let typed = typed.trim();
        self.cached(typed, &name_key(typed))
    }

    /// The municipality `typed` names under the one rule (mapping file,
    /// register code, name or alias, merger, clear fuzzy match), or why
    /// it names none. Counted for the review list like
    /// [`Resolver::resolve`]; a note, which the research team wrote,
    /// fails with the reason ([`Resolver::require`]).
    pub fn accept(&self, typed: &str) -> std::result::Result<&Municipality, Unresolved> {
        let r = self.resolve(typed);
        self.municipality_of(&r, typed)
    }

    /// The municipality a row of a reference table (vouchers) names: the
    /// same rule, but a fuzzy match is not taken, since such a table is
    /// not listed for review. Uncounted; the reason when it names none.
    pub fn accept_exact(&self, typed: &str) -> std::result::Result<&Municipality, Unresolved> {
        match self.lookup(typed) {
            Resolution::Fuzzy { code, score } => Err(Unresolved::Fuzzy {
                typed: typed.trim().to_string(),
                name: self.name_of(&code),
                code,
                score,
            }),
            r => self.municipality_of(&r, typed),
        }
    }

    /// The register's name for `code` (empty when it has none).
    fn name_of(&self, code: &str) -> String {
        self.register
            .get(code)
            .map_or_else(String::new, |m| m.name.clone())
    }

    /// The register's municipality for an accepted resolution; for an
    /// uncertain one, the reason with the suggestion if there is one.
    fn municipality_of(
        &self,
        r: &Resolution,
        typed: &str,
    ) -> std::result::Result<&Municipality, Unresolved> {
        let typed = typed.trim().to_string();
        match r {
            Resolution::Uncertain {
                suggestion: Some((code, score)),
                reason,
            } => Err(Unresolved::Uncertain {
                name: self.name_of(code),
                typed,
                reason: reason.clone(),
                code: code.clone(),
                score: *score,
            }),
            accepted => accepted
                .code()
                .and_then(|c| self.register.get(c))
                .ok_or(Unresolved::NotInRegister { typed }),
        }
    }

    /// [`Resolver::accept`] for a value that must name a municipality: an
    /// error naming the file, line and field otherwise.
    pub fn require(
        &self,
        file: &Path,
        line: Option<u64>,
        field: &str,
        typed: &str,
    ) -> Result<&Municipality> {
        self.accept(typed)
            .map_err(|message| required(file, line, field, &message.to_string()))
    }

    /// [`Resolver::accept_exact`] for a value that must name a
    /// municipality (a story page's `gemeente`, read after the review list
    /// was made): an error naming the file, line and field otherwise.
    pub fn require_exact(
        &self,
        file: &Path,
        line: Option<u64>,
        field: &str,
        typed: &str,
    ) -> Result<&Municipality> {
        self.accept_exact(typed)
            .map_err(|message| required(file, line, field, &message.to_string()))
    }

    /// The municipality for a code (for names in messages).
    pub fn municipality(&self, code: &str) -> Option<&Municipality> {
        self.register.get(code)
    }

    /// Every fuzzy or uncertain text seen, with counts, sorted by text.
    pub fn review(&self) -> Vec<ReviewItem> {
        let cache = self.cache.borrow();
        self.counts
            .borrow()
            .iter()
            .filter_map(|(key, (typed, n))| {
                let r = cache.get(key)?;
                let name = |c: &str| {
                    self.register
                        .get(c)
                        .map(|m| m.name.clone())
                        .unwrap_or_default()
                };
                Some(match r {
                    Resolution::Fuzzy { code, score } => ReviewItem {
                        invoer: typed.clone(),
                        aantal: *n,
                        status: "automatisch".into(),
                        voorstel_code: code.clone(),
                        voorstel_naam: name(code),
                        score: format!("{score:.3}"),
                        reden: "fuzzy match accepted; add a line to the mapping file to overrule"
                            .into(),
                    },
                    Resolution::Uncertain { suggestion, reason } => ReviewItem {
                        invoer: typed.clone(),
                        aantal: *n,
                        status: "te beoordelen".into(),
                        voorstel_code: suggestion.as_ref().map(|s| s.0.clone()).unwrap_or_default(),
                        voorstel_naam: suggestion.as_ref().map(|s| name(&s.0)).unwrap_or_default(),
                        score: suggestion
                            .as_ref()
                            .map(|s| format!("{:.3}", s.1))
                            .unwrap_or_default(),
                        reden: reason.clone(),
                    },
                    _ => return None,
                })
            })
            .collect()
    }
}

/// The error for a file's field that names no municipality.
fn required(file: &Path, line: Option<u64>, field: &str, message: &str) -> Error {
    field_error(
        file,
        line,
        field,
        format!("{message}; correct the name, add it as an alias in the register's 'aliassen' column or settle it in the mapping file"),
    )
}

/// The review list as CSV bytes (`path` names it in an error).
pub fn review_csv(items: &[ReviewItem], path: &Path) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::write(path, e.into());
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "invoer",
        "aantal",
        "status",
        "voorstel_code",
        "voorstel_naam",
        "score",
        "reden",
    ];
    w.write_record(header).map_err(err)?;
    for i in items {
        w.write_record([
            i.invoer.as_str(),
            &i.aantal.to_string(),
            &i.status,
            &i.voorstel_code,
            &i.voorstel_naam,
            &i.score,
            &i.reden,
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::write(path, e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn aliases_mergers_fuzzy_and_review() {
        let reg = file(
            "gemeentecode,gemeentenaam,provincienaam,inwoners,aliassen\n\
             GM0796,'s-Hertogenbosch,Noord-Brabant,160000,Den Bosch\n\
             GM0014,Groningen,Groningen,240000,\n\
             GM0363,Amsterdam,Noord-Holland,930000,\n\
             GM1979,Eemsdelta,Groningen,45000,\n\
             GM0865,Vught,Noord-Brabant,27000,\n\
             GM0855,Tilburg,Noord-Brabant,225000,\n\
             GM0344,Utrecht,Utrecht,370000,\n",
        );
        let reg = Register::load(reg.path()).unwrap();
        let mergers = file(
            "ingangsdatum,oude_gemeentecode,oude_gemeentenaam,opvolger_gemeentecode,opvolger_gemeentenaam\n\
             2021-01-01,GM0003,Appingedam,GM1979,Eemsdelta\n\
             2022-03-24,GM0457,Weesp,GM0363,Amsterdam\n\
             2021-01-01,GM0788,Haaren,GM0865,Vught\n\
             2021-01-01,GM0788,Haaren,GM0855,Tilburg\n",
        );
        let mapping = file("invoer,gemeentecode\nde stad,GM0344\n");
        let r = Resolver::new(&reg, 2024)
            .with_mergers(mergers.path())
            .unwrap()
            .with_mapping(mapping.path())
            .unwrap();
        assert_eq!(r.resolve("Den Bosch").code(), Some("GM0796"));
        assert_eq!(r.resolve("De stad").code(), Some("GM0344"));
        assert!(
            matches!(r.resolve("Appingedam"), Resolution::Merger { ref code, .. } if code == "GM1979")
        );
        assert_eq!(r.resolve("Weesp").code(), Some("GM0363"));
        assert!(
            matches!(r.resolve("Haaren"), Resolution::Uncertain { ref reason, .. } if reason.contains("split"))
        );
        match r.resolve("Groningn") {
            Resolution::Fuzzy { code, score } => assert!(code == "GM0014" && score >= AUTO_SCORE),
            other => panic!("{other:?}"),
        }
        assert!(r.resolve("Xyzzy").code().is_none());
        r.resolve("groningn");
        let review = r.review();
        let g = review.iter().find(|i| i.invoer == "Groningn").unwrap();
        assert_eq!((g.aantal, g.status.as_str()), (2, "automatisch"));
        assert!(review
            .iter()
            .any(|i| i.invoer == "Haaren" && i.status == "te beoordelen"));
        // A merger later than 1 January of the wave year does not count yet.
        let early = Resolver::new(&reg, 2022)
            .with_mergers(mergers.path())
            .unwrap();
        assert!(early.resolve("Weesp").code().is_none());
        // A mapping to a code outside the register is an error with the line.
        let bad = file("invoer,gemeentecode\nx,GM9999\n");
        let err = Resolver::new(&reg, 2024)
            .with_mapping(bad.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("GM9999"), "{err}");
    }
}
