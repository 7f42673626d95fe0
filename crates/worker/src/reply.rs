//! Replies to the page: every job's answers leave through here.

use vecscape_protocol::wire::{self, Parcel};
use vecscape_protocol::Reply;
use wasm_bindgen::JsCast;

/// Send `reply` (and what travels beside it) to the page.
pub(crate) fn post(reply: &Reply, parcel: Parcel) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let sent = wire::pack(reply, parcel).and_then(|(message, transfer)| {
        scope
            .post_message_with_transfer(&message, &transfer)
            .map_err(|e| format!("{e:?}"))
    });
    if let Err(e) = sent {
        // The page must not wait for an answer that cannot come: say why instead.
        if let Some(job) = reply.job() {
            let failed = Reply::Failed {
                job,
                message: format!("the compute worker could not answer: {e}"),
            };
            if let Ok((message, transfer)) = wire::pack(&failed, Parcel::default()) {
                let _ = scope.post_message_with_transfer(&message, &transfer);
            }
        }
    }
}

/// Answer `job` with `reply`, or with its error.
pub(crate) fn finish(job: u64, result: Result<(Reply, Parcel), String>) {
    match result {
        Ok((reply, parcel)) => post(&reply, parcel),
        Err(message) => post(&Reply::Failed { job, message }, Parcel::default()),
    }
}
