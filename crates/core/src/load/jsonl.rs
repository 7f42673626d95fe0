//! JSON Lines / NDJSON, read as a stream of chunks.
//!
//! Two shapes are understood, decided by the first non-blank line:
//! - **objects**, one per row: metadata fields (see [`crate::data::meta`]) and optionally a vector field
//!   (an array of numbers, e.g. `"embedding": [0.1, …]`; names in [`VECTOR_FIELDS`] win when a row
//!   has several);
//! - **WizMap's `data.ndjson`**: arrays `[x, y, text, time?, group?]`, already 2-D.

use crate::data::meta::{Column, Metadata};
use ndarray::Array2;

/// Why a JSON Lines file could not be read. Every variant names the file and the place.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MetaError {
    /// A line is not valid UTF-8.
    #[error("{file}: line {line}, byte {byte_offset}: text is not valid UTF-8")]
    NotUtf8 {
        file: String,
        line: usize,
        byte_offset: usize,
    },
    /// A line is not valid JSON.
    #[error("{file}: line {line}, column {column}: not valid JSON: {message}")]
    BadJson {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A line is valid JSON but not what this file's first line set up.
    #[error("{file}: line {line}: expected {expected}, found {found}")]
    WrongShape {
        file: String,
        line: usize,
        expected: &'static str,
        found: String,
    },
    /// A row's vector has a different length from the first row's.
    #[error("{file}: line {line}: field '{field}' has {found} numbers, expected {expected} (as in the first row)")]
    DimensionMismatch {
        file: String,
        line: usize,
        field: String,
        expected: usize,
        found: usize,
    },
    /// A row lacks the vector field the first row had, or it holds something else.
    #[error("{file}: line {line}: field '{field}' {problem}")]
    BadVector {
        file: String,
        line: usize,
        field: String,
        problem: String,
    },
}

/// Field names preferred for the vector when a row has several arrays of numbers.
pub const VECTOR_FIELDS: [&str; 6] = ["embedding", "vector", "embeddings", "emb", "vec", "values"];

/// What a JSON Lines file held.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JsonlData {
    pub meta: Metadata,
    /// Vectors from a vector field, if rows had one.
    pub vectors: Option<Array2<f32>>,
    /// Precomputed 2-D coordinates (WizMap `data.ndjson`).
    pub coords: Option<Array2<f32>>,
    /// What is wrong with the first row whose vector is not finite or does not parse (such rows
    /// hold NaN; see [`super::invalid`]).
    pub first_invalid: Option<String>,
}

enum Shape {
    Unknown,
    Objects,
    WizMap,
}

/// A streaming JSON Lines reader: feed it chunks with [`JsonlReader::push`] in order, then call
/// [`JsonlReader::finish`]. Lines may be split anywhere between chunks.
pub struct JsonlReader {
    file: String,
    partial: Vec<u8>,
    partial_offset: usize,
    line_no: usize,
    rows: usize,
    shape: Shape,
    fields: Vec<(String, Vec<Option<serde_json::Value>>)>,
    field_index: std::collections::HashMap<String, usize>,
    vector_field: Option<String>,
    dims: usize,
    vectors: Vec<f32>,
    coords: Vec<f32>,
    first_invalid: Option<String>,
}

fn kind_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
    .to_owned()
}

/// serde_json's message without its own " at line L column C" (which counts within one line).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn numbers_of(value: &serde_json::Value) -> Option<Vec<f64>> {
    let items = value.as_array()?;
    if items.is_empty() {
        return None;
    }
    items.iter().map(serde_json::Value::as_f64).collect()
}

impl JsonlReader {
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            partial: Vec::new(),
            partial_offset: 0,
            line_no: 0,
            rows: 0,
            shape: Shape::Unknown,
            fields: Vec::new(),
            field_index: std::collections::HashMap::new(),
            vector_field: None,
            dims: 0,
            vectors: Vec::new(),
            coords: Vec::new(),
            first_invalid: None,
        }
    }

    /// Rows read so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Feed the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), MetaError> {
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let (line, tail) = rest.split_at(nl);
            rest = &tail[1..];
            if self.partial.is_empty() {
                let start = self.partial_offset;
                self.line(line, start)?;
                self.partial_offset = start + line.len() + 1;
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                let start = self.partial_offset;
                self.line(&whole, start)?;
                self.partial_offset = start + whole.len() + 1;
            }
        }
        self.partial.extend_from_slice(rest);
        Ok(())
    }

    /// The file has ended: read the last line and classify the columns.
    pub fn finish(mut self) -> Result<JsonlData, MetaError> {
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            let start = self.partial_offset;
            self.line(&last, start)?;
        }
        let rows = self.rows;
        let vectors = (self.dims > 0)
            .then(|| Array2::from_shape_vec((rows, self.dims), self.vectors).ok())
            .flatten();
        let coords = matches!(self.shape, Shape::WizMap)
            .then(|| Array2::from_shape_vec((rows, 2), self.coords).ok())
            .flatten();
        let columns = self
            .fields
            .into_iter()
            .map(|(name, values)| (name, to_column(values)))
            .collect();
        Ok(JsonlData {
            meta: Metadata::from_columns(rows, columns),
            vectors,
            coords,
            first_invalid: self.first_invalid,
        })
    }

    fn line(&mut self, raw: &[u8], start: usize) -> Result<(), MetaError> {
        self.line_no += 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw).map_err(|e| MetaError::NotUtf8 {
            file: self.file.clone(),
            line: self.line_no,
            byte_offset: start + e.valid_up_to(),
        })?;
        if line.trim().is_empty() {
            return Ok(());
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| MetaError::BadJson {
                file: self.file.clone(),
                line: self.line_no,
                column: e.column(),
                message: without_position(&e),
            })?;
        if matches!(self.shape, Shape::Unknown) {
            self.shape = match &value {
                serde_json::Value::Array(_) => Shape::WizMap,
                _ => Shape::Objects,
            };
        }
        match self.shape {
            Shape::WizMap => self.wizmap_row(value)?,
            _ => self.object_row(value)?,
        }
        self.rows += 1;
        Ok(())
    }

    fn set(&mut self, field: &str, value: serde_json::Value) {
        let i = match self.field_index.get(field) {
            Some(i) => *i,
            None => {
                self.fields.push((field.to_owned(), Vec::new()));
                self.field_index
                    .insert(field.to_owned(), self.fields.len() - 1);
                self.fields.len() - 1
            }
        };
        if let Some((_, values)) = self.fields.get_mut(i) {
            values.resize(self.rows, None);
            values.push(Some(value));
        }
    }

    fn object_row(&mut self, value: serde_json::Value) -> Result<(), MetaError> {
        let serde_json::Value::Object(object) = value else {
            return Err(MetaError::WrongShape {
                file: self.file.clone(),
                line: self.line_no,
                expected: "a JSON object (as on the first line)",
                found: kind_of(&value),
            });
        };
        if self.rows == 0 {
            // The vector field is decided by the first row.
            let arrays: Vec<&String> = object
                .iter()
                .filter(|(_, v)| numbers_of(v).is_some_and(|n| n.len() >= 2))
                .map(|(k, _)| k)
                .collect();
            self.vector_field = arrays
                .iter()
                .min_by_key(|k| {
                    VECTOR_FIELDS
                        .iter()
                        .position(|f| k.eq_ignore_ascii_case(f))
                        .unwrap_or(VECTOR_FIELDS.len())
                })
                .map(|k| (*k).clone());
        }
        let mut invalid = None;
        for (key, value) in object {
            if Some(&key) == self.vector_field.as_ref() {
                match self.vector(&key, &value) {
                    Err(e) if self.rows > 0 => invalid = Some(e),
                    other => other?,
                }
            } else {
                self.set(&key, value);
            }
        }
        if let Some(field) = &self.vector_field {
            let end = (self.rows + 1) * self.dims;
            if invalid.is_none() && self.vectors.len() != end {
                invalid = Some(MetaError::BadVector {
                    file: self.file.clone(),
                    line: self.line_no,
                    field: field.clone(),
                    problem: "is missing (the first row has it)".to_owned(),
                });
            }
            if let Some(e) = invalid {
                if self.rows == 0 {
                    return Err(e);
                }
                // The row keeps its place, as NaN, to be left out or refused with the others.
                self.vectors.truncate(self.rows * self.dims);
                self.vectors.resize(end, f32::NAN);
                self.first_invalid.get_or_insert_with(|| e.to_string());
            }
        }
        Ok(())
    }

    fn vector(&mut self, field: &str, value: &serde_json::Value) -> Result<(), MetaError> {
        let Some(numbers) = numbers_of(value) else {
            return Err(MetaError::BadVector {
                file: self.file.clone(),
                line: self.line_no,
                field: field.to_owned(),
                problem: format!("should be an array of numbers, found {}", kind_of(value)),
            });
        };
        if self.rows == 0 {
            self.dims = numbers.len();
        } else if numbers.len() != self.dims {
            return Err(MetaError::DimensionMismatch {
                file: self.file.clone(),
                line: self.line_no,
                field: field.to_owned(),
                expected: self.dims,
                found: numbers.len(),
            });
        }
        for (i, v) in numbers.iter().enumerate() {
            let v = *v as f32;
            if !v.is_finite() && self.first_invalid.is_none() {
                let e = MetaError::BadVector {
                    file: self.file.clone(),
                    line: self.line_no,
                    field: field.to_owned(),
                    problem: format!(
                        "element {i} is {:e} (vectors must be finite as f32)",
                        numbers[i]
                    ),
                };
                self.first_invalid = Some(e.to_string());
            }
            self.vectors.push(if v.is_finite() { v } else { f32::NAN });
        }
        Ok(())
    }

    fn wizmap_row(&mut self, value: serde_json::Value) -> Result<(), MetaError> {
        let wrong = |found: String| MetaError::WrongShape {
            file: self.file.clone(),
            line: self.line_no,
            expected: "a WizMap row [x, y, text, time?, group?] (as on the first line)",
            found,
        };
        let serde_json::Value::Array(items) = value else {
            return Err(wrong(kind_of(&value)));
        };
        let x = items.first().and_then(serde_json::Value::as_f64);
        let y = items.get(1).and_then(serde_json::Value::as_f64);
        let (Some(x), Some(y)) = (x, y) else {
            return Err(wrong(
                "an array whose first two items are not both numbers".to_owned(),
            ));
        };
        if items.len() < 3 || items.len() > 5 {
            return Err(wrong(format!("an array of {} items", items.len())));
        }
        if !(x as f32).is_finite() || !(y as f32).is_finite() {
            return Err(wrong(format!(
                "coordinates ({x}, {y}) that are not finite as f32"
            )));
        }
        self.coords.push(x as f32);
        self.coords.push(y as f32);
        let mut items = items.into_iter().skip(2);
        if let Some(text) = items.next() {
            self.set("text", text);
        }
        if let Some(time) = items.next() {
            if !(time.is_null() || time.as_str() == Some("")) {
                self.set("time", time);
            }
        }
        if let Some(group) = items.next() {
            self.set("group", group);
        }
        Ok(())
    }
}

fn to_column(values: Vec<Option<serde_json::Value>>) -> Column {
    let all_numbers = values
        .iter()
        .flatten()
        .all(|v| v.is_number() || v.is_null());
    if all_numbers {
        Column::Number(
            values
                .iter()
                .map(|v| v.as_ref().and_then(serde_json::Value::as_f64))
                .collect(),
        )
    } else {
        Column::Text(
            values
                .into_iter()
                .map(|v| match v {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(s),
                    Some(other) => Some(other.to_string()),
                })
                .collect(),
        )
    }
}

/// Read a whole JSON Lines file.
pub fn read_jsonl_data(file: &str, bytes: &[u8]) -> Result<JsonlData, MetaError> {
    let mut reader = JsonlReader::new(file);
    reader.push(bytes)?;
    reader.finish()
}

/// Read a whole JSON Lines file as metadata only (a vector field is read and dropped).
pub fn read_jsonl(file: &str, bytes: &[u8]) -> Result<Metadata, MetaError> {
    Ok(read_jsonl_data(file, bytes)?.meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_categories() {
        let src = b"{\"id\":\"a1\",\"text\":\"cat: a small feline\",\"label\":\"noun.animal\"}\n\
{\"id\":\"b2\",\"text\":\"run: move fast\",\"label\":\"verb.motion\"}\r\n\n\
{\"id\":\"c3\",\"text\":\"dog\",\"label\":\"noun.animal\"}\n";
        let meta = read_jsonl("m.jsonl", src).unwrap();
        assert_eq!(meta.len(), 3);
        assert_eq!(meta.text[1], "run: move fast");
        assert_eq!(meta.text_field.as_deref(), Some("text"));
        let cat = meta.category().unwrap();
        assert_eq!(cat.field, "label");
        assert_eq!(cat.names, vec!["noun.animal", "verb.motion"]);
        assert_eq!(cat.codes, vec![0, 1, 0]);
        assert_eq!(meta.category_of(2), Some("noun.animal"));
        // Unique ids are neither text nor categories.
        assert_eq!(meta.categorical.len(), 1);
    }

    #[test]
    fn a_field_first_seen_late_stays_aligned_with_its_rows() {
        let src = b"{\"text\":\"a\"}\n{\"text\":\"b\",\"label\":\"x\"}\n{\"text\":\"c\",\"label\":\"y\"}\n{\"text\":\"d\",\"label\":\"x\"}\n";
        let meta = read_jsonl("m.jsonl", src).unwrap();
        let cat = meta.category().unwrap();
        assert_eq!(cat.codes.len(), 4);
        assert_eq!(meta.category_of(0), Some(""));
        assert_eq!(meta.category_of(1), Some("x"));
        assert_eq!(meta.category_of(2), Some("y"));
        assert_eq!(meta.category_of(3), Some("x"));
    }

    #[test]
    fn chunks_split_anywhere_give_the_same_result() {
        let src = "{\"text\":\"caf\u{e9} \u{2615}\",\"time\":\"2024-01-02\",\"score\":0.5,\"vector\":[1,2.5]}\n{\"text\":\"b\",\"time\":\"2025-01-01T00:00:00Z\",\"score\":1,\"vector\":[3,4]}\r\n".as_bytes();
        let whole = read_jsonl_data("m.jsonl", src).unwrap();
        for size in [1, 2, 3, 7, 64] {
            let mut r = JsonlReader::new("m.jsonl");
            for chunk in src.chunks(size) {
                r.push(chunk).unwrap();
            }
            assert_eq!(r.finish().unwrap(), whole, "chunk size {size}");
        }
        let v = whole.vectors.unwrap();
        assert_eq!(v.row(0).to_vec(), vec![1.0, 2.5]);
        assert_eq!(v.row(1).to_vec(), vec![3.0, 4.0]);
        assert_eq!(whole.meta.text[0], "caf\u{e9} \u{2615}");
        let time = whole.meta.time.unwrap();
        // 2024-01-02 and 2025-01-01 in Unix seconds (date -d ... +%s).
        assert_eq!(time.values, vec![1_704_153_600.0, 1_735_689_600.0]);
        assert_eq!(whole.meta.numeric[0].field, "score");
        assert_eq!(whole.meta.numeric[0].values, vec![0.5, 1.0]);
    }

    #[test]
    fn vector_field_errors_name_line_and_field() {
        // Invalid rows keep their place as NaN; the first is named.
        let invalid = |bytes: &[u8]| {
            let d = read_jsonl_data("v.jsonl", bytes).unwrap();
            let m = d.vectors.unwrap();
            (
                super::super::invalid::invalid_rows(&m),
                d.first_invalid.unwrap(),
                m.nrows(),
            )
        };
        let (rows, first, n) =
            invalid(b"{\"embedding\":[1,2,3]}\n{\"embedding\":[1,2]}\n{\"embedding\":[4,5,6]}\n");
        assert_eq!((rows, n), (vec![1], 3));
        assert_eq!(
            first,
            "v.jsonl: line 2: field 'embedding' has 2 numbers, expected 3 (as in the first row)"
        );
        let (rows, first, _) = invalid(b"{\"embedding\":[1,2]}\n{\"text\":\"x\"}\n");
        assert_eq!(rows, vec![1]);
        assert!(
            first.contains("line 2: field 'embedding' is missing"),
            "{first}"
        );
        let (rows, first, _) = invalid(b"{\"embedding\":[1,2]}\n{\"embedding\":\"no\"}\n");
        assert_eq!(rows, vec![1]);
        assert!(first.contains("line 2"), "{first}");
        let (rows, first, _) = invalid(b"{\"embedding\":[1,2]}\n{\"embedding\":[1,1e300]}\n");
        assert_eq!(rows, vec![1]);
        assert!(first.contains("element 1 is 1e300"), "{first}");
        // The first row decides the shape: it cannot be left out.
        let err = read_jsonl_data("v.jsonl", b"{\"embedding\":[1,2]}\n").map(|d| d.first_invalid);
        assert_eq!(err, Ok(None));
    }

    #[test]
    fn wizmap_rows() {
        let src = b"[0.5, -1.25, \"first text\", \"2020-01-01\", \"g1\"]\n[1, 2, \"second\", \"2021-06-01\", \"g2\"]\n[3, 4, \"third\", \"2021-06-01\", \"g1\"]\n";
        let d = read_jsonl_data("data.ndjson", src).unwrap();
        let c = d.coords.unwrap();
        assert_eq!(c.row(0).to_vec(), vec![0.5, -1.25]);
        assert_eq!(c.nrows(), 3);
        assert!(d.vectors.is_none());
        assert_eq!(d.meta.text, vec!["first text", "second", "third"]);
        assert_eq!(d.meta.time.as_ref().unwrap().values[0], 1_577_836_800.0);
        assert_eq!(d.meta.category().unwrap().names, vec!["g1", "g2"]);
        let plain = read_jsonl_data("data.ndjson", b"[1, 2, \"a\"]\n[3, 4, \"b\"]\n").unwrap();
        assert_eq!(plain.meta.text, vec!["a", "b"]);
        assert!(plain.meta.time.is_none());
        let err =
            read_jsonl_data("data.ndjson", b"[1, 2, \"a\"]\n[\"x\", 4, \"b\"]\n").unwrap_err();
        assert!(
            matches!(err, MetaError::WrongShape { line: 2, .. }),
            "{err:?}"
        );
        let err = read_jsonl_data("data.ndjson", b"[1, 2, \"a\"]\n{\"text\":\"b\"}\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("data.ndjson: line 2: expected a WizMap row"),
            "{err}"
        );
    }

    #[test]
    fn text_falls_back_to_the_longest_string_field() {
        let meta = read_jsonl(
            "m.jsonl",
            b"{\"n\":3,\"caption2\":\"hello there\",\"k\":\"a\"}",
        )
        .unwrap();
        assert_eq!(meta.text, vec!["hello there"]);
        assert!(meta.category().is_none());
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let src = b"{\"text\":\"ok\"}\n{\"text\": oops}\n";
        let err = read_jsonl("bad.jsonl", src).unwrap_err();
        assert!(
            matches!(
                err,
                MetaError::BadJson {
                    line: 2,
                    column: 10,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "bad.jsonl: line 2, column 10: not valid JSON: expected value"
        );
    }

    #[test]
    fn non_object_and_non_utf8_are_refused() {
        let err = read_jsonl("a.jsonl", b"{\"text\":\"x\"}\n[1,2]\n").unwrap_err();
        assert!(
            matches!(err, MetaError::WrongShape { line: 2, .. }),
            "{err:?}"
        );
        let err = read_jsonl("u.jsonl", b"{\"text\":\"x\"}\n{\"text\":\"\xff\"}\n").unwrap_err();
        assert_eq!(
            err,
            MetaError::NotUtf8 {
                file: "u.jsonl".into(),
                line: 2,
                byte_offset: 22
            }
        );
        // The same byte offset when the bad line arrives in pieces.
        let mut r = JsonlReader::new("u.jsonl");
        let src = b"{\"text\":\"x\"}\n{\"text\":\"\xff\"}\n";
        let mut result = Ok(());
        for chunk in src.chunks(5) {
            result = result.and_then(|()| r.push(chunk));
        }
        assert_eq!(
            result.unwrap_err(),
            MetaError::NotUtf8 {
                file: "u.jsonl".into(),
                line: 2,
                byte_offset: 22
            }
        );
    }
}
