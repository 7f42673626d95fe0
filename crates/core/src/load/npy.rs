//! Reading NumPy `.npy` files into a row-major `f32` matrix.
//!
//! The header is parsed by the `npyz` crate; we check the preamble and the data length ourselves
//! first so that a truncated file or a header claiming an absurd shape is reported with byte
//! offsets, before anything is allocated.

use super::invalid::{drop_invalid, InvalidRows, InvalidRowsError};
use crate::data::budget::Budget;
use crate::data::store::{Storage, Vectors, VectorsBuilder};
use ndarray::Array2;

/// Why a `.npy` file could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NpyError {
    /// The file does not start with the `\x93NUMPY` magic string.
    #[error("{file}: byte 0: not a .npy file (expected the magic bytes \\x93NUMPY)")]
    NotNpy { file: String },
    /// The header is cut short or could not be parsed.
    #[error("{file}: byte {offset}: invalid .npy header: {message}")]
    BadHeader {
        file: String,
        offset: u64,
        message: String,
    },
    /// The element type is not one we can turn into vectors.
    #[error("{file}: header: unsupported dtype '{found}' (expected float16, float32 or float64: '<f2', '<f4', '<f8' or big-endian '>f…')")]
    UnsupportedDtype { file: String, found: String },
    /// The array is not a 2-D matrix (rows × dimensions).
    #[error("{file}: header: expected a 2-D array (rows × dimensions), found shape {shape:?}")]
    BadShape { file: String, shape: Vec<u64> },
    /// The header's shape would need more memory than the budget allows.
    #[error(transparent)]
    Budget(#[from] crate::data::budget::BudgetError),
    /// The data section is shorter than the header says.
    #[error("{file}: byte {data_offset}: data truncated: the header promises {expected_bytes} bytes of data, the file has {found_bytes}")]
    Truncated {
        file: String,
        data_offset: u64,
        expected_bytes: u64,
        found_bytes: u64,
    },
    /// A value is NaN or infinite.
    #[error("{file}: row {row}, column {column}: value is {value} (vectors must be finite)")]
    NonFinite {
        file: String,
        row: usize,
        column: usize,
        value: f32,
    },
    /// A value does not fit the chosen storage.
    #[error(transparent)]
    Store(#[from] crate::data::store::StoreError),
    /// Rows with NaN or infinite values ([`read_npy`] refuses them).
    #[error(transparent)]
    Invalid(#[from] InvalidRowsError),
}

/// Parse a `.npy` file's bytes into an `n × d` row-major `f32` matrix, with the default budget.
///
/// Accepts float16, float32 and float64 in either byte order and C or Fortran order.
pub fn read_npy(file: &str, bytes: &[u8]) -> Result<Array2<f32>, NpyError> {
    let mut stream = NpyStream::new(file, Budget::default());
    stream.push(bytes)?;
    let (vectors, invalid) = stream.finish()?;
    if !invalid.is_empty() {
        return Err(invalid.to_error(file).into());
    }
    match vectors {
        Vectors::F32(m) => Ok(m),
        other => Ok(other.to_f32().into_owned()),
    }
}

#[derive(Debug, Clone, Copy)]
enum Item {
    F16 { big: bool },
    F32 { big: bool },
    F64 { big: bool },
}

impl Item {
    fn size(self) -> usize {
        match self {
            Self::F16 { .. } => 2,
            Self::F32 { .. } => 4,
            Self::F64 { .. } => 8,
        }
    }

    fn decode(self, b: &[u8]) -> f32 {
        match self {
            Self::F16 { big } => {
                let bits = [b[0], b[1]];
                half::f16::from_bits(if big {
                    u16::from_be_bytes(bits)
                } else {
                    u16::from_le_bytes(bits)
                })
                .to_f32()
            }
            Self::F32 { big } => {
                let bits = [b[0], b[1], b[2], b[3]];
                if big {
                    f32::from_be_bytes(bits)
                } else {
                    f32::from_le_bytes(bits)
                }
            }
            Self::F64 { big } => {
                let bits = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
                (if big {
                    f64::from_be_bytes(bits)
                } else {
                    f64::from_le_bytes(bits)
                }) as f32
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Layout {
    data_offset: u64,
    rows: u64,
    cols: u64,
    kept_rows: u64,
    item: Item,
    fortran: bool,
}

/// A streaming `.npy` reader: feed chunks in order with [`NpyStream::push`], then
/// [`NpyStream::finish`]. The header is checked (dtype, shape, memory budget) as soon as it has
/// arrived, before the matrix is allocated; values are decoded as they arrive, so the file's
/// bytes are never held whole.
pub struct NpyStream {
    file: String,
    budget: Budget,
    head: Vec<u8>,
    layout: Option<Layout>,
    /// Fortran order: every value lands in its place in an f32 matrix, converted at the end.
    out: Vec<f32>,
    /// C order: rows go straight into the chosen storage.
    rows_out: Option<VectorsBuilder>,
    carry: Vec<u8>,
    elements: u64,
    /// The first NaN or infinite value's place.
    first_invalid: Option<String>,
}

impl NpyStream {
    pub fn new(file: &str, budget: Budget) -> Self {
        Self {
            file: file.to_owned(),
            budget,
            head: Vec::new(),
            layout: None,
            out: Vec::new(),
            rows_out: None,
            carry: Vec::new(),
            elements: 0,
            first_invalid: None,
        }
    }

    /// Rows read so far (for Fortran order, the equivalent in values).
    pub fn rows(&self) -> usize {
        self.layout.as_ref().map_or(0, |l| {
            (self.elements / l.cols.max(1)).min(l.kept_rows) as usize
        })
    }

    /// The shape from the header, once it has arrived.
    pub fn shape(&self) -> Option<(u64, u64)> {
        self.layout.as_ref().map(|l| (l.rows, l.cols))
    }

    /// Feed the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), NpyError> {
        if self.layout.is_some() {
            return self.decode(chunk);
        }
        self.head.extend_from_slice(chunk);
        let Some(offset) = header_end(&self.file, &self.head)? else {
            return Ok(());
        };
        let head = std::mem::take(&mut self.head);
        let (header, rest) = head.split_at(offset as usize);
        self.layout = Some(parse_header(&self.file, header, offset, &self.budget)?);
        if let Some(l) = &self.layout {
            let kept = (l.kept_rows * l.cols) as usize;
            if l.fortran {
                self.out = vec![0.0; kept];
            } else {
                self.rows_out = Some(VectorsBuilder::new(
                    &self.file,
                    self.budget.storage,
                    l.cols as usize,
                    l.kept_rows as usize,
                ));
            }
        }
        self.decode(rest)
    }

    fn store(&mut self, l: &Layout, v: f32) -> Result<(), NpyError> {
        let e = self.elements;
        self.elements += 1;
        let (row, col) = if l.fortran {
            (e % l.rows, e / l.rows)
        } else {
            (e / l.cols, e % l.cols)
        };
        if row >= l.kept_rows {
            return Ok(());
        }
        if !v.is_finite() && self.first_invalid.is_none() {
            // The row is left out or refused at the end (Fortran order meets rows out of order:
            // the first noted may not be the first row, so the end names it again).
            let e = NpyError::NonFinite {
                file: self.file.clone(),
                row: row as usize,
                column: col as usize,
                value: v,
            };
            if !l.fortran {
                self.first_invalid = Some(e.to_string());
            }
        }
        if l.fortran {
            if let Some(slot) = self.out.get_mut((row * l.cols + col) as usize) {
                *slot = v;
            }
        } else if let Some(rows) = &mut self.rows_out {
            rows.push(v)?;
        }
        Ok(())
    }

    fn decode(&mut self, mut data: &[u8]) -> Result<(), NpyError> {
        let Some(l) = self.layout.clone() else {
            return Ok(());
        };
        let size = l.item.size();
        let total = l.rows * l.cols;
        if !self.carry.is_empty() {
            let need = size - self.carry.len();
            let take = need.min(data.len());
            self.carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.carry.len() < size {
                return Ok(());
            }
            let carry = std::mem::take(&mut self.carry);
            if self.elements < total {
                self.store(&l, l.item.decode(&carry))?;
            }
        }
        let mut items = data.chunks_exact(size);
        for item in items.by_ref() {
            if self.elements >= total {
                return Ok(());
            }
            self.store(&l, l.item.decode(item))?;
        }
        if self.elements < total {
            self.carry.extend_from_slice(items.remainder());
        }
        Ok(())
    }

    /// The file has ended: check that all the data arrived and return the vectors, kept in the
    /// budget's storage.
    /// The vectors without their rows that hold NaN or infinite values, and those rows.
    pub fn finish(self) -> Result<(Vectors, InvalidRows), NpyError> {
        let Some(l) = self.layout else {
            if self.head.len() < 6 || !self.head.starts_with(b"\x93NUMPY") {
                return Err(NpyError::NotNpy { file: self.file });
            }
            return Err(NpyError::BadHeader {
                file: self.file,
                offset: self.head.len() as u64,
                message: "file ends inside the header".to_owned(),
            });
        };
        let total = l.rows * l.cols;
        if self.elements < total {
            let size = l.item.size() as u64;
            return Err(NpyError::Truncated {
                file: self.file,
                data_offset: l.data_offset,
                expected_bytes: total * size,
                found_bytes: self.elements * size + self.carry.len() as u64,
            });
        }
        if let Some(rows) = self.rows_out {
            let invalid = InvalidRows {
                rows: rows.dropped().to_vec(),
                first: self.first_invalid,
            };
            let mut v = rows.finish();
            if l.cols == 0 {
                // No values to count rows by: the shape says how many.
                v = Vectors::F32(Array2::zeros((l.kept_rows as usize, 0)));
            }
            return Ok((v, invalid));
        }
        let m = Array2::from_shape_vec((l.kept_rows as usize, l.cols as usize), self.out).map_err(
            |e| NpyError::BadHeader {
                file: self.file.clone(),
                offset: l.data_offset,
                message: e.to_string(),
            },
        )?;
        let (m, invalid) = drop_invalid(&self.file, m, None);
        let storage: Storage = self.budget.storage;
        Ok((Vectors::from_f32(&self.file, m, storage)?, invalid))
    }
}

/// The longest header read. numpy writes headers of a few hundred bytes and refuses to read
/// ones over 10,000 by default; the dictionary parser is slow on long, deeply nested text.
const MAX_HEADER_BYTES: u64 = 65_536;

/// The deepest nesting of brackets in a header: a plain dtype's header has 2 (the dictionary and
/// the shape), a structured dtype's 3 or 4. The dictionary parser backtracks exponentially in
/// the depth, so a short file of `[[[[…` would hang it.
const MAX_HEADER_DEPTH: usize = 4;

/// The most brackets in a header (a plain one has 2): with closing brackets hidden in strings,
/// nesting can grow where the depth count does not see it.
const MAX_HEADER_BRACKETS: usize = 16;

/// Refuse header text the dictionary parser would take too long on (`bytes`: the whole header).
fn check_header_text(file: &str, bytes: &[u8]) -> Result<(), NpyError> {
    // Brackets are counted inside quoted strings too: the parser's idea of where a string ends
    // (escapes) is not repeated here, and no header this reads has brackets in its strings.
    let refuse = |offset: usize, message: String| NpyError::BadHeader {
        file: file.to_owned(),
        offset: offset as u64,
        message,
    };
    let (mut depth, mut total) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate().skip(10) {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                total += 1;
                if depth > MAX_HEADER_DEPTH {
                    return Err(refuse(
                        i,
                        format!("brackets nested more than {MAX_HEADER_DEPTH} deep (not a dtype this reads)"),
                    ));
                }
                if total > MAX_HEADER_BRACKETS {
                    return Err(refuse(
                        i,
                        format!(
                            "more than {MAX_HEADER_BRACKETS} brackets (not a dtype this reads)"
                        ),
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    // The numbers of the shape must multiply within 64 bits (the parser multiplies them
    // unchecked; found by fuzzing).
    let text = String::from_utf8_lossy(&bytes[10.min(bytes.len())..]);
    if let Some(at) = text.find("shape") {
        let tuple = text[at..].split(')').next().unwrap_or("");
        let product = tuple
            .split(|c: char| !c.is_ascii_digit())
            .filter(|d| !d.is_empty())
            .map(|d| d.parse::<u64>().unwrap_or(u64::MAX))
            // Zeros left out: the parser's strides multiply the numbers on either side of one.
            .filter(|&n| n != 0)
            .try_fold(1u64, |p, n| p.checked_mul(n));
        if product.is_none() {
            return Err(NpyError::BadHeader {
                file: file.to_owned(),
                offset: (10 + at) as u64,
                message: format!(
                    "the shape ({}) has more elements than 64 bits can count",
                    tuple.split_once('(').map_or(tuple, |t| t.1)
                ),
            });
        }
    }
    Ok(())
}

/// Where the header ends, once enough bytes have arrived (`None` = need more).
fn header_end(file: &str, head: &[u8]) -> Result<Option<u64>, NpyError> {
    let magic_len = head.len().min(6);
    if head[..magic_len] != b"\x93NUMPY"[..magic_len] {
        return Err(NpyError::NotNpy {
            file: file.to_owned(),
        });
    }
    if head.len() < 12 {
        return Ok(None);
    }
    let offset = data_offset(file, head)?;
    Ok((head.len() as u64 >= offset).then_some(offset))
}

/// Check the header (`bytes` = everything before the data) and the budget.
fn parse_header(
    file: &str,
    bytes: &[u8],
    data_offset: u64,
    budget: &Budget,
) -> Result<Layout, NpyError> {
    check_header_text(file, bytes)?;
    let npy = npyz::NpyFile::new(bytes).map_err(|e| NpyError::BadHeader {
        file: file.to_owned(),
        offset: 8,
        message: e.to_string(),
    })?;
    let shape = npy.shape().to_vec();
    let fortran = matches!(npy.order(), npyz::Order::Fortran);
    let type_str = match npy.dtype() {
        npyz::DType::Plain(ts) => ts.to_string(),
        other => {
            return Err(NpyError::UnsupportedDtype {
                file: file.to_owned(),
                found: format!("{other:?}"),
            })
        }
    };
    let big = type_str.starts_with('>');
    let item = match type_str.get(1..) {
        Some("f2") => Item::F16 { big },
        Some("f4") => Item::F32 { big },
        Some("f8") => Item::F64 { big },
        _ => {
            return Err(NpyError::UnsupportedDtype {
                file: file.to_owned(),
                found: type_str,
            })
        }
    };
    let (rows, cols) = match shape.as_slice() {
        [r, c] => (*r, *c),
        _ => {
            return Err(NpyError::BadShape {
                file: file.to_owned(),
                shape,
            })
        }
    };
    let kept_rows = budget.kept_rows(rows);
    // At least one row must fit: a row is buffered whole while it arrives (found by fuzzing:
    // `(0, 3693360712769339392)` passed as 0 bytes, then reserved the row).
    budget.check(file, kept_rows.max(1), cols)?;
    if u128::from(rows) * u128::from(cols) > u128::from(u64::MAX / 8) {
        return Err(NpyError::BadShape {
            file: file.to_owned(),
            shape,
        });
    }
    Ok(Layout {
        data_offset,
        rows,
        cols,
        kept_rows,
        item,
        fortran,
    })
}

/// Offset of the first data byte, from the preamble (magic, version, header length).
fn data_offset(file: &str, bytes: &[u8]) -> Result<u64, NpyError> {
    if bytes.len() < 6 || &bytes[..6] != b"\x93NUMPY" {
        return Err(NpyError::NotNpy {
            file: file.to_owned(),
        });
    }
    let short = |offset: u64| NpyError::BadHeader {
        file: file.to_owned(),
        offset,
        message: "file ends inside the header".to_owned(),
    };
    let major = *bytes.get(6).ok_or_else(|| short(6))?;
    let offset = match major {
        1 => {
            let len = bytes.get(8..10).ok_or_else(|| short(8))?;
            10 + u64::from(u16::from_le_bytes([len[0], len[1]]))
        }
        2 | 3 => {
            let len = bytes.get(8..12).ok_or_else(|| short(8))?;
            12 + u64::from(u32::from_le_bytes([len[0], len[1], len[2], len[3]]))
        }
        v => {
            return Err(NpyError::BadHeader {
                file: file.to_owned(),
                offset: 6,
                message: format!("unknown format version {v}"),
            })
        }
    };
    if offset > MAX_HEADER_BYTES {
        return Err(NpyError::BadHeader {
            file: file.to_owned(),
            offset: 8,
            message: format!(
                "the header says it is {offset} bytes long; headers over {MAX_HEADER_BYTES} bytes are not read (numpy writes a few hundred)"
            ),
        });
    }
    Ok(offset)
}

/// Serialise a row-major `f32` matrix as a version-1 `.npy` file (little-endian, C order).
pub fn write_npy_f32(matrix: &Array2<f32>) -> Vec<u8> {
    let (rows, cols) = matrix.dim();
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Pad so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + rows * cols * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in matrix.iter() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a .npy file by hand, as numpy writes it.
    fn npy_bytes(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        let unpadded = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn le_f32(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Found by fuzzing: a header of nested brackets made the dictionary parser backtrack for
    /// minutes; a header claiming 4 GB was waited for.
    #[test]
    fn deep_or_huge_headers_are_refused_at_once() {
        let deep = format!("{}'descr': '<f4'{}", "[".repeat(60), "]".repeat(60));
        let bytes = npy_bytes(
            "<f4",
            false,
            &format!("(1, 1), 'x': {deep}"),
            &le_f32(&[1.0]),
        );
        let start = std::time::Instant::now();
        let err = read_npy("deep.npy", &bytes).unwrap_err();
        assert!(
            err.to_string().contains("brackets nested more than 4 deep"),
            "{err}"
        );
        assert!(start.elapsed().as_secs() < 5);
        // Brackets side by side, with closing ones hidden in strings: counted all the same.
        let many = format!("(1, 1), 'x': [{}]", "(')'), ".repeat(20));
        let bytes = npy_bytes("<f4", false, &many, &le_f32(&[1.0]));
        let err = read_npy("many.npy", &bytes).unwrap_err();
        assert!(err.to_string().contains("more than 16 brackets"), "{err}");
        // A structured dtype's header (3 deep) still reaches the dtype check.
        let structured =
            b"{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(structured.len() as u16).to_le_bytes());
        bytes.extend_from_slice(structured);
        bytes.extend_from_slice(&[0; 8]);
        let err = read_npy("s.npy", &bytes).unwrap_err();
        assert!(matches!(err, NpyError::UnsupportedDtype { .. }), "{err}");
        let mut huge = b"\x93NUMPY\x02\x00".to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = read_npy("huge.npy", &huge).unwrap_err();
        assert!(err.to_string().starts_with("huge.npy: byte 8: invalid .npy header: the header says it is 4294967307 bytes long"), "{err}");
    }

    #[test]
    fn reads_f32_c_order() {
        let bytes = npy_bytes("<f4", false, "(2, 3)", &le_f32(&[1., 2., 3., 4., 5., 6.]));
        let m = read_npy("a.npy", &bytes).unwrap();
        assert_eq!(m.dim(), (2, 3));
        assert_eq!(m.row(1).to_vec(), vec![4., 5., 6.]);
    }

    #[test]
    fn reads_f32_fortran_order() {
        // Column-major storage of [[1,2,3],[4,5,6]] is 1,4,2,5,3,6.
        let bytes = npy_bytes("<f4", true, "(2, 3)", &le_f32(&[1., 4., 2., 5., 3., 6.]));
        let m = read_npy("a.npy", &bytes).unwrap();
        assert_eq!(m.row(0).to_vec(), vec![1., 2., 3.]);
        assert_eq!(m.row(1).to_vec(), vec![4., 5., 6.]);
    }

    #[test]
    fn reads_f16_and_big_endian_and_f64() {
        let halves: Vec<u8> = [1.5f32, -2.0, 0.25, 1024.0]
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        let m = read_npy("h.npy", &npy_bytes("<f2", false, "(2, 2)", &halves)).unwrap();
        assert_eq!(
            m.iter().copied().collect::<Vec<_>>(),
            vec![1.5, -2.0, 0.25, 1024.0]
        );

        let big: Vec<u8> = [1.0f32, -3.5]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let m = read_npy("b.npy", &npy_bytes(">f4", false, "(1, 2)", &big)).unwrap();
        assert_eq!(m.row(0).to_vec(), vec![1.0, -3.5]);

        let doubles: Vec<u8> = [0.1f64, 7.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let m = read_npy("d.npy", &npy_bytes("<f8", false, "(2, 1)", &doubles)).unwrap();
        assert_eq!(m.column(0).to_vec(), vec![0.1f32, 7.0]);
    }

    #[test]
    fn reads_shared_real_data_header() {
        // The committed demo is f16, as produced by numpy.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../web/demo/vectors.f16.npy"
        );
        let bytes = std::fs::read(path).unwrap();
        let m = read_npy("vectors.f16.npy", &bytes).unwrap();
        assert_eq!(m.ncols(), 384);
        // all-MiniLM vectors are unit length (up to f16 rounding).
        let norm: f32 = m.row(0).iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-2, "norm {norm}");
    }

    #[test]
    fn truncated_file_names_offset_and_sizes() {
        let full = npy_bytes("<f4", false, "(2, 3)", &le_f32(&[1., 2., 3., 4., 5., 6.]));
        let cut = &full[..full.len() - 5];
        let err = read_npy("cut.npy", cut).unwrap_err();
        assert_eq!(
            err,
            NpyError::Truncated {
                file: "cut.npy".into(),
                data_offset: 128,
                expected_bytes: 24,
                found_bytes: 19
            }
        );
        assert!(err
            .to_string()
            .starts_with("cut.npy: byte 128: data truncated"));
        // Cut inside the header too.
        let err = read_npy("cut.npy", &full[..30]).unwrap_err();
        assert!(matches!(err, NpyError::BadHeader { .. }), "{err:?}");
    }

    #[test]
    fn wrong_dtype_is_refused() {
        let ints: Vec<u8> = [1i32, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
        let err = read_npy("i.npy", &npy_bytes("<i4", false, "(1, 2)", &ints)).unwrap_err();
        assert!(
            matches!(&err, NpyError::UnsupportedDtype { found, .. } if found == "<i4"),
            "{err:?}"
        );
    }

    #[test]
    fn not_npy_and_bad_shape_and_huge_header() {
        assert!(matches!(
            read_npy("x.npy", b"hello world").unwrap_err(),
            NpyError::NotNpy { .. }
        ));
        let err = read_npy(
            "v.npy",
            &npy_bytes("<f4", false, "(3,)", &le_f32(&[1., 2., 3.])),
        )
        .unwrap_err();
        assert!(matches!(err, NpyError::BadShape { .. }), "{err:?}");
        let err = read_npy(
            "huge.npy",
            &npy_bytes("<f4", false, "(1000000, 1000000)", &[]),
        )
        .unwrap_err();
        assert!(matches!(err, NpyError::Budget(_)), "{err:?}");
    }

    #[test]
    fn non_finite_values_are_located() {
        let bytes = npy_bytes("<f4", false, "(2, 2)", &le_f32(&[1., 2., 3., f32::NAN]));
        let err = read_npy("n.npy", &bytes).unwrap_err().to_string();
        assert!(
            err.starts_with("n.npy: row 1, column 1: value is NaN (vectors must be finite); 1 row is invalid (rows 1)"),
            "{err}"
        );
        // Either order, any storage: the rows with NaN or infinity go, the others stay in order.
        let values = [1., 2., f32::INFINITY, 4., 5., 6., 7., f32::NAN];
        let kept = [1f32, 2., 5., 6.];
        for storage in Storage::ALL {
            for fortran in [false, true] {
                let stored: Vec<f32> = if fortran {
                    (0..2)
                        .flat_map(|c| (0..4).map(move |r| values[r * 2 + c]))
                        .collect()
                } else {
                    values.to_vec()
                };
                let bytes = npy_bytes("<f4", fortran, "(4, 2)", &le_f32(&stored));
                let mut s = NpyStream::new("n.npy", Budget::default().with_storage(storage));
                s.push(&bytes).unwrap();
                let (v, invalid) = s.finish().unwrap();
                assert_eq!(invalid.rows, vec![1, 3], "{storage:?} {fortran}");
                let first = invalid.first.unwrap();
                assert!(
                    first.starts_with("n.npy: row 1, column 0: value is inf"),
                    "{first}"
                );
                let got = v.to_f32().into_owned();
                assert_eq!(got.dim(), (2, 2));
                for (g, w) in got.iter().zip(kept) {
                    assert!((g - w).abs() < 0.05, "{storage:?} {fortran}: {got:?}");
                }
            }
        }
    }

    #[test]
    fn write_then_read_round_trips() {
        let m = Array2::from_shape_vec((3, 2), vec![1., 2., 3., 4., 5., 6.]).unwrap();
        assert_eq!(read_npy("rt.npy", &write_npy_f32(&m)).unwrap(), m);
    }

    #[test]
    fn streaming_in_any_chunk_size_gives_the_same_matrix() {
        let values: Vec<f32> = (0..35).map(|i| i as f32 * 0.5 - 3.0).collect();
        for (descr, fortran) in [("<f4", false), ("<f4", true), (">f8", false), ("<f2", true)] {
            let data: Vec<u8> = match descr {
                "<f4" => le_f32(&values),
                ">f8" => values
                    .iter()
                    .flat_map(|v| f64::from(*v).to_be_bytes())
                    .collect(),
                _ => values
                    .iter()
                    .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
                    .collect(),
            };
            let bytes = npy_bytes(descr, fortran, "(7, 5)", &data);
            let whole = read_npy("s.npy", &bytes).unwrap();
            for size in [1, 3, 10, 64, 1000] {
                let mut s = NpyStream::new("s.npy", Budget::default());
                for chunk in bytes.chunks(size) {
                    s.push(chunk).unwrap();
                }
                assert_eq!(s.rows(), 7);
                assert_eq!(
                    s.finish().unwrap().0,
                    Vectors::F32(whole.clone()),
                    "{descr} fortran={fortran} chunk={size}"
                );
            }
            // Values as numpy lays them out.
            let expect = |r: usize, c: usize| {
                if fortran {
                    values[c * 7 + r]
                } else {
                    values[r * 5 + c]
                }
            };
            assert_eq!(whole[[3, 2]], expect(3, 2));
            assert_eq!(whole[[6, 4]], expect(6, 4));
        }
    }

    #[test]
    fn max_rows_keeps_a_prefix_in_both_orders() {
        let values: Vec<f32> = (0..12).map(|i| i as f32).collect();
        for fortran in [false, true] {
            let bytes = npy_bytes("<f4", fortran, "(4, 3)", &le_f32(&values));
            let full = read_npy("p.npy", &bytes).unwrap();
            let mut s = NpyStream::new("p.npy", Budget::with_max_rows(Some(2)));
            s.push(&bytes).unwrap();
            let m = s.finish().unwrap().0;
            assert_eq!(m.dim(), (2, 3));
            assert_eq!(m.row_f32(1), full.row(1).to_vec());
        }
    }

    #[test]
    fn streams_into_f16_and_int8_storage_in_any_chunking() {
        // Halves in the file stay bit for bit; f32 values are rounded to the nearest half.
        let values: Vec<f32> = (0..35).map(|i| (i as f32 * 0.731).sin() * 3.0).collect();
        let halves: Vec<u8> = values
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        for (descr, data) in [("<f2", halves), ("<f4", le_f32(&values))] {
            for fortran in [false, true] {
                let bytes = npy_bytes(descr, fortran, "(7, 5)", &data);
                let f32s = read_npy("s.npy", &bytes).unwrap();
                for storage in [Storage::F16, Storage::Int8] {
                    let want = Vectors::from_f32("s.npy", f32s.clone(), storage).unwrap();
                    for size in [1, 3, 64, bytes.len()] {
                        let budget = Budget::default().with_storage(storage);
                        let mut s = NpyStream::new("s.npy", budget);
                        for chunk in bytes.chunks(size) {
                            s.push(chunk).unwrap();
                        }
                        let got = s.finish().unwrap().0;
                        assert_eq!(got, want, "{descr} {fortran} {storage:?} {size}");
                    }
                }
                if descr == "<f2" {
                    let budget = Budget::default().with_storage(Storage::F16);
                    let mut s = NpyStream::new("s.npy", budget);
                    s.push(&bytes).unwrap();
                    assert_eq!(s.finish().unwrap().0.to_f32().into_owned(), f32s);
                }
            }
        }
        // An f32 too large for a half is refused with its place.
        let bytes = npy_bytes("<f4", false, "(2, 2)", &le_f32(&[1.0, 2.0, 3.0, 1.0e6]));
        let mut s = NpyStream::new("big.npy", Budget::default().with_storage(Storage::F16));
        let err = s.push(&bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "big.npy: row 1, column 1: 1000000 is out of the range of f16 storage (±65504); keep these vectors as f32 or int8"
        );
    }

    #[test]
    fn a_header_claiming_a_trillion_values_is_refused_before_allocating() {
        // 10^6 × 10^6 = 10^12 elements: the budget check refuses from the header alone.
        let err = read_npy(
            "huge.npy",
            &npy_bytes("<f4", false, "(1000000, 1000000)", &[]),
        )
        .unwrap_err();
        let NpyError::Budget(b) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(b.needed, 4_000_000_000_000);
        assert!(err.to_string().contains("load at most"), "{err}");
        // Also when it arrives in pieces: the error comes as soon as the header is complete.
        let bytes = npy_bytes("<f4", false, "(1000000, 1000000)", &[]);
        let mut s = NpyStream::new("huge.npy", Budget::default());
        assert!(s.push(&bytes[..20]).is_ok());
        assert!(matches!(s.push(&bytes[20..]), Err(NpyError::Budget(_))));
    }

    #[test]
    fn zero_rows_read_as_an_empty_matrix() {
        let m = read_npy("z.npy", &npy_bytes("<f4", false, "(0, 384)", &[])).unwrap();
        assert_eq!(m.dim(), (0, 384));
    }
}
