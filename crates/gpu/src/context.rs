//! Device set-up: one adapter, one device, with the largest limits the adapter offers.

/// Why no GPU device could be had.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter matches (no WebGPU in this browser, no Vulkan driver natively).
    #[error("no GPU adapter: {0}")]
    NoAdapter(#[from] wgpu::RequestAdapterError),
    /// The adapter refused to create a device.
    #[error("the GPU adapter refused a device: {0}")]
    RequestDevice(#[from] wgpu::RequestDeviceError),
    /// Reading results back from the GPU failed.
    #[error("reading back from the GPU failed: {0}")]
    Readback(String),
    /// The request does not fit the kernel (wrong query length, k too large).
    #[error("{0}")]
    Input(String),
    /// The data does not fit what the GPU path supports.
    #[error("data too large for the GPU path: {0}")]
    TooLarge(String),
}

/// A ready device and its queue, and the compute pipelines compiled on it. Clones share the
/// device and the pipelines.
#[derive(Debug, Clone)]
pub struct GpuContext {
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub(crate) pipelines: crate::dispatch::PipelineCache,
}

impl GpuContext {
    /// Pick an adapter (able to present to `surface` when given) and open a device on it.
    pub async fn new(
        instance: &wgpu::Instance,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<Self, GpuError> {
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: surface,
                apply_limit_buckets: false,
            })
            .await?;
        // Ask for everything the adapter offers: large storage bindings matter for big matrices.
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("vecscape"),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await?;
        Ok(Self {
            adapter,
            device,
            queue,
            pipelines: Default::default(),
        })
    }

    /// How many compute pipelines have been compiled on this device (each is compiled once and
    /// reused by every index, projection and density built on it).
    pub fn pipelines_created(&self) -> usize {
        self.pipelines.created()
    }

    /// Whether the adapter is a CPU emulating a GPU (Mesa's lavapipe, SwiftShader, WARP): such an
    /// adapter runs compute far slower than the CPU kernels, so front ends use it only when asked.
    pub fn is_emulated(&self) -> bool {
        self.adapter.get_info().device_type == wgpu::DeviceType::Cpu
    }

    /// A short human description, e.g. "llvmpipe (Vulkan)".
    pub fn describe(&self) -> String {
        let info = self.adapter.get_info();
        if info.name.is_empty() {
            format!("{:?}", info.backend)
        } else {
            format!("{} ({:?})", info.name, info.backend)
        }
    }
}
