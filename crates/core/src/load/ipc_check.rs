//! Checks an Arrow IPC file or stream's framing before arrow-rs reads it.
//!
//! arrow-ipc trusts the lengths and offsets a file gives: a buffer said to lie past the end of its
//! message body panics while slicing, and a block or body length of terabytes is allocated before
//! the short read is noticed. Both were found by fuzzing (`fuzz/`). This walks every message the
//! reader will read and checks each length against the bytes that are really there, so a damaged
//! file is refused with the place named instead of stopping the page.

use super::AtByte;
use crate::data::budget::Budget;

fn err(offset: u64, message: impl Into<String>) -> AtByte {
    AtByte::new(offset, message)
}

const MAGIC: &[u8] = b"ARROW1";
const CONTINUATION: [u8; 4] = [0xFF; 4];

/// Check `bytes` (an IPC file when it starts with `ARROW1`, else a stream). A compressed buffer
/// may not claim to decompress to more than four times the budget (the f32 vectors of an int8
/// budget).
pub fn check(bytes: &[u8], budget: &Budget) -> Result<(), AtByte> {
    let max_buffer = budget.bytes.saturating_mul(4);
    if bytes.starts_with(MAGIC) {
        check_file(bytes, max_buffer)
    } else {
        check_stream(bytes, max_buffer)
    }
}

fn le_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn le_i64(bytes: &[u8], at: usize) -> Option<i64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    Some(i64::from_le_bytes([
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
    ]))
}

fn check_file(bytes: &[u8], max_buffer: u64) -> Result<(), AtByte> {
    let len = bytes.len();
    if len < 16 || !bytes.ends_with(MAGIC) {
        return Err(err(
            len as u64,
            "the file does not end with ARROW1 (cut short?)",
        ));
    }
    let footer_len = le_i32(bytes, len - 10).unwrap_or(-1);
    let footer_start = usize::try_from(footer_len)
        .ok()
        .and_then(|f| (len - 10).checked_sub(f))
        .filter(|&s| s >= 8)
        .ok_or_else(|| {
            err(
                (len - 10) as u64,
                format!("footer length {footer_len} does not fit the file"),
            )
        })?;
    let footer = arrow_ipc::root_as_footer(&bytes[footer_start..len - 10])
        .map_err(|e| err(footer_start as u64, format!("footer: {e}")))?;
    let schema = footer
        .schema()
        .map(arrow_ipc::convert::try_fb_to_schema)
        .transpose()
        .map_err(|e| err(footer_start as u64, format!("schema: {e}")))?;
    let blocks = footer
        .dictionaries()
        .into_iter()
        .flatten()
        .chain(footer.recordBatches().into_iter().flatten());
    for block in blocks {
        let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
        let at = u64::try_from(offset).unwrap_or(u64::MAX);
        let fits = |start: i64, n: i64| {
            start >= 0 && n >= 0 && start.checked_add(n).is_some_and(|e| e as u64 <= len as u64)
        };
        if !(meta >= 0 && fits(offset, i64::from(meta)) && fits(offset + i64::from(meta), body)) {
            return Err(err(
                at,
                format!(
                    "a block at byte {offset} with {meta} bytes of metadata and a {body}-byte body lies outside the file's {len} bytes"
                ),
            ));
        }
        let start = offset as usize;
        let framed = &bytes[start..start + meta as usize];
        let body_bytes = body as u64;
        let (message, _) =
            message_at(framed, start as u64)?.ok_or_else(|| err(at, "a block holds no message"))?;
        check_message(
            &message,
            body_bytes,
            start as u64,
            max_buffer,
            &bytes[start + meta as usize..],
            schema.as_ref(),
        )?;
    }
    Ok(())
}

fn check_stream(bytes: &[u8], max_buffer: u64) -> Result<(), AtByte> {
    let mut at = 0usize;
    let mut schema = None;
    while at + 4 <= bytes.len() {
        let Some((message, used)) = message_at(&bytes[at..], at as u64)? else {
            return Ok(());
        };
        let body_start = at + used;
        let remaining = (bytes.len() - body_start) as u64;
        let body = u64::try_from(message.bodyLength()).map_err(|_| {
            err(
                at as u64,
                format!("a message's body length is {}", message.bodyLength()),
            )
        })?;
        if body > remaining {
            return Err(err(
                at as u64,
                format!(
                    "a message's body of {body} bytes runs past the end ({remaining} bytes left)"
                ),
            ));
        }
        if let Some(fb) = message.header_as_schema() {
            schema = Some(
                arrow_ipc::convert::try_fb_to_schema(fb)
                    .map_err(|e| err(at as u64, format!("schema: {e}")))?,
            );
        }
        check_message(
            &message,
            body,
            at as u64,
            max_buffer,
            &bytes[body_start..],
            schema.as_ref(),
        )?;
        at = body_start + body as usize;
    }
    Ok(())
}

/// The message framed at the start of `bytes` (continuation marker, length, flatbuffer) and the
/// bytes its framing takes; `None` at the end-of-stream marker.
fn message_at(bytes: &[u8], at: u64) -> Result<Option<(arrow_ipc::Message<'_>, usize)>, AtByte> {
    let (len_at, fb_at): (usize, usize) = if bytes.starts_with(&CONTINUATION) {
        (4, 8)
    } else {
        (0, 4)
    };
    let Some(meta_len) = le_i32(bytes, len_at) else {
        return Err(err(at, "the file ends inside a message's length"));
    };
    if meta_len == 0 {
        return Ok(None);
    }
    let end = usize::try_from(meta_len)
        .ok()
        .and_then(|m| fb_at.checked_add(m))
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            err(
                at,
                format!(
                    "a message's metadata length {meta_len} runs past the end ({} bytes left)",
                    bytes.len()
                ),
            )
        })?;
    let message = arrow_ipc::root_as_message(&bytes[fb_at..end])
        .map_err(|e| err(at + fb_at as u64, format!("message: {e}")))?;
    Ok(Some((message, end)))
}

/// The buffers of a record or dictionary batch lie within its `body` bytes, and compressed ones
/// claim a plausible size (`data`: the body's bytes, as far as the file goes).
fn check_message(
    message: &arrow_ipc::Message<'_>,
    body: u64,
    at: u64,
    max_buffer: u64,
    data: &[u8],
    schema: Option<&arrow_schema::Schema>,
) -> Result<(), AtByte> {
    let declared = message.bodyLength();
    if declared < 0 || declared as u64 > body {
        return Err(err(
            at,
            format!("a message says its body is {declared} bytes, its block gives {body}"),
        ));
    }
    let dictionary = message.header_as_dictionary_batch();
    let batch = message
        .header_as_record_batch()
        .or_else(|| dictionary.and_then(|d| d.data()));
    let Some(batch) = batch else {
        return Ok(());
    };
    let compressed = batch.compression().is_some();
    for b in batch.buffers().into_iter().flatten() {
        let (offset, length) = (b.offset(), b.length());
        let inside = offset >= 0
            && length >= 0
            && offset
                .checked_add(length)
                .is_some_and(|e| e as u64 <= declared as u64);
        if !inside {
            return Err(err(
                at,
                format!(
                    "a buffer at {offset} of {length} bytes lies outside its message's {declared}-byte body"
                ),
            ));
        }
        if compressed && length >= 8 {
            let start = offset as usize;
            let claimed = le_i64(data, start);
            if let Some(n) = claimed.filter(|&n| n > 0 && n as u64 > max_buffer) {
                return Err(err(
                    at,
                    format!("a compressed buffer claims to hold {n} bytes, more than the memory budget allows"),
                ));
            }
        }
    }
    // Each buffer's length fits the type it holds, as arrow-rs reads them (it asserts that a
    // typed buffer is a whole number of values: found by fuzzing).
    let Some(schema) = schema else {
        return Ok(());
    };
    let lengths = batch
        .buffers()
        .into_iter()
        .flatten()
        .map(|b| decoded_len(b, compressed, data))
        .collect::<Vec<_>>();
    let mut walk = Walk {
        lengths: &lengths,
        next: 0,
        variadic: batch.variadicBufferCounts().into_iter().flatten().collect(),
        v5: message.version() >= arrow_ipc::MetadataVersion::V5,
    };
    let checked = match dictionary {
        Some(d) => match dictionary_values(schema, d.id()) {
            Some(values) => walk.field(&values),
            None => Ok(()),
        },
        None => schema
            .fields()
            .iter()
            .try_for_each(|f| walk.field(f.data_type())),
    };
    checked.map_err(|m| err(at, m))
}

/// The value type of dictionary `id` in `schema`.
fn dictionary_values(schema: &arrow_schema::Schema, id: i64) -> Option<arrow_schema::DataType> {
    fn find(field: &arrow_schema::Field, id: i64) -> Option<arrow_schema::DataType> {
        #[allow(deprecated)] // arrow-ipc itself keys dictionaries by the field's id
        let own = field.dict_id();
        match field.data_type() {
            arrow_schema::DataType::Dictionary(_, values) if own == Some(id) => {
                Some(values.as_ref().clone())
            }
            dt => children(dt).iter().find_map(|c| find(c, id)),
        }
    }
    schema.fields().iter().find_map(|f| find(f, id))
}

fn children(dt: &arrow_schema::DataType) -> Vec<arrow_schema::FieldRef> {
    use arrow_schema::DataType::*;
    match dt {
        List(f)
        | LargeList(f)
        | ListView(f)
        | LargeListView(f)
        | FixedSizeList(f, _)
        | Map(f, _) => {
            vec![f.clone()]
        }
        Struct(fs) => fs.iter().cloned().collect(),
        Union(fs, _) => fs.iter().map(|(_, f)| f.clone()).collect(),
        RunEndEncoded(a, b) => vec![a.clone(), b.clone()],
        Dictionary(_, v) => children(v),
        _ => Vec::new(),
    }
}

/// A buffer's length once decompressed (the 8-byte prefix of a compressed buffer; -1 there
/// means stored as is).
fn decoded_len(b: &arrow_ipc::Buffer, compressed: bool, data: &[u8]) -> u64 {
    let length = b.length().max(0) as u64;
    if !compressed || length == 0 {
        return length;
    }
    let start = b.offset().max(0) as usize;
    match le_i64(data, start) {
        Some(-1) => length.saturating_sub(8),
        Some(n) => n.max(0) as u64,
        None => length,
    }
}

/// The batch's buffers, taken in the order arrow-rs's reader takes them for each field.
struct Walk<'a> {
    lengths: &'a [u64],
    next: usize,
    variadic: std::collections::VecDeque<i64>,
    v5: bool,
}

impl Walk<'_> {
    /// The next buffer, which must hold whole values of `width` bytes (0: any length). Past the
    /// last buffer nothing is checked (the reader itself says the batch is short).
    fn take(&mut self, width: u64, what: &str) -> Result<(), String> {
        let Some(&len) = self.lengths.get(self.next) else {
            return Ok(());
        };
        self.next += 1;
        if width > 1 && len % width != 0 {
            return Err(format!(
                "buffer {} ({what}) is {len} bytes, not a whole number of {width}-byte values",
                self.next - 1
            ));
        }
        Ok(())
    }

    fn field(&mut self, dt: &arrow_schema::DataType) -> Result<(), String> {
        use arrow_schema::DataType::*;
        match dt {
            Null => Ok(()),
            Utf8 | Binary => self.offsets_and_values(4),
            LargeUtf8 | LargeBinary => self.offsets_and_values(8),
            Utf8View | BinaryView => {
                let extra = self.variadic.pop_front().unwrap_or(0).max(0) as usize;
                self.take(0, "validity")?;
                self.take(16, "views")?;
                for _ in 0..extra.min(self.lengths.len()) {
                    self.take(0, "view data")?;
                }
                Ok(())
            }
            List(f) | Map(f, _) => self.list(4, 1, f.data_type()),
            LargeList(f) => self.list(8, 1, f.data_type()),
            ListView(f) => self.list(4, 2, f.data_type()),
            LargeListView(f) => self.list(8, 2, f.data_type()),
            FixedSizeList(f, _) => {
                self.take(0, "validity")?;
                self.field(f.data_type())
            }
            Struct(fs) => {
                self.take(0, "validity")?;
                fs.iter().try_for_each(|f| self.field(f.data_type()))
            }
            RunEndEncoded(a, b) => {
                self.field(a.data_type())?;
                self.field(b.data_type())
            }
            Dictionary(keys, _) => {
                self.take(0, "validity")?;
                self.take(
                    keys.primitive_width().unwrap_or(0) as u64,
                    "dictionary keys",
                )
            }
            Union(fs, mode) => {
                if !self.v5 {
                    self.take(0, "validity")?;
                }
                self.take(0, "union type ids")?;
                if *mode == arrow_schema::UnionMode::Dense {
                    self.take(0, "union offsets")?;
                }
                fs.iter().try_for_each(|(_, f)| self.field(f.data_type()))
            }
            FixedSizeBinary(w) => {
                self.take(0, "validity")?;
                self.take(u64::try_from(*w).unwrap_or(0), "values")
            }
            other => {
                self.take(0, "validity")?;
                self.take(other.primitive_width().unwrap_or(0) as u64, "values")
            }
        }
    }

    fn offsets_and_values(&mut self, width: u64) -> Result<(), String> {
        self.take(0, "validity")?;
        self.take(width, "offsets")?;
        self.take(0, "values")
    }

    fn list(
        &mut self,
        width: u64,
        offset_buffers: usize,
        child: &arrow_schema::DataType,
    ) -> Result<(), String> {
        self.take(0, "validity")?;
        for _ in 0..offset_buffers {
            self.take(width, "list offsets")?;
        }
        self.field(child)
    }
}
