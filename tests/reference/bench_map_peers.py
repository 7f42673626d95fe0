"""Data and WizMap's side of the map benchmark (tests/bench/map_bench.mjs).

Writes target/bench/map_coords.npy (first ROWS WordNet glosses, scikit-learn PCA 2-D ×30, as in
compare_wizmap.py) and target/bench/map_texts.jsonl, then times WizMap's own Python functions on
them: generate_topic_dict (quadtree + TF-IDF per level) and generate_contour_dict (KDE on a
200 × 200 grid). Prints JSON. `--skip-wizmap` only writes the data.
"""

import argparse
import json
import pathlib
import time

import numpy as np
from sklearn.decomposition import PCA

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "wordnet"
BENCH = ROOT / "target" / "bench"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--skip-wizmap", action="store_true")
    args = ap.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    x = np.load(SHARED / "vectors.f16.npy")[: args.rows].astype(np.float32)
    texts = []
    with open(SHARED / "meta.jsonl", encoding="utf8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) == args.rows:
                break
    xy = (PCA(n_components=2, svd_solver="full").fit_transform(x) * 30).astype(np.float32)
    np.save(BENCH / "map_coords.npy", xy)
    with open(BENCH / "map_texts.jsonl", "w", encoding="utf8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")
    out = {"rows": args.rows}
    if not args.skip_wizmap:
        import wizmap

        xs = [float(v) for v in xy[:, 0]]
        ys = [float(v) for v in xy[:, 1]]
        t0 = time.perf_counter()
        wizmap.generate_topic_dict(xs, ys, texts)
        out["topic_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        wizmap.generate_contour_dict(xs, ys)
        out["contour_s"] = time.perf_counter() - t0
        out["total_s"] = out["topic_s"] + out["contour_s"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
