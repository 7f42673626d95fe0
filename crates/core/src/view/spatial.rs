//! Nearest point to a world position, for hover: a uniform grid over the points' bounds.

use crate::view::camera::Bounds;

/// A bucket grid over 2-D points.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct GridIndex {
    bounds: Bounds,
    cells_x: usize,
    cells_y: usize,
    cell_size: [f32; 2],
    /// Start of each cell's run in `ids` (prefix sums, `cells + 1` entries).
    cell_start: Vec<u32>,
    ids: Vec<u32>,
}

impl GridIndex {
    /// The bounds of the points it was built on.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Build with about `points_per_cell` points per cell on average.
    pub fn build(xs: &[f32], ys: &[f32], points_per_cell: usize) -> Self {
        let n = xs.len().min(ys.len());
        let bounds = Bounds::of_points(&xs[..n], &ys[..n]);
        let cells = (n / points_per_cell.max(1)).max(1);
        let side = (cells as f64).sqrt().ceil() as usize;
        let (cells_x, cells_y) = (side.max(1), side.max(1));
        let size = bounds.size();
        let cell_size = [
            (size[0] / cells_x as f32).max(f32::MIN_POSITIVE),
            (size[1] / cells_y as f32).max(f32::MIN_POSITIVE),
        ];
        let mut index = Self {
            bounds,
            cells_x,
            cells_y,
            cell_size,
            cell_start: vec![0; cells_x * cells_y + 1],
            ids: vec![0; n],
        };
        let cell_of: Vec<usize> = (0..n).map(|i| index.cell_of([xs[i], ys[i]])).collect();
        for &c in &cell_of {
            index.cell_start[c + 1] += 1;
        }
        for c in 0..cells_x * cells_y {
            index.cell_start[c + 1] += index.cell_start[c];
        }
        let mut fill = index.cell_start.clone();
        for (i, &c) in cell_of.iter().enumerate() {
            index.ids[fill[c] as usize] = i as u32;
            fill[c] += 1;
        }
        index
    }

    /// Every point id, sorted by grid cell (cells in row-major order, ids ascending within a
    /// cell): neighbours on the map are near each other in this order, which makes it a
    /// cache-friendly order to draw in.
    pub fn order(&self) -> &[u32] {
        &self.ids
    }

    fn cell_coords(&self, p: [f32; 2]) -> (usize, usize) {
        let cx = ((p[0] - self.bounds.min[0]) / self.cell_size[0]).floor();
        let cy = ((p[1] - self.bounds.min[1]) / self.cell_size[1]).floor();
        (
            (cx.max(0.0) as usize).min(self.cells_x - 1),
            (cy.max(0.0) as usize).min(self.cells_y - 1),
        )
    }

    fn cell_of(&self, p: [f32; 2]) -> usize {
        let (cx, cy) = self.cell_coords(p);
        cy * self.cells_x + cx
    }

    /// The point nearest to `p` within `max_dist` (world units), lower id on ties.
    pub fn nearest(&self, xs: &[f32], ys: &[f32], p: [f32; 2], max_dist: f32) -> Option<u32> {
        self.nearest_where(xs, ys, p, max_dist, |_| true)
    }

    /// [`GridIndex::nearest`] among the points `keep` says true for (the ones drawn).
    pub fn nearest_where(
        &self,
        xs: &[f32],
        ys: &[f32],
        p: [f32; 2],
        max_dist: f32,
        keep: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        let (x0, y0) = self.cell_coords([p[0] - max_dist, p[1] - max_dist]);
        let (x1, y1) = self.cell_coords([p[0] + max_dist, p[1] + max_dist]);
        let mut best: Option<(f32, u32)> = None;
        for cy in y0..=y1 {
            for cx in x0..=x1 {
                let c = cy * self.cells_x + cx;
                for &id in &self.ids[self.cell_start[c] as usize..self.cell_start[c + 1] as usize] {
                    let (dx, dy) = (xs[id as usize] - p[0], ys[id as usize] - p[1]);
                    let d2 = dx * dx + dy * dy;
                    if d2 <= max_dist * max_dist
                        && keep(id)
                        && best.is_none_or(|(bd, bid)| d2 < bd || (d2 == bd && id < bid))
                    {
                        best = Some((d2, id));
                    }
                }
            }
        }
        best.map(|(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn grid_agrees_with_brute_force(
            pts in proptest::collection::vec((-10f32..10.0, -10f32..10.0), 1..300),
            q in (-12f32..12.0, -12f32..12.0),
            r in 0.01f32..5.0,
        ) {
            let xs: Vec<f32> = pts.iter().map(|p| p.0).collect();
            let ys: Vec<f32> = pts.iter().map(|p| p.1).collect();
            let grid = GridIndex::build(&xs, &ys, 4);
            let mut brute: Option<(f32, u32)> = None;
            for i in 0..xs.len() {
                let d2 = (xs[i] - q.0).powi(2) + (ys[i] - q.1).powi(2);
                if d2 <= r * r && brute.is_none_or(|(bd, _)| d2 < bd) {
                    brute = Some((d2, i as u32));
                }
            }
            prop_assert_eq!(grid.nearest(&xs, &ys, [q.0, q.1], r), brute.map(|b| b.1));
            // Only the odd rows: the nearest odd one.
            let mut odd: Option<(f32, u32)> = None;
            for i in (1..xs.len()).step_by(2) {
                let d2 = (xs[i] - q.0).powi(2) + (ys[i] - q.1).powi(2);
                if d2 <= r * r && odd.is_none_or(|(bd, _)| d2 < bd) {
                    odd = Some((d2, i as u32));
                }
            }
            prop_assert_eq!(
                grid.nearest_where(&xs, &ys, [q.0, q.1], r, |id| id % 2 == 1),
                odd.map(|b| b.1)
            );
        }
    }
}
