//! Manual codings, agreement, rule quality and the code tables on a small
//! hand-made set of sources whose numbers can be checked by hand.

use std::path::Path;

use pokeval_analysis::autocode::{autocode, segments, Coding, Origin};
use pokeval_analysis::manual::{agreement, place_manual, rule_quality};
use pokeval_analysis::tables::*;
use pokeval_analysis::Codebook;
use pokeval_ingest::manual::{Anchor, ManualRecord};
use pokeval_ingest::project::CodingUnit;
use pokeval_model::{Municipality, SizeClass, Source, SourceKind, Wave};

fn codebook() -> Codebook {
    Codebook::parse(
        Path::new("t.toml"),
        r#"
name = "t"
[[code]]
id = "AL4"
label = "Wijkteams"
action_line = 4
include = ["wijkteam"]
[[code]]
id = "AL2"
label = "Rechtsbescherming"
action_line = 2
[[code]]
id = "AL2-SR"
label = "Sociaal raadslieden"
parent = "AL2"
include = ["raadslieden"]
[[code]]
id = "TH"
label = "Toegang"
include = ["toegang"]
"#,
    )
    .unwrap()
}

fn source(id: &str, file: &str, muni: &str, text: &str) -> Source {
    Source {
        id: id.into(),
        kind: SourceKind::Interview,
        municipality: Some(muni.into()),
        wave: Wave::new(2024).unwrap(),
        text: text.into(),
        file: file.into(),
        meta: Default::default(),
    }
}

fn sources() -> Vec<Source> {
    vec![
        source("i:a", "notes/a.md", "GM0001", "# Kop\n\nHet wijkteam groeit.\n\nDe raadslieden en het wijkteam werken samen.\n\nToegang is beter."),
        source("i:b", "notes/b.md", "GM0002", "Geen wijkteam hier.\n\nWel raadslieden."),
        source("i:c", "notes/c.md", "GM0003", "Niets over het onderwerp."),
    ]
}

fn municipalities() -> Vec<Municipality> {
    [
        ("GM0001", "Aa", "P1", 4_000),
        ("GM0002", "Bee", "P1", 30_000),
        ("GM0003", "Cee", "P2", 30_000),
    ]
    .iter()
    .map(|(c, n, p, i)| Municipality {
        code: c.to_string(),
        name: n.to_string(),
        province: p.to_string(),
        inhabitants: *i,
        size_class: SizeClass::for_inhabitants(*i),
        aliases: vec![],
        location: None,
    })
    .collect()
}

fn rec(line: u64, source: &str, anchor: Anchor, code: &str, coder: &str) -> ManualRecord {
    ManualRecord {
        file: "m.csv".into(),
        line,
        source: source.into(),
        anchor,
        code: code.into(),
        coder: coder.into(),
        expected_text: None,
        confirms: false,
    }
}

fn seg(n: &str) -> Anchor {
    Anchor::Segment(n.into())
}

#[test]
fn segments_are_numbered_without_headings() {
    let s = &sources()[0];
    let segs = segments(s, CodingUnit::Paragraph);
    let ids: Vec<&str> = segs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["i:a#1", "i:a#2", "i:a#3"]);
    assert_eq!(segs[0].span.slice(&s.text), Some("Het wijkteam groeit."));
    let sentences = segments(s, CodingUnit::Sentence);
    assert_eq!(sentences[1].id, "i:a#s2");
}

#[test]
fn manual_rows_are_placed_or_rejected_with_a_reason() {
    let cb = codebook();
    let srcs = sources();
    let (segs, _) = autocode(&cb, &srcs, CodingUnit::Paragraph).unwrap();
    let text = &srcs[0].text;
    let start = text[..text.find("raadslieden").unwrap()].chars().count();
    let records = vec![
        rec(2, "a.md", seg("1"), "AL4", "A"),
        rec(
            3,
            "i:a",
            Anchor::Span {
                start,
                end: start + 11,
            },
            "AL2-SR",
            "A",
        ),
        rec(4, "a.md", seg("1"), "AL4", "A"),
        rec(5, "a.md", seg("9"), "AL4", "A"),
        rec(6, "x.md", seg("1"), "AL4", "A"),
        rec(7, "a.md", seg("1"), "XX", "A"),
        rec(8, "a.md", Anchor::Span { start: 0, end: 999 }, "AL4", "B"),
        rec(9, "a.md", Anchor::Span { start: 0, end: 5 }, "AL4", "B"),
        ManualRecord {
            expected_text: Some("raadsleden".into()),
            confirms: false,
            ..rec(
                10,
                "i:a",
                Anchor::Span {
                    start,
                    end: start + 11,
                },
                "AL2-SR",
                "B",
            )
        },
    ];
    let (codings, rejects, summary) = place_manual(&[], &records, &srcs, &segs, &cb);
    assert_eq!(codings.len(), 2);
    assert_eq!(&*codings[1].segment, "i:a#2");
    assert_eq!(codings[1].matched.unwrap().slice(text), Some("raadslieden"));
    assert_eq!(codings[1].origin, Origin::Manual { coder: "A".into() });
    let reasons: Vec<(u64, &str)> = rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 7, "{reasons:?}");
    assert!(reasons[6].1.contains("differs from the text the coding was made on ('raadslieden' here, 'raadsleden' in the file)"));
    assert!(reasons[0].1.contains("already applied"));
    assert!(reasons[1].1.contains("segment 9 does not exist"));
    assert!(reasons[2].1.contains("'x.md' is not among"));
    assert!(reasons[3].1.contains("code 'XX' is not in the codebook"));
    assert!(reasons[4].1.contains("beyond the end"));
    assert!(reasons[5].1.contains("covers no codable segment"));
    assert_eq!(
        (summary[0].read, summary[0].accepted, summary[0].rejected),
        (9, 2, 7)
    );
}

fn manual(code: &str, segment: &str, coder: &str) -> Coding {
    let (source, _) = segment.split_once('#').unwrap();
    Coding {
        segment: segment.into(),
        source: source.into(),
        span: pokeval_model::Span::new(0, 1),
        code: code.into(),
        origin: Origin::Manual {
            coder: coder.into(),
        },
        matched: None,
    }
}

#[test]
fn the_summary_lists_every_manual_file_and_counts_what_was_not_carried() {
    let cb = codebook();
    let srcs = sources();
    let (segs, _) = autocode(&cb, &srcs, CodingUnit::Paragraph).unwrap();
    let files = vec![
        pokeval_ingest::manual::ManualFile {
            file: "leeg.qdpx".into(),
            not_carried: 1,
        },
        pokeval_ingest::manual::ManualFile {
            file: "atlas.qdpx".into(),
            not_carried: 4,
        },
    ];
    let record = pokeval_ingest::manual::ManualRecord {
        file: "atlas.qdpx".into(),
        line: 0,
        source: "i:a".into(),
        anchor: pokeval_ingest::manual::Anchor::Segment("1".into()),
        code: "AL4".into(),
        coder: "A".into(),
        expected_text: None,
        confirms: false,
    };
    let (codings, _, summary) = place_manual(&files, &[record], &srcs, &segs, &cb);
    assert_eq!(codings.len(), 1);
    let rows: Vec<(&str, usize, usize, usize)> = summary
        .iter()
        .map(|s| (s.file.as_str(), s.read, s.accepted, s.rejected))
        .collect();
    assert_eq!(rows, vec![("leeg.qdpx", 1, 0, 1), ("atlas.qdpx", 5, 1, 4)]);
}

#[test]
fn a_coding_with_its_text_is_rejected_when_the_segment_now_holds_other_text() {
    let cb = codebook();
    let srcs = sources();
    let (segs, _) = autocode(&cb, &srcs, CodingUnit::Paragraph).unwrap();
    let first = segs.iter().find(|s| s.id == "i:a#1").unwrap();
    let text = first.span.slice(&srcs[0].text).unwrap();
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    let record = |quote: &str| pokeval_ingest::manual::ManualRecord {
        file: "c.csv".into(),
        line: 2,
        source: "i:a".into(),
        anchor: pokeval_ingest::manual::Anchor::Segment("1".into()),
        code: "AL4".into(),
        coder: "A".into(),
        expected_text: Some(quote.to_string()),
        confirms: false,
    };
    // the beginning of the text, with a line break and an ellipsis: kept
    let begin = format!("{}\n{} {}…", words[0], words[1], words[2]);
    let (codings, rejects, _) = place_manual(&[], &[record(&begin)], &srcs, &segs, &cb);
    assert_eq!((codings.len(), rejects.len()), (1, 0), "{rejects:?}");
    // the text of another paragraph: rejected with both texts, not moved
    let (codings, rejects, _) = place_manual(
        &[],
        &[record("Een alinea die er niet meer staat")],
        &srcs,
        &segs,
        &cb,
    );
    assert!(codings.is_empty());
    assert!(
        rejects[0].reason.contains("now reads") && rejects[0].reason.contains("niet meer staat"),
        "{}",
        rejects[0].reason
    );
}

#[test]
fn with_three_coders_the_weakest_pair_shows_a_coder_who_never_uses_a_code() {
    let cb = codebook();
    let srcs = sources();
    let (segs, _) = autocode(&cb, &srcs, CodingUnit::Paragraph).unwrap();
    // A and B agree on AL4; C covers the same source but never uses AL4
    let m = vec![
        manual("AL4", "i:a#1", "A"),
        manual("AL4", "i:a#2", "A"),
        manual("AL4", "i:a#1", "B"),
        manual("AL4", "i:a#2", "B"),
        manual("TH", "i:a#3", "C"),
    ];
    let ag = agreement(&cb, &segs, &m).unwrap();
    let al4 = ag.per_code.iter().find(|c| c.code == "AL4").unwrap();
    assert_eq!(al4.pairs.len(), 3);
    assert_eq!(al4.pairs[0].kappa, Some(1.0), "A and B agree fully");
    let weakest = al4.weakest_pair().unwrap();
    assert_eq!(weakest.coder_b, "C", "{weakest:?}");
    assert!(weakest.kappa.unwrap() < 0.5, "{weakest:?}");
    assert_eq!(ag.pooled_codes, vec!["AL4", "TH"]);
}

#[test]
fn agreement_uses_coverage_for_missing_values() {
    let cb = codebook();
    let srcs = sources();
    let (segs, rules) = autocode(&cb, &srcs, CodingUnit::Paragraph).unwrap();
    // A covers a and b; B covers a only; C covers nothing.
    let m = vec![
        manual("AL4", "i:a#1", "A"),
        manual("AL4", "i:a#2", "A"),
        manual("AL2-SR", "i:a#2", "A"),
        manual("AL2-SR", "i:b#2", "A"),
        manual("AL4", "i:a#1", "B"),
        manual("TH", "i:a#3", "B"),
    ];
    let ag = agreement(&cb, &segs, &m).unwrap();
    assert_eq!(ag.coders, vec!["A", "B"]);
    assert_eq!(ag.units, 3, "only source a is covered by both");
    let al4 = ag.per_code.iter().find(|c| c.code == "AL4").unwrap();
    // A: 1 1 0, B: 1 0 0 -> agreement 2/3; p_e = 2/3 * 1/3 + 1/3 * 2/3 = 4/9;
    // kappa = (2/3 - 4/9) / (1 - 4/9) = 0.4
    assert!((al4.pairs[0].percent_agreement.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!((al4.pairs[0].kappa.unwrap() - 0.4).abs() < 1e-12);
    // pooled over the three codes somebody used (AL4, AL2-SR, TH), not
    // the fourth that nobody applied
    assert_eq!(ag.pooled_codes.len(), 3, "{:?}", ag.pooled_codes);
    assert_eq!(ag.overall.pairs[0].units, 3 * 3);

    // rules against gold A on a and b: rules give AL4 on a#1, a#2, b#1,
    // AL2-SR on a#2, b#2, TH on a#3
    let q = rule_quality(&cb, &srcs, &segs, rules.iter(), &m, "A").unwrap();
    let al4 = q.per_code.iter().find(|c| c.code == "AL4").unwrap();
    assert_eq!(
        (
            al4.quality.true_positives,
            al4.quality.false_positives,
            al4.quality.false_negatives
        ),
        (2, 1, 0)
    );
    let sr = q.per_code.iter().find(|c| c.code == "AL2-SR").unwrap();
    assert_eq!(sr.quality.f1, Some(1.0));
    assert!(q
        .disagreements
        .iter()
        .any(|d| d.segment == "i:b#1" && d.rules_only && d.text == "Geen wijkteam hier."));
    assert!(rule_quality(&cb, &srcs, &segs, rules.iter(), &m, "Z").is_none());
}

#[test]
fn coded_segments_join_a_segments_codings_and_count_unknown_sources() {
    let cb = codebook();
    let srcs = sources();
    let (_, mut codings) = autocode(&cb, &srcs, CodingUnit::Paragraph).unwrap();
    let first = codings[0].clone();
    // a coder's coding of the first segment, after all rule codings (not
    // adjacent to them), and one of a source that is not among the sources
    codings.push(Coding {
        code: "AL2".into(),
        origin: Origin::Manual { coder: "A".into() },
        ..first.clone()
    });
    codings.push(Coding {
        segment: "i:elders#1".into(),
        source: "i:elders".into(),
        code: "AL2".into(),
        ..first.clone()
    });
    let codings = pokeval_analysis::autocode::Codings::from(codings);
    let coded = CodedSegments::new(&codings, &srcs);
    let seg: Vec<_> = coded.iter().map(|(_, s)| s).collect();
    assert_eq!(seg.len(), 6, "a#1-3, b#1-2 and the unknown source's one");
    let a1 = seg
        .iter()
        .find(|s| s.span == first.span && s.source == &*first.source)
        .unwrap();
    assert!(a1.codes.contains(&"AL2") && a1.codes.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(a1.source_index, Some(0));
    let elders = seg.iter().find(|s| s.source == "i:elders").unwrap();
    assert_eq!(elders.source_index, None);
    let member = Membership::new(&cb);
    let freq = frequencies(&action_line_categories(), &coded, &member, &srcs);
    // action line 2: a#1 (now), a#2 and b#2 (its sub-code) and the unknown
    // source's segment; three sources, of which two with a municipality
    assert_eq!(
        (freq[1].segments, freq[1].sources, freq[1].municipalities),
        (4, 3, 2)
    );
}

#[test]
fn tables_count_segments_municipalities_and_cooccurrence() {
    let cb = codebook();
    let srcs = sources();
    let (_, rules) = autocode(&cb, &srcs, CodingUnit::Paragraph).unwrap();
    let rules = pokeval_analysis::autocode::Codings::from(rules);
    let coded = CodedSegments::new(&rules, &srcs);
    let member = Membership::new(&cb);
    let lines = action_line_categories();
    let munis = municipalities();
    let freq = frequencies(&lines, &coded, &member, &srcs);
    // action line 4: a#1, a#2, b#1 in two municipalities; action line 2 via its sub-code
    assert_eq!(
        (freq[3].segments, freq[3].sources, freq[3].municipalities),
        (3, 2, 2)
    );
    assert_eq!((freq[1].segments, freq[1].municipalities), (2, 2));

    let co = cooccurrence(&lines, &coded, &member);
    assert_eq!(co.counts[3][1], 1, "a#2 has both");
    assert_eq!(co.c[3][1], Some(1.0 / (3.0 + 2.0 - 1.0)));
    assert_eq!(co.c[0][0], None);

    let columns: Vec<String> = SizeClass::all().map(|c| c.label().to_string()).collect();
    let tab = crosstab_municipalities(&lines, &coded, &member, &srcs, &munis, &columns, |m| {
        m.size_class.label().to_string()
    });
    // size class 1: Aa; class 4: Bee and Cee (both with sources)
    assert_eq!(tab.column_base[0], 1);
    assert_eq!(tab.column_base[3], 2);
    assert_eq!(tab.counts[3][3], 1);
    assert_eq!(tab.column_percent[3][3], Some(50.0));
    assert_eq!(tab.row_percent[3][0], Some(50.0));

    let matrix = respondent_matrix(&cb, &srcs, &coded);
    assert_eq!(matrix.codes, vec!["AL4", "AL2", "AL2-SR", "TH"]);
    assert_eq!(matrix.rows[0].values, vec![1, 0, 1, 1]);
    assert_eq!(matrix.rows[2].values, vec![0, 0, 0, 0]);

    let q = quotes(&lines, &coded, &member, &srcs, &munis, 3);
    let al4: Vec<&str> = q[3].quotes.iter().map(|q| q.text.as_str()).collect();
    // one per municipality first, then filled up in source order
    assert_eq!(
        al4,
        vec![
            "Het wijkteam groeit.",
            "Geen wijkteam hier.",
            "De raadslieden en het wijkteam werken samen."
        ]
    );
    assert_eq!(q[3].quotes[1].municipality_name.as_deref(), Some("Bee"));
}

/// The speaker turns of the example transcript as coding segments (moved
/// here from ingest's notes tests with segmentation).
#[test]
fn turns_of_the_example_transcript() {
    use pokeval_analysis::segment::turn_segments;
    use pokeval_ingest::notes::{read_notes, NotesOptions};
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let register =
        pokeval_model::Register::load(&repo.join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    let display = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let resolver = pokeval_model::Resolver::new(&register, 2024);
    let notes = read_notes(
        &repo.join("fixtures/2024/interviews"),
        Wave::new(2024).unwrap(),
        &resolver,
        &display,
        &NotesOptions::default(),
        &pokeval_model::NoProgress,
    )
    .unwrap();
    let by = |f: &str| notes.iter().find(|s| &*s.file == f).unwrap();
    let wmw = by("11-west-maas-en-waal.md");
    let turns = turn_segments(wmw).unwrap();
    assert_eq!(turns.len(), 6);
    assert_eq!(turns[1].1, "respondent");
    assert!(turns[3]
        .0
        .span
        .slice(&wmw.text)
        .unwrap()
        .ends_with("een zichtbaar verschil."));
    assert!(turn_segments(by("01-enschede.md")).is_none());
}
