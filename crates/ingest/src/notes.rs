//! Interview notes, transcripts and documents: Markdown, text, Word (.docx),
//! OpenDocument (.odt) and PDF, from a folder tree.
//!
//! ## Metadata
//! Each note needs at least its municipality (`gemeente`); `datum`, `rol`,
//! `interviewer`, `wave` and `titel` are optional. They come from, in order:
//!
//! 1. front matter at the start of the text, TOML between `+++` lines or
//!    YAML between `---` lines (also at the start of a .docx or .odt);
//! 2. a sidecar table `metadata.csv` in the notes folder with a column
//!    `bestand` (the file's path relative to the folder) and the fields;
//! 3. the file name: `gemeente_2024-03-04_rol.ext`, where the first part
//!    is the municipality and a part shaped like a date is the date.
//!
//! When two of these give different values for a field, that is an error
//! naming the file, the field and both values.
//!
//! ```text
//! +++
//! gemeente = "Enschede"          # name, alias or CBS code
//! datum = 2024-03-12
//! rol = "beleidsadviseur"
//! +++
//! ```
//!
//! ## Transcripts
//! A text whose lines mostly start with a speaker label ("Interviewer:",
//! "I:", "R:", "Respondent:", a name followed by a colon, optionally after a
//! timestamp such as `[00:12:34]`) is a transcript: its turns are kept with
//! the speaker's role (interviewer or respondent) for coding by turn.
//!
//! Notes are written by the research team, so a note that cannot be used is
//! an error naming the file, not a rejected row.

use std::collections::BTreeMap;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use pokeval_model::error::{Error, Result};
use pokeval_model::front_matter::front_matter;
use pokeval_model::table::CsvTable;
use pokeval_model::{Progress, Resolver};
use pokeval_model::{Source, SourceKind, Span, Wave};

/// The extensions read by default.
pub const EXTENSIONS: &[&str] = &["md", "txt", "docx", "odt", "pdf"];

/// The name of the sidecar metadata table in a notes folder.
pub const SIDECAR: &str = "metadata.csv";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    #[serde(default)]
    gemeente: Option<String>,
    #[serde(default)]
    datum: Option<toml::Value>,
    #[serde(default)]
    rol: Option<String>,
    #[serde(default)]
    interviewer: Option<String>,
    #[serde(default)]
    wave: Option<Wave>,
    #[serde(default)]
    titel: Option<String>,
}

fn parse_front_matter(path: &Path, fm: &str, kind: &str) -> Result<FrontMatter> {
    if kind == "toml" {
        toml::from_str(fm).map_err(|e| {
            let mut err = Error::toml(path, fm, &e);
            if let Error::Toml { message, .. } = &mut err {
                *message =
                    format!("front matter: {message} (lines counted from the line after +++)");
            }
            err
        })
    } else {
        serde_norway::from_str(fm).map_err(|e| Error::Toml {
            path: path.to_path_buf(),
            message: format!("invalid YAML front matter: {e}"),
        })
    }
}

/// Options for reading a notes folder.
#[derive(Debug, Clone, Default)]
pub struct NotesOptions {
    /// Glob patterns of files to read (all when empty).
    pub include: Vec<String>,
    /// Glob patterns of files to leave out.
    pub exclude: Vec<String>,
}

fn globset(dir: &Path, patterns: &[String], field: &str) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| Error::Setting {
            path: dir.into(),
            key: format!("notes.{field}"),
            message: format!("'{p}' is not a valid pattern: {e}"),
        })?);
    }
    b.build().map(Some).map_err(|e| Error::Setting {
        path: dir.into(),
        key: format!("notes.{field}"),
        message: e.to_string(),
    })
}

/// Reads every note under `dir` (sorted by path) as an interview source.
pub fn read_notes(
    dir: &Path,
    wave: Wave,
    resolver: &Resolver,
    display: &dyn Fn(&Path) -> String,
    options: &NotesOptions,
    progress: &dyn Progress,
) -> Result<Vec<Source>> {
    let include = globset(dir, &options.include, "include")?;
    let exclude = globset(dir, &options.exclude, "exclude")?;
    let sidecar = read_sidecar(dir)?;
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
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = p.strip_prefix(dir).unwrap_or(p);
        let ext = pokeval_model::fsio::extension(p);
        let chosen = match &include {
            Some(g) => g.is_match(rel),
            None => {
                EXTENSIONS.contains(&ext.as_str()) && !is_readme(p) && rel != Path::new(SIDECAR)
            }
        };
        if chosen && !exclude.as_ref().is_some_and(|g| g.is_match(rel)) {
            files.push(p.to_path_buf());
        }
    }
    // Files are read and parsed on all cores; the municipality is then
    // resolved in file order (the resolver counts for the review list), and
    // the first error in file order is the one shown.
    let loaded = pokeval_model::par_map_counted(&files, progress, |p| load_note(p));
    let mut sources = Vec::with_capacity(files.len());
    for (path, loaded) in files.iter().zip(loaded) {
        let rel = pokeval_model::fsio::relative_display(dir, path);
        sources.push(finish_note(
            path,
            loaded?,
            wave,
            resolver,
            display,
            sidecar.get(&rel),
        )?);
    }
    Ok(sources)
}

/// A note as read from its file, before its fields are merged.
struct Loaded {
    text: String,
    body: String,
    front: FrontMatter,
    pages: Option<Vec<usize>>,
    /// Speaker turns, when the note is a transcript.
    turns: Option<usize>,
}

/// The part of reading a note that needs nothing shared: the file's text,
/// its front matter and its speaker turns.
fn load_note(path: &Path) -> Result<Loaded> {
    let (text, pages) = file_text(path)?;
    let (front, body) = match front_matter(path, &text)? {
        Some((fm, body, kind)) => (parse_front_matter(path, fm, kind)?, body.to_string()),
        None => (FrontMatter::default(), text.clone()),
    };
    // how many turns does not depend on who the interviewer is
    let turns = speaker_turns(&body, None).map(|t| t.len());
    Ok(Loaded {
        text,
        body,
        front,
        pages,
        turns,
    })
}

fn is_readme(p: &Path) -> bool {
    p.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.eq_ignore_ascii_case("readme"))
}

/// Metadata fields per file from `metadata.csv`.
type Sidecar = BTreeMap<String, BTreeMap<String, String>>;

fn read_sidecar(dir: &Path) -> Result<Sidecar> {
    let path = dir.join(SIDECAR);
    if !path.is_file() {
        return Ok(Sidecar::new());
    }
    let table = CsvTable::read(&path)?;
    let file = table.require(
        "bestand",
        "name each note's file, relative to the notes folder",
    )?;
    let mut out = Sidecar::new();
    for row in table.rows() {
        let mut fields = BTreeMap::new();
        for (i, h) in table.headers.iter().enumerate() {
            let v = row.get(i).trim();
            if i != file && !v.is_empty() {
                if !["gemeente", "datum", "rol", "interviewer", "titel"].contains(&h.as_str()) {
                    return Err(pokeval_model::field_error(
                        &path,
                        Some(row.line),
                        h,
                        "unknown column; use gemeente, datum, rol, interviewer, titel",
                    ));
                }
                fields.insert(h.clone(), v.to_string());
            }
        }
        out.insert(row.get(file).trim().replace('\\', "/"), fields);
    }
    Ok(out)
}

/// Metadata from the file name: `gemeente_2024-03-04_rol`.
fn from_file_name(path: &Path) -> BTreeMap<String, String> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut out = BTreeMap::new();
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() < 2 {
        return out;
    }
    let is_date = |p: &str| {
        p.len() == 10
            && p.chars().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            })
    };
    out.insert("gemeente".into(), parts[0].replace('-', " "));
    let mut rest = Vec::new();
    for p in &parts[1..] {
        if is_date(p) {
            out.insert("datum".into(), p.to_string());
        } else {
            rest.push(p.replace('-', " "));
        }
    }
    if !rest.is_empty() {
        out.insert("rol".into(), rest.join(" "));
    }
    out
}

/// Reads a file's text and, for PDF, the code point where each page starts.
fn file_text(path: &Path) -> Result<(String, Option<Vec<usize>>)> {
    let ext = pokeval_model::fsio::extension(path);
    match ext.as_str() {
        "docx" => Ok((crate::documents::read_docx(path)?, None)),
        "odt" => Ok((crate::documents::read_odt(path)?, None)),
        "pdf" => {
            let pages = crate::documents::read_pdf(path)?;
            let mut text = String::new();
            let mut starts = Vec::new();
            for p in pages {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                starts.push(text.chars().count());
                text.push_str(p.trim());
            }
            text.push('\n');
            Ok((text, Some(starts)))
        }
        _ => Ok((pokeval_model::text::read_text(path)?, None)),
    }
}

/// Reads one note.
fn finish_note(
    path: &Path,
    loaded: Loaded,
    wave: Wave,
    resolver: &Resolver,
    display: &dyn Fn(&Path) -> String,
    sidecar: Option<&BTreeMap<String, String>>,
) -> Result<Source> {
    let Loaded {
        text,
        body,
        front: fm,
        pages,
        turns,
    } = loaded;
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
    let datum = match &fm.datum {
        Some(toml::Value::Datetime(d)) => Some(d.to_string()),
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(Error::Field {
                file: path.to_path_buf(),
                line: None,
                field: "datum".into(),
                message: format!("'{other}' is not a date; write it as 2024-03-12"),
            })
        }
        None => None,
    };
    let mut front: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in [
        ("gemeente", fm.gemeente),
        ("datum", datum),
        ("rol", fm.rol),
        ("interviewer", fm.interviewer),
        ("titel", fm.titel),
    ] {
        if let Some(v) = v {
            front.insert(k.to_string(), v);
        }
    }
    // merge: front matter, then the sidecar, then the file name; conflicts are errors
    let named = from_file_name(path);
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    let sources: [(&str, Option<&BTreeMap<String, String>>); 3] = [
        ("front matter", Some(&front)),
        (SIDECAR, sidecar),
        ("file name", Some(&named)),
    ];
    let mut origin: BTreeMap<String, &str> = BTreeMap::new();
    for (what, fields) in sources {
        let Some(fields) = fields else { continue };
        for (k, v) in fields {
            match meta.get(k) {
                None => {
                    meta.insert(k.clone(), v.clone());
                    origin.insert(k.clone(), what);
                }
                Some(existing) => {
                    let same = if k == "gemeente" {
                        let code = |t: &str| resolver.lookup(t).code().map(str::to_string);
                        let new = code(v);
                        new.is_some() && code(existing) == new
                    } else {
                        existing == v
                    };
                    // the file name is a weak source: it only fills gaps
                    if !same && what != "file name" {
                        return Err(Error::Field {
                            file: path.to_path_buf(),
                            line: None,
                            field: k.clone(),
                            message: format!(
                                "'{existing}' in the {} but '{v}' in {what}; make them agree",
                                origin[k]
                            ),
                        });
                    }
                }
            }
        }
    }
    let gemeente = meta.remove("gemeente").ok_or_else(|| Error::Field {
        file: path.to_path_buf(),
        line: None,
        field: "gemeente".into(),
        message: format!("no municipality: give it in front matter, in {SIDECAR} or as the first part of the file name (gemeente_datum_rol)"),
    })?;
    let m = resolver.require(path, None, "gemeente", &gemeente)?;
    let file = display(path);
    if let Some(starts) = pages {
        // the front matter, if any, shifts the pages' starts
        let shift = text.chars().count() - body.chars().count();
        let starts: Vec<String> = starts
            .iter()
            .map(|s| s.saturating_sub(shift).to_string())
            .collect();
        meta.insert("pagina_start".into(), starts.join(","));
    }
    if let Some(turns) = turns {
        meta.insert("transcript".into(), turns.to_string());
    }
    Ok(Source {
        id: format!("interview:{file}"),
        kind: SourceKind::Interview,
        municipality: Some(m.code.as_str().into()),
        wave,
        text: body,
        file: file.into(),
        meta: meta.into_iter().collect(),
    })
}

/// A speaker turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The label as written ("Interviewer", "R", "Jan").
    pub speaker: String,
    /// "interviewer" or "respondent".
    pub role: &'static str,
    /// The turn's text (after the label), in code points.
    pub span: Span,
}

/// A line that starts with a speaker label, compiled once per process.
static SPEAKER_LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[ \t]*(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?[ \t]+)?([\p{Lu}][\p{L}.'’ -]{0,30}?|[IR])[ \t]*:[ \t]*(\S.*)?$")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

fn role_of(label: &str, interviewer: Option<&str>) -> &'static str {
    let l = label.trim().to_lowercase();
    let interviewer_labels = [
        "i",
        "int",
        "interviewer",
        "onderzoeker",
        "interviewster",
        "vraag",
    ];
    if interviewer_labels.contains(&l.as_str())
        || interviewer.is_some_and(|i| i.trim().eq_ignore_ascii_case(label.trim()))
    {
        "interviewer"
    } else {
        "respondent"
    }
}

/// The speaker turns of a transcript, or `None` when the text is not one
/// (fewer than two turns, or most paragraphs without a speaker label).
pub fn speaker_turns(text: &str, interviewer: Option<&str>) -> Option<Vec<Turn>> {
    let re = &*SPEAKER_LINE;
    let mut turns: Vec<Turn> = Vec::new();
    let mut cp = 0usize;
    let mut labelled = 0;
    let mut content_lines = 0;
    let mut current_end = 0usize;
    for line in text.split_inclusive('\n') {
        let kept = line.trim_end();
        let line_cps = line.chars().count();
        if !kept.trim().is_empty() {
            content_lines += 1;
            if let Some(c) = re.captures(kept) {
                let speaker = c.get(1).map_or("", |m| m.as_str()).trim().to_string();
                let words = speaker.split_whitespace().count();
                if words <= 4 && !speaker.ends_with('.') {
                    labelled += 1;
                    if let Some(last) = turns.last_mut() {
                        last.span.end = current_end;
                    }
                    let tc = match c.get(2) {
                        Some(m) => cp + kept[..m.start()].chars().count(),
                        None => cp + kept.chars().count(),
                    };
                    current_end = cp + kept.chars().count();
                    turns.push(Turn {
                        role: role_of(&speaker, interviewer),
                        speaker,
                        span: Span::new(tc, current_end),
                    });
                    cp += line_cps;
                    continue;
                }
            }
            if !turns.is_empty() {
                current_end = cp + kept.chars().count();
            }
        }
        cp += line_cps;
    }
    if let Some(last) = turns.last_mut() {
        last.span.end = current_end;
    }
    (turns.len() >= 2 && labelled * 2 >= content_lines).then_some(turns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_municipality_date_and_role() {
        let m = from_file_name(Path::new(
            "pijnacker-nootdorp_2024-03-06_beleidsadviseur.docx",
        ));
        assert_eq!(m["gemeente"], "pijnacker nootdorp");
        assert_eq!(m["datum"], "2024-03-06");
        assert_eq!(m["rol"], "beleidsadviseur");
        assert!(from_file_name(Path::new("notities.md")).is_empty());
    }

    #[test]
    fn speaker_turns_in_common_layouts() {
        let text = "[00:00:05] Interviewer: Hoe zijn de middelen besteed?\n\
                    [00:00:12] R: Vooral aan het wijkteam.\nEn aan de toegang.\n\n\
                    I: Dank u.\n\
                    Jan Fictief: Graag gedaan 🙂.\n";
        let turns = speaker_turns(text, None).unwrap();
        let got: Vec<(&str, &str, &str)> = turns
            .iter()
            .map(|t| (t.speaker.as_str(), t.role, t.span.slice(text).unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "Interviewer",
                    "interviewer",
                    "Hoe zijn de middelen besteed?"
                ),
                (
                    "R",
                    "respondent",
                    "Vooral aan het wijkteam.\nEn aan de toegang."
                ),
                ("I", "interviewer", "Dank u."),
                ("Jan Fictief", "respondent", "Graag gedaan 🙂."),
            ]
        );
        // the interviewer named in the metadata is recognised
        let t = speaker_turns("Karel: Vraag?\nAnna: Antwoord.\n", Some("Karel")).unwrap();
        assert_eq!((t[0].role, t[1].role), ("interviewer", "respondent"));
        // ordinary notes are not transcripts
        assert!(speaker_turns(
            "Het plan: meer uren.\n\nDe raad besliste in 2023.\n\nGeen vragen.\n",
            None
        )
        .is_none());
    }
}
