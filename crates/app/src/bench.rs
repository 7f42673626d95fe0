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
    for name in ["knn", "pca", "map", "scaling"] {
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
    let simd = Closure::<dyn Fn() -> bool>::new(|| cfg!(target_feature = "simd128"));
    let _ = js_sys::Reflect::set(&hooks, &"simd".into(), simd.as_ref());
    simd.forget();
    let _ = js_sys::Reflect::set(&window, &"vecscapeBench".into(), &hooks);
}
