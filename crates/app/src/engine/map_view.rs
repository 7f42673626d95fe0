//! A built map as the page shows it: the layers, the labels on screen and the overlay.

use std::collections::HashMap;
use vecscape_core::map::labels::Side;
use vecscape_core::map::layer::DensityLayer;
use vecscape_core::map::Summary;

/// Width of a text in CSS px.
pub type MeasureText = Box<dyn Fn(&str) -> f32>;

/// A built map and what the labels looked like last frame.
pub struct MapView {
    pub summary: Summary,
    pub layer: DensityLayer,
    pub(super) sides: HashMap<u64, Side>,
    pub(super) widths: HashMap<String, f32>,
    /// Labels placed last frame, and those fading out (until the time given).
    pub(super) last: Vec<LabelView>,
    pub(super) leaving: Vec<(LabelView, f64)>,
}

impl MapView {
    pub fn new(summary: Summary) -> Self {
        let layer = DensityLayer::new(&summary.density, &summary.contours);
        MapView {
            summary,
            layer,
            sides: HashMap::new(),
            widths: HashMap::new(),
            last: Vec::new(),
            leaving: Vec::new(),
        }
    }
}

/// Layer toggles and the label budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapLayers {
    pub points: bool,
    pub contours: bool,
    pub grid: bool,
    pub labels: bool,
    pub legend: bool,
    pub max_labels: usize,
}

impl Default for MapLayers {
    fn default() -> Self {
        MapLayers {
            points: true,
            contours: true,
            grid: false,
            labels: true,
            legend: true,
            max_labels: 24,
        }
    }
}

/// A label on screen (CSS px, top-left of its box).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelView {
    pub id: u64,
    pub text: String,
    pub level: u32,
    pub left: f32,
    pub top: f32,
    /// No longer placed: fading out where it was.
    pub leaving: bool,
}

/// How long a label that is no longer placed takes to fade out (ms), as in the stylesheet.
pub const LABEL_FADE_MS: f64 = 250.0;

/// What the HTML overlay shows over the canvas.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overlay {
    pub labels: Vec<LabelView>,
    /// The label level shown.
    pub level: Option<u32>,
    /// Tile grid: tile width and the position of a tile corner (CSS px).
    pub grid: Option<(f32, [f32; 2])>,
}

/// Labels name tiles about this wide on screen (CSS px).
pub const LABEL_TILE_CSS_PX: f64 = 160.0;

/// Label line height (CSS px), as in the stylesheet.
pub const LABEL_HEIGHT_CSS_PX: f32 = 16.0;
