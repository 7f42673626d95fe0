//! Checks and benchmarks the page asks for on the vectors held here: the CPU twins of the
//! layouts it shows (the end-to-end tests compare them), the kNN kernels' self-check, and
//! `vecscapeBench`'s kernel timings ([`crate::bench`]).

use crate::reply::finish;
use crate::state;
use vecscape_core::project::pca::{Pca, PcaSolver};
use vecscape_core::project::random_projection::{RandomProjection, RandomProjectionKind};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{Probe, Reply};

fn numbers(job: u64, values: Vec<f32>) -> (Reply, Parcel) {
    (
        Reply::Probe {
            job,
            json: String::new(),
        },
        Parcel {
            xs: Some(values),
            ..Parcel::default()
        },
    )
}

/// Answer `job` with what `probe` asks.
pub(crate) async fn run(job: u64, probe: Probe) {
    let result = match probe {
        Probe::CpuPca { randomized } => state::with(|s| {
            let x = &s.data()?.vectors;
            let solver = if randomized {
                PcaSolver::Randomized { seed: 0 }
            } else {
                PcaSolver::Auto
            };
            let pca = Pca::fit_vectors(x, 2, solver).map_err(|e| e.to_string())?;
            Ok(numbers(
                job,
                pca.transform_vectors(x).iter().copied().collect(),
            ))
        }),
        Probe::CpuRandomProjection { sparse } => state::with(|s| {
            let x = &s.data()?.vectors;
            let kind = if sparse {
                RandomProjectionKind::VerySparse
            } else {
                RandomProjectionKind::Gaussian
            };
            let rp = RandomProjection::new(kind, x.ncols(), 2, 0).map_err(|e| e.to_string())?;
            Ok(numbers(job, rp.apply_vectors(x).iter().copied().collect()))
        }),
        Probe::KnnKernelsAgree => Ok((
            Reply::Probe {
                job,
                json: vecscape_core::search::checks::kernels_agree(7).to_string(),
            },
            Parcel::default(),
        )),
        Probe::Bench { name, options } => {
            let json = crate::bench::run(&name, &options).await;
            Ok((Reply::Probe { job, json }, Parcel::default()))
        }
    };
    finish(job, result);
}
