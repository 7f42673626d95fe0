//! Quantised kNN on the GPU: `quant_scan.wgsl` computes the int8 or binary scan's key for every
//! row of a [`QuantizedIndex`]'s codes (a quarter or a thirty-second of the f32 bytes), the CPU
//! picks the candidate pool from the keys and re-ranks it with the exact metric. The CPU twin is
//! `QuantizedIndex::search`; the integer part of each key (int8 dot, Hamming distance) is exact
//! on both, so the pools agree.
//!
//! Codes are uploaded once, in row chunks under the storage-binding limit.

use crate::dispatch::{dispatch, split_groups};
use crate::types::QuantParams;
use crate::{GpuContext, GpuError};
use vecscape_core::search::quant::{CodesView, QuantizedIndex, QueryCodes};
use vecscape_core::search::types::{Metric, Neighbors};
use wgpu::util::DeviceExt;

const WORKGROUP: u32 = 256;

struct Chunk {
    codes: wgpu::Buffer,
    row_offset: u32,
    rows: u32,
}

/// A quantised index's codes on the GPU.
pub struct GpuQuantizedIndex {
    ctx: GpuContext,
    pipeline: wgpu::ComputePipeline,
    chunks: Vec<Chunk>,
    scales: wgpu::Buffer,
    norms: wgpu::Buffer,
    words: usize,
    mode: u32,
    l2: bool,
    rows: usize,
}

fn storage(device: &wgpu::Device, label: &str, contents: &[u8]) -> wgpu::Buffer {
    let padding = [0u8; 4];
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        // Bindings cannot be empty: an unused one gets four zero bytes.
        contents: if contents.is_empty() {
            &padding
        } else {
            contents
        },
        usage: wgpu::BufferUsages::STORAGE,
    })
}

impl GpuQuantizedIndex {
    /// Upload `index`'s codes (and its per-vector scales and L2 norms); `max_chunk_bytes` caps
    /// the chunks below the adapter's binding limit (tests force small chunks with it).
    pub fn new(
        ctx: &GpuContext,
        index: &QuantizedIndex<'_>,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Self, GpuError> {
        let device = &ctx.device;
        let (words, mode, bytes, scales): (usize, u32, &[u8], &[f32]) = match index.codes() {
            CodesView::Int8 {
                stride,
                codes,
                scales,
                per_vector,
            } => (
                stride / 4,
                if per_vector { 0 } else { 1 },
                bytemuck::cast_slice(codes),
                if per_vector { scales } else { &[] },
            ),
            CodesView::Binary { words, bits } => (words * 2, 2, bytemuck::cast_slice(bits), &[]),
        };
        let rows = index.rows();
        let limits = device.limits();
        let limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(max_chunk_bytes.unwrap_or(u64::MAX));
        let row_bytes = (words.max(1) * 4) as u64;
        if row_bytes > limit || rows > u32::MAX as usize {
            return Err(GpuError::TooLarge(format!(
                "{rows} rows of {row_bytes} bytes"
            )));
        }
        let rows_per_chunk = ((limit / row_bytes) as usize).clamp(1, rows.max(1));
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < rows {
            let end = (start + rows_per_chunk).min(rows);
            chunks.push(Chunk {
                codes: storage(
                    device,
                    "quantised codes",
                    &bytes[start * words * 4..end * words * 4],
                ),
                row_offset: start as u32,
                rows: (end - start) as u32,
            });
            start = end;
        }
        let pipeline = crate::dispatch::compute_pipeline(
            ctx,
            "quant_scan.wgsl",
            crate::shaders::QUANT_SCAN,
            "main",
        );
        Ok(Self {
            ctx: ctx.clone(),
            pipeline,
            chunks,
            scales: storage(device, "quantised scales", bytemuck::cast_slice(scales)),
            norms: storage(device, "L2 norms", bytemuck::cast_slice(index.norms_sq())),
            words,
            mode,
            l2: index.metric() == Metric::L2 && mode != 2,
            rows,
        })
    }

    /// How many row chunks the codes are stored in.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Record the scan of one quantised query; returns the readback buffer of one key per row.
    fn encode(&self, query: &QueryCodes) -> Result<(wgpu::CommandEncoder, wgpu::Buffer), GpuError> {
        let device = &self.ctx.device;
        let (words, q_scale): (Vec<u32>, f32) = match query {
            QueryCodes::Int8 { codes, scale } => (
                codes
                    .chunks(4)
                    .map(|c| {
                        u32::from_le_bytes(std::array::from_fn(|j| {
                            c.get(j).map_or(0, |v| *v as u8)
                        }))
                    })
                    .collect(),
                *scale,
            ),
            QueryCodes::Binary { bits } => (bytemuck::cast_slice(bits).to_vec(), 0.0),
        };
        if words.len() != self.words {
            return Err(GpuError::Input(format!(
                "query codes have {} words, the index {}",
                words.len(),
                self.words
            )));
        }
        let query_buf = storage(device, "quantised query", bytemuck::cast_slice(&words));
        let keys_bytes = (self.rows * 4) as u64;
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("quantised keys readback"),
            size: keys_bytes.max(4),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("quantised scan"),
        });
        for chunk in &self.chunks {
            let bytes = u64::from(chunk.rows) * 4;
            let keys = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("quantised keys"),
                size: bytes.max(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            });
            let groups = chunk.rows.div_ceil(WORKGROUP);
            let params = QuantParams {
                n: chunk.rows,
                words: self.words as u32,
                mode: self.mode,
                l2: u32::from(self.l2),
                row_offset: chunk.row_offset,
                groups_x: split_groups(groups).0,
                q_scale,
                _pad: 0,
            };
            dispatch(
                device,
                &mut encoder,
                &self.pipeline,
                bytemuck::bytes_of(&params),
                &[&chunk.codes, &query_buf, &self.scales, &self.norms, &keys],
                groups,
                1,
            );
            encoder.copy_buffer_to_buffer(
                &keys,
                0,
                &readback,
                u64::from(chunk.row_offset) * 4,
                bytes,
            );
        }
        Ok((encoder, readback))
    }

    /// The scan's key for every row (larger is nearer), waiting for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn keys_blocking(&self, query: &QueryCodes) -> Result<Vec<f32>, GpuError> {
        let (encoder, readback) = self.encode(query)?;
        self.ctx.queue.submit([encoder.finish()]);
        let bytes = crate::readback::read_blocking(&self.ctx, &readback)?;
        Ok(bytemuck::cast_slice(&bytes[..self.rows * 4]).to_vec())
    }

    /// The scan's key for every row (works in the browser).
    pub async fn keys(&self, query: &QueryCodes) -> Result<Vec<f32>, GpuError> {
        let (encoder, readback) = self.encode(query)?;
        self.ctx.queue.submit([encoder.finish()]);
        let bytes = crate::readback::read_async(&self.ctx, &readback).await?;
        Ok(bytemuck::cast_slice(&bytes[..self.rows * 4]).to_vec())
    }

    /// The `k` nearest rows: the GPU scans the codes, the CPU keeps the `pool` best and
    /// re-ranks them exactly with `index` (the index these codes came from). Waits for the GPU.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn search_blocking(
        &self,
        index: &QuantizedIndex<'_>,
        query: &[f32],
        k: usize,
        pool: usize,
        exclude: Option<u32>,
    ) -> Result<Neighbors, GpuError> {
        let codes = index
            .quantize_query(query)
            .map_err(|e| GpuError::Input(e.to_string()))?;
        let keys = self.keys_blocking(&codes)?;
        let candidates = QuantizedIndex::best_of(&keys, pool.max(k), exclude);
        Ok(index.rerank(query, &candidates, k))
    }

    /// [`Self::search_blocking`] without blocking (works in the browser).
    pub async fn search(
        &self,
        index: &QuantizedIndex<'_>,
        query: &[f32],
        k: usize,
        pool: usize,
        exclude: Option<u32>,
    ) -> Result<Neighbors, GpuError> {
        let codes = index
            .quantize_query(query)
            .map_err(|e| GpuError::Input(e.to_string()))?;
        let keys = self.keys(&codes).await?;
        let candidates = QuantizedIndex::best_of(&keys, pool.max(k), exclude);
        Ok(index.rerank(query, &candidates, k))
    }
}
