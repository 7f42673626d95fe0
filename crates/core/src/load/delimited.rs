//! CSV / TSV tables: vectors as numeric columns or as one JSON-array column, the other columns
//! as metadata. Also TensorFlow Embedding Projector bundles (`tensors.tsv`: numbers only, no
//! header; `metadata.tsv`: one column without header, or several with a header).
//!
//! The header is detected: the first row is a header when it has a field that is not a number
//! where the second row has one, or when no field of it is a number and the table has text.

use crate::data::meta::{Column, Metadata};
use ndarray::Array2;

/// Why a delimited file could not be read. Every variant names the file and the place.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DelimitedError {
    /// The CSV reader failed (bad quoting, invalid UTF-8, …).
    #[error("{file}: line {line}: {message}")]
    Syntax {
        file: String,
        line: u64,
        message: String,
    },
    /// A row has a different number of fields from the first.
    #[error(
        "{file}: line {line}: expected {expected} fields (as in the first row), found {found}"
    )]
    Ragged {
        file: String,
        line: u64,
        expected: usize,
        found: usize,
    },
    /// A vector field is not a number.
    #[error("{file}: line {line}, column {column}: expected a number, found '{found}'")]
    NotANumber {
        file: String,
        line: u64,
        column: usize,
        found: String,
    },
    /// A value is NaN or infinite.
    #[error("{file}: line {line}, column {column}: value is {found} (vectors must be finite)")]
    NonFinite {
        file: String,
        line: u64,
        column: usize,
        found: String,
    },
    /// A JSON-array vector has a different length from the first.
    #[error(
        "{file}: line {line}, column {column}: vector has {found} dimensions, expected {expected}"
    )]
    DimensionMismatch {
        file: String,
        line: u64,
        column: usize,
        expected: usize,
        found: usize,
    },
    /// No vector column was found.
    #[error("{file}: no vectors found: expected numeric columns or a column of JSON arrays")]
    NoVectors { file: String },
    /// The file has no data rows.
    #[error("{file}: has no data rows")]
    Empty { file: String },
}

/// A parsed table: vectors plus the other columns as metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The vectors, with NaN in the rows that did not parse (see [`super::invalid`]).
    pub vectors: Option<Array2<f32>>,
    pub meta: Metadata,
    pub header: Option<Vec<String>>,
    /// What is wrong with the first invalid row, if one is.
    pub first_invalid: Option<String>,
}

/// Header names of numeric columns that are identifiers, kept as metadata, not vector components.
pub const ID_COLUMNS: [&str; 3] = ["id", "index", ""];

fn is_number(field: &str) -> bool {
    field.trim().parse::<f64>().is_ok()
}

fn is_json_array(field: &str) -> bool {
    let t = field.trim();
    t.starts_with('[') && t.ends_with(']')
}

fn read_records(
    file: &str,
    bytes: &[u8],
    delimiter: u8,
) -> Result<Vec<(u64, csv::StringRecord)>, DelimitedError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DelimitedError::Syntax {
            file: file.to_owned(),
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue; // blank line
        }
        rows.push((line, record));
    }
    Ok(rows)
}

/// Parse a CSV (`delimiter = b','`) or TSV (`b'\t'`) file.
pub fn read_delimited(file: &str, bytes: &[u8], delimiter: u8) -> Result<Table, DelimitedError> {
    let rows = read_records(file, bytes, delimiter)?;
    let Some((_, first)) = rows.first() else {
        return Err(DelimitedError::Empty {
            file: file.to_owned(),
        });
    };
    let width = first.len();
    for (line, record) in &rows {
        if record.len() != width {
            return Err(DelimitedError::Ragged {
                file: file.to_owned(),
                line: *line,
                expected: width,
                found: record.len(),
            });
        }
    }
    let has_header = match rows.get(1) {
        Some((_, second)) => first
            .iter()
            .zip(second.iter())
            .any(|(a, b)| !is_number(a) && (is_number(b) || is_json_array(b)) && !is_json_array(a)),
        None => false,
    } || (width > 1 && first.iter().all(|f| !is_number(f) && !is_json_array(f)));
    let header: Option<Vec<String>> =
        has_header.then(|| first.iter().map(|f| f.trim().to_owned()).collect());
    let data = &rows[usize::from(has_header)..];
    let Some((_, sample)) = data.first() else {
        return Err(DelimitedError::Empty {
            file: file.to_owned(),
        });
    };
    let json_column = (0..width).find(|&c| sample.get(c).is_some_and(is_json_array));
    // Row ids and pandas' unnamed index column are numbers but not coordinates.
    let is_id = |c: usize| {
        header.as_ref().and_then(|h| h.get(c)).is_some_and(|name| {
            let name = name.to_ascii_lowercase();
            ID_COLUMNS.contains(&name.as_str()) || name.starts_with("unnamed:")
        })
    };
    let numeric_columns: Vec<usize> = match json_column {
        Some(_) => Vec::new(),
        None => (0..width)
            .filter(|&c| !is_id(c) && sample.get(c).is_some_and(is_number))
            .collect(),
    };
    let mut values = Vec::new();
    let mut dims = 0usize;
    let mut first_invalid: Option<String> = None;
    let mut note = |e: DelimitedError| {
        first_invalid.get_or_insert_with(|| e.to_string());
    };
    let not_a_number = |line: u64, c: usize, field: &str| DelimitedError::NotANumber {
        file: file.to_owned(),
        line,
        column: c + 1,
        found: field.chars().take(40).collect(),
    };
    for (row, (line, record)) in data.iter().enumerate() {
        if let Some(c) = json_column {
            let field = record.get(c).unwrap_or_default();
            let parsed: Result<Vec<f64>, _> = serde_json::from_str(field.trim());
            let parsed = match parsed {
                Ok(p) => Some(p),
                Err(_) if row == 0 => return Err(not_a_number(*line, c, field)),
                Err(_) => {
                    note(not_a_number(*line, c, field));
                    None
                }
            };
            if row == 0 {
                dims = parsed.as_ref().map_or(0, Vec::len);
            }
            match parsed {
                Some(p) if p.len() == dims => values.extend(p.iter().map(|v| *v as f32)),
                Some(p) => {
                    note(DelimitedError::DimensionMismatch {
                        file: file.to_owned(),
                        line: *line,
                        column: c + 1,
                        expected: dims,
                        found: p.len(),
                    });
                    values.extend(std::iter::repeat_n(f32::NAN, dims));
                }
                None => values.extend(std::iter::repeat_n(f32::NAN, dims)),
            }
        } else {
            dims = numeric_columns.len();
            for &c in &numeric_columns {
                let field = record.get(c).unwrap_or_default().trim();
                let v = match field.parse::<f32>() {
                    Ok(v) if v.is_finite() => v,
                    Ok(v) => {
                        note(DelimitedError::NonFinite {
                            file: file.to_owned(),
                            line: *line,
                            column: c + 1,
                            found: field.to_owned(),
                        });
                        v
                    }
                    Err(_) => {
                        note(not_a_number(*line, c, field));
                        f32::NAN
                    }
                };
                values.push(v);
            }
        }
    }
    let vectors = if dims > 0 {
        Array2::from_shape_vec((data.len(), dims), values).ok()
    } else {
        None
    };
    let meta_columns: Vec<usize> = (0..width)
        .filter(|c| Some(*c) != json_column && !numeric_columns.contains(c))
        .collect();
    let name_of = |c: usize| {
        header
            .as_ref()
            .and_then(|h| h.get(c).cloned())
            .unwrap_or_else(|| format!("column {}", c + 1))
    };
    let columns = meta_columns
        .iter()
        .map(|&c| {
            let values: Vec<&str> = data
                .iter()
                .map(|(_, r)| r.get(c).unwrap_or_default())
                .collect();
            let numeric = values.iter().all(|v| v.trim().is_empty() || is_number(v))
                && values.iter().any(|v| is_number(v));
            let column = if numeric {
                Column::Number(
                    values
                        .iter()
                        .map(|v| v.trim().parse::<f64>().ok())
                        .collect(),
                )
            } else {
                Column::Text(
                    values
                        .iter()
                        .map(|v| (!v.is_empty()).then(|| (*v).to_owned()))
                        .collect(),
                )
            };
            (name_of(c), column)
        })
        .collect();
    Ok(Table {
        vectors,
        meta: Metadata::from_columns(data.len(), columns),
        header,
        first_invalid,
    })
}

/// A TF Embedding Projector `metadata.tsv`: one column without a header, or a header row and
/// several columns.
pub fn read_projector_metadata(file: &str, bytes: &[u8]) -> Result<Metadata, DelimitedError> {
    let rows = read_records(file, bytes, b'\t')?;
    let width = rows.first().map_or(0, |(_, r)| r.len());
    if width <= 1 {
        return Ok(Metadata::from_text(
            None,
            rows.iter()
                .map(|(_, r)| r.get(0).unwrap_or_default().to_owned())
                .collect(),
        ));
    }
    let table = read_delimited(file, bytes, b'\t')?;
    Ok(table.meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_columns_with_header_and_text() {
        let src = b"id,text,label,x0,x1,x2\n1,a cat,animal,0.5,1,-2\n2,\"a dog, barking\",animal,1.5,0,3\n3,a car,vehicle,0,0,1\n";
        let t = read_delimited("t.csv", src, b',').unwrap();
        let v = t.vectors.unwrap();
        // `id` is numeric but an identifier: it stays metadata.
        assert_eq!(v.dim(), (3, 3));
        assert_eq!(v.row(1).to_vec(), vec![1.5, 0.0, 3.0]);
        assert_eq!(t.meta.text[1], "a dog, barking");
        let cat = t.meta.category().cloned().unwrap();
        assert_eq!(cat.field, "label");
        assert_eq!(cat.codes, vec![0, 0, 1]);
    }

    #[test]
    fn json_array_column_and_no_header_tsv() {
        let src = b"text\tvector\nhello\t[1, 2, 3]\nworld\t[4.5, 5, 6]\n";
        let t = read_delimited("t.tsv", src, b'\t').unwrap();
        assert_eq!(t.vectors.unwrap().row(1).to_vec(), vec![4.5, 5.0, 6.0]);
        assert_eq!(t.meta.text, vec!["hello", "world"]);
        // tensors.tsv: numbers only, no header.
        let t = read_delimited("tensors.tsv", b"1\t2\n3\t4\n", b'\t').unwrap();
        assert!(t.header.is_none());
        assert_eq!(t.vectors.unwrap().dim(), (2, 2));
    }

    #[test]
    fn projector_metadata_one_or_many_columns() {
        let one = read_projector_metadata("metadata.tsv", b"apple\npear\n").unwrap();
        assert_eq!(one.text, vec!["apple", "pear"]);
        let many =
            read_projector_metadata("metadata.tsv", b"word\tlabel\napple\tfruit\nkale\tveg\n")
                .unwrap();
        assert_eq!(many.text, vec!["apple", "kale"]);
        assert_eq!(
            many.category().cloned().unwrap().names,
            vec!["fruit", "veg"]
        );
    }

    #[test]
    fn bad_inputs_name_line_and_column() {
        let err = read_delimited("r.csv", b"1,2,3\n4,5\n", b',').unwrap_err();
        assert_eq!(
            err,
            DelimitedError::Ragged {
                file: "r.csv".into(),
                line: 2,
                expected: 3,
                found: 2
            }
        );
        // Rows whose vector does not parse keep their place, as NaN, and the first is named.
        let invalid = |name: &str, bytes: &[u8], delimiter: u8| {
            let t = read_delimited(name, bytes, delimiter).unwrap();
            let m = t.vectors.unwrap();
            (
                super::super::invalid::invalid_rows(&m),
                t.first_invalid.unwrap(),
            )
        };
        let (rows, first) = invalid("n.csv", b"a,b\n1,2\n3,x\n4,5\n", b',');
        assert_eq!(rows, vec![1]);
        assert_eq!(
            first,
            "n.csv: line 3, column 2: expected a number, found 'x'"
        );
        let (rows, first) = invalid("f.csv", b"1,2\n3,inf\n5,nan\n", b',');
        assert_eq!(rows, vec![1, 2]);
        assert!(
            first.starts_with("f.csv: line 2, column 2: value is inf"),
            "{first}"
        );
        let (rows, first) = invalid("j.tsv", b"[1,2]\n[1,2,3]\n[1,x]\n[3,4]\n", b'\t');
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(
            first,
            "j.tsv: line 2, column 1: vector has 3 dimensions, expected 2"
        );
        assert!(matches!(
            read_delimited("e.csv", b"", b','),
            Err(DelimitedError::Empty { .. })
        ));
        let err = read_delimited("u.csv", b"a,b\n1,\xff\n", b',').unwrap_err();
        assert!(
            matches!(err, DelimitedError::Syntax { line: 2, .. }),
            "{err:?}"
        );
    }
}
