//! What the page hears when the worker panics. A panic ends a wasm32 instance (it cannot
//! unwind), so before it does, the hook posts `{ crashed: why }` to the page, naming the file
//! being read if one was; the page then fails the jobs in flight with that message and starts a
//! new worker (the app's `worker` module). The readers' own code does not panic on bad input
//! (fuzzed: `fuzz/`), but the Parquet and Arrow decoders it builds on still can.

use std::cell::RefCell;
use wasm_bindgen::JsCast;

thread_local! {
    static READING: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The file being read from now on (`None`: none).
pub(crate) fn reading(name: Option<&str>) {
    READING.with(|r| *r.borrow_mut() = name.map(str::to_owned));
}

/// Install the hook: the browser's console gets the panic as before, the page gets `crashed`.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let payload = vecscape_core::load::panic_text(info.payload())
            .unwrap_or_else(|| "no message".to_owned());
        let why = match READING.with(|r| r.borrow().clone()) {
            Some(file) => format!("{file}: the reader stopped on this file ({payload})"),
            None => format!("the compute worker stopped ({payload})"),
        };
        let message = js_sys::Object::new();
        if js_sys::Reflect::set(&message, &"crashed".into(), &why.into()).is_ok() {
            let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
            let _ = scope.post_message(&message);
        }
    }));
}
