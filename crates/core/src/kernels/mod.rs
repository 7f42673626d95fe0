//! The hot loops, written twice: [`portable`] (every target; plain loops the compiler can
//! vectorise, SSE2 for the integer sums on x86-64) and [`simd`] (wasm32 with `simd128`, by hand,
//! because LLVM does not reorder a float reduction). [`active`] is the set this build uses.
//!
//! Both sets have the same functions with the same names and give the same results: bit for bit
//! for the integer, pixel and four-row kernels, and for f32 sums within the rounding of a different
//! summation order (`search::checks::kernels_agree` and `view::raster::twins_agree` check this
//! where the kernels run). The search (`search::flat`, `search::bounds`, `search::quant`), PCA
//! and the CPU rasteriser call them through [`active`].

pub mod portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd;

/// The kernels this build uses: simd128 on wasm32, portable elsewhere.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd as active;

/// The kernels this build uses: simd128 on wasm32, portable elsewhere.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use portable as active;

/// 2¹¹²: the gap between the f32 and f16 exponent biases (127 − 15). A half's bits shifted
/// into an f32 are the half times 2⁻¹¹², so f16 kernels take queries pre-multiplied by this.
pub const HALF_REBIAS: f32 = 5.192_297e33;
