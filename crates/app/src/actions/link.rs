//! Views you can link to: the view in the URL's hash (`vecscape_core::view::link`). Opening a
//! link restores it (data, projection, colour, hidden categories, time, search, selection,
//! camera); panning and zooming replace the hash, other changes push a history entry so Back
//! undoes them; the Share menu gives the address, a `<vecscape-map>` element and an iframe.

use crate::actions::{colour, find, pick};
use crate::engine;
use crate::state::{Projection, Ui, TIME_STEPS};
use leptos::prelude::*;
use std::cell::RefCell;
use vecscape_core::view::link::{self, DataUrls, View};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Changes this close together make one history entry.
const WRITE_PAUSE_MS: u32 = 350;

#[derive(Default)]
struct Links {
    /// A view from the address waiting for its data and layout.
    pending: Option<View>,
    /// Where the data shown came from (`None`: picked files, which a link cannot name).
    source: Option<DataUrls>,
    /// The hash is written only once the view asked for (if any) is restored.
    ready: bool,
    /// The write waiting for a pause, and whether it pushes a history entry.
    timer: Option<gloo_timers::callback::Timeout>,
    push: bool,
    /// The next write replaces the entry whatever asked for it (the view just restored).
    settling: bool,
    /// The hash last written or read.
    last: String,
}

thread_local! {
    static LINKS: RefCell<Links> = RefCell::new(Links::default());
}

fn with<R>(f: impl FnOnce(&mut Links) -> R) -> R {
    LINKS.with(|l| f(&mut l.borrow_mut()))
}

/// The view asked for: the address's hash, or the widget's `view` attribute.
fn location_hash() -> String {
    if let Some(view) = crate::embed::param("view") {
        return view.unwrap_or_default();
    }
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Read the address's view at start-up; returns the data URLs it names. What could not be read
/// is said in the link note.
pub(crate) fn read_start(ui: Ui) -> Option<DataUrls> {
    let hash = location_hash();
    let (view, notes) = link::decode(&hash);
    if !notes.is_empty() {
        ui.link_note.set(notes.join("; "));
    }
    // A widget's data is its `src`, whatever its view names.
    let data = if crate::embed::is_widget() {
        None
    } else {
        view.data.clone()
    };
    with(|l| {
        l.last = hash.trim_start_matches('#').to_owned();
        // Nothing is written until the first layout is final (see `layout_shown`).
        l.ready = false;
        l.pending = (view != View::default()).then_some(view);
    });
    data
}

/// The projection the pending view asks for.
pub(crate) fn pending_projection() -> Option<Projection> {
    with(|l| l.pending.as_ref()?.projection.clone()).and_then(|k| Projection::from_key(&k))
}

/// The data shown now came from these URLs (`None`: from files).
pub(crate) fn set_source(source: Option<DataUrls>) {
    with(|l| l.source = source);
}

/// A layout with `projection` is shown and final: restore the pending view if it is the one
/// it asked for.
pub(crate) fn layout_shown(ui: Ui, projection: Projection) {
    let view = with(|l| {
        let wanted = l.pending.as_ref()?.projection.clone();
        if wanted.is_some_and(|k| k != projection.key()) {
            return None;
        }
        l.pending.take()
    });
    if let Some(view) = view {
        apply(ui, &view);
    }
    settle(ui);
}

/// The projection the pending view asked for failed: restore the rest of it on the layout
/// shown.
pub(crate) fn layout_failed(ui: Ui) {
    if let Some(view) = with(|l| l.pending.take()) {
        apply(ui, &view);
    }
    settle(ui);
}

/// Once nothing waits, the hash follows the view (this first write replaces the entry: the
/// page's own start-up is not a step to go back to).
fn settle(ui: Ui) {
    let ready = with(|l| {
        l.ready = l.pending.is_none();
        l.settling = l.ready;
        l.ready
    });
    if ready {
        schedule(ui, false);
    }
}

/// Show `view` on the data shown (everything but the data and projection).
fn apply(ui: Ui, view: &View) {
    let mut notes: Vec<String> = Vec::new();
    if let Some((neighbors, min_dist, epochs, seed)) = view.umap {
        ui.umap.update(|u| {
            u.neighbors = neighbors.max(2);
            u.min_dist = min_dist.clamp(0.0, 1.0);
            u.epochs = (epochs > 0).then_some(epochs);
            u.seed = seed;
        });
    }
    if let Some(key) = &view.color {
        let known = ui
            .color_options
            .get_untracked()
            .iter()
            .any(|(k, _)| k == key);
        if known {
            let by = engine::ColorBy::from_key(key);
            let hidden = match (
                &by,
                engine::with(|e| e.scene.as_ref().map(|s| s.meta.clone())),
            ) {
                (engine::ColorBy::Category(field), Some(meta)) => {
                    let names = meta
                        .categorical_field(field)
                        .map(|c| c.names.clone())
                        .unwrap_or_default();
                    let mut codes = std::collections::HashSet::new();
                    for name in &view.hidden {
                        match names.iter().position(|n| n == name) {
                            Some(code) => {
                                codes.insert(code as u32);
                            }
                            None => notes.push(format!("no category \"{name}\" to hide")),
                        }
                    }
                    codes
                }
                _ => Default::default(),
            };
            colour::recolor(ui, by, hidden);
        } else {
            notes.push(format!("no field \"{key}\" to colour by"));
        }
    }
    for (name, lo, hi) in &view.filters {
        let index = ui
            .filters
            .with_untracked(|fs| fs.iter().position(|f| &f.name == name));
        match index {
            Some(i) if lo.is_finite() && hi.is_finite() => colour::set_filter(ui, i, *lo, *hi),
            _ => notes.push(format!("no numeric field \"{name}\" to filter")),
        }
    }
    if let Some(step) = view.time {
        if ui.time_range.get_untracked().is_some() && step <= TIME_STEPS {
            colour::show_time_step(ui, step);
        } else {
            notes.push("the time window does not apply to this data".to_owned());
        }
    }
    if !view.selection.is_empty() {
        let rows = engine::with(|e| e.scene.as_ref().map_or(0, |s| s.xs.len()));
        let (selected, note) = link::rows_of(&view.selection, rows);
        notes.extend(note);
        pick::select_rows(ui, &selected);
    }
    if let Some(query) = &view.query {
        ui.query.set(query.clone());
        find::search_box(ui, query.clone());
    }
    if view.show_matches {
        find::show_matches(ui, true);
    }
    if let (Some(center), Some(zoom)) = (view.center, view.zoom) {
        engine::with(|e| e.set_camera_state(center, zoom));
        engine::request_redraw();
    }
    if !notes.is_empty() {
        ui.link_note.update(|n| {
            if !n.is_empty() {
                n.push_str("; ");
            }
            n.push_str(&format!("from the link, ignored: {}", notes.join("; ")));
        });
    }
}

/// The view shown now.
fn current(ui: Ui) -> View {
    let (camera, hidden, selection) = engine::with(|e| {
        let hidden = match (&e.color_by, e.scene.as_ref()) {
            (engine::ColorBy::Category(field), Some(scene)) => {
                let names = scene.meta.categorical_field(field).map(|c| &c.names);
                let mut codes: Vec<u32> = e.hidden.iter().copied().collect();
                codes.sort_unstable();
                codes
                    .iter()
                    .filter_map(|&c| names.and_then(|n| n.get(c as usize)).cloned())
                    .collect()
            }
            _ => Vec::new(),
        };
        let runs = e
            .selection
            .as_ref()
            .map(|s| s.runs().into_iter().map(|(a, b)| (a, b - a + 1)).collect())
            .unwrap_or_default();
        (e.camera_state(), hidden, runs)
    });
    let umap = ui.umap.get_untracked();
    let projection = ui.projection.get_untracked();
    let step = ui.time_step.get_untracked();
    let query = ui.query.get_untracked();
    View {
        data: with(|l| l.source.clone()),
        projection: Some(projection.key().to_owned()),
        umap: (projection == Projection::Umap).then(|| {
            (
                umap.neighbors,
                umap.min_dist,
                umap.epochs.unwrap_or(0),
                umap.seed,
            )
        }),
        center: camera.map(|c| c.0),
        zoom: camera.map(|c| c.1),
        color: Some(ui.color_key.get_untracked()),
        hidden,
        filters: ui.filters.with_untracked(|fs| {
            fs.iter()
                .filter(|f| f.narrowed())
                .map(|f| (f.name.clone(), f.lo, f.hi))
                .collect()
        }),
        time: (step < TIME_STEPS).then_some(step),
        query: (!query.trim().is_empty()).then(|| query.trim().to_owned()),
        show_matches: ui.show_matches.get_untracked(),
        selection,
    }
}

/// Write the view to the hash after a pause: `push` makes a history entry (Back undoes it),
/// else the entry is replaced (panning, zooming).
pub(crate) fn schedule(ui: Ui, push: bool) {
    if !with(|l| l.ready) {
        return;
    }
    let timer = gloo_timers::callback::Timeout::new(WRITE_PAUSE_MS, move || write(ui));
    with(|l| {
        l.push |= push;
        l.timer = Some(timer);
    });
}

/// The view shown now, as the address's hash writes it (without the `#`).
pub(crate) fn current_hash(ui: Ui) -> String {
    link::encode(&current(ui))
}

fn write(ui: Ui) {
    let hash = link::encode(&current(ui));
    let push = with(|l| {
        l.timer = None;
        let push = std::mem::take(&mut l.push) && !l.settling;
        l.settling = false;
        push
    });
    if with(|l| l.last == hash) {
        return;
    }
    // The widget leaves the page's address alone: the view goes out as an event.
    if crate::embed::is_widget() {
        with(|l| l.last = hash.clone());
        crate::embed::view_changed(&hash, engine::with(|e| e.camera_state()));
        return;
    }
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let url = format!("#{hash}");
    let written = if push {
        history.push_state_with_url(&JsValue::NULL, "", Some(&url))
    } else {
        history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
    };
    if written.is_ok() {
        with(|l| l.last = hash);
    }
}

/// Show the view `hash` names exactly: what it does not name goes to its default. Another
/// projection is computed first. Other data reloads the app's page (the widget keeps its own
/// data).
pub(crate) fn show_view(ui: Ui, hash: &str) {
    let (view, notes) = link::decode(hash);
    ui.link_note.set(notes.join("; "));
    with(|l| l.last = hash.trim_start_matches('#').to_owned());
    if !crate::embed::is_widget() && view.data.is_some() && view.data != with(|l| l.source.clone())
    {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
        return;
    }
    let projection = view
        .projection
        .as_deref()
        .and_then(Projection::from_key)
        .filter(|p| *p != ui.projection.get_untracked());
    find::clear(ui);
    ui.query.set(String::new());
    pick::clear(ui);
    find::show_matches(ui, false);
    match projection {
        Some(p) => {
            with(|l| {
                l.pending = Some(view);
                l.ready = false;
            });
            leptos::task::spawn_local(crate::actions::project::reproject(ui, p));
        }
        None => apply(ui, &view),
    }
}

/// Back and Forward: show the view of the entry (reloading when it names other data). Not in
/// the widget: the page's history is the page's.
pub(crate) fn watch_history(ui: Ui) {
    if crate::embed::is_widget() {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_pop = Closure::<dyn FnMut(web_sys::PopStateEvent)>::new(move |_| {
        show_view(ui, &location_hash());
    });
    if window
        .add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref())
        .is_ok()
    {
        on_pop.forget();
    }
}

/// What the Share menu offers for the view shown: its link, a `<vecscape-map>` element for a
/// docs page (`None` when the data came from files, which no page can fetch) and an iframe.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snippets {
    pub link: String,
    pub element: Option<String>,
    pub iframe: String,
}

/// `text` inside a double-quoted HTML attribute.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Share menu's snippets for the view shown now (the address is brought up to date first).
pub(crate) fn snippets(ui: Ui) -> Snippets {
    write(ui);
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let mut view = current(ui);
    let element = view.data.take().map(|data| {
        let module = crate::worker::resolve("widget/vecscape-map.js");
        let mut attrs = format!(
            "src=\"{}\"",
            attribute(&crate::worker::resolve(&data.vectors))
        );
        if let Some(meta) = &data.meta {
            attrs.push_str(&format!(
                " meta=\"{}\"",
                attribute(&crate::worker::resolve(meta))
            ));
        }
        if let Some(grid) = &data.grid {
            attrs.push_str(&format!(
                " grid=\"{}\"",
                attribute(&crate::worker::resolve(grid))
            ));
        }
        format!(
            "<script type=\"module\" src=\"{}\"></script>\n<vecscape-map {attrs} view=\"{}\" style=\"height:480px\"></vecscape-map>",
            attribute(&module),
            attribute(&link::encode(&view)),
        )
    });
    // In a frame, the compact toolbar (its "Open in vecscape" opens the whole app).
    let framed = web_sys::Url::new(&href)
        .map(|u| {
            u.search_params().set("toolbar", "compact");
            u.href()
        })
        .unwrap_or_else(|_| href.clone());
    let iframe = format!(
        "<iframe src=\"{}\" title=\"vecscape\" width=\"100%\" height=\"480\" style=\"border:0\" loading=\"lazy\"></iframe>",
        attribute(&framed)
    );
    Snippets {
        link: href,
        element,
        iframe,
    }
}
