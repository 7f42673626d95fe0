// Points as instanced quads: one instance per point, four vertices (a triangle strip) each.
// The fragment stage cuts the quad to an anti-aliased disc.

// Keep in sync with `PointsUniform` in src/types.rs.
struct PointsUniform {
    // clip = world * clip_scale + clip_offset
    clip_scale: vec2<f32>,
    clip_offset: vec2<f32>,
    viewport_px: vec2<f32>,
    radius_px: f32,
    alpha: f32,
};

@group(0) @binding(0) var<uniform> u: PointsUniform;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    // Offset from the point's centre, in pixels.
    @location(0) offset_px: vec2<f32>,
    @location(1) color: vec4<f32>,
};

@vertex
fn vs_main(
    @builtin(vertex_index) vertex_index: u32,
    @location(0) world: vec2<f32>,
    @location(1) color: vec4<f32>,
) -> VertexOut {
    let corner = vec2<f32>(f32(vertex_index & 1u), f32((vertex_index >> 1u) & 1u)) * 2.0 - 1.0;
    let half_extent_px = u.radius_px + 1.0;
    let center_clip = world * u.clip_scale + u.clip_offset;
    var out: VertexOut;
    out.position = vec4<f32>(center_clip + corner * half_extent_px * 2.0 / u.viewport_px, 0.0, 1.0);
    out.offset_px = corner * half_extent_px;
    out.color = color;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let coverage = clamp(u.radius_px + 0.5 - length(in.offset_px), 0.0, 1.0);
    if coverage <= 0.0 {
        discard;
    }
    return vec4<f32>(in.color.rgb, in.color.a * u.alpha * coverage);
}
