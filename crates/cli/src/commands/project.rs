//! `vecscape project`: PCA, a seeded random projection or UMAP, written as an f32 `.npy`
//! (N × dims); PCA and the projections on the CPU or the GPU ([`crate::device`]), UMAP on the CPU.

use crate::args::{DeviceArg, Method, MetricArg};
use crate::device::gpu_for;
use crate::input::read_dataset;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;
use vecscape_core::data::budget::Budget;
use vecscape_core::layout::umap::{cpu_graph_method, fuzzy_graph, pca_init, umap, UmapParams};
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};

#[derive(Args)]
pub struct ProjectArgs {
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Method::Pca)]
    method: Method,
    #[arg(long, default_value_t = 2)]
    dims: usize,
    /// Seed of the random projection, or of the randomized PCA solver (on the GPU, or on the CPU
    /// above 512 dimensions).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
    /// UMAP: neighbours of each point, itself included.
    #[arg(long, default_value_t = 15)]
    neighbors: usize,
    /// UMAP: how tightly points may pack on the map.
    #[arg(long, default_value_t = 0.1)]
    min_dist: f32,
    /// UMAP: SGD epochs (default 500 up to 10,000 rows, else 200, as umap-learn).
    #[arg(long)]
    epochs: Option<usize>,
    /// Where the projection runs: the GPU (tiled matrix products on any wgpu adapter; PCA
    /// uses the randomized solver there) or the CPU. Default: the GPU when a hardware adapter
    /// exists (a CPU-emulated one, such as lavapipe, only with --device gpu).
    #[arg(long, value_enum)]
    device: Option<DeviceArg>,
    /// UMAP's neighbour graph, and --report's original-space neighbours: l2 (umap-learn's
    /// default), cosine or dot (cosine distance).
    #[arg(long, value_enum, default_value_t = MetricArg::L2)]
    metric: MetricArg,
    /// Print the layout's faithfulness: per point, the share of its 10 nearest neighbours in
    /// the original space (exact) that are among its 10 nearest on the map, as the mean and
    /// quartiles (2-D layouts).
    #[arg(long)]
    report: bool,
}

pub fn run(args: &ProjectArgs, budget: &Budget) -> Result<()> {
    let (dims, seed) = (args.dims, args.seed);
    let x = read_dataset(&args.files, budget)?.vectors;
    if dims == 0 {
        bail!("--dims must be at least 1");
    }
    let (projected, note) = match args.method {
        Method::Pca => {
            let (pca, projected) = match gpu_for(args.device)? {
                // Randomized PCA with its products on the GPU, the data resident there.
                Some(ctx) => {
                    let gpu = vecscape_gpu::GpuPca::new(&ctx);
                    let prepared = gpu.prepare_vectors(&x, dims, None)?;
                    let pca = gpu.fit_blocking(&prepared, seed)?;
                    let projected = gpu.project_blocking(&prepared, &pca)?;
                    (pca, projected)
                }
                None => {
                    let pca = Pca::fit_vectors(&x, dims, PcaSolver::for_dims(x.ncols(), seed))?;
                    let projected = pca.transform_vectors(&x);
                    (pca, projected)
                }
            };
            let ratio: Vec<String> = pca
                .explained_variance_ratio
                .iter()
                .map(|r| format!("{r:.4}"))
                .collect();
            (
                projected,
                format!("explained variance ratio [{}]", ratio.join(", ")),
            )
        }
        Method::Umap => {
            if dims != 2 {
                bail!("--method umap makes 2-D layouts: use --dims 2");
            }
            let params = UmapParams {
                neighbors: args.neighbors,
                min_dist: args.min_dist,
                epochs: args.epochs,
                seed,
                metric: args.metric.into(),
                ..UmapParams::default()
            };
            let started = std::time::Instant::now();
            let (projected, graph) = match gpu_for(args.device)? {
                // The exact graph on the GPU (all rows against all).
                Some(ctx) => {
                    params.check(x.nrows())?;
                    if params.neighbors > 32 {
                        bail!("--device gpu keeps at most 32 neighbours: use --neighbors 32 or fewer, or --device cpu");
                    }
                    let rows = x.to_f32();
                    let graph = vecscape_gpu::graph::knn_graph_blocking(
                        &ctx,
                        &rows,
                        params.neighbors,
                        params.metric,
                        None,
                    )?;
                    // The epochs on the GPU too (umap_sgd.wgsl), from the CPU's start.
                    let edges = fuzzy_graph(&graph);
                    let start = pca_init(&x, params.seed)?;
                    let mut sgd = vecscape_gpu::sgd::GpuSgd::new(
                        &ctx,
                        &start,
                        &edges,
                        &params,
                        params.epochs_for(x.nrows()),
                    )?;
                    while !sgd.done() {
                        sgd.submit(50);
                    }
                    (
                        sgd.layout_blocking()?,
                        "exact on the GPU, epochs on the GPU",
                    )
                }
                None => (
                    umap(&x, &params)?,
                    cpu_graph_method(x.nrows(), x.ncols()).name(),
                ),
            };
            (
                projected,
                format!(
                    "UMAP, {} neighbours, min_dist {}, {} epochs, seed {seed}, graph {graph}, in {:.1} s",
                    params.neighbors,
                    params.min_dist,
                    params.epochs_for(x.nrows()),
                    started.elapsed().as_secs_f64()
                ),
            )
        }
        Method::GaussianRp | Method::SparseRp => {
            let kind = if matches!(args.method, Method::GaussianRp) {
                RandomProjectionKind::Gaussian
            } else {
                RandomProjectionKind::VerySparse
            };
            let rp = RandomProjection::new(kind, x.ncols(), dims, seed)?;
            let projected = match gpu_for(args.device)? {
                Some(ctx) => vecscape_gpu::GpuMatmul::new(&ctx)
                    .start_project_vectors(&x, &rp, None)?
                    .finish_blocking()?,
                None => rp.apply_vectors(&x),
            };
            (projected, format!("seed {seed}"))
        }
    };
    let out = &args.out;
    std::fs::write(out, vecscape_core::load::npy::write_npy_f32(&projected))
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {} ({} × {dims}); {note}", out.display(), x.nrows());
    if args.report {
        report(&x, &projected, args.metric.into())?;
    }
    Ok(())
}

/// `--report`: the layout's faithfulness, on stdout.
fn report(
    x: &vecscape_core::data::store::Vectors,
    layout: &ndarray::Array2<f32>,
    metric: vecscape_core::search::types::Metric,
) -> Result<()> {
    use vecscape_core::layout::faithfulness::{faithfulness, FAITHFULNESS_K};
    if layout.ncols() != 2 {
        bail!("--report measures 2-D layouts: use --dims 2");
    }
    let xs: Vec<f32> = layout.column(0).to_vec();
    let ys: Vec<f32> = layout.column(1).to_vec();
    let f = faithfulness(x, &xs, &ys, FAITHFULNESS_K, metric)?;
    let mut sorted = f.per_point.clone();
    sorted.sort_by(f32::total_cmp);
    let q = |p: f64| {
        sorted
            .get(((sorted.len().saturating_sub(1)) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "faithfulness (kNN@{} preserved): mean {:.4}, quartiles {:.2} / {:.2} / {:.2}, {} of {} points keep none",
        f.k,
        f.mean,
        q(0.25),
        q(0.5),
        q(0.75),
        sorted.iter().filter(|&&v| v == 0.0).count(),
        sorted.len()
    );
    Ok(())
}
