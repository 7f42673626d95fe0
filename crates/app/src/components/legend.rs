//! The legend (categories to hide or show, or a numeric range) and the time controls.

use crate::actions::colour::{play, recolor, show_time_step};
use crate::actions::pick::{combine_of, select_category};
use crate::components::stop_pointer;
use crate::engine;
use crate::state::{Ui, TIME_STEPS};
use crate::util::thousands;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Play/pause and the period slider, when the data has a time field.
pub(crate) fn time_controls(ui: Ui) -> impl IntoView {
    move || {
        ui.time_range.get().map(|_| {
            view! {
                <div id="time-controls" class="time-controls"
                    on:pointerdown=stop_pointer
                    on:pointerup=stop_pointer
                >
                    <button
                        id="time-play"
                        on:click=move |_| {
                            let on = !ui.playing.get_untracked();
                            ui.playing.set(on);
                            if on {
                                spawn_local(play(ui));
                            }
                        }
                    >
                        {move || if ui.playing.get() { "Pause" } else { "Play" }}
                    </button>
                    <input
                        id="time-slider"
                        type="range"
                        min="0"
                        max=TIME_STEPS.to_string()
                        prop:value=move || ui.time_step.get().to_string()
                        on:input=move |ev| {
                            if let Ok(step) = event_target_value(&ev).parse::<usize>() {
                                show_time_step(ui, step.min(TIME_STEPS));
                            }
                        }
                    />
                    <span id="time-label">{move || {
                        let note = ui.time_note.get();
                        if note.is_empty() { "all times".to_owned() } else { note }
                    }}</span>
                </div>
            }
        })
    }
}

/// The legend: the categories (click one to hide or show its points) or the numeric range.
pub(crate) fn legend_view(ui: Ui) -> impl IntoView {
    move || match ui.legend.get() {
        _ if !ui.layers.get().legend => None,
        engine::Legend::None => None,
        engine::Legend::Categories {
            field,
            entries,
            more,
        } => Some({
            let title = field.clone();
            view! {
                <aside id="legend" class="legend" data-field=field
                    on:pointerdown=stop_pointer
                    on:pointerup=stop_pointer
                >
                    <div class="legend-title">{title}</div>
                    {entries
                        .into_iter()
                        .map(|entry| {
                            let code = entry.code;
                            let [r, g, b, _] = entry.color;
                            let label = format!("{} ({} points): hide or show", entry.name, entry.count);
                            view! {
                                <button
                                    class="legend-entry"
                                    class:off=entry.hidden
                                    data-code=code.to_string()
                                    title="Click: hide or show · Shift-click: add to the selection · Alt-click: remove from it"
                                    aria-label=label
                                    on:click=move |ev: web_sys::MouseEvent| {
                                        if ev.shift_key() || ev.alt_key() {
                                            select_category(ui, code, combine_of(ev.shift_key(), ev.alt_key()));
                                            return;
                                        }
                                        let (by, mut hidden) =
                                            engine::with(|e| (e.color_by.clone(), e.hidden.clone()));
                                        if !hidden.remove(&code) {
                                            hidden.insert(code);
                                        }
                                        recolor(ui, by, hidden);
                                    }
                                >
                                    <span class="swatch" style:background=format!("rgb({r},{g},{b})")></span>
                                    <span class="name">{entry.name}</span>
                                    <span class="count">{thousands(entry.count)}</span>
                                </button>
                            }
                        })
                        .collect_view()}
                    {(more > 0).then(|| view! { <div class="legend-more">{format!("… and {} more", thousands(more))}</div> })}
                </aside>
            }
            .into_any()
        }),
        engine::Legend::Numeric { field, min, max } => Some({
            let title = field.clone();
            view! {
                <aside id="legend" class="legend" data-field=field>
                    <div class="legend-title">{title}</div>
                    <div class="legend-scale"></div>
                    <div class="legend-range">
                        <span class="min">{vecscape_core::data::meta::format_number(min)}</span>
                        <span class="max">{vecscape_core::data::meta::format_number(max)}</span>
                    </div>
                </aside>
            }
            .into_any()
        }),
    }
}

/// The legend, when the data has a colour field and the layer is on.
#[component]
pub fn Legend() -> impl IntoView {
    legend_view(expect_context::<Ui>())
}

/// Play/pause and the period slider, when the data has a time field.
#[component]
pub fn TimeControls() -> impl IntoView {
    time_controls(expect_context::<Ui>())
}
