//! The messages between the page (the main thread: drawing and input) and the compute worker
//! (the vectors, loading, projections, neighbour search, the map's summaries), and how they
//! travel.
//!
//! - [`Request`]: what the page asks; [`Reply`]: what the worker answers, each naming the job it
//!   answers (`job`), with progress and a final reply per job.
//! - [`Parcel`]: what travels beside a message without being serialised into it: positions as
//!   `Float32Array`s whose buffers are *transferred* (moved, not copied), a payload encoded with
//!   `postcard` (metadata, map summaries: compact and fast to decode) and the `File`s the user
//!   picked (structured-cloned by the browser, read in the worker).
//! - The envelope itself crosses as a JS value made by `serde-wasm-bindgen` ([`wire`], wasm only).
//! - Both sides write their `log` warnings to the browser's console the same way (`console`,
//!   wasm only).
//!
//! Both sides are Rust; the enum is the contract, so a message the other side does not know is a
//! compile error, not a silent drop.

use serde::{Deserialize, Serialize};
use vecscape_core::data::store::Storage;
use vecscape_core::search::types::Metric;
/// Which rows a request is about (postcard-encoded in the parcel's `extra`).
pub use vecscape_core::view::select::RowSet;

#[cfg(target_arch = "wasm32")]
pub mod console;
pub mod text;
#[cfg(target_arch = "wasm32")]
pub mod wire;

/// Where a computation ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Device {
    #[default]
    Cpu,
    WebGpu,
}

/// How the worker may compute: what `?backend=` asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ComputeChoice {
    /// WebGPU on a real adapter, else the CPU.
    #[default]
    Auto,
    /// The CPU only (`?backend=cpu`).
    Cpu,
    /// WebGPU even on a CPU-emulated adapter (`?backend=webgpu`).
    WebGpu,
}

/// A 2-D layout of the vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    Pca,
    GaussianRp,
    SparseRp,
    /// The data's own x/y columns.
    Precomputed,
    /// UMAP on the exact neighbour graph ([`UmapSettings`]).
    Umap,
}

/// UMAP's settings the page offers (the rest are umap-learn's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UmapSettings {
    /// Neighbours of each point, itself included.
    pub neighbors: usize,
    pub min_dist: f32,
    /// `None`: as umap-learn (500 up to 10,000 rows, else 200).
    pub epochs: Option<usize>,
    pub seed: u64,
    /// Build the neighbour graph on 50 principal components when the data is wider (faster;
    /// the neighbours are then those of that space, not of the original one). Done anyway when
    /// the full rows would not fit the graph's memory budget.
    pub reduce: bool,
    /// The dimensions the graph was built in (filled in by the worker).
    pub graph_dims: Option<usize>,
    /// How the graph was found (filled in by the worker).
    #[serde(default)]
    pub graph: Option<vecscape_core::layout::umap::GraphMethod>,
}

impl Default for UmapSettings {
    fn default() -> Self {
        Self {
            neighbors: 15,
            min_dist: 0.1,
            epochs: None,
            seed: 0,
            reduce: false,
            graph_dims: None,
            graph: None,
        }
    }
}

/// What a load reads: URLs, or the files travelling in the [`Parcel`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Urls {
        vectors: String,
        meta: Option<String>,
        /// WizMap's `grid.json` (its own topics and density).
        grid: Option<String>,
    },
    Files,
}

/// What the page shows about the loaded vectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    pub rows: usize,
    pub dims: usize,
    pub storage: Storage,
    /// Bytes the vectors take in their storage.
    pub bytes: u64,
    /// The data has its own 2-D coordinates.
    pub has_coords: bool,
    /// Rows left out as invalid (the load asked to skip them), and the first row numbers
    /// ("1, 3, …").
    pub skipped: usize,
    pub skipped_rows: String,
}

/// A layout the worker computed (its positions travel in the [`Parcel`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub method: Method,
    /// PCA's explained-variance ratios (empty for other methods).
    pub explained: Vec<f64>,
    pub device: Device,
    pub ms: f64,
    /// UMAP's settings as run (the epochs filled in).
    pub umap: Option<UmapSettings>,
}

/// A test or benchmark computed on the vectors in the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Probe {
    /// The CPU PCA the page would show (`randomized`: the WebGPU path's twin), x/y interleaved.
    CpuPca { randomized: bool },
    /// The CPU twin of a random projection (seed 0), x/y interleaved.
    CpuRandomProjection { sparse: bool },
    /// The kNN kernels' self-check (simd128 vs portable vs a reference).
    KnnKernelsAgree,
    /// `vecscapeBench.<name>(options)`: JSON in, JSON out.
    Bench { name: String, options: String },
}

/// What a search looks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Find {
    /// Words (prefixes) and "quoted phrases" in the text and the string columns: every match,
    /// best first.
    Text(String),
    /// The rows nearest to a vector with the data's dimension.
    Vector(Vec<f32>),
    /// The rows nearest to a row (itself left out).
    Row(usize),
    /// The rows nearest to the mean of the rows listed in the parcel's payload (a
    /// postcard-encoded `Vec<u32>`).
    MeanOf,
}

/// The rows a search found, best first (the payload of [`Reply::Found`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hits {
    pub rows: Vec<u32>,
    /// Text: idf-weighted match scores; vectors: the metric's scores.
    pub scores: Vec<f32>,
}

/// The text index a search built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextIndexInfo {
    pub ms: f64,
    pub words: usize,
    pub bytes: usize,
}

/// What the page asks the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// The first message: how to compute.
    Start { job: u64, compute: ComputeChoice },
    /// Load and lay out a dataset; a newer `Load` cancels this one.
    Load {
        job: u64,
        source: Source,
        max_rows: Option<usize>,
        storage: Storage,
        /// Leave out rows whose vector is not finite or does not parse (else such a file is
        /// refused, the message counting them).
        skip_invalid: bool,
        /// The most bytes the stored vectors may take (`None`: the page's default, 2 GiB).
        memory_budget: Option<u64>,
    },
    /// Lay the loaded vectors out again; a newer `Project` or `Load` drops this one's result.
    /// UMAP sends its layout as it goes (progress with positions) and ends with `Projected`.
    /// With a [`RowSet`] in the parcel's `extra`, only those rows are laid out, on their own,
    /// and placed into the box of the layout shown (the other rows keep their places).
    Project {
        job: u64,
        method: Method,
        umap: UmapSettings,
    },
    /// The page shows this layout again (positions in the parcel; going back from a selection
    /// laid out on its own).
    SetLayout,
    /// Build the map's summaries for the layout shown; with a [`RowSet`] in the parcel's
    /// `extra`, of those rows only.
    BuildMap { job: u64 },
    /// The `k` exact nearest rows to `row`.
    Neighbors { job: u64, row: usize, k: usize },
    /// Search by words or by meaning; answered with [`Reply::Found`]. `limit` caps vector
    /// searches (text searches return every match). With a [`RowSet`] in the parcel's
    /// `extra`, only those rows are searched (the filters shown).
    Search { job: u64, find: Find, limit: usize },
    /// The `top_k` keywords of the rows in the parcel's [`RowSet`] (`extra`) against the rest;
    /// answered with [`Reply::Keywords`].
    Keywords { job: u64, top_k: usize },
    /// Write the rows in the parcel's [`RowSet`] (`extra`; all rows without one) as `format`,
    /// with the layout shown and, when `vectors`, the vectors; answered with
    /// [`Reply::Exported`].
    Export {
        job: u64,
        format: vecscape_core::data::export::Format,
        vectors: bool,
    },
    /// How faithful the layout shown is: per point, the share of its nearest neighbours in the
    /// original space kept among its nearest on the map. Answered with [`Reply::Faithfulness`].
    Faithfulness { job: u64 },
    /// Stop the load, projection and map build in flight (the Cancel button): each ends with
    /// `Cancelled` at its next step, and what the worker held before stays.
    Cancel,
    /// Rank neighbours by this metric from now on.
    SetMetric { metric: Metric },
    /// Keep the vectors in this storage.
    SetStorage { job: u64, storage: Storage },
    /// Stop computing on the GPU (the page's device was lost); `destroy` destroys the worker's
    /// device as a driver reset would (the test hook).
    DropGpu { destroy: bool },
    /// A check or benchmark: answered with [`Reply::Probe`].
    Probe { job: u64, probe: Probe },
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The worker's code is running and listens: requests sent before this are queued.
    Listening,
    /// The worker has chosen where it computes, and says why (empty when nothing to say).
    Started {
        job: u64,
        compute: Device,
        note: String,
    },
    /// A job's progress: what it does, bytes (or steps) done and the total when known; UMAP's
    /// epochs send the layout so far in the parcel.
    Progress {
        job: u64,
        what: String,
        done: u64,
        total: Option<u64>,
    },
    /// A load finished: the dataset and its layout (positions and, encoded, the
    /// [`vecscape_core::data::meta::Metadata`] in the parcel). `grid` says the parcel's
    /// second payload holds WizMap's summary to show as it is, and from which file.
    Loaded {
        job: u64,
        info: DatasetInfo,
        layout: Layout,
        grid: Option<String>,
        /// Something that went wrong without stopping the load (a `?grid=` that failed).
        warning: Option<String>,
    },
    /// A new layout (positions in the parcel).
    Projected { job: u64, layout: Layout },
    /// The map's summary (encoded in the parcel), with where its density ran.
    Map { job: u64, density: Device, ms: f64 },
    /// Neighbours of `row`, nearest first.
    Neighbors {
        job: u64,
        row: usize,
        ids: Vec<u32>,
        scores: Vec<f32>,
        device: Device,
        ms: f64,
        /// Why the GPU was not used when it was tried.
        gpu_error: Option<String>,
    },
    /// What a search found: [`Hits`] in the parcel's payload. `index` is set when this
    /// search built the text index first.
    Found {
        job: u64,
        total: usize,
        device: Device,
        ms: f64,
        index: Option<TextIndexInfo>,
    },
    /// A selection's keywords, best first, with their scores (l2-normalised).
    Keywords {
        job: u64,
        words: Vec<(String, f32)>,
        ms: f64,
    },
    /// The file an export wrote (its bytes in the parcel's payload).
    Exported {
        job: u64,
        file_name: String,
        mime: String,
        rows: usize,
    },
    /// The layout's faithfulness with `k` neighbours: the mean, and each point's in the
    /// parcel's `xs`.
    Faithfulness {
        job: u64,
        k: usize,
        mean: f64,
        ms: f64,
    },
    /// The vectors are in their new storage.
    Storage { job: u64, info: DatasetInfo },
    /// A probe's answer: `json` text, or numbers in the parcel's `xs`.
    Probe { job: u64, json: String },
    /// A job stopped because a newer one replaced it.
    Cancelled { job: u64 },
    /// A job failed; the message names the file and the place.
    Failed { job: u64, message: String },
}

impl Reply {
    /// The job this reply answers (`None` for [`Reply::Listening`]).
    pub fn job(&self) -> Option<u64> {
        match self {
            Reply::Listening => None,
            Reply::Started { job, .. }
            | Reply::Progress { job, .. }
            | Reply::Loaded { job, .. }
            | Reply::Projected { job, .. }
            | Reply::Map { job, .. }
            | Reply::Neighbors { job, .. }
            | Reply::Found { job, .. }
            | Reply::Keywords { job, .. }
            | Reply::Exported { job, .. }
            | Reply::Faithfulness { job, .. }
            | Reply::Storage { job, .. }
            | Reply::Probe { job, .. }
            | Reply::Cancelled { job }
            | Reply::Failed { job, .. } => Some(*job),
        }
    }

    /// True for the last reply of a job (all but progress).
    pub fn is_final(&self) -> bool {
        !matches!(self, Reply::Progress { .. } | Reply::Listening)
    }
}

/// Why a job did not give its result (on either side).
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// A newer job replaced it: it stops quietly and shows nothing.
    Cancelled,
    /// What went wrong, naming the file and the place.
    Failed(String),
}

impl From<String> for Stop {
    fn from(message: String) -> Self {
        Stop::Failed(message)
    }
}

/// A payload that does not fit the envelope well.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("a message payload could not be encoded: {0}")]
    Encode(postcard::Error),
    #[error("a message payload could not be decoded: {0}")]
    Decode(postcard::Error),
}

/// `value` as compact bytes (postcard).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, PayloadError> {
    postcard::to_allocvec(value).map_err(PayloadError::Encode)
}

/// The value [`encode`] wrote.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, PayloadError> {
    postcard::from_bytes(bytes).map_err(PayloadError::Decode)
}

/// The rows a request is about, from its parcel's `extra` (`None` without one: all rows).
pub fn rows_of(extra: Option<&[u8]>) -> Result<Option<RowSet>, PayloadError> {
    extra.map(decode).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vecscape_core::data::meta::Metadata;

    #[test]
    fn metadata_survives_the_payload_encoding() {
        let mut meta = Metadata {
            text: vec!["a <b>bird</b>".into(), "ünïcode".into(), String::new()],
            text_field: Some("text".into()),
            ..Metadata::default()
        };
        meta.numeric.push(vecscape_core::data::meta::Numeric {
            field: "x".into(),
            values: vec![1.5, f64::NAN, -0.0],
        });
        let bytes = encode(&meta).expect("encodes");
        let back: Metadata = decode(&bytes).expect("decodes");
        assert_eq!(back.text, meta.text);
        assert_eq!(back.text_field, meta.text_field);
        let (a, b) = (&back.numeric[0].values, &meta.numeric[0].values);
        assert_eq!(a[0], b[0]);
        assert!(a[1].is_nan());
        assert_eq!(a[2].to_bits(), b[2].to_bits());
    }

    #[test]
    fn a_truncated_payload_is_an_error_not_a_panic() {
        let bytes = encode(&vec!["one".to_owned(), "two".to_owned()]).expect("encodes");
        let cut = &bytes[..bytes.len() - 2];
        assert!(decode::<Vec<String>>(cut).is_err());
    }

    #[test]
    fn every_reply_but_progress_ends_its_job() {
        let progress = Reply::Progress {
            job: 3,
            what: "Loading".into(),
            done: 1,
            total: None,
        };
        assert_eq!(progress.job(), Some(3));
        assert!(!progress.is_final());
        assert!(Reply::Cancelled { job: 3 }.is_final());
        assert_eq!(Reply::Listening.job(), None);
        assert!(!Reply::Listening.is_final());
    }
}
