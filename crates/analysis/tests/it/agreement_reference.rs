//! Cohen's kappa and Krippendorff's alpha equal scikit-learn's
//! `cohen_kappa_score` and the `krippendorff` package to 1e-9. The expected
//! values were computed once by `tests/agreement/reference.py` and committed.

use pokeval_analysis::agreement::{cohen_kappa, krippendorff_alpha_nominal};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/agreement")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn coder(row: &Value) -> Vec<Option<u32>> {
    row.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().map(|x| x as u32))
        .collect()
}

#[test]
fn kappa_and_alpha_match_the_python_reference() {
    let data = load("data.json");
    let expected = load("expected.json");
    let sets = data["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 4);
    for (name, rows) in sets {
        let coders: Vec<Vec<Option<u32>>> = rows.as_array().unwrap().iter().map(coder).collect();
        let exp = &expected["sets"][name];
        let alpha = krippendorff_alpha_nominal(&coders).unwrap();
        let want = exp["alpha"].as_f64().unwrap();
        assert!(
            (alpha - want).abs() < 1e-9,
            "{name}: alpha {alpha} != {want}"
        );
        for (pair, want) in exp["kappa"].as_object().unwrap() {
            let (i, j) = pair.split_once('-').unwrap();
            let (i, j): (usize, usize) = (i.parse().unwrap(), j.parse().unwrap());
            let kappa = cohen_kappa(&coders[i], &coders[j]).unwrap();
            let want = want.as_f64().unwrap();
            assert!(
                (kappa - want).abs() < 1e-9,
                "{name} {pair}: kappa {kappa} != {want}"
            );
        }
    }
}
