"""Write the small Parquet / Arrow fixtures under tests/fixtures/columnar with pyarrow.

The Rust tests (crates/core/tests/formats.rs) read them and compare with `expected.json`,
which holds the same values as plain JSON, written here from the same numpy arrays. The ZSTD
files come from pyarrow and, when it is installed (`pip install polars`), from polars' own
writer (its default compression is ZSTD).

    .venv/bin/python tests/reference/make_columnar_fixtures.py
"""

import json
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "columnar"
OUT.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(7)
n, d = 13, 5
vectors = rng.standard_normal((n, d)).astype(np.float32)
texts = [f"text <b>{i}</b> \u00e9" for i in range(n)]
labels = ["alpha", "beta", "gamma"]
label = [labels[i % 3] for i in range(n)]
score = [float(i) * 0.25 if i % 4 else None for i in range(n)]
times = [1_600_000_000 + 86_400 * i for i in range(n)]


def table(vector_type):
    if vector_type == "fixed32":
        vec = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel(), pa.float32()), d)
    elif vector_type == "list64":
        vec = pa.array([row.astype(np.float64).tolist() for row in vectors], pa.list_(pa.float64()))
    elif vector_type == "fixed16":
        vec = pa.FixedSizeListArray.from_arrays(
            pa.array(vectors.ravel().astype(np.float16), pa.float16()), d
        )
    else:
        raise ValueError(vector_type)
    return pa.table(
        {
            "id": pa.array([f"r{i:03}" for i in range(n)]),
            "text": pa.array(texts),
            "label": pa.array(label).dictionary_encode(),
            "score": pa.array(score, pa.float64()),
            "time": pa.array(times, pa.timestamp("s")),
            "embedding": vec,
        }
    )


pq.write_table(table("fixed32"), OUT / "snappy.parquet", compression="snappy", row_group_size=5)
pq.write_table(table("list64"), OUT / "gzip_list.parquet", compression="gzip")
pq.write_table(table("fixed32"), OUT / "zstd.parquet", compression="zstd")
pq.write_table(table("fixed16"), OUT / "f16.parquet", compression="lz4")
# Many pages a column chunk (pages of at most 64 bytes, a row group of 7 rows), data pages v2,
# page indexes, page checksums and statistics: every page header is walked before reading.
pq.write_table(
    table("fixed32"),
    OUT / "pages_v2.parquet",
    compression="gzip",
    row_group_size=7,
    data_page_size=64,
    data_page_version="2.0",
    write_page_index=True,
    write_page_checksum=True,
    write_statistics=True,
)
feather.write_feather(table("fixed32"), OUT / "lz4.feather", compression="lz4")
feather.write_feather(table("fixed32"), OUT / "zstd.feather", compression="zstd")
try:
    import polars as pl
except ImportError:
    print("polars is not installed: polars_zstd.parquet kept as it is")
else:
    # polars' own writer, with its default compression (ZSTD).
    pl.from_arrow(table("fixed32")).write_parquet(OUT / "polars_zstd.parquet")
with ipc.new_stream(OUT / "plain.arrows", table("list64").schema) as w:
    w.write_table(table("list64"), max_chunksize=4)

# Bad inputs.
ragged = pa.table({"text": pa.array(["a", "b"]), "embedding": pa.array([[1.0, 2.0], [3.0]])})
pq.write_table(ragged, OUT / "ragged.parquet")
nullvec = pa.table({"embedding": pa.array([[1.0, 2.0], None], pa.list_(pa.float32()))})
pq.write_table(nullvec, OUT / "null_vector.parquet")
novec = pa.table({"text": pa.array(["a", "b"]), "n": pa.array([1, 2])})
pq.write_table(novec, OUT / "no_vector.parquet")
empty = pa.table({"embedding": pa.array([], pa.list_(pa.float32()))})
pq.write_table(empty, OUT / "empty.parquet")

# Invalid rows: NaN (row 1), a null vector (row 3), infinity (row 4), a short vector (row 6).
# Loaded with invalid rows skipped, rows 0, 2, 5 and 7 remain, with their texts.
invalid_vectors = [
    [0.5, 1.0, -1.0],
    [0.0, float("nan"), 2.0],
    [1.5, 2.5, 3.5],
    None,
    [float("inf"), 0.0, 0.0],
    [-2.0, 0.25, 8.0],
    [1.0, 2.0],
    [4.0, 4.5, -0.5],
]
invalid = pa.table(
    {
        "text": pa.array([f"row {c}" for c in "abcdefgh"]),
        "embedding": pa.array(invalid_vectors, pa.list_(pa.float32())),
    }
)
pq.write_table(invalid, OUT / "invalid_rows.parquet", compression="snappy")
feather.write_feather(invalid, OUT / "invalid_rows.feather", compression="uncompressed")

expected = {
    "invalid_rows_kept": [0, 2, 5, 7],
    "invalid_rows_vectors": [invalid_vectors[i] for i in (0, 2, 5, 7)],
    "invalid_rows": [1, 3, 4, 6],
    "vectors": vectors.astype(np.float64).tolist(),
    "vectors_f16": vectors.astype(np.float16).astype(np.float64).tolist(),
    "text": texts,
    "label": label,
    "score": score,
    "time": times,
}
(OUT / "expected.json").write_text(json.dumps(expected))
print("wrote", sorted(p.name for p in OUT.iterdir()))
