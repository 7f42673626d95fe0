//! The int8 and binary scans on the GPU against their CPU twin (`QuantizedIndex`), natively on
//! any wgpu adapter (Mesa lavapipe in CI). `VECSCAPE_REQUIRE_GPU=1` turns a missing adapter into a
//! failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use ndarray::Array2;
use vecscape_core::project::rng::SplitMix64;
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::quant::{Int8Scale, QuantizedIndex, Quantizer};
use vecscape_core::search::types::Metric;
use vecscape_gpu::GpuQuantizedIndex;

mod common;
use common::context;

const QUANTIZERS: [Quantizer; 3] = [
    Quantizer::Int8(Int8Scale::PerVector),
    Quantizer::Int8(Int8Scale::PerDimension),
    Quantizer::Binary,
];

fn random_matrix(n: usize, d: usize, seed: u64) -> Array2<f32> {
    let mut rng = SplitMix64::new(seed);
    Array2::from_shape_fn((n, d), |_| (rng.uniform() * 2.0 - 1.0) as f32)
}

/// Keys within float rounding of the CPU's, and the same answers after the exact re-rank.
fn compare(data: &Array2<f32>, queries: &[usize], chunk: Option<u64>) {
    let Some(ctx) = context() else { return };
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        for quantizer in QUANTIZERS {
            let what = format!(
                "{metric:?} {quantizer:?} n={} d={}",
                data.nrows(),
                data.ncols()
            );
            let cpu = QuantizedIndex::build(data, metric, quantizer);
            let gpu = GpuQuantizedIndex::new(&ctx, &cpu, chunk).unwrap();
            for &row in queries {
                let query = data.row(row).to_vec();
                let codes = cpu.quantize_query(&query).unwrap();
                let keys = gpu.keys_blocking(&codes).unwrap();
                assert_eq!(keys.len(), data.nrows(), "{what}");
                // The integer part is exact on both: the keys agree to float rounding.
                let pool = quantizer.default_pool(10).min(data.nrows());
                let want = cpu.candidates(&query, pool, Some(row as u32)).unwrap();
                let got = QuantizedIndex::best_of(&keys, pool, Some(row as u32));
                let shared = got.iter().filter(|id| want.contains(id)).count();
                assert!(
                    shared + 1 >= got.len(),
                    "{what}: pools share {shared} of {}",
                    got.len()
                );
                let cpu_found = cpu.search(&query, 10, pool, Some(row as u32)).unwrap();
                let gpu_found = gpu
                    .search_blocking(&cpu, &query, 10, pool, Some(row as u32))
                    .unwrap();
                assert_eq!(gpu_found, cpu_found, "{what} query {row}");
            }
        }
    }
}

#[test]
fn awkward_shapes_match_the_cpu() {
    for (n, d) in [(1, 3), (63, 50), (1000, 384), (20_003, 70)] {
        let data = random_matrix(n, d, (n * 13 + d) as u64);
        compare(&data, &[0, n / 2, n - 1], None);
    }
}

#[test]
fn chunked_codes_give_the_same_answer() {
    let data = random_matrix(3_001, 40, 4);
    // int8 rows are 48 bytes, binary 8: several chunks either way.
    compare(&data, &[5, 2_999], Some(48 * 400));
}

#[test]
fn real_vectors_keep_recall_one_with_int8() {
    let Some(ctx) = context() else { return };
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let data = vecscape_core::load::npy::read_npy(path, &std::fs::read(path).unwrap()).unwrap();
    let exact = FlatIndex::new(&data, Metric::Cosine);
    let cpu = QuantizedIndex::build(&data, Metric::Cosine, Quantizer::Int8(Int8Scale::PerVector));
    let gpu = GpuQuantizedIndex::new(&ctx, &cpu, None).unwrap();
    for row in [0, 100, 4_567, 9_999] {
        let query = data.row(row).to_vec();
        let found = gpu.search_blocking(&cpu, &query, 10, 100, None).unwrap();
        assert_eq!(found, exact.search(&query, 10, None).unwrap(), "row {row}");
    }
}
