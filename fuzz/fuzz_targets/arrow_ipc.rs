#![no_main]
// See vecscape_core::fuzz::arrow_ipc for what is read and checked, and
// vecscape_core::fuzz::tolerate_upstream_panics for the decoders' own panics.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vecscape_core::fuzz::tolerate_upstream_panics();
    vecscape_core::fuzz::arrow_ipc(data)
});
