// The rows of exact kNN stored as int8 codes, four per u32 word, first code in the low byte,
// with one f32 scale per row (prepended to knn_partial_topk.wgsl). A value is code × scale; the
// kernel sums query × code and applies the row's scale once, as the CPU scan over int8 rows does.
@group(0) @binding(1) var<storage, read> rows: array<u32>;
@group(0) @binding(6) var<storage, read> scales: array<f32>;

fn row_at(i: u32) -> f32 {
    let shift = (i & 3u) * 8u;
    // Move the byte to the top, then shift back arithmetically: sign extension.
    return f32(bitcast<i32>(rows[i >> 2u] << (24u - shift)) >> 24u);
}

fn row_scale(r: u32) -> f32 {
    return scales[r];
}
