//! Exact kNN on the GPU: pass 1 (`knn_partial_topk.wgsl`) scores blocks of rows and keeps each
//! block's best k; pass 2 (`knn_merge_topk.wgsl`) merges them so only k results are read back.
//! The CPU twin is `vecscape_core::search::flat::FlatIndex`; both rank with the same keys and tie rule.
//!
//! Matrices larger than the adapter's storage-binding limit are split into row chunks, each its
//! own buffer; dispatches past 65 535 workgroups go 2-D.

use crate::dispatch::dispatch;
use crate::types::{KnnParams, MergeParams};
use crate::{GpuContext, GpuError};
use ndarray::Array2;
use std::borrow::Cow;
use vecscape_core::data::store::{half_to_f32, Storage, Vectors};
use vecscape_core::search::types::{Metric, Neighbors};
use wgpu::util::DeviceExt;

/// Largest k the kernels keep (MAX_K in topk_common.wgsl).
pub const MAX_K: usize = 32;
/// Rows scored by one workgroup; small enough to spread work, large enough to keep pass 2 short.
const ROWS_PER_GROUP: u32 = 1024;

pub use crate::shaders::RowStorage;

impl RowStorage {
    fn bytes_per_value(self) -> u64 {
        match self {
            Self::F32 => 4,
            Self::F16 => 2,
            Self::Int8 => 1,
        }
    }
}

/// `values` rounded to f16 and back: what the GPU sees of f16-stored rows.
pub fn round_to_f16(values: &[f32]) -> Vec<f32> {
    values
        .iter()
        .map(|v| half::f16::from_f32(*v).to_f32())
        .collect()
}

/// `1 / |row|`, or 0 for a zero row, from the row's values.
fn inv_norm(values: impl Iterator<Item = f32>) -> f32 {
    let norm = values.map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        1.0 / norm
    } else {
        0.0
    }
}

/// Bytes padded with zeros to a whole number of u32 words (the shaders read words).
fn padded(bytes: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    if bytes.len().is_multiple_of(4) {
        return bytes;
    }
    let mut owned = bytes.into_owned();
    owned.resize(owned.len().next_multiple_of(4), 0);
    Cow::Owned(owned)
}

/// One chunk of rows as it goes up: the `rows` binding's bytes, the rows' inverse norms and, for
/// int8 rows, their scales.
struct ChunkRows<'d> {
    bytes: Cow<'d, [u8]>,
    inv_norms: Vec<f32>,
    scales: Option<&'d [f32]>,
}

struct Chunk {
    rows: wgpu::Buffer,
    inv_norms: wgpu::Buffer,
    scales: Option<wgpu::Buffer>,
    n_rows: u32,
    row_offset: u32,
}

/// The rows of a matrix on the GPU, ready for exact kNN.
pub struct GpuFlatIndex {
    ctx: GpuContext,
    chunks: Vec<Chunk>,
    dims: usize,
    n_rows: usize,
    metric: Metric,
    storage: RowStorage,
    partial: wgpu::ComputePipeline,
    merge: wgpu::ComputePipeline,
}

fn metric_code(metric: Metric) -> u32 {
    match metric {
        Metric::Cosine => 0,
        Metric::Dot => 1,
        Metric::L2 => 2,
    }
}

impl GpuFlatIndex {
    /// Upload `data` (n × d) as f32. `max_chunk_bytes` caps each row chunk below the adapter's
    /// binding limit (tests force small chunks with it).
    pub fn new(
        ctx: &GpuContext,
        data: &Array2<f32>,
        metric: Metric,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Self, GpuError> {
        Self::with_storage(ctx, data, metric, max_chunk_bytes, RowStorage::F32)
    }

    /// Upload `data` (n × d) stored as `storage`: f32 as it is, f16 rounded to the nearest
    /// half, int8 quantised as [`Storage::Int8`] keeps vectors (a scale per row).
    pub fn with_storage(
        ctx: &GpuContext,
        data: &Array2<f32>,
        metric: Metric,
        max_chunk_bytes: Option<u64>,
        storage: RowStorage,
    ) -> Result<Self, GpuError> {
        if storage == RowStorage::Int8 {
            let q = Vectors::from_f32("gpu", data.to_owned(), Storage::Int8)
                .map_err(|e| GpuError::Input(e.to_string()))?;
            return Self::from_vectors(ctx, &q, metric, max_chunk_bytes);
        }
        let contiguous = data.as_standard_layout();
        let flat = contiguous
            .as_slice()
            .ok_or_else(|| GpuError::TooLarge("layout".into()))?;
        let d = data.ncols().max(1);
        Self::upload(ctx, data.dim(), metric, max_chunk_bytes, storage, |s, e| {
            let values = &flat[s * d..e * d];
            match storage {
                RowStorage::F16 => {
                    let rounded = round_to_f16(values);
                    // Norms of the rounded values, as the CPU twin over rounded data has them.
                    let inv_norms = rounded
                        .chunks(d)
                        .map(|r| inv_norm(r.iter().copied()))
                        .collect();
                    let bits: Vec<u16> = values
                        .iter()
                        .map(|v| half::f16::from_f32(*v).to_bits())
                        .collect();
                    ChunkRows {
                        bytes: Cow::Owned(bytemuck::cast_slice::<u16, u8>(&bits).to_vec()),
                        inv_norms,
                        scales: None,
                    }
                }
                _ => ChunkRows {
                    bytes: Cow::Borrowed(bytemuck::cast_slice::<f32, u8>(values)),
                    inv_norms: values
                        .chunks(d)
                        .map(|r| inv_norm(r.iter().copied()))
                        .collect(),
                    scales: None,
                },
            }
        })
    }

    /// Upload vectors kept in any [`Storage`], straight from what is stored: f32 rows as they
    /// are, f16 rows as their bits (half the memory), int8 rows as their codes plus a scale per
    /// row (a quarter of the f32 bytes). The answers are exact for the stored values; the CPU
    /// twin is `FlatIndex` over the same [`Vectors`].
    pub fn from_vectors(
        ctx: &GpuContext,
        data: &Vectors,
        metric: Metric,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Self, GpuError> {
        let d = data.ncols().max(1);
        match data {
            Vectors::F32(m) => Self::new(ctx, m, metric, max_chunk_bytes),
            Vectors::F16(h) => {
                let bits = h.bits();
                Self::upload(
                    ctx,
                    data.dim(),
                    metric,
                    max_chunk_bytes,
                    RowStorage::F16,
                    |s, e| {
                        let rows = &bits[s * d..e * d];
                        ChunkRows {
                            bytes: Cow::Borrowed(bytemuck::cast_slice::<u16, u8>(rows)),
                            inv_norms: rows
                                .chunks(d)
                                .map(|r| inv_norm(r.iter().map(|b| half_to_f32(*b))))
                                .collect(),
                            scales: None,
                        }
                    },
                )
            }
            Vectors::Int8(q) => {
                let (codes, scales) = (q.codes(), q.scales());
                Self::upload(
                    ctx,
                    data.dim(),
                    metric,
                    max_chunk_bytes,
                    RowStorage::Int8,
                    |s, e| {
                        let rows = &codes[s * d..e * d];
                        ChunkRows {
                            bytes: Cow::Borrowed(bytemuck::cast_slice::<i8, u8>(rows)),
                            // The norms of code × scale, as the CPU twin computes them.
                            inv_norms: rows
                                .chunks(d)
                                .zip(&scales[s..e])
                                .map(|(r, sc)| inv_norm(r.iter().map(|c| f32::from(*c) * sc)))
                                .collect(),
                            scales: Some(&scales[s..e]),
                        }
                    },
                )
            }
        }
    }

    /// Upload `n × d` rows given a chunk at a time by `rows_of(start, end)`.
    fn upload<'d>(
        ctx: &GpuContext,
        (n, d): (usize, usize),
        metric: Metric,
        max_chunk_bytes: Option<u64>,
        storage: RowStorage,
        rows_of: impl Fn(usize, usize) -> ChunkRows<'d>,
    ) -> Result<Self, GpuError> {
        let limits = ctx.device.limits();
        let binding_limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(max_chunk_bytes.unwrap_or(u64::MAX));
        let row_bytes = d.max(1) as u64 * storage.bytes_per_value();
        // A chunk of halves or codes may end inside a word: leave room for the padding.
        let rows_per_chunk = (binding_limit.saturating_sub(4) / row_bytes).max(1) as usize;
        if n > u32::MAX as usize - 1 {
            return Err(GpuError::TooLarge(format!("{n} rows")));
        }
        let buffer = |label: &str, contents: &[u8]| {
            ctx.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents,
                    usage: wgpu::BufferUsages::STORAGE,
                })
        };
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < n {
            let end = (start + rows_per_chunk).min(n);
            let given = rows_of(start, end);
            chunks.push(Chunk {
                rows: buffer("knn rows", &padded(given.bytes)),
                inv_norms: buffer("knn inverse norms", bytemuck::cast_slice(&given.inv_norms)),
                scales: given
                    .scales
                    .map(|s| buffer("knn row scales", bytemuck::cast_slice(s))),
                n_rows: (end - start) as u32,
                row_offset: start as u32,
            });
            start = end;
        }
        Ok(Self {
            ctx: ctx.clone(),
            partial: crate::dispatch::compute_pipeline(
                ctx,
                "knn_partial_topk.wgsl",
                &crate::shaders::knn_partial(storage),
                "main",
            ),
            merge: crate::dispatch::compute_pipeline(
                ctx,
                "knn_merge_topk.wgsl",
                &crate::shaders::knn_merge(),
                "main",
            ),
            chunks,
            dims: d,
            n_rows: n,
            metric,
            storage,
        })
    }

    /// How the rows are held on the GPU.
    pub fn storage(&self) -> RowStorage {
        self.storage
    }

    /// Bytes the rows take on the GPU (codes or values, padding included; norms and scales not).
    pub fn row_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.rows.size()).sum()
    }

    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Record both passes for each of `queries` (one command buffer); returns the buffer holding,
    /// per query, k keys then k ids.
    fn encode(
        &self,
        queries: &[&[f32]],
        k: u32,
    ) -> Result<(wgpu::CommandEncoder, wgpu::Buffer), GpuError> {
        if let Some(bad) = queries.iter().find(|q| q.len() != self.dims) {
            return Err(GpuError::Input(format!(
                "query has {} dimensions, the data has {}",
                bad.len(),
                self.dims
            )));
        }
        let device = &self.ctx.device;
        let flat: Vec<f32> = queries.iter().flat_map(|q| q.iter().copied()).collect();
        let query_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("knn queries"),
            contents: bytemuck::cast_slice(&flat),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let groups_per_chunk: Vec<u32> = self
            .chunks
            .iter()
            .map(|c| c.n_rows.div_ceil(ROWS_PER_GROUP).max(1))
            .collect();
        let total_groups: u32 = groups_per_chunk.iter().sum();
        let candidates = u64::from(total_groups) * u64::from(k);
        let q = queries.len() as u64;
        if candidates * q > u64::from(u32::MAX)
            || candidates * q * 4 > device.limits().max_buffer_size
        {
            return Err(GpuError::TooLarge(format!(
                "{q} queries × {candidates} candidates"
            )));
        }
        let storage = |label: &str, bytes: u64| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes.max(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        };
        let partial_keys = storage("knn partial keys", q * candidates * 4);
        let partial_ids = storage("knn partial ids", q * candidates * 4);
        let final_keys = storage("knn keys", q * u64::from(k) * 4);
        let final_ids = storage("knn ids", q * u64::from(k) * 4);
        let mut encoder =
            device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("knn") });
        for (qi, query) in queries.iter().enumerate() {
            let qi = qi as u32;
            let query_norm = query.iter().map(|v| v * v).sum::<f32>().sqrt();
            let mut out_offset = qi * total_groups;
            for (chunk, &groups) in self.chunks.iter().zip(&groups_per_chunk) {
                let params = KnnParams {
                    n_rows: chunk.n_rows,
                    dims: self.dims as u32,
                    k,
                    metric: metric_code(self.metric),
                    row_offset: chunk.row_offset,
                    rows_per_group: ROWS_PER_GROUP,
                    n_groups: groups,
                    out_offset,
                    query_offset: qi * self.dims as u32,
                    query_inv_norm: if query_norm > 0.0 {
                        1.0 / query_norm
                    } else {
                        0.0
                    },
                    _pad0: 0,
                    _pad1: 0,
                };
                dispatch(
                    device,
                    &mut encoder,
                    &self.partial,
                    bytemuck::bytes_of(&params),
                    &[
                        &chunk.rows,
                        &query_buf,
                        &chunk.inv_norms,
                        &partial_keys,
                        &partial_ids,
                    ]
                    .into_iter()
                    .chain(chunk.scales.as_ref())
                    .collect::<Vec<_>>(),
                    groups,
                    1,
                );
                out_offset += groups;
            }
            let merge_params = MergeParams {
                n_candidates: candidates as u32,
                k,
                in_offset: qi * candidates as u32,
                out_offset: qi * k,
            };
            dispatch(
                device,
                &mut encoder,
                &self.merge,
                bytemuck::bytes_of(&merge_params),
                &[&partial_keys, &partial_ids, &final_keys, &final_ids],
                1,
                1,
            );
        }
        let block = u64::from(k) * 4;
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("knn readback"),
            size: (q * block * 2).max(4),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        for qi in 0..q {
            encoder.copy_buffer_to_buffer(
                &final_keys,
                qi * block,
                &readback,
                2 * qi * block,
                block,
            );
            encoder.copy_buffer_to_buffer(
                &final_ids,
                qi * block,
                &readback,
                (2 * qi + 1) * block,
                block,
            );
        }
        Ok((encoder, readback))
    }

    fn decode(&self, bytes: &[u8], k: usize, exclude: Option<u32>, want: usize) -> Neighbors {
        let keys: &[f32] = bytemuck::cast_slice(&bytes[..k * 4]);
        let ids: &[u32] = bytemuck::cast_slice(&bytes[k * 4..k * 8]);
        let sign = if self.metric.higher_is_nearer() {
            1.0
        } else {
            -1.0
        };
        let mut out = Neighbors {
            ids: Vec::with_capacity(want),
            scores: Vec::with_capacity(want),
        };
        for (key, id) in keys.iter().zip(ids) {
            if *id == u32::MAX || Some(*id) == exclude || out.ids.len() == want {
                continue;
            }
            out.ids.push(*id);
            out.scores.push(key * sign);
        }
        out
    }

    fn checked_k(&self, k: usize, exclude: Option<u32>) -> Result<(u32, usize), GpuError> {
        let want = k.min(self.n_rows);
        let fetch = want + usize::from(exclude.is_some());
        if fetch > MAX_K {
            return Err(GpuError::Input(format!(
                "k = {k}: the GPU path keeps at most {} neighbours",
                MAX_K - 1
            )));
        }
        Ok((fetch.max(1) as u32, want))
    }

    /// The `k` nearest rows to `query`, optionally leaving one row out; waits for the GPU.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn search_blocking(
        &self,
        query: &[f32],
        k: usize,
        exclude: Option<u32>,
    ) -> Result<Neighbors, GpuError> {
        let mut found = self.search_batch_blocking(&[query], k, &[exclude])?;
        found
            .pop()
            .ok_or_else(|| GpuError::Readback("no result".into()))
    }

    /// The `k` nearest rows to `query`, optionally leaving one row out.
    pub async fn search(
        &self,
        query: &[f32],
        k: usize,
        exclude: Option<u32>,
    ) -> Result<Neighbors, GpuError> {
        let mut found = self.search_batch(&[query], k, &[exclude]).await?;
        found
            .pop()
            .ok_or_else(|| GpuError::Readback("no result".into()))
    }

    /// The `k` nearest rows to each of `queries` (`excludes[i]` leaves one row out of query
    /// `i`'s answer; missing entries leave none out), in one submission and one readback: the
    /// per-query cost of submitting and waiting is paid once. Waits for the GPU.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn search_batch_blocking(
        &self,
        queries: &[&[f32]],
        k: usize,
        excludes: &[Option<u32>],
    ) -> Result<Vec<Neighbors>, GpuError> {
        let fetch = self.batch_fetch(k, excludes)?;
        let (encoder, readback) = self.encode(queries, fetch)?;
        self.ctx.queue.submit([encoder.finish()]);
        let bytes = crate::readback::read_blocking(&self.ctx, &readback)?;
        self.decode_batch(&bytes, queries.len(), fetch, k, excludes)
    }

    /// [`Self::search_batch_blocking`] without blocking (works in the browser).
    pub async fn search_batch(
        &self,
        queries: &[&[f32]],
        k: usize,
        excludes: &[Option<u32>],
    ) -> Result<Vec<Neighbors>, GpuError> {
        let fetch = self.batch_fetch(k, excludes)?;
        let (encoder, readback) = self.encode(queries, fetch)?;
        self.ctx.queue.submit([encoder.finish()]);
        let bytes = crate::readback::read_async(&self.ctx, &readback).await?;
        self.decode_batch(&bytes, queries.len(), fetch, k, excludes)
    }

    /// How many candidates each query fetches: k, plus one when any query leaves a row out.
    fn batch_fetch(&self, k: usize, excludes: &[Option<u32>]) -> Result<u32, GpuError> {
        let any_excluded = excludes.iter().flatten().next().copied();
        Ok(self.checked_k(k, any_excluded)?.0)
    }

    fn decode_batch(
        &self,
        bytes: &[u8],
        queries: usize,
        fetch: u32,
        k: usize,
        excludes: &[Option<u32>],
    ) -> Result<Vec<Neighbors>, GpuError> {
        let block = fetch as usize * 8;
        (0..queries)
            .map(|qi| {
                let exclude = excludes.get(qi).copied().flatten();
                let want = k.min(self.n_rows);
                bytes
                    .get(qi * block..(qi + 1) * block)
                    .map(|b| self.decode(b, fetch as usize, exclude, want))
                    .ok_or_else(|| GpuError::Readback("short readback".into()))
            })
            .collect()
    }
}
