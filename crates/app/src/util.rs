//! Small helpers every module uses: the clock, yielding to the browser, the page's query string.

pub(crate) use vecscape_protocol::text::thousands;

pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A `performance.mark` (the long-task test and benchmark tell start-up from loading by it).
pub(crate) fn perf_mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Let the browser paint and handle input before the next step.
pub(crate) async fn yield_to_browser() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// A query-string parameter of the page's URL.
pub(crate) fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}
