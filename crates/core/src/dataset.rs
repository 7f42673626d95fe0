//! A loaded dataset: vectors plus metadata, checked to agree in row count.

use crate::meta::{MetaError, Metadata};
use crate::npy::NpyError;
use ndarray::Array2;

/// Why a dataset could not be assembled.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DatasetError {
    /// The vectors file could not be read.
    #[error(transparent)]
    Vectors(#[from] NpyError),
    /// The metadata file could not be read.
    #[error(transparent)]
    Metadata(#[from] MetaError),
    /// Vectors and metadata disagree in the number of rows.
    #[error("{meta_file}: has {meta_rows} rows but {vectors_file} has {vector_rows}; each vector needs one metadata line")]
    RowCountMismatch {
        vectors_file: String,
        vector_rows: usize,
        meta_file: String,
        meta_rows: usize,
    },
    /// The vectors file has no rows.
    #[error("{file}: has no rows")]
    Empty { file: String },
}

/// Vectors (`n × d`, row-major) and their metadata.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub vectors: Array2<f32>,
    pub meta: Metadata,
}

impl Dataset {
    /// Load from the bytes of a `.npy` vectors file and an optional JSONL metadata file.
    pub fn from_files(
        vectors_file: &str,
        vector_bytes: &[u8],
        meta: Option<(&str, &[u8])>,
    ) -> Result<Self, DatasetError> {
        let vectors = crate::npy::read_npy(vectors_file, vector_bytes)?;
        if vectors.nrows() == 0 {
            return Err(DatasetError::Empty {
                file: vectors_file.to_owned(),
            });
        }
        let meta = match meta {
            Some((meta_file, bytes)) => {
                let meta = crate::meta::read_jsonl(meta_file, bytes)?;
                if meta.len() != vectors.nrows() {
                    return Err(DatasetError::RowCountMismatch {
                        vectors_file: vectors_file.to_owned(),
                        vector_rows: vectors.nrows(),
                        meta_file: meta_file.to_owned(),
                        meta_rows: meta.len(),
                    });
                }
                meta
            }
            None => Metadata {
                text: (0..vectors.nrows()).map(|i| format!("row {i}")).collect(),
                category: None,
            },
        };
        Ok(Self {
            name: vectors_file.to_owned(),
            vectors,
            meta,
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
        let npy = crate::npy::write_npy_f32(&m);
        let err =
            Dataset::from_files("v.npy", &npy, Some(("m.jsonl", b"{\"text\":\"a\"}"))).unwrap_err();
        assert!(matches!(
            err,
            DatasetError::RowCountMismatch {
                vector_rows: 2,
                meta_rows: 1,
                ..
            }
        ));
        let ok = Dataset::from_files("v.npy", &npy, None).unwrap();
        assert_eq!(ok.meta.text[1], "row 1");
    }
}
