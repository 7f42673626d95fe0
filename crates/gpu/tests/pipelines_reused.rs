//! Compute pipelines are compiled once per device: a second map density, kNN index, projection
//! or PCA on the same context compiles nothing new (counted by the context).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use ndarray::Array2;
use vecscape_core::map::density::{kde_binned, Bandwidth, GridSpec};
use vecscape_core::map::quadtree::Domain;
use vecscape_core::project::rng::SplitMix64;
use vecscape_core::search::types::Metric;
use vecscape_gpu::{GpuFlatIndex, GpuKde, GpuPca};

mod common;
use common::context;

#[test]
fn a_second_build_compiles_no_pipeline() {
    let Some(ctx) = context() else { return };
    let mut rng = SplitMix64::new(3);
    let xs: Vec<f32> = (0..2000).map(|_| rng.uniform() as f32).collect();
    let ys: Vec<f32> = (0..2000).map(|_| rng.uniform() as f32).collect();
    let spec = GridSpec::padded(&Domain::of(&xs, &ys).unwrap(), 64);
    let sigma = kde_binned(&xs, &ys, &spec, Bandwidth::Scott).unwrap().sigma;
    // The map's density, as the app builds it for each new layout.
    let density = || {
        GpuKde::new(&ctx)
            .start(&xs, &ys, &spec, sigma)
            .unwrap()
            .finish_blocking()
            .unwrap()
    };
    assert_eq!(ctx.pipelines_created(), 0);
    let first = density();
    let after_first = ctx.pipelines_created();
    assert_eq!(after_first, 3, "splat, blur x, blur y");
    let second = density();
    assert_eq!(ctx.pipelines_created(), after_first);
    assert_eq!(first.values, second.values);

    let data = Array2::from_shape_fn((500, 24), |_| rng.uniform() as f32 - 0.5);
    let index = || GpuFlatIndex::new(&ctx, &data, Metric::Cosine, None).unwrap();
    let a = index().search_blocking(data.row(3).as_slice().unwrap(), 5, None);
    let with_knn = ctx.pipelines_created();
    assert_eq!(with_knn, after_first + 2, "kNN pass 1 and pass 2");
    let b = index().search_blocking(data.row(3).as_slice().unwrap(), 5, None);
    assert_eq!(ctx.pipelines_created(), with_knn);
    assert_eq!(a.unwrap(), b.unwrap());

    // A clone of the context (as the app hands out) shares the pipelines.
    let clone = ctx.clone();
    let pca = |c: &vecscape_gpu::GpuContext| {
        let gpu = GpuPca::new(c);
        let prepared = gpu.prepare(data.view(), 2, None).unwrap();
        gpu.fit_blocking(&prepared, 0).unwrap()
    };
    pca(&ctx);
    let with_pca = ctx.pipelines_created();
    assert!(with_pca > with_knn);
    pca(&clone);
    assert_eq!(clone.pipelines_created(), with_pca);
    assert_eq!(ctx.pipelines_created(), with_pca);
}
