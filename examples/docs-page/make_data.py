"""The docs page's second dataset: every 6th fortune of ../../../shared/data/fortunes (2,537 rows),
its vectors as float16 .npy and its texts and labels as JSON Lines. Run from the repository root:
`.venv/bin/python examples/docs-page/make_data.py`."""
import json
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "data" / "fortunes"
OUT = pathlib.Path(__file__).resolve().parent / "data"

vectors = np.load(SOURCE / "vectors.f16.npy")
rows = [json.loads(line) for line in (SOURCE / "meta.jsonl").read_text().splitlines() if line.strip()]
keep = np.arange(0, len(rows), 6)
OUT.mkdir(exist_ok=True)
np.save(OUT / "fortunes.f16.npy", np.ascontiguousarray(vectors[keep]).astype("<f2"))
with open(OUT / "fortunes.jsonl", "w") as f:
    for i in keep:
        f.write(json.dumps({"text": rows[i]["text"], "label": rows[i]["label"]}, ensure_ascii=False) + "\n")
print(f"{len(keep)} rows written to {OUT}")
