// Pass 2 of exact kNN: one workgroup merges all partial lists of one query into its final k,
// so only k keys and ids per query are read back. Needs topk_common.wgsl before it.

// Keep in sync with `MergeParams` in src/types.rs.
struct MergeParams {
    n_candidates: u32,
    k: u32,
    in_offset: u32,   // first candidate of this query in in_keys / in_ids
    out_offset: u32,  // first slot of this query in out_keys / out_ids
};

@group(0) @binding(0) var<uniform> params: MergeParams;
@group(0) @binding(1) var<storage, read> in_keys: array<f32>;
@group(0) @binding(2) var<storage, read> in_ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> out_keys: array<f32>;
@group(0) @binding(4) var<storage, read_write> out_ids: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) local: vec3<u32>) {
    var keys: array<f32, MAX_K>;
    var ids: array<u32, MAX_K>;
    clear_list(&keys, &ids);
    for (var i = local.x; i < params.n_candidates; i += WORKGROUP) {
        let at = params.in_offset + i;
        if in_ids[at] != EMPTY_ID {
            insert(&keys, &ids, params.k, in_keys[at], in_ids[at]);
        }
    }
    merge_workgroup(local.x, params.k, &keys, &ids);
    if local.x == 0u {
        for (var j = 0u; j < params.k; j++) {
            out_keys[params.out_offset + j] = keys[j];
            out_ids[params.out_offset + j] = ids[j];
        }
    }
}
