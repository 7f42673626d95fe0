// Density, step 3: the blur along y of what kde_blur.wgsl blurred along x.

// Keep in sync with `BlurParams` in src/types.rs.
struct BlurParams {
    size: u32,
    radius: u32,
    row_threads: u32,
    _pad: u32,
};

@group(0) @binding(0) var<uniform> p: BlurParams;
@group(0) @binding(1) var<storage, read> rows: array<f32>;
@group(0) @binding(2) var<storage, read> kernel_y: array<f32>;
@group(0) @binding(3) var<storage, read_write> density: array<f32>;

@compute @workgroup_size(256)
fn blur_y(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cell = gid.x + gid.y * p.row_threads;
    if cell >= p.size * p.size {
        return;
    }
    let j = cell / p.size;
    let i = cell % p.size;
    let lo = j - min(j, p.radius);
    let hi = min(j + p.radius, p.size - 1u);
    var acc = 0.0;
    for (var s = lo; s <= hi; s++) {
        acc += rows[s * p.size + i] * kernel_y[s + p.radius - j];
    }
    density[cell] = acc;
}
