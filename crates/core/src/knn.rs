//! Exact k-nearest-neighbour search by brute force over all rows, for cosine similarity, dot
//! product and squared L2 distance.
//!
//! The inner products are the hot loop. On `wasm32` + `simd128` they are hand-vectorised with four
//! `f32x4` accumulators (LLVM does not reorder a float reduction, so `+simd128` alone leaves it
//! scalar); natively a portable loop with eight independent lanes lets the compiler use SSE/AVX.
//! Ties are broken deterministically: the lower row id wins.

use ndarray::{Array2, ArrayView1};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Similarity or distance used to rank rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    /// Cosine similarity (higher is nearer).
    #[default]
    Cosine,
    /// Dot product (higher is nearer).
    Dot,
    /// Squared Euclidean distance (lower is nearer).
    L2,
}

impl Metric {
    /// Lower-case name: `cosine`, `dot` or `l2`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::Dot => "dot",
            Metric::L2 => "l2",
        }
    }

    /// The metric called `name` (as [`Metric::name`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "cosine" => Some(Metric::Cosine),
            "dot" => Some(Metric::Dot),
            "l2" => Some(Metric::L2),
            _ => None,
        }
    }

    /// True when a larger score means nearer.
    pub fn higher_is_nearer(self) -> bool {
        !matches!(self, Metric::L2)
    }
}

/// Why a search could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KnnError {
    /// The query's length differs from the data's dimension.
    #[error("query has {found} dimensions, the data has {expected}")]
    DimensionMismatch { expected: usize, found: usize },
    /// A query row id past the end of the data.
    #[error("query row {row} does not exist (the data has {rows} rows)")]
    NoSuchRow { row: usize, rows: usize },
    /// The data matrix is not stored row-major and contiguous.
    #[error("the data matrix must be stored row-major and contiguous")]
    NotContiguous,
}

/// The `k` nearest rows of one query, nearest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    pub ids: Vec<u32>,
    pub scores: Vec<f32>,
}

/// Brute-force index over the rows of a matrix (borrowed, nothing copied).
#[derive(Debug, Clone)]
pub struct FlatIndex<'a> {
    data: &'a Array2<f32>,
    /// Per-row Euclidean norms (cosine) or squared norms (not used for L2, which is computed
    /// directly to avoid cancellation).
    norms: Vec<f32>,
    metric: Metric,
}

/// Candidate in the bounded heap: the *worst* kept candidate is at the top.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Score oriented so that larger is nearer.
    key: f32,
    id: u32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    /// "Greater" = worse: lower key, or equal key and higher id. The max-heap top is the worst.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key
            .total_cmp(&self.key)
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// Keeps the best `k` of a stream of (key, id), larger key better, lower id on ties.
#[derive(Debug)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Candidate>,
    /// The worst kept key once `k` are kept (NEG_INFINITY before): anything below it is
    /// rejected without touching the heap, which is almost every row of a long scan.
    threshold: f32,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
            threshold: f32::NEG_INFINITY,
        }
    }

    #[inline]
    pub fn push(&mut self, key: f32, id: u32) {
        if key < self.threshold || self.k == 0 {
            return;
        }
        let c = Candidate { key, id };
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if c < *worst {
                // Replace the worst in place (one sift-down instead of a pop and a push).
                *worst = c;
            }
        }
        if self.heap.len() == self.k {
            self.threshold = self.heap.peek().map_or(f32::NEG_INFINITY, |w| w.key);
        }
    }

    /// Best first.
    pub fn into_sorted(self) -> Vec<(f32, u32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|c| (c.key, c.id))
            .collect()
    }
}

impl<'a> FlatIndex<'a> {
    pub fn new(data: &'a Array2<f32>, metric: Metric) -> Self {
        let norms = match metric {
            Metric::Cosine => data.rows().into_iter().map(|r| dot(r, r).sqrt()).collect(),
            _ => Vec::new(),
        };
        Self {
            data,
            norms,
            metric,
        }
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The data's number of dimensions.
    pub fn dims(&self) -> usize {
        self.data.ncols()
    }

    /// The data's number of rows.
    pub fn rows(&self) -> usize {
        self.data.nrows()
    }

    fn check_query(&self, query: &[f32]) -> Result<(), KnnError> {
        let d = self.data.ncols();
        if query.len() != d {
            return Err(KnnError::DimensionMismatch {
                expected: d,
                found: query.len(),
            });
        }
        Ok(())
    }

    /// What the ranking key of a query needs besides the query itself (its norm, for cosine).
    pub(crate) fn query_norm(&self, query: &[f32]) -> f32 {
        match self.metric {
            Metric::Cosine => kernels::dot(query, query).sqrt(),
            _ => 1.0,
        }
    }

    /// The exact ranking key of row `i` for `query` (larger is nearer).
    #[inline]
    pub(crate) fn key(&self, query: &[f32], query_norm: f32, i: usize) -> f32 {
        let row = self.data.row(i);
        let row = row.as_slice().unwrap_or(&[]);
        match self.metric {
            Metric::Dot => kernels::dot(query, row),
            Metric::Cosine => {
                let denom = query_norm * self.norms[i];
                if denom > 0.0 {
                    kernels::dot(query, row) / denom
                } else {
                    0.0
                }
            }
            Metric::L2 => -kernels::l2_squared(query, row),
        }
    }

    /// Turn kept (key, id) pairs into neighbours with the metric's scores.
    pub(crate) fn finish(&self, top: TopK) -> Neighbors {
        let sorted = top.into_sorted();
        let sign = if self.metric.higher_is_nearer() {
            1.0
        } else {
            -1.0
        };
        Neighbors {
            ids: sorted.iter().map(|(_, id)| *id).collect(),
            scores: sorted.iter().map(|(key, _)| key * sign).collect(),
        }
    }

    /// The `k` nearest rows to `query`, optionally leaving out one row (the query's own).
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        exclude: Option<u32>,
    ) -> Result<Neighbors, KnnError> {
        self.check_query(query)?;
        if self.data.as_slice().is_none() {
            return Err(KnnError::NotContiguous);
        }
        let query_norm = self.query_norm(query);
        let mut top = TopK::new(k);
        let d = self.data.ncols().max(1);
        let rows = self.data.as_slice().unwrap_or(&[]).chunks_exact(d);
        // The metric is chosen once, outside the scan; the keys are exactly `key()`'s.
        match self.metric {
            Metric::Dot => {
                for (i, row) in rows.enumerate() {
                    if exclude != Some(i as u32) {
                        top.push(kernels::dot(query, row), i as u32);
                    }
                }
            }
            Metric::Cosine => {
                for ((i, row), norm) in rows.enumerate().zip(&self.norms) {
                    if exclude != Some(i as u32) {
                        let denom = query_norm * norm;
                        let key = if denom > 0.0 {
                            kernels::dot(query, row) / denom
                        } else {
                            0.0
                        };
                        top.push(key, i as u32);
                    }
                }
            }
            Metric::L2 => {
                for (i, row) in rows.enumerate() {
                    if exclude != Some(i as u32) {
                        top.push(-kernels::l2_squared(query, row), i as u32);
                    }
                }
            }
        }
        Ok(self.finish(top))
    }

    /// The `k` nearest rows of each query row of `queries` (`Q × d`), with an optional row to
    /// leave out per query. The data is walked in blocks that stay in cache while every query
    /// visits them, so a batch reads the data once instead of once per query. Each score is
    /// computed by the same kernel as [`FlatIndex::search`], so results are identical.
    pub fn search_batch(
        &self,
        queries: ndarray::ArrayView2<'_, f32>,
        k: usize,
        exclude: &[Option<u32>],
    ) -> Result<Vec<Neighbors>, KnnError> {
        /// Rows per block: 64 × 384 f32 = 96 KiB, which stays in a core's L2 cache.
        const BLOCK_BYTES: usize = 96 << 10;
        if self.data.as_slice().is_none() {
            return Err(KnnError::NotContiguous);
        }
        let queries = queries.as_standard_layout();
        let rows: Vec<&[f32]> = queries
            .rows()
            .into_iter()
            .map(|r| r.to_slice().unwrap_or(&[]))
            .collect();
        for q in &rows {
            self.check_query(q)?;
        }
        let norms: Vec<f32> = rows.iter().map(|q| self.query_norm(q)).collect();
        let mut tops: Vec<TopK> = rows.iter().map(|_| TopK::new(k)).collect();
        let block = (BLOCK_BYTES / (self.data.ncols().max(1) * 4)).max(8);
        let n = self.data.nrows();
        let mut start = 0;
        while start < n {
            let end = (start + block).min(n);
            for (qi, q) in rows.iter().enumerate() {
                let skip = exclude.get(qi).copied().flatten();
                let top = &mut tops[qi];
                for i in start..end {
                    if skip != Some(i as u32) {
                        top.push(self.key(q, norms[qi], i), i as u32);
                    }
                }
            }
            start = end;
        }
        Ok(tops.into_iter().map(|t| self.finish(t)).collect())
    }

    /// Neighbours of an existing row, leaving the row itself out.
    pub fn search_row(&self, row: usize, k: usize) -> Result<Neighbors, KnnError> {
        let rows = self.data.nrows();
        if row >= rows {
            return Err(KnnError::NoSuchRow { row, rows });
        }
        let query = self.data.row(row).to_vec();
        self.search(&query, k, Some(row as u32))
    }
}

/// Dot product of two equal-length vectors.
#[inline]
pub fn dot(a: ArrayView1<'_, f32>, b: ArrayView1<'_, f32>) -> f32 {
    match (a.as_slice(), b.as_slice()) {
        (Some(a), Some(b)) => kernels::dot(a, b),
        _ => a.dot(&b),
    }
}

/// Squared Euclidean distance of two equal-length vectors.
#[inline]
pub fn l2_squared(a: ArrayView1<'_, f32>, b: ArrayView1<'_, f32>) -> f32 {
    match (a.as_slice(), b.as_slice()) {
        (Some(a), Some(b)) => kernels::l2_squared(a, b),
        _ => a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum(),
    }
}

/// Portable kernels: eight independent partial sums the compiler can keep in vector registers.
pub mod portable {
    const LANES: usize = 8;

    #[inline]
    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let mut acc = [0.0f32; LANES];
        let (ac, bc) = (a[..n].chunks_exact(LANES), b[..n].chunks_exact(LANES));
        let tail: f32 = ac
            .remainder()
            .iter()
            .zip(bc.remainder())
            .map(|(x, y)| x * y)
            .sum();
        for (x, y) in ac.zip(bc) {
            for l in 0..LANES {
                acc[l] += x[l] * y[l];
            }
        }
        acc.iter().sum::<f32>() + tail
    }

    #[inline]
    pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let mut acc = [0.0f32; LANES];
        let (ac, bc) = (a[..n].chunks_exact(LANES), b[..n].chunks_exact(LANES));
        let tail: f32 = ac
            .remainder()
            .iter()
            .zip(bc.remainder())
            .map(|(x, y)| (x - y) * (x - y))
            .sum();
        for (x, y) in ac.zip(bc) {
            for l in 0..LANES {
                let d = x[l] - y[l];
                acc[l] += d * d;
            }
        }
        acc.iter().sum::<f32>() + tail
    }
}

/// simd128 kernels: four f32x4 accumulators (16 floats per step).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use core::arch::wasm32::*;

    #[inline]
    fn sum4(v: v128) -> f32 {
        f32x4_extract_lane::<0>(v)
            + f32x4_extract_lane::<1>(v)
            + f32x4_extract_lane::<2>(v)
            + f32x4_extract_lane::<3>(v)
    }

    #[inline]
    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let whole = n / 16 * 16;
        let (mut s0, mut s1, mut s2, mut s3) = (
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
        );
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut i = 0;
        while i < whole {
            // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
            unsafe {
                let l = |o: usize, p: *const f32| v128_load(p.add(i + o).cast::<v128>());
                s0 = f32x4_add(s0, f32x4_mul(l(0, pa), l(0, pb)));
                s1 = f32x4_add(s1, f32x4_mul(l(4, pa), l(4, pb)));
                s2 = f32x4_add(s2, f32x4_mul(l(8, pa), l(8, pb)));
                s3 = f32x4_add(s3, f32x4_mul(l(12, pa), l(12, pb)));
            }
            i += 16;
        }
        let tail: f32 = a[whole..n]
            .iter()
            .zip(&b[whole..n])
            .map(|(x, y)| x * y)
            .sum();
        sum4(f32x4_add(f32x4_add(s0, s1), f32x4_add(s2, s3))) + tail
    }

    #[inline]
    pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let whole = n / 16 * 16;
        let (mut s0, mut s1, mut s2, mut s3) = (
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
        );
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut i = 0;
        while i < whole {
            // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
            unsafe {
                let d = |o: usize| {
                    f32x4_sub(
                        v128_load(pa.add(i + o).cast::<v128>()),
                        v128_load(pb.add(i + o).cast::<v128>()),
                    )
                };
                let (d0, d1, d2, d3) = (d(0), d(4), d(8), d(12));
                s0 = f32x4_add(s0, f32x4_mul(d0, d0));
                s1 = f32x4_add(s1, f32x4_mul(d1, d1));
                s2 = f32x4_add(s2, f32x4_mul(d2, d2));
                s3 = f32x4_add(s3, f32x4_mul(d3, d3));
            }
            i += 16;
        }
        let tail: f32 = a[whole..n]
            .iter()
            .zip(&b[whole..n])
            .map(|(x, y)| (x - y) * (x - y))
            .sum();
        sum4(f32x4_add(f32x4_add(s0, s1), f32x4_add(s2, s3))) + tail
    }
}

/// The kernels this build uses: simd128 on wasm32, portable elsewhere.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd as kernels;

/// The kernels this build uses: simd128 on wasm32, portable elsewhere.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use portable as kernels;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Query {
        query: usize,
        ids: Vec<u32>,
        scores: Vec<f64>,
    }

    #[derive(Deserialize)]
    struct Reference {
        k: usize,
        cosine: Vec<Query>,
        dot: Vec<Query>,
        l2: Vec<Query>,
    }

    /// numpy brute force on the committed demo vectors (tests/reference/make_knn_fixture.py).
    #[test]
    fn matches_numpy_brute_force_on_real_data() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
        let data = crate::npy::read_npy("vectors.f16.npy", &bytes).unwrap();
        let reference: Reference = serde_json::from_slice(
            &std::fs::read(format!("{root}/tests/fixtures/knn_expected.json")).unwrap(),
        )
        .unwrap();
        for (metric, queries) in [
            (Metric::Cosine, &reference.cosine),
            (Metric::Dot, &reference.dot),
            (Metric::L2, &reference.l2),
        ] {
            let index = FlatIndex::new(&data, metric);
            for q in queries {
                let got = index.search_row(q.query, reference.k).unwrap();
                assert_eq!(got.ids, q.ids, "{metric:?} query {}", q.query);
                for (g, e) in got.scores.iter().zip(&q.scores) {
                    assert!((f64::from(*g) - e).abs() < 1e-5, "{metric:?}: {g} vs {e}");
                }
            }
        }
    }

    #[test]
    fn ties_go_to_the_lower_id_and_k_larger_than_n_is_fine() {
        let data = Array2::from_shape_vec((4, 2), vec![1., 0., 1., 0., 0., 1., 1., 0.]).unwrap();
        let index = FlatIndex::new(&data, Metric::Dot);
        let got = index.search(&[1.0, 0.0], 10, None).unwrap();
        assert_eq!(got.ids, vec![0, 1, 3, 2]);
        assert_eq!(got.scores, vec![1.0, 1.0, 1.0, 0.0]);
        let got = FlatIndex::new(&data, Metric::L2)
            .search(&[0.0, 1.0], 2, None)
            .unwrap();
        assert_eq!(got.ids, vec![2, 0]);
        assert_eq!(got.scores, vec![0.0, 2.0]);
    }

    #[test]
    fn kernels_handle_every_length() {
        for n in 0..40 {
            let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
            let b: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 * 0.25).collect();
            let dot_ref: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            let l2_ref: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(x - y).powi(2))
                .sum();
            assert!((f64::from(kernels::dot(&a, &b)) - dot_ref).abs() < 1e-3);
            assert!((f64::from(kernels::l2_squared(&a, &b)) - l2_ref).abs() < 1e-3);
        }
    }

    #[test]
    fn batches_equal_single_queries_exactly() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
        let data = crate::npy::read_npy("vectors.f16.npy", &bytes).unwrap();
        let rows = [0usize, 7, 1234, 14_999, 7];
        let queries = data.select(ndarray::Axis(0), &rows);
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let index = FlatIndex::new(&data, metric);
            let exclude: Vec<Option<u32>> = rows.iter().map(|r| Some(*r as u32)).collect();
            let batch = index.search_batch(queries.view(), 10, &exclude).unwrap();
            for (r, got) in rows.iter().zip(&batch) {
                assert_eq!(
                    *got,
                    index.search_row(*r, 10).unwrap(),
                    "{metric:?} row {r}"
                );
            }
        }
        let index = FlatIndex::new(&data, Metric::Dot);
        let bad = Array2::<f32>::zeros((2, 3));
        assert!(matches!(
            index.search_batch(bad.view(), 1, &[]),
            Err(KnnError::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn errors_are_typed() {
        let data = Array2::<f32>::zeros((3, 2));
        let index = FlatIndex::new(&data, Metric::Cosine);
        assert_eq!(
            index.search(&[1.0], 1, None).unwrap_err(),
            KnnError::DimensionMismatch {
                expected: 2,
                found: 1
            }
        );
        assert_eq!(
            index.search_row(3, 1).unwrap_err(),
            KnnError::NoSuchRow { row: 3, rows: 3 }
        );
    }
}
