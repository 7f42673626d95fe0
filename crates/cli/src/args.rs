//! Value types of the command line shared by several commands, and their conversions into the
//! core's types.

use clap::ValueEnum;
use vecscape_core::data::store::Storage;
use vecscape_core::search::quant::{Int8Scale, Quantizer};
use vecscape_core::search::types::Metric;

pub use vecscape_core::data::budget::parse_bytes;

#[derive(Clone, Copy, ValueEnum)]
pub enum QuantizeArg {
    /// Signed bytes, one scale per vector.
    Int8,
    /// Signed bytes, one scale per dimension.
    Int8Dim,
    /// Sign bits, Hamming distance.
    Binary,
}

impl From<QuantizeArg> for Quantizer {
    fn from(q: QuantizeArg) -> Self {
        match q {
            QuantizeArg::Int8 => Quantizer::Int8(Int8Scale::PerVector),
            QuantizeArg::Int8Dim => Quantizer::Int8(Int8Scale::PerDimension),
            QuantizeArg::Binary => Quantizer::Binary,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Method {
    /// Principal component analysis (centred; sign convention as scikit-learn).
    Pca,
    /// Gaussian random projection, entries N(0, 1/dims).
    GaussianRp,
    /// Very sparse random projection (Li, Hastie & Church 2006), density 1/√d.
    SparseRp,
    /// UMAP (2 dims) on the neighbour graph: exact or NN-Descent by size on the CPU, exact on the GPU.
    Umap,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MetricArg {
    /// Cosine similarity.
    Cosine,
    /// Dot product.
    Dot,
    /// Squared Euclidean distance.
    L2,
}

impl From<MetricArg> for Metric {
    fn from(m: MetricArg) -> Self {
        match m {
            MetricArg::Cosine => Metric::Cosine,
            MetricArg::Dot => Metric::Dot,
            MetricArg::L2 => Metric::L2,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageArg {
    F32,
    F16,
    Int8,
}

impl From<StorageArg> for Storage {
    fn from(s: StorageArg) -> Self {
        match s {
            StorageArg::F32 => Self::F32,
            StorageArg::F16 => Self::F16,
            StorageArg::Int8 => Self::Int8,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    Cpu,
    Gpu,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Tsv,
}
