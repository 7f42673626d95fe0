//! The one place the CLI decides where a computation runs.
//!
//! `--device gpu` takes any wgpu adapter, `--device cpu` none. Without `--device` the GPU is used
//! only when the adapter is real hardware: an adapter whose type is CPU (Mesa's lavapipe,
//! SwiftShader, WARP) emulates a GPU 20–100× slower than the CPU kernels, so it is skipped, and
//! stderr says so.

use crate::args::DeviceArg;
use anyhow::{bail, Result};
use vecscape_gpu::GpuContext;

/// A GPU context when one is wanted and worth it; the choice is printed to stderr as
/// `device: cpu …` or `device: gpu (…)`.
pub fn gpu_for(device: Option<DeviceArg>) -> Result<Option<GpuContext>> {
    if device == Some(DeviceArg::Cpu) {
        eprintln!("device: cpu");
        return Ok(None);
    }
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    match pollster::block_on(GpuContext::new(&instance, None)) {
        Ok(ctx) if device.is_none() && ctx.is_emulated() => {
            eprintln!(
                "device: cpu (the only GPU adapter, {}, is a CPU emulation, slower than the CPU kernels; --device gpu uses it)",
                ctx.describe()
            );
            Ok(None)
        }
        Ok(ctx) => {
            let emulated = if ctx.is_emulated() {
                ", a CPU emulation"
            } else {
                ""
            };
            eprintln!("device: gpu ({}{emulated})", ctx.describe());
            Ok(Some(ctx))
        }
        Err(e) if device == Some(DeviceArg::Gpu) => bail!("--device gpu: {e}"),
        Err(e) => {
            eprintln!("device: cpu (no GPU adapter: {e})");
            Ok(None)
        }
    }
}
