//! Gaussian kernel density on a grid, and its contours.
//!
//! The grid is WizMap's: the bounding box padded by 1/50 of its larger side on each side of
//! that side, the other side widened to a square about its centre, `size × size` nodes placed
//! as `linspace` (both ends included). Row `j` is y node `j`, column `i` is x node `i`.
//!
//! [`kde_binned`] is the fast path and the CPU twin of the GPU kernel: each point's unit weight
//! is split over the four nearest nodes (linear binning), then a separable Gaussian blur
//! (truncated at 4 σ) spreads it; [`kde_exact`] sums the kernel over all points at every node
//! (the reference the fast path is checked against).

use super::quadtree::Domain;
use super::MapError;

/// How wide the Gaussian kernel is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bandwidth {
    /// Scott's rule on a local spread, so that separated clusters keep separate contours (the
    /// default). The spread of a cluster is estimated from how far each point's k-th nearest
    /// neighbour on the map is (k = 15, medians over a sample): in a 2-D Gaussian of standard
    /// deviation s holding n points, that distance is about `2 s √(k / n)`, so
    /// `s_local = median r_k · √(n / k) / 2`; then `σ = s_local · n^(-1/6)` on both axes,
    /// never wider than [`Bandwidth::Scott`] on an axis and never narrower than 1/150 of the
    /// layout's larger side (the grid must resolve the kernel). On one Gaussian this is
    /// Scott's rule; on C separated clusters of equal size it is about √C times narrower than
    /// the cluster's spread would give, where Scott's rule widens with the distance between
    /// clusters and merges them.
    Local,
    /// Scott's rule on each axis: `σ_axis · n^(-1/6)` (2-D), the kernel following the
    /// layout's whole spread.
    Scott,
    /// WizMap's rule exactly: an absolute `n^(-1/6)` (n capped at 100 000), the same on both
    /// axes whatever the coordinates' scale.
    WizMap,
    /// A fixed standard deviation in data units, both axes.
    Fixed(f64),
}

impl Bandwidth {
    /// `local`, `scott`, `wizmap` or a positive number.
    pub fn parse(s: &str) -> Result<Self, MapError> {
        match s {
            "local" => Ok(Bandwidth::Local),
            "scott" => Ok(Bandwidth::Scott),
            "wizmap" => Ok(Bandwidth::WizMap),
            _ => match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Ok(Bandwidth::Fixed(v)),
                _ => Err(MapError::BadBandwidth(s.to_owned())),
            },
        }
    }

    /// The kernel's standard deviation on (x, y) for these points.
    pub fn sigma(&self, xs: &[f32], ys: &[f32]) -> (f64, f64) {
        let n = xs.len().max(1) as f64;
        match *self {
            Bandwidth::Fixed(h) => (h, h),
            Bandwidth::WizMap => {
                let n = n.min(100_000.0);
                let h = (n * (2.0 + 2.0) / 4.0).powf(-1.0 / (2.0 + 4.0));
                (h, h)
            }
            Bandwidth::Local => {
                let (sx, sy) = Bandwidth::Scott.sigma(xs, ys);
                let extent = |v: &[f32]| {
                    let (lo, hi) = v
                        .iter()
                        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| {
                            (lo.min(x), hi.max(x))
                        });
                    f64::from(hi - lo).max(0.0)
                };
                let floor = extent(xs).max(extent(ys)) / 150.0;
                match local_spread(xs, ys, LOCAL_K) {
                    Some(s) if s > 0.0 => {
                        let h = s * n.powf(-1.0 / 6.0);
                        let axis = |scott: f64| h.min(scott).max(floor.min(scott));
                        (axis(sx), axis(sy))
                    }
                    _ => (sx, sy),
                }
            }
            Bandwidth::Scott => {
                let factor = n.powf(-1.0 / 6.0);
                let sx = std_dev(xs);
                let sy = std_dev(ys);
                // A degenerate axis borrows the other's spread (or 1 when both are flat).
                let fallback = if sx > 0.0 {
                    sx
                } else if sy > 0.0 {
                    sy
                } else {
                    1.0
                };
                let sx = if sx > 0.0 { sx } else { fallback };
                let sy = if sy > 0.0 { sy } else { fallback };
                (sx * factor, sy * factor)
            }
        }
    }
}

/// The neighbour whose distance [`Bandwidth::Local`] measures.
const LOCAL_K: usize = 15;
/// Points searched and queries asked for [`local_spread`] (a stride sample: deterministic).
const LOCAL_SAMPLE: usize = 20_000;
const LOCAL_QUERIES: usize = 1_000;

/// `median r_k · √(m / k) / 2` over a sample of m points: a cluster's standard deviation as
/// its points' k-th neighbour distances tell it (see [`Bandwidth::Local`]). `None` when there
/// are too few points.
fn local_spread(xs: &[f32], ys: &[f32], k: usize) -> Option<f64> {
    let n = xs.len().min(ys.len());
    if n <= k + 1 {
        return None;
    }
    let stride = n.div_ceil(LOCAL_SAMPLE);
    let sample: Vec<[f64; 2]> = (0..n)
        .step_by(stride)
        .map(|i| [f64::from(xs[i]), f64::from(ys[i])])
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect();
    let m = sample.len();
    if m <= k + 1 {
        return None;
    }
    let q_stride = m.div_ceil(LOCAL_QUERIES);
    let mut best = Vec::with_capacity(k + 1);
    let mut radii: Vec<f64> = Vec::with_capacity(m / q_stride + 1);
    for q in (0..m).step_by(q_stride) {
        // The k + 1 smallest squared distances (the query itself among them).
        best.clear();
        let [qx, qy] = sample[q];
        for p in &sample {
            let d = (p[0] - qx).powi(2) + (p[1] - qy).powi(2);
            if best.len() <= k {
                best.push(d);
                if best.len() == k + 1 {
                    best.sort_unstable_by(f64::total_cmp);
                }
            } else if d < best[k] {
                let at = best.partition_point(|&b| b <= d);
                best.insert(at, d);
                best.pop();
            }
        }
        radii.push(best[k].sqrt());
    }
    radii.sort_unstable_by(f64::total_cmp);
    let median = radii[radii.len() / 2];
    Some(median * (m as f64 / k as f64).sqrt() / 2.0)
}

fn std_dev(v: &[f32]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = v
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    var.sqrt()
}

/// Where the density is sampled.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridSpec {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
    /// Nodes per side.
    pub size: usize,
}

impl GridSpec {
    /// WizMap's padded square around `domain`.
    pub fn padded(domain: &Domain, size: usize) -> Self {
        let (mut x_min, mut x_max, mut y_min, mut y_max) =
            (domain.x_min, domain.x_max, domain.y_min, domain.y_max);
        let x_gap = x_max - x_min;
        let y_gap = y_max - y_min;
        if x_gap > y_gap {
            x_min -= x_gap / 50.0;
            x_max += x_gap / 50.0;
            let x_gap = x_max - x_min;
            y_min -= (x_gap - y_gap) / 2.0;
            y_max += (x_gap - y_gap) / 2.0;
        } else {
            y_min -= y_gap / 50.0;
            y_max += y_gap / 50.0;
            let y_gap = y_max - y_min;
            x_min -= (y_gap - x_gap) / 2.0;
            x_max += (y_gap - x_gap) / 2.0;
        }
        if x_max <= x_min {
            // All points in one place: a unit square around it.
            x_min -= 0.5;
            x_max += 0.5;
            y_min -= 0.5;
            y_max += 0.5;
        }
        GridSpec {
            x_min,
            x_max,
            y_min,
            y_max,
            size: size.max(2),
        }
    }

    /// Distance between neighbouring nodes on (x, y).
    pub fn step(&self) -> (f64, f64) {
        let d = (self.size - 1) as f64;
        ((self.x_max - self.x_min) / d, (self.y_max - self.y_min) / d)
    }

    /// Node `i`'s coordinate on x (and on y with [`GridSpec::y_at`]).
    pub fn x_at(&self, i: usize) -> f64 {
        self.x_min + i as f64 * self.step().0
    }

    pub fn y_at(&self, j: usize) -> f64 {
        self.y_min + j as f64 * self.step().1
    }
}

/// Density at every node, rows along y.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DensityGrid {
    pub spec: GridSpec,
    /// Kernel standard deviation on (x, y).
    pub sigma: (f64, f64),
    /// `values[j * size + i]` is the density at `(x_at(i), y_at(j))`; integrates to 1.
    pub values: Vec<f64>,
}

impl DensityGrid {
    /// The largest value.
    pub fn max(&self) -> f64 {
        self.values.iter().copied().fold(0.0, f64::max)
    }

    /// Bilinear density at world `(x, y)` (0 outside the grid).
    pub fn sample(&self, x: f64, y: f64) -> f64 {
        let (sx, sy) = self.spec.step();
        let fx = (x - self.spec.x_min) / sx;
        let fy = (y - self.spec.y_min) / sy;
        let last = (self.spec.size - 1) as f64;
        if !(0.0..=last).contains(&fx) || !(0.0..=last).contains(&fy) {
            return 0.0;
        }
        let i = (fx.floor() as usize).min(self.spec.size - 2);
        let j = (fy.floor() as usize).min(self.spec.size - 2);
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        let n = self.spec.size;
        let v = |i: usize, j: usize| self.values[j * n + i];
        let top = v(i, j) * (1.0 - tx) + v(i + 1, j) * tx;
        let bottom = v(i, j + 1) * (1.0 - tx) + v(i + 1, j + 1) * tx;
        top * (1.0 - ty) + bottom * ty
    }
}

/// Points' unit weights split over the four nearest grid nodes (linear binning), `size²` cells.
pub fn bin_linear(xs: &[f32], ys: &[f32], spec: &GridSpec) -> Vec<f64> {
    let n = spec.size;
    let (sx, sy) = spec.step();
    let mut bins = vec![0.0; n * n];
    let last = (n - 1) as f64;
    for (&x, &y) in xs.iter().zip(ys) {
        let fx = ((f64::from(x) - spec.x_min) / sx).clamp(0.0, last);
        let fy = ((f64::from(y) - spec.y_min) / sy).clamp(0.0, last);
        let i = (fx.floor() as usize).min(n - 2);
        let j = (fy.floor() as usize).min(n - 2);
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        bins[j * n + i] += (1.0 - tx) * (1.0 - ty);
        bins[j * n + i + 1] += tx * (1.0 - ty);
        bins[(j + 1) * n + i] += (1.0 - tx) * ty;
        bins[(j + 1) * n + i + 1] += tx * ty;
    }
    bins
}

/// The 1-D Gaussian weights `exp(-(k·step)² / 2σ²)` for `k = -r..=r`, `r = ceil(4σ / step)`
/// (at least 1).
pub fn kernel_1d(sigma: f64, step: f64) -> Vec<f64> {
    let r = ((4.0 * sigma / step).ceil() as usize).max(1);
    (0..=2 * r)
        .map(|k| {
            let d = (k as f64 - r as f64) * step;
            (-d * d / (2.0 * sigma * sigma)).exp()
        })
        .collect()
}

/// Blur `grid` (rows of `n`) along x with `kx`, then along y with `ky` (zero outside).
pub fn blur_separable(grid: &[f64], n: usize, kx: &[f64], ky: &[f64]) -> Vec<f64> {
    let rx = kx.len() / 2;
    let ry = ky.len() / 2;
    let mut tmp = vec![0.0; n * n];
    for j in 0..n {
        let row = &grid[j * n..(j + 1) * n];
        for i in 0..n {
            let lo = i.saturating_sub(rx);
            let hi = (i + rx).min(n - 1);
            let mut acc = 0.0;
            for (s, &v) in row.iter().enumerate().take(hi + 1).skip(lo) {
                acc += v * kx[s + rx - i];
            }
            tmp[j * n + i] = acc;
        }
    }
    let mut out = vec![0.0; n * n];
    for j in 0..n {
        let lo = j.saturating_sub(ry);
        let hi = (j + ry).min(n - 1);
        for s in lo..=hi {
            let w = ky[s + ry - j];
            let src = &tmp[s * n..(s + 1) * n];
            let dst = &mut out[j * n..(j + 1) * n];
            for (d, &v) in dst.iter_mut().zip(src) {
                *d += w * v;
            }
        }
    }
    out
}

/// The Gaussian KDE of the points on `spec`'s grid: linear binning, then a separable blur.
pub fn kde_binned(
    xs: &[f32],
    ys: &[f32],
    spec: &GridSpec,
    bandwidth: Bandwidth,
) -> Result<DensityGrid, MapError> {
    Domain::of(xs, ys)?;
    Ok(kde_binned_sigma(xs, ys, spec, bandwidth.sigma(xs, ys)))
}

/// [`kde_binned`] with the kernel's standard deviations given (e.g. a subset of the points drawn
/// with the whole set's kernel, so that the two compare).
pub fn kde_binned_sigma(xs: &[f32], ys: &[f32], spec: &GridSpec, sigma: (f64, f64)) -> DensityGrid {
    let (sx, sy) = spec.step();
    let bins = bin_linear(xs, ys, spec);
    let blurred = blur_separable(
        &bins,
        spec.size,
        &kernel_1d(sigma.0, sx),
        &kernel_1d(sigma.1, sy),
    );
    let norm = 1.0 / (xs.len().max(1) as f64 * 2.0 * std::f64::consts::PI * sigma.0 * sigma.1);
    DensityGrid {
        spec: *spec,
        sigma,
        values: blurred.into_iter().map(|v| v * norm).collect(),
    }
}

/// The Gaussian KDE summed exactly over every point at every node (slow; the reference).
pub fn kde_exact(
    xs: &[f32],
    ys: &[f32],
    spec: &GridSpec,
    bandwidth: Bandwidth,
) -> Result<DensityGrid, MapError> {
    Domain::of(xs, ys)?;
    let sigma = bandwidth.sigma(xs, ys);
    let n = spec.size;
    let norm = 1.0 / (xs.len() as f64 * 2.0 * std::f64::consts::PI * sigma.0 * sigma.1);
    let mut values = vec![0.0; n * n];
    for (&x, &y) in xs.iter().zip(ys) {
        let wx: Vec<f64> = (0..n)
            .map(|i| {
                let d = spec.x_at(i) - f64::from(x);
                (-d * d / (2.0 * sigma.0 * sigma.0)).exp()
            })
            .collect();
        for j in 0..n {
            let d = spec.y_at(j) - f64::from(y);
            let wy = (-d * d / (2.0 * sigma.1 * sigma.1)).exp();
            if wy < 1e-300 {
                continue;
            }
            for (v, w) in values[j * n..(j + 1) * n].iter_mut().zip(&wx) {
                *v += wy * w;
            }
        }
    }
    for v in &mut values {
        *v *= norm;
    }
    Ok(DensityGrid {
        spec: *spec,
        sigma,
        values,
    })
}

/// One contour level: the region at or above `threshold`, as closed rings in world coordinates
/// (outer rings and holes; fill with the even-odd rule).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContourLevel {
    pub threshold: f64,
    pub rings: Vec<Vec<[f32; 2]>>,
}

/// `levels` thresholds evenly spaced between 0 and the peak (exclusive of both).
pub fn thresholds(grid: &DensityGrid, levels: usize) -> Vec<f64> {
    let max = grid.max();
    (1..=levels)
        .map(|i| max * i as f64 / (levels + 1) as f64)
        .collect()
}

/// Marching-squares contours (the `contour` crate) of the density at `thresholds`.
pub fn contours(grid: &DensityGrid, thresholds: &[f64]) -> Result<Vec<ContourLevel>, MapError> {
    let n = grid.spec.size;
    let (sx, sy) = grid.spec.step();
    // The crate treats values as cells whose corners are at integer coordinates (a value at
    // cell i spans x in [i, i + 1)); shift by half a step so rings land on node coordinates.
    let builder = contour::ContourBuilder::new(n, n, true)
        .x_origin(grid.spec.x_min - sx / 2.0)
        .y_origin(grid.spec.y_min - sy / 2.0)
        .x_step(sx)
        .y_step(sy);
    let found = builder
        .contours(&grid.values, thresholds)
        .map_err(|e| MapError::Contour(e.to_string()))?;
    Ok(found
        .into_iter()
        .map(|c| {
            let threshold = c.threshold();
            let (geometry, _) = c.into_inner();
            let mut rings = Vec::new();
            for polygon in geometry {
                let (exterior, interiors) = polygon.into_inner();
                for ring in std::iter::once(exterior).chain(interiors) {
                    rings.push(
                        ring.points()
                            .map(|p| [p.x() as f32, p.y() as f32])
                            .collect::<Vec<_>>(),
                    );
                }
            }
            ContourLevel { threshold, rings }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::rng::SplitMix64;

    fn gaussian_cloud(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
        let mut rng = SplitMix64::new(seed);
        (0..n)
            .map(|_| (rng.normal() as f32 * 2.0 + 5.0, rng.normal() as f32 - 3.0))
            .unzip()
    }

    #[test]
    fn padded_grid_is_square_about_the_data() {
        let d = Domain {
            x_min: 0.0,
            x_max: 10.0,
            y_min: 0.0,
            y_max: 4.0,
        };
        let g = GridSpec::padded(&d, 200);
        assert_eq!((g.x_min, g.x_max), (-0.2, 10.2));
        assert!((g.y_min - -3.2).abs() < 1e-12 && (g.y_max - 7.2).abs() < 1e-12);
        assert_eq!(g.x_at(199), g.x_max);
    }

    #[test]
    fn bandwidth_rules() {
        let xs = [0.0, 2.0, 4.0, 6.0];
        let ys = [0.0, 1.0, 2.0, 3.0];
        let n: f64 = 4.0;
        // WizMap: Silverman's factor for d = 2, (n (d + 2) / 4)^(-1/(d + 4)) = n^(-1/6).
        let (h, _) = Bandwidth::WizMap.sigma(&xs, &ys);
        assert!((h - n.powf(-1.0 / 6.0)).abs() < 1e-12);
        // Scott: sample standard deviation times n^(-1/6) per axis.
        let (hx, hy) = Bandwidth::Scott.sigma(&xs, &ys);
        let sd_x = (20.0f64 / 3.0).sqrt();
        assert!((hx - sd_x * n.powf(-1.0 / 6.0)).abs() < 1e-12);
        assert!((hy - sd_x / 2.0 * n.powf(-1.0 / 6.0)).abs() < 1e-12);
        assert_eq!(Bandwidth::parse("0.5").unwrap(), Bandwidth::Fixed(0.5));
        assert!(matches!(
            Bandwidth::parse("-1"),
            Err(MapError::BadBandwidth(_))
        ));
        assert!(matches!(
            Bandwidth::parse("wide"),
            Err(MapError::BadBandwidth(_))
        ));
    }

    #[test]
    fn binned_kde_matches_the_exact_sum() {
        let (xs, ys) = gaussian_cloud(3000, 7);
        let spec = GridSpec::padded(&Domain::of(&xs, &ys).unwrap(), 120);
        let fast = kde_binned(&xs, &ys, &spec, Bandwidth::Scott).unwrap();
        let exact = kde_exact(&xs, &ys, &spec, Bandwidth::Scott).unwrap();
        let max = exact.max();
        let worst = fast
            .values
            .iter()
            .zip(&exact.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 0.01 * max, "worst {worst} of peak {max}");
        // A density integrates to ~1 over the grid.
        let (sx, sy) = spec.step();
        let total: f64 = fast.values.iter().sum::<f64>() * sx * sy;
        assert!((total - 1.0).abs() < 0.01, "integral {total}");
    }

    #[test]
    fn one_point_gives_the_analytic_gaussian() {
        let spec = GridSpec {
            x_min: -5.0,
            x_max: 5.0,
            y_min: -5.0,
            y_max: 5.0,
            size: 101,
        };
        let g = kde_exact(&[0.0], &[0.0], &spec, Bandwidth::Fixed(1.0)).unwrap();
        let peak = 1.0 / (2.0 * std::f64::consts::PI);
        assert!((g.values[50 * 101 + 50] - peak).abs() < 1e-12);
        let at = |x: f64, y: f64| peak * (-(x * x + y * y) / 2.0).exp();
        assert!((g.values[60 * 101 + 70] - at(2.0, 1.0)).abs() < 1e-12);
    }

    #[test]
    fn contours_of_an_analytic_density_are_circles() {
        // Density exp(-r²/2) / 2π; the contour at t is the circle r = sqrt(-2 ln(2π t)).
        let spec = GridSpec {
            x_min: -4.0,
            x_max: 4.0,
            y_min: -4.0,
            y_max: 4.0,
            size: 161,
        };
        let g = kde_exact(&[0.0], &[0.0], &spec, Bandwidth::Fixed(1.0)).unwrap();
        let ts = thresholds(&g, 3);
        let levels = contours(&g, &ts).unwrap();
        assert_eq!(levels.len(), 3);
        for level in &levels {
            assert_eq!(level.rings.len(), 1, "one ring at {}", level.threshold);
            let r = (-2.0 * (2.0 * std::f64::consts::PI * level.threshold).ln()).sqrt();
            for p in &level.rings[0] {
                let pr = f64::from(p[0]).hypot(f64::from(p[1]));
                assert!((pr - r).abs() < 0.03, "point at r = {pr}, expected {r}");
            }
        }
        // Higher thresholds enclose smaller circles.
        let radius =
            |l: &ContourLevel| f64::from(l.rings[0][0][0]).hypot(f64::from(l.rings[0][0][1]));
        assert!(radius(&levels[0]) > radius(&levels[1]) && radius(&levels[1]) > radius(&levels[2]));
    }

    /// `per` points of a Gaussian of standard deviation `sd` about each centre (Box–Muller on
    /// a fixed LCG, so the layout is the same every run).
    fn gaussian_clusters(centres: &[[f32; 2]], sd: f32, per: usize) -> (Vec<f32>, Vec<f32>) {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for c in centres {
            for _ in 0..per {
                let (u, v) = (uniform(), uniform());
                let r = (-2.0 * u.ln()).sqrt();
                let t = std::f64::consts::TAU * v;
                xs.push(c[0] + sd * (r * t.cos()) as f32);
                ys.push(c[1] + sd * (r * t.sin()) as f32);
            }
        }
        (xs, ys)
    }

    fn inside(ring: &[[f32; 2]], p: [f32; 2]) -> bool {
        let mut inside = false;
        for (a, b) in ring.iter().zip(ring.iter().cycle().skip(1)) {
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                inside = !inside;
            }
        }
        inside
    }

    /// For each ring of the lowest contour that holds any centre, how many centres it holds.
    fn centres_per_ring(xs: &[f32], ys: &[f32], centres: &[[f32; 2]], bw: Bandwidth) -> Vec<usize> {
        let domain = Domain::of(xs, ys).unwrap();
        let grid = kde_binned(xs, ys, &GridSpec::padded(&domain, 200), bw).unwrap();
        let lowest = &contours(&grid, &thresholds(&grid, 12)).unwrap()[0];
        lowest
            .rings
            .iter()
            .map(|r| centres.iter().filter(|&&c| inside(r, c)).count())
            .filter(|&n| n > 0)
            .collect()
    }

    #[test]
    fn separated_clusters_keep_separate_contours() {
        // Two tight clusters 2.5 apart (8 standard deviations: plainly two) and a third far
        // away, which makes the layout's whole spread large, as the many clusters of a UMAP
        // layout do.
        let centres = [[0.0, 0.0], [2.5, 0.0], [30.0, 10.0]];
        let (xs, ys) = gaussian_clusters(&centres, 0.3, 3000);
        // Scott's rule on the whole spread draws one contour around the two near clusters.
        let scott = centres_per_ring(&xs, &ys, &centres, Bandwidth::Scott);
        assert!(scott.contains(&2), "{scott:?}");
        // The local rule keeps three contours, one centre in each.
        let local = centres_per_ring(&xs, &ys, &centres, Bandwidth::Local);
        assert_eq!(local, [1, 1, 1]);
        // Its width is about the rule's: s √C · n^(-1/6) with C = 3 clusters of sd 0.3, or the
        // floor of 1/150 of the layout's larger side (30.6 / 150 ≈ 0.2), whichever is wider.
        let (hx, hy) = Bandwidth::Local.sigma(&xs, &ys);
        assert_eq!(hx, hy);
        let rule = 0.3 * 3f64.sqrt() * 9000f64.powf(-1.0 / 6.0);
        assert!(
            (0.2..0.25).contains(&hx) && rule < 0.2,
            "σ {hx}, rule {rule}"
        );
    }

    #[test]
    fn on_one_gaussian_the_local_rule_is_scott_s() {
        let (xs, ys) = gaussian_clusters(&[[5.0, -3.0]], 2.0, 10_000);
        let (lx, ly) = Bandwidth::Local.sigma(&xs, &ys);
        let (sx, sy) = Bandwidth::Scott.sigma(&xs, &ys);
        // The estimate from neighbour distances is within 15 % of the standard deviation.
        assert!(
            lx > 0.85 * sx && lx <= sx && ly > 0.85 * sy && ly <= sy,
            "{lx} {ly} vs {sx} {sy}"
        );
        // Points all in one place, or too few, fall back to Scott's rule.
        assert_eq!(
            Bandwidth::Local.sigma(&[1.0; 40], &[2.0; 40]),
            Bandwidth::Scott.sigma(&[1.0; 40], &[2.0; 40])
        );
        assert_eq!(
            Bandwidth::Local.sigma(&xs[..5], &ys[..5]),
            Bandwidth::Scott.sigma(&xs[..5], &ys[..5])
        );
        assert_eq!(Bandwidth::parse("local").unwrap(), Bandwidth::Local);
    }
}
