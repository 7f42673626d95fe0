//! The fuzz targets' inputs replayed as ordinary tests: every file of `fuzz/corpus/<target>/`
//! (the seeds and what the fuzzer kept) and of `fuzz/regressions/<target>/` (each input that once
//! made a reader panic, hang or break a promise; see fuzz/README.md) runs through the same
//! function the target runs, so a regression fails `cargo test` without the fuzzer.

use std::path::Path;

#[test]
fn every_corpus_and_regression_input_reads_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut total = 0;
    for (target, run) in vecscape_core::fuzz::TARGETS {
        let mut seen = 0;
        let mut guarded_panics = 0;
        for folder in ["corpus", "regressions"] {
            let dir = root.join(folder).join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for file in files {
                let data = std::fs::read(&file).unwrap();
                let outcome = std::panic::catch_unwind(|| run(&data));
                assert!(outcome.is_ok(), "{target}: {} panicked", file.display());
                let upstream = file
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("upstream-"));
                if upstream {
                    // A decoder panic the fuzzer kept: now the file's error, naming the reader.
                    let options = vecscape_core::fuzz::Options::of(data[0]);
                    let name = if target == "parquet" {
                        "x.parquet"
                    } else {
                        "x.arrow"
                    };
                    let err =
                        vecscape_core::load::file::load_bytes(name, &data[1..], &options.budget)
                            .err()
                            .map(|e| e.to_string())
                            .unwrap_or_default();
                    // Or refused before the decoder by the walk of the page headers
                    // (`parquet_check`: one has a 13-byte integer the decoder reads wrapping,
                    // one a page longer than its chunk, past the page whose decoding panics).
                    // Without debug assertions (release builds: the CLI, the page) some of
                    // these decoders do not panic (an overflow wraps, a UTF-8 check is left
                    // out) and the file gets another of its errors; it still gets one.
                    let guarded = err.contains("reader failed on this file");
                    guarded_panics += usize::from(guarded);
                    let checked =
                        target == "parquet" && err.contains("cannot read as Parquet: row group");
                    assert!(
                        guarded
                            || checked
                            || (!cfg!(debug_assertions) && err.starts_with(&format!("{name}: "))),
                        "{}: {err}",
                        file.display()
                    );
                }
                seen += 1;
            }
        }
        assert!(seen > 0, "{target}: no corpus in fuzz/corpus/{target}");
        if ["parquet", "arrow_ipc"].contains(&target) {
            assert!(
                guarded_panics > 0,
                "{target}: no decoder panic left to guard"
            );
        }
        total += seen;
    }
    println!("{total} inputs replayed");
}

/// The first inputs the fuzzer found, with the errors they now get.
#[test]
fn found_by_fuzzing_are_refused_with_the_place() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let budget = vecscape_core::data::budget::Budget::default();
    let read = |target: &str, name: &str| {
        let data = std::fs::read(root.join(target).join(name)).unwrap();
        // The first byte is the targets' options byte.
        vecscape_core::load::file::load_bytes(&format!("x.{target}"), &data[1..], &budget)
            .unwrap_err()
            .to_string()
    };
    let arrow = read("arrow_ipc", "buffer-past-its-body");
    assert!(
        arrow.starts_with("x.arrow_ipc: cannot read as Arrow IPC: byte ")
            && arrow.contains("lies outside its message's"),
        "{arrow}"
    );
    let offsets = read("arrow_ipc", "offsets-not-whole-values");
    assert!(
        offsets.contains("bytes, not a whole number of 4-byte values"),
        "{offsets}"
    );
    let escaped = read("npy", "header-brackets-hidden-by-escapes");
    assert!(
        escaped.contains("brackets nested more than 4 deep"),
        "{escaped}"
    );
    let grid = std::fs::read(root.join("wizmap_grid/level-past-64")).unwrap();
    let err = vecscape_core::map::wizmap::GridJson::parse(&grid)
        .and_then(|g| g.to_summary(4))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("topic.data: level 82 is deeper than 30"),
        "{err}"
    );
    let npy = read("npy", "header-brackets-nested-deep");
    assert!(npy.contains("brackets nested more than 4 deep"), "{npy}");
    let overflow = read("npy", "shape-overflows-64-bits");
    assert!(
        overflow.starts_with("x.npy: byte 52: invalid .npy header: the shape (5, 4999,")
            && overflow.ends_with(") has more elements than 64 bits can count"),
        "{overflow}"
    );
    let strides = read("npy", "shape-with-zero-overflows-strides");
    assert!(strides.contains("the shape (0, 4999,"), "{strides}");
    let parquet = read("parquet", "negative-chunk-offset");
    assert!(
        parquet.ends_with("cannot read as Parquet: row group 0, column 1: a chunk of 134 bytes at byte -32 lies outside the file's 1204 bytes"),
        "{parquet}"
    );
    // A page header declaring a list of billions of booleans: parquet's reader spent minutes
    // skipping it; now refused from the header's bytes, in well under a second.
    let started = std::time::Instant::now();
    let slow = read("parquet", "thrift-skip-slow");
    assert!(
        slow.starts_with("x.parquet: cannot read as Parquet: row group 0, column 3: byte 539: a Thrift list of 1841298391 elements"),
        "{slow}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // Panics inside arrow-rs's decoders that no check can see in advance: the file's error.
    let dictionary = read("parquet", "dictionary-index-past-dictionary");
    assert!(
        dictionary.contains("the Parquet reader failed on this file (range start index 220 out of range for slice of length 130)"),
        "{dictionary}"
    );
    let union = read("arrow_ipc", "union-type-ids-past-buffer");
    assert!(
        union.contains("the Arrow IPC reader failed on this file (the offset of the new Buffer cannot exceed the existing length"),
        "{union}"
    );
    let wide = read("npy", "no-rows-of-huge-width");
    assert!(
        wide.starts_with("x.npy: 1 × 3693360712769339392 vectors need"),
        "{wide}"
    );
}
