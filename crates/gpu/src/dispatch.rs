//! Recording one compute pass: a uniform, storage buffers and a dispatch that goes 2-D past the
//! per-dimension workgroup limit.

use crate::GpuContext;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use wgpu::util::DeviceExt;

/// The compute pipelines compiled on one device, by label, entry point and source.
#[derive(Debug, Clone, Default)]
pub struct PipelineCache {
    inner: Arc<Mutex<PipelineMap>>,
}

#[derive(Debug, Default)]
struct PipelineMap {
    pipelines: HashMap<(String, String, u64), wgpu::ComputePipeline>,
    created: usize,
}

impl PipelineCache {
    /// Pipelines compiled so far.
    pub fn created(&self) -> usize {
        self.inner.lock().map_or(0, |m| m.created)
    }
}

/// A compute pipeline from WGSL `source` with an inferred layout, entering at `entry`: compiled
/// on the first request for this device, the same pipeline afterwards.
pub fn compute_pipeline(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry: &str,
) -> wgpu::ComputePipeline {
    let mut hasher = DefaultHasher::new();
    source.hash(&mut hasher);
    let key = (label.to_owned(), entry.to_owned(), hasher.finish());
    if let Ok(map) = ctx.pipelines.inner.lock() {
        if let Some(p) = map.pipelines.get(&key) {
            return p.clone();
        }
    }
    let pipeline = build_compute_pipeline(ctx, label, source, entry);
    if let Ok(mut map) = ctx.pipelines.inner.lock() {
        map.created += 1;
        map.pipelines.insert(key, pipeline.clone());
    }
    pipeline
}

fn build_compute_pipeline(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry: &str,
) -> wgpu::ComputePipeline {
    let module = ctx
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
    ctx.device
        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache: None,
        })
}

/// The most workgroups WebGPU guarantees along one dimension.
pub const MAX_GROUPS_PER_DIM: u32 = 65_535;

/// How a 1-D count of workgroups is spread over x and y: `(x, y)` with `x·y ≥ groups`.
pub fn split_groups(groups: u32) -> (u32, u32) {
    let x = groups.clamp(1, MAX_GROUPS_PER_DIM);
    (x, groups.div_ceil(x))
}

/// Record one compute pass: `params` as a uniform at binding 0, `buffers` at bindings 1…,
/// `groups` workgroups spread over x and y (see [`split_groups`]) and `z` along z.
pub fn dispatch(
    device: &wgpu::Device,
    encoder: &mut wgpu::CommandEncoder,
    pipeline: &wgpu::ComputePipeline,
    params: &[u8],
    buffers: &[&wgpu::Buffer],
    groups: u32,
    z: u32,
) {
    let (x, y) = split_groups(groups);
    dispatch_3d(device, encoder, pipeline, params, buffers, [x, y, z.max(1)]);
}

/// Record one compute pass of exactly `groups` workgroups (x, y, z), with `params` as a uniform
/// at binding 0 and `buffers` at bindings 1….
pub fn dispatch_3d(
    device: &wgpu::Device,
    encoder: &mut wgpu::CommandEncoder,
    pipeline: &wgpu::ComputePipeline,
    params: &[u8],
    buffers: &[&wgpu::Buffer],
    groups: [u32; 3],
) {
    let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("params"),
        contents: params,
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let entries: Vec<wgpu::BindGroupEntry<'_>> = std::iter::once(&uniform)
        .chain(buffers.iter().copied())
        .enumerate()
        .map(|(binding, buffer)| wgpu::BindGroupEntry {
            binding: binding as u32,
            resource: buffer.as_entire_binding(),
        })
        .collect();
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    });
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: None,
        timestamp_writes: None,
    });
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, &bind_group, &[]);
    pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
}
