//! The one place that decides where a computation runs: WebGPU or the wasm CPU kernels.
//!
//! The worker asks for its own WebGPU adapter (`navigator.gpu` exists in dedicated workers).
//! Compute goes to it when it is real hardware; a CPU-emulated adapter (SwiftShader, WARP) runs
//! compute 25–100× slower than the simd128 kernels, so it is used only when `?backend=webgpu`
//! forces it. [`run`] tries the GPU and falls back to the CPU on any failure (a lost device, an
//! allocation the adapter refuses); the reply says where it ran.

use crate::state;
use vecscape_gpu::GpuContext;
use vecscape_protocol::{ComputeChoice, Device};

/// Choose where to compute: returns the device and a note for the status line (empty when
/// there is nothing to say).
pub(crate) async fn start(choice: ComputeChoice) -> (Device, String) {
    if choice == ComputeChoice::Cpu {
        return (Device::Cpu, String::new());
    }
    let ctx = match context().await {
        Ok(ctx) => ctx,
        Err(e) => {
            return (
                Device::Cpu,
                format!(" · compute on the CPU: no WebGPU in the worker ({e})"),
            )
        }
    };
    let note = match (ctx.is_emulated(), choice == ComputeChoice::WebGpu) {
        (true, false) => {
            return (
                Device::Cpu,
                " · compute on the CPU: the WebGPU adapter is a CPU emulation (?backend=webgpu uses it)"
                    .to_owned(),
            )
        }
        (true, true) => " · compute on this CPU-emulated adapter too, forced by ?backend=webgpu",
        (false, _) => "",
    };
    // A lost device (driver reset, `destroy()`): compute on the CPU from then on. The callback
    // may fire while the GPU is in use, so the switch waits for the next turn of the event loop.
    ctx.device.set_device_lost_callback(|reason, message| {
        log::warn!("the worker's WebGPU device was lost ({reason:?}: {message})");
        gloo_timers::callback::Timeout::new(0, || drop_gpu(false)).forget();
    });
    state::with(|s| {
        s.gpu = Some(ctx);
        s.rebuild_gpu_index();
    });
    (Device::WebGpu, note.to_owned())
}

/// A WebGPU context on the worker's adapter, emulated or not.
pub(crate) async fn context() -> Result<GpuContext, String> {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::BROWSER_WEBGPU;
    let instance = wgpu::util::new_instance_with_webgpu_detection(desc).await;
    GpuContext::new(&instance, None)
        .await
        .map_err(|e| e.to_string())
}

/// Compute on the CPU from now on; `destroy` first destroys the device (as a driver reset would).
pub(crate) fn drop_gpu(destroy: bool) {
    let gpu = state::with(|s| {
        s.gpu_index = None;
        s.gpu.take()
    });
    if let (Some(ctx), true) = (gpu, destroy) {
        ctx.device.destroy();
    }
}

/// The WebGPU context compute may use now, or `None` for the CPU.
pub(crate) fn gpu() -> Option<GpuContext> {
    state::with(|s| s.gpu.clone())
}

/// What [`run`] did: the value (or the error of the CPU path), where it ran, and why the GPU
/// attempt failed when it did.
pub(crate) struct Ran<T> {
    pub value: Result<T, String>,
    pub device: Device,
    pub gpu_error: Option<String>,
}

/// `on_gpu` with the GPU resource `gpu` when there is one, and `on_cpu` when there is none or
/// the GPU attempt fails. `what` names the computation in the log.
pub(crate) async fn run<G, T>(
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
