//! Reading files as people have them, one file per format, each a stream with progress and
//! errors that name the file and the place.
//!
//! - [`file`]: format detection, [`file::FileLoader`] (chunks in, [`file::Loaded`] out), load errors.
//! - [`npy`]: `.npy` decoded as it arrives, straight into the chosen storage.
//! - [`jsonl`]: JSON Lines objects, vector fields and WizMap `data.ndjson`.
//! - [`delimited`]: CSV/TSV and TF Projector TSVs.
//! - `columnar`: Parquet and Arrow IPC via arrow-rs; `ipc_check` checks IPC framing first, and
//!   `parquet_check` Parquet's footer and page headers (all with the `columnar` feature, on by
//!   default; without it such files get a clear error).
//! - [`raw`]: raw little-endian float32 and TF Projector's `projector_config.json`.
//! - [`invalid`]: rows whose vector is not finite or does not parse, refused or left out.
//! - [`dataset`]: joins loaded files into one [`dataset::Dataset`], row counts checked.

#[cfg(feature = "columnar")]
pub mod columnar;
pub mod dataset;
pub mod delimited;
pub mod file;
pub mod invalid;
#[cfg(feature = "columnar")]
pub mod ipc_check;
pub mod jsonl;
pub mod npy;
#[cfg(feature = "columnar")]
pub mod parquet_check;

/// What a check of a file's structure before its reader runs (`ipc_check`, `parquet_check`)
/// found wrong, and the byte of the file where: shown as "byte N: what".
#[cfg(feature = "columnar")]
#[derive(Debug, Clone, PartialEq)]
pub struct AtByte {
    pub offset: u64,
    pub message: String,
}

#[cfg(feature = "columnar")]
impl AtByte {
    pub fn new(offset: u64, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
        }
    }
}

#[cfg(feature = "columnar")]
impl std::fmt::Display for AtByte {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.message)
    }
}
pub mod raw;

/// A panic's message (`panic!` with a literal or a formatted string), if it has one.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}
