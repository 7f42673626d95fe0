//! The element's `state` attribute and its events, following the page's signals: `ready` and
//! `error` (the phase and the errors), `hover` (the row under the pointer), `select` (a
//! selection or a clicked point with its neighbours). `viewchange` is fired by the links
//! (`super::view_changed`).

use super::{element, emit, object};
use crate::state::{Phase, Ui};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// The element's state attribute and its `ready` and `error` events follow the page's phase and
/// errors; `hover` and `select` follow the pointer and the selection.
pub(crate) fn watch(ui: Ui) {
    super::set_ui(ui);
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
        let rows = super::api::selected_rows();
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
