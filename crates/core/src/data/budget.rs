//! The memory budget, checked before vectors are allocated.
//!
//! A browser tab gets at most 4 GiB of wasm32 memory and the page needs room besides the vectors,
//! so the default budget there is 2 GiB of f32 vectors (about 1.4 M × 384). Natively it is 16 GiB.
//! When a file needs more, loading stops before allocating, with the figure and the ways out:
//! keep the vectors as f16 or int8 ([`Storage`]: a half or a quarter of the memory), keep only
//! the first rows (`max_rows`), or raise the budget.

pub use crate::data::store::Storage;

/// The default budget for the vectors, in bytes.
pub const DEFAULT_BUDGET_BYTES: u64 = if cfg!(target_arch = "wasm32") {
    2 << 30
} else {
    16 << 30
};

/// How much memory loading may use, and how many rows to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// The most bytes the stored vectors may take.
    pub bytes: u64,
    /// Keep only the first rows of the file (`None` = all).
    pub max_rows: Option<usize>,
    /// How the vectors are kept.
    pub storage: Storage,
    /// Leave out rows whose vector is not finite or does not parse (else refuse the file).
    pub skip_invalid: bool,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            bytes: DEFAULT_BUDGET_BYTES,
            max_rows: None,
            storage: Storage::F32,
            skip_invalid: false,
        }
    }
}

/// Loading would need more memory than the budget.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}: {rows} × {dims} vectors need {} as {}, more than the memory budget of {}; {}load at most {fits_rows} rows (`?maxRows=` in the page, `--max-rows` on the command line), or raise the budget (`--memory-budget`)", format_bytes(*needed), storage.name(), format_bytes(*limit), smaller_storage(*storage, *rows, *dims, *limit))]
pub struct BudgetError {
    pub file: String,
    pub rows: u64,
    pub dims: u64,
    pub needed: u128,
    pub limit: u64,
    pub fits_rows: u64,
    pub storage: Storage,
}

/// "keep them as f16 (768 MB: the \"Memory\" chooser, `--storage`, or `?storage=`), or " when a
/// smaller storage would fit, else "".
fn smaller_storage(storage: Storage, rows: u64, dims: u64, limit: u64) -> String {
    let fits = Storage::ALL
        .into_iter()
        .skip_while(|s| *s != storage)
        .skip(1)
        .find(|s| u128::from(rows) * u128::from(s.row_bytes(dims)) <= u128::from(limit));
    match fits {
        Some(s) => format!(
            "keep them as {} ({}: the \"Memory\" chooser, `--storage`, or `?storage=`), or ",
            s.name(),
            format_bytes(u128::from(rows) * u128::from(s.row_bytes(dims)))
        ),
        None => String::new(),
    }
}

impl Budget {
    /// With a row limit.
    pub fn with_max_rows(max_rows: Option<usize>) -> Self {
        Self {
            max_rows,
            ..Self::default()
        }
    }

    /// The rows that will be kept of a file with `rows` rows.
    pub fn kept_rows(&self, rows: u64) -> u64 {
        self.max_rows.map_or(rows, |m| rows.min(m as u64))
    }

    /// With a storage.
    pub fn with_storage(self, storage: Storage) -> Self {
        Self { storage, ..self }
    }

    /// Skipping invalid rows (or not).
    pub fn skipping_invalid(self, skip_invalid: bool) -> Self {
        Self {
            skip_invalid,
            ..self
        }
    }

    /// Check that `rows × dims` values fit in the chosen storage (`rows` already limited by
    /// `max_rows`).
    pub fn check(&self, file: &str, rows: u64, dims: u64) -> Result<(), BudgetError> {
        let row_bytes = self.storage.row_bytes(dims);
        let needed = u128::from(rows) * u128::from(row_bytes);
        if needed <= u128::from(self.bytes) {
            return Ok(());
        }
        Err(BudgetError {
            file: file.to_owned(),
            rows,
            dims,
            needed,
            limit: self.bytes,
            fits_rows: self.bytes / row_bytes.max(1),
            storage: self.storage,
        })
    }
}

/// A size in bytes with an optional K, M, G or T suffix (powers of 1024): the command line's
/// `--memory-budget` and the page's `?memoryBudget=`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        Some('t' | 'T') => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    let v: f64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 2G, 512M, 1500000000)"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("'{s}' is not a positive size"));
    }
    Ok((v * mult as f64) as u64)
}

/// The ways out a [`BudgetError`]'s message offers, for the page's buttons: a smaller storage
/// that fits, and the most rows that fit as the vectors are kept now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetOffer {
    pub storage: Option<Storage>,
    pub fits_rows: u64,
}

/// The offer in a load error's message, when it is a [`BudgetError`]'s.
pub fn offer_in_message(message: &str) -> Option<BudgetOffer> {
    let (_, tail) = message.split_once(", more than the memory budget of ")?;
    let rows = tail.split_once("load at most ")?.1;
    let fits_rows = rows.split_once(" rows")?.0.parse().ok()?;
    let storage = tail
        .split_once("; keep them as ")
        .and_then(|(_, s)| s.split_once(" ("))
        .and_then(|(name, _)| Storage::ALL.into_iter().find(|s| s.name() == name));
    Some(BudgetOffer { storage, fits_rows })
}

/// Bytes for people: "1.5 GB", "768 MB", "12 kB" (decimal units).
pub fn format_bytes(bytes: impl Into<u128>) -> String {
    let b = bytes.into() as f64;
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (unit, size) in units {
        if b >= size {
            let v = b / size;
            return if v >= 100.0 {
                format!("{v:.0} {unit}")
            } else {
                format!("{v:.1} {unit}")
            };
        }
    }
    format!("{b:.0} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_with_the_figure_and_the_way_out() {
        let budget = Budget {
            bytes: 1_000_000_000,
            max_rows: None,
            storage: Storage::F32,
            skip_invalid: false,
        };
        // 1M × 384 f32 = 1.536 GB.
        let err = budget.check("big.npy", 1_000_000, 384).unwrap_err();
        assert_eq!(err.needed, 1_536_000_000);
        assert_eq!(err.fits_rows, 651_041);
        let text = err.to_string();
        assert!(text.starts_with("big.npy: 1000000 × 384 vectors need 1.5 GB as f32, more than the memory budget of 1.0 GB; keep them as f16 (768 MB: the \"Memory\" chooser, `--storage`, or `?storage=`), or load at most 651041 rows"), "{text}");
        assert!(budget.check("ok.npy", 651_041, 384).is_ok());
        assert!(budget.check("no.npy", 651_042, 384).is_err());
        // f16 halves the need, int8 takes a byte a value plus a 4-byte scale per row.
        let half = budget.clone().with_storage(Storage::F16);
        assert!(half.check("big.npy", 1_000_000, 384).is_ok());
        let err = half.check("big.npy", 2_000_000, 384).unwrap_err();
        assert_eq!((err.needed, err.fits_rows), (1_536_000_000, 1_302_083));
        assert!(err.to_string().contains("need 1.5 GB as f16, more than the memory budget of 1.0 GB; keep them as int8 (776 MB"), "{err}");
        let q = budget.clone().with_storage(Storage::Int8);
        assert_eq!(
            q.check("q.npy", 3_000_000, 384).unwrap_err().needed,
            3_000_000 * 388
        );
        // Nothing smaller fits: no storage advice.
        let err = q.check("q.npy", 3_000_000, 384).unwrap_err().to_string();
        assert!(err.contains("1.0 GB; load at most"), "{err}");
        assert_eq!(format_bytes(768_000_000u64), "768 MB");
        // The page reads the ways out back from the message.
        let err = budget
            .check("big.npy", 1_000_000, 384)
            .unwrap_err()
            .to_string();
        assert_eq!(
            offer_in_message(&err),
            Some(BudgetOffer {
                storage: Some(Storage::F16),
                fits_rows: 651_041
            })
        );
        let err = q.check("q.npy", 3_000_000, 384).unwrap_err().to_string();
        assert_eq!(
            offer_in_message(&err),
            Some(BudgetOffer {
                storage: None,
                fits_rows: 2_577_319
            })
        );
        assert_eq!(
            offer_in_message("big.npy: row 3, column 2: value is NaN"),
            None
        );
        assert_eq!(parse_bytes("10M"), Ok(10 << 20));
        assert_eq!(parse_bytes("1.5G"), Ok(1_610_612_736));
        assert!(parse_bytes("lots").is_err() && parse_bytes("0").is_err());
        assert_eq!(format_bytes(999u64), "999 bytes");
    }
}
