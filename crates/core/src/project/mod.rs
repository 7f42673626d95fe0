//! From high-dimensional rows to a layout.
//!
//! - [`pca`]: PCA, exact from the scatter matrix or randomized (Halko), and the rule between them.
//! - [`random_projection`]: seeded Gaussian and very sparse random projections.
//! - [`rng`]: SplitMix64 and normals, bit-identical on every target.

pub mod pca;
pub mod random_projection;
pub mod rng;
