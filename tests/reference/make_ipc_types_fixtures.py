"""Write Arrow IPC files (file and stream; uncompressed, LZ4 and ZSTD) whose metadata columns
cover every Arrow type pyarrow writes: tests/fixtures/columnar/types_<compression>.arrow(s).

The reader checks an IPC file's framing and buffer sizes before arrow-rs reads it
(crates/core/src/load/ipc_check.rs, written after fuzzing found panics); these files prove the
check takes the buffers of every type in the order the reader does, so no valid file is refused.
crates/core/tests/formats.rs opens each: 5 rows × 3 dims.

    .venv/bin/python tests/reference/make_ipc_types_fixtures.py
"""

import datetime
import decimal
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "columnar"
n = 5
columns = {
    "embedding": pa.array([[float(i), 1.0, 2.0] for i in range(n)], pa.list_(pa.float32())),
    "text": pa.array(["a", "bb", None, "dddd", "e"]),
    "large_string": pa.array(["a", "bb", "c", "d", "e"], pa.large_string()),
    "string_view": pa.array(["short", "a string longer than twelve bytes", None, "x", "y"], pa.string_view()),
    "binary": pa.array([b"x", b"yy", b"", None, b"z"]),
    "fixed_binary": pa.array([b"abcd"] * n, pa.binary(4)),
    "bool": pa.array([True, False, None, True, True]),
    "int8": pa.array([1, 2, 3, None, 5], pa.int8()),
    "uint64": pa.array([1, 2, 3, 4, 5], pa.uint64()),
    "float16": pa.array(np.arange(n, dtype=np.float16)),
    "timestamp": pa.array([datetime.datetime(2020, 1, i + 1) for i in range(n)], pa.timestamp("ms")),
    "date": pa.array([datetime.date(2020, 1, i + 1) for i in range(n)], pa.date32()),
    "decimal": pa.array([decimal.Decimal("1.5")] * n, pa.decimal128(10, 2)),
    "dictionary": pa.array(["x", "y", "x", "z", None]).dictionary_encode(),
    "struct": pa.array([{"a": i, "b": "s"} for i in range(n)]),
    "fixed_list": pa.array([[1, 2]] * n, pa.list_(pa.int32(), 2)),
    "large_list": pa.array([[1], [2, 3], [], None, [4]], pa.large_list(pa.int64())),
    "list_view": pa.array([[1], [2, 3], [], None, [4]], pa.list_view(pa.int32())),
    "map": pa.array([[("k", 1)]] * n, pa.map_(pa.string(), pa.int32())),
    "null": pa.nulls(n),
    "run_end": pa.RunEndEncodedArray.from_arrays(pa.array([2, 5], pa.int32()), pa.array(["p", "q"])),
    "sparse_union": pa.UnionArray.from_sparse(
        pa.array([0, 1, 0, 1, 0], pa.int8()), [pa.array([1, 2, 3, 4, 5]), pa.array(["a", "b", "c", "d", "e"])]
    ),
    "dense_union": pa.UnionArray.from_dense(
        pa.array([0, 1, 0, 1, 0], pa.int8()), pa.array([0, 0, 1, 1, 2], pa.int32()), [pa.array([1, 2, 3]), pa.array(["a", "b"])]
    ),
}
table = pa.table(columns)
for compression in [None, "lz4", "zstd"]:
    options = ipc.IpcWriteOptions(compression=compression)
    name = f"types_{compression or 'none'}"
    with ipc.new_file(OUT / f"{name}.arrow", table.schema, options=options) as w:
        w.write_table(table)
    with ipc.new_stream(OUT / f"{name}.arrows", table.schema, options=options) as w:
        w.write_table(table)
print("pyarrow", pa.__version__, "wrote types_*.arrow(s) with", len(columns), "columns")
