//! Prints the questions pokeval reads from a survey definition file.
//!
//! `cargo run --example peek_structure -- <file.qsf|.lss|.lsg|.tsv|.xml|.R>`
use std::path::Path;

fn main() {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: peek_structure <file>");
        std::process::exit(2);
    };
    match pokeval_ingest::survey::read_structure(Path::new(&file), &file) {
        Ok(s) => {
            println!("{} '{}': {} questions", s.format, s.title, s.questions.len());
            for q in s.questions.iter().take(8) {
                let t: String = q.text.chars().take(60).collect();
                println!("  {} {} [{}] multiple={} '{}' options={:?} items={:?}", q.id, q.code, q.kind, q.multiple, t, q.options.iter().take(4).collect::<Vec<_>>(), q.items.iter().take(3).collect::<Vec<_>>());
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
