//! How a message travels through `postMessage`: `{ m, xs?, ys?, payload?, extra?, index?, files? }`,
//! `m` the envelope as a JS value (`serde-wasm-bindgen`), the typed arrays' buffers in the
//! transfer list so they move to the other side instead of being copied.

use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// What travels beside a message (see the crate's docs).
#[derive(Debug, Default)]
pub struct Parcel {
    pub xs: Option<Vec<f32>>,
    pub ys: Option<Vec<f32>>,
    /// The main payload ([`crate::encode`]d).
    pub payload: Option<Vec<u8>>,
    /// A second payload (WizMap's summary beside the metadata).
    pub extra: Option<Vec<u8>>,
    /// The hover index of the positions sent (`view::spatial::GridIndex`, encoded): built where
    /// the positions are made, so the page does not walk every point again.
    pub index: Option<Vec<u8>>,
    /// `File` objects (a load of picked files).
    pub files: Option<Array>,
}

impl Parcel {
    /// The main payload decoded as `T` ([`crate::decode`]); `T::default()` when there is none.
    pub fn payload_or_default<T: DeserializeOwned + Default>(&self) -> Result<T, String> {
        self.payload
            .as_deref()
            .map(crate::decode)
            .transpose()
            .map(Option::unwrap_or_default)
            .map_err(|e| e.to_string())
    }
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), String> {
    Reflect::set(target, &key.into(), value)
        .map(|_| ())
        .map_err(|e| format!("message field {key}: {e:?}"))
}

/// The message object and its transfer list.
pub fn pack<M: Serialize>(message: &M, parcel: Parcel) -> Result<(JsValue, Array), String> {
    let object = Object::new();
    let envelope = serde_wasm_bindgen::to_value(message).map_err(|e| e.to_string())?;
    set(&object, "m", &envelope)?;
    let transfer = Array::new();
    for (key, values) in [("xs", parcel.xs), ("ys", parcel.ys)] {
        if let Some(values) = values {
            let array = Float32Array::from(values.as_slice());
            transfer.push(&array.buffer());
            set(&object, key, &array)?;
        }
    }
    for (key, bytes) in [
        ("payload", parcel.payload),
        ("extra", parcel.extra),
        ("index", parcel.index),
    ] {
        if let Some(bytes) = bytes {
            let array = Uint8Array::from(bytes.as_slice());
            transfer.push(&array.buffer());
            set(&object, key, &array)?;
        }
    }
    if let Some(files) = parcel.files {
        set(&object, "files", &files)?;
    }
    Ok((object.into(), transfer))
}

fn field(data: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(data, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// The message and parcel [`pack`] made.
pub fn unpack<M: DeserializeOwned>(data: &JsValue) -> Result<(M, Parcel), String> {
    let envelope = field(data, "m").ok_or("a message without an envelope")?;
    let message = serde_wasm_bindgen::from_value(envelope).map_err(|e| e.to_string())?;
    let floats = |key| {
        field(data, key)
            .and_then(|v| v.dyn_into::<Float32Array>().ok())
            .map(|a| a.to_vec())
    };
    let bytes = |key| {
        field(data, key)
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            .map(|a| a.to_vec())
    };
    let parcel = Parcel {
        xs: floats("xs"),
        ys: floats("ys"),
        payload: bytes("payload"),
        extra: bytes("extra"),
        index: bytes("index"),
        files: field(data, "files").and_then(|v| v.dyn_into::<Array>().ok()),
    };
    Ok((message, parcel))
}
