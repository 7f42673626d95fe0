//! The page: the start-up (backend, then the data) and the layout of its components. All text
//! from data is inserted as text nodes (Leptos escapes it), never as HTML.

use crate::actions::load::open_start_data;
use crate::backend::{Backend, CpuBackend, GpuBackend};
use crate::components::compact::CompactToolbar;
use crate::components::map_view::MapView;
use crate::components::panels::{ErrorBanner, LinkNote, StatusLine};
use crate::components::toolbar::Toolbar;
use crate::embed::Chrome;
use crate::engine;
use crate::state::TIME_STEPS;
use crate::util::{query_param, yield_to_browser};
use crate::worker;
use vecscape_core::data::budget::Storage;
use vecscape_core::search::types::Metric;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{ComputeChoice, Reply, Request};

const DEMO_VECTORS: &str = "demo/vectors.f16.npy";
const DEMO_META: &str = "demo/meta.jsonl";
use crate::state::{Device, MapState, Phase, Projection, Tool, Ui};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Measures label text with the page's label font (a 2D canvas's `measureText`).
pub(crate) fn label_measure() -> Option<engine::MeasureText> {
    let document = web_sys::window()?.document()?;
    let canvas = document
        .create_element("canvas")
        .ok()?
        .dyn_into::<web_sys::HtmlCanvasElement>()
        .ok()?;
    let ctx = canvas
        .get_context_with_context_options("2d", &crate::backend::software_canvas_options())
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    ctx.set_font(engine::LABEL_FONT);
    Some(Box::new(move |text: &str| {
        ctx.measure_text(text)
            .map_or(text.chars().count() as f32 * 7.0, |m| m.width() as f32)
    }))
}

/// The WebGPU device is gone: draw on the CPU canvas from now on, keeping the data, the map,
/// the view and the selection, and say so in the status line. The worker computes on its own
/// device, and falls back to the CPU by itself when that one fails.
pub(crate) fn fall_back_to_cpu(ui: Ui, why: &str) {
    if !engine::with(|e| e.backend.as_ref().is_some_and(Backend::is_gpu)) {
        return;
    }
    let canvas = crate::util::element_by_id("map-cpu")
        .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok());
    let cpu = match canvas.map(CpuBackend::new) {
        Some(Ok(cpu)) => Backend::Cpu(cpu),
        Some(Err(e)) => {
            ui.error
                .set(Some(format!("The WebGPU device was lost ({why}) and {e}")));
            return;
        }
        None => {
            ui.error.set(Some(format!(
                "The WebGPU device was lost ({why}) and there is no CPU canvas"
            )));
            return;
        }
    };
    let label = cpu.label();
    engine::with(|e| e.replace_backend(cpu));
    ui.renderer.set(Device::Cpu);
    ui.backend
        .set(format!("{label} · the WebGPU device was lost ({why})"));
    engine::request_redraw();
}

/// Start the page: the compute worker (it loads meanwhile), the renderer (WebGPU, else the CPU
/// canvas), then where the worker computes, then the data.
pub(crate) async fn start(
    ui: Ui,
    gpu_canvas: web_sys::HtmlCanvasElement,
    cpu_canvas: web_sys::HtmlCanvasElement,
) {
    if let Err(e) = worker::spawn() {
        ui.error.set(Some(e));
        ui.phase.set(Phase::Failed);
        return;
    }
    // The page has just been mounted: let the browser lay it out and paint before the renderer
    // is set up (each step its own short task).
    yield_to_browser().await;
    let asked = query_param("backend");
    let forced_cpu = asked.as_deref() == Some("cpu");
    // `?backend=webgpu`: compute on the WebGPU adapter even when it is a CPU emulation.
    let forced_webgpu = asked.as_deref() == Some("webgpu");
    let mut note = String::new();
    let backend = if forced_cpu {
        note = " · forced by ?backend=cpu".to_owned();
        None
    } else {
        match GpuBackend::new(gpu_canvas).await {
            Ok(gpu) => Some(Backend::Gpu(Box::new(gpu))),
            Err(reason) => {
                note = format!(" · WebGPU unavailable: {reason}");
                None
            }
        }
    };
    let backend = match backend {
        Some(b) => b,
        None => match CpuBackend::new(cpu_canvas) {
            Ok(cpu) => Backend::Cpu(cpu),
            Err(e) => {
                ui.error.set(Some(format!("No way to draw: {e}")));
                ui.phase.set(Phase::Failed);
                return;
            }
        },
    };
    if let Some(ctx) = backend.gpu_context() {
        // A lost device (driver reset, GPU removed, `destroy()`): finish on the CPU. The callback
        // may fire while the GPU is in use, so the switch runs on the next turn of the event loop.
        ctx.device.set_device_lost_callback(move |reason, message| {
            let why = if message.is_empty() {
                format!("{reason:?}")
            } else {
                format!("{reason:?}: {message}")
            };
            gloo_timers::callback::Timeout::new(0, move || fall_back_to_cpu(ui, &why)).forget();
        });
    }
    // Without WebGPU to draw with, the worker computes on the CPU too.
    let compute = match (backend.is_gpu(), forced_webgpu) {
        (false, _) => ComputeChoice::Cpu,
        (true, true) => ComputeChoice::WebGpu,
        (true, false) => ComputeChoice::Auto,
    };
    // A worker that stops (a panic ends its wasm instance) is replaced; the new one is started
    // the same way and opens the data shown again.
    worker::on_restart(move |why| {
        wasm_bindgen_futures::spawn_local(crate::actions::load::reopen_shown(ui, compute, why))
    });
    ui.renderer.set(if backend.is_gpu() {
        Device::WebGpu
    } else {
        Device::Cpu
    });
    let label = backend.label();
    engine::with(|e| {
        e.backend = Some(backend);
        e.on_resize();
    });
    ui.backend.set(format!("{label}{note}"));
    yield_to_browser().await;
    // The test and benchmark hooks are the app page's (several widgets share one window).
    #[cfg(feature = "hooks")]
    if !crate::embed::is_widget() {
        crate::hooks::install_test_hooks(ui);
        if query_param("bench").is_some() {
            crate::bench::install();
        }
    }
    ui.phase.set(Phase::Loading);
    let started = worker::call(
        |job| Request::Start { job, compute },
        Parcel::default(),
        None,
    )
    .await;
    match started {
        Ok((
            Reply::Started {
                note: compute_note, ..
            },
            _,
        )) => ui.backend.set(format!("{label}{note}{compute_note}")),
        Ok((other, _)) => log::warn!("unexpected answer to the start: {other:?}"),
        Err(e) => {
            ui.error.set(Some(e));
            ui.phase.set(Phase::Failed);
            return;
        }
    }
    if crate::embed::is_widget() {
        // The element gives its data (fetched once per URL for the whole page).
        crate::embed::api::started(ui);
    } else {
        open_start_data(ui, DEMO_VECTORS, DEMO_META).await;
    }
}

/// Resize the backing store whenever the map's box changes (window resize, banner shown, …).
pub(crate) fn watch_size(element: &web_sys::Element) {
    let on_change = Closure::<dyn FnMut(js_sys::Array)>::new(|_entries: js_sys::Array| {
        engine::with(|e| e.on_resize());
        engine::request_redraw();
    });
    match web_sys::ResizeObserver::new(on_change.as_ref().unchecked_ref()) {
        Ok(observer) => {
            observer.observe(element);
            on_change.forget();
        }
        Err(e) => log::warn!("ResizeObserver unavailable: {e:?}"),
    }
}

/// UMAP's settings from `?neighbors=`, `?minDist=`, `?epochs=`, `?seed=` and `?umapReduce=0`
/// (defaults otherwise).
fn umap_settings_from_query() -> vecscape_protocol::UmapSettings {
    let d = vecscape_protocol::UmapSettings::default();
    vecscape_protocol::UmapSettings {
        neighbors: query_param("neighbors")
            .and_then(|v| v.parse().ok())
            .unwrap_or(d.neighbors),
        min_dist: query_param("minDist")
            .and_then(|v| v.parse().ok())
            .unwrap_or(d.min_dist),
        epochs: query_param("epochs").and_then(|v| v.parse().ok()),
        seed: query_param("seed")
            .and_then(|v| v.parse().ok())
            .unwrap_or(d.seed),
        reduce: query_param("umapReduce").map_or(d.reduce, |v| v != "0"),
        graph_dims: None,
        graph: None,
    }
}

/// The map's layers at start-up: the widget's `labels` and `contours` attributes switch theirs
/// (an unknown value is ignored with a console warning).
fn initial_layers() -> engine::MapLayers {
    let mut layers = engine::MapLayers::default();
    for (name, layer) in [
        ("labels", &mut layers.labels),
        ("contours", &mut layers.contours),
    ] {
        if let Some(value) = crate::embed::param(name).flatten() {
            match crate::embed::switch(&value) {
                Some(on) => *layer = on,
                None => crate::embed::warn(&format!(
                    "{name}=\"{value}\" ignored: expected true or false"
                )),
            }
        }
    }
    layers
}

/// The page: provides the shared state, starts the backend and the data, lays out the panels.
#[component]
pub fn App() -> impl IntoView {
    let ui = Ui {
        phase: RwSignal::new(Phase::Starting),
        progress: RwSignal::new(None),
        backend: RwSignal::new(String::new()),
        renderer: RwSignal::new(Device::Cpu),
        summary: RwSignal::new(String::new()),
        projection: RwSignal::new(Projection::Pca),
        projection_note: RwSignal::new(String::new()),
        faithfulness_note: RwSignal::new(String::new()),
        has_coords: RwSignal::new(false),
        metric: RwSignal::new(Metric::default()),
        storage: RwSignal::new(
            query_param("storage")
                .and_then(|s| Storage::from_name(&s))
                .unwrap_or_default(),
        ),
        error: RwSignal::new(None),
        hover: RwSignal::new(None),
        selection: RwSignal::new(None),
        marker: RwSignal::new(None),
        map: RwSignal::new(MapState::None),
        overlay: RwSignal::new(engine::Overlay::default()),
        layers: RwSignal::new(initial_layers()),
        color_key: RwSignal::new("none".to_owned()),
        color_options: RwSignal::new(Vec::new()),
        legend: RwSignal::new(engine::Legend::None),
        time_range: RwSignal::new(None),
        time_step: RwSignal::new(TIME_STEPS),
        playing: RwSignal::new(false),
        time_note: RwSignal::new(String::new()),
        umap: RwSignal::new(umap_settings_from_query()),
        query: RwSignal::new(String::new()),
        search: RwSignal::new(None),
        search_error: RwSignal::new(None),
        show_matches: RwSignal::new(false),
        tool: RwSignal::new(Tool::default()),
        picked: RwSignal::new(None),
        lasso: RwSignal::new(Vec::new()),
        export_note: RwSignal::new(String::new()),
        link_note: RwSignal::new(String::new()),
        filters: RwSignal::new(Vec::new()),
        subset: RwSignal::new(None),
    };
    engine::with(|e| {
        e.marker = Some(ui.marker);
        e.overlay = Some(ui.overlay);
        e.measure = label_measure();
    });
    provide_context(ui);
    if crate::embed::is_widget() {
        crate::embed::events::watch(ui);
    }
    crate::actions::keys::install(ui);
    crate::actions::link::watch_history(ui);
    // Meaningful changes make a history entry (Back undoes them).
    Effect::new(move |_| {
        ui.projection.track();
        ui.color_key.track();
        ui.legend.track();
        ui.time_step.track();
        ui.search.track();
        ui.picked.track();
        ui.show_matches.track();
        ui.filters.track();
        crate::actions::link::schedule(ui, true);
    });
    let gpu_canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let cpu_canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        let (Some(gpu), Some(cpu)) = (gpu_canvas.get(), cpu_canvas.get()) else {
            return;
        };
        if started.get_value() {
            return;
        }
        started.set_value(true);
        watch_size(&gpu);
        spawn_local(start(ui, gpu, cpu));
    });

    // The element's `toolbar`; in the app every control unless `?toolbar=` says otherwise
    // (`compact` suits the app in an iframe).
    let chrome = || {
        crate::embed::chrome().unwrap_or_else(|| {
            query_param("toolbar")
                .and_then(|t| Chrome::from_name(&t))
                .unwrap_or(Chrome::Full)
        })
    };
    view! {
        <main
            id="app"
            class:widget=crate::embed::is_widget()
            data-state=move || ui.phase.get().as_str()
            data-map=move || ui.map.with(MapState::key)
            data-projection=move || ui.projection.get().key()
        >
            {move || match chrome() {
                Chrome::Full => view! { <Toolbar /> }.into_any(),
                Chrome::Compact => view! { <CompactToolbar /> }.into_any(),
                Chrome::Bare => ().into_any(),
            }}
            <ErrorBanner />
            <LinkNote />
            <MapView gpu_canvas=gpu_canvas cpu_canvas=cpu_canvas />
            <Show when=move || chrome() == Chrome::Full>
                <StatusLine />
            </Show>
        </main>
    }
}
