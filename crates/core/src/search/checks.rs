//! Self-checks of this build's search kernels and scans on seeded data, each returning whether
//! every case agreed. Native tests run them, and the browser test runs them on the simd128 build
//! (`vecscapeTest.knnKernelsAgree()` and friends), where those kernels live.

use super::flat::FlatIndex;
use super::flat::SearchAids;
use super::types::Metric;
use crate::data::store::half_to_f32;
use crate::kernels::active as kernels;
use ndarray::Array2;

/// Checks this build's kernels (simd128 on wasm, portable natively) on seeded data of every
/// length up to 70 and 384: `dot`, `l2_squared`, the f16 and the int8 kernels agree with an f64
/// reference within 1e-5 relative, and the integer kernels (the quantised scan's, NN-Descent's `dot_codes`) are exact. The browser test calls it through
/// `vecscapeTest.knnKernelsAgree()`, so the simd128 kernels are checked where they run.
pub fn kernels_agree(seed: u64) -> bool {
    let mut rng = crate::project::rng::SplitMix64::new(seed);
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
            ok &= crate::kernels::active::dot_wide(&wide, &codes) == exact;
            ok &= kernels::dot_codes(&qc, &codes) == exact;
        }
        // Four rows at once: each lane is `dot`'s value, bit for bit.
        let flat: Vec<f32> = rows.concat();
        let four = kernels::dot4(&q, &flat);
        for (lane, row) in four.iter().zip(&rows) {
            ok &= lane.to_bits() == kernels::dot(&q, row).to_bits();
        }
    }
    ok && quad_scan_agrees(seed)
        && bounded_scan_agrees(seed)
        && bounds_hold(seed)
        && sgd_kernels_agree(seed)
}

/// UMAP's SGD kernels against f64: `pow_approx` within 1e-4 relative over d² from 1e-6 to 1e4,
/// `attract4` and `repel4` (coincident points included) within 1e-4 of the clipped gradients,
/// lane by lane, and `repel_rounds8`'s final positions within 1e-4 of the portable twin's and
/// 2e-2 of its rounds in f64.
pub fn sgd_kernels_agree(seed: u64) -> bool {
    let mut rng = crate::project::rng::SplitMix64::new(seed ^ 0x5CD);
    let mut ok = true;
    let (a, b) = (1.577f64, 0.895f64);
    let curve = [a as f32, b as f32, 2.0 * b as f32];
    for _ in 0..2000 {
        let x = 10f64.powf(rng.uniform() * 10.0 - 6.0);
        let want = x.powf(b);
        let got = f64::from(kernels::pow_approx(x as f32, b as f32));
        ok &= (got - want).abs() <= 1e-4 * want;
    }
    for round in 0..500 {
        let mut v = || ((rng.uniform() * 2.0 - 1.0) * 10f64.powf(rng.uniform() * 4.0 - 2.0)) as f32;
        let mut dx: [f32; 4] = std::array::from_fn(|_| v());
        let mut dy: [f32; 4] = std::array::from_fn(|_| v());
        if round % 7 == 0 {
            (dx[1], dy[1]) = (0.0, 0.0);
        }
        let got_a = kernels::attract4(dx, dy, curve);
        let got_r = kernels::repel4(dx, dy, curve);
        for l in 0..4 {
            let (x, y) = (f64::from(dx[l]), f64::from(dy[l]));
            let d2 = x * x + y * y;
            let (want_a, want_r) = if d2 > 0.0 {
                let attract = -2.0 * a * b * d2.powf(b - 1.0) / (a * d2.powf(b) + 1.0);
                let repel = 2.0 * b / ((0.001 + d2) * (a * d2.powf(b) + 1.0));
                (
                    [
                        (attract * x).clamp(-4.0, 4.0),
                        (attract * y).clamp(-4.0, 4.0),
                    ],
                    [(repel * x).clamp(-4.0, 4.0), (repel * y).clamp(-4.0, 4.0)],
                )
            } else {
                ([0.0, 0.0], [4.0, 4.0])
            };
            for axis in 0..2 {
                let close = |got: f32, want: f64| {
                    (f64::from(got) - want).abs() <= 1e-4 * want.abs().max(1e-2)
                };
                ok &= close(got_a[axis][l], want_a[axis]);
                ok &= close(got_r[axis][l], want_r[axis]);
            }
        }
    }
    // The negative rounds of eight lanes against the same rounds in f64, on the same draws
    // (a lane with no negatives, a draw of the head itself, points 1e-2 to 10 apart).
    for round in 0..200 {
        let n = 50 + round;
        let data: Vec<f32> = (0..2 * n)
            .map(|_| ((rng.uniform() * 2.0 - 1.0) * 10f64.powf(rng.uniform() * 3.0 - 2.0)) as f32)
            .collect();
        let heads: [usize; 8] = std::array::from_fn(|l| (l * 7 + round) % n);
        let negatives: [usize; 8] = std::array::from_fn(|l| {
            if l == 3 {
                0
            } else {
                1 + (rng.next_u64() % 8) as usize
            }
        });
        let start: [[f32; 8]; 2] =
            std::array::from_fn(|axis| std::array::from_fn(|l| data[2 * heads[l] + axis]));
        let alpha = 0.3 + rng.uniform() as f32 * 0.7;
        let draws = rng.next_u64();
        let mut ra = crate::project::rng::SplitMix64::new(draws);
        let mut draw = || (ra.next_u64() % n as u64) as usize;
        let got = kernels::repel_rounds8(&data, heads, start, negatives, alpha, curve, &mut draw);
        let mut rp = crate::project::rng::SplitMix64::new(draws);
        let mut draw = || (rp.next_u64() % n as u64) as usize;
        let portable = crate::kernels::portable::repel_rounds8(
            &data, heads, start, negatives, alpha, curve, &mut draw,
        );
        let mut rb = crate::project::rng::SplitMix64::new(draws);
        let mut want: [[f64; 8]; 2] =
            std::array::from_fn(|axis| std::array::from_fn(|l| f64::from(start[axis][l])));
        for r in 0..8 {
            for l in 0..8 {
                if negatives[l] <= r {
                    continue;
                }
                let other = (rb.next_u64() % n as u64) as usize;
                if other == heads[l] {
                    continue;
                }
                let dx = want[0][l] - f64::from(data[2 * other]);
                let dy = want[1][l] - f64::from(data[2 * other + 1]);
                let d2 = dx * dx + dy * dy;
                let repel = 2.0 * b / ((0.001 + d2) * (a * d2.powf(b) + 1.0));
                for (axis, d) in [(0, dx), (1, dy)] {
                    let g = if d2 > 0.0 {
                        (repel * d).clamp(-4.0, 4.0)
                    } else {
                        4.0
                    };
                    want[axis][l] += g * f64::from(alpha);
                }
            }
        }
        for axis in 0..2 {
            for l in 0..8 {
                let w = want[axis][l];
                // Steep repulsions amplify rounding over the rounds: the f64 rounds only
                // catch a wrong lane, draw or mask; the twins must agree closely.
                ok &= (f64::from(got[axis][l]) - w).abs() <= 2e-2 * w.abs().max(1.0);
                let twin = f64::from(portable[axis][l]);
                ok &= (f64::from(got[axis][l]) - twin).abs() <= 1e-4 * twin.abs().max(1.0);
            }
        }
    }
    ok
}

/// The quad scan (rows shorter than [`QUAD_ROW_BYTES`]) against the definition it must keep:
/// every row's [`FlatIndex::key`], sorted best first with the lower id winning ties. Seeded data
/// of many shapes (row counts that are not multiples of four, zero rows, repeated rows for ties),
/// cosine and dot, every k from 0 to past the end, the query's own row left out or not. Scores
/// must be bit-identical.
pub fn quad_scan_agrees(seed: u64) -> bool {
    let mut rng = crate::project::rng::SplitMix64::new(seed ^ 0x9E37_79B9);
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
    let mut rng = crate::project::rng::SplitMix64::new(seed ^ 0xB0_0D5);
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

/// Every row's int8 bound, from this build's kernel ([`crate::search::bounds::kernels`]), is not below the
/// key the exact scan computes for it, for every metric: Gaussian rows, rows with one outlier,
/// rows of very different scales, and rows and queries exactly on the int8 and i16 grids (where
/// the estimate has no quantisation error left and only the f32 rounding terms of the slack
/// cover the kernel's rounding).
pub fn bounds_hold(seed: u64) -> bool {
    let mut rng = crate::project::rng::SplitMix64::new(seed ^ 0xB0_1D);
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
            let (Some(bounds), Ok(index)) = (aids.row_bounds(), FlatIndex::with_aids(&data, &aids))
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
pub(crate) fn data_value(i: usize, j: usize, seed: u64) -> f32 {
    let mut rng = crate::project::rng::SplitMix64::new(seed ^ ((i as u64) << 20) ^ j as u64);
    (rng.uniform() * 2.0 - 1.0) as f32
}
