//! UMAP's steps against umap-learn on real vectors: the exact neighbours (scikit-learn), each
//! point's σ and ρ, the symmetrised fuzzy graph (`fuzzy_simplicial_set`) and the curve's a, b
//! (`find_ab_params`). Expected values from `tests/reference/make_umap_fixture.py`, committed in
//! `tests/fixtures/umap/fuzzy.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde::Deserialize;
use std::collections::HashMap;
use vecscape_core::data::store::{Storage, Vectors};
use vecscape_core::layout::umap::{fit_ab, fuzzy_graph, knn_graph, smooth_knn_dist, KnnGraph};
use vecscape_core::load::npy::read_npy;
use vecscape_core::search::types::Metric;

#[derive(Deserialize)]
struct Coo {
    rows: Vec<u32>,
    cols: Vec<u32>,
    vals: Vec<f64>,
}

#[derive(Deserialize)]
struct Ab {
    spread: f32,
    min_dist: f32,
    a: f64,
    b: f64,
}

#[derive(Deserialize)]
struct Fixture {
    umap_learn: String,
    rows: usize,
    k: usize,
    ids: Vec<Vec<u32>>,
    dists: Vec<Vec<f32>>,
    sigmas: Vec<f64>,
    rhos: Vec<f64>,
    graph: Coo,
    ab: Vec<Ab>,
}

fn fixture() -> Fixture {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    serde_json::from_slice(
        &std::fs::read(format!("{root}/tests/fixtures/umap/fuzzy.json")).unwrap(),
    )
    .unwrap()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn the_exact_graph_is_scikit_learn_s() {
    let f = fixture();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
    let x = read_npy("vectors.f16.npy", &bytes).unwrap();
    let x = x.slice(ndarray::s![..f.rows, ..]).to_owned();
    let v = Vectors::from_f32("demo", x, Storage::F32).unwrap();
    let graph = knn_graph(&v, f.k, Metric::L2).unwrap();
    let mut same = 0;
    for i in 0..f.rows {
        let ours = &graph.ids[i * f.k..(i + 1) * f.k];
        assert_eq!(ours[0] as usize, i);
        same += ours.iter().filter(|id| f.ids[i].contains(id)).count();
        for (d, e) in graph.dists[i * f.k..(i + 1) * f.k].iter().zip(&f.dists[i]) {
            assert!(
                (d - e).abs() < 1e-4 * e.max(1.0),
                "row {i}: distance {d} vs {e}"
            );
        }
    }
    // Near ties in f32 may swap the last neighbour of a row; nothing else may differ.
    assert!(
        same * 1000 >= 999 * f.rows * f.k,
        "{same} of {} neighbours agree",
        f.rows * f.k
    );
}

#[test]
fn sigma_rho_and_the_fuzzy_set_are_umap_learn_s() {
    let f = fixture();
    let graph = KnnGraph {
        k: f.k,
        ids: f.ids.concat(),
        dists: f.dists.concat(),
    };
    let mean_all =
        graph.dists.iter().map(|&d| f64::from(d)).sum::<f64>() / graph.dists.len() as f64;
    for i in 0..f.rows {
        let (rho, sigma) = smooth_knn_dist(&f.dists[i], mean_all);
        assert!(
            close(f64::from(rho), f.rhos[i], 1e-6),
            "row {i}: ρ {rho} vs {}",
            f.rhos[i]
        );
        assert!(
            close(f64::from(sigma), f.sigmas[i], 1e-4),
            "row {i}: σ {sigma} vs {} (umap-learn {})",
            f.sigmas[i],
            f.umap_learn
        );
    }
    let ours: HashMap<(u32, u32), f32> = fuzzy_graph(&graph)
        .into_iter()
        .map(|(i, j, w)| ((i, j), w))
        .collect();
    assert_eq!(ours.len(), f.graph.vals.len(), "edges");
    for ((&i, &j), &w) in f.graph.rows.iter().zip(&f.graph.cols).zip(&f.graph.vals) {
        let got = ours
            .get(&(i, j))
            .copied()
            .unwrap_or_else(|| panic!("edge ({i}, {j}) missing"));
        assert!(
            (f64::from(got) - w).abs() < 1e-4,
            "edge ({i}, {j}): {got} vs {w}"
        );
    }
}

#[test]
fn a_and_b_are_umap_learn_s() {
    for ab in fixture().ab {
        let (a, b) = fit_ab(ab.spread, ab.min_dist);
        assert!(
            close(f64::from(a), ab.a, 2e-3) && close(f64::from(b), ab.b, 2e-3),
            "spread {}, min_dist {}: ({a}, {b}) vs ({}, {})",
            ab.spread,
            ab.min_dist,
            ab.a,
            ab.b
        );
    }
}
