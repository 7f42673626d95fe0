//! A layout as the worker sends it: its positions and hover index, and what the status line says
//! about it.

use crate::state::Device;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{decode, Layout, Method};

/// The positions a parcel carries and their hover index, or why they are missing.
pub(crate) fn layout_of(
    parcel: &mut Parcel,
) -> Result<(Vec<f32>, Vec<f32>, vecscape_core::view::spatial::GridIndex), String> {
    let (Some(xs), Some(ys), Some(index)) = (parcel.xs.take(), parcel.ys.take(), &parcel.index)
    else {
        return Err("the layout did not arrive".to_owned());
    };
    let grid = decode(index).map_err(|e| e.to_string())?;
    Ok((xs, ys, grid))
}

/// What the status line says about a layout: "PCA 2-D (41.2 % of variance) on CPU in 180 ms".
pub(crate) fn layout_note(layout: &Layout) -> String {
    let device = Device::from(layout.device).label();
    let ms = layout.ms;
    match layout.method {
        Method::Pca => {
            let variance: f64 = layout.explained.iter().sum();
            format!(
                "PCA 2-D ({:.1} % of variance) on {device} in {ms:.0} ms",
                variance * 100.0
            )
        }
        Method::GaussianRp => format!("Gaussian random projection 2-D on {device} in {ms:.0} ms"),
        Method::SparseRp => format!("sparse random projection 2-D on {device} in {ms:.0} ms"),
        Method::Precomputed => "precomputed x/y".to_owned(),
        Method::Umap => {
            let u = layout.umap.unwrap_or_default();
            format!(
                "UMAP 2-D ({} neighbours, min_dist {}, {} epochs, seed {}, {} graph in {} dims) on {device} in {:.1} s",
                u.neighbors,
                u.min_dist,
                u.epochs
                    .map_or_else(|| "auto".to_owned(), |e| e.to_string()),
                u.seed,
                u.graph.map_or("?", |g| g.name()),
                u.graph_dims
                    .map_or_else(|| "?".to_owned(), |d| d.to_string()),
                ms / 1000.0
            )
        }
    }
}
