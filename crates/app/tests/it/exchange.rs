//! REFI-QDA and spreadsheet exports of the example project: schema
//! validation, round trip, determinism and the cells a spreadsheet reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use pokeval_analysis::{Origin, Prepared};
use pokeval_app::cmd::export::write_export as export;
use pokeval_app::prepare;
use pokeval_exchange::qdpx::{code_name, RULES_USER};
use pokeval_exchange::Format;
use pokeval_ingest::refi::{read_qdc, read_qdpx};
use pokeval_model::NoProgress;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> Prepared {
    prepare(&repo().join("reports/2024"), &NoProgress).expect("the example prepares")
}

/// Validates with xmllint when it is installed; CI sets
/// POKEVAL_REQUIRE_XMLLINT=1 so a missing xmllint fails there.
fn xmllint(schema: &str, file: &Path) {
    let required = std::env::var("POKEVAL_REQUIRE_XMLLINT").is_ok_and(|v| v == "1");
    let Some(shared) = std::env::var_os("POKEVAL_SHARED_DATA") else {
        assert!(
            !required,
            "POKEVAL_REQUIRE_XMLLINT=1 needs POKEVAL_SHARED_DATA for the schemas"
        );
        eprintln!("note: POKEVAL_SHARED_DATA is not set; skipping schema validation");
        return;
    };
    let xsd = PathBuf::from(shared).join("refi-qda").join(schema);
    assert!(xsd.exists(), "{} is missing", xsd.display());
    let have = Command::new("xmllint").arg("--version").output().is_ok();
    if !have {
        assert!(
            !required,
            "xmllint is missing but POKEVAL_REQUIRE_XMLLINT=1 (install libxml2-utils)"
        );
        eprintln!("note: xmllint is not installed; skipping schema validation");
        return;
    }
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} does not validate: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The codings a `.qdpx` export carries: (source id, start, end, code id,
/// coder), a manual coding at the span it was made on, a rule coding under
/// the rules' user.
fn exported_codings(p: &Prepared) -> BTreeSet<(String, usize, usize, String, String)> {
    p.analysis
        .codings
        .iter()
        .map(|c| {
            let (span, coder) = match &c.origin {
                Origin::Manual { coder } => (c.matched.unwrap_or(c.span), coder.to_string()),
                Origin::Rule { .. } => (c.span, RULES_USER.to_string()),
            };
            (
                c.source.to_string(),
                span.start,
                span.end,
                c.code.to_string(),
                coder,
            )
        })
        .collect()
}

#[test]
fn qdpx_and_qdc_validate_against_the_refi_qda_schemas() {
    let p = example();
    let dir = tempfile::tempdir().unwrap();
    let qdpx = dir.path().join("p.qdpx");
    export(&p, Format::Qdpx, &qdpx).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&qdpx).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();
    let qde_path = dir.path().join("project.qde");
    std::fs::write(&qde_path, &qde).unwrap();
    xmllint("Project.xsd", &qde_path);
    assert_eq!(zip.len(), 1 + p.inputs.sources.len());
    let qdc = dir.path().join("c.qdc");
    export(&p, Format::Qdc, &qdc).unwrap();
    xmllint("Codebook.xsd", &qdc);
}

#[test]
fn qdpx_round_trip_keeps_codings_codes_and_variables() {
    let p = example();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.qdpx");
    export(&p, Format::Qdpx, &path).unwrap();
    let back = read_qdpx(&path).unwrap();
    assert!(back.not_carried.is_empty(), "{:?}", back.not_carried);

    // codes: name, parent, description
    let want: BTreeSet<(String, Option<String>, String)> = p
        .codebook
        .codes
        .iter()
        .map(|c| {
            let parent = c
                .parent
                .as_ref()
                .and_then(|pid| p.codebook.code(pid))
                .map(|pc| code_name(&pc.id, &pc.label));
            (code_name(&c.id, &c.label), parent, c.description.clone())
        })
        .collect();
    let flat = back.flat_codes();
    let got: BTreeSet<(String, Option<String>, String)> = flat
        .iter()
        .map(|(c, parent)| {
            let parent = parent
                .and_then(|g| flat.iter().find(|(k, _)| k.guid == g))
                .map(|(k, _)| k.name.clone());
            (
                c.name.clone(),
                parent,
                c.description.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(got, want);

    // codings: (source, start, end, code id, coder)
    let want = exported_codings(&p);
    let users: std::collections::BTreeMap<&str, &str> = back
        .users
        .iter()
        .map(|u| (u.guid.as_str(), u.name.as_str()))
        .collect();
    let got: BTreeSet<(String, usize, usize, String, String)> = back
        .sources
        .iter()
        .flat_map(|s| {
            let flat = &flat;
            let users = &users;
            s.codings.iter().map(move |c| {
                let code = flat.iter().find(|(k, _)| k.guid == c.code_guid).unwrap().0;
                let id = pokeval_ingest::manual::code_id_from_name(&code.name);
                (
                    s.pokeval_id().to_string(),
                    c.start,
                    c.end,
                    id,
                    users[c.user_guid.as_deref().unwrap()].to_string(),
                )
            })
        })
        .collect();
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);

    // sources: the same text
    for s in &p.inputs.sources {
        let b = back
            .sources
            .iter()
            .find(|b| b.pokeval_id() == s.id)
            .unwrap();
        assert_eq!(b.text.as_deref(), Some(s.text.as_str()), "{}", s.id);
    }

    // variables: per case, typed
    let enschede = back.cases.iter().find(|c| c.name == "Enschede").unwrap();
    assert_eq!(enschede.values["gemeentecode"], "GM0153");
    assert_eq!(enschede.values["grootteklasse"], "7");
    assert_eq!(enschede.values["enquete_bestedingsplan"], "Ja");
    assert_eq!(enschede.values["enquete_aandeel_al4"], "40");
    assert_eq!(
        back.variables
            .iter()
            .find(|v| v.name == "enquete_aandeel_al4")
            .unwrap()
            .kind,
        "Float"
    );
    assert_eq!(
        enschede.sources.len(),
        3,
        "the interview and two open answers"
    );
    // a municipality that was only interviewed has no survey variables
    let zaanstad = back.cases.iter().find(|c| c.name == "Zaanstad").unwrap();
    assert!(!zaanstad.values.contains_key("enquete_bestedingsplan"));

    // the codebook alone
    let qdc = dir.path().join("c.qdc");
    export(&p, Format::Qdc, &qdc).unwrap();
    let cb = read_qdc(&qdc).unwrap();
    assert_eq!(cb.flat_codes().len(), p.codebook.codes.len());
}

#[test]
fn exports_are_deterministic() {
    let p = example();
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [(Format::Qdpx, "p.qdpx"), (Format::Xlsx, "t.xlsx")] {
        let a = dir.path().join(format!("a-{name}"));
        let b = dir.path().join(format!("b-{name}"));
        export(&p, format, &a).unwrap();
        export(&p, format, &b).unwrap();
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn xlsx_opens_with_calamine_and_holds_the_tables() {
    let p = example();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    export(&p, Format::Xlsx, &path).unwrap();
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(std::fs::read(&path).unwrap())).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec![
            "citaten",
            "code_x_gemeente",
            "code_x_grootteklasse",
            "respondent_x_code",
            "enquete",
            "leerpartners"
        ]
    );
    let survey = wb.worksheet_range("enquete").unwrap();
    let rows: Vec<Vec<Data>> = survey.rows().map(<[calamine::Data]>::to_vec).collect();
    assert_eq!(rows[0][0], Data::String("vraag".into()));
    let ja = rows
        .iter()
        .find(|r| {
            r[0] == Data::String("bestedingsplan".into()) && r[3] == Data::String("Ja".into())
        })
        .unwrap();
    assert_eq!(ja[5], Data::Float(6.0));
    let quotes = wb.worksheet_range("citaten").unwrap();
    let header: Vec<String> = quotes
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert!(header.starts_with(&[
        "bron".to_string(),
        "soort".to_string(),
        "gemeentecode".to_string()
    ]));
    assert!(header.contains(&"codeniveau 2".to_string()));
    let n_codings: BTreeSet<(&str, &str)> = p
        .analysis
        .codings
        .iter()
        .map(|c| (&*c.segment, &*c.code))
        .collect();
    assert_eq!(quotes.rows().count() - 1, n_codings.len());
    let matrix = wb.worksheet_range("respondent_x_code").unwrap();
    assert_eq!(
        matrix.rows().count() - 1,
        p.analysis.respondent_matrix.rows.len()
    );
}

#[test]
fn csv_export_writes_one_file_per_table() {
    let p = example();
    let dir = tempfile::tempdir().unwrap();
    let files = export(&p, Format::Csv, &dir.path().join("t")).unwrap();
    assert_eq!(files.len(), 6);
    let text = std::fs::read_to_string(dir.path().join("t/enquete.csv")).unwrap();
    assert!(text.starts_with("vraag,vraagtekst,code,antwoord"));
    assert!(text.contains("bestedingsplan,Heeft uw gemeente een bestedingsplan voor de POK-middelen opgesteld?,1,Ja,nee,6"));
}

#[test]
fn the_xlsx_of_a_compared_wave_holds_the_comparison_and_the_learning_matches() {
    let p = prepare(&repo().join("reports/2026"), &NoProgress).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    export(&p, Format::Xlsx, &path).unwrap();
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(std::fs::read(&path).unwrap())).unwrap();
    let names = wb.sheet_names();
    for want in [
        "leerpartners",
        "golven_vragen",
        "golven_panel",
        "golven_codes",
    ] {
        assert!(names.iter().any(|n| n == want), "{names:?}");
    }
    // bestedingsplan, 2025 (LimeSurvey Y): 3 respondents said "Ja"
    let q = wb.worksheet_range("golven_vragen").unwrap();
    let ja = q
        .rows()
        .find(|r| {
            r[0] == Data::String("bestedingsplan".into())
                && r[3] == Data::Float(2025.0)
                && r[6] == Data::String("Ja".into())
        })
        .unwrap()
        .to_vec();
    assert_eq!(ja[7], Data::Float(3.0));
    // one row per backing passage of every learning match
    let l = wb.worksheet_range("leerpartners").unwrap();
    let passages: usize = p
        .analysis
        .learning
        .iter()
        .flat_map(|m| &m.strengths)
        .map(|s| s.passages.len())
        .sum();
    assert_eq!(l.rows().count() - 1, passages);
    let panel = wb.worksheet_range("golven_panel").unwrap();
    let c = p.analysis.comparison.as_ref().unwrap();
    assert_eq!(panel.rows().count() - 1, c.panel.rows.len() * c.waves.len());
}

/// Reads the exported project the way QualCoder's REFI-QDA import
/// (`refi.py`, `RefiImport`) does: the coder of a text coding is the
/// `creatingUser` (else `modifyingUser`) of its `PlainTextSelection`,
/// looked up in `Users` ("default" when missing); each `Coding` becomes a
/// row `(cid, fid, pos0, pos1, owner)` and a second row with the same key
/// is dropped as a duplicate; the selected text is the source text sliced
/// by code points; a text source is copied to `documents/<name>.txt`, and
/// a name ending in `.pdf` is taken for a PDF. No QDA program can be run
/// headless in CI from a package registry, so this test stands in for it.
#[test]
fn qdpx_reads_in_qualcoder_with_every_coding_and_coder() {
    use quick_xml::events::Event;
    let p = example();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.qdpx");
    export(&p, Format::Qdpx, &path).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();

    let attr = |e: &quick_xml::events::BytesStart, k: &str| -> Option<String> {
        pokeval_formats::xml::attributes(e).remove(k)
    };
    let mut users = std::collections::BTreeMap::new();
    let mut codes = std::collections::BTreeMap::new();
    let mut names = BTreeSet::new();
    let mut rows = BTreeSet::new();
    let mut duplicates = 0;
    let mut texts: std::collections::BTreeMap<String, String> = Default::default();
    // the open text source (name) and selection (start, end, coder)
    let mut source: Option<String> = None;
    let mut selection: Option<(usize, usize, String)> = None;
    let mut reader = quick_xml::Reader::from_str(&qde);
    loop {
        let ev = reader.read_event().unwrap();
        let (e, start) = match &ev {
            Event::Start(e) => (e.clone(), true),
            Event::Empty(e) => (e.clone(), false),
            Event::End(e) if e.local_name().as_ref() == "PlainTextSelection" => {
                selection = None;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            "User" => {
                users.insert(attr(&e, "guid").unwrap(), attr(&e, "name").unwrap());
            }
            "Code" => {
                codes.insert(attr(&e, "guid").unwrap(), attr(&e, "name").unwrap());
            }
            "TextSource" => {
                let name = attr(&e, "name").unwrap();
                assert!(
                    !name.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']),
                    "'{name}' cannot be a file name"
                );
                assert!(!name.to_lowercase().ends_with(".pdf"), "'{name}'");
                assert!(names.insert(name.clone()), "'{name}' is used twice");
                let file = attr(&e, "plainTextPath")
                    .unwrap()
                    .replace("internal://", "sources/");
                let mut text = String::new();
                std::io::Read::read_to_string(&mut zip.by_name(&file).unwrap(), &mut text).unwrap();
                assert!(
                    !text.contains("\r\n"),
                    "QualCoder would shift positions in '{name}'"
                );
                texts.insert(name.clone(), text);
                source = start.then_some(name);
            }
            "PlainTextSelection" => {
                let user = attr(&e, "creatingUser").or_else(|| attr(&e, "modifyingUser"));
                let owner = user
                    .and_then(|g| users.get(&g).cloned())
                    .unwrap_or_else(|| "default".into());
                let pos = |k| attr(&e, k).unwrap().parse::<usize>().unwrap();
                selection = Some((pos("startPosition"), pos("endPosition"), owner));
            }
            "CodeRef" => {
                let (Some(name), Some((p0, p1, owner))) = (&source, &selection) else {
                    panic!("a coding outside a text selection");
                };
                let code = codes[&attr(&e, "targetGUID").unwrap()].clone();
                let seltext: String = texts[name].chars().skip(*p0).take(p1 - p0).collect();
                assert!(!seltext.is_empty());
                if !rows.insert((code, name.clone(), *p0, *p1, owner.clone())) {
                    duplicates += 1;
                }
            }
            _ => {}
        }
    }
    let coders: BTreeSet<&str> = rows.iter().map(|r| r.4.as_str()).collect();
    let want_coders: BTreeSet<String> = p
        .analysis
        .codings
        .iter()
        .map(|c| match &c.origin {
            Origin::Manual { coder } => coder.to_string(),
            Origin::Rule { .. } => RULES_USER.to_string(),
        })
        .collect();
    assert_eq!(duplicates, 0, "QualCoder would drop {duplicates} codings");
    assert!(!coders.contains("default"));
    assert_eq!(coders, want_coders.iter().map(String::as_str).collect());
    assert_eq!(coders.len(), 3, "{coders:?}");
    let distinct = exported_codings(&p);
    assert_eq!(rows.len(), distinct.len());
    println!(
        "QualCoder reads {} codings by {} coders from {} sources",
        rows.len(),
        coders.len(),
        names.len()
    );
}

/// The Taguette codebook: the header Taguette's import looks for, one row
/// per code, sub-codes under their parent with a dot, descriptions kept.
#[test]
fn the_taguette_codebook_has_a_row_per_code_in_taguettes_columns() {
    let p = example();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codeboek.csv");
    export(&p, Format::Taguette, &path).unwrap();
    let mut r = csv::Reader::from_path(&path).unwrap();
    assert_eq!(r.headers().unwrap(), vec!["tag", "description"]);
    let rows: Vec<(String, String)> = r
        .records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].to_string(), x[1].to_string())
        })
        .collect();
    assert_eq!(rows.len(), p.codebook.codes.len());
    let tags: BTreeSet<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tags.len(), rows.len(), "tags are unique");
    for c in &p.codebook.codes {
        let depth = std::iter::successors(c.parent.as_deref(), |pid| {
            p.codebook.code(pid).and_then(|k| k.parent.as_deref())
        })
        .count();
        let row = rows
            .iter()
            .find(|(t, _)| {
                t.rsplit('.').next() == Some(code_name(&c.id, &c.label).replace('.', " ").as_str())
            })
            .unwrap_or_else(|| panic!("no row for {}", c.id));
        assert_eq!(row.0.matches('.').count(), depth, "{}", row.0);
        assert_eq!(row.1, c.description);
    }
}
