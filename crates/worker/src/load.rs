//! A load job: read URLs or picked files into the chosen storage, join them into a dataset, lay
//! it out (the data's own x/y, else 2-D PCA), keep the vectors here and send the page what it
//! draws: positions (transferred), the metadata and, with WizMap's `grid.json`, its summary.

use crate::fetch::{self, Go, Stop};
use crate::project::pca_2d;
use crate::reply::post;
use crate::state::{self, layout_parcel, Data};
use crate::util::{now_ms, yield_now};
use std::rc::Rc;
use vecscape_core::data::budget::Budget;
use vecscape_core::data::store::Storage;
use vecscape_core::load::dataset::Dataset;
use vecscape_core::load::file::{Loaded, Progress as FileProgress};
use vecscape_core::map::wizmap::{is_grid_file, GridJson};
use vecscape_core::map::MapOptions;
use vecscape_protocol::text::{file_name, thousands};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{encode, Device, Layout, Method, Reply, Source};

/// Whether the load `job` is still the newest.
fn current(job: u64) -> bool {
    state::with(|s| s.load_job == job)
}

/// Progress of the load `job` to the page, or a request to stop when a newer load began.
fn progress(job: u64) -> impl FnMut(&FileProgress) -> Go {
    move |p| {
        if !current(job) {
            return Go::Break(());
        }
        let rows = if p.rows > 0 {
            format!(" · {} rows", thousands(p.rows))
        } else {
            String::new()
        };
        post(
            &Reply::Progress {
                job,
                what: format!("Loading {}{rows}", p.file),
                done: p.bytes,
                total: p.total,
            },
            Parcel::default(),
        );
        Go::Continue(())
    }
}

/// Run the load `job` and answer it: `Loaded`, `Cancelled` (a newer load began) or `Failed`.
pub(crate) async fn run(
    job: u64,
    source: Source,
    files: Option<js_sys::Array>,
    max_rows: Option<usize>,
    storage: Storage,
    skip_invalid: bool,
    memory_budget: Option<u64>,
) {
    let mut budget = Budget::with_max_rows(max_rows)
        .with_storage(storage)
        .skipping_invalid(skip_invalid);
    if let Some(bytes) = memory_budget {
        budget.bytes = bytes;
    }
    match load(job, source, files, &budget).await {
        Ok((reply, parcel)) => post(&reply, parcel),
        Err(Stop::Cancelled) => post(&Reply::Cancelled { job }, Parcel::default()),
        Err(Stop::Failed(message)) => post(&Reply::Failed { job, message }, Parcel::default()),
    }
}

type Grid = Option<(String, GridJson)>;

/// Read every part of the source: the vector and metadata files, and WizMap's `grid.json`.
async fn read(
    job: u64,
    source: Source,
    files: Option<js_sys::Array>,
    budget: &Budget,
) -> Result<(Vec<Loaded>, Grid, Option<String>), Stop> {
    let mut parts = Vec::new();
    let mut grid = None;
    let mut warning = None;
    match source {
        Source::Urls {
            vectors,
            meta,
            grid: grid_url,
        } => {
            for url in std::iter::once(&vectors).chain(meta.as_ref()) {
                parts.push(fetch::fetch_into(url, &file_name(url), budget, progress(job)).await?);
            }
            if let Some(url) = grid_url {
                // A grid that cannot be read is reported; the data still opens.
                match fetch::fetch_bytes(&url)
                    .await
                    .and_then(|bytes| GridJson::parse(&bytes).map_err(|e| format!("{url}: {e}")))
                {
                    Ok(parsed) => grid = Some((url, parsed)),
                    Err(e) => warning = Some(e),
                }
            }
        }
        Source::Files => {
            for file in files.iter().flat_map(|a| a.iter()) {
                let file: web_sys::File = wasm_bindgen::JsCast::unchecked_into(file);
                let name = file.name();
                if is_grid_file(&name) {
                    let bytes = fetch::file_bytes(&file).await?;
                    if !current(job) {
                        return Err(Stop::Cancelled);
                    }
                    let parsed = GridJson::parse(&bytes).map_err(|e| format!("{name}: {e}"))?;
                    grid = Some((name, parsed));
                    continue;
                }
                parts.push(fetch::read_file_into(&file, budget, progress(job)).await?);
            }
        }
    }
    Ok((parts, grid, warning))
}

async fn load(
    job: u64,
    source: Source,
    files: Option<js_sys::Array>,
    budget: &Budget,
) -> Result<(Reply, Parcel), Stop> {
    let (parts, grid, warning) = read(job, source, files, budget).await?;
    if !current(job) {
        return Err(Stop::Cancelled);
    }
    let dataset = Dataset::assemble(parts, budget).map_err(|e| e.to_string())?;
    // WizMap's precomputed topics and density, shown as they are.
    let given_map = match grid {
        Some((name, grid)) => Some((
            name.clone(),
            grid.to_summary(MapOptions::default().contour_levels)
                .map_err(|e| format!("{name}: {e}"))?,
        )),
        None => None,
    };
    let method = if dataset.coords.is_some() {
        Method::Precomputed
    } else {
        Method::Pca
    };
    post(
        &Reply::Progress {
            job,
            what: format!(
                "Projecting {} vectors ({})",
                thousands(dataset.len()),
                if method == Method::Pca {
                    "PCA"
                } else {
                    "precomputed x/y"
                }
            ),
            done: 0,
            total: None,
        },
        Parcel::default(),
    );
    yield_now().await;
    if !current(job) {
        return Err(Stop::Cancelled);
    }
    let started = now_ms();
    let (xs, ys, explained, device) = match &dataset.coords {
        Some(c) => (
            c.column(0).to_vec(),
            c.column(1).to_vec(),
            Vec::new(),
            Device::Cpu,
        ),
        None => {
            let x = &dataset.vectors;
            let (projected, ratio, device) = pca_2d(
                |gpu| gpu.prepare_vectors(x, 2, None).map_err(|e| e.to_string()),
                || crate::project::cpu_pca_2d(x),
            )
            .await
            .map_err(|e| format!("{}: {e}", dataset.name))?;
            (
                projected.column(0).to_vec(),
                projected.column(1).to_vec(),
                ratio,
                device,
            )
        }
    };
    let ms = now_ms() - started;
    if !current(job) {
        return Err(Stop::Cancelled);
    }
    let Dataset {
        name,
        vectors,
        meta,
        coords,
        invalid,
    } = dataset;
    let payload = encode(&meta).map_err(|e| e.to_string())?;
    let extra = match &given_map {
        Some((_, summary)) => Some(encode(summary).map_err(|e| e.to_string())?),
        None => None,
    };
    let data = Data {
        name,
        vectors,
        meta: Rc::new(meta),
        coords,
        invalid,
    };
    let info = data.info();
    let is_pca = data.coords.is_none();
    state::with(|s| {
        s.install(data, xs.clone(), ys.clone());
        s.pca_shown = is_pca.then_some(s.layout_generation);
    });
    Ok((
        Reply::Loaded {
            job,
            info,
            layout: Layout {
                method,
                explained,
                device,
                ms,
                umap: None,
            },
            grid: given_map.map(|(name, _)| name),
            warning,
        },
        Parcel {
            payload: Some(payload),
            extra,
            ..layout_parcel(xs, ys)?
        },
    ))
}
