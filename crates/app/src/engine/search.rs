//! Neighbour search over the scene's vectors: the GPU index when compute runs on WebGPU, the
//! CPU scan with its aids otherwise, and what changing storage or metric rebuilds.

use super::Engine;
use std::rc::Rc;
use vecscape_core::search::bounds::RowBounds;
use vecscape_core::search::flat::{FlatIndex, SearchAids};
use vecscape_core::search::types::Metric;
use vecscape_gpu::GpuFlatIndex;

/// The most memory CPU neighbour search spends on int8 bounds (a quarter of the f32 vectors:
/// 1M × 384 takes 392 MB); above it, searches scan the vectors alone.
pub const MAX_BOUNDS_BYTES: u64 = 512 << 20;

impl Engine {
    /// Keep the scene's vectors in `storage` from now on (converted a block at a time; the GPU
    /// index is rebuilt from them). The view, colours and map stay as they are.
    pub fn set_storage(
        &mut self,
        storage: vecscape_core::data::store::Storage,
    ) -> Result<(), String> {
        let Some(scene) = &mut self.scene else {
            return Ok(());
        };
        let converted = scene
            .dataset
            .vectors
            .convert(&scene.dataset.name, storage)
            .map_err(|e| e.to_string())?;
        scene.dataset.vectors = converted;
        self.gpu_index = None;
        self.search_aids = None;
        self.rebuild_gpu_index();
        Ok(())
    }

    /// Rank neighbours by `metric` from now on (the GPU index is rebuilt for it).
    pub fn set_metric(&mut self, metric: Metric) {
        if metric == self.metric {
            return;
        }
        self.metric = metric;
        self.gpu_index = None;
        self.search_aids = None;
        self.rebuild_gpu_index();
    }

    /// Upload the scene's vectors for neighbour search on the GPU, when compute runs there
    /// ([`Engine::compute_context`]); the CPU search serves otherwise.
    pub(super) fn rebuild_gpu_index(&mut self) {
        self.gpu_index = None;
        let (Some(ctx), Some(scene)) = (self.compute_context(), &self.scene) else {
            return;
        };
        match GpuFlatIndex::from_vectors(&ctx, &scene.dataset.vectors, self.metric, None) {
            Ok(index) => self.gpu_index = Some(Rc::new(index)),
            Err(e) => log::warn!("neighbour search stays on the CPU: {e}"),
        }
    }

    /// The WebGPU context for compute: the live backend's, unless its adapter is a CPU emulation
    /// (SwiftShader, WARP), which computes far slower than the wasm kernels and is used only when
    /// `?backend=webgpu` forces it ([`Engine::compute_on_emulated`]). See `crate::compute`.
    pub fn compute_context(&self) -> Option<vecscape_gpu::GpuContext> {
        self.gpu_context()
            .filter(|ctx| self.compute_on_emulated || !ctx.is_emulated())
    }

    /// The WebGPU context, when that backend is live (drawing, and the device-lost test).
    pub fn gpu_context(&self) -> Option<vecscape_gpu::GpuContext> {
        self.backend.as_ref()?.gpu_context().cloned()
    }

    /// The GPU index of the scene, if neighbour search can run on the GPU.
    pub fn gpu_index(&self) -> Option<Rc<GpuFlatIndex>> {
        self.gpu_index.clone()
    }

    /// Stop using the GPU for neighbour search (after it failed); the CPU path takes over.
    pub fn drop_gpu_index(&mut self) {
        self.gpu_index = None;
    }

    /// The `k` exact nearest rows to `row` in the original vector space, nearest first.
    /// The first search builds what later ones reuse: the norms and, for f32 vectors whose
    /// bounds take at most [`MAX_BOUNDS_BYTES`], the int8 bounds that let the exact scan skip
    /// rows (a quarter of the bytes read, the same neighbours).
    pub fn neighbors(&mut self, row: usize, k: usize) -> Result<Vec<(usize, f32)>, String> {
        let scene = self.scene.as_ref().ok_or("no data loaded")?;
        let vectors = &scene.dataset.vectors;
        // Dropped whenever the vectors, their storage or the metric change.
        if self.search_aids.is_none() {
            let (rows, dims) = vectors.dim();
            let bounded = vectors.as_f32().is_some()
                && RowBounds::bytes_for(rows, dims, self.metric) <= MAX_BOUNDS_BYTES;
            self.search_aids = Some(SearchAids::build(vectors, self.metric, bounded));
        }
        let aids = self.search_aids.as_ref().ok_or("no search aids")?;
        let index = FlatIndex::with_aids(vectors, aids).map_err(|e| e.to_string())?;
        let found = index.search_row(row, k).map_err(|e| e.to_string())?;
        Ok(found
            .ids
            .iter()
            .zip(&found.scores)
            .map(|(id, score)| (*id as usize, *score))
            .collect())
    }
}
