// C = (A − 1·meanᵀ) · B with 16 × 16 tiles in workgroup memory.
// A: n × d (one row chunk), mean: d (zeros for a plain product), B: d × k, C: n × k, all
// row-major f32. Row tiles are spread over x and y (2-D past 65 535 workgroups), column tiles
// over z. Products are summed in increasing order of the inner index, as the CPU twins
// (vecscape_core::random_projection, ndarray's product in vecscape_core::pca) do.

struct MatmulParams {
    n: u32,
    d: u32,
    k: u32,
    tiles_x: u32,
}

const T: u32 = 16u;

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;

var<workgroup> tile_a: array<array<f32, 16>, 16>;
var<workgroup> tile_b: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let row = (wg.x + wg.y * p.tiles_x) * T + lid.y;
    let col = wg.z * T + lid.x;
    let steps = (p.d + T - 1u) / T;
    var acc = 0.0;
    for (var s = 0u; s < steps; s = s + 1u) {
        let a_col = s * T + lid.x;
        var va = 0.0;
        if (row < p.n && a_col < p.d) {
            va = a[row * p.d + a_col] - mean[a_col];
        }
        tile_a[lid.y][lid.x] = va;
        let b_row = s * T + lid.y;
        var vb = 0.0;
        if (b_row < p.d && col < p.k) {
            vb = b[b_row * p.k + col];
        }
        tile_b[lid.y][lid.x] = vb;
        workgroupBarrier();
        for (var i = 0u; i < T; i = i + 1u) {
            acc = acc + tile_a[lid.y][i] * tile_b[i][lid.x];
        }
        workgroupBarrier();
    }
    if (row < p.n && col < p.k) {
        c[row * p.k + col] = acc;
    }
}
