//! UMAP's exact neighbour graph on the GPU: every row searched against all rows with the
//! batched top-k kernels of [`crate::knn`] (rows in chunks under the binding limits, queries in
//! batches of one submission each), the row itself left out and put first. The CPU twin is
//! `vecscape_core::layout::umap::knn_graph`: the same ids (the test on lavapipe checks it).

use crate::knn::GpuFlatIndex;
use crate::{GpuContext, GpuError};
use ndarray::Array2;
use vecscape_core::layout::umap::{graph_metric, KnnGraph};
use vecscape_core::search::types::Metric;

/// Query rows sent in one submission.
pub const GRAPH_BATCH: usize = 1024;

/// The exact graph of `x`'s rows, `k` neighbours with the row itself first, by
/// [`graph_metric`]`(metric)` (Euclidean, or 1 − cos): `knn_graph`'s twin. `k` is at most 32
/// (the kernels keep up to 31 others). Works in the browser; `on_batch(rows done)` is called
/// after each submission and stops the build by returning `false` (then `Ok(None)`).
pub async fn knn_graph(
    ctx: &GpuContext,
    x: &Array2<f32>,
    k: usize,
    metric: Metric,
    max_chunk_bytes: Option<u64>,
    mut on_batch: impl FnMut(usize) -> bool,
) -> Result<Option<KnnGraph>, GpuError> {
    let metric = graph_metric(metric);
    let index = GpuFlatIndex::new(ctx, x, metric, max_chunk_bytes)?;
    let n = x.nrows();
    let mut graph = KnnGraph::with_capacity(k, n);
    for start in (0..n).step_by(GRAPH_BATCH) {
        let end = (start + GRAPH_BATCH).min(n);
        let (rows, excludes) = batch(x, start, end)?;
        let found = index
            .search_batch(&rows, k.saturating_sub(1), &excludes)
            .await?;
        for (i, nb) in (start..end).zip(&found) {
            graph.push_found(i, nb, metric);
        }
        if !on_batch(end) {
            return Ok(None);
        }
    }
    Ok(Some(graph))
}

/// [`knn_graph`], waiting for the GPU (native).
#[cfg(not(target_arch = "wasm32"))]
pub fn knn_graph_blocking(
    ctx: &GpuContext,
    x: &Array2<f32>,
    k: usize,
    metric: Metric,
    max_chunk_bytes: Option<u64>,
) -> Result<KnnGraph, GpuError> {
    let metric = graph_metric(metric);
    let index = GpuFlatIndex::new(ctx, x, metric, max_chunk_bytes)?;
    let n = x.nrows();
    let mut graph = KnnGraph::with_capacity(k, n);
    for start in (0..n).step_by(GRAPH_BATCH) {
        let end = (start + GRAPH_BATCH).min(n);
        let (rows, excludes) = batch(x, start, end)?;
        let found = index.search_batch_blocking(&rows, k.saturating_sub(1), &excludes)?;
        for (i, nb) in (start..end).zip(&found) {
            graph.push_found(i, nb, metric);
        }
    }
    Ok(graph)
}

/// Rows `start..end` of `x` as queries, each leaving itself out.
type Batch<'a> = (Vec<&'a [f32]>, Vec<Option<u32>>);

fn batch(x: &Array2<f32>, start: usize, end: usize) -> Result<Batch<'_>, GpuError> {
    let rows = (start..end)
        .map(|i| {
            x.row(i)
                .to_slice()
                .ok_or_else(|| GpuError::Readback("rows are not contiguous".into()))
        })
        .collect::<Result<_, _>>()?;
    Ok((rows, (start..end).map(|i| Some(i as u32)).collect()))
}
