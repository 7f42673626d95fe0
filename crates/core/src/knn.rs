//! Exact k-nearest-neighbour search by brute force over all rows, for cosine similarity, dot
//! product and squared L2 distance.
//!
//! The inner products are the hot loop. On `wasm32` + `simd128` they are hand-vectorised with four
//! `f32x4` accumulators (LLVM does not reorder a float reduction, so `+simd128` alone leaves it
//! scalar); natively a portable loop with eight independent lanes lets the compiler use SSE/AVX.
//! Ties are broken deterministically: the lower row id wins.

use crate::bounds::RowBounds;
use crate::store::{half_to_f32, HalfMatrix, Int8Matrix, Vectors};
use ndarray::{Array2, ArrayView1};
use std::borrow::Cow;
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
    /// [`SearchAids`] built for rows of another shape.
    #[error("the search aids were built for {aids_rows} × {aids_dims} rows, the data is {rows} × {dims}")]
    AidsMismatch {
        aids_rows: usize,
        aids_dims: usize,
        rows: usize,
        dims: usize,
    },
}

/// The `k` nearest rows of one query, nearest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    pub ids: Vec<u32>,
    pub scores: Vec<f32>,
}

/// The rows an index scans, in their storage (borrowed, nothing copied).
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    F32(&'a Array2<f32>),
    F16(&'a HalfMatrix),
    Int8(&'a Int8Matrix),
}

impl<'a> From<&'a Array2<f32>> for Rows<'a> {
    fn from(m: &'a Array2<f32>) -> Self {
        Rows::F32(m)
    }
}

impl<'a> From<&'a Vectors> for Rows<'a> {
    fn from(v: &'a Vectors) -> Self {
        match v {
            Vectors::F32(m) => Rows::F32(m),
            Vectors::F16(h) => Rows::F16(h),
            Vectors::Int8(q) => Rows::Int8(q),
        }
    }
}

impl Rows<'_> {
    fn dim(&self) -> (usize, usize) {
        match self {
            Rows::F32(m) => m.dim(),
            Rows::F16(h) => (h.rows(), h.dims()),
            Rows::Int8(q) => (q.rows(), q.dims()),
        }
    }
}

/// A query made ready for one index: its norm (cosine) and, for f16 rows, a copy scaled by
/// 2¹¹² so that the kernel can use a half's bits shifted into an f32 without the multiply that
/// would rebias the exponent (each product is the same real number, so the same f32).
#[derive(Debug, Clone)]
pub struct Query<'q> {
    values: &'q [f32],
    norm: f32,
    scaled: Option<Vec<f32>>,
}

/// Brute-force index over the rows of a matrix in any [`Storage`](crate::store::Storage)
/// (borrowed, nothing copied). Scores are exact for the stored values.
#[derive(Debug, Clone)]
pub struct FlatIndex<'a> {
    data: Rows<'a>,
    /// Per-row Euclidean norms of the stored values (cosine only).
    norms: Cow<'a, [f32]>,
    /// Int8 bounds that let the scan skip rows (f32 rows, when asked for).
    bounds: Option<Cow<'a, RowBounds>>,
    metric: Metric,
}

/// What a [`FlatIndex`] computes from its rows before searching (the row norms for cosine, and
/// optionally [`RowBounds`]), owned, so that an app can keep it between searches over the same
/// rows: [`FlatIndex::with_aids`] borrows it.
#[derive(Debug, Clone)]
pub struct SearchAids {
    metric: Metric,
    rows: usize,
    dims: usize,
    norms: Vec<f32>,
    bounds: Option<RowBounds>,
}

impl SearchAids {
    /// The norms (cosine) and, when `bounded` and the rows are f32 of at most
    /// [`crate::bounds::MAX_BOUNDED_DIMS`] values, the int8 bounds of `data`.
    pub fn build<'a>(data: impl Into<Rows<'a>>, metric: Metric, bounded: bool) -> Self {
        let index = FlatIndex::new(data, metric);
        let (rows, dims) = (index.rows(), index.dims());
        let norms = index.norms.into_owned();
        let bounds = match index.data {
            Rows::F32(m) if bounded => RowBounds::build(flat(m), dims, metric, &norms),
            _ => None,
        };
        Self {
            metric,
            rows,
            dims,
            norms,
            bounds,
        }
    }

    /// Whether searches skip rows by their int8 bounds.
    pub fn bounded(&self) -> bool {
        self.bounds.is_some()
    }

    /// Bytes held besides the rows.
    pub fn bytes(&self) -> usize {
        self.norms.len() * 4 + self.bounds.as_ref().map_or(0, RowBounds::bytes)
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }
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

    /// The worst kept key once `k` are kept (`-∞` before): a key below it is not kept.
    #[inline]
    pub fn threshold(&self) -> f32 {
        self.threshold
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

/// 2¹¹²: the gap between the f32 and f16 exponent biases (127 − 15).
const HALF_REBIAS: f32 = 5.192_297e33;

impl<'a> FlatIndex<'a> {
    pub fn new(data: impl Into<Rows<'a>>, metric: Metric) -> Self {
        let data = data.into();
        let mut index = Self {
            data,
            norms: Cow::Owned(Vec::new()),
            bounds: None,
            metric,
        };
        if metric == Metric::Cosine {
            index.norms = (0..index.rows())
                .map(|i| index.with_row(i, |row| kernels::dot(row, row).sqrt()))
                .collect();
        }
        index
    }

    /// [`FlatIndex::new`] with int8 bounds ([`crate::bounds`]) for f32 rows: single queries
    /// read a quarter of the bytes and skip the rows that cannot be among the nearest, with
    /// results bit-identical to the plain scan's. Takes a quarter more memory than the rows.
    pub fn bounded(data: impl Into<Rows<'a>>, metric: Metric) -> Self {
        let data = data.into();
        let aids = SearchAids::build(data, metric, true);
        Self {
            data,
            norms: Cow::Owned(aids.norms),
            bounds: aids.bounds.map(Cow::Owned),
            metric,
        }
    }

    /// An index over `data` that borrows what `aids` computed from the same rows.
    pub fn with_aids(data: impl Into<Rows<'a>>, aids: &'a SearchAids) -> Result<Self, KnnError> {
        let data = data.into();
        let (rows, dims) = data.dim();
        if (rows, dims) != (aids.rows, aids.dims) {
            return Err(KnnError::AidsMismatch {
                aids_rows: aids.rows,
                aids_dims: aids.dims,
                rows,
                dims,
            });
        }
        Ok(Self {
            data,
            norms: Cow::Borrowed(&aids.norms),
            bounds: aids.bounds.as_ref().map(Cow::Borrowed),
            metric: aids.metric,
        })
    }

    /// Whether single queries use int8 bounds.
    pub fn is_bounded(&self) -> bool {
        self.bounds.is_some()
    }

    /// Run `f` on row `i` as f32 values (converted into a scratch row for f16 and int8).
    pub(crate) fn with_row<T>(&self, i: usize, f: impl FnOnce(&[f32]) -> T) -> T {
        match self.data {
            Rows::F32(m) => f(m.row(i).as_slice().unwrap_or(&[])),
            Rows::F16(h) => {
                let d = h.dims();
                let row: Vec<f32> = h.bits()[i * d..(i + 1) * d]
                    .iter()
                    .map(|b| half_to_f32(*b))
                    .collect();
                f(&row)
            }
            Rows::Int8(q) => {
                let d = q.dims();
                let s = q.scales()[i];
                let row: Vec<f32> = q.codes()[i * d..(i + 1) * d]
                    .iter()
                    .map(|c| f32::from(*c) * s)
                    .collect();
                f(&row)
            }
        }
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The data's number of dimensions.
    pub fn dims(&self) -> usize {
        self.data.dim().1
    }

    /// The data's number of rows.
    pub fn rows(&self) -> usize {
        self.data.dim().0
    }

    fn check_query(&self, query: &[f32]) -> Result<(), KnnError> {
        let d = self.dims();
        if query.len() != d {
            return Err(KnnError::DimensionMismatch {
                expected: d,
                found: query.len(),
            });
        }
        Ok(())
    }

    /// Make `query` ready for this index (its norm; a scaled copy for f16 rows).
    pub fn prepare<'q>(&self, query: &'q [f32]) -> Query<'q> {
        let norm = match self.metric {
            Metric::Cosine => kernels::dot(query, query).sqrt(),
            _ => 1.0,
        };
        // 2¹⁵ × 2¹¹² stays below f32::MAX; a larger query takes the converting path.
        let fits = query.iter().all(|v| v.abs() < 32768.0);
        let scaled = (matches!(self.data, Rows::F16(_)) && self.metric != Metric::L2 && fits)
            .then(|| kernels::prepare_f16_query(query));
        Query {
            values: query,
            norm,
            scaled,
        }
    }

    /// The metric's raw value of row `i` (dot product or squared distance), exactly as the scan
    /// computes it.
    #[inline]
    fn raw(&self, q: &Query<'_>, i: usize) -> f32 {
        match self.data {
            Rows::F32(m) => {
                let row = &m.as_slice().unwrap_or(&[])[i * m.ncols()..(i + 1) * m.ncols()];
                match self.metric {
                    Metric::L2 => kernels::l2_squared(q.values, row),
                    _ => kernels::dot(q.values, row),
                }
            }
            Rows::F16(h) => {
                let d = h.dims();
                let row = &h.bits()[i * d..(i + 1) * d];
                match (&q.scaled, self.metric) {
                    (_, Metric::L2) => kernels::l2_f16(q.values, row),
                    (Some(scaled), _) => kernels::dot_f16_prescaled(scaled, row),
                    (None, _) => self.with_row(i, |r| kernels::dot(q.values, r)),
                }
            }
            Rows::Int8(c) => {
                let d = c.dims();
                let row = &c.codes()[i * d..(i + 1) * d];
                let s = c.scales()[i];
                match self.metric {
                    Metric::L2 => kernels::l2_i8(q.values, row, s),
                    _ => kernels::dot_i8(q.values, row) * s,
                }
            }
        }
    }

    /// The exact ranking key of row `i` for a prepared query (larger is nearer).
    #[inline]
    pub fn key(&self, q: &Query<'_>, i: usize) -> f32 {
        let raw = self.raw(q, i);
        match self.metric {
            Metric::Dot => raw,
            Metric::Cosine => cosine_of(raw, q.norm, self.norms[i]),
            Metric::L2 => -raw,
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

    fn check_layout(&self) -> Result<(), KnnError> {
        match self.data {
            Rows::F32(m) if m.as_slice().is_none() => Err(KnnError::NotContiguous),
            _ => Ok(()),
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
        self.check_layout()?;
        let q = self.prepare(query);
        let mut top = TopK::new(k);
        let n = self.rows();
        if let (Some(bounds), Rows::F32(m)) = (&self.bounds, self.data) {
            let norm = kernels::dot(query, query).sqrt();
            if let Some(bq) = bounds.prepare(query, norm) {
                // The rows that can reach the top k are scored exactly as `key()` does.
                let (data, d) = (flat(m), m.ncols());
                let row = |i: usize| &data[i * d..(i + 1) * d];
                match self.metric {
                    Metric::Dot => {
                        bounds.scan(&bq, &mut top, exclude, |i| kernels::dot(query, row(i)))
                    }
                    Metric::Cosine => bounds.scan(&bq, &mut top, exclude, |i| {
                        cosine_of(kernels::dot(query, row(i)), q.norm, self.norms[i])
                    }),
                    Metric::L2 => bounds.scan(&bq, &mut top, exclude, |i| {
                        -kernels::l2_squared(query, row(i))
                    }),
                }
                return Ok(self.finish(top));
            }
        }
        // The storage and the metric are chosen once, outside the scan (each arm is `key()`
        // with the match hoisted), so the keys are exactly `key()`'s.
        match (self.data, self.metric, &q.scaled) {
            (Rows::F32(m), Metric::Dot | Metric::Cosine, _) if quads_pay(m.ncols()) => {
                let cosine = (self.metric == Metric::Cosine).then_some((&self.norms[..], q.norm));
                scan_quads(&mut top, exclude, flat(m), query, cosine);
            }
            (Rows::F32(m), Metric::Dot, _) => scan(&mut top, exclude, flat(m), m.ncols(), |r| {
                kernels::dot(query, r)
            }),
            (Rows::F32(m), Metric::Cosine, _) => scan_cosine(
                &mut top,
                exclude,
                flat(m),
                m.ncols(),
                &self.norms,
                q.norm,
                |r| kernels::dot(query, r),
            ),
            (Rows::F32(m), Metric::L2, _) => scan(&mut top, exclude, flat(m), m.ncols(), |r| {
                -kernels::l2_squared(query, r)
            }),
            (Rows::F16(h), Metric::Dot, Some(qs)) => {
                scan(&mut top, exclude, h.bits(), h.dims(), |r| {
                    kernels::dot_f16_prescaled(qs, r)
                })
            }
            (Rows::F16(h), Metric::Cosine, Some(qs)) => scan_cosine(
                &mut top,
                exclude,
                h.bits(),
                h.dims(),
                &self.norms,
                q.norm,
                |r| kernels::dot_f16_prescaled(qs, r),
            ),
            (Rows::Int8(c), Metric::Dot, _) => {
                let rows = c.codes().chunks_exact(c.dims().max(1)).zip(c.scales());
                for (i, (row, s)) in rows.enumerate() {
                    if exclude != Some(i as u32) {
                        top.push(kernels::dot_i8(query, row) * s, i as u32);
                    }
                }
            }
            (Rows::Int8(c), Metric::Cosine, _) => {
                let rows = c.codes().chunks_exact(c.dims().max(1)).zip(c.scales());
                for ((i, (row, s)), norm) in rows.enumerate().zip(self.norms.iter()) {
                    if exclude != Some(i as u32) {
                        let key = cosine_of(kernels::dot_i8(query, row) * s, q.norm, *norm);
                        top.push(key, i as u32);
                    }
                }
            }
            _ => {
                for i in 0..n {
                    if exclude != Some(i as u32) {
                        top.push(self.key(&q, i), i as u32);
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
        self.check_layout()?;
        let queries = queries.as_standard_layout();
        let rows: Vec<&[f32]> = queries
            .rows()
            .into_iter()
            .map(|r| r.to_slice().unwrap_or(&[]))
            .collect();
        for q in &rows {
            self.check_query(q)?;
        }
        let prepared: Vec<Query<'_>> = rows.iter().map(|q| self.prepare(q)).collect();
        let mut tops: Vec<TopK> = rows.iter().map(|_| TopK::new(k)).collect();
        let block = (BLOCK_BYTES / (self.dims().max(1) * 4)).max(8);
        let n = self.rows();
        let mut start = 0;
        while start < n {
            let end = (start + block).min(n);
            for (qi, q) in prepared.iter().enumerate() {
                let skip = exclude.get(qi).copied().flatten();
                let top = &mut tops[qi];
                for i in start..end {
                    if skip != Some(i as u32) {
                        top.push(self.key(q, i), i as u32);
                    }
                }
            }
            start = end;
        }
        Ok(tops.into_iter().map(|t| self.finish(t)).collect())
    }

    /// Neighbours of an existing row, leaving the row itself out.
    pub fn search_row(&self, row: usize, k: usize) -> Result<Neighbors, KnnError> {
        let rows = self.rows();
        if row >= rows {
            return Err(KnnError::NoSuchRow { row, rows });
        }
        let query = self.with_row(row, |r| r.to_vec());
        self.search(&query, k, Some(row as u32))
    }
}

fn flat(m: &Array2<f32>) -> &[f32] {
    m.as_slice().unwrap_or(&[])
}

/// Visit every row of `data` (`d` values each) as (id, row): the first and second halves of the
/// rows are walked side by side, a 4 KiB page of rows from one, then from the other, so two
/// memory streams are in flight at once (the visiting order does not change a top-k: ties go to
/// the lower id whatever the order). Only for rows of [`TWO_STREAM_ROW_BYTES`] or more.
#[inline(always)]
fn two_streams_pay<T>(d: usize) -> bool {
    d * std::mem::size_of::<T>() >= TWO_STREAM_ROW_BYTES
}

/// In the browser two streams took 100k × 384 f32 from 5.5 to 4.8 ms a query, while 64-d rows
/// got slower (10.1 → 12.5 ms at 1M rows), so short rows keep one stream.
const TWO_STREAM_ROW_BYTES: usize = 1024;

/// See [`two_streams_pay`].
#[inline(always)]
fn two_streams<'r, T>(data: &'r [T], d: usize, mut visit: impl FnMut(usize, &'r [T])) {
    let d = d.max(1);
    let n = data.len() / d;
    let block = (4096 / (d * std::mem::size_of::<T>()).max(1)).max(1);
    let half = n / 2 / block * block;
    let (a, b) = data.split_at(half * d);
    let (a, b) = (
        a.chunks_exact(block * d),
        b[..half * d].chunks_exact(block * d),
    );
    for (j, (ba, bb)) in a.zip(b).enumerate() {
        for (r, row) in ba.chunks_exact(d).enumerate() {
            visit(j * block + r, row);
        }
        for (r, row) in bb.chunks_exact(d).enumerate() {
            visit(half + j * block + r, row);
        }
    }
    for i in 2 * half..n {
        visit(i, &data[i * d..(i + 1) * d]);
    }
}

/// Push every row's key, leaving out `exclude`.
#[inline(always)]
fn scan<T>(top: &mut TopK, exclude: Option<u32>, data: &[T], d: usize, key: impl Fn(&[T]) -> f32) {
    two_streams(data, d, |i, row| {
        if exclude != Some(i as u32) {
            top.push(key(row), i as u32);
        }
    });
}

/// [`scan`] for cosine: the dot product over the two norms (0 for a zero vector).
#[inline(always)]
fn scan_cosine<T>(
    top: &mut TopK,
    exclude: Option<u32>,
    data: &[T],
    d: usize,
    norms: &[f32],
    query_norm: f32,
    dot: impl Fn(&[T]) -> f32,
) {
    if !two_streams_pay::<T>(d) {
        for ((i, row), norm) in data.chunks_exact(d.max(1)).enumerate().zip(norms) {
            if exclude != Some(i as u32) {
                let key = cosine_of(dot(row), query_norm, *norm);
                top.push(key, i as u32);
            }
        }
        return;
    }
    two_streams(data, d, |i, row| {
        if exclude != Some(i as u32) {
            let key = cosine_of(dot(row), query_norm, norms[i]);
            top.push(key, i as u32);
        }
    });
}

/// Rows shorter than this (in bytes) are scored four at a time by [`scan_quads`]: one kernel
/// call returns four dot products, and the four keys are tested against the heap's threshold at
/// once. In Chromium this took 1M × 64 f32 rows from 10.4–11.9 to 8.6–9.2 ms a query (and, in a
/// first version, 500k × 128 from 12.6 to 9.1 ms); rows of 1 KiB or more are memory-bound and
/// keep [`two_streams`].
const QUAD_ROW_BYTES: usize = TWO_STREAM_ROW_BYTES;

#[inline(always)]
fn quads_pay(d: usize) -> bool {
    d > 0 && d * 4 < QUAD_ROW_BYTES
}

/// The order of [`scan_quads`]: ranges of rows, each a whole number of groups of four, that
/// cover rows `0..n / 4 * 4` once. The data's two halves are walked side by side a page (`page`
/// bytes, whole groups) at a time, so that two memory streams are in flight; the rows between
/// the two halves' pages and the last group come last. The last `n % 4` rows are left to the
/// caller.
#[inline(always)]
fn quad_ranges(n: usize, d: usize, page: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let group = (page / (16 * d.max(1))).max(1) * 4;
    let half = n / 2 / group * group;
    (0..half)
        .step_by(group)
        .flat_map(move |start| [start..start + group, half + start..half + start + group])
        .chain(std::iter::once(2 * half..n / 4 * 4))
}

/// [`scan`] for f32 rows shorter than [`QUAD_ROW_BYTES`], dot product or (with the row norms and
/// the query's norm) cosine. Keys are bit-identical to [`FlatIndex::key`]: `kernels::dot4` gives
/// each row's `kernels::dot` exactly, and the cosine division is the same.
fn scan_quads(
    top: &mut TopK,
    exclude: Option<u32>,
    data: &[f32],
    query: &[f32],
    cosine: Option<(&[f32], f32)>,
) {
    // The kernel and the key are chosen here, once, so that each scan is one tight loop.
    let paired = kernels::dot4_paired_fits(query.len());
    let (q, x) = (query, data);
    match (cosine, paired) {
        (Some((n, qn)), true) => {
            scan_quads_with(top, exclude, x, q, kernels::dot4_paired, cosine_key(n, qn))
        }
        (Some((n, qn)), false) => {
            scan_quads_with(top, exclude, x, q, kernels::dot4, cosine_key(n, qn))
        }
        (None, true) => scan_quads_with(top, exclude, x, q, kernels::dot4_paired, |dot, _| dot),
        (None, false) => scan_quads_with(top, exclude, x, q, kernels::dot4, |dot, _| dot),
    }
}

/// Cosine's key from a row's dot product and id: the dot product over the two norms (0 for a
/// zero vector), as in [`FlatIndex::key`].
#[inline(always)]
fn cosine_key(norms: &[f32], qn: f32) -> impl Fn(f32, usize) -> f32 + '_ {
    move |dot, i| cosine_of(dot, qn, norms.get(i).copied().unwrap_or(0.0))
}

/// Cosine similarity from a dot product and the two norms; 0 when either vector is zero (the
/// denominator is not positive). Every cosine scan and [`FlatIndex::key`] use this, so their
/// keys are the same bits.
#[inline(always)]
fn cosine_of(dot: f32, query_norm: f32, row_norm: f32) -> f32 {
    let denom = query_norm * row_norm;
    if denom > 0.0 {
        dot / denom
    } else {
        0.0
    }
}

/// [`scan_quads`] with its four-row kernel and the metric's key (from a row's dot product and
/// id) fixed. Kept out of line: V8 makes a tighter loop of a small function than of this
/// inlined into `search` (1M × 64 in Chromium: 11.3 → 8.6 ms a query).
#[inline(never)]
fn scan_quads_with(
    top: &mut TopK,
    exclude: Option<u32>,
    data: &[f32],
    query: &[f32],
    dot4: impl Fn(&[f32], &[f32]) -> [f32; 4],
    key: impl Fn(f32, usize) -> f32,
) {
    let d = query.len();
    let n = data.len() / d.max(1);
    let page = kernels::quad_page_bytes(d);
    // One loop body for every group (a closure called from several places is not inlined).
    for range in quad_ranges(n, d, page) {
        for first in range.step_by(4) {
            let dots = dot4(query, &data[first * d..(first + 4) * d]);
            let keys: [f32; 4] = std::array::from_fn(|l| key(dots[l], first + l));
            // Most groups end here: no key reaches the threshold (NaN keys go on, as in `push`).
            if keys.iter().all(|k| *k < top.threshold) {
                continue;
            }
            for (l, k) in keys.into_iter().enumerate() {
                let id = (first + l) as u32;
                if exclude != Some(id) {
                    top.push(k, id);
                }
            }
        }
    }
    for i in n / 4 * 4..n {
        if exclude != Some(i as u32) {
            let k = key(kernels::dot(query, &data[i * d..(i + 1) * d]), i);
            top.push(k, i as u32);
        }
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

/// Checks this build's kernels (simd128 on wasm, portable natively) on seeded data of every
/// length up to 70 and 384: `dot`, `l2_squared`, the f16 and the int8 kernels agree with an f64
/// reference within 1e-5 relative, and the quantised scan's integer kernels are exact. The browser test calls it through
/// `vecscapeTest.knnKernelsAgree()`, so the simd128 kernels are checked where they run.
pub fn kernels_agree(seed: u64) -> bool {
    let mut rng = crate::rng::SplitMix64::new(seed);
    let mut ok = true;
    for n in (0..=70).chain([384]) {
        let mut vec = |scale: f64| -> Vec<f32> {
            (0..n)
                .map(|_| ((rng.uniform() * 2.0 - 1.0) * scale) as f32)
                .collect()
        };
        let q = vec(1.0);
        let rows: Vec<Vec<f32>> = (0..4).map(|_| vec(1.0)).collect();
        let close = |got: f32, want: f64, scale: f64| {
            (f64::from(got) - want).abs() <= 1e-5 * scale.max(1.0)
        };
        let mag: f64 = q.iter().map(|v| f64::from(v.abs())).sum();
        for row in &rows {
            let want: f64 = q
                .iter()
                .zip(row)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            ok &= close(kernels::dot(&q, row), want, mag);
            let l2: f64 = q
                .iter()
                .zip(row)
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
                .sum();
            ok &= close(kernels::l2_squared(&q, row), l2, l2);
            let halves: Vec<u16> = row
                .iter()
                .map(|v| half::f16::from_f32(*v).to_bits())
                .collect();
            let hv: Vec<f64> = halves.iter().map(|h| f64::from(half_to_f32(*h))).collect();
            let want: f64 = q.iter().zip(&hv).map(|(a, b)| f64::from(*a) * b).sum();
            let prepared = kernels::prepare_f16_query(&q);
            ok &= close(kernels::dot_f16_prescaled(&prepared, &halves), want, mag);
            let l2: f64 = q
                .iter()
                .zip(&hv)
                .map(|(a, b)| (f64::from(*a) - b).powi(2))
                .sum();
            ok &= close(kernels::l2_f16(&q, &halves), l2, l2);
            let codes: Vec<i8> = row.iter().map(|v| (v * 127.0).round() as i8).collect();
            let cv: Vec<f64> = codes.iter().map(|c| f64::from(*c)).collect();
            let want: f64 = q.iter().zip(&cv).map(|(a, b)| f64::from(*a) * b).sum();
            ok &= close(kernels::dot_i8(&q, &codes), want, mag * 127.0);
            let l2: f64 = q
                .iter()
                .zip(&cv)
                .map(|(a, b)| (f64::from(*a) - b * 0.01).powi(2))
                .sum();
            ok &= close(kernels::l2_i8(&q, &codes, 0.01), l2, l2);
            // The quantised scan's integer kernels: exact.
            let qc: Vec<i8> = q.iter().map(|v| (v * 127.0).round() as i8).collect();
            let exact: i32 = qc
                .iter()
                .zip(&codes)
                .map(|(a, b)| i32::from(*a) * i32::from(*b))
                .sum();
            let wide: Vec<i16> = qc.iter().map(|v| i16::from(*v)).collect();
            ok &= crate::quant::int8::dot_wide(&wide, &codes) == exact;
        }
        // Four rows at once: each lane is `dot`'s value, bit for bit.
        let flat: Vec<f32> = rows.concat();
        let four = kernels::dot4(&q, &flat);
        for (lane, row) in four.iter().zip(&rows) {
            ok &= lane.to_bits() == kernels::dot(&q, row).to_bits();
        }
    }
    ok && quad_scan_agrees(seed) && bounded_scan_agrees(seed) && bounds_hold(seed)
}

/// The quad scan (rows shorter than [`QUAD_ROW_BYTES`]) against the definition it must keep:
/// every row's [`FlatIndex::key`], sorted best first with the lower id winning ties. Seeded data
/// of many shapes (row counts that are not multiples of four, zero rows, repeated rows for ties),
/// cosine and dot, every k from 0 to past the end, the query's own row left out or not. Scores
/// must be bit-identical.
pub fn quad_scan_agrees(seed: u64) -> bool {
    let mut rng = crate::rng::SplitMix64::new(seed ^ 0x9E37_79B9);
    let mut ok = true;
    for (n, d) in [
        (0, 16),
        (3, 64),
        (5, 16),
        (37, 50),
        (301, 64),
        (513, 17),
        (1031, 32),
        (777, 128),
        (640, 255),
        (1000, 64),
        (998, 48),
    ] {
        // The last two: the second half repeats the first from row 64 on, so equal keys with the
        // lower id are visited later (the halves are walked side by side).
        let shifted = n >= 998;
        let mut data = Array2::<f32>::zeros((n, d));
        for (i, mut row) in data.rows_mut().into_iter().enumerate() {
            if shifted && i >= n / 2 && i - n / 2 + 64 < n / 2 {
                let src = i - n / 2 + 64;
                row.iter_mut()
                    .enumerate()
                    .for_each(|(j, v)| *v = data_value(src, j, seed));
                continue;
            }
            match i % 11 {
                // a zero row (cosine 0) and a repeat of the row before (a tie)
                3 => {}
                7 => {
                    let prev: Vec<f32> = (0..d).map(|j| data_value(i - 1, j, seed)).collect();
                    row.assign(&ndarray::ArrayView1::from(&prev[..]));
                }
                _ => row
                    .iter_mut()
                    .enumerate()
                    .for_each(|(j, v)| *v = data_value(i, j, seed)),
            }
        }
        let query: Vec<f32> = (0..d).map(|_| (rng.uniform() * 2.0 - 1.0) as f32).collect();
        for metric in [Metric::Cosine, Metric::Dot] {
            let index = FlatIndex::new(&data, metric);
            let q = index.prepare(&query);
            let mut all: Vec<(f32, u32)> = (0..n).map(|i| (index.key(&q, i), i as u32)).collect();
            all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let exclude = (n > 0).then(|| (rng.next_u64() % n as u64) as u32);
            for k in [0, 1, 10, n + 3] {
                for skip in [None, exclude] {
                    let want: Vec<(f32, u32)> = all
                        .iter()
                        .copied()
                        .filter(|(_, id)| Some(*id) != skip)
                        .take(k)
                        .collect();
                    match index.search(&query, k, skip) {
                        Ok(got) => {
                            ok &= got.ids == want.iter().map(|w| w.1).collect::<Vec<_>>();
                            ok &= got
                                .scores
                                .iter()
                                .zip(&want)
                                .all(|(g, w)| g.to_bits() == w.0.to_bits());
                        }
                        Err(_) => ok = false,
                    }
                }
            }
        }
    }
    ok
}

/// The scan with int8 bounds ([`FlatIndex::bounded`]) against the plain scan, which other tests
/// hold to numpy and to every row's [`FlatIndex::key`]: ids and scores bit-identical. The data is
/// made to be hard for bounds: clusters of near-copies whose keys differ by less than the bounds'
/// slack, exact copies (ties, with the lower id visited later), rows with one huge outlier value,
/// rows of very different scales, zero rows, rows with values that are not finite or too large
/// or small for bounds, and queries that cannot use them. Every metric, k from 0 to past the end,
/// the query's own row left out or not.
pub fn bounded_scan_agrees(seed: u64) -> bool {
    let mut rng = crate::rng::SplitMix64::new(seed ^ 0xB0_0D5);
    let mut ok = true;
    for (n, d) in [
        (1, 16),
        (7, 3),
        (64, 16),
        (203, 64),
        (517, 50),
        (300, 384),
        (97, 700),
    ] {
        let base: Vec<f32> = (0..d).map(|j| data_value(0, j, seed)).collect();
        let mut data = Array2::<f32>::zeros((n, d));
        for (i, mut row) in data.rows_mut().into_iter().enumerate() {
            let noise = match i % 5 {
                0 => 1e-7,
                1 => 1e-4,
                _ => 1.0,
            };
            let scale = [1.0, 3.0, 0.01, 1.0, 250.0][i % 5];
            row.iter_mut().enumerate().for_each(|(j, v)| {
                *v = (base[j] + noise * data_value(i, j, seed)) * scale;
            });
            match i % 13 {
                4 => row.fill(0.0),
                6 => row[i % d] = 1e4,
                9 if i > 0 => row.assign(&ndarray::ArrayView1::from(
                    &base.iter().map(|v| v * scale).collect::<Vec<_>>()[..],
                )),
                _ => {}
            }
            match i % 97 {
                50 => row[0] = f32::NAN,
                51 => row[0] = f32::INFINITY,
                52 => row[0] = 3e20,
                53 => row.iter_mut().for_each(|v| *v *= 1e-25),
                _ => {}
            }
        }
        let near: Vec<f32> = base
            .iter()
            .map(|v| v + 1e-3 * (rng.uniform() * 2.0 - 1.0) as f32)
            .collect();
        let random: Vec<f32> = (0..d).map(|_| (rng.uniform() * 2.0 - 1.0) as f32).collect();
        let mut queries = vec![near.clone(), random];
        queries.push(data.row(n - 1).to_vec());
        queries.push(vec![0.0; d]);
        queries.push(near.iter().map(|v| v * 1e-20).collect());
        let mut huge = near.clone();
        huge[0] = 1e30;
        queries.push(huge);
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let plain = FlatIndex::new(&data, metric);
            let bounded = FlatIndex::bounded(&data, metric);
            ok &= bounded.is_bounded();
            for query in &queries {
                let exclude = Some((rng.next_u64() % n as u64) as u32);
                for k in [0, 1, 10, n + 3] {
                    for skip in [None, exclude] {
                        match (plain.search(query, k, skip), bounded.search(query, k, skip)) {
                            (Ok(want), Ok(got)) => {
                                ok &= got.ids == want.ids;
                                ok &= got.scores.len() == want.scores.len()
                                    && got
                                        .scores
                                        .iter()
                                        .zip(&want.scores)
                                        .all(|(g, w)| g.to_bits() == w.to_bits());
                            }
                            _ => ok = false,
                        }
                    }
                }
            }
        }
    }
    ok
}

/// Every row's int8 bound, from this build's kernel ([`crate::bounds::kernels`]), is not below the
/// key the exact scan computes for it, for every metric: Gaussian rows, rows with one outlier,
/// rows of very different scales, and rows and queries exactly on the int8 and i16 grids (where
/// the estimate has no quantisation error left and only the f32 rounding terms of the slack
/// cover the kernel's rounding).
pub fn bounds_hold(seed: u64) -> bool {
    let mut rng = crate::rng::SplitMix64::new(seed ^ 0xB0_1D);
    let mut ok = true;
    for (n, d, kind) in [
        (256, 64, 0),
        (130, 384, 1),
        (200, 64, 2),
        (64, 50, 2),
        (90, 16, 0),
    ] {
        let data = Array2::<f32>::from_shape_fn((n, d), |(i, j)| match kind {
            // Gaussian rows, every fifth with an outlier, at scales from 1e-3 to 1e3
            0 | 1 => {
                let v = rng.normal() as f32 * [1.0, 1e-3, 1e3, 7.0][i % 4];
                if i % 5 == 0 && j == i % d {
                    v * 40.0
                } else {
                    v
                }
            }
            // int8 codes times 2⁻⁷, each row with a ±127 (so its scale is exactly 2⁻⁷)
            _ => {
                let c = if j == i % d {
                    127.0
                } else {
                    (rng.next_u64() % 255) as f32 - 127.0
                };
                c / 128.0
            }
        });
        let on_grid = kind == 2;
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let aids = SearchAids::build(&data, metric, true);
            let (Some(bounds), Ok(index)) = (&aids.bounds, FlatIndex::with_aids(&data, &aids))
            else {
                return false;
            };
            for round in 0..4 {
                let query: Vec<f32> = if on_grid {
                    // i16 codes times 2⁻¹⁰ with the largest at the grid's end: no rounding. In
                    // odd rounds every other value is 0.49 of a step off the grid, towards the
                    // sign of row `round`'s value, so that the query's rounding makes that row's
                    // estimate as low as it can be.
                    let q_max = bounds.q_max();
                    (0..d)
                        .map(|j| {
                            let p = if j == 0 {
                                q_max
                            } else {
                                (rng.next_u64() % (2 * q_max as u64 - 1)) as i32 - q_max + 1
                            };
                            let off = if round % 2 == 1 && j > 0 {
                                0.49 * data[[round, j]].signum()
                            } else {
                                0.0
                            };
                            (p as f32 + off) / 1024.0
                        })
                        .collect()
                } else {
                    (0..d).map(|_| rng.normal() as f32).collect()
                };
                let q = index.prepare(&query);
                let Some(bq) = bounds.prepare(&query, kernels::dot(&query, &query).sqrt()) else {
                    return false;
                };
                for i in 0..n {
                    let key = index.key(&q, i);
                    let mask = bounds.group_mask(&bq, i / 4, key);
                    ok &= mask & (1 << (i % 4)) != 0;
                }
            }
        }
    }
    ok
}

/// A seeded value in [-1, 1) for row `i`, column `j` (the same for the same arguments).
fn data_value(i: usize, j: usize, seed: u64) -> f32 {
    let mut rng = crate::rng::SplitMix64::new(seed ^ ((i as u64) << 20) ^ j as u64);
    (rng.uniform() * 2.0 - 1.0) as f32
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

    /// The dot products of `q` with the four rows of `rows` (`4 × q.len()` values), each exactly
    /// [`dot`]'s.
    #[inline]
    pub fn dot4(q: &[f32], rows: &[f32]) -> [f32; 4] {
        let d = q.len();
        std::array::from_fn(|r| dot(q, rows.get(r * d..(r + 1) * d).unwrap_or(&[])))
    }

    /// Whether [`dot4_paired`] applies to rows of `d` values: not here (no paired kernel).
    #[inline]
    pub fn dot4_paired_fits(_d: usize) -> bool {
        false
    }

    /// [`dot4`] (the simd128 build has a faster kernel for short rows).
    #[inline]
    pub fn dot4_paired(q: &[f32], rows: &[f32]) -> [f32; 4] {
        dot4(q, rows)
    }

    /// Page size for [`super::scan_quads`]'s two streams.
    #[inline]
    pub fn quad_page_bytes(_d: usize) -> usize {
        4096
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

    /// A half's bits as an f32 scaled by 2⁻¹¹² (exact, subnormals included): the sign moves to
    /// bit 31, exponent and mantissa move up 13 bits, the copies of the sign that sign
    /// extension left in bits 28–30 are cleared.
    #[inline(always)]
    pub fn half_bits_shifted(h: u16) -> f32 {
        f32::from_bits(((i32::from(h as i16) << 13) as u32) & 0x8fff_e000)
    }

    /// The query as [`dot_f16_prescaled`] wants it: times 2¹¹², in its own order.
    pub fn prepare_f16_query(q: &[f32]) -> Vec<f32> {
        q.iter().map(|v| v * super::HALF_REBIAS).collect()
    }

    /// Dot product of a query pre-multiplied by 2¹¹² with a row of halves.
    #[inline]
    pub fn dot_f16_prescaled(q: &[f32], h: &[u16]) -> f32 {
        let n = q.len().min(h.len());
        let mut acc = [0.0f32; LANES];
        let (qc, hc) = (q[..n].chunks_exact(LANES), h[..n].chunks_exact(LANES));
        let tail: f32 = qc
            .remainder()
            .iter()
            .zip(hc.remainder())
            .map(|(x, y)| x * half_bits_shifted(*y))
            .sum();
        for (x, y) in qc.zip(hc) {
            for l in 0..LANES {
                acc[l] += x[l] * half_bits_shifted(y[l]);
            }
        }
        acc.iter().sum::<f32>() + tail
    }

    /// Squared distance from a query to a row of halves.
    #[inline]
    pub fn l2_f16(q: &[f32], h: &[u16]) -> f32 {
        let n = q.len().min(h.len());
        let mut acc = [0.0f32; LANES];
        let f = |b: u16| half_bits_shifted(b) * super::HALF_REBIAS;
        let (qc, hc) = (q[..n].chunks_exact(LANES), h[..n].chunks_exact(LANES));
        let tail: f32 = qc
            .remainder()
            .iter()
            .zip(hc.remainder())
            .map(|(x, y)| (x - f(*y)) * (x - f(*y)))
            .sum();
        for (x, y) in qc.zip(hc) {
            for l in 0..LANES {
                let d = x[l] - f(y[l]);
                acc[l] += d * d;
            }
        }
        acc.iter().sum::<f32>() + tail
    }

    /// Dot product of a query with a row of int8 codes (the row's scale not applied).
    #[inline]
    pub fn dot_i8(q: &[f32], c: &[i8]) -> f32 {
        let n = q.len().min(c.len());
        let mut acc = [0.0f32; LANES];
        let (qc, cc) = (q[..n].chunks_exact(LANES), c[..n].chunks_exact(LANES));
        let tail: f32 = qc
            .remainder()
            .iter()
            .zip(cc.remainder())
            .map(|(x, y)| x * f32::from(*y))
            .sum();
        for (x, y) in qc.zip(cc) {
            for l in 0..LANES {
                acc[l] += x[l] * f32::from(y[l]);
            }
        }
        acc.iter().sum::<f32>() + tail
    }

    /// Squared distance from a query to a row of int8 codes times `scale`.
    #[inline]
    pub fn l2_i8(q: &[f32], c: &[i8], scale: f32) -> f32 {
        let n = q.len().min(c.len());
        let mut acc = [0.0f32; LANES];
        let (qc, cc) = (q[..n].chunks_exact(LANES), c[..n].chunks_exact(LANES));
        let tail: f32 = qc
            .remainder()
            .iter()
            .zip(cc.remainder())
            .map(|(x, y)| (x - f32::from(*y) * scale).powi(2))
            .sum();
        for (x, y) in qc.zip(cc) {
            for l in 0..LANES {
                let d = x[l] - f32::from(y[l]) * scale;
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
        let (v, tail) = dot_parts(a, b);
        sum4(v) + tail
    }

    /// [`dot`] before its horizontal sum: the four accumulators added pairwise, and the scalar
    /// tail (the values past the last whole 16).
    #[inline(always)]
    fn dot_parts(a: &[f32], b: &[f32]) -> (v128, f32) {
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
        let tail = tail_dot(&a[whole..n], &b[whole..n]);
        (f32x4_add(f32x4_add(s0, s1), f32x4_add(s2, s3)), tail)
    }

    #[inline(always)]
    fn tail_dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// Four [`sum4`]s at once, each in `sum4`'s order: lane r is
    /// `((v_r[0] + v_r[1]) + v_r[2]) + v_r[3]`.
    #[inline(always)]
    fn sum4x4(v0: v128, v1: v128, v2: v128, v3: v128) -> v128 {
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(v0, v1);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(v0, v1);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(v2, v3);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(v2, v3);
        let lane0 = i32x4_shuffle::<0, 1, 4, 5>(t0, t2);
        let lane1 = i32x4_shuffle::<2, 3, 6, 7>(t0, t2);
        let lane2 = i32x4_shuffle::<0, 1, 4, 5>(t1, t3);
        let lane3 = i32x4_shuffle::<2, 3, 6, 7>(t1, t3);
        f32x4_add(f32x4_add(f32x4_add(lane0, lane1), lane2), lane3)
    }

    /// Rows of up to this many values (a multiple of 16) are scored two at a time, sharing the
    /// query's loads. Measured in Chromium, this pays for 32- and 64-d rows (1M × 64: 9.1 →
    /// 8.1 ms a query with the rest of the quad scan) and loses badly from 128-d on (500k × 128:
    /// 9.1 → 24 ms): two rows read side by side, 512 bytes apart or more, slow the hardware
    /// prefetcher down.
    const PAIRED_MAX_DIMS: usize = 64;

    /// Two consecutive rows (`r` and `r + d`) against `q`, each accumulated exactly as
    /// [`dot_parts`] does (so the sums are bit-identical), with every query load shared.
    ///
    /// # Safety
    /// `q` must hold `d` values and `r` `2 d`; `d` must be a multiple of 16.
    #[inline(always)]
    unsafe fn dot2(q: *const f32, r: *const f32, d: usize) -> (v128, v128) {
        let z = f32x4_splat(0.0);
        let (mut a0, mut a1, mut a2, mut a3) = (z, z, z, z);
        let (mut b0, mut b1, mut b2, mut b3) = (z, z, z, z);
        let mut j = 0;
        while j < d {
            // SAFETY: j + 16 <= d, so every load is inside q's d values and r's 2 d.
            unsafe {
                let (qp, rp, sp) = (q.add(j), r.add(j), r.add(d + j));
                let l = |p: *const f32, o: usize| v128_load(p.add(o).cast::<v128>());
                let q0 = l(qp, 0);
                a0 = f32x4_add(a0, f32x4_mul(q0, l(rp, 0)));
                b0 = f32x4_add(b0, f32x4_mul(q0, l(sp, 0)));
                let q1 = l(qp, 4);
                a1 = f32x4_add(a1, f32x4_mul(q1, l(rp, 4)));
                b1 = f32x4_add(b1, f32x4_mul(q1, l(sp, 4)));
                let q2 = l(qp, 8);
                a2 = f32x4_add(a2, f32x4_mul(q2, l(rp, 8)));
                b2 = f32x4_add(b2, f32x4_mul(q2, l(sp, 8)));
                let q3 = l(qp, 12);
                a3 = f32x4_add(a3, f32x4_mul(q3, l(rp, 12)));
                b3 = f32x4_add(b3, f32x4_mul(q3, l(sp, 12)));
            }
            j += 16;
        }
        (
            f32x4_add(f32x4_add(a0, a1), f32x4_add(a2, a3)),
            f32x4_add(f32x4_add(b0, b1), f32x4_add(b2, b3)),
        )
    }

    /// The dot products of `q` with the four rows of `rows` (`4 × q.len()` values), each
    /// bit-identical to [`dot`]'s: the same accumulators, then four horizontal sums in one.
    #[inline]
    pub fn dot4(q: &[f32], rows: &[f32]) -> [f32; 4] {
        let d = q.len();
        let row = |r: usize| rows.get(r * d..(r + 1) * d).unwrap_or(&[]);
        let ((v0, t0), (v1, t1)) = (dot_parts(q, row(0)), dot_parts(q, row(1)));
        let ((v2, t2), (v3, t3)) = (dot_parts(q, row(2)), dot_parts(q, row(3)));
        lanes(f32x4_add(sum4x4(v0, v1, v2, v3), f32x4(t0, t1, t2, t3)))
    }

    /// Whether [`dot4_paired`] applies to rows of `d` values.
    #[inline]
    pub fn dot4_paired_fits(d: usize) -> bool {
        d.is_multiple_of(16) && d <= PAIRED_MAX_DIMS
    }

    /// [`dot4`] for rows that [`dot4_paired_fits`], two rows at a time with the query's loads
    /// shared; the same values bit for bit ([`dot4`] itself for any other shape).
    #[inline]
    pub fn dot4_paired(q: &[f32], rows: &[f32]) -> [f32; 4] {
        let d = q.len();
        if !dot4_paired_fits(d) || rows.len() < 4 * d {
            return dot4_elsewhere(q, rows);
        }
        // SAFETY: `rows` holds four rows of `d` values, `q` holds `d`, and d % 16 == 0.
        let (v0, v1, v2, v3) = unsafe {
            let (v0, v1) = dot2(q.as_ptr(), rows.as_ptr(), d);
            let (v2, v3) = dot2(q.as_ptr(), rows.as_ptr().add(2 * d), d);
            (v0, v1, v2, v3)
        };
        // Whole 16s only: each row's tail is the empty sum, as in `dot`.
        lanes(f32x4_add(
            sum4x4(v0, v1, v2, v3),
            f32x4_splat(tail_dot(&[], &[])),
        ))
    }

    /// [`dot4`] out of line, so that the paired scan's loop stays small.
    #[cold]
    #[inline(never)]
    fn dot4_elsewhere(q: &[f32], rows: &[f32]) -> [f32; 4] {
        dot4(q, rows)
    }

    #[inline(always)]
    fn lanes(v: v128) -> [f32; 4] {
        [
            f32x4_extract_lane::<0>(v),
            f32x4_extract_lane::<1>(v),
            f32x4_extract_lane::<2>(v),
            f32x4_extract_lane::<3>(v),
        ]
    }

    /// Page size for [`super::scan_quads`]'s two streams: 4 KiB for paired rows, 2 KiB for
    /// the others (the best of 1, 2, 4 and 8 KiB for 64- and 128-d rows in Chromium).
    #[inline]
    pub fn quad_page_bytes(d: usize) -> usize {
        if dot4_paired_fits(d) {
            4096
        } else {
            2048
        }
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

    /// Eight halves as f32 bits scaled by 2⁻¹¹² (see `portable::half_bits_shifted`), without
    /// widening: each 32-bit lane holds two halves; the low one is shifted to the top and both
    /// are moved into place by an arithmetic shift (which copies the sign into bits 28–30, then
    /// masked off). The results come de-interleaved: (h0, h2, h4, h6) and (h1, h3, h5, h7).
    #[inline(always)]
    fn halves_shifted(v: v128, mask: v128) -> (v128, v128) {
        (
            v128_and(i32x4_shr(i32x4_shl(v, 16), 3), mask),
            v128_and(i32x4_shr(v, 3), mask),
        )
    }

    /// Halves sign-extended into f32 bits scaled by 2⁻¹¹², in order (for L2).
    #[inline(always)]
    fn halves_shifted_in_order(v: v128) -> (v128, v128) {
        let mask = u32x4_splat(0x8fff_e000);
        (
            v128_and(i32x4_shl(i32x4_extend_low_i16x8(v), 13), mask),
            v128_and(i32x4_shl(i32x4_extend_high_i16x8(v), 13), mask),
        )
    }

    /// The query as [`dot_f16_prescaled`] wants it: times 2¹¹², and each whole block of eight
    /// values de-interleaved into evens then odds (as `halves_shifted` gives the row); the tail
    /// past the last whole 16 stays in order.
    pub fn prepare_f16_query(q: &[f32]) -> Vec<f32> {
        let whole = q.len() / 16 * 16;
        let mut out = Vec::with_capacity(q.len());
        for block in q[..whole].chunks_exact(8) {
            out.extend(block.iter().step_by(2).map(|v| v * super::HALF_REBIAS));
            out.extend(
                block
                    .iter()
                    .skip(1)
                    .step_by(2)
                    .map(|v| v * super::HALF_REBIAS),
            );
        }
        out.extend(q[whole..].iter().map(|v| v * super::HALF_REBIAS));
        out
    }

    /// Dot product of a query prepared by [`prepare_f16_query`] with a row of halves.
    #[inline]
    pub fn dot_f16_prescaled(q: &[f32], h: &[u16]) -> f32 {
        let n = q.len().min(h.len());
        let whole = n / 16 * 16;
        let (mut s0, mut s1, mut s2, mut s3) = (
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
            f32x4_splat(0.0),
        );
        let (pq, ph) = (q.as_ptr(), h.as_ptr());
        let mask = u32x4_splat(0x8fff_e000);
        let mut i = 0;
        while i < whole {
            // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
            unsafe {
                let lq = |o: usize| v128_load(pq.add(i + o).cast::<v128>());
                let (h0, h1) = halves_shifted(v128_load(ph.add(i).cast::<v128>()), mask);
                let (h2, h3) = halves_shifted(v128_load(ph.add(i + 8).cast::<v128>()), mask);
                s0 = f32x4_add(s0, f32x4_mul(lq(0), h0));
                s1 = f32x4_add(s1, f32x4_mul(lq(4), h1));
                s2 = f32x4_add(s2, f32x4_mul(lq(8), h2));
                s3 = f32x4_add(s3, f32x4_mul(lq(12), h3));
            }
            i += 16;
        }
        let tail: f32 = q[whole..n]
            .iter()
            .zip(&h[whole..n])
            .map(|(x, y)| x * super::portable::half_bits_shifted(*y))
            .sum();
        sum4(f32x4_add(f32x4_add(s0, s1), f32x4_add(s2, s3))) + tail
    }

    /// Squared distance from a query to a row of halves.
    #[inline]
    pub fn l2_f16(q: &[f32], h: &[u16]) -> f32 {
        let n = q.len().min(h.len());
        let whole = n / 16 * 16;
        let mut s = [f32x4_splat(0.0); 4];
        let rebias = f32x4_splat(super::HALF_REBIAS);
        let (pq, ph) = (q.as_ptr(), h.as_ptr());
        let mut i = 0;
        while i < whole {
            // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
            unsafe {
                let lq = |o: usize| v128_load(pq.add(i + o).cast::<v128>());
                let (h0, h1) = halves_shifted_in_order(v128_load(ph.add(i).cast::<v128>()));
                let (h2, h3) = halves_shifted_in_order(v128_load(ph.add(i + 8).cast::<v128>()));
                for (j, hv) in [h0, h1, h2, h3].into_iter().enumerate() {
                    let d = f32x4_sub(lq(4 * j), f32x4_mul(hv, rebias));
                    s[j] = f32x4_add(s[j], f32x4_mul(d, d));
                }
            }
            i += 16;
        }
        let tail: f32 = q[whole..n]
            .iter()
            .zip(&h[whole..n])
            .map(|(x, y)| {
                let d = x - super::portable::half_bits_shifted(*y) * super::HALF_REBIAS;
                d * d
            })
            .sum();
        sum4(f32x4_add(f32x4_add(s[0], s[1]), f32x4_add(s[2], s[3]))) + tail
    }

    /// Sixteen int8 codes as four f32x4.
    #[inline(always)]
    fn codes_f32(v: v128) -> [v128; 4] {
        let (lo, hi) = (i16x8_extend_low_i8x16(v), i16x8_extend_high_i8x16(v));
        [
            f32x4_convert_i32x4(i32x4_extend_low_i16x8(lo)),
            f32x4_convert_i32x4(i32x4_extend_high_i16x8(lo)),
            f32x4_convert_i32x4(i32x4_extend_low_i16x8(hi)),
            f32x4_convert_i32x4(i32x4_extend_high_i16x8(hi)),
        ]
    }

    /// Dot product of a query with a row of int8 codes (the row's scale not applied).
    #[inline]
    pub fn dot_i8(q: &[f32], c: &[i8]) -> f32 {
        let n = q.len().min(c.len());
        let whole = n / 16 * 16;
        let mut s = [f32x4_splat(0.0); 4];
        let (pq, pc) = (q.as_ptr(), c.as_ptr());
        let mut i = 0;
        while i < whole {
            // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
            unsafe {
                let cs = codes_f32(v128_load(pc.add(i).cast::<v128>()));
                for (j, cv) in cs.into_iter().enumerate() {
                    let qv = v128_load(pq.add(i + 4 * j).cast::<v128>());
                    s[j] = f32x4_add(s[j], f32x4_mul(qv, cv));
                }
            }
            i += 16;
        }
        let tail: f32 = q[whole..n]
            .iter()
            .zip(&c[whole..n])
            .map(|(x, y)| x * f32::from(*y))
            .sum();
        sum4(f32x4_add(f32x4_add(s[0], s[1]), f32x4_add(s[2], s[3]))) + tail
    }

    /// Squared distance from a query to a row of int8 codes times `scale`.
    #[inline]
    pub fn l2_i8(q: &[f32], c: &[i8], scale: f32) -> f32 {
        let n = q.len().min(c.len());
        let whole = n / 16 * 16;
        let mut s = [f32x4_splat(0.0); 4];
        let sv = f32x4_splat(scale);
        let (pq, pc) = (q.as_ptr(), c.as_ptr());
        let mut i = 0;
        while i < whole {
            // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
            unsafe {
                let cs = codes_f32(v128_load(pc.add(i).cast::<v128>()));
                for (j, cv) in cs.into_iter().enumerate() {
                    let qv = v128_load(pq.add(i + 4 * j).cast::<v128>());
                    let d = f32x4_sub(qv, f32x4_mul(cv, sv));
                    s[j] = f32x4_add(s[j], f32x4_mul(d, d));
                }
            }
            i += 16;
        }
        let tail: f32 = q[whole..n]
            .iter()
            .zip(&c[whole..n])
            .map(|(x, y)| (x - f32::from(*y) * scale).powi(2))
            .sum();
        sum4(f32x4_add(f32x4_add(s[0], s[1]), f32x4_add(s[2], s[3]))) + tail
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

    /// The built-in demo vectors (15,000 × 384, f16 in the file).
    fn demo_vectors() -> Array2<f32> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
        crate::npy::read_npy("vectors.f16.npy", &bytes).unwrap()
    }

    /// numpy's answers on the demo vectors (tests/fixtures/knn_expected.json).
    fn knn_fixture<T: serde::de::DeserializeOwned>() -> T {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let path = format!("{root}/tests/fixtures/knn_expected.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// numpy brute force on the committed demo vectors (tests/reference/make_knn_fixture.py).
    #[test]
    fn matches_numpy_brute_force_on_real_data() {
        let data = demo_vectors();
        let reference: Reference = knn_fixture();
        for (metric, queries) in [
            (Metric::Cosine, &reference.cosine),
            (Metric::Dot, &reference.dot),
            (Metric::L2, &reference.l2),
        ] {
            for index in [
                FlatIndex::new(&data, metric),
                FlatIndex::bounded(&data, metric),
            ] {
                let b = index.is_bounded();
                for q in queries {
                    let got = index.search_row(q.query, reference.k).unwrap();
                    assert_eq!(got.ids, q.ids, "{metric:?} bounded {b} query {}", q.query);
                    for (g, e) in got.scores.iter().zip(&q.scores) {
                        assert!((f64::from(*g) - e).abs() < 1e-5, "{metric:?}: {g} vs {e}");
                    }
                }
            }
        }
    }

    /// The demo vectors are f16 in the file: kept as f16 they are the same values, so the scan
    /// over halves must give numpy's answers (computed in f32 from the same file).
    #[test]
    fn f16_storage_matches_numpy_on_half_data() {
        let data = demo_vectors();
        let half = Vectors::from_f32("demo", data.clone(), crate::store::Storage::F16).unwrap();
        assert_eq!(half.to_f32().into_owned(), data, "lossless for half data");
        let reference: Reference = knn_fixture();
        for (metric, queries) in [
            (Metric::Cosine, &reference.cosine),
            (Metric::Dot, &reference.dot),
            (Metric::L2, &reference.l2),
        ] {
            let index = FlatIndex::new(&half, metric);
            let rows: Vec<usize> = queries.iter().map(|q| q.query).collect();
            let exclude: Vec<Option<u32>> = rows.iter().map(|r| Some(*r as u32)).collect();
            let batch = index
                .search_batch(
                    data.select(ndarray::Axis(0), &rows).view(),
                    reference.k,
                    &exclude,
                )
                .unwrap();
            for (q, b) in queries.iter().zip(&batch) {
                let got = index.search_row(q.query, reference.k).unwrap();
                assert_eq!(got.ids, q.ids, "{metric:?} query {}", q.query);
                for (g, e) in got.scores.iter().zip(&q.scores) {
                    assert!((f64::from(*g) - e).abs() < 1e-5, "{metric:?}: {g} vs {e}");
                }
                assert_eq!(*b, got, "batch = single, {metric:?}");
            }
        }
    }

    /// A query too large to pre-scale (|v| ≥ 2¹⁵) takes the converting path and still agrees
    /// with the f32 scan over the same values.
    #[test]
    fn f16_storage_with_huge_queries_and_odd_lengths() {
        for d in [1usize, 7, 16, 17, 33, 384] {
            let m = Array2::from_shape_fn((50, d), |(i, j)| ((i * 31 + j * 7) as f32).sin() * 4.0);
            let half = Vectors::from_f32("m", m, crate::store::Storage::F16).unwrap();
            let f32s = half.to_f32().into_owned();
            for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
                let (h, f) = (FlatIndex::new(&half, metric), FlatIndex::new(&f32s, metric));
                for scale in [1.0f32, 40_000.0] {
                    let q: Vec<f32> = (0..d).map(|j| (j as f32 * 0.3).cos() * scale).collect();
                    let (a, b) = (
                        h.search(&q, 5, None).unwrap(),
                        f.search(&q, 5, None).unwrap(),
                    );
                    assert_eq!(a.ids, b.ids, "d={d} {metric:?} scale={scale}");
                    for (x, y) in a.scores.iter().zip(&b.scores) {
                        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{x} vs {y}");
                    }
                }
            }
        }
    }

    /// int8 storage: the scan over codes gives the f32 scan's answers over the dequantised
    /// values (code × scale), and keeps nearly all of the exact neighbours of the original.
    #[test]
    fn int8_storage_searches_its_dequantised_values() {
        let data = demo_vectors();
        let q8 = Vectors::from_f32("demo", data.clone(), crate::store::Storage::Int8).unwrap();
        assert_eq!(q8.bytes(), data.nrows() as u64 * (384 + 4));
        let deq = q8.to_f32().into_owned();
        let rows: Vec<usize> = (0..60).map(|i| i * 251).collect();
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let (a, b, exact) = (
                FlatIndex::new(&q8, metric),
                FlatIndex::new(&deq, metric),
                FlatIndex::new(&data, metric),
            );
            let mut found = Vec::new();
            let mut want = Vec::new();
            for r in &rows {
                let q = data.row(*r).to_vec();
                let (x, y) = (
                    a.search(&q, 10, None).unwrap(),
                    b.search(&q, 10, None).unwrap(),
                );
                assert_eq!(x.ids, y.ids, "{metric:?} row {r}");
                for (s, t) in x.scores.iter().zip(&y.scores) {
                    assert!((s - t).abs() <= 1e-5 * t.abs().max(1.0), "{s} vs {t}");
                }
                want.push(exact.search(&q, 10, None).unwrap());
                found.push(x);
            }
            let recall = crate::quant::recall_at_k(&want, &found);
            assert!(recall >= 0.95, "{metric:?} recall {recall}");
        }
    }

    #[test]
    fn storage_kernels_handle_every_length() {
        for n in 0..40 {
            let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
            let h: Vec<u16> = (0..n)
                .map(|i| half::f16::from_f32(1.0 - i as f32 * 0.25 + 1e-7 * i as f32).to_bits())
                .collect();
            let hv: Vec<f64> = h.iter().map(|b| f64::from(half_to_f32(*b))).collect();
            let c: Vec<i8> = (0..n).map(|i| (i * 13 % 255 - 127) as i8).collect();
            let dot = |v: &[f64]| -> f64 { a.iter().zip(v).map(|(x, y)| f64::from(*x) * y).sum() };
            let l2 = |v: &[f64]| -> f64 {
                a.iter()
                    .zip(v)
                    .map(|(x, y)| (f64::from(*x) - y).powi(2))
                    .sum()
            };
            let scaled = kernels::prepare_f16_query(&a);
            assert!((f64::from(kernels::dot_f16_prescaled(&scaled, &h)) - dot(&hv)).abs() < 1e-3);
            assert!((f64::from(kernels::l2_f16(&a, &h)) - l2(&hv)).abs() < 1e-3);
            let cv: Vec<f64> = c.iter().map(|v| f64::from(*v) * 0.01).collect();
            let ci: Vec<f64> = c.iter().map(|v| f64::from(*v)).collect();
            assert!((f64::from(kernels::dot_i8(&a, &c)) - dot(&ci)).abs() < 1e-2);
            assert!((f64::from(kernels::l2_i8(&a, &c, 0.01)) - l2(&cv)).abs() < 1e-3);
        }
        // Subnormal halves and negative zero convert exactly.
        for bits in [0x0001u16, 0x03ff, 0x8001, 0x8000, 0x0400, 0x7bff, 0xfbff] {
            let v = half_to_f32(bits);
            assert_eq!(
                portable::half_bits_shifted(bits) * HALF_REBIAS,
                v,
                "{bits:#x}"
            );
        }
    }

    #[test]
    fn this_builds_kernels_agree_with_the_reference() {
        assert!(kernels_agree(1));
        assert!(kernels_agree(2));
    }

    #[test]
    fn two_streams_visit_every_row_once_with_its_id() {
        for d in [1usize, 3, 256, 300, 384, 1100] {
            for n in [0usize, 1, 2, 3, 7, 8, 9, 31, 64, 65, 1000] {
                let data: Vec<u32> = (0..n * d).map(|v| v as u32).collect();
                let mut seen = vec![0u32; n];
                two_streams(&data, d, |i, row| {
                    assert_eq!(row.len(), d);
                    assert_eq!(row[0] as usize, i * d, "d={d} n={n}");
                    seen[i] += 1;
                });
                assert!(seen.iter().all(|c| *c == 1), "d={d} n={n}: {seen:?}");
            }
        }
        // Long rows go through two streams: the scan's answer is the same as key() by key().
        let m = Array2::from_shape_fn((1001, 300), |(i, j)| ((i * 300 + j) as f32 * 0.01).sin());
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let index = FlatIndex::new(&m, metric);
            let q = m.row(500).to_vec();
            let p = index.prepare(&q);
            let mut top = TopK::new(7);
            for i in 0..1001 {
                top.push(index.key(&p, i), i as u32);
            }
            assert_eq!(
                index.search(&q, 7, None).unwrap(),
                index.finish(top),
                "{metric:?}"
            );
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
        let data = demo_vectors();
        let rows = [0usize, 7, 1234, 14_999, 7];
        // The first 64 columns too: rows short enough for the quad scan.
        let short = data.slice(ndarray::s![.., ..64]).to_owned();
        for (data, metric) in [
            (&data, Metric::Cosine),
            (&data, Metric::Dot),
            (&data, Metric::L2),
            (&short, Metric::Cosine),
            (&short, Metric::Dot),
        ] {
            let queries = data.select(ndarray::Axis(0), &rows);
            let index = FlatIndex::new(data, metric);
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

    /// numpy on the demo vectors' first 16, 50, 64 and 128 columns: rows short enough for the
    /// quad scan (and its paired kernel on wasm at 16 and 64).
    #[test]
    fn short_rows_match_numpy() {
        #[derive(Deserialize)]
        struct Short {
            dims: usize,
            metric: String,
            query: usize,
            ids: Vec<u32>,
            scores: Vec<f64>,
        }
        #[derive(Deserialize)]
        struct Fixture {
            k: usize,
            short: Vec<Short>,
        }
        let data = demo_vectors();
        let fixture: Fixture = knn_fixture();
        assert_eq!(fixture.short.len(), 40);
        for case in &fixture.short {
            let cols = data.slice(ndarray::s![.., ..case.dims]).to_owned();
            assert!(quads_pay(case.dims));
            let metric = Metric::from_name(&case.metric).unwrap();
            let bounded = FlatIndex::bounded(&cols, metric);
            assert!(bounded.is_bounded());
            for index in [FlatIndex::new(&cols, metric), bounded] {
                let got = index.search_row(case.query, fixture.k).unwrap();
                let b = index.is_bounded();
                let what = format!(
                    "{} dims {} query {} bounded {b}",
                    case.metric, case.dims, case.query
                );
                assert_eq!(got.ids, case.ids, "{what}");
                for (g, e) in got.scores.iter().zip(&case.scores) {
                    assert!(
                        (f64::from(*g) - e).abs() < 1e-5 * e.abs().max(1.0),
                        "{what}: {g} vs {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn bounded_scan_equals_the_plain_scan() {
        for seed in [1, 2, 3] {
            assert!(bounded_scan_agrees(seed), "seed {seed}");
        }
    }

    #[test]
    fn every_bound_holds() {
        for seed in [1, 2, 3, 4] {
            assert!(bounds_hold(seed), "seed {seed}");
        }
    }

    /// The bounds must also be tight enough to pay: on the demo vectors (MiniLM sentences) a
    /// top-10 query scores under 2 % of the rows exactly.
    #[test]
    fn bounds_skip_almost_every_row_of_real_data() {
        let data = demo_vectors();
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let aids = SearchAids::build(&data, metric, true);
            let index = FlatIndex::with_aids(&data, &aids).unwrap();
            let bounds = aids.bounds.as_ref().unwrap();
            for row in [0, 17, 400] {
                let query = data.row(row).to_vec();
                let bq = bounds
                    .prepare(&query, kernels::dot(&query, &query).sqrt())
                    .unwrap();
                // The bounded scan itself, counting the rows it scores exactly.
                let q = index.prepare(&query);
                let scored = std::cell::Cell::new(0);
                let mut top = TopK::new(10);
                bounds.scan(&bq, &mut top, None, |i| {
                    scored.set(scored.get() + 1);
                    index.key(&q, i)
                });
                let got: Vec<u32> = top.into_sorted().iter().map(|(_, id)| *id).collect();
                let plain = FlatIndex::new(&data, metric)
                    .search(&query, 10, None)
                    .unwrap();
                assert_eq!(got, plain.ids, "{metric:?} row {row}");
                let scored = scored.get();
                assert!(scored >= 10, "{metric:?} row {row}: {scored}");
                assert!(
                    scored * 50 < data.nrows(),
                    "{metric:?} row {row}: {scored} of {}",
                    data.nrows()
                );
            }
        }
    }

    #[test]
    fn bounds_are_built_only_where_they_apply() {
        let data = Array2::<f32>::from_shape_fn((10, 8), |(i, j)| (i * 8 + j) as f32);
        assert!(FlatIndex::bounded(&data, Metric::Cosine).is_bounded());
        let half = Vectors::from_f32("t", data.clone(), crate::store::Storage::F16).unwrap();
        assert!(!FlatIndex::bounded(&half, Metric::Cosine).is_bounded());
        let long = Array2::<f32>::ones((2, crate::bounds::MAX_BOUNDED_DIMS + 1));
        assert!(!FlatIndex::bounded(&long, Metric::Dot).is_bounded());
        let empty = Array2::<f32>::zeros((0, 8));
        let index = FlatIndex::bounded(&empty, Metric::L2);
        assert!(index.search(&[0.0; 8], 3, None).unwrap().ids.is_empty());
        // Aids are for one shape: another matrix is refused with both shapes named.
        let aids = SearchAids::build(&data, Metric::Dot, true);
        assert!(aids.bounded());
        let other = Array2::<f32>::ones((11, 8));
        let err = FlatIndex::with_aids(&other, &aids).unwrap_err();
        assert!(err.to_string().contains("10 × 8"), "{err}");
        let index = FlatIndex::with_aids(&data, &aids).unwrap();
        assert_eq!(
            index.search(&[1.0; 8], 3, None).unwrap(),
            FlatIndex::new(&data, Metric::Dot)
                .search(&[1.0; 8], 3, None)
                .unwrap()
        );
    }

    #[test]
    fn quad_scan_keeps_every_row_key() {
        for seed in [1, 2, 3] {
            assert!(quad_scan_agrees(seed), "seed {seed}");
        }
    }

    #[test]
    fn dot4_is_four_dots() {
        for d in [0, 1, 15, 16, 17, 48, 64, 65, 128] {
            let q: Vec<f32> = (0..d).map(|j| data_value(99, j, 5)).collect();
            let rows: Vec<f32> = (0..4 * d).map(|j| data_value(j / d.max(1), j, 6)).collect();
            let four = kernels::dot4(&q, &rows);
            for r in 0..4 {
                let want = kernels::dot(&q, &rows[r * d..(r + 1) * d]);
                assert_eq!(four[r].to_bits(), want.to_bits(), "d {d} row {r}");
            }
        }
    }

    #[test]
    fn quads_visit_every_row_once() {
        for (n, d, page) in [
            (0, 4, 4096),
            (3, 64, 4096),
            (4, 64, 4096),
            (1001, 64, 4096),
            (999, 17, 2048),
            (64, 200, 2048),
        ] {
            let mut seen = vec![0u32; n];
            for range in quad_ranges(n, d, page) {
                assert_eq!(range.len() % 4, 0);
                range.for_each(|i| seen[i] += 1);
            }
            seen[n / 4 * 4..].iter_mut().for_each(|c| *c += 1);
            assert!(seen.iter().all(|c| *c == 1), "n {n} d {d}");
        }
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
