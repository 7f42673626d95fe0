//! The map's summaries (keywords per tile per level, density, contours), built in the worker,
//! its layers, and its export as WizMap's `grid.json`.

use crate::engine;
use crate::state::{Device, MapState, Ui};
use crate::worker;
use leptos::prelude::*;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{decode, Reply, Request};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
    let answer = worker::call(
        |job| Request::BuildMap { job },
        Parcel::default(),
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

/// Change the layer settings and redraw.
pub(crate) fn set_layers(ui: Ui, change: impl FnOnce(&mut engine::MapLayers)) {
    let mut layers = ui.layers.get_untracked();
    change(&mut layers);
    ui.layers.set(layers);
    engine::with(|e| e.layers = layers);
    engine::request_redraw();
}
