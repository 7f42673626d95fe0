//! Clicking a point: its exact nearest neighbours in the original space, found in the worker.

use crate::engine;
use crate::state::{Device, Neighbor, Selection, Ui, NEIGHBORS_SHOWN};
use crate::util::now_ms;
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Reply, Request};

/// Mark `row` on the map (or nothing) and redraw.
pub(crate) fn mark(row: Option<usize>) {
    engine::with(|e| e.selected = row);
    engine::request_redraw();
}

/// Select the point under `at` (CSS px) and list its exact nearest neighbours (on the GPU index
/// when the worker computes on WebGPU, falling back to the CPU if that fails).
pub(crate) fn select_at(ui: Ui, at: [f32; 2]) {
    let picked = engine::with(|e| Some((e.pick_css(at)?, e.scene_generation)));
    let Some((row, generation)) = picked else {
        ui.selection.set(None);
        mark(None);
        return;
    };
    spawn_local(async move {
        let started = now_ms();
        let answer = worker::call(
            |job| Request::Neighbors {
                job,
                row,
                k: NEIGHBORS_SHOWN,
            },
            Parcel::default(),
            None,
        )
        .await;
        let elapsed_ms = now_ms() - started;
        if engine::with(|e| e.scene_generation) != generation {
            // Another scene since the click: the answer is about rows no longer shown.
            return;
        }
        match answer {
            Ok((
                Reply::Neighbors {
                    ids,
                    scores,
                    device,
                    gpu_error,
                    ..
                },
                _,
            )) => {
                if let Some(e) = &gpu_error {
                    ui.backend.update(|b| {
                        b.push_str(&format!(" · GPU search failed, using the CPU: {e}"))
                    });
                }
                let selection = engine::with(|e| {
                    let scene = e.scene.as_ref();
                    Selection {
                        row,
                        text: scene.map(|s| s.text(row)).unwrap_or_default(),
                        neighbors: scene
                            .map(|s| Neighbor::found(s, &ids, &scores))
                            .unwrap_or_default(),
                        elapsed_ms,
                        device: Device::from(device),
                        metric: e.metric,
                    }
                });
                mark(Some(selection.row));
                ui.selection.set(Some(selection));
            }
            Ok((Reply::Failed { message, .. }, _)) | Err(message) => ui.error.set(Some(message)),
            Ok((other, _)) => log::warn!("unexpected answer to a search: {other:?}"),
        }
    });
}
