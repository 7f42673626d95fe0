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
    }
}
