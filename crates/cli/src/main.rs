//! `vecscape`: the native command-line front end over vecscape-core.
//!
//! Every command reads any format the core loads (`.npy`, Parquet, Arrow, CSV/TSV, JSON Lines,
//! raw float32 with `projector_config.json`, WizMap `data.ndjson`); give several files to join a
//! bundle (e.g. `projector_config.json tensors.bytes metadata.tsv`).
//!
//! - `vecscape inspect FILE…` — format, shape, memory, metadata columns.
//! - `vecscape project FILE… --method pca|gaussian-rp|sparse-rp --dims 2 --out OUT.npy` — an f32
//!   `.npy` of shape N×dims.
//! - `vecscape knn FILE… --query-rows 0,5,9 --k 10 --metric cosine|dot|l2 --format json
//!   [--quantize int8|int8-dim|binary]` — nearest neighbours of existing rows.
//! - `vecscape map COORDS.npy --text TEXTS.jsonl [--bandwidth scott|wizmap|N] --out grid.json` —
//!   the multi-resolution map (keywords per tile per zoom level, density) as WizMap's grid.json.
//! - `vecscape bench FILE… [--batch Q] [--quantize …]` — timings as JSON.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use vecscape_core::budget::Budget;
use vecscape_core::dataset::Dataset;
use vecscape_core::knn::{FlatIndex, KnnError, Metric, Neighbors};
use vecscape_core::pca::{Pca, PcaSolver};
use vecscape_core::quant::{recall_at_k, Int8Scale, QuantizedIndex, Quantizer};
use vecscape_core::random_projection::{RandomProjection, RandomProjectionKind};
use vecscape_core::store::{Storage, Vectors};

#[derive(Parser)]
#[command(
    name = "vecscape",
    version,
    about = "Explore embeddings: inspect and project vector files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Keep only the first N rows of the vectors (and their metadata).
    #[arg(long, global = true)]
    max_rows: Option<usize>,
    /// The most memory the vectors may take, e.g. 2G, 512M or 1500000000 (default 16G).
    #[arg(long, global = true, value_parser = parse_bytes)]
    memory_budget: Option<u64>,
    /// How the vectors are kept in memory (and on the GPU): f32; f16 (half the memory, exact
    /// for data stored as f16, else rounded to the nearest half); or int8 (a quarter: one byte
    /// a value and a scale per row). Searches and projections are exact for the stored values.
    #[arg(long, global = true, value_enum, default_value_t = StorageArg::F32)]
    storage: StorageArg,
}

fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        Some('t' | 'T') => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    let v: f64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 2G, 512M, 1500000000)"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("'{s}' is not a positive size"));
    }
    Ok((v * mult as f64) as u64)
}

#[derive(Subcommand)]
enum Command {
    /// Print format, shape, memory and metadata columns.
    Inspect {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Project vectors to a few dimensions and write them as an f32 .npy (N × dims).
    Project {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Method::Pca)]
        method: Method,
        #[arg(long, default_value_t = 2)]
        dims: usize,
        /// Seed of the random projection, or of the randomized PCA solver (on the GPU, or on the CPU
        /// above 512 dimensions).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Where the projection runs: the GPU (tiled matrix products on any wgpu adapter; PCA
        /// uses the randomized solver there) or the CPU. Default: the GPU when an adapter exists.
        #[arg(long, value_enum)]
        device: Option<DeviceArg>,
    },
    /// k nearest neighbours of existing rows: exact brute force over all rows, or a quantised
    /// scan with exact re-rank (`--quantize`).
    Knn {
        #[arg(required = true)]
        files: Vec<PathBuf>,
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
        /// Scan quantised codes, then re-rank a candidate pool exactly (the scan on the GPU
        /// with `--device gpu`, the re-rank on the CPU).
        #[arg(long, value_enum)]
        quantize: Option<QuantizeArg>,
        /// Candidates re-ranked exactly (default: max(10·k, 100) for int8, max(50·k, 500) for binary).
        #[arg(long)]
        pool: Option<usize>,
        /// Where to search: the GPU (any wgpu adapter) or the CPU. Default: the GPU when an
        /// adapter exists, else the CPU; the choice is printed to stderr.
        #[arg(long, value_enum)]
        device: Option<DeviceArg>,
    },
    /// Build the multi-resolution map of 2-D points (quadtree keywords per zoom level, density)
    /// and write it as WizMap's grid.json.
    Map {
        /// N×2 coordinates (.npy or any vector format with 2 columns), or WizMap's data.ndjson.
        coords: PathBuf,
        /// JSON Lines with one text per point (objects, or plain JSON strings).
        #[arg(long)]
        text: Option<PathBuf>,
        /// The field of --text holding the text (default: the first of text, document,
        /// sentence, … that the first row has).
        #[arg(long)]
        text_field: Option<String>,
        /// Kernel width: scott (per-axis Scott's rule on the layout's spread), wizmap
        /// (WizMap's absolute n^(-1/6)) or a number in data units.
        #[arg(long, default_value = "scott")]
        bandwidth: String,
        /// Density grid nodes per side.
        #[arg(long, default_value_t = 200)]
        grid_size: usize,
        /// Extra stop words, comma-separated.
        #[arg(long, value_delimiter = ',')]
        stop_words: Vec<String>,
        /// The map's name (grid.json's embeddingName).
        #[arg(long, default_value = "My Embedding")]
        name: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Time kNN over the first `--queries` rows as queries, one at a time or in batches; prints
    /// JSON with the first query's ids (and recall@k against exact search when quantised).
    Bench {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, default_value_t = 100)]
        queries: usize,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
        metric: MetricArg,
        #[arg(long, value_enum)]
        device: Option<DeviceArg>,
        /// Queries per batch (one submission each on the GPU); 1 = one at a time.
        #[arg(long, default_value_t = 1)]
        batch: usize,
        /// Time a quantised scan with exact re-rank instead.
        #[arg(long, value_enum)]
        quantize: Option<QuantizeArg>,
        #[arg(long)]
        pool: Option<usize>,
        /// Exact search with int8 bounds (CPU, f32 vectors): rows that cannot be among the
        /// nearest are skipped; the same results as the plain scan.
        #[arg(long)]
        bounded: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum QuantizeArg {
    /// Signed bytes, one scale per vector.
    Int8,
    /// Signed bytes, one scale per dimension.
    Int8Dim,
    /// Sign bits, Hamming distance.
    Binary,
}

impl From<QuantizeArg> for Quantizer {
    fn from(q: QuantizeArg) -> Self {
        match q {
            QuantizeArg::Int8 => Quantizer::Int8(Int8Scale::PerVector),
            QuantizeArg::Int8Dim => Quantizer::Int8(Int8Scale::PerDimension),
            QuantizeArg::Binary => Quantizer::Binary,
        }
    }
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
enum StorageArg {
    F32,
    F16,
    Int8,
}

impl From<StorageArg> for Storage {
    fn from(s: StorageArg) -> Self {
        match s {
            StorageArg::F32 => Self::F32,
            StorageArg::F16 => Self::F16,
            StorageArg::Int8 => Self::Int8,
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

/// Load and join the files, printing progress for big files to stderr.
fn read_dataset(paths: &[PathBuf], budget: &Budget) -> Result<Dataset> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let loaded = vecscape_core::load::load_chunks(
            &name_of(path),
            Some(bytes.len() as u64),
            bytes.chunks(16 << 20),
            budget,
            |p| {
                if p.total.is_some_and(|t| t > 256 << 20) {
                    eprint!(
                        "\rloading {}: {:.0} %",
                        p.file,
                        p.fraction().unwrap_or(0.0) * 100.0
                    );
                }
            },
        )?;
        if bytes.len() > 256 << 20 {
            eprintln!();
        }
        parts.push(loaded);
    }
    Ok(Dataset::assemble(parts, budget)?)
}

fn inspect(paths: &[PathBuf], budget: &Budget) -> Result<()> {
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let format = vecscape_core::load::Format::sniff(&name_of(path), &bytes);
        let dtype = if format == vecscape_core::load::Format::Npy {
            let header =
                String::from_utf8_lossy(bytes.get(10..256.min(bytes.len())).unwrap_or_default())
                    .to_string();
            header
                .split("'descr':")
                .nth(1)
                .and_then(|s| s.split('\'').nth(1))
                .map(|d| format!(", dtype {d}"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        println!(
            "{}: {}, {} bytes{dtype}",
            path.display(),
            format.name(),
            bytes.len()
        );
    }
    let ds = read_dataset(paths, budget)?;
    let (rows, cols) = ds.vectors.dim();
    println!("vectors from {}: {rows} rows × {cols} dims", ds.name);
    println!(
        "  in memory as {}: {} bytes ({})",
        ds.vectors.storage().name(),
        ds.vectors.bytes(),
        vecscape_core::budget::format_bytes(ds.vectors.bytes())
    );
    if ds.coords.is_some() {
        println!("  precomputed 2-D coordinates: yes");
    }
    let meta = &ds.meta;
    match &meta.text_field {
        Some(f) => println!("  text field: '{f}'"),
        None => println!("  text field: none (rows are numbered)"),
    }
    for c in &meta.categorical {
        println!(
            "  categorical '{}': {} distinct values",
            c.field,
            c.names.len()
        );
    }
    for n in &meta.numeric {
        match n.range() {
            Some((lo, hi)) => println!("  numeric '{}': {lo} … {hi}", n.field),
            None => println!("  numeric '{}': no values", n.field),
        }
    }
    if let Some(t) = &meta.time {
        println!("  time '{}'", t.field);
    }
    Ok(())
}

/// One text per line of a JSON Lines file: a JSON string, or an object's `field` (or the first
/// of the usual text fields the first object has).
fn read_texts(path: &Path, field: Option<&str>) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: byte {}: not UTF-8 text",
            path.display(),
            e.valid_up_to()
        )
    })?;
    let mut field = field.map(str::to_owned);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            anyhow::anyhow!(
                "{}: line {}, column {}: not valid JSON: {message}",
                path.display(),
                i + 1,
                e.column()
            )
        })?;
        let s = match &value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Object(o) => {
                if field.is_none() {
                    field = vecscape_core::meta::TEXT_FIELDS
                        .iter()
                        .find(|f| o.contains_key(**f))
                        .map(|f| (*f).to_owned());
                }
                let Some(f) = field.as_deref() else {
                    bail!(
                        "{}: line {}: no text field (tried {}); name one with --text-field",
                        path.display(),
                        i + 1,
                        vecscape_core::meta::TEXT_FIELDS.join(", ")
                    );
                };
                match o.get(f) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                }
            }
            _ => bail!(
                "{}: line {}: expected a JSON string or object",
                path.display(),
                i + 1
            ),
        };
        out.push(s);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn map(
    coords: &Path,
    text: Option<&Path>,
    text_field: Option<&str>,
    bandwidth: &str,
    grid_size: usize,
    stop_words: Vec<String>,
    name: &str,
    out: &Path,
    budget: &Budget,
) -> Result<()> {
    use vecscape_core::map::{density::Bandwidth, wizmap::GridJson, MapOptions, Stage, Summary};
    let bandwidth = Bandwidth::parse(bandwidth).context("--bandwidth")?;
    let ds = read_dataset(&[coords.to_path_buf()], budget)?;
    let xy = match (&ds.coords, ds.vectors.ncols()) {
        (Some(c), _) => c.clone(),
        (None, 2) => ds.vectors.to_f32().into_owned(),
        (None, d) => bail!(
            "{}: expected N×2 coordinates, found {d} columns; project first with `vecscape project --dims 2`",
            coords.display()
        ),
    };
    let xs: Vec<f32> = xy.column(0).to_vec();
    let ys: Vec<f32> = xy.column(1).to_vec();
    let texts: Vec<String> = match text {
        Some(path) => read_texts(path, text_field)?,
        None if ds.meta.text_field.is_some() => ds.meta.text.clone(),
        None => Vec::new(),
    };
    if !texts.is_empty() && texts.len() != xs.len() {
        bail!(
            "{}: {} texts for {} points",
            text.map(|p| p.display().to_string()).unwrap_or_default(),
            texts.len(),
            xs.len()
        );
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let options = MapOptions {
        grid_size,
        bandwidth,
        stop_words,
        ..MapOptions::default()
    };
    let started = std::time::Instant::now();
    let summary = Summary::build(&xs, &ys, &refs, &options, |stage| {
        if let Stage::Level { level, done, of } = stage {
            eprint!("\rlevel {level} ({}/{of})", done + 1);
        }
        true
    })?
    .context("map building stopped")?;
    eprintln!();
    let grid = GridJson::from_summary(&summary, name, xs.len());
    let json = serde_json::to_vec(&grid)?;
    std::fs::write(out, json).with_context(|| format!("writing {}", out.display()))?;
    let tiles: usize = summary.levels.iter().map(|l| l.topics.len()).sum();
    eprintln!(
        "{} points: levels {}…{}, {tiles} tiles with keywords, {}×{} density (σ = {:.4}, {:.4}), {} contour levels in {:.2} s → {}",
        xs.len(),
        summary.levels.first().map_or(0, |l| l.level),
        summary.levels.last().map_or(0, |l| l.level),
        grid_size,
        grid_size,
        summary.density.sigma.0,
        summary.density.sigma.1,
        summary.contours.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut budget = Budget::with_max_rows(cli.max_rows).with_storage(cli.storage.into());
    if let Some(bytes) = cli.memory_budget {
        budget.bytes = bytes;
    }
    match cli.command {
        Command::Inspect { files } => inspect(&files, &budget),
        Command::Project {
            files,
            method,
            dims,
            seed,
            out,
            device,
        } => {
            let x = read_dataset(&files, &budget)?.vectors;
            if dims == 0 {
                bail!("--dims must be at least 1");
            }
            let (projected, note) = match method {
                Method::Pca => {
                    let (pca, projected) = match gpu_for(device)? {
                        // Randomized PCA with its products on the GPU, the data resident there.
                        Some(ctx) => {
                            let gpu = vecscape_gpu::GpuPca::new(&ctx);
                            let prepared = gpu.prepare_vectors(&x, dims, None)?;
                            let pca = gpu.fit_blocking(&prepared, seed)?;
                            let projected = gpu.project_blocking(&prepared, &pca)?;
                            (pca, projected)
                        }
                        None => {
                            let solver = if x.ncols() > vecscape_core::pca::EXACT_MAX_DIMS {
                                PcaSolver::Randomized { seed }
                            } else {
                                PcaSolver::Exact
                            };
                            let pca = Pca::fit_vectors(&x, dims, solver)?;
                            let projected = pca.transform_vectors(&x);
                            (pca, projected)
                        }
                    };
                    let ratio: Vec<String> = pca
                        .explained_variance_ratio
                        .iter()
                        .map(|r| format!("{r:.4}"))
                        .collect();
                    (
                        projected,
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
                    let projected = match gpu_for(device)? {
                        Some(ctx) => vecscape_gpu::GpuMatmul::new(&ctx)
                            .start_project_vectors(&x, &rp, None)?
                            .finish_blocking()?,
                        None => rp.apply_vectors(&x),
                    };
                    (projected, format!("seed {seed}"))
                }
            };
            std::fs::write(&out, vecscape_core::npy::write_npy_f32(&projected))
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} ({} × {dims}); {note}", out.display(), x.nrows());
            Ok(())
        }
        Command::Knn {
            files,
            query_rows,
            k,
            metric,
            format,
            exclude_self,
            device,
            quantize,
            pool,
        } => {
            let x = read_dataset(&files, &budget)?.vectors;
            let metric = metric.into();
            let quantized = quantize.map(|q| {
                let q: Quantizer = q.into();
                (
                    QuantizedIndex::build(&x, metric, q),
                    pool.unwrap_or(q.default_pool(k)),
                )
            });
            // On the GPU: the exact scan, or the quantised scan with the re-rank on the CPU.
            let ctx = gpu_for(device)?;
            let gpu = match (&ctx, &quantized) {
                (Some(ctx), None) => Some(vecscape_gpu::GpuFlatIndex::from_vectors(
                    ctx, &x, metric, None,
                )?),
                _ => None,
            };
            let gpu_quantized = match (&ctx, &quantized) {
                (Some(ctx), Some((qi, _))) => {
                    Some(vecscape_gpu::GpuQuantizedIndex::new(ctx, qi, None)?)
                }
                _ => None,
            };
            let index = FlatIndex::new(&x, metric);
            if let Some(&row) = query_rows.iter().find(|&&row| row >= x.nrows()) {
                return Err(KnnError::NoSuchRow {
                    row,
                    rows: x.nrows(),
                })
                .with_context(|| name_of(&files[0]));
            }
            let excludes: Vec<Option<u32>> = query_rows
                .iter()
                .map(|&row| exclude_self.then_some(row as u32))
                .collect();
            let queries: Vec<Vec<f32>> = query_rows.iter().map(|&r| x.row_f32(r)).collect();
            let found: Vec<Neighbors> = match (&gpu, &quantized) {
                // Every query in one GPU submission.
                (Some(g), None) => {
                    let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
                    g.search_batch_blocking(&refs, k, &excludes)?
                }
                (_, Some((qi, pool))) => match &gpu_quantized {
                    Some(g) => queries
                        .iter()
                        .zip(&excludes)
                        .map(|(q, e)| g.search_blocking(qi, q, k, *pool, *e))
                        .collect::<Result<_, _>>()?,
                    None => queries
                        .iter()
                        .zip(&excludes)
                        .map(|(q, e)| qi.search(q, k, *pool, *e))
                        .collect::<Result<_, _>>()?,
                },
                (None, None) => queries
                    .iter()
                    .zip(&excludes)
                    .map(|(q, e)| index.search(q, k, *e))
                    .collect::<Result<_, _>>()?,
            };
            let results: Vec<(usize, Neighbors)> = query_rows.iter().copied().zip(found).collect();
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
        Command::Map {
            coords,
            text,
            text_field,
            bandwidth,
            grid_size,
            stop_words,
            name,
            out,
        } => map(
            &coords,
            text.as_deref(),
            text_field.as_deref(),
            &bandwidth,
            grid_size,
            stop_words,
            &name,
            &out,
            &budget,
        ),
        Command::Bench {
            files,
            queries,
            k,
            metric,
            device,
            batch,
            quantize,
            pool,
            bounded,
        } => {
            let x = read_dataset(&files, &budget)?.vectors;
            let plan = BenchPlan {
                queries,
                k,
                metric: metric.into(),
                batch: batch.max(1),
                quantize: quantize.map(Into::into),
                pool,
                bounded,
            };
            bench(&x, &plan, device)
        }
    }
}

struct BenchPlan {
    queries: usize,
    k: usize,
    metric: Metric,
    batch: usize,
    quantize: Option<Quantizer>,
    pool: Option<usize>,
    bounded: bool,
}

/// Times kNN (after the index is built) and prints a JSON summary with the ids of the first
/// query, so a caller can check the answer against its own.
fn bench(x: &Vectors, plan: &BenchPlan, device: Option<DeviceArg>) -> Result<()> {
    let queries = plan.queries.min(x.nrows());
    let k = plan.k;
    let ctx = gpu_for(device)?;
    let gpu = match (&ctx, plan.quantize) {
        (Some(ctx), None) => Some(vecscape_gpu::GpuFlatIndex::from_vectors(
            ctx,
            x,
            plan.metric,
            None,
        )?),
        _ => None,
    };
    let query_rows: Vec<Vec<f32>> = (0..queries).map(|r| x.row_f32(r)).collect();
    let build_started = std::time::Instant::now();
    let cpu = if plan.bounded {
        FlatIndex::bounded(x, plan.metric)
    } else {
        FlatIndex::new(x, plan.metric)
    };
    let quantized = plan
        .quantize
        .map(|q| QuantizedIndex::build(x, plan.metric, q));
    let gpu_quantized = match (&ctx, &quantized) {
        (Some(ctx), Some(qi)) => Some(vecscape_gpu::GpuQuantizedIndex::new(ctx, qi, None)?),
        _ => None,
    };
    let build_ms = build_started.elapsed().as_secs_f64() * 1e3;
    let pool = plan
        .quantize
        .map(|q| plan.pool.unwrap_or(q.default_pool(k)))
        .unwrap_or(0);
    let mut results: Vec<Neighbors> = Vec::with_capacity(queries);
    let started = std::time::Instant::now();
    if plan.batch > 1 && quantized.is_none() {
        let qmat = x.block(0, queries);
        for start in (0..queries).step_by(plan.batch) {
            let end = (start + plan.batch).min(queries);
            match &gpu {
                Some(g) => {
                    let refs: Vec<&[f32]> =
                        query_rows[start..end].iter().map(Vec::as_slice).collect();
                    results.extend(g.search_batch_blocking(&refs, k, &[])?);
                }
                None => results.extend(cpu.search_batch(
                    qmat.slice(ndarray::s![start..end, ..]),
                    k,
                    &[],
                )?),
            }
        }
    } else {
        for q in &query_rows {
            results.push(match (&gpu, &quantized) {
                (_, Some(qi)) => match &gpu_quantized {
                    Some(g) => g.search_blocking(qi, q, k, pool, None)?,
                    None => qi.search(q, k, pool, None)?,
                },
                (Some(g), None) => g.search_blocking(q, k, None)?,
                (None, None) => cpu.search(q, k, None)?,
            });
        }
    }
    let total_ms = started.elapsed().as_secs_f64() * 1e3;
    let recall = match &quantized {
        Some(_) => {
            let exact: Vec<Neighbors> = query_rows
                .iter()
                .map(|q| cpu.search(q, k, None))
                .collect::<Result<_, _>>()?;
            Some(recall_at_k(&exact, &results))
        }
        None => None,
    };
    println!(
        "{}",
        serde_json::json!({
            "device": if ctx.is_some() { "gpu" } else { "cpu" },
            "storage": x.storage().name(),
            "rows": x.nrows(),
            "dims": x.ncols(),
            "queries": queries,
            "k": k,
            "batch": plan.batch,
            "quantize": plan.quantize.map(|q| format!("{q:?}")),
            "bounded": cpu.is_bounded(),
            "pool": pool,
            "build_ms": build_ms,
            "total_ms": total_ms,
            "ms_per_query": total_ms / queries.max(1) as f64,
            "recall_at_k": recall,
            "first_ids": results.first().map(|r| r.ids.clone()).unwrap_or_default(),
        })
    );
    Ok(())
}
