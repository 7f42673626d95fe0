//! Native smoke test: draw points offscreen with wgpu (Mesa lavapipe in CI), read the pixels back
//! and compare with the CPU rasteriser's picture of the same scene.
//!
//! With `VECSCAPE_REQUIRE_GPU=1` (set by `make test`) a missing adapter fails the test; otherwise
//! the test reports the skip, so `cargo test` works on a machine without Vulkan.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use vecscape_core::view::camera::{Camera, Viewport};
use vecscape_core::view::palette::pack;
use vecscape_core::view::raster::{render_points, Frame, PointStyle};
use vecscape_gpu::offscreen::{render_points_to_frame, OFFSCREEN_FORMAT};
use vecscape_gpu::PointRenderer;

mod common;
use common::context;

#[test]
fn draws_points_offscreen_like_the_cpu_rasteriser() {
    let Some(ctx) = context() else { return };
    eprintln!("adapter: {}", ctx.describe());
    let viewport = Viewport {
        width_px: 96,
        height_px: 64,
    };
    let camera = Camera {
        center_world: [0.0, 0.0],
        px_per_world: 10.0,
    };
    let xs = [-3.0f32, 0.0, 3.3, 4.0];
    let ys = [2.0f32, 0.0, -1.2, 2.5];
    let colors = [
        [255, 0, 0, 255],
        [0, 255, 0, 255],
        [0, 0, 255, 255],
        [255, 255, 0, 255],
    ];
    let style = PointStyle {
        radius_px: 4.0,
        alpha: 255,
    };
    let packed: Vec<u32> = colors.iter().map(|c| pack(*c)).collect();
    let mut renderer = PointRenderer::new(&ctx.device, OFFSCREEN_FORMAT);
    renderer.set_points(&ctx.device, &xs, &ys, &packed);
    let gpu = render_points_to_frame(
        &ctx,
        &renderer,
        &camera,
        viewport,
        style,
        wgpu::Color::BLACK,
    )
    .unwrap();

    let mut cpu = Frame::new(viewport.width_px, viewport.height_px);
    render_points(&mut cpu, &camera, &xs, &ys, &colors, style, [0, 0, 0, 255]);

    // Each point's centre pixel has exactly its colour.
    for (i, c) in colors.iter().enumerate() {
        let p = camera.screen_from_world(viewport, [xs[i], ys[i]]);
        let got = gpu.pixel(p[0] as u32, p[1] as u32).unwrap();
        assert_eq!(&got, c, "point {i} at {p:?}");
    }
    // Far from every point the background is untouched.
    assert_eq!(gpu.pixel(0, 0).unwrap(), [0, 0, 0, 255]);
    assert_eq!(gpu.pixel(95, 63).unwrap(), [0, 0, 0, 255]);
    // The covered pixels agree with the CPU picture except on anti-aliased rims.
    let lit = |f: &Frame, i: usize| f.pixels[i * 4..i * 4 + 3].iter().any(|v| *v > 127);
    let pixels = (viewport.width_px * viewport.height_px) as usize;
    let (mut both, mut either) = (0, 0);
    for i in 0..pixels {
        let (g, c) = (lit(&gpu, i), lit(&cpu, i));
        both += usize::from(g && c);
        either += usize::from(g || c);
    }
    let iou = both as f64 / either as f64;
    assert!(iou > 0.8, "GPU and CPU discs overlap too little: IoU {iou}");
}
