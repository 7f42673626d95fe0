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

/// A query-string parameter of the page's URL (in the widget, the element's attribute for it).
pub(crate) fn query_param(name: &str) -> Option<String> {
    if let Some(given) = crate::embed::param(name) {
        return given;
    }
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// The element with this id: in the page, or in the widget's shadow root.
pub(crate) fn element_by_id(id: &str) -> Option<web_sys::Element> {
    match crate::embed::root() {
        Some(root) => root.get_element_by_id(id),
        None => web_sys::window()?.document()?.get_element_by_id(id),
    }
}

/// Offer `bytes` as a download named `name` (a Blob of type `mime` behind an object URL).
pub(crate) fn download(bytes: &[u8], name: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    download_url(&url, name)?;
    // The download has started by the time this runs.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Offer what `url` (a blob or data URL) holds as a download named `name`.
pub(crate) fn download_url(url: &str, name: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    a.set_href(url);
    a.set_download(name);
    a.click();
    Ok(())
}
