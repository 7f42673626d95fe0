//! Quadtree tiles over 2-D coordinates, and the levels a map needs.
//!
//! The tree's extent is the square d3-quadtree would build for the same points (an integer
//! origin, a power-of-two side, grown towards each point until it covers them), so tile `(ix, iy)`
//! at level `L` is the same square WizMap summarises. Tiles at level `L` split the extent into
//! `2^L × 2^L` squares; a point belongs to `floor((x − x0) / step)`, which is the child d3 picks
//! (`x >= midpoint` goes right).
//!
//! Points are sorted once by their Morton code at the deepest level; every level's tiles are
//! then contiguous runs of that order, so building all levels is one sort and one scan a level.

use super::MapError;

/// The deepest level the tree supports (tiles `2^-20` of the extent).
pub const MAX_LEVEL: u32 = 20;

/// The square every tile subdivides.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Extent {
    pub x0: f64,
    pub y0: f64,
    /// Side length (a power of two).
    pub size: f64,
}

impl Extent {
    /// The square d3-quadtree covers `xs`, `ys` with: start from the unit square at the floor of
    /// the bounding box's lower corner, then double towards the upper corner until it is inside.
    pub fn covering(xs: &[f32], ys: &[f32]) -> Result<Self, MapError> {
        let bounds = Domain::of(xs, ys)?;
        let mut e = Extent {
            x0: bounds.x_min.floor(),
            y0: bounds.y_min.floor(),
            size: 1.0,
        };
        // The lower corner is inside by construction; grow towards the upper one (d3's `cover`
        // with i = 0: the new square keeps x0, y0 and doubles).
        while bounds.x_max >= e.x0 + e.size || bounds.y_max >= e.y0 + e.size {
            e.size *= 2.0;
        }
        Ok(e)
    }

    /// `[[x0, y0], [x1, y1]]`, as WizMap's `grid.json` writes `topic.extent`.
    pub fn corners(&self) -> [[f64; 2]; 2] {
        [
            [self.x0, self.y0],
            [self.x0 + self.size, self.y0 + self.size],
        ]
    }

    /// The tile `(ix, iy)` at `level` holding `(x, y)` (clamped to the extent).
    pub fn tile_of(&self, level: u32, x: f64, y: f64) -> (u32, u32) {
        let n = 1u64 << level;
        let step = self.size / n as f64;
        let index = |v: f64, origin: f64| -> u32 {
            let i = ((v - origin) / step).floor();
            if i <= 0.0 {
                0
            } else {
                (i as u64).min(n - 1) as u32
            }
        };
        (index(x, self.x0), index(y, self.y0))
    }

    /// The square of tile `(ix, iy)` at `level`: `[x0, y0, x1, y1]`.
    pub fn tile_box(&self, level: u32, ix: u32, iy: u32) -> [f64; 4] {
        let step = self.size / (1u64 << level) as f64;
        let x0 = self.x0 + f64::from(ix) * step;
        let y0 = self.y0 + f64::from(iy) * step;
        [x0, y0, x0 + step, y0 + step]
    }
}

/// The points' bounding box.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Domain {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
}

impl Domain {
    /// The bounding box of `xs`, `ys`; an error for no points, unequal lengths or a non-finite
    /// coordinate (named by row).
    pub fn of(xs: &[f32], ys: &[f32]) -> Result<Self, MapError> {
        if xs.len() != ys.len() {
            return Err(MapError::Mismatch {
                what: "y coordinates",
                expected: xs.len(),
                found: ys.len(),
            });
        }
        if xs.is_empty() {
            return Err(MapError::Empty);
        }
        let mut d = Domain {
            x_min: f64::INFINITY,
            x_max: f64::NEG_INFINITY,
            y_min: f64::INFINITY,
            y_max: f64::NEG_INFINITY,
        };
        for (row, (&x, &y)) in xs.iter().zip(ys).enumerate() {
            if !x.is_finite() || !y.is_finite() {
                return Err(MapError::NotFinite { row });
            }
            let (x, y) = (f64::from(x), f64::from(y));
            d.x_min = d.x_min.min(x);
            d.x_max = d.x_max.max(x);
            d.y_min = d.y_min.min(y);
            d.y_max = d.y_max.max(y);
        }
        Ok(d)
    }
}

/// The range of quadtree levels a map shows, chosen as WizMap does: for every zoom scale from 1
/// to `max_zoom` in steps of ½, the level (1…20) whose tiles are closest to `ideal_tile_px` wide
/// on a `view_px` square; the answer spans the smallest to the largest of those.
pub fn select_levels(
    extent: &Extent,
    domain: &Domain,
    view_px: f64,
    ideal_tile_px: f64,
    max_zoom: f64,
) -> (u32, u32) {
    let world = (domain.x_max - domain.x_min).max(domain.y_max - domain.y_min);
    // A single point (or a line of them) has no spread: treat the extent as the world.
    let tree_to_world = if world > 0.0 {
        extent.size / world
    } else {
        1.0
    };
    let mut lo = u32::MAX;
    let mut hi = 0;
    let mut scale = 1.0;
    while scale <= max_zoom {
        let level = best_level(scale * view_px * tree_to_world, ideal_tile_px);
        lo = lo.min(level);
        hi = hi.max(level);
        scale += 0.5;
    }
    if lo > hi {
        (1, 1)
    } else {
        (lo, hi)
    }
}

/// The level (1…20) whose tile width on a `tree_px`-wide tree is closest to `ideal_px` (the
/// coarser level wins a tie).
pub fn best_level(tree_px: f64, ideal_px: f64) -> u32 {
    let mut best = 1;
    let mut best_diff = f64::INFINITY;
    for level in 1..=MAX_LEVEL {
        let diff = (tree_px / (1u64 << level) as f64 - ideal_px).abs();
        if diff < best_diff {
            best_diff = diff;
            best = level;
        }
    }
    best
}

/// One non-empty tile: its index at its level and the points in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub ix: u32,
    pub iy: u32,
    /// `order[start..end]` of the [`Quadtree`] are this tile's rows.
    pub start: usize,
    pub end: usize,
}

impl Tile {
    /// Number of points in the tile.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the tile holds no points (never, for tiles a [`Quadtree`] returns).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Points sorted by Morton code at [`MAX_LEVEL`], so that each tile at any level is a
/// contiguous run of [`Quadtree::order`].
#[derive(Debug, Clone)]
pub struct Quadtree {
    pub extent: Extent,
    pub domain: Domain,
    /// Rows in Morton order.
    pub order: Vec<u32>,
    /// `codes[i]` is the Morton code of row `order[i]` (y bit above x bit, as d3's child index).
    codes: Vec<u64>,
}

impl Quadtree {
    /// Sort the points into tiles.
    pub fn build(xs: &[f32], ys: &[f32]) -> Result<Self, MapError> {
        let extent = Extent::covering(xs, ys)?;
        let domain = Domain::of(xs, ys)?;
        if xs.len() > u32::MAX as usize {
            return Err(MapError::TooMany { rows: xs.len() });
        }
        let mut keyed: Vec<(u64, u32)> = xs
            .iter()
            .zip(ys)
            .enumerate()
            .map(|(row, (&x, &y))| {
                let (ix, iy) = extent.tile_of(MAX_LEVEL, f64::from(x), f64::from(y));
                (morton(ix, iy), row as u32)
            })
            .collect();
        // Stable by row within a tile.
        keyed.sort_unstable();
        let (codes, order) = keyed.into_iter().unzip();
        Ok(Quadtree {
            extent,
            domain,
            order,
            codes,
        })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The non-empty tiles at `level` (0…=[`MAX_LEVEL`]), in Morton order.
    pub fn tiles(&self, level: u32) -> Vec<Tile> {
        let level = level.min(MAX_LEVEL);
        let shift = 2 * (MAX_LEVEL - level);
        let mut tiles = Vec::new();
        let mut start = 0;
        while start < self.codes.len() {
            let prefix = self.codes[start] >> shift;
            let mut end = start + 1;
            while end < self.codes.len() && self.codes[end] >> shift == prefix {
                end += 1;
            }
            let (ix, iy) = demorton(prefix);
            tiles.push(Tile { ix, iy, start, end });
            start = end;
        }
        tiles
    }

    /// The rows in `tile`.
    pub fn rows(&self, tile: &Tile) -> &[u32] {
        &self.order[tile.start..tile.end]
    }
}

/// Interleave the bits of `ix` (even positions) and `iy` (odd positions).
fn morton(ix: u32, iy: u32) -> u64 {
    spread(ix) | (spread(iy) << 1)
}

fn spread(v: u32) -> u64 {
    let mut x = u64::from(v) & 0xffff_ffff;
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

fn compact(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | (x >> 4)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x >> 8)) & 0x0000_ffff_0000_ffff;
    x = (x | (x >> 16)) & 0x0000_0000_ffff_ffff;
    x as u32
}

fn demorton(code: u64) -> (u32, u32) {
    (compact(code), compact(code >> 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_is_the_d3_cover() {
        // d3.quadtree().addAll([[0.2, 0.3], [2.5, 0.7]]).extent() → [[0, 0], [4, 4]]
        let e = Extent::covering(&[0.2, 2.5], &[0.3, 0.7]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.corners(), [[0.0, 0.0], [4.0, 4.0]]);
        // Negative lower corner: floor, then double.
        let e = Extent::covering(&[-1.5, 0.5], &[-0.2, 1.9]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.corners(), [[-2.0, -1.0], [2.0, 3.0]]);
        // A point exactly on the upper edge is outside a half-open square: one more doubling.
        let e = Extent::covering(&[0.0, 1.0], &[0.0, 0.0]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.size, 2.0);
    }

    #[test]
    fn tiles_on_a_hand_made_layout() {
        // Extent [0, 4): level 1 tiles are 2 wide, level 2 tiles 1 wide.
        let xs = [0.5, 1.5, 2.5, 3.5, 0.5, 3.9];
        let ys = [0.5, 0.5, 0.5, 3.5, 2.5, 3.9];
        let tree = Quadtree::build(&xs, &ys).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tree.extent.corners(), [[0.0, 0.0], [4.0, 4.0]]);
        let members = |level| {
            tree.tiles(level)
                .iter()
                .map(|t| {
                    let mut rows = tree.rows(t).to_vec();
                    rows.sort_unstable();
                    ((t.ix, t.iy), rows)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(members(0), vec![((0, 0), vec![0, 1, 2, 3, 4, 5])]);
        assert_eq!(
            members(1),
            vec![
                ((0, 0), vec![0, 1]),
                ((1, 0), vec![2]),
                ((0, 1), vec![4]),
                ((1, 1), vec![3, 5])
            ]
        );
        assert_eq!(
            members(2),
            vec![
                ((0, 0), vec![0]),
                ((1, 0), vec![1]),
                ((2, 0), vec![2]),
                ((0, 2), vec![4]),
                ((3, 3), vec![3, 5])
            ]
        );
        assert_eq!(tree.extent.tile_box(2, 3, 3), [3.0, 3.0, 4.0, 4.0]);
        // A point on a midpoint goes to the upper tile, as d3 does.
        assert_eq!(tree.extent.tile_of(1, 2.0, 2.0), (1, 1));
    }

    #[test]
    fn levels_follow_the_ideal_tile_width() {
        // A 1000 px view of a tree as wide as the data: level 5 tiles are 31 px (closest to
        // 35 at zoom 1); at zoom 30 the tree is 30 000 px and level 10 tiles are 29 px.
        let extent = Extent {
            x0: 0.0,
            y0: 0.0,
            size: 1.0,
        };
        let domain = Domain {
            x_min: 0.0,
            x_max: 1.0,
            y_min: 0.0,
            y_max: 1.0,
        };
        assert_eq!(best_level(1000.0, 35.0), 5);
        assert_eq!(best_level(30_000.0, 35.0), 10);
        assert_eq!(select_levels(&extent, &domain, 1000.0, 35.0, 30.0), (5, 10));
    }

    #[test]
    fn bad_coordinates_are_refused() {
        assert!(matches!(Quadtree::build(&[], &[]), Err(MapError::Empty)));
        assert!(matches!(
            Quadtree::build(&[0.0, f32::NAN], &[0.0, 1.0]),
            Err(MapError::NotFinite { row: 1 })
        ));
        assert!(matches!(
            Quadtree::build(&[0.0], &[0.0, 1.0]),
            Err(MapError::Mismatch { .. })
        ));
    }

    #[test]
    fn morton_round_trips() {
        for (ix, iy) in [(0, 0), (1, 0), (0, 1), (12345, 67890), ((1 << 20) - 1, 7)] {
            assert_eq!(demorton(morton(ix, iy)), (ix, iy));
        }
    }
}
