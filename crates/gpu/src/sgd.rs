//! UMAP's SGD on the GPU (`umap_sgd.wgsl`): the layout, the edges and their schedule resident
//! on the GPU, a few dispatches an epoch (one thread an edge, unsynchronised as umap-learn's
//! parallel mode; each dispatch a band of the schedule's ranks, so that a head is moved by one
//! thread at a time; the tails' moves summed in fixed point by atomics and added after each band,
//! so that none is lost), many epochs a submission. The CPU twin is
//! `vecscape_core::layout::umap::Sgd`: the same [`Schedule`], curve and clipping; the random
//! points differ, so the layouts do too, and the test on lavapipe compares their quality.

use crate::dispatch::{dispatch, split_groups};
use crate::types::SgdParams;
use crate::{GpuContext, GpuError};
use ndarray::Array2;
use vecscape_core::layout::umap::{fit_ab, Schedule, UmapParams};
use wgpu::util::DeviceExt;

const WORKGROUP: u32 = 256;
/// Most dispatches an epoch.
pub const BANDS: usize = 32;

/// An SGD run on the GPU, resumable a few epochs at a time.
pub struct GpuSgd {
    ctx: GpuContext,
    pipeline: wgpu::ComputePipeline,
    /// Adds the tails' summed moves to the layout after a band (`apply` in the same shader).
    apply: wgpu::ComputePipeline,
    positions: wgpu::Buffer,
    /// The tails' moves of the band in flight, x and y interleaved, as fixed-point `i32`.
    pull: wgpu::Buffer,
    edges: wgpu::Buffer,
    per_sample: wgpu::Buffer,
    next: wgpu::Buffer,
    n_points: u32,
    /// The dispatches of an epoch: edge ranges holding each head at most once, the last one
    /// every rank from [`BANDS`] − 1 on.
    bands: Vec<(u32, u32)>,
    curve: (f32, f32),
    params: UmapParams,
    epochs: usize,
    epoch: usize,
}

impl GpuSgd {
    /// Upload the start `y` (`n × 2`) and the schedule of `edges` for `epochs` epochs.
    pub fn new(
        ctx: &GpuContext,
        y: &Array2<f32>,
        edges: &[(u32, u32, f32)],
        params: &UmapParams,
        epochs: usize,
    ) -> Result<Self, GpuError> {
        let n = y.nrows();
        let schedule = Schedule::new(edges, epochs);
        let m = schedule.heads.len();
        if n == 0 || m == 0 || y.ncols() != 2 {
            return Err(GpuError::Input(format!(
                "UMAP SGD: {n} points × {} dims, {m} edges",
                y.ncols()
            )));
        }
        let limits = ctx.device.limits();
        let most = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if (m as u64) * 8 > most || (n as u64) * 8 > most {
            return Err(GpuError::TooLarge(format!(
                "{m} edges or {n} points in one binding"
            )));
        }
        let device = &ctx.device;
        let positions: Vec<f32> = y.iter().copied().collect();
        let pairs: Vec<[u32; 2]> = schedule
            .heads
            .iter()
            .zip(&schedule.tails)
            .map(|(&h, &t)| [h, t])
            .collect();
        let neg_rate = params.negative_sample_rate.max(1) as f32;
        let next: Vec<[f32; 2]> = schedule
            .per_sample
            .iter()
            .map(|&p| [p, p / neg_rate])
            .collect();
        let init = |label: &str, contents: &[u8], extra: wgpu::BufferUsages| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE | extra,
            })
        };
        Ok(Self {
            ctx: ctx.clone(),
            pipeline: crate::dispatch::compute_pipeline(
                ctx,
                "umap_sgd.wgsl",
                crate::shaders::UMAP_SGD,
                "main",
            ),
            apply: crate::dispatch::compute_pipeline(
                ctx,
                "umap_sgd.wgsl",
                crate::shaders::UMAP_SGD,
                "apply",
            ),
            pull: init("sgd pull", &vec![0u8; n * 8], wgpu::BufferUsages::empty()),
            positions: init(
                "sgd positions",
                bytemuck::cast_slice(&positions),
                wgpu::BufferUsages::COPY_SRC,
            ),
            edges: init(
                "sgd edges",
                bytemuck::cast_slice(&pairs),
                wgpu::BufferUsages::empty(),
            ),
            per_sample: init(
                "sgd per sample",
                bytemuck::cast_slice(&schedule.per_sample),
                wgpu::BufferUsages::empty(),
            ),
            next: init(
                "sgd next",
                bytemuck::cast_slice(&next),
                wgpu::BufferUsages::empty(),
            ),
            n_points: n as u32,
            bands: {
                let starts = &schedule.rank_starts;
                let mut bands: Vec<(u32, u32)> = starts
                    .windows(2)
                    .take(BANDS - 1)
                    .map(|w| (w[0] as u32, w[1] as u32))
                    .collect();
                let done = bands.last().map_or(0, |b| b.1);
                if (done as usize) < m {
                    bands.push((done, m as u32));
                }
                bands
            },
            curve: fit_ab(params.spread, params.min_dist),
            params: *params,
            epochs,
            epoch: 0,
        })
    }

    /// Epochs run so far, and in the run.
    pub fn epochs(&self) -> (usize, usize) {
        (self.epoch, self.epochs)
    }

    /// True once every epoch has run.
    pub fn done(&self) -> bool {
        self.epoch >= self.epochs
    }

    /// Submit up to `count` more epochs (two dispatches a band, one submission); returns how many.
    pub fn submit(&mut self, count: usize) -> usize {
        let run = count.min(self.epochs - self.epoch.min(self.epochs));
        if run == 0 {
            return 0;
        }
        let device = &self.ctx.device;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("umap sgd"),
        });
        let point_groups = self.n_points.div_ceil(WORKGROUP);
        for epoch in self.epoch..self.epoch + run {
            for &(first, end) in &self.bands {
                let groups = (end - first).div_ceil(WORKGROUP);
                let params = SgdParams {
                    n_points: self.n_points,
                    n_edges: end,
                    epoch: epoch as u32,
                    row_threads: split_groups(groups).0 * WORKGROUP,
                    alpha: self.params.learning_rate * (1.0 - epoch as f32 / self.epochs as f32),
                    a: self.curve.0,
                    b: self.curve.1,
                    gamma: self.params.repulsion_strength,
                    neg_rate: self.params.negative_sample_rate.max(1) as f32,
                    seed: self.params.seed as u32,
                    first,
                    _pad1: 0,
                };
                dispatch(
                    device,
                    &mut encoder,
                    &self.pipeline,
                    bytemuck::bytes_of(&params),
                    &[
                        &self.positions,
                        &self.pull,
                        &self.edges,
                        &self.per_sample,
                        &self.next,
                    ],
                    groups,
                    1,
                );
                let apply = SgdParams {
                    row_threads: split_groups(point_groups).0 * WORKGROUP,
                    ..params
                };
                dispatch(
                    device,
                    &mut encoder,
                    &self.apply,
                    bytemuck::bytes_of(&apply),
                    &[&self.positions, &self.pull],
                    point_groups,
                    1,
                );
            }
        }
        self.ctx.queue.submit([encoder.finish()]);
        self.epoch += run;
        run
    }

    /// A buffer holding a copy of the layout, once the GPU gets to it.
    fn copy_out(&self) -> wgpu::Buffer {
        let bytes = u64::from(self.n_points) * 8;
        let readback = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sgd readback"),
            size: bytes,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("sgd read"),
            });
        encoder.copy_buffer_to_buffer(&self.positions, 0, &readback, 0, bytes);
        self.ctx.queue.submit([encoder.finish()]);
        readback
    }

    fn decode(&self, bytes: &[u8]) -> Result<Array2<f32>, GpuError> {
        let n = self.n_points as usize;
        let values: &[f32] = bytemuck::try_cast_slice(bytes.get(..n * 8).unwrap_or(&[]))
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        Array2::from_shape_vec((n, 2), values.to_vec())
            .map_err(|e| GpuError::Readback(e.to_string()))
    }

    /// The layout after the epochs submitted so far.
    pub async fn layout(&self) -> Result<Array2<f32>, GpuError> {
        let readback = self.copy_out();
        let bytes = crate::readback::read_async(&self.ctx, &readback).await?;
        self.decode(&bytes)
    }

    /// [`Self::layout`], waiting for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn layout_blocking(&self) -> Result<Array2<f32>, GpuError> {
        let readback = self.copy_out();
        let bytes = crate::readback::read_blocking(&self.ctx, &readback)?;
        self.decode(&bytes)
    }
}
