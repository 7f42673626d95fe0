"""umap-learn's layout quality on real vectors, the bar crates/core/tests/umap_quality.rs holds
vecscape's UMAP to (each measure ≥ umap-learn's − 0.01).

    .venv/bin/python tests/reference/make_umap_quality.py

Two data sets: the demo (web/demo, 15,000 WordNet glosses) and 20,000 rows of
../shared/data/wordnet — row i of the 117,659 is taken when (i · 7919) mod 117,659 < 20,000, a
seedless spread over the whole file (7919 is prime, so exactly 20,000 rows qualify).

For each: the exact 14 nearest other rows in the original space (scikit-learn, brute force,
Euclidean; the vectors are unit length, so cosine orders them the same), written as
tests/fixtures/umap/<name>_knn14.npy (uint16, rows × 14, nearest first) so the Rust test need
not redo the all-pairs search: the first 10 score the layouts, all 14 the recall of the
approximate neighbour graph (UMAP's 15 neighbours count the row itself); then umap-learn (n_neighbors=15, min_dist=0.1, random_state=0, its defaults
otherwise: NNDescent, spectral start, 200 epochs) and two measures of its layout:
- kNN@10 preserved: the share of each row's 10 nearest in the original space among its 10
  nearest on the map;
- 10-NN label agreement: the share of each row's 10 nearest on the map that carry its label.
Written to tests/fixtures/umap/quality.json with the time umap-learn took (one thread).
"""

import json
import pathlib
import time

import numpy as np
import umap
from sklearn.neighbors import NearestNeighbors

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "umap"
SHARED = ROOT.parent / "shared" / "data"
WORDNET_ROWS = 20_000
STRIDE = 7919


def wordnet_rows(n: int) -> np.ndarray:
    i = np.arange(n, dtype=np.int64)
    return np.nonzero((i * STRIDE) % n < WORDNET_ROWS)[0]


def load(name: str):
    if name == "demo":
        x = np.load(ROOT / "web" / "demo" / "vectors.f16.npy").astype(np.float32)
        meta = [json.loads(line) for line in open(ROOT / "web" / "demo" / "meta.jsonl")]
    else:
        x = np.load(SHARED / "wordnet" / "vectors.f16.npy")
        meta = [json.loads(line) for line in open(SHARED / "wordnet" / "meta.jsonl")]
        keep = wordnet_rows(len(x))
        assert len(keep) == WORDNET_ROWS
        x = x[keep].astype(np.float32)
        meta = [meta[i] for i in keep]
    names = sorted({m["label"] for m in meta})
    labels = np.array([names.index(m["label"]) for m in meta])
    return x, labels


def knn(x, k):
    return NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(x).kneighbors(
        x, return_distance=False)[:, 1:]


def measures(x_nn, layout, labels, k=10):
    map_nn = knn(layout, k)
    kept = np.mean([len(set(a) & set(b)) / k for a, b in zip(x_nn, map_nn)])
    agree = np.mean(labels[map_nn] == labels[:, None])
    return float(kept), float(agree)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0).fit_transform(
        np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32))  # numba warm-up
    result = {"umap_learn": umap.__version__, "params": {"n_neighbors": 15, "min_dist": 0.1,
                                                          "random_state": 0}}
    for name in ["demo", "wordnet20k"]:
        x, labels = load(name)
        x_nn14 = knn(x, 14)
        assert x_nn14.max() < 65536
        np.save(OUT / f"{name}_knn14.npy", x_nn14.astype("<u2"))
        x_nn = x_nn14[:, :10]
        original = float(np.mean(labels[x_nn] == labels[:, None]))
        started = time.perf_counter()
        layout = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0).fit_transform(x)
        seconds = time.perf_counter() - started
        kept, agree = measures(x_nn, layout, labels)
        result[name] = {"rows": len(x), "knn10_kept": round(kept, 4),
                        "label_agreement": round(agree, 4),
                        "original_label_agreement": round(original, 4),
                        "seconds": round(seconds, 1)}
        print(name, result[name], flush=True)
    (OUT / "quality.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
