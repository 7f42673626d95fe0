// Shared by the top-k kernels (prepended to each at load time; not a pipeline of its own).
// A candidate list is kept best-first: larger key is better, the lower id wins ties, so the CPU
// twin (vecscape_core::knn) and the GPU agree on ids exactly.

const MAX_K: u32 = 32u;
const WORKGROUP: u32 = 64u;
const EMPTY_KEY: f32 = -3.0e38;
const EMPTY_ID: u32 = 0xffffffffu;

fn better(key_a: f32, id_a: u32, key_b: f32, id_b: u32) -> bool {
    return key_a > key_b || (key_a == key_b && id_a < id_b);
}

fn clear_list(keys: ptr<function, array<f32, MAX_K>>, ids: ptr<function, array<u32, MAX_K>>) {
    for (var j = 0u; j < MAX_K; j++) {
        (*keys)[j] = EMPTY_KEY;
        (*ids)[j] = EMPTY_ID;
    }
}

// Insert (key, id) into the first `k` slots of the list if it is good enough.
fn insert(
    keys: ptr<function, array<f32, MAX_K>>,
    ids: ptr<function, array<u32, MAX_K>>,
    k: u32,
    key: f32,
    id: u32,
) {
    if !better(key, id, (*keys)[k - 1u], (*ids)[k - 1u]) {
        return;
    }
    var j = k - 1u;
    while j > 0u && better(key, id, (*keys)[j - 1u], (*ids)[j - 1u]) {
        (*keys)[j] = (*keys)[j - 1u];
        (*ids)[j] = (*ids)[j - 1u];
        j--;
    }
    (*keys)[j] = key;
    (*ids)[j] = id;
}

var<workgroup> shared_keys: array<f32, 2048>; // WORKGROUP * MAX_K
var<workgroup> shared_ids: array<u32, 2048>;

// Every thread hands in its list; thread 0 merges them and returns the workgroup's best k.
// Must be called by all threads of the workgroup (it contains a barrier).
fn merge_workgroup(
    lane: u32,
    k: u32,
    keys: ptr<function, array<f32, MAX_K>>,
    ids: ptr<function, array<u32, MAX_K>>,
) {
    for (var j = 0u; j < k; j++) {
        shared_keys[lane * MAX_K + j] = (*keys)[j];
        shared_ids[lane * MAX_K + j] = (*ids)[j];
    }
    workgroupBarrier();
    if lane == 0u {
        clear_list(keys, ids);
        for (var t = 0u; t < WORKGROUP; t++) {
            for (var j = 0u; j < k; j++) {
                let key = shared_keys[t * MAX_K + j];
                if key == EMPTY_KEY {
                    break;
                }
                insert(keys, ids, k, key, shared_ids[t * MAX_K + j]);
            }
        }
    }
}
