//! The shader registry: every WGSL file under `shaders/`, how kernels are assembled from the
//! shared snippets, and [`all`], the list that validation (naga) and the layout checks of the
//! Rust mirrors ([`crate::types`]) read.

/// Instanced discs of the point layer.
pub const POINTS: &str = include_str!("shaders/points.wgsl");
/// Density bands (sampled per pixel) and contour lines.
pub const DENSITY: &str = include_str!("shaders/density.wgsl");
/// Top-k lists shared by both kNN passes (a snippet).
pub const TOPK_COMMON: &str = include_str!("shaders/topk_common.wgsl");
/// kNN pass 1, without the shared part and the row reader.
pub const KNN_PARTIAL_TOPK: &str = include_str!("shaders/knn_partial_topk.wgsl");
/// kNN pass 2, without the shared part.
pub const KNN_MERGE_TOPK: &str = include_str!("shaders/knn_merge_topk.wgsl");
/// How kNN pass 1 reads rows stored as f32 (a snippet).
pub const KNN_ROWS_F32: &str = include_str!("shaders/knn_rows_f32.wgsl");
/// How kNN pass 1 reads rows stored as f16 pairs (a snippet).
pub const KNN_ROWS_F16: &str = include_str!("shaders/knn_rows_f16.wgsl");
/// How kNN pass 1 reads rows stored as int8 codes with a scale per row (a snippet).
pub const KNN_ROWS_I8: &str = include_str!("shaders/knn_rows_i8.wgsl");
/// `(A − 1μᵀ)·B`, tiled.
pub const MATMUL_TILED: &str = include_str!("shaders/matmul_tiled.wgsl");
/// `(A − 1μᵀ)ᵀ·M`, summed over row slices.
pub const MATMUL_TRANSPOSE: &str = include_str!("shaders/matmul_transpose.wgsl");
/// A key per row from quantised codes.
pub const QUANT_SCAN: &str = include_str!("shaders/quant_scan.wgsl");
/// UMAP's SGD, one epoch.
pub const UMAP_SGD: &str = include_str!("shaders/umap_sgd.wgsl");
/// Kernel density: fixed-point binning.
pub const KDE_SPLAT: &str = include_str!("shaders/kde_splat.wgsl");
/// Kernel density: blur along x.
pub const KDE_BLUR_X: &str = include_str!("shaders/kde_blur.wgsl");
/// Kernel density: blur along y.
pub const KDE_BLUR_Y: &str = include_str!("shaders/kde_blur_y.wgsl");

/// WGSL files that are snippets prepended to other shaders, not pipelines of their own.
pub const SNIPPETS: &[&str] = &[
    "topk_common.wgsl",
    "knn_rows_f32.wgsl",
    "knn_rows_f16.wgsl",
    "knn_rows_i8.wgsl",
];

/// How kNN pass 1 holds its rows on the GPU. The arithmetic is f32 in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowStorage {
    /// Four bytes a value: the same keys as the CPU.
    #[default]
    F32,
    /// Two bytes a value (IEEE half): half the GPU memory; exact for the halves.
    F16,
    /// One byte a value plus an f32 scale per row: a quarter of the GPU memory; exact for the
    /// codes and scales (the dot product of the codes, times the scale, as the CPU scan).
    Int8,
}

/// A kernel's full source: the shared top-k snippet, then the kernel.
pub fn with_topk(kernel: &str) -> String {
    format!("{TOPK_COMMON}\n{kernel}")
}

/// Full source of kNN pass 1 for rows stored as `storage`.
pub fn knn_partial(storage: RowStorage) -> String {
    let rows = match storage {
        RowStorage::F32 => KNN_ROWS_F32,
        RowStorage::F16 => KNN_ROWS_F16,
        RowStorage::Int8 => KNN_ROWS_I8,
    };
    with_topk(&format!("{rows}\n{KNN_PARTIAL_TOPK}"))
}

/// Full source of kNN pass 2.
pub fn knn_merge() -> String {
    with_topk(KNN_MERGE_TOPK)
}

/// Every pipeline's WGSL as it is compiled, by file name. Kernels that use a snippet are listed
/// with it prepended; kNN pass 1 once per row storage.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("points.wgsl", POINTS.to_owned()),
        ("density.wgsl", DENSITY.to_owned()),
        ("umap_sgd.wgsl", UMAP_SGD.to_owned()),
        ("knn_partial_topk.wgsl", knn_partial(RowStorage::F32)),
        ("knn_partial_topk.wgsl", knn_partial(RowStorage::F16)),
        ("knn_partial_topk.wgsl", knn_partial(RowStorage::Int8)),
        ("knn_merge_topk.wgsl", knn_merge()),
        ("matmul_tiled.wgsl", MATMUL_TILED.to_owned()),
        ("matmul_transpose.wgsl", MATMUL_TRANSPOSE.to_owned()),
        ("quant_scan.wgsl", QUANT_SCAN.to_owned()),
        ("kde_splat.wgsl", KDE_SPLAT.to_owned()),
        ("kde_blur.wgsl", KDE_BLUR_X.to_owned()),
        ("kde_blur_y.wgsl", KDE_BLUR_Y.to_owned()),
    ]
}
