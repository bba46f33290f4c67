//! REFI-QDA export: a project as `.qdpx` (zip with `project.qde` and
//! `sources/<GUID>.txt`) and the codebook as `.qdc`.
//!
//! - GUIDs are UUID v5 of stable names (`code:AL2`, `source:<id>`), so the
//!   same project exports to the same identifiers, and the archive has fixed
//!   timestamps: exporting twice gives identical bytes.
//! - Code names are `<id> <label>` ("AL2-SR Sociaal raadslieden"): readable
//!   in ATLAS.ti, MAXQDA or NVivo, and the id comes back on import.
//! - Users: one per manual coder and `pokeval-regels` for rule codings.
//! - Sources: every text source with its plain text, named readably and
//!   safely for a file name ("Enschede - beleidsadviseur - 2024-03-04"),
//!   the pokeval id and file in its description. Selections are the coded
//!   segments (manual codings placed by span keep that span), one per span
//!   and coder with `creatingUser` on the selection (QualCoder reads the
//!   coder there) and on each `Coding` (one per code).
//! - Cases: one per municipality with a source, with variables gemeentecode,
//!   provincie, grootteklasse, inwoners, wave, and the closed survey answers
//!   (Text for options, Float for numbers) when the municipality has exactly
//!   one respondent.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use pokeval_analysis::{Coding, Origin, Prepared};
// the line of a source's description naming its pokeval id, which the
// import reads back (`pokeval_ingest::refi::TextSource::pokeval_id`)
use pokeval_ingest::refi::ID_LINE;
use pokeval_survey::QuestionType;
use quick_xml::escape::escape;
use uuid::Uuid;

use crate::error::{Error, Result};
use std::fmt::Write as _;

/// The user that rule codings are attributed to.
pub const RULES_USER: &str = "pokeval-regels";

fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://pokeval.invalid/refi-qda")
}

/// A stable GUID for a name, upper case as most QDA programs write them.
pub fn guid(name: &str) -> String {
    Uuid::new_v5(&namespace(), name.as_bytes())
        .to_string()
        .to_uppercase()
}

/// The REFI-QDA name of a code.
pub fn code_name(id: &str, label: &str) -> String {
    format!("{id} {label}")
}

/// Colours per action line (and grey for themes).
fn color(action_line: Option<u8>) -> &'static str {
    match action_line {
        Some(1) => "#1F3A5F",
        Some(2) => "#2A9D8F",
        Some(3) => "#E76F21",
        Some(4) => "#8D5A97",
        Some(5) => "#C0392B",
        Some(6) => "#D4A017",
        Some(7) => "#3B7DD8",
        Some(8) => "#5B8C2A",
        _ => "#8D99AE",
    }
}

fn codes_xml(p: &Prepared, out: &mut String, parent: Option<&str>, depth: usize) {
    for c in p
        .codebook
        .codes
        .iter()
        .filter(|c| c.parent.as_deref() == parent)
    {
        let indent = "  ".repeat(depth);
        let al = p
            .codebook
            .action_line_of(&c.id)
            .map(pokeval_model::ActionLine::number);
        _ = write!(
            out,
            "{indent}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\" color=\"{}\"",
            guid(&format!("code:{}", c.id)),
            escape(code_name(&c.id, &c.label).as_str()),
            color(al)
        );
        let has_children = p
            .codebook
            .codes
            .iter()
            .any(|k| k.parent.as_deref() == Some(c.id.as_str()));
        if c.description.is_empty() && !has_children {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if !c.description.is_empty() {
            _ = writeln!(
                out,
                "{indent}  <Description>{}</Description>",
                escape(c.description.as_str())
            );
        }
        codes_xml(p, out, Some(&c.id), depth + 1);
        _ = writeln!(out, "{indent}</Code>");
    }
}

/// The codebook as a `.qdc` document.
pub fn codebook_qdc(p: &Prepared) -> String {
    let mut codes = String::new();
    codes_xml(p, &mut codes, None, 2);
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"pokeval {}\">\n  <Codes>\n{codes}  </Codes>\n</CodeBook>\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The codebook as a CSV in the form Taguette imports and exports: a
/// `tag` column and a `description` column. Taguette has no code tree but
/// writes a hierarchy in the tag's name with dots, so a sub-code is
/// `<parent name>.<name>`; a dot inside a name becomes a space so that it
/// does not read as a level.
pub fn codebook_taguette(p: &Prepared) -> Result<Vec<u8>> {
    let name = |id: &str| {
        p.codebook.code(id).map_or_else(
            || id.replace('.', " "),
            |c| code_name(&c.id, &c.label).replace('.', " "),
        )
    };
    let path = |id: &str| {
        let ancestors = p.codebook.ancestors(id);
        let mut parts: Vec<String> = ancestors.iter().rev().map(|a| name(&a.id)).collect();
        parts.push(name(id));
        parts.join(".")
    };
    let err = |e: csv::Error| Error::csv("codebook CSV", e);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["tag", "description"]).map_err(err)?;
    for c in &p.codebook.codes {
        w.write_record([path(&c.id).as_str(), c.description.as_str()])
            .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::csv("codebook CSV", e.into_error()))
}

fn coder_of(c: &Coding) -> &str {
    match &c.origin {
        Origin::Manual { coder } => coder,
        Origin::Rule { .. } => RULES_USER,
    }
}

/// A variable and its REFI type.
struct Var {
    name: String,
    kind: &'static str,
}

/// Variable values per municipality code.
/// Case variable values per municipality: variable name -> value.
type CaseValues = BTreeMap<String, BTreeMap<String, String>>;

fn case_values(p: &Prepared) -> Result<(Vec<Var>, CaseValues)> {
    let mut vars = vec![
        Var {
            name: "gemeentecode".into(),
            kind: "Text",
        },
        Var {
            name: "provincie".into(),
            kind: "Text",
        },
        Var {
            name: "grootteklasse".into(),
            kind: "Integer",
        },
        Var {
            name: "inwoners".into(),
            kind: "Integer",
        },
        Var {
            name: "wave".into(),
            kind: "Integer",
        },
    ];
    let mut values: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for m in p.inputs.register.iter() {
        let v = values.entry(m.code.clone()).or_default();
        v.insert("gemeentecode".into(), m.code.clone());
        v.insert("provincie".into(), m.province.clone());
        v.insert("grootteklasse".into(), m.size_class.code().to_string());
        v.insert("inwoners".into(), m.inhabitants.to_string());
        v.insert("wave".into(), p.project.config.wave.to_string());
    }
    for survey in &p.inputs.surveys {
        let mut per_muni: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (rid, muni) in &survey.data.respondents {
            per_muni
                .entry(muni.as_str())
                .or_default()
                .push(rid.as_str());
        }
        let closed: Vec<_> = survey
            .instrument
            .questions
            .iter()
            .filter(|q| {
                matches!(
                    q.kind,
                    QuestionType::Single | QuestionType::Likert | QuestionType::Numeric
                )
            })
            .collect();
        for q in &closed {
            vars.push(Var {
                name: format!("enquete_{}", q.id),
                kind: if q.kind == QuestionType::Numeric {
                    "Float"
                } else {
                    "Text"
                },
            });
        }
        survey.data.for_each_answer(|a| {
            let (r, q) = (a.respondent, a.question);
            let Some(l) = a.label else {
                return;
            };
            let Some(muni) = survey.data.respondents.get(r) else {
                return;
            };
            if per_muni.get(muni.as_str()).map(Vec::len) != Some(1) {
                return;
            }
            let Some(qd) = closed.iter().find(|c| c.id == q) else {
                return;
            };
            let value = if qd.kind == QuestionType::Numeric {
                match a.number {
                    Some(n) if !a.missing => n.to_string(),
                    _ => return,
                }
            } else {
                l.to_string()
            };
            values
                .entry(muni.clone())
                .or_default()
                .insert(format!("enquete_{q}"), value);
        })?;
    }
    Ok((vars, values))
}

/// Per (start, end, coder) selection, the codes that coder applied to it.
type Selections<'a> = BTreeMap<(usize, usize, &'a str), BTreeSet<&'a str>>;

/// Characters that are not safe in a file name on some system: QualCoder,
/// for one, copies a text source to `documents/<name>.txt`.
const UNSAFE: [char; 9] = ['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// A readable, file-name-safe name for a source: the municipality, then the
/// role and date of an interview or document, or the respondent and the
/// question of an open answer ("Enschede - beleidsadviseur - 2024-03-04",
/// "Enschede - respondent R_1 - knelpunten_open"). Without metadata, the
/// file's stem. Never ends in an extension such as `.pdf` (other tools
/// would take the text for a PDF source).
fn readable_name(p: &Prepared, s: &pokeval_model::Source) -> String {
    let muni = s.municipality.as_deref().map(|m| {
        p.inputs
            .register
            .get(m)
            .map_or(m.to_string(), |r| r.name.clone())
    });
    let stem = std::path::Path::new(s.id.rsplit(':').next().unwrap_or(&s.id))
        .file_stem()
        .map_or_else(|| s.id.clone(), |f| f.to_string_lossy().into_owned());
    let mut parts: Vec<String> = Vec::new();
    parts.extend(muni);
    match s.kind {
        pokeval_model::SourceKind::SurveyAnswer => {
            parts.extend(s.meta.get("respondent").map(|r| format!("respondent {r}")));
            parts.extend(s.meta.get("question").map(str::to_string));
        }
        _ => {
            parts.extend(s.meta.get("rol").map(str::to_string));
            parts.extend(s.meta.get("datum").map(str::to_string));
            if parts.len() < 2 {
                parts.push(stem.clone());
            }
        }
    }
    if parts.is_empty() {
        parts.push(stem);
    }
    let name: String = parts
        .join(" - ")
        .chars()
        .map(|c| {
            if UNSAFE.contains(&c) || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    name.trim_end_matches(['.', ' ']).to_string()
}

/// Readable names for all sources, made unique with " (2)", " (3)" in
/// source order.
fn source_names(p: &Prepared) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    p.inputs
        .sources
        .iter()
        .map(|s| {
            let name = readable_name(p, s);
            let n = seen.entry(name.clone()).or_default();
            *n += 1;
            if *n == 1 {
                name
            } else {
                format!("{name} ({n})")
            }
        })
        .collect()
}

/// The project document (`project.qde`) and the source texts by file name.
pub fn project_qde(p: &Prepared) -> Result<(String, Vec<(String, String)>)> {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    _ = writeln!(
        x,
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"{}\" origin=\"pokeval {}\">",
        escape(p.project.config.name.as_str()),
        env!("CARGO_PKG_VERSION")
    );
    // users
    let coders: BTreeSet<&str> = p.analysis.codings.iter().map(coder_of).collect();
    x.push_str("  <Users>\n");
    for c in &coders {
        _ = writeln!(
            x,
            "    <User guid=\"{}\" name=\"{}\"/>",
            guid(&format!("user:{c}")),
            escape(*c)
        );
    }
    if coders.is_empty() {
        _ = writeln!(
            x,
            "    <User guid=\"{}\" name=\"{RULES_USER}\"/>",
            guid(&format!("user:{RULES_USER}"))
        );
    }
    x.push_str("  </Users>\n");
    // codebook
    x.push_str("  <CodeBook>\n    <Codes>\n");
    codes_xml(p, &mut x, None, 3);
    x.push_str("    </Codes>\n  </CodeBook>\n");
    // variables and cases
    let (vars, values) = case_values(p)?;
    x.push_str("  <Variables>\n");
    for v in &vars {
        _ = writeln!(
            x,
            "    <Variable guid=\"{}\" name=\"{}\" typeOfVariable=\"{}\"/>",
            guid(&format!("variable:{}", v.name)),
            escape(v.name.as_str()),
            v.kind
        );
    }
    x.push_str("  </Variables>\n");
    let mut sources_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in &p.inputs.sources {
        if let Some(m) = &s.municipality {
            sources_of.entry(&**m).or_default().push(s.id.as_str());
        }
    }
    if !sources_of.is_empty() {
        x.push_str("  <Cases>\n");
        for (muni, srcs) in &sources_of {
            let name = p
                .inputs
                .register
                .get(muni)
                .map_or(muni.to_string(), |m| m.name.clone());
            _ = writeln!(
                x,
                "    <Case guid=\"{}\" name=\"{}\">",
                guid(&format!("case:{muni}")),
                escape(name.as_str())
            );
            if let Some(vals) = values.get(*muni) {
                for v in &vars {
                    let Some(value) = vals.get(&v.name) else {
                        continue;
                    };
                    let tag = format!("{}Value", v.kind);
                    _ = write!(x,
                        "      <VariableValue>\n        <VariableRef targetGUID=\"{}\"/>\n        <{tag}>{}</{tag}>\n      </VariableValue>\n",
                        guid(&format!("variable:{}", v.name)),
                        escape(value.as_str())
                    );
                }
            }
            for s in srcs {
                _ = writeln!(
                    x,
                    "      <SourceRef targetGUID=\"{}\"/>",
                    guid(&format!("source:{s}"))
                );
            }
            x.push_str("    </Case>\n");
        }
        x.push_str("  </Cases>\n");
    }
    // sources with selections
    let mut by_source: BTreeMap<&str, Selections> = BTreeMap::new();
    for c in &p.analysis.codings {
        let span = c
            .matched
            .filter(|_| matches!(c.origin, Origin::Manual { .. }))
            .unwrap_or(c.span);
        by_source
            .entry(&*c.source)
            .or_default()
            .entry((span.start, span.end, coder_of(c)))
            .or_default()
            .insert(&*c.code);
    }
    let mut files = Vec::new();
    x.push_str("  <Sources>\n");
    for (s, name) in p.inputs.sources.iter().zip(source_names(p)) {
        let g = guid(&format!("source:{}", s.id));
        let file = format!("{g}.txt");
        _ = writeln!(
            x,
            "    <TextSource guid=\"{g}\" name=\"{}\" plainTextPath=\"internal://{file}\">",
            escape(name.as_str())
        );
        // the id and the file the text came from, for the way back
        _ = writeln!(
            x,
            "      <Description>{}</Description>",
            escape(format!("{ID_LINE}{}\nbestand: {}", s.id, s.file).as_str())
        );
        // One selection per coder, the coder on the selection itself (where
        // QualCoder reads it) and on each coding (where the standard puts it).
        for ((start, end, coder), codes) in by_source.get(s.id.as_str()).into_iter().flatten() {
            let user = guid(&format!("user:{coder}"));
            _ = writeln!(x,
                "      <PlainTextSelection guid=\"{}\" startPosition=\"{start}\" endPosition=\"{end}\" creatingUser=\"{user}\">",
                guid(&format!("selection:{}:{start}:{end}:{coder}", s.id))
            );
            for code in codes {
                _ = write!(x,
                    "        <Coding guid=\"{}\" creatingUser=\"{user}\">\n          <CodeRef targetGUID=\"{}\"/>\n        </Coding>\n",
                    guid(&format!("coding:{}:{start}:{end}:{code}:{coder}", s.id)),
                    guid(&format!("code:{code}"))
                );
            }
            x.push_str("      </PlainTextSelection>\n");
        }
        x.push_str("    </TextSource>\n");
        files.push((format!("sources/{file}"), s.text.clone()));
    }
    x.push_str("  </Sources>\n</Project>\n");
    Ok((x, files))
}

/// The project as a `.qdpx` archive.
pub fn project_qdpx(p: &Prepared) -> Result<Vec<u8>> {
    let (qde, files) = project_qde(p)?;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        let zerr = Error::Archive;
        zip.start_file("project.qde", options).map_err(zerr)?;
        zip.write_all(qde.as_bytes())
            .map_err(|e| Error::Archive(e.into()))?;
        for (name, text) in files {
            zip.start_file(name, options).map_err(zerr)?;
            zip.write_all(text.as_bytes())
                .map_err(|e| Error::Archive(e.into()))?;
        }
        zip.finish().map_err(zerr)?;
    }
    Ok(buf.into_inner())
}
