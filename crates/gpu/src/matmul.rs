//! Dense matrix products on the GPU (`matmul_tiled.wgsl`: 16 × 16 tiles in workgroup memory),
//! used for random projection (`X · R`). The CPU twin is
//! `vecscape_core::random_projection::RandomProjection::apply`; both sum the products in
//! increasing order of the inner index.
//!
//! `A` is split into row chunks under the adapter's storage-binding limit (or a smaller limit a
//! test forces); each chunk's product is copied into one readback buffer.

use crate::dispatch::{dispatch, split_groups};
use crate::types::MatmulParams;
use crate::{GpuContext, GpuError};
use ndarray::{Array2, ArrayView2};
use vecscape_core::random_projection::RandomProjection;
use wgpu::util::DeviceExt;

/// The kernel's source.
pub const MATMUL: &str = include_str!("shaders/matmul_tiled.wgsl");
const TILE: u32 = 16;

/// A compiled matrix-product pipeline.
pub struct GpuMatmul {
    ctx: GpuContext,
    pipeline: wgpu::ComputePipeline,
}

impl GpuMatmul {
    pub fn new(ctx: &GpuContext) -> Self {
        let module = ctx
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("matmul_tiled.wgsl"),
                source: wgpu::ShaderSource::Wgsl(MATMUL.into()),
            });
        let pipeline = ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("matmul_tiled.wgsl"),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
        Self {
            ctx: ctx.clone(),
            pipeline,
        }
    }

    /// Record `A · B`; returns the encoder and the readback buffer (n × k f32).
    fn encode(
        &self,
        a: ArrayView2<'_, f32>,
        b: ArrayView2<'_, f32>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<(wgpu::CommandEncoder, wgpu::Buffer), GpuError> {
        let (n, d) = a.dim();
        let (bd, k) = b.dim();
        if bd != d {
            return Err(GpuError::Input(format!(
                "matrix product: A has {d} columns, B has {bd} rows"
            )));
        }
        let device = &self.ctx.device;
        let limits = device.limits();
        let binding_limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(max_chunk_bytes.unwrap_or(u64::MAX));
        let out_bytes = (n * k * 4) as u64;
        if out_bytes > limits.max_buffer_size || (d * k * 4) as u64 > binding_limit {
            return Err(GpuError::TooLarge(format!(
                "{n} × {k} output or {d} × {k} matrix"
            )));
        }
        let row_bytes = (d.max(k).max(1) * 4) as u64;
        let rows_per_chunk = ((binding_limit / row_bytes).max(1) as usize).min(n.max(1));
        let a = a.as_standard_layout();
        let a_flat = a
            .as_slice()
            .ok_or_else(|| GpuError::Input("A is not contiguous".into()))?;
        let b = b.as_standard_layout();
        let b_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("matmul B"),
            contents: bytemuck::cast_slice(b.as_slice().unwrap_or(&[])),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("matmul readback"),
            size: out_bytes.max(4),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("matmul"),
        });
        let mut start = 0;
        while start < n {
            let end = (start + rows_per_chunk).min(n);
            let rows = (end - start) as u32;
            let a_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("matmul A chunk"),
                contents: bytemuck::cast_slice(&a_flat[start * d..end * d]),
                usage: wgpu::BufferUsages::STORAGE,
            });
            let c_bytes = u64::from(rows) * k as u64 * 4;
            let c_buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("matmul C chunk"),
                size: c_bytes.max(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            });
            let row_tiles = rows.div_ceil(TILE);
            let (tiles_x, _) = split_groups(row_tiles);
            let params = MatmulParams {
                n: rows,
                d: d as u32,
                k: k as u32,
                tiles_x,
            };
            dispatch(
                device,
                &mut encoder,
                &self.pipeline,
                bytemuck::bytes_of(&params),
                &[&a_buf, &b_buf, &c_buf],
                row_tiles,
                (k as u32).div_ceil(TILE),
            );
            encoder.copy_buffer_to_buffer(&c_buf, 0, &readback, (start * k * 4) as u64, c_bytes);
            start = end;
        }
        Ok((encoder, readback))
    }

    fn decode(bytes: &[u8], n: usize, k: usize) -> Result<Array2<f32>, GpuError> {
        let values: Vec<f32> = bytemuck::cast_slice(&bytes[..n * k * 4]).to_vec();
        Array2::from_shape_vec((n, k), values).map_err(|e| GpuError::Readback(e.to_string()))
    }

    /// `A · B`, waiting for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn multiply_blocking(
        &self,
        a: ArrayView2<'_, f32>,
        b: ArrayView2<'_, f32>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Array2<f32>, GpuError> {
        let (encoder, readback) = self.encode(a, b, max_chunk_bytes)?;
        self.ctx.queue.submit([encoder.finish()]);
        let bytes = crate::readback::read_blocking(&self.ctx, &readback)?;
        Self::decode(&bytes, a.nrows(), b.ncols())
    }

    /// Record and submit `A · B` now; the result is read with [`PendingProduct::finish`]. Lets a
    /// caller lend `A` only for the submission (e.g. from inside a borrow) and await afterwards.
    pub fn start(
        &self,
        a: ArrayView2<'_, f32>,
        b: ArrayView2<'_, f32>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<PendingProduct, GpuError> {
        let (encoder, readback) = self.encode(a, b, max_chunk_bytes)?;
        self.ctx.queue.submit([encoder.finish()]);
        Ok(PendingProduct {
            ctx: self.ctx.clone(),
            readback,
            n: a.nrows(),
            k: b.ncols(),
        })
    }

    /// `A · B` (works in the browser).
    pub async fn multiply(
        &self,
        a: ArrayView2<'_, f32>,
        b: ArrayView2<'_, f32>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Array2<f32>, GpuError> {
        self.start(a, b, max_chunk_bytes)?.finish().await
    }

    /// Random projection of the rows of `x` (Gaussian or very sparse, expanded to a dense
    /// `d × k` matrix), waiting for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn project_blocking(
        &self,
        x: ArrayView2<'_, f32>,
        projection: &RandomProjection,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Array2<f32>, GpuError> {
        let r = projection.dense_matrix();
        self.multiply_blocking(x, r.view(), max_chunk_bytes)
    }

    /// Random projection of the rows of `x` (works in the browser).
    pub async fn project(
        &self,
        x: ArrayView2<'_, f32>,
        projection: &RandomProjection,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Array2<f32>, GpuError> {
        let r = projection.dense_matrix();
        self.multiply(x, r.view(), max_chunk_bytes).await
    }
}

/// A submitted product, waiting to be read back.
pub struct PendingProduct {
    ctx: GpuContext,
    readback: wgpu::Buffer,
    n: usize,
    k: usize,
}

impl PendingProduct {
    /// Wait for the GPU and read the `n × k` result.
    pub async fn finish(self) -> Result<Array2<f32>, GpuError> {
        let bytes = crate::readback::read_async(&self.ctx, &self.readback).await?;
        GpuMatmul::decode(&bytes, self.n, self.k)
    }
}
