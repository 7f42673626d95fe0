//! vecscape's browser front end: Leptos components over the core (loading, projection, the map,
//! neighbour search) and the two render backends (WebGPU through `vecscape-gpu`, or the core's
//! CPU rasteriser into a 2D canvas). Large data and GPU objects live in [`engine`], outside the
//! reactive graph; signals ([`state`]) carry only small view state.
//!
//! - [`app`]: start-up and the page's layout; [`components`]: one per panel.
//! - [`actions`]: what the page does (load, project, map, select, colour).
//! - [`compute`]: the one place that decides WebGPU or CPU for a computation.
//! - [`engine`], [`backend`]: the scene, camera and the render backends; [`fetch`]: streaming input.
//! - [`hooks`]: `window.vecscapeTest` for the end-to-end tests; [`bench`]: `window.vecscapeBench`.
#![cfg(target_arch = "wasm32")]

mod actions;
mod app;
mod backend;
mod bench;
mod components;
mod compute;
mod engine;
mod fetch;
mod hooks;
mod state;
mod util;

pub use app::App;
