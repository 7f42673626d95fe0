//! Small helpers: the worker's global scope and clock, yielding.

use wasm_bindgen::JsCast;

pub(crate) fn scope() -> web_sys::WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

pub(crate) fn now_ms() -> f64 {
    scope().performance().map_or(0.0, |p| p.now())
}

/// Let messages that arrived meanwhile (a cancel, a search) be handled before the next step.
pub(crate) async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}
