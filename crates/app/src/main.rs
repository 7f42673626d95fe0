//! Entry point of the browser app: panic hook, logger, mount. Everything else is in the library.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    vecscape_protocol::console::install();
    leptos::mount::mount_to_body(vecscape_app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("vecscape-app runs in the browser: build and serve it with `make run`.");
}
