//! Per-row metadata from JSON Lines: one JSON object per line, in the same order as the vectors.
//!
//! The text shown for a row is its `text` field (else its first string field); the category used
//! for colour is its `label`, `category` or `group` field when one exists.

/// Why a metadata file could not be read. Every variant names the file and the place.
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
    /// A line is valid JSON but not an object.
    #[error("{file}: line {line}: expected a JSON object, found {found}")]
    NotAnObject {
        file: String,
        line: usize,
        found: &'static str,
    },
}

/// Field names tried, in order, for the category used for colour.
pub const CATEGORY_FIELDS: [&str; 3] = ["label", "category", "group"];

/// A categorical column: each row's code indexes `names`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Categorical {
    pub field: String,
    pub names: Vec<String>,
    pub codes: Vec<u32>,
}

impl Categorical {
    /// Codes for `values`, numbered in order of first appearance.
    pub fn from_values(field: String, values: impl IntoIterator<Item = String>) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut index = std::collections::HashMap::<String, u32>::new();
        let codes = values
            .into_iter()
            .map(|name| {
                *index.entry(name.clone()).or_insert_with(|| {
                    names.push(name);
                    names.len() as u32 - 1
                })
            })
            .collect();
        Self {
            field,
            names,
            codes,
        }
    }
}

/// Metadata of all rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    pub text: Vec<String>,
    pub category: Option<Categorical>,
}

impl Metadata {
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The category name of `row`, if the data has categories.
    pub fn category_of(&self, row: usize) -> Option<&str> {
        let cat = self.category.as_ref()?;
        let code = *cat.codes.get(row)? as usize;
        cat.names.get(code).map(String::as_str)
    }
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// serde_json's message without its own " at line L column C" (which counts within one line).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn value_as_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Parse JSON Lines bytes. Blank lines are skipped (they carry no row).
pub fn read_jsonl(file: &str, bytes: &[u8]) -> Result<Metadata, MetaError> {
    let mut text = Vec::new();
    let mut category_field: Option<String> = None;
    let mut category_values: Vec<String> = Vec::new();
    let mut line_start = 0usize;
    for (line_index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line_no = line_index + 1;
        let this_start = line_start;
        line_start += raw.len() + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw).map_err(|e| MetaError::NotUtf8 {
            file: file.to_owned(),
            line: line_no,
            byte_offset: this_start + e.valid_up_to(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| MetaError::BadJson {
                file: file.to_owned(),
                line: line_no,
                column: e.column(),
                message: without_position(&e),
            })?;
        let serde_json::Value::Object(object) = value else {
            return Err(MetaError::NotAnObject {
                file: file.to_owned(),
                line: line_no,
                found: kind_of(&value),
            });
        };
        let row_text = object
            .get("text")
            .map(value_as_text)
            .or_else(|| object.values().find_map(|v| v.as_str().map(str::to_owned)))
            .unwrap_or_default();
        text.push(row_text);
        if category_field.is_none() && category_values.is_empty() {
            category_field = CATEGORY_FIELDS
                .iter()
                .find(|f| object.contains_key(**f))
                .map(|f| (*f).to_owned());
        }
        if let Some(field) = &category_field {
            category_values.push(object.get(field).map(value_as_text).unwrap_or_default());
        }
    }
    let category = category_field.map(|field| Categorical::from_values(field, category_values));
    Ok(Metadata { text, category })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_categories() {
        let src = b"{\"id\":1,\"text\":\"cat: a small feline\",\"label\":\"noun.animal\"}\n\
{\"text\":\"run: move fast\",\"label\":\"verb.motion\"}\r\n\n\
{\"text\":\"dog\",\"label\":\"noun.animal\"}\n";
        let meta = read_jsonl("m.jsonl", src).unwrap();
        assert_eq!(meta.len(), 3);
        assert_eq!(meta.text[1], "run: move fast");
        let cat = meta.category.as_ref().unwrap();
        assert_eq!(cat.field, "label");
        assert_eq!(cat.names, vec!["noun.animal", "verb.motion"]);
        assert_eq!(cat.codes, vec![0, 1, 0]);
        assert_eq!(meta.category_of(2), Some("noun.animal"));
    }

    #[test]
    fn text_falls_back_to_first_string_field() {
        let meta = read_jsonl("m.jsonl", b"{\"n\":3,\"title\":\"hello\"}").unwrap();
        assert_eq!(meta.text, vec!["hello"]);
        assert!(meta.category.is_none());
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
        assert_eq!(
            err,
            MetaError::NotAnObject {
                file: "a.jsonl".into(),
                line: 2,
                found: "an array"
            }
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
    }
}
