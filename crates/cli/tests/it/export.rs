//! `pokeval export` as a user runs it, and a REFI-QDA export read back into
//! a project as manual codings.

use crate::common;

use common::*;

#[test]
fn export_writes_each_format_and_the_qdpx_comes_back_as_codings() {
    let tmp = tempfile::tempdir().unwrap();
    for (format, name) in [
        ("qdpx", "p.qdpx"),
        ("qdc", "c.qdc"),
        ("xlsx", "t.xlsx"),
        ("csv", "tabellen"),
    ] {
        let out = tmp.path().join(name);
        let o = pokeval(&[
            "export",
            "reports/2024",
            "--quiet",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        assert!(out.exists(), "{format}");
        assert!(stdout(&o).contains("wrote"));
    }
    let o = pokeval(&["export", "reports/2024", "--format", "pdf"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("qdpx"), "the error lists the formats");

    // the exported project as the manual codings of a project
    let qdpx = tmp.path().join("p.qdpx");
    let p = example_with_input(
        tmp.path(),
        "fixtures/2024/handmatige_coderingen_voorbeeld.csv",
        &qdpx,
    );
    let out = tmp.path().join("out");
    let o = build_to(p, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains("p.qdpx"))
        .expect("a summary line for the qdpx")
        .to_string();
    let nums: Vec<&str> = line.split_whitespace().rev().take(3).collect();
    assert_eq!(nums[0], "0", "nothing rejected: {line}");
    assert_eq!(nums[1], nums[2], "read = accepted: {line}");
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analyse.json")).unwrap()).unwrap();
    let coders: Vec<&str> = a["agreement"]["coders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(coders, vec!["Codeur A", "Codeur B", "pokeval-regels"]);
}
