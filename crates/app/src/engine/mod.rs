//! State that stays outside the reactive graph: the render backend, the loaded scene (layout,
//! colours, hover index, metadata; the vectors are in the compute worker) and the camera.
//! Accessed through [`with`] on the UI thread.

use crate::backend::{Backend, FrameInput, Layers};
use leptos::prelude::{GetUntracked, Set};
use std::cell::RefCell;
use vecscape_core::search::types::Metric;
use vecscape_core::view::camera::{Camera, Viewport};
use vecscape_core::view::raster::PointStyle;
use vecscape_core::view::select::RowSet;
use vecscape_core::view::spatial::GridIndex;

mod colouring;
mod labelling;
mod map_view;
mod scene;
mod style;
mod subset;

use map_view::LABEL_FADE_MS;
pub use map_view::{MapLayers, MapView, MeasureText, Overlay};
pub use scene::{point_radius_css, Scene};
pub use style::{ColorBy, Legend, LABEL_FONT};
pub use subset::SavedLayout;

/// Hover picks the nearest point within this many CSS pixels of the cursor.
pub const HOVER_RADIUS_CSS_PX: f32 = 8.0;
const FIT_MARGIN_CSS_PX: f32 = 24.0;
/// Flying to a search result zooms in to at least this many times the fitted scale.
pub const FLY_ZOOM: f32 = 6.0;

#[derive(Default)]
pub struct Engine {
    pub backend: Option<Backend>,
    pub scene: Option<Scene>,
    camera: Option<Camera>,
    fitted_px_per_world: f32,
    redraw_pending: bool,
    /// The clicked row, marked on the map.
    pub selected: Option<usize>,
    /// Where the view shows the selection marker (CSS px), updated after every frame.
    pub marker: Option<leptos::prelude::RwSignal<Option<[f32; 2]>>>,
    /// The metric neighbour search ranks by (the worker is told when it changes).
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
    /// Bumped when a load begins: an older load still in flight stops at its next step.
    pub load_generation: u64,
    /// Bumped when a projection begins or a scene is installed: an older projection's result
    /// is dropped.
    pub projection_generation: u64,
    /// Bumped when a scene is installed: answers about the old scene's rows are dropped.
    pub scene_generation: u64,
    /// The rows selected (lasso, rectangle, a category, the search's matches).
    pub selection: Option<RowSet>,
    /// Every row the last search found.
    pub matches: Option<RowSet>,
    /// Show the matches on the map (the rest dimmed).
    pub show_matches: bool,
    /// A row marked while its entry in a list is hovered.
    pub hovered_row: Option<usize>,
    /// The dimension of the vectors (the worker holds them).
    pub dims: usize,
    /// Numeric filters: only points whose value of the field (`None`: the time) lies in
    /// `[lo, hi]` are drawn.
    pub ranges: Vec<(Option<String>, f64, f64)>,
    /// Only these rows are shown: a selection laid out on its own ([`SavedLayout`]s to go
    /// back to).
    pub subset: Option<RowSet>,
    saved_layouts: Vec<SavedLayout>,
    /// Which rows the density shown is of (a hash of the drawn rows): it is redone when the
    /// filters change them.
    density_of: Option<u64>,
    /// The density shown: of how many rows, its values' sum and its contour segments (the test
    /// hook reads it).
    pub density_shown: (usize, f64, usize),
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

    /// Replace the scene (the old one is dropped only now, after the new one was built). The
    /// points reach the backend with their colours ([`Engine::recolor`], which follows).
    pub fn install(&mut self, scene: Scene) {
        self.projection_generation += 1;
        self.scene_generation += 1;
        self.selected = None;
        self.selection = None;
        self.matches = None;
        self.hovered_row = None;
        self.ranges.clear();
        self.forget_saved_layouts();
        self.clear_map();
        if let Some(backend) = &mut self.backend {
            backend.fit_to_css_size();
        }
        self.scene = Some(scene);
        self.reset_view();
    }

    /// Move the points to new 2-D positions (another projection; `grid` is their hover index)
    /// and fit the view.
    pub fn set_positions(
        &mut self,
        (xs, ys, grid): (Vec<f32>, Vec<f32>, GridIndex),
        explained: Vec<f64>,
    ) {
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
        scene.bounds = grid.bounds();
        scene.grid = grid;
        scene.xs = xs;
        scene.ys = ys;
        scene.explained_variance_ratio = explained;
        scene.faithfulness = None;
        self.upload_points();
        self.reset_view();
    }

    /// Swap in another backend (the CPU one after the WebGPU device was lost), keeping the
    /// scene, the map, the time window and the view: the points and the density shown are
    /// handed to the new backend.
    pub fn replace_backend(&mut self, backend: Backend) {
        self.backend = Some(backend);
        if let Some(backend) = &mut self.backend {
            backend.fit_to_css_size();
        }
        self.upload_points();
        self.density_of = None;
        self.refresh_density();
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

    /// Centre the view on `row`, zoomed in to at least [`FLY_ZOOM`] times the fitted scale.
    pub fn fly_to(&mut self, row: usize) {
        let (Some(scene), Some(camera)) = (&self.scene, &mut self.camera) else {
            return;
        };
        let (Some(&x), Some(&y)) = (scene.xs.get(row), scene.ys.get(row)) else {
            return;
        };
        camera.center_world = [x, y];
        camera.px_per_world = camera.px_per_world.max(self.fitted_px_per_world * FLY_ZOOM);
    }

    /// The camera as a link keeps it: the centre (world units) and the zoom relative to the
    /// fitted view.
    pub fn camera_state(&self) -> Option<([f32; 2], f32)> {
        let camera = self.camera?;
        let fitted = self.fitted_px_per_world;
        (fitted > 0.0).then(|| (camera.center_world, camera.px_per_world / fitted))
    }

    /// Put the camera where [`Engine::camera_state`] said (finite values only).
    pub fn set_camera_state(&mut self, center: [f32; 2], zoom: f32) {
        let fitted = self.fitted_px_per_world;
        if let Some(camera) = &mut self.camera {
            if center.iter().all(|v| v.is_finite()) {
                camera.center_world = center;
            }
            if zoom.is_finite() && zoom > 0.0 {
                camera.px_per_world = fitted * zoom.clamp(1e-3, 1e6);
            }
        }
    }

    /// Zoom by `factor` about the middle of the view (the keyboard's `+` and `-`).
    pub fn zoom_middle(&mut self, factor: f32) {
        let dpr = device_pixel_ratio();
        if let Some(v) = self.viewport() {
            let middle = [
                v.width_px as f32 / dpr / 2.0,
                v.height_px as f32 / dpr / 2.0,
            ];
            self.zoom_css(middle, factor);
        }
    }

    /// The polygon `css` (CSS px on the canvas) in world units.
    pub fn world_from_css(&self, css: &[[f32; 2]]) -> Vec<[f32; 2]> {
        let dpr = device_pixel_ratio();
        let (Some(camera), Some(viewport)) = (self.camera, self.viewport()) else {
            return Vec::new();
        };
        css.iter()
            .map(|p| camera.world_from_screen(viewport, [p[0] * dpr, p[1] * dpr]))
            .collect()
    }

    /// Row under the cursor (CSS pixels relative to the canvas), if any.
    pub fn pick_css(&self, at: [f32; 2]) -> Option<usize> {
        let dpr = device_pixel_ratio();
        let (scene, camera, viewport) = (self.scene.as_ref()?, self.camera?, self.viewport()?);
        let world = camera.world_from_screen(viewport, [at[0] * dpr, at[1] * dpr]);
        let radius_world = HOVER_RADIUS_CSS_PX * dpr / camera.px_per_world;
        // Only the points drawn: filtered-out ones are neither seen nor picked.
        let drawn = |id: u32| scene.colors.get(id as usize).is_some_and(|c| c[3] != 0);
        scene
            .grid
            .nearest_where(&scene.xs, &scene.ys, world, radius_world, drawn)
            .map(|i| i as usize)
    }

    /// Position of the selected row in CSS pixels, when one is selected.
    fn selected_css(&self) -> Option<[f32; 2]> {
        let dpr = device_pixel_ratio();
        let (scene, camera, viewport) = (self.scene.as_ref()?, self.camera?, self.viewport()?);
        let row = self.hovered_row.or(self.selected)?;
        let p = camera.screen_from_world(viewport, [*scene.xs.get(row)?, *scene.ys.get(row)?]);
        Some([p[0] / dpr, p[1] / dpr])
    }

    /// Every point's position in world (projection) units, interleaved x, y.
    #[cfg(feature = "hooks")]
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
    #[cfg(feature = "hooks")]
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

    /// The WebGPU context, when that backend is live (drawing, and the device-lost test).
    #[cfg(feature = "hooks")]
    pub fn gpu_context(&self) -> Option<vecscape_gpu::GpuContext> {
        self.backend.as_ref()?.gpu_context().cloned()
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
