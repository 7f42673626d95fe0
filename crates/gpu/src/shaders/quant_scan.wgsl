// The quantised scan of one query: a key per row (larger is nearer), read back for the CPU to
// pick the candidate pool and re-rank it exactly. The CPU twin is
// vecscape_core::quant::QuantizedIndex::candidates with QuantizedIndex::key_of: the integer part
// (int8 dot, Hamming distance) is exact, so the keys match it.
//
// int8: rows of `words` u32, each four signed bytes; key = dot · q_scale (· row scale when
// per_vector), and for L2 2·dot − ‖x‖². binary: rows of `words` u32 of sign bits;
// key = −popcount(row ^ query).

struct QuantParams {
    n: u32,           // rows in this chunk
    words: u32,       // u32 words per row
    mode: u32,        // 0 int8 per-vector scale, 1 int8 per-dimension scale, 2 binary
    l2: u32,          // 1: key = 2·dot − ‖x‖²
    row_offset: u32,  // global index of the chunk's first row (for scales and norms)
    groups_x: u32,    // workgroups along x (rows spread over x and y past 65 535 groups)
    q_scale: f32,
    _pad: u32,
};

@group(0) @binding(0) var<uniform> p: QuantParams;
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> query: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<f32>;
@group(0) @binding(4) var<storage, read> norms: array<f32>;
@group(0) @binding(5) var<storage, read_write> keys: array<f32>;

const WORKGROUP: u32 = 256u;

// The sum of the products of the four signed bytes of a and b.
fn dot4(a: u32, b: u32) -> i32 {
    var s = 0;
    for (var j = 0u; j < 4u; j++) {
        s += extractBits(bitcast<i32>(a), j * 8u, 8u) * extractBits(bitcast<i32>(b), j * 8u, 8u);
    }
    return s;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.x + gid.y * p.groups_x * WORKGROUP;
    if row >= p.n {
        return;
    }
    let base = row * p.words;
    let global = p.row_offset + row;
    if p.mode == 2u {
        var hamming = 0u;
        for (var w = 0u; w < p.words; w++) {
            hamming += countOneBits(codes[base + w] ^ query[w]);
        }
        keys[row] = -f32(hamming);
        return;
    }
    var acc = 0;
    for (var w = 0u; w < p.words; w++) {
        acc += dot4(codes[base + w], query[w]);
    }
    var dot = f32(acc) * p.q_scale;
    if p.mode == 0u {
        dot = dot * scales[global];
    }
    if p.l2 == 1u {
        keys[row] = 2.0 * dot - norms[global];
    } else {
        keys[row] = dot;
    }
}
