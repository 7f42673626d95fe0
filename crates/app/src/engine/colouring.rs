//! Colouring the points: by a field, with hidden categories, within a time window.

use super::style::{ColorBy, Legend, LegendEntry, LEGEND_ENTRIES};
use super::Engine;
use vecscape_core::map::layer::DensityLayer;
use vecscape_core::view::palette::{category_color, Rgba, UNCATEGORISED};
use vecscape_core::view::select::RowSet;

/// The selection when there is one, else the matches while they are shown.
fn emphasis_of<'a>(
    selection: &'a Option<RowSet>,
    matches: &'a Option<RowSet>,
    show_matches: bool,
) -> Option<&'a RowSet> {
    selection
        .as_ref()
        .filter(|s| !s.is_empty())
        .or(matches.as_ref().filter(|_| show_matches))
}

impl Engine {
    /// Colour the points by `by`, hiding the categories in `hidden`; returns the legend.
    pub fn recolor(&mut self, by: ColorBy, hidden: std::collections::HashSet<u32>) -> Legend {
        self.color_by = by;
        self.hidden = hidden;
        let Some(scene) = &mut self.scene else {
            return Legend::None;
        };
        let meta = &scene.meta;
        let n = scene.xs.len();
        let (colors, legend) = match &self.color_by {
            ColorBy::Category(field) => match meta.categorical_field(field) {
                Some(cat) => {
                    let colors = (0..n)
                        .map(|i| match cat.codes.get(i) {
                            Some(c) if self.hidden.contains(c) => {
                                vecscape_core::view::palette::HIDDEN
                            }
                            Some(c) => category_color(*c),
                            None => UNCATEGORISED,
                        })
                        .collect();
                    let counts = cat.counts();
                    // Categories with no point among the rows loaded (`?maxRows`, a subset's
                    // dictionary) are not listed.
                    let mut order: Vec<u32> = (0..cat.names.len() as u32)
                        .filter(|&c| counts[c as usize] > 0)
                        .collect();
                    order.sort_by(|a, b| {
                        counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b))
                    });
                    let entries = order
                        .iter()
                        .take(LEGEND_ENTRIES)
                        .map(|&code| LegendEntry {
                            code,
                            name: cat.display_name(code).to_owned(),
                            count: counts[code as usize],
                            color: category_color(code),
                            hidden: self.hidden.contains(&code),
                        })
                        .collect();
                    (
                        colors,
                        Legend::Categories {
                            field: field.clone(),
                            entries,
                            more: order.len().saturating_sub(LEGEND_ENTRIES),
                        },
                    )
                }
                None => (vec![UNCATEGORISED; n], Legend::None),
            },
            ColorBy::Numeric(field) => match meta
                .numeric_field(field)
                .and_then(|f| Some((f, f.range()?)))
            {
                Some((num, (min, max))) => {
                    let span = if max > min { max - min } else { 1.0 };
                    let colors = (0..n)
                        .map(|i| {
                            let v = num.values.get(i).copied().unwrap_or(f64::NAN);
                            vecscape_core::view::palette::sequential(((v - min) / span) as f32)
                        })
                        .collect();
                    (
                        colors,
                        Legend::Numeric {
                            field: field.clone(),
                            min,
                            max,
                        },
                    )
                }
                None => (vec![UNCATEGORISED; n], Legend::None),
            },
            ColorBy::Faithfulness => match &scene.faithfulness {
                Some(values) if values.len() == n => (
                    values
                        .iter()
                        .map(|&v| vecscape_core::view::palette::sequential(v))
                        .collect(),
                    Legend::Numeric {
                        field: "faithfulness (share of nearest neighbours kept)".to_owned(),
                        min: 0.0,
                        max: 1.0,
                    },
                ),
                _ => (vec![UNCATEGORISED; n], Legend::None),
            },
            ColorBy::Uniform => (vec![UNCATEGORISED; n], Legend::None),
        };
        let mut colors: Vec<Rgba> = colors;
        if let (Some((start, end)), Some(time)) = (self.time_window, &meta.time) {
            for (c, t) in colors.iter_mut().zip(&time.values) {
                if !(*t >= start && *t < end) {
                    *c = vecscape_core::view::palette::HIDDEN;
                }
            }
        }
        for (field, lo, hi) in &self.ranges {
            let values = match field {
                Some(f) => meta.numeric_field(f).map(|n| &n.values),
                None => meta.time.as_ref().map(|t| &t.values),
            };
            for (c, v) in colors.iter_mut().zip(values.into_iter().flatten()) {
                if !(*v >= *lo && *v <= *hi) {
                    *c = vecscape_core::view::palette::HIDDEN;
                }
            }
        }
        if let Some(subset) = &self.subset {
            for (i, c) in colors.iter_mut().enumerate() {
                if !subset.contains(i) {
                    *c = vecscape_core::view::palette::HIDDEN;
                }
            }
        }
        if let Some(emphasis) = emphasis_of(&self.selection, &self.matches, self.show_matches) {
            for (i, c) in colors.iter_mut().enumerate() {
                if !emphasis.contains(i) {
                    *c = vecscape_core::view::palette::dimmed(*c);
                }
            }
        }
        scene.colors = colors;
        self.upload_points();
        self.refresh_density();
        legend
    }

    /// Show the density and contours of the points drawn: the map's own when the filters hide
    /// none of its points, else computed here for those drawn, on the map's grid and kernel (so
    /// periods and filters compare). Redone only when the drawn rows changed.
    pub fn refresh_density(&mut self) {
        use std::hash::{Hash, Hasher};
        use vecscape_core::map::density;
        let (Some(scene), Some(map)) = (&self.scene, &self.map) else {
            return;
        };
        let drawn = self.drawn_rows();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        drawn.hash(&mut hasher);
        let key = hasher.finish();
        if self.density_of == Some(key) {
            return;
        }
        self.density_of = Some(key);
        let mapped = self.subset.as_ref().map_or(scene.xs.len(), RowSet::count);
        let layer = if drawn.count() == mapped {
            map.layer.clone()
        } else {
            let (xs, ys): (Vec<f32>, Vec<f32>) = drawn
                .iter()
                .map(|r| (scene.xs[r as usize], scene.ys[r as usize]))
                .unzip();
            let spec = map.summary.density.spec;
            let sigma = map.summary.density.sigma;
            match (!xs.is_empty()).then(|| density::kde_binned_sigma(&xs, &ys, &spec, sigma)) {
                Some(grid) => {
                    let levels = map.summary.contours.len();
                    let contours = density::contours(&grid, &density::thresholds(&grid, levels))
                        .unwrap_or_default();
                    DensityLayer::new(&grid, &contours)
                }
                None => DensityLayer {
                    values: vec![0.0; map.layer.values.len()],
                    segments: Vec::new(),
                    ..map.layer.clone()
                },
            }
        };
        let sum = layer.values.iter().map(|&v| f64::from(v)).sum();
        self.density_shown = (drawn.count(), sum, layer.segments.len());
        if let Some(backend) = &mut self.backend {
            backend.set_density(Some(&layer));
        }
    }

    /// The rows drawn at all: the filters, the legend's hidden categories, the time window and
    /// a selection laid out on its own hide the others.
    pub fn drawn_rows(&self) -> RowSet {
        let colors = self.scene.as_ref().map_or(&[][..], |s| &s.colors[..]);
        RowSet::from_fn(colors.len(), |i| colors[i][3] != 0)
    }

    /// The rows drawn in full colour, the rest dimmed: the selection when there is one, else
    /// the search's matches while "show all" is on.
    pub fn emphasis(&self) -> Option<&RowSet> {
        emphasis_of(&self.selection, &self.matches, self.show_matches)
    }

    /// Colour again with the current settings (after the selection or the matches changed).
    pub fn refresh_colors(&mut self) -> Legend {
        let (by, hidden) = (self.color_by.clone(), self.hidden.clone());
        self.recolor(by, hidden)
    }

    /// Hand the points to the backend in draw order: by grid cell (cache-friendly), the
    /// emphasised rows last so they are drawn on top of the dimmed ones.
    pub fn upload_points(&mut self) {
        let Some(scene) = &self.scene else {
            return;
        };
        let drawn: Option<Vec<u32>> = self.emphasis().map(|set| {
            let order = scene.grid.order();
            let mut drawn: Vec<u32> = order
                .iter()
                .copied()
                .filter(|&i| !set.contains(i as usize))
                .collect();
            drawn.extend(order.iter().copied().filter(|&i| set.contains(i as usize)));
            drawn
        });
        if let Some(backend) = &mut self.backend {
            let order = drawn.as_deref().unwrap_or(scene.grid.order());
            backend.upload(&scene.xs, &scene.ys, &scene.colors, order);
        }
    }

    /// Show only the points whose time falls in `window` (all with `None`), with the density and
    /// contours of just the points drawn; returns how many have their time in it.
    pub fn set_time_window(&mut self, window: Option<(f64, f64)>) -> usize {
        self.time_window = window;
        self.refresh_colors();
        let Some(scene) = &self.scene else {
            return 0;
        };
        match (window, &scene.meta.time) {
            (Some((start, end)), Some(time)) => time
                .values
                .iter()
                .filter(|t| **t >= start && **t < end)
                .count(),
            _ => scene.xs.len(),
        }
    }
}
