// Pass 1 of exact kNN: every workgroup scores a contiguous block of rows against one query and
// writes its best k (key, id) pairs. Keys: similarity for cosine and dot, minus the squared
// distance for L2, so that larger is always better. Needs topk_common.wgsl and one of
// knn_rows_f32.wgsl / knn_rows_f16.wgsl / knn_rows_i8.wgsl (binding 1, `rows`; `row_at`, a
// stored value before its row's scale, and `row_scale`, 1 for f32 and f16) before it.

// Keep in sync with `KnnParams` in src/types.rs.
struct KnnParams {
    n_rows: u32,          // rows in this chunk
    dims: u32,
    k: u32,
    metric: u32,          // 0 cosine, 1 dot, 2 L2
    row_offset: u32,      // global id of the chunk's first row
    rows_per_group: u32,
    n_groups: u32,        // workgroups that have rows (the 2-D dispatch may launch more)
    out_offset: u32,      // first output slot (in lists of k) of this chunk
    query_offset: u32,    // first element of the query in `queries`
    query_inv_norm: f32,  // 1 / |query| for cosine
    _pad0: u32,
    _pad1: u32,
};

@group(0) @binding(0) var<uniform> params: KnnParams;
@group(0) @binding(2) var<storage, read> queries: array<f32>;
@group(0) @binding(3) var<storage, read> inv_norms: array<f32>;
@group(0) @binding(4) var<storage, read_write> out_keys: array<f32>;
@group(0) @binding(5) var<storage, read_write> out_ids: array<u32>;

@compute @workgroup_size(64)
fn main(
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group_id: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let group = group_id.x + group_id.y * groups.x;
    if group >= params.n_groups {
        return;
    }
    var keys: array<f32, MAX_K>;
    var ids: array<u32, MAX_K>;
    clear_list(&keys, &ids);
    let start = group * params.rows_per_group;
    let end = min(start + params.rows_per_group, params.n_rows);
    for (var r = start + local.x; r < end; r += WORKGROUP) {
        let base = r * params.dims;
        var acc = 0.0;
        var key = 0.0;
        if params.metric == 2u {
            let scale = row_scale(r);
            for (var c = 0u; c < params.dims; c++) {
                let diff = queries[params.query_offset + c] - row_at(base + c) * scale;
                acc += diff * diff;
            }
            key = -acc;
        } else {
            for (var c = 0u; c < params.dims; c++) {
                acc += queries[params.query_offset + c] * row_at(base + c);
            }
            key = acc * row_scale(r);
            if params.metric == 0u {
                key = key * inv_norms[r] * params.query_inv_norm;
            }
        }
        insert(&keys, &ids, params.k, key, params.row_offset + r);
    }
    merge_workgroup(local.x, params.k, &keys, &ids);
    if local.x == 0u {
        let out = (params.out_offset + group) * params.k;
        for (var j = 0u; j < params.k; j++) {
            out_keys[out + j] = keys[j];
            out_ids[out + j] = ids[j];
        }
    }
}
