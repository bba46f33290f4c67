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
//! case and diacritics ("geinvesteerd" matches "geïnvesteerd"). A `*` inside
//! or at either end of a word stands for any letters, so `wijkteam*` matches
//! "wijkteams" and `*wijkteam*` also "buurtwijkteams". Nothing else is
//! special: dots, slashes and brackets match themselves.

use std::collections::HashSet;
use std::path::Path;

use pokeval_ingest::model::ActionLine;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The default codebook shipped with pokeval (the eight action lines).
pub const DEFAULT_CODEBOOK: &str = include_str!("../codebook/default.toml");

/// One code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub action_line: Option<ActionLine>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A set of codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codebook {
    pub name: String,
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
        let text = pokeval_ingest::text::read_text(path)?;
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
            for rule in c.include.iter().chain(&c.exclude) {
                rule_to_regex(rule).map_err(|m| Error::rule(path, &c.id, rule, &m))?;
            }
        }
        Ok(cb)
    }

    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }
}

/// Translates a rule into a regular expression over folded text.
pub fn rule_to_regex(rule: &str) -> std::result::Result<String, String> {
    let words: Vec<&str> = rule.split_whitespace().collect();
    if words.is_empty() {
        return Err("the rule is empty".into());
    }
    let mut parts = Vec::new();
    for w in &words {
        let folded = pokeval_ingest::text::fold(w);
        if folded.chars().all(|c| c == '*') {
            return Err("a word of only '*' would match anything; name at least one letter".into());
        }
        let pieces: Vec<String> = folded.split('*').map(regex::escape).collect();
        parts.push(pieces.join(r"\w*"));
    }
    let first_wild = words[0].starts_with('*');
    let last_wild = words[words.len() - 1].ends_with('*');
    let body = parts.join(r"\s+");
    // word boundaries only next to word characters, so rules like "(hoog)" work
    let lead = if !first_wild && starts_with_word_char(words[0]) {
        r"\b"
    } else {
        ""
    };
    let trail = if !last_wild && ends_with_word_char(words[words.len() - 1]) {
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
        assert_eq!(rule_to_regex("wijkteam*").unwrap(), r"\bwijkteam\w*");
        assert_eq!(rule_to_regex("*wijkteam*").unwrap(), r"\w*wijkteam\w*");
        assert_eq!(
            rule_to_regex("sociaal  raadslieden").unwrap(),
            r"\bsociaal\s+raadslieden\b"
        );
        assert_eq!(rule_to_regex("Geïnvesteerd").unwrap(), r"\bgeinvesteerd\b");
        assert_eq!(rule_to_regex("t/m").unwrap(), r"\bt/m\b");
        assert!(rule_to_regex("  ").is_err());
        assert!(rule_to_regex("**").is_err());
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
