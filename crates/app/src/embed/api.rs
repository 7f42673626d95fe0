//! What the element's script calls: [`mount`] once, then the [`Widget`]'s methods (the element's
//! JS API and its attribute changes).

use super::{Chrome, Data, Given, Host};
use crate::actions::{colour, find, pick};
use crate::engine;
use crate::state::{Phase, Projection, Ui};
use crate::worker;
use leptos::prelude::*;
use vecscape_core::view::link::DataUrls;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Reply, Request};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn get(config: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(config, &name.into())
        .ok()
        .and_then(|v| v.as_string())
}

/// Start the app in `container` (inside the element's shadow root `root`). `config` holds
/// `workerUrl` (the compute worker's script), `appUrl` (the full app, for "Open in vecscape"),
/// `toolbar` and `params`: the element's settings by the names the app reads from a query string
/// (`backend`, `projection`, `color`, `labels`, `contours`, `view`).
#[wasm_bindgen]
pub fn mount(
    element: web_sys::HtmlElement,
    root: web_sys::ShadowRoot,
    container: web_sys::HtmlElement,
    config: JsValue,
) -> Result<Widget, JsError> {
    let worker_url =
        get(&config, "workerUrl").ok_or_else(|| JsError::new("config.workerUrl is missing"))?;
    let app_url = get(&config, "appUrl").unwrap_or_default();
    let chrome = get(&config, "toolbar")
        .and_then(|t| Chrome::from_name(&t))
        .unwrap_or(Chrome::Compact);
    let mut params = std::collections::HashMap::new();
    if let Ok(given) = js_sys::Reflect::get(&config, &"params".into()) {
        if let Ok(entries) =
            js_sys::Object::entries(given.unchecked_ref()).dyn_into::<js_sys::Array>()
        {
            for entry in entries.iter() {
                let pair: js_sys::Array = entry.unchecked_into();
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    params.insert(k, v);
                }
            }
        }
    }
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(element) = super::element() {
            let _ = element.set_attribute("state", "error");
        }
        super::emit(
            "error",
            &super::object(&[("message", format!("vecscape stopped: {info}").into())]),
        );
    }));
    super::install(Host {
        element,
        root,
        params,
        worker_url,
        app_url,
        chrome: RwSignal::new(chrome),
        ui: None,
        given: None,
        started: false,
        closed: false,
    });
    let handle = leptos::mount::mount_to(container, crate::App);
    // The element lives as long as the page keeps it; `destroy` ends the worker.
    std::mem::forget(handle);
    Ok(Widget { _private: () })
}

/// The start-up is done: show what was given meanwhile, if anything.
pub(crate) fn started(ui: Ui) {
    if let Some(given) = super::take_given() {
        show(ui, given);
    }
}

/// The element fetched its data (or could not): show it now, or once the start-up is done.
fn give(given: Given) {
    if let Some((ui, given)) = super::keep_or_return(given) {
        show(ui, given);
    }
}

fn show(ui: Ui, given: Given) {
    match given {
        Given::Data(data) => {
            leptos::task::spawn_local(crate::actions::load::open_widget_data(ui, data))
        }
        // Shown inside the element; what it showed before (if anything) stays.
        Given::Failed(message) => {
            ui.progress.set(None);
            ui.error.set(Some(message));
            if crate::engine::with(|e| e.scene.is_none()) {
                ui.phase.set(Phase::Failed);
            }
        }
    }
}

/// The selected rows (empty: none).
pub(crate) fn selected_rows() -> Vec<u32> {
    engine::with(|e| e.selection.as_ref().map(|s| s.to_vec())).unwrap_or_default()
}

fn error(message: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&message.to_string()).into()
}

fn ui_or_error() -> Result<crate::state::Ui, JsValue> {
    super::ui().ok_or_else(|| error("the map has not started yet"))
}

/// `{ row, score, text }` for each row found.
fn hits_of(rows: &[u32], scores: &[f32]) -> js_sys::Array {
    let out = js_sys::Array::new();
    engine::with(|e| {
        let Some(scene) = &e.scene else {
            return;
        };
        for hit in crate::state::Neighbor::found(scene, rows, scores) {
            out.push(&super::object(&[
                ("row", (hit.row as u32).into()),
                ("score", hit.score.into()),
                ("text", hit.text.into()),
            ]));
        }
    });
    out
}

/// One map in a page: what the element's methods call.
#[wasm_bindgen]
pub struct Widget {
    _private: (),
}

#[wasm_bindgen]
impl Widget {
    /// The element fetched its data: `files` (File objects) from `vectors`, `meta` and `grid`
    /// (absolute URLs, for links to the full app).
    pub fn open(
        &self,
        files: js_sys::Array,
        vectors: String,
        meta: Option<String>,
        grid: Option<String>,
    ) {
        give(Given::Data(Data {
            files,
            urls: DataUrls {
                vectors,
                meta,
                grid,
            },
        }));
    }

    /// The element could not fetch its data: show why inside it.
    pub fn fail(&self, message: String) {
        give(Given::Failed(message));
    }

    /// An attribute changed (`value` `None`: removed): apply it to what is shown.
    pub fn set(&self, name: String, value: Option<String>) {
        super::set_param(&name, value.clone());
        let Some(ui) = super::ui() else {
            return;
        };
        match name.as_str() {
            "projection" => {
                let wanted = value
                    .as_deref()
                    .and_then(Projection::from_key)
                    .unwrap_or(Projection::Pca);
                if wanted != ui.projection.get_untracked() && engine::with(|e| e.scene.is_some()) {
                    leptos::task::spawn_local(crate::actions::project::reproject(ui, wanted));
                }
            }
            "color" => colour::color_by_name(ui, value.as_deref()),
            "labels" | "contours" => {
                let on = value.as_deref().and_then(super::switch).unwrap_or(true);
                let labels = name == "labels";
                crate::actions::map::set_layers(ui, |l| {
                    if labels {
                        l.labels = on;
                    } else {
                        l.contours = on;
                    }
                });
            }
            "toolbar" => super::set_chrome(
                value
                    .as_deref()
                    .and_then(Chrome::from_name)
                    .unwrap_or(Chrome::Compact),
            ),
            "view" => crate::actions::link::show_view(ui, value.as_deref().unwrap_or_default()),
            _ => {}
        }
    }

    /// Search by words (or by meaning, for a pasted vector), as the search box: the matches are
    /// shown on the map. Resolves to `{ query, total, hits: [{ row, score, text }] }` (the best
    /// 100 hits).
    pub fn search(&self, text: String) -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let ui = ui_or_error()?;
            ui.query.set(text.clone());
            let found = find::search_now(ui, text.clone()).await.map_err(error)?;
            let (total, rows, scores) = found.map_or((0, Vec::new(), Vec::new()), |f| {
                let rows = f.hits.iter().map(|h| h.row as u32).collect::<Vec<_>>();
                let scores = f.hits.iter().map(|h| h.score).collect::<Vec<_>>();
                (f.total, rows, scores)
            });
            Ok(super::object(&[
                ("query", text.into()),
                ("total", (total as f64).into()),
                ("hits", hits_of(&rows, &scores).into()),
            ]))
        })
    }

    /// Select exactly these rows (numbers past the data are left out; empty clears).
    pub fn select(&self, rows: Vec<u32>) {
        if let Some(ui) = super::ui() {
            if rows.is_empty() {
                pick::clear(ui);
            } else {
                pick::select_rows(ui, &rows);
            }
        }
    }

    /// The selected rows.
    pub fn selection(&self) -> Vec<u32> {
        selected_rows()
    }

    /// The view as the app's address writes it after `#` (data, projection, colours, filters,
    /// search, selection, camera).
    pub fn view(&self) -> String {
        super::ui()
            .map(crate::actions::link::current_hash)
            .unwrap_or_default()
    }

    /// Show `hash` (a view from the app's address or a `viewchange` event).
    pub fn set_view(&self, hash: String) {
        if let Some(ui) = super::ui() {
            crate::actions::link::show_view(ui, &hash);
        }
    }

    /// The full app's address showing this view.
    pub fn app_link(&self) -> Option<String> {
        super::app_link(&self.view())
    }

    /// The `k` exact nearest rows to `row` in the original space: resolves to
    /// `[{ row, score, text }]`, nearest first (`row` itself left out).
    pub fn neighbors(&self, row: u32, k: u32) -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            ui_or_error()?;
            let answer = worker::call(
                |job| Request::Neighbors {
                    job,
                    row: row as usize,
                    k: k.max(1) as usize,
                },
                Parcel::default(),
                None,
            )
            .await;
            match answer {
                Ok((Reply::Neighbors { ids, scores, .. }, _)) => Ok(hits_of(&ids, &scores).into()),
                Ok((Reply::Failed { message, .. }, _)) | Err(message) => Err(error(message)),
                Ok((other, _)) => Err(error(format!("unexpected answer {other:?}"))),
            }
        })
    }

    /// End the compute worker (the element left the page, or starts again): this instance says
    /// nothing more to the element.
    pub fn destroy(&self) {
        super::close();
        worker::terminate();
    }
}
