// Partial sums of C = (A − 1·meanᵀ)ᵀ · M over slices of rows, with 16 × 16 tiles in workgroup
// memory. A: n × d (one row chunk), mean: d, M: n × k (the same rows), all row-major f32.
// Workgroup (x, y, z) computes the 16 × 16 block of output rows 16x.., columns 16y.. summed over
// the rows of slice z (`slice_rows` rows); partial[z] is a d × k matrix. The caller adds the
// slices up (in f64). The reduction runs over n, which can be millions: slicing it gives the GPU
// enough workgroups and keeps each f32 sum short.

struct TransposeParams {
    n: u32,
    d: u32,
    k: u32,
    slice_rows: u32,
}

const T: u32 = 16u;

@group(0) @binding(0) var<uniform> p: TransposeParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;

var<workgroup> tile_a: array<array<f32, 16>, 16>;
var<workgroup> tile_m: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    // This invocation's output entry: row `out_row` of Aᵀ (a column of A), column `out_col`.
    let out_row = wg.x * T + lid.y;
    let out_col = wg.y * T + lid.x;
    let first = wg.z * p.slice_rows;
    let last = min(first + p.slice_rows, p.n);
    var acc = 0.0;
    for (var r0 = first; r0 < last; r0 = r0 + T) {
        // tile_a[r][c] = A[r0 + r, 16·wg.x + c] − mean; tile_m[r][c] = M[r0 + r, 16·wg.y + c].
        let r = r0 + lid.y;
        let a_col = wg.x * T + lid.x;
        var va = 0.0;
        if (r < last && a_col < p.d) {
            va = a[r * p.d + a_col] - mean[a_col];
        }
        tile_a[lid.y][lid.x] = va;
        let m_col = wg.y * T + lid.x;
        var vm = 0.0;
        if (r < last && m_col < p.k) {
            vm = m[r * p.k + m_col];
        }
        tile_m[lid.y][lid.x] = vm;
        workgroupBarrier();
        for (var i = 0u; i < T; i = i + 1u) {
            acc = acc + tile_a[i][lid.y] * tile_m[i][lid.x];
        }
        workgroupBarrier();
    }
    if (out_row < p.d && out_col < p.k) {
        partial[(wg.z * p.d + out_row) * p.k + out_col] = acc;
    }
}
