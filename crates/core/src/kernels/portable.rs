//! The portable twins, on every target: float kernels with eight independent partial sums the
//! compiler can keep in vector registers (f32, f16 halves, int8 codes; dot products and squared
//! distances), integer kernels (int8 codes against i16 queries, SSE2's `pmaddwd` on x86-64) for
//! the int8 bounds, and the CPU rasteriser's pixel kernels (clear, to pixels, blend a span).

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

/// Page size for the quad scan's (`search::flat`) two streams.
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

// --- Integer kernels (int8 codes against i16 queries) ---

/// The integer dot product of two rows of int8 codes (NN-Descent's distances). Exact while
/// `len · max|code|²` fits an i32.
#[inline]
pub fn dot_codes(a: &[i8], b: &[i8]) -> i32 {
    const W: usize = 16;
    let n = a.len().min(b.len());
    let mut acc = [0i32; W];
    let (ac, bc) = (a[..n].chunks_exact(W), b[..n].chunks_exact(W));
    let tail: i32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    for (x, y) in ac.zip(bc) {
        for l in 0..W {
            acc[l] += i32::from(x[l]) * i32::from(y[l]);
        }
    }
    acc.iter().sum::<i32>() + tail
}

/// The integer dot product of a query widened to i16 once (`a`) with a row of codes.
#[inline]
pub fn dot_wide(a: &[i16], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

/// The integer dot product of i16 query codes with a row of int8 codes. On x86-64 with SSE2's
/// `pmaddwd` (every x86-64 has SSE2), elsewhere [`dot_wide`].
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
    total + dot_wide(&q[whole..n], &c[whole..n])
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn int_dot(q: &[i16], c: &[i8]) -> i32 {
    dot_wide(q, c)
}

/// The int8 bounds of four rows, as a mask of the rows whose bound is not below the threshold.
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
        int_dot(q, row(0)),
        int_dot(q, row(1)),
        int_dot(q, row(2)),
        int_dot(q, row(3)),
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

// --- Pixel kernels of the CPU rasteriser (RGBA8 frames) ---

/// `round(v / 255)` for `v` in `0..=65025`, exactly, without a division.
#[inline]
pub fn div255(v: u32) -> u32 {
    let t = v + 128;
    (t + (t >> 8)) >> 8
}

#[inline]
pub fn blend_channel(dst: u8, src: u8, alpha: u8) -> u8 {
    let a = u32::from(alpha);
    div255(u32::from(src) * a + u32::from(dst) * (255 - a)) as u8
}

/// Fill `pixels` (RGBA8) with `color`.
pub fn clear(pixels: &mut [u8], color: [u8; 4]) {
    for p in pixels.chunks_exact_mut(4) {
        p.copy_from_slice(&color);
    }
}

/// `out[i] = floor((v[i] - center) * scale + half)`, saturating to `i32`.
pub fn to_pixels(values: &[f32], center: f32, scale: f32, half: f32, out: &mut [i32]) {
    for (o, &v) in out.iter_mut().zip(values) {
        *o = ((v - center) * scale + half).floor() as i32;
    }
}

pub fn blend_span(pixels: &mut [u8], src: [u8; 4], alpha: u8) {
    for p in pixels.chunks_exact_mut(4) {
        for ch in 0..4 {
            p[ch] = blend_channel(p[ch], src[ch], alpha);
        }
    }
}

// --- UMAP's SGD (`layout::umap::Sgd`) ---

/// Coefficients of log₂(1 + t) ≈ t·(c₀ + t·(c₁ + …)) for t ∈ [0, 1): a degree-5 near-minimax fit
/// (within 1.5e-5 absolute), with no division.
pub const LOG2_POLY: [f32; 5] = [
    1.441_965_6,
    -0.709_662_26,
    0.417_594_07,
    -0.196_267_56,
    0.046_384_49,
];

/// Coefficients of 2^f ≈ 1 + f·(c₀ + f·(c₁ + …)) for f ∈ [0, 1): a degree-4 near-minimax fit
/// (within 3e-6 relative).
pub const EXP2_POLY: [f32; 4] = [0.693_044_84, 0.241_280_22, 0.052_242_447, 0.013_426_699];

/// log₂ x for a positive normal `x`, within about 1.5e-5 absolute: the exponent from the bits,
/// and log₂ of the mantissa m ∈ [1, 2) by [`LOG2_POLY`] in m − 1.
#[inline]
pub fn log2_approx(x: f32) -> f32 {
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    let t = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000) - 1.0;
    let [c0, c1, c2, c3, c4] = LOG2_POLY;
    e as f32 + t * (c0 + t * (c1 + t * (c2 + t * (c3 + t * c4))))
}

/// 2^y for y ∈ [−126, 126] (clamped), within about 3e-6 relative: the integer part into the
/// exponent bits, 2^f of the fraction by [`EXP2_POLY`]. Branch-free (the floor from a
/// truncation), so that four at a time vectorise.
#[inline]
pub fn exp2_approx(y: f32) -> f32 {
    let y = y.clamp(-126.0, 126.0);
    let t = y as i32;
    let i = t - i32::from(y < t as f32);
    let f = y - i as f32;
    let [c0, c1, c2, c3] = EXP2_POLY;
    let p = 1.0 + f * (c0 + f * (c1 + f * (c2 + f * c3)));
    f32::from_bits(((i + 127) as u32) << 23) * p
}

/// x^b for x > 0 (x at least 1e-30), as `exp2_approx(b · log2_approx(x))`.
#[inline]
pub fn pow_approx(x: f32, b: f32) -> f32 {
    exp2_approx(b * log2_approx(x.max(1e-30)))
}

/// UMAP's attraction along four edges, lane by lane: for each (`dx`, `dy`) = head − tail,
/// the gradient `−2ab·d^(2(b−1)) / (a·d^2b + 1) · (dx, dy)`, each axis clipped to ±4; 0 where
/// d² = 0. `curve` is (a, b, 2γb).
#[inline]
pub fn attract4(dx: [f32; 4], dy: [f32; 4], curve: [f32; 3]) -> [[f32; 4]; 2] {
    let [a, b, _] = curve;
    let mut g = [[0.0f32; 4]; 2];
    for l in 0..4 {
        let d2 = dx[l] * dx[l] + dy[l] * dy[l];
        let p = pow_approx(d2, b);
        // d^(2(b−1)) = d^2b / d².
        let coeff = -2.0 * a * b * (p / d2.max(1e-30)) / (a * p + 1.0);
        let on = if d2 > 0.0 { 1.0 } else { 0.0 };
        g[0][l] = (coeff * dx[l]).clamp(-4.0, 4.0) * on;
        g[1][l] = (coeff * dy[l]).clamp(-4.0, 4.0) * on;
    }
    g
}

/// UMAP's repulsion from four random points, lane by lane: for each (`dx`, `dy`) = point −
/// other, `2γb / ((0.001 + d²)(a·d^2b + 1)) · (dx, dy)`, each axis clipped to ±4; 4 on both
/// axes where d² = 0. `curve` is (a, b, 2γb).
#[inline]
pub fn repel4(dx: [f32; 4], dy: [f32; 4], curve: [f32; 3]) -> [[f32; 4]; 2] {
    let [a, b, two_gamma_b] = curve;
    let mut g = [[0.0f32; 4]; 2];
    for l in 0..4 {
        let d2 = dx[l] * dx[l] + dy[l] * dy[l];
        let coeff = two_gamma_b / ((0.001 + d2) * (a * pow_approx(d2, b) + 1.0));
        if d2 > 0.0 {
            g[0][l] = (coeff * dx[l]).clamp(-4.0, 4.0);
            g[1][l] = (coeff * dy[l]).clamp(-4.0, 4.0);
        } else {
            g[0][l] = 4.0;
            g[1][l] = 4.0;
        }
    }
    g
}

/// UMAP's negative samples of eight SGD samples at once: lane l's head `heads[l]`, starting at
/// (`start[0][l]`, `start[1][l]`), is pushed `negatives[l]` times by [`repel4`]'s gradient times
/// `alpha`, each time from a row `draw()` picks among the rows of `data` (x, y interleaved),
/// round by round; a draw of the head itself is skipped. In each round the lanes with negatives
/// left draw in lane order. Returns the heads' final positions (the caller writes them back; the
/// heads must differ).
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
    let [mut hx, mut hy] = start;
    let rounds = negatives.iter().copied().max().unwrap_or(0);
    for round in 0..rounds {
        let mut live = [false; 8];
        let (mut dx, mut dy) = ([0.0f32; 8], [0.0f32; 8]);
        for l in 0..8 {
            if negatives[l] <= round {
                continue;
            }
            let other = draw();
            if other == heads[l] {
                continue;
            }
            live[l] = true;
            dx[l] = hx[l] - data[2 * other];
            dy[l] = hy[l] - data[2 * other + 1];
        }
        for half in 0..2 {
            let lanes = half * 4..half * 4 + 4;
            let four = |v: &[f32; 8]| -> [f32; 4] { std::array::from_fn(|l| v[half * 4 + l]) };
            let [gx, gy] = repel4(four(&dx), four(&dy), curve);
            for (l, x) in lanes.enumerate() {
                if live[x] {
                    hx[x] += gx[l] * alpha;
                    hy[x] += gy[l] * alpha;
                }
            }
        }
    }
    [hx, hy]
}
