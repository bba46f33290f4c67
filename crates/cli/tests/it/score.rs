//! `pokeval score` on the repository's gold files, as a user runs it.

use crate::common::{pokeval, stderr, stdout};

#[test]
fn score_prints_the_codebook_and_privacy_figures_for_gold_files() {
    let o = pokeval(&[
        "score",
        "reports/2024",
        "--passages",
        "fixtures/gold/passages.tsv",
        "--privacy",
        "fixtures/privacy/corpus.txt",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "gold passages fixtures/gold/passages.tsv scored with the built-in codebook",
        "held-out half (even passages)",
        "AL8 ",
        "macro F1",
        "privacy corpus fixtures/privacy/corpus.txt",
        "structured recall",
        "look-alikes changed: 0 of",
    ] {
        assert!(out.contains(want), "'{want}' missing in:\n{out}");
    }
}

#[test]
fn score_without_a_gold_file_or_with_a_broken_one_says_what_to_do() {
    let o = pokeval(&["score"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--passages FILE"), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("gold.tsv");
    std::fs::write(&bad, "AL4 Het wijkteam groeide.\n").unwrap();
    let o = pokeval(&["score", "--passages", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("gold.tsv") && e.contains("line 1") && e.contains("no tab"),
        "{e}"
    );
}
