//! What drawing needs, shared by both renderers.
//!
//! - [`camera`]: world (layout) coordinates ↔ screen pixels.
//! - [`spatial`]: the hover grid: which point is under the cursor.
//! - [`palette`]: category colours and a continuous scale.
//! - [`select`]: row sets, and the rows inside a lasso or rectangle.
//! - [`raster`]: the CPU renderer (points, density bands, contour lines) into an RGBA frame.

pub mod camera;
pub mod palette;
pub mod raster;
pub mod select;
pub mod spatial;
