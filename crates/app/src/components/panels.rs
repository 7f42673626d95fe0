//! The panels over and under the map: error banner, load and map-build progress, the selection
//! marker, the neighbours list, the tooltip and the status line. Text from data goes in as text
//! nodes, never as HTML.

use crate::actions::select::mark;
use crate::state::{MapState, Ui, NEIGHBORS_SHOWN};
use crate::util::thousands;
use leptos::prelude::*;

/// The error banner (dismissable); the map behind it stays as it was.
#[component]
pub fn ErrorBanner() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.error.get().is_some()>
            <div id="error" class="error" role="alert">
                <span class="error-text">{move || ui.error.get().unwrap_or_default()}</span>
                {move || {
                    let n = ui
                        .error
                        .with(|e| e.as_deref().and_then(vecscape_core::load::invalid::count_in_message))?;
                    Some(view! {
                        <button
                            id="skip-invalid"
                            on:click=move |_| {
                                leptos::task::spawn_local(crate::actions::load::load_without_invalid(ui))
                            }
                        >
                            {format!(
                                "Load without the {} invalid row{}",
                                thousands(n),
                                if n == 1 { "" } else { "s" },
                            )}
                        </button>
                    })
                }}
                {move || {
                    let offer = ui
                        .error
                        .with(|e| e.as_deref().and_then(vecscape_core::data::budget::offer_in_message))?;
                    let storage = offer.storage.map(|storage| view! {
                        <button
                            id="budget-storage"
                            on:click=move |_| {
                                leptos::task::spawn_local(crate::actions::load::load_within_budget(ui, Some(storage), None))
                            }
                        >
                            {format!("Load as {}", storage.name())}
                        </button>
                    });
                    let rows = usize::try_from(offer.fits_rows).ok().filter(|&n| n > 0).map(|n| view! {
                        <button
                            id="budget-rows"
                            on:click=move |_| {
                                leptos::task::spawn_local(crate::actions::load::load_within_budget(ui, None, Some(n)))
                            }
                        >
                            {format!("Load the first {} rows", thousands(n))}
                        </button>
                    });
                    Some(view! { {storage} {rows} })
                }}
                <button class="dismiss" on:click=move |_| ui.error.set(None)>"×"</button>
            </div>
        </Show>
    }
}

/// What a link's view could not restore (or that a link was copied).
#[component]
pub fn LinkNote() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || !ui.link_note.get().is_empty()>
            <div id="link-note" class="link-note" role="status">
                <span>{move || ui.link_note.get()}</span>
                <button class="dismiss" aria-label="Dismiss" on:click=move |_| ui.link_note.set(String::new())>"×"</button>
            </div>
        </Show>
    }
}

/// One snippet of the Share menu: read-only text and its Copy button.
fn snippet(id: &'static str, title: &'static str, text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = text.clone();
    view! {
        <div class="snippet">
            <label for=id>{title}</label>
            <textarea id=id readonly rows="3" spellcheck="false" prop:value=text></textarea>
            <button
                on:click=move |_| {
                    if let Some(w) = web_sys::window() {
                        let promise = w.navigator().clipboard().write_text(&to_copy);
                        leptos::task::spawn_local(async move {
                            copied.set(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
                        });
                    }
                }
            >
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}

/// The Share menu: this view as a link, as a `<vecscape-map>` element for a docs page, and as an
/// iframe. Data opened from files has no element snippet (a page cannot fetch them).
#[component]
pub fn SharePanel(share: RwSignal<Option<crate::actions::link::Snippets>>) -> impl IntoView {
    view! {
        {move || share.get().map(|s| view! {
            <div id="share-panel" class="share-panel" role="dialog" aria-label="Share this view">
                {snippet("share-link", "Link", s.link.clone())}
                {match s.element.clone() {
                    Some(element) => snippet("share-element", "Element for a docs page (widget/ beside the app)", element).into_any(),
                    None => view! {
                        <p class="share-note">"Data opened from files cannot be embedded: publish the files and open them by URL (?data=…&meta=…) to get an element."</p>
                    }.into_any(),
                }}
                {snippet("share-iframe", "iframe", s.iframe.clone())}
                <button class="dismiss" aria-label="Close" on:click=move |_| share.set(None)>"×"</button>
            </div>
        })}
    }
}

/// A selection laid out on its own is shown: which, and the way back.
#[component]
pub fn SubsetBar() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        {move || ui.subset.get().map(|view| {
            let back_to = if view.depth > 1 { "Back to the previous selection" } else { "Back to the whole map" };
            view! {
                <div
                    id="subset"
                    class="subset"
                    role="status"
                    data-rows=view.rows.to_string()
                    data-depth=view.depth.to_string()
                    on:pointerdown=crate::components::stop_pointer
                    on:pointerup=crate::components::stop_pointer
                    on:pointermove=crate::components::stop_pointer
                >
                    <span>{format!("{} selected rows laid out on their own ({})", thousands(view.rows), view.method)}</span>
                    <button id="subset-back" title="Backspace" on:click=move |_| crate::actions::project::back(ui)>{format!("← {back_to}")}</button>
                </div>
            }
        })}
    }
}

/// Loading and projecting: what, and how far.
#[component]
pub fn LoadProgress() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.progress.get().is_some()>
            <div
                id="progress"
                class="progress"
                on:pointerdown=crate::components::stop_pointer
                on:pointerup=crate::components::stop_pointer
            >
                <div class="progress-head">
                    <span>{move || ui.progress.get().map(|p| p.what).unwrap_or_default()}</span>
                    <button id="cancel" class="cancel" title="Stop it; what was shown stays" on:click=move |_| crate::actions::load::cancel(ui)>"Cancel"</button>
                </div>
                <progress
                    max="1"
                    value=move || {
                        ui.progress
                            .get()
                            .and_then(|p| p.total.map(|t| (p.loaded as f64 / t.max(1) as f64).to_string()))
                    }
                ></progress>
            </div>
        </Show>
    }
}

/// The map's summaries being built.
#[component]
pub fn MapProgress() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || matches!(ui.map.get(), MapState::Building(_))>
            <div
                id="map-progress"
                class="map-progress"
                on:pointerdown=crate::components::stop_pointer
                on:pointerup=crate::components::stop_pointer
            >
                "Building map "
                <progress
                    max="1"
                    value=move || match ui.map.get() {
                        MapState::Building(done) => done.to_string(),
                        _ => "0".to_owned(),
                    }
                ></progress>
                <button id="cancel-map" class="cancel" title="Stop building the map" on:click=move |_| crate::actions::load::cancel(ui)>"Cancel"</button>
            </div>
        </Show>
    }
}

/// The ring around the clicked point.
#[component]
pub fn Marker() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        {move || {
            ui.marker
                .get()
                .map(|p| {
                    view! {
                        <div
                            id="selected-marker"
                            class="marker"
                            style:left=format!("{}px", p[0])
                            style:top=format!("{}px", p[1])
                        ></div>
                    }
                })
        }}
    }
}

/// The clicked point's exact nearest neighbours.
#[component]
pub fn Neighbours() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        {move || {
            ui.selection
                .get()
                .map(|s| {
                    view! {
                        <aside
                            id="neighbors"
                            class="neighbors"
                            data-row=s.row.to_string()
                            on:pointerdown=|ev: web_sys::PointerEvent| ev.stop_propagation()
                            on:pointerup=|ev: web_sys::PointerEvent| ev.stop_propagation()
                            on:pointermove=|ev: web_sys::PointerEvent| ev.stop_propagation()
                            on:wheel=|ev: web_sys::WheelEvent| ev.stop_propagation()
                        >
                            <button
                                class="dismiss"
                                on:click=move |_| {
                                    ui.selection.set(None);
                                    mark(None);
                                }
                            >
                                "×"
                            </button>
                            <div class="neighbors-title" data-device=s.device.key()>
                                {format!(
                                    "{NEIGHBORS_SHOWN} nearest · {}, exact on {} · {:.1} ms",
                                    s.metric.name(),
                                    s.device.label(),
                                    s.elapsed_ms,
                                )}
                            </div>
                            <div class="neighbors-query">{s.text.clone()}</div>
                            <ol>
                                {s
                                    .neighbors
                                    .into_iter()
                                    .map(|n| {
                                        view! {
                                            <li data-row=n.row.to_string()>
                                                <span class="score">{format!("{:.3}", n.score)}</span>
                                                <span class="text">{n.text}</span>
                                                <span class="category">{n.category.unwrap_or_default()}</span>
                                            </li>
                                        }
                                    })
                                    .collect::<Vec<_>>()}
                            </ol>
                        </aside>
                    }
                })
        }}
    }
}

/// The hovered point's text and category.
#[component]
pub fn Tooltip() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        {move || {
            ui.hover
                .get()
                .map(|h| {
                    view! {
                        <div
                            id="tooltip"
                            class="tooltip"
                            data-row=h.row.to_string()
                            style:left=format!("{}px", h.at[0] + 14.0)
                            style:top=format!("{}px", h.at[1] + 14.0)
                        >
                            <div class="tooltip-category">{h.category.clone().unwrap_or_default()}</div>
                            <div class="tooltip-text">{h.text.clone()}</div>
                        </div>
                    }
                })
        }}
    }
}

/// The live backend, the data, and what the projection and the map took.
#[component]
pub fn StatusLine() -> impl IntoView {
    let ui = expect_context::<Ui>();
    // The status line's notes; also its tooltip, where the line is cut short.
    let status_line = move || {
        let mut line = ui.summary.get();
        for note in [
            ui.projection_note.get(),
            ui.faithfulness_note.get(),
            ui.map.with(MapState::note),
        ] {
            if !note.is_empty() {
                line = format!("{line} · {note}");
            }
        }
        line
    };
    view! {
        <footer id="status" data-backend=move || ui.renderer.get().key()>
            <span class="backend">{move || ui.backend.get()}</span>
            <span class="summary" title=status_line>
                {status_line}
            </span>
            <span id="export-note" class="export-note">{move || ui.export_note.get()}</span>
        </footer>
    }
}
