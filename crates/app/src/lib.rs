//! vecscape's browser front end: Leptos components, the two render backends (WebGPU through
//! `vecscape-gpu`, or the core's CPU rasteriser into a 2D canvas), and the page's side of the
//! compute worker (`vecscape-worker`), which holds the vectors and does loading, projections,
//! neighbour search and the map's summaries off the main thread. What the page draws lives in
//! [`engine`], outside the reactive graph; signals ([`state`]) carry only small view state.
//!
//! - [`app`]: start-up and the page's layout; [`components`]: one per panel.
//! - [`actions`]: what the page does (load, project, map, select, colour).
//! - [`worker`]: the compute worker's client (jobs, progress, replies; see `vecscape-protocol`).
//! - [`engine`], [`backend`]: the scene, camera and the render backends.
//! - [`embed`]: the app inside a `<vecscape-map>` element (the widget): its host, events and JS API.
//! - [`hooks`]: `window.vecscapeTest` for the end-to-end tests; [`bench`]: `window.vecscapeBench`.
#![cfg(target_arch = "wasm32")]

mod actions;
mod app;
mod backend;
#[cfg(feature = "hooks")]
mod bench;
mod components;
pub mod embed;
mod engine;
#[cfg(feature = "hooks")]
mod hooks;
mod state;
mod util;
mod worker;

pub use app::App;
