//! Selections: sets of rows ([`RowSet`], a bitset), and the rows inside a lasso or a rectangle
//! drawn on the map.
//!
//! [`in_polygon`] tests each point against only the polygon's edges that cross its height: the
//! edges are put in buckets by their y range, so a point meets a handful of edges however long
//! the lasso (1M points in milliseconds). The rule is even-odd (a self-crossing lasso leaves its
//! doubly wound parts out, as a canvas `fill("evenodd")` would); points exactly on an edge count
//! as inside on the left and bottom edges only, as for pixels.

/// A set of rows out of `len`. It travels (serde) as `len` and its bit words (`words[r / 64] >>
/// (r % 64) & 1`); reading one back drops bits past `len` and counts the rows again, so a set
/// from elsewhere is as sound as one built here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "RowSetWire", into = "RowSetWire")]
pub struct RowSet {
    bits: Vec<u64>,
    len: usize,
    count: usize,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RowSetWire {
    len: usize,
    words: Vec<u64>,
}

impl From<RowSetWire> for RowSet {
    fn from(wire: RowSetWire) -> Self {
        let mut bits = wire.words;
        bits.resize(wire.len.div_ceil(64), 0);
        let mut set = RowSet {
            bits,
            len: wire.len,
            count: 0,
        };
        set.settle();
        set
    }
}

impl From<RowSet> for RowSetWire {
    fn from(set: RowSet) -> Self {
        RowSetWire {
            len: set.len,
            words: set.bits,
        }
    }
}

/// How a new set of rows changes a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Combine {
    /// The new rows replace it.
    #[default]
    Replace,
    /// The new rows are added (Shift).
    Add,
    /// The new rows are taken out (Alt).
    Remove,
}

impl RowSet {
    /// No rows out of `len`.
    pub fn new(len: usize) -> Self {
        RowSet {
            bits: vec![0; len.div_ceil(64)],
            len,
            count: 0,
        }
    }

    /// `rows` out of `len` (rows past the end are left out).
    pub fn from_rows(len: usize, rows: impl IntoIterator<Item = u32>) -> Self {
        let mut set = Self::new(len);
        for r in rows {
            set.insert(r as usize);
        }
        set
    }

    /// The rows of `0..len` for which `keep` says true.
    pub fn from_fn(len: usize, mut keep: impl FnMut(usize) -> bool) -> Self {
        let mut set = Self::new(len);
        for (w, word) in set.bits.iter_mut().enumerate() {
            for b in 0..64 {
                let row = w * 64 + b;
                if row < len && keep(row) {
                    *word |= 1 << b;
                }
            }
        }
        set.settle();
        set
    }

    /// Clears bits past the end and counts the rows again.
    fn settle(&mut self) {
        if let Some(last) = self.bits.last_mut() {
            if !self.len.is_multiple_of(64) {
                *last &= (1u64 << (self.len % 64)) - 1;
            }
        }
        self.count = self.bits.iter().map(|w| w.count_ones() as usize).sum();
    }

    /// Rows the set is out of.
    pub fn universe(&self) -> usize {
        self.len
    }

    /// Rows in the set.
    pub fn count(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn contains(&self, row: usize) -> bool {
        row < self.len && self.bits[row / 64] & (1 << (row % 64)) != 0
    }

    /// Adds `row`; false when it is past the end.
    pub fn insert(&mut self, row: usize) -> bool {
        if row >= self.len {
            return false;
        }
        let (w, b) = (row / 64, 1u64 << (row % 64));
        if self.bits[w] & b == 0 {
            self.bits[w] |= b;
            self.count += 1;
        }
        true
    }

    pub fn remove(&mut self, row: usize) {
        if row < self.len {
            let (w, b) = (row / 64, 1u64 << (row % 64));
            if self.bits[w] & b != 0 {
                self.bits[w] &= !b;
                self.count -= 1;
            }
        }
    }

    /// This set changed by `other` as `how` says (sets of different lengths: `other`'s rows
    /// past this one's end are ignored).
    pub fn combine(&mut self, other: &RowSet, how: Combine) {
        let n = self.bits.len().min(other.bits.len());
        match how {
            Combine::Replace => {
                self.bits.fill(0);
                self.bits[..n].copy_from_slice(&other.bits[..n]);
            }
            Combine::Add => {
                for (a, b) in self.bits.iter_mut().zip(&other.bits) {
                    *a |= b;
                }
            }
            Combine::Remove => {
                for (a, b) in self.bits.iter_mut().zip(&other.bits) {
                    *a &= !b;
                }
            }
        }
        self.settle();
    }

    /// Rows in both.
    pub fn intersect(&mut self, other: &RowSet) {
        for (i, a) in self.bits.iter_mut().enumerate() {
            *a &= other.bits.get(i).copied().unwrap_or(0);
        }
        self.settle();
    }

    /// The rows, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let b = word.trailing_zeros();
                word &= word - 1;
                Some((w * 64) as u32 + b)
            })
        })
    }

    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }

    /// Runs of consecutive rows as `(first, last)`, ascending.
    pub fn runs(&self) -> Vec<(u32, u32)> {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for r in self.iter() {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == r => *last = r,
                _ => runs.push((r, r)),
            }
        }
        runs
    }
}

/// The rows whose point lies inside the rectangle with corners `a` and `b` (any two opposite
/// corners), edges included.
pub fn in_rect(xs: &[f32], ys: &[f32], a: [f32; 2], b: [f32; 2]) -> RowSet {
    let (x0, x1) = (a[0].min(b[0]), a[0].max(b[0]));
    let (y0, y1) = (a[1].min(b[1]), a[1].max(b[1]));
    let n = xs.len().min(ys.len());
    let mut set = RowSet::new(n);
    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
        if x >= x0 && x <= x1 && y >= y0 && y <= y1 {
            set.insert(i);
        }
    }
    set
}

/// Where the edge `[ax, ay, bx, by]` crosses height `y`, if it does. The edge spans its heights
/// half-open (lower end in, upper end out), so a vertex is counted once.
fn crossing([ax, ay, bx, by]: [f32; 4], y: f32) -> Option<f32> {
    ((ay <= y) != (by <= y)).then(|| ax + (y - ay) / (by - ay) * (bx - ax))
}

/// The rows whose point lies inside the closed `polygon` (even-odd rule; see the module's
/// notes). Fewer than 3 vertices select nothing.
pub fn in_polygon(xs: &[f32], ys: &[f32], polygon: &[[f32; 2]]) -> RowSet {
    let n = xs.len().min(ys.len());
    let mut set = RowSet::new(n);
    let vertices: Vec<[f32; 2]> = polygon
        .iter()
        .copied()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect();
    if vertices.len() < 3 {
        return set;
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for p in &vertices {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    // Edges (non-horizontal) bucketed by the rows of height they span.
    let buckets = vertices.len().clamp(1, 4096);
    let height = (y1 - y0).max(f32::MIN_POSITIVE);
    let per_bucket = buckets as f32 / height;
    let bucket_of = |y: f32| (((y - y0) * per_bucket) as usize).min(buckets - 1);
    let mut edges_in: Vec<Vec<[f32; 4]>> = vec![Vec::new(); buckets];
    for i in 0..vertices.len() {
        let a = vertices[i];
        let b = vertices[(i + 1) % vertices.len()];
        if a[1] == b[1] {
            continue;
        }
        let (lo, hi) = (a[1].min(b[1]), a[1].max(b[1]));
        for bucket in &mut edges_in[bucket_of(lo)..=bucket_of(hi)] {
            bucket.push([a[0], a[1], b[0], b[1]]);
        }
    }
    let exact = |x: f32, y: f32| {
        let mut inside = false;
        for &edge in &edges_in[bucket_of(y)] {
            // The crossing is to the right of the point (or at it).
            if crossing(edge, y).is_some_and(|cross| x <= cross) {
                inside = !inside;
            }
        }
        inside
    };
    // A grid of cells over the polygon's box: a cell no edge touches is wholly inside or
    // wholly outside (its centre says which), so only points in cells an edge touches need
    // the exact test.
    let cells = ((n as f64).sqrt() / 2.0).clamp(8.0, 1024.0) as usize;
    let (cw, ch) = (
        ((x1 - x0) / cells as f32).max(f32::MIN_POSITIVE),
        ((y1 - y0) / cells as f32).max(f32::MIN_POSITIVE),
    );
    // By the reciprocal (a multiply per point, not a divide): a point on a cell's border may
    // land in its neighbour, which is fine, as every cell next to one an edge touches is
    // marked as touched too.
    let (per_cw, per_ch) = (1.0 / cw, 1.0 / ch);
    let cell_of = |v: f32, lo: f32, per: f32| {
        (((v - lo) * per) as isize).clamp(0, cells as isize - 1) as usize
    };
    const OUT: u8 = 0;
    const IN: u8 = 1;
    const EDGE: u8 = 2;
    let mut class = vec![OUT; cells * cells];
    for i in 0..vertices.len() {
        let a = vertices[i];
        let b = vertices[(i + 1) % vertices.len()];
        let (lo, hi) = (a[1].min(b[1]), a[1].max(b[1]));
        // Rows the edge spans, one cell more each way (rounding), and in each row the columns
        // between the edge's x at the row's bottom and top, one more each way.
        let (r0, r1) = (
            cell_of(lo, y0, per_ch).saturating_sub(1),
            (cell_of(hi, y0, per_ch) + 1).min(cells - 1),
        );
        for r in r0..=r1 {
            let (ry0, ry1) = (
                (y0 + r as f32 * ch).max(lo),
                (y0 + (r + 1) as f32 * ch).min(hi),
            );
            let x_at = |y: f32| {
                if a[1] == b[1] {
                    a[0]
                } else {
                    a[0] + (y.clamp(lo, hi) - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
                }
            };
            let (xa, xb) = if a[1] == b[1] {
                (a[0].min(b[0]), a[0].max(b[0]))
            } else {
                let (p, q) = (x_at(ry0), x_at(ry1));
                (p.min(q), p.max(q))
            };
            let (c0, c1) = (
                cell_of(xa, x0, per_cw).saturating_sub(1),
                (cell_of(xb, x0, per_cw) + 1).min(cells - 1),
            );
            class[r * cells + c0..=r * cells + c1].fill(EDGE);
        }
    }
    // Each row's cell centres by one scan line: the crossings to the right of a centre, as
    // `exact` counts them.
    let mut crossings: Vec<f32> = Vec::new();
    for r in 0..cells {
        let yc = y0 + (r as f32 + 0.5) * ch;
        crossings.clear();
        crossings.extend(
            edges_in[bucket_of(yc)]
                .iter()
                .filter_map(|&e| crossing(e, yc)),
        );
        crossings.sort_unstable_by(f32::total_cmp);
        let mut left = 0;
        for c in 0..cells {
            let xc = x0 + (c as f32 + 0.5) * cw;
            while left < crossings.len() && crossings[left] < xc {
                left += 1;
            }
            let k = r * cells + c;
            if class[k] != EDGE && (crossings.len() - left) % 2 == 1 {
                class[k] = IN;
            }
        }
    }
    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
        if !(x >= x0 && x <= x1 && y >= y0 && y <= y1) {
            continue;
        }
        let inside = match class[cell_of(y, y0, per_ch) * cells + cell_of(x, x0, per_cw)] {
            IN => true,
            OUT => false,
            _ => exact(x, y),
        };
        if inside {
            set.insert(i);
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn row_sets_combine_as_sets_do() {
        let mut a = RowSet::from_rows(130, [1, 2, 64, 129, 500]);
        assert_eq!(a.count(), 4, "500 is past the end");
        let b = RowSet::from_rows(130, [2, 3, 129]);
        let mut add = a.clone();
        add.combine(&b, Combine::Add);
        assert_eq!(add.to_vec(), vec![1, 2, 3, 64, 129]);
        a.combine(&b, Combine::Remove);
        assert_eq!(a.to_vec(), vec![1, 64]);
        a.combine(&b, Combine::Replace);
        assert_eq!(a.to_vec(), vec![2, 3, 129]);
        assert_eq!(add.runs(), vec![(1, 3), (64, 64), (129, 129)]);
        add.intersect(&RowSet::from_rows(130, [3, 64, 100]));
        assert_eq!((add.to_vec(), add.count()), (vec![3, 64], 2));
        assert!(add.contains(64) && !add.contains(65) && !add.contains(10_000));
    }

    #[test]
    fn a_row_set_travels_and_a_bad_one_is_made_sound() {
        let set = RowSet::from_fn(130, |r| r % 3 == 0);
        assert_eq!(
            set.to_vec(),
            (0..130).filter(|r| r % 3 == 0).collect::<Vec<_>>()
        );
        assert_eq!(set.count(), 44);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(serde_json::from_str::<RowSet>(&json).unwrap(), set);
        // Bits past the end and missing words: dropped and zero-filled, the count redone.
        let bad: RowSet =
            serde_json::from_str(r#"{"len":70,"words":[3,18446744073709551615]}"#).unwrap();
        assert_eq!(bad.count(), 2 + 6);
        assert!(bad.contains(69) && !bad.contains(70));
        let short: RowSet = serde_json::from_str(r#"{"len":200,"words":[1]}"#).unwrap();
        assert_eq!((short.count(), short.universe()), (1, 200));
        assert!(!short.contains(199));
    }

    #[test]
    fn a_rectangle_takes_its_edges_and_either_corner_order() {
        let xs = [0.0, 1.0, 2.0, 1.0, -1.0];
        let ys = [0.0, 1.0, 2.0, 3.0, 1.0];
        assert_eq!(
            in_rect(&xs, &ys, [2.0, 2.0], [0.0, 0.0]).to_vec(),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn a_concave_lasso_leaves_its_notch_out() {
        // An L: the square (0,0)-(4,4) without its top-right quarter (2,2)-(4,4).
        let l = [
            [0.0, 0.0],
            [4.0, 0.0],
            [4.0, 2.0],
            [2.0, 2.0],
            [2.0, 4.0],
            [0.0, 4.0],
        ];
        let xs = [1.0, 3.0, 3.0, 1.0, 5.0, 2.5];
        let ys = [1.0, 1.0, 3.0, 3.0, 1.0, 2.5];
        assert_eq!(in_polygon(&xs, &ys, &l).to_vec(), vec![0, 1, 3]);
        assert!(in_polygon(&xs, &ys, &l[..2]).is_empty());
    }

    #[test]
    fn a_self_crossing_lasso_follows_the_even_odd_rule() {
        // A pentagram: its centre is wound twice, so it is out; the points of the star are in.
        let star: Vec<[f32; 2]> = (0..5)
            .map(|k| {
                let a = std::f32::consts::FRAC_PI_2 + (k * 2) as f32 * std::f32::consts::TAU / 5.0;
                [a.cos(), a.sin()]
            })
            .collect();
        let set = in_polygon(&[0.0, 0.0], &[0.0, 0.8], &star);
        assert_eq!(set.to_vec(), vec![1]);
    }

    /// Winding number by summed angles: an independent inside test for simple polygons.
    fn winding(p: [f32; 2], poly: &[[f32; 2]]) -> bool {
        let mut total = 0.0f64;
        for i in 0..poly.len() {
            let a = poly[i];
            let b = poly[(i + 1) % poly.len()];
            let (ax, ay) = (f64::from(a[0] - p[0]), f64::from(a[1] - p[1]));
            let (bx, by) = (f64::from(b[0] - p[0]), f64::from(b[1] - p[1]));
            total += (ax * by - ay * bx).atan2(ax * bx + ay * by);
        }
        total.abs() > std::f64::consts::PI
    }

    /// Many points (so the grid of cells is fine) in a spiky star and a comb: the cells an edge
    /// touches and the cells wholly inside or outside give the winding number's answer.
    #[test]
    fn many_points_in_spiky_and_concave_lassos_agree_with_the_winding_number() {
        let mut state = 7u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        };
        let (xs, ys): (Vec<f32>, Vec<f32>) = (0..60_000).map(|_| (next(), next())).unzip();
        let star: Vec<[f32; 2]> = (0..240)
            .map(|k| {
                let a = k as f32 * std::f32::consts::TAU / 240.0;
                let r = if k % 2 == 0 { 0.95 } else { 0.3 };
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        let mut comb = vec![[-0.9, -0.9], [0.9, -0.9]];
        for t in 0..12 {
            let x = 0.9 - t as f32 * 0.15;
            comb.extend([[x, 0.9], [x - 0.07, 0.9], [x - 0.07, -0.6]]);
        }
        for poly in [star, comb] {
            let set = in_polygon(&xs, &ys, &poly);
            let mut checked = 0;
            for (i, (&x, &y)) in xs.iter().zip(&ys).enumerate() {
                let near_edge = (0..poly.len()).any(|e| {
                    let a = poly[e];
                    let b = poly[(e + 1) % poly.len()];
                    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                    let t =
                        (((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                    let (px, py) = (a[0] + t * dx - x, a[1] + t * dy - y);
                    (px * px + py * py).sqrt() < 1e-4
                });
                if !near_edge {
                    assert_eq!(
                        set.contains(i),
                        winding([x, y], &poly),
                        "point {:?}",
                        (x, y)
                    );
                    checked += 1;
                }
            }
            assert!(
                checked > 59_000 && set.count() > 5_000,
                "{checked} {}",
                set.count()
            );
        }
    }

    proptest! {
        #[test]
        fn a_star_shaped_lasso_agrees_with_the_winding_number(
            radii in prop::collection::vec(0.2f32..1.0, 3..60),
            points in prop::collection::vec((-1.0f32..1.0, -1.0f32..1.0), 1..300),
        ) {
            // A polygon with vertices at increasing angles around the origin is simple.
            let poly: Vec<[f32; 2]> = radii.iter().enumerate().map(|(k, r)| {
                let a = k as f32 * std::f32::consts::TAU / radii.len() as f32;
                [r * a.cos(), r * a.sin()]
            }).collect();
            let (xs, ys): (Vec<f32>, Vec<f32>) = points.iter().copied().unzip();
            let set = in_polygon(&xs, &ys, &poly);
            for (i, (&x, &y)) in xs.iter().zip(&ys).enumerate() {
                // Points within a hair of an edge may go either way in f32.
                let near_edge = (0..poly.len()).any(|e| {
                    let a = poly[e];
                    let b = poly[(e + 1) % poly.len()];
                    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                    let t = (((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                    let (px, py) = (a[0] + t * dx - x, a[1] + t * dy - y);
                    (px * px + py * py).sqrt() < 1e-4
                });
                if !near_edge {
                    prop_assert_eq!(set.contains(i), winding([x, y], &poly), "point {:?}", (x, y));
                }
            }
        }
    }
}
