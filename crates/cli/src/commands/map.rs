//! `vecscape map`: the map's summaries for N×2 coordinates (quadtree keywords per zoom level,
//! density, contours), written as WizMap's `grid.json`.

use crate::input::{read_dataset, read_texts};
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;
use vecscape_core::data::budget::Budget;

#[derive(Args)]
pub struct MapArgs {
    /// N×2 coordinates (.npy or any vector format with 2 columns), or WizMap's data.ndjson.
    coords: PathBuf,
    /// JSON Lines with one text per point (objects, or plain JSON strings).
    #[arg(long)]
    text: Option<PathBuf>,
    /// The field of --text holding the text (default: the first of text, document,
    /// sentence, … that the first row has).
    #[arg(long)]
    text_field: Option<String>,
    /// Kernel width: local (Scott's rule on the spread of a cluster, from 2-D neighbour
    /// distances: separated clusters keep separate contours), scott (per-axis Scott's rule on
    /// the layout's whole spread), wizmap (WizMap's absolute n^(-1/6)) or a number in data units.
    #[arg(long, default_value = "local")]
    bandwidth: String,
    /// Density grid nodes per side.
    #[arg(long, default_value_t = 200)]
    grid_size: usize,
    /// Extra stop words, comma-separated.
    #[arg(long, value_delimiter = ',')]
    stop_words: Vec<String>,
    /// Keyword scoring: ctfidf (class-based TF-IDF, words frequent everywhere lose) or wizmap
    /// (WizMap's TF-IDF, for comparing with WizMap).
    #[arg(long, default_value = "ctfidf")]
    keywords: String,
    /// The map's name (grid.json's embeddingName).
    #[arg(long, default_value = "My Embedding")]
    name: String,
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: &MapArgs, budget: &Budget) -> Result<()> {
    use vecscape_core::map::{density::Bandwidth, wizmap::GridJson, MapOptions, Stage, Summary};
    let bandwidth = Bandwidth::parse(&args.bandwidth).context("--bandwidth")?;
    let keywords = vecscape_core::map::keywords::Weighting::parse(&args.keywords)
        .with_context(|| format!("--keywords {:?}: expected ctfidf or wizmap", args.keywords))?;
    let ds = read_dataset(std::slice::from_ref(&args.coords), budget)?;
    let xy = match (&ds.coords, ds.vectors.ncols()) {
        (Some(c), _) => c.clone(),
        (None, 2) => ds.vectors.to_f32().into_owned(),
        (None, d) => bail!(
            "{}: expected N×2 coordinates, found {d} columns; project first with `vecscape project --dims 2`",
            args.coords.display()
        ),
    };
    let xs: Vec<f32> = xy.column(0).to_vec();
    let ys: Vec<f32> = xy.column(1).to_vec();
    let texts: Vec<String> = match args.text.as_deref() {
        Some(path) => read_texts(path, args.text_field.as_deref())?,
        None if ds.meta.text_field.is_some() => ds.meta.text.clone(),
        None => Vec::new(),
    };
    if !texts.is_empty() && texts.len() != xs.len() {
        bail!(
            "{}: {} texts for {} points",
            args.text
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            texts.len(),
            xs.len()
        );
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let options = MapOptions {
        grid_size: args.grid_size,
        bandwidth,
        stop_words: args.stop_words.clone(),
        keywords,
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
    let grid = GridJson::from_summary(&summary, &args.name, xs.len());
    let json = serde_json::to_vec(&grid)?;
    std::fs::write(&args.out, json).with_context(|| format!("writing {}", args.out.display()))?;
    let tiles: usize = summary.levels.iter().map(|l| l.topics.len()).sum();
    eprintln!(
        "{} points: levels {}…{}, {tiles} tiles with keywords, {}×{} density (σ = {:.4}, {:.4}), {} contour levels in {:.2} s → {}",
        xs.len(),
        summary.levels.first().map_or(0, |l| l.level),
        summary.levels.last().map_or(0, |l| l.level),
        args.grid_size,
        args.grid_size,
        summary.density.sigma.0,
        summary.density.sigma.1,
        summary.contours.len(),
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
