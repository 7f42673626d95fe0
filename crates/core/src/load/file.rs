//! Loading files as streams of chunks, with progress.
//!
//! A [`FileLoader`] is fed a file's bytes in order (a browser `File` read in slices, a `fetch`
//! body, or a whole buffer) and reports [`Progress`] after each chunk. `.npy` and JSON Lines are
//! decoded as the bytes arrive; CSV/TSV, Parquet, Arrow IPC and raw float32 are gathered and
//! decoded at the end (Parquet's index sits at the end of the file). [`super::dataset::Dataset`]
//! then joins the loaded files.
//!
//! Formats, by content first (magic bytes) and then by name:
//! `.npy`; `.jsonl` / `.ndjson` (objects, or WizMap `data.ndjson` rows); `.csv`; `.tsv`
//! (tables, TF Projector `tensors.tsv` / `metadata.tsv`); `.parquet`; `.arrow` / `.feather` /
//! `.arrows` / `.ipc`; raw little-endian float32 `.bin` / `.bytes` / `.f32` (the dimension from a
//! `projector_config.json` or from the name, e.g. `vectors.384d.bin`); `projector_config.json`.

#[cfg(feature = "columnar")]
use super::columnar::ColumnarError;
use super::delimited::DelimitedError;
use super::invalid::{drop_invalid, kept_rows, InvalidRows, InvalidRowsError};
use super::jsonl::{JsonlReader, MetaError};
use super::npy::{NpyError, NpyStream};
use super::raw::{
    base_name, decode_raw_f32, dims_from_name, read_projector_config, ConfigError, ProjectorConfig,
    ProjectorEmbedding, RawError,
};
use crate::data::budget::Budget;
use crate::data::meta::Metadata;
use crate::data::store::Vectors;
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

/// Why a file could not be loaded. Every variant names the file and the place.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoadError {
    #[error(transparent)]
    Npy(#[from] NpyError),
    #[error(transparent)]
    Meta(#[from] MetaError),
    #[error(transparent)]
    Delimited(#[from] DelimitedError),
    #[cfg(feature = "columnar")]
    #[error(transparent)]
    Columnar(#[from] ColumnarError),
    /// A format this build leaves out (the widget's, without Parquet and Arrow).
    #[error("{file}: {format} files are not read by this build of vecscape (the embeddable widget reads .npy, .csv, .tsv, .jsonl and WizMap files); open it in the full app")]
    NotInThisBuild { file: String, format: &'static str },
    #[error(transparent)]
    Raw(#[from] RawError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Budget(#[from] crate::data::budget::BudgetError),
    #[error(transparent)]
    Store(#[from] crate::data::store::StoreError),
    #[error(transparent)]
    InvalidRows(#[from] InvalidRowsError),
    /// Neither the name nor the content says what the file is.
    #[error("{file}: unknown file type; expected .npy, .jsonl/.ndjson, .csv, .tsv, .parquet, .arrow/.feather, raw .bin/.bytes or projector_config.json")]
    UnknownFormat { file: String },
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
    /// The rows left out because their vector was not finite or did not parse (the budget's
    /// `skip_invalid`); `meta` and `coords` have lost them too.
    pub invalid: InvalidRows,
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
            invalid: InvalidRows::default(),
        }
    }

    /// Take the vectors `m` (f32, with the file's invalid rows in place) into the budget's
    /// storage: rows that are not finite are refused, naming the first (`first`, or one found
    /// here) and how many, or, with `skip_invalid`, left out of the vectors, this file's
    /// metadata and its coordinates.
    fn take_vectors(
        &mut self,
        m: Option<Array2<f32>>,
        mut first: Option<String>,
        budget: &Budget,
    ) -> Result<(), LoadError> {
        // Readers that parse the whole file (text formats) keep the first `max_rows` rows here,
        // with this file's metadata and coordinates.
        if let Some(max) = budget.max_rows {
            self.meta = self.meta.take().map(|meta| {
                if meta.len() > max {
                    meta.truncated(max)
                } else {
                    meta
                }
            });
            self.coords = self.coords.take().map(|c| {
                if c.nrows() > max {
                    c.slice(ndarray::s![..max, ..]).to_owned()
                } else {
                    c
                }
            });
        }
        let Some(mut m) = m else {
            return Ok(());
        };
        if let Some(max) = budget.max_rows.filter(|&max| m.nrows() > max) {
            // The reader's note names the file's first invalid row: drop it if that row goes.
            let first_invalid = m
                .rows()
                .into_iter()
                .position(|r| !r.iter().all(|v| v.is_finite()));
            if first_invalid.is_some_and(|r| r >= max) {
                first = None;
            }
            m = m.slice(ndarray::s![..max, ..]).to_owned();
        }
        let (m, invalid) = drop_invalid(&self.file, m, first);
        let original = m.nrows() + invalid.count();
        self.settle(invalid, original, budget)?;
        budget.check(&self.file, m.nrows() as u64, m.ncols() as u64)?;
        self.vectors = Some(Vectors::from_f32(&self.file, m, budget.storage)?);
        Ok(())
    }

    /// Refuse the invalid rows, or drop them from the metadata and coordinates of a file that
    /// had `original` rows.
    fn settle(
        &mut self,
        invalid: InvalidRows,
        original: usize,
        budget: &Budget,
    ) -> Result<(), LoadError> {
        if invalid.is_empty() {
            return Ok(());
        }
        if !budget.skip_invalid {
            return Err(invalid.to_error(&self.file).into());
        }
        let keep = kept_rows(original, &invalid.rows);
        if let Some(meta) = self.meta.take() {
            self.meta = Some(if meta.len() == original {
                meta.select_rows(&keep)
            } else {
                meta
            });
        }
        if let Some(c) = self.coords.take() {
            self.coords = Some(if c.nrows() == original {
                c.select(ndarray::Axis(0), &keep)
            } else {
                c
            });
        }
        self.invalid = invalid;
        Ok(())
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
            State::Npy(s) => {
                let (v, invalid) = s.finish()?;
                let original = v.nrows() + invalid.count();
                out.vectors = Some(v);
                out.settle(invalid, original, &self.budget)?;
            }
            State::Jsonl(r) => {
                let data = r.finish()?;
                out.coords = data.coords;
                out.meta = Some(data.meta);
                out.take_vectors(data.vectors, data.first_invalid, &self.budget)?;
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
            let (v, invalid) = s.finish()?;
            let original = v.nrows() + invalid.count();
            out.vectors = Some(v);
            out.settle(invalid, original, budget)?;
        }
        Format::JsonLines => {
            let data = super::jsonl::read_jsonl_data(file, &bytes)?;
            out.coords = data.coords;
            out.meta = Some(data.meta);
            out.take_vectors(data.vectors, data.first_invalid, budget)?;
        }
        Format::Csv => {
            let table = super::delimited::read_delimited(file, &bytes, b',')?;
            out.meta = Some(table.meta);
            out.take_vectors(table.vectors, table.first_invalid, budget)?;
        }
        Format::Tsv => {
            let table = super::delimited::read_delimited(file, &bytes, b'\t');
            let projector = super::delimited::read_projector_metadata(file, &bytes);
            match (table, projector) {
                (Err(e), Err(_)) => return Err(e.into()),
                (table, projector) => {
                    if let Ok(t) = table {
                        out.meta = Some(t.meta);
                        out.take_vectors(t.vectors, t.first_invalid, budget)?;
                    }
                    out.projector_meta = projector.ok();
                }
            }
        }
        #[cfg(not(feature = "columnar"))]
        Format::Parquet | Format::ArrowIpc => {
            let format = if format == Format::Parquet {
                "Parquet"
            } else {
                "Arrow IPC"
            };
            return Err(LoadError::NotInThisBuild {
                file: file.to_owned(),
                format,
            });
        }
        #[cfg(feature = "columnar")]
        Format::Parquet => {
            let t = super::columnar::read_parquet(file, bytes::Bytes::from(bytes), budget)?;
            out.meta = Some(t.meta);
            out.take_vectors(Some(t.vectors), t.first_invalid, budget)?;
        }
        #[cfg(feature = "columnar")]
        Format::ArrowIpc => {
            let t = super::columnar::read_arrow_ipc(file, &bytes, budget)?;
            out.meta = Some(t.meta);
            out.take_vectors(Some(t.vectors), t.first_invalid, budget)?;
        }
        Format::RawF32 => match dims_from_name(file) {
            Some(dims) => {
                let m = decode_raw_f32(file, &bytes, dims, budget)?;
                out.take_vectors(Some(m), None, budget)?;
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

/// Decode the raw float32 files among `parts` whose names gave no dimension, with the shape the
/// `projector_config.json` among them gives (see [`super::raw::resolve`]), into the budget's
/// storage. After this no part holds undecoded bytes.
pub fn resolve_raw(parts: &mut [Loaded], budget: &Budget) -> Result<(), LoadError> {
    let config: Option<(String, ProjectorEmbedding)> = parts.iter().find_map(|p| {
        let c = p.config.as_ref()?;
        Some((p.file.clone(), c.embeddings.first()?.clone()))
    });
    let only_raw_file = parts.iter().filter(|p| p.raw.is_some()).count() == 1;
    for part in parts.iter_mut() {
        let Some(bytes) = part.raw.take() else {
            continue;
        };
        let vectors =
            super::raw::resolve(&part.file, &bytes, config.as_ref(), only_raw_file, budget)?;
        part.take_vectors(Some(vectors), None, budget)?;
    }
    Ok(())
}
