//! The toolbar: open files, reset the view, the choosers (projection, metric, memory, colour),
//! the map's layer toggles and the grid.json export.

use crate::actions::colour::recolor;
use crate::actions::export::{export_png, export_rows};
use crate::actions::load::{change_storage, open_files};
use crate::actions::map::{export_grid_json, set_layers};
use crate::actions::project::reproject;
use crate::actions::select::mark;
use crate::components::panels::SharePanel;
use crate::components::search::SearchBox;
use crate::engine;
use crate::state::{MapState, Projection, Tool, Ui};
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_core::data::store::Storage;
use vecscape_core::search::types::Metric;
use vecscape_protocol::UmapSettings;
use wasm_bindgen::JsCast;

/// A checkbox for one map layer.
pub(crate) fn layer_toggle(
    ui: Ui,
    id: &'static str,
    label: &'static str,
    get: fn(&engine::MapLayers) -> bool,
    set: fn(&mut engine::MapLayers, bool),
) -> impl IntoView {
    view! {
        <label class="toggle">
            <input
                id=id
                type="checkbox"
                prop:checked=move || get(&ui.layers.get())
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    set_layers(ui, |l| set(l, on));
                }
            />
            {label}
        </label>
    }
}

/// A number field of UMAP's settings: `parse` turns its text into the new settings (or `None`
/// to keep them).
fn umap_field(
    ui: Ui,
    id: &'static str,
    label: &'static str,
    title: &'static str,
    shown: fn(&UmapSettings) -> String,
    parse: fn(&str, UmapSettings) -> Option<UmapSettings>,
) -> impl IntoView {
    view! {
        <label class="control" title=title>
            {label}
            <input
                id=id
                class="number"
                type="text"
                inputmode="decimal"
                size="4"
                prop:value=move || shown(&ui.umap.get())
                on:change=move |ev| {
                    match parse(event_target_value(&ev).trim(), ui.umap.get_untracked()) {
                        Some(settings) => ui.umap.set(settings),
                        // Not a valid value: the field shows the setting again.
                        None => ui.umap.update(|_| {}),
                    }
                }
            />
        </label>
    }
}

/// UMAP's settings and Re-run (shown while UMAP is the layout).
#[component]
fn UmapControls() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <span class="umap-controls">
            {umap_field(ui, "umap-neighbors", "neighbours ", "Neighbours of each point in the graph (itself included); 2 or more", |u| u.neighbors.to_string(), |t, u| {
                t.parse().ok().filter(|n| *n >= 2).map(|neighbors| UmapSettings { neighbors, ..u })
            })}
            {umap_field(ui, "umap-min-dist", "min_dist ", "How tightly points may pack, 0 to 1", |u| u.min_dist.to_string(), |t, u| {
                t.parse().ok().filter(|d: &f32| (0.0..=1.0).contains(d)).map(|min_dist| UmapSettings { min_dist, ..u })
            })}
            {umap_field(ui, "umap-epochs", "epochs ", "Epochs of the layout; empty: 500 up to 10,000 rows, else 200", |u| u.epochs.map(|e| e.to_string()).unwrap_or_default(), |t, u| {
                if t.is_empty() {
                    Some(UmapSettings { epochs: None, ..u })
                } else {
                    t.parse().ok().filter(|e| *e >= 1).map(|e| UmapSettings { epochs: Some(e), ..u })
                }
            })}
            {umap_field(ui, "umap-seed", "seed ", "The seed: the same seed gives the same layout", |u| u.seed.to_string(), |t, u| {
                t.parse().ok().map(|seed| UmapSettings { seed, ..u })
            })}
            <label class="toggle" title="Build the neighbour graph on 50 principal components when the data has more dimensions: several times faster; the neighbours are then exact in that space">
                <input
                    id="umap-reduce"
                    type="checkbox"
                    prop:checked=move || ui.umap.get().reduce
                    on:change=move |ev| {
                        let reduce = event_target_checked(&ev);
                        ui.umap.update(|u| u.reduce = reduce);
                    }
                />
                "PCA 50 first"
            </label>
            <button id="umap-rerun" on:click=move |_| spawn_local(reproject(ui, Projection::Umap))>"Re-run"</button>
        </span>
    }
}

/// The colour chooser: the data's fields (categories, numbers) and faithfulness.
#[component]
pub fn ColorBy(label: &'static str) -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <label class="control">
            {label}
            <select
                id="color-by"
                prop:value=move || ui.color_key.get()
                on:change=move |ev| {
                    recolor(ui, engine::ColorBy::from_key(&event_target_value(&ev)), Default::default());
                }
            >
                <For
                    each=move || ui.color_options.get()
                    key=|(value, _)| value.clone()
                    children=move |(value, label)| view! { <option value=value>{label}</option> }
                />
            </select>
        </label>
    }
}

/// How to use the map (a line of the toolbar on wide screens, else the title's tooltip).
const HINT: &str = "Drop .npy, .parquet, .arrow, .csv, .tsv, .jsonl (+ metadata) on the map · drag to pan, Shift-drag to lasso · wheel or pinch to zoom · click a point for its neighbours · / search, Esc clear, + − zoom, arrows pan, 0 reset";

/// The toolbar above the map.
#[component]
pub fn Toolbar() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        input.set_value("");
        if !files.is_empty() {
            spawn_local(open_files(ui, files));
        }
    };
    let reset_view = move |_| {
        engine::with(|e| e.reset_view());
        engine::request_redraw();
    };
    // The Share menu's snippets while it is open.
    let share = RwSignal::new(None::<crate::actions::link::Snippets>);

    view! {
        <header class="toolbar">
            <h1 title=HINT>"vecscape"</h1>
            <SearchBox />
            <span class="tools" role="group" aria-label="What a drag on the map does">
                {[(Tool::Pan, "tool-pan", "Pan", "Drag pans the map (Shift-drag: lasso)"),
                  (Tool::Lasso, "tool-lasso", "Lasso", "Drag draws a lasso around points to select (Shift: add, Alt: remove)"),
                  (Tool::Rectangle, "tool-rect", "Rectangle", "Drag draws a rectangle to select (Shift: add, Alt: remove)")]
                    .into_iter()
                    .map(|(tool, id, label, title)| view! {
                        <button
                            id=id
                            class="tool"
                            title=title
                            aria-pressed=move || (ui.tool.get() == tool).to_string()
                            on:click=move |_| ui.tool.set(tool)
                        >{label}</button>
                    })
                    .collect::<Vec<_>>()}
            </span>
            <label class="button">
                "Open files…"
                <input id="file-input" type="file" multiple accept=".npy,.parquet,.pq,.arrow,.arrows,.feather,.ipc,.csv,.tsv,.jsonl,.ndjson,.bin,.bytes,.f32,.json" on:change=on_pick />
            </label>
            <button on:click=reset_view>"Reset view"</button>
            <label class="control">
                "Projection "
                <select
                    id="projection"
                    prop:value=move || ui.projection.get().key()
                    on:change=move |ev| {
                        if let Some(method) = Projection::from_key(&event_target_value(&ev)) {
                            spawn_local(reproject(ui, method));
                        }
                    }
                >
                    <option value="pca">"PCA"</option>
                    <option value="gaussian-rp">"Gaussian random projection"</option>
                    <option value="sparse-rp">"Sparse random projection"</option>
                    <option value="precomputed" disabled=move || !ui.has_coords.get()>"Precomputed x/y"</option>
                    <option value="umap">"UMAP"</option>
                </select>
            </label>
            <Show when=move || ui.projection.get() == Projection::Umap>
                <UmapControls />
            </Show>
            <label class="control">
                "Neighbours by "
                <select
                    id="metric"
                    prop:value=move || ui.metric.get().name()
                    on:change=move |ev| {
                        if let Some(m) = Metric::from_name(&event_target_value(&ev)) {
                            engine::with(|e| e.metric = m);
                            worker::send(&vecscape_protocol::Request::SetMetric { metric: m });
                            ui.metric.set(m);
                            ui.selection.set(None);
                            mark(None);
                        }
                    }
                >
                    <option value="cosine">"cosine"</option>
                    <option value="dot">"dot product"</option>
                    <option value="l2">"L2 distance"</option>
                </select>
            </label>
            <label class="control" title="How the vectors are kept in memory: f32 as loaded; f16 in half the memory (exact for data stored as f16); int8 in a quarter (a byte a value and a scale per row). Neighbours are exact for the stored values.">
                "Memory "
                <select
                    id="storage"
                    prop:value=move || ui.storage.get().name()
                    on:change=move |ev| {
                        if let Some(storage) = Storage::from_name(&event_target_value(&ev)) {
                            spawn_local(change_storage(ui, storage));
                        }
                    }
                >
                    <option value="f32">"f32"</option>
                    <option value="f16">"f16 (½)"</option>
                    <option value="int8">"int8 (¼)"</option>
                </select>
            </label>
            <ColorBy label="Colour by " />
            <fieldset class="layers">
                {layer_toggle(ui, "layer-contours", "Contours", |l| l.contours, |l, v| l.contours = v)}
                {layer_toggle(ui, "layer-points", "Points", |l| l.points, |l, v| l.points = v)}
                {layer_toggle(ui, "layer-grid", "Tile grid", |l| l.grid, |l, v| l.grid = v)}
                {layer_toggle(ui, "layer-labels", "Labels", |l| l.labels, |l, v| l.labels = v)}
                {layer_toggle(ui, "layer-legend", "Legend", |l| l.legend, |l, v| l.legend = v)}
                <label class="control">
                    "Labels "
                    <input
                        id="label-count"
                        type="range"
                        min="0"
                        max="150"
                        prop:value=move || ui.layers.get().max_labels.to_string()
                        on:input=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                set_layers(ui, |l| l.max_labels = n);
                            }
                        }
                    />
                    <span class="label-count">{move || ui.layers.get().max_labels}</span>
                </label>
            </fieldset>
            <span class="export" role="group" aria-label="Export">
                <select id="export-format" aria-label="Export format" title="The file format of Export">
                    <option value="csv">"CSV"</option>
                    <option value="jsonl">"JSON Lines"</option>
                    <option value="json">"JSON"</option>
                    <option value="parquet">"Parquet"</option>
                </select>
                <label class="toggle" title="Write each row's vector too">
                    <input id="export-vectors" type="checkbox" />
                    "vectors"
                </label>
                <button
                    id="export"
                    title="Download the selection (every row when nothing is selected) with its metadata and map x/y"
                    on:click=move |_| {
                        let value = crate::util::element_by_id;
                        let format = value("export-format")
                            .and_then(|el| el.dyn_into::<web_sys::HtmlSelectElement>().ok())
                            .and_then(|s| vecscape_core::data::export::Format::from_name(&s.value()))
                            .unwrap_or(vecscape_core::data::export::Format::Csv);
                        let vectors = value("export-vectors")
                            .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
                            .is_some_and(|i| i.checked());
                        spawn_local(export_rows(ui, format, vectors));
                    }
                >
                    {move || if ui.picked.get().is_some() { "Export selection" } else { "Export all" }}
                </button>
                <button id="export-png" title="Download the view as drawn, labels and legend included" on:click=move |_| export_png(ui)>"PNG"</button>
            </span>
            <button
                id="share"
                aria-expanded=move || share.get().is_some().to_string()
                title="This view as a link, as a <vecscape-map> element for another page, or as an iframe: data, projection, colours, filters, search, selection and camera"
                on:click=move |_| share.set(if share.get_untracked().is_some() { None } else { Some(crate::actions::link::snippets(ui)) })
            >
                "Share…"
            </button>
            <SharePanel share=share />
            <button
                id="export-grid"
                disabled=move || !matches!(ui.map.get(), MapState::Ready(_))
                on:click=move |_| {
                    if let Err(e) = export_grid_json() {
                        ui.error.set(Some(format!("export: {e}")));
                    }
                }
            >
                "Export grid.json"
            </button>
            <span class="hint">{HINT}</span>
        </header>
    }
}
