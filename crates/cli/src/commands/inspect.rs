//! `vecscape inspect`: format, bytes and dtype of each file; rows × dims, memory in the chosen
//! storage, and the metadata columns found.

use crate::input::{name_of, read_dataset};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use vecscape_core::data::budget::Budget;

#[derive(Args)]
pub struct InspectArgs {
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: &InspectArgs, budget: &Budget) -> Result<()> {
    let paths = &args.files;
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let format = vecscape_core::load::file::Format::sniff(&name_of(path), &bytes);
        let dtype = if format == vecscape_core::load::file::Format::Npy {
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
    if !ds.invalid.is_empty() {
        println!(
            "  invalid rows skipped: {} (rows {})",
            ds.invalid.count(),
            ds.invalid.listed()
        );
    }
    println!(
        "  in memory as {}: {} bytes ({})",
        ds.vectors.storage().name(),
        ds.vectors.bytes(),
        vecscape_core::data::budget::format_bytes(ds.vectors.bytes())
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
