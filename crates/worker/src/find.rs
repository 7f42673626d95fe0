//! A search job: by words (the text index over the text and the string columns, built at the
//! first search after a load) or by meaning (the exact nearest rows to a vector, a row or the
//! mean of some rows, over all rows or the rows the page's filters keep).

use crate::compute;
use crate::reply::finish;
use crate::state::{self, State};
use crate::util::now_ms;
use std::rc::Rc;
use vecscape_core::search::flat::FlatIndex;
use vecscape_core::search::text::{Query, TextIndex};
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{encode, Device, Find, Hits, Reply, RowSet, TextIndexInfo};

impl State {
    /// The text index of the loaded data, built now if this is the first search since the
    /// load (with what it took).
    fn text_index(&mut self) -> Result<(Rc<TextIndex>, Option<TextIndexInfo>), String> {
        if let Some(index) = &self.text_index {
            return Ok((index.clone(), None));
        }
        let started = now_ms();
        let index = Rc::new(TextIndex::of_metadata(&self.data()?.meta));
        let info = TextIndexInfo {
            ms: now_ms() - started,
            words: index.vocabulary(),
            bytes: index.bytes(),
        };
        self.text_index = Some(index.clone());
        Ok((index, Some(info)))
    }

    /// The query vector `find` stands for, and the row to leave out of its answer.
    fn query_vector(
        &self,
        find: &Find,
        parcel: &Parcel,
    ) -> Result<(Vec<f32>, Option<u32>), String> {
        let vectors = &self.data()?.vectors;
        let (rows, dims) = vectors.dim();
        match find {
            Find::Vector(v) if v.len() != dims => Err(format!(
                "the vector has {} numbers; the data's vectors have {dims}",
                v.len()
            )),
            Find::Vector(v) if v.iter().any(|x| !x.is_finite()) => {
                Err("the vector holds a number that is not finite".to_owned())
            }
            Find::Vector(v) => Ok((v.clone(), None)),
            Find::Row(row) if *row >= rows => {
                Err(format!("row {row} is not in the data ({rows} rows)"))
            }
            Find::Row(row) => Ok((vectors.row_f32(*row), Some(*row as u32))),
            Find::MeanOf => {
                let listed: Vec<u32> = parcel.payload_or_default()?;
                if listed.is_empty() {
                    return Err("no rows to average".to_owned());
                }
                let mut mean = vec![0f64; dims];
                for &r in &listed {
                    if r as usize >= rows {
                        return Err(format!("row {r} is not in the data ({rows} rows)"));
                    }
                    for (m, v) in mean.iter_mut().zip(vectors.row_f32(r as usize)) {
                        *m += f64::from(v);
                    }
                }
                let n = listed.len() as f64;
                Ok((mean.into_iter().map(|m| (m / n) as f32).collect(), None))
            }
            Find::Text(_) => Err("a text search has no vector".to_owned()),
        }
    }

    /// The `k` exact nearest rows to `query` on the CPU among the rows `within` keeps (all
    /// when `None`), leaving `exclude` out.
    fn nearest_cpu(
        &mut self,
        query: &[f32],
        k: usize,
        exclude: Option<u32>,
        within: Option<&RowSet>,
    ) -> Result<Hits, String> {
        self.ensure_search_aids()?;
        let vectors = &self.data()?.vectors;
        let aids = self.search_aids.as_ref().ok_or("no search aids")?;
        let index = FlatIndex::with_aids(vectors, aids).map_err(|e| e.to_string())?;
        let found = match within {
            None => index.search(query, k, exclude),
            Some(bits) => {
                index.search_within(query, k, &|r| bits.contains(r) && Some(r as u32) != exclude)
            }
        }
        .map_err(|e| e.to_string())?;
        Ok(Hits {
            rows: found.ids,
            scores: found.scores,
        })
    }
}

/// Answer `job`: what `find` finds (at most `limit` rows for a vector search), among the rows
/// in the parcel's [`RowSet`] when it has one.
pub(crate) async fn run(job: u64, find: Find, limit: usize, parcel: Parcel) {
    let started = now_ms();
    let within = match vecscape_protocol::rows_of(parcel.extra.as_deref()) {
        Ok(w) => w,
        Err(e) => {
            return finish(
                job,
                Err(format!("the search's filter could not be read: {e}")),
            )
        }
    };
    if let Find::Text(text) = &find {
        let query = Query::parse(text);
        let found = state::with(|s| {
            let (index, info) = s.text_index()?;
            let keep = within.as_ref().map(|w| move |r: usize| w.contains(r));
            let matches = index.search(&query, keep.as_ref().map(|k| k as &dyn Fn(usize) -> bool));
            Ok::<_, String>((matches, info))
        });
        let reply = found.and_then(|(matches, index)| {
            let total = matches.len();
            let hits = Hits {
                rows: matches.rows,
                scores: matches.scores,
            };
            let payload = encode(&hits).map_err(|e| e.to_string())?;
            Ok((
                Reply::Found {
                    job,
                    total,
                    device: Device::Cpu,
                    ms: now_ms() - started,
                    index,
                },
                Parcel {
                    payload: Some(payload),
                    ..Parcel::default()
                },
            ))
        });
        return finish(job, reply);
    }
    let picked = state::with(|s| {
        let (query, exclude) = s.query_vector(&find, &parcel)?;
        Ok::<_, String>((query, exclude, s.gpu_index.clone()))
    });
    let (query, exclude, gpu) = match picked {
        Ok(p) => p,
        Err(e) => return finish(job, Err(e)),
    };
    // The GPU index scans every row; a filtered search runs on the CPU.
    let gpu = gpu.filter(|_| within.is_none());
    let ran = compute::run(
        "vector search",
        gpu,
        async |index| {
            let n = index
                .search(&query, limit, exclude)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Hits {
                rows: n.ids,
                scores: n.scores,
            })
        },
        || state::with(|s| s.nearest_cpu(&query, limit, exclude, within.as_ref())),
    )
    .await;
    if ran.gpu_error.is_some() {
        state::with(|s| s.gpu_index = None);
    }
    let device = ran.device;
    finish(
        job,
        ran.value.and_then(|hits| {
            let total = hits.rows.len();
            let payload = encode(&hits).map_err(|e| e.to_string())?;
            Ok((
                Reply::Found {
                    job,
                    total,
                    device,
                    ms: now_ms() - started,
                    index: None,
                },
                Parcel {
                    payload: Some(payload),
                    ..Parcel::default()
                },
            ))
        }),
    );
}

/// Answer `job` with the `top_k` keywords of the rows in the parcel's [`RowSet`] against the
/// rest (class-based TF-IDF, the map's tokeniser).
pub(crate) fn keywords(job: u64, top_k: usize, parcel: Parcel) {
    use vecscape_core::map::keywords::{contrast_keywords, Corpus, Tokenizer};
    let started = now_ms();
    let answer = state::with(|s| {
        let bits = vecscape_protocol::rows_of(parcel.extra.as_deref())
            .map_err(|e| e.to_string())?
            .ok_or("no rows given")?;
        let meta = &s.data()?.meta;
        if meta.text_field.is_none() {
            return Ok(Vec::new());
        }
        let corpus = match &s.corpus {
            Some(c) => c.clone(),
            None => {
                let stop_words = vecscape_core::map::MapOptions::default().stop_words;
                let built = Rc::new(Corpus::build(
                    meta.text.iter().map(String::as_str),
                    &Tokenizer::new(&stop_words),
                ));
                s.corpus = Some(built.clone());
                built
            }
        };
        Ok::<_, String>(contrast_keywords(&corpus, |r| bits.contains(r), top_k))
    });
    finish(
        job,
        answer.map(|words| {
            (
                Reply::Keywords {
                    job,
                    words,
                    ms: now_ms() - started,
                },
                Parcel::default(),
            )
        }),
    );
}

/// Answer `job` with the rows in the parcel's [`RowSet`] (all without one) written as
/// `format`, with the layout shown and, when `vectors`, the vectors.
pub(crate) fn export(
    job: u64,
    format: vecscape_core::data::export::Format,
    vectors: bool,
    parcel: Parcel,
) {
    use vecscape_core::data::export::Table;
    let answer = state::with(|s| {
        let bits =
            vecscape_protocol::rows_of(parcel.extra.as_deref()).map_err(|e| e.to_string())?;
        let data = s.data()?;
        let rows: Vec<u32> = match &bits {
            Some(b) => b.to_vec(),
            None => (0..s.xs.len() as u32).collect(),
        };
        let table = Table {
            meta: &data.meta,
            xs: &s.xs,
            ys: &s.ys,
            vectors: vectors.then_some(&data.vectors),
        };
        let bytes = table
            .write(&rows, format)
            .map_err(|e| format!("export of {}: {e}", data.name))?;
        let stem = data
            .name
            .rsplit_once('.')
            .map_or(data.name.as_str(), |(stem, _)| stem);
        let which = if bits.is_some() { "selection" } else { "all" };
        let file_name = format!("{stem}-{which}.{}", format.extension());
        Ok::<_, String>((
            Reply::Exported {
                job,
                file_name,
                mime: format.mime().to_owned(),
                rows: rows.len(),
            },
            Parcel {
                payload: Some(bytes),
                ..Parcel::default()
            },
        ))
    });
    finish(job, answer);
}
