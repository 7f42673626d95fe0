//! A small seeded generator whose output is bit-identical on every target: integer mixing
//! (SplitMix64) and, for normals, Box–Muller through the `libm` crate (the same software
//! `ln`/`cos` natively and in wasm, unlike the platform's maths library).

/// SplitMix64 (Steele, Lea & Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
    }
}

/// `rows × dims` synthetic embedding-like vectors for benchmarks: eight latent factors of
/// decaying scale mixed by a random matrix, plus a little noise — so PCA has a clear answer and
/// neighbours have structure. The same seed gives the same matrix on every target.
pub fn synthetic_vectors(rows: usize, dims: usize, seed: u64) -> ndarray::Array2<f32> {
    const FACTORS: usize = 8;
    let mut rng = SplitMix64::new(seed);
    let mixing: Vec<f32> = (0..FACTORS * dims).map(|_| rng.normal() as f32).collect();
    let mut x = ndarray::Array2::<f32>::zeros((rows, dims));
    for mut row in x.rows_mut() {
        let f: [f32; FACTORS] =
            std::array::from_fn(|j| (rng.uniform() as f32 - 0.5) / (j + 1) as f32);
        for (c, v) in row.iter_mut().enumerate() {
            let mut s = (rng.uniform() as f32 - 0.5) * 0.05;
            for (j, fj) in f.iter().enumerate() {
                s += fj * mixing[j * dims + c];
            }
            *v = s;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_first_outputs_and_normal_moments() {
        // Reference values of SplitMix64 seeded with 0 (from the algorithm's published C code).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = SplitMix64::new(42);
        let xs: Vec<f64> = (0..200_000).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.01,
            "{mean} {var}"
        );
    }
}
