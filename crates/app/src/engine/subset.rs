//! A selection laid out on its own, in place of the whole map: the rows shown, and the layouts to
//! go back to (a stack: a selection of a selection goes back one step at a time).

use super::{Engine, MapView};
use vecscape_core::view::select::RowSet;
use vecscape_core::view::spatial::GridIndex;

/// A layout put aside while a selection of it is shown on its own.
pub struct SavedLayout {
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    pub grid: GridIndex,
    pub explained: Vec<f64>,
    pub map: Option<MapView>,
    /// The camera as [`Engine::camera_state`] gave it.
    pub camera: Option<([f32; 2], f32)>,
    /// The rows shown then (`None`: all).
    pub subset: Option<RowSet>,
    /// What the status line said about it and its map.
    pub note: String,
    pub map_note: String,
}

impl Engine {
    /// Put the layout shown aside (to come back to) before `rows` are laid out on their own.
    pub fn save_layout(&mut self, note: String, map_note: String) -> bool {
        let Some(scene) = &self.scene else {
            return false;
        };
        let saved = SavedLayout {
            xs: scene.xs.clone(),
            ys: scene.ys.clone(),
            grid: scene.grid.clone(),
            explained: scene.explained_variance_ratio.clone(),
            map: self.map.take(),
            camera: self.camera_state(),
            subset: self.subset.clone(),
            note,
            map_note,
        };
        self.saved_layouts.push(saved);
        true
    }

    /// Show only `rows` (the rest is not drawn, picked or searched): they were laid out on
    /// their own.
    pub fn show_subset(&mut self, rows: RowSet) {
        self.subset = Some(rows);
        self.selection = None;
        self.matches = None;
        self.refresh_colors();
    }

    /// Go back to the layout put aside last: its positions, map, camera and the rows it showed.
    /// Returns it with the rows that were shown on their own, or `None` when nothing was saved.
    pub fn restore_layout(&mut self) -> Option<(SavedLayout, Option<RowSet>)> {
        let mut saved = self.saved_layouts.pop()?;
        let shown = std::mem::replace(&mut self.subset, saved.subset.clone());
        let positions = (saved.xs.clone(), saved.ys.clone(), saved.grid.clone());
        self.set_positions(positions, saved.explained.clone());
        if let Some(map) = saved.map.take() {
            self.set_map(map);
        }
        if let Some((center, zoom)) = saved.camera {
            self.set_camera_state(center, zoom);
        }
        self.refresh_colors();
        Some((saved, shown))
    }

    /// Forget the layouts put aside (the whole data was laid out again, or new data came).
    pub fn forget_saved_layouts(&mut self) {
        self.saved_layouts.clear();
        self.subset = None;
    }

    /// How many layouts wait to be gone back to.
    pub fn saved_depth(&self) -> usize {
        self.saved_layouts.len()
    }
}
