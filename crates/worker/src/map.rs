//! A map job: the summaries (keywords per tile per level, density, contours) of the layout
//! shown, built stage by stage with progress; the density on WebGPU when compute runs there.

use crate::compute;
use crate::reply::post;
use crate::state;
use crate::util::{now_ms, yield_now};
use std::borrow::Cow;
use vecscape_core::map::{MapOptions, SummaryBuilder};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{encode, Device, Reply};

/// Steps of the progress the page shows (`done` of `PROGRESS_STEPS`).
const PROGRESS_STEPS: u64 = 1000;

fn failed(job: u64, message: String) {
    post(&Reply::Failed { job, message }, Parcel::default());
}

/// Build the map for the layout shown (of the rows in the parcel's `RowSet` when it has one) and
/// answer `job`; a new layout meanwhile cancels it.
pub(crate) async fn run(job: u64, parcel: Parcel) {
    let started = now_ms();
    let only = match vecscape_protocol::rows_of(parcel.extra.as_deref()) {
        Ok(only) => only,
        Err(e) => return failed(job, format!("the rows to map could not be read: {e}")),
    };
    let found = state::with(|s| {
        let data = s.data.as_ref()?;
        Some((
            (s.layout_generation, s.cancels),
            s.xs.clone(),
            s.ys.clone(),
            data.meta.clone(),
        ))
    });
    let Some((generation, all_xs, all_ys, meta)) = found else {
        return failed(job, "no data loaded".to_owned());
    };
    // The layout shown as it is, or just the rows asked for (their positions and texts).
    let (xs, ys, texts): (Cow<[f32]>, Cow<[f32]>, Vec<&str>) = match &only {
        None => (
            Cow::Borrowed(&all_xs[..]),
            Cow::Borrowed(&all_ys[..]),
            meta.text.iter().map(String::as_str).collect(),
        ),
        Some(set) => {
            let rows: Vec<usize> = set
                .iter()
                .map(|r| r as usize)
                .filter(|&r| r < all_xs.len() && r < all_ys.len())
                .collect();
            (
                rows.iter().map(|&r| all_xs[r]).collect(),
                rows.iter().map(|&r| all_ys[r]).collect(),
                rows.iter()
                    .filter_map(|&r| meta.text.get(r).map(String::as_str))
                    .collect(),
            )
        }
    };
    let texts = if meta.text_field.is_some() {
        texts
    } else {
        Vec::new()
    };
    let mut builder = match SummaryBuilder::new(&xs, &ys, &texts, MapOptions::default()) {
        Ok(b) => b,
        Err(e) => return failed(job, e.to_string()),
    };
    let mut density_device = Device::Cpu;
    loop {
        post(
            &Reply::Progress {
                job,
                what: "map".to_owned(),
                done: (builder.fraction() * PROGRESS_STEPS as f64) as u64,
                total: Some(PROGRESS_STEPS),
            },
            Parcel::default(),
        );
        yield_now().await;
        if state::with(|s| (s.layout_generation, s.cancels)) != generation {
            post(&Reply::Cancelled { job }, Parcel::default());
            return;
        }
        // The density on WebGPU when compute runs there (splat + separable blur); else the
        // builder's next step computes it on the CPU.
        if let Some((spec, sigma)) = builder.density_request() {
            let ran = compute::run(
                "density",
                compute::gpu(),
                async |ctx| {
                    let pending = vecscape_gpu::GpuKde::new(&ctx)
                        .start(&xs, &ys, &spec, sigma)
                        .map_err(|e| e.to_string())?;
                    pending.finish().await.map(Some).map_err(|e| e.to_string())
                },
                || Ok(None),
            )
            .await;
            if let Ok(Some(grid)) = ran.value {
                builder.provide_density(grid);
                density_device = ran.device;
                continue;
            }
        }
        match builder.step() {
            Ok(None) => {}
            Ok(Some(summary)) => {
                let payload = match encode(&summary) {
                    Ok(p) => p,
                    Err(e) => return failed(job, e.to_string()),
                };
                post(
                    &Reply::Map {
                        job,
                        density: density_device,
                        ms: now_ms() - started,
                    },
                    Parcel {
                        payload: Some(payload),
                        ..Parcel::default()
                    },
                );
                return;
            }
            Err(e) => return failed(job, e.to_string()),
        }
    }
}
