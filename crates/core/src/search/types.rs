//! The types every search shares: the metric, errors, results, the rows an index borrows, and
//! the bounded heap that keeps the best `k`.

use crate::data::store::{HalfMatrix, Int8Matrix, Vectors};
use ndarray::Array2;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Similarity or distance used to rank rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Metric {
    /// Cosine similarity (higher is nearer).
    #[default]
    Cosine,
    /// Dot product (higher is nearer).
    Dot,
    /// Squared Euclidean distance (lower is nearer).
    L2,
}

impl Metric {
    /// Lower-case name: `cosine`, `dot` or `l2`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::Dot => "dot",
            Metric::L2 => "l2",
        }
    }

    /// The metric called `name` (as [`Metric::name`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "cosine" => Some(Metric::Cosine),
            "dot" => Some(Metric::Dot),
            "l2" => Some(Metric::L2),
            _ => None,
        }
    }

    /// True when a larger score means nearer.
    pub fn higher_is_nearer(self) -> bool {
        !matches!(self, Metric::L2)
    }
}

/// Why a search could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KnnError {
    /// The query's length differs from the data's dimension.
    #[error("query has {found} dimensions, the data has {expected}")]
    DimensionMismatch { expected: usize, found: usize },
    /// A query row id past the end of the data.
    #[error("query row {row} does not exist (the data has {rows} rows)")]
    NoSuchRow { row: usize, rows: usize },
    /// The data matrix is not stored row-major and contiguous.
    #[error("the data matrix must be stored row-major and contiguous")]
    NotContiguous,
    /// [`SearchAids`] built for rows of another shape.
    #[error("the search aids were built for {aids_rows} × {aids_dims} rows, the data is {rows} × {dims}")]
    AidsMismatch {
        aids_rows: usize,
        aids_dims: usize,
        rows: usize,
        dims: usize,
    },
}

/// The `k` nearest rows of one query, nearest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    pub ids: Vec<u32>,
    pub scores: Vec<f32>,
}

/// The rows an index scans, in their storage (borrowed, nothing copied).
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    F32(&'a Array2<f32>),
    F16(&'a HalfMatrix),
    Int8(&'a Int8Matrix),
}

impl<'a> From<&'a Array2<f32>> for Rows<'a> {
    fn from(m: &'a Array2<f32>) -> Self {
        Rows::F32(m)
    }
}

impl<'a> From<&'a Vectors> for Rows<'a> {
    fn from(v: &'a Vectors) -> Self {
        match v {
            Vectors::F32(m) => Rows::F32(m),
            Vectors::F16(h) => Rows::F16(h),
            Vectors::Int8(q) => Rows::Int8(q),
        }
    }
}

impl Rows<'_> {
    /// (rows, dims).
    pub fn dim(&self) -> (usize, usize) {
        match self {
            Rows::F32(m) => m.dim(),
            Rows::F16(h) => (h.rows(), h.dims()),
            Rows::Int8(q) => (q.rows(), q.dims()),
        }
    }
}

/// Candidate in the bounded heap: the *worst* kept candidate is at the top.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Score oriented so that larger is nearer.
    key: f32,
    id: u32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    /// "Greater" = worse: lower key, or equal key and higher id. The max-heap top is the worst.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key
            .total_cmp(&self.key)
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// Keeps the best `k` of a stream of (key, id), larger key better, lower id on ties.
#[derive(Debug)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Candidate>,
    /// The worst kept key once `k` are kept (NEG_INFINITY before): anything below it is
    /// rejected without touching the heap, which is almost every row of a long scan.
    threshold: f32,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
            threshold: f32::NEG_INFINITY,
        }
    }

    #[inline]
    pub fn push(&mut self, key: f32, id: u32) {
        if key < self.threshold || self.k == 0 {
            return;
        }
        let c = Candidate { key, id };
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if c < *worst {
                // Replace the worst in place (one sift-down instead of a pop and a push).
                *worst = c;
            }
        }
        if self.heap.len() == self.k {
            self.threshold = self.heap.peek().map_or(f32::NEG_INFINITY, |w| w.key);
        }
    }

    /// The worst kept key once `k` are kept (`-∞` before): a key below it is not kept.
    #[inline]
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Best first.
    pub fn into_sorted(self) -> Vec<(f32, u32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|c| (c.key, c.id))
            .collect()
    }
}
