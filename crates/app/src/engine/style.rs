//! What the points are coloured by, and what the legend shows.

use vecscape_core::view::palette::Rgba;

/// What the points are coloured by.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ColorBy {
    /// One colour.
    #[default]
    Uniform,
    /// A categorical field: a colour per category.
    Category(String),
    /// A numeric field: a continuous scale from its smallest to its largest value.
    Numeric(String),
    /// How faithful the layout is at each point (0…1, computed in the worker on request).
    Faithfulness,
}

/// The colour chooser's value for [`ColorBy::Faithfulness`].
pub const FAITHFULNESS_KEY: &str = "faithfulness";

impl ColorBy {
    /// As the colour chooser's option value: `none`, `cat:FIELD` or `num:FIELD`.
    pub fn key(&self) -> String {
        match self {
            ColorBy::Uniform => "none".to_owned(),
            ColorBy::Category(f) => format!("cat:{f}"),
            ColorBy::Numeric(f) => format!("num:{f}"),
            ColorBy::Faithfulness => FAITHFULNESS_KEY.to_owned(),
        }
    }

    pub fn from_key(key: &str) -> Self {
        if let Some(f) = key.strip_prefix("cat:") {
            ColorBy::Category(f.to_owned())
        } else if let Some(f) = key.strip_prefix("num:") {
            ColorBy::Numeric(f.to_owned())
        } else if key == FAITHFULNESS_KEY {
            ColorBy::Faithfulness
        } else {
            ColorBy::Uniform
        }
    }
}

/// One legend entry of a categorical field.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub code: u32,
    pub name: String,
    pub count: usize,
    pub color: Rgba,
    pub hidden: bool,
}

/// What the legend shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Legend {
    #[default]
    None,
    /// The most frequent categories (and how many more there are).
    Categories {
        field: String,
        entries: Vec<LegendEntry>,
        more: usize,
    },
    /// The range of a numeric field.
    Numeric { field: String, min: f64, max: f64 },
}

/// Categories listed in the legend (the most frequent first).
pub const LEGEND_ENTRIES: usize = 40;

/// The labels' font, as in the stylesheet's `.map-label` (measured and exported with it).
pub const LABEL_FONT: &str = "600 12px system-ui, sans-serif";
