//! Shared by the wgpu integration tests: one adapter, or a reported skip.
//! With `VECSCAPE_REQUIRE_GPU=1` (set by `make test`) a missing adapter fails the test instead.
#![allow(clippy::panic)] // test code

use vecscape_gpu::GpuContext;

pub fn context() -> Option<GpuContext> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    match pollster::block_on(GpuContext::new(&instance, None)) {
        Ok(ctx) => Some(ctx),
        Err(e) if std::env::var("VECSCAPE_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("VECSCAPE_REQUIRE_GPU=1 but no adapter: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED: no wgpu adapter ({e})");
            None
        }
    }
}
