//! Principal component analysis on the CPU.
//!
//! Two solvers, both centring the data first:
//! - **exact**: the `d × d` covariance in f64 and a cyclic Jacobi eigendecomposition; used for small
//!   `d`, where it is cheap and has no approximation error;
//! - **randomized** (Halko, Martinsson & Tropp 2011): a Gaussian sketch with 10 columns of
//!   oversampling and 4 power iterations, big products in f32, the small steps (orthonormalisation,
//!   the `l × l` eigenproblem) in f64.
//!
//! Component signs follow scikit-learn's `svd_flip(u_based_decision=False)`: in each component the
//! entry of largest magnitude is positive, so our output can be compared with scikit-learn's as is.

use crate::data::store::Vectors;
use crate::kernels::active as kernels;
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// The largest number of components we compute.
pub const MAX_COMPONENTS: usize = 50;
/// Columns added to the sketch beyond the requested components.
pub const OVERSAMPLES: usize = 10;
/// Power iterations of the randomized solver.
pub const POWER_ITERATIONS: usize = 4;
/// The most power iterations the randomized solver runs while the subspace still moves.
pub const MAX_POWER_ITERATIONS: usize = 40;
/// Convergence: the sine of the largest angle between successive subspace estimates.
pub const CONVERGED_SIN: f64 = 1e-5;
/// With `Auto`, dimensions up to this use the exact solver (one pass to the `d × d` scatter
/// matrix); above, the randomized one (passes of `n × d × (k + 10)`).
pub const EXACT_MAX_DIMS: usize = 512;

/// Why PCA could not be computed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PcaError {
    /// Fewer than two rows: there is no variance to explain.
    #[error("PCA needs at least 2 rows, got {rows}")]
    TooFewRows { rows: usize },
    /// More components asked for than the data has, or than we support.
    #[error("asked for {asked} components; at most {max} are possible for this data (and at most {MAX_COMPONENTS})")]
    TooManyComponents { asked: usize, max: usize },
}

/// Which algorithm to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcaSolver {
    /// Exact for `d <= EXACT_MAX_DIMS`, randomized otherwise.
    Auto,
    Exact,
    Randomized {
        seed: u64,
    },
}

impl PcaSolver {
    /// The rule `Auto` follows, for `d` input dimensions: exact up to [`EXACT_MAX_DIMS`], else
    /// randomized with `seed`. Callers that take a seed (the CLI) use this instead of `Auto`.
    pub fn for_dims(d: usize, seed: u64) -> Self {
        if d <= EXACT_MAX_DIMS {
            PcaSolver::Exact
        } else {
            PcaSolver::Randomized { seed }
        }
    }

    /// `Auto` made definite for `d` input dimensions ([`PcaSolver::for_dims`] with seed 0).
    fn resolve(self, d: usize) -> Self {
        match self {
            PcaSolver::Auto => Self::for_dims(d, 0),
            s => s,
        }
    }
}

/// The exact solution from a scatter matrix: components, eigenvalues and the total scatter.
fn exact_with_total(scatter: Array2<f64>, k: usize) -> (Array2<f64>, Vec<f64>, f64) {
    let total: f64 = scatter.diag().sum();
    let (c, e) = exact(scatter, k);
    (c, e, total)
}

/// A fitted PCA.
#[derive(Debug, Clone)]
pub struct Pca {
    /// Column means of the input (`d`).
    pub mean: Array1<f32>,
    /// Principal axes, one per row (`k × d`), unit length.
    pub components: Array2<f32>,
    /// Variance along each component (ddof = 1, as scikit-learn).
    pub explained_variance: Vec<f64>,
    /// Fraction of the total variance along each component.
    pub explained_variance_ratio: Vec<f64>,
}

impl Pca {
    /// Fit `k` components to the rows of `x`.
    pub fn fit(x: ArrayView2<'_, f32>, k: usize, solver: PcaSolver) -> Result<Self, PcaError> {
        Self::check(x.dim(), k)?;
        let d = x.ncols();
        let mean = column_means(x);
        let solver = solver.resolve(d);
        let (components, eigenvalues, total_scatter) = match solver {
            PcaSolver::Randomized { seed } => {
                let mut centred = x.to_owned();
                centred -= &mean.view().insert_axis(Axis(0));
                let total: f64 = centred.iter().map(|v| f64::from(*v).powi(2)).sum();
                let (c, e) = randomized(&centred, k, seed);
                (c, e, total)
            }
            _ => exact_with_total(scatter_matrix(x, mean.as_slice().unwrap_or(&[])), k),
        };
        Ok(Self::from_solution(
            mean,
            components,
            &eigenvalues,
            total_scatter,
            x.nrows(),
        ))
    }

    /// Fit `k` components to vectors in any storage. f32 goes to [`Pca::fit`]; f16 and int8 are
    /// read a block of rows at a time ([`Vectors::blocks`]), so no f32 copy of the whole is
    /// made: the exact solver sums the scatter matrix block by block, the randomized one forms
    /// its products block by block.
    pub fn fit_vectors(v: &Vectors, k: usize, solver: PcaSolver) -> Result<Self, PcaError> {
        if let Some(m) = v.as_f32() {
            return Self::fit(m.view(), k, solver);
        }
        Self::check(v.dim(), k)?;
        let (n, d) = v.dim();
        let mean = column_means_vectors(v);
        let m = mean.as_slice().unwrap_or(&[]);
        let solver = solver.resolve(d);
        let centred = |block: ndarray::CowArray<'_, f32, ndarray::Ix2>| {
            let mut b = block.into_owned();
            b -= &mean.view().insert_axis(Axis(0));
            b
        };
        let (components, eigenvalues, total) = match solver {
            PcaSolver::Randomized { seed } => {
                let mut solver = RandomizedSolver::new(n, d, k, seed);
                while let Some(request) = solver.request() {
                    let product = match request {
                        Product::Times(op) => {
                            let mut out = Array2::zeros((n, op.ncols()));
                            for (start, block) in v.blocks() {
                                let rows = block.nrows();
                                out.slice_mut(ndarray::s![start..start + rows, ..])
                                    .assign(&centred(block).dot(op));
                            }
                            out
                        }
                        Product::TransposeTimes(op) => {
                            let mut out = Array2::<f32>::zeros((d, op.ncols()));
                            for (start, block) in v.blocks() {
                                let rows = block.nrows();
                                let part = op.slice(ndarray::s![start..start + rows, ..]);
                                out += &centred(block).t().dot(&part);
                            }
                            out
                        }
                    };
                    solver.provide(product);
                }
                let total = total_scatter_vectors(v, m);
                let (c, e) = solver.result();
                (c, e, total)
            }
            _ => {
                let mut scatter = Array2::<f64>::zeros((d, d));
                for (_, block) in v.blocks() {
                    scatter += &scatter_matrix(block.view(), m);
                }
                exact_with_total(scatter, k)
            }
        };
        Ok(Self::from_solution(
            mean,
            components,
            &eigenvalues,
            total,
            n,
        ))
    }

    /// [`Pca::transform`] for vectors in any storage, a block at a time.
    pub fn transform_vectors(&self, v: &Vectors) -> Array2<f32> {
        if let Some(m) = v.as_f32() {
            return self.transform(m.view());
        }
        let mut out = Array2::zeros((v.nrows(), self.components.nrows()));
        for (start, block) in v.blocks() {
            let rows = block.nrows();
            out.slice_mut(ndarray::s![start..start + rows, ..])
                .assign(&self.transform(block.view()));
        }
        out
    }

    /// Whether `k` components can be fitted to an `n × d` matrix.
    pub fn check((n, d): (usize, usize), k: usize) -> Result<(), PcaError> {
        if n < 2 {
            return Err(PcaError::TooFewRows { rows: n });
        }
        let max = n.min(d).min(MAX_COMPONENTS);
        if k == 0 || k > max {
            return Err(PcaError::TooManyComponents { asked: k, max });
        }
        Ok(())
    }

    /// A fit from a solver's output: `components` (`k × d`, orthonormal rows, any sign) and the
    /// scatter matrix's eigenvalues along them, for `n` rows whose total scatter (sum of squared
    /// deviations from `mean`) is `total_scatter`. Signs are flipped as scikit-learn's.
    pub fn from_solution(
        mean: Array1<f32>,
        mut components: Array2<f64>,
        eigenvalues: &[f64],
        total_scatter: f64,
        n: usize,
    ) -> Self {
        let dof = n.saturating_sub(1).max(1) as f64;
        let total_variance = total_scatter / dof;
        flip_signs(&mut components);
        let explained_variance: Vec<f64> = eigenvalues.iter().map(|l| l / dof).collect();
        let explained_variance_ratio = explained_variance
            .iter()
            .map(|v| {
                if total_variance > 0.0 {
                    v / total_variance
                } else {
                    0.0
                }
            })
            .collect();
        Self {
            mean,
            components: components.mapv(|v| v as f32),
            explained_variance,
            explained_variance_ratio,
        }
    }

    /// Project rows of `x` onto the components (`n × k`), row by row (no `n × d` temporary).
    pub fn transform(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        let k = self.components.nrows();
        let comps: Vec<Vec<f32>> = self
            .components
            .rows()
            .into_iter()
            .map(|c| c.to_vec())
            .collect();
        let mean = self.mean.to_vec();
        let offsets: Vec<f32> = comps.iter().map(|c| kernels::dot(&mean, c)).collect();
        let mut out = Array2::zeros((x.nrows(), k));
        let mut row_buf = vec![0f32; x.ncols()];
        for (i, row) in x.rows().into_iter().enumerate() {
            let row = match row.as_slice() {
                Some(r) => r,
                None => {
                    row_buf
                        .iter_mut()
                        .zip(row.iter())
                        .for_each(|(b, v)| *b = *v);
                    &row_buf
                }
            };
            for (c, comp) in comps.iter().enumerate() {
                out[[i, c]] = kernels::dot(row, comp) - offsets[c];
            }
        }
        out
    }
}

/// Column means, summed in f64.
pub fn column_means(x: ArrayView2<'_, f32>) -> Array1<f32> {
    let n = x.nrows() as f64;
    let mut sums = vec![0f64; x.ncols()];
    for row in x.rows() {
        for (s, v) in sums.iter_mut().zip(row.iter()) {
            *s += f64::from(*v);
        }
    }
    sums.into_iter().map(|s| (s / n) as f32).collect()
}

/// [`column_means`] of vectors in any storage, a block at a time.
pub fn column_means_vectors(v: &Vectors) -> Array1<f32> {
    let mut sums = vec![0f64; v.ncols()];
    for (_, block) in v.blocks() {
        for row in block.rows() {
            for (s, x) in sums.iter_mut().zip(row.iter()) {
                *s += f64::from(*x);
            }
        }
    }
    let n = v.nrows() as f64;
    sums.into_iter().map(|s| (s / n) as f32).collect()
}

/// [`total_scatter`] of vectors in any storage, a block at a time.
pub fn total_scatter_vectors(v: &Vectors, mean: &[f32]) -> f64 {
    v.blocks().map(|(_, b)| total_scatter(b.view(), mean)).sum()
}

/// The total scatter `Σᵢⱼ (xᵢⱼ − meanⱼ)²` (the trace of the scatter matrix), in f64.
pub fn total_scatter(x: ArrayView2<'_, f32>, mean: &[f32]) -> f64 {
    x.rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .zip(mean)
                .map(|(v, m)| f64::from(v - m).powi(2))
                .sum::<f64>()
        })
        .sum()
}

/// Rows per panel of the scatter kernel: a panel of 256 rows × 384 dims is 384 KiB.
const PANEL_ROWS: usize = 256;

/// The scatter matrix `(X − 1·meanᵀ)ᵀ(X − 1·meanᵀ)` (`d × d`, f64) in one pass over `x`.
///
/// Rows are taken 256 at a time, centred and transposed into a column panel (`d × 256`, f32),
/// and every 4 × 2 block of the upper triangle is the dot products of panel rows, accumulated in
/// f32 registers over the panel (simd128 on wasm, 4-lane arrays natively) and then added in f64. No
/// `n × d` copy of the data is made.
pub fn scatter_matrix(x: ArrayView2<'_, f32>, mean: &[f32]) -> Array2<f64> {
    let (n, d) = x.dim();
    let dp = d.div_ceil(4) * 4;
    let mut c = Array2::<f64>::zeros((dp, dp));
    let mut panel = vec![0f32; dp * PANEL_ROWS];
    let mut start = 0;
    while start < n {
        let rows = (n - start).min(PANEL_ROWS);
        panel.iter_mut().for_each(|v| *v = 0.0);
        for r in 0..rows {
            for (j, v) in x.row(start + r).iter().enumerate() {
                panel[j * PANEL_ROWS + r] = v - mean.get(j).copied().unwrap_or(0.0);
            }
        }
        let row = |j: usize| &panel[j * PANEL_ROWS..(j + 1) * PANEL_ROWS];
        for j in (0..dp).step_by(4) {
            let a = [row(j), row(j + 1), row(j + 2), row(j + 3)];
            let mut k = j;
            while k < dp {
                let b = [row(k), row((k + 1).min(dp - 1))];
                let block = gram::dot4x2(a, b);
                for (jj, sums) in block.iter().enumerate() {
                    for (kk, v) in sums.iter().enumerate() {
                        if k + kk < dp {
                            c[[j + jj, k + kk]] += f64::from(*v);
                        }
                    }
                }
                k += 2;
            }
        }
        start += rows;
    }
    // Mirror the upper triangle (the 4 × 2 blocks also filled a few entries below it).
    for j in 0..dp {
        for k in 0..j {
            c[[j, k]] = c[[k, j]];
        }
    }
    c.slice(ndarray::s![..d, ..d]).to_owned()
}

/// 4 × 2 blocks of dot products for the scatter kernel.
pub mod gram {
    /// Portable: 4 × 2 × 4 partial sums that LLVM keeps in eight SSE registers.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    #[inline]
    pub fn dot4x2(a: [&[f32]; 4], b: [&[f32]; 2]) -> [[f32; 2]; 4] {
        const L: usize = 4;
        let mut acc = [[[0f32; L]; 2]; 4];
        let (a0, a1, a2, a3) = (
            a[0].chunks_exact(L),
            a[1].chunks_exact(L),
            a[2].chunks_exact(L),
            a[3].chunks_exact(L),
        );
        let (b0, b1) = (b[0].chunks_exact(L), b[1].chunks_exact(L));
        for (((((x0, x1), x2), x3), y0), y1) in a0.zip(a1).zip(a2).zip(a3).zip(b0).zip(b1) {
            for l in 0..L {
                acc[0][0][l] += x0[l] * y0[l];
                acc[0][1][l] += x0[l] * y1[l];
                acc[1][0][l] += x1[l] * y0[l];
                acc[1][1][l] += x1[l] * y1[l];
                acc[2][0][l] += x2[l] * y0[l];
                acc[2][1][l] += x2[l] * y1[l];
                acc[3][0][l] += x3[l] * y0[l];
                acc[3][1][l] += x3[l] * y1[l];
            }
        }
        acc.map(|row| row.map(|lanes| lanes.iter().sum()))
    }

    /// simd128: eight f32x4 accumulators, six loads per step.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[inline]
    pub fn dot4x2(a: [&[f32]; 4], b: [&[f32]; 2]) -> [[f32; 2]; 4] {
        use core::arch::wasm32::*;
        let n = a.iter().chain(b.iter()).map(|s| s.len()).min().unwrap_or(0) / 4 * 4;
        let mut acc = [[f32x4_splat(0.0); 2]; 4];
        let mut i = 0;
        while i < n {
            // SAFETY: i + 4 <= n <= every slice's length; v128_load has no alignment requirement.
            let (b0, b1) = unsafe {
                (
                    v128_load(b[0].as_ptr().add(i).cast::<v128>()),
                    v128_load(b[1].as_ptr().add(i).cast::<v128>()),
                )
            };
            for (r, ar) in a.iter().enumerate() {
                // SAFETY: as above.
                let x = unsafe { v128_load(ar.as_ptr().add(i).cast::<v128>()) };
                acc[r][0] = f32x4_add(acc[r][0], f32x4_mul(x, b0));
                acc[r][1] = f32x4_add(acc[r][1], f32x4_mul(x, b1));
            }
            i += 4;
        }
        let sum = |v: v128| {
            f32x4_extract_lane::<0>(v)
                + f32x4_extract_lane::<1>(v)
                + f32x4_extract_lane::<2>(v)
                + f32x4_extract_lane::<3>(v)
        };
        acc.map(|row| row.map(sum))
    }
}

/// Exact: the top `k` eigenvectors of the scatter matrix (f64). Jacobi for up to 128 dims,
/// otherwise subspace iteration on the `d × d` matrix (cheap: it never touches the data) until
/// the top `k` subspace stops moving.
fn exact(scatter: Array2<f64>, k: usize) -> (Array2<f64>, Vec<f64>) {
    let d = scatter.nrows();
    if d <= 128 {
        let (values, vectors) = symmetric_eigen(scatter);
        let components = Array2::from_shape_fn((k, d), |(i, j)| vectors[[j, i]]);
        return (components, values[..k].to_vec());
    }
    let l = (k + 2 * OVERSAMPLES).min(d);
    let mut rng = crate::project::rng::SplitMix64::new(0x5eed);
    let mut z = orthonormalize64(Array2::from_shape_fn((d, l), |_| rng.normal()));
    let mut previous: Option<Array2<f64>> = None;
    let mut result = (Array2::zeros((k, d)), vec![0.0; k]);
    for _ in 0..2000 {
        let cz = scatter.dot(&z);
        // Rayleigh–Ritz: zᵀ C z = U Λ Uᵀ; the Ritz vectors are z U.
        let (values, u) = symmetric_eigen(z.t().dot(&cz));
        let ritz = z.dot(&u);
        let components = ritz.slice(ndarray::s![.., ..k]).t().to_owned();
        let moved = previous
            .as_ref()
            .map_or(f64::INFINITY, |p| largest_angle_sin(&components, p));
        previous = Some(components.clone());
        result = (components, values[..k].to_vec());
        if moved < 1e-10 {
            break;
        }
        z = orthonormalize64(cz.dot(&u));
    }
    result
}

fn orthonormalize64(mut q: Array2<f64>) -> Array2<f64> {
    let cols = q.ncols();
    for _pass in 0..2 {
        for j in 0..cols {
            for i in 0..j {
                let proj = q.column(i).dot(&q.column(j));
                let qi = q.column(i).to_owned();
                q.column_mut(j).scaled_add(-proj, &qi);
            }
            let norm = q.column(j).dot(&q.column(j)).sqrt();
            if norm > 1e-300 {
                q.column_mut(j).mapv_inplace(|v| v / norm);
            }
        }
    }
    q
}

/// Randomized subspace iteration (Halko et al., algorithm 4.4) with Rayleigh–Ritz, on the CPU:
/// [`RandomizedSolver`] driven by ndarray products with the centred data.
fn randomized(centred: &Array2<f32>, k: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let (n, d) = centred.dim();
    let mut solver = RandomizedSolver::new(n, d, k, seed);
    while let Some(request) = solver.request() {
        let product = match request {
            Product::Times(m) => centred.dot(m),
            Product::TransposeTimes(m) => centred.t().dot(m),
        };
        solver.provide(product);
    }
    solver.result()
}

/// A product of the centred data `X_c` (`n × d`) that [`RandomizedSolver`] needs next.
#[derive(Debug, Clone, Copy)]
pub enum Product<'a> {
    /// `X_c · m`, with `m` of shape `d × l`; the answer is `n × l`.
    Times(&'a Array2<f32>),
    /// `X_cᵀ · m`, with `m` of shape `n × l`; the answer is `d × l`.
    TransposeTimes(&'a Array2<f32>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for `X_c · m` where `m` is the Gaussian sketch or the last `z`.
    Range,
    /// Waiting for `X_cᵀ · q`.
    CoRange,
    Done,
}

/// Randomized subspace iteration (Halko et al., algorithm 4.4) with Rayleigh–Ritz, as a state
/// machine that asks for the big products and does the small steps itself (orthonormalisation
/// and the `l × l` eigenproblem, in f64). The CPU solver and the GPU one (`vecscape-gpu`) drive
/// the same machine, so they differ only in how the products are summed.
///
/// At least [`POWER_ITERATIONS`] iterations run; after those, iteration continues until the top
/// `k` Ritz vectors stop moving (largest principal angle between successive estimates below
/// [`CONVERGED_SIN`]) or [`MAX_POWER_ITERATIONS`] is reached. With the fixed four iterations
/// alone, data whose leading eigenvalues are close (real embeddings: 4.7 % vs 3.2 % of the
/// variance) leave the 2-D subspace off by 0.05 rad; the check makes it accurate to < 1e-3 rad
/// at the cost of a few more passes over the data when it is needed.
#[derive(Debug, Clone)]
pub struct RandomizedSolver {
    k: usize,
    stage: Stage,
    /// The matrix the pending product multiplies: the sketch, `q` (n × l) or `z` (d × l).
    operand: Array2<f32>,
    iteration: usize,
    previous: Option<Array2<f64>>,
    components: Array2<f64>,
    eigenvalues: Vec<f64>,
}

impl RandomizedSolver {
    /// A solver for `k` components of an `n × d` matrix (`1 ≤ k ≤ min(n, d)`), seeded.
    pub fn new(n: usize, d: usize, k: usize, seed: u64) -> Self {
        let l = (k + OVERSAMPLES).min(n).min(d).max(1);
        let mut rng = crate::project::rng::SplitMix64::new(seed);
        let omega = Array2::from_shape_fn((d, l), |_| rng.normal() as f32);
        Self {
            k,
            stage: Stage::Range,
            operand: omega,
            iteration: 0,
            previous: None,
            components: Array2::zeros((k, d)),
            eigenvalues: vec![0.0; k],
        }
    }

    /// The product needed next, or `None` once the subspace has converged.
    pub fn request(&self) -> Option<Product<'_>> {
        match self.stage {
            Stage::Range => Some(Product::Times(&self.operand)),
            Stage::CoRange => Some(Product::TransposeTimes(&self.operand)),
            Stage::Done => None,
        }
    }

    /// Hand over the product last requested.
    pub fn provide(&mut self, product: Array2<f32>) {
        match self.stage {
            Stage::Range if self.iteration == 0 => {
                // y = X_c Ω: the first range estimate.
                self.iteration = 1;
                self.operand = orthonormalize(&product);
                self.stage = Stage::CoRange;
            }
            Stage::Range => {
                // y = X_c z. Rayleigh–Ritz in span(z): eigenvectors of (X_c z)ᵀ(X_c z) rotate z
                // onto the components.
                let y64 = product.mapv(f64::from);
                let (values, u) = symmetric_eigen(y64.t().dot(&y64));
                let z64 = self.operand.mapv(f64::from);
                let components = u.slice(ndarray::s![.., ..self.k]).t().dot(&z64.t()); // k × d
                let moved = self
                    .previous
                    .as_ref()
                    .map_or(f64::INFINITY, |p| largest_angle_sin(&components, p));
                self.previous = Some(components.clone());
                self.components = components;
                self.eigenvalues = values[..self.k].to_vec();
                if (self.iteration >= POWER_ITERATIONS && moved < CONVERGED_SIN)
                    || self.iteration >= MAX_POWER_ITERATIONS
                {
                    self.stage = Stage::Done;
                } else {
                    self.iteration += 1;
                    self.operand = orthonormalize(&product);
                    self.stage = Stage::CoRange;
                }
            }
            Stage::CoRange => {
                // z = orth(X_cᵀ q), d × l; next, y = X_c z.
                self.operand = orthonormalize(&product);
                self.stage = Stage::Range;
            }
            Stage::Done => {}
        }
    }

    /// Power iterations run so far.
    pub fn iterations(&self) -> usize {
        self.iteration
    }

    /// The components (`k × d`, orthonormal rows, signs not yet flipped) and the eigenvalues of
    /// the scatter matrix along them.
    pub fn result(self) -> (Array2<f64>, Vec<f64>) {
        (self.components, self.eigenvalues)
    }
}

/// Sine of the largest principal angle between the row spaces of `a` and `b` (orthonormal rows).
pub fn largest_angle_sin(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let resid = a - &a.dot(&b.t()).dot(b);
    let (values, _) = symmetric_eigen(resid.dot(&resid.t()));
    values.iter().fold(0f64, |m, v| m.max(*v)).max(0.0).sqrt()
}

/// Orthonormal basis of the columns of `m` (modified Gram–Schmidt, twice, in f64).
fn orthonormalize(m: &Array2<f32>) -> Array2<f32> {
    let mut q = m.mapv(f64::from);
    let cols = q.ncols();
    for _pass in 0..2 {
        for j in 0..cols {
            for i in 0..j {
                let proj = q.column(i).dot(&q.column(j));
                let qi = q.column(i).to_owned();
                q.column_mut(j).scaled_add(-proj, &qi);
            }
            let norm = q.column(j).dot(&q.column(j)).sqrt();
            if norm > 1e-300 {
                q.column_mut(j).mapv_inplace(|v| v / norm);
            } else {
                q.column_mut(j).fill(0.0);
            }
        }
    }
    q.mapv(|v| v as f32)
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations.
/// Returns eigenvalues in descending order and eigenvectors as the matching columns.
pub fn symmetric_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = a.nrows();
    let mut v = Array2::<f64>::eye(n);
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..64 {
        let mut off = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off += a[[p, q]] * a[[p, q]];
            }
        }
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..n {
                    let (arp, arq) = (a[[r, p]], a[[r, q]]);
                    a[[r, p]] = c * arp - s * arq;
                    a[[r, q]] = s * arp + c * arq;
                }
                for r in 0..n {
                    let (apr, aqr) = (a[[p, r]], a[[q, r]]);
                    a[[p, r]] = c * apr - s * aqr;
                    a[[q, r]] = s * apr + c * aqr;
                }
                for r in 0..n {
                    let (vrp, vrq) = (v[[r, p]], v[[r, q]]);
                    v[[r, p]] = c * vrp - s * vrq;
                    v[[r, q]] = s * vrp + c * vrq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[[j, j]].total_cmp(&a[[i, i]]));
    let values = order.iter().map(|&i| a[[i, i]]).collect();
    let vectors = Array2::from_shape_fn((n, n), |(r, c)| v[[r, order[c]]]);
    (values, vectors)
}

/// scikit-learn's `svd_flip` with `u_based_decision=False`: largest-magnitude entry positive.
fn flip_signs(components: &mut Array2<f64>) {
    for mut row in components.rows_mut() {
        let pivot = row.iter().copied().fold(
            0.0f64,
            |best, v| if v.abs() > best.abs() { v } else { best },
        );
        if pivot < 0.0 {
            row.mapv_inplace(|v| -v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored as f16, the demo vectors (f16 in their file) are the same values: the block-wise
    /// fits agree with the whole-matrix fits; int8 stays close to them.
    #[test]
    fn fits_vectors_in_every_storage_block_by_block() {
        use crate::data::store::Storage;
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let bytes = std::fs::read(format!("{root}/web/demo/vectors.f16.npy")).unwrap();
        let x = crate::load::npy::read_npy("vectors.f16.npy", &bytes).unwrap();
        let x = x.slice(ndarray::s![..4000, ..]).to_owned();
        for solver in [PcaSolver::Exact, PcaSolver::Randomized { seed: 3 }] {
            let want = Pca::fit(x.view(), 2, solver).unwrap();
            let as_f64 = |p: &Pca| p.components.mapv(f64::from);
            for (storage, tol) in [(Storage::F16, 1e-5), (Storage::Int8, 0.05)] {
                let v = Vectors::from_f32("x", x.clone(), storage).unwrap();
                let got = Pca::fit_vectors(&v, 2, solver).unwrap();
                let sin = largest_angle_sin(&as_f64(&got), &as_f64(&want));
                assert!(sin < tol, "{solver:?} {storage:?}: sin {sin}");
                for (a, b) in got
                    .explained_variance_ratio
                    .iter()
                    .zip(&want.explained_variance_ratio)
                {
                    assert!((a - b).abs() < tol * 0.1 + 1e-6, "{storage:?}: {a} vs {b}");
                }
                let t = got.transform_vectors(&v);
                assert_eq!(t, got.transform(v.to_f32().view()));
            }
        }
    }
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Reference {
        components: Vec<Vec<f64>>,
        explained_variance: Vec<f64>,
        explained_variance_ratio: Vec<f64>,
        mean: Vec<f64>,
        projected_head: Vec<Vec<f64>>,
    }

    fn fixture() -> (Array2<f32>, Reference) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
        let x = crate::load::npy::read_npy(
            "pca_input.npy",
            &std::fs::read(format!("{dir}/pca_input.npy")).unwrap(),
        )
        .unwrap();
        let reference: Reference =
            serde_json::from_slice(&std::fs::read(format!("{dir}/pca_expected.json")).unwrap())
                .unwrap();
        (x, reference)
    }

    fn check_against_sklearn(solver: PcaSolver, tol: f64) {
        let (x, reference) = fixture();
        let k = reference.components.len();
        let pca = Pca::fit(x.view(), k, solver).unwrap();
        for (j, m) in reference.mean.iter().enumerate() {
            assert!((f64::from(pca.mean[j]) - m).abs() < 1e-5);
        }
        for i in 0..k {
            for (j, expected) in reference.components[i].iter().enumerate() {
                let got = f64::from(pca.components[[i, j]]);
                assert!(
                    (got - expected).abs() < tol,
                    "{solver:?} component {i}[{j}]: {got} vs scikit-learn {expected}"
                );
            }
            let rel = (pca.explained_variance[i] - reference.explained_variance[i]).abs()
                / reference.explained_variance[i];
            assert!(rel < 1e-4, "{solver:?} variance {i}: rel error {rel}");
            assert!(
                (pca.explained_variance_ratio[i] - reference.explained_variance_ratio[i]).abs()
                    < 1e-4
            );
        }
        let projected = pca.transform(x.view());
        for (r, row) in reference.projected_head.iter().enumerate() {
            for (c, expected) in row.iter().enumerate() {
                let got = f64::from(projected[[r, c]]);
                assert!((got - expected).abs() < 1e-3 * (1.0 + expected.abs()));
            }
        }
    }

    #[test]
    fn exact_matches_scikit_learn() {
        check_against_sklearn(PcaSolver::Exact, 1e-4);
    }

    #[test]
    fn randomized_matches_scikit_learn() {
        check_against_sklearn(PcaSolver::Randomized { seed: 7 }, 1e-3);
    }

    #[test]
    fn jacobi_reconstructs_a_known_matrix() {
        // Eigenvalues of [[2,1],[1,2]] are 3 and 1 with vectors (1,1)/√2 and (1,-1)/√2.
        let a = ndarray::arr2(&[[2.0, 1.0], [1.0, 2.0]]);
        let (values, vectors) = symmetric_eigen(a);
        assert!((values[0] - 3.0).abs() < 1e-12 && (values[1] - 1.0).abs() < 1e-12);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((vectors[[0, 0]].abs() - h).abs() < 1e-12);
        assert!((vectors[[0, 0]] - vectors[[1, 0]]).abs() < 1e-12);
    }

    #[test]
    fn refuses_degenerate_requests() {
        let x = Array2::<f32>::zeros((1, 3));
        assert_eq!(
            Pca::fit(x.view(), 2, PcaSolver::Auto).unwrap_err(),
            PcaError::TooFewRows { rows: 1 }
        );
        let x = Array2::<f32>::zeros((5, 3));
        assert!(matches!(
            Pca::fit(x.view(), 4, PcaSolver::Auto),
            Err(PcaError::TooManyComponents { asked: 4, max: 3 })
        ));
    }

    #[test]
    fn scatter_kernel_equals_a_naive_f64_sum() {
        // n not a multiple of the panel, d not a multiple of 4.
        let (n, d) = (PANEL_ROWS * 2 + 37, 13);
        let mut rng = crate::project::rng::SplitMix64::new(3);
        let x = Array2::from_shape_fn((n, d), |_| rng.normal() as f32 + 0.5);
        let mean = column_means(x.view());
        let got = scatter_matrix(x.view(), mean.as_slice().unwrap());
        for j in 0..d {
            for k in 0..d {
                let want: f64 = (0..n)
                    .map(|i| f64::from(x[[i, j]] - mean[j]) * f64::from(x[[i, k]] - mean[k]))
                    .sum();
                assert!(
                    (got[[j, k]] - want).abs() < 1e-3 * want.abs().max(1.0),
                    "{j},{k}"
                );
            }
        }
    }

    #[test]
    fn exact_solver_above_128_dims_matches_jacobi() {
        let (n, d) = (400, 150);
        let mut rng = crate::project::rng::SplitMix64::new(5);
        // Decaying spectrum so the components are well defined.
        let x = Array2::from_shape_fn((n, d), |(_, j)| {
            (rng.normal() / (1.0 + j as f64 * 0.3)) as f32
        });
        let mean = column_means(x.view());
        let scatter = scatter_matrix(x.view(), mean.as_slice().unwrap());
        let (sub, sub_values) = exact(scatter.clone(), 3);
        let (values, vectors) = symmetric_eigen(scatter);
        let jacobi = Array2::from_shape_fn((3, d), |(i, j)| vectors[[j, i]]);
        assert!(largest_angle_sin(&sub, &jacobi) < 1e-6);
        for (a, b) in sub_values.iter().zip(&values) {
            assert!((a - b).abs() < 1e-8 * b.abs());
        }
    }
}
