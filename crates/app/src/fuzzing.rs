//! The fuzzing entry point for a report author's input: one chapter of
//! Markdown with front matter and shortcodes, rendered to HTML against the
//! example's analysis (prepared once per process). The `fuzz/` target
//! `report_chapter` calls it, and the app crate's `tests/it/fuzz_replay.rs` replays the
//! saved inputs through it on stable. It must return without panicking
//! whatever the bytes; an error is a fine outcome.

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

use pokeval_analysis::Prepared;
use pokeval_model::NoProgress;
use pokeval_report::html::Templates;

/// The example project of 2024, prepared once.
fn example() -> &'static Prepared {
    static PREPARED: OnceLock<Prepared> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let path = repo().join("reports/2024");
        crate::prepare(&path, &NoProgress).expect("the example project prepares")
    })
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Renders `data` as the one chapter of a report with the example's
/// settings (title, date, notice) and analysis.
pub fn report_chapter(data: &[u8]) {
    let prepared = example();
    let file = pokeval_survey::fuzzing::temp_file(data, "md");
    let Some(tmp) = file.parent() else { return };
    let dir = tmp.join(format!(
        "report-{}",
        file.file_stem().and_then(|s| s.to_str()).unwrap_or("x")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(dir.join("chapters")).is_err() {
        return;
    }
    let settings = std::fs::read_to_string(repo().join("reports/2024/report.toml"))
        .unwrap_or_default()
        .split("[[chapter]]")
        .next()
        .unwrap_or_default()
        .to_string();
    let config = format!("{settings}\n[[chapter]]\nfile = \"chapters/01.md\"\n");
    if std::fs::write(dir.join("report.toml"), config).is_err()
        || std::fs::write(dir.join("chapters/01.md"), data).is_err()
    {
        return;
    }
    // the folder has no templates/, so the built-in templates, parsed
    // once: parsing them took three fifths of each execution
    static TEMPLATES: LazyLock<Option<Templates>> = LazyLock::new(|| Templates::builtin().ok());
    let Some(templates) = &*TEMPLATES else { return };
    if let Ok(sources) = pokeval_report::sources::ReportSources::load(&dir) {
        let _ = pokeval_report::render_with(templates, &sources, &prepared.analysis, false);
    }
}

/// A fuzz target's entry point.
pub type Entry = fn(&[u8]);

/// Every fuzz target by name, with its entry point: what `fuzz/` builds and
/// what the replay test runs the saved inputs through.
pub const TARGETS: &[(&str, Entry)] = &[
    ("csv_records", pokeval_formats::fuzzing::csv_records),
    ("survey_export", pokeval_survey::fuzzing::export_any),
    ("survey_structure", pokeval_survey::fuzzing::structure_any),
    ("instrument", pokeval_survey::fuzzing::instrument),
    ("note", pokeval_ingest::fuzzing::note_any),
    ("refi", pokeval_ingest::fuzzing::refi_any),
    ("boundaries", pokeval_ingest::fuzzing::boundaries),
    ("project_table", pokeval_ingest::fuzzing::table_any),
    ("codebook", pokeval_analysis::fuzzing::codebook),
    ("gold_files", pokeval_analysis::fuzzing::gold_files),
    ("report_chapter", report_chapter),
];
