//! `vecscape knn`: neighbours of existing rows, exact (CPU or GPU) or by a quantised scan with
//! an exact re-rank, printed as JSON or TSV.

use crate::args::{DeviceArg, Format, MetricArg, QuantizeArg};
use crate::device::gpu_for;
use crate::input::{name_of, read_dataset};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use vecscape_core::data::budget::Budget;
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::quant::{QuantizedIndex, Quantizer};
use vecscape_core::search::types::{KnnError, Neighbors};

#[derive(Args)]
pub struct KnnArgs {
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
    /// Where to search: the GPU (any wgpu adapter) or the CPU. Default: the GPU when a
    /// hardware adapter exists, else the CPU (a CPU-emulated adapter such as lavapipe only with
    /// --device gpu); the choice is printed to stderr.
    #[arg(long, value_enum)]
    device: Option<DeviceArg>,
}

pub fn run(args: &KnnArgs, budget: &Budget) -> Result<()> {
    let (k, query_rows) = (args.k, &args.query_rows);
    let x = read_dataset(&args.files, budget)?.vectors;
    let metric = args.metric.into();
    let quantized = args.quantize.map(|q| {
        let q: Quantizer = q.into();
        (
            QuantizedIndex::build(&x, metric, q),
            args.pool.unwrap_or(q.default_pool(k)),
        )
    });
    // On the GPU: the exact scan, or the quantised scan with the re-rank on the CPU.
    let ctx = gpu_for(args.device)?;
    let gpu = match (&ctx, &quantized) {
        (Some(ctx), None) => Some(vecscape_gpu::GpuFlatIndex::from_vectors(
            ctx, &x, metric, None,
        )?),
        _ => None,
    };
    let gpu_quantized = match (&ctx, &quantized) {
        (Some(ctx), Some((qi, _))) => Some(vecscape_gpu::GpuQuantizedIndex::new(ctx, qi, None)?),
        _ => None,
    };
    let index = FlatIndex::new(&x, metric);
    if let Some(&row) = query_rows.iter().find(|&&row| row >= x.nrows()) {
        return Err(KnnError::NoSuchRow {
            row,
            rows: x.nrows(),
        })
        .with_context(|| name_of(&args.files[0]));
    }
    let excludes: Vec<Option<u32>> = query_rows
        .iter()
        .map(|&row| args.exclude_self.then_some(row as u32))
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
    match args.format {
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
