//! Tests of the flat index against numpy and of its scans against each other.

use super::*;
use crate::data::store::Vectors;
use crate::kernels::{portable, HALF_REBIAS};
use crate::search::checks::{
    bounded_scan_agrees, bounds_hold, data_value, kernels_agree, quad_scan_agrees,
};
use crate::search::types::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Query {
    query: usize,
    ids: Vec<u32>,
    scores: Vec<f64>,
}

#[derive(Deserialize)]
struct Reference {
    k: usize,
    cosine: Vec<Query>,
    dot: Vec<Query>,
    l2: Vec<Query>,
}

/// The built-in demo vectors (15,000 × 384, f16 in the file).
fn demo_vectors() -> Array2<f32> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
    crate::load::npy::read_npy("vectors.f16.npy", &bytes).unwrap()
}

/// numpy's answers on the demo vectors (tests/fixtures/knn_expected.json).
fn knn_fixture<T: serde::de::DeserializeOwned>() -> T {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let path = format!("{root}/tests/fixtures/knn_expected.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// numpy brute force on the committed demo vectors (tests/reference/make_knn_fixture.py).
#[test]
fn matches_numpy_brute_force_on_real_data() {
    let data = demo_vectors();
    let reference: Reference = knn_fixture();
    for (metric, queries) in [
        (Metric::Cosine, &reference.cosine),
        (Metric::Dot, &reference.dot),
        (Metric::L2, &reference.l2),
    ] {
        for index in [
            FlatIndex::new(&data, metric),
            FlatIndex::bounded(&data, metric),
        ] {
            let b = index.is_bounded();
            for q in queries {
                let got = index.search_row(q.query, reference.k).unwrap();
                assert_eq!(got.ids, q.ids, "{metric:?} bounded {b} query {}", q.query);
                for (g, e) in got.scores.iter().zip(&q.scores) {
                    assert!((f64::from(*g) - e).abs() < 1e-5, "{metric:?}: {g} vs {e}");
                }
            }
        }
    }
}

#[test]
fn a_filtered_search_ranks_the_kept_rows_as_numpy_does() {
    let data = demo_vectors();
    let reference: Reference = knn_fixture();
    // numpy's neighbours that pass the filter, in order, must lead the filtered answer.
    let keep = |r: usize| r % 3 != 1;
    for (metric, queries) in [
        (Metric::Cosine, &reference.cosine),
        (Metric::Dot, &reference.dot),
        (Metric::L2, &reference.l2),
    ] {
        let index = FlatIndex::new(&data, metric);
        for q in queries {
            let query: Vec<f32> = data.row(q.query).to_vec();
            let got = index
                .search_within(&query, reference.k, &|r| keep(r) && r != q.query)
                .unwrap();
            assert_eq!(got.ids.len(), reference.k);
            assert!(got.ids.iter().all(|&r| keep(r as usize)));
            let expected: Vec<u32> = q
                .ids
                .iter()
                .copied()
                .filter(|&r| keep(r as usize))
                .collect();
            assert_eq!(
                &got.ids[..expected.len()],
                &expected[..],
                "{metric:?} query {}",
                q.query
            );
        }
    }
    let none = FlatIndex::new(&data, Metric::Cosine)
        .search_within(&data.row(0).to_vec(), 5, &|_| false)
        .unwrap();
    assert!(none.ids.is_empty());
}

/// The demo vectors are f16 in the file: kept as f16 they are the same values, so the scan
/// over halves must give numpy's answers (computed in f32 from the same file).
#[test]
fn f16_storage_matches_numpy_on_half_data() {
    let data = demo_vectors();
    let half = Vectors::from_f32("demo", data.clone(), crate::data::store::Storage::F16).unwrap();
    assert_eq!(half.to_f32().into_owned(), data, "lossless for half data");
    let reference: Reference = knn_fixture();
    for (metric, queries) in [
        (Metric::Cosine, &reference.cosine),
        (Metric::Dot, &reference.dot),
        (Metric::L2, &reference.l2),
    ] {
        let index = FlatIndex::new(&half, metric);
        let rows: Vec<usize> = queries.iter().map(|q| q.query).collect();
        let exclude: Vec<Option<u32>> = rows.iter().map(|r| Some(*r as u32)).collect();
        let batch = index
            .search_batch(
                data.select(ndarray::Axis(0), &rows).view(),
                reference.k,
                &exclude,
            )
            .unwrap();
        for (q, b) in queries.iter().zip(&batch) {
            let got = index.search_row(q.query, reference.k).unwrap();
            assert_eq!(got.ids, q.ids, "{metric:?} query {}", q.query);
            for (g, e) in got.scores.iter().zip(&q.scores) {
                assert!((f64::from(*g) - e).abs() < 1e-5, "{metric:?}: {g} vs {e}");
            }
            assert_eq!(*b, got, "batch = single, {metric:?}");
        }
    }
}

/// A query too large to pre-scale (|v| ≥ 2¹⁵) takes the converting path and still agrees
/// with the f32 scan over the same values.
#[test]
fn f16_storage_with_huge_queries_and_odd_lengths() {
    for d in [1usize, 7, 16, 17, 33, 384] {
        let m = Array2::from_shape_fn((50, d), |(i, j)| ((i * 31 + j * 7) as f32).sin() * 4.0);
        let half = Vectors::from_f32("m", m, crate::data::store::Storage::F16).unwrap();
        let f32s = half.to_f32().into_owned();
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let (h, f) = (FlatIndex::new(&half, metric), FlatIndex::new(&f32s, metric));
            for scale in [1.0f32, 40_000.0] {
                let q: Vec<f32> = (0..d).map(|j| (j as f32 * 0.3).cos() * scale).collect();
                let (a, b) = (
                    h.search(&q, 5, None).unwrap(),
                    f.search(&q, 5, None).unwrap(),
                );
                assert_eq!(a.ids, b.ids, "d={d} {metric:?} scale={scale}");
                for (x, y) in a.scores.iter().zip(&b.scores) {
                    assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{x} vs {y}");
                }
            }
        }
    }
}

/// int8 storage: the scan over codes gives the f32 scan's answers over the dequantised
/// values (code × scale), and keeps nearly all of the exact neighbours of the original.
#[test]
fn int8_storage_searches_its_dequantised_values() {
    let data = demo_vectors();
    let q8 = Vectors::from_f32("demo", data.clone(), crate::data::store::Storage::Int8).unwrap();
    assert_eq!(q8.bytes(), data.nrows() as u64 * (384 + 4));
    let deq = q8.to_f32().into_owned();
    let rows: Vec<usize> = (0..60).map(|i| i * 251).collect();
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let (a, b, exact) = (
            FlatIndex::new(&q8, metric),
            FlatIndex::new(&deq, metric),
            FlatIndex::new(&data, metric),
        );
        let mut found = Vec::new();
        let mut want = Vec::new();
        for r in &rows {
            let q = data.row(*r).to_vec();
            let (x, y) = (
                a.search(&q, 10, None).unwrap(),
                b.search(&q, 10, None).unwrap(),
            );
            assert_eq!(x.ids, y.ids, "{metric:?} row {r}");
            for (s, t) in x.scores.iter().zip(&y.scores) {
                assert!((s - t).abs() <= 1e-5 * t.abs().max(1.0), "{s} vs {t}");
            }
            want.push(exact.search(&q, 10, None).unwrap());
            found.push(x);
        }
        let recall = crate::search::quant::recall_at_k(&want, &found);
        assert!(recall >= 0.95, "{metric:?} recall {recall}");
    }
}

#[test]
fn storage_kernels_handle_every_length() {
    for n in 0..40 {
        let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
        let h: Vec<u16> = (0..n)
            .map(|i| half::f16::from_f32(1.0 - i as f32 * 0.25 + 1e-7 * i as f32).to_bits())
            .collect();
        let hv: Vec<f64> = h.iter().map(|b| f64::from(half_to_f32(*b))).collect();
        let c: Vec<i8> = (0..n).map(|i| (i * 13 % 255 - 127) as i8).collect();
        let dot = |v: &[f64]| -> f64 { a.iter().zip(v).map(|(x, y)| f64::from(*x) * y).sum() };
        let l2 = |v: &[f64]| -> f64 {
            a.iter()
                .zip(v)
                .map(|(x, y)| (f64::from(*x) - y).powi(2))
                .sum()
        };
        let scaled = kernels::prepare_f16_query(&a);
        assert!((f64::from(kernels::dot_f16_prescaled(&scaled, &h)) - dot(&hv)).abs() < 1e-3);
        assert!((f64::from(kernels::l2_f16(&a, &h)) - l2(&hv)).abs() < 1e-3);
        let cv: Vec<f64> = c.iter().map(|v| f64::from(*v) * 0.01).collect();
        let ci: Vec<f64> = c.iter().map(|v| f64::from(*v)).collect();
        assert!((f64::from(kernels::dot_i8(&a, &c)) - dot(&ci)).abs() < 1e-2);
        assert!((f64::from(kernels::l2_i8(&a, &c, 0.01)) - l2(&cv)).abs() < 1e-3);
    }
    // Subnormal halves and negative zero convert exactly.
    for bits in [0x0001u16, 0x03ff, 0x8001, 0x8000, 0x0400, 0x7bff, 0xfbff] {
        let v = half_to_f32(bits);
        assert_eq!(
            portable::half_bits_shifted(bits) * HALF_REBIAS,
            v,
            "{bits:#x}"
        );
    }
}

#[test]
fn this_builds_kernels_agree_with_the_reference() {
    assert!(kernels_agree(1));
    assert!(kernels_agree(2));
}

#[test]
fn two_streams_visit_every_row_once_with_its_id() {
    for d in [1usize, 3, 256, 300, 384, 1100] {
        for n in [0usize, 1, 2, 3, 7, 8, 9, 31, 64, 65, 1000] {
            let data: Vec<u32> = (0..n * d).map(|v| v as u32).collect();
            let mut seen = vec![0u32; n];
            two_streams(&data, d, |i, row| {
                assert_eq!(row.len(), d);
                assert_eq!(row[0] as usize, i * d, "d={d} n={n}");
                seen[i] += 1;
            });
            assert!(seen.iter().all(|c| *c == 1), "d={d} n={n}: {seen:?}");
        }
    }
    // Long rows go through two streams: the scan's answer is the same as key() by key().
    let m = Array2::from_shape_fn((1001, 300), |(i, j)| ((i * 300 + j) as f32 * 0.01).sin());
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let index = FlatIndex::new(&m, metric);
        let q = m.row(500).to_vec();
        let p = index.prepare(&q);
        let mut top = TopK::new(7);
        for i in 0..1001 {
            top.push(index.key(&p, i), i as u32);
        }
        assert_eq!(
            index.search(&q, 7, None).unwrap(),
            index.finish(top),
            "{metric:?}"
        );
    }
}

#[test]
fn ties_go_to_the_lower_id_and_k_larger_than_n_is_fine() {
    let data = Array2::from_shape_vec((4, 2), vec![1., 0., 1., 0., 0., 1., 1., 0.]).unwrap();
    let index = FlatIndex::new(&data, Metric::Dot);
    let got = index.search(&[1.0, 0.0], 10, None).unwrap();
    assert_eq!(got.ids, vec![0, 1, 3, 2]);
    assert_eq!(got.scores, vec![1.0, 1.0, 1.0, 0.0]);
    let got = FlatIndex::new(&data, Metric::L2)
        .search(&[0.0, 1.0], 2, None)
        .unwrap();
    assert_eq!(got.ids, vec![2, 0]);
    assert_eq!(got.scores, vec![0.0, 2.0]);
}

#[test]
fn kernels_handle_every_length() {
    for n in 0..40 {
        let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
        let b: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 * 0.25).collect();
        let dot_ref: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum();
        let l2_ref: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| f64::from(x - y).powi(2))
            .sum();
        assert!((f64::from(kernels::dot(&a, &b)) - dot_ref).abs() < 1e-3);
        assert!((f64::from(kernels::l2_squared(&a, &b)) - l2_ref).abs() < 1e-3);
    }
}

#[test]
fn batches_equal_single_queries_exactly() {
    let data = demo_vectors();
    let rows = [0usize, 7, 1234, 14_999, 7];
    // The first 64 columns too: rows short enough for the quad scan.
    let short = data.slice(ndarray::s![.., ..64]).to_owned();
    for (data, metric) in [
        (&data, Metric::Cosine),
        (&data, Metric::Dot),
        (&data, Metric::L2),
        (&short, Metric::Cosine),
        (&short, Metric::Dot),
    ] {
        let queries = data.select(ndarray::Axis(0), &rows);
        let index = FlatIndex::new(data, metric);
        let exclude: Vec<Option<u32>> = rows.iter().map(|r| Some(*r as u32)).collect();
        let batch = index.search_batch(queries.view(), 10, &exclude).unwrap();
        for (r, got) in rows.iter().zip(&batch) {
            assert_eq!(
                *got,
                index.search_row(*r, 10).unwrap(),
                "{metric:?} row {r}"
            );
        }
    }
    let index = FlatIndex::new(&data, Metric::Dot);
    let bad = Array2::<f32>::zeros((2, 3));
    assert!(matches!(
        index.search_batch(bad.view(), 1, &[]),
        Err(KnnError::DimensionMismatch { .. })
    ));
}

/// numpy on the demo vectors' first 16, 50, 64 and 128 columns: rows short enough for the
/// quad scan (and its paired kernel on wasm at 16 and 64).
#[test]
fn short_rows_match_numpy() {
    #[derive(Deserialize)]
    struct Short {
        dims: usize,
        metric: String,
        query: usize,
        ids: Vec<u32>,
        scores: Vec<f64>,
    }
    #[derive(Deserialize)]
    struct Fixture {
        k: usize,
        short: Vec<Short>,
    }
    let data = demo_vectors();
    let fixture: Fixture = knn_fixture();
    assert_eq!(fixture.short.len(), 40);
    for case in &fixture.short {
        let cols = data.slice(ndarray::s![.., ..case.dims]).to_owned();
        assert!(quads_pay(case.dims));
        let metric = Metric::from_name(&case.metric).unwrap();
        let bounded = FlatIndex::bounded(&cols, metric);
        assert!(bounded.is_bounded());
        for index in [FlatIndex::new(&cols, metric), bounded] {
            let got = index.search_row(case.query, fixture.k).unwrap();
            let b = index.is_bounded();
            let what = format!(
                "{} dims {} query {} bounded {b}",
                case.metric, case.dims, case.query
            );
            assert_eq!(got.ids, case.ids, "{what}");
            for (g, e) in got.scores.iter().zip(&case.scores) {
                assert!(
                    (f64::from(*g) - e).abs() < 1e-5 * e.abs().max(1.0),
                    "{what}: {g} vs {e}"
                );
            }
        }
    }
}

#[test]
fn bounded_scan_equals_the_plain_scan() {
    for seed in [1, 2, 3] {
        assert!(bounded_scan_agrees(seed), "seed {seed}");
    }
}

#[test]
fn every_bound_holds() {
    for seed in [1, 2, 3, 4] {
        assert!(bounds_hold(seed), "seed {seed}");
    }
}

/// The bounds must also be tight enough to pay: on the demo vectors (MiniLM sentences) a
/// top-10 query scores under 2 % of the rows exactly.
#[test]
fn bounds_skip_almost_every_row_of_real_data() {
    let data = demo_vectors();
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let aids = SearchAids::build(&data, metric, true);
        let index = FlatIndex::with_aids(&data, &aids).unwrap();
        let bounds = aids.bounds.as_ref().unwrap();
        for row in [0, 17, 400] {
            let query = data.row(row).to_vec();
            let bq = bounds
                .prepare(&query, kernels::dot(&query, &query).sqrt())
                .unwrap();
            // The bounded scan itself, counting the rows it scores exactly.
            let q = index.prepare(&query);
            let scored = std::cell::Cell::new(0);
            let mut top = TopK::new(10);
            bounds.scan(&bq, &mut top, None, |i| {
                scored.set(scored.get() + 1);
                index.key(&q, i)
            });
            let got: Vec<u32> = top.into_sorted().iter().map(|(_, id)| *id).collect();
            let plain = FlatIndex::new(&data, metric)
                .search(&query, 10, None)
                .unwrap();
            assert_eq!(got, plain.ids, "{metric:?} row {row}");
            let scored = scored.get();
            assert!(scored >= 10, "{metric:?} row {row}: {scored}");
            assert!(
                scored * 50 < data.nrows(),
                "{metric:?} row {row}: {scored} of {}",
                data.nrows()
            );
        }
    }
}

#[test]
fn bounds_are_built_only_where_they_apply() {
    let data = Array2::<f32>::from_shape_fn((10, 8), |(i, j)| (i * 8 + j) as f32);
    assert!(FlatIndex::bounded(&data, Metric::Cosine).is_bounded());
    let half = Vectors::from_f32("t", data.clone(), crate::data::store::Storage::F16).unwrap();
    assert!(!FlatIndex::bounded(&half, Metric::Cosine).is_bounded());
    let long = Array2::<f32>::ones((2, crate::search::bounds::MAX_BOUNDED_DIMS + 1));
    assert!(!FlatIndex::bounded(&long, Metric::Dot).is_bounded());
    let empty = Array2::<f32>::zeros((0, 8));
    let index = FlatIndex::bounded(&empty, Metric::L2);
    assert!(index.search(&[0.0; 8], 3, None).unwrap().ids.is_empty());
    // Aids are for one shape: another matrix is refused with both shapes named.
    let aids = SearchAids::build(&data, Metric::Dot, true);
    assert!(aids.bounded());
    let other = Array2::<f32>::ones((11, 8));
    let err = FlatIndex::with_aids(&other, &aids).unwrap_err();
    assert!(err.to_string().contains("10 × 8"), "{err}");
    let index = FlatIndex::with_aids(&data, &aids).unwrap();
    assert_eq!(
        index.search(&[1.0; 8], 3, None).unwrap(),
        FlatIndex::new(&data, Metric::Dot)
            .search(&[1.0; 8], 3, None)
            .unwrap()
    );
}

#[test]
fn quad_scan_keeps_every_row_key() {
    for seed in [1, 2, 3] {
        assert!(quad_scan_agrees(seed), "seed {seed}");
    }
}

#[test]
fn dot4_is_four_dots() {
    for d in [0, 1, 15, 16, 17, 48, 64, 65, 128] {
        let q: Vec<f32> = (0..d).map(|j| data_value(99, j, 5)).collect();
        let rows: Vec<f32> = (0..4 * d).map(|j| data_value(j / d.max(1), j, 6)).collect();
        let four = kernels::dot4(&q, &rows);
        for r in 0..4 {
            let want = kernels::dot(&q, &rows[r * d..(r + 1) * d]);
            assert_eq!(four[r].to_bits(), want.to_bits(), "d {d} row {r}");
        }
    }
}

#[test]
fn quads_visit_every_row_once() {
    for (n, d, page) in [
        (0, 4, 4096),
        (3, 64, 4096),
        (4, 64, 4096),
        (1001, 64, 4096),
        (999, 17, 2048),
        (64, 200, 2048),
    ] {
        let mut seen = vec![0u32; n];
        for range in quad_ranges(n, d, page) {
            assert_eq!(range.len() % 4, 0);
            range.for_each(|i| seen[i] += 1);
        }
        seen[n / 4 * 4..].iter_mut().for_each(|c| *c += 1);
        assert!(seen.iter().all(|c| *c == 1), "n {n} d {d}");
    }
}

#[test]
fn errors_are_typed() {
    let data = Array2::<f32>::zeros((3, 2));
    let index = FlatIndex::new(&data, Metric::Cosine);
    assert_eq!(
        index.search(&[1.0], 1, None).unwrap_err(),
        KnnError::DimensionMismatch {
            expected: 2,
            found: 1
        }
    );
    assert_eq!(
        index.search_row(3, 1).unwrap_err(),
        KnnError::NoSuchRow { row: 3, rows: 3 }
    );
}
