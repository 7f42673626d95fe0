//! vecscape's core: everything that is pure computation and must run the same natively and in
//! the browser (wasm32). No wgpu, no web-sys here; the GPU crate and the app build on top.
//!
//! Modules, from the bottom layer up (each imports only modules listed above it):
//! - [`kernels`]: the portable and simd128 twins of every hot loop ([`kernels::active`] is this build's).
//! - [`data`]: [`data::store`] vectors as f32/f16/int8, [`data::meta`] metadata, [`data::budget`] memory limits.
//! - [`load`]: one reader per format ([`load::npy`], [`load::jsonl`], [`load::delimited`], `load::columnar` (feature `columnar`), [`load::raw`]), [`load::file`] streams, [`load::dataset`] joins.
//! - [`project`]: [`project::pca`], [`project::random_projection`], [`project::rng`].
//! - [`search`]: exact kNN ([`search::flat`], [`search::bounds`]), [`search::quant`] scans, [`search::checks`].
//! - [`layout`]: 2-D layouts on the exact neighbour graph ([`layout::umap`]).
//! - [`map`]: the multi-resolution map: quadtree, keywords, density, contours, labels, WizMap's grid.json.
//! - [`view`]: [`view::camera`], [`view::spatial`] hover grid, [`view::palette`], [`view::raster`] CPU renderer.

pub mod data;
#[cfg(feature = "columnar")]
pub mod fuzz;
pub mod kernels;
pub mod layout;
pub mod load;
pub mod map;
pub mod project;
pub mod search;
pub mod view;
