"""Benchmark (not a test): vecscape's UMAP (`vecscape project --method umap`, native, one
thread) against umap-learn on the same vectors, in the same run: time, and two measures of the
layout computed here with scikit-learn — the share of each point's 10 nearest neighbours in the
original space that are among its 10 nearest on the map (kNN@10 preserved), and the share of its
10 nearest on the map that carry its label (10-NN label agreement; the original space's own value
is printed beside it). umap-learn is timed on its second run (the first compiles its numba code).

    .venv/bin/python tests/reference/bench_umap.py [--rows 15000] [--vecscape target/release/vecscape]

With --page, it instead scores the layouts `tests/bench/umap_bench.mjs` made in headless Chromium
(vecscape's page on the CPU, and Embedding Atlas's createUMAP in the same browser; files in
target/bench/umap/) beside umap-learn run here on the same rows, and prints one table per data
set with the time ratios (exact neighbours in the original space by faiss, inner product on the
unit vectors).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.neighbors import NearestNeighbors

ROOT = Path(__file__).resolve().parents[2]


def knn(x, k):
    return NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x, return_distance=False)[:, 1:]


def measures(x_nn, layout, labels, k=10):
    map_nn = knn(layout, k)
    kept = np.mean([len(set(a) & set(b)) / k for a, b in zip(x_nn, map_nn)])
    agree = np.mean(labels[map_nn] == labels[:, None])
    return float(kept), float(agree)


def page(args):
    import faiss
    import umap  # umap-learn

    out = ROOT / "target" / "bench" / "umap"
    sets = {
        "demo": (ROOT / "web/demo/vectors.f16.npy", ROOT / "web/demo/meta.jsonl"),
        "wordnet": (ROOT.parent / "shared/data/wordnet/vectors.f16.npy",
                    ROOT.parent / "shared/data/wordnet/meta.jsonl"),
    }
    umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0).fit_transform(
        np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32))  # numba warm-up
    for name, (vectors, meta_path) in sets.items():
        runs = sorted(out.glob(f"{name}-*.json"))
        if not runs:
            continue
        rows = json.loads(runs[0].read_text())["rows"]
        x = np.load(vectors)[:rows].astype(np.float32)
        meta = []
        with open(meta_path) as f:
            for line in f:
                meta.append(json.loads(line))
                if len(meta) == rows:
                    break
        names = sorted({m["label"] for m in meta})
        labels = np.array([names.index(m["label"]) for m in meta])
        index = faiss.IndexFlatIP(x.shape[1])
        index.add(x)
        x_nn = index.search(x, 11)[1][:, 1:]
        original = float(np.mean(labels[x_nn] == labels[:, None]))
        table = {}
        for run in runs:
            info = json.loads(run.read_text())
            layout = np.fromfile(run.with_suffix(".f32"), dtype=np.float32).reshape(-1, 2)
            table[info["who"] + " (page)"] = (info["seconds"], info.get("epochs"), *measures(x_nn, layout, labels))
        started = time.perf_counter()
        theirs = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0, metric="cosine").fit_transform(x)
        table["umap-learn (native, 1 thread)"] = (time.perf_counter() - started, 500 if rows <= 10_000 else 200,
                                                  *measures(x_nn, theirs, labels))
        ours = table.get("vecscape (page)", (float("nan"),))[0]
        print(f"\n{name}: {rows} rows × {x.shape[1]}; 10-NN label agreement in the original space {original:.3f}")
        print("| | epochs | time to the final layout | kNN@10 preserved | 10-NN label agreement | time / vecscape's |")
        print("|---|---:|---:|---:|---:|---:|")
        for who, (seconds, epochs, kept, agree) in table.items():
            print(f"| {who} | {epochs} | {seconds:.1f} s | {kept:.3f} | {agree:.3f} | {seconds / ours:.2f}× |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=15000)
    ap.add_argument("--vecscape", default=str(ROOT / "target/release/vecscape"))
    ap.add_argument("--page", action="store_true")
    args = ap.parse_args()
    if args.page:
        page(args)
        return
    vectors = ROOT / "web/demo/vectors.f16.npy"
    x = np.load(vectors).astype(np.float32)[: args.rows]
    meta = [json.loads(line) for line in open(ROOT / "web/demo/meta.jsonl")][: len(x)]
    names = sorted({m["label"] for m in meta})
    labels = np.array([names.index(m["label"]) for m in meta])
    x_nn = knn(x, 10)
    original_agree = float(np.mean(labels[x_nn] == labels[:, None]))

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "umap.npy"
        started = time.perf_counter()
        run = subprocess.run(
            [args.vecscape, "project", str(vectors), "--max-rows", str(len(x)), "--method", "umap",
             "--dims", "2", "--seed", "0", "--out", str(out)],
            capture_output=True, text=True,
        )
        ours_s = time.perf_counter() - started
        if run.returncode != 0:
            sys.exit(run.stderr)
        ours = np.load(out)

    import umap  # umap-learn

    umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0).fit_transform(x[:500])
    started = time.perf_counter()
    theirs = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0).fit_transform(x)
    theirs_s = time.perf_counter() - started

    ours_kept, ours_agree = measures(x_nn, ours, labels)
    theirs_kept, theirs_agree = measures(x_nn, theirs, labels)
    print(json.dumps({
        "rows": len(x), "dims": x.shape[1], "original_label_agreement": round(original_agree, 3),
        "vecscape": {"seconds": round(ours_s, 2), "knn10_kept": round(ours_kept, 3), "label_agreement": round(ours_agree, 3)},
        "umap_learn": {"seconds": round(theirs_s, 2), "knn10_kept": round(theirs_kept, 3), "label_agreement": round(theirs_agree, 3)},
        "time_ratio_umap_learn_over_vecscape": round(theirs_s / ours_s, 2),
    }))


if __name__ == "__main__":
    main()
