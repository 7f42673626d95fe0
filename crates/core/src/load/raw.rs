//! Raw little-endian float32 rows (`.bin`, `.bytes`, `.f32`) and TF Embedding Projector's
//! `projector_config.json`, which gives a raw file its shape. The dimension comes from the config
//! (`tensorShape`) or from the file's name (`vectors.384d.bin`); [`resolve`] decides it for a
//! file whose name does not say.

use crate::data::budget::{Budget, BudgetError};
use ndarray::Array2;

/// The last path segment of a name or URL, without a query string.
pub fn base_name(name: &str) -> &str {
    let name = name.split(['?', '#']).next().unwrap_or(name);
    name.rsplit(['/', '\\']).next().unwrap_or(name)
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
    /// The rows do not fit the memory budget.
    #[error(transparent)]
    Budget(#[from] BudgetError),
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
) -> Result<Array2<f32>, RawError> {
    let row_bytes = dims * 4;
    if row_bytes == 0 || !bytes.len().is_multiple_of(row_bytes) {
        return Err(RawError::BadLength {
            file: file.to_owned(),
            bytes: bytes.len() as u64,
            dims,
            row_bytes,
            last_row_offset: (bytes.len() - bytes.len() % row_bytes.max(1)) as u64,
        });
    }
    let rows = budget.kept_rows((bytes.len() / row_bytes) as u64) as usize;
    budget.check(file, rows as u64, dims as u64)?;
    let mut values = Vec::with_capacity(rows * dims);
    // NaN and infinite values stay: the loader refuses their rows or leaves them out.
    values.extend(
        bytes[..rows * row_bytes]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    );
    Array2::from_shape_vec((rows, dims), values).map_err(|_| RawError::UnknownDims {
        file: file.to_owned(),
    })
}

/// Whether two names (paths or URLs) name the same file: their last segments, ignoring case.
pub fn same_file(a: &str, b: &str) -> bool {
    base_name(a).eq_ignore_ascii_case(base_name(b))
}

/// Decode a raw float32 file whose name gives no dimension, with the shape a
/// `projector_config.json` gives (`config`: the config's file name and its first embedding). The
/// config applies when its `tensorPath` names this file, or when this is the only raw file and
/// the config's `tensorShape` has two numbers; the row count must then match (unless the budget
/// keeps fewer rows).
pub fn resolve(
    file: &str,
    bytes: &[u8],
    config: Option<&(String, ProjectorEmbedding)>,
    only_raw_file: bool,
    budget: &Budget,
) -> Result<Array2<f32>, RawError> {
    let unknown = || RawError::UnknownDims {
        file: file.to_owned(),
    };
    let (config_file, embedding) = config
        .filter(|(_, e)| {
            e.tensor_path.as_deref().is_some_and(|t| same_file(t, file))
                || (only_raw_file && e.tensor_shape.len() == 2)
        })
        .ok_or_else(unknown)?;
    let (rows, dims) = match embedding.tensor_shape.as_slice() {
        [r, d] => (*r as usize, *d as usize),
        _ => return Err(unknown()),
    };
    let vectors = decode_raw_f32(file, bytes, dims, budget)?;
    if budget.max_rows.is_none() && vectors.nrows() != rows {
        return Err(RawError::ShapeMismatch {
            file: file.to_owned(),
            config: config_file.clone(),
            dims,
            expected: rows,
            found: vectors.nrows(),
        });
    }
    Ok(vectors)
}
