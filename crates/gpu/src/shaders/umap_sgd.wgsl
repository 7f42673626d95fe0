// UMAP's SGD, one band of one epoch: one thread per edge of the band (edges first..n_edges).
// An edge due this epoch pulls its two ends together and pushes its head away from `negatives`
// random points, as umap-learn's optimize_layout_euclidean in its parallel mode: the threads'
// updates are not synchronised. A band holds each head once (the schedule's ranks), so a head's
// own moves are never lost to a sibling edge; a point moved as a tail at the same time may lose
// one. The CPU twin is
// vecscape_core::layout::umap::Sgd (the same schedule, curve and clipping; other random points).

// Keep in sync with `SgdParams` in src/types.rs.
struct SgdParams {
    n_points: u32,
    n_edges: u32,
    epoch: u32,
    // Threads per row of the 2-D dispatch (workgroups along x × 256).
    row_threads: u32,
    alpha: f32,
    a: f32,
    b: f32,
    gamma: f32,
    neg_rate: f32,
    seed: u32,
    // The band's first edge; `n_edges` is one past its last.
    first: u32,
    _pad1: u32,
};

@group(0) @binding(0) var<uniform> p: SgdParams;
// The layout, x and y interleaved.
@group(0) @binding(1) var<storage, read_write> pos: array<f32>;
// The tails' moves of this band, x and y interleaved, in units of 1 / PULL_SCALE.
@group(0) @binding(2) var<storage, read_write> pull: array<atomic<i32>>;
// (head, tail) of each edge.
@group(0) @binding(3) var<storage, read> edges: array<vec2<u32>>;
// Epochs between two samples of each edge.
@group(0) @binding(4) var<storage, read> per_sample: array<f32>;
// (next sample, next negative sample) of each edge, in epochs.
@group(0) @binding(5) var<storage, read_write> next: array<vec2<f32>>;

const MAX_NEGATIVES: u32 = 64u;
// 2^20: a move resolved to 1e-6, and sums within ±2048 (each move is at most 4).
const PULL_SCALE: f32 = 1048576.0;

// A 32-bit hash (PCG's output permutation).
fn hash(x: u32) -> u32 {
    let v = x * 747796405u + 2891336453u;
    let w = ((v >> ((v >> 28u) + 4u)) ^ v) * 277803737u;
    return (w >> 22u) ^ w;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let e = p.first + gid.x + gid.y * p.row_threads;
    if e >= p.n_edges {
        return;
    }
    let now = f32(p.epoch);
    var due = next[e];
    if due.x > now {
        return;
    }
    let j = edges[e].x;
    let k = edges[e].y;
    var c = vec2<f32>(pos[2u * j], pos[2u * j + 1u]);
    let o = vec2<f32>(pos[2u * k], pos[2u * k + 1u]);
    let d = c - o;
    let d2 = dot(d, d);
    if d2 > 0.0 {
        let pb = pow(d2, p.b);
        let coeff = -2.0 * p.a * p.b * (pb / d2) / (p.a * pb + 1.0);
        let g = clamp(coeff * d, vec2<f32>(-4.0), vec2<f32>(4.0)) * p.alpha;
        c += g;
        atomicAdd(&pull[2u * k], i32(round(-g.x * PULL_SCALE)));
        atomicAdd(&pull[2u * k + 1u], i32(round(-g.y * PULL_SCALE)));
    }
    let step = per_sample[e];
    due.x += step;
    let step_negative = step / p.neg_rate;
    let negatives = min(u32(max((now - due.y) / step_negative, 0.0)), MAX_NEGATIVES);
    due.y += f32(negatives) * step_negative;
    var state = hash(e ^ hash(p.epoch ^ p.seed));
    // As the CPU twin: the negatives push from the position after the pull, their gradients
    // summed and applied once.
    var push = vec2<f32>(0.0);
    for (var s = 0u; s < negatives; s++) {
        state = hash(state);
        let other = state % p.n_points;
        if other == j {
            continue;
        }
        let q = vec2<f32>(pos[2u * other], pos[2u * other + 1u]);
        let dd = c - q;
        let dd2 = dot(dd, dd);
        var g = vec2<f32>(4.0);
        if dd2 > 0.0 {
            let coeff = 2.0 * p.gamma * p.b / ((0.001 + dd2) * (p.a * pow(dd2, p.b) + 1.0));
            g = clamp(coeff * dd, vec2<f32>(-4.0), vec2<f32>(4.0));
        }
        push += g;
    }
    c += push * p.alpha;
    pos[2u * j] = c.x;
    pos[2u * j + 1u] = c.y;
    next[e] = due;
}

// After each band: every point's tail moves added to the layout, and the sums emptied. Uses
// `p.n_points` and `p.row_threads` (threads per row, for points here).
@compute @workgroup_size(256)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_threads;
    if i >= p.n_points {
        return;
    }
    let dx = atomicExchange(&pull[2u * i], 0);
    let dy = atomicExchange(&pull[2u * i + 1u], 0);
    if dx != 0 || dy != 0 {
        pos[2u * i] += f32(dx) / PULL_SCALE;
        pos[2u * i + 1u] += f32(dy) / PULL_SCALE;
    }
}
