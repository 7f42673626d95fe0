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
    crate::crash::reading(Some(name));
    let read = fetch_body(url, name, budget, &mut on_progress).await;
    crate::crash::reading(None);
    read
}

async fn fetch_body(
    url: &str,
    name: &str,
    budget: &Budget,
    on_progress: &mut impl FnMut(&Progress) -> Go,
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
const FILE_SLICE_BYTES: u32 = 4 * 1024 * 1024;

/// Read a picked file into a [`FileLoader`], calling `on_progress` after each step of
/// [`FILE_SLICE_BYTES`]. The file's byte stream is read with a BYOB reader into one buffer that
/// is used again for every step, so a 1.5 GB file leaves no 1.5 GB of garbage buffers behind
/// (measured in `tests/bench/bigfile_bench.mjs`); where the browser has no BYOB reader for files,
/// slices are read one at a time.
pub(crate) async fn read_file_into(
    file: &web_sys::File,
    budget: &Budget,
    on_progress: impl FnMut(&Progress) -> Go,
) -> Result<Loaded, Stop> {
    let name = file.name();
    let loader = FileLoader::new(&name, Some(file.size() as u64), budget.clone());
    crate::crash::reading(Some(&name));
    let read = match byob_reader(file) {
        Some(reader) => read_byob(&name, &reader, loader, on_progress).await,
        None => read_slices(file, loader, on_progress).await,
    };
    crate::crash::reading(None);
    read
}

/// `file.stream().getReader({ mode: "byob" })`, or `None` where that throws or is missing.
fn byob_reader(file: &web_sys::File) -> Option<web_sys::ReadableStreamByobReader> {
    let stream = file.stream();
    let get_reader: js_sys::Function = Reflect::get(&stream, &"getReader".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = js_sys::Object::new();
    Reflect::set(&options, &"mode".into(), &"byob".into()).ok()?;
    let reader = Reflect::apply(&get_reader, &stream, &js_sys::Array::of1(&options)).ok()?;
    reader.dyn_into().ok()
}

async fn read_byob(
    name: &str,
    reader: &web_sys::ReadableStreamByobReader,
    mut loader: FileLoader,
    mut on_progress: impl FnMut(&Progress) -> Go,
) -> Result<Loaded, Stop> {
    let mut buffer = js_sys::ArrayBuffer::new(FILE_SLICE_BYTES);
    let mut bytes = vec![0u8; FILE_SLICE_BYTES as usize];
    let mut done = false;
    while !done {
        // Fill the buffer (a read gives what the stream has: often far less than asked).
        let mut filled = 0u32;
        while filled < FILE_SLICE_BYTES {
            let view = Uint8Array::new_with_byte_offset_and_length(
                &buffer,
                filled,
                FILE_SLICE_BYTES - filled,
            );
            let result = JsFuture::from(reader.read_with_array_buffer_view(&view))
                .await
                .map_err(|e| js_error(name, e))?;
            let value: Uint8Array = Reflect::get(&result, &"value".into())
                .map_err(|e| js_error(name, e))?
                .unchecked_into();
            // The view's buffer was handed to the stream and comes back, filled, as a new one.
            if !value.is_undefined() {
                buffer = value.buffer();
                filled += value.length();
            }
            if Reflect::get(&result, &"done".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true)
            {
                done = true;
                break;
            }
        }
        if filled == 0 {
            break;
        }
        let part = &mut bytes[..filled as usize];
        Uint8Array::new_with_byte_offset_and_length(&buffer, 0, filled).copy_to(part);
        let progress = loader.push(part).map_err(|e| e.to_string())?;
        if on_progress(&progress).is_break() {
            let _ = reader.cancel();
            return Err(Stop::Cancelled);
        }
    }
    Ok(loader.finish().map_err(|e| e.to_string())?)
}

async fn read_slices(
    file: &web_sys::File,
    mut loader: FileLoader,
    mut on_progress: impl FnMut(&Progress) -> Go,
) -> Result<Loaded, Stop> {
    let name = file.name();
    let size = file.size();
    let mut start = 0.0;
    while start < size {
        let end = (start + f64::from(FILE_SLICE_BYTES)).min(size);
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
