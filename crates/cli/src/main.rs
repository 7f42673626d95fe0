//! `vecscape`: the native command-line front end over vecscape-core.
//!
//! Every command reads any format the core loads (`.npy`, Parquet, Arrow, CSV/TSV, JSON Lines,
//! raw float32 with `projector_config.json`, WizMap `data.ndjson`); give several files to join a
//! bundle (e.g. `projector_config.json tensors.bytes metadata.tsv`). One module per command in
//! `commands/`; [`args`] holds the value types they share, [`device`] the CPU-or-GPU rule,
//! [`input`] reading files.
//!
//! - `vecscape inspect FILE…` — format, shape, memory, metadata columns.
//! - `vecscape project FILE… --method pca|gaussian-rp|sparse-rp --dims 2 --out OUT.npy` — an f32
//!   `.npy` of shape N×dims.
//! - `vecscape knn FILE… --query-rows 0,5,9 --k 10 --metric cosine|dot|l2 --format json
//!   [--quantize int8|int8-dim|binary]` — nearest neighbours of existing rows.
//! - `vecscape map COORDS.npy --text TEXTS.jsonl [--bandwidth scott|wizmap|N] --out grid.json` —
//!   the multi-resolution map (keywords per tile per zoom level, density) as WizMap's grid.json.
//! - `vecscape bench FILE… [--batch Q] [--quantize …]` — timings as JSON.

mod args;
mod commands;
mod device;
mod input;

use anyhow::Result;
use args::{parse_bytes, StorageArg};
use clap::{Parser, Subcommand};
use commands::{bench, inspect, knn, map, project};
use vecscape_core::data::budget::Budget;

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
    /// Leave out rows whose vector has a NaN or infinite value or (in text formats) does not
    /// parse, with their metadata rows; how many, and the first row numbers, go to stderr.
    /// Without it such a file is refused, naming the first row and the count.
    #[arg(long, global = true)]
    skip_invalid_rows: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Print format, shape, memory and metadata columns.
    Inspect(inspect::InspectArgs),
    /// Project vectors to a few dimensions and write them as an f32 .npy (N × dims).
    Project(project::ProjectArgs),
    /// k nearest neighbours of existing rows: exact brute force over all rows, or a quantised
    /// scan with exact re-rank (`--quantize`).
    Knn(knn::KnnArgs),
    /// Build the multi-resolution map of 2-D points (quadtree keywords per zoom level, density)
    /// and write it as WizMap's grid.json.
    Map(map::MapArgs),
    /// Time kNN over the first `--queries` rows as queries, one at a time or in batches; prints
    /// JSON with the first query's ids (and recall@k against exact search when quantised).
    Bench(bench::BenchArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut budget = Budget::with_max_rows(cli.max_rows)
        .with_storage(cli.storage.into())
        .skipping_invalid(cli.skip_invalid_rows);
    if let Some(bytes) = cli.memory_budget {
        budget.bytes = bytes;
    }
    match cli.command {
        Command::Inspect(a) => inspect::run(&a, &budget),
        Command::Project(a) => project::run(&a, &budget),
        Command::Knn(a) => knn::run(&a, &budget),
        Command::Map(a) => map::run(&a, &budget),
        Command::Bench(a) => bench::run(&a, &budget),
    }
}
