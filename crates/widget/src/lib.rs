//! The `<vecscape-map>` element's wasm: the app (`vecscape-app`) built as a module whose
//! [`mount`] the element's script (`web/widget/vecscape-map.js`) calls with its shadow root.
//! Each element runs its own instance of this module and its own compute worker, so several
//! maps on one page are independent. Nothing here runs natively.
#![cfg(target_arch = "wasm32")]

pub use vecscape_app::embed::api::{mount, Widget};
