//! Entry point of the compute worker: the panic hook and the console logger, then listening for
//! the page's requests.

#[cfg(target_arch = "wasm32")]
fn main() {
    vecscape_worker::crash::install();
    vecscape_protocol::console::install();
    vecscape_worker::listen();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("vecscape-worker runs in the browser as the app's Web Worker: `make run`.");
}
