// Pass 2 of exact kNN: one workgroup merges all partial lists into the final k, so only k keys
// and ids are read back. Needs topk_common.wgsl before it.

// Keep in sync with `MergeParams` in src/types.rs.
struct MergeParams {
    n_candidates: u32,
    k: u32,
    _pad0: u32,
    _pad1: u32,
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
        if in_ids[i] != EMPTY_ID {
            insert(&keys, &ids, params.k, in_keys[i], in_ids[i]);
        }
    }
    merge_workgroup(local.x, params.k, &keys, &ids);
    if local.x == 0u {
        for (var j = 0u; j < params.k; j++) {
            out_keys[j] = keys[j];
            out_ids[j] = ids[j];
        }
    }
}
