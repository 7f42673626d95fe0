//! The multi-resolution map: quadtree tiles over the 2-D layout, keyword summaries per tile per
//! level, a density grid with contours, and collision-free labels.
//!
//! [`Summary::build`] does the whole thing (natively for `vecscape map`, in the page for a
//! dropped file); [`wizmap`] reads and writes WizMap's `grid.json`.

pub mod density;
pub mod keywords;
pub mod labels;
pub mod layer;
pub mod quadtree;
pub mod wizmap;

use density::{Bandwidth, ContourLevel, DensityGrid, GridSpec};
use keywords::{Corpus, TileTopic, Tokenizer, Weighting};
use quadtree::{Domain, Extent, Quadtree};

/// What can go wrong building a map.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("no points to map")]
    Empty,
    #[error("row {row}: coordinate is NaN or infinite")]
    NotFinite { row: usize },
    #[error("{what}: expected {expected} rows, found {found}")]
    Mismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("{rows} points is more than a map holds (4 294 967 295)")]
    TooMany { rows: usize },
    #[error("bandwidth {0:?}: expected scott, wizmap or a positive number")]
    BadBandwidth(String),
    #[error("contours: {0}")]
    Contour(String),
    #[error("{0}")]
    GridJson(String),
}

/// Settings for [`Summary::build`].
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// Nodes per side of the density grid.
    pub grid_size: usize,
    pub bandwidth: Bandwidth,
    /// Number of contour levels.
    pub contour_levels: usize,
    /// Words kept per tile.
    pub top_k: usize,
    /// The view the levels are chosen for (px) and the tile width to aim at.
    pub view_px: f64,
    pub ideal_tile_px: f64,
    /// The deepest zoom scale the levels must serve.
    pub max_zoom: f64,
    /// Extra stop words.
    pub stop_words: Vec<String>,
    /// How tile words are scored.
    pub keywords: Weighting,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            grid_size: 200,
            bandwidth: Bandwidth::Local,
            contour_levels: 12,
            top_k: 10,
            view_px: 1000.0,
            ideal_tile_px: 35.0,
            max_zoom: 30.0,
            stop_words: Vec::new(),
            keywords: Weighting::ClassTfIdf,
        }
    }
}

/// One level's tiles and their keywords.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LevelTopics {
    pub level: u32,
    pub topics: Vec<TileTopic>,
}

/// Everything the map draws besides the points.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub extent: Extent,
    pub domain: Domain,
    /// Coarse to fine.
    pub levels: Vec<LevelTopics>,
    pub density: DensityGrid,
    pub contours: Vec<ContourLevel>,
}

/// What [`Summary::build`] has done so far, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    Tree,
    Tokens,
    Level { level: u32, done: usize, of: usize },
    Density,
    Contours,
}

impl Summary {
    /// Build every level's keywords, the density and the contours. `texts` may be empty (no
    /// keywords then). `progress` is called before each stage and returns `false` to stop early
    /// (then `None` is returned).
    pub fn build(
        xs: &[f32],
        ys: &[f32],
        texts: &[&str],
        options: &MapOptions,
        mut progress: impl FnMut(Stage) -> bool,
    ) -> Result<Option<Self>, MapError> {
        let mut builder = SummaryBuilder::new(xs, ys, texts, options.clone())?;
        loop {
            if !progress(builder.stage()) {
                return Ok(None);
            }
            if let Some(summary) = builder.step()? {
                return Ok(Some(summary));
            }
        }
    }

    /// The level whose tiles are closest to `ideal_px` wide when one world unit is
    /// `px_per_unit` pixels, among the levels built.
    pub fn level_for_zoom(&self, px_per_unit: f64, ideal_px: f64) -> Option<&LevelTopics> {
        let level = quadtree::best_level(self.extent.size * px_per_unit, ideal_px);
        self.levels.iter().min_by_key(|l| l.level.abs_diff(level))
    }
}

/// [`Summary::build`] one stage at a time, so a page can yield to the browser between stages
/// (each level's keywords are one stage).
pub struct SummaryBuilder<'a> {
    xs: &'a [f32],
    ys: &'a [f32],
    texts: Vec<&'a str>,
    options: MapOptions,
    stage: Stage,
    tree: Option<Quadtree>,
    corpus: Corpus,
    range: (u32, u32),
    levels: Vec<LevelTopics>,
    density: Option<DensityGrid>,
}

impl<'a> SummaryBuilder<'a> {
    /// Check the inputs; nothing is computed yet.
    pub fn new(
        xs: &'a [f32],
        ys: &'a [f32],
        texts: &[&'a str],
        options: MapOptions,
    ) -> Result<Self, MapError> {
        if !texts.is_empty() && texts.len() != xs.len() {
            return Err(MapError::Mismatch {
                what: "texts",
                expected: xs.len(),
                found: texts.len(),
            });
        }
        Domain::of(xs, ys)?;
        Ok(SummaryBuilder {
            xs,
            ys,
            texts: texts.to_vec(),
            options,
            stage: Stage::Tree,
            tree: None,
            corpus: Corpus::default(),
            range: (0, 0),
            levels: Vec::new(),
            density: None,
        })
    }

    /// The stage the next [`SummaryBuilder::step`] runs.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// Fraction done, 0…1 (for a progress bar).
    pub fn fraction(&self) -> f64 {
        let levels = f64::from(self.range.1.saturating_sub(self.range.0) + 1);
        let total = levels + 4.0;
        match self.stage {
            Stage::Tree => 0.0,
            Stage::Tokens => 1.0 / total,
            Stage::Level { done, .. } => (2.0 + done as f64) / total,
            Stage::Density => (2.0 + levels) / total,
            Stage::Contours => (3.0 + levels) / total,
        }
    }

    /// At the density stage: the grid and kernel widths, so the density can be computed
    /// elsewhere (the GPU) and handed back with [`SummaryBuilder::provide_density`].
    pub fn density_request(&self) -> Option<(GridSpec, (f64, f64))> {
        if self.stage != Stage::Density {
            return None;
        }
        let tree = self.tree.as_ref()?;
        let spec = GridSpec::padded(&tree.domain, self.options.grid_size);
        Some((spec, self.options.bandwidth.sigma(self.xs, self.ys)))
    }

    /// The density computed elsewhere for [`SummaryBuilder::density_request`]; the next step
    /// draws the contours.
    pub fn provide_density(&mut self, density: DensityGrid) {
        if self.stage == Stage::Density {
            self.density = Some(density);
            self.stage = Stage::Contours;
        }
    }

    /// Run one stage; the summary once the last is done.
    pub fn step(&mut self) -> Result<Option<Summary>, MapError> {
        match self.stage {
            Stage::Tree => {
                let tree = Quadtree::build(self.xs, self.ys)?;
                self.range = quadtree::select_levels(
                    &tree.extent,
                    &tree.domain,
                    self.options.view_px,
                    self.options.ideal_tile_px,
                    self.options.max_zoom,
                );
                self.tree = Some(tree);
                self.stage = Stage::Tokens;
            }
            Stage::Tokens => {
                self.corpus = Corpus::build(
                    self.texts.iter().copied(),
                    &Tokenizer::new(&self.options.stop_words),
                );
                self.stage = Stage::Level {
                    level: self.range.0,
                    done: 0,
                    of: (self.range.1 - self.range.0 + 1) as usize,
                };
            }
            Stage::Level { level, done, of } => {
                let tree = self.tree.as_ref().ok_or(MapError::Empty)?;
                let topics = if self.corpus.is_empty() {
                    Vec::new()
                } else {
                    keywords::level_topics(
                        tree,
                        &self.corpus,
                        level,
                        self.options.top_k,
                        self.options.keywords,
                        self.xs,
                        self.ys,
                    )
                };
                self.levels.push(LevelTopics { level, topics });
                self.stage = if level < self.range.1 {
                    Stage::Level {
                        level: level + 1,
                        done: done + 1,
                        of,
                    }
                } else {
                    Stage::Density
                };
            }
            Stage::Density => {
                let tree = self.tree.as_ref().ok_or(MapError::Empty)?;
                let spec = GridSpec::padded(&tree.domain, self.options.grid_size);
                self.density = Some(density::kde_binned(
                    self.xs,
                    self.ys,
                    &spec,
                    self.options.bandwidth,
                )?);
                self.stage = Stage::Contours;
            }
            Stage::Contours => {
                let (Some(tree), Some(density)) = (self.tree.take(), self.density.take()) else {
                    return Err(MapError::Empty);
                };
                let thresholds = density::thresholds(&density, self.options.contour_levels);
                let contours = density::contours(&density, &thresholds)?;
                return Ok(Some(Summary {
                    extent: tree.extent,
                    domain: tree.domain,
                    levels: std::mem::take(&mut self.levels),
                    density,
                    contours,
                }));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_clusters_get_their_own_words() {
        // Two clouds far apart; each one's texts talk about one thing.
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        let mut texts = Vec::new();
        for i in 0..200 {
            let t = i as f32 / 200.0;
            if i % 2 == 0 {
                xs.push(1.0 + t);
                ys.push(1.0 + (t * 7.0).fract());
                texts.push("ocean waves and salty sea water");
            } else {
                xs.push(20.0 + t);
                ys.push(20.0 + (t * 7.0).fract());
                texts.push("mountain peaks above the rocky valley");
            }
        }
        let summary = Summary::build(&xs, &ys, &texts, &MapOptions::default(), |_| true)
            .unwrap()
            .unwrap();
        assert!(!summary.levels.is_empty());
        let coarse = &summary.levels[0];
        let labels: Vec<String> = coarse.topics.iter().map(|t| t.label(4)).collect();
        assert!(labels.iter().any(|l| l.contains("ocean")), "{labels:?}");
        assert!(labels.iter().any(|l| l.contains("mountain")), "{labels:?}");
        assert!(labels
            .iter()
            .all(|l| !(l.contains("ocean") && l.contains("mountain"))));
        assert!(!summary.contours.is_empty());
        // Stopping early returns nothing.
        let stopped = Summary::build(&xs, &ys, &texts, &MapOptions::default(), |s| {
            s == Stage::Tree
        })
        .unwrap();
        assert!(stopped.is_none());
    }

    #[test]
    fn texts_must_match_points() {
        let r = Summary::build(
            &[0.0, 1.0],
            &[0.0, 1.0],
            &["a"],
            &MapOptions::default(),
            |_| true,
        );
        assert!(matches!(r, Err(MapError::Mismatch { what: "texts", .. })));
    }
}
