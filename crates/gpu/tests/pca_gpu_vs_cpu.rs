//! Randomized PCA on the GPU against its CPU twin (`Pca::fit` with the randomized solver, same
//! seed) and against the exact solver, natively on any wgpu adapter (Mesa lavapipe in CI).
//! `VECSCAPE_REQUIRE_GPU=1` turns a missing adapter into a failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use ndarray::Array2;
use vecscape_core::project::pca::{largest_angle_sin, Pca, PcaSolver};
use vecscape_core::project::rng::SplitMix64;
use vecscape_gpu::GpuPca;

mod common;
use common::context;

/// `n × d` rows with a decaying spectrum (column scales 1, 1/2, 1/3, … after a random rotation)
/// and an offset, so the leading components are well defined and centring matters.
fn structured(n: usize, d: usize, seed: u64) -> Array2<f32> {
    let mut rng = SplitMix64::new(seed);
    let latent = Array2::from_shape_fn((n, d), |(_, j)| rng.normal() / (j + 1) as f64);
    let rotation = Array2::from_shape_fn((d, d), |_| rng.normal() / (d as f64).sqrt());
    let offset = Array2::from_shape_fn((1, d), |_| rng.normal() * 3.0);
    (latent.dot(&rotation) + offset).mapv(|v| v as f32)
}

fn assert_same_fit(gpu: &Pca, cpu: &Pca, what: &str) {
    assert_eq!(gpu.components.dim(), cpu.components.dim(), "{what}");
    for ((i, g), c) in gpu.components.indexed_iter().zip(cpu.components.iter()) {
        assert!(
            (g - c).abs() <= 1e-3,
            "{what}: component {i:?}: GPU {g} vs CPU {c}"
        );
    }
    for (g, c) in gpu
        .explained_variance_ratio
        .iter()
        .zip(&cpu.explained_variance_ratio)
    {
        assert!(
            (g - c).abs() <= 1e-4,
            "{what}: variance ratio GPU {g} vs CPU {c}"
        );
    }
    for (g, c) in gpu.mean.iter().zip(cpu.mean.iter()) {
        assert_eq!(g, c, "{what}: mean");
    }
}

fn fit_gpu(pca: &GpuPca, x: &Array2<f32>, k: usize, limit: Option<u64>) -> Pca {
    let prepared = pca.prepare(x.view(), k, limit).unwrap();
    pca.fit_blocking(&prepared, 0).unwrap()
}

#[test]
fn gpu_pca_matches_the_cpu_for_awkward_shapes() {
    let Some(ctx) = context() else { return };
    let pca = GpuPca::new(&ctx);
    for (n, d) in [(63, 3), (63, 50), (1000, 384), (100_003, 50)] {
        let x = structured(n, d, (n * 31 + d) as u64);
        for k in [1, 2, 3] {
            let gpu = fit_gpu(&pca, &x, k, None);
            let cpu = Pca::fit(x.view(), k, PcaSolver::Randomized { seed: 0 }).unwrap();
            assert_same_fit(&gpu, &cpu, &format!("n={n} d={d} k={k}"));
            // And the subspace is the exact solver's.
            let exact = Pca::fit(x.view(), k, PcaSolver::Exact).unwrap();
            let sin = largest_angle_sin(
                &gpu.components.mapv(f64::from),
                &exact.components.mapv(f64::from),
            );
            assert!(
                sin < 1e-3,
                "n={n} d={d} k={k}: angle {sin} from the exact fit"
            );
        }
    }
}

#[test]
fn one_row_is_refused_with_a_clear_error() {
    let Some(ctx) = context() else { return };
    let pca = GpuPca::new(&ctx);
    let x = structured(1, 3, 1);
    let err = pca.prepare(x.view(), 2, None).err().unwrap().to_string();
    assert!(err.contains("at least 2 rows"), "{err}");
    let x = structured(10, 3, 1);
    let err = pca.prepare(x.view(), 4, None).err().unwrap().to_string();
    assert!(err.contains("4 components"), "{err}");
}

#[test]
fn chunked_data_fits_the_same_as_one_chunk() {
    let Some(ctx) = context() else { return };
    let pca = GpuPca::new(&ctx);
    let x = structured(9_001, 40, 5);
    // 40 floats per row × 4 bytes × 1000 rows: ten chunks, none a multiple of the slice size.
    let limit = 40 * 4 * 1000;
    let prepared = pca.prepare(x.view(), 2, Some(limit)).unwrap();
    assert_eq!(prepared.chunks(), 10);
    let chunked = pca.fit_blocking(&prepared, 0).unwrap();
    let whole = fit_gpu(&pca, &x, 2, None);
    assert_same_fit(&chunked, &whole, "chunked");
}

#[test]
fn real_vectors_fit_the_same() {
    let Some(ctx) = context() else { return };
    let pca = GpuPca::new(&ctx);
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/wordnet/vectors.f16.npy"
    );
    let demo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let path = if std::path::Path::new(shared).exists() {
        shared
    } else {
        demo
    };
    let x = vecscape_core::load::npy::read_npy(path, &std::fs::read(path).unwrap()).unwrap();
    let x = x.slice(ndarray::s![..x.nrows().min(20_000), ..]).to_owned();
    let prepared = pca.prepare(x.view(), 2, None).unwrap();
    let gpu = pca.fit_blocking(&prepared, 0).unwrap();
    let cpu = Pca::fit(x.view(), 2, PcaSolver::Randomized { seed: 0 }).unwrap();
    assert_same_fit(&gpu, &cpu, path);
    // The projection on the GPU is the CPU's transform with the same fit.
    let projected = pca.project_blocking(&prepared, &gpu).unwrap();
    let want = gpu.transform(x.view());
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    for (a, b) in projected.iter().zip(want.iter()) {
        assert!(
            (a - b).abs() <= 1e-4 * scale,
            "projection: GPU {a} vs CPU {b}"
        );
    }
}

/// PCA of vectors kept as f16 or int8: the rows go up as f32 a chunk at a time and the fit is
/// the CPU's block-wise fit of the same stored vectors.
#[test]
fn stored_vectors_fit_as_on_the_cpu() {
    use vecscape_core::data::store::{Storage, Vectors};
    let Some(ctx) = context() else { return };
    let pca = GpuPca::new(&ctx);
    let x = structured(3_001, 50, 99);
    for storage in [Storage::F16, Storage::Int8] {
        let v = Vectors::from_f32("x", x.clone(), storage).unwrap();
        let prepared = pca.prepare_vectors(&v, 2, Some(50 * 4 * 1_000)).unwrap();
        assert_eq!(prepared.chunks(), 4);
        let gpu = pca.fit_blocking(&prepared, 0).unwrap();
        let cpu = Pca::fit_vectors(&v, 2, PcaSolver::Randomized { seed: 0 }).unwrap();
        assert_same_fit(&gpu, &cpu, storage.name());
    }
}
