//! What the fuzz targets in `fuzz/` run, one function per reader, and what the regression tests
//! replay: each takes arbitrary bytes, reads them the way the page and the CLI do, and checks what
//! a successful read promises. A reader may refuse the bytes (an `Err` is the expected answer to
//! most of them); it may not panic, loop, allocate past the budget or return something
//! inconsistent.
//!
//! The first byte of each input sets the read's options ([`Options::of`]), so one corpus covers
//! the streaming chunk sizes, the three storages, `maxRows` and skipping invalid rows.

use crate::data::budget::Budget;
use crate::data::store::Storage;
use crate::load::dataset::Dataset;
use crate::load::file::{load_chunks, Loaded};
use crate::map::wizmap::GridJson;
use crate::view::link;

/// The memory budget the targets read under: small, so that a header claiming billions of rows
/// must be refused before anything is allocated (the fuzzer's own allocation limit is larger).
pub const BUDGET_BYTES: u64 = 64 << 20;

/// A target: its name (of its `fuzz/fuzz_targets/*.rs` and corpus folder) and what it runs.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: [Target; 11] = [
    ("npy", npy),
    ("jsonl", jsonl),
    ("wizmap_data", wizmap_data),
    ("wizmap_grid", wizmap_grid),
    ("csv", csv),
    ("tsv", tsv),
    ("projector", projector),
    ("parquet", parquet),
    ("arrow_ipc", arrow_ipc),
    ("raw_f32", raw_f32),
    ("view_link", view_link),
];

/// Let panics raised by arrow-rs and parquet during a guarded read unwind to the reader's guard
/// (which turns them into the file's error, as the CLI does) instead of ending the fuzz run, and
/// print each distinct one once (`upstream panic at FILE:LINE: message`), so that one known
/// decoder bug does not stop the search for others. Panics in this crate's code, and anywhere
/// outside a guarded read, still abort (the fuzzer's hook). Called by the Parquet and Arrow IPC
/// targets.
pub fn tolerate_upstream_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            // Inside a Parquet or Arrow read, from code that is not ours (the decoders, or the
            // standard library on their behalf: an overflowing sum reports `core`'s file).
            let upstream = crate::load::columnar::in_guarded_read()
                && !location.is_empty()
                && !location.contains("crates/core/");
            if !upstream {
                return fuzzer_hook(info);
            }
            let message = crate::load::panic_text(info.payload()).unwrap_or_default();
            if let Ok(mut seen) = seen.lock() {
                if seen.insert(location.clone()) {
                    eprintln!("upstream panic at {location}: {message}");
                    NEW_UPSTREAM.with(|n| *n.borrow_mut() = Some(location));
                }
            }
        }));
    });
}

thread_local! {
    /// The place of a decoder panic seen for the first time during the current input.
    static NEW_UPSTREAM: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Keep the input that first reached a decoder panic: written to `$VECSCAPE_FUZZ_UPSTREAM/`
/// (`fuzz/run.sh` sets it to `fuzz/artifacts/upstream/<target>`) under a name made of the place,
/// to become a regression test (`fuzz/regressions/<target>/upstream-*`).
fn keep_if_new_upstream(data: &[u8]) {
    let Some(location) = NEW_UPSTREAM.with(|n| n.borrow_mut().take()) else {
        return;
    };
    let Ok(dir) = std::env::var("VECSCAPE_FUZZ_UPSTREAM") else {
        return;
    };
    let name: String = location
        .rsplit("/src/")
        .next()
        .unwrap_or(&location)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(
        std::path::Path::new(&dir).join(format!("upstream-{name}")),
        data,
    );
}

/// A read's options, from an input's first byte.
#[derive(Debug, Clone)]
pub struct Options {
    pub budget: Budget,
    /// Bytes per streamed chunk (the page reads files in chunks).
    pub chunk: usize,
}

impl Options {
    /// Bits 0–1: storage (f32, f16, int8, f32); bit 2: skip invalid rows; bit 3: keep at most 3
    /// rows; bits 4–7: chunk size 1, 2, 3, 5, 7, 16, … up to the whole input.
    pub fn of(flags: u8) -> Self {
        let storage = match flags & 3 {
            1 => Storage::F16,
            2 => Storage::Int8,
            _ => Storage::F32,
        };
        const CHUNKS: [usize; 16] = [
            1,
            2,
            3,
            5,
            7,
            16,
            31,
            64,
            127,
            256,
            1000,
            4096,
            8191,
            65536,
            1 << 20,
            usize::MAX,
        ];
        let budget = Budget {
            bytes: BUDGET_BYTES,
            max_rows: (flags & 8 != 0).then_some(3),
            storage,
            skip_invalid: flags & 4 != 0,
        };
        Self {
            budget,
            chunk: CHUNKS[usize::from(flags >> 4)],
        }
    }
}

/// The options byte and the rest.
fn split(data: &[u8]) -> (Options, &[u8]) {
    match data.split_first() {
        Some((flags, rest)) => (Options::of(*flags), rest),
        None => (Options::of(0xF0), data),
    }
}

/// Load `bytes` as the file `name`, streamed in the options' chunks.
fn load(name: &str, bytes: &[u8], options: &Options) -> Option<Loaded> {
    let chunk = options.chunk.clamp(1, bytes.len().max(1));
    let loaded = load_chunks(
        name,
        Some(bytes.len() as u64),
        bytes.chunks(chunk),
        &options.budget,
        |_| {},
    )
    .ok()?;
    check_loaded(&loaded, options);
    Some(loaded)
}

/// What one loaded file promises.
fn check_loaded(loaded: &Loaded, options: &Options) {
    if let Some(v) = &loaded.vectors {
        assert!(
            v.bytes() <= options.budget.bytes,
            "{}: over the budget",
            loaded.file
        );
        if let Some(max) = options.budget.max_rows {
            assert!(v.nrows() <= max, "{}: more rows than maxRows", loaded.file);
        }
    }
    if let Some(c) = &loaded.coords {
        assert_eq!(c.ncols(), 2, "{}: coordinates are not 2-D", loaded.file);
    }
}

/// Join the loaded files as the page does, and check what a dataset promises.
fn assemble(parts: Vec<Loaded>, options: &Options) {
    let Ok(d) = Dataset::assemble(parts, &options.budget) else {
        return;
    };
    let rows = d.vectors.nrows();
    assert!(rows > 0, "{}: an empty dataset was accepted", d.name);
    assert_eq!(
        d.meta.len(),
        rows,
        "{}: metadata rows differ from vectors",
        d.name
    );
    if let Some(c) = &d.coords {
        assert_eq!(
            c.nrows(),
            rows,
            "{}: coordinates differ from vectors",
            d.name
        );
    }
    assert!(
        d.vectors.bytes() <= options.budget.bytes,
        "{}: over the budget",
        d.name
    );
    if let Some(m) = d.vectors.as_f32() {
        // Invalid rows are refused, or left out when skipped: what is kept is finite.
        assert!(
            m.iter().all(|v| v.is_finite()),
            "{}: a non-finite value was kept",
            d.name
        );
    }
}

fn one_file(name: &str, data: &[u8]) {
    let (options, bytes) = split(data);
    if let Some(loaded) = load(name, bytes, &options) {
        assemble(vec![loaded], &options);
    }
}

/// `.npy`, streamed into the chosen storage.
pub fn npy(data: &[u8]) {
    one_file("vectors.npy", data);
}

/// JSON Lines with a vector field (and any metadata fields).
pub fn jsonl(data: &[u8]) {
    one_file("vectors.jsonl", data);
}

/// WizMap's `data.ndjson` (`[x, y, text, time?, label?]` rows).
pub fn wizmap_data(data: &[u8]) {
    one_file("data.ndjson", data);
}

/// WizMap's `grid.json`, parsed and turned into the map's summary (contours included).
pub fn wizmap_grid(data: &[u8]) {
    let Ok(grid) = GridJson::parse(data) else {
        return;
    };
    if let Ok(summary) = grid.to_summary(4) {
        assert!(
            !summary.levels.is_empty(),
            "grid.json: a summary without levels"
        );
    }
}

/// CSV with a vector column or numeric columns.
pub fn csv(data: &[u8]) {
    one_file("vectors.csv", data);
}

/// TSV: a table with vectors, or a TF Projector `metadata.tsv`.
pub fn tsv(data: &[u8]) {
    one_file("vectors.tsv", data);
}

/// Parts of a multi-file input, split at `\n--8<--\n`.
fn parts(bytes: &[u8]) -> Vec<&[u8]> {
    const CUT: &[u8] = b"\n--8<--\n";
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(CUT.len()).position(|w| w == CUT) {
        out.push(&rest[..at]);
        rest = &rest[at + CUT.len()..];
    }
    out.push(rest);
    out
}

/// A TF Projector bundle: `projector_config.json`, `tensors.tsv` and `metadata.tsv` (the parts of
/// the input, in that order), joined as the page joins files opened together.
pub fn projector(data: &[u8]) {
    let (options, bytes) = split(data);
    let names = ["projector_config.json", "tensors.tsv", "metadata.tsv"];
    let loaded = names
        .iter()
        .zip(parts(bytes))
        .filter_map(|(name, part)| load(name, part, &options))
        .collect::<Vec<_>>();
    assemble(loaded, &options);
}

/// Parquet with a list or fixed-size-list vector column (any compression the reader takes).
pub fn parquet(data: &[u8]) {
    one_file("vectors.parquet", data);
    keep_if_new_upstream(data);
}

/// Arrow IPC, file or stream.
pub fn arrow_ipc(data: &[u8]) {
    one_file("vectors.arrow", data);
    keep_if_new_upstream(data);
}

/// Raw little-endian float32 whose shape a `projector_config.json` gives (the input's first
/// part), and raw float32 whose name gives the dimension.
pub fn raw_f32(data: &[u8]) {
    let (options, bytes) = split(data);
    let mut split_parts = parts(bytes).into_iter();
    let (config, raw) = match (split_parts.next(), split_parts.next()) {
        (Some(c), Some(r)) => (c, r),
        (Some(r), None) => (&[][..], r),
        _ => return,
    };
    let loaded = [("projector_config.json", config), ("tensors.bytes", raw)]
        .iter()
        .filter_map(|(name, part)| load(name, part, &options))
        .collect::<Vec<_>>();
    assemble(loaded, &options);
    if let Some(named) = load("vectors_8d.f32", raw, &options) {
        assemble(vec![named], &options);
    }
}

/// The view state in a link's hash, and the selection it names against a dataset's rows.
pub fn view_link(data: &[u8]) {
    let Ok(hash) = std::str::from_utf8(data) else {
        return;
    };
    let (view, _notes) = link::decode(hash);
    for rows in [0, 1, 1000] {
        let (selected, _) = link::rows_of(&view.selection, rows);
        assert!(
            selected.iter().all(|&r| (r as usize) < rows),
            "a selected row past the end"
        );
    }
    // What was read is written back and read again the same.
    let again = link::decode(&link::encode(&view)).0;
    assert_eq!(
        link::encode(&again),
        link::encode(&view),
        "the view does not survive a round trip"
    );
}
