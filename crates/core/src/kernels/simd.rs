//! The simd128 twins (wasm32 with `+simd128`), the same functions as [`super::portable`]: float
//! kernels with four f32x4 accumulators (16 floats per step), integer kernels on
//! `i32x4.dot_i16x8`, and the rasteriser's pixel kernels sixteen bytes at a time.

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

/// Page size for the quad scan's (`search::flat`) two streams: 4 KiB for paired rows, 2 KiB for
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

// --- Integer kernels (int8 codes against i16 queries) ---

/// An integer dot product's end: the two accumulators' lanes and the scalar tail (the values
/// past the last whole 16).
#[inline(always)]
fn int_total<T: Copy + Into<i32>>(s0: v128, s1: v128, a: &[T], b: &[i8]) -> i32 {
    let tail: i32 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x).into() * i32::from(*y))
        .sum();
    let s = i32x4_add(s0, s1);
    i32x4_extract_lane::<0>(s)
        + i32x4_extract_lane::<1>(s)
        + i32x4_extract_lane::<2>(s)
        + i32x4_extract_lane::<3>(s)
        + tail
}

/// simd128 [`super::portable::dot_codes`]: sixteen codes a step, multiplied into i16 lanes
/// (`i16x8.extmul`, |127 · 127| fits) and added pairwise into i32 lanes.
#[inline]
pub fn dot_codes(a: &[i8], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    let whole = n / 16 * 16;
    let (mut s0, mut s1) = (i32x4_splat(0), i32x4_splat(0));
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut i = 0;
    while i < whole {
        // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
        unsafe {
            let x = v128_load(pa.add(i).cast::<v128>());
            let y = v128_load(pb.add(i).cast::<v128>());
            s0 = i32x4_add(
                s0,
                i32x4_extadd_pairwise_i16x8(i16x8_extmul_low_i8x16(x, y)),
            );
            s1 = i32x4_add(
                s1,
                i32x4_extadd_pairwise_i16x8(i16x8_extmul_high_i8x16(x, y)),
            );
        }
        i += 16;
    }
    int_total(s0, s1, &a[whole..n], &b[whole..n])
}

/// simd128 [`dot_wide`]: only the row is sign-extended; `i32x4.dot_i16x8` does the rest.
#[inline]
pub fn dot_wide(a: &[i16], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    let whole = n / 16 * 16;
    let (mut s0, mut s1) = (i32x4_splat(0), i32x4_splat(0));
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut i = 0;
    while i < whole {
        // SAFETY: i + 16 <= n for both slices; v128_load has no alignment requirement.
        unsafe {
            let y = v128_load(pb.add(i).cast::<v128>());
            let x0 = v128_load(pa.add(i).cast::<v128>());
            let x1 = v128_load(pa.add(i + 8).cast::<v128>());
            s0 = i32x4_add(s0, i32x4_dot_i16x8(x0, i16x8_extend_low_i8x16(y)));
            s1 = i32x4_add(s1, i32x4_dot_i16x8(x1, i16x8_extend_high_i8x16(y)));
        }
        i += 16;
    }
    int_total(s0, s1, &a[whole..n], &b[whole..n])
}

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

/// simd128 [`super::portable::survivors4`]: the four integer sums with `i32x4.dot_i16x8` (each query
/// load shared by the four rows), one transpose, and the bound and the test on four lanes.
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

// --- Pixel kernels of the CPU rasteriser (RGBA8 frames) ---

pub fn clear(pixels: &mut [u8], color: [u8; 4]) {
    let v = u32x4_splat(u32::from_le_bytes(color));
    let mut chunks = pixels.chunks_exact_mut(16);
    for chunk in &mut chunks {
        // SAFETY: `chunk` is exactly 16 bytes; v128_store has no alignment requirement.
        unsafe { v128_store(chunk.as_mut_ptr().cast::<v128>(), v) };
    }
    super::portable::clear(chunks.into_remainder(), color);
}

pub fn to_pixels(values: &[f32], center: f32, scale: f32, half: f32, out: &mut [i32]) {
    let (c, s, h) = (f32x4_splat(center), f32x4_splat(scale), f32x4_splat(half));
    let n = values.len().min(out.len());
    let whole = n / 4 * 4;
    for i in (0..whole).step_by(4) {
        // SAFETY: i + 4 <= n for both slices; unaligned loads/stores are allowed.
        unsafe {
            let v = v128_load(values.as_ptr().add(i).cast::<v128>());
            let screen = f32x4_add(f32x4_mul(f32x4_sub(v, c), s), h);
            let pixel = i32x4_trunc_sat_f32x4(f32x4_floor(screen));
            v128_store(out.as_mut_ptr().add(i).cast::<v128>(), pixel);
        }
    }
    super::portable::to_pixels(&values[whole..n], center, scale, half, &mut out[whole..n]);
}

pub fn blend_span(pixels: &mut [u8], src: [u8; 4], alpha: u8) {
    let a = u16x8_splat(u16::from(alpha));
    let inv = u16x8_splat(255 - u16::from(alpha));
    let src_px = u32x4_splat(u32::from_le_bytes(src));
    let src_lo = u16x8_extend_low_u8x16(src_px);
    let src_hi = u16x8_extend_high_u8x16(src_px);
    let bias = u16x8_splat(128);
    let div255 = |v: v128| {
        let t = u16x8_add(v, bias);
        u16x8_shr(u16x8_add(t, u16x8_shr(t, 8)), 8)
    };
    let mut chunks = pixels.chunks_exact_mut(16);
    for chunk in &mut chunks {
        // SAFETY: `chunk` is exactly 16 bytes; unaligned loads/stores are allowed.
        unsafe {
            let dst = v128_load(chunk.as_ptr().cast::<v128>());
            let lo = u16x8_add(
                u16x8_mul(u16x8_extend_low_u8x16(dst), inv),
                u16x8_mul(src_lo, a),
            );
            let hi = u16x8_add(
                u16x8_mul(u16x8_extend_high_u8x16(dst), inv),
                u16x8_mul(src_hi, a),
            );
            let out = u8x16_narrow_i16x8(div255(lo), div255(hi));
            v128_store(chunk.as_mut_ptr().cast::<v128>(), out);
        }
    }
    super::portable::blend_span(chunks.into_remainder(), src, alpha);
}

// --- UMAP's SGD (`layout::umap::Sgd`) ---

pub use super::portable::{exp2_approx, log2_approx, pow_approx};
use super::portable::{EXP2_POLY, LOG2_POLY};

/// `portable::pow_approx` on four lanes (x at least 1e-30): the same polynomials, no division.
#[inline(always)]
fn pow4(x: v128, b: v128) -> v128 {
    let x = f32x4_max(x, f32x4_splat(1e-30));
    // log₂ x.
    let e = f32x4_convert_i32x4(i32x4_sub(
        v128_and(u32x4_shr(x, 23), u32x4_splat(0xff)),
        i32x4_splat(127),
    ));
    let t = f32x4_sub(
        v128_or(
            v128_and(x, u32x4_splat(0x007f_ffff)),
            u32x4_splat(0x3f80_0000),
        ),
        f32x4_splat(1.0),
    );
    let mut s = f32x4_splat(LOG2_POLY[4]);
    for c in [LOG2_POLY[3], LOG2_POLY[2], LOG2_POLY[1], LOG2_POLY[0]] {
        s = f32x4_add(f32x4_splat(c), f32x4_mul(t, s));
    }
    let log2 = f32x4_add(e, f32x4_mul(t, s));
    // 2^(b · log₂ x).
    let y = f32x4_min(
        f32x4_max(f32x4_mul(b, log2), f32x4_splat(-126.0)),
        f32x4_splat(126.0),
    );
    let i = f32x4_floor(y);
    let f = f32x4_sub(y, i);
    let mut p = f32x4_splat(EXP2_POLY[3]);
    for c in [EXP2_POLY[2], EXP2_POLY[1], EXP2_POLY[0], 1.0] {
        p = f32x4_add(f32x4_splat(c), f32x4_mul(f, p));
    }
    let scale = i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(i), i32x4_splat(127)), 23);
    f32x4_mul(scale, p)
}

/// `portable::attract4` on four lanes at once.
#[inline]
pub fn attract4(dx: [f32; 4], dy: [f32; 4], curve: [f32; 3]) -> [[f32; 4]; 2] {
    let [a, b, _] = curve;
    let (dx, dy) = (load4(dx), load4(dy));
    let d2 = f32x4_add(f32x4_mul(dx, dx), f32x4_mul(dy, dy));
    let p = pow4(d2, f32x4_splat(b));
    let av = f32x4_splat(a);
    let coeff = f32x4_div(
        f32x4_mul(
            f32x4_splat(-2.0 * a * b),
            f32x4_div(p, f32x4_max(d2, f32x4_splat(1e-30))),
        ),
        f32x4_add(f32x4_mul(av, p), f32x4_splat(1.0)),
    );
    let positive = f32x4_gt(d2, f32x4_splat(0.0));
    let clip = |v: v128| {
        v128_and(
            f32x4_min(f32x4_max(v, f32x4_splat(-4.0)), f32x4_splat(4.0)),
            positive,
        )
    };
    [
        store4(clip(f32x4_mul(coeff, dx))),
        store4(clip(f32x4_mul(coeff, dy))),
    ]
}

/// `portable::repel4` on four lanes at once.
#[inline]
pub fn repel4(dx: [f32; 4], dy: [f32; 4], curve: [f32; 3]) -> [[f32; 4]; 2] {
    let (gx, gy) = repel_v(load4(dx), load4(dy), curve);
    [store4(gx), store4(gy)]
}

/// [`repel4`] in registers.
#[inline(always)]
fn repel_v(dx: v128, dy: v128, curve: [f32; 3]) -> (v128, v128) {
    let [a, b, two_gamma_b] = curve;
    let d2 = f32x4_add(f32x4_mul(dx, dx), f32x4_mul(dy, dy));
    let den = f32x4_mul(
        f32x4_add(f32x4_splat(0.001), d2),
        f32x4_add(
            f32x4_mul(f32x4_splat(a), pow4(d2, f32x4_splat(b))),
            f32x4_splat(1.0),
        ),
    );
    let coeff = f32x4_div(f32x4_splat(two_gamma_b), den);
    let (lo, hi) = (f32x4_splat(-4.0), f32x4_splat(4.0));
    let positive = f32x4_gt(d2, f32x4_splat(0.0));
    let clip = |v: v128| v128_bitselect(f32x4_min(f32x4_max(v, lo), hi), hi, positive);
    (clip(f32x4_mul(coeff, dx)), clip(f32x4_mul(coeff, dy)))
}

/// `portable::repel_rounds8` with the heads' positions kept in registers across the rounds (two
/// independent chains of four lanes, which the processor overlaps) and the drawn rows'
/// positions gathered into lanes.
#[inline]
pub fn repel_rounds8(
    data: &[f32],
    heads: [usize; 8],
    start: [[f32; 8]; 2],
    negatives: [usize; 8],
    alpha: f32,
    curve: [f32; 3],
    draw: &mut impl FnMut() -> usize,
) -> [[f32; 8]; 2] {
    let half = |v: &[f32; 8], h: usize| f32x4(v[4 * h], v[4 * h + 1], v[4 * h + 2], v[4 * h + 3]);
    let (mut hx0, mut hy0) = (half(&start[0], 0), half(&start[1], 0));
    let (mut hx1, mut hy1) = (half(&start[0], 1), half(&start[1], 1));
    let rounds = negatives.iter().copied().max().unwrap_or(0);
    let step = f32x4_splat(alpha);
    for round in 0..rounds {
        let (mut ox0, mut oy0, mut live0) = (hx0, hy0, i32x4_splat(0));
        let (mut ox1, mut oy1, mut live1) = (hx1, hy1, i32x4_splat(0));
        macro_rules! lane {
            ($l:literal, $ox:ident, $oy:ident, $live:ident, $i:literal) => {
                if negatives[$l] > round {
                    let other = draw();
                    if other != heads[$l] {
                        $ox = f32x4_replace_lane::<$i>($ox, data[2 * other]);
                        $oy = f32x4_replace_lane::<$i>($oy, data[2 * other + 1]);
                        $live = i32x4_replace_lane::<$i>($live, -1);
                    }
                }
            };
        }
        lane!(0, ox0, oy0, live0, 0);
        lane!(1, ox0, oy0, live0, 1);
        lane!(2, ox0, oy0, live0, 2);
        lane!(3, ox0, oy0, live0, 3);
        lane!(4, ox1, oy1, live1, 0);
        lane!(5, ox1, oy1, live1, 1);
        lane!(6, ox1, oy1, live1, 2);
        lane!(7, ox1, oy1, live1, 3);
        let (gx0, gy0) = repel_v(f32x4_sub(hx0, ox0), f32x4_sub(hy0, oy0), curve);
        let (gx1, gy1) = repel_v(f32x4_sub(hx1, ox1), f32x4_sub(hy1, oy1), curve);
        hx0 = f32x4_add(hx0, v128_and(f32x4_mul(gx0, step), live0));
        hy0 = f32x4_add(hy0, v128_and(f32x4_mul(gy0, step), live0));
        hx1 = f32x4_add(hx1, v128_and(f32x4_mul(gx1, step), live1));
        hy1 = f32x4_add(hy1, v128_and(f32x4_mul(gy1, step), live1));
    }
    let join = |a: v128, b: v128| {
        let (a, b) = (store4(a), store4(b));
        [a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]]
    };
    [join(hx0, hx1), join(hy0, hy1)]
}

#[inline(always)]
fn load4(v: [f32; 4]) -> v128 {
    f32x4(v[0], v[1], v[2], v[3])
}

#[inline(always)]
fn store4(v: v128) -> [f32; 4] {
    [
        f32x4_extract_lane::<0>(v),
        f32x4_extract_lane::<1>(v),
        f32x4_extract_lane::<2>(v),
        f32x4_extract_lane::<3>(v),
    ]
}
