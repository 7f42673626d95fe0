//! Dense matrix products on the GPU with 16 × 16 tiles in workgroup memory:
//! - `matmul_tiled.wgsl`: `(A − 1·meanᵀ) · B`, used for random projection (`X · R`, no mean) and
//!   for the range steps of randomized PCA (`X_c · Ω`, `X_c · z`);
//! - `matmul_transpose.wgsl`: `(A − 1·meanᵀ)ᵀ · M`, the co-range step of randomized PCA
//!   (`X_cᵀ · q`), summed over slices of [`SLICE_ROWS`] rows on the GPU and across slices in f64
//!   on the CPU.
//!
//! The CPU twins are `vecscape_core::project::random_projection::RandomProjection::apply` and ndarray's
//! products in `vecscape_core::project::pca`. `A` lives on the GPU as a [`GpuMatrix`]: row chunks under
//! the adapter's storage-binding limit (or a smaller limit a test forces), uploaded once and
//! multiplied as often as needed; each chunk's result is copied into one readback buffer.

use crate::dispatch::{compute_pipeline, dispatch, split_groups};
use crate::types::{MatmulParams, TransposeParams};
use crate::{GpuContext, GpuError};
use ndarray::{Array2, ArrayView2};
use std::borrow::Cow;
use vecscape_core::data::store::Vectors;
use vecscape_core::project::random_projection::RandomProjection;
use wgpu::util::DeviceExt;

const TILE: u32 = 16;
/// Rows summed by one workgroup of the transposed product before the slices are added up.
pub const SLICE_ROWS: u32 = 2048;

/// The largest storage binding the device allows, or `forced` when that is smaller.
fn binding_limit(ctx: &GpuContext, forced: Option<u64>) -> u64 {
    let limits = ctx.device.limits();
    limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        .min(forced.unwrap_or(u64::MAX))
}

struct Chunk {
    buffer: wgpu::Buffer,
    start: usize,
    rows: usize,
}

/// An `n × d` f32 matrix resident on the GPU in row chunks, with column means that the kernels
/// subtract as they read (zeros unless given).
pub struct GpuMatrix {
    chunks: Vec<Chunk>,
    mean: wgpu::Buffer,
    n: usize,
    d: usize,
    limit: u64,
}

impl GpuMatrix {
    /// Upload `a`, split into row chunks of at most the binding limit (or `max_chunk_bytes`).
    pub fn upload(
        ctx: &GpuContext,
        a: ArrayView2<'_, f32>,
        mean: Option<&[f32]>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Self, GpuError> {
        let a = a.as_standard_layout();
        let flat = a
            .as_slice()
            .ok_or_else(|| GpuError::Input("the matrix is not contiguous".into()))?;
        let d = a.ncols();
        Self::upload_rows(ctx, a.dim(), mean, max_chunk_bytes, |start, end| {
            Cow::Borrowed(&flat[start * d..end * d])
        })
    }

    /// Upload vectors kept in any storage as f32 values, converting a chunk at a time (no f32
    /// copy of the whole is made on the CPU).
    pub fn upload_vectors(
        ctx: &GpuContext,
        v: &Vectors,
        mean: Option<&[f32]>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Self, GpuError> {
        if let Some(m) = v.as_f32() {
            return Self::upload(ctx, m.view(), mean, max_chunk_bytes);
        }
        Self::upload_rows(ctx, v.dim(), mean, max_chunk_bytes, |start, end| {
            Cow::Owned(v.block(start, end).iter().copied().collect())
        })
    }

    /// Upload `n × d` rows given a chunk at a time by `rows_of(start, end)` (row-major).
    fn upload_rows<'a>(
        ctx: &GpuContext,
        (n, d): (usize, usize),
        mean: Option<&[f32]>,
        max_chunk_bytes: Option<u64>,
        rows_of: impl Fn(usize, usize) -> Cow<'a, [f32]>,
    ) -> Result<Self, GpuError> {
        if mean.is_some_and(|m| m.len() != d) {
            return Err(GpuError::Input(format!(
                "the mean has {} entries for {d} columns",
                mean.map_or(0, <[f32]>::len)
            )));
        }
        let limit = binding_limit(ctx, max_chunk_bytes);
        let row_bytes = (d.max(1) * 4) as u64;
        if row_bytes > limit {
            return Err(GpuError::TooLarge(format!(
                "one row of {d} values is over the {limit}-byte binding limit"
            )));
        }
        let rows_per_chunk = ((limit / row_bytes) as usize).clamp(1, n.max(1));
        let device = &ctx.device;
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < n {
            let end = (start + rows_per_chunk).min(n);
            chunks.push(Chunk {
                buffer: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("matrix chunk"),
                    contents: bytemuck::cast_slice(&rows_of(start, end)),
                    usage: wgpu::BufferUsages::STORAGE,
                }),
                start,
                rows: end - start,
            });
            start = end;
        }
        let zeros = vec![0f32; d.max(1)];
        let mean = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("matrix mean"),
            contents: bytemuck::cast_slice(mean.filter(|m| !m.is_empty()).unwrap_or(&zeros)),
            usage: wgpu::BufferUsages::STORAGE,
        });
        Ok(Self {
            chunks,
            mean,
            n,
            d,
            limit,
        })
    }

    /// `(rows, columns)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.n, self.d)
    }

    /// How many row chunks it is stored in.
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }
}

/// The compiled matrix-product pipelines.
pub struct GpuMatmul {
    ctx: GpuContext,
    pipeline: wgpu::ComputePipeline,
    transpose: wgpu::ComputePipeline,
}

impl GpuMatmul {
    pub fn new(ctx: &GpuContext) -> Self {
        Self {
            ctx: ctx.clone(),
            pipeline: compute_pipeline(
                ctx,
                "matmul_tiled.wgsl",
                crate::shaders::MATMUL_TILED,
                "main",
            ),
            transpose: compute_pipeline(
                ctx,
                "matmul_transpose.wgsl",
                crate::shaders::MATMUL_TRANSPOSE,
                "main",
            ),
        }
    }

    /// The device these pipelines run on.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    fn readback(&self, bytes: u64) -> wgpu::Buffer {
        self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("matmul readback"),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        })
    }

    fn output(&self, bytes: u64) -> wgpu::Buffer {
        self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("matmul output chunk"),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// Record and submit `(A − 1·meanᵀ) · B` (`n × k`); read it with [`PendingProduct::finish`].
    pub fn start_times(
        &self,
        a: &GpuMatrix,
        b: ArrayView2<'_, f32>,
    ) -> Result<PendingProduct, GpuError> {
        let (n, d) = a.dim();
        let (bd, k) = b.dim();
        if bd != d {
            return Err(GpuError::Input(format!(
                "matrix product: A has {d} columns, B has {bd} rows"
            )));
        }
        let device = &self.ctx.device;
        let out_bytes = (n * k * 4) as u64;
        let largest_chunk = a.chunks.iter().map(|c| c.rows).max().unwrap_or(0);
        if out_bytes > device.limits().max_buffer_size
            || (d * k * 4) as u64 > a.limit
            || (largest_chunk * k * 4) as u64 > a.limit
        {
            return Err(GpuError::TooLarge(format!(
                "{n} × {k} output or {d} × {k} matrix"
            )));
        }
        let b = b.as_standard_layout();
        let b_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("matmul B"),
            contents: bytemuck::cast_slice(b.as_slice().unwrap_or(&[])),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let readback = self.readback(out_bytes);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("matmul"),
        });
        for chunk in &a.chunks {
            let rows = chunk.rows as u32;
            let c_bytes = u64::from(rows) * k as u64 * 4;
            let c_buf = self.output(c_bytes);
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
                &[&chunk.buffer, &b_buf, &c_buf, &a.mean],
                row_tiles,
                (k as u32).div_ceil(TILE),
            );
            encoder.copy_buffer_to_buffer(
                &c_buf,
                0,
                &readback,
                (chunk.start * k * 4) as u64,
                c_bytes,
            );
        }
        self.ctx.queue.submit([encoder.finish()]);
        Ok(PendingProduct {
            ctx: self.ctx.clone(),
            readback,
            rows: n,
            cols: k,
            slices: 1,
        })
    }

    /// Record and submit `(A − 1·meanᵀ)ᵀ · M` (`d × k`, for `M` of `n × k`); read it with
    /// [`PendingProduct::finish`], which adds up the slices in f64.
    pub fn start_transpose_times(
        &self,
        a: &GpuMatrix,
        m: ArrayView2<'_, f32>,
    ) -> Result<PendingProduct, GpuError> {
        let (n, d) = a.dim();
        let (mn, k) = m.dim();
        if mn != n {
            return Err(GpuError::Input(format!(
                "transposed product: A has {n} rows, M has {mn}"
            )));
        }
        let device = &self.ctx.device;
        let slices_of = |rows: usize| rows.div_ceil(SLICE_ROWS as usize);
        let slices: usize = a.chunks.iter().map(|c| slices_of(c.rows)).sum();
        let block_bytes = (d * k * 4) as u64;
        let largest_chunk = a.chunks.iter().map(|c| c.rows).max().unwrap_or(0);
        if slices as u64 * block_bytes > device.limits().max_buffer_size
            || slices_of(largest_chunk) as u64 * block_bytes > a.limit
            || (largest_chunk * k * 4) as u64 > a.limit
        {
            return Err(GpuError::TooLarge(format!(
                "{slices} partial sums of {d} × {k}"
            )));
        }
        let m = m.as_standard_layout();
        let m_flat = m
            .as_slice()
            .ok_or_else(|| GpuError::Input("M is not contiguous".into()))?;
        let readback = self.readback(slices as u64 * block_bytes);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("matmul transpose"),
        });
        let mut slice_at = 0;
        for chunk in &a.chunks {
            let m_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("matmul M chunk"),
                contents: bytemuck::cast_slice(
                    &m_flat[chunk.start * k..(chunk.start + chunk.rows) * k],
                ),
                usage: wgpu::BufferUsages::STORAGE,
            });
            let chunk_slices = slices_of(chunk.rows);
            let bytes = chunk_slices as u64 * block_bytes;
            let partial = self.output(bytes);
            let params = TransposeParams {
                n: chunk.rows as u32,
                d: d as u32,
                k: k as u32,
                slice_rows: SLICE_ROWS,
            };
            // x: column tiles of A (output rows); y: column tiles of M; z: row slices.
            crate::dispatch::dispatch_3d(
                device,
                &mut encoder,
                &self.transpose,
                bytemuck::bytes_of(&params),
                &[&chunk.buffer, &m_buf, &partial, &a.mean],
                [
                    (d as u32).div_ceil(TILE),
                    (k as u32).div_ceil(TILE),
                    chunk_slices as u32,
                ],
            );
            encoder.copy_buffer_to_buffer(
                &partial,
                0,
                &readback,
                slice_at as u64 * block_bytes,
                bytes,
            );
            slice_at += chunk_slices;
        }
        self.ctx.queue.submit([encoder.finish()]);
        Ok(PendingProduct {
            ctx: self.ctx.clone(),
            readback,
            rows: d,
            cols: k,
            slices,
        })
    }

    /// Upload `A` and submit `A · B` now; the result is read with [`PendingProduct::finish`].
    /// Lets a caller lend `A` only for the submission (e.g. from inside a borrow) and await
    /// afterwards.
    pub fn start(
        &self,
        a: ArrayView2<'_, f32>,
        b: ArrayView2<'_, f32>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<PendingProduct, GpuError> {
        let resident = GpuMatrix::upload(&self.ctx, a, None, max_chunk_bytes)?;
        self.start_times(&resident, b)
    }

    /// Submit the random projection of vectors kept in any storage (uploaded a chunk at a
    /// time as f32); finish it with [`PendingProduct::finish`] or `finish_blocking`.
    pub fn start_project_vectors(
        &self,
        v: &Vectors,
        projection: &RandomProjection,
        max_chunk_bytes: Option<u64>,
    ) -> Result<PendingProduct, GpuError> {
        let resident = GpuMatrix::upload_vectors(&self.ctx, v, None, max_chunk_bytes)?;
        let r = projection.dense_matrix();
        self.start_times(&resident, r.view())
    }

    /// `A · B`, waiting for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn multiply_blocking(
        &self,
        a: ArrayView2<'_, f32>,
        b: ArrayView2<'_, f32>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Array2<f32>, GpuError> {
        self.start(a, b, max_chunk_bytes)?.finish_blocking()
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
    rows: usize,
    cols: usize,
    /// Partial sums to add up (1: the product itself).
    slices: usize,
}

impl PendingProduct {
    /// Wait for the GPU and read the `rows × cols` result.
    pub async fn finish(self) -> Result<Array2<f32>, GpuError> {
        let bytes = crate::readback::read_async(&self.ctx, &self.readback).await?;
        self.decode(&bytes)
    }

    /// [`Self::finish`], blocking (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn finish_blocking(self) -> Result<Array2<f32>, GpuError> {
        let bytes = crate::readback::read_blocking(&self.ctx, &self.readback)?;
        self.decode(&bytes)
    }

    fn decode(&self, bytes: &[u8]) -> Result<Array2<f32>, GpuError> {
        let block = self.rows * self.cols;
        let values: &[f32] = bytes
            .get(..self.slices * block * 4)
            .map(bytemuck::cast_slice)
            .ok_or_else(|| GpuError::Readback("short readback".into()))?;
        let values = if self.slices == 1 {
            values.to_vec()
        } else {
            let mut sums = vec![0f64; block];
            for slice in values.chunks_exact(block) {
                for (s, v) in sums.iter_mut().zip(slice) {
                    *s += f64::from(*v);
                }
            }
            sums.into_iter().map(|s| s as f32).collect()
        };
        Array2::from_shape_vec((self.rows, self.cols), values)
            .map_err(|e| GpuError::Readback(e.to_string()))
    }
}
