//! Loading files as streams of chunks, with progress.
//!
//! A [`FileLoader`] is fed a file's bytes in order (a browser `File` read in slices, a `fetch`
//! body, or a whole buffer) and reports [`Progress`] after each chunk. `.npy` and JSON Lines are
//! decoded as the bytes arrive; CSV/TSV, Parquet, Arrow IPC and raw float32 are gathered and
//! decoded at the end (Parquet's index sits at the end of the file). [`crate::dataset::Dataset`]
//! then joins the loaded files.
//!
//! Formats, by content first (magic bytes) and then by name:
//! `.npy`; `.jsonl` / `.ndjson` (objects, or WizMap `data.ndjson` rows); `.csv`; `.tsv`
//! (tables, TF Projector `tensors.tsv` / `metadata.tsv`); `.parquet`; `.arrow` / `.feather` /
//! `.arrows` / `.ipc`; raw little-endian float32 `.bin` / `.bytes` / `.f32` (the dimension from a
//! `projector_config.json` or from the name, e.g. `vectors.384d.bin`); `projector_config.json`.

use crate::budget::Budget;
use crate::columnar::ColumnarError;
use crate::delimited::DelimitedError;
use crate::jsonl::{JsonlReader, MetaError};
use crate::meta::Metadata;
use crate::npy::{NpyError, NpyStream};
use crate::store::Vectors;
use ndarray::Array2;

/// What a file holds, decided from its first bytes and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Npy,
    JsonLines,
    Csv,
    Tsv,
    RawF32,
    Parquet,
    ArrowIpc,
    ProjectorConfig,
    Unknown,
}

impl Format {
    /// The format a name suggests.
    pub fn of(name: &str) -> Self {
        let lower = base_name(name).to_ascii_lowercase();
        let ext = lower.rsplit('.').next().unwrap_or("");
        if lower.ends_with("projector_config.json") {
            return Self::ProjectorConfig;
        }
        match ext {
            "npy" => Self::Npy,
            "jsonl" | "ndjson" => Self::JsonLines,
            "csv" => Self::Csv,
            "tsv" | "tab" => Self::Tsv,
            "bin" | "bytes" | "f32" | "fvecs32" => Self::RawF32,
            "parquet" | "pq" => Self::Parquet,
            "arrow" | "arrows" | "feather" | "ipc" => Self::ArrowIpc,
            _ => Self::Unknown,
        }
    }

    /// The format from the first bytes (magic numbers win over the name).
    pub fn sniff(name: &str, first: &[u8]) -> Self {
        if first.starts_with(b"\x93NUMPY") {
            Self::Npy
        } else if first.starts_with(b"PAR1") {
            Self::Parquet
        } else if first.starts_with(b"ARROW1") {
            Self::ArrowIpc
        } else {
            Self::of(name)
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Npy => "NumPy .npy",
            Self::JsonLines => "JSON Lines",
            Self::Csv => "CSV",
            Self::Tsv => "TSV",
            Self::RawF32 => "raw float32",
            Self::Parquet => "Parquet",
            Self::ArrowIpc => "Arrow IPC",
            Self::ProjectorConfig => "Projector config",
            Self::Unknown => "unknown",
        }
    }
}

/// The last path segment of a name or URL, without a query string.
pub fn base_name(name: &str) -> &str {
    let name = name.split(['?', '#']).next().unwrap_or(name);
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// How far loading a file has got.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub file: String,
    /// Bytes received so far.
    pub bytes: u64,
    /// The file's size, when known.
    pub total: Option<u64>,
    /// Rows decoded so far (0 for formats decoded at the end).
    pub rows: usize,
}

impl Progress {
    /// Received fraction in `[0, 1]`, when the size is known.
    pub fn fraction(&self) -> Option<f64> {
        self.total
            .filter(|t| *t > 0)
            .map(|t| (self.bytes as f64 / t as f64).min(1.0))
    }
}

/// Why a raw float32 file could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RawError {
    /// Nothing says how many dimensions a row has.
    #[error("{file}: raw float32 needs its dimension: add the projector_config.json that names it (tensorShape), or put it in the file name, e.g. vectors.384d.bin")]
    UnknownDims { file: String },
    /// The length is not a whole number of rows.
    #[error("{file}: byte {last_row_offset}: {bytes} bytes is not a whole number of {dims}-dimensional float32 rows ({row_bytes} bytes each); the last row is cut short")]
    BadLength {
        file: String,
        bytes: u64,
        dims: usize,
        row_bytes: usize,
        last_row_offset: u64,
    },
    /// The row count differs from the config's tensorShape.
    #[error("{file}: has {found} rows of {dims} values but {config} says tensorShape [{expected}, {dims}]")]
    ShapeMismatch {
        file: String,
        config: String,
        dims: usize,
        expected: usize,
        found: usize,
    },
    /// A value is NaN or infinite.
    #[error("{file}: row {row}, column {column} (byte {offset}): value is {value} (vectors must be finite)")]
    NonFinite {
        file: String,
        row: usize,
        column: usize,
        offset: u64,
        value: f32,
    },
}

/// Why a `projector_config.json` could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}: line {line}, column {column}: not a TF Projector config: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Why a file could not be loaded. Every variant names the file and the place.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoadError {
    #[error(transparent)]
    Npy(#[from] NpyError),
    #[error(transparent)]
    Meta(#[from] MetaError),
    #[error(transparent)]
    Delimited(#[from] DelimitedError),
    #[error(transparent)]
    Columnar(#[from] ColumnarError),
    #[error(transparent)]
    Raw(#[from] RawError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Budget(#[from] crate::budget::BudgetError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Neither the name nor the content says what the file is.
    #[error("{file}: unknown file type; expected .npy, .jsonl/.ndjson, .csv, .tsv, .parquet, .arrow/.feather, raw .bin/.bytes or projector_config.json")]
    UnknownFormat { file: String },
}

/// One embedding described by a TF Embedding Projector config.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectorEmbedding {
    #[serde(default)]
    pub tensor_name: String,
    #[serde(default)]
    pub tensor_shape: Vec<u64>,
    #[serde(default)]
    pub tensor_path: Option<String>,
    #[serde(default)]
    pub metadata_path: Option<String>,
}

/// A TF Embedding Projector `projector_config.json`.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
pub struct ProjectorConfig {
    pub embeddings: Vec<ProjectorEmbedding>,
}

/// Parse a `projector_config.json`.
pub fn read_projector_config(file: &str, bytes: &[u8]) -> Result<ProjectorConfig, ConfigError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        ConfigError {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

/// The dimension written in a raw file's name: `vectors.384d.bin`, `emb_768d.f32`, `x-64d.bytes`.
pub fn dims_from_name(name: &str) -> Option<usize> {
    base_name(name)
        .split(['.', '_', '-'])
        .filter_map(|part| part.strip_suffix('d').or_else(|| part.strip_suffix("dim")))
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .find_map(|digits| digits.parse().ok())
        .filter(|d| *d > 0)
}

/// Decode raw little-endian float32 rows of `dims` values.
pub fn decode_raw_f32(
    file: &str,
    bytes: &[u8],
    dims: usize,
    budget: &Budget,
) -> Result<Array2<f32>, LoadError> {
    let row_bytes = dims * 4;
    if row_bytes == 0 || !bytes.len().is_multiple_of(row_bytes) {
        return Err(RawError::BadLength {
            file: file.to_owned(),
            bytes: bytes.len() as u64,
            dims,
            row_bytes,
            last_row_offset: (bytes.len() - bytes.len() % row_bytes.max(1)) as u64,
        }
        .into());
    }
    let rows = budget.kept_rows((bytes.len() / row_bytes) as u64) as usize;
    budget.check(file, rows as u64, dims as u64)?;
    let mut values = Vec::with_capacity(rows * dims);
    for (i, b) in bytes[..rows * row_bytes].chunks_exact(4).enumerate() {
        let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if !v.is_finite() {
            return Err(RawError::NonFinite {
                file: file.to_owned(),
                row: i / dims,
                column: i % dims,
                offset: i as u64 * 4,
                value: v,
            }
            .into());
        }
        values.push(v);
    }
    Array2::from_shape_vec((rows, dims), values).map_err(|_| {
        LoadError::Raw(RawError::UnknownDims {
            file: file.to_owned(),
        })
    })
}

/// What one file held, before the files are joined into a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub file: String,
    pub format: Format,
    /// The vectors, kept in the budget's storage.
    pub vectors: Option<Vectors>,
    /// The file's own metadata (other columns or fields).
    pub meta: Option<Metadata>,
    /// This file read as a TF Projector `metadata.tsv` (TSV only).
    pub projector_meta: Option<Metadata>,
    /// Precomputed 2-D coordinates (WizMap `data.ndjson`).
    pub coords: Option<Array2<f32>>,
    /// Raw float32 bytes whose dimension is not known yet.
    pub raw: Option<Vec<u8>>,
    pub config: Option<ProjectorConfig>,
}

impl Loaded {
    fn new(file: &str, format: Format) -> Self {
        Self {
            file: file.to_owned(),
            format,
            vectors: None,
            meta: None,
            projector_meta: None,
            coords: None,
            raw: None,
            config: None,
        }
    }
}

enum State {
    Start,
    Npy(NpyStream),
    Jsonl(JsonlReader),
    Buffer(Vec<u8>),
}

/// Loads one file from chunks; see the module docs.
pub struct FileLoader {
    file: String,
    format: Format,
    total: Option<u64>,
    bytes: u64,
    budget: Budget,
    state: State,
}

impl FileLoader {
    /// `total` is the file's size when known (for progress).
    pub fn new(file: &str, total: Option<u64>, budget: Budget) -> Self {
        Self {
            file: file.to_owned(),
            format: Format::of(file),
            total,
            bytes: 0,
            budget,
            state: State::Start,
        }
    }

    /// The format, once the first chunk has arrived (the name's guess before).
    pub fn format(&self) -> Format {
        self.format
    }

    fn progress(&self) -> Progress {
        Progress {
            file: self.file.clone(),
            bytes: self.bytes,
            total: self.total,
            rows: match &self.state {
                State::Npy(s) => s.rows(),
                State::Jsonl(r) => r.rows(),
                _ => 0,
            },
        }
    }

    /// Feed the next chunk; returns the progress so far.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Progress, LoadError> {
        if matches!(self.state, State::Start) {
            if chunk.is_empty() {
                return Ok(self.progress());
            }
            self.format = Format::sniff(&self.file, chunk);
            self.state = match self.format {
                Format::Npy => State::Npy(NpyStream::new(&self.file, self.budget.clone())),
                Format::JsonLines => State::Jsonl(JsonlReader::new(&self.file)),
                Format::Unknown => {
                    return Err(LoadError::UnknownFormat {
                        file: self.file.clone(),
                    })
                }
                _ => State::Buffer(Vec::with_capacity(
                    self.total.map_or(0, |t| t.min(1 << 31) as usize),
                )),
            };
        }
        self.bytes += chunk.len() as u64;
        match &mut self.state {
            State::Npy(s) => s.push(chunk)?,
            State::Jsonl(r) => r.push(chunk)?,
            State::Buffer(b) => b.extend_from_slice(chunk),
            State::Start => {}
        }
        Ok(self.progress())
    }

    /// The file has ended: decode what is left.
    pub fn finish(self) -> Result<Loaded, LoadError> {
        let file = self.file.as_str();
        let mut out = Loaded::new(file, self.format);
        match self.state {
            State::Start => {
                if self.format == Format::Unknown {
                    return Err(LoadError::UnknownFormat { file: self.file });
                }
                // An empty file: let the format's own reader say what is wrong.
                return load_format(file, self.format, Vec::new(), &self.budget);
            }
            State::Npy(s) => out.vectors = Some(s.finish()?),
            State::Jsonl(r) => {
                let data = r.finish()?;
                out.vectors = stored(file, data.vectors, &self.budget)?;
                out.coords = data.coords;
                out.meta = Some(data.meta);
            }
            State::Buffer(bytes) => return load_format(file, self.format, bytes, &self.budget),
        }
        Ok(out)
    }
}

fn load_format(
    file: &str,
    format: Format,
    bytes: Vec<u8>,
    budget: &Budget,
) -> Result<Loaded, LoadError> {
    let mut out = Loaded::new(file, format);
    match format {
        Format::Npy => {
            let mut s = NpyStream::new(file, budget.clone());
            s.push(&bytes)?;
            out.vectors = Some(s.finish()?);
        }
        Format::JsonLines => {
            let data = crate::jsonl::read_jsonl_data(file, &bytes)?;
            out.vectors = stored(file, data.vectors, budget)?;
            out.coords = data.coords;
            out.meta = Some(data.meta);
        }
        Format::Csv => {
            let table = crate::delimited::read_delimited(file, &bytes, b',')?;
            out.vectors = stored(file, table.vectors, budget)?;
            out.meta = Some(table.meta);
        }
        Format::Tsv => {
            let table = crate::delimited::read_delimited(file, &bytes, b'\t');
            let projector = crate::delimited::read_projector_metadata(file, &bytes);
            match (table, projector) {
                (Err(e), Err(_)) => return Err(e.into()),
                (table, projector) => {
                    if let Ok(t) = table {
                        out.vectors = stored(file, t.vectors, budget)?;
                        out.meta = Some(t.meta);
                    }
                    out.projector_meta = projector.ok();
                }
            }
        }
        Format::Parquet => {
            let t = crate::columnar::read_parquet(file, bytes::Bytes::from(bytes), budget)?;
            out.vectors = stored(file, Some(t.vectors), budget)?;
            out.meta = Some(t.meta);
        }
        Format::ArrowIpc => {
            let t = crate::columnar::read_arrow_ipc(file, &bytes, budget)?;
            out.vectors = stored(file, Some(t.vectors), budget)?;
            out.meta = Some(t.meta);
        }
        Format::RawF32 => match dims_from_name(file) {
            Some(dims) => {
                out.vectors = stored(
                    file,
                    Some(decode_raw_f32(file, &bytes, dims, budget)?),
                    budget,
                )?
            }
            None => out.raw = Some(bytes),
        },
        Format::ProjectorConfig => out.config = Some(read_projector_config(file, &bytes)?),
        Format::Unknown => {
            return Err(LoadError::UnknownFormat {
                file: file.to_owned(),
            })
        }
    }
    Ok(out)
}

/// Keep vectors a reader produced as f32 in the budget's storage. (The text and columnar readers
/// build f32 first; only `.npy` streams straight into the storage.)
pub(crate) fn stored(
    file: &str,
    m: Option<Array2<f32>>,
    budget: &Budget,
) -> Result<Option<Vectors>, LoadError> {
    Ok(m.map(|m| Vectors::from_f32(file, m, budget.storage))
        .transpose()?)
}

/// Load a whole buffer.
pub fn load_bytes(file: &str, bytes: &[u8], budget: &Budget) -> Result<Loaded, LoadError> {
    let mut loader = FileLoader::new(file, Some(bytes.len() as u64), budget.clone());
    loader.push(bytes)?;
    loader.finish()
}

/// Load from chunks, calling `on_progress` after each.
pub fn load_chunks<'a>(
    file: &str,
    total: Option<u64>,
    chunks: impl IntoIterator<Item = &'a [u8]>,
    budget: &Budget,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Loaded, LoadError> {
    let mut loader = FileLoader::new(file, total, budget.clone());
    for chunk in chunks {
        let progress = loader.push(chunk)?;
        on_progress(&progress);
    }
    loader.finish()
}
