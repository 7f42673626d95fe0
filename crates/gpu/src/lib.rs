//! vecscape's GPU layer over `wgpu`: device set-up and the map's render pipelines.
//! WGSL lives in `shaders/`, one file per pipeline stage, registered in [`shaders`]; [`types`]
//! mirrors the structs they read. Compute pipelines are compiled once per device and kept in the
//! [`GpuContext`] ([`dispatch::compute_pipeline`]).
//! Compute: exact kNN ([`knn`]), dense products for random projection ([`matmul`]), randomized
//! PCA on those products ([`pca`]), int8 and binary scans with exact re-rank ([`quant`]),
//! kernel density for the map ([`kde`]). Render:
//! points ([`points`]), density bands and contour lines ([`density`]).
//! Works natively (Vulkan, e.g. Mesa lavapipe in tests) and in the browser (WebGPU).

pub mod context;
pub mod density;
pub mod dispatch;
pub mod graph;
pub mod kde;
pub mod knn;
pub mod matmul;
pub mod offscreen;
pub mod pca;
pub mod points;
pub mod quant;
pub mod readback;
pub mod sgd;
pub mod shaders;
pub mod types;

pub use context::{GpuContext, GpuError};
pub use density::DensityRenderer;
pub use kde::GpuKde;
pub use knn::GpuFlatIndex;
pub use matmul::{GpuMatmul, GpuMatrix};
pub use pca::GpuPca;
pub use points::PointRenderer;
pub use quant::GpuQuantizedIndex;
