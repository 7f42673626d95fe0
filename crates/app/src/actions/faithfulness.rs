//! Faithfulness: the worker measures, for each point, the share of its nearest neighbours in
//! the original space that the layout keeps; the values go into the scene (for "Colour by →
//! faithfulness", see [`crate::actions::colour`]) and the mean into the status line.

use crate::engine;
use crate::state::{Progress, Ui};
use crate::worker;
use leptos::prelude::*;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Reply, Request};

/// Measure the layout shown and keep the values in the scene; true when they are there. A
/// newer layout meanwhile drops the answer (the new layout asks again when it is final).
pub(crate) async fn compute(ui: Ui) -> bool {
    let Some(generation) = engine::with(|e| e.scene.as_ref().map(|_| e.map_generation)) else {
        return false;
    };
    let current = move || engine::with(|e| e.map_generation) == generation;
    let on_progress = move |reply: &Reply, _: Parcel| {
        if let Some(progress) = Progress::of(reply).filter(|_| current()) {
            ui.progress.set(Some(progress));
        }
    };
    ui.faithfulness_note
        .set("faithfulness: measuring…".to_owned());
    let answer = worker::call(
        |job| Request::Faithfulness { job },
        Parcel::default(),
        Some(Box::new(on_progress)),
    )
    .await;
    if !current() {
        return false;
    }
    ui.progress.set(None);
    match answer {
        Ok((Reply::Faithfulness { k, mean, ms, .. }, parcel)) => {
            let Some(values) = parcel.xs else {
                ui.faithfulness_note.set(String::new());
                ui.error
                    .set(Some("faithfulness: the values did not arrive".to_owned()));
                return false;
            };
            let stored = engine::with(|e| match &mut e.scene {
                Some(scene) if scene.xs.len() == values.len() => {
                    scene.faithfulness = Some(values);
                    true
                }
                _ => false,
            });
            if stored {
                ui.faithfulness_note.set(format!(
                    "faithfulness {mean:.3} (mean share of each point's {k} nearest kept on the map) in {:.1} s",
                    ms / 1000.0
                ));
            }
            stored
        }
        Ok((Reply::Cancelled { .. }, _)) => {
            ui.faithfulness_note.set(String::new());
            false
        }
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            ui.faithfulness_note.set(String::new());
            ui.error.set(Some(format!("faithfulness: {message}")));
            false
        }
        Ok((other, _)) => {
            log::warn!("unexpected answer to faithfulness: {other:?}");
            false
        }
    }
}
