"""The peers' side of the benchmarks, timed natively on the same data (called by
tests/bench/browser_bench.mjs and usable alone). Prints one JSON object.

- faiss-cpu IndexFlatIP (inner product on L2-normalised rows = cosine), one thread:
  single queries (the first `--queries` rows, one at a time) and batches of `--batch`, each the
  best of `--repeats` passes;
- faiss-cpu IndexScalarQuantizer with QT_fp16 and QT_8bit (faiss's own half and byte storage,
  flat scan, inner product), single queries: the peers of vecscape's f16 and int8 storage;
- scikit-learn PCA(n_components=2, svd_solver="randomized") fit + transform, BLAS on one thread
  (the wasm side is single-threaded), best of `--repeats`.

Usage: .venv/bin/python tests/reference/bench_peers.py NPY [--rows N] [--queries Q] [--batch B]
       [--no-pca]
"""

import argparse
import json
import time

import faiss
import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("npy")
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-pca", action="store_true")
    a = p.parse_args()
    x = np.load(a.npy).astype(np.float32)
    if a.rows:
        x = x[: a.rows]
    faiss.omp_set_num_threads(1)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(unit)
    q = unit[: a.queries]
    index.search(q[:1], 10)  # warm up
    first = index.search(q[:1], 10)[1][0].tolist()

    def best_of(run) -> float:
        """Milliseconds per query, best of `--repeats` passes over the queries (the machine is
        shared: the best pass is the one least disturbed, as on the wasm side)."""
        best = float("inf")
        for _ in range(a.repeats):
            started = time.perf_counter()
            run()
            best = min(best, (time.perf_counter() - started) * 1e3 / len(q))
        return best

    def singles(idx) -> None:
        for i in range(len(q)):
            idx.search(q[i : i + 1], 10)

    def batches() -> None:
        for s in range(0, len(q), a.batch):
            index.search(q[s : s + a.batch], 10)

    single_ms = best_of(lambda: singles(index))
    batch_ms = best_of(batches)
    sq = {}
    for name, kind in [("fp16", faiss.ScalarQuantizer.QT_fp16), ("8bit", faiss.ScalarQuantizer.QT_8bit)]:
        sq_index = faiss.IndexScalarQuantizer(x.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
        sq_index.train(unit)
        sq_index.add(unit)
        sq_index.search(q[:1], 10)  # warm up
        sq[f"faiss_sq_{name}_single_ms"] = best_of(lambda: singles(sq_index))
    out = {
        **sq,
        "rows": x.shape[0],
        "dims": x.shape[1],
        "faiss_single_ms": single_ms,
        "faiss_batch_ms": batch_ms,
        "batch": a.batch,
        "faiss_first_ids": first,
    }
    if not a.no_pca:
        best = float("inf")
        with threadpool_limits(1):
            for _ in range(a.repeats):
                started = time.perf_counter()
                pca = PCA(n_components=2, svd_solver="randomized", random_state=0)
                pca.fit_transform(x)
                best = min(best, (time.perf_counter() - started) * 1e3)
        out["sklearn_pca_ms"] = best
        out["sklearn_evr"] = pca.explained_variance_ratio_.tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
