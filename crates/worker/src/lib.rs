//! vecscape's compute worker: a dedicated Web Worker that holds the vectors — once — and does
//! everything that takes time on them, so the page's main thread only draws and answers input.
//!
//! - [`host`]: the message loop (requests in, each to its job); [`reply`]: answers out (see
//!   `vecscape-protocol`).
//! - [`state`]: the vectors, the layout shown, the search aids and the GPU, between requests.
//! - [`compute`]: the one place that decides WebGPU or CPU for a computation.
//! - [`fetch`]: URL bodies and picked files streamed into the core's loaders.
//! - [`crash`]: the panic hook that tells the page why the worker stopped.
//! - [`load`], [`project`] ([`umap`]), [`map`], [`search`] and [`find`], [`faithfulness`]: the jobs; [`probe`]: test hooks and
//!   benchmarks.
#![cfg(target_arch = "wasm32")]

#[cfg(feature = "hooks")]
mod bench;
mod compute;
pub mod crash;
mod faithfulness;
mod fetch;
mod find;
mod host;
mod load;
mod map;
#[cfg(feature = "hooks")]
mod probe;
mod project;
mod reply;
mod search;
mod state;
mod umap;
mod util;

pub use host::listen;
