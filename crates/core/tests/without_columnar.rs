//! The build without the `columnar` feature (the widget's): Parquet and Arrow files get an error
//! that names the file and says which build reads them; the other formats load as before, and
//! a Parquet export says it is not in this build. Run by
//! `cargo test -p vecscape-core --no-default-features --test without_columnar`.
#![cfg(not(feature = "columnar"))]

use std::path::Path;
use vecscape_core::data::budget::Budget;
use vecscape_core::load::file::load_bytes;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn parquet_and_arrow_are_refused_by_name() {
    for (name, format) in [
        ("columnar/f16.parquet", "Parquet"),
        ("columnar/lz4.feather", "Arrow IPC"),
        ("columnar/plain.arrows", "Arrow IPC"),
    ] {
        let file = name.rsplit('/').next().unwrap_or(name);
        let err = match load_bytes(file, &fixture(name), &Budget::default()) {
            Ok(_) => panic!("{name} loaded without the columnar readers"),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            err,
            format!("{file}: {format} files are not read by this build of vecscape (the embeddable widget reads .npy, .csv, .tsv, .jsonl and WizMap files); open it in the full app")
        );
    }
}

#[test]
fn other_formats_still_load() {
    let csv = b"x0,x1,label\n1,2,a\n3,4,b\n";
    let loaded = match load_bytes("v.csv", csv, &Budget::default()) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let vectors = loaded.vectors.as_ref().map(|v| (v.nrows(), v.ncols()));
    assert_eq!(vectors, Some((2, 2)));
}
