//! Checks a Parquet file's Thrift structures (the footer, and every page header of every column
//! chunk) before parquet reads them.
//!
//! parquet's Thrift reader skips the fields it does not know, and skips a list of booleans as if
//! its elements took no bytes: a damaged page header that declares a list of two billion booleans
//! keeps it busy for minutes while the page (and its Cancel) waits. Found by fuzzing
//! (`fuzz/regressions/parquet/thrift-skip-slow`). In Thrift's compact protocol every element of a
//! list, set or map takes at least one byte, so here a container longer than the bytes left is
//! refused at once, and the walk costs one pass over the header bytes. The page headers are
//! walked as the reader will read them: from the chunk's first page, each header followed by its
//! page's bytes, until the chunk's size is used up.

use super::AtByte;

/// Nesting deeper than this is refused (parquet's own reader stops at 64; its structures need 5).
const MAX_DEPTH: u32 = 32;

/// Thrift compact protocol types.
mod ty {
    pub const STOP: u8 = 0;
    pub const TRUE: u8 = 1;
    pub const FALSE: u8 = 2;
    pub const BYTE: u8 = 3;
    pub const I16: u8 = 4;
    pub const I32: u8 = 5;
    pub const I64: u8 = 6;
    pub const DOUBLE: u8 = 7;
    pub const BINARY: u8 = 8;
    pub const LIST: u8 = 9;
    pub const SET: u8 = 10;
    pub const MAP: u8 = 11;
    pub const STRUCT: u8 = 12;
    pub const UUID: u8 = 13;
}

/// A reader over one structure's bytes; `base` is the file offset of `bytes[0]`.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    base: u64,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8], base: u64) -> Self {
        Self { bytes, at: 0, base }
    }

    fn err(&self, message: impl Into<String>) -> AtByte {
        AtByte::new(self.base + self.at as u64, message)
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn byte(&mut self) -> Result<u8, AtByte> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.err("a Thrift structure ends early"))?;
        self.at += 1;
        Ok(b)
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<(), AtByte> {
        if n > self.left() as u64 {
            return Err(self.err(format!(
                "{what} of {n} bytes runs past the {} bytes left",
                self.left()
            )));
        }
        self.at += n as usize;
        Ok(())
    }

    /// A ULEB128 varint of at most 10 bytes.
    fn varint(&mut self) -> Result<u64, AtByte> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.err("a Thrift integer longer than 10 bytes"))
    }

    fn zigzag(&mut self) -> Result<i64, AtByte> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A container of `size` elements needs at least `size × per` bytes.
    fn room_for(&self, size: u64, per: u64, what: &str) -> Result<(), AtByte> {
        if size.saturating_mul(per) > self.left() as u64 {
            return Err(self.err(format!(
                "a Thrift {what} of {size} elements, with {} bytes left",
                self.left()
            )));
        }
        Ok(())
    }

    /// One value of type `t` (a struct's field, or a container's element when `element`: there
    /// a boolean takes a byte). Returns integers' values.
    fn value(&mut self, t: u8, element: bool, depth: u32) -> Result<Option<i64>, AtByte> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("Thrift structures nested over {MAX_DEPTH} deep")));
        }
        match t {
            ty::TRUE | ty::FALSE if !element => Ok(None),
            ty::TRUE | ty::FALSE | ty::BYTE => self.byte().map(|b| Some(i64::from(b))),
            ty::I16 | ty::I32 | ty::I64 => self.zigzag().map(Some),
            ty::DOUBLE => self.skip(8, "a double").map(|()| None),
            ty::UUID => self.skip(16, "a UUID").map(|()| None),
            ty::BINARY => {
                let len = self.varint()?;
                self.skip(len, "a binary field").map(|()| None)
            }
            ty::LIST | ty::SET => {
                let head = self.byte()?;
                let size = match head >> 4 {
                    15 => self.varint()?,
                    small => u64::from(small),
                };
                self.room_for(size, 1, "list")?;
                for _ in 0..size {
                    self.value(head & 0x0f, true, depth + 1)?;
                }
                Ok(None)
            }
            ty::MAP => {
                let size = self.varint()?;
                if size > 0 {
                    let types = self.byte()?;
                    self.room_for(size, 2, "map")?;
                    for _ in 0..size {
                        self.value(types >> 4, true, depth + 1)?;
                        self.value(types & 0x0f, true, depth + 1)?;
                    }
                }
                Ok(None)
            }
            ty::STRUCT => self.fields(depth + 1).map(|_| None),
            other => Err(self.err(format!("an unknown Thrift type {other}"))),
        }
    }

    /// A structure's fields up to its stop byte; returns its integer fields as (id, value).
    fn fields(&mut self, depth: u32) -> Result<Vec<(i16, i64)>, AtByte> {
        let mut ints = Vec::new();
        let mut last: i16 = 0;
        loop {
            let head = self.byte()?;
            let t = head & 0x0f;
            if t == ty::STOP {
                return Ok(ints);
            }
            last = match head >> 4 {
                0 => i16::try_from(self.zigzag()?)
                    .map_err(|_| self.err("a Thrift field id out of range"))?,
                delta => last.wrapping_add(i16::from(delta)),
            };
            if let Some(v) = self.value(t, false, depth)? {
                ints.push((last, v));
            }
        }
    }
}

/// The footer (the file's last `8 + n` bytes: the metadata, `n` as a little-endian `u32`, then
/// `PAR1`) is one Thrift structure. Files without that ending are left to the reader's own
/// error.
pub fn check_footer(bytes: &[u8]) -> Result<(), AtByte> {
    let len = bytes.len();
    if len < 12 || !bytes.ends_with(b"PAR1") {
        return Ok(());
    }
    let n = u32::from_le_bytes([
        bytes[len - 8],
        bytes[len - 7],
        bytes[len - 6],
        bytes[len - 5],
    ]) as usize;
    let Some(start) = (len - 8).checked_sub(n) else {
        return Ok(());
    };
    let mut footer = Cursor::new(&bytes[start..len - 8], start as u64);
    footer.fields(0).map(|_| ())
}

/// Walk the page headers of the column chunk `bytes[start..start + size]` (both already checked
/// to lie within the file).
pub fn check_pages(bytes: &[u8], start: usize, size: usize) -> Result<(), AtByte> {
    let end = start.saturating_add(size).min(bytes.len());
    let mut at = start;
    while at < end {
        let mut header = Cursor::new(&bytes[at..end], at as u64);
        // PageHeader: 1 type, 2 uncompressed_page_size, 3 compressed_page_size, ….
        let fields = header.fields(0)?;
        let Some(&(_, compressed)) = fields.iter().find(|(id, _)| *id == 3) else {
            return Err(AtByte::new(
                at as u64,
                "a page header without the page's size",
            ));
        };
        let page = u64::try_from(compressed).map_err(|_| {
            AtByte::new(
                at as u64,
                format!("a page header gives a size of {compressed} bytes"),
            )
        })?;
        header.skip(page, "a page")?;
        at += header.at;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field header with a small id delta.
    fn field(delta: u8, t: u8) -> u8 {
        (delta << 4) | t
    }

    /// A page header with `compressed` as field 3, then `extra` bytes of fields, then stop.
    fn page_header(compressed: u8, extra: &[u8]) -> Vec<u8> {
        let mut h = vec![field(1, ty::I32), 0, field(1, ty::I32), 2 * compressed];
        h.extend([field(1, ty::I32), 2 * compressed]);
        h.extend(extra);
        h.push(0);
        h
    }

    #[test]
    fn a_chunk_of_two_pages_walks_to_its_end() {
        let mut chunk = page_header(3, &[]);
        chunk.extend([9, 9, 9]);
        let second = chunk.len();
        chunk.extend(page_header(2, &[field(1, ty::BINARY), 2, b'a', b'b']));
        chunk.extend([7, 7]);
        let mut file = b"PAR1".to_vec();
        file.extend(&chunk);
        assert_eq!(check_pages(&file, 4, chunk.len()), Ok(()));
        // The chunk said to end inside its second page.
        let short = check_pages(&file, 4, chunk.len() - 1).unwrap_err();
        assert!(short
            .message
            .contains("a page of 2 bytes runs past the 1 bytes left"));
        assert_eq!(short.offset as usize, 4 + chunk.len() - 2);
        assert!(second > 0);
    }

    #[test]
    fn a_list_of_booleans_longer_than_its_bytes_is_refused_at_once() {
        // Field 4: a list of 2^31 booleans (size nibble 15, varint size, element type TRUE).
        let list = [
            field(1, ty::LIST),
            0xF0 | ty::TRUE,
            0x80,
            0x80,
            0x80,
            0x80,
            0x08,
        ];
        let chunk = page_header(0, &list);
        let e = check_pages(&chunk, 0, chunk.len()).unwrap_err();
        assert_eq!(
            e.message,
            "a Thrift list of 2147483648 elements, with 1 bytes left"
        );
        assert_eq!(e.offset, 13);
        // The same list, honest: two booleans of a byte each.
        let ok = page_header(0, &[field(1, ty::LIST), 0x20 | ty::TRUE, 1, 0]);
        assert_eq!(check_pages(&ok, 0, ok.len()), Ok(()));
    }

    #[test]
    fn maps_structs_and_field_ids_in_long_form() {
        // Field 8 by its long form (zigzag 16), a struct holding a map {byte: double} of one pair.
        let mut extra = vec![
            ty::STRUCT,
            16,
            field(1, ty::MAP),
            1,
            (ty::BYTE << 4) | ty::DOUBLE,
            5,
        ];
        extra.extend([0u8; 8]);
        extra.push(0);
        let chunk = page_header(0, &extra);
        assert_eq!(check_pages(&chunk, 0, chunk.len()), Ok(()));
        // A map claiming more pairs than bytes.
        let mut extra = vec![field(1, ty::MAP), 100, (ty::BYTE << 4) | ty::BYTE];
        extra.extend([0u8; 10]);
        let chunk = page_header(0, &extra);
        let e = check_pages(&chunk, 0, chunk.len()).unwrap_err();
        assert!(
            e.message.starts_with("a Thrift map of 100 elements"),
            "{e:?}"
        );
    }

    #[test]
    fn missing_sizes_unknown_types_and_deep_nesting_are_refused() {
        let no_size = [field(1, ty::I32), 0, 0];
        let e = check_pages(&no_size, 0, 3).unwrap_err();
        assert_eq!(e.message, "a page header without the page's size");
        let unknown = page_header(0, &[field(1, 14)]);
        let e = check_pages(&unknown, 0, unknown.len()).unwrap_err();
        assert_eq!(e.message, "an unknown Thrift type 14");
        let mut deep = vec![field(4, ty::STRUCT); 40];
        deep.extend([0u8; 41]);
        let e = check_pages(&deep, 0, deep.len()).unwrap_err();
        assert!(e.message.contains("nested over 32 deep"), "{e:?}");
        let negative = [field(3, ty::I32), 1, 0];
        let e = check_pages(&negative, 0, 3).unwrap_err();
        assert_eq!(e.message, "a page header gives a size of -1 bytes");
    }

    #[test]
    fn the_footer_is_walked_when_the_file_ends_with_its_length_and_magic() {
        let footer = [
            field(1, ty::I32),
            2,
            field(1, ty::LIST),
            0xF0 | ty::FALSE,
            0xFF,
            0x0F,
            0,
        ];
        let mut file = b"PAR1".to_vec();
        file.extend(footer);
        file.extend((footer.len() as u32).to_le_bytes());
        file.extend(b"PAR1");
        let e = check_footer(&file).unwrap_err();
        assert!(
            e.message.starts_with("a Thrift list of 2047 elements"),
            "{e:?}"
        );
        assert_eq!(check_footer(b"not parquet at all"), Ok(()));
    }
}
