//! Layouts of the loaded vectors: PCA and random projections, on WebGPU or the CPU, and the
//! data's own x/y.

use crate::compute;
use crate::reply::{finish, post};
use crate::state::{self, layout_parcel, with_vectors, Subset};
use crate::util::now_ms;
use vecscape_core::data::store::Vectors;
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Device, Layout, Method, Reply, UmapSettings};

/// 2-D PCA on the CPU (`PcaSolver::Auto`): the projection and its explained-variance ratios.
pub(crate) fn cpu_pca_2d(x: &Vectors) -> Result<(ndarray::Array2<f32>, Vec<f64>), String> {
    let pca = Pca::fit_vectors(x, 2, PcaSolver::Auto).map_err(|e| e.to_string())?;
    Ok((pca.transform_vectors(x), pca.explained_variance_ratio))
}

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

/// A random projection to 2-D (seed 0) of the loaded vectors or the `subset`'s, on the GPU when
/// compute runs there (the product is submitted inside the state's borrow and awaited outside
/// it).
async fn random_projection(
    kind: RandomProjectionKind,
    subset: Option<&Subset>,
) -> Result<(ndarray::Array2<f32>, Device), String> {
    let rp_of =
        |x: &Vectors| RandomProjection::new(kind, x.ncols(), 2, 0).map_err(|e| e.to_string());
    let ran = compute::run(
        "random projection",
        compute::gpu(),
        async |ctx| {
            let pending = with_vectors(subset, |x| {
                vecscape_gpu::GpuMatmul::new(&ctx)
                    .start_project_vectors(x, &rp_of(x)?, None)
                    .map_err(|e| e.to_string())
            })?;
            pending.finish().await.map_err(|e| e.to_string())
        },
        || with_vectors(subset, |x| Ok(rp_of(x)?.apply_vectors(x))),
    )
    .await;
    let device = ran.device;
    ran.value.map(|p| (p, device))
}

/// Lay the loaded vectors out with `method` and answer `job` with the positions; dropped when a
/// newer load or projection arrived meanwhile. With a [`vecscape_protocol::RowSet`] in the
/// parcel's `extra`, only those rows are laid out, on their own, and placed into the box of the
/// layout shown; the other rows keep their places.
pub(crate) async fn run(job: u64, method: Method, settings: UmapSettings, parcel: Parcel) {
    let subset = match vecscape_protocol::rows_of(parcel.extra.as_deref())
        .map_err(|e| format!("the rows to lay out could not be read: {e}"))
        .and_then(|set| {
            set.map(|set| state::with(|s| Subset::of(s, &set)))
                .transpose()
        }) {
        Ok(sub) => sub,
        Err(e) => return finish(job, Err(e)),
    };
    let subset = subset.as_ref();
    if subset.is_some() && method == Method::Precomputed {
        return finish(
            job,
            Err("the data's own x/y cannot lay out a selection on its own: choose PCA, UMAP or a random projection".to_owned()),
        );
    }
    let generation = state::with(|s| s.layout_generation);
    let started = now_ms();
    let mut umap_run = None;
    let result: Result<(ndarray::Array2<f32>, Vec<f64>, Device), String> = match method {
        Method::Umap => match crate::umap::run(job, generation, settings, subset).await {
            Ok(Some((y, ran, device))) => {
                umap_run = Some(ran);
                Ok((y, Vec::new(), device))
            }
            // Stopped: a newer layout or data replaced it.
            Ok(None) => {
                post(&Reply::Cancelled { job }, Parcel::default());
                return;
            }
            Err(e) => Err(e),
        },
        Method::GaussianRp | Method::SparseRp => {
            let kind = if method == Method::GaussianRp {
                RandomProjectionKind::Gaussian
            } else {
                RandomProjectionKind::VerySparse
            };
            random_projection(kind, subset)
                .await
                .map(|(p, device)| (p, Vec::new(), device))
        }
        Method::Precomputed => state::with(|s| {
            let coords = s
                .data()?
                .coords
                .clone()
                .ok_or("this data has no precomputed x/y")?;
            Ok((coords, Vec::new(), Device::Cpu))
        }),
        Method::Pca => {
            pca_2d(
                |gpu| {
                    with_vectors(subset, |x| {
                        gpu.prepare_vectors(x, 2, None).map_err(|e| e.to_string())
                    })
                },
                || with_vectors(subset, cpu_pca_2d),
            )
            .await
        }
    };
    let ms = now_ms() - started;
    let stale = state::with(|s| s.layout_job != job || s.layout_generation != generation);
    if stale {
        post(&Reply::Cancelled { job }, Parcel::default());
        return;
    }
    finish(
        job,
        result.and_then(|(p, explained, device)| {
            let (xs, ys) = (p.column(0).to_vec(), p.column(1).to_vec());
            let (xs, ys) = match subset {
                Some(sub) => sub.placed(&xs, &ys),
                None => (xs, ys),
            };
            state::with(|s| {
                s.set_layout(xs.clone(), ys.clone());
                if subset.is_none() && matches!(method, Method::Pca) {
                    s.pca_shown = Some(s.layout_generation);
                }
            });
            Ok((
                Reply::Projected {
                    job,
                    layout: Layout {
                        method,
                        explained,
                        device,
                        ms,
                        umap: umap_run,
                    },
                },
                layout_parcel(xs, ys)?,
            ))
        }),
    );
}
