//! Reading a MAP_READ buffer back to the CPU, blocking (native) or awaiting (browser).

use crate::{GpuContext, GpuError};

fn copy_out(buffer: &wgpu::Buffer) -> Result<Vec<u8>, GpuError> {
    let slice = buffer.slice(..);
    let bytes = slice
        .get_mapped_range()
        .map_err(|e| GpuError::Readback(e.to_string()))?
        .to_vec();
    buffer.unmap();
    Ok(bytes)
}

/// Map `buffer`, wait for the GPU and copy its contents (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_blocking(ctx: &GpuContext, buffer: &wgpu::Buffer) -> Result<Vec<u8>, GpuError> {
    let (sender, receiver) = std::sync::mpsc::channel();
    buffer
        .slice(..)
        .map_async(wgpu::MapMode::Read, move |result| {
            let _ = sender.send(result);
        });
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    receiver
        .recv()
        .map_err(|e| GpuError::Readback(e.to_string()))?
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    copy_out(buffer)
}

/// Map `buffer` and copy its contents once the GPU is done (works in the browser too).
pub async fn read_async(ctx: &GpuContext, buffer: &wgpu::Buffer) -> Result<Vec<u8>, GpuError> {
    let (sender, receiver) = futures_channel::oneshot::channel();
    buffer
        .slice(..)
        .map_async(wgpu::MapMode::Read, move |result| {
            let _ = sender.send(result);
        });
    // Natively nothing drives the callback but a poll; in the browser this is a no-op.
    let _ = ctx.device.poll(wgpu::PollType::Poll);
    receiver
        .await
        .map_err(|e| GpuError::Readback(e.to_string()))?
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    copy_out(buffer)
}
