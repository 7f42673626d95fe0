//! A UMAP job: the neighbour graph (exact a block at a time, or NN-Descent a step at a time), the fuzzy graph, the PCA start, then
//! the SGD epochs, with the worker's turn given back every few tens of milliseconds (so a click's
//! search or a newer request is read) and the layout so far sent to the page as it goes.

use crate::reply::post;
use crate::state::{self, layout_parcel, with_vectors, Subset};
use crate::util::{now_ms, yield_now};
use ndarray::Array2;
use std::borrow::Cow;
use vecscape_core::layout::umap::{
    fuzzy_graph, graph_descent, graph_metric, graph_rows, pca_init, plan_graph, reduce_for_graph,
    scaled_start, GraphMethod, GraphPlan, KnnGraph, Sgd, UmapParams, GRAPH_BUDGET_BYTES,
    GRAPH_DIMS,
};
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::types::Metric;
use vecscape_gpu::sgd::GpuSgd;
use vecscape_protocol::text::thousands;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Device, Reply, UmapSettings};

/// Work between two yields (ms).
const SLICE_MS: f64 = 40.0;
/// How often the page gets the layout while the epochs run (ms).
const SHOW_EVERY_MS: f64 = 150.0;
/// At most this share of the epochs' time goes to showing the layout (the hover index and the
/// copy for the page): big layouts are shown less often than every [`SHOW_EVERY_MS`].
const SHOW_SHARE: f64 = 0.05;
/// Rows of the neighbour graph searched together.
const BLOCK_ROWS: usize = 128;

fn progress(job: u64, what: String, done: usize, total: usize, parcel: Parcel) {
    post(
        &Reply::Progress {
            job,
            what,
            done: done as u64,
            total: Some(total as u64),
        },
        parcel,
    );
}

/// Add rows to the exact neighbour `graph` of `x` (searched by `metric`) for one slice of time.
pub(crate) fn grow_graph(
    graph: &mut KnnGraph,
    x: &vecscape_core::data::store::Vectors,
    metric: Metric,
) -> Result<(), String> {
    let rows = x.nrows();
    let index = FlatIndex::new(x, metric);
    let started = now_ms();
    while graph.rows() < rows && now_ms() - started < SLICE_MS {
        let start = graph.rows();
        graph
            .push_rows(&index, x, start..(start + BLOCK_ROWS).min(rows))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Whether the job is still wanted: no newer layout request and the same data and layout.
fn current(job: u64, generation: u64) -> bool {
    state::with(|s| s.layout_job == job && s.layout_generation == generation)
}

/// Run UMAP with `settings` on the loaded vectors, or on the `subset`'s (neighbours by the page's
/// metric; the layout so far is shown placed into the whole). Returns the layout and the
/// settings as run and where the epochs ran, or `None` when a newer request replaced it.
pub(crate) async fn run(
    job: u64,
    generation: u64,
    settings: UmapSettings,
    subset: Option<&Subset>,
) -> Result<Option<(Array2<f32>, UmapSettings, Device)>, String> {
    let metric = state::with(|s| s.metric);
    let (rows, params) = with_vectors(subset, |x| {
        let params = UmapParams {
            neighbors: settings.neighbors,
            min_dist: settings.min_dist,
            epochs: settings.epochs,
            seed: settings.seed,
            metric,
            ..UmapParams::default()
        };
        params.check(x.nrows()).map_err(|e| e.to_string())?;
        Ok::<_, String>((x.nrows(), params))
    })?;
    // 0. On WebGPU (real hardware, or forced by ?backend=webgpu): the exact graph there, all
    //    rows against all, a batch of rows a submission; any failure falls back to the CPU.
    let gpu_graph = match crate::compute::gpu() {
        Some(ctx) if params.neighbors <= 32 => {
            let metric = graph_metric(params.metric);
            let rows_f32 = with_vectors(subset, |x| Ok(x.to_f32().into_owned()))?;
            let built = vecscape_gpu::graph::knn_graph(
                &ctx,
                &rows_f32,
                params.neighbors,
                metric,
                None,
                |done| {
                    progress(
                        job,
                        format!(
                            "UMAP: neighbours of {} / {} rows (exact, WebGPU)",
                            thousands(done),
                            thousands(rows)
                        ),
                        done,
                        rows,
                        Parcel::default(),
                    );
                    current(job, generation)
                },
            )
            .await;
            match built {
                Ok(None) => return Ok(None),
                Ok(Some(graph)) => Some((graph, rows_f32.ncols())),
                Err(e) => {
                    log::warn!("UMAP's graph falls back to the CPU: {e}");
                    None
                }
            }
        }
        _ => None,
    };
    let (graph, plan) = match gpu_graph {
        Some((graph, dims)) => (
            graph,
            GraphPlan {
                method: GraphMethod::ExactGpu,
                reduce: false,
                dims,
                bytes: 0,
            },
        ),
        None => match cpu_graph(job, generation, rows, &params, &settings, subset).await? {
            Some(built) => built,
            None => return Ok(None),
        },
    };

    // 2. The fuzzy graph and the start.
    let edges = fuzzy_graph(&graph);
    drop(graph);
    yield_now().await;
    // The start: the PCA layout shown when there is one (the whole data's), else computed.
    let shown = state::with(|s| {
        (subset.is_none() && s.pca_shown == Some(s.layout_generation) && s.xs.len() == rows)
            .then(|| (s.xs.clone(), s.ys.clone()))
    });
    let mut y = match shown {
        Some((xs, ys)) => {
            let mut y = Array2::<f32>::zeros((rows, 2));
            for (r, mut row) in y.rows_mut().into_iter().enumerate() {
                row[0] = xs[r];
                row[1] = ys[r];
            }
            scaled_start(y, params.seed)
        }
        None => with_vectors(subset, |x| {
            pca_init(x, params.seed).map_err(|e| e.to_string())
        })?,
    };
    let epochs = params.epochs_for(rows);
    yield_now().await;

    // 3. The epochs, on WebGPU when compute runs there (any failure: on the CPU), showing the
    //    layout as it forms.
    let mut device = Device::Cpu;
    if let Some(ctx) = crate::compute::gpu() {
        match gpu_epochs(job, generation, &ctx, &y, &edges, &params, epochs, subset).await {
            Ok(Some(done)) => {
                y = done;
                device = Device::WebGpu;
            }
            Ok(None) => return Ok(None),
            Err(e) => log::warn!("UMAP's epochs fall back to the CPU: {e}"),
        }
    }
    if device == Device::Cpu {
        let mut sgd = Sgd::new(&edges, &params, epochs);
        let (mut shown, mut wait) = (now_ms(), SHOW_EVERY_MS);
        while !sgd.done() {
            let started = now_ms();
            while !sgd.done() && now_ms() - started < SLICE_MS {
                sgd.run(&mut y, 1);
            }
            let (epoch, of) = sgd.epochs();
            if now_ms() - shown >= wait && !sgd.done() {
                wait = show(job, &y, epoch, of, subset)?;
                shown = now_ms();
            }
            yield_now().await;
            if !current(job, generation) {
                return Ok(None);
            }
        }
    }
    Ok(Some((
        y,
        UmapSettings {
            epochs: Some(epochs),
            graph_dims: Some(plan.dims),
            graph: Some(plan.method),
            ..settings
        },
        device,
    )))
}

/// Send the layout so far to the page (placed into the whole for a subset); returns how long
/// to wait before the next time (ms): [`SHOW_EVERY_MS`], or more when showing took long.
fn show(
    job: u64,
    y: &Array2<f32>,
    epoch: usize,
    of: usize,
    subset: Option<&Subset>,
) -> Result<f64, String> {
    let started = now_ms();
    let (xs, ys) = (y.column(0).to_vec(), y.column(1).to_vec());
    let (xs, ys) = match subset {
        Some(sub) => sub.placed(&xs, &ys),
        None => (xs, ys),
    };
    let parcel = layout_parcel(xs, ys)?;
    progress(
        job,
        format!("UMAP: epoch {epoch} / {of}"),
        epoch,
        of,
        parcel,
    );
    Ok(SHOW_EVERY_MS.max((now_ms() - started) / SHOW_SHARE))
}

/// Epochs submitted to the GPU together.
const GPU_EPOCHS: usize = 10;

/// The epochs on WebGPU ([`GpuSgd`]), [`GPU_EPOCHS`] a submission, the layout read back after
/// each and shown every [`SHOW_EVERY_MS`] or so ([`show`]); `None` when a newer request replaced
/// the job.
#[allow(clippy::too_many_arguments)]
async fn gpu_epochs(
    job: u64,
    generation: u64,
    ctx: &vecscape_gpu::GpuContext,
    start: &Array2<f32>,
    edges: &[(u32, u32, f32)],
    params: &UmapParams,
    epochs: usize,
    subset: Option<&Subset>,
) -> Result<Option<Array2<f32>>, String> {
    let mut sgd = GpuSgd::new(ctx, start, edges, params, epochs).map_err(|e| e.to_string())?;
    let (mut shown, mut wait) = (now_ms(), SHOW_EVERY_MS);
    loop {
        sgd.submit(GPU_EPOCHS);
        let y = sgd.layout().await.map_err(|e| e.to_string())?;
        if sgd.done() {
            return Ok(Some(y));
        }
        if !current(job, generation) {
            return Ok(None);
        }
        if now_ms() - shown >= wait {
            let (epoch, of) = sgd.epochs();
            wait = show(job, &y, epoch, of, subset)?;
            shown = now_ms();
        }
    }
}

/// The graph on the CPU ([`plan_graph`]: exact or NN-Descent, on the full rows or on 50
/// principal components), a slice of work at a time; `None` when a newer request replaced it.
async fn cpu_graph(
    job: u64,
    generation: u64,
    rows: usize,
    params: &UmapParams,
    settings: &UmapSettings,
    subset: Option<&Subset>,
) -> Result<Option<(KnnGraph, GraphPlan)>, String> {
    // 0. The plan: exact or NN-Descent, on the full rows unless PCA first is asked for or they
    //    would not fit the graph's memory budget (checked before anything is allocated).
    let dims = with_vectors(subset, |x| Ok(x.ncols()))?;
    let plan = plan_graph(
        rows,
        dims,
        params.neighbors,
        settings.reduce,
        GRAPH_BUDGET_BYTES,
    )
    .map_err(|e| e.to_string())?;
    let reduced = if plan.reduce {
        progress(
            job,
            "UMAP: PCA to 50 dims for the graph".to_owned(),
            0,
            rows,
            Parcel::default(),
        );
        yield_now().await;
        with_vectors(subset, |x| {
            reduce_for_graph(x, params.metric, GRAPH_DIMS, params.seed).map_err(|e| e.to_string())
        })?
    } else {
        None
    };
    let metric = match &reduced {
        Some(_) => Metric::L2,
        None => graph_metric(params.metric),
    };

    // 1. The kNN graph (in the reduced space when there is one), a slice of work at a time.
    let mut graph = match plan.method {
        GraphMethod::Exact | GraphMethod::ExactGpu => {
            let mut graph = KnnGraph::with_capacity(params.neighbors, rows);
            while graph.rows() < rows {
                match &reduced {
                    Some(r) => grow_graph(&mut graph, r, metric),
                    None => with_vectors(subset, |x| grow_graph(&mut graph, x, metric)),
                }?;
                progress(
                    job,
                    format!(
                        "UMAP: neighbours of {} / {} rows (exact)",
                        thousands(graph.rows()),
                        thousands(rows)
                    ),
                    graph.rows(),
                    rows,
                    Parcel::default(),
                );
                yield_now().await;
                if !current(job, generation) {
                    return Ok(None);
                }
            }
            graph
        }
        GraphMethod::NnDescent => {
            // The reduced rows as they are (f32), or the full ones as the graph searches them.
            let searched = match &reduced {
                Some(r) => r.to_f32(),
                None => Cow::Owned(with_vectors(subset, |x| Ok(graph_rows(x, metric)))?),
            };
            let mut nn = graph_descent(&searched, params.neighbors, params.seed);
            loop {
                let started = now_ms();
                let mut more = true;
                while more && now_ms() - started < SLICE_MS {
                    more = nn.step();
                }
                const STEPS: usize = 1000;
                progress(
                    job,
                    format!("UMAP: neighbours ({})", nn.stage_name()),
                    (nn.progress() * STEPS as f64) as usize,
                    STEPS,
                    Parcel::default(),
                );
                yield_now().await;
                if !current(job, generation) {
                    return Ok(None);
                }
                if !more {
                    break;
                }
            }
            KnnGraph::from_descent(nn, params.neighbors, metric)
        }
    };

    if reduced.is_some() && graph_metric(params.metric) == Metric::Cosine {
        graph.cosine_from_l2();
    }
    Ok(Some((graph, plan)))
}
