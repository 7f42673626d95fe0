//! vecscape's GPU layer over `wgpu`: device set-up and the map's render pipelines.
//! WGSL lives in `shaders/`, one file per pipeline; [`types`] mirrors the structs they read.
//! Works natively (Vulkan, e.g. Mesa lavapipe in tests) and in the browser (WebGPU).

pub mod context;
pub mod offscreen;
pub mod points;
pub mod types;

pub use context::{GpuContext, GpuError};
pub use points::PointRenderer;

/// Every WGSL source this crate owns, by file name, for validation and tooling.
pub const SHADERS: &[(&str, &str)] = &[("points.wgsl", points::SHADER)];
