//! The filters: a histogram with a brush for each numeric column and the time (drag across it
//! to keep a range, double-click to keep all), with two sliders for the keyboard.

use crate::actions::colour::{format_time, set_filter};
use crate::components::{stop_pointer, stop_wheel};
use crate::state::{Filter, Ui};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The histogram's size in CSS px.
const WIDTH: f64 = 200.0;
const HEIGHT: f64 = 36.0;
/// Slider steps over the range.
const STEPS: f64 = 1000.0;

fn shown(f: &Filter, v: f64) -> String {
    if f.field.is_none() {
        format_time(v)
    } else {
        vecscape_core::data::meta::format_number((v * 1000.0).round() / 1000.0)
    }
}

/// Where the pointer is across the histogram (0…1).
fn fraction_at(ev: &web_sys::PointerEvent) -> f64 {
    let rect = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| el.get_bounding_client_rect());
    rect.map_or(0.0, |r| {
        ((f64::from(ev.client_x()) - r.left()) / r.width().max(1.0)).clamp(0.0, 1.0)
    })
}

/// One filter's histogram, brush and sliders (its range read reactively, so a drag keeps its
/// element and its pointer capture).
fn filter_view(ui: Ui, index: usize, f: Filter) -> impl IntoView {
    let brush_from = StoredValue::new(None::<f64>);
    let range = move || {
        ui.filters
            .with(|fs| fs.get(index).map(|g| (g.lo, g.hi)))
            .unwrap_or((f64::NAN, f64::NAN))
    };
    let h = f.histogram.clone();
    let peak = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bins = h.counts.len().max(1);
    let bar = WIDTH / bins as f64;
    let bars = h
        .counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let height = (n as f64 / peak * HEIGHT).max(if n > 0 { 1.0 } else { 0.0 });
            let (b0, b1) = (
                h.value_at(i as f64 / bins as f64),
                h.value_at((i + 1) as f64 / bins as f64),
            );
            view! {
                <rect
                    x=format!("{:.2}", i as f64 * bar)
                    y=format!("{:.2}", HEIGHT - height)
                    width=format!("{:.2}", (bar - 0.5).max(0.5))
                    height=format!("{height:.2}")
                    class:kept=move || { let (lo, hi) = range(); b1 >= lo && b0 <= hi }
                ></rect>
            }
        })
        .collect::<Vec<_>>();
    let (slider_h, slider_name) = (f.histogram.clone(), f.name.clone());
    let slider = move |which: &'static str| {
        let h = slider_h.clone();
        let shown_h = slider_h.clone();
        let name = slider_name.clone();
        view! {
            <input
                type="range"
                class=format!("filter-{which}")
                min="0"
                max=STEPS.to_string()
                step="1"
                aria-label=format!("{} of {name} shown", if which == "lo" { "Lowest" } else { "Highest" })
                prop:value=move || {
                    let (lo, hi) = range();
                    (shown_h.fraction_of(if which == "lo" { lo } else { hi }) * STEPS).round().to_string()
                }
                on:input=move |ev| {
                    let Ok(step) = event_target_value(&ev).parse::<f64>() else { return };
                    let v = h.value_at(step / STEPS);
                    let (lo, hi) = range();
                    if which == "lo" { set_filter(ui, index, v.min(hi), hi) } else { set_filter(ui, index, lo, v.max(lo)) }
                }
            />
        }
    };
    let (hist, hist_move, hist_reset, hist_brush) = (h.clone(), h.clone(), h.clone(), h.clone());
    let label = f.clone();
    view! {
        <div class="filter" data-field=f.name.clone() data-narrowed=move || ui.filters.with(|fs| fs.get(index).is_some_and(Filter::narrowed)).to_string()>
            <div class="filter-head">
                <span class="filter-name">{f.name.clone()}</span>
                <span class="filter-range">{move || { let (lo, hi) = range(); format!("{} – {}", shown(&label, lo), shown(&label, hi)) }}</span>
            </div>
            <svg
                class="histogram"
                width=WIDTH.to_string()
                height=HEIGHT.to_string()
                role="img"
                aria-label=format!("Histogram of {}: drag across it to keep a range, double-click to keep all", f.name)
                on:pointerdown=move |ev: web_sys::PointerEvent| {
                    ev.stop_propagation();
                    if let Some(t) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                        let _ = t.set_pointer_capture(ev.pointer_id());
                    }
                    brush_from.set_value(Some(hist.value_at(fraction_at(&ev))));
                }
                on:pointermove=move |ev: web_sys::PointerEvent| {
                    ev.stop_propagation();
                    if let Some(from) = brush_from.get_value() {
                        let to = hist_move.value_at(fraction_at(&ev));
                        set_filter(ui, index, from.min(to), from.max(to));
                    }
                }
                on:pointerup=move |ev: web_sys::PointerEvent| {
                    ev.stop_propagation();
                    brush_from.set_value(None);
                }
                on:dblclick=move |_| set_filter(ui, index, hist_reset.min, hist_reset.max)
            >
                {bars}
                <rect
                    class="brush"
                    x=move || format!("{:.2}", hist_brush.fraction_of(range().0) * WIDTH)
                    y="0"
                    width=move || { let (lo, hi) = range(); format!("{:.2}", ((h.fraction_of(hi) - h.fraction_of(lo)) * WIDTH).max(1.0)) }
                    height=HEIGHT.to_string()
                ></rect>
            </svg>
            <div class="filter-sliders">
                {slider("lo")}
                {slider("hi")}
            </div>
        </div>
    }
}

/// The filters panel, bottom left over the map, when the data has numeric columns or times.
#[component]
pub fn Filters() -> impl IntoView {
    let ui = expect_context::<Ui>();
    // Keyed by the column and its histogram: a new dataset makes new filters, a new range
    // keeps them.
    let keyed = move || {
        ui.filters.with(|fs| {
            fs.iter()
                .enumerate()
                .map(|(i, f)| {
                    let total: usize = f.histogram.counts.iter().sum();
                    (
                        format!(
                            "{i}:{}:{}:{}:{total}",
                            f.name, f.histogram.min, f.histogram.max
                        ),
                        i,
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !ui.filters.with(Vec::is_empty)>
            <details
                id="filters"
                class="filters"
                open
                on:pointerdown=stop_pointer
                on:pointerup=stop_pointer
                on:pointermove=stop_pointer
                on:wheel=stop_wheel
            >
                <summary>"Filters"</summary>
                <For
                    each=keyed
                    key=|(key, _)| key.clone()
                    children=move |(_, i)| {
                        let f = ui.filters.with_untracked(|fs| fs.get(i).cloned());
                        f.map(|f| filter_view(ui, i, f))
                    }
                />
            </details>
        </Show>
    }
}
