//! GPU exact kNN against its CPU twin (vecscape_core::search::flat), natively on any wgpu adapter (Mesa
//! lavapipe in CI). `VECSCAPE_REQUIRE_GPU=1` turns a missing adapter into a failure.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use ndarray::Array2;
use vecscape_core::project::rng::SplitMix64;
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::types::Metric;
use vecscape_gpu::knn::{round_to_f16, RowStorage};
use vecscape_gpu::{GpuContext, GpuFlatIndex};

mod common;
use common::context;

fn random_matrix(n: usize, d: usize, seed: u64) -> Array2<f32> {
    let mut rng = SplitMix64::new(seed);
    Array2::from_shape_fn((n, d), |_| (rng.uniform() * 2.0 - 1.0) as f32)
}

const METRICS: [Metric; 3] = [Metric::Cosine, Metric::Dot, Metric::L2];

fn compare(
    ctx: &GpuContext,
    data: &Array2<f32>,
    queries: &[Vec<f32>],
    k: usize,
    chunk: Option<u64>,
) {
    for metric in METRICS {
        let cpu = FlatIndex::new(data, metric);
        let gpu = GpuFlatIndex::new(ctx, data, metric, chunk).unwrap();
        for (qi, q) in queries.iter().enumerate() {
            let want = cpu.search(q, k, None).unwrap();
            let got = gpu.search_blocking(q, k, None).unwrap();
            assert_eq!(
                got.ids,
                want.ids,
                "{metric:?} n={} d={} query {qi}",
                data.nrows(),
                data.ncols()
            );
            for (g, w) in got.scores.iter().zip(&want.scores) {
                let tol = 1e-4 * (1.0 + w.abs());
                assert!((g - w).abs() <= tol, "{metric:?}: {g} vs {w}");
            }
        }
        // All queries in one submission: the same answers as one at a time, bit for bit.
        let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
        let batch = gpu.search_batch_blocking(&refs, k, &[]).unwrap();
        assert_eq!(batch.len(), queries.len());
        for (q, got) in queries.iter().zip(&batch) {
            assert_eq!(
                got,
                &gpu.search_blocking(q, k, None).unwrap(),
                "{metric:?} batch"
            );
        }
    }
}

#[test]
fn a_batch_leaves_out_each_query_its_own_row() {
    let Some(ctx) = context() else { return };
    let data = random_matrix(5_001, 24, 8);
    let cpu = FlatIndex::new(&data, Metric::Cosine);
    let gpu = GpuFlatIndex::new(&ctx, &data, Metric::Cosine, None).unwrap();
    let rows: Vec<usize> = vec![0, 17, 4_999, 2_500, 17];
    let queries: Vec<Vec<f32>> = rows.iter().map(|&r| data.row(r).to_vec()).collect();
    let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
    // Only some queries exclude their row; the others must still get k results with themselves.
    let excludes: Vec<Option<u32>> = rows
        .iter()
        .enumerate()
        .map(|(i, &r)| (i % 2 == 0).then_some(r as u32))
        .collect();
    let batch = gpu.search_batch_blocking(&refs, 7, &excludes).unwrap();
    for ((q, exclude), got) in queries.iter().zip(&excludes).zip(&batch) {
        let want = cpu.search(q, 7, *exclude).unwrap();
        assert_eq!(got.ids, want.ids, "exclude {exclude:?}");
        assert_eq!(got.ids.len(), 7);
    }
}

#[test]
fn random_shapes_not_multiples_of_the_workgroup() {
    let Some(ctx) = context() else { return };
    for (n, d) in [(1, 3), (63, 50), (1000, 384), (100_003, 50)] {
        let data = random_matrix(n, d, (n * 31 + d) as u64);
        let queries: Vec<Vec<f32>> = (0..2)
            .map(|s| random_matrix(1, d, 99 + s).row(0).to_vec())
            .collect();
        compare(&ctx, &data, &queries, 10, None);
    }
}

#[test]
fn real_vectors_match_and_exclude_self() {
    let Some(ctx) = context() else { return };
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let data = vecscape_core::load::npy::read_npy("vectors.f16.npy", &std::fs::read(path).unwrap())
        .unwrap();
    let queries: Vec<Vec<f32>> = [0usize, 17, 4242]
        .iter()
        .map(|&r| data.row(r).to_vec())
        .collect();
    compare(&ctx, &data, &queries, 10, None);
    let cpu = FlatIndex::new(&data, Metric::Cosine);
    let gpu = GpuFlatIndex::new(&ctx, &data, Metric::Cosine, None).unwrap();
    for row in [3usize, 14_999] {
        let want = cpu.search_row(row, 10).unwrap();
        let got = gpu
            .search_blocking(&data.row(row).to_vec(), 10, Some(row as u32))
            .unwrap();
        assert_eq!(got.ids, want.ids);
    }
}

#[test]
fn chunked_upload_gives_the_same_answer() {
    let Some(ctx) = context() else { return };
    let data = random_matrix(5_003, 40, 7);
    let queries = vec![random_matrix(1, 40, 8).row(0).to_vec()];
    // 40 dims × 4 bytes × 700 rows per chunk: eight chunks.
    let chunked = GpuFlatIndex::new(&ctx, &data, Metric::Dot, Some(40 * 4 * 700)).unwrap();
    assert_eq!(chunked.chunk_count(), 8);
    let whole = GpuFlatIndex::new(&ctx, &data, Metric::Dot, None).unwrap();
    assert_eq!(whole.chunk_count(), 1);
    let a = chunked.search_blocking(&queries[0], 16, None).unwrap();
    let b = whole.search_blocking(&queries[0], 16, None).unwrap();
    assert_eq!(a, b);
    compare(&ctx, &data, &queries, 16, Some(40 * 4 * 700));
}

#[test]
fn bad_requests_are_errors() {
    let Some(ctx) = context() else { return };
    let data = random_matrix(10, 4, 1);
    let gpu = GpuFlatIndex::new(&ctx, &data, Metric::L2, None).unwrap();
    assert!(gpu.search_blocking(&[1.0, 2.0], 3, None).is_err());
    let big = GpuFlatIndex::new(&ctx, &random_matrix(100, 4, 2), Metric::L2, None).unwrap();
    assert!(big.search_blocking(&[0.0; 4], 40, None).is_err());
    // k larger than n returns all n rows.
    assert_eq!(
        gpu.search_blocking(&[0.0; 4], 20, None).unwrap().ids.len(),
        10
    );
}

#[test]
fn f16_rows_answer_as_the_cpu_does_on_the_rounded_data() {
    let Some(ctx) = context() else { return };
    // Odd sizes: an f16 chunk can end in half a word.
    for (n, d, chunk) in [
        (1, 3, None),
        (63, 51, None),
        (1000, 384, None),
        (20_003, 49, None),
        (5_001, 33, Some(33 * 2 * 777)),
    ] {
        let data = random_matrix(n, d, (n * 17 + d) as u64);
        let rounded =
            Array2::from_shape_vec((n, d), round_to_f16(data.as_slice().unwrap())).unwrap();
        let queries: Vec<Vec<f32>> = (0..2)
            .map(|s| random_matrix(1, d, 7 + s).row(0).to_vec())
            .collect();
        for metric in METRICS {
            let cpu = FlatIndex::new(&rounded, metric);
            let gpu =
                GpuFlatIndex::with_storage(&ctx, &data, metric, chunk, RowStorage::F16).unwrap();
            if chunk.is_some() {
                assert!(gpu.chunk_count() > 1);
            }
            for q in &queries {
                let want = cpu.search(q, 10, None).unwrap();
                let got = gpu.search_blocking(q, 10, None).unwrap();
                assert_eq!(got.ids, want.ids, "{metric:?} n={n} d={d}");
                for (g, w) in got.scores.iter().zip(&want.scores) {
                    assert!(
                        (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                        "{metric:?}: {g} vs {w}"
                    );
                }
            }
        }
    }
}

/// Vectors kept as f16 or int8 (`vecscape_core::data::store`) go up chunk by chunk as they are stored: f16
/// as halves, int8 as codes and scales. The CPU twin is `FlatIndex` over the same stored
/// vectors (which scans halves and codes directly).
#[test]
fn stored_vectors_answer_as_the_cpu_scan_over_them() {
    use vecscape_core::data::store::{Storage, Vectors};
    let Some(ctx) = context() else { return };
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let data = vecscape_core::load::npy::read_npy("vectors.f16.npy", &std::fs::read(path).unwrap())
        .unwrap();
    for storage in [Storage::F16, Storage::Int8] {
        let v = Vectors::from_f32("demo", data.clone(), storage).unwrap();
        for metric in METRICS {
            let cpu = FlatIndex::new(&v, metric);
            // Three chunks, to check the conversion a chunk at a time.
            let gpu = GpuFlatIndex::from_vectors(&ctx, &v, metric, Some(384 * 2 * 6_000)).unwrap();
            assert!(gpu.chunk_count() > 1);
            for row in [0usize, 4242, 14_999] {
                let q = v.row_f32(row);
                let want = cpu.search(&q, 10, Some(row as u32)).unwrap();
                let got = gpu.search_blocking(&q, 10, Some(row as u32)).unwrap();
                assert_eq!(got.ids, want.ids, "{storage:?} {metric:?} row {row}");
                for (g, w) in got.scores.iter().zip(&want.scores) {
                    assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{g} vs {w}");
                }
            }
        }
    }
}

/// Int8 rows stay codes on the GPU (a byte a value, a scale per row): a quarter of the f32
/// bytes, and the same neighbours as the CPU scan over the same int8 vectors. Odd widths put
/// row and chunk ends inside a word.
#[test]
fn int8_rows_stay_codes_and_answer_as_the_cpu_scan() {
    use vecscape_core::data::store::{Storage, Vectors};
    let Some(ctx) = context() else { return };
    for (n, d, chunk) in [
        (1, 3, None),
        (77, 5, None),
        (3_001, 384, None),
        (20_003, 49, Some(49 * 3_001)),
    ] {
        let data = random_matrix(n, d, (n * 31 + d) as u64);
        let v = Vectors::from_f32("m", data.clone(), Storage::Int8).unwrap();
        let queries: Vec<Vec<f32>> = (0..3)
            .map(|s| random_matrix(1, d, 70 + s).row(0).to_vec())
            .chain([v.row_f32(n / 2)])
            .collect();
        for metric in METRICS {
            let cpu = FlatIndex::new(&v, metric);
            let gpu = GpuFlatIndex::from_vectors(&ctx, &v, metric, chunk).unwrap();
            assert_eq!(gpu.storage(), RowStorage::Int8);
            // Codes, padded to whole words per chunk: about a quarter of n × d × 4.
            assert!(gpu.row_bytes() <= (n * d) as u64 + 4 * gpu.chunk_count() as u64);
            if chunk.is_some() {
                assert!(gpu.chunk_count() > 1);
            }
            for q in &queries {
                let k = 10.min(n);
                let want = cpu.search(q, k, None).unwrap();
                let got = gpu.search_blocking(q, k, None).unwrap();
                assert_eq!(got.ids, want.ids, "{metric:?} n={n} d={d}");
                for (g, w) in got.scores.iter().zip(&want.scores) {
                    assert!(
                        (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                        "{metric:?}: {g} vs {w}"
                    );
                }
            }
        }
    }
}
