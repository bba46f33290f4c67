//! Autocoding speed, side by side with a Python `re` loop (one compiled
//! pattern per code, applied to each segment, as QualCoder does) and a bare
//! single-pass `RegexSet` scan (the practical limit).
//!
//! ```sh
//! cargo bench --workspace --bench autocode            # 100 MB, Python side included
//! POKEVAL_BENCH_MB=10 cargo bench --workspace --bench autocode
//! POKEVAL_BENCH_PYTHON=0 cargo bench ...              # skip the Python side
//! ```
//!
//! The text is generated here (everyday Dutch words with diacritics and
//! emoji, and about 3% domain terms the codebook looks for), written to a temporary folder with the codebook's patterns,
//! and the Python script `scripts/bench_autocode.py` reads both.

use std::io::Write;
use std::time::Instant;

use pokeval_analysis::autocode::autocode;
use pokeval_analysis::codebook::rule_to_regex;
use pokeval_analysis::Codebook;
use pokeval_ingest::project::CodingUnit;
use pokeval_model::{Source, SourceKind, Wave};

/// Everyday Dutch words: most of the generated text.
const COMMON: &[&str] = &[
    "de",
    "het",
    "een",
    "en",
    "van",
    "in",
    "is",
    "op",
    "te",
    "dat",
    "die",
    "voor",
    "met",
    "zijn",
    "aan",
    "niet",
    "ook",
    "als",
    "bij",
    "om",
    "er",
    "maar",
    "nog",
    "wel",
    "naar",
    "door",
    "over",
    "meer",
    "dan",
    "heeft",
    "worden",
    "wordt",
    "kan",
    "deze",
    "gemeente",
    "gemeenten",
    "inwoners",
    "inwoner",
    "hulp",
    "ondersteuning",
    "dienstverlening",
    "middelen",
    "geld",
    "budget",
    "begroting",
    "afdeling",
    "beleid",
    "uitvoering",
    "medewerkers",
    "collega's",
    "team",
    "teams",
    "aanpak",
    "plan",
    "jaar",
    "jaren",
    "samen",
    "partners",
    "organisatie",
    "college",
    "project",
    "projecten",
    "schulden",
    "zorg",
    "jeugd",
    "werk",
    "inkomen",
    "participatie",
    "armoede",
    "regeling",
    "regels",
    "vragen",
    "situatie",
    "huishoudens",
    "gezinnen",
    "kinderen",
    "ouders",
    "buurt",
    "wijk",
    "dorp",
    "stad",
    "centrum",
    "programma",
    "resultaat",
    "resultaten",
    "effect",
    "uren",
    "extra",
    "nieuwe",
    "lokale",
    "landelijke",
    "regionale",
    "belangrijk",
    "goed",
    "snel",
    "gesprek",
    "gesprekken",
    "ervaring",
    "geïnvesteerd",
    "coördinatie",
    "één",
    "financiële",
    "privé",
    "reëel",
    "cliënten",
    "ideeën",
    "🙂",
    "afspraken",
    "opgave",
];

/// Domain terms the codebook looks for: about 3% of the words.
const DOMAIN: &[&str] = &[
    "wijkteam",
    "wijkteams",
    "sociale",
    "raadslieden",
    "toegang",
    "integraal",
    "bibliotheek",
    "informatiepunt",
    "digitale",
    "overheid",
    "klachten",
    "ombudsman",
    "bestemmingsreserve",
    "bestedingsplan",
    "monitoring",
    "voucher",
    "regioadviseur",
    "doorbraakmethode",
    "verward",
    "gedrag",
    "veiligheidshuis",
    "jeugdbescherming",
    "kwetsbare",
    "smeerolie",
    "vrijheid",
    "knelpunt",
    "discriminatie",
    "verantwoording",
    "P&C-cyclus",
    "rechtsbescherming",
    "wethouder",
    "samenwerking",
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// About `bytes` of text in sources of ~20 paragraphs each.
fn generate(bytes: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut sources = Vec::new();
    let mut total = 0;
    while total < bytes {
        let mut doc = String::new();
        for _ in 0..20 {
            for _ in 0..3 + rng.below(4) {
                let n = 8 + rng.below(13);
                for w in 0..n {
                    let word = if rng.below(100) < 3 {
                        DOMAIN[rng.below(DOMAIN.len())]
                    } else {
                        COMMON[rng.below(COMMON.len())]
                    };
                    if w == 0 {
                        let mut c = word.chars();
                        if let Some(f) = c.next() {
                            doc.extend(f.to_uppercase());
                            doc.push_str(c.as_str());
                        }
                    } else {
                        doc.push(' ');
                        doc.push_str(word);
                    }
                }
                doc.push_str(". ");
            }
            doc.push_str("\n\n");
        }
        total += doc.len();
        sources.push(doc);
    }
    sources
}

fn main() {
    let mb: usize = std::env::var("POKEVAL_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let run_python = std::env::var("POKEVAL_BENCH_PYTHON").map_or(true, |v| v != "0");
    let codebook = Codebook::default_codebook();
    let texts = generate(mb * 1_000_000);
    let size: usize = texts.iter().map(String::len).sum();
    let size_mb = size as f64 / 1e6;
    let sources: Vec<Source> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Source {
            id: format!("bench:{i}"),
            kind: SourceKind::Interview,
            municipality: None,
            wave: Wave::new(2024).expect("valid wave"),
            text: t.clone(),
            file: format!("bench/{i}.md").into(),
            meta: Default::default(),
        })
        .collect();
    println!(
        "text: {size_mb:.1} MB in {} sources, {} codes",
        sources.len(),
        codebook.codes.len()
    );

    // pokeval: fold, segment into paragraphs, all rules in one RegexSet pass, spans
    let t = Instant::now();
    let (segments, codings) =
        autocode(&codebook, &sources, CodingUnit::Paragraph).expect("autocode");
    let ours = t.elapsed().as_secs_f64();
    println!(
        "pokeval autocode:      {ours:8.2} s  {:8.1} MB/s  ({} segments, {} codings)",
        size_mb / ours,
        segments.len(),
        codings.len()
    );

    // the limit: one RegexSet scan over each (already folded) paragraph, no spans
    let patterns: Vec<String> = codebook
        .codes
        .iter()
        .flat_map(|c| {
            c.include
                .iter()
                .map(|r| rule_to_regex(r).expect("valid rule"))
        })
        .collect();
    let set = regex::RegexSetBuilder::new(&patterns)
        .unicode(false)
        .build()
        .expect("valid set");
    let t = Instant::now();
    let folded: Vec<String> = texts
        .iter()
        .map(|t| pokeval_model::text::match_key(t))
        .collect();
    let fold_time = t.elapsed().as_secs_f64();
    println!(
        "  of which folding:    {fold_time:8.2} s  {:8.1} MB/s",
        size_mb / fold_time
    );
    let t = Instant::now();
    let mut hits = 0usize;
    for text in &folded {
        for para in text.split("\n\n") {
            hits += set.matches(para).iter().count();
        }
    }
    let bare = t.elapsed().as_secs_f64();
    println!(
        "bare RegexSet scan:    {bare:8.2} s  {:8.1} MB/s  ({hits} rule hits)",
        size_mb / bare
    );

    if !run_python {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let text_path = dir.path().join("text.txt");
    let mut f = std::fs::File::create(&text_path).expect("create text");
    for t in &texts {
        f.write_all(t.as_bytes()).expect("write text");
        f.write_all(b"\x00").expect("write separator");
    }
    let per_code: Vec<(String, String)> = codebook
        .codes
        .iter()
        .filter(|c| !c.include.is_empty())
        .map(|c| {
            let alts: Vec<String> = c
                .include
                .iter()
                .map(|r| rule_to_regex(r).expect("valid rule"))
                .collect();
            (c.id.clone(), alts.join("|"))
        })
        .collect();
    let pat_path = dir.path().join("patterns.json");
    std::fs::write(&pat_path, serde_json::to_string(&per_code).expect("json"))
        .expect("write patterns");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench_autocode.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&text_path)
        .arg(&pat_path)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    if !out.status.success() {
        eprintln!("python failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    if let Some(py) = stdout
        .lines()
        .find_map(|l| l.strip_prefix("python seconds: "))
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        println!(
            "speed-up over the Python re loop: {:.0}x (target: 100x)",
            py / ours
        );
    }
}
