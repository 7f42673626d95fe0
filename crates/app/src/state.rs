//! The page's shared state: small view state in signals, handed to components through Leptos
//! context ([`Ui`] is `Copy`) and to the actions as an argument. Large data lives in
//! [`crate::engine`], outside the reactive graph.

use crate::engine;
use leptos::prelude::*;
use vecscape_core::data::store::Storage;
use vecscape_core::search::types::Metric;

/// Where something ran or is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    WebGpu,
    Cpu,
}

impl Device {
    /// As the status line writes it: "WebGPU" or "CPU".
    pub fn label(self) -> &'static str {
        match self {
            Device::WebGpu => "WebGPU",
            Device::Cpu => "CPU",
        }
    }

    /// As the page's `data-` attributes write it: "webgpu" or "cpu".
    pub fn key(self) -> &'static str {
        match self {
            Device::WebGpu => "webgpu",
            Device::Cpu => "cpu",
        }
    }
}

impl From<vecscape_protocol::Device> for Device {
    fn from(device: vecscape_protocol::Device) -> Self {
        match device {
            vecscape_protocol::Device::WebGpu => Device::WebGpu,
            vecscape_protocol::Device::Cpu => Device::Cpu,
        }
    }
}

/// UMAP becomes the layout after PCA's for data with this many rows: up to about a minute in the
/// worker on one core (100,000 × 384 in 27 s); PCA stays shown and usable meanwhile, and Cancel
/// keeps it. More rows keep PCA until asked (`?projection=umap` or the chooser, any size).
pub(crate) const UMAP_AUTO_ROWS: std::ops::RangeInclusive<usize> = 501..=200_000;

/// The 2-D layout shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    Pca,
    GaussianRp,
    SparseRp,
    /// The file's own x/y (WizMap's `data.ndjson`).
    Precomputed,
    /// UMAP on the exact neighbour graph.
    Umap,
}

impl Projection {
    /// The chooser's value (and `?projection=`): "pca", "gaussian-rp", "sparse-rp",
    /// "precomputed" or "umap".
    pub fn key(self) -> &'static str {
        match self {
            Projection::Pca => "pca",
            Projection::GaussianRp => "gaussian-rp",
            Projection::SparseRp => "sparse-rp",
            Projection::Precomputed => "precomputed",
            Projection::Umap => "umap",
        }
    }

    /// The worker's name for it.
    pub fn method(self) -> vecscape_protocol::Method {
        use vecscape_protocol::Method;
        match self {
            Projection::Pca => Method::Pca,
            Projection::GaussianRp => Method::GaussianRp,
            Projection::SparseRp => Method::SparseRp,
            Projection::Precomputed => Method::Precomputed,
            Projection::Umap => Method::Umap,
        }
    }

    /// The projection the worker's `method` is.
    pub fn of_method(method: vecscape_protocol::Method) -> Self {
        use vecscape_protocol::Method;
        match method {
            Method::Pca => Projection::Pca,
            Method::GaussianRp => Projection::GaussianRp,
            Method::SparseRp => Projection::SparseRp,
            Method::Precomputed => Projection::Precomputed,
            Method::Umap => Projection::Umap,
        }
    }

    /// The projection whose [`Projection::key`] is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        [
            Projection::Pca,
            Projection::GaussianRp,
            Projection::SparseRp,
            Projection::Precomputed,
            Projection::Umap,
        ]
        .into_iter()
        .find(|p| p.key() == key)
    }
}

/// The map's summaries for the layout shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum MapState {
    /// No map (yet): nothing loaded, or a new layout before its build starts.
    #[default]
    None,
    /// Being built: the fraction done.
    Building(f64),
    /// Built (or read from grid.json): what it took, for the status line.
    Ready(String),
    /// Could not be built: why.
    Failed(String),
}

impl MapState {
    /// The `data-map` attribute: "building", "ready" or "none".
    pub fn key(&self) -> &'static str {
        match self {
            MapState::Building(_) => "building",
            MapState::Ready(_) => "ready",
            MapState::None | MapState::Failed(_) => "none",
        }
    }

    /// The status line's note.
    pub fn note(&self) -> String {
        match self {
            MapState::Ready(note) => note.clone(),
            MapState::Failed(why) => format!("no map: {why}"),
            MapState::None | MapState::Building(_) => String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Starting,
    Loading,
    Ready,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::Loading => "loading",
            Phase::Ready => "ready",
            Phase::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hover {
    pub row: usize,
    pub text: String,
    pub category: Option<String>,
    pub at: [f32; 2],
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Neighbor {
    pub row: usize,
    pub score: f32,
    pub text: String,
    pub category: Option<String>,
}

impl Neighbor {
    /// The rows a search or a neighbour query found, best first with their scores, as the lists
    /// show them (rows past the data shown are left out).
    pub fn found(scene: &engine::Scene, rows: &[u32], scores: &[f32]) -> Vec<Neighbor> {
        rows.iter()
            .zip(scores)
            .map(|(&r, &score)| (r as usize, score))
            .filter(|&(r, _)| r < scene.xs.len())
            .map(|(row, score)| Neighbor {
                row,
                score,
                text: scene.text(row),
                category: scene.meta.category_of(row).map(str::to_owned),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selection {
    pub row: usize,
    pub text: String,
    pub neighbors: Vec<Neighbor>,
    pub elapsed_ms: f64,
    /// Where the search ran.
    pub device: Device,
    pub metric: Metric,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Progress {
    pub what: String,
    pub loaded: u64,
    pub total: Option<u64>,
}

impl Progress {
    /// What a worker's progress reply says, for the progress bar (`None` for other replies).
    pub fn of(reply: &vecscape_protocol::Reply) -> Option<Self> {
        match reply {
            vecscape_protocol::Reply::Progress {
                what, done, total, ..
            } => Some(Progress {
                what: what.clone(),
                loaded: *done,
                total: *total,
            }),
            _ => None,
        }
    }
}

/// The view state the async tasks update; all fields are cheap copies of signals.
#[derive(Clone, Copy)]
pub(crate) struct Ui {
    pub phase: RwSignal<Phase>,
    pub progress: RwSignal<Option<Progress>>,
    pub backend: RwSignal<String>,
    /// Where the map is drawn.
    pub renderer: RwSignal<Device>,
    pub summary: RwSignal<String>,
    pub projection: RwSignal<Projection>,
    /// What the projection took ("PCA 2-D (… % of variance) in … ms").
    pub projection_note: RwSignal<String>,
    /// The layout's mean faithfulness, once computed.
    pub faithfulness_note: RwSignal<String>,
    /// Whether the data has precomputed x/y.
    pub has_coords: RwSignal<bool>,
    pub metric: RwSignal<Metric>,
    /// How the vectors are kept (`?storage=`, or the Memory chooser).
    pub storage: RwSignal<Storage>,
    pub error: RwSignal<Option<String>>,
    pub hover: RwSignal<Option<Hover>>,
    pub selection: RwSignal<Option<Selection>>,
    pub marker: RwSignal<Option<[f32; 2]>>,
    pub map: RwSignal<MapState>,
    /// Labels and tile grid over the canvas.
    pub overlay: RwSignal<engine::Overlay>,
    pub layers: RwSignal<engine::MapLayers>,
    /// The colour chooser's value and options (value, label).
    pub color_key: RwSignal<String>,
    pub color_options: RwSignal<Vec<(String, String)>>,
    pub legend: RwSignal<engine::Legend>,
    /// The data's time range when it has a time field: (min, max).
    pub time_range: RwSignal<Option<(f64, f64)>>,
    /// The period shown (0…TIME_STEPS-1), or TIME_STEPS for all times.
    pub time_step: RwSignal<usize>,
    pub playing: RwSignal<bool>,
    /// "N points in <period>".
    pub time_note: RwSignal<String>,
    /// UMAP's settings (the controls, `?neighbors=`, `?minDist=`, `?epochs=`, `?seed=`).
    pub umap: RwSignal<vecscape_protocol::UmapSettings>,
    /// The search box's text.
    pub query: RwSignal<String>,
    /// The last search's results.
    pub search: RwSignal<Option<SearchView>>,
    /// Why the search box's text could not be searched (a pasted vector of the wrong size).
    pub search_error: RwSignal<Option<String>>,
    /// Show every match on the map, the rest dimmed.
    pub show_matches: RwSignal<bool>,
    pub tool: RwSignal<Tool>,
    /// The selected rows (`None`: no selection).
    pub picked: RwSignal<Option<Picked>>,
    /// The lasso or rectangle being drawn (CSS px on the map).
    pub lasso: RwSignal<Vec<[f32; 2]>>,
    /// What the last export wrote.
    pub export_note: RwSignal<String>,
    /// What a link's view could not restore, or that a link was copied.
    pub link_note: RwSignal<String>,
    /// The numeric columns' (and the time's) filters.
    pub filters: RwSignal<Vec<Filter>>,
    /// A selection laid out on its own is shown in place of the map (`None`: the whole map).
    pub subset: RwSignal<Option<SubsetView>>,
}

/// A selection laid out on its own, as the bar over the map says it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SubsetView {
    pub rows: usize,
    /// "PCA", "UMAP", …
    pub method: String,
    /// Layouts to go back through (1: the whole map is next).
    pub depth: usize,
}

/// What a search found, as the results list shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchView {
    /// The search box's text it answers (empty for "neighbours of" searches).
    pub query: String,
    /// "12 matches for “bird”", "100 nearest to row 7".
    pub title: String,
    /// Every row found.
    pub total: usize,
    /// The best [`RESULTS_SHOWN`], best first.
    pub hits: Vec<Neighbor>,
    /// The search ran within the filter (hidden categories, time window).
    pub within_filter: bool,
    /// "3.1 ms", with what building the text index took when it was built for this search.
    pub took: String,
    /// Vector searches list metric scores; text searches list match scores.
    pub by_meaning: bool,
}

/// How a drag on the map acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Tool {
    /// Drag pans; Shift-drag draws a lasso.
    #[default]
    Pan,
    Lasso,
    Rectangle,
}

/// The selected rows, as the selection panel shows them.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Picked {
    pub count: usize,
    /// Categories of the selected rows (name, count, colour code), most first.
    pub categories: Vec<(String, usize, u32)>,
    /// The selection's keywords against the rest (computed in the worker).
    pub keywords: Vec<(String, f32)>,
    /// The first rows' texts (row, text).
    pub texts: Vec<(usize, String)>,
    /// What the selection took, for the panel ("lasso: 12.3 ms").
    pub took: String,
}

/// A numeric filter: the column's histogram and the range shown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    /// The numeric column (`None`: the time).
    pub field: Option<String>,
    /// The column's name as shown (and in links).
    pub name: String,
    pub histogram: vecscape_core::view::histogram::Histogram,
    pub lo: f64,
    pub hi: f64,
}

impl Filter {
    /// Whether the range leaves some values out.
    pub fn narrowed(&self) -> bool {
        self.lo > self.histogram.min || self.hi < self.histogram.max
    }
}

/// Results listed for a search.
pub(crate) const RESULTS_SHOWN: usize = 100;

/// Texts listed for a selection.
pub(crate) const PICKED_TEXTS: usize = 200;

/// The time slider's periods.
pub(crate) const TIME_STEPS: usize = 12;

/// Number of neighbours listed for a clicked point.
pub(crate) const NEIGHBORS_SHOWN: usize = 10;
