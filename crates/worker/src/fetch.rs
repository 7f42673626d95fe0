//! Getting bytes into the worker: `fetch` bodies and picked files (sent by the page as `File`
//! objects), streamed chunk by chunk into the core's loaders with progress.

use js_sys::{Reflect, Uint8Array};
use vecscape_core::data::budget::Budget;
use vecscape_core::load::file::{FileLoader, Loaded, Progress};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn js_error(context: &str, e: JsValue) -> String {
    let detail = e
        .as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|err| String::from(err.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"));
    format!("{context}: {detail}")
}

/// The response to `url`, or an error naming the URL and the HTTP status.
async fn fetch_ok(url: &str) -> Result<web_sys::Response, String> {
    let response: web_sys::Response = JsFuture::from(crate::util::scope().fetch_with_str(url))
        .await
        .map_err(|e| js_error(url, e))?
        .dyn_into()
        .map_err(|e| js_error(url, e))?;
    if !response.ok() {
        return Err(format!(
            "{url}: HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    Ok(response)
}

pub(crate) use vecscape_protocol::Stop;

/// `Continue` to go on reading, `Break` to stop (see [`Stop::Cancelled`]).
pub(crate) type Go = std::ops::ControlFlow<()>;

/// Fetch `url` and stream its body into a [`FileLoader`] named `name`, calling `on_progress`
/// after each chunk. Returns what the file held.
pub(crate) async fn fetch_into(
    url: &str,
    name: &str,
    budget: &Budget,
    mut on_progress: impl FnMut(&Progress) -> Go,
) -> Result<Loaded, Stop> {
    let response = fetch_ok(url).await?;
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|s| s.parse::<u64>().ok());
    let mut loader = FileLoader::new(name, total, budget.clone());
    let Some(body) = response.body() else {
        return Ok(loader.finish().map_err(|e| e.to_string())?);
    };
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|e| js_error(url, e.into()))?;
    let mut buffer = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| js_error(url, e))?;
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
            let array: Uint8Array = value.unchecked_into();
            buffer.resize(array.length() as usize, 0);
            array.copy_to(&mut buffer);
            let go = match loader.push(&buffer) {
                Ok(progress) => on_progress(&progress),
                Err(e) => {
                    // Stop downloading what cannot be used.
                    let _ = reader.cancel();
                    return Err(Stop::Failed(e.to_string()));
                }
            };
            if go.is_break() {
                let _ = reader.cancel();
                return Err(Stop::Cancelled);
            }
        }
    }
    Ok(loader.finish().map_err(|e| e.to_string())?)
}

/// Bytes read from a picked file per step (requests that arrive meanwhile are read between steps).
const FILE_SLICE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// Read a picked file in slices into a [`FileLoader`], calling `on_progress` after each.
pub(crate) async fn read_file_into(
    file: &web_sys::File,
    budget: &Budget,
    mut on_progress: impl FnMut(&Progress) -> Go,
) -> Result<Loaded, Stop> {
    let name = file.name();
    let size = file.size();
    let mut loader = FileLoader::new(&name, Some(size as u64), budget.clone());
    let mut start = 0.0;
    while start < size {
        let end = (start + FILE_SLICE_BYTES).min(size);
        let slice = file
            .slice_with_f64_and_f64(start, end)
            .map_err(|e| js_error(&name, e))?;
        let buffer = JsFuture::from(slice.array_buffer())
            .await
            .map_err(|e| js_error(&name, e))?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        let progress = loader.push(&bytes).map_err(|e| e.to_string())?;
        if on_progress(&progress).is_break() {
            return Err(Stop::Cancelled);
        }
        start = end;
    }
    Ok(loader.finish().map_err(|e| e.to_string())?)
}

/// The whole body of `url` (small files such as WizMap's `grid.json`).
pub(crate) async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = fetch_ok(url).await?;
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_error(url, e))?)
        .await
        .map_err(|e| js_error(url, e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The whole of a picked file.
pub(crate) async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| js_error(&file.name(), e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
