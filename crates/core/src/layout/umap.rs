//! UMAP (McInnes, Healy & Melville 2018) on exact neighbours, on the CPU: the exact kNN graph
//! ([`knn_graph`], from [`crate::search::flat::FlatIndex`]), the fuzzy simplicial set
//! ([`fuzzy_graph`]: per-point ρ and σ by binary search, then the symmetrised union), the curve
//! parameters a, b fitted from `min_dist` and `spread` ([`fit_ab`]), a PCA initialisation
//! scaled to [0, 10] as umap-learn does, and SGD with negative sampling ([`optimize`]),
//! deterministic for a seed. The steps follow umap-learn 0.5 (`smooth_knn_dist`,
//! `compute_membership_strengths`, `make_epochs_per_sample`, `optimize_layout_euclidean`).

use crate::data::store::Vectors;
use crate::kernels::active;
use crate::layout::nndescent::{NnDescent, NnDescentParams};
use crate::project::pca::{Pca, PcaSolver};
use crate::project::rng::SplitMix64;
use crate::search::flat::FlatIndex;
use crate::search::types::Metric;
use ndarray::Array2;

/// Why a layout could not be computed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum UmapError {
    /// Too few rows for the neighbourhood asked for.
    #[error("UMAP needs more rows than neighbours: {rows} rows, {neighbors} neighbours")]
    TooFewRows { rows: usize, neighbors: usize },
    /// A parameter out of its range.
    #[error("UMAP parameter {name} = {value} is out of range ({range})")]
    BadParameter {
        name: &'static str,
        value: f64,
        range: &'static str,
    },
    /// The neighbour search failed.
    #[error("neighbour graph: {0}")]
    Knn(#[from] crate::search::types::KnnError),
    /// The PCA initialisation or pre-reduction failed.
    #[error("PCA: {0}")]
    Pca(#[from] crate::project::pca::PcaError),
    /// The neighbour graph would not fit the memory budget.
    #[error("UMAP's neighbour graph for {rows} rows needs {} (on at most 50 dimensions), more than the {} it may use; lay out fewer rows (`?maxRows=`, or a selection)", crate::data::budget::format_bytes(*needed), crate::data::budget::format_bytes(*budget))]
    Memory {
        rows: usize,
        needed: u64,
        budget: u64,
    },
    /// The reduced vectors could not be stored.
    #[error("reduced vectors: {0}")]
    Store(#[from] crate::data::store::StoreError),
}

/// UMAP's parameters, with umap-learn's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UmapParams {
    /// Neighbours of each point, itself included (umap-learn's `n_neighbors`).
    pub neighbors: usize,
    pub min_dist: f32,
    pub spread: f32,
    /// Epochs; `None`: 500 up to 10,000 rows, else 200 (as umap-learn).
    pub epochs: Option<usize>,
    pub negative_sample_rate: usize,
    pub learning_rate: f32,
    pub repulsion_strength: f32,
    /// Distances of the graph: `L2` (umap-learn's default, Euclidean) or `Cosine` (1 − cos).
    pub metric: Metric,
    pub seed: u64,
    /// How the neighbour graph is found; `None`: [`cpu_graph_method`].
    pub graph: Option<GraphMethod>,
}

impl Default for UmapParams {
    fn default() -> Self {
        Self {
            neighbors: 15,
            min_dist: 0.1,
            spread: 1.0,
            epochs: None,
            negative_sample_rate: 5,
            learning_rate: 1.0,
            repulsion_strength: 1.0,
            metric: Metric::L2,
            seed: 0,
            graph: None,
        }
    }
}

impl UmapParams {
    /// The epochs run for `rows` rows.
    pub fn epochs_for(&self, rows: usize) -> usize {
        self.epochs
            .unwrap_or(if rows <= 10_000 { 500 } else { 200 })
    }

    /// The parameters checked against the data's row count.
    pub fn check(&self, rows: usize) -> Result<(), UmapError> {
        let bad = |name, value: f64, range| Err(UmapError::BadParameter { name, value, range });
        if self.neighbors < 2 {
            return bad("neighbors", self.neighbors as f64, "at least 2");
        }
        if self.spread.is_nan() || self.spread <= 0.0 {
            return bad("spread", f64::from(self.spread), "> 0");
        }
        if !(0.0..=self.spread).contains(&self.min_dist) {
            return bad("min_dist", f64::from(self.min_dist), "0 … spread");
        }
        if rows <= self.neighbors {
            return Err(UmapError::TooFewRows {
                rows,
                neighbors: self.neighbors,
            });
        }
        Ok(())
    }
}

/// Each row's `k` nearest rows, itself first (distance 0), then nearest first: `ids` and
/// `dists` are `rows × k`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct KnnGraph {
    pub k: usize,
    pub ids: Vec<u32>,
    pub dists: Vec<f32>,
}

/// Principal components the neighbour graph is built on when the data is wider
/// ([`reduce_for_graph`]); umap-learn's documentation suggests the same step for wide data.
pub const GRAPH_DIMS: usize = 50;

/// The vectors to build the neighbour graph on, when `x` is wider than `dims`: its first `dims`
/// principal components (`PcaSolver::for_dims`: exact up to 512 dims), searched by L2. For a cosine graph the rows
/// are scaled to unit length first, so that ‖a − b‖² / 2 is 1 − cos up to the dropped components
/// ([`KnnGraph::cosine_from_l2`] turns the distances back). `None` when `x` is not wider.
///
/// What it costs: the graph is exact in the reduced space, not in the original one; on the
/// demo's glosses (MiniLM, 384-d) 50 components keep most of each row's 15 nearest (the test
/// `the_reduced_graph_keeps_most_neighbours` prints the share) at about a seventh of the work.
pub fn reduce_for_graph(
    x: &Vectors,
    metric: Metric,
    dims: usize,
    seed: u64,
) -> Result<Option<Vectors>, UmapError> {
    if x.ncols() <= dims || dims == 0 {
        return Ok(None);
    }
    let m = graph_rows(x, metric);
    let pca = Pca::fit(m.view(), dims, PcaSolver::for_dims(m.ncols(), seed))?;
    let reduced = pca.transform(m.view());
    Ok(Some(Vectors::from_f32(
        "reduced",
        reduced,
        crate::data::store::Storage::F32,
    )?))
}

/// The distance the graph uses for `metric`: `L2` stays, everything else is 1 − cosine.
pub fn graph_metric(metric: Metric) -> Metric {
    match metric {
        Metric::L2 => Metric::L2,
        _ => Metric::Cosine,
    }
}

/// The exact kNN graph of `x` by brute force over all rows: Euclidean distances for `L2`,
/// 1 − cosine similarity for `Cosine` (and for `Dot`, which has no distance, likewise).
pub fn knn_graph(x: &Vectors, k: usize, metric: Metric) -> Result<KnnGraph, UmapError> {
    let metric = graph_metric(metric);
    let index = FlatIndex::new(x, metric);
    let mut graph = KnnGraph::with_capacity(k, x.nrows());
    const BLOCK: usize = 256;
    for start in (0..x.nrows()).step_by(BLOCK) {
        graph.push_rows(&index, x, start..(start + BLOCK).min(x.nrows()))?;
    }
    Ok(graph)
}

/// How the neighbour graph is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GraphMethod {
    /// Brute force over all rows ([`knn_graph`]).
    Exact,
    /// NN-Descent seeded by random-projection trees ([`crate::layout::nndescent`]).
    NnDescent,
    /// Brute force on the GPU (`vecscape_gpu::graph`), the CPU's [`GraphMethod::Exact`] twin.
    ExactGpu,
}

impl GraphMethod {
    pub fn name(self) -> &'static str {
        match self {
            GraphMethod::Exact => "exact",
            GraphMethod::NnDescent => "NN-Descent",
            GraphMethod::ExactGpu => "exact (WebGPU)",
        }
    }
}

/// The most multiply-adds (rows² × dims) the exact graph may take on the CPU before
/// NN-Descent is used instead: about a second of simd128 work (3,600 rows at 384 dims).
pub const EXACT_GRAPH_WORK: f64 = 5e9;

/// The graph method for `rows × dims` on the CPU: exact where it takes about a second or less,
/// NN-Descent above.
pub fn cpu_graph_method(rows: usize, dims: usize) -> GraphMethod {
    if (rows as f64) * (rows as f64) * (dims as f64) <= EXACT_GRAPH_WORK {
        GraphMethod::Exact
    } else {
        GraphMethod::NnDescent
    }
}

/// The bytes building a graph of `k` neighbours (the row itself included) over `rows × dims`
/// takes at its peak: the f32 rows it searches (a copy, unit length for the cosine graph), the
/// heaps (id, distance and flag per entry) and, for NN-Descent, the candidate lists (id and
/// priority, new and old, [`NnDescentParams::max_candidates`] each) and the rows' int8 codes
/// (a byte a value, a scale and a norm a row). The result itself is
/// `rows × k × 8` bytes (1M × 15: 120 MB).
pub fn graph_bytes(rows: usize, dims: usize, k: usize, method: GraphMethod) -> u64 {
    let (rows, dims, k) = (rows as u64, dims as u64, k as u64);
    let copy = rows * dims * 4;
    let graph = rows * k * 8;
    match method {
        GraphMethod::Exact | GraphMethod::ExactGpu => copy + graph,
        GraphMethod::NnDescent => {
            let candidates =
                NnDescentParams::for_rows(rows as usize, k as usize, 0).max_candidates as u64;
            let codes = rows * dims + rows * 8;
            copy + graph + rows * (k + GRAPH_SPARE as u64) * 9 + rows * candidates * 16 + codes
        }
    }
}

/// The most bytes building the graph may take ([`graph_bytes`]) before the rows are first
/// reduced to [`GRAPH_DIMS`] principal components: 1 GiB in the page (1M × 384 f32 rows alone
/// are 1.5 GB), 8 GiB natively.
pub const GRAPH_BUDGET_BYTES: u64 = if cfg!(target_arch = "wasm32") {
    1 << 30
} else {
    8 << 30
};

/// What the graph is built on, checked against the memory budget before anything is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphPlan {
    pub method: GraphMethod,
    /// Reduce to [`GRAPH_DIMS`] principal components first.
    pub reduce: bool,
    /// The dimensions searched.
    pub dims: usize,
    /// [`graph_bytes`] of the plan.
    pub bytes: u64,
}

/// The graph plan for `rows × dims` with `k` neighbours: the CPU's method
/// ([`cpu_graph_method`]), on the full rows unless `reduce` is asked for or the full rows would
/// not fit `budget` bytes, in which case on [`GRAPH_DIMS`] principal components; an error when
/// even that does not fit.
pub fn plan_graph(
    rows: usize,
    dims: usize,
    k: usize,
    reduce: bool,
    budget: u64,
) -> Result<GraphPlan, UmapError> {
    let full = graph_bytes(rows, dims, k, cpu_graph_method(rows, dims));
    let reduce = dims > GRAPH_DIMS && (reduce || full > budget);
    let dims = if reduce { GRAPH_DIMS } else { dims };
    let method = cpu_graph_method(rows, dims);
    let bytes = graph_bytes(rows, dims, k, method);
    if bytes > budget {
        return Err(UmapError::Memory {
            rows,
            needed: bytes,
            budget,
        });
    }
    Ok(GraphPlan {
        method,
        reduce,
        dims,
        bytes,
    })
}

/// The rows the graph searches: `x` as f32, each row scaled to unit length for a cosine graph
/// (so that squared L2 / 2 is 1 − cos).
pub fn graph_rows(x: &Vectors, metric: Metric) -> Array2<f32> {
    let mut m = x.to_f32().into_owned();
    if graph_metric(metric) == Metric::Cosine {
        for mut row in m.rows_mut() {
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.mapv_inplace(|v| v / norm);
            }
        }
    }
    m
}

/// Neighbours NN-Descent looks for beyond the graph's: a wider net finds more of the nearest
/// (recall of the 14 nearest on 20k WordNet glosses: 0.951 without, see `umap_quality.rs`).
pub const GRAPH_SPARE: usize = 4;

/// The approximate graph of `x`'s rows (`k` neighbours, the row itself first) by NN-Descent
/// on [`graph_rows`], distances as [`knn_graph`]'s.
pub fn nndescent_graph(x: &Vectors, k: usize, metric: Metric, seed: u64) -> KnnGraph {
    let rows = graph_rows(x, metric);
    let mut nn = graph_descent(&rows, k, seed);
    nn.run();
    KnnGraph::from_descent(nn, k, metric)
}

/// An NN-Descent build for a graph of `k` neighbours (the row itself included) over `rows`
/// ([`graph_rows`], or reduced rows), looking for [`GRAPH_SPARE`] more; run it, then
/// [`KnnGraph::from_descent`].
pub fn graph_descent(rows: &Array2<f32>, k: usize, seed: u64) -> NnDescent<'_> {
    NnDescent::new(
        rows.as_slice().unwrap_or(&[]),
        rows.ncols(),
        NnDescentParams::for_rows(rows.nrows(), k.saturating_sub(1) + GRAPH_SPARE, seed),
    )
}

/// The graph by `method`.
pub fn graph_by(
    x: &Vectors,
    k: usize,
    metric: Metric,
    seed: u64,
    method: GraphMethod,
) -> Result<KnnGraph, UmapError> {
    match method {
        GraphMethod::Exact | GraphMethod::ExactGpu => knn_graph(x, k, metric),
        GraphMethod::NnDescent => Ok(nndescent_graph(x, k, metric, seed)),
    }
}

impl KnnGraph {
    /// An empty graph of `k` neighbours a row, with room for `rows` rows.
    pub fn with_capacity(k: usize, rows: usize) -> Self {
        Self {
            k,
            ids: Vec::with_capacity(rows * k),
            dists: Vec::with_capacity(rows * k),
        }
    }

    /// Distances of a graph searched by L2 on unit rows ([`reduce_for_graph`]) as cosine
    /// distances: d² / 2.
    pub fn cosine_from_l2(&mut self) {
        for d in &mut self.dists {
            *d = *d * *d / 2.0;
        }
    }

    /// The graph a finished NN-Descent found, as `k` neighbours a row with the row itself
    /// first; distances Euclidean for `L2`, 1 − cos (of unit rows: squared L2 / 2) otherwise.
    pub fn from_descent(nn: NnDescent<'_>, k: usize, metric: Metric) -> Self {
        let stride = nn.k();
        let (found_ids, found_sq) = nn.into_sorted();
        let rows = found_ids.len().checked_div(stride).unwrap_or(0);
        let take = k.saturating_sub(1).min(stride);
        let mut graph = Self::with_capacity(k, rows);
        let cosine = graph_metric(metric) == Metric::Cosine;
        for i in 0..rows {
            graph.ids.push(i as u32);
            graph.dists.push(0.0);
            for t in i * stride..i * stride + take {
                graph.ids.push(found_ids[t]);
                let sq = found_sq[t].max(0.0);
                graph.dists.push(if cosine { sq / 2.0 } else { sq.sqrt() });
            }
        }
        graph
    }

    /// Each row's neighbours without the row itself (its first entry): `rows × (k − 1)`.
    pub fn others(&self) -> Vec<u32> {
        self.ids
            .chunks(self.k.max(1))
            .flat_map(|row| row.iter().skip(1).copied())
            .collect()
    }

    /// Rows built so far.
    pub fn rows(&self) -> usize {
        self.ids.len() / self.k.max(1)
    }

    /// Append the neighbours of `rows` of `x` (the next rows, in order), searched in `index`
    /// (a [`FlatIndex`] of `x` by [`graph_metric`]). Lets a caller build the graph a block at
    /// a time, with other work in between.
    pub fn push_rows(
        &mut self,
        index: &FlatIndex,
        x: &Vectors,
        rows: std::ops::Range<usize>,
    ) -> Result<(), UmapError> {
        let k = self.k;
        let metric = index.metric();
        let block = x.block(rows.start, rows.end);
        let excludes: Vec<Option<u32>> = rows.clone().map(|i| Some(i as u32)).collect();
        let found = index.search_batch(block.view(), k - 1, &excludes)?;
        for (i, nb) in rows.zip(found) {
            self.push_found(i, &nb, metric);
        }
        Ok(())
    }

    /// Append row `i` (the next row) with its neighbours `nb` other than itself, as a search by
    /// `metric` scored them (squared L2, or cosine similarity): the row first at distance 0,
    /// then Euclidean or 1 − cos distances; fewer than `k − 1` padded with the row itself.
    pub fn push_found(&mut self, i: usize, nb: &crate::search::types::Neighbors, metric: Metric) {
        let k = self.k;
        self.ids.push(i as u32);
        self.dists.push(0.0);
        for (id, score) in nb.ids.iter().zip(&nb.scores).take(k.saturating_sub(1)) {
            self.ids.push(*id);
            self.dists.push(match metric {
                Metric::L2 => score.max(0.0).sqrt(),
                _ => (1.0 - score).max(0.0),
            });
        }
        // Fewer rows than k: pad with the row itself (weight 0).
        for _ in nb.ids.len().min(k.saturating_sub(1)) + 1..k {
            self.ids.push(i as u32);
            self.dists.push(0.0);
        }
    }
}

/// umap-learn's `SMOOTH_K_TOLERANCE` and `MIN_K_DIST_SCALE`.
const TOLERANCE: f64 = 1e-5;
const MIN_K_DIST_SCALE: f64 = 1e-3;

/// For one row's distances (itself first): ρ, the distance to the nearest other row, and σ,
/// found by binary search so that Σⱼ exp(−max(0, dⱼ − ρ) / σ) over the other rows is log₂ k.
pub fn smooth_knn_dist(dists: &[f32], mean_all: f64) -> (f32, f32) {
    let k = dists.len();
    let target = (k as f64).log2();
    let rho = dists
        .iter()
        .map(|d| f64::from(*d))
        .find(|d| *d > 0.0)
        .unwrap_or(0.0);
    let (mut lo, mut hi, mut mid) = (0.0f64, f64::INFINITY, 1.0f64);
    for _ in 0..64 {
        let psum: f64 = dists[1..]
            .iter()
            .map(|d| {
                let d = f64::from(*d) - rho;
                if d > 0.0 {
                    (-(d / mid)).exp()
                } else {
                    1.0
                }
            })
            .sum();
        if (psum - target).abs() < TOLERANCE {
            break;
        }
        if psum > target {
            hi = mid;
            mid = (lo + hi) / 2.0;
        } else {
            lo = mid;
            mid = if hi.is_infinite() {
                mid * 2.0
            } else {
                (lo + hi) / 2.0
            };
        }
    }
    let mean_row = dists.iter().map(|d| f64::from(*d)).sum::<f64>() / k.max(1) as f64;
    let floor = MIN_K_DIST_SCALE * if rho > 0.0 { mean_row } else { mean_all };
    (rho as f32, mid.max(floor) as f32)
}

/// The fuzzy graph as a list of weighted edges (both directions of every pair, no self loops),
/// sorted by (head, tail): the membership strengths exp(−(d − ρ)/σ) of each row's neighbours,
/// combined as the probabilistic union w = a + b − a·b with the transpose. The transpose is
/// bucketed by row (no hashing, no comparison sort), each bucket in row order, and merged with
/// the row's own list.
pub fn fuzzy_graph(graph: &KnnGraph) -> Vec<(u32, u32, f32)> {
    let k = graph.k;
    let n = graph.ids.len() / k.max(1);
    let mean_all =
        graph.dists.iter().map(|d| f64::from(*d)).sum::<f64>() / graph.dists.len().max(1) as f64;
    // Each row's memberships, sorted by neighbour (a neighbour listed twice counts once).
    let mut forward: Vec<(u32, f32)> = Vec::with_capacity(n * k);
    let mut forward_starts = Vec::with_capacity(n + 1);
    forward_starts.push(0);
    for i in 0..n {
        let dists = &graph.dists[i * k..(i + 1) * k];
        let (rho, sigma) = smooth_knn_dist(dists, mean_all);
        let start = forward.len();
        for (&j, &d) in graph.ids[i * k..(i + 1) * k].iter().zip(dists) {
            if j as usize == i || j as usize >= n {
                continue;
            }
            let w = if d - rho <= 0.0 || sigma == 0.0 {
                1.0
            } else {
                (-(d - rho) / sigma).exp()
            };
            forward.push((j, w));
        }
        forward[start..].sort_by_key(|e| e.0);
        let mut kept = start;
        for x in start..forward.len() {
            if x == start || forward[x].0 != forward[kept - 1].0 {
                forward[kept] = forward[x];
                kept += 1;
            }
        }
        forward.truncate(kept);
        forward_starts.push(forward.len());
    }
    // The transpose: per row j, the rows i that list j with their strengths, i ascending.
    let mut back_starts = vec![0usize; n + 1];
    for &(j, _) in &forward {
        back_starts[j as usize + 1] += 1;
    }
    for j in 0..n {
        back_starts[j + 1] += back_starts[j];
    }
    let mut back = vec![(0u32, 0.0f32); forward.len()];
    let mut fill = back_starts.clone();
    for i in 0..n {
        for &(j, w) in &forward[forward_starts[i]..forward_starts[i + 1]] {
            back[fill[j as usize]] = (i as u32, w);
            fill[j as usize] += 1;
        }
    }
    let mut edges: Vec<(u32, u32, f32)> = Vec::with_capacity(forward.len() * 2);
    for i in 0..n {
        let (mut f, mut b) = (
            forward[forward_starts[i]..forward_starts[i + 1]]
                .iter()
                .peekable(),
            back[back_starts[i]..back_starts[i + 1]].iter().peekable(),
        );
        loop {
            let (j, w, back_w) = match (f.peek(), b.peek()) {
                (Some(&&(fj, fw)), Some(&&(bj, bw))) if fj == bj => {
                    f.next();
                    b.next();
                    (fj, fw, bw)
                }
                (Some(&&(fj, fw)), Some(&&(bj, _))) if fj < bj => {
                    f.next();
                    (fj, fw, 0.0)
                }
                (Some(&&(fj, fw)), None) => {
                    f.next();
                    (fj, fw, 0.0)
                }
                (_, Some(&&(bj, bw))) => {
                    b.next();
                    (bj, 0.0, bw)
                }
                (None, None) => break,
            };
            edges.push((i as u32, j, w + back_w - w * back_w));
        }
    }
    edges
}

/// a and b of the curve 1 / (1 + a·d^(2b)) fitted (least squares, Levenberg–Marquardt) to 1
/// below `min_dist` and exp(−(d − min_dist) / spread) above, on 300 points of [0, 3·spread], as
/// umap-learn's `find_ab_params`.
pub fn fit_ab(spread: f32, min_dist: f32) -> (f32, f32) {
    let (spread, min_dist) = (f64::from(spread), f64::from(min_dist));
    let xs: Vec<f64> = (0..300).map(|i| spread * 3.0 * i as f64 / 299.0).collect();
    let ys: Vec<f64> = xs
        .iter()
        .map(|&x| {
            if x < min_dist {
                1.0
            } else {
                (-(x - min_dist) / spread).exp()
            }
        })
        .collect();
    let residuals = |a: f64, b: f64| -> f64 {
        xs.iter()
            .zip(&ys)
            .map(|(&x, &y)| {
                let f = 1.0 / (1.0 + a * x.powf(2.0 * b));
                (f - y) * (f - y)
            })
            .sum()
    };
    let (mut a, mut b, mut lambda) = (1.0f64, 1.0f64, 1e-3f64);
    let mut cost = residuals(a, b);
    for _ in 0..200 {
        // Normal equations JᵀJ·δ = −Jᵀr.
        let (mut jaa, mut jab, mut jbb, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &y) in xs.iter().zip(&ys) {
            let p = if x > 0.0 { x.powf(2.0 * b) } else { 0.0 };
            let den = 1.0 + a * p;
            let f = 1.0 / den;
            let r = f - y;
            let da = -p / (den * den);
            let db = if x > 0.0 {
                -a * p * 2.0 * x.ln() / (den * den)
            } else {
                0.0
            };
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r;
            gb += db * r;
        }
        let (maa, mbb) = (jaa * (1.0 + lambda), jbb * (1.0 + lambda));
        let det = maa * mbb - jab * jab;
        if det.abs() < 1e-300 {
            break;
        }
        let step_a = -(mbb * ga - jab * gb) / det;
        let step_b = -(maa * gb - jab * ga) / det;
        let (na, nb) = (a + step_a, b + step_b);
        let next = if na > 0.0 && nb > 0.0 {
            residuals(na, nb)
        } else {
            f64::INFINITY
        };
        if next < cost {
            let done = (cost - next).abs() < 1e-15 * cost.max(1e-300);
            (a, b, cost) = (na, nb, next);
            lambda *= 0.3;
            if done {
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    (a as f32, b as f32)
}

/// The starting layout: the first two principal components of `x`, each scaled to [0, 10] (as
/// umap-learn scales every initialisation), with a little seeded noise so that no two points
/// start on top of each other ([`scaled_start`]).
///
/// One-dimensional rows have one component: the second coordinate then starts uniformly at random
/// (seeded) in [0, 10].
pub fn pca_init(x: &Vectors, seed: u64) -> Result<Array2<f32>, UmapError> {
    let y = if x.ncols() >= 2 {
        let pca = Pca::fit_vectors(x, 2, PcaSolver::for_dims(x.ncols(), seed))?;
        pca.transform_vectors(x)
    } else {
        let mut rng = SplitMix64::new(seed ^ 0x1D1D_0001);
        let mut y = Array2::<f32>::zeros((x.nrows(), 2));
        let column = x.to_f32();
        for r in 0..x.nrows() {
            y[[r, 0]] = column.get([r, 0]).copied().unwrap_or(0.0);
            y[[r, 1]] = (rng.next_u64() % 1_000_000) as f32 / 100_000.0;
        }
        y
    };
    Ok(scaled_start(y, seed))
}

/// A 2-D projection (`n × 2`) made a starting layout: each coordinate scaled to [0, 10], plus
/// seeded noise of 1e-4. The page starts from the PCA layout it already shows this way, the same
/// start [`pca_init`] computes.
pub fn scaled_start(mut y: Array2<f32>, seed: u64) -> Array2<f32> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_1417);
    for mut column in y.columns_mut() {
        let (lo, hi) = column
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        let span = if hi > lo { hi - lo } else { 1.0 };
        for v in column.iter_mut() {
            *v = 10.0 * (*v - lo) / span + (rng.normal() * 1e-4) as f32;
        }
    }
    y
}

/// SGD of a layout over the fuzzy graph's edges, resumable: [`Sgd::run`] runs the next epochs,
/// so a caller can show the layout between them. Each edge is sampled in proportion to its
/// weight (the heaviest every epoch), attracting its two ends; each sample also pushes its head
/// away from `negative_sample_rate` random points. The learning rate decays linearly to 0.
/// Deterministic for a seed (one thread, a fixed edge order), however the epochs are split.
///
/// As umap-learn's `optimize_layout_euclidean`, with two changes for speed: `d^2b` is computed
/// by [`crate::kernels::active::pow_approx`] (within about 2e-5), and four samples (edges due
/// in this epoch, in a fixed order) are taken together, one to a lane of four-lane kernels
/// (simd128 in the page): their gradients come from the positions before any of the four moves,
/// as in umap-learn's parallel mode.
pub struct Sgd {
    a: f32,
    b: f32,
    gamma: f32,
    learning_rate: f32,
    neg_rate: f32,
    head: Vec<u32>,
    tail: Vec<u32>,
    /// Epochs between two samples of each edge.
    per_sample: Vec<f32>,
    next_sample: Vec<f32>,
    next_negative: Vec<f32>,
    rng: SplitMix64,
    epochs: usize,
    epoch: usize,
}

impl Sgd {
    /// SGD over `edges` for `epochs` epochs with `params`' curve, rates and seed.
    pub fn new(edges: &[(u32, u32, f32)], params: &UmapParams, epochs: usize) -> Self {
        let (a, b) = fit_ab(params.spread, params.min_dist);
        let schedule = Schedule::new(edges, epochs);
        let neg_rate = params.negative_sample_rate.max(1) as f32;
        Self {
            a,
            b,
            gamma: params.repulsion_strength,
            learning_rate: params.learning_rate,
            neg_rate,
            next_sample: schedule.per_sample.clone(),
            next_negative: schedule.per_sample.iter().map(|p| p / neg_rate).collect(),
            head: schedule.heads,
            tail: schedule.tails,
            per_sample: schedule.per_sample,
            rng: SplitMix64::new(params.seed),
            epochs,
            epoch: 0,
        }
    }

    /// Epochs in the run, and run so far.
    pub fn epochs(&self) -> (usize, usize) {
        (self.epoch, self.epochs)
    }

    /// True once every epoch has run.
    pub fn done(&self) -> bool {
        self.epoch >= self.epochs
    }

    /// Edges sampled in the run.
    pub fn edges(&self) -> usize {
        self.head.len()
    }

    /// Run up to `count` more epochs on `y` (`n × 2`, row-major); returns how many ran.
    pub fn run(&mut self, y: &mut Array2<f32>, count: usize) -> usize {
        let n = y.nrows();
        let Some(data) = y.as_slice_mut() else {
            return 0;
        };
        if n == 0 {
            return 0;
        }
        let curve = [self.a, self.b, 2.0 * self.gamma * self.b];
        let mut ran = 0;
        while ran < count && self.epoch < self.epochs {
            let epoch = self.epoch;
            let alpha = self.learning_rate * (1.0 - epoch as f32 / self.epochs as f32);
            let now = epoch as f32;
            let mut batch = Batch::default();
            for e in 0..self.head.len() {
                if self.next_sample[e] > now {
                    continue;
                }
                let per_sample = self.per_sample[e];
                self.next_sample[e] += per_sample;
                let per_negative = per_sample / self.neg_rate;
                // (Truncation is the floor here: the value is not negative.)
                let negatives = (((now - self.next_negative[e]) / per_negative).max(0.0) as usize)
                    .min(MAX_NEGATIVES);
                self.next_negative[e] += negatives as f32 * per_negative;
                batch.push(self.head[e], self.tail[e], negatives);
                if batch.len == LANES {
                    batch.apply(data, n, alpha, curve, &mut self.rng);
                    batch = Batch::default();
                }
            }
            batch.apply(data, n, alpha, curve, &mut self.rng);
            self.epoch += 1;
            ran += 1;
        }
        ran
    }
}

/// The edges SGD samples and how often, as umap-learn's `make_epochs_per_sample`: edges too
/// light to be sampled once in `epochs` (w < max / epochs) dropped, each other edge sampled
/// every max / w epochs. Ordered round-robin over the heads (each head's first edge, then each
/// one's second, …), so that consecutive samples move different points and the processor
/// overlaps them; by head they would wait on each other's updates. Shared by [`Sgd`] and the
/// GPU's twin.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub heads: Vec<u32>,
    pub tails: Vec<u32>,
    /// Epochs between two samples of each edge.
    pub per_sample: Vec<f32>,
    /// Where each rank starts: edges `rank_starts[r]..rank_starts[r + 1]` are each head's
    /// (r + 1)-th edge, so no head appears twice among them.
    pub rank_starts: Vec<usize>,
}

impl Schedule {
    pub fn new(edges: &[(u32, u32, f32)], epochs: usize) -> Self {
        let max_w = edges.iter().fold(0.0f32, |m, e| m.max(e.2));
        let mut kept: Vec<&(u32, u32, f32)> = edges
            .iter()
            .filter(|e| e.2 >= max_w / epochs.max(1) as f32 && e.2 > 0.0)
            .collect();
        kept.sort_by_key(|e| (e.0, e.1));
        let mut rank = vec![0u32; kept.len()];
        for x in 1..kept.len() {
            if kept[x].0 == kept[x - 1].0 {
                rank[x] = rank[x - 1] + 1;
            }
        }
        let mut order: Vec<usize> = (0..kept.len()).collect();
        order.sort_by_key(|&x| (rank[x], kept[x].0));
        let mut rank_starts: Vec<usize> = (0..order.len())
            .filter(|&s| s == 0 || rank[order[s]] != rank[order[s - 1]])
            .collect();
        rank_starts.push(order.len());
        Self {
            heads: order.iter().map(|&x| kept[x].0).collect(),
            tails: order.iter().map(|&x| kept[x].1).collect(),
            per_sample: order.iter().map(|&x| max_w / kept[x].2).collect(),
            rank_starts,
        }
    }
}

/// Most negative samples taken for one sample of an edge.
const MAX_NEGATIVES: usize = 64;

/// Samples taken together ([`active::repel_rounds8`] keeps two independent chains of four lanes
/// in flight, so the processor overlaps their rounds).
const LANES: usize = 8;

/// Eight samples taken together: their attractions from the positions before (two
/// [`active::attract4`]s), then their negatives round by round ([`active::repel_rounds8`]),
/// each lane pushing its head from its position at that round.
#[derive(Default)]
struct Batch {
    heads: [usize; LANES],
    tails: [usize; LANES],
    negatives: [usize; LANES],
    len: usize,
}

impl Batch {
    fn push(&mut self, head: u32, tail: u32, negatives: usize) {
        self.heads[self.len] = head as usize;
        self.tails[self.len] = tail as usize;
        self.negatives[self.len] = negatives;
        self.len += 1;
    }

    fn apply(&self, data: &mut [f32], n: usize, alpha: f32, curve: [f32; 3], rng: &mut SplitMix64) {
        if self.len == 0 {
            return;
        }
        let mut grads = [[0.0f32; LANES]; 2];
        for half in 0..LANES / 4 {
            let (mut dx, mut dy) = ([0.0f32; 4], [0.0f32; 4]);
            for l in 0..4 {
                let x = half * 4 + l;
                if x < self.len {
                    let (j, k) = (self.heads[x], self.tails[x]);
                    dx[l] = data[2 * j] - data[2 * k];
                    dy[l] = data[2 * j + 1] - data[2 * k + 1];
                }
            }
            let [gx, gy] = active::attract4(dx, dy, curve);
            grads[0][half * 4..half * 4 + 4].copy_from_slice(&gx);
            grads[1][half * 4..half * 4 + 4].copy_from_slice(&gy);
        }
        for (l, (&j, &k)) in self.heads[..self.len]
            .iter()
            .zip(&self.tails[..self.len])
            .enumerate()
        {
            let (sx, sy) = (grads[0][l] * alpha, grads[1][l] * alpha);
            data[2 * j] += sx;
            data[2 * j + 1] += sy;
            data[2 * k] -= sx;
            data[2 * k + 1] -= sy;
        }
        let mut draw = || (((rng.next_u64() >> 32) * n as u64) >> 32) as usize;
        // Lanes with distinct heads take their negatives together; a head twice in the batch
        // (only in tiny data) makes them take theirs lane by lane, each from where the last
        // left it.
        let distinct = (0..self.len).all(|l| !self.heads[..l].contains(&self.heads[l]));
        let groups = if distinct { 1 } else { self.len };
        for group in 0..groups {
            let in_group = |l: usize| l < self.len && (distinct || l == group);
            let mut negatives = [0usize; LANES];
            let mut start = [[0.0f32; LANES]; 2];
            for l in (0..LANES).filter(|&l| in_group(l)) {
                let j = self.heads[l];
                negatives[l] = self.negatives[l];
                start[0][l] = data[2 * j];
                start[1][l] = data[2 * j + 1];
            }
            let [hx, hy] =
                active::repel_rounds8(data, self.heads, start, negatives, alpha, curve, &mut draw);
            for l in (0..LANES).filter(|&l| in_group(l)) {
                let j = self.heads[l];
                data[2 * j] = hx[l];
                data[2 * j + 1] = hy[l];
            }
        }
    }
}

/// SGD of the layout `y` (`n × 2`) over `edges` for `epochs` epochs ([`Sgd`]); `on_epoch` is
/// called after each epoch and stops the run by returning `false`.
pub fn optimize(
    y: &mut Array2<f32>,
    edges: &[(u32, u32, f32)],
    params: &UmapParams,
    epochs: usize,
    mut on_epoch: impl FnMut(usize) -> bool,
) {
    let mut sgd = Sgd::new(edges, params, epochs);
    while !sgd.done() {
        let epoch = sgd.epochs().0;
        sgd.run(y, 1);
        if !on_epoch(epoch) {
            return;
        }
    }
}

/// The whole pipeline: the kNN graph (exact or NN-Descent, [`UmapParams::graph`]), fuzzy graph,
/// PCA start, SGD. Returns `n × 2`.
pub fn umap(x: &Vectors, params: &UmapParams) -> Result<Array2<f32>, UmapError> {
    params.check(x.nrows())?;
    let method = params
        .graph
        .unwrap_or_else(|| cpu_graph_method(x.nrows(), x.ncols()));
    let graph = graph_by(x, params.neighbors, params.metric, params.seed, method)?;
    umap_on_graph(x, &graph, params)
}

/// UMAP on a graph found elsewhere (e.g. on the GPU): fuzzy graph, PCA start of `x`, SGD.
pub fn umap_on_graph(
    x: &Vectors,
    graph: &KnnGraph,
    params: &UmapParams,
) -> Result<Array2<f32>, UmapError> {
    params.check(x.nrows())?;
    let edges = fuzzy_graph(graph);
    let mut y = pca_init(x, params.seed)?;
    optimize(&mut y, &edges, params, params.epochs_for(x.nrows()), |_| {
        true
    });
    Ok(y)
}

#[cfg(test)]
#[path = "umap_tests.rs"]
mod tests;
