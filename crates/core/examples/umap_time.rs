//! Time UMAP's stages on the first rows of a `.npy` natively:
//! `cargo run --release -p vecscape-core --example umap_time -- FILE.npy [ROWS]`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool

use std::time::Instant;
use vecscape_core::data::store::{Storage, Vectors};
use vecscape_core::layout::umap::{fuzzy_graph, nndescent_graph, pca_init, Sgd, UmapParams};
use vecscape_core::search::types::Metric;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE.npy");
    let rows: usize = args.next().map_or(100_000, |r| r.parse().expect("ROWS"));
    let bytes = std::fs::read(&path).unwrap();
    let x = vecscape_core::load::npy::read_npy(&path, &bytes).unwrap();
    let x = x.slice(ndarray::s![..rows.min(x.nrows()), ..]).to_owned();
    let x = Vectors::from_f32("x", x, Storage::F16).unwrap();
    let params = UmapParams {
        metric: Metric::Cosine,
        ..UmapParams::default()
    };
    let t = Instant::now();
    let graph = nndescent_graph(&x, params.neighbors, params.metric, 0);
    let t_graph = t.elapsed();
    let t = Instant::now();
    let edges = fuzzy_graph(&graph);
    let t_fuzzy = t.elapsed();
    let t = Instant::now();
    let mut y = pca_init(&x, 0).unwrap();
    let t_init = t.elapsed();
    let t = Instant::now();
    let epochs = params.epochs_for(x.nrows());
    let neg: usize = std::env::var("NEG").ok().map_or(5, |v| v.parse().unwrap());
    let mut sgd = Sgd::new(
        &edges,
        &UmapParams {
            negative_sample_rate: neg,
            ..params
        },
        epochs,
    );
    while !sgd.done() {
        sgd.run(&mut y, 10);
    }
    let t_sgd = t.elapsed();
    let max_w = edges.iter().fold(0.0f32, |m, e| m.max(e.2));
    let samples: f64 = edges
        .iter()
        .filter(|e| e.2 >= max_w / epochs as f32)
        .map(|e| f64::from(e.2 / max_w) * epochs as f64)
        .sum();
    println!(
        "about {:.0} M attractive samples, {:.0} M negative: {:.1} ns a negative",
        samples / 1e6,
        samples * 5.0 / 1e6,
        t_sgd.as_secs_f64() * 1e9 / (samples * 5.0)
    );
    println!(
        "{} × {}: graph {t_graph:?}, fuzzy {t_fuzzy:?} ({} edges), init {t_init:?}, SGD {epochs} epochs {t_sgd:?}",
        x.nrows(),
        x.ncols(),
        edges.len()
    );
}
