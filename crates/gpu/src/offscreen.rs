//! Drawing into an offscreen texture and reading the pixels back (tests, the CLI, screenshots).

#[cfg(not(target_arch = "wasm32"))]
use crate::{GpuContext, GpuError, PointRenderer};
#[cfg(not(target_arch = "wasm32"))]
use vecscape_core::view::camera::{Camera, Viewport};
#[cfg(not(target_arch = "wasm32"))]
use vecscape_core::view::raster::{Frame, PointStyle};

/// Format of offscreen targets: bytes in the same order as [`Frame`]'s pixels.
pub const OFFSCREEN_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// Draw the renderer's points into a new `viewport`-sized texture and read it back.
/// Blocks until the GPU is done (native only: the browser cannot block).
#[cfg(not(target_arch = "wasm32"))]
pub fn render_points_to_frame(
    ctx: &GpuContext,
    renderer: &PointRenderer,
    camera: &Camera,
    viewport: Viewport,
    style: PointStyle,
    background: wgpu::Color,
) -> Result<Frame, GpuError> {
    render_to_frame(ctx, viewport, |encoder, view| {
        renderer.draw(
            &ctx.queue,
            encoder,
            view,
            camera,
            viewport,
            style,
            Some(background),
        );
    })
}

/// Let `record` draw into a new `viewport`-sized texture (it must clear it) and read it back.
#[cfg(not(target_arch = "wasm32"))]
pub fn render_to_frame(
    ctx: &GpuContext,
    viewport: Viewport,
    record: impl FnOnce(&mut wgpu::CommandEncoder, &wgpu::TextureView),
) -> Result<Frame, GpuError> {
    let (width, height) = (viewport.width_px.max(1), viewport.height_px.max(1));
    let texture = ctx.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("offscreen"),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: OFFSCREEN_FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let padded_row = (width * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
        * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    let readback = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("offscreen readback"),
        size: u64::from(padded_row) * u64::from(height),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    record(&mut encoder, &view);
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &readback,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row),
                rows_per_image: Some(height),
            },
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    ctx.queue.submit([encoder.finish()]);
    let bytes = crate::readback::read_blocking(ctx, &readback)?;
    let mut frame = Frame::new(width, height);
    for (row, out) in bytes
        .chunks(padded_row as usize)
        .zip(frame.pixels.chunks_mut(width as usize * 4))
    {
        out.copy_from_slice(&row[..width as usize * 4]);
    }
    Ok(frame)
}
