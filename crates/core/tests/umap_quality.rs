//! UMAP's layouts on real vectors against umap-learn's on the same data: kNN@10 preserved and
//! 10-NN label agreement each at least umap-learn's − 0.01, and the NN-Descent graph's recall
//! against the exact one at least 0.95. The exact neighbours (scikit-learn) and umap-learn's
//! figures come from `tests/reference/make_umap_quality.py` (`tests/fixtures/umap/`).
//!
//! The data: the demo (15,000 WordNet glosses, `web/demo`) and 20,000 rows of
//! `../shared/data/wordnet` (row i when (i · 7919) mod 117,659 < 20,000). Without
//! `../shared/data` the WordNet half says so and passes, unless `VECSCAPE_REQUIRE_REFERENCE=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde::Deserialize;
use std::collections::HashMap;
use vecscape_core::data::store::{Storage, Vectors};
use vecscape_core::layout::faithfulness::map_neighbours;
use vecscape_core::layout::umap::{nndescent_graph, umap, GraphMethod, UmapParams};
use vecscape_core::load::npy::read_npy;
use vecscape_core::search::types::Metric;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[derive(Deserialize, Debug)]
struct Measures {
    rows: usize,
    knn10_kept: f64,
    label_agreement: f64,
}

#[derive(Deserialize)]
struct Quality {
    umap_learn: String,
    demo: Measures,
    wordnet20k: Measures,
}

fn quality() -> Quality {
    serde_json::from_slice(
        &std::fs::read(format!("{ROOT}/tests/fixtures/umap/quality.json")).unwrap(),
    )
    .unwrap()
}

/// The exact 14 nearest other rows of each row (scikit-learn), `rows × 14`.
fn exact14(name: &str) -> Vec<u32> {
    let bytes = std::fs::read(format!("{ROOT}/tests/fixtures/umap/{name}_knn14.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape()[1], 14);
    npy.into_vec::<u16>()
        .unwrap()
        .into_iter()
        .map(u32::from)
        .collect()
}

struct Data {
    x: Vectors,
    labels: Vec<u32>,
}

fn labels_of(meta: &str, keep: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut names: HashMap<String, u32> = HashMap::new();
    meta.lines()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, line)| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let label = v["label"].as_str().unwrap_or("").to_owned();
            let next = names.len() as u32;
            *names.entry(label).or_insert(next)
        })
        .collect()
}

fn demo() -> Data {
    let bytes = std::fs::read(format!("{ROOT}/web/demo/vectors.f16.npy")).unwrap();
    let x = read_npy("vectors.f16.npy", &bytes).unwrap();
    let meta = std::fs::read_to_string(format!("{ROOT}/web/demo/meta.jsonl")).unwrap();
    Data {
        x: Vectors::from_f32("demo", x, Storage::F16).unwrap(),
        labels: labels_of(&meta, |_| true),
    }
}

fn wordnet20k() -> Option<Data> {
    let dir = format!("{ROOT}/../shared/data/wordnet");
    let bytes = match std::fs::read(format!("{dir}/vectors.f16.npy")) {
        Ok(b) => b,
        Err(e) => {
            assert!(
                std::env::var("VECSCAPE_REQUIRE_REFERENCE").as_deref() != Ok("1"),
                "{dir}: {e}"
            );
            eprintln!("skipped: {dir} missing");
            return None;
        }
    };
    let all = read_npy("vectors.f16.npy", &bytes).unwrap();
    let n = all.nrows();
    let n64 = n as u64;
    let keep = move |i: usize| (i as u64 * 7919) % n64 < 20_000;
    let rows: Vec<usize> = (0..n).filter(|&i| keep(i)).collect();
    assert_eq!(rows.len(), 20_000);
    let x = all.select(ndarray::Axis(0), &rows);
    let meta = std::fs::read_to_string(format!("{dir}/meta.jsonl")).unwrap();
    Some(Data {
        x: Vectors::from_f32("wordnet", x, Storage::F16).unwrap(),
        labels: labels_of(&meta, keep),
    })
}

/// (kNN@10 preserved, 10-NN label agreement) of the layout `y` (`n × 2`).
fn measures(y: &ndarray::Array2<f32>, exact: &[u32], labels: &[u32]) -> (f64, f64) {
    let n = y.nrows();
    let xs: Vec<f32> = y.column(0).to_vec();
    let ys: Vec<f32> = y.column(1).to_vec();
    let on_map = map_neighbours(&xs, &ys, 10);
    let (mut kept, mut agree) = (0usize, 0usize);
    for i in 0..n {
        let truth = &exact[i * 14..i * 14 + 10];
        let found = &on_map[i * 10..(i + 1) * 10];
        kept += found.iter().filter(|j| truth.contains(j)).count();
        agree += found
            .iter()
            .filter(|&&j| labels[j as usize] == labels[i])
            .count();
    }
    let total = (n * 10) as f64;
    (kept as f64 / total, agree as f64 / total)
}

fn recall(x: &Vectors, exact: &[u32]) -> f64 {
    let graph = nndescent_graph(x, 15, Metric::Cosine, 0);
    let others = graph.others();
    let n = x.nrows();
    let mut hits = 0;
    for i in 0..n {
        let truth = &exact[i * 14..(i + 1) * 14];
        hits += others[i * 14..(i + 1) * 14]
            .iter()
            .filter(|j| truth.contains(j))
            .count();
    }
    hits as f64 / (n * 14) as f64
}

fn check(name: &str, data: &Data, reference: &Measures) {
    assert_eq!(data.x.nrows(), reference.rows);
    let exact = exact14(name);
    let started = std::time::Instant::now();
    let r = recall(&data.x, &exact);
    let graph_s = started.elapsed().as_secs_f64();
    let params = UmapParams {
        metric: Metric::Cosine,
        ..UmapParams::default()
    };
    let started = std::time::Instant::now();
    let y = umap(&data.x, &params).unwrap();
    let umap_s = started.elapsed().as_secs_f64();
    assert!(y.iter().all(|v| v.is_finite()));
    let (kept, agree) = measures(&y, &exact, &data.labels);
    eprintln!(
        "{name}: NN-Descent recall {r:.4} ({graph_s:.1} s); UMAP {umap_s:.1} s: kNN@10 kept {kept:.4} \
         (umap-learn {:.4}), label agreement {agree:.4} (umap-learn {:.4})",
        reference.knn10_kept, reference.label_agreement
    );
    assert!(r >= 0.95, "{name}: NN-Descent recall {r}");
    assert!(
        kept >= reference.knn10_kept - 0.01,
        "{name}: kNN@10 kept {kept} < umap-learn's {} − 0.01",
        reference.knn10_kept
    );
    assert!(
        agree >= reference.label_agreement - 0.01,
        "{name}: label agreement {agree} < umap-learn's {} − 0.01",
        reference.label_agreement
    );
}

#[test]
fn the_demo_layout_is_as_good_as_umap_learn_s() {
    let q = quality();
    eprintln!("reference: umap-learn {}", q.umap_learn);
    check("demo", &demo(), &q.demo);
}

#[test]
fn a_wordnet_layout_is_as_good_as_umap_learn_s() {
    let q = quality();
    let Some(data) = wordnet20k() else { return };
    check("wordnet20k", &data, &q.wordnet20k);
}

#[test]
fn the_auto_graph_method_is_nndescent_for_the_demo() {
    let d = demo();
    assert_eq!(
        vecscape_core::layout::umap::cpu_graph_method(d.x.nrows(), d.x.ncols()),
        GraphMethod::NnDescent
    );
}
