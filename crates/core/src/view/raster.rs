//! The CPU fallback renderer: draws points as alpha-blended discs into an RGBA8 frame.
//!
//! On `wasm32` with `simd128` the hot loops (clearing, world→screen transform, blending runs of
//! four pixels) use `core::arch::wasm32`; elsewhere a scalar twin computes the same bytes. The two
//! use the same f32 operations and the same integer rounding, so their output is identical.

use super::camera::{Camera, Viewport};
use super::palette::Rgba;
use crate::kernels::portable;

/// An RGBA8 image, row-major, top row first (the layout of the canvas `ImageData`).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Frame {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            pixels: vec![0; width as usize * height as usize * 4],
        }
    }

    pub fn viewport(&self) -> Viewport {
        Viewport {
            width_px: self.width,
            height_px: self.height,
        }
    }

    /// The pixel at `(x, y)`.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgba> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = self.pixels.get(i..i + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }

    /// Resize, keeping the allocation when it is big enough.
    pub fn resize(&mut self, width: u32, height: u32) {
        self.width = width;
        self.height = height;
        self.pixels.resize(width as usize * height as usize * 4, 0);
    }
}

/// How points look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointStyle {
    /// Disc radius in pixels; a pixel is covered when its centre is within it.
    pub radius_px: f32,
    /// Opacity of each point, 0–255.
    pub alpha: u8,
}

impl Default for PointStyle {
    fn default() -> Self {
        Self {
            radius_px: 2.5,
            alpha: 200,
        }
    }
}

/// Pixel offsets `(dx, first_dy..)` covered by a disc of `radius_px` around a pixel: one row
/// span `[dx0, dx1]` per `dy`.
fn disc_spans(radius_px: f32) -> Vec<(i32, i32, i32)> {
    let r = radius_px.max(0.5);
    let reach = r.ceil() as i32;
    let mut spans = Vec::new();
    for dy in -reach..=reach {
        let mut first = None;
        let mut last = 0;
        for dx in -reach..=reach {
            if (dx * dx + dy * dy) as f32 <= r * r {
                first.get_or_insert(dx);
                last = dx;
            }
        }
        if let Some(first) = first {
            spans.push((dy, first, last));
        }
    }
    spans
}

/// One set of raster kernels: the simd128 ones or their scalar twins.
#[derive(Debug, Clone, Copy)]
pub struct Kernels {
    pub name: &'static str,
    pub clear: fn(&mut [u8], Rgba),
    pub to_pixels: fn(&[f32], f32, f32, f32, &mut [i32]),
    pub blend_span: fn(&mut [u8], Rgba, u8),
}

/// The scalar kernels, available on every target.
pub const SCALAR: Kernels = Kernels {
    name: "scalar",
    clear: portable::clear,
    to_pixels: portable::to_pixels,
    blend_span: portable::blend_span,
};

/// The kernels this build uses: simd128 on wasm32 with the feature on, scalar elsewhere.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub const ACTIVE: Kernels = Kernels {
    name: "wasm simd128",
    clear: crate::kernels::simd::clear,
    to_pixels: crate::kernels::simd::to_pixels,
    blend_span: crate::kernels::simd::blend_span,
};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub const ACTIVE: Kernels = SCALAR;

/// Draw `(xs[i], ys[i])` with `colors[i]` over a frame cleared to `background`.
/// Later points are drawn over earlier ones.
pub fn render_points(
    frame: &mut Frame,
    camera: &Camera,
    xs: &[f32],
    ys: &[f32],
    colors: &[Rgba],
    style: PointStyle,
    background: Rgba,
) {
    render_points_with(&ACTIVE, frame, camera, xs, ys, colors, style, background);
}

/// [`render_points`] with an explicit kernel set (to compare the twins).
#[allow(clippy::too_many_arguments)]
pub fn render_points_with(
    kernels: &Kernels,
    frame: &mut Frame,
    camera: &Camera,
    xs: &[f32],
    ys: &[f32],
    colors: &[Rgba],
    style: PointStyle,
    background: Rgba,
) {
    (kernels.clear)(&mut frame.pixels, background);
    draw_points_with(kernels, frame, camera, xs, ys, colors, style);
}

/// Points transformed to pixels per chunk, so drawing needs no per-frame allocation.
const POINT_CHUNK: usize = 1024;

/// Draw the points over what the frame already holds (e.g. density bands).
///
/// Points are transformed a chunk at a time (with `kernels.to_pixels`); a point whose disc is a
/// single pixel (radius < 1, the size used for dense maps) is blended in place, and the wider
/// discs blend their row spans with `kernels.blend_span`. Either way the bytes are those of
/// [`blend_channel`] per channel.
pub fn draw_points_with(
    kernels: &Kernels,
    frame: &mut Frame,
    camera: &Camera,
    xs: &[f32],
    ys: &[f32],
    colors: &[Rgba],
    style: PointStyle,
) {
    let n = xs.len().min(ys.len()).min(colors.len());
    if n == 0 || frame.width == 0 || frame.height == 0 {
        return;
    }
    let viewport = frame.viewport();
    let half = [
        0.5 * viewport.width_px as f32,
        0.5 * viewport.height_px as f32,
    ];
    let spans = disc_spans(style.radius_px);
    let single_pixel = spans == [(0, 0, 0)];
    let (w, h) = (frame.width as i32, frame.height as i32);
    let reach = style.radius_px.max(0.5).ceil() as i32;
    let alpha = u32::from(style.alpha);
    let mut px = [0i32; POINT_CHUNK];
    let mut py = [0i32; POINT_CHUNK];
    for start in (0..n).step_by(POINT_CHUNK) {
        let end = (start + POINT_CHUNK).min(n);
        let (px, py) = (&mut px[..end - start], &mut py[..end - start]);
        // Pixel whose centre is nearest the point: floor of the screen coordinate.
        (kernels.to_pixels)(
            &xs[start..end],
            camera.center_world[0],
            camera.px_per_world,
            half[0],
            px,
        );
        (kernels.to_pixels)(
            &ys[start..end],
            camera.center_world[1],
            -camera.px_per_world,
            half[1],
            py,
        );
        let colors = &colors[start..end];
        if single_pixel {
            for ((&cx, &cy), c) in px.iter().zip(py.iter()).zip(colors) {
                // Negative coordinates wrap to large values and fail the test too.
                if (cx as u32) < w as u32 && (cy as u32) < h as u32 && c[3] != 0 {
                    let i = (cy as usize * w as usize + cx as usize) * 4;
                    if let Some(p) = frame.pixels.get_mut(i..i + 4) {
                        blend_pixel(p, Source::new(*c, alpha));
                    }
                }
            }
            continue;
        }
        for ((&cx, &cy), c) in px.iter().zip(py.iter()).zip(colors) {
            // Also keeps `cx + dx` below from overflowing for far-away (saturated) points.
            if cx < -reach || cy < -reach || cx > w + reach || cy > h + reach {
                continue;
            }
            if c[3] == 0 {
                // Hidden by a filter.
                continue;
            }
            let source = Source::new(*c, alpha);
            for &(dy, dx0, dx1) in &spans {
                let y = cy + dy;
                if y < 0 || y >= h {
                    continue;
                }
                let x0 = (cx + dx0).max(0);
                let x1 = (cx + dx1).min(w - 1);
                if x0 > x1 {
                    continue;
                }
                let start = (y as usize * w as usize + x0 as usize) * 4;
                let end = (y as usize * w as usize + x1 as usize + 1) * 4;
                let span = &mut frame.pixels[start..end];
                if span.len() < 16 {
                    for p in span.chunks_exact_mut(4) {
                        blend_pixel(p, source);
                    }
                } else {
                    (kernels.blend_span)(span, [c[0], c[1], c[2], 255], style.alpha);
                }
            }
        }
    }
}

/// An opaque colour premultiplied by its blend alpha, packed for [`blend_pixel`]: red and blue
/// in the two 16-bit lanes of one word, green and alpha in the other.
#[derive(Debug, Clone, Copy)]
struct Source {
    rb: u32,
    ga: u32,
    inverse: u32,
}

impl Source {
    #[inline]
    fn new(color: Rgba, alpha: u32) -> Self {
        let [r, g, b, _] = color.map(u32::from);
        Self {
            rb: (r | b << 16) * alpha,
            ga: (g | 255 << 16) * alpha,
            inverse: 255 - alpha,
        }
    }
}

/// `round(v / 255)` in both 16-bit lanes of `v` (each at most 255·255): [`div255`] twice.
#[inline]
fn div255_lanes(v: u32) -> u32 {
    let t = v + 0x0080_0080;
    ((t + ((t >> 8) & 0x00ff_00ff)) >> 8) & 0x00ff_00ff
}

/// Source-over blend of one RGBA8 pixel with two-lane integer arithmetic: the same bytes as
/// [`blend_channel`] on each channel (no lane can carry into the next: every lane stays below
/// 2¹⁶ at each step).
#[inline]
fn blend_pixel(pixel: &mut [u8], source: Source) {
    let Ok(bytes) = <[u8; 4]>::try_from(&*pixel) else {
        return;
    };
    let dst = u32::from_le_bytes(bytes);
    let rb = (dst & 0x00ff_00ff) * source.inverse + source.rb;
    let ga = ((dst >> 8) & 0x00ff_00ff) * source.inverse + source.ga;
    let out = div255_lanes(rb) | div255_lanes(ga) << 8;
    pixel.copy_from_slice(&out.to_le_bytes());
}

/// Paint the whole frame: `background` tinted by the density band under each pixel, band `b`
/// of `layer.levels` blending `color` at `max_alpha · b / levels` (pixels below the first
/// contour, and outside the grid, are `background`).
///
/// The band colours are computed once, so each pixel costs a bilinear sample and one store.
pub fn paint_bands(
    frame: &mut Frame,
    camera: &Camera,
    layer: &crate::map::layer::DensityLayer,
    background: Rgba,
    color: Rgba,
    max_alpha: u8,
) {
    let viewport = frame.viewport();
    let w = frame.width as usize;
    if layer.levels == 0 || layer.size < 2 {
        portable::clear(&mut frame.pixels, background);
        return;
    }
    let n = layer.size as usize;
    let colors: Vec<[u8; 4]> = (0..=layer.levels)
        .map(|b| {
            let alpha = u32::from(max_alpha) * b / layer.levels;
            let mut pixel = background;
            blend_pixel(&mut pixel, Source::new(color, alpha));
            pixel
        })
        .collect();
    let last = (n - 1) as f32;
    // Per column: the grid cell and the weight along x (None outside the grid).
    let columns: Vec<Option<(usize, f32)>> = (0..w)
        .map(|x| {
            let wx = camera.world_from_screen(viewport, [x as f32 + 0.5, 0.0])[0];
            let fx = (wx - layer.origin[0]) / layer.step[0];
            (fx >= 0.0 && fx <= last).then(|| {
                let i = (fx as usize).min(n - 2);
                (i, fx - i as f32)
            })
        })
        .collect();
    let mut row_values = vec![0.0f32; n];
    for (y, row) in frame.pixels.chunks_exact_mut(w * 4).enumerate() {
        let wy = camera.world_from_screen(viewport, [0.0, y as f32 + 0.5])[1];
        let fy = (wy - layer.origin[1]) / layer.step[1];
        if !(fy >= 0.0 && fy <= last) {
            portable::clear(row, background);
            continue;
        }
        // The grid interpolated along y for this row, then along x per pixel.
        let j = (fy as usize).min(n - 2);
        let ty = fy - j as f32;
        let (top, bottom) = layer.values[j * n..(j + 2) * n].split_at(n);
        for ((r, &a), &b) in row_values.iter_mut().zip(top).zip(bottom) {
            *r = a * (1.0 - ty) + b * ty;
        }
        for (pixel, column) in row.chunks_exact_mut(4).zip(&columns) {
            let band = match column {
                Some((i, tx)) => {
                    let (a, b) = (row_values[*i], row_values[i + 1]);
                    layer.band(a * (1.0 - tx) + b * tx) as usize
                }
                None => 0,
            };
            pixel.copy_from_slice(&colors[band]);
        }
    }
}

/// Draw world-space segments `[x0, y0, x1, y1]` one pixel wide (a DDA stepping along the
/// longer axis), blending `color` at `alpha`.
pub fn draw_segments(
    frame: &mut Frame,
    camera: &Camera,
    segments: &[[f32; 4]],
    color: Rgba,
    alpha: u8,
) {
    let viewport = frame.viewport();
    let (w, h) = (frame.width as i64, frame.height as i64);
    let source = Source::new(color, u32::from(alpha));
    for s in segments {
        let a = camera.screen_from_world(viewport, [s[0], s[1]]);
        let b = camera.screen_from_world(viewport, [s[2], s[3]]);
        if !(a[0].is_finite() && a[1].is_finite() && b[0].is_finite() && b[1].is_finite()) {
            continue;
        }
        // Skip segments wholly off screen.
        if (a[0] < 0.0 && b[0] < 0.0)
            || (a[1] < 0.0 && b[1] < 0.0)
            || (a[0] >= w as f32 && b[0] >= w as f32)
            || (a[1] >= h as f32 && b[1] >= h as f32)
        {
            continue;
        }
        let steps = (b[0] - a[0])
            .abs()
            .max((b[1] - a[1]).abs())
            .ceil()
            .clamp(1.0, 1e5) as i64;
        for k in 0..steps {
            let t = k as f32 / steps as f32;
            let x = (a[0] + (b[0] - a[0]) * t).floor() as i64;
            let y = (a[1] + (b[1] - a[1]) * t).floor() as i64;
            if x >= 0 && y >= 0 && x < w && y < h {
                let i = ((y * w + x) * 4) as usize;
                if let Some(p) = frame.pixels.get_mut(i..i + 4) {
                    blend_pixel(p, source);
                }
            }
        }
    }
}

/// A pseudo-random scene drawn with both kernel sets; true when the bytes are identical.
/// Runs in the browser's end-to-end test, where [`ACTIVE`] is the simd128 set.
pub fn twins_agree(points: usize, seed: u64) -> bool {
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    let xs: Vec<f32> = (0..points).map(|_| next() * 1.2).collect();
    let ys: Vec<f32> = (0..points).map(|_| next() * 1.2).collect();
    let colors: Vec<Rgba> = (0..points)
        .map(|i| crate::view::palette::category_color(i as u32 % 37))
        .collect();
    let camera = Camera {
        center_world: [0.05, -0.02],
        px_per_world: 150.0,
    };
    let style = PointStyle {
        radius_px: 3.3,
        alpha: 180,
    };
    let mut a = Frame::new(317, 211);
    let mut b = Frame::new(317, 211);
    let bg = [250, 250, 247, 255];
    render_points_with(&ACTIVE, &mut a, &camera, &xs, &ys, &colors, style, bg);
    render_points_with(&SCALAR, &mut b, &camera, &xs, &ys, &colors, style, bg);
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::portable::{blend_channel, div255};

    const BG: Rgba = [0, 0, 0, 255];

    #[test]
    fn disc_of_radius_one_is_a_plus() {
        assert_eq!(disc_spans(1.0), vec![(-1, 0, 0), (0, -1, 1), (1, 0, 0)]);
    }

    #[test]
    fn draws_a_tiny_known_scene_exactly() {
        // 8×6 frame, 1 px per world unit, world origin at the frame centre (4, 3).
        let mut frame = Frame::new(8, 6);
        let camera = Camera {
            center_world: [0.0, 0.0],
            px_per_world: 1.0,
        };
        let style = PointStyle {
            radius_px: 1.0,
            alpha: 255,
        };
        // World (-2.5, 1.5) → screen (1.5, 1.5) → pixel (1, 1). World (2, -2) → pixel (6, 5).
        render_points(
            &mut frame,
            &camera,
            &[-2.5, 2.0],
            &[1.5, -2.0],
            &[[255, 0, 0, 255], [0, 255, 0, 255]],
            style,
            BG,
        );
        let red = [255, 0, 0, 255];
        let green = [0, 255, 0, 255];
        let mut expected = [[BG; 8]; 6];
        for (x, y) in [(1, 0), (0, 1), (1, 1), (2, 1), (1, 2)] {
            expected[y][x] = red;
        }
        // Clipped at the bottom edge: the pixel below (6, 5) is outside the frame.
        for (x, y) in [(6, 4), (5, 5), (6, 5), (7, 5)] {
            expected[y][x] = green;
        }
        for y in 0..6 {
            for x in 0..8 {
                assert_eq!(
                    frame.pixel(x, y).unwrap(),
                    expected[y as usize][x as usize],
                    "({x},{y})"
                );
            }
        }
    }

    #[test]
    fn blending_is_source_over_with_exact_rounding() {
        let mut frame = Frame::new(1, 1);
        let camera = Camera {
            center_world: [0.0, 0.0],
            px_per_world: 1.0,
        };
        let style = PointStyle {
            radius_px: 0.5,
            alpha: 128,
        };
        render_points(
            &mut frame,
            &camera,
            &[0.0],
            &[0.0],
            &[[200, 100, 0, 255]],
            style,
            [0, 50, 255, 255],
        );
        // round(200·128/255) = 100; round((100·128 + 50·127)/255) = 75; round(255·127/255) = 127.
        assert_eq!(frame.pixel(0, 0).unwrap(), [100, 75, 127, 255]);
        for v in 0..=65025u32 {
            assert_eq!(div255(v), (f64::from(v) / 255.0).round() as u32, "{v}");
        }
    }

    #[test]
    fn packed_blend_equals_the_per_channel_blend() {
        for alpha in 0..=255u32 {
            for src in (0..=255u8).step_by(3) {
                let color = [src, 255 - src, src / 2, 255];
                for dst in 0..=255u8 {
                    let before = [dst, dst / 3, 255 - dst, dst.wrapping_mul(7)];
                    let mut pixel = before;
                    blend_pixel(&mut pixel, Source::new(color, alpha));
                    let want: Vec<u8> = (0..4)
                        .map(|ch| {
                            blend_channel(
                                before[ch],
                                [src, 255 - src, src / 2, 255][ch],
                                alpha as u8,
                            )
                        })
                        .collect();
                    assert_eq!(pixel.to_vec(), want, "alpha {alpha} src {src} dst {dst}");
                }
            }
        }
    }

    #[test]
    fn one_pixel_points_and_disc_points_blend_alike() {
        // Radius 0.6 takes the single-pixel path, radius 1.0 the span path: their centre pixels
        // match, drawn over a non-uniform background, for points in and around the frame.
        let (xs, ys): (Vec<f32>, Vec<f32>) = (0..3000)
            .map(|i| ((i % 61) as f32 * 0.37 - 11.0, (i % 47) as f32 * 0.41 - 9.0))
            .unzip();
        let colors: Vec<Rgba> = (0..3000)
            .map(|i| crate::view::palette::category_color(i % 9))
            .collect();
        let camera = Camera {
            center_world: [0.3, -0.2],
            px_per_world: 1.0,
        };
        let mut small = Frame::new(21, 17);
        for (i, p) in small.pixels.iter_mut().enumerate() {
            *p = (i * 37 % 251) as u8;
        }
        let mut reference = small.clone();
        let style = PointStyle {
            radius_px: 0.6,
            alpha: 170,
        };
        draw_points_with(&SCALAR, &mut small, &camera, &xs, &ys, &colors, style);
        // The reference: each point blended into its pixel one at a time with blend_channel.
        let viewport = reference.viewport();
        for i in 0..xs.len() {
            let s = camera.screen_from_world(viewport, [xs[i], ys[i]]);
            let (x, y) = (s[0].floor(), s[1].floor());
            if x < 0.0 || y < 0.0 || x >= 21.0 || y >= 17.0 {
                continue;
            }
            let at = (y as usize * 21 + x as usize) * 4;
            let src = [colors[i][0], colors[i][1], colors[i][2], 255];
            for (p, s) in reference.pixels[at..at + 4].iter_mut().zip(src) {
                *p = blend_channel(*p, s, 170);
            }
        }
        assert_eq!(small, reference);
    }

    #[test]
    fn points_far_outside_are_skipped_without_overflow() {
        let mut frame = Frame::new(4, 4);
        let camera = Camera {
            center_world: [0.0, 0.0],
            px_per_world: 1e30,
        };
        render_points(
            &mut frame,
            &camera,
            &[1e10, -1e10],
            &[0.0, 0.0],
            &[[255; 4]; 2],
            PointStyle::default(),
            BG,
        );
        assert!(frame.pixels.chunks(4).all(|p| p == BG));
    }
}

#[cfg(test)]
mod band_tests {
    use super::*;
    use crate::kernels::portable::div255;
    use crate::map::layer::DensityLayer;

    #[test]
    fn bands_follow_the_sampled_density() {
        // A 5 × 5 grid with a peak in the middle, 4 levels.
        let mut values = vec![0.0f32; 25];
        for j in 0..5 {
            for i in 0..5 {
                let d = (i as f32 - 2.0).abs().max((j as f32 - 2.0).abs());
                values[j * 5 + i] = 1.0 - d / 2.0;
            }
        }
        let layer = DensityLayer {
            size: 5,
            origin: [0.0, 0.0],
            step: [1.0, 1.0],
            values,
            levels: 4,
            segments: Vec::new(),
        };
        let camera = Camera {
            center_world: [2.0, 2.0],
            px_per_world: 10.0,
        };
        let mut frame = Frame::new(60, 50);
        frame.pixels.fill(7);
        paint_bands(
            &mut frame,
            &camera,
            &layer,
            [255, 255, 255, 255],
            [0, 0, 0, 255],
            200,
        );
        let viewport = frame.viewport();
        for y in 0..50 {
            for x in 0..60 {
                let w = camera.world_from_screen(viewport, [x as f32 + 0.5, y as f32 + 0.5]);
                let band = layer.band(layer.sample(w[0], w[1]));
                let want = 255 - div255(255 * (200 * band / 4)) as u8;
                let got = frame.pixel(x, y).unwrap()[0];
                // Both interpolations are bilinear; only a band edge may fall a pixel apart.
                assert!(
                    got == want || (x % 5 == 0 || y % 5 == 0 || got.abs_diff(want) <= 51),
                    "({x}, {y}): {got} vs {want}"
                );
            }
        }
        // The peak is the darkest band, the corners untouched.
        assert_eq!(
            frame.pixel(30, 25).unwrap()[0],
            255 - div255(255 * 200) as u8
        );
        assert_eq!(frame.pixel(1, 1).unwrap(), [255, 255, 255, 255]);
    }
}
