//! Selecting rows: a lasso or rectangle drawn on the map, a legend category, the search's
//! matches; Shift adds, Alt removes, Esc clears. The selection panel's summary: count,
//! categories, keywords against the rest (from the worker) and texts.

use crate::actions::find::refresh;
use crate::engine;
use crate::state::{Picked, Tool, Ui, PICKED_TEXTS};
use crate::util::now_ms;
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use vecscape_core::view::select::{in_polygon, in_rect, Combine, RowSet};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{encode, Reply, Request};

/// Keywords shown for a selection.
pub(crate) const KEYWORDS_SHOWN: usize = 12;

thread_local! {
    /// Bumped at every change of the selection: older keyword answers are dropped.
    static CHANGES: Cell<u64> = const { Cell::new(0) };
}

/// How a drag with these keys combines with the selection: Shift adds, Alt removes.
pub(crate) fn combine_of(shift: bool, alt: bool) -> Combine {
    match (shift, alt) {
        (_, true) => Combine::Remove,
        (true, false) => Combine::Add,
        (false, false) => Combine::Replace,
    }
}

/// No selection.
pub(crate) fn clear(ui: Ui) {
    CHANGES.with(|c| c.set(c.get() + 1));
    ui.picked.set(None);
    ui.lasso.set(Vec::new());
    if engine::with(|e| e.selection.take().is_some()) {
        refresh(ui);
    }
}

/// The lasso (or rectangle, from its first to its last point) drawn at `path` (CSS px on the
/// map) selects the points inside it, combined with the selection as `how` says.
pub(crate) fn select_drawn(ui: Ui, path: &[[f32; 2]], shape: Tool, how: Combine) {
    let started = now_ms();
    let found = engine::with(|e| {
        let world = e.world_from_css(path);
        let scene = e.scene.as_ref()?;
        Some(match (shape, world.first(), world.last()) {
            (Tool::Rectangle, Some(&a), Some(&b)) => in_rect(&scene.xs, &scene.ys, a, b),
            _ => in_polygon(&scene.xs, &scene.ys, &world),
        })
    });
    let Some(found) = found else {
        return;
    };
    let what = if shape == Tool::Rectangle {
        "rectangle"
    } else {
        "lasso"
    };
    let took = format!("{what}: {:.1} ms", now_ms() - started);
    apply(ui, found, how, took);
}

/// Select the rows of category `code` of the colour field.
pub(crate) fn select_category(ui: Ui, code: u32, how: Combine) {
    let found = engine::with(|e| {
        let scene = e.scene.as_ref()?;
        let engine::ColorBy::Category(field) = &e.color_by else {
            return None;
        };
        let cat = scene.meta.categorical_field(field)?;
        let rows = (0..cat.codes.len() as u32).filter(|&r| cat.codes[r as usize] == code);
        Some(RowSet::from_rows(scene.xs.len(), rows))
    });
    if let Some(found) = found {
        apply(ui, found, how, "category".to_owned());
    }
}

/// Select every row the last search found.
pub(crate) fn select_matches(ui: Ui, how: Combine) {
    if let Some(found) = engine::with(|e| e.matches.clone()) {
        apply(ui, found, how, "search results".to_owned());
    }
}

/// Select exactly `rows` (the test hook, and a view restored from a link).
pub(crate) fn select_rows(ui: Ui, rows: &[u32]) {
    let found = engine::with(|e| {
        let n = e.scene.as_ref()?.xs.len();
        Some(RowSet::from_rows(
            n,
            rows.iter().copied().filter(|&r| (r as usize) < n),
        ))
    });
    if let Some(found) = found {
        apply(ui, found, Combine::Replace, "rows".to_owned());
    }
}

fn apply(ui: Ui, found: RowSet, how: Combine, took: String) {
    let summary = engine::with(|e| {
        let mut set = match e.selection.take() {
            Some(s) if s.universe() == found.universe() => s,
            _ => RowSet::new(found.universe()),
        };
        set.combine(&found, how);
        let summary = (!set.is_empty()).then(|| summarise(e, &set, took));
        e.selection = (!set.is_empty()).then_some(set);
        summary
    });
    let change = CHANGES.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    ui.picked.set(summary);
    refresh(ui);
    if ui.picked.get_untracked().is_some() {
        spawn_local(keywords(ui, change));
    }
}

/// Count, categories and the first texts of `set`.
fn summarise(e: &engine::Engine, set: &RowSet, took: String) -> Picked {
    let Some(scene) = &e.scene else {
        return Picked::default();
    };
    let field = match &e.color_by {
        engine::ColorBy::Category(f) => scene.meta.categorical_field(f),
        _ => None,
    }
    .or(scene.meta.category());
    let categories = field
        .map(|cat| {
            let mut counts = vec![0usize; cat.names.len()];
            for r in set.iter() {
                if let Some(&c) = cat.codes.get(r as usize) {
                    counts[c as usize] += 1;
                }
            }
            let mut listed: Vec<(String, usize, u32)> = counts
                .iter()
                .enumerate()
                .filter(|(_, &n)| n > 0)
                .map(|(c, &n)| (cat.display_name(c as u32).to_owned(), n, c as u32))
                .collect();
            listed.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
            listed
        })
        .unwrap_or_default();
    let texts = set
        .iter()
        .take(PICKED_TEXTS)
        .map(|r| (r as usize, scene.text(r as usize)))
        .collect();
    Picked {
        count: set.count(),
        categories,
        keywords: Vec::new(),
        texts,
        took,
    }
}

/// The selection as the worker reads it.
pub(crate) fn selection_bits() -> Option<RowSet> {
    engine::with(|e| e.selection.clone())
}

/// Ask the worker for the selection's keywords; shown if the selection is still `change`.
async fn keywords(ui: Ui, change: u64) {
    let Some(bits) = selection_bits() else {
        return;
    };
    let extra = match encode(&bits) {
        Ok(b) => b,
        Err(e) => return log::warn!("{e}"),
    };
    let answer = worker::call(
        |job| Request::Keywords {
            job,
            top_k: KEYWORDS_SHOWN,
        },
        Parcel {
            extra: Some(extra),
            ..Parcel::default()
        },
        None,
    )
    .await;
    if CHANGES.with(Cell::get) != change {
        return;
    }
    match answer {
        Ok((Reply::Keywords { words, .. }, _)) => ui.picked.update(|p| {
            if let Some(p) = p {
                p.keywords = words;
            }
        }),
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            log::warn!("the selection's keywords: {message}")
        }
        Ok((other, _)) => log::warn!("unexpected answer to keywords: {other:?}"),
    }
}
