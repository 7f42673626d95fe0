// The map's density layer: filled bands (a full-screen triangle that samples the density grid
// per pixel) and contour lines (a line list in world units). The CPU twin is
// vecscape_core::raster::{fill_bands, draw_segments}.

// Keep in sync with `DensityUniform` in src/types.rs.
struct DensityUniform {
    // clip = world * clip_scale + clip_offset
    clip_scale: vec2<f32>,
    clip_offset: vec2<f32>,
    viewport_px: vec2<f32>,
    // World position of grid node (0, 0) and the distance between nodes.
    origin: vec2<f32>,
    step: vec2<f32>,
    size: u32,
    levels: u32,
    // rgb, and the alpha of the densest band.
    fill: vec4<f32>,
    line: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: DensityUniform;
// size × size values in 0..1 (density / peak), rows along y.
@group(0) @binding(1) var<storage, read> grid: array<f32>;

@vertex
fn vs_fill(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    // One triangle covering the screen.
    let uv = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

fn value_at(i: u32, j: u32) -> f32 {
    return grid[j * u.size + i];
}

@fragment
fn fs_fill(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let clip = vec2<f32>(pos.x / u.viewport_px.x * 2.0 - 1.0, 1.0 - pos.y / u.viewport_px.y * 2.0);
    let world = (clip - u.clip_offset) / u.clip_scale;
    let f = (world - u.origin) / u.step;
    let last = f32(u.size - 1u);
    if f.x < 0.0 || f.y < 0.0 || f.x > last || f.y > last {
        discard;
    }
    let i = min(u32(f.x), u.size - 2u);
    let j = min(u32(f.y), u.size - 2u);
    let t = f - vec2<f32>(f32(i), f32(j));
    let top = mix(value_at(i, j), value_at(i + 1u, j), t.x);
    let bottom = mix(value_at(i, j + 1u), value_at(i + 1u, j + 1u), t.x);
    let v = mix(top, bottom, t.y);
    let band = min(u32(floor(v * f32(u.levels + 1u))), u.levels);
    if band == 0u {
        discard;
    }
    return vec4<f32>(u.fill.rgb, u.fill.a * f32(band) / f32(u.levels));
}

@vertex
fn vs_line(@location(0) world: vec2<f32>) -> @builtin(position) vec4<f32> {
    return vec4<f32>(world * u.clip_scale + u.clip_offset, 0.0, 1.0);
}

@fragment
fn fs_line() -> @location(0) vec4<f32> {
    return u.line;
}
