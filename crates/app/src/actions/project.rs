//! Projections of the loaded vectors (PCA, random projections, UMAP, the data's own x/y),
//! computed in the worker on WebGPU or the CPU; the page moves the points (UMAP's as its epochs
//! run) and rebuilds the map once the layout is final.

use crate::actions::layout::{layout_note, layout_of};
use crate::actions::map::build_map;
use crate::engine;
use crate::state::{MapState, Progress, Projection, SubsetView, Ui};
use crate::util::thousands;
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_core::view::spatial::GridIndex;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{encode, Reply, Request, RowSet};

/// Lay the loaded vectors out again with `method`. The status line says where it ran and how
/// long it took; a newer projection (or a new scene) meanwhile wins and this result is dropped.
pub(crate) async fn reproject(ui: Ui, method: Projection) {
    lay_out(ui, method, None).await;
}

/// Lay out only the selected rows, on their own, with `method`: shown in place of the map (the
/// other rows not drawn) until [`back`].
pub(crate) async fn reproject_selection(ui: Ui, method: Projection) {
    let Some(rows) = engine::with(|e| e.selection.clone()).filter(|s| !s.is_empty()) else {
        return;
    };
    lay_out(ui, method, Some(rows)).await;
}

/// Show `method`'s layout of all rows, or of `rows` on their own.
async fn lay_out(ui: Ui, method: Projection, rows: Option<RowSet>) {
    let generation = engine::with(|e| {
        e.projection_generation += 1;
        e.projection_generation
    });
    let current = move || engine::with(|e| e.projection_generation) == generation;
    let extra = match rows.as_ref().map(encode).transpose() {
        Ok(extra) => extra,
        Err(e) => return ui.error.set(Some(e.to_string())),
    };
    // The points are about to move: what was measured on them no longer holds.
    ui.faithfulness_note.set(String::new());
    // The layout shown is put aside (to go back to) when the rows' own first appears.
    let shown = std::rc::Rc::new(std::cell::Cell::new(false));
    let was_shown = shown.clone();
    let rows_shown = rows.clone();
    let note_then = ui.projection_note.get_untracked();
    let show = move |positions: (Vec<f32>, Vec<f32>, GridIndex), explained: Vec<f64>| {
        engine::with(|e| {
            if let Some(rows) = &rows_shown {
                if !shown.replace(true) {
                    e.save_layout(note_then.clone());
                }
                e.set_positions(positions, explained);
                e.show_subset(rows.clone());
            } else {
                if !shown.replace(true) {
                    // The whole data laid out again: nothing to go back to.
                    e.forget_saved_layouts();
                }
                e.set_positions(positions, explained);
            }
        });
        if rows_shown.is_none() {
            ui.subset.set(None);
            crate::actions::find::refresh(ui);
        }
        engine::request_redraw();
        ui.hover.set(None);
    };
    let show_progress = show.clone();
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
            show_progress(positions, Vec::new());
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
        Parcel {
            extra,
            ..Parcel::default()
        },
        Some(Box::new(on_progress)),
    )
    .await;
    if !current() {
        return;
    }
    if method == Projection::Umap {
        ui.progress.set(None);
    }
    let name = if method == Projection::Umap {
        "UMAP"
    } else {
        method.key()
    };
    match answer {
        Ok((Reply::Projected { layout, .. }, mut parcel)) => {
            let positions = match layout_of(&mut parcel) {
                Ok(p) => p,
                Err(e) => {
                    ui.error.set(Some(e));
                    return;
                }
            };
            show(positions, layout.explained.clone());
            crate::actions::colour::layout_changed(ui);
            match &rows {
                None => {
                    ui.projection_note.set(layout_note(&layout));
                    ui.projection.set(method);
                    crate::actions::link::layout_shown(ui, method);
                }
                Some(rows) => {
                    ui.projection_note.set(format!(
                        "{} selected rows on their own: {}",
                        thousands(rows.count()),
                        layout_note(&layout)
                    ));
                    ui.subset.set(Some(SubsetView {
                        rows: rows.count(),
                        method: name.to_uppercase(),
                        depth: engine::with(|e| e.saved_depth()),
                    }));
                    crate::actions::pick::clear(ui);
                    crate::actions::find::clear(ui);
                }
            }
            spawn_local(build_map(ui));
        }
        Ok((Reply::Cancelled { .. }, _)) => {}
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            // The layout shown stays; the status line says why the new one is not there.
            // A selection's layout that had begun to show (UMAP's epochs) is taken back.
            if rows.is_some() && was_shown.get() {
                back(ui);
            }
            ui.projection_note
                .update(|n| *n = format!("{n} · {name} failed: {message}"));
            ui.error.set(Some(message));
            if rows.is_none() {
                crate::actions::link::layout_failed(ui);
            }
        }
        Ok((other, _)) => log::warn!("unexpected answer to a projection: {other:?}"),
    }
}

/// Go back from a selection laid out on its own to the layout it was taken from (its
/// positions, map and camera); the rows that were shown become the selection.
pub(crate) fn back(ui: Ui) {
    let restored = engine::with(|e| {
        e.projection_generation += 1;
        e.restore_layout()
    });
    let Some((saved, shown)) = restored else {
        return;
    };
    worker::send_with(
        &Request::SetLayout,
        Parcel {
            xs: Some(saved.xs.clone()),
            ys: Some(saved.ys.clone()),
            ..Parcel::default()
        },
    );
    ui.projection_note.set(saved.note);
    let depth = engine::with(|e| e.saved_depth());
    ui.subset.update(|s| {
        *s = match (s.take(), saved.subset) {
            (Some(view), Some(rows)) if depth > 0 => Some(SubsetView {
                rows: rows.count(),
                depth,
                ..view
            }),
            _ => None,
        }
    });
    ui.hover.set(None);
    crate::actions::colour::layout_changed(ui);
    crate::actions::find::clear(ui);
    if let Some(rows) = shown {
        crate::actions::pick::select_rows(ui, &rows.to_vec());
    }
    if engine::with(|e| e.map.is_none()) {
        ui.map.set(MapState::None);
        spawn_local(build_map(ui));
    }
    engine::request_redraw();
}
