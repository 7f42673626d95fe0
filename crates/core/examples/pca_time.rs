//! Time 2-D PCA of the first rows of a `.npy` natively:
//! `cargo run --release -p vecscape-core --example pca_time -- FILE.npy [ROWS] [exact|randomized]`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool

use vecscape_core::project::pca::{Pca, PcaSolver};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE.npy");
    let rows: usize = args.next().map_or(100_000, |r| r.parse().expect("ROWS"));
    let solver = match args.next().as_deref() {
        Some("randomized") => PcaSolver::Randomized { seed: 0 },
        _ => PcaSolver::Exact,
    };
    let bytes = std::fs::read(&path).unwrap();
    let x = vecscape_core::load::npy::read_npy(&path, &bytes).unwrap();
    let x = x.slice(ndarray::s![..rows.min(x.nrows()), ..]).to_owned();
    let started = std::time::Instant::now();
    let pca = Pca::fit(x.view(), 2, solver).unwrap();
    let _ = pca.transform(x.view());
    println!(
        "{} × {}, {solver:?}: {:?}, explained variance ratio {:?}",
        x.nrows(),
        x.ncols(),
        started.elapsed(),
        pca.explained_variance_ratio
    );
}
