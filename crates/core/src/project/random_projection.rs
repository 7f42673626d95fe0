//! Random projections to `k` dimensions, seeded and bit-identical on every target.
//!
//! - **Gaussian**: `R[i][j] ~ N(0, 1/k)`.
//! - **Very sparse** (Li, Hastie & Church 2006): with `s = √d`, each entry is `+√(s/k)` with
//!   probability `1/(2s)`, `−√(s/k)` with probability `1/(2s)` and `0` otherwise (density `1/√d`).
//!
//! Products are summed in a fixed order without fused multiply-add, so the same seed gives the
//! same bits natively and in wasm.

use crate::data::store::Vectors;
use crate::project::rng::SplitMix64;
use ndarray::{Array2, ArrayView2};

/// Which random matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomProjectionKind {
    Gaussian,
    VerySparse,
}

/// Why a projection could not be made.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProjectionError {
    /// Zero output dimensions asked for.
    #[error("random projection needs at least 1 output dimension")]
    ZeroDims,
}

/// A random projection matrix, stored by output column for the sparse kind.
#[derive(Debug, Clone)]
pub enum RandomProjection {
    Dense {
        /// `d × k`.
        matrix: Array2<f32>,
    },
    Sparse {
        d: usize,
        /// For each output column: the input rows with +1 and with −1, ascending.
        plus: Vec<Vec<u32>>,
        minus: Vec<Vec<u32>>,
        scale: f32,
    },
}

impl RandomProjection {
    pub fn new(
        kind: RandomProjectionKind,
        d: usize,
        k: usize,
        seed: u64,
    ) -> Result<Self, ProjectionError> {
        if k == 0 {
            return Err(ProjectionError::ZeroDims);
        }
        let mut rng = SplitMix64::new(seed);
        Ok(match kind {
            RandomProjectionKind::Gaussian => {
                let std = 1.0 / (k as f64).sqrt();
                Self::Dense {
                    matrix: Array2::from_shape_fn((d, k), |_| (rng.normal() * std) as f32),
                }
            }
            RandomProjectionKind::VerySparse => {
                let s = (d.max(1) as f64).sqrt();
                // P(nonzero) = 1/s, split evenly between the signs; drawn with integer thresholds.
                let threshold = ((1.0 / s) * (u64::MAX as f64)) as u64;
                let mut plus = vec![Vec::new(); k];
                let mut minus = vec![Vec::new(); k];
                for i in 0..d {
                    for j in 0..k {
                        let u = rng.next_u64();
                        if u < threshold / 2 {
                            plus[j].push(i as u32);
                        } else if u < threshold {
                            minus[j].push(i as u32);
                        }
                    }
                }
                Self::Sparse {
                    d,
                    plus,
                    minus,
                    scale: (s / k as f64).sqrt() as f32,
                }
            }
        })
    }

    pub fn output_dims(&self) -> usize {
        match self {
            Self::Dense { matrix } => matrix.ncols(),
            Self::Sparse { plus, .. } => plus.len(),
        }
    }

    /// Project the rows of `x` (`n × d`) to `n × k`.
    /// The projection as a dense `d × k` matrix (the sparse kind expanded), for matrix-product
    /// kernels such as the GPU's.
    pub fn dense_matrix(&self) -> Array2<f32> {
        match self {
            Self::Dense { matrix } => matrix.clone(),
            Self::Sparse {
                d,
                plus,
                minus,
                scale,
            } => {
                let mut m = Array2::zeros((*d, plus.len()));
                for (j, (p, n)) in plus.iter().zip(minus).enumerate() {
                    for &i in p {
                        m[[i as usize, j]] = *scale;
                    }
                    for &i in n {
                        m[[i as usize, j]] = -*scale;
                    }
                }
                m
            }
        }
    }

    /// [`RandomProjection::apply`] to vectors in any storage, a block of rows at a time (rows
    /// are projected independently, so the output is the same as for the whole matrix).
    pub fn apply_vectors(&self, v: &Vectors) -> Array2<f32> {
        if let Some(m) = v.as_f32() {
            return self.apply(m.view());
        }
        let mut out = Array2::zeros((v.nrows(), self.output_dims()));
        for (start, block) in v.blocks() {
            let rows = block.nrows();
            out.slice_mut(ndarray::s![start..start + rows, ..])
                .assign(&self.apply(block.view()));
        }
        out
    }

    pub fn apply(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        let n = x.nrows();
        let k = self.output_dims();
        let mut out = Array2::<f32>::zeros((n, k));
        match self {
            Self::Dense { matrix } => {
                for (row, mut dst) in x.rows().into_iter().zip(out.rows_mut()) {
                    for (value, r) in row.iter().zip(matrix.rows()) {
                        // Fixed order over the input dimension; vectorised across outputs.
                        for (o, w) in dst.iter_mut().zip(r.iter()) {
                            *o += value * w;
                        }
                    }
                }
            }
            Self::Sparse {
                d,
                plus,
                minus,
                scale,
            } => {
                for (row, mut dst) in x.rows().into_iter().zip(out.rows_mut()) {
                    let row: Vec<f32> = row.iter().take(*d).copied().collect();
                    for (j, o) in dst.iter_mut().enumerate() {
                        let p: f32 = plus[j].iter().map(|&i| row[i as usize]).sum();
                        let m: f32 = minus[j].iter().map(|&i| row[i as usize]).sum();
                        *o = (p - m) * scale;
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_stored_vectors_project_like_the_whole() {
        use crate::data::store::Storage;
        let x = Array2::from_shape_fn((3000, 96), |(i, j)| ((i * 96 + j) as f32 * 0.013).sin());
        for kind in [
            RandomProjectionKind::Gaussian,
            RandomProjectionKind::VerySparse,
        ] {
            let rp = RandomProjection::new(kind, 96, 2, 7).unwrap();
            for storage in Storage::ALL {
                let v = Vectors::from_f32("x", x.clone(), storage).unwrap();
                let whole = rp.apply(v.to_f32().view());
                assert_eq!(rp.apply_vectors(&v), whole, "{kind:?} {storage:?}");
            }
        }
    }

    fn real_rows(n: usize) -> Array2<f32> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../web/demo/vectors.f16.npy"
        );
        let all =
            crate::load::npy::read_npy("vectors.f16.npy", &std::fs::read(path).unwrap()).unwrap();
        all.slice(ndarray::s![..n, ..]).to_owned()
    }

    /// Johnson–Lindenstrauss with ε = 0.1: for k ≥ 4 ln n / (ε²/2 − ε³/3) (scikit-learn's
    /// `johnson_lindenstrauss_min_dim(100, eps=0.1)` = 3947), pairwise squared distances are kept
    /// within (1 ± ε) for at least 99 % of pairs.
    fn check_jl(kind: RandomProjectionKind) {
        let x = real_rows(100);
        let k = 3947;
        let rp = RandomProjection::new(kind, x.ncols(), k, 9).unwrap();
        let y = rp.apply(x.view());
        let (mut ok, mut total) = (0, 0);
        for i in 0..x.nrows() {
            for j in i + 1..x.nrows() {
                let d_in: f32 = (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum();
                let d_out: f32 = (&y.row(i) - &y.row(j)).mapv(|v| v * v).sum();
                let ratio = d_out / d_in;
                total += 1;
                ok += usize::from((0.9..=1.1).contains(&ratio));
            }
        }
        let share = ok as f64 / total as f64;
        assert!(
            share >= 0.99,
            "{kind:?}: only {share:.4} of pairs within JL ε = 0.1"
        );
    }

    #[test]
    fn sparse_preserves_distances_within_jl_bound() {
        check_jl(RandomProjectionKind::VerySparse);
    }

    #[test]
    fn gaussian_preserves_distances_within_jl_bound() {
        check_jl(RandomProjectionKind::Gaussian);
    }

    #[test]
    fn sparse_density_and_values() {
        let d = 400; // s = 20: density 1/20, entries ±√(20/k)
        let k = 50;
        let RandomProjection::Sparse {
            plus, minus, scale, ..
        } = RandomProjection::new(RandomProjectionKind::VerySparse, d, k, 1).unwrap()
        else {
            unreachable!()
        };
        let nonzero: usize = plus.iter().chain(&minus).map(Vec::len).sum();
        let density = nonzero as f64 / (d * k) as f64;
        assert!((density - 0.05).abs() < 0.006, "density {density}");
        let p: usize = plus.iter().map(Vec::len).sum();
        assert!((p as f64 / nonzero as f64 - 0.5).abs() < 0.05);
        assert!((f64::from(scale) - (20.0f64 / 50.0).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn same_seed_same_bits_other_seed_differs() {
        let x = real_rows(20);
        for kind in [
            RandomProjectionKind::Gaussian,
            RandomProjectionKind::VerySparse,
        ] {
            let a = RandomProjection::new(kind, 384, 2, 5)
                .unwrap()
                .apply(x.view());
            let b = RandomProjection::new(kind, 384, 2, 5)
                .unwrap()
                .apply(x.view());
            let c = RandomProjection::new(kind, 384, 2, 6)
                .unwrap()
                .apply(x.view());
            let bits = |m: &Array2<f32>| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b));
            assert_ne!(bits(&a), bits(&c));
        }
        assert_eq!(
            RandomProjection::new(RandomProjectionKind::Gaussian, 3, 0, 1).unwrap_err(),
            ProjectionError::ZeroDims
        );
    }
}
