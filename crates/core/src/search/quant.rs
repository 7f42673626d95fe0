//! Quantised search: a compact scan picks a candidate pool, then the exact f32 metric re-ranks it.
//!
//! - **int8**: each value becomes a signed byte, with one scale per vector or one per dimension.
//!   The scan reads a quarter of the bytes of the f32 data and multiplies bytes into 32-bit sums
//!   (simd128: `i32x4.dot_i16x8` on sign-extended halves; natively a loop LLVM turns into
//!   `pmaddwd`).
//! - **binary**: the sign bit of each value, 64 per word; the scan ranks by Hamming distance
//!   (`popcount` of XOR), 1/32 of the f32 bytes.
//!
//! For cosine the rows are normalised before quantising; for L2 the scan ranks by
//! `2·x·q − ‖x‖²` with exact norms. Re-ranking uses [`FlatIndex`], so the returned scores are
//! exact and ties go to the lower id, as in exact search. [`recall_at_k`] measures the result.

use super::codes::{inv, quantize};
use super::flat::FlatIndex;
use super::types::{KnnError, Metric, Neighbors, Rows, TopK};
use crate::kernels::active as kernels;

/// Int8 scale granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Int8Scale {
    /// One scale per vector: `max |x_i| / 127`.
    PerVector,
    /// One scale per dimension: `max over rows of |x_j| / 127`.
    PerDimension,
}

/// How the candidate scan works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantizer {
    Int8(Int8Scale),
    Binary,
}

impl Quantizer {
    /// The default candidate pool for `k` results: enough for recall@10 = 1 on int8 in our
    /// measurements (see BENCHMARKS.md), larger for binary, which is coarser.
    pub fn default_pool(self, k: usize) -> usize {
        match self {
            Self::Int8(_) => (k * 10).max(100),
            Self::Binary => (k * 50).max(500),
        }
    }
}

/// The codes of a [`QuantizedIndex`], borrowed.
#[derive(Debug, Clone, Copy)]
pub enum CodesView<'a> {
    Int8 {
        stride: usize,
        codes: &'a [i8],
        /// One per row (`per_vector`) or one per dimension.
        scales: &'a [f32],
        per_vector: bool,
    },
    Binary {
        words: usize,
        bits: &'a [u64],
    },
}

/// A query in the codes' terms ([`QuantizedIndex::quantize_query`]).
#[derive(Debug, Clone, PartialEq)]
pub enum QueryCodes {
    /// `stride` codes and the query's scale.
    Int8 {
        codes: Vec<i8>,
        scale: f32,
    },
    Binary {
        bits: Vec<u64>,
    },
}

/// Int8 codes, rows padded to a multiple of 16 bytes.
#[derive(Debug, Clone)]
struct Int8Codes {
    stride: usize,
    codes: Vec<i8>,
    /// Per-row scale (PerVector) or per-dimension scale (PerDimension).
    scales: Vec<f32>,
    scale: Int8Scale,
}

/// Sign bits, `words` u64 per row.
#[derive(Debug, Clone)]
struct BinaryCodes {
    words: usize,
    bits: Vec<u64>,
}

#[derive(Debug, Clone)]
enum Codes {
    Int8(Int8Codes),
    Binary(BinaryCodes),
}

/// A quantised index over borrowed f32 data (kept for the exact re-rank).
#[derive(Debug, Clone)]
pub struct QuantizedIndex<'a> {
    exact: FlatIndex<'a>,
    codes: Codes,
    /// Squared norms, for the L2 scan.
    norms_sq: Vec<f32>,
    metric: Metric,
}

impl<'a> QuantizedIndex<'a> {
    /// Quantise `data` for `metric`.
    pub fn build(data: impl Into<Rows<'a>>, metric: Metric, quantizer: Quantizer) -> Self {
        let exact = FlatIndex::new(data, metric);
        let (n, d) = (exact.rows(), exact.dims());
        let unit = |i: usize| -> Vec<f32> {
            exact.with_row(i, |row| {
                if metric == Metric::Cosine {
                    let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
                    let s = inv(norm);
                    row.iter().map(|v| v * s).collect()
                } else {
                    row.to_vec()
                }
            })
        };
        let codes = match quantizer {
            Quantizer::Int8(scale) => {
                let stride = d.div_ceil(16) * 16;
                let mut codes = vec![0i8; n * stride];
                let scales = match scale {
                    Int8Scale::PerVector => {
                        let mut scales = Vec::with_capacity(n);
                        for i in 0..n {
                            let row = unit(i);
                            let s = row.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
                            quantize(row.into_iter(), |_| inv(s), &mut codes[i * stride..]);
                            scales.push(s);
                        }
                        scales
                    }
                    Int8Scale::PerDimension => {
                        let rows: Vec<Vec<f32>> = (0..n).map(unit).collect();
                        let mut scales = vec![0f32; d];
                        for row in &rows {
                            for (s, v) in scales.iter_mut().zip(row) {
                                *s = s.max(v.abs());
                            }
                        }
                        scales.iter_mut().for_each(|s| *s /= 127.0);
                        let inv_scales: Vec<f32> = scales.iter().map(|s| inv(*s)).collect();
                        for (i, row) in rows.into_iter().enumerate() {
                            quantize(row.into_iter(), |j| inv_scales[j], &mut codes[i * stride..]);
                        }
                        scales
                    }
                };
                Codes::Int8(Int8Codes {
                    stride,
                    codes,
                    scales,
                    scale,
                })
            }
            Quantizer::Binary => {
                let words = d.div_ceil(64);
                let mut bits = vec![0u64; n * words];
                for i in 0..n {
                    exact.with_row(i, |row| {
                        for (j, v) in row.iter().enumerate() {
                            if *v > 0.0 {
                                bits[i * words + j / 64] |= 1u64 << (j % 64);
                            }
                        }
                    });
                }
                Codes::Binary(BinaryCodes { words, bits })
            }
        };
        let norms_sq = if metric == Metric::L2 {
            (0..n)
                .map(|i| exact.with_row(i, |r| r.iter().map(|v| v * v).sum()))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            exact,
            codes,
            norms_sq,
            metric,
        }
    }

    /// Bytes used by the codes (not counting the f32 data kept for re-ranking).
    pub fn code_bytes(&self) -> usize {
        match &self.codes {
            Codes::Int8(c) => c.codes.len() + c.scales.len() * 4,
            Codes::Binary(b) => b.bits.len() * 8,
        }
    }

    /// The codes and scales, for a scan elsewhere (the GPU's): int8 rows are `stride` bytes
    /// (a multiple of 16, zero-padded), binary rows `words` u64 words of sign bits.
    pub fn codes(&self) -> CodesView<'_> {
        match &self.codes {
            Codes::Int8(c) => CodesView::Int8 {
                stride: c.stride,
                codes: &c.codes,
                scales: &c.scales,
                per_vector: c.scale == Int8Scale::PerVector,
            },
            Codes::Binary(b) => CodesView::Binary {
                words: b.words,
                bits: &b.bits,
            },
        }
    }

    /// Squared row norms (the L2 scan's `‖x‖²`; empty for the other metrics).
    pub fn norms_sq(&self) -> &[f32] {
        &self.norms_sq
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    pub fn rows(&self) -> usize {
        self.exact.rows()
    }

    /// The query in the codes' terms: int8 codes (per-dimension scales folded in, then one
    /// scale for the query) or sign bits.
    pub fn quantize_query(&self, query: &[f32]) -> Result<QueryCodes, KnnError> {
        let d = self.exact.dims();
        if query.len() != d {
            return Err(KnnError::DimensionMismatch {
                expected: d,
                found: query.len(),
            });
        }
        Ok(match &self.codes {
            Codes::Int8(c) => {
                let q: Vec<f32> = if self.metric == Metric::Cosine {
                    let s = inv(query.iter().map(|v| v * v).sum::<f32>().sqrt());
                    query.iter().map(|v| v * s).collect()
                } else {
                    query.to_vec()
                };
                // Fold per-dimension scales into the query, then quantise it per vector.
                let scaled: Vec<f32> = match c.scale {
                    Int8Scale::PerDimension => {
                        q.iter().zip(&c.scales).map(|(v, s)| v * s).collect()
                    }
                    Int8Scale::PerVector => q,
                };
                let scale = scaled.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
                let mut codes = vec![0i8; c.stride];
                quantize(scaled.into_iter(), |_| inv(scale), &mut codes);
                QueryCodes::Int8 { codes, scale }
            }
            Codes::Binary(b) => {
                let mut bits = vec![0u64; b.words];
                for (j, v) in query.iter().enumerate() {
                    if *v > 0.0 {
                        bits[j / 64] |= 1u64 << (j % 64);
                    }
                }
                QueryCodes::Binary { bits }
            }
        })
    }

    /// The scan's key for row `i` (larger is nearer) from its integer score: the int8 dot of
    /// the codes, or the Hamming distance.
    #[inline]
    pub fn key_of(&self, i: usize, integer: i32, query: &QueryCodes) -> f32 {
        match (&self.codes, query) {
            (Codes::Int8(c), QueryCodes::Int8 { scale, .. }) => {
                let raw = integer as f32 * scale;
                let dot = match c.scale {
                    Int8Scale::PerVector => raw * c.scales[i],
                    Int8Scale::PerDimension => raw,
                };
                match self.metric {
                    Metric::L2 => 2.0 * dot - self.norms_sq[i],
                    _ => dot,
                }
            }
            _ => -(integer as f32),
        }
    }

    /// The `pool` best candidates by the quantised scan (larger key is nearer).
    pub fn candidates(
        &self,
        query: &[f32],
        pool: usize,
        exclude: Option<u32>,
    ) -> Result<Vec<u32>, KnnError> {
        let q = self.quantize_query(query)?;
        let mut top = TopK::new(pool);
        let n = self.exact.rows();
        match (&self.codes, &q) {
            (Codes::Int8(c), QueryCodes::Int8 { codes: qcodes, .. }) => {
                // The query widened to i16 once, not once per row.
                let wide: Vec<i16> = qcodes.iter().map(|v| i16::from(*v)).collect();
                for i in 0..n {
                    if exclude == Some(i as u32) {
                        continue;
                    }
                    let row = &c.codes[i * c.stride..(i + 1) * c.stride];
                    top.push(self.key_of(i, kernels::dot_wide(&wide, row), &q), i as u32);
                }
            }
            (Codes::Binary(b), QueryCodes::Binary { bits: qbits }) => {
                for i in 0..n {
                    if exclude == Some(i as u32) {
                        continue;
                    }
                    let row = &b.bits[i * b.words..(i + 1) * b.words];
                    let hamming: u32 = row
                        .iter()
                        .zip(qbits)
                        .map(|(a, b)| (a ^ b).count_ones())
                        .sum();
                    top.push(self.key_of(i, hamming as i32, &q), i as u32);
                }
            }
            _ => {}
        }
        Ok(top.into_sorted().into_iter().map(|(_, id)| id).collect())
    }

    /// The `pool` best rows by precomputed scan keys (one per row, larger is nearer; e.g. from
    /// the GPU), lower id on ties.
    pub fn best_of(keys: &[f32], pool: usize, exclude: Option<u32>) -> Vec<u32> {
        let mut top = TopK::new(pool);
        for (i, key) in keys.iter().enumerate() {
            if exclude != Some(i as u32) {
                top.push(*key, i as u32);
            }
        }
        top.into_sorted().into_iter().map(|(_, id)| id).collect()
    }

    /// The `k` nearest of `candidates` by the exact metric, with exact scores.
    pub fn rerank(&self, query: &[f32], candidates: &[u32], k: usize) -> Neighbors {
        let q = self.exact.prepare(query);
        let mut top = TopK::new(k);
        for &id in candidates {
            top.push(self.exact.key(&q, id as usize), id);
        }
        self.exact.finish(top)
    }

    /// The `k` nearest rows: a quantised scan keeps `pool` candidates, the exact metric
    /// re-ranks them. Scores are exact.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        pool: usize,
        exclude: Option<u32>,
    ) -> Result<Neighbors, KnnError> {
        let candidates = self.candidates(query, pool.max(k), exclude)?;
        Ok(self.rerank(query, &candidates, k))
    }
}

/// Mean fraction of the exact top-k ids found by the approximate search.
pub fn recall_at_k(exact: &[Neighbors], approx: &[Neighbors]) -> f64 {
    let mut total = 0.0;
    for (e, a) in exact.iter().zip(approx) {
        if e.ids.is_empty() {
            total += 1.0;
            continue;
        }
        let found = e.ids.iter().filter(|id| a.ids.contains(id)).count();
        total += found as f64 / e.ids.len() as f64;
    }
    total / exact.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn demo() -> Array2<f32> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
        crate::load::npy::read_npy("vectors.f16.npy", &bytes).unwrap()
    }

    #[test]
    fn int8_with_rerank_finds_the_exact_neighbours_on_real_data() {
        let data = demo();
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let exact = FlatIndex::new(&data, metric);
            for scale in [Int8Scale::PerVector, Int8Scale::PerDimension] {
                let q = Quantizer::Int8(scale);
                let index = QuantizedIndex::build(&data, metric, q);
                let rows: Vec<usize> = (0..60).map(|i| i * 251).collect();
                let want: Vec<Neighbors> = rows
                    .iter()
                    .map(|r| exact.search_row(*r, 10).unwrap())
                    .collect();
                let got: Vec<Neighbors> = rows
                    .iter()
                    .map(|r| {
                        let query = data.row(*r).to_vec();
                        index
                            .search(&query, 10, q.default_pool(10), Some(*r as u32))
                            .unwrap()
                    })
                    .collect();
                let recall = recall_at_k(&want, &got);
                assert_eq!(recall, 1.0, "{metric:?} {scale:?}");
                // Exact re-rank: the scores are the exact ones.
                assert_eq!(got, want, "{metric:?} {scale:?}");
            }
        }
    }

    #[test]
    fn binary_with_rerank_has_high_recall_and_exact_scores() {
        let data = demo();
        let exact = FlatIndex::new(&data, Metric::Cosine);
        let index = QuantizedIndex::build(&data, Metric::Cosine, Quantizer::Binary);
        assert_eq!(index.code_bytes(), data.nrows() * 6 * 8);
        let rows: Vec<usize> = (0..60).map(|i| i * 251).collect();
        let want: Vec<Neighbors> = rows
            .iter()
            .map(|r| exact.search_row(*r, 10).unwrap())
            .collect();
        let got: Vec<Neighbors> = rows
            .iter()
            .map(|r| {
                let query = data.row(*r).to_vec();
                index.search(&query, 10, 500, Some(*r as u32)).unwrap()
            })
            .collect();
        let recall = recall_at_k(&want, &got);
        assert!(recall > 0.9, "recall {recall}");
        // Whatever was found carries its exact score.
        for (g, r) in got.iter().zip(&rows) {
            let q = data.row(*r).to_vec();
            let prepared = exact.prepare(&q);
            for (id, score) in g.ids.iter().zip(&g.scores) {
                assert_eq!(*score, exact.key(&prepared, *id as usize));
            }
        }
        // A pool of k gives the scan's own order: recall drops, which shows re-ranking matters.
        let small: Vec<Neighbors> = rows
            .iter()
            .map(|r| {
                index
                    .search(&data.row(*r).to_vec(), 10, 10, Some(*r as u32))
                    .unwrap()
            })
            .collect();
        assert!(recall_at_k(&want, &small) < recall);
    }

    #[test]
    fn int8_dot_matches_integers_for_every_length() {
        for n in [0usize, 1, 15, 16, 17, 33, 384] {
            let a: Vec<i8> = (0..n).map(|i| ((i * 37) % 255) as i16 as i8).collect();
            let b: Vec<i8> = (0..n)
                .map(|i| (127 - ((i * 11) % 254) as i64) as i8)
                .collect();
            let want: i64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| i64::from(*x) * i64::from(*y))
                .sum();
            let wide: Vec<i16> = a.iter().map(|v| i16::from(*v)).collect();
            assert_eq!(i64::from(kernels::dot_wide(&wide, &b)), want, "n={n}");
        }
        assert_eq!(recall_at_k(&[], &[]), 0.0);
    }
}
