//! `window.vecscapeTest`: read-only hooks the end-to-end tests use (point positions, the CPU
//! twins of the page's GPU computations, kernel self-checks, losing the GPU device).

use crate::engine;
use wasm_bindgen::prelude::*;

/// `window.vecscapeTest`: read-only hooks the end-to-end tests use to find points on screen.
pub(crate) fn install_test_hooks() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = js_sys::Object::new();
    let positions = Closure::<dyn Fn() -> js_sys::Float32Array>::new(|| {
        let positions = engine::with(|e| e.screen_positions_css());
        js_sys::Float32Array::from(positions.as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"screenPositions".into(), positions.as_ref());
    positions.forget();
    let world = Closure::<dyn Fn() -> js_sys::Float32Array>::new(|| {
        let positions = engine::with(|e| e.world_positions());
        js_sys::Float32Array::from(positions.as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"worldPositions".into(), world.as_ref());
    world.forget();
    // The CPU twin of the random projection the chooser runs (seed 0), interleaved x, y.
    let cpu_rp = Closure::<dyn Fn(String) -> js_sys::Float32Array>::new(|kind: String| {
        use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};
        let kind = if kind == "sparse-rp" {
            RandomProjectionKind::VerySparse
        } else {
            RandomProjectionKind::Gaussian
        };
        let out = engine::with(|e| {
            let x = &e.scene.as_ref()?.dataset.vectors;
            let rp = RandomProjection::new(kind, x.ncols(), 2, 0).ok()?;
            Some(rp.apply_vectors(x).iter().copied().collect::<Vec<f32>>())
        });
        js_sys::Float32Array::from(out.unwrap_or_default().as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"cpuRandomProjection".into(), cpu_rp.as_ref());
    cpu_rp.forget();
    // The CPU PCA the app would show: "randomized" is the WebGPU path's twin (same solver and
    // seed, products summed by ndarray), anything else the CPU path (`PcaSolver::Auto`).
    // Projected rows interleaved x, y.
    let cpu_pca = Closure::<dyn Fn(String) -> js_sys::Float32Array>::new(|solver: String| {
        use vecscape_core::project::pca::{Pca, PcaSolver};
        let solver = if solver == "randomized" {
            PcaSolver::Randomized { seed: 0 }
        } else {
            PcaSolver::Auto
        };
        let out = engine::with(|e| {
            let x = &e.scene.as_ref()?.dataset.vectors;
            let pca = Pca::fit_vectors(x, 2, solver).ok()?;
            Some(
                pca.transform_vectors(x)
                    .iter()
                    .copied()
                    .collect::<Vec<f32>>(),
            )
        });
        js_sys::Float32Array::from(out.unwrap_or_default().as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"cpuPca".into(), cpu_pca.as_ref());
    cpu_pca.forget();
    // Destroy the WebGPU device, as a driver reset would lose it; true when there was one.
    let lose = Closure::<dyn Fn() -> bool>::new(|| {
        engine::with(|e| e.gpu_context())
            .map(|ctx| ctx.device.destroy())
            .is_some()
    });
    let _ = js_sys::Reflect::set(&hooks, &"loseGpuDevice".into(), lose.as_ref());
    lose.forget();
    let twins =
        Closure::<dyn Fn() -> bool>::new(|| vecscape_core::view::raster::twins_agree(4000, 11));
    let _ = js_sys::Reflect::set(&hooks, &"rasterTwinsAgree".into(), twins.as_ref());
    twins.forget();
    let knn = Closure::<dyn Fn() -> bool>::new(|| vecscape_core::search::checks::kernels_agree(7));
    let _ = js_sys::Reflect::set(&hooks, &"knnKernelsAgree".into(), knn.as_ref());
    knn.forget();
    let _ = js_sys::Reflect::set(&window, &"vecscapeTest".into(), &hooks);
}
