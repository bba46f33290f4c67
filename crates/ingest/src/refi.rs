//! Reading REFI-QDA exchange files (`.qdpx` projects and `.qdc` codebooks)
//! leniently, as real tools write them.
//!
//! - The project file is any single `*.qde` in the archive (`project.qde`,
//!   `Project.qde`, `<name>.qde`); sources may sit under `sources/` or
//!   `Sources/`; stray entries are ignored; a missing payload is listed.
//! - XML may have CRLF line endings and a BOM; codes may be nested or flat;
//!   `<Sets/>` may be empty (Taguette).
//! - Positions are Unicode code points, except in files from NVivo for
//!   Windows, which counts UTF-16 code units: those are converted.
//! - Whatever cannot be carried (PDF, picture, audio and video sources and
//!   their selections, notes, links, sets, graphs) is listed in
//!   [`Imported::not_carried`], never dropped silently.
//! - Archives are read with bounds ([`crate::archive`]), so a zip bomb fails
//!   cleanly.

use std::collections::BTreeMap;
use std::path::Path;

use pokeval_formats::xml::{attributes, resolve_ref};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;
use serde::Serialize;

use pokeval_model::error::{Error, Result};

/// A user (coder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// The user's GUID in the project.
    pub guid: String,
    /// The user's name.
    pub name: String,
}

/// A code with its children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Code {
    /// The code's GUID.
    pub guid: String,
    /// Its name.
    pub name: String,
    /// Its colour (`#rrggbb`), if the project gives one.
    pub color: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Whether it can be applied to text (a group code may not be).
    pub codable: bool,
    /// Its sub-codes.
    pub children: Vec<Code>,
}

/// A variable definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variable {
    /// The variable's GUID.
    pub guid: String,
    /// Its name.
    pub name: String,
    /// Text, Boolean, Integer, Float, Date or DateTime.
    pub kind: String,
}

/// A case with its variable values (variable name -> value as text) and sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// The case's GUID.
    pub guid: String,
    /// Its name.
    pub name: String,
    /// Its variable values by variable name.
    pub values: BTreeMap<String, String>,
    /// The GUIDs of the sources it holds.
    pub sources: Vec<String>,
}

/// A coding: a code applied to a selection by a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coding {
    /// Code points, end exclusive.
    pub start: usize,
    /// The code point after the last one.
    pub end: usize,
    /// The GUID of the code applied.
    pub code_guid: String,
    /// The creating user's GUID, when given.
    pub user_guid: Option<String>,
}

/// A text source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextSource {
    /// The source's GUID.
    pub guid: String,
    /// Its name in the project.
    pub name: String,
    /// The source's `<Description>`, when it has one.
    pub description: Option<String>,
    /// `None` when the archive lacks the text (listed in `not_carried`).
    pub text: Option<String>,
    /// Its codings.
    pub codings: Vec<Coding>,
}

/// The description line in which pokeval's export names a source's id, so
/// that codings come back to the source they were made on whatever the
/// readable name says.
pub const ID_LINE: &str = "pokeval-bron: ";

impl TextSource {
    /// The pokeval source id: from the description line pokeval writes
    /// ([`ID_LINE`]), otherwise the source's name (a project made in
    /// another tool names its sources after the note files).
    pub fn pokeval_id(&self) -> &str {
        self.description
            .as_deref()
            .and_then(|d| d.lines().find_map(|l| l.strip_prefix(ID_LINE)))
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .unwrap_or(&self.name)
    }
}

/// What a REFI-QDA file held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// The project's name.
    pub name: String,
    /// The program that wrote it, from the project's `origin` attribute.
    pub origin: String,
    /// The project's users (coders).
    pub users: Vec<User>,
    /// Its codebook, as a tree.
    pub codes: Vec<Code>,
    /// Its variables.
    pub variables: Vec<Variable>,
    /// Its cases.
    pub cases: Vec<Case>,
    /// Its text sources with their codings.
    pub sources: Vec<TextSource>,
    /// What could not be carried, one line each.
    pub not_carried: Vec<String>,
}

impl Imported {
    /// All codes, depth first, with their parent's GUID.
    pub fn flat_codes(&self) -> Vec<(&Code, Option<&str>)> {
        fn walk<'a>(
            codes: &'a [Code],
            parent: Option<&'a str>,
            out: &mut Vec<(&'a Code, Option<&'a str>)>,
        ) {
            for c in codes {
                out.push((c, parent));
                walk(&c.children, Some(&c.guid), out);
            }
        }
        let mut out = Vec::new();
        walk(&self.codes, None, &mut out);
        out
    }
}

/// Reads a `.qdpx` project archive.
pub fn read_qdpx(path: &Path) -> Result<Imported> {
    let mut zip = pokeval_formats::archive::Archive::open(
        path,
        ".qdpx (zip) archive; export the project again from the QDA program",
    )?;
    let entries = zip.entries.clone();
    let qde: Vec<&String> = entries
        .iter()
        .filter(|n| !n.contains('/') && n.to_ascii_lowercase().ends_with(".qde"))
        .collect();
    let qde = match qde.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(Error::NotFound {
                path: path.into(),
                what: format!(
                    "no .qde project file at the top of the archive (entries: {})",
                    entries.join(", ")
                ),
            })
        }
        many => {
            let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
            return Err(Error::Unsupported {
                path: path.into(),
                message: format!(
                    "several .qde files in the archive ({}); keep one",
                    names.join(", ")
                ),
            });
        }
    };
    let xml = zip.read(&qde)?.unwrap_or_default();
    let xml = pokeval_model::text::decode(&path.join(&qde), &xml)?;
    let mut imported = parse_project(path, &xml)?;
    // payloads: internal://<file> under sources/ or Sources/
    let nvivo_windows = imported.origin.contains("NVivo") && imported.origin.contains("Windows");
    let paths: BTreeMap<String, String> = parse_text_paths(&xml);
    for source in &mut imported.sources {
        if source.text.is_some() {
            continue;
        }
        let Some(internal) = paths.get(&source.guid) else {
            imported.not_carried.push(format!(
                "text source '{}': no plain text in the project",
                source.name
            ));
            continue;
        };
        let file = internal.trim_start_matches("internal://");
        let entry = entries
            .iter()
            .find(|e| {
                let lower = e.to_ascii_lowercase();
                (lower.starts_with("sources/") && e[8..] == *file) || *e == file
            })
            .cloned();
        let bytes = match entry {
            Some(e) => zip.read(&e)?,
            None => None,
        };
        match bytes {
            Some(b) => {
                let text = pokeval_model::text::decode(&path.join(file), &b)?;
                if nvivo_windows {
                    for c in &mut source.codings {
                        c.start = utf16_to_cp(&text, c.start);
                        c.end = utf16_to_cp(&text, c.end);
                    }
                }
                source.text = Some(text);
            }
            None => imported
                .not_carried
                .push(format!("text source '{}': its text {internal} is missing from the archive; its codings are kept without text", source.name)),
        }
    }
    Ok(imported)
}

/// Converts a UTF-16 code-unit offset into a code-point offset.
fn utf16_to_cp(text: &str, units: usize) -> usize {
    let mut u = 0;
    for (i, c) in text.chars().enumerate() {
        if u >= units {
            return i;
        }
        u += c.len_utf16();
    }
    text.chars().count()
}

/// Reads a `.qdc` codebook.
pub fn read_qdc(path: &Path) -> Result<Imported> {
    let text = pokeval_model::text::read_text(path)?;
    parse_project(path, &text)
}

/// Maps TextSource GUIDs to their plainTextPath.
fn parse_text_paths(xml: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "TextSource" => {
                let attrs = attributes(&e);
                if let (Some(g), Some(p)) = (attrs.get("guid"), attrs.get("plainTextPath")) {
                    out.insert(g.clone(), p.clone());
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// Parses a project (.qde) or codebook (.qdc) document.
fn parse_project(path: &Path, xml: &str) -> Result<Imported> {
    let mut reader = Reader::from_str(xml);
    let mut out = Imported::default();
    // open elements, innermost last
    let mut stack: Vec<String> = Vec::new();
    let mut code_stack: Vec<Code> = Vec::new();
    let mut current_source: Option<TextSource> = None;
    let mut selection: Option<(usize, usize)> = None;
    // the coder: on the Coding (the standard), else on its selection
    // (QualCoder and others), else on neither
    let mut selection_user: Option<String> = None;
    let mut coding_user: Option<String> = None;
    let mut case: Option<Case> = None;
    let mut value_var: Option<String> = None;
    let mut text = String::new();
    let var_names = |out: &Imported, guid: &str| {
        out.variables
            .iter()
            .find(|v| v.guid == guid)
            .map(|v| v.name.clone())
    };
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    loop {
        let ev = reader.read_event().map_err(|e| Error::Malformed {
            path: path.into(),
            format: "XML",
            message: format!("invalid XML at byte {}: {e}", reader.error_position()),
        })?;
        let (name, attrs, empty) = match &ev {
            Event::Start(e) => (e.local_name().as_ref().to_string(), attributes(e), false),
            Event::Empty(e) => (e.local_name().as_ref().to_string(), attributes(e), true),
            Event::End(e) => {
                let name = e.local_name().as_ref().to_string();
                match name.as_str() {
                    "Code" => {
                        if let Some(c) = code_stack.pop() {
                            match code_stack.last_mut() {
                                Some(parent) => parent.children.push(c),
                                None => out.codes.push(c),
                            }
                        }
                    }
                    "Description" => {
                        let d = std::mem::take(&mut text).trim().to_string();
                        match stack.iter().rev().nth(1).map(String::as_str) {
                            Some("Code") => {
                                if let Some(c) = code_stack.last_mut() {
                                    c.description = Some(d);
                                }
                            }
                            Some("TextSource") => {
                                if let Some(s) = current_source.as_mut() {
                                    s.description = Some(d);
                                }
                            }
                            _ => {}
                        }
                    }
                    "PlainTextContent" => {
                        if let Some(s) = current_source.as_mut() {
                            s.text = Some(std::mem::take(&mut text));
                        }
                    }
                    "TextValue" | "BooleanValue" | "IntegerValue" | "FloatValue" | "DateValue"
                    | "DateTimeValue" => {
                        if let (Some(c), Some(v)) = (case.as_mut(), value_var.as_ref()) {
                            c.values
                                .insert(v.clone(), std::mem::take(&mut text).trim().to_string());
                        }
                    }
                    "TextSource" => out.sources.extend(current_source.take()),
                    "PlainTextSelection" => {
                        selection = None;
                        selection_user = None;
                    }
                    "Case" => out.cases.extend(case.take()),
                    _ => {}
                }
                stack.pop();
                text.clear();
                continue;
            }
            Event::Text(t) => {
                text.push_str(&t.xml_content(XmlVersion::Implicit1_0));
                continue;
            }
            Event::CData(t) => {
                text.push_str(t.as_ref());
                continue;
            }
            Event::GeneralRef(r) => {
                text.extend(resolve_ref(r));
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let parent = stack.last().cloned().unwrap_or_default();
        match name.as_str() {
            "Project" => {
                out.name = attrs.get("name").cloned().unwrap_or_default();
                out.origin = attrs.get("origin").cloned().unwrap_or_default();
            }
            "CodeBook" if out.origin.is_empty() => {
                out.origin = attrs.get("origin").cloned().unwrap_or_default();
            }
            "User" => out.users.push(User {
                guid: attrs.get("guid").cloned().unwrap_or_default(),
                name: attrs.get("name").cloned().unwrap_or_default(),
            }),
            "Code" => {
                code_stack.push(Code {
                    guid: attrs.get("guid").cloned().unwrap_or_default(),
                    name: attrs.get("name").cloned().unwrap_or_default(),
                    color: attrs.get("color").cloned(),
                    description: None,
                    codable: attrs.get("isCodable").is_none_or(|v| v != "false"),
                    children: Vec::new(),
                });
                if empty {
                    if let Some(c) = code_stack.pop() {
                        match code_stack.last_mut() {
                            Some(p) => p.children.push(c),
                            None => out.codes.push(c),
                        }
                    }
                }
            }
            "Variable" => out.variables.push(Variable {
                guid: attrs.get("guid").cloned().unwrap_or_default(),
                name: attrs.get("name").cloned().unwrap_or_default(),
                kind: attrs
                    .get("typeOfVariable")
                    .cloned()
                    .unwrap_or_else(|| "Text".into()),
            }),
            "Case" => {
                let c = Case {
                    guid: attrs.get("guid").cloned().unwrap_or_default(),
                    name: attrs.get("name").cloned().unwrap_or_default(),
                    values: BTreeMap::new(),
                    sources: Vec::new(),
                };
                if empty {
                    out.cases.push(c);
                } else {
                    case = Some(c);
                }
            }
            "VariableRef" if parent == "VariableValue" => {
                value_var = attrs.get("targetGUID").and_then(|g| var_names(&out, g));
            }
            "SourceRef" if parent == "Case" => {
                if let (Some(c), Some(g)) = (case.as_mut(), attrs.get("targetGUID")) {
                    c.sources.push(g.clone());
                }
            }
            "TextSource" if parent == "Sources" => {
                let s = TextSource {
                    guid: attrs.get("guid").cloned().unwrap_or_default(),
                    name: attrs.get("name").cloned().unwrap_or_default(),
                    description: None,
                    text: None,
                    codings: Vec::new(),
                };
                if empty {
                    out.sources.push(s);
                } else {
                    current_source = Some(s);
                }
            }
            "PlainTextSelection" if current_source.is_some() => {
                let pos = |k: &str| attrs.get(k).and_then(|v| v.trim().parse::<usize>().ok());
                selection_user = attrs
                    .get("creatingUser")
                    .or_else(|| attrs.get("modifyingUser"))
                    .cloned();
                selection = match (pos("startPosition"), pos("endPosition")) {
                    (Some(s), Some(e)) if e >= s => Some((s, e)),
                    _ => {
                        out.not_carried.push(format!(
                            "selection {} has invalid positions",
                            attrs.get("guid").cloned().unwrap_or_default()
                        ));
                        None
                    }
                };
            }
            "Coding" => {
                coding_user = attrs
                    .get("creatingUser")
                    .cloned()
                    .or_else(|| selection_user.clone());
            }
            "CodeRef" if parent == "Coding" => {
                if let (Some(src), Some(code)) = (current_source.as_mut(), attrs.get("targetGUID"))
                {
                    match selection {
                        Some((start, end)) => src.codings.push(Coding {
                            start,
                            end,
                            code_guid: code.clone(),
                            user_guid: coding_user.clone(),
                        }),
                        None if stack.iter().rev().nth(1).map(String::as_str)
                            == Some("TextSource") =>
                        {
                            out.not_carried.push(format!(
                                "a coding of the whole source '{}' (no selection)",
                                src.name
                            ));
                        }
                        None => {}
                    }
                }
            }
            "PDFSource" | "PictureSource" | "AudioSource" | "VideoSource"
                if parent == "Sources" =>
            {
                out.not_carried.push(format!(
                    "{name} '{}' and its selections (only text sources are carried)",
                    attrs.get("name").cloned().unwrap_or_default()
                ));
            }
            "Note" | "Link" | "Set" | "Graph"
                if matches!(parent.as_str(), "Notes" | "Links" | "Sets" | "Graphs") =>
            {
                *skipped.entry(name.clone()).or_default() += 1;
            }
            _ => {}
        }
        if !empty {
            stack.push(name);
            text.clear();
        }
    }
    for (kind, n) in skipped {
        out.not_carried.push(format!("{n} × {kind}"));
    }
    Ok(out)
}
