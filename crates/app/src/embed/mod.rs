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
pub mod events;

use crate::state::Ui;
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

/// Record the `Ui` (the element's methods act on it).
pub(crate) fn set_ui(ui: Ui) {
    with(|h| h.ui = Some(ui));
}

/// Take what was given before the start-up finished, and say it is finished.
pub(crate) fn take_given() -> Option<Given> {
    with(|h| {
        h.started = true;
        h.given.take()
    })
    .flatten()
}

/// Keep `given` for the end of the start-up, or hand it back (with the `Ui`) when that is over.
pub(crate) fn keep_or_return(given: Given) -> Option<(Ui, Given)> {
    with(|h| {
        if h.started {
            h.ui.map(|ui| (ui, given))
        } else {
            h.given = Some(given);
            None
        }
    })
    .flatten()
}

/// What the element gives the app to show: its data, or why it has none.
pub(crate) enum Given {
    Data(Data),
    Failed(String),
}

pub(crate) struct Host {
    pub element: web_sys::HtmlElement,
    pub root: web_sys::ShadowRoot,
    /// Attributes under the names the app reads from a query string (`backend`, `projection`, …).
    pub params: HashMap<String, String>,
    pub worker_url: String,
    /// The full app, for "Open in vecscape".
    pub app_url: String,
    pub chrome: RwSignal<Chrome>,
    pub ui: Option<Ui>,
    /// What was given before the start-up finished.
    pub given: Option<Given>,
    pub started: bool,
    /// The element let this instance go (`destroy`): it says nothing more to the element.
    pub closed: bool,
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

/// The controls the element shows (its `toolbar`); `None` in the app.
pub(crate) fn chrome() -> Option<Chrome> {
    with(|h| h.chrome.get())
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

/// The page's state, for the element's methods.
pub(crate) fn ui() -> Option<Ui> {
    with(|h| h.ui).flatten()
}

pub(crate) fn install(host: Host) {
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
