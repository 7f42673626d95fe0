//! `vecscapeBench`'s kernel timings on the loaded data, in the worker where the vectors are:
//! driven by `tests/bench/browser_bench.mjs` and `gpu_bench.mjs`, which compare them with faiss
//! and scikit-learn run natively in the same session. Each takes and returns JSON text (the
//! options and fields are listed in the app's `bench` module, which forwards them here).

use crate::state;
use crate::util::now_ms;
use serde_json::{json, Value};
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::quant::{recall_at_k, Int8Scale, QuantizedIndex, Quantizer};
use vecscape_core::search::types::{Metric, Neighbors};

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
    state::with(|s| {
        let x = &s.data()?.vectors;
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
    state::with(|s| {
        let x = &s.data()?.vectors;
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
    state::with(|s| {
        let x = &s.data()?.vectors;
        let (xs, ys) = if x.ncols() == 2 {
            let x = x.to_f32();
            (x.column(0).to_vec(), x.column(1).to_vec())
        } else {
            (s.xs.to_vec(), s.ys.to_vec())
        };
        let texts: Vec<&str> = s.data()?.meta.text.iter().map(String::as_str).collect();
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

async fn scaling(options: String) -> Result<Value, String> {
    use vecscape_core::project::pca::largest_angle_sin;
    let o: Value = serde_json::from_str(&options).map_err(|e| e.to_string())?;
    let rows = o["rows"].as_u64().unwrap_or(10_000).max(2) as usize;
    let dims = o["dims"].as_u64().unwrap_or(384).max(2) as usize;
    let cpu_queries = o["cpu_queries"].as_u64().unwrap_or(20).max(1) as usize;
    let gpu_queries = o["gpu_queries"].as_u64().unwrap_or(5).max(1) as usize;
    let k = 10;
    // The compute context, or (on a CPU-emulated adapter the page does not compute on) a
    // context of its own: this benchmark compares the two kinds of kernels wherever it runs.
    let ctx = match crate::compute::gpu() {
        Some(ctx) => ctx,
        None => crate::compute::context().await?,
    };
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

/// The text index of the loaded data's texts and string columns: its build (best of the
/// repeats) and each query's mean time over repeated runs, and matches.
fn text(options: &str) -> Result<Value, String> {
    use vecscape_core::search::text::{Query, TextIndex};
    let o: Value = serde_json::from_str(options).map_err(|e| e.to_string())?;
    let repeats = o["repeats"].as_u64().unwrap_or(3).max(1) as usize;
    let queries: Vec<String> = o["queries"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|q| q.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    state::with(|s| {
        let meta = &s.data()?.meta;
        let mut build_ms = f64::MAX;
        let mut index = TextIndex::default();
        for _ in 0..repeats {
            let started = now_ms();
            index = TextIndex::of_metadata(meta);
            build_ms = build_ms.min(now_ms() - started);
        }
        let answers: Vec<Value> = queries
            .iter()
            .map(|q| {
                let query = Query::parse(q);
                // The clock is coarse (0.1 ms): run each query until 30 ms have passed.
                let mut runs = 0u32;
                let mut matches = 0;
                let started = now_ms();
                while runs < 3 || now_ms() - started < 30.0 {
                    matches = index.search(&query, None).len();
                    runs += 1;
                }
                let ms = (now_ms() - started) / f64::from(runs);
                json!({ "query": q, "ms": ms, "matches": matches, "runs": runs })
            })
            .collect();
        Ok(json!({
            "rows": index.rows(),
            "words": index.vocabulary(),
            "bytes": index.bytes(),
            "build_ms": build_ms,
            "queries": answers,
        }))
    })
}

fn answer(result: Result<Value, String>) -> String {
    match result {
        Ok(v) => v.to_string(),
        Err(e) => json!({ "error": e }).to_string(),
    }
}

/// `vecscapeBench.<name>(options)`.
pub(crate) async fn run(name: &str, options: &str) -> String {
    answer(match name {
        "knn" => knn(options),
        "pca" => pca(options),
        "map" => map(options),
        "text" => text(options),
        "scaling" => scaling(options.to_owned()).await,
        other => Err(format!("no benchmark named {other}")),
    })
}
