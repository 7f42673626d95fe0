//! Projections of the loaded vectors: PCA and random projections, on WebGPU or the CPU.

use crate::actions::map::build_map;
use crate::compute;
use crate::engine;
use crate::state::{Device, Projection, Ui};
use crate::util::now_ms;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// 2-D PCA where compute runs ([`compute::run`]): on WebGPU the randomized solver with its
/// products on the GPU (`prepare` uploads the vectors from wherever they are borrowed), on the
/// CPU — or when the GPU fails — `cpu`. Returns the projection, its explained-variance ratios
/// and where it ran.
pub(crate) async fn pca_2d(
    prepare: impl FnOnce(&vecscape_gpu::GpuPca) -> Result<vecscape_gpu::pca::PreparedPca, String>,
    cpu: impl FnOnce() -> Result<(ndarray::Array2<f32>, Vec<f64>), String>,
) -> Result<(ndarray::Array2<f32>, Vec<f64>, Device), String> {
    let ran = compute::run(
        "PCA",
        compute::gpu(),
        async |ctx| {
            let gpu = vecscape_gpu::GpuPca::new(&ctx);
            let prepared = prepare(&gpu)?;
            let fit = gpu.fit(&prepared, 0).await.map_err(|e| e.to_string())?;
            let projected = gpu
                .project(&prepared, &fit)
                .await
                .map_err(|e| e.to_string())?;
            Ok((projected, fit.explained_variance_ratio))
        },
        cpu,
    )
    .await;
    let device = ran.device;
    ran.value
        .map(|(projected, ratio)| (projected, ratio, device))
}

/// New positions: xs, ys, explained variance ratios (PCA), and what it took.
pub(crate) type Projected = (Vec<f32>, Vec<f32>, Vec<f64>, String);

/// Project the loaded vectors again with `method`: random projections and PCA run on WebGPU when it is live (tiled matrix
/// products), else on the CPU. The status line says which and how long it took.
pub(crate) async fn reproject(ui: Ui, method: Projection) {
    use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};
    // A newer projection (or a new scene) while this one runs wins: this result is dropped.
    let generation = engine::with(|e| {
        e.projection_generation += 1;
        e.projection_generation
    });
    let started = now_ms();
    let kind = match method {
        Projection::GaussianRp => Some(RandomProjectionKind::Gaussian),
        Projection::SparseRp => Some(RandomProjectionKind::VerySparse),
        Projection::Pca | Projection::Precomputed => None,
    };
    let result: Result<Projected, String> = match kind {
        Some(kind) => {
            // On the GPU the product is submitted inside the engine's borrow and awaited outside it.
            let on_cpu = || {
                engine::with(|e| {
                    let x = &e.scene.as_ref().ok_or("no data loaded")?.dataset.vectors;
                    RandomProjection::new(kind, x.ncols(), 2, 0)
                        .map(|rp| rp.apply_vectors(x))
                        .map_err(|e| e.to_string())
                })
            };
            let ran = compute::run(
                "random projection",
                compute::gpu(),
                async |ctx| {
                    let pending = engine::with(|e| {
                        let x = &e.scene.as_ref().ok_or("no data loaded")?.dataset.vectors;
                        let rp = RandomProjection::new(kind, x.ncols(), 2, 0)
                            .map_err(|e| e.to_string())?;
                        vecscape_gpu::GpuMatmul::new(&ctx)
                            .start_project_vectors(x, &rp, None)
                            .map_err(|e| e.to_string())
                    })?;
                    pending.finish().await.map_err(|e| e.to_string())
                },
                on_cpu,
            )
            .await;
            let device = ran.device;
            ran.value.map(|p| (p, device.label())).map(|(p, device)| {
                let label = if method == Projection::GaussianRp {
                    "Gaussian"
                } else {
                    "sparse"
                };
                (
                    p.column(0).to_vec(),
                    p.column(1).to_vec(),
                    Vec::new(),
                    format!(
                        "{label} random projection 2-D on {device} in {:.0} ms",
                        now_ms() - started
                    ),
                )
            })
        }
        None if method == Projection::Precomputed => engine::with(|e| {
            let coords = e
                .scene
                .as_ref()
                .and_then(|s| s.dataset.coords.as_ref())
                .ok_or("this data has no precomputed x/y")?;
            Ok((
                coords.column(0).to_vec(),
                coords.column(1).to_vec(),
                Vec::new(),
                "precomputed x/y".to_owned(),
            ))
        }),
        None => pca_2d(
            |gpu| {
                engine::with(|e| {
                    let scene = e.scene.as_ref().ok_or("no data loaded")?;
                    gpu.prepare_vectors(&scene.dataset.vectors, 2, None)
                        .map_err(|e| e.to_string())
                })
            },
            || {
                engine::with(|e| {
                    let scene = e.scene.as_ref().ok_or("no data loaded")?;
                    engine::cpu_pca_2d(&scene.dataset.vectors)
                })
            },
        )
        .await
        .map(|(p, ratio, device)| {
            let variance: f64 = ratio.iter().sum();
            (
                p.column(0).to_vec(),
                p.column(1).to_vec(),
                ratio,
                format!(
                    "PCA 2-D ({:.1} % of variance) on {} in {:.0} ms",
                    variance * 100.0,
                    device.label(),
                    now_ms() - started
                ),
            )
        }),
    };
    if engine::with(|e| e.projection_generation) != generation {
        return;
    }
    match result {
        Ok((xs, ys, explained, note)) => {
            engine::with(|e| e.set_positions(xs, ys, explained));
            engine::request_redraw();
            ui.hover.set(None);
            ui.projection_note.set(note);
            ui.projection.set(method);
            spawn_local(build_map(ui));
        }
        Err(e) => ui.error.set(Some(e)),
    }
}
