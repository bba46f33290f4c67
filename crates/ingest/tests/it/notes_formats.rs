//! Notes in every format, metadata from front matter, sidecar and file
//! name, transcripts, and broken documents.

use std::io::Write;
use std::path::{Path, PathBuf};

use pokeval_ingest::notes::{read_notes, NotesOptions};
use pokeval_model::register::Register;
use pokeval_model::Resolver;
use pokeval_model::Wave;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn register() -> Register {
    Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap()
}

fn wave() -> Wave {
    Wave::new(2024).unwrap()
}

fn display(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn read(dir: &Path) -> pokeval_ingest::Result<Vec<pokeval_model::Source>> {
    let register = register();
    let resolver = Resolver::new(&register, 2024);
    read_notes(
        dir,
        wave(),
        &resolver,
        &display,
        &NotesOptions::default(),
        &pokeval_model::NoProgress,
    )
}

#[test]
fn the_example_notes_in_markdown_word_opendocument_and_pdf() {
    let notes = read(&repo().join("fixtures/2024/interviews")).unwrap();
    assert_eq!(notes.len(), 13, "README.md and metadata.csv are not notes");
    let by = |f: &str| notes.iter().find(|s| &*s.file == f).unwrap();

    let huizen = by("12-huizen.docx");
    assert_eq!(huizen.municipality.as_deref(), Some("GM0406"));
    assert_eq!(
        &huizen.meta["datum"], "2024-04-02",
        "TOML front matter inside a Word document"
    );
    assert!(huizen
        .text
        .trim_start()
        .starts_with("In Huizen is een deel"));
    assert!(huizen.text.contains("cliëntondersteuning"));

    let soest = by("09-soest.odt");
    assert_eq!(soest.municipality.as_deref(), Some("GM0342"));
    assert_eq!(
        &soest.meta["rol"], "beleidsmedewerker wijkgericht werken",
        "YAML front matter in an odt"
    );
    assert!(soest
        .text
        .contains("Met vriendelijke groet,\n\nAnna Fictief"));

    let swf = by("13-sudwest-fryslan.pdf");
    assert_eq!(
        swf.municipality.as_deref(),
        Some("GM1900"),
        "metadata from metadata.csv"
    );
    assert_eq!(&swf.meta["rol"], "teamleider gebiedsteams");
    let starts: Vec<usize> = swf.meta["pagina_start"]
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(starts.len(), 2, "two pages");
    let page2: String = swf.text.chars().skip(starts[1]).take(40).collect();
    assert!(page2.starts_with("De respondent waardeert"), "{page2:?}");
    assert!(swf.text.contains("Súdwest-Fryslân"));

    let wmw = by("11-west-maas-en-waal.md");
    assert_eq!(&wmw.meta["transcript"], "6");
    // its turns as coding segments: crates/analysis/tests/it/coding.rs
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn metadata_comes_from_front_matter_sidecar_or_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "a.md",
        "+++\ngemeente = \"Venlo\"\ndatum = 2024-03-01\n+++\nTekst a.\n",
    );
    write(
        d,
        "b.md",
        "---\ngemeente: \"'s-Hertogenbosch\"\ndatum: 2024-03-02\nrol: wethouder\n---\nTekst b.\n",
    );
    write(d, "c.txt", "Tekst c zonder kop.\n");
    write(d, "den-bosch_2024-03-04_beleidsadviseur.txt", "Tekst d.\n");
    write(
        d,
        "metadata.csv",
        "bestand,gemeente,rol\nc.txt,Oss,ambtenaar\n",
    );
    let notes = read(d).unwrap();
    let g: Vec<(&str, &str)> = notes
        .iter()
        .map(|s| (&*s.file, s.municipality.as_deref().unwrap()))
        .collect();
    assert_eq!(
        g,
        vec![
            ("a.md", "GM0983"),
            ("b.md", "GM0796"),
            ("c.txt", "GM0828"),
            ("den-bosch_2024-03-04_beleidsadviseur.txt", "GM0796")
        ]
    );
    assert_eq!(&notes[3].meta["datum"], "2024-03-04");
    assert_eq!(&notes[3].meta["rol"], "beleidsadviseur");
    assert_eq!(&notes[2].meta["rol"], "ambtenaar");

    // a conflict between front matter and the sidecar is an error naming both
    write(d, "metadata.csv", "bestand,gemeente\na.md,Oss\n");
    let err = read(d).unwrap_err().to_string();
    assert!(
        err.contains("a.md")
            && err.contains("'Venlo' in the front matter but 'Oss' in metadata.csv"),
        "{err}"
    );

    // include and exclude patterns
    write(d, "metadata.csv", "bestand,gemeente\nc.txt,Oss\n");
    let opts = NotesOptions {
        include: vec!["*.md".into()],
        exclude: vec!["b.*".into()],
    };
    let register = register();
    let resolver = Resolver::new(&register, 2024);
    let only = read_notes(
        d,
        wave(),
        &resolver,
        &display,
        &opts,
        &pokeval_model::NoProgress,
    )
    .unwrap();
    assert_eq!(
        only.iter().map(|s| &*s.file).collect::<Vec<_>>(),
        vec!["a.md"]
    );

    // no municipality anywhere
    write(d, "zonder.md", "Alleen tekst.\n");
    let err = read(d).unwrap_err().to_string();
    assert!(
        err.contains("zonder.md") && err.contains("no municipality"),
        "{err}"
    );
}

#[test]
fn invalid_front_matter_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "x.md", "+++\ngemeente = Venlo\n+++\nTekst.\n");
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("x.md") && err.contains("front matter"),
        "{err}"
    );
    write(dir.path(), "x.md", "---\ngemeente: [Venlo\n---\nTekst.\n");
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(err.contains("x.md") && err.contains("YAML"), "{err}");
    write(
        dir.path(),
        "x.md",
        "+++\ngemeente = \"Venlo\"\nkleur = \"rood\"\n+++\nTekst.\n",
    );
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(err.contains("x.md") && err.contains("kleur"), "{err}");
}

#[test]
fn broken_documents_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a docx that is not a zip
    std::fs::write(d.join("venlo_kapot.docx"), b"dit is geen docx").unwrap();
    let err = read(d).unwrap_err().to_string();
    assert!(
        err.contains("venlo_kapot.docx") && err.contains("not a readable Word document"),
        "{err}"
    );
    std::fs::remove_file(d.join("venlo_kapot.docx")).unwrap();

    // a zip without word/document.xml
    let mut zip = zip::ZipWriter::new(std::fs::File::create(d.join("venlo_leeg.docx")).unwrap());
    zip.start_file("iets.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"x").unwrap();
    zip.finish().unwrap();
    let err = read(d).unwrap_err().to_string();
    assert!(
        err.contains("venlo_leeg.docx") && err.contains("word/document.xml is missing"),
        "{err}"
    );
    std::fs::remove_file(d.join("venlo_leeg.docx")).unwrap();

    // a zip bomb disguised as a docx
    let mut zip = zip::ZipWriter::new(std::fs::File::create(d.join("venlo_bom.docx")).unwrap());
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..=(pokeval_formats::archive::MAX_ENTRY >> 20) {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap();
    let err = read(d).unwrap_err().to_string();
    assert!(
        err.contains("venlo_bom.docx") && err.contains("more than the limit"),
        "{err}"
    );
    std::fs::remove_file(d.join("venlo_bom.docx")).unwrap();

    // an encrypted PDF
    std::fs::copy(
        repo().join("fixtures/2024/documenten/versleuteld.pdf"),
        d.join("venlo_geheim.pdf"),
    )
    .unwrap();
    let err = read(d).unwrap_err().to_string();
    assert!(
        err.contains("venlo_geheim.pdf") && err.contains("encrypted"),
        "{err}"
    );
    std::fs::remove_file(d.join("venlo_geheim.pdf")).unwrap();

    // a truncated PDF
    let good =
        std::fs::read(repo().join("fixtures/2024/interviews/13-sudwest-fryslan.pdf")).unwrap();
    std::fs::write(d.join("venlo_half.pdf"), &good[..good.len() / 3]).unwrap();
    let err = read(d).unwrap_err().to_string();
    assert!(
        err.contains("venlo_half.pdf") && err.contains("PDF"),
        "{err}"
    );
}
