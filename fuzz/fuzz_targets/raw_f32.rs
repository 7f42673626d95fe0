#![no_main]
// See vecscape_core::fuzz::raw_f32 for what is read and checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| vecscape_core::fuzz::raw_f32(data));
