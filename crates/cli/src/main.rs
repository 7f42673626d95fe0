//! `vecscape`: the native command-line front end over vecscape-core.
//!
//! - `vecscape inspect FILE` — shape, dtype and memory of a `.npy`; rows and fields of a `.jsonl`.
//! - `vecscape project FILE --method pca --dims 2 --out OUT.npy` — an f32 `.npy` of shape N×dims.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use vecscape_core::pca::{Pca, PcaSolver};

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
}

#[derive(Clone, Copy, ValueEnum)]
enum Method {
    /// Principal component analysis (centred; sign convention as scikit-learn).
    Pca,
}

fn name_of(path: &Path) -> String {
    path.display().to_string()
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
            method: Method::Pca,
            dims,
            seed,
            out,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let x = vecscape_core::npy::read_npy(&name_of(&file), &bytes)?;
            if dims == 0 {
                bail!("--dims must be at least 1");
            }
            let solver = if x.ncols() > vecscape_core::pca::EXACT_MAX_DIMS {
                PcaSolver::Randomized { seed }
            } else {
                PcaSolver::Exact
            };
            let pca = Pca::fit(x.view(), dims, solver)?;
            let projected = pca.transform(x.view());
            std::fs::write(&out, vecscape_core::npy::write_npy_f32(&projected))
                .with_context(|| format!("writing {}", out.display()))?;
            let ratio: Vec<String> = pca
                .explained_variance_ratio
                .iter()
                .map(|r| format!("{r:.4}"))
                .collect();
            eprintln!(
                "wrote {} ({} × {dims}); explained variance ratio [{}]",
                out.display(),
                x.nrows(),
                ratio.join(", ")
            );
            Ok(())
        }
    }
}
