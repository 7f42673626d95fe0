"""A selection's keywords against the rest, computed with scikit-learn, for
crates/core/tests/selection_keywords.rs.

Texts: every 150th WordNet gloss of ../shared/data/wordnet (those without `<` or `&`, which the
map's tokeniser treats as markup). Two classes, the selected rows and the others; their term counts
come from `CountVectorizer(stop_words="english")`; class-based TF-IDF as the map uses it:
`A = all terms / 2`, `score(t) = count(t, selection) * ln(1 + A / count(t, all))`, l2-normalised over
the selection's terms. Writes tests/fixtures/map/selection_keywords.json: the texts, and per case the
selected rows and the top 12 (term, score).
"""

import json
import pathlib

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
META = ROOT.parent / "shared" / "data" / "wordnet" / "meta.jsonl"
OUT = ROOT / "tests" / "fixtures" / "map" / "selection_keywords.json"
TOP = 12


def main() -> None:
    rows = [json.loads(line) for line in META.open(encoding="utf-8")]
    sample = [r for r in rows[::150] if "<" not in r["text"] and "&" not in r["text"]]
    texts = [r["text"] for r in sample]
    labels = [r["label"] for r in sample]
    cv = CountVectorizer(stop_words="english")
    counts = cv.fit_transform(texts)
    terms = cv.get_feature_names_out()
    cases = []
    for name in ["noun.animal", "verb.motion", "noun.food"]:
        selected = [i for i, l in enumerate(labels) if l == name]
        mask = np.zeros(len(texts), dtype=bool)
        mask[selected] = True
        sel = np.asarray(counts[mask].sum(axis=0)).ravel().astype(float)
        everything = np.asarray(counts.sum(axis=0)).ravel().astype(float)
        average = everything.sum() / 2.0
        score = np.zeros_like(sel)
        nz = everything > 0
        score[nz] = sel[nz] * np.log1p(average / everything[nz])
        score /= np.linalg.norm(score)
        order = sorted(np.flatnonzero(score), key=lambda t: (-score[t], terms[t]))[:TOP]
        cases.append(
            {
                "label": name,
                "selected": selected,
                "top": [[str(terms[t]), float(score[t])] for t in order],
            }
        )
        print(name, len(selected), [terms[t] for t in order[:6]])
    OUT.write_text(json.dumps({"texts": texts, "cases": cases}, ensure_ascii=False) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(texts)} texts")


if __name__ == "__main__":
    main()
