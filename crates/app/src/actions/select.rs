//! Clicking a point: its exact nearest neighbours in the original space.

use crate::compute;
use crate::engine;
use crate::state::{Neighbor, Selection, Ui, NEIGHBORS_SHOWN};
use crate::util::now_ms;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Mark `row` on the map (or nothing) and redraw.
pub(crate) fn mark(row: Option<usize>) {
    engine::with(|e| e.selected = row);
    engine::request_redraw();
}

/// Select the point under `at` (CSS px) and list its exact nearest neighbours: on the GPU index
/// when compute runs on WebGPU (falling back to the CPU if that fails), else with the CPU kernels.
pub(crate) fn select_at(ui: Ui, at: [f32; 2]) {
    let picked = engine::with(|e| {
        let row = e.pick_css(at)?;
        let query = e.scene.as_ref()?.dataset.vectors.row_f32(row);
        Some((row, query, e.gpu_index()))
    });
    let Some((row, query, gpu)) = picked else {
        ui.selection.set(None);
        mark(None);
        return;
    };
    spawn_local(async move {
        let started = now_ms();
        let ran = compute::run(
            "neighbour search",
            gpu,
            async |index| {
                let n = index
                    .search(&query, NEIGHBORS_SHOWN, Some(row as u32))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(n.ids
                    .iter()
                    .zip(&n.scores)
                    .map(|(id, s)| (*id as usize, *s))
                    .collect::<Vec<_>>())
            },
            || engine::with(|e| e.neighbors(row, NEIGHBORS_SHOWN)),
        )
        .await;
        if let Some(e) = &ran.gpu_error {
            ui.backend
                .update(|b| b.push_str(&format!(" · GPU search failed, using the CPU: {e}")));
            engine::with(|e| e.drop_gpu_index());
        }
        let (found, device) = (ran.value, ran.device);
        let elapsed_ms = now_ms() - started;
        let selection = found.map(|list| {
            engine::with(|e| {
                let meta = e.scene.as_ref().map(|s| &s.dataset.meta);
                let text = |r: usize| {
                    meta.and_then(|m| m.text.get(r).cloned())
                        .unwrap_or_default()
                };
                Selection {
                    row,
                    text: text(row),
                    neighbors: list
                        .into_iter()
                        .map(|(r, score)| Neighbor {
                            row: r,
                            score,
                            text: text(r),
                            category: meta.and_then(|m| m.category_of(r)).map(str::to_owned),
                        })
                        .collect(),
                    elapsed_ms,
                    device,
                    metric: e.metric,
                }
            })
        });
        match selection {
            Ok(selection) => {
                mark(Some(selection.row));
                ui.selection.set(Some(selection));
            }
            Err(e) => ui.error.set(Some(e)),
        }
    });
}
