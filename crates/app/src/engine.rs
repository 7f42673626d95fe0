//! State that stays outside the reactive graph: the render backend, the loaded scene (vectors,
//! projection, colours, hover index) and the camera. Accessed through [`with`] on the UI thread.

use crate::backend::{Backend, FrameInput};
use leptos::prelude::{GetUntracked, Set};
use std::cell::RefCell;
use std::rc::Rc;
use vecscape_core::camera::{Bounds, Camera, Viewport};
use vecscape_core::dataset::Dataset;
use vecscape_core::knn::{FlatIndex, Metric};
use vecscape_core::palette::{category_color, Rgba, UNCATEGORISED};
use vecscape_core::pca::{Pca, PcaSolver};
use vecscape_core::raster::PointStyle;
use vecscape_core::spatial::GridIndex;
use vecscape_gpu::GpuFlatIndex;

/// Hover picks the nearest point within this many CSS pixels of the cursor.
pub const HOVER_RADIUS_CSS_PX: f32 = 8.0;
/// Point radius in CSS pixels.
pub const POINT_RADIUS_CSS_PX: f32 = 2.5;
const FIT_MARGIN_CSS_PX: f32 = 24.0;

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

impl Scene {
    /// Project to 2-D (precomputed coordinates when the data has them, else PCA) and prepare
    /// colours and the hover index.
    pub fn build(dataset: Dataset) -> Result<Self, String> {
        let (xs, ys, explained_variance_ratio) = match &dataset.coords {
            Some(c) => (c.column(0).to_vec(), c.column(1).to_vec(), Vec::new()),
            None => {
                let pca = Pca::fit(dataset.vectors.view(), 2, PcaSolver::Auto)
                    .map_err(|e| format!("{}: {e}", dataset.name))?;
                let projected = pca.transform(dataset.vectors.view());
                (
                    projected.column(0).to_vec(),
                    projected.column(1).to_vec(),
                    pca.explained_variance_ratio,
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

#[derive(Default)]
pub struct Engine {
    pub backend: Option<Backend>,
    pub scene: Option<Scene>,
    /// The scene's vectors on the GPU, for neighbour search (WebGPU backend only).
    gpu_index: Option<Rc<GpuFlatIndex>>,
    camera: Option<Camera>,
    fitted_px_per_world: f32,
    redraw_pending: bool,
    /// The clicked row, marked on the map.
    pub selected: Option<usize>,
    /// Where the view shows the selection marker (CSS px), updated after every frame.
    pub marker: Option<leptos::prelude::RwSignal<Option<[f32; 2]>>>,
    /// The metric neighbour search ranks by.
    pub metric: Metric,
}

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::default());
}

/// Run `f` with the engine. Must not be re-entered from inside `f`.
pub fn with<R>(f: impl FnOnce(&mut Engine) -> R) -> R {
    ENGINE.with(|e| f(&mut e.borrow_mut()))
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
        self.selected = None;
        if let Some(backend) = &mut self.backend {
            backend.fit_to_css_size();
            backend.upload(&scene.xs, &scene.ys, &scene.colors);
            if let Some(ctx) = backend.gpu_context() {
                match GpuFlatIndex::new(ctx, &scene.dataset.vectors, self.metric, None) {
                    Ok(index) => self.gpu_index = Some(Rc::new(index)),
                    Err(e) => log::warn!("neighbour search stays on the CPU: {e}"),
                }
            }
        }
        self.scene = Some(scene);
        self.reset_view();
    }

    /// Rank neighbours by `metric` from now on (the GPU index is rebuilt for it).
    pub fn set_metric(&mut self, metric: Metric) {
        if metric == self.metric {
            return;
        }
        self.metric = metric;
        self.gpu_index = None;
        let (Some(backend), Some(scene)) = (&self.backend, &self.scene) else {
            return;
        };
        if let Some(ctx) = backend.gpu_context() {
            match GpuFlatIndex::new(ctx, &scene.dataset.vectors, metric, None) {
                Ok(index) => self.gpu_index = Some(Rc::new(index)),
                Err(e) => log::warn!("neighbour search stays on the CPU: {e}"),
            }
        }
    }

    /// The WebGPU context, when that backend is live.
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
        scene.grid = GridIndex::build(&xs, &ys, 4);
        scene.bounds = Bounds::of_points(&xs, &ys);
        scene.xs = xs;
        scene.ys = ys;
        scene.explained_variance_ratio = explained;
        if let Some(backend) = &mut self.backend {
            backend.upload(&scene.xs, &scene.ys, &scene.colors);
        }
        self.reset_view();
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
    pub fn neighbors(&self, row: usize, k: usize) -> Result<Vec<(usize, f32)>, String> {
        let scene = self.scene.as_ref().ok_or("no data loaded")?;
        let index = FlatIndex::new(&scene.dataset.vectors, self.metric);
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

    fn draw(&mut self) -> Result<(), String> {
        let (Some(backend), Some(scene), Some(camera)) = (
            self.backend.as_mut(),
            self.scene.as_ref(),
            self.camera.as_ref(),
        ) else {
            return Ok(());
        };
        backend.draw(&FrameInput {
            camera,
            xs: &scene.xs,
            ys: &scene.ys,
            colors: &scene.colors,
            style: PointStyle {
                radius_px: POINT_RADIUS_CSS_PX * device_pixel_ratio(),
                alpha: 200,
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
        let (result, marker, at) = with(|e| {
            e.redraw_pending = false;
            (e.draw(), e.marker, e.selected_css())
        });
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
