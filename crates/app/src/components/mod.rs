//! One component per panel; each takes the shared [`crate::state::Ui`] from context.

pub mod filters;
pub mod legend;
pub mod map_view;
pub mod panels;
pub mod search;
pub mod toolbar;
