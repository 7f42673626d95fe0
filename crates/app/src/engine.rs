//! State that stays outside the reactive graph: the render backend, the loaded scene (vectors,
//! projection, colours, hover index) and the camera. Accessed through [`with`] on the UI thread.

use crate::backend::{Backend, FrameInput, Layers};
use leptos::prelude::{GetUntracked, Set};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use vecscape_core::load::dataset::Dataset;
use vecscape_core::map::labels::{self, Candidate, Side};
use vecscape_core::map::layer::DensityLayer;
use vecscape_core::map::Summary;
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::search::bounds::RowBounds;
use vecscape_core::search::flat::{FlatIndex, SearchAids};
use vecscape_core::search::types::Metric;
use vecscape_core::view::camera::{Bounds, Camera, Viewport};
use vecscape_core::view::palette::{category_color, Rgba, UNCATEGORISED};
use vecscape_core::view::raster::PointStyle;
use vecscape_core::view::spatial::GridIndex;
use vecscape_gpu::GpuFlatIndex;

/// Hover picks the nearest point within this many CSS pixels of the cursor.
pub const HOVER_RADIUS_CSS_PX: f32 = 8.0;
/// Point radius in CSS pixels.
pub const POINT_RADIUS_CSS_PX: f32 = 2.5;
const FIT_MARGIN_CSS_PX: f32 = 24.0;

/// Point radius for `n` points: full size up to 50,000, then shrinking with √n down to a single
/// pixel at about a million, so dense maps stay readable and cheap to draw.
pub fn point_radius_css(n: usize) -> f32 {
    let scale = (50_000.0 / n.max(1) as f32).sqrt().clamp(0.25, 1.0);
    POINT_RADIUS_CSS_PX * scale
}

/// A dataset ready to draw.
pub struct Scene {
    pub dataset: Dataset,
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    pub colors: Vec<Rgba>,
    pub grid: GridIndex,
    pub bounds: Bounds,
    pub explained_variance_ratio: Vec<f64>,
}

/// 2-D PCA on the CPU (`PcaSolver::Auto`): the projection and its explained-variance ratios.
pub fn cpu_pca_2d(
    x: &vecscape_core::data::store::Vectors,
) -> Result<(ndarray::Array2<f32>, Vec<f64>), String> {
    let pca = Pca::fit_vectors(x, 2, PcaSolver::Auto).map_err(|e| e.to_string())?;
    Ok((pca.transform_vectors(x), pca.explained_variance_ratio))
}

impl Scene {
    /// Place the points (precomputed coordinates when the data has them, else `pca`: a 2-D
    /// projection and its explained-variance ratios, computed here on the CPU when not given) and
    /// prepare colours and the hover index.
    pub fn build(
        dataset: Dataset,
        pca: Option<(ndarray::Array2<f32>, Vec<f64>)>,
    ) -> Result<Self, String> {
        let (xs, ys, explained_variance_ratio) = match (&dataset.coords, pca) {
            (Some(c), _) => (c.column(0).to_vec(), c.column(1).to_vec(), Vec::new()),
            (None, Some((projected, ratio))) => (
                projected.column(0).to_vec(),
                projected.column(1).to_vec(),
                ratio,
            ),
            (None, None) => {
                let (projected, ratio) =
                    cpu_pca_2d(&dataset.vectors).map_err(|e| format!("{}: {e}", dataset.name))?;
                (
                    projected.column(0).to_vec(),
                    projected.column(1).to_vec(),
                    ratio,
                )
            }
        };
        let colors = match dataset.meta.category() {
            Some(cat) => cat.codes.iter().map(|c| category_color(*c)).collect(),
            None => vec![UNCATEGORISED; xs.len()],
        };
        let grid = GridIndex::build(&xs, &ys, 4);
        let bounds = Bounds::of_points(&xs, &ys);
        Ok(Self {
            dataset,
            xs,
            ys,
            colors,
            grid,
            bounds,
            explained_variance_ratio,
        })
    }
}

/// The most memory CPU neighbour search spends on int8 bounds (a quarter of the f32 vectors:
/// 1M × 384 takes 392 MB); above it, searches scan the vectors alone.
pub const MAX_BOUNDS_BYTES: u64 = 512 << 20;

#[derive(Default)]
pub struct Engine {
    pub backend: Option<Backend>,
    pub scene: Option<Scene>,
    /// The scene's vectors on the GPU, for neighbour search (WebGPU backend only).
    gpu_index: Option<Rc<GpuFlatIndex>>,
    /// What CPU neighbour search keeps between clicks (norms, int8 bounds), built on the first
    /// search for the current vectors and metric.
    search_aids: Option<SearchAids>,
    camera: Option<Camera>,
    fitted_px_per_world: f32,
    redraw_pending: bool,
    /// The clicked row, marked on the map.
    pub selected: Option<usize>,
    /// Where the view shows the selection marker (CSS px), updated after every frame.
    pub marker: Option<leptos::prelude::RwSignal<Option<[f32; 2]>>>,
    /// The metric neighbour search ranks by.
    pub metric: Metric,
    /// The map's summaries for the current layout, once built.
    pub map: Option<MapView>,
    /// Bumped whenever the layout changes, so a summary built for an old one is dropped.
    pub map_generation: u64,
    pub layers: MapLayers,
    /// Where the view shows labels and the tile grid, updated after every frame.
    pub overlay: Option<leptos::prelude::RwSignal<Overlay>>,
    /// Width of a label's text in CSS px (the page measures with its font).
    pub measure: Option<MeasureText>,
    pub color_by: ColorBy,
    /// Category codes the legend has switched off.
    pub hidden: std::collections::HashSet<u32>,
    /// Only points whose time is in `[start, end)` are shown (the time slider).
    pub time_window: Option<(f64, f64)>,
    /// Compute on a CPU-emulated WebGPU adapter too (`?backend=webgpu`).
    pub compute_on_emulated: bool,
}

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
}

impl ColorBy {
    /// As the colour chooser's option value: `none`, `cat:FIELD` or `num:FIELD`.
    pub fn key(&self) -> String {
        match self {
            ColorBy::Uniform => "none".to_owned(),
            ColorBy::Category(f) => format!("cat:{f}"),
            ColorBy::Numeric(f) => format!("num:{f}"),
        }
    }

    pub fn from_key(key: &str) -> Self {
        if let Some(f) = key.strip_prefix("cat:") {
            ColorBy::Category(f.to_owned())
        } else if let Some(f) = key.strip_prefix("num:") {
            ColorBy::Numeric(f.to_owned())
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

/// Width of a text in CSS px.
pub type MeasureText = Box<dyn Fn(&str) -> f32>;

/// A built map and what the labels looked like last frame.
pub struct MapView {
    pub summary: Summary,
    pub layer: DensityLayer,
    sides: HashMap<u64, Side>,
    widths: HashMap<String, f32>,
    /// Labels placed last frame, and those fading out (until the time given).
    last: Vec<LabelView>,
    leaving: Vec<(LabelView, f64)>,
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

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::default());
}

/// Run `f` with the engine. Must not be re-entered from inside `f`.
pub fn with<R>(f: impl FnOnce(&mut Engine) -> R) -> R {
    ENGINE.with(|e| f(&mut e.borrow_mut()))
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn device_pixel_ratio() -> f32 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio() as f32)
}

impl Engine {
    fn viewport(&self) -> Option<Viewport> {
        self.backend.as_ref().map(Backend::viewport)
    }

    /// Replace the scene (the old one is dropped only now, after the new one was built).
    pub fn install(&mut self, scene: Scene) {
        self.gpu_index = None;
        self.search_aids = None;
        self.selected = None;
        self.clear_map();
        if let Some(backend) = &mut self.backend {
            backend.fit_to_css_size();
            backend.upload(&scene.xs, &scene.ys, &scene.colors, scene.grid.order());
        }
        self.scene = Some(scene);
        self.rebuild_gpu_index();
        self.reset_view();
    }

    /// Keep the scene's vectors in `storage` from now on (converted a block at a time; the GPU
    /// index is rebuilt from them). The view, colours and map stay as they are.
    pub fn set_storage(
        &mut self,
        storage: vecscape_core::data::store::Storage,
    ) -> Result<(), String> {
        let Some(scene) = &mut self.scene else {
            return Ok(());
        };
        let converted = scene
            .dataset
            .vectors
            .convert(&scene.dataset.name, storage)
            .map_err(|e| e.to_string())?;
        scene.dataset.vectors = converted;
        self.gpu_index = None;
        self.search_aids = None;
        self.rebuild_gpu_index();
        Ok(())
    }

    /// Rank neighbours by `metric` from now on (the GPU index is rebuilt for it).
    pub fn set_metric(&mut self, metric: Metric) {
        if metric == self.metric {
            return;
        }
        self.metric = metric;
        self.gpu_index = None;
        self.search_aids = None;
        self.rebuild_gpu_index();
    }

    /// Upload the scene's vectors for neighbour search on the GPU, when compute runs there
    /// ([`Engine::compute_context`]); the CPU search serves otherwise.
    fn rebuild_gpu_index(&mut self) {
        self.gpu_index = None;
        let (Some(ctx), Some(scene)) = (self.compute_context(), &self.scene) else {
            return;
        };
        match GpuFlatIndex::from_vectors(&ctx, &scene.dataset.vectors, self.metric, None) {
            Ok(index) => self.gpu_index = Some(Rc::new(index)),
            Err(e) => log::warn!("neighbour search stays on the CPU: {e}"),
        }
    }

    /// The WebGPU context for compute: the live backend's, unless its adapter is a CPU emulation
    /// (SwiftShader, WARP), which computes far slower than the wasm kernels and is used only when
    /// `?backend=webgpu` forces it ([`Engine::compute_on_emulated`]). See `crate::compute`.
    pub fn compute_context(&self) -> Option<vecscape_gpu::GpuContext> {
        self.gpu_context()
            .filter(|ctx| self.compute_on_emulated || !ctx.is_emulated())
    }

    /// The WebGPU context, when that backend is live (drawing, and the device-lost test).
    pub fn gpu_context(&self) -> Option<vecscape_gpu::GpuContext> {
        self.backend.as_ref()?.gpu_context().cloned()
    }

    /// Move the points to new 2-D positions (another projection) and fit the view.
    pub fn set_positions(&mut self, xs: Vec<f32>, ys: Vec<f32>, explained: Vec<f64>) {
        let Some(scene) = &mut self.scene else {
            return;
        };
        if xs.len() != scene.xs.len() || ys.len() != scene.ys.len() {
            return;
        }
        self.clear_map();
        let Some(scene) = &mut self.scene else {
            return;
        };
        scene.grid = GridIndex::build(&xs, &ys, 4);
        scene.bounds = Bounds::of_points(&xs, &ys);
        scene.xs = xs;
        scene.ys = ys;
        scene.explained_variance_ratio = explained;
        if let Some(backend) = &mut self.backend {
            backend.upload(&scene.xs, &scene.ys, &scene.colors, scene.grid.order());
        }
        self.reset_view();
    }

    /// Colour the points by `by`, hiding the categories in `hidden`; returns the legend.
    pub fn recolor(&mut self, by: ColorBy, hidden: std::collections::HashSet<u32>) -> Legend {
        self.color_by = by;
        self.hidden = hidden;
        let Some(scene) = &mut self.scene else {
            return Legend::None;
        };
        let meta = &scene.dataset.meta;
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
                    let mut order: Vec<u32> = (0..cat.names.len() as u32).collect();
                    order.sort_by(|a, b| {
                        counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b))
                    });
                    let entries = order
                        .iter()
                        .take(LEGEND_ENTRIES)
                        .map(|&code| LegendEntry {
                            code,
                            name: cat.names[code as usize].clone(),
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
        scene.colors = colors;
        if let Some(backend) = &mut self.backend {
            backend.upload(&scene.xs, &scene.ys, &scene.colors, scene.grid.order());
        }
        legend
    }

    /// Show only the points whose time falls in `window` (all with `None`), with the density and
    /// contours of just those points; returns how many are shown.
    pub fn set_time_window(&mut self, window: Option<(f64, f64)>) -> usize {
        use vecscape_core::map::density;
        self.time_window = window;
        let by = self.color_by.clone();
        let hidden = self.hidden.clone();
        self.recolor(by, hidden);
        let (Some(scene), Some(map)) = (&self.scene, &self.map) else {
            return 0;
        };
        let Some(time) = &scene.dataset.meta.time else {
            return scene.xs.len();
        };
        let layer = match window {
            None => map.layer.clone(),
            Some((start, end)) => {
                let (xs, ys): (Vec<f32>, Vec<f32>) = scene
                    .xs
                    .iter()
                    .zip(&scene.ys)
                    .zip(&time.values)
                    .filter(|(_, t)| **t >= start && **t < end)
                    .map(|((x, y), _)| (*x, *y))
                    .unzip();
                // Same grid and kernel as the whole map, so the periods compare.
                let spec = map.summary.density.spec;
                let sigma = map.summary.density.sigma;
                let grid =
                    (!xs.is_empty()).then(|| density::kde_binned_sigma(&xs, &ys, &spec, sigma));
                match grid {
                    Some(grid) => {
                        let levels = map.summary.contours.len();
                        let contours =
                            density::contours(&grid, &density::thresholds(&grid, levels))
                                .unwrap_or_default();
                        DensityLayer::new(&grid, &contours)
                    }
                    None => DensityLayer {
                        values: vec![0.0; map.layer.values.len()],
                        segments: Vec::new(),
                        ..map.layer.clone()
                    },
                }
            }
        };
        let shown = match window {
            None => scene.xs.len(),
            Some((start, end)) => time
                .values
                .iter()
                .filter(|t| **t >= start && **t < end)
                .count(),
        };
        if let Some(backend) = &mut self.backend {
            backend.set_density(Some(&layer));
        }
        shown
    }

    /// Swap in another backend (the CPU one after the WebGPU device was lost), keeping the
    /// scene, the map, the time window and the view: the points and the density shown are
    /// handed to the new backend, and GPU-held state (the neighbour index) is dropped.
    pub fn replace_backend(&mut self, backend: Backend) {
        self.gpu_index = None;
        self.backend = Some(backend);
        if let (Some(backend), Some(scene)) = (&mut self.backend, &self.scene) {
            backend.fit_to_css_size();
            backend.upload(&scene.xs, &scene.ys, &scene.colors, scene.grid.order());
        }
        if let (Some(backend), Some(map)) = (&mut self.backend, &self.map) {
            backend.set_density(Some(&map.layer));
        }
        if self.time_window.is_some() {
            self.set_time_window(self.time_window);
        }
    }

    /// A new layout: forget the summary built for the old one.
    pub fn clear_map(&mut self) {
        self.map = None;
        self.map_generation += 1;
        if let Some(backend) = &mut self.backend {
            backend.set_density(None);
        }
    }

    /// Show a built map.
    pub fn set_map(&mut self, map: MapView) {
        if let Some(backend) = &mut self.backend {
            backend.set_density(Some(&map.layer));
        }
        self.map = Some(map);
        if self.time_window.is_some() {
            // The density of the period shown, on the new map's grid.
            self.set_time_window(self.time_window);
        }
    }

    /// Labels and tile grid for the current view.
    pub fn overlay(&mut self) -> Overlay {
        let (Some(map), Some(camera), Some(viewport)) = (
            self.map.as_mut(),
            self.camera,
            self.backend.as_ref().map(Backend::viewport),
        ) else {
            return Overlay::default();
        };
        let dpr = device_pixel_ratio();
        let px_per_unit = f64::from(camera.px_per_world / dpr);
        let Some(level) = map.summary.level_for_zoom(px_per_unit, LABEL_TILE_CSS_PX) else {
            return Overlay::default();
        };
        let extent = map.summary.extent;
        let tile_world = extent.size / f64::from(1u32 << level.level);
        let css = |world: [f32; 2]| {
            let p = camera.screen_from_world(viewport, world);
            [p[0] / dpr, p[1] / dpr]
        };
        let grid = self.layers.grid.then(|| {
            let corner = css([extent.x0 as f32, extent.y0 as f32]);
            ((tile_world * px_per_unit) as f32, corner)
        });
        if !self.layers.labels {
            return Overlay {
                labels: Vec::new(),
                level: Some(level.level),
                grid,
            };
        }
        let view = [
            viewport.width_px as f32 / dpr,
            viewport.height_px as f32 / dpr,
        ];
        let measure = self.measure.as_deref();
        let mut candidates = Vec::new();
        let mut texts: HashMap<u64, String> = HashMap::new();
        for t in &level.topics {
            let b = extent.tile_box(level.level, t.ix, t.iy);
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            let anchor = css([cx as f32, cy as f32]);
            if anchor[0] < 0.0 || anchor[1] < 0.0 || anchor[0] > view[0] || anchor[1] > view[1] {
                continue;
            }
            let text = t.label(4);
            if text.is_empty() {
                continue;
            }
            let width = *map
                .widths
                .entry(text.clone())
                .or_insert_with(|| measure.map_or(text.chars().count() as f32 * 7.0, |m| m(&text)));
            let id = (u64::from(level.level) << 48) | (u64::from(t.ix) << 24) | u64::from(t.iy);
            candidates.push(Candidate {
                id,
                anchor,
                size: [width + 8.0, LABEL_HEIGHT_CSS_PX],
                priority: map.layer.sample(cx as f32, cy as f32),
            });
            texts.insert(id, text);
        }
        let placed = labels::place(&candidates, &map.sides, self.layers.max_labels, view);
        map.sides = placed.iter().map(|p| (p.id, p.side)).collect();
        let current: Vec<LabelView> = placed
            .into_iter()
            .map(|p| LabelView {
                id: p.id,
                text: texts.remove(&p.id).unwrap_or_default(),
                level: level.level,
                left: p.rect[0],
                top: p.rect[1],
                leaving: false,
            })
            .collect();
        // Labels dropped this frame fade out where they were; a label placed again is back.
        let now = now_ms();
        let placed_ids: std::collections::HashSet<u64> = current.iter().map(|l| l.id).collect();
        for old in std::mem::take(&mut map.last) {
            if !placed_ids.contains(&old.id) {
                map.leaving.push((
                    LabelView {
                        leaving: true,
                        ..old
                    },
                    now + LABEL_FADE_MS,
                ));
            }
        }
        map.leaving
            .retain(|(l, until)| *until > now && !placed_ids.contains(&l.id));
        map.last = current.clone();
        let mut labels = current;
        labels.extend(map.leaving.iter().map(|(l, _)| l.clone()));
        Overlay {
            labels,
            level: Some(level.level),
            grid,
        }
    }

    /// Fit the whole scene in the viewport.
    pub fn reset_view(&mut self) {
        let (Some(scene), Some(viewport)) = (&self.scene, self.viewport()) else {
            return;
        };
        let camera = Camera::fit(
            scene.bounds,
            viewport,
            FIT_MARGIN_CSS_PX * device_pixel_ratio(),
        );
        self.fitted_px_per_world = camera.px_per_world;
        self.camera = Some(camera);
    }

    pub fn on_resize(&mut self) {
        if let Some(backend) = &mut self.backend {
            if backend.fit_to_css_size() && self.camera.is_none() {
                self.reset_view();
            }
        }
    }

    pub fn pan_css(&mut self, dx: f32, dy: f32) {
        let dpr = device_pixel_ratio();
        if let Some(camera) = &mut self.camera {
            camera.pan_by_px([dx * dpr, dy * dpr]);
        }
    }

    pub fn zoom_css(&mut self, anchor: [f32; 2], factor: f32) {
        let dpr = device_pixel_ratio();
        let fitted = self.fitted_px_per_world;
        let viewport = self.viewport();
        if let (Some(camera), Some(viewport)) = (self.camera.as_mut(), viewport) {
            camera.zoom_about(viewport, [anchor[0] * dpr, anchor[1] * dpr], factor, fitted);
        }
    }

    /// Row under the cursor (CSS pixels relative to the canvas), if any.
    pub fn pick_css(&self, at: [f32; 2]) -> Option<usize> {
        let dpr = device_pixel_ratio();
        let (scene, camera, viewport) = (self.scene.as_ref()?, self.camera?, self.viewport()?);
        let world = camera.world_from_screen(viewport, [at[0] * dpr, at[1] * dpr]);
        let radius_world = HOVER_RADIUS_CSS_PX * dpr / camera.px_per_world;
        scene
            .grid
            .nearest(&scene.xs, &scene.ys, world, radius_world)
            .map(|i| i as usize)
    }

    /// The GPU index of the scene, if neighbour search can run on the GPU.
    pub fn gpu_index(&self) -> Option<Rc<GpuFlatIndex>> {
        self.gpu_index.clone()
    }

    /// Stop using the GPU for neighbour search (after it failed); the CPU path takes over.
    pub fn drop_gpu_index(&mut self) {
        self.gpu_index = None;
    }

    /// The `k` exact nearest rows to `row` in the original vector space, nearest first.
    /// The first search builds what later ones reuse: the norms and, for f32 vectors whose
    /// bounds take at most [`MAX_BOUNDS_BYTES`], the int8 bounds that let the exact scan skip
    /// rows (a quarter of the bytes read, the same neighbours).
    pub fn neighbors(&mut self, row: usize, k: usize) -> Result<Vec<(usize, f32)>, String> {
        let scene = self.scene.as_ref().ok_or("no data loaded")?;
        let vectors = &scene.dataset.vectors;
        // Dropped whenever the vectors, their storage or the metric change.
        if self.search_aids.is_none() {
            let (rows, dims) = vectors.dim();
            let bounded = vectors.as_f32().is_some()
                && RowBounds::bytes_for(rows, dims, self.metric) <= MAX_BOUNDS_BYTES;
            self.search_aids = Some(SearchAids::build(vectors, self.metric, bounded));
        }
        let aids = self.search_aids.as_ref().ok_or("no search aids")?;
        let index = FlatIndex::with_aids(vectors, aids).map_err(|e| e.to_string())?;
        let found = index.search_row(row, k).map_err(|e| e.to_string())?;
        Ok(found
            .ids
            .iter()
            .zip(&found.scores)
            .map(|(id, score)| (*id as usize, *score))
            .collect())
    }

    /// Position of the selected row in CSS pixels, when one is selected.
    fn selected_css(&self) -> Option<[f32; 2]> {
        let dpr = device_pixel_ratio();
        let (scene, camera, viewport) = (self.scene.as_ref()?, self.camera?, self.viewport()?);
        let row = self.selected?;
        let p = camera.screen_from_world(viewport, [*scene.xs.get(row)?, *scene.ys.get(row)?]);
        Some([p[0] / dpr, p[1] / dpr])
    }

    /// Every point's position in world (projection) units, interleaved x, y.
    pub fn world_positions(&self) -> Vec<f32> {
        let Some(scene) = &self.scene else {
            return Vec::new();
        };
        scene
            .xs
            .iter()
            .zip(&scene.ys)
            .flat_map(|(&x, &y)| [x, y])
            .collect()
    }

    /// Every point's position in CSS pixels relative to the canvas (x0, y0, x1, y1, …).
    pub fn screen_positions_css(&self) -> Vec<f32> {
        let dpr = device_pixel_ratio();
        let (Some(scene), Some(camera), Some(viewport)) =
            (&self.scene, self.camera, self.viewport())
        else {
            return Vec::new();
        };
        scene
            .xs
            .iter()
            .zip(&scene.ys)
            .flat_map(|(&x, &y)| {
                let p = camera.screen_from_world(viewport, [x, y]);
                [p[0] / dpr, p[1] / dpr]
            })
            .collect()
    }

    pub fn draw(&mut self) -> Result<(), String> {
        let (Some(backend), Some(scene), Some(camera)) = (
            self.backend.as_mut(),
            self.scene.as_ref(),
            self.camera.as_ref(),
        ) else {
            return Ok(());
        };
        backend.draw(&FrameInput {
            camera,
            style: PointStyle {
                radius_px: point_radius_css(scene.xs.len()) * device_pixel_ratio(),
                alpha: 200,
            },
            layers: Layers {
                points: self.layers.points,
                contours: self.layers.contours,
            },
        })
    }
}

/// Schedule one redraw on the next animation frame (several requests coalesce).
pub fn request_redraw() {
    let already = with(|e| std::mem::replace(&mut e.redraw_pending, true));
    if already {
        return;
    }
    leptos::prelude::request_animation_frame(|| {
        let (result, marker, at, overlay, shown) = with(|e| {
            e.redraw_pending = false;
            // The canvas may have changed size since the last resize notice (a banner came or
            // went while the observer's callback read a stale layout): match it before drawing.
            e.on_resize();
            (e.draw(), e.marker, e.selected_css(), e.overlay, e.overlay())
        });
        let fading = shown.labels.iter().any(|l| l.leaving);
        if let Some(overlay) = overlay {
            if overlay.get_untracked() != shown {
                overlay.set(shown);
            }
        }
        if fading {
            // Once the fade is over, draw again so the faded labels are removed.
            gloo_timers::callback::Timeout::new(LABEL_FADE_MS as u32 + 20, request_redraw).forget();
        }
        // Set outside the borrow: the view may read the engine when the signal changes.
        if let Some(marker) = marker {
            if marker.get_untracked() != at {
                marker.set(at);
            }
        }
        if let Err(message) = result {
            log::warn!("{message}");
        }
    });
}
