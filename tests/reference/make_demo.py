"""Copy a seeded random subset of ../shared/data/wordnet into web/demo for the built-in demo.

Usage: .venv/bin/python tests/reference/make_demo.py [--rows 15000]
Writes web/demo/vectors.f16.npy (float16, rows × 384) and web/demo/meta.jsonl (same row order).
"""
import argparse
import json
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT.parent / "shared" / "data" / "wordnet"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=15000)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    vectors = np.load(SRC / "vectors.f16.npy")
    lines = (SRC / "meta.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(vectors)
    rng = np.random.default_rng(args.seed)
    rows = np.sort(rng.choice(len(vectors), size=args.rows, replace=False))
    out = ROOT / "web" / "demo"
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "vectors.f16.npy", np.ascontiguousarray(vectors[rows]).astype("<f2"))
    with open(out / "meta.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(json.loads(lines[r]), ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
