//! Long steps report `n of N` through `Progress`: the example's notes,
//! texts to pseudonymise and sources to code, each counted up to its total.

use std::cell::RefCell;
use std::path::Path;

use pokeval_model::Progress;

#[derive(Default)]
struct Recorder {
    /// (step, done, total) for every items report, under the step it came in.
    events: RefCell<Vec<(String, u64, u64)>>,
    step: RefCell<String>,
}

impl Progress for Recorder {
    fn step(&self, message: &str) {
        self.step.replace(message.to_string());
    }
    fn items(&self, done: u64, total: u64) {
        let step = self.step.borrow().clone();
        self.events.borrow_mut().push((step, done, total));
    }
}

impl Recorder {
    /// The reports of one step, in order.
    fn of(&self, step: &str) -> Vec<(u64, u64)> {
        self.events
            .borrow()
            .iter()
            .filter(|(s, _, _)| s == step)
            .map(|(_, d, t)| (*d, *t))
            .collect()
    }
}

#[test]
fn notes_pseudonymisation_and_coding_count_up_to_their_totals() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/2024");
    let progress = Recorder::default();
    let prepared = pokeval_app::prepare(&project, &progress).unwrap();
    let sources = prepared.inputs.sources.len() as u64;
    let notes = prepared
        .inputs
        .sources
        .iter()
        .filter(|s| s.kind == pokeval_model::SourceKind::Interview)
        .count() as u64;
    assert_eq!(notes, 13);

    assert_eq!(
        progress.of("reading interview notes"),
        vec![(0, notes), (notes, notes)]
    );
    // every note and every open answer (filled in or not) is one text
    let texts = progress.of("pseudonymising notes and open answers");
    assert_eq!(texts.first().map(|e| e.0), Some(0));
    let (done, total) = *texts.last().unwrap();
    assert_eq!(done, total);
    assert!(total >= sources, "{total} texts for {sources} sources");
    assert_eq!(
        progress.of("coding sources with the codebook"),
        vec![(0, sources), (sources, sources)]
    );
}
