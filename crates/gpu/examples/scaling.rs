//! Benchmark (not a test): the GPU kernels on whatever wgpu adapter this machine has (Mesa
//! lavapipe in CI: a CPU emulation) against our native CPU path, on synthetic 384-d vectors:
//! exact top-10 cosine kNN per query and 2-D PCA with projection.
//!
//!   cargo run --release -p vecscape-gpu --example scaling -- [10000,100000] [dims]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark binary

use std::time::Instant;
use vecscape_core::project::pca::{largest_angle_sin, Pca, PcaSolver};
use vecscape_core::project::rng::synthetic_vectors;
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::types::Metric;
use vecscape_gpu::{GpuContext, GpuFlatIndex, GpuPca};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = args
        .get(1)
        .map_or("10000,100000", String::as_str)
        .split(',')
        .map(|s| s.parse().expect("sizes: comma-separated row counts"))
        .collect();
    let dims: usize = args.get(2).map_or(384, |d| d.parse().expect("dims"));
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    let ctx = pollster::block_on(GpuContext::new(&instance, None)).expect("a wgpu adapter");
    println!("adapter: {}", ctx.describe());
    println!("N | kNN CPU ms/query | kNN GPU ms/query | ratio | PCA CPU ms | PCA GPU ms | ratio");
    for n in sizes {
        let x = synthetic_vectors(n, dims, 17);
        let queries: Vec<Vec<f32>> = (0..10).map(|q| x.row(q * 7919 % n).to_vec()).collect();
        let cpu_index = FlatIndex::new(&x, Metric::Cosine);
        let started = Instant::now();
        let cpu: Vec<_> = queries
            .iter()
            .map(|q| cpu_index.search(q, 10, None).unwrap())
            .collect();
        let cpu_knn = started.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
        let gpu_index = GpuFlatIndex::new(&ctx, &x, Metric::Cosine, None).unwrap();
        let _ = gpu_index.search_blocking(&queries[0], 10, None).unwrap();
        let started = Instant::now();
        let gpu: Vec<_> = queries
            .iter()
            .map(|q| gpu_index.search_blocking(q, 10, None).unwrap())
            .collect();
        let gpu_knn = started.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
        let same = cpu.iter().zip(&gpu).all(|(a, b)| a.ids == b.ids);
        drop(gpu_index);

        let started = Instant::now();
        let cpu_fit = Pca::fit(x.view(), 2, PcaSolver::Auto).unwrap();
        let _ = cpu_fit.transform(x.view());
        let cpu_pca = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        let pca = GpuPca::new(&ctx);
        let prepared = pca.prepare(x.view(), 2, None).unwrap();
        let gpu_fit = pca.fit_blocking(&prepared, 0).unwrap();
        let _ = pca.project_blocking(&prepared, &gpu_fit).unwrap();
        let gpu_pca = started.elapsed().as_secs_f64() * 1e3;
        let sin = largest_angle_sin(
            &cpu_fit.components.mapv(f64::from),
            &gpu_fit.components.mapv(f64::from),
        );
        println!(
            "{n} | {cpu_knn:.2} | {gpu_knn:.2} | {:.2}× | {cpu_pca:.0} | {gpu_pca:.0} | {:.2}× \
             (same ids: {same}; PCA subspace sin {sin:.1e})",
            cpu_knn / gpu_knn,
            cpu_pca / gpu_pca,
        );
    }
}
