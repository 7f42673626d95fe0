//! The message loop: each request from the page starts a job (or changes a setting); each job
//! answers with progress and one final reply naming it. Messages are handled in the order they
//! arrive; long jobs yield between steps, so a later request (a newer load, a search) is read
//! while they run.

use crate::reply::{finish, post};
use crate::state;
use crate::{compute, faithfulness, find, load, map, project, search};
use vecscape_protocol::wire::{self, Parcel};
use vecscape_protocol::{Reply, Request};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

fn handle(request: Request, parcel: Parcel) {
    match request {
        Request::Start { job, compute } => spawn_local(async move {
            let (device, note) = compute::start(compute).await;
            post(
                &Reply::Started {
                    job,
                    compute: device,
                    note,
                },
                Parcel::default(),
            );
        }),
        Request::Load {
            job,
            source,
            max_rows,
            storage,
            skip_invalid,
            memory_budget,
        } => {
            // A newer load: any load in flight stops at its next step.
            state::with(|s| {
                s.load_job = job;
                s.layout_job = job;
            });
            spawn_local(load::run(
                job,
                source,
                parcel.files,
                max_rows,
                storage,
                skip_invalid,
                memory_budget,
            ));
        }
        Request::Project { job, method, umap } => {
            state::with(|s| s.layout_job = job);
            spawn_local(project::run(job, method, umap, parcel));
        }
        Request::BuildMap { job } => spawn_local(map::run(job, parcel)),
        Request::SetLayout => match (parcel.xs, parcel.ys) {
            (Some(xs), Some(ys)) => state::with(|s| {
                let rows = s.data.as_ref().map_or(0, |d| d.vectors.nrows());
                if xs.len() == rows && ys.len() == rows {
                    s.set_layout(xs, ys);
                }
            }),
            _ => log::warn!("SetLayout without positions"),
        },
        Request::Neighbors { job, row, k } => spawn_local(search::run(job, row, k)),
        Request::Search { job, find, limit } => spawn_local(find::run(job, find, limit, parcel)),
        Request::Keywords { job, top_k } => find::keywords(job, top_k, parcel),
        Request::Export {
            job,
            format,
            vectors,
        } => find::export(job, format, vectors, parcel),
        Request::Faithfulness { job } => spawn_local(faithfulness::run(job)),
        Request::Cancel => state::with(|s| s.cancel()),
        Request::SetMetric { metric } => state::with(|s| s.set_metric(metric)),
        Request::SetStorage { job, storage } => finish(
            job,
            state::with(|s| s.set_storage(storage))
                .map(|info| (Reply::Storage { job, info }, Parcel::default())),
        ),
        Request::DropGpu { destroy } => compute::drop_gpu(destroy),
        #[cfg(feature = "hooks")]
        Request::Probe { job, probe } => spawn_local(crate::probe::run(job, probe)),
        #[cfg(not(feature = "hooks"))]
        Request::Probe { job, .. } => crate::reply::finish(
            job,
            Err("this build has no test hooks (the widget's)".to_owned()),
        ),
    }
}

/// Start listening for the page's requests, and tell it so.
pub fn listen() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            match wire::unpack::<Request>(&event.data()) {
                Ok((request, parcel)) => handle(request, parcel),
                Err(e) => log::warn!("the compute worker could not read a request: {e}"),
            }
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&Reply::Listening, Parcel::default());
}
