//! One component per panel; each takes the shared [`crate::state::Ui`] from context.

pub mod compact;
pub mod filters;
pub mod legend;
pub mod map_view;
pub mod panels;
pub mod search;
pub mod toolbar;

/// Keep pointer events inside a panel from reaching the map under it.
pub(crate) fn stop_pointer(ev: web_sys::PointerEvent) {
    ev.stop_propagation();
}

/// Keep the wheel inside a panel (it scrolls the panel, not the map).
pub(crate) fn stop_wheel(ev: web_sys::WheelEvent) {
    ev.stop_propagation();
}
