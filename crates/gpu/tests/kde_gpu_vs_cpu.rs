//! GPU kernel density (splat + separable blur) against the CPU twin `kde_binned`, and against
//! the exact sum, on lavapipe: a layout from ../shared-like clusters and sizes that are not
//! multiples of the workgroup.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use vecscape_core::map::density::{kde_binned, kde_exact, Bandwidth, GridSpec};
use vecscape_core::map::quadtree::Domain;
use vecscape_gpu::GpuKde;

mod common;
use common::context;

fn cloud(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = vecscape_core::project::rng::SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let c = [(0.0, 0.0), (6.0, 2.0), (-3.0, 5.0)][i % 3];
            (rng.normal() as f32 + c.0, rng.normal() as f32 * 0.7 + c.1)
        })
        .unzip()
}

#[test]
fn gpu_density_matches_the_cpu_twin() {
    let Some(ctx) = context() else { return };
    let kde = GpuKde::new(&ctx);
    for (n, size, bandwidth) in [
        (1, 17, Bandwidth::Fixed(0.5)),
        (1000, 63, Bandwidth::Scott),
        (100_003, 200, Bandwidth::Scott),
        (5000, 200, Bandwidth::WizMap),
    ] {
        let (xs, ys) = cloud(n, n as u64);
        let spec = GridSpec::padded(&Domain::of(&xs, &ys).unwrap(), size);
        let cpu = kde_binned(&xs, &ys, &spec, bandwidth).unwrap();
        let gpu = kde
            .start(&xs, &ys, &spec, cpu.sigma)
            .unwrap()
            .finish_blocking()
            .unwrap();
        let peak = cpu.max();
        let worst = gpu
            .values
            .iter()
            .zip(&cpu.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        // Fixed-point weights (1/1024) and f32 sums: well under a percent of the peak.
        assert!(worst < 2e-3 * peak, "n = {n}: worst {worst} of peak {peak}");
    }
    // And close to the exact Gaussian sum at every node.
    let (xs, ys) = cloud(2000, 9);
    let spec = GridSpec::padded(&Domain::of(&xs, &ys).unwrap(), 100);
    let exact = kde_exact(&xs, &ys, &spec, Bandwidth::Scott).unwrap();
    let gpu = kde
        .start(&xs, &ys, &spec, exact.sigma)
        .unwrap()
        .finish_blocking()
        .unwrap();
    let worst = gpu
        .values
        .iter()
        .zip(&exact.values)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 0.02 * exact.max(),
        "vs exact: worst {worst} of {}",
        exact.max()
    );
}

#[test]
fn bad_requests_are_errors() {
    let Some(ctx) = context() else { return };
    let kde = GpuKde::new(&ctx);
    let spec = GridSpec {
        x_min: 0.0,
        x_max: 1.0,
        y_min: 0.0,
        y_max: 1.0,
        size: 10,
    };
    assert!(kde.start(&[], &[], &spec, (1.0, 1.0)).is_err());
    assert!(kde.start(&[0.5], &[0.5], &spec, (0.0, 1.0)).is_err());
}
