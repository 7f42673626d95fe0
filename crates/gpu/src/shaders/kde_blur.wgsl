// Density, step 2: a separable Gaussian blur of the binned weights, along x (reading the fixed-
// point bins) then along y. Weights are truncated at 4 σ; outside the grid counts as zero.
// The CPU twin is vecscape_core::map::density::blur_separable.

// Keep in sync with `BlurParams` in src/types.rs.
struct BlurParams {
    size: u32,
    radius: u32,
    row_threads: u32,
    _pad: u32,
};

const SCALE: f32 = 1024.0;

@group(0) @binding(0) var<uniform> p: BlurParams;

@group(0) @binding(1) var<storage, read> bins: array<u32>;
@group(0) @binding(2) var<storage, read> kernel_x: array<f32>;
@group(0) @binding(3) var<storage, read_write> rows: array<f32>;

@compute @workgroup_size(256)
fn blur_x(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cell = gid.x + gid.y * p.row_threads;
    if cell >= p.size * p.size {
        return;
    }
    let j = cell / p.size;
    let i = cell % p.size;
    let lo = i - min(i, p.radius);
    let hi = min(i + p.radius, p.size - 1u);
    var acc = 0.0;
    for (var s = lo; s <= hi; s++) {
        acc += f32(bins[j * p.size + s]) / SCALE * kernel_x[s + p.radius - i];
    }
    rows[cell] = acc;
}
