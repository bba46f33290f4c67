//! Inter-coder agreement and rule quality, with the standard formulas.
//!
//! - Percent agreement: the share of units on which two coders give the same value.
//! - Cohen's kappa (two coders): `(p_o - p_e) / (1 - p_e)` with `p_e` from
//!   each coder's own marginals; the same as scikit-learn's
//!   `cohen_kappa_score`. Undefined (`None`) when `p_e = 1`.
//! - Krippendorff's alpha, nominal, any number of coders, missing values
//!   allowed: `1 - (n - 1) * D_o / D_e` from the coincidence matrix over the
//!   units with at least two values; the same as the `krippendorff` package.
//!   Undefined (`None`) when there is no variation at all.
//! - Precision, recall and F1 of the rules against a gold coder.
//!
//! The checks against scikit-learn and `krippendorff` are in
//! `tests/it/agreement_reference.rs`, with the script that computed the
//! expected values.

use std::collections::BTreeMap;

/// The share of units where both values are present and equal, over the
/// units where both are present. `None` when no unit has both.
pub fn percent_agreement(a: &[Option<u32>], b: &[Option<u32>]) -> Option<f64> {
    let pairs: Vec<(u32, u32)> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    Some(pairs.iter().filter(|(x, y)| x == y).count() as f64 / pairs.len() as f64)
}

/// Cohen's kappa over the units where both coders gave a value.
pub fn cohen_kappa(a: &[Option<u32>], b: &[Option<u32>]) -> Option<f64> {
    let pairs: Vec<(u32, u32)> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .collect();
    let n = pairs.len() as f64;
    if pairs.is_empty() {
        return None;
    }
    let mut ma: BTreeMap<u32, f64> = BTreeMap::new();
    let mut mb: BTreeMap<u32, f64> = BTreeMap::new();
    let mut agree = 0.0;
    for (x, y) in &pairs {
        *ma.entry(*x).or_default() += 1.0;
        *mb.entry(*y).or_default() += 1.0;
        if x == y {
            agree += 1.0;
        }
    }
    let po = agree / n;
    let pe: f64 = ma
        .iter()
        .map(|(c, na)| na / n * mb.get(c).copied().unwrap_or(0.0) / n)
        .sum();
    if (1.0 - pe).abs() < 1e-15 {
        return None;
    }
    Some((po - pe) / (1.0 - pe))
}

/// Krippendorff's alpha for nominal data. `data[coder][unit]` is the value a
/// coder gave a unit, `None` when missing.
pub fn krippendorff_alpha_nominal(data: &[Vec<Option<u32>>]) -> Option<f64> {
    let units = data.iter().map(Vec::len).max().unwrap_or(0);
    // coincidence matrix o[c][k]
    let mut o: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    for u in 0..units {
        let values: Vec<u32> = data
            .iter()
            .filter_map(|row| row.get(u).copied().flatten())
            .collect();
        let m = values.len();
        if m < 2 {
            continue;
        }
        for (i, c) in values.iter().enumerate() {
            for (j, k) in values.iter().enumerate() {
                if i != j {
                    *o.entry((*c, *k)).or_default() += 1.0 / (m as f64 - 1.0);
                }
            }
        }
    }
    let mut nc: BTreeMap<u32, f64> = BTreeMap::new();
    for ((c, _), v) in &o {
        *nc.entry(*c).or_default() += v;
    }
    let n: f64 = nc.values().sum();
    let disagree: f64 = o.iter().filter(|((c, k), _)| c != k).map(|(_, v)| v).sum();
    let mut expected = 0.0;
    for (c, a) in &nc {
        for (k, b) in &nc {
            if c != k {
                expected += a * b;
            }
        }
    }
    if expected == 0.0 || n <= 1.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * disagree / expected)
}

/// Precision, recall and F1 from true positives, false positives and false negatives.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Quality {
    /// Codings both made.
    pub true_positives: usize,
    /// Codings only the rules made.
    pub false_positives: usize,
    /// Codings only the gold coder made.
    pub false_negatives: usize,
    /// True positives over all rule codings (`None` without any).
    pub precision: Option<f64>,
    /// True positives over all gold codings (`None` without any).
    pub recall: Option<f64>,
    /// The harmonic mean of precision and recall.
    pub f1: Option<f64>,
}

impl Quality {
    /// The figures for these counts.
    pub fn new(tp: usize, fp: usize, fn_: usize) -> Quality {
        let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Quality {
            true_positives: tp,
            false_positives: fp,
            false_negatives: fn_,
            precision,
            recall,
            f1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[i32]) -> Vec<Option<u32>> {
        xs.iter().map(|&x| (x >= 0).then_some(x as u32)).collect()
    }

    #[test]
    fn textbook_values() {
        // perfect agreement
        assert_eq!(cohen_kappa(&v(&[1, 0, 1, 0]), &v(&[1, 0, 1, 0])), Some(1.0));
        // no variation at all: kappa and alpha undefined
        assert_eq!(cohen_kappa(&v(&[1, 1]), &v(&[1, 1])), None);
        assert_eq!(krippendorff_alpha_nominal(&[v(&[1, 1]), v(&[1, 1])]), None);
        // missing values are skipped
        assert_eq!(
            percent_agreement(&v(&[1, -1, 0]), &v(&[1, 1, 1])),
            Some(0.5)
        );
        // Krippendorff (2011), nominal example with four coders: alpha = 0.743
        let data = vec![
            v(&[1, 2, 3, 3, 2, 1, 4, 1, 2, -1, -1, -1]),
            v(&[1, 2, 3, 3, 2, 2, 4, 1, 2, 5, -1, 3]),
            v(&[-1, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, -1]),
            v(&[1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, -1]),
        ];
        let a = krippendorff_alpha_nominal(&data).unwrap();
        assert!((a - 0.743).abs() < 0.001, "{a}");
    }

    #[test]
    fn quality_measures() {
        let q = Quality::new(8, 2, 4);
        assert_eq!(q.precision, Some(0.8));
        assert!((q.recall.unwrap() - 8.0 / 12.0).abs() < 1e-12);
        assert!((q.f1.unwrap() - 2.0 * 0.8 * (8.0 / 12.0) / (0.8 + 8.0 / 12.0)).abs() < 1e-12);
        assert_eq!(Quality::new(0, 0, 0).precision, None);
    }
}
