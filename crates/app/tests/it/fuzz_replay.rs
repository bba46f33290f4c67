//! Replays the fuzz corpus (`fuzz/corpus/<target>/`, seeds from the
//! fixtures and what campaigns kept) and every saved crash input
//! (`fuzz/regressions/<target>/`, each fixed) through the same entry points
//! the fuzz targets call, on stable and without sanitizers. Every input
//! must come back without a panic.

use std::path::Path;

use pokeval_app::fuzzing::TARGETS;

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_saved_fuzz_input_is_handled() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut seen = 0;
    for (name, run) in TARGETS {
        // every target has a corpus and a source file under fuzz/
        assert!(
            fuzz.join(format!("fuzz_targets/{name}.rs")).is_file(),
            "no fuzz target file for {name}"
        );
        let corpus = files(&fuzz.join("corpus").join(name));
        assert!(!corpus.is_empty(), "no corpus for fuzz target {name}");
        for path in corpus
            .iter()
            .chain(&files(&fuzz.join("regressions").join(name)))
        {
            let data = std::fs::read(path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{name}: {} panicked", path.display());
            seen += 1;
        }
    }
    eprintln!("replayed {seen} fuzz inputs");
}
