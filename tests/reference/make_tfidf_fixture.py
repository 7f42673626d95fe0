"""TF-IDF per quadtree tile, computed by scikit-learn, for crates/core/tests/map_reference.rs.

24 texts on 4 tiles (the level-1 quadrants of the extent [0, 4)²). As WizMap does, the tile ×
term count matrix is `tile_mat @ CountVectorizer(stop_words="english").fit_transform(texts)`
with one row per text (tiles first, the rest empty), weighted by `TfidfTransformer()` (smoothed
idf, l2 rows). Writes tests/fixtures/map/tfidf.json: points, texts, and every tile's non-zero
scores keyed by term.
"""

import json
import pathlib

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "map" / "tfidf.json"

TEXTS = [
    "The cat sat on the mat with another cat",
    "Dogs chase cats around the garden",
    "A quick brown fox jumps over the lazy dog",
    "Stock markets fell sharply on Monday",
    "Investors sold shares as markets slid",
    "The central bank raised interest rates again",
    "Rain is expected across the north tonight",
    "Sunny spells and scattered showers tomorrow",
    "Storm warnings issued for coastal areas",
    "The striker scored twice in the final",
    "Fans cheered as the team lifted the cup",
    "The coach praised the young goalkeeper",
    "Kittens and puppies need plenty of sleep",
    "Bank shares rose after strong earnings",
    "Heavy snow closed mountain roads",
    "The referee showed two red cards",
    "My cat ignores the new dog entirely",
    "Bond yields climbed to a ten year high",
    "Fog will clear by late morning",
    "A late goal sealed the championship",
    "Parrots can mimic human speech",
    "Oil prices jumped on supply fears",
    "Thunder and lightning over the hills",
    "The team celebrates its third title",
]


def main() -> None:
    n = len(TEXTS)
    rng = np.random.default_rng(5)
    # Row r goes to quadrant r % 4: (ix, iy) = (q % 2, q // 2), anywhere inside it.
    tiles = [(r % 4 % 2, r % 4 // 2) for r in range(n)]
    xy = [(ix * 2 + rng.uniform(0.05, 1.95), iy * 2 + rng.uniform(0.05, 1.95)) for ix, iy in tiles]
    cv = CountVectorizer(stop_words="english")
    counts = cv.fit_transform(TEXTS)
    terms = cv.get_feature_names_out()
    order = sorted(set(tiles), key=lambda t: (t[1], t[0]))
    rows = [order.index(t) for t in tiles]
    tile_mat = csr_matrix(([1] * n, (rows, list(range(n)))), shape=(n, n))
    tfidf = TfidfTransformer().fit_transform(tile_mat @ counts).toarray()
    out = {
        "points": [[float(x), float(y)] for x, y in xy],
        "texts": TEXTS,
        "tiles": [
            {"ix": ix, "iy": iy,
             "scores": {terms[j]: float(tfidf[i, j]) for j in np.nonzero(tfidf[i])[0]}}
            for i, (ix, iy) in enumerate(order)
        ],
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
