//! A dataset ready to draw: its layout, colours, hover index and metadata (the vectors stay in
//! the compute worker).

use vecscape_core::data::meta::Metadata;
use vecscape_core::view::camera::Bounds;
use vecscape_core::view::palette::{category_color, Rgba, UNCATEGORISED};
use vecscape_core::view::spatial::GridIndex;

/// Point radius in CSS pixels.
pub const POINT_RADIUS_CSS_PX: f32 = 2.5;

/// Point radius for `n` points: full size up to 50,000, then shrinking with √n down to a single
/// pixel at about a million, so dense maps stay readable and cheap to draw.
pub fn point_radius_css(n: usize) -> f32 {
    let scale = (50_000.0 / n.max(1) as f32).sqrt().clamp(0.25, 1.0);
    POINT_RADIUS_CSS_PX * scale
}

/// A dataset ready to draw.
pub struct Scene {
    pub name: String,
    /// Texts, categories, numbers and times, row by row (tooltips, colours, keywords).
    pub meta: Metadata,
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    pub colors: Vec<Rgba>,
    pub grid: GridIndex,
    pub bounds: Bounds,
    pub explained_variance_ratio: Vec<f64>,
    /// Each point's faithfulness on this layout (0…1), once computed.
    pub faithfulness: Option<Vec<f32>>,
}

impl Scene {
    /// The text of `row`: its own, or "row N" when the data has no text (the worker sends no
    /// numbered texts: a million of them would take the main thread tens of milliseconds).
    pub fn text(&self, row: usize) -> String {
        match self.meta.text.get(row) {
            Some(text) => text.clone(),
            None if row < self.xs.len() => format!("row {row}"),
            None => String::new(),
        }
    }

    /// Place the points at `xs`, `ys` (with their hover index `grid`, built by the worker) and
    /// prepare colours.
    pub fn build(
        name: String,
        meta: Metadata,
        (xs, ys, grid): (Vec<f32>, Vec<f32>, GridIndex),
        explained_variance_ratio: Vec<f64>,
    ) -> Self {
        let colors = match meta.category() {
            Some(cat) => cat.codes.iter().map(|c| category_color(*c)).collect(),
            None => vec![UNCATEGORISED; xs.len()],
        };
        let bounds = grid.bounds();
        Self {
            name,
            meta,
            xs,
            ys,
            colors,
            grid,
            bounds,
            explained_variance_ratio,
            faithfulness: None,
        }
    }
}
