//! Reading NumPy `.npy` files into a row-major `f32` matrix.
//!
//! The header is parsed by the `npyz` crate; we check the preamble and the data length ourselves
//! first so that a truncated file or a header claiming an absurd shape is reported with byte
//! offsets, before anything is allocated.

use ndarray::Array2;

/// The largest matrix we agree to allocate from a header, in bytes (4 GiB is the wasm32 limit).
pub const MAX_MATRIX_BYTES: u64 = 4 << 30;

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
    /// The header's shape would need more memory than we accept.
    #[error("{file}: header: shape {shape:?} needs {bytes} bytes as f32, more than the {limit} bytes allowed; split the file or reduce its dimensions")]
    TooLarge {
        file: String,
        shape: Vec<u64>,
        bytes: u128,
        limit: u64,
    },
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
}

/// Parse a `.npy` file's bytes into an `n × d` row-major `f32` matrix.
///
/// Accepts float16, float32 and float64 in either byte order and C or Fortran order.
pub fn read_npy(file: &str, bytes: &[u8]) -> Result<Array2<f32>, NpyError> {
    let data_offset = data_offset(file, bytes)?;
    let npy = npyz::NpyFile::new(bytes).map_err(|e| NpyError::BadHeader {
        file: file.to_owned(),
        offset: 8,
        message: e.to_string(),
    })?;
    let shape = npy.shape().to_vec();
    let fortran = matches!(npy.order(), npyz::Order::Fortran);
    let dtype = npy.dtype();
    let type_str = match &dtype {
        npyz::DType::Plain(ts) => ts.to_string(),
        other => {
            return Err(NpyError::UnsupportedDtype {
                file: file.to_owned(),
                found: format!("{other:?}"),
            })
        }
    };
    let item_size: u64 = match type_str.get(1..) {
        Some("f2") => 2,
        Some("f4") => 4,
        Some("f8") => 8,
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
    let elements = u128::from(rows) * u128::from(cols);
    let f32_bytes = elements * 4;
    if f32_bytes > u128::from(MAX_MATRIX_BYTES) {
        return Err(NpyError::TooLarge {
            file: file.to_owned(),
            shape,
            bytes: f32_bytes,
            limit: MAX_MATRIX_BYTES,
        });
    }
    // Fits in u64 now: at most 2^30 elements.
    let expected_bytes = elements as u64 * item_size;
    let found_bytes = bytes.len() as u64 - data_offset;
    if found_bytes < expected_bytes {
        return Err(NpyError::Truncated {
            file: file.to_owned(),
            data_offset,
            expected_bytes,
            found_bytes,
        });
    }
    let io_err = |e: std::io::Error| NpyError::BadHeader {
        file: file.to_owned(),
        offset: data_offset,
        message: e.to_string(),
    };
    let values: Vec<f32> = match item_size {
        2 => npy
            .into_vec::<half::f16>()
            .map_err(io_err)?
            .into_iter()
            .map(f32::from)
            .collect(),
        4 => npy.into_vec::<f32>().map_err(io_err)?,
        _ => npy
            .into_vec::<f64>()
            .map_err(io_err)?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
    };
    let (rows, cols) = (rows as usize, cols as usize);
    let matrix = if fortran {
        Array2::from_shape_vec((cols, rows), values)
            .map(|m| m.reversed_axes().as_standard_layout().into_owned())
    } else {
        Array2::from_shape_vec((rows, cols), values)
    }
    .map_err(|e| NpyError::BadHeader {
        file: file.to_owned(),
        offset: data_offset,
        message: e.to_string(),
    })?;
    if let Some(((row, column), value)) = matrix.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(NpyError::NonFinite {
            file: file.to_owned(),
            row,
            column,
            value: *value,
        });
    }
    Ok(matrix)
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
    if offset > bytes.len() as u64 {
        return Err(short(bytes.len() as u64));
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
        assert!(matches!(err, NpyError::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn non_finite_values_are_located() {
        let bytes = npy_bytes("<f4", false, "(2, 2)", &le_f32(&[1., 2., 3., f32::NAN]));
        let err = read_npy("n.npy", &bytes).unwrap_err();
        assert!(
            matches!(
                err,
                NpyError::NonFinite {
                    row: 1,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn write_then_read_round_trips() {
        let m = Array2::from_shape_vec((3, 2), vec![1., 2., 3., 4., 5., 6.]).unwrap();
        assert_eq!(read_npy("rt.npy", &write_npy_f32(&m)).unwrap(), m);
    }
}
