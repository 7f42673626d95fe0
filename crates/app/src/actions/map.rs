//! The map's summaries (keywords per tile per level, density, contours), built in the worker,
//! its layers, and its export as WizMap's `grid.json`.

use crate::engine;
use crate::state::{Device, MapState, Ui};
use crate::worker;
use leptos::prelude::*;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{decode, Reply, Request};

/// Build the map's summaries (keywords per tile per level, density, contours) for the layout
/// shown, in the worker, with a progress bar. A new layout while building abandons the old build.
pub(crate) async fn build_map(ui: Ui) {
    let Some(generation) = engine::with(|e| e.scene.as_ref().map(|_| e.map_generation)) else {
        return;
    };
    let current = move || engine::with(|e| e.map_generation) == generation;
    ui.map.set(MapState::Building(0.0));
    let on_progress = move |reply: &Reply, _: Parcel| {
        if let Reply::Progress {
            done,
            total: Some(total),
            ..
        } = reply
        {
            if current() && *total > 0 {
                ui.map.set(MapState::Building(*done as f64 / *total as f64));
            }
        }
    };
    // A selection laid out on its own: the map of those rows only.
    let extra = match engine::with(|e| e.subset.as_ref().map(vecscape_protocol::encode)) {
        Some(Err(e)) => return ui.map.set(MapState::Failed(e.to_string())),
        Some(Ok(bytes)) => Some(bytes),
        None => None,
    };
    let answer = worker::call(
        |job| Request::BuildMap { job },
        Parcel {
            extra,
            ..Parcel::default()
        },
        Some(Box::new(on_progress)),
    )
    .await;
    if !current() {
        return;
    }
    match answer {
        Ok((Reply::Map { density, ms, .. }, parcel)) => {
            let summary = parcel
                .payload
                .ok_or_else(|| "the map did not arrive".to_owned())
                .and_then(|bytes| {
                    decode::<vecscape_core::map::Summary>(&bytes).map_err(|e| e.to_string())
                });
            match summary {
                Ok(summary) => {
                    let levels = match (summary.levels.first(), summary.levels.last()) {
                        (Some(a), Some(b)) => format!("levels {}–{}", a.level, b.level),
                        _ => "no levels".to_owned(),
                    };
                    let note = format!(
                        "map: {levels}, {} contours (density on {}) in {ms:.0} ms",
                        summary.contours.len(),
                        Device::from(density).label(),
                    );
                    engine::with(|e| e.set_map(engine::MapView::new(summary)));
                    engine::request_redraw();
                    ui.map.set(MapState::Ready(note));
                }
                Err(e) => ui.map.set(MapState::Failed(e)),
            }
        }
        // A newer layout's map replaces it.
        Ok((Reply::Cancelled { .. }, _)) => {}
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            ui.map.set(MapState::Failed(message))
        }
        Ok((other, _)) => log::warn!("unexpected answer to a map build: {other:?}"),
    }
}

/// Offer the map's summaries as WizMap's `grid.json` (a download).
pub(crate) fn export_grid_json() -> Result<(), String> {
    let json = engine::with(|e| {
        let map = e.map.as_ref()?;
        let scene = e.scene.as_ref()?;
        let grid = vecscape_core::map::wizmap::GridJson::from_summary(
            &map.summary,
            &scene.name,
            scene.xs.len(),
        );
        Some(serde_json::to_string(&grid))
    })
    .ok_or("no map to export yet")?
    .map_err(|e| e.to_string())?;
    crate::util::download(json.as_bytes(), "grid.json", "application/json")
}

/// Change the layer settings and redraw.
pub(crate) fn set_layers(ui: Ui, change: impl FnOnce(&mut engine::MapLayers)) {
    let mut layers = ui.layers.get_untracked();
    change(&mut layers);
    ui.layers.set(layers);
    engine::with(|e| e.layers = layers);
    engine::request_redraw();
}
