//! Randomized PCA on the GPU: the core's [`RandomizedSolver`] (Halko et al. subspace iteration
//! with Rayleigh–Ritz) with its big products — `X_c · Ω`, `X_cᵀ · q`, `X_c · z` — run by
//! [`GpuMatmul`] on the data resident on the GPU, centred by the kernels as they read it. The
//! small steps (orthonormalisation, the `l × l` eigenproblem) stay on the CPU in f64, and the
//! column means and total scatter are one CPU pass. The CPU twin is
//! `vecscape_core::project::pca::Pca::fit` with `PcaSolver::Randomized`: the same machine, with ndarray
//! products.

use crate::matmul::{GpuMatrix, PendingProduct};
use crate::{GpuContext, GpuError, GpuMatmul};
use ndarray::{Array1, Array2, ArrayView2};
use vecscape_core::data::store::Vectors;
use vecscape_core::project::pca::{
    column_means, column_means_vectors, total_scatter, total_scatter_vectors, Pca, Product,
    RandomizedSolver,
};

/// The randomized PCA pipelines.
pub struct GpuPca {
    matmul: GpuMatmul,
}

/// Data uploaded for fitting, with its column means and total scatter.
pub struct PreparedPca {
    matrix: GpuMatrix,
    mean: Array1<f32>,
    total_scatter: f64,
    k: usize,
}

impl PreparedPca {
    /// How many row chunks the data is stored in on the GPU.
    pub fn chunks(&self) -> usize {
        self.matrix.chunks()
    }
}

impl GpuPca {
    pub fn new(ctx: &GpuContext) -> Self {
        Self {
            matmul: GpuMatmul::new(ctx),
        }
    }

    /// Check that `k` components can be fitted, compute the column means and total scatter, and
    /// upload `x` (split into chunks of at most `max_chunk_bytes` when given). `x` is only
    /// borrowed for this call.
    pub fn prepare(
        &self,
        x: ArrayView2<'_, f32>,
        k: usize,
        max_chunk_bytes: Option<u64>,
    ) -> Result<PreparedPca, GpuError> {
        Pca::check(x.dim(), k).map_err(|e| GpuError::Input(e.to_string()))?;
        let mean = column_means(x);
        let mean_slice = mean.as_slice().unwrap_or(&[]);
        let total_scatter = total_scatter(x, mean_slice);
        let matrix =
            GpuMatrix::upload(self.matmul.context(), x, Some(mean_slice), max_chunk_bytes)?;
        Ok(PreparedPca {
            matrix,
            mean,
            total_scatter,
            k,
        })
    }

    /// [`GpuPca::prepare`] for vectors in any storage: the means and total scatter are one
    /// CPU pass over blocks of rows, and the rows go up as f32 a chunk at a time.
    pub fn prepare_vectors(
        &self,
        v: &Vectors,
        k: usize,
        max_chunk_bytes: Option<u64>,
    ) -> Result<PreparedPca, GpuError> {
        if let Some(m) = v.as_f32() {
            return self.prepare(m.view(), k, max_chunk_bytes);
        }
        Pca::check(v.dim(), k).map_err(|e| GpuError::Input(e.to_string()))?;
        let mean = column_means_vectors(v);
        let mean_slice = mean.as_slice().unwrap_or(&[]);
        let total_scatter = total_scatter_vectors(v, mean_slice);
        let matrix =
            GpuMatrix::upload_vectors(self.matmul.context(), v, Some(mean_slice), max_chunk_bytes)?;
        Ok(PreparedPca {
            matrix,
            mean,
            total_scatter,
            k,
        })
    }

    fn submit(
        &self,
        prepared: &PreparedPca,
        request: Product<'_>,
    ) -> Result<PendingProduct, GpuError> {
        match request {
            Product::Times(m) => self.matmul.start_times(&prepared.matrix, m.view()),
            Product::TransposeTimes(m) => self
                .matmul
                .start_transpose_times(&prepared.matrix, m.view()),
        }
    }

    fn solver(prepared: &PreparedPca, seed: u64) -> RandomizedSolver {
        let (n, d) = prepared.matrix.dim();
        RandomizedSolver::new(n, d, prepared.k, seed)
    }

    fn result(prepared: &PreparedPca, solver: RandomizedSolver) -> Pca {
        let (components, eigenvalues) = solver.result();
        Pca::from_solution(
            prepared.mean.clone(),
            components,
            &eigenvalues,
            prepared.total_scatter,
            prepared.matrix.dim().0,
        )
    }

    /// Submit the projection of the prepared data onto `fit`'s components (`X_c · Cᵀ`, `n × k`).
    fn submit_projection(
        &self,
        prepared: &PreparedPca,
        fit: &Pca,
    ) -> Result<PendingProduct, GpuError> {
        let components_t = fit.components.t().as_standard_layout().into_owned();
        self.matmul
            .start_times(&prepared.matrix, components_t.view())
    }

    /// The prepared rows projected onto `fit`'s components, centred by the prepared mean: the
    /// GPU twin of `Pca::transform` (works in the browser).
    pub async fn project(
        &self,
        prepared: &PreparedPca,
        fit: &Pca,
    ) -> Result<Array2<f32>, GpuError> {
        self.submit_projection(prepared, fit)?.finish().await
    }

    /// [`Self::project`], waiting for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn project_blocking(
        &self,
        prepared: &PreparedPca,
        fit: &Pca,
    ) -> Result<Array2<f32>, GpuError> {
        self.submit_projection(prepared, fit)?.finish_blocking()
    }

    /// Fit the prepared data (works in the browser).
    pub async fn fit(&self, prepared: &PreparedPca, seed: u64) -> Result<Pca, GpuError> {
        let mut solver = Self::solver(prepared, seed);
        while let Some(request) = solver.request() {
            let product = self.submit(prepared, request)?.finish().await?;
            solver.provide(product);
        }
        Ok(Self::result(prepared, solver))
    }

    /// Fit the prepared data, waiting for the GPU (native).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn fit_blocking(&self, prepared: &PreparedPca, seed: u64) -> Result<Pca, GpuError> {
        let mut solver = Self::solver(prepared, seed);
        while let Some(request) = solver.request() {
            let product = self.submit(prepared, request)?.finish_blocking()?;
            solver.provide(product);
        }
        Ok(Self::result(prepared, solver))
    }
}
