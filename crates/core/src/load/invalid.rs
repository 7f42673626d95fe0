//! Invalid rows: vectors with a NaN or infinite value, or (in text formats) a vector that does
//! not parse or has the wrong length.
//!
//! Readers do not stop at such a row: they note what is wrong with the first one (with its
//! place) and fill the row with NaN, so every row keeps its place. [`drop_invalid`] then takes
//! out every row that is not finite, and the loader either refuses the file, naming the first
//! row and how many there are ([`InvalidRowsError`]), or, when the budget says to skip them,
//! keeps the others and says which went ([`InvalidRows`]). Metadata rows are dropped with them,
//! so they stay aligned.

use ndarray::{Array2, Axis};

/// How many row numbers an error or a status line lists.
pub const LISTED: usize = 5;

/// The rows left out of a file, and why the first went.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InvalidRows {
    /// Their row numbers in the file (0-based data rows), ascending.
    pub rows: Vec<usize>,
    /// What was wrong with the first, with the file and the place.
    pub first: Option<String>,
}

impl InvalidRows {
    pub fn count(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Keep the first message only (readers note rows in order).
    pub fn note(&mut self, message: impl FnOnce() -> String) {
        if self.first.is_none() {
            self.first = Some(message());
        }
    }

    /// "3, 9, 12, … (17 rows)" — the first [`LISTED`] row numbers.
    pub fn listed(&self) -> String {
        let mut s = self
            .rows
            .iter()
            .take(LISTED)
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if self.rows.len() > LISTED {
            s.push_str(", …");
        }
        s
    }

    /// These rows as the error that refuses the file.
    pub fn to_error(&self, file: &str) -> InvalidRowsError {
        InvalidRowsError {
            file: file.to_owned(),
            count: self.count(),
            first: self
                .first
                .clone()
                .unwrap_or_else(|| format!("{file}: a vector is not finite")),
            rows: self.listed(),
        }
    }
}

/// A file has rows whose vector is not finite or does not parse, and they were not to be
/// skipped.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{first}; {count} {} invalid (rows {rows}): load without {} (\"Load without the invalid rows\" in the page, `--skip-invalid-rows` on the command line) or mend the file", if *count == 1 { "row is" } else { "rows are" }, if *count == 1 { "it" } else { "them" })]
pub struct InvalidRowsError {
    pub file: String,
    pub count: usize,
    /// What is wrong with the first, with its place.
    pub first: String,
    /// The first row numbers.
    pub rows: String,
}

/// How many invalid rows a load error's message counts, when it is an [`InvalidRowsError`] (the
/// page offers to load without them).
pub fn count_in_message(message: &str) -> Option<usize> {
    [" rows are invalid (rows ", " row is invalid (rows "]
        .iter()
        .find_map(|tail| {
            let at = message.find(tail)?;
            let head = message[..at].rsplit_once("; ")?.1;
            head.parse().ok()
        })
}

/// The rows of `m` with a value that is not finite, ascending.
pub fn invalid_rows(m: &Array2<f32>) -> Vec<usize> {
    m.rows()
        .into_iter()
        .enumerate()
        .filter(|(_, r)| !r.iter().all(|v| v.is_finite()))
        .map(|(i, _)| i)
        .collect()
}

/// `m` without its rows that are not finite, and those rows: the first named by `first` (the
/// reader's note), else by its first value that is not finite. One pass when all are finite.
pub fn drop_invalid(
    file: &str,
    m: Array2<f32>,
    first: Option<String>,
) -> (Array2<f32>, InvalidRows) {
    let rows = invalid_rows(&m);
    let Some(&r) = rows.first() else {
        return (m, InvalidRows::default());
    };
    let first = first.or_else(|| {
        let (c, v) = m
            .row(r)
            .iter()
            .copied()
            .enumerate()
            .find(|(_, v)| !v.is_finite())?;
        Some(format!(
            "{file}: row {r}, column {c}: value is {v} (vectors must be finite)"
        ))
    });
    let kept = m.select(Axis(0), &kept_rows(m.nrows(), &rows));
    (kept, InvalidRows { rows, first })
}

/// The rows of `0..len` not in `dropped` (ascending).
pub fn kept_rows(len: usize, dropped: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(len.saturating_sub(dropped.len()));
    let mut d = dropped.iter().peekable();
    for i in 0..len {
        if d.peek() == Some(&&i) {
            d.next();
        } else {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_rows_that_are_not_finite() {
        let m = Array2::from_shape_vec(
            (4, 2),
            vec![1., 2., f32::NAN, 0., 3., 4., 5., f32::INFINITY],
        )
        .unwrap();
        let (kept, bad) = drop_invalid("m.npy", m, None);
        assert_eq!(bad.rows, vec![1, 3]);
        assert_eq!(
            bad.first.as_deref(),
            Some("m.npy: row 1, column 0: value is NaN (vectors must be finite)")
        );
        assert_eq!(
            kept,
            Array2::from_shape_vec((2, 2), vec![1., 2., 3., 4.]).unwrap()
        );
        assert_eq!(kept_rows(5, &[1, 3]), vec![0, 2, 4]);
    }

    #[test]
    fn the_error_counts_and_lists_rows() {
        let mut inv = InvalidRows {
            rows: (2..10).collect(),
            first: None,
        };
        inv.note(|| "f.npy: row 2, column 0: value is NaN".to_owned());
        inv.note(|| "not kept".to_owned());
        let e = inv.to_error("f.npy").to_string();
        assert!(
            e.starts_with(
                "f.npy: row 2, column 0: value is NaN; 8 rows are invalid (rows 2, 3, 4, 5, 6, …)"
            ),
            "{e}"
        );
        assert!(e.contains("--skip-invalid-rows"), "{e}");
        assert_eq!(count_in_message(&e), Some(8));
        let one = InvalidRows {
            rows: vec![4],
            first: None,
        };
        assert_eq!(
            count_in_message(&one.to_error("g.csv").to_string()),
            Some(1)
        );
        assert_eq!(count_in_message("g.csv: line 2: expected a number"), None);
    }
}
