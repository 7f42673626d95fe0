"""Reference exact kNN (numpy brute force, float64) on the built-in demo vectors.

Queries are existing rows; the query row itself is left out; ties go to the lower row id.
Scores: cosine similarity, dot product, squared L2 distance.
"short" repeats cosine and dot on the first SHORT_DIMS columns only (rows shorter than 1 KiB,
which the scan scores four at a time).
Writes tests/fixtures/knn_expected.json.  Usage: .venv/bin/python tests/reference/make_knn_fixture.py
"""
import json
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
QUERIES = [0, 17, 4242, 9999, 14999]
K = 10
SHORT_DIMS = [16, 50, 64, 128]


def topk(scores: np.ndarray, higher_is_nearer: bool, exclude: int):
    key = scores if higher_is_nearer else -scores
    key = key.copy()
    key[exclude] = -np.inf
    ids = np.arange(len(key))
    order = np.lexsort((ids, -key))[:K]
    return order.tolist(), scores[order].tolist()


def main() -> None:
    x = np.load(ROOT / "web" / "demo" / "vectors.f16.npy").astype(np.float32).astype(np.float64)
    norms = np.linalg.norm(x, axis=1)
    out = {"k": K, "cosine": [], "dot": [], "l2": []}
    for q in QUERIES:
        dots = x @ x[q]
        cos = dots / (norms * norms[q])
        l2 = ((x - x[q]) ** 2).sum(axis=1)
        for name, scores, higher in (("cosine", cos, True), ("dot", dots, True), ("l2", l2, False)):
            ids, vals = topk(scores, higher, q)
            out[name].append({"query": q, "ids": ids, "scores": vals})
    out["short"] = []
    for dims in SHORT_DIMS:
        xs = x[:, :dims]
        norms = np.linalg.norm(xs, axis=1)
        for q in QUERIES:
            dots = xs @ xs[q]
            cos = dots / (norms * norms[q])
            for name, scores in (("cosine", cos), ("dot", dots)):
                ids, vals = topk(scores, True, q)
                out["short"].append({"dims": dims, "metric": name, "query": q, "ids": ids, "scores": vals})
    (ROOT / "tests" / "fixtures" / "knn_expected.json").write_text(json.dumps(out, indent=1) + "\n")
    print("wrote knn_expected.json")


if __name__ == "__main__":
    main()
