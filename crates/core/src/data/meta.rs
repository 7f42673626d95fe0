//! Per-row metadata shared by every loader: a text column, any number of categorical columns,
//! numeric columns and an optional time column.
//!
//! Loaders hand over raw named columns ([`Column`]); [`Metadata::from_columns`] decides what each
//! column is:
//! - the **text** shown for a row: a column named like [`TEXT_FIELDS`], else the string column
//!   with the longest values;
//! - the **time**: a column named like [`TIME_FIELDS`] holding numbers (Unix seconds) or ISO
//!   dates (`2024`, `2024-05-01`, `2024-05-01T12:30:00Z`);
//! - **categorical**: string columns named like [`CATEGORY_FIELDS`], or whose values repeat
//!   (at most half as many distinct values as rows); numbers in a column named like
//!   [`CATEGORY_FIELDS`] too;
//! - **numeric**: the other number columns.
//!
//! Columns of unique strings that are not the text (ids, hashes) are dropped.
//!
//! This module also reads JSON Lines metadata, see [`crate::load::jsonl`].

use std::collections::HashMap;

/// Field names tried, in order, for the category used for colour by default.
pub const CATEGORY_FIELDS: [&str; 5] = ["label", "category", "group", "class", "topic"];

/// Field names tried, in order, for the text of a row.
pub const TEXT_FIELDS: [&str; 8] = [
    "text", "content", "sentence", "document", "body", "title", "name", "caption",
];

/// Field names tried, in order, for the time of a row.
pub const TIME_FIELDS: [&str; 7] = [
    "time",
    "timestamp",
    "date",
    "datetime",
    "created_at",
    "year",
    "created",
];

/// What the legend calls an empty category value.
pub const NO_CATEGORY: &str = "(none)";

/// A categorical column: each row's code indexes `names`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Categorical {
    pub field: String,
    pub names: Vec<String>,
    pub codes: Vec<u32>,
}

impl Categorical {
    /// Codes for `values`, numbered in order of first appearance.
    pub fn from_values(field: String, values: impl IntoIterator<Item = String>) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut index = HashMap::<String, u32>::new();
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

    /// The name to show for `code`: "(none)" for an empty (or blank) value, so the legend never
    /// has a nameless entry.
    pub fn display_name(&self, code: u32) -> &str {
        match self.names.get(code as usize) {
            Some(name) if !name.trim().is_empty() => name,
            _ => NO_CATEGORY,
        }
    }

    /// How many rows fall in each category, indexed by code.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.names.len()];
        for &c in &self.codes {
            if let Some(slot) = counts.get_mut(c as usize) {
                *slot += 1;
            }
        }
        counts
    }
}

/// A numeric column; missing values are NaN.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Numeric {
    pub field: String,
    pub values: Vec<f64>,
}

impl Numeric {
    /// Smallest and largest finite value, if any.
    pub fn range(&self) -> Option<(f64, f64)> {
        self.values
            .iter()
            .filter(|v| v.is_finite())
            .fold(None, |acc, &v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            })
    }
}

/// A raw column handed over by a loader before it is classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Strings (`None` = missing).
    Text(Vec<Option<String>>),
    /// Numbers (`None` = missing).
    Number(Vec<Option<f64>>),
    /// Instants in Unix seconds, already known to be times (e.g. an Arrow timestamp).
    Time(Vec<Option<f64>>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Self::Text(v) => v.len(),
            Self::Number(v) | Self::Time(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Metadata of all rows.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    /// The text shown for each row (tooltips, neighbours, keyword summaries); empty when rows
    /// are just numbered.
    pub text: Vec<String>,
    /// Which column the text came from; `None` when rows are just numbered.
    pub text_field: Option<String>,
    /// Categorical columns, the default colour field first.
    pub categorical: Vec<Categorical>,
    /// Numeric columns (continuous colour scales).
    pub numeric: Vec<Numeric>,
    /// The time of each row, in Unix seconds (NaN = missing).
    pub time: Option<Numeric>,
    /// When rows are just numbered, how many there are (`text` is then empty: a million "row N"
    /// strings took tens of megabytes of a page's memory; whoever shows a numbered row writes "row N").
    #[serde(default)]
    pub numbered_rows: usize,
}

fn lower_eq(name: &str, candidates: &[&str]) -> Option<usize> {
    candidates
        .iter()
        .position(|c| name.trim().eq_ignore_ascii_case(c))
}

impl Metadata {
    /// Only the rows `keep` (in that order; out-of-range rows are skipped). Category names stay
    /// as they were.
    pub fn select_rows(&self, keep: &[usize]) -> Self {
        fn pick<T: Clone>(values: &[T], keep: &[usize]) -> Vec<T> {
            keep.iter()
                .filter_map(|&i| values.get(i).cloned())
                .collect()
        }
        Self {
            text: pick(&self.text, keep),
            text_field: self.text_field.clone(),
            categorical: self
                .categorical
                .iter()
                .map(|c| Categorical {
                    field: c.field.clone(),
                    names: c.names.clone(),
                    codes: pick(&c.codes, keep),
                })
                .collect(),
            numeric: self
                .numeric
                .iter()
                .map(|n| Numeric {
                    field: n.field.clone(),
                    values: pick(&n.values, keep),
                })
                .collect(),
            time: self.time.as_ref().map(|t| Numeric {
                field: t.field.clone(),
                values: pick(&t.values, keep),
            }),
            numbered_rows: keep.iter().filter(|&&i| i < self.numbered_rows).count(),
        }
    }

    /// Rows known by their numbers alone: no texts, no text field, nothing else.
    pub fn numbered(rows: usize) -> Self {
        Self {
            numbered_rows: rows,
            ..Self::default()
        }
    }

    /// Plain texts and nothing else.
    pub fn from_text(field: Option<String>, text: Vec<String>) -> Self {
        Self {
            text,
            text_field: field,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.text.len().max(self.numbered_rows)
    }

    /// The first `rows` rows (when the vectors were cut by `max_rows`).
    pub fn truncated(mut self, rows: usize) -> Self {
        self.text.truncate(rows);
        self.numbered_rows = self.numbered_rows.min(rows);
        for c in &mut self.categorical {
            c.codes.truncate(rows);
        }
        for n in &mut self.numeric {
            n.values.truncate(rows);
        }
        if let Some(t) = &mut self.time {
            t.values.truncate(rows);
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The default colour field: the first categorical column.
    pub fn category(&self) -> Option<&Categorical> {
        self.categorical.first()
    }

    /// The categorical column named `field`.
    pub fn categorical_field(&self, field: &str) -> Option<&Categorical> {
        self.categorical.iter().find(|c| c.field == field)
    }

    /// The numeric column named `field`.
    pub fn numeric_field(&self, field: &str) -> Option<&Numeric> {
        self.numeric.iter().find(|c| c.field == field)
    }

    /// The default category name of `row`, if the data has categories.
    pub fn category_of(&self, row: usize) -> Option<&str> {
        let cat = self.category()?;
        let code = *cat.codes.get(row)? as usize;
        cat.names.get(code).map(String::as_str)
    }

    /// Classify raw columns (see the module docs). Every column must have `rows` values;
    /// shorter ones are padded with missing values.
    pub fn from_columns(rows: usize, columns: Vec<(String, Column)>) -> Self {
        let mut columns: Vec<(String, Column)> = columns
            .into_iter()
            .map(|(name, col)| (name, pad(col, rows)))
            .collect();
        // Text: a known name first, else the string column with the longest values.
        let text_index = columns
            .iter()
            .enumerate()
            .filter(|(_, (_, c))| matches!(c, Column::Text(_)))
            .filter_map(|(i, (n, _))| lower_eq(n, &TEXT_FIELDS).map(|rank| (rank, i)))
            .min()
            .map(|(_, i)| i)
            .or_else(|| {
                columns
                    .iter()
                    .enumerate()
                    .filter(|(_, (n, _))| {
                        lower_eq(n, &CATEGORY_FIELDS).is_none()
                            && lower_eq(n, &TIME_FIELDS).is_none()
                    })
                    .filter_map(|(i, (_, c))| match c {
                        Column::Text(v) => Some((
                            v.iter()
                                .map(|s| s.as_ref().map_or(0, String::len))
                                .sum::<usize>(),
                            i,
                        )),
                        _ => None,
                    })
                    .filter(|(len, _)| *len > 0)
                    .max_by_key(|(len, i)| (*len, std::cmp::Reverse(*i)))
                    .map(|(_, i)| i)
            });
        let (text_field, text) = match text_index {
            Some(i) => {
                let (name, col) = columns.remove(i);
                let text = match col {
                    Column::Text(v) => v.into_iter().map(Option::unwrap_or_default).collect(),
                    _ => Vec::new(),
                };
                (Some(name), text)
            }
            None => (None, Vec::new()),
        };
        // Time: the first column with a time name whose values are times.
        let mut time = None;
        if let Some(i) = columns
            .iter()
            .enumerate()
            .filter_map(|(i, (n, c))| {
                let rank = match c {
                    Column::Time(_) => Some(0),
                    _ => lower_eq(n, &TIME_FIELDS).map(|r| r + 1),
                }?;
                let ok = match c {
                    Column::Time(_) | Column::Number(_) => true,
                    Column::Text(v) => {
                        v.iter()
                            .flatten()
                            .all(|s| s.trim().is_empty() || parse_time(s).is_some())
                            && v.iter().flatten().any(|s| parse_time(s).is_some())
                    }
                };
                ok.then_some((rank, i))
            })
            .min()
            .map(|(_, i)| i)
        {
            let (field, col) = columns.remove(i);
            let values = match col {
                Column::Time(v) | Column::Number(v) => {
                    v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()
                }
                Column::Text(v) => v
                    .iter()
                    .map(|s| s.as_deref().and_then(parse_time).unwrap_or(f64::NAN))
                    .collect(),
            };
            time = Some(Numeric { field, values });
        }
        let mut categorical: Vec<(usize, Categorical)> = Vec::new();
        let mut numeric = Vec::new();
        for (order, (field, col)) in columns.into_iter().enumerate() {
            let named = lower_eq(&field, &CATEGORY_FIELDS);
            match col {
                Column::Text(values) => {
                    let distinct = values
                        .iter()
                        .flatten()
                        .collect::<std::collections::HashSet<_>>()
                        .len();
                    let mean_len = values.iter().flatten().map(String::len).sum::<usize>()
                        / values.len().max(1);
                    let repeats = distinct * 2 <= rows && mean_len <= 200;
                    if named.is_some() || repeats {
                        let cat = Categorical::from_values(
                            field,
                            values.into_iter().map(Option::unwrap_or_default),
                        );
                        categorical.push((named.unwrap_or(CATEGORY_FIELDS.len() + order), cat));
                    }
                }
                Column::Number(values) | Column::Time(values) => {
                    if named.is_some() {
                        let cat = Categorical::from_values(
                            field,
                            values
                                .iter()
                                .map(|v| v.map(format_number).unwrap_or_default()),
                        );
                        categorical.push((named.unwrap_or(0), cat));
                    } else {
                        numeric.push(Numeric {
                            field,
                            values: values.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect(),
                        });
                    }
                }
            }
        }
        categorical.sort_by_key(|(rank, _)| *rank);
        Self {
            numbered_rows: if text_field.is_none() { rows } else { 0 },
            text,
            text_field,
            categorical: categorical.into_iter().map(|(_, c)| c).collect(),
            numeric,
            time,
        }
    }
}

fn pad(col: Column, rows: usize) -> Column {
    match col {
        Column::Text(mut v) => {
            v.resize(rows, None);
            Column::Text(v)
        }
        Column::Number(mut v) => {
            v.resize(rows, None);
            Column::Number(v)
        }
        Column::Time(mut v) => {
            v.resize(rows, None);
            Column::Time(v)
        }
    }
}

/// A number as a category name: integers without a decimal point.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parse a time: a number (Unix seconds), a year (`2024`), or an ISO 8601 date or date-time
/// (`2024-05-01`, `2024-05-01T12:30`, `2024-05-01 12:30:15.5Z`). Returns Unix seconds (UTC).
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        let year: i64 = s.parse().ok()?;
        return Some((days_from_civil(year, 1, 1) * 86_400) as f64);
    }
    if let Ok(v) = s.parse::<f64>() {
        return v.is_finite().then_some(v);
    }
    let (date, clock) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    // Years far past any data (found by fuzzing: year 77777777777701 overflowed the day count).
    if !(-1_000_000..=1_000_000).contains(&year) {
        return None;
    }
    let month: i64 = parts.next().map_or(Some(1), |p| p.parse().ok())?;
    let day: i64 = parts.next().map_or(Some(1), |p| p.parse().ok())?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = (days_from_civil(year, month, day) * 86_400) as f64;
    if let Some(clock) = clock {
        let clock = clock.trim_end_matches('Z');
        let mut parts = clock.split(':');
        let h: f64 = parts.next()?.parse().ok()?;
        let m: f64 = parts.next().map_or(Some(0.0), |p| p.parse().ok())?;
        let sec: f64 = parts.next().map_or(Some(0.0), |p| p.parse().ok())?;
        if !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) || !(0.0..61.0).contains(&sec) {
            return None;
        }
        seconds += h * 3600.0 + m * 60.0 + sec;
    }
    Some(seconds)
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_empty_category_is_shown_as_none() {
        let c = Categorical::from_values(
            "label".into(),
            ["bird", "", "bird", "  "].into_iter().map(String::from),
        );
        assert_eq!(c.names, ["bird", "", "  "]);
        assert_eq!(c.display_name(0), "bird");
        assert_eq!(c.display_name(1), "(none)");
        assert_eq!(c.display_name(2), "(none)");
        assert_eq!(c.display_name(9), "(none)");
    }

    use super::*;

    fn text(values: &[&str]) -> Column {
        Column::Text(values.iter().map(|s| Some((*s).to_owned())).collect())
    }

    #[test]
    fn columns_are_classified() {
        let meta = Metadata::from_columns(
            4,
            vec![
                ("id".into(), text(&["a", "b", "c", "d"])),
                ("Title".into(), text(&["one", "two", "three", "four"])),
                ("kind".into(), text(&["x", "y", "x", "x"])),
                (
                    "Label".into(),
                    Column::Number(vec![Some(1.0), Some(2.0), None, Some(1.0)]),
                ),
                (
                    "score".into(),
                    Column::Number(vec![Some(0.5), None, Some(2.0), Some(1.0)]),
                ),
                ("year".into(), text(&["2001", "2002", "", "2004"])),
            ],
        );
        assert_eq!(meta.text_field.as_deref(), Some("Title"));
        assert_eq!(meta.text[2], "three");
        let fields: Vec<&str> = meta.categorical.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["Label", "kind"]);
        assert_eq!(meta.category().unwrap().names, vec!["1", "2", ""]);
        assert_eq!(meta.numeric.len(), 1);
        assert!(meta.numeric[0].values[1].is_nan());
        assert_eq!(meta.numeric[0].range(), Some((0.5, 2.0)));
        let time = meta.time.unwrap();
        assert_eq!(time.field, "year");
        assert_eq!(time.values[0], 978_307_200.0);
        assert!(time.values[2].is_nan());
    }

    #[test]
    fn no_text_means_numbered_rows() {
        let meta = Metadata::from_columns(2, vec![("v".into(), Column::Number(vec![Some(1.0)]))]);
        assert!(meta.text.is_empty());
        assert_eq!(meta.len(), 2);
        assert!(meta.text_field.is_none());
        assert_eq!(meta.numeric[0].values.len(), 2, "padded to the row count");
    }

    #[test]
    fn times_parse_like_gnu_date() {
        // Values from `date -u -d ... +%s`.
        assert_eq!(parse_time("1970-01-01"), Some(0.0));
        assert_eq!(parse_time("77777777777701-06"), None);
        assert_eq!(parse_time("2000-02-29T12:00:00Z"), Some(951_825_600.0));
        assert_eq!(parse_time("1969-12-31 23:59:59"), Some(-1.0));
        assert_eq!(parse_time("2024-05"), Some(1_714_521_600.0));
        assert_eq!(parse_time("1700000000"), Some(1_700_000_000.0));
        assert_eq!(parse_time("2024-13-01"), None);
        assert_eq!(parse_time("yesterday"), None);
    }
}
