//! Interview notes: Markdown or text files with TOML front matter.
//!
//! ```text
//! +++
//! gemeente = "Enschede"          # name, alias or CBS code (required)
//! datum = 2024-03-12             # date of the interview (required)
//! rol = "beleidsadviseur"        # role of the respondent (required)
//! interviewer = "..."            # optional
//! wave = 2024                    # optional; must equal the project's wave
//! +++
//! The notes, in paragraphs.
//! ```
//!
//! The body after the front matter is the source text; spans refer to it.
//! Notes are written by the research team, so a note that cannot be used
//! (bad front matter, unknown municipality) is an error naming the file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Source, SourceKind, Wave};
use crate::register::Register;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    gemeente: String,
    datum: toml::Value,
    rol: String,
    #[serde(default)]
    interviewer: Option<String>,
    #[serde(default)]
    wave: Option<Wave>,
    #[serde(default)]
    titel: Option<String>,
}

/// Splits `+++`-delimited TOML front matter from the body. Returns the front
/// matter text, the body, and the line the body starts on.
pub fn split_front_matter<'a>(path: &Path, text: &'a str) -> Result<(&'a str, &'a str)> {
    let rest = text.strip_prefix("+++").ok_or_else(|| {
        let hint = if text.starts_with("---") {
            "YAML front matter (---) is not read yet; write it as TOML between +++ lines"
        } else {
            "the file must start with TOML front matter between +++ lines"
        };
        Error::invalid(path, hint)
    })?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
        .ok_or_else(|| {
            Error::invalid(
                path,
                "the opening +++ of the front matter must be alone on the first line",
            )
        })?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let fm = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Ok((fm, body));
        }
        offset += line.len();
    }
    Err(Error::invalid(
        path,
        "the front matter is not closed: add a line with +++ after it",
    ))
}

/// Reads every `.md` and `.txt` file under `dir` (sorted by path) as an
/// interview source for `wave`. `display` turns a path into the form stored
/// in the source (relative to the project).
pub fn read_notes(
    dir: &Path,
    wave: Wave,
    register: &Register,
    display: &dyn Fn(&Path) -> String,
) -> Result<Vec<Source>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io(
                path,
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("cannot walk the folder")),
            )
        })?;
        let p = entry.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if entry.file_type().is_file() && matches!(ext, "md" | "txt") && !is_readme(p) {
            files.push(p.to_path_buf());
        }
    }
    let mut sources = Vec::new();
    for path in files {
        sources.push(read_note(&path, wave, register, display)?);
    }
    Ok(sources)
}

fn is_readme(p: &Path) -> bool {
    p.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.eq_ignore_ascii_case("readme"))
}

/// Reads one note file.
pub fn read_note(
    path: &Path,
    wave: Wave,
    register: &Register,
    display: &dyn Fn(&Path) -> String,
) -> Result<Source> {
    let text = crate::text::read_text(path)?;
    let (fm_text, body) = split_front_matter(path, &text)?;
    let fm: FrontMatter = toml::from_str(fm_text).map_err(|e| {
        let mut err = Error::toml(path, fm_text, &e);
        if let Error::Toml { message, .. } = &mut err {
            // front matter starts on line 2 of the file
            *message = format!("front matter: {message} (lines counted from the line after +++)");
        }
        err
    })?;
    let m = register.require(path, None, "gemeente", &fm.gemeente)?;
    if let Some(w) = fm.wave {
        if w != wave {
            return Err(Error::Field {
                file: path.to_path_buf(),
                line: None,
                field: "wave".into(),
                message: format!("the note is for wave {w} but the project evaluates wave {wave}"),
            });
        }
    }
    let date = match &fm.datum {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        other => {
            return Err(Error::Field {
                file: path.to_path_buf(),
                line: None,
                field: "datum".into(),
                message: format!("'{other}' is not a date; write it as 2024-03-12"),
            })
        }
    };
    let file = display(path);
    let mut meta = BTreeMap::new();
    meta.insert("datum".to_string(), date);
    meta.insert("rol".to_string(), fm.rol);
    if let Some(i) = fm.interviewer {
        meta.insert("interviewer".to_string(), i);
    }
    if let Some(t) = fm.titel {
        meta.insert("titel".to_string(), t);
    }
    Ok(Source {
        id: format!("interview:{file}"),
        kind: SourceKind::Interview,
        municipality: Some(m.code.clone()),
        wave,
        text: body.to_string(),
        file,
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split() {
        let p = Path::new("n.md");
        let (fm, body) = split_front_matter(p, "+++\na = 1\n+++\nTekst\n").unwrap();
        assert_eq!(fm, "a = 1\n");
        assert_eq!(body, "Tekst\n");
        assert!(split_front_matter(p, "+++\na = 1\n")
            .unwrap_err()
            .to_string()
            .contains("not closed"));
        assert!(split_front_matter(p, "---\na: 1\n---\n")
            .unwrap_err()
            .to_string()
            .contains("YAML"));
    }
}
