//! `vecscape bench`: kNN timings (single queries, batches, quantised or bounded scans) as JSON,
//! with the first query's ids so that a caller can check them against its own.

use crate::args::{DeviceArg, MetricArg, QuantizeArg};
use crate::device::gpu_for;
use crate::input::read_dataset;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use vecscape_core::data::budget::Budget;
use vecscape_core::data::store::Vectors;
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::quant::{recall_at_k, QuantizedIndex, Quantizer};
use vecscape_core::search::types::{Metric, Neighbors};

#[derive(Args)]
pub struct BenchArgs {
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
}

pub fn run(args: &BenchArgs, budget: &Budget) -> Result<()> {
    let x = read_dataset(&args.files, budget)?.vectors;
    let plan = BenchPlan {
        queries: args.queries,
        k: args.k,
        metric: args.metric.into(),
        batch: args.batch.max(1),
        quantize: args.quantize.map(Into::into),
        pool: args.pool,
        bounded: args.bounded,
    };
    bench(&x, &plan, args.device)
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
