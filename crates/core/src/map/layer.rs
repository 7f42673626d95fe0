//! What the renderers draw of a map besides the points: the density as filled bands (one band
//! per contour level) and the contour lines as world-space segments. Both backends take the same
//! [`DensityLayer`]: the WebGPU one samples the grid in a fragment shader and draws the segments
//! as a line list; the CPU one does the same per pixel ([`crate::view::raster::paint_bands`],
//! [`crate::view::raster::draw_segments`]).

use super::density::{ContourLevel, DensityGrid};

/// The density grid normalised to its peak, its placement, and the contour lines.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityLayer {
    /// Nodes per side.
    pub size: u32,
    /// World position of node (0, 0) and the distance between nodes.
    pub origin: [f32; 2],
    pub step: [f32; 2],
    /// `values[j * size + i]` in 0…1 (density / peak).
    pub values: Vec<f32>,
    /// Contour levels; thresholds are `i / (levels + 1)` of the peak, `i = 1..=levels`.
    pub levels: u32,
    /// Contour lines: `[x0, y0, x1, y1]` in world units.
    pub segments: Vec<[f32; 4]>,
}

impl DensityLayer {
    /// From a density grid and its contours (thresholds as [`super::density::thresholds`]).
    pub fn new(density: &DensityGrid, contours: &[ContourLevel]) -> Self {
        let max = density.max();
        let scale = if max > 0.0 { 1.0 / max } else { 0.0 };
        let (sx, sy) = density.spec.step();
        let mut segments = Vec::new();
        for level in contours {
            for ring in &level.rings {
                for pair in ring.windows(2) {
                    segments.push([pair[0][0], pair[0][1], pair[1][0], pair[1][1]]);
                }
            }
        }
        DensityLayer {
            size: density.spec.size as u32,
            origin: [density.spec.x_min as f32, density.spec.y_min as f32],
            step: [sx as f32, sy as f32],
            values: density.values.iter().map(|&v| (v * scale) as f32).collect(),
            levels: contours.len() as u32,
            segments,
        }
    }

    /// Bilinear value at world `(x, y)`; 0 outside the grid.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let n = self.size as usize;
        let fx = (x - self.origin[0]) / self.step[0];
        let fy = (y - self.origin[1]) / self.step[1];
        let last = (n - 1) as f32;
        if !(fx >= 0.0 && fy >= 0.0 && fx <= last && fy <= last) {
            return 0.0;
        }
        let i = (fx as usize).min(n - 2);
        let j = (fy as usize).min(n - 2);
        let (tx, ty) = (fx - i as f32, fy - j as f32);
        let v = &self.values;
        let top = v[j * n + i] * (1.0 - tx) + v[j * n + i + 1] * tx;
        let bottom = v[(j + 1) * n + i] * (1.0 - tx) + v[(j + 1) * n + i + 1] * tx;
        top * (1.0 - ty) + bottom * ty
    }

    /// The band (0…=levels) a normalised value falls in: the number of thresholds it reaches.
    #[inline]
    pub fn band(&self, v: f32) -> u32 {
        ((v * (self.levels + 1) as f32).floor() as u32).min(self.levels)
    }
}
