//! The one place that decides where a computation runs: WebGPU or the wasm CPU kernels.
//!
//! Compute goes to WebGPU when the live backend is WebGPU and its adapter is real hardware
//! ([`crate::engine::Engine::compute_context`]); a CPU-emulated adapter (SwiftShader, WARP) runs
//! compute 25–100× slower than the simd128 kernels, so it draws but leaves compute to the CPU
//! unless `?backend=webgpu` forces it. [`run`] tries the GPU and falls back to the CPU on any
//! failure (a lost device, an allocation the adapter refuses), logging why; the caller writes
//! where it ran in the status line ([`Device::label`]).

use crate::engine;
use crate::state::Device;

/// The WebGPU context compute may use now, or `None` for the CPU.
pub fn gpu() -> Option<vecscape_gpu::GpuContext> {
    engine::with(|e| e.compute_context())
}

/// What [`run`] did: the value (or the error of the CPU path), where it ran, and why the GPU
/// attempt failed when it did.
pub struct Ran<T> {
    pub value: Result<T, String>,
    pub device: Device,
    pub gpu_error: Option<String>,
}

/// `on_gpu` with the GPU resource `gpu` when there is one, and `on_cpu` when there is none or
/// the GPU attempt fails. `what` names the computation in the log.
pub async fn run<G, T>(
    what: &str,
    gpu: Option<G>,
    on_gpu: impl AsyncFnOnce(G) -> Result<T, String>,
    on_cpu: impl FnOnce() -> Result<T, String>,
) -> Ran<T> {
    let mut gpu_error = None;
    if let Some(resource) = gpu {
        match on_gpu(resource).await {
            Ok(value) => {
                return Ran {
                    value: Ok(value),
                    device: Device::WebGpu,
                    gpu_error: None,
                }
            }
            Err(e) => {
                log::warn!("{what} falls back to the CPU: {e}");
                gpu_error = Some(e);
            }
        }
    }
    Ran {
        value: on_cpu(),
        device: Device::Cpu,
        gpu_error,
    }
}
