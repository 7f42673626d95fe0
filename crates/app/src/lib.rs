//! vecscape's browser front end: Leptos components over the core (loading, PCA, hover) and the
//! two render backends (WebGPU through `vecscape-gpu`, or the core's CPU rasteriser into a 2D
//! canvas). Large data and GPU objects live in [`engine`], outside the reactive graph; signals
//! carry only small view state.
#![cfg(target_arch = "wasm32")]

mod backend;
mod bench;
mod engine;
mod fetch;
mod ui;

pub use ui::App;
