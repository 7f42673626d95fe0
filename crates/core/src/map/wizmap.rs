//! WizMap's `grid.json`: read one (its density grid and precomputed topics become a
//! [`Summary`]) and write ours in the same shape, so a WizMap viewer can show it.
//!
//! The fields used: `grid` (rows along y), `xRange`, `yRange`, `padded`, `sampleSize`,
//! `totalPointSize`, `embeddingName` and `topic` = `{extent: [[x0, y0], [x1, y1]], range:
//! [xmin, ymin, xmax, ymax], data: {level: [[x, y, "w1-w2-w3-w4"], …]}}`. Other fields (group
//! and time grids) are kept as they were when a file is read and written back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::density::{self, DensityGrid, GridSpec};
use super::keywords::TileTopic;
use super::quadtree::{Domain, Extent};
use super::{LevelTopics, MapError, Summary};

/// The deepest zoom level read from a `grid.json` (tiles are numbered with 32 bits; WizMap
/// writes about 20).
pub const MAX_LEVEL: u32 = 30;

/// WizMap's `grid.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GridJson {
    pub grid: Vec<Vec<f64>>,
    #[serde(rename = "xRange")]
    pub x_range: [f64; 2],
    #[serde(rename = "yRange")]
    pub y_range: [f64; 2],
    #[serde(default)]
    pub padded: bool,
    #[serde(rename = "sampleSize", default)]
    pub sample_size: usize,
    #[serde(rename = "totalPointSize", default)]
    pub total_point_size: usize,
    pub topic: TopicJson,
    #[serde(rename = "embeddingName", default)]
    pub embedding_name: String,
    /// Everything else, as it was.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// `grid.json`'s `topic`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopicJson {
    pub extent: [[f64; 2]; 2],
    #[serde(default)]
    pub range: Option<[f64; 4]>,
    /// Level (as a string key) → `[x, y, name]` per tile.
    pub data: BTreeMap<String, Vec<(f64, f64, String)>>,
}

impl GridJson {
    /// Parse `bytes` (a `grid.json`), naming line and column on error.
    pub fn parse(bytes: &[u8]) -> Result<Self, MapError> {
        let grid: GridJson = serde_json::from_slice(bytes).map_err(|e| {
            MapError::GridJson(format!("line {}, column {}: {e}", e.line(), e.column()))
        })?;
        let n = grid.grid.len();
        if n < 2 {
            return Err(MapError::GridJson(format!(
                "grid: expected at least 2 rows, found {n}"
            )));
        }
        if let Some((row, r)) = grid.grid.iter().enumerate().find(|(_, r)| r.len() != n) {
            return Err(MapError::GridJson(format!(
                "grid row {row}: expected {n} values (a square grid), found {}",
                r.len()
            )));
        }
        for key in grid.topic.data.keys() {
            if key.parse::<u32>().is_err() {
                return Err(MapError::GridJson(format!(
                    "topic.data: level {key:?} is not a whole number"
                )));
            }
        }
        Ok(grid)
    }

    /// Ours, in WizMap's shape: the density grid (4 significant decimals are not enough for
    /// small densities, so values are written as computed) and every level's top-4 names.
    pub fn from_summary(summary: &Summary, embedding_name: &str, points: usize) -> Self {
        let d = &summary.density;
        let n = d.spec.size;
        let grid = (0..n)
            .map(|j| d.values[j * n..(j + 1) * n].to_vec())
            .collect();
        let data = summary
            .levels
            .iter()
            .map(|l| {
                let tiles = l
                    .topics
                    .iter()
                    .map(|t| {
                        let b = summary.extent.tile_box(l.level, t.ix, t.iy);
                        ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, t.label(4))
                    })
                    .collect();
                (l.level.to_string(), tiles)
            })
            .collect();
        GridJson {
            grid,
            x_range: [d.spec.x_min, d.spec.x_max],
            y_range: [d.spec.y_min, d.spec.y_max],
            padded: true,
            sample_size: points,
            total_point_size: points,
            topic: TopicJson {
                extent: summary.extent.corners(),
                range: Some([
                    summary.domain.x_min,
                    summary.domain.y_min,
                    summary.domain.x_max,
                    summary.domain.y_max,
                ]),
                data,
            },
            embedding_name: embedding_name.to_owned(),
            other: serde_json::Map::new(),
        }
    }

    /// As a [`Summary`]: the given grid and topics (words split from the names, no scores),
    /// contours computed from the grid.
    pub fn to_summary(&self, contour_levels: usize) -> Result<Summary, MapError> {
        let n = self.grid.len();
        let spec = GridSpec {
            x_min: self.x_range[0],
            x_max: self.x_range[1],
            y_min: self.y_range[0],
            y_max: self.y_range[1],
            size: n,
        };
        let density = DensityGrid {
            spec,
            sigma: (0.0, 0.0),
            values: self.grid.iter().flatten().copied().collect(),
        };
        let [[x0, y0], [x1, _]] = self.topic.extent;
        let extent = Extent {
            x0,
            y0,
            size: x1 - x0,
        };
        if extent.size.is_nan() || extent.size <= 0.0 {
            return Err(MapError::GridJson(format!(
                "topic.extent: width {} is not positive",
                extent.size
            )));
        }
        let domain = match self.topic.range {
            Some([x_min, y_min, x_max, y_max]) => Domain {
                x_min,
                x_max,
                y_min,
                y_max,
            },
            None => Domain {
                x_min: spec.x_min,
                x_max: spec.x_max,
                y_min: spec.y_min,
                y_max: spec.y_max,
            },
        };
        if let Some(deep) = self
            .topic
            .data
            .keys()
            .filter_map(|k| k.parse::<u32>().ok())
            .find(|&level| level > MAX_LEVEL)
        {
            return Err(MapError::GridJson(format!(
                "topic.data: level {deep} is deeper than {MAX_LEVEL}, the deepest a map has"
            )));
        }
        let mut levels: Vec<LevelTopics> = self
            .topic
            .data
            .iter()
            .filter_map(|(k, tiles)| Some((k.parse::<u32>().ok()?, tiles)))
            .map(|(level, tiles)| LevelTopics {
                level,
                topics: tiles
                    .iter()
                    .map(|(x, y, name)| {
                        let (ix, iy) = extent.tile_of(level, *x, *y);
                        TileTopic {
                            ix,
                            iy,
                            count: 0,
                            centre: None,
                            words: name
                                .split('-')
                                .filter(|w| !w.is_empty())
                                .map(|w| (w.to_owned(), 0.0))
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect();
        levels.sort_by_key(|l| l.level);
        let thresholds = density::thresholds(&density, contour_levels);
        let contours = density::contours(&density, &thresholds)?;
        Ok(Summary {
            extent,
            domain,
            levels,
            density,
            contours,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::MapOptions;

    #[test]
    fn written_and_read_back() {
        let xs: Vec<f32> = (0..300).map(|i| (i % 17) as f32 * 0.3).collect();
        let ys: Vec<f32> = (0..300).map(|i| (i % 13) as f32 * 0.2).collect();
        let texts: Vec<&str> = (0..300)
            .map(|i| {
                if i % 17 < 8 {
                    "left side words"
                } else {
                    "right hand terms"
                }
            })
            .collect();
        let summary = Summary::build(&xs, &ys, &texts, &MapOptions::default(), |_| true)
            .unwrap()
            .unwrap();
        let json = GridJson::from_summary(&summary, "test", 300);
        let text = serde_json::to_string(&json).unwrap();
        let back = GridJson::parse(text.as_bytes()).unwrap();
        // Floats go through decimal text: equal to the last bit or two.
        assert_eq!(back.topic, json.topic);
        assert_eq!((back.x_range, back.y_range), (json.x_range, json.y_range));
        let close = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(1e-300))
        };
        assert!(back.grid.iter().zip(&json.grid).all(|(a, b)| close(a, b)));
        let again = back.to_summary(12).unwrap();
        assert_eq!(again.extent, summary.extent);
        assert_eq!(again.levels.len(), summary.levels.len());
        for (a, b) in again.levels.iter().zip(&summary.levels) {
            assert_eq!(a.level, b.level);
            let ta: Vec<_> = a.topics.iter().map(|t| (t.ix, t.iy, t.label(4))).collect();
            let tb: Vec<_> = b.topics.iter().map(|t| (t.ix, t.iy, t.label(4))).collect();
            assert_eq!(ta, tb);
        }
        assert!(close(&again.density.values, &summary.density.values));
    }

    #[test]
    fn bad_grid_json_names_the_place() {
        let e = GridJson::parse(b"{\"grid\": [[1, 2], [3]], \"xRange\": [0, 1], \"yRange\": [0, 1], \"topic\": {\"extent\": [[0, 0], [1, 1]], \"data\": {}}}")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "grid row 1: expected 2 values (a square grid), found 1"
        );
        let e = GridJson::parse(b"{\"grid\": [[1, 2],\n [3, x]]}").unwrap_err();
        assert!(e.to_string().starts_with("line 2, column 6:"), "{e}");
    }
}

/// True for a file that should be read as WizMap's `grid.json` (a `.json` named like one).
pub fn is_grid_file(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.ends_with(".json") && lower.contains("grid")
}

#[cfg(test)]
mod grid_file_tests {
    #[test]
    fn grid_files_are_json_named_grid() {
        assert!(super::is_grid_file("grid.json"));
        assert!(super::is_grid_file("My-Grid.JSON"));
        assert!(!super::is_grid_file("grid.jsonl"));
        assert!(!super::is_grid_file("projector_config.json"));
    }
}
