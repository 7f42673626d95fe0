//! The page: map canvases, status line, progress, error banner, tooltip and file picker.
//! All text from data is inserted as text nodes (Leptos escapes it), never as HTML.

use crate::backend::{Backend, CpuBackend, GpuBackend};
use crate::engine::{self, Scene};
use crate::fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_core::data::budget::{Budget, Storage};
use vecscape_core::load::dataset::Dataset;
use vecscape_core::load::file::{Format, Loaded};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const DEMO_VECTORS: &str = "demo/vectors.f16.npy";
const DEMO_META: &str = "demo/meta.jsonl";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Starting,
    Loading,
    Ready,
    Failed,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::Loading => "loading",
            Phase::Ready => "ready",
            Phase::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Hover {
    row: usize,
    text: String,
    category: Option<String>,
    at: [f32; 2],
}

#[derive(Debug, Clone, PartialEq)]
struct Neighbor {
    row: usize,
    score: f32,
    text: String,
    category: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Selection {
    row: usize,
    text: String,
    neighbors: Vec<Neighbor>,
    elapsed_ms: f64,
    /// "webgpu" or "cpu": where the search ran.
    device: &'static str,
    /// The metric's name.
    metric: &'static str,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Progress {
    what: String,
    loaded: u64,
    total: Option<u64>,
}

/// The view state the async tasks update; all fields are cheap copies of signals.
#[derive(Clone, Copy)]
struct Ui {
    phase: RwSignal<Phase>,
    progress: RwSignal<Option<Progress>>,
    backend: RwSignal<String>,
    use_gpu: RwSignal<bool>,
    summary: RwSignal<String>,
    /// The projection shown: "pca", "gaussian-rp", "sparse-rp" or "precomputed".
    projection: RwSignal<String>,
    /// What the projection took ("PCA 2-D (… % of variance) in … ms").
    projection_note: RwSignal<String>,
    /// Whether the data has precomputed x/y.
    has_coords: RwSignal<bool>,
    metric: RwSignal<String>,
    /// How the vectors are kept: "f32", "f16" or "int8" (`?storage=`, or the Memory chooser).
    storage: RwSignal<String>,
    error: RwSignal<Option<String>>,
    hover: RwSignal<Option<Hover>>,
    selection: RwSignal<Option<Selection>>,
    marker: RwSignal<Option<[f32; 2]>>,
    /// Building the map summaries: fraction done.
    map_progress: RwSignal<Option<f64>>,
    /// What the map build did ("map: levels 5–10, 12 contours in 230 ms") or why it failed.
    map_note: RwSignal<String>,
    /// Labels and tile grid over the canvas.
    overlay: RwSignal<engine::Overlay>,
    layers: RwSignal<engine::MapLayers>,
    /// The colour chooser's value and options (value, label).
    color_key: RwSignal<String>,
    color_options: RwSignal<Vec<(String, String)>>,
    legend: RwSignal<engine::Legend>,
    /// The data's time range when it has a time field: (min, max).
    time_range: RwSignal<Option<(f64, f64)>>,
    /// The period shown (0…TIME_STEPS-1), or TIME_STEPS for all times.
    time_step: RwSignal<usize>,
    playing: RwSignal<bool>,
    /// "N points in <period>".
    time_note: RwSignal<String>,
}

/// The time slider's periods.
const TIME_STEPS: usize = 12;

/// Mark `row` on the map (or nothing) and redraw.
fn mark(row: Option<usize>) {
    engine::with(|e| e.selected = row);
    engine::request_redraw();
}

/// Number of neighbours listed for a clicked point.
const NEIGHBORS_SHOWN: usize = 10;

/// Select the point under `at` (CSS px) and list its exact nearest neighbours: on the GPU when
/// WebGPU is live (falling back to the CPU if that fails), else with the CPU kernels.
fn select_at(ui: Ui, at: [f32; 2]) {
    let picked = engine::with(|e| {
        let row = e.pick_css(at)?;
        let query = e.scene.as_ref()?.dataset.vectors.row_f32(row);
        Some((row, query, e.gpu_index()))
    });
    let Some((row, query, gpu)) = picked else {
        ui.selection.set(None);
        mark(None);
        return;
    };
    spawn_local(async move {
        let started = now_ms();
        let mut device = "cpu";
        let mut found = None;
        if let Some(index) = gpu {
            match index
                .search(&query, NEIGHBORS_SHOWN, Some(row as u32))
                .await
            {
                Ok(n) => {
                    device = "webgpu";
                    found = Some(Ok(n
                        .ids
                        .iter()
                        .zip(&n.scores)
                        .map(|(id, s)| (*id as usize, *s))
                        .collect::<Vec<_>>()));
                }
                Err(e) => {
                    ui.backend.update(|b| {
                        b.push_str(&format!(" · GPU search failed, using the CPU: {e}"))
                    });
                    engine::with(|e| e.drop_gpu_index());
                }
            }
        }
        let found = match found {
            Some(f) => f,
            None => engine::with(|e| e.neighbors(row, NEIGHBORS_SHOWN)),
        };
        let elapsed_ms = now_ms() - started;
        let selection = found.map(|list| {
            engine::with(|e| {
                let meta = e.scene.as_ref().map(|s| &s.dataset.meta);
                let text = |r: usize| {
                    meta.and_then(|m| m.text.get(r).cloned())
                        .unwrap_or_default()
                };
                Selection {
                    row,
                    text: text(row),
                    neighbors: list
                        .into_iter()
                        .map(|(r, score)| Neighbor {
                            row: r,
                            score,
                            text: text(r),
                            category: meta.and_then(|m| m.category_of(r)).map(str::to_owned),
                        })
                        .collect(),
                    elapsed_ms,
                    device,
                    metric: e.metric.name(),
                }
            })
        });
        match selection {
            Ok(selection) => {
                mark(Some(selection.row));
                ui.selection.set(Some(selection));
            }
            Err(e) => ui.error.set(Some(e)),
        }
    });
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Let the browser paint (progress) before the next long step.
async fn yield_to_browser() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// 2-D PCA on WebGPU when `ctx` is given (the randomized solver with its products on the GPU;
/// `prepare` uploads the vectors from wherever they are borrowed), else — or when the GPU
/// fails — on the CPU with `cpu`. Returns the projection, its explained-variance ratios and
/// where it ran.
async fn pca_2d(
    ctx: Option<vecscape_gpu::GpuContext>,
    prepare: impl FnOnce(&vecscape_gpu::GpuPca) -> Result<vecscape_gpu::pca::PreparedPca, String>,
    cpu: impl FnOnce() -> Result<(ndarray::Array2<f32>, Vec<f64>), String>,
) -> Result<(ndarray::Array2<f32>, Vec<f64>, &'static str), String> {
    if let Some(ctx) = ctx {
        let gpu = vecscape_gpu::GpuPca::new(&ctx);
        let attempt = async {
            let prepared = prepare(&gpu)?;
            let fit = gpu.fit(&prepared, 0).await.map_err(|e| e.to_string())?;
            let projected = gpu
                .project(&prepared, &fit)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((projected, fit.explained_variance_ratio))
        };
        match attempt.await {
            Ok((projected, ratio)) => return Ok((projected, ratio, "WebGPU")),
            Err(e) => log::warn!("PCA falls back to the CPU: {e}"),
        }
    }
    let (projected, ratio) = cpu()?;
    Ok((projected, ratio, "CPU"))
}

/// New positions: xs, ys, explained variance ratios (PCA), and what it took.
type Projected = (Vec<f32>, Vec<f32>, Vec<f64>, String);

/// Project the loaded vectors again with `method` ("pca", "gaussian-rp", "sparse-rp",
/// "precomputed"): random projections and PCA run on WebGPU when it is live (tiled matrix
/// products), else on the CPU. The status line says which and how long it took.
async fn reproject(ui: Ui, method: String) {
    use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};
    let started = now_ms();
    let kind = match method.as_str() {
        "gaussian-rp" => Some(RandomProjectionKind::Gaussian),
        "sparse-rp" => Some(RandomProjectionKind::VerySparse),
        _ => None,
    };
    let result: Result<Projected, String> = match kind {
        Some(kind) => {
            // Submit on the GPU inside the borrow; await the readback outside it.
            let submitted = engine::with(|e| {
                let scene = e.scene.as_ref().ok_or("no data loaded")?;
                let x = &scene.dataset.vectors;
                let rp = RandomProjection::new(kind, x.ncols(), 2, 0).map_err(|e| e.to_string())?;
                match e.gpu_context() {
                    Some(ctx) => vecscape_gpu::GpuMatmul::new(&ctx)
                        .start_project_vectors(x, &rp, None)
                        .map(|p| (Some(p), None))
                        .or_else(|err| {
                            log::warn!("random projection falls back to the CPU: {err}");
                            Ok::<_, String>((None, Some(rp.apply_vectors(x))))
                        }),
                    None => Ok((None, Some(rp.apply_vectors(x)))),
                }
            });
            match submitted {
                Err(e) => Err(e),
                Ok((_, Some(cpu))) => Ok((cpu, "CPU")),
                Ok((Some(pending), None)) => match pending.finish().await {
                    Ok(gpu) => Ok((gpu, "WebGPU")),
                    // The GPU failed mid-request (e.g. the device was lost): finish on the CPU.
                    Err(err) => {
                        log::warn!("random projection falls back to the CPU: {err}");
                        engine::with(|e| {
                            let scene = e.scene.as_ref().ok_or("no data loaded")?;
                            let x = &scene.dataset.vectors;
                            RandomProjection::new(kind, x.ncols(), 2, 0)
                                .map(|rp| (rp.apply_vectors(x), "CPU"))
                                .map_err(|e| e.to_string())
                        })
                    }
                },
                Ok((None, None)) => Err("nothing to project".to_owned()),
            }
            .map(|(p, device)| {
                let label = if method == "gaussian-rp" {
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
        None if method == "precomputed" => engine::with(|e| {
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
        None => {
            let ctx = engine::with(|e| e.gpu_context());
            pca_2d(
                ctx,
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
                        "PCA 2-D ({:.1} % of variance) on {device} in {:.0} ms",
                        variance * 100.0,
                        now_ms() - started
                    ),
                )
            })
        }
    };
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

/// The memory budget, with `?maxRows=N` keeping only the first N rows, and the vectors kept
/// in the storage chosen (`?storage=f32|f16|int8` or the Memory chooser).
fn budget(ui: Ui) -> Budget {
    let storage = Storage::from_name(&ui.storage.get_untracked()).unwrap_or_default();
    Budget::with_max_rows(fetch::query_param("maxRows").and_then(|v| v.parse().ok()))
        .with_storage(storage)
}

/// "15,000 points × 384 dims · f16, 11.5 MB".
fn summary_of(name: &str, vectors: &vecscape_core::data::store::Vectors) -> String {
    let (rows, dims) = vectors.dim();
    format!(
        "{name} · {} points × {dims} dims · {}, {}",
        thousands(rows),
        vectors.storage().name(),
        vecscape_core::data::budget::format_bytes(vectors.bytes())
    )
}

/// Keep the loaded vectors in `name`'s storage from now on (and for the next files opened).
fn change_storage(ui: Ui, name: String) {
    let Some(storage) = Storage::from_name(&name) else {
        return;
    };
    let previous = ui.storage.get_untracked();
    let result = engine::with(|e| {
        e.set_storage(storage)?;
        Ok::<_, String>(
            e.scene
                .as_ref()
                .map(|s| summary_of(&s.dataset.name, &s.dataset.vectors)),
        )
    });
    match result {
        Ok(summary) => {
            ui.storage.set(name);
            if let Some(summary) = summary {
                ui.summary.set(summary);
            }
            ui.selection.set(None);
            mark(None);
        }
        Err(e) => {
            // The vectors stay as they were; so does the chooser.
            ui.storage.set(previous);
            ui.error.set(Some(e));
        }
    }
}

/// Progress of one file as the bar shows it.
fn loading(ui: Ui, p: &vecscape_core::load::file::Progress) {
    let rows = if p.rows > 0 {
        format!(" · {} rows", thousands(p.rows))
    } else {
        String::new()
    };
    ui.progress.set(Some(Progress {
        what: format!("Loading {}{rows}", p.file),
        loaded: p.bytes,
        total: p.total,
    }));
}

/// Join loaded files, project and show them; on any error keep the current scene and show the
/// message.
async fn show_dataset(
    ui: Ui,
    parts: Vec<Loaded>,
    grid: Option<(String, vecscape_core::map::wizmap::GridJson)>,
) -> Result<(), String> {
    let dataset = Dataset::assemble(parts, &budget(ui)).map_err(|e| e.to_string())?;
    // WizMap's precomputed topics and density, shown as they are.
    let given_map = match grid {
        Some((name, grid)) => Some(
            grid.to_summary(vecscape_core::map::MapOptions::default().contour_levels)
                .map_err(|e| format!("{name}: {e}"))?,
        ),
        None => None,
    };
    let projection = if dataset.coords.is_some() {
        "precomputed x/y".to_owned()
    } else {
        "PCA".to_owned()
    };
    ui.progress.set(Some(Progress {
        what: format!(
            "Projecting {} vectors ({projection})",
            thousands(dataset.len())
        ),
        ..Default::default()
    }));
    yield_to_browser().await;
    let started = now_ms();
    let (rows, dims) = dataset.vectors.dim();
    let (pca, device) = if dataset.coords.is_none() {
        let ctx = engine::with(|e| e.gpu_context());
        let x = &dataset.vectors;
        let (projected, ratio, device) = pca_2d(
            ctx,
            |gpu| gpu.prepare_vectors(x, 2, None).map_err(|e| e.to_string()),
            || engine::cpu_pca_2d(x),
        )
        .await
        .map_err(|e| format!("{}: {e}", dataset.name))?;
        (Some((projected, ratio)), device)
    } else {
        (None, "CPU")
    };
    let scene = Scene::build(dataset, pca)?;
    let pca_ms = now_ms() - started;
    let variance: f64 = scene.explained_variance_ratio.iter().sum();
    let name = scene.dataset.name.clone();
    engine::with(|e| e.install(scene));
    setup_colors(ui);
    engine::request_redraw();
    ui.hover.set(None);
    ui.selection.set(None);
    let projected = if projection == "PCA" {
        format!(
            "PCA 2-D ({:.1} % of variance) on {device} in {pca_ms:.0} ms",
            variance * 100.0
        )
    } else {
        projection.clone()
    };
    ui.projection.set(
        if projection == "PCA" {
            "pca"
        } else {
            "precomputed"
        }
        .to_owned(),
    );
    ui.has_coords.set(projection != "PCA");
    ui.summary.set(engine::with(|e| {
        e.scene.as_ref().map_or_else(
            || format!("{name} · {} points × {dims} dims", thousands(rows)),
            |s| summary_of(&name, &s.dataset.vectors),
        )
    }));
    ui.projection_note.set(projected);
    match given_map {
        Some(summary) => {
            let note = format!(
                "map: {} levels from grid.json (WizMap's topics and density)",
                summary.levels.len()
            );
            engine::with(|e| e.set_map(engine::MapView::new(summary)));
            engine::request_redraw();
            ui.map_progress.set(None);
            ui.map_note.set(note);
        }
        None => spawn_local(build_map(ui)),
    }
    Ok(())
}

/// Build the map's summaries (keywords per tile per level, density, contours) for the layout
/// shown, one stage at a time with a yield to the browser between stages and a progress bar.
/// A new layout while building abandons the old build.
async fn build_map(ui: Ui) {
    use vecscape_core::map::{MapOptions, SummaryBuilder};
    let Some((generation, xs, ys, texts)) = engine::with(|e| {
        let scene = e.scene.as_ref()?;
        let meta = &scene.dataset.meta;
        let texts = if meta.text_field.is_some() {
            meta.text.clone()
        } else {
            Vec::new()
        };
        Some((e.map_generation, scene.xs.clone(), scene.ys.clone(), texts))
    }) else {
        return;
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let started = now_ms();
    let mut builder = match SummaryBuilder::new(&xs, &ys, &refs, MapOptions::default()) {
        Ok(b) => b,
        Err(e) => {
            ui.map_note.set(format!("no map: {e}"));
            return;
        }
    };
    ui.map_note.set(String::new());
    let mut density_device = "CPU";
    loop {
        ui.map_progress.set(Some(builder.fraction()));
        yield_to_browser().await;
        if engine::with(|e| e.map_generation) != generation {
            return;
        }
        // The density on WebGPU when it is live (splat + separable blur), else on the CPU.
        if let Some((spec, sigma)) = builder.density_request() {
            let pending = engine::with(|e| {
                let ctx = e.gpu_context()?;
                vecscape_gpu::GpuKde::new(&ctx)
                    .start(&xs, &ys, &spec, sigma)
                    .map_err(|err| log::warn!("density falls back to the CPU: {err}"))
                    .ok()
            });
            if let Some(pending) = pending {
                match pending.finish().await {
                    Ok(grid) => {
                        builder.provide_density(grid);
                        density_device = "WebGPU";
                        continue;
                    }
                    Err(err) => log::warn!("density falls back to the CPU: {err}"),
                }
            }
        }
        match builder.step() {
            Ok(None) => {}
            Ok(Some(summary)) => {
                let levels = match (summary.levels.first(), summary.levels.last()) {
                    (Some(a), Some(b)) => format!("levels {}–{}", a.level, b.level),
                    _ => "no levels".to_owned(),
                };
                let note = format!(
                    "map: {levels}, {} contours (density on {density_device}) in {:.0} ms",
                    summary.contours.len(),
                    now_ms() - started
                );
                engine::with(|e| e.set_map(engine::MapView::new(summary)));
                engine::request_redraw();
                ui.map_progress.set(None);
                ui.map_note.set(note);
                return;
            }
            Err(e) => {
                ui.map_progress.set(None);
                ui.map_note.set(format!("no map: {e}"));
                return;
            }
        }
    }
}

/// Fill the colour chooser from the data's fields and colour by the first categorical field.
fn setup_colors(ui: Ui) {
    let (options, default) = engine::with(|e| {
        let Some(scene) = &e.scene else {
            return (Vec::new(), engine::ColorBy::Uniform);
        };
        let meta = &scene.dataset.meta;
        let mut options = vec![("none".to_owned(), "one colour".to_owned())];
        for c in &meta.categorical {
            options.push((
                engine::ColorBy::Category(c.field.clone()).key(),
                format!("{} ({} categories)", c.field, c.names.len()),
            ));
        }
        for n in &meta.numeric {
            options.push((
                engine::ColorBy::Numeric(n.field.clone()).key(),
                format!("{} (numeric)", n.field),
            ));
        }
        let default = meta.category().map_or(engine::ColorBy::Uniform, |c| {
            engine::ColorBy::Category(c.field.clone())
        });
        (options, default)
    });
    ui.color_options.set(options);
    engine::with(|e| e.time_window = None);
    recolor(ui, default, Default::default());
    let range = engine::with(|e| {
        let time = e.scene.as_ref()?.dataset.meta.time.as_ref()?;
        time.range().filter(|(lo, hi)| hi > lo)
    });
    ui.playing.set(false);
    ui.time_step.set(TIME_STEPS);
    ui.time_note.set(String::new());
    ui.time_range.set(range);
}

/// A time as a date when it looks like Unix seconds (after 1973), else as a number.
fn format_time(t: f64) -> String {
    if t > 1e8 {
        let iso = String::from(js_sys::Date::new(&JsValue::from_f64(t * 1000.0)).to_iso_string());
        iso.get(..10).unwrap_or(&iso).to_owned()
    } else {
        vecscape_core::data::meta::format_number((t * 100.0).round() / 100.0)
    }
}

/// Show period `step` of the time range (or all times for `TIME_STEPS`).
fn show_time_step(ui: Ui, step: usize) {
    let Some((lo, hi)) = ui.time_range.get_untracked() else {
        return;
    };
    let window = (step < TIME_STEPS).then(|| {
        let width = (hi - lo) / TIME_STEPS as f64;
        let start = lo + width * step as f64;
        // The last period includes the latest time.
        let end = if step + 1 == TIME_STEPS {
            f64::INFINITY
        } else {
            start + width
        };
        (start, end)
    });
    let shown = engine::with(|e| e.set_time_window(window));
    engine::request_redraw();
    ui.time_step.set(step);
    ui.time_note.set(match window {
        None => "all times".to_owned(),
        Some((start, _)) => {
            let end = (lo + (hi - lo) / TIME_STEPS as f64 * (step + 1) as f64).min(hi);
            format!(
                "{} – {} · {} points",
                format_time(start),
                format_time(end),
                thousands(shown)
            )
        }
    });
}

/// Step through the periods while `playing` is on.
async fn play(ui: Ui) {
    while ui.playing.get_untracked() {
        let next = (ui.time_step.get_untracked() + 1) % TIME_STEPS;
        show_time_step(ui, next);
        gloo_timers::future::TimeoutFuture::new(900).await;
    }
}

/// Play/pause and the period slider, when the data has a time field.
fn time_controls(ui: Ui) -> impl IntoView {
    move || {
        ui.time_range.get().map(|_| {
            view! {
                <div id="time-controls" class="time-controls"
                    on:pointerdown=|ev: web_sys::PointerEvent| ev.stop_propagation()
                    on:pointerup=|ev: web_sys::PointerEvent| ev.stop_propagation()
                >
                    <button
                        id="time-play"
                        on:click=move |_| {
                            let on = !ui.playing.get_untracked();
                            ui.playing.set(on);
                            if on {
                                spawn_local(play(ui));
                            }
                        }
                    >
                        {move || if ui.playing.get() { "Pause" } else { "Play" }}
                    </button>
                    <input
                        id="time-slider"
                        type="range"
                        min="0"
                        max=TIME_STEPS.to_string()
                        prop:value=move || ui.time_step.get().to_string()
                        on:input=move |ev| {
                            if let Ok(step) = event_target_value(&ev).parse::<usize>() {
                                show_time_step(ui, step.min(TIME_STEPS));
                            }
                        }
                    />
                    <span id="time-label">{move || {
                        let note = ui.time_note.get();
                        if note.is_empty() { "all times".to_owned() } else { note }
                    }}</span>
                </div>
            }
        })
    }
}

/// Colour by `by` with the categories in `hidden` switched off.
fn recolor(ui: Ui, by: engine::ColorBy, hidden: std::collections::HashSet<u32>) {
    let key = by.key();
    let legend = engine::with(|e| e.recolor(by, hidden));
    ui.color_key.set(key);
    ui.legend.set(legend);
    engine::request_redraw();
}

/// The legend: the categories (click one to hide or show its points) or the numeric range.
fn legend_view(ui: Ui) -> impl IntoView {
    move || match ui.legend.get() {
        _ if !ui.layers.get().legend => None,
        engine::Legend::None => None,
        engine::Legend::Categories {
            field,
            entries,
            more,
        } => Some({
            let title = field.clone();
            view! {
                <aside id="legend" class="legend" data-field=field
                    on:pointerdown=|ev: web_sys::PointerEvent| ev.stop_propagation()
                    on:pointerup=|ev: web_sys::PointerEvent| ev.stop_propagation()
                >
                    <div class="legend-title">{title}</div>
                    {entries
                        .into_iter()
                        .map(|entry| {
                            let code = entry.code;
                            let [r, g, b, _] = entry.color;
                            view! {
                                <button
                                    class="legend-entry"
                                    class:off=entry.hidden
                                    data-code=code.to_string()
                                    on:click=move |_| {
                                        let (by, mut hidden) =
                                            engine::with(|e| (e.color_by.clone(), e.hidden.clone()));
                                        if !hidden.remove(&code) {
                                            hidden.insert(code);
                                        }
                                        recolor(ui, by, hidden);
                                    }
                                >
                                    <span class="swatch" style:background=format!("rgb({r},{g},{b})")></span>
                                    <span class="name">{entry.name}</span>
                                    <span class="count">{thousands(entry.count)}</span>
                                </button>
                            }
                        })
                        .collect_view()}
                    {(more > 0).then(|| view! { <div class="legend-more">{format!("… and {} more", thousands(more))}</div> })}
                </aside>
            }
            .into_any()
        }),
        engine::Legend::Numeric { field, min, max } => Some({
            let title = field.clone();
            view! {
                <aside id="legend" class="legend" data-field=field>
                    <div class="legend-title">{title}</div>
                    <div class="legend-scale"></div>
                    <div class="legend-range">
                        <span class="min">{vecscape_core::data::meta::format_number(min)}</span>
                        <span class="max">{vecscape_core::data::meta::format_number(max)}</span>
                    </div>
                </aside>
            }
            .into_any()
        }),
    }
}

/// Offer the map's summaries as WizMap's `grid.json` (a download).
fn export_grid_json() -> Result<(), String> {
    let json = engine::with(|e| {
        let map = e.map.as_ref()?;
        let scene = e.scene.as_ref()?;
        let grid = vecscape_core::map::wizmap::GridJson::from_summary(
            &map.summary,
            &scene.dataset.name,
            scene.xs.len(),
        );
        Some(serde_json::to_string(&grid))
    })
    .ok_or("no map to export yet")?
    .map_err(|e| e.to_string())?;
    let parts = js_sys::Array::of1(&JsValue::from_str(&json));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    a.set_href(&url);
    a.set_download("grid.json");
    a.click();
    // The download has started by the time this runs.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Measures label text with the page's label font (a 2D canvas's `measureText`).
fn label_measure() -> Option<engine::MeasureText> {
    let document = web_sys::window()?.document()?;
    let canvas = document
        .create_element("canvas")
        .ok()?
        .dyn_into::<web_sys::HtmlCanvasElement>()
        .ok()?;
    let ctx = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    ctx.set_font(LABEL_FONT);
    Some(Box::new(move |text: &str| {
        ctx.measure_text(text)
            .map_or(text.chars().count() as f32 * 7.0, |m| m.width() as f32)
    }))
}

/// The labels' font, as in the stylesheet's `.map-label`.
const LABEL_FONT: &str = "600 12px system-ui, sans-serif";

/// The last path segment of a URL, for messages ("…/vectors.npy?x=1" → "vectors.npy").
fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(path)
        .to_owned()
}

/// The WebGPU device is gone: draw on the CPU canvas from now on, keeping the data, the map,
/// the view and the selection, and say so in the status line. Searches and projections already
/// fall back per request when the GPU fails; after this they go straight to the CPU.
fn fall_back_to_cpu(ui: Ui, why: &str) {
    if !engine::with(|e| e.backend.as_ref().is_some_and(Backend::is_gpu)) {
        return;
    }
    let canvas = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("map-cpu"))
        .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok());
    let cpu = match canvas.map(CpuBackend::new) {
        Some(Ok(cpu)) => Backend::Cpu(cpu),
        Some(Err(e)) => {
            ui.error
                .set(Some(format!("The WebGPU device was lost ({why}) and {e}")));
            return;
        }
        None => {
            ui.error.set(Some(format!(
                "The WebGPU device was lost ({why}) and there is no CPU canvas"
            )));
            return;
        }
    };
    let label = cpu.label();
    engine::with(|e| e.replace_backend(cpu));
    ui.use_gpu.set(false);
    ui.backend
        .set(format!("{label} · the WebGPU device was lost ({why})"));
    engine::request_redraw();
}

async fn start(
    ui: Ui,
    gpu_canvas: web_sys::HtmlCanvasElement,
    cpu_canvas: web_sys::HtmlCanvasElement,
) {
    let forced_cpu = fetch::query_param("backend").as_deref() == Some("cpu");
    let mut note = String::new();
    let backend = if forced_cpu {
        note = " · forced by ?backend=cpu".to_owned();
        None
    } else {
        match GpuBackend::new(gpu_canvas).await {
            Ok(gpu) => Some(Backend::Gpu(Box::new(gpu))),
            Err(reason) => {
                note = format!(" · WebGPU unavailable: {reason}");
                None
            }
        }
    };
    let backend = match backend {
        Some(b) => b,
        None => match CpuBackend::new(cpu_canvas) {
            Ok(cpu) => Backend::Cpu(cpu),
            Err(e) => {
                ui.error.set(Some(format!("No way to draw: {e}")));
                ui.phase.set(Phase::Failed);
                return;
            }
        },
    };
    if let Some(ctx) = backend.gpu_context() {
        // A lost device (driver reset, GPU removed, `destroy()`): finish on the CPU. The callback
        // may fire while the GPU is in use, so the switch runs on the next turn of the event loop.
        ctx.device.set_device_lost_callback(move |reason, message| {
            let why = if message.is_empty() {
                format!("{reason:?}")
            } else {
                format!("{reason:?}: {message}")
            };
            gloo_timers::callback::Timeout::new(0, move || fall_back_to_cpu(ui, &why)).forget();
        });
    }
    ui.use_gpu.set(backend.is_gpu());
    ui.backend.set(format!("{}{note}", backend.label()));
    engine::with(|e| {
        e.backend = Some(backend);
        e.on_resize();
    });
    install_test_hooks();
    if fetch::query_param("bench").is_some() {
        crate::bench::install();
    }

    ui.phase.set(Phase::Loading);
    // `?data=URL[&meta=URL]` opens other data; the built-in demo otherwise.
    let (vectors_url, meta_url) = match fetch::query_param("data") {
        Some(data) => (data, fetch::query_param("meta")),
        None => (DEMO_VECTORS.to_owned(), Some(DEMO_META.to_owned())),
    };
    let budget = budget(ui);
    let mut parts = Vec::new();
    for url in std::iter::once(&vectors_url).chain(meta_url.as_ref()) {
        let result = fetch::fetch_into(url, &file_name(url), &budget, |p| loading(ui, p)).await;
        match result {
            Ok(loaded) => parts.push(loaded),
            Err(e) => {
                ui.error.set(Some(e));
                ui.progress.set(None);
                ui.phase.set(Phase::Failed);
                return;
            }
        }
    }
    let grid = match fetch::query_param("grid") {
        Some(url) => match fetch::fetch_bytes(&url).await.and_then(|bytes| {
            vecscape_core::map::wizmap::GridJson::parse(&bytes).map_err(|e| format!("{url}: {e}"))
        }) {
            Ok(grid) => Some((url, grid)),
            Err(e) => {
                ui.error.set(Some(e));
                None
            }
        },
        None => None,
    };
    let result = show_dataset(ui, parts, grid).await;
    ui.progress.set(None);
    match result {
        Ok(()) => ui.phase.set(Phase::Ready),
        Err(e) => {
            ui.error.set(Some(e));
            ui.phase.set(Phase::Failed);
        }
    }
}

/// Load files the user picked or dropped: one `.npy` and optionally its `.jsonl` metadata.
async fn open_files(ui: Ui, files: Vec<web_sys::File>) {
    let unknown: Vec<String> = files
        .iter()
        .map(|f| f.name())
        .filter(|n| Format::of(n) == Format::Unknown && !fetch::is_grid_json(n))
        .collect();
    if !unknown.is_empty() {
        ui.error.set(Some(format!(
            "{}: not a format vecscape reads (.npy, .parquet, .arrow/.feather, .csv, .tsv, .jsonl/.ndjson, raw .bin/.bytes with projector_config.json)",
            unknown.join(", ")
        )));
        return;
    }
    let previous_phase = ui.phase.get_untracked();
    ui.phase.set(Phase::Loading);
    let result = async {
        let budget = budget(ui);
        let mut parts = Vec::with_capacity(files.len());
        let mut grid = None;
        for file in &files {
            let name = file.name();
            if fetch::is_grid_json(&name) {
                let bytes = fetch::file_bytes(file).await?;
                let parsed = vecscape_core::map::wizmap::GridJson::parse(&bytes)
                    .map_err(|e| format!("{name}: {e}"))?;
                grid = Some((name, parsed));
                continue;
            }
            parts.push(fetch::read_file_into(file, &budget, |p| loading(ui, p)).await?);
        }
        show_dataset(ui, parts, grid).await
    }
    .await;
    ui.progress.set(None);
    match result {
        Ok(()) => {
            ui.error.set(None);
            ui.phase.set(Phase::Ready);
        }
        Err(e) => {
            ui.error.set(Some(e));
            // The map already shown stays, and so does its state.
            ui.phase.set(if previous_phase == Phase::Ready {
                Phase::Ready
            } else {
                Phase::Failed
            });
        }
    }
}

/// `window.vecscapeTest`: read-only hooks the end-to-end tests use to find points on screen.
fn install_test_hooks() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = js_sys::Object::new();
    let positions = Closure::<dyn Fn() -> js_sys::Float32Array>::new(|| {
        let positions = engine::with(|e| e.screen_positions_css());
        js_sys::Float32Array::from(positions.as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"screenPositions".into(), positions.as_ref());
    positions.forget();
    let world = Closure::<dyn Fn() -> js_sys::Float32Array>::new(|| {
        let positions = engine::with(|e| e.world_positions());
        js_sys::Float32Array::from(positions.as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"worldPositions".into(), world.as_ref());
    world.forget();
    // The CPU twin of the random projection the chooser runs (seed 0), interleaved x, y.
    let cpu_rp = Closure::<dyn Fn(String) -> js_sys::Float32Array>::new(|kind: String| {
        use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};
        let kind = if kind == "sparse-rp" {
            RandomProjectionKind::VerySparse
        } else {
            RandomProjectionKind::Gaussian
        };
        let out = engine::with(|e| {
            let x = &e.scene.as_ref()?.dataset.vectors;
            let rp = RandomProjection::new(kind, x.ncols(), 2, 0).ok()?;
            Some(rp.apply_vectors(x).iter().copied().collect::<Vec<f32>>())
        });
        js_sys::Float32Array::from(out.unwrap_or_default().as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"cpuRandomProjection".into(), cpu_rp.as_ref());
    cpu_rp.forget();
    // The CPU PCA the app would show: "randomized" is the WebGPU path's twin (same solver and
    // seed, products summed by ndarray), anything else the CPU path (`PcaSolver::Auto`).
    // Projected rows interleaved x, y.
    let cpu_pca = Closure::<dyn Fn(String) -> js_sys::Float32Array>::new(|solver: String| {
        use vecscape_core::project::pca::{Pca, PcaSolver};
        let solver = if solver == "randomized" {
            PcaSolver::Randomized { seed: 0 }
        } else {
            PcaSolver::Auto
        };
        let out = engine::with(|e| {
            let x = &e.scene.as_ref()?.dataset.vectors;
            let pca = Pca::fit_vectors(x, 2, solver).ok()?;
            Some(
                pca.transform_vectors(x)
                    .iter()
                    .copied()
                    .collect::<Vec<f32>>(),
            )
        });
        js_sys::Float32Array::from(out.unwrap_or_default().as_slice())
    });
    let _ = js_sys::Reflect::set(&hooks, &"cpuPca".into(), cpu_pca.as_ref());
    cpu_pca.forget();
    // Destroy the WebGPU device, as a driver reset would lose it; true when there was one.
    let lose = Closure::<dyn Fn() -> bool>::new(|| {
        engine::with(|e| e.gpu_context())
            .map(|ctx| ctx.device.destroy())
            .is_some()
    });
    let _ = js_sys::Reflect::set(&hooks, &"loseGpuDevice".into(), lose.as_ref());
    lose.forget();
    let twins =
        Closure::<dyn Fn() -> bool>::new(|| vecscape_core::view::raster::twins_agree(4000, 11));
    let _ = js_sys::Reflect::set(&hooks, &"rasterTwinsAgree".into(), twins.as_ref());
    twins.forget();
    let knn = Closure::<dyn Fn() -> bool>::new(|| vecscape_core::search::checks::kernels_agree(7));
    let _ = js_sys::Reflect::set(&hooks, &"knnKernelsAgree".into(), knn.as_ref());
    knn.forget();
    let _ = js_sys::Reflect::set(&window, &"vecscapeTest".into(), &hooks);
}

/// Resize the backing store whenever the map's box changes (window resize, banner shown, …).
fn watch_size(element: &web_sys::Element) {
    let on_change = Closure::<dyn FnMut(js_sys::Array)>::new(|_entries: js_sys::Array| {
        engine::with(|e| e.on_resize());
        engine::request_redraw();
    });
    match web_sys::ResizeObserver::new(on_change.as_ref().unchecked_ref()) {
        Ok(observer) => {
            observer.observe(element);
            on_change.forget();
        }
        Err(e) => log::warn!("ResizeObserver unavailable: {e:?}"),
    }
}

fn local_point(ev: &web_sys::MouseEvent) -> [f32; 2] {
    let rect = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| el.get_bounding_client_rect());
    let (left, top) = rect.map_or((0.0, 0.0), |r| (r.left(), r.top()));
    [
        (f64::from(ev.client_x()) - left) as f32,
        (f64::from(ev.client_y()) - top) as f32,
    ]
}

/// Change the layer settings and redraw.
fn set_layers(ui: Ui, change: impl FnOnce(&mut engine::MapLayers)) {
    let mut layers = ui.layers.get_untracked();
    change(&mut layers);
    ui.layers.set(layers);
    engine::with(|e| e.layers = layers);
    engine::request_redraw();
}

/// A checkbox for one map layer.
fn layer_toggle(
    ui: Ui,
    id: &'static str,
    label: &'static str,
    get: fn(&engine::MapLayers) -> bool,
    set: fn(&mut engine::MapLayers, bool),
) -> impl IntoView {
    view! {
        <label class="toggle">
            <input
                id=id
                type="checkbox"
                prop:checked=move || get(&ui.layers.get())
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    set_layers(ui, |l| set(l, on));
                }
            />
            {label}
        </label>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ui = Ui {
        phase: RwSignal::new(Phase::Starting),
        progress: RwSignal::new(None),
        backend: RwSignal::new(String::new()),
        use_gpu: RwSignal::new(false),
        summary: RwSignal::new(String::new()),
        projection: RwSignal::new("pca".to_owned()),
        projection_note: RwSignal::new(String::new()),
        has_coords: RwSignal::new(false),
        metric: RwSignal::new("cosine".to_owned()),
        storage: RwSignal::new(
            fetch::query_param("storage")
                .filter(|s| Storage::from_name(s).is_some())
                .unwrap_or_else(|| "f32".to_owned()),
        ),
        error: RwSignal::new(None),
        hover: RwSignal::new(None),
        selection: RwSignal::new(None),
        marker: RwSignal::new(None),
        map_progress: RwSignal::new(None),
        map_note: RwSignal::new(String::new()),
        overlay: RwSignal::new(engine::Overlay::default()),
        layers: RwSignal::new(engine::MapLayers::default()),
        color_key: RwSignal::new("none".to_owned()),
        color_options: RwSignal::new(Vec::new()),
        legend: RwSignal::new(engine::Legend::None),
        time_range: RwSignal::new(None),
        time_step: RwSignal::new(TIME_STEPS),
        playing: RwSignal::new(false),
        time_note: RwSignal::new(String::new()),
    };
    engine::with(|e| {
        e.marker = Some(ui.marker);
        e.overlay = Some(ui.overlay);
        e.measure = label_measure();
    });
    // Where the primary pointer went down, to tell a click from a drag.
    let press = StoredValue::new(None::<[f32; 2]>);
    // The status line's notes; also its tooltip, where the line is cut short.
    let status_line = move || {
        let mut line = ui.summary.get();
        for note in [ui.projection_note.get(), ui.map_note.get()] {
            if !note.is_empty() {
                line = format!("{line} · {note}");
            }
        }
        line
    };
    let gpu_canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let cpu_canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let started = StoredValue::new(false);
    // Active pointers: (id, last position) for drag and pinch.
    let pointers = StoredValue::new(Vec::<(i32, [f32; 2])>::new());

    Effect::new(move |_| {
        let (Some(gpu), Some(cpu)) = (gpu_canvas.get(), cpu_canvas.get()) else {
            return;
        };
        if started.get_value() {
            return;
        }
        started.set_value(true);
        watch_size(&gpu);
        spawn_local(start(ui, gpu, cpu));
    });

    let on_pointer_down = move |ev: web_sys::PointerEvent| {
        let p = local_point(&ev);
        if let Some(target) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = target.set_pointer_capture(ev.pointer_id());
        }
        pointers.update_value(|ps| {
            ps.retain(|(id, _)| *id != ev.pointer_id());
            ps.push((ev.pointer_id(), p));
        });
        press.set_value(if pointers.with_value(Vec::len) == 1 {
            Some(p)
        } else {
            None
        });
        ui.hover.set(None);
    };
    let on_pointer_move = move |ev: web_sys::PointerEvent| {
        let p = local_point(&ev);
        let id = ev.pointer_id();
        let before = pointers.with_value(|ps| ps.clone());
        match before.as_slice() {
            [] => {
                let hit = engine::with(|e| {
                    let row = e.pick_css(p)?;
                    let meta = &e.scene.as_ref()?.dataset.meta;
                    Some(Hover {
                        row,
                        text: meta.text.get(row).cloned().unwrap_or_default(),
                        category: meta.category_of(row).map(str::to_owned),
                        at: p,
                    })
                });
                if ui.hover.get_untracked() != hit {
                    ui.hover.set(hit);
                }
            }
            [(only, last)] if *only == id => {
                engine::with(|e| e.pan_css(p[0] - last[0], p[1] - last[1]));
                pointers.update_value(|ps| ps[0].1 = p);
                engine::request_redraw();
            }
            [(a, pa), (b, pb)] if *a == id || *b == id => {
                let (other, moved_old) = if *a == id { (*pb, *pa) } else { (*pa, *pb) };
                let dist = |u: [f32; 2], v: [f32; 2]| ((u[0] - v[0]).hypot(u[1] - v[1])).max(1.0);
                let factor = dist(p, other) / dist(moved_old, other);
                let mid = [(p[0] + other[0]) / 2.0, (p[1] + other[1]) / 2.0];
                let old_mid = [
                    (moved_old[0] + other[0]) / 2.0,
                    (moved_old[1] + other[1]) / 2.0,
                ];
                engine::with(|e| {
                    e.pan_css(mid[0] - old_mid[0], mid[1] - old_mid[1]);
                    e.zoom_css(mid, factor);
                });
                pointers.update_value(|ps| {
                    if let Some(entry) = ps.iter_mut().find(|(pid, _)| *pid == id) {
                        entry.1 = p;
                    }
                });
                engine::request_redraw();
            }
            _ => {}
        }
    };
    let on_pointer_up = move |ev: web_sys::PointerEvent| {
        pointers.update_value(|ps| ps.retain(|(id, _)| *id != ev.pointer_id()));
        let p = local_point(&ev);
        if let Some(down) = press.get_value() {
            press.set_value(None);
            if (p[0] - down[0]).hypot(p[1] - down[1]) < 4.0 && ev.type_() == "pointerup" {
                select_at(ui, p);
            }
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let lines = if ev.delta_mode() == 1 { 16.0 } else { 1.0 };
        let factor = (-(ev.delta_y() * lines) as f32 * 0.0015).exp();
        let p = local_point(&ev);
        engine::with(|e| e.zoom_css(p, factor));
        engine::request_redraw();
        ui.hover.set(None);
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        input.set_value("");
        if !files.is_empty() {
            spawn_local(open_files(ui, files));
        }
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        let files: Vec<web_sys::File> = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        if !files.is_empty() {
            spawn_local(open_files(ui, files));
        }
    };
    let reset_view = move |_| {
        engine::with(|e| e.reset_view());
        engine::request_redraw();
    };

    view! {
        <main
            id="app"
            data-state=move || ui.phase.get().as_str()
            data-map=move || if ui.map_progress.get().is_some() { "building" } else if ui.map_note.get().starts_with("map:") { "ready" } else { "none" }
        >
            <header class="toolbar">
                <h1>"vecscape"</h1>
                <label class="button">
                    "Open files…"
                    <input id="file-input" type="file" multiple accept=".npy,.parquet,.pq,.arrow,.arrows,.feather,.ipc,.csv,.tsv,.jsonl,.ndjson,.bin,.bytes,.f32,.json" on:change=on_pick />
                </label>
                <button on:click=reset_view>"Reset view"</button>
                <label class="control">
                    "Projection "
                    <select
                        id="projection"
                        prop:value=move || ui.projection.get()
                        on:change=move |ev| {
                            let method = event_target_value(&ev);
                            spawn_local(reproject(ui, method));
                        }
                    >
                        <option value="pca">"PCA"</option>
                        <option value="gaussian-rp">"Gaussian random projection"</option>
                        <option value="sparse-rp">"Sparse random projection"</option>
                        <option value="precomputed" disabled=move || !ui.has_coords.get()>"Precomputed x/y"</option>
                    </select>
                </label>
                <label class="control">
                    "Neighbours by "
                    <select
                        id="metric"
                        prop:value=move || ui.metric.get()
                        on:change=move |ev| {
                            let name = event_target_value(&ev);
                            if let Some(m) = vecscape_core::search::types::Metric::from_name(&name) {
                                engine::with(|e| e.set_metric(m));
                                ui.metric.set(name);
                                ui.selection.set(None);
                                mark(None);
                            }
                        }
                    >
                        <option value="cosine">"cosine"</option>
                        <option value="dot">"dot product"</option>
                        <option value="l2">"L2 distance"</option>
                    </select>
                </label>
                <label class="control" title="How the vectors are kept in memory: f32 as loaded; f16 in half the memory (exact for data stored as f16); int8 in a quarter (a byte a value and a scale per row). Neighbours are exact for the stored values.">
                    "Memory "
                    <select
                        id="storage"
                        prop:value=move || ui.storage.get()
                        on:change=move |ev| change_storage(ui, event_target_value(&ev))
                    >
                        <option value="f32">"f32"</option>
                        <option value="f16">"f16 (½)"</option>
                        <option value="int8">"int8 (¼)"</option>
                    </select>
                </label>
                <label class="control">
                    "Colour by "
                    <select
                        id="color-by"
                        prop:value=move || ui.color_key.get()
                        on:change=move |ev| {
                            recolor(ui, engine::ColorBy::from_key(&event_target_value(&ev)), Default::default());
                        }
                    >
                        <For
                            each=move || ui.color_options.get()
                            key=|(value, _)| value.clone()
                            children=move |(value, label)| view! { <option value=value>{label}</option> }
                        />
                    </select>
                </label>
                <fieldset class="layers">
                    {layer_toggle(ui, "layer-contours", "Contours", |l| l.contours, |l, v| l.contours = v)}
                    {layer_toggle(ui, "layer-points", "Points", |l| l.points, |l, v| l.points = v)}
                    {layer_toggle(ui, "layer-grid", "Tile grid", |l| l.grid, |l, v| l.grid = v)}
                    {layer_toggle(ui, "layer-labels", "Labels", |l| l.labels, |l, v| l.labels = v)}
                    {layer_toggle(ui, "layer-legend", "Legend", |l| l.legend, |l, v| l.legend = v)}
                    <label class="control">
                        "Labels "
                        <input
                            id="label-count"
                            type="range"
                            min="0"
                            max="150"
                            prop:value=move || ui.layers.get().max_labels.to_string()
                            on:input=move |ev| {
                                if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                    set_layers(ui, |l| l.max_labels = n);
                                }
                            }
                        />
                        <span class="label-count">{move || ui.layers.get().max_labels}</span>
                    </label>
                </fieldset>
                <button
                    id="export-grid"
                    disabled=move || !ui.map_note.get().starts_with("map:")
                    on:click=move |_| {
                        if let Err(e) = export_grid_json() {
                            ui.error.set(Some(format!("export: {e}")));
                        }
                    }
                >
                    "Export grid.json"
                </button>
                <span class="hint">"Drop .npy, .parquet, .arrow, .csv, .tsv, .jsonl (+ metadata) on the map · drag to pan · wheel or pinch to zoom · click a point for its neighbours"</span>
            </header>
            <Show when=move || ui.error.get().is_some()>
                <div id="error" class="error" role="alert">
                    <span class="error-text">{move || ui.error.get().unwrap_or_default()}</span>
                    <button class="dismiss" on:click=move |_| ui.error.set(None)>"×"</button>
                </div>
            </Show>
            <div
                id="map"
                class="map"
                on:pointerdown=on_pointer_down
                on:pointermove=on_pointer_move
                on:pointerup=on_pointer_up
                on:pointercancel=on_pointer_up
                on:pointerleave=move |_| ui.hover.set(None)
                on:wheel=on_wheel
                on:dragover=|ev: web_sys::DragEvent| ev.prevent_default()
                on:drop=on_drop
            >
                <canvas id="map-gpu" node_ref=gpu_canvas class:inactive=move || !ui.use_gpu.get()></canvas>
                <canvas id="map-cpu" node_ref=cpu_canvas class:inactive=move || ui.use_gpu.get()></canvas>
                {move || {
                    ui.overlay
                        .get()
                        .grid
                        .map(|(tile, corner)| {
                            view! {
                                <div
                                    id="tile-grid"
                                    class="tile-grid"
                                    style:background-size=format!("{tile}px {tile}px")
                                    style:background-position=format!("{}px {}px", corner[0], corner[1])
                                ></div>
                            }
                        })
                }}
                <div id="labels" class="labels" data-level=move || ui.overlay.get().level.map(|l| l.to_string())>
                    <For
                        each=move || ui.overlay.with(|o| o.labels.iter().map(|l| l.id).collect::<Vec<_>>())
                        key=|id| *id
                        children=move |id| {
                            let label = move || ui.overlay.with(|o| o.labels.iter().find(|l| l.id == id).cloned());
                            view! {
                                <span
                                    class="map-label"
                                    class:leaving=move || label().is_none_or(|l| l.leaving)
                                    data-level=(id >> 48).to_string()
                                    style:left=move || format!("{}px", label().map_or(0.0, |l| l.left))
                                    style:top=move || format!("{}px", label().map_or(0.0, |l| l.top))
                                >
                                    {move || label().map(|l| l.text).unwrap_or_default()}
                                </span>
                            }
                        }
                    />
                </div>
                {legend_view(ui)}
                {time_controls(ui)}
                <Show when=move || ui.map_progress.get().is_some()>
                    <div id="map-progress" class="map-progress">
                        "Building map "
                        <progress max="1" value=move || ui.map_progress.get().unwrap_or(0.0).to_string()></progress>
                    </div>
                </Show>
                <Show when=move || ui.progress.get().is_some()>
                    <div id="progress" class="progress">
                        <div>{move || ui.progress.get().map(|p| p.what).unwrap_or_default()}</div>
                        <progress
                            max="1"
                            value=move || {
                                ui.progress
                                    .get()
                                    .and_then(|p| p.total.map(|t| (p.loaded as f64 / t.max(1) as f64).to_string()))
                            }
                        ></progress>
                    </div>
                </Show>
                {move || {
                    ui.marker
                        .get()
                        .map(|p| {
                            view! {
                                <div
                                    id="selected-marker"
                                    class="marker"
                                    style:left=format!("{}px", p[0])
                                    style:top=format!("{}px", p[1])
                                ></div>
                            }
                        })
                }}
                {move || {
                    ui.selection
                        .get()
                        .map(|s| {
                            view! {
                                <aside
                                    id="neighbors"
                                    class="neighbors"
                                    data-row=s.row.to_string()
                                    on:pointerdown=|ev: web_sys::PointerEvent| ev.stop_propagation()
                                    on:pointerup=|ev: web_sys::PointerEvent| ev.stop_propagation()
                                    on:pointermove=|ev: web_sys::PointerEvent| ev.stop_propagation()
                                    on:wheel=|ev: web_sys::WheelEvent| ev.stop_propagation()
                                >
                                    <button
                                        class="dismiss"
                                        on:click=move |_| {
                                            ui.selection.set(None);
                                            mark(None);
                                        }
                                    >
                                        "×"
                                    </button>
                                    <div class="neighbors-title" data-device=s.device>
                                        {format!(
                                            "{NEIGHBORS_SHOWN} nearest · {}, exact on {} · {:.1} ms",
                                            s.metric,
                                            if s.device == "webgpu" { "WebGPU" } else { "CPU" },
                                            s.elapsed_ms,
                                        )}
                                    </div>
                                    <div class="neighbors-query">{s.text.clone()}</div>
                                    <ol>
                                        {s
                                            .neighbors
                                            .into_iter()
                                            .map(|n| {
                                                view! {
                                                    <li data-row=n.row.to_string()>
                                                        <span class="score">{format!("{:.3}", n.score)}</span>
                                                        <span class="text">{n.text}</span>
                                                        <span class="category">{n.category.unwrap_or_default()}</span>
                                                    </li>
                                                }
                                            })
                                            .collect::<Vec<_>>()}
                                    </ol>
                                </aside>
                            }
                        })
                }}
                {move || {
                    ui.hover
                        .get()
                        .map(|h| {
                            view! {
                                <div
                                    id="tooltip"
                                    class="tooltip"
                                    data-row=h.row.to_string()
                                    style:left=format!("{}px", h.at[0] + 14.0)
                                    style:top=format!("{}px", h.at[1] + 14.0)
                                >
                                    <div class="tooltip-category">{h.category.clone().unwrap_or_default()}</div>
                                    <div class="tooltip-text">{h.text.clone()}</div>
                                </div>
                            }
                        })
                }}
            </div>
            <footer id="status" data-backend=move || if ui.use_gpu.get() { "webgpu" } else { "cpu" }>
                <span class="backend">{move || ui.backend.get()}</span>
                <span class="summary" title=status_line>
                    {status_line}
                </span>
            </footer>
        </main>
    }
}
