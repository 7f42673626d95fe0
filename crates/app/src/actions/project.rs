//! Projections of the loaded vectors (PCA, random projections, the data's own x/y), computed in
//! the worker on WebGPU or the CPU; the page moves the points and rebuilds the map.

use crate::actions::load::{layout_note, layout_of};
use crate::actions::map::build_map;
use crate::engine;
use crate::state::{Projection, Ui};
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
    let answer = worker::call(
        |job| Request::Project {
            job,
            method: method.method(),
        },
        Parcel::default(),
        None,
    )
    .await;
    if engine::with(|e| e.projection_generation) != generation {
        return;
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
            ui.projection.set(method);
            spawn_local(build_map(ui));
        }
        Ok((Reply::Cancelled { .. }, _)) => {}
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => ui.error.set(Some(message)),
        Ok((other, _)) => log::warn!("unexpected answer to a projection: {other:?}"),
    }
}
