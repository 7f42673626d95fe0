//! A loaded dataset: vectors plus metadata (and optional precomputed 2-D coordinates), joined
//! from one or several loaded files and checked to agree in row count.

use super::file::{Format, LoadError, Loaded};
use super::invalid::{kept_rows, InvalidRows};
use super::raw::{same_file, ProjectorEmbedding};
use crate::data::budget::Budget;
use crate::data::meta::Metadata;
use crate::data::store::Vectors;
use ndarray::Array2;

/// Why a dataset could not be assembled.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DatasetError {
    /// A file could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Vectors and metadata disagree in the number of rows.
    #[error("{meta_file}: has {meta_rows} rows but {vectors_file} has {vector_rows}; each vector needs one metadata row")]
    RowCountMismatch {
        vectors_file: String,
        vector_rows: usize,
        meta_file: String,
        meta_rows: usize,
    },
    /// The vectors file has no rows.
    #[error("{file}: has no rows")]
    Empty { file: String },
    /// None of the files holds vectors.
    #[error("none of the files holds vectors (got: {files}); open a .npy, .parquet, .arrow, .csv, .tsv or .jsonl of vectors (or WizMap's data.ndjson), optionally with a .jsonl or metadata .tsv")]
    NoVectors { files: String },
}

impl From<super::npy::NpyError> for DatasetError {
    fn from(e: super::npy::NpyError) -> Self {
        Self::Load(e.into())
    }
}

/// Vectors (`n × d`, row-major) and their metadata.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// The vectors, in the storage the budget chose.
    pub vectors: Vectors,
    pub meta: Metadata,
    /// Precomputed 2-D coordinates (`n × 2`), e.g. from WizMap's `data.ndjson`.
    pub coords: Option<Array2<f32>>,
    /// The vectors file's rows left out as invalid (the budget's `skip_invalid`).
    pub invalid: InvalidRows,
}

/// Vector sources, best first.
const VECTOR_PRIORITY: [Format; 7] = [
    Format::Npy,
    Format::Parquet,
    Format::ArrowIpc,
    Format::RawF32,
    Format::JsonLines,
    Format::Csv,
    Format::Tsv,
];

impl Dataset {
    /// Load from several named whole files (see [`Dataset::assemble`]).
    pub fn from_named_files(files: &[(&str, &[u8])]) -> Result<Self, DatasetError> {
        let budget = Budget::default();
        let parts = files
            .iter()
            .map(|(name, bytes)| super::file::load_bytes(name, bytes, &budget))
            .collect::<Result<Vec<_>, _>>()?;
        Self::assemble(parts, &budget)
    }

    /// Join loaded files into one dataset:
    /// - vectors from the file a `projector_config.json` names, else by format: `.npy`, Parquet,
    ///   Arrow, raw float32, JSON Lines with a vector field, CSV, TSV (the first of each); WizMap
    ///   `data.ndjson` alone gives its 2-D coordinates as the vectors;
    /// - metadata from the file the config names, else a JSON Lines file that is not the vectors
    ///   file, else another TSV (a Projector `metadata.tsv`), else the vectors file's own columns,
    ///   else numbered rows.
    pub fn assemble(mut parts: Vec<Loaded>, budget: &Budget) -> Result<Self, DatasetError> {
        let files = parts
            .iter()
            .map(|p| p.file.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let config: Option<(String, ProjectorEmbedding)> = parts.iter().find_map(|p| {
            let c = p.config.as_ref()?;
            Some((p.file.clone(), c.embeddings.first()?.clone()))
        });
        super::file::resolve_raw(&mut parts, budget)?;
        let named_vectors = config.as_ref().and_then(|(_, e)| {
            let path = e.tensor_path.as_deref()?;
            parts
                .iter()
                .position(|p| p.vectors.is_some() && same_file(path, &p.file))
        });
        let vector_index = named_vectors.or_else(|| {
            VECTOR_PRIORITY.iter().find_map(|format| {
                parts
                    .iter()
                    .position(|p| p.format == *format && p.vectors.is_some())
            })
        });
        let coords_index = parts.iter().position(|p| p.coords.is_some());
        let (vectors_file, vectors, own_meta, invalid) = match (vector_index, coords_index) {
            (Some(i), _) => {
                let p = &mut parts[i];
                let v = p.vectors.take().unwrap_or_default();
                (
                    p.file.clone(),
                    v,
                    p.meta.take(),
                    std::mem::take(&mut p.invalid),
                )
            }
            (None, Some(i)) => {
                let p = &mut parts[i];
                let v = Vectors::F32(p.coords.clone().unwrap_or_default());
                (p.file.clone(), v, p.meta.take(), InvalidRows::default())
            }
            (None, None) => return Err(DatasetError::NoVectors { files }),
        };
        if vectors.nrows() == 0 {
            return Err(DatasetError::Empty { file: vectors_file });
        }
        budget
            .check(
                &vectors_file,
                vectors.nrows() as u64,
                vectors.ncols() as u64,
            )
            .map_err(LoadError::from)?;
        let rows = vectors.nrows();
        let others = |p: &&mut Loaded| !same_file(&p.file, &vectors_file);
        let named_meta = config.as_ref().and_then(|(_, e)| e.metadata_path.clone());
        let mut meta_source: Option<(String, Metadata)> = None;
        if let Some(path) = named_meta {
            if let Some(p) = parts
                .iter_mut()
                .filter(others)
                .find(|p| same_file(&path, &p.file))
            {
                let m = p.projector_meta.take().or_else(|| p.meta.take());
                meta_source = m.map(|m| (p.file.clone(), m));
            }
        }
        if meta_source.is_none() {
            if let Some(p) = parts
                .iter_mut()
                .filter(others)
                .find(|p| p.format == Format::JsonLines && p.meta.is_some())
            {
                meta_source = p.meta.take().map(|m| (p.file.clone(), m));
            }
        }
        if meta_source.is_none() {
            if let Some(p) = parts
                .iter_mut()
                .filter(others)
                .find(|p| p.projector_meta.is_some())
            {
                meta_source = p.projector_meta.take().map(|m| (p.file.clone(), m));
            }
        }
        let (meta_file, meta) = match meta_source {
            Some(found) => found,
            None => match own_meta {
                Some(m)
                    if m.text_field.is_some()
                        || !m.categorical.is_empty()
                        || !m.numeric.is_empty()
                        || m.time.is_some() =>
                {
                    (vectors_file.clone(), m)
                }
                _ => (vectors_file.clone(), Metadata::numbered(rows)),
            },
        };
        // Another file's metadata lines up with all the vectors file's rows: drop the same.
        let original = rows + invalid.count();
        let keep = (!invalid.is_empty()).then(|| kept_rows(original, &invalid.rows));
        let meta = match &keep {
            Some(keep) if meta.len() == original && meta_file != vectors_file => {
                meta.select_rows(keep)
            }
            _ => meta,
        };
        let meta = if budget.max_rows.is_some() && meta.len() > rows {
            meta.truncated(rows)
        } else {
            meta
        };
        if meta.len() != rows {
            return Err(DatasetError::RowCountMismatch {
                vectors_file,
                vector_rows: rows,
                meta_file,
                meta_rows: meta.len(),
            });
        }
        let coords = match coords_index {
            Some(i) => {
                let c = parts[i].coords.take();
                let c = match (&keep, c) {
                    (Some(keep), Some(c)) if c.nrows() == original => {
                        Some(c.select(ndarray::Axis(0), keep))
                    }
                    (_, c) => c,
                };
                c.filter(|c| c.nrows() == rows)
            }
            None => None,
        };
        Ok(Self {
            name: vectors_file,
            vectors,
            meta,
            coords,
            invalid,
        })
    }

    pub fn len(&self) -> usize {
        self.vectors.nrows()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.nrows() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_count_mismatch_is_reported() {
        let m = Array2::from_shape_vec((2, 2), vec![1f32, 2., 3., 4.]).unwrap();
        let npy = crate::load::npy::write_npy_f32(&m);
        let err = Dataset::from_named_files(&[("v.npy", &npy), ("m.jsonl", b"{\"text\":\"a\"}")])
            .unwrap_err();
        assert!(matches!(
            err,
            DatasetError::RowCountMismatch {
                vector_rows: 2,
                meta_rows: 1,
                ..
            }
        ));
        let ok = Dataset::from_named_files(&[("v.npy", &npy)]).unwrap();
        assert_eq!(ok.meta.len(), 2);
        assert!(ok.meta.text_field.is_none() && ok.meta.text.is_empty());
    }

    #[test]
    fn every_format_gives_the_same_matrix() {
        let m = Array2::from_shape_vec((3, 2), vec![0.5f32, -1.0, 2.0, 0.25, 3.0, 4.0]).unwrap();
        let npy = crate::load::npy::write_npy_f32(&m);
        let jsonl = b"{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"c\"}\n";
        let csv = b"text,x,y\na,0.5,-1\nb,2,0.25\nc,3,4\n";
        let csv_json =
            b"text;vec\na;[0.5,-1]\nb;[2,0.25]\nc;[3,4]\n"
                .map(|b| if b == b';' { b'\t' } else { b });
        let tensors = b"0.5\t-1\n2\t0.25\n3\t4\n";
        let projector_meta = b"a\nb\nc\n";
        let cases: Vec<Vec<(&str, &[u8])>> = vec![
            vec![("v.npy", &npy), ("m.jsonl", jsonl)],
            vec![("t.csv", csv)],
            vec![("t.tsv", &csv_json)],
            vec![("metadata.tsv", projector_meta), ("tensors.tsv", tensors)],
        ];
        for files in cases {
            let ds = Dataset::from_named_files(&files).unwrap();
            assert_eq!(ds.vectors, Vectors::F32(m.clone()), "{files:?}");
            assert_eq!(ds.meta.text, vec!["a", "b", "c"], "{files:?}");
        }
        let err = Dataset::from_named_files(&[("m.jsonl", jsonl)]).unwrap_err();
        assert!(matches!(err, DatasetError::NoVectors { .. }));
        let err =
            Dataset::from_named_files(&[("tensors.tsv", tensors), ("metadata.tsv", b"a\nb\n")])
                .unwrap_err();
        assert!(
            matches!(err, DatasetError::RowCountMismatch { meta_rows: 2, .. }),
            "{err:?}"
        );
    }
}
