//! Colour by faithfulness: the worker measures, for each point, the share of its nearest
//! neighbours in the original space that the layout keeps; the points take a continuous scale
//! and the status line gives the mean.

use crate::actions::colour::recolor;
use crate::engine;
use crate::state::{Progress, Ui};
use crate::worker;
use leptos::prelude::*;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Reply, Request};

/// Measure the layout shown and colour by it. A newer layout meanwhile drops the answer (the
/// new layout asks again when it is final).
pub(crate) async fn compute(ui: Ui) {
    let Some(generation) = engine::with(|e| e.scene.as_ref().map(|_| e.map_generation)) else {
        return;
    };
    let current = move || engine::with(|e| e.map_generation) == generation;
    let on_progress = move |reply: &Reply, _: Parcel| {
        if let Reply::Progress {
            what, done, total, ..
        } = reply
        {
            if current() {
                ui.progress.set(Some(Progress {
                    what: what.clone(),
                    loaded: *done,
                    total: *total,
                }));
            }
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
        return;
    }
    ui.progress.set(None);
    match answer {
        Ok((Reply::Faithfulness { k, mean, ms, .. }, parcel)) => {
            let Some(values) = parcel.xs else {
                ui.faithfulness_note.set(String::new());
                ui.error
                    .set(Some("faithfulness: the values did not arrive".to_owned()));
                return;
            };
            let stored = engine::with(|e| match &mut e.scene {
                Some(scene) if scene.xs.len() == values.len() => {
                    scene.faithfulness = Some(values);
                    true
                }
                _ => false,
            });
            if !stored {
                return;
            }
            ui.faithfulness_note.set(format!(
                "faithfulness {mean:.3} (mean share of each point's {k} nearest kept on the map) in {:.1} s",
                ms / 1000.0
            ));
            if engine::with(|e| e.color_by == engine::ColorBy::Faithfulness)
                || ui.color_key.get_untracked() == engine::ColorBy::Faithfulness.key()
            {
                let hidden = engine::with(|e| e.hidden.clone());
                recolor(ui, engine::ColorBy::Faithfulness, hidden);
            }
        }
        Ok((Reply::Cancelled { .. }, _)) => ui.faithfulness_note.set(String::new()),
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            ui.faithfulness_note.set(String::new());
            ui.error.set(Some(format!("faithfulness: {message}")));
        }
        Ok((other, _)) => log::warn!("unexpected answer to faithfulness: {other:?}"),
    }
}

/// A new layout is shown: its faithfulness is not known yet; measure it when the points are
/// coloured by it.
pub(crate) fn layout_changed(ui: Ui) {
    ui.faithfulness_note.set(String::new());
    if ui.color_key.get_untracked() == engine::ColorBy::Faithfulness.key() {
        leptos::task::spawn_local(compute(ui));
    }
}
