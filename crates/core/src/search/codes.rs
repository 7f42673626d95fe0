//! Rounding to int8 codes: one place for the rounding that the quantised scans
//! ([`super::quant`]) and the int8 bounds ([`super::bounds`]) share.

/// Round `values` times their inverse scales to int8 codes in `out` (clamped to ±127); the
/// quantised scans and [`super::bounds`] share it.
pub fn quantize(
    values: impl Iterator<Item = f32>,
    inv_scale: impl Fn(usize) -> f32,
    out: &mut [i8],
) {
    for (j, (v, slot)) in values.zip(out.iter_mut()).enumerate() {
        *slot = (v * inv_scale(j)).round().clamp(-127.0, 127.0) as i8;
    }
}

/// `1 / scale`, or 0 for a zero scale (an all-zero vector).
pub fn inv(scale: f32) -> f32 {
    if scale > 0.0 {
        1.0 / scale
    } else {
        0.0
    }
}
