//! GPU random projection (tiled matrix product) against its CPU twin
//! (vecscape_core::project::random_projection), natively on any wgpu adapter (Mesa lavapipe in CI).
//! `VECSCAPE_REQUIRE_GPU=1` turns a missing adapter into a failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use ndarray::Array2;
use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};
use vecscape_core::project::rng::SplitMix64;
use vecscape_gpu::GpuMatmul;

mod common;
use common::context;

fn random_matrix(n: usize, d: usize, seed: u64) -> Array2<f32> {
    let mut rng = SplitMix64::new(seed);
    Array2::from_shape_fn((n, d), |_| (rng.uniform() * 2.0 - 1.0) as f32)
}

/// Within 1e-4 relative: every entry's error against the largest entry of its output column.
fn assert_close(gpu: &Array2<f32>, cpu: &Array2<f32>, what: &str) {
    assert_eq!(gpu.dim(), cpu.dim(), "{what}");
    for (j, (g, c)) in gpu.columns().into_iter().zip(cpu.columns()).enumerate() {
        let scale = c.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        for (i, (a, b)) in g.iter().zip(c.iter()).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * scale,
                "{what}: [{i}, {j}] GPU {a} vs CPU {b}"
            );
        }
    }
}

#[test]
fn projections_match_the_cpu_for_awkward_shapes() {
    let Some(ctx) = context() else { return };
    let gpu = GpuMatmul::new(&ctx);
    for (n, d) in [(1, 3), (63, 50), (1000, 384), (100_003, 50)] {
        let x = random_matrix(n, d, (n * 7 + d) as u64);
        for kind in [
            RandomProjectionKind::Gaussian,
            RandomProjectionKind::VerySparse,
        ] {
            for k in [2, 17] {
                let rp = RandomProjection::new(kind, d, k, 42).unwrap();
                let want = rp.apply(x.view());
                let got = gpu.project_blocking(x.view(), &rp, None).unwrap();
                assert_close(&got, &want, &format!("{kind:?} n={n} d={d} k={k}"));
            }
        }
    }
}

#[test]
fn real_vectors_project_the_same() {
    let Some(ctx) = context() else { return };
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let x = vecscape_core::load::npy::read_npy("vectors.f16.npy", &std::fs::read(path).unwrap())
        .unwrap();
    let gpu = GpuMatmul::new(&ctx);
    let rp = RandomProjection::new(RandomProjectionKind::Gaussian, x.ncols(), 2, 7).unwrap();
    assert_close(
        &gpu.project_blocking(x.view(), &rp, None).unwrap(),
        &rp.apply(x.view()),
        "demo",
    );
}

#[test]
fn chunked_product_equals_one_chunk() {
    let Some(ctx) = context() else { return };
    let gpu = GpuMatmul::new(&ctx);
    let x = random_matrix(5_003, 40, 3);
    let r = random_matrix(40, 5, 4);
    // 40 floats per row × 4 bytes × 700 rows: eight chunks.
    let chunked = gpu
        .multiply_blocking(x.view(), r.view(), Some(40 * 4 * 700))
        .unwrap();
    let whole = gpu.multiply_blocking(x.view(), r.view(), None).unwrap();
    assert_eq!(chunked, whole);
    let bad = random_matrix(41, 5, 5);
    assert!(gpu.multiply_blocking(x.view(), bad.view(), None).is_err());
}
