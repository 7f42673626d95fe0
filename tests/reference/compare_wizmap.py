"""vecscape's map summaries against WizMap's own Python functions, on the same points and texts.

Data: the first ROWS WordNet glosses from ../shared/data, laid out by scikit-learn PCA (2-D) and
scaled ×30 so the layout spans ~10 units, as a UMAP layout would (WizMap's absolute bandwidth
then covers a few grid cells instead of the whole map).

Runs `wizmap.generate_topic_dict` and `wizmap.generate_contour_dict` (timed), then
`vecscape map --bandwidth wizmap --keywords wizmap` on the same files (timed), and checks:
- the same quadtree extent and the same levels;
- per level, tiles matched by index (WizMap writes centres rounded to 3 decimals, so levels whose
  tiles are narrower than 0.01 are skipped): mean overlap of the top-4 words >= 0.8;
- density grids: Pearson correlation >= 0.99.
Exits non-zero when a check fails. Prints the time ratio (a figure, not a check).

Usage: .venv/bin/python tests/reference/compare_wizmap.py [path/to/vecscape] [rows]
"""

import json
import math
import pathlib
import subprocess
import sys
import time

import numpy as np
from sklearn.decomposition import PCA

import wizmap

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "wordnet"
OUT = ROOT / "target" / "reference" / "wizmap"


def main() -> int:
    cli = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "debug" / "vecscape")
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    OUT.mkdir(parents=True, exist_ok=True)

    x = np.load(SHARED / "vectors.f16.npy")[:rows].astype(np.float32)
    texts = []
    with open(SHARED / "meta.jsonl", encoding="utf8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) == rows:
                break
    xy = (PCA(n_components=2, svd_solver="full").fit_transform(x) * 30).astype(np.float32)
    np.save(OUT / "coords.npy", xy)
    with open(OUT / "texts.jsonl", "w", encoding="utf8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")
    xs = [float(v) for v in xy[:, 0]]
    ys = [float(v) for v in xy[:, 1]]

    t0 = time.perf_counter()
    topics = wizmap.generate_topic_dict(xs, ys, texts)
    contour = wizmap.generate_contour_dict(xs, ys)
    theirs_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    subprocess.run(
        [cli, "map", str(OUT / "coords.npy"), "--text", str(OUT / "texts.jsonl"),
         "--bandwidth", "wizmap", "--keywords", "wizmap", "--out", str(OUT / "ours.json")],
        check=True,
    )
    ours_s = time.perf_counter() - t0
    ours = json.loads((OUT / "ours.json").read_text())

    failures = []
    ext_theirs = [list(map(float, p)) for p in topics["extent"]]
    if ext_theirs != ours["topic"]["extent"]:
        failures.append(f"extent: WizMap {ext_theirs}, ours {ours['topic']['extent']}")
    levels_theirs = sorted(int(k) for k in topics["data"])
    levels_ours = sorted(int(k) for k in ours["topic"]["data"])
    if levels_theirs != levels_ours:
        failures.append(f"levels: WizMap {levels_theirs}, ours {levels_ours}")

    (x0, y0), (x1, _) = ext_theirs
    size = x1 - x0
    for level in levels_theirs:
        step = size / 2 ** level
        if step < 0.01:
            print(f"level {level}: tiles {step:.4f} wide, below WizMap's 3-decimal rounding; skipped")
            continue
        index = lambda cx, cy: (math.floor((cx - x0) / step), math.floor((cy - y0) / step))
        words = lambda name: [w for w in name.split("-") if w][:4]
        theirs = {index(cx, cy): words(n) for cx, cy, n in topics["data"][level]}
        mine = {index(cx, cy): words(n) for cx, cy, n in ours["topic"]["data"][str(level)]}
        if set(theirs) != set(mine):
            failures.append(f"level {level}: tiles differ ({len(theirs)} WizMap, {len(mine)} ours, "
                            f"{len(set(theirs) ^ set(mine))} not shared)")
        overlaps = []
        for key, tw in theirs.items():
            mw = mine.get(key, [])
            denom = max(len(tw), len(mw))
            overlaps.append(1.0 if denom == 0 else len(set(tw) & set(mw)) / denom)
        mean = float(np.mean(overlaps))
        print(f"level {level}: {len(theirs)} tiles, mean top-4 overlap {mean:.3f}")
        if mean < 0.8:
            failures.append(f"level {level}: mean top-4 overlap {mean:.3f} < 0.8")

    g_theirs = np.array(contour["grid"], dtype=np.float64)
    g_ours = np.array(ours["grid"], dtype=np.float64)
    for key in ("xRange", "yRange"):
        if not np.allclose(contour[key], ours[key], rtol=1e-9, atol=1e-9):
            failures.append(f"{key}: WizMap {contour[key]}, ours {ours[key]}")
    if g_theirs.shape != g_ours.shape:
        failures.append(f"grid shape: WizMap {g_theirs.shape}, ours {g_ours.shape}")
    else:
        r = float(np.corrcoef(g_theirs.ravel(), g_ours.ravel())[0, 1])
        print(f"density grids ({g_theirs.shape[0]}²): Pearson r = {r:.5f}")
        if not r >= 0.99:
            failures.append(f"density correlation {r:.5f} < 0.99")

    print(f"{rows} points: WizMap (topics + contours) {theirs_s:.2f} s, vecscape map {ours_s:.2f} s "
          f"(incl. process start and file reads): {theirs_s / ours_s:.1f}x faster")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
