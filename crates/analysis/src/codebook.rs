//! The codebook: codes with readable include and exclude rules.
//!
//! A codebook is a TOML file with one `[[code]]` table per code:
//!
//! ```toml
//! [[code]]
//! id = "AL4"
//! label = "Versterking wijkteams"
//! action_line = 4                      # optional: ties the code to an action line
//! parent = "..."                       # optional: id of the parent code
//! description = "Capaciteit en werkwijze van sociale wijkteams."
//! include = ["*wijkteam*", "sociaal team*", "keukentafel*"]
//! exclude = ["wijkteam voor de jeugd*"]
//! examples = ["Het wijkteam kreeg er twee consulenten bij."]
//! ```
//!
//! ## Rule syntax
//! A rule is one or more words; a segment matches when the words occur in
//! that order, separated by white space, at word boundaries. Matching ignores
//! case and diacritics ("geinvesteerd" matches "geïnvesteerd").
//!
//! - A plain word also matches its regular Dutch inflections: the endings
//!   `-s`, `-'s`, `-e`, `-en`, `-n`, `-es`, `-er`, `-ers` and the diminutives
//!   `-je`, `-jes`, `-tje`, `-tjes` ("wijkteam" matches "wijkteams",
//!   "klacht" matches "klachten"). Irregular forms need their own rule
//!   ("raadslieden" next to "raadsman").
//! - `=word` matches the word exactly, without inflections (`=ido`).
//! - A `*` inside or at either end of a word stands for any letters, so
//!   `wijkteam*` matches "wijkteamleden" and `*wijkteam*` also
//!   "buurtwijkteams".
//!
//! Nothing else is special: dots, slashes and brackets match themselves.
//!
//! ## Hierarchy
//! `parent` makes a code a sub-code. A code counts towards the action line
//! of its own `action_line` or, when it has none, of its nearest ancestor
//! that has one; codes without an action line anywhere up the tree are
//! themes.

use std::collections::HashSet;
use std::path::Path;

use pokeval_model::ActionLine;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The default codebook shipped with pokeval (the eight action lines).
pub const DEFAULT_CODEBOOK: &str = include_str!("../codebook/default.toml");

/// One code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// The code's id (`AL2`, `AL2-SR`).
    pub id: String,
    /// Its label.
    pub label: String,
    /// The action line it is tied to; without one, a code counts towards
    /// its nearest ancestor's.
    #[serde(default)]
    pub action_line: Option<ActionLine>,
    /// The id of its parent code.
    #[serde(default)]
    pub parent: Option<String>,
    /// What it means, for coders and the report's appendix.
    #[serde(default)]
    pub description: String,
    /// Rules that apply it (words, `*` wildcards, `=` for an exact word).
    #[serde(default)]
    pub include: Vec<String>,
    /// Rules that keep it off a segment even when an include rule matches.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Example passages.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A set of codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codebook {
    /// The codebook's name.
    pub name: String,
    /// Its codes, parents before children.
    #[serde(rename = "code")]
    pub codes: Vec<Code>,
}

impl Codebook {
    /// The built-in default codebook.
    pub fn default_codebook() -> Codebook {
        Codebook::parse(Path::new("<built-in default codebook>"), DEFAULT_CODEBOOK)
            .expect("the built-in codebook is valid (checked by a test)")
    }

    /// Reads a codebook file.
    pub fn load(path: &Path) -> Result<Codebook> {
        let text = pokeval_model::text::read_text(path)?;
        Codebook::parse(path, &text)
    }

    /// Parses and checks a codebook: unique ids, known parents, valid rules.
    pub fn parse(path: &Path, text: &str) -> Result<Codebook> {
        let cb: Codebook = toml::from_str(text).map_err(|e| Error::Toml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut ids = HashSet::new();
        for c in &cb.codes {
            if c.id.trim().is_empty() {
                return Err(Error::rule(path, &c.id, "", "a code needs a non-empty id"));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(Error::rule(path, &c.id, "", "the code id appears twice"));
            }
        }
        for c in &cb.codes {
            if let Some(p) = &c.parent {
                if !ids.contains(p.as_str()) {
                    return Err(Error::rule(
                        path,
                        &c.id,
                        "",
                        &format!("parent '{p}' is not a code in this codebook"),
                    ));
                }
            }
            let ancestors = cb.ancestors(&c.id);
            if ancestors.iter().any(|a| a.id == c.id) {
                return Err(Error::rule(path, &c.id, "", "the parents form a cycle"));
            }
            if let (Some(own), Some(inherited)) =
                (c.action_line, ancestors.iter().find_map(|a| a.action_line))
            {
                if own != inherited {
                    return Err(Error::rule(
                        path,
                        &c.id,
                        "",
                        &format!(
                            "action line {} differs from action line {} of its parent",
                            own.number(),
                            inherited.number()
                        ),
                    ));
                }
            }
            for rule in c.include.iter().chain(&c.exclude) {
                rule_to_regex(rule).map_err(|m| Error::rule(path, &c.id, rule, &m.to_string()))?;
            }
        }
        Ok(cb)
    }

    /// The code with id `id`.
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }

    /// The parent, grandparent, ... of a code, nearest first. Stops at a
    /// repeated code, so a cycle ends the walk (and `parse` reports it).
    pub fn ancestors(&self, id: &str) -> Vec<&Code> {
        let mut out: Vec<&Code> = Vec::new();
        let mut current = self.code(id).and_then(|c| c.parent.as_deref());
        while let Some(pid) = current {
            let Some(p) = self.code(pid) else { break };
            if out.iter().any(|a| a.id == p.id) {
                break;
            }
            out.push(p);
            if p.id == id {
                break;
            }
            current = p.parent.as_deref();
        }
        out
    }

    /// The action line a code counts towards: its own, or its nearest
    /// ancestor's; `None` for themes.
    pub fn action_line_of(&self, id: &str) -> Option<ActionLine> {
        let code = self.code(id)?;
        code.action_line
            .or_else(|| self.ancestors(id).iter().find_map(|a| a.action_line))
    }

    /// The path from the root to a code, as labels ("Robuuste
    /// rechtsbescherming > Sociaal raadslieden").
    pub fn path_labels(&self, id: &str) -> Vec<String> {
        let mut labels: Vec<String> = self
            .ancestors(id)
            .iter()
            .rev()
            .map(|c| c.label.clone())
            .collect();
        if let Some(c) = self.code(id) {
            labels.push(c.label.clone());
        }
        labels
    }
}

/// Regular Dutch inflection endings a plain rule word also matches; after a
/// consonant also with that consonant doubled ("plan" -> "plannen").
fn inflections(last: char) -> String {
    const ENDINGS: &str = "s|'s|en|n|e|es|er|ers|je|jes|tje|tjes";
    if last.is_ascii_alphabetic() && !"aeiouy".contains(last) {
        format!("(?:{ENDINGS}|{last}en|{last}e|{last}er|{last}ers)?")
    } else {
        format!("(?:{ENDINGS})?")
    }
}

/// Why a codebook rule cannot become a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadRule {
    /// The rule has no words.
    #[error("the rule is empty")]
    Empty,
    /// A word is only wildcards, so it would match any word.
    #[error("a word of only '*' would match anything; name at least one letter")]
    OnlyWildcards,
}

/// Translates a rule into a regular expression over folded text.
pub fn rule_to_regex(rule: &str) -> std::result::Result<String, BadRule> {
    let words: Vec<&str> = rule.split_whitespace().collect();
    if words.is_empty() {
        return Err(BadRule::Empty);
    }
    let mut parts = Vec::new();
    for w in &words {
        let (exact, w) = match w.strip_prefix('=') {
            Some(rest) => (true, rest),
            None => (false, *w),
        };
        let folded = pokeval_model::text::match_key(w);
        if folded.chars().all(|c| c == '*') {
            return Err(BadRule::OnlyWildcards);
        }
        let pieces: Vec<String> = folded.split('*').map(regex::escape).collect();
        let mut part = pieces.join(r"\w*");
        // only plain words inflect: not "t/m", "p&c-cyclus" or "zorg-"
        let plain = folded
            .chars()
            .all(|c| c.is_alphabetic() || c == '*' || c == '-');
        if let Some(last) = folded.chars().last().filter(|c| c.is_alphabetic()) {
            if !exact && plain {
                part.push_str(&inflections(last));
            }
        }
        parts.push(part);
    }
    let first = words[0].trim_start_matches('=');
    let last = words[words.len() - 1];
    let body = parts.join(r"\s+");
    // word boundaries only next to word characters, so rules like "(hoog)" work
    let lead = if !first.starts_with('*') && starts_with_word_char(first) {
        r"\b"
    } else {
        ""
    };
    let trail = if !last.ends_with('*') && ends_with_word_char(last) {
        r"\b"
    } else {
        ""
    };
    Ok(format!("{lead}{body}{trail}"))
}

fn starts_with_word_char(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

fn ends_with_word_char(s: &str) -> bool {
    s.chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_codebook_is_valid_and_covers_all_action_lines() {
        let cb = Codebook::default_codebook();
        for al in ActionLine::all() {
            assert!(
                cb.codes.iter().any(|c| c.action_line == Some(al)),
                "no code for action line {al}"
            );
        }
    }

    #[test]
    fn rules_translate_to_regexes() {
        let (l, m) = (inflections('l'), inflections('n'));
        assert_eq!(rule_to_regex("wijkteam*").unwrap(), r"\bwijkteam\w*");
        assert_eq!(rule_to_regex("*wijkteam*").unwrap(), r"\w*wijkteam\w*");
        assert_eq!(
            rule_to_regex("sociaal  raadslieden").unwrap(),
            format!(r"\bsociaal{l}\s+raadslieden{m}\b")
        );
        assert_eq!(rule_to_regex("=Geïnvesteerd").unwrap(), r"\bgeinvesteerd\b");
        assert_eq!(rule_to_regex("t/m").unwrap(), r"\bt/m\b");
        assert_eq!(rule_to_regex("=ido").unwrap(), r"\bido\b");
        assert!(rule_to_regex("  ").is_err());
        assert!(rule_to_regex("**").is_err());
    }

    #[test]
    fn plain_words_match_dutch_inflections_only() {
        struct Folded(regex::Regex);
        impl Folded {
            fn is_match(&self, text: &str) -> bool {
                self.0.is_match(&pokeval_model::text::fold(text))
            }
        }
        let re = |rule: &str| Folded(regex::Regex::new(&rule_to_regex(rule).unwrap()).unwrap());
        let wijkteam = re("wijkteam");
        for yes in ["wijkteam", "wijkteams", "het wijkteampje"] {
            assert_eq!(wijkteam.is_match(yes), yes != "het wijkteampje", "{yes}");
        }
        assert!(re("klacht").is_match("twee klachten"));
        assert!(re("bestedingsplan").is_match("bestedingsplannen"));
        assert!(re("kwetsbare wijk").is_match("Kwetsbare wijken"));
        assert!(re("=ido").is_match("het ido"));
        assert!(!re("=ido").is_match("idos"));
        assert!(re("ido").is_match("ido's"));
        assert!(
            !re("team").is_match("wijkteam"),
            "word boundary at the start"
        );
    }

    #[test]
    fn hierarchy_gives_action_lines_and_paths() {
        let cb = Codebook::default_codebook();
        assert_eq!(
            cb.action_line_of("AL2-SR")
                .map(pokeval_model::ActionLine::number),
            Some(2)
        );
        assert_eq!(cb.action_line_of("TH-ROL-SMEER"), None);
        assert_eq!(
            cb.path_labels("AL2-SR"),
            vec!["Robuuste rechtsbescherming", "Sociaal raadslieden"]
        );
        let cyclic = "name = \"x\"\n[[code]]\nid = \"A\"\nlabel = \"a\"\nparent = \"B\"\n[[code]]\nid = \"B\"\nlabel = \"b\"\nparent = \"A\"\n";
        let err = Codebook::parse(Path::new("c.toml"), cyclic)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cycle"), "{err}");
        let conflict = "name = \"x\"\n[[code]]\nid = \"A\"\nlabel = \"a\"\naction_line = 2\n[[code]]\nid = \"B\"\nlabel = \"b\"\nparent = \"A\"\naction_line = 3\n";
        let err = Codebook::parse(Path::new("c.toml"), conflict)
            .unwrap_err()
            .to_string();
        assert!(err.contains("code 'B'") && err.contains("differs"), "{err}");
    }

    #[test]
    fn invalid_rules_name_the_code() {
        let text = "name = \"x\"\n[[code]]\nid = \"A\"\nlabel = \"a\"\ninclude = [\"ok\", \"*\"]\n";
        let err = Codebook::parse(Path::new("cb.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("code 'A'") && err.contains("rule '*'"),
            "{err}"
        );
        let text = "name = \"x\"\n[[code]]\nid = \"A\"\nlabel = \"a\"\naction_line = 9\n";
        let err = Codebook::parse(Path::new("cb.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cb.toml") && err.contains("action line 9"),
            "{err}"
        );
    }
}
