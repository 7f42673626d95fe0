#![no_main]
// See vecscape_core::fuzz::tsv for what is read and checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| vecscape_core::fuzz::tsv(data));
