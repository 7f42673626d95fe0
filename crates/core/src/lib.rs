//! vecscape's core: everything that is pure computation and must run the same natively and in
//! the browser (wasm32). No wgpu, no web-sys here; the GPU crate and the app build on top.
//!
//! - [`npy`], [`meta`] and [`delimited`] load vectors and their metadata from bytes
//!   (`.npy`, JSON Lines, CSV/TSV and TF Embedding Projector bundles).
//! - [`dataset`] joins them into one [`dataset::Dataset`], checking that row counts agree.
//! - [`store`] keeps the vectors as f32, f16 or int8.
//! - [`knn`] finds exact nearest neighbours (cosine, dot, L2); [`bounds`] lets its scan skip
//!   rows by int8 bounds and still return the exact result.
//! - [`pca`] projects vectors to 2-D (or up to 50-D).
//! - [`random_projection`] projects with seeded Gaussian or very sparse matrices.
//! - [`camera`] maps between world (projected) coordinates and screen pixels.
//! - [`raster`] is the CPU fallback renderer (WASM simd128 with a scalar twin).
//! - [`spatial`] answers "which point is under the cursor".
//! - [`palette`] gives category colours.
//! - [`map`] builds the multi-resolution map: quadtree tiles, keywords per tile, density,
//!   contours and label placement (and reads/writes WizMap's `grid.json`).

pub mod bounds;
pub mod budget;
pub mod camera;
pub mod columnar;
pub mod dataset;
pub mod delimited;
pub mod jsonl;
pub mod knn;
pub mod load;
pub mod map;
pub mod meta;
pub mod npy;
pub mod palette;
pub mod pca;
pub mod quant;
pub mod random_projection;
pub mod raster;
pub mod rng;
pub mod spatial;
pub mod store;
