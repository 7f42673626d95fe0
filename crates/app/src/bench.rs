//! `window.vecscapeBench`: timings of the core's kernels on the loaded data, in this browser
//! (`knn`, `pca`, `map` and `scaling` run in the compute worker, where the vectors are, and
//! answer with promises; `pan` times the page's own frames).
//! Installed only with `?bench` in the URL; driven by `tests/bench/browser_bench.mjs`, which
//! compares them with faiss and scikit-learn run natively in the same session.
//!
//! Each function takes and returns JSON text:
//! - `knn('{"queries":200,"k":10,"metric":"cosine","batch":1,"quantize":null,"pool":null,"bounded":false}')`
//!   → `{"ms_per_query":…, "build_ms":…, "first_ids":[…], "recall_at_k":…}`; the queries are the
//!   first rows of the data; `bounded` scans with int8 bounds (`FlatIndex::bounded`, exact),
//!   whose build (and the norms') `build_ms` then times;
//! - `pca('{"components":2,"repeats":3}')` → `{"ms":…, "explained_variance_ratio":[…]}`
//!   (the solver the app uses, `PcaSolver::Auto`; best of the repeats);
//! - `map('{"repeats":1}')` → `{"ms":…, "levels":[…], "tiles":…}`: every map summary
//!   (quadtree, keywords per tile per level, density, contours) for the loaded layout — the data's
//!   own columns when it has two, else the projection shown — on the CPU, best of the repeats;
//! - `pan('{"frames":120,"dx":3}')` → a promise of `{"median_ms":…, "p95_ms":…}`: per-frame time
//!   while panning (draw and label layout, and on WebGPU until the GPU has finished the frame);
//! - `scaling('{"rows":100000,"dims":384,"cpu_queries":20,"gpu_queries":5}')` → a promise of
//!   the WebGPU kernels against the wasm SIMD ones on synthetic data generated in the page
//!   (seeded; eight strong directions plus noise): exact top-10 cosine kNN per query and 2-D PCA
//!   with projection, each side's time, whether the neighbours agree and the angle between the
//!   PCA subspaces;
//! - `text('{"queries":["bird"],"repeats":3}')` → a promise of the text index's build time on
//!   the loaded data (texts and string columns) and each query's time and matches;
//! - `lasso('{"points":1000000,"vertices":200,"repeats":5}')` → the lasso's time on the main
//!   thread over seeded points, with the polygon (the benchmark times a plain JS loop on the same
//!   input);
//! - `simd()` → whether this build uses the simd128 kernels.

use crate::engine;
use crate::util::now_ms;
use crate::worker;
use serde_json::{json, Value};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Probe, Reply, Request};
use wasm_bindgen::prelude::Closure;

/// A promise of the JSON text the worker's benchmark `name` answers.
fn worker_bench(name: &str, options: String) -> js_sys::Promise {
    let probe = Probe::Bench {
        name: name.to_owned(),
        options,
    };
    wasm_bindgen_futures::future_to_promise(async move {
        let answer =
            worker::call(|job| Request::Probe { job, probe }, Parcel::default(), None).await;
        let text = match answer {
            Ok((Reply::Probe { json, .. }, _)) => json,
            Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
                json!({ "error": message }).to_string()
            }
            Ok((other, _)) => {
                json!({ "error": format!("unexpected answer {other:?}") }).to_string()
            }
        };
        Ok(wasm_bindgen::JsValue::from_str(&text))
    })
}

/// The lasso on the main thread, as the page runs it: `points` seeded points in the unit
/// square (clusters), a star of `vertices` vertices, best of `repeats`; also returns the points
/// and polygon so the caller can time another implementation on the same input.
fn lasso(options: &str) -> Result<Value, String> {
    use vecscape_core::view::select::in_polygon;
    let o: Value = serde_json::from_str(options).map_err(|e| e.to_string())?;
    let points = o["points"].as_u64().unwrap_or(1_000_000) as usize;
    let vertices = o["vertices"].as_u64().unwrap_or(200).max(3) as usize;
    let repeats = o["repeats"].as_u64().unwrap_or(5).max(1) as usize;
    // A small LCG: the same points on every run and in every browser.
    let mut state = 0x2545_f491_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let (xs, ys): (Vec<f32>, Vec<f32>) = (0..points).map(|_| (next(), next())).unzip();
    let polygon: Vec<[f32; 2]> = (0..vertices)
        .map(|i| {
            let a = std::f32::consts::TAU * i as f32 / vertices as f32;
            let r = if i % 2 == 0 { 0.45 } else { 0.2 };
            [0.5 + r * a.cos(), 0.5 + r * a.sin()]
        })
        .collect();
    let mut best = f64::MAX;
    let mut selected = 0;
    for _ in 0..repeats {
        let started = now_ms();
        selected = in_polygon(&xs, &ys, &polygon).count();
        best = best.min(now_ms() - started);
    }
    Ok(json!({
        "points": points,
        "vertices": vertices,
        "ms": best,
        "selected": selected,
        "seed_state": 0x2545_f491_u64,
        "polygon": polygon,
    }))
}

async fn pan(options: String) -> Result<Value, String> {
    let o: Value = serde_json::from_str(&options).map_err(|e| e.to_string())?;
    let frames = o["frames"].as_u64().unwrap_or(120).max(1) as usize;
    let dx = o["dx"].as_f64().unwrap_or(3.0) as f32;
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames {
        let started = now_ms();
        let step = if (i / 40) % 2 == 0 { dx } else { -dx };
        let gpu = engine::with(|e| {
            e.pan_css(step, 0.0);
            // What a frame of the app computes: the drawing and the label layout.
            let drawn = e.draw().map(|()| e.gpu_context());
            std::hint::black_box(e.overlay());
            drawn
        })?;
        if let Some(ctx) = gpu {
            let (sender, receiver) = futures_channel::oneshot::channel();
            ctx.queue.on_submitted_work_done(move || {
                let _ = sender.send(());
            });
            let _ = receiver.await;
        }
        times.push(now_ms() - started);
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let rows = engine::with(|e| e.scene.as_ref().map_or(0, |s| s.xs.len()));
    Ok(json!({ "rows": rows, "frames": frames, "median_ms": at(0.5), "p95_ms": at(0.95) }))
}

fn answer(result: Result<Value, String>) -> String {
    match result {
        Ok(v) => v.to_string(),
        Err(e) => json!({ "error": e }).to_string(),
    }
}

/// Install `window.vecscapeBench`.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = js_sys::Object::new();
    for name in ["knn", "pca", "map", "scaling", "text"] {
        let forward = Closure::<dyn Fn(String) -> js_sys::Promise>::new(move |o: String| {
            worker_bench(name, o)
        });
        let _ = js_sys::Reflect::set(&hooks, &name.into(), forward.as_ref());
        forward.forget();
    }
    let pan_fn = Closure::<dyn Fn(String) -> js_sys::Promise>::new(|o: String| {
        wasm_bindgen_futures::future_to_promise(async move {
            Ok(wasm_bindgen::JsValue::from_str(&answer(pan(o).await)))
        })
    });
    let _ = js_sys::Reflect::set(&hooks, &"pan".into(), pan_fn.as_ref());
    pan_fn.forget();
    let lasso_fn = Closure::<dyn Fn(String) -> String>::new(|o: String| answer(lasso(&o)));
    let _ = js_sys::Reflect::set(&hooks, &"lasso".into(), lasso_fn.as_ref());
    lasso_fn.forget();
    let simd = Closure::<dyn Fn() -> bool>::new(|| cfg!(target_feature = "simd128"));
    let _ = js_sys::Reflect::set(&hooks, &"simd".into(), simd.as_ref());
    simd.forget();
    let _ = js_sys::Reflect::set(&window, &"vecscapeBench".into(), &hooks);
}
