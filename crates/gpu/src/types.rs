//! Rust copies of the structs the shaders read. Each is `#[repr(C)]` + `Pod` and must match its
//! WGSL twin field for field (WGSL uniform layout: vec2<f32> aligned to 8 bytes). [`mirrors`]
//! lists every one with its fields' offsets; a test holds them against the layout naga computes
//! from the WGSL, field by field.

use bytemuck::{Pod, Zeroable};

/// Keep in sync with `PointsUniform` in shaders/points.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct PointsUniform {
    pub clip_scale: [f32; 2],
    pub clip_offset: [f32; 2],
    pub viewport_px: [f32; 2],
    pub radius_px: f32,
    pub alpha: f32,
}

/// Keep in sync with `KnnParams` in shaders/knn_partial_topk.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct KnnParams {
    pub n_rows: u32,
    pub dims: u32,
    pub k: u32,
    pub metric: u32,
    pub row_offset: u32,
    pub rows_per_group: u32,
    pub n_groups: u32,
    pub out_offset: u32,
    pub query_offset: u32,
    pub query_inv_norm: f32,
    pub _pad0: u32,
    pub _pad1: u32,
}

/// Keep in sync with `MergeParams` in shaders/knn_merge_topk.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct MergeParams {
    pub n_candidates: u32,
    pub k: u32,
    /// First candidate (element) of this query's lists in the partial buffers.
    pub in_offset: u32,
    /// First slot (element) of this query's final k in the output.
    pub out_offset: u32,
}

/// Keep in sync with `MatmulParams` in shaders/matmul_tiled.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct MatmulParams {
    pub n: u32,
    pub d: u32,
    pub k: u32,
    pub tiles_x: u32,
}

/// Keep in sync with `TransposeParams` in shaders/matmul_transpose.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct TransposeParams {
    pub n: u32,
    pub d: u32,
    pub k: u32,
    pub slice_rows: u32,
}

/// Keep in sync with `QuantParams` in shaders/quant_scan.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct QuantParams {
    pub n: u32,
    pub words: u32,
    pub mode: u32,
    pub l2: u32,
    pub row_offset: u32,
    pub groups_x: u32,
    pub q_scale: f32,
    pub _pad: u32,
}

/// Keep in sync with `DensityUniform` in shaders/density.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct DensityUniform {
    pub clip_scale: [f32; 2],
    pub clip_offset: [f32; 2],
    pub viewport_px: [f32; 2],
    pub origin: [f32; 2],
    pub step: [f32; 2],
    pub size: u32,
    pub levels: u32,
    pub fill: [f32; 4],
    pub line: [f32; 4],
}

/// Keep in sync with `SgdParams` in shaders/umap_sgd.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct SgdParams {
    pub n_points: u32,
    pub n_edges: u32,
    pub epoch: u32,
    pub row_threads: u32,
    pub alpha: f32,
    pub a: f32,
    pub b: f32,
    pub gamma: f32,
    pub neg_rate: f32,
    pub seed: u32,
    pub first: u32,
    pub _pad1: u32,
}

/// Keep in sync with `SplatParams` in shaders/kde_splat.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct SplatParams {
    pub origin: [f32; 2],
    pub inv_step: [f32; 2],
    pub n_points: u32,
    pub size: u32,
    pub row_threads: u32,
    pub _pad: u32,
}

/// Keep in sync with `BlurParams` in shaders/kde_blur.wgsl and kde_blur_y.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct BlurParams {
    pub size: u32,
    pub radius: u32,
    pub row_threads: u32,
    pub _pad: u32,
}

/// A mirrored struct as Rust lays it out: the WGSL struct of the same name in `shader`, its size
/// and each field's name and byte offset.
#[derive(Debug, Clone)]
pub struct Mirror {
    pub name: &'static str,
    pub shader: &'static str,
    pub size: usize,
    pub fields: Vec<(&'static str, usize)>,
}

macro_rules! mirror {
    ($t:ident in $shader:literal { $($f:ident),* $(,)? }) => {
        Mirror {
            name: stringify!($t),
            shader: $shader,
            size: std::mem::size_of::<$t>(),
            fields: vec![$((stringify!($f), std::mem::offset_of!($t, $f))),*],
        }
    };
}

/// Every struct of this module with the shader that declares its twin (a struct read by two
/// shaders is listed for each).
pub fn mirrors() -> Vec<Mirror> {
    vec![
        mirror!(PointsUniform in "points.wgsl" {
            clip_scale, clip_offset, viewport_px, radius_px, alpha,
        }),
        mirror!(KnnParams in "knn_partial_topk.wgsl" {
            n_rows, dims, k, metric, row_offset, rows_per_group, n_groups, out_offset,
            query_offset, query_inv_norm, _pad0, _pad1,
        }),
        mirror!(MergeParams in "knn_merge_topk.wgsl" { n_candidates, k, in_offset, out_offset }),
        mirror!(MatmulParams in "matmul_tiled.wgsl" { n, d, k, tiles_x }),
        mirror!(TransposeParams in "matmul_transpose.wgsl" { n, d, k, slice_rows }),
        mirror!(QuantParams in "quant_scan.wgsl" {
            n, words, mode, l2, row_offset, groups_x, q_scale, _pad,
        }),
        mirror!(DensityUniform in "density.wgsl" {
            clip_scale, clip_offset, viewport_px, origin, step, size, levels, fill, line,
        }),
        mirror!(SgdParams in "umap_sgd.wgsl" {
            n_points, n_edges, epoch, row_threads, alpha, a, b, gamma, neg_rate, seed, first, _pad1,
        }),
        mirror!(SplatParams in "kde_splat.wgsl" {
            origin, inv_step, n_points, size, row_threads, _pad,
        }),
        mirror!(BlurParams in "kde_blur.wgsl" { size, radius, row_threads, _pad }),
        mirror!(BlurParams in "kde_blur_y.wgsl" { size, radius, row_threads, _pad }),
    ]
}
