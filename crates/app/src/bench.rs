//! `window.vecscapeBench`: timings of the core's kernels on the loaded data, in this browser.
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
use serde_json::{json, Value};
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::quant::{recall_at_k, Int8Scale, QuantizedIndex, Quantizer};
use vecscape_core::search::types::{Metric, Neighbors};
use wasm_bindgen::prelude::Closure;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn metric_of(name: &str) -> Metric {
    match name {
        "dot" => Metric::Dot,
        "l2" => Metric::L2,
        _ => Metric::Cosine,
    }
}

fn quantizer_of(name: &str) -> Option<Quantizer> {
    match name {
        "int8" => Some(Quantizer::Int8(Int8Scale::PerVector)),
        "int8-dim" => Some(Quantizer::Int8(Int8Scale::PerDimension)),
        "binary" => Some(Quantizer::Binary),
        _ => None,
    }
}

fn knn(options: &str) -> Result<Value, String> {
    let o: Value = serde_json::from_str(options).map_err(|e| e.to_string())?;
    let queries = o["queries"].as_u64().unwrap_or(100) as usize;
    let k = o["k"].as_u64().unwrap_or(10) as usize;
    let batch = o["batch"].as_u64().unwrap_or(1).max(1) as usize;
    let metric = metric_of(o["metric"].as_str().unwrap_or("cosine"));
    let quantizer = o["quantize"].as_str().and_then(quantizer_of);
    let bounded = o["bounded"].as_bool().unwrap_or(false);
    engine::with(|e| {
        let scene = e.scene.as_ref().ok_or("no data loaded")?;
        let x = &scene.dataset.vectors;
        let queries = queries.min(x.nrows());
        let started = now_ms();
        let exact = if bounded {
            FlatIndex::bounded(x, metric)
        } else {
            FlatIndex::new(x, metric)
        };
        let quantized = quantizer.map(|q| QuantizedIndex::build(x, metric, q));
        let build_ms = now_ms() - started;
        let pool = quantizer
            .map(|q| o["pool"].as_u64().map_or(q.default_pool(k), |p| p as usize))
            .unwrap_or(0);
        let rows: Vec<Vec<f32>> = (0..queries).map(|r| x.row_f32(r)).collect();
        let mut results: Vec<Neighbors> = Vec::with_capacity(queries);
        let started = now_ms();
        if let Some(qi) = &quantized {
            for q in &rows {
                results.push(qi.search(q, k, pool, None).map_err(|e| e.to_string())?);
            }
        } else if batch > 1 {
            for start in (0..queries).step_by(batch) {
                let end = (start + batch).min(queries);
                let block = x.block(start, end);
                results.extend(
                    exact
                        .search_batch(block.view(), k, &[])
                        .map_err(|e| e.to_string())?,
                );
            }
        } else {
            for q in &rows {
                results.push(exact.search(q, k, None).map_err(|e| e.to_string())?);
            }
        }
        let total_ms = now_ms() - started;
        let recall = if quantized.is_some() {
            let want: Vec<Neighbors> = rows
                .iter()
                .map(|q| exact.search(q, k, None))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            Some(recall_at_k(&want, &results))
        } else {
            None
        };
        Ok(json!({
            "rows": x.nrows(),
            "dims": x.ncols(),
            "storage": x.storage().name(),
            "bounded": exact.is_bounded(),
            "queries": queries,
            "batch": batch,
            "build_ms": build_ms,
            "total_ms": total_ms,
            "ms_per_query": total_ms / queries.max(1) as f64,
            "recall_at_k": recall,
            "pool": pool,
            "first_ids": results.first().map(|r| r.ids.clone()).unwrap_or_default(),
            "ids": o["ids"].as_bool().unwrap_or(false).then(|| results.iter().map(|r| r.ids.clone()).collect::<Vec<_>>()),
        }))
    })
}

fn pca(options: &str) -> Result<Value, String> {
    let o: Value = serde_json::from_str(options).map_err(|e| e.to_string())?;
    let components = o["components"].as_u64().unwrap_or(2) as usize;
    let repeats = o["repeats"].as_u64().unwrap_or(3).max(1) as usize;
    engine::with(|e| {
        let scene = e.scene.as_ref().ok_or("no data loaded")?;
        let x = &scene.dataset.vectors;
        let mut best = f64::INFINITY;
        let mut evr = Vec::new();
        for _ in 0..repeats {
            let started = now_ms();
            let fit =
                Pca::fit_vectors(x, components, PcaSolver::Auto).map_err(|e| e.to_string())?;
            let _projected = fit.transform_vectors(x);
            best = best.min(now_ms() - started);
            evr = fit.explained_variance_ratio;
        }
        Ok(
            json!({ "rows": x.nrows(), "dims": x.ncols(), "ms": best, "explained_variance_ratio": evr }),
        )
    })
}

fn map(options: &str) -> Result<Value, String> {
    use vecscape_core::map::{MapOptions, Summary};
    let o: Value = serde_json::from_str(options).map_err(|e| e.to_string())?;
    let repeats = o["repeats"].as_u64().unwrap_or(1).max(1) as usize;
    engine::with(|e| {
        let scene = e.scene.as_ref().ok_or("no data loaded")?;
        let x = &scene.dataset.vectors;
        let (xs, ys) = if x.ncols() == 2 {
            let x = x.to_f32();
            (x.column(0).to_vec(), x.column(1).to_vec())
        } else {
            (scene.xs.clone(), scene.ys.clone())
        };
        let texts: Vec<&str> = scene.dataset.meta.text.iter().map(String::as_str).collect();
        let options = MapOptions {
            bandwidth: match o["bandwidth"].as_str() {
                Some(b) => {
                    vecscape_core::map::density::Bandwidth::parse(b).map_err(|e| e.to_string())?
                }
                None => MapOptions::default().bandwidth,
            },
            ..MapOptions::default()
        };
        let mut best = f64::INFINITY;
        let mut summary = None;
        for _ in 0..repeats {
            let started = now_ms();
            summary =
                Summary::build(&xs, &ys, &texts, &options, |_| true).map_err(|e| e.to_string())?;
            best = best.min(now_ms() - started);
        }
        let summary = summary.ok_or("not built")?;
        Ok(json!({
            "rows": xs.len(),
            "ms": best,
            "levels": summary.levels.iter().map(|l| l.level).collect::<Vec<_>>(),
            "tiles": summary.levels.iter().map(|l| l.topics.len()).sum::<usize>(),
        }))
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

async fn scaling(options: String) -> Result<Value, String> {
    use vecscape_core::project::pca::largest_angle_sin;
    let o: Value = serde_json::from_str(&options).map_err(|e| e.to_string())?;
    let rows = o["rows"].as_u64().unwrap_or(10_000).max(2) as usize;
    let dims = o["dims"].as_u64().unwrap_or(384).max(2) as usize;
    let cpu_queries = o["cpu_queries"].as_u64().unwrap_or(20).max(1) as usize;
    let gpu_queries = o["gpu_queries"].as_u64().unwrap_or(5).max(1) as usize;
    let k = 10;
    let ctx = engine::with(|e| e.gpu_context()).ok_or("WebGPU is not the live backend")?;
    let started = now_ms();
    let x = vecscape_core::project::rng::synthetic_vectors(rows, dims, 17);
    let generate_ms = now_ms() - started;
    let queries: Vec<Vec<f32>> = (0..cpu_queries.max(gpu_queries))
        .map(|q| x.row(q * 7919 % rows).to_vec())
        .collect();

    // kNN: the simd128 scan, then the GPU's (upload timed apart from the searches).
    let exact = FlatIndex::new(&x, Metric::Cosine);
    // One untimed search first: V8 runs new wasm code in its baseline tier until it tiers up.
    let _ = exact.search(&queries[0], k, None);
    let started = now_ms();
    let mut cpu_results = Vec::new();
    for q in &queries[..cpu_queries] {
        cpu_results.push(exact.search(q, k, None).map_err(|e| e.to_string())?);
    }
    let cpu_knn_ms = (now_ms() - started) / cpu_queries as f64;
    let started = now_ms();
    let index = vecscape_gpu::GpuFlatIndex::new(&ctx, &x, Metric::Cosine, None)
        .map_err(|e| e.to_string())?;
    let gpu_upload_ms = now_ms() - started;
    // The first search compiles nothing (pipelines are built with the index) but warms caches.
    let _ = index.search(&queries[0], k, None).await;
    let started = now_ms();
    let mut same_ids = true;
    for (i, q) in queries[..gpu_queries].iter().enumerate() {
        let found = index.search(q, k, None).await.map_err(|e| e.to_string())?;
        if let Some(cpu) = cpu_results.get(i) {
            same_ids &= cpu.ids == found.ids;
        }
    }
    let gpu_knn_ms = (now_ms() - started) / gpu_queries as f64;
    drop(index);

    // PCA to 2-D with the projection: the app's CPU path (exact for ≤ 512 dims) and the GPU's
    // randomized solver.
    let started = now_ms();
    let cpu_fit = Pca::fit(x.view(), 2, PcaSolver::Auto).map_err(|e| e.to_string())?;
    let _cpu_projected = cpu_fit.transform(x.view());
    let cpu_pca_ms = now_ms() - started;
    let started = now_ms();
    let gpu = vecscape_gpu::GpuPca::new(&ctx);
    let prepared = gpu.prepare(x.view(), 2, None).map_err(|e| e.to_string())?;
    let gpu_fit = gpu.fit(&prepared, 0).await.map_err(|e| e.to_string())?;
    let _gpu_projected = gpu
        .project(&prepared, &gpu_fit)
        .await
        .map_err(|e| e.to_string())?;
    let gpu_pca_ms = now_ms() - started;
    let angle = largest_angle_sin(
        &cpu_fit.components.mapv(f64::from),
        &gpu_fit.components.mapv(f64::from),
    );
    Ok(json!({
        "rows": rows,
        "dims": dims,
        "generate_ms": generate_ms,
        "adapter": ctx.describe(),
        "knn": {
            "cpu_ms_per_query": cpu_knn_ms,
            "gpu_ms_per_query": gpu_knn_ms,
            "gpu_upload_ms": gpu_upload_ms,
            "same_ids": same_ids,
            "cpu_queries": cpu_queries,
            "gpu_queries": gpu_queries,
        },
        "pca": {
            "cpu_ms": cpu_pca_ms,
            "gpu_ms": gpu_pca_ms,
            "subspace_sin": angle,
            "cpu_evr": cpu_fit.explained_variance_ratio,
            "gpu_evr": gpu_fit.explained_variance_ratio,
        },
    }))
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
    let knn_fn = Closure::<dyn Fn(String) -> String>::new(|o: String| answer(knn(&o)));
    let _ = js_sys::Reflect::set(&hooks, &"knn".into(), knn_fn.as_ref());
    knn_fn.forget();
    let pca_fn = Closure::<dyn Fn(String) -> String>::new(|o: String| answer(pca(&o)));
    let _ = js_sys::Reflect::set(&hooks, &"pca".into(), pca_fn.as_ref());
    pca_fn.forget();
    let map_fn = Closure::<dyn Fn(String) -> String>::new(|o: String| answer(map(&o)));
    let _ = js_sys::Reflect::set(&hooks, &"map".into(), map_fn.as_ref());
    map_fn.forget();
    let pan_fn = Closure::<dyn Fn(String) -> js_sys::Promise>::new(|o: String| {
        wasm_bindgen_futures::future_to_promise(async move {
            Ok(wasm_bindgen::JsValue::from_str(&answer(pan(o).await)))
        })
    });
    let _ = js_sys::Reflect::set(&hooks, &"pan".into(), pan_fn.as_ref());
    pan_fn.forget();
    let scaling_fn = Closure::<dyn Fn(String) -> js_sys::Promise>::new(|o: String| {
        wasm_bindgen_futures::future_to_promise(async move {
            Ok(wasm_bindgen::JsValue::from_str(&answer(scaling(o).await)))
        })
    });
    let _ = js_sys::Reflect::set(&hooks, &"scaling".into(), scaling_fn.as_ref());
    scaling_fn.forget();
    let simd = Closure::<dyn Fn() -> bool>::new(|| cfg!(target_feature = "simd128"));
    let _ = js_sys::Reflect::set(&hooks, &"simd".into(), simd.as_ref());
    simd.forget();
    let _ = js_sys::Reflect::set(&window, &"vecscapeBench".into(), &hooks);
}
