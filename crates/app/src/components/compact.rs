//! The widget's compact toolbar (`toolbar="compact"`, its default): search, colour by, reset,
//! full screen and "Open in vecscape" (the full app showing the same view).

use crate::components::search::SearchBox;
use crate::components::toolbar::ColorBy;
use crate::engine;
use crate::state::Ui;
use leptos::prelude::*;

/// One row of controls, for a figure in a docs page.
#[component]
pub fn CompactToolbar() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let reset_view = move |_| {
        engine::with(|e| e.reset_view());
        engine::request_redraw();
        crate::actions::link::schedule(ui, false);
    };
    let full_screen = move |_| {
        let document = web_sys::window().and_then(|w| w.document());
        if document
            .as_ref()
            .is_some_and(|d| d.fullscreen_element().is_some())
        {
            if let Some(d) = document {
                d.exit_fullscreen();
            }
        } else if let Some(element) = crate::embed::element() {
            let _ = element.request_fullscreen();
        }
    };
    // The full app with this view, from the moment the link is followed.
    let open_app = move |ev: web_sys::MouseEvent| {
        let href = crate::embed::app_link(&crate::actions::link::current_hash(ui));
        if let (Some(href), Some(a)) = (
            href,
            ev.current_target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlAnchorElement>(t).ok()),
        ) {
            a.set_href(&href);
        }
    };
    view! {
        <header class="toolbar compact">
            <SearchBox />
            <ColorBy label="Colour " />
            <button id="reset-view" title="Show every point (0)" on:click=reset_view>"Reset"</button>
            <button id="full-screen" title="Full screen (Esc leaves it)" on:click=full_screen>"Full screen"</button>
            <a
                id="open-app"
                class="button"
                target="_blank"
                rel="noopener"
                title="Open this view in the full vecscape app"
                href=move || {
                    ui.phase.track();
                    crate::embed::app_link("").unwrap_or_default()
                }
                on:click=open_app
                on:auxclick=open_app
                on:contextmenu=open_app
            >
                "Open in vecscape ↗"
            </a>
        </header>
    }
}
