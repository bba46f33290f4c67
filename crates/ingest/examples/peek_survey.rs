//! Prints what pokeval reads from a survey export without an instrument:
//! layout, encoding, columns and the first rows of the raw long table.
//!
//! `cargo run --example peek_survey -- <export> [structure]`

use std::path::Path;

use pokeval_ingest::model::Wave;
use pokeval_ingest::survey::{read_export, read_structure, raw_long, ReadOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        eprintln!("usage: peek_survey <export> [structure]");
        std::process::exit(2);
    };
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let mut export = read_export(Path::new(file), file, &ReadOptions { include_tests: true, ..Default::default() })?;
        if let Some(s) = args.get(1) {
            let st = read_structure(Path::new(s), s)?;
            println!("structure: {} questions ({})", st.questions.len(), st.format);
            st.apply(&mut export)?;
        }
        println!("layout: {:?}, encoding {}, {} records, {} columns", export.layout, export.encoding, export.height(), export.columns.len());
        for c in export.columns.iter().take(12) {
            println!("  {:?}", c);
        }
        println!("  mr sets: {:?}", export.mr_sets);
        println!("  missing: {:?}", export.missing);
        let data = raw_long(&export, Wave::new(2024)?)?;
        println!("respondents {} rejects {}", data.respondents.len(), data.rejects.len());
        for r in data.rejects.iter().take(3) {
            println!("  reject {}:{} {}", r.file, r.line, r.reason);
        }
        let l = &data.long;
        let col = |n: &str| l.column(n).unwrap().as_materialized_series().clone();
        let (r, q, v, lab, num, mis) = (col("respondent"), col("question"), col("value"), col("label"), col("number"), col("missing"));
        let mut shown = 0;
        for i in 0..l.height() {
            let interesting = v.get(i).unwrap() != lab.get(i).unwrap() || mis.get(i).unwrap().to_string() == "true";
            if interesting || i < 3 {
                println!("  {} | {} | {} | {} | {} | {}", r.get(i).unwrap(), q.get(i).unwrap(), v.get(i).unwrap(), lab.get(i).unwrap(), num.get(i).unwrap(), mis.get(i).unwrap());
                shown += 1;
            }
            if shown > 10 { break; }
        }
        println!("  long rows: {}", l.height());
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
