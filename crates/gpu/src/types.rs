//! Rust copies of the structs the shaders read. Each is `#[repr(C)]` + `Pod` and must match its
//! WGSL twin field for field (WGSL uniform layout: vec2<f32> aligned to 8 bytes).

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

#[cfg(test)]
mod tests {
    #[test]
    fn uniform_size_matches_wgsl_layout() {
        // Three vec2<f32> (8 bytes each) + two f32 = 32 bytes, a multiple of 16 as uniforms need.
        assert_eq!(std::mem::size_of::<super::PointsUniform>(), 32);
        // Twelve 4-byte scalars, no vectors: 48 bytes; four: 16 bytes.
        assert_eq!(std::mem::size_of::<super::KnnParams>(), 48);
        assert_eq!(std::mem::size_of::<super::MergeParams>(), 16);
        assert_eq!(std::mem::size_of::<super::MatmulParams>(), 16);
        assert_eq!(std::mem::size_of::<super::TransposeParams>(), 16);
        assert_eq!(std::mem::size_of::<super::QuantParams>(), 32);
        // Five vec2<f32> + two u32 = 48 bytes, then two vec4<f32> at 16-byte offsets: 80.
        assert_eq!(std::mem::size_of::<super::DensityUniform>(), 80);
        // Two vec2<f32> + four u32 = 32; four u32 = 16.
        assert_eq!(std::mem::size_of::<super::SplatParams>(), 32);
        assert_eq!(std::mem::size_of::<super::BlurParams>(), 16);
    }
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
