//! vecscape's GPU layer over `wgpu`: device set-up and the map's render pipelines.
//! WGSL lives in `shaders/`, one file per pipeline stage; [`types`] mirrors the structs they read.
//! Compute: exact kNN ([`knn`]), dense products for random projection ([`matmul`]), randomized
//! PCA on those products ([`pca`]), int8 and binary scans with exact re-rank ([`quant`]),
//! kernel density for the map ([`kde`]). Render:
//! points ([`points`]), density bands and contour lines ([`density`]).
//! Works natively (Vulkan, e.g. Mesa lavapipe in tests) and in the browser (WebGPU).

pub mod context;
pub mod density;
pub mod dispatch;
pub mod kde;
pub mod knn;
pub mod matmul;
pub mod offscreen;
pub mod pca;
pub mod points;
pub mod quant;
pub mod readback;
pub mod types;

pub use context::{GpuContext, GpuError};
pub use density::DensityRenderer;
pub use kde::GpuKde;
pub use knn::GpuFlatIndex;
pub use matmul::{GpuMatmul, GpuMatrix};
pub use pca::GpuPca;
pub use points::PointRenderer;
pub use quant::GpuQuantizedIndex;

/// Every pipeline's WGSL, by file name, for validation and tooling. Kernels that use the shared
/// top-k snippet are listed with it prepended, as they are compiled; pass 1 of kNN once per row
/// storage.
pub fn shaders() -> Vec<(&'static str, String)> {
    vec![
        ("points.wgsl", points::SHADER.to_owned()),
        ("density.wgsl", density::SHADER.to_owned()),
        (
            "knn_partial_topk.wgsl",
            knn::partial_source(knn::RowStorage::F32),
        ),
        (
            "knn_partial_topk.wgsl",
            knn::partial_source(knn::RowStorage::F16),
        ),
        ("knn_merge_topk.wgsl", knn::with_common(knn::MERGE_TOPK)),
        ("matmul_tiled.wgsl", matmul::MATMUL.to_owned()),
        ("matmul_transpose.wgsl", matmul::TRANSPOSE.to_owned()),
        ("quant_scan.wgsl", quant::SHADER.to_owned()),
        ("kde_splat.wgsl", kde::SPLAT.to_owned()),
        ("kde_blur.wgsl", kde::BLUR_X.to_owned()),
        ("kde_blur_y.wgsl", kde::BLUR_Y.to_owned()),
    ]
}

/// WGSL files that are snippets prepended to other shaders, not pipelines of their own.
pub const SHADER_SNIPPETS: &[&str] =
    &["topk_common.wgsl", "knn_rows_f32.wgsl", "knn_rows_f16.wgsl"];
