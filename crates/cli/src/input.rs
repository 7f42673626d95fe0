//! Reading the files a command names: whole files through the core's streaming loaders, with
//! progress for big files on stderr, joined into one dataset.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use vecscape_core::data::budget::Budget;
use vecscape_core::load::dataset::Dataset;

/// A path as the messages name it.
pub fn name_of(path: &Path) -> String {
    path.display().to_string()
}

/// Load and join the files, printing progress for big files to stderr.
pub fn read_dataset(paths: &[PathBuf], budget: &Budget) -> Result<Dataset> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let loaded = vecscape_core::load::file::load_chunks(
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
    let ds = Dataset::assemble(parts, budget)?;
    if let Some(note) = skipped_note(&ds) {
        eprintln!("{note}");
    }
    Ok(ds)
}

/// "skipped 2 invalid rows of v.npy (rows 1, 3): v.npy: row 1, column 0: value is NaN …", when
/// rows were left out.
pub fn skipped_note(ds: &Dataset) -> Option<String> {
    let inv = &ds.invalid;
    (!inv.is_empty()).then(|| {
        format!(
            "skipped {} invalid row{} of {} (rows {}); the first: {}",
            inv.count(),
            if inv.count() == 1 { "" } else { "s" },
            ds.name,
            inv.listed(),
            inv.first.as_deref().unwrap_or("not finite")
        )
    })
}

/// One text per line of a JSON Lines file: a JSON string, or an object's `field` (or the first
/// of the usual text fields the first object has).
pub fn read_texts(path: &Path, field: Option<&str>) -> Result<Vec<String>> {
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
                    field = vecscape_core::data::meta::TEXT_FIELDS
                        .iter()
                        .find(|f| o.contains_key(**f))
                        .map(|f| (*f).to_owned());
                }
                let Some(f) = field.as_deref() else {
                    bail!(
                        "{}: line {}: no text field (tried {}); name one with --text-field",
                        path.display(),
                        i + 1,
                        vecscape_core::data::meta::TEXT_FIELDS.join(", ")
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
