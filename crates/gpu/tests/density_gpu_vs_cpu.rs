//! The density layer drawn by WebGPU's pipeline (natively on lavapipe) against its CPU twin,
//! `vecscape_core::view::raster::paint_bands` / `draw_segments`, on a KDE of a two-cluster layout.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use vecscape_core::map::density::{self, Bandwidth, GridSpec};
use vecscape_core::map::layer::DensityLayer;
use vecscape_core::map::quadtree::Domain;
use vecscape_core::view::camera::{Camera, Viewport};
use vecscape_core::view::raster::{paint_bands, Frame, SCALAR};
use vecscape_gpu::density::DensityStyle;
use vecscape_gpu::offscreen::{render_to_frame, OFFSCREEN_FORMAT};
use vecscape_gpu::DensityRenderer;

mod common;
use common::context;

fn layer() -> DensityLayer {
    let mut rng = vecscape_core::project::rng::SplitMix64::new(3);
    let (xs, ys): (Vec<f32>, Vec<f32>) = (0..4000)
        .map(|i| {
            let c = if i % 3 == 0 { 4.0 } else { -2.0 };
            (rng.normal() as f32 + c, rng.normal() as f32 * 1.5 + c / 2.0)
        })
        .unzip();
    let spec = GridSpec::padded(&Domain::of(&xs, &ys).unwrap(), 120);
    let grid = density::kde_binned(&xs, &ys, &spec, Bandwidth::Scott).unwrap();
    let contours = density::contours(&grid, &density::thresholds(&grid, 12)).unwrap();
    DensityLayer::new(&grid, &contours)
}

#[test]
fn density_bands_match_the_cpu_twin() {
    let Some(ctx) = context() else { return };
    let layer = layer();
    assert_eq!(layer.levels, 12);
    assert!(!layer.segments.is_empty());
    let viewport = Viewport {
        width_px: 160,
        height_px: 120,
    };
    let camera = Camera {
        center_world: [1.0, 0.5],
        px_per_world: 12.0,
    };
    let background = [250u8, 250, 247, 255];
    let fill = [70u8, 90, 160, 120];
    let style = DensityStyle {
        fill,
        line: [40, 50, 90, 200],
        show_fill: true,
        show_lines: false,
    };
    let mut renderer = DensityRenderer::new(&ctx.device, OFFSCREEN_FORMAT);
    renderer.set_layer(&ctx.device, Some(&layer));
    let bg = background.map(|c| f64::from(c) / 255.0);
    let gpu = render_to_frame(&ctx, viewport, |encoder, view| {
        renderer.draw(
            &ctx.queue,
            encoder,
            view,
            &camera,
            viewport,
            style,
            wgpu::Color {
                r: bg[0],
                g: bg[1],
                b: bg[2],
                a: 1.0,
            },
        );
    })
    .unwrap();
    let mut cpu = Frame::new(viewport.width_px, viewport.height_px);
    paint_bands(
        &mut cpu,
        &camera,
        &layer,
        background,
        [fill[0], fill[1], fill[2], 255],
        fill[3],
    );
    // Same band almost everywhere: pixels may differ where a band edge falls between the two
    // float paths, and by a unit of rounding in the blend.
    let mut same = 0;
    let mut tinted = 0;
    for (g, c) in gpu.pixels.chunks(4).zip(cpu.pixels.chunks(4)) {
        if g[..3].iter().zip(&c[..3]).all(|(a, b)| a.abs_diff(*b) <= 2) {
            same += 1;
        }
        if c[..3] != background[..3] {
            tinted += 1;
        }
    }
    let total = gpu.pixels.len() / 4;
    assert!(
        tinted > total / 10,
        "only {tinted} of {total} pixels tinted: the bands are not in view"
    );
    assert!(
        same as f64 / total as f64 > 0.98,
        "{same} of {total} pixels agree"
    );

    // Lines only: the contour segments land where the CPU draws them (within a pixel).
    let lines = DensityStyle {
        show_fill: false,
        show_lines: true,
        ..style
    };
    let gpu = render_to_frame(&ctx, viewport, |encoder, view| {
        renderer.draw(
            &ctx.queue,
            encoder,
            view,
            &camera,
            viewport,
            lines,
            wgpu::Color::WHITE,
        );
    })
    .unwrap();
    let mut cpu = Frame::new(viewport.width_px, viewport.height_px);
    (SCALAR.clear)(&mut cpu.pixels, [255, 255, 255, 255]);
    vecscape_core::view::raster::draw_segments(
        &mut cpu,
        &camera,
        &layer.segments,
        [40, 50, 90, 255],
        200,
    );
    let dark = |f: &Frame, x: u32, y: u32| f.pixel(x, y).is_some_and(|p| p[0] < 200);
    let (mut drawn, mut near) = (0, 0);
    for y in 1..viewport.height_px - 1 {
        for x in 1..viewport.width_px - 1 {
            if dark(&gpu, x, y) {
                drawn += 1;
                if (0..3).any(|dy| (0..3).any(|dx| dark(&cpu, x + dx - 1, y + dy - 1))) {
                    near += 1;
                }
            }
        }
    }
    assert!(drawn > 100, "only {drawn} line pixels");
    assert!(
        near as f64 / drawn as f64 > 0.97,
        "{near} of {drawn} GPU line pixels near a CPU one"
    );
}
