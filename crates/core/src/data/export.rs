//! Writing rows out: the selection (or everything) as CSV, JSON Lines, JSON or Parquet, with the
//! row number, the metadata, the map's x/y and, optionally, the vectors.
//!
//! Columns, in order: `row`, the text (under its field's name), each categorical column, each
//! numeric column, the time (Unix seconds, under its field's name), `x`, `y`, and `vector`.
//! Missing values are empty in CSV, `null` in JSON and null in Parquet. In CSV the vector is
//! one field holding a JSON array; in Parquet it is a fixed-size list of float32.

use crate::data::meta::Metadata;
use crate::data::store::Vectors;

/// A file format rows can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    Csv,
    JsonLines,
    Json,
    Parquet,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Csv,
        Format::JsonLines,
        Format::Json,
        Format::Parquet,
    ];

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
            Format::Json => "json",
            Format::Parquet => "parquet",
        }
    }

    /// The MIME type of a download.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv",
            Format::JsonLines => "application/x-ndjson",
            Format::Json => "application/json",
            Format::Parquet => "application/vnd.apache.parquet",
        }
    }

    /// The format whose [`Format::extension`] is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == name)
    }
}

/// Why rows could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("row {row} is not in the data ({rows} rows)")]
    NoSuchRow { row: u32, rows: usize },
    #[error("the layout has {positions} positions for {rows} rows")]
    Positions { positions: usize, rows: usize },
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("writing Parquet: {0}")]
    Parquet(String),
}

/// What is written for each row.
pub struct Table<'a> {
    pub meta: &'a Metadata,
    pub xs: &'a [f32],
    pub ys: &'a [f32],
    /// The vectors, when they are to be written too.
    pub vectors: Option<&'a Vectors>,
}

/// One cell.
enum Cell {
    Int(u32),
    Text(Option<String>),
    Number(Option<f64>),
}

impl Table<'_> {
    fn rows(&self) -> usize {
        self.xs.len()
    }

    fn text_field(&self) -> Option<&str> {
        self.meta.text_field.as_deref()
    }

    /// Column names, in order (the vector's last when written).
    pub fn header(&self) -> Vec<String> {
        let mut names = vec!["row".to_owned()];
        names.extend(self.text_field().map(str::to_owned));
        names.extend(self.meta.categorical.iter().map(|c| c.field.clone()));
        names.extend(self.meta.numeric.iter().map(|c| c.field.clone()));
        names.extend(self.meta.time.iter().map(|c| c.field.clone()));
        names.extend(["x".to_owned(), "y".to_owned()]);
        if self.vectors.is_some() {
            names.push("vector".to_owned());
        }
        names
    }

    /// The cells of `row` (all but the vector).
    fn cells(&self, row: usize) -> Vec<Cell> {
        let number = |v: Option<&f64>| v.copied().filter(|v| v.is_finite());
        let mut cells = vec![Cell::Int(row as u32)];
        if self.text_field().is_some() {
            cells.push(Cell::Text(self.meta.text.get(row).cloned()));
        }
        for c in &self.meta.categorical {
            let name = c
                .codes
                .get(row)
                .and_then(|&code| c.names.get(code as usize));
            cells.push(Cell::Text(name.filter(|n| !n.is_empty()).cloned()));
        }
        for c in self.meta.numeric.iter().chain(&self.meta.time) {
            cells.push(Cell::Number(number(c.values.get(row))));
        }
        cells.push(Cell::Number(self.xs.get(row).map(|&v| f64::from(v))));
        cells.push(Cell::Number(self.ys.get(row).map(|&v| f64::from(v))));
        cells
    }

    fn check(&self, rows: &[u32]) -> Result<(), ExportError> {
        if self.ys.len() != self.rows() || (!self.meta.is_empty() && self.meta.len() != self.rows())
        {
            return Err(ExportError::Positions {
                positions: self.ys.len(),
                rows: self.rows(),
            });
        }
        match rows.iter().find(|&&r| r as usize >= self.rows()) {
            Some(&row) => Err(ExportError::NoSuchRow {
                row,
                rows: self.rows(),
            }),
            None => Ok(()),
        }
    }

    /// `rows` (in the order given) written as `format`.
    pub fn write(&self, rows: &[u32], format: Format) -> Result<Vec<u8>, ExportError> {
        self.check(rows)?;
        match format {
            Format::Csv => self.csv(rows),
            Format::JsonLines => self.json_lines(rows),
            Format::Json => self.json(rows),
            Format::Parquet => self.parquet(rows),
        }
    }

    fn csv(&self, rows: &[u32]) -> Result<Vec<u8>, ExportError> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(self.header())?;
        for &row in rows {
            let mut record: Vec<String> = self
                .cells(row as usize)
                .into_iter()
                .map(|c| match c {
                    Cell::Int(v) => v.to_string(),
                    Cell::Text(t) => t.unwrap_or_default(),
                    Cell::Number(n) => n.map(|v| v.to_string()).unwrap_or_default(),
                })
                .collect();
            if let Some(vectors) = self.vectors {
                record.push(serde_json::to_string(&vectors.row_f32(row as usize))?);
            }
            out.write_record(record)?;
        }
        out.into_inner()
            .map_err(|e| ExportError::Csv(e.into_error().into()))
    }

    fn object(&self, header: &[String], row: usize) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value;
        let mut object = serde_json::Map::new();
        for (name, cell) in header.iter().zip(self.cells(row)) {
            let value = match cell {
                Cell::Int(v) => Value::from(v),
                Cell::Text(t) => t.map_or(Value::Null, Value::from),
                Cell::Number(n) => n.map_or(Value::Null, Value::from),
            };
            object.insert(name.clone(), value);
        }
        if let Some(vectors) = self.vectors {
            let values = vectors.row_f32(row).into_iter().map(Value::from).collect();
            object.insert("vector".to_owned(), Value::Array(values));
        }
        object
    }

    fn json_lines(&self, rows: &[u32]) -> Result<Vec<u8>, ExportError> {
        let header = self.header();
        let mut out = Vec::new();
        for &row in rows {
            serde_json::to_writer(&mut out, &self.object(&header, row as usize))?;
            out.push(b'\n');
        }
        Ok(out)
    }

    fn json(&self, rows: &[u32]) -> Result<Vec<u8>, ExportError> {
        let header = self.header();
        let objects: Vec<serde_json::Value> = rows
            .iter()
            .map(|&r| serde_json::Value::Object(self.object(&header, r as usize)))
            .collect();
        Ok(serde_json::to_vec(&objects)?)
    }

    #[cfg(not(feature = "columnar"))]
    fn parquet(&self, _rows: &[u32]) -> Result<Vec<u8>, ExportError> {
        Err(ExportError::Parquet(
            "this build of vecscape has no Parquet writer (the widget's); choose CSV or JSON"
                .to_owned(),
        ))
    }

    #[cfg(feature = "columnar")]
    fn parquet(&self, rows: &[u32]) -> Result<Vec<u8>, ExportError> {
        use arrow_array::builder::{FixedSizeListBuilder, Float32Builder};
        use arrow_array::{
            Array, ArrayRef, Float32Array, Float64Array, RecordBatch, StringArray, UInt32Array,
        };
        use arrow_schema::{DataType, Field, Schema};
        use std::sync::Arc;
        let fail = |e: &dyn std::fmt::Display| ExportError::Parquet(e.to_string());
        let mut fields: Vec<Field> = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        fields.push(Field::new("row", DataType::UInt32, false));
        columns.push(Arc::new(UInt32Array::from(rows.to_vec())));
        if let Some(name) = self.text_field() {
            fields.push(Field::new(name, DataType::Utf8, true));
            let texts = rows
                .iter()
                .map(|&r| self.meta.text.get(r as usize).map(String::as_str));
            columns.push(Arc::new(texts.collect::<StringArray>()));
        }
        for c in &self.meta.categorical {
            fields.push(Field::new(&c.field, DataType::Utf8, true));
            let names = rows.iter().map(|&r| {
                let name = c
                    .codes
                    .get(r as usize)
                    .and_then(|&code| c.names.get(code as usize));
                name.filter(|n| !n.is_empty()).map(String::as_str)
            });
            columns.push(Arc::new(names.collect::<StringArray>()));
        }
        for c in self.meta.numeric.iter().chain(&self.meta.time) {
            fields.push(Field::new(&c.field, DataType::Float64, true));
            let values = rows
                .iter()
                .map(|&r| c.values.get(r as usize).copied().filter(|v| v.is_finite()));
            columns.push(Arc::new(values.collect::<Float64Array>()));
        }
        for (name, values) in [("x", self.xs), ("y", self.ys)] {
            fields.push(Field::new(name, DataType::Float32, false));
            columns.push(Arc::new(Float32Array::from_iter_values(
                rows.iter().map(|&r| values[r as usize]),
            )));
        }
        if let Some(vectors) = self.vectors {
            let dims = vectors.dim().1;
            let mut list = FixedSizeListBuilder::with_capacity(
                Float32Builder::with_capacity(rows.len() * dims),
                dims as i32,
                rows.len(),
            );
            for &r in rows {
                list.values().append_slice(&vectors.row_f32(r as usize));
                list.append(true);
            }
            let list = list.finish();
            fields.push(Field::new("vector", list.data_type().clone(), false));
            columns.push(Arc::new(list));
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| fail(&e))?;
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let mut out = Vec::new();
        let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, schema, Some(props))
            .map_err(|e| fail(&e))?;
        writer.write(&batch).map_err(|e| fail(&e))?;
        writer.close().map_err(|e| fail(&e))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::meta::{Categorical, Numeric};

    fn table_meta() -> Metadata {
        let mut meta = Metadata::from_text(
            Some("text".into()),
            vec![
                "a, \"quoted\" bird".into(),
                "<img onerror=x>".into(),
                "line\nbreak".into(),
            ],
        );
        meta.categorical.push(Categorical::from_values(
            "label".into(),
            ["noun.animal", "", "verb.motion"].map(String::from),
        ));
        meta.numeric.push(Numeric {
            field: "score".into(),
            values: vec![1.5, f64::NAN, -2.0],
        });
        meta
    }

    /// The three rows of [`table_meta`] at fixed positions, without vectors.
    fn without_vectors(meta: &Metadata) -> Table<'_> {
        Table {
            meta,
            xs: &[0.5, 1.5, 2.5],
            ys: &[-1.0, -2.0, -3.0],
            vectors: None,
        }
    }

    #[test]
    fn json_lines_hold_every_column_with_nulls_for_missing_values() {
        let meta = table_meta();
        let vectors = Vectors::F32(ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.5]]);
        let table = Table {
            meta: &meta,
            xs: &[0.5, 1.5, 2.5],
            ys: &[-1.0, -2.0, -3.0],
            vectors: Some(&vectors),
        };
        let out = String::from_utf8(table.write(&[2, 1], Format::JsonLines).unwrap()).unwrap();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines[0],
            serde_json::json!({"row": 2, "text": "line\nbreak", "label": "verb.motion",
                "score": -2.0, "x": 2.5, "y": -3.0, "vector": [5.0, 6.5]})
        );
        assert_eq!(lines[1]["label"], serde_json::Value::Null);
        assert_eq!(lines[1]["score"], serde_json::Value::Null);
        assert_eq!(lines[1]["text"], "<img onerror=x>");
        let json: serde_json::Value =
            serde_json::from_slice(&table.write(&[2, 1], Format::Json).unwrap()).unwrap();
        assert_eq!(json, serde_json::Value::Array(lines));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let meta = table_meta();
        let table = without_vectors(&meta);
        let out = String::from_utf8(table.write(&[0, 1], Format::Csv).unwrap()).unwrap();
        assert_eq!(
            out,
            "row,text,label,score,x,y\n0,\"a, \"\"quoted\"\" bird\",noun.animal,1.5,0.5,-1\n1,<img onerror=x>,,,1.5,-2\n"
        );
    }

    #[test]
    fn rows_past_the_end_are_an_error() {
        let meta = table_meta();
        let table = without_vectors(&meta);
        let e = table.write(&[0, 3], Format::Parquet).unwrap_err();
        assert_eq!(e.to_string(), "row 3 is not in the data (3 rows)");
    }
}
