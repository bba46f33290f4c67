//! End to end: the README's first command on the embedded example.

use crate::common;

use common::*;
use serde_json::Value;

fn build_example(out: &std::path::Path) -> (String, Value) {
    let o = build_to("reports/2024", out);
    assert!(o.status.success(), "build failed: {}", stderr(&o));
    let html = std::fs::read_to_string(out.join("rapport.html")).expect("rapport.html");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("analyse.json")).expect("analyse.json"),
    )
    .expect("valid JSON");
    (html, json)
}

#[test]
fn example_builds_with_the_funds_totals_codings_and_stories() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, a) = build_example(tmp.path());

    // Funds: the real totals of Tabel 1 of the first report.
    let totals: Vec<f64> = a["funds"]["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(
        totals,
        vec![150.0, 150.0, 151.0, 148.0, 148.0, 130.0, 130.0]
    );
    let funds_table = html
        .split(": Verdeling POK-middelen over de actielijnen per jaar")
        .nth(1)
        .expect("funds table");
    let tfoot = funds_table
        .split("<tfoot>")
        .nth(1)
        .expect("funds table has a footer");
    let total_row = tfoot.split("</tr>").next().unwrap();
    for t in ["150", "151", "148", "130"] {
        assert!(
            total_row.contains(&format!("<td class=\"num\">{t}</td>")),
            "total {t} missing in {total_row}"
        );
    }
    assert!(html.contains("Verschil met € 150 miljoen"));
    // Tabel 1 as AEF sets it: rows under their payment route, changed
    // amounts with the number of their note
    for route in ["Rijksbegroting BZK", "DU gemeentefonds", "AU gemeentefonds"] {
        assert!(
            html.contains(&format!(
                "<tr class=\"group\"><th colspan=\"8\" scope=\"colgroup\">{route}</th></tr>"
            )),
            "group row {route}"
        );
    }
    assert!(
        html.contains("<td class=\"num\">10¹</td>") && html.contains("<td class=\"num\">23²</td>")
    );
    // the overview of the eight action lines sums the same funds
    let overview = html
        .split("<caption>Tabel 1: De acht actielijnen in het kort")
        .nth(1)
        .expect("the overview of the action lines");
    let overview = &overview[..overview.find("</table>").unwrap()];
    let sum: f64 = totals.iter().sum();
    assert_eq!(sum, 1007.0);
    assert!(
        overview.contains("<td class=\"num\">1.007</td>"),
        "{overview}"
    );
    assert!(overview.contains("3. Versterken leervermogen aanpak kwetsbare wijken</th><td>DU gemeentefonds, AU gemeentefonds</td><td class=\"num\">70</td>"));

    // Codings per action line: the JSON counts equal a recount of the
    // codings list, and the report's table shows them.
    let codebook: std::collections::HashMap<String, u64> = a["codebook"]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["id"].as_str()?.to_string(), c["action_line"].as_u64()?)))
        .collect();
    let per_al = a["action_line_frequencies"].as_array().unwrap();
    assert_eq!(per_al.len(), 8);
    for row in per_al {
        let al = row["action_line"].as_u64().unwrap();
        assert_eq!(row["level"], "action_line");
        let mut segments: Vec<&str> = a["codings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| codebook.get(c["code"].as_str().unwrap()) == Some(&al))
            .map(|c| c["segment"].as_str().unwrap())
            .collect();
        segments.sort_unstable();
        segments.dedup();
        assert_eq!(
            row["segments"].as_u64().unwrap() as usize,
            segments.len(),
            "action line {al}"
        );
        let label = row["label"].as_str().unwrap();
        let cell = format!(
            "<th scope=\"row\">{}</th><td class=\"num\">{}</td>",
            label.replace('\'', "&#x27;"),
            segments.len()
        );
        assert!(html.contains(&cell), "missing table row {cell}");
    }
    // The fixture notes talk most about wijkteams and never about the
    // kind- en gezinsbescherming scenario.
    let count = |al: usize| per_al[al - 1]["segments"].as_u64().unwrap();
    assert!((1..=8).all(|al| count(4) >= count(al)));
    assert_eq!(count(6), 0);
    assert!(count(2) > 0 && count(8) > 0);

    // The analysis tables the report shows: a crosstab by size class, a
    // co-occurrence table, quotes, agreement and rule quality.
    assert!(html.contains("Aantal gemeenten dat een onderwerp noemt, naar gemeentegrootte"));
    assert!(html.contains("Samen voorkomen op dezelfde passage"));
    assert!(html.contains("<figcaption>Citaten: 4. Versterking wijkteams</figcaption>"));
    // every quotes block of the chapters shows its code's quotes from
    // analyse.json
    let quotes_of = |code: &str| {
        a["action_line_quotes"]
            .as_array()
            .unwrap()
            .iter()
            .chain(a["code_quotes"].as_array().unwrap())
            .find(|q| q["id"] == code)
            .map_or(0, |q| q["quotes"].as_array().unwrap().len())
    };
    let mut expected = 0;
    for e in std::fs::read_dir(repo().join("reports/2024/chapters")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        expected += text
            .split("{{ quotes(code=\"")
            .skip(1)
            .map(|rest| quotes_of(rest.split('"').next().unwrap()))
            .sum::<usize>();
    }
    assert!(expected > 6, "the example quotes on its action-line pages");
    assert_eq!(html.matches("<blockquote>").count(), expected);
    assert!(html.contains("Overeenstemming tussen codeurs (Codeur A, Codeur B)"));
    assert!(html.contains("Codeerregels vergeleken met de codering van Codeur A"));
    let kappa = a["agreement"]["overall"]["pairs"][0]["kappa"]
        .as_f64()
        .unwrap();
    assert!(kappa > 0.5 && kappa < 1.0, "overall kappa {kappa}");
    // the co-occurrence diagonal equals the action-line frequencies
    for (i, f) in a["action_line_frequencies"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert_eq!(a["action_line_cooccurrence"]["counts"][i][i], f["segments"]);
    }

    // Sources and survey: 13 interviews, 11 municipalities in the survey.
    assert_eq!(a["sources"]["interviews"], 13);
    assert_eq!(a["sources"]["survey_municipalities"], 11);

    // Two story pages, linked from nowhere else but present with their titles.
    assert!(html.contains("id=\"verhaal-enschede\""));
    assert!(html.contains("id=\"verhaal-pijnacker-nootdorp\""));
    assert!(html.contains("De POK-middelen als smeerolie"));
    assert!(html.contains("Een interne scan als vertrekpunt"));

    // The chapter bar links every chapter, on every page.
    let pages = html.matches("<section class=\"page").count();
    assert_eq!(
        html.matches("<nav class=\"chapter-bar\"").count(),
        pages - 1,
        "every page but the cover has the bar"
    );
    for ch in [
        "h1-inleiding",
        "h2-verdeling-middelen",
        "h3-besteding-middelen",
        "h4-conclusie-en-aanbevelingen",
    ] {
        assert!(html.contains(&format!("id=\"{ch}\"")), "chapter {ch}");
        assert!(html.contains(&format!("href=\"#{ch}\"")), "link to {ch}");
    }

    // Action-line pages carry the 1-8 selector: the seven topics of AEF's
    // anatomy (4 and 5 share one), action line 8 over three pages, so
    // nine pages and every action line a link (a line without a page is a
    // span: broken_inputs tests that).
    assert_eq!(html.matches("<nav class=\"al-selector\"").count(), 9);
    assert!(html.contains("title=\"Robuuste rechtsbescherming\" aria-current=\"true\">2</a>"));
    assert!(!html.contains("class=\"al-none\""));

    // Charts are inline SVG with a text alternative.
    assert!(html.matches("<svg").count() >= 4);
    for chart in [
        "funds_per_year",
        "codings_per_action_line",
        "funds_per_1000",
        "vouchers_per_size_class",
    ] {
        assert!(
            html.contains(&format!("id=\"grafiek-{chart}\"")),
            "chart {chart}"
        );
    }
    assert!(html.contains("aria-label=\"Gestapelde staafgrafiek"));

    // The story map links to the story pages in text.
    assert!(html.contains("Verhalen van gemeenten: <a href=\"#verhaal-enschede\">Enschede</a>"));

    // A page reference links to the story page and names its page number.
    assert!(html.contains("staat op <a class=\"page-ref\" href=\"#verhaal-enschede\">pagina "));

    // Illustrative data is said to be illustrative.
    assert!(html.contains("illustratieve gegevens"));
    // Inline values come from the data: 11 respondents.
    assert!(html.contains("Aan de enquête deden 11 respondenten uit 11 gemeenten mee"));
    // Rejected input is shown with its reason, in Dutch.
    assert!(html.contains("test- of voorbeeldreactie van het enquêteplatform"));
}

/// The fixtures' invented personal data (in the Word, OpenDocument notes).
const PERSONAL: &[&str] = &[
    "voorbeeldgemeente.example",
    "06-12345678",
    "010-1234567",
    "Karel van Voorbeeld",
    "Anna Fictief",
];

#[test]
fn no_personal_data_reaches_the_report_the_analysis_or_the_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, _) = build_example(tmp.path());
    let json = std::fs::read_to_string(tmp.path().join("analyse.json")).unwrap();
    for f in ["qdpx", "xlsx", "csv"] {
        let out = tmp.path().join(format!("export.{f}"));
        let o = pokeval(&[
            "export",
            "reports/2024",
            "--quiet",
            "--format",
            f,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let csv = std::fs::read_to_string(tmp.path().join("export.csv/citaten.csv")).unwrap();
    // the qdpx holds the source texts
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(tmp.path().join("export.qdpx")).unwrap()).unwrap();
    let mut qdpx = String::new();
    for i in 0..zip.len() {
        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut qdpx).unwrap();
    }
    assert!(
        qdpx.contains("Huizen is een deel"),
        "the qdpx holds the source texts"
    );
    for needle in PERSONAL {
        assert!(!html.contains(needle), "{needle} in the report");
        assert!(!json.contains(needle), "{needle} in analyse.json");
        assert!(!csv.contains(needle), "{needle} in the CSV export");
        assert!(!qdpx.contains(needle), "{needle} in the qdpx export");
    }
    assert!(
        csv.contains("[e-mail") || qdpx.contains("[e-mail"),
        "pseudonyms are in place"
    );
    // the mapping stays beside the project, outside every output
    let mapping =
        std::fs::read_to_string(repo().join("reports/2024/.pokeval/pseudoniemen.csv")).unwrap();
    assert!(mapping.contains("Karel van Voorbeeld"));
    assert!(std::fs::read_dir(tmp.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("pseudon")));
}

#[test]
fn the_pdf_has_the_same_report_with_embedded_fonts_and_bookmarks() {
    let tmp = tempfile::tempdir().unwrap();
    build_example(tmp.path());
    let bytes = std::fs::read(tmp.path().join("rapport.pdf")).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    assert!(pages.len() >= 25, "{} pages", pages.len());
    let all = pages.join("\n");
    for needle in [
        "Evaluatie besteding POK-middelen",
        "Verschil met € 150 miljoen",
        "De POK-middelen als smeerolie",
        "Een interne scan als vertrekpunt",
        "Wat is de bijdrage van de POK-middelen?",
        "Klik op de balk om te navigeren tussen hoofdstukken",
    ] {
        assert!(all.contains(needle), "{needle} not in the PDF");
    }
    // the funds totals in the table
    let funds_page = pages
        .iter()
        .find(|p| p.contains("Verschil met € 150 miljoen"))
        .unwrap();
    for t in ["151", "148", "130"] {
        assert!(funds_page.contains(t), "total {t}");
    }
    // no personal data
    for needle in PERSONAL {
        assert!(!all.contains(needle), "{needle} in the PDF");
    }
    // the page reference names the PDF page the story is on
    let story = pages
        .iter()
        .position(|p| p.contains("De POK-middelen als smeerolie"))
        .unwrap()
        + 1;
    let flat = all.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("staat op pagina {story}")),
        "page reference to {story}"
    );
    // and the HTML names the same page: every page reference of the HTML
    // says the page its target has in the PDF
    let html = std::fs::read_to_string(tmp.path().join("rapport.html")).unwrap();
    assert!(html.contains(&format!(
        "staat op <a class=\"page-ref\" href=\"#verhaal-enschede\">pagina {story}</a>"
    )));
    let refs: Vec<(&str, usize)> = html
        .split("<a class=\"page-ref\" href=\"#")
        .skip(1)
        .map(|rest| {
            let id = &rest[..rest.find('"').unwrap()];
            let n = rest[rest.find("pagina ").unwrap() + 7..rest.find("</a>").unwrap()]
                .parse()
                .unwrap();
            (id, n)
        })
        .collect();
    assert!(refs.len() >= 3, "{refs:?}");
    // the HTML numbers its pages as the PDF does: the story's section
    // carries the PDF page it starts on
    let section = &html[html.find("id=\"verhaal-enschede\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(
        section.contains(&format!("<p class=\"page-number\">{story}</p>")),
        "the story is on PDF page {story}"
    );
    for (id, n) in refs {
        assert!(
            flat.contains(&format!("pagina {n}")),
            "#{id}: the HTML says pagina {n}, the PDF has no such reference"
        );
    }
    // bookmarks per chapter, fonts embedded, internal links
    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    let catalog = doc.catalog().unwrap();
    assert!(catalog.get(b"Outlines").is_ok(), "the PDF has bookmarks");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/FontFile2"), "fonts are embedded");
    assert!(
        text.contains("SourceSans3"),
        "the bundled body font is used"
    );
    assert!(text.contains("/StructTreeRoot"), "the PDF is tagged");
}

#[test]
fn building_twice_gives_identical_output() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    build_example(a.path());
    build_example(b.path());
    for f in ["rapport.html", "rapport.pdf", "analyse.json"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn the_wave_three_example_builds_twice_to_identical_output() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [a.path(), b.path()] {
        let o = build_to("reports/2026", d);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stdout(&o).contains("compared with wave 2024"),
            "{}",
            stdout(&o)
        );
    }
    for f in ["rapport.html", "rapport.pdf", "analyse.json"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn summary_counts_read_accepted_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let o = build_to("reports/2024", tmp.path());
    let out = stdout(&o);
    let survey = out
        .lines()
        .find(|l| l.starts_with("enquête"))
        .expect("survey line");
    let nums: Vec<&str> = survey.split_whitespace().rev().take(3).collect();
    assert_eq!(nums, vec!["1", "11", "12"], "{survey}");
    assert!(out.contains("is a survey preview"));
}

#[test]
fn init_scaffolds_a_project_that_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("eval2025");
    let o = pokeval(&["init", dir.to_str().unwrap(), "--wave", "2025"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = pokeval(&["build", dir.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(dir.join("out/rapport.html")).unwrap();
    assert!(html.contains("Tweede van een reeks van drie evaluaties"));
    assert!(html.contains("<td class=\"num\">151</td>"));
    // a second init refuses to overwrite
    let o = pokeval(&["init", dir.to_str().unwrap(), "--wave", "2025"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("already exists"));
    // a wave outside the evaluation is refused by the argument parser
    let o = pokeval(&[
        "init",
        tmp.path().join("x").to_str().unwrap(),
        "--wave",
        "2023",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("2023"));
}

#[test]
fn init_from_scaffolds_the_next_wave_that_compares_with_the_earlier_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("eval2026");
    let from = repo().join("reports/2025");
    let o = pokeval(&[
        "init",
        dir.to_str().unwrap(),
        "--wave",
        "2026",
        "--from",
        from.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // the instrument keeps the question ids and gets the new wave
    let ins = std::fs::read_to_string(dir.join("instrument.toml")).unwrap();
    let old = std::fs::read_to_string(repo().join("surveys/2025/instrument.toml")).unwrap();
    assert!(ins.contains("\nwave = 2026\n"));
    assert_eq!(ins.replace("wave = 2026", "wave = 2025"), old);
    let project = std::fs::read_to_string(dir.join("evaluatie.toml")).unwrap();
    assert!(project.contains("[comparison]"), "{project}");
    let out = tmp.path().join("uit");
    let o = build_to(&dir, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("analyse.json")).unwrap()).unwrap();
    let waves: Vec<u64> = json["comparison"]["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["wave"].as_u64().unwrap())
        .collect();
    assert_eq!(waves, [2024, 2025, 2026]);
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    assert!(html.contains("Gemeenten per meting"));
    // a "next" wave that is not later is refused, naming the earlier project
    let o = pokeval(&[
        "init",
        tmp.path().join("x").to_str().unwrap(),
        "--wave",
        "2025",
        "--from",
        from.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("reports/2025/evaluatie.toml"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x").exists());
}

/// Copies the example's report sources into `dir/rapport` and returns a
/// project file that uses them.
fn report_copy(dir: &std::path::Path) -> std::path::PathBuf {
    let src = repo().join("reports/2024");
    let dst = dir.join("rapport");
    for sub in ["chapters", "stories"] {
        std::fs::create_dir_all(dst.join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dst.join(sub).join(e.file_name())).unwrap();
        }
    }
    std::fs::copy(src.join("report.toml"), dst.join("report.toml")).unwrap();
    let from = format!("report = \"{}\"", src.display());
    let to = format!("report = \"{}\"", dst.display());
    example_project_in(dir, |t| t.replace(&from, &to))
}

#[test]
fn a_wave_can_override_the_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let project = report_copy(tmp.path());
    let templates = tmp.path().join("rapport/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("report.css"),
        "/* huisstijl-2025 */ body { color: #111; }",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = build_to(&project, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    assert!(html.contains("/* huisstijl-2025 */"));
    assert!(
        !html.contains("--blue: #1f3a5f"),
        "the built-in CSS is replaced"
    );

    // a template that does not parse is an error naming it
    std::fs::write(templates.join("block.html"), "{% if block.type == %}").unwrap();
    let out2 = tmp.path().join("out2");
    let o = build_to(&project, &out2);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("templates/block.html") && stderr(&o).contains("does not parse"),
        "{}",
        stderr(&o)
    );
    assert!(!out2.exists());
}

#[test]
fn the_maps_use_the_projects_own_boundaries_and_name_their_source() {
    let Some(shared) = std::env::var_os("POKEVAL_SHARED_DATA") else {
        eprintln!("note: POKEVAL_SHARED_DATA is not set; skipping the map with real boundaries");
        return;
    };
    // the more detailed PDOK layer, not one of the embedded files
    let geojson = std::path::PathBuf::from(shared).join("gemeenten/gemeenten_2024_pdok.geojson");
    assert!(geojson.is_file(), "{} is missing", geojson.display());
    let tmp = tempfile::tempdir().unwrap();
    let p = example_project_in(tmp.path(), |t| {
        t.replace(
            "[register]\n",
            &format!(
                "[register]\nboundaries = \"{}\"\nboundaries_source = \"Bron: CBS Wijk- en buurtkaart 2024, via PDOK\"\n",
                geojson.display()
            ),
        )
    });
    let out = tmp.path().join("out");
    let o = build_to(p, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("rapport.html")).unwrap();
    let i = html.find("id=\"grafiek-story_map\"").expect("the map");
    let svg = &html[i..i + html[i..].find("</svg>").unwrap()];
    assert!(
        svg.matches("<polygon").count() >= 342,
        "every municipality is drawn"
    );
    assert!(html.contains("Kaart van Nederland met gemeentegrenzen"));
    // its own source under the map, not the embedded files' one
    let figure = &html[i..i + html[i..].find("</figure>").unwrap()];
    assert!(figure.contains("Bron: CBS Wijk- en buurtkaart 2024, via PDOK"));
    assert!(!figure.contains("CC BY 4.0"));
    // a different outline than the embedded one: the detailed layer has
    // more points
    let points = |f: &str| f.matches(' ').count();
    let (embedded, _) = build_example(&tmp.path().join("embedded"));
    let j = embedded.find("id=\"grafiek-story_map\"").unwrap();
    let embedded_figure = &embedded[j..j + embedded[j..].find("</figure>").unwrap()];
    assert!(points(figure) > points(embedded_figure));
}

/// The page number (1-based) a PDF link annotation leads to: an explicit
/// destination (`[page /XYZ ...]`) or a named one (looked up in the
/// catalog's `/Dests` or `/Names` tree).
fn link_target_page(doc: &pdf_extract::Document, annot: &pdf_extract::Dictionary) -> Option<u32> {
    use pdf_extract::Object;
    let pages: std::collections::HashMap<pdf_extract::ObjectId, u32> =
        doc.get_pages().into_iter().map(|(n, id)| (id, n)).collect();
    let deref = |o: &Object| -> Option<Object> {
        match o {
            Object::Reference(id) => doc.get_object(*id).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let mut dest = match annot.get(b"Dest") {
        Ok(d) => deref(d)?,
        Err(_) => {
            let action = deref(annot.get(b"A").ok()?)?;
            deref(action.as_dict().ok()?.get(b"D").ok()?)?
        }
    };
    if let Ok(name) = dest
        .as_str()
        .map(<[u8]>::to_vec)
        .or_else(|_| dest.as_name().map(<[u8]>::to_vec))
    {
        // a named destination: search the name tree
        let catalog = doc.catalog().ok()?;
        let names = deref(catalog.get(b"Names").ok()?)?;
        let tree = deref(names.as_dict().ok()?.get(b"Dests").ok()?)?;
        fn find(
            doc: &pdf_extract::Document,
            node: &pdf_extract::Dictionary,
            name: &[u8],
        ) -> Option<Object> {
            let get = |o: &Object| match o {
                Object::Reference(id) => doc.get_object(*id).ok().cloned(),
                other => Some(other.clone()),
            };
            if let Ok(Object::Array(pairs)) = node.get(b"Names") {
                for pair in pairs.chunks(2) {
                    if pair[0].as_str().ok() == Some(name) {
                        return get(&pair[1]);
                    }
                }
            }
            if let Ok(Object::Array(kids)) = node.get(b"Kids") {
                for k in kids {
                    let kid = get(k)?;
                    if let Some(found) = find(doc, kid.as_dict().ok()?, name) {
                        return Some(found);
                    }
                }
            }
            None
        }
        dest = find(doc, tree.as_dict().ok()?, &name)?;
        if let Ok(d) = dest.as_dict() {
            dest = deref(d.get(b"D").ok()?)?;
        }
    }
    let first = dest.as_array().ok()?.first()?.as_reference().ok()?;
    pages.get(&first).copied()
}

#[test]
fn every_map_link_leads_to_its_story_page_in_both_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, _) = build_example(tmp.path());
    // HTML: the maps are drawn from the embedded CBS boundaries (342
    // municipalities) with their source, and every pin links to a page
    // that exists
    let mut maps = 0;
    for id in ["story_map", "participation_map", "funds_map"] {
        let i = html
            .find(&format!("id=\"grafiek-{id}\""))
            .unwrap_or_else(|| panic!("the {id} map"));
        let figure = &html[i..i + html[i..].find("</figure>").unwrap()];
        assert!(
            figure.matches("<polygon").count() >= 342,
            "{id}: every municipality is drawn"
        );
        // (tera escapes the slash as &#x2F;)
        assert!(
            figure.contains("Bron gemeentegrenzen: CBS") && figure.contains("via PDOK (CC BY 4.0)"),
            "{id}: the source of the boundaries"
        );
        let hrefs: Vec<&str> = figure
            .split("<a href=\"#")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        let stories = html.matches("<section class=\"page story\"").count();
        assert!(stories >= 6, "at least six story pages");
        assert_eq!(hrefs.len(), stories, "{id}: one link per story");
        for h in hrefs {
            assert!(
                html.contains(&format!("id=\"{h}\"")),
                "{id}: #{h} leads nowhere"
            );
        }
        maps += 1;
    }
    assert_eq!(maps, 3);
    // PDF: the story map's page has a link over each pin, to the page its
    // story starts on
    let bytes = std::fs::read(tmp.path().join("rapport.pdf")).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    let flat = |p: &str| p.split_whitespace().collect::<Vec<_>>().join(" ");
    let map_page = pages
        .iter()
        .position(|p| flat(p).contains("Gemeenten waarvan een verhaal in dit rapport staat"))
        .expect("the story map in the PDF")
        + 1;
    let story_page = |title: &str| {
        pages
            .iter()
            .position(|p| flat(p).contains(title))
            .unwrap_or_else(|| panic!("story {title}")) as u32
            + 1
    };
    // every story of the example, by the title in its front matter
    let titles: Vec<String> = std::fs::read_dir(repo().join("reports/2024/stories"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|t| {
            let line = t.lines().find(|l| l.starts_with("titel = ")).unwrap();
            line["titel = ".len()..].trim_matches('"').to_string()
        })
        .collect();
    assert!(titles.len() >= 6);
    let expected: std::collections::BTreeSet<u32> = titles.iter().map(|t| story_page(t)).collect();
    assert_eq!(expected.len(), titles.len(), "one page per story");
    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    let page_id = doc.get_pages()[&(map_page as u32)];
    let page = doc.get_dictionary(page_id).unwrap();
    let annots = match page.get(b"Annots").unwrap() {
        pdf_extract::Object::Reference(id) => {
            doc.get_object(*id).unwrap().as_array().unwrap().clone()
        }
        o => o.as_array().unwrap().clone(),
    };
    let targets: Vec<u32> = annots
        .iter()
        .filter_map(|a| {
            let d = doc.get_dictionary(a.as_reference().ok()?).ok()?;
            (d.get(b"Subtype").ok()?.as_name().ok()? == b"Link").then_some(d)
        })
        .filter_map(|d| link_target_page(&doc, d))
        .collect();
    // twice each: the pin on the map and the name in the line under it
    for page in &expected {
        assert!(
            targets.iter().filter(|t| *t == page).count() >= 2,
            "map page {map_page} links to {targets:?}, the stories start on {expected:?}"
        );
    }
    // and back: each story page links to the map, in both outputs
    assert_eq!(
        html.matches("<a href=\"#grafiek-story_map\">terug naar de kaart</a>")
            .count(),
        titles.len()
    );
    for page in &expected {
        let page_id = doc.get_pages()[page];
        let annots = match doc.get_dictionary(page_id).unwrap().get(b"Annots").unwrap() {
            pdf_extract::Object::Reference(id) => {
                doc.get_object(*id).unwrap().as_array().unwrap().clone()
            }
            o => o.as_array().unwrap().clone(),
        };
        let back = annots
            .iter()
            .filter_map(|a| doc.get_dictionary(a.as_reference().ok()?).ok())
            .filter_map(|d| link_target_page(&doc, d))
            .any(|p| p == map_page as u32);
        assert!(
            back,
            "story page {page} does not link back to the map on {map_page}"
        );
    }
}

#[test]
fn every_pdf_page_carries_the_chapter_bar_and_none_holds_only_a_remnant() {
    let tmp = tempfile::tempdir().unwrap();
    build_example(tmp.path());
    let bytes = std::fs::read(tmp.path().join("rapport.pdf")).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    let mut continued = 0;
    for (i, page) in pages.iter().enumerate().skip(1) {
        let lines: Vec<&str> = page
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let n = i + 1;
        assert!(
            lines.first().is_some_and(
                |l| l.starts_with("Klik op de balk om te navigeren tussen hoofdstukken")
            ),
            "page {n} does not start with the chapter bar: {:?}",
            lines.first()
        );
        // a page continuing the one before names it, with "(vervolg)"
        if lines.iter().take(4).any(|l| l.ends_with("(vervolg)")) {
            continued += 1;
        }
        // bar, header or title, and at least two lines of content: no
        // page holds only a table's total row or a note
        assert!(lines.len() >= 4, "page {n} holds only {lines:?}");
    }
    assert!(
        continued >= 3,
        "the example has pages that continue the one before ({continued})"
    );
}

#[test]
fn tables_and_figures_have_the_same_numbers_in_html_and_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, _) = build_example(tmp.path());
    let bytes = std::fs::read(tmp.path().join("rapport.pdf")).unwrap();
    let pdf = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let pdf = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    // "Tabel 3: Codeerregels" -> ("Tabel", 3, "Codeerregels")
    let labels = |text: &str, open: &str| -> Vec<(String, usize, String)> {
        let mut out = Vec::new();
        for kind in ["Tabel", "Figuur"] {
            for part in text.split(&format!("{open}{kind} ")).skip(1) {
                let Some((n, rest)) = part.split_once(": ") else {
                    continue;
                };
                let Ok(n) = n.parse::<usize>() else { continue };
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '-')
                    .collect();
                out.push((kind.to_string(), n, word));
            }
        }
        out.sort();
        out
    };
    let in_html: Vec<_> = [labels(&html, "<caption>"), labels(&html, "<figcaption>")].concat();
    let mut in_html = in_html;
    in_html.sort();
    let in_pdf = labels(&pdf, "");
    // findings stand beside their figures (AEF's composition)
    assert!(html.matches("<div class=\"pair\">").count() >= 4);
    assert!(in_html.len() >= 20, "{in_html:?}");
    assert_eq!(
        in_html, in_pdf,
        "the same tables and figures under the same numbers"
    );
    // numbered 1, 2, 3, ... without gaps, per kind
    for kind in ["Tabel", "Figuur"] {
        let numbers: Vec<usize> = in_html
            .iter()
            .filter(|l| l.0 == kind)
            .map(|l| l.1)
            .collect();
        assert_eq!(numbers, (1..=numbers.len()).collect::<Vec<_>>(), "{kind}");
    }
}

#[test]
fn method_material_is_in_the_appendix_with_readable_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, _) = build_example(tmp.path());
    let appendix_at = html.find("id=\"bijlage\"").expect("the appendix");
    let (body, appendix) = html.split_at(appendix_at);
    for caption in [
        "Overeenstemming tussen codeurs (Codeur A, Codeur B)",
        "Codeerregels vergeleken met de codering van Codeur A",
        "Passages waarover de codeerregels en Codeur A verschillen",
        "Verwerkte invoer",
    ] {
        assert!(
            appendix.contains(caption),
            "{caption} is not in the appendix"
        );
        assert!(!body.contains(caption), "{caption} is in a chapter");
    }
    // reasons in Dutch, like the rest of the report
    assert!(appendix.contains("test- of voorbeeldreactie van het enquêteplatform"));
    assert!(appendix.contains("gemeente niet herkend of niet in het register"));
    assert!(
        !appendix.contains("not a real response") && !appendix.contains("is not in the register")
    );
    // sources by municipality, role and date; no file paths or segment ids
    assert!(
        appendix.contains("Gemeente Amersfoort, programmamanager sociaal domein, 26 maart 2024")
    );
    let bytes = std::fs::read(tmp.path().join("rapport.pdf")).unwrap();
    let pdf = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    for text in [&html, &pdf] {
        assert!(!text.contains("fixtures/"), "a file path in the report");
        assert!(!text.contains(".md#"), "a segment id in the report");
    }
}
