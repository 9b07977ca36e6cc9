//! Fuzz target `record`: see `handshake_fuzz_checks::record_bytes` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake_fuzz_checks::record_bytes(data));
