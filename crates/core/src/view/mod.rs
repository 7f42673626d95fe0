//! What drawing needs, shared by both renderers.
//!
//! - [`camera`]: world (layout) coordinates ↔ screen pixels.
//! - [`spatial`]: the hover grid: which point is under the cursor.
//! - [`palette`]: category colours and a continuous scale.
//! - [`histogram`]: counts of a numeric column in equal bins (the filters' brushes).
//! - [`link`]: a view as the URL's hash (deflate + base64url), read tolerantly.
//! - [`select`]: row sets, and the rows inside a lasso or rectangle.
//! - [`raster`]: the CPU renderer (points, density bands, contour lines) into an RGBA frame.

pub mod camera;
pub mod histogram;
pub mod link;
pub mod palette;
pub mod raster;
pub mod select;
pub mod spatial;
