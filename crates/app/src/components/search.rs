//! The search box (words, or a pasted vector), the results list, and the selection panel.
//! Text from data goes in as text nodes, never as HTML.

use crate::actions::find::{
    clear, fly_to, mark_hovered, neighbours_of, neighbours_of_selection, search_box, show_matches,
};
use crate::actions::pick::{self, combine_of, select_matches};
use crate::actions::project::reproject_selection;
use crate::components::{stop_pointer, stop_wheel};
use crate::state::{Projection, Ui, PICKED_TEXTS};
use crate::util::thousands;
use leptos::prelude::*;
use vecscape_core::view::palette::category_color;

/// The search box in the toolbar: typing searches (after a short pause), Enter flies to the
/// first result, Esc clears.
#[component]
pub fn SearchBox() -> impl IntoView {
    let ui = expect_context::<Ui>();
    // The pending search while typing.
    let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        ui.query.set(text.clone());
        let timer =
            gloo_timers::callback::Timeout::new(SEARCH_PAUSE_MS, move || search_box(ui, text));
        pending.set_value(Some(timer));
    };
    let on_key = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            pending.set_value(None);
            let text = ui.query.get_untracked();
            // The results answer the box's text: fly to the first; else search now.
            let first = ui.search.with_untracked(|s| {
                s.as_ref()
                    .filter(|s| !s.query.is_empty() && s.query == text.trim())
                    .and_then(|s| s.hits.first().map(|h| h.row))
            });
            match first {
                Some(row) => fly_to(row),
                None => search_box(ui, text),
            }
        }
        "Escape" => {
            pending.set_value(None);
            ui.query.set(String::new());
            clear(ui);
            if let Some(input) = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
            {
                let _ = input.blur();
            }
        }
        _ => {}
    };
    view! {
        <input
            id="search"
            class="search"
            type="search"
            placeholder="Search words or paste a vector  ( / )"
            aria-label="Search the texts, or paste a vector to find its nearest rows"
            autocomplete="off"
            spellcheck="false"
            prop:value=move || ui.query.get()
            on:input=on_input
            on:keydown=on_key
        />
    }
}

/// Wait this long after the last keystroke before searching.
const SEARCH_PAUSE_MS: u32 = 120;

/// The results of the last search, over the map's left side.
#[component]
pub fn SearchResults() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.search.get().is_some() || ui.search_error.get().is_some()>
            <aside
                id="search-results"
                class="results"
                aria-label="Search results"
                on:pointerdown=stop_pointer
                on:pointerup=stop_pointer
                on:pointermove=stop_pointer
                on:wheel=stop_wheel
            >
                <button class="dismiss" aria-label="Close the search results" on:click=move |_| {
                    ui.query.set(String::new());
                    clear(ui);
                }>"×"</button>
                {move || ui.search_error.get().map(|e| view! { <div id="search-error" class="inline-error" role="status">{e}</div> })}
                {move || ui.search.get().map(|s| {
                    let by_meaning = s.by_meaning;
                    view! {
                        <div class="results-title" data-total=s.total.to_string()>
                            {s.title.clone()}
                            {s.within_filter.then_some(" within the filter")}
                        </div>
                        <div class="results-took">{s.took.clone()}</div>
                        <div class="results-actions">
                            <label class="toggle">
                                <input
                                    id="show-matches"
                                    type="checkbox"
                                    prop:checked=move || ui.show_matches.get()
                                    on:change=move |ev| show_matches(ui, event_target_checked(&ev))
                                />
                                "Show all on the map"
                            </label>
                            <button
                                id="select-matches"
                                title="Select every result (Shift: add to the selection, Alt: remove)"
                                on:click=move |ev: web_sys::MouseEvent| select_matches(ui, combine_of(ev.shift_key(), ev.alt_key()))
                            >
                                "Select all"
                            </button>
                        </div>
                        <ol id="results-list">
                            {s.hits.into_iter().map(|h| {
                                let row = h.row;
                                view! {
                                    <li
                                        data-row=row.to_string()
                                        tabindex="0"
                                        on:mouseenter=move |_| mark_hovered(Some(row))
                                        on:mouseleave=move |_| mark_hovered(None)
                                        on:click=move |_| fly_to(row)
                                        on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" { fly_to(row) }
                                    >
                                        <span class="score">{if by_meaning { format!("{:.3}", h.score) } else { format!("{:.1}", h.score) }}</span>
                                        <span class="text">{h.text}</span>
                                        <span class="category">{h.category.unwrap_or_default()}</span>
                                        <button
                                            class="near"
                                            title="The rows nearest to this one, exact in the original space"
                                            aria-label="Neighbours of this row"
                                            on:click=move |ev: web_sys::MouseEvent| {
                                                ev.stop_propagation();
                                                neighbours_of(ui, row);
                                            }
                                        >"≈"</button>
                                    </li>
                                }
                            }).collect::<Vec<_>>()}
                        </ol>
                    }
                })}
            </aside>
        </Show>
    }
}

/// The selected rows: count, categories, keywords, texts.
#[component]
pub fn SelectionPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        {move || ui.picked.get().map(|p| view! {
            <aside
                id="selection"
                class="selection"
                aria-label="Selection"
                data-count=p.count.to_string()
                on:pointerdown=stop_pointer
                on:pointerup=stop_pointer
                on:pointermove=stop_pointer
                on:wheel=stop_wheel
            >
                <button class="dismiss" aria-label="Clear the selection" on:click=move |_| pick::clear(ui)>"×"</button>
                <div class="selection-title">{format!("{} selected", thousands(p.count))}<span class="took">{format!(" · {}", p.took)}</span></div>
                <div class="selection-actions">
                    <button id="selection-neighbours" title="The rows nearest to the mean of the selected vectors" on:click=move |_| neighbours_of_selection(ui)>"Nearest to the mean"</button>
                </div>
                <div class="selection-actions" role="group" aria-label="Lay the selection out on its own">
                    <span class="hint">"Lay out on its own:"</span>
                    <button id="selection-pca" title="PCA of just the selected vectors, shown in place of the map (Back returns)" on:click=move |_| leptos::task::spawn_local(reproject_selection(ui, Projection::Pca))>"PCA"</button>
                    <button id="selection-umap" title="UMAP of just the selected vectors, shown in place of the map (Back returns)" on:click=move |_| leptos::task::spawn_local(reproject_selection(ui, Projection::Umap))>"UMAP"</button>
                </div>
                <ul id="selection-categories" class="selection-categories">
                    {p.categories.iter().take(8).map(|(name, n, code)| {
                        let c = category_color(*code);
                        view! {
                            <li>
                                <span class="swatch" style:background=format!("rgb({},{},{})", c[0], c[1], c[2])></span>
                                <span class="name">{name.clone()}</span>
                                <span class="count">{thousands(*n)}</span>
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ul>
                <div id="selection-keywords" class="selection-keywords" data-ready=(!p.keywords.is_empty()).to_string()>
                    {p.keywords.iter().map(|(w, _)| view! { <span class="keyword">{w.clone()}</span> }).collect::<Vec<_>>()}
                </div>
                <ol id="selection-texts" class="selection-texts">
                    {p.texts.iter().map(|(row, text)| {
                        let row = *row;
                        view! {
                            <li
                                data-row=row.to_string()
                                on:mouseenter=move |_| mark_hovered(Some(row))
                                on:mouseleave=move |_| mark_hovered(None)
                                on:click=move |_| fly_to(row)
                            >{text.clone()}</li>
                        }
                    }).collect::<Vec<_>>()}
                </ol>
                {(p.count > PICKED_TEXTS).then(|| view! { <div class="more">{format!("and {} more", thousands(p.count - PICKED_TEXTS))}</div> })}
            </aside>
        })}
    }
}
