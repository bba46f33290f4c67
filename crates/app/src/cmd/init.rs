//! `pokeval init`: a new evaluation project that builds as it is.
//!
//! The scaffold holds the planned funds table (real figures from the
//! decembercirculaire 2021), an editable copy of the default codebook, an
//! empty municipality register with the expected columns, a notes folder
//! with a description of the note format, and report sources whose text
//! tells the author what to write. It names no survey export yet: add a
//! `[[survey]]` table to `evaluatie.toml` when the export arrives.
//!
//! [`init_from`] scaffolds the next wave from a previous wave's project:
//! the instruments copied with their question ids (so the answers stay
//! comparable), the codebook copied, the register, mergers, funds and
//! population tables linked (not copied: they are shared facts), the
//! earlier waves listed in `[comparison] earlier`, and report sources with
//! the comparison chapter.

use std::path::{Path, PathBuf};

use pokeval_analysis::codebook::DEFAULT_CODEBOOK;
use pokeval_ingest::project::PROJECT_FILE;
use pokeval_model::Wave;

use crate::error::{Error, Result};
use crate::output::write_atomic;
use std::fmt::Write as _;

const FUNDS: &str = include_str!("../../../../fixtures/middelen_per_actielijn.csv");

fn project_file(wave: Wave) -> String {
    format!(
        r#"# pokeval evaluation project. Paths are relative to this file.
name = "Evaluatie besteding POK-middelen {wave}"
wave = {wave}
output = "out"
report = "rapport"
codebook = "codebook.toml"

[register]
# CBS municipality table: gemeentecode, gemeentenaam, provincienaam, inwoners
# (a CBS export works as it is) and optionally aliassen ("Den Bosch").
path = "gemeenten.csv"

[notes]
path = "interviews"

[funds]
path = "middelen_per_actielijn.csv"

# Add the survey export when it arrives:
# [[survey]]
# path = "enquete.csv"
# platform = "qualtrics"
# instrument = "instrument.toml"

# And the vouchers list (gemeentecode, datum, bedrag, thema):
# [vouchers]
# path = "vouchers.csv"

# Coding: the unit ("paragraph" or "sentence"), manual codings and the gold coder.
# [coding]
# unit = "paragraph"
# manual = ["coderingen.csv"]
# gold = "Codeur A"
"#
    )
}

const REGISTER: &str = "gemeentecode,gemeentenaam,provincienaam,inwoners,aliassen\n";

const NOTES_README: &str = r#"Interview notes: one file per interview: Markdown (.md), text (.txt),
Word (.docx), OpenDocument (.odt) or PDF. Give the municipality (and date,
role) in front matter at the top, TOML between +++ lines or YAML between
--- lines; or in a metadata.csv here (bestand,gemeente,datum,rol); or in
the file name: gemeente_2025-03-04_rol.docx. For example:

+++
gemeente = "Enschede"      # name, alias or CBS code from gemeenten.csv
datum = 2025-03-04
rol = "beleidsadviseur sociaal domein"
interviewer = "..."        # optional
+++
The notes, in paragraphs separated by blank lines. Transcripts with
speaker labels ("Interviewer:", "R:") are recognised.

Personal data is pseudonymised before anything is coded or shown; the
mapping goes to .pokeval/pseudoniemen.csv next to evaluatie.toml.

This README is not read as a note.
"#;

fn report_toml(wave: Wave) -> String {
    let ordinal = match wave.ordinal() {
        1 => "Eerste",
        2 => "Tweede",
        _ => "Derde",
    };
    format!(
        r#"title = "Evaluatie besteding POK-middelen"
subtitle = "{ordinal} van een reeks van drie evaluaties"
bureau = "Naam van het onderzoeksbureau"
commissioned_by = "Vereniging Nederlandse Gemeenten (VNG)"
team = []
contact = "Vul hier het contactadres in"
date = {wave}-12-01

[[chapter]]
file = "hoofdstukken/01-inleiding.md"

[[chapter]]
file = "hoofdstukken/02-verdeling.md"

[[chapter]]
file = "hoofdstukken/03-besteding.md"
# stories = ["verhalen/gemeente.md"]
"#
    )
}

const CHAPTER_1: &str = r#"+++
title = "Inleiding"
+++
# Aanleiding en context

## Achtergrond

### Schrijf hier de kernboodschap van deze pagina

Deze pagina is nog niet geschreven. Een `#`-kop begint een paragraaf van het hoofdstuk, een `##`-kop een nieuwe pagina en een `###`-kop een bevinding op de pagina.

# Onderzoeksverantwoording

## Evaluatiemethode

### Bronnen

Aan de enquête deden {{ value(name="respondents") }} respondenten mee; er zijn {{ value(name="interviews") }} interviewverslagen verwerkt.
"#;

const CHAPTER_2: &str = r#"+++
title = "Verdeling middelen"
+++
# Middelen per actielijn

## Geplande verdeling

### Beschrijf hier wat de tabel laat zien

{{ table(name="funds") }}

{{ chart(name="funds_per_year") }}
"#;

const CHAPTER_3: &str = r#"+++
title = "Besteding middelen"
+++
# Besteding per actielijn

## Gecodeerde passages

### Beschrijf hier welke actielijnen het vaakst terugkomen

{{ chart(name="codings_per_action_line") }}

{{ table(name="codings_per_action_line") }}
"#;

const CHAPTER_COMPARISON: &str = r#"+++
title = "Ontwikkeling sinds de vorige metingen"
+++
# Vergelijking van de metingen

## Enquête

### Schrijf hier wat er veranderde sinds {{ value(name="waves") }}

{{ table(name="waves_questions") }}

{{ table(name="waves_response", by="size_class") }}

## Gecodeerde passages

### Beschrijf hier welke onderwerpen vaker of minder vaak terugkomen

{{ chart(name="waves_codes") }}

{{ table(name="waves_codes", level="action_line") }}

## Deelname

### Welke gemeenten deden wanneer mee

{{ table(name="waves_panel") }}

# Leren van elkaar

## Leerpartners

### Beschrijf hier wat gemeenten van elkaar kunnen leren

{{ table(name="learning") }}
"#;

/// `target` written relative to the folder `base` (both absolute or both
/// relative to the same folder), with `/` separators, for a project file.
fn relative(base: &Path, target: &Path) -> String {
    let abs = pokeval_model::fsio::normalise;
    let (b, t) = (abs(base), abs(target));
    let bc: Vec<_> = b.components().collect();
    let tc: Vec<_> = t.components().collect();
    let common = bc.iter().zip(&tc).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); bc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// The instrument text for another wave: the `wave = ...` line changed,
/// everything else (ids, options, column maps, comments) kept.
fn instrument_for(text: &str, wave: Wave) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if !done && t.starts_with("wave") && t[4..].trim_start().starts_with('=') {
            _ = writeln!(out, "wave = {wave}");
            done = true;
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Creates the project for `wave` in `dir` from the previous wave's
/// project at `from` (a folder or its `evaluatie.toml`), and returns the
/// files written. Refuses when `dir` already holds a project, when `from`
/// is not a project, or when its wave is not earlier than `wave`.
pub fn init_from(dir: &Path, wave: u16, from: &Path) -> Result<Vec<PathBuf>> {
    let wave = Wave::new(wave).map_err(|message| Error::Init {
        path: dir.to_path_buf(),
        message: message.to_string(),
    })?;
    let prev = pokeval_ingest::project::Project::load(from)?;
    let pc = &prev.config;
    if pc.wave >= wave {
        return Err(Error::Init {
            path: prev.file.clone(),
            message: format!(
                "this is wave {}; a next wave scaffolded from it must be later, not {wave}",
                pc.wave
            ),
        });
    }
    let project = dir.join(PROJECT_FILE);
    if project.exists() {
        return Err(Error::Init {
            path: project,
            message: "a project already exists here; choose another folder or edit this one"
                .to_string(),
        });
    }
    let rel = |p: &Path| relative(dir, p);
    let mut files: Vec<(String, String)> = Vec::new();
    let codebook = match &pc.codebook {
        Some(p) => pokeval_model::text::read_text(p)?,
        None => DEFAULT_CODEBOOK.to_string(),
    };
    files.push(("codebook.toml".into(), codebook));
    let mut surveys = String::new();
    for (i, s) in pc.survey.iter().enumerate() {
        let name = if pc.survey.len() == 1 {
            "instrument.toml".to_string()
        } else {
            format!("instrument-{}.toml", i + 1)
        };
        let text = pokeval_model::text::read_text(&s.instrument)?;
        files.push((name.clone(), instrument_for(&text, wave)));
        _ = write!(surveys,
            "# [[survey]]\n# path = \"enquete.csv\"\n# instrument = \"{name}\"   # the {} instrument with its question ids\n",
            pc.wave
        );
    }
    let mut earlier: Vec<String> = pc
        .comparison
        .as_ref()
        .map(|c| c.earlier.iter().map(|p| rel(p)).collect())
        .unwrap_or_default();
    earlier.push(rel(&prev.root));
    let opt = |key: &str, p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| format!("{key} = \"{}\"\n", rel(p)))
            .unwrap_or_default()
    };
    let mut toml = format!(
        r#"# pokeval evaluation project for wave {wave}, scaffolded from wave {prev_wave}
# ({prev_file}). Paths are relative to this file.
name = "Evaluatie besteding POK-middelen {wave}"
wave = {wave}
output = "out"
report = "rapport"
codebook = "codebook.toml"

[register]
path = "{register}"
{mergers}{mapping}
[notes]
path = "interviews"

[funds]
path = "{funds}"

# Add the survey export when it arrives; the instrument keeps the question
# ids of {prev_wave}. A question whose text or options change must say
# `comparable = true` or `comparable = false`.
{surveys}"#,
        prev_wave = pc.wave,
        prev_file = rel(&prev.file),
        register = rel(&pc.register.path),
        mergers = opt("mergers", &pc.register.mergers),
        mapping = opt("mapping", &pc.register.mapping),
        funds = rel(&pc.funds.path),
    );
    if let Some(p) = &pc.population {
        _ = write!(toml, "\n[population]\npath = \"{}\"\n", rel(&p.path));
    }
    let list: Vec<String> = earlier.iter().map(|e| format!("\"{e}\"")).collect();
    _ = write!(toml,
        "\n# The earlier waves, oldest first: building this wave compares with them.\n[comparison]\nearlier = [{}]\n",
        list.join(", ")
    );
    files.push(("interviews/README.md".into(), NOTES_README.to_string()));
    files.push((
        "rapport/report.toml".into(),
        report_toml(wave).replace(
            "[[chapter]]\nfile = \"hoofdstukken/03-besteding.md\"",
            "[[chapter]]\nfile = \"hoofdstukken/03-besteding.md\"\n\n[[chapter]]\nfile = \"hoofdstukken/04-vergelijking.md\"",
        ),
    ));
    files.push((
        "rapport/hoofdstukken/01-inleiding.md".into(),
        CHAPTER_1.to_string(),
    ));
    files.push((
        "rapport/hoofdstukken/02-verdeling.md".into(),
        CHAPTER_2.to_string(),
    ));
    files.push((
        "rapport/hoofdstukken/03-besteding.md".into(),
        CHAPTER_3.to_string(),
    ));
    files.push((
        "rapport/hoofdstukken/04-vergelijking.md".into(),
        CHAPTER_COMPARISON.to_string(),
    ));
    // the project file last: a failure part-way leaves no project that looks complete
    files.push((PROJECT_FILE.into(), toml));
    let mut written = Vec::new();
    for (name, contents) in &files {
        let path = dir.join(name);
        write_atomic(&path, contents.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Creates a project for `wave` in `dir` and returns the files written.
/// Refuses when `dir` already holds a project file.
pub fn init(dir: &Path, wave: u16) -> Result<Vec<PathBuf>> {
    let wave = Wave::new(wave).map_err(|message| Error::Init {
        path: dir.to_path_buf(),
        message: message.to_string(),
    })?;
    let project = dir.join(PROJECT_FILE);
    if project.exists() {
        return Err(Error::Init {
            path: project,
            message: "a project already exists here; choose another folder or edit this one"
                .to_string(),
        });
    }
    let files: Vec<(&str, String)> = vec![
        (PROJECT_FILE, project_file(wave)),
        ("codebook.toml", DEFAULT_CODEBOOK.to_string()),
        ("gemeenten.csv", REGISTER.to_string()),
        ("middelen_per_actielijn.csv", FUNDS.to_string()),
        ("interviews/README.md", NOTES_README.to_string()),
        ("rapport/report.toml", report_toml(wave)),
        (
            "rapport/hoofdstukken/01-inleiding.md",
            CHAPTER_1.to_string(),
        ),
        (
            "rapport/hoofdstukken/02-verdeling.md",
            CHAPTER_2.to_string(),
        ),
        (
            "rapport/hoofdstukken/03-besteding.md",
            CHAPTER_3.to_string(),
        ),
    ];
    let mut written = Vec::new();
    // the project file last: a failure part-way leaves no project that looks complete
    for (name, contents) in files.iter().skip(1).chain(files.iter().take(1)) {
        let path = dir.join(name);
        write_atomic(&path, contents.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
