//! REFI-QDA export: a project as `.qdpx` (zip with `project.qde` and
//! `sources/<GUID>.txt`) and the codebook as `.qdc`.
//!
//! - GUIDs are UUID v5 of stable names (`code:AL2`, `source:<id>`), so the
//!   same project exports to the same identifiers, and the archive has fixed
//!   timestamps: exporting twice gives identical bytes.
//! - Code names are `<id> <label>` ("AL2-SR Sociaal raadslieden"): readable
//!   in ATLAS.ti, MAXQDA or NVivo, and the id comes back on import.
//! - Users: one per manual coder and `pokeval-regels` for rule codings.
//! - Sources: every text source with its plain text; selections are the
//!   coded segments (manual codings placed by span keep that span), with one
//!   `Coding` per code and coder.
//! - Cases: one per municipality with a source, with variables gemeentecode,
//!   provincie, grootteklasse, inwoners, wave, and the closed survey answers
//!   (Text for options, Float for numbers) when the municipality has exactly
//!   one respondent.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use pokeval_analysis::{Coding, Origin, Prepared};
use pokeval_survey::QuestionType;
use quick_xml::escape::escape;
use uuid::Uuid;

use crate::error::{Error, Result};

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
        let al = p.codebook.action_line_of(&c.id).map(|a| a.number());
        out.push_str(&format!(
            "{indent}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\" color=\"{}\"",
            guid(&format!("code:{}", c.id)),
            escape(code_name(&c.id, &c.label).as_str()),
            color(al)
        ));
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
            out.push_str(&format!(
                "{indent}  <Description>{}</Description>\n",
                escape(c.description.as_str())
            ));
        }
        codes_xml(p, out, Some(&c.id), depth + 1);
        out.push_str(&format!("{indent}</Code>\n"));
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

/// Per (start, end) selection, the (code, coder) pairs applied to it.
type Selections<'a> = BTreeMap<(usize, usize), BTreeSet<(&'a str, &'a str)>>;

/// The project document (`project.qde`) and the source texts by file name.
pub fn project_qde(p: &Prepared) -> Result<(String, Vec<(String, String)>)> {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"{}\" origin=\"pokeval {}\">\n",
        escape(p.project.config.name.as_str()),
        env!("CARGO_PKG_VERSION")
    ));
    // users
    let coders: BTreeSet<&str> = p.analysis.codings.iter().map(coder_of).collect();
    x.push_str("  <Users>\n");
    for c in &coders {
        x.push_str(&format!(
            "    <User guid=\"{}\" name=\"{}\"/>\n",
            guid(&format!("user:{c}")),
            escape(*c)
        ));
    }
    if coders.is_empty() {
        x.push_str(&format!(
            "    <User guid=\"{}\" name=\"{RULES_USER}\"/>\n",
            guid(&format!("user:{RULES_USER}"))
        ));
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
        x.push_str(&format!(
            "    <Variable guid=\"{}\" name=\"{}\" typeOfVariable=\"{}\"/>\n",
            guid(&format!("variable:{}", v.name)),
            escape(v.name.as_str()),
            v.kind
        ));
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
            x.push_str(&format!(
                "    <Case guid=\"{}\" name=\"{}\">\n",
                guid(&format!("case:{muni}")),
                escape(name.as_str())
            ));
            if let Some(vals) = values.get(*muni) {
                for v in &vars {
                    let Some(value) = vals.get(&v.name) else {
                        continue;
                    };
                    let tag = format!("{}Value", v.kind);
                    x.push_str(&format!(
                        "      <VariableValue>\n        <VariableRef targetGUID=\"{}\"/>\n        <{tag}>{}</{tag}>\n      </VariableValue>\n",
                        guid(&format!("variable:{}", v.name)),
                        escape(value.as_str())
                    ));
                }
            }
            for s in srcs {
                x.push_str(&format!(
                    "      <SourceRef targetGUID=\"{}\"/>\n",
                    guid(&format!("source:{s}"))
                ));
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
            .entry((span.start, span.end))
            .or_default()
            .insert((&*c.code, coder_of(c)));
    }
    let mut files = Vec::new();
    x.push_str("  <Sources>\n");
    for s in &p.inputs.sources {
        let g = guid(&format!("source:{}", s.id));
        let file = format!("{g}.txt");
        x.push_str(&format!(
            "    <TextSource guid=\"{g}\" name=\"{}\" plainTextPath=\"internal://{file}\"",
            escape(s.id.as_str())
        ));
        match by_source.get(s.id.as_str()) {
            None => x.push_str("/>\n"),
            Some(sels) => {
                x.push_str(">\n");
                for ((start, end), codings) in sels {
                    x.push_str(&format!(
                        "      <PlainTextSelection guid=\"{}\" startPosition=\"{start}\" endPosition=\"{end}\">\n",
                        guid(&format!("selection:{}:{start}:{end}", s.id))
                    ));
                    for (code, coder) in codings {
                        x.push_str(&format!(
                            "        <Coding guid=\"{}\" creatingUser=\"{}\">\n          <CodeRef targetGUID=\"{}\"/>\n        </Coding>\n",
                            guid(&format!("coding:{}:{start}:{end}:{code}:{coder}", s.id)),
                            guid(&format!("user:{coder}")),
                            guid(&format!("code:{code}"))
                        ));
                    }
                    x.push_str("      </PlainTextSelection>\n");
                }
                x.push_str("    </TextSource>\n");
            }
        }
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
        let zerr = |e: zip::result::ZipError| Error::Archive(e.to_string());
        zip.start_file("project.qde", options).map_err(zerr)?;
        zip.write_all(qde.as_bytes())
            .map_err(|e| Error::Archive(e.to_string()))?;
        for (name, text) in files {
            zip.start_file(name, options).map_err(zerr)?;
            zip.write_all(text.as_bytes())
                .map_err(|e| Error::Archive(e.to_string()))?;
        }
        zip.finish().map_err(zerr)?;
    }
    Ok(buf.into_inner())
}
