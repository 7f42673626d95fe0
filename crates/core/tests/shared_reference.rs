//! Our kNN and PCA against numpy, scikit-learn and faiss on real data from `../shared/data`.
//!
//! The expected values come from `tests/reference/make_shared_reference.py`, which
//! `scripts/test.sh` runs before `cargo test` (it writes `target/reference/shared.json`). When
//! that file is missing the test says so and passes, unless `VECSCAPE_REQUIRE_REFERENCE=1`
//! (as in CI), where a missing file fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use ndarray::Array2;
use serde::Deserialize;
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::types::Metric;

#[derive(Deserialize)]
struct Query {
    query: usize,
    ids: Vec<u32>,
    scores: Vec<f64>,
    faiss_scores: Vec<f64>,
}

#[derive(Deserialize)]
struct PcaRef {
    components: Vec<Vec<f64>>,
    explained_variance_ratio: Vec<f64>,
}

#[derive(Deserialize)]
struct Set {
    path: String,
    rows: usize,
    knn: std::collections::HashMap<String, Vec<Query>>,
    pca: std::collections::HashMap<String, PcaRef>,
}

#[derive(Deserialize)]
struct Reference {
    k: usize,
    sets: std::collections::HashMap<String, Set>,
}

fn reference() -> Option<Reference> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/reference/shared.json"
    );
    match std::fs::read(path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).unwrap()),
        Err(e) => {
            assert!(
                std::env::var("VECSCAPE_REQUIRE_REFERENCE").as_deref() != Ok("1"),
                "{path}: {e}; run tests/reference/make_shared_reference.py"
            );
            eprintln!("skipped: {path} missing; run tests/reference/make_shared_reference.py");
            None
        }
    }
}

fn load(set: &Set) -> Array2<f32> {
    let bytes = std::fs::read(&set.path).unwrap();
    let x = vecscape_core::load::npy::read_npy(&set.path, &bytes).unwrap();
    x.slice(ndarray::s![..set.rows, ..]).to_owned()
}

#[test]
fn knn_equals_numpy_and_faiss_on_shared_data() {
    let Some(r) = reference() else { return };
    for (name, set) in &r.sets {
        let x = load(set);
        for (metric_name, metric) in [
            ("cosine", Metric::Cosine),
            ("dot", Metric::Dot),
            ("l2", Metric::L2),
        ] {
            let index = FlatIndex::new(&x, metric);
            let queries = &set.knn[metric_name];
            let qrows: Vec<usize> = queries.iter().map(|q| q.query).collect();
            let qmat = x.select(ndarray::Axis(0), &qrows);
            let batch = index.search_batch(qmat.view(), r.k, &[]).unwrap();
            for (q, batched) in queries.iter().zip(&batch) {
                let got = index.search(&x.row(q.query).to_vec(), r.k, None).unwrap();
                assert_eq!(got.ids, q.ids, "{name} {metric_name} query {}", q.query);
                assert_eq!(&got, batched, "{name} {metric_name} batch");
                for ((g, e), f) in got.scores.iter().zip(&q.scores).zip(&q.faiss_scores) {
                    assert!(
                        (f64::from(*g) - e).abs() < 1e-5,
                        "{name} {metric_name}: {g} vs numpy {e}"
                    );
                    // faiss computes L2 as |x|²+|q|²-2x·q in f32, so allow its rounding.
                    let tol = if metric == Metric::L2 { 1e-4 } else { 1e-5 };
                    assert!(
                        (f64::from(*g) - f).abs() < tol,
                        "{name} {metric_name}: {g} vs faiss {f}"
                    );
                }
            }
        }
    }
}

#[test]
fn pca_spans_scikit_learns_exact_subspace() {
    let Some(r) = reference() else { return };
    for (name, set) in &r.sets {
        let x = load(set);
        for (k, want) in &set.pca {
            let k: usize = k.parse().unwrap();
            for solver in [PcaSolver::Randomized { seed: 0 }, PcaSolver::Exact] {
                let pca = Pca::fit(x.view(), k, solver).unwrap();
                let ours = pca.components.mapv(f64::from);
                let theirs = Array2::from_shape_vec(
                    (k, x.ncols()),
                    want.components.iter().flatten().copied().collect(),
                )
                .unwrap();
                let angle = vecscape_core::project::pca::largest_angle_sin(&ours, &theirs).asin();
                assert!(
                    angle < 1e-3,
                    "{name} k={k} {solver:?}: largest subspace angle {angle} rad"
                );
                for (g, e) in pca
                    .explained_variance_ratio
                    .iter()
                    .zip(&want.explained_variance_ratio)
                {
                    assert!((g - e).abs() < 1e-4, "{name} k={k}: evr {g} vs {e}");
                }
                // Same signs as scikit-learn's svd_flip: each component points the same way.
                for (o, t) in ours.rows().into_iter().zip(theirs.rows()) {
                    assert!(
                        o.dot(&t) > 0.99,
                        "{name} k={k}: component sign or direction differs"
                    );
                }
            }
        }
    }
}
