//! Parquet and Arrow IPC (file or stream) tables, read with the arrow-rs crates (pure Rust, so
//! they build for wasm32).
//!
//! The vector column is a `FixedSizeList` or `List`/`LargeList` of `Float16`/`Float32`/`Float64`
//! (names in [`crate::load::jsonl::VECTOR_FIELDS`] win when there are several); every other column
//! becomes metadata: strings (also dictionary-encoded) and booleans as text, numbers as numbers,
//! timestamps and dates as times.
//!
//! Parquet compressions built in: Snappy, LZ4, gzip, Brotli and ZSTD (the zstd C library,
//! compiled for wasm32 by clang as well); Arrow IPC: LZ4 and ZSTD.

use crate::data::budget::Budget;
use crate::data::meta::{Column, Metadata};
use crate::load::jsonl::VECTOR_FIELDS;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use ndarray::Array2;

/// Why a Parquet or Arrow file could not be read. Every variant names the file and the place.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ColumnarError {
    /// The reader failed (not the format, corrupt, unsupported compression, …).
    #[error("{file}: cannot read as {format}: {message}")]
    Read {
        file: String,
        format: &'static str,
        message: String,
    },
    /// No column holds vectors.
    #[error("{file}: no vector column: expected a list of float16/32/64 (columns: {columns})")]
    NoVectorColumn { file: String, columns: String },
    /// A row's vector is null.
    #[error("{file}: column '{column}', row {row}: vector is null")]
    NullVector {
        file: String,
        column: String,
        row: usize,
    },
    /// A row's vector has a different length.
    #[error("{file}: column '{column}', row {row}: vector has {found} values, expected {expected} (as in row 0)")]
    DimensionMismatch {
        file: String,
        column: String,
        row: usize,
        expected: usize,
        found: usize,
    },
    /// A vector element is null, NaN or infinite.
    #[error("{file}: column '{column}', row {row}, element {element}: value is {value} (vectors must be finite)")]
    NonFinite {
        file: String,
        column: String,
        row: usize,
        element: usize,
        value: String,
    },
    /// The vectors would need more memory than the budget allows.
    #[error(transparent)]
    Budget(#[from] crate::data::budget::BudgetError),
    /// The file has no rows.
    #[error("{file}: has no rows")]
    Empty { file: String },
}

/// Vectors and metadata from a columnar file.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnarTable {
    pub vectors: Array2<f32>,
    pub meta: Metadata,
    /// The name of the vector column.
    pub vector_column: String,
    /// What is wrong with the first row whose vector is null, of the wrong length, or not finite
    /// (such rows hold NaN; see [`super::invalid`]).
    pub first_invalid: Option<String>,
}

fn read_err(file: &str, format: &'static str, e: impl std::fmt::Display) -> ColumnarError {
    ColumnarError::Read {
        file: file.to_owned(),
        format,
        message: e.to_string(),
    }
}

fn float_list_item(dt: &DataType) -> bool {
    let item = match dt {
        DataType::FixedSizeList(f, _) | DataType::List(f) | DataType::LargeList(f) => f.data_type(),
        _ => return false,
    };
    matches!(
        item,
        DataType::Float16 | DataType::Float32 | DataType::Float64
    )
}

/// Choose the vector column among the schema's fields.
fn vector_column(schema: &arrow_schema::Schema) -> Option<usize> {
    schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| float_list_item(f.data_type()))
        .min_by_key(|(i, f)| {
            let rank = VECTOR_FIELDS
                .iter()
                .position(|n| f.name().eq_ignore_ascii_case(n))
                .unwrap_or(VECTOR_FIELDS.len());
            (rank, *i)
        })
        .map(|(i, _)| i)
}

/// Floats of a Float16/32/64 array (nulls as NaN).
fn floats(values: &dyn Array) -> Vec<f32> {
    let out: Option<Vec<f32>> = if let Some(a) = values.as_primitive_opt::<Float32Type>() {
        Some(a.iter().map(|v| v.unwrap_or(f32::NAN)).collect())
    } else if let Some(a) = values.as_primitive_opt::<Float16Type>() {
        Some(a.iter().map(|v| v.map_or(f32::NAN, f32::from)).collect())
    } else {
        values
            .as_primitive_opt::<Float64Type>()
            .map(|a| a.iter().map(|v| v.map_or(f32::NAN, |x| x as f32)).collect())
    };
    out.unwrap_or_default()
}

struct VectorSink<'a> {
    file: &'a str,
    column: &'a str,
    dims: Option<usize>,
    rows: usize,
    values: Vec<f32>,
    first_invalid: Option<String>,
}

impl VectorSink<'_> {
    /// Take one row's vector. A null, short or long vector becomes a row of NaN (and a NaN
    /// or infinite value stays), with the first such row's place noted: the loader refuses them
    /// or leaves them out ([`super::invalid`]). The first row decides the length.
    fn push_row(&mut self, row_values: &[f32], null: bool) -> Result<(), ColumnarError> {
        let row = self.rows;
        let problem = if null {
            Some(ColumnarError::NullVector {
                file: self.file.to_owned(),
                column: self.column.to_owned(),
                row,
            })
        } else {
            let dims = *self.dims.get_or_insert(row_values.len());
            if row_values.len() != dims {
                Some(ColumnarError::DimensionMismatch {
                    file: self.file.to_owned(),
                    column: self.column.to_owned(),
                    row,
                    expected: dims,
                    found: row_values.len(),
                })
            } else {
                row_values
                    .iter()
                    .enumerate()
                    .find(|(_, v)| !v.is_finite())
                    .map(|(element, v)| ColumnarError::NonFinite {
                        file: self.file.to_owned(),
                        column: self.column.to_owned(),
                        row,
                        element,
                        value: if v.is_nan() {
                            "null or NaN".to_owned()
                        } else {
                            v.to_string()
                        },
                    })
            }
        };
        match (problem, self.dims) {
            (None, _) => self.values.extend_from_slice(row_values),
            (Some(e), None) => return Err(e),
            (Some(e), Some(dims)) => {
                if self.first_invalid.is_none() {
                    self.first_invalid = Some(e.to_string());
                }
                if matches!(e, ColumnarError::NonFinite { .. }) {
                    self.values.extend_from_slice(row_values);
                } else {
                    self.values.extend(std::iter::repeat_n(f32::NAN, dims));
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn push_array(&mut self, array: &dyn Array) -> Result<(), ColumnarError> {
        if let Some(list) = array.as_fixed_size_list_opt() {
            let width = list.value_length().max(0) as usize;
            let all = floats(list.values().as_ref());
            let start = list.offset() * width;
            for i in 0..list.len() {
                let from = start + i * width;
                let row = all.get(from..from + width).unwrap_or(&[]);
                self.push_row(row, list.is_null(i))?;
            }
        } else if let Some(list) = array.as_list_opt::<i32>() {
            let all = floats(list.values().as_ref());
            for (i, w) in list.value_offsets().windows(2).enumerate() {
                let (a, b) = (w[0].max(0) as usize, w[1].max(0) as usize);
                self.push_row(all.get(a..b).unwrap_or(&[]), list.is_null(i))?;
            }
        } else if let Some(list) = array.as_list_opt::<i64>() {
            let all = floats(list.values().as_ref());
            for (i, w) in list.value_offsets().windows(2).enumerate() {
                let (a, b) = (w[0].max(0) as usize, w[1].max(0) as usize);
                self.push_row(all.get(a..b).unwrap_or(&[]), list.is_null(i))?;
            }
        }
        Ok(())
    }
}

/// Numbers of any integer or float array (nulls as `None`).
fn numbers(array: &dyn Array) -> Option<Vec<Option<f64>>> {
    macro_rules! try_type {
        ($($t:ty),*) => {$(
            if let Some(a) = array.as_primitive_opt::<$t>() {
                return Some(a.iter().map(|v| v.map(|x| x as f64)).collect());
            }
        )*};
    }
    try_type!(
        Int8Type,
        Int16Type,
        Int32Type,
        Int64Type,
        UInt8Type,
        UInt16Type,
        UInt32Type,
        UInt64Type,
        Float32Type,
        Float64Type
    );
    if let Some(a) = array.as_primitive_opt::<Float16Type>() {
        return Some(a.iter().map(|v| v.map(f64::from)).collect());
    }
    None
}

/// Instants in Unix seconds of a timestamp or date array.
fn times(array: &dyn Array) -> Option<Vec<Option<f64>>> {
    macro_rules! scaled {
        ($t:ty, $scale:expr) => {
            if let Some(a) = array.as_primitive_opt::<$t>() {
                return Some(a.iter().map(|v| v.map(|x| x as f64 * $scale)).collect());
            }
        };
    }
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => scaled!(TimestampSecondType, 1.0),
        DataType::Timestamp(TimeUnit::Millisecond, _) => scaled!(TimestampMillisecondType, 1e-3),
        DataType::Timestamp(TimeUnit::Microsecond, _) => scaled!(TimestampMicrosecondType, 1e-6),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => scaled!(TimestampNanosecondType, 1e-9),
        DataType::Date32 => scaled!(Date32Type, 86_400.0),
        DataType::Date64 => scaled!(Date64Type, 1e-3),
        _ => {}
    }
    None
}

/// Strings of a string, boolean or dictionary array.
fn strings(array: &dyn Array) -> Option<Vec<Option<String>>> {
    if let Some(a) = array.as_string_opt::<i32>() {
        return Some(a.iter().map(|v| v.map(str::to_owned)).collect());
    }
    if let Some(a) = array.as_string_opt::<i64>() {
        return Some(a.iter().map(|v| v.map(str::to_owned)).collect());
    }
    if let Some(a) = array.as_string_view_opt() {
        return Some(a.iter().map(|v| v.map(str::to_owned)).collect());
    }
    if let Some(a) = array.as_boolean_opt() {
        return Some(a.iter().map(|v| v.map(|b| b.to_string())).collect());
    }
    if let Some(d) = array.as_any_dictionary_opt() {
        let values = column_of(d.values().as_ref())?;
        let names: Vec<Option<String>> = match values {
            Column::Text(v) => v,
            Column::Number(v) | Column::Time(v) => v
                .into_iter()
                .map(|x| x.map(crate::data::meta::format_number))
                .collect(),
        };
        let keys = numbers(d.keys())?;
        return Some(
            keys.into_iter()
                .map(|k| k.and_then(|k| names.get(k as usize).cloned().flatten()))
                .collect(),
        );
    }
    None
}

fn column_of(array: &dyn Array) -> Option<Column> {
    if let Some(t) = times(array) {
        return Some(Column::Time(t));
    }
    if let Some(n) = numbers(array) {
        return Some(Column::Number(n));
    }
    strings(array).map(Column::Text)
}

fn append(into: &mut Option<Column>, more: Column) {
    match (into, more) {
        (Some(Column::Text(a)), Column::Text(b)) => a.extend(b),
        (Some(Column::Number(a)), Column::Number(b)) => a.extend(b),
        (Some(Column::Time(a)), Column::Time(b)) => a.extend(b),
        (slot @ None, more) => *slot = Some(more),
        _ => {}
    }
}

/// Turn record batches into vectors + metadata.
fn from_batches(
    file: &str,
    schema: &arrow_schema::Schema,
    batches: impl Iterator<Item = Result<RecordBatch, String>>,
    format: &'static str,
) -> Result<ColumnarTable, ColumnarError> {
    let Some(vcol) = vector_column(schema) else {
        return Err(ColumnarError::NoVectorColumn {
            file: file.to_owned(),
            columns: schema
                .fields()
                .iter()
                .map(|f| format!("{}: {}", f.name(), f.data_type()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let vname = schema.field(vcol).name().clone();
    let mut sink = VectorSink {
        file,
        column: &vname,
        dims: None,
        rows: 0,
        values: Vec::new(),
        first_invalid: None,
    };
    let mut meta: Vec<(String, Option<Column>)> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != vcol)
        .map(|(_, f)| (f.name().clone(), None))
        .collect();
    for batch in batches {
        let batch = batch.map_err(|e| read_err(file, format, e))?;
        let columns: Vec<&ArrayRef> = batch.columns().iter().collect();
        if let Some(vectors) = columns.get(vcol) {
            sink.push_array(vectors.as_ref())?;
        }
        let others = columns.iter().enumerate().filter(|(i, _)| *i != vcol);
        for ((_, array), (_, slot)) in others.zip(meta.iter_mut()) {
            let col =
                column_of(array.as_ref()).unwrap_or_else(|| Column::Text(vec![None; array.len()]));
            append(slot, col);
        }
    }
    let rows = sink.rows;
    if rows == 0 {
        return Err(ColumnarError::Empty {
            file: file.to_owned(),
        });
    }
    let dims = sink.dims.unwrap_or(0);
    let first_invalid = sink.first_invalid.take();
    let vectors =
        Array2::from_shape_vec((rows, dims), sink.values).map_err(|e| read_err(file, format, e))?;
    let columns = meta
        .into_iter()
        .filter_map(|(name, col)| col.map(|c| (name, c)))
        .collect();
    Ok(ColumnarTable {
        vectors,
        meta: Metadata::from_columns(rows, columns),
        vector_column: vname,
        first_invalid,
    })
}

/// The list length of a `FixedSizeList` vector column, known from the schema alone.
fn fixed_dims(schema: &arrow_schema::Schema, col: usize) -> Option<usize> {
    match schema.field(col).data_type() {
        DataType::FixedSizeList(_, n) => usize::try_from(*n).ok(),
        _ => None,
    }
}

/// Read a Parquet file. The budget is checked from the footer (row count × list length) before
/// any row is decoded; `max_rows` keeps only the first rows.
pub fn read_parquet(
    file: &str,
    bytes: bytes::Bytes,
    budget: &Budget,
) -> Result<ColumnarTable, ColumnarError> {
    guarded(file, "Parquet", || parquet_table(file, bytes, budget))
}

thread_local! {
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a Parquet or Arrow IPC read is under way on this thread (its panics become the file's
/// error; see [`crate::fuzz::tolerate_upstream_panics`]).
pub fn in_guarded_read() -> bool {
    GUARDED.with(|g| g.get())
}

/// arrow-rs's decoders still panic on some damaged files that no check here can see in advance
/// (a dictionary index past the dictionary, found by fuzzing). Natively such a panic becomes the
/// file's error; in the page (wasm32 stops at a panic) the worker reports it and is started
/// again (see the app's `worker` module).
fn guarded(
    file: &str,
    format: &'static str,
    read: impl FnOnce() -> Result<ColumnarTable, ColumnarError>,
) -> Result<ColumnarTable, ColumnarError> {
    GUARDED.with(|g| g.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    GUARDED.with(|g| g.set(false));
    outcome.unwrap_or_else(|payload| {
        let why = super::panic_text(payload.as_ref()).unwrap_or_else(|| "no message".to_owned());
        Err(read_err(
            file,
            format,
            format!("the {format} reader failed on this file ({why})"),
        ))
    })
}

fn parquet_table(
    file: &str,
    bytes: bytes::Bytes,
    budget: &Budget,
) -> Result<ColumnarTable, ColumnarError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    const FORMAT: &str = "Parquet";
    super::parquet_check::check_footer(&bytes).map_err(|e| read_err(file, FORMAT, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes.clone())
        .map_err(|e| read_err(file, FORMAT, e))?;
    check_chunks(file, builder.metadata(), &bytes)?;
    let schema = builder.schema().clone();
    let total_rows = usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let rows = budget.max_rows.map_or(total_rows, |m| m.min(total_rows));
    if let Some(col) = vector_column(&schema) {
        if let Some(dims) = fixed_dims(&schema, col) {
            budget.check(file, rows as u64, dims as u64)?;
        }
    }
    let mut builder = builder.with_batch_size(8192);
    if let Some(m) = budget.max_rows {
        builder = builder.with_limit(m);
    }
    let reader = builder.build().map_err(|e| read_err(file, FORMAT, e))?;
    let table = from_batches(
        file,
        &schema,
        reader.map(|b| b.map_err(|e| e.to_string())),
        FORMAT,
    )?;
    budget.check(
        file,
        table.vectors.nrows() as u64,
        table.vectors.ncols() as u64,
    )?;
    Ok(table)
}

/// Every column chunk the footer lists lies within the file (the reader asserts that offsets
/// and sizes are not negative, and trusts the rest: found by fuzzing), and its page headers are
/// sound Thrift ([`super::parquet_check::check_pages`]).
fn check_chunks(
    file: &str,
    meta: &parquet::file::metadata::ParquetMetaData,
    bytes: &[u8],
) -> Result<(), ColumnarError> {
    let len = bytes.len() as u64;
    for (r, group) in meta.row_groups().iter().enumerate() {
        for (c, chunk) in group.columns().iter().enumerate() {
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or_else(|| chunk.data_page_offset());
            let size = chunk.compressed_size();
            let inside = start >= 0
                && size >= 0
                && (start as u64)
                    .checked_add(size as u64)
                    .is_some_and(|end| end <= len);
            if !inside {
                return Err(read_err(
                    file,
                    "Parquet",
                    format!(
                        "row group {r}, column {c}: a chunk of {size} bytes at byte {start} lies outside the file's {len} bytes"
                    ),
                ));
            }
            super::parquet_check::check_pages(bytes, start as usize, size as usize).map_err(
                |e| read_err(file, "Parquet", format!("row group {r}, column {c}: {e}")),
            )?;
        }
    }
    Ok(())
}

/// Read an Arrow IPC file (`ARROW1` magic, also Feather v2) or an Arrow IPC stream.
pub fn read_arrow_ipc(
    file: &str,
    bytes: &[u8],
    budget: &Budget,
) -> Result<ColumnarTable, ColumnarError> {
    guarded(file, "Arrow IPC", || arrow_ipc_table(file, bytes, budget))
}

fn arrow_ipc_table(
    file: &str,
    bytes: &[u8],
    budget: &Budget,
) -> Result<ColumnarTable, ColumnarError> {
    const FORMAT: &str = "Arrow IPC";
    super::ipc_check::check(bytes, budget).map_err(|e| read_err(file, FORMAT, e))?;
    let cursor = std::io::Cursor::new(bytes);
    let limit = budget.max_rows.unwrap_or(usize::MAX);
    let mut taken = 0usize;
    let mut cap = |b: Result<RecordBatch, arrow_schema::ArrowError>| {
        let b = b.map_err(|e| e.to_string())?;
        let keep = b.num_rows().min(limit.saturating_sub(taken));
        taken += keep;
        Ok::<_, String>(b.slice(0, keep))
    };
    let table = if bytes.starts_with(b"ARROW1") {
        let reader = arrow_ipc::reader::FileReader::try_new(cursor, None)
            .map_err(|e| read_err(file, FORMAT, e))?;
        let schema = reader.schema();
        from_batches(file, &schema, reader.map(&mut cap), FORMAT)?
    } else {
        let reader = arrow_ipc::reader::StreamReader::try_new(cursor, None)
            .map_err(|e| read_err(file, FORMAT, e))?;
        let schema = reader.schema();
        from_batches(file, &schema, reader.map(&mut cap), FORMAT)?
    };
    budget.check(
        file,
        table.vectors.nrows() as u64,
        table.vectors.ncols() as u64,
    )?;
    Ok(table)
}
