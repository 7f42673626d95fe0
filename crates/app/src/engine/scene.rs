//! A dataset ready to draw: its layout, colours and hover index.

use vecscape_core::load::dataset::Dataset;
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::view::camera::Bounds;
use vecscape_core::view::palette::{category_color, Rgba, UNCATEGORISED};
use vecscape_core::view::spatial::GridIndex;

/// Point radius in CSS pixels.
pub const POINT_RADIUS_CSS_PX: f32 = 2.5;

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
