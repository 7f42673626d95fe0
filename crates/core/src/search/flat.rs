//! Exact k-nearest-neighbour search by brute force over all rows, for cosine similarity, dot
//! product and squared L2 distance.
//!
//! The inner products are the hot loop. On `wasm32` + `simd128` they are hand-vectorised with four
//! `f32x4` accumulators (LLVM does not reorder a float reduction, so `+simd128` alone leaves it
//! scalar); natively a portable loop with eight independent lanes lets the compiler use SSE/AVX.
//! Ties are broken deterministically: the lower row id wins.

use super::bounds::RowBounds;
use super::types::{KnnError, Metric, Neighbors, Rows, TopK};
use crate::data::store::half_to_f32;
use crate::kernels::active as kernels;
use ndarray::{Array2, ArrayView1};
use std::borrow::Cow;

/// A query made ready for one index: its norm (cosine) and, for f16 rows, a copy scaled by
/// 2¹¹² so that the kernel can use a half's bits shifted into an f32 without the multiply that
/// would rebias the exponent (each product is the same real number, so the same f32).
#[derive(Debug, Clone)]
pub struct Query<'q> {
    values: &'q [f32],
    norm: f32,
    scaled: Option<Vec<f32>>,
}

/// Brute-force index over the rows of a matrix in any [`Storage`](crate::data::store::Storage)
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
    /// [`crate::search::bounds::MAX_BOUNDED_DIMS`] values, the int8 bounds of `data`.
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

    /// The int8 bounds, when searches skip rows by them.
    pub fn row_bounds(&self) -> Option<&RowBounds> {
        self.bounds.as_ref()
    }
}

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

    /// [`FlatIndex::new`] with int8 bounds ([`crate::search::bounds`]) for f32 rows: single queries
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

    /// The `k` nearest rows to `query` among the rows where `keep(row)` is true (a filter):
    /// every kept row is scored exactly as [`FlatIndex::search`] scores it.
    pub fn search_within(
        &self,
        query: &[f32],
        k: usize,
        keep: &dyn Fn(usize) -> bool,
    ) -> Result<Neighbors, KnnError> {
        self.check_query(query)?;
        self.check_layout()?;
        let q = self.prepare(query);
        let mut top = TopK::new(k);
        for i in (0..self.rows()).filter(|&i| keep(i)) {
            top.push(self.key(&q, i), i as u32);
        }
        Ok(self.finish(top))
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
            if keys.iter().all(|k| *k < top.threshold()) {
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

#[cfg(test)]
#[path = "flat_tests.rs"]
mod tests;
