//! Loading: the start-up data (`?data=` or the demo) and files the user opens are read, joined
//! and laid out in the compute worker; the page shows the result. On any error the scene
//! already shown stays.

use crate::actions::colour::setup_colors;
use crate::actions::layout::{layout_note, layout_of};
use crate::actions::map::build_map;
use crate::actions::project::reproject;
use crate::actions::select::mark;
use crate::engine::{self, Scene};
use crate::state::{MapState, Phase, Progress, Projection, Ui, UMAP_AUTO_ROWS};
use crate::util::{perf_mark, query_param, thousands, yield_to_browser};
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_core::data::budget::format_bytes;
use vecscape_core::data::meta::Metadata;
use vecscape_core::data::store::Storage;
use vecscape_core::load::file::Format;
use vecscape_core::map::wizmap::is_grid_file;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{decode, DatasetInfo, Layout, Method, Reply, Request, Source, Stop};

/// "15,000 points × 384 dims · f16, 11.5 MB".
pub(crate) fn summary_of(info: &DatasetInfo) -> String {
    let skipped = match info.skipped {
        0 => String::new(),
        n => format!(
            " · skipped {} invalid row{} ({})",
            thousands(n),
            if n == 1 { "" } else { "s" },
            info.skipped_rows
        ),
    };
    format!(
        "{} · {} points × {} dims · {}, {}{skipped}",
        info.name,
        thousands(info.rows),
        info.dims,
        info.storage.name(),
        format_bytes(info.bytes)
    )
}

/// The banner's "Load without the N invalid rows": the last load again, leaving those rows
/// (and their metadata rows) out. The status line says how many went and which.
pub(crate) async fn load_without_invalid(ui: Ui) {
    let max_rows = LAST.with(|l| l.borrow().as_ref().and_then(|last| last.2));
    load_again(ui, true, max_rows).await;
}

/// The banner's ways out of a file too big for the memory budget (refused before anything was
/// allocated): the last load again with its vectors kept as `storage` (the "Memory" chooser
/// follows), or only its first `max_rows` rows.
pub(crate) async fn load_within_budget(ui: Ui, storage: Option<Storage>, max_rows: Option<usize>) {
    if let Some(storage) = storage {
        ui.storage.set(storage);
    }
    load_again(ui, false, max_rows).await;
}

/// The last load again (picked files are read again from the same `File`s).
async fn load_again(ui: Ui, skip_invalid: bool, max_rows: Option<usize>) {
    let Some((source, files, _)) = LAST.with(|l| l.borrow().clone()) else {
        return;
    };
    let from_files = files.is_some();
    ui.error.set(None);
    let previous_phase = ui.phase.get_untracked();
    ui.phase.set(Phase::Loading);
    let result = load(ui, source, files, skip_invalid, max_rows).await;
    if result.is_ok() && from_files {
        crate::actions::link::set_source(None);
    }
    settle(ui, previous_phase, result);
}

/// Keep the loaded vectors in `storage` from now on (and for the next files opened).
pub(crate) async fn change_storage(ui: Ui, storage: Storage) {
    let previous = ui.storage.get_untracked();
    ui.storage.set(storage);
    let answer = worker::call(
        |job| Request::SetStorage { job, storage },
        Parcel::default(),
        None,
    )
    .await;
    match answer {
        Ok((Reply::Storage { info, .. }, _)) => {
            if engine::with(|e| e.scene.is_some()) {
                ui.summary.set(summary_of(&info));
            }
            ui.selection.set(None);
            mark(None);
        }
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            // The vectors stay as they were; so does the chooser.
            ui.storage.set(previous);
            ui.error.set(Some(message));
        }
        Ok((other, _)) => log::warn!("unexpected answer to a storage change: {other:?}"),
    }
}

/// The Cancel button: stop the load, projection and map build in flight. The worker stops each
/// at its next step; what was shown before stays (a projection's points that had begun to move
/// go back), and the note says what was stopped.
pub(crate) fn cancel(ui: Ui) {
    let mut stopped = Vec::new();
    if ui.phase.get_untracked() == Phase::Loading {
        // Its answer is dropped: the scene shown stays.
        begin_load();
        let shown = engine::with(|e| e.scene.is_some());
        ui.phase
            .set(if shown { Phase::Ready } else { Phase::Failed });
        if !shown {
            ui.error.set(Some(
                "The load was cancelled: open or drop a file to start again".to_owned(),
            ));
        }
        stopped.push("the load");
    }
    if crate::actions::project::cancel(ui) {
        stopped.push("the projection");
    }
    if matches!(ui.map.get_untracked(), MapState::Building(_)) {
        engine::with(|e| e.map_generation += 1);
        ui.map.set(MapState::None);
        stopped.push("the map");
    }
    worker::send(&Request::Cancel);
    ui.progress.set(None);
    if !stopped.is_empty() {
        ui.link_note.set(format!(
            "Cancelled {}; what was shown stays.",
            stopped.join(" and ")
        ));
    }
}

/// Start a load: any load still in flight stops at its next step ([`current`] turns false for
/// it) and shows nothing. Returns this load's generation.
fn begin_load() -> u64 {
    engine::with(|e| {
        e.load_generation += 1;
        e.load_generation
    })
}

/// Whether the load of `generation` is still the newest.
fn current(generation: u64) -> bool {
    engine::with(|e| e.load_generation == generation)
}

thread_local! {
    /// The last load's source, files and row limit, for loading it again (without its invalid
    /// rows, or within the memory budget).
    #[allow(clippy::type_complexity)]
    static LAST: std::cell::RefCell<Option<(Source, Option<js_sys::Array>, Option<usize>)>> =
        const { std::cell::RefCell::new(None) };
    /// What the page shows: the load that succeeded last, and whether it left out invalid rows
    /// (for opening it again in a new worker).
    #[allow(clippy::type_complexity)]
    static SHOWN: std::cell::RefCell<Option<((Source, Option<js_sys::Array>, Option<usize>), bool)>> =
        const { std::cell::RefCell::new(None) };
    /// A reopen after the worker stopped is under way.
    static REOPENING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The compute worker stopped and a new one was started ([`worker::on_restart`]): start it as
/// the first was (`compute`), then open the data on screen again, so that what is shown can
/// still be searched and explored (its layout is computed anew). The reason stays in the banner
/// (the load that was reading a file when it stopped fails with it). If the worker stops again
/// while reopening, it is not reopened again.
pub(crate) async fn reopen_shown(ui: Ui, compute: vecscape_protocol::ComputeChoice, why: String) {
    if REOPENING.get() {
        ui.error.set(Some(why));
        return;
    }
    REOPENING.set(true);
    let started = worker::call(
        |job| Request::Start { job, compute },
        Parcel::default(),
        None,
    )
    .await;
    if let Err(e) = started {
        ui.error.set(Some(e));
        REOPENING.set(false);
        return;
    }
    if let Some(((source, files, max_rows), skip_invalid)) = SHOWN.with(|s| s.borrow().clone()) {
        ui.link_note.set(
            "The compute worker stopped and was started again; the data shown is being opened again."
                .to_owned(),
        );
        let previous_phase = ui.phase.get_untracked();
        ui.phase.set(Phase::Loading);
        let result = load(ui, source, files, skip_invalid, max_rows).await;
        if result.is_ok() {
            ui.link_note.set(
                "The compute worker stopped and was started again; the data shown was opened again (its layout computed anew)."
                    .to_owned(),
            );
        }
        settle(ui, previous_phase, result);
        ui.error.set(Some(why));
    }
    REOPENING.set(false);
}

/// Load `source` in the worker (picked `files` travel with it) and show it; with
/// `skip_invalid` (or `?skipInvalid=1`) rows whose vector is not finite or does not parse are
/// left out, else such a file is refused and the banner offers [`load_without_invalid`].
/// `max_rows` (else `?maxRows=`) keeps only the first rows; `?memoryBudget=` (e.g. `512M`)
/// sets the most the vectors may take (a file over it is refused before anything is allocated,
/// and the banner offers [`load_within_budget`]). A newer load beginning meanwhile stops this
/// one ([`Stop::Cancelled`]).
async fn load(
    ui: Ui,
    source: Source,
    files: Option<js_sys::Array>,
    skip_invalid: bool,
    max_rows: Option<usize>,
) -> Result<(), Stop> {
    LAST.with(|l| *l.borrow_mut() = Some((source.clone(), files.clone(), max_rows)));
    let skip_invalid = skip_invalid || query_param("skipInvalid").is_some_and(|v| v == "1");
    let generation = begin_load();
    let on_progress = move |reply: &Reply, _: Parcel| {
        if let Some(progress) = Progress::of(reply).filter(|_| current(generation)) {
            ui.progress.set(Some(progress));
        }
    };
    let storage = ui.storage.get_untracked();
    let max_rows = max_rows.or_else(|| query_param("maxRows").and_then(|v| v.parse().ok()));
    let memory_budget = query_param("memoryBudget").and_then(|v| {
        vecscape_core::data::budget::parse_bytes(&v)
            .inspect_err(|e| log::warn!("?memoryBudget= ignored: {e}"))
            .ok()
    });
    let (reply, parcel) = worker::call(
        |job| Request::Load {
            job,
            source,
            max_rows,
            storage,
            skip_invalid,
            memory_budget,
        },
        Parcel {
            files,
            ..Parcel::default()
        },
        Some(Box::new(on_progress)),
    )
    .await?;
    if !current(generation) {
        return Err(Stop::Cancelled);
    }
    match reply {
        Reply::Loaded {
            info,
            layout,
            grid,
            warning,
            ..
        } => show(ui, generation, info, layout, grid, parcel)
            .await
            .map(|()| {
                SHOWN.with(|s| {
                    *s.borrow_mut() = LAST.with(|l| l.borrow().clone()).map(|l| (l, skip_invalid))
                });
                if let Some(warning) = warning {
                    ui.error.set(Some(warning));
                }
            }),
        Reply::Cancelled { .. } => Err(Stop::Cancelled),
        Reply::Failed { message, .. } => Err(Stop::Failed(message)),
        other => Err(Stop::Failed(format!(
            "unexpected answer to a load: {other:?}"
        ))),
    }
}

/// Show a dataset the worker loaded: positions, metadata and, from WizMap's `grid.json`
/// (`grid` names it), its summary. The work is split in steps with the browser's turn between
/// them (building the hover index, then handing the points to the backend, then drawing), so no
/// step holds the main thread long even at a million points.
async fn show(
    ui: Ui,
    generation: u64,
    info: DatasetInfo,
    layout: Layout,
    grid: Option<String>,
    mut parcel: Parcel,
) -> Result<(), Stop> {
    let meta: Metadata = match &parcel.payload {
        Some(bytes) => decode(bytes).map_err(|e| format!("{}: {e}", info.name))?,
        None => Metadata::default(),
    };
    let positions = layout_of(&mut parcel).map_err(|e| format!("{}: {e}", info.name))?;
    let given_map = match (grid, &parcel.extra) {
        (Some(name), Some(bytes)) => {
            Some(decode::<vecscape_core::map::Summary>(bytes).map_err(|e| format!("{name}: {e}"))?)
        }
        _ => None,
    };
    let scene = Scene::build(info.name.clone(), meta, positions, layout.explained.clone());
    yield_to_browser().await;
    if !current(generation) {
        return Err(Stop::Cancelled);
    }
    engine::with(|e| {
        e.install(scene);
        e.dims = info.dims;
    });
    crate::actions::find::clear(ui);
    crate::actions::pick::clear(ui);
    setup_colors(ui);
    engine::request_redraw();
    ui.hover.set(None);
    ui.selection.set(None);
    ui.projection.set(Projection::of_method(layout.method));
    ui.has_coords.set(info.has_coords);
    ui.summary.set(summary_of(&info));
    ui.projection_note.set(layout_note(&layout));
    ui.faithfulness_note.set(String::new());
    // The layout asked for (`?projection=`), else UMAP after PCA's for data of a readable size.
    let asked = crate::actions::link::pending_projection()
        .or_else(|| query_param("projection").and_then(|k| Projection::from_key(&k)));
    let next = asked
        .or_else(|| {
            (layout.method == Method::Pca && UMAP_AUTO_ROWS.contains(&info.rows))
                .then_some(Projection::Umap)
        })
        .filter(|p| {
            *p != Projection::of_method(layout.method)
                && (*p != Projection::Precomputed || info.has_coords)
        });
    match next {
        Some(next) => spawn_local(reproject(ui, next)),
        None => crate::actions::link::layout_shown(ui, Projection::of_method(layout.method)),
    }
    match given_map {
        Some(summary) => {
            let note = format!(
                "map: {} levels from grid.json (WizMap's topics and density)",
                summary.levels.len()
            );
            engine::with(|e| e.set_map(engine::MapView::new(summary)));
            engine::request_redraw();
            ui.map.set(MapState::Ready(note));
        }
        None => spawn_local(build_map(ui)),
    }
    Ok(())
}

/// After a load: clear the bar and set the phase; on an error show it and keep what was shown.
fn settle(ui: Ui, previous_phase: Phase, result: Result<(), Stop>) {
    match result {
        // The newer load owns the progress bar and the phase now.
        Err(Stop::Cancelled) => {}
        Ok(()) => {
            ui.progress.set(None);
            ui.phase.set(Phase::Ready);
        }
        Err(Stop::Failed(e)) => {
            ui.progress.set(None);
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

/// The data the page opens with: `?data=URL[&meta=URL][&grid=URL]`, else the built-in demo.
pub(crate) async fn open_start_data(ui: Ui, demo_vectors: &str, demo_meta: &str) {
    // A link's data, else `?data=` (with `?meta=`, `?grid=`), else the demo.
    let urls = crate::actions::link::read_start(ui).unwrap_or_else(|| match query_param("data") {
        Some(vectors) => vecscape_core::view::link::DataUrls {
            vectors,
            meta: query_param("meta"),
            grid: query_param("grid"),
        },
        None => vecscape_core::view::link::DataUrls {
            vectors: demo_vectors.to_owned(),
            meta: Some(demo_meta.to_owned()),
            grid: query_param("grid"),
        },
    });
    let source = Source::Urls {
        vectors: worker::resolve(&urls.vectors),
        meta: urls.meta.as_deref().map(worker::resolve),
        grid: urls.grid.as_deref().map(worker::resolve),
    };
    crate::actions::link::set_source(Some(urls));
    ui.phase.set(Phase::Loading);
    perf_mark("vecscape-load");
    let result = load(ui, source, None, false, None).await;
    settle(ui, Phase::Loading, result);
}

/// The widget's data: the files its element fetched (each URL once for the whole page), named
/// in links by their URLs (`urls`).
pub(crate) async fn open_widget_data(ui: Ui, data: crate::embed::Data) {
    // The element's `view`, restored once the data and its layout are shown.
    let _ = crate::actions::link::read_start(ui);
    let previous_phase = ui.phase.get_untracked();
    ui.phase.set(Phase::Loading);
    ui.error.set(None);
    perf_mark("vecscape-load");
    let result = load(ui, Source::Files, Some(data.files), false, None).await;
    if result.is_ok() {
        crate::actions::link::set_source(Some(data.urls));
    }
    settle(ui, previous_phase, result);
}

/// Load files the user picked or dropped: one vector file, optionally its metadata and WizMap's
/// `grid.json`.
pub(crate) async fn open_files(ui: Ui, files: Vec<web_sys::File>) {
    let unknown: Vec<String> = files
        .iter()
        .map(|f| f.name())
        .filter(|n| Format::of(n) == Format::Unknown && !is_grid_file(n))
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
    let array = js_sys::Array::new();
    for file in &files {
        array.push(file);
    }
    let result = load(ui, Source::Files, Some(array), false, None).await;
    if result.is_ok() {
        // Files cannot be named in a link.
        crate::actions::link::set_source(None);
    }
    if result.is_ok() {
        ui.error.set(None);
    }
    settle(ui, previous_phase, result);
}
