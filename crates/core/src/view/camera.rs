//! The 2-D camera: maps world coordinates (the projection's units, y up) to screen pixels
//! (origin top-left, y down) and back. Both renderers and the hover lookup use it.

/// Axis-aligned bounds in world units.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bounds {
    pub min: [f32; 2],
    pub max: [f32; 2],
}

impl Bounds {
    /// Bounds of the points `(xs[i], ys[i])`; a unit box around the origin when there are none.
    pub fn of_points(xs: &[f32], ys: &[f32]) -> Self {
        let mut b = Self {
            min: [f32::INFINITY; 2],
            max: [f32::NEG_INFINITY; 2],
        };
        for (&x, &y) in xs.iter().zip(ys) {
            b.min = [b.min[0].min(x), b.min[1].min(y)];
            b.max = [b.max[0].max(x), b.max[1].max(y)];
        }
        if !(b.min[0].is_finite() && b.max[0].is_finite()) {
            return Self {
                min: [-1.0, -1.0],
                max: [1.0, 1.0],
            };
        }
        b
    }

    pub fn center(&self) -> [f32; 2] {
        [
            0.5 * (self.min[0] + self.max[0]),
            0.5 * (self.min[1] + self.max[1]),
        ]
    }

    pub fn size(&self) -> [f32; 2] {
        [self.max[0] - self.min[0], self.max[1] - self.min[1]]
    }
}

/// Size of the drawing surface in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width_px: u32,
    pub height_px: u32,
}

/// What part of the world is on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// World point shown at the centre of the viewport.
    pub center_world: [f32; 2],
    /// Screen pixels per world unit.
    pub px_per_world: f32,
}

/// Smallest and largest zoom relative to the fitted view.
pub const MIN_ZOOM: f32 = 0.25;
pub const MAX_ZOOM: f32 = 4096.0;

impl Camera {
    /// A camera showing all of `bounds` with `margin_px` free on each side.
    pub fn fit(bounds: Bounds, viewport: Viewport, margin_px: f32) -> Self {
        let [w, h] = bounds.size();
        let avail_w = (viewport.width_px as f32 - 2.0 * margin_px).max(1.0);
        let avail_h = (viewport.height_px as f32 - 2.0 * margin_px).max(1.0);
        let px_per_world = (avail_w / w.max(1e-12)).min(avail_h / h.max(1e-12));
        Self {
            center_world: bounds.center(),
            px_per_world,
        }
    }

    pub fn screen_from_world(&self, viewport: Viewport, world: [f32; 2]) -> [f32; 2] {
        [
            (world[0] - self.center_world[0]) * self.px_per_world + 0.5 * viewport.width_px as f32,
            0.5 * viewport.height_px as f32 - (world[1] - self.center_world[1]) * self.px_per_world,
        ]
    }

    pub fn world_from_screen(&self, viewport: Viewport, screen: [f32; 2]) -> [f32; 2] {
        [
            (screen[0] - 0.5 * viewport.width_px as f32) / self.px_per_world + self.center_world[0],
            (0.5 * viewport.height_px as f32 - screen[1]) / self.px_per_world
                + self.center_world[1],
        ]
    }

    /// Move the view by a drag of `delta_px` screen pixels.
    pub fn pan_by_px(&mut self, delta_px: [f32; 2]) {
        self.center_world[0] -= delta_px[0] / self.px_per_world;
        self.center_world[1] += delta_px[1] / self.px_per_world;
    }

    /// Multiply the zoom by `factor`, keeping the world point under `anchor_px` fixed on screen.
    /// `fitted_px_per_world` is the scale of the fitted view; zoom is clamped relative to it.
    pub fn zoom_about(
        &mut self,
        viewport: Viewport,
        anchor_px: [f32; 2],
        factor: f32,
        fitted_px_per_world: f32,
    ) {
        let anchor_world = self.world_from_screen(viewport, anchor_px);
        let min = fitted_px_per_world * MIN_ZOOM;
        let max = fitted_px_per_world * MAX_ZOOM;
        self.px_per_world = (self.px_per_world * factor).clamp(min, max);
        let moved = self.screen_from_world(viewport, anchor_world);
        self.pan_by_px([anchor_px[0] - moved[0], anchor_px[1] - moved[1]]);
    }

    /// `clip = world * scale + offset`, for the GPU's vertex shader (clip space is y up).
    pub fn clip_from_world(&self, viewport: Viewport) -> ([f32; 2], [f32; 2]) {
        let sx = 2.0 * self.px_per_world / viewport.width_px.max(1) as f32;
        let sy = 2.0 * self.px_per_world / viewport.height_px.max(1) as f32;
        (
            [sx, sy],
            [-self.center_world[0] * sx, -self.center_world[1] * sy],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VP: Viewport = Viewport {
        width_px: 200,
        height_px: 100,
    };

    #[test]
    fn fit_centres_and_scales() {
        let b = Bounds::of_points(&[0.0, 4.0], &[0.0, 1.0]);
        let cam = Camera::fit(b, VP, 0.0);
        assert_eq!(cam.center_world, [2.0, 0.5]);
        assert_eq!(cam.px_per_world, 50.0); // width-limited: 200 px / 4 units
        assert_eq!(cam.screen_from_world(VP, [0.0, 1.0]), [0.0, 25.0]);
        assert_eq!(cam.screen_from_world(VP, [4.0, 0.0]), [200.0, 75.0]);
    }

    #[test]
    fn world_screen_round_trip_and_zoom_anchor() {
        let mut cam = Camera {
            center_world: [1.0, -2.0],
            px_per_world: 10.0,
        };
        let p = cam.screen_from_world(VP, [3.0, 4.0]);
        assert_eq!(cam.world_from_screen(VP, p), [3.0, 4.0]);
        let anchor = [30.0, 70.0];
        let before = cam.world_from_screen(VP, anchor);
        cam.zoom_about(VP, anchor, 2.0, 10.0);
        assert_eq!(cam.px_per_world, 20.0);
        let after = cam.world_from_screen(VP, anchor);
        assert!((before[0] - after[0]).abs() < 1e-5 && (before[1] - after[1]).abs() < 1e-5);
    }

    #[test]
    fn clip_transform_agrees_with_screen_transform() {
        let cam = Camera {
            center_world: [1.0, 2.0],
            px_per_world: 25.0,
        };
        let (s, o) = cam.clip_from_world(VP);
        let w = [3.0, 1.0];
        let clip = [w[0] * s[0] + o[0], w[1] * s[1] + o[1]];
        let screen = cam.screen_from_world(VP, w);
        assert!((screen[0] - (clip[0] + 1.0) * 100.0).abs() < 1e-4);
        assert!((screen[1] - (1.0 - clip[1]) * 50.0).abs() < 1e-4);
    }
}
