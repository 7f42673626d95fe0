//! The keyboard: `/` search, Esc clear, `+`/`-` zoom, arrows pan, `0` reset, Backspace back from
//! a selection laid out on its own. Keys typed into a field stay with the field.

use crate::actions::{find, pick, select};
use crate::engine;
use crate::state::Ui;
use leptos::prelude::Set;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Arrows pan by this many CSS px.
const PAN_STEP_CSS_PX: f32 = 60.0;
/// `+` and `-` zoom by this factor.
const ZOOM_STEP: f32 = 1.25;

fn typing_in(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                || el.has_attribute("contenteditable")
        })
}

fn on_key(ui: Ui, ev: &web_sys::KeyboardEvent) {
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing_in(ev) {
        return;
    }
    let handled = match ev.key().as_str() {
        "/" => {
            let input = crate::util::element_by_id("search")
                .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(input) = input {
                let _ = input.focus();
                input.select();
            }
            true
        }
        "Escape" => {
            ui.query.set(String::new());
            find::clear(ui);
            pick::clear(ui);
            ui.selection.set(None);
            select::mark(None);
            true
        }
        "Backspace" if engine::with(|e| e.saved_depth() > 0) => {
            crate::actions::project::back(ui);
            true
        }
        key => {
            let step = PAN_STEP_CSS_PX;
            let act: Option<fn(&mut engine::Engine, f32)> = match key {
                "+" | "=" => Some(|e, _| e.zoom_middle(ZOOM_STEP)),
                "-" | "_" => Some(|e, _| e.zoom_middle(1.0 / ZOOM_STEP)),
                "0" => Some(|e, _| e.reset_view()),
                "ArrowLeft" => Some(|e, s| e.pan_css(s, 0.0)),
                "ArrowRight" => Some(|e, s| e.pan_css(-s, 0.0)),
                "ArrowUp" => Some(|e, s| e.pan_css(0.0, s)),
                "ArrowDown" => Some(|e, s| e.pan_css(0.0, -s)),
                _ => None,
            };
            act.map(|f| engine::with(|e| f(e, step))).is_some()
        }
    };
    if handled {
        ev.prevent_default();
        engine::request_redraw();
        crate::actions::link::schedule(ui, false);
    }
}

/// Listen for the shortcuts on the whole page (in the widget, only while the focus is inside
/// the element: the page's own keys stay the page's).
pub(crate) fn install(ui: Ui) {
    let target = crate::embed::event_target()
        .or_else(|| web_sys::window().map(wasm_bindgen::JsCast::unchecked_into));
    let Some(target) = target else {
        return;
    };
    let listener =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |ev: web_sys::KeyboardEvent| {
            on_key(ui, &ev);
        });
    if target
        .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref())
        .is_ok()
    {
        listener.forget();
    }
}
