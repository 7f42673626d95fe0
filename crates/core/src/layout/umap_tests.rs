//! UMAP's steps against hand-computed references and umap-learn's published curve parameters,
//! and the layout against the data: clusters stay apart, neighbours stay neighbours.

use super::*;
use crate::data::store::Storage;

/// Every other row of `m` by squared Euclidean distance (in f64) from row `i`, nearest first,
/// ties to the lower row: (squared distance, row).
fn by_distance(m: &Array2<f32>, i: usize) -> Vec<(f64, usize)> {
    let mut d: Vec<(f64, usize)> = (0..m.nrows())
        .filter(|&j| j != i)
        .map(|j| {
            let s: f64 = m
                .row(i)
                .iter()
                .zip(m.row(j))
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
                .sum();
            (s, j)
        })
        .collect();
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d
}

/// The share of each row's `k` nearest rows in `x` (exact, f64) that are among its `k` nearest
/// in the layout `y`.
fn knn_preserved(x: &Array2<f32>, y: &Array2<f32>, k: usize) -> f64 {
    let n = x.nrows();
    let nearest = |m: &Array2<f32>, i: usize| -> Vec<usize> {
        by_distance(m, i)
            .into_iter()
            .take(k)
            .map(|(_, j)| j)
            .collect()
    };
    let mut hits = 0;
    for i in 0..n {
        let a = nearest(x, i);
        let b = nearest(y, i);
        hits += a.iter().filter(|j| b.contains(j)).count();
    }
    hits as f64 / (n * k) as f64
}

/// `clusters` Gaussian blobs of `per` points in `dims` dimensions, centres 10 apart on average.
fn blobs(clusters: usize, per: usize, dims: usize, seed: u64) -> (Array2<f32>, Vec<usize>) {
    let mut rng = SplitMix64::new(seed);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| (0..dims).map(|_| (rng.normal() * 5.0) as f32).collect())
        .collect();
    let mut labels = Vec::new();
    let x = Array2::from_shape_fn((clusters * per, dims), |(i, j)| {
        centres[i / per][j] + rng.normal() as f32 * 0.5
    });
    for i in 0..clusters * per {
        labels.push(i / per);
    }
    (x, labels)
}

#[test]
fn the_curve_matches_umap_learn_for_the_defaults() {
    // umap-learn 0.5: find_ab_params(1.0, 0.1) = (1.576943460405378, 0.8950608781227859).
    let (a, b) = fit_ab(1.0, 0.1);
    assert!((a - 1.576_943_5).abs() < 2e-3, "a = {a}");
    assert!((b - 0.895_060_9).abs() < 1e-3, "b = {b}");
    // The fitted curve is close to the target everywhere (the fit did converge).
    let target = |x: f32| if x < 0.1 { 1.0 } else { (-(x - 0.1)).exp() };
    for i in 0..30 {
        let x = i as f32 * 0.1;
        let f = 1.0 / (1.0 + a * x.powf(2.0 * b));
        assert!(
            (f - target(x)).abs() < 0.07,
            "x = {x}: {f} vs {}",
            target(x)
        );
    }
}

#[test]
fn sigma_makes_the_memberships_sum_to_log2_k() {
    let dists = [0.0f32, 0.5, 0.7, 0.71, 1.0, 1.3, 2.0, 2.5, 3.0, 3.1];
    let (rho, sigma) = smooth_knn_dist(&dists, 1.0);
    assert_eq!(rho, 0.5);
    let psum: f64 = dists[1..]
        .iter()
        .map(|d| (-(f64::from(*d - rho)).max(0.0) / f64::from(sigma)).exp())
        .sum();
    assert!((psum - (10f64).log2()).abs() < 1e-3, "{psum}");
    // All neighbours at the same distance: every membership is 1 and σ stays at its floor rule.
    let flat = [0.0f32, 1.0, 1.0, 1.0];
    let (rho, sigma) = smooth_knn_dist(&flat, 1.0);
    assert_eq!(rho, 1.0);
    assert!(sigma > 0.0);
}

#[test]
fn the_graph_is_the_exact_neighbours_and_the_union_is_symmetric() {
    let (x, _) = blobs(3, 40, 6, 5);
    let v = Vectors::from_f32("t", x.clone(), Storage::F32).unwrap_or_default();
    let k = 6;
    let graph = knn_graph(&v, k, Metric::L2).unwrap();
    let n = x.nrows();
    for i in 0..n {
        assert_eq!(
            graph.ids[i * k] as usize,
            i,
            "a row is its own first neighbour"
        );
        // Brute force in f64.
        let d = by_distance(&x, i);
        let want: Vec<u32> = d.iter().take(k - 1).map(|(_, j)| *j as u32).collect();
        assert_eq!(
            &graph.ids[i * k + 1..(i + 1) * k],
            want.as_slice(),
            "row {i}"
        );
        for (r, (s, _)) in d.iter().take(k - 1).enumerate() {
            let got = f64::from(graph.dists[i * k + 1 + r]);
            assert!((got - s.sqrt()).abs() < 1e-4 * (1.0 + s.sqrt()));
        }
    }
    let edges = fuzzy_graph(&graph);
    let lookup: std::collections::HashMap<(u32, u32), f32> =
        edges.iter().map(|&(i, j, w)| ((i, j), w)).collect();
    for &(i, j, w) in &edges {
        assert_ne!(i, j);
        assert!(w > 0.0 && w <= 1.0);
        assert_eq!(
            lookup.get(&(j, i)),
            Some(&w),
            "({i}, {j}) has no equal reverse"
        );
    }
    // Each row's nearest neighbour gets membership 1 (d = ρ), so its union weight is 1 (up to
    // the rounding of a + b − a·b).
    for i in 0..n {
        let nearest = graph.ids[i * k + 1];
        let w = lookup.get(&(i as u32, nearest)).copied().unwrap_or(0.0);
        assert!((w - 1.0).abs() < 1e-6, "row {i}: {w}");
    }
}

#[test]
fn clusters_stay_apart_and_a_seed_gives_the_same_layout() {
    let (x, labels) = blobs(8, 60, 24, 11);
    let v = Vectors::from_f32("t", x.clone(), Storage::F32).unwrap_or_default();
    let params = UmapParams {
        epochs: Some(200),
        seed: 3,
        ..UmapParams::default()
    };
    let y = umap(&v, &params).unwrap();
    assert_eq!(y.dim(), (x.nrows(), 2));
    assert!(y.iter().all(|v| v.is_finite()));
    // Each point's 10 nearest on the map carry its label.
    let n = x.nrows();
    let mut agree = 0;
    for i in 0..n {
        let mut d: Vec<(f32, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| ((y[[i, 0]] - y[[j, 0]]).hypot(y[[i, 1]] - y[[j, 1]]), j))
            .collect();
        d.sort_by(|a, b| a.0.total_cmp(&b.0));
        agree += d
            .iter()
            .take(10)
            .filter(|(_, j)| labels[*j] == labels[i])
            .count();
    }
    let agreement = agree as f64 / (n * 10) as f64;
    assert!(agreement > 0.99, "label agreement {agreement}");
    assert_eq!(
        umap(&v, &params).unwrap(),
        y,
        "the same seed, the same layout"
    );
    let other = umap(&v, &UmapParams { seed: 4, ..params }).unwrap();
    assert_ne!(other, y);
}

/// The shared demo (WordNet glosses, MiniLM 384-d), first 1,500 rows: UMAP keeps many times more
/// of each point's 10 nearest neighbours than PCA does (on all 15,000 rows umap-learn keeps
/// 0.149 and our PCA 0.006).
#[test]
fn on_real_embeddings_umap_keeps_neighbours_that_pca_loses() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
    let all = crate::load::npy::read_npy("vectors.f16.npy", &bytes).unwrap();
    let x = all.slice(ndarray::s![..1500, ..]).to_owned();
    let v = Vectors::from_f32("demo", x.clone(), Storage::F32).unwrap();
    let params = UmapParams {
        epochs: Some(200),
        ..UmapParams::default()
    };
    let y = umap(&v, &params).unwrap();
    let pca = pca_init(&v, 0).unwrap();
    let kept_umap = knn_preserved(&x, &y, 10);
    let kept_pca = knn_preserved(&x, &pca, 10);
    eprintln!("kNN@10 preserved on 1,500 demo rows: UMAP {kept_umap:.3}, PCA {kept_pca:.3}");
    assert!(kept_umap > 0.15, "UMAP keeps {kept_umap}");
    assert!(
        kept_umap > 4.0 * kept_pca,
        "UMAP {kept_umap} vs PCA {kept_pca}"
    );
}

#[test]
fn bad_parameters_are_refused() {
    let (x, _) = blobs(1, 10, 3, 1);
    let v = Vectors::from_f32("t", x, Storage::F32).unwrap();
    assert_eq!(
        umap(&v, &UmapParams::default()),
        Err(UmapError::TooFewRows {
            rows: 10,
            neighbors: 15
        })
    );
    let bad = UmapParams {
        min_dist: 2.0,
        ..UmapParams::default()
    };
    assert!(matches!(
        umap(&v, &bad),
        Err(UmapError::BadParameter {
            name: "min_dist",
            ..
        })
    ));
}

#[test]
fn the_layout_does_not_depend_on_how_the_work_is_split() {
    let (x, _) = blobs(4, 50, 12, 21);
    let v = Vectors::from_f32("t", x, Storage::F32).unwrap_or_default();
    let params = UmapParams {
        epochs: Some(60),
        seed: 9,
        ..UmapParams::default()
    };
    let whole = umap(&v, &params).unwrap();
    // The graph a few rows at a time, then the epochs in uneven runs.
    let index = FlatIndex::new(&v, graph_metric(params.metric));
    let mut graph = KnnGraph::with_capacity(params.neighbors, v.nrows());
    for start in (0..v.nrows()).step_by(37) {
        graph
            .push_rows(&index, &v, start..(start + 37).min(v.nrows()))
            .unwrap();
    }
    assert_eq!(
        graph,
        knn_graph(&v, params.neighbors, params.metric).unwrap()
    );
    assert_eq!(graph.rows(), v.nrows());
    let edges = fuzzy_graph(&graph);
    let mut y = pca_init(&v, params.seed).unwrap();
    let mut sgd = Sgd::new(&edges, &params, 60);
    let mut runs = 0;
    for count in [1, 7, 13, 100] {
        runs += sgd.run(&mut y, count);
    }
    assert_eq!(runs, 60);
    assert!(sgd.done());
    assert_eq!(sgd.run(&mut y, 5), 0, "nothing runs after the last epoch");
    assert_eq!(y, whole);
}

/// The graph on the demo's first 3,000 glosses, on 50 principal components of the unit rows,
/// against the exact cosine graph in all 384 dimensions: the share of each row's 14 nearest
/// others found (MiniLM's variance is spread over many dimensions: about half), and that the
/// reduced distances of those found (d²/2 of the projected unit rows) never exceed 1 − cos: a
/// projection only shortens.
#[test]
fn the_reduced_graph_keeps_most_neighbours() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
    let all = crate::load::npy::read_npy("vectors.f16.npy", &bytes).unwrap();
    let x = all.slice(ndarray::s![..3000, ..]).to_owned();
    let v = Vectors::from_f32("demo", x, Storage::F32).unwrap();
    let k = 15;
    let exact = knn_graph(&v, k, Metric::Cosine).unwrap();
    let reduced = reduce_for_graph(&v, Metric::Cosine, GRAPH_DIMS, 0)
        .unwrap()
        .expect("384 > 50 dims");
    assert_eq!(reduced.dim(), (3000, GRAPH_DIMS));
    assert!(reduce_for_graph(&reduced, Metric::Cosine, GRAPH_DIMS, 0)
        .unwrap()
        .is_none());
    let mut approx = knn_graph(&reduced, k, Metric::L2).unwrap();
    approx.cosine_from_l2();
    let (mut found, mut longer) = (0usize, f32::NEG_INFINITY);
    for i in 0..3000 {
        let truth = &exact.ids[i * k + 1..(i + 1) * k];
        for (j, d) in approx.ids[i * k + 1..(i + 1) * k]
            .iter()
            .zip(&approx.dists[i * k + 1..(i + 1) * k])
        {
            if let Some(p) = truth.iter().position(|t| t == j) {
                found += 1;
                longer = longer.max(d - exact.dists[i * k + 1 + p]);
            }
        }
    }
    let recall = found as f64 / (3000 * (k - 1)) as f64;
    eprintln!("graph on {GRAPH_DIMS} PCA dims: recall {recall:.3} of the exact 14 nearest");
    assert!(recall > 0.45, "recall {recall}");
    assert!(longer < 1e-3, "a reduced distance is longer by {longer}");
}

/// Duplicate rows (zero distances), all-identical rows and one-dimensional rows give finite
/// coordinates, never NaN, with either graph distance.
#[test]
fn degenerate_inputs_give_finite_layouts() {
    let params = UmapParams {
        epochs: Some(50),
        neighbors: 5,
        ..UmapParams::default()
    };
    let (blob, _) = blobs(2, 20, 4, 3);
    let mut duplicated = blob.clone();
    for r in 0..10 {
        let copy = duplicated.row(r).to_owned();
        duplicated.row_mut(r + 10).assign(&copy);
    }
    let identical = Array2::<f32>::from_elem((30, 6), 0.25);
    let one_dim = Array2::from_shape_fn((40, 1), |(r, _)| (r % 7) as f32);
    for (name, x) in [
        ("duplicates", duplicated),
        ("identical", identical),
        ("one dimension", one_dim),
    ] {
        let v = Vectors::from_f32("t", x, Storage::F32).unwrap();
        for metric in [Metric::L2, Metric::Cosine] {
            let y = umap(&v, &UmapParams { metric, ..params }).unwrap();
            assert!(
                y.iter().all(|c| c.is_finite()),
                "{name}, {metric:?}: a coordinate is not finite"
            );
        }
    }
}

#[test]
fn the_graph_plan_reduces_wide_rows_that_would_not_fit_and_refuses_what_never_fits() {
    // The demo's shape: NN-Descent on the full rows.
    let p = plan_graph(15_000, 384, 15, false, GRAPH_BUDGET_BYTES).unwrap();
    assert_eq!(
        (p.method, p.reduce, p.dims),
        (GraphMethod::NnDescent, false, 384)
    );
    // Hand-computed: 15,000 × 384 × 4 (rows) + 15,000 × 15 × 8 (graph) + 15,000 × 19 × 9
    // (heaps) + 15,000 × 30 × 16 (candidates) + 15,000 × (384 + 8) (int8 codes, scales, norms).
    assert_eq!(
        p.bytes,
        15_000 * 384 * 4 + 15_000 * 15 * 8 + 15_000 * 19 * 9 + 15_000 * 30 * 16 + 15_000 * 392
    );
    // Small: exact.
    assert_eq!(
        plan_graph(2_000, 384, 15, false, GRAPH_BUDGET_BYTES)
            .unwrap()
            .method,
        GraphMethod::Exact
    );
    // Asked for, or over the budget: 50 principal components.
    let asked = plan_graph(15_000, 384, 15, true, GRAPH_BUDGET_BYTES).unwrap();
    assert_eq!((asked.reduce, asked.dims), (true, GRAPH_DIMS));
    let big = plan_graph(1_000_000, 384, 15, false, 1 << 30).unwrap();
    assert_eq!((big.reduce, big.dims), (true, GRAPH_DIMS));
    assert!(big.bytes <= 1 << 30);
    // Narrow rows are never reduced.
    let narrow = plan_graph(10_000, 32, 15, true, GRAPH_BUDGET_BYTES).unwrap();
    assert_eq!((narrow.reduce, narrow.dims), (false, 32));
    // Nothing fits: a clear error, before anything is allocated.
    let err = plan_graph(50_000_000, 384, 15, false, 1 << 30).unwrap_err();
    assert!(matches!(
        err,
        UmapError::Memory {
            rows: 50_000_000,
            ..
        }
    ));
    assert!(err.to_string().contains("50000000 rows needs"), "{err}");
}
