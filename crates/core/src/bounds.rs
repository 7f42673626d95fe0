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
//! same ids, the same scores, the same ties — [`crate::knn::bounded_scan_agrees`] checks that on
//! adversarial data natively and in the browser.
//!
//! Cosine divides the bound by the two norms (with an absolute margin of 2⁻¹⁸ for the division's
//! rounding); L2 turns it into a lower bound on the distance, `‖y‖² + ‖x‖² − 2 (x · y)`.
//!
//! Rows with values that are not finite, above 10¹⁵ or (non-zero) below 10⁻¹⁵ in magnitude are
//! always scored (their f32 arithmetic could overflow or underflow), and queries like that do not
//! use the bounds at all. Rows longer than [`MAX_BOUNDED_DIMS`] are not bounded (the integer
//! sums would need a coarser query).

use crate::knn::{Metric, TopK};

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
            let inv = crate::quant::inv(s);
            crate::quant::quantize(x.iter().copied(), |_| inv, row_codes);
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

/// The integer dot product of i16 query codes with a row of int8 codes. On x86-64 with SSE2's
/// `pmaddwd` (every x86-64 has SSE2), elsewhere [`crate::quant::int8::dot_wide`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn int_dot(q: &[i16], c: &[i8]) -> i32 {
    use std::arch::x86_64::*;
    let n = q.len().min(c.len());
    let whole = n / 16 * 16;
    let (qp, cp) = (q.as_ptr(), c.as_ptr());
    // SAFETY: SSE2 is part of x86-64; every load reads 16 bytes at j < whole ≤ n of both slices
    // (`_mm_loadu_si128` needs no alignment).
    let total = unsafe {
        let mut acc = _mm_setzero_si128();
        let mut j = 0;
        while j < whole {
            let y = _mm_loadu_si128(cp.add(j).cast());
            // Sign-extend the bytes to i16: each byte into the high half, then shift it down.
            let lo = _mm_srai_epi16(_mm_unpacklo_epi8(y, y), 8);
            let hi = _mm_srai_epi16(_mm_unpackhi_epi8(y, y), 8);
            let q0 = _mm_loadu_si128(qp.add(j).cast());
            let q1 = _mm_loadu_si128(qp.add(j + 8).cast());
            acc = _mm_add_epi32(
                acc,
                _mm_add_epi32(_mm_madd_epi16(q0, lo), _mm_madd_epi16(q1, hi)),
            );
            j += 16;
        }
        let mut lanes = [0i32; 4];
        _mm_storeu_si128(lanes.as_mut_ptr().cast(), acc);
        lanes.iter().fold(0i32, |a, b| a.wrapping_add(*b))
    };
    total + crate::quant::int8::dot_wide(&q[whole..n], &c[whole..n])
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn int_dot(q: &[i16], c: &[i8]) -> i32 {
    crate::quant::int8::dot_wide(q, c)
}

/// The bounds of four rows, as a mask of the rows whose bound is not below the threshold.
pub mod portable {
    /// `codes` holds four rows of `q.len()` codes, `f` the group's factors (`a[4], b[4]` and,
    /// when `L2`, `e[4]`), `s` the query's `τ, σ, κ`. Bit `l` is set when row `l`'s bound is not
    /// below `thr` (NaN bounds included).
    #[inline(always)]
    pub fn survivors4<const L2: bool>(
        q: &[i16],
        codes: &[i8],
        f: &[f32],
        s: [f32; 3],
        thr: f32,
    ) -> u32 {
        let stride = q.len();
        let row = |l: usize| codes.get(l * stride..(l + 1) * stride).unwrap_or(&[]);
        let sums = [
            super::int_dot(q, row(0)),
            super::int_dot(q, row(1)),
            super::int_dot(q, row(2)),
            super::int_dot(q, row(3)),
        ];
        let mut mask = 0;
        for (l, sum) in sums.into_iter().enumerate() {
            let i = sum as f32;
            let (a, b) = (f.get(l).copied(), f.get(4 + l).copied());
            let mut ub = (s[0] * i) * a.unwrap_or(0.0) + s[1] * b.unwrap_or(f32::INFINITY);
            if L2 {
                ub = (ub + f.get(8 + l).copied().unwrap_or(0.0)) - s[2];
            }
            if ub.partial_cmp(&thr) != Some(std::cmp::Ordering::Less) {
                mask |= 1 << l;
            }
        }
        mask
    }
}

/// simd128 [`portable::survivors4`]: the four integer sums with `i32x4.dot_i16x8` (each query
/// load shared by the four rows), one transpose, and the bound and the test on four lanes.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use crate::quant::int8::dot_wide;
    use core::arch::wasm32::*;

    /// Rows of up to this many codes are read four at a time, sharing each query load
    /// (1M × 64 in Chromium: 4.3 ms a query, against 4.8 ms a row at a time); longer rows one
    /// after the other (100k × 384: 2.3 ms, against 3.3 ms four at a time, whose four streams
    /// 384 bytes apart the prefetcher follows worse).
    const INTERLEAVED_MAX_STRIDE: usize = 64;

    /// Four rows' integer sums (four lanes each), the rows read side by side.
    ///
    /// # Safety
    /// `q` must point at `stride` codes and `c` at four rows of `stride`; `stride % 16 == 0`.
    #[inline(always)]
    unsafe fn interleaved(q: *const i16, c: *const i8, stride: usize) -> (v128, v128, v128, v128) {
        let z = i32x4_splat(0);
        let (mut a0, mut a1, mut a2, mut a3) = (z, z, z, z);
        let mut j = 0;
        while j < stride {
            // SAFETY: j + 16 <= stride: inside the query and each row (the caller's promise);
            // v128_load needs no alignment.
            unsafe {
                let lo = v128_load(q.add(j).cast::<v128>());
                let hi = v128_load(q.add(j + 8).cast::<v128>());
                let row = |r: usize| {
                    let y = v128_load(c.add(r * stride + j).cast::<v128>());
                    i32x4_add(
                        i32x4_dot_i16x8(lo, i16x8_extend_low_i8x16(y)),
                        i32x4_dot_i16x8(hi, i16x8_extend_high_i8x16(y)),
                    )
                };
                a0 = i32x4_add(a0, row(0));
                a1 = i32x4_add(a1, row(1));
                a2 = i32x4_add(a2, row(2));
                a3 = i32x4_add(a3, row(3));
            }
            j += 16;
        }
        (a0, a1, a2, a3)
    }

    #[inline(always)]
    pub fn survivors4<const L2: bool>(
        q: &[i16],
        codes: &[i8],
        f: &[f32],
        s: [f32; 3],
        thr: f32,
    ) -> u32 {
        let stride = q.len();
        if !stride.is_multiple_of(16) || codes.len() < 4 * stride || f.len() < 8 + 4 * L2 as usize {
            return super::portable::survivors4::<L2>(q, codes, f, s, thr);
        }
        let sums = if stride <= INTERLEAVED_MAX_STRIDE {
            // SAFETY: q holds `stride` codes and `codes` four rows of `stride` (checked above),
            // and stride is a multiple of 16.
            let (a0, a1, a2, a3) = unsafe { interleaved(q.as_ptr(), codes.as_ptr(), stride) };
            // Transpose and add: lane r is row r's integer sum.
            let t0 = i32x4_shuffle::<0, 4, 1, 5>(a0, a1);
            let t1 = i32x4_shuffle::<2, 6, 3, 7>(a0, a1);
            let t2 = i32x4_shuffle::<0, 4, 1, 5>(a2, a3);
            let t3 = i32x4_shuffle::<2, 6, 3, 7>(a2, a3);
            i32x4_add(
                i32x4_add(
                    i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
                    i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
                ),
                i32x4_add(
                    i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
                    i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
                ),
            )
        } else {
            let row = |r: usize| dot_wide(q, &codes[r * stride..(r + 1) * stride]);
            i32x4(row(0), row(1), row(2), row(3))
        };
        let fp = f.as_ptr();
        // SAFETY: f holds at least 8 (12 for L2) factors, checked above.
        let (fa, fb) = unsafe {
            (
                v128_load(fp.cast::<v128>()),
                v128_load(fp.add(4).cast::<v128>()),
            )
        };
        let scaled = f32x4_mul(f32x4_splat(s[0]), f32x4_convert_i32x4(sums));
        let mut ub = f32x4_add(f32x4_mul(scaled, fa), f32x4_mul(f32x4_splat(s[1]), fb));
        if L2 {
            // SAFETY: as above.
            let fe = unsafe { v128_load(fp.add(8).cast::<v128>()) };
            ub = f32x4_sub(f32x4_add(ub, fe), f32x4_splat(s[2]));
        }
        // "not below" keeps NaN lanes, as the portable test does.
        u32::from(i32x4_bitmask(v128_not(f32x4_lt(ub, f32x4_splat(thr)))))
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd as kernels;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use portable as kernels;
