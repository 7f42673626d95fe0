//! The page's side of the compute worker (`vecscape-worker`): it starts the worker, numbers the
//! jobs, queues requests until the worker listens, routes each reply to the job it answers
//! (progress to a callback, the final reply to the awaiting future), and fails every waiting
//! job with the worker's message if it stops.

use futures_channel::oneshot;
use std::cell::RefCell;
use std::collections::HashMap;
use vecscape_protocol::wire::{self, Parcel};
use vecscape_protocol::{Reply, Request};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The worker's script, written by Trunk next to the page (`data-loader-shim`).
const WORKER_SCRIPT: &str = "vecscape-worker_loader.js";

/// Called with each progress reply of a job and what travelled with it.
pub(crate) type OnProgress = Box<dyn FnMut(&Reply, Parcel)>;

/// A job's final reply and what travelled with it, or why there is none.
pub(crate) type Answer = Result<(Reply, Parcel), String>;

struct Pending {
    on_progress: Option<OnProgress>,
    done: oneshot::Sender<Answer>,
}

#[derive(Default)]
struct Client {
    worker: Option<web_sys::Worker>,
    /// The worker has said it listens; until then requests wait in `queue`.
    listening: bool,
    queue: Vec<(JsValue, js_sys::Array)>,
    next_job: u64,
    pending: HashMap<u64, Pending>,
    /// Why the worker stopped, once it has and could not be started again.
    stopped: Option<String>,
    /// What the worker said as it panicked (its `crashed` message), until its error arrives.
    crashed: Option<String>,
    /// Called after a worker that stopped was replaced, with why it stopped.
    on_restart: Option<std::rc::Rc<dyn Fn(String)>>,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

fn with<R>(f: impl FnOnce(&mut Client) -> R) -> R {
    CLIENT.with(|c| f(&mut c.borrow_mut()))
}

/// `url` resolved against the page's address (the worker resolves against its script's).
pub(crate) fn resolve(url: &str) -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .and_then(|base| web_sys::Url::new_with_base(url, &base).ok())
        .map_or_else(|| url.to_owned(), |u| u.href())
}

/// What to do once a worker that stopped has been replaced (the app opens the data it showed
/// again: the new worker holds nothing).
pub(crate) fn on_restart(f: impl Fn(String) + 'static) {
    with(|c| c.on_restart = Some(std::rc::Rc::new(f)));
}

/// Start the worker (it loads while the page sets up its renderer).
pub(crate) fn spawn() -> Result<(), String> {
    // The widget's worker script is wherever the element's module is (it says where).
    let script = crate::embed::worker_url().unwrap_or_else(|| resolve(WORKER_SCRIPT));
    let worker = web_sys::Worker::new(&script)
        .map_err(|e| format!("the compute worker could not start: {e:?}"))?;
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            dispatch(&event.data());
        });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|event: web_sys::ErrorEvent| {
        let message = event.message();
        let why = with(|c| c.crashed.take()).unwrap_or_else(|| {
            if message.is_empty() {
                "the compute worker stopped".to_owned()
            } else {
                format!("the compute worker stopped: {message}")
            }
        });
        restart(why);
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    with(|c| c.worker = Some(worker));
    Ok(())
}

/// End the worker for good (the widget's element was removed): every waiting job fails.
pub(crate) fn terminate() {
    if let Some(worker) = with(|c| c.worker.take()) {
        worker.terminate();
    }
    stop("the map was closed".to_owned());
}

/// The worker stopped (a panic ends a wasm instance): every waiting job fails with `why`, the
/// old worker is ended and a new one started, then `on_restart` hears why. If none starts, every
/// later job fails with `why` too.
fn restart(why: String) {
    let pending: Vec<Pending> = with(|c| {
        if let Some(old) = c.worker.take() {
            old.terminate();
        }
        c.listening = false;
        c.queue.clear();
        c.pending.drain().map(|(_, p)| p).collect()
    });
    for p in pending {
        let _ = p.done.send(Err(why.clone()));
    }
    match spawn() {
        Ok(()) => {
            if let Some(f) = with(|c| c.on_restart.clone()) {
                f(why);
            }
        }
        Err(e) => stop(format!("{why}; {e}")),
    }
}

/// The worker is gone: every waiting job fails with `why`, and so does every later one.
fn stop(why: String) {
    let pending: Vec<Pending> = with(|c| {
        c.stopped = Some(why.clone());
        c.pending.drain().map(|(_, p)| p).collect()
    });
    for p in pending {
        let _ = p.done.send(Err(why.clone()));
    }
}

fn post(message: JsValue, transfer: js_sys::Array) {
    let failed = with(|c| {
        if !c.listening {
            c.queue.push((message, transfer));
            return None;
        }
        let worker = c.worker.as_ref()?;
        worker
            .post_message_with_transfer(&message, &transfer)
            .err()
            .map(|e| format!("a request could not reach the compute worker: {e:?}"))
    });
    if let Some(why) = failed {
        stop(why);
    }
}

/// Send `request` without waiting for an answer (a setting).
pub(crate) fn send(request: &Request) {
    send_with(request, Parcel::default());
}

/// [`send`] with a parcel (positions, payloads).
pub(crate) fn send_with(request: &Request, parcel: Parcel) {
    match wire::pack(request, parcel) {
        Ok((message, transfer)) => post(message, transfer),
        Err(e) => log::warn!("a request could not be sent: {e}"),
    }
}

/// Start a job: `make` builds the request for the job number it is given; `on_progress` sees
/// its progress replies. Resolves to the job's final reply.
pub(crate) async fn call(
    make: impl FnOnce(u64) -> Request,
    parcel: Parcel,
    on_progress: Option<OnProgress>,
) -> Answer {
    let (done, answer) = oneshot::channel();
    let job = with(|c| {
        c.next_job += 1;
        c.next_job
    });
    let (message, transfer) = wire::pack(&make(job), parcel)?;
    if let Some(why) = with(|c| c.stopped.clone()) {
        return Err(why);
    }
    with(|c| c.pending.insert(job, Pending { on_progress, done }));
    post(message, transfer);
    answer
        .await
        .map_err(|_| "the compute worker dropped a request".to_owned())?
}

fn dispatch(data: &JsValue) {
    if let Some(why) = js_sys::Reflect::get(data, &"crashed".into())
        .ok()
        .and_then(|v| v.as_string())
    {
        with(|c| c.crashed = Some(why));
        return;
    }
    let (reply, parcel) = match wire::unpack::<Reply>(data) {
        Ok(r) => r,
        Err(e) => {
            log::warn!("a reply from the compute worker could not be read: {e}");
            return;
        }
    };
    let Some(job) = reply.job() else {
        // Listening: send what waited.
        let queued = with(|c| {
            c.listening = true;
            std::mem::take(&mut c.queue)
        });
        for (message, transfer) in queued {
            post(message, transfer);
        }
        return;
    };
    if reply.is_final() {
        if let Some(p) = with(|c| c.pending.remove(&job)) {
            let _ = p.done.send(Ok((reply, parcel)));
        }
        return;
    }
    // Progress: the callback runs outside the borrow (it may start other jobs).
    let Some(mut on_progress) =
        with(|c| c.pending.get_mut(&job).and_then(|p| p.on_progress.take()))
    else {
        return;
    };
    on_progress(&reply, parcel);
    with(|c| {
        if let Some(p) = c.pending.get_mut(&job) {
            p.on_progress = Some(on_progress);
        }
    });
}
