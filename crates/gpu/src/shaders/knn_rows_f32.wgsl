// The rows of exact kNN stored as f32 (prepended to knn_partial_topk.wgsl).
@group(0) @binding(1) var<storage, read> rows: array<f32>;

fn row_at(i: u32) -> f32 {
    return rows[i];
}

fn row_scale(r: u32) -> f32 {
    return 1.0;
}
