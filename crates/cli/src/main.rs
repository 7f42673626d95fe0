//! `vecscape`: the native command-line front end over vecscape-core.
//!
//! - `vecscape inspect FILE` — shape, dtype and memory of a `.npy`; rows and fields of a `.jsonl`.
//! - `vecscape project FILE --method pca|gaussian-rp|sparse-rp --dims 2 --out OUT.npy` — an f32
//!   `.npy` of shape N×dims.
//! - `vecscape knn FILE --query-rows 0,5,9 --k 10 --metric cosine|dot|l2 --format json` — exact
//!   nearest neighbours of existing rows.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use vecscape_core::knn::{FlatIndex, KnnError, Metric};
use vecscape_core::pca::{Pca, PcaSolver};
use vecscape_core::random_projection::{RandomProjection, RandomProjectionKind};

#[derive(Parser)]
#[command(
    name = "vecscape",
    version,
    about = "Explore embeddings: inspect and project vector files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print shape, dtype and memory of a .npy file, or rows and fields of a .jsonl file.
    Inspect { file: PathBuf },
    /// Project vectors to a few dimensions and write them as an f32 .npy (N × dims).
    Project {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Method::Pca)]
        method: Method,
        #[arg(long, default_value_t = 2)]
        dims: usize,
        /// Seed of the randomized solver (used when the input has more than 128 dimensions).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Exact k nearest neighbours of existing rows (brute force over all rows).
    Knn {
        file: PathBuf,
        /// Comma-separated row numbers to use as queries.
        #[arg(long, value_delimiter = ',', required = true)]
        query_rows: Vec<usize>,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
        metric: MetricArg,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Leave each query row out of its own results.
        #[arg(long)]
        exclude_self: bool,
        /// Where to search: the GPU (any wgpu adapter) or the CPU. Default: the GPU when an
        /// adapter exists, else the CPU; the choice is printed to stderr.
        #[arg(long, value_enum)]
        device: Option<DeviceArg>,
    },
    /// Time exact kNN: one query at a time over the first `--queries` rows; prints JSON.
    Bench {
        file: PathBuf,
        #[arg(long, default_value_t = 100)]
        queries: usize,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
        metric: MetricArg,
        #[arg(long, value_enum)]
        device: Option<DeviceArg>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Method {
    /// Principal component analysis (centred; sign convention as scikit-learn).
    Pca,
    /// Gaussian random projection, entries N(0, 1/dims).
    GaussianRp,
    /// Very sparse random projection (Li, Hastie & Church 2006), density 1/√d.
    SparseRp,
}

#[derive(Clone, Copy, ValueEnum)]
enum MetricArg {
    /// Cosine similarity.
    Cosine,
    /// Dot product.
    Dot,
    /// Squared Euclidean distance.
    L2,
}

impl From<MetricArg> for Metric {
    fn from(m: MetricArg) -> Self {
        match m {
            MetricArg::Cosine => Metric::Cosine,
            MetricArg::Dot => Metric::Dot,
            MetricArg::L2 => Metric::L2,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DeviceArg {
    Cpu,
    Gpu,
}

/// A GPU context when one is wanted and available.
fn gpu_for(device: Option<DeviceArg>) -> Result<Option<vecscape_gpu::GpuContext>> {
    if device == Some(DeviceArg::Cpu) {
        eprintln!("device: cpu");
        return Ok(None);
    }
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    match pollster::block_on(vecscape_gpu::GpuContext::new(&instance, None)) {
        Ok(ctx) => {
            eprintln!("device: gpu ({})", ctx.describe());
            Ok(Some(ctx))
        }
        Err(e) if device == Some(DeviceArg::Gpu) => bail!("--device gpu: {e}"),
        Err(e) => {
            eprintln!("device: cpu (no GPU adapter: {e})");
            Ok(None)
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Tsv,
}

fn name_of(path: &Path) -> String {
    path.display().to_string()
}

fn read_vectors(path: &Path) -> Result<ndarray::Array2<f32>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(vecscape_core::npy::read_npy(&name_of(path), &bytes)?)
}

fn inspect(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = name_of(path);
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        let meta = vecscape_core::meta::read_jsonl(&name, &bytes)?;
        println!("{name}: JSON Lines, {} rows", meta.len());
        match &meta.category {
            Some(cat) => println!(
                "  category field '{}': {} distinct values",
                cat.field,
                cat.names.len()
            ),
            None => println!(
                "  no category field ({})",
                vecscape_core::meta::CATEGORY_FIELDS.join(", ")
            ),
        }
        return Ok(());
    }
    let header = String::from_utf8_lossy(bytes.get(10..128.min(bytes.len())).unwrap_or_default())
        .to_string();
    let matrix = vecscape_core::npy::read_npy(&name, &bytes)?;
    let (rows, cols) = matrix.dim();
    let dtype = header
        .split("'descr':")
        .nth(1)
        .and_then(|s| s.split('\'').nth(1))
        .unwrap_or("?");
    println!("{name}: .npy, {rows} rows × {cols} dims, dtype {dtype}");
    println!(
        "  file {} bytes; in memory as f32 {} bytes ({:.1} MiB)",
        bytes.len(),
        rows * cols * 4,
        (rows * cols * 4) as f64 / (1 << 20) as f64
    );
    Ok(())
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Inspect { file } => inspect(&file),
        Command::Project {
            file,
            method,
            dims,
            seed,
            out,
        } => {
            let x = read_vectors(&file)?;
            if dims == 0 {
                bail!("--dims must be at least 1");
            }
            let (projected, note) = match method {
                Method::Pca => {
                    let solver = if x.ncols() > vecscape_core::pca::EXACT_MAX_DIMS {
                        PcaSolver::Randomized { seed }
                    } else {
                        PcaSolver::Exact
                    };
                    let pca = Pca::fit(x.view(), dims, solver)?;
                    let ratio: Vec<String> = pca
                        .explained_variance_ratio
                        .iter()
                        .map(|r| format!("{r:.4}"))
                        .collect();
                    (
                        pca.transform(x.view()),
                        format!("explained variance ratio [{}]", ratio.join(", ")),
                    )
                }
                Method::GaussianRp | Method::SparseRp => {
                    let kind = if matches!(method, Method::GaussianRp) {
                        RandomProjectionKind::Gaussian
                    } else {
                        RandomProjectionKind::VerySparse
                    };
                    let rp = RandomProjection::new(kind, x.ncols(), dims, seed)?;
                    (rp.apply(x.view()), format!("seed {seed}"))
                }
            };
            std::fs::write(&out, vecscape_core::npy::write_npy_f32(&projected))
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} ({} × {dims}); {note}", out.display(), x.nrows());
            Ok(())
        }
        Command::Knn {
            file,
            query_rows,
            k,
            metric,
            format,
            exclude_self,
            device,
        } => {
            let x = read_vectors(&file)?;
            let metric = metric.into();
            let gpu = match gpu_for(device)? {
                Some(ctx) => Some(vecscape_gpu::GpuFlatIndex::new(&ctx, &x, metric, None)?),
                None => None,
            };
            let index = FlatIndex::new(&x, metric);
            let mut results = Vec::with_capacity(query_rows.len());
            for &row in &query_rows {
                if row >= x.nrows() {
                    return Err(KnnError::NoSuchRow {
                        row,
                        rows: x.nrows(),
                    })
                    .with_context(|| file.display().to_string());
                }
                let exclude = exclude_self.then_some(row as u32);
                let found = match &gpu {
                    Some(g) => g.search_blocking(&x.row(row).to_vec(), k, exclude)?,
                    None => index.search(&x.row(row).to_vec(), k, exclude)?,
                };
                results.push((row, found));
            }
            match format {
                Format::Json => {
                    let results: Vec<serde_json::Value> = results
                        .iter()
                        .map(|(row, found)| {
                            serde_json::json!({"query": row, "ids": found.ids, "scores": found.scores})
                        })
                        .collect();
                    println!("{}", serde_json::json!({ "results": results }));
                }
                Format::Tsv => {
                    println!("query\trank\tid\tscore");
                    for (row, found) in &results {
                        for (rank, (id, score)) in found.ids.iter().zip(&found.scores).enumerate() {
                            println!("{row}\t{}\t{id}\t{score}", rank + 1);
                        }
                    }
                }
            }
            Ok(())
        }
        Command::Bench {
            file,
            queries,
            k,
            metric,
            device,
        } => bench(&file, queries, k, metric.into(), device),
    }
}

/// Times single-query exact kNN (after the index is built) and prints a JSON summary with the
/// ids of the first query, so a caller can check the answer against its own.
fn bench(
    file: &Path,
    queries: usize,
    k: usize,
    metric: Metric,
    device: Option<DeviceArg>,
) -> Result<()> {
    let x = read_vectors(file)?;
    let queries = queries.min(x.nrows());
    let gpu = match gpu_for(device)? {
        Some(ctx) => Some(vecscape_gpu::GpuFlatIndex::new(&ctx, &x, metric, None)?),
        None => None,
    };
    let cpu = FlatIndex::new(&x, metric);
    let query_rows: Vec<Vec<f32>> = (0..queries).map(|r| x.row(r).to_vec()).collect();
    let mut first_ids = Vec::new();
    let started = std::time::Instant::now();
    for (i, q) in query_rows.iter().enumerate() {
        let found = match &gpu {
            Some(g) => g.search_blocking(q, k, None)?,
            None => cpu.search(q, k, None)?,
        };
        if i == 0 {
            first_ids = found.ids;
        }
    }
    let total_ms = started.elapsed().as_secs_f64() * 1e3;
    println!(
        "{}",
        serde_json::json!({
            "device": if gpu.is_some() { "gpu" } else { "cpu" },
            "rows": x.nrows(),
            "dims": x.ncols(),
            "queries": queries,
            "k": k,
            "total_ms": total_ms,
            "ms_per_query": total_ms / queries.max(1) as f64,
            "first_ids": first_ids,
        })
    );
    Ok(())
}
