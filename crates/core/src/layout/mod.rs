//! 2-D layouts built on the exact neighbour graph.
//!
//! - [`umap`]: UMAP on the CPU (exact kNN graph, fuzzy simplicial set, PCA start, SGD).

pub mod umap;
