// The rows of exact kNN stored as f16, two per u32 word, first value in the low half
// (prepended to knn_partial_topk.wgsl). unpack2x16float is core WGSL: no shader-f16 needed, so
// this halves the GPU memory on every adapter; arithmetic stays f32.
@group(0) @binding(1) var<storage, read> rows: array<u32>;

fn row_at(i: u32) -> f32 {
    let pair = unpack2x16float(rows[i >> 1u]);
    return select(pair.x, pair.y, (i & 1u) == 1u);
}

fn row_scale(r: u32) -> f32 {
    return 1.0;
}
