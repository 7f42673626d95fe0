"""Writes the fuzz targets' seed corpus (fuzz/corpus/<target>/seed-*): small valid and
near-valid files of each format, each prefixed with the options byte the targets read first
(see vecscape_core::fuzz::Options). Run from the repository root with the project's venv:
    .venv/bin/python fuzz/seeds.py
"""
import base64
import io
import json
import pathlib
import shutil
import struct
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
FIXTURES = ROOT.parent / "tests" / "fixtures" / "columnar"
CUT = b"\n--8<--\n"
# Whole input at once (f32), chunks of 7 bytes with f16, int8 with skipping and maxRows.
FLAGS = [0xF0, 0x41, 0xAE]

rng = np.random.default_rng(7)
vectors = rng.standard_normal((6, 4)).astype(np.float32)
texts = ["a cat", "<b>bold</b>", "", "naïve — ünïcode", "tab\there", "last"]
labels = ["x", "y", "x", "", "z", "y"]


def npy(a):
    out = io.BytesIO()
    np.save(out, a)
    return out.getvalue()


def seeds():
    s = {}
    bad = vectors.copy()
    bad[2, 1] = np.nan
    s["npy"] = [npy(vectors), npy(vectors.astype(np.float16)), npy(vectors.astype(np.float64)),
                npy(np.asfortranarray(vectors)), npy(bad), npy(vectors[:0]), npy(vectors.astype(">f4")),
                npy(np.arange(12, dtype=np.int32).reshape(3, 4))]
    rows = [json.dumps({"vector": v.tolist(), "text": t, "label": l}) for v, t, l in zip(vectors, texts, labels)]
    rows_bad = rows[:2] + ['{"vector": [1, "x", 3, 4], "text": "bad"}', '{"vector": [NaN, 1, 2, 3]}'] + rows[4:]
    s["jsonl"] = ["\n".join(rows).encode(), "\n".join(rows_bad).encode(),
                  b'{"embedding": [1.5, 2e3]}\n{"embedding": [0, -1]}\n']
    wiz = [json.dumps([float(v[0]), float(v[1]), t, "2020-01-0%d" % (i + 1), l]) for i, (v, t, l) in enumerate(zip(vectors, texts, labels))]
    s["wizmap_data"] = ["\n".join(wiz).encode(), b'[0.5, 1.5, "only"]\n[1, 2, "two"]\n']
    grid = {
        "grid": [[0.0, 1.0, 0.5], [0.2, 3.0, 0.1], [0.0, 0.4, 0.0]],
        "xRange": [-1.0, 1.0], "yRange": [-2.0, 2.0], "padded": True,
        "sampleSize": 6, "totalPointSize": 6, "embeddingName": "e",
        "topic": {"extent": [[-1, -2], [1, 2]], "range": [-1, -2, 1, 2],
                  "data": {"2": [[0.1, 0.2, "cat-dog-bird-fish"]], "3": [[-0.5, 1, "a-b"], [0.5, -1, "c"]]}},
        "groupGrids": {"x": [[0, 1], [1, 0]]},
    }
    s["wizmap_grid"] = [json.dumps(grid).encode()]
    header = "text,label," + ",".join("d%d" % i for i in range(4))
    csv_rows = [header] + ['"%s",%s,%s' % (t.replace('"', '""'), l, ",".join("%g" % x for x in v)) for v, t, l in zip(vectors, texts, labels)]
    s["csv"] = ["\n".join(csv_rows).encode(),
                b'id,embedding\n1,"[1, 2, 3]"\n2,"[4, 5, 6]"\n3,"[nan, 1, 2]"\n']
    s["tsv"] = ["\n".join("\t".join("%g" % x for x in v) for v in vectors).encode(),
                ("text\tlabel\n" + "\n".join("%s\t%s" % (t.replace("\t", " "), l) for t, l in zip(texts, labels))).encode()]
    config = {"embeddings": [{"tensorName": "t", "tensorShape": [6, 4], "tensorPath": "tensors.tsv", "metadataPath": "metadata.tsv"}]}
    s["projector"] = [json.dumps(config).encode() + CUT + s["tsv"][0] + CUT + s["tsv"][1]]
    raw_config = {"embeddings": [{"tensorName": "t", "tensorShape": [6, 4], "tensorPath": "tensors.bytes"}]}
    s["raw_f32"] = [json.dumps(raw_config).encode() + CUT + vectors.astype("<f4").tobytes(),
                    b"" + CUT + vectors[:1].astype("<f4").tobytes()]
    s["parquet"] = [(FIXTURES / n).read_bytes() for n in sorted(p.name for p in FIXTURES.glob("*.parquet"))]
    table = pa.table({"embedding": pa.array(vectors.tolist(), pa.list_(pa.float32())), "text": texts, "label": labels})
    out = io.BytesIO()
    pq.write_table(table, out, compression="none")
    s["parquet"].append(out.getvalue())
    s["arrow_ipc"] = [(FIXTURES / n).read_bytes() for n in sorted(p.name for p in FIXTURES.glob("*") if p.suffix in (".feather", ".arrows"))]
    out = io.BytesIO()
    feather.write_feather(table, out, compression="uncompressed")
    s["arrow_ipc"].append(out.getvalue())
    views = [
        {"projection": "umap", "umap": [15, 0.1, 0, 42], "center": [0.5, -1.25], "zoom": 3.5, "color": "label",
         "hidden": ["x"], "filters": [["time", 0, 10]], "time": 2, "query": "cat <b>", "show_matches": True,
         "selection": [[0, 3], [10, 2]]},
        {"data": {"src": "data/vectors.npy"}, "selection": [[4294967295, 4294967295]]},
        {},
    ]
    s["view_link"] = [("v1." + base64.urlsafe_b64encode(zlib.compress(json.dumps(v).encode(), 9)[2:-4]).decode().rstrip("=")).encode() for v in views]
    s["view_link"] += [b"#v1.", b"v2.abc", b"#v1.!!!"]
    return s


def main():
    for target, files in seeds().items():
        folder = CORPUS / target
        if folder.exists():
            for old in folder.glob("seed-*"):
                old.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        n = 0
        for data in files:
            flags = [None] if target in ("wizmap_grid", "view_link") else FLAGS
            for f in flags:
                (folder / ("seed-%02d" % n)).write_bytes(data if f is None else bytes([f]) + data)
                n += 1
        print(target, n)


if __name__ == "__main__":
    main()
