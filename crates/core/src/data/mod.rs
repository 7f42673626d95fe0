//! What is loaded, independent of where it came from.
//!
//! - [`store`]: vectors kept as f32, f16 or int8 (a scale per row), and f32 views a block at a time.
//! - [`meta`]: the metadata model: text, categorical, numeric and time columns.
//! - [`export`]: rows written out as CSV, JSON Lines, JSON or Parquet.
//! - [`budget`]: how much memory vectors may take, and the row limit.

pub mod budget;
pub mod export;
pub mod meta;
pub mod store;
