//! Fuzz target `canonical`: see `handshake_fuzz_checks::canonical` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake_fuzz_checks::canonical(data));
