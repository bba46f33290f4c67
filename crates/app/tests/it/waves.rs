//! Three waves: questions matched by stable id across platforms, changes
//! only where a question is comparable, the panel following mergers,
//! deterministic learning matches, and clear errors for waves that cannot
//! be compared.

use std::path::{Path, PathBuf};

use pokeval_analysis::waves::{CodeStatus, Comparison, MIN_SIMILARITY};
use pokeval_analysis::Prepared;
use pokeval_app::prepare;
use pokeval_model::NoProgress;
use std::fmt::Write as _;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn example(year: u16) -> Prepared {
    prepare(&repo().join(format!("reports/{year}")), &NoProgress).expect("the example prepares")
}

fn comparison(p: &Prepared) -> &Comparison {
    p.analysis.comparison.as_ref().expect("a comparison")
}

#[test]
fn a_question_asked_on_qualtrics_and_on_limesurvey_lands_on_one_id_with_its_change() {
    let p = example(2025);
    let c = comparison(&p);
    let years: Vec<u16> = c.waves.iter().map(|w| w.wave.year()).collect();
    assert_eq!(years, [2024, 2025]);
    let q = c
        .questions
        .iter()
        .find(|q| q.question == "bestedingsplan")
        .unwrap();
    assert!(q.comparable);
    let codes: Vec<&str> = q.options.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, ["1", "2", "3"]);
    // 2024 (Qualtrics, codes 1/2): Enschede, Venlo, Groningen, Zwolle,
    // Hoorn, Oss say yes; Lingewaard, Ede, Borne, Tholen, Eemnes no. 2025
    // (LimeSurvey, Y/N/U): Den Bosch, Appingedam, Zwolle yes; Groningen
    // no; Ede "U" (weet ik niet). Haaren (split) and the repeated Zwolle
    // row are rejected.
    let w24 = q.waves[0].as_ref().unwrap();
    let w25 = q.waves[1].as_ref().unwrap();
    assert_eq!((w24.n, w24.counts.clone()), (11, vec![6, 5, 0]));
    assert_eq!((w25.n, w25.counts.clone()), (5, vec![3, 1, 1]));
    assert_eq!(w25.substantive, 4);
    // the same counts as each wave's own analysis
    for (w, prep) in [(w24, &p.earlier[0]), (w25, &p)] {
        let own = prep
            .analysis
            .survey
            .iter()
            .find(|f| f.question == "bestedingsplan")
            .unwrap();
        let own: Vec<usize> = own.options.iter().map(|o| o.count).collect();
        assert_eq!(own, w.counts);
    }
    let t = &q.changes[0];
    assert_eq!((t.from.year(), t.to.year()), (2024, 2025));
    assert_eq!(t.df, 1);
    assert!(t.p_value.is_some());
    // n < 30: never a star
    assert!(!t.significant);
    assert!(t.caveat.as_deref().unwrap().contains("n < 30"));
}

#[test]
fn a_question_declared_not_comparable_is_shown_per_wave_but_never_as_a_change() {
    let p = example(2026);
    let c = comparison(&p);
    let q = c
        .questions
        .iter()
        .find(|q| q.question == "kanalen")
        .unwrap();
    assert!(!q.comparable);
    assert!(q.note.is_some());
    assert!(q.waves[0].is_none(), "not asked in 2024");
    assert!(q.waves[1].is_some() && q.waves[2].is_some());
    assert!(q.changes.is_empty());
    assert!(c.panel.transitions.iter().all(|t| t.question != "kanalen"));
    // a reworded question declared comparable is compared
    let q = c
        .questions
        .iter()
        .find(|q| q.question == "stelling_administratieve_last")
        .unwrap();
    assert!(q.comparable);
    assert_eq!(q.changes.len(), 2);
    // the report says so, in the table of the question
    let html = pokeval_app::cmd::build::render_prepared(&p, &NoProgress, false)
        .unwrap()
        .0;
    assert!(
        html.contains("Niet als verandering te lezen"),
        "kanalen note"
    );
}

#[test]
fn the_panel_counts_municipalities_per_number_of_waves_and_codes_per_wave() {
    let p = example(2026);
    let c = comparison(&p);
    assert_eq!(c.waves.len(), 3);
    let answered: usize = c.panel.by_waves_answered.iter().sum();
    let with_survey = c
        .panel
        .rows
        .iter()
        .filter(|r| !r.answered.is_empty())
        .count();
    assert_eq!(answered, with_survey);
    // Groningen answered in all three waves (in 2025 as "Groningn")
    let gron = c.panel.rows.iter().find(|r| r.name == "Groningen").unwrap();
    assert_eq!(gron.answered.len(), 3);
    // Eemsdelta: its 2025 respondent answered for former Appingedam
    let eems = c.panel.rows.iter().find(|r| r.name == "Eemsdelta").unwrap();
    let years: Vec<u16> = eems.answered.iter().map(|w| w.year()).collect();
    assert_eq!(years, [2025, 2026]);
    // codes per wave: one entry per wave, and a status that follows them
    for row in &c.codes {
        assert_eq!(row.waves.len(), 3);
        let now = row.waves[2].passages > 0;
        let before = row.waves[..2].iter().any(|w| w.passages > 0);
        let want = match (now, before) {
            (true, false) => CodeStatus::New,
            (false, true) => CodeStatus::Vanished,
            (true, true) => CodeStatus::Continued,
            (false, false) => CodeStatus::Absent,
        };
        assert_eq!(row.status, want, "{}", row.id);
    }
    // money per 1.000 inhabitants per wave, as each wave computed it
    let years: Vec<Option<u16>> = c.funds_years.clone();
    assert_eq!(years, [Some(2023), Some(2025), Some(2026)]);
    let ens = c.funds.iter().find(|f| f.name == "Enschede").unwrap();
    for (i, prep) in p.earlier.iter().chain([&p]).enumerate() {
        let own = prep.analysis.funds_per_municipality.as_ref().unwrap();
        let row = own.rows.iter().find(|r| r.name == "Enschede").unwrap();
        assert!((ens.per_1000[i].unwrap() - row.per_1000).abs() < 1e-9);
    }
    let al4 = c.codes.iter().find(|r| r.id == "AL4").unwrap();
    for (w, prep) in al4.waves.iter().zip(p.earlier.iter().chain([&p])) {
        assert_eq!(
            w.per_source.unwrap(),
            w.passages as f64 / prep.inputs.sources.len() as f64
        );
    }
}

#[test]
fn learning_matches_are_deterministic_and_each_has_its_reason() {
    let a = example(2026);
    let b = example(2026);
    let ja = serde_json::to_string(&a.analysis.learning).unwrap();
    let jb = serde_json::to_string(&b.analysis.learning).unwrap();
    assert_eq!(ja, jb);
    assert!(!a.analysis.learning.is_empty());
    let reg = &a.inputs.register;
    for m in &a.analysis.learning {
        assert!(m.similarity >= MIN_SIMILARITY, "{m:?}");
        assert!(!m.reason.is_empty() && m.reason.contains(&m.peer_name));
        assert!(!m.strengths.is_empty());
        for s in &m.strengths {
            assert!(!s.passages.is_empty());
            assert!(s.passages.iter().all(|p| !p.text.is_empty()));
        }
        let (x, y) = (
            reg.get(&m.municipality).unwrap().size_class.code(),
            reg.get(&m.peer).unwrap().size_class.code(),
        );
        assert!(x.abs_diff(y) <= 1);
    }
}

// ---- small projects written for the test --------------------------------

const REGISTER_HEAD: &str = "gemeentecode,gemeentenaam,provincienaam,inwoners,aliassen,lon,lat\n";

const INSTRUMENT: &str = r#"wave = YEAR
title = "t"

[[question]]
id = "gemeente"
type = "municipality"
text = "Gemeente"

[[question]]
id = "plan"
type = "single"
text = "PLANTEXT"
options = [
  { code = "1", label = "Ja" },
  { code = "2", label = "Nee" },
]

[columns.microsoft-forms]
Gemeente = "gemeente"
Plan = "plan"
"#;

struct WaveSpec<'a> {
    year: u16,
    register: &'a str,
    mergers: Option<&'a str>,
    /// (municipality, "Ja" or "Nee")
    answers: &'a [(&'a str, &'a str)],
    plan_text: &'a str,
    earlier: &'a [&'a str],
}

fn write_wave(root: &Path, dir: &str, w: &WaveSpec) -> PathBuf {
    let d = root.join(dir);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("register.csv"),
        format!("{REGISTER_HEAD}{}", w.register),
    )
    .unwrap();
    let ins = INSTRUMENT
        .replace("YEAR", &w.year.to_string())
        .replace("PLANTEXT", w.plan_text);
    std::fs::write(d.join("instrument.toml"), ins).unwrap();
    let mut csv = String::from("Id,Start time,Completion time,Email,Name,Gemeente,Plan\n");
    for (i, (g, a)) in w.answers.iter().enumerate() {
        _ = writeln!(
            csv,
            "{},3/1/{y} 10:00,3/1/{y} 10:05,anonymous,,{g},{a}",
            i + 1,
            y = w.year
        );
    }
    std::fs::write(d.join("enquete.csv"), csv).unwrap();
    let mut toml = format!(
        "name = \"w{}\"\nwave = {}\n[register]\npath = \"register.csv\"\n",
        w.year, w.year
    );
    if let Some(m) = w.mergers {
        std::fs::write(
            d.join("mergers.csv"),
            format!("ingangsdatum,oude_gemeentecode,oude_gemeentenaam,opvolger_gemeentecode,opvolger_gemeentenaam,soort,provincie,aandeel_oppervlak_benadering\n{m}"),
        )
        .unwrap();
        toml.push_str("mergers = \"mergers.csv\"\n");
    }
    _ = write!(toml,
        "[[survey]]\npath = \"enquete.csv\"\ninstrument = \"instrument.toml\"\n[funds]\npath = \"{}\"\n",
        repo().join("fixtures/middelen_per_actielijn.csv").display()
    );
    if !w.earlier.is_empty() {
        let list: Vec<String> = w.earlier.iter().map(|e| format!("\"{e}\"")).collect();
        _ = write!(toml, "[comparison]\nearlier = [{}]\n", list.join(", "));
    }
    std::fs::write(d.join("evaluatie.toml"), toml).unwrap();
    d
}

const AMSTERDAM: &str = "GM0363,Amsterdam,Noord-Holland,931000,,4.90,52.37\n";
const WEESP: &str = "GM0457,Weesp,Noord-Holland,21000,,5.04,52.31\n";
const EDE: &str = "GM0228,Ede,Gelderland,123500,,5.66,52.04\n";

#[test]
fn a_merged_municipalitys_earlier_answers_count_for_its_successor() {
    let tmp = tempfile::tempdir().unwrap();
    // 2024: a register in which Weesp still exists
    write_wave(
        tmp.path(),
        "2024",
        &WaveSpec {
            year: 2024,
            register: &format!("{AMSTERDAM}{WEESP}{EDE}"),
            mergers: None,
            answers: &[("Weesp", "Nee"), ("Ede", "Ja")],
            plan_text: "Plan?",
            earlier: &[],
        },
    );
    // 2026: Weesp is part of Amsterdam (mergers file)
    let d = write_wave(
        tmp.path(),
        "2026",
        &WaveSpec {
            year: 2026,
            register: &format!("{AMSTERDAM}{EDE}"),
            mergers: Some("2022-03-24,GM0457,Weesp,GM0363,Amsterdam,samenvoeging,Noord-Holland,\n"),
            answers: &[("Amsterdam", "Ja"), ("Ede", "Ja")],
            plan_text: "Plan?",
            earlier: &["../2024"],
        },
    );
    let p = prepare(&d, &NoProgress).unwrap();
    let c = comparison(&p);
    let ams = c.panel.rows.iter().find(|r| r.code == "GM0363").unwrap();
    let years: Vec<u16> = ams.answered.iter().map(|w| w.year()).collect();
    assert_eq!(years, [2024, 2026]);
    assert_eq!(ams.former, ["GM0457 (2024)"]);
    assert!(c.panel.rows.iter().all(|r| r.code != "GM0457"));
    assert!(c.panel.unfollowed.is_empty());
    assert_eq!(c.panel.by_waves_answered, [0, 2]);
    let t = c
        .panel
        .transitions
        .iter()
        .find(|t| t.question == "plan")
        .unwrap();
    // Weesp-now-Amsterdam moved from Nee to Ja; Ede stayed at Ja
    assert_eq!(t.municipalities, 2);
    assert_eq!(t.unchanged, 1);
    assert_eq!(
        t.changed,
        [("GM0363".to_string(), "2".to_string(), "1".to_string())]
    );
    assert_eq!(t.counts, [[1, 0], [1, 0]]);
}

fn prepare_err(d: &Path) -> String {
    match prepare(d, &NoProgress) {
        Ok(_) => panic!("{} should not prepare", d.display()),
        Err(e) => e.to_string(),
    }
}

fn two_waves(tmp: &Path, earlier_year: u16, earlier_text: &str, now_text: &str) -> PathBuf {
    write_wave(
        tmp,
        "eerder",
        &WaveSpec {
            year: earlier_year,
            register: EDE,
            mergers: None,
            answers: &[("Ede", "Ja")],
            plan_text: earlier_text,
            earlier: &[],
        },
    );
    write_wave(
        tmp,
        "nu",
        &WaveSpec {
            year: 2025,
            register: EDE,
            mergers: None,
            answers: &[("Ede", "Nee")],
            plan_text: now_text,
            earlier: &["../eerder"],
        },
    )
}

#[test]
fn an_earlier_wave_of_the_same_or_a_later_year_is_refused() {
    for year in [2025, 2026] {
        let tmp = tempfile::tempdir().unwrap();
        let d = two_waves(tmp.path(), year, "Plan?", "Plan?");
        let e = prepare_err(&d);
        assert!(e.contains("eerder/evaluatie.toml"), "{e}");
        assert!(e.contains("not earlier"), "{e}");
    }
}

#[test]
fn a_missing_earlier_wave_is_refused_naming_the_project_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = two_waves(tmp.path(), 2024, "Plan?", "Plan?");
    std::fs::remove_dir_all(tmp.path().join("eerder")).unwrap();
    let e = prepare_err(&d);
    assert!(e.contains("nu/evaluatie.toml"), "{e}");
    assert!(e.contains("comparison.earlier[0]"), "{e}");
}

#[test]
fn a_changed_question_must_say_whether_it_is_comparable() {
    let tmp = tempfile::tempdir().unwrap();
    let d = two_waves(tmp.path(), 2024, "Plan?", "Een ander plan?");
    let e = prepare_err(&d);
    assert!(e.contains("nu/instrument.toml"), "{e}");
    assert!(e.contains("question 'plan'"), "{e}");
    assert!(e.contains("comparable = true"), "{e}");
    // declared: compared, or shown per wave only
    for (flag, compared) in [("true", true), ("false", false)] {
        let ins = d.join("instrument.toml");
        let text = std::fs::read_to_string(&ins).unwrap();
        let text = text
            .replace("comparable = true\n", "")
            .replace("comparable = false\n", "")
            .replace(
                "text = \"Een ander plan?\"\n",
                &format!("text = \"Een ander plan?\"\ncomparable = {flag}\n"),
            );
        std::fs::write(&ins, text).unwrap();
        let p = prepare(&d, &NoProgress).unwrap();
        let q = comparison(&p)
            .questions
            .iter()
            .find(|q| q.question == "plan")
            .unwrap()
            .clone();
        assert_eq!(q.comparable, compared);
        assert_eq!(q.changes.is_empty(), !compared);
    }
}

#[test]
fn instruments_without_a_shared_question_id_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = two_waves(tmp.path(), 2024, "Plan?", "Plan?");
    let ins = tmp.path().join("eerder/instrument.toml");
    let text = std::fs::read_to_string(&ins)
        .unwrap()
        .replace("id = \"plan\"", "id = \"plan_2024\"")
        .replace("Plan = \"plan\"", "Plan = \"plan_2024\"");
    std::fs::write(&ins, text).unwrap();
    let e = prepare_err(&d);
    assert!(e.contains("no question id"), "{e}");
    assert!(e.contains("eerder/instrument.toml"), "{e}");
    // a shared id with another type is refused too
    let text = std::fs::read_to_string(&ins)
        .unwrap()
        .replace("id = \"plan_2024\"", "id = \"plan\"")
        .replace("Plan = \"plan_2024\"", "Plan = \"plan\"")
        .replace("type = \"single\"", "type = \"likert\"");
    std::fs::write(&ins, text).unwrap();
    let e = prepare_err(&d);
    assert!(e.contains("needs a new id"), "{e}");
}

#[test]
fn a_failing_comparison_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = two_waves(tmp.path(), 2024, "Plan?", "Een ander plan?");
    let out = tmp.path().join("uit");
    let r = pokeval_app::cmd::build::build(
        &d,
        &pokeval_app::cmd::build::BuildOptions {
            output: Some(out.clone()),
        },
        &NoProgress,
    );
    assert!(r.is_err());
    assert!(!out.exists());
    assert!(!d.join(".pokeval").exists());
    assert!(!tmp.path().join("eerder/.pokeval").exists());
}

/// The 2025 example project written to `dir` with absolute paths and
/// `earlier` as given.
fn example_2025_with_earlier(dir: &Path, earlier: &Path) -> PathBuf {
    let repo = repo();
    let text = std::fs::read_to_string(repo.join("reports/2025/evaluatie.toml")).unwrap();
    let text = text
        .replace("\"../../", &format!("\"{}/", repo.display()))
        .replace(
            "report = \".\"",
            &format!("report = \"{}\"", repo.join("reports/2025").display()),
        )
        .replace(
            "earlier = [\"../2024\"]",
            &format!("earlier = [\"{}\"]", earlier.display()),
        );
    let path = dir.join("evaluatie.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_earlier_wave_compares_from_its_analyse_json_as_from_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("uit2024");
    pokeval_app::cmd::build::build(
        &repo().join("reports/2024"),
        &pokeval_app::cmd::build::BuildOptions {
            output: Some(out.clone()),
        },
        &NoProgress,
    )
    .unwrap();
    let json = out.join("analyse.json");
    let project = example_2025_with_earlier(tmp.path(), &json);
    let from_json = prepare(&project, &NoProgress).unwrap();
    assert!(
        from_json.earlier.is_empty(),
        "nothing of 2024 was read again"
    );
    let from_inputs = example(2025);
    let strip = |p: &Prepared| {
        let mut c = serde_json::to_value(comparison(p)).unwrap();
        for w in c["waves"].as_array_mut().unwrap() {
            w.as_object_mut().unwrap().remove("file");
        }
        c
    };
    let (a, b) = (strip(&from_json), strip(&from_inputs));
    for key in a.as_object().unwrap().keys() {
        assert_eq!(a[key], b[key], "comparison.{key} differs");
    }

    // another format version, or a JSON without a summary, is refused
    let text = std::fs::read_to_string(&json).unwrap();
    let old = tmp.path().join("oud.json");
    std::fs::write(
        &old,
        text.replace("pokeval-wave-summary/1", "pokeval-wave-summary/0"),
    )
    .unwrap();
    let project = example_2025_with_earlier(tmp.path(), &old);
    let e = prepare_err(&project);
    assert!(e.contains("oud.json") && e.contains("format"), "{e}");
    std::fs::write(&old, "{\"project\": \"x\"}").unwrap();
    let e = prepare_err(&project);
    assert!(
        e.contains("oud.json") && e.contains("no wave summary"),
        "{e}"
    );
}

#[test]
fn the_wave_three_report_shows_the_change_per_municipality() {
    let p = example(2026);
    let html = pokeval_app::cmd::build::render_prepared(&p, &NoProgress, false)
        .unwrap()
        .0;
    // the dot plot and the map, with text alternatives that state the change
    assert!(html.contains("grafiek-waves-change-stelling_vrijheid"));
    assert!(
        html.contains("Eemsdelta: Helemaal eens naar Eens"),
        "dot plot alt"
    );
    assert!(html.contains("grafiek-waves-map-stelling_vrijheid"));
    assert!(html.contains("lager op de schaal: Eemsdelta"), "map alt");
    // money per 1.000 inhabitants per wave, a change with a real minus or plus
    assert!(html.contains("per 1.000 inwoners, per meting"));
    // the learning table and the panel
    assert!(html.contains("Leerpartners"));
    assert!(html.contains("Gemeenten per meting"));
}

#[test]
fn a_broken_input_of_an_earlier_wave_names_that_wave_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = two_waves(tmp.path(), 2024, "Plan?", "Plan?");
    // the earlier export lost its Plan column
    std::fs::write(
        tmp.path().join("eerder/enquete.csv"),
        "Id,Start time,Completion time,Email,Name,Gemeente\n1,3/1/2024 10:00,3/1/2024 10:05,anonymous,,Ede\n",
    )
    .unwrap();
    let e = prepare_err(&d);
    assert!(e.starts_with("earlier wave "), "{e}");
    assert!(e.contains("eerder"), "{e}");
    assert!(e.contains("enquete.csv") && e.contains("Plan"), "{e}");
}
