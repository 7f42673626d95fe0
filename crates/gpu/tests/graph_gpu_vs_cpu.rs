//! UMAP's neighbour graph on the GPU against its CPU twin (`layout::umap::knn_graph`): the same
//! ids row for row, distances within float rounding, on real vectors (the demo's glosses) and
//! with the rows split into small chunks. Natively on lavapipe in CI; `VECSCAPE_REQUIRE_GPU=1`
//! turns a missing adapter into a failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use vecscape_core::data::store::{Storage, Vectors};
use vecscape_core::layout::umap::knn_graph;
use vecscape_core::load::npy::read_npy;
use vecscape_core::search::types::Metric;
use vecscape_gpu::graph::{knn_graph as gpu_knn_graph, knn_graph_blocking};

mod common;
use common::context;

#[test]
fn the_gpu_graph_is_the_exact_cpu_graph() {
    let Some(ctx) = context() else { return };
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
    let all = read_npy("vectors.f16.npy", &bytes).unwrap();
    let x = all.slice(ndarray::s![..1500, ..]).to_owned();
    let v = Vectors::from_f32("demo", x.clone(), Storage::F32).unwrap();
    for (metric, chunk) in [(Metric::Cosine, None), (Metric::L2, Some(300 * 384 * 4))] {
        let cpu = knn_graph(&v, 15, metric).unwrap();
        let gpu = knn_graph_blocking(&ctx, &x, 15, metric, chunk).unwrap();
        assert_eq!(gpu.k, 15);
        let mut differ = 0;
        for i in 0..x.nrows() {
            let (a, b) = (
                &cpu.ids[i * 15..(i + 1) * 15],
                &gpu.ids[i * 15..(i + 1) * 15],
            );
            if a != b {
                // Only a near-tie may swap places: the same distances within rounding.
                differ += 1;
                for t in 0..15 {
                    let (da, db) = (cpu.dists[i * 15 + t], gpu.dists[i * 15 + t]);
                    assert!(
                        (da - db).abs() <= 1e-5,
                        "{metric:?} row {i}: {a:?} vs {b:?}"
                    );
                }
            }
            for t in 0..15 {
                let (da, db) = (cpu.dists[i * 15 + t], gpu.dists[i * 15 + t]);
                assert!(
                    (da - db).abs() <= 1e-4,
                    "{metric:?} row {i} slot {t}: {da} vs {db}"
                );
            }
        }
        assert!(differ <= 3, "{metric:?}: {differ} rows differ");
        // The async build (the browser's) gives the same graph, and stops when asked. Natively
        // a thread polls the device, as the browser's event loop does.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let poller = {
            let (device, stop) = (ctx.device.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = device.poll(wgpu::PollType::Poll);
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            })
        };
        let mut batches = Vec::new();
        let again = pollster::block_on(gpu_knn_graph(&ctx, &x, 15, metric, chunk, |done| {
            batches.push(done);
            true
        }))
        .unwrap()
        .unwrap();
        assert_eq!(again, gpu);
        assert_eq!(batches, vec![1024, 1500]);
        let stopped = pollster::block_on(gpu_knn_graph(&ctx, &x, 15, metric, chunk, |_| false));
        assert_eq!(stopped.unwrap(), None);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        poller.join().unwrap();
        eprintln!("{metric:?}: {differ} of 1500 rows differ (near-ties)");
    }
}
