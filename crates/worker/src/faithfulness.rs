//! A faithfulness job: each row's exact nearest neighbours in the original space (a slice of
//! blocks at a time, kept for later layouts of the same data and metric), then the share of
//! them each point keeps on the layout shown.

use crate::reply::{finish, post};
use crate::state;
use crate::umap::grow_graph;
use crate::util::{now_ms, yield_now};
use std::rc::Rc;
use vecscape_core::layout::faithfulness::{from_neighbours, FAITHFULNESS_K};
use vecscape_core::layout::umap::{graph_metric, KnnGraph};
use vecscape_protocol::text::thousands;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::Reply;

pub(crate) async fn run(job: u64) {
    let result = compute(job).await;
    finish(job, result);
}

async fn compute(job: u64) -> Result<(Reply, Parcel), String> {
    let started = now_ms();
    let (rows, metric, generation) =
        state::with(|s| Ok::<_, String>((s.data()?.vectors.nrows(), s.metric, s.data_generation)))?;
    let k = FAITHFULNESS_K.min(rows.saturating_sub(1));
    if k == 0 {
        return Err("faithfulness needs at least two points".to_owned());
    }
    let cached = state::with(|s| {
        s.neighbours
            .as_ref()
            .filter(|(m, _)| *m == metric)
            .map(|(_, ids)| Rc::clone(ids))
    });
    let truth = match cached {
        Some(ids) => ids,
        None => {
            let mut graph = KnnGraph::with_capacity(k + 1, rows);
            while graph.rows() < rows {
                state::with(|s| grow_graph(&mut graph, &s.data()?.vectors, graph_metric(metric)))?;
                post(
                    &Reply::Progress {
                        job,
                        what: format!(
                            "faithfulness: nearest neighbours of {} / {} rows",
                            thousands(graph.rows()),
                            thousands(rows)
                        ),
                        done: graph.rows() as u64,
                        total: Some(rows as u64),
                    },
                    Parcel::default(),
                );
                yield_now().await;
                // Other vectors or another metric: these neighbours are of no use.
                if state::with(|s| s.data_generation != generation || s.metric != metric) {
                    return Ok((Reply::Cancelled { job }, Parcel::default()));
                }
            }
            let ids = Rc::new(graph.others());
            state::with(|s| s.neighbours = Some((metric, Rc::clone(&ids))));
            ids
        }
    };
    // The layout shown now (the page checks that it is still the one it asked about).
    let f = state::with(|s| from_neighbours(&truth, &s.xs, &s.ys, k));
    Ok((
        Reply::Faithfulness {
            job,
            k,
            mean: f.mean,
            ms: now_ms() - started,
        },
        Parcel {
            xs: Some(f.per_point),
            ..Parcel::default()
        },
    ))
}
