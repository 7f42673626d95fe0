//! UMAP's SGD on the GPU against its CPU twin (`layout::umap::Sgd`) on the same graph and start:
//! the layouts differ (other random points, unsynchronised updates), so their quality is
//! compared (the mean of four seeds: kNN@10 preserved and 10-NN label agreement each within
//! 0.01) on 2,000 of the demo's glosses. Natively on lavapipe in CI; `VECSCAPE_REQUIRE_GPU=1` turns a missing adapter into a
//! failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use vecscape_core::data::store::{Storage, Vectors};
use vecscape_core::layout::faithfulness::{from_neighbours, map_neighbours, original_neighbours};
use vecscape_core::layout::umap::{fuzzy_graph, knn_graph, pca_init, Sgd, UmapParams};
use vecscape_core::load::npy::read_npy;
use vecscape_core::search::types::Metric;
use vecscape_gpu::sgd::GpuSgd;

mod common;
use common::context;

const ROWS: usize = 2000;

#[test]
fn the_gpu_layout_is_as_good_as_the_cpu_one() {
    let Some(ctx) = context() else { return };
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
    let all = read_npy("vectors.f16.npy", &bytes).unwrap();
    let x = Vectors::from_f32(
        "demo",
        all.slice(ndarray::s![..ROWS, ..]).to_owned(),
        Storage::F32,
    )
    .unwrap();
    let labels: Vec<String> = std::fs::read_to_string(format!("{root}/web/demo/meta.jsonl"))
        .unwrap()
        .lines()
        .take(ROWS)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["label"].to_string())
        .collect();
    let params = UmapParams {
        metric: Metric::Cosine,
        ..UmapParams::default()
    };
    let epochs = params.epochs_for(ROWS);
    let edges = fuzzy_graph(&knn_graph(&x, 15, Metric::Cosine).unwrap());
    let start = pca_init(&x, 0).unwrap();
    let truth = original_neighbours(&x, 10, Metric::Cosine).unwrap();
    let quality = |y: &ndarray::Array2<f32>| {
        let (xs, ys): (Vec<f32>, Vec<f32>) = (y.column(0).to_vec(), y.column(1).to_vec());
        assert!(xs.iter().chain(&ys).all(|v| v.is_finite()));
        let kept = from_neighbours(&truth, &xs, &ys, 10).mean;
        let on_map = map_neighbours(&xs, &ys, 10);
        let agree = on_map
            .iter()
            .enumerate()
            .filter(|(s, &j)| labels[s / 10] == labels[j as usize])
            .count() as f64
            / on_map.len() as f64;
        (kept, agree)
    };

    // Four seeds each: a single run's kNN@10 moves by about ±0.005 with the seed, and the GPU's
    // unsynchronised updates make its runs differ slightly even for one seed.
    let (mut cpu_sum, mut gpu_sum) = ((0.0, 0.0), (0.0, 0.0));
    for seed in 0..4 {
        let run = UmapParams { seed, ..params };
        let mut cpu = start.clone();
        Sgd::new(&edges, &run, epochs).run(&mut cpu, epochs);
        let mut gpu = GpuSgd::new(&ctx, &start, &edges, &run, epochs).unwrap();
        let mut submissions = 0;
        while !gpu.done() {
            gpu.submit(100);
            submissions += 1;
        }
        assert_eq!(gpu.epochs(), (epochs, epochs));
        assert_eq!(submissions, epochs.div_ceil(100));
        let on_gpu = gpu.layout_blocking().unwrap();
        assert_ne!(on_gpu, start, "the GPU did not move the points");
        let (c, g) = (quality(&cpu), quality(&on_gpu));
        eprintln!("seed {seed}: CPU {c:?}, GPU {g:?}");
        cpu_sum = (cpu_sum.0 + c.0 / 4.0, cpu_sum.1 + c.1 / 4.0);
        gpu_sum = (gpu_sum.0 + g.0 / 4.0, gpu_sum.1 + g.1 / 4.0);
    }
    let (start_kept, _) = quality(&start);
    eprintln!(
        "mean of 4 seeds: kNN@10 kept CPU {:.4}, GPU {:.4} (start {start_kept:.4}); label agreement CPU {:.4}, GPU {:.4}",
        cpu_sum.0, gpu_sum.0, cpu_sum.1, gpu_sum.1
    );
    assert!(cpu_sum.0 > 3.0 * start_kept);
    // Measured on lavapipe over seven runs: the GPU's mean kNN@10 0.312–0.317 against the CPU's
    // 0.317 (a gap of 0.003 on average; 0.007 when tail moves were written unsynchronised and
    // lost), label agreement within 0.004.
    assert!(
        (cpu_sum.0 - gpu_sum.0).abs() <= 0.01,
        "kNN@10 kept: CPU {}, GPU {}",
        cpu_sum.0,
        gpu_sum.0
    );
    assert!(
        (cpu_sum.1 - gpu_sum.1).abs() <= 0.01,
        "label agreement: CPU {}, GPU {}",
        cpu_sum.1,
        gpu_sum.1
    );
}
