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

thread_local! {
    /// The projection in flight: its generation, and whether its layout has begun to show.
    static IN_FLIGHT: std::cell::RefCell<Option<(u64, std::rc::Rc<std::cell::Cell<bool>>)>> =
        const { std::cell::RefCell::new(None) };
}

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
    let map_then = match ui.map.get_untracked() {
        MapState::Ready(note) => note,
        _ => String::new(),
    };
    IN_FLIGHT.with(|f| f.replace(Some((generation, shown.clone()))));
    // The layout shown is put aside when the new one first appears: a selection's goes back to
    // it (Back), a cancelled or failed one too.
    let show = move |positions: (Vec<f32>, Vec<f32>, GridIndex), explained: Vec<f64>| {
        engine::with(|e| {
            if !shown.replace(true) {
                e.save_layout(note_then.clone(), map_then.clone());
            }
            e.set_positions(positions, explained);
            if let Some(rows) = &rows_shown {
                e.show_subset(rows.clone());
            }
        });
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
            IN_FLIGHT.with(|f| f.take());
            crate::actions::colour::layout_changed(ui);
            match &rows {
                None => {
                    // The whole data laid out again: nothing to go back to.
                    engine::with(|e| e.forget_saved_layouts());
                    ui.subset.set(None);
                    crate::actions::find::refresh(ui);
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
            // A layout that had begun to show (UMAP's epochs) is taken back.
            IN_FLIGHT.with(|f| f.take());
            if was_shown.get() {
                restore(ui, false);
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

/// Stop the projection in flight (the Cancel button): its result is dropped and, when its
/// layout had begun to show (UMAP's epochs), the layout before it comes back. Returns whether
/// one was in flight.
pub(crate) fn cancel(ui: Ui) -> bool {
    let Some((generation, shown)) = IN_FLIGHT.with(|f| f.take()) else {
        return false;
    };
    if engine::with(|e| e.projection_generation) != generation {
        return false;
    }
    if shown.get() {
        restore(ui, false);
    } else {
        engine::with(|e| e.projection_generation += 1);
    }
    ui.progress.set(None);
    // The chooser shows the projection still shown again.
    ui.projection.update(|_| {});
    true
}

/// Go back from a selection laid out on its own to the layout it was taken from (its
/// positions, map and camera); the rows that were shown become the selection.
pub(crate) fn back(ui: Ui) {
    restore(ui, true);
}

/// Show the layout put aside last again (and tell the worker); `select_shown`: the rows that
/// were shown on their own become the selection.
fn restore(ui: Ui, select_shown: bool) {
    IN_FLIGHT.with(|f| f.take());
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
    if let Some(rows) = shown.filter(|_| select_shown) {
        crate::actions::pick::select_rows(ui, &rows.to_vec());
    }
    if engine::with(|e| e.map.is_none()) {
        ui.map.set(MapState::None);
        spawn_local(build_map(ui));
    } else {
        ui.map.set(MapState::Ready(saved.map_note.clone()));
    }
    engine::request_redraw();
}
