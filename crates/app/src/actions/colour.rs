//! Colours: the colour-by field, the legend's hidden categories, and the time window.

use crate::engine;
use crate::state::{Ui, TIME_STEPS};
use crate::util::thousands;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// Fill the colour chooser from the data's fields and colour by the first categorical field.
pub(crate) fn setup_colors(ui: Ui) {
    let (options, default) = engine::with(|e| {
        let Some(scene) = &e.scene else {
            return (Vec::new(), engine::ColorBy::Uniform);
        };
        let meta = &scene.meta;
        let mut options = vec![("none".to_owned(), "one colour".to_owned())];
        for c in &meta.categorical {
            options.push((
                engine::ColorBy::Category(c.field.clone()).key(),
                format!(
                    "{} ({} categories)",
                    c.field,
                    c.counts().iter().filter(|&&k| k > 0).count()
                ),
            ));
        }
        for n in &meta.numeric {
            options.push((
                engine::ColorBy::Numeric(n.field.clone()).key(),
                format!("{} (numeric)", n.field),
            ));
        }
        options.push((
            engine::ColorBy::Faithfulness.key(),
            "faithfulness (neighbours kept)".to_owned(),
        ));
        let default = meta.category().map_or(engine::ColorBy::Uniform, |c| {
            engine::ColorBy::Category(c.field.clone())
        });
        (options, default)
    });
    ui.color_options.set(options);
    engine::with(|e| e.time_window = None);
    setup_filters(ui);
    // The widget's `color-by`, when it names a field of this data.
    let asked = crate::embed::param("color")
        .flatten()
        .and_then(|name| color_of_name(ui, &name));
    recolor(ui, asked.unwrap_or(default), Default::default());
    let range = engine::with(|e| {
        let time = e.scene.as_ref()?.meta.time.as_ref()?;
        time.range().filter(|(lo, hi)| hi > lo)
    });
    ui.playing.set(false);
    ui.time_step.set(TIME_STEPS);
    ui.time_note.set(String::new());
    ui.time_range.set(range);
}

/// Colour by `by` with the categories in `hidden` switched off. Faithfulness not yet computed
/// for the layout shown is asked of the worker first (the points take its colours when it
/// answers).
pub(crate) fn recolor(ui: Ui, by: engine::ColorBy, hidden: std::collections::HashSet<u32>) {
    if by == engine::ColorBy::Faithfulness
        && engine::with(|e| e.scene.as_ref().is_some_and(|s| s.faithfulness.is_none()))
    {
        ui.color_key.set(by.key());
        leptos::task::spawn_local(measure_then_recolor(ui));
        return;
    }
    let key = by.key();
    let legend = engine::with(|e| e.recolor(by, hidden));
    ui.color_key.set(key);
    ui.legend.set(legend);
    engine::request_redraw();
}

/// The colouring a field's name asks for (`label`, `none`, `faithfulness`, or a chooser's key
/// such as `cat:label`); an unknown name is ignored with a console warning naming it.
fn color_of_name(ui: Ui, name: &str) -> Option<engine::ColorBy> {
    let options = ui.color_options.get_untracked();
    let found = options
        .iter()
        .map(|(key, _)| key)
        .find(|key| {
            key.as_str() == name
                || key.strip_prefix("cat:") == Some(name)
                || key.strip_prefix("num:") == Some(name)
        })
        .map(|key| engine::ColorBy::from_key(key));
    if found.is_none() && !options.is_empty() {
        crate::embed::warn(&format!(
            "color-by=\"{name}\" ignored: the data has no such field (it has: {})",
            options
                .iter()
                .map(|(k, _)| k.split_once(':').map_or(k.as_str(), |(_, f)| f))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    found
}

/// Colour by the field `name` (the widget's `color-by`); `None` or an unknown name leaves the
/// colouring as it is (an unknown one with a console warning).
pub(crate) fn color_by_name(ui: Ui, name: Option<&str>) {
    if let Some(by) = name.and_then(|n| color_of_name(ui, n)) {
        recolor(ui, by, Default::default());
    }
}

/// Measure the layout's faithfulness, then colour by it if the chooser still says so.
async fn measure_then_recolor(ui: Ui) {
    if crate::actions::faithfulness::compute(ui).await
        && ui.color_key.get_untracked() == engine::ColorBy::Faithfulness.key()
    {
        let hidden = engine::with(|e| e.hidden.clone());
        recolor(ui, engine::ColorBy::Faithfulness, hidden);
    }
}

/// A new layout is shown: its faithfulness is not known yet; measure it again when the points
/// are coloured by it.
pub(crate) fn layout_changed(ui: Ui) {
    ui.faithfulness_note.set(String::new());
    if ui.color_key.get_untracked() == engine::ColorBy::Faithfulness.key() {
        leptos::task::spawn_local(measure_then_recolor(ui));
    }
}

/// A time as a date when it looks like Unix seconds (after 1973), else as a number.
pub(crate) fn format_time(t: f64) -> String {
    if t > 1e8 {
        let iso = String::from(js_sys::Date::new(&JsValue::from_f64(t * 1000.0)).to_iso_string());
        iso.get(..10).unwrap_or(&iso).to_owned()
    } else {
        vecscape_core::data::meta::format_number((t * 100.0).round() / 100.0)
    }
}

/// Show period `step` of the time range (or all times for `TIME_STEPS`).
pub(crate) fn show_time_step(ui: Ui, step: usize) {
    let Some((lo, hi)) = ui.time_range.get_untracked() else {
        return;
    };
    let window = (step < TIME_STEPS).then(|| {
        let width = (hi - lo) / TIME_STEPS as f64;
        let start = lo + width * step as f64;
        // The last period includes the latest time.
        let end = if step + 1 == TIME_STEPS {
            f64::INFINITY
        } else {
            start + width
        };
        (start, end)
    });
    let shown = engine::with(|e| e.set_time_window(window));
    engine::request_redraw();
    ui.time_step.set(step);
    ui.time_note.set(match window {
        None => "all times".to_owned(),
        Some((start, _)) => {
            let end = (lo + (hi - lo) / TIME_STEPS as f64 * (step + 1) as f64).min(hi);
            format!(
                "{} – {} · {} points",
                format_time(start),
                format_time(end),
                thousands(shown)
            )
        }
    });
}

/// Step through the periods while `playing` is on.
pub(crate) async fn play(ui: Ui) {
    while ui.playing.get_untracked() {
        let next = (ui.time_step.get_untracked() + 1) % TIME_STEPS;
        show_time_step(ui, next);
        gloo_timers::future::TimeoutFuture::new(900).await;
    }
}

/// Bins of a filter's histogram.
const FILTER_BINS: usize = 40;

/// Numeric columns given a filter (the first ones, then the time).
const FILTERS_SHOWN: usize = 6;

/// A filter for each numeric column and the time, over their whole range.
fn setup_filters(ui: Ui) {
    use crate::state::Filter;
    use vecscape_core::view::histogram::Histogram;
    let filters = engine::with(|e| {
        e.ranges.clear();
        let Some(scene) = &e.scene else {
            return Vec::new();
        };
        let meta = &scene.meta;
        let columns = meta
            .numeric
            .iter()
            .take(FILTERS_SHOWN)
            .map(|n| (Some(n.field.clone()), n.field.clone(), &n.values))
            .chain(meta.time.iter().map(|t| (None, t.field.clone(), &t.values)));
        columns
            .filter_map(|(field, name, values)| {
                let histogram = Histogram::of(values, FILTER_BINS)?;
                (histogram.max > histogram.min).then_some(Filter {
                    field,
                    name,
                    lo: histogram.min,
                    hi: histogram.max,
                    histogram,
                })
            })
            .collect()
    });
    ui.filters.set(filters);
}

/// Show only the points whose value of filter `index` lies in `[lo, hi]` (with every other
/// filter, the legend and the time window).
pub(crate) fn set_filter(ui: Ui, index: usize, lo: f64, hi: f64) {
    ui.filters.update(|filters| {
        if let Some(f) = filters.get_mut(index) {
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            f.lo = lo.max(f.histogram.min);
            f.hi = hi.min(f.histogram.max);
        }
    });
    let ranges = ui.filters.with_untracked(|filters| {
        filters
            .iter()
            .filter(|f| f.narrowed())
            .map(|f| (f.field.clone(), f.lo, f.hi))
            .collect()
    });
    let legend = engine::with(|e| {
        e.ranges = ranges;
        e.refresh_colors()
    });
    ui.legend.set(legend);
    engine::request_redraw();
}
