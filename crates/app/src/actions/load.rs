//! Loading: the start-up data (`?data=` or the demo), files the user opens, and showing a
//! dataset once loaded. On any error the scene already shown stays.

use crate::actions::colour::setup_colors;
use crate::actions::map::build_map;
use crate::actions::project::pca_2d;
use crate::actions::select::mark;
use crate::engine::{self, Scene};
use crate::fetch::{self, Go, Stop};
use crate::state::{Device, MapState, Phase, Progress, Projection, Ui};
use crate::util::{now_ms, thousands, yield_to_browser};
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_core::data::budget::{Budget, Storage};
use vecscape_core::load::dataset::Dataset;
use vecscape_core::load::file::{Format, Loaded, Progress as FileProgress};

/// The memory budget, with `?maxRows=N` keeping only the first N rows, and the vectors kept
/// in the storage chosen (`?storage=f32|f16|int8` or the Memory chooser).
pub(crate) fn budget(ui: Ui) -> Budget {
    Budget::with_max_rows(fetch::query_param("maxRows").and_then(|v| v.parse().ok()))
        .with_storage(ui.storage.get_untracked())
}

/// "15,000 points × 384 dims · f16, 11.5 MB".
pub(crate) fn summary_of(name: &str, vectors: &vecscape_core::data::store::Vectors) -> String {
    let (rows, dims) = vectors.dim();
    format!(
        "{name} · {} points × {dims} dims · {}, {}",
        thousands(rows),
        vectors.storage().name(),
        vecscape_core::data::budget::format_bytes(vectors.bytes())
    )
}

/// Keep the loaded vectors in `storage` from now on (and for the next files opened).
pub(crate) fn change_storage(ui: Ui, storage: Storage) {
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
            ui.storage.set(storage);
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
pub(crate) fn loading(ui: Ui, p: &vecscape_core::load::file::Progress) {
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

/// Start a load: any load still in flight stops at its next step ([`current`] turns false for
/// it) and shows nothing. Returns this load's generation.
pub(crate) fn begin_load() -> u64 {
    engine::with(|e| {
        e.load_generation += 1;
        e.load_generation
    })
}

/// Whether the load of `generation` is still the newest.
pub(crate) fn current(generation: u64) -> bool {
    engine::with(|e| e.load_generation == generation)
}

/// Progress of the load of `generation`, or a request to stop when a newer load began.
pub(crate) fn progress_of(ui: Ui, generation: u64) -> impl FnMut(&FileProgress) -> Go {
    move |p| {
        if !current(generation) {
            return Go::Break(());
        }
        loading(ui, p);
        Go::Continue(())
    }
}

/// Join loaded files, project and show them; on any error keep the current scene and show the
/// message. A newer load beginning meanwhile stops this one ([`Stop::Cancelled`]).
pub(crate) async fn show_dataset(
    ui: Ui,
    generation: u64,
    parts: Vec<Loaded>,
    grid: Option<(String, vecscape_core::map::wizmap::GridJson)>,
) -> Result<(), Stop> {
    if !current(generation) {
        return Err(Stop::Cancelled);
    }
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
        let x = &dataset.vectors;
        let (projected, ratio, device) = pca_2d(
            |gpu| gpu.prepare_vectors(x, 2, None).map_err(|e| e.to_string()),
            || engine::cpu_pca_2d(x),
        )
        .await
        .map_err(|e| format!("{}: {e}", dataset.name))?;
        (Some((projected, ratio)), device)
    } else {
        (None, Device::Cpu)
    };
    if !current(generation) {
        return Err(Stop::Cancelled);
    }
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
            "PCA 2-D ({:.1} % of variance) on {} in {pca_ms:.0} ms",
            variance * 100.0,
            device.label()
        )
    } else {
        projection.clone()
    };
    ui.projection.set(if projection == "PCA" {
        Projection::Pca
    } else {
        Projection::Precomputed
    });
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
            ui.map.set(MapState::Ready(note));
        }
        None => spawn_local(build_map(ui)),
    }
    Ok(())
}

/// Load files the user picked or dropped: one `.npy` and optionally its `.jsonl` metadata.
pub(crate) async fn open_files(ui: Ui, files: Vec<web_sys::File>) {
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
    let generation = begin_load();
    let result = async {
        let budget = budget(ui);
        let mut parts = Vec::with_capacity(files.len());
        let mut grid = None;
        for file in &files {
            let name = file.name();
            if fetch::is_grid_json(&name) {
                let bytes = fetch::file_bytes(file).await?;
                if !current(generation) {
                    return Err(Stop::Cancelled);
                }
                let parsed = vecscape_core::map::wizmap::GridJson::parse(&bytes)
                    .map_err(|e| format!("{name}: {e}"))?;
                grid = Some((name, parsed));
                continue;
            }
            parts.push(fetch::read_file_into(file, &budget, progress_of(ui, generation)).await?);
        }
        show_dataset(ui, generation, parts, grid).await
    }
    .await;
    if result == Err(Stop::Cancelled) {
        // The newer load owns the progress bar and the phase now.
        return;
    }
    ui.progress.set(None);
    match result {
        Ok(()) => {
            ui.error.set(None);
            ui.phase.set(Phase::Ready);
        }
        Err(Stop::Cancelled) => {}
        Err(Stop::Failed(e)) => {
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
