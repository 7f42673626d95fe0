"""Expected outputs on real data from ../shared/data, computed with numpy, scikit-learn and faiss.

Written to target/reference/shared.json (not committed: CI makes it fresh; scripts/test.sh runs
this before `cargo test`), read by crates/core/tests/shared_reference.rs:
- exact kNN (cosine, dot, L2) for 40 seeded queries on each data set: ids from numpy brute force
  with ties broken by lower id, scores from numpy in float64 of the float32 data, and faiss-cpu
  `IndexFlatIP` / `IndexFlatL2` ids and scores as a second opinion;
- PCA (2 and 10 components) with scikit-learn `PCA(svd_solver="full")` (exact): components
  (after svd_flip, as scikit-learn returns them) and explained variance ratios.

Data sets: fortunes (all 15,218 rows) and the first 30,000 rows of git-commits.
"""

import json
import pathlib

import faiss
import numpy as np
from sklearn.decomposition import PCA

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "target" / "reference" / "shared.json"
K = 10
SETS = {"fortunes": None, "git-commits": 30_000}


def topk(scores: np.ndarray, k: int, higher: bool) -> np.ndarray:
    ids = np.arange(scores.shape[0])
    key = -scores if higher else scores
    order = np.lexsort((ids, key))  # by key, then lower id
    return order[:k]


def main() -> None:
    faiss.omp_set_num_threads(1)
    out = {"k": K, "sets": {}}
    for name, rows in SETS.items():
        path = SHARED / name / "vectors.f16.npy"
        x = np.load(path).astype(np.float32)
        if rows is not None:
            x = x[:rows]
        n = x.shape[0]
        rng = np.random.default_rng(20261123)
        queries = sorted(rng.choice(n, size=40, replace=False).tolist())
        x64 = x.astype(np.float64)
        norms = np.linalg.norm(x64, axis=1)
        unit = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
        ip = faiss.IndexFlatIP(x.shape[1])
        ip.add(x)
        ipn = faiss.IndexFlatIP(x.shape[1])
        ipn.add(unit)
        l2 = faiss.IndexFlatL2(x.shape[1])
        l2.add(x)
        knn = {"cosine": [], "dot": [], "l2": []}
        for q in queries:
            dots = x64 @ x64[q]
            per_metric = {
                "cosine": (dots / (norms * norms[q]), True, ipn, unit),
                "dot": (dots, True, ip, x),
                "l2": (((x64 - x64[q]) ** 2).sum(axis=1), False, l2, x),
            }
            for metric, (scores, higher, index, data) in per_metric.items():
                ids = topk(scores, K, higher)
                fs, fi = index.search(data[q : q + 1], K)
                knn[metric].append(
                    {
                        "query": q,
                        "ids": ids.tolist(),
                        "scores": scores[ids].tolist(),
                        "faiss_ids": fi[0].tolist(),
                        "faiss_scores": fs[0].astype(np.float64).tolist(),
                    }
                )
        pca = {}
        for c in (2, 10):
            p = PCA(n_components=c, svd_solver="full").fit(x)
            pca[str(c)] = {
                "components": p.components_.astype(np.float64).tolist(),
                "explained_variance_ratio": p.explained_variance_ratio_.tolist(),
            }
        out["sets"][name] = {"path": str(path), "rows": n, "knn": knn, "pca": pca}
        print(f"{name}: {n} rows, {len(queries)} queries, PCA evr[:2] = {pca['2']['explained_variance_ratio']}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
