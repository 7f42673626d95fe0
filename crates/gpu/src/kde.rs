//! Gaussian kernel density on the GPU: linear binning with fixed-point atomics
//! (`kde_splat.wgsl`), then a separable blur along x (`kde_blur.wgsl`) and y
//! (`kde_blur_y.wgsl`). The CPU twin is `vecscape_core::map::density::kde_binned` (the same
//! binning and truncated kernel in f64); a test compares the two on lavapipe.

use crate::dispatch::{dispatch, split_groups};
use crate::types::{BlurParams, SplatParams};
use crate::{GpuContext, GpuError};
use vecscape_core::map::density::{kernel_1d, DensityGrid, GridSpec};
use wgpu::util::DeviceExt;

const WORKGROUP: u32 = 256;

/// The three compiled density pipelines.
pub struct GpuKde {
    ctx: GpuContext,
    splat: wgpu::ComputePipeline,
    blur_x: wgpu::ComputePipeline,
    blur_y: wgpu::ComputePipeline,
}

/// A submitted density computation, waiting to be read back.
pub struct PendingDensity {
    ctx: GpuContext,
    readback: wgpu::Buffer,
    spec: GridSpec,
    sigma: (f64, f64),
    norm: f64,
}

impl PendingDensity {
    /// Wait for the GPU and read the grid.
    pub async fn finish(self) -> Result<DensityGrid, GpuError> {
        let bytes = crate::readback::read_async(&self.ctx, &self.readback).await?;
        Ok(self.decode(&bytes))
    }

    /// Wait for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn finish_blocking(self) -> Result<DensityGrid, GpuError> {
        let bytes = crate::readback::read_blocking(&self.ctx, &self.readback)?;
        Ok(self.decode(&bytes))
    }

    fn decode(&self, bytes: &[u8]) -> DensityGrid {
        let cells = self.spec.size * self.spec.size;
        let values: &[f32] = bytemuck::cast_slice(&bytes[..cells * 4]);
        DensityGrid {
            spec: self.spec,
            sigma: self.sigma,
            values: values.iter().map(|&v| f64::from(v) * self.norm).collect(),
        }
    }
}

impl GpuKde {
    pub fn new(ctx: &GpuContext) -> Self {
        let pipeline = |label: &str, source: &str, entry: &str| {
            crate::dispatch::compute_pipeline(ctx, label, source, entry)
        };
        Self {
            ctx: ctx.clone(),
            splat: pipeline("kde_splat.wgsl", crate::shaders::KDE_SPLAT, "main"),
            blur_x: pipeline("kde_blur.wgsl", crate::shaders::KDE_BLUR_X, "blur_x"),
            blur_y: pipeline("kde_blur_y.wgsl", crate::shaders::KDE_BLUR_Y, "blur_y"),
        }
    }

    /// Submit the density of the points on `spec`'s grid with kernel standard deviations
    /// `sigma` (x, y), e.g. from [`vecscape_core::map::density::Bandwidth::sigma`].
    pub fn start(
        &self,
        xs: &[f32],
        ys: &[f32],
        spec: &GridSpec,
        sigma: (f64, f64),
    ) -> Result<PendingDensity, GpuError> {
        let n = xs.len().min(ys.len());
        if n == 0 || spec.size < 2 || !(sigma.0 > 0.0 && sigma.1 > 0.0) {
            return Err(GpuError::Input(format!(
                "density: {n} points, {} nodes per side, σ = {:?}",
                spec.size, sigma
            )));
        }
        if n > (u32::MAX / 1024) as usize {
            // Fixed-point bins could overflow if every point fell in one cell.
            return Err(GpuError::TooLarge(format!(
                "{n} points for 32-bit fixed-point bins"
            )));
        }
        let device = &self.ctx.device;
        let limits = device.limits();
        let point_bytes = (n * 8) as u64;
        if point_bytes
            > limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size)
        {
            return Err(GpuError::TooLarge(format!("{n} points in one binding")));
        }
        let size = spec.size as u32;
        let cells = spec.size * spec.size;
        let points: Vec<[f32; 2]> = xs.iter().zip(ys).map(|(&x, &y)| [x, y]).collect();
        let points = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("kde points"),
            contents: bytemuck::cast_slice(&points),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let storage = |label: &str, bytes: u64, extra: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes,
                usage: wgpu::BufferUsages::STORAGE | extra,
                mapped_at_creation: false,
            })
        };
        // New buffers are zeroed.
        let bins = storage("kde bins", (cells * 4) as u64, wgpu::BufferUsages::empty());
        let rows = storage("kde rows", (cells * 4) as u64, wgpu::BufferUsages::empty());
        let out = storage(
            "kde density",
            (cells * 4) as u64,
            wgpu::BufferUsages::COPY_SRC,
        );
        let (sx, sy) = spec.step();
        let kx: Vec<f32> = kernel_1d(sigma.0, sx).iter().map(|&v| v as f32).collect();
        let ky: Vec<f32> = kernel_1d(sigma.1, sy).iter().map(|&v| v as f32).collect();
        // One radius for both passes: pad the shorter kernel with zeros.
        let radius = kx.len().max(ky.len()) / 2;
        let pad = |k: Vec<f32>| {
            let r = k.len() / 2;
            let mut padded = vec![0.0f32; 2 * radius + 1];
            padded[radius - r..radius + r + 1].copy_from_slice(&k);
            padded
        };
        let kernel = |label: &str, k: Vec<f32>| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(&pad(k)),
                usage: wgpu::BufferUsages::STORAGE,
            })
        };
        let kx = kernel("kde kernel x", kx);
        let ky = kernel("kde kernel y", ky);
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("kde readback"),
            size: (cells * 4) as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder =
            device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("kde") });
        let point_groups = (n as u32).div_ceil(WORKGROUP);
        let splat = SplatParams {
            origin: [spec.x_min as f32, spec.y_min as f32],
            inv_step: [(1.0 / sx) as f32, (1.0 / sy) as f32],
            n_points: n as u32,
            size,
            row_threads: split_groups(point_groups).0 * WORKGROUP,
            _pad: 0,
        };
        dispatch(
            device,
            &mut encoder,
            &self.splat,
            bytemuck::bytes_of(&splat),
            &[&points, &bins],
            point_groups,
            1,
        );
        let cell_groups = (cells as u32).div_ceil(WORKGROUP);
        let blur = BlurParams {
            size,
            radius: radius as u32,
            row_threads: split_groups(cell_groups).0 * WORKGROUP,
            _pad: 0,
        };
        dispatch(
            device,
            &mut encoder,
            &self.blur_x,
            bytemuck::bytes_of(&blur),
            &[&bins, &kx, &rows],
            cell_groups,
            1,
        );
        dispatch(
            device,
            &mut encoder,
            &self.blur_y,
            bytemuck::bytes_of(&blur),
            &[&rows, &ky, &out],
            cell_groups,
            1,
        );
        encoder.copy_buffer_to_buffer(&out, 0, &readback, 0, (cells * 4) as u64);
        self.ctx.queue.submit([encoder.finish()]);
        Ok(PendingDensity {
            ctx: self.ctx.clone(),
            readback,
            spec: *spec,
            sigma,
            norm: 1.0 / (n as f64 * 2.0 * std::f64::consts::PI * sigma.0 * sigma.1),
        })
    }
}
