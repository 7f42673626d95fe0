"""Reference PCA values from scikit-learn for crates/core's PCA tests.

Input: 400 rows of the shared WordNet vectors (first 24 dimensions, so the exact solver applies),
plus a little anisotropic noise so the spectrum has distinct gaps.
Writes tests/fixtures/pca_input.npy and tests/fixtures/pca_expected.json.
Usage: .venv/bin/python tests/reference/make_pca_fixture.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.decomposition import PCA

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT.parent / "shared" / "data" / "wordnet" / "vectors.f16.npy"
OUT = ROOT / "tests" / "fixtures"


def main() -> None:
    rng = np.random.default_rng(1234)
    vectors = np.load(SRC, mmap_mode="r")
    rows = np.sort(rng.choice(vectors.shape[0], size=400, replace=False))
    x = np.asarray(vectors[rows, :24], dtype=np.float32)
    x = x * np.linspace(3.0, 0.5, 24, dtype=np.float32)  # spread the spectrum
    x = x.astype(np.float32)
    k = 5
    pca = PCA(n_components=k, svd_solver="full").fit(x.astype(np.float64))
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "pca_input.npy", x)
    expected = {
        "sklearn_version": sklearn.__version__,
        "components": pca.components_.tolist(),
        "explained_variance": pca.explained_variance_.tolist(),
        "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
        "mean": pca.mean_.tolist(),
        "projected_head": pca.transform(x.astype(np.float64))[:10].tolist(),
    }
    (OUT / "pca_expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
