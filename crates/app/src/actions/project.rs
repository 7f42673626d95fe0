//! Projections of the loaded vectors (PCA, random projections, UMAP, the data's own x/y),
//! computed in the worker on WebGPU or the CPU; the page moves the points (UMAP's as its epochs
//! run) and rebuilds the map once the layout is final.

use crate::actions::layout::{layout_note, layout_of};
use crate::actions::map::build_map;
use crate::engine;
use crate::state::{MapState, Progress, Projection, Ui};
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Reply, Request};

/// Lay the loaded vectors out again with `method`. The status line says where it ran and how
/// long it took; a newer projection (or a new scene) meanwhile wins and this result is dropped.
pub(crate) async fn reproject(ui: Ui, method: Projection) {
    let generation = engine::with(|e| {
        e.projection_generation += 1;
        e.projection_generation
    });
    let current = move || engine::with(|e| e.projection_generation) == generation;
    // The points are about to move: what was measured on them no longer holds.
    ui.faithfulness_note.set(String::new());
    // UMAP's epochs: the layout so far moves the points (the map waits for the last).
    let on_progress = move |reply: &Reply, mut parcel: Parcel| {
        let Some(progress) = Progress::of(reply) else {
            return;
        };
        if !current() {
            return;
        }
        ui.progress.set(Some(progress));
        if let Ok(positions) = layout_of(&mut parcel) {
            engine::with(|e| e.set_positions(positions, Vec::new()));
            engine::request_redraw();
            ui.hover.set(None);
            ui.map.set(MapState::None);
        }
    };
    let umap = ui.umap.get_untracked();
    let answer = worker::call(
        |job| Request::Project {
            job,
            method: method.method(),
            umap,
        },
        Parcel::default(),
        Some(Box::new(on_progress)),
    )
    .await;
    if !current() {
        return;
    }
    if method == Projection::Umap {
        ui.progress.set(None);
    }
    match answer {
        Ok((Reply::Projected { layout, .. }, mut parcel)) => {
            let positions = match layout_of(&mut parcel) {
                Ok(p) => p,
                Err(e) => {
                    ui.error.set(Some(e));
                    return;
                }
            };
            engine::with(|e| e.set_positions(positions, layout.explained.clone()));
            engine::request_redraw();
            ui.hover.set(None);
            ui.projection_note.set(layout_note(&layout));
            crate::actions::colour::layout_changed(ui);
            ui.projection.set(method);
            crate::actions::link::layout_shown(ui, method);
            spawn_local(build_map(ui));
        }
        Ok((Reply::Cancelled { .. }, _)) => {}
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            // The layout shown stays; the status line says why the new one is not there.
            let name = if method == Projection::Umap {
                "UMAP"
            } else {
                method.key()
            };
            ui.projection_note
                .update(|n| *n = format!("{n} · {name} failed: {message}"));
            ui.error.set(Some(message));
            crate::actions::link::layout_failed(ui);
        }
        Ok((other, _)) => log::warn!("unexpected answer to a projection: {other:?}"),
    }
}
