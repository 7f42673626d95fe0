//! 2-D layouts built on the exact neighbour graph.
//!
//! - [`umap`]: UMAP on the CPU (exact kNN graph, fuzzy simplicial set, PCA start, SGD);
//! - [`faithfulness`]: per point, the share of its nearest neighbours the layout keeps;
//! - [`place`]: a layout of some rows put in the place of the whole (a selection laid out again).

pub mod faithfulness;
pub mod nndescent;
pub mod place;
pub mod umap;
