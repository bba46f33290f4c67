//! `pokeval init`: a new evaluation project that builds as it is.
//!
//! The scaffold holds the planned funds table (real figures from the
//! decembercirculaire 2021), an editable copy of the default codebook, an
//! empty municipality register with the expected columns, a notes folder
//! with a description of the note format, and report sources whose text
//! tells the author what to write. It names no survey export yet: add a
//! `[[survey]]` table to `evaluatie.toml` when the export arrives.

use std::path::{Path, PathBuf};

use pokeval_analysis::codebook::DEFAULT_CODEBOOK;
use pokeval_ingest::project::PROJECT_FILE;
use pokeval_model::Wave;

use crate::error::{Error, Result};
use crate::output::write_atomic;

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

/// Creates a project for `wave` in `dir` and returns the files written.
/// Refuses when `dir` already holds a project file.
pub fn init(dir: &Path, wave: u16) -> Result<Vec<PathBuf>> {
    let wave = Wave::new(wave).map_err(|message| Error::Init {
        path: dir.to_path_buf(),
        message,
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
