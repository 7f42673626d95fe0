//! How the vectors are kept in memory: f32 (as loaded), f16 (half the memory; lossless for the
//! many embedding files that are stored as f16) or int8 with one scale per row (a quarter).
//!
//! Everything that reads vectors goes through [`Vectors`]: exact kNN scans the stored form
//! directly ([`crate::search::flat::FlatIndex`] has a kernel per storage), and whatever needs f32 rows
//! (PCA, random projection, quantised codes, GPU uploads) reads them a block at a time with
//! [`Vectors::block`], so a choice of f16 or int8 never brings back a whole f32 copy.

use ndarray::{Array2, ArrayView2, CowArray, Ix2};
use std::borrow::Cow;

/// The form the vectors are kept in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Storage {
    /// 4 bytes a value, exactly as loaded.
    #[default]
    F32,
    /// 2 bytes a value (IEEE half precision, round to nearest even).
    F16,
    /// 1 byte a value plus one f32 scale per row: value ≈ code × scale, code in −127…127.
    Int8,
}

impl Storage {
    /// Every storage, smallest last.
    pub const ALL: [Storage; 3] = [Storage::F32, Storage::F16, Storage::Int8];

    /// `f32`, `f16` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            Storage::F32 => "f32",
            Storage::F16 => "f16",
            Storage::Int8 => "int8",
        }
    }

    /// The storage called `name` (as [`Storage::name`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Bytes one row of `dims` values takes.
    pub fn row_bytes(self, dims: u64) -> u64 {
        match self {
            Storage::F32 => dims * 4,
            Storage::F16 => dims * 2,
            Storage::Int8 => dims + 4,
        }
    }
}

/// A value does not fit the chosen storage.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StoreError {
    /// Half precision holds magnitudes up to 65504.
    #[error("{file}: row {row}, column {column}: {value} is out of the range of f16 storage (±65504); keep these vectors as f32 or int8")]
    OutOfHalfRange {
        file: String,
        row: usize,
        column: usize,
        value: f32,
    },
}

/// Rows kept as IEEE half-precision bit patterns, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct HalfMatrix {
    rows: usize,
    dims: usize,
    bits: Vec<u16>,
}

impl HalfMatrix {
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The bit patterns, row-major (`rows × dims`).
    pub fn bits(&self) -> &[u16] {
        &self.bits
    }
}

/// Rows kept as int8 codes with one scale per row, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Matrix {
    rows: usize,
    dims: usize,
    codes: Vec<i8>,
    scales: Vec<f32>,
}

impl Int8Matrix {
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The codes, row-major (`rows × dims`).
    pub fn codes(&self) -> &[i8] {
        &self.codes
    }

    /// One scale per row.
    pub fn scales(&self) -> &[f32] {
        &self.scales
    }
}

/// The vectors of a dataset in their chosen storage.
#[derive(Debug, Clone, PartialEq)]
pub enum Vectors {
    F32(Array2<f32>),
    F16(HalfMatrix),
    Int8(Int8Matrix),
}

impl Default for Vectors {
    fn default() -> Self {
        Vectors::F32(Array2::zeros((0, 0)))
    }
}

impl From<Array2<f32>> for Vectors {
    fn from(m: Array2<f32>) -> Self {
        Vectors::F32(m)
    }
}

/// A half-precision bit pattern as f32, exactly.
#[inline]
pub fn half_to_f32(h: u16) -> f32 {
    half::f16::from_bits(h).to_f32()
}

/// The int8 code of `v` for a row whose scale has inverse `inv_scale`.
#[inline]
fn code_of(v: f32, inv_scale: f32) -> i8 {
    (v * inv_scale).round().clamp(-127.0, 127.0) as i8
}

/// Appends rows in a chosen storage, one value at a time (as a streaming reader produces them)
/// or a row at a time.
#[derive(Debug)]
pub struct VectorsBuilder {
    file: String,
    storage: Storage,
    dims: usize,
    rows: usize,
    /// The row being filled (int8 needs the whole row for its scale).
    row: Vec<f32>,
    f32s: Vec<f32>,
    bits: Vec<u16>,
    codes: Vec<i8>,
    scales: Vec<f32>,
    /// The row being filled has a NaN or infinite value.
    bad: bool,
    /// Rows left out for that, numbered among all rows pushed.
    dropped: Vec<usize>,
}

impl VectorsBuilder {
    /// Room is reserved for `capacity_rows` rows.
    pub fn new(file: &str, storage: Storage, dims: usize, capacity_rows: usize) -> Self {
        let values = capacity_rows.saturating_mul(dims);
        let mut b = Self {
            file: file.to_owned(),
            storage,
            dims,
            rows: 0,
            row: Vec::with_capacity(dims),
            f32s: Vec::new(),
            bits: Vec::new(),
            codes: Vec::new(),
            scales: Vec::new(),
            bad: false,
            dropped: Vec::new(),
        };
        match storage {
            Storage::F32 => b.f32s.reserve_exact(values),
            Storage::F16 => b.bits.reserve_exact(values),
            Storage::Int8 => {
                b.codes.reserve_exact(values);
                b.scales.reserve_exact(capacity_rows);
            }
        }
        b
    }

    /// Rows completed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The rows left out because they held a NaN or infinite value (numbered among all rows
    /// pushed), ascending.
    pub fn dropped(&self) -> &[usize] {
        &self.dropped
    }

    /// Append the next value (row-major order). A row with a NaN or infinite value is left out
    /// when it is complete (see [`VectorsBuilder::dropped`]).
    pub fn push(&mut self, v: f32) -> Result<(), StoreError> {
        if !v.is_finite() {
            self.bad = true;
        }
        match self.storage {
            Storage::F32 => self.f32s.push(v),
            Storage::F16 => {
                let h = half::f16::from_f32(v);
                if h.is_infinite() && v.is_finite() {
                    return Err(StoreError::OutOfHalfRange {
                        file: self.file.clone(),
                        row: self.rows,
                        column: self.row.len(),
                        value: v,
                    });
                }
                self.bits.push(h.to_bits());
            }
            Storage::Int8 => self.row.push(v),
        }
        if self.storage != Storage::Int8 {
            // Only the column count matters for the other storages.
            self.row.push(0.0);
        }
        if self.row.len() == self.dims.max(1) && self.bad {
            self.bad = false;
            self.row.clear();
            let kept = self.rows * self.dims;
            self.f32s.truncate(kept);
            self.bits.truncate(kept);
            self.dropped.push(self.rows + self.dropped.len());
        } else if self.row.len() == self.dims.max(1) {
            if self.storage == Storage::Int8 {
                let s = self.row.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
                let inv = if s > 0.0 { 1.0 / s } else { 0.0 };
                self.codes.extend(self.row.iter().map(|v| code_of(*v, inv)));
                self.scales.push(s);
            }
            self.row.clear();
            self.rows += 1;
        }
        Ok(())
    }

    /// Append one whole row.
    pub fn push_row(&mut self, row: &[f32]) -> Result<(), StoreError> {
        row.iter().try_for_each(|v| self.push(*v))
    }

    /// The rows completed (a partial last row is dropped).
    pub fn finish(mut self) -> Vectors {
        let (rows, dims) = (self.rows, self.dims);
        match self.storage {
            Storage::F32 => {
                self.f32s.truncate(rows * dims);
                Vectors::F32(
                    Array2::from_shape_vec((rows, dims), self.f32s)
                        .unwrap_or_else(|_| Array2::zeros((0, dims))),
                )
            }
            Storage::F16 => {
                self.bits.truncate(rows * dims);
                Vectors::F16(HalfMatrix {
                    rows,
                    dims,
                    bits: self.bits,
                })
            }
            Storage::Int8 => Vectors::Int8(Int8Matrix {
                rows,
                dims,
                codes: self.codes,
                scales: self.scales,
            }),
        }
    }
}

impl Vectors {
    /// Keep `m` in `storage` (`file` names it in errors).
    pub fn from_f32(file: &str, m: Array2<f32>, storage: Storage) -> Result<Self, StoreError> {
        if storage == Storage::F32 {
            return Ok(Vectors::F32(m));
        }
        let (n, d) = m.dim();
        let mut b = VectorsBuilder::new(file, storage, d, n);
        for row in m.rows() {
            for v in row {
                b.push(*v)?;
            }
        }
        if d == 0 {
            b.rows = n;
        }
        Ok(b.finish())
    }

    /// `(rows, dims)`.
    pub fn dim(&self) -> (usize, usize) {
        match self {
            Vectors::F32(m) => m.dim(),
            Vectors::F16(h) => (h.rows, h.dims),
            Vectors::Int8(q) => (q.rows, q.dims),
        }
    }

    pub fn nrows(&self) -> usize {
        self.dim().0
    }

    pub fn ncols(&self) -> usize {
        self.dim().1
    }

    pub fn storage(&self) -> Storage {
        match self {
            Vectors::F32(_) => Storage::F32,
            Vectors::F16(_) => Storage::F16,
            Vectors::Int8(_) => Storage::Int8,
        }
    }

    /// Bytes the stored vectors take.
    pub fn bytes(&self) -> u64 {
        let (n, d) = self.dim();
        n as u64 * self.storage().row_bytes(d as u64)
    }

    /// The f32 matrix, when that is how the vectors are kept.
    pub fn as_f32(&self) -> Option<&Array2<f32>> {
        match self {
            Vectors::F32(m) => Some(m),
            _ => None,
        }
    }

    /// Row `i` as f32 values (the stored values, exactly; empty past the end).
    pub fn row_f32(&self, i: usize) -> Vec<f32> {
        if i >= self.nrows() {
            return Vec::new();
        }
        self.block(i, i + 1).iter().copied().collect()
    }

    /// Rows `start..end` (clamped to the data) as f32: a view for f32 storage, converted
    /// otherwise.
    pub fn block(&self, start: usize, end: usize) -> CowArray<'_, f32, Ix2> {
        let (n, d) = self.dim();
        let end = end.min(n);
        let start = start.min(end);
        match self {
            Vectors::F32(m) => CowArray::from(m.slice(ndarray::s![start..end, ..])),
            Vectors::F16(h) => {
                let values = h.bits[start * d..end * d]
                    .iter()
                    .map(|b| half_to_f32(*b))
                    .collect();
                CowArray::from(
                    Array2::from_shape_vec((end - start, d), values)
                        .unwrap_or_else(|_| Array2::zeros((0, d))),
                )
            }
            Vectors::Int8(q) => {
                let mut values = Vec::with_capacity((end - start) * d);
                for i in start..end {
                    let s = q.scales[i];
                    values.extend(
                        q.codes[i * d..(i + 1) * d]
                            .iter()
                            .map(|c| f32::from(*c) * s),
                    );
                }
                CowArray::from(
                    Array2::from_shape_vec((end - start, d), values)
                        .unwrap_or_else(|_| Array2::zeros((0, d))),
                )
            }
        }
    }

    /// Rows per block for [`Vectors::blocks`]: about 1 MB of f32.
    pub fn block_rows(&self) -> usize {
        ((1 << 18) / self.ncols().max(1)).max(1)
    }

    /// All rows as f32 blocks of [`Vectors::block_rows`] rows, with each block's first row.
    pub fn blocks(&self) -> impl Iterator<Item = (usize, CowArray<'_, f32, Ix2>)> + '_ {
        let step = self.block_rows();
        (0..self.nrows())
            .step_by(step)
            .map(move |start| (start, self.block(start, start + step)))
    }

    /// The whole matrix as f32: borrowed for f32 storage, a converted copy otherwise (as big as
    /// f32 storage would have been: for small data and tests).
    pub fn to_f32(&self) -> Cow<'_, Array2<f32>> {
        match self {
            Vectors::F32(m) => Cow::Borrowed(m),
            _ => Cow::Owned(self.block(0, self.nrows()).into_owned()),
        }
    }

    /// A view of the f32 matrix when kept as f32, else `None` (see [`Vectors::to_f32`]).
    pub fn view_f32(&self) -> Option<ArrayView2<'_, f32>> {
        self.as_f32().map(|m| m.view())
    }

    /// The same rows in another storage, converted a block at a time (`file` names them in
    /// errors). Going to a larger storage keeps the stored values: f16 or int8 rows do not get
    /// back the precision they were stored without.
    pub fn convert(&self, file: &str, storage: Storage) -> Result<Vectors, StoreError> {
        if storage == self.storage() {
            return Ok(self.clone());
        }
        let (n, d) = self.dim();
        let mut b = VectorsBuilder::new(file, storage, d, n);
        for (_, block) in self.blocks() {
            for v in block.iter() {
                b.push(*v)?;
            }
        }
        if d == 0 {
            return Ok(Vectors::F32(Array2::zeros((n, 0))));
        }
        Ok(b.finish())
    }

    /// Keep only rows `0..rows`.
    pub fn truncate(&mut self, rows: usize) {
        let (n, d) = self.dim();
        if rows >= n {
            return;
        }
        match self {
            Vectors::F32(m) => *m = m.slice(ndarray::s![..rows, ..]).to_owned(),
            Vectors::F16(h) => {
                h.bits.truncate(rows * d);
                h.rows = rows;
            }
            Vectors::Int8(q) => {
                q.codes.truncate(rows * d);
                q.scales.truncate(rows);
                q.rows = rows;
            }
        }
    }

    /// The rows listed, in that order, in the same storage with the stored values exactly
    /// (rows past the end are left out).
    pub fn gather(&self, rows: &[u32]) -> Vectors {
        let (n, d) = self.dim();
        let rows: Vec<usize> = rows
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| r < n)
            .collect();
        match self {
            Vectors::F32(m) => Vectors::F32(m.select(ndarray::Axis(0), &rows)),
            Vectors::F16(h) => Vectors::F16(HalfMatrix {
                rows: rows.len(),
                dims: d,
                bits: rows
                    .iter()
                    .flat_map(|&r| h.bits[r * d..(r + 1) * d].iter().copied())
                    .collect(),
            }),
            Vectors::Int8(q) => Vectors::Int8(Int8Matrix {
                rows: rows.len(),
                dims: d,
                codes: rows
                    .iter()
                    .flat_map(|&r| q.codes[r * d..(r + 1) * d].iter().copied())
                    .collect(),
                scales: rows.iter().map(|&r| q.scales[r]).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_storage_is_exact_for_half_values_and_refuses_overflow() {
        let values = [0.5f32, -0.25, 1.0e-6, 65504.0, -3.0, 0.0];
        let m = Array2::from_shape_vec((2, 3), values.to_vec()).unwrap();
        let v = Vectors::from_f32("a.npy", m.clone(), Storage::F16).unwrap();
        assert_eq!(v.dim(), (2, 3));
        assert_eq!(v.bytes(), 12);
        // Every value but 1e-6 is a half exactly; 1e-6 becomes the nearest subnormal half.
        let back = v.to_f32().into_owned();
        for (got, want) in back.iter().zip(values) {
            assert_eq!(*got, half::f16::from_f32(want).to_f32());
        }
        assert_eq!(back[[0, 0]], 0.5);
        assert!((back[[0, 2]] - 1.0e-6).abs() < 3.0e-8);
        let too_big = Array2::from_shape_vec((1, 2), vec![1.0, 70000.0]).unwrap();
        assert_eq!(
            Vectors::from_f32("b.npy", too_big, Storage::F16).unwrap_err(),
            StoreError::OutOfHalfRange {
                file: "b.npy".into(),
                row: 0,
                column: 1,
                value: 70000.0
            }
        );
    }

    #[test]
    fn int8_storage_rounds_within_half_a_step() {
        let m = Array2::from_shape_fn((5, 7), |(i, j)| ((i * 7 + j) as f32 * 0.37).sin() * 3.0);
        let v = Vectors::from_f32("a.npy", m.clone(), Storage::Int8).unwrap();
        assert_eq!(v.bytes(), 5 * (7 + 4));
        let Vectors::Int8(q) = &v else { panic!() };
        for i in 0..5 {
            let max = m.row(i).iter().fold(0f32, |a, b| a.max(b.abs()));
            assert_eq!(q.scales()[i], max / 127.0);
            let row = v.row_f32(i);
            for (got, want) in row.iter().zip(m.row(i)) {
                assert!((got - want).abs() <= q.scales()[i] * 0.5 + 1e-6);
            }
            // The largest magnitude is kept as ±127 × scale.
            assert!(q.codes()[i * 7..(i + 1) * 7]
                .iter()
                .any(|c| c.unsigned_abs() == 127));
        }
        // A zero row keeps a zero scale and zero codes.
        let z = Vectors::from_f32("z", Array2::zeros((1, 3)), Storage::Int8).unwrap();
        assert_eq!(z.row_f32(0), vec![0.0; 3]);
    }

    #[test]
    fn blocks_cover_every_row_once_in_each_storage() {
        let m = Array2::from_shape_fn((1000, 300), |(i, j)| (i as f32 - j as f32) / 512.0);
        for storage in Storage::ALL {
            let v = Vectors::from_f32("m", m.clone(), storage).unwrap();
            let mut next = 0;
            for (start, block) in v.blocks() {
                assert_eq!(start, next);
                assert_eq!(block.ncols(), 300);
                assert_eq!(block.row(0).to_vec(), v.row_f32(start));
                next += block.nrows();
            }
            assert_eq!(next, 1000);
            let mut t = v.clone();
            t.truncate(10);
            assert_eq!(t.dim(), (10, 300));
            assert_eq!(t.row_f32(9), v.row_f32(9));
            let picked = v.gather(&[7, 3, 999, 1000, 3]);
            assert_eq!((picked.dim(), picked.storage()), ((4, 300), storage));
            for (i, r) in [7, 3, 999, 3].into_iter().enumerate() {
                assert_eq!(picked.row_f32(i), v.row_f32(r), "{storage:?} row {r}");
            }
        }
        let v = Vectors::from_f32("m", m.clone(), Storage::F32).unwrap();
        for storage in Storage::ALL {
            let direct = Vectors::from_f32("m", m.clone(), storage).unwrap();
            assert_eq!(v.convert("m", storage).unwrap(), direct, "{storage:?}");
            // Back to f32: the stored values, exactly.
            let back = direct.convert("m", Storage::F32).unwrap();
            assert_eq!(back.as_f32().unwrap(), &direct.to_f32().into_owned());
        }
        assert_eq!(Storage::from_name("f16"), Some(Storage::F16));
        assert_eq!(Storage::from_name("bf16"), None);
    }
}
