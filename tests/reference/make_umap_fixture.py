"""umap-learn's fuzzy simplicial set, per-point sigma and rho, and curve parameters a, b, on the
first 300 rows of the demo (web/demo/vectors.f16.npy, as float32), for
crates/core/tests/umap_reference.rs.

    .venv/bin/python tests/reference/make_umap_fixture.py

Writes tests/fixtures/umap/fuzzy.json: the exact 15 nearest neighbours of each row by Euclidean
distance (scikit-learn brute force, the row itself first), umap-learn's `fuzzy_simplicial_set`
on them (sigmas, rhos and the symmetrised graph as coordinate lists) and `find_ab_params` for a
few (spread, min_dist).
"""

import json
import pathlib

import numpy as np
import umap
from sklearn.neighbors import NearestNeighbors
from umap.umap_ import find_ab_params, fuzzy_simplicial_set

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "umap" / "fuzzy.json"
ROWS = 300
K = 15


def main() -> None:
    x = np.load(ROOT / "web" / "demo" / "vectors.f16.npy")[:ROWS].astype(np.float32)
    dists, ids = NearestNeighbors(n_neighbors=K, algorithm="brute").fit(x).kneighbors(x)
    assert (ids[:, 0] == np.arange(ROWS)).all(), "a row is not its own nearest neighbour"
    graph, sigmas, rhos = fuzzy_simplicial_set(
        x, K, 0, "euclidean", knn_indices=ids, knn_dists=dists.astype(np.float32)
    )
    graph = graph.tocoo()
    ab = []
    for spread, min_dist in [(1.0, 0.1), (1.0, 0.5), (1.0, 0.0), (2.0, 0.05)]:
        a, b = find_ab_params(spread, min_dist)
        ab.append({"spread": spread, "min_dist": min_dist, "a": float(a), "b": float(b)})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "umap_learn": umap.__version__,
                "rows": ROWS,
                "k": K,
                "ids": ids.tolist(),
                "dists": dists.astype(np.float32).tolist(),
                "sigmas": sigmas.tolist(),
                "rhos": rhos.tolist(),
                "graph": {
                    "rows": graph.row.tolist(),
                    "cols": graph.col.tolist(),
                    "vals": graph.data.tolist(),
                },
                "ab": ab,
            }
        )
    )
    print(f"wrote {OUT}: {graph.nnz} edges")


if __name__ == "__main__":
    main()
