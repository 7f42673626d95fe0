//! A neighbour search job: the exact nearest rows to a row in the original space, on the GPU
//! index when compute runs on WebGPU (falling back to the CPU if it fails), else with the CPU
//! scan and the aids it keeps between searches.

use crate::compute;
use crate::reply::finish;
use crate::state::{self, State};
use crate::util::now_ms;
use vecscape_core::search::bounds::RowBounds;
use vecscape_core::search::flat::{FlatIndex, SearchAids};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::Reply;

/// The most memory CPU neighbour search spends on int8 bounds (a quarter of the f32 vectors:
/// 1M × 384 takes 392 MB); above it, searches scan the vectors alone.
pub const MAX_BOUNDS_BYTES: u64 = 512 << 20;

impl State {
    /// Build the CPU search aids for the vectors and metric, unless they are built: the norms
    /// and, for f32 vectors whose bounds take at most [`MAX_BOUNDS_BYTES`], the int8 bounds
    /// that let the exact scan skip rows. Dropped whenever the vectors, their storage or the
    /// metric change.
    pub fn ensure_search_aids(&mut self) -> Result<(), String> {
        if self.search_aids.is_none() {
            let vectors = &self.data()?.vectors;
            let (rows, dims) = vectors.dim();
            let bounded = vectors.as_f32().is_some()
                && RowBounds::bytes_for(rows, dims, self.metric) <= MAX_BOUNDS_BYTES;
            self.search_aids = Some(SearchAids::build(vectors, self.metric, bounded));
        }
        Ok(())
    }

    /// The `k` exact nearest rows to `row` on the CPU, nearest first (the first search
    /// builds the aids later ones reuse).
    pub fn neighbors(&mut self, row: usize, k: usize) -> Result<(Vec<u32>, Vec<f32>), String> {
        self.ensure_search_aids()?;
        let vectors = &self.data()?.vectors;
        let aids = self.search_aids.as_ref().ok_or("no search aids")?;
        let index = FlatIndex::with_aids(vectors, aids).map_err(|e| e.to_string())?;
        let found = index.search_row(row, k).map_err(|e| e.to_string())?;
        Ok((found.ids, found.scores))
    }
}

/// Answer `job` with the `k` nearest rows to `row` (itself excluded).
pub(crate) async fn run(job: u64, row: usize, k: usize) {
    let started = now_ms();
    let picked = state::with(|s| {
        let vectors = &s.data()?.vectors;
        if row >= vectors.nrows() {
            return Err(format!(
                "row {row} is not in the data ({} rows)",
                vectors.nrows()
            ));
        }
        Ok((vectors.row_f32(row), s.gpu_index.clone()))
    });
    let (query, gpu) = match picked {
        Ok(p) => p,
        Err(e) => return finish(job, Err(e)),
    };
    let ran = compute::run(
        "neighbour search",
        gpu,
        async |index| {
            let n = index
                .search(&query, k, Some(row as u32))
                .await
                .map_err(|e| e.to_string())?;
            Ok((n.ids, n.scores))
        },
        || state::with(|s| s.neighbors(row, k)),
    )
    .await;
    if ran.gpu_error.is_some() {
        // The CPU answers from now on.
        state::with(|s| s.gpu_index = None);
    }
    let (device, gpu_error) = (ran.device, ran.gpu_error);
    finish(
        job,
        ran.value.map(|(ids, scores)| {
            (
                Reply::Neighbors {
                    job,
                    row,
                    ids,
                    scores,
                    device,
                    ms: now_ms() - started,
                    gpu_error,
                },
                Parcel::default(),
            )
        }),
    );
}
