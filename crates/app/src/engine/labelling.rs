//! The map on screen: installing a built map and placing its labels after each frame.

use super::map_view::{
    LabelView, MapView, Overlay, LABEL_FADE_MS, LABEL_HEIGHT_CSS_PX, LABEL_TILE_CSS_PX,
};
use super::{device_pixel_ratio, Engine};
use crate::backend::Backend;
use crate::util::now_ms;
use vecscape_core::map::labels;

impl Engine {
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
        // The density of the points the filters show, on the new map's grid.
        self.density_of = None;
        self.refresh_density();
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
        let widths = &mut map.widths;
        let style = labels::LabelStyle {
            max_labels: self.layers.max_labels,
            height: LABEL_HEIGHT_CSS_PX,
            ..labels::LabelStyle::default()
        };
        let obstacles = overlay_obstacles();
        let shown = labels::choose(
            level,
            &extent,
            css,
            view,
            &obstacles,
            &style,
            &map.sides,
            |text| {
                *widths.entry(text.to_owned()).or_insert_with(|| {
                    measure.map_or(text.chars().count() as f32 * 7.0, |m| m(text))
                })
            },
        );
        map.sides = shown.iter().map(|p| (p.id, p.side)).collect();
        let current: Vec<LabelView> = shown
            .into_iter()
            .map(|p| LabelView {
                id: p.id,
                text: p.text,
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
}

/// What is drawn over the map (the legend, the time controls), as boxes in the map's CSS pixels
/// with a small margin: labels keep clear of them.
fn overlay_obstacles() -> Vec<[f32; 4]> {
    const MARGIN: f64 = 4.0;
    let Some(map) = crate::util::element_by_id("map") else {
        return Vec::new();
    };
    let base = map.get_bounding_client_rect();
    ["legend", "time-controls"]
        .iter()
        .filter_map(|id| crate::util::element_by_id(id))
        .map(|e| e.get_bounding_client_rect())
        .filter(|r| r.width() > 0.0 && r.height() > 0.0)
        .map(|r| {
            [
                (r.left() - base.left() - MARGIN) as f32,
                (r.top() - base.top() - MARGIN) as f32,
                (r.right() - base.left() + MARGIN) as f32,
                (r.bottom() - base.top() + MARGIN) as f32,
            ]
        })
        .collect()
}
