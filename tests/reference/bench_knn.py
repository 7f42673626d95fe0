"""Benchmark: vecscape's exact kNN (native CLI, CPU and GPU) vs faiss-cpu IndexFlatIP, same run.

Data: the first 100,000 rows of ../shared/data/wordnet (MiniLM, 384-d), L2-normalised so inner
product = cosine. One query at a time (the interactive case), top-10, faiss on one thread.
Prints each timing and the ratio faiss_time / vecscape_time (> 1 means vecscape is faster), and
checks that both return the same ids for the first query.
Usage: make bench   (or .venv/bin/python tests/reference/bench_knn.py [--rows N] [--queries Q])
"""
import argparse
import json
import pathlib
import subprocess
import tempfile
import time

import faiss
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT.parent / "shared" / "data" / "wordnet" / "vectors.f16.npy"
CLI = ROOT / "target" / "release" / "vecscape"


def run_vecscape(path, queries, device, extra=()):
    out = subprocess.run(
        [str(CLI), "bench", str(path), "--queries", str(queries), "--k", "10",
         "--metric", "cosine", "--device", device, *extra],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    x = np.load(SRC)[: args.rows].astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    faiss.omp_set_num_threads(1)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    started = time.perf_counter()
    for q in range(args.queries):
        _, ids = index.search(x[q : q + 1], 10)
        if q == 0:
            faiss_first = ids[0].tolist()
    faiss_ms = (time.perf_counter() - started) * 1e3 / args.queries

    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "bench.npy"
        np.save(path, x)
        results = {
            "cpu": run_vecscape(path, args.queries, "cpu"),
            "cpu, int8 bounds (exact)": run_vecscape(path, args.queries, "cpu", ["--bounded"]),
        }
        try:
            results["gpu"] = run_vecscape(path, args.queries, "gpu")
        except subprocess.CalledProcessError as e:
            print("vecscape gpu: no adapter:", e.stderr.strip().splitlines()[-1:])
    print(f"data: {args.rows} x {x.shape[1]} (WordNet MiniLM), top-10 cosine, {args.queries} single queries")
    print(f"faiss IndexFlatIP (1 thread): {faiss_ms:.3f} ms/query")
    for device, r in results.items():
        same = "same ids" if r["first_ids"] == faiss_first else f"DIFFERENT ids {r['first_ids']} vs {faiss_first}"
        print(f"vecscape native {device}: {r['ms_per_query']:.3f} ms/query; "
              f"ratio faiss/vecscape = {faiss_ms / r['ms_per_query']:.2f}x ({same})")


if __name__ == "__main__":
    main()
