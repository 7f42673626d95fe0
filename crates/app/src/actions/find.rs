//! Searching: by words (the worker's text index) or by meaning (the exact nearest rows to a
//! pasted vector, a row, or the selection's mean), within the filter when one hides points;
//! the results list, marking a result, flying to it, and showing every match on the map.

use crate::engine;
use crate::state::{Device, Neighbor, SearchView, Ui, RESULTS_SHOWN};
use crate::util::thousands;
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use vecscape_core::search::pasted::{looks_like_vector, parse_vector};
use vecscape_core::view::select::RowSet;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{encode, Find, Hits, Reply, Request};

thread_local! {
    /// The newest search: an older one's answer is dropped.
    static LATEST: Cell<u64> = const { Cell::new(0) };
}

/// Forget the search (a new dataset, Esc, an empty box).
pub(crate) fn clear(ui: Ui) {
    LATEST.with(|l| l.set(l.get() + 1));
    ui.search.set(None);
    ui.search_error.set(None);
    let changed = engine::with(|e| {
        e.hovered_row = None;
        e.matches.take().is_some() && e.show_matches
    });
    if changed {
        refresh(ui);
    }
    engine::request_redraw();
}

/// Colour again (the matches or the selection changed) and redraw.
pub(crate) fn refresh(ui: Ui) {
    let legend = engine::with(|e| e.refresh_colors());
    ui.legend.set(legend);
    engine::request_redraw();
}

/// Search for what the box holds: a vector when it looks like one, else words.
pub(crate) fn search_box(ui: Ui, text: String) {
    let text = text.trim().to_owned();
    if text.is_empty() {
        clear(ui);
        return;
    }
    if looks_like_vector(&text) {
        let dims = engine::with(|e| e.dims);
        match parse_vector(&text, dims) {
            Ok(vector) => run(
                ui,
                Find::Vector(vector),
                "the pasted vector".to_owned(),
                text.clone(),
                None,
            ),
            Err(e) => {
                LATEST.with(|l| l.set(l.get() + 1));
                ui.search_error
                    .set(Some(format!("Not a vector to search with: {e}")));
            }
        }
        return;
    }
    run(
        ui,
        Find::Text(text.clone()),
        format!("“{text}”"),
        text,
        None,
    );
}

/// The rows nearest to `row` in the original space.
pub(crate) fn neighbours_of(ui: Ui, row: usize) {
    let text = engine::with(|e| e.scene.as_ref().map(|s| s.text(row)).unwrap_or_default());
    let short: String = text.chars().take(40).collect();
    let ellipsis = if short.len() < text.len() { "…" } else { "" };
    run(
        ui,
        Find::Row(row),
        format!("row {row} (“{short}{ellipsis}”)"),
        String::new(),
        None,
    );
}

/// The rows nearest to the mean of the selected rows.
pub(crate) fn neighbours_of_selection(ui: Ui) {
    let rows = engine::with(|e| e.selection.as_ref().map(RowSet::to_vec));
    let Some(rows) = rows.filter(|r| !r.is_empty()) else {
        return;
    };
    let title = format!("the mean of the {} selected rows", thousands(rows.len()));
    match encode(&rows) {
        Ok(payload) => run(ui, Find::MeanOf, title, String::new(), Some(payload)),
        Err(e) => ui.search_error.set(Some(e.to_string())),
    }
}

/// The rows the filters show, when they hide some (`None`: all are shown).
pub(crate) fn shown_rows() -> Option<RowSet> {
    let drawn = engine::with(|e| e.drawn_rows());
    (drawn.count() < drawn.universe()).then_some(drawn)
}

fn run(ui: Ui, find: Find, subject: String, query: String, payload: Option<Vec<u8>>) {
    let latest = begin();
    spawn_local(async move {
        if let Err(e) = ask(ui, latest, find, subject, query, payload).await {
            ui.search_error.set(Some(e));
        }
    });
}

/// Search for `text` as the search box does and show the results; answers with what is listed
/// (`None`: a newer search or another dataset came first).
pub(crate) async fn search_now(ui: Ui, text: String) -> Result<Option<SearchView>, String> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        clear(ui);
        return Ok(None);
    }
    ui.search_error.set(None);
    let find = if looks_like_vector(&text) {
        let dims = engine::with(|e| e.dims);
        Find::Vector(
            parse_vector(&text, dims).map_err(|e| format!("Not a vector to search with: {e}"))?,
        )
    } else {
        Find::Text(text.clone())
    };
    let subject = match &find {
        Find::Text(_) => format!("“{text}”"),
        _ => "the pasted vector".to_owned(),
    };
    ask(ui, begin(), find, subject, text, None).await
}

/// A new search: answers to older ones are dropped. Returns its number.
fn begin() -> u64 {
    LATEST.with(|l| {
        l.set(l.get() + 1);
        l.get()
    })
}

/// Ask the worker and list what it found (unless a newer search or dataset came meanwhile).
async fn ask(
    ui: Ui,
    latest: u64,
    find: Find,
    subject: String,
    query: String,
    payload: Option<Vec<u8>>,
) -> Result<Option<SearchView>, String> {
    ui.search_error.set(None);
    let by_meaning = !matches!(find, Find::Text(_));
    let within = shown_rows();
    let within_filter = within.is_some();
    let extra = within
        .as_ref()
        .map(encode)
        .transpose()
        .map_err(|e| e.to_string())?;
    let generation = engine::with(|e| e.scene_generation);
    let answer = worker::call(
        |job| Request::Search {
            job,
            find,
            limit: RESULTS_SHOWN,
        },
        Parcel {
            payload,
            extra,
            ..Parcel::default()
        },
        None,
    )
    .await;
    if LATEST.with(Cell::get) != latest || engine::with(|e| e.scene_generation) != generation {
        return Ok(None);
    }
    match answer {
        Ok((
            Reply::Found {
                total,
                device,
                ms,
                index,
                ..
            },
            parcel,
        )) => {
            let hits: Hits = parcel.payload_or_default()?;
            let mut took = format!("{ms:.1} ms");
            if by_meaning {
                took = format!("exact on {}, {took}", Device::from(device).label());
            }
            if let Some(index) = index {
                took = format!(
                    "{took}, text index of {} words built in {:.0} ms",
                    thousands(index.words),
                    index.ms
                );
            }
            let view = SearchView {
                query,
                title: subject,
                total,
                hits: Vec::new(),
                within_filter,
                took,
                by_meaning,
            };
            show(ui, hits, view);
            Ok(ui.search.get_untracked())
        }
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => Err(message),
        Ok((other, _)) => {
            log::warn!("unexpected answer to a search: {other:?}");
            Ok(None)
        }
    }
}

/// List the best of `hits` in `view` (its title still the search's subject) and keep every
/// row found for "show all".
fn show(ui: Ui, hits: Hits, mut view: SearchView) {
    let shown = engine::with(|e| {
        let scene = e.scene.as_ref()?;
        let shown = hits.rows.len().min(RESULTS_SHOWN);
        view.hits = Neighbor::found(scene, &hits.rows[..shown], &hits.scores);
        e.matches = Some(RowSet::from_rows(scene.xs.len(), hits.rows.iter().copied()));
        let total = view.total;
        view.title = if view.by_meaning {
            format!("{} nearest to {}", thousands(total), view.title)
        } else {
            let plural = if total == 1 { "match" } else { "matches" };
            format!("{} {plural} for {}", thousands(total), view.title)
        };
        Some(view)
    });
    ui.search.set(shown);
    if ui.show_matches.get_untracked() {
        refresh(ui);
    }
}

/// Show every match on the map with the rest dimmed (or stop).
pub(crate) fn show_matches(ui: Ui, on: bool) {
    ui.show_matches.set(on);
    engine::with(|e| e.show_matches = on);
    refresh(ui);
}

/// Mark `row` on the map while its list entry is hovered (`None`: the mark goes back to the
/// clicked point).
pub(crate) fn mark_hovered(row: Option<usize>) {
    engine::with(|e| e.hovered_row = row);
    engine::request_redraw();
}

/// Fly the view to `row` and mark it.
pub(crate) fn fly_to(row: usize) {
    engine::with(|e| {
        e.fly_to(row);
        e.selected = Some(row);
    });
    engine::request_redraw();
}
