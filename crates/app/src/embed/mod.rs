//! The app inside a `<vecscape-map>` element (the widget; `crates/widget` builds it as a module
//! and `web/widget/vecscape-map.js` defines the element). The same components run in the
//! element's shadow root instead of the page's body; what differs is said here:
//!
//! - settings come from the element's attributes, not the page's query string ([`param`]);
//! - elements are looked up in the shadow root ([`crate::util::element_by_id`]);
//! - the view goes out as `viewchange` events, not into the page's address (`actions::link`);
//! - the data is what the element fetched (once per URL for the whole page), not `?data=`;
//! - state and events: the element's `state` attribute (`loading`, `ready`, `error`) and
//!   `ready`, `error`, `hover`, `select`, `viewchange` events ([`watch`]);
//! - [`api`]: `mount` and the element's JS methods.
//!
//! Each element runs its own instance of the wasm module, so the app's thread-local state is
//! the element's own.

pub mod api;

pub use api::{mount, Widget};

use crate::state::{Phase, Ui};
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use vecscape_core::view::link::DataUrls;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How many of the app's controls the element shows (its `toolbar` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chrome {
    /// Every control, as the app.
    Full,
    /// Search, colour by, reset, full screen and "Open in vecscape".
    Compact,
    /// The map alone.
    Bare,
}

impl Chrome {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "full" => Some(Chrome::Full),
            "compact" => Some(Chrome::Compact),
            "none" => Some(Chrome::Bare),
            _ => None,
        }
    }
}

/// The data the element fetched.
pub(crate) struct Data {
    pub files: js_sys::Array,
    pub urls: DataUrls,
}

/// What the element gives the app to show: its data, or why it has none.
pub(crate) enum Given {
    Data(Data),
    Failed(String),
}

struct Host {
    element: web_sys::HtmlElement,
    root: web_sys::ShadowRoot,
    /// Attributes under the names the app reads from a query string (`backend`, `projection`, …).
    params: HashMap<String, String>,
    worker_url: String,
    /// The full app, for "Open in vecscape".
    app_url: String,
    chrome: RwSignal<Chrome>,
    ui: Option<Ui>,
    /// What was given before the start-up finished.
    given: Option<Given>,
    started: bool,
    /// The element let this instance go (`destroy`): it says nothing more to the element.
    closed: bool,
}

thread_local! {
    static HOST: RefCell<Option<Host>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Host) -> R) -> Option<R> {
    HOST.with(|h| h.borrow_mut().as_mut().map(f))
}

/// Whether the app runs inside a `<vecscape-map>` element.
pub(crate) fn is_widget() -> bool {
    HOST.with(|h| h.borrow().is_some())
}

/// In the widget, a setting from the element's attributes (`Some(None)`: not set); `None` in the
/// app (the query string decides).
pub(crate) fn param(name: &str) -> Option<Option<String>> {
    with(|h| h.params.get(name).cloned())
}

/// The element's shadow root, in the widget.
pub(crate) fn root() -> Option<web_sys::ShadowRoot> {
    with(|h| h.root.clone())
}

/// The element itself, in the widget (none once it let this instance go).
pub(crate) fn element() -> Option<web_sys::HtmlElement> {
    with(|h| (!h.closed).then(|| h.element.clone())).flatten()
}

/// The element let this instance go: no more state or events reach it.
pub(crate) fn close() {
    with(|h| h.closed = true);
}

/// Where the compute worker's script is, in the widget.
pub(crate) fn worker_url() -> Option<String> {
    with(|h| h.worker_url.clone())
}

/// The controls shown: the element's `toolbar`; in the app every one, unless `?toolbar=`
/// says otherwise (`compact` suits the app in an iframe).
pub(crate) fn chrome() -> Chrome {
    with(|h| h.chrome.get()).unwrap_or_else(|| {
        crate::util::query_param("toolbar")
            .and_then(|t| Chrome::from_name(&t))
            .unwrap_or(Chrome::Full)
    })
}

/// The full app's address showing `hash` (the view, data included): from the widget, the app
/// beside it; from the app with a compact toolbar, the same address without `?toolbar=`.
pub(crate) fn app_link(hash: &str) -> Option<String> {
    with(|h| format!("{}#{hash}", h.app_url)).or_else(|| {
        let location = web_sys::window()?.location();
        let url = web_sys::Url::new(&location.href().ok()?).ok()?;
        url.search_params().delete("toolbar");
        url.set_hash(hash);
        Some(url.href())
    })
}

/// Say something to the page's developer (an attribute value that means nothing, …).
pub(crate) fn warn(message: &str) {
    web_sys::console::warn_1(&format!("<vecscape-map>: {message}").into());
}

/// Fire `name` on the element with `detail` (a `CustomEvent` that bubbles out of the shadow
/// root).
pub(crate) fn emit(name: &str, detail: &JsValue) {
    let Some(element) = element() else {
        return;
    };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    init.set_bubbles(true);
    init.set_composed(true);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = element.dispatch_event(&event);
    }
}

/// A plain object from `(name, value)` pairs.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&o, &(*name).into(), value);
    }
    o.into()
}

/// The element's state attribute and its `ready` and `error` events follow the page's phase and
/// errors; `hover` and `select` follow the pointer and the selection.
pub(crate) fn watch(ui: Ui) {
    with(|h| h.ui = Some(ui));
    Effect::new(move |previous: Option<Phase>| {
        let phase = ui.phase.get();
        let state = match phase {
            Phase::Starting | Phase::Loading => "loading",
            Phase::Ready => "ready",
            Phase::Failed => "error",
        };
        if let Some(element) = element() {
            let _ = element.set_attribute("state", state);
        }
        if phase == Phase::Ready && previous != Some(Phase::Ready) {
            let (rows, name) = crate::engine::with(|e| {
                e.scene
                    .as_ref()
                    .map_or((0, String::new()), |s| (s.xs.len(), s.name.clone()))
            });
            emit(
                "ready",
                &object(&[
                    ("rows", (rows as f64).into()),
                    ("name", name.into()),
                    ("projection", ui.projection.get_untracked().key().into()),
                ]),
            );
        }
        phase
    });
    Effect::new(move |_| {
        if let Some(message) = ui.error.get() {
            emit("error", &object(&[("message", message.into())]));
        }
    });
    // When the row under the pointer changes (not at start-up: nothing was hovered before).
    Effect::new(move |previous: Option<Option<usize>>| {
        let hover = ui.hover.get();
        let row = hover.as_ref().map(|h| h.row);
        if previous.is_some_and(|p| p != row) {
            let detail = match hover {
                Some(h) => object(&[
                    ("row", (h.row as f64).into()),
                    ("text", h.text.into()),
                    ("category", h.category.map_or(JsValue::NULL, |c| c.into())),
                ]),
                None => object(&[("row", JsValue::NULL)]),
            };
            emit("hover", &detail);
        }
        row
    });
    // A selection (lasso, rectangle, category, `select(rows)`): its rows and first texts.
    // (Once per change of rows: the keywords arriving later change nothing here.)
    Effect::new(move |previous: Option<Vec<u32>>| {
        let picked = ui.picked.get();
        let rows = api::selected_rows();
        if previous.as_ref().is_some_and(|p| *p != rows) {
            let texts = js_sys::Array::new();
            for (_, text) in picked.iter().flat_map(|p| p.texts.iter()) {
                texts.push(&text.into());
            }
            emit(
                "select",
                &object(&[
                    ("rows", js_sys::Uint32Array::from(rows.as_slice()).into()),
                    ("texts", texts.into()),
                    ("source", "selection".into()),
                ]),
            );
        }
        rows
    });
    // A clicked point: it and its nearest neighbours in the original space.
    Effect::new(move |_| {
        if let Some(s) = ui.selection.get() {
            let neighbours = js_sys::Array::new();
            for n in &s.neighbors {
                neighbours.push(&object(&[
                    ("row", (n.row as f64).into()),
                    ("score", n.score.into()),
                    ("text", n.text.clone().into()),
                ]));
            }
            emit(
                "select",
                &object(&[
                    (
                        "rows",
                        js_sys::Uint32Array::from(&[s.row as u32][..]).into(),
                    ),
                    ("texts", js_sys::Array::of1(&s.text.clone().into()).into()),
                    ("neighbors", neighbours.into()),
                    ("source", "click".into()),
                ]),
            );
        }
    });
}

/// The view changed (after a pause, as the app writes its address): fire `viewchange`.
pub(crate) fn view_changed(hash: &str, camera: Option<([f32; 2], f32)>) {
    let center = camera.map_or(JsValue::NULL, |(c, _)| {
        js_sys::Array::of2(&c[0].into(), &c[1].into()).into()
    });
    let zoom = camera.map_or(JsValue::NULL, |(_, z)| z.into());
    emit(
        "viewchange",
        &object(&[("view", hash.into()), ("center", center), ("zoom", zoom)]),
    );
}

/// The start-up is done: show what was given meanwhile, if anything.
pub(crate) fn started(ui: Ui) {
    if let Some(Some(given)) = with(|h| {
        h.started = true;
        h.given.take()
    }) {
        show(ui, given);
    }
}

/// The element fetched its data (or could not): show it now, or once the start-up is done.
pub(crate) fn give(given: Given) {
    let now = with(|h| {
        if h.started {
            h.ui.map(|ui| (ui, given))
        } else {
            h.given = Some(given);
            None
        }
    })
    .flatten();
    if let Some((ui, given)) = now {
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

/// The page's state, for the element's methods.
pub(crate) fn ui() -> Option<Ui> {
    with(|h| h.ui).flatten()
}

fn install(host: Host) {
    HOST.with(|h| *h.borrow_mut() = Some(host));
}

/// Set a setting as the element's attribute changed (`None`: removed).
pub(crate) fn set_param(name: &str, value: Option<String>) {
    with(|h| match value {
        Some(v) => {
            h.params.insert(name.to_owned(), v);
        }
        None => {
            h.params.remove(name);
        }
    });
}

/// Show these controls.
pub(crate) fn set_chrome(chrome: Chrome) {
    with(|h| h.chrome.set(chrome));
}

/// Whether `value` reads as "on" for the `labels` and `contours` attributes (`None`: not a
/// value they take).
pub(crate) fn switch(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "on" | "yes" | "1" => Some(true),
        "false" | "off" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// The element for keyboard shortcuts and the like.
pub(crate) fn event_target() -> Option<web_sys::EventTarget> {
    root().map(|r| r.unchecked_into())
}
