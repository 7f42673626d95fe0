//! Exact nearest-neighbour search over stored vectors, and what makes it fast.
//!
//! - [`types`]: the metric, errors, results, the rows an index borrows, the top-k heap.
//! - [`flat`]: the brute-force index over f32, f16 or int8 rows, single and batched queries.
//! - [`bounds`]: int8 bounds that let the exact scan skip rows (results unchanged).
//! - [`codes`]: rounding to int8 codes, shared by the bounds and the quantised scans.
//! - [`quant`]: quantised scans (int8, binary) with an exact re-rank, and recall@k.
//! - [`pasted`]: a vector pasted into the search box, read and checked.
//! - [`text`]: full-text search (word prefixes, phrases, folded case and accents) over texts and
//!   string columns.
//! - [`checks`]: self-checks of this build's kernels and scans, run natively and in the browser.

pub mod bounds;
pub mod checks;
pub mod codes;
pub mod flat;
pub mod pasted;
pub mod quant;
pub mod text;
pub mod types;
