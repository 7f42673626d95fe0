// Density, step 1: each point's unit weight split over the four nearest grid nodes (linear
// binning), added in fixed point (1/1024) with atomics so the sum does not depend on order.
// The CPU twin is vecscape_core::map::density::bin_linear.

// Keep in sync with `SplatParams` in src/types.rs.
struct SplatParams {
    origin: vec2<f32>,
    inv_step: vec2<f32>,
    n_points: u32,
    size: u32,
    // Threads per row of the 2-D dispatch (workgroups along x × 256).
    row_threads: u32,
    _pad: u32,
};

const SCALE: f32 = 1024.0;

@group(0) @binding(0) var<uniform> p: SplatParams;
@group(0) @binding(1) var<storage, read> points: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> bins: array<atomic<u32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_threads;
    if i >= p.n_points {
        return;
    }
    let last = f32(p.size - 1u);
    let f = clamp((points[i] - p.origin) * p.inv_step, vec2<f32>(0.0), vec2<f32>(last));
    let c = min(vec2<u32>(floor(f)), vec2<u32>(p.size - 2u));
    let t = f - vec2<f32>(c);
    let base = c.y * p.size + c.x;
    atomicAdd(&bins[base], u32(round((1.0 - t.x) * (1.0 - t.y) * SCALE)));
    atomicAdd(&bins[base + 1u], u32(round(t.x * (1.0 - t.y) * SCALE)));
    atomicAdd(&bins[base + p.size], u32(round((1.0 - t.x) * t.y * SCALE)));
    atomicAdd(&bins[base + p.size + 1u], u32(round(t.x * t.y * SCALE)));
}
