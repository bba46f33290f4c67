//! Inline values: a count with `one=` and `many=` prints the noun that
//! agrees with the number, in the report and as analyse.json counts it.

use crate::common;

use common::*;

/// The number of municipalities whose material mentions action line `n`,
/// from analyse.json.
fn municipalities_of(json: &serde_json::Value, n: u64) -> u64 {
    json["action_line_frequencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["action_line"] == n)
        .unwrap()["municipalities"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_count_with_one_and_many_prints_the_agreeing_noun() {
    let tmp = tempfile::tempdir().unwrap();
    let chapter = "+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\n".to_string()
        + &(1..=8)
            .map(|n| format!("Lijn {n}: {{{{ value(name=\"action_line_municipalities\", line=\"{n}\", one=\"gemeente\", many=\"gemeenten\") }}}}.\n\n"))
            .collect::<String>();
    let project = tiny_report(tmp.path(), &chapter);
    let out = tmp.path().join("uit");
    let o = build_to(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analyse.json")).unwrap()).unwrap();
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    let mut nouns = std::collections::BTreeSet::new();
    for n in 1..=8 {
        let count = municipalities_of(&json, n);
        let noun = if count == 1 { "gemeente" } else { "gemeenten" };
        nouns.insert(noun);
        let want = format!("Lijn {n}: {count} {noun}.");
        assert!(html.contains(&want), "'{want}' not in the report");
    }
    // the example has action lines with one municipality and with several,
    // so both forms were checked
    assert_eq!(nouns.len(), 2, "{nouns:?}");
}

#[test]
fn one_without_many_or_on_an_amount_is_an_error_naming_file_and_line() {
    for (shortcode, message) in [
        (
            "{{ value(name=\"interviews\", one=\"interview\") }}",
            "give both one=",
        ),
        (
            "{{ value(name=\"funds_total\", year=\"2024\", one=\"a\", many=\"b\") }}",
            "'funds_total' is not a count",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let project = tiny_report(
            tmp.path(),
            &format!("+++\ntitle = \"Een\"\n+++\n# A\n\n## B\n\nTekst {shortcode}.\n"),
        );
        let out = tmp.path().join("uit");
        let o = build_to(&project, &out);
        assert!(!o.status.success());
        let err = stderr(&o);
        assert!(
            err.contains("1.md, line 8") && err.contains(message),
            "{err}"
        );
        assert!(!out.exists(), "nothing is written");
    }
}
