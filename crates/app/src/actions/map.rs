//! The map's summaries (keywords per tile per level, density, contours), built stage by stage,
//! its layers, and its export as WizMap's `grid.json`.

use crate::compute;
use crate::engine;
use crate::state::{Device, MapState, Ui};
use crate::util::{now_ms, yield_to_browser};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Build the map's summaries (keywords per tile per level, density, contours) for the layout
/// shown, one stage at a time with a yield to the browser between stages and a progress bar.
/// A new layout while building abandons the old build.
pub(crate) async fn build_map(ui: Ui) {
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
            ui.map.set(MapState::Failed(e.to_string()));
            return;
        }
    };
    let mut density_device = Device::Cpu;
    loop {
        ui.map.set(MapState::Building(builder.fraction()));
        yield_to_browser().await;
        if engine::with(|e| e.map_generation) != generation {
            return;
        }
        // The density on WebGPU when compute runs there (splat + separable blur); else the
        // builder's next step computes it on the CPU.
        if let Some((spec, sigma)) = builder.density_request() {
            let ran = compute::run(
                "density",
                compute::gpu(),
                async |ctx| {
                    let pending = vecscape_gpu::GpuKde::new(&ctx)
                        .start(&xs, &ys, &spec, sigma)
                        .map_err(|e| e.to_string())?;
                    pending.finish().await.map(Some).map_err(|e| e.to_string())
                },
                || Ok(None),
            )
            .await;
            if let Ok(Some(grid)) = ran.value {
                builder.provide_density(grid);
                density_device = ran.device;
                continue;
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
                    "map: {levels}, {} contours (density on {}) in {:.0} ms",
                    summary.contours.len(),
                    density_device.label(),
                    now_ms() - started
                );
                engine::with(|e| e.set_map(engine::MapView::new(summary)));
                engine::request_redraw();
                ui.map.set(MapState::Ready(note));
                return;
            }
            Err(e) => {
                ui.map.set(MapState::Failed(e.to_string()));
                return;
            }
        }
    }
}

/// Offer the map's summaries as WizMap's `grid.json` (a download).
pub(crate) fn export_grid_json() -> Result<(), String> {
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

/// Change the layer settings and redraw.
pub(crate) fn set_layers(ui: Ui, change: impl FnOnce(&mut engine::MapLayers)) {
    let mut layers = ui.layers.get_untracked();
    change(&mut layers);
    ui.layers.set(layers);
    engine::with(|e| e.layers = layers);
    engine::request_redraw();
}
