//! How faithful a 2-D layout is to the original space, point by point: the share of each
//! point's k nearest neighbours in the original space (exact) that are among its k nearest on
//! the map. 1 where the map keeps a point's neighbourhood, 0 where it tears it apart; the mean
//! is the "kNN@k preserved" of the benchmarks.

use crate::data::store::Vectors;
use crate::search::types::Metric;

use super::umap::{knn_graph, UmapError};

/// The neighbours [`faithfulness`] compares by default.
pub const FAITHFULNESS_K: usize = 10;

/// Per-point faithfulness and its mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Faithfulness {
    pub k: usize,
    pub per_point: Vec<f32>,
    pub mean: f64,
}

/// Each point's `k` nearest other points on the map, `rows × k` (fewer rows than k + 1: the
/// rest padded with the point itself), nearest first, ties to the lower row. Exact: points are
/// binned on a uniform grid and rings of cells searched until no closer point can remain.
pub fn map_neighbours(xs: &[f32], ys: &[f32], k: usize) -> Vec<u32> {
    let n = xs.len().min(ys.len());
    let mut out = Vec::with_capacity(n * k);
    if n == 0 || k == 0 {
        return out;
    }
    let (mut x0, mut x1, mut y0, mut y1) = (
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::INFINITY,
        f32::NEG_INFINITY,
    );
    for i in 0..n {
        x0 = x0.min(xs[i]);
        x1 = x1.max(xs[i]);
        y0 = y0.min(ys[i]);
        y1 = y1.max(ys[i]);
    }
    let side = ((n as f64 / 4.0).sqrt().ceil() as usize).clamp(1, 2048);
    let span = f64::from((x1 - x0).max(y1 - y0)).max(f64::MIN_POSITIVE);
    let cell = span / side as f64;
    let cell_of =
        |v: f32, lo: f32| (((f64::from(v) - f64::from(lo)) / cell) as usize).min(side - 1);
    // Counting sort of the points into cells.
    let mut start = vec![0usize; side * side + 1];
    let cells: Vec<usize> = (0..n)
        .map(|i| cell_of(ys[i], y0) * side + cell_of(xs[i], x0))
        .collect();
    for &c in &cells {
        start[c + 1] += 1;
    }
    for c in 0..side * side {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut order = vec![0u32; n];
    for (i, &c) in cells.iter().enumerate() {
        order[fill[c]] = i as u32;
        fill[c] += 1;
    }
    let mut best: Vec<(f64, u32)> = Vec::with_capacity(k + 1);
    for q in 0..n {
        best.clear();
        let (qx, qy) = (f64::from(xs[q]), f64::from(ys[q]));
        let (cx, cy) = (cell_of(xs[q], x0) as isize, cell_of(ys[q], y0) as isize);
        let mut ring = 0isize;
        loop {
            // Cells at Chebyshev distance `ring` from the query's cell.
            for gy in cy - ring..=cy + ring {
                for gx in cx - ring..=cx + ring {
                    if (gy - cy).abs() != ring && (gx - cx).abs() != ring {
                        continue;
                    }
                    if gx < 0 || gy < 0 || gx >= side as isize || gy >= side as isize {
                        continue;
                    }
                    let c = gy as usize * side + gx as usize;
                    for &r in &order[start[c]..start[c + 1]] {
                        if r as usize == q {
                            continue;
                        }
                        let d = (f64::from(xs[r as usize]) - qx).powi(2)
                            + (f64::from(ys[r as usize]) - qy).powi(2);
                        let key = (d, r);
                        if best.len() < k || key < best[k - 1] {
                            let at = best.partition_point(|b| *b < key);
                            best.insert(at, key);
                            best.truncate(k);
                        }
                    }
                }
            }
            // Anything in ring + 1 or beyond is at least `ring · cell` away.
            let reach = ring as f64 * cell;
            let full = best.len() == k.min(n - 1);
            let covered = ring as usize >= side;
            if (full && best.last().is_some_and(|b| b.0 < reach * reach)) || covered {
                break;
            }
            ring += 1;
        }
        out.extend(best.iter().map(|b| b.1));
        out.extend(std::iter::repeat_n(q as u32, k - best.len()));
    }
    out
}

/// The share of each row's `truth` neighbours (`rows × k`) that are among its `map` neighbours
/// (`rows × k`).
pub fn preserved(truth: &[u32], map: &[u32], k: usize) -> Vec<f32> {
    truth
        .chunks(k.max(1))
        .zip(map.chunks(k.max(1)))
        .map(|(t, m)| t.iter().filter(|id| m.contains(id)).count() as f32 / k.max(1) as f32)
        .collect()
}

/// The exact `k` nearest other rows of every row of `x` by `metric` (cosine distance for
/// `Cosine` and `Dot`), `rows × k`.
pub fn original_neighbours(x: &Vectors, k: usize, metric: Metric) -> Result<Vec<u32>, UmapError> {
    Ok(knn_graph(x, k + 1, metric)?.others())
}

/// Per-point faithfulness of the layout (`xs`, `ys`) of `x`, with `k` neighbours.
pub fn faithfulness(
    x: &Vectors,
    xs: &[f32],
    ys: &[f32],
    k: usize,
    metric: Metric,
) -> Result<Faithfulness, UmapError> {
    let truth = original_neighbours(x, k, metric)?;
    Ok(from_neighbours(&truth, xs, ys, k))
}

/// [`faithfulness`] from the original space's neighbours already found (`rows × k`).
pub fn from_neighbours(truth: &[u32], xs: &[f32], ys: &[f32], k: usize) -> Faithfulness {
    let map = map_neighbours(xs, ys, k);
    let per_point = preserved(truth, &map, k);
    let mean = if per_point.is_empty() {
        0.0
    } else {
        per_point.iter().map(|&v| f64::from(v)).sum::<f64>() / per_point.len() as f64
    };
    Faithfulness { k, per_point, mean }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::store::Storage;
    use ndarray::Array2;

    fn brute(xs: &[f32], ys: &[f32], k: usize) -> Vec<u32> {
        let n = xs.len();
        (0..n)
            .flat_map(|q| {
                let mut d: Vec<(f64, u32)> = (0..n)
                    .filter(|&r| r != q)
                    .map(|r| {
                        let dx = f64::from(xs[r]) - f64::from(xs[q]);
                        let dy = f64::from(ys[r]) - f64::from(ys[q]);
                        (dx * dx + dy * dy, r as u32)
                    })
                    .collect();
                d.sort_by(|a, b| a.partial_cmp(b).unwrap());
                d.truncate(k);
                d.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn map_neighbours_equal_a_brute_force() {
        let mut state = 7u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        // Clustered and spread points, some duplicates (ties go to the lower row).
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for i in 0..1500 {
            let (x, y) = (next(), next());
            if i % 3 == 0 {
                xs.push(x * 100.0);
                ys.push(y * 40.0);
            } else {
                xs.push(5.0 + x * 0.1);
                ys.push(5.0 + y * 0.1);
            }
        }
        xs.extend_from_slice(&[1.0, 1.0, 1.0]);
        ys.extend_from_slice(&[1.0, 1.0, 1.0]);
        for k in [1, 10, 15] {
            assert_eq!(map_neighbours(&xs, &ys, k), brute(&xs, &ys, k), "k = {k}");
        }
        // Fewer points than k + 1: padded with the point itself.
        assert_eq!(
            map_neighbours(&[0.0, 1.0], &[0.0, 0.0], 3),
            [1, 0, 0, 0, 1, 1]
        );
    }

    #[test]
    fn faithfulness_by_hand() {
        // Four points on a line in 2-D original space, and a map that swaps the ends.
        let x =
            Array2::from_shape_vec((4, 2), vec![0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0]).unwrap();
        let v = Vectors::from_f32("line", x, Storage::F32).unwrap();
        // The original as its own layout: every neighbourhood kept.
        let same = faithfulness(&v, &[0.0, 1.0, 2.0, 3.0], &[0.0; 4], 1, Metric::L2).unwrap();
        assert_eq!(same.per_point, [1.0, 1.0, 1.0, 1.0]);
        // Map order 3, 1, 2, 0: row 0's nearest (1) is still its nearest on the map? Row 0 sits
        // at 3, next to row 2 (at 2): lost. Row 1 (at 1): nearest on the map is row 2 (at 2),
        // or row 3 (at 0) — tie to the lower row, 2; originally 0 (tie 0/2 → 0): lost.
        let swapped = faithfulness(&v, &[3.0, 1.0, 2.0, 0.0], &[0.0; 4], 1, Metric::L2).unwrap();
        // Row 2: original nearest 1 (tie 1/3 → 1); on the map 1 (at 1, distance 1) and 0 (at 3,
        // distance 1): tie → 0: lost. Row 3: original nearest 2; on the map row 1 (at 1): lost.
        assert_eq!(swapped.per_point, [0.0, 0.0, 0.0, 0.0]);
        assert_eq!(swapped.mean, 0.0);
        assert_eq!(preserved(&[1, 2, 0, 3], &[2, 1, 3, 5], 2), [1.0, 0.5]);
    }
}
