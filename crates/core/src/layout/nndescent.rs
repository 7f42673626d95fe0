//! Approximate k-nearest-neighbour graph by NN-Descent (Dong, Moses & Li 2011), seeded by
//! random-projection trees, as pynndescent builds it for umap-learn — written here for the
//! squared Euclidean distance on f32 rows (unit rows for the cosine graph), on the
//! [`crate::kernels::active`] kernels (simd128 in the page).
//!
//! The search runs on int8 codes of the rows (one scale per row, as the quantised index's):
//! a distance is one integer dot product of 384 bytes instead of 1,536 of floats, a quarter of
//! the memory traffic of the random reads the joins make. The codes only choose candidates:
//! [`NnDescent::into_sorted`] measures every neighbour found again on the f32 rows and sorts
//! them by that exact distance.
//!
//! The work is cut into small steps ([`NnDescent::step`]: one tree node split or leaf, candidate
//! lists for a block of rows, the local join of a block of rows) so that the page's worker can
//! give its turn back between them. Single-threaded and seeded: the same rows and seed give the
//! same graph on every target.
//!
//! How it works:
//! 1. `trees` random-projection trees: a node's rows are split by the hyperplane halfway between
//!    two of its rows picked at random, down to leaves of at most `leaf_size` rows; every pair in
//!    a leaf is a candidate. Each row keeps a max-heap of its `k` nearest found so far, each entry
//!    flagged "new" until it has taken part in a join.
//! 2. Rounds of the local join: each row's new and old neighbours, forward and reverse (at most
//!    `max_candidates` of each, sampled by random priority), are compared pairwise (new × new and
//!    new × old) and each pair offered to both rows' heaps. The rounds stop after `iterations`,
//!    or once a round changes fewer than `delta · n · k` heap entries.

use crate::kernels::active;
use crate::project::rng::SplitMix64;
use crate::search::codes;

/// NN-Descent's settings; [`NnDescentParams::for_rows`] gives umap-learn's choices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NnDescentParams {
    /// Neighbours kept per row, the row itself not counted.
    pub k: usize,
    /// Random-projection trees for the start.
    pub trees: usize,
    /// Most rows in a tree's leaf.
    pub leaf_size: usize,
    /// Most candidates (new, and old) per row and round.
    pub max_candidates: usize,
    /// Most rounds of the local join.
    pub iterations: usize,
    /// Stop once a round changes fewer than `delta · n · k` entries.
    pub delta: f32,
    pub seed: u64,
}

impl NnDescentParams {
    /// umap-learn's settings for `rows` rows and `k` neighbours (the row itself not counted):
    /// `5 + round(√n / 20)` trees (at most 64), `max(5, round(log₂ n))` rounds; 30 candidates
    /// (umap-learn: 60; the candidate lists are the biggest part of the memory, and the recall
    /// on 20k WordNet glosses stays 0.972);
    /// leaves hold up to `max(30, 2k)` rows (pynndescent: `max(10, k)`), a little more work per
    /// tree for a better start.
    pub fn for_rows(rows: usize, k: usize, seed: u64) -> Self {
        let n = rows.max(1) as f64;
        Self {
            k,
            trees: (5 + (n.sqrt() / 20.0).round() as usize).min(12),
            leaf_size: k.max(20),
            max_candidates: 30,
            iterations: ((n.log2().round()) as usize).max(5),
            delta: 0.001,
            seed,
        }
    }
}

/// Where the build is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    /// Splitting tree `tree`'s nodes (the `stack` of row lists still to split or join).
    Trees {
        tree: usize,
    },
    /// Gathering the candidates of round `round` for rows from `row` on.
    Candidates {
        round: usize,
        row: usize,
    },
    /// Joining round `round`'s candidates for rows from `row` on.
    Join {
        round: usize,
        row: usize,
    },
    Done,
}

/// Rows handled in one candidate or join step.
const ROWS_PER_STEP: usize = 256;

/// An NN-Descent build in progress over `n × d` f32 rows (row-major), by squared L2 distance.
pub struct NnDescent<'a> {
    data: &'a [f32],
    n: usize,
    d: usize,
    /// The rows as int8 codes (`n × d`), each row `scales[i] · codes` ≈ the f32 row, and the
    /// squared norm of that product.
    codes: Vec<i8>,
    scales: Vec<f32>,
    norms: Vec<f32>,
    params: NnDescentParams,
    /// Per row, a max-heap (root first) of `k` (distance, id, new) entries; id `u32::MAX` = empty.
    dist: Vec<f32>,
    ids: Vec<u32>,
    new: Vec<bool>,
    rng: SplitMix64,
    stage: Stage,
    stack: Vec<Vec<u32>>,
    /// Heap entries changed in the round running.
    updates: usize,
    /// Candidate lists of the round running: per row `max_candidates` ids and priorities.
    cand_new: Vec<u32>,
    cand_old: Vec<u32>,
    pri_new: Vec<f32>,
    pri_old: Vec<f32>,
    /// Distance evaluations so far (for the record and benchmarks).
    evaluations: u64,
}

const EMPTY: u32 = u32::MAX;

impl<'a> NnDescent<'a> {
    /// A build over `data` (`n` rows of `d` values). `k` is capped at `n − 1`.
    pub fn new(data: &'a [f32], d: usize, mut params: NnDescentParams) -> Self {
        let n = data.len().checked_div(d).unwrap_or(0);
        params.k = params.k.min(n.saturating_sub(1)).max(1);
        params.leaf_size = params.leaf_size.max(2);
        params.max_candidates = params.max_candidates.max(1);
        let k = params.k;
        let rng = SplitMix64::new(params.seed ^ 0x4E4E_D35C);
        let (codes, scales, norms) = quantize(data, n, d);
        let mut me = Self {
            data,
            n,
            d,
            codes,
            scales,
            norms,
            params,
            dist: vec![f32::INFINITY; n * k],
            ids: vec![EMPTY; n * k],
            new: vec![true; n * k],
            rng,
            stage: Stage::Trees { tree: 0 },
            stack: Vec::new(),
            updates: 0,
            cand_new: Vec::new(),
            cand_old: Vec::new(),
            pri_new: Vec::new(),
            pri_old: Vec::new(),
            evaluations: 0,
        };
        if params.trees == 0 || n < 2 {
            me.stage = if n < 2 {
                Stage::Done
            } else {
                me.fill_random();
                Stage::Candidates { round: 0, row: 0 }
            };
        } else {
            me.stack.push((0..n as u32).collect());
        }
        me
    }

    /// Squared L2 distance between rows `i` and `j`'s codes (`|a|² + |b|² − 2·a·b` with an
    /// integer dot product).
    #[inline]
    fn distance(&mut self, i: usize, j: usize) -> f32 {
        self.evaluations += 1;
        let d = self.d;
        let dot = active::dot_codes(
            &self.codes[i * d..(i + 1) * d],
            &self.codes[j * d..(j + 1) * d],
        );
        (self.norms[i] + self.norms[j] - 2.0 * self.scales[i] * self.scales[j] * dot as f32)
            .max(0.0)
    }

    /// Row `r`'s codes dotted with `codes`.
    #[inline]
    fn dot_row(&self, r: usize, codes: &[i8]) -> f32 {
        let d = self.d;
        self.scales[r] * active::dot_codes(&self.codes[r * d..(r + 1) * d], codes) as f32
    }

    /// Offer `j` at squared distance `dist` to row `i`'s heap; true when it went in.
    fn push(&mut self, i: usize, j: u32, dist: f32) -> bool {
        let k = self.params.k;
        let base = i * k;
        if dist.partial_cmp(&self.dist[base]) != Some(std::cmp::Ordering::Less) || j as usize == i {
            return false;
        }
        if self.ids[base..base + k].contains(&j) {
            return false;
        }
        let (heap_i, heap_n) = (&mut self.ids[base..base + k], &mut self.new[base..base + k]);
        let at = sift_root(&mut self.dist[base..base + k], dist, |from, to| {
            heap_i[to] = heap_i[from];
            heap_n[to] = heap_n[from];
        });
        heap_i[at] = j;
        heap_n[at] = true;
        true
    }

    /// Neighbours kept per row.
    pub fn k(&self) -> usize {
        self.params.k
    }

    /// Distance evaluations so far.
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// True once the graph is final.
    pub fn done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// A share of the work done, in [0, 1], for a progress bar: trees count for a third.
    pub fn progress(&self) -> f64 {
        let rounds = self.params.iterations.max(1) as f64;
        let n = self.n.max(1) as f64;
        match self.stage {
            Stage::Trees { tree } => tree as f64 / self.params.trees.max(1) as f64 / 3.0,
            Stage::Candidates { round, .. } => 1.0 / 3.0 + 2.0 / 3.0 * round as f64 / rounds,
            Stage::Join { round, row } => {
                1.0 / 3.0 + 2.0 / 3.0 * (round as f64 + row as f64 / n) / rounds
            }
            Stage::Done => 1.0,
        }
    }

    /// A short description of the stage, for a status line.
    pub fn stage_name(&self) -> String {
        match self.stage {
            Stage::Trees { tree } => format!(
                "random-projection tree {} / {}",
                tree + 1,
                self.params.trees
            ),
            Stage::Candidates { round, .. } | Stage::Join { round, .. } => {
                format!(
                    "NN-Descent round {} / {}",
                    round + 1,
                    self.params.iterations
                )
            }
            Stage::Done => "done".to_owned(),
        }
    }

    /// Do one small piece of the work; false once there is none left.
    pub fn step(&mut self) -> bool {
        match self.stage.clone() {
            Stage::Trees { tree } => {
                match self.stack.pop() {
                    Some(rows) => self.tree_node(rows),
                    None => {
                        self.stage = if tree + 1 < self.params.trees {
                            self.stack.push((0..self.n as u32).collect());
                            Stage::Trees { tree: tree + 1 }
                        } else {
                            self.fill_random();
                            if self.params.iterations == 0 {
                                Stage::Done
                            } else {
                                Stage::Candidates { round: 0, row: 0 }
                            }
                        };
                    }
                }
                true
            }
            Stage::Candidates { round, row } => {
                if row == 0 {
                    let slots = self.n * self.params.max_candidates;
                    self.cand_new = vec![EMPTY; slots];
                    self.cand_old = vec![EMPTY; slots];
                    self.pri_new = vec![f32::INFINITY; slots];
                    self.pri_old = vec![f32::INFINITY; slots];
                    self.updates = 0;
                }
                let end = (row + ROWS_PER_STEP).min(self.n);
                self.candidates(row..end);
                self.stage = if end < self.n {
                    Stage::Candidates { round, row: end }
                } else {
                    self.mark_old();
                    Stage::Join { round, row: 0 }
                };
                true
            }
            Stage::Join { round, row } => {
                let end = (row + ROWS_PER_STEP).min(self.n);
                self.join(row..end);
                self.stage = if end < self.n {
                    Stage::Join { round, row: end }
                } else {
                    let threshold =
                        f64::from(self.params.delta) * self.n as f64 * self.params.k as f64;
                    if round + 1 >= self.params.iterations || (self.updates as f64) < threshold {
                        self.cand_new = Vec::new();
                        self.cand_old = Vec::new();
                        self.pri_new = Vec::new();
                        self.pri_old = Vec::new();
                        Stage::Done
                    } else {
                        Stage::Candidates {
                            round: round + 1,
                            row: 0,
                        }
                    }
                };
                true
            }
            Stage::Done => false,
        }
    }

    /// Run every remaining step.
    pub fn run(&mut self) {
        while self.step() {}
    }

    /// Rows the trees left with empty heap entries (leaves smaller than k + 1, or no trees)
    /// get random rows offered, so that every row has neighbours to start the joins from.
    fn fill_random(&mut self) {
        let k = self.params.k;
        for i in 0..self.n {
            if !self.ids[i * k..(i + 1) * k].contains(&EMPTY) {
                continue;
            }
            for _ in 0..k {
                let j = (self.rng.next_u64() % self.n as u64) as usize;
                if j != i {
                    let dij = self.distance(i, j);
                    self.push(i, j as u32, dij);
                }
            }
        }
    }

    /// Split a tree node, or join a leaf's rows pairwise.
    fn tree_node(&mut self, rows: Vec<u32>) {
        let d = self.d;
        if rows.len() <= self.params.leaf_size {
            for (x, &a) in rows.iter().enumerate() {
                for &b in &rows[x + 1..] {
                    let dist = self.distance(a as usize, b as usize);
                    self.push(a as usize, b, dist);
                    self.push(b as usize, a, dist);
                }
            }
            return;
        }
        let len = rows.len() as u64;
        let a = rows[(self.rng.next_u64() % len) as usize] as usize;
        let mut b = rows[(self.rng.next_u64() % len) as usize] as usize;
        if a == b {
            b = rows[((self.rng.next_u64() % (len - 1)) as usize + 1).min(rows.len() - 1)] as usize;
        }
        // The hyperplane's normal a − b, itself as codes (its scale drops out of the sides),
        // through the midpoint of a and b: row r's side is normal · (r − (a + b) / 2).
        let (sa, sb) = (self.scales[a], self.scales[b]);
        let normal: Vec<f32> = self.codes[a * d..(a + 1) * d]
            .iter()
            .zip(&self.codes[b * d..(b + 1) * d])
            .map(|(&x, &y)| sa * f32::from(x) - sb * f32::from(y))
            .collect();
        let (normal, _, _) = quantize(&normal, 1, d);
        let offset = (self.dot_row(a, &normal) + self.dot_row(b, &normal)) / 2.0;
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for &r in &rows {
            let r = r as usize;
            let side = self.dot_row(r, &normal) - offset;
            // Ties (and a degenerate normal) split at random.
            let goes_left = if side > 0.0 {
                true
            } else if side < 0.0 {
                false
            } else {
                self.rng.next_u64() & 1 == 0
            };
            if goes_left {
                left.push(r as u32);
            } else {
                right.push(r as u32);
            }
        }
        if left.is_empty() || right.is_empty() {
            // Every row on one side (duplicates): split in two halves at random instead.
            let mut all = rows;
            for i in (1..all.len()).rev() {
                let j = (self.rng.next_u64() % (i as u64 + 1)) as usize;
                all.swap(i, j);
            }
            let half = all.split_off(all.len() / 2);
            left = all;
            right = half;
        }
        self.stack.push(right);
        self.stack.push(left);
    }

    /// Offer `id` with `priority` to row `row`'s candidate list `ids`/`pri` (keeping the
    /// `max_candidates` lowest priorities).
    fn offer(ids: &mut [u32], pri: &mut [f32], row: usize, c: usize, id: u32, priority: f32) {
        let base = row * c;
        let (ids, pri) = (&mut ids[base..base + c], &mut pri[base..base + c]);
        if priority.partial_cmp(&pri[0]) != Some(std::cmp::Ordering::Less) || ids.contains(&id) {
            return;
        }
        let at = sift_root(pri, priority, |from, to| ids[to] = ids[from]);
        ids[at] = id;
    }

    /// Gather the candidates that rows `rows`' heaps give (forward to the row, reverse to the
    /// neighbour).
    fn candidates(&mut self, rows: std::ops::Range<usize>) {
        let (k, c) = (self.params.k, self.params.max_candidates);
        for i in rows {
            for s in i * k..(i + 1) * k {
                let j = self.ids[s];
                if j == EMPTY {
                    continue;
                }
                let priority = self.rng.uniform() as f32;
                if self.new[s] {
                    Self::offer(&mut self.cand_new, &mut self.pri_new, i, c, j, priority);
                    Self::offer(
                        &mut self.cand_new,
                        &mut self.pri_new,
                        j as usize,
                        c,
                        i as u32,
                        priority,
                    );
                } else {
                    Self::offer(&mut self.cand_old, &mut self.pri_old, i, c, j, priority);
                    Self::offer(
                        &mut self.cand_old,
                        &mut self.pri_old,
                        j as usize,
                        c,
                        i as u32,
                        priority,
                    );
                }
            }
        }
    }

    /// Entries picked as new candidates take part in this round's join: flag them old.
    fn mark_old(&mut self) {
        let (k, c) = (self.params.k, self.params.max_candidates);
        for i in 0..self.n {
            let cands = &self.cand_new[i * c..(i + 1) * c];
            for s in i * k..(i + 1) * k {
                if self.new[s] && cands.contains(&self.ids[s]) {
                    self.new[s] = false;
                }
            }
        }
    }

    /// The local join of rows `rows`: new × new and new × old candidate pairs.
    fn join(&mut self, rows: std::ops::Range<usize>) {
        let c = self.params.max_candidates;
        let mut news = Vec::with_capacity(c);
        let mut olds = Vec::with_capacity(c);
        for i in rows {
            news.clear();
            olds.clear();
            news.extend(
                self.cand_new[i * c..(i + 1) * c]
                    .iter()
                    .copied()
                    .filter(|&x| x != EMPTY),
            );
            olds.extend(
                self.cand_old[i * c..(i + 1) * c]
                    .iter()
                    .copied()
                    .filter(|&x| x != EMPTY),
            );
            for (x, &p) in news.iter().enumerate() {
                for &q in news[x + 1..].iter().chain(olds.iter()) {
                    if p == q {
                        continue;
                    }
                    let (p, q) = (p as usize, q as usize);
                    let dist = self.distance(p, q);
                    // Only a distance that beats one of the two heaps' worst can change them.
                    if dist < self.dist[p * self.params.k] {
                        self.updates += usize::from(self.push(p, q as u32, dist));
                    }
                    if dist < self.dist[q * self.params.k] {
                        self.updates += usize::from(self.push(q, p as u32, dist));
                    }
                }
            }
        }
    }

    /// The graph found: per row its `k` neighbours nearest first (ties to the lower row),
    /// as (ids, squared distances), `n × k` row-major, each distance measured again on the
    /// f32 rows. A row with fewer than `k` found (only when `n ≤ k`) is padded with itself at
    /// distance 0 at the end.
    pub fn into_sorted(self) -> (Vec<u32>, Vec<f32>) {
        let (k, d) = (self.params.k, self.d);
        let row_of = |i: usize| &self.data[i * d..(i + 1) * d];
        let mut ids = Vec::with_capacity(self.n * k);
        let mut dists = Vec::with_capacity(self.n * k);
        let mut row: Vec<(f32, u32)> = Vec::with_capacity(k);
        for i in 0..self.n {
            row.clear();
            row.extend(
                (i * k..(i + 1) * k)
                    .filter(|&s| self.ids[s] != EMPTY)
                    .map(|s| {
                        let j = self.ids[s];
                        (active::l2_squared(row_of(i), row_of(j as usize)), j)
                    }),
            );
            row.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for &(d, j) in &row {
                ids.push(j);
                dists.push(d);
            }
            for _ in row.len()..k {
                ids.push(i as u32);
                dists.push(0.0);
            }
        }
        (ids, dists)
    }
}

/// `n` rows of `d` values as int8 codes, one scale per row (the largest magnitude to the
/// largest code; the rounding is the quantised scans' [`codes::quantize`]), and the squared
/// norms of the scaled codes. The largest code is 127, or less where `d · code²` would not fit
/// the i32 sums of [`active::dot_codes`].
fn quantize(data: &[f32], n: usize, d: usize) -> (Vec<i8>, Vec<f32>, Vec<f32>) {
    let top = (((i32::MAX as f64) / d.max(1) as f64).sqrt().floor()).min(127.0) as f32;
    let mut codes = vec![0i8; n * d];
    let mut scales = vec![0.0f32; n];
    let mut norms = vec![0.0f32; n];
    for i in 0..n {
        let row = &data[i * d..(i + 1) * d];
        let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if !(max > 0.0 && max.is_finite()) {
            continue;
        }
        let scale = max / top;
        let out = &mut codes[i * d..(i + 1) * d];
        codes::quantize(row.iter().copied(), |_| codes::inv(scale), out);
        let sq: i64 = out.iter().map(|&c| i64::from(c) * i64::from(c)).sum();
        scales[i] = scale;
        norms[i] = (scale as f64 * scale as f64 * sq as f64) as f32;
    }
    (codes, scales, norms)
}

/// Replace the root of the max-heap `keys` (root first) by `key` and sift it down: each entry
/// moved up is reported as `moved(from, to)` (so that a caller moves its payload with it), and
/// the slot `key` lands in is returned (its key written there).
fn sift_root(keys: &mut [f32], key: f32, mut moved: impl FnMut(usize, usize)) -> usize {
    let len = keys.len();
    let mut at = 0;
    loop {
        let (l, r) = (2 * at + 1, 2 * at + 2);
        let mut big = at;
        let mut big_key = key;
        if l < len && keys[l] > big_key {
            big = l;
            big_key = keys[l];
        }
        if r < len && keys[r] > big_key {
            big = r;
        }
        if big == at {
            break;
        }
        keys[at] = keys[big];
        moved(big, at);
        at = big;
    }
    keys[at] = key;
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact neighbours by brute force (f64), the row itself left out.
    fn exact(data: &[f32], d: usize, k: usize) -> Vec<Vec<u32>> {
        let n = data.len() / d;
        (0..n)
            .map(|i| {
                let mut all: Vec<(f64, u32)> = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| {
                        let s: f64 = (0..d)
                            .map(|t| f64::from(data[i * d + t] - data[j * d + t]).powi(2))
                            .sum();
                        (s, j as u32)
                    })
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                all.into_iter().take(k).map(|x| x.1).collect()
            })
            .collect()
    }

    fn recall(found: &[u32], truth: &[Vec<u32>], k: usize) -> f64 {
        let hits: usize = truth
            .iter()
            .enumerate()
            .map(|(i, t)| {
                found[i * k..(i + 1) * k]
                    .iter()
                    .filter(|j| t.contains(j))
                    .count()
            })
            .sum();
        hits as f64 / (truth.len() * k) as f64
    }

    #[test]
    fn finds_nearly_all_neighbours_of_structured_vectors() {
        let m = crate::project::rng::synthetic_vectors(3000, 32, 7);
        let data: Vec<f32> = m.iter().copied().collect();
        let k = 14;
        let mut nn = NnDescent::new(&data, 32, NnDescentParams::for_rows(3000, k, 1));
        nn.run();
        let evals = nn.evaluations();
        let (ids, dists) = nn.into_sorted();
        let truth = exact(&data, 32, k);
        let r = recall(&ids, &truth, k);
        assert!(r >= 0.95, "recall {r}");
        // Less work than brute force.
        assert!(evals < 3000 * 2999 / 2, "{evals} evaluations");
        // Sorted nearest first, and the distances are the true ones.
        for i in 0..3000 {
            for t in 0..k {
                let j = ids[i * k + t] as usize;
                assert_ne!(i, j);
                let s: f32 = (0..32)
                    .map(|x| (data[i * 32 + x] - data[j * 32 + x]).powi(2))
                    .sum();
                assert!((s - dists[i * k + t]).abs() <= 1e-3 * s.max(1.0));
                if t > 0 {
                    assert!(dists[i * k + t - 1] <= dists[i * k + t]);
                }
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_graph_however_the_steps_are_taken() {
        let m = crate::project::rng::synthetic_vectors(800, 16, 3);
        let data: Vec<f32> = m.iter().copied().collect();
        let params = NnDescentParams::for_rows(800, 10, 9);
        let mut a = NnDescent::new(&data, 16, params);
        a.run();
        let mut b = NnDescent::new(&data, 16, params);
        let mut steps = 0;
        while b.step() {
            steps += 1;
        }
        assert!(steps > 10);
        assert_eq!(a.into_sorted(), b.into_sorted());
    }

    #[test]
    fn duplicates_and_identical_rows_give_finite_graphs() {
        // 200 identical rows, then 50 copies of one other row.
        let mut data = vec![0.5f32; 200 * 4];
        data.extend(std::iter::repeat_n(1.5f32, 50 * 4));
        let mut nn = NnDescent::new(&data, 4, NnDescentParams::for_rows(250, 5, 0));
        nn.run();
        let (ids, dists) = nn.into_sorted();
        assert!(dists.iter().all(|d| d.is_finite()));
        for i in 0..250 {
            assert!(ids[i * 5..(i + 1) * 5].iter().all(|&j| j as usize != i));
            assert!(dists[i * 5..(i + 1) * 5].iter().all(|&d| d == 0.0));
        }
    }

    #[test]
    fn tiny_inputs_are_handled() {
        let data = [0.0f32, 1.0, 3.0];
        let mut nn = NnDescent::new(&data, 1, NnDescentParams::for_rows(3, 15, 0));
        nn.run();
        let (ids, _) = nn.into_sorted();
        assert_eq!(ids, vec![1, 2, 0, 2, 1, 0]);
        let mut one = NnDescent::new(&data[..1], 1, NnDescentParams::for_rows(1, 15, 0));
        one.run();
        assert_eq!(one.into_sorted().0, vec![0]);
    }
}
