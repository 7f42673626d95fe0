//! Every columnar and raw format, read through the streaming loader, gives the values pyarrow
//! wrote (fixtures made by `tests/reference/make_columnar_fixtures.py`), and bad files give
//! located, typed errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may fail loudly
use vecscape_core::data::budget::Budget;
use vecscape_core::load::dataset::{Dataset, DatasetError};
use vecscape_core::load::file::{load_chunks, LoadError};
use vecscape_core::load::raw::RawError;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/columnar/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn expected() -> serde_json::Value {
    serde_json::from_slice(&fixture("expected.json")).unwrap()
}

fn matrix(v: &serde_json::Value) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

fn load(name: &str) -> Result<Dataset, DatasetError> {
    let bytes = fixture(name);
    let budget = Budget::default();
    let mut seen = Vec::new();
    let loaded = load_chunks(
        name,
        Some(bytes.len() as u64),
        bytes.chunks(1000),
        &budget,
        |p| seen.push(p.bytes),
    )?;
    assert_eq!(
        seen.last().copied(),
        Some(bytes.len() as u64),
        "progress reaches the end"
    );
    Dataset::assemble(vec![loaded], &budget)
}

#[test]
fn parquet_and_arrow_give_the_same_vectors_and_metadata() {
    let exp = expected();
    let want = matrix(&exp["vectors"]);
    for name in [
        "snappy.parquet",
        "gzip_list.parquet",
        "lz4.feather",
        "plain.arrows",
        "f16.parquet",
        // ZSTD, written by pyarrow (Parquet and Arrow IPC) and by polars (its default).
        "zstd.parquet",
        "zstd.feather",
        "polars_zstd.parquet",
        // Pages of at most 64 bytes, data pages v2, page indexes and checksums.
        "pages_v2.parquet",
    ] {
        let ds = load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = if name == "f16.parquet" {
            matrix(&exp["vectors_f16"])
        } else {
            want.clone()
        };
        let got: Vec<Vec<f32>> = ds
            .vectors
            .to_f32()
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect();
        assert_eq!(got, want, "{name}");
        let texts: Vec<String> = exp["text"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ds.meta.text, texts, "{name}");
        assert_eq!(ds.meta.text_field.as_deref(), Some("text"));
        let label = ds.meta.categorical_field("label").unwrap();
        for (row, want) in exp["label"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                label.names[label.codes[row] as usize],
                want.as_str().unwrap(),
                "{name}"
            );
        }
        let score = ds.meta.numeric_field("score").unwrap();
        for (row, want) in exp["score"].as_array().unwrap().iter().enumerate() {
            match want.as_f64() {
                Some(w) => assert_eq!(score.values[row], w, "{name} row {row}"),
                None => assert!(score.values[row].is_nan(), "{name} row {row}"),
            }
        }
        let time = ds.meta.time.as_ref().unwrap();
        let want_time: Vec<f64> = exp["time"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_f64().unwrap())
            .collect();
        assert_eq!(time.values, want_time, "{name}");
    }
}

#[test]
fn max_rows_keeps_the_first_rows_of_parquet_and_arrow() {
    let want = matrix(&expected()["vectors"]);
    for name in ["snappy.parquet", "plain.arrows"] {
        let bytes = fixture(name);
        let budget = Budget::with_max_rows(Some(6));
        let loaded = load_chunks(name, None, [bytes.as_slice()], &budget, |_| {}).unwrap();
        let ds = Dataset::assemble(vec![loaded], &budget).unwrap();
        assert_eq!(ds.len(), 6, "{name}");
        assert_eq!(ds.vectors.row_f32(5), want[5], "{name}");
        assert_eq!(ds.meta.len(), 6);
    }
}

/// Found by the fuzz targets: text formats read the whole file, and used to keep every row
/// whatever `max_rows` said, past the memory budget too.
#[test]
fn max_rows_and_the_budget_hold_for_text_formats() {
    let files: [(&str, &[u8]); 3] = [
        ("v.csv", b"text,a,b\nr0,1,2\nr1,3,4\nr2,5,6\nr3,7,8\n"),
        (
            "v.jsonl",
            b"{\"vector\":[1,2],\"text\":\"r0\"}\n{\"vector\":[3,4],\"text\":\"r1\"}\n{\"vector\":[5,6],\"text\":\"r2\"}\n{\"vector\":[7,8],\"text\":\"r3\"}\n",
        ),
        ("data.ndjson", b"[1,2,\"r0\"]\n[3,4,\"r1\"]\n[5,6,\"r2\"]\n[7,8,\"r3\"]\n"),
    ];
    for (name, bytes) in files {
        let budget = Budget::with_max_rows(Some(2));
        let loaded = load_chunks(name, None, [bytes], &budget, |_| {}).unwrap();
        let ds = Dataset::assemble(vec![loaded], &budget).unwrap();
        assert_eq!(ds.len(), 2, "{name}");
        assert_eq!(ds.vectors.row_f32(1), vec![3.0, 4.0], "{name}");
        assert_eq!(ds.meta.text, vec!["r0", "r1"], "{name}");
        if let Some(c) = &ds.coords {
            assert_eq!(c.nrows(), 2, "{name}: coordinates kept with the rows");
        }
        // 4 rows × 2 dims × 4 bytes = 32 bytes, over a budget of 20.
        let tight = Budget {
            bytes: 20,
            ..Budget::default()
        };
        let err = vecscape_core::load::file::load_bytes(name, bytes, &tight)
            .map_err(DatasetError::from)
            .and_then(|l| Dataset::assemble(vec![l], &tight))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{name}: 4 × 2 vectors need 32 bytes as f32, more than the memory budget of 20 bytes")),
            "{err}"
        );
    }
    // An invalid row past the kept rows does not refuse the file; one within them is named.
    let csv = b"a,b\n1,2\n3,4\n5,x\n";
    let budget = Budget::with_max_rows(Some(2));
    assert_eq!(
        vecscape_core::load::file::load_bytes("v.csv", csv, &budget)
            .unwrap()
            .vectors
            .unwrap()
            .nrows(),
        2
    );
    let budget = Budget::with_max_rows(Some(3));
    let err = vecscape_core::load::file::load_bytes("v.csv", csv, &budget).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("v.csv: line 4, column 2: expected a number"),
        "{err}"
    );
}

/// Every Arrow type pyarrow writes, in IPC files and streams, uncompressed, LZ4 and ZSTD
/// (`tests/reference/make_ipc_types_fixtures.py`): the framing check before arrow-rs reads takes
/// each type's buffers as the reader does, so none of these is refused.
#[test]
fn arrow_ipc_with_every_column_type_opens() {
    for compression in ["none", "lz4", "zstd"] {
        for ext in ["arrow", "arrows"] {
            let name = format!("types_{compression}.{ext}");
            let bytes = fixture(&name);
            vecscape_core::load::ipc_check::check(&bytes, &Budget::default())
                .unwrap_or_else(|e| panic!("{name}: byte {}: {}", e.offset, e.message));
            let ds = load(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(ds.vectors.dim(), (5, 3), "{name}");
            assert_eq!(ds.vectors.row_f32(4), vec![4.0, 1.0, 2.0], "{name}");
        }
    }
}

#[test]
fn bad_columnar_files_are_located() {
    let err = load("ragged.parquet").unwrap_err();
    assert!(
        matches!(
            &err,
            DatasetError::Load(LoadError::InvalidRows(e)) if e.count == 1
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(
            "ragged.parquet: column 'embedding', row 1: vector has 1 values, expected 2 (as in row 0); 1 row is invalid (rows 1)"
        ),
        "{err}"
    );
    let err = load("null_vector.parquet").unwrap_err();
    assert!(
        err.to_string().starts_with(
            "null_vector.parquet: column 'embedding', row 1: vector is null; 1 row is invalid"
        ),
        "{err}"
    );
    let err = load("no_vector.parquet").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("no_vector.parquet: no vector column"),
        "{err}"
    );
    assert!(err.to_string().contains("n: Int64"), "{err}");
    let err = load("empty.parquet").unwrap_err();
    assert_eq!(err.to_string(), "empty.parquet: has no rows");
    // Truncated: the footer is gone.
    let bytes = fixture("snappy.parquet");
    let cut = &bytes[..bytes.len() / 2];
    let err =
        vecscape_core::load::file::load_bytes("cut.parquet", cut, &Budget::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cut.parquet: cannot read as Parquet"),
        "{err}"
    );
    let bytes = fixture("lz4.feather");
    let err = vecscape_core::load::file::load_bytes(
        "cut.feather",
        &bytes[..bytes.len() - 40],
        &Budget::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cut.feather: cannot read as Arrow IPC"),
        "{err}"
    );
}

#[test]
fn a_budget_too_small_is_refused_from_the_parquet_footer() {
    let bytes = fixture("snappy.parquet");
    let budget = Budget {
        bytes: 100,
        max_rows: None,
        ..Budget::default()
    };
    let err = vecscape_core::load::file::load_bytes("snappy.parquet", &bytes, &budget).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("snappy.parquet: 13 × 5 vectors need 260 bytes as f32"),
        "{err}"
    );
}

fn raw_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn raw_float32_with_a_projector_config_or_a_dimension_in_the_name() {
    let values = [0.5f32, -1.0, 2.0, 0.25, 3.0, 4.0];
    let bin = raw_f32(&values);
    let config = br#"{"embeddings":[{"tensorName":"demo","tensorShape":[3,2],"tensorPath":"https://example.org/x/tensors.bytes","metadataPath":"meta.tsv"}]}"#;
    let meta = b"text\tlabel\na\tx\nb\ty\nc\tx\n";
    let ds = Dataset::from_named_files(&[
        ("projector_config.json", config),
        ("tensors.bytes", &bin),
        ("meta.tsv", meta),
    ])
    .unwrap();
    assert_eq!(ds.vectors.to_f32().as_slice().unwrap(), &values);
    assert_eq!(ds.vectors.dim(), (3, 2));
    assert_eq!(ds.meta.text, vec!["a", "b", "c"]);
    assert_eq!(ds.meta.category_of(1), Some("y"));

    let ds = Dataset::from_named_files(&[("vectors.3d.bin", &bin)]).unwrap();
    assert_eq!(ds.vectors.dim(), (2, 3));

    let err = Dataset::from_named_files(&[("vectors.bin", &bin)]).unwrap_err();
    assert!(matches!(
        err,
        DatasetError::Load(LoadError::Raw(RawError::UnknownDims { .. }))
    ));
    assert!(err.to_string().contains("projector_config.json"), "{err}");

    let err = Dataset::from_named_files(&[("vectors.4d.bin", &bin)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "vectors.4d.bin: byte 16: 24 bytes is not a whole number of 4-dimensional float32 rows (16 bytes each); the last row is cut short"
    );
    let wrong_rows = br#"{"embeddings":[{"tensorShape":[4,2],"tensorPath":"tensors.bytes"}]}"#;
    let err = Dataset::from_named_files(&[
        ("projector_config.json", wrong_rows),
        ("tensors.bytes", &bin),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("tensorShape [4, 2]"), "{err}");
    let nan = raw_f32(&[1.0, f32::NAN]);
    let err = Dataset::from_named_files(&[("v.2d.bin", &nan)]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("v.2d.bin: row 0, column 1: value is NaN (vectors must be finite); 1 row is invalid (rows 0)"),
        "{err}"
    );
    let err = Dataset::from_named_files(&[("projector_config.json", b"{\"embeddings\": 3}")])
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("projector_config.json: line 1, column"),
        "{err}"
    );
}

#[test]
fn wizmap_data_ndjson_alone_is_a_map() {
    let src = b"[0.5, 1.5, \"a\", \"2020-01-01\", \"g\"]\n[2, 3, \"b\", \"2021-01-01\", \"h\"]\n";
    let ds = Dataset::from_named_files(&[("data.ndjson", src)]).unwrap();
    assert_eq!(ds.vectors.dim(), (2, 2));
    assert_eq!(ds.coords.as_ref().unwrap().row(1).to_vec(), vec![2.0, 3.0]);
    assert_eq!(ds.meta.text, vec!["a", "b"]);
}

#[test]
fn jsonl_with_a_vector_field_is_a_whole_dataset() {
    let src = b"{\"text\":\"a\",\"label\":\"x\",\"embedding\":[1,2,3]}\n{\"text\":\"b\",\"label\":\"y\",\"embedding\":[4,5,6]}\n";
    let ds = Dataset::from_named_files(&[("data.jsonl", src)]).unwrap();
    assert_eq!(ds.vectors.row_f32(1), vec![4.0, 5.0, 6.0]);
    assert_eq!(ds.meta.category_of(1), Some("y"));
}

#[test]
fn unknown_and_empty_files() {
    let err = Dataset::from_named_files(&[("notes.txt", b"hello")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "notes.txt: unknown file type; expected .npy, .jsonl/.ndjson, .csv, .tsv, .parquet, .arrow/.feather, raw .bin/.bytes or projector_config.json"
    );
    let err = Dataset::from_named_files(&[("v.npy", b"")]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("v.npy: byte 0: not a .npy file"),
        "{err}"
    );
    let err = Dataset::from_named_files(&[("v.csv", b"")]).unwrap_err();
    assert_eq!(err.to_string(), "v.csv: has no data rows");
    let err = Dataset::from_named_files(&[("v.jsonl", b"\n\n")]).unwrap_err();
    assert!(matches!(err, DatasetError::NoVectors { .. }), "{err:?}");
    // Non-UTF-8 text in CSV.
    let err = Dataset::from_named_files(&[("t.csv", b"text,x\n\xff\xfe,1\n")]).unwrap_err();
    assert!(err.to_string().starts_with("t.csv: line 2"), "{err}");
}

/// With f16 or int8 storage every format keeps the values it reads as f32, stored the same way
/// (the text and columnar readers convert after reading; `.npy` streams straight in).
#[test]
fn every_format_keeps_its_vectors_in_the_chosen_storage() {
    use vecscape_core::data::store::{Storage, Vectors};
    for name in [
        "snappy.parquet",
        "gzip_list.parquet",
        "lz4.feather",
        "plain.arrows",
        "f16.parquet",
    ] {
        let want = load(name).unwrap().vectors;
        let bytes = fixture(name);
        for storage in [Storage::F16, Storage::Int8] {
            let budget = Budget::default().with_storage(storage);
            let loaded = load_chunks(name, None, bytes.chunks(777), &budget, |_| {}).unwrap();
            let ds = Dataset::assemble(vec![loaded], &budget).unwrap();
            assert_eq!(ds.vectors.storage(), storage);
            let expect = Vectors::from_f32(name, want.to_f32().into_owned(), storage).unwrap();
            assert_eq!(ds.vectors, expect, "{name} {storage:?}");
        }
    }
}

/// Every format's invalid rows (NaN, infinity, null or unparseable vectors, wrong lengths) are
/// refused with their count, or left out with `skip_invalid`, the metadata kept aligned.
#[test]
fn invalid_rows_are_refused_with_their_count_or_skipped() {
    let want = expected();
    let kept_vectors = matrix(&want["invalid_rows_vectors"]);
    let dropped: Vec<usize> = want["invalid_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let kept_texts = ["row a", "row c", "row f", "row h"];
    let skip = Budget::default().skipping_invalid(true);
    for name in ["invalid_rows.parquet", "invalid_rows.feather"] {
        let bytes = fixture(name);
        let err = load(name).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "{name}: column 'embedding', row 1, element 1: value is null or NaN"
            )),
            "{err}"
        );
        assert!(
            err.contains("4 rows are invalid (rows 1, 3, 4, 6)"),
            "{err}"
        );
        let loaded = load_chunks(name, None, [bytes.as_slice()], &skip, |_| {}).unwrap();
        let ds = Dataset::assemble(vec![loaded], &skip).unwrap();
        assert_eq!(ds.invalid.rows, dropped, "{name}");
        assert_eq!(ds.len(), 4);
        for (i, row) in kept_vectors.iter().enumerate() {
            assert_eq!(&ds.vectors.row_f32(i), row, "{name} row {i}");
        }
        assert_eq!(ds.meta.text, kept_texts, "{name}");
    }

    // The text and binary formats, hand-written: rows 1 and 3 are invalid in each.
    let rows = [
        [0.5f32, 1.0],
        [f32::NAN, 2.0],
        [1.5, 2.5],
        [f32::INFINITY, 0.0],
        [-2.0, 8.0],
    ];
    let m = ndarray::Array2::from_shape_fn((5, 2), |(r, c)| rows[r][c]);
    let npy = vecscape_core::load::npy::write_npy_f32(&m);
    let raw: Vec<u8> = rows
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let meta = b"{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"c\"}\n{\"text\":\"d\"}\n{\"text\":\"e\"}\n";
    let jsonl = b"{\"text\":\"a\",\"v\":[0.5,1]}\n{\"text\":\"b\",\"v\":[1]}\n{\"text\":\"c\",\"v\":[1.5,2.5]}\n{\"text\":\"d\",\"v\":\"none\"}\n{\"text\":\"e\",\"v\":[-2,8]}\n";
    let csv = b"text,x,y\na,0.5,1\nb,nan,2\nc,1.5,2.5\nd,oops,0\ne,-2,8\n";
    let tsv = b"a\t[0.5,1]\nb\t[1,2,3]\nc\t[1.5,2.5]\nd\t[inf]\ne\t[-2,8]\n";
    let tensors = b"0.5\t1\nNaN\t2\n1.5\t2.5\n1\tx\n-2\t8\n";
    type Files<'a> = Vec<(&'a str, &'a [u8])>;
    let cases: Vec<(&str, Files)> = vec![
        ("v.npy", vec![("v.npy", &npy), ("m.jsonl", meta)]),
        ("v.2d.bin", vec![("v.2d.bin", &raw), ("m.jsonl", meta)]),
        ("v.jsonl", vec![("v.jsonl", jsonl)]),
        ("t.csv", vec![("t.csv", csv)]),
        ("t.tsv", vec![("t.tsv", tsv)]),
        (
            "tensors.tsv",
            vec![
                ("tensors.tsv", tensors),
                ("metadata.tsv", b"a\nb\nc\nd\ne\n"),
            ],
        ),
    ];
    for (name, files) in cases {
        let err = Dataset::from_named_files(&files).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{name}: ")), "{err}");
        assert!(
            err.contains("; 2 rows are invalid (rows 1, 3)"),
            "{name}: {err}"
        );
        let parts = files
            .iter()
            .map(|(n, b)| vecscape_core::load::file::load_bytes(n, b, &skip).unwrap())
            .collect();
        let ds = Dataset::assemble(parts, &skip).unwrap();
        assert_eq!(ds.invalid.rows, vec![1, 3], "{name}");
        assert_eq!(ds.meta.text, ["a", "c", "e"], "{name}");
        assert_eq!(ds.vectors.row_f32(0), [0.5, 1.0], "{name}");
        assert_eq!(ds.vectors.row_f32(1), [1.5, 2.5], "{name}");
        assert_eq!(ds.vectors.row_f32(2), [-2.0, 8.0], "{name}");
        assert!(
            ds.invalid.first.as_deref().unwrap().starts_with(name),
            "{name}"
        );
    }
}
