//! What the worker keeps between requests: the vectors (the only copy), the layout the page
//! shows, the search aids and GPU index built for them, and the GPU context compute uses.

use std::cell::RefCell;
use std::rc::Rc;
use vecscape_core::data::meta::Metadata;
use vecscape_core::data::store::{Storage, Vectors};
use vecscape_core::search::types::Metric;
use vecscape_gpu::{GpuContext, GpuFlatIndex};
use vecscape_protocol::DatasetInfo;

/// The loaded data.
pub(crate) struct Data {
    pub name: String,
    pub vectors: Vectors,
    /// Shared with map builds in flight (they hold it across yields).
    pub meta: Rc<Metadata>,
    pub coords: Option<ndarray::Array2<f32>>,
    /// The rows the load left out as invalid.
    pub invalid: vecscape_core::load::invalid::InvalidRows,
}

impl Data {
    pub fn info(&self) -> DatasetInfo {
        let (rows, dims) = self.vectors.dim();
        DatasetInfo {
            name: self.name.clone(),
            rows,
            dims,
            storage: self.vectors.storage(),
            bytes: self.vectors.bytes(),
            has_coords: self.coords.is_some(),
            skipped: self.invalid.count(),
            skipped_rows: self.invalid.listed(),
        }
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub data: Option<Data>,
    /// The layout shown, as the page has it.
    pub xs: Rc<Vec<f32>>,
    pub ys: Rc<Vec<f32>>,
    /// Bumped whenever the data or the layout changes: a map build for an older one stops.
    pub layout_generation: u64,
    /// The `layout_generation` at which the layout shown is the whole data's 2-D PCA (UMAP
    /// starts from it instead of computing it again).
    pub pca_shown: Option<u64>,
    /// The newest load requested: an older load stops at its next step.
    pub load_job: u64,
    /// The newest load or projection requested: an older projection's result is dropped.
    pub layout_job: u64,
    pub metric: Metric,
    /// Compute on WebGPU with this context ([`crate::compute`] decides).
    pub gpu: Option<GpuContext>,
    /// The vectors on the GPU for neighbour search, built for the current data and metric.
    pub gpu_index: Option<Rc<GpuFlatIndex>>,
    /// What CPU neighbour search keeps between searches (norms, int8 bounds).
    pub search_aids: Option<vecscape_core::search::flat::SearchAids>,
    /// Each row's exact nearest neighbours in the original space by this metric, for the
    /// faithfulness of every layout of the same data.
    pub neighbours: Option<(Metric, Rc<Vec<u32>>)>,
    /// The text index of the data's texts and string values, built at the first text search.
    pub text_index: Option<Rc<vecscape_core::search::text::TextIndex>>,
    /// The texts as the map's keywords see them, built at the first selection's keywords.
    pub corpus: Option<Rc<vecscape_core::map::keywords::Corpus>>,
    /// Bumped whenever the vectors change (a load, another storage).
    pub data_generation: u64,
    /// Bumped by `Cancel`: a map build begun before stops.
    pub cancels: u64,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Run `f` with the worker's state. Must not be re-entered from inside `f`.
pub(crate) fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Some rows laid out on their own (a selection re-projected): their vectors, gathered, and the
/// layout they are placed into (the other rows stay where they are in it).
pub(crate) struct Subset {
    pub rows: Vec<u32>,
    pub vectors: Vectors,
    pub xs: Rc<Vec<f32>>,
    pub ys: Rc<Vec<f32>>,
}

impl Subset {
    /// The rows of `set` (out of all the data's rows) with their vectors, over the layout shown.
    pub fn of(state: &State, set: &vecscape_protocol::RowSet) -> Result<Self, String> {
        let data = state.data()?;
        let rows = data.vectors.nrows();
        if set.universe() != rows {
            return Err(format!(
                "the selection is out of {} rows but the data has {rows}",
                set.universe()
            ));
        }
        if set.count() < 3 {
            return Err("select at least 3 points to lay them out on their own".to_owned());
        }
        let rows = set.to_vec();
        Ok(Subset {
            vectors: data.vectors.gather(&rows),
            rows,
            xs: state.xs.clone(),
            ys: state.ys.clone(),
        })
    }

    /// The whole layout with these rows at `sub_xs`, `sub_ys` (their own layout, placed in the
    /// whole one's box).
    pub fn placed(&self, sub_xs: &[f32], sub_ys: &[f32]) -> (Vec<f32>, Vec<f32>) {
        vecscape_core::layout::place::place_rows(&self.xs, &self.ys, &self.rows, sub_xs, sub_ys)
    }
}

/// Run `f` on the subset's vectors, or on all the loaded vectors without one.
pub(crate) fn with_vectors<R>(
    subset: Option<&Subset>,
    f: impl FnOnce(&Vectors) -> Result<R, String>,
) -> Result<R, String> {
    match subset {
        Some(sub) => f(&sub.vectors),
        None => with(|s| f(&s.data()?.vectors)),
    }
}

/// What carries a layout to the page: the positions (transferred) and their hover index.
pub(crate) fn layout_parcel(
    xs: Vec<f32>,
    ys: Vec<f32>,
) -> Result<vecscape_protocol::wire::Parcel, String> {
    let index = vecscape_core::view::spatial::GridIndex::build(&xs, &ys, HOVER_POINTS_PER_CELL);
    Ok(vecscape_protocol::wire::Parcel {
        index: Some(vecscape_protocol::encode(&index).map_err(|e| e.to_string())?),
        xs: Some(xs),
        ys: Some(ys),
        ..Default::default()
    })
}

/// Points per cell of the page's hover index.
pub(crate) const HOVER_POINTS_PER_CELL: usize = 4;

impl State {
    /// The loaded data, or the error every job gives without it.
    pub fn data(&self) -> Result<&Data, String> {
        self.data
            .as_ref()
            .ok_or_else(|| "no data loaded".to_owned())
    }

    /// Replace the data and its layout (the old data is dropped only now).
    pub fn install(&mut self, data: Data, xs: Vec<f32>, ys: Vec<f32>) {
        self.data = Some(data);
        self.search_aids = None;
        self.text_index = None;
        self.corpus = None;
        self.neighbours = None;
        self.data_generation += 1;
        self.set_layout(xs, ys);
        self.rebuild_gpu_index();
    }

    /// Stop what is in flight: the newest load and projection are no longer wanted (no job is
    /// numbered 0), and map builds begun before stop.
    pub fn cancel(&mut self) {
        self.load_job = 0;
        self.layout_job = 0;
        self.cancels += 1;
    }

    /// The page now shows this layout.
    pub fn set_layout(&mut self, xs: Vec<f32>, ys: Vec<f32>) {
        self.xs = Rc::new(xs);
        self.ys = Rc::new(ys);
        self.layout_generation += 1;
    }

    /// Rank neighbours by `metric` from now on (the GPU index is rebuilt for it).
    pub fn set_metric(&mut self, metric: Metric) {
        if metric == self.metric {
            return;
        }
        self.metric = metric;
        self.search_aids = None;
        self.rebuild_gpu_index();
    }

    /// Keep the vectors in `storage` from now on (converted a block at a time; the GPU index is
    /// rebuilt from them). On an error the vectors stay as they were.
    pub fn set_storage(&mut self, storage: Storage) -> Result<DatasetInfo, String> {
        let data = self.data.as_mut().ok_or("no data loaded")?;
        data.vectors = data
            .vectors
            .convert(&data.name, storage)
            .map_err(|e| e.to_string())?;
        let info = data.info();
        self.search_aids = None;
        self.neighbours = None;
        self.data_generation += 1;
        self.rebuild_gpu_index();
        Ok(info)
    }

    /// Upload the vectors for neighbour search on the GPU, when compute runs there.
    pub fn rebuild_gpu_index(&mut self) {
        self.gpu_index = None;
        let (Some(ctx), Some(data)) = (&self.gpu, &self.data) else {
            return;
        };
        match GpuFlatIndex::from_vectors(ctx, &data.vectors, self.metric, None) {
            Ok(index) => self.gpu_index = Some(Rc::new(index)),
            Err(e) => log::warn!("neighbour search stays on the CPU: {e}"),
        }
    }
}
