//! Int8 bounds for an exact scan that reads a quarter of the bytes.
//!
//! Each f32 row `x` is kept a second time as int8 codes `q` with a scale `s` (per row), and the
//! query is rounded to i16 codes `p` with a scale `t`. The integer dot product `I = p · q` gives
//! an estimate `t s I` of the row's dot product, and a per-row slack turns it into an upper bound
//! on the **key the exact scan would compute** (the f32 kernel's value, rounding included):
//!
//! ```text
//! x · y = s t I + s (f · q) + (y · e)           e = x − s q,  f = y − t p
//!       ≤ s t I + ‖y‖ (‖e‖ + s ‖q‖ √d / 2Q)      Cauchy–Schwarz, |f_j| ≤ t / 2, t ≤ ‖y‖ / Q
//! ```
//!
//! plus the f32 kernel's rounding (`(d + 8) 2⁻²³ ‖y‖ ‖x‖`) and the bound's own, folded into the
//! same per-row slack with room to spare (all computed in f64 and rounded up). A row whose bound
//! is below the heap's threshold cannot enter the top k, so it is skipped; every other row is
//! scored exactly with the f32 kernel. The result is therefore the exact scan's, bit for bit: the
//! same ids, the same scores, the same ties — [`crate::search::checks::bounded_scan_agrees`] checks that on
//! adversarial data natively and in the browser.
//!
//! Cosine divides the bound by the two norms (with an absolute margin of 2⁻¹⁸ for the division's
//! rounding); L2 turns it into a lower bound on the distance, `‖y‖² + ‖x‖² − 2 (x · y)`.
//!
//! Rows with values that are not finite, above 10¹⁵ or (non-zero) below 10⁻¹⁵ in magnitude are
//! always scored (their f32 arithmetic could overflow or underflow), and queries like that do not
//! use the bounds at all. Rows longer than [`MAX_BOUNDED_DIMS`] are not bounded (the integer
//! sums would need a coarser query).

use super::codes::{inv, quantize};
use super::types::{Metric, TopK};
use crate::kernels::active as kernels;

/// The longest rows that get bounds: the query's codes are at most `(2³¹ − 1) / (127 d)` so that
/// the integer sums cannot overflow, which is 4128 here.
pub const MAX_BOUNDED_DIMS: usize = 4096;

/// Magnitudes outside `[TINY, HUGE]` (other than zero) leave a row always scored and a query
/// unbounded.
const HUGE: f32 = 1e15;
const TINY: f32 = 1e-15;

/// An absolute term in every slack: covers products that underflow (each loses at most
/// 2⁻¹⁴⁹) for rows and queries whose largest value is at least [`TINY`].
const UNDERFLOW_SLACK: f64 = 1e-20;

/// Cosine's absolute margin for the division by the norms and the bound's own rounding.
const COSINE_MARGIN: f32 = 1.0 / 262_144.0;

/// The int8 codes and per-row factors of an f32 matrix, for one metric.
///
/// Rows are padded to a multiple of 16 codes and to a whole number of groups of four; each group
/// has its factors side by side: `a[4], b[4]` (and `e[4]` for L2), so that the bound of row `l`
/// in the group is `(τ I) a_l + σ b_l (+ e_l − κ)` with the query's `τ, σ, κ`.
#[derive(Debug, Clone)]
pub struct RowBounds {
    metric: Metric,
    rows: usize,
    dims: usize,
    stride: usize,
    /// The largest query code, `Q`.
    q_max: i32,
    codes: Vec<i8>,
    factors: Vec<f32>,
}

/// A query made ready for [`RowBounds`]: i16 codes (zero-padded to the stride) and `τ, σ, κ`.
#[derive(Debug, Clone)]
pub struct BoundQuery {
    pub(crate) codes: Vec<i16>,
    pub(crate) scalars: [f32; 3],
}

fn up(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v {
        f.next_up()
    } else {
        f
    }
}

fn down(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v {
        f.next_down()
    } else {
        f
    }
}

/// `(d + 8) 2⁻²³`: at least twice the f32 kernels' relative rounding bound for `d` terms.
fn kernel_eps(d: usize) -> f64 {
    (d as f64 + 8.0) * f64::from(f32::EPSILON)
}

impl RowBounds {
    /// The factors per group of four rows for `metric`.
    fn width(metric: Metric) -> usize {
        if metric == Metric::L2 {
            12
        } else {
            8
        }
    }

    /// Bytes the bounds of `rows × dims` f32 rows take.
    pub fn bytes_for(rows: usize, dims: usize, metric: Metric) -> u64 {
        let groups = rows.div_ceil(4) as u64;
        groups * (4 * dims.div_ceil(16) as u64 * 16 + 4 * Self::width(metric) as u64)
    }

    /// Bounds for the rows of `data` (row-major, `dims` values each) under `metric`; `norms` are
    /// the rows' norms exactly as the index computes them (cosine only). `None` for rows longer
    /// than [`MAX_BOUNDED_DIMS`] or no rows.
    pub fn build(data: &[f32], dims: usize, metric: Metric, norms: &[f32]) -> Option<Self> {
        if dims == 0 || dims > MAX_BOUNDED_DIMS || data.is_empty() {
            return None;
        }
        let rows = data.len() / dims;
        let stride = dims.div_ceil(16) * 16;
        let groups = rows.div_ceil(4);
        let width = Self::width(metric);
        let q_max = (i32::MAX / (127 * dims as i32)).min(i32::from(i16::MAX));
        let mut codes = vec![0i8; groups * 4 * stride];
        let mut factors = vec![0f32; groups * width];
        // Padding rows: a bound of −∞, never scored.
        for l in rows..groups * 4 {
            factors[l / 4 * width + 4 + l % 4] = f32::NEG_INFINITY;
        }
        let eps = kernel_eps(dims);
        let query_rounding = (dims as f64).sqrt() * 0.51 / f64::from(q_max);
        for (i, x) in data.chunks_exact(dims).enumerate() {
            let (g, l) = (i / 4, i % 4);
            let f = &mut factors[g * width..(g + 1) * width];
            let m = x.iter().fold(0f32, |m, v| m.max(v.abs()));
            let finite = x.iter().all(|v| v.is_finite());
            if !finite || m > HUGE || (m > 0.0 && m < TINY) {
                // Always scored: a bound of +∞.
                f[4 + l] = f32::INFINITY;
                continue;
            }
            let s = m / 127.0;
            let row_codes = &mut codes[i * stride..i * stride + dims];
            let inv = inv(s);
            quantize(x.iter().copied(), |_| inv, row_codes);
            let (mut r2, mut q2, mut x2) = (0f64, 0f64, 0f64);
            for (c, v) in row_codes.iter().zip(x) {
                let e = f64::from(*v) - f64::from(s) * f64::from(*c);
                r2 += e * e;
                q2 += f64::from(*c) * f64::from(*c);
                x2 += f64::from(*v) * f64::from(*v);
            }
            let (r, sq, xn) = (r2.sqrt(), f64::from(s) * q2.sqrt(), x2.sqrt());
            let slack = (r + sq * query_rounding + (eps + 1e-6) * (xn + r + sq) + UNDERFLOW_SLACK)
                * (1.0 + 1.0 / 512.0);
            match metric {
                Metric::Dot => {
                    f[l] = s;
                    f[4 + l] = up(slack);
                }
                Metric::Cosine => {
                    let norm = norms.get(i).copied().unwrap_or(0.0);
                    if norm > 0.0 && norm.is_finite() {
                        f[l] = s / norm;
                        f[4 + l] = up(slack / f64::from(norm)) + COSINE_MARGIN;
                    } else {
                        // The key is 0 (a zero vector).
                        f[4 + l] = COSINE_MARGIN;
                    }
                }
                Metric::L2 => {
                    f[l] = 2.0 * s;
                    f[4 + l] = up(2.0 * slack);
                    f[8 + l] = -down(x2 * (1.0 - eps - 1.0 / 131_072.0));
                }
            }
        }
        Some(Self {
            metric,
            rows,
            dims,
            stride,
            q_max,
            codes,
            factors,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The largest query code, `Q`.
    pub(crate) fn q_max(&self) -> i32 {
        self.q_max
    }

    /// The mask of this build's kernel for group `g` (rows `4 g .. 4 g + 4`): bit `l` is set when
    /// row `4 g + l`'s bound is not below `thr`. For checking the bounds one row at a time;
    /// the scan itself walks the groups in [`RowBounds::scan`].
    pub(crate) fn group_mask(&self, query: &BoundQuery, g: usize, thr: f32) -> u32 {
        let (stride, width) = (self.stride, Self::width(self.metric));
        let codes = self
            .codes
            .get(g * 4 * stride..(g + 1) * 4 * stride)
            .unwrap_or(&[]);
        let f = self.factors.get(g * width..(g + 1) * width).unwrap_or(&[]);
        if self.metric == Metric::L2 {
            kernels::survivors4::<true>(&query.codes, codes, f, query.scalars, thr)
        } else {
            kernels::survivors4::<false>(&query.codes, codes, f, query.scalars, thr)
        }
    }

    /// Bytes held (codes and factors).
    pub fn bytes(&self) -> usize {
        self.codes.len() + self.factors.len() * 4
    }

    /// The query's codes and scalars, given its norm exactly as the index computes it
    /// (`kernels::dot(q, q).sqrt()`); `None` when the bounds cannot serve this query (values
    /// that are not finite, too large or too small, or a zero query).
    pub fn prepare(&self, query: &[f32], norm: f32) -> Option<BoundQuery> {
        if query.len() != self.dims {
            return None;
        }
        let m = query.iter().fold(0f32, |m, v| m.max(v.abs()));
        if !query.iter().all(|v| v.is_finite()) || !(TINY..=HUGE).contains(&m) {
            return None;
        }
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        let q_max = self.q_max as f32;
        let t = m / q_max;
        if t.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let mut codes = vec![0i16; self.stride];
        for (c, v) in codes.iter_mut().zip(query) {
            *c = (v / t).round().clamp(-q_max, q_max) as i16;
        }
        let eps = kernel_eps(self.dims);
        let scalars = match self.metric {
            Metric::Dot => [t, norm, 0.0],
            Metric::Cosine => [t / norm, 1.0, 0.0],
            Metric::L2 => {
                let n2 = f64::from(norm) * f64::from(norm);
                [t, norm, down(n2 * (1.0 - 4.0 * eps - 1.0 / 131_072.0))]
            }
        };
        Some(BoundQuery { codes, scalars })
    }

    /// Push into `top` the key of every row whose bound is not below `top`'s threshold (read
    /// before each group of four), leaving out `exclude`; `key(i)` is row `i`'s exact key.
    pub(crate) fn scan(
        &self,
        query: &BoundQuery,
        top: &mut TopK,
        exclude: Option<u32>,
        key: impl Fn(usize) -> f32,
    ) {
        if self.metric == Metric::L2 {
            self.scan_with::<true>(query, top, exclude, key);
        } else {
            self.scan_with::<false>(query, top, exclude, key);
        }
    }

    /// [`RowBounds::scan`] for one factor layout, one group of four rows after the other; kept
    /// out of line, as a small function of its own (see `knn::scan_quads_with`). (Walking the two
    /// halves side by side, as the f32 scans do, made 100k × 384 slower in Chromium, 3.1 → 4.6 ms
    /// a query, and left 1M × 64 as it was: this scan is bound by its integer arithmetic, not by
    /// memory.)
    #[inline(never)]
    fn scan_with<const L2: bool>(
        &self,
        query: &BoundQuery,
        top: &mut TopK,
        exclude: Option<u32>,
        key: impl Fn(usize) -> f32,
    ) {
        let stride = self.stride;
        let width = Self::width(self.metric);
        let groups = self.codes.chunks_exact(4 * stride);
        for (g, (codes, f)) in groups.zip(self.factors.chunks_exact(width)).enumerate() {
            let thr = top.threshold();
            let mask = kernels::survivors4::<L2>(&query.codes, codes, f, query.scalars, thr);
            if mask == 0 {
                continue;
            }
            for l in 0..4 {
                let i = g * 4 + l;
                if mask & (1 << l) != 0 && i < self.rows && exclude != Some(i as u32) {
                    top.push(key(i), i as u32);
                }
            }
        }
    }
}
