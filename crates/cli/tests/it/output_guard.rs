//! All-or-nothing output and a safe output folder: a failing build leaves
//! the output folder and `.pokeval/` exactly as they were, and an output
//! folder that is (or contains) the project folder, or holds `.pokeval/`,
//! is refused from the command line and from `evaluatie.toml` alike.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_failing_build_leaves_the_output_and_the_mapping_as_they_were() {
    let tmp = tempfile::tempdir().unwrap();
    let project = example_project_in(tmp.path(), |t| t);
    let out = tmp.path().join("uit");
    let o = build_to(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let mapping_dir = tmp.path().join(".pokeval");
    assert!(mapping_dir.join("pseudoniemen.csv").is_file());
    // the mapping as a user might have left it, and the built report
    std::fs::write(
        mapping_dir.join("pseudoniemen.csv"),
        "pseudoniem,origineel\n",
    )
    .unwrap();
    let before_out = snapshot(&out);
    let before_mapping = snapshot(&mapping_dir);

    // the same project with a misspelt table in the report: it fails
    // after ingest and pseudonymisation, while rendering
    let broken = tiny_report(
        tmp.path(),
        "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\n{{ table(name=\"bestaat_niet\") }}\n",
    );
    let o = build_to(&broken, &out);
    assert!(!o.status.success(), "the build should fail");
    assert!(stderr(&o).contains("bestaat_niet"), "{}", stderr(&o));
    // ... and says the report there is the earlier one
    assert!(
        stderr(&o).contains(&format!(
            "note: {} still holds rapport.html, rapport.pdf, analyse.json from an earlier run; they were not replaced",
            out.display()
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot(&out), before_out, "the output folder changed");
    assert_eq!(
        snapshot(&mapping_dir),
        before_mapping,
        "the mapping changed"
    );
}

#[test]
fn an_output_folder_that_is_or_contains_the_project_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let project_dir = tmp.path().join("project");
    std::fs::create_dir_all(&project_dir).unwrap();
    let project = example_project_in(&project_dir, |t| t);
    for out in [project_dir.clone(), tmp.path().to_path_buf()] {
        let before = snapshot(tmp.path());
        let o = build_to(&project, &out);
        assert!(!o.status.success(), "--out {} accepted", out.display());
        let err = stderr(&o);
        assert!(
            err.contains("output folder") && err.contains("project folder"),
            "{err}"
        );
        assert_eq!(snapshot(tmp.path()), before, "something was written");
    }
    // a folder holding .pokeval/ (pseudonym mappings) is refused too
    let shared = tmp.path().join("gedeeld");
    std::fs::create_dir_all(shared.join(".pokeval")).unwrap();
    let o = build_to(&project, &shared);
    assert!(!o.status.success());
    assert!(stderr(&o).contains(".pokeval"), "{}", stderr(&o));

    // the same rule for `output` in evaluatie.toml
    let text = std::fs::read_to_string(&project).unwrap();
    std::fs::write(&project, text.replace("output = \"out\"", "output = \".\"")).unwrap();
    let o = pokeval(&["build", project.to_str().unwrap(), "--quiet"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("evaluatie.toml")
            && err.contains("output = ")
            && err.contains("project folder"),
        "{err}"
    );
}
