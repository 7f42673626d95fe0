//! The map: the two canvases (WebGPU and CPU; the live one shows), pointer input (hover, click,
//! drag, pinch, wheel, drop), and what is drawn over it (tile grid, labels, legend, time
//! controls, progress, marker, neighbours, tooltip).

use crate::actions::load::open_files;
use crate::actions::pick::{combine_of, select_drawn};
use crate::actions::select::select_at;
use crate::components::filters::Filters;
use crate::components::legend::{Legend, TimeControls};
use crate::components::panels::{
    LoadProgress, MapProgress, Marker, Neighbours, SubsetBar, Tooltip,
};
use crate::components::search::{SearchResults, SelectionPanel};
use crate::engine;
use crate::state::{Device, Hover, Tool, Ui};
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_core::view::select::Combine;
use wasm_bindgen::JsCast;

fn local_point(ev: &web_sys::MouseEvent) -> [f32; 2] {
    let rect = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| el.get_bounding_client_rect());
    let (left, top) = rect.map_or((0.0, 0.0), |r| (r.left(), r.top()));
    [
        (f64::from(ev.client_x()) - left) as f32,
        (f64::from(ev.client_y()) - top) as f32,
    ]
}

/// The map with its canvases (`gpu_canvas`, `cpu_canvas`) and everything over it.
#[component]
pub fn MapView(
    gpu_canvas: NodeRef<leptos::html::Canvas>,
    cpu_canvas: NodeRef<leptos::html::Canvas>,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    // Where the primary pointer went down, to tell a click from a drag.
    let press = StoredValue::new(None::<[f32; 2]>);
    // Active pointers: (id, last position) for drag and pinch.
    let pointers = StoredValue::new(Vec::<(i32, [f32; 2])>::new());
    // A lasso or rectangle being drawn: its shape and how it combines with the selection.
    let drawing = StoredValue::new(None::<(Tool, Combine)>);

    let on_pointer_down = move |ev: web_sys::PointerEvent| {
        let p = local_point(&ev);
        if let Some(target) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = target.set_pointer_capture(ev.pointer_id());
        }
        pointers.update_value(|ps| {
            ps.retain(|(id, _)| *id != ev.pointer_id());
            ps.push((ev.pointer_id(), p));
        });
        let single = pointers.with_value(Vec::len) == 1;
        press.set_value(single.then_some(p));
        ui.hover.set(None);
        // The lasso or rectangle tool, or Shift / Alt with any tool, draws a selection.
        let tool = ui.tool.get_untracked();
        if single && ev.button() == 0 && (tool != Tool::Pan || ev.shift_key() || ev.alt_key()) {
            let shape = if tool == Tool::Rectangle {
                Tool::Rectangle
            } else {
                Tool::Lasso
            };
            drawing.set_value(Some((shape, combine_of(ev.shift_key(), ev.alt_key()))));
            ui.lasso.set(vec![p]);
        } else {
            drawing.set_value(None);
        }
    };
    let on_pointer_move = move |ev: web_sys::PointerEvent| {
        let p = local_point(&ev);
        let id = ev.pointer_id();
        let before = pointers.with_value(|ps| ps.clone());
        if let (Some((shape, _)), [(only, _)]) = (drawing.get_value(), before.as_slice()) {
            if *only == id {
                ui.lasso.update(|path| match shape {
                    Tool::Rectangle => {
                        path.truncate(1);
                        path.push(p);
                    }
                    _ => {
                        // Every position since the last event: the browser may have merged
                        // several moves into this one.
                        let mut points: Vec<[f32; 2]> = ev
                            .get_coalesced_events()
                            .iter()
                            .filter_map(|e| e.dyn_into::<web_sys::PointerEvent>().ok())
                            .map(|e| {
                                let d = [
                                    (e.client_x() - ev.client_x()) as f32,
                                    (e.client_y() - ev.client_y()) as f32,
                                ];
                                [p[0] + d[0], p[1] + d[1]]
                            })
                            .collect();
                        if points.last() != Some(&p) {
                            points.push(p);
                        }
                        for q in points {
                            let far = path
                                .last()
                                .is_none_or(|l| (q[0] - l[0]).hypot(q[1] - l[1]) >= 2.0);
                            if far {
                                path.push(q);
                            }
                        }
                    }
                });
            }
            return;
        }
        match before.as_slice() {
            [] => {
                let hit = engine::with(|e| {
                    let row = e.pick_css(p)?;
                    let scene = e.scene.as_ref()?;
                    Some(Hover {
                        row,
                        text: scene.text(row),
                        category: scene.meta.category_of(row).map(str::to_owned),
                        at: p,
                    })
                });
                if ui.hover.get_untracked() != hit {
                    ui.hover.set(hit);
                }
            }
            [(only, last)] if *only == id => {
                engine::with(|e| e.pan_css(p[0] - last[0], p[1] - last[1]));
                pointers.update_value(|ps| ps[0].1 = p);
                engine::request_redraw();
            }
            [(a, pa), (b, pb)] if *a == id || *b == id => {
                let (other, moved_old) = if *a == id { (*pb, *pa) } else { (*pa, *pb) };
                let dist = |u: [f32; 2], v: [f32; 2]| ((u[0] - v[0]).hypot(u[1] - v[1])).max(1.0);
                let factor = dist(p, other) / dist(moved_old, other);
                let mid = [(p[0] + other[0]) / 2.0, (p[1] + other[1]) / 2.0];
                let old_mid = [
                    (moved_old[0] + other[0]) / 2.0,
                    (moved_old[1] + other[1]) / 2.0,
                ];
                engine::with(|e| {
                    e.pan_css(mid[0] - old_mid[0], mid[1] - old_mid[1]);
                    e.zoom_css(mid, factor);
                });
                pointers.update_value(|ps| {
                    if let Some(entry) = ps.iter_mut().find(|(pid, _)| *pid == id) {
                        entry.1 = p;
                    }
                });
                engine::request_redraw();
            }
            _ => {}
        }
    };
    let on_pointer_up = move |ev: web_sys::PointerEvent| {
        pointers.update_value(|ps| ps.retain(|(id, _)| *id != ev.pointer_id()));
        let p = local_point(&ev);
        let drawn = drawing.get_value();
        drawing.set_value(None);
        if let Some(down) = press.get_value() {
            press.set_value(None);
            let click = (p[0] - down[0]).hypot(p[1] - down[1]) < 4.0;
            if click && ev.type_() == "pointerup" {
                ui.lasso.set(Vec::new());
                select_at(ui, p);
                return;
            }
            if let (Some((shape, how)), "pointerup") = (drawn, ev.type_().as_str()) {
                let mut path = ui.lasso.get_untracked();
                if shape == Tool::Rectangle {
                    path.truncate(1);
                }
                path.push(p);
                ui.lasso.set(Vec::new());
                select_drawn(ui, &path, shape, how);
                return;
            }
        }
        ui.lasso.set(Vec::new());
        // A pan or pinch may have moved the camera.
        crate::actions::link::schedule(ui, false);
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let lines = if ev.delta_mode() == 1 { 16.0 } else { 1.0 };
        let factor = (-(ev.delta_y() * lines) as f32 * 0.0015).exp();
        let p = local_point(&ev);
        engine::with(|e| e.zoom_css(p, factor));
        engine::request_redraw();
        ui.hover.set(None);
        crate::actions::link::schedule(ui, false);
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        let files: Vec<web_sys::File> = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        if !files.is_empty() {
            spawn_local(open_files(ui, files));
        }
    };
    view! {
            <div
                id="map"
                class="map"
                class:drawing=move || ui.tool.get() != Tool::Pan
                class:has-filters=move || !ui.filters.with(Vec::is_empty)
                role="application"
                aria-label="The map: drag to pan, wheel to zoom, Shift-drag to lasso"
                on:pointerdown=on_pointer_down
                on:pointermove=on_pointer_move
                on:pointerup=on_pointer_up
                on:pointercancel=on_pointer_up
                on:pointerleave=move |_| ui.hover.set(None)
                on:wheel=on_wheel
                on:dragover=|ev: web_sys::DragEvent| ev.prevent_default()
                on:drop=on_drop
            >
                <canvas id="map-gpu" node_ref=gpu_canvas class:inactive=move || ui.renderer.get() != Device::WebGpu></canvas>
                <canvas id="map-cpu" node_ref=cpu_canvas class:inactive=move || ui.renderer.get() == Device::WebGpu></canvas>
                {move || {
                    ui.overlay
                        .get()
                        .grid
                        .map(|(tile, corner)| {
                            view! {
                                <div
                                    id="tile-grid"
                                    class="tile-grid"
                                    style:background-size=format!("{tile}px {tile}px")
                                    style:background-position=format!("{}px {}px", corner[0], corner[1])
                                ></div>
                            }
                        })
                }}
                <div id="labels" class="labels" data-level=move || ui.overlay.get().level.map(|l| l.to_string())>
                    <For
                        each=move || ui.overlay.with(|o| o.labels.iter().map(|l| l.id).collect::<Vec<_>>())
                        key=|id| *id
                        children=move |id| {
                            let label = move || ui.overlay.with(|o| o.labels.iter().find(|l| l.id == id).cloned());
                            view! {
                                <span
                                    class="map-label"
                                    class:leaving=move || label().is_none_or(|l| l.leaving)
                                    data-level=(id >> 48).to_string()
                                    style:left=move || format!("{}px", label().map_or(0.0, |l| l.left))
                                    style:top=move || format!("{}px", label().map_or(0.0, |l| l.top))
                                >
                                    {move || label().map(|l| l.text).unwrap_or_default()}
                                </span>
                            }
                        }
                    />
                </div>
                <LassoPath />
                <Legend />
                <Filters />
                <TimeControls />
                <MapProgress />
                <LoadProgress />
                <Marker />
                <SubsetBar />
                <div class="side">
                    <SearchResults />
                    <Neighbours />
                    <SelectionPanel />
                </div>
                <Tooltip />
            </div>
    }
}

/// The lasso or rectangle being drawn.
#[component]
fn LassoPath() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let points = move || {
        let path = ui.lasso.get();
        let corners = match (ui.tool.get(), path.first(), path.last()) {
            (Tool::Rectangle, Some(a), Some(b)) => {
                vec![*a, [b[0], a[1]], *b, [a[0], b[1]]]
            }
            _ => path,
        };
        corners
            .iter()
            .map(|p| format!("{:.1},{:.1}", p[0], p[1]))
            .collect::<Vec<_>>()
            .join(" ")
    };
    view! {
        <Show when=move || ui.lasso.with(|l| l.len() > 1)>
            <svg id="lasso" class="lasso" aria-hidden="true">
                <polygon points=points></polygon>
            </svg>
        </Show>
    }
}
