//! A loaded dataset: vectors plus metadata, checked to agree in row count.

use crate::delimited::{DelimitedError, Table};
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
    /// A CSV/TSV file could not be read.
    #[error(transparent)]
    Delimited(#[from] DelimitedError),
    /// The vectors file has no rows.
    #[error("{file}: has no rows")]
    Empty { file: String },
    /// None of the files holds vectors.
    #[error("none of the files holds vectors (got: {files}); open a .npy, .csv or .tsv of vectors, optionally with a .jsonl or metadata .tsv")]
    NoVectors { files: String },
}

/// What a file is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Npy,
    JsonLines,
    Csv,
    Tsv,
    Unknown,
}

impl FileKind {
    pub fn of(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".npy") {
            Self::Npy
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Self::JsonLines
        } else if lower.ends_with(".csv") {
            Self::Csv
        } else if lower.ends_with(".tsv") {
            Self::Tsv
        } else {
            Self::Unknown
        }
    }
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

    /// Load from several named files, choosing by extension: vectors from the first `.npy`, else
    /// the first `.csv`, else the first `.tsv` that is all numbers (a TF Projector `tensors.tsv`);
    /// metadata from a `.jsonl`/`.ndjson`, else another `.tsv` (a Projector `metadata.tsv`), else
    /// the vectors table's own text columns.
    pub fn from_named_files(files: &[(&str, &[u8])]) -> Result<Self, DatasetError> {
        let by_kind = |kind: FileKind| files.iter().filter(move |(n, _)| FileKind::of(n) == kind);
        let mut table_meta: Option<Metadata> = None;
        let mut used_tsv: Option<&str> = None;
        let (name, vectors) = if let Some((name, bytes)) = by_kind(FileKind::Npy).next() {
            (*name, crate::npy::read_npy(name, bytes)?)
        } else {
            let mut found = None;
            for (name, bytes) in by_kind(FileKind::Csv).chain(by_kind(FileKind::Tsv)) {
                let delimiter = if FileKind::of(name) == FileKind::Csv {
                    b','
                } else {
                    b'\t'
                };
                let table: Table = crate::delimited::read_delimited(name, bytes, delimiter)?;
                if let Some(v) = table.vectors {
                    if FileKind::of(name) == FileKind::Tsv {
                        used_tsv = Some(name);
                    }
                    if table.meta.text.iter().any(|t| !t.starts_with("row ")) {
                        table_meta = Some(table.meta);
                    }
                    found = Some((*name, v));
                    break;
                }
            }
            found.ok_or_else(|| DatasetError::NoVectors {
                files: files.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
            })?
        };
        if vectors.nrows() == 0 {
            return Err(DatasetError::Empty {
                file: name.to_owned(),
            });
        }
        let meta_file: Option<(&str, Metadata)> =
            if let Some((meta_name, bytes)) = by_kind(FileKind::JsonLines).next() {
                Some((meta_name, crate::meta::read_jsonl(meta_name, bytes)?))
            } else if let Some((meta_name, bytes)) =
                by_kind(FileKind::Tsv).find(|(n, _)| Some(*n) != used_tsv)
            {
                Some((
                    meta_name,
                    crate::delimited::read_projector_metadata(meta_name, bytes)?,
                ))
            } else {
                None
            };
        let meta = match meta_file {
            Some((meta_name, meta)) => {
                if meta.len() != vectors.nrows() {
                    return Err(DatasetError::RowCountMismatch {
                        vectors_file: name.to_owned(),
                        vector_rows: vectors.nrows(),
                        meta_file: meta_name.to_owned(),
                        meta_rows: meta.len(),
                    });
                }
                meta
            }
            None => table_meta.unwrap_or_else(|| Metadata {
                text: (0..vectors.nrows()).map(|i| format!("row {i}")).collect(),
                category: None,
            }),
        };
        Ok(Self {
            name: name.to_owned(),
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

    #[test]
    fn every_format_gives_the_same_matrix() {
        let m = Array2::from_shape_vec((3, 2), vec![0.5f32, -1.0, 2.0, 0.25, 3.0, 4.0]).unwrap();
        let npy = crate::npy::write_npy_f32(&m);
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
            assert_eq!(ds.vectors, m, "{files:?}");
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
