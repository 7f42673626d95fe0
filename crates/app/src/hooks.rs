//! `window.vecscapeTest`: hooks the end-to-end tests use (point positions; the CPU twins of the
//! layouts the worker computed, and its kNN kernels' self-check, as promises; the raster
//! kernels' self-check; losing the GPU devices).

use crate::engine;
use crate::worker;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Probe, Reply, Request};
use wasm_bindgen::prelude::*;

/// A promise of what the worker answers to `probe`: its numbers as a `Float32Array`, else its
/// JSON parsed.
pub(crate) fn probe_promise(probe: Probe) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        let answer =
            worker::call(|job| Request::Probe { job, probe }, Parcel::default(), None).await;
        match answer {
            Ok((Reply::Probe { json, .. }, parcel)) => match parcel.xs {
                Some(values) => Ok(js_sys::Float32Array::from(values.as_slice()).into()),
                None => js_sys::JSON::parse(&json),
            },
            Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
                Err(js_sys::Error::new(&message).into())
            }
            Ok((other, _)) => {
                Err(js_sys::Error::new(&format!("unexpected answer {other:?}")).into())
            }
        }
    })
}

fn set(target: &js_sys::Object, name: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(target, &name.into(), value);
}

/// Install `window.vecscapeTest`.
pub(crate) fn install_test_hooks(ui: crate::state::Ui) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = js_sys::Object::new();
    let positions = Closure::<dyn Fn() -> js_sys::Float32Array>::new(|| {
        let positions = engine::with(|e| e.screen_positions_css());
        js_sys::Float32Array::from(positions.as_slice())
    });
    set(&hooks, "screenPositions", positions.as_ref());
    positions.forget();
    let world = Closure::<dyn Fn() -> js_sys::Float32Array>::new(|| {
        let positions = engine::with(|e| e.world_positions());
        js_sys::Float32Array::from(positions.as_slice())
    });
    set(&hooks, "worldPositions", world.as_ref());
    world.forget();
    // The CPU twin of the random projection the chooser runs (seed 0), interleaved x, y.
    let cpu_rp = Closure::<dyn Fn(String) -> js_sys::Promise>::new(|kind: String| {
        probe_promise(Probe::CpuRandomProjection {
            sparse: kind == "sparse-rp",
        })
    });
    set(&hooks, "cpuRandomProjection", cpu_rp.as_ref());
    cpu_rp.forget();
    // The CPU PCA the app would show: "randomized" is the WebGPU path's twin (same solver and
    // seed, products summed by ndarray), anything else the CPU path (`PcaSolver::Auto`).
    // Projected rows interleaved x, y.
    let cpu_pca = Closure::<dyn Fn(String) -> js_sys::Promise>::new(|solver: String| {
        probe_promise(Probe::CpuPca {
            randomized: solver == "randomized",
        })
    });
    set(&hooks, "cpuPca", cpu_pca.as_ref());
    cpu_pca.forget();
    // Destroy the WebGPU devices (the page's and the worker's), as a driver reset would lose
    // them; true when the page had one.
    let lose = Closure::<dyn Fn() -> bool>::new(|| {
        worker::send(&Request::DropGpu { destroy: true });
        engine::with(|e| e.gpu_context())
            .map(|ctx| ctx.device.destroy())
            .is_some()
    });
    set(&hooks, "loseGpuDevice", lose.as_ref());
    lose.forget();
    let twins =
        Closure::<dyn Fn() -> bool>::new(|| vecscape_core::view::raster::twins_agree(4000, 11));
    set(&hooks, "rasterTwinsAgree", twins.as_ref());
    twins.forget();
    let knn = Closure::<dyn Fn() -> js_sys::Promise>::new(|| probe_promise(Probe::KnnKernelsAgree));
    set(&hooks, "knnKernelsAgree", knn.as_ref());
    knn.forget();
    // Select exactly these rows (as a link restores a selection).
    let select = Closure::<dyn Fn(js_sys::Uint32Array)>::new(move |rows: js_sys::Uint32Array| {
        crate::actions::pick::select_rows(ui, &rows.to_vec());
    });
    set(&hooks, "selectRows", select.as_ref());
    select.forget();
    let selected = Closure::<dyn Fn() -> js_sys::Uint32Array>::new(|| {
        let rows = engine::with(|e| e.selection.as_ref().map(|s| s.to_vec()).unwrap_or_default());
        js_sys::Uint32Array::from(rows.as_slice())
    });
    set(&hooks, "selectedRows", selected.as_ref());
    selected.forget();
    // Each point's colour as drawn (RGBA, row order): dimmed, hidden or in full.
    let colors = Closure::<dyn Fn() -> js_sys::Uint8Array>::new(|| {
        let bytes: Vec<u8> = engine::with(|e| {
            e.scene
                .as_ref()
                .map(|s| s.colors.iter().flatten().copied().collect())
                .unwrap_or_default()
        });
        js_sys::Uint8Array::from(bytes.as_slice())
    });
    set(&hooks, "pointColors", colors.as_ref());
    colors.forget();
    // The density shown: [rows it is of, sum of its values, contour segments].
    let density = Closure::<dyn Fn() -> js_sys::Float64Array>::new(|| {
        let (rows, sum, segments) = engine::with(|e| e.density_shown);
        js_sys::Float64Array::from([rows as f64, sum, segments as f64].as_slice())
    });
    set(&hooks, "densityShown", density.as_ref());
    density.forget();
    set(&window, "vecscapeTest", &hooks);
}
